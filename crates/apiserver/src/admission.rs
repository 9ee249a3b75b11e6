//! The admission plugins kube-apiserver enables by default that change what kubeplay's
//! learners see: NamespaceLifecycle, ServiceAccount, DefaultTolerationSeconds, Priority.

use crate::meta::{child_map, meta_str, str_at};
use crate::{object_key, ApiServer, Target};
use apimachinery::quantity::Quantity;
use apimachinery::{ApiError, GroupResource};
use serde_json::{json, Value};
use sim::SimContext;

/// Namespaces NamespaceLifecycle never lets go.
pub(crate) const IMMORTAL_NAMESPACES: [&str; 3] = ["default", "kube-system", "kube-public"];

const SA_MOUNT_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

impl ApiServer {
    fn namespace_obj(&self, ns: &str) -> Option<&Value> {
        self.stored("/registry/namespaces", ns)
    }

    /// NamespaceLifecycle on create: the namespace must exist and not be terminating.
    pub(crate) fn admit_namespace_lifecycle(&self, t: &Target, ns: &str, name: &str) -> Result<(), ApiError> {
        if !t.info.namespaced() {
            return Ok(());
        }
        let Some(nsobj) = self.namespace_obj(ns) else {
            return Err(ApiError::not_found(&GroupResource::new("", "namespaces"), ns));
        };
        let terminating =
            str_at(nsobj, "/status/phase") == "Terminating" || !meta_str(nsobj, "deletionTimestamp").is_empty();
        // Events may still be written into a terminating namespace.
        if terminating && t.info.plural != "events" {
            return Err(ApiError::forbidden(
                &t.gr(),
                name,
                &format!("unable to create new content in namespace {ns} because it is being terminated"),
            ));
        }
        Ok(())
    }

    /// Admission for a new pod: ServiceAccount, DefaultTolerationSeconds, Priority.
    pub(crate) fn admit_pod(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        ns: &str,
        pod: &mut Value,
    ) -> Result<(), ApiError> {
        let name = meta_str(pod, "name").to_string();
        self.admit_service_account(ctx, t, ns, &name, pod)?;
        admit_default_tolerations(pod);
        self.admit_priority(t, &name, pod)
    }

