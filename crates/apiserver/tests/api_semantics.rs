//! API semantics of the in-memory API server, checked through requests as kubectl sends them.
#![allow(clippy::result_large_err)]

use apimachinery::request::PatchType;
use apimachinery::{ApiError, ApiRequest};
use apiserver::{ApiServer, ApiServerConfig, WatchEventType};
use serde_json::{json, Value};
use sim::{Duration, SimContext, SimTime};

struct Api {
    server: ApiServer,
    ctx: SimContext,
}

impl Api {
    fn new() -> Self {
        Self::with_config(ApiServerConfig::default())
    }

    fn with_config(config: ApiServerConfig) -> Self {
        let mut ctx = SimContext::new(7, SimTime::from_unix_secs(sim::DEFAULT_EPOCH_SECONDS));
        let mut server = ApiServer::with_config(config);
        server.bootstrap(&mut ctx).unwrap();
        let mut api = Api { server, ctx };
        api.post(
            "/api/v1/namespaces/default/serviceaccounts",
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}),
        )
        .unwrap();
        api
    }

    fn req(&mut self, r: ApiRequest) -> Result<Value, ApiError> {
        self.server.handle(&mut self.ctx, r)
    }
    fn get(&mut self, path: &str) -> Result<Value, ApiError> {
        self.req(ApiRequest::get(path))
    }
    fn post(&mut self, path: &str, body: Value) -> Result<Value, ApiError> {
        self.req(ApiRequest::post(path, body).with_query("fieldValidation", "Strict"))
    }
    fn put(&mut self, path: &str, body: Value) -> Result<Value, ApiError> {
        self.req(ApiRequest::put(path, body).with_query("fieldValidation", "Strict"))
    }
    fn patch(&mut self, path: &str, t: PatchType, body: Value) -> Result<Value, ApiError> {
        self.req(ApiRequest::patch(path, t, body))
    }
    fn delete(&mut self, path: &str) -> Result<Value, ApiError> {
        self.req(ApiRequest::delete(path))
    }
}

fn cm(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"k": "v"}})
}

fn deployment(name: &str, replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}, {"name": "side", "image": "busybox"}]}
            }
        }
    })
}

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
}

fn rv(v: &Value) -> u64 {
    v["metadata"]["resourceVersion"].as_str().unwrap().parse().unwrap()
}

const CMS: &str = "/api/v1/namespaces/default/configmaps";

#[test]
fn resource_version_strictly_increases_and_lists_report_the_newest() {
    let mut api = Api::new();
    let a = api.post(CMS, cm("a")).unwrap();
    let b = api.post(CMS, cm("b")).unwrap();
    let mut b2 = b.clone();
    b2["data"]["k"] = json!("w");
    let b2 = api.put(&format!("{CMS}/b"), b2).unwrap();
    assert!(rv(&a) < rv(&b) && rv(&b) < rv(&b2));
    let list = api.get(CMS).unwrap();
    assert_eq!(list["kind"], "ConfigMapList");
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(rv(&list), rv(&b2));
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items[0].get("kind").is_none(), "typed list items carry no kind");
    assert_eq!(a["metadata"]["uid"].as_str().unwrap().len(), 36);
    assert_eq!(a["metadata"]["creationTimestamp"], "2026-01-01T00:00:00Z");
}

#[test]
fn update_with_a_stale_resource_version_conflicts_with_upstream_text() {
    let mut api = Api::new();
    let a = api.post(CMS, cm("a")).unwrap();
    let mut first = a.clone();
    first["data"]["k"] = json!("1");
    api.put(&format!("{CMS}/a"), first).unwrap();
    let mut stale = a.clone();
    stale["data"]["k"] = json!("2");
    let e = api.put(&format!("{CMS}/a"), stale).unwrap_err();
    assert_eq!(e.code(), 409);
    assert_eq!(e.reason(), "Conflict");
    assert_eq!(
        e.message(),
        "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again"
    );
    // Without a resourceVersion the update is unconditional.
    let mut blind = cm("a");
    blind["data"]["k"] = json!("3");
    assert_eq!(api.put(&format!("{CMS}/a"), blind).unwrap()["data"]["k"], "3");
}

#[test]
fn update_or_patch_of_a_missing_object_is_not_found() {
    let mut api = Api::new();
    let e = api.put(&format!("{CMS}/nope"), cm("nope")).unwrap_err();
    assert_eq!(e.message(), "configmaps \"nope\" not found");
    let e = api
        .patch(&format!("{CMS}/nope"), PatchType::Merge, json!({"data": {"a": "b"}}))
        .unwrap_err();
    assert_eq!(e.code(), 404);
}

#[test]
fn watch_replays_missed_events_from_an_older_resource_version() {
    let mut api = Api::new();
    let a = api.post(CMS, cm("a")).unwrap();
    let start = rv(&a);
    api.post(CMS, cm("b")).unwrap();
    api.delete(&format!("{CMS}/a")).unwrap();
    let id = api
        .server
        .watch(
            &ApiRequest::get(CMS)
                .with_query("watch", "true")
                .with_query("resourceVersion", start.to_string()),
        )
        .unwrap();
    let evs = api.server.poll_watch(id);
    let kinds: Vec<(WatchEventType, String)> = evs
        .iter()
        .map(|e| (e.event_type, e.object["metadata"]["name"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (WatchEventType::Added, "b".to_string()),
            (WatchEventType::Deleted, "a".to_string())
        ]
    );
    assert_eq!(evs[0].object["kind"], "ConfigMap");
    // Later writes arrive on the next poll; other resources do not.
    api.post(CMS, cm("c")).unwrap();
    api.post(
        "/api/v1/namespaces/default/secrets",
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}),
    )
    .unwrap();
    let evs = api.server.poll_watch(id);
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].object["metadata"]["name"], "c");
    assert!(api.server.poll_watch(id).is_empty());
    api.server.close_watch(id);
}

#[test]
fn watch_without_resource_version_starts_with_the_current_objects() {
    let mut api = Api::new();
    api.post(CMS, cm("a")).unwrap();
    let evs = api.req(ApiRequest::get(CMS).with_query("watch", "true")).unwrap();
    assert_eq!(evs.as_array().unwrap().len(), 1);
    assert_eq!(evs[0]["type"], "ADDED");
    assert_eq!(evs[0]["object"]["metadata"]["name"], "a");
}

#[test]
fn watch_from_a_compacted_resource_version_is_gone() {
    let mut api = Api::with_config(ApiServerConfig {
        watch_history: 3,
        ..Default::default()
    });
    for i in 0..5 {
        api.post(CMS, cm(&format!("c{i}"))).unwrap();
    }
    let newest = api.server.resource_version();
    let e = api
        .server
        .watch(
            &ApiRequest::get(CMS)
                .with_query("watch", "true")
                .with_query("resourceVersion", "2"),
        )
        .unwrap_err();
    assert_eq!(e.code(), 410);
    assert_eq!(e.reason(), "Expired");
    assert_eq!(e.message(), format!("too old resource version: 2 ({})", newest - 3));
    // A watcher that falls behind the history gets an ERROR event and is closed.
    let id = api
        .server
        .watch(
            &ApiRequest::get(CMS)
                .with_query("watch", "true")
                .with_query("resourceVersion", newest.to_string()),
        )
        .unwrap();
    for i in 0..5 {
        api.post(CMS, cm(&format!("d{i}"))).unwrap();
    }
    let evs = api.server.poll_watch(id);
    assert_eq!(evs.last().unwrap().event_type, WatchEventType::Error);
    assert_eq!(evs.last().unwrap().object["code"], 410);
    assert!(api.server.poll_watch(id).is_empty());
}

