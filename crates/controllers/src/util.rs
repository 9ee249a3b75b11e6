//! Small accessors over wire-form objects (serde_json Values) shared by the controllers:
//! metadata, owner references, pod readiness and availability, timestamps.

use serde_json::{json, Value};
use sim::SimTime;
use std::collections::BTreeMap;

pub use client::meta_str;

/// `(namespace, name)`: the key of a namespaced object, as client-go's `MetaNamespaceKeyFunc`.
pub type Key = (String, String);

pub fn key_of(obj: &Value) -> Key {
    (
        meta_str(obj, "namespace").to_string(),
        meta_str(obj, "name").to_string(),
    )
}

/// A string at a JSON pointer ("" when absent).
pub fn str_at<'a>(obj: &'a Value, pointer: &str) -> &'a str {
    obj.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// An integer at a JSON pointer, when present.
pub fn int_opt(obj: &Value, pointer: &str) -> Option<i64> {
    obj.pointer(pointer).and_then(Value::as_i64)
}

/// An integer at a JSON pointer (0 when absent, as a Go zero value).
pub fn int_at(obj: &Value, pointer: &str) -> i64 {
    int_opt(obj, pointer).unwrap_or(0)
}

pub fn bool_at(obj: &Value, pointer: &str) -> bool {
    obj.pointer(pointer).and_then(Value::as_bool).unwrap_or(false)
}

/// A string map (labels, annotations, a selector's matchLabels) as a BTreeMap.
pub fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub fn labels(obj: &Value) -> BTreeMap<String, String> {
    string_map(obj.pointer("/metadata/labels"))
}

pub fn annotations(obj: &Value) -> BTreeMap<String, String> {
    string_map(obj.pointer("/metadata/annotations"))
}

pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

pub fn is_being_deleted(obj: &Value) -> bool {
    !meta_str(obj, "deletionTimestamp").is_empty()
}

pub fn owner_references(obj: &Value) -> &[Value] {
    obj.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// The owner reference with `controller: true`, as `metav1.GetControllerOf`.
pub fn controller_ref(obj: &Value) -> Option<&Value> {
    owner_references(obj)
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
}

/// The uid of the controlling owner ("" when none).
pub fn controller_uid(obj: &Value) -> &str {
    controller_ref(obj)
        .and_then(|r| r.get("uid"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `metav1.NewControllerRef`: what a controller stamps on the objects it creates.
pub fn new_controller_ref(owner: &Value, api_version: &str, kind: &str) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": meta_str(owner, "name"),
        "uid": meta_str(owner, "uid"),
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

pub fn finalizers(obj: &Value) -> Vec<String> {
    obj.pointer("/metadata/finalizers")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// metav1.Time as Unix seconds, when set and well formed.
pub fn time_at(obj: &Value, pointer: &str) -> Option<i64> {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .and_then(apimachinery::time::parse_rfc3339)
}

pub fn creation_secs(obj: &Value) -> i64 {
    time_at(obj, "/metadata/creationTimestamp").unwrap_or(0)
}

pub fn rfc3339(now: SimTime) -> String {
    apimachinery::time::format_rfc3339(now.unix_secs())
}

/// A pod's condition of `type_`.
pub fn pod_condition<'a>(pod: &'a Value, type_: &str) -> Option<&'a Value> {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))
}

/// `podutil.IsPodReady`: the Ready condition is True.
pub fn is_pod_ready(pod: &Value) -> bool {
    pod_condition(pod, "Ready").is_some_and(|c| c.get("status").and_then(Value::as_str) == Some("True"))
}

/// When the pod became Ready (the Ready condition's lastTransitionTime), if it is Ready.
pub fn pod_ready_since(pod: &Value) -> Option<i64> {
    if !is_pod_ready(pod) {
        return None;
    }
    pod_condition(pod, "Ready").and_then(|c| time_at(c, "/lastTransitionTime"))
}

/// `podutil.IsPodAvailable`: Ready for at least minReadySeconds (strictly before now).
pub fn is_pod_available(pod: &Value, min_ready_seconds: i64, now: SimTime) -> bool {
    if !is_pod_ready(pod) {
        return false;
    }
    if min_ready_seconds <= 0 {
        return true;
    }
    match pod_condition(pod, "Ready").and_then(|c| time_at(c, "/lastTransitionTime")) {
        Some(t) => t.saturating_add(min_ready_seconds).saturating_mul(1000) < now.unix_millis(),
        None => false,
    }
}

pub fn pod_phase(pod: &Value) -> &str {
    str_at(pod, "/status/phase")
}

/// `controller.IsPodActive`: not finished and not being deleted.
pub fn is_pod_active(pod: &Value) -> bool {
    let phase = pod_phase(pod);
    phase != "Succeeded" && phase != "Failed" && !is_being_deleted(pod)
}

/// `controller.IsPodTerminating`: being deleted, not yet finished.
pub fn is_pod_terminating(pod: &Value) -> bool {
    let phase = pod_phase(pod);
    phase != "Succeeded" && phase != "Failed" && is_being_deleted(pod)
}

/// The largest restart count among the pod's containers.
pub fn max_container_restarts(pod: &Value) -> i64 {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|c| int_at(c, "/restartCount")).max().unwrap_or(0))
        .unwrap_or(0)
}

/// `/api/v1/namespaces/ns/pods` or `/apis/apps/v1/namespaces/ns/replicasets/name`.
pub fn object_path(api_version: &str, plural: &str, namespace: &str, name: &str) -> String {
    let root = if api_version.contains('/') {
        format!("/apis/{api_version}")
    } else {
        format!("/api/{api_version}")
    };
    let mut p = root;
    if !namespace.is_empty() {
        p.push_str("/namespaces/");
        p.push_str(namespace);
    }
    p.push('/');
    p.push_str(plural);
    if !name.is_empty() {
        p.push('/');
        p.push_str(name);
    }
    p
}

/// Sets `metadata.<field>` (creating `metadata` when needed).
pub fn set_meta(obj: &mut Value, field: &str, value: Value) {
    if let Some(o) = obj.as_object_mut() {
        let meta = o.entry("metadata").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.insert(field.to_string(), value);
        }
    }
}

