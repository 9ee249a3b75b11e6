//! What `kubectl api-resources` lists: every resource the server serves.

use apimachinery::{GroupResource, GroupVersionKind, GroupVersionResource};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    Namespaced,
    Cluster,
}

/// One served resource, as an APIResourceList entry describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceInfo {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// Plural name, the URL segment: `deployments`.
    pub plural: String,
    pub singular: String,
    pub short_names: Vec<String>,
    pub scope: Scope,
    pub verbs: Vec<String>,
    pub categories: Vec<String>,
    /// Served subresources: `status`, `scale`, `binding`, `eviction`, `log`, …
    pub subresources: Vec<String>,
    /// The preferred version of its group (what kubectl picks without an explicit version).
    pub preferred: bool,
}

impl ResourceInfo {
    pub fn namespaced(&self) -> bool {
        self.scope == Scope::Namespaced
    }
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, &self.kind)
    }
    pub fn gvr(&self) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, &self.version, &self.plural)
    }
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(&self.group, &self.plural)
    }
    pub fn api_version(&self) -> String {
        self.gvk().api_version()
    }
}

/// The table of served resources: the built-in ones plus those CRDs add.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Discovery {
    resources: Vec<ResourceInfo>,
}

impl Discovery {
    pub fn resources(&self) -> &[ResourceInfo] {
        &self.resources
    }
}

// Contract used by the API server and kubectl (filled in by the discovery work):
//   Discovery::builtin() -> Discovery                         the v1.37 built-in table
//   Discovery::find_resource(group, version, plural) -> Option<&ResourceInfo>   URL routing
//   Discovery::find_kind(&GroupVersionKind) -> Option<&ResourceInfo>
//   Discovery::resolve(name) -> Vec<&ResourceInfo>            kubectl's `deploy`, `deployments.apps`, `deployment.v1.apps`
//   Discovery::add_crd(&Value) -> Result<ResourceInfo, String>; remove_crd(name)
//   Discovery::api_versions_json(), api_group_list_json(), api_resource_list_json(group, version) -> Option<Value>
