//! Custom resources against their CRD's structural schema (`openAPIV3Schema`), as
//! apiextensions-apiserver treats them: pruning finds unknown fields (a strict decoding error
//! under fieldValidation=Strict, silently dropped otherwise), then kube-openapi's validator
//! reports type, required, enum and bound violations as field errors.
//! Not modelled: `pattern`, `format`, `uniqueItems`, CEL rules, schema defaults.

use apimachinery::errors::go_quote;
use apimachinery::{FieldError, FieldErrorType};
use serde_json::Value;

/// Nesting beyond this is not inspected (bounds recursion on hostile bodies).
const MAX_DEPTH: usize = 64;

fn preserves_unknown(schema: &Value) -> bool {
    schema
        .get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true)
}

fn child_path(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// The schema a property of an object node follows: from `properties`, else from
/// `additionalProperties` (a schema, or `true` meaning anything); `None` when unknown.
fn property_schema<'a>(schema: &'a Value, key: &str) -> Option<Option<&'a Value>> {
    if let Some(p) = schema.get("properties").and_then(|p| p.get(key)) {
        return Some(Some(p));
    }
    match schema.get("additionalProperties") {
        Some(Value::Bool(true)) => Some(None),
        Some(s @ Value::Object(_)) => Some(Some(s)),
        _ => None,
    }
}

/// Walks `value` against `schema`, removing (when `remove`) and recording the paths of
/// fields the schema does not know. The root keeps apiVersion, kind and metadata, as does
/// any node marked `x-kubernetes-embedded-resource`.
fn walk_unknown(
    schema: &Value,
    value: &mut Value,
    path: &str,
    root: bool,
    remove: bool,
    depth: usize,
    out: &mut Vec<String>,
) {
    if depth > MAX_DEPTH || preserves_unknown(schema) {
        return;
    }
    if schema.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true) {
        return;
    }
    match value {
        Value::Object(map) => {
            let embedded = root || schema.get("x-kubernetes-embedded-resource").and_then(Value::as_bool) == Some(true);
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if embedded && matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                let p = child_path(path, &key);
                match property_schema(schema, &key) {
                    Some(Some(sub)) => {
                        if let Some(v) = map.get_mut(&key) {
                            walk_unknown(sub, v, &p, false, remove, depth + 1, out);
                        }
                    }
                    Some(None) => {}
                    None => {
                        out.push(p);
                        if remove {
                            map.remove(&key);
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter_mut().enumerate() {
                    walk_unknown(item_schema, v, &format!("{path}[{i}]"), false, remove, depth + 1, out);
                }
            }
        }
        _ => {}
    }
}

/// The paths of the fields pruning would drop, sorted.
pub(crate) fn unknown_fields(schema: &Value, obj: &Value) -> Vec<String> {
    let mut copy = obj.clone();
    let mut out = Vec::new();
    walk_unknown(schema, &mut copy, "", true, false, 0, &mut out);
    out.sort();
    out
}

/// Drops the fields the schema does not know (pruning).
pub(crate) fn prune(schema: &Value, obj: &mut Value) {
    let mut out = Vec::new();
    walk_unknown(schema, obj, "", true, true, 0, &mut out);
}

/// kube-openapi's name for the JSON type of a value.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) {
                "integer"
            } else {
                "number"
            }
        }
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(expected: &str, v: &Value) -> bool {
    match expected {
        "number" => v.is_number(),
        "integer" => type_name(v) == "integer",
        other => type_name(v) == other,
    }
}

/// A bad value as field errors print it since v1.34: numbers and booleans bare, strings
/// quoted, anything else as JSON.
fn render(v: &Value) -> String {
    match v {
        Value::String(s) => go_quote(s),
        Value::Number(_) | Value::Bool(_) => v.to_string(),
        other => other.to_string(),
    }
}

fn field_error(kind: FieldErrorType, field: &str, bad_value: Option<String>, detail: String) -> FieldError {
    FieldError {
        kind,
        field: field.to_string(),
        bad_value,
        detail,
    }
}

