//! The `persistentvolume-binder` controller (pkg/controller/volume/persistentvolume,
//! pv_controller.go): binds pending claims to PersistentVolumes — a volume pre-bound either
//! way, else the best match ([`client::volume::find_best_match`]) — and moves volumes through
//! Available → Bound → Released (→ deleted, or Failed when the deleter cannot remove them).
//! Claims it cannot bind stay Pending with upstream's events; there is no provisioner in the
//! cluster, so a claim that names a class waits for an external one (or fails to find it).
//!
//! As upstream, it keeps its own copies of volumes and claims, updated by the informers and
//! by its own writes, so a sync never acts on a version older than one it wrote; it resyncs
//! everything every 15 s (`--pvclaimbinder-sync-period`), which repeats the Pending events.

use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use client::volume::*;
use client::{ChangeKind, Component, EventRecorder, Informer, ResourcePath, StepResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::{BTreeMap, VecDeque};

const COMPONENT: &str = "persistentvolume-controller";
const SYNC_PERIOD: Duration = Duration::from_secs(15);

pub const ANN_BIND_COMPLETED: &str = "pv.kubernetes.io/bind-completed";
pub const ANN_BOUND_BY_CONTROLLER: &str = "pv.kubernetes.io/bound-by-controller";
const ANN_DYNAMICALLY_PROVISIONED: &str = "pv.kubernetes.io/provisioned-by";
const ANN_BETA_STORAGE_PROVISIONER: &str = "volume.beta.kubernetes.io/storage-provisioner";
const ANN_STORAGE_PROVISIONER: &str = "volume.kubernetes.io/storage-provisioner";
const ANN_SELECTED_NODE: &str = "volume.kubernetes.io/selected-node";
const ANN_DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
const ANN_BETA_DEFAULT_CLASS: &str = "storageclass.beta.kubernetes.io/is-default-class";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersistentVolumeController {
    volumes: Informer,
    claims: Informer,
    classes: Informer,
    /// Followed only while a class delays binding (to name the pods a claim waits for).
    pods: Informer,
    #[serde(skip)]
    volume_cache: BTreeMap<String, Value>,
    #[serde(skip)]
    claim_cache: BTreeMap<Key, Value>,
    claim_queue: VecDeque<Key>,
    volume_queue: VecDeque<String>,
    next_resync: Option<SimTime>,
    recorder: EventRecorder,
}

pub fn persistentvolume_binder_controller() -> PersistentVolumeController {
    PersistentVolumeController {
        volumes: Informer::new(ResourcePath::core("persistentvolumes")),
        claims: Informer::new(ResourcePath::core("persistentvolumeclaims")),
        classes: Informer::new(ResourcePath::new("storage.k8s.io", "v1", "storageclasses")),
        pods: Informer::new(ResourcePath::core("pods")),
        volume_cache: BTreeMap::new(),
        claim_cache: BTreeMap::new(),
        claim_queue: VecDeque::new(),
        volume_queue: VecDeque::new(),
        next_resync: None,
        recorder: EventRecorder::new(),
    }
}

fn rv(obj: &Value) -> i64 {
    meta_str(obj, "resourceVersion").parse().unwrap_or(0)
}

/// storeObjectUpdate: keep the newer of two versions (the same one passes).
fn store<K: Ord>(cache: &mut BTreeMap<K, Value>, key: K, obj: Value) {
    if cache.get(&key).is_none_or(|old| rv(old) <= rv(&obj)) {
        cache.insert(key, obj);
    }
}

fn enqueue<K: PartialEq>(queue: &mut VecDeque<K>, key: K) {
    if !queue.contains(&key) {
        queue.push_back(key);
    }
}

fn claim_ref_key(volume: &Value) -> Option<Key> {
    let r = volume.pointer("/spec/claimRef").filter(|r| r.is_object())?;
    Some((str_at(r, "/namespace").to_string(), str_at(r, "/name").to_string()))
}

fn claim_path(claim: &Value) -> String {
    object_path(
        "v1",
        "persistentvolumeclaims",
        meta_str(claim, "namespace"),
        meta_str(claim, "name"),
    )
}

fn volume_path(volume: &Value) -> String {
    object_path("v1", "persistentvolumes", "", meta_str(volume, "name"))
}

fn remove_annotation(obj: &mut Value, key: &str) {
    if let Some(a) = obj.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        a.remove(key);
        if a.is_empty() {
            if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("annotations");
            }
        }
    }
}

