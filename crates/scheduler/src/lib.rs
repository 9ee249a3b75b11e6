//! kube-scheduler v1.37's default profile as a cluster [`client::Component`].
//!
//! Informers on pods (every non-terminal pod: pending ones of `default-scheduler` are queued,
//! assigned ones fill the cache), nodes and namespaces; a scheduling queue (active / backoff /
//! unschedulable); the filter and score plugins of the default profile; binding through
//! `pods/binding`; `PodScheduled=False` and `FailedScheduling` with upstream's FitError text;
//! DefaultPreemption with `nominatedNodeName`.
//!
//! Saving: the informers' descriptions, the event recorder and the node rotation index are
//! serialised; the cache and the queue are rebuilt by relisting after a restore (pending pods
//! start in activeQ again).

// ApiError (metav1.Status) is the fixed error type of every API call.
#![allow(clippy::result_large_err)]

pub mod cache;
pub mod model;
pub mod plugins;
pub mod queue;
pub mod volumes;

use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use cache::{Cache, NodeInfo, PodKey};
use client::{Change, ChangeKind, Component, EventRecorder, EventSource, Informer, ResourcePath, StepResult};
use model::{NodeModel, PodInfo};
use plugins::{CycleState, Rejection};
use queue::SchedulingQueue;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{RngStreams, SimTime};
use std::collections::BTreeMap;

pub const SCHEDULER_NAME: &str = "default-scheduler";
/// The random stream ties are broken with.
pub const RNG_STREAM: &str = "scheduler";

const NO_NODES: &str = "no nodes available to schedule pods";
const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
const NO_VICTIMS: &str = "No preemption victims found for incoming pod";
/// DynamicResources (DRA, on by default since v1.34) runs its PostFilter before
/// DefaultPreemption and rejects every pod without ResourceClaims with this reason.
const NO_CLAIMS: &str = "no new claims to deallocate";

/// RunPostFilterPlugins' message: the rejecting plugins' reasons joined with ", ", DynamicResources
/// first. A preemption that nominated a node succeeds and leaves no message.
pub fn post_filter_message(preemption: &str) -> String {
    if preemption.is_empty() {
        String::new()
    } else {
        format!("{NO_CLAIMS}, {preemption}")
    }
}

/// Score weights of the default profile.
const W_TAINT: i64 = 3;
const W_NODE_AFFINITY: i64 = 2;
const W_FIT: i64 = 1;
const W_SPREAD: i64 = 2;
const W_INTER_POD: i64 = 2;
const W_BALANCED: i64 = 1;
const W_IMAGE: i64 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Scheduler {
    pods: Informer,
    nodes: Informer,
    namespaces: Informer,
    #[serde(default = "pdb_informer")]
    pdbs: Informer,
    #[serde(default = "claim_informer")]
    claims: Informer,
    #[serde(default = "volume_informer")]
    volumes: Informer,
    #[serde(default = "class_informer")]
    classes: Informer,
    recorder: EventRecorder,
    source: EventSource,
    next_start_node_index: usize,
    #[serde(skip)]
    cache: Cache,
    #[serde(skip)]
    queue: SchedulingQueue,
}

/// numFeasibleNodesToFind with percentageOfNodesToScore 0 (adaptive).
pub fn num_feasible_nodes_to_find(num_all: usize) -> usize {
    const MIN_NODES: usize = 100;
    if num_all < MIN_NODES {
        return num_all;
    }
    let pct = (50i64 - num_all as i64 / 125).max(5) as usize;
    (num_all * pct / 100).max(MIN_NODES)
}

/// FitError's message: `0/N nodes are available: <sorted histogram>.` plus a PostFilter note.
pub fn fit_error_message(num_nodes: usize, statuses: &BTreeMap<String, Rejection>, post_filter: &str) -> String {
    let mut histogram: BTreeMap<&str, usize> = BTreeMap::new();
    for r in statuses.values() {
        for reason in &r.reasons {
            *histogram.entry(reason.as_str()).or_insert(0) += 1;
        }
    }
    let mut parts: Vec<String> = histogram.iter().map(|(r, n)| format!("{n} {r}")).collect();
    parts.sort();
    let mut msg = format!("0/{num_nodes} nodes are available: {}.", parts.join(", "));
    if !post_filter.is_empty() {
        msg.push(' ');
        msg.push_str(post_filter);
    }
    msg
}

fn pdb_informer() -> Informer {
    Informer::new(ResourcePath::new("policy", "v1", "poddisruptionbudgets"))
}