#[test]
fn label_selected_watch_turns_label_changes_into_added_and_deleted() {
    let mut api = Api::new();
    let a = api.post(CMS, cm("a")).unwrap();
    let id = api
        .server
        .watch(
            &ApiRequest::get(CMS)
                .with_query("labelSelector", "team=x")
                .with_query("resourceVersion", rv(&a).to_string()),
        )
        .unwrap();
    api.patch(
        &format!("{CMS}/a"),
        PatchType::Merge,
        json!({"metadata": {"labels": {"team": "x"}}}),
    )
    .unwrap();
    api.patch(
        &format!("{CMS}/a"),
        PatchType::Merge,
        json!({"metadata": {"labels": {"team": "y"}}}),
    )
    .unwrap();
    let types: Vec<WatchEventType> = api.server.poll_watch(id).iter().map(|e| e.event_type).collect();
    assert_eq!(types, vec![WatchEventType::Added, WatchEventType::Deleted]);
}

#[test]
fn generation_bumps_on_spec_changes_only() {
    let mut api = Api::new();
    let path = "/apis/apps/v1/namespaces/default/deployments";
    let d = api.post(path, deployment("web", 1)).unwrap();
    assert_eq!(d["metadata"]["generation"], 1);
    assert_eq!(d["status"], json!({}));
    let d = api
        .patch(
            &format!("{path}/web"),
            PatchType::Merge,
            json!({"metadata": {"labels": {"x": "y"}}}),
        )
        .unwrap();
    assert_eq!(d["metadata"]["generation"], 1, "label change");
    let d = api
        .patch(
            &format!("{path}/web"),
            PatchType::Merge,
            json!({"spec": {"replicas": 3}}),
        )
        .unwrap();
    assert_eq!(d["metadata"]["generation"], 2, "spec change");
    let d = api
        .patch(
            &format!("{path}/web/status"),
            PatchType::Merge,
            json!({"status": {"replicas": 3}}),
        )
        .unwrap();
    assert_eq!(d["metadata"]["generation"], 2, "status change");
    assert_eq!(d["status"]["replicas"], 3);
    // The main resource ignores status; /status ignores everything else.
    let d = api
        .patch(
            &format!("{path}/web"),
            PatchType::Merge,
            json!({"status": {"replicas": 9}}),
        )
        .unwrap();
    assert_eq!(d["status"]["replicas"], 3);
    let d = api
        .patch(
            &format!("{path}/web/status"),
            PatchType::Merge,
            json!({"spec": {"replicas": 9}}),
        )
        .unwrap();
    assert_eq!(d["spec"]["replicas"], 3);
    // ConfigMaps have no generation.
    assert!(api.post(CMS, cm("a")).unwrap()["metadata"].get("generation").is_none());
}

#[test]
fn finalizers_hold_deletion_until_they_are_removed() {
    let mut api = Api::new();
    let mut c = cm("held");
    c["metadata"]["finalizers"] = json!(["example.com/hold"]);
    api.post(CMS, c).unwrap();
    let d = api.delete(&format!("{CMS}/held")).unwrap();
    assert_eq!(d["metadata"]["deletionTimestamp"], "2026-01-01T00:00:00Z");
    assert_eq!(d["metadata"]["deletionGracePeriodSeconds"], 0);
    let still = api.get(&format!("{CMS}/held")).unwrap();
    assert!(still["metadata"]["deletionTimestamp"].is_string());
    let gone = api
        .patch(
            &format!("{CMS}/held"),
            PatchType::Merge,
            json!({"metadata": {"finalizers": null}}),
        )
        .unwrap();
    assert_eq!(gone["metadata"]["name"], "held");
    assert_eq!(api.get(&format!("{CMS}/held")).unwrap_err().code(), 404);
}

#[test]
fn delete_answers_with_a_status_or_the_object_as_upstream_stores_do() {
    let mut api = Api::new();
    api.post(CMS, cm("a")).unwrap();
    let s = api.delete(&format!("{CMS}/a")).unwrap();
    assert_eq!(s["kind"], "Status");
    assert_eq!(s["status"], "Success");
    assert_eq!(s["details"]["kind"], "configmaps");
    assert_eq!(
        api.delete(&format!("{CMS}/a")).unwrap_err().message(),
        "configmaps \"a\" not found"
    );
}

#[test]
fn propagation_policies_add_garbage_collector_finalizers() {
    let mut api = Api::new();
    let path = "/apis/apps/v1/namespaces/default/deployments";
    api.post(path, deployment("web", 1)).unwrap();
    let d = api
        .req(
            ApiRequest::delete(format!("{path}/web"))
                .with_body(json!({"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"})),
        )
        .unwrap();
    assert_eq!(d["metadata"]["finalizers"], json!(["foregroundDeletion"]));
    assert!(d["metadata"]["deletionTimestamp"].is_string());
    api.post(path, deployment("orphaned", 1)).unwrap();
    let d = api
        .req(ApiRequest::delete(format!("{path}/orphaned")).with_query("propagationPolicy", "Orphan"))
        .unwrap();
    assert_eq!(d["metadata"]["finalizers"], json!(["orphan"]));
}

#[test]
fn scheduled_pods_are_deleted_gracefully_and_unscheduled_ones_at_once() {
    let mut api = Api::new();
    let pods = "/api/v1/namespaces/default/pods";
    api.post(pods, pod("free")).unwrap();
    assert_eq!(api.delete(&format!("{pods}/free")).unwrap()["metadata"]["name"], "free");
    assert_eq!(api.get(&format!("{pods}/free")).unwrap_err().code(), 404);

    api.post(pods, pod("bound")).unwrap();
    api.req(ApiRequest::post(format!("{pods}/bound/binding"), json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "bound"}, "target": {"kind": "Node", "name": "node01"}})))
        .unwrap();
    let p = api.get(&format!("{pods}/bound")).unwrap();
    assert_eq!(p["spec"]["nodeName"], "node01");
    assert_eq!(p["status"]["conditions"][0]["type"], "PodScheduled");
    api.ctx.advance(Duration::from_secs(10));
    let d = api.delete(&format!("{pods}/bound")).unwrap();
    assert_eq!(d["metadata"]["deletionGracePeriodSeconds"], 30);
    assert_eq!(d["metadata"]["deletionTimestamp"], "2026-01-01T00:00:40Z");
    assert!(api.get(&format!("{pods}/bound")).is_ok());
    // The kubelet's final delete.
    api.req(ApiRequest::delete(format!("{pods}/bound")).with_query("gracePeriodSeconds", "0"))
        .unwrap();
    assert_eq!(api.get(&format!("{pods}/bound")).unwrap_err().code(), 404);
}

#[test]
fn binding_an_assigned_pod_conflicts() {
    let mut api = Api::new();
    let pods = "/api/v1/namespaces/default/pods";
    let mut p = pod("p");
    p["spec"]["nodeName"] = json!("node01");
    api.post(pods, p).unwrap();
    let e = api
        .req(ApiRequest::post(
            format!("{pods}/p/binding"),
            json!({"target": {"kind": "Node", "name": "node02"}}),
        ))
        .unwrap_err();
    assert_eq!(
        e.message(),
        "Operation cannot be fulfilled on pods/binding \"p\": pod p is already assigned to node \"node01\""
    );
}

