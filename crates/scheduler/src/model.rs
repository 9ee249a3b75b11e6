//! Pods and nodes as the scheduler sees them, parsed once from their wire form (the
//! framework's PodInfo / NodeInfo). Malformed fields parse as absent, never panic.

use apimachinery::{Quantity, Selector};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Resources in the units the scheduler computes with (framework.Resource).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resource {
    pub milli_cpu: i64,
    pub memory: i64,
    pub ephemeral_storage: i64,
    pub allowed_pods: i64,
    /// Extended and hugepages resources by name.
    pub scalar: BTreeMap<String, i64>,
}

fn quantity(v: &Value) -> Option<Quantity> {
    Quantity::from_json(v).and_then(Result::ok)
}

impl Resource {
    /// From a `{cpu: …, memory: …}` map.
    pub fn from_list(list: Option<&Value>) -> Resource {
        let mut r = Resource::default();
        let Some(m) = list.and_then(Value::as_object) else {
            return r;
        };
        for (name, v) in m {
            let Some(q) = quantity(v) else { continue };
            match name.as_str() {
                "cpu" => r.milli_cpu = q.milli_value(),
                "memory" => r.memory = q.value(),
                "ephemeral-storage" => r.ephemeral_storage = q.value(),
                "pods" => r.allowed_pods = q.value(),
                other if is_scalar(other) => {
                    r.scalar.insert(other.to_string(), q.value());
                }
                _ => {}
            }
        }
        r
    }

