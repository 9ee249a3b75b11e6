//! Defaulting as the v1.37 API server applies it on create and update: the hand-written
//! `SetDefaults_*` functions of pkg/apis/*/v1/defaults.go plus the declarative `+default=`
//! markers of k8s.io/api, walked the way the generated `zz_generated.defaults.go` walks them.
//!
//! Go's zero values count as "unset": an empty string for string fields, 0 for the probe
//! integers, absent or `null` for pointers. Values of the wrong JSON type are left alone (the
//! schema check rejects them before defaulting runs). Registry and admission work (clusterIP
//! allocation, ipFamilies, namespace finalizers, service-account volumes, priority) is not here.

use apimachinery::quantity::Quantity;
use apimachinery::GroupVersionKind;
use serde_json::{json, Map, Value};

/// Applies the API server's defaults for `gvk` to `obj` in place. Unknown kinds are untouched.
pub fn apply_defaults(gvk: &GroupVersionKind, obj: &mut Value) {
    let Some(root) = obj.as_object_mut() else { return };
    match (gvk.group.as_str(), gvk.kind.as_str()) {
        ("", "Pod") => pod(root),
        ("", "PodTemplate") => {
            if let Some(t) = ensure_obj(root, "template") {
                pod_template(t);
            }
        }
        ("", "ReplicationController") => replication_controller(root),
        ("", "Service") => service(root),
        ("", "Secret") => default_str(root, "type", "Opaque"),
        ("", "Namespace") => namespace(root),
        ("", "Node") => node(root),
        ("", "PersistentVolume") => persistent_volume(root),
        ("", "PersistentVolumeClaim") => persistent_volume_claim(root),
        ("", "Endpoints") => endpoints(root),
        ("", "LimitRange") => limit_range(root),
        ("", "ResourceQuota") => resource_quota(root),
        ("apps", "Deployment") => deployment(root),
        ("apps", "ReplicaSet") => replica_set(root),
        ("apps", "StatefulSet") => stateful_set(root),
        ("apps", "DaemonSet") => daemon_set(root),
        ("batch", "Job") => job(root),
        ("batch", "CronJob") => cron_job(root),
        ("autoscaling", "HorizontalPodAutoscaler") => hpa(root, gvk.version == "v1"),
        ("networking.k8s.io", "NetworkPolicy") => network_policy(root),
        ("networking.k8s.io", "IngressClass") => ingress_class(root),
        ("storage.k8s.io", "StorageClass") => {
            default_ptr(root, "reclaimPolicy", json!("Delete"));
            default_ptr(root, "volumeBindingMode", json!("Immediate"));
        }
        ("scheduling.k8s.io", "PriorityClass") => default_ptr(root, "preemptionPolicy", json!("PreemptLowerPriority")),
        ("rbac.authorization.k8s.io", "RoleBinding" | "ClusterRoleBinding") => role_binding(root),
        ("discovery.k8s.io", "EndpointSlice") => {
            for port in objs_at(root, "ports") {
                default_ptr(port, "name", json!(""));
                default_ptr(port, "protocol", json!("TCP"));
            }
        }
        _ => {}
    }
}

// ---- JSON helpers -------------------------------------------------------------------------

fn is_unset(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null))
}

/// A string field: set when absent, null or "" (Go's zero value).
fn default_str(m: &mut Map<String, Value>, key: &str, val: &str) {
    let unset = match m.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    };
    if unset {
        m.insert(key.to_string(), Value::String(val.to_string()));
    }
}

/// A pointer field: set when absent or null.
fn default_ptr(m: &mut Map<String, Value>, key: &str, val: Value) {
    if is_unset(m.get(key)) {
        m.insert(key.to_string(), val);
    }
}

/// A non-pointer integer: set when absent, null or 0.
fn default_int(m: &mut Map<String, Value>, key: &str, val: i64) {
    let unset = match m.get(key) {
        None | Some(Value::Null) => true,
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        _ => false,
    };
    if unset {
        m.insert(key.to_string(), json!(val));
    }
}

/// The object at `key`, if it is one.
fn obj_at<'a>(m: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    m.get_mut(key).and_then(Value::as_object_mut)
}

