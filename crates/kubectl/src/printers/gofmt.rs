//! How Go's fmt and encoding/json print the values of an unstructured object
//! (`map[string]interface{}`, `[]interface{}`, int64, float64, string, bool, nil): kubectl
//! shows them in jsonpath output, custom columns and error messages.

use apimachinery::errors::go_quote;
use serde_json::Value;

/// `strconv.FormatFloat(f, 'g', -1, 64)` as `%v` prints a float64.
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, like Go's shortest formatting.
    let e = format!("{:e}", f);
    let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let sign = if neg { "-" } else { "" };
    // %v switches to exponent form outside [1e-4, 1e6) for shortest formatting.
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", exp.abs());
    }
    // Plain decimal notation.
    let nd = digits.len() as i32;
    let point = exp + 1; // digits before the decimal point
    if point <= 0 {
        format!("{sign}0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point >= nd {
        format!("{sign}{}{}", digits, "0".repeat((point - nd) as usize))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{sign}{a}.{b}")
    }
}

/// `fmt.Sprint(v)` / `%v`.
pub fn go_v(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_v(n),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_v).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            format!(
                "map[{}]",
                m.iter()
                    .map(|(k, v)| format!("{k}:{}", go_v(v)))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
    }
}

fn number_v(n: &serde_json::Number) -> String {
    if n.is_f64() {
        go_float(n.as_f64().unwrap_or(0.0))
    } else {
        n.to_string()
    }
}

/// `%#v` of an unstructured value.
pub fn go_sharp_v(v: &Value) -> String {
    match v {
        Value::Null => "interface {}(nil)".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_v(n),
        Value::String(s) => go_quote(s),
        Value::Array(a) => format!(
            "[]interface {{}}{{{}}}",
            a.iter().map(go_sharp_v).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "map[string]interface {{}}{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}:{}", go_quote(k), go_sharp_v(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `json.Marshal`: compact, keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped.
pub fn go_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out, None, 0);
    out
}

/// `json.MarshalIndent(v, "", indent)`.
pub fn go_json_indent(v: &Value, indent: &str) -> String {
    let mut out = String::new();
    write_json(v, &mut out, Some(indent), 0);
    out
}

fn newline(out: &mut String, indent: Option<&str>, depth: usize) {
    if let Some(ind) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    }
}

fn write_json(v: &Value, out: &mut String, indent: Option<&str>, depth: usize) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_f64() {
                out.push_str(&json_float(n.as_f64().unwrap_or(0.0)))
            } else {
                out.push_str(&n.to_string())
            }
        }
        Value::String(s) => write_json_string(s, out),
        Value::Array(a) => {
            if a.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (ix, x) in a.iter().enumerate() {
                if ix > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_json(x, out, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (ix, (k, x)) in m.iter().enumerate() {
                if ix > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_json_string(k, out);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(x, out, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push('}');
        }
    }
}

// encoding/json's float format: 'f' unless the exponent is < -6 or >= 21, then 'e' with a
// two-digit minimum exponent trimmed of a leading zero ("1e-07").
fn json_float(f: f64) -> String {
    if !f.is_finite() {
        return "null".into();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let e = format!("{:e}", f);
        let (mant, exp) = e.split_once('e').unwrap_or((&e, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{esign}{:02}", exp.abs());
    }
    let s = format!("{}", f);
    s.strip_suffix(".0").map(String::from).unwrap_or(s)
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_like_go_percent_v() {
        for (f, want) in [
            (1.5, "1.5"),
            (1e6, "1e+06"),
            (123456.0, "123456"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-2.25, "-2.25"),
            (1234567.0, "1.234567e+06"),
        ] {
            assert_eq!(go_float(f), want, "{f}");
        }
    }

    #[test]
    fn sprint_and_sharp_v_of_unstructured_values() {
        let v = json!({"b": [1, "x"], "a": {"c": null}});
        assert_eq!(go_v(&v), "map[a:map[c:<nil>] b:[1 x]]");
        assert_eq!(
            go_sharp_v(&v),
            r#"map[string]interface {}{"a":map[string]interface {}{"c":interface {}(nil)}, "b":[]interface {}{1, "x"}}"#
        );
    }

    #[test]
    fn json_escapes_html_characters_and_sorts_keys() {
        assert_eq!(
            go_json(&json!({"b": "<&>", "a": [1, 2.5]})),
            r#"{"a":[1,2.5],"b":"\u003c\u0026\u003e"}"#
        );
        assert_eq!(
            go_json_indent(&json!({"a": [1], "b": {}}), "    "),
            "{\n    \"a\": [\n        1\n    ],\n    \"b\": {}\n}"
        );
    }
}
