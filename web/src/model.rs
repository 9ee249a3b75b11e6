//! The cluster view's model, built only from API responses (lists of nodes, pods, …) as a
//! client would see them.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeView {
    pub name: String,
    pub ready: bool,
    pub unschedulable: bool,
    pub roles: String,
    pub pods: Vec<PodView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodView {
    pub name: String,
    pub namespace: String,
    /// Pending | Running | Succeeded | Failed (Pending when the status has none yet).
    pub phase: String,
    pub ready: bool,
    pub node: String,
    pub restarts: i64,
    /// Controller owner as `Kind/name`.
    pub owner: String,
    pub terminating: bool,
}

/// A Deployment, StatefulSet, DaemonSet or ReplicaSet with its owner and replica counts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkloadView {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub ready: i64,
    pub desired: i64,
    pub owner: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceView {
    pub namespace: String,
    pub name: String,
    pub type_: String,
    pub cluster_ip: String,
    /// Ready endpoint addresses (from the Endpoints object of the same name).
    pub endpoints: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClusterModel {
    pub nodes: Vec<NodeView>,
    /// Pods not bound to a known node (unscheduled, or bound to a node that is gone).
    pub unscheduled: Vec<PodView>,
    pub workloads: Vec<WorkloadView>,
    pub services: Vec<ServiceView>,
}

/// The API lists the model is built from; a missing list (request failed) counts as empty.
#[derive(Default)]
pub struct Lists {
    pub nodes: Option<Value>,
    pub pods: Option<Value>,
    pub deployments: Option<Value>,
    pub replicasets: Option<Value>,
    pub statefulsets: Option<Value>,
    pub daemonsets: Option<Value>,
    pub services: Option<Value>,
    pub endpoints: Option<Value>,
}

fn items(list: &Option<Value>) -> &[Value] {
    list.as_ref()
        .and_then(|l| l.get("items"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("").to_string()
}

fn int(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn condition_true(v: &Value, kind: &str) -> bool {
    v.pointer("/status/conditions")
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .any(|c| c.get("type").and_then(Value::as_str) == Some(kind) && text(c, "/status") == "True")
        })
        .unwrap_or(false)
}

fn controller_owner(v: &Value) -> String {
    let owners = v.pointer("/metadata/ownerReferences").and_then(Value::as_array);
    let owner = owners.and_then(|os| {
        os.iter()
            .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
            .or_else(|| os.first())
    });
    owner
        .map(|o| format!("{}/{}", text(o, "/kind"), text(o, "/name")))
        .unwrap_or_default()
}

fn pod(v: &Value) -> PodView {
    let phase = text(v, "/status/phase");
    let restarts = v
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .map(|cs| cs.iter().map(|c| int(c, "/restartCount")).sum())
        .unwrap_or(0);
    PodView {
        name: text(v, "/metadata/name"),
        namespace: text(v, "/metadata/namespace"),
        phase: if phase.is_empty() { "Pending".to_string() } else { phase },
        ready: condition_true(v, "Ready"),
        node: text(v, "/spec/nodeName"),
        restarts,
        owner: controller_owner(v),
        terminating: v.pointer("/metadata/deletionTimestamp").is_some_and(|t| !t.is_null()),
    }
}

/// Node roles from the `node-role.kubernetes.io/ROLE` labels, as `kubectl get nodes` shows them.
fn roles(v: &Value) -> String {
    let mut roles: Vec<&str> = v
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .collect()
        })
        .unwrap_or_default();
    roles.sort_unstable();
    if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    }
}

fn workload(kind: &str, v: &Value) -> WorkloadView {
    let (ready, desired) = match kind {
        "DaemonSet" => (int(v, "/status/numberReady"), int(v, "/status/desiredNumberScheduled")),
        _ => (
            int(v, "/status/readyReplicas"),
            v.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1),
        ),
    };
    WorkloadView {
        kind: kind.to_string(),
        namespace: text(v, "/metadata/namespace"),
        name: text(v, "/metadata/name"),
        ready,
        desired,
        owner: controller_owner(v),
    }
}

fn endpoint_addresses(ep: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for subset in ep
        .get("subsets")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let ports: Vec<i64> = subset
            .get("ports")
            .and_then(Value::as_array)
            .map(|ps| ps.iter().map(|p| int(p, "/port")).collect())
            .unwrap_or_default();
        for addr in subset
            .get("addresses")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let ip = text(addr, "/ip");
            if ports.is_empty() {
                out.push(ip);
            } else {
                out.extend(ports.iter().map(|p| format!("{ip}:{p}")));
            }
        }
    }
    out
}

impl ClusterModel {
    pub fn build(lists: &Lists) -> ClusterModel {
        let mut nodes: Vec<NodeView> = items(&lists.nodes)
            .iter()
            .map(|n| NodeView {
                name: text(n, "/metadata/name"),
                ready: condition_true(n, "Ready"),
                unschedulable: n
                    .pointer("/spec/unschedulable")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                roles: roles(n),
                pods: Vec::new(),
            })
            .collect();
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut unscheduled = Vec::new();
        let mut pods: Vec<PodView> = items(&lists.pods).iter().map(pod).collect();
        pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        for p in pods {
            match nodes.iter_mut().find(|n| !p.node.is_empty() && n.name == p.node) {
                Some(n) => n.pods.push(p),
                None => unscheduled.push(p),
            }
        }
        let mut workloads = Vec::new();
        for (kind, list) in [
            ("Deployment", &lists.deployments),
            ("StatefulSet", &lists.statefulsets),
            ("DaemonSet", &lists.daemonsets),
            ("ReplicaSet", &lists.replicasets),
        ] {
            workloads.extend(items(list).iter().map(|v| workload(kind, v)));
        }
        let endpoints = items(&lists.endpoints);
        let mut services: Vec<ServiceView> = items(&lists.services)
            .iter()
            .map(|s| {
                let (namespace, name) = (text(s, "/metadata/namespace"), text(s, "/metadata/name"));
                let endpoints = endpoints
                    .iter()
                    .find(|e| text(e, "/metadata/namespace") == namespace && text(e, "/metadata/name") == name)
                    .map(endpoint_addresses)
                    .unwrap_or_default();
                ServiceView {
                    type_: text(s, "/spec/type"),
                    cluster_ip: text(s, "/spec/clusterIP"),
                    namespace,
                    name,
                    endpoints,
                }
            })
            .collect();
        services.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        ClusterModel {
            nodes,
            unscheduled,
            workloads,
            services,
        }
    }

