//! Per-kind registry strategies: what PrepareForCreate/PrepareForUpdate of the upstream
//! registries do to status and generation, and the few per-store switches.

use crate::meta::{self, child_map, spec_part};
use api::ResourceInfo;
use serde_json::{json, Value};

/// Kinds whose registry sets `metadata.generation` (1 on create, bumped on spec changes).
pub(crate) fn has_generation(info: &ResourceInfo, custom: bool) -> bool {
    if custom {
        return true;
    }
    matches!(
        (info.group.as_str(), info.plural.as_str()),
        ("", "pods")
            | ("", "replicationcontrollers")
            | ("apps", "deployments")
            | ("apps", "replicasets")
            | ("apps", "statefulsets")
            | ("apps", "daemonsets")
            | ("batch", "jobs")
            | ("batch", "cronjobs")
            | ("networking.k8s.io", "ingresses")
            | ("networking.k8s.io", "networkpolicies")
            | ("networking.k8s.io", "ingressclasses")
            | ("policy", "poddisruptionbudgets")
            | ("discovery.k8s.io", "endpointslices")
            | ("autoscaling", "horizontalpodautoscalers")
            | ("apiextensions.k8s.io", "customresourcedefinitions")
            | ("admissionregistration.k8s.io", _)
    )
}

/// Stores that answer a completed delete with the object rather than a Status.
pub(crate) fn returns_deleted_object(info: &ResourceInfo, custom: bool) -> bool {
    custom
        || matches!(
            (info.group.as_str(), info.plural.as_str()),
            ("", "pods")
                | ("", "services")
                | ("", "serviceaccounts")
                | ("", "namespaces")
                | ("", "nodes")
                | ("", "persistentvolumes")
                | ("", "persistentvolumeclaims")
                | ("storage.k8s.io", "storageclasses")
                | ("apiextensions.k8s.io", "customresourcedefinitions")
        )
}

/// Stores whose strategy refuses updates without a resourceVersion.
pub(crate) fn allow_unconditional_update(info: &ResourceInfo, custom: bool) -> bool {
    !(custom || info.plural == "customresourcedefinitions")
}

/// Stores where PUT of a missing object creates it.
pub(crate) fn allow_create_on_update(info: &ResourceInfo) -> bool {
    matches!(
        (info.group.as_str(), info.plural.as_str()),
        ("", "endpoints") | ("", "events") | ("events.k8s.io", "events") | ("coordination.k8s.io", "leases")
    )
}

fn has_status_subresource(info: &ResourceInfo) -> bool {
    info.subresources.iter().any(|s| s == "status")
}

