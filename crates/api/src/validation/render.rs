//! How `field.Error` prints offending values in v1.37: non-scalar values go through Go's
//! `json.Marshal` (compact, map keys sorted, `<`, `>`, `&` escaped, struct fields in declaration
//! order).

use serde_json::{Number, Value};

/// Compact JSON as Go's encoding/json writes it for maps, slices and scalars.
pub fn go_json(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, item);
            }
            out.push('}');
        }
    }
}

/// A JSON string with Go's escaping.
pub fn go_json_string(s: &str) -> String {
    let mut out = String::new();
    write_string(&mut out, s);
    out
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A number as Go's `%v` prints an int64 (or float64 for non-integers).
pub fn number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        n.to_string()
    }
}

/// A scalar value as ErrorBody prints it: strings quoted with %q, numbers and bools plain,
/// anything else as JSON.
pub fn bad_value(v: &Value) -> String {
    match v {
        Value::String(s) => apimachinery::errors::go_quote(s),
        Value::Number(n) => number(n),
        Value::Bool(b) => b.to_string(),
        other => go_json(other),
    }
}

/// A `metav1.LabelSelector` as json.Marshal writes it: matchLabels before matchExpressions,
/// requirement fields as key, operator, values; empty fields omitted.
pub fn label_selector(sel: &Value) -> String {
    if sel.is_null() {
        return "null".to_string();
    }
    let mut parts = Vec::new();
    if let Some(ml) = sel
        .get("matchLabels")
        .and_then(Value::as_object)
        .filter(|m| !m.is_empty())
    {
        parts.push(format!("\"matchLabels\":{}", go_json(&Value::Object(ml.clone()))));
    }
    if let Some(exprs) = sel
        .get("matchExpressions")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    {
        let rendered: Vec<String> = exprs
            .iter()
            .map(|e| {
                let mut fields = vec![
                    format!(
                        "\"key\":{}",
                        go_json_string(e.get("key").and_then(Value::as_str).unwrap_or(""))
                    ),
                    format!(
                        "\"operator\":{}",
                        go_json_string(e.get("operator").and_then(Value::as_str).unwrap_or(""))
                    ),
                ];
                if let Some(values) = e.get("values").and_then(Value::as_array).filter(|a| !a.is_empty()) {
                    fields.push(format!("\"values\":{}", go_json(&Value::Array(values.clone()))));
                }
                format!("{{{}}}", fields.join(","))
            })
            .collect();
        parts.push(format!("\"matchExpressions\":[{}]", rendered.join(",")));
    }
    format!("{{{}}}", parts.join(","))
}

/// A labels map: JSON object, or `null` when absent (a nil Go map).
pub fn labels(v: Option<&Value>) -> String {
    match v {
        Some(m @ Value::Object(_)) => go_json(m),
        _ => "null".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn go_json_sorts_keys_and_escapes_html() {
        assert_eq!(
            go_json(&json!({"b": 1, "a": ["x<y", true, null]})),
            r#"{"a":["x\u003cy",true,null],"b":1}"#
        );
        assert_eq!(go_json(&json!("a&b\n")), r#""a\u0026b\n""#);
    }

    #[test]
    fn label_selectors_keep_go_field_order() {
        let sel = json!({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}], "matchLabels": {"app": "web"}});
        assert_eq!(
            label_selector(&sel),
            r#"{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["web"]}]}"#
        );
        assert_eq!(label_selector(&json!({})), "{}");
        assert_eq!(
            label_selector(&json!({"matchExpressions": [{"key": "a", "operator": "Exists"}]})),
            r#"{"matchExpressions":[{"key":"a","operator":"Exists"}]}"#
        );
    }

    #[test]
    fn bad_values_print_like_error_body() {
        assert_eq!(bad_value(&json!("x")), "\"x\"");
        assert_eq!(bad_value(&json!(70000)), "70000");
        assert_eq!(bad_value(&json!(false)), "false");
        assert_eq!(bad_value(&json!(["None"])), r#"["None"]"#);
        assert_eq!(labels(None), "null");
    }
}
