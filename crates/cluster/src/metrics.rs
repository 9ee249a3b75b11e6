//! `metrics.k8s.io/v1beta1` as the aggregator and metrics-server v0.8 serve it: the group is
//! listed in `/apis` while the APIService `v1beta1.metrics.k8s.io` exists; its requests are
//! answered only while a metrics-server pod is Ready (else the aggregator's 503), from what the
//! kubelets report, on metrics-server's 15 s scrape grid (pkg/storage: a node or container
//! needs two points, or one taken 10–15 s after the container started).

use crate::bootstrap::metrics_server::{API_SERVICE_NAME, APP_LABEL};
use crate::Component;
use apimachinery::errors::StatusDetails;
use apimachinery::{ApiError, ApiRequest, GroupResource, Method, Status};
use apiserver::ApiServer;
use serde_json::{json, Value};
use sim::SimContext;
use std::collections::BTreeMap;

pub const GROUP: &str = "metrics.k8s.io";
pub const VERSION: &str = "v1beta1";
/// `--metric-resolution=15s`.
pub const RESOLUTION_SECS: i64 = 15;
/// storage.freshContainerMinMetricsResolution: a container's first point counts from 10 s.
const FRESH_MIN_SECS: i64 = 10;

/// What one kubelet's summary API reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSample {
    pub node: String,
    pub cpu_millis: i64,
    pub memory_bytes: i64,
    pub pods: Vec<kubelet::PodUsage>,
}

/// The kubelets metrics-server can reach (stopped kubelets answer nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scrape {
    pub nodes: Vec<NodeSample>,
}

impl Scrape {
    pub(crate) fn take(components: &[Component]) -> Scrape {
        let nodes = components
            .iter()
            .filter_map(|c| match c {
                Component::Kubelet(k) if k.is_running() => Some(k.as_ref()),
                _ => None,
            })
            .map(|k| {
                let (cpu_millis, memory_bytes) = k.node_usage();
                NodeSample {
                    node: k.node_name().to_string(),
                    cpu_millis,
                    memory_bytes,
                    pods: k.pod_usage(),
                }
            })
            .collect();
        Scrape { nodes }
    }
}

/// Whether a request is (partly) answered here: the group list and the metrics group.
pub fn wants(req: &ApiRequest) -> bool {
    let path = req.path.trim_end_matches('/');
    (path == "/apis" && req.method == Method::Get)
        || path == "/apis/metrics.k8s.io"
        || path.starts_with("/apis/metrics.k8s.io/")
}

