//! The Endpoints controller (pkg/controller/endpoint): an Endpoints object per Service with a
//! selector, listing the IPs of the selected pods (ready ones under `addresses`, the others
//! under `notReadyAddresses`) with the resolved target ports, repacked so addresses sharing
//! the same ports form one subset.
//!
//! Approximation: upstream orders subsets and ports by a hash of their Go dump; here subsets
//! are ordered by their first address and ports by name, then port (identical for the common
//! single-subset, single-port case). `endpoints.kubernetes.io/last-change-trigger-time` is
//! the latest of the Service's creation and its pods' Ready transitions.

use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use client::{ChangeKind, Component, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::BTreeMap;

pub const MANAGED_BY_LABEL: &str = "endpoints.kubernetes.io/managed-by";
pub const CONTROLLER_NAME: &str = "endpoint-controller";
pub const HEADLESS_LABEL: &str = "service.kubernetes.io/headless";
pub const TRIGGER_TIME_ANNOTATION: &str = "endpoints.kubernetes.io/last-change-trigger-time";

/// The Service's pod selector; None for services without one (endpoints managed by hand)
/// and for ExternalName services.
pub fn service_selector(svc: &Value) -> Option<Selector> {
    if str_at(svc, "/spec/type") == "ExternalName" {
        return None;
    }
    let sel = svc.pointer("/spec/selector").filter(|s| !s.is_null())?;
    Some(Selector::from_set(&string_map(Some(sel))))
}

pub fn is_headless(svc: &Value) -> bool {
    str_at(svc, "/spec/clusterIP") == "None"
}

/// `ShouldPodBeInEndpoints`.
pub fn should_pod_be_in_endpoints(pod: &Value, include_terminating: bool) -> bool {
    let phase = pod_phase(pod);
    if phase == "Succeeded" || phase == "Failed" {
        return false;
    }
    let has_ip = !str_at(pod, "/status/podIP").is_empty()
        || pod
            .pointer("/status/podIPs")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty());
    if !has_ip {
        return false;
    }
    include_terminating || !is_being_deleted(pod)
}

/// `ShouldSetHostname`.
pub fn should_set_hostname(pod: &Value, svc: &Value) -> bool {
    !str_at(pod, "/spec/hostname").is_empty()
        && str_at(pod, "/spec/subdomain") == meta_str(svc, "name")
        && meta_str(svc, "namespace") == meta_str(pod, "namespace")
}

/// `podutil.FindPort`: the container port a service port targets on this pod.
pub fn find_port(pod: &Value, svc_port: &Value) -> Option<i64> {
    let protocol = svc_port.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
    match svc_port.get("targetPort") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(name)) => {
            let sidecars = pod
                .pointer("/spec/initContainers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|c| str_at(c, "/restartPolicy") == "Always");
            let containers = pod
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten();
            containers.chain(sidecars).find_map(|c| {
                c.get("ports")?.as_array()?.iter().find_map(|p| {
                    let p_proto = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
                    (str_at(p, "/name") == name && p_proto == protocol).then(|| int_at(p, "/containerPort"))
                })
            })
        }
        // No targetPort (defaulting sets it): the service port itself.
        _ => svc_port.get("port").and_then(Value::as_i64),
    }
}

/// The endpoint port for a service port resolved to `port` (`endpointPortFromServicePort`).
pub fn endpoint_port(svc_port: &Value, port: i64) -> Value {
    let mut p = Map::new();
    if let Some(n) = svc_port.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
        p.insert("name".into(), json!(n));
    }
    p.insert("port".into(), json!(port));
    p.insert(
        "protocol".into(),
        json!(svc_port.get("protocol").and_then(Value::as_str).unwrap_or("TCP")),
    );
    if let Some(a) = svc_port.get("appProtocol") {
        p.insert("appProtocol".into(), a.clone());
    }
    Value::Object(p)
}

