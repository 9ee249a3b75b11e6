//! The Deployment controller (pkg/controller/deployment): new and old ReplicaSets named by
//! the pod-template-hash, RollingUpdate (maxSurge / maxUnavailable) and Recreate, revision
//! annotations, revisionHistoryLimit cleanup, pause, proportional scaling, and the
//! Progressing / Available conditions with the progress deadline.
//!
//! Rollback is `kubectl rollout undo` copying an old template into the Deployment; the
//! controller then finds that ReplicaSet again and gives it a new revision (the old one goes
//! to `revision-history`).
//!
//! The pod-template-hash is FNV-32a like upstream's, but over the template's canonical JSON
//! (sorted keys) rather than Go's spew dump, so the hash letters differ from a real cluster's
//! for the same template; its form (SafeEncodeString of the decimal Sum32) is upstream's.

use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use client::{ChangeKind, Component, EventRecorder, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
const ROLLBACK_TO: &str = "deprecated.deployment.rollback.to";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";
/// `maxRevHistoryLengthInChars`.
const MAX_REV_HISTORY_LENGTH: usize = 2000;
const MAX_INT32: i64 = 2_147_483_647;
const COMPONENT: &str = "deployment-controller";

/// The alphabet of `rand.SafeEncodeString`.
const SAFE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `rand.SafeEncodeString`.
pub fn safe_encode_string(s: &str) -> String {
    s.bytes()
        .map(|b| {
            char::from(
                SAFE_ALPHABET
                    .get(usize::from(b) % SAFE_ALPHABET.len())
                    .copied()
                    .unwrap_or(b'x'),
            )
        })
        .collect()
}

/// FNV-32a.
pub fn fnv32a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// `controller.ComputeHash` (over canonical JSON, see the module comment).
pub fn compute_hash(template: &Value, collision_count: Option<i64>) -> String {
    let mut bytes = serde_json::to_vec(template).unwrap_or_default();
    if let Some(c) = collision_count {
        let mut extra = [0u8; 8];
        extra[..4].copy_from_slice(&(c as u32).to_le_bytes());
        bytes.extend_from_slice(&extra);
    }
    safe_encode_string(&fnv32a(&bytes).to_string())
}

/// `intstr.GetScaledValueFromIntOrPercent`.
pub fn scaled_value(v: Option<&Value>, total: i64, round_up: bool) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => {
            let p: i64 = s.strip_suffix('%')?.parse().ok()?;
            let prod = p.saturating_mul(total);
            Some(if round_up {
                (prod + 99).div_euclid(100)
            } else {
                prod.div_euclid(100)
            })
        }
        _ => None,
    }
}

/// `ResolveFenceposts`: (maxSurge, maxUnavailable), surge rounded up, unavailable down, and
/// 1 unavailable when both are 0.
pub fn resolve_fenceposts(max_surge: Option<&Value>, max_unavailable: Option<&Value>, desired: i64) -> (i64, i64) {
    let surge = scaled_value(max_surge, desired, true).unwrap_or(0);
    let mut unavailable = scaled_value(max_unavailable, desired, false).unwrap_or(0);
    if surge == 0 && unavailable == 0 {
        unavailable = 1;
    }
    (surge, unavailable)
}

fn replicas(obj: &Value) -> i64 {
    int_opt(obj, "/spec/replicas").unwrap_or(1)
}

fn is_rolling_update(d: &Value) -> bool {
    str_at(d, "/spec/strategy/type") != "Recreate"
}

fn fenceposts(d: &Value) -> (i64, i64) {
    resolve_fenceposts(
        d.pointer("/spec/strategy/rollingUpdate/maxSurge"),
        d.pointer("/spec/strategy/rollingUpdate/maxUnavailable"),
        replicas(d),
    )
}

/// `MaxSurge`.
pub fn max_surge(d: &Value) -> i64 {
    if !is_rolling_update(d) {
        return 0;
    }
    fenceposts(d).0
}

/// `MaxUnavailable`.
pub fn max_unavailable(d: &Value) -> i64 {
    let r = replicas(d);
    if !is_rolling_update(d) || r == 0 {
        return 0;
    }
    fenceposts(d).1.min(r)
}

fn has_progress_deadline(d: &Value) -> bool {
    int_opt(d, "/spec/progressDeadlineSeconds").is_some_and(|s| s != MAX_INT32)
}

fn sum(rss: &[&Value], pointer: &str) -> i64 {
    rss.iter().map(|rs| int_at(rs, pointer)).sum()
}

fn spec_replicas(rs: &Value) -> i64 {
    int_opt(rs, "/spec/replicas").unwrap_or(1)
}

fn spec_sum(rss: &[&Value]) -> i64 {
    rss.iter().map(|rs| spec_replicas(rs)).sum()
}

/// `deploymentutil.Revision` (0 when absent or malformed).
pub fn revision(rs: &Value) -> i64 {
    annotation(rs, REVISION).and_then(|r| r.parse().ok()).unwrap_or(0)
}

/// The template without the pod-template-hash label (`EqualIgnoreHash`).
fn template_ignoring_hash(template: Option<&Value>) -> Value {
    let mut t = template.cloned().unwrap_or(Value::Null);
    if let Some(l) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        l.remove(POD_TEMPLATE_HASH);
        if l.is_empty() {
            if let Some(m) = t.pointer_mut("/metadata").and_then(Value::as_object_mut) {
                m.remove("labels");
            }
        }
    }
    t
}

pub fn equal_ignore_hash(a: Option<&Value>, b: Option<&Value>) -> bool {
    template_ignoring_hash(a) == template_ignoring_hash(b)
}

/// Oldest first, ties by name (`ReplicaSetsByCreationTimestamp`).
fn by_creation(a: &Value, b: &Value) -> Ordering {
    creation_secs(a)
        .cmp(&creation_secs(b))
        .then_with(|| meta_str(a, "name").cmp(meta_str(b, "name")))
}

/// `SetReplicasAnnotations`; returns whether anything changed.
fn set_replicas_annotations(rs: &mut Value, desired: i64, max: i64) -> bool {
    let a = set_annotation(rs, DESIRED_REPLICAS, &desired.to_string());
    let b = set_annotation(rs, MAX_REPLICAS, &max.to_string());
    a || b
}

fn skip_copy_annotation(key: &str) -> bool {
    [
        LAST_APPLIED,
        REVISION,
        REVISION_HISTORY,
        DESIRED_REPLICAS,
        MAX_REPLICAS,
        ROLLBACK_TO,
    ]
    .contains(&key)
}