fn status_mut(obj: &mut Value) -> Option<&mut serde_json::Map<String, Value>> {
    let o = obj.as_object_mut()?;
    let s = o.entry("status").or_insert_with(|| json!({}));
    if !s.is_object() {
        *s = json!({});
    }
    s.as_object_mut()
}

impl PersistentVolumeController {
    fn event(&mut self, api: &mut dyn ApiClient, now: SimTime, obj: &Value, type_: &str, reason: &str, msg: &str) {
        let _ = self.recorder.record(api, now, obj, type_, reason, msg, COMPONENT, "");
    }

    fn save_volume(&mut self, api: &mut dyn ApiClient, req: ApiRequest) -> Result<Value, ApiError> {
        let v = api.request(req)?;
        store(&mut self.volume_cache, meta_str(&v, "name").to_string(), v.clone());
        Ok(v)
    }

    fn save_claim(&mut self, api: &mut dyn ApiClient, req: ApiRequest) -> Result<Value, ApiError> {
        let c = api.request(req)?;
        store(&mut self.claim_cache, key_of(&c), c.clone());
        Ok(c)
    }

    /// updateVolumePhase: writes the phase (and message) when the phase changes.
    fn update_volume_phase(
        &mut self,
        api: &mut dyn ApiClient,
        volume: &Value,
        phase: &str,
        message: &str,
    ) -> Result<Value, ApiError> {
        if str_at(volume, "/status/phase") == phase {
            return Ok(volume.clone());
        }
        let mut clone = volume.clone();
        if let Some(s) = status_mut(&mut clone) {
            s.insert("phase".into(), json!(phase));
            if message.is_empty() {
                s.remove("message");
            } else {
                s.insert("message".into(), json!(message));
            }
        }
        self.save_volume(api, ApiRequest::put(format!("{}/status", volume_path(volume)), clone))
    }

    /// updateVolumePhaseWithEvent: the event only when the phase actually changes.
    #[allow(clippy::too_many_arguments)]
    fn update_volume_phase_with_event(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        volume: &Value,
        phase: &str,
        type_: &str,
        reason: &str,
        message: &str,
    ) -> Result<Value, ApiError> {
        if str_at(volume, "/status/phase") == phase {
            return Ok(volume.clone());
        }
        let v = self.update_volume_phase(api, volume, phase, message)?;
        self.event(api, now, &v, type_, reason, message);
        Ok(v)
    }

    /// updateClaimStatus: phase, and the bound volume's access modes and capacity.
    fn update_claim_status(
        &mut self,
        api: &mut dyn ApiClient,
        claim: &Value,
        phase: &str,
        volume: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let mut clone = claim.clone();
        let old_phase = str_at(claim, "/status/phase").to_string();
        let mut dirty = false;
        let Some(s) = status_mut(&mut clone) else {
            return Ok(claim.clone());
        };
        if old_phase != phase {
            s.insert("phase".into(), json!(phase));
            dirty = true;
        }
        match volume {
            None => {
                dirty |= s.remove("accessModes").is_some();
                dirty |= s.remove("capacity").is_some();
            }
            Some(v) => {
                let modes = v.pointer("/spec/accessModes").cloned().unwrap_or(Value::Null);
                if s.get("accessModes") != Some(&modes) {
                    s.insert("accessModes".into(), modes);
                    dirty = true;
                }
                // Capacity is set when the claim becomes Bound, not rewritten later.
                if old_phase != phase {
                    let cap = v.pointer("/spec/capacity").cloned().unwrap_or(json!({}));
                    let same = s.get("capacity").and_then(|c| c.get("storage")).map(quantity_of)
                        == cap.get("storage").map(quantity_of);
                    if !same || s.get("capacity").is_none() {
                        s.insert("capacity".into(), cap);
                        dirty = true;
                    }
                }
            }
        }
        if !dirty {
            return Ok(claim.clone());
        }
        self.save_claim(api, ApiRequest::put(format!("{}/status", claim_path(claim)), clone))
    }