fn claim_informer() -> Informer {
    Informer::new(ResourcePath::core("persistentvolumeclaims"))
}

fn volume_informer() -> Informer {
    Informer::new(ResourcePath::core("persistentvolumes"))
}

fn class_informer() -> Informer {
    Informer::new(ResourcePath::new("storage.k8s.io", "v1", "storageclasses"))
}

fn pod_path(ns: &str, name: &str) -> String {
    format!("/api/v1/namespaces/{ns}/pods/{name}")
}

/// A pod's spec and metadata without what changes on every write (for "was it updated").
fn scheduling_relevant(pod: &Value) -> Value {
    json!({
        "spec": pod.get("spec"),
        "labels": pod.pointer("/metadata/labels"),
        "annotations": pod.pointer("/metadata/annotations"),
    })
}

impl Scheduler {
    /// `host` is the control-plane node's name (reportingInstance `default-scheduler-<host>`).
    pub fn new(host: &str) -> Self {
        Scheduler {
            pods: Informer::new(
                ResourcePath::core("pods").with_field_selector("status.phase!=Succeeded,status.phase!=Failed"),
            ),
            nodes: Informer::new(ResourcePath::core("nodes")),
            namespaces: Informer::new(ResourcePath::core("namespaces")),
            pdbs: pdb_informer(),
            claims: claim_informer(),
            volumes: volume_informer(),
            classes: class_informer(),
            recorder: EventRecorder::new(),
            source: EventSource {
                component: SCHEDULER_NAME.into(),
                host: format!("{SCHEDULER_NAME}-{host}"),
            },
            next_start_node_index: 0,
            cache: Cache::default(),
            queue: SchedulingQueue::default(),
        }
    }

    /// Pods waiting in the queue (any sub-queue).
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    fn handle_node(&mut self, c: Change, now: SimTime) {
        let name = c.key().1;
        match c.kind {
            ChangeKind::Deleted => self.cache.remove_node(&name),
            _ => {
                let model = NodeModel::from_value(&c.object);
                let relevant = match self.cache.nodes.get(&name).and_then(|i| i.node.as_ref()) {
                    Some(old) => old.scheduling_properties_differ(&model),
                    None => true,
                };
                self.cache.set_node(model);
                if relevant {
                    self.queue.move_unschedulable(now, |_| true);
                }
            }
        }
    }

    fn handle_pod(&mut self, c: Change, now: SimTime) {
        let key = c.key();
        let info = PodInfo::from_value(&c.object);
        if c.kind == ChangeKind::Deleted {
            self.queue.remove(&key);
            self.cache.clear_nominated(&key);
            if self.cache.pods.contains_key(&key) {
                self.cache.remove_pod(&key);
                self.queue.move_unschedulable(now, |_| true);
            }
            return;
        }
        if !info.node_name.is_empty() {
            self.queue.remove(&key);
            self.cache.clear_nominated(&key);
            let affects_others = info.has_affinity() || !info.labels.is_empty();
            let was_known = self.cache.pods.contains_key(&key);
            let terminating = info.terminating;
            self.cache.set_pod(info);
            if affects_others && !was_known {
                // Pods with inter-pod affinity or spread constraints may now fit.
                let cache = &self.cache;
                let pods = &self.pods;
                self.queue.move_unschedulable(now, |k| {
                    pods.get(&k.0, &k.1).is_some_and(|p| {
                        let pi = PodInfo::from_value(p);
                        !pi.required_affinity.is_empty() || !pi.spread_constraints.is_empty()
                    })
                });
                let _ = cache;
            }
            if terminating {
                self.queue.move_unschedulable(now, |_| false);
            }
            return;
        }
        // SchedulingGates (PreEnqueue): a gated pod waits outside the queue until its gates go.
        let gated = c
            .object
            .pointer("/spec/schedulingGates")
            .and_then(Value::as_array)
            .is_some_and(|g| !g.is_empty());
        if info.scheduler_name != SCHEDULER_NAME || info.terminating || gated {
            self.queue.remove(&key);
            self.cache.clear_nominated(&key);
            return;
        }
        self.cache.set_nominated(&info);
        let updated = match &c.old {
            Some(old) => scheduling_relevant(old) != scheduling_relevant(&c.object),
            None => false,
        };
        if self.queue.contains(&key) {
            self.queue.add(key.clone(), info.priority, now);
            if updated {
                self.queue.move_unschedulable(now, |k| *k == key);
            }
        } else {
            self.queue.add(key, info.priority, now);
        }
    }

