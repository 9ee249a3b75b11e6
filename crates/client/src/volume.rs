//! component-helpers/storage/volume's role: which PersistentVolume a claim gets, shared by the
//! PersistentVolume controller and the scheduler's VolumeBinding plugin (with index.go's
//! access-mode grouping); pure functions over wire-form objects.

use crate::meta_str;
use apimachinery::{Quantity, Selector};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn str_at<'a>(obj: &'a Value, pointer: &str) -> &'a str {
    obj.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

fn labels(obj: &Value) -> BTreeMap<String, String> {
    obj.pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The scheduler's view for [`find_matching_volume`]: the node (whether a volume's node
/// affinity admits it) and the volumes already chosen for other claims of the pod.
pub struct OnNode<'a> {
    pub node_admits: &'a dyn Fn(&Value) -> bool,
    pub excluded: &'a BTreeSet<String>,
}

/// The beta annotation that still wins over `storageClassName`.
pub const ANN_STORAGE_CLASS: &str = "volume.beta.kubernetes.io/storage-class";

/// GetPersistentVolumeClaimClass: the beta annotation, else spec.storageClassName, else "".
pub fn claim_class(claim: &Value) -> &str {
    annotation(claim, ANN_STORAGE_CLASS).unwrap_or_else(|| str_at(claim, "/spec/storageClassName"))
}

/// GetPersistentVolumeClass, likewise for a volume.
pub fn volume_class(volume: &Value) -> &str {
    annotation(volume, ANN_STORAGE_CLASS).unwrap_or_else(|| str_at(volume, "/spec/storageClassName"))
}

/// PersistentVolumeClaimHasClass: the claim names a class, even "".
pub fn claim_has_class(claim: &Value) -> bool {
    annotation(claim, ANN_STORAGE_CLASS).is_some()
        || claim.pointer("/spec/storageClassName").is_some_and(Value::is_string)
}

fn storage(v: &Value, pointer: &str) -> Quantity {
    v.pointer(pointer)
        .and_then(Quantity::from_json)
        .and_then(Result::ok)
        .unwrap_or_else(|| Quantity::new(0, apimachinery::quantity::Format::DecimalSI))
}

pub fn requested_storage(claim: &Value) -> Quantity {
    storage(claim, "/spec/resources/requests/storage")
}

pub fn volume_storage(volume: &Value) -> Quantity {
    storage(volume, "/spec/capacity/storage")
}

fn volume_mode(obj: &Value) -> &str {
    match str_at(obj, "/spec/volumeMode") {
        "" => "Filesystem",
        m => m,
    }
}

/// CheckVolumeModeMismatches (unset means Filesystem on both sides).
pub fn volume_mode_mismatch(claim: &Value, volume: &Value) -> bool {
    volume_mode(claim) != volume_mode(volume)
}

fn modes(obj: &Value, pointer: &str) -> Vec<String> {
    let mut m: Vec<String> = obj
        .pointer(pointer)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default();
    m.sort();
    m.dedup();
    m
}

/// CheckAccessModes: the volume offers every mode the claim asks for.
pub fn access_modes_match(claim: &Value, volume: &Value) -> bool {
    let offered = modes(volume, "/spec/accessModes");
    modes(claim, "/spec/accessModes").iter().all(|m| offered.contains(m))
}

/// IsVolumeBoundToClaim: the claimRef names the claim (and its uid, once set).
pub fn is_volume_bound_to_claim(volume: &Value, claim: &Value) -> bool {
    let Some(r) = volume.pointer("/spec/claimRef").filter(|r| r.is_object()) else {
        return false;
    };
    let uid = str_at(r, "/uid");
    str_at(r, "/name") == meta_str(claim, "name")
        && str_at(r, "/namespace") == meta_str(claim, "namespace")
        && (uid.is_empty() || uid == meta_str(claim, "uid"))
}

/// checkVolumeSatisfyClaim: why a requested volume does not fit the claim.
pub fn volume_satisfies_claim(volume: &Value, claim: &Value) -> Result<(), String> {
    if !meta_str(volume, "deletionTimestamp").is_empty() {
        return Err(format!(
            "the volume is marked for deletion {:?}",
            meta_str(volume, "name")
        ));
    }
    if volume_storage(volume) < requested_storage(claim) {
        return Err("requested PV is too small".into());
    }
    if volume_class(volume) != claim_class(claim) {
        return Err("storageClassName does not match".into());
    }
    if volume_mode_mismatch(claim, volume) {
        return Err("incompatible volumeMode".into());
    }
    if !access_modes_match(claim, volume) {
        return Err("incompatible accessMode".into());
    }
    Ok(())
}