/// `SetNewReplicaSetAnnotations`: copies the Deployment's annotations, sets the revision
/// (keeping the old one in revision-history when a ReplicaSet comes back), and for a new
/// ReplicaSet the replica annotations. Returns whether anything changed.
pub fn set_new_replica_set_annotations(d: &Value, rs: &mut Value, new_revision: i64, exists: bool) -> bool {
    let mut changed = false;
    for (k, v) in annotations(d) {
        if skip_copy_annotation(&k) {
            continue;
        }
        changed |= set_annotation(rs, &k, &v);
    }
    let old_revision = annotation(rs, REVISION).map(str::to_string);
    let old_revision_int = old_revision.as_deref().and_then(|r| r.parse::<i64>().ok()).unwrap_or(0);
    if old_revision_int < new_revision {
        changed |= set_annotation(rs, REVISION, &new_revision.to_string());
        if let Some(old) = old_revision.filter(|o| !o.is_empty()) {
            let history = annotation(rs, REVISION_HISTORY).unwrap_or("").to_string();
            if history.is_empty() {
                set_annotation(rs, REVISION_HISTORY, &old);
            } else {
                let mut parts: Vec<&str> = history.split(',').collect();
                let mut total = history.len() + old.len() + 1;
                let mut start = 0;
                while total > MAX_REV_HISTORY_LENGTH && start < parts.len() {
                    total -= parts.get(start).map(|p| p.len()).unwrap_or(0) + 1;
                    start += 1;
                }
                if total <= MAX_REV_HISTORY_LENGTH {
                    parts = parts.split_off(start.min(parts.len()));
                    parts.push(&old);
                    let joined = parts.join(",");
                    set_annotation(rs, REVISION_HISTORY, &joined);
                }
            }
        }
    }
    if !exists {
        let r = replicas(d);
        changed |= set_replicas_annotations(rs, r, r + max_surge(d));
    }
    changed
}

/// `NewRSNewReplicas`: how many replicas the new ReplicaSet may have now.
pub fn new_rs_new_replicas(d: &Value, all: &[&Value], new_rs: &Value) -> i64 {
    let desired = replicas(d);
    if !is_rolling_update(d) {
        return desired;
    }
    let current = spec_sum(all);
    let max_total = desired + max_surge(d);
    if current >= max_total {
        return spec_replicas(new_rs);
    }
    let scale_up = (max_total - current).min(desired - spec_replicas(new_rs));
    spec_replicas(new_rs) + scale_up
}

/// `getReplicaSetFraction`.
fn replica_set_fraction(rs: &Value, d: &Value) -> i64 {
    if replicas(d) == 0 {
        return -spec_replicas(rs);
    }
    let deployment_replicas = replicas(d) + max_surge(d);
    let annotated = annotation(rs, MAX_REPLICAS)
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or_else(|| int_at(d, "/status/replicas"));
    if annotated == 0 {
        return 0;
    }
    let size = (spec_replicas(rs) * deployment_replicas) as f64 / annotated as f64;
    size.round() as i64 - spec_replicas(rs)
}

/// `GetProportion`.
pub fn proportion(rs: &Value, d: &Value, to_add: i64, added: i64) -> i64 {
    if spec_replicas(rs) == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = replica_set_fraction(rs, d);
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

/// A DeploymentCondition as `NewDeploymentCondition` makes it.
fn condition(type_: &str, status: &str, reason: &str, message: &str, now: SimTime) -> Value {
    let t = rfc3339(now);
    json!({"type": type_, "status": status, "lastUpdateTime": t, "lastTransitionTime": t, "reason": reason, "message": message})
}

fn get_condition<'a>(status: &'a Value, type_: &str) -> Option<&'a Value> {
    status
        .get("conditions")?
        .as_array()?
        .iter()
        .find(|c| str_at(c, "/type") == type_)
}

/// `SetDeploymentCondition`: no-op when status and reason are unchanged; keeps the
/// transition time when only the reason changes; the updated condition moves last.
pub fn set_condition(status: &mut Value, mut cond: Value) {
    let type_ = str_at(&cond, "/type").to_string();
    if let Some(cur) = get_condition(status, &type_) {
        if str_at(cur, "/status") == str_at(&cond, "/status") && str_at(cur, "/reason") == str_at(&cond, "/reason") {
            return;
        }
        if str_at(cur, "/status") == str_at(&cond, "/status") {
            if let Some(t) = cur.get("lastTransitionTime").cloned() {
                set_field(&mut cond, "lastTransitionTime", t);
            }
        }
    }
    let mut conds: Vec<Value> = status
        .get("conditions")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter(|c| str_at(c, "/type") != type_).cloned().collect())
        .unwrap_or_default();
    conds.push(cond);
    set_field(status, "conditions", Value::Array(conds));
}

fn remove_condition(status: &mut Value, type_: &str) {
    if let Some(a) = status.get_mut("conditions").and_then(Value::as_array_mut) {
        a.retain(|c| str_at(c, "/type") != type_);
        if a.is_empty() {
            if let Some(m) = status.as_object_mut() {
                m.remove("conditions");
            }
        }
    }
}

/// `calculateStatus` (Go omitempty: zero counts are left out).
pub fn calculate_status(all: &[&Value], new_rs: Option<&Value>, d: &Value, now: SimTime) -> Value {
    let available = sum(all, "/status/availableReplicas");
    let total = spec_sum(all);
    let unavailable = (total - available).max(0);
    let mut status = serde_json::Map::new();
    let fields = [
        ("observedGeneration", int_at(d, "/metadata/generation")),
        ("replicas", sum(all, "/status/replicas")),
        (
            "updatedReplicas",
            new_rs.map(|rs| int_at(rs, "/status/replicas")).unwrap_or(0),
        ),
        ("readyReplicas", sum(all, "/status/readyReplicas")),
        ("availableReplicas", available),
        ("unavailableReplicas", unavailable),
    ];
    for (k, v) in fields {
        if v != 0 {
            status.insert(k.into(), json!(v));
        }
    }
    // GetTerminatingReplicaCountForReplicaSets: only when every ReplicaSet reports it.
    if all.iter().all(|rs| rs.pointer("/status/terminatingReplicas").is_some()) {
        status.insert(
            "terminatingReplicas".into(),
            json!(sum(all, "/status/terminatingReplicas")),
        );
    }
    if let Some(c) = d.pointer("/status/collisionCount") {
        status.insert("collisionCount".into(), c.clone());
    }
    if let Some(c) = d
        .pointer("/status/conditions")
        .filter(|c| c.as_array().is_some_and(|a| !a.is_empty()))
    {
        status.insert("conditions".into(), c.clone());
    }
    let mut status = Value::Object(status);
    if available >= replicas(d) - max_unavailable(d) {
        set_condition(
            &mut status,
            condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
                now,
            ),
        );
    } else {
        set_condition(
            &mut status,
            condition(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
                now,
            ),
        );
    }
    status
}

fn status_int(status: &Value, field: &str) -> i64 {
    status.get(field).and_then(Value::as_i64).unwrap_or(0)
}

/// `DeploymentComplete`.
pub fn deployment_complete(d: &Value, status: &Value) -> bool {
    let r = replicas(d);
    status_int(status, "updatedReplicas") == r
        && status_int(status, "replicas") == r
        && status_int(status, "availableReplicas") == r
        && status_int(status, "observedGeneration") >= int_at(d, "/metadata/generation")
}

