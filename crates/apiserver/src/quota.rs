//! ResourceQuota: the admission check (`exceeded quota: …`, `failed quota: …`) and the
//! status the quota controller keeps (`status.hard`, `status.used`), computed from the store.

use crate::meta::{meta_str, str_at};
use crate::{ApiServer, Target};
use api::ResourceInfo;
use apimachinery::quantity::{Format, Quantity};
use apimachinery::ApiError;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

type Usage = BTreeMap<String, Quantity>;

const QUOTAS: &str = "/registry/resourcequotas";

fn one() -> Quantity {
    Quantity::new(1, Format::DecimalSI)
}

fn zero() -> Quantity {
    Quantity::new(0, Format::DecimalSI)
}

fn add(u: &mut Usage, k: &str, q: &Quantity) {
    let sum = match u.get(k) {
        Some(cur) => cur.add(q),
        None => q.clone(),
    };
    u.insert(k.to_string(), sum);
}

fn quantity(v: &Value) -> Option<Quantity> {
    Quantity::from_json(v).and_then(Result::ok)
}

fn is_terminal(pod: &Value) -> bool {
    matches!(str_at(pod, "/status/phase"), "Succeeded" | "Failed")
}

/// A pod's compute usage: containers summed, init containers as a maximum.
fn pod_compute(pod: &Value) -> Usage {
    let mut sum = Usage::new();
    let per_container = |c: &Value| -> Usage {
        let mut u = Usage::new();
        for (field, prefix) in [("requests", "requests."), ("limits", "limits.")] {
            if let Some(m) = c.pointer(&format!("/resources/{field}")).and_then(Value::as_object) {
                for (k, v) in m {
                    if let Some(q) = quantity(v) {
                        add(&mut u, &format!("{prefix}{k}"), &q);
                        if field == "requests" && (k == "cpu" || k == "memory") {
                            add(&mut u, k, &q);
                        }
                    }
                }
            }
        }
        u
    };
    for c in pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (k, q) in per_container(c) {
            add(&mut sum, &k, &q);
        }
    }
    for c in pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for (k, q) in per_container(c) {
            if sum.get(&k).is_none_or(|cur| q > *cur) {
                sum.insert(k, q);
            }
        }
    }
    sum
}

/// What one object counts against a quota.
pub(crate) fn object_usage(info: &ResourceInfo, obj: &Value) -> Usage {
    let mut u = Usage::new();
    let one = one();
    let count = if info.group.is_empty() {
        format!("count/{}", info.plural)
    } else {
        format!("count/{}.{}", info.plural, info.group)
    };
    add(&mut u, &count, &one);
    if !info.group.is_empty() {
        return u;
    }
    match info.plural.as_str() {
        "pods" if !is_terminal(obj) => {
            add(&mut u, "pods", &one);
            for (k, q) in pod_compute(obj) {
                add(&mut u, &k, &q);
            }
        }
        "services" => {
            add(&mut u, "services", &one);
            let ty = str_at(obj, "/spec/type");
            if ty == "LoadBalancer" {
                add(&mut u, "services.loadbalancers", &one);
            }
            if ty == "NodePort" || ty == "LoadBalancer" {
                let ports = obj
                    .pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .map(Vec::len)
                    .unwrap_or(0);
                for _ in 0..ports {
                    add(&mut u, "services.nodeports", &one);
                }
            }
        }
        "persistentvolumeclaims" => {
            add(&mut u, "persistentvolumeclaims", &one);
            if let Some(q) = obj.pointer("/spec/resources/requests/storage").and_then(quantity) {
                add(&mut u, "requests.storage", &q);
            }
        }
        "configmaps" | "secrets" | "replicationcontrollers" | "resourcequotas" => add(&mut u, &info.plural, &one),
        _ => {}
    }
    u
}

fn pretty(u: &Usage, keys: &BTreeSet<String>) -> String {
    keys.iter()
        .filter_map(|k| u.get(k).map(|q| format!("{k}={q}")))
        .collect::<Vec<_>>()
        .join(",")
}

