//! `kubectl scale`: set `spec.replicas` through the scale subresource, with the
//! `--current-replicas` precondition.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, DryRun};
use crate::resource::Builder;
use apimachinery::request::PatchType;
use apimachinery::ApiRequest;
use serde_json::{json, Value};

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let format = super::output_format(flags)?;
    let replicas = flags.int("replicas");
    if replicas < 0 {
        return Err(CmdError::msg(
            "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0",
        ));
    }
    let current = flags.int("current-replicas");
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let mut builder = Builder::from_flags(flags, &flags.args);
    builder.require_names = true;
    builder.require_object = true;
    let mut errs = Vec::new();
    for item in builder.run(ctx)? {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let obj = item.object.clone().unwrap_or_else(
            || json!({"apiVersion": item.info.api_version(), "kind": item.info.kind, "metadata": {"name": item.name}}),
        );
        if current >= 0 {
            let scale = match ctx.get(format!("{}/scale", item.path())) {
                Ok(s) => s,
                Err(e) => {
                    errs.push(e);
                    continue;
                }
            };
            let actual = scale.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(0);
            if actual != current {
                errs.push(CmdError::msg(format!(
                    "Expected replicas to be {current}, was {actual}"
                )));
                continue;
            }
        }
        if dry_run != DryRun::Client {
            let path = format!("{}/scale", item.path());
            let req = dry_run.apply(ApiRequest::patch(
                path,
                PatchType::Merge,
                json!({"spec": {"replicas": replicas}}),
            ));
            if let Err(e) = ctx.request(req) {
                errs.push(CmdError::Api(e));
                continue;
            }
        }
        print_result(ctx, &obj, &format, "scaled", dry_run)?;
    }
    CmdError::aggregate(errs)
}
