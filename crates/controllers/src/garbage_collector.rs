//! The garbage collector (pkg/controller/garbagecollector): an ownerReferences graph over
//! the built-in kinds, and upstream's three deletion modes:
//!
//! - Background: an object whose owners are all gone (404, or another uid under that name)
//!   is deleted; owners that still exist keep it (dangling references are patched away).
//! - Foreground: an owner being deleted with the `foregroundDeletion` finalizer has its
//!   dependents deleted (those with dependents of their own in Foreground too); once no
//!   dependent with `blockOwnerDeletion: true` is left, the finalizer is removed.
//! - Orphan: an owner being deleted with the `orphan` finalizer has its ownerReference
//!   removed from every dependent, then the finalizer is removed.
//!
//! Owners are checked with a live GET (as upstream's `isDangling`) whenever the graph does not
//! show them alive. Custom resources are not monitored.

use crate::util::*;
use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use client::{ChangeKind, Component, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::{BTreeMap, BTreeSet};

pub const FOREGROUND_FINALIZER: &str = "foregroundDeletion";
pub const ORPHAN_FINALIZER: &str = "orphan";

/// A monitored resource: group, version, plural, kind, namespaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Monitored {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
}

const fn m(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    kind: &'static str,
    namespaced: bool,
) -> Monitored {
    Monitored {
        group,
        version,
        plural,
        kind,
        namespaced,
    }
}

