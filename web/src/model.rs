//! The cluster view's model, built only from what the API serves, as a client would see it:
//! one LIST per kind, then watches (`GET …?watch=true&resourceVersion=N`, which the API server
//! answers at once with the events since N) applied to local stores keyed by namespace/name.
//! The model is rebuilt only when an event changed a store.

use std::collections::BTreeMap;

use apimachinery::{ApiClient, ApiRequest};
use serde_json::Value;

/// The kinds the cluster view follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Node,
    Pod,
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    CronJob,
    Job,
    Service,
    Endpoints,
}

impl Kind {
    pub const ALL: [Kind; 10] = [
        Kind::Node,
        Kind::Pod,
        Kind::Deployment,
        Kind::ReplicaSet,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::CronJob,
        Kind::Job,
        Kind::Service,
        Kind::Endpoints,
    ];

    /// The collection across all namespaces.
    pub fn path(self) -> &'static str {
        match self {
            Kind::Node => "/api/v1/nodes",
            Kind::Pod => "/api/v1/pods",
            Kind::Deployment => "/apis/apps/v1/deployments",
            Kind::ReplicaSet => "/apis/apps/v1/replicasets",
            Kind::StatefulSet => "/apis/apps/v1/statefulsets",
            Kind::DaemonSet => "/apis/apps/v1/daemonsets",
            Kind::CronJob => "/apis/batch/v1/cronjobs",
            Kind::Job => "/apis/batch/v1/jobs",
            Kind::Service => "/api/v1/services",
            Kind::Endpoints => "/api/v1/endpoints",
        }
    }
}

/// One kind's objects by (namespace, name), and the resourceVersion they reflect.
#[derive(Debug, Clone, Default, PartialEq)]
struct Collection {
    objects: BTreeMap<(String, String), Value>,
    /// None until a LIST succeeded: the next sync lists.
    resource_version: Option<String>,
}

/// A watch answered that its resourceVersion fell out of the history (410 Gone).
struct Gone;

fn key_of(obj: &Value) -> (String, String) {
    (text(obj, "/metadata/namespace"), text(obj, "/metadata/name"))
}

impl Collection {
    /// Replaces the objects with a LIST response; returns whether any object changed.
    fn replace(&mut self, list: &Value) -> bool {
        let fresh: BTreeMap<(String, String), Value> = list
            .get("items")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|o| (key_of(o), o.clone()))
            .collect();
        self.resource_version = Some(text(list, "/metadata/resourceVersion"));
        let changed = fresh != self.objects;
        self.objects = fresh;
        changed
    }

    /// Applies a watch response (a JSON array of events); returns whether any object changed.
    fn apply(&mut self, events: &Value) -> Result<bool, Gone> {
        let mut changed = false;
        for ev in events.as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let object = ev.get("object").unwrap_or(&Value::Null);
            match ev.get("type").and_then(Value::as_str).unwrap_or("") {
                "ADDED" | "MODIFIED" => {
                    let old = self.objects.insert(key_of(object), object.clone());
                    changed |= old.as_ref() != Some(object);
                }
                "DELETED" => changed |= self.objects.remove(&key_of(object)).is_some(),
                "BOOKMARK" => {}
                // A watch that fell behind the history ends with a 410 Status.
                "ERROR" if object.get("code").and_then(Value::as_u64) == Some(410) => return Err(Gone),
                _ => continue,
            }
            let rv = text(object, "/metadata/resourceVersion");
            if !rv.is_empty() {
                self.resource_version = Some(rv);
            }
        }
        Ok(changed)
    }
}

/// The objects of every followed kind, kept up to date by [`Objects::sync`].
#[derive(Debug, Clone, Default)]
pub struct Objects {
    kinds: BTreeMap<Kind, Collection>,
    /// The API server's resourceVersion at the last sync.
    seen: Option<u64>,
    /// How many LISTs were made (the first per kind, then one per 410 Gone).
    pub lists: u64,
    /// How many watch requests were made.
    pub watches: u64,
}

impl Objects {
    /// Forgets everything: the next sync lists every kind again (another cluster was loaded).
    pub fn reset(&mut self) {
        self.kinds.clear();
        self.seen = None;
    }

