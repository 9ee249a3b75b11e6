//! Whatever the API server stores survives a save and a restore with its checks: an object of
//! every kind it serves, created in every version it serves (tests/files/every-kind.yaml),
//! with the status the controllers write after a minute and a half, is restored — none
//! dropped — and the restored cluster answers `kubectl get … -A -o yaml` for every resource
//! in every version exactly as the saved one did.

use std::collections::BTreeSet;

use serde_json::{json, Value};

const EVERY_KIND: &str = include_str!("files/every-kind.yaml");
const CUSTOM: &str = include_str!("files/every-kind-custom.yaml");

fn run(sh: &mut shell::Shell, line: &str) -> String {
    let r = sh.run_line(line);
    assert_eq!(r.exit_code, 0, "{line}: {}", r.output.combined());
    r.output.combined()
}

fn raw(sh: &mut shell::Shell, path: &str) -> Value {
    serde_json::from_str(&run(sh, &format!("kubectl get --raw {path}"))).unwrap_or(Value::Null)
}

/// A served resource (no subresource): what `kubectl get` names it by, the apiVersion of its
/// version, its kind and verbs.
struct Served {
    arg: String,
    api_version: String,
    kind: String,
    verbs: Vec<String>,
}

/// Every resource the server serves, in every version, read from discovery as kubectl does.
fn served(sh: &mut shell::Shell) -> Vec<Served> {
    let mut versions = vec![("".to_string(), "v1".to_string())];
    let groups = raw(sh, "/apis");
    for g in groups["groups"].as_array().into_iter().flatten() {
        for v in g["versions"].as_array().into_iter().flatten() {
            let name = g["name"].as_str().unwrap_or_default().to_string();
            versions.push((name, v["version"].as_str().unwrap_or_default().to_string()));
        }
    }
    let mut out = Vec::new();
    for (group, version) in versions {
        let (path, api_version) = if group.is_empty() {
            ("/api/v1".to_string(), version.clone())
        } else {
            (format!("/apis/{group}/{version}"), format!("{group}/{version}"))
        };
        let list = raw(sh, &path);
        for r in list["resources"].as_array().into_iter().flatten() {
            let plural = r["name"].as_str().unwrap_or_default();
            if plural.contains('/') {
                continue;
            }
            out.push(Served {
                arg: if group.is_empty() {
                    plural.to_string()
                } else {
                    format!("{plural}.{version}.{group}")
                },
                api_version: api_version.clone(),
                kind: r["kind"].as_str().unwrap_or_default().to_string(),
                verbs: r["verbs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
            });
        }
    }
    out
}

/// `(apiVersion, kind)` of every document of a manifest (each starts with those two lines).
fn manifest_kinds(text: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut api_version = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("apiVersion: ") {
            api_version = Some(v.trim().to_string());
        } else if let (Some(k), Some(v)) = (line.strip_prefix("kind: "), api_version.take()) {
            out.insert((v, k.trim().to_string()));
        }
    }
    out
}

fn busy_cluster() -> shell::Shell {
    let mut sh = shell::Shell::new(cluster::Cluster::new(1), Box::new(shell::MemoryFs::default()));
    sh.fs_mut()
        .write_file("/root/every-kind.yaml", EVERY_KIND, false)
        .unwrap();
    sh.fs_mut().write_file("/root/custom.yaml", CUSTOM, false).unwrap();
    run(&mut sh, "kubectl apply -f every-kind.yaml");
    run(&mut sh, "kubectl apply -f custom.yaml");
    // Controllers write status: Deployments, ReplicaSets, Jobs (and a CronJob's), HPAs, the
    // PDB, DaemonSets, StatefulSets, Nodes, Endpoints, EndpointSlices, Leases, Events.
    run(&mut sh, "sleep 90");
    sh
}

