//! Writes the default cluster's discovery documents as one JSON object `{path: document}` to
//! stdout, for tests/transcripts/record.py: the real kubectl then resolves resources against
//! exactly what kubeplay serves (aggregated APIs such as metrics.k8s.io included).
//!
//! Usage: cargo run --example dump_discovery > tests/transcripts/discovery.json

use apimachinery::{ApiClient, ApiRequest};
use serde_json::{Map, Value};

fn main() {
    let mut cluster = cluster::Cluster::new(1);
    let mut docs = Map::new();
    let mut get = |path: &str, docs: &mut Map<String, Value>| -> Option<Value> {
        let v = cluster.request(ApiRequest::get(path)).ok()?;
        docs.insert(path.to_string(), v.clone());
        Some(v)
    };
    get("/version", &mut docs);
    get("/api", &mut docs);
    get("/api/v1", &mut docs);
    let groups = get("/apis", &mut docs).unwrap_or_default();
    for g in groups.get("groups").and_then(Value::as_array).into_iter().flatten() {
        let Some(name) = g.get("name").and_then(Value::as_str) else {
            continue;
        };
        get(&format!("/apis/{name}"), &mut docs);
        for v in g.get("versions").and_then(Value::as_array).into_iter().flatten() {
            if let Some(gv) = v.get("groupVersion").and_then(Value::as_str) {
                get(&format!("/apis/{gv}"), &mut docs);
            }
        }
    }
    match serde_json::to_string_pretty(&Value::Object(docs)) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("dump_discovery: {e}"),
    }
}
