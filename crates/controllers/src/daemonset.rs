//! The DaemonSet controller (pkg/controller/daemon): one pod per eligible node (nodeSelector,
//! required node affinity, taints against the template's tolerations plus those the
//! controller adds), pinned with a `metadata.name` node-affinity term for the scheduler;
//! `controller-revision-hash` and `pod-template-generation` labels, ControllerRevisions,
//! RollingUpdate with maxUnavailable 1 (outdated pods replaced one at a time), status.

use crate::history::{self, hash_revision, revision_data, REVISION_LABEL};
use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use client::{ChangeKind, Component, EventRecorder, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::BTreeMap;

pub const TEMPLATE_GENERATION_LABEL: &str = "pod-template-generation";
const COMPONENT: &str = "daemonset-controller";

/// The tolerations `AddOrUpdateDaemonPodTolerations` adds: (key, effect).
const DAEMON_TOLERATIONS: [(&str, &str); 6] = [
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
];

/// The template's tolerations with the daemon ones appended (when missing).
pub fn daemon_tolerations(template_spec: &Value) -> Vec<Value> {
    let mut tols: Vec<Value> = template_spec
        .get("tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut wanted: Vec<(&str, &str)> = DAEMON_TOLERATIONS.to_vec();
    if bool_at(template_spec, "/hostNetwork") {
        wanted.push(("node.kubernetes.io/network-unavailable", "NoSchedule"));
    }
    for (key, effect) in wanted {
        let present = tols
            .iter()
            .any(|t| str_at(t, "/key") == key && str_at(t, "/effect") == effect && str_at(t, "/operator") == "Exists");
        if !present {
            tols.push(json!({"key": key, "operator": "Exists", "effect": effect}));
        }
    }
    tols
}

fn tolerates(tols: &[Value], taint: &Value) -> bool {
    tols.iter().any(|t| {
        let effect_ok = str_at(t, "/effect").is_empty() || str_at(t, "/effect") == str_at(taint, "/effect");
        let key = str_at(t, "/key");
        let key_ok = key.is_empty() && str_at(t, "/operator") == "Exists" || key == str_at(taint, "/key");
        let value_ok = str_at(t, "/operator") == "Exists" || str_at(t, "/value") == str_at(taint, "/value");
        effect_ok && key_ok && value_ok
    })
}

fn requirement_matches(req: &Value, value: Option<&str>) -> bool {
    let values: Vec<&str> = req
        .get("values")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    match str_at(req, "/operator") {
        "In" => value.is_some_and(|v| values.contains(&v)),
        "NotIn" => value.is_none_or(|v| !values.contains(&v)),
        "Exists" => value.is_some(),
        "DoesNotExist" => value.is_none(),
        "Gt" | "Lt" => {
            let (Some(v), Some(bound)) = (
                value.and_then(|v| v.parse::<i64>().ok()),
                values.first().and_then(|b| b.parse::<i64>().ok()),
            ) else {
                return false;
            };
            if str_at(req, "/operator") == "Gt" {
                v > bound
            } else {
                v < bound
            }
        }
        _ => false,
    }
}

/// Whether the node satisfies nodeSelector and required node affinity of a pod spec.
pub fn node_matches(spec: &Value, node: &Value) -> bool {
    let node_labels = labels(node);
    for (k, v) in string_map(spec.get("nodeSelector")) {
        if node_labels.get(&k) != Some(&v) {
            return false;
        }
    }
    let Some(terms) = spec
        .pointer("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms")
        .and_then(Value::as_array)
    else {
        return true;
    };
    terms.iter().any(|term| {
        let exprs = term
            .get("matchExpressions")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let fields = term
            .get("matchFields")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        if exprs.is_empty() && fields.is_empty() {
            return false;
        }
        exprs
            .iter()
            .all(|r| requirement_matches(r, node_labels.get(str_at(r, "/key")).map(String::as_str)))
            && fields.iter().all(|r| {
                let v = (str_at(r, "/key") == "metadata.name").then(|| meta_str(node, "name"));
                requirement_matches(r, v)
            })
    })
}

/// `NodeShouldRunDaemonPod`: (should run, should continue running).
pub fn node_should_run(template_spec: &Value, node: &Value) -> (bool, bool) {
    let name = str_at(template_spec, "/nodeName");
    if !name.is_empty() && name != meta_str(node, "name") {
        return (false, false);
    }
    if !node_matches(template_spec, node) {
        return (false, false);
    }
    let tols = daemon_tolerations(template_spec);
    let taints = node
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut run = true;
    let mut keep = true;
    for taint in &taints {
        let effect = str_at(taint, "/effect");
        if (effect == "NoSchedule" || effect == "NoExecute") && !tolerates(&tols, taint) {
            run = false;
            if effect == "NoExecute" {
                keep = false;
            }
        }
    }
    (run, keep)
}

/// The pod a DaemonSet creates for `node`.
pub fn new_daemon_pod(ds: &Value, node: &str, hash: &str) -> Value {
    let template = ds.pointer("/spec/template").cloned().unwrap_or_else(|| json!({}));
    let mut lbls = string_map(template.pointer("/metadata/labels"));
    lbls.insert(REVISION_LABEL.into(), hash.to_string());
    lbls.insert(
        TEMPLATE_GENERATION_LABEL.into(),
        int_at(ds, "/metadata/generation").to_string(),
    );
    let mut meta = Map::new();
    meta.insert("generateName".into(), json!(format!("{}-", meta_str(ds, "name"))));
    meta.insert("namespace".into(), json!(meta_str(ds, "namespace")));
    meta.insert("labels".into(), json!(lbls));
    if let Some(a) = template.pointer("/metadata/annotations") {
        meta.insert("annotations".into(), a.clone());
    }
    meta.insert(
        "ownerReferences".into(),
        json!([new_controller_ref(ds, "apps/v1", "DaemonSet")]),
    );
    let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
    let tols = daemon_tolerations(&spec);
    set_field(&mut spec, "tolerations", Value::Array(tols));
    // ReplaceDaemonSetPodNodeNameNodeAffinity.
    let term = json!([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]);
    let mut affinity = spec.get("affinity").cloned().unwrap_or_else(|| json!({}));
    let mut node_affinity = affinity.get("nodeAffinity").cloned().unwrap_or_else(|| json!({}));
    let mut required = node_affinity
        .get("requiredDuringSchedulingIgnoredDuringExecution")
        .cloned()
        .unwrap_or_else(|| json!({}));
    set_field(&mut required, "nodeSelectorTerms", term);
    set_field(
        &mut node_affinity,
        "requiredDuringSchedulingIgnoredDuringExecution",
        required,
    );
    set_field(&mut affinity, "nodeAffinity", node_affinity);
    set_field(&mut spec, "affinity", affinity);
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})
}

