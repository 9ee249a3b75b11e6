//! JSON as Go's encoding/json writes kubectl's *typed* objects (generators, `run`, `expose`,
//! `set`): fields in Go struct declaration order, not sorted. Maps (labels, data, selectors
//! of Services, resource lists) stay sorted, as Go sorts map keys. Unstructured objects
//! (what `get` and `apply` print) are sorted and use apimachinery's encoder instead.

use apimachinery::yaml::go_json_string;
use serde_json::Value;

const ROOT: &[&str] = &[
    "kind",
    "apiVersion",
    "metadata",
    "immutable",
    "data",
    "binaryData",
    "stringData",
    "type",
    "rules",
    "aggregationRule",
    "subjects",
    "roleRef",
    "value",
    "globalDefault",
    "description",
    "preemptionPolicy",
    "spec",
    "status",
];
const META: &[&str] = &[
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
];
const OWNER_REF: &[&str] = &["apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion"];
const DEPLOYMENT_SPEC: &[&str] = &[
    "replicas",
    "selector",
    "template",
    "strategy",
    "minReadySeconds",
    "revisionHistoryLimit",
    "paused",
    "progressDeadlineSeconds",
];
const SERVICE_SPEC: &[&str] = &[
    "ports",
    "selector",
    "clusterIP",
    "clusterIPs",
    "type",
    "externalIPs",
    "sessionAffinity",
    "loadBalancerIP",
    "loadBalancerSourceRanges",
    "externalName",
    "externalTrafficPolicy",
    "healthCheckNodePort",
    "publishNotReadyAddresses",
    "sessionAffinityConfig",
    "ipFamilies",
    "ipFamilyPolicy",
    "allocateLoadBalancerNodePorts",
    "loadBalancerClass",
    "internalTrafficPolicy",
    "trafficDistribution",
];
const POD_SPEC: &[&str] = &[
    "volumes",
    "initContainers",
    "containers",
    "ephemeralContainers",
    "restartPolicy",
    "terminationGracePeriodSeconds",
    "activeDeadlineSeconds",
    "dnsPolicy",
    "nodeSelector",
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "nodeName",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "shareProcessNamespace",
    "securityContext",
    "imagePullSecrets",
    "hostname",
    "subdomain",
    "affinity",
    "schedulerName",
    "tolerations",
    "hostAliases",
    "priorityClassName",
    "priority",
    "dnsConfig",
    "readinessGates",
    "runtimeClassName",
    "enableServiceLinks",
    "preemptionPolicy",
    "overhead",
    "topologySpreadConstraints",
    "setHostnameAsFQDN",
    "os",
    "hostUsers",
    "schedulingGates",
    "resourceClaims",
    "resources",
];
const JOB_SPEC: &[&str] = &[
    "parallelism",
    "completions",
    "activeDeadlineSeconds",
    "podFailurePolicy",
    "successPolicy",
    "backoffLimit",
    "backoffLimitPerIndex",
    "maxFailedIndexes",
    "selector",
    "manualSelector",
    "template",
    "ttlSecondsAfterFinished",
    "completionMode",
    "suspend",
    "podReplacementPolicy",
    "managedBy",
];
const CRONJOB_SPEC: &[&str] = &[
    "schedule",
    "timeZone",
    "startingDeadlineSeconds",
    "concurrencyPolicy",
    "suspend",
    "jobTemplate",
    "successfulJobsHistoryLimit",
    "failedJobsHistoryLimit",
];
const CONTAINER: &[&str] = &[
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "resizePolicy",
    "restartPolicy",
    "volumeMounts",
    "volumeDevices",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
    "securityContext",
    "stdin",
    "stdinOnce",
    "tty",
];
const CONTAINER_PORT: &[&str] = &["name", "hostPort", "containerPort", "protocol", "hostIP"];
const SERVICE_PORT: &[&str] = &["name", "protocol", "appProtocol", "port", "targetPort", "nodePort"];
const POLICY_RULE: &[&str] = &["verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"];
const SUBJECT: &[&str] = &["kind", "apiGroup", "name", "namespace"];
const ROLE_REF: &[&str] = &["apiGroup", "kind", "name"];
const INGRESS_SPEC: &[&str] = &["ingressClassName", "defaultBackend", "tls", "rules"];
const PDB_SPEC: &[&str] = &[
    "minAvailable",
    "selector",
    "maxUnavailable",
    "unhealthyPodEvictionPolicy",
];
const PDB_STATUS: &[&str] = &[
    "observedGeneration",
    "disruptedPods",
    "disruptionsAllowed",
    "currentHealthy",
    "desiredHealthy",
    "expectedPods",
    "conditions",
];
const QUOTA_SPEC: &[&str] = &["hard", "scopes", "scopeSelector"];

