//! `kubectl logs` (k8s.io/kubectl/pkg/cmd/logs and polymorphichelpers/logsforobject.go):
//! pods by name, `TYPE/NAME` (the first pod of a workload's selector, sorted as
//! podutils.ByLogging), `-l`, `-c`, `--all-containers`, `--prefix`, `--tail`, `--previous`,
//! `--timestamps`, `-f` on the virtual clock. Logs come from
//! `GET /api/v1/namespaces/{ns}/pods/{name}/log?…`, answered with the text as a JSON string.

use super::watch::{self, Until, DEFAULT_CAP_SECS};
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use apimachinery::{ApiRequest, Selector};
use serde_json::Value;

const USAGE: &str = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command";
/// The tail kubectl uses with `-l` when --tail is not given.
const SELECTOR_TAIL: i64 = 10;
const DEFAULT_CONTAINER_ANNOTATION: &str = "kubectl.kubernetes.io/default-container";

/// One log stream: a pod's container with its query.
#[derive(Debug, Clone, PartialEq)]
struct Stream {
    namespace: String,
    pod: String,
    container: String,
}

#[derive(Debug, Clone, Default)]
struct LogOptions {
    previous: bool,
    timestamps: bool,
    tail: Option<i64>,
    limit_bytes: Option<i64>,
    since_seconds: Option<i64>,
    since_time: String,
    prefix: bool,
}

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn names(pod: &Value, field: &str) -> Vec<String> {
    pod.pointer(&format!("/spec/{field}"))
        .and_then(Value::as_array)
        .map(|cs| cs.iter().map(|c| str_at(c, "/name").to_string()).collect())
        .unwrap_or_default()
}

/// podcmd.AllContainerNames.
fn all_container_names(pod: &Value) -> String {
    let mut out = names(pod, "containers");
    out.extend(
        names(pod, "ephemeralContainers")
            .into_iter()
            .map(|n| format!("{n} (ephem)")),
    );
    out.extend(names(pod, "initContainers").into_iter().map(|n| format!("{n} (init)")));
    out.join(", ")
}

fn is_ready(pod: &Value) -> bool {
    ready_time(pod).is_some()
}

fn ready_time(pod: &Value) -> Option<i64> {
    pod.pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| str_at(c, "/type") == "Ready" && str_at(c, "/status") == "True")
        .map(|c| apimachinery::time::parse_rfc3339(str_at(c, "/lastTransitionTime")).unwrap_or(0))
}

fn max_restarts(pod: &Value) -> i64 {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .map(|c| c.get("restartCount").and_then(Value::as_i64).unwrap_or(0))
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

/// podutils.ByLogging: scheduled, Running, ready (longest ready), most restarts, oldest.
fn by_logging(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (na, nb) = (str_at(a, "/spec/nodeName"), str_at(b, "/spec/nodeName"));
    if na != nb && (na.is_empty() || nb.is_empty()) {
        return if na.is_empty() {
            Ordering::Greater
        } else {
            Ordering::Less
        };
    }
    let rank = |p: &Value| match str_at(p, "/status/phase") {
        "Running" => 0,
        "Unknown" => 1,
        "Pending" => 2,
        _ => 3,
    };
    let ord = rank(a).cmp(&rank(b));
    if ord != Ordering::Equal {
        return ord;
    }
    if is_ready(a) != is_ready(b) {
        return if is_ready(a) { Ordering::Less } else { Ordering::Greater };
    }
    if let (Some(ra), Some(rb)) = (ready_time(a), ready_time(b)) {
        if ra != rb {
            return ra.cmp(&rb);
        }
    }
    let ord = max_restarts(b).cmp(&max_restarts(a));
    if ord != Ordering::Equal {
        return ord;
    }
    let created = |p: &Value| apimachinery::time::parse_rfc3339(str_at(p, "/metadata/creationTimestamp")).unwrap_or(0);
    created(a).cmp(&created(b))
}

/// The label selector of a workload (SelectorsForObject).
fn selector_of(obj: &Value) -> CmdResult<String> {
    let kind = str_at(obj, "/kind");
    let name = str_at(obj, "/metadata/name");
    match kind {
        "ReplicaSet" | "StatefulSet" | "DaemonSet" | "Deployment" | "Job" => {
            let sel = obj.pointer("/spec/selector").cloned().unwrap_or(Value::Null);
            Selector::from_label_selector(&sel)
                .map(|s| s.to_string())
                .map_err(|e| CmdError::msg(format!("invalid label selector: {e}")))
        }
        "ReplicationController" | "Service" => {
            let map = obj.pointer("/spec/selector").and_then(Value::as_object);
            if kind == "Service" && map.is_none_or(|m| m.is_empty()) {
                return Err(CmdError::msg(format!(
                    "cannot get the logs from *v1.Service: invalid service '{name}': Service is defined without a selector"
                )));
            }
            let set = map
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                        .collect()
                })
                .unwrap_or_default();
            Ok(Selector::from_set(&set).to_string())
        }
        other => Err(CmdError::msg(format!(
            "cannot get the logs from {}: selector for {} not implemented",
            go_type(other),
            go_type(other)
        ))),
    }
}

