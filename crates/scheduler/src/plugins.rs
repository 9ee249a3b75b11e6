//! The default profile's filter and score plugins (pkg/scheduler/framework/plugins), with
//! upstream's failure reasons, codes, scores and normalisation.

use crate::cache::{Cache, NodeInfo};
use crate::model::{node_selector_term_matches, tolerated, NodeModel, PodInfo, SpreadConstraint, Taint, Toleration};
use apimachinery::Selector;
use serde_json::Value;
use std::collections::BTreeMap;

pub const MAX_NODE_SCORE: i64 = 100;

pub const ERR_UNSCHEDULABLE: &str = "node(s) were unschedulable";
pub const ERR_NODE_NAME: &str = "node(s) didn't match the requested node name";
pub const ERR_NODE_AFFINITY: &str = "node(s) didn't match Pod's node affinity/selector";
pub const ERR_NODE_PORTS: &str = "node(s) didn't have free ports for the requested pod ports";
pub const ERR_SPREAD: &str = "node(s) didn't match pod topology spread constraints";
pub const ERR_SPREAD_LABEL: &str = "node(s) didn't match pod topology spread constraints (missing required label)";
pub const ERR_AFFINITY: &str = "node(s) didn't match pod affinity rules";
pub const ERR_ANTI_AFFINITY: &str = "node(s) didn't match pod anti-affinity rules";
pub const ERR_EXISTING_ANTI_AFFINITY: &str = "node(s) didn't satisfy existing pods anti-affinity rules";
/// v1.37 no longer names the taint (older releases said `{key: value}`).
pub const ERR_TAINT: &str = "node(s) had untolerated taint(s)";

/// A failed filter: `resolvable` is upstream's Unschedulable (preemption may help) versus
/// UnschedulableAndUnresolvable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub resolvable: bool,
    pub reasons: Vec<String>,
}

impl Rejection {
    fn unresolvable(r: &str) -> Self {
        Rejection {
            resolvable: false,
            reasons: vec![r.to_string()],
        }
    }
    fn resolvable(r: &str) -> Self {
        Rejection {
            resolvable: true,
            reasons: vec![r.to_string()],
        }
    }
}

/// Per-cycle state computed once per pod (the PreFilter results).
#[derive(Debug, Default)]
pub struct CycleState {
    /// Hard spread constraints: (constraint, counts per topology value, domain minimum).
    pub spread: Vec<(SpreadConstraint, BTreeMap<String, i64>, i64)>,
    /// Incoming required affinity: pairs (key, value) counted when a pod matches all terms.
    pub affinity_counts: BTreeMap<(String, String), i64>,
    /// Incoming required anti-affinity: pairs with a matching pod.
    pub anti_affinity_counts: BTreeMap<(String, String), i64>,
    /// Existing pods' required anti-affinity that matches the incoming pod.
    pub existing_anti_affinity: BTreeMap<(String, String), i64>,
    /// Whether the pod matches all of its own required affinity terms.
    pub self_affinity: bool,
    /// The node selector terms of the volumes bound to the pod's claims.
    pub volume_terms: Vec<Vec<Value>>,
    /// Claims that bind once the pod has a node, and the volumes they may get.
    pub delayed_claims: Vec<crate::volumes::DelayedClaim>,
    pub volumes: Vec<Value>,
}

fn node_of(info: &NodeInfo) -> Option<&NodeModel> {
    info.node.as_ref()
}

/// NodeAffinity's required part: nodeSelector plus nodeSelectorTerms (ORed).
pub fn matches_node_affinity(pod: &PodInfo, node: &NodeModel) -> bool {
    if !pod.node_selector.iter().all(|(k, v)| node.labels.get(k) == Some(v)) {
        return false;
    }
    match &pod.required_node_terms {
        Some(terms) => terms.iter().any(|t| node_selector_term_matches(t, node)),
        None => true,
    }
}

fn untolerated_taint<'a>(taints: &'a [Taint], tols: &[Toleration], effects: &[&str]) -> Option<&'a Taint> {
    taints
        .iter()
        .filter(|t| effects.contains(&t.effect.as_str()))
        .find(|t| !tolerated(tols, t))
}