/// A pod's target reference (`kind`, `namespace`, `name`, `uid`).
pub fn pod_target_ref(pod: &Value) -> Value {
    json!({"kind": "Pod", "namespace": meta_str(pod, "namespace"), "name": meta_str(pod, "name"), "uid": meta_str(pod, "uid")})
}

fn pod_ip(pod: &Value) -> String {
    let ip = str_at(pod, "/status/podIP");
    if !ip.is_empty() {
        return ip.to_string();
    }
    str_at(pod, "/status/podIPs/0/ip").to_string()
}

/// Addresses keyed by (IP, pod uid), with their readiness.
type AddressSet = BTreeMap<(String, String), (Value, bool)>;

/// The subsets for a Service and the pods its selector matches (`syncService` +
/// `RepackSubsets`).
pub fn desired_subsets(svc: &Value, pods: &[&Value]) -> Vec<Value> {
    let tolerate = bool_at(svc, "/spec/publishNotReadyAddresses");
    let svc_ports: Vec<Value> = svc
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    // port (as canonical JSON, "" for the no-port sentinel) → address key → (address, ready)
    let mut by_port: BTreeMap<String, (Option<Value>, AddressSet)> = BTreeMap::new();
    for pod in pods {
        if !should_pod_be_in_endpoints(pod, tolerate) {
            continue;
        }
        let mut addr = Map::new();
        addr.insert("ip".into(), json!(pod_ip(pod)));
        if should_set_hostname(pod, svc) {
            addr.insert("hostname".into(), json!(str_at(pod, "/spec/hostname")));
        }
        addr.insert("nodeName".into(), json!(str_at(pod, "/spec/nodeName")));
        addr.insert("targetRef".into(), pod_target_ref(pod));
        let addr = Value::Object(addr);
        let key = (pod_ip(pod), meta_str(pod, "uid").to_string());
        let ready = tolerate || is_pod_ready(pod);
        if svc_ports.is_empty() {
            if is_headless(svc) {
                by_port
                    .entry(String::new())
                    .or_insert((None, BTreeMap::new()))
                    .1
                    .insert(key, (addr, ready));
            }
            continue;
        }
        for sp in &svc_ports {
            let Some(port) = find_port(pod, sp) else { continue };
            let ep = endpoint_port(sp, port);
            let pk = serde_json::to_string(&ep).unwrap_or_default();
            by_port
                .entry(pk)
                .or_insert((Some(ep), BTreeMap::new()))
                .1
                .insert(key.clone(), (addr.clone(), ready));
        }
    }
    // Group ports by the exact address set that offers them.
    let mut by_addrs: BTreeMap<String, (AddressSet, Vec<Value>)> = BTreeMap::new();
    for (_, (port, addrs)) in by_port {
        let key =
            serde_json::to_string(&addrs.iter().map(|(k, (_, r))| (k, r)).collect::<Vec<_>>()).unwrap_or_default();
        let entry = by_addrs.entry(key).or_insert_with(|| (addrs.clone(), Vec::new()));
        if let Some(p) = port {
            entry.1.push(p);
        }
    }
    let mut subsets: Vec<Value> = by_addrs
        .into_values()
        .map(|(addrs, mut ports)| {
            ports.sort_by(|a, b| {
                str_at(a, "/name")
                    .cmp(str_at(b, "/name"))
                    .then(int_at(a, "/port").cmp(&int_at(b, "/port")))
            });
            // The set is ordered by (IP, uid), as LessEndpointAddress orders addresses.
            let ready: Vec<Value> = addrs.values().filter(|(_, r)| *r).map(|(a, _)| a.clone()).collect();
            let not_ready: Vec<Value> = addrs.values().filter(|(_, r)| !*r).map(|(a, _)| a.clone()).collect();
            let mut s = Map::new();
            if !ready.is_empty() {
                s.insert("addresses".into(), Value::Array(ready));
            }
            if !not_ready.is_empty() {
                s.insert("notReadyAddresses".into(), Value::Array(not_ready));
            }
            if !ports.is_empty() {
                s.insert("ports".into(), Value::Array(ports));
            }
            Value::Object(s)
        })
        .collect();
    subsets.sort_by(|a, b| {
        let first = |s: &Value| {
            s.pointer("/addresses/0/ip")
                .or_else(|| s.pointer("/notReadyAddresses/0/ip"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        first(a).cmp(&first(b))
    });
    subsets
}

/// The labels of a controller-managed Endpoints/EndpointSlice: the Service's, plus the
/// headless marker.
pub fn service_labels(svc: &Value) -> BTreeMap<String, String> {
    let mut l = labels(svc);
    l.remove(HEADLESS_LABEL);
    if is_headless(svc) {
        l.insert(HEADLESS_LABEL.into(), String::new());
    }
    l
}

/// The latest change among the Service and its pods (see the module comment).
pub fn trigger_time(svc: &Value, pods: &[&Value]) -> Option<String> {
    let mut t = time_at(svc, "/metadata/creationTimestamp");
    for p in pods {
        if let Some(c) = pod_condition(p, "Ready").and_then(|c| time_at(c, "/lastTransitionTime")) {
            t = Some(t.map_or(c, |x| x.max(c)));
        }
    }
    t.map(apimachinery::time::format_rfc3339)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndpointsController {
    services: Informer,
    pods: Informer,
    endpoints: Informer,
    queue: WorkQueue<Key>,
}

pub fn endpoints_controller() -> EndpointsController {
    EndpointsController {
        services: Informer::new(ResourcePath::core("services")),
        pods: Informer::new(ResourcePath::core("pods")),
        endpoints: Informer::new(ResourcePath::core("endpoints")),
        queue: WorkQueue::default(),
    }
}

/// The services (of the pod's namespace) whose selector matches the pod (old or new labels).
pub fn services_for_pod(services: &Informer, pod: &Value, old: Option<&Value>) -> Vec<Key> {
    let ns = meta_str(pod, "namespace");
    let new_labels = labels(pod);
    let old_labels = old.map(labels);
    services
        .list_namespace(ns)
        .filter(|svc| {
            service_selector(svc)
                .is_some_and(|s| s.matches(&new_labels) || old_labels.as_ref().is_some_and(|l| s.matches(l)))
        })
        .map(key_of)
        .collect()
}

impl EndpointsController {
    fn sync(&mut self, api: &mut dyn ApiClient, key: &Key) -> Result<(), ApiError> {
        let (ns, name) = key;
        let path = object_path("v1", "endpoints", ns, name);
        let Some(svc) = self.services.get(ns, name).cloned() else {
            if self.endpoints.get(ns, name).is_some() {
                match api.request(ApiRequest::delete(path)) {
                    Ok(_) => {}
                    Err(e) if e.code() == 404 => {}
                    Err(e) => return Err(e),
                }
            }
            return Ok(());
        };
        let Some(selector) = service_selector(&svc) else {
            return Ok(());
        };
        if is_being_deleted(&svc) {
            return Ok(());
        }
        let pods: Vec<&Value> = self.pods.by_label_selector(Some(ns), &selector).collect();
        let subsets = desired_subsets(&svc, &pods);
        let mut new_labels = service_labels(&svc);
        new_labels.insert(MANAGED_BY_LABEL.into(), CONTROLLER_NAME.into());
        let current = self.endpoints.get(ns, name).cloned();
        if let Some(cur) = &current {
            let cur_subsets = cur
                .get("subsets")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if cur_subsets == subsets && labels(cur) == new_labels {
                return Ok(());
            }
        }
        let mut ep = current.clone().unwrap_or_else(
            || json!({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": ns}}),
        );
        set_meta(&mut ep, "labels", json!(new_labels));
        match trigger_time(&svc, &pods) {
            Some(t) => {
                set_annotation(&mut ep, TRIGGER_TIME_ANNOTATION, &t);
            }
            None => {
                if let Some(a) = ep.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
                    a.remove(TRIGGER_TIME_ANNOTATION);
                }
            }
        }
        if subsets.is_empty() {
            if let Some(o) = ep.as_object_mut() {
                o.remove("subsets");
            }
        } else {
            set_field(&mut ep, "subsets", Value::Array(subsets));
        }
        let result = if current.is_some() {
            api.request(ApiRequest::put(path, ep))
        } else {
            api.request(ApiRequest::post(object_path("v1", "endpoints", ns, ""), ep))
        };
        match result {
            Ok(_) => Ok(()),
            // The namespace is going away: nothing to keep up to date.
            Err(e) if e.code() == 403 && e.message().contains("being terminated") => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl Component for EndpointsController {
    fn name(&self) -> &'static str {
        CONTROLLER_NAME
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
        let Ok(changes) = self.endpoints.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            if c.kind == ChangeKind::Deleted && self.services.get(&c.key().0, &c.key().1).is_some() {
                self.queue.add(c.key());
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
            "spec": {"nodeName": "node01", "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]}]},
            "status": {"phase": "Running", "podIP": ip, "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]},
        })
    }

    fn svc(ports: Value) -> Value {
        json!({"metadata": {"name": "web", "namespace": "default"}, "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.20", "ports": ports}})
    }

    #[test]
    fn ready_and_not_ready_pods_share_a_subset_with_resolved_ports() {
        let s = svc(json!([{"port": 80, "targetPort": "http", "protocol": "TCP"}]));
        let (a, b, c) = (
            pod("a", "10.244.1.5", true),
            pod("b", "10.244.2.3", false),
            pod("c", "10.244.1.10", true),
        );
        let subsets = desired_subsets(&s, &[&a, &b, &c]);
        assert_eq!(subsets.len(), 1);
        let ips: Vec<&str> = subsets[0]["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["ip"].as_str().unwrap())
            .collect();
        assert_eq!(ips, vec!["10.244.1.10", "10.244.1.5"]);
        assert_eq!(
            subsets[0]["notReadyAddresses"][0]["targetRef"],
            json!({"kind": "Pod", "namespace": "default", "name": "b", "uid": "u-b"})
        );
        assert_eq!(subsets[0]["ports"], json!([{"port": 8080, "protocol": "TCP"}]));
    }

    #[test]
    fn pods_without_an_ip_or_finished_are_left_out() {
        let s = svc(json!([{"port": 80, "targetPort": 80, "protocol": "TCP"}]));
        let mut no_ip = pod("a", "", true);
        no_ip["status"]["podIP"] = json!(null);
        let mut done = pod("b", "10.244.1.2", false);
        done["status"]["phase"] = json!("Succeeded");
        let mut leaving = pod("c", "10.244.1.3", true);
        leaving["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        assert_eq!(desired_subsets(&s, &[&no_ip, &done, &leaving]), Vec::<Value>::new());
    }

    #[test]
    fn a_named_port_missing_on_a_pod_drops_only_that_port() {
        let s = svc(
            json!([{"name": "web", "port": 80, "targetPort": "http", "protocol": "TCP"}, {"name": "metrics", "port": 9090, "targetPort": "metrics", "protocol": "TCP"}]),
        );
        let a = pod("a", "10.244.1.5", true);
        let mut b = pod("b", "10.244.2.5", true);
        b["spec"]["containers"][0]["ports"] = json!([{"name": "http", "containerPort": 8080, "protocol": "TCP"}, {"name": "metrics", "containerPort": 9100, "protocol": "TCP"}]);
        let subsets = desired_subsets(&s, &[&a, &b]);
        assert_eq!(subsets.len(), 2);
        assert_eq!(subsets[0]["addresses"].as_array().unwrap().len(), 2);
        assert_eq!(
            subsets[0]["ports"],
            json!([{"name": "web", "port": 8080, "protocol": "TCP"}])
        );
        assert_eq!(subsets[1]["addresses"][0]["ip"], "10.244.2.5");
        assert_eq!(
            subsets[1]["ports"],
            json!([{"name": "metrics", "port": 9100, "protocol": "TCP"}])
        );
    }
}