#[test]
fn pod_admission_adds_service_account_token_tolerations_and_priority() {
    let mut api = Api::new();
    let p = api.post("/api/v1/namespaces/default/pods", pod("p")).unwrap();
    assert_eq!(p["spec"]["serviceAccountName"], "default");
    let vol = &p["spec"]["volumes"][0];
    let vname = vol["name"].as_str().unwrap();
    assert!(vname.starts_with("kube-api-access-") && vname.len() == "kube-api-access-".len() + 5);
    assert_eq!(
        vol["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"],
        3607
    );
    assert_eq!(
        p["spec"]["containers"][0]["volumeMounts"][0],
        json!({"name": vname, "readOnly": true, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"})
    );
    let tol = p["spec"]["tolerations"].as_array().unwrap();
    assert_eq!(tol[0]["key"], "node.kubernetes.io/not-ready");
    assert_eq!(tol[1]["key"], "node.kubernetes.io/unreachable");
    assert_eq!(p["spec"]["priority"], 0);
    assert_eq!(p["spec"]["preemptionPolicy"], "PreemptLowerPriority");
    assert_eq!(p["status"], json!({"phase": "Pending", "qosClass": "BestEffort"}));

    let mut critical = pod("critical");
    critical["spec"]["priorityClassName"] = json!("system-node-critical");
    let c = api.post("/api/v1/namespaces/default/pods", critical).unwrap();
    assert_eq!(c["spec"]["priority"], 2000001000);

    let mut bad = pod("bad");
    bad["spec"]["priorityClassName"] = json!("nope");
    let e = api.post("/api/v1/namespaces/default/pods", bad).unwrap_err();
    assert_eq!(e.code(), 403);
    assert_eq!(
        e.message(),
        "pods \"bad\" is forbidden: no PriorityClass with name nope was found"
    );
}

#[test]
fn pods_need_their_service_account_unless_configured_otherwise() {
    let mut api = Api::new();
    api.post(
        "/api/v1/namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}),
    )
    .unwrap();
    let e = api.post("/api/v1/namespaces/dev/pods", pod("p")).unwrap_err();
    assert_eq!(
        e.message(),
        "pods \"p\" is forbidden: error looking up service account dev/default: serviceaccount \"default\" not found"
    );
    api.server.config_mut().require_service_account = false;
    assert!(api.post("/api/v1/namespaces/dev/pods", pod("p")).is_ok());
}

#[test]
fn create_into_a_missing_namespace_is_not_found() {
    let mut api = Api::new();
    let e = api.post("/api/v1/namespaces/nope/configmaps", cm("a")).unwrap_err();
    assert_eq!(e.code(), 404);
    assert_eq!(e.message(), "namespaces \"nope\" not found");
}

#[test]
fn namespace_deletion_terminates_then_the_finalizer_removes_content() {
    let mut api = Api::new();
    let ns = api
        .post(
            "/api/v1/namespaces",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}),
        )
        .unwrap();
    assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(ns["status"]["phase"], "Active");
    assert_eq!(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "dev");
    api.post("/api/v1/namespaces/dev/configmaps", cm("a")).unwrap();
    let d = api.delete("/api/v1/namespaces/dev").unwrap();
    assert_eq!(d["status"]["phase"], "Terminating");
    let e = api.post("/api/v1/namespaces/dev/configmaps", cm("b")).unwrap_err();
    assert_eq!(e.code(), 403);
    assert_eq!(
        e.message(),
        "configmaps \"b\" is forbidden: unable to create new content in namespace dev because it is being terminated"
    );
    let removed = api.server.run_namespace_finalizer(&mut api.ctx);
    assert_eq!(removed, vec!["dev".to_string()]);
    assert_eq!(api.get("/api/v1/namespaces/dev").unwrap_err().code(), 404);
    assert_eq!(api.get("/api/v1/namespaces/dev/configmaps/a").unwrap_err().code(), 404);
    let e = api.delete("/api/v1/namespaces/default").unwrap_err();
    assert_eq!(
        e.message(),
        "namespaces \"default\" is forbidden: this namespace may not be deleted"
    );
}

#[test]
fn cluster_ips_are_allocated_and_conflicts_use_upstream_text() {
    let mut api = Api::new();
    let svcs = "/api/v1/namespaces/default/services";
    let k = api.get(&format!("{svcs}/kubernetes")).unwrap();
    assert_eq!(k["spec"]["clusterIP"], "10.96.0.1");
    let svc = |name: &str, ip: Option<&str>| {
        let mut s = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}});
        if let Some(ip) = ip {
            s["spec"]["clusterIP"] = json!(ip);
        }
        s
    };
    let a = api.post(svcs, svc("a", None)).unwrap();
    let ip = a["spec"]["clusterIP"].as_str().unwrap().to_string();
    assert!(ip.starts_with("10."), "{ip}");
    assert_eq!(a["spec"]["clusterIPs"], json!([ip]));
    assert_eq!(a["spec"]["ipFamilies"], json!(["IPv4"]));
    assert_eq!(a["spec"]["ipFamilyPolicy"], "SingleStack");
    api.post(svcs, svc("dns", Some("10.96.0.10"))).unwrap();
    let e = api.post(svcs, svc("dup", Some("10.96.0.10"))).unwrap_err();
    assert_eq!(e.code(), 422);
    assert_eq!(
        e.message(),
        "Service \"dup\" is invalid: spec.clusterIPs: Invalid value: [\"10.96.0.10\"]: failed to allocate IP 10.96.0.10: provided IP is already allocated"
    );
    // Released on delete.
    api.delete(&format!("{svcs}/dns")).unwrap();
    assert!(api.post(svcs, svc("dup", Some("10.96.0.10"))).is_ok());
    let h = api.post(svcs, svc("headless", Some("None"))).unwrap();
    assert_eq!(h["spec"]["clusterIPs"], json!(["None"]));
}

#[test]
fn node_ports_are_allocated_and_conflicts_use_upstream_text() {
    let mut api = Api::new();
    let svcs = "/api/v1/namespaces/default/services";
    let np = |name: &str, port: Option<i64>| {
        let mut p = json!({"port": 80});
        if let Some(n) = port {
            p["nodePort"] = json!(n);
        }
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"type": "NodePort", "selector": {"app": "x"}, "ports": [p]}})
    };
    let a = api.post(svcs, np("a", None)).unwrap();
    let port = a["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    assert!((30000..=32767).contains(&port));
    api.post(svcs, np("b", Some(30080))).unwrap();
    let e = api.post(svcs, np("c", Some(30080))).unwrap_err();
    assert_eq!(
        e.message(),
        "Service \"c\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated"
    );
    let e = api.post(svcs, np("d", Some(80))).unwrap_err();
    assert!(
        e.message().contains("spec.ports[0].nodePort: Invalid value: 80:"),
        "{}",
        e.message()
    );
    // An update without nodePort keeps the allocated one.
    let mut b = api.get(&format!("{svcs}/b")).unwrap();
    b["spec"]["ports"][0].as_object_mut().unwrap().remove("nodePort");
    b["metadata"]["labels"] = json!({"x": "y"});
    let b = api.put(&format!("{svcs}/b"), b).unwrap();
    assert_eq!(b["spec"]["ports"][0]["nodePort"], 30080);
}

#[test]
fn namespace_and_kind_mismatches_are_bad_requests() {
    let mut api = Api::new();
    let mut c = cm("a");
    c["metadata"]["namespace"] = json!("other");
    let e = api.post(CMS, c).unwrap_err();
    assert_eq!(e.code(), 400);
    assert_eq!(
        e.message(),
        "the namespace of the provided object does not match the namespace sent on the request"
    );
    let mut c = cm("a");
    c["apiVersion"] = json!("apps/v1");
    assert_eq!(api.post(CMS, c).unwrap_err().code(), 400);
    let e = api
        .post(
            CMS,
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}),
        )
        .unwrap_err();
    assert_eq!(e.message(), "Secret in version \"v1\" cannot be handled as a ConfigMap: converting (v1.Secret) to (core.ConfigMap): unknown conversion");
    let mut c = api.post(CMS, cm("x")).unwrap();
    c["metadata"]["name"] = json!("y");
    let e = api.put(&format!("{CMS}/x"), c).unwrap_err();
    assert_eq!(
        e.message(),
        "the name of the object (y) does not match the name on the URL (x)"
    );
}

#[test]
fn duplicate_create_is_already_exists() {
    let mut api = Api::new();
    api.post("/apis/apps/v1/namespaces/default/deployments", deployment("web", 1))
        .unwrap();
    let e = api
        .post("/apis/apps/v1/namespaces/default/deployments", deployment("web", 1))
        .unwrap_err();
    assert_eq!(e.code(), 409);
    assert_eq!(e.message(), "deployments.apps \"web\" already exists");
}

#[test]
fn generate_name_appends_five_characters() {
    let mut api = Api::new();
    let c = api
        .post(
            CMS,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "job-"}}),
        )
        .unwrap();
    let name = c["metadata"]["name"].as_str().unwrap();
    assert_eq!(name.len(), 9);
    assert!(name.starts_with("job-"));
    assert!(name[4..].bytes().all(|b| sim::NAME_ALPHABET.contains(&b)));
}

