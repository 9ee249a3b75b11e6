//! `kubectl patch (-f FILE | TYPE NAME) -p PATCH [--type strategic|merge|json]`
//! (k8s.io/kubectl/pkg/cmd/patch): sent to the server, or applied locally with `--local`.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, DryRun};
use crate::resource::{map_file_object_local, read_files, Builder, Item};
use apimachinery::request::PatchType;
use apimachinery::ApiRequest;
use serde_json::Value;

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let format = super::output_format(flags)?;
    let patch_text = flags.string("patch");
    let patch_file = flags.string("patch-file");
    let local = flags.bool("local");
    let dry_run = DryRun::from_flags(ctx, flags)?;
    if !patch_text.is_empty() && !patch_file.is_empty() {
        return Err(CmdError::msg("cannot specify --patch and --patch-file together"));
    }
    if patch_text.is_empty() && patch_file.is_empty() {
        return Err(CmdError::msg(
            "must specify --patch or --patch-file containing the contents of the patch",
        ));
    }
    if local && !flags.args.is_empty() {
        return Err(CmdError::msg("cannot specify --local and server resources"));
    }
    if local && dry_run == DryRun::Server {
        return Err(CmdError::msg(
            "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
        ));
    }
    let ty = flags.string("type");
    let patch_type = match ty.to_ascii_lowercase().as_str() {
        "" | "strategic" => PatchType::StrategicMerge,
        "merge" => PatchType::Merge,
        "json" => PatchType::Json,
        _ => {
            return Err(CmdError::msg(format!(
                "--type must be one of [json merge strategic], not \"{ty}\""
            )))
        }
    };
    let text = if patch_file.is_empty() {
        patch_text.clone()
    } else {
        ctx.host
            .read_file(&patch_file)
            .map_err(|e| CmdError::msg(format!("unable to read patch file: {e}")))?
    };
    let patch = apimachinery::decode::decode_stream(&text)
        .map_err(|e| CmdError::msg(format!("unable to parse \"{patch_text}\": {}", e.message())))?
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    let items: Vec<CmdResult<Item>> = if local {
        let objs = read_files(ctx, &flags.strings("filename"), flags.bool("recursive"))?;
        objs.iter().map(|fo| map_file_object_local(ctx, fo)).collect()
    } else {
        let mut b = Builder::from_flags(flags, &flags.args);
        b.require_object = true;
        b.run(ctx)?
    };
    let mut errs = Vec::new();
    let mut count = 0;
    for item in items {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        count += 1;
        let before = item.object.clone().unwrap_or(Value::Null);
        if !local && dry_run != DryRun::Client {
            let mut path = item.path();
            let sub = flags.string("subresource");
            if !sub.is_empty() {
                path = format!("{path}/{sub}");
            }
            let req = dry_run
                .apply(ApiRequest::patch(path, patch_type, patch.clone()))
                .with_query("fieldManager", "kubectl-patch");
            match ctx.request(req) {
                Ok(after) => {
                    let op = if after == before {
                        "patched (no change)"
                    } else {
                        "patched"
                    };
                    print_result(ctx, &after, &format, op, dry_run)?;
                }
                Err(e) => errs.push(CmdError::Api(e)),
            }
            continue;
        }
        let gvk = apimachinery::GroupVersionKind::new(&item.info.group, &item.info.version, &item.info.kind);
        match apply_locally(&gvk, patch_type, &before, &patch) {
            Ok(after) => {
                let op = if after == before {
                    "patched (no change)"
                } else {
                    "patched"
                };
                print_result(ctx, &after, &format, op, dry_run)?;
            }
            Err(e) => errs.push(e),
        }
    }
    if !errs.is_empty() {
        return CmdError::aggregate(errs);
    }
    if count == 0 {
        return Err(CmdError::msg("no objects passed to patch"));
    }
    Ok(())
}

/// getPatchedJSON: the patch applied client-side.
pub fn apply_locally(
    gvk: &apimachinery::GroupVersionKind,
    patch_type: PatchType,
    original: &Value,
    patch: &Value,
) -> CmdResult<Value> {
    match patch_type {
        PatchType::Json => {
            let ops: json_patch::Patch =
                serde_json::from_value(patch.clone()).map_err(|_| CmdError::msg("invalid JSON document"))?;
            let mut doc = original.clone();
            json_patch::patch(&mut doc, &ops).map_err(|e| CmdError::msg(json_patch_error(&e.to_string())))?;
            Ok(doc)
        }
        PatchType::Merge => {
            if !patch.is_object() {
                return Err(CmdError::msg("invalid JSON document"));
            }
            let mut doc = original.clone();
            crate::cmd::run::merge_patch(&mut doc, patch);
            Ok(doc)
        }
        PatchType::StrategicMerge => {
            if !patch.is_object() {
                return Err(CmdError::msg("invalid JSON document"));
            }
            api::strategic_merge::apply(gvk, original, patch).map_err(CmdError::msg)
        }
    }
}

fn json_patch_error(e: &str) -> String {
    e.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod_gvk() -> apimachinery::GroupVersionKind {
        apimachinery::GroupVersionKind::new("", "v1", "Pod")
    }

    #[test]
    fn local_strategic_patches_merge_containers_by_name() {
        let pod = json!({"spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}, {"name": "d", "image": "x"}]}});
        let patch = json!({"spec": {"containers": [{"name": "c", "image": "redis"}]}});
        let out = apply_locally(&pod_gvk(), PatchType::StrategicMerge, &pod, &patch).unwrap();
        assert_eq!(
            out["spec"]["containers"][0],
            json!({"name": "c", "image": "redis", "ports": [{"containerPort": 80}]})
        );
        assert_eq!(out["spec"]["containers"][1]["name"], "d");
    }

    #[test]
    fn merge_patches_replace_lists_and_null_deletes() {
        let out = apply_locally(
            &pod_gvk(),
            PatchType::Merge,
            &json!({"a": [1, 2], "b": 1}),
            &json!({"a": [3], "b": null}),
        )
        .unwrap();
        assert_eq!(out, json!({"a": [3]}));
        let err = apply_locally(&pod_gvk(), PatchType::Merge, &json!({}), &json!("x")).unwrap_err();
        assert_eq!(err.plain_message(), "invalid JSON document");
    }
}
