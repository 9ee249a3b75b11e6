//! The warnings kube-apiserver returns (`Warning:` headers) for what it accepts but advises
//! against: deprecated API versions and questionable pod specs (pkg/api/pod/warnings.go,
//! pkg/api/node, the registry strategies' WarningsOnCreate/WarningsOnUpdate).

use apimachinery::Quantity;
use serde_json::Value;
use std::collections::BTreeSet;

/// The warning sent with every request to a deprecated resource.
pub fn deprecated_api(group: &str, version: &str, plural: &str) -> Option<&'static str> {
    match (group, version, plural) {
        ("", "v1", "endpoints") => Some("v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"),
        ("", "v1", "componentstatuses") => Some("v1 ComponentStatus is deprecated in v1.19+"),
        _ => None,
    }
}

/// WarningsOnCreate/WarningsOnUpdate of a written object: its pod spec's warnings (pods, and
/// the pod templates of workloads; a workload's template only when its generation moved).
pub fn on_write(group: &str, kind: &str, obj: &Value, old: Option<&Value>) -> Vec<String> {
    let generation_moved =
        || old.is_none_or(|o| o.pointer("/metadata/generation") != obj.pointer("/metadata/generation"));
    match (group, kind) {
        ("", "Pod") => {
            let mut out = Vec::new();
            let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
            let msgs = apimachinery::validation::is_dns1123_label(name);
            if old.is_none() && !name.is_empty() && !msgs.is_empty() {
                out.push(format!(
                    "metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [{}]",
                    msgs.join(" ")
                ));
            }
            out.extend(app_armor_annotations(obj, ""));
            out.extend(pod_spec_and_meta("", obj));
            out
        }
        ("", "PodTemplate") => template(obj, "/template", "template"),
        ("", "ReplicationController") | ("apps", _) | ("batch", "Job") if generation_moved() => {
            template(obj, "/spec/template", "spec.template")
        }
        ("batch", "CronJob") if generation_moved() => {
            template(obj, "/spec/jobTemplate/spec/template", "spec.jobTemplate.spec.template")
        }
        _ => Vec::new(),
    }
}

fn template(obj: &Value, pointer: &str, path: &str) -> Vec<String> {
    match obj.pointer(pointer) {
        Some(t) if t.is_object() => {
            let prefix = format!("{path}.");
            let mut out = app_armor_annotations(t, &prefix);
            out.extend(pod_spec_and_meta(&prefix, t));
            out
        }
        _ => Vec::new(),
    }
}

/// pkg/api/node: node labels Kubernetes renamed.
fn deprecated_node_label(key: &str) -> Option<&'static str> {
    Some(match key {
        "beta.kubernetes.io/arch" => r#"deprecated since v1.14; use "kubernetes.io/arch" instead"#,
        "beta.kubernetes.io/os" => r#"deprecated since v1.14; use "kubernetes.io/os" instead"#,
        "failure-domain.beta.kubernetes.io/region" => {
            r#"deprecated since v1.17; use "topology.kubernetes.io/region" instead"#
        }
        "failure-domain.beta.kubernetes.io/zone" => {
            r#"deprecated since v1.17; use "topology.kubernetes.io/zone" instead"#
        }
        "beta.kubernetes.io/instance-type" => {
            r#"deprecated since v1.17; use "node.kubernetes.io/instance-type" instead"#
        }
        _ => return None,
    })
}

const DEPRECATED_ANNOTATIONS: [(&str, &str); 3] = [
    (
        "scheduler.alpha.kubernetes.io/critical-pod",
        r#"non-functional in v1.16+; use the "priorityClassName" field instead"#,
    ),
    (
        "security.alpha.kubernetes.io/sysctls",
        r#"non-functional in v1.11+; use the "sysctls" field instead"#,
    ),
    (
        "security.alpha.kubernetes.io/unsafe-sysctls",
        r#"non-functional in v1.11+; use the "sysctls" field instead"#,
    ),
];

const SECCOMP: &str = r#"non-functional in v1.27+; use the "seccompProfile" field instead"#;
const APP_ARMOR_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn arr<'a>(v: &'a Value, pointer: &str) -> &'a [Value] {
    v.pointer(pointer).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn has(v: &Value, pointer: &str) -> bool {
    v.pointer(pointer).is_some_and(|x| !x.is_null())
}

/// Containers as pods.VisitContainersWithPath visits them: init, regular, ephemeral.
fn containers(spec: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for field in ["initContainers", "containers", "ephemeralContainers"] {
        for (ix, c) in arr(spec, &format!("/{field}")).iter().enumerate() {
            out.push((format!("spec.{field}[{ix}]"), c));
        }
    }
    out
}