/// PrepareForCreate: the status a new object starts with; `now` is the API server's clock.
pub(crate) fn prepare_for_create(info: &ResourceInfo, custom: bool, obj: &mut Value, name: &str, now: &str) {
    let status = match (info.group.as_str(), info.plural.as_str()) {
        ("", "pods") => {
            let qos = qos_class(obj);
            let mut status = json!({"phase": "Pending", "qosClass": qos});
            let gated = obj
                .pointer("/spec/schedulingGates")
                .and_then(Value::as_array)
                .is_some_and(|g| !g.is_empty());
            if gated {
                // applySchedulingGatedCondition: the pod shows SchedulingGated until its
                // gates are removed and the scheduler takes it.
                status["conditions"] = json!([{"type": "PodScheduled", "status": "False", "lastProbeTime": null,
                    "lastTransitionTime": now, "reason": "SchedulingGated",
                    "message": "Scheduling is blocked due to non-empty scheduling gates"}]);
            }
            Some(status)
        }
        ("", "services") | ("networking.k8s.io", "ingresses") => Some(json!({"loadBalancer": {}})),
        ("", "namespaces") => {
            // The `kubernetes` finalizer is required on create (appended to any others).
            let spec = child_map(obj, "spec");
            let fins = spec.entry("finalizers").or_insert_with(|| json!([]));
            if !fins.is_array() {
                *fins = json!([]);
            }
            if let Some(a) = fins.as_array_mut() {
                if !a.iter().any(|f| f.as_str() == Some("kubernetes")) {
                    a.push(json!("kubernetes"));
                }
            }
            Some(json!({"phase": "Active"}))
        }
        ("", "persistentvolumes") => Some(json!({"phase": "Pending", "lastPhaseTransitionTime": now})),
        ("", "persistentvolumeclaims") => Some(json!({"phase": "Pending"})),
        ("", "replicationcontrollers") | ("apps", "replicasets") => Some(json!({"replicas": 0})),
        ("apps", "statefulsets") => Some(json!({"replicas": 0, "availableReplicas": 0})),
        ("apps", "daemonsets") => Some(json!({
            "currentNumberScheduled": 0, "numberMisscheduled": 0, "desiredNumberScheduled": 0, "numberReady": 0
        })),
        ("batch", "jobs") => {
            if obj.pointer("/spec/manualSelector").and_then(Value::as_bool) != Some(true) {
                generate_job_selector(obj, name);
            }
            Some(json!({}))
        }
        ("apps", "deployments") | ("batch", "cronjobs") => Some(json!({})),
        ("autoscaling", "horizontalpodautoscalers") => Some(json!({"desiredReplicas": 0})),
        ("policy", "poddisruptionbudgets") => Some(json!({
            "disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0
        })),
        _ => None,
    };
    if info.plural == "namespaces" && info.group.is_empty() {
        // The namespace's own name label (namespace defaulting).
        let labels = meta::meta_mut(obj).entry("labels").or_insert_with(|| json!({}));
        meta::ensure_map(labels).insert("kubernetes.io/metadata.name".into(), Value::String(name.to_string()));
    }
    if let Some(m) = obj.as_object_mut() {
        match status {
            Some(s) => {
                m.insert("status".into(), s);
            }
            None if custom && has_status_subresource(info) => {
                m.remove("status");
            }
            None => {}
        }
    }
}

/// The Job strategy's generateSelector: template labels naming the job and its uid, and a
/// selector on the uid.
fn generate_job_selector(job: &mut Value, name: &str) {
    let uid = meta::meta_str(job, "uid").to_string();
    let template = child_map(job, "spec").entry("template").or_insert_with(|| json!({}));
    let tmeta = child_map(template, "metadata");
    let labels = meta::ensure_map(tmeta.entry("labels").or_insert_with(|| json!({})));
    for key in ["job-name", "batch.kubernetes.io/job-name"] {
        labels.entry(key).or_insert_with(|| json!(name));
    }
    for key in ["controller-uid", "batch.kubernetes.io/controller-uid"] {
        labels.entry(key).or_insert_with(|| json!(uid));
    }
    let selector = child_map(job, "spec").entry("selector").or_insert_with(|| json!({}));
    let ml = meta::ensure_map(
        meta::ensure_map(selector)
            .entry("matchLabels")
            .or_insert_with(|| json!({})),
    );
    ml.entry("batch.kubernetes.io/controller-uid")
        .or_insert_with(|| json!(uid));
}

/// PrepareForUpdate of the main resource: status comes from the stored object for kinds
/// with a status subresource; namespaces also keep their spec.finalizers.
pub(crate) fn prepare_for_update(info: &ResourceInfo, old: &Value, new: &mut Value) {
    if has_status_subresource(info) {
        if let Some(m) = new.as_object_mut() {
            match old.get("status") {
                Some(s) => m.insert("status".into(), s.clone()),
                None => m.remove("status"),
            };
        }
    }
    if info.group.is_empty() && info.plural == "namespaces" {
        let old_fin = old.pointer("/spec/finalizers").cloned();
        let spec = child_map(new, "spec");
        match old_fin {
            Some(f) => spec.insert("finalizers".into(), f),
            None => spec.remove("finalizers"),
        };
    }
}