fn go_type(kind: &str) -> String {
    match kind {
        "ConfigMap" | "Secret" | "Node" | "Namespace" | "ServiceAccount" => format!("*v1.{kind}"),
        "CronJob" => "*v1.CronJob".to_string(),
        other => format!("*unstructured.Unstructured ({other})"),
    }
}

fn list_pods(ctx: &mut Ctx<'_>, ns: &str, selector: &str) -> CmdResult<(Vec<Value>, String)> {
    let mut req = ApiRequest::get(format!("/api/v1/namespaces/{ns}/pods"));
    if !selector.is_empty() {
        req = req.with_query("labelSelector", selector.to_string());
    }
    let list = ctx.request(req).map_err(CmdError::Api)?;
    let rv = str_at(&list, "/metadata/resourceVersion").to_string();
    let mut pods: Vec<Value> = list.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
    for p in &mut pods {
        if let Some(o) = p.as_object_mut() {
            o.entry("kind").or_insert(Value::String("Pod".into()));
            o.entry("apiVersion").or_insert(Value::String("v1".into()));
        }
    }
    pods.sort_by(by_logging);
    Ok((pods, rv))
}

/// GetPodList: the pods of a selector, waiting up to `timeout` for a first one.
async fn pods_for_selector(ctx: &mut Ctx<'_>, ns: &str, selector: &str, timeout: i64) -> CmdResult<Vec<Value>> {
    let (pods, rv) = list_pods(ctx, ns, selector)?;
    if !pods.is_empty() {
        return Ok(pods);
    }
    let mut lw = watch::ListWatch::new(format!("/api/v1/namespaces/{ns}/pods")).with_label_selector(selector);
    lw.start_at(&rv, &[]);
    let mut found = None;
    let outcome = watch::until(ctx, &mut lw, Vec::new(), timeout, &mut |_, ev| {
        if ev.event_type == "ADDED" || ev.event_type == "MODIFIED" {
            found = Some(ev.object.clone());
            return Ok(true);
        }
        Ok(false)
    })
    .await?;
    match (outcome, found) {
        (Until::Done, Some(p)) => Ok(vec![p]),
        (Until::Interrupted, _) => Err(watch::interrupted()),
        _ => Err(CmdError::msg("timed out waiting for the condition")),
    }
}

/// logsForObject for one pod: its streams (all containers, or the chosen/default one).
fn streams_for_pod(
    ctx: &mut Ctx<'_>,
    pod: &Value,
    container: &str,
    all_containers: bool,
    quiet: bool,
) -> CmdResult<Vec<Stream>> {
    let ns = str_at(pod, "/metadata/namespace").to_string();
    let name = str_at(pod, "/metadata/name").to_string();
    let stream = |c: &str| Stream {
        namespace: ns.clone(),
        pod: name.clone(),
        container: c.to_string(),
    };
    if all_containers {
        let mut out: Vec<Stream> = names(pod, "initContainers").iter().map(|c| stream(c)).collect();
        out.extend(names(pod, "containers").iter().map(|c| stream(c)));
        out.extend(names(pod, "ephemeralContainers").iter().map(|c| stream(c)));
        return Ok(out);
    }
    let mut chosen = container.to_string();
    let containers = names(pod, "containers");
    if chosen.is_empty() {
        let annotated = pod
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(DEFAULT_CONTAINER_ANNOTATION))
            .and_then(Value::as_str)
            .unwrap_or("");
        if !annotated.is_empty() {
            if has_container(pod, annotated) {
                chosen = annotated.to_string();
            } else {
                ctx.stderr(format!(
                    "Default container name \"{annotated}\" not found in pod {name}\n"
                ));
            }
        }
    }
    if chosen.is_empty() {
        chosen = containers.first().cloned().unwrap_or_default();
        let several = containers.len() > 1
            || !names(pod, "initContainers").is_empty()
            || !names(pod, "ephemeralContainers").is_empty();
        if several && !quiet {
            ctx.stderr(format!(
                "Defaulted container \"{chosen}\" out of: {}\n",
                all_container_names(pod)
            ));
        }
    }
    if !has_container(pod, &chosen) {
        return Err(CmdError::msg(format!(
            "container {chosen} is not valid for pod {name} out of: {}",
            all_container_names(pod)
        )));
    }
    Ok(vec![stream(&chosen)])
}

