//! Small readers over API objects as JSON values, and the formatting helpers upstream's printers
//! share (label maps, label selectors, ages). Missing or mistyped fields read as empty/zero, the
//! way Go's zero values print.

use apimachinery::time::{human_duration, parse_rfc3339};
use serde_json::Value;

/// The value at a dotted path (`spec.template.spec`), or `Value::Null`.
pub fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    static NULL: Value = Value::Null;
    let mut cur = v;
    for part in path.split('.') {
        if part.is_empty() {
            continue;
        }
        match cur.get(part) {
            Some(next) => cur = next,
            None => return &NULL,
        }
    }
    cur
}

pub fn s<'a>(v: &'a Value, path: &str) -> &'a str {
    at(v, path).as_str().unwrap_or("")
}

/// Optional string: `None` when absent or not a string.
pub fn opt_s<'a>(v: &'a Value, path: &str) -> Option<&'a str> {
    at(v, path).as_str()
}

pub fn i(v: &Value, path: &str) -> i64 {
    let x = at(v, path);
    x.as_i64().or_else(|| x.as_f64().map(|f| f as i64)).unwrap_or(0)
}

pub fn opt_i(v: &Value, path: &str) -> Option<i64> {
    let x = at(v, path);
    x.as_i64().or_else(|| x.as_f64().map(|f| f as i64))
}

pub fn b(v: &Value, path: &str) -> bool {
    at(v, path).as_bool().unwrap_or(false)
}

pub fn arr<'a>(v: &'a Value, path: &str) -> &'a [Value] {
    at(v, path).as_array().map(|a| a.as_slice()).unwrap_or(&[])
}

pub fn len_of(v: &Value, path: &str) -> usize {
    match at(v, path) {
        Value::Array(a) => a.len(),
        Value::Object(m) => m.len(),
        _ => 0,
    }
}

/// A JSON scalar as Go's fmt prints it (strings bare); objects/arrays as compact JSON.
pub fn scalar_string(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// An IntOrString value as `intstr.String()` prints it.
pub fn int_or_string(v: &Value) -> String {
    scalar_string(v)
}

/// Age since an RFC 3339 timestamp, or `<unknown>` for a zero/missing time
/// (printers.go translateTimestampSince).
pub fn age(timestamp: &str, now: i64) -> String {
    match parse_rfc3339(timestamp) {
        Some(t) => human_duration(now - t),
        None => "<unknown>".to_string(),
    }
}

pub fn creation_age(obj: &Value, now: i64) -> String {
    age(s(obj, "metadata.creationTimestamp"), now)
}

/// `labels.FormatLabels`: sorted `k=v` joined with `,`, or `<none>`.
pub fn format_labels(map: &Value) -> String {
    match map.as_object() {
        Some(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| format!("{k}={}", scalar_string(v)))
            .collect::<Vec<_>>()
            .join(","),
        _ => "<none>".to_string(),
    }
}

/// A label selector with an operator other than In, NotIn, Exists, DoesNotExist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidLabelSelector;

/// `labels.Selector.String()` of `metav1.LabelSelectorAsSelector(sel)`; `Err` for an invalid
/// operator. An absent or empty selector gives "".
pub fn label_selector_string(sel: &Value) -> Result<String, InvalidLabelSelector> {
    let mut reqs: Vec<(String, String)> = Vec::new();
    if let Some(m) = sel.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in m {
            reqs.push((k.clone(), format!("{k}={}", scalar_string(v))));
        }
    }
    for e in sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .map(|a| a.as_slice())
        .unwrap_or(&[])
    {
        let key = s(e, "key").to_string();
        let mut values: Vec<String> = arr(e, "values").iter().map(scalar_string).collect();
        values.sort();
        let text = match s(e, "operator") {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.clone(),
            "DoesNotExist" => format!("!{key}"),
            _ => return Err(InvalidLabelSelector),
        };
        reqs.push((key, text));
    }
    // labels.NewSelector sorts requirements by key (stable for equal keys).
    reqs.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(reqs.into_iter().map(|(_, t)| t).collect::<Vec<_>>().join(","))
}

/// `metav1.FormatLabelSelector`: `<none>` when empty, `<error>` when invalid.
pub fn format_label_selector(sel: &Value) -> String {
    if sel.is_null() {
        return "<none>".to_string();
    }
    match label_selector_string(sel) {
        Ok(s) if s.is_empty() => "<none>".to_string(),
        Ok(s) => s,
        Err(InvalidLabelSelector) => "<error>".to_string(),
    }
}

/// Container names and images of a pod spec, comma-joined (layoutContainerCells).
pub fn container_cells(pod_spec: &Value) -> (String, String) {
    let cs = arr(pod_spec, "containers");
    let names: Vec<&str> = cs.iter().map(|c| s(c, "name")).collect();
    let images: Vec<&str> = cs.iter().map(|c| s(c, "image")).collect();
    (names.join(","), images.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors_print_sorted_requirements() {
        let sel = json!({"matchLabels": {"b": "2", "a": "1"},
            "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod", "dev"]},
                                 {"key": "x", "operator": "DoesNotExist"}]});
        assert_eq!(format_label_selector(&sel), "a=1,b=2,env in (dev,prod),!x");
        assert_eq!(format_label_selector(&json!({})), "<none>");
        assert_eq!(
            format_label_selector(&json!({"matchExpressions": [{"key": "a", "operator": "Bad"}]})),
            "<error>"
        );
    }

    #[test]
    fn labels_format_sorted_or_none() {
        assert_eq!(format_labels(&json!({"z": "1", "app": "web"})), "app=web,z=1");
        assert_eq!(format_labels(&json!({})), "<none>");
        assert_eq!(format_labels(&Value::Null), "<none>");
    }

    #[test]
    fn ages_of_missing_timestamps_are_unknown() {
        assert_eq!(age("", 100), "<unknown>");
        assert_eq!(age("2026-01-01T00:00:00Z", 1_767_225_600 + 312), "5m12s");
    }
}
