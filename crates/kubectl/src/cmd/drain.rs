//! `kubectl drain` (k8s.io/kubectl/pkg/cmd/drain and pkg/drain): cordon the node, sort its
//! pods through drain's filters (DaemonSet-managed, mirror, local storage, unmanaged), then
//! evict them through `POST pods/{name}/eviction` (policy/v1), retrying every 5 s while a
//! PodDisruptionBudget refuses (429), and wait on the virtual clock until they are gone.

use super::watch::{self, go_duration, DEFAULT_CAP_SECS};
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, DryRun};
use crate::resource::Builder;
use apimachinery::request::PatchType;
use apimachinery::ApiRequest;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const DAEMONSET_FATAL: &str = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
const DAEMONSET_WARNING: &str = "ignoring DaemonSet-managed Pods";
const LOCAL_STORAGE_FATAL: &str = "Pods with local storage (use --delete-emptydir-data to override)";
const LOCAL_STORAGE_WARNING: &str = "deleting Pods with local storage";
const UNMANAGED_FATAL: &str = "Pods that declare no controller (use --force to override)";
const UNMANAGED_WARNING: &str = "deleting Pods that declare no controller";
const MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";
/// drain.Helper's EvictErrorRetryDelay.
const RETRY_SECS: i64 = 5;

#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Okay,
    Skip,
    Warning(String),
    Error(String),
}

#[derive(Debug, Clone, Copy)]
struct Options {
    force: bool,
    ignore_daemonsets: bool,
    delete_emptydir_data: bool,
}

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn controller_of(pod: &Value) -> Option<&Value> {
    pod.pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
}

fn finished(pod: &Value) -> bool {
    matches!(str_at(pod, "/status/phase"), "Succeeded" | "Failed")
}

/// makeFilters, in order; the first filter that keeps a pod decides.
fn filter(ctx: &mut Ctx<'_>, pod: &Value, o: Options) -> Verdict {
    let mut verdict = Verdict::Okay;
    let mut deletes = true;
    // daemonSetFilter
    if let Some(c) = controller_of(pod) {
        if str_at(c, "/kind") == "DaemonSet" && str_at(c, "/apiVersion").starts_with("apps/") && !finished(pod) {
            let path = format!(
                "/apis/apps/v1/namespaces/{}/daemonsets/{}",
                str_at(pod, "/metadata/namespace"),
                str_at(c, "/name")
            );
            match ctx.request(ApiRequest::get(path)) {
                Err(e) if e.code() == 404 && o.force => verdict = Verdict::Warning(e.message().to_string()),
                Err(e) => {
                    verdict = Verdict::Error(e.message().to_string());
                    deletes = false;
                }
                Ok(_) if !o.ignore_daemonsets => {
                    verdict = Verdict::Error(DAEMONSET_FATAL.to_string());
                    deletes = false;
                }
                Ok(_) => {
                    verdict = Verdict::Warning(DAEMONSET_WARNING.to_string());
                    deletes = false;
                }
            }
        }
    }
    if !deletes {
        return verdict;
    }
    // mirrorPodFilter
    if pod
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(MIRROR_ANNOTATION))
        .is_some()
    {
        return Verdict::Skip;
    }
    // localStorageFilter
    let has_empty_dir = pod
        .pointer("/spec/volumes")
        .and_then(Value::as_array)
        .is_some_and(|vs| vs.iter().any(|v| v.get("emptyDir").is_some()));
    if has_empty_dir && !finished(pod) {
        if !o.delete_emptydir_data {
            return Verdict::Error(LOCAL_STORAGE_FATAL.to_string());
        }
        verdict = Verdict::Warning(LOCAL_STORAGE_WARNING.to_string());
    }
    // unreplicatedFilter
    if !finished(pod) && controller_of(pod).is_none() {
        if o.force {
            return Verdict::Warning(UNMANAGED_WARNING.to_string());
        }
        return Verdict::Error(UNMANAGED_FATAL.to_string());
    }
    verdict
}