/// The object at `key`, created when absent or null (Go value structs and pointers that
/// defaulting allocates).
fn ensure_obj<'a>(m: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    if is_unset(m.get(key)) {
        m.insert(key.to_string(), Value::Object(Map::new()));
    }
    obj_at(m, key)
}

/// The object elements of the array at `key`.
fn objs_at<'a>(m: &'a mut Map<String, Value>, key: &str) -> impl Iterator<Item = &'a mut Map<String, Value>> {
    m.get_mut(key)
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
}

fn str_at<'a>(m: &'a Map<String, Value>, key: &str) -> &'a str {
    m.get(key).and_then(Value::as_str).unwrap_or("")
}

fn non_empty_obj(m: &Map<String, Value>, key: &str) -> bool {
    m.get(key).and_then(Value::as_object).is_some_and(|o| !o.is_empty())
}

fn non_empty_array(m: &Map<String, Value>, key: &str) -> bool {
    m.get(key).and_then(Value::as_array).is_some_and(|a| !a.is_empty())
}

// ---- Pods and pod templates ---------------------------------------------------------------

fn pod(root: &mut Map<String, Value>) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    // SetDefaults_Pod: only real Pods, not templates.
    for key in ["containers", "initContainers"] {
        for c in objs_at(spec, key) {
            requests_from_limits(c);
        }
    }
    default_ptr(spec, "enableServiceLinks", json!(true));
    if spec.get("hostNetwork").and_then(Value::as_bool) == Some(true) {
        for key in ["containers", "initContainers"] {
            for c in objs_at(spec, key) {
                for port in objs_at(c, "ports") {
                    let unset = matches!(port.get("hostPort"), None | Some(Value::Null))
                        || port.get("hostPort").and_then(Value::as_i64) == Some(0);
                    if let (true, Some(cp)) = (unset, port.get("containerPort").cloned()) {
                        port.insert("hostPort".to_string(), cp);
                    }
                }
            }
        }
    }
    pod_spec(spec);
}

/// Requests default to limits for every resource that has a limit but no request.
fn requests_from_limits(container: &mut Map<String, Value>) {
    let Some(resources) = obj_at(container, "resources") else {
        return;
    };
    let Some(limits) = resources.get("limits").and_then(Value::as_object).cloned() else {
        return;
    };
    let Some(requests) = ensure_obj(resources, "requests") else {
        return;
    };
    for (k, v) in limits {
        requests.entry(k).or_insert(v);
    }
}

/// A PodTemplateSpec: its spec is a Go value struct, so it is defaulted even when absent.
fn pod_template(template: &mut Map<String, Value>) {
    if let Some(spec) = ensure_obj(template, "spec") {
        pod_spec(spec);
    }
}

fn pod_spec(spec: &mut Map<String, Value>) {
    round_resources(spec);
    default_str(spec, "dnsPolicy", "ClusterFirst");
    default_str(spec, "restartPolicy", "Always");
    default_ptr(spec, "securityContext", json!({}));
    default_ptr(spec, "terminationGracePeriodSeconds", json!(30));
    default_str(spec, "schedulerName", "default-scheduler");
    for key in ["containers", "initContainers", "ephemeralContainers"] {
        for c in objs_at(spec, key) {
            container(c);
        }
    }
    for v in objs_at(spec, "volumes") {
        volume(v);
    }
}

/// SetDefaults_ResourceList on `resources.limits` / `resources.requests`.
fn round_resources(m: &mut Map<String, Value>) {
    let Some(resources) = obj_at(m, "resources") else {
        return;
    };
    for key in ["limits", "requests"] {
        if let Some(list) = obj_at(resources, key) {
            round_resource_list(list);
        }
    }
}

/// Quantities finer than a thousandth are rounded up to milli precision.
fn round_resource_list(list: &mut Map<String, Value>) {
    for v in list.values_mut() {
        let Some(Ok(q)) = Quantity::from_json(v) else { continue };
        let milli = q.milli_value();
        if milli == i64::MAX || milli == i64::MIN {
            continue;
        }
        let rounded = Quantity::new_milli(milli, q.format());
        if rounded != q {
            *v = Value::String(rounded.to_string());
        }
    }
}