pub fn prefilter(cache: &Cache, pod: &PodInfo) -> CycleState {
    let mut st = CycleState::default();
    let ns_labels = |ns: &str| cache.ns_labels(ns);
    // PodTopologySpread (DoNotSchedule constraints).
    for c in pod.spread_constraints.iter().filter(|c| c.hard) {
        let mut counts: BTreeMap<String, i64> = BTreeMap::new();
        for info in cache.nodes.values() {
            let Some(node) = node_of(info) else { continue };
            let Some(value) = node.labels.get(&c.topology_key) else {
                continue;
            };
            if c.honor_node_affinity && !matches_node_affinity(pod, node) {
                continue;
            }
            if c.honor_taints
                && untolerated_taint(&node.taints, &pod.tolerations, &["NoSchedule", "NoExecute"]).is_some()
            {
                continue;
            }
            let n = count_matching(cache, info, &pod.namespace, &c.selector);
            *counts.entry(value.clone()).or_insert(0) += n;
        }
        let mut min = counts.values().copied().min().unwrap_or(0);
        if c.min_domains.is_some_and(|m| (counts.len() as i64) < m) {
            min = 0;
        }
        st.spread.push((c.clone(), counts, min));
    }
    // InterPodAffinity.
    st.self_affinity = pod.required_affinity.iter().all(|t| t.matches(pod, &ns_labels));
    for info in cache.nodes.values() {
        let Some(node) = node_of(info) else { continue };
        for key in &info.pods_with_required_anti_affinity {
            let Some(existing) = cache.pods.get(key) else { continue };
            for t in &existing.required_anti_affinity {
                if let Some(v) = node.labels.get(&t.topology_key) {
                    if t.matches(pod, &ns_labels) {
                        *st.existing_anti_affinity
                            .entry((t.topology_key.clone(), v.clone()))
                            .or_insert(0) += 1;
                    }
                }
            }
        }
        if pod.required_affinity.is_empty() && pod.required_anti_affinity.is_empty() {
            continue;
        }
        for key in &info.pods {
            let Some(existing) = cache.pods.get(key) else { continue };
            if !pod.required_affinity.is_empty()
                && pod.required_affinity.iter().all(|t| t.matches(existing, &ns_labels))
            {
                for t in &pod.required_affinity {
                    if let Some(v) = node.labels.get(&t.topology_key) {
                        *st.affinity_counts
                            .entry((t.topology_key.clone(), v.clone()))
                            .or_insert(0) += 1;
                    }
                }
            }
            for t in &pod.required_anti_affinity {
                if t.matches(existing, &ns_labels) {
                    if let Some(v) = node.labels.get(&t.topology_key) {
                        *st.anti_affinity_counts
                            .entry((t.topology_key.clone(), v.clone()))
                            .or_insert(0) += 1;
                    }
                }
            }
        }
    }
    st
}

/// Pods on `info` in `namespace` matched by `selector` (terminating ones excluded).
fn count_matching(cache: &Cache, info: &NodeInfo, namespace: &str, selector: &Selector) -> i64 {
    info.pods
        .iter()
        .filter(|(ns, _)| ns == namespace)
        .filter_map(|k| cache.pods.get(k))
        .filter(|p| !p.terminating && selector.matches(&p.labels))
        .count() as i64
}