    #[allow(clippy::too_many_arguments)]
    fn update_claim_status_with_event(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        claim: &Value,
        phase: &str,
        type_: &str,
        reason: &str,
        message: &str,
    ) -> Result<(), ApiError> {
        if str_at(claim, "/status/phase") == phase {
            return Ok(());
        }
        let c = self.update_claim_status(api, claim, phase, None)?;
        self.event(api, now, &c, type_, reason, message);
        Ok(())
    }

    /// bind: the volume's claimRef, the volume's phase, the claim's volumeName, the claim's
    /// status — in that order, each written only when it changes.
    fn bind(&mut self, api: &mut dyn ApiClient, volume: &Value, claim: &Value) -> Result<(), ApiError> {
        // GetBindVolumeToClaim
        let mut vclone = volume.clone();
        let mut dirty = false;
        let by_controller = !is_volume_bound_to_claim(volume, claim);
        let r = volume.pointer("/spec/claimRef");
        let same_ref = r.is_some_and(|r| {
            str_at(r, "/name") == meta_str(claim, "name")
                && str_at(r, "/namespace") == meta_str(claim, "namespace")
                && str_at(r, "/uid") == meta_str(claim, "uid")
        });
        if !same_ref {
            let claim_ref = json!({
                "kind": "PersistentVolumeClaim",
                "namespace": meta_str(claim, "namespace"),
                "name": meta_str(claim, "name"),
                "uid": meta_str(claim, "uid"),
                "apiVersion": "v1",
                "resourceVersion": meta_str(claim, "resourceVersion"),
            });
            if let Some(spec) = vclone.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert("claimRef".into(), claim_ref);
            }
            dirty = true;
        }
        if by_controller && annotation(&vclone, ANN_BOUND_BY_CONTROLLER).is_none() {
            set_annotation(&mut vclone, ANN_BOUND_BY_CONTROLLER, "yes");
            dirty = true;
        }
        let volume = if dirty {
            self.save_volume(api, ApiRequest::put(volume_path(volume), vclone))?
        } else {
            volume.clone()
        };
        let volume = self.update_volume_phase(api, &volume, "Bound", "")?;