/// How kube-openapi names a path in its messages (`spec.replicas in body …`).
fn display(path: &str) -> &str {
    if path.is_empty() {
        "."
    } else {
        path
    }
}

fn validate_node(schema: &Value, value: &Value, path: &str, depth: usize, errs: &mut Vec<FieldError>) {
    if depth > MAX_DEPTH {
        return;
    }
    let int_or_string = schema.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true);
    if value.is_null() {
        // Absent-like nulls are only an error for non-nullable typed fields.
        if schema.get("nullable").and_then(Value::as_bool) == Some(true) || int_or_string {
            return;
        }
    }
    if int_or_string {
        if !(value.is_string() || type_name(value) == "integer") {
            errs.push(field_error(
                FieldErrorType::TypeInvalid,
                path,
                Some(go_quote(type_name(value))),
                format!(
                    "{} in body must be of type integer,string: {}",
                    display(path),
                    go_quote(type_name(value))
                ),
            ));
        }
        return;
    }
    if let Some(expected) = schema.get("type").and_then(Value::as_str) {
        if !type_matches(expected, value) {
            errs.push(field_error(
                FieldErrorType::TypeInvalid,
                path,
                Some(go_quote(type_name(value))),
                format!(
                    "{} in body must be of type {expected}: {}",
                    display(path),
                    go_quote(type_name(value))
                ),
            ));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            let supported: Vec<String> = allowed
                .iter()
                .map(|a| a.as_str().map(str::to_string).unwrap_or_else(|| a.to_string()))
                .collect();
            let quoted: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
            errs.push(field_error(
                FieldErrorType::NotSupported,
                path,
                Some(render(value)),
                format!("supported values: {}", quoted.join(", ")),
            ));
        }
    }
    match value {
        Value::Number(n) => {
            let Some(x) = n.as_f64() else { return };
            let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
            let excl = |key: &str| schema.get(key).and_then(Value::as_bool) == Some(true);
            let shown = |key: &str| schema.get(key).map(Value::to_string).unwrap_or_default();
            if let Some(max) = bound("maximum") {
                let (bad, words) = if excl("exclusiveMaximum") {
                    (x >= max, "should be less than")
                } else {
                    (x > max, "should be less than or equal to")
                };
                if bad {
                    let detail = format!("{} in body {words} {}", display(path), shown("maximum"));
                    errs.push(field_error(FieldErrorType::Invalid, path, Some(render(value)), detail));
                }
            }
            if let Some(min) = bound("minimum") {
                let (bad, words) = if excl("exclusiveMinimum") {
                    (x <= min, "should be greater than")
                } else {
                    (x < min, "should be greater than or equal to")
                };
                if bad {
                    let detail = format!("{} in body {words} {}", display(path), shown("minimum"));
                    errs.push(field_error(FieldErrorType::Invalid, path, Some(render(value)), detail));
                }
            }
        }
        Value::String(s) => {
            let len = s.chars().count() as u64;
            if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
                if len > max {
                    errs.push(FieldError::too_long(path, max as usize));
                }
            }
            if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
                if len < min {
                    let detail = format!("{} in body should be at least {min} chars long", display(path));
                    errs.push(field_error(FieldErrorType::Invalid, path, Some(render(value)), detail));
                }
            }
        }
        Value::Array(items) => {
            if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
                if items.len() as u64 > max {
                    errs.push(field_error(
                        FieldErrorType::TooMany,
                        path,
                        Some(items.len().to_string()),
                        format!("must have at most {max} {}", if max == 1 { "item" } else { "items" }),
                    ));
                }
            }
            if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
                if (items.len() as u64) < min {
                    let detail = format!("{} in body should have at least {min} items", display(path));
                    errs.push(field_error(FieldErrorType::Invalid, path, Some(render(value)), detail));
                }
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, v) in items.iter().enumerate() {
                    validate_node(item_schema, v, &format!("{path}[{i}]"), depth + 1, errs);
                }
            }
        }
        Value::Object(map) => {
            if let Some(required) = schema.get("required").and_then(Value::as_array) {
                for r in required.iter().filter_map(Value::as_str) {
                    if map.get(r).is_none_or(Value::is_null) {
                        errs.push(FieldError::required(child_path(path, r), ""));
                    }
                }
            }
            for (key, v) in map {
                if depth == 0 && matches!(key.as_str(), "apiVersion" | "kind" | "metadata") {
                    continue;
                }
                if let Some(Some(sub)) = property_schema(schema, key) {
                    validate_node(sub, v, &child_path(path, key), depth + 1, errs);
                }
            }
        }
        _ => {}
    }
}