/// A deprecated AppArmor annotation on a container without the appArmorProfile field.
fn app_armor_annotations(obj: &Value, prefix: &str) -> Vec<String> {
    let pod_field = has(obj, "/spec/securityContext/appArmorProfile");
    let Some(spec) = obj.get("spec") else {
        return Vec::new();
    };
    containers(spec)
        .into_iter()
        .filter(|(_, c)| !pod_field && !has(c, "/securityContext/appArmorProfile"))
        .filter_map(|(_, c)| {
            let key = format!("{APP_ARMOR_PREFIX}{}", str_at(c, "/name"));
            obj.pointer("/metadata/annotations")
                .and_then(|a| a.get(&key))
                .map(|_| format!(r#"{prefix}metadata.annotations[{key}]: deprecated since v1.30; use the "appArmorProfile" field instead"#))
        })
        .collect()
}

/// warningsForPodSpecAndMeta for an object holding `metadata` and `spec`, with `prefix`
/// before every field path (`spec.template.` for templates).
fn pod_spec_and_meta(prefix: &str, obj: &Value) -> Vec<String> {
    let null = Value::Null;
    let spec = obj.get("spec").unwrap_or(&null);
    let annotations = obj.pointer("/metadata/annotations").and_then(Value::as_object);
    let annotated = |k: &str| annotations.is_some_and(|a| a.contains_key(k));
    let mut w = Vec::new();
    if let Some(sel) = spec.get("nodeSelector").and_then(Value::as_object) {
        for k in sel.keys() {
            if let Some(msg) = deprecated_node_label(k) {
                w.push(format!("{prefix}spec.nodeSelector[{k}]: {msg}"));
            }
        }
    }
    let node_affinity = "/affinity/nodeAffinity";
    let required = format!("{node_affinity}/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms");
    for (i, term) in arr(spec, &required).iter().enumerate() {
        let path = format!(
            "{prefix}spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[{i}]"
        );
        w.extend(node_selector_term(term, &path));
    }
    let preferred = format!("{node_affinity}/preferredDuringSchedulingIgnoredDuringExecution");
    for (i, term) in arr(spec, &preferred).iter().enumerate() {
        let path = format!(
            "{prefix}spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[{i}].preference"
        );
        w.extend(node_selector_term(term.get("preference").unwrap_or(&null), &path));
    }
    for (i, t) in arr(spec, "/topologySpreadConstraints").iter().enumerate() {
        let path = format!("{prefix}spec.topologySpreadConstraints[{i}]");
        let key = str_at(t, "/topologyKey");
        if let Some(msg) = deprecated_node_label(key) {
            w.push(format!("{path}.topologyKey: {key} is {msg}"));
        }
        if !has(t, "/labelSelector") {
            w.push(format!(
                "{path}.labelSelector: a null labelSelector results in matching no pod"
            ));
        }
    }
    for (key, msg) in DEPRECATED_ANNOTATIONS {
        if annotated(key) {
            w.push(format!("{prefix}metadata.annotations[{key}]: {msg}"));
        }
    }
    const VOLUMES: [(&str, &str); 9] = [
        ("photonPersistentDisk", "deprecated in v1.11, non-functional in v1.16+"),
        ("gitRepo", "deprecated in v1.11"),
        ("scaleIO", "deprecated in v1.16, non-functional in v1.22+"),
        ("flocker", "deprecated in v1.22, non-functional in v1.25+"),
        ("storageos", "deprecated in v1.22, non-functional in v1.25+"),
        ("quobyte", "deprecated in v1.22, non-functional in v1.25+"),
        ("glusterfs", "deprecated in v1.25, non-functional in v1.26+"),
        ("cephfs", "deprecated in v1.28, non-functional in v1.31+"),
        ("rbd", "deprecated in v1.28, non-functional in v1.31+"),
    ];
    for (i, v) in arr(spec, "/volumes").iter().enumerate() {
        for (field, msg) in VOLUMES {
            if has(v, &format!("/{field}")) {
                // The field path names storageOS as the internal type does.
                let shown = if field == "storageos" { "storageOS" } else { field };
                w.push(format!("{prefix}spec.volumes[{i}].{shown}: {msg}"));
            }
        }
    }
    w.extend(duplicates(
        spec,
        "/hostAliases",
        "ip",
        &format!("{prefix}spec.hostAliases"),
        "duplicate ip",
    ));
    w.extend(duplicates(
        spec,
        "/imagePullSecrets",
        "name",
        &format!("{prefix}spec.imagePullSecrets"),
        "duplicate name",
    ));
    for (i, s) in arr(spec, "/imagePullSecrets").iter().enumerate() {
        if str_at(s, "/name").is_empty() {
            w.push(format!(
                r#"{prefix}spec.imagePullSecrets[{i}].name: invalid empty name """#
            ));
        }
    }
    for r in ["memory", "ephemeral-storage"] {
        w.extend(fractional(
            spec.pointer(&format!("/overhead/{r}")),
            &format!("{prefix}spec.overhead[{r}]"),
        ));
    }
    if !has(spec, "/securityContext/seccompProfile") && annotated("seccomp.security.alpha.kubernetes.io/pod") {
        w.push(format!(
            "{prefix}metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: {SECCOMP}"
        ));
    }
    let visited = containers(spec);
    for (path, c) in &visited {
        let key = format!("container.seccomp.security.alpha.kubernetes.io/{}", str_at(c, "/name"));
        if !has(c, "/securityContext/seccompProfile") && annotated(&key) {
            w.push(format!("{prefix}metadata.annotations[{key}]: {SECCOMP}"));
        }
        for (kind, r) in [
            ("limits", "memory"),
            ("requests", "memory"),
            ("limits", "ephemeral-storage"),
            ("requests", "ephemeral-storage"),
        ] {
            w.extend(fractional(
                c.pointer(&format!("/resources/{kind}/{r}")),
                &format!("{prefix}{path}.resources.{kind}[{r}]"),
            ));
        }
        w.extend(hidden_env(c, &format!("{prefix}{path}")));
    }
    w.extend(port_conflicts(&visited, prefix));
    if spec
        .get("terminationGracePeriodSeconds")
        .and_then(Value::as_i64)
        .is_some_and(|s| s < 0)
    {
        w.push(format!(
            "{prefix}spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1"
        ));
    }
    for affinity in ["podAffinity", "podAntiAffinity"] {
        let base = format!("{prefix}spec.affinity.{affinity}");
        let req = format!("/affinity/{affinity}/requiredDuringSchedulingIgnoredDuringExecution");
        for (i, t) in arr(spec, &req).iter().enumerate() {
            if !has(t, "/labelSelector") {
                w.push(format!(
                    "{base}.requiredDuringSchedulingIgnoredDuringExecution[{i}].labelSelector: a null labelSelector results in matching no pod"
                ));
            }
        }
        let pref = format!("/affinity/{affinity}/preferredDuringSchedulingIgnoredDuringExecution");
        for (i, t) in arr(spec, &pref).iter().enumerate() {
            if !has(t, "/podAffinityTerm/labelSelector") {
                w.push(format!(
                    "{base}.preferredDuringSchedulingIgnoredDuringExecution[{i}].podAffinityTerm.labelSelector: a null labelSelector results in matching no pod"
                ));
            }
        }
    }
    w
}

fn node_selector_term(term: &Value, path: &str) -> Vec<String> {
    arr(term, "/matchExpressions")
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let key = str_at(e, "/key");
            deprecated_node_label(key).map(|msg| format!("{path}.matchExpressions[{i}].key: {key} is {msg}"))
        })
        .collect()
}

