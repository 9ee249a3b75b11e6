//! Informers and the event recorder against the real in-memory API server.

use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use apiserver::{ApiServer, ApiServerConfig};
use client::{ChangeKind, EventRecorder, EventSource, Informer, ResourcePath};
use serde_json::{json, Value};
use sim::{Duration, SimContext, SimTime};

struct Local {
    server: ApiServer,
    ctx: SimContext,
}

impl ApiClient for Local {
    fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        self.server.handle(&mut self.ctx, req)
    }
}

fn local(history: usize) -> Local {
    let mut server = ApiServer::with_config(ApiServerConfig {
        watch_history: history,
        require_service_account: false,
        ..Default::default()
    });
    let mut ctx = SimContext::new(1, SimTime::from_unix_secs(sim::DEFAULT_EPOCH_SECONDS));
    server.bootstrap(&mut ctx).unwrap();
    Local { server, ctx }
}

fn cm(name: &str, app: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": {"app": app}}, "data": {"k": "v"}})
}

fn create(api: &mut Local, obj: Value) {
    api.request(ApiRequest::post("/api/v1/namespaces/default/configmaps", obj))
        .unwrap();
}

#[test]
fn an_informer_lists_then_follows_the_watch() {
    let mut api = local(1000);
    create(&mut api, cm("a", "x"));
    let mut inf = Informer::new(ResourcePath::core("configmaps").in_namespace("default"));
    let first = inf.sync(&mut api).unwrap();
    assert!(inf.has_synced());
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].kind, ChangeKind::Added);
    // List items get their kind back.
    assert_eq!(inf.get("default", "a").unwrap()["kind"], "ConfigMap");
    assert!(inf.sync(&mut api).unwrap().is_empty());

    create(&mut api, cm("b", "y"));
    api.request(ApiRequest::put("/api/v1/namespaces/default/configmaps/a", {
        let mut a = inf.get("default", "a").unwrap().clone();
        a["data"]["k"] = json!("w");
        a
    }))
    .unwrap();
    api.request(ApiRequest::delete("/api/v1/namespaces/default/configmaps/b"))
        .unwrap();
    let kinds: Vec<(ChangeKind, String)> = inf
        .sync(&mut api)
        .unwrap()
        .iter()
        .map(|c| (c.kind, c.key().1))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (ChangeKind::Added, "b".into()),
            (ChangeKind::Modified, "a".into()),
            (ChangeKind::Deleted, "b".into())
        ]
    );
    assert_eq!(inf.get("default", "a").unwrap()["data"]["k"], "w");
    assert_eq!(inf.len(), 1);
}

#[test]
fn a_list_is_paged_and_selectors_filter_the_store() {
    let mut api = local(1000);
    for i in 0..1100 {
        create(
            &mut api,
            cm(&format!("cm-{i:04}"), if i % 2 == 0 { "even" } else { "odd" }),
        );
    }
    let mut inf = Informer::new(ResourcePath::core("configmaps").in_namespace("default"));
    assert_eq!(inf.sync(&mut api).unwrap().len(), 1100);
    let sel = Selector::parse("app=even").unwrap();
    assert_eq!(inf.by_label_selector(None, &sel).count(), 550);
    assert_eq!(inf.list_namespace("default").count(), 1100);
    assert_eq!(inf.list_namespace("kube-system").count(), 0);

    let mut odd = Informer::new(ResourcePath::core("configmaps").with_label_selector("app=odd"));
    assert_eq!(odd.sync(&mut api).unwrap().len(), 550);
}

#[test]
fn a_watch_that_fell_out_of_the_history_relists_and_reports_the_difference() {
    let mut api = local(5);
    create(&mut api, cm("keep", "x"));
    create(&mut api, cm("gone", "x"));
    let mut inf = Informer::new(ResourcePath::core("configmaps").in_namespace("default"));
    inf.sync(&mut api).unwrap();
    api.request(ApiRequest::delete("/api/v1/namespaces/default/configmaps/gone"))
        .unwrap();
    for i in 0..10 {
        create(&mut api, cm(&format!("n{i}"), "x"));
    }
    let changes = inf.sync(&mut api).unwrap();
    let deleted: Vec<String> = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::Deleted)
        .map(|c| c.key().1)
        .collect();
    assert_eq!(deleted, vec!["gone".to_string()]);
    assert_eq!(changes.iter().filter(|c| c.kind == ChangeKind::Added).count(), 10);
    assert!(inf.get("default", "keep").is_some());
}

