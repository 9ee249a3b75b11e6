//! The ReplicaSet controller (pkg/controller/replicaset), which also runs
//! ReplicationControllers as upstream's replication controller does (same code, another kind).
//!
//! Per ReplicaSet: claim pods (adopt orphans matching the selector, release owned pods that no
//! longer match), create pods from the template in slow-start batches (1, 2, 4, …, at most
//! `burstReplicas` per sync) or delete the lowest-ranked pods, then write the status. Creates
//! and deletes are tracked with expectations, as upstream, so a sync never acts on a cache
//! that has not seen its own previous writes.

use crate::expectations::Expectations;
use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use client::{ChangeKind, Component, EventRecorder, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

/// `BurstReplicas`: the most pods one sync creates or deletes.
pub const BURST_REPLICAS: i64 = 500;
/// `controller.SlowStartInitialBatchSize`.
pub const SLOW_START_INITIAL_BATCH_SIZE: i64 = 1;
/// `controller.PodDeletionCost` annotation.
pub const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

/// Which of the two kinds this controller runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flavor {
    ReplicaSet,
    ReplicationController,
}

impl Flavor {
    fn api_version(self) -> &'static str {
        match self {
            Flavor::ReplicaSet => "apps/v1",
            Flavor::ReplicationController => "v1",
        }
    }
    fn kind(self) -> &'static str {
        match self {
            Flavor::ReplicaSet => "ReplicaSet",
            Flavor::ReplicationController => "ReplicationController",
        }
    }
    fn plural(self) -> &'static str {
        match self {
            Flavor::ReplicaSet => "replicasets",
            Flavor::ReplicationController => "replicationcontrollers",
        }
    }
    /// The event source component.
    pub fn component(self) -> &'static str {
        match self {
            Flavor::ReplicaSet => "replicaset-controller",
            Flavor::ReplicationController => "replication-controller",
        }
    }
    fn resource(self) -> ResourcePath {
        match self {
            Flavor::ReplicaSet => ResourcePath::new("apps", "v1", "replicasets"),
            Flavor::ReplicationController => ResourcePath::core("replicationcontrollers"),
        }
    }
    /// The pod selector: a LabelSelector for ReplicaSets, a plain map for RCs (where an
    /// empty one defaults to the template's labels at the API server).
    fn selector(self, set: &Value) -> Option<Selector> {
        match self {
            Flavor::ReplicaSet => {
                let sel = set.pointer("/spec/selector")?;
                let s = Selector::from_label_selector(sel).ok()?;
                // An empty selector matches nothing here (validation forbids it anyway).
                if s.is_empty() {
                    return None;
                }
                Some(s)
            }
            Flavor::ReplicationController => {
                let m = string_map(set.pointer("/spec/selector"));
                if m.is_empty() {
                    return None;
                }
                Some(Selector::from_set(&m))
            }
        }
    }
}

/// The controller.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReplicaSetController {
    flavor: Flavor,
    sets: Informer,
    pods: Informer,
    queue: WorkQueue<Key>,
    expectations: Expectations,
    recorder: EventRecorder,
    burst_replicas: i64,
}

/// kube-controller-manager's `replicaset` controller.
pub fn replicaset_controller() -> ReplicaSetController {
    ReplicaSetController::new(Flavor::ReplicaSet)
}

/// kube-controller-manager's `replicationcontroller` controller.
pub fn replication_controller() -> ReplicaSetController {
    ReplicaSetController::new(Flavor::ReplicationController)
}

fn key_string(key: &Key) -> String {
    format!("{}/{}", key.0, key.1)
}

impl ReplicaSetController {
    pub fn new(flavor: Flavor) -> Self {
        ReplicaSetController {
            flavor,
            sets: Informer::new(flavor.resource()),
            pods: Informer::new(ResourcePath::core("pods")),
            queue: WorkQueue::default(),
            expectations: Expectations::default(),
            recorder: EventRecorder::new(),
            burst_replicas: BURST_REPLICAS,
        }
    }

    /// The sets (in the pod's namespace) whose selector matches an orphan pod.
    fn sets_for_orphan(&self, pod: &Value) -> Vec<Key> {
        let ns = meta_str(pod, "namespace");
        let pod_labels = labels(pod);
        self.sets
            .list_namespace(ns)
            .filter(|set| self.flavor.selector(set).is_some_and(|s| s.matches(&pod_labels)))
            .map(key_of)
            .collect()
    }