fn duplicates(spec: &Value, list: &str, field: &str, path: &str, what: &str) -> Vec<String> {
    let items = arr(spec, list);
    if items.len() < 2 {
        return Vec::new();
    }
    let mut seen = BTreeSet::new();
    let mut w = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let v = str_at(item, &format!("/{field}"));
        if !seen.insert(v) {
            w.push(format!(
                "{path}[{i}].{field}: {what} {}",
                apimachinery::errors::go_quote(v)
            ));
        }
    }
    w
}

/// A memory or ephemeral-storage quantity that is not a whole number of bytes.
fn fractional(v: Option<&Value>, path: &str) -> Option<String> {
    let q = Quantity::from_json(v?)?.ok()?;
    (q.milli_value() % 1000 != 0).then(|| {
        format!(
            "{path}: fractional byte value {} is invalid, must be an integer",
            apimachinery::errors::go_quote(&q.canonical())
        )
    })
}

/// An env entry that redefines an earlier name without referring to it.
fn hidden_env(c: &Value, path: &str) -> Vec<String> {
    let env = arr(c, "/env");
    if env.len() < 2 {
        return Vec::new();
    }
    let mut seen = BTreeSet::new();
    let mut w = Vec::new();
    for (i, e) in env.iter().enumerate() {
        let name = str_at(e, "/name");
        if seen.insert(name) {
            continue;
        }
        let value = str_at(e, "/value");
        let reference = format!("$({name})");
        if has(e, "/valueFrom") || value == reference || !value.contains(&reference) {
            w.push(format!(
                "{path}.env[{i}]: hides previous definition of {}, which may be dropped when using apply",
                apimachinery::errors::go_quote(name)
            ));
        }
    }
    w
}

