//! Columns of the platform kinds (flow control, admission policies, storage drivers, dynamic
//! resource allocation, certificates, events.k8s.io; APIService as kube-aggregator builds it), as
//! printers.go's handlers build them.

use super::{cols, event_cells, name, Printer};
use crate::printers::table::Column;
use crate::printers::util::*;
use serde_json::{json, Value};
use std::cmp::Ordering;

/// The columns and row printer of a platform kind, or `None` (the server's default table).
pub fn printer(group: &str, kind: &str) -> Option<(Vec<Column>, Printer)> {
    let age = ("Age", 0);
    Some(match (group, kind) {
        ("flowcontrol.apiserver.k8s.io", "FlowSchema") => (
            cols(&[
                ("Name", 0),
                ("PriorityLevel", 0),
                ("MatchingPrecedence", 0),
                ("DistinguisherMethod", 0),
                age,
                ("MissingPL", 0),
            ]),
            flow_schema_cells,
        ),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration") => (
            cols(&[
                ("Name", 0),
                ("Type", 0),
                ("NominalConcurrencyShares", 0),
                ("Queues", 0),
                ("HandSize", 0),
                ("QueueLengthLimit", 0),
                age,
            ]),
            priority_level_cells,
        ),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy") => (
            cols(&[("Name", 0), ("Validations", 0), ("ParamKind", 0), age]),
            |o, now, _| policy_cells(o, "spec.validations", now),
        ),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy") => (
            cols(&[("Name", 0), ("Mutations", 0), ("ParamKind", 0), age]),
            |o, now, _| policy_cells(o, "spec.mutations", now),
        ),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding")
        | ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding") => (
            cols(&[("Name", 0), ("PolicyName", 0), ("ParamRef", 0), age]),
            |o, now, _| {
                vec![
                    name(o),
                    s(o, "spec.policyName").to_string(),
                    param_ref(at(o, "spec.paramRef")),
                    creation_age(o, now),
                ]
            },
        ),
        ("certificates.k8s.io", "ClusterTrustBundle") => (cols(&[("Name", 0), ("SignerName", 0)]), |o, _, _| {
            vec![name(o), or_none(s(o, "spec.signerName"))]
        }),
        ("storage.k8s.io", "VolumeAttachment") => (
            cols(&[
                ("Name", 0),
                ("Attacher", 0),
                ("PV", 0),
                ("Node", 0),
                ("Attached", 0),
                age,
            ]),
            |o, now, _| {
                vec![
                    name(o),
                    s(o, "spec.attacher").to_string(),
                    s(o, "spec.source.persistentVolumeName").to_string(),
                    s(o, "spec.nodeName").to_string(),
                    b(o, "status.attached").to_string(),
                    creation_age(o, now),
                ]
            },
        ),
        ("storage.k8s.io", "CSIDriver") => (
            cols(&[
                ("Name", 0),
                ("AttachRequired", 0),
                ("PodInfoOnMount", 0),
                ("StorageCapacity", 0),
                ("TokenRequests", 0),
                ("RequiresRepublish", 0),
                ("Modes", 0),
                age,
            ]),
            csi_driver_cells,
        ),
        // kube-aggregator's own table convertor.
        ("apiregistration.k8s.io", "APIService") => (
            cols(&[("Name", 0), ("Service", 0), ("Available", 0), age]),
            |o, now, _| {
                let service = match at(o, "spec.service") {
                    Value::Null => "Local".to_string(),
                    svc => format!("{}/{}", s(svc, "namespace"), s(svc, "name")),
                };
                let available = match arr(o, "status.conditions").iter().find(|c| s(c, "type") == "Available") {
                    None => "Unknown".to_string(),
                    Some(c) if s(c, "status") != "True" && !s(c, "reason").is_empty() => {
                        format!("{} ({})", s(c, "status"), s(c, "reason"))
                    }
                    Some(c) => s(c, "status").to_string(),
                };
                vec![name(o), service, available, creation_age(o, now)]
            },
        ),
        ("storage.k8s.io", "VolumeAttributesClass") => (cols(&[("Name", 0), ("DriverName", 0), age]), |o, now, _| {
            vec![name(o), s(o, "driverName").to_string(), creation_age(o, now)]
        }),
        ("resource.k8s.io", "DeviceClass") | ("resource.k8s.io", "ResourceClaimTemplate") => {
            (cols(&[("Name", 0), age]), |o, now, _| {
                vec![name(o), creation_age(o, now)]
            })
        }
        ("resource.k8s.io", "ResourceClaim") => (cols(&[("Name", 0), ("State", 0), age]), |o, now, _| {
            vec![name(o), resource_claim_state(o), creation_age(o, now)]
        }),
        ("resource.k8s.io", "ResourceSlice") => (
            cols(&[("Name", 0), ("Node", 0), ("Driver", 0), ("Pool", 0), age]),
            |o, now, _| {
                vec![
                    name(o),
                    s(o, "spec.nodeName").to_string(),
                    s(o, "spec.driver").to_string(),
                    s(o, "spec.pool.name").to_string(),
                    creation_age(o, now),
                ]
            },
        ),
        // The server converts events.k8s.io Events to core Events and prints those.
        ("events.k8s.io", "Event") => {
            let (columns, _) = super::event_columns();
            (columns, |o, now, wide| event_cells(&core_event(o), now, wide))
        }
        _ => return None,
    })
}

