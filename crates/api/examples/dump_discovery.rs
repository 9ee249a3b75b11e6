//! Writes kubeplay's discovery documents as one JSON object `{path: document}` to stdout, for
//! tests/transcripts/record.py: the real kubectl then resolves resources against our table.
//!
//! Usage: cargo run -p api --example dump_discovery > tests/transcripts/discovery.json

use serde_json::{Map, Value};

fn main() {
    let d = api::Discovery::builtin();
    let mut docs = Map::new();
    docs.insert("/api".to_string(), d.api_versions_json());
    docs.insert("/apis".to_string(), d.api_group_list_json());
    for (group, versions) in d.groups() {
        for version in versions {
            let path = if group.is_empty() {
                format!("/api/{version}")
            } else {
                format!("/apis/{group}/{version}")
            };
            if let Some(doc) = d.api_resource_list_json(&group, &version) {
                docs.insert(path, doc);
            }
        }
        if !group.is_empty() {
            if let Some(doc) = d.api_group_json(&group) {
                docs.insert(format!("/apis/{group}"), doc);
            }
        }
    }
    docs.insert(
        "/version".to_string(),
        serde_json::json!({
            "major": "1", "minor": "37", "gitVersion": "v1.37.1", "gitCommit": "kubeplay", "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.25.0", "compiler": "gc", "platform": "linux/amd64",
        }),
    );
    match serde_json::to_string_pretty(&Value::Object(docs)) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("dump_discovery: {e}"),
    }
}