#[test]
fn unknown_paths_and_resources_are_not_found() {
    let mut api = Api::new();
    for p in [
        "/api/v2",
        "/apis/nope.io/v1/things",
        "/api/v1/namespaces/default/nothings",
        "/api/v1/pods/x",
        "/foo",
    ] {
        let e = api.get(p).unwrap_err();
        assert_eq!(e.code(), 404, "{p}");
        assert_eq!(e.message(), "the server could not find the requested resource", "{p}");
    }
    let e = api.post("/api/v1/pods", pod("p")).unwrap_err();
    assert_eq!(e.code(), 405);
}

#[test]
fn discovery_documents_are_served() {
    let mut api = Api::new();
    assert_eq!(api.get("/api").unwrap()["versions"], json!(["v1"]));
    assert_eq!(api.get("/api/v1").unwrap()["kind"], "APIResourceList");
    assert_eq!(api.get("/apis").unwrap()["kind"], "APIGroupList");
    assert_eq!(api.get("/apis/apps").unwrap()["name"], "apps");
    assert_eq!(api.get("/apis/apps/v1").unwrap()["groupVersion"], "apps/v1");
}

#[test]
fn lists_page_with_limit_and_continue() {
    let mut api = Api::new();
    for i in 0..5 {
        api.post(CMS, cm(&format!("c{i}"))).unwrap();
    }
    let page1 = api.req(ApiRequest::get(CMS).with_query("limit", "2")).unwrap();
    assert_eq!(page1["items"].as_array().unwrap().len(), 2);
    assert_eq!(page1["metadata"]["remainingItemCount"], 3);
    let token = page1["metadata"]["continue"].as_str().unwrap().to_string();
    let page2 = api
        .req(
            ApiRequest::get(CMS)
                .with_query("limit", "10")
                .with_query("continue", token),
        )
        .unwrap();
    let names: Vec<&str> = page2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["c2", "c3", "c4"]);
    assert!(page2["metadata"].get("continue").is_none());
}

#[test]
fn selectors_filter_lists_and_unsupported_field_labels_are_rejected() {
    let mut api = Api::new();
    let mut a = cm("a");
    a["metadata"]["labels"] = json!({"app": "web"});
    api.post(CMS, a).unwrap();
    api.post(CMS, cm("b")).unwrap();
    let l = api
        .req(ApiRequest::get(CMS).with_query("labelSelector", "app=web"))
        .unwrap();
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    let l = api
        .req(ApiRequest::get(CMS).with_query("fieldSelector", "metadata.name=b"))
        .unwrap();
    assert_eq!(l["items"][0]["metadata"]["name"], "b");
    let e = api
        .req(ApiRequest::get("/api/v1/pods").with_query("fieldSelector", "foo=bar"))
        .unwrap_err();
    assert_eq!(e.code(), 400);
    assert_eq!(e.message(), "field label not supported: foo");
    let e = api
        .req(ApiRequest::get(CMS).with_query("fieldSelector", "data.k=v"))
        .unwrap_err();
    assert_eq!(
        e.message(),
        "\"data.k\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    );
}

#[test]
fn all_namespaces_lists_span_namespaces() {
    let mut api = Api::new();
    let l = api.get("/api/v1/namespaces").unwrap();
    let names: Vec<&str> = l["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["default", "kube-node-lease", "kube-public", "kube-system"]);
    api.post("/api/v1/namespaces/kube-system/configmaps", cm("x")).unwrap();
    api.post(CMS, cm("y")).unwrap();
    assert_eq!(
        api.get("/api/v1/configmaps").unwrap()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn scale_subresource_reads_and_writes_replicas() {
    let mut api = Api::new();
    let path = "/apis/apps/v1/namespaces/default/deployments";
    api.post(path, deployment("web", 2)).unwrap();
    let s = api.get(&format!("{path}/web/scale")).unwrap();
    assert_eq!(s["kind"], "Scale");
    assert_eq!(s["apiVersion"], "autoscaling/v1");
    assert_eq!(s["spec"]["replicas"], 2);
    assert_eq!(s["status"]["selector"], "app=web");
    let s = api
        .patch(
            &format!("{path}/web/scale"),
            PatchType::Merge,
            json!({"spec": {"replicas": 5}}),
        )
        .unwrap();
    assert_eq!(s["spec"]["replicas"], 5);
    let d = api.get(&format!("{path}/web")).unwrap();
    assert_eq!(d["spec"]["replicas"], 5);
    assert_eq!(d["metadata"]["generation"], 2);
    let e = api.put(&format!("{path}/web/scale"), json!({"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": {"name": "web"}, "spec": {"replicas": -1}})).unwrap_err();
    assert_eq!(
        e.message(),
        "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
}

#[test]
fn dry_run_changes_nothing() {
    let mut api = Api::new();
    let before = api.server.resource_version();
    let c = api
        .req(ApiRequest::post(CMS, cm("a")).with_query("dryRun", "All"))
        .unwrap();
    assert_eq!(c["metadata"]["name"], "a");
    assert_eq!(api.server.resource_version(), before);
    assert_eq!(api.get(&format!("{CMS}/a")).unwrap_err().code(), 404);
}

#[test]
fn json_patch_applies_operations() {
    let mut api = Api::new();
    api.post(CMS, cm("a")).unwrap();
    let c = api
        .patch(
            &format!("{CMS}/a"),
            PatchType::Json,
            json!([{"op": "add", "path": "/data/extra", "value": "1"}, {"op": "remove", "path": "/data/k"}]),
        )
        .unwrap();
    assert_eq!(c["data"], json!({"extra": "1"}));
    let e = api
        .patch(&format!("{CMS}/a"), PatchType::Json, json!({"op": "add"}))
        .unwrap_err();
    assert_eq!(e.code(), 400);
}

#[test]
fn strategic_merge_patch_merges_containers_by_name() {
    let mut api = Api::new();
    let path = "/apis/apps/v1/namespaces/default/deployments";
    api.post(path, deployment("web", 1)).unwrap();
    let d = api
        .patch(
            &format!("{path}/web"),
            PatchType::StrategicMerge,
            json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}}),
        )
        .unwrap();
    let cs = d["spec"]["template"]["spec"]["containers"].as_array().unwrap();
    assert_eq!(cs.len(), 2);
    assert_eq!(cs[0]["image"], "nginx:1.28");
    assert_eq!(cs[1]["name"], "side");
    assert_eq!(d["metadata"]["generation"], 2);
}

#[test]
fn invalid_names_unknown_fields_and_immutable_fields_use_upstream_messages() {
    let mut api = Api::new();
    let e = api
        .post("/apis/apps/v1/namespaces/default/deployments", deployment("Foo", 1))
        .unwrap_err();
    assert_eq!(e.code(), 422);
    assert!(
        e.message().starts_with(
            "Deployment.apps \"Foo\" is invalid: metadata.name: Invalid value: \"Foo\": a lowercase RFC 1123 subdomain"
        ),
        "{}",
        e.message()
    );

    let mut d = deployment("web", 1);
    d["spec"]["foo"] = json!(1);
    let e = api.post("/apis/apps/v1/namespaces/default/deployments", d).unwrap_err();
    assert_eq!(e.code(), 400);
    assert_eq!(e.message(), "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\"");

    api.post("/apis/apps/v1/namespaces/default/deployments", deployment("web", 1))
        .unwrap();
    let e = api
        .patch(
            "/apis/apps/v1/namespaces/default/deployments/web",
            PatchType::Merge,
            json!({"spec": {"selector": {"matchLabels": {"app": "other"}}, "template": {"metadata": {"labels": {"app": "other"}}}}}),
        )
        .unwrap_err();
    assert_eq!(e.code(), 422);
    assert!(
        e.message().contains("spec.selector: Invalid value:") && e.message().contains("field is immutable"),
        "{}",
        e.message()
    );
}

#[test]
fn custom_resource_definitions_make_their_kind_servable() {
    let mut api = Api::new();
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com", "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]
        }
    });
    let c = api
        .post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
        .unwrap();
    let conds = c["status"]["conditions"].as_array().unwrap();
    assert!(conds
        .iter()
        .any(|c| c["type"] == "Established" && c["status"] == "True"));
    let path = "/apis/example.com/v1/namespaces/default/widgets";
    let w = api
        .post(
            path,
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}}),
        )
        .unwrap();
    assert_eq!(w["spec"]["size"], 3);
    assert_eq!(w["metadata"]["generation"], 1);
    let list = api.get(path).unwrap();
    assert_eq!(
        list["items"][0]["kind"], "Widget",
        "custom resource list items keep their kind"
    );
    assert_eq!(
        api.get("/apis/example.com/v1").unwrap()["resources"][0]["name"],
        "widgets"
    );
    api.delete("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
        .unwrap();
    assert_eq!(
        api.get(path).unwrap_err().message(),
        "the server could not find the requested resource"
    );
}