/// The order a kind's list printer puts rows in: FlowSchemas by matching precedence, then name
/// (FlowSchemaSequence); everything else as listed.
pub fn row_order(group: &str, kind: &str, a: &Value, b: &Value) -> Ordering {
    if (group, kind) == ("flowcontrol.apiserver.k8s.io", "FlowSchema") {
        return i(a, "spec.matchingPrecedence")
            .cmp(&i(b, "spec.matchingPrecedence"))
            .then_with(|| s(a, "metadata.name").cmp(s(b, "metadata.name")));
    }
    Ordering::Equal
}

fn or_none(x: &str) -> String {
    if x.is_empty() {
        "<none>".to_string()
    } else {
        x.to_string()
    }
}

fn flow_schema_cells(o: &Value, now: i64, _wide: bool) -> Vec<String> {
    let distinguisher = match at(o, "spec.distinguisherMethod") {
        Value::Null => "<none>".to_string(),
        d => s(d, "type").to_string(),
    };
    let missing = arr(o, "status.conditions")
        .iter()
        .find(|c| s(c, "type") == "Dangling")
        .map(|c| s(c, "status").to_string())
        .unwrap_or_else(|| "?".to_string());
    vec![
        name(o),
        s(o, "spec.priorityLevelConfiguration.name").to_string(),
        i(o, "spec.matchingPrecedence").to_string(),
        distinguisher,
        creation_age(o, now),
        missing,
    ]
}

fn priority_level_cells(o: &Value, now: i64, _wide: bool) -> Vec<String> {
    let none = || "<none>".to_string();
    let (mut shares, mut queues, mut hand, mut limit) = (none(), none(), none(), none());
    let limited = at(o, "spec.limited");
    if !limited.is_null() {
        shares = i(limited, "nominalConcurrencyShares").to_string();
        let queuing = at(limited, "limitResponse.queuing");
        if !queuing.is_null() {
            queues = i(queuing, "queues").to_string();
            hand = i(queuing, "handSize").to_string();
            limit = i(queuing, "queueLengthLimit").to_string();
        }
    }
    vec![
        name(o),
        s(o, "spec.type").to_string(),
        shares,
        queues,
        hand,
        limit,
        creation_age(o, now),
    ]
}