    /// Workloads owned by nobody (Deployments, StatefulSets, DaemonSets, bare ReplicaSets).
    pub fn top_workloads(&self) -> impl Iterator<Item = &WorkloadView> {
        self.workloads.iter().filter(|w| w.owner.is_empty())
    }

    /// What `owner` (`Kind/name` in `namespace`) directly controls: workloads, then pods.
    pub fn children(&self, namespace: &str, owner: &str) -> (Vec<&WorkloadView>, Vec<&PodView>) {
        let workloads = self
            .workloads
            .iter()
            .filter(|w| w.namespace == namespace && w.owner == owner)
            .collect();
        let pods = self
            .nodes
            .iter()
            .flat_map(|n| n.pods.iter())
            .chain(self.unscheduled.iter())
            .filter(|p| p.namespace == namespace && p.owner == owner)
            .collect();
        (workloads, pods)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn list(items: Vec<Value>) -> Option<Value> {
        Some(json!({ "kind": "List", "items": items }))
    }

    fn sample() -> ClusterModel {
        ClusterModel::build(&Lists {
            nodes: list(vec![
                json!({"metadata": {"name": "node01", "labels": {}}, "spec": {"unschedulable": true},
                       "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
                json!({"metadata": {"name": "controlplane", "labels": {"node-role.kubernetes.io/control-plane": ""}},
                       "status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
            ]),
            pods: list(vec![
                json!({"metadata": {"name": "web-1", "namespace": "default",
                         "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc", "controller": true}]},
                       "spec": {"nodeName": "node01"},
                       "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                                  "containerStatuses": [{"restartCount": 2}, {"restartCount": 1}]}}),
                json!({"metadata": {"name": "lonely", "namespace": "dev"}, "spec": {}}),
                json!({"metadata": {"name": "ghost", "namespace": "dev", "deletionTimestamp": "2026-01-01T00:00:00Z"},
                       "spec": {"nodeName": "gone"}, "status": {"phase": "Failed"}}),
            ]),
            deployments: list(vec![json!({"metadata": {"name": "web", "namespace": "default"},
                "spec": {"replicas": 3}, "status": {"readyReplicas": 1}})]),
            replicasets: list(vec![json!({"metadata": {"name": "web-abc", "namespace": "default",
                "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]}, "spec": {}})]),
            services: list(vec![json!({"metadata": {"name": "web", "namespace": "default"},
                "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.7"}})]),
            endpoints: list(vec![json!({"metadata": {"name": "web", "namespace": "default"},
                "subsets": [{"addresses": [{"ip": "10.244.1.2"}], "ports": [{"port": 80}]}]})]),
            ..Lists::default()
        })
    }

    #[test]
    fn nodes_are_sorted_with_readiness_roles_and_cordons() {
        let m = sample();
        let got: Vec<(&str, bool, bool, &str)> = m
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.ready, n.unschedulable, n.roles.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("controlplane", false, false, "control-plane"),
                ("node01", true, true, "<none>")
            ]
        );
    }

    #[test]
    fn pods_go_under_their_node_or_into_unscheduled() {
        let m = sample();
        let p = &m.nodes[1].pods[0];
        assert_eq!(
            (p.name.as_str(), p.phase.as_str(), p.ready, p.restarts),
            ("web-1", "Running", true, 3)
        );
        assert_eq!(p.owner, "ReplicaSet/web-abc");
        let un: Vec<(&str, &str, bool)> = m
            .unscheduled
            .iter()
            .map(|p| (p.name.as_str(), p.phase.as_str(), p.terminating))
            .collect();
        assert_eq!(un, [("ghost", "Failed", true), ("lonely", "Pending", false)]);
    }

    #[test]
    fn owners_chain_deployments_to_replica_sets_to_pods() {
        let m = sample();
        let top: Vec<&str> = m.top_workloads().map(|w| w.name.as_str()).collect();
        assert_eq!(top, ["web"]);
        let (rs, pods) = m.children("default", "Deployment/web");
        assert_eq!((rs.len(), pods.len()), (1, 0));
        assert_eq!(rs[0].desired, 1, "spec.replicas defaults to 1");
        let (_, pods) = m.children("default", "ReplicaSet/web-abc");
        assert_eq!(pods[0].name, "web-1");
        assert_eq!((m.workloads[0].ready, m.workloads[0].desired), (1, 3));
    }

    #[test]
    fn services_list_their_endpoints() {
        let m = sample();
        assert_eq!(m.services[0].endpoints, ["10.244.1.2:80"]);
        assert_eq!(m.services[0].cluster_ip, "10.96.0.7");
    }

    #[test]
    fn missing_or_odd_lists_give_an_empty_model() {
        let m = ClusterModel::build(&Lists {
            nodes: Some(json!({"items": "nope"})),
            ..Lists::default()
        });
        assert_eq!(m, ClusterModel::default());
    }
}
