//! The EndpointSlice controller (pkg/controller/endpointslice): for every Service with a
//! selector, EndpointSlices named `<service>-<5 chars>` (generateName), owned by the Service,
//! labelled `kubernetes.io/service-name` and `endpointslice.kubernetes.io/managed-by`, one
//! per distinct set of resolved ports, at most 100 endpoints each; a Service without
//! endpoints keeps one placeholder slice. Existing slices are updated in place (endpoint
//! order kept, new endpoints appended) and reused before new ones are created, as upstream's
//! reconciler does.

use crate::endpoints::{
    endpoint_port, find_port, is_headless, pod_target_ref, service_labels, service_selector, services_for_pod,
    should_pod_be_in_endpoints, should_set_hostname, TRIGGER_TIME_ANNOTATION,
};
use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use client::{ChangeKind, Component, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::BTreeMap;

pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";
pub const MANAGED_BY_LABEL: &str = "endpointslice.kubernetes.io/managed-by";
pub const CONTROLLER_NAME: &str = "endpointslice-controller.k8s.io";
/// `--max-endpoints-per-slice` default.
pub const MAX_ENDPOINTS_PER_SLICE: usize = 100;

/// `podToEndpoint`.
pub fn pod_to_endpoint(pod: &Value, svc: &Value) -> Value {
    let publish = bool_at(svc, "/spec/publishNotReadyAddresses");
    let serving = is_pod_ready(pod);
    let terminating = is_being_deleted(pod);
    let ready = publish || (serving && !terminating);
    let ips: Vec<Value> = match pod.pointer("/status/podIPs").and_then(Value::as_array) {
        Some(a) if !a.is_empty() => a
            .iter()
            .filter_map(|p| p.get("ip").and_then(Value::as_str))
            .filter(|ip| !ip.contains(':'))
            .map(|ip| json!(ip))
            .collect(),
        _ => vec![json!(str_at(pod, "/status/podIP"))],
    };
    let mut ep = Map::new();
    ep.insert("addresses".into(), Value::Array(ips));
    ep.insert(
        "conditions".into(),
        json!({"ready": ready, "serving": serving, "terminating": terminating}),
    );
    if should_set_hostname(pod, svc) {
        ep.insert("hostname".into(), json!(str_at(pod, "/spec/hostname")));
    }
    ep.insert("targetRef".into(), pod_target_ref(pod));
    let node = str_at(pod, "/spec/nodeName");
    if !node.is_empty() {
        ep.insert("nodeName".into(), json!(node));
    }
    Value::Object(ep)
}

/// Desired endpoints grouped by their port list (canonical JSON key → (ports, endpoints by
/// pod uid)).
pub fn desired_by_ports(svc: &Value, pods: &[&Value]) -> BTreeMap<String, (Value, Vec<(String, Value)>)> {
    let svc_ports: Vec<Value> = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out: BTreeMap<String, (Value, Vec<(String, Value)>)> = BTreeMap::new();
    let mut sorted: Vec<&&Value> = pods.iter().collect();
    sorted.sort_by(|a, b| meta_str(a, "name").cmp(meta_str(b, "name")));
    for pod in sorted {
        if !should_pod_be_in_endpoints(pod, true) {
            continue;
        }
        let mut ports: Vec<Value> = svc_ports
            .iter()
            .filter_map(|sp| find_port(pod, sp).map(|p| endpoint_port(sp, p)))
            .collect();
        ports.sort_by(|a, b| {
            str_at(a, "/name")
                .cmp(str_at(b, "/name"))
                .then(int_at(a, "/port").cmp(&int_at(b, "/port")))
        });
        let key = serde_json::to_string(&ports).unwrap_or_default();
        let entry = out.entry(key).or_insert_with(|| (Value::Array(ports), Vec::new()));
        entry
            .1
            .push((meta_str(pod, "uid").to_string(), pod_to_endpoint(pod, svc)));
    }
    out
}

fn endpoint_uid(ep: &Value) -> &str {
    str_at(ep, "/targetRef/uid")
}

fn slice_ports_key(slice: &Value) -> String {
    let ports = slice.get("ports").cloned().unwrap_or(Value::Null);
    let ports = if ports.is_null() { json!([]) } else { ports };
    serde_json::to_string(&ports).unwrap_or_default()
}

/// The labels a managed slice carries.
pub fn slice_labels(svc: &Value) -> BTreeMap<String, String> {
    let mut l = service_labels(svc);
    l.insert(SERVICE_NAME_LABEL.into(), meta_str(svc, "name").to_string());
    l.insert(MANAGED_BY_LABEL.into(), CONTROLLER_NAME.into());
    l
}

/// One planned write.
#[derive(Debug, Clone, PartialEq)]
pub enum SliceOp {
    Create(Value),
    Update(Value),
    Delete(String),
}

/// The reconciler: what to create, update and delete so the slices match the pods.
pub fn plan(svc: &Value, pods: &[&Value], existing: &[&Value], trigger: Option<&str>) -> Vec<SliceOp> {
    let desired = desired_by_ports(svc, pods);
    let labels = slice_labels(svc);
    let owner = new_controller_ref(svc, "v1", "Service");
    let fresh = |ports: Value, endpoints: Value| {
        let mut meta = Map::new();
        meta.insert("generateName".into(), json!(format!("{}-", meta_str(svc, "name"))));
        meta.insert("namespace".into(), json!(meta_str(svc, "namespace")));
        meta.insert("labels".into(), json!(labels));
        meta.insert("ownerReferences".into(), json!([owner]));
        if let Some(t) = trigger {
            meta.insert("annotations".into(), json!({TRIGGER_TIME_ANNOTATION: t}));
        }
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta, "addressType": "IPv4", "ports": ports, "endpoints": endpoints})
    };
    let mut to_create: Vec<Value> = Vec::new();
    let mut to_update: Vec<Value> = Vec::new();
    let mut to_delete: Vec<&Value> = Vec::new();
    let mut unused: Vec<&Value> = existing.to_vec();
    for (key, (ports, eps)) in &desired {
        let mut wanted: BTreeMap<&str, &Value> = eps.iter().map(|(uid, ep)| (uid.as_str(), ep)).collect();
        // Existing slices with these ports keep their endpoints' order.
        let mut mine: Vec<&Value> = Vec::new();
        unused.retain(|s| {
            if slice_ports_key(s) == *key {
                mine.push(s);
                false
            } else {
                true
            }
        });
        mine.sort_by(|a, b| meta_str(a, "name").cmp(meta_str(b, "name")));
        let mut partial: Vec<(Value, Vec<Value>, bool)> = Vec::new();
        for s in mine {
            let old_eps: Vec<Value> = s
                .get("endpoints")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut kept = Vec::new();
            let mut changed = false;
            for ep in &old_eps {
                match wanted.remove(endpoint_uid(ep)) {
                    Some(w) => {
                        changed |= w != ep;
                        kept.push(w.clone());
                    }
                    None => changed = true,
                }
            }
            if kept.is_empty() {
                to_delete.push(s);
            } else {
                partial.push((s.clone(), kept, changed));
            }
        }
        // New endpoints fill existing slices first, then new ones.
        let mut rest: Vec<Value> = eps
            .iter()
            .filter(|(uid, _)| wanted.contains_key(uid.as_str()))
            .map(|(_, e)| e.clone())
            .collect();
        for (_, kept, changed) in partial.iter_mut() {
            while kept.len() < MAX_ENDPOINTS_PER_SLICE && !rest.is_empty() {
                kept.push(rest.remove(0));
                *changed = true;
            }
        }
        for (slice, kept, changed) in partial {
            if changed || labels_differ(&slice, &labels) {
                let mut s = slice;
                set_field(&mut s, "endpoints", Value::Array(kept));
                set_meta(&mut s, "labels", json!(labels));
                if let Some(t) = trigger {
                    set_annotation(&mut s, TRIGGER_TIME_ANNOTATION, t);
                }
                to_update.push(s);
            }
        }
        for chunk in rest.chunks(MAX_ENDPOINTS_PER_SLICE) {
            to_create.push(fresh(ports.clone(), Value::Array(chunk.to_vec())));
        }
    }
    to_delete.extend(unused);
    // No endpoints at all: one placeholder slice (kept as it is when it already is one).
    if existing.len() == to_delete.len() && to_create.is_empty() && to_update.is_empty() {
        let placeholder = fresh(Value::Null, Value::Null);
        let is_placeholder = |s: &Value| {
            s.get("endpoints")
                .is_none_or(|e| e.is_null() || e.as_array().is_some_and(|a| a.is_empty()))
                && slice_ports_key(s) == "[]"
                && !labels_differ(s, &labels)
        };
        if to_delete.len() == 1 && to_delete.first().is_some_and(|s| is_placeholder(s)) {
            to_delete.clear();
        } else {
            to_create.push(placeholder);
        }
    }
    // Creates become updates of slices that would otherwise be deleted (stable names).
    let mut ops = Vec::new();
    let svc_uid = meta_str(svc, "uid");
    let mut deletable: Vec<&Value> = Vec::new();
    for s in to_delete {
        if controller_uid(s) == svc_uid && !to_create.is_empty() {
            if let Some(mut new) = to_create.pop() {
                let mut reused = s.clone();
                for f in ["ports", "endpoints", "addressType"] {
                    set_field(&mut reused, f, new.get(f).cloned().unwrap_or(Value::Null));
                }
                set_meta(&mut reused, "labels", json!(labels));
                if let Some(t) = trigger {
                    set_annotation(&mut reused, TRIGGER_TIME_ANNOTATION, t);
                }
                let _ = &mut new;
                ops.push(SliceOp::Update(reused));
                continue;
            }
        }
        deletable.push(s);
    }
    ops.extend(to_update.into_iter().map(SliceOp::Update));
    ops.extend(to_create.into_iter().map(SliceOp::Create));
    ops.extend(
        deletable
            .into_iter()
            .map(|s| SliceOp::Delete(meta_str(s, "name").to_string())),
    );
    ops
}