    fn sync(&mut self, api: &mut dyn ApiClient, now: SimTime) -> Result<bool, ApiError> {
        let mut worked = false;
        for c in self.namespaces.sync(api)? {
            worked = true;
            let (_, name) = c.key();
            if c.kind == ChangeKind::Deleted {
                self.cache.namespaces.remove(&name);
            } else {
                let labels = PodInfo::from_value(&c.object).labels;
                self.cache.namespaces.insert(name, labels);
            }
        }
        // PodDisruptionBudgets only weigh preemption victims; read them from the store.
        worked |= !self.pdbs.sync(api)?.is_empty();
        // A claim, volume or class that changes may let pods with volumes schedule.
        let mut storage_changed = !self.claims.sync(api)?.is_empty();
        storage_changed |= !self.volumes.sync(api)?.is_empty();
        storage_changed |= !self.classes.sync(api)?.is_empty();
        if storage_changed {
            worked = true;
            self.queue.move_unschedulable(now, |_| true);
        }
        for c in self.nodes.sync(api)? {
            worked = true;
            self.handle_node(c, now);
        }
        for c in self.pods.sync(api)? {
            worked = true;
            self.handle_pod(c, now);
        }
        Ok(worked)
    }

    /// A node's info with the nominated pods of at least `priority` added (they will take
    /// the room), or None when there are none.
    fn with_nominated(&self, node: &str, pod: &PodInfo) -> Option<NodeInfo> {
        let nominated = self.cache.nominated.get(node)?;
        let mut info = self.cache.nodes.get(node)?.clone();
        let mut any = false;
        for (k, p) in nominated {
            if *k != pod.key() && p.priority >= pod.priority {
                any = true;
                info.pods.insert(k.clone());
                info.requested.add(&p.requests);
                info.ports.extend(p.host_ports.iter().cloned());
            }
        }
        any.then_some(info)
    }

    fn filter_node(&self, st: &CycleState, pod: &PodInfo, node: &str) -> Result<(), Rejection> {
        let Some(info) = self.cache.nodes.get(node) else {
            return Err(Rejection {
                resolvable: false,
                reasons: vec!["node(s) not found".into()],
            });
        };
        match self.with_nominated(node, pod) {
            Some(extended) => {
                plugins::filter(&self.cache, st, pod, &extended)?;
                plugins::filter(&self.cache, st, pod, info)
            }
            None => plugins::filter(&self.cache, st, pod, info),
        }
    }

    fn score(&self, pod: &PodInfo, feasible: &[String]) -> Vec<i64> {
        let infos: Vec<&NodeInfo> = feasible.iter().filter_map(|n| self.cache.nodes.get(n)).collect();
        let models: Vec<&NodeModel> = infos.iter().filter_map(|i| i.node.as_ref()).collect();
        if models.len() != infos.len() {
            return vec![0; feasible.len()];
        }
        let total_nodes = self.cache.num_nodes();
        let mut taint: Vec<i64> = models.iter().map(|n| plugins::taint_toleration_raw(pod, n)).collect();
        plugins::default_normalize(&mut taint, true);
        let mut affinity: Vec<i64> = models.iter().map(|n| plugins::node_affinity_raw(pod, n)).collect();
        plugins::default_normalize(&mut affinity, false);
        let spread = plugins::topology_spread_scores(&self.cache, pod, &infos);
        let inter = plugins::inter_pod_affinity_scores(&self.cache, pod, &infos);
        // BalancedAllocation skips pods that request nothing.
        let balanced_skip = pod.requests.milli_cpu == 0 && pod.requests.memory == 0;
        infos
            .iter()
            .zip(models.iter())
            .enumerate()
            .map(|(i, (info, node))| {
                let balanced = if balanced_skip {
                    0
                } else {
                    plugins::balanced_allocation(pod, info, node)
                };
                taint.get(i).copied().unwrap_or(0) * W_TAINT
                    + affinity.get(i).copied().unwrap_or(0) * W_NODE_AFFINITY
                    + plugins::least_allocated(pod, info, node) * W_FIT
                    + spread.get(i).copied().unwrap_or(0) * W_SPREAD
                    + inter.get(i).copied().unwrap_or(0) * W_INTER_POD
                    + balanced * W_BALANCED
                    + plugins::image_locality(&self.cache, pod, node, total_nodes) * W_IMAGE
            })
            .collect()
    }

