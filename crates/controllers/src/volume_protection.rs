//! The `pvc-protection` and `pv-protection` controllers (pkg/controller/volume/pvcprotection,
//! pvprotection): a claim being deleted keeps its `kubernetes.io/pvc-protection` finalizer
//! while a scheduled pod names it; a volume being deleted keeps `kubernetes.io/pv-protection`
//! while it is Bound. Objects created without the finalizer (the admission plugin adds it)
//! get it.

use crate::util::*;
use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use client::{ChangeKind, Component, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};

pub const PVC_PROTECTION_FINALIZER: &str = "kubernetes.io/pvc-protection";
pub const PV_PROTECTION_FINALIZER: &str = "kubernetes.io/pv-protection";

/// Adds or removes `finalizer` with a merge patch of the whole list (guarded by the
/// resourceVersion, as upstream's Update is).
fn set_finalizer(
    api: &mut dyn ApiClient,
    path: String,
    obj: &Value,
    finalizer: &str,
    present: bool,
) -> Result<(), ApiError> {
    let mut list = finalizers(obj);
    list.retain(|f| f != finalizer);
    if present {
        list.push(finalizer.to_string());
    }
    let patch = json!({"metadata": {"finalizers": list, "resourceVersion": meta_str(obj, "resourceVersion")}});
    match api.request(ApiRequest::patch(path, PatchType::Merge, patch)) {
        Ok(_) => Ok(()),
        Err(e) if e.code() == 404 => Ok(()),
        Err(e) => Err(e),
    }
}

/// podUsesPVC: a scheduled pod with a persistentVolumeClaim volume naming the claim.
fn pod_uses_claim(pod: &Value, claim: &str) -> bool {
    !str_at(pod, "/spec/nodeName").is_empty()
        && pod
            .pointer("/spec/volumes")
            .and_then(Value::as_array)
            .is_some_and(|vs| {
                vs.iter()
                    .any(|v| str_at(v, "/persistentVolumeClaim/claimName") == claim)
            })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PvcProtectionController {
    claims: Informer,
    pods: Informer,
    queue: WorkQueue<Key>,
}

pub fn pvc_protection_controller() -> PvcProtectionController {
    PvcProtectionController {
        claims: Informer::new(ResourcePath::core("persistentvolumeclaims")),
        pods: Informer::new(ResourcePath::core("pods")),
        queue: WorkQueue::default(),
    }
}

impl PvcProtectionController {
    fn sync(&mut self, api: &mut dyn ApiClient, key: &Key) -> Result<(), ApiError> {
        let Some(claim) = self.claims.get(&key.0, &key.1).cloned() else {
            return Ok(());
        };
        let has = finalizers(&claim).iter().any(|f| f == PVC_PROTECTION_FINALIZER);
        let path = object_path("v1", "persistentvolumeclaims", &key.0, &key.1);
        if is_being_deleted(&claim) {
            if has && !self.pods.list_namespace(&key.0).any(|p| pod_uses_claim(p, &key.1)) {
                return set_finalizer(api, path, &claim, PVC_PROTECTION_FINALIZER, false);
            }
            return Ok(());
        }
        if !has {
            return set_finalizer(api, path, &claim, PVC_PROTECTION_FINALIZER, true);
        }
        Ok(())
    }
}

impl Component for PvcProtectionController {
    fn name(&self) -> &'static str {
        "pvc-protection-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.claims.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            if c.kind != ChangeKind::Deleted {
                self.queue.add(c.key());
            }
        }
        // Pods only matter while a claim is being deleted (the watch resumes later).
        let deleting = self.claims.list().any(is_being_deleted);
        if deleting {
            let Ok(changes) = self.pods.sync(api) else { return retry };
            for c in changes {
                did_work = true;
                // A pod that goes away (or changes) may release the claims it named.
                if c.kind == ChangeKind::Deleted || c.old.is_some() {
                    let ns = meta_str(&c.object, "namespace").to_string();
                    let names: Vec<String> = c
                        .object
                        .pointer("/spec/volumes")
                        .and_then(Value::as_array)
                        .map(|vs| {
                            vs.iter()
                                .map(|v| str_at(v, "/persistentVolumeClaim/claimName").to_string())
                                .filter(|n| !n.is_empty())
                                .collect()
                        })
                        .unwrap_or_default();
                    for n in names {
                        self.queue.add((ns.clone(), n));
                    }
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

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PvProtectionController {
    volumes: Informer,
    queue: WorkQueue<String>,
}

pub fn pv_protection_controller() -> PvProtectionController {
    PvProtectionController {
        volumes: Informer::new(ResourcePath::core("persistentvolumes")),
        queue: WorkQueue::default(),
    }
}

impl PvProtectionController {
    fn sync(&mut self, api: &mut dyn ApiClient, name: &str) -> Result<(), ApiError> {
        let Some(pv) = self.volumes.get("", name).cloned() else {
            return Ok(());
        };
        let has = finalizers(&pv).iter().any(|f| f == PV_PROTECTION_FINALIZER);
        let path = object_path("v1", "persistentvolumes", "", name);
        if is_being_deleted(&pv) {
            // isBeingUsed: a Bound volume is in use.
            if has && str_at(&pv, "/status/phase") != "Bound" {
                return set_finalizer(api, path, &pv, PV_PROTECTION_FINALIZER, false);
            }
            return Ok(());
        }
        if !has {
            return set_finalizer(api, path, &pv, PV_PROTECTION_FINALIZER, true);
        }
        Ok(())
    }
}

impl Component for PvProtectionController {
    fn name(&self) -> &'static str {
        "pv-protection-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.volumes.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            if c.kind != ChangeKind::Deleted {
                self.queue.add(meta_str(&c.object, "name").to_string());
            }
        }
        while let Some(name) = self.queue.pop_ready(now) {
            did_work = true;
            match self.sync(api, &name) {
                Ok(()) => self.queue.forget(&name),
                Err(_) => self.queue.add_rate_limited(name, now),
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
    fn only_scheduled_pods_naming_the_claim_use_it() {
        let pod = |node: &str, claim: &str| json!({"spec": {"nodeName": node, "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim}}]}});
        assert!(pod_uses_claim(&pod("node01", "data"), "data"));
        assert!(!pod_uses_claim(&pod("", "data"), "data"));
        assert!(!pod_uses_claim(&pod("node01", "other"), "data"));
    }
}