/// `DeploymentProgressing`.
pub fn deployment_progressing(d: &Value, new: &Value) -> bool {
    let old = d.get("status").cloned().unwrap_or(Value::Null);
    let old_old = status_int(&old, "replicas") - status_int(&old, "updatedReplicas");
    let new_old = status_int(new, "replicas") - status_int(new, "updatedReplicas");
    status_int(new, "updatedReplicas") > status_int(&old, "updatedReplicas")
        || new_old < old_old
        || status_int(new, "readyReplicas") > status_int(&old, "readyReplicas")
        || status_int(new, "availableReplicas") > status_int(&old, "availableReplicas")
}

/// `DeploymentTimedOut`.
pub fn deployment_timed_out(d: &Value, status: &Value, now: SimTime) -> bool {
    if !has_progress_deadline(d) {
        return false;
    }
    let Some(cond) = get_condition(status, "Progressing") else {
        return false;
    };
    match str_at(cond, "/reason") {
        "NewReplicaSetAvailable" => false,
        "ProgressDeadlineExceeded" => true,
        _ => {
            let from = time_at(cond, "/lastUpdateTime").unwrap_or(0);
            let deadline = int_at(d, "/spec/progressDeadlineSeconds");
            from.saturating_add(deadline).saturating_mul(1000) < now.unix_millis()
        }
    }
}

/// One sync's view: the Deployment and its ReplicaSets, updated in place as writes land.
struct Sync<'a> {
    api: &'a mut dyn ApiClient,
    recorder: &'a mut EventRecorder,
    now: SimTime,
    d: Value,
    rss: Vec<Value>,
    new_idx: Option<usize>,
    /// Pods of the Deployment's ReplicaSets by ReplicaSet uid (for Recreate).
    pods_by_rs: BTreeMap<String, Vec<Value>>,
    requeue_at: Option<SimTime>,
}

