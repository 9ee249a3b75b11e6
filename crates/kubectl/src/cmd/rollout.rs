//! `kubectl rollout status|history|undo|restart|pause|resume` for Deployments (and status for
//! DaemonSets), as k8s.io/kubectl/pkg/cmd/rollout and polymorphichelpers do it: history from
//! the Deployment's ReplicaSets and their `deployment.kubernetes.io/revision` annotations,
//! undo by copying a revision's pod template back into the Deployment.

use super::watch::{self, Until};
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
const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
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
            "no rollbacker has been implemented for \"{}\"",
            group_kind(item)
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

/// One revision of a workload: what `-o` prints (GetHistory), its pod template and its
/// change cause.
struct Revision {
    number: i64,
    object: Value,
    template: Value,
    change_cause: String,
}

fn change_cause_of(obj: &Value) -> String {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(CHANGE_CAUSE))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// The ControllerRevisions a DaemonSet or StatefulSet controls (controlledHistory), by
/// revision.
fn controller_revisions(ctx: &mut Ctx<'_>, obj: &Value) -> CmdResult<Vec<(i64, Value)>> {
    let ns = str_at(obj, "/metadata/namespace").to_string();
    let uid = str_at(obj, "/metadata/uid").to_string();
    let selector = obj.pointer("/spec/selector").cloned().unwrap_or(Value::Null);
    let selector = apimachinery::Selector::from_label_selector(&selector)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let mut req = ApiRequest::get(format!("/apis/apps/v1/namespaces/{ns}/controllerrevisions"));
    if !selector.is_empty() {
        req = req.with_query("labelSelector", selector);
    }
    let list = ctx.request(req).map_err(CmdError::Api)?;
    let mut out: Vec<(i64, Value)> = list
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|cr| {
            cr.pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|refs| {
                    refs.iter().any(|r| {
                        r.get("uid").and_then(Value::as_str) == Some(&uid) && r.get("controller") == Some(&json!(true))
                    })
                })
        })
        .map(|cr| (int_at(&cr, "/revision"), cr))
        .collect();
    out.sort_by_key(|(r, _)| *r);
    Ok(out)
}

/// applyDaemonSetHistory / applyStatefulSetHistory: the workload with the revision's data
/// (a strategic merge patch) applied.
fn apply_revision(obj: &Value, kind: &str, cr: &Value) -> CmdResult<Value> {
    let data = cr.get("data").cloned().unwrap_or(json!({}));
    let gvk = apimachinery::GroupVersionKind::new("apps", "v1", kind);
    api::strategic_merge::apply(&gvk, obj, &data)
        .map_err(|_| CmdError::msg(format!("unable to parse history {}", str_at(cr, "/metadata/name"))))
}

/// The history viewer of a workload (HistoryViewerFor).
fn revisions(ctx: &mut Ctx<'_>, item: &Item) -> CmdResult<Vec<Revision>> {
    let obj = item.object.clone().unwrap_or(Value::Null);
    match item.info.kind.as_str() {
        "Deployment" => Ok(replica_sets(ctx, &obj)?
            .into_iter()
            .map(|(number, rs)| {
                let mut object = rs.clone();
                if let Some(o) = object.as_object_mut() {
                    o.entry("kind").or_insert(json!("ReplicaSet"));
                    o.entry("apiVersion").or_insert(json!("apps/v1"));
                }
                let mut template = rs.pointer("/spec/template").cloned().unwrap_or(Value::Null);
                let cause = change_cause_of(&rs);
                if !cause.is_empty() {
                    if let Some(m) = template.get_mut("metadata").and_then(Value::as_object_mut) {
                        let a = m.entry("annotations").or_insert(json!({}));
                        a[CHANGE_CAUSE] = json!(cause);
                    }
                }
                Revision {
                    number,
                    object,
                    template,
                    change_cause: cause,
                }
            })
            .collect()),
        kind @ ("DaemonSet" | "StatefulSet") => {
            let mut out = Vec::new();
            for (number, cr) in controller_revisions(ctx, &obj)? {
                let applied = apply_revision(&obj, kind, &cr)?;
                out.push(Revision {
                    number,
                    template: applied.pointer("/spec/template").cloned().unwrap_or(Value::Null),
                    object: applied,
                    change_cause: change_cause_of(&cr),
                });
            }
            Ok(out)
        }
        _ => Err(CmdError::msg(format!(
            "no history viewer has been implemented for \"{}\"",
            group_kind(item)
        ))),
    }
}