/// PrepareForUpdate of `/status`: everything but status comes from the stored object.
pub(crate) fn prepare_for_status_update(info: &ResourceInfo, old: &Value, new: &Value, now: &str) -> Value {
    let mut out = old.clone();
    if let Some(m) = out.as_object_mut() {
        match new.get("status") {
            Some(s) => m.insert("status".into(), s.clone()),
            None => m.remove("status"),
        };
    }
    if info.group.is_empty() && info.plural == "persistentvolumes" {
        pv_phase_transition_time(old, &mut out, now);
    }
    // deploymentStatusStrategy resets only spec and labels: the deployment
    // controller writes the revision annotation through /status, without a new generation.
    if info.group == "apps" && info.plural == "deployments" {
        let meta = child_map(&mut out, "metadata");
        match new.pointer("/metadata/annotations") {
            Some(a) => meta.insert("annotations".into(), a.clone()),
            None => meta.remove("annotations"),
        };
    }
    out
}

/// The PersistentVolume status strategy keeps lastPhaseTransitionTime while the phase stays
/// and stamps `now` when the phase changes, unless the writer set a new time itself.
fn pv_phase_transition_time(old: &Value, new: &mut Value, now: &str) {
    let old_phase = old.pointer("/status/phase");
    let old_time = old
        .pointer("/status/lastPhaseTransitionTime")
        .filter(|t| !t.is_null())
        .cloned();
    let new_time = new
        .pointer("/status/lastPhaseTransitionTime")
        .filter(|t| !t.is_null())
        .cloned();
    let time = if old_phase == new.pointer("/status/phase") {
        new_time.or(old_time)
    } else if new_time.is_none() || new_time == old_time {
        Some(json!(now))
    } else {
        new_time
    };
    if let (Some(time), Some(status)) = (time, new.get_mut("status").and_then(Value::as_object_mut)) {
        status.insert("lastPhaseTransitionTime".into(), time);
    }
}

