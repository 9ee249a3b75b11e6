//! The StatefulSet controller (pkg/controller/statefulset): stable pod names `<set>-<n>`,
//! PVCs from volumeClaimTemplates (`<template>-<set>-<n>`), ControllerRevisions named
//! `<set>-<hash>` with the `controller-revision-hash` pod label, OrderedReady (one pod at a
//! time, each Running and Ready before the next; scale-down from the highest ordinal) and
//! Parallel pod management, RollingUpdate with partition (highest ordinal first) and OnDelete.
//!
//! Approximations: the revision hash is FNV-32 over canonical JSON (not Go's encoding), so
//! its letters differ from a real cluster's; maxUnavailable is 1; no PVC retention policy.

use crate::history::{self, hash_revision, revision_data};
use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use client::{ChangeKind, Component, EventRecorder, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sim::{Duration, RngStreams, SimTime};

pub use crate::history::REVISION_LABEL;
pub const POD_NAME_LABEL: &str = "statefulset.kubernetes.io/pod-name";
pub const POD_INDEX_LABEL: &str = "apps.kubernetes.io/pod-index";
const COMPONENT: &str = "statefulset-controller";

/// The ordinal of a pod named `<set>-<n>`.
pub fn ordinal(set_name: &str, pod_name: &str) -> Option<i64> {
    let rest = pod_name.strip_prefix(set_name)?.strip_prefix('-')?;
    if rest.is_empty() || (rest.len() > 1 && rest.starts_with('0')) || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    rest.parse().ok()
}

fn claim_name(template: &Value, set: &Value, ord: i64) -> String {
    format!("{}-{}-{ord}", meta_str(template, "name"), meta_str(set, "name"))
}

fn claim_templates(set: &Value) -> Vec<Value> {
    set.pointer("/spec/volumeClaimTemplates")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `newVersionedStatefulSetPod` for the template of `template_set` at `revision`.
pub fn new_pod(set: &Value, template_set: &Value, ord: i64, revision: &str) -> Value {
    let set_name = meta_str(set, "name");
    let name = format!("{set_name}-{ord}");
    let template = template_set
        .pointer("/spec/template")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut lbls = string_map(template.pointer("/metadata/labels"));
    lbls.insert(POD_NAME_LABEL.into(), name.clone());
    lbls.insert(POD_INDEX_LABEL.into(), ord.to_string());
    lbls.insert(REVISION_LABEL.into(), revision.to_string());
    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    meta.insert("generateName".into(), json!(format!("{set_name}-")));
    meta.insert("namespace".into(), json!(meta_str(set, "namespace")));
    meta.insert("labels".into(), json!(lbls));
    if let Some(a) = template.pointer("/metadata/annotations") {
        meta.insert("annotations".into(), a.clone());
    }
    meta.insert(
        "ownerReferences".into(),
        json!([new_controller_ref(set, "apps/v1", "StatefulSet")]),
    );
    let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
    set_field(&mut spec, "hostname", json!(name));
    let service = str_at(set, "/spec/serviceName");
    if !service.is_empty() {
        set_field(&mut spec, "subdomain", json!(service));
    }
    // updateStorage: each claim template becomes a volume backed by the pod's own claim.
    let mut volumes: Vec<Value> = spec
        .get("volumes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for t in claim_templates(set) {
        let vname = meta_str(&t, "name").to_string();
        volumes.retain(|v| str_at(v, "/name") != vname);
        volumes.push(json!({"name": vname, "persistentVolumeClaim": {"claimName": claim_name(&t, set, ord)}}));
    }
    if !volumes.is_empty() {
        set_field(&mut spec, "volumes", Value::Array(volumes));
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})
}

fn running_and_ready(pod: &Value, min_ready: i64, now: SimTime) -> bool {
    pod_phase(pod) == "Running" && is_pod_available(pod, min_ready, now)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatefulSetController {
    sets: Informer,
    pods: Informer,
    revisions: Informer,
    claims: Informer,
    queue: WorkQueue<Key>,
    recorder: EventRecorder,
}

pub fn statefulset_controller() -> StatefulSetController {
    StatefulSetController {
        sets: Informer::new(ResourcePath::new("apps", "v1", "statefulsets")),
        pods: Informer::new(ResourcePath::core("pods")),
        revisions: Informer::new(ResourcePath::new("apps", "v1", "controllerrevisions")),
        claims: Informer::new(ResourcePath::core("persistentvolumeclaims")),
        queue: WorkQueue::default(),
        recorder: EventRecorder::new(),
    }
}

impl StatefulSetController {
    fn owner_key(&self, obj: &Value) -> Option<Key> {
        let r = controller_ref(obj)?;
        if r.get("kind").and_then(Value::as_str) != Some("StatefulSet") {
            return None;
        }
        let set = self
            .sets
            .get(meta_str(obj, "namespace"), r.get("name").and_then(Value::as_str)?)?;
        (meta_str(set, "uid") == r.get("uid").and_then(Value::as_str).unwrap_or("")).then(|| key_of(set))
    }

    fn event(&mut self, api: &mut dyn ApiClient, now: SimTime, set: &Value, type_: &str, reason: &str, msg: &str) {
        let _ = self.recorder.record(api, now, set, type_, reason, msg, COMPONENT, "");
    }

    /// The update revision (created when new) and the revision history.
    fn sync_revisions(&mut self, api: &mut dyn ApiClient, set: &Value) -> Result<(String, i64), ApiError> {
        let ns = meta_str(set, "namespace");
        let data = revision_data(set);
        let owned = history::owned(&self.revisions, set);
        if let Some(r) = owned.iter().find(|r| r.get("data") == Some(&data)) {
            return Ok((meta_str(r, "name").to_string(), int_at(r, "/revision")));
        }
        let next = history::next_revision(&owned);
        let hash = hash_revision(&data, int_opt(set, "/status/collisionCount"));
        let rev = history::new_revision(set, "StatefulSet", &hash, data, next);
        let name = meta_str(&rev, "name").to_string();
        match api.request(ApiRequest::post(
            object_path("apps/v1", "controllerrevisions", ns, ""),
            rev,
        )) {
            Ok(_) => Ok((name, next)),
            Err(e) if e.code() == 409 => {
                let existing = api.request(ApiRequest::get(object_path(
                    "apps/v1",
                    "controllerrevisions",
                    ns,
                    &name,
                )))?;
                if existing.get("data") == Some(&revision_data(set)) {
                    // An equal old revision comes back as the newest one.
                    let mut bumped = existing.clone();
                    set_field(&mut bumped, "revision", json!(next));
                    api.request(ApiRequest::put(
                        object_path("apps/v1", "controllerrevisions", ns, &name),
                        bumped,
                    ))?;
                    Ok((name, next))
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    fn create_pod(&mut self, api: &mut dyn ApiClient, now: SimTime, set: &Value, pod: Value) -> Result<(), ApiError> {
        let ns = meta_str(set, "namespace").to_string();
        let set_name = meta_str(set, "name").to_string();
        let pod_name = meta_str(&pod, "name").to_string();
        let ord = ordinal(&set_name, &pod_name).unwrap_or(0);
        for t in claim_templates(set) {
            let cname = claim_name(&t, set, ord);
            if self.claims.get(&ns, &cname).is_some() {
                continue;
            }
            let mut claim = t.clone();
            let mut cl = string_map(t.pointer("/metadata/labels"));
            cl.extend(string_map(set.pointer("/spec/selector/matchLabels")));
            let mut meta = Map::new();
            meta.insert("name".into(), json!(cname));
            meta.insert("namespace".into(), json!(ns));
            if !cl.is_empty() {
                meta.insert("labels".into(), json!(cl));
            }
            if let Some(a) = t.pointer("/metadata/annotations") {
                meta.insert("annotations".into(), a.clone());
            }
            set_field(&mut claim, "metadata", Value::Object(meta));
            set_field(&mut claim, "apiVersion", json!("v1"));
            set_field(&mut claim, "kind", json!("PersistentVolumeClaim"));
            if let Some(o) = claim.as_object_mut() {
                o.remove("status");
            }
            match api.request(ApiRequest::post(
                object_path("v1", "persistentvolumeclaims", &ns, ""),
                claim,
            )) {
                Ok(_) => {
                    let msg = format!("create Claim {cname} Pod {pod_name} in StatefulSet {set_name} success");
                    self.event(api, now, set, "Normal", "SuccessfulCreate", &msg);
                }
                Err(e) if e.code() == 409 => {}
                Err(e) => {
                    let msg = format!(
                        "create Claim {cname} for Pod {pod_name} in StatefulSet {set_name} failed error: {}",
                        e.message()
                    );
                    self.event(api, now, set, "Warning", "FailedCreate", &msg);
                    return Err(e);
                }
            }
        }
        match api.request(ApiRequest::post(object_path("v1", "pods", &ns, ""), pod)) {
            Ok(_) => {
                let msg = format!("create Pod {pod_name} in StatefulSet {set_name} successful");
                self.event(api, now, set, "Normal", "SuccessfulCreate", &msg);
                Ok(())
            }
            Err(e) if e.code() == 409 => Ok(()),
            Err(e) => {
                let msg = format!(
                    "create Pod {pod_name} in StatefulSet {set_name} failed error: {}",
                    e.message()
                );
                self.event(api, now, set, "Warning", "FailedCreate", &msg);
                Err(e)
            }
        }
    }

    fn delete_pod(&mut self, api: &mut dyn ApiClient, now: SimTime, set: &Value, pod: &Value) -> Result<(), ApiError> {
        let (ns, name) = key_of(pod);
        match api.request(ApiRequest::delete(object_path("v1", "pods", &ns, &name))) {
            Ok(_) => {
                let msg = format!("delete Pod {name} in StatefulSet {} successful", meta_str(set, "name"));
                self.event(api, now, set, "Normal", "SuccessfulDelete", &msg);
                Ok(())
            }
            Err(e) if e.code() == 404 => Ok(()),
            Err(e) => {
                let msg = format!(
                    "delete Pod {name} in StatefulSet {} failed error: {}",
                    meta_str(set, "name"),
                    e.message()
                );
                self.event(api, now, set, "Warning", "FailedDelete", &msg);
                Err(e)
            }
        }
    }

    fn sync(&mut self, api: &mut dyn ApiClient, now: SimTime, key: &Key) -> Result<(), ApiError> {
        let Some(set) = self.sets.get(&key.0, &key.1).cloned() else {
            return Ok(());
        };
        let Some(selector) = set
            .pointer("/spec/selector")
            .and_then(|s| Selector::from_label_selector(s).ok())
            .filter(|s| !s.is_empty())
        else {
            return Ok(());
        };
        let set_name = meta_str(&set, "name").to_string();
        let uid = meta_str(&set, "uid").to_string();
        // Claim: adopt orphans with our name pattern and selector; ignore others.
        let mut pods: Vec<Value> = Vec::new();
        for p in self.pods.list_namespace(&key.0) {
            let mine = controller_uid(p) == uid;
            if mine && selector.matches(&labels(p)) && ordinal(&set_name, meta_str(p, "name")).is_some() {
                pods.push(p.clone());
            }
        }
        if is_being_deleted(&set) {
            return Ok(());
        }
        let (update_revision, _) = self.sync_revisions(api, &set)?;
        let current_revision = match str_at(&set, "/status/currentRevision") {
            "" => update_revision.clone(),
            r => r.to_string(),
        };
        let current_set = self
            .revisions
            .get(&key.0, &current_revision)
            .and_then(|r| r.pointer("/data/spec/template").cloned())
            .map(|mut t| {
                if let Some(o) = t.as_object_mut() {
                    o.remove("$patch");
                }
                json!({"spec": {"template": t}})
            })
            .unwrap_or_else(|| set.clone());
        let replicas = int_opt(&set, "/spec/replicas").unwrap_or(1);
        let min_ready = int_at(&set, "/spec/minReadySeconds");
        let parallel = str_at(&set, "/spec/podManagementPolicy") == "Parallel";
        let on_delete = str_at(&set, "/spec/updateStrategy/type") == "OnDelete";
        let partition = int_at(&set, "/spec/updateStrategy/rollingUpdate/partition");
        let by_ord = |ord: i64| {
            pods.iter()
                .find(|p| ordinal(&set_name, meta_str(p, "name")) == Some(ord))
                .cloned()
        };

        // Replicas in order; condemned pods (ordinal ≥ replicas) from the highest.
        let mut blocked = false;
        for ord in 0..replicas {
            match by_ord(ord) {
                None => {
                    let use_current = !on_delete && ord < partition && current_revision != update_revision;
                    let (tmpl, rev) = if use_current {
                        (&current_set, &current_revision)
                    } else {
                        (&set, &update_revision)
                    };
                    let pod = new_pod(&set, tmpl, ord, rev);
                    self.create_pod(api, now, &set, pod)?;
                    if !parallel {
                        blocked = true;
                        break;
                    }
                }
                Some(p) => {
                    let phase = pod_phase(&p);
                    if (phase == "Failed" || phase == "Succeeded") && !is_being_deleted(&p) {
                        self.delete_pod(api, now, &set, &p)?;
                        if !parallel {
                            blocked = true;
                            break;
                        }
                        continue;
                    }
                    if !parallel && (is_being_deleted(&p) || !running_and_ready(&p, min_ready, now)) {
                        blocked = true;
                        break;
                    }
                }
            }
        }
        if !blocked {
            let mut condemned: Vec<&Value> = pods
                .iter()
                .filter(|p| ordinal(&set_name, meta_str(p, "name")).is_some_and(|o| o >= replicas))
                .collect();
            condemned.sort_by_key(|p| std::cmp::Reverse(ordinal(&set_name, meta_str(p, "name")).unwrap_or(0)));
            for p in condemned {
                if is_being_deleted(p) {
                    if !parallel {
                        blocked = true;
                        break;
                    }
                    continue;
                }
                let p = p.clone();
                self.delete_pod(api, now, &set, &p)?;
                if !parallel {
                    blocked = true;
                    break;
                }
            }
        }
        // RollingUpdate: replace the highest-ordinal outdated pod at or above the partition,
        // once every pod there is healthy (maxUnavailable 1).
        if !blocked && !on_delete {
            let mut candidates: Vec<Value> = (partition.max(0)..replicas).rev().filter_map(by_ord).collect();
            let healthy = candidates
                .iter()
                .all(|p| !is_being_deleted(p) && running_and_ready(p, min_ready, now));
            if healthy {
                candidates.retain(|p| labels(p).get(REVISION_LABEL) != Some(&update_revision));
                if let Some(p) = candidates.first().cloned() {
                    self.delete_pod(api, now, &set, &p)?;
                }
            }
        }
        self.update_status(api, now, &set, &pods, &current_revision, &update_revision)
    }

    fn update_status(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        set: &Value,
        pods: &[Value],
        current_revision: &str,
        update_revision: &str,
    ) -> Result<(), ApiError> {
        let min_ready = int_at(set, "/spec/minReadySeconds");
        let replicas = int_opt(set, "/spec/replicas").unwrap_or(1);
        let live: Vec<&Value> = pods.iter().filter(|p| !is_being_deleted(p)).collect();
        let count = |f: &dyn Fn(&Value) -> bool| live.iter().filter(|p| f(p)).count() as i64;
        let ready = count(&|p| pod_phase(p) == "Running" && is_pod_ready(p));
        let available = count(&|p| running_and_ready(p, min_ready, now));
        let mut current = count(&|p| labels(p).get(REVISION_LABEL).map(String::as_str) == Some(current_revision));
        let updated = count(&|p| labels(p).get(REVISION_LABEL).map(String::as_str) == Some(update_revision));
        let mut current_rev = current_revision.to_string();
        // completeRollingUpdate.
        if updated == replicas && ready == replicas && live.len() as i64 == replicas {
            current = updated;
            current_rev = update_revision.to_string();
        }
        let mut status = Map::new();
        status.insert("observedGeneration".into(), json!(int_at(set, "/metadata/generation")));
        status.insert("replicas".into(), json!(live.len()));
        for (k, v) in [
            ("readyReplicas", ready),
            ("currentReplicas", current),
            ("updatedReplicas", updated),
        ] {
            if v != 0 {
                status.insert(k.into(), json!(v));
            }
        }
        status.insert("currentRevision".into(), json!(current_rev));
        status.insert("updateRevision".into(), json!(update_revision));
        status.insert("collisionCount".into(), json!(int_at(set, "/status/collisionCount")));
        status.insert("availableReplicas".into(), json!(available));
        let status = Value::Object(status);
        if set.get("status") == Some(&status) {
            return Ok(());
        }
        let mut body = set.clone();
        set_field(&mut body, "status", status);
        let (ns, name) = key_of(set);
        api.request(ApiRequest::put(
            format!("{}/status", object_path("apps/v1", "statefulsets", &ns, &name)),
            body,
        ))?;
        // Come back when a pod becomes available after minReadySeconds.
        if min_ready > 0 && ready != available {
            self.queue
                .add_after(key_of(set), now.add(Duration::from_secs(min_ready)));
        }
        Ok(())
    }
}

impl Component for StatefulSetController {
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
        let Ok(changes) = self.claims.sync(api) else {
            return retry;
        };
        did_work |= !changes.is_empty();
        // Pods are only followed while there is a StatefulSet (the watch resumes later).
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

    #[test]
    fn ordinals_parse_only_canonical_numbers() {
        assert_eq!(ordinal("web", "web-0"), Some(0));
        assert_eq!(ordinal("web", "web-12"), Some(12));
        assert_eq!(ordinal("web", "web-01"), None);
        assert_eq!(ordinal("web", "web-x"), None);
        assert_eq!(ordinal("web", "webby-1"), None);
        assert_eq!(ordinal("web", "web-"), None);
    }

    #[test]
    fn pods_get_identity_labels_and_their_own_claims() {
        let set = json!({
            "metadata": {"name": "web", "namespace": "default", "uid": "u"},
            "spec": {"serviceName": "nginx",
                     "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx"}]}},
                     "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]},
        });
        let pod = new_pod(&set, &set, 2, "web-5d8f9c6b7");
        assert_eq!(pod["metadata"]["name"], "web-2");
        assert_eq!(pod["metadata"]["generateName"], "web-");
        assert_eq!(
            pod["metadata"]["labels"],
            json!({"app": "nginx", POD_NAME_LABEL: "web-2", POD_INDEX_LABEL: "2", REVISION_LABEL: "web-5d8f9c6b7"})
        );
        assert_eq!(pod["spec"]["hostname"], "web-2");
        assert_eq!(pod["spec"]["subdomain"], "nginx");
        assert_eq!(
            pod["spec"]["volumes"],
            json!([{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-2"}}])
        );
    }
}