fn has_container(pod: &Value, name: &str) -> bool {
    ["containers", "initContainers", "ephemeralContainers"]
        .iter()
        .any(|f| names(pod, f).iter().any(|n| n == name))
}

fn log_request(s: &Stream, o: &LogOptions, follow: bool, tail: Option<i64>) -> ApiRequest {
    // url.Values.Encode sorts the keys.
    let mut req = ApiRequest::get(format!("/api/v1/namespaces/{}/pods/{}/log", s.namespace, s.pod))
        .with_query("container", s.container.clone());
    if follow {
        req = req.with_query("follow", "true");
    }
    if let Some(l) = o.limit_bytes {
        req = req.with_query("limitBytes", l.to_string());
    }
    if o.previous {
        req = req.with_query("previous", "true");
    }
    if let Some(s) = o.since_seconds {
        req = req.with_query("sinceSeconds", s.to_string());
    }
    if !o.since_time.is_empty() {
        req = req.with_query("sinceTime", o.since_time.clone());
    }
    if let Some(t) = tail {
        req = req.with_query("tailLines", t.to_string());
    }
    if o.timestamps {
        req = req.with_query("timestamps", "true");
    }
    req
}

fn text_of(v: Value) -> String {
    match v {
        Value::String(s) => s,
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn prefixed(text: &str, s: &Stream, prefix: bool) -> String {
    if !prefix || text.is_empty() {
        return text.to_string();
    }
    let p = format!("[pod/{}/{}] ", s.pod, s.container);
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        out.push_str(&p);
        out.push_str(line);
    }
    out
}

/// Whether a stream can produce no more output (its container has terminated, or the pod is
/// gone).
fn stream_ended(ctx: &mut Ctx<'_>, s: &Stream) -> bool {
    let path = format!("/api/v1/namespaces/{}/pods/{}", s.namespace, s.pod);
    let Ok(pod) = ctx.client.request(ApiRequest::get(path)) else {
        return true;
    };
    if matches!(str_at(&pod, "/status/phase"), "Succeeded" | "Failed") {
        return true;
    }
    [
        "containerStatuses",
        "initContainerStatuses",
        "ephemeralContainerStatuses",
    ]
    .iter()
    .filter_map(|f| pod.pointer(&format!("/status/{f}")).and_then(Value::as_array))
    .flatten()
    .find(|c| str_at(c, "/name") == s.container)
    .is_some_and(|c| c.pointer("/state/terminated").is_some())
}

pub async fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let selector = flags.string("selector");
    let args = flags.args.clone();
    let mut container = flags.string("container");
    let resource_arg = match args.as_slice() {
        [] if selector.is_empty() => return Err(CmdError::usage(&ctx.command_path, USAGE)),
        [] => String::new(),
        [one] if !selector.is_empty() => {
            let _ = one;
            return Err(CmdError::usage(
                &ctx.command_path,
                "only a selector (-l) or a POD name is allowed",
            ));
        }
        [one] => one.clone(),
        [one, c] => {
            if flags.changed("container") {
                return Err(CmdError::msg("only one of -c or an inline [CONTAINER] arg is allowed"));
            }
            container = c.clone();
            one.clone()
        }
        _ => return Err(CmdError::usage(&ctx.command_path, USAGE)),
    };
    let all_pods = flags.bool("all-pods");
    let all_containers = flags.bool("all-containers");
    let follow = flags.bool("follow");
    let ns = ctx.namespace.clone();
    let pod_timeout = flags.duration_secs("pod-running-timeout");
    let opts = LogOptions {
        previous: flags.bool("previous"),
        timestamps: flags.bool("timestamps"),
        tail: if !selector.is_empty() && !flags.changed("tail") {
            Some(SELECTOR_TAIL)
        } else if flags.int("tail") != -1 {
            Some(flags.int("tail"))
        } else {
            None
        },
        limit_bytes: flags.changed("limit-bytes").then(|| flags.int("limit-bytes")),
        since_seconds: flags.changed("since").then(|| flags.duration_secs("since")),
        since_time: flags.string("since-time"),
        prefix: flags.bool("prefix") || all_pods,
    };

    // Complete: the object named (pods by default) or the pods selected.
    let mut pods: Vec<Value> = Vec::new();
    let mut workload: Option<Value> = None;
    if !resource_arg.is_empty() {
        let obj = if resource_arg.contains('/') {
            let typed = crate::resource::parse_resource_args(ctx, std::slice::from_ref(&resource_arg))?;
            let Some(t) = typed.into_iter().next() else {
                return Err(CmdError::msg("expected a resource"));
            };
            let name = t.names.first().cloned().unwrap_or_default();
            let path = crate::discovery::resource_path(&t.info, Some(&ns), Some(&name));
            let mut obj = ctx.get(path).map_err(|e| not_found_in_ns(e, &ns))?;
            if let Some(o) = obj.as_object_mut() {
                o.entry("kind").or_insert(Value::String(t.info.kind.clone()));
            }
            obj
        } else {
            ctx.get(format!("/api/v1/namespaces/{ns}/pods/{resource_arg}"))
                .map_err(|e| not_found_in_ns(e, &ns))?
        };
        if str_at(&obj, "/kind") == "Pod" {
            pods.push(obj);
        } else {
            workload = Some(obj);
        }
    } else {
        let (list, _) = list_pods(ctx, &ns, &selector)?;
        if list.is_empty() {
            ctx.stderr(format!("No resources found in {ns} namespace.\n"));
        }
        // A PodList is visited in list order.
        pods = list;
        pods.sort_by(|a, b| str_at(a, "/metadata/name").cmp(str_at(b, "/metadata/name")));
    }

    // Validate.
    if !opts.since_time.is_empty() && opts.since_seconds.is_some() {
        return Err(CmdError::msg(
            "at most one of `sinceTime` or `sinceSeconds` may be specified",
        ));
    }
    if all_containers && !container.is_empty() {
        return Err(CmdError::msg(format!(
            "--all-containers=true should not be specified with container name {container}"
        )));
    }
    if opts.limit_bytes.is_some_and(|l| l < 1) {
        return Err(CmdError::msg("--limit-bytes must be greater than 0"));
    }
    if opts.since_seconds.is_some_and(|s| s < 1) {
        return Err(CmdError::msg("--since must be greater than 0"));
    }
    if flags.int("tail") < -1 {
        return Err(CmdError::msg("--tail must be greater than or equal to -1"));
    }

    // Run: the streams.
    let mut streams = Vec::new();
    if let Some(w) = workload {
        let sel = selector_of(&w)?;
        let wns = str_at(&w, "/metadata/namespace");
        let wns = if wns.is_empty() { ns.clone() } else { wns.to_string() };
        let found = pods_for_selector(ctx, &wns, &sel, pod_timeout).await?;
        if found.len() > 1 && !all_pods {
            let first = found
                .first()
                .map(|p| str_at(p, "/metadata/name").to_string())
                .unwrap_or_default();
            ctx.stderr(format!("Found {} pods, using pod/{first}\n", found.len()));
        }
        pods = if all_pods {
            found
        } else {
            found.into_iter().take(1).collect()
        };
    }
    for p in &pods {
        streams.extend(streams_for_pod(ctx, p, &container, all_containers, all_pods)?);
    }
    let max_requests = flags.int("max-log-requests");
    if follow && streams.len() > 1 && streams.len() as i64 > max_requests {
        return Err(CmdError::msg(format!(
            "you are attempting to follow {} log streams, but maximum allowed concurrency is {max_requests}, use --max-log-requests to increase the limit",
            streams.len()
        )));
    }
    let ignore_errors = flags.bool("ignore-errors");
    let mut seen: Vec<(Stream, String)> = Vec::new();
    for s in &streams {
        match ctx.request(log_request(s, &opts, follow, opts.tail)) {
            Ok(v) => {
                let text = text_of(v);
                ctx.stdout(prefixed(&text, s, opts.prefix));
                seen.push((s.clone(), String::new()));
            }
            Err(e) if ignore_errors => {
                ctx.stderr(format!("error: {}\n", e.message()));
            }
            Err(e) => return Err(CmdError::Api(e)),
        }
    }
    if !follow || seen.is_empty() {
        return Ok(());
    }
    follow_streams(ctx, &opts, seen).await
}