fn container(c: &mut Map<String, Value>) {
    round_resources(c);
    let policy = pull_policy_for(str_at(c, "image"));
    default_str(c, "imagePullPolicy", policy);
    default_str(c, "terminationMessagePath", "/dev/termination-log");
    default_str(c, "terminationMessagePolicy", "File");
    for port in objs_at(c, "ports") {
        default_str(port, "protocol", "TCP");
    }
    for env in objs_at(c, "env") {
        if let Some(from) = obj_at(env, "valueFrom") {
            if let Some(f) = obj_at(from, "fieldRef") {
                default_str(f, "apiVersion", "v1");
            }
            if let Some(f) = obj_at(from, "fileKeyRef") {
                default_ptr(f, "optional", json!(false));
            }
        }
    }
    for key in ["livenessProbe", "readinessProbe", "startupProbe"] {
        if let Some(p) = obj_at(c, key) {
            probe(p);
        }
    }
    if let Some(lifecycle) = obj_at(c, "lifecycle") {
        for key in ["postStart", "preStop"] {
            if let Some(h) = obj_at(lifecycle, key).and_then(|h| obj_at(h, "httpGet")) {
                http_get(h);
            }
        }
    }
}

/// `Always` for `:latest` or no tag, `IfNotPresent` otherwise (also for digest-only and
/// unparsable references, as upstream ignores the parse error and sees an empty tag).
pub fn pull_policy_for(image: &str) -> &'static str {
    match image_tag(image) {
        Some(tag) if tag == "latest" => "Always",
        _ => "IfNotPresent",
    }
}

/// The tag `parsers.ParseImageName` reports: the explicit tag, `latest` when neither tag nor
/// digest is given, `""` for a digest-only reference, None when the reference does not parse.
fn image_tag(image: &str) -> Option<String> {
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    if let Some(d) = digest {
        let (alg, hex) = d.split_once(':')?;
        let alg_ok = !alg.is_empty()
            && alg
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+._-".contains(c));
        if !alg_ok || hex.len() < 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
    }
    // The tag is a ':' after the last '/' (an earlier ':' is a registry port).
    let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_tag.get(last_slash..).and_then(|last| last.rfind(':')) {
        Some(i) => {
            let at = last_slash + i;
            (name_tag.get(..at)?, name_tag.get(at + 1..))
        }
        None => (name_tag, None),
    };
    if !valid_repository(name) {
        return None;
    }
    match tag {
        Some(t) => {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && t.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
            ok.then(|| t.to_string())
        }
        None if digest.is_some() => Some(String::new()),
        None => Some("latest".to_string()),
    }
}

/// Docker reference grammar, loosely: an optional registry host (with a '.' or ':', or
/// `localhost`) and lowercase path components separated by '/'.
fn valid_repository(name: &str) -> bool {
    if name.is_empty() || name.len() > 255 {
        return false;
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    if parts.len() > 1 {
        let first = parts.first().copied().unwrap_or("");
        if first.contains('.')
            || first.contains(':')
            || first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase())
        {
            let host_ok = !first.is_empty() && first.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
            if !host_ok {
                return false;
            }
            parts.remove(0);
        }
    }
    parts.iter().all(|p| path_component_ok(p))
}

fn path_component_ok(p: &str) -> bool {
    let bytes = p.as_bytes();
    let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(first) || !alnum(last) {
        return false;
    }
    // Separators between alphanumeric runs: '.', '_', '__' or any run of '-'.
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(b'?');
        if alnum(&b) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !bytes.get(i).is_some_and(alnum) {
            i += 1;
        }
        let sep = p.get(start..i).unwrap_or("?");
        if !(sep == "." || sep == "_" || sep == "__" || sep.chars().all(|c| c == '-')) {
            return false;
        }
    }
    true
}

fn probe(p: &mut Map<String, Value>) {
    default_int(p, "timeoutSeconds", 1);
    default_int(p, "periodSeconds", 10);
    default_int(p, "successThreshold", 1);
    default_int(p, "failureThreshold", 3);
    if let Some(h) = obj_at(p, "httpGet") {
        http_get(h);
    }
    if let Some(g) = obj_at(p, "grpc") {
        default_ptr(g, "service", json!(""));
    }
}

fn http_get(h: &mut Map<String, Value>) {
    default_str(h, "path", "/");
    default_str(h, "scheme", "HTTP");
}

fn field_ref_items(m: &mut Map<String, Value>) {
    for item in objs_at(m, "items") {
        if let Some(f) = obj_at(item, "fieldRef") {
            default_str(f, "apiVersion", "v1");
        }
    }
}