    /// The API server's resourceVersion at the last sync.
    pub fn seen(&self) -> Option<u64> {
        self.seen
    }

    /// Brings every kind up to date. `current` is the API server's resourceVersion, which moves
    /// on every write and only then: when it has not moved since the last sync nothing is asked.
    /// Returns whether any object changed.
    pub fn sync(&mut self, api: &mut dyn ApiClient, current: u64) -> bool {
        if self.seen == Some(current) {
            return false;
        }
        // resourceVersions only grow: a smaller one is another cluster (`kubeplay reset`).
        if self.seen.is_some_and(|seen| current < seen) {
            self.kinds.clear();
        }
        self.seen = Some(current);
        let mut changed = false;
        for kind in Kind::ALL {
            changed |= self.sync_kind(api, kind);
        }
        changed
    }

    fn sync_kind(&mut self, api: &mut dyn ApiClient, kind: Kind) -> bool {
        let rv = self.kinds.get(&kind).and_then(|c| c.resource_version.clone());
        let Some(rv) = rv else {
            return self.relist(api, kind);
        };
        self.watches += 1;
        let req = ApiRequest::get(kind.path())
            .with_query("watch", "true")
            .with_query("resourceVersion", rv)
            .with_query("allowWatchBookmarks", "true");
        let collection = self.kinds.entry(kind).or_default();
        match api.request(req) {
            Ok(events) => match collection.apply(&events) {
                Ok(changed) => changed,
                Err(Gone) => self.relist(api, kind),
            },
            Err(e) if e.code() == 410 => self.relist(api, kind),
            // Keep what we have; the next change retries.
            Err(_) => false,
        }
    }

    fn relist(&mut self, api: &mut dyn ApiClient, kind: Kind) -> bool {
        self.lists += 1;
        let collection = self.kinds.entry(kind).or_default();
        match api.request(ApiRequest::get(kind.path())) {
            Ok(list) => collection.replace(&list),
            Err(_) => {
                // Unknown state: list again next time, and show nothing stale meanwhile.
                collection.resource_version = None;
                let had = !collection.objects.is_empty();
                collection.objects.clear();
                had
            }
        }
    }

    /// Replaces one kind with a LIST response (what a relist does); for building models directly.
    #[cfg(test)]
    pub fn replace(&mut self, kind: Kind, list: &Value) -> bool {
        self.kinds.entry(kind).or_default().replace(list)
    }

    /// The objects of a kind, ordered by (namespace, name).
    pub fn items(&self, kind: Kind) -> impl Iterator<Item = &Value> {
        self.kinds.get(&kind).into_iter().flat_map(|c| c.objects.values())
    }

    pub fn get(&self, kind: Kind, namespace: &str, name: &str) -> Option<&Value> {
        self.kinds
            .get(&kind)
            .and_then(|c| c.objects.get(&(namespace.to_string(), name.to_string())))
    }

    #[cfg(test)]
    pub fn len(&self, kind: Kind) -> usize {
        self.kinds.get(&kind).map_or(0, |c| c.objects.len())
    }
}

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

/// A Deployment, StatefulSet, DaemonSet, ReplicaSet, CronJob or Job with its owner and progress.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkloadView {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// Progress as the view prints it: `2/3 ready`, `1/1 complete`, `*/5 * * * *, 1 active`.
    pub summary: String,
    /// Whether the workload has what it wants (all replicas ready, the Job complete).
    pub ok: bool,
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