/// GetPodsForDeletion: the pods to delete, the warnings, the errors.
fn pods_for_deletion(
    ctx: &mut Ctx<'_>,
    node: &str,
    pod_selector: &str,
    o: Options,
) -> CmdResult<(Vec<Value>, String, Vec<String>)> {
    let mut req = ApiRequest::get("/api/v1/pods");
    if !pod_selector.is_empty() {
        req = req.with_query("labelSelector", pod_selector.to_string());
    }
    let req = req
        .with_query("fieldSelector", format!("spec.nodeName={node}"))
        .with_query("limit", "500");
    let list = ctx.request(req).map_err(CmdError::Api)?;
    let mut pods: Vec<Value> = list
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        // The field selector, for servers that ignore it.
        .filter(|p| str_at(p, "/spec/nodeName") == node)
        .collect();
    pods.sort_by(|a, b| {
        (str_at(a, "/metadata/namespace"), str_at(a, "/metadata/name"))
            .cmp(&(str_at(b, "/metadata/namespace"), str_at(b, "/metadata/name")))
    });
    let mut delete = Vec::new();
    let mut warnings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pod in pods {
        let id = format!(
            "{}/{}",
            str_at(&pod, "/metadata/namespace"),
            str_at(&pod, "/metadata/name")
        );
        match filter(ctx, &pod, o) {
            Verdict::Okay => delete.push(pod),
            Verdict::Skip => {}
            Verdict::Warning(m) => {
                let deletes = m != DAEMONSET_WARNING;
                warnings.entry(m).or_default().push(id);
                if deletes {
                    delete.push(pod);
                }
            }
            Verdict::Error(m) => errors.entry(m).or_default().push(id),
        }
    }
    let warning_text = warnings
        .iter()
        .map(|(m, ps)| format!("{m}: {}", ps.join(", ")))
        .collect::<Vec<_>>()
        .join("; ");
    let errs = errors
        .iter()
        .map(|(m, ps)| format!("cannot delete {m}: {}", ps.join(", ")))
        .collect();
    Ok((delete, warning_text, errs))
}

fn pod_path(pod: &Value) -> String {
    format!(
        "/api/v1/namespaces/{}/pods/{}",
        str_at(pod, "/metadata/namespace"),
        str_at(pod, "/metadata/name")
    )
}

fn pod_named(pod: &Value) -> Value {
    let mut p = pod.clone();
    if let Some(o) = p.as_object_mut() {
        o.insert("kind".into(), json!("Pod"));
        o.insert("apiVersion".into(), json!("v1"));
    }
    p
}

/// One pod's eviction in progress.
struct Pending {
    pod: Value,
    /// Virtual second of the next eviction attempt (None: evicted, waiting for it to go).
    retry_at: Option<i64>,
}