/// The struct field order for the object at `path` (keys from the root) in a `kind`.
fn order(kind: &str, path: &[&str], value: &Value) -> Option<&'static [&'static str]> {
    let last = path.last().copied();
    let in_container = path.iter().any(|p| *p == "containers" || *p == "initContainers");
    Some(match (last, path.len()) {
        (None, _) => ROOT,
        (Some("metadata"), _) => META,
        (Some("ownerReferences"), _) => OWNER_REF,
        (Some("template"), _) | (Some("jobTemplate"), _) => &["metadata", "spec"],
        (Some("containers") | Some("initContainers"), _) => CONTAINER,
        (Some("ports"), _) if in_container => CONTAINER_PORT,
        (Some("ports"), _) => SERVICE_PORT,
        (Some("env"), _) => &["name", "value", "valueFrom"],
        (Some("resources"), _) if in_container => &["limits", "requests", "claims"],
        (Some("securityContext"), _) if in_container => &[
            "capabilities",
            "privileged",
            "seLinuxOptions",
            "windowsOptions",
            "runAsUser",
        ],
        (Some("selector"), _) if value.get("matchLabels").is_some() || value.get("matchExpressions").is_some() => {
            &["matchLabels", "matchExpressions"]
        }
        (Some("strategy"), _) => &["type", "rollingUpdate"],
        (Some("rules"), _) if kind == "Ingress" => &["host", "http"],
        (Some("rules"), _) => POLICY_RULE,
        (Some("subjects"), _) => SUBJECT,
        (Some("roleRef"), _) => ROLE_REF,
        (Some("aggregationRule"), _) => &["clusterRoleSelectors"],
        (Some("clusterRoleSelectors"), _) => &["matchLabels", "matchExpressions"],
        (Some("tls"), _) => &["hosts", "secretName"],
        (Some("http"), _) => &["paths"],
        (Some("paths"), _) => &["path", "pathType", "backend"],
        (Some("backend") | Some("defaultBackend"), _) => &["service", "resource"],
        (Some("service"), _) => &["name", "port"],
        (Some("port"), _) => &["name", "number"],
        (Some("status"), 1) if kind == "PodDisruptionBudget" => PDB_STATUS,
        (Some("status"), 1) => &["loadBalancer", "conditions"],
        (Some("spec"), _) => {
            let parent = path.len().checked_sub(2).and_then(|i| path.get(i)).copied();
            match (kind, parent) {
                (_, Some("template")) => POD_SPEC,
                ("CronJob", Some("jobTemplate")) => JOB_SPEC,
                ("Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet", None) => DEPLOYMENT_SPEC,
                ("Service", None) => SERVICE_SPEC,
                ("Pod", None) => POD_SPEC,
                ("Job", None) => JOB_SPEC,
                ("CronJob", None) => CRONJOB_SPEC,
                ("Ingress", None) => INGRESS_SPEC,
                ("PodDisruptionBudget", None) => PDB_SPEC,
                ("ResourceQuota", None) => QUOTA_SPEC,
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// Go's encoding of a typed object: `indent` "" gives compact JSON (as in the
/// last-applied annotation), otherwise MarshalIndent with that indent.
pub fn to_json_typed(v: &Value, indent: &str) -> String {
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut out = String::new();
    write(&mut out, v, kind, &mut Vec::new(), indent, 0);
    out
}

fn write(out: &mut String, v: &Value, kind: &str, path: &mut Vec<String>, indent: &str, depth: usize) {
    let nl = |out: &mut String, d: usize| {
        if !indent.is_empty() {
            out.push('\n');
            out.push_str(&indent.repeat(d));
        }
    };
    match v {
        Value::Object(m) => {
            if m.is_empty() {
                out.push_str("{}");
                return;
            }
            let keys_path: Vec<&str> = path.iter().map(String::as_str).collect();
            let ord = order(kind, &keys_path, v);
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort_by_key(|k| {
                let rank = ord.and_then(|o| o.iter().position(|x| x == k)).unwrap_or(usize::MAX);
                (rank, (*k).clone())
            });
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                out.push_str(&go_json_string(k));
                out.push(':');
                if !indent.is_empty() {
                    out.push(' ');
                }
                path.push((*k).clone());
                if let Some(child) = m.get(*k) {
                    write(out, child, kind, path, indent, depth + 1);
                }
                path.pop();
            }
            nl(out, depth);
            out.push('}');
        }
        Value::Array(a) => {
            if a.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                write(out, item, kind, path, indent, depth + 1);
            }
            nl(out, depth);
            out.push(']');
        }
        Value::String(s) => out.push_str(&go_json_string(s)),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) => out.push_str(&apimachinery::yaml::go_json_float(f)),
            _ => out.push_str(&n.to_string()),
        },
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Null => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_objects_keep_go_struct_order() {
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}, "spec": {}, "status": {}});
        assert_eq!(
            to_json_typed(&ns, ""),
            "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"},\"spec\":{},\"status\":{}}"
        );
        let d = json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "w", "labels": {"b": "1", "a": "2"}},
            "spec": {"template": {"spec": {"containers": [{"resources": {}, "name": "n", "image": "i"}]}}, "replicas": 1}});
        let s = to_json_typed(&d, "");
        assert!(s.contains("\"labels\":{\"a\":\"2\",\"b\":\"1\"}"), "{s}");
        assert!(s.contains("\"spec\":{\"replicas\":1,\"template\""), "{s}");
        assert!(s.contains("{\"name\":\"n\",\"image\":\"i\",\"resources\":{}}"), "{s}");
    }
}
