//! The node lifecycle controller (pkg/controller/nodelifecycle) and the taint eviction
//! controller (pkg/controller/tainteviction).
//!
//! Node lifecycle, on its 5 s monitor period: a node whose kubelet has not renewed its Lease
//! or posted a new Ready heartbeat for `nodeMonitorGracePeriod` (50 s; 60 s before the first
//! post) gets its Ready/MemoryPressure/DiskPressure/PIDPressure conditions set to Unknown
//! ("Kubelet stopped posting node status."), a NodeNotReady event and its pods marked not
//! ready. Taints follow the conditions: `not-ready` / `unreachable` NoExecute (with
//! timeAdded) and NoSchedule, the pressure taints, and `unschedulable:NoSchedule` for
//! cordoned nodes.
//!
//! Taint eviction: pods on a node with NoExecute taints they do not tolerate are deleted at
//! once; with `tolerationSeconds` (300 s from DefaultTolerationSeconds admission) they are
//! deleted that long after the controller noticed, unless the taint goes first.

use crate::util::*;
use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use client::{ChangeKind, Component, EventRecorder, Informer, ResourcePath, StepResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::BTreeMap;

/// `--node-monitor-grace-period` default.
pub const NODE_MONITOR_GRACE_PERIOD: Duration = Duration::from_secs(50);
/// `--node-startup-grace-period` default.
pub const NODE_STARTUP_GRACE_PERIOD: Duration = Duration::from_secs(60);
/// `--node-monitor-period` default.
pub const NODE_MONITOR_PERIOD: Duration = Duration::from_secs(5);

pub const NOT_READY_TAINT: &str = "node.kubernetes.io/not-ready";
pub const UNREACHABLE_TAINT: &str = "node.kubernetes.io/unreachable";
pub const UNSCHEDULABLE_TAINT: &str = "node.kubernetes.io/unschedulable";

const MONITORED_CONDITIONS: [&str; 4] = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"];

/// What the controller remembers per node (`nodeHealthData`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct NodeHealth {
    probe: SimTime,
    heartbeat: String,
    lease_renew: String,
}

fn node_condition<'a>(node: &'a Value, type_: &str) -> Option<&'a Value> {
    node.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| str_at(c, "/type") == type_)
}

fn ready_status(node: &Value) -> &str {
    node_condition(node, "Ready")
        .map(|c| str_at(c, "/status"))
        .unwrap_or("Unknown")
}

/// The taints the node should carry from its conditions and spec (key, effect), in
/// upstream's order of evaluation.
pub fn desired_condition_taints(node: &Value) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    // A node that never posted Ready gets no condition taints (admission added not-ready).
    match node_condition(node, "Ready")
        .map(|c| str_at(c, "/status"))
        .unwrap_or("")
    {
        "False" => {
            out.push((NOT_READY_TAINT, "NoExecute"));
            out.push((NOT_READY_TAINT, "NoSchedule"));
        }
        "Unknown" => {
            out.push((UNREACHABLE_TAINT, "NoExecute"));
            out.push((UNREACHABLE_TAINT, "NoSchedule"));
        }
        _ => {}
    }
    for (cond, key) in [
        ("MemoryPressure", "node.kubernetes.io/memory-pressure"),
        ("DiskPressure", "node.kubernetes.io/disk-pressure"),
        ("PIDPressure", "node.kubernetes.io/pid-pressure"),
        ("NetworkUnavailable", "node.kubernetes.io/network-unavailable"),
    ] {
        if node_condition(node, cond).is_some_and(|c| str_at(c, "/status") == "True") {
            out.push((key, "NoSchedule"));
        }
    }
    if bool_at(node, "/spec/unschedulable") {
        out.push((UNSCHEDULABLE_TAINT, "NoSchedule"));
    }
    out
}

const MANAGED_TAINTS: [&str; 7] = [
    NOT_READY_TAINT,
    UNREACHABLE_TAINT,
    "node.kubernetes.io/memory-pressure",
    "node.kubernetes.io/disk-pressure",
    "node.kubernetes.io/pid-pressure",
    "node.kubernetes.io/network-unavailable",
    UNSCHEDULABLE_TAINT,
];

