//! API Priority and Fairness: the mandatory and suggested PriorityLevelConfigurations and
//! FlowSchemas kube-apiserver creates at start (k8s.io/apiserver flowcontrol/bootstrap).

use serde_json::{json, Value};

const AUTO_UPDATE: &str = "apf.kubernetes.io/autoupdate-spec";

fn meta(name: &str) -> Value {
    json!({"name": name, "annotations": {AUTO_UPDATE: "true"}})
}

/// A Limited level: (name, nominal shares, lendable percent, queuing as (queues, hand size,
/// queue length limit), or `None` to reject).
fn limited(name: &str, shares: i64, lendable: i64, queuing: Option<(i64, i64, i64)>) -> Value {
    let limit_response = match queuing {
        Some((queues, hand, length)) => json!({"type": "Queue", "queuing": {
            "queues": queues, "handSize": hand, "queueLengthLimit": length}}),
        None => json!({"type": "Reject"}),
    };
    json!({
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration",
        "metadata": meta(name),
        "spec": {"type": "Limited", "limited": {
            "nominalConcurrencyShares": shares, "lendablePercent": lendable, "limitResponse": limit_response}},
    })
}

pub fn priority_level_configurations() -> Vec<Value> {
    vec![
        limited("catch-all", 5, 0, None),
        json!({
            "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "PriorityLevelConfiguration",
            "metadata": meta("exempt"),
            "spec": {"type": "Exempt", "exempt": {"nominalConcurrencyShares": 0, "lendablePercent": 0}},
        }),
        limited("system", 30, 33, Some((64, 6, 50))),
        limited("node-high", 40, 25, Some((64, 6, 50))),
        limited("leader-election", 10, 0, Some((16, 4, 50))),
        limited("workload-high", 40, 50, Some((128, 6, 50))),
        limited("workload-low", 100, 90, Some((128, 6, 50))),
        limited("global-default", 20, 50, Some((128, 6, 50))),
    ]
}

fn groups(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|n| json!({"kind": "Group", "group": {"name": n}}))
        .collect()
}

fn users(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|n| json!({"kind": "User", "user": {"name": n}}))
        .collect()
}

fn kube_system_service_accounts(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .map(|n| json!({"kind": "ServiceAccount", "serviceAccount": {"name": n, "namespace": "kube-system"}}))
        .collect()
}

fn resource_rule(verbs: &[&str], groups: &[&str], resources: &[&str], namespaces: &[&str], cluster: bool) -> Value {
    let mut rule = json!({"verbs": verbs, "apiGroups": groups, "resources": resources, "namespaces": namespaces});
    if cluster {
        rule["clusterScope"] = json!(true);
    }
    rule
}

/// Every verb on every resource anywhere, and every non-resource URL.
fn everything() -> (Vec<Value>, Vec<Value>) {
    (
        vec![resource_rule(&["*"], &["*"], &["*"], &["*"], true)],
        vec![json!({"verbs": ["*"], "nonResourceURLs": ["*"]})],
    )
}

fn flow_schema(
    name: &str,
    level: &str,
    precedence: i64,
    distinguisher: Option<&str>,
    subjects: Vec<Value>,
    rules: (Vec<Value>, Vec<Value>),
) -> Value {
    let mut rule = json!({"subjects": subjects});
    if !rules.0.is_empty() {
        rule["resourceRules"] = json!(rules.0);
    }
    if !rules.1.is_empty() {
        rule["nonResourceRules"] = json!(rules.1);
    }
    let mut spec = json!({
        "priorityLevelConfiguration": {"name": level},
        "matchingPrecedence": precedence,
        "rules": [rule],
    });
    if let Some(d) = distinguisher {
        spec["distinguisherMethod"] = json!({"type": d});
    }
    json!({
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema",
        "metadata": meta(name),
        "spec": spec,
    })
}