    /// One scheduling cycle plus binding for the pod under `key`.
    fn schedule_one(&mut self, api: &mut dyn ApiClient, now: SimTime, rng: &mut RngStreams, key: PodKey) {
        let Some(pod_value) = self.pods.get(&key.0, &key.1).cloned() else {
            self.queue.remove(&key);
            return;
        };
        let pod = PodInfo::from_value(&pod_value);
        if !pod.node_name.is_empty() || pod.terminating {
            self.queue.remove(&key);
            return;
        }
        let nodes = self.cache.node_names();
        if nodes.is_empty() {
            self.fail(api, now, &pod_value, "Unschedulable", NO_NODES, None);
            self.queue.requeue_failed(&key, true, now);
            return;
        }
        let mut st = plugins::prefilter(&self.cache, &pod);
        // VolumeRestrictions and VolumeBinding PreFilter: the pod's claims.
        let delayed = volumes::prefilter(&pod_value, &self.claims, &self.classes);
        if let Err(reason) = &delayed {
            let all: BTreeMap<String, Rejection> = nodes
                .iter()
                .map(|n| {
                    (
                        n.clone(),
                        Rejection {
                            resolvable: false,
                            reasons: vec![NOT_HELPFUL.into()],
                        },
                    )
                })
                .collect();
            let post = post_filter_message(&format!("preemption: {}", fit_error_message(nodes.len(), &all, "")));
            let msg = format!("0/{} nodes are available: {reason}. {post}", nodes.len());
            self.fail(api, now, &pod_value, "Unschedulable", &msg, None);
            self.queue.requeue_failed(&key, true, now);
            return;
        }
        st.volume_terms = volumes::bound_volume_terms(&pod_value, &self.claims, &self.volumes);
        st.delayed_claims = delayed.unwrap_or_default();
        if !st.delayed_claims.is_empty() {
            st.volumes = self.volumes.list().cloned().collect();
        }
        // A nominated node that still fits is taken first.
        if !pod.nominated_node_name.is_empty() && self.filter_node(&st, &pod, &pod.nominated_node_name).is_ok() {
            let node = pod.nominated_node_name.clone();
            self.bind(api, now, &pod_value, pod, &node);
            return;
        }
        // NodeAffinity's PreFilter: matchFields on metadata.name (DaemonSet pods) restricts
        // the nodes evaluated; the others are reported as not satisfying the plugin.
        let mut statuses: BTreeMap<String, Rejection> = BTreeMap::new();
        let candidates: Vec<String> = match model::node_name_restriction(&pod) {
            None => nodes.clone(),
            Some(names) if names.is_empty() => {
                let all: BTreeMap<String, Rejection> = nodes
                    .iter()
                    .map(|n| {
                        (
                            n.clone(),
                            Rejection {
                                resolvable: false,
                                reasons: vec![NOT_HELPFUL.into()],
                            },
                        )
                    })
                    .collect();
                let post = post_filter_message(&format!("preemption: {}", fit_error_message(nodes.len(), &all, "")));
                let msg = format!(
                    "0/{} nodes are available: pod affinity terms conflict. {post}",
                    nodes.len()
                );
                self.fail(api, now, &pod_value, "Unschedulable", &msg, None);
                self.queue.requeue_failed(&key, true, now);
                return;
            }
            Some(names) => {
                for n in nodes.iter().filter(|n| !names.contains(*n)) {
                    statuses.insert(
                        n.clone(),
                        Rejection {
                            resolvable: false,
                            reasons: vec!["node(s) didn't satisfy plugin(s) [NodeAffinity]".into()],
                        },
                    );
                }
                nodes.iter().filter(|n| names.contains(*n)).cloned().collect()
            }
        };
        let to_find = num_feasible_nodes_to_find(candidates.len());
        let mut feasible = Vec::new();
        let start = if candidates.is_empty() {
            0
        } else {
            self.next_start_node_index % candidates.len()
        };
        let mut processed = 0;
        for i in 0..candidates.len() {
            let Some(name) = candidates.get((start + i) % candidates.len()) else {
                continue;
            };
            processed += 1;
            match self.filter_node(&st, &pod, name) {
                Ok(()) => {
                    feasible.push(name.clone());
                    if feasible.len() >= to_find {
                        break;
                    }
                }
                Err(r) => {
                    statuses.insert(name.clone(), r);
                }
            }
        }
        if !candidates.is_empty() {
            self.next_start_node_index = (start + processed) % candidates.len();
        }
        if feasible.is_empty() {
            let (post, nominated) = self.preempt(api, now, rng, &pod, &nodes, &statuses);
            let msg = fit_error_message(nodes.len(), &statuses, &post_filter_message(&post));
            self.fail(api, now, &pod_value, "Unschedulable", &msg, nominated);
            self.queue.requeue_failed(&key, true, now);
            return;
        }
        let chosen = if feasible.len() == 1 {
            feasible.first().cloned()
        } else {
            let scores = self.score(&pod, &feasible);
            select_host(&feasible, &scores, rng)
        };
        match chosen {
            Some(node) if !st.delayed_claims.is_empty() => {
                if self.bind_volumes(api, &st, &node) {
                    self.bind(api, now, &pod_value, pod, &node);
                } else {
                    // Waiting for a provisioner: the claims' changes bring the pod back.
                    self.queue.requeue_failed(&key, true, now);
                }
            }
            Some(node) => self.bind(api, now, &pod_value, pod, &node),
            None => self.queue.requeue_failed(&key, false, now),
        }
    }