/// Sets an annotation; returns whether it changed.
pub fn set_annotation(obj: &mut Value, key: &str, value: &str) -> bool {
    if annotation(obj, key) == Some(value) {
        return false;
    }
    if let Some(o) = obj.as_object_mut() {
        let meta = o.entry("metadata").or_insert_with(|| json!({}));
        if let Some(m) = meta.as_object_mut() {
            let ann = m.entry("annotations").or_insert_with(|| json!({}));
            if !ann.is_object() {
                *ann = json!({});
            }
            if let Some(a) = ann.as_object_mut() {
                a.insert(key.to_string(), Value::String(value.to_string()));
                return true;
            }
        }
    }
    false
}

/// Inserts `value` at `obj[field]` when obj is an object.
pub fn set_field(obj: &mut Value, field: &str, value: Value) {
    if let Some(o) = obj.as_object_mut() {
        o.insert(field.to_string(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready_pod(since: &str) -> Value {
        json!({"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": since}]}})
    }

    #[test]
    fn availability_needs_min_ready_seconds_strictly_elapsed() {
        let pod = ready_pod("2026-01-01T00:00:00Z");
        let t0 = SimTime::from_unix_secs(sim::DEFAULT_EPOCH_SECONDS);
        assert!(is_pod_available(&pod, 0, t0));
        assert!(!is_pod_available(&pod, 10, t0.add(sim::Duration::from_secs(10))));
        assert!(is_pod_available(&pod, 10, t0.add(sim::Duration::from_millis(10_001))));
        assert!(!is_pod_available(&json!({"status": {}}), 0, t0));
    }

    #[test]
    fn object_paths_follow_the_group_layout() {
        assert_eq!(
            object_path("v1", "pods", "default", "p"),
            "/api/v1/namespaces/default/pods/p"
        );
        assert_eq!(
            object_path("apps/v1", "replicasets", "ns", ""),
            "/apis/apps/v1/namespaces/ns/replicasets"
        );
        assert_eq!(object_path("v1", "nodes", "", "n1"), "/api/v1/nodes/n1");
    }

    #[test]
    fn the_controller_reference_is_the_one_marked_controller() {
        let pod = json!({"metadata": {"ownerReferences": [
            {"uid": "a", "kind": "X"}, {"uid": "b", "kind": "ReplicaSet", "controller": true}
        ]}});
        assert_eq!(controller_uid(&pod), "b");
        assert_eq!(controller_uid(&json!({})), "");
    }
}