/// schema.GroupKind's String: `Pod`, `ReplicaSet.apps`.
fn group_kind(item: &Item) -> String {
    if item.info.group.is_empty() {
        item.info.kind.clone()
    } else {
        format!("{}.{}", item.info.kind, item.info.group)
    }
}

pub fn history(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let format = super::output_format(flags)?;
    let revision = flags.int("revision");
    let mut errs = Vec::new();
    for item in items(ctx, flags)? {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let revs = revisions(ctx, &item)?;
        if !format.is_empty() {
            // GetHistory: the ReplicaSets, or the workload at each revision.
            let wanted: Vec<&Revision> = revs.iter().filter(|r| revision <= 0 || r.number == revision).collect();
            if revision > 0 && wanted.is_empty() {
                return Err(CmdError::msg("unable to find the specified revision"));
            }
            for r in wanted {
                crate::output::print_object(ctx, &r.object, &format)?;
            }
            continue;
        }
        let body = if revs.is_empty() {
            "No rollout history found.".to_string()
        } else if revision > 0 {
            match revs.iter().find(|r| r.number == revision) {
                Some(r) => describe_template(&r.template),
                None => {
                    errs.push(CmdError::msg("unable to find the specified revision"));
                    continue;
                }
            }
        } else {
            let mut rows = vec![("REVISION".to_string(), "CHANGE-CAUSE".to_string())];
            for r in &revs {
                let cause = if r.change_cause.is_empty() {
                    "<none>".to_string()
                } else {
                    r.change_cause.clone()
                };
                rows.push((r.number.to_string(), cause));
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

/// printTemplate of a template itself.
fn describe_template(template: &Value) -> String {
    let mut w = crate::describe::Writer::new();
    crate::describe::pod_template(&mut w, template);
    w.into_raw()
}

/// printTemplate: DescribePodTemplate of a revision's template, tabs left as they are.
fn template_text(rs: &Value) -> String {
    let template = rs.pointer("/spec/template").cloned().unwrap_or(Value::Null);
    let mut w = crate::describe::Writer::new();
    crate::describe::pod_template(&mut w, &template);
    w.into_raw()
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

/// DaemonSetRollbacker / StatefulSetRollbacker: patch the workload with a ControllerRevision's
/// data.
fn undo_controller_revision(
    ctx: &mut Ctx<'_>,
    item: &Item,
    to_revision: i64,
    format: &str,
    dry_run: DryRun,
) -> CmdResult {
    if to_revision < 0 {
        return Err(CmdError::msg(format!(
            "unable to find specified revision {to_revision} in history"
        )));
    }
    let obj = item.object.clone().unwrap_or(Value::Null);
    let history = controller_revisions(ctx, &obj)?;
    if to_revision == 0 && history.len() <= 1 {
        return Err(CmdError::msg("no last revision to roll back to"));
    }
    let target = if to_revision == 0 {
        history.len().checked_sub(2).and_then(|i| history.get(i))
    } else {
        history.iter().find(|(r, _)| *r == to_revision)
    };
    let Some((_, cr)) = target else {
        return Err(CmdError::msg(format!(
            "unable to find specified revision {to_revision} in history"
        )));
    };
    let applied = apply_revision(&obj, &item.info.kind, cr)?;
    if dry_run == DryRun::Client {
        let text = describe_template(&applied.pointer("/spec/template").cloned().unwrap_or(Value::Null));
        return print_result(ctx, &obj, format, &text, dry_run);
    }
    if applied.pointer("/spec/template") == obj.pointer("/spec/template") {
        let op = format!("skipped rollback (current template already matches revision {to_revision})");
        return print_result(ctx, &obj, format, &op, dry_run);
    }
    let data = cr.get("data").cloned().unwrap_or(json!({}));
    let req = dry_run.apply(ApiRequest::patch(item.path(), PatchType::StrategicMerge, data));
    match ctx.request(req) {
        Ok(_) => print_result(ctx, &obj, format, "rolled back", dry_run),
        Err(e) => Err(CmdError::msg(format!(
            "failed restoring revision {to_revision}: {}",
            e.message()
        ))),
    }
}

fn undo_one(ctx: &mut Ctx<'_>, item: &Item, to_revision: i64, format: &str, dry_run: DryRun) -> CmdResult {
    if matches!(item.info.kind.as_str(), "DaemonSet" | "StatefulSet") {
        return undo_controller_revision(ctx, item, to_revision, format, dry_run);
    }
    only_deployments(item)?;
    if to_revision < 0 {
        return Err(CmdError::msg(format!(
            "unable to find specified revision {to_revision} in history"
        )));
    }
    let deploy = item.object.clone().unwrap_or(Value::Null);
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
    let mut template = target.pointer("/spec/template").cloned().unwrap_or(json!({}));
    if let Some(l) = template.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
        l.remove(HASH_LABEL);
    }
    if dry_run == DryRun::Client {
        return print_result(ctx, &deploy, format, &template_text(&target), dry_run);
    }
    if deploy.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        return Err(CmdError::msg(
            "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again",
        ));
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
        // Upstream names the revision asked for (0 for the previous one).
        let op = format!("skipped rollback (current template already matches revision {to_revision})");
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
            "failed restoring revision {to_revision}: {}",
            e.message()
        ))),
    }
}

