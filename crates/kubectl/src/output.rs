//! Printing objects for `-o` (kubectl's PrintFlags): the success message
//! (`deployment.apps/web created (dry run)`), `-o name`, `-o yaml`, `-o json`, and the hook
//! where the read-side printers (jsonpath, custom-columns, tables) plug in.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use serde_json::Value;

/// `--dry-run` as kubectl reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRun {
    None,
    Client,
    Server,
}

impl DryRun {
    /// Reads `--dry-run`; the bare flag (`unchanged`) means client and warns as kubectl does.
    pub fn from_flags(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult<DryRun> {
        match flags.string("dry-run").as_str() {
            "" | "none" | "false" => Ok(DryRun::None),
            "client" | "true" => Ok(DryRun::Client),
            "unchanged" => {
                ctx.warn_klog(
                    "helpers.go:714",
                    "--dry-run is deprecated and can be replaced with --dry-run=client.",
                );
                Ok(DryRun::Client)
            }
            "server" => Ok(DryRun::Server),
            other => Err(CmdError::msg(format!(
                "Invalid dry-run value ({other}). Must be \"none\", \"server\", or \"client\"."
            ))),
        }
    }

    /// The suffix of success messages.
    pub fn suffix(self) -> &'static str {
        match self {
            DryRun::None => "",
            DryRun::Client => " (dry run)",
            DryRun::Server => " (server dry run)",
        }
    }

    /// Adds `dryRun=All` to a request for server dry runs.
    pub fn apply(self, req: apimachinery::ApiRequest) -> apimachinery::ApiRequest {
        if self == DryRun::Server {
            req.with_query("dryRun", "All")
        } else {
            req
        }
    }
}

/// The formats the generic printers accept (kubectl's error lists them in this order).
const ALLOWED_FORMATS: &str =
    "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,yaml";

/// Checks `-o` before anything is sent, as kubectl's PrintFlags.ToPrinter does.
pub fn validate_output(format: &str) -> CmdResult {
    let base = format.split_once('=').map(|(b, _)| b).unwrap_or(format);
    match base {
        "" | "yaml" | "json" | "name" | "jsonpath" | "jsonpath-as-json" | "jsonpath-file" | "go-template"
        | "go-template-file" | "template" | "templatefile" | "kyaml" => Ok(()),
        _ => Err(unknown_format(format)),
    }
}

fn unknown_format(format: &str) -> CmdError {
    CmdError::msg(format!(
        "unable to match a printer suitable for the output format \"{format}\", allowed formats are: {ALLOWED_FORMATS}"
    ))
}

/// `kind.group` lower-cased, as the name printer and success messages show a resource.
pub fn kind_group(obj: &Value) -> String {
    let kind = obj
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    match api_version.split_once('/') {
        Some((group, _)) if !group.is_empty() => format!("{kind}.{group}"),
        _ => kind,
    }
}

/// `deployment.apps/web`.
pub fn name_of(obj: &Value) -> String {
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    format!("{}/{}", kind_group(obj), name)
}

/// Prints one object for a mutating command: with no `-o`, `<kind.group>/<name> <operation>`
/// plus the dry-run suffix; otherwise in the requested format.
pub fn print_result(ctx: &mut Ctx<'_>, obj: &Value, format: &str, operation: &str, dry_run: DryRun) -> CmdResult {
    if format.is_empty() {
        let line = format!("{} {operation}{}\n", name_of(obj), dry_run.suffix());
        ctx.stdout(line);
        return Ok(());
    }
    print_object(ctx, obj, format)
}

/// [`print_result`] for kubectl's typed objects (generators, run, expose, set): `-o json`
/// keeps Go struct field order.
pub fn print_result_typed(ctx: &mut Ctx<'_>, obj: &Value, format: &str, operation: &str, dry_run: DryRun) -> CmdResult {
    if format == "json" {
        let obj = strip_managed_fields(obj);
        let text = crate::gojson::to_json_typed(&obj, "    ") + "\n";
        ctx.stdout(text);
        return Ok(());
    }
    print_result(ctx, obj, format, operation, dry_run)
}

/// Prints an object in an `-o` format. This is the single entry point for `-o` printing of
/// objects; read-side formats (jsonpath, custom-columns, …) are dispatched from here.
pub fn print_object(ctx: &mut Ctx<'_>, obj: &Value, format: &str) -> CmdResult {
    let obj = strip_managed_fields(obj);
    let base = format.split_once('=').map(|(b, _)| b).unwrap_or(format);
    match base {
        "name" => {
            let line = format!("{}\n", name_of(&obj));
            ctx.stdout(line);
        }
        "yaml" => {
            let text = to_yaml(&obj);
            ctx.stdout(text);
        }
        "json" => {
            let mut text = to_json(&obj);
            if !text.ends_with('\n') {
                text.push('\n');
            }
            ctx.stdout(text);
        }
        // jsonpath and custom-columns printers.
        "jsonpath" | "jsonpath-as-json" | "jsonpath-file" | "custom-columns" | "custom-columns-file" => {
            let host = &mut *ctx.host;
            let parsed =
                crate::printers::OutputFormat::parse(format, &mut |p| host.read_file(p)).map_err(CmdError::msg)?;
            let text = match parsed {
                crate::printers::OutputFormat::JsonPath { template, as_json } => {
                    crate::printers::jsonpath_output(&obj, &template, true, as_json).map_err(CmdError::msg)?
                }
                crate::printers::OutputFormat::CustomColumns { spec, from_file } => {
                    let cc = if from_file {
                        crate::printers::custom_columns::CustomColumns::from_template(&spec)
                    } else {
                        crate::printers::custom_columns::CustomColumns::from_spec(&spec, false)
                    }
                    .map_err(CmdError::msg)?;
                    cc.print(&crate::printers::items_of(&obj)).map_err(CmdError::msg)?
                }
                _ => String::new(),
            };
            ctx.stdout(text);
        }
        _ => return Err(unknown_format(format)),
    }
    Ok(())
}

/// Prints several objects: YAML documents are separated by `---` as kubectl's YAML printer
/// does after the first.
pub fn print_objects(ctx: &mut Ctx<'_>, objs: &[Value], format: &str) -> CmdResult {
    for (i, o) in objs.iter().enumerate() {
        if i > 0 && format == "yaml" {
            ctx.stdout("---\n");
        }
        print_object(ctx, o, format)?;
    }
    Ok(())
}

fn strip_managed_fields(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    o
}

/// kubectl's YAML (go-yaml v2 through sigs.k8s.io/yaml).
pub fn to_yaml(v: &Value) -> String {
    apimachinery::yaml::to_yaml(v)
}

/// kubectl's JSON (4-space indent, Go escaping).
pub fn to_json(v: &Value) -> String {
    apimachinery::yaml::to_json(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_lowercase_kind_dot_group() {
        assert_eq!(
            name_of(&json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}})),
            "deployment.apps/web"
        );
        assert_eq!(
            name_of(&json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})),
            "pod/p"
        );
    }

    #[test]
    fn unknown_output_formats_list_the_allowed_ones() {
        assert_eq!(
            validate_output("foo").unwrap_err().render(),
            "error: unable to match a printer suitable for the output format \"foo\", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,kyaml,name,template,templatefile,yaml\n"
        );
        assert!(validate_output("jsonpath={.a}").is_ok());
    }
}