/// The node a daemon pod is for: its nodeName, or the node its affinity term pins.
fn pod_node(pod: &Value) -> String {
    let n = str_at(pod, "/spec/nodeName");
    if !n.is_empty() {
        return n.to_string();
    }
    str_at(pod, "/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchFields/0/values/0")
        .to_string()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DaemonSetsController {
    sets: Informer,
    pods: Informer,
    nodes: Informer,
    revisions: Informer,
    queue: WorkQueue<Key>,
    recorder: EventRecorder,
}

pub fn daemonset_controller() -> DaemonSetsController {
    DaemonSetsController {
        sets: Informer::new(ResourcePath::new("apps", "v1", "daemonsets")),
        pods: Informer::new(ResourcePath::core("pods")),
        nodes: Informer::new(ResourcePath::core("nodes")),
        revisions: Informer::new(ResourcePath::new("apps", "v1", "controllerrevisions")),
        queue: WorkQueue::default(),
        recorder: EventRecorder::new(),
    }
}

impl DaemonSetsController {
    fn owner_key(&self, obj: &Value) -> Option<Key> {
        let r = controller_ref(obj)?;
        if r.get("kind").and_then(Value::as_str) != Some("DaemonSet") {
            return None;
        }
        let ds = self
            .sets
            .get(meta_str(obj, "namespace"), r.get("name").and_then(Value::as_str)?)?;
        (meta_str(ds, "uid") == r.get("uid").and_then(Value::as_str).unwrap_or("")).then(|| key_of(ds))
    }

    fn revision(&mut self, api: &mut dyn ApiClient, ds: &Value) -> Result<String, ApiError> {
        let ns = meta_str(ds, "namespace");
        let data = revision_data(ds);
        let owned = history::owned(&self.revisions, ds);
        let hash = hash_revision(&data, int_opt(ds, "/status/collisionCount"));
        if owned.iter().any(|r| r.get("data") == Some(&data)) {
            return Ok(hash);
        }
        let next = history::next_revision(&owned);
        let rev = history::new_revision(ds, "DaemonSet", &hash, data, next);
        match api.request(ApiRequest::post(
            object_path("apps/v1", "controllerrevisions", ns, ""),
            rev,
        )) {
            Ok(_) => Ok(hash),
            Err(e) if e.code() == 409 => Ok(hash),
            Err(e) => Err(e),
        }
    }

    fn record(&mut self, api: &mut dyn ApiClient, now: SimTime, ds: &Value, type_: &str, reason: &str, msg: &str) {
        let _ = self.recorder.record(api, now, ds, type_, reason, msg, COMPONENT, "");
    }

    fn sync(&mut self, api: &mut dyn ApiClient, now: SimTime, key: &Key) -> Result<(), ApiError> {
        let Some(ds) = self.sets.get(&key.0, &key.1).cloned() else {
            return Ok(());
        };
        let Some(selector) = ds
            .pointer("/spec/selector")
            .and_then(|s| Selector::from_label_selector(s).ok())
            .filter(|s| !s.is_empty())
        else {
            return Ok(());
        };
        if is_being_deleted(&ds) {
            return Ok(());
        }
        let hash = self.revision(api, &ds)?;
        let uid = meta_str(&ds, "uid").to_string();
        let template_spec = ds.pointer("/spec/template/spec").cloned().unwrap_or_else(|| json!({}));
        let min_ready = int_at(&ds, "/spec/minReadySeconds");
        let mut by_node: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for p in self.pods.list_namespace(&key.0) {
            if controller_uid(p) == uid && selector.matches(&labels(p)) && !is_being_deleted(p) {
                by_node.entry(pod_node(p)).or_default().push(p.clone());
            }
        }
        let nodes: Vec<Value> = self.nodes.list().cloned().collect();
        let mut to_create: Vec<String> = Vec::new();
        let mut to_delete: Vec<Value> = Vec::new();
        let (mut desired, mut current, mut misscheduled, mut ready, mut available, mut updated) = (0, 0, 0, 0, 0, 0);
        for node in &nodes {
            let name = meta_str(node, "name").to_string();
            let (run, keep) = node_should_run(&template_spec, node);
            let mut pods = by_node.remove(&name).unwrap_or_default();
            if run {
                desired += 1;
            }
            if pods.is_empty() {
                if run {
                    to_create.push(name);
                }
                continue;
            }
            if !keep {
                to_delete.extend(pods);
                continue;
            }
            if !run {
                misscheduled += 1;
                // NoSchedule taints keep existing pods; selectors and affinity do not.
                if !node_matches(&template_spec, node) {
                    to_delete.extend(pods);
                }
                continue;
            }
            current += 1;
            // Failed pods are replaced; of several, the oldest stays.
            let (failed, mut alive): (Vec<Value>, Vec<Value>) = pods.drain(..).partition(|p| pod_phase(p) == "Failed");
            to_delete.extend(failed);
            alive.sort_by(|a, b| {
                creation_secs(a)
                    .cmp(&creation_secs(b))
                    .then(meta_str(a, "name").cmp(meta_str(b, "name")))
            });
            if alive.len() > 1 {
                to_delete.extend(alive.split_off(1));
            }
            if let Some(p) = alive.first() {
                if is_pod_ready(p) {
                    ready += 1;
                }
                if is_pod_available(p, min_ready, now) {
                    available += 1;
                }
                if labels(p).get(REVISION_LABEL) == Some(&hash) {
                    updated += 1;
                }
            }
        }
        // Pods for nodes that no longer exist.
        for (_, pods) in by_node {
            to_delete.extend(pods);
        }
        // RollingUpdate (maxUnavailable 1): replace one outdated pod while all are available.
        if str_at(&ds, "/spec/updateStrategy/type") != "OnDelete"
            && to_create.is_empty()
            && to_delete.is_empty()
            && available == current
        {
            let outdated = self
                .pods
                .list_namespace(&key.0)
                .filter(|p| {
                    controller_uid(p) == uid && !is_being_deleted(p) && labels(p).get(REVISION_LABEL) != Some(&hash)
                })
                .min_by(|a, b| meta_str(a, "name").cmp(meta_str(b, "name")))
                .cloned();
            if let Some(p) = outdated {
                to_delete.push(p);
            }
        }
        let ns = key.0.clone();
        for node in to_create {
            let pod = new_daemon_pod(&ds, &node, &hash);
            match api.request(ApiRequest::post(object_path("v1", "pods", &ns, ""), pod)) {
                Ok(p) => {
                    let msg = format!("Created pod: {}", meta_str(&p, "name"));
                    self.record(api, now, &ds, "Normal", "SuccessfulCreate", &msg);
                }
                Err(e) => {
                    let msg = format!("Error creating: {}", e.message());
                    self.record(api, now, &ds, "Warning", "FailedCreate", &msg);
                    return Err(e);
                }
            }
        }
        for pod in to_delete {
            let name = meta_str(&pod, "name").to_string();
            match api.request(ApiRequest::delete(object_path("v1", "pods", &ns, &name))) {
                Ok(_) => {
                    let msg = format!("Deleted pod: {name}");
                    self.record(api, now, &ds, "Normal", "SuccessfulDelete", &msg);
                }
                Err(e) if e.code() == 404 => {}
                Err(e) => return Err(e),
            }
        }
        let mut status = Map::new();
        status.insert("currentNumberScheduled".into(), json!(current));
        status.insert("numberMisscheduled".into(), json!(misscheduled));
        status.insert("desiredNumberScheduled".into(), json!(desired));
        status.insert("numberReady".into(), json!(ready));
        status.insert("observedGeneration".into(), json!(int_at(&ds, "/metadata/generation")));
        if updated != 0 {
            status.insert("updatedNumberScheduled".into(), json!(updated));
        }
        if available != 0 {
            status.insert("numberAvailable".into(), json!(available));
        }
        if desired - available > 0 {
            status.insert("numberUnavailable".into(), json!(desired - available));
        }
        let status = Value::Object(status);
        if ds.get("status") != Some(&status) {
            let mut body = ds.clone();
            set_field(&mut body, "status", status);
            api.request(ApiRequest::put(
                format!("{}/status", object_path("apps/v1", "daemonsets", &ns, &key.1)),
                body,
            ))?;
        }
        if min_ready > 0 && ready != available {
            self.queue
                .add_after(key.clone(), now.add(Duration::from_secs(min_ready)));
        }
        Ok(())
    }
}

impl Component for DaemonSetsController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.sets.sync(api) else { return retry };
        for c in changes {
            did_work = true;
            if c.kind != ChangeKind::Deleted {
                self.queue.add(c.key());
            }
        }
        let Ok(changes) = self.revisions.sync(api) else {
            return retry;
        };
        did_work |= !changes.is_empty();
        let Ok(changes) = self.nodes.sync(api) else {
            return retry;
        };
        if !changes.is_empty() {
            did_work = true;
            let keys: Vec<Key> = self.sets.list().map(key_of).collect();
            for k in keys {
                self.queue.add(k);
            }
        }
        // Pods are only followed while there is a DaemonSet (the watch resumes later).
        let changes = if self.sets.is_empty() {
            Vec::new()
        } else {
            let Ok(changes) = self.pods.sync(api) else { return retry };
            changes
        };
        for c in changes {
            did_work = true;
            for obj in [Some(&c.object), c.old.as_ref()].into_iter().flatten() {
                if let Some(k) = self.owner_key(obj) {
                    self.queue.add(k);
                }
            }
        }
        while let Some(key) = self.queue.pop_ready(now) {
            did_work = true;
            match self.sync(api, now, &key) {
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

    fn node(name: &str, control_plane: bool) -> Value {
        let mut n = json!({"metadata": {"name": name, "labels": {"kubernetes.io/os": "linux", "kubernetes.io/hostname": name}}, "spec": {}});
        if control_plane {
            n["spec"]["taints"] = json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]);
        }
        n
    }

    #[test]
    fn control_plane_taints_keep_daemons_off_unless_tolerated() {
        let plain = json!({"containers": [{"name": "c"}]});
        assert_eq!(node_should_run(&plain, &node("controlplane", true)), (false, true));
        assert_eq!(node_should_run(&plain, &node("node01", false)), (true, true));
        let tolerant = json!({"tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]});
        assert_eq!(node_should_run(&tolerant, &node("controlplane", true)), (true, true));
        let everything = json!({"tolerations": [{"operator": "Exists"}]});
        assert_eq!(node_should_run(&everything, &node("controlplane", true)), (true, true));
        let mut unreachable = node("node02", false);
        unreachable["spec"]["taints"] = json!([{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]);
        assert_eq!(node_should_run(&plain, &unreachable), (true, true));
    }

    #[test]
    fn node_selectors_and_affinity_pick_nodes() {
        let sel = json!({"nodeSelector": {"kubernetes.io/hostname": "node01"}});
        assert!(node_matches(&sel, &node("node01", false)));
        assert!(!node_matches(&sel, &node("node02", false)));
        let aff = json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "NotIn", "values": ["node01"]}]}
        ]}}}});
        assert!(!node_matches(&aff, &node("node01", false)));
        assert!(node_matches(&aff, &node("node02", false)));
    }

    #[test]
    fn daemon_pods_are_pinned_and_tolerate_node_conditions() {
        let ds = json!({"metadata": {"name": "fluentd", "namespace": "kube-system", "uid": "u", "generation": 1},
                        "spec": {"template": {"metadata": {"labels": {"app": "f"}}, "spec": {"containers": [{"name": "c"}]}}}});
        let pod = new_daemon_pod(&ds, "node01", "6d8b9c5f4");
        assert_eq!(pod["metadata"]["generateName"], "fluentd-");
        assert_eq!(
            pod["metadata"]["labels"],
            json!({"app": "f", "controller-revision-hash": "6d8b9c5f4", "pod-template-generation": "1"})
        );
        assert_eq!(
            pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
                ["nodeSelectorTerms"],
            json!([{"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["node01"]}]}])
        );
        let keys: Vec<&str> = pod["spec"]["tolerations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys.len(), 6);
        assert_eq!(keys[0], "node.kubernetes.io/not-ready");
        assert_eq!(pod_node(&pod), "node01");
    }
}