#[test]
fn custom_resources_are_pruned_and_validated_against_their_schema() {
    let mut api = Api::new();
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "crontabs.stable.example.com"},
        "spec": {
            "group": "stable.example.com", "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab", "shortNames": ["ct"]},
            "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {
                "type": "object",
                "properties": {"spec": {"type": "object", "properties": {
                    "cronSpec": {"type": "string"}, "image": {"type": "string"},
                    "replicas": {"type": "integer", "maximum": 10}}}}}}}]
        }
    });
    api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
        .unwrap();
    let path = "/apis/stable.example.com/v1/namespaces/default/crontabs";
    let ct = |spec: Value| json!({"apiVersion": "stable.example.com/v1", "kind": "CronTab", "metadata": {"name": "c"}, "spec": spec});
    // Unknown fields: a strict decoding error (kubectl's default), pruned otherwise.
    let e = api
        .post(path, ct(json!({"cronSpec": "* * * * */5", "foo": 1, "bar": 2})))
        .unwrap_err();
    assert_eq!(e.code(), 400);
    assert_eq!(
        e.message(),
        "CronTab in version \"v1\" cannot be handled as a CronTab: strict decoding error: unknown field \"spec.bar\", unknown field \"spec.foo\""
    );
    let lax = api
        .req(ApiRequest::post(path, ct(json!({"cronSpec": "x", "foo": 1}))).with_query("fieldValidation", "Ignore"))
        .unwrap();
    assert_eq!(lax["spec"], json!({"cronSpec": "x"}));
    // Schema violations: 422 with kube-openapi's wording.
    let mut bad = ct(json!({"cronSpec": 5, "replicas": 11}));
    bad["metadata"]["name"] = json!("bad");
    let e = api.post(path, bad).unwrap_err();
    assert_eq!(e.code(), 422);
    assert_eq!(
        e.message(),
        "CronTab.stable.example.com \"bad\" is invalid: [spec.cronSpec: Invalid value: \"integer\": spec.cronSpec in body must be of type string: \"integer\", spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10]"
    );
    // Updates are validated too.
    let mut upd = lax.clone();
    upd["spec"]["replicas"] = json!("three");
    let e = api.put(&format!("{path}/c"), upd).unwrap_err();
    assert_eq!(e.code(), 422);
}

#[test]
fn the_server_state_survives_serialisation() {
    let mut api = Api::new();
    api.post(CMS, cm("a")).unwrap();
    let text = serde_json::to_string(&api.server).unwrap();
    let mut restored: ApiServer = serde_json::from_str(&text).unwrap();
    assert_eq!(restored.resource_version(), api.server.resource_version());
    let got = restored
        .handle(&mut api.ctx, ApiRequest::get(format!("{CMS}/a")))
        .unwrap();
    assert_eq!(got["data"]["k"], "v");
}

#[test]
fn unknown_fields_are_dropped_unless_validation_is_strict() {
    let mut api = Api::new();
    let mut c = cm("a");
    c["bogus"] = json!(1);
    let created = api
        .req(ApiRequest::post(CMS, c.clone()).with_query("fieldValidation", "Warn"))
        .unwrap();
    assert!(created.get("bogus").is_none());
    let e = api.post(CMS, c).unwrap_err();
    assert_eq!(
        e.message(),
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"bogus\""
    );
}

#[test]
fn a_json_patch_that_does_not_apply_is_rejected_generically() {
    let mut api = Api::new();
    api.post(CMS, cm("a")).unwrap();
    let e = api
        .patch(
            &format!("{CMS}/a"),
            PatchType::Json,
            json!([{"op": "remove", "path": "/data/missing"}]),
        )
        .unwrap_err();
    assert_eq!(e.code(), 422);
    assert_eq!(
        e.message(),
        "the server rejected our request due to an error in our request"
    );
    let e = api
        .patch(&format!("{CMS}/a"), PatchType::Json, json!({"op": "add"}))
        .unwrap_err();
    assert_eq!(
        e.message(),
        "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
    );
}

#[test]
fn jobs_get_a_selector_and_labels_from_their_uid() {
    let mut api = Api::new();
    let job = json!({
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}
    });
    let j = api.post("/apis/batch/v1/namespaces/default/jobs", job).unwrap();
    let uid = j["metadata"]["uid"].as_str().unwrap();
    assert_eq!(
        j["spec"]["selector"]["matchLabels"]["batch.kubernetes.io/controller-uid"],
        uid
    );
    let labels = &j["spec"]["template"]["metadata"]["labels"];
    assert_eq!(labels["job-name"], "pi");
    assert_eq!(labels["controller-uid"], uid);
    assert_eq!(
        j["metadata"]["labels"]["batch.kubernetes.io/job-name"], "pi",
        "job labels default from the template"
    );
}

#[test]
fn eviction_deletes_the_pod() {
    let mut api = Api::new();
    let pods = "/api/v1/namespaces/default/pods";
    api.post(pods, pod("p")).unwrap();
    let s = api
        .req(ApiRequest::post(
            format!("{pods}/p/eviction"),
            json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p"}}),
        ))
        .unwrap();
    assert_eq!(s["status"], "Success");
    assert_eq!(api.get(&format!("{pods}/p")).unwrap_err().code(), 404);
}

#[test]
fn marking_for_deletion_bumps_generation() {
    let mut api = Api::new();
    let path = "/apis/apps/v1/namespaces/default/deployments";
    let mut d = deployment("web", 1);
    d["metadata"]["finalizers"] = json!(["example.com/hold"]);
    api.post(path, d).unwrap();
    let d = api.delete(&format!("{path}/web")).unwrap();
    assert_eq!(d["metadata"]["generation"], 2);
}

#[test]
fn delete_preconditions_conflict_with_upstream_text() {
    let mut api = Api::new();
    api.post(CMS, cm("a")).unwrap();
    let e = api
        .req(ApiRequest::delete(format!("{CMS}/a")).with_body(json!({"preconditions": {"uid": "nope"}})))
        .unwrap_err();
    assert_eq!(e.code(), 409);
    assert!(e.message().starts_with("Operation cannot be fulfilled on ConfigMap \"a\": the UID in the precondition (nope) does not match the UID in record ("), "{}", e.message());
}

#[test]
fn delete_collection_honours_label_selectors() {
    let mut api = Api::new();
    for (n, app) in [("a", "web"), ("b", "web"), ("c", "db")] {
        let mut c = cm(n);
        c["metadata"]["labels"] = json!({"app": app});
        api.post(CMS, c).unwrap();
    }
    let out = api
        .req(ApiRequest::delete(CMS).with_query("labelSelector", "app=web"))
        .unwrap();
    assert_eq!(out["kind"], "ConfigMapList");
    assert_eq!(out["items"].as_array().unwrap().len(), 2);
    let left = api.get(CMS).unwrap();
    assert_eq!(left["items"][0]["metadata"]["name"], "c");
}

#[test]
fn custom_resources_need_a_resource_version_to_update() {
    let mut api = Api::new();
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"plural": "widgets", "kind": "Widget"},
                 "versions": [{"name": "v1", "served": true, "storage": true, "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}]}
    });
    api.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
        .unwrap();
    let path = "/apis/example.com/v1/namespaces/default/widgets";
    api.post(
        path,
        json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}),
    )
    .unwrap();
    let e = api
        .put(
            &format!("{path}/w"),
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}),
        )
        .unwrap_err();
    assert_eq!(e.message(), "Widget.example.com \"w\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
}