/// The node's taints after the controller's passes (None when unchanged).
pub fn reconcile_taints(node: &Value, now: SimTime) -> Option<Vec<Value>> {
    let current: Vec<Value> = node
        .pointer("/spec/taints")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let desired = desired_condition_taints(node);
    let mut out: Vec<Value> = current
        .iter()
        .filter(|t| {
            let key = str_at(t, "/key");
            !MANAGED_TAINTS.contains(&key) || desired.iter().any(|(k, e)| *k == key && *e == str_at(t, "/effect"))
        })
        .cloned()
        .collect();
    for (key, effect) in desired {
        if !out
            .iter()
            .any(|t| str_at(t, "/key") == key && str_at(t, "/effect") == effect)
        {
            let mut t = json!({"key": key, "effect": effect});
            if effect == "NoExecute" {
                set_field(&mut t, "timeAdded", json!(rfc3339(now)));
            }
            out.push(t);
        }
    }
    (out != current).then_some(out)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeLifecycleController {
    nodes: Informer,
    leases: Informer,
    pods: Informer,
    health: BTreeMap<String, NodeHealth>,
    recorder: EventRecorder,
    /// Nodes to look at in the next pass even before the monitor tick.
    #[serde(default)]
    dirty: bool,
}

pub fn node_lifecycle_controller() -> NodeLifecycleController {
    NodeLifecycleController {
        nodes: Informer::new(ResourcePath::core("nodes")),
        leases: Informer::new(ResourcePath::new("coordination.k8s.io", "v1", "leases").in_namespace("kube-node-lease")),
        pods: Informer::new(ResourcePath::core("pods")),
        health: BTreeMap::new(),
        recorder: EventRecorder::new(),
        dirty: true,
    }
}

/// The first monitor tick (a multiple of the period) strictly after `t`.
fn tick_after(t: SimTime) -> SimTime {
    let p = NODE_MONITOR_PERIOD.as_millis();
    SimTime((t.unix_millis().div_euclid(p) + 1) * p)
}

impl NodeLifecycleController {
    fn observe(&mut self, now: SimTime) {
        let leases: BTreeMap<String, String> = self
            .leases
            .list()
            .map(|l| {
                (
                    meta_str(l, "name").to_string(),
                    str_at(l, "/spec/renewTime").to_string(),
                )
            })
            .collect();
        let mut seen = Vec::new();
        for node in self.nodes.list() {
            let name = meta_str(node, "name").to_string();
            let heartbeat = node_condition(node, "Ready")
                .map(|c| str_at(c, "/lastHeartbeatTime").to_string())
                .unwrap_or_default();
            let lease_renew = leases.get(&name).cloned().unwrap_or_default();
            let entry = self.health.entry(name.clone()).or_insert_with(|| NodeHealth {
                probe: now,
                heartbeat: heartbeat.clone(),
                lease_renew: lease_renew.clone(),
            });
            if entry.heartbeat != heartbeat || (!lease_renew.is_empty() && entry.lease_renew != lease_renew) {
                entry.probe = now;
                entry.heartbeat = heartbeat;
                entry.lease_renew = lease_renew;
            }
            seen.push(name);
        }
        self.health.retain(|n, _| seen.contains(n));
    }

    fn grace(node: &Value) -> Duration {
        if node_condition(node, "Ready").is_none() {
            NODE_STARTUP_GRACE_PERIOD
        } else {
            NODE_MONITOR_GRACE_PERIOD
        }
    }

    /// One monitor pass; returns whether anything was written.
    fn monitor(&mut self, api: &mut dyn ApiClient, now: SimTime) -> Result<bool, ApiError> {
        let mut wrote = false;
        let nodes: Vec<Value> = self.nodes.list().cloned().collect();
        for node in nodes {
            let name = meta_str(&node, "name").to_string();
            let Some(h) = self.health.get(&name).cloned() else {
                continue;
            };
            let mut node = node;
            let was_ready = ready_status(&node) == "True";
            if now > h.probe.add(Self::grace(&node)) {
                let mut conditions: Vec<Value> = node
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                let mut changed = false;
                for type_ in MONITORED_CONDITIONS {
                    match conditions.iter_mut().find(|c| str_at(c, "/type") == type_) {
                        Some(c) if str_at(c, "/status") != "Unknown" => {
                            set_field(c, "status", json!("Unknown"));
                            set_field(c, "reason", json!("NodeStatusUnknown"));
                            set_field(c, "message", json!("Kubelet stopped posting node status."));
                            set_field(c, "lastTransitionTime", json!(rfc3339(now)));
                            changed = true;
                        }
                        Some(_) => {}
                        None => {
                            conditions.push(json!({
                                "type": type_, "status": "Unknown", "reason": "NodeStatusNeverUpdated",
                                "message": "Kubelet never posted node status.",
                                "lastHeartbeatTime": meta_str(&node, "creationTimestamp"),
                                "lastTransitionTime": rfc3339(now),
                            }));
                            changed = true;
                        }
                    }
                }
                if changed {
                    let patch = json!({"status": {"conditions": conditions}});
                    node = api.request(ApiRequest::patch(
                        format!("/api/v1/nodes/{name}/status"),
                        PatchType::Merge,
                        patch,
                    ))?;
                    wrote = true;
                }
            }
            if was_ready && ready_status(&node) != "True" {
                let reference = json!({"kind": "Node", "metadata": {"name": name, "uid": name}});
                let msg = format!("Node {name} status is now: NodeNotReady");
                let _ = self.recorder.record(
                    api,
                    now,
                    &reference,
                    "Normal",
                    "NodeNotReady",
                    &msg,
                    "node-controller",
                    "",
                );
                wrote |= self.mark_pods_not_ready(api, now, &name)?;
            }
            if let Some(taints) = reconcile_taints(&node, now) {
                let patch =
                    json!({"spec": {"taints": if taints.is_empty() { Value::Null } else { Value::Array(taints) }}});
                match api.request(ApiRequest::patch(
                    format!("/api/v1/nodes/{name}"),
                    PatchType::Merge,
                    patch,
                )) {
                    Ok(_) => wrote = true,
                    Err(e) if e.code() == 404 => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(wrote)
    }

    /// `MarkPodsNotReady`.
    fn mark_pods_not_ready(&mut self, api: &mut dyn ApiClient, now: SimTime, node: &str) -> Result<bool, ApiError> {
        // Pods are only needed here: the informer catches up (or relists) on demand.
        self.pods.sync(api)?;
        let pods: Vec<Value> = self
            .pods
            .list()
            .filter(|p| str_at(p, "/spec/nodeName") == node)
            .cloned()
            .collect();
        let mut wrote = false;
        for pod in pods {
            let Some(conds) = pod.pointer("/status/conditions").and_then(Value::as_array) else {
                continue;
            };
            if !conds
                .iter()
                .any(|c| str_at(c, "/type") == "Ready" && str_at(c, "/status") == "True")
            {
                continue;
            }
            let conds: Vec<Value> = conds
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    if str_at(&c, "/type") == "Ready" {
                        set_field(&mut c, "status", json!("False"));
                    }
                    c
                })
                .collect();
            let (ns, name) = key_of(&pod);
            let path = format!("{}/status", object_path("v1", "pods", &ns, &name));
            match api.request(ApiRequest::patch(
                path,
                PatchType::Merge,
                json!({"status": {"conditions": conds}}),
            )) {
                Ok(_) => {
                    wrote = true;
                    let _ = self.recorder.record(
                        api,
                        now,
                        &pod,
                        "Warning",
                        "NodeNotReady",
                        "Node is not ready",
                        "node-controller",
                        "",
                    );
                }
                Err(e) if e.code() == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(wrote)
    }

    fn next_deadline(&self) -> Option<SimTime> {
        self.nodes
            .list()
            .filter(|n| ready_status(n) != "Unknown")
            .filter_map(|n| {
                self.health
                    .get(meta_str(n, "name"))
                    .map(|h| tick_after(h.probe.add(Self::grace(n))))
            })
            .min()
    }
}

impl Component for NodeLifecycleController {
    fn name(&self) -> &'static str {
        "node-lifecycle-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.nodes.sync(api) else {
            return retry;
        };
        did_work |= !changes.is_empty();
        let Ok(changes) = self.leases.sync(api) else {
            return retry;
        };
        did_work |= !changes.is_empty();
        self.observe(now);
        let due = self.next_deadline().is_some_and(|d| d <= now);
        if did_work || due || self.dirty {
            self.dirty = false;
            match self.monitor(api, now) {
                Ok(wrote) => did_work |= wrote,
                Err(_) => return retry,
            }
        }
        StepResult {
            did_work,
            next_wakeup: self.next_deadline(),
        }
    }
}

/// A scheduled eviction: (noticed at, deletion due at).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Eviction {
    created: SimTime,
    due: SimTime,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaintEvictionController {
    nodes: Informer,
    pods: Informer,
    /// `namespace/name` → scheduled eviction.
    scheduled: BTreeMap<String, Eviction>,
    recorder: EventRecorder,
}

pub fn taint_eviction_controller() -> TaintEvictionController {
    TaintEvictionController {
        nodes: Informer::new(ResourcePath::core("nodes")),
        pods: Informer::new(ResourcePath::core("pods")),
        scheduled: BTreeMap::new(),
        recorder: EventRecorder::new(),
    }
}

fn toleration_matches(t: &Value, taint: &Value) -> bool {
    let effect_ok = str_at(t, "/effect").is_empty() || str_at(t, "/effect") == str_at(taint, "/effect");
    let key = str_at(t, "/key");
    let op = str_at(t, "/operator");
    let key_ok = (key.is_empty() && op == "Exists") || key == str_at(taint, "/key");
    let value_ok = op == "Exists" || str_at(t, "/value") == str_at(taint, "/value");
    effect_ok && key_ok && value_ok
}

/// How long a pod may stay on a node with these NoExecute taints: None = forever,
/// Some(0) = evict now.
pub fn toleration_time(pod: &Value, taints: &[&Value]) -> Option<Duration> {
    if taints.is_empty() {
        return None;
    }
    let tols: Vec<Value> = pod
        .pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut min: Option<i64> = None;
    let mut forever = true;
    for taint in taints {
        let used: Vec<&Value> = tols.iter().filter(|t| toleration_matches(t, taint)).collect();
        if used.is_empty() {
            return Some(Duration::ZERO);
        }
        for t in used {
            if let Some(s) = t.get("tolerationSeconds").and_then(Value::as_i64) {
                forever = false;
                min = Some(min.map_or(s.max(0), |m| m.min(s.max(0))));
            }
        }
    }
    if forever {
        None
    } else {
        min.map(Duration::from_secs)
    }
}

impl TaintEvictionController {
    fn desired(&self, now: SimTime) -> BTreeMap<String, (Duration, Value)> {
        let mut out = BTreeMap::new();
        for node in self.nodes.list() {
            let taints: Vec<&Value> = node
                .pointer("/spec/taints")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter(|t| str_at(t, "/effect") == "NoExecute").collect())
                .unwrap_or_default();
            if taints.is_empty() {
                continue;
            }
            let name = meta_str(node, "name");
            for pod in self
                .pods
                .list()
                .filter(|p| str_at(p, "/spec/nodeName") == name && !is_being_deleted(p))
            {
                if let Some(d) = toleration_time(pod, &taints) {
                    let (ns, pn) = key_of(pod);
                    out.insert(format!("{ns}/{pn}"), (d, pod.clone()));
                }
            }
        }
        let _ = now;
        out
    }

    fn evict(&mut self, api: &mut dyn ApiClient, now: SimTime, pod: &Value) -> Result<(), ApiError> {
        let (ns, name) = key_of(pod);
        let path = object_path("v1", "pods", &ns, &name);
        let cond = json!({"type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
                          "message": "Taint manager: deleting due to NoExecute taint", "lastTransitionTime": rfc3339(now)});
        let mut conds: Vec<Value> = pod
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        conds.retain(|c| str_at(c, "/type") != "DisruptionTarget");
        conds.push(cond);
        let _ = api.request(ApiRequest::patch(
            format!("{path}/status"),
            PatchType::Merge,
            json!({"status": {"conditions": conds}}),
        ));
        let msg = format!("Marking for deletion Pod {ns}/{name}");
        let _ = self.recorder.record(
            api,
            now,
            pod,
            "Normal",
            "TaintManagerEviction",
            &msg,
            "taint-eviction-controller",
            "",
        );
        match api.request(ApiRequest::delete(path)) {
            Ok(_) => Ok(()),
            Err(e) if e.code() == 404 => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl Component for TaintEvictionController {
    fn name(&self) -> &'static str {
        "taint-eviction-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(n) = self.nodes.sync(api) else { return retry };
        // Pods only matter while some node has a NoExecute taint (the watch resumes later).
        let tainted = self.nodes.list().any(|n| {
            n.pointer("/spec/taints")
                .and_then(Value::as_array)
                .is_some_and(|a| a.iter().any(|t| str_at(t, "/effect") == "NoExecute"))
        });
        let p = if tainted || !self.scheduled.is_empty() {
            let Ok(p) = self.pods.sync(api) else { return retry };
            p
        } else {
            Vec::new()
        };
        let changed = !n.is_empty()
            || p.iter().any(|c| {
                c.kind != ChangeKind::Deleted || self.scheduled.contains_key(&format!("{}/{}", c.key().0, c.key().1))
            });
        did_work |= !n.is_empty() || !p.is_empty();
        let due_now = self.scheduled.values().any(|e| e.due <= now);
        if changed || due_now {
            let desired = self.desired(now);
            // Cancel evictions whose reason went away.
            let cancelled: Vec<String> = self
                .scheduled
                .keys()
                .filter(|k| !desired.contains_key(*k))
                .cloned()
                .collect();
            for k in cancelled {
                self.scheduled.remove(&k);
                if let Some((ns, name)) = k.split_once('/') {
                    if let Some(pod) = self.pods.get(ns, name).cloned() {
                        if !is_being_deleted(&pod) {
                            let msg = format!("Cancelling deletion of Pod {k}");
                            let _ = self.recorder.record(
                                api,
                                now,
                                &pod,
                                "Normal",
                                "TaintManagerEviction",
                                &msg,
                                "taint-eviction-controller",
                                "",
                            );
                            did_work = true;
                        }
                    }
                }
            }
            for (k, (d, pod)) in desired {
                let due = match self.scheduled.get(&k) {
                    Some(e) if e.created.add(d) >= e.due => e.due,
                    Some(e) => e.created.add(d),
                    None => now.add(d),
                };
                let created = self.scheduled.get(&k).map(|e| e.created).unwrap_or(now);
                if due <= now {
                    self.scheduled.remove(&k);
                    did_work = true;
                    if self.evict(api, now, &pod).is_err() {
                        self.scheduled.insert(
                            k,
                            Eviction {
                                created,
                                due: now.add(Duration::from_secs(1)),
                            },
                        );
                    }
                } else {
                    self.scheduled.insert(k, Eviction { created, due });
                }
            }
        }
        StepResult {
            did_work,
            next_wakeup: self.scheduled.values().map(|e| e.due).min(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: SimTime = SimTime(1_767_225_600_000);

    fn node(ready: &str, unschedulable: bool) -> Value {
        json!({"metadata": {"name": "n"}, "spec": {"unschedulable": unschedulable, "taints": [{"key": "custom", "effect": "NoSchedule"}]},
               "status": {"conditions": [{"type": "Ready", "status": ready}]}})
    }

    #[test]
    fn condition_taints_follow_readiness_and_cordoning() {
        let t = reconcile_taints(&node("Unknown", false), NOW).unwrap();
        assert_eq!(
            t,
            vec![
                json!({"key": "custom", "effect": "NoSchedule"}),
                json!({"key": UNREACHABLE_TAINT, "effect": "NoExecute", "timeAdded": "2026-01-01T00:00:00Z"}),
                json!({"key": UNREACHABLE_TAINT, "effect": "NoSchedule"}),
            ]
        );
        let mut back = node("True", true);
        back["spec"]["taints"] = json!(t);
        assert_eq!(
            reconcile_taints(&back, NOW).unwrap(),
            vec![
                json!({"key": "custom", "effect": "NoSchedule"}),
                json!({"key": UNSCHEDULABLE_TAINT, "effect": "NoSchedule"})
            ]
        );
        assert_eq!(reconcile_taints(&node("True", false), NOW), None);
    }

    #[test]
    fn tolerations_decide_when_a_pod_is_evicted() {
        let taint = json!({"key": UNREACHABLE_TAINT, "effect": "NoExecute"});
        let default_pod = json!({"spec": {"tolerations": [
            {"key": NOT_READY_TAINT, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": UNREACHABLE_TAINT, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]}});
        assert_eq!(toleration_time(&default_pod, &[&taint]), Some(Duration::from_secs(300)));
        assert_eq!(toleration_time(&json!({"spec": {}}), &[&taint]), Some(Duration::ZERO));
        let forever = json!({"spec": {"tolerations": [{"operator": "Exists"}]}});
        assert_eq!(toleration_time(&forever, &[&taint]), None);
        assert_eq!(toleration_time(&default_pod, &[]), None);
    }

    #[test]
    fn monitor_ticks_fall_on_the_period() {
        assert_eq!(tick_after(SimTime(1000)), SimTime(5000));
        assert_eq!(tick_after(SimTime(5000)), SimTime(10_000));
    }
}
