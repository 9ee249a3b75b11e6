//! The admission plugins kube-apiserver enables by default that change what kubeplay's
//! learners see: NamespaceLifecycle, ServiceAccount, DefaultTolerationSeconds, Priority.

use crate::meta::{child_map, meta_str, str_at};
use crate::{object_key, ApiServer, Target};
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
        let terminating = str_at(nsobj, "/status/phase") == "Terminating" || !meta_str(nsobj, "deletionTimestamp").is_empty();
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
    pub(crate) fn admit_pod(&mut self, ctx: &mut SimContext, t: &Target, ns: &str, pod: &mut Value) -> Result<(), ApiError> {
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
        if pod.pointer("/metadata/annotations/kubernetes.io~1config.mirror").is_some() {
            return Ok(());
        }
        let spec = child_map(pod, "spec");
        let mut sa_name = spec.get("serviceAccountName").and_then(Value::as_str).unwrap_or("").to_string();
        if sa_name.is_empty() {
            sa_name = spec.get("serviceAccount").and_then(Value::as_str).unwrap_or("").to_string();
        }
        if sa_name.is_empty() {
            sa_name = "default".to_string();
        }
        spec.insert("serviceAccountName".into(), json!(sa_name));
        spec.insert("serviceAccount".into(), json!(sa_name));
        let sa = self.stored("/registry/serviceaccounts", &object_key(ns, &sa_name)).cloned();
        if sa.is_none() && self.config.require_service_account {
            return Err(ApiError::forbidden(
                &t.gr(),
                name,
                &format!("error looking up service account {ns}/{sa_name}: serviceaccount \"{sa_name}\" not found"),
            ));
        }
        let pod_automount = pod.pointer("/spec/automountServiceAccountToken").and_then(Value::as_bool);
        let sa_automount = sa.as_ref().and_then(|s| s.get("automountServiceAccountToken")).and_then(Value::as_bool);
        if pod_automount.or(sa_automount) == Some(false) {
            return Ok(());
        }
        // A container that already mounts the token path opts out.
        let already = ["containers", "initContainers"].iter().any(|k| {
            pod.pointer(&format!("/spec/{k}")).and_then(Value::as_array).is_some_and(|cs| {
                cs.iter().any(|c| {
                    c.get("volumeMounts")
                        .and_then(Value::as_array)
                        .is_some_and(|ms| ms.iter().any(|m| m.get("mountPath").and_then(Value::as_str) == Some(SA_MOUNT_PATH)))
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
                None => (0, None),
            }
        } else {
            match self.stored("/registry/priorityclasses", &class) {
                Some(pc) => (
                    pc.get("value").and_then(Value::as_i64).unwrap_or(0),
                    pc.get("preemptionPolicy").and_then(Value::as_str).map(str::to_string),
                ),
                None => {
                    return Err(ApiError::forbidden(&t.gr(), name, &format!("no PriorityClass with name {class} was found")))
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
        let spec = child_map(pod, "spec");
        spec.insert("priority".into(), json!(priority));
        if let Some(p) = preemption {
            spec.insert("preemptionPolicy".into(), json!(p));
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

/// DefaultTolerationSeconds: tolerate not-ready and unreachable for 300s unless the pod
/// already tolerates them.
fn admit_default_tolerations(pod: &mut Value) {
    let existing: Vec<Value> = pod.pointer("/spec/tolerations").and_then(Value::as_array).cloned().unwrap_or_default();
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
