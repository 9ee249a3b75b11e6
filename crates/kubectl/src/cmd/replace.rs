//! `kubectl replace -f FILE [--force]` (k8s.io/kubectl/pkg/cmd/replace): PUT each object;
//! with `--force`, delete and re-create it.

use crate::cmd::create::{save_config_unstructured as save_config, write_params};
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, DryRun};
use crate::resource::{kind_group_of, map_file_object, read_files, with_source};
use apimachinery::ApiRequest;
use serde_json::{json, Value};

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let format = super::output_format(flags)?;
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let force = flags.bool("force");
    if flags.int("grace-period") >= 0 && !force {
        return Err(CmdError::msg("--grace-period must have --force specified"));
    }
    if flags.duration_secs("timeout") != 0 && !force {
        return Err(CmdError::msg("--timeout must have --force specified"));
    }
    if force && dry_run != DryRun::None {
        return Err(CmdError::msg("--dry-run can not be used when --force is set"));
    }
    let filenames = flags.strings("filename");
    if filenames.is_empty() {
        return Err(CmdError::usage(&ctx.command_path, "must specify --filename to replace"));
    }
    let objects = read_files(ctx, &filenames, flags.bool("recursive"))?;
    let mut errs = Vec::new();
    for fo in &objects {
        let item = match map_file_object(ctx, fo) {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let mut obj = item.object.clone().unwrap_or(Value::Null);
        save_config(&mut obj, flags);
        if force {
            let body = json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"});
            match ctx.request(ApiRequest::delete(item.path()).with_body(body)) {
                Ok(_) => {
                    let kind = kind_group_of(&item.info);
                    let ns = if item.info.namespaced() {
                        format!(" from {} namespace", item.namespace)
                    } else {
                        String::new()
                    };
                    ctx.stdout(format!("{kind} \"{}\" deleted{ns}\n", item.name));
                }
                Err(e) if e.code() == 404 => {}
                Err(e) => {
                    errs.push(with_source(CmdError::Api(e), "deleting", &fo.source));
                    continue;
                }
            }
            let req = write_params(
                ApiRequest::post(item.collection_path(), obj),
                DryRun::None,
                "kubectl-replace",
                true,
            );
            match ctx.request(req) {
                Ok(created) => print_result(ctx, &created, &format, "replaced", dry_run)?,
                Err(e) => errs.push(with_source(CmdError::Api(e), "replacing", &fo.source)),
            }
            continue;
        }
        if dry_run == DryRun::Client {
            print_result(ctx, &obj, &format, "replaced", dry_run)?;
            continue;
        }
        // helper.Replace with overwrite: carry the live resourceVersion when the file has none.
        if obj.pointer("/metadata/resourceVersion").is_none() {
            match ctx.request(ApiRequest::get(item.path())) {
                Ok(live) => {
                    if let (Some(rv), Some(m)) = (
                        live.pointer("/metadata/resourceVersion").cloned(),
                        obj.get_mut("metadata").and_then(Value::as_object_mut),
                    ) {
                        m.insert("resourceVersion".into(), rv);
                    }
                }
                Err(e) => {
                    errs.push(with_source(CmdError::Api(e), "replacing", &fo.source));
                    continue;
                }
            }
        }
        let req = write_params(ApiRequest::put(item.path(), obj), dry_run, "kubectl-replace", true);
        match ctx.request(req) {
            Ok(updated) => print_result(ctx, &updated, &format, "replaced", dry_run)?,
            Err(e) => errs.push(with_source(CmdError::Api(e), "replacing", &fo.source)),
        }
    }
    CmdError::aggregate(errs)
}