fn volume(v: &mut Map<String, Value>) {
    // SetDefaults_Volume: a volume without any source is an emptyDir.
    if !v.iter().any(|(k, val)| k != "name" && !val.is_null()) {
        v.insert("emptyDir".to_string(), json!({}));
    }
    for key in ["secret", "configMap"] {
        if let Some(s) = obj_at(v, key) {
            default_ptr(s, "defaultMode", json!(420));
        }
    }
    if let Some(d) = obj_at(v, "downwardAPI") {
        default_ptr(d, "defaultMode", json!(420));
        field_ref_items(d);
    }
    if let Some(p) = obj_at(v, "projected") {
        default_ptr(p, "defaultMode", json!(420));
        for source in objs_at(p, "sources") {
            if let Some(d) = obj_at(source, "downwardAPI") {
                field_ref_items(d);
            }
            if let Some(t) = obj_at(source, "serviceAccountToken") {
                default_ptr(t, "expirationSeconds", json!(3600));
            }
        }
    }
    if let Some(img) = obj_at(v, "image") {
        let policy = pull_policy_for(str_at(img, "reference"));
        default_str(img, "pullPolicy", policy);
    }
    if let Some(eph) = obj_at(v, "ephemeral") {
        if let Some(spec) = obj_at(eph, "volumeClaimTemplate").and_then(|t| obj_at(t, "spec")) {
            pvc_spec(spec);
        }
    }
    volume_source_markers(v);
}

/// Declarative defaults shared by pod volumes and persistent volume sources.
fn volume_source_markers(v: &mut Map<String, Value>) {
    if let Some(h) = obj_at(v, "hostPath") {
        default_ptr(h, "type", json!(""));
    }
    if let Some(i) = obj_at(v, "iscsi") {
        default_str(i, "iscsiInterface", "default");
    }
    if let Some(r) = obj_at(v, "rbd") {
        default_str(r, "pool", "rbd");
        default_str(r, "user", "admin");
        default_str(r, "keyring", "/etc/ceph/keyring");
    }
    if let Some(a) = obj_at(v, "azureDisk") {
        default_ptr(a, "cachingMode", json!("ReadWrite"));
        default_ptr(a, "fsType", json!("ext4"));
        default_ptr(a, "readOnly", json!(false));
        default_ptr(a, "kind", json!("Shared"));
    }
    if let Some(s) = obj_at(v, "scaleIO") {
        default_str(s, "storageMode", "ThinProvisioned");
        default_str(s, "fsType", "xfs");
    }
}

// ---- Workloads ----------------------------------------------------------------------------

/// `spec.template` of the workload kinds is a value struct (always present in Go).
fn template_spec_defaults(spec: &mut Map<String, Value>) {
    if let Some(t) = ensure_obj(spec, "template") {
        pod_template(t);
    }
}

fn replication_controller(root: &mut Map<String, Value>) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    default_ptr(spec, "replicas", json!(1));
    // The RC template is a pointer: only an existing one is defaulted.
    if let Some(t) = obj_at(spec, "template") {
        pod_template(t);
    }
    let template_labels = spec
        .get("template")
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"))
        .filter(|l| l.is_object())
        .cloned();
    let Some(labels) = template_labels else { return };
    if !non_empty_obj(spec, "selector") {
        spec.insert("selector".to_string(), labels.clone());
    }
    if let Some(meta) = ensure_obj(root, "metadata") {
        if !non_empty_obj(meta, "labels") {
            meta.insert("labels".to_string(), labels);
        }
    }
}

fn deployment(root: &mut Map<String, Value>) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    default_ptr(spec, "replicas", json!(1));
    if let Some(strategy) = ensure_obj(spec, "strategy") {
        default_str(strategy, "type", "RollingUpdate");
        if str_at(strategy, "type") == "RollingUpdate" {
            if let Some(ru) = ensure_obj(strategy, "rollingUpdate") {
                default_ptr(ru, "maxUnavailable", json!("25%"));
                default_ptr(ru, "maxSurge", json!("25%"));
            }
        }
    }
    default_ptr(spec, "revisionHistoryLimit", json!(10));
    default_ptr(spec, "progressDeadlineSeconds", json!(600));
    template_spec_defaults(spec);
}

