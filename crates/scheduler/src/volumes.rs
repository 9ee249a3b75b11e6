//! VolumeRestrictions' and VolumeBinding's PreFilter (a pod's claims must exist, not be lost
//! or deleting, and be bound unless their class waits for the first consumer) and
//! VolumeBinding's Filter for bound claims (the volume's node affinity).
//! Binding delayed (WaitForFirstConsumer) claims on a node is not modelled.

use client::Informer;
use serde_json::Value;

pub const ERR_UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";
pub const ERR_VOLUME_NODE_AFFINITY: &str = "node(s) had volume node affinity conflict";

fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

/// The claims a pod's volumes name: (claim name, whether it is a generic ephemeral volume's).
fn pod_claims(pod: &Value) -> Vec<(String, bool)> {
    let pod_name = str_at(pod, "/metadata/name");
    pod.pointer("/spec/volumes")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter_map(|v| {
                    if let Some(name) = v.pointer("/persistentVolumeClaim/claimName").and_then(Value::as_str) {
                        Some((name.to_string(), false))
                    } else if v.get("ephemeral").is_some_and(Value::is_object) {
                        Some((format!("{pod_name}-{}", str_at(v, "/name")), true))
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

fn claim_class(claim: &Value) -> &str {
    claim
        .pointer("/metadata/annotations/volume.beta.kubernetes.io~1storage-class")
        .and_then(Value::as_str)
        .unwrap_or_else(|| str_at(claim, "/spec/storageClassName"))
}

/// The PreFilter status message when the pod cannot be scheduled on any node because of its
/// claims; None when they allow scheduling.
pub fn prefilter(pod: &Value, claims: &Informer, classes: &Informer) -> Option<String> {
    let ns = str_at(pod, "/metadata/namespace");
    let wanted = pod_claims(pod);
    // VolumeRestrictions reads the persistentVolumeClaim volumes' claims first.
    for (name, ephemeral) in &wanted {
        if !ephemeral && claims.get(ns, name).is_none() {
            return Some(format!("persistentvolumeclaim {name:?} not found"));
        }
    }
    let mut unbound_immediate = false;
    for (name, ephemeral) in &wanted {
        let Some(claim) = claims.get(ns, name) else {
            return Some(format!(
                "waiting for ephemeral volume controller to create the persistentvolumeclaim {name:?}"
            ));
        };
        if str_at(claim, "/status/phase") == "Lost" {
            return Some(format!(
                "persistentvolumeclaim {name:?} bound to non-existent persistentvolume {:?}",
                str_at(claim, "/spec/volumeName")
            ));
        }
        if !str_at(claim, "/metadata/deletionTimestamp").is_empty() {
            return Some(format!("persistentvolumeclaim {name:?} is being deleted"));
        }
        if *ephemeral {
            let owned = claim
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|rs| {
                    rs.iter().any(|r| {
                        str_at(r, "/uid") == str_at(pod, "/metadata/uid")
                            && r.get("controller") == Some(&Value::Bool(true))
                    })
                });
            if !owned {
                return Some(format!(
                    "PVC {ns}/{name} was not created for pod {ns}/{} (pod is not owner)",
                    str_at(pod, "/metadata/name")
                ));
            }
        }
        if str_at(claim, "/spec/volumeName").is_empty() {
            let class = claim_class(claim);
            let delayed = !class.is_empty()
                && classes
                    .get("", class)
                    .is_some_and(|c| str_at(c, "/volumeBindingMode") == "WaitForFirstConsumer");
            if !delayed {
                unbound_immediate = true;
            }
        }
    }
    unbound_immediate.then(|| ERR_UNBOUND_IMMEDIATE.to_string())
}

/// The required node selector terms of the volumes bound to the pod's claims (each list is
/// ORed; every volume must match).
pub fn bound_volume_terms(pod: &Value, claims: &Informer, volumes: &Informer) -> Vec<Vec<Value>> {
    let ns = str_at(pod, "/metadata/namespace");
    pod_claims(pod)
        .iter()
        .filter_map(|(name, _)| claims.get(ns, name))
        .filter_map(|c| volumes.get("", str_at(c, "/spec/volumeName")))
        .filter_map(|v| {
            v.pointer("/spec/nodeAffinity/required/nodeSelectorTerms")
                .and_then(Value::as_array)
                .cloned()
        })
        .collect()
}