/// Answers a request [`wants`] accepted.
pub fn serve(
    server: &mut ApiServer,
    ctx: &mut SimContext,
    scrape: &Scrape,
    req: &ApiRequest,
) -> Result<Value, ApiError> {
    let path = req.path.trim_end_matches('/').to_string();
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    let registered = server
        .object("apiregistration.k8s.io", "apiservices", "", API_SERVICE_NAME)
        .is_some();
    if segs.as_slice() == ["apis"] {
        let mut list = server.handle(ctx, req.clone())?;
        if registered {
            add_group(&mut list);
        }
        return Ok(list);
    }
    if !registered {
        return server.handle(ctx, req.clone());
    }
    let rest = segs.get(2..).unwrap_or_default();
    if req.method != Method::Get {
        return Err(ApiError(Status::failure(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource".to_string(),
            None,
        )));
    }
    let Some((version, rest)) = rest.split_first() else {
        return Ok(api_group());
    };
    if *version != VERSION {
        return Err(ApiError::no_route());
    }
    let (resource, name) = match rest {
        [] => ("", ""),
        ["nodes"] => ("nodes", ""),
        ["nodes", n] => ("nodes", *n),
        ["pods"] => ("pods", ""),
        ["namespaces", _, "pods"] => ("pods", ""),
        ["namespaces", _, "pods", n] => ("pods", *n),
        _ => return Err(ApiError::no_route()),
    };
    let Some(origin) = scrape_origin(server, ctx) else {
        return Err(unavailable(resource, name));
    };
    let now = ctx.now().unix_secs();
    let grid = Grid {
        last: origin.saturating_add(now.saturating_sub(origin).div_euclid(RESOLUTION_SECS) * RESOLUTION_SECS),
        now,
    };
    match rest {
        [] => Ok(resource_list()),
        ["nodes"] => {
            let nodes = list_items(server, ctx, "/api/v1/nodes".to_string(), req)?;
            Ok(node_metrics_list(&nodes, scrape, grid))
        }
        ["nodes", n] => {
            let node = server
                .handle(ctx, ApiRequest::get(format!("/api/v1/nodes/{n}")))
                .map_err(|e| {
                    if e.code() == 404 {
                        ApiError::not_found(&GroupResource::new("", "node"), n)
                    } else {
                        e
                    }
                })?;
            let items = node_metrics(&[node], scrape, grid);
            items
                .into_iter()
                .next()
                .map(|m| with_type(m, "NodeMetrics"))
                .ok_or_else(|| ApiError::not_found(&GroupResource::new(GROUP, "nodemetrics"), n))
        }
        ["pods"] => {
            let pods = list_items(server, ctx, "/api/v1/pods".to_string(), req)?;
            Ok(pod_metrics_list(&pods, scrape, grid))
        }
        ["namespaces", ns, "pods"] => {
            let pods = list_items(server, ctx, format!("/api/v1/namespaces/{ns}/pods"), req)?;
            Ok(pod_metrics_list(&pods, scrape, grid))
        }
        ["namespaces", ns, "pods", n] => {
            let pod = server.handle(ctx, ApiRequest::get(format!("/api/v1/namespaces/{ns}/pods/{n}")))?;
            pod_metrics(&[pod], scrape, grid)
                .into_iter()
                .next()
                .map(|m| with_type(m, "PodMetrics"))
                .ok_or_else(|| ApiError::not_found(&GroupResource::new(GROUP, "podmetrics"), &format!("{ns}/{n}")))
        }
        _ => Err(ApiError::no_route()),
    }
}

/// A single object carries its kind and apiVersion (list items do not).
fn with_type(mut m: Value, kind: &str) -> Value {
    m["kind"] = json!(kind);
    m["apiVersion"] = json!(format!("{GROUP}/{VERSION}"));
    m
}

/// The scrape instants: the latest one at or before now, and now (creationTimestamp).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grid {
    pub last: i64,
    pub now: i64,
}

/// What client-go makes of the aggregator's bare 503: `the server is currently unable to
/// handle the request (get nodes.metrics.k8s.io)`.
fn unavailable(resource: &str, name: &str) -> ApiError {
    let mut message = "the server is currently unable to handle the request".to_string();
    if !resource.is_empty() {
        message.push_str(&format!(" (get {resource}.{GROUP}"));
        if !name.is_empty() {
            message.push(' ');
            message.push_str(name);
        }
        message.push(')');
    }
    let details = (!resource.is_empty()).then(|| StatusDetails {
        name: name.to_string(),
        group: GROUP.to_string(),
        kind: resource.to_string(),
        ..Default::default()
    });
    ApiError(Status::failure(503, "ServiceUnavailable", message, details))
}