/// FindMatchingVolume: the volume pre-bound to the claim, else the smallest Available one
/// that fits its class, size, mode and selector — on a node (the scheduler's path, which also
/// checks node affinity and access modes) or not (the controller's, which leaves delayed
/// binding to the scheduler).
pub fn find_matching_volume<'a>(
    claim: &Value,
    volumes: &[&'a Value],
    node: Option<&OnNode<'_>>,
    delay_binding: bool,
) -> Result<Option<&'a Value>, String> {
    let requested = requested_storage(claim);
    let class = claim_class(claim);
    let selector = match claim.pointer("/spec/selector").filter(|s| !s.is_null()) {
        Some(s) => Some(Selector::from_label_selector(s).map_err(|e| {
            format!(
                "error creating internal label selector for claim: {}/{}: {e}",
                meta_str(claim, "namespace"),
                meta_str(claim, "name")
            )
        })?),
        None => None,
    };
    let claim_vac = str_at(claim, "/spec/volumeAttributesClassName");
    let mut smallest: Option<(&Value, Quantity)> = None;
    for &volume in volumes {
        if node.is_some_and(|n| n.excluded.contains(meta_str(volume, "name"))) {
            continue;
        }
        let claimed = volume.pointer("/spec/claimRef").is_some_and(Value::is_object);
        if claimed && !is_volume_bound_to_claim(volume, claim) {
            continue;
        }
        let size = volume_storage(volume);
        if size < requested
            || volume_mode_mismatch(claim, volume)
            || str_at(volume, "/spec/volumeAttributesClassName") != claim_vac
            || !meta_str(volume, "deletionTimestamp").is_empty()
        {
            continue;
        }
        let node_ok = node.is_none_or(|n| (n.node_admits)(volume));
        if is_volume_bound_to_claim(volume, claim) {
            return Ok(node_ok.then_some(volume));
        }
        if node.is_none() && delay_binding {
            // The scheduler binds such claims, on a node.
            continue;
        }
        if str_at(volume, "/status/phase") != "Available" {
            continue;
        }
        if selector.as_ref().is_some_and(|s| !s.matches(&labels(volume))) {
            continue;
        }
        if volume_class(volume) != class || !node_ok {
            continue;
        }
        if node.is_some() && !access_modes_match(claim, volume) {
            continue;
        }
        if smallest.as_ref().is_none_or(|(_, q)| *q > size) {
            smallest = Some((volume, size));
        }
    }
    Ok(smallest.map(|(v, _)| v))
}