/// `-f`: each virtual second, prints what each stream has added, until every stream's
/// container has ended (or the user interrupts, or kubeplay's cap passes).
async fn follow_streams(ctx: &mut Ctx<'_>, opts: &LogOptions, mut seen: Vec<(Stream, String)>) -> CmdResult {
    // What the streams hold now in full, so only later lines print.
    for (s, full) in seen.iter_mut() {
        if let Ok(v) = ctx.client.request(log_request(s, opts, false, None)) {
            *full = text_of(v);
        }
    }
    let mut waited = 0;
    loop {
        let mut all_ended = true;
        for (s, _) in &seen {
            if !stream_ended(ctx, s) {
                all_ended = false;
            }
        }
        if all_ended {
            return Ok(());
        }
        if waited >= DEFAULT_CAP_SECS {
            return Ok(());
        }
        if !watch::tick(ctx).await {
            // Ctrl-C ends a follow; that is its normal end.
            return Ok(());
        }
        waited += 1;
        for (s, full) in seen.iter_mut() {
            let Ok(v) = ctx.client.request(log_request(s, opts, false, None)) else {
                continue;
            };
            let text = text_of(v);
            let new = match text.strip_prefix(full.as_str()) {
                Some(rest) => rest.to_string(),
                // The log was rotated or the container restarted: print what is there now.
                None => text.clone(),
            };
            if !new.is_empty() {
                ctx.stdout(prefixed(&new, s, opts.prefix));
            }
            *full = text;
        }
    }
}