/// evictPods / deletePods plus waitForDelete, sequenced on the virtual clock.
async fn evict_pods(
    ctx: &mut Ctx<'_>,
    pods: Vec<Value>,
    use_eviction: bool,
    grace: i64,
    timeout: i64,
    dry_run: DryRun,
    format: &str,
) -> CmdResult {
    let limit = if timeout > 0 { timeout } else { DEFAULT_CAP_SECS };
    let mut errs: Vec<CmdError> = Vec::new();
    let mut pending: Vec<Pending> = pods.into_iter().map(|pod| Pending { pod, retry_at: Some(0) }).collect();
    let mut now = 0;
    loop {
        // The eviction goroutines start together: every due eviction is sent first…
        let mut still = Vec::new();
        for mut p in pending {
            let (ns, name) = (
                str_at(&p.pod, "/metadata/namespace").to_string(),
                str_at(&p.pod, "/metadata/name").to_string(),
            );
            let Some(at) = p.retry_at else {
                still.push(p);
                continue;
            };
            if at > now {
                still.push(p);
                continue;
            }
            if use_eviction {
                let suffix = if dry_run == DryRun::Server {
                    " (server dry run)"
                } else {
                    ""
                };
                ctx.stdout(format!("evicting pod {ns}/{name}{suffix}\n"));
            }
            if now >= limit {
                errs.push(CmdError::msg(format!(
                    "error when evicting pods/\"{name}\" -n \"{ns}\": global timeout reached: {}",
                    go_duration(limit)
                )));
                continue;
            }
            let mut delete_options = serde_json::Map::new();
            if grace >= 0 {
                delete_options.insert("gracePeriodSeconds".into(), json!(grace));
            }
            if dry_run == DryRun::Server {
                delete_options.insert("dryRun".into(), json!(["All"]));
            }
            let result = if use_eviction {
                let body = json!({"kind": "Eviction", "apiVersion": "policy/v1",
                    "metadata": {"name": name, "namespace": ns}, "deleteOptions": delete_options});
                ctx.request(ApiRequest::post(format!("{}/eviction", pod_path(&p.pod)), body))
            } else {
                let mut body = delete_options;
                body.insert("kind".into(), json!("DeleteOptions"));
                body.insert("apiVersion".into(), json!("v1"));
                ctx.request(ApiRequest::delete(pod_path(&p.pod)).with_body(Value::Object(body)))
            };
            match result {
                Ok(_) if dry_run == DryRun::Server => continue,
                Ok(_) => {
                    p.retry_at = None;
                    still.push(p);
                }
                Err(e) if e.code() == 404 => continue,
                Err(e) if use_eviction && e.code() == 429 => {
                    ctx.stderr(format!(
                        "error when evicting pods/\"{name}\" -n \"{ns}\" (will retry after {}): {}\n",
                        go_duration(RETRY_SECS),
                        e.message()
                    ));
                    p.retry_at = Some(now + RETRY_SECS);
                    if let Ok(fresh) = ctx.client.request(ApiRequest::get(pod_path(&p.pod))) {
                        p.pod = fresh;
                    }
                    still.push(p);
                }
                Err(e) => {
                    let verb = if use_eviction { "evicting" } else { "deleting" };
                    errs.push(CmdError::msg(format!(
                        "error when {verb} pods/\"{name}\" -n \"{ns}\": {}",
                        e.message()
                    )));
                }
            }
        }
        // …then waitForDelete looks for each evicted pod: gone, or replaced by a pod of the
        // same name with another uid.
        let mut waiting = Vec::new();
        for p in still {
            if p.retry_at.is_some() {
                waiting.push(p);
                continue;
            }
            let gone = match ctx.client.request(ApiRequest::get(pod_path(&p.pod))) {
                Err(e) => e.code() == 404,
                Ok(live) => live.pointer("/metadata/uid") != p.pod.pointer("/metadata/uid"),
            };
            if gone {
                let verb = if use_eviction { "evicted" } else { "deleted" };
                print_result(ctx, &pod_named(&p.pod), format, verb, dry_run)?;
            } else {
                waiting.push(p);
            }
        }
        let still = waiting;
        pending = still;
        if pending.is_empty() {
            break;
        }
        if now >= limit {
            // Evicted pods still terminating: waitForDelete's context ends. Pods waiting to
            // retry find the timeout when they wake (the retry sleep ignores the context).
            pending.retain(|p| {
                if p.retry_at.is_some() {
                    return true;
                }
                let (ns, name) = (str_at(&p.pod, "/metadata/namespace"), str_at(&p.pod, "/metadata/name"));
                errs.push(CmdError::msg(format!(
                    "error when waiting for pod \"{name}\" in namespace \"{ns}\" to terminate: context deadline exceeded"
                )));
                false
            });
            if pending.is_empty() {
                break;
            }
        }
        if !watch::tick(ctx).await {
            return Err(watch::interrupted());
        }
        now += 1;
    }
    match errs.len() {
        0 => Ok(()),
        _ => Err(CmdError::Aggregate(errs)),
    }
}