impl Sync<'_> {
    fn event(&mut self, type_: &str, reason: &str, message: &str) {
        let d = self.d.clone();
        let _ = self
            .recorder
            .record(self.api, self.now, &d, type_, reason, message, COMPONENT, "");
    }

    fn ns(&self) -> String {
        meta_str(&self.d, "namespace").to_string()
    }

    fn old_idx(&self) -> Vec<usize> {
        (0..self.rss.len()).filter(|i| Some(*i) != self.new_idx).collect()
    }

    fn refs(&self, idx: &[usize]) -> Vec<&Value> {
        idx.iter().filter_map(|i| self.rss.get(*i)).collect()
    }

    fn all_idx(&self) -> Vec<usize> {
        let mut v = self.old_idx();
        if let Some(n) = self.new_idx {
            v.push(n);
        }
        v
    }

    fn new_rs(&self) -> Option<&Value> {
        self.new_idx.and_then(|i| self.rss.get(i))
    }

    fn update_status(&mut self, status: Value) -> Result<(), ApiError> {
        let mut body = self.d.clone();
        set_field(&mut body, "status", status);
        let (ns, name) = key_of(&self.d);
        let path = format!("{}/status", object_path("apps/v1", "deployments", &ns, &name));
        self.d = self.api.request(ApiRequest::put(path, body))?;
        Ok(())
    }

    fn update_rs(&mut self, i: usize, rs: Value) -> Result<(), ApiError> {
        let (ns, name) = key_of(&rs);
        let stored = self
            .api
            .request(ApiRequest::put(object_path("apps/v1", "replicasets", &ns, &name), rs))?;
        if let Some(slot) = self.rss.get_mut(i) {
            *slot = stored;
        }
        Ok(())
    }

    fn find_new(&self) -> Option<usize> {
        let template = self.d.pointer("/spec/template");
        let mut idx: Vec<usize> = (0..self.rss.len()).collect();
        idx.sort_by(|a, b| by_creation(&self.rss[*a], &self.rss[*b]));
        idx.into_iter().find(|i| {
            self.rss
                .get(*i)
                .is_some_and(|rs| equal_ignore_hash(rs.pointer("/spec/template"), template))
        })
    }

    /// `getAllReplicaSetsAndSyncRevision` / `getNewReplicaSet`.
    fn sync_revision(&mut self, create: bool) -> Result<(), ApiError> {
        self.new_idx = self.find_new();
        let max_old = self
            .old_idx()
            .iter()
            .filter_map(|i| self.rss.get(*i))
            .map(revision)
            .max()
            .unwrap_or(0);
        let new_revision = max_old + 1;
        if let Some(i) = self.new_idx {
            let mut rs = self.rss[i].clone();
            let changed = set_new_replica_set_annotations(&self.d, &mut rs, new_revision, true);
            let min_ready = int_at(&self.d, "/spec/minReadySeconds");
            if changed || int_at(&rs, "/spec/minReadySeconds") != min_ready {
                if let Some(spec) = rs.get_mut("spec") {
                    set_field(spec, "minReadySeconds", json!(min_ready));
                }
                return self.update_rs(i, rs);
            }
            // The revision annotation goes with the status (no new generation).
            let rs_revision = annotation(&rs, REVISION).unwrap_or("").to_string();
            let mut needs_update = set_annotation(&mut self.d, REVISION, &rs_revision);
            let mut status = self.d.get("status").cloned().unwrap_or_else(|| json!({}));
            if has_progress_deadline(&self.d) && get_condition(&status, "Progressing").is_none() {
                let msg = format!("Found new replica set \"{}\"", meta_str(&rs, "name"));
                set_condition(
                    &mut status,
                    condition("Progressing", "True", "FoundNewReplicaSet", &msg, self.now),
                );
                needs_update = true;
            }
            if needs_update {
                self.update_status(status)?;
            }
            return Ok(());
        }
        if !create {
            return Ok(());
        }
        self.create_new_rs(new_revision)
    }

    fn create_new_rs(&mut self, new_revision: i64) -> Result<(), ApiError> {
        let template = self.d.pointer("/spec/template").cloned().unwrap_or_else(|| json!({}));
        let collision = int_opt(&self.d, "/status/collisionCount");
        let hash = compute_hash(&template, collision);
        let mut rs_template = template.clone();
        let mut tlabels = string_map(template.pointer("/metadata/labels"));
        tlabels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
        if let Some(o) = rs_template.as_object_mut() {
            let meta = o.entry("metadata").or_insert_with(|| json!({}));
            set_field(meta, "labels", json!(tlabels));
        }
        let mut selector = self.d.pointer("/spec/selector").cloned().unwrap_or_else(|| json!({}));
        let mut match_labels = string_map(selector.get("matchLabels"));
        match_labels.insert(POD_TEMPLATE_HASH.into(), hash.clone());
        set_field(&mut selector, "matchLabels", json!(match_labels));
        let name = format!("{}-{hash}", meta_str(&self.d, "name"));
        let ns = self.ns();
        let mut rs = json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": ns,
                "labels": tlabels,
                "ownerReferences": [new_controller_ref(&self.d, "apps/v1", "Deployment")],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": int_at(&self.d, "/spec/minReadySeconds"),
                "selector": selector,
                "template": rs_template,
            },
        });
        let count = {
            let mut all = self.refs(&self.old_idx());
            all.push(&rs);
            new_rs_new_replicas(&self.d, &all, &rs)
        };
        if let Some(spec) = rs.get_mut("spec") {
            set_field(spec, "replicas", json!(count));
        }
        set_new_replica_set_annotations(&self.d, &mut rs, new_revision, false);
        let mut already_exists = false;
        let created = match self
            .api
            .request(ApiRequest::post(object_path("apps/v1", "replicasets", &ns, ""), rs))
        {
            Ok(c) => c,
            Err(e) if e.code() == 409 => {
                let existing = self
                    .api
                    .request(ApiRequest::get(object_path("apps/v1", "replicasets", &ns, &name)))?;
                if controller_uid(&existing) == meta_str(&self.d, "uid")
                    && equal_ignore_hash(existing.pointer("/spec/template"), self.d.pointer("/spec/template"))
                {
                    already_exists = true;
                    existing
                } else {
                    // A hash collision: bump collisionCount so the next sync picks another name.
                    let mut status = self.d.get("status").cloned().unwrap_or_else(|| json!({}));
                    set_field(
                        &mut status,
                        "collisionCount",
                        json!(collision.unwrap_or(0).saturating_add(1)),
                    );
                    let _ = self.update_status(status);
                    return Err(e);
                }
            }
            Err(e) if e.code() == 403 && e.message().contains("being terminated") => return Err(e),
            Err(e) => {
                let msg = format!("Failed to create new replica set \"{name}\": {}", e.message());
                if has_progress_deadline(&self.d) {
                    let mut status = self.d.get("status").cloned().unwrap_or_else(|| json!({}));
                    set_condition(
                        &mut status,
                        condition("Progressing", "False", "ReplicaSetCreateError", &msg, self.now),
                    );
                    let _ = self.update_status(status);
                }
                self.event("Warning", "ReplicaSetCreateError", &msg);
                return Err(e);
            }
        };
        if !already_exists && count > 0 {
            let msg = format!("Scaled up replica set {} from 0 to {count}", meta_str(&created, "name"));
            self.event("Normal", "ScalingReplicaSet", &msg);
        }
        let created_name = meta_str(&created, "name").to_string();
        self.rss.push(created);
        self.new_idx = Some(self.rss.len() - 1);
        let mut needs_update = set_annotation(&mut self.d, REVISION, &new_revision.to_string());
        let mut status = self.d.get("status").cloned().unwrap_or_else(|| json!({}));
        if !already_exists && has_progress_deadline(&self.d) {
            let msg = format!("Created new replica set \"{created_name}\"");
            set_condition(
                &mut status,
                condition("Progressing", "True", "NewReplicaSetCreated", &msg, self.now),
            );
            needs_update = true;
        }
        if needs_update {
            self.update_status(status)?;
        }
        Ok(())
    }

    /// `scaleReplicaSet`.
    fn scale_rs(&mut self, i: usize, new_scale: i64) -> Result<bool, ApiError> {
        let Some(rs) = self.rss.get(i).cloned() else {
            return Ok(false);
        };
        let old_scale = spec_replicas(&rs);
        let desired = replicas(&self.d);
        let max = desired + max_surge(&self.d);
        let size_changes = old_scale != new_scale;
        let annotations_change = annotation(&rs, DESIRED_REPLICAS) != Some(desired.to_string().as_str())
            || annotation(&rs, MAX_REPLICAS) != Some(max.to_string().as_str());
        if !size_changes && !annotations_change {
            return Ok(false);
        }
        let mut copy = rs.clone();
        if let Some(spec) = copy.get_mut("spec") {
            set_field(spec, "replicas", json!(new_scale));
        }
        set_replicas_annotations(&mut copy, desired, max);
        self.update_rs(i, copy)?;
        if size_changes {
            let op = if old_scale < new_scale { "up" } else { "down" };
            let msg = format!(
                "Scaled {op} replica set {} from {old_scale} to {new_scale}",
                meta_str(&rs, "name")
            );
            self.event("Normal", "ScalingReplicaSet", &msg);
        }
        Ok(size_changes)
    }

    /// `scaleReplicaSetAndRecordEvent`.
    fn scale_rs_and_record(&mut self, i: usize, new_scale: i64) -> Result<bool, ApiError> {
        if self.rss.get(i).map(spec_replicas) == Some(new_scale) {
            return Ok(false);
        }
        self.scale_rs(i, new_scale)
    }

    fn active(&self, idx: &[usize]) -> Vec<usize> {
        idx.iter()
            .copied()
            .filter(|i| self.rss.get(*i).is_some_and(|rs| spec_replicas(rs) > 0))
            .collect()
    }

    /// `scale`: proportional scaling when the Deployment's size changes mid-rollout.
    fn scale(&mut self) -> Result<(), ApiError> {
        let desired = replicas(&self.d);
        // FindActiveOrLatest.
        let mut olds = self.old_idx();
        olds.sort_by(|a, b| by_creation(&self.rss[*a], &self.rss[*b]));
        let active = self.active(&self.all_idx());
        let active_or_latest = match active.len() {
            0 => self.new_idx.or_else(|| olds.last().copied()),
            1 => active.first().copied(),
            _ => None,
        };
        if let Some(i) = active_or_latest {
            if self.rss.get(i).map(spec_replicas) != Some(desired) {
                self.scale_rs_and_record(i, desired)?;
            }
            return Ok(());
        }
        // IsSaturated: the new ReplicaSet is complete, old ones go to zero.
        if let Some(n) = self.new_rs() {
            let saturated = spec_replicas(n) == desired
                && annotation(n, DESIRED_REPLICAS).and_then(|v| v.parse::<i64>().ok()) == Some(desired)
                && int_at(n, "/status/availableReplicas") == desired;
            if saturated {
                for i in self.active(&olds) {
                    self.scale_rs_and_record(i, 0)?;
                }
                return Ok(());
            }
        }
        if !is_rolling_update(&self.d) {
            return Ok(());
        }
        let mut all = active;
        let current = spec_sum(&self.refs(&all));
        let allowed = if desired > 0 { desired + max_surge(&self.d) } else { 0 };
        let to_add = allowed - current;
        let op_up = to_add > 0;
        // BySizeNewer (up) / BySizeOlder (down): larger first, then newer / older first.
        all.sort_by(|a, b| {
            let (ra, rb) = (&self.rss[*a], &self.rss[*b]);
            spec_replicas(rb).cmp(&spec_replicas(ra)).then_with(|| {
                if op_up {
                    by_creation(rb, ra)
                } else {
                    by_creation(ra, rb)
                }
            })
        });
        let mut added = 0;
        let mut sizes: Vec<(usize, i64)> = Vec::new();
        for i in &all {
            let rs = &self.rss[*i];
            if to_add != 0 {
                let p = proportion(rs, &self.d, to_add, added);
                sizes.push((*i, spec_replicas(rs) + p));
                added += p;
            } else {
                sizes.push((*i, spec_replicas(rs)));
            }
        }
        for (pos, (i, size)) in sizes.into_iter().enumerate() {
            let mut size = size;
            if pos == 0 && to_add != 0 {
                size = (size + to_add - added).max(0);
            }
            self.scale_rs(i, size)?;
        }
        Ok(())
    }

    /// `cleanupDeployment`: delete old, empty ReplicaSets beyond revisionHistoryLimit.
    fn cleanup(&mut self) -> Result<(), ApiError> {
        let Some(limit) = int_opt(&self.d, "/spec/revisionHistoryLimit").filter(|l| *l != MAX_INT32) else {
            return Ok(());
        };
        let mut cleanable: Vec<usize> = self
            .old_idx()
            .into_iter()
            .filter(|i| self.rss.get(*i).is_some_and(|rs| !is_being_deleted(rs)))
            .collect();
        let diff = cleanable.len() as i64 - limit;
        if diff <= 0 {
            return Ok(());
        }
        cleanable.sort_by(|a, b| {
            let (ra, rb) = (&self.rss[*a], &self.rss[*b]);
            revision(ra).cmp(&revision(rb)).then_with(|| by_creation(ra, rb))
        });
        let ns = self.ns();
        for i in cleanable.into_iter().take(diff as usize) {
            let rs = &self.rss[i];
            if int_at(rs, "/status/replicas") != 0
                || spec_replicas(rs) != 0
                || int_at(rs, "/metadata/generation") > int_at(rs, "/status/observedGeneration")
                || is_being_deleted(rs)
            {
                continue;
            }
            let name = meta_str(rs, "name").to_string();
            match self
                .api
                .request(ApiRequest::delete(object_path("apps/v1", "replicasets", &ns, &name)))
            {
                Ok(_) => {}
                Err(e) if e.code() == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn all_refs(&self) -> Vec<&Value> {
        self.refs(&self.all_idx())
    }

    /// `syncDeploymentStatus`.
    fn sync_status(&mut self) -> Result<(), ApiError> {
        let status = calculate_status(&self.all_refs(), self.new_rs(), &self.d, self.now);
        if self.d.get("status") != Some(&status) {
            self.update_status(status)?;
        }
        Ok(())
    }

    /// `sync`: scaling and status (paused deployments, scaling events).
    fn sync_scale(&mut self) -> Result<(), ApiError> {
        self.sync_revision(false)?;
        self.scale()?;
        if bool_at(&self.d, "/spec/paused") {
            self.cleanup()?;
        }
        self.sync_status()
    }

    /// `isScalingEvent`.
    fn is_scaling_event(&mut self) -> Result<bool, ApiError> {
        self.sync_revision(false)?;
        let desired = replicas(&self.d);
        Ok(self
            .active(&self.all_idx())
            .iter()
            .filter_map(|i| self.rss.get(*i))
            .any(|rs| {
                annotation(rs, DESIRED_REPLICAS)
                    .and_then(|v| v.parse::<i64>().ok())
                    .is_some_and(|v| v != desired)
            }))
    }

    /// `checkPausedConditions`.
    fn check_paused_conditions(&mut self) -> Result<(), ApiError> {
        if !has_progress_deadline(&self.d) {
            return Ok(());
        }
        let status = self.d.get("status").cloned().unwrap_or_else(|| json!({}));
        let reason = get_condition(&status, "Progressing").map(|c| str_at(c, "/reason").to_string());
        if reason.as_deref() == Some("ProgressDeadlineExceeded") {
            return Ok(());
        }
        let paused_cond = reason.as_deref() == Some("DeploymentPaused");
        let paused = bool_at(&self.d, "/spec/paused");
        let mut status = status;
        if paused && !paused_cond {
            set_condition(
                &mut status,
                condition(
                    "Progressing",
                    "Unknown",
                    "DeploymentPaused",
                    "Deployment is paused",
                    self.now,
                ),
            );
        } else if !paused && paused_cond {
            set_condition(
                &mut status,
                condition(
                    "Progressing",
                    "Unknown",
                    "DeploymentResumed",
                    "Deployment is resumed",
                    self.now,
                ),
            );
        } else {
            return Ok(());
        }
        self.update_status(status)
    }

    /// `syncRolloutStatus`.
    fn sync_rollout_status(&mut self) -> Result<(), ApiError> {
        let mut status = calculate_status(&self.all_refs(), self.new_rs(), &self.d, self.now);
        if !has_progress_deadline(&self.d) {
            remove_condition(&mut status, "Progressing");
        }
        let d_status = self.d.get("status").cloned().unwrap_or_else(|| json!({}));
        let current = get_condition(&d_status, "Progressing").cloned();
        let complete_already = status_int(&status, "replicas") == status_int(&status, "updatedReplicas")
            && current
                .as_ref()
                .is_some_and(|c| str_at(c, "/reason") == "NewReplicaSetAvailable");
        let new_name = self.new_rs().map(|rs| meta_str(rs, "name").to_string());
        if has_progress_deadline(&self.d) && !complete_already {
            if deployment_complete(&self.d, &status) {
                let msg = match &new_name {
                    Some(n) => format!("ReplicaSet \"{n}\" has successfully progressed."),
                    None => format!(
                        "Deployment \"{}\" has successfully progressed.",
                        meta_str(&self.d, "name")
                    ),
                };
                set_condition(
                    &mut status,
                    condition("Progressing", "True", "NewReplicaSetAvailable", &msg, self.now),
                );
            } else if deployment_progressing(&self.d, &status) {
                let msg = match &new_name {
                    Some(n) => format!("ReplicaSet \"{n}\" is progressing."),
                    None => format!("Deployment \"{}\" is progressing.", meta_str(&self.d, "name")),
                };
                let mut cond = condition("Progressing", "True", "ReplicaSetUpdated", &msg, self.now);
                if let Some(cur) = &current {
                    if str_at(cur, "/status") == "True" {
                        if let Some(t) = cur.get("lastTransitionTime") {
                            set_field(&mut cond, "lastTransitionTime", t.clone());
                        }
                    }
                    remove_condition(&mut status, "Progressing");
                }
                set_condition(&mut status, cond);
            } else if deployment_timed_out(&self.d, &status, self.now) {
                let msg = match &new_name {
                    Some(n) => format!("ReplicaSet \"{n}\" has timed out progressing."),
                    None => format!(
                        "Deployment \"{}\" has timed out progressing.",
                        meta_str(&self.d, "name")
                    ),
                };
                set_condition(
                    &mut status,
                    condition("Progressing", "False", "ProgressDeadlineExceeded", &msg, self.now),
                );
            }
        }
        // ReplicaFailure mirrors the first failing ReplicaSet (the new one first).
        let failure = self
            .new_rs()
            .into_iter()
            .chain(self.refs(&self.old_idx()))
            .find_map(|rs| get_condition(rs.get("status").unwrap_or(&Value::Null), "ReplicaFailure").cloned());
        match failure {
            Some(f) if str_at(&f, "/status") == "True" => {
                let c = condition(
                    "ReplicaFailure",
                    "True",
                    str_at(&f, "/reason"),
                    str_at(&f, "/message"),
                    self.now,
                );
                set_condition(&mut status, c);
            }
            _ => remove_condition(&mut status, "ReplicaFailure"),
        }
        if self.d.get("status") == Some(&status) {
            self.requeue_stuck(&status);
            return Ok(());
        }
        self.update_status(status)
    }

    /// `requeueStuckDeployment`: come back when the progress deadline would pass.
    fn requeue_stuck(&mut self, status: &Value) {
        let d_status = self.d.get("status").cloned().unwrap_or(Value::Null);
        let Some(cur) = get_condition(&d_status, "Progressing") else {
            return;
        };
        if !has_progress_deadline(&self.d)
            || deployment_complete(&self.d, status)
            || str_at(cur, "/reason") == "ProgressDeadlineExceeded"
        {
            return;
        }
        let from = time_at(cur, "/lastUpdateTime").unwrap_or(0);
        let deadline = SimTime::from_unix_secs(from.saturating_add(int_at(&self.d, "/spec/progressDeadlineSeconds")));
        let after = deadline.since(self.now);
        self.requeue_at = Some(if after < Duration::from_secs(1) {
            self.now.add(Duration::from_secs(1))
        } else {
            deadline.add(Duration::from_secs(1))
        });
    }

    /// `rolloutRolling`.
    fn rollout_rolling(&mut self) -> Result<(), ApiError> {
        self.sync_revision(true)?;
        // reconcileNewReplicaSet.
        if let Some(n) = self.new_idx {
            let desired = replicas(&self.d);
            let current = self.rss.get(n).map(spec_replicas).unwrap_or(0);
            let scaled_up = if current == desired {
                false
            } else if current > desired {
                self.scale_rs_and_record(n, desired)?
            } else {
                let count = {
                    let all = self.all_refs();
                    new_rs_new_replicas(&self.d, &all, &self.rss[n])
                };
                self.scale_rs_and_record(n, count)?
            };
            if scaled_up {
                return self.sync_rollout_status();
            }
        }
        if self.reconcile_old_replica_sets()? {
            return self.sync_rollout_status();
        }
        let d_status = self.d.get("status").cloned().unwrap_or(Value::Null);
        if deployment_complete(&self.d, &d_status) {
            self.cleanup()?;
        }
        self.sync_rollout_status()
    }

    /// `reconcileOldReplicaSets`.
    fn reconcile_old_replica_sets(&mut self) -> Result<bool, ApiError> {
        let olds = self.active(&self.old_idx());
        let old_count = spec_sum(&self.refs(&olds));
        if old_count == 0 {
            return Ok(false);
        }
        let all_count = spec_sum(&self.all_refs());
        let min_available = replicas(&self.d) - max_unavailable(&self.d);
        let new_unavailable = self
            .new_rs()
            .map(|rs| spec_replicas(rs) - int_at(rs, "/status/availableReplicas"))
            .unwrap_or(0);
        let max_scaled_down = all_count - min_available - new_unavailable;
        if max_scaled_down <= 0 {
            return Ok(false);
        }
        // cleanupUnhealthyReplicas.
        let mut sorted = olds.clone();
        sorted.sort_by(|a, b| by_creation(&self.rss[*a], &self.rss[*b]));
        let mut cleaned = 0;
        for i in sorted.iter().copied() {
            if cleaned >= max_scaled_down {
                break;
            }
            let rs = &self.rss[i];
            let (spec, avail) = (spec_replicas(rs), int_at(rs, "/status/availableReplicas"));
            if spec == 0 || spec == avail {
                continue;
            }
            let down = (max_scaled_down - cleaned).min(spec - avail);
            self.scale_rs_and_record(i, spec - down)?;
            cleaned += down;
        }
        // scaleDownOldReplicaSetsForRollingUpdate.
        let available = sum(&self.all_refs(), "/status/availableReplicas");
        let mut scaled = 0;
        if available > min_available {
            let total = available - min_available;
            for i in sorted {
                if scaled >= total {
                    break;
                }
                let spec = self.rss.get(i).map(spec_replicas).unwrap_or(0);
                if spec == 0 {
                    continue;
                }
                let down = spec.min(total - scaled);
                self.scale_rs_and_record(i, spec - down)?;
                scaled += down;
            }
        }
        Ok(cleaned + scaled > 0)
    }

    /// `rolloutRecreate`.
    fn rollout_recreate(&mut self) -> Result<(), ApiError> {
        self.sync_revision(false)?;
        let olds = self.active(&self.old_idx());
        let mut scaled_down = false;
        for i in olds {
            scaled_down |= self.scale_rs_and_record(i, 0)?;
        }
        if scaled_down {
            return self.sync_rollout_status();
        }
        if self.old_pods_running() {
            return self.sync_rollout_status();
        }
        if self.new_idx.is_none() {
            self.sync_revision(true)?;
        }
        if let Some(n) = self.new_idx {
            let desired = replicas(&self.d);
            self.scale_rs_and_record(n, desired)?;
        }
        let d_status = self.d.get("status").cloned().unwrap_or(Value::Null);
        if deployment_complete(&self.d, &d_status) {
            self.cleanup()?;
        }
        self.sync_rollout_status()
    }

    /// `oldPodsRunning`.
    fn old_pods_running(&self) -> bool {
        if sum(&self.refs(&self.old_idx()), "/status/replicas") > 0 {
            return true;
        }
        let new_uid = self.new_rs().map(|rs| meta_str(rs, "uid")).unwrap_or("");
        self.pods_by_rs
            .iter()
            .filter(|(uid, _)| uid.as_str() != new_uid)
            .any(|(_, pods)| {
                pods.iter().any(|p| {
                    let phase = pod_phase(p);
                    phase != "Failed" && phase != "Succeeded"
                })
            })
    }
}

/// The controller.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeploymentController {
    deployments: Informer,
    replica_sets: Informer,
    pods: Informer,
    queue: WorkQueue<Key>,
    recorder: EventRecorder,
}

pub fn deployment_controller() -> DeploymentController {
    DeploymentController {
        deployments: Informer::new(ResourcePath::new("apps", "v1", "deployments")),
        replica_sets: Informer::new(ResourcePath::new("apps", "v1", "replicasets")),
        pods: Informer::new(ResourcePath::core("pods")),
        queue: WorkQueue::default(),
        recorder: EventRecorder::new(),
    }
}

fn selector_of(d: &Value) -> Option<Selector> {
    let s = Selector::from_label_selector(d.pointer("/spec/selector")?).ok()?;
    (!s.is_empty()).then_some(s)
}

impl DeploymentController {
    fn owner_of(&self, obj: &Value) -> Option<Key> {
        let r = controller_ref(obj)?;
        if r.get("kind").and_then(Value::as_str) != Some("Deployment") {
            return None;
        }
        let d = self
            .deployments
            .get(meta_str(obj, "namespace"), r.get("name").and_then(Value::as_str)?)?;
        (meta_str(d, "uid") == r.get("uid").and_then(Value::as_str).unwrap_or("")).then(|| key_of(d))
    }

    fn matching_deployments(&self, rs: &Value) -> Vec<Key> {
        let l = labels(rs);
        self.deployments
            .list_namespace(meta_str(rs, "namespace"))
            .filter(|d| selector_of(d).is_some_and(|s| s.matches(&l)))
            .map(key_of)
            .collect()
    }

    fn on_rs_change(&mut self, kind: ChangeKind, rs: &Value, old: Option<&Value>) {
        let mut keys = Vec::new();
        if let Some(k) = self.owner_of(rs) {
            keys.push(k);
        } else if kind != ChangeKind::Deleted {
            keys.extend(self.matching_deployments(rs));
        }
        if let Some(k) = old.and_then(|o| self.owner_of(o)) {
            keys.push(k);
        }
        for k in keys {
            self.queue.add(k);
        }
    }

    fn on_pod_deleted(&mut self, pod: &Value) {
        let ns = meta_str(pod, "namespace");
        let Some(r) = controller_ref(pod) else { return };
        let Some(rs) = r
            .get("name")
            .and_then(Value::as_str)
            .and_then(|n| self.replica_sets.get(ns, n))
        else {
            return;
        };
        if let Some(k) = self.owner_of(rs) {
            let recreate = self.deployments.get(&k.0, &k.1).is_some_and(|d| !is_rolling_update(d));
            if recreate {
                self.queue.add(k);
            }
        }
    }

    fn sync(&mut self, api: &mut dyn ApiClient, now: SimTime, key: &Key) -> Result<Option<SimTime>, ApiError> {
        let Some(d) = self.deployments.get(&key.0, &key.1).cloned() else {
            return Ok(None);
        };
        let Some(selector) = selector_of(&d) else {
            let msg = "This deployment is selecting all pods. A non-empty selector is required.";
            let _ = self
                .recorder
                .record(api, now, &d, "Warning", "SelectorOverride", msg, COMPONENT, "");
            return Ok(None);
        };
        let rss = self.claim_replica_sets(api, &d, &selector)?;
        let uids: BTreeSet<String> = rss.iter().map(|rs| meta_str(rs, "uid").to_string()).collect();
        let mut pods_by_rs: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        if !is_rolling_update(&d) {
            for p in self.pods.list_namespace(&key.0) {
                let owner = controller_uid(p);
                if uids.contains(owner) {
                    pods_by_rs.entry(owner.to_string()).or_default().push(p.clone());
                }
            }
        }
        let mut s = Sync {
            api,
            recorder: &mut self.recorder,
            now,
            d,
            rss,
            new_idx: None,
            pods_by_rs,
            requeue_at: None,
        };
        if is_being_deleted(&s.d) {
            s.sync_revision(false)?;
            s.sync_status()?;
            return Ok(None);
        }
        s.check_paused_conditions()?;
        if bool_at(&s.d, "/spec/paused") {
            s.sync_scale()?;
            return Ok(None);
        }
        if s.is_scaling_event()? {
            s.sync_scale()?;
            return Ok(None);
        }
        if is_rolling_update(&s.d) {
            s.rollout_rolling()?;
        } else {
            s.rollout_recreate()?;
        }
        Ok(s.requeue_at)
    }

    /// `ClaimReplicaSets`.
    fn claim_replica_sets(
        &self,
        api: &mut dyn ApiClient,
        d: &Value,
        selector: &Selector,
    ) -> Result<Vec<Value>, ApiError> {
        let uid = meta_str(d, "uid");
        let mut out = Vec::new();
        for rs in self.replica_sets.list_namespace(meta_str(d, "namespace")) {
            let matches = selector.matches(&labels(rs));
            let (ns, name) = key_of(rs);
            let path = object_path("apps/v1", "replicasets", &ns, &name);
            match controller_ref(rs) {
                Some(r) if r.get("uid").and_then(Value::as_str) == Some(uid) => {
                    if matches {
                        out.push(rs.clone());
                    } else if !is_being_deleted(d) {
                        let refs: Vec<Value> = owner_references(rs)
                            .iter()
                            .filter(|r| r.get("uid").and_then(Value::as_str) != Some(uid))
                            .cloned()
                            .collect();
                        let refs = if refs.is_empty() {
                            Value::Null
                        } else {
                            Value::Array(refs)
                        };
                        let patch = json!({"metadata": {"ownerReferences": refs, "uid": meta_str(rs, "uid")}});
                        match api.request(ApiRequest::patch(path, apimachinery::request::PatchType::Merge, patch)) {
                            Ok(_) => {}
                            Err(e) if e.code() == 404 => {}
                            Err(e) => return Err(e),
                        }
                    }
                }
                Some(_) => {}
                None => {
                    if !matches || is_being_deleted(d) || is_being_deleted(rs) {
                        continue;
                    }
                    let mut refs = owner_references(rs).to_vec();
                    refs.push(new_controller_ref(d, "apps/v1", "Deployment"));
                    let patch = json!({"metadata": {"ownerReferences": refs, "uid": meta_str(rs, "uid")}});
                    match api.request(ApiRequest::patch(path, apimachinery::request::PatchType::Merge, patch)) {
                        Ok(adopted) => out.push(adopted),
                        Err(e) if e.code() == 404 => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(out)
    }
}

impl Component for DeploymentController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.deployments.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            if c.kind != ChangeKind::Deleted {
                self.queue.add(c.key());
            }
        }
        let Ok(changes) = self.replica_sets.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            self.on_rs_change(c.kind, &c.object, c.old.as_ref());
        }
        // Pods only matter to Recreate deployments (the watch resumes when one appears).
        let changes = if self.deployments.list().any(|d| !is_rolling_update(d)) {
            let Ok(changes) = self.pods.sync(api) else { return retry };
            changes
        } else {
            Vec::new()
        };
        for c in changes {
            did_work = true;
            if c.kind == ChangeKind::Deleted {
                self.on_pod_deleted(&c.object);
            }
        }
        while let Some(key) = self.queue.pop_ready(now) {
            did_work = true;
            match self.sync(api, now, &key) {
                Ok(requeue) => {
                    self.queue.forget(&key);
                    if let Some(at) = requeue {
                        self.queue.add_after(key, at);
                    }
                }
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

    const NOW: SimTime = SimTime(1_767_225_600_000);

    fn deployment(replicas: i64, surge: Value, unavailable: Value) -> Value {
        json!({
            "metadata": {"name": "web", "namespace": "default", "generation": 1, "annotations": {"a": "b", REVISION: "4"}},
            "spec": {"replicas": replicas, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}},
        })
    }

    fn rs(name: &str, spec: i64, max_replicas: Option<i64>) -> Value {
        let mut rs = json!({"metadata": {"name": name, "annotations": {}}, "spec": {"replicas": spec}});
        if let Some(m) = max_replicas {
            set_annotation(&mut rs, MAX_REPLICAS, &m.to_string());
        }
        rs
    }

    #[test]
    fn safe_encoding_maps_digits_onto_the_name_alphabet() {
        assert_eq!(safe_encode_string("0123456789"), "456789bcdf");
        let h = compute_hash(
            &json!({"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}),
            None,
        );
        assert!(h.chars().all(|c| "456789bcdf".contains(c)), "{h}");
        assert_ne!(
            h,
            compute_hash(
                &json!({"spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}),
                Some(1)
            )
        );
        assert_eq!(fnv32a(b""), 0x811c9dc5);
        assert_eq!(fnv32a(b"a"), 0xe40c292c);
    }

    #[test]
    fn fenceposts_round_surge_up_and_unavailable_down() {
        let cases = [
            (json!("25%"), json!("25%"), 3, (1, 0)),
            (json!("25%"), json!("25%"), 10, (3, 2)),
            (json!(0), json!(0), 5, (0, 1)),
            (json!(2), json!("50%"), 5, (2, 2)),
            (json!("0%"), json!("0%"), 4, (0, 1)),
        ];
        for (surge, unavail, desired, want) in cases {
            assert_eq!(
                resolve_fenceposts(Some(&surge), Some(&unavail), desired),
                want,
                "{surge} {unavail} {desired}"
            );
        }
        let d = deployment(2, json!("25%"), json!("25%"));
        assert_eq!(max_unavailable(&d), 0);
        assert_eq!(max_surge(&d), 1);
        let mut recreate = d.clone();
        recreate["spec"]["strategy"] = json!({"type": "Recreate"});
        assert_eq!((max_surge(&recreate), max_unavailable(&recreate)), (0, 0));
    }

    #[test]
    fn the_new_replica_set_grows_within_max_surge() {
        let d = deployment(4, json!(1), json!(0));
        let old = rs("old", 4, None);
        let new = rs("new", 0, None);
        assert_eq!(new_rs_new_replicas(&d, &[&old, &new], &new), 1);
        let old = rs("old", 3, None);
        let new = rs("new", 1, None);
        assert_eq!(new_rs_new_replicas(&d, &[&old, &new], &new), 2);
        let old = rs("old", 4, None);
        let new = rs("new", 1, None);
        assert_eq!(new_rs_new_replicas(&d, &[&old, &new], &new), 1);
    }

    #[test]
    fn proportional_scaling_splits_by_the_max_replicas_annotation() {
        // 10 → 15 replicas mid-rollout (maxSurge 3): the two sets had 8 and 5 of 13.
        let d = deployment(15, json!(3), json!(2));
        assert_eq!(max_surge(&d), 3);
        let a = rs("a", 8, Some(13));
        let b = rs("b", 5, Some(13));
        let to_add = 15 + 3 - 13;
        let pa = proportion(&a, &d, to_add, 0);
        let pb = proportion(&b, &d, to_add, pa);
        // 8·18/13 = 11.08 → +3; 5·18/13 = 6.92 → +2.
        assert_eq!((pa, pb), (3, 2));
        assert_eq!(proportion(&rs("z", 0, Some(13)), &d, to_add, 0), 0);
    }

    #[test]
    fn revision_annotations_keep_history_when_a_replica_set_comes_back() {
        let d = deployment(3, json!("25%"), json!("25%"));
        let mut fresh = rs("web-1", 3, None);
        assert!(set_new_replica_set_annotations(&d, &mut fresh, 1, false));
        assert_eq!(annotations(&fresh).get(REVISION).map(String::as_str), Some("1"));
        assert_eq!(annotations(&fresh).get(DESIRED_REPLICAS).map(String::as_str), Some("3"));
        assert_eq!(annotations(&fresh).get(MAX_REPLICAS).map(String::as_str), Some("4"));
        assert_eq!(annotations(&fresh).get("a").map(String::as_str), Some("b"));
        // Rolled back to: revision 1 becomes 3 and remembers 1.
        assert!(set_new_replica_set_annotations(&d, &mut fresh, 3, true));
        assert_eq!(annotations(&fresh).get(REVISION).map(String::as_str), Some("3"));
        assert_eq!(annotations(&fresh).get(REVISION_HISTORY).map(String::as_str), Some("1"));
        assert!(set_new_replica_set_annotations(&d, &mut fresh, 5, true));
        assert_eq!(
            annotations(&fresh).get(REVISION_HISTORY).map(String::as_str),
            Some("1,3")
        );
        assert!(!set_new_replica_set_annotations(&d, &mut fresh, 5, true));
    }

    #[test]
    fn conditions_keep_transition_time_and_move_last_when_updated() {
        let mut status = json!({});
        set_condition(
            &mut status,
            condition("Progressing", "True", "NewReplicaSetCreated", "m1", NOW),
        );
        set_condition(
            &mut status,
            condition("Available", "False", "MinimumReplicasUnavailable", "m2", NOW),
        );
        let later = NOW.add(Duration::from_secs(30));
        set_condition(
            &mut status,
            condition("Progressing", "True", "ReplicaSetUpdated", "m3", later),
        );
        let conds = status["conditions"].as_array().unwrap();
        assert_eq!(conds[0]["type"], "Available");
        assert_eq!(conds[1]["reason"], "ReplicaSetUpdated");
        assert_eq!(conds[1]["lastTransitionTime"], "2026-01-01T00:00:00Z");
        assert_eq!(conds[1]["lastUpdateTime"], "2026-01-01T00:00:30Z");
        // Same status and reason: nothing changes, not even the message.
        set_condition(
            &mut status,
            condition("Progressing", "True", "ReplicaSetUpdated", "m4", later),
        );
        assert_eq!(status["conditions"][1]["message"], "m3");
    }

    #[test]
    fn status_reports_availability_against_max_unavailable() {
        let d = deployment(4, json!("25%"), json!("25%"));
        let mut a = rs("a", 4, None);
        a["status"] = json!({"replicas": 4, "readyReplicas": 3, "availableReplicas": 3});
        let s = calculate_status(&[&a], Some(&a), &d, NOW);
        assert_eq!(s["replicas"], 4);
        assert_eq!(s["updatedReplicas"], 4);
        assert_eq!(s["unavailableReplicas"], 1);
        assert_eq!(s["conditions"][0]["reason"], "MinimumReplicasAvailable");
        a["status"]["availableReplicas"] = json!(2);
        let s = calculate_status(&[&a], Some(&a), &d, NOW);
        assert_eq!(
            s["conditions"][0]["message"],
            "Deployment does not have minimum availability."
        );
    }

    #[test]
    fn a_rollout_times_out_after_the_progress_deadline() {
        let mut d = deployment(1, json!(1), json!(0));
        d["spec"]["progressDeadlineSeconds"] = json!(600);
        let status = json!({"conditions": [condition("Progressing", "True", "ReplicaSetUpdated", "x", NOW)]});
        assert!(!deployment_timed_out(&d, &status, NOW.add(Duration::from_secs(600))));
        assert!(deployment_timed_out(&d, &status, NOW.add(Duration::from_secs(601))));
    }
}
