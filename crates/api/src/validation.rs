//! Validation with upstream's field paths and messages (pkg/apis/core/validation,
//! apps/validation, batch/validation, networking, rbac, scheduling, policy …), run on the
//! defaulted object as the API server does.
//!
//! Offending values are rendered as v1.37's `field.Error.ErrorBody` does: numbers and bools
//! plainly, strings Go-quoted, anything else as compact Go JSON (`{"matchLabels":{"app":"web"}}`).
//! Errors are listed in upstream's order where it is deterministic; Go map iteration
//! (labels, resources) is replaced by sorted key order.

use crate::discovery::ResourceInfo;
use apimachinery::validation::{self as names, NameRule};
use apimachinery::FieldError;
use serde_json::{Map, Value};

mod kinds;
mod pod;
mod render;
mod update;

pub use render::go_json;

/// The errors upstream's create validation reports for `obj` (already defaulted).
pub fn validate_create(info: &ResourceInfo, obj: &Value) -> Vec<FieldError> {
    kinds::validate(info, obj)
}

/// The errors upstream's update validation reports for replacing `old` with `new` (both
/// defaulted): the create rules on `new` plus the immutability rules.
pub fn validate_update(info: &ResourceInfo, old: &Value, new: &Value) -> Vec<FieldError> {
    update::validate(info, old, new)
}

/// The rule `metadata.name` follows for a kind.
pub fn name_rule(group: &str, kind: &str) -> NameRule {
    match (group, kind) {
        ("", "Service") => NameRule::Dns1035Label,
        ("", "Namespace") => NameRule::Dns1123Label,
        ("rbac.authorization.k8s.io", _) => NameRule::PathSegment,
        _ => NameRule::Dns1123Subdomain,
    }
}

// ---- field paths --------------------------------------------------------------------------

pub(crate) fn child(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

pub(crate) fn key(path: &str, k: &str) -> String {
    format!("{path}[{k}]")
}

// ---- JSON access --------------------------------------------------------------------------

pub(crate) fn obj<'a>(v: &'a Value, k: &str) -> Option<&'a Map<String, Value>> {
    v.get(k).and_then(Value::as_object)
}

pub(crate) fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn arr<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

pub(crate) fn int(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(Value::as_i64)
}

pub(crate) fn is_set(v: &Value, k: &str) -> bool {
    v.get(k).is_some_and(|x| !x.is_null())
}

pub(crate) fn is_true(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool) == Some(true)
}

// ---- shared checks ------------------------------------------------------------------------

pub(crate) const IS_NEGATIVE: &str = "must be greater than or equal to 0";
pub(crate) const FIELD_IMMUTABLE: &str = "field is immutable";

/// ValidateNonnegativeField.
pub(crate) fn nonnegative(errs: &mut Vec<FieldError>, v: &Value, k: &str, path: &str) {
    if let Some(n) = int(v, k) {
        if n < 0 {
            errs.push(FieldError::invalid(child(path, k), n.to_string(), IS_NEGATIVE));
        }
    }
}

/// ValidateObjectMeta for a kind. A missing name is not reported when `generateName` is set:
/// the registry generates the name before validation runs.
pub(crate) fn object_meta(obj: &Value, namespaced: bool, rule: NameRule) -> Vec<FieldError> {
    let path = "metadata";
    let meta = obj.get("metadata").unwrap_or(&Value::Null);
    let mut errs: Vec<FieldError> = names::validate_name(s(meta, "name"), s(meta, "generateName"), rule, path);
    if !s(meta, "generateName").is_empty() && s(meta, "name").is_empty() {
        errs.retain(|e| e.field != "metadata.name");
    }
    let ns = s(meta, "namespace");
    if namespaced {
        if ns.is_empty() {
            errs.push(FieldError::required("metadata.namespace", ""));
        } else {
            for msg in names::is_dns1123_label(ns) {
                errs.push(FieldError::invalid_str("metadata.namespace", ns, msg));
            }
        }
    } else if !ns.is_empty() {
        errs.push(FieldError::forbidden("metadata.namespace", "not allowed on this type"));
    }
    nonnegative(&mut errs, meta, "generation", path);
    if let Some(labels) = meta.get("labels") {
        errs.extend(names::validate_labels(labels, "metadata.labels"));
    }
    if let Some(annotations) = meta.get("annotations") {
        errs.extend(names::validate_annotations(annotations, "metadata.annotations"));
    }
    for f in arr(meta, "finalizers") {
        if let Some(f) = f.as_str() {
            for msg in names::is_qualified_name(f) {
                errs.push(FieldError::invalid_str("metadata.finalizers", f, msg));
            }
        }
    }
    errs
}

/// NotSupported for a value that is not a plain string (already rendered).
pub(crate) fn not_supported_rendered(field: impl Into<String>, rendered: String, supported: &[&str]) -> FieldError {
    let quoted: Vec<String> = supported.iter().map(|v| apimachinery::errors::go_quote(v)).collect();
    FieldError {
        kind: apimachinery::FieldErrorType::NotSupported,
        field: field.into(),
        bad_value: Some(rendered),
        detail: format!("supported values: {}", quoted.join(", ")),
    }
}

/// ValidateDNS1123Label / Subdomain / DNS1035Label against a value at `path`.
pub(crate) fn name_check(errs: &mut Vec<FieldError>, value: &str, rule: NameRule, path: &str) {
    for msg in rule.check(value, false) {
        errs.push(FieldError::invalid_str(path, value, msg));
    }
}

/// IsValidPortNum as a list of messages.
pub(crate) fn port_num_errors(port: i64) -> Vec<String> {
    if (1..=65535).contains(&port) {
        Vec::new()
    } else {
        vec!["must be between 1 and 65535, inclusive".to_string()]
    }
}

/// IsValidPortName.
pub(crate) fn port_name_errors(port: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if port.len() > 15 {
        errs.push(names::max_len_error(15));
    }
    if port.is_empty()
        || !port
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string());
    }
    if !port.bytes().any(|b| b.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".to_string());
    }
    if port.starts_with('-') || port.ends_with('-') {
        errs.push("must not begin or end with a hyphen".to_string());
    }
    errs
}

/// ValidatePortNumOrName for an int-or-string port at `path`.
pub(crate) fn port_num_or_name(errs: &mut Vec<FieldError>, port: Option<&Value>, path: &str) {
    match port {
        Some(Value::Number(n)) => {
            let p = n.as_i64().unwrap_or(-1);
            for msg in port_num_errors(p) {
                errs.push(FieldError::invalid(path, render::number(n), msg));
            }
        }
        Some(Value::String(name)) => {
            for msg in port_name_errors(name) {
                errs.push(FieldError::invalid_str(path, name, msg));
            }
        }
        // An unset IntOrString is the integer 0.
        _ => errs.push(FieldError::invalid(path, "0", "must be between 1 and 65535, inclusive")),
    }
}

#[cfg(test)]
mod tests;