fn replica_set(root: &mut Map<String, Value>) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    default_ptr(spec, "replicas", json!(1));
    template_spec_defaults(spec);
}

fn stateful_set(root: &mut Map<String, Value>) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    default_str(spec, "podManagementPolicy", "OrderedReady");
    if let Some(us) = ensure_obj(spec, "updateStrategy") {
        if str_at(us, "type").is_empty() {
            us.insert("type".to_string(), json!("RollingUpdate"));
            default_ptr(us, "rollingUpdate", json!({}));
        }
        if str_at(us, "type") == "RollingUpdate" {
            if let Some(ru) = obj_at(us, "rollingUpdate") {
                default_ptr(ru, "partition", json!(0));
            }
        }
    }
    if let Some(policy) = ensure_obj(spec, "persistentVolumeClaimRetentionPolicy") {
        default_str(policy, "whenDeleted", "Retain");
        default_str(policy, "whenScaled", "Retain");
    }
    default_ptr(spec, "replicas", json!(1));
    default_ptr(spec, "revisionHistoryLimit", json!(10));
    template_spec_defaults(spec);
    for pvc in objs_at(spec, "volumeClaimTemplates") {
        persistent_volume_claim(pvc);
    }
}

fn daemon_set(root: &mut Map<String, Value>) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    if let Some(us) = ensure_obj(spec, "updateStrategy") {
        default_str(us, "type", "RollingUpdate");
        if str_at(us, "type") == "RollingUpdate" {
            if let Some(ru) = ensure_obj(us, "rollingUpdate") {
                default_ptr(ru, "maxUnavailable", json!(1));
                default_ptr(ru, "maxSurge", json!(0));
            }
        }
    }
    default_ptr(spec, "revisionHistoryLimit", json!(10));
    template_spec_defaults(spec);
}

fn job(root: &mut Map<String, Value>) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    job_spec(spec);
    let template_labels = spec
        .get("template")
        .and_then(|t| t.get("metadata"))
        .and_then(|m| m.get("labels"))
        .filter(|l| l.is_object())
        .cloned();
    if let Some(labels) = template_labels {
        if let Some(meta) = ensure_obj(root, "metadata") {
            if !non_empty_obj(meta, "labels") {
                meta.insert("labels".to_string(), labels);
            }
        }
    }
}

/// SetDefaults_Job's spec part (not applied to a CronJob's jobTemplate, only its pod template).
fn job_spec(spec: &mut Map<String, Value>) {
    if is_unset(spec.get("completions")) && is_unset(spec.get("parallelism")) {
        spec.insert("completions".to_string(), json!(1));
        spec.insert("parallelism".to_string(), json!(1));
    }
    default_ptr(spec, "parallelism", json!(1));
    let backoff = if is_unset(spec.get("backoffLimitPerIndex")) {
        6
    } else {
        i64::from(i32::MAX)
    };
    default_ptr(spec, "backoffLimit", json!(backoff));
    default_ptr(spec, "completionMode", json!("NonIndexed"));
    default_ptr(spec, "suspend", json!(false));
    let has_failure_policy = !is_unset(spec.get("podFailurePolicy"));
    pod_failure_policy(spec);
    let replacement = if has_failure_policy {
        "Failed"
    } else {
        "TerminatingOrFailed"
    };
    default_ptr(spec, "podReplacementPolicy", json!(replacement));
    default_ptr(spec, "manualSelector", json!(false));
    template_spec_defaults(spec);
}

fn pod_failure_policy(spec: &mut Map<String, Value>) {
    let Some(policy) = obj_at(spec, "podFailurePolicy") else {
        return;
    };
    for rule in objs_at(policy, "rules") {
        for pattern in objs_at(rule, "onPodConditions") {
            default_str(pattern, "status", "True");
        }
    }
}

fn cron_job(root: &mut Map<String, Value>) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    default_str(spec, "concurrencyPolicy", "Allow");
    default_ptr(spec, "suspend", json!(false));
    default_ptr(spec, "successfulJobsHistoryLimit", json!(3));
    default_ptr(spec, "failedJobsHistoryLimit", json!(1));
    if let Some(job_spec) = ensure_obj(spec, "jobTemplate").and_then(|t| ensure_obj(t, "spec")) {
        pod_failure_policy(job_spec);
        template_spec_defaults(job_spec);
    }
}

