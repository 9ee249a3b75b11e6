//! VolumeRestrictions' and VolumeBinding's PreFilter (a pod's claims must exist, not be lost
//! or deleting, and be bound unless their class waits for the first consumer) and
//! VolumeBinding's Filter: bound volumes' node affinity; for claims whose class waits for the
//! first consumer, an Available volume on the node (or a class that provisions).
//! Provisioning itself is left to the provisioner the class names (none runs here).

use client::volume::{claim_class, find_matching_volume, OnNode};
use client::Informer;
use serde_json::Value;
use std::collections::BTreeSet;

pub const ERR_UNBOUND_IMMEDIATE: &str = "pod has unbound immediate PersistentVolumeClaims";
pub const ERR_VOLUME_NODE_AFFINITY: &str = "node(s) had volume node affinity conflict";
pub const ERR_BIND_CONFLICT: &str = "node(s) didn't find available persistent volumes to bind";
/// The provisioner of classes for pre-created (local) volumes only.
const NOT_SUPPORTED_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// A claim whose class binds at the first consumer, and whether its class can provision.
#[derive(Debug, Clone)]
pub struct DelayedClaim {
    pub claim: Value,
    pub provisionable: bool,
}

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

/// The PreFilter status message when the pod cannot be scheduled on any node because of its
/// claims; else the unbound claims that wait for this pod to be scheduled.
pub fn prefilter(pod: &Value, claims: &Informer, classes: &Informer) -> Result<Vec<DelayedClaim>, String> {
    let ns = str_at(pod, "/metadata/namespace");
    let wanted = pod_claims(pod);
    // VolumeRestrictions reads the persistentVolumeClaim volumes' claims first.
    for (name, ephemeral) in &wanted {
        if !ephemeral && claims.get(ns, name).is_none() {
            return Err(format!("persistentvolumeclaim {name:?} not found"));
        }
    }
    let mut unbound_immediate = false;
    let mut delayed_claims = Vec::new();
    for (name, ephemeral) in &wanted {
        let Some(claim) = claims.get(ns, name) else {
            return Err(format!(
                "waiting for ephemeral volume controller to create the persistentvolumeclaim {name:?}"
            ));
        };
        if str_at(claim, "/status/phase") == "Lost" {
            return Err(format!(
                "persistentvolumeclaim {name:?} bound to non-existent persistentvolume {:?}",
                str_at(claim, "/spec/volumeName")
            ));
        }
        if !str_at(claim, "/metadata/deletionTimestamp").is_empty() {
            return Err(format!("persistentvolumeclaim {name:?} is being deleted"));
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
                return Err(format!(
                    "PVC {ns}/{name} was not created for pod {ns}/{} (pod is not owner)",
                    str_at(pod, "/metadata/name")
                ));
            }
        }
        if str_at(claim, "/spec/volumeName").is_empty() {
            let class = claim_class(claim);
            let delaying = (!class.is_empty())
                .then(|| classes.get("", class))
                .flatten()
                .filter(|c| str_at(c, "/volumeBindingMode") == "WaitForFirstConsumer");
            match delaying {
                Some(c) => {
                    let provisioner = str_at(c, "/provisioner");
                    delayed_claims.push(DelayedClaim {
                        claim: claim.clone(),
                        provisionable: !provisioner.is_empty() && provisioner != NOT_SUPPORTED_PROVISIONER,
                    });
                }
                None => unbound_immediate = true,
            }
        }
    }
    if unbound_immediate {
        return Err(ERR_UNBOUND_IMMEDIATE.to_string());
    }
    Ok(delayed_claims)
}

/// What binding the delayed claims on a node takes: (claim, volume name) pairs for the
/// volumes found, and the claims a provisioner must serve; Err when neither is possible.
#[allow(clippy::type_complexity)]
pub fn find_bindings<'a>(
    delayed: &'a [DelayedClaim],
    volumes: &[&Value],
    node_admits: &dyn Fn(&Value) -> bool,
) -> Result<(Vec<(&'a Value, String)>, Vec<&'a Value>), &'static str> {
    let mut chosen: BTreeSet<String> = BTreeSet::new();
    let mut bindings = Vec::new();
    let mut provisions = Vec::new();
    for d in delayed {
        // A claim a provisioner is already serving waits for its volume.
        if d.claim
            .pointer("/metadata/annotations/volume.kubernetes.io~1selected-node")
            .is_some()
        {
            provisions.push(&d.claim);
            continue;
        }
        let on = OnNode {
            node_admits,
            excluded: &chosen,
        };
        match find_matching_volume(&d.claim, volumes, Some(&on), true) {
            Ok(Some(v)) => {
                let name = str_at(v, "/metadata/name").to_string();
                chosen.insert(name.clone());
                bindings.push((&d.claim, name));
            }
            Ok(None) if d.provisionable => provisions.push(&d.claim),
            _ => return Err(ERR_BIND_CONFLICT),
        }
    }
    Ok((bindings, provisions))
}

/// Whether a volume's required node affinity admits a node with these labels.
pub fn node_admits_volume(volume: &Value, term_matches: &dyn Fn(&Value) -> bool) -> bool {
    match volume
        .pointer("/spec/nodeAffinity/required/nodeSelectorTerms")
        .and_then(Value::as_array)
    {
        Some(terms) => terms.iter().any(term_matches),
        None => true,
    }
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
