#![allow(clippy::disallowed_methods)] // a benchmark measures wall time

//! Control-plane benchmarks (a plain bench binary: `cargo bench --bench control_plane`).
//! Figures only, nothing asserted:
//! - boot the default cluster, snapshot it and restore it;
//! - a 1,000-replica Deployment converging on 100 nodes: virtual time and wall time;
//! - snapshot/restore of that large cluster.
//!
//! Scheduler throughput on 1,000 nodes is `cargo bench -p scheduler --bench throughput`.
//! `KUBEPLAY_BENCH_REPLICAS` / `KUBEPLAY_BENCH_NODES` shrink the scenario (e.g. for profiling).

use apimachinery::{ApiClient, ApiRequest};
use cluster::Cluster;
use serde_json::{json, Value};
use sim::Duration;
use std::time::Instant;

fn report(what: &str, started: Instant) -> f64 {
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    println!("{what:<60} {ms:>10.1} ms");
    ms
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn items(list: &Value) -> &[Value] {
    list.get("items")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn condition_true(obj: &Value, kind: &str) -> bool {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == kind && c["status"] == "True"))
}

fn ready_nodes(cluster: &mut Cluster) -> usize {
    let Ok(list) = cluster.request(ApiRequest::get("/api/v1/nodes")) else {
        return 0;
    };
    items(&list).iter().filter(|n| condition_true(n, "Ready")).count()
}

/// Replicas, updated, ready and available replicas all equal the spec, and Available is True.
fn deployment_done(d: &Value, replicas: u64) -> bool {
    let st = |f: &str| d.pointer(&format!("/status/{f}")).and_then(Value::as_u64).unwrap_or(0);
    st("replicas") == replicas
        && st("updatedReplicas") == replicas
        && st("readyReplicas") == replicas
        && st("availableReplicas") == replicas
        && condition_true(d, "Available")
}

/// (Running and Ready pods, all pods) of the app.
fn pods_running_ready(cluster: &mut Cluster) -> (usize, usize) {
    let Ok(list) =
        cluster.request(ApiRequest::get("/api/v1/namespaces/default/pods").with_query("labelSelector", "app=web"))
    else {
        return (0, 0);
    };
    let pods = items(&list);
    let ok = pods
        .iter()
        .filter(|p| p.pointer("/status/phase") == Some(&json!("Running")) && condition_true(p, "Ready"))
        .count();
    (ok, pods.len())
}

fn snapshot_restore(cluster: &Cluster, label: &str) {
    let t = Instant::now();
    let saved = cluster.snapshot();
    let text = serde_json::to_string(&saved).unwrap_or_default();
    report(
        &format!("{label}: snapshot to JSON text ({} KiB)", text.len() / 1024),
        t,
    );
    let t = Instant::now();
    let parsed: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("snapshot does not parse: {e}");
            return;
        }
    };
    match Cluster::restore(parsed) {
        Ok(restored) => {
            report(&format!("{label}: restore from JSON text"), t);
            drop(restored);
        }
        Err(e) => eprintln!("restore failed: {e}"),
    }
}

fn main() {
    let replicas = env_usize("KUBEPLAY_BENCH_REPLICAS", 1000);
    let nodes = env_usize("KUBEPLAY_BENCH_NODES", 100);

    // (c) The default cluster: boot (includes kubeadm's 5 minutes of setup time), save, load.
    let mut boots = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let c = Cluster::new(1);
        boots.push(t.elapsed().as_secs_f64() * 1000.0);
        drop(c);
    }
    println!(
        "{:<60} {:>10.1} ms  (runs: {boots:.1?})",
        "boot the default cluster (Cluster::new), best of 3",
        boots.iter().cloned().fold(f64::MAX, f64::min)
    );
    let mut cluster = Cluster::new(1);
    snapshot_restore(&cluster, "default cluster");

    // (a) Grow to `nodes` nodes and let every new kubelet register and turn Ready.
    let t = Instant::now();
    let existing = cluster.node_names().len();
    for _ in existing..nodes {
        if let Err(e) = cluster.add_node(None) {
            eprintln!("add_node failed: {e}");
            return;
        }
    }
    report(&format!("add {} nodes (add_node)", nodes.saturating_sub(existing)), t);
    let t = Instant::now();
    let v0 = cluster.now();
    while ready_nodes(&mut cluster) < nodes && cluster.now().unix_secs() - v0.unix_secs() < 600 {
        cluster.advance(Duration::from_secs(1));
    }
    let settle_to = v0.add(Duration::from_secs(60));
    if cluster.now() < settle_to {
        // Let DaemonSet pods on the new nodes start before measuring.
        let left = Duration::from_millis(settle_to.unix_millis() - cluster.now().unix_millis());
        cluster.advance(left);
    }
    report(
        &format!(
            "{} of {nodes} nodes Ready, then 60 s virtual settle ({} s virtual)",
            ready_nodes(&mut cluster),
            cluster.now().unix_secs() - v0.unix_secs()
        ),
        t,
    );

    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}}
    });
    let t = Instant::now();
    let v0 = cluster.now();
    if let Err(e) = cluster.request(ApiRequest::post(
        "/apis/apps/v1/namespaces/default/deployments",
        deployment,
    )) {
        eprintln!("create deployment failed: {e}");
        return;
    }
    let post_ms = t.elapsed().as_secs_f64() * 1000.0;
    let step = Duration::from_millis(500);
    let mut done = false;
    let mut progress = Vec::new();
    while cluster.now().unix_secs() - v0.unix_secs() < 1800 {
        let d = cluster
            .request(ApiRequest::get("/apis/apps/v1/namespaces/default/deployments/web"))
            .unwrap_or(Value::Null);
        if deployment_done(&d, replicas as u64) {
            let (ok, all) = pods_running_ready(&mut cluster);
            if ok == replicas && all == replicas {
                done = true;
                break;
            }
        }
        let secs = cluster.now().unix_millis() - v0.unix_millis();
        if secs % 5000 == 0 {
            let ready = d.pointer("/status/readyReplicas").and_then(Value::as_u64).unwrap_or(0);
            progress.push(format!(
                "{}s:{ready}ready@{:.0}ms",
                secs / 1000,
                t.elapsed().as_secs_f64() * 1000.0
            ));
        }
        cluster.advance(step);
    }
    let virtual_ms = cluster.now().unix_millis() - v0.unix_millis();
    report(
        &format!(
            "{replicas}-replica Deployment on {nodes} nodes {} after {:.1} s virtual",
            if done { "converged" } else { "DID NOT converge" },
            virtual_ms as f64 / 1000.0
        ),
        t,
    );
    println!("  (the POST alone, with the components reacting at once: {post_ms:.1} ms)");
    println!(
        "  progress (virtual s: ready replicas @ wall ms): {}",
        progress.join(" ")
    );

    snapshot_restore(&cluster, &format!("{nodes} nodes + {replicas} pods"));

    // Idle cost of the large cluster: one minute of virtual time with nothing to converge.
    let t = Instant::now();
    cluster.advance(Duration::from_secs(60));
    report("large cluster: advance 60 s virtual while idle", t);
}