fn hpa(root: &mut Map<String, Value>, v1: bool) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    default_ptr(spec, "minReplicas", json!(1));
    if v1 {
        return;
    }
    if !non_empty_array(spec, "metrics") {
        spec.insert(
            "metrics".to_string(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]),
        );
    }
    if let Some(behavior) = obj_at(spec, "behavior") {
        let up = json!({
            "stabilizationWindowSeconds": 0,
            "selectPolicy": "Max",
            "policies": [
                {"type": "Pods", "value": 4, "periodSeconds": 15},
                {"type": "Percent", "value": 100, "periodSeconds": 15}
            ]
        });
        let down = json!({
            "selectPolicy": "Max",
            "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]
        });
        scaling_rules(behavior, "scaleUp", up);
        scaling_rules(behavior, "scaleDown", down);
    }
}

/// The defaults overlaid with every field the user set (copyHPAScalingRules).
fn scaling_rules(behavior: &mut Map<String, Value>, key: &str, mut defaults: Value) {
    if let (Some(given), Some(d)) = (behavior.get(key).and_then(Value::as_object), defaults.as_object_mut()) {
        for field in ["selectPolicy", "stabilizationWindowSeconds", "policies", "tolerance"] {
            if let Some(v) = given.get(field).filter(|v| !v.is_null()) {
                d.insert(field.to_string(), v.clone());
            }
        }
    }
    behavior.insert(key.to_string(), defaults);
}

// ---- Core kinds ---------------------------------------------------------------------------

fn service(root: &mut Map<String, Value>) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    default_str(spec, "sessionAffinity", "None");
    match str_at(spec, "sessionAffinity") {
        "None" => {
            spec.remove("sessionAffinityConfig");
        }
        "ClientIP" => {
            let has_timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|c| c.get("clientIP"))
                .and_then(|c| c.get("timeoutSeconds"))
                .is_some_and(|t| !t.is_null());
            if !has_timeout {
                spec.insert(
                    "sessionAffinityConfig".to_string(),
                    json!({"clientIP": {"timeoutSeconds": 10800}}),
                );
            }
        }
        _ => {}
    }
    default_str(spec, "type", "ClusterIP");
    for port in objs_at(spec, "ports") {
        default_str(port, "protocol", "TCP");
        let target_unset = match port.get("targetPort") {
            None | Some(Value::Null) => true,
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            Some(Value::String(s)) => s.is_empty(),
            _ => false,
        };
        if target_unset {
            if let Some(p) = port.get("port").cloned() {
                port.insert("targetPort".to_string(), p);
            }
        }
    }
    let kind = str_at(spec, "type").to_string();
    let externally_accessible =
        kind == "LoadBalancer" || kind == "NodePort" || (kind == "ClusterIP" && non_empty_array(spec, "externalIPs"));
    if externally_accessible {
        default_str(spec, "externalTrafficPolicy", "Cluster");
    }
    if matches!(kind.as_str(), "NodePort" | "LoadBalancer" | "ClusterIP") {
        default_ptr(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    if kind == "LoadBalancer" {
        default_ptr(spec, "allocateLoadBalancerNodePorts", json!(true));
        let ingress = obj_at(root, "status").and_then(|s| obj_at(s, "loadBalancer"));
        if let Some(lb) = ingress {
            for ing in objs_at(lb, "ingress") {
                if !str_at(ing, "ip").is_empty() {
                    default_ptr(ing, "ipMode", json!("VIP"));
                }
            }
        }
    }
}

fn namespace(root: &mut Map<String, Value>) {
    let name = root
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if !name.is_empty() {
        if let Some(labels) = ensure_obj(root, "metadata").and_then(|m| ensure_obj(m, "labels")) {
            labels.insert("kubernetes.io/metadata.name".to_string(), Value::String(name));
        }
    }
    if let Some(status) = ensure_obj(root, "status") {
        default_str(status, "phase", "Active");
    }
}

/// SetDefaults_ResourceList on the named lists of `m`.
fn round_lists(m: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if let Some(list) = obj_at(m, key) {
            round_resource_list(list);
        }
    }
}