#[test]
fn hostile_query_parameters_get_errors_not_panics() {
    let mut api = Api::new();
    api.post(CMS, cm("a")).unwrap();
    // A continue token pointing past this namespace yields an empty page.
    let page = api
        .req(ApiRequest::get("/api/v1/namespaces/kube-system/configmaps").with_query("limit", "1"))
        .unwrap();
    assert!(page["items"].as_array().unwrap().is_empty());
    let other = api.req(ApiRequest::get(CMS).with_query("limit", "1")).unwrap();
    let _ = other;
    let token = {
        let mut s = ApiServer::new();
        let mut ctx = SimContext::new(1, SimTime::from_unix_secs(0));
        s.bootstrap(&mut ctx).unwrap();
        for i in 0..2 {
            s.handle(
                &mut ctx,
                ApiRequest::post("/api/v1/namespaces/kube-system/configmaps", cm(&format!("z{i}"))),
            )
            .unwrap();
        }
        let l = s
            .handle(&mut ctx, ApiRequest::get("/api/v1/configmaps").with_query("limit", "1"))
            .unwrap();
        l["metadata"]["continue"].as_str().unwrap().to_string()
    };
    let l = api.req(ApiRequest::get(CMS).with_query("continue", token)).unwrap();
    assert!(l["items"].as_array().unwrap().is_empty());
    for bad in ["%%%", "eyJ2IjoxfQ", ""] {
        let _ = api.req(ApiRequest::get(CMS).with_query("continue", bad));
    }
    for q in [
        ("labelSelector", "a in (b"),
        ("fieldSelector", "x"),
        ("limit", "-5"),
        ("resourceVersion", "abc"),
    ] {
        let _ = api.req(ApiRequest::get(CMS).with_query(q.0, q.1));
        let _ = api.req(ApiRequest::get(CMS).with_query("watch", "true").with_query(q.0, q.1));
    }
    // An absurd grace period still produces a printable deletion timestamp.
    let mut p = pod("p");
    p["spec"]["nodeName"] = json!("node01");
    api.post("/api/v1/namespaces/default/pods", p).unwrap();
    let d = api
        .req(
            ApiRequest::delete("/api/v1/namespaces/default/pods/p")
                .with_query("gracePeriodSeconds", i64::MAX.to_string()),
        )
        .unwrap();
    assert_eq!(d["metadata"]["deletionTimestamp"], "9999-12-31T23:59:59Z");
    // Bodies of the wrong shape.
    for body in [json!(null), json!([1]), json!("x"), json!({"metadata": 5})] {
        let _ = api.post(CMS, body.clone());
        let _ = api.put(&format!("{CMS}/a"), body.clone());
        let _ = api.patch(&format!("{CMS}/a"), PatchType::Merge, body.clone());
        let _ = api.patch(&format!("{CMS}/a"), PatchType::StrategicMerge, body.clone());
        let _ = api.patch(&format!("{CMS}/a"), PatchType::Json, body);
    }
}

#[test]
fn events_expire_an_hour_after_their_last_write() {
    let mut api = Api::new();
    let evs = "/api/v1/namespaces/default/events";
    let ev = json!({
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "p.1"},
        "involvedObject": {"kind": "Pod", "name": "p", "namespace": "default"},
        "reason": "Scheduled", "message": "ok", "type": "Normal",
        "firstTimestamp": "2026-01-01T00:00:00Z", "lastTimestamp": "2026-01-01T00:00:00Z",
        "source": {"component": "default-scheduler"}
    });
    api.post(evs, ev).unwrap();
    let l = api
        .req(ApiRequest::get(evs).with_query("fieldSelector", "involvedObject.name=p,reason=Scheduled"))
        .unwrap();
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    api.ctx.advance(Duration::from_secs(3599));
    assert_eq!(api.server.expire_events(&api.ctx), 0);
    api.ctx.advance(Duration::from_secs(1));
    assert_eq!(api.server.expire_events(&api.ctx), 1);
    assert!(api.get(evs).unwrap()["items"].as_array().unwrap().is_empty());
}

#[test]
fn ephemeral_containers_and_resize_subresources_change_only_their_part() {
    let mut api = Api::with_config(ApiServerConfig {
        require_service_account: false,
        ..Default::default()
    });
    let pods = "/api/v1/namespaces/default/pods";
    let mut p = pod("p");
    p["spec"]["automountServiceAccountToken"] = json!(false);
    p["spec"]["containers"][0]["resources"] = json!({"requests": {"cpu": "100m"}});
    api.post(pods, p).unwrap();
    let d = api
        .patch(
            &format!("{pods}/p/ephemeralcontainers"),
            PatchType::StrategicMerge,
            json!({"spec": {"ephemeralContainers": [{"name": "debugger", "image": "busybox", "stdin": true, "tty": true}], "nodeName": "sneaky"}}),
        )
        .unwrap();
    assert_eq!(d["spec"]["ephemeralContainers"][0]["name"], "debugger");
    assert!(d["spec"].get("nodeName").is_none());
    assert_eq!(d["metadata"]["generation"], 2);
    let r = api
        .patch(&format!("{pods}/p/resize"), PatchType::StrategicMerge, json!({"spec": {"containers": [{"name": "c", "image": "other", "resources": {"requests": {"cpu": "200m"}}}]}}))
        .unwrap();
    assert_eq!(r["spec"]["containers"][0]["resources"]["requests"]["cpu"], "200m");
    assert_eq!(r["spec"]["containers"][0]["image"], "nginx");
}

#[test]
fn only_one_priority_class_may_be_the_global_default() {
    let mut api = Api::new();
    let pcs = "/apis/scheduling.k8s.io/v1/priorityclasses";
    let pc = |name: &str| json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name}, "value": 1000, "globalDefault": true});
    api.post(pcs, pc("high")).unwrap();
    let e = api.post(pcs, pc("other")).unwrap_err();
    assert_eq!(e.message(), "priorityclasses.scheduling.k8s.io \"other\" is forbidden: PriorityClass high is already marked as default. Only one default can exist");
    // New pods get the default class.
    let p = api.post("/api/v1/namespaces/default/pods", pod("p")).unwrap();
    assert_eq!(p["spec"]["priorityClassName"], "high");
    assert_eq!(p["spec"]["priority"], 1000);
}

#[test]
fn replacing_a_pod_keeps_its_admitted_priority() {
    let mut api = Api::new();
    let pods = "/api/v1/namespaces/default/pods";
    let created = api.post(pods, pod("p")).unwrap();
    let mut replacement = created.clone();
    replacement["spec"].as_object_mut().unwrap().remove("priority");
    replacement["spec"].as_object_mut().unwrap().remove("preemptionPolicy");
    replacement["spec"]["containers"][0]["image"] = json!("nginx:1.28");
    let updated = api.put(&format!("{pods}/p"), replacement).unwrap();
    assert_eq!(updated["spec"]["priority"], 0);
    assert_eq!(updated["spec"]["containers"][0]["image"], "nginx:1.28");
}

#[test]
fn limit_ranges_default_and_bound_container_resources() {
    let mut api = Api::new();
    api.post(
        "/api/v1/namespaces/default/limitranges",
        json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "lr"},
               "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"}, "defaultRequest": {"cpu": "250m"}, "max": {"cpu": "1"}}]}}),
    )
    .unwrap();
    let p = api.post("/api/v1/namespaces/default/pods", pod("p")).unwrap();
    let res = &p["spec"]["containers"][0]["resources"];
    assert_eq!(res["limits"], json!({"cpu": "500m", "memory": "256Mi"}));
    assert_eq!(res["requests"], json!({"cpu": "250m", "memory": "256Mi"}));
    assert_eq!(
        p["metadata"]["annotations"]["kubernetes.io/limit-ranger"],
        "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c"
    );
    assert_eq!(p["status"]["qosClass"], "Burstable");
    let mut big = pod("big");
    big["spec"]["containers"][0]["resources"] = json!({"limits": {"cpu": "2"}});
    let e = api.post("/api/v1/namespaces/default/pods", big).unwrap_err();
    assert_eq!(e.code(), 403);
    assert_eq!(
        e.message(),
        "pods \"big\" is forbidden: maximum cpu usage per Container is 1, but limit is 2"
    );
}