    /// The set a controller reference points to, when it exists with that uid.
    fn resolve_ref(&self, namespace: &str, r: &Value) -> Option<Key> {
        if r.get("kind").and_then(Value::as_str) != Some(self.flavor.kind()) {
            return None;
        }
        let name = r.get("name").and_then(Value::as_str)?;
        let set = self.sets.get(namespace, name)?;
        (meta_str(set, "uid") == r.get("uid").and_then(Value::as_str).unwrap_or("")).then(|| key_of(set))
    }

    fn on_pod_change(&mut self, kind: ChangeKind, pod: &Value, old: Option<&Value>) {
        let ns = meta_str(pod, "namespace").to_string();
        match kind {
            ChangeKind::Added => {
                if let Some(r) = controller_ref(pod) {
                    if let Some(k) = self.resolve_ref(&ns, r) {
                        self.expectations.creation_observed(&key_string(&k));
                        self.queue.add(k);
                    }
                    return;
                }
                for k in self.sets_for_orphan(pod) {
                    self.queue.add(k);
                }
            }
            ChangeKind::Modified => {
                let new_ref = controller_ref(pod).cloned();
                let old_ref = old.and_then(controller_ref).cloned();
                if old_ref != new_ref {
                    if let Some(k) = old_ref.as_ref().and_then(|r| self.resolve_ref(&ns, r)) {
                        self.queue.add(k);
                    }
                }
                if let Some(r) = &new_ref {
                    if let Some(k) = self.resolve_ref(&ns, r) {
                        self.queue.add(k);
                    }
                    return;
                }
                let labels_changed = old.map(labels) != Some(labels(pod));
                if labels_changed || old_ref != new_ref {
                    for k in self.sets_for_orphan(pod) {
                        self.queue.add(k);
                    }
                }
            }
            ChangeKind::Deleted => {
                if let Some(k) = controller_ref(pod).and_then(|r| self.resolve_ref(&ns, r)) {
                    self.expectations.deletion_observed(&key_string(&k));
                    self.queue.add(k);
                }
            }
        }
    }