fn node(root: &mut Map<String, Value>) {
    let Some(status) = obj_at(root, "status") else { return };
    if is_unset(status.get("allocatable")) {
        if let Some(capacity) = status.get("capacity").filter(|c| c.is_object()).cloned() {
            status.insert("allocatable".to_string(), capacity);
        }
    }
    round_lists(status, &["capacity", "allocatable"]);
}

fn resource_quota(root: &mut Map<String, Value>) {
    for key in ["spec", "status"] {
        if let Some(m) = obj_at(root, key) {
            round_lists(m, &["hard", "used"]);
        }
    }
}

fn persistent_volume(root: &mut Map<String, Value>) {
    if let Some(status) = ensure_obj(root, "status") {
        default_str(status, "phase", "Pending");
    }
    let Some(spec) = ensure_obj(root, "spec") else { return };
    default_str(spec, "persistentVolumeReclaimPolicy", "Retain");
    default_ptr(spec, "volumeMode", json!("Filesystem"));
    volume_source_markers(spec);
    round_lists(spec, &["capacity"]);
}

fn persistent_volume_claim(root: &mut Map<String, Value>) {
    if let Some(status) = ensure_obj(root, "status") {
        default_str(status, "phase", "Pending");
        round_lists(status, &["capacity"]);
    }
    if let Some(spec) = ensure_obj(root, "spec") {
        pvc_spec(spec);
    }
}

fn pvc_spec(spec: &mut Map<String, Value>) {
    round_resources(spec);
    default_ptr(spec, "volumeMode", json!("Filesystem"));
}

fn endpoints(root: &mut Map<String, Value>) {
    for subset in objs_at(root, "subsets") {
        for port in objs_at(subset, "ports") {
            default_str(port, "protocol", "TCP");
        }
    }
}

fn limit_range(root: &mut Map<String, Value>) {
    let Some(spec) = obj_at(root, "spec") else { return };
    for item in objs_at(spec, "limits") {
        limit_range_item(item);
        round_lists(
            item,
            &["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"],
        );
    }
}

fn limit_range_item(item: &mut Map<String, Value>) {
    if str_at(item, "type") != "Container" {
        return;
    }
    let max = item.get("max").and_then(Value::as_object).cloned().unwrap_or_default();
    let min = item.get("min").and_then(Value::as_object).cloned().unwrap_or_default();
    if let Some(default) = ensure_obj(item, "default") {
        for (k, v) in max {
            default.entry(k).or_insert(v);
        }
    }
    let default = item
        .get("default")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(request) = ensure_obj(item, "defaultRequest") {
        for (k, v) in default {
            request.entry(k).or_insert(v);
        }
        for (k, v) in min {
            request.entry(k).or_insert(v);
        }
    }
    // Empty Go maps are omitted when serialised.
    for key in ["default", "defaultRequest"] {
        if item.get(key).and_then(Value::as_object).is_some_and(Map::is_empty) {
            item.remove(key);
        }
    }
}

// ---- Other groups -------------------------------------------------------------------------

fn network_policy(root: &mut Map<String, Value>) {
    let Some(spec) = ensure_obj(root, "spec") else { return };
    if !non_empty_array(spec, "policyTypes") {
        let mut types = vec![json!("Ingress")];
        if non_empty_array(spec, "egress") {
            types.push(json!("Egress"));
        }
        spec.insert("policyTypes".to_string(), Value::Array(types));
    }
    for key in ["ingress", "egress"] {
        for rule in objs_at(spec, key) {
            for port in objs_at(rule, "ports") {
                default_ptr(port, "protocol", json!("TCP"));
            }
        }
    }
}

fn ingress_class(root: &mut Map<String, Value>) {
    if let Some(params) = obj_at(root, "spec").and_then(|s| obj_at(s, "parameters")) {
        default_ptr(params, "scope", json!("Cluster"));
    }
}

fn role_binding(root: &mut Map<String, Value>) {
    if let Some(role_ref) = ensure_obj(root, "roleRef") {
        default_str(role_ref, "apiGroup", "rbac.authorization.k8s.io");
    }
    for subject in objs_at(root, "subjects") {
        if str_at(subject, "apiGroup").is_empty() && matches!(str_at(subject, "kind"), "User" | "Group") {
            subject.insert("apiGroup".to_string(), json!("rbac.authorization.k8s.io"));
        }
    }
}

#[cfg(test)]
mod tests;