fn labels_differ(slice: &Value, want: &BTreeMap<String, String>) -> bool {
    &labels(slice) != want
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointSliceController {
    services: Informer,
    pods: Informer,
    slices: Informer,
    queue: WorkQueue<Key>,
}

pub fn endpointslice_controller() -> EndpointSliceController {
    EndpointSliceController {
        services: Informer::new(ResourcePath::core("services")),
        pods: Informer::new(ResourcePath::core("pods")),
        slices: Informer::new(
            ResourcePath::new("discovery.k8s.io", "v1", "endpointslices")
                .with_label_selector(&format!("{MANAGED_BY_LABEL}={CONTROLLER_NAME}")),
        ),
        queue: WorkQueue::default(),
    }
}

impl EndpointSliceController {
    fn sync(&mut self, api: &mut dyn ApiClient, key: &Key) -> Result<(), ApiError> {
        let (ns, name) = key;
        // A deleted Service's slices go with it through the garbage collector.
        let Some(svc) = self.services.get(ns, name).cloned() else {
            return Ok(());
        };
        let Some(selector) = service_selector(&svc) else {
            return Ok(());
        };
        if is_being_deleted(&svc) {
            return Ok(());
        }
        let pods: Vec<&Value> = self.pods.by_label_selector(Some(ns), &selector).collect();
        let existing: Vec<&Value> = self
            .slices
            .list_namespace(ns)
            .filter(|s| labels(s).get(SERVICE_NAME_LABEL).map(String::as_str) == Some(name.as_str()))
            .collect();
        let trigger = crate::endpoints::trigger_time(&svc, &pods);
        let ops = plan(&svc, &pods, &existing, trigger.as_deref());
        let base = object_path("discovery.k8s.io/v1", "endpointslices", ns, "");
        for op in ops {
            let result = match op {
                SliceOp::Create(s) => api.request(ApiRequest::post(base.clone(), s)),
                SliceOp::Update(s) => {
                    let path = format!("{base}/{}", meta_str(&s, "name"));
                    api.request(ApiRequest::put(path, s))
                }
                SliceOp::Delete(n) => api.request(ApiRequest::delete(format!("{base}/{n}"))),
            };
            match result {
                Ok(_) => {}
                Err(e) if e.code() == 404 => {}
                Err(e) if e.code() == 403 && e.message().contains("being terminated") => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        let _ = is_headless(&svc);
        Ok(())
    }
}

impl Component for EndpointSliceController {
    fn name(&self) -> &'static str {
        "endpointslice-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.services.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            self.queue.add(c.key());
        }
        let Ok(changes) = self.pods.sync(api) else { return retry };
        for c in changes {
            did_work = true;
            let old = if c.kind == ChangeKind::Modified {
                c.old.as_ref()
            } else {
                None
            };
            for k in services_for_pod(&self.services, &c.object, old) {
                self.queue.add(k);
            }
        }
        let Ok(changes) = self.slices.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            if c.kind == ChangeKind::Deleted {
                let svc = labels(&c.object).get(SERVICE_NAME_LABEL).cloned().unwrap_or_default();
                let ns = meta_str(&c.object, "namespace").to_string();
                if self.services.get(&ns, &svc).is_some() {
                    self.queue.add((ns, svc));
                }
            }
        }
        while let Some(key) = self.queue.pop_ready(now) {
            did_work = true;
            match self.sync(api, &key) {
                Ok(()) => self.queue.forget(&key),
                Err(_) => self.queue.add_rate_limited(key, now),
            }
        }
        StepResult {
            did_work,
            next_wakeup: self.queue.next_deadline(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(name: &str, ip: &str, ready: bool) -> Value {
        json!({
            "metadata": {"name": name, "namespace": "default", "uid": format!("u-{name}"), "labels": {"app": "web"}},
            "spec": {"nodeName": "node01", "containers": [{"name": "c"}]},
            "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]},
        })
    }

    fn svc() -> Value {
        json!({"metadata": {"name": "web", "namespace": "default", "uid": "u-svc", "labels": {"app": "web"}},
               "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.20", "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP"}]}})
    }

    #[test]
    fn a_new_service_gets_one_slice_with_upstream_labels_and_owner() {
        let (a, b) = (pod("a", "10.244.1.5", true), pod("b", "10.244.2.5", false));
        let ops = plan(&svc(), &[&a, &b], &[], None);
        assert_eq!(ops.len(), 1);
        let SliceOp::Create(s) = &ops[0] else { panic!("{ops:?}") };
        assert_eq!(s["metadata"]["generateName"], "web-");
        assert_eq!(
            s["metadata"]["labels"],
            json!({"app": "web", SERVICE_NAME_LABEL: "web", MANAGED_BY_LABEL: CONTROLLER_NAME})
        );
        assert_eq!(s["metadata"]["ownerReferences"][0]["kind"], "Service");
        assert_eq!(s["ports"], json!([{"port": 80, "protocol": "TCP"}]));
        assert_eq!(
            s["endpoints"][0]["conditions"],
            json!({"ready": true, "serving": true, "terminating": false})
        );
        assert_eq!(
            s["endpoints"][1]["conditions"],
            json!({"ready": false, "serving": false, "terminating": false})
        );
        assert_eq!(s["endpoints"][1]["addresses"], json!(["10.244.2.5"]));
    }

    #[test]
    fn no_pods_means_a_placeholder_and_the_slice_keeps_its_name() {
        let ops = plan(&svc(), &[], &[], None);
        let SliceOp::Create(placeholder) = &ops[0] else {
            panic!("{ops:?}")
        };
        assert_eq!(placeholder["endpoints"], Value::Null);
        let mut existing = placeholder.clone();
        existing["metadata"]["name"] = json!("web-abcde");
        // Already a placeholder: nothing to do.
        assert_eq!(plan(&svc(), &[], &[&existing], None), vec![]);
        // A pod arrives: the placeholder becomes the real slice under the same name.
        let a = pod("a", "10.244.1.5", true);
        let ops = plan(&svc(), &[&a], &[&existing], None);
        assert_eq!(ops.len(), 1);
        let SliceOp::Update(s) = &ops[0] else { panic!("{ops:?}") };
        assert_eq!(s["metadata"]["name"], "web-abcde");
        assert_eq!(s["endpoints"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn endpoints_keep_their_order_and_newcomers_are_appended() {
        let (a, b, c) = (
            pod("a", "10.244.1.5", true),
            pod("b", "10.244.2.5", true),
            pod("c", "10.244.2.9", true),
        );
        let SliceOp::Create(mut s) = plan(&svc(), &[&b, &c], &[], None).remove(0) else {
            panic!()
        };
        s["metadata"]["name"] = json!("web-x");
        s["metadata"]["ownerReferences"][0]["uid"] = json!("u-svc");
        let ops = plan(&svc(), &[&a, &b], &[&s], None);
        let SliceOp::Update(u) = &ops[0] else { panic!("{ops:?}") };
        let names: Vec<&str> = u["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["targetRef"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, vec!["b", "a"]);
        assert_eq!(plan(&svc(), &[&b, &c], &[&s], None), vec![]);
    }
}
