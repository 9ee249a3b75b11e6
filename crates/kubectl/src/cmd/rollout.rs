//! `kubectl rollout status|history|undo|restart|pause|resume` for Deployments (and status for
//! DaemonSets), as k8s.io/kubectl/pkg/cmd/rollout and polymorphichelpers do it: history from
//! the Deployment's ReplicaSets and their `deployment.kubernetes.io/revision` annotations,
//! undo by copying a revision's pod template back into the Deployment.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, DryRun};
use crate::resource::{kind_group_of, Builder, Item};
use apimachinery::request::PatchType;
use apimachinery::ApiRequest;
use serde_json::{json, Map, Value};

const REVISION: &str = "deployment.kubernetes.io/revision";
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";
const HASH_LABEL: &str = "pod-template-hash";
/// Annotations the Deployment keeps on rollback (rollback.go annotationsToSkip).
const ANNOTATIONS_TO_SKIP: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

fn items(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult<Vec<CmdResult<Item>>> {
    if flags.args.is_empty() && flags.strings("filename").is_empty() {
        return Err(CmdError::usage(&ctx.command_path, "required resource not specified"));
    }
    let mut b = Builder::from_flags(flags, &flags.args);
    b.latest = true;
    b.require_names = true;
    b.require_object = true;
    b.run(ctx)
}

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn int_at(v: &Value, p: &str) -> i64 {
    v.pointer(p).and_then(Value::as_i64).unwrap_or(0)
}

/// The Deployment's ReplicaSets (controlled by it), with their revision numbers.
fn replica_sets(ctx: &mut Ctx<'_>, deploy: &Value) -> CmdResult<Vec<(i64, Value)>> {
    let ns = str_at(deploy, "/metadata/namespace").to_string();
    let uid = str_at(deploy, "/metadata/uid").to_string();
    let list = ctx.get(format!("/apis/apps/v1/namespaces/{ns}/replicasets"))?;
    let mut out = Vec::new();
    for rs in list.get("items").and_then(Value::as_array).cloned().unwrap_or_default() {
        let owned = rs
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .is_some_and(|refs| {
                refs.iter().any(|r| {
                    r.get("uid").and_then(Value::as_str) == Some(&uid) && r.get("controller") == Some(&json!(true))
                })
            });
        if !owned {
            continue;
        }
        let Some(rev) = rs
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(REVISION))
            .and_then(Value::as_str)
        else {
            continue;
        };
        if let Ok(r) = rev.parse::<i64>() {
            out.push((r, rs));
        }
    }
    out.sort_by_key(|(r, _)| *r);
    Ok(out)
}

fn only_deployments(item: &Item) -> CmdResult {
    if item.info.kind != "Deployment" {
        return Err(CmdError::msg(format!(
            "no rollbacker has been implemented for \"{}\" in kubeplay",
            if item.info.group.is_empty() {
                item.info.kind.clone()
            } else {
                format!("{}.{}", item.info.kind, item.info.group)
            }
        )));
    }
    Ok(())
}

/// Go's tabwriter with minwidth 0, tabwidth 8, padding 2 (rollout history's tabbedString).
fn tabbed(rows: &[(String, String)]) -> String {
    let w = rows.iter().map(|(a, _)| a.chars().count()).max().unwrap_or(0) + 2;
    rows.iter()
        .map(|(a, b)| format!("{a}{}{b}\n", " ".repeat(w.saturating_sub(a.chars().count()))))
        .collect()
}