    fn admit_service_account(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        ns: &str,
        name: &str,
        pod: &mut Value,
    ) -> Result<(), ApiError> {
        // Mirror pods (static pods reported by the kubelet) are left alone.
        if pod
            .pointer("/metadata/annotations/kubernetes.io~1config.mirror")
            .is_some()
        {
            return Ok(());
        }
        let spec = child_map(pod, "spec");
        let mut sa_name = spec
            .get("serviceAccountName")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if sa_name.is_empty() {
            sa_name = spec
                .get("serviceAccount")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
        }
        if sa_name.is_empty() {
            sa_name = "default".to_string();
        }
        spec.insert("serviceAccountName".into(), json!(sa_name));
        spec.insert("serviceAccount".into(), json!(sa_name));
        let sa = self
            .stored("/registry/serviceaccounts", &object_key(ns, &sa_name))
            .cloned();
        if sa.is_none() && self.config.require_service_account {
            return Err(ApiError::forbidden(
                &t.gr(),
                name,
                &format!("error looking up service account {ns}/{sa_name}: serviceaccount \"{sa_name}\" not found"),
            ));
        }
        let pod_automount = pod
            .pointer("/spec/automountServiceAccountToken")
            .and_then(Value::as_bool);
        let sa_automount = sa
            .as_ref()
            .and_then(|s| s.get("automountServiceAccountToken"))
            .and_then(Value::as_bool);
        if pod_automount.or(sa_automount) == Some(false) {
            return Ok(());
        }
        // A container that already mounts the token path opts out.
        let already = ["containers", "initContainers"].iter().any(|k| {
            pod.pointer(&format!("/spec/{k}"))
                .and_then(Value::as_array)
                .is_some_and(|cs| {
                    cs.iter().any(|c| {
                        c.get("volumeMounts").and_then(Value::as_array).is_some_and(|ms| {
                            ms.iter()
                                .any(|m| m.get("mountPath").and_then(Value::as_str) == Some(SA_MOUNT_PATH))
                        })
                    })
                })
        });
        if already {
            return Ok(());
        }
        let vol_name = format!("kube-api-access-{}", ctx.name_suffix(5));
        let volume = json!({
            "name": vol_name,
            "projected": {
                "defaultMode": 420,
                "sources": [
                    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                    {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                    {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}
                ]
            }
        });
        let spec = child_map(pod, "spec");
        let vols = spec.entry("volumes").or_insert_with(|| json!([]));
        if let Some(a) = vols.as_array_mut() {
            a.push(volume);
        } else {
            *vols = json!([volume]);
        }
        let mount = json!({"name": vol_name, "readOnly": true, "mountPath": SA_MOUNT_PATH});
        for k in ["initContainers", "containers"] {
            if let Some(cs) = spec.get_mut(k).and_then(Value::as_array_mut) {
                for c in cs.iter_mut() {
                    let mounts = child_map_array(c, "volumeMounts");
                    mounts.push(mount.clone());
                }
            }
        }
        Ok(())
    }

    fn admit_priority(&self, t: &Target, name: &str, pod: &mut Value) -> Result<(), ApiError> {
        let class = str_at(pod, "/spec/priorityClassName").to_string();
        let (priority, preemption) = if class.is_empty() {
            match self.default_priority_class() {
                Some((n, v, p)) => {
                    child_map(pod, "spec").insert("priorityClassName".into(), json!(n));
                    (v, p)
                }
                None => (0, Some("PreemptLowerPriority".to_string())),
            }
        } else {
            match self.stored("/registry/priorityclasses", &class) {
                Some(pc) => (
                    pc.get("value").and_then(Value::as_i64).unwrap_or(0),
                    pc.get("preemptionPolicy").and_then(Value::as_str).map(str::to_string),
                ),
                None => {
                    return Err(ApiError::forbidden(
                        &t.gr(),
                        name,
                        &format!("no PriorityClass with name {class} was found"),
                    ))
                }
            }
        };
        if let Some(p) = pod.pointer("/spec/priority").and_then(Value::as_i64) {
            if p != priority {
                return Err(ApiError::forbidden(
                    &t.gr(),
                    name,
                    &format!(
                        "the integer value of priority ({p}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
                    ),
                ));
            }
        }
        if let (Some(want), Some(given)) = (
            &preemption,
            pod.pointer("/spec/preemptionPolicy").and_then(Value::as_str),
        ) {
            if want != given {
                return Err(ApiError::forbidden(
                    &t.gr(),
                    name,
                    &format!(
                        "the string value of PreemptionPolicy ({given}) must not be provided in pod spec; priority admission controller computed {want} from the given PriorityClass name"
                    ),
                ));
            }
        }
        let spec = child_map(pod, "spec");
        spec.insert("priority".into(), json!(priority));
        if let Some(p) = preemption {
            spec.insert("preemptionPolicy".into(), json!(p));
        }
        Ok(())
    }

    /// Priority on pod updates: a replacement without priority/preemptionPolicy keeps the
    /// stored ones (validation then rejects real changes).
    pub(crate) fn admit_pod_update(old: &Value, new: &mut Value) {
        for f in ["priority", "preemptionPolicy"] {
            if new.pointer(&format!("/spec/{f}")).is_none_or(Value::is_null) {
                if let Some(v) = old.pointer(&format!("/spec/{f}")).cloned() {
                    child_map(new, "spec").insert(f.into(), v);
                }
            }
        }
    }

    /// Priority's validation of PriorityClasses: only one may be the global default.
    pub(crate) fn admit_priority_class(&self, t: &Target, pc: &Value, updating: bool) -> Result<(), ApiError> {
        if pc.get("globalDefault").and_then(Value::as_bool) != Some(true) {
            return Ok(());
        }
        let name = meta_str(pc, "name");
        if let Some((current, _, _)) = self.default_priority_class() {
            if !updating || current != name {
                return Err(ApiError::forbidden(
                    &t.gr(),
                    name,
                    &format!("PriorityClass {current} is already marked as default. Only one default can exist"),
                ));
            }
        }
        Ok(())
    }

    fn default_priority_class(&self) -> Option<(String, i64, Option<String>)> {
        let classes = self.store.get("/registry/priorityclasses")?;
        classes
            .values()
            .filter(|pc| pc.get("globalDefault").and_then(Value::as_bool) == Some(true))
            .map(|pc| {
                (
                    meta_str(pc, "name").to_string(),
                    pc.get("value").and_then(Value::as_i64).unwrap_or(0),
                    pc.get("preemptionPolicy").and_then(Value::as_str).map(str::to_string),
                )
            })
            .min_by_key(|(_, v, _)| *v)
    }
}

fn child_map_array<'a>(obj: &'a mut Value, key: &str) -> &'a mut Vec<Value> {
    let m = crate::meta::ensure_map(obj);
    let entry = m.entry(key).or_insert_with(|| json!([]));
    if !entry.is_array() {
        *entry = json!([]);
    }
    match entry {
        Value::Array(a) => a,
        // Made an array just above.
        _ => unreachable!(),
    }
}