fn hard_of(quota: &Value) -> Usage {
    let mut h = Usage::new();
    if let Some(m) = quota.pointer("/spec/hard").and_then(Value::as_object) {
        for (k, v) in m {
            if let Some(q) = quantity(v) {
                h.insert(k.clone(), q);
            }
        }
    }
    h
}

/// Compute resources a container must state when a quota tracks them.
const MUST_SPECIFY: [&str; 6] = [
    "cpu",
    "limits.cpu",
    "limits.memory",
    "memory",
    "requests.cpu",
    "requests.memory",
];

impl ApiServer {
    fn quotas(&self, ns: &str) -> Vec<Value> {
        self.scan(QUOTAS, Some(ns), None)
            .map(|(_, v)| v.clone())
            // Scoped quotas (Terminating, BestEffort, PriorityClass …) are not modelled.
            .filter(|q| q.pointer("/spec/scopes").is_none() && q.pointer("/spec/scopeSelector").is_none())
            .collect()
    }

    /// Current usage of a namespace, for the given resource names.
    fn namespace_usage(&self, ns: &str, keys: &BTreeSet<String>) -> Usage {
        let mut total = Usage::new();
        for (info, key, _) in self.namespace_content(ns) {
            let prefix = self.prefix(&info);
            let Some(obj) = self.stored(&prefix, &key) else {
                continue;
            };
            for (k, q) in object_usage(&info, obj) {
                if keys.contains(&k) {
                    add(&mut total, &k, &q);
                }
            }
        }
        total
    }