fn strategy_type(obj: &Value) -> &str {
    obj.pointer("/spec/updateStrategy/type")
        .and_then(Value::as_str)
        .unwrap_or("RollingUpdate")
}

/// The status viewers of polymorphichelpers/rollout_status.go: the line to print and whether
/// the rollout is done.
fn status_line(obj: &Value, kind: &str, revision: i64) -> CmdResult<(String, bool)> {
    let name = str_at(obj, "/metadata/name");
    let generation = int_at(obj, "/metadata/generation");
    let observed = int_at(obj, "/status/observedGeneration");
    match kind {
        "Deployment" => {
            if revision > 0 {
                let current = obj
                    .pointer("/metadata/annotations")
                    .and_then(|a| a.get(REVISION))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let Ok(current) = current.parse::<i64>() else {
                    return Err(CmdError::msg(format!(
                        "cannot get the revision of deployment \"{name}\": strconv.ParseInt: parsing \"{current}\": invalid syntax"
                    )));
                };
                if current != revision {
                    return Err(CmdError::msg(format!(
                        "desired revision ({revision}) is different from the running revision ({current})"
                    )));
                }
            }
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
            let replicas = obj.pointer("/spec/replicas").and_then(Value::as_i64);
            let updated = int_at(obj, "/status/updatedReplicas");
            let total = int_at(obj, "/status/replicas");
            let available = int_at(obj, "/status/availableReplicas");
            if let Some(replicas) = replicas.filter(|r| updated < *r) {
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
            if strategy_type(obj) != "RollingUpdate" {
                return Err(CmdError::msg(
                    "rollout status is only available for RollingUpdate strategy type",
                ));
            }
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
        "StatefulSet" => {
            if strategy_type(obj) != "RollingUpdate" {
                return Err(CmdError::msg(
                    "rollout status is only available for RollingUpdate strategy type",
                ));
            }
            if observed == 0 || generation > observed {
                return Ok((
                    "Waiting for statefulset spec update to be observed...\n".to_string(),
                    false,
                ));
            }
            let replicas = obj.pointer("/spec/replicas").and_then(Value::as_i64);
            let ready = int_at(obj, "/status/readyReplicas");
            if let Some(r) = replicas.filter(|r| ready < *r) {
                return Ok((format!("Waiting for {} pods to be ready...\n", r - ready), false));
            }
            let updated = int_at(obj, "/status/updatedReplicas");
            if obj
                .pointer("/spec/updateStrategy/rollingUpdate")
                .is_some_and(Value::is_object)
            {
                let partition = obj
                    .pointer("/spec/updateStrategy/rollingUpdate/partition")
                    .and_then(Value::as_i64);
                if let (Some(r), Some(p)) = (replicas, partition) {
                    if updated < r - p {
                        return Ok((format!("Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...\n", r - p), false));
                    }
                }
                return Ok((
                    format!("partitioned roll out complete: {updated} new pods have been updated...\n"),
                    true,
                ));
            }
            let update_rev = str_at(obj, "/status/updateRevision");
            let current_rev = str_at(obj, "/status/currentRevision");
            if update_rev != current_rev {
                return Ok((format!("waiting for statefulset rolling update to complete {updated} pods at revision {update_rev}...\n"), false));
            }
            let current = int_at(obj, "/status/currentReplicas");
            Ok((
                format!("statefulset rolling update complete {current} pods at revision {current_rev}...\n"),
                true,
            ))
        }
        other => Err(CmdError::msg(format!(
            "no status viewer has been implemented for {other}"
        ))),
    }
}

/// `kubectl rollout status`: list-then-watch the object on the virtual clock, printing the
/// viewer's line for every ADDED/MODIFIED event (so a line repeats when the object changes
/// without progress, as upstream's does).
pub async fn status(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let revision = flags.int("revision");
    if revision < 0 {
        return Err(CmdError::msg(format!(
            "revision must be a positive integer: {revision}"
        )));
    }
    let watch_flag = flags.bool("watch");
    let timeout = flags.duration_secs("timeout");
    // Without a timeout kubectl waits forever; kubeplay stops at its cap.
    let limit = if timeout > 0 { timeout } else { watch::DEFAULT_CAP_SECS };
    let mut found = false;
    for item in items(ctx, flags)? {
        let item = item?;
        found = true;
        let kind = item.info.kind.clone();
        if !matches!(kind.as_str(), "Deployment" | "DaemonSet" | "StatefulSet") {
            let gk = if item.info.group.is_empty() {
                kind.clone()
            } else {
                format!("{kind}.{}", item.info.group)
            };
            return Err(CmdError::msg(format!("no status viewer has been implemented for {gk}")));
        }
        let mut lw = watch::ListWatch::for_name(item.collection_path(), &item.name);
        let initial = lw.list(ctx)?;
        let outcome = watch::until(
            ctx,
            &mut lw,
            initial,
            limit,
            &mut |ctx, ev| match ev.event_type.as_str() {
                "ADDED" | "MODIFIED" => {
                    let (line, done) = status_line(&ev.object, &kind, revision)?;
                    ctx.stdout(line);
                    Ok(done || !watch_flag)
                }
                "DELETED" => Err(CmdError::msg("object has been deleted")),
                _ => Ok(false),
            },
        )
        .await?;
        match outcome {
            Until::Done => {}
            Until::TimedOut => return Err(CmdError::msg("timed out waiting for the condition")),
            // The host cannot wait (or the user pressed Ctrl-C): what was printed stands.
            Until::Interrupted => return Ok(()),
        }
    }
    if !found {
        let ns = ctx.namespace.clone();
        ctx.stderr(format!("No resources found in {ns} namespace.\n"));
    }
    Ok(())
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
        let obj = item.object.clone().unwrap_or(Value::Null);
        if item.info.kind == "Deployment" && obj.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
            errs.push(CmdError::msg(format!(
                "error: {} \"{}\" can't restart paused deployment (run rollout resume first)",
                item.info.group_resource(),
                item.name
            )));
            continue;
        }
        let current = obj
            .pointer("/spec/template/metadata/annotations")
            .and_then(|a| a.get(RESTARTED_AT))
            .and_then(Value::as_str);
        if current == Some(now.as_str()) {
            // The patch would be empty: restartedAt has second precision.
            errs.push(CmdError::msg(format!(
                "failed to create patch for {}: if restart has already been triggered within the past second, please wait before attempting to trigger another",
                item.name
            )));
            continue;
        }
        let patch = json!({"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: now}}}}});
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
        let line = |v: Value| status_line(&v, "Deployment", 0).unwrap();
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