/// When the Ready metrics-server pod's container started (its first scrape), if one is Ready.
fn scrape_origin(server: &mut ApiServer, ctx: &mut SimContext) -> Option<i64> {
    let req = ApiRequest::get("/api/v1/namespaces/kube-system/pods")
        .with_query("labelSelector", format!("k8s-app={APP_LABEL}"));
    let pods = server.handle(ctx, req).ok()?;
    pods.get("items")?
        .as_array()?
        .iter()
        .filter(|p| p.pointer("/metadata/deletionTimestamp").is_none())
        .filter(|p| {
            p.pointer("/status/conditions")
                .and_then(Value::as_array)
                .is_some_and(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
        })
        .filter_map(|p| {
            p.pointer("/status/containerStatuses/0/state/running/startedAt")
                .and_then(Value::as_str)
                .and_then(apimachinery::time::parse_rfc3339)
        })
        .min()
}

fn list_items(
    server: &mut ApiServer,
    ctx: &mut SimContext,
    path: String,
    req: &ApiRequest,
) -> Result<Vec<Value>, ApiError> {
    let mut list_req = ApiRequest::get(path);
    for key in ["labelSelector", "fieldSelector"] {
        if let Some(v) = req.query_param(key).filter(|v| !v.is_empty()) {
            list_req = list_req.with_query(key, v.to_string());
        }
    }
    let list = server.handle(ctx, list_req)?;
    Ok(list.get("items").and_then(Value::as_array).cloned().unwrap_or_default())
}

fn add_group(list: &mut Value) {
    let Some(groups) = list.get_mut("groups").and_then(Value::as_array_mut) else {
        return;
    };
    if groups.iter().any(|g| g["name"] == GROUP) {
        return;
    }
    // groupPriorityMinimum 100 is below every built-in and CRD group: it comes last.
    groups.push(group_entry());
}

fn group_entry() -> Value {
    let gv = json!({"groupVersion": format!("{GROUP}/{VERSION}"), "version": VERSION});
    json!({"name": GROUP, "versions": [gv.clone()], "preferredVersion": gv})
}

pub fn api_group() -> Value {
    let mut g = group_entry();
    g["kind"] = json!("APIGroup");
    g["apiVersion"] = json!("v1");
    g
}

/// metrics-server's APIResourceList (singularName is empty: its storages say so).
pub fn resource_list() -> Value {
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": format!("{GROUP}/{VERSION}"),
        "resources": [
            {"name": "nodes", "singularName": "", "namespaced": false, "kind": "NodeMetrics", "verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": true, "kind": "PodMetrics", "verbs": ["get", "list"]},
        ],
    })
}

/// A small deterministic offset, so figures look measured (`4608396n`, `13784Ki`).
fn jitter(key: &str, scrape: i64, modulus: u64) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes().chain(scrape.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    i64::try_from(h % modulus.max(1)).unwrap_or(0)
}

/// Nanocores as a canonical DecimalSI quantity: `4608396n`, `5m`, `2`.
pub fn cpu_quantity(nanocores: i64) -> String {
    if nanocores == 0 {
        return "0".to_string();
    }
    for (div, suffix) in [(1_000_000_000, ""), (1_000_000, "m"), (1_000, "u")] {
        if nanocores % div == 0 {
            return format!("{}{suffix}", nanocores / div);
        }
    }
    format!("{nanocores}n")
}

/// Bytes as a canonical BinarySI quantity: `13784Ki`, `6Mi`, `1234`.
pub fn memory_quantity(bytes: i64) -> String {
    if bytes == 0 {
        return "0".to_string();
    }
    for (div, suffix) in [(1_i64 << 40, "Ti"), (1 << 30, "Gi"), (1 << 20, "Mi"), (1 << 10, "Ki")] {
        if bytes % div == 0 {
            return format!("{}{suffix}", bytes / div);
        }
    }
    bytes.to_string()
}

/// A usage map as measured at scrape `last`: just under the model's millicores (kubectl rounds
/// up, so it shows them) and a few pages over its memory.
fn usage(key: &str, last: i64, cpu_millis: i64, memory_bytes: i64) -> Value {
    let cpu = if cpu_millis > 0 {
        cpu_millis.saturating_mul(1_000_000) - jitter(key, last, 1_000_000)
    } else {
        0
    };
    // Saturating: a stress container's --vm-bytes is whatever the user typed.
    let mem = memory_bytes.saturating_add(jitter(key, last.wrapping_add(1), 256) * 4096);
    json!({"cpu": cpu_quantity(cpu), "memory": memory_quantity(mem)})
}