#[test]
fn every_kind_in_every_version_survives_a_restore_unchanged() {
    let mut saved = busy_cluster();
    let resources = served(&mut saved);

    // The manifest covers every resource that is created and stored, in every version.
    let created = manifest_kinds(EVERY_KIND);
    let custom = manifest_kinds(CUSTOM);
    let stored = |r: &&Served| r.verbs.iter().any(|v| v == "create") && r.verbs.iter().any(|v| v == "get");
    let missing: Vec<String> = resources
        .iter()
        .filter(stored)
        .filter(|r| {
            let key = (r.api_version.clone(), r.kind.clone());
            !created.contains(&key) && !custom.contains(&key)
        })
        .map(|r| r.arg.clone())
        .collect();
    assert!(missing.is_empty(), "no object in every-kind.yaml for {missing:?}");

    let snapshot = saved.cluster().snapshot();
    let restored = cluster::Cluster::restore(snapshot).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(restored.dropped_on_restore(), &[] as &[String]);
    let mut restored = shell::Shell::new(restored, Box::new(shell::MemoryFs::default()));

    let mut compared = 0;
    for r in resources.iter().filter(|r| r.verbs.iter().any(|v| v == "list")) {
        let line = format!("kubectl get {} -A -o yaml", r.arg);
        let before = run(&mut saved, &line);
        let after = run(&mut restored, &line);
        assert_eq!(before, after, "{line}");
        compared += 1;
    }
    assert!(compared > 60, "only {compared} resources listed");
}

#[test]
fn a_v1_autoscaler_keeps_its_status_in_annotations_and_a_restored_cluster_keeps_scaling() {
    let mut sh = busy_cluster();
    let v1 = run(
        &mut sh,
        "kubectl get horizontalpodautoscalers.v1.autoscaling frontend-scaler -o jsonpath='{.metadata.annotations}'",
    );
    let ann: Value = serde_json::from_str(&v1).unwrap_or(Value::Null);
    let conditions: Value = ann["autoscaling.alpha.kubernetes.io/conditions"]
        .as_str()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null);
    assert_eq!(conditions[0]["type"], "AbleToScale", "{v1}");
    assert!(
        ann["autoscaling.alpha.kubernetes.io/current-metrics"].is_string(),
        "{v1}"
    );
    // Read as v2 the same object has them as fields, and the v1 target as a metric.
    let v2 = run(&mut sh, "kubectl get hpa frontend-scaler -o json");
    let v2: Value = serde_json::from_str(&v2).unwrap_or(Value::Null);
    assert_eq!(v2["status"]["conditions"][0]["type"], "AbleToScale");
    assert_eq!(
        v2["spec"]["metrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}])
    );
    assert!(v2["metadata"]["annotations"]
        .as_object()
        .is_some_and(|a| a.keys().all(|k| !k.starts_with("autoscaling.alpha"))));

    let restored = cluster::Cluster::restore(sh.cluster().snapshot()).unwrap_or_else(|e| panic!("{e}"));
    let mut restored = shell::Shell::new(restored, Box::new(shell::MemoryFs::default()));
    run(&mut restored, "sleep 30");
    let out = run(&mut restored, "kubectl get hpa frontend-scaler");
    assert!(out.contains("ReplicaSet/frontend"), "{out}");
}

#[test]
fn a_save_holding_a_v1_autoscaler_from_an_older_build_is_migrated_not_dropped() {
    let sh = busy_cluster();
    let mut snapshot = sh.cluster().snapshot();
    // What the broken build stored: the v1 object with the v2 controller's status merged in.
    let key = "/apiserver/store/~1registry~1horizontalpodautoscalers/default~1frontend-scaler";
    let Some(obj) = snapshot.pointer_mut(key) else {
        panic!("no stored frontend-scaler");
    };
    let rv = obj["metadata"]["resourceVersion"].clone();
    *obj = json!({
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "frontend-scaler", "namespace": "default", "resourceVersion": rv,
            "uid": "03c54ecb-d37f-4708-915b-7c9f086ee5ff", "generation": 1,
            "creationTimestamp": "2026-01-01T00:05:00Z"},
        "spec": {"maxReplicas": 10, "minReplicas": 3, "scaleTargetRef": {"kind": "ReplicaSet", "name": "frontend"},
            "targetCPUUtilizationPercentage": 50},
        "status": {"conditions": [{"type": "AbleToScale", "status": "True", "lastTransitionTime": "2026-01-01T00:05:00Z",
            "reason": "SucceededGetScale", "message": "the HPA controller was able to get the target's current scale"}],
            "currentReplicas": 3, "desiredReplicas": 3},
    });
    let restored = cluster::Cluster::restore(snapshot).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(restored.dropped_on_restore(), &[] as &[String]);
    let mut restored = shell::Shell::new(restored, Box::new(shell::MemoryFs::default()));
    let out = run(
        &mut restored,
        "kubectl get hpa frontend-scaler -o jsonpath='{.spec.metrics[0].resource.target}'",
    );
    assert_eq!(out, r#"{"averageUtilization":50,"type":"Utilization"}"#);
}