    fn sync(&mut self, api: &mut dyn ApiClient, now: SimTime, key: &Key) -> Result<(), ApiError> {
        let Some(set) = self.sets.get(&key.0, &key.1).cloned() else {
            self.expectations.delete(&key_string(key));
            return Ok(());
        };
        let Some(selector) = self.flavor.selector(&set) else {
            return Ok(());
        };
        let needs_sync = self.expectations.satisfied(&key_string(key), now);
        let active: Vec<Value> = self
            .pods
            .list_namespace(&key.0)
            .filter(|p| is_pod_active(p))
            .cloned()
            .collect();
        let owned = self.claim_pods(api, &set, &selector, active)?;
        // DeploymentReplicaSetTerminatingReplicas (beta, on since v1.35): ReplicaSets report
        // their terminating pods; ReplicationControllers have no such field.
        let terminating = (self.flavor == Flavor::ReplicaSet).then(|| {
            let uid = meta_str(&set, "uid");
            self.pods
                .list_namespace(&key.0)
                .filter(|p| is_pod_terminating(p) && controller_uid(p) == uid && selector.matches(&labels(p)))
                .count() as i64
        });

        let mut manage_err = None;
        if needs_sync && !is_being_deleted(&set) {
            if let Err(e) = self.manage_replicas(api, now, &set, &owned) {
                manage_err = Some(e);
            }
        }
        let spec_replicas = int_opt(&set, "/spec/replicas").unwrap_or(1);
        let new_status = calculate_status(&set, &owned, terminating, manage_err.as_ref().map(|e| e.message()), now);
        let mut updated = set.clone();
        if status_needs_update(&set, &new_status) {
            updated = self.update_status(api, &set, new_status)?;
        }
        // Requeue to notice pods becoming available after minReadySeconds.
        let min_ready = int_at(&set, "/spec/minReadySeconds");
        if manage_err.is_none()
            && min_ready > 0
            && int_at(&updated, "/status/readyReplicas") == spec_replicas
            && int_at(&updated, "/status/availableReplicas") != spec_replicas
        {
            self.queue
                .add_after(key.clone(), now.add(Duration::from_secs(min_ready)));
        }
        match manage_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// `ClaimPods`: adopt matching orphans, release owned pods that no longer match.
    fn claim_pods(
        &mut self,
        api: &mut dyn ApiClient,
        set: &Value,
        selector: &Selector,
        pods: Vec<Value>,
    ) -> Result<Vec<Value>, ApiError> {
        let uid = meta_str(set, "uid");
        let mut claimed = Vec::new();
        for pod in pods {
            let matches = selector.matches(&labels(&pod));
            match controller_ref(&pod) {
                Some(r) if r.get("uid").and_then(Value::as_str) == Some(uid) => {
                    if matches {
                        claimed.push(pod);
                    } else if !is_being_deleted(set) {
                        release(api, &pod, uid)?;
                    }
                }
                Some(_) => {}
                None => {
                    if !matches || is_being_deleted(set) || is_being_deleted(&pod) {
                        continue;
                    }
                    let reference = new_controller_ref(set, self.flavor.api_version(), self.flavor.kind());
                    match adopt(api, &pod, reference) {
                        Ok(adopted) => claimed.push(adopted),
                        // Gone meanwhile: ignore, as upstream does.
                        Err(e) if e.code() == 404 => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(claimed)
    }

    fn manage_replicas(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        set: &Value,
        owned: &[Value],
    ) -> Result<(), ApiError> {
        let key = key_string(&key_of(set));
        let replicas = int_opt(set, "/spec/replicas").unwrap_or(1);
        let diff = owned.len() as i64 - replicas;
        if diff < 0 {
            let n = (-diff).min(self.burst_replicas);
            self.expectations.expect(&key, n, 0, now);
            let pod = pod_from_template(set, self.flavor);
            let ns = meta_str(set, "namespace").to_string();
            let mut created = 0i64;
            let mut failure = None;
            for batch in slow_start_batches(n) {
                for _ in 0..batch {
                    match api.request(ApiRequest::post(object_path("v1", "pods", &ns, ""), pod.clone())) {
                        Ok(p) => {
                            created += 1;
                            let msg = format!("Created pod: {}", meta_str(&p, "name"));
                            let _ = self.recorder.record(
                                api,
                                now,
                                set,
                                "Normal",
                                "SuccessfulCreate",
                                &msg,
                                self.flavor.component(),
                                "",
                            );
                        }
                        Err(e) => {
                            // The attempted create will never be observed.
                            self.expectations.lower_creations(&key, 1);
                            created += 1;
                            let msg = format!("Error creating: {}", e.message());
                            let _ = self.recorder.record(
                                api,
                                now,
                                set,
                                "Warning",
                                "FailedCreate",
                                &msg,
                                self.flavor.component(),
                                "",
                            );
                            failure = Some(e);
                        }
                    }
                }
                if failure.is_some() {
                    break;
                }
            }
            if let Some(e) = failure {
                // Creates never attempted will not be observed either.
                self.expectations.lower_creations(&key, n - created);
                return Err(e);
            }
        } else if diff > 0 {
            let n = diff.min(self.burst_replicas);
            let related = self.related_pods(set);
            let victims = pods_to_delete(owned, &related, n as usize, now);
            self.expectations.expect(&key, 0, victims.len() as i64, now);
            let mut failure = None;
            for pod in victims {
                let (ns, name) = key_of(&pod);
                match api.request(ApiRequest::delete(object_path("v1", "pods", &ns, &name))) {
                    Ok(_) => {
                        let msg = format!("Deleted pod: {name}");
                        let _ = self.recorder.record(
                            api,
                            now,
                            set,
                            "Normal",
                            "SuccessfulDelete",
                            &msg,
                            self.flavor.component(),
                            "",
                        );
                    }
                    Err(e) if e.code() == 404 => self.expectations.deletion_observed(&key),
                    Err(e) => {
                        self.expectations.deletion_observed(&key);
                        let msg = format!("Error deleting: {}", e.message());
                        let _ = self.recorder.record(
                            api,
                            now,
                            set,
                            "Warning",
                            "FailedDelete",
                            &msg,
                            self.flavor.component(),
                            "",
                        );
                        failure = Some(e);
                    }
                }
            }
            if let Some(e) = failure {
                return Err(e);
            }
        }
        Ok(())
    }

    /// `getIndirectlyRelatedPods`: the pods of every set with the same controller (the
    /// Deployment's other ReplicaSets), used to spread scale-down across nodes.
    fn related_pods(&self, set: &Value) -> Vec<Value> {
        let owner = controller_uid(set);
        if owner.is_empty() {
            return Vec::new();
        }
        let ns = meta_str(set, "namespace");
        let uids: BTreeSet<&str> = self
            .sets
            .list_namespace(ns)
            .filter(|s| controller_uid(s) == owner)
            .map(|s| meta_str(s, "uid"))
            .collect();
        self.pods
            .list_namespace(ns)
            .filter(|p| uids.contains(controller_uid(p)))
            .cloned()
            .collect()
    }

    fn update_status(&mut self, api: &mut dyn ApiClient, set: &Value, status: Value) -> Result<Value, ApiError> {
        let mut body = set.clone();
        set_field(&mut body, "status", status);
        let (ns, name) = key_of(set);
        let path = format!(
            "{}/status",
            object_path(self.flavor.api_version(), self.flavor.plural(), &ns, &name)
        );
        api.request(ApiRequest::put(path, body))
    }
}

fn adopt(api: &mut dyn ApiClient, pod: &Value, reference: Value) -> Result<Value, ApiError> {
    let mut refs: Vec<Value> = owner_references(pod).to_vec();
    refs.push(reference);
    let (ns, name) = key_of(pod);
    let patch = json!({"metadata": {"ownerReferences": refs, "uid": meta_str(pod, "uid"), "resourceVersion": meta_str(pod, "resourceVersion")}});
    api.request(ApiRequest::patch(
        object_path("v1", "pods", &ns, &name),
        apimachinery::request::PatchType::Merge,
        patch,
    ))
}

fn release(api: &mut dyn ApiClient, pod: &Value, owner_uid: &str) -> Result<(), ApiError> {
    let refs: Vec<Value> = owner_references(pod)
        .iter()
        .filter(|r| r.get("uid").and_then(Value::as_str) != Some(owner_uid))
        .cloned()
        .collect();
    let (ns, name) = key_of(pod);
    let refs = if refs.is_empty() {
        Value::Null
    } else {
        Value::Array(refs)
    };
    let patch = json!({"metadata": {"ownerReferences": refs, "uid": meta_str(pod, "uid")}});
    match api.request(ApiRequest::patch(
        object_path("v1", "pods", &ns, &name),
        apimachinery::request::PatchType::Merge,
        patch,
    )) {
        Ok(_) => Ok(()),
        Err(e) if e.code() == 404 || e.code() == 422 => Ok(()),
        Err(e) => Err(e),
    }
}

/// `slowStartBatch`: batch sizes 1, 2, 4, … summing to `n`.
pub fn slow_start_batches(n: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut remaining = n;
    let mut batch = SLOW_START_INITIAL_BATCH_SIZE.min(remaining);
    while batch > 0 {
        out.push(batch);
        remaining -= batch;
        batch = (2 * batch).min(remaining);
    }
    out
}

/// `controller.GetPodFromTemplate`: the pod a set creates (name generated by the API server).
pub fn pod_from_template(set: &Value, flavor: Flavor) -> Value {
    let template = set.pointer("/spec/template").cloned().unwrap_or_else(|| json!({}));
    let mut meta = serde_json::Map::new();
    meta.insert("generateName".into(), json!(format!("{}-", meta_str(set, "name"))));
    meta.insert("namespace".into(), json!(meta_str(set, "namespace")));
    for field in ["labels", "annotations", "finalizers"] {
        if let Some(v) = template.pointer(&format!("/metadata/{field}")).filter(|v| !v.is_null()) {
            meta.insert(field.into(), v.clone());
        }
    }
    meta.insert(
        "ownerReferences".into(),
        json!([new_controller_ref(set, flavor.api_version(), flavor.kind())]),
    );
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": Value::Object(meta),
        "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
    })
}

/// `podPhaseToOrdinal`: Pending < Unknown < Running.
fn phase_ordinal(pod: &Value) -> i32 {
    match pod_phase(pod) {
        "Pending" => 0,
        "Unknown" => 1,
        "Running" => 2,
        _ => -1,
    }
}

fn deletion_cost(pod: &Value) -> i64 {
    annotation(pod, POD_DELETION_COST)
        .and_then(|s| s.parse::<i32>().ok())
        .map(i64::from)
        .unwrap_or(0)
}

/// `logarithmicRankDiff`: compares how long ago two instants were on a log2 scale of
/// nanoseconds.
fn log_rank_diff(t1_secs: i64, t2_secs: i64, now: SimTime) -> i64 {
    let now_ns = i128::from(now.unix_millis()) * 1_000_000;
    let rank = |t: i64| {
        let d = now_ns - i128::from(t) * 1_000_000_000;
        if d > 0 {
            (d as f64).log2() as i64
        } else {
            -1
        }
    };
    rank(t1_secs) - rank(t2_secs)
}

/// `ActivePodsWithRanks.Less`: whether pod `a` should be deleted before pod `b`.
pub fn delete_first(a: &Value, rank_a: i64, b: &Value, rank_b: i64, now: SimTime) -> Ordering {
    let node_a = str_at(a, "/spec/nodeName");
    let node_b = str_at(b, "/spec/nodeName");
    // 1. Unassigned < assigned.
    if node_a.is_empty() != node_b.is_empty() {
        return if node_a.is_empty() {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    // 2. Pending < Unknown < Running.
    let (pa, pb) = (phase_ordinal(a), phase_ordinal(b));
    if pa != pb {
        return pa.cmp(&pb);
    }
    // 3. Not ready < ready.
    let (ra, rb) = (is_pod_ready(a), is_pod_ready(b));
    if ra != rb {
        return if !ra { Ordering::Less } else { Ordering::Greater };
    }
    // 4. Lower deletion cost first.
    let (ca, cb) = (deletion_cost(a), deletion_cost(b));
    if ca != cb {
        return ca.cmp(&cb);
    }
    // 5. More related pods on the same node first.
    if rank_a != rank_b {
        return rank_b.cmp(&rank_a);
    }
    let uid_order = || meta_str(a, "uid").cmp(meta_str(b, "uid"));
    // 6. Ready for a shorter time first (logarithmic buckets).
    if ra && rb {
        let (ta, tb) = (pod_ready_since(a), pod_ready_since(b));
        if ta != tb {
            match (ta, tb) {
                (Some(x), Some(y)) => {
                    let d = log_rank_diff(x, y, now);
                    if d == 0 {
                        return uid_order();
                    }
                    return if d < 0 { Ordering::Less } else { Ordering::Greater };
                }
                // afterOrZero: a zero time sorts first.
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
            }
        }
    }
    // 7. More restarts first.
    let (xa, xb) = (max_container_restarts(a), max_container_restarts(b));
    if xa != xb {
        return xb.cmp(&xa);
    }
    // 8. Newer first (logarithmic buckets).
    let (ta, tb) = (
        time_at(a, "/metadata/creationTimestamp"),
        time_at(b, "/metadata/creationTimestamp"),
    );
    if ta != tb {
        return match (ta, tb) {
            (Some(x), Some(y)) => {
                let d = log_rank_diff(x, y, now);
                if d == 0 {
                    uid_order()
                } else if d < 0 {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (None, _) => Ordering::Less,
            (_, None) => Ordering::Greater,
        };
    }
    Ordering::Equal
}

/// `getPodsToDelete`: the `n` pods to delete, ranked by `getPodsRankedByRelatedPodsOnSameNode`.
pub fn pods_to_delete(owned: &[Value], related: &[Value], n: usize, now: SimTime) -> Vec<Value> {
    if n >= owned.len() {
        return owned.to_vec();
    }
    let mut on_node: BTreeMap<&str, i64> = BTreeMap::new();
    for p in related {
        let node = str_at(p, "/spec/nodeName");
        if is_pod_active(p) && !node.is_empty() {
            *on_node.entry(node).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&Value, i64)> = owned
        .iter()
        .map(|p| (p, on_node.get(str_at(p, "/spec/nodeName")).copied().unwrap_or(0)))
        .collect();
    ranked.sort_by(|(a, ra), (b, rb)| delete_first(a, *ra, b, *rb, now));
    ranked.into_iter().take(n).map(|(p, _)| p.clone()).collect()
}

/// `calculateStatus`.
pub fn calculate_status(
    set: &Value,
    owned: &[Value],
    terminating: Option<i64>,
    manage_err: Option<&str>,
    now: SimTime,
) -> Value {
    let template_labels = string_map(set.pointer("/spec/template/metadata/labels"));
    let min_ready = int_at(set, "/spec/minReadySeconds");
    let mut fully_labeled = 0;
    let mut ready = 0;
    let mut available = 0;
    for pod in owned {
        let l = labels(pod);
        if template_labels.iter().all(|(k, v)| l.get(k) == Some(v)) {
            fully_labeled += 1;
        }
        if is_pod_ready(pod) {
            ready += 1;
            if is_pod_available(pod, min_ready, now) {
                available += 1;
            }
        }
    }
    let mut conditions: Vec<Value> = set
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has_failure = conditions.iter().any(|c| str_at(c, "/type") == "ReplicaFailure");
    match manage_err {
        Some(msg) if !has_failure => {
            let diff = owned.len() as i64 - int_opt(set, "/spec/replicas").unwrap_or(1);
            let reason = match diff.cmp(&0) {
                Ordering::Less => "FailedCreate",
                Ordering::Greater => "FailedDelete",
                Ordering::Equal => "",
            };
            conditions.push(json!({
                "type": "ReplicaFailure", "status": "True", "lastTransitionTime": rfc3339(now),
                "reason": reason, "message": msg,
            }));
        }
        None if has_failure => conditions.retain(|c| str_at(c, "/type") != "ReplicaFailure"),
        _ => {}
    }
    // Go's omitempty drops zero counts; `replicas` is always written.
    let mut status = serde_json::Map::new();
    status.insert("replicas".into(), json!(owned.len()));
    for (field, n) in [
        ("fullyLabeledReplicas", fully_labeled),
        ("readyReplicas", ready),
        ("availableReplicas", available),
    ] {
        if n != 0 {
            status.insert(field.into(), json!(n));
        }
    }
    let generation = int_at(set, "/metadata/generation");
    if generation != 0 {
        status.insert("observedGeneration".into(), json!(generation));
    }
    if let Some(t) = terminating {
        status.insert("terminatingReplicas".into(), json!(t));
    }
    if !conditions.is_empty() {
        status.insert("conditions".into(), Value::Array(conditions));
    }
    Value::Object(status)
}

fn status_needs_update(set: &Value, new_status: &Value) -> bool {
    set.get("status").unwrap_or(&Value::Null) != new_status
}

impl Component for ReplicaSetController {
    fn name(&self) -> &'static str {
        self.flavor.component()
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let mut did_work = false;
        match self.sets.sync(api) {
            Ok(changes) => {
                for c in changes {
                    did_work = true;
                    self.queue.add(c.key());
                }
            }
            Err(_) => return StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1)))),
        }
        // Pods are only followed while there is a set (the watch resumes later).
        let pods = if self.sets.is_empty() {
            Ok(Vec::new())
        } else {
            self.pods.sync(api)
        };
        match pods {
            Ok(changes) => {
                for c in changes {
                    did_work = true;
                    self.on_pod_change(c.kind, &c.object, c.old.as_ref());
                }
            }
            Err(_) => return StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1)))),
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

    const NOW: SimTime = SimTime(1_767_225_600_000 + 3_600_000);

    fn pod(name: &str, node: &str, phase: &str, ready_since: Option<&str>, created: &str) -> Value {
        let mut conditions = vec![];
        if let Some(t) = ready_since {
            conditions.push(json!({"type": "Ready", "status": "True", "lastTransitionTime": t}));
        }
        json!({
            "metadata": {"name": name, "namespace": "default", "uid": format!("uid-{name}"), "creationTimestamp": created},
            "spec": {"nodeName": node},
            "status": {"phase": phase, "conditions": conditions},
        })
    }

    fn names(v: &[Value]) -> Vec<&str> {
        v.iter().map(|p| meta_str(p, "name")).collect()
    }

    #[test]
    fn slow_start_doubles_batches_up_to_the_total() {
        assert_eq!(slow_start_batches(0), Vec::<i64>::new());
        assert_eq!(slow_start_batches(1), vec![1]);
        assert_eq!(slow_start_batches(3), vec![1, 2]);
        assert_eq!(slow_start_batches(10), vec![1, 2, 4, 3]);
    }

    #[test]
    fn scale_down_prefers_unassigned_then_pending_then_not_ready_pods() {
        let t = "2026-01-01T00:00:00Z";
        let owned = vec![
            pod("running-ready", "n1", "Running", Some(t), t),
            pod("running-notready", "n1", "Running", None, t),
            pod("pending", "n1", "Pending", None, t),
            pod("unassigned", "", "Pending", None, t),
            pod("unknown", "n1", "Unknown", None, t),
        ];
        let order = pods_to_delete(&owned, &[], 4, NOW);
        assert_eq!(
            names(&order),
            vec!["unassigned", "pending", "unknown", "running-notready"]
        );
    }

    #[test]
    fn scale_down_prefers_doubled_up_nodes_then_newer_pods() {
        let old = "2026-01-01T00:00:00Z";
        let new = "2026-01-01T00:59:00Z";
        let owned = vec![
            pod("a-n1-old", "n1", "Running", Some(old), old),
            pod("b-n2-old", "n2", "Running", Some(old), old),
            pod("c-n2-new", "n2", "Running", Some(new), new),
        ];
        // n2 carries two related pods: its pods go first; of those, the most recently ready.
        let order = pods_to_delete(&owned, &owned, 2, NOW);
        assert_eq!(names(&order), vec!["c-n2-new", "b-n2-old"]);
        // Without related pods, readiness age decides.
        let order = pods_to_delete(&owned, &[], 1, NOW);
        assert_eq!(names(&order), vec!["c-n2-new"]);
    }

    #[test]
    fn deletion_cost_and_restarts_order_otherwise_equal_pods() {
        let t = "2026-01-01T00:00:00Z";
        let mut cheap = pod("cheap", "n1", "Running", Some(t), t);
        cheap["metadata"]["annotations"] = json!({POD_DELETION_COST: "-5"});
        let plain = pod("plain", "n1", "Running", Some(t), t);
        let mut crashy = pod("crashy", "n1", "Running", Some(t), t);
        crashy["status"]["containerStatuses"] = json!([{"restartCount": 4}]);
        let order = pods_to_delete(&[plain.clone(), crashy.clone(), cheap.clone()], &[], 2, NOW);
        assert_eq!(names(&order), vec!["cheap", "crashy"]);
    }

    #[test]
    fn status_counts_ready_available_and_fully_labeled_pods() {
        let set = json!({
            "metadata": {"name": "web", "namespace": "default", "generation": 2},
            "spec": {"replicas": 3, "minReadySeconds": 30, "template": {"metadata": {"labels": {"app": "web", "tier": "fe"}}}},
        });
        let mut a = pod(
            "a",
            "n1",
            "Running",
            Some("2026-01-01T00:00:00Z"),
            "2026-01-01T00:00:00Z",
        );
        a["metadata"]["labels"] = json!({"app": "web", "tier": "fe"});
        let mut b = pod(
            "b",
            "n1",
            "Running",
            Some("2026-01-01T00:59:50Z"),
            "2026-01-01T00:00:00Z",
        );
        b["metadata"]["labels"] = json!({"app": "web"});
        let status = calculate_status(&set, &[a, b], Some(0), None, NOW);
        assert_eq!(
            status,
            json!({"replicas": 2, "fullyLabeledReplicas": 1, "readyReplicas": 2, "availableReplicas": 1, "observedGeneration": 2, "terminatingReplicas": 0})
        );
        let failed = calculate_status(&set, &[], None, Some("pods \"web-x\" is forbidden: quota"), NOW);
        assert_eq!(failed["conditions"][0]["reason"], "FailedCreate");
        assert_eq!(failed["replicas"], 0);
    }

    #[test]
    fn pods_from_a_template_carry_a_controller_reference_and_generate_name() {
        let set = json!({
            "metadata": {"name": "web-5d78c9b7c4", "namespace": "prod", "uid": "u-1"},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}},
        });
        let pod = pod_from_template(&set, Flavor::ReplicaSet);
        assert_eq!(pod["metadata"]["generateName"], "web-5d78c9b7c4-");
        assert_eq!(pod["metadata"]["namespace"], "prod");
        assert_eq!(
            pod["metadata"]["ownerReferences"],
            json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d78c9b7c4", "uid": "u-1", "controller": true, "blockOwnerDeletion": true}])
        );
        assert_eq!(pod["spec"]["containers"][0]["image"], "nginx");
    }
}