pub fn flow_schemas() -> Vec<Value> {
    const KCM: &str = "system:kube-controller-manager";
    const SCHED: &str = "system:kube-scheduler";
    let everyone = || groups(&["system:unauthenticated", "system:authenticated"]);
    let leader_rules = |endpoint_namespaces: &[&str]| {
        (
            vec![
                resource_rule(
                    &["get", "create", "update"],
                    &[""],
                    &["endpoints", "configmaps"],
                    endpoint_namespaces,
                    false,
                ),
                resource_rule(
                    &["get", "create", "update"],
                    &["coordination.k8s.io"],
                    &["leases"],
                    &["*"],
                    false,
                ),
            ],
            vec![],
        )
    };
    let mut system_leaders = users(&[KCM, SCHED]);
    system_leaders.extend(kube_system_service_accounts(&["*"]));
    let mut endpoint_writers = users(&[KCM]);
    endpoint_writers.extend(kube_system_service_accounts(&[
        "endpoint-controller",
        "endpointslicemirroring-controller",
    ]));
    vec![
        flow_schema("exempt", "exempt", 1, None, groups(&["system:masters"]), everything()),
        flow_schema(
            "catch-all",
            "catch-all",
            10000,
            Some("ByUser"),
            everyone(),
            everything(),
        ),
        flow_schema(
            "system-nodes",
            "system",
            500,
            Some("ByUser"),
            groups(&["system:nodes"]),
            everything(),
        ),
        flow_schema(
            "system-node-high",
            "node-high",
            400,
            Some("ByUser"),
            groups(&["system:nodes"]),
            (
                vec![
                    resource_rule(&["*"], &[""], &["nodes", "nodes/status"], &["*"], true),
                    resource_rule(&["*"], &["coordination.k8s.io"], &["leases"], &["*"], false),
                ],
                vec![],
            ),
        ),
        flow_schema(
            "probes",
            "exempt",
            2,
            None,
            everyone(),
            (
                vec![],
                vec![json!({"verbs": ["get"], "nonResourceURLs": ["/healthz", "/readyz", "/livez"]})],
            ),
        ),
        flow_schema(
            "system-leader-election",
            "leader-election",
            100,
            Some("ByUser"),
            system_leaders,
            leader_rules(&["kube-system"]),
        ),
        flow_schema(
            "workload-leader-election",
            "leader-election",
            200,
            Some("ByUser"),
            kube_system_service_accounts(&["*"]),
            leader_rules(&["*"]),
        ),
        flow_schema(
            "endpoint-controller",
            "workload-high",
            150,
            Some("ByUser"),
            endpoint_writers,
            (
                vec![resource_rule(
                    &["get", "create", "update"],
                    &[""],
                    &["endpoints"],
                    &["*"],
                    false,
                )],
                vec![],
            ),
        ),
        flow_schema(
            "kube-controller-manager",
            "workload-high",
            800,
            Some("ByNamespace"),
            users(&[KCM]),
            everything(),
        ),
        flow_schema(
            "kube-scheduler",
            "workload-high",
            800,
            Some("ByNamespace"),
            users(&[SCHED]),
            everything(),
        ),
        flow_schema(
            "kube-system-service-accounts",
            "workload-high",
            900,
            Some("ByNamespace"),
            kube_system_service_accounts(&["*"]),
            everything(),
        ),
        flow_schema(
            "service-accounts",
            "workload-low",
            9000,
            Some("ByUser"),
            groups(&["system:serviceaccounts"]),
            everything(),
        ),
        flow_schema(
            "global-default",
            "global-default",
            9900,
            Some("ByUser"),
            everyone(),
            everything(),
        ),
    ]
}

/// The status the APF config controller writes: each FlowSchema's level exists.
pub fn flow_schema_status(fs: &Value, now: &str) -> Value {
    let level = fs
        .pointer("/spec/priorityLevelConfiguration/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    json!({"conditions": [{
        "type": "Dangling", "status": "False", "lastTransitionTime": now, "reason": "Found",
        "message": format!("This FlowSchema references the PriorityLevelConfiguration object named \"{level}\" and it exists"),
    }]})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flow_schema_names_an_existing_level() {
        let levels: Vec<String> = priority_level_configurations()
            .iter()
            .map(|p| p["metadata"]["name"].as_str().unwrap_or("").to_string())
            .collect();
        let schemas = flow_schemas();
        assert_eq!(schemas.len(), 13);
        for fs in &schemas {
            let level = fs["spec"]["priorityLevelConfiguration"]["name"].as_str().unwrap_or("");
            assert!(levels.iter().any(|l| l == level), "{level}");
        }
    }
}
