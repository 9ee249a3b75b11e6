//! Update validation: ValidateObjectMetaUpdate, the kind's rules on the new object, and the
//! immutability rules (strategy ValidateUpdate functions).

use super::kinds::{self, validate_body};
use super::render::{self, bad_value};
use super::{arr, int, is_true, s, FIELD_IMMUTABLE};
use crate::discovery::ResourceInfo;
use apimachinery::validation as names;
use apimachinery::FieldError;
use serde_json::{Map, Value};

/// The updatable pod spec fields, as the Forbidden message lists them.
const UPDATABLE_POD_SPEC_FIELDS: &str = "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

pub(crate) fn validate(info: &ResourceInfo, old: &Value, new: &Value) -> Vec<FieldError> {
    let mut errs = meta_update(old, new);
    let old_spec = old.get("spec").unwrap_or(&Value::Null);
    let new_spec = new.get("spec").unwrap_or(&Value::Null);
    match (info.group.as_str(), info.kind.as_str()) {
        ("", "ConfigMap") => {
            immutable_data(&mut errs, old, new, &["data", "binaryData"]);
            errs.extend(kinds::validate(info, new));
            return errs;
        }
        ("", "Secret") => {
            if s(new, "type") != s(old, "type") {
                errs.push(FieldError::invalid_str("type", s(new, "type"), FIELD_IMMUTABLE));
            }
            immutable_data(&mut errs, old, new, &["data"]);
            errs.extend(kinds::validate(info, new));
            return errs;
        }
        _ => {}
    }
    errs.extend(validate_body(info, new, false));
    match (info.group.as_str(), info.kind.as_str()) {
        ("", "Pod") => pod_update(&mut errs, old_spec, new_spec),
        ("apps", "Deployment" | "ReplicaSet" | "DaemonSet") => {
            let (o, n) = (
                old_spec.get("selector").unwrap_or(&Value::Null),
                new_spec.get("selector").unwrap_or(&Value::Null),
            );
            if !semantic_eq(o, n) {
                errs.push(FieldError::invalid(
                    "spec.selector",
                    render::label_selector(n),
                    FIELD_IMMUTABLE,
                ));
            }
        }
        ("apps", "StatefulSet") => {
            let mutable = [
                "replicas",
                "ordinals",
                "template",
                "updateStrategy",
                "revisionHistoryLimit",
                "persistentVolumeClaimRetentionPolicy",
                "minReadySeconds",
            ];
            if !semantic_eq(&without(old_spec, &mutable), &without(new_spec, &mutable)) {
                errs.push(FieldError::forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                ));
            }
        }
        ("batch", "Job") => job_update(&mut errs, old_spec, new_spec),
        ("", "Service") => service_update(&mut errs, old_spec, new_spec),
        ("", "PersistentVolumeClaim") => pvc_update(&mut errs, old, new),
        ("scheduling.k8s.io", "PriorityClass") => {
            if int(new, "value") != int(old, "value") {
                errs.push(FieldError::forbidden("value", "may not be changed in an update."));
            }
            if new.get("preemptionPolicy") != old.get("preemptionPolicy") {
                errs.push(FieldError::invalid(
                    "preemptionPolicy",
                    new.get("preemptionPolicy").map_or("null".to_string(), bad_value),
                    FIELD_IMMUTABLE,
                ));
            }
        }
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => {
            let (o, n) = (
                old.get("roleRef").unwrap_or(&Value::Null),
                new.get("roleRef").unwrap_or(&Value::Null),
            );
            if ["apiGroup", "kind", "name"].iter().any(|k| s(o, k) != s(n, k)) {
                let rendered = format!(
                    "{{\"APIGroup\":{},\"Kind\":{},\"Name\":{}}}",
                    render::go_json_string(s(n, "apiGroup")),
                    render::go_json_string(s(n, "kind")),
                    render::go_json_string(s(n, "name"))
                );
                errs.push(FieldError::invalid("roleRef", rendered, "cannot change roleRef"));
            }
        }
        _ => {}
    }
    errs
}

/// ValidateObjectMetaUpdate. creationTimestamp and generation are reset from the old object
/// by the registry before validation, so they are not compared here.
fn meta_update(old: &Value, new: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let om = old.get("metadata").unwrap_or(&Value::Null);
    let nm = new.get("metadata").unwrap_or(&Value::Null);
    for field in ["name", "namespace"] {
        if s(om, field) != s(nm, field) {
            errs.push(FieldError::invalid_str(
                format!("metadata.{field}"),
                s(nm, field),
                FIELD_IMMUTABLE,
            ));
        }
    }
    let new_uid = s(nm, "uid");
    if !new_uid.is_empty() && new_uid != s(om, "uid") {
        errs.push(FieldError::invalid_str("metadata.uid", new_uid, FIELD_IMMUTABLE));
    }
    if let Some(labels) = nm.get("labels") {
        errs.extend(names::validate_labels(labels, "metadata.labels"));
    }
    if let Some(annotations) = nm.get("annotations") {
        errs.extend(names::validate_annotations(annotations, "metadata.annotations"));
    }
    errs
}