/// Go's Duration.String for whole seconds under a minute and beyond.
fn window(secs: i64) -> String {
    if secs < 60 {
        format!("{secs}s")
    } else if secs < 3600 {
        format!("{}m{}s", secs / 60, secs % 60)
    } else {
        format!("{}h{}m{}s", secs / 3600, secs % 3600 / 60, secs % 60)
    }
}

fn rfc(secs: i64) -> String {
    apimachinery::time::format_rfc3339(secs)
}

fn meta(name: &str, namespace: Option<&str>, labels: Option<&Value>, now: i64) -> Value {
    let mut m = json!({"name": name, "creationTimestamp": rfc(now)});
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    if let Some(l) = labels.filter(|l| l.as_object().is_some_and(|o| !o.is_empty())) {
        m["labels"] = l.clone();
    }
    m
}

/// NodeMetrics of the given Node objects that have been scraped twice, by name.
pub fn node_metrics(nodes: &[Value], scrape: &Scrape, grid: Grid) -> Vec<Value> {
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    for node in nodes {
        let name = node
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(sample) = scrape.nodes.iter().find(|s| s.node == name) else {
            continue;
        };
        out.insert(
            name.to_string(),
            json!({
                "metadata": meta(name, None, node.pointer("/metadata/labels"), grid.now),
                "timestamp": rfc(grid.last),
                "window": window(RESOLUTION_SECS),
                "usage": usage(name, grid.last, sample.cpu_millis, sample.memory_bytes),
            }),
        );
    }
    out.into_values().collect()
}

pub fn node_metrics_list(nodes: &[Value], scrape: &Scrape, grid: Grid) -> Value {
    json!({"kind": "NodeMetricsList", "apiVersion": format!("{GROUP}/{VERSION}"), "metadata": {}, "items": node_metrics(nodes, scrape, grid)})
}

/// PodMetrics of the given Pod objects whose every running container has a rate, sorted by
/// namespace and name.
pub fn pod_metrics(pods: &[Value], scrape: &Scrape, grid: Grid) -> Vec<Value> {
    let mut out: BTreeMap<(String, String), Value> = BTreeMap::new();
    for pod in pods {
        let ns = pod
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = pod
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let node = pod
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(usage_now) = scrape
            .nodes
            .iter()
            .filter(|s| s.node == node)
            .flat_map(|s| s.pods.iter())
            .find(|p| p.namespace == ns && p.name == name)
        else {
            continue;
        };
        let started: BTreeMap<&str, i64> = pod
            .pointer("/status/containerStatuses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| {
                let at = c.pointer("/state/running/startedAt")?.as_str()?;
                Some((c.get("name")?.as_str()?, apimachinery::time::parse_rfc3339(at)?))
            })
            .collect();
        let mut containers = Vec::new();
        let mut shortest = RESOLUTION_SECS;
        let mut all_present = true;
        for c in &usage_now.containers {
            let age = started.get(c.name.as_str()).map(|s| grid.last.saturating_sub(*s));
            match age {
                Some(age) if age >= FRESH_MIN_SECS => {
                    shortest = shortest.min(age);
                    let key = format!("{ns}/{name}/{}", c.name);
                    containers
                        .push(json!({"name": c.name, "usage": usage(&key, grid.last, c.cpu_millis, c.memory_bytes)}));
                }
                _ => all_present = false,
            }
        }
        if !all_present || containers.is_empty() {
            continue;
        }
        out.insert(
            (ns.to_string(), name.to_string()),
            json!({
                "metadata": meta(name, Some(ns), pod.pointer("/metadata/labels"), grid.now),
                "timestamp": rfc(grid.last),
                "window": window(shortest),
                "containers": containers,
            }),
        );
    }
    out.into_values().collect()
}