/// Container ports that repeat or overlap another container port of the pod.
fn port_conflicts(visited: &[(String, &Value)], prefix: &str) -> Vec<String> {
    struct Port<'a> {
        path: String,
        key: String,
        host_ip: &'a str,
        host_port: i64,
    }
    let mut seen: Vec<Port> = Vec::new();
    let mut w = Vec::new();
    for (path, c) in visited {
        for (i, p) in arr(c, "/ports").iter().enumerate() {
            let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
            let port = Port {
                path: format!("{prefix}{path}.ports[{i}]"),
                key: format!(
                    "{}/{protocol}",
                    p.get("containerPort").and_then(Value::as_i64).unwrap_or(0)
                ),
                host_ip: str_at(p, "/hostIP"),
                host_port: p.get("hostPort").and_then(Value::as_i64).unwrap_or(0),
            };
            for other in seen.iter().filter(|o| o.key == port.key) {
                let (a, b) = (port.host_ip.is_empty(), other.host_ip.is_empty());
                let what = if port.host_ip == other.host_ip && port.host_port == other.host_port {
                    "duplicate"
                } else if port.host_port == 0 || other.host_port == 0 {
                    "overlapping"
                } else if port.host_port == other.host_port && (a || b) && !(a && b) {
                    "dangerously ambiguous"
                } else {
                    continue;
                };
                w.push(format!("{}: {what} port definition with {}", port.path, other.path));
            }
            seen.push(port);
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pod_warnings_use_upstream_texts() {
        let pod = json!({
            "metadata": {"name": "web", "annotations": {
                "seccomp.security.alpha.kubernetes.io/pod": "runtime/default",
                "container.apparmor.security.beta.kubernetes.io/app": "runtime/default"}},
            "spec": {
                "nodeSelector": {"beta.kubernetes.io/os": "linux"},
                "containers": [{"name": "app", "image": "nginx",
                    "env": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}],
                    "ports": [{"containerPort": 80}, {"containerPort": 80}],
                    "resources": {"requests": {"memory": "1m"}}}],
                "volumes": [{"name": "v", "gitRepo": {"repository": "x"}}],
                "terminationGracePeriodSeconds": -1
            }
        });
        assert_eq!(
            on_write("", "Pod", &pod, None),
            [
                r#"metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]: deprecated since v1.30; use the "appArmorProfile" field instead"#,
                r#"spec.nodeSelector[beta.kubernetes.io/os]: deprecated since v1.14; use "kubernetes.io/os" instead"#,
                "spec.volumes[0].gitRepo: deprecated in v1.11",
                r#"metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; use the "seccompProfile" field instead"#,
                r#"spec.containers[0].resources.requests[memory]: fractional byte value "1m" is invalid, must be an integer"#,
                r#"spec.containers[0].env[1]: hides previous definition of "A", which may be dropped when using apply"#,
                "spec.containers[0].ports[1]: duplicate port definition with spec.containers[0].ports[0]",
                "spec.terminationGracePeriodSeconds: must be >= 0; negative values are invalid and will be treated as 1",
            ]
        );
    }

    #[test]
    fn templates_are_prefixed_and_warned_only_when_the_generation_moves() {
        let deploy = |generation: i64| {
            json!({"metadata": {"name": "d", "generation": generation}, "spec": {"template": {
                "metadata": {"annotations": {"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}],
                    "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "failure-domain.beta.kubernetes.io/zone", "operator": "Exists"}]}]}}}}}}})
        };
        let want = [
            r#"spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key: failure-domain.beta.kubernetes.io/zone is deprecated since v1.17; use "topology.kubernetes.io/zone" instead"#,
            r#"spec.template.metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]: non-functional in v1.27+; use the "seccompProfile" field instead"#,
        ];
        assert_eq!(on_write("apps", "Deployment", &deploy(1), None), want);
        assert!(on_write("apps", "Deployment", &deploy(1), Some(&deploy(1))).is_empty());
        assert_eq!(on_write("apps", "Deployment", &deploy(2), Some(&deploy(1))), want);
        let pod = json!({"metadata": {"name": "web.example"}, "spec": {"containers": []}});
        assert_eq!(
            on_write("", "Pod", &pod, None),
            ["metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]"]
        );
    }

    #[test]
    fn deprecated_apis() {
        assert_eq!(
            deprecated_api("", "v1", "endpoints"),
            Some("v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")
        );
        assert_eq!(deprecated_api("discovery.k8s.io", "v1", "endpointslices"), None);
    }
}