    /// VolumeBinding's PreBind for delayed claims on the chosen node: the volumes found are
    /// reserved for their claims (the PersistentVolume controller completes the binding); the
    /// claims to provision get the selected node. True when the pod may be bound now.
    fn bind_volumes(&mut self, api: &mut dyn ApiClient, st: &CycleState, node: &str) -> bool {
        let Some(model) = self.cache.nodes.get(node).and_then(|i| i.node.as_ref()) else {
            return false;
        };
        let vols: Vec<&Value> = st.volumes.iter().collect();
        let term = |t: &Value| model::node_selector_term_matches(t, model);
        let admits = |v: &Value| volumes::node_admits_volume(v, &term);
        let Ok((bindings, provisions)) = volumes::find_bindings(&st.delayed_claims, &vols, &admits) else {
            return false;
        };
        for (claim, pv_name) in bindings {
            let Some(mut pv) = self.volumes.get("", &pv_name).cloned() else {
                return false;
            };
            let meta = |f: &str| claim.pointer(&format!("/metadata/{f}")).cloned().unwrap_or(Value::Null);
            pv["spec"]["claimRef"] = json!({"kind": "PersistentVolumeClaim", "namespace": meta("namespace"),
                "name": meta("name"), "uid": meta("uid"), "apiVersion": "v1", "resourceVersion": meta("resourceVersion")});
            if let Some(m) = pv.get_mut("metadata").and_then(Value::as_object_mut) {
                let ann = m.entry("annotations").or_insert_with(|| json!({}));
                if let Some(a) = ann.as_object_mut() {
                    a.entry("pv.kubernetes.io/bound-by-controller").or_insert(json!("yes"));
                }
            }
            if api
                .request(ApiRequest::put(format!("/api/v1/persistentvolumes/{pv_name}"), pv))
                .is_err()
            {
                return false;
            }
        }
        let mut waiting = false;
        for claim in provisions {
            waiting = true;
            if claim
                .pointer("/metadata/annotations/volume.kubernetes.io~1selected-node")
                .is_some()
            {
                continue;
            }
            let path = format!(
                "/api/v1/namespaces/{}/persistentvolumeclaims/{}",
                claim
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                claim.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("")
            );
            let patch = json!({"metadata": {"annotations": {"volume.kubernetes.io/selected-node": node}}});
            let _ = api.request(ApiRequest::patch(path, PatchType::Merge, patch));
        }
        !waiting
    }

    fn bind(&mut self, api: &mut dyn ApiClient, now: SimTime, pod_value: &Value, mut pod: PodInfo, node: &str) {
        let key = pod.key();
        let body = json!({
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        });
        let path = format!("{}/binding", pod_path(&pod.namespace, &pod.name));
        match api.request(ApiRequest::post(path, body)) {
            Ok(_) => {
                self.queue.remove(&key);
                self.cache.clear_nominated(&key);
                pod.node_name = node.to_string();
                pod.nominated_node_name.clear();
                self.cache.set_pod(pod.clone());
                let msg = format!("Successfully assigned {}/{} to {node}", pod.namespace, pod.name);
                let _ = self.recorder.eventf(
                    api,
                    now,
                    &self.source,
                    pod_value,
                    None,
                    "Normal",
                    "Scheduled",
                    "Binding",
                    &msg,
                );
            }
            Err(e) if e.code() == 404 => self.queue.remove(&key),
            Err(e) => {
                let msg = format!("running Bind plugin \"DefaultBinder\": {}", e.message());
                self.fail(api, now, pod_value, "SchedulerError", &msg, None);
                self.queue.requeue_failed(&key, false, now);
            }
        }
    }