/// PrepareForUpdate of `pods/resize`: only container resources come from the request.
pub(crate) fn prepare_for_resize(old: &Value, new: &Value) -> Value {
    let mut out = old.clone();
    for key in ["containers", "initContainers"] {
        let wanted: Vec<Value> = new
            .pointer(&format!("/spec/{key}"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if let Some(cs) = out.pointer_mut(&format!("/spec/{key}")).and_then(Value::as_array_mut) {
            for c in cs.iter_mut() {
                let name = c.get("name").cloned();
                let res = wanted
                    .iter()
                    .find(|w| w.get("name") == name.as_ref())
                    .and_then(|w| w.get("resources"))
                    .cloned();
                if let (Some(m), Some(r)) = (c.as_object_mut(), res) {
                    m.insert("resources".into(), r);
                }
            }
        }
    }
    out
}

/// The new generation after an update.
pub(crate) fn next_generation(info: &ResourceInfo, old: &Value, new: &Value) -> i64 {
    let gen = old.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(0);
    let mut changed = spec_part(old) != spec_part(new);
    // Deployment annotations are copied to ReplicaSets, so they count as spec.
    if info.plural == "deployments" && info.group == "apps" {
        changed |= old.pointer("/metadata/annotations") != new.pointer("/metadata/annotations");
    }
    if changed {
        gen.saturating_add(1)
    } else {
        gen
    }
}

fn resource_names(c: &Value, field: &str) -> Vec<String> {
    c.pointer(&format!("/resources/{field}"))
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// qos.GetPodQOS: BestEffort without any cpu/memory request or limit; Guaranteed when every
/// container limits cpu and memory and its requests equal its limits; Burstable otherwise.
pub(crate) fn qos_class(pod: &Value) -> &'static str {
    let mut containers: Vec<&Value> = Vec::new();
    for key in ["/spec/containers", "/spec/initContainers"] {
        if let Some(a) = pod.pointer(key).and_then(Value::as_array) {
            containers.extend(a.iter());
        }
    }
    let relevant = |n: &String| n == "cpu" || n == "memory";
    let mut any = false;
    let mut guaranteed = true;
    for c in &containers {
        let req = resource_names(c, "requests");
        let lim = resource_names(c, "limits");
        if req.iter().chain(lim.iter()).any(relevant) {
            any = true;
        }
        for r in ["cpu", "memory"] {
            let l = c.pointer(&format!("/resources/limits/{r}"));
            let q = c.pointer(&format!("/resources/requests/{r}"));
            match (l, q) {
                (Some(l), Some(q)) if quantity_eq(l, q) => {}
                (Some(_), None) => {}
                _ => guaranteed = false,
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

fn quantity_eq(a: &Value, b: &Value) -> bool {
    use apimachinery::quantity::Quantity;
    match (Quantity::from_json(a), Quantity::from_json(b)) {
        (Some(Ok(x)), Some(Ok(y))) => x == y,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_get_a_generated_selector_on_their_uid() {
        let mut job = json!({"metadata": {"name": "pi", "uid": "u-1"}, "spec": {"template": {"spec": {}}}});
        let info = api::Discovery::builtin()
            .find_resource("batch", "v1", "jobs")
            .cloned()
            .unwrap();
        prepare_for_create(&info, false, &mut job, "pi", "2026-01-01T00:00:00Z");
        assert_eq!(
            job["spec"]["selector"],
            json!({"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}})
        );
        let labels = &job["spec"]["template"]["metadata"]["labels"];
        assert_eq!(labels["job-name"], "pi");
        assert_eq!(labels["batch.kubernetes.io/controller-uid"], "u-1");
        assert_eq!(job["status"], json!({}));
    }

    #[test]
    fn gated_pods_start_with_the_scheduling_gated_condition() {
        let info = api::Discovery::builtin()
            .find_resource("", "v1", "pods")
            .cloned()
            .unwrap();
        let mut pod =
            json!({"spec": {"schedulingGates": [{"name": "example.com/foo"}], "containers": [{"name": "a"}]}});
        prepare_for_create(&info, false, &mut pod, "p", "2026-01-01T00:00:00Z");
        assert_eq!(
            pod["status"]["conditions"],
            json!([{"type": "PodScheduled", "status": "False", "lastProbeTime": null,
                "lastTransitionTime": "2026-01-01T00:00:00Z", "reason": "SchedulingGated",
                "message": "Scheduling is blocked due to non-empty scheduling gates"}])
        );
        let mut free = json!({"spec": {"schedulingGates": [], "containers": [{"name": "a"}]}});
        prepare_for_create(&info, false, &mut free, "p", "2026-01-01T00:00:00Z");
        assert!(free["status"].get("conditions").is_none());
    }

    #[test]
    fn a_volume_phase_change_stamps_the_transition_time() {
        let info = api::Discovery::builtin()
            .find_resource("", "v1", "persistentvolumes")
            .cloned()
            .unwrap();
        let mut pv = json!({"spec": {}});
        prepare_for_create(&info, false, &mut pv, "pv", "2026-01-01T00:00:00Z");
        assert_eq!(
            pv["status"],
            json!({"phase": "Pending", "lastPhaseTransitionTime": "2026-01-01T00:00:00Z"})
        );
        let same = prepare_for_status_update(
            &info,
            &pv,
            &json!({"status": {"phase": "Pending"}}),
            "2026-01-01T00:01:00Z",
        );
        assert_eq!(same["status"]["lastPhaseTransitionTime"], "2026-01-01T00:00:00Z");
        let moved = prepare_for_status_update(&info, &pv, &pv_with_phase(&pv, "Available"), "2026-01-01T00:02:00Z");
        assert_eq!(moved["status"]["lastPhaseTransitionTime"], "2026-01-01T00:02:00Z");
    }

    fn pv_with_phase(pv: &Value, phase: &str) -> Value {
        let mut out = pv.clone();
        out["status"]["phase"] = json!(phase);
        out
    }

    #[test]
    fn qos_follows_requests_and_limits() {
        assert_eq!(
            qos_class(&json!({"spec": {"containers": [{"name": "a"}]}})),
            "BestEffort"
        );
        let g = json!({"spec": {"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1", "memory": "1Gi"}}}]}});
        assert_eq!(qos_class(&g), "Guaranteed");
        let b = json!({"spec": {"containers": [{"resources": {"requests": {"cpu": "100m"}}}]}});
        assert_eq!(qos_class(&b), "Burstable");
    }
}
