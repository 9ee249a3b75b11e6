//! `kubectl delete` (k8s.io/kubectl/pkg/cmd/delete): names, TYPE/NAME, `-f`, `-l`, `--all`,
//! `--grace-period`, `--now`, `--force`, `--cascade`, dry runs, `-o name`. `--wait` has
//! nothing to wait for: objects go at once or stay with their finalizers.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::DryRun;
use crate::resource::{kind_group_of, with_source, Builder, Item};
use apimachinery::ApiRequest;
use serde_json::{json, Value};

pub async fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let output = flags.string("output");
    if !output.is_empty() && output != "name" {
        return Err(CmdError::msg(format!(
            "unexpected -o output mode: {output}. We only support '-o name'"
        )));
    }
    let selector = flags.string("selector");
    let field_selector = flags.string("field-selector");
    let all = flags.bool("all");
    let mut grace = flags.int("grace-period");
    let force = flags.bool("force");
    if flags.bool("now") {
        if grace != -1 {
            return Err(CmdError::msg("--now and --grace-period cannot be specified together"));
        }
        grace = 1;
    }
    if grace == 0 && !force {
        // Upstream turns --grace-period=0 into 1 unless --force is given.
        grace = 1;
    }
    if force && grace < 0 {
        grace = 0;
    }
    let cascade = match flags.string("cascade").as_str() {
        "" | "background" | "true" => "Background",
        "foreground" => "Foreground",
        "orphan" | "false" => "Orphan",
        other => {
            return Err(CmdError::msg(format!(
                "invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\"."
            )))
        }
    };
    let dry_run = DryRun::from_flags(ctx, flags)?;
    if all && !selector.is_empty() {
        return Err(CmdError::msg("cannot set --all and --selector at the same time"));
    }
    if all && !field_selector.is_empty() {
        return Err(CmdError::msg("cannot set --all and --field-selector at the same time"));
    }
    if force {
        ctx.stderr("Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n");
        if grace > 0 {
            return Err(CmdError::msg(
                "--force and --grace-period greater than 0 cannot be specified together",
            ));
        }
    }
    let ignore_not_found = if flags.changed("ignore-not-found") {
        flags.bool("ignore-not-found")
    } else {
        all || !selector.is_empty() || !field_selector.is_empty()
    };
    let mut builder = Builder::from_flags(flags, &flags.args);
    builder.require_names = true;
    if ctx.all_namespaces {
        // --all-namespaces lists every namespace's objects.
    }
    let items = builder.run(ctx)?;
    let mut warn_cluster_scope = ctx.explicit_namespace && !ctx.all_namespaces;
    let mut errs = Vec::new();
    let mut found = 0;
    let mut deleted: Vec<(Item, String)> = Vec::new();
    for item in items {
        let item = match item {
            Ok(i) => i,
            Err(e) if ignore_not_found && e.is_not_found() => continue,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        found += 1;
        if warn_cluster_scope && !item.info.namespaced() {
            ctx.stderr("Warning: deleting cluster-scoped resources, not scoped to the provided namespace\n");
            warn_cluster_scope = false;
        }
        if dry_run != DryRun::Client {
            let mut body = json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": cascade});
            if grace >= 0 {
                body["gracePeriodSeconds"] = json!(grace);
            }
            let req = dry_run.apply(ApiRequest::delete(item.path()).with_body(body));
            let response = ctx.request(req);
            if let Ok(resp) = &response {
                // The UID to wait on: the deleted object's (or the Status details' for deletes
                // that return a Status).
                let uid = resp
                    .pointer("/metadata/uid")
                    .or_else(|| resp.pointer("/details/uid"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                deleted.push((item.clone(), uid));
            }
            if let Err(e) = response {
                let e = CmdError::Api(e);
                if ignore_not_found && e.is_not_found() {
                    continue;
                }
                let e = match &item.source {
                    Some(src) => with_source(e, "deleting", src),
                    None => e,
                };
                errs.push(e);
                continue;
            }
        }
        print_deleted(ctx, &item, &output, grace, dry_run);
    }
    if !errs.is_empty() {
        return CmdError::aggregate(errs);
    }
    if found == 0 {
        ctx.stdout("No resources found\n");
        return Ok(());
    }
    if flags.bool("wait") && dry_run == DryRun::None {
        wait_for_deletion(ctx, &deleted, flags.duration_secs("timeout")).await?;
    }
    Ok(())
}

/// `--wait` (the default): kubectl waits until every deleted object is gone (or replaced by
/// a new one with another UID), letting virtual time pass through the host. Hosts that cannot
/// wait return at once, as if the objects were gone.
async fn wait_for_deletion(ctx: &mut Ctx<'_>, deleted: &[(Item, String)], timeout: i64) -> CmdResult {
    // Upstream's "forever" is a week; kubeplay gives up after ten virtual minutes.
    let limit = if timeout > 0 { timeout } else { 600 };
    for (item, uid) in deleted {
        let mut waited = 0;
        loop {
            let gone = match ctx.client.request(ApiRequest::get(item.path())) {
                Err(e) if e.code() == 404 => true,
                Err(_) => true,
                Ok(obj) => {
                    !uid.is_empty() && obj.pointer("/metadata/uid").and_then(Value::as_str) != Some(uid.as_str())
                }
            };
            if gone {
                break;
            }
            if waited >= limit {
                return Err(CmdError::msg(format!(
                    "timed out waiting for the condition on {}/{}",
                    item.info.group_resource(),
                    item.name
                )));
            }
            if !super::watch::tick(ctx).await {
                return Ok(());
            }
            waited += 1;
        }
    }
    Ok(())
}

fn print_deleted(ctx: &mut Ctx<'_>, item: &Item, output: &str, grace: i64, dry_run: DryRun) {
    let kind = kind_group_of(&item.info);
    if output == "name" {
        ctx.stdout(format!("{kind}/{}\n", item.name));
        return;
    }
    let mut op = if grace == 0 {
        "force deleted".to_string()
    } else {
        "deleted".to_string()
    };
    if item.info.namespaced() {
        op = format!("{op} from {} namespace", item.namespace);
    }
    op.push_str(dry_run.suffix());
    ctx.stdout(format!("{kind} \"{}\" {op}\n", item.name));
}