/// The resources the collector watches (and can resolve as owners).
pub const MONITORED: [Monitored; 24] = [
    m("", "v1", "pods", "Pod", true),
    m("", "v1", "replicationcontrollers", "ReplicationController", true),
    m("", "v1", "services", "Service", true),
    m("", "v1", "endpoints", "Endpoints", true),
    m("", "v1", "configmaps", "ConfigMap", true),
    m("", "v1", "secrets", "Secret", true),
    m("", "v1", "serviceaccounts", "ServiceAccount", true),
    m("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true),
    m("", "v1", "persistentvolumes", "PersistentVolume", false),
    m("", "v1", "nodes", "Node", false),
    m("", "v1", "namespaces", "Namespace", false),
    m("apps", "v1", "deployments", "Deployment", true),
    m("apps", "v1", "replicasets", "ReplicaSet", true),
    m("apps", "v1", "statefulsets", "StatefulSet", true),
    m("apps", "v1", "daemonsets", "DaemonSet", true),
    m("apps", "v1", "controllerrevisions", "ControllerRevision", true),
    m("batch", "v1", "jobs", "Job", true),
    m("batch", "v1", "cronjobs", "CronJob", true),
    m("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
    m("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true),
    m(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        true,
    ),
    m("coordination.k8s.io", "v1", "leases", "Lease", true),
    m("networking.k8s.io", "v1", "ingresses", "Ingress", true),
    m("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true),
];

impl Monitored {
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    fn path(&self, namespace: &str, name: &str) -> String {
        let ns = if self.namespaced { namespace } else { "" };
        object_path(&self.api_version(), self.plural, ns, name)
    }
}

/// The monitored resource of an ownerReference's apiVersion + kind (version ignored).
pub fn resource_for(api_version: &str, kind: &str) -> Option<&'static Monitored> {
    let group = api_version.rsplit_once('/').map(|(g, _)| g).unwrap_or("");
    MONITORED.iter().find(|r| r.group == group && r.kind == kind)
}

/// One object in the graph.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    resource: usize,
    namespace: String,
    name: String,
    owners: Vec<Value>,
    deleting: bool,
    finalizers: Vec<String>,
}

impl Node {
    fn deleting_dependents(&self) -> bool {
        self.deleting && self.finalizers.iter().any(|f| f == FOREGROUND_FINALIZER)
    }
    fn orphaning(&self) -> bool {
        self.deleting && self.finalizers.iter().any(|f| f == ORPHAN_FINALIZER)
    }
}

/// How an owner reference resolves (`classifyReferences`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerState {
    Solid,
    Dangling,
    WaitingForDependentsDeletion,
}

/// What to do with an object that has owners (`attemptToDeleteItem`'s decision).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Keep,
    /// Remove the ownerReferences with these uids.
    RemoveRefs(Vec<String>),
    /// Delete with this propagation policy.
    Delete(&'static str),
}

/// `attemptToDeleteItem`'s decision from the classified owners.
pub fn decide(owners: &[(String, OwnerState)], has_dependents: bool, finalizers: &[String]) -> Decision {
    let solid = owners.iter().filter(|(_, s)| *s == OwnerState::Solid).count();
    let gone: Vec<String> = owners
        .iter()
        .filter(|(_, s)| *s != OwnerState::Solid)
        .map(|(uid, _)| uid.clone())
        .collect();
    let waiting = owners
        .iter()
        .any(|(_, s)| *s == OwnerState::WaitingForDependentsDeletion);
    if solid > 0 {
        return if gone.is_empty() {
            Decision::Keep
        } else {
            Decision::RemoveRefs(gone)
        };
    }
    if waiting && has_dependents {
        return Decision::Delete("Foreground");
    }
    if finalizers.iter().any(|f| f == ORPHAN_FINALIZER) {
        Decision::Delete("Orphan")
    } else if finalizers.iter().any(|f| f == FOREGROUND_FINALIZER) {
        Decision::Delete("Foreground")
    } else {
        Decision::Delete("Background")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GarbageCollector {
    informers: Vec<Informer>,
    #[serde(skip)]
    nodes: BTreeMap<String, Node>,
    /// owner uid → dependent uids.
    #[serde(skip)]
    dependents: BTreeMap<String, BTreeSet<String>>,
    /// Object uids to look at.
    queue: WorkQueue<String>,
}

pub fn garbage_collector() -> GarbageCollector {
    GarbageCollector {
        informers: MONITORED
            .iter()
            .map(|r| Informer::new(ResourcePath::new(r.group, r.version, r.plural)))
            .collect(),
        nodes: BTreeMap::new(),
        dependents: BTreeMap::new(),
        queue: WorkQueue::default(),
    }
}

fn ref_uid(r: &Value) -> &str {
    r.get("uid").and_then(Value::as_str).unwrap_or("")
}

impl GarbageCollector {
    fn unlink(&mut self, uid: &str, owners: &[Value]) {
        for r in owners {
            if let Some(set) = self.dependents.get_mut(ref_uid(r)) {
                set.remove(uid);
                if set.is_empty() {
                    self.dependents.remove(ref_uid(r));
                }
            }
        }
    }

    fn dependents_of(&self, uid: &str) -> Vec<String> {
        self.dependents
            .get(uid)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn observe(&mut self, resource: usize, kind: ChangeKind, obj: &Value) {
        let uid = meta_str(obj, "uid").to_string();
        if uid.is_empty() {
            return;
        }
        let old = self.nodes.remove(&uid);
        if let Some(o) = &old {
            self.unlink(&uid, &o.owners.clone());
        }
        if kind == ChangeKind::Deleted {
            // Dependents may now be dangling; owners may be waiting for this one.
            for d in self.dependents_of(&uid) {
                self.queue.add(d);
            }
            for r in old.map(|o| o.owners).unwrap_or_default() {
                self.queue.add(ref_uid(&r).to_string());
            }
            return;
        }
        let node = Node {
            resource,
            namespace: meta_str(obj, "namespace").to_string(),
            name: meta_str(obj, "name").to_string(),
            owners: owner_references(obj).to_vec(),
            deleting: is_being_deleted(obj),
            finalizers: finalizers(obj),
        };
        for r in &node.owners {
            self.dependents
                .entry(ref_uid(r).to_string())
                .or_default()
                .insert(uid.clone());
        }
        // Owners no longer referenced may be waiting for this dependent.
        if let Some(o) = &old {
            for r in &o.owners {
                if !node.owners.iter().any(|n| ref_uid(n) == ref_uid(r)) {
                    self.queue.add(ref_uid(r).to_string());
                }
            }
        }
        let became_waiting = node.deleting_dependents() && !old.as_ref().is_some_and(Node::deleting_dependents);
        if became_waiting {
            for d in self.dependents_of(&uid) {
                self.queue.add(d);
            }
        }
        if !node.owners.is_empty() || node.deleting_dependents() || node.orphaning() {
            self.queue.add(uid.clone());
        }
        self.nodes.insert(uid, node);
    }

    /// Resolves one owner reference of an object in `namespace`.
    fn classify(&self, api: &mut dyn ApiClient, namespace: &str, r: &Value) -> Result<OwnerState, ApiError> {
        let uid = ref_uid(r);
        if let Some(owner) = self.nodes.get(uid) {
            if owner.deleting_dependents() {
                return Ok(OwnerState::WaitingForDependentsDeletion);
            }
            if !owner.deleting {
                return Ok(OwnerState::Solid);
            }
        }
        let api_version = r.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = r.get("kind").and_then(Value::as_str).unwrap_or("");
        let name = r.get("name").and_then(Value::as_str).unwrap_or("");
        // An owner of a kind the collector cannot resolve is left alone.
        let Some(res) = resource_for(api_version, kind) else {
            return Ok(OwnerState::Solid);
        };
        match api.request(ApiRequest::get(res.path(namespace, name))) {
            Ok(live) => {
                if meta_str(&live, "uid") != uid {
                    return Ok(OwnerState::Dangling);
                }
                let waiting = is_being_deleted(&live) && finalizers(&live).iter().any(|f| f == FOREGROUND_FINALIZER);
                Ok(if waiting {
                    OwnerState::WaitingForDependentsDeletion
                } else {
                    OwnerState::Solid
                })
            }
            Err(e) if e.code() == 404 => Ok(OwnerState::Dangling),
            Err(e) => Err(e),
        }
    }

    fn patch_meta(&self, api: &mut dyn ApiClient, node: &Node, meta: Value) -> Result<(), ApiError> {
        let Some(res) = MONITORED.get(node.resource) else {
            return Ok(());
        };
        match api.request(ApiRequest::patch(
            res.path(&node.namespace, &node.name),
            PatchType::Merge,
            json!({"metadata": meta}),
        )) {
            Ok(_) => Ok(()),
            Err(e) if e.code() == 404 => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn remove_finalizer(&self, api: &mut dyn ApiClient, node: &Node, finalizer: &str) -> Result<(), ApiError> {
        let rest: Vec<&String> = node.finalizers.iter().filter(|f| f.as_str() != finalizer).collect();
        let value = if rest.is_empty() { Value::Null } else { json!(rest) };
        self.patch_meta(api, node, json!({"finalizers": value}))
    }

    fn remove_owner_refs(&self, api: &mut dyn ApiClient, node: &Node, uids: &[String]) -> Result<(), ApiError> {
        let rest: Vec<&Value> = node
            .owners
            .iter()
            .filter(|r| !uids.iter().any(|u| u == ref_uid(r)))
            .collect();
        let value = if rest.is_empty() { Value::Null } else { json!(rest) };
        self.patch_meta(api, node, json!({"ownerReferences": value}))
    }

    fn delete(&self, api: &mut dyn ApiClient, uid: &str, node: &Node, policy: &str) -> Result<(), ApiError> {
        let Some(res) = MONITORED.get(node.resource) else {
            return Ok(());
        };
        let req = ApiRequest::delete(res.path(&node.namespace, &node.name))
            .with_query("propagationPolicy", policy)
            .with_body(json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid}}));
        match api.request(req) {
            Ok(_) => Ok(()),
            // Gone, or replaced by another object under the same name.
            Err(e) if e.code() == 404 || e.code() == 409 => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn process(&mut self, api: &mut dyn ApiClient, uid: &str) -> Result<(), ApiError> {
        let Some(node) = self.nodes.get(uid).cloned() else {
            return Ok(());
        };
        if node.orphaning() {
            // orphanDependents, then drop the finalizer.
            for d in self.dependents_of(uid) {
                if let Some(dep) = self.nodes.get(&d).cloned() {
                    self.remove_owner_refs(api, &dep, &[uid.to_string()])?;
                }
            }
            return self.remove_finalizer(api, &node, ORPHAN_FINALIZER);
        }
        if node.deleting_dependents() {
            // processDeletingDependentsItem.
            let mut blocking = Vec::new();
            for d in self.dependents_of(uid) {
                let Some(dep) = self.nodes.get(&d) else { continue };
                let blocks = dep
                    .owners
                    .iter()
                    .any(|r| ref_uid(r) == uid && r.get("blockOwnerDeletion").and_then(Value::as_bool) == Some(true));
                if blocks {
                    blocking.push((d.clone(), dep.deleting_dependents()));
                }
            }
            if blocking.is_empty() {
                return self.remove_finalizer(api, &node, FOREGROUND_FINALIZER);
            }
            for (d, waiting) in blocking {
                if !waiting {
                    self.queue.add(d);
                }
            }
            return Ok(());
        }
        if node.deleting || node.owners.is_empty() {
            return Ok(());
        }
        let mut states = Vec::new();
        for r in &node.owners {
            states.push((ref_uid(r).to_string(), self.classify(api, &node.namespace, r)?));
        }
        let has_dependents = self.dependents.get(uid).is_some_and(|s| !s.is_empty());
        match decide(&states, has_dependents, &node.finalizers) {
            Decision::Keep => Ok(()),
            Decision::RemoveRefs(uids) => self.remove_owner_refs(api, &node, &uids),
            Decision::Delete(policy) => self.delete(api, uid, &node, policy),
        }
    }
}

impl Component for GarbageCollector {
    fn name(&self) -> &'static str {
        "garbage-collector-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let mut did_work = false;
        let mut failed = false;
        for i in 0..self.informers.len() {
            let Some(inf) = self.informers.get_mut(i) else { continue };
            match inf.sync(api) {
                Ok(changes) => {
                    for c in changes {
                        did_work = true;
                        self.observe(i, c.kind, &c.object);
                    }
                }
                // A resource this server does not serve: nothing to collect there.
                Err(e) if e.code() == 404 => {}
                Err(_) => failed = true,
            }
        }
        while let Some(uid) = self.queue.pop_ready(now) {
            did_work = true;
            match self.process(api, &uid) {
                Ok(()) => self.queue.forget(&uid),
                Err(_) => self.queue.add_rate_limited(uid, now),
            }
        }
        let retry = failed.then(|| now.add(Duration::from_secs(1)));
        StepResult {
            did_work,
            next_wakeup: self.queue.next_deadline(),
        }
        .wake_at(retry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(uid: &str, state: OwnerState) -> (String, OwnerState) {
        (uid.to_string(), state)
    }

    #[test]
    fn decisions_follow_attempt_to_delete_item() {
        use OwnerState::*;
        assert_eq!(decide(&[s("a", Solid)], false, &[]), Decision::Keep);
        assert_eq!(
            decide(&[s("a", Solid), s("b", Dangling)], false, &[]),
            Decision::RemoveRefs(vec!["b".into()])
        );
        assert_eq!(decide(&[s("a", Dangling)], true, &[]), Decision::Delete("Background"));
        assert_eq!(
            decide(&[s("a", WaitingForDependentsDeletion)], true, &[]),
            Decision::Delete("Foreground")
        );
        assert_eq!(
            decide(&[s("a", WaitingForDependentsDeletion)], false, &[]),
            Decision::Delete("Background")
        );
        assert_eq!(
            decide(&[s("a", Dangling)], false, &["orphan".into()]),
            Decision::Delete("Orphan")
        );
    }

    #[test]
    fn owner_kinds_resolve_to_monitored_resources_whatever_the_version() {
        assert_eq!(
            resource_for("apps/v1", "ReplicaSet").map(|r| r.plural),
            Some("replicasets")
        );
        assert_eq!(resource_for("extensions/v1beta1", "ReplicaSet"), None);
        assert_eq!(
            resource_for("v1", "Node").map(|r| r.path("ns", "n1")),
            Some("/api/v1/nodes/n1".to_string())
        );
        assert_eq!(resource_for("example.com/v1", "Widget"), None);
    }

    #[test]
    fn the_graph_links_dependents_and_queues_them_when_the_owner_goes() {
        let mut gc = garbage_collector();
        let rs = json!({"metadata": {"name": "rs", "namespace": "d", "uid": "u-rs"}});
        let pod = json!({"metadata": {"name": "p", "namespace": "d", "uid": "u-p", "ownerReferences": [{"uid": "u-rs", "kind": "ReplicaSet", "apiVersion": "apps/v1", "name": "rs"}]}});
        gc.observe(12, ChangeKind::Added, &rs);
        gc.observe(0, ChangeKind::Added, &pod);
        assert_eq!(gc.dependents_of("u-rs"), vec!["u-p".to_string()]);
        while gc.queue.pop_ready(SimTime(0)).is_some() {}
        gc.observe(12, ChangeKind::Deleted, &rs);
        assert_eq!(gc.queue.pop_ready(SimTime(0)), Some("u-p".to_string()));
    }
}