/// Runs the filters in the profile's order; the first failing plugin decides.
pub fn filter(cache: &Cache, st: &CycleState, pod: &PodInfo, info: &NodeInfo) -> Result<(), Rejection> {
    let Some(node) = node_of(info) else {
        return Err(Rejection::unresolvable("node(s) not found"));
    };
    // NodeUnschedulable
    if node.unschedulable {
        let t = Taint {
            key: "node.kubernetes.io/unschedulable".into(),
            value: String::new(),
            effect: "NoSchedule".into(),
        };
        if !tolerated(&pod.tolerations, &t) {
            return Err(Rejection::unresolvable(ERR_UNSCHEDULABLE));
        }
    }
    // NodeName
    if !pod.node_name.is_empty() && pod.node_name != node.name {
        return Err(Rejection::unresolvable(ERR_NODE_NAME));
    }
    // TaintToleration
    if untolerated_taint(&node.taints, &pod.tolerations, &["NoSchedule", "NoExecute"]).is_some() {
        return Err(Rejection::unresolvable(ERR_TAINT));
    }
    // NodeAffinity
    if !matches_node_affinity(pod, node) {
        return Err(Rejection::unresolvable(ERR_NODE_AFFINITY));
    }
    // NodePorts
    if pod
        .host_ports
        .iter()
        .any(|want| info.ports.iter().any(|used| want.conflicts(used)))
    {
        return Err(Rejection::resolvable(ERR_NODE_PORTS));
    }
    // NodeResourcesFit
    let (insufficient, unresolvable) = fit_reasons(pod, info, node);
    if !insufficient.is_empty() {
        return Err(Rejection {
            resolvable: !unresolvable,
            reasons: insufficient,
        });
    }
    // VolumeBinding: every bound volume's node affinity.
    if !st
        .volume_terms
        .iter()
        .all(|terms| terms.iter().any(|t| node_selector_term_matches(t, node)))
    {
        return Err(Rejection::unresolvable(crate::volumes::ERR_VOLUME_NODE_AFFINITY));
    }
    if !st.delayed_claims.is_empty() {
        let vols: Vec<&Value> = st.volumes.iter().collect();
        let term = |t: &Value| node_selector_term_matches(t, node);
        let admits = |v: &Value| crate::volumes::node_admits_volume(v, &term);
        if let Err(reason) = crate::volumes::find_bindings(&st.delayed_claims, &vols, &admits) {
            return Err(Rejection::unresolvable(reason));
        }
    }
    // PodTopologySpread
    for (c, counts, min) in &st.spread {
        let Some(value) = node.labels.get(&c.topology_key) else {
            return Err(Rejection::unresolvable(ERR_SPREAD_LABEL));
        };
        let self_match = i64::from(c.selector.matches(&pod.labels));
        let match_num = counts.get(value).copied().unwrap_or(0);
        if match_num + self_match - min > c.max_skew {
            return Err(Rejection::resolvable(ERR_SPREAD));
        }
    }
    // InterPodAffinity
    if !satisfies_affinity(st, pod, node) {
        return Err(Rejection::unresolvable(ERR_AFFINITY));
    }
    for t in &pod.required_anti_affinity {
        if let Some(v) = node.labels.get(&t.topology_key) {
            if st
                .anti_affinity_counts
                .get(&(t.topology_key.clone(), v.clone()))
                .copied()
                .unwrap_or(0)
                > 0
            {
                return Err(Rejection::resolvable(ERR_ANTI_AFFINITY));
            }
        }
    }
    for ((k, v), n) in &st.existing_anti_affinity {
        if *n > 0 && node.labels.get(k) == Some(v) {
            return Err(Rejection::resolvable(ERR_EXISTING_ANTI_AFFINITY));
        }
    }
    let _ = cache;
    Ok(())
}

fn satisfies_affinity(st: &CycleState, pod: &PodInfo, node: &NodeModel) -> bool {
    if pod.required_affinity.is_empty() {
        return true;
    }
    let mut pods_exist = true;
    for t in &pod.required_affinity {
        match node.labels.get(&t.topology_key) {
            Some(v) => {
                if st
                    .affinity_counts
                    .get(&(t.topology_key.clone(), v.clone()))
                    .copied()
                    .unwrap_or(0)
                    <= 0
                {
                    pods_exist = false;
                }
            }
            None => return false,
        }
    }
    // The first pod of a group that selects itself may go anywhere.
    pods_exist || (st.affinity_counts.is_empty() && st.self_affinity)
}

/// NodeResourcesFit's insufficient resources, in upstream's order, and whether any request
/// exceeds the node's whole allocatable (UnschedulableAndUnresolvable: preemption cannot help).
pub fn fit_reasons(pod: &PodInfo, info: &NodeInfo, node: &NodeModel) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let mut unresolvable = false;
    let alloc = &node.allocatable;
    if info.pods.len() as i64 + 1 > alloc.allowed_pods {
        out.push("Too many pods".to_string());
    }
    let r = &pod.requests;
    if r.is_zero() {
        return (out, false);
    }
    let used = &info.requested;
    let mut check = |name: &str, want: i64, capacity: i64, requested: i64| {
        if want > 0 && want > capacity - requested {
            out.push(format!("Insufficient {name}"));
            unresolvable |= want > capacity;
        }
    };
    check("cpu", r.milli_cpu, alloc.milli_cpu, used.milli_cpu);
    check("memory", r.memory, alloc.memory, used.memory);
    check(
        "ephemeral-storage",
        r.ephemeral_storage,
        alloc.ephemeral_storage,
        used.ephemeral_storage,
    );
    for (name, q) in &r.scalar {
        check(
            name,
            *q,
            alloc.scalar.get(name).copied().unwrap_or(0),
            used.scalar.get(name).copied().unwrap_or(0),
        );
    }
    (out, unresolvable)
}