    pub fn add(&mut self, o: &Resource) {
        self.milli_cpu = self.milli_cpu.saturating_add(o.milli_cpu);
        self.memory = self.memory.saturating_add(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.saturating_add(o.ephemeral_storage);
        for (k, v) in &o.scalar {
            let e = self.scalar.entry(k.clone()).or_insert(0);
            *e = e.saturating_add(*v);
        }
    }

    pub fn sub(&mut self, o: &Resource) {
        self.milli_cpu = self.milli_cpu.saturating_sub(o.milli_cpu);
        self.memory = self.memory.saturating_sub(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.saturating_sub(o.ephemeral_storage);
        for (k, v) in &o.scalar {
            let e = self.scalar.entry(k.clone()).or_insert(0);
            *e = e.saturating_sub(*v);
        }
    }

    /// Per-resource maximum (init containers' rule).
    pub fn set_max(&mut self, o: &Resource) {
        self.milli_cpu = self.milli_cpu.max(o.milli_cpu);
        self.memory = self.memory.max(o.memory);
        self.ephemeral_storage = self.ephemeral_storage.max(o.ephemeral_storage);
        for (k, v) in &o.scalar {
            let e = self.scalar.entry(k.clone()).or_insert(0);
            *e = (*e).max(*v);
        }
    }

    pub fn is_zero(&self) -> bool {
        self.milli_cpu == 0 && self.memory == 0 && self.ephemeral_storage == 0 && self.scalar.values().all(|v| *v == 0)
    }
}

/// Extended resources (`domain/name`) and hugepages count; the rest is ignored.
fn is_scalar(name: &str) -> bool {
    name.starts_with("hugepages-") || (name.contains('/') && !name.starts_with("kubernetes.io/"))
}

/// Requests of containers without them, for scoring (pkg/scheduler/util).
pub const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
pub const DEFAULT_MEMORY_REQUEST: i64 = 200 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostPort {
    pub ip: String,
    pub protocol: String,
    pub port: i64,
}

impl HostPort {
    /// Two host ports conflict on the same protocol and port when either binds every
    /// address (`0.0.0.0`) or both bind the same one.
    pub fn conflicts(&self, other: &HostPort) -> bool {
        self.port == other.port
            && self.protocol == other.protocol
            && (self.ip == other.ip || self.ip == "0.0.0.0" || other.ip == "0.0.0.0")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toleration {
    pub key: String,
    pub operator: String,
    pub value: String,
    pub effect: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: String,
}

impl Toleration {
    /// v1.Toleration.ToleratesTaint.
    pub fn tolerates(&self, t: &Taint) -> bool {
        if !self.effect.is_empty() && self.effect != t.effect {
            return false;
        }
        if !self.key.is_empty() && self.key != t.key {
            return false;
        }
        match self.operator.as_str() {
            "Exists" => true,
            "" | "Equal" => self.value == t.value,
            _ => false,
        }
    }
}

pub fn tolerated(tols: &[Toleration], t: &Taint) -> bool {
    tols.iter().any(|tol| tol.tolerates(t))
}

/// A pod (anti-)affinity term with its namespaces resolved where possible.
#[derive(Debug, Clone)]
pub struct AffinityTerm {
    pub selector: Selector,
    /// Explicit namespaces (the pod's own when neither these nor a namespace selector is set).
    pub namespaces: BTreeSet<String>,
    /// `namespaceSelector`; `Some(everything)` for `{}`.
    pub namespace_selector: Option<Selector>,
    pub topology_key: String,
}

impl AffinityTerm {
    fn parse(term: &Value, pod_ns: &str, pod_labels: &BTreeMap<String, String>) -> Option<AffinityTerm> {
        let mut selector = match term.get("labelSelector") {
            Some(ls) if !ls.is_null() => Selector::from_label_selector(ls).ok()?,
            _ => Selector::nothing(),
        };
        // matchLabelKeys / mismatchLabelKeys merge the pod's own label values in.
        let mut extra = Vec::new();
        for (field, op) in [("matchLabelKeys", "in"), ("mismatchLabelKeys", "notin")] {
            for k in term.get(field).and_then(Value::as_array).into_iter().flatten() {
                if let (Some(k), true) = (k.as_str(), term.get("labelSelector").is_some_and(|l| !l.is_null())) {
                    if let Some(v) = pod_labels.get(k) {
                        extra.push(format!("{k} {op} ({v})"));
                    }
                }
            }
        }
        if !extra.is_empty() {
            let base = selector.to_string();
            let text = if base.is_empty() {
                extra.join(",")
            } else {
                format!("{base},{}", extra.join(","))
            };
            selector = Selector::parse(&text).ok()?;
        }
        let namespaces: BTreeSet<String> = term
            .get("namespaces")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let namespace_selector = match term.get("namespaceSelector") {
            Some(ns) if !ns.is_null() => Some(Selector::from_label_selector(ns).ok()?),
            _ => None,
        };
        let mut namespaces = namespaces;
        if namespaces.is_empty() && namespace_selector.is_none() {
            namespaces.insert(pod_ns.to_string());
        }
        Some(AffinityTerm {
            selector,
            namespaces,
            namespace_selector,
            topology_key: term
                .get("topologyKey")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        })
    }

    /// Whether `pod` (namespace + labels) is selected by this term. `ns_labels` gives a
    /// namespace's labels for namespace selectors.
    pub fn matches(&self, pod: &PodInfo, ns_labels: &dyn Fn(&str) -> Option<BTreeMap<String, String>>) -> bool {
        let ns_ok = self.namespaces.contains(&pod.namespace)
            || self
                .namespace_selector
                .as_ref()
                .is_some_and(|s| ns_labels(&pod.namespace).is_some_and(|l| s.matches(&l)));
        ns_ok && self.selector.matches(&pod.labels)
    }
}

#[derive(Debug, Clone)]
pub struct SpreadConstraint {
    pub max_skew: i64,
    pub topology_key: String,
    /// `DoNotSchedule` (hard) or `ScheduleAnyway`.
    pub hard: bool,
    pub selector: Selector,
    pub min_domains: Option<i64>,
    /// nodeAffinityPolicy Honor (default) / Ignore; nodeTaintsPolicy Honor / Ignore (default).
    pub honor_node_affinity: bool,
    pub honor_taints: bool,
}

/// The parts of a pod the scheduler uses.
#[derive(Debug, Clone)]
pub struct PodInfo {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub node_name: String,
    pub nominated_node_name: String,
    pub scheduler_name: String,
    pub priority: i64,
    pub preemption_never: bool,
    pub creation_timestamp: String,
    pub start_time: String,
    pub terminating: bool,
    pub labels: BTreeMap<String, String>,
    /// Requests as NodeResourcesFit counts them (max(sum of containers, each init
    /// container) + overhead).
    pub requests: Resource,
    /// CPU and memory with container defaults (100m, 200Mi), for scoring.
    pub non_zero_cpu: i64,
    pub non_zero_memory: i64,
    pub host_ports: Vec<HostPort>,
    pub node_selector: BTreeMap<String, String>,
    /// requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, when set.
    pub required_node_terms: Option<Vec<Value>>,
    pub preferred_node_terms: Vec<(i64, Value)>,
    pub tolerations: Vec<Toleration>,
    pub required_affinity: Vec<AffinityTerm>,
    pub required_anti_affinity: Vec<AffinityTerm>,
    pub preferred_affinity: Vec<(i64, AffinityTerm)>,
    pub preferred_anti_affinity: Vec<(i64, AffinityTerm)>,
    pub spread_constraints: Vec<SpreadConstraint>,
    /// Container images (init containers excluded), and the container count incl. init.
    pub images: Vec<String>,
    pub num_containers: usize,
    /// `(kind, name)` of the controller owner.
    pub controller: Option<(String, String)>,
}

fn str_at<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn parse_tolerations(list: &[Value]) -> Vec<Toleration> {
    list.iter()
        .map(|t| Toleration {
            key: str_at(t, "/key").to_string(),
            operator: str_at(t, "/operator").to_string(),
            value: str_at(t, "/value").to_string(),
            effect: str_at(t, "/effect").to_string(),
        })
        .collect()
}

fn weighted_terms(pod: &Value, ptr: &str, ns: &str, labels: &BTreeMap<String, String>) -> Vec<(i64, AffinityTerm)> {
    arr(pod, ptr)
        .iter()
        .filter_map(|w| {
            let weight = w.get("weight").and_then(Value::as_i64).unwrap_or(0);
            AffinityTerm::parse(w.get("podAffinityTerm")?, ns, labels).map(|t| (weight, t))
        })
        .collect()
}

impl PodInfo {
    pub fn from_value(pod: &Value) -> PodInfo {
        let namespace = str_at(pod, "/metadata/namespace").to_string();
        let labels = string_map(pod.pointer("/metadata/labels"));

        // Requests: sidecars (restartable init containers) run alongside the containers.
        let mut sum = Resource::default();
        let mut nz_cpu = 0i64;
        let mut nz_mem = 0i64;
        let mut host_ports = Vec::new();
        let mut images = Vec::new();
        let container_nz = |c: &Value| -> (i64, i64) {
            let req = c.pointer("/resources/requests");
            let cpu = req
                .and_then(|r| r.get("cpu"))
                .and_then(quantity)
                .map(|q| q.milli_value());
            let mem = req.and_then(|r| r.get("memory")).and_then(quantity).map(|q| q.value());
            (
                cpu.unwrap_or(DEFAULT_MILLI_CPU_REQUEST),
                mem.unwrap_or(DEFAULT_MEMORY_REQUEST),
            )
        };
        for c in arr(pod, "/spec/containers") {
            sum.add(&Resource::from_list(c.pointer("/resources/requests")));
            let (cpu, mem) = container_nz(c);
            nz_cpu += cpu;
            nz_mem += mem;
            images.push(str_at(c, "/image").to_string());
            for p in arr(c, "/ports") {
                let port = p.get("hostPort").and_then(Value::as_i64).unwrap_or(0);
                if port > 0 {
                    let ip = match str_at(p, "/hostIP") {
                        "" => "0.0.0.0",
                        ip => ip,
                    };
                    let protocol = match str_at(p, "/protocol") {
                        "" => "TCP",
                        pr => pr,
                    };
                    host_ports.push(HostPort {
                        ip: ip.to_string(),
                        protocol: protocol.to_string(),
                        port,
                    });
                }
            }
        }
        let mut init_max = Resource::default();
        let mut sidecars = Resource::default();
        let (mut init_nz_cpu, mut init_nz_mem) = (0i64, 0i64);
        let (mut side_nz_cpu, mut side_nz_mem) = (0i64, 0i64);
        let inits = arr(pod, "/spec/initContainers");
        for c in inits {
            let r = Resource::from_list(c.pointer("/resources/requests"));
            let (cpu, mem) = container_nz(c);
            if str_at(c, "/restartPolicy") == "Always" {
                sidecars.add(&r);
                sum.add(&r);
                side_nz_cpu += cpu;
                side_nz_mem += mem;
                nz_cpu += cpu;
                nz_mem += mem;
                init_max.set_max(&sidecars);
            } else {
                let mut with_sidecars = sidecars.clone();
                with_sidecars.add(&r);
                init_max.set_max(&with_sidecars);
                init_nz_cpu = init_nz_cpu.max(side_nz_cpu + cpu);
                init_nz_mem = init_nz_mem.max(side_nz_mem + mem);
            }
        }
        let mut requests = sum;
        requests.set_max(&init_max);
        nz_cpu = nz_cpu.max(init_nz_cpu);
        nz_mem = nz_mem.max(init_nz_mem);
        // Pod-level resources (PodLevelResources) replace the containers' sum for cpu/memory.
        let pod_level = Resource::from_list(pod.pointer("/spec/resources/requests"));
        if pod_level.milli_cpu > 0 {
            requests.milli_cpu = pod_level.milli_cpu;
            nz_cpu = pod_level.milli_cpu;
        }
        if pod_level.memory > 0 {
            requests.memory = pod_level.memory;
            nz_mem = pod_level.memory;
        }
        let overhead = Resource::from_list(pod.pointer("/spec/overhead"));
        requests.add(&overhead);
        nz_cpu += overhead.milli_cpu;
        nz_mem += overhead.memory;

        let affinity = |p: &str| format!("/spec/affinity/{p}");
        let required_node_terms = pod
            .pointer(&affinity(
                "nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms",
            ))
            .and_then(Value::as_array)
            .cloned();
        let preferred_node_terms = arr(
            pod,
            &affinity("nodeAffinity/preferredDuringSchedulingIgnoredDuringExecution"),
        )
        .iter()
        .filter_map(|w| {
            Some((
                w.get("weight").and_then(Value::as_i64).unwrap_or(0),
                w.get("preference")?.clone(),
            ))
        })
        .collect();
        let required = |p: &str| -> Vec<AffinityTerm> {
            arr(pod, &affinity(p))
                .iter()
                .filter_map(|t| AffinityTerm::parse(t, &namespace, &labels))
                .collect()
        };
        let required_affinity = required("podAffinity/requiredDuringSchedulingIgnoredDuringExecution");
        let required_anti_affinity = required("podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution");
        let preferred_affinity = weighted_terms(
            pod,
            &affinity("podAffinity/preferredDuringSchedulingIgnoredDuringExecution"),
            &namespace,
            &labels,
        );
        let preferred_anti_affinity = weighted_terms(
            pod,
            &affinity("podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution"),
            &namespace,
            &labels,
        );
        let spread_constraints = arr(pod, "/spec/topologySpreadConstraints")
            .iter()
            .filter_map(|c| {
                let mut selector = match c.get("labelSelector") {
                    Some(ls) if !ls.is_null() => Selector::from_label_selector(ls).ok()?,
                    _ => Selector::nothing(),
                };
                let keys: Vec<String> = arr(c, "/matchLabelKeys")
                    .iter()
                    .filter_map(Value::as_str)
                    .filter_map(|k| labels.get(k).map(|v| format!("{k}={v}")))
                    .collect();
                if !keys.is_empty() && !selector.matches_nothing() {
                    let base = selector.to_string();
                    let text = if base.is_empty() {
                        keys.join(",")
                    } else {
                        format!("{base},{}", keys.join(","))
                    };
                    selector = Selector::parse(&text).ok()?;
                }
                Some(SpreadConstraint {
                    max_skew: c.get("maxSkew").and_then(Value::as_i64).unwrap_or(1),
                    topology_key: str_at(c, "/topologyKey").to_string(),
                    hard: str_at(c, "/whenUnsatisfiable") != "ScheduleAnyway",
                    selector,
                    min_domains: c.get("minDomains").and_then(Value::as_i64),
                    honor_node_affinity: str_at(c, "/nodeAffinityPolicy") != "Ignore",
                    honor_taints: str_at(c, "/nodeTaintsPolicy") == "Honor",
                })
            })
            .collect();
        let controller = arr(pod, "/metadata/ownerReferences")
            .iter()
            .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
            .map(|o| (str_at(o, "/kind").to_string(), str_at(o, "/name").to_string()));

        PodInfo {
            name: str_at(pod, "/metadata/name").to_string(),
            uid: str_at(pod, "/metadata/uid").to_string(),
            node_name: str_at(pod, "/spec/nodeName").to_string(),
            nominated_node_name: str_at(pod, "/status/nominatedNodeName").to_string(),
            scheduler_name: match str_at(pod, "/spec/schedulerName") {
                "" => "default-scheduler".to_string(),
                s => s.to_string(),
            },
            priority: pod.pointer("/spec/priority").and_then(Value::as_i64).unwrap_or(0),
            preemption_never: str_at(pod, "/spec/preemptionPolicy") == "Never",
            creation_timestamp: str_at(pod, "/metadata/creationTimestamp").to_string(),
            start_time: str_at(pod, "/status/startTime").to_string(),
            terminating: pod.pointer("/metadata/deletionTimestamp").is_some_and(|v| !v.is_null()),
            requests,
            non_zero_cpu: nz_cpu,
            non_zero_memory: nz_mem,
            host_ports,
            node_selector: string_map(pod.pointer("/spec/nodeSelector")),
            required_node_terms,
            preferred_node_terms,
            tolerations: parse_tolerations(arr(pod, "/spec/tolerations")),
            required_affinity,
            required_anti_affinity,
            preferred_affinity,
            preferred_anti_affinity,
            spread_constraints,
            num_containers: images.len() + inits.len(),
            images,
            controller,
            namespace,
            labels,
        }
    }

    pub fn key(&self) -> (String, String) {
        (self.namespace.clone(), self.name.clone())
    }

    pub fn has_affinity(&self) -> bool {
        !self.required_affinity.is_empty()
            || !self.required_anti_affinity.is_empty()
            || !self.preferred_affinity.is_empty()
            || !self.preferred_anti_affinity.is_empty()
    }
}

/// The parts of a node the scheduler uses.
#[derive(Debug, Clone)]
pub struct NodeModel {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    pub allocatable: Resource,
    /// Image name → size in bytes (node.status.images; every name of an image).
    pub images: BTreeMap<String, i64>,
}

impl NodeModel {
    pub fn from_value(node: &Value) -> NodeModel {
        let mut images = BTreeMap::new();
        for img in arr(node, "/status/images") {
            let size = img.get("sizeBytes").and_then(Value::as_i64).unwrap_or(0);
            for n in arr(img, "/names").iter().filter_map(Value::as_str) {
                images.insert(n.to_string(), size);
            }
        }
        NodeModel {
            name: str_at(node, "/metadata/name").to_string(),
            labels: string_map(node.pointer("/metadata/labels")),
            taints: arr(node, "/spec/taints")
                .iter()
                .map(|t| Taint {
                    key: str_at(t, "/key").to_string(),
                    value: str_at(t, "/value").to_string(),
                    effect: str_at(t, "/effect").to_string(),
                })
                .collect(),
            unschedulable: node
                .pointer("/spec/unschedulable")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            allocatable: Resource::from_list(node.pointer("/status/allocatable")),
            images,
        }
    }

    /// Whether what the scheduler filters and scores on differs (node updates that cannot
    /// make a pod schedulable, such as heartbeats, move nothing).
    pub fn scheduling_properties_differ(&self, other: &NodeModel) -> bool {
        self.labels != other.labels
            || self.taints != other.taints
            || self.unschedulable != other.unschedulable
            || self.allocatable != other.allocatable
            || self.images != other.images
    }
}

/// NodeAffinity PreFilter: the node names the required terms pin the pod to through
/// `matchFields` `metadata.name In` (as DaemonSet pods are). None when some term does not
/// pin (terms are ORed); an empty set when the pins conflict.
pub fn node_name_restriction(pod: &PodInfo) -> Option<BTreeSet<String>> {
    let terms = pod.required_node_terms.as_ref()?;
    let mut names: Option<BTreeSet<String>> = None;
    for t in terms {
        let mut term_names: Option<BTreeSet<String>> = None;
        for r in arr(t, "/matchFields") {
            if str_at(r, "/key") == "metadata.name" && str_at(r, "/operator") == "In" {
                let set: BTreeSet<String> = arr(r, "/values")
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect();
                term_names = Some(match term_names {
                    None => set,
                    Some(prev) => prev.intersection(&set).cloned().collect(),
                });
            }
        }
        let term_names = term_names?;
        names.get_or_insert_with(BTreeSet::new).extend(term_names);
    }
    names
}

/// A nodeSelectorTerm's requirements against a node (matchExpressions on labels,
/// matchFields on `metadata.name`). An empty term matches nothing.
pub fn node_selector_term_matches(term: &Value, node: &NodeModel) -> bool {
    let exprs = arr(term, "/matchExpressions");
    let fields = arr(term, "/matchFields");
    if exprs.is_empty() && fields.is_empty() {
        return false;
    }
    let expr_ok = |e: &Value, value: Option<&str>| -> bool {
        let values: Vec<&str> = arr(e, "/values").iter().filter_map(Value::as_str).collect();
        match str_at(e, "/operator") {
            "In" => value.is_some_and(|v| values.contains(&v)),
            "NotIn" => value.is_none_or(|v| !values.contains(&v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            op @ ("Gt" | "Lt") => {
                let (Some(v), Some(bound)) = (
                    value.and_then(|v| v.parse::<i64>().ok()),
                    values.first().and_then(|b| b.parse::<i64>().ok()),
                ) else {
                    return false;
                };
                if op == "Gt" {
                    v > bound
                } else {
                    v < bound
                }
            }
            _ => false,
        }
    };
    exprs
        .iter()
        .all(|e| expr_ok(e, node.labels.get(str_at(e, "/key")).map(String::as_str)))
        && fields.iter().all(|e| {
            let v = if str_at(e, "/key") == "metadata.name" {
                Some(node.name.as_str())
            } else {
                None
            };
            expr_ok(e, v)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_take_the_larger_of_containers_and_init_containers_plus_overhead() {
        let pod = json!({"metadata": {"name": "p", "namespace": "d"}, "spec": {
            "containers": [
                {"name": "a", "image": "nginx", "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}},
                {"name": "b", "image": "redis", "resources": {"requests": {"cpu": "200m"}}},
            ],
            "initContainers": [{"name": "i", "image": "busybox", "resources": {"requests": {"cpu": "1", "memory": "10Mi"}}}],
            "overhead": {"cpu": "10m"},
        }});
        let p = PodInfo::from_value(&pod);
        assert_eq!(p.requests.milli_cpu, 1010);
        assert_eq!(p.requests.memory, 64 * 1024 * 1024);
        // Scoring defaults the memory of container b to 200Mi.
        assert_eq!(p.non_zero_memory, 264 * 1024 * 1024);
        assert_eq!(p.non_zero_cpu, 1010);
        assert_eq!(p.num_containers, 3);
    }

    #[test]
    fn a_pod_without_requests_requests_nothing_but_scores_with_defaults() {
        let p = PodInfo::from_value(&json!({"spec": {"containers": [{"name": "a", "image": "nginx"}]}}));
        assert!(p.requests.is_zero());
        assert_eq!((p.non_zero_cpu, p.non_zero_memory), (100, 200 * 1024 * 1024));
    }

    #[test]
    fn tolerations_follow_the_operator_rules() {
        let taint = Taint {
            key: "k".into(),
            value: "v".into(),
            effect: "NoSchedule".into(),
        };
        let tol = |k: &str, op: &str, v: &str, e: &str| Toleration {
            key: k.into(),
            operator: op.into(),
            value: v.into(),
            effect: e.into(),
        };
        assert!(tol("k", "Equal", "v", "NoSchedule").tolerates(&taint));
        assert!(tol("k", "Exists", "", "").tolerates(&taint));
        assert!(tol("", "Exists", "", "").tolerates(&taint));
        assert!(!tol("k", "Equal", "w", "NoSchedule").tolerates(&taint));
        assert!(!tol("k", "Exists", "", "NoExecute").tolerates(&taint));
    }

    #[test]
    fn match_fields_on_the_node_name_restrict_the_nodes_evaluated() {
        let pinned = |terms: Value| {
            let pod = json!({"spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}}});
            node_name_restriction(&PodInfo::from_value(&pod))
        };
        let field =
            |names: &[&str]| json!({"matchFields": [{"key": "metadata.name", "operator": "In", "values": names}]});
        assert_eq!(
            pinned(json!([field(&["node01"])])),
            Some(BTreeSet::from(["node01".to_string()]))
        );
        // An unpinned term lets every node in.
        assert_eq!(
            pinned(json!([field(&["node01"]), {"matchExpressions": [{"key": "a", "operator": "Exists"}]}])),
            None
        );
        let conflicting = json!([{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": ["a"]},
            {"key": "metadata.name", "operator": "In", "values": ["b"]}]}]);
        assert_eq!(pinned(conflicting), Some(BTreeSet::new()));
        assert_eq!(node_name_restriction(&PodInfo::from_value(&json!({"spec": {}}))), None);
    }

    #[test]
    fn node_selector_terms_match_labels_and_fields() {
        let node = NodeModel::from_value(&json!({"metadata": {"name": "n1", "labels": {"disk": "ssd", "gen": "5"}}}));
        for (term, want) in [
            (
                json!({"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}),
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "disk", "operator": "NotIn", "values": ["ssd"]}]}),
                false,
            ),
            (
                json!({"matchExpressions": [{"key": "gpu", "operator": "DoesNotExist"}]}),
                true,
            ),
            (
                json!({"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["4"]}]}),
                true,
            ),
            (
                json!({"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n2"]}]}),
                false,
            ),
            (json!({}), false),
        ] {
            assert_eq!(node_selector_term_matches(&term, &node), want, "{term}");
        }
    }
}