/// Field errors of a custom resource against its schema.
pub(crate) fn validate(schema: &Value, obj: &Value) -> Vec<FieldError> {
    let mut errs = Vec::new();
    validate_node(schema, obj, "", 0, &mut errs);
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "spec": {"type": "object", "required": ["image"], "properties": {
                "cronSpec": {"type": "string", "minLength": 3},
                "image": {"type": "string"},
                "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
                "mode": {"type": "string", "enum": ["a", "b"]},
                "port": {"x-kubernetes-int-or-string": true},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "items": {"type": "array", "maxItems": 2, "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
            }}
        }})
    }

    fn messages(errs: &[FieldError]) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn unknown_fields_are_found_at_any_depth_but_not_where_preserved() {
        let obj = json!({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "a"}, "top": 1,
            "spec": {"image": "i", "foo": 1, "extra": {"any": {"thing": 1}}, "labels": {"k": "v"},
                     "items": [{"name": "n", "bad": true}]}});
        assert_eq!(
            unknown_fields(&schema(), &obj),
            vec!["spec.foo", "spec.items[0].bad", "top"]
        );
        let mut pruned = obj.clone();
        prune(&schema(), &mut pruned);
        assert_eq!(
            pruned,
            json!({"apiVersion": "x/v1", "kind": "K", "metadata": {"name": "a"},
                "spec": {"image": "i", "extra": {"any": {"thing": 1}}, "labels": {"k": "v"}, "items": [{"name": "n"}]}})
        );
    }

    #[test]
    fn type_errors_read_as_kube_openapi_writes_them() {
        let obj = json!({"spec": {"image": "i", "cronSpec": 5, "replicas": "3", "port": true}});
        assert_eq!(
            messages(&validate(&schema(), &obj)),
            vec![
                "spec.cronSpec: Invalid value: \"integer\": spec.cronSpec in body must be of type string: \"integer\"",
                "spec.port: Invalid value: \"boolean\": spec.port in body must be of type integer,string: \"boolean\"",
                "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"",
            ]
        );
    }

    #[test]
    fn required_enum_and_bounds_are_checked() {
        let obj = json!({"spec": {"cronSpec": "x", "replicas": 11, "mode": "c", "items": [{}, {}, {}]}});
        assert_eq!(
            messages(&validate(&schema(), &obj)),
            vec![
                "spec.image: Required value",
                "spec.cronSpec: Invalid value: \"x\": spec.cronSpec in body should be at least 3 chars long",
                "spec.items: Too many: 3: must have at most 2 items",
                "spec.mode: Unsupported value: \"c\": supported values: \"a\", \"b\"",
                "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10",
            ]
        );
        assert!(validate(
            &schema(),
            &json!({"spec": {"image": "i", "replicas": 10, "port": "http"}})
        )
        .is_empty());
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut v = json!(1);
        for _ in 0..1_000 {
            v = json!({"a": v});
        }
        let s = json!({"type": "object", "x-kubernetes-preserve-unknown-fields": false});
        assert_eq!(unknown_fields(&s, &v), vec!["a"]);
        assert!(validate(&s, &v).is_empty());
    }
}
