//! `--sort-by` (kubectl pkg/cmd/get/sorter.go): items ordered by the first value a JSONPath
//! finds in each; items without a value sort first; numbers compare as numbers, strings as
//! resource quantities when both parse as one.

use super::custom_columns::relaxed_jsonpath;
use super::jsonpath::JsonPath;
use serde_json::Value;
use std::cmp::Ordering;

/// Sorts `items` in place by `field` (`{.metadata.name}`, `.metadata.name`, …).
pub fn sort_items(items: &mut Vec<Value>, field: &str) -> Result<(), String> {
    let order = sorted_order(items, field)?;
    let mut slots: Vec<Option<Value>> = std::mem::take(items).into_iter().map(Some).collect();
    for i in order {
        if let Some(v) = slots.get_mut(i).and_then(Option::take) {
            items.push(v);
        }
    }
    Ok(())
}

/// The positions of `items` in sorted order (stable for equal keys).
pub fn sorted_order(items: &[Value], field: &str) -> Result<Vec<usize>, String> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    if items.len() < 2 {
        return Ok(order);
    }
    let spec = relaxed_jsonpath(field).unwrap_or_else(|_| field.to_string());
    let parser = JsonPath::parse(&spec)
        .map_err(|e| format!("sorting error: {e}"))?
        .allow_missing_keys(true);
    let mut keys: Vec<Option<Value>> = Vec::with_capacity(items.len());
    for item in items {
        let results = parser.find_results(item)?;
        keys.push(results.into_iter().next().and_then(|r| r.into_iter().next()));
    }
    if keys.iter().all(Option::is_none) {
        return Err(format!(
            "couldn't find any field with path {} in the list of objects",
            apimachinery::errors::go_quote(&spec)
        ));
    }
    // Upstream exits with an error on values it cannot order.
    for v in keys.iter().flatten() {
        if matches!(v, Value::Object(_) | Value::Bool(_)) {
            return Err(format!("unsortable type: {}", type_name(v)));
        }
    }
    order.sort_by(|&a, &b| {
        compare_keys(
            keys.get(a).and_then(Option::as_ref),
            keys.get(b).and_then(Option::as_ref),
        )
    });
    Ok(order)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "map[string]interface {}",
        Value::Bool(_) => "bool",
        _ => "interface {}",
    }
}

fn compare_keys(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => {
            if less(x, y) {
                Ordering::Less
            } else if less(y, x) {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
    }
}

// isLess over unstructured values.
fn less(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, _) => !b.is_null(),
        (_, Value::Null) => false,
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(i), Some(j)) = (x.as_i64(), y.as_i64()) {
                if x.is_f64() == y.is_f64() {
                    return i < j;
                }
            }
            x.as_f64().unwrap_or(0.0) < y.as_f64().unwrap_or(0.0)
        }
        (Value::String(x), Value::String(y)) => match (parse_quantity(x), parse_quantity(y)) {
            (Some(p), Some(q)) => p < q,
            _ => x < y,
        },
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !less(p, q) {
                    return false;
                }
            }
            true
        }
        _ => false,
    }
}

/// A resource.Quantity's value as f64 for ordering, `None` when the text is not a quantity
/// (`^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$` plus upstream's suffix table).
pub fn parse_quantity(s: &str) -> Option<f64> {
    let num_len = s
        .char_indices()
        .take_while(|(i, c)| c.is_ascii_digit() || *c == '.' || (*i == 0 && (*c == '+' || *c == '-')))
        .count();
    let (num, suffix) = s.split_at(num_len);
    let digits = num.trim_start_matches(['+', '-']);
    if digits.is_empty() || digits.matches('.').count() > 1 || digits == "." {
        return None;
    }
    let base: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.starts_with(['e', 'E']) => {
            let exp: i32 = e.get(1..)?.parse().ok()?;
            10f64.powi(exp)
        }
        _ => return None,
    };
    Some(base * mult)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(items: &[Value]) -> Vec<&str> {
        items
            .iter()
            .map(|i| i["metadata"]["name"].as_str().unwrap_or(""))
            .collect()
    }

    #[test]
    fn sorts_strings_numbers_quantities_and_missing_first() {
        let mut items = vec![
            json!({"metadata": {"name": "c"}, "spec": {"n": 3, "mem": "1Gi"}}),
            json!({"metadata": {"name": "a"}, "spec": {"n": 10, "mem": "512Mi"}}),
            json!({"metadata": {"name": "b"}}),
        ];
        sort_items(&mut items, ".metadata.name").unwrap();
        assert_eq!(names(&items), ["a", "b", "c"]);
        sort_items(&mut items, "{.spec.n}").unwrap();
        assert_eq!(names(&items), ["b", "c", "a"]);
        sort_items(&mut items, ".spec.mem").unwrap();
        assert_eq!(names(&items), ["b", "a", "c"]);
    }

    #[test]
    fn unknown_fields_are_an_error() {
        let mut items = vec![json!({"a": 1}), json!({"a": 2})];
        assert_eq!(
            sort_items(&mut items, ".nope").unwrap_err(),
            "couldn't find any field with path \"{.nope}\" in the list of objects"
        );
    }

    #[test]
    fn quantities_parse_with_suffixes() {
        assert_eq!(parse_quantity("100m"), Some(0.1));
        assert_eq!(parse_quantity("2Ki"), Some(2048.0));
        assert_eq!(parse_quantity("10.244.0.1"), None);
        assert_eq!(parse_quantity("web"), None);
    }
}