    /// handleSchedulingFailure: the FailedScheduling event and the PodScheduled condition.
    fn fail(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        pod: &Value,
        reason: &str,
        msg: &str,
        nominated: Option<String>,
    ) {
        let _ = self.recorder.eventf(
            api,
            now,
            &self.source,
            pod,
            None,
            "Warning",
            "FailedScheduling",
            "Scheduling",
            msg,
        );
        let stamp = apimachinery::time::format_rfc3339(now.unix_secs());
        let mut conditions: Vec<Value> = pod
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut changed = true;
        let new_cond = |transition: &str| {
            json!({"type": "PodScheduled", "status": "False", "lastProbeTime": null,
                   "lastTransitionTime": transition, "reason": reason, "message": msg})
        };
        match conditions
            .iter_mut()
            .find(|c| c.get("type").and_then(Value::as_str) == Some("PodScheduled"))
        {
            Some(c) => {
                let same_status = c.get("status").and_then(Value::as_str) == Some("False");
                if same_status
                    && c.get("reason").and_then(Value::as_str) == Some(reason)
                    && c.get("message").and_then(Value::as_str) == Some(msg)
                {
                    changed = false;
                } else {
                    let transition = if same_status {
                        c.get("lastTransitionTime")
                            .and_then(Value::as_str)
                            .unwrap_or(&stamp)
                            .to_string()
                    } else {
                        stamp.clone()
                    };
                    *c = new_cond(&transition);
                }
            }
            None => conditions.push(new_cond(&stamp)),
        }
        let current_nominated = pod
            .pointer("/status/nominatedNodeName")
            .and_then(Value::as_str)
            .unwrap_or("");
        let nominated_change = nominated.as_deref().is_some_and(|n| n != current_nominated);
        if !changed && !nominated_change {
            return;
        }
        let mut status = json!({"conditions": conditions});
        if let Some(n) = nominated.filter(|n| n != current_nominated) {
            status["nominatedNodeName"] = if n.is_empty() { Value::Null } else { Value::String(n) };
        }
        let path = format!(
            "{}/status",
            pod_path(client::meta_str(pod, "namespace"), client::meta_str(pod, "name"))
        );
        let _ = api.request(ApiRequest::patch(path, PatchType::Merge, json!({"status": status})));
    }

