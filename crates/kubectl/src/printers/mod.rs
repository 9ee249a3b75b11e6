//! kubectl's printers: human-readable tables (per-kind columns, wide, labels, namespaces,
//! kind prefixes) aligned by its tab writer, and the `-o` formats (yaml, json, name, jsonpath,
//! custom-columns) plus `--sort-by`.

pub mod custom_columns;
pub mod gofmt;
pub mod jsonpath;
pub mod kinds;
pub mod sort;
pub mod table;
pub mod tabwriter;
pub mod util;

use gofmt::go_sharp_v;
use jsonpath::JsonPath;
use serde_json::{json, Value};

/// The formats `kubectl get -o` accepts, as its "unable to match a printer" error lists them.
pub const GET_FORMATS: &str = "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,wide,yaml";

/// `-o` of `kubectl get`, parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputFormat {
    /// The human-readable table; `wide` adds priority columns.
    Table {
        wide: bool,
    },
    Name,
    Yaml,
    Json,
    /// jsonpath / jsonpath-file (template already read) / jsonpath-as-json.
    JsonPath {
        template: String,
        as_json: bool,
    },
    /// custom-columns spec, or custom-columns-file contents.
    CustomColumns {
        spec: String,
        from_file: bool,
    },
    /// go-template and friends: parsed but not supported.
    GoTemplate,
    Kyaml,
}

impl OutputFormat {
    /// Parses `-o` for get. `read_file` reads `jsonpath-file=`/`custom-columns-file=` paths.
    pub fn parse(format: &str, read_file: &mut dyn FnMut(&str) -> Result<String, String>) -> Result<Self, String> {
        let (base, value) = match format.split_once('=') {
            Some((b, v)) => (b, Some(v)),
            None => (format, None),
        };
        let template = |v: Option<&str>| -> Result<String, String> {
            match v {
                Some(t) if !t.is_empty() => Ok(t.to_string()),
                _ => Err("template format specified but no template given".into()),
            }
        };
        Ok(match base {
            "" => OutputFormat::Table { wide: false },
            "wide" if value.is_none() => OutputFormat::Table { wide: true },
            "name" if value.is_none() => OutputFormat::Name,
            "yaml" if value.is_none() => OutputFormat::Yaml,
            "json" if value.is_none() => OutputFormat::Json,
            "kyaml" if value.is_none() => OutputFormat::Kyaml,
            "jsonpath" | "jsonpath-as-json" => OutputFormat::JsonPath {
                template: template(value)?,
                as_json: base == "jsonpath-as-json",
            },
            "jsonpath-file" => {
                let path = template(value)?;
                let text = read_file(&path).map_err(|e| format!("error reading --template {path}, {e}"))?;
                OutputFormat::JsonPath {
                    template: text,
                    as_json: false,
                }
            }
            "custom-columns" => {
                let spec = value.unwrap_or("");
                if spec.is_empty() {
                    return Err("custom-columns format specified but no custom columns given".into());
                }
                OutputFormat::CustomColumns {
                    spec: spec.to_string(),
                    from_file: false,
                }
            }
            "custom-columns-file" => {
                let path = value.unwrap_or("");
                if path.is_empty() {
                    return Err("custom-columns format specified but no custom columns given".into());
                }
                let text = read_file(path).map_err(|e| format!("error reading template {path}, {e}\n"))?;
                OutputFormat::CustomColumns {
                    spec: text,
                    from_file: true,
                }
            }
            "go-template" | "go-template-file" | "template" | "templatefile" => OutputFormat::GoTemplate,
            _ => {
                return Err(format!(
                    "unable to match a printer suitable for the output format {}, allowed formats are: {GET_FORMATS}",
                    apimachinery::errors::go_quote(format)
                ))
            }
        })
    }

    pub fn is_table(&self) -> bool {
        matches!(self, OutputFormat::Table { .. })
    }
}