/// `error from server (NotFound): pods "x" not found in namespace "default"`, as logs wraps
/// NotFound errors.
fn not_found_in_ns(e: CmdError, ns: &str) -> CmdError {
    if e.is_not_found() {
        return CmdError::msg(format!(
            "error from server (NotFound): {} in namespace \"{ns}\"",
            e.plain_message()
        ));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn container_names_list_init_containers_last() {
        let pod = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "i"}]}});
        assert_eq!(all_container_names(&pod), "a, b, i (init)");
    }

    #[test]
    fn logging_order_prefers_running_ready_pods() {
        let pod = |name: &str, node: &str, phase: &str, ready: bool| {
            json!({"metadata": {"name": name, "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"nodeName": node},
                "status": {"phase": phase, "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"}, "lastTransitionTime": "2026-01-01T00:00:10Z"}]}})
        };
        let mut pods = [
            pod("pending", "", "Pending", false),
            pod("notready", "n1", "Running", false),
            pod("ready", "n1", "Running", true),
        ];
        pods.sort_by(by_logging);
        let names: Vec<&str> = pods.iter().map(|p| str_at(p, "/metadata/name")).collect();
        assert_eq!(names, vec!["ready", "notready", "pending"]);
    }

    #[test]
    fn prefixes_go_on_every_line() {
        let s = Stream {
            namespace: "default".into(),
            pod: "p".into(),
            container: "c".into(),
        };
        assert_eq!(prefixed("a\nb\n", &s, true), "[pod/p/c] a\n[pod/p/c] b\n");
        assert_eq!(prefixed("a\n", &s, false), "a\n");
    }

    #[test]
    fn workload_selectors_become_label_selector_strings() {
        let d = json!({"kind": "Deployment", "metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "web"}}}});
        assert_eq!(selector_of(&d).unwrap(), "app=web");
        let svc = json!({"kind": "Service", "metadata": {"name": "s"}, "spec": {}});
        assert!(selector_of(&svc)
            .unwrap_err()
            .render()
            .contains("Service is defined without a selector"));
    }
}
