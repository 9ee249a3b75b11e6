//! The scheduler's cache: per-node aggregates kept up to date from informer changes, so
//! a scheduling cycle never re-lists or clones every pod (framework.NodeInfo).

use crate::model::{HostPort, NodeModel, PodInfo, Resource};
use std::collections::{BTreeMap, BTreeSet};

pub type PodKey = (String, String);

#[derive(Debug, Clone, Default)]
pub struct NodeInfo {
    /// None while pods are known on a node the cache has not seen (or that was deleted).
    pub node: Option<NodeModel>,
    pub pods: BTreeSet<PodKey>,
    pub requested: Resource,
    pub non_zero_cpu: i64,
    pub non_zero_memory: i64,
    pub ports: Vec<HostPort>,
    /// Pods with any inter-pod (anti-)affinity, and those with required anti-affinity.
    pub pods_with_affinity: BTreeSet<PodKey>,
    pub pods_with_required_anti_affinity: BTreeSet<PodKey>,
}

impl NodeInfo {
    fn add_pod(&mut self, p: &PodInfo) {
        self.pods.insert(p.key());
        self.requested.add(&p.requests);
        self.non_zero_cpu += p.non_zero_cpu;
        self.non_zero_memory += p.non_zero_memory;
        self.ports.extend(p.host_ports.iter().cloned());
        if p.has_affinity() {
            self.pods_with_affinity.insert(p.key());
        }
        if !p.required_anti_affinity.is_empty() {
            self.pods_with_required_anti_affinity.insert(p.key());
        }
    }

    fn remove_pod(&mut self, p: &PodInfo) {
        if !self.pods.remove(&p.key()) {
            return;
        }
        self.requested.sub(&p.requests);
        self.non_zero_cpu -= p.non_zero_cpu;
        self.non_zero_memory -= p.non_zero_memory;
        for hp in &p.host_ports {
            if let Some(i) = self.ports.iter().position(|x| x == hp) {
                self.ports.remove(i);
            }
        }
        self.pods_with_affinity.remove(&p.key());
        self.pods_with_required_anti_affinity.remove(&p.key());
    }
}

#[derive(Debug, Clone, Default)]
pub struct Cache {
    pub nodes: BTreeMap<String, NodeInfo>,
    /// Assigned (or assumed) pods.
    pub pods: BTreeMap<PodKey, PodInfo>,
    /// Image name → how many nodes have it (ImageLocality's spread factor).
    pub image_nodes: BTreeMap<String, usize>,
    /// Node name → pods nominated to it (not yet bound).
    pub nominated: BTreeMap<String, BTreeMap<PodKey, PodInfo>>,
    /// Namespace → labels (for namespace selectors of affinity terms).
    pub namespaces: BTreeMap<String, BTreeMap<String, String>>,
}

impl Cache {
    pub fn set_node(&mut self, node: NodeModel) {
        let info = self.nodes.entry(node.name.clone()).or_default();
        if let Some(old) = &info.node {
            for img in old.images.keys() {
                if let Some(n) = self.image_nodes.get_mut(img) {
                    *n = n.saturating_sub(1);
                }
            }
        }
        for img in node.images.keys() {
            *self.image_nodes.entry(img.clone()).or_insert(0) += 1;
        }
        info.node = Some(node);
    }

    pub fn remove_node(&mut self, name: &str) {
        let Some(info) = self.nodes.get_mut(name) else { return };
        if let Some(old) = info.node.take() {
            for img in old.images.keys() {
                if let Some(n) = self.image_nodes.get_mut(img) {
                    *n = n.saturating_sub(1);
                }
            }
        }
        if info.pods.is_empty() {
            self.nodes.remove(name);
        }
    }

    /// Adds or replaces an assigned pod.
    pub fn set_pod(&mut self, pod: PodInfo) {
        self.remove_pod(&pod.key());
        self.nodes.entry(pod.node_name.clone()).or_default().add_pod(&pod);
        self.pods.insert(pod.key(), pod);
    }

    pub fn remove_pod(&mut self, key: &PodKey) {
        let Some(old) = self.pods.remove(key) else { return };
        let mut empty_ghost = false;
        if let Some(info) = self.nodes.get_mut(&old.node_name) {
            info.remove_pod(&old);
            empty_ghost = info.node.is_none() && info.pods.is_empty();
        }
        if empty_ghost {
            self.nodes.remove(&old.node_name);
        }
    }

    pub fn set_nominated(&mut self, pod: &PodInfo) {
        self.clear_nominated(&pod.key());
        if !pod.nominated_node_name.is_empty() && pod.node_name.is_empty() {
            self.nominated
                .entry(pod.nominated_node_name.clone())
                .or_default()
                .insert(pod.key(), pod.clone());
        }
    }

    pub fn clear_nominated(&mut self, key: &PodKey) {
        for m in self.nominated.values_mut() {
            m.remove(key);
        }
        self.nominated.retain(|_, m| !m.is_empty());
    }

    /// Names of schedulable-candidate nodes (known Node objects), in name order.
    pub fn node_names(&self) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|(_, i)| i.node.is_some())
            .map(|(n, _)| n.clone())
            .collect()
    }

    pub fn num_nodes(&self) -> usize {
        self.nodes.values().filter(|i| i.node.is_some()).count()
    }

    pub fn ns_labels(&self, ns: &str) -> Option<BTreeMap<String, String>> {
        self.namespaces.get(ns).cloned()
    }
}