    /// ResourceQuota admission for a new object.
    pub(crate) fn admit_quota(&self, t: &Target, ns: &str, obj: &Value) -> Result<(), ApiError> {
        if !t.info.namespaced() {
            return Ok(());
        }
        let quotas = self.quotas(ns);
        if quotas.is_empty() {
            return Ok(());
        }
        let requested = object_usage(&t.info, obj);
        let name = meta_str(obj, "name");
        for quota in quotas {
            let qname = meta_str(&quota, "name");
            let hard = hard_of(&quota);
            let tracked: BTreeSet<String> = hard
                .keys()
                .filter(|k| requested.contains_key(*k) || MUST_SPECIFY.contains(&k.as_str()))
                .cloned()
                .collect();
            let relevant: BTreeSet<String> = hard.keys().filter(|k| requested.contains_key(*k)).cloned().collect();
            if t.info.group.is_empty() && t.info.plural == "pods" && !is_terminal(obj) {
                let required: Vec<&str> = MUST_SPECIFY.iter().copied().filter(|k| tracked.contains(*k)).collect();
                let mut missing: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
                for list in ["containers", "initContainers"] {
                    for c in obj
                        .pointer(&format!("/spec/{list}"))
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        let wrapper = json!({"spec": {"containers": [c]}});
                        let cu = pod_compute(&wrapper);
                        for r in &required {
                            if !cu.contains_key(*r) {
                                missing
                                    .entry(r)
                                    .or_default()
                                    .insert(c.get("name").and_then(Value::as_str).unwrap_or("").to_string());
                            }
                        }
                    }
                }
                if !missing.is_empty() {
                    let parts: Vec<String> = missing
                        .iter()
                        .map(|(r, names)| format!("{r} for: {}", names.iter().cloned().collect::<Vec<_>>().join(",")))
                        .collect();
                    return Err(ApiError::forbidden(
                        &t.gr(),
                        name,
                        &format!("failed quota: {qname}: must specify {}", parts.join("; ")),
                    ));
                }
            }
            if relevant.is_empty() {
                continue;
            }
            let used = self.namespace_usage(ns, &relevant);
            let mut exceeded = BTreeSet::new();
            for k in &relevant {
                let cur = used.get(k).cloned().unwrap_or_else(zero);
                let new = match requested.get(k) {
                    Some(r) => cur.add(r),
                    None => cur,
                };
                if hard.get(k).is_some_and(|h| new > *h) {
                    exceeded.insert(k.clone());
                }
            }
            if !exceeded.is_empty() {
                let mut used_all = used.clone();
                for k in &exceeded {
                    used_all.entry(k.clone()).or_insert_with(zero);
                }
                return Err(ApiError::forbidden(
                    &t.gr(),
                    name,
                    &format!(
                        "exceeded quota: {qname}, requested: {}, used: {}, limited: {}",
                        pretty(&requested, &exceeded),
                        pretty(&used_all, &exceeded),
                        pretty(&hard, &exceeded)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The quota controller: recomputes `status.hard` / `status.used` of the quotas in a
    /// namespace (all namespaces when `None`) and writes those that changed.
    pub fn sync_resource_quotas(&mut self, namespace: Option<&str>) {
        let quotas: Vec<(String, Value)> = match self.store.get(QUOTAS) {
            Some(m) => m
                .iter()
                .filter(|(_, q)| namespace.is_none_or(|ns| meta_str(q, "namespace") == ns))
                .map(|(k, q)| (k.clone(), q.clone()))
                .collect(),
            None => return,
        };
        for (key, quota) in quotas {
            let ns = meta_str(&quota, "namespace").to_string();
            let hard_raw = quota
                .pointer("/spec/hard")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let keys: BTreeSet<String> = hard_raw.keys().cloned().collect();
            let used = self.namespace_usage(&ns, &keys);
            let mut hard = Map::new();
            let mut used_json = Map::new();
            for k in &keys {
                let h = hard_raw
                    .get(k)
                    .and_then(quantity)
                    .map(|q| q.to_string())
                    .unwrap_or_default();
                hard.insert(k.clone(), json!(h));
                used_json.insert(
                    k.clone(),
                    json!(used.get(k).map(|q| q.to_string()).unwrap_or_else(|| "0".to_string())),
                );
            }
            let status = json!({"hard": hard, "used": used_json});
            if quota.get("status") == Some(&status) {
                continue;
            }
            let mut updated = quota.clone();
            if let Some(m) = updated.as_object_mut() {
                m.insert("status".into(), status);
            }
            self.commit_update(QUOTAS, key, updated);
        }
    }

    /// Whether a namespace has quotas (so writes there must refresh their status).
    pub(crate) fn has_quotas(&self, ns: &str) -> bool {
        !ns.is_empty() && self.scan(QUOTAS, Some(ns), None).next().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core(plural: &str) -> ResourceInfo {
        api::Discovery::builtin()
            .find_resource("", "v1", plural)
            .cloned()
            .unwrap()
    }

    #[test]
    fn pods_count_containers_summed_and_init_containers_as_a_maximum() {
        let pod = json!({"spec": {
            "containers": [
                {"name": "a", "resources": {"requests": {"cpu": "100m"}, "limits": {"cpu": "200m"}}},
                {"name": "b", "resources": {"requests": {"cpu": "300m", "memory": "64Mi"}}}
            ],
            "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "1"}}}]
        }});
        let u = object_usage(&core("pods"), &pod);
        assert_eq!(u["pods"].to_string(), "1");
        assert_eq!(u["count/pods"].to_string(), "1");
        assert_eq!(u["requests.cpu"].to_string(), "1");
        assert_eq!(u["cpu"].to_string(), "1");
        assert_eq!(u["limits.cpu"].to_string(), "200m");
        assert_eq!(u["requests.memory"].to_string(), "64Mi");
    }

    #[test]
    fn finished_pods_only_count_as_objects() {
        let pod = json!({"spec": {"containers": [{"name": "a"}]}, "status": {"phase": "Succeeded"}});
        let u = object_usage(&core("pods"), &pod);
        assert!(!u.contains_key("pods"));
        assert!(u.contains_key("count/pods"));
    }

    #[test]
    fn services_count_node_ports_and_load_balancers() {
        let svc = json!({"spec": {"type": "LoadBalancer", "ports": [{"port": 80}, {"port": 443}]}});
        let u = object_usage(&core("services"), &svc);
        assert_eq!(u["services.nodeports"].to_string(), "2");
        assert_eq!(u["services.loadbalancers"].to_string(), "1");
    }
}