    /// DefaultPreemption. Returns the PostFilter message and the nominated node.
    fn preempt(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        rng: &mut RngStreams,
        pod: &PodInfo,
        nodes: &[String],
        statuses: &BTreeMap<String, Rejection>,
    ) -> (String, Option<String>) {
        if pod.preemption_never {
            return ("preemption: not eligible due to preemptionPolicy=Never.".into(), None);
        }
        if !pod.nominated_node_name.is_empty() {
            let terminating_lower = self.cache.nodes.get(&pod.nominated_node_name).is_some_and(|i| {
                i.pods
                    .iter()
                    .filter_map(|k| self.cache.pods.get(k))
                    .any(|p| p.terminating && p.priority < pod.priority)
            });
            if terminating_lower {
                return (
                    "preemption: not eligible due to a terminating pod on the nominated node.".into(),
                    None,
                );
            }
        }
        let potential: Vec<&String> = nodes
            .iter()
            .filter(|n| statuses.get(*n).is_some_and(|r| r.resolvable))
            .collect();
        let mut dry: BTreeMap<String, Rejection> = nodes
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    Rejection {
                        resolvable: false,
                        reasons: vec![NOT_HELPFUL.into()],
                    },
                )
            })
            .collect();
        let mut candidates: Vec<(String, Vec<PodInfo>, usize)> = Vec::new();
        if !potential.is_empty() {
            let offset = rng.below(RNG_STREAM, potential.len() as u64) as usize;
            for i in 0..potential.len() {
                let Some(node) = potential.get((offset + i) % potential.len()) else {
                    continue;
                };
                match self.select_victims(pod, node) {
                    Ok((victims, violations)) => candidates.push(((*node).clone(), victims, violations)),
                    Err(r) => {
                        dry.insert((*node).clone(), r);
                    }
                }
            }
        }
        if candidates.is_empty() {
            return (
                format!("preemption: {}", fit_error_message(nodes.len(), &dry, "")),
                Some(String::new()),
            );
        }
        // pickOneNodeForPreemption: fewest PDB violations, lowest highest-priority victim,
        // lowest sum of priorities, fewest victims; the first candidate wins ties.
        let best = candidates.iter().min_by_key(|(_, v, violations)| {
            let highest = v.iter().map(|p| p.priority).max().unwrap_or(i64::MIN);
            let sum: i64 = v.iter().map(|p| p.priority + i64::from(i32::MAX) + 1).sum();
            (*violations, highest, sum, v.len())
        });
        let Some((node, victims, _)) = best.cloned() else {
            return (String::new(), None);
        };
        let preemptor = self.pods.get(&pod.namespace, &pod.name).cloned();
        let stamp = apimachinery::time::format_rfc3339(now.unix_secs());
        for v in &victims {
            let path = pod_path(&v.namespace, &v.name);
            let victim_value = self.pods.get(&v.namespace, &v.name).cloned().unwrap_or(Value::Null);
            // The DisruptionTarget condition first, so the victim's owner knows why it goes.
            let mut conditions: Vec<Value> = victim_value
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            conditions.retain(|c| c.get("type").and_then(Value::as_str) != Some("DisruptionTarget"));
            conditions.push(
                json!({"type": "DisruptionTarget", "status": "True", "lastProbeTime": null,
                "lastTransitionTime": stamp, "reason": "PreemptionByScheduler",
                "message": format!("{}: preempting to accommodate a higher priority pod", pod.scheduler_name)}),
            );
            let patch = json!({"status": {"conditions": conditions}});
            let _ = api.request(ApiRequest::patch(format!("{path}/status"), PatchType::Merge, patch));
            let _ = api.request(ApiRequest::delete(path));
            let msg = format!("Preempted by pod {} on node {node}", pod.uid);
            let _ = self.recorder.eventf(
                api,
                now,
                &self.source,
                &victim_value,
                preemptor.as_ref(),
                "Normal",
                "Preempted",
                "Preempting",
                &msg,
            );
        }
        (String::new(), Some(node))
    }

    /// Splits `pods` (most important first) into those whose eviction would violate a
    /// PodDisruptionBudget and the rest (filterPodsWithPDBViolation).
    fn split_by_pdb(&self, pods: Vec<PodInfo>) -> (Vec<PodInfo>, Vec<PodInfo>) {
        let mut allowed: BTreeMap<(String, String), i64> = BTreeMap::new();
        let mut violating = Vec::new();
        let mut fine = Vec::new();
        for p in pods {
            let mut violates = false;
            for pdb in self.pdbs.list_namespace(&p.namespace) {
                let selector = match pdb.pointer("/spec/selector") {
                    Some(sel) if !sel.is_null() => apimachinery::Selector::from_label_selector(sel).ok(),
                    _ => None,
                };
                let Some(selector) = selector.filter(|s| !s.is_empty()) else {
                    continue;
                };
                if !selector.matches(&p.labels) {
                    continue;
                }
                // A pod already being disrupted was counted by the PDB controller.
                if pdb.pointer(&format!("/status/disruptedPods/{}", p.name)).is_some() {
                    continue;
                }
                let key = (p.namespace.clone(), client::meta_str(pdb, "name").to_string());
                let left = allowed.entry(key).or_insert_with(|| {
                    pdb.pointer("/status/disruptionsAllowed")
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                });
                *left -= 1;
                if *left < 0 {
                    violates = true;
                }
            }
            if violates {
                violating.push(p);
            } else {
                fine.push(p);
            }
        }
        (violating, fine)
    }

    /// SelectVictimsOnNode: remove every lower-priority pod, check the pod fits, then give
    /// back (reprieve) as many as possible, PDB-protected and most important first. Returns
    /// the victims and how many of them violate a PodDisruptionBudget.
    fn select_victims(&mut self, pod: &PodInfo, node: &str) -> Result<(Vec<PodInfo>, usize), Rejection> {
        let Some(info) = self.cache.nodes.get(node) else {
            return Err(Rejection {
                resolvable: false,
                reasons: vec![NOT_HELPFUL.into()],
            });
        };
        let mut lower: Vec<PodInfo> = info
            .pods
            .iter()
            .filter_map(|k| self.cache.pods.get(k))
            .filter(|p| p.priority < pod.priority)
            .cloned()
            .collect();
        if lower.is_empty() {
            return Err(Rejection {
                resolvable: false,
                reasons: vec![NO_VICTIMS.into()],
            });
        }
        for p in &lower {
            self.cache.remove_pod(&p.key());
        }
        let st = plugins::prefilter(&self.cache, pod);
        if let Err(r) = self.filter_node(&st, pod, node) {
            for p in &lower {
                self.cache.set_pod(p.clone());
            }
            return Err(r);
        }
        // MoreImportantPod: higher priority first, then the earlier start.
        lower.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then_with(|| a.start_time.cmp(&b.start_time))
        });
        let (violating, fine) = self.split_by_pdb(lower);
        let mut victims = Vec::new();
        let mut violations = 0;
        for (group, counts) in [(violating, true), (fine, false)] {
            for p in group {
                self.cache.set_pod(p.clone());
                let st = plugins::prefilter(&self.cache, pod);
                if self.filter_node(&st, pod, node).is_err() {
                    self.cache.remove_pod(&p.key());
                    violations += usize::from(counts);
                    victims.push(p);
                }
            }
        }
        for v in &victims {
            self.cache.set_pod(v.clone());
        }
        // Victims are listed most important first, as upstream's Victims.Pods.
        victims.sort_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then_with(|| a.start_time.cmp(&b.start_time))
        });
        Ok((victims, violations))
    }
}