/// Runs a jsonpath template on an object as kubectl's JSONPathPrinter does; the error is the
/// whole message kubectl prints after `error: `.
pub fn jsonpath_output(obj: &Value, template: &str, allow_missing_keys: bool, as_json: bool) -> Result<String, String> {
    let parser = JsonPath::parse(template)
        .map_err(|e| format!("error parsing jsonpath {template}, {e}"))?
        .allow_missing_keys(allow_missing_keys)
        .enable_json_output(as_json);
    parser.execute(obj).map_err(|e| {
        format!(
            "error executing jsonpath {}: Error executing template: {e}. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{template}\n\tobject given to jsonpath engine was:\n\t\t{}\n\n\n",
            apimachinery::errors::go_quote(template),
            go_sharp_v(obj)
        )
    })
}

/// The `kind: List` kubectl prints for several objects (get's printGeneric).
pub fn list_of(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
}

/// The objects of a list (or the object itself).
pub fn items_of(obj: &Value) -> Vec<Value> {
    match obj.get("items").and_then(Value::as_array) {
        Some(items)
            if obj
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List")) =>
        {
            items.clone()
        }
        _ => vec![obj.clone()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_formats_parse_with_upstream_errors() {
        let mut no_files = |_: &str| -> Result<String, String> { Err("open x: no such file or directory".into()) };
        assert_eq!(
            OutputFormat::parse("wide", &mut no_files).unwrap(),
            OutputFormat::Table { wide: true }
        );
        assert_eq!(
            OutputFormat::parse("jsonpath=", &mut no_files).unwrap_err(),
            "template format specified but no template given"
        );
        assert_eq!(
            OutputFormat::parse("foo", &mut no_files).unwrap_err(),
            format!(
                "unable to match a printer suitable for the output format \"foo\", allowed formats are: {GET_FORMATS}"
            )
        );
        assert_eq!(
            OutputFormat::parse("jsonpath-file=x", &mut no_files).unwrap_err(),
            "error reading --template x, open x: no such file or directory"
        );
    }

    // Recorded from kubectl v1.37.1: `kubectl create deployment x --image=nginx --dry-run=client
    // -o jsonpath='{.spec.template.spec.containers[5].image}'`.
    #[test]
    fn jsonpath_errors_show_the_template_and_object() {
        let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"labels": {"app": "x"}, "name": "x"},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "x"}}, "strategy": {},
                "template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": [{"image": "nginx", "name": "nginx", "resources": {}}]}}},
            "status": {}});
        let t = "{.spec.template.spec.containers[5].image}";
        assert_eq!(
            jsonpath_output(&obj, t, true, false).unwrap_err(),
            "error executing jsonpath \"{.spec.template.spec.containers[5].image}\": Error executing template: array index out of bounds: index 5, length 1. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.template.spec.containers[5].image}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{\"apiVersion\":\"apps/v1\", \"kind\":\"Deployment\", \"metadata\":map[string]interface {}{\"labels\":map[string]interface {}{\"app\":\"x\"}, \"name\":\"x\"}, \"spec\":map[string]interface {}{\"replicas\":1, \"selector\":map[string]interface {}{\"matchLabels\":map[string]interface {}{\"app\":\"x\"}}, \"strategy\":map[string]interface {}{}, \"template\":map[string]interface {}{\"metadata\":map[string]interface {}{\"labels\":map[string]interface {}{\"app\":\"x\"}}, \"spec\":map[string]interface {}{\"containers\":[]interface {}{map[string]interface {}{\"image\":\"nginx\", \"name\":\"nginx\", \"resources\":map[string]interface {}{}}}}}}, \"status\":map[string]interface {}{}}\n\n\n"
        );
        assert_eq!(
            jsonpath_output(&obj, "{.foo", true, false).unwrap_err(),
            "error parsing jsonpath {.foo, unclosed action"
        );
        assert_eq!(
            jsonpath_output(&obj, "{.spec.template.spec.containers[0].image}", true, false).unwrap(),
            "nginx"
        );
    }
}
