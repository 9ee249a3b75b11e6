//! `kubectl cordon` / `uncordon`: set `spec.unschedulable` on nodes with a patch.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::DryRun;
use crate::resource::Builder;
use apimachinery::request::PatchType;
use apimachinery::ApiRequest;
use serde_json::{json, Value};

pub fn cordon(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    set_unschedulable(ctx, flags, true, "cordon")
}

pub fn uncordon(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    set_unschedulable(ctx, flags, false, "uncordon")
}

fn set_unschedulable(ctx: &mut Ctx<'_>, flags: &Parsed, desired: bool, verb: &str) -> CmdResult {
    let selector = flags.string("selector");
    if flags.args.is_empty() && selector.is_empty() {
        return Err(CmdError::usage(
            &ctx.command_path,
            format!("USAGE: {verb} NODE [flags]"),
        ));
    }
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let mut args = vec!["nodes".to_string()];
    args.extend(flags.args.iter().cloned());
    let builder = Builder {
        args,
        selector,
        latest: true,
        ..Builder::default()
    };
    let mut errs = Vec::new();
    for item in builder.run(ctx)? {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let current = item
            .object
            .as_ref()
            .and_then(|o| o.pointer("/spec/unschedulable"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let name = item.kind_name();
        if current == desired {
            let what = if desired { "cordoned" } else { "uncordoned" };
            ctx.stdout(format!("{name} already {what}\n"));
            continue;
        }
        let patch = if desired {
            json!({"spec": {"unschedulable": true}})
        } else {
            json!({"spec": {"unschedulable": null}})
        };
        if dry_run != DryRun::Client {
            let req = dry_run.apply(ApiRequest::patch(item.path(), PatchType::StrategicMerge, patch));
            if let Err(e) = ctx.request(req) {
                errs.push(CmdError::Api(e));
                continue;
            }
        }
        let what = if desired { "cordoned" } else { "uncordoned" };
        ctx.stdout(format!("{name} {what}{}\n", dry_run.suffix()));
    }
    CmdError::aggregate(errs)
}