/// selectHost: the highest total score; ties broken by reservoir sampling in node order.
pub fn select_host(nodes: &[String], scores: &[i64], rng: &mut RngStreams) -> Option<String> {
    let max = scores.iter().copied().max()?;
    let mut chosen = None;
    let mut count = 0u64;
    for (n, s) in nodes.iter().zip(scores) {
        if *s == max {
            count += 1;
            if count == 1 || rng.below(RNG_STREAM, count) == 0 {
                chosen = Some(n.clone());
            }
        }
    }
    chosen
}

impl Component for Scheduler {
    fn name(&self) -> &'static str {
        "kube-scheduler"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, rng: &mut RngStreams) -> StepResult {
        self.queue.start(now);
        let mut worked = match self.sync(api, now) {
            Ok(w) => w,
            Err(_) => return StepResult::idle().wake_at(self.queue.next_deadline()),
        };
        worked |= self.queue.flush(now);
        while let Some(key) = self.queue.pop() {
            worked = true;
            self.schedule_one(api, now, rng, key);
        }
        StepResult {
            did_work: worked,
            next_wakeup: self.queue.next_deadline(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rej(resolvable: bool, r: &[&str]) -> Rejection {
        Rejection {
            resolvable,
            reasons: r.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn fit_error_sorts_the_histogram_as_strings() {
        let mut st = BTreeMap::new();
        st.insert("cp".to_string(), rej(false, &["node(s) had untolerated taint(s)"]));
        st.insert("a".to_string(), rej(true, &["Insufficient cpu"]));
        st.insert("b".to_string(), rej(true, &["Insufficient cpu"]));
        assert_eq!(
            fit_error_message(3, &st, "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."),
            "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
        );
    }

    #[test]
    fn dynamic_resources_rejects_before_preemption_unless_preemption_nominated_a_node() {
        let mut st = BTreeMap::new();
        st.insert("cp".to_string(), rej(false, &["node(s) had untolerated taint(s)"]));
        st.insert("a".to_string(), rej(false, &["Insufficient cpu"]));
        st.insert("b".to_string(), rej(false, &["Insufficient cpu"]));
        let preemption = "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
        // A kind v1.34+ cluster's text for a pod asking more CPU than any node has.
        assert_eq!(
            fit_error_message(3, &st, &post_filter_message(preemption)),
            "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
        );
        assert_eq!(
            fit_error_message(3, &st, &post_filter_message("")),
            "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu."
        );
    }

    #[test]
    fn adaptive_percentage_of_nodes_to_score() {
        assert_eq!(num_feasible_nodes_to_find(3), 3);
        assert_eq!(num_feasible_nodes_to_find(99), 99);
        assert_eq!(num_feasible_nodes_to_find(100), 100);
        // 1000 nodes: 50 - 8 = 42% → 420.
        assert_eq!(num_feasible_nodes_to_find(1000), 420);
        // 5000 nodes: 50 - 40 = 10% → 500; 10000: 5% → 500.
        assert_eq!(num_feasible_nodes_to_find(5000), 500);
        assert_eq!(num_feasible_nodes_to_find(10000), 500);
    }

    #[test]
    fn select_host_picks_the_best_and_breaks_ties_with_the_rng() {
        let nodes: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut rng = RngStreams::new(1);
        assert_eq!(select_host(&nodes, &[1, 5, 3], &mut rng).as_deref(), Some("b"));
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            seen.insert(select_host(&nodes, &[7, 7, 3], &mut rng).unwrap());
        }
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            vec!["a".to_string(), "b".to_string()]
        );
    }
}