fn policy_cells(o: &Value, rules: &str, now: i64) -> Vec<String> {
    let param_kind = match at(o, "spec.paramKind") {
        Value::Null => "<unset>".to_string(),
        p => format!("{}/{}", s(p, "apiVersion"), s(p, "kind")),
    };
    vec![name(o), len_of(o, rules).to_string(), param_kind, creation_age(o, now)]
}

/// A binding's ParamRef column: `namespace/name`, `*/name`, or the selector as Go's String().
fn param_ref(pr: &Value) -> String {
    if pr.is_null() {
        return "<unset>".to_string();
    }
    let (ns, n) = (s(pr, "namespace"), s(pr, "name"));
    if !n.is_empty() {
        return if ns.is_empty() {
            format!("*/{n}")
        } else {
            format!("{ns}/{n}")
        };
    }
    match at(pr, "selector") {
        Value::Null => "<unset>".to_string(),
        sel => label_selector_go_string(sel),
    }
}

/// metav1.LabelSelector's generated String().
fn label_selector_go_string(sel: &Value) -> String {
    let mut labels = String::from("map[string]string{");
    if let Some(m) = at(sel, "matchLabels").as_object() {
        // serde_json maps iterate sorted, as the generated code sorts the keys
        for (k, v) in m {
            labels.push_str(&format!("{k}: {},", v.as_str().unwrap_or("")));
        }
    }
    labels.push('}');
    let mut exprs = String::from("[]LabelSelectorRequirement{");
    for e in arr(sel, "matchExpressions") {
        let values: Vec<String> = arr(e, "values").iter().map(scalar_string).collect();
        exprs.push_str(&format!(
            "LabelSelectorRequirement{{Key:{},Operator:{},Values:[{}],}},",
            s(e, "key"),
            s(e, "operator"),
            values.join(" ")
        ));
    }
    exprs.push('}');
    format!("&LabelSelector{{MatchLabels:{labels},MatchExpressions:{exprs},}}")
}

fn csi_driver_cells(o: &Value, now: i64, _wide: bool) -> Vec<String> {
    let flag = |path: &str, default: bool| at(o, path).as_bool().unwrap_or(default).to_string();
    let modes: Vec<String> = arr(o, "spec.volumeLifecycleModes").iter().map(scalar_string).collect();
    let token_requests = match at(o, "spec.tokenRequests") {
        Value::Array(list) => list.iter().map(|t| s(t, "audience")).collect::<Vec<_>>().join(","),
        _ => "<unset>".to_string(),
    };
    vec![
        name(o),
        flag("spec.attachRequired", true),
        flag("spec.podInfoOnMount", false),
        flag("spec.storageCapacity", false),
        token_requests,
        flag("spec.requiresRepublish", false),
        if modes.is_empty() {
            "<none>".to_string()
        } else {
            modes.join(",")
        },
        creation_age(o, now),
    ]
}

/// resourceClaimState: deleted, pending, allocated, reserved.
fn resource_claim_state(o: &Value) -> String {
    let deleted = !at(o, "metadata.deletionTimestamp").is_null();
    let mut states = Vec::new();
    if deleted {
        states.push("deleted");
    }
    if at(o, "status.allocation").is_null() {
        if !deleted {
            states.push("pending");
        }
    } else {
        states.push("allocated");
        if !arr(o, "status.reservedFor").is_empty() {
            states.push("reserved");
        }
    }
    states.join(",")
}