#[test]
fn resource_quotas_track_usage_and_refuse_what_exceeds_them() {
    let mut api = Api::new();
    let quota = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
                       "spec": {"hard": {"pods": "2", "configmaps": "10", "limits.cpu": "1"}}});
    api.post("/api/v1/namespaces/default/resourcequotas", quota).unwrap();
    let q = api.get("/api/v1/namespaces/default/resourcequotas/q").unwrap();
    assert_eq!(
        q["status"]["hard"],
        json!({"configmaps": "10", "limits.cpu": "1", "pods": "2"})
    );
    assert_eq!(
        q["status"]["used"],
        json!({"configmaps": "0", "limits.cpu": "0", "pods": "0"})
    );

    let e = api
        .post("/api/v1/namespaces/default/pods", pod("nolimits"))
        .unwrap_err();
    assert_eq!(
        e.message(),
        "pods \"nolimits\" is forbidden: failed quota: q: must specify limits.cpu for: c"
    );

    let limited = |name: &str, cpu: &str| {
        let mut p = pod(name);
        p["spec"]["containers"][0]["resources"] = json!({"limits": {"cpu": cpu}});
        p
    };
    api.post("/api/v1/namespaces/default/pods", limited("a", "500m"))
        .unwrap();
    let e = api
        .post("/api/v1/namespaces/default/pods", limited("b", "600m"))
        .unwrap_err();
    assert_eq!(
        e.message(),
        "pods \"b\" is forbidden: exceeded quota: q, requested: limits.cpu=600m, used: limits.cpu=500m, limited: limits.cpu=1"
    );
    api.post("/api/v1/namespaces/default/pods", limited("b", "500m"))
        .unwrap();
    let q = api.get("/api/v1/namespaces/default/resourcequotas/q").unwrap();
    assert_eq!(q["status"]["used"]["pods"], "2");
    assert_eq!(q["status"]["used"]["limits.cpu"], "1");
    let e = api
        .post("/api/v1/namespaces/default/pods", limited("c", "0"))
        .unwrap_err();
    assert_eq!(
        e.message(),
        "pods \"c\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2"
    );
    // Deleting frees the quota.
    api.delete("/api/v1/namespaces/default/pods/a").unwrap();
    let q = api.get("/api/v1/namespaces/default/resourcequotas/q").unwrap();
    assert_eq!(q["status"]["used"]["pods"], "1");
    assert_eq!(q["status"]["used"]["limits.cpu"], "500m");
}

#[test]
fn a_namespace_waiting_on_content_reports_why() {
    let mut api = Api::with_config(ApiServerConfig {
        require_service_account: false,
        ..Default::default()
    });
    api.post(
        "/api/v1/namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}),
    )
    .unwrap();
    let mut c = cm("held");
    c["metadata"]["finalizers"] = json!(["example.com/hold"]);
    api.post("/api/v1/namespaces/dev/configmaps", c).unwrap();
    api.delete("/api/v1/namespaces/dev").unwrap();
    assert!(api.server.run_namespace_finalizer(&mut api.ctx).is_empty());
    let ns = api.get("/api/v1/namespaces/dev").unwrap();
    let conds = ns["status"]["conditions"].as_array().unwrap();
    assert_eq!(conds.len(), 5);
    assert_eq!(conds[3]["type"], "NamespaceContentRemaining");
    assert_eq!(conds[3]["status"], "True");
    assert_eq!(
        conds[3]["message"],
        "Some resources are remaining: configmaps. has 1 resource instances"
    );
    assert_eq!(
        conds[4]["message"],
        "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"
    );
    assert_eq!(conds[0]["reason"], "ResourcesDiscovered");
    // Releasing the finalizer lets the namespace go.
    api.patch(
        "/api/v1/namespaces/dev/configmaps/held",
        PatchType::Merge,
        json!({"metadata": {"finalizers": null}}),
    )
    .unwrap();
    assert_eq!(
        api.server.run_namespace_finalizer(&mut api.ctx),
        vec!["dev".to_string()]
    );
}

#[test]
fn changing_a_service_type_releases_what_the_old_type_needed() {
    let mut api = Api::new();
    let svcs = "/api/v1/namespaces/default/services";
    let s = api
        .post(svcs, json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "nodePort": 30080}]}}))
        .unwrap();
    assert_eq!(s["spec"]["externalTrafficPolicy"], "Cluster");
    let s = api
        .patch(
            &format!("{svcs}/web"),
            PatchType::StrategicMerge,
            json!({"spec": {"type": "ClusterIP"}}),
        )
        .unwrap();
    assert!(s["spec"]["ports"][0].get("nodePort").is_none(), "{s}");
    assert!(s["spec"].get("externalTrafficPolicy").is_none());
    // The port is free again.
    api.post(svcs, json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "other"}, "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 30080}]}}))
        .unwrap();
    let ip = s["spec"]["clusterIP"].as_str().unwrap().to_string();
    let s = api
        .patch(
            &format!("{svcs}/web"),
            PatchType::Merge,
            json!({"spec": {"type": "ExternalName", "externalName": "example.com"}}),
        )
        .unwrap();
    assert!(s["spec"].get("clusterIP").is_none(), "{s}");
    assert!(s["spec"].get("ipFamilies").is_none());
    api.post(svcs, json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "reuse"}, "spec": {"clusterIP": ip, "ports": [{"port": 80}]}}))
        .unwrap();
}

#[test]
fn token_requests_return_a_bound_service_account_jwt() {
    let mut api = Api::new();
    let path = "/api/v1/namespaces/default/serviceaccounts/default/token";
    let tr = api
        .req(ApiRequest::post(path, json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"expirationSeconds": 600}})))
        .unwrap();
    assert_eq!(tr["kind"], "TokenRequest");
    assert_eq!(tr["status"]["expirationTimestamp"], "2026-01-01T00:10:00Z");
    let token = tr["status"]["token"].as_str().unwrap();
    assert_eq!(token.split('.').count(), 3);
    assert!(token.starts_with("eyJ"));
    let e = api
        .req(ApiRequest::post(path, json!({"spec": {"expirationSeconds": 10}})))
        .unwrap_err();
    assert_eq!(e.message(), "TokenRequest.authentication.k8s.io \"default\" is invalid: spec.expirationSeconds: Invalid value: 10: may not specify a duration less than 10 minutes");
    let e = api
        .req(ApiRequest::post(
            "/api/v1/namespaces/default/serviceaccounts/nope/token",
            json!({}),
        ))
        .unwrap_err();
    assert_eq!(e.message(), "serviceaccounts \"nope\" not found");
}

#[test]
fn cluster_ips_are_mirrored_as_ip_address_objects() {
    let mut api = Api::new();
    let cidr = api.get("/apis/networking.k8s.io/v1/servicecidrs/kubernetes").unwrap();
    assert_eq!(cidr["spec"]["cidrs"], json!(["10.96.0.0/12"]));
    let k = api.get("/apis/networking.k8s.io/v1/ipaddresses/10.96.0.1").unwrap();
    assert_eq!(
        k["spec"]["parentRef"],
        json!({"group": "", "resource": "services", "namespace": "default", "name": "kubernetes"})
    );
    let svcs = "/api/v1/namespaces/default/services";
    api.post(svcs, json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "dns"}, "spec": {"clusterIP": "10.96.0.10", "ports": [{"port": 53}]}}))
        .unwrap();
    assert!(api.get("/apis/networking.k8s.io/v1/ipaddresses/10.96.0.10").is_ok());
    api.delete(&format!("{svcs}/dns")).unwrap();
    assert_eq!(
        api.get("/apis/networking.k8s.io/v1/ipaddresses/10.96.0.10")
            .unwrap_err()
            .code(),
        404
    );
}