// ---- scoring ------------------------------------------------------------------------

/// DefaultNormalizeScore.
pub fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = MAX_NODE_SCORE);
        }
        return;
    }
    for s in scores.iter_mut() {
        let v = MAX_NODE_SCORE * *s / max;
        *s = if reverse { MAX_NODE_SCORE - v } else { v };
    }
}

/// TaintToleration: untolerated PreferNoSchedule taints (normalised in reverse).
pub fn taint_toleration_raw(pod: &PodInfo, node: &NodeModel) -> i64 {
    let tols: Vec<Toleration> = pod
        .tolerations
        .iter()
        .filter(|t| t.effect.is_empty() || t.effect == "PreferNoSchedule")
        .cloned()
        .collect();
    node.taints
        .iter()
        .filter(|t| t.effect == "PreferNoSchedule" && !tolerated(&tols, t))
        .count() as i64
}

/// NodeAffinity: the weights of the matching preferred terms.
pub fn node_affinity_raw(pod: &PodInfo, node: &NodeModel) -> i64 {
    pod.preferred_node_terms
        .iter()
        .filter(|(_, term)| node_selector_term_matches(term, node))
        .map(|(w, _)| *w)
        .sum()
}

fn resource_score_least(requested: i64, capacity: i64) -> i64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * MAX_NODE_SCORE / capacity
}

/// NodeResourcesFit LeastAllocated over cpu and memory (weights 1), non-zero requests.
pub fn least_allocated(pod: &PodInfo, info: &NodeInfo, node: &NodeModel) -> i64 {
    let cpu = resource_score_least(info.non_zero_cpu + pod.non_zero_cpu, node.allocatable.milli_cpu);
    let mem = resource_score_least(info.non_zero_memory + pod.non_zero_memory, node.allocatable.memory);
    (cpu + mem) / 2
}

/// NodeResourcesBalancedAllocation over cpu and memory (actual requests).
pub fn balanced_allocation(pod: &PodInfo, info: &NodeInfo, node: &NodeModel) -> i64 {
    let frac = |req: i64, cap: i64| -> f64 {
        if cap == 0 {
            return 0.0;
        }
        (req as f64 / cap as f64).min(1.0)
    };
    let f_cpu = frac(
        info.requested.milli_cpu + pod.requests.milli_cpu,
        node.allocatable.milli_cpu,
    );
    let f_mem = frac(info.requested.memory + pod.requests.memory, node.allocatable.memory);
    let std = (f_cpu - f_mem).abs() / 2.0;
    ((1.0 - std) * MAX_NODE_SCORE as f64) as i64
}

const MB: i64 = 1024 * 1024;
const IMAGE_MIN_THRESHOLD: i64 = 23 * MB;
const IMAGE_MAX_CONTAINER_THRESHOLD: i64 = 1000 * MB;

/// `nginx` → `nginx:latest` (a reference without tag or digest).
pub fn normalized_image_name(name: &str) -> String {
    let last = name.rsplit('/').next().unwrap_or(name);
    if name.contains('@') || last.contains(':') {
        name.to_string()
    } else {
        format!("{name}:latest")
    }
}

/// ImageLocality.
pub fn image_locality(cache: &Cache, pod: &PodInfo, node: &NodeModel, total_nodes: usize) -> i64 {
    let mut sum: i64 = 0;
    for img in &pod.images {
        let name = normalized_image_name(img);
        if let Some(size) = node.images.get(&name) {
            let spread = cache.image_nodes.get(&name).copied().unwrap_or(0) as f64 / total_nodes.max(1) as f64;
            sum += (*size as f64 * spread) as i64;
        }
    }
    let max = IMAGE_MAX_CONTAINER_THRESHOLD * pod.num_containers.max(1) as i64;
    let sum = sum.clamp(IMAGE_MIN_THRESHOLD, max);
    MAX_NODE_SCORE * (sum - IMAGE_MIN_THRESHOLD) / (max - IMAGE_MIN_THRESHOLD)
}

