//! `-o custom-columns=HEADER:path,…` and `-o custom-columns-file=FILE`
//! (kubectl pkg/cmd/get/customcolumn.go).

use super::gofmt::go_v;
use super::jsonpath::JsonPath;
use super::tabwriter;
use serde_json::Value;

/// `RelaxedJSONPathExpression`: `a.b`, `.a.b`, `{a.b}` and `{.a.b}` all mean `{.a.b}`.
pub fn relaxed_jsonpath(expr: &str) -> Result<String, String> {
    if expr.is_empty() {
        return Ok(String::new());
    }
    let no_braces = |s: &str| !s.is_empty() && !s.contains(['{', '}']);
    let inner = if let Some(b) = expr.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
        let b = b.strip_prefix('.').unwrap_or(b);
        no_braces(b).then_some(b)
    } else {
        None
    };
    let inner = inner.or_else(|| {
        let b = expr.strip_prefix('.').unwrap_or(expr);
        no_braces(b).then_some(b)
    });
    match inner {
        Some(spec) => Ok(format!("{{.{spec}}}")),
        None => Err(
            "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"
                .into(),
        ),
    }
}

#[derive(Debug, Clone)]
pub struct CustomColumns {
    columns: Vec<(String, JsonPath)>,
    no_headers: bool,
}

impl CustomColumns {
    /// NewCustomColumnsPrinterFromSpec.
    pub fn from_spec(spec: &str, no_headers: bool) -> Result<Self, String> {
        if spec.is_empty() {
            return Err("custom-columns format specified but no custom columns given".into());
        }
        let mut columns = Vec::new();
        for part in spec.split(',') {
            let Some((header, path)) = part.split_once(':') else {
                return Err(format!(
                    "unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>"
                ));
            };
            columns.push((header.to_string(), Self::compile(path)?));
        }
        Ok(CustomColumns { columns, no_headers })
    }

    /// NewCustomColumnsPrinterFromTemplate: a header line and a spec line, whitespace separated.
    pub fn from_template(text: &str) -> Result<Self, String> {
        let mut lines = text.lines();
        let headers: Vec<&str> = lines
            .next()
            .ok_or("invalid template, missing header line. Expected format is one line of space separated headers, one line of space separated column specs.")?
            .split_whitespace()
            .collect();
        let specs: Vec<&str> = lines
            .next()
            .ok_or("invalid template, missing spec line. Expected format is one line of space separated headers, one line of space separated column specs.")?
            .split_whitespace()
            .collect();
        if headers.len() != specs.len() {
            return Err(format!(
                "number of headers ({}) and field specifications ({}) don't match",
                headers.len(),
                specs.len()
            ));
        }
        let mut columns = Vec::new();
        for (h, s) in headers.iter().zip(specs) {
            columns.push((h.to_string(), Self::compile(s)?));
        }
        Ok(CustomColumns {
            columns,
            no_headers: false,
        })
    }

    fn compile(path: &str) -> Result<JsonPath, String> {
        let spec = relaxed_jsonpath(path)?;
        Ok(JsonPath::parse(&spec)?.allow_missing_keys(true))
    }

    /// The aligned table for `items` (one header line unless --no-headers).
    pub fn print(&self, items: &[Value]) -> Result<String, String> {
        let mut text = String::new();
        if !self.no_headers {
            text.push_str(
                &self
                    .columns
                    .iter()
                    .map(|(h, _)| h.as_str())
                    .collect::<Vec<_>>()
                    .join("\t"),
            );
            text.push('\n');
        }
        for item in items {
            let mut cells = Vec::new();
            for (_, path) in &self.columns {
                let results = path.find_results(item)?;
                let mut values: Vec<String> = Vec::new();
                if results.first().is_none_or(|r| r.is_empty()) {
                    values.push("<none>".into());
                }
                for set in &results {
                    for v in set {
                        values.push(go_v(v).replace('\x1b', "^[").replace('\r', "\\r"));
                    }
                }
                cells.push(values.join(","));
            }
            text.push_str(&cells.join("\t"));
            text.push('\n');
        }
        Ok(tabwriter::align(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relaxed_paths_accept_four_spellings() {
        for p in ["a.b", ".a.b", "{a.b}", "{.a.b}"] {
            assert_eq!(relaxed_jsonpath(p).unwrap(), "{.a.b}");
        }
        assert!(relaxed_jsonpath("{.a}{.b}").is_err());
    }

    #[test]
    fn columns_join_multiple_values_and_mark_missing_ones() {
        let cc = CustomColumns::from_spec(
            "NAME:.metadata.name,IMAGES:.spec.containers[*].image,LABELS:.metadata.labels,X:.nope",
            false,
        )
        .unwrap();
        let pod = json!({"metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"containers": [{"image": "nginx"}, {"image": "redis"}]}});
        assert_eq!(
            cc.print(&[pod]).unwrap(),
            "NAME   IMAGES        LABELS         X\nweb    nginx,redis   map[app:web]   <none>\n"
        );
    }

    #[test]
    fn bad_specs_are_rejected_with_upstream_messages() {
        assert_eq!(
            CustomColumns::from_spec("", false).unwrap_err(),
            "custom-columns format specified but no custom columns given"
        );
        assert_eq!(
            CustomColumns::from_spec("NAME", false).unwrap_err(),
            "unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>"
        );
        assert_eq!(
            CustomColumns::from_template("A B\n.a").unwrap_err(),
            "number of headers (2) and field specifications (1) don't match"
        );
    }
}
