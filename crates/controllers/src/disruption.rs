//! The disruption controller (pkg/controller/disruption): PodDisruptionBudget status —
//! expectedPods from the pods' controllers' scale (or the pod count for `minAvailable` as a
//! number), desiredHealthy from minAvailable / maxUnavailable (percentages rounded up),
//! currentHealthy from ready pods, disruptionsAllowed, the DisruptionAllowed condition, and
//! disruptedPods entries dropped once the pod is gone or 2 minutes have passed.

use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use client::{Component, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::BTreeMap;

/// `DeletionTimeout`: how long an eviction's entry in disruptedPods is honoured.
const DELETION_TIMEOUT_SECS: i64 = 120;

/// intstr percentages rounded up (`GetScaledValueFromIntOrPercent(…, true)`).
fn scaled_up(v: &Value, total: i64) -> Option<i64> {
    crate::deployment::scaled_value(Some(v), total, true)
}

/// (expectedCount, desiredHealthy) for a PDB spec, given the pods' controllers' total scale
/// (`expected_scale`) and the number of matching pods.
pub fn desired(spec: &Value, expected_scale: i64, pods: i64) -> (i64, i64) {
    if let Some(mu) = spec.get("maxUnavailable") {
        let unavailable = scaled_up(mu, expected_scale).unwrap_or(0);
        return (expected_scale, (expected_scale - unavailable).max(0));
    }
    match spec.get("minAvailable") {
        Some(Value::Number(n)) => (pods, n.as_i64().unwrap_or(0)),
        Some(v @ Value::String(_)) => (expected_scale, scaled_up(v, expected_scale).unwrap_or(0)),
        _ => (pods, 0),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DisruptionController {
    pdbs: Informer,
    pods: Informer,
    replica_sets: Informer,
    deployments: Informer,
    stateful_sets: Informer,
    rcs: Informer,
    queue: WorkQueue<Key>,
}

pub fn disruption_controller() -> DisruptionController {
    DisruptionController {
        pdbs: Informer::new(ResourcePath::new("policy", "v1", "poddisruptionbudgets")),
        pods: Informer::new(ResourcePath::core("pods")),
        replica_sets: Informer::new(ResourcePath::new("apps", "v1", "replicasets")),
        deployments: Informer::new(ResourcePath::new("apps", "v1", "deployments")),
        stateful_sets: Informer::new(ResourcePath::new("apps", "v1", "statefulsets")),
        rcs: Informer::new(ResourcePath::core("replicationcontrollers")),
        queue: WorkQueue::default(),
    }
}

impl DisruptionController {
    /// The scale of the pod's top controller: (controller uid, replicas).
    fn controller_scale(&self, pod: &Value) -> Option<(String, i64)> {
        let r = controller_ref(pod)?;
        let ns = meta_str(pod, "namespace");
        let name = r.get("name").and_then(Value::as_str)?;
        let uid = r.get("uid").and_then(Value::as_str)?;
        let by_uid = |inf: &Informer| inf.get(ns, name).filter(|o| meta_str(o, "uid") == uid).cloned();
        match r.get("kind").and_then(Value::as_str)? {
            "ReplicaSet" => {
                let rs = by_uid(&self.replica_sets)?;
                // A Deployment's ReplicaSet counts with the Deployment's scale.
                if let Some(dr) =
                    controller_ref(&rs).filter(|d| d.get("kind").and_then(Value::as_str) == Some("Deployment"))
                {
                    let d = self.deployments.get(ns, dr.get("name").and_then(Value::as_str)?)?;
                    return Some((
                        meta_str(d, "uid").to_string(),
                        int_opt(d, "/spec/replicas").unwrap_or(1),
                    ));
                }
                Some((uid.to_string(), int_opt(&rs, "/spec/replicas").unwrap_or(1)))
            }
            "StatefulSet" => {
                by_uid(&self.stateful_sets).map(|s| (uid.to_string(), int_opt(&s, "/spec/replicas").unwrap_or(1)))
            }
            "ReplicationController" => {
                by_uid(&self.rcs).map(|s| (uid.to_string(), int_opt(&s, "/spec/replicas").unwrap_or(1)))
            }
            _ => None,
        }
    }

    fn sync(&mut self, api: &mut dyn ApiClient, now: SimTime, key: &Key) -> Result<Option<SimTime>, ApiError> {
        let Some(pdb) = self.pdbs.get(&key.0, &key.1).cloned() else {
            return Ok(None);
        };
        let selector = pdb
            .pointer("/spec/selector")
            .and_then(|s| Selector::from_label_selector(s).ok())
            .unwrap_or_else(Selector::nothing);
        let pods: Vec<&Value> = self
            .pods
            .by_label_selector(Some(&key.0), &selector)
            .filter(|p| !is_being_deleted(p))
            .collect();
        let mut scales: BTreeMap<String, i64> = BTreeMap::new();
        for p in &pods {
            if let Some((uid, n)) = self.controller_scale(p) {
                scales.insert(uid, n);
            }
        }
        let expected_scale: i64 = scales.values().sum();
        let spec = pdb.get("spec").cloned().unwrap_or_else(|| json!({}));
        let (expected, desired_healthy) = desired(&spec, expected_scale, pods.len() as i64);
        // Pods evicted recently still count as disrupted (not healthy).
        let mut disrupted: Map<String, Value> = pdb
            .pointer("/status/disruptedPods")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut wake = None;
        disrupted.retain(|name, t| {
            let alive = pods.iter().any(|p| meta_str(p, "name") == name);
            let until = t
                .as_str()
                .and_then(apimachinery::time::parse_rfc3339)
                .map(|s| s + DELETION_TIMEOUT_SECS);
            let keep = alive && until.is_some_and(|u| u * 1000 > now.unix_millis());
            if keep {
                wake = crate::earliest(wake, until.map(SimTime::from_unix_secs));
            }
            keep
        });
        let healthy = pods
            .iter()
            .filter(|p| is_pod_ready(p) && !disrupted.contains_key(meta_str(p, "name")))
            .count() as i64;
        let allowed = (healthy - desired_healthy).max(0);
        let old_cond = pdb
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().find(|c| str_at(c, "/type") == "DisruptionAllowed"))
            .cloned();
        let (cstatus, reason) = if allowed > 0 {
            ("True", "SufficientPods")
        } else {
            ("False", "InsufficientPods")
        };
        let transition = match &old_cond {
            Some(c) if str_at(c, "/status") == cstatus => {
                c.get("lastTransitionTime").cloned().unwrap_or(json!(rfc3339(now)))
            }
            _ => json!(rfc3339(now)),
        };
        let generation = int_at(&pdb, "/metadata/generation");
        let cond = json!({"type": "DisruptionAllowed", "status": cstatus, "reason": reason, "message": "",
                          "lastTransitionTime": transition, "observedGeneration": generation});
        let mut status = Map::new();
        status.insert("observedGeneration".into(), json!(generation));
        if !disrupted.is_empty() {
            status.insert("disruptedPods".into(), Value::Object(disrupted));
        }
        status.insert("disruptionsAllowed".into(), json!(allowed));
        status.insert("currentHealthy".into(), json!(healthy));
        status.insert("desiredHealthy".into(), json!(desired_healthy));
        status.insert("expectedPods".into(), json!(expected));
        status.insert("conditions".into(), json!([cond]));
        let status = Value::Object(status);
        if pdb.get("status") != Some(&status) {
            let mut body = pdb.clone();
            set_field(&mut body, "status", status);
            let path = format!(
                "{}/status",
                object_path("policy/v1", "poddisruptionbudgets", &key.0, &key.1)
            );
            api.request(ApiRequest::put(path, body))?;
        }
        Ok(wake)
    }
}

impl Component for DisruptionController {
    fn name(&self) -> &'static str {
        "disruption-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.pdbs.sync(api) else { return retry };
        for c in changes {
            did_work = true;
            self.queue.add(c.key());
        }
        let mut namespaces: Vec<String> = Vec::new();
        // Pods and their controllers only matter while there is a budget (watches resume later).
        let followed = if self.pdbs.is_empty() { 0 } else { 5 };
        for inf in [
            &mut self.pods,
            &mut self.replica_sets,
            &mut self.deployments,
            &mut self.stateful_sets,
            &mut self.rcs,
        ]
        .into_iter()
        .take(followed)
        {
            let Ok(changes) = inf.sync(api) else { return retry };
            for c in changes {
                did_work = true;
                namespaces.push(c.key().0);
            }
        }
        namespaces.sort();
        namespaces.dedup();
        for ns in namespaces {
            let keys: Vec<Key> = self.pdbs.list_namespace(&ns).map(key_of).collect();
            for k in keys {
                self.queue.add(k);
            }
        }
        while let Some(key) = self.queue.pop_ready(now) {
            did_work = true;
            match self.sync(api, now, &key) {
                Ok(wake) => {
                    self.queue.forget(&key);
                    if let Some(at) = wake {
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

    #[test]
    fn desired_healthy_follows_min_available_or_max_unavailable() {
        assert_eq!(desired(&json!({"minAvailable": 2}), 3, 3), (3, 2));
        assert_eq!(desired(&json!({"minAvailable": "50%"}), 3, 3), (3, 2));
        assert_eq!(desired(&json!({"maxUnavailable": 1}), 3, 3), (3, 2));
        assert_eq!(desired(&json!({"maxUnavailable": "50%"}), 5, 5), (5, 2));
        assert_eq!(desired(&json!({}), 0, 4), (4, 0));
    }
}