fn workload(kind: Kind, v: &Value) -> WorkloadView {
    let (kind_name, summary, ok) = match kind {
        Kind::DaemonSet => {
            let (ready, desired) = (int(v, "/status/numberReady"), int(v, "/status/desiredNumberScheduled"));
            ("DaemonSet", format!("{ready}/{desired} ready"), ready >= desired)
        }
        Kind::Job => {
            // kubectl's COMPLETIONS column: succeeded/completions (completions defaults to 1).
            let succeeded = int(v, "/status/succeeded");
            let completions = v.pointer("/spec/completions").and_then(Value::as_i64).unwrap_or(1);
            let failed = condition_true(v, "Failed");
            let suffix = if failed { ", failed" } else { "" };
            (
                "Job",
                format!("{succeeded}/{completions} complete{suffix}"),
                condition_true(v, "Complete"),
            )
        }
        Kind::CronJob => {
            let active = v
                .pointer("/status/active")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let suspended = v.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true);
            let suffix = if suspended { ", suspended" } else { "" };
            (
                "CronJob",
                format!("{}, {active} active{suffix}", text(v, "/spec/schedule")),
                true,
            )
        }
        _ => {
            let kind_name = match kind {
                Kind::Deployment => "Deployment",
                Kind::StatefulSet => "StatefulSet",
                _ => "ReplicaSet",
            };
            let ready = int(v, "/status/readyReplicas");
            let desired = v.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(1);
            (kind_name, format!("{ready}/{desired} ready"), ready >= desired)
        }
    };
    WorkloadView {
        kind: kind_name.to_string(),
        namespace: text(v, "/metadata/namespace"),
        name: text(v, "/metadata/name"),
        summary,
        ok,
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
    pub fn build(objects: &Objects) -> ClusterModel {
        // The stores iterate by (namespace, name), so every list below comes out sorted.
        let mut nodes: Vec<NodeView> = objects
            .items(Kind::Node)
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
        let mut unscheduled = Vec::new();
        for p in objects.items(Kind::Pod).map(pod) {
            match nodes.iter_mut().find(|n| !p.node.is_empty() && n.name == p.node) {
                Some(n) => n.pods.push(p),
                None => unscheduled.push(p),
            }
        }
        let mut workloads = Vec::new();
        for kind in [
            Kind::Deployment,
            Kind::StatefulSet,
            Kind::DaemonSet,
            Kind::CronJob,
            Kind::Job,
            Kind::ReplicaSet,
        ] {
            workloads.extend(objects.items(kind).map(|v| workload(kind, v)));
        }
        let services = objects
            .items(Kind::Service)
            .map(|s| {
                let (namespace, name) = (text(s, "/metadata/namespace"), text(s, "/metadata/name"));
                let endpoints = objects
                    .get(Kind::Endpoints, &namespace, &name)
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
        ClusterModel {
            nodes,
            unscheduled,
            workloads,
            services,
        }
    }

    /// Workloads owned by nobody (Deployments, StatefulSets, DaemonSets, CronJobs, bare Jobs
    /// and ReplicaSets).
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
// ApiError (metav1.Status) is the fixed error type of every API call.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use apimachinery::ApiError;
    use serde_json::json;

    fn list(rv: &str, items: Vec<Value>) -> Value {
        json!({ "kind": "List", "metadata": {"resourceVersion": rv}, "items": items })
    }

    fn sample() -> ClusterModel {
        let mut o = Objects::default();
        o.replace(
            Kind::Node,
            &list(
                "1",
                vec![
                    json!({"metadata": {"name": "node01", "labels": {}}, "spec": {"unschedulable": true},
                       "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
                    json!({"metadata": {"name": "controlplane", "labels": {"node-role.kubernetes.io/control-plane": ""}},
                       "status": {"conditions": [{"type": "Ready", "status": "False"}]}}),
                ],
            ),
        );
        o.replace(
            Kind::Pod,
            &list(
                "1",
                vec![
                    json!({"metadata": {"name": "web-1", "namespace": "default",
                         "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc", "controller": true}]},
                       "spec": {"nodeName": "node01"},
                       "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                                  "containerStatuses": [{"restartCount": 2}, {"restartCount": 1}]}}),
                    json!({"metadata": {"name": "lonely", "namespace": "dev"}, "spec": {}}),
                    json!({"metadata": {"name": "ghost", "namespace": "dev", "deletionTimestamp": "2026-01-01T00:00:00Z"},
                       "spec": {"nodeName": "gone"}, "status": {"phase": "Failed"}}),
                    json!({"metadata": {"name": "pi-x1", "namespace": "default",
                         "ownerReferences": [{"kind": "Job", "name": "pi-29000", "controller": true}]},
                       "spec": {"nodeName": "node01"}, "status": {"phase": "Succeeded"}}),
                ],
            ),
        );
        o.replace(
            Kind::Deployment,
            &list(
                "1",
                vec![json!({"metadata": {"name": "web", "namespace": "default"},
                "spec": {"replicas": 3}, "status": {"readyReplicas": 1}})],
            ),
        );
        o.replace(
            Kind::ReplicaSet,
            &list(
                "1",
                vec![json!({"metadata": {"name": "web-abc", "namespace": "default",
                "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]}, "spec": {}})],
            ),
        );
        o.replace(
            Kind::CronJob,
            &list(
                "1",
                vec![json!({"metadata": {"name": "pi", "namespace": "default"},
                "spec": {"schedule": "*/5 * * * *", "suspend": false}, "status": {"active": [{"name": "pi-29000"}]}})],
            ),
        );
        o.replace(
            Kind::Job,
            &list(
                "1",
                vec![
                    json!({"metadata": {"name": "pi-29000", "namespace": "default",
                    "ownerReferences": [{"kind": "CronJob", "name": "pi", "controller": true}]},
                    "spec": {"completions": 1}, "status": {"succeeded": 1,
                    "conditions": [{"type": "Complete", "status": "True"}]}}),
                    json!({"metadata": {"name": "once", "namespace": "dev"}, "spec": {"completions": 3},
                    "status": {"succeeded": 1, "conditions": [{"type": "Failed", "status": "True"}]}}),
                ],
            ),
        );
        o.replace(
            Kind::Service,
            &list(
                "1",
                vec![json!({"metadata": {"name": "web", "namespace": "default"},
                "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.7"}})],
            ),
        );
        o.replace(
            Kind::Endpoints,
            &list(
                "1",
                vec![json!({"metadata": {"name": "web", "namespace": "default"},
                "subsets": [{"addresses": [{"ip": "10.244.1.2"}], "ports": [{"port": 80}]}]})],
            ),
        );
        ClusterModel::build(&o)
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
        let p = &m.nodes[1].pods[1];
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
        let (rs, pods) = m.children("default", "Deployment/web");
        assert_eq!((rs.len(), pods.len()), (1, 0));
        assert_eq!(rs[0].summary, "0/1 ready", "spec.replicas defaults to 1");
        let (_, pods) = m.children("default", "ReplicaSet/web-abc");
        assert_eq!(pods[0].name, "web-1");
        assert_eq!(
            (m.workloads[0].summary.as_str(), m.workloads[0].ok),
            ("1/3 ready", false)
        );
    }

    #[test]
    fn cron_jobs_own_jobs_which_own_pods_and_bare_jobs_stand_alone() {
        let m = sample();
        let top: Vec<(&str, &str, &str, bool)> = m
            .top_workloads()
            .map(|w| (w.kind.as_str(), w.name.as_str(), w.summary.as_str(), w.ok))
            .collect();
        assert_eq!(
            top,
            [
                ("Deployment", "web", "1/3 ready", false),
                ("CronJob", "pi", "*/5 * * * *, 1 active", true),
                ("Job", "once", "1/3 complete, failed", false),
            ]
        );
        let (jobs, _) = m.children("default", "CronJob/pi");
        let jobs: Vec<(&str, &str, bool)> = jobs
            .iter()
            .map(|j| (j.name.as_str(), j.summary.as_str(), j.ok))
            .collect();
        assert_eq!(jobs, [("pi-29000", "1/1 complete", true)]);
        let (_, pods) = m.children("default", "Job/pi-29000");
        assert_eq!(pods.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["pi-x1"]);
    }

    #[test]
    fn services_list_their_endpoints() {
        let m = sample();
        assert_eq!(m.services[0].endpoints, ["10.244.1.2:80"]);
        assert_eq!(m.services[0].cluster_ip, "10.96.0.7");
    }

    #[test]
    fn missing_or_odd_lists_give_an_empty_model() {
        let mut o = Objects::default();
        o.replace(Kind::Node, &json!({"items": "nope"}));
        o.replace(Kind::Pod, &json!(42));
        assert_eq!(ClusterModel::build(&o), ClusterModel::default());
    }

    fn cm(name: &str, rv: &str, data: &str) -> Value {
        json!({"metadata": {"namespace": "default", "name": name, "resourceVersion": rv}, "data": {"a": data}})
    }

    #[test]
    fn watch_events_update_the_store_and_say_whether_anything_changed() {
        let base = || {
            let mut c = Collection::default();
            c.replace(&list("10", vec![cm("a", "5", "x"), cm("b", "6", "y")]));
            c
        };
        // (events, changed, names afterwards, a's data, resourceVersion afterwards)
        let cases: Vec<(Value, bool, Vec<&str>, &str, &str)> = vec![
            (json!([]), false, vec!["a", "b"], "x", "10"),
            (
                json!([{"type": "ADDED", "object": cm("c", "11", "z")}]),
                true,
                vec!["a", "b", "c"],
                "x",
                "11",
            ),
            (
                json!([{"type": "MODIFIED", "object": cm("a", "12", "x2")}]),
                true,
                vec!["a", "b"],
                "x2",
                "12",
            ),
            (
                json!([{"type": "DELETED", "object": cm("b", "13", "y")}]),
                true,
                vec!["a"],
                "x",
                "13",
            ),
            (
                json!([{"type": "DELETED", "object": cm("zz", "13", "")}]),
                false,
                vec!["a", "b"],
                "x",
                "13",
            ),
            (
                json!([{"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "20"}}}]),
                false,
                vec!["a", "b"],
                "x",
                "20",
            ),
            (
                json!([{"type": "ADDED", "object": cm("c", "11", "z")}, {"type": "DELETED", "object": cm("c", "12", "z")}]),
                true,
                vec!["a", "b"],
                "x",
                "12",
            ),
            (
                json!([{"type": "ERROR", "object": {"code": 500}}, 7, "x"]),
                false,
                vec!["a", "b"],
                "x",
                "10",
            ),
            (json!({"not": "an array"}), false, vec!["a", "b"], "x", "10"),
        ];
        for (events, changed, names, a, rv) in cases {
            let mut c = base();
            let got = c.apply(&events).ok();
            assert_eq!(got, Some(changed), "{events}");
            let got_names: Vec<&str> = c.objects.keys().map(|(_, n)| n.as_str()).collect();
            assert_eq!(got_names, names, "{events}");
            let got_a = c
                .objects
                .get(&("default".into(), "a".into()))
                .map(|o| text(o, "/data/a"));
            assert_eq!(got_a.as_deref(), Some(a).filter(|_| names.contains(&"a")), "{events}");
            assert_eq!(c.resource_version.as_deref(), Some(rv), "{events}");
        }
        let gone = json!([{"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired"}}]);
        assert!(base().apply(&gone).is_err(), "a 410 ERROR event asks for a relist");
    }

    /// A scripted answer to a request.
    type Answer = Box<dyn FnMut(&ApiRequest) -> Result<Value, ApiError>>;

    /// An API that answers from a script and records what was asked.
    struct Fake {
        asked: Vec<String>,
        answer: Answer,
    }

    impl ApiClient for Fake {
        fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
            self.asked.push(req.url_path());
            (self.answer)(&req)
        }
    }

    fn fake(answer: impl FnMut(&ApiRequest) -> Result<Value, ApiError> + 'static) -> Fake {
        Fake {
            asked: Vec::new(),
            answer: Box::new(answer),
        }
    }

    fn node(name: &str, rv: &str) -> Value {
        json!({"metadata": {"name": name, "resourceVersion": rv}})
    }

    #[test]
    fn the_first_sync_lists_every_kind_then_only_watches_when_the_resource_version_moved() {
        let mut api = fake(|req| {
            Ok(match (req.path.as_str(), req.query_param("watch")) {
                ("/api/v1/nodes", None) => list("100", vec![node("node01", "90")]),
                ("/api/v1/nodes", Some(_)) => json!([{"type": "ADDED", "object": node("node02", "101")}]),
                (_, None) => list("100", vec![]),
                (_, Some(_)) => json!([]),
            })
        });
        let mut o = Objects::default();
        assert!(o.sync(&mut api, 100));
        assert_eq!(api.asked.len(), Kind::ALL.len());
        assert_eq!(api.asked[0], "/api/v1/nodes");
        assert!(!o.sync(&mut api, 100), "nothing moved");
        assert_eq!(
            api.asked.len(),
            Kind::ALL.len(),
            "no request when the resourceVersion did not move"
        );
        assert!(o.sync(&mut api, 101));
        assert_eq!(
            api.asked[Kind::ALL.len()],
            "/api/v1/nodes?watch=true&resourceVersion=100&allowWatchBookmarks=true"
        );
        assert_eq!((o.lists, o.watches), (10, 10));
        let names: Vec<String> = o.items(Kind::Node).map(|n| text(n, "/metadata/name")).collect();
        assert_eq!(names, ["node01", "node02"]);
        assert!(!o.sync(&mut api, 102), "the same object sent again changes nothing");
    }

    #[test]
    fn a_gone_watch_relists_and_reports_the_difference() {
        // (how the watch says Gone, whether the relist changed anything)
        for gone_as_event in [false, true] {
            let mut listed = 0;
            let mut api = fake(move |req| match (req.path.as_str(), req.query_param("watch")) {
                ("/api/v1/nodes", None) => {
                    listed += 1;
                    let nodes = if listed == 1 {
                        vec![node("node01", "1"), node("node02", "2")]
                    } else {
                        vec![node("node02", "2"), node("node03", "300")]
                    };
                    Ok(list(&format!("{}", 100 * listed), nodes))
                }
                ("/api/v1/nodes", Some(_)) if gone_as_event => {
                    Ok(json!([{"type": "ERROR", "object": {"kind": "Status", "code": 410}}]))
                }
                ("/api/v1/nodes", Some(_)) => Err(ApiError::gone("too old resource version: 100 (250)")),
                (_, None) => Ok(list("100", vec![])),
                (_, Some(_)) => Ok(json!([])),
            });
            let mut o = Objects::default();
            o.sync(&mut api, 100);
            assert!(o.sync(&mut api, 300), "node01 went, node03 came");
            let names: Vec<String> = o.items(Kind::Node).map(|n| text(n, "/metadata/name")).collect();
            assert_eq!(names, ["node02", "node03"]);
            assert_eq!(o.lists, 11, "one relist of nodes");
            assert!(api.asked.contains(&"/api/v1/nodes".to_string()));
            assert_eq!(o.kinds[&Kind::Node].resource_version.as_deref(), Some("200"));
        }
    }

    #[test]
    fn a_smaller_resource_version_is_another_cluster_and_everything_is_listed_again() {
        let mut api = fake(|req| match req.query_param("watch") {
            None => Ok(list("50", vec![])),
            Some(_) => Ok(json!([])),
        });
        let mut o = Objects::default();
        o.sync(&mut api, 500);
        o.sync(&mut api, 40);
        assert_eq!((o.lists, o.watches), (20, 0));
    }

    #[test]
    fn a_failed_list_shows_nothing_and_lists_again_next_time() {
        let mut fail = true;
        let mut api = fake(move |req| match req.query_param("watch") {
            None if std::mem::replace(&mut fail, false) => Err(ApiError::internal("boom")),
            None => Ok(list("7", vec![node("node01", "7")])),
            Some(_) => Ok(json!([])),
        });
        let mut o = Objects::default();
        o.sync(&mut api, 7);
        assert_eq!(o.len(Kind::Node), 0);
        o.sync(&mut api, 8);
        assert_eq!(o.len(Kind::Node), 1);
        assert_eq!(o.lists, 11);
    }

    fn deployment(replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}})
    }

    fn synced(c: &mut cluster::Cluster, o: &mut Objects) -> bool {
        let rv = c.resource_version();
        o.sync(c, rv)
    }

    fn fresh_model(c: &mut cluster::Cluster) -> ClusterModel {
        let mut o = Objects::default();
        synced(c, &mut o);
        ClusterModel::build(&o)
    }

    #[test]
    fn watches_follow_a_real_cluster_and_a_relist_after_410_gives_the_same_model() {
        let mut c = cluster::Cluster::new(1);
        let mut o = Objects::default();
        assert!(synced(&mut c, &mut o));
        assert_eq!(o.lists, 10);
        let r = c.request(ApiRequest::post(
            "/apis/apps/v1/namespaces/default/deployments",
            deployment(3),
        ));
        assert!(r.is_ok(), "{r:?}");
        let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}});
        let r = c.request(ApiRequest::post("/api/v1/namespaces/default/services", service));
        assert!(r.is_ok(), "{r:?}");
        c.advance(sim::Duration::from_secs(30));
        assert!(synced(&mut c, &mut o));
        let m = ClusterModel::build(&o);
        let web = m.services.iter().find(|s| s.name == "web").map(|s| s.endpoints.clone());
        assert_eq!(web.map(|e| e.len()), Some(3), "the Service lists its 3 ready pods");
        let (rs, _) = m.children("default", "Deployment/web");
        assert_eq!(rs.len(), 1);
        let (_, pods) = m.children("default", &format!("ReplicaSet/{}", rs[0].name));
        assert_eq!(pods.len(), 3);
        assert!(
            pods.iter()
                .all(|p| p.phase == "Running" && p.ready && !p.node.is_empty()),
            "{pods:?}"
        );
        assert_eq!(m, fresh_model(&mut c), "the watched stores equal a fresh list");
        assert_eq!(o.lists, 10, "only watches after the first lists");

        let r = c.request(ApiRequest::patch(
            "/apis/apps/v1/namespaces/default/deployments/web",
            apimachinery::request::PatchType::Merge,
            json!({"spec": {"replicas": 1}}),
        ));
        assert!(r.is_ok(), "{r:?}");
        c.advance(sim::Duration::from_secs(60));
        assert!(synced(&mut c, &mut o));
        let m = ClusterModel::build(&o);
        let web = m
            .nodes
            .iter()
            .flat_map(|n| &n.pods)
            .filter(|p| p.name.starts_with("web-"))
            .count();
        assert_eq!(web, 1, "deleted pods leave the view");
        let pod_ip = m
            .nodes
            .iter()
            .flat_map(|n| &n.pods)
            .find(|p| p.name.starts_with("web-"))
            .map(|p| p.name.clone());
        let ip = pod_ip
            .and_then(|name| o.get(Kind::Pod, "default", &name))
            .map(|p| format!("{}:80", text(p, "/status/podIP")));
        let endpoints = m.services.iter().find(|s| s.name == "web").map(|s| s.endpoints.clone());
        assert_eq!(endpoints, ip.map(|ip| vec![ip]), "the endpoints follow the pods");
        assert_eq!(m, fresh_model(&mut c));

        // Hours of heartbeats push every watch's resourceVersion out of the history: 410, relist.
        c.advance(sim::Duration::from_secs(3 * 3600));
        synced(&mut c, &mut o);
        assert_eq!(o.lists, 20, "every kind relisted once");
        assert_eq!(ClusterModel::build(&o), fresh_model(&mut c));
    }

    /// Prints what one refresh costs natively, the old way (every list) and from watches.
    /// Run with `cargo test -p kubeplay-web refresh_cost -- --ignored --nocapture`.
    #[test]
    #[ignore]
    // It measures real time on purpose; the simulation it drives stays on the virtual clock.
    #[allow(clippy::disallowed_methods)]
    fn refresh_cost_of_lists_and_of_watches() {
        let mut c = cluster::Cluster::new(1);
        let r = c.request(ApiRequest::post(
            "/apis/apps/v1/namespaces/default/deployments",
            deployment(5),
        ));
        assert!(r.is_ok());
        c.advance(sim::Duration::from_secs(60));
        let mut o = Objects::default();
        synced(&mut c, &mut o);
        let (mut lists_ms, mut watch_ms, mut rebuilt) = (0.0, 0.0, 0);
        let steps = 300;
        for _ in 0..steps {
            // 20x speed at 100 ms ticks: two virtual seconds per tick.
            c.advance(sim::Duration::from_secs(2));
            let t = std::time::Instant::now();
            let mut all = Objects::default();
            for kind in Kind::ALL {
                if let Ok(list) = c.request(ApiRequest::get(kind.path())) {
                    all.replace(kind, &list);
                }
            }
            std::hint::black_box(ClusterModel::build(&all));
            lists_ms += t.elapsed().as_secs_f64() * 1000.0;
            let t = std::time::Instant::now();
            if synced(&mut c, &mut o) {
                rebuilt += 1;
                std::hint::black_box(ClusterModel::build(&o));
            }
            watch_ms += t.elapsed().as_secs_f64() * 1000.0;
        }
        println!(
            "per refresh: lists {:.3} ms, watches {:.3} ms (model rebuilt {rebuilt} of {steps} times; {} watch requests, {} lists)",
            lists_ms / f64::from(steps),
            watch_ms / f64::from(steps),
            o.watches,
            o.lists
        );
    }
}
