//! `kubectl api-resources` (k8s.io/kubectl/pkg/cmd/apiresources): the served resources in the
//! preferred version of each group, filtered and sorted as kubectl does.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::printers::tabwriter;
use api::ResourceInfo;
use serde_json::{json, Value};

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let sort_by = flags.string("sort-by");
    if !matches!(sort_by.as_str(), "" | "name" | "kind") {
        return Err(CmdError::msg("--sort-by accepts only name or kind"));
    }
    if !flags.args.is_empty() {
        return Err(CmdError::usage(
            &ctx.command_path,
            format!("unexpected arguments: [{}]", flags.args.join(" ")),
        ));
    }
    let output = flags.string("output");
    if !matches!(output.as_str(), "" | "wide" | "name" | "json" | "yaml" | "kyaml") {
        return Err(CmdError::msg(format!(
            "unable to match a printer suitable for the output format {}, allowed formats are: json,kyaml,name,wide,yaml",
            apimachinery::errors::go_quote(&output)
        )));
    }
    let mut resources = preferred_resources(ctx.mapper()?.resources());
    let group_changed = flags.changed("api-group");
    let group = flags.string("api-group");
    let ns_changed = flags.changed("namespaced");
    let namespaced = flags.bool("namespaced");
    // Both are string slices: repeated flags and comma-separated values add up.
    let split = |name: &str| -> Vec<String> {
        flags
            .strings(name)
            .iter()
            .flat_map(|v| v.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect()
    };
    let verbs = split("verbs");
    let categories = split("categories");
    resources.retain(|r| {
        !r.verbs.is_empty()
            && (!group_changed || r.group == group)
            && (!ns_changed || r.namespaced() == namespaced)
            && verbs.iter().all(|v| r.verbs.contains(v))
            && categories.iter().all(|c| r.categories.contains(c))
    });
    let key = |r: &ResourceInfo| -> String {
        match sort_by.as_str() {
            "name" => r.plural.clone(),
            "kind" => r.kind.clone(),
            _ => r.group.clone(),
        }
    };
    resources.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.plural.cmp(&b.plural)));

    match output.as_str() {
        "name" => {
            let mut out = String::new();
            for r in &resources {
                out.push_str(&r.plural);
                if !r.group.is_empty() {
                    out.push('.');
                    out.push_str(&r.group);
                }
                out.push('\n');
            }
            ctx.stdout(out);
        }
        "json" | "yaml" | "kyaml" => {
            // An empty result is a nil slice in Go: `null`.
            let items: Value = if resources.is_empty() {
                Value::Null
            } else {
                Value::Array(resources.iter().map(resource_json).collect())
            };
            let list = json!({
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": "",
                "resources": items,
            });
            let text = if output == "json" {
                typed_list_json(&list)
            } else {
                crate::output::to_yaml(&list)
            };
            ctx.stdout(text);
        }
        _ => {
            let wide = output == "wide";
            let mut text = String::new();
            if !flags.bool("no-headers") {
                text.push_str("NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND");
                if wide {
                    text.push_str("\tVERBS\tCATEGORIES");
                }
                text.push('\n');
            }
            for r in &resources {
                text.push_str(&format!(
                    "{}\t{}\t{}\t{}\t{}",
                    r.plural,
                    r.short_names.join(","),
                    r.api_version(),
                    r.namespaced(),
                    r.kind
                ));
                if wide {
                    text.push_str(&format!("\t{}\t{}", r.verbs.join(","), r.categories.join(",")));
                }
                text.push('\n');
            }
            ctx.stdout(tabwriter::align(&text));
        }
    }
    Ok(())
}

/// ServerPreferredResources: each group/resource once, in its group's preferred version when
/// served there, in discovery order.
fn preferred_resources(all: &[ResourceInfo]) -> Vec<ResourceInfo> {
    let mut out: Vec<ResourceInfo> = Vec::new();
    for r in all {
        match out.iter_mut().find(|o| o.group == r.group && o.plural == r.plural) {
            Some(existing) => {
                if r.preferred && !existing.preferred {
                    *existing = r.clone();
                }
            }
            None => out.push(r.clone()),
        }
    }
    out
}

fn resource_json(r: &ResourceInfo) -> Value {
    let mut v = json!({
        "name": r.plural,
        "singularName": r.singular,
        "namespaced": r.namespaced(),
        "group": r.group,
        "version": r.version,
        "kind": r.kind,
        "verbs": r.verbs,
    });
    if !r.short_names.is_empty() {
        v["shortNames"] = json!(r.short_names);
    }
    if !r.categories.is_empty() {
        v["categories"] = json!(r.categories);
    }
    v
}

/// Fields of metav1.APIResourceList and metav1.APIResource in Go declaration order: the JSON
/// printer marshals this typed object as is (YAML goes through a map and is sorted).
const LIST_FIELDS: &[&str] = &["kind", "apiVersion", "groupVersion", "resources"];
const RESOURCE_FIELDS: &[&str] = &[
    "name",
    "singularName",
    "namespaced",
    "group",
    "version",
    "kind",
    "verbs",
    "shortNames",
    "categories",
];

/// json.MarshalIndent(list, "", "    ") plus the printer's newline.
fn typed_list_json(list: &Value) -> String {
    fn scalar_or_array(out: &mut String, v: &Value, depth: usize) {
        match v {
            Value::Array(a) if !a.is_empty() => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('\n');
                    out.push_str(&"    ".repeat(depth + 1));
                    match x {
                        Value::Object(_) => object(out, x, RESOURCE_FIELDS, depth + 1),
                        other => scalar_or_array(out, other, depth + 1),
                    }
                }
                out.push('\n');
                out.push_str(&"    ".repeat(depth));
                out.push(']');
            }
            Value::String(s) => out.push_str(&apimachinery::yaml::go_json_string(s)),
            other => out.push_str(&other.to_string()),
        }
    }
    fn object(out: &mut String, v: &Value, fields: &[&str], depth: usize) {
        out.push('{');
        let mut first = true;
        for f in fields {
            let Some(x) = v.get(*f) else { continue };
            if !first {
                out.push(',');
            }
            first = false;
            out.push('\n');
            out.push_str(&"    ".repeat(depth + 1));
            out.push_str(&apimachinery::yaml::go_json_string(f));
            out.push_str(": ");
            scalar_or_array(out, x, depth + 1);
        }
        out.push('\n');
        out.push_str(&"    ".repeat(depth));
        out.push('}');
    }
    let mut out = String::new();
    object(&mut out, list, LIST_FIELDS, 0);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_output_keeps_go_field_order() {
        let list = json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "", "resources": [
            {"name": "pods", "singularName": "pod", "namespaced": true, "group": "", "version": "v1",
             "kind": "Pod", "verbs": ["get", "list"], "shortNames": ["po"], "categories": ["all"]}]});
        assert_eq!(
            typed_list_json(&list),
            r#"{
    "kind": "APIResourceList",
    "apiVersion": "v1",
    "groupVersion": "",
    "resources": [
        {
            "name": "pods",
            "singularName": "pod",
            "namespaced": true,
            "group": "",
            "version": "v1",
            "kind": "Pod",
            "verbs": [
                "get",
                "list"
            ],
            "shortNames": [
                "po"
            ],
            "categories": [
                "all"
            ]
        }
    ]
}
"#
        );
        let empty = json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "", "resources": null});
        assert!(typed_list_json(&empty).contains("\"resources\": null\n}"));
    }
}
