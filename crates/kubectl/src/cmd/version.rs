//! `kubectl version`: client, Kustomize and server versions (the server's from GET /version).

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use serde_json::{json, Value};

pub const CLIENT_GIT_VERSION: &str = "v1.37.1";
pub const KUSTOMIZE_VERSION: &str = "v5.8.1";

/// The real kubectl v1.37.1 build's version.Info.
pub fn client_version() -> Value {
    json!({
        "major": "1",
        "minor": "37",
        "gitVersion": CLIENT_GIT_VERSION,
        "gitCommit": "f78e722310e50bcaca9276be22276d9e91d91308",
        "gitTreeState": "clean",
        "buildDate": "2026-09-23T17:10:04Z",
        "goVersion": "go1.26.8",
        "compiler": "gc",
        "platform": "linux/amd64"
    })
}

/// version.Info fields in Go struct order (json output keeps struct order, not sorted keys).
const INFO_FIELDS: &[&str] = &[
    "major",
    "minor",
    "emulationMajor",
    "emulationMinor",
    "minCompatibilityMajor",
    "minCompatibilityMinor",
    "gitVersion",
    "gitCommit",
    "gitTreeState",
    "buildDate",
    "goVersion",
    "compiler",
    "platform",
];

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    if !flags.args.is_empty() {
        return Err(CmdError::msg(format!("extra arguments: [{}]", flags.args.join(" "))));
    }
    let output = flags.string("output");
    if !output.is_empty() && output != "yaml" && output != "json" {
        return Err(CmdError::msg("--output must be 'yaml' or 'json'"));
    }
    let client_only = flags.bool("client");
    let server = if client_only { None } else { Some(ctx.get("/version")) };
    match output.as_str() {
        "" => {
            let mut s = format!("Client Version: {CLIENT_GIT_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n");
            if let Some(Ok(v)) = &server {
                let gv = v.get("gitVersion").and_then(Value::as_str).unwrap_or("");
                s.push_str(&format!("Server Version: {gv}\n"));
            }
            ctx.stdout(s);
        }
        "json" => {
            let mut s = String::from("{\n");
            s.push_str(&format!(
                "  \"clientVersion\": {},\n",
                ordered_json(&client_version(), "  ")
            ));
            s.push_str(&format!("  \"kustomizeVersion\": \"{KUSTOMIZE_VERSION}\""));
            if let Some(Ok(v)) = &server {
                s.push_str(&format!(",\n  \"serverVersion\": {}", ordered_json(v, "  ")));
            }
            s.push_str("\n}\n");
            ctx.stdout(s);
        }
        _ => {
            let mut doc = json!({"clientVersion": client_version(), "kustomizeVersion": KUSTOMIZE_VERSION});
            if let (Some(Ok(v)), Some(o)) = (&server, doc.as_object_mut()) {
                o.insert("serverVersion".to_string(), v.clone());
            }
            let text = crate::output::to_yaml(&doc);
            ctx.stdout(format!("{text}\n"));
        }
    }
    match server {
        Some(Err(e)) => Err(e),
        _ => Ok(()),
    }
}

/// A flat string map as Go's MarshalIndent prints a struct (fields in declaration order).
pub(crate) fn ordered_json(v: &Value, indent: &str) -> String {
    let mut lines = Vec::new();
    for f in INFO_FIELDS {
        if let Some(x) = v.get(*f) {
            lines.push(format!(
                "{indent}  \"{f}\": {}",
                serde_json::to_string(x).unwrap_or_default()
            ));
        }
    }
    format!("{{\n{}\n{indent}}}", lines.join(",\n"))
}
