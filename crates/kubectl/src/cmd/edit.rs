//! `kubectl edit (TYPE NAME | TYPE/NAME | -f FILE)`: the object as YAML goes through the
//! host's editor; the changes are sent as a patch. Validation failures reopen the editor with
//! the reasons in the header, as kubectl does, until the user saves no further change.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, to_yaml, DryRun};
use crate::resource::{Builder, Item};
use apimachinery::request::PatchType;
use apimachinery::{ApiRequest, GroupVersionKind};
use serde_json::Value;

const HEADER: &str = "# Please edit the object below. Lines beginning with a '#' will be ignored,\n# and an empty file will abort the edit. If an error occurs while saving this file will be\n# reopened with the relevant failures.\n#\n";

/// How many times kubeplay reopens the editor after failed saves before giving up.
const MAX_ROUNDS: usize = 10;

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let format = super::output_format(flags)?;
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let output = flags.string("output");
    let edit_format = if output == "json" { "json" } else { "yaml" };
    let mut builder = Builder::from_flags(flags, &flags.args);
    builder.latest = true;
    builder.require_names = true;
    let items = builder.run(ctx)?;
    let mut errs = Vec::new();
    for item in items {
        match item.and_then(|i| edit_one(ctx, &i, edit_format, &format, dry_run)) {
            Ok(()) => {}
            Err(e) => errs.push(e),
        }
    }
    CmdError::aggregate(errs)
}

fn strip_comments(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

fn edit_one(ctx: &mut Ctx<'_>, item: &Item, edit_format: &str, format: &str, dry_run: DryRun) -> CmdResult {
    let original = item.object.clone().unwrap_or(Value::Null);
    let mut shown = original.clone();
    if let Some(m) = shown.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("managedFields");
    }
    let body = if edit_format == "json" {
        crate::output::to_json(&shown) + "\n"
    } else {
        to_yaml(&shown)
    };
    let file = format!("/tmp/kubectl-edit-{}.{edit_format}", item.name);
    let mut text = format!("{HEADER}{body}");
    let mut previous: Option<String> = None;
    for _ in 0..MAX_ROUNDS {
        let edited = ctx.host.edit(&file, &text).map_err(CmdError::msg)?;
        let content = strip_comments(&edited);
        if content.trim().is_empty() {
            ctx.stderr("Edit cancelled, saved file was empty.\n");
            return Ok(());
        }
        if previous.as_deref() == Some(content.as_str()) {
            ctx.stderr(format!("A copy of your changes has been stored to \"{file}\"\n"));
            return Err(CmdError::msg("Edit cancelled, no valid changes were saved."));
        }
        let docs = apimachinery::decode::decode_documents(&content);
        let modified = match docs {
            Ok(mut d) if d.len() == 1 => d.remove(0),
            Ok(_) => return Err(CmdError::msg("Edit cancelled, no valid changes were saved.")),
            Err(e) => {
                previous = Some(content.clone());
                text = format!(
                    "{HEADER}# The edited file had a syntax error: {}\n#\n{content}",
                    e.message().replace('\n', "\n# ")
                );
                continue;
            }
        };
        if modified == shown {
            ctx.stderr("Edit cancelled, no changes made.\n");
            return Ok(());
        }
        for key in ["apiVersion", "kind"] {
            if modified.get(key) != shown.get(key) {
                return Err(CmdError::msg("At least one of apiVersion, kind and name was changed"));
            }
        }
        if modified.pointer("/metadata/name") != shown.pointer("/metadata/name") {
            return Err(CmdError::msg("At least one of apiVersion, kind and name was changed"));
        }
        let gvk = GroupVersionKind::new(&item.info.group, &item.info.version, &item.info.kind);
        let patch = api::strategic_merge::two_way(&gvk, &shown, &modified).map_err(CmdError::msg)?;
        if dry_run == DryRun::Client {
            return print_result(ctx, &modified, format, "edited", dry_run);
        }
        let req = dry_run
            .apply(ApiRequest::patch(item.path(), PatchType::StrategicMerge, patch))
            .with_query("fieldManager", "kubectl-edit");
        match ctx.request(req) {
            Ok(updated) => return print_result(ctx, &updated, format, "edited", dry_run),
            Err(e) if e.code() == 422 => {
                let gr = item.info.group_resource();
                ctx.stderr(format!("error: {gr} \"{}\" is invalid\n", item.name));
                let mut reasons = format!("# {gr} \"{}\" was not valid:\n", item.name);
                for c in e.status().details.iter().flat_map(|d| d.causes.iter()) {
                    reasons.push_str(&format!("# * {}: {}\n", c.field, c.message.replace('\n', "\n# ")));
                }
                reasons.push_str("#\n");
                previous = Some(content.clone());
                text = format!("{HEADER}{reasons}{content}");
            }
            Err(e) => return Err(CmdError::Api(e)),
        }
    }
    ctx.stderr(format!("A copy of your changes has been stored to \"{file}\"\n"));
    Err(CmdError::msg("Edit cancelled, no valid changes were saved."))
}