/// findBestMatchForClaim: volumes are tried by access-mode set, the sets with the fewest
/// modes that still cover the claim's first; within a set, [`find_matching`]. `volumes` come
/// in name order.
pub fn find_best_match<'a>(
    claim: &Value,
    volumes: &[&'a Value],
    delay_binding: bool,
) -> Result<Option<&'a Value>, String> {
    let wanted = modes(claim, "/spec/accessModes");
    let mut sets: Vec<Vec<String>> = volumes.iter().map(|v| modes(v, "/spec/accessModes")).collect();
    sets.sort();
    sets.dedup();
    sets.retain(|s| wanted.iter().all(|m| s.contains(m)));
    sets.sort_by_key(Vec::len);
    for set in sets {
        let group: Vec<&Value> = volumes
            .iter()
            .copied()
            .filter(|v| modes(v, "/spec/accessModes") == set)
            .collect();
        if let Some(v) = find_matching_volume(claim, &group, None, delay_binding)? {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// Whether the in-tree hostPath deleter can remove the volume's directory (it only deletes
/// under /tmp/), or the error upstream's deleter reports.
pub fn delete_volume(volume: &Value) -> Result<(), String> {
    let name = meta_str(volume, "name");
    let Some(path) = volume.pointer("/spec/hostPath/path").and_then(Value::as_str) else {
        return Err(format!(
            "error getting deleter volume plugin for volume {name:?}: no deletable volume plugin matched"
        ));
    };
    // regexp "/tmp/.+" matches anywhere in the path.
    let deletable = path.match_indices("/tmp/").any(|(i, m)| path.len() > i + m.len());
    if deletable {
        Ok(())
    } else {
        Err(format!(
            "host_path deleter only supports /tmp/.+ but received provided {path}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pv(name: &str, size: &str, modes: &[&str], class: Option<&str>, phase: &str) -> Value {
        let mut v = json!({"metadata": {"name": name, "labels": {"type": "local"}},
            "spec": {"capacity": {"storage": size}, "accessModes": modes}, "status": {"phase": phase}});
        if let Some(c) = class {
            v["spec"]["storageClassName"] = json!(c);
        }
        v
    }

    fn pvc(size: &str, modes: &[&str], class: Option<&str>) -> Value {
        let mut v = json!({"metadata": {"name": "c", "namespace": "default", "uid": "u1"},
            "spec": {"accessModes": modes, "resources": {"requests": {"storage": size}}}});
        if let Some(c) = class {
            v["spec"]["storageClassName"] = json!(c);
        }
        v
    }

    fn best(claim: &Value, vols: &[Value]) -> Option<String> {
        let refs: Vec<&Value> = vols.iter().collect();
        find_best_match(claim, &refs, false)
            .unwrap()
            .map(|v| meta_str(v, "name").to_string())
    }

    #[test]
    fn the_smallest_available_volume_of_the_class_wins() {
        let vols = [
            pv("big", "10Gi", &["ReadWriteOnce"], Some("manual"), "Available"),
            pv("small", "5Gi", &["ReadWriteOnce"], Some("manual"), "Available"),
            pv("tiny", "1Gi", &["ReadWriteOnce"], Some("manual"), "Available"),
            pv("other", "5Gi", &["ReadWriteOnce"], Some("fast"), "Available"),
            pv("nocls", "5Gi", &["ReadWriteOnce"], None, "Available"),
            pv("bound", "4Gi", &["ReadWriteOnce"], Some("manual"), "Bound"),
        ];
        let cases = [
            (pvc("3Gi", &["ReadWriteOnce"], Some("manual")), Some("small")),
            (pvc("20Gi", &["ReadWriteOnce"], Some("manual")), None),
            // An unset class (no default StorageClass) and "" both match only class-less PVs.
            (pvc("3Gi", &["ReadWriteOnce"], None), Some("nocls")),
            (pvc("3Gi", &["ReadWriteOnce"], Some("")), Some("nocls")),
            (pvc("3Gi", &["ReadWriteMany"], Some("manual")), None),
        ];
        for (claim, want) in cases {
            assert_eq!(best(&claim, &vols).as_deref(), want, "{claim}");
        }
    }

    #[test]
    fn fewer_access_modes_are_preferred_then_size() {
        let vols = [
            pv("rwx", "1Gi", &["ReadWriteOnce", "ReadWriteMany"], None, "Available"),
            pv("rwo", "5Gi", &["ReadWriteOnce"], None, "Available"),
        ];
        assert_eq!(
            best(&pvc("1Gi", &["ReadWriteOnce"], None), &vols).as_deref(),
            Some("rwo")
        );
        assert_eq!(
            best(&pvc("1Gi", &["ReadWriteMany"], None), &vols).as_deref(),
            Some("rwx")
        );
    }

    #[test]
    fn selectors_volume_modes_and_pre_binding_are_honoured() {
        let mut block = pv("block", "1Gi", &["ReadWriteOnce"], None, "Available");
        block["spec"]["volumeMode"] = json!("Block");
        let fs = pv("fs", "2Gi", &["ReadWriteOnce"], None, "Available");
        let vols = [block, fs];
        let mut claim = pvc("1Gi", &["ReadWriteOnce"], None);
        assert_eq!(best(&claim, &vols).as_deref(), Some("fs"));
        claim["spec"]["selector"] = json!({"matchLabels": {"type": "remote"}});
        assert_eq!(best(&claim, &vols), None);
        // A volume reserved for the claim (claimRef without uid) wins over a smaller one,
        // whatever its phase and class.
        let mut reserved = pv("reserved", "9Gi", &["ReadWriteOnce"], Some("x"), "Pending");
        reserved["spec"]["claimRef"] = json!({"name": "c", "namespace": "default"});
        let other = pv("other", "1Gi", &["ReadWriteOnce"], None, "Available");
        let claim = pvc("1Gi", &["ReadWriteOnce"], None);
        assert_eq!(best(&claim, &[other, reserved]).as_deref(), Some("reserved"));
    }

    #[test]
    fn requested_volumes_are_checked_like_upstream() {
        let claim = pvc("3Gi", &["ReadWriteOnce"], Some("manual"));
        let ok = pv("v", "10Gi", &["ReadWriteOnce"], Some("manual"), "Available");
        assert_eq!(volume_satisfies_claim(&ok, &claim), Ok(()));
        let small = pv("v", "1Gi", &["ReadWriteOnce"], Some("manual"), "Available");
        assert_eq!(
            volume_satisfies_claim(&small, &claim),
            Err("requested PV is too small".into())
        );
        let class = pv("v", "10Gi", &["ReadWriteOnce"], None, "Available");
        assert_eq!(
            volume_satisfies_claim(&class, &claim),
            Err("storageClassName does not match".into())
        );
        let modes = pv("v", "10Gi", &["ReadOnlyMany"], Some("manual"), "Available");
        assert_eq!(
            volume_satisfies_claim(&modes, &claim),
            Err("incompatible accessMode".into())
        );
    }

    #[test]
    fn the_host_path_deleter_only_removes_tmp() {
        let at = |p: &str| json!({"metadata": {"name": "v"}, "spec": {"hostPath": {"path": p}}});
        assert_eq!(delete_volume(&at("/tmp/data")), Ok(()));
        assert_eq!(
            delete_volume(&at("/mnt/data")),
            Err("host_path deleter only supports /tmp/.+ but received provided /mnt/data".into())
        );
        assert!(delete_volume(&at("/tmp/")).is_err());
        assert_eq!(
            delete_volume(&json!({"metadata": {"name": "v"}, "spec": {"nfs": {"path": "/x"}}})),
            Err("error getting deleter volume plugin for volume \"v\": no deletable volume plugin matched".into())
        );
    }
}