/// An events.k8s.io/v1 Event in core/v1's field names (the internal type both convert to).
fn core_event(o: &Value) -> Value {
    json!({
        "metadata": at(o, "metadata"),
        "involvedObject": at(o, "regarding"),
        "reason": at(o, "reason"),
        "message": at(o, "note"),
        "type": at(o, "type"),
        "source": at(o, "deprecatedSource"),
        "firstTimestamp": at(o, "deprecatedFirstTimestamp"),
        "lastTimestamp": at(o, "deprecatedLastTimestamp"),
        "count": at(o, "deprecatedCount"),
        "eventTime": at(o, "eventTime"),
        "series": at(o, "series"),
        "reportingComponent": at(o, "reportingController"),
        "reportingInstance": at(o, "reportingInstance"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printers::kinds::build_table;

    const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn headers_and_rows(group: &str, kind: &str, items: &[Value]) -> (Vec<String>, Vec<Vec<String>>) {
        let t = build_table(group, kind, items, T0 + 300, false, None);
        let headers = t.columns.iter().map(|c| c.name.clone()).collect();
        let rows = t
            .rows
            .iter()
            .map(|r| r.cells.iter().map(|c| c.clone().unwrap_or_default()).collect())
            .collect();
        (headers, rows)
    }

    fn meta(n: &str) -> Value {
        json!({"name": n, "creationTimestamp": "2026-01-01T00:00:00Z"})
    }

    #[test]
    fn flow_schemas_sort_by_precedence_and_show_dangling_status() {
        let fs = |n: &str, p: i64, pl: &str, dm: Value| {
            json!({"metadata": meta(n), "spec": {"matchingPrecedence": p, "priorityLevelConfiguration": {"name": pl},
                "distinguisherMethod": dm}, "status": {"conditions": [{"type": "Dangling", "status": "False"}]}})
        };
        let items = [
            fs("global-default", 9900, "global-default", json!({"type": "ByUser"})),
            fs("exempt", 1, "exempt", Value::Null),
            fs("catch-all", 10000, "catch-all", json!({"type": "ByUser"})),
        ];
        let (h, rows) = headers_and_rows("flowcontrol.apiserver.k8s.io", "FlowSchema", &items);
        assert_eq!(
            h,
            [
                "Name",
                "PriorityLevel",
                "MatchingPrecedence",
                "DistinguisherMethod",
                "Age",
                "MissingPL"
            ]
        );
        assert_eq!(rows[0], ["exempt", "exempt", "1", "<none>", "5m", "False"]);
        assert_eq!(rows[1][0], "global-default");
        assert_eq!(rows[2], ["catch-all", "catch-all", "10000", "ByUser", "5m", "False"]);
    }

    #[test]
    fn priority_levels_print_none_for_exempt_and_reject() {
        let exempt = json!({"metadata": meta("exempt"), "spec": {"type": "Exempt", "exempt": {}}});
        let queued = json!({"metadata": meta("workload-low"), "spec": {"type": "Limited", "limited": {
            "nominalConcurrencyShares": 100, "limitResponse": {"type": "Queue",
            "queuing": {"queues": 128, "handSize": 6, "queueLengthLimit": 50}}}}});
        let reject = json!({"metadata": meta("catch-all"), "spec": {"type": "Limited", "limited": {
            "nominalConcurrencyShares": 5, "limitResponse": {"type": "Reject"}}}});
        let (_, rows) = headers_and_rows(
            "flowcontrol.apiserver.k8s.io",
            "PriorityLevelConfiguration",
            &[exempt, queued, reject],
        );
        assert_eq!(
            rows[0],
            ["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>", "5m"]
        );
        assert_eq!(rows[1], ["workload-low", "Limited", "100", "128", "6", "50", "5m"]);
        assert_eq!(
            rows[2],
            ["catch-all", "Limited", "5", "<none>", "<none>", "<none>", "5m"]
        );
    }

    #[test]
    fn admission_policies_and_bindings() {
        let vap = json!({"metadata": meta("p"), "spec": {"validations": [{"expression": "true"}, {"expression": "1 == 1"}],
            "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"}}});
        let (h, rows) = headers_and_rows("admissionregistration.k8s.io", "ValidatingAdmissionPolicy", &[vap]);
        assert_eq!(h, ["Name", "Validations", "ParamKind", "Age"]);
        assert_eq!(rows[0], ["p", "2", "v1/ConfigMap", "5m"]);
        let binding = |pr: Value| json!({"metadata": meta("b"), "spec": {"policyName": "p", "paramRef": pr}});
        let items = [
            binding(json!({"name": "cfg", "namespace": "default"})),
            binding(json!({"name": "cfg"})),
            binding(Value::Null),
            binding(json!({"selector": {"matchLabels": {"a": "b"}}})),
        ];
        let (_, rows) = headers_and_rows("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding", &items);
        let params: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
        assert_eq!(
            params,
            [
                "default/cfg",
                "*/cfg",
                "<unset>",
                "&LabelSelector{MatchLabels:map[string]string{a: b,},MatchExpressions:[]LabelSelectorRequirement{},}"
            ]
        );
    }

    #[test]
    fn storage_and_resource_kinds() {
        let driver =
            json!({"metadata": meta("csi.example.com"), "spec": {"volumeLifecycleModes": ["Persistent", "Ephemeral"]}});
        let (h, rows) = headers_and_rows("storage.k8s.io", "CSIDriver", &[driver]);
        assert_eq!(
            h,
            [
                "Name",
                "AttachRequired",
                "PodInfoOnMount",
                "StorageCapacity",
                "TokenRequests",
                "RequiresRepublish",
                "Modes",
                "Age"
            ]
        );
        assert_eq!(
            rows[0],
            [
                "csi.example.com",
                "true",
                "false",
                "false",
                "<unset>",
                "false",
                "Persistent,Ephemeral",
                "5m"
            ]
        );
        let claim = |status: Value| json!({"metadata": meta("c"), "status": status});
        let (_, rows) = headers_and_rows(
            "resource.k8s.io",
            "ResourceClaim",
            &[
                claim(json!({})),
                claim(json!({"allocation": {}, "reservedFor": [{"name": "p"}]})),
            ],
        );
        assert_eq!(rows[0][1], "pending");
        assert_eq!(rows[1][1], "allocated,reserved");
        // CSIStorageCapacity's storage registers the default table convertor.
        let cap = json!({"metadata": meta("cap"), "storageClassName": "fast"});
        let (h, _) = headers_and_rows("storage.k8s.io", "CSIStorageCapacity", &[cap]);
        assert_eq!(h, ["Name", "Created At"]);
        let api = |service: Value, cond: Value| {
            json!({"metadata": meta("v1beta1.metrics.k8s.io"),
            "spec": {"service": service}, "status": {"conditions": [cond]}})
        };
        let (h, rows) = headers_and_rows(
            "apiregistration.k8s.io",
            "APIService",
            &[
                api(
                    json!({"namespace": "kube-system", "name": "metrics-server"}),
                    json!({"type": "Available", "status": "True"}),
                ),
                api(
                    Value::Null,
                    json!({"type": "Available", "status": "False", "reason": "MissingEndpoints"}),
                ),
            ],
        );
        assert_eq!(h, ["Name", "Service", "Available", "Age"]);
        assert_eq!(rows[0][1..3], ["kube-system/metrics-server", "True"]);
        assert_eq!(rows[1][1..3], ["Local", "False (MissingEndpoints)"]);
    }

    #[test]
    fn events_k8s_io_events_print_as_core_events() {
        let ev = json!({"metadata": meta("e1"), "regarding": {"kind": "Pod", "name": "web"}, "reason": "Pulled",
            "note": "pulled ", "type": "Normal", "eventTime": "2026-01-01T00:01:00.000000Z",
            "reportingController": "kubelet", "reportingInstance": "node01"});
        let (h, rows) = headers_and_rows("events.k8s.io", "Event", std::slice::from_ref(&ev));
        let (core_h, _) = headers_and_rows("", "Event", &[core_event(&ev)]);
        assert_eq!(h, core_h);
        assert_eq!(
            rows[0],
            [
                "4m",
                "Normal",
                "Pulled",
                "pod/web",
                "",
                "kubelet, node01",
                "pulled",
                "4m",
                "1",
                "e1"
            ]
        );
    }
}