#[test]
fn access_reviews_apply_rbac_with_upstream_reasons() {
    let mut api = Api::new();
    api.post(
        "/api/v1/namespaces/default/serviceaccounts",
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "reader"}}),
    )
    .unwrap();
    api.post(
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "pod-reader"},
               "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]}),
    )
    .unwrap();
    api.post(
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "read-pods"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
               "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": "default"}]}),
    )
    .unwrap();
    let sar = |verb: &str| {
        json!({"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
               "spec": {"user": "system:serviceaccount:default:reader", "groups": ["system:serviceaccounts", "system:authenticated"],
                        "resourceAttributes": {"namespace": "default", "verb": verb, "resource": "pods"}}})
    };
    let path = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
    let yes = api.req(ApiRequest::post(path, sar("list"))).unwrap();
    assert_eq!(yes["status"]["allowed"], true);
    assert_eq!(
        yes["status"]["reason"],
        "RBAC: allowed by RoleBinding \"read-pods/default\" of Role \"pod-reader\" to ServiceAccount \"reader/default\""
    );
    let no = api.req(ApiRequest::post(path, sar("delete"))).unwrap();
    assert_eq!(no["status"], json!({"allowed": false}));
    // Nothing was stored, and reviews cannot be listed.
    assert_eq!(api.get(path).unwrap_err().code(), 405);
    // The admin may do anything; whoami names it.
    let ssar = api
        .req(ApiRequest::post(
            "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
            json!({"spec": {"resourceAttributes": {"verb": "delete", "resource": "nodes"}}}),
        ))
        .unwrap();
    assert_eq!(ssar["status"]["allowed"], true);
    let me = api
        .req(ApiRequest::post(
            "/apis/authentication.k8s.io/v1/selfsubjectreviews",
            json!({}),
        ))
        .unwrap();
    assert_eq!(me["status"]["userInfo"]["username"], "kubernetes-admin");
    assert_eq!(
        me["status"]["userInfo"]["groups"],
        json!(["kubeadm:cluster-admins", "system:authenticated"])
    );
}

#[test]
fn evictions_respect_pod_disruption_budgets() {
    let mut api = Api::new();
    let pods = "/api/v1/namespaces/default/pods";
    for n in ["a", "b"] {
        let mut p = pod(n);
        p["metadata"]["labels"] = json!({"app": "web"});
        p["spec"]["nodeName"] = json!("node01");
        api.post(pods, p).unwrap();
        api.patch(
            &format!("{pods}/{n}/status"),
            PatchType::Merge,
            json!({"status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}),
        )
        .unwrap();
    }
    let pdbs = "/apis/policy/v1/namespaces/default/poddisruptionbudgets";
    api.post(pdbs, json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"}, "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}}))
        .unwrap();
    let evict = |n: &str| {
        ApiRequest::post(
            format!("{pods}/{n}/eviction"),
            json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": n}}),
        )
    };
    // The disruption controller has not looked at the budget yet.
    let e = api.req(evict("a")).unwrap_err();
    assert_eq!(e.code(), 429);
    assert_eq!(
        e.status().details.as_ref().unwrap().causes[0].message,
        "The disruption budget web is still being processed by the server."
    );
    // What the disruption controller would write.
    api.patch(
        &format!("{pdbs}/web/status"),
        PatchType::Merge,
        json!({"status": {"observedGeneration": 1, "disruptionsAllowed": 1, "currentHealthy": 2, "desiredHealthy": 1, "expectedPods": 2}}),
    )
    .unwrap();
    api.req(evict("a")).unwrap();
    let pdb = api.get(&format!("{pdbs}/web")).unwrap();
    assert_eq!(pdb["status"]["disruptionsAllowed"], 0);
    assert!(pdb["status"]["disruptedPods"]["a"].is_string());
    let e = api.req(evict("b")).unwrap_err();
    assert_eq!(e.reason(), "TooManyRequests");
    assert_eq!(
        e.message(),
        "Cannot evict pod as it would violate the pod's disruption budget."
    );
    assert_eq!(
        e.status().details.as_ref().unwrap().causes[0].message,
        "The disruption budget web needs 1 healthy pods and has 2 currently"
    );
}

#[test]
fn certificate_signing_requests_record_the_requester_and_approve_through_approval() {
    let mut api = Api::new();
    let path = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
    let csr = json!({"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"name": "jane"},
                     "spec": {"request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K", "signerName": "kubernetes.io/kube-apiserver-client",
                              "usages": ["client auth"], "username": "mallory"}});
    let c = api.post(path, csr).unwrap();
    assert_eq!(c["spec"]["username"], "kubernetes-admin");
    let mut approved = c.clone();
    approved["status"]["conditions"] = json!([{"type": "Approved", "status": "True", "reason": "KubectlApprove", "message": "This CSR was approved by kubectl certificate approve."}]);
    approved["spec"]["signerName"] = json!("other/signer");
    let a = api.put(&format!("{path}/jane/approval"), approved).unwrap();
    assert_eq!(a["status"]["conditions"][0]["type"], "Approved");
    assert_eq!(a["spec"]["signerName"], "kubernetes.io/kube-apiserver-client");
}

#[test]
fn strict_patches_with_unknown_fields_are_invalid_patches() {
    let mut api = Api::new();
    let path = "/apis/apps/v1/namespaces/default/deployments";
    api.post(path, deployment("web", 1)).unwrap();
    let e = api
        .req(
            ApiRequest::patch(
                format!("{path}/web"),
                PatchType::StrategicMerge,
                json!({"spec": {"replicas": 2, "foo": true}}),
            )
            .with_query("fieldValidation", "Strict"),
        )
        .unwrap_err();
    assert_eq!(e.code(), 422);
    assert_eq!(
        e.message(),
        " \"\" is invalid: patch: Invalid value: \"map[spec:map[foo:true replicas:2]]\": strict decoding error: unknown field \"spec.foo\""
    );
    // Without Strict the unknown field is dropped.
    let d = api
        .patch(
            &format!("{path}/web"),
            PatchType::StrategicMerge,
            json!({"spec": {"replicas": 2, "foo": true}}),
        )
        .unwrap();
    assert!(d["spec"].get("foo").is_none());
    assert_eq!(d["spec"]["replicas"], 2);
}

#[test]
fn component_statuses_report_the_control_plane_healthy() {
    let mut api = Api::new();
    let list = api.get("/api/v1/componentstatuses").unwrap();
    assert_eq!(list["kind"], "ComponentStatusList");
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["controller-manager", "scheduler", "etcd-0"]);
    assert_eq!(
        list["items"][2]["conditions"],
        json!([{"type": "Healthy", "status": "True", "message": "ok"}])
    );
    let one = api.get("/api/v1/componentstatuses/etcd-0").unwrap();
    assert_eq!(one["kind"], "ComponentStatus");
    let e = api.get("/api/v1/componentstatuses/etcd-1").unwrap_err();
    assert_eq!((e.code(), e.message()), (500, "Component not found: etcd-1"));
    let only = api
        .req(ApiRequest::get("/api/v1/componentstatuses").with_query("fieldSelector", "metadata.name=scheduler"))
        .unwrap();
    assert_eq!(only["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(api.delete("/api/v1/componentstatuses/etcd-0").unwrap_err().code(), 405);
}

#[test]
fn removing_the_last_label_leaves_no_labels_map() {
    let mut api = Api::new();
    let path = "/api/v1/namespaces/default/configmaps";
    let mut c = cm("x");
    c["metadata"]["labels"] = json!({"app": "x"});
    api.post(path, c).unwrap();
    let patched = api
        .patch(
            &format!("{path}/x"),
            PatchType::Merge,
            json!({"metadata": {"labels": {"app": null}}}),
        )
        .unwrap();
    assert!(patched["metadata"].get("labels").is_none(), "{patched}");
    assert!(api.get(&format!("{path}/x")).unwrap()["metadata"]
        .get("labels")
        .is_none());
}
