//! Client-side `kubectl apply -f` (k8s.io/kubectl/pkg/cmd/apply): create with the
//! last-applied-configuration annotation, or patch with a three-way merge of the last applied
//! configuration, the file and the live object; `created` / `configured` / `unchanged`.

use crate::cmd::create::{set_last_applied, write_params};
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, DryRun};
use crate::resource::{map_file_object, read_files, with_source, Item};
use apimachinery::request::PatchType;
use apimachinery::{ApiRequest, GroupVersionKind};
use serde_json::{Map, Value};

pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let filenames = flags.strings("filename");
    if !flags.args.is_empty() {
        return Err(CmdError::usage(
            &ctx.command_path,
            format!("Unexpected args: [{}]", flags.args.join(" ")),
        ));
    }
    if filenames.is_empty() {
        if !flags.string("kustomize").is_empty() {
            return Err(CmdError::msg("kustomize directories are not available in kubeplay"));
        }
        return Err(CmdError::msg("must specify one of -f and -k"));
    }
    let format = super::output_format(flags)?;
    let dry_run = DryRun::from_flags(ctx, flags)?;
    if flags.bool("server-side") {
        if dry_run == DryRun::Client {
            return Err(CmdError::msg(
                "--dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)",
            ));
        }
        return Err(CmdError::msg(
            "server-side apply is not available in kubeplay yet; use client-side apply (without --server-side)",
        ));
    }
    if flags.bool("force-conflicts") {
        return Err(CmdError::msg("--force-conflicts only works with --server-side"));
    }
    if flags.bool("prune") {
        return Err(CmdError::msg("--prune is not available in kubeplay yet"));
    }
    let objects = read_files(ctx, &filenames, flags.bool("recursive"))?;
    let mut errs = Vec::new();
    let mut count = 0;
    // With -o json|yaml apply prints everything at the end: one object, or a List.
    let collect = format == "yaml" || format == "json";
    let mut collected: Vec<Value> = Vec::new();
    for fo in &objects {
        let item = match map_file_object(ctx, fo) {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        count += 1;
        match apply_one(ctx, &item, dry_run) {
            Ok((obj, _)) if collect => collected.push(obj),
            Ok((obj, op)) => print_result(ctx, &obj, &format, op, dry_run)?,
            Err(e) => errs.push(e),
        }
    }
    match collected.len() {
        0 => {}
        1 => crate::output::print_object(ctx, &collected.remove(0), &format)?,
        _ => {
            let list = serde_json::json!({"apiVersion": "v1", "items": collected, "kind": "List", "metadata": {}});
            crate::output::print_object(ctx, &list, &format)?;
        }
    }
    if !errs.is_empty() {
        return CmdError::aggregate(errs);
    }
    if count == 0 {
        return Err(CmdError::msg("no objects passed to apply"));
    }
    Ok(())
}

/// `Resource: "apps/v1, Resource=deployments", GroupVersionKind: "apps/v1, Kind=Deployment"`
/// plus the name line, as resource.Info.String() prints it.
fn info_string(item: &Item) -> String {
    let i = &item.info;
    format!(
        "Resource: \"{}/{}, Resource={}\", GroupVersionKind: \"{}/{}, Kind={}\"\nName: \"{}\", Namespace: \"{}\"",
        i.group, i.version, i.plural, i.group, i.version, i.kind, item.name, item.namespace
    )
}

fn remove_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            for x in m.values_mut() {
                remove_nulls(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(remove_nulls),
        _ => {}
    }
}

fn apply_one(ctx: &mut Ctx<'_>, item: &Item, dry_run: DryRun) -> CmdResult<(Value, &'static str)> {
    let source = item.source.clone().unwrap_or_default();
    let mut modified = item.object.clone().unwrap_or(Value::Null);
    if modified
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        if let Some(g) = modified.pointer("/metadata/generateName").and_then(Value::as_str) {
            return Err(CmdError::msg(format!("from {g}: cannot use generate name with apply")));
        }
        // client-go refuses a GET without a name before sending it.
        return Err(CmdError::msg(format!(
            "error when retrieving current configuration of:\n{}\nfrom server for: \"{source}\": resource name may not be empty",
            info_string(item)
        )));
    }
    set_last_applied(&mut modified);
    let current = match ctx.request(ApiRequest::get(item.path())) {
        Ok(c) => c,
        Err(e) if e.code() == 404 => {
            let mut obj = modified.clone();
            remove_nulls(&mut obj);
            if dry_run != DryRun::Client {
                let req = write_params(
                    ApiRequest::post(item.collection_path(), obj.clone()),
                    dry_run,
                    "kubectl-client-side-apply",
                    true,
                );
                obj = ctx
                    .request(req)
                    .map_err(|e| with_source(CmdError::Api(e), "creating", &source))?;
            }
            return Ok((obj, "created"));
        }
        Err(e) => {
            let verb = format!(
                "retrieving current configuration of:\n{}\nfrom server for:",
                info_string(item)
            );
            return Err(with_source(CmdError::Api(e), &verb, &source));
        }
    };
    let original: Option<Value> = current
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(LAST_APPLIED))
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str(s).ok());
    if original.is_none() {
        let object_name = format!("{}/{}", item.info.group_resource(), item.name);
        ctx.stderr(format!(
            "Warning: resource {object_name} is missing the {LAST_APPLIED} annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\n"
        ));
    }
    let gvk = GroupVersionKind::new(&item.info.group, &item.info.version, &item.info.kind);
    let patch = api::strategic_merge::three_way(&gvk, original.as_ref(), &modified, &current)
        .map_err(|e| CmdError::msg(format!("error when creating patch for \"{source}\": {e}")))?;
    if patch.as_object().is_some_and(Map::is_empty) {
        return Ok((current, "unchanged"));
    }
    if dry_run == DryRun::Client {
        let local = api::strategic_merge::apply(&gvk, &current, &patch).map_err(CmdError::msg)?;
        return Ok((local, "configured"));
    }
    let req = dry_run
        .apply(ApiRequest::patch(item.path(), PatchType::StrategicMerge, patch.clone()))
        .with_query("fieldManager", "kubectl-client-side-apply")
        .with_query("fieldValidation", "Strict");
    match ctx.request(req) {
        Ok(obj) => Ok((obj, "configured")),
        Err(e) => {
            let patch_text = apimachinery::yaml::to_json_compact(&patch);
            let verb = format!("applying patch:\n{patch_text}\nto:\n{}\nfor:", info_string(item));
            Err(with_source(CmdError::Api(e), &verb, &source))
        }
    }
}