pub fn history(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let revision = flags.int("revision");
    let mut errs = Vec::new();
    for item in items(ctx, flags)? {
        let item = match item.and_then(|i| only_deployments(&i).map(|_| i)) {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let deploy = item.object.clone().unwrap_or(Value::Null);
        let rss = replica_sets(ctx, &deploy)?;
        let body = if rss.is_empty() {
            "No rollout history found.".to_string()
        } else if revision > 0 {
            match rss.iter().find(|(r, _)| *r == revision) {
                Some((_, rs)) => template_text(rs),
                None => {
                    errs.push(CmdError::msg("unable to find the specified revision"));
                    continue;
                }
            }
        } else {
            let mut rows = vec![("REVISION".to_string(), "CHANGE-CAUSE".to_string())];
            for (r, rs) in &rss {
                let cause = rs
                    .pointer("/metadata/annotations")
                    .and_then(|a| a.get(CHANGE_CAUSE))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                rows.push((
                    r.to_string(),
                    if cause.is_empty() {
                        "<none>".to_string()
                    } else {
                        cause.to_string()
                    },
                ));
            }
            tabbed(&rows)
        };
        let with_revision = if revision > 0 {
            format!("with revision #{revision}")
        } else {
            String::new()
        };
        ctx.stdout(format!(
            "{}/{} {with_revision}\n{body}\n",
            kind_group_of(&item.info),
            item.name
        ));
    }
    CmdError::aggregate(errs)
}

/// A short rendering of a revision's pod template (upstream prints a describe-style block).
fn template_text(rs: &Value) -> String {
    let mut t = rs.pointer("/spec/template").cloned().unwrap_or(json!({}));
    if let Some(l) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        l.remove(HASH_LABEL);
    }
    let mut out = String::from("Pod Template:\n");
    let labels: Vec<String> = t
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    out.push_str(&format!(
        "  Labels:\t{}\n",
        if labels.is_empty() {
            "<none>".to_string()
        } else {
            labels.join("\n\t")
        }
    ));
    out.push_str("  Containers:\n");
    for c in t
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        out.push_str(&format!(
            "   {}:\n    Image:\t{}\n",
            str_at(c, "/name"),
            str_at(c, "/image")
        ));
    }
    out
}

pub fn undo(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let format = super::output_format(flags)?;
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let to_revision = flags.int("to-revision");
    let mut errs = Vec::new();
    for item in items(ctx, flags)? {
        match item.and_then(|i| undo_one(ctx, &i, to_revision, &format, dry_run)) {
            Ok(()) => {}
            Err(e) => errs.push(e),
        }
    }
    CmdError::aggregate(errs)
}

fn undo_one(ctx: &mut Ctx<'_>, item: &Item, to_revision: i64, format: &str, dry_run: DryRun) -> CmdResult {
    only_deployments(item)?;
    if to_revision < 0 {
        return Err(CmdError::msg(format!(
            "unable to find specified revision {to_revision} in history"
        )));
    }
    let deploy = item.object.clone().unwrap_or(Value::Null);
    if deploy.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        return Err(CmdError::msg(
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
        ));
    }
    let rss = replica_sets(ctx, &deploy)?;
    let target = if to_revision > 0 {
        rss.iter()
            .find(|(r, _)| *r == to_revision)
            .map(|(_, rs)| rs.clone())
            .ok_or_else(|| CmdError::msg(format!("unable to find specified revision {to_revision} in history")))?
    } else {
        // The second-newest revision.
        let n = rss.len();
        match n.checked_sub(2).and_then(|i| rss.get(i)) {
            Some((_, rs)) => rs.clone(),
            None => {
                return Err(CmdError::msg(format!(
                    "no rollout history found for deployment \"{}\"",
                    item.name
                )))
            }
        }
    };
    let revision = to_revision.max(
        target
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(REVISION))
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
    );
    let mut template = target.pointer("/spec/template").cloned().unwrap_or(json!({}));
    if let Some(l) = template.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        l.remove(HASH_LABEL);
    }
    if dry_run == DryRun::Client {
        let kind = kind_group_of(&item.info);
        ctx.stdout(format!("{kind}/{} {}", item.name, template_text(&target)));
        return Ok(());
    }
    let current = deploy.pointer("/spec/template").cloned().unwrap_or(json!({}));
    let mut current_cmp = current.clone();
    if let Some(l) = current_cmp
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        l.remove(HASH_LABEL);
    }
    if current_cmp == template {
        let op = format!("skipped rollback (current template already matches revision {revision})");
        return print_result(ctx, &deploy, format, &op, dry_run);
    }
    let mut annotations = Map::new();
    let deploy_ann = deploy
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for k in ANNOTATIONS_TO_SKIP {
        if let Some(v) = deploy_ann.get(*k) {
            annotations.insert(k.to_string(), v.clone());
        }
    }
    for (k, v) in target
        .pointer("/metadata/annotations")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
    {
        if !ANNOTATIONS_TO_SKIP.contains(&k.as_str()) {
            annotations.insert(k, v);
        }
    }
    let patch = json!([
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations}
    ]);
    let req = dry_run.apply(ApiRequest::patch(item.path(), PatchType::Json, patch));
    match ctx.request(req) {
        Ok(_) => print_result(ctx, &deploy, format, "rolled back", dry_run),
        Err(e) => Err(CmdError::msg(format!(
            "failed restoring revision {revision}: {}",
            e.message()
        ))),
    }
}