#[test]
fn a_restored_informer_relists() {
    let mut api = local(1000);
    create(&mut api, cm("a", "x"));
    let mut inf = Informer::new(ResourcePath::core("configmaps"));
    inf.sync(&mut api).unwrap();
    let mut back: Informer = serde_json::from_value(serde_json::to_value(&inf).unwrap()).unwrap();
    assert!(!back.has_synced());
    assert_eq!(back.sync(&mut api).unwrap().len(), 1);
}

#[test]
fn repeated_legacy_events_bump_count_and_last_timestamp() {
    let mut api = local(1000);
    create(&mut api, cm("a", "x"));
    let obj = api
        .request(ApiRequest::get("/api/v1/namespaces/default/configmaps/a"))
        .unwrap();
    let mut rec = EventRecorder::new();
    let t0 = api.ctx.now();
    rec.record(
        &mut api,
        t0,
        &obj,
        "Warning",
        "BackOff",
        "Back-off restarting",
        "kubelet",
        "node01",
    )
    .unwrap();
    api.ctx.advance(Duration::from_secs(30));
    let t1 = api.ctx.now();
    rec.record(
        &mut api,
        t1,
        &obj,
        "Warning",
        "BackOff",
        "Back-off restarting",
        "kubelet",
        "node01",
    )
    .unwrap();
    let list = api
        .request(ApiRequest::get("/api/v1/namespaces/default/events"))
        .unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let ev = &items[0];
    assert_eq!(ev["metadata"]["name"], format!("a.{:x}", t0.unix_millis() * 1_000_000));
    assert_eq!(ev["count"], 2);
    assert_eq!(ev["firstTimestamp"], "2026-01-01T00:00:00Z");
    assert_eq!(ev["lastTimestamp"], "2026-01-01T00:00:30Z");
    assert_eq!(ev["source"], json!({"component": "kubelet", "host": "node01"}));
    assert_eq!(ev["involvedObject"]["kind"], "ConfigMap");

    // Past the 10-minute window a new Event starts.
    api.ctx.advance(Duration::from_secs(700));
    let t2 = api.ctx.now();
    rec.record(
        &mut api,
        t2,
        &obj,
        "Warning",
        "BackOff",
        "Back-off restarting",
        "kubelet",
        "node01",
    )
    .unwrap();
    let list = api
        .request(ApiRequest::get("/api/v1/namespaces/default/events"))
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

#[test]
fn new_style_events_carry_event_time_and_become_a_series() {
    let mut api = local(1000);
    create(&mut api, cm("a", "x"));
    let obj = api
        .request(ApiRequest::get("/api/v1/namespaces/default/configmaps/a"))
        .unwrap();
    let mut rec = EventRecorder::new();
    let src = EventSource {
        component: "default-scheduler".into(),
        host: "default-scheduler-controlplane".into(),
    };
    let t0 = api.ctx.now();
    rec.eventf(
        &mut api,
        t0,
        &src,
        &obj,
        None,
        "Warning",
        "FailedScheduling",
        "Scheduling",
        "nope",
    )
    .unwrap();
    let list = api
        .request(ApiRequest::get("/api/v1/namespaces/default/events"))
        .unwrap();
    let ev = &list["items"][0];
    assert_eq!(ev["eventTime"], "2026-01-01T00:00:00.000000Z");
    assert_eq!(ev["reportingComponent"], "default-scheduler");
    assert_eq!(ev["reportingInstance"], "default-scheduler-controlplane");
    assert_eq!(ev["action"], "Scheduling");
    assert!(ev.get("count").is_none_or(Value::is_null));
    api.ctx.advance(Duration::from_secs(60));
    let t1 = api.ctx.now();
    rec.eventf(
        &mut api,
        t1,
        &src,
        &obj,
        None,
        "Warning",
        "FailedScheduling",
        "Scheduling",
        "nope",
    )
    .unwrap();
    let list = api
        .request(ApiRequest::get("/api/v1/namespaces/default/events"))
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        list["items"][0]["series"],
        json!({"count": 2, "lastObservedTime": "2026-01-01T00:01:00.000000Z"})
    );
}