/// PodTopologySpread scores for `feasible` nodes (already normalised).
pub fn topology_spread_scores(cache: &Cache, pod: &PodInfo, feasible: &[&NodeInfo]) -> Vec<i64> {
    let soft: Vec<SpreadConstraint> = pod.spread_constraints.iter().filter(|c| !c.hard).cloned().collect();
    let system_default = pod.spread_constraints.is_empty();
    let constraints: Vec<SpreadConstraint> = if system_default {
        // System defaults apply to pods of a controller: count that controller's pods.
        let Some(selector) = default_selector(pod) else {
            return vec![0; feasible.len()];
        };
        vec![
            SpreadConstraint {
                max_skew: 3,
                topology_key: "kubernetes.io/hostname".into(),
                hard: false,
                selector: selector.clone(),
                min_domains: None,
                honor_node_affinity: true,
                honor_taints: false,
            },
            SpreadConstraint {
                max_skew: 5,
                topology_key: "topology.kubernetes.io/zone".into(),
                hard: false,
                selector,
                min_domains: None,
                honor_node_affinity: true,
                honor_taints: false,
            },
        ]
    } else {
        soft
    };
    if constraints.is_empty() {
        return vec![0; feasible.len()];
    }
    let require_all = !system_default;
    // Topology sizes among the feasible nodes, and per-value counts over all nodes.
    let mut weights = Vec::new();
    let mut counts: Vec<BTreeMap<String, i64>> = Vec::new();
    for c in &constraints {
        let values: std::collections::BTreeSet<&String> = feasible
            .iter()
            .filter_map(|i| i.node.as_ref()?.labels.get(&c.topology_key))
            .collect();
        weights.push(((values.len() + 2) as f64).ln());
        let mut m = BTreeMap::new();
        if c.topology_key != "kubernetes.io/hostname" {
            for info in cache.nodes.values() {
                let Some(node) = &info.node else { continue };
                let Some(v) = node.labels.get(&c.topology_key) else {
                    continue;
                };
                if !values.contains(v) {
                    continue;
                }
                if c.honor_node_affinity && !matches_node_affinity(pod, node) {
                    continue;
                }
                *m.entry(v.clone()).or_insert(0) += count_matching(cache, info, &pod.namespace, &c.selector);
            }
        }
        counts.push(m);
    }
    let mut raw: Vec<Option<i64>> = Vec::new();
    for info in feasible {
        let Some(node) = &info.node else {
            raw.push(None);
            continue;
        };
        if require_all && constraints.iter().any(|c| !node.labels.contains_key(&c.topology_key)) {
            raw.push(None);
            continue;
        }
        let mut score = 0.0f64;
        for (i, c) in constraints.iter().enumerate() {
            let Some(v) = node.labels.get(&c.topology_key) else {
                continue;
            };
            let cnt = if c.topology_key == "kubernetes.io/hostname" {
                count_matching(cache, info, &pod.namespace, &c.selector)
            } else {
                counts.get(i).and_then(|m| m.get(v)).copied().unwrap_or(0)
            };
            score += cnt as f64 * weights.get(i).copied().unwrap_or(0.0) + (c.max_skew - 1) as f64;
        }
        raw.push(Some(score.round() as i64));
    }
    let present: Vec<i64> = raw.iter().flatten().copied().collect();
    let min = present.iter().copied().min().unwrap_or(0);
    let max = present.iter().copied().max().unwrap_or(0);
    raw.iter()
        .map(|s| match s {
            None => 0,
            Some(_) if max == 0 => MAX_NODE_SCORE,
            Some(s) => MAX_NODE_SCORE * (max + min - s) / max,
        })
        .collect()
}