pub async fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let selector = flags.string("selector");
    if flags.args.is_empty() && !flags.changed("selector") {
        return Err(CmdError::usage(&ctx.command_path, "USAGE: drain NODE [flags]"));
    }
    if !flags.args.is_empty() && !selector.is_empty() {
        return Err(CmdError::usage(
            &ctx.command_path,
            "error: cannot specify both a node name and a --selector option",
        ));
    }
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let pod_selector = flags.string("pod-selector");
    if !pod_selector.is_empty() && apimachinery::Selector::parse(&pod_selector).is_err() {
        return Err(CmdError::msg(
            "--pod-selector=<pod_selector> must be a valid label selector",
        ));
    }
    let opts = Options {
        force: flags.bool("force"),
        ignore_daemonsets: flags.bool("ignore-daemonsets"),
        delete_emptydir_data: flags.bool("delete-emptydir-data"),
    };
    let mut args = vec!["nodes".to_string()];
    args.extend(flags.args.iter().cloned());
    let builder = Builder {
        args,
        selector,
        latest: true,
        ..Builder::default()
    };
    let mut nodes = Vec::new();
    for item in builder.run(ctx)? {
        nodes.push(item?);
    }
    // RunCordonOrUncordon.
    for node in &nodes {
        let obj = node.object.clone().unwrap_or(Value::Null);
        let unschedulable = obj.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true);
        if unschedulable {
            print_result(ctx, &obj, "", "already cordoned", dry_run)?;
            continue;
        }
        if dry_run != DryRun::Client {
            let req = dry_run.apply(ApiRequest::patch(
                node.path(),
                PatchType::StrategicMerge,
                json!({"spec": {"unschedulable": true}}),
            ));
            if let Err(e) = ctx.request(req) {
                ctx.stderr(format!(
                    "error: unable to cordon node \"{}\": {}\n",
                    node.name,
                    e.message()
                ));
                continue;
            }
        }
        print_result(ctx, &obj, "", "cordoned", dry_run)?;
    }
    let mut fatal = Vec::new();
    let mut remaining = Vec::new();
    let grace = flags.int("grace-period");
    let timeout = flags.duration_secs("timeout");
    let use_eviction = !flags.bool("disable-eviction");
    for node in &nodes {
        let result = drain_node(
            ctx,
            &node.name,
            &pod_selector,
            opts,
            use_eviction,
            grace,
            timeout,
            dry_run,
        )
        .await;
        match result {
            Ok(()) => {
                let obj = node.object.clone().unwrap_or(Value::Null);
                print_result(ctx, &obj, "", "drained", dry_run)?;
            }
            Err(e) => {
                ctx.stderr(format!(
                    "error: unable to drain node \"{}\" due to error: {}, continuing command...\n",
                    node.name,
                    e.plain_message()
                ));
                fatal.push(e);
                remaining.push(node.name.clone());
            }
        }
    }
    if !remaining.is_empty() {
        let mut s = String::from("There are pending nodes to be drained:\n");
        for n in &remaining {
            s.push_str(&format!(" {n}\n"));
        }
        ctx.stderr(s);
    }
    if fatal.is_empty() {
        return Ok(());
    }
    // utilerrors.NewAggregate: checkErr prints each error on its own line, without a prefix.
    let flat: Vec<CmdError> = fatal
        .into_iter()
        .flat_map(|e| match e {
            CmdError::Aggregate(v) => v,
            other => vec![other],
        })
        .collect();
    Err(CmdError::Aggregate(flat))
}

#[allow(clippy::too_many_arguments)]
async fn drain_node(
    ctx: &mut Ctx<'_>,
    node: &str,
    pod_selector: &str,
    opts: Options,
    use_eviction: bool,
    grace: i64,
    timeout: i64,
    dry_run: DryRun,
) -> CmdResult {
    let (pods, warnings, errs) = pods_for_deletion(ctx, node, pod_selector, opts)?;
    if !errs.is_empty() {
        return Err(aggregate_text(errs));
    }
    if !warnings.is_empty() {
        ctx.stderr(format!("Warning: {warnings}\n"));
    }
    if dry_run == DryRun::Client {
        for p in &pods {
            ctx.stdout(format!(
                "evicting pod {}/{} (dry run)\n",
                str_at(p, "/metadata/namespace"),
                str_at(p, "/metadata/name")
            ));
        }
        return Ok(());
    }
    let result = evict_pods(ctx, pods, use_eviction, grace, timeout, dry_run, "").await;
    if let Err(e) = &result {
        if let Ok((left, _, _)) = pods_for_deletion(ctx, node, pod_selector, opts) {
            if !left.is_empty() {
                let mut s = format!(
                    "There are pending pods in node \"{node}\" when an error occurred: {}\n",
                    aggregate_message(e)
                );
                for p in &left {
                    s.push_str(&format!("pod/{}\n", str_at(p, "/metadata/name")));
                }
                ctx.stderr(s);
            }
        }
    }
    result
}

/// An aggregate's Error(): the message alone, or `[a, b]`.
fn aggregate_message(e: &CmdError) -> String {
    e.plain_message()
}

fn aggregate_text(errs: Vec<String>) -> CmdError {
    if errs.len() == 1 {
        CmdError::Msg(errs.into_iter().next().unwrap_or_default())
    } else {
        CmdError::Aggregate(errs.into_iter().map(CmdError::Msg).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_messages_join_like_utilerrors() {
        let e = aggregate_text(vec!["a".into(), "b".into()]);
        assert_eq!(e.plain_message(), "[a, b]");
        assert_eq!(aggregate_text(vec!["a".into()]).plain_message(), "a");
    }
}