/// The Deployment/DaemonSet status line (polymorphichelpers/rollout_status.go) and whether the
/// rollout is done.
fn status_line(obj: &Value, kind: &str) -> CmdResult<(String, bool)> {
    let name = str_at(obj, "/metadata/name");
    let generation = int_at(obj, "/metadata/generation");
    let observed = int_at(obj, "/status/observedGeneration");
    match kind {
        "Deployment" => {
            if generation > observed {
                return Ok((
                    "Waiting for deployment spec update to be observed...\n".to_string(),
                    false,
                ));
            }
            let timed_out = obj
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter().any(|c| {
                        str_at(c, "/type") == "Progressing" && str_at(c, "/reason") == "ProgressDeadlineExceeded"
                    })
                });
            if timed_out {
                return Err(CmdError::msg(format!(
                    "deployment \"{name}\" exceeded its progress deadline"
                )));
            }
            let replicas = obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            let updated = int_at(obj, "/status/updatedReplicas");
            let total = int_at(obj, "/status/replicas");
            let available = int_at(obj, "/status/availableReplicas");
            if updated < replicas {
                return Ok((format!("Waiting for deployment \"{name}\" rollout to finish: {updated} out of {replicas} new replicas have been updated...\n"), false));
            }
            if total > updated {
                return Ok((format!("Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...\n", total - updated), false));
            }
            if available < updated {
                return Ok((format!("Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available...\n"), false));
            }
            Ok((format!("deployment \"{name}\" successfully rolled out\n"), true))
        }
        "DaemonSet" => {
            if generation > observed {
                return Ok((
                    "Waiting for daemon set spec update to be observed...\n".to_string(),
                    false,
                ));
            }
            let desired = int_at(obj, "/status/desiredNumberScheduled");
            let updated = int_at(obj, "/status/updatedNumberScheduled");
            let available = int_at(obj, "/status/numberAvailable");
            if updated < desired {
                return Ok((format!("Waiting for daemon set \"{name}\" rollout to finish: {updated} out of {desired} new pods have been updated...\n"), false));
            }
            if available < desired {
                return Ok((format!("Waiting for daemon set \"{name}\" rollout to finish: {available} of {desired} updated pods are available...\n"), false));
            }
            Ok((format!("daemon set \"{name}\" successfully rolled out\n"), true))
        }
        other => Err(CmdError::msg(format!(
            "no status viewer has been implemented for {other}"
        ))),
    }
}

pub fn status(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    if flags.int("revision") < 0 {
        return Err(CmdError::msg(format!(
            "revision must be a positive integer: {}",
            flags.int("revision")
        )));
    }
    let watch = flags.bool("watch");
    let timeout = flags.duration_secs("timeout");
    // Without a timeout kubectl waits forever; kubeplay stops after ten virtual minutes.
    let limit = if timeout > 0 { timeout } else { 600 };
    let items = items(ctx, flags)?;
    let Some(first) = items.into_iter().next() else {
        return Ok(());
    };
    let item = first?;
    let mut obj = item.object.clone().unwrap_or(Value::Null);
    let mut last = String::new();
    let mut waited = 0;
    loop {
        let (line, done) = status_line(&obj, &item.info.kind)?;
        if line != last {
            ctx.stdout(line.clone());
            last = line;
        }
        if done || !watch {
            return Ok(());
        }
        if waited >= limit {
            return Err(CmdError::msg("timed out waiting for the condition"));
        }
        if !ctx.host.wait(1) {
            return Ok(());
        }
        waited += 1;
        obj = ctx.get(item.path())?;
    }
}