/// helper.DefaultSelector, approximated from the pod's controller: the labels its siblings
/// share (a ReplicaSet's template labels with pod-template-hash; a StatefulSet's without the
/// per-pod and per-revision labels). Services selecting the pod are not consulted.
fn default_selector(pod: &PodInfo) -> Option<Selector> {
    let (kind, _) = pod.controller.as_ref()?;
    let mut labels = pod.labels.clone();
    match kind.as_str() {
        "ReplicaSet" | "ReplicationController" => {}
        "StatefulSet" => {
            for per_pod in [
                "statefulset.kubernetes.io/pod-name",
                "apps.kubernetes.io/pod-index",
                "controller-revision-hash",
            ] {
                labels.remove(per_pod);
            }
        }
        _ => return None,
    }
    if labels.is_empty() {
        return None;
    }
    Some(Selector::from_set(&labels))
}

/// InterPodAffinity scores for `feasible` nodes (normalised by min/max).
pub fn inter_pod_affinity_scores(cache: &Cache, pod: &PodInfo, feasible: &[&NodeInfo]) -> Vec<i64> {
    let ns_labels = |ns: &str| cache.ns_labels(ns);
    let has_pref = !pod.preferred_affinity.is_empty() || !pod.preferred_anti_affinity.is_empty();
    let mut topo: BTreeMap<(String, String), i64> = BTreeMap::new();
    for info in cache.nodes.values() {
        let Some(node) = &info.node else { continue };
        let keys: Vec<&(String, String)> = if has_pref {
            info.pods.iter().collect()
        } else {
            info.pods_with_affinity.iter().collect()
        };
        for key in keys {
            let Some(existing) = cache.pods.get(key) else { continue };
            let mut add = |k: &str, w: i64| {
                if let Some(v) = node.labels.get(k) {
                    *topo.entry((k.to_string(), v.clone())).or_insert(0) += w;
                }
            };
            for (w, t) in &pod.preferred_affinity {
                if t.matches(existing, &ns_labels) {
                    add(&t.topology_key, *w);
                }
            }
            for (w, t) in &pod.preferred_anti_affinity {
                if t.matches(existing, &ns_labels) {
                    add(&t.topology_key, -*w);
                }
            }
            // hardPodAffinityWeight 1 for existing pods' required affinity.
            for t in &existing.required_affinity {
                if t.matches(pod, &ns_labels) {
                    add(&t.topology_key, 1);
                }
            }
            for (w, t) in &existing.preferred_affinity {
                if t.matches(pod, &ns_labels) {
                    add(&t.topology_key, *w);
                }
            }
            for (w, t) in &existing.preferred_anti_affinity {
                if t.matches(pod, &ns_labels) {
                    add(&t.topology_key, -*w);
                }
            }
        }
    }
    let raw: Vec<i64> = feasible
        .iter()
        .map(|info| {
            let Some(node) = &info.node else { return 0 };
            topo.iter()
                .filter(|((k, v), _)| node.labels.get(k) == Some(v))
                .map(|(_, s)| *s)
                .sum()
        })
        .collect();
    let min = raw.iter().copied().min().unwrap_or(0);
    let max = raw.iter().copied().max().unwrap_or(0);
    let diff = max - min;
    raw.iter()
        .map(|s| {
            if diff > 0 {
                (MAX_NODE_SCORE as f64 * ((s - min) as f64 / diff as f64)) as i64
            } else {
                0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeModel;
    use serde_json::json;

    fn node(v: serde_json::Value) -> NodeInfo {
        NodeInfo {
            node: Some(NodeModel::from_value(&v)),
            ..Default::default()
        }
    }

    fn worker(name: &str) -> serde_json::Value {
        json!({"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
               "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"}}})
    }

    fn pod(spec: serde_json::Value) -> PodInfo {
        PodInfo::from_value(
            &json!({"metadata": {"name": "p", "namespace": "default", "labels": {"app": "a"}}, "spec": spec}),
        )
    }

    fn reasons(p: &PodInfo, n: &NodeInfo) -> Result<(), Rejection> {
        let cache = Cache::default();
        let st = prefilter(&cache, p);
        filter(&cache, &st, p, n)
    }

    #[test]
    fn filter_reasons_match_upstream_texts() {
        let cp = node(
            json!({"metadata": {"name": "cp"}, "spec": {"taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]},
            "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"}}}),
        );
        let plain = pod(json!({"containers": [{"name": "c", "image": "nginx"}]}));
        assert_eq!(
            reasons(&plain, &cp),
            Err(Rejection {
                resolvable: false,
                reasons: vec![ERR_TAINT.into()]
            })
        );
        let big = pod(
            json!({"containers": [{"name": "c", "image": "nginx", "resources": {"requests": {"cpu": "100", "memory": "8Gi"}}}]}),
        );
        // Requests beyond the node's whole allocatable cannot be helped by preemption.
        assert_eq!(
            reasons(&big, &node(worker("w"))),
            Err(Rejection {
                resolvable: false,
                reasons: vec!["Insufficient cpu".into(), "Insufficient memory".into()]
            })
        );
        let mut busy = node(worker("w"));
        busy.requested.milli_cpu = 1500;
        let half = pod(json!({"containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]}));
        assert_eq!(
            reasons(&half, &busy),
            Err(Rejection {
                resolvable: true,
                reasons: vec!["Insufficient cpu".into()]
            })
        );
        let sel = pod(json!({"nodeSelector": {"disk": "ssd"}, "containers": []}));
        assert_eq!(
            reasons(&sel, &node(worker("w"))).unwrap_err().reasons,
            vec![ERR_NODE_AFFINITY.to_string()]
        );
        let cordoned = node(
            json!({"metadata": {"name": "c"}, "spec": {"unschedulable": true}, "status": {"allocatable": {"pods": "110"}}}),
        );
        assert_eq!(
            reasons(&plain, &cordoned).unwrap_err().reasons,
            vec![ERR_UNSCHEDULABLE.to_string()]
        );
        let full = NodeInfo {
            pods: (0..110).map(|i| ("d".to_string(), format!("p{i}"))).collect(),
            ..node(worker("w"))
        };
        assert_eq!(
            reasons(&plain, &full).unwrap_err().reasons,
            vec!["Too many pods".to_string()]
        );
        let tolerant = pod(
            json!({"tolerations": [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}], "containers": []}),
        );
        assert_eq!(reasons(&tolerant, &cp), Ok(()));
    }

    #[test]
    fn host_ports_conflict_on_the_same_protocol_and_port() {
        let mut n = node(worker("w"));
        let used = pod(json!({"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}));
        n.ports = used.host_ports.clone();
        let same = pod(json!({"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080}]}]}));
        let udp = pod(
            json!({"containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}]}]}),
        );
        assert_eq!(
            reasons(&same, &n).unwrap_err().reasons,
            vec![ERR_NODE_PORTS.to_string()]
        );
        assert_eq!(reasons(&udp, &n), Ok(()));
    }

    #[test]
    fn least_allocated_and_balanced_allocation_scores() {
        let n = node(worker("w"));
        let p = pod(json!({"containers": [{"name": "c", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]}));
        let m = n.node.as_ref().unwrap();
        // cpu (2000-1000)*100/2000 = 50, memory (4-1)*100/4 = 75 → 62.
        assert_eq!(least_allocated(&p, &n, m), 62);
        // fractions 0.5 and 0.25: std 0.125 → 87.
        assert_eq!(balanced_allocation(&p, &n, m), 87);
    }

    #[test]
    fn normalisation_matches_default_normalize_score() {
        let mut s = vec![0, 1, 2];
        default_normalize(&mut s, true);
        assert_eq!(s, vec![100, 50, 0]);
        let mut z = vec![0, 0];
        default_normalize(&mut z, true);
        assert_eq!(z, vec![100, 100]);
        let mut f = vec![5, 10];
        default_normalize(&mut f, false);
        assert_eq!(f, vec![50, 100]);
    }

    #[test]
    fn image_locality_scales_by_size_and_spread() {
        let mut cache = Cache::default();
        let n = NodeModel::from_value(
            &json!({"metadata": {"name": "w"}, "status": {"images": [{"names": ["nginx:latest"], "sizeBytes": 523 * MB}]}}),
        );
        cache.set_node(n.clone());
        cache.set_node(NodeModel::from_value(&worker("x")));
        let p = pod(json!({"containers": [{"name": "c", "image": "nginx"}]}));
        // 523 MiB × 1/2 nodes = 261.5 MiB; (261.5-23)/(1000-23) → 24.
        assert_eq!(image_locality(&cache, &p, &n, 2), 24);
        assert_eq!(
            normalized_image_name("registry.k8s.io/pause:3.10"),
            "registry.k8s.io/pause:3.10"
        );
        assert_eq!(normalized_image_name("localhost:5000/app"), "localhost:5000/app:latest");
    }
}
