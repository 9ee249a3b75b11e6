//! The control-plane bench scenarios for wasm32, exported as plain C-ABI functions (no
//! wasm-bindgen: the core imports nothing), so a Node script can time each phase.

use apimachinery::{ApiClient, ApiRequest};
use cluster::Cluster;
use serde_json::{json, Value};
use sim::Duration;
use std::cell::RefCell;

thread_local! {
    static CLUSTER: RefCell<Option<Cluster>> = const { RefCell::new(None) };
    static SAVED: RefCell<String> = const { RefCell::new(String::new()) };
}

fn with<R>(f: impl FnOnce(&mut Cluster) -> R) -> Option<R> {
    CLUSTER.with(|c| c.borrow_mut().as_mut().map(f))
}

fn condition_true(obj: &Value, kind: &str) -> bool {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| cs.iter().any(|c| c["type"] == kind && c["status"] == "True"))
}

/// Boots the default cluster and keeps it; returns its node count.
#[no_mangle]
pub extern "C" fn boot() -> u32 {
    let mut c = Cluster::new(1);
    let n = c.node_names().len() as u32;
    CLUSTER.with(|slot| *slot.borrow_mut() = Some(c));
    n
}

/// Grows the cluster to `nodes` nodes and advances until all are Ready plus 60 s; returns the
/// Ready node count.
#[no_mangle]
pub extern "C" fn grow(nodes: u32) -> u32 {
    with(|c| {
        let have = c.node_names().len() as u32;
        for _ in have..nodes {
            if c.add_node(None).is_err() {
                break;
            }
        }
        let ready = |c: &mut Cluster| {
            c.request(ApiRequest::get("/api/v1/nodes"))
                .ok()
                .and_then(|l| {
                    l.get("items")
                        .and_then(Value::as_array)
                        .map(|i| i.iter().filter(|n| condition_true(n, "Ready")).count())
                })
                .unwrap_or(0) as u32
        };
        let v0 = c.now();
        while ready(c) < nodes && c.now().since(v0).as_secs() < 600 {
            c.advance(Duration::from_secs(1));
        }
        let left = 60_000 - c.now().since(v0).as_millis();
        if left > 0 {
            c.advance(Duration::from_millis(left));
        }
        ready(c)
    })
    .unwrap_or(0)
}

/// Creates a `replicas`-replica Deployment and advances in 500 ms steps until it is Available
/// with every replica ready; returns the virtual milliseconds taken (0: did not converge).
#[no_mangle]
pub extern "C" fn deploy(replicas: u32) -> u32 {
    with(|c| {
        let d = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}}}
        });
        if c.request(ApiRequest::post("/apis/apps/v1/namespaces/default/deployments", d)).is_err() {
            return 0;
        }
        let v0 = c.now();
        while c.now().since(v0).as_secs() < 1800 {
            let d = c.request(ApiRequest::get("/apis/apps/v1/namespaces/default/deployments/web")).unwrap_or(Value::Null);
            let st = |f: &str| d.pointer(&format!("/status/{f}")).and_then(Value::as_u64).unwrap_or(0);
            if st("readyReplicas") == u64::from(replicas)
                && st("availableReplicas") == u64::from(replicas)
                && st("updatedReplicas") == u64::from(replicas)
                && condition_true(&d, "Available")
            {
                return c.now().since(v0).as_millis() as u32;
            }
            c.advance(Duration::from_millis(500));
        }
        0
    })
    .unwrap_or(0)
}

/// Saves the cluster as JSON text (kept for `restore`); returns its length in bytes.
#[no_mangle]
pub extern "C" fn snapshot() -> u32 {
    let text = with(|c| serde_json::to_string(&c.snapshot()).unwrap_or_default()).unwrap_or_default();
    let n = text.len() as u32;
    SAVED.with(|s| *s.borrow_mut() = text);
    n
}

/// Restores the cluster from the saved text; returns 1 on success.
#[no_mangle]
pub extern "C" fn restore() -> u32 {
    let restored = SAVED.with(|s| {
        serde_json::from_str::<Value>(&s.borrow())
            .ok()
            .and_then(|v| Cluster::restore(v).ok())
    });
    match restored {
        Some(c) => {
            CLUSTER.with(|slot| *slot.borrow_mut() = Some(c));
            1
        }
        None => 0,
    }
}
