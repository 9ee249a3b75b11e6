#![allow(clippy::disallowed_methods)] // a benchmark measures wall time
//! Scheduler throughput on 1,000 nodes: pods bound per second of wall time, through the
//! real in-memory API server. Prints figures only (no timed asserts).
//!
//! cargo bench -p scheduler --bench throughput

use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use apiserver::{ApiServer, ApiServerConfig};
use client::Component;
use scheduler::Scheduler;
use serde_json::{json, Value};
use sim::{SimContext, SimTime};
use std::time::Instant;

struct Local {
    server: ApiServer,
    ctx: SimContext,
}

impl ApiClient for Local {
    fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        self.server.handle(&mut self.ctx, req)
    }
}

fn main() {
    let nodes = 1000;
    let pods = 3000;
    let mut server = ApiServer::with_config(ApiServerConfig {
        require_service_account: false,
        watch_history: 100_000,
        ..Default::default()
    });
    let mut ctx = SimContext::new(1, SimTime::from_unix_secs(sim::DEFAULT_EPOCH_SECONDS));
    if server.bootstrap(&mut ctx).is_err() {
        eprintln!("bootstrap failed");
        return;
    }
    let mut api = Local { server, ctx };
    let setup = Instant::now();
    for i in 0..nodes {
        let name = format!("node{i:04}");
        let node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name,
            "labels": {"kubernetes.io/hostname": name, "topology.kubernetes.io/zone": format!("zone-{}", i % 3)}}});
        let _ = api.request(ApiRequest::post("/api/v1/nodes", node));
        let status = json!({"status": {"allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"}}});
        let _ = api.request(ApiRequest::patch(
            format!("/api/v1/nodes/{name}/status"),
            PatchType::Merge,
            status,
        ));
    }
    let mut s = Scheduler::new("controlplane");
    let now = api.ctx.now();
    let mut rng = api.ctx.rng().clone();
    s.step(&mut api, now, &mut rng);
    println!("setup: {nodes} nodes in {:?}", setup.elapsed());

    for i in 0..pods {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("p{i:05}"), "namespace": "default",
            "labels": {"app": format!("app{}", i % 10)}},
            "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}});
        let _ = api.request(ApiRequest::post("/api/v1/namespaces/default/pods", pod));
    }
    let start = Instant::now();
    let mut steps = 0;
    loop {
        let now = api.ctx.now();
        let r = s.step(&mut api, now, &mut rng);
        steps += 1;
        if !r.did_work || steps > 100 {
            break;
        }
    }
    let elapsed = start.elapsed();
    let list = api
        .request(ApiRequest::get("/api/v1/namespaces/default/pods").with_query("fieldSelector", "spec.nodeName!="))
        .ok();
    let bound = list
        .as_ref()
        .and_then(|l| l.get("items"))
        .and_then(Value::as_array)
        .map(Vec::len)
        .unwrap_or(0);
    println!(
        "scheduled {bound}/{pods} pods on {nodes} nodes in {elapsed:?}: {:.0} pods/s",
        bound as f64 / elapsed.as_secs_f64().max(1e-9)
    );

    // Typed views versus Values: decode every pod into k8s-openapi's Pod, and parse the
    // scheduler's own summary from the Value.
    let items: Vec<Value> = list
        .as_ref()
        .and_then(|l| l.get("items"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let t = Instant::now();
    let mut ok = 0;
    for item in &items {
        if serde_json::from_value::<k8s_openapi::api::core::v1::Pod>(item.clone()).is_ok() {
            ok += 1;
        }
    }
    let typed = t.elapsed();
    let t = Instant::now();
    let mut cpu = 0;
    for item in &items {
        cpu += scheduler::model::PodInfo::from_value(item).requests.milli_cpu;
    }
    let summary = t.elapsed();
    let n = items.len().max(1) as u32;
    println!(
        "typed decode: {ok} pods, {:?} per pod; PodInfo::from_value: {:?} per pod (cpu sum {cpu}m)",
        typed / n,
        summary / n
    );
}