        // bindClaimToVolume
        let mut cclone = claim.clone();
        let mut dirty = false;
        if str_at(claim, "/spec/volumeName") != meta_str(&volume, "name") {
            if let Some(spec) = cclone.get_mut("spec").and_then(Value::as_object_mut) {
                spec.insert("volumeName".into(), json!(meta_str(&volume, "name")));
            }
            if annotation(&cclone, ANN_BOUND_BY_CONTROLLER).is_none() {
                set_annotation(&mut cclone, ANN_BOUND_BY_CONTROLLER, "yes");
            }
            dirty = true;
        }
        if annotation(&cclone, ANN_BIND_COMPLETED).is_none() {
            set_annotation(&mut cclone, ANN_BIND_COMPLETED, "yes");
            dirty = true;
        }
        let claim = if dirty {
            self.save_claim(api, ApiRequest::put(claim_path(claim), cclone))?
        } else {
            claim.clone()
        };
        self.update_claim_status(api, &claim, "Bound", Some(&volume))?;
        Ok(())
    }

    /// unbindVolume: a controller binding is dropped; a user's pre-binding keeps its name.
    fn unbind_volume(&mut self, api: &mut dyn ApiClient, volume: &Value) -> Result<(), ApiError> {
        let mut clone = volume.clone();
        if annotation(volume, ANN_BOUND_BY_CONTROLLER).is_some() {
            if let Some(spec) = clone.get_mut("spec").and_then(Value::as_object_mut) {
                spec.remove("claimRef");
            }
            remove_annotation(&mut clone, ANN_BOUND_BY_CONTROLLER);
        } else if let Some(r) = clone.pointer_mut("/spec/claimRef").and_then(Value::as_object_mut) {
            r.remove("uid");
        }
        let v = self.save_volume(api, ApiRequest::put(volume_path(volume), clone))?;
        self.update_volume_phase(api, &v, "Available", "")?;
        Ok(())
    }

    fn class(&self, name: &str) -> Option<&Value> {
        self.classes.get("", name)
    }

    /// IsDelayBindingMode: the claim's class binds when a pod is scheduled.
    fn delay_binding(&self, claim: &Value) -> bool {
        let name = claim_class(claim);
        !name.is_empty()
            && self
                .class(name)
                .is_some_and(|c| str_at(c, "/volumeBindingMode") == "WaitForFirstConsumer")
    }

    /// GetDefaultClass: the newest class marked default (then by name).
    fn default_class(&self) -> Option<String> {
        let mut defaults: Vec<&Value> = self
            .classes
            .list()
            .filter(|c| {
                annotation(c, ANN_DEFAULT_CLASS) == Some("true")
                    || annotation(c, ANN_BETA_DEFAULT_CLASS) == Some("true")
            })
            .collect();
        defaults.sort_by(|a, b| {
            creation_secs(b)
                .cmp(&creation_secs(a))
                .then_with(|| meta_str(a, "name").cmp(meta_str(b, "name")))
        });
        defaults.first().map(|c| meta_str(c, "name").to_string())
    }

    fn sorted_volumes(&self) -> Vec<&Value> {
        self.volume_cache.values().collect()
    }

    fn sync_claim(&mut self, api: &mut dyn ApiClient, now: SimTime, claim: &Value) -> Result<(), ApiError> {
        if annotation(claim, ANN_BIND_COMPLETED).is_none() {
            self.sync_unbound_claim(api, now, claim)
        } else {
            self.sync_bound_claim(api, now, claim)
        }
    }

    fn sync_unbound_claim(&mut self, api: &mut dyn ApiClient, now: SimTime, claim: &Value) -> Result<(), ApiError> {
        let wanted = str_at(claim, "/spec/volumeName").to_string();
        if wanted.is_empty() {
            let delay = self.delay_binding(claim);
            let found = {
                let vols = self.sorted_volumes();
                find_best_match(claim, &vols, delay).map(|v| v.cloned())
            };
            let volume = match found {
                Ok(v) => v,
                Err(e) => return Err(ApiError::internal(&e)),
            };
            if let Some(volume) = volume {
                return self.bind(api, &volume, claim);
            }
            // Retroactive default StorageClass assignment.
            if !claim_has_class(claim) {
                if let Some(class) = self.default_class() {
                    let mut clone = claim.clone();
                    if let Some(spec) = clone.get_mut("spec").and_then(Value::as_object_mut) {
                        spec.insert("storageClassName".into(), json!(class));
                    }
                    self.save_claim(api, ApiRequest::put(claim_path(claim), clone))?;
                    return Ok(());
                }
            }
            if delay && annotation(claim, ANN_SELECTED_NODE).is_none() {
                let (reason, msg) = self.delay_binding_event(claim);
                self.event(api, now, claim, "Normal", reason, &msg);
            } else if !claim_class(claim).is_empty() {
                return self.provision_claim(api, now, claim);
            } else {
                self.event(
                    api,
                    now,
                    claim,
                    "Normal",
                    "FailedBinding",
                    "no persistent volumes available for this claim and no storage class is set",
                );
            }
            self.update_claim_status(api, claim, "Pending", None)?;
            return Ok(());
        }
        // The user asked for a specific volume.
        let Some(volume) = self.volume_cache.get(&wanted).cloned() else {
            self.update_claim_status(api, claim, "Pending", None)?;
            return Ok(());
        };
        if !volume.pointer("/spec/claimRef").is_some_and(Value::is_object) {
            if let Err(e) = volume_satisfies_claim(&volume, claim) {
                let msg = format!("Cannot bind to requested volume {wanted:?}: {e}");
                self.event(api, now, claim, "Warning", "VolumeMismatch", &msg);
                self.update_claim_status(api, claim, "Pending", None)?;
                return Ok(());
            }
            return self.bind(api, &volume, claim);
        }
        if is_volume_bound_to_claim(&volume, claim) {
            return self.bind(api, &volume, claim);
        }
        let msg = format!("volume {wanted:?} already bound to a different claim.");
        self.event(api, now, claim, "Warning", "FailedBinding", &msg);
        if annotation(claim, ANN_BOUND_BY_CONTROLLER).is_none() {
            self.update_claim_status(api, claim, "Pending", None)?;
            return Ok(());
        }
        Err(ApiError::internal("invalid binding of claim: volume already claimed"))
    }

    /// emitEventForUnboundDelayBindingClaim: which pods (not yet scheduled) the claim waits for.
    fn delay_binding_event(&self, claim: &Value) -> (&'static str, String) {
        let ns = meta_str(claim, "namespace");
        let name = meta_str(claim, "name");
        let pods: Vec<String> = self
            .pods
            .list_namespace(ns)
            .filter(|p| !matches!(str_at(p, "/status/phase"), "Succeeded" | "Failed"))
            .filter(|p| str_at(p, "/spec/nodeName").is_empty())
            .filter(|p| {
                p.pointer("/spec/volumes")
                    .and_then(Value::as_array)
                    .is_some_and(|vs| vs.iter().any(|v| str_at(v, "/persistentVolumeClaim/claimName") == name))
            })
            .map(|p| meta_str(p, "name").to_string())
            .collect();
        match pods.as_slice() {
            [] => (
                "WaitForFirstConsumer",
                "waiting for first consumer to be created before binding".to_string(),
            ),
            [one] => ("WaitForPodScheduled", format!("waiting for pod {one} to be scheduled")),
            many => (
                "WaitForPodScheduled",
                format!("waiting for pods {} to be scheduled", many.join(",")),
            ),
        }
    }

    /// provisionClaim without in-tree provisioners: a missing class or an in-tree plugin name
    /// fails; any other provisioner is external and the claim is annotated for it.
    fn provision_claim(&mut self, api: &mut dyn ApiClient, now: SimTime, claim: &Value) -> Result<(), ApiError> {
        let class_name = claim_class(claim).to_string();
        let Some(class) = self.class(&class_name) else {
            let msg = format!("storageclass.storage.k8s.io {class_name:?} not found");
            self.event(api, now, claim, "Warning", "ProvisioningFailed", &msg);
            return Ok(());
        };
        let provisioner = str_at(class, "/provisioner").to_string();
        if provisioner == "kubernetes.io/host-path" {
            let msg =
                "Failed to create provisioner: Provisioning in volume plugin \"kubernetes.io/host-path\" is disabled";
            self.event(api, now, claim, "Warning", "ProvisioningFailed", msg);
            return Ok(());
        }
        if provisioner.starts_with("kubernetes.io/") {
            let msg = format!("no volume plugin matched name: {provisioner}");
            self.event(api, now, claim, "Warning", "ProvisioningFailed", &msg);
            return Ok(());
        }
        let mut claim = claim.clone();
        if annotation(&claim, ANN_STORAGE_PROVISIONER) != Some(provisioner.as_str()) {
            let mut clone = claim.clone();
            set_annotation(&mut clone, ANN_BETA_STORAGE_PROVISIONER, &provisioner);
            set_annotation(&mut clone, ANN_STORAGE_PROVISIONER, &provisioner);
            claim = self.save_claim(api, ApiRequest::put(claim_path(&claim), clone))?;
        }
        let msg = format!(
            "Waiting for a volume to be created either by the external provisioner '{provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered."
        );
        self.event(api, now, &claim, "Normal", "ExternalProvisioning", &msg);
        Ok(())
    }

    fn sync_bound_claim(&mut self, api: &mut dyn ApiClient, now: SimTime, claim: &Value) -> Result<(), ApiError> {
        let wanted = str_at(claim, "/spec/volumeName").to_string();
        if wanted.is_empty() {
            return self.update_claim_status_with_event(
                api,
                now,
                claim,
                "Lost",
                "Warning",
                "ClaimLost",
                "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
            );
        }
        let Some(volume) = self.volume_cache.get(&wanted).cloned() else {
            return self.update_claim_status_with_event(
                api,
                now,
                claim,
                "Lost",
                "Warning",
                "ClaimLost",
                "Bound claim has lost its PersistentVolume. Data on the volume is lost!",
            );
        };
        let ref_uid = volume
            .pointer("/spec/claimRef")
            .filter(|r| r.is_object())
            .map(|r| str_at(r, "/uid"));
        match ref_uid {
            None => self.bind(api, &volume, claim),
            Some(uid) if uid == meta_str(claim, "uid") => self.bind(api, &volume, claim),
            Some(_) => self.update_claim_status_with_event(
                api,
                now,
                claim,
                "Lost",
                "Warning",
                "ClaimMisbound",
                "Two claims are bound to the same volume, this one is bound incorrectly",
            ),
        }
    }

    fn sync_volume(&mut self, api: &mut dyn ApiClient, now: SimTime, volume: &Value) -> Result<(), ApiError> {
        let Some(claim_key) = claim_ref_key(volume) else {
            self.update_volume_phase(api, volume, "Available", "")?;
            return Ok(());
        };
        let ref_uid = str_at(volume, "/spec/claimRef/uid").to_string();
        if ref_uid.is_empty() {
            // Pre-bound to a claim that has not been bound yet: the claim's sync binds it.
            self.update_volume_phase(api, volume, "Available", "")?;
            return Ok(());
        }
        let claim = self
            .claim_cache
            .get(&claim_key)
            .filter(|c| meta_str(c, "uid") == ref_uid)
            .cloned();
        let Some(claim) = claim else {
            let phase = str_at(volume, "/status/phase");
            let volume = if phase != "Released" && phase != "Failed" {
                self.update_volume_phase(api, volume, "Released", "")?
            } else {
                volume.clone()
            };
            return self.reclaim_volume(api, now, &volume);
        };
        let claimed = str_at(&claim, "/spec/volumeName");
        if claimed.is_empty() {
            if volume_mode_mismatch(&claim, volume) {
                let vmsg = format!(
                    "Cannot bind PersistentVolume to requested PersistentVolumeClaim {:?} due to incompatible volumeMode.",
                    meta_str(&claim, "name")
                );
                self.event(api, now, volume, "Warning", "VolumeMismatch", &vmsg);
                let cmsg = format!(
                    "Cannot bind PersistentVolume {:?} to requested PersistentVolumeClaim due to incompatible volumeMode.",
                    meta_str(volume, "name")
                );
                self.event(api, now, &claim, "Warning", "VolumeMismatch", &cmsg);
                return Ok(());
            }
            enqueue(&mut self.claim_queue, claim_key);
            return Ok(());
        }
        if claimed == meta_str(volume, "name") {
            self.update_volume_phase(api, volume, "Bound", "")?;
            return Ok(());
        }
        // The claim is bound to another volume.
        let provisioned = annotation(volume, ANN_DYNAMICALLY_PROVISIONED).is_some();
        if provisioned && str_at(volume, "/spec/persistentVolumeReclaimPolicy") == "Delete" {
            let phase = str_at(volume, "/status/phase");
            let volume = if phase != "Released" && phase != "Failed" {
                self.update_volume_phase(api, volume, "Released", "")?
            } else {
                volume.clone()
            };
            return self.reclaim_volume(api, now, &volume);
        }
        self.unbind_volume(api, volume)
    }

    /// isVolumeReleased: bound (with a uid) to a claim that is gone or bound elsewhere.
    fn is_volume_released(&self, volume: &Value) -> bool {
        let Some(key) = claim_ref_key(volume) else { return false };
        let uid = str_at(volume, "/spec/claimRef/uid");
        if uid.is_empty() {
            return false;
        }
        match self.claim_cache.get(&key) {
            Some(c) if meta_str(c, "uid") == uid => {
                let name = str_at(c, "/spec/volumeName");
                !name.is_empty() && name != meta_str(volume, "name")
            }
            _ => true,
        }
    }

    /// reclaimVolume: Retain keeps the volume Released; Delete runs the deleter (only the
    /// hostPath one under /tmp succeeds) and deletes the object, or marks it Failed.
    fn reclaim_volume(&mut self, api: &mut dyn ApiClient, now: SimTime, volume: &Value) -> Result<(), ApiError> {
        match str_at(volume, "/spec/persistentVolumeReclaimPolicy") {
            "Retain" | "Recycle" => Ok(()),
            "Delete" => {
                if !self.is_volume_released(volume) {
                    return Ok(());
                }
                match delete_volume(volume) {
                    Ok(()) => match api.request(ApiRequest::delete(volume_path(volume))) {
                        Ok(_) => Ok(()),
                        Err(e) if e.code() == 404 => Ok(()),
                        Err(e) => Err(e),
                    },
                    Err(msg) => {
                        self.update_volume_phase_with_event(
                            api,
                            now,
                            volume,
                            "Failed",
                            "Warning",
                            "VolumeFailedDelete",
                            &msg,
                        )?;
                        Ok(())
                    }
                }
            }
            _ => {
                self.update_volume_phase_with_event(
                    api,
                    now,
                    volume,
                    "Failed",
                    "Warning",
                    "VolumeUnknownReclaimPolicy",
                    "Volume has unrecognized PersistentVolumeReclaimPolicy",
                )?;
                Ok(())
            }
        }
    }

    /// Informer changes into the caches and queues (the add/update/delete handlers).
    fn observe(&mut self, api: &mut dyn ApiClient) -> Result<bool, ApiError> {
        let mut worked = !self.classes.sync(api)?.is_empty();
        for c in self.volumes.sync(api)? {
            worked = true;
            let name = meta_str(&c.object, "name").to_string();
            if c.kind == ChangeKind::Deleted {
                self.volume_cache.remove(&name);
                if let Some(k) = claim_ref_key(&c.object) {
                    enqueue(&mut self.claim_queue, k);
                }
            } else {
                store(&mut self.volume_cache, name.clone(), c.object);
                enqueue(&mut self.volume_queue, name);
            }
        }
        for c in self.claims.sync(api)? {
            worked = true;
            let key = key_of(&c.object);
            if c.kind == ChangeKind::Deleted {
                self.claim_cache.remove(&key);
                let volume = str_at(&c.object, "/spec/volumeName");
                if !volume.is_empty() {
                    enqueue(&mut self.volume_queue, volume.to_string());
                }
            } else {
                store(&mut self.claim_cache, key.clone(), c.object);
                enqueue(&mut self.claim_queue, key);
            }
        }
        let delaying = self
            .classes
            .list()
            .any(|c| str_at(c, "/volumeBindingMode") == "WaitForFirstConsumer");
        if delaying {
            worked |= !self.pods.sync(api)?.is_empty();
        }
        Ok(worked)
    }
}