pub fn pod_metrics_list(pods: &[Value], scrape: &Scrape, grid: Grid) -> Value {
    json!({"kind": "PodMetricsList", "apiVersion": format!("{GROUP}/{VERSION}"), "metadata": {}, "items": pod_metrics(pods, scrape, grid)})
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubelet::{ContainerUsage, PodUsage};

    const T0: i64 = 1_790_000_000;

    fn scrape() -> Scrape {
        Scrape {
            nodes: vec![NodeSample {
                node: "node01".into(),
                cpu_millis: 43,
                memory_bytes: 450 << 20,
                pods: vec![PodUsage {
                    namespace: "default".into(),
                    name: "web".into(),
                    containers: vec![ContainerUsage {
                        name: "nginx".into(),
                        cpu_millis: 1,
                        memory_bytes: 6 << 20,
                    }],
                }],
            }],
        }
    }

    fn pod(started: i64) -> Value {
        json!({
            "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
            "spec": {"nodeName": "node01"},
            "status": {"containerStatuses": [{"name": "nginx", "state": {"running": {"startedAt": rfc(started)}}}]},
        })
    }

    #[test]
    fn quantities_are_canonical_like_resource_quantity() {
        let cases = [
            (4_608_396, "4608396n"),
            (5_000_000, "5m"),
            (2_000_000_000, "2"),
            (1_500_000_000, "1500m"),
            (7_000, "7u"),
            (0, "0"),
        ];
        for (n, want) in cases {
            assert_eq!(cpu_quantity(n), want, "{n}");
        }
        assert_eq!(memory_quantity(13_784 * 1024), "13784Ki");
        assert_eq!(memory_quantity(6 << 20), "6Mi");
        assert_eq!(memory_quantity(1234), "1234");
    }

    #[test]
    fn usage_rounds_up_to_the_model_in_millicores_and_stays_in_its_mebibyte() {
        let u = usage("default/web/nginx", T0, 3, 6 << 20);
        let cpu = apimachinery::Quantity::parse(u["cpu"].as_str().unwrap()).unwrap();
        assert_eq!(cpu.milli_value(), 3);
        let mem = apimachinery::Quantity::parse(u["memory"].as_str().unwrap()).unwrap();
        assert_eq!(mem.value() >> 20, 6);
        assert_eq!(usage("x", T0, 0, 0)["cpu"], "0");
    }

    #[test]
    fn node_metrics_carry_labels_timestamp_and_window() {
        let grid = Grid { last: T0, now: T0 + 7 };
        let node = json!({"metadata": {"name": "node01", "labels": {"kubernetes.io/os": "linux"}}});
        let list = node_metrics_list(&[node, json!({"metadata": {"name": "node02"}})], &scrape(), grid);
        assert_eq!(list["kind"], "NodeMetricsList");
        assert_eq!(list["apiVersion"], "metrics.k8s.io/v1beta1");
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "node02 was not scraped");
        assert_eq!(items[0]["metadata"]["labels"]["kubernetes.io/os"], "linux");
        assert_eq!(items[0]["metadata"]["creationTimestamp"], rfc(T0 + 7));
        assert_eq!(items[0]["timestamp"], rfc(T0));
        assert_eq!(items[0]["window"], "15s");
    }

    #[test]
    fn a_container_appears_ten_seconds_after_it_started() {
        let grid = Grid { last: T0, now: T0 + 3 };
        assert!(pod_metrics(&[pod(T0 - 9)], &scrape(), grid).is_empty());
        let fresh = pod_metrics(&[pod(T0 - 12)], &scrape(), grid);
        assert_eq!(fresh.len(), 1);
        assert_eq!(fresh[0]["window"], "12s");
        let old = pod_metrics(&[pod(T0 - 600)], &scrape(), grid);
        assert_eq!(old[0]["window"], "15s");
        assert_eq!(old[0]["metadata"]["namespace"], "default");
        assert_eq!(old[0]["metadata"]["labels"]["app"], "web");
        assert_eq!(old[0]["containers"][0]["name"], "nginx");
    }

    #[test]
    fn pods_the_kubelet_does_not_report_have_no_metrics() {
        let grid = Grid { last: T0, now: T0 };
        let mut other = pod(T0 - 600);
        other["spec"]["nodeName"] = json!("node02");
        assert!(pod_metrics(&[other], &scrape(), grid).is_empty());
    }

    #[test]
    fn the_unavailable_error_names_the_resource_as_client_go_does() {
        let e = unavailable("nodes", "");
        assert_eq!(e.code(), 503);
        assert_eq!(e.reason(), "ServiceUnavailable");
        assert_eq!(
            e.message(),
            "the server is currently unable to handle the request (get nodes.metrics.k8s.io)"
        );
        assert_eq!(
            unavailable("pods", "web").message(),
            "the server is currently unable to handle the request (get pods.metrics.k8s.io web)"
        );
        assert_eq!(
            unavailable("", "").message(),
            "the server is currently unable to handle the request"
        );
    }

    #[test]
    fn windows_print_like_go_durations() {
        assert_eq!(window(15), "15s");
        assert_eq!(window(75), "1m15s");
    }

    #[test]
    fn the_default_cluster_serves_the_group_until_its_api_service_goes() {
        use apimachinery::ApiClient;
        let mut c = crate::Cluster::new(1);
        let groups = c.request(ApiRequest::get("/apis")).unwrap();
        let names: Vec<&str> = groups["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["name"].as_str().unwrap())
            .collect();
        assert_eq!(names.last(), Some(&"metrics.k8s.io"));
        assert_eq!(names.iter().filter(|n| **n == "metrics.k8s.io").count(), 1);
        assert_eq!(
            c.request(ApiRequest::get("/apis/metrics.k8s.io/v1beta1")).unwrap(),
            resource_list()
        );
        let nodes = c
            .request(ApiRequest::get("/apis/metrics.k8s.io/v1beta1/nodes"))
            .unwrap();
        assert_eq!(nodes["items"].as_array().map(Vec::len), Some(3));
        let pods = c
            .request(
                ApiRequest::get("/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods")
                    .with_query("labelSelector", "k8s-app=kube-dns"),
            )
            .unwrap();
        assert_eq!(pods["items"].as_array().map(Vec::len), Some(2));
        let missing = c
            .request(ApiRequest::get(
                "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope",
            ))
            .unwrap_err();
        assert_eq!(missing.message(), "pods \"nope\" not found");
        let post = c
            .request(ApiRequest::post("/apis/metrics.k8s.io/v1beta1/nodes", json!({})))
            .unwrap_err();
        assert_eq!(post.code(), 405);
        assert_eq!(
            c.request(ApiRequest::get("/apis/metrics.k8s.io/v1"))
                .unwrap_err()
                .code(),
            404
        );
        c.request(ApiRequest::delete(format!(
            "/apis/apiregistration.k8s.io/v1/apiservices/{API_SERVICE_NAME}"
        )))
        .unwrap();
        let groups = c.request(ApiRequest::get("/apis")).unwrap();
        assert!(!groups["groups"].as_array().unwrap().iter().any(|g| g["name"] == GROUP));
        assert_eq!(
            c.request(ApiRequest::get("/apis/metrics.k8s.io/v1beta1/nodes"))
                .unwrap_err()
                .code(),
            404
        );
    }

    #[test]
    fn only_the_group_list_and_the_metrics_group_are_intercepted() {
        assert!(wants(&ApiRequest::get("/apis")));
        assert!(wants(&ApiRequest::get("/apis/metrics.k8s.io/v1beta1/nodes")));
        assert!(!wants(&ApiRequest::get("/apis/metrics.k8s.io.example.com/v1")));
        assert!(!wants(&ApiRequest::get("/api/v1/pods")));
    }
}