pub fn restart(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let format = super::output_format(flags)?;
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let now = apimachinery::time::format_rfc3339(ctx.host.now_unix());
    let mut errs = Vec::new();
    for item in items(ctx, flags)? {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        if !matches!(item.info.kind.as_str(), "Deployment" | "DaemonSet" | "StatefulSet") {
            errs.push(CmdError::msg(format!(
                "error: {} \"{}\" restarting is not supported",
                item.info.group_resource(),
                item.name
            )));
            continue;
        }
        let patch =
            json!({"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": now}}}}});
        let obj = item.object.clone().unwrap_or(Value::Null);
        if dry_run == DryRun::Client {
            print_result(ctx, &obj, &format, "restarted", dry_run)?;
            continue;
        }
        let req = dry_run
            .apply(ApiRequest::patch(item.path(), PatchType::StrategicMerge, patch))
            .with_query("fieldManager", "kubectl-rollout");
        match ctx.request(req) {
            Ok(updated) => print_result(ctx, &updated, &format, "restarted", dry_run)?,
            Err(e) => errs.push(CmdError::msg(format!("failed to patch: {}", e.message()))),
        }
    }
    CmdError::aggregate(errs)
}

fn set_paused(ctx: &mut Ctx<'_>, flags: &Parsed, paused: bool) -> CmdResult {
    let format = super::output_format(flags)?;
    let mut errs = Vec::new();
    for item in items(ctx, flags)? {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let obj = item.object.clone().unwrap_or(Value::Null);
        let gr = item.info.group_resource();
        if item.info.kind != "Deployment" {
            let what = if paused { "pausing" } else { "resuming" };
            errs.push(CmdError::msg(format!(
                "error: {gr} \"{}\" {what} is not supported",
                item.name
            )));
            continue;
        }
        let current = obj.pointer("/spec/paused").and_then(Value::as_bool).unwrap_or(false);
        if current == paused {
            let why = if paused { "is already paused" } else { "is not paused" };
            errs.push(CmdError::msg(format!("error: {gr} \"{}\" {why}", item.name)));
            continue;
        }
        let patch = json!({"spec": {"paused": if paused { json!(true) } else { Value::Null }}});
        let req = ApiRequest::patch(item.path(), PatchType::StrategicMerge, patch)
            .with_query("fieldManager", "kubectl-rollout");
        match ctx.request(req) {
            Ok(updated) => print_result(
                ctx,
                &updated,
                &format,
                if paused { "paused" } else { "resumed" },
                DryRun::None,
            )?,
            Err(e) => errs.push(CmdError::msg(format!("failed to patch: {}", e.message()))),
        }
    }
    CmdError::aggregate(errs)
}

pub fn pause(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    set_paused(ctx, flags, true)
}

pub fn resume(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    set_paused(ctx, flags, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deployment_status_lines_follow_the_rollout_status_viewer() {
        let d = |gen: i64, obs: i64, spec: i64, upd: i64, total: i64, avail: i64| {
            json!({"metadata": {"name": "web", "generation": gen}, "spec": {"replicas": spec},
                "status": {"observedGeneration": obs, "updatedReplicas": upd, "replicas": total, "availableReplicas": avail}})
        };
        let line = |v: Value| status_line(&v, "Deployment").unwrap();
        assert_eq!(
            line(d(2, 1, 3, 0, 0, 0)).0,
            "Waiting for deployment spec update to be observed...\n"
        );
        assert_eq!(
            line(d(1, 1, 3, 1, 3, 1)).0,
            "Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n"
        );
        assert_eq!(
            line(d(1, 1, 3, 3, 4, 3)).0,
            "Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...\n"
        );
        assert_eq!(
            line(d(1, 1, 3, 3, 3, 2)).0,
            "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...\n"
        );
        assert_eq!(
            line(d(1, 1, 3, 3, 3, 3)),
            ("deployment \"web\" successfully rolled out\n".to_string(), true)
        );
    }

    #[test]
    fn history_table_uses_two_space_padding() {
        let rows = vec![
            ("REVISION".to_string(), "CHANGE-CAUSE".to_string()),
            ("1".to_string(), "<none>".to_string()),
        ];
        assert_eq!(tabbed(&rows), "REVISION  CHANGE-CAUSE\n1         <none>\n");
    }
}