/// StorageObjectInUseProtection: a new PersistentVolume or claim carries the protection
/// finalizer, which the pv/pvc-protection controllers remove once nothing uses the object.
pub(crate) fn admit_storage_protection(t: &Target, obj: &mut Value) {
    let finalizer = match (t.info.group.as_str(), t.info.plural.as_str()) {
        ("", "persistentvolumes") => "kubernetes.io/pv-protection",
        ("", "persistentvolumeclaims") => "kubernetes.io/pvc-protection",
        _ => return,
    };
    let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let fins = meta.entry("finalizers").or_insert_with(|| json!([]));
    if !fins.is_array() {
        *fins = json!([]);
    }
    if let Some(list) = fins.as_array_mut() {
        if !list.iter().any(|f| f.as_str() == Some(finalizer)) {
            list.push(json!(finalizer));
        }
    }
}

/// DefaultTolerationSeconds: tolerate not-ready and unreachable for 300s unless the pod
/// already tolerates them.
fn admit_default_tolerations(pod: &mut Value) {
    let existing: Vec<Value> = pod
        .pointer("/spec/tolerations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let tolerates = |key: &str| {
        existing.iter().any(|t| {
            let k = t.get("key").and_then(Value::as_str).unwrap_or("");
            let op = t.get("operator").and_then(Value::as_str).unwrap_or("Equal");
            let effect = t.get("effect").and_then(Value::as_str).unwrap_or("");
            (k == key || (k.is_empty() && op == "Exists")) && (effect.is_empty() || effect == "NoExecute")
        })
    };
    let mut add = Vec::new();
    for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
        if !tolerates(key) {
            add.push(json!({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
        }
    }
    if add.is_empty() {
        return;
    }
    let spec = child_map(pod, "spec");
    let mut all = existing;
    all.extend(add);
    spec.insert("tolerations".into(), Value::Array(all));
}

// ---- LimitRanger -----------------------------------------------------------------------

fn quantity(v: &Value) -> Option<Quantity> {
    Quantity::from_json(v).and_then(Result::ok)
}

/// The containers of a pod with the annotation word upstream uses for each list.
const CONTAINER_LISTS: [(&str, &str); 2] = [("containers", "container"), ("initContainers", "init container")];

impl ApiServer {
    /// The LimitRanges of a namespace, by name.
    fn limit_ranges(&self, ns: &str) -> Vec<Value> {
        self.scan("/registry/limitranges", Some(ns), None)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// LimitRanger's mutation: container default requests and limits, recorded in the
    /// `kubernetes.io/limit-ranger` annotation.
    pub(crate) fn admit_limit_ranger(&self, ns: &str, pod: &mut Value) {
        for lr in self.limit_ranges(ns) {
            let mut default_requests = serde_json::Map::new();
            let mut default_limits = serde_json::Map::new();
            for item in lr
                .pointer("/spec/limits")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if item.get("type").and_then(Value::as_str) != Some("Container") {
                    continue;
                }
                for (src, dst) in [
                    ("defaultRequest", &mut default_requests),
                    ("default", &mut default_limits),
                ] {
                    if let Some(m) = item.get(src).and_then(Value::as_object) {
                        for (k, v) in m {
                            dst.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            if default_requests.is_empty() && default_limits.is_empty() {
                continue;
            }
            let mut notes: Vec<String> = Vec::new();
            for (list, word) in CONTAINER_LISTS {
                let Some(cs) = pod.pointer_mut(&format!("/spec/{list}")).and_then(Value::as_array_mut) else {
                    continue;
                };
                for c in cs.iter_mut() {
                    let cname = c.get("name").and_then(Value::as_str).unwrap_or("").to_string();
                    let resources = child_map(c, "resources");
                    let mut set = |field: &str, defaults: &serde_json::Map<String, Value>| -> Vec<String> {
                        let target = crate::meta::ensure_map(resources.entry(field).or_insert_with(|| json!({})));
                        let mut added = Vec::new();
                        for (k, v) in defaults {
                            if !target.contains_key(k) {
                                target.insert(k.clone(), v.clone());
                                added.push(k.clone());
                            }
                        }
                        if target.is_empty() {
                            resources.remove(field);
                        }
                        added
                    };
                    let limits = set("limits", &default_limits);
                    let requests = set("requests", &default_requests);
                    if !requests.is_empty() {
                        notes.push(format!("{} request for {word} {cname}", requests.join(", ")));
                    }
                    if !limits.is_empty() {
                        notes.push(format!("{} limit for {word} {cname}", limits.join(", ")));
                    }
                }
            }
            if !notes.is_empty() {
                let m = crate::meta::meta_mut(pod);
                let ann = crate::meta::ensure_map(m.entry("annotations").or_insert_with(|| json!({})));
                ann.insert(
                    "kubernetes.io/limit-ranger".into(),
                    json!(format!("LimitRanger plugin set: {}", notes.join("; "))),
                );
            }
        }
    }

    /// LimitRanger's validation of a new pod (Container limits) or PersistentVolumeClaim
    /// (storage requests): the first LimitRange that objects answers for all its errors.
    pub(crate) fn validate_limit_ranger(&self, t: &Target, ns: &str, obj: &Value) -> Result<(), ApiError> {
        let is_pvc = t.info.plural == "persistentvolumeclaims";
        for lr in self.limit_ranges(ns) {
            let mut errs: Vec<String> = Vec::new();
            for item in lr
                .pointer("/spec/limits")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match (item.get("type").and_then(Value::as_str), is_pvc) {
                    (Some("Container"), false) => {
                        for (list, _) in CONTAINER_LISTS {
                            for c in obj
                                .pointer(&format!("/spec/{list}"))
                                .and_then(Value::as_array)
                                .into_iter()
                                .flatten()
                            {
                                limit_errors(item, c, &mut errs);
                            }
                        }
                    }
                    (Some("PersistentVolumeClaim"), true) => pvc_limit_errors(item, obj, &mut errs),
                    _ => {}
                }
            }
            // utilerrors.NewAggregate: duplicates collapse; one message stands alone.
            let mut unique: Vec<String> = Vec::new();
            for e in errs {
                if !unique.contains(&e) {
                    unique.push(e);
                }
            }
            let name = meta_str(obj, "name");
            match unique.as_slice() {
                [] => {}
                [one] => return Err(ApiError::forbidden(&t.gr(), name, one)),
                many => return Err(ApiError::forbidden(&t.gr(), name, &format!("[{}]", many.join(", ")))),
            }
        }
        Ok(())
    }
}

/// PersistentVolumeClaim limits: min/max over `spec.resources.requests`.
fn pvc_limit_errors(item: &Value, pvc: &Value, errs: &mut Vec<String>) {
    let kind = "PersistentVolumeClaim";
    let req = |k: &str| pvc.pointer(&format!("/spec/resources/requests/{k}")).and_then(quantity);
    let bound = |field: &str| item.get(field).and_then(Value::as_object).cloned().unwrap_or_default();
    for (k, v) in bound("min") {
        let Some(min) = quantity(&v) else { continue };
        match req(&k) {
            None => errs.push(format!(
                "minimum {k} usage per {kind} is {min}.  No request is specified"
            )),
            Some(r) if r < min => errs.push(format!("minimum {k} usage per {kind} is {min}, but request is {r}")),
            _ => {}
        }
    }
    for (k, v) in bound("max") {
        let Some(max) = quantity(&v) else { continue };
        match req(&k) {
            None => errs.push(format!(
                "maximum {k} usage per {kind} is {max}.  No request is specified"
            )),
            Some(r) if r > max => errs.push(format!("maximum {k} usage per {kind} is {max}, but request is {r}")),
            _ => {}
        }
    }
}

fn limit_errors(item: &Value, container: &Value, errs: &mut Vec<String>) {
    let kind = "Container";
    let res = |field: &str, k: &str| container.pointer(&format!("/resources/{field}/{k}")).and_then(quantity);
    let bound = |field: &str| item.get(field).and_then(Value::as_object).cloned().unwrap_or_default();
    for (k, v) in bound("min") {
        let Some(min) = quantity(&v) else { continue };
        match (res("requests", &k), res("limits", &k)) {
            (None, _) => errs.push(format!(
                "minimum {k} usage per {kind} is {min}.  No request is specified"
            )),
            (Some(r), _) if r < min => errs.push(format!("minimum {k} usage per {kind} is {min}, but request is {r}")),
            (_, Some(l)) if l < min => errs.push(format!("minimum {k} usage per {kind} is {min}, but limit is {l}")),
            _ => {}
        }
    }
    for (k, v) in bound("max") {
        let Some(max) = quantity(&v) else { continue };
        match (res("requests", &k), res("limits", &k)) {
            (_, None) => errs.push(format!("maximum {k} usage per {kind} is {max}.  No limit is specified")),
            (_, Some(l)) if l > max => errs.push(format!("maximum {k} usage per {kind} is {max}, but limit is {l}")),
            (Some(r), _) if r > max => errs.push(format!("maximum {k} usage per {kind} is {max}, but request is {r}")),
            _ => {}
        }
    }
    for (k, v) in bound("maxLimitRequestRatio") {
        let Some(ratio) = quantity(&v) else { continue };
        let req = res("requests", &k).filter(|q| !q.is_zero());
        let lim = res("limits", &k).filter(|q| !q.is_zero());
        match (req, lim) {
            (None, _) => errs.push(format!(
                "{k} max limit to request ratio per {kind} is {ratio}, but no request is specified or request is 0"
            )),
            (_, None) => errs.push(format!(
                "{k} max limit to request ratio per {kind} is {ratio}, but no limit is specified or limit is 0"
            )),
            (Some(r), Some(l)) => {
                let observed = l.as_f64() / r.as_f64();
                if observed > ratio.as_f64() {
                    errs.push(format!(
                        "{k} max limit to request ratio per {kind} is {ratio}, but provided ratio is {observed:.6}"
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tolerations_are_added_once() {
        let mut pod = json!({"spec": {"tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}]}});
        admit_default_tolerations(&mut pod);
        let t = pod["spec"]["tolerations"].as_array().unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[1]["key"], "node.kubernetes.io/not-ready");
        assert_eq!(t[1]["tolerationSeconds"], 300);
    }
}