fn quantity_of(v: &Value) -> Option<apimachinery::Quantity> {
    apimachinery::Quantity::from_json(v).and_then(Result::ok)
}

impl Component for PersistentVolumeController {
    fn name(&self) -> &'static str {
        "persistentvolume-binder-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = match self.observe(api) {
            Ok(w) => w,
            Err(_) => return retry,
        };
        let next = *self.next_resync.get_or_insert(now.add(SYNC_PERIOD));
        if now >= next {
            // resync: every claim and volume again.
            // The first tick after now (arithmetically: a saved time may be far off).
            let periods = now.since(next).as_millis() / SYNC_PERIOD.as_millis() + 1;
            let at = next.add(Duration::from_millis(periods.saturating_mul(SYNC_PERIOD.as_millis())));
            self.next_resync = Some(if at > now { at } else { now.add(SYNC_PERIOD) });
            for k in self.claim_cache.keys() {
                enqueue(&mut self.claim_queue, k.clone());
            }
            for n in self.volume_cache.keys() {
                enqueue(&mut self.volume_queue, n.clone());
            }
        }
        // Errors are retried by the next resync, as upstream's plain queues do.
        for _ in 0..100 {
            if self.volume_queue.is_empty() && self.claim_queue.is_empty() {
                break;
            }
            while let Some(name) = self.volume_queue.pop_front() {
                did_work = true;
                if let Some(v) = self.volume_cache.get(&name).cloned() {
                    let _ = self.sync_volume(api, now, &v);
                }
            }
            while let Some(key) = self.claim_queue.pop_front() {
                did_work = true;
                if let Some(c) = self.claim_cache.get(&key).cloned() {
                    let _ = self.sync_claim(api, now, &c);
                }
            }
        }
        let idle = self.volume_cache.is_empty() && self.claim_cache.is_empty();
        StepResult {
            did_work,
            next_wakeup: if idle { None } else { self.next_resync },
        }
    }
}

#[cfg(test)]
mod tests;