fn immutable_data(errs: &mut Vec<FieldError>, old: &Value, new: &Value, fields: &[&str]) {
    if !is_true(old, "immutable") {
        return;
    }
    if !is_true(new, "immutable") {
        errs.push(FieldError::forbidden(
            "immutable",
            "field is immutable when `immutable` is set",
        ));
    }
    for field in fields {
        if !semantic_eq(
            old.get(*field).unwrap_or(&Value::Null),
            new.get(*field).unwrap_or(&Value::Null),
        ) {
            errs.push(FieldError::forbidden(
                *field,
                "field is immutable when `immutable` is set",
            ));
        }
    }
}

/// A copy of an object without some fields.
fn without(v: &Value, fields: &[&str]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !fields.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// apiequality.Semantic.DeepEqual on JSON: nulls and empty lists count as unset.
pub(crate) fn semantic_eq(a: &Value, b: &Value) -> bool {
    normalize(a) == normalize(b)
}

fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, item) in m {
                let n = normalize(item);
                let drop = n.is_null() || n.as_array().is_some_and(Vec::is_empty);
                if !drop {
                    out.insert(k.clone(), n);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

fn pod_update(errs: &mut Vec<FieldError>, old: &Value, new: &Value) {
    for key in ["containers", "initContainers"] {
        let (o, n) = (arr(old, key), arr(new, key));
        if o.len() != n.len() {
            errs.push(FieldError::forbidden(
                format!("spec.{key}"),
                "pod updates may not add or remove containers",
            ));
            return;
        }
        for (i, c) in n.iter().enumerate() {
            if s(c, "image").is_empty() {
                errs.push(FieldError::required(format!("spec.{key}[{i}].image"), ""));
            }
        }
    }
    match (int(new, "activeDeadlineSeconds"), int(old, "activeDeadlineSeconds")) {
        (Some(n), _) if !(0..=i64::from(i32::MAX)).contains(&n) => {
            errs.push(FieldError::invalid(
                "spec.activeDeadlineSeconds",
                n.to_string(),
                "must be between 0 and 2147483647, inclusive",
            ));
            return;
        }
        (Some(n), Some(o)) if o < n => {
            errs.push(FieldError::invalid(
                "spec.activeDeadlineSeconds",
                n.to_string(),
                "must be less than or equal to previous value",
            ));
            return;
        }
        (None, Some(_)) => {
            errs.push(FieldError::invalid(
                "spec.activeDeadlineSeconds",
                "null",
                "must not update from a positive integer to nil value",
            ));
        }
        _ => {}
    }
    // Only additions to tolerations (tolerationSeconds may change).
    let strip = |t: &Value| without(t, &["tolerationSeconds"]);
    let new_tols: Vec<Value> = arr(new, "tolerations").iter().map(strip).collect();
    for t in arr(old, "tolerations") {
        if !new_tols.iter().any(|n| semantic_eq(n, &strip(t))) {
            errs.push(FieldError::forbidden(
                "spec.tolerations",
                "existing toleration can not be modified except its tolerationSeconds",
            ));
            break;
        }
    }
    if semantic_eq(old, new) {
        return;
    }
    // Copy the updatable fields from the old spec, then compare.
    let mut munged = new.clone();
    if let Some(m) = munged.as_object_mut() {
        for key in ["containers", "initContainers"] {
            if let Some(items) = m.get_mut(key).and_then(Value::as_array_mut) {
                for (i, c) in items.iter_mut().enumerate() {
                    let old_image = arr(old, key).get(i).and_then(|o| o.get("image")).cloned();
                    if let (Some(cm), Some(img)) = (c.as_object_mut(), old_image) {
                        cm.insert("image".to_string(), img);
                    }
                }
            }
        }
        for key in ["activeDeadlineSeconds", "tolerations", "schedulingGates"] {
            match old.get(key) {
                Some(v) => m.insert(key.to_string(), v.clone()),
                None => m.remove(key),
            };
        }
        if int(old, "terminationGracePeriodSeconds").is_some_and(|g| g < 0)
            && int(new, "terminationGracePeriodSeconds") == Some(1)
        {
            if let Some(v) = old.get("terminationGracePeriodSeconds") {
                m.insert("terminationGracePeriodSeconds".to_string(), v.clone());
            }
        }
    }
    if !semantic_eq(old, &munged) {
        errs.push(FieldError::forbidden(
            "spec",
            format!("pod updates may not change fields other than {UPDATABLE_POD_SPEC_FIELDS}"),
        ));
    }
}

fn job_update(errs: &mut Vec<FieldError>, old: &Value, new: &Value) {
    let elastic = s(new, "completionMode") == "Indexed" && int(new, "completions") == int(new, "parallelism");
    if !elastic && int(old, "completions") != int(new, "completions") {
        let v = new
            .get("completions")
            .filter(|v| !v.is_null())
            .map_or("null".to_string(), bad_value);
        errs.push(FieldError::invalid("spec.completions", v, FIELD_IMMUTABLE));
    }
    let (os, ns) = (
        old.get("selector").unwrap_or(&Value::Null),
        new.get("selector").unwrap_or(&Value::Null),
    );
    if !semantic_eq(os, ns) {
        errs.push(FieldError::invalid(
            "spec.selector",
            render::label_selector(ns),
            FIELD_IMMUTABLE,
        ));
    }
    let (ot, nt) = (
        old.get("template").unwrap_or(&Value::Null),
        new.get("template").unwrap_or(&Value::Null),
    );
    if !semantic_eq(ot, nt) {
        // Upstream prints the internal PodTemplateSpec; its JSON form is approximated.
        errs.push(FieldError::invalid(
            "spec.template",
            render::go_json(nt),
            FIELD_IMMUTABLE,
        ));
    }
    for field in ["completionMode", "podFailurePolicy", "backoffLimitPerIndex"] {
        let (o, n) = (
            old.get(field).unwrap_or(&Value::Null),
            new.get(field).unwrap_or(&Value::Null),
        );
        if !semantic_eq(o, n) {
            errs.push(FieldError::invalid(
                format!("spec.{field}"),
                bad_value(n),
                FIELD_IMMUTABLE,
            ));
        }
    }
}

fn cluster_ips(spec: &Value) -> Vec<String> {
    let ips: Vec<String> = arr(spec, "clusterIPs")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    if !ips.is_empty() {
        return ips;
    }
    let ip = s(spec, "clusterIP");
    if ip.is_empty() {
        Vec::new()
    } else {
        vec![ip.to_string()]
    }
}

/// The primary cluster IP may not change once set (an unset new value keeps the old one;
/// ExternalName services have none).
fn service_update(errs: &mut Vec<FieldError>, old: &Value, new: &Value) {
    if s(old, "type") == "ExternalName" || s(new, "type") == "ExternalName" {
        return;
    }
    let (o, mut n) = (cluster_ips(old), cluster_ips(new));
    // normalizeClusterIPs: a changed singular clusterIP with the plural left as it was
    // means "change the IP" when the service had one.
    let (old_ip, new_ip) = (s(old, "clusterIP"), s(new, "clusterIP"));
    if old_ip != new_ip && !new_ip.is_empty() && arr(old, "clusterIPs") == arr(new, "clusterIPs") && o.len() == 1 {
        n = vec![new_ip.to_string()];
    }
    let (Some(old_primary), Some(new_primary)) = (o.first(), n.first()) else {
        return;
    };
    if old_primary != new_primary {
        let rendered = render::go_json(&Value::Array(n.iter().map(|ip| Value::String(ip.clone())).collect()));
        errs.push(FieldError::invalid(
            "spec.clusterIPs[0]",
            rendered,
            "may not change once set",
        ));
    }
}

fn pvc_update(errs: &mut Vec<FieldError>, old: &Value, new: &Value) {
    let old_spec = old.get("spec").unwrap_or(&Value::Null);
    let new_spec = new.get("spec").unwrap_or(&Value::Null);
    let mut o = old_spec.clone();
    let mut n = new_spec.clone();
    if s(old_spec, "volumeName").is_empty() {
        if let (Some(om), Some(v)) = (o.as_object_mut(), new_spec.get("volumeName")) {
            om.insert("volumeName".to_string(), v.clone());
        }
    }
    for spec in [&mut o, &mut n] {
        if let Some(m) = spec.as_object_mut() {
            m.remove("volumeAttributesClassName");
        }
    }
    let bound = new.get("status").is_some_and(|st| s(st, "phase") == "Bound");
    if bound {
        let old_storage = old_spec
            .get("resources")
            .and_then(|r| r.get("requests"))
            .and_then(|r| r.get("storage"))
            .cloned();
        if let (Some(requests), Some(v)) = (
            n.get_mut("resources")
                .and_then(|r| r.get_mut("requests"))
                .and_then(Value::as_object_mut),
            old_storage,
        ) {
            requests.insert("storage".to_string(), v);
        }
    }
    if !semantic_eq(&o, &n) {
        errs.push(FieldError::forbidden(
            "spec",
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
        ));
    }
    let size = |spec: &Value| {
        spec.get("resources")
            .and_then(|r| r.get("requests"))
            .and_then(|r| r.get("storage"))
            .and_then(super::pod::quantity_of)
    };
    let status_size = old
        .get("status")
        .and_then(|st| st.get("capacity"))
        .and_then(|c| c.get("storage"))
        .and_then(super::pod::quantity_of);
    // RecoverVolumeExpansionFailure: shrinking is allowed down to (not to) status.capacity.
    if let (Some(old_size), Some(new_size)) = (size(old_spec), size(new_spec)) {
        if new_size < old_size && status_size.is_some_and(|st| new_size <= st) {
            errs.push(FieldError::forbidden(
                "spec.resources.requests.storage",
                "field can not be less than status.capacity",
            ));
        }
    }
}
