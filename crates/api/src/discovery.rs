//! What `kubectl api-resources` lists: every resource the server serves.
//!
//! The built-in table is what a kubeadm v1.37 API server reports with its default set of
//! enabled group versions (GA versions only: beta and alpha APIs are off by default). Groups
//! are kept in the API server's priority order (the order of `GET /apis`), which is also the
//! order kubectl's RESTMapper prefers when a name matches in several groups.

use apimachinery::{GroupResource, GroupVersionKind, GroupVersionResource};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

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
    pub fn has_verb(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }
    pub fn has_subresource(&self, subresource: &str) -> bool {
        self.subresources.iter().any(|s| s == subresource)
    }
}

/// How a subresource is described in an APIResourceList: `pods/eviction` answers with a
/// `policy/v1` `Eviction`, `deployments/scale` with an `autoscaling/v1` `Scale`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubresourceInfo {
    pub name: String,
    /// Group and version of the response kind when they differ from the parent resource's.
    pub group_version: Option<(String, String)>,
    pub kind: String,
    pub verbs: Vec<String>,
}

/// What a CustomResourceDefinition contributes, kept for the API server and printers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrdRecord {
    /// `metadata.name` of the CRD: `<plural>.<group>`.
    pub name: String,
    pub group: String,
    pub plural: String,
    /// `spec.versions[]` entries by version name, as written in the CRD (schema,
    /// additionalPrinterColumns, subresources, served, storage).
    pub versions: BTreeMap<String, Value>,
    /// The version with `storage: true`.
    pub storage_version: String,
}

/// The table of served resources: the built-in ones plus those CRDs add.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Discovery {
    resources: Vec<ResourceInfo>,
    #[serde(default)]
    crds: BTreeMap<String, CrdRecord>,
}

const STD: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const NS_VERBS: &[&str] = &["create", "delete", "get", "list", "patch", "update", "watch"];
const CREATE: &[&str] = &["create"];
const GET_LIST: &[&str] = &["get", "list"];
const ALL: &[&str] = &["all"];
const API_EXT: &[&str] = &["api-extensions"];
const NONE: &[&str] = &[];

/// One built-in resource: (group/version, plural, singular, kind, namespaced, short names,
/// categories, verbs, subresources).
type Spec = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

// Order: core first, then groups in the API server's priority order, versions preferred first,
// resources sorted by name as the API server lists them.
#[rustfmt::skip]
const BUILTIN: &[Spec] = &[
    ("v1", "bindings", "binding", "Binding", true, NONE, NONE, CREATE, NONE),
    ("v1", "componentstatuses", "componentstatus", "ComponentStatus", false, &["cs"], NONE, GET_LIST, NONE),
    ("v1", "configmaps", "configmap", "ConfigMap", true, &["cm"], NONE, STD, NONE),
    ("v1", "endpoints", "endpoints", "Endpoints", true, &["ep"], NONE, STD, NONE),
    ("v1", "events", "event", "Event", true, &["ev"], NONE, STD, NONE),
    ("v1", "limitranges", "limitrange", "LimitRange", true, &["limits"], NONE, STD, NONE),
    ("v1", "namespaces", "namespace", "Namespace", false, &["ns"], NONE, NS_VERBS, &["finalize", "status"]),
    ("v1", "nodes", "node", "Node", false, &["no"], NONE, STD, &["proxy", "status"]),
    ("v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, &["pvc"], NONE, STD, &["status"]),
    ("v1", "persistentvolumes", "persistentvolume", "PersistentVolume", false, &["pv"], NONE, STD, &["status"]),
    ("v1", "pods", "pod", "Pod", true, &["po"], ALL, STD,
        &["attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward", "proxy", "resize", "status"]),
    ("v1", "podtemplates", "podtemplate", "PodTemplate", true, NONE, NONE, STD, NONE),
    ("v1", "replicationcontrollers", "replicationcontroller", "ReplicationController", true, &["rc"], ALL, STD, &["scale", "status"]),
    ("v1", "resourcequotas", "resourcequota", "ResourceQuota", true, &["quota"], NONE, STD, &["status"]),
    ("v1", "secrets", "secret", "Secret", true, NONE, NONE, STD, NONE),
    ("v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, &["sa"], NONE, STD, &["token"]),
    ("v1", "services", "service", "Service", true, &["svc"], ALL, STD, &["proxy", "status"]),
    ("apiregistration.k8s.io/v1", "apiservices", "apiservice", "APIService", false, NONE, API_EXT, STD, &["status"]),
    ("apps/v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true, NONE, NONE, STD, NONE),
    ("apps/v1", "daemonsets", "daemonset", "DaemonSet", true, &["ds"], ALL, STD, &["status"]),
    ("apps/v1", "deployments", "deployment", "Deployment", true, &["deploy"], ALL, STD, &["scale", "status"]),
    ("apps/v1", "replicasets", "replicaset", "ReplicaSet", true, &["rs"], ALL, STD, &["scale", "status"]),
    ("apps/v1", "statefulsets", "statefulset", "StatefulSet", true, &["sts"], ALL, STD, &["scale", "status"]),
    ("events.k8s.io/v1", "events", "event", "Event", true, &["ev"], NONE, STD, NONE),
    ("authentication.k8s.io/v1", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", false, NONE, NONE, CREATE, NONE),
    ("authentication.k8s.io/v1", "tokenreviews", "tokenreview", "TokenReview", false, NONE, NONE, CREATE, NONE),
    ("authorization.k8s.io/v1", "localsubjectaccessreviews", "localsubjectaccessreview", "LocalSubjectAccessReview", true, NONE, NONE, CREATE, NONE),
    ("authorization.k8s.io/v1", "selfsubjectaccessreviews", "selfsubjectaccessreview", "SelfSubjectAccessReview", false, NONE, NONE, CREATE, NONE),
    ("authorization.k8s.io/v1", "selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview", false, NONE, NONE, CREATE, NONE),
    ("authorization.k8s.io/v1", "subjectaccessreviews", "subjectaccessreview", "SubjectAccessReview", false, NONE, NONE, CREATE, NONE),
    ("autoscaling/v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, &["hpa"], ALL, STD, &["status"]),
    ("autoscaling/v1", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, &["hpa"], ALL, STD, &["status"]),
    ("batch/v1", "cronjobs", "cronjob", "CronJob", true, &["cj"], ALL, STD, &["status"]),
    ("batch/v1", "jobs", "job", "Job", true, NONE, ALL, STD, &["status"]),
    ("certificates.k8s.io/v1", "certificatesigningrequests", "certificatesigningrequest", "CertificateSigningRequest", false, &["csr"], NONE, STD, &["approval", "status"]),
    ("certificates.k8s.io/v1", "clustertrustbundles", "clustertrustbundle", "ClusterTrustBundle", false, NONE, NONE, STD, NONE),
    ("certificates.k8s.io/v1", "podcertificaterequests", "podcertificaterequest", "PodCertificateRequest", true, NONE, NONE, STD, &["status"]),
    ("networking.k8s.io/v1", "ingressclasses", "ingressclass", "IngressClass", false, NONE, NONE, STD, NONE),
    ("networking.k8s.io/v1", "ingresses", "ingress", "Ingress", true, &["ing"], NONE, STD, &["status"]),
    ("networking.k8s.io/v1", "ipaddresses", "ipaddress", "IPAddress", false, &["ip"], NONE, STD, NONE),
    ("networking.k8s.io/v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true, &["netpol"], NONE, STD, NONE),
    ("networking.k8s.io/v1", "servicecidrs", "servicecidr", "ServiceCIDR", false, NONE, NONE, STD, &["status"]),
    ("policy/v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, &["pdb"], NONE, STD, &["status"]),
    ("rbac.authorization.k8s.io/v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, NONE, NONE, STD, NONE),
    ("rbac.authorization.k8s.io/v1", "clusterroles", "clusterrole", "ClusterRole", false, NONE, NONE, STD, NONE),
    ("rbac.authorization.k8s.io/v1", "rolebindings", "rolebinding", "RoleBinding", true, NONE, NONE, STD, NONE),
    ("rbac.authorization.k8s.io/v1", "roles", "role", "Role", true, NONE, NONE, STD, NONE),
    ("storage.k8s.io/v1", "csidrivers", "csidriver", "CSIDriver", false, NONE, NONE, STD, NONE),
    ("storage.k8s.io/v1", "csinodes", "csinode", "CSINode", false, NONE, NONE, STD, NONE),
    ("storage.k8s.io/v1", "csistoragecapacities", "csistoragecapacity", "CSIStorageCapacity", true, NONE, NONE, STD, NONE),
    ("storage.k8s.io/v1", "storageclasses", "storageclass", "StorageClass", false, &["sc"], NONE, STD, NONE),
    ("storage.k8s.io/v1", "volumeattachments", "volumeattachment", "VolumeAttachment", false, NONE, NONE, STD, &["status"]),
    ("storage.k8s.io/v1", "volumeattributesclasses", "volumeattributesclass", "VolumeAttributesClass", false, &["vac"], NONE, STD, NONE),
    ("admissionregistration.k8s.io/v1", "mutatingadmissionpolicies", "mutatingadmissionpolicy", "MutatingAdmissionPolicy", false, NONE, API_EXT, STD, NONE),
    ("admissionregistration.k8s.io/v1", "mutatingadmissionpolicybindings", "mutatingadmissionpolicybinding", "MutatingAdmissionPolicyBinding", false, NONE, API_EXT, STD, NONE),
    ("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, NONE, API_EXT, STD, NONE),
    ("admissionregistration.k8s.io/v1", "validatingadmissionpolicies", "validatingadmissionpolicy", "ValidatingAdmissionPolicy", false, NONE, API_EXT, STD, &["status"]),
    ("admissionregistration.k8s.io/v1", "validatingadmissionpolicybindings", "validatingadmissionpolicybinding", "ValidatingAdmissionPolicyBinding", false, NONE, API_EXT, STD, NONE),
    ("admissionregistration.k8s.io/v1", "validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, NONE, API_EXT, STD, NONE),
    ("apiextensions.k8s.io/v1", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, &["crd", "crds"], API_EXT, STD, &["status"]),
    ("scheduling.k8s.io/v1", "priorityclasses", "priorityclass", "PriorityClass", false, &["pc"], NONE, STD, NONE),
    ("coordination.k8s.io/v1", "leases", "lease", "Lease", true, NONE, NONE, STD, NONE),
    ("node.k8s.io/v1", "runtimeclasses", "runtimeclass", "RuntimeClass", false, NONE, NONE, STD, NONE),
    ("discovery.k8s.io/v1", "endpointslices", "endpointslice", "EndpointSlice", true, NONE, NONE, STD, NONE),
    ("flowcontrol.apiserver.k8s.io/v1", "flowschemas", "flowschema", "FlowSchema", false, NONE, NONE, STD, &["status"]),
    ("flowcontrol.apiserver.k8s.io/v1", "prioritylevelconfigurations", "prioritylevelconfiguration", "PriorityLevelConfiguration", false, NONE, NONE, STD, &["status"]),
    ("resource.k8s.io/v1", "deviceclasses", "deviceclass", "DeviceClass", false, NONE, NONE, STD, NONE),
    ("resource.k8s.io/v1", "devicetaintrules", "devicetaintrule", "DeviceTaintRule", false, NONE, NONE, STD, &["status"]),
    ("resource.k8s.io/v1", "resourceclaims", "resourceclaim", "ResourceClaim", true, NONE, NONE, STD, &["status"]),
    ("resource.k8s.io/v1", "resourceclaimtemplates", "resourceclaimtemplate", "ResourceClaimTemplate", true, NONE, NONE, STD, NONE),
    ("resource.k8s.io/v1", "resourceslices", "resourceslice", "ResourceSlice", false, NONE, NONE, STD, NONE),
    ("storagemigration.k8s.io/v1", "storageversionmigrations", "storageversionmigration", "StorageVersionMigration", false, NONE, NONE, STD, &["status"]),
];

/// Preferred versions of the built-in groups whose preferred version is not their only one.
const NON_PREFERRED: &[(&str, &str)] = &[("autoscaling", "v1")];

/// apiVersions (and kinds) older servers accepted and v1.37 no longer serves, with the
/// apiVersion to write instead. `*` matches any kind.
#[rustfmt::skip]
const REMOVED: &[(&str, &str, &str)] = &[
    ("extensions/v1beta1", "Deployment", "apps/v1"),
    ("extensions/v1beta1", "DaemonSet", "apps/v1"),
    ("extensions/v1beta1", "ReplicaSet", "apps/v1"),
    ("extensions/v1beta1", "NetworkPolicy", "networking.k8s.io/v1"),
    ("extensions/v1beta1", "Ingress", "networking.k8s.io/v1"),
    ("apps/v1beta1", "*", "apps/v1"),
    ("apps/v1beta2", "*", "apps/v1"),
    ("rbac.authorization.k8s.io/v1alpha1", "*", "rbac.authorization.k8s.io/v1"),
    ("rbac.authorization.k8s.io/v1beta1", "*", "rbac.authorization.k8s.io/v1"),
    ("networking.k8s.io/v1beta1", "*", "networking.k8s.io/v1"),
    ("batch/v1beta1", "CronJob", "batch/v1"),
    ("batch/v2alpha1", "CronJob", "batch/v1"),
    ("policy/v1beta1", "PodDisruptionBudget", "policy/v1"),
    ("policy/v1beta1", "Eviction", "policy/v1"),
    ("autoscaling/v2beta1", "HorizontalPodAutoscaler", "autoscaling/v2"),
    ("autoscaling/v2beta2", "HorizontalPodAutoscaler", "autoscaling/v2"),
    ("scheduling.k8s.io/v1alpha1", "PriorityClass", "scheduling.k8s.io/v1"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass", "scheduling.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "StorageClass", "storage.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment", "storage.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "CSIDriver", "storage.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "CSINode", "storage.k8s.io/v1"),
    ("storage.k8s.io/v1beta1", "CSIStorageCapacity", "storage.k8s.io/v1"),
    ("admissionregistration.k8s.io/v1beta1", "MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1"),
    ("admissionregistration.k8s.io/v1beta1", "ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "apiextensions.k8s.io/v1"),
    ("apiregistration.k8s.io/v1beta1", "APIService", "apiregistration.k8s.io/v1"),
    ("authentication.k8s.io/v1beta1", "TokenReview", "authentication.k8s.io/v1"),
    ("authorization.k8s.io/v1beta1", "*", "authorization.k8s.io/v1"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest", "certificates.k8s.io/v1"),
    ("coordination.k8s.io/v1beta1", "Lease", "coordination.k8s.io/v1"),
    ("discovery.k8s.io/v1beta1", "EndpointSlice", "discovery.k8s.io/v1"),
    ("events.k8s.io/v1beta1", "Event", "events.k8s.io/v1"),
    ("node.k8s.io/v1alpha1", "RuntimeClass", "node.k8s.io/v1"),
    ("node.k8s.io/v1beta1", "RuntimeClass", "node.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "*", "flowcontrol.apiserver.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta2", "*", "flowcontrol.apiserver.k8s.io/v1"),
    ("flowcontrol.apiserver.k8s.io/v1beta3", "*", "flowcontrol.apiserver.k8s.io/v1"),
];

/// The apiVersion that replaces a removed one for `kind`: `extensions/v1beta1` Deployment →
/// `apps/v1`. `None` when the apiVersion is not a removed built-in one for that kind.
pub fn replacement_for(api_version: &str, kind: &str) -> Option<&'static str> {
    REMOVED
        .iter()
        .find(|(av, k, _)| *av == api_version && (*k == "*" || *k == kind))
        .map(|(_, _, replacement)| *replacement)
}

fn split_gv(gv: &str) -> (&str, &str) {
    match gv.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", gv),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Orders versions as the API server does (`version.CompareKubeAwareVersionStrings`): GA before
/// beta before alpha, higher numbers first; names that do not look like Kubernetes versions
/// come last, alphabetically. Returns the sort key.
fn version_priority(v: &str) -> (u8, i64, i64, String) {
    fn parse(v: &str) -> Option<(u8, i64, i64)> {
        let rest = v.strip_prefix('v')?;
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        if digits.is_empty() || digits.starts_with('0') {
            return None;
        }
        let major: i64 = digits.parse().ok()?;
        let tail = rest.get(digits.len()..)?;
        if tail.is_empty() {
            return Some((0, -major, 0));
        }
        let (class, num) = if let Some(n) = tail.strip_prefix("beta") {
            (1, n)
        } else if let Some(n) = tail.strip_prefix("alpha") {
            (2, n)
        } else {
            return None;
        };
        if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let minor: i64 = num.parse().ok()?;
        Some((class, -major, -minor))
    }
    match parse(v) {
        Some((class, major, minor)) => (class, major, minor, String::new()),
        None => (3, 0, 0, v.to_string()),
    }
}

impl Discovery {
    pub fn resources(&self) -> &[ResourceInfo] {
        &self.resources
    }

    /// The v1.37 built-in table.
    pub fn builtin() -> Discovery {
        let resources = BUILTIN
            .iter()
            .map(|(gv, plural, singular, kind, namespaced, short, cats, verbs, subs)| {
                let (group, version) = split_gv(gv);
                ResourceInfo {
                    group: group.to_string(),
                    version: version.to_string(),
                    kind: kind.to_string(),
                    plural: plural.to_string(),
                    singular: singular.to_string(),
                    short_names: strings(short),
                    scope: if *namespaced { Scope::Namespaced } else { Scope::Cluster },
                    verbs: strings(verbs),
                    categories: strings(cats),
                    subresources: strings(subs),
                    preferred: !NON_PREFERRED.contains(&(group, version)),
                }
            })
            .collect();
        Discovery {
            resources,
            crds: BTreeMap::new(),
        }
    }

    /// Rebuilds a table from the discovery documents a client GETs: `/api` (APIVersions),
    /// `/apis` (APIGroupList) and the APIResourceLists of `/api/v1` and each `/apis/g/v`.
    /// Groups keep the order of the group list; `preferred` comes from its preferredVersion.
    pub fn from_documents(api_versions: &Value, groups: &Value, resource_lists: &[Value]) -> Discovery {
        // (group, version) -> (order, preferred)
        let mut order: BTreeMap<(String, String), (usize, bool)> = BTreeMap::new();
        let mut next = 0usize;
        if let Some(versions) = api_versions.get("versions").and_then(Value::as_array) {
            for v in versions.iter().filter_map(Value::as_str) {
                order.insert((String::new(), v.to_string()), (next, next == 0));
                next += 1;
            }
        }
        if let Some(list) = groups.get("groups").and_then(Value::as_array) {
            for g in list {
                let name = g.get("name").and_then(Value::as_str).unwrap_or_default();
                let preferred = g
                    .get("preferredVersion")
                    .and_then(|p| p.get("version"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                for v in g.get("versions").and_then(Value::as_array).into_iter().flatten() {
                    let version = v.get("version").and_then(Value::as_str).unwrap_or_default();
                    if version.is_empty() {
                        continue;
                    }
                    order.insert((name.to_string(), version.to_string()), (next, version == preferred));
                    next += 1;
                }
            }
        }

        let mut lists: Vec<(usize, bool, &Value)> = Vec::new();
        for list in resource_lists {
            let gv = list.get("groupVersion").and_then(Value::as_str).unwrap_or_default();
            let (g, v) = split_gv(gv);
            let (pos, preferred) = match order.get(&(g.to_string(), v.to_string())) {
                Some(found) => *found,
                // Lists without a group entry go last; the only version of a group is preferred.
                None => (usize::MAX, true),
            };
            lists.push((pos, preferred, list));
        }
        lists.sort_by_key(|(pos, _, _)| *pos);

        let mut resources = Vec::new();
        for (_, preferred, list) in lists {
            let gv = list.get("groupVersion").and_then(Value::as_str).unwrap_or_default();
            let (group, version) = split_gv(gv);
            let entries = list
                .get("resources")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut subresources: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for e in &entries {
                let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
                if let Some((parent, sub)) = name.split_once('/') {
                    subresources
                        .entry(parent.to_string())
                        .or_default()
                        .push(sub.to_string());
                }
            }
            for e in &entries {
                let name = e.get("name").and_then(Value::as_str).unwrap_or_default();
                if name.is_empty() || name.contains('/') {
                    continue;
                }
                let str_list = |key: &str| -> Vec<String> {
                    e.get(key)
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                        .unwrap_or_default()
                };
                let kind = e.get("kind").and_then(Value::as_str).unwrap_or_default().to_string();
                let mut singular = e
                    .get("singularName")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                if singular.is_empty() {
                    singular = kind.to_lowercase();
                }
                let namespaced = e.get("namespaced").and_then(Value::as_bool).unwrap_or(false);
                resources.push(ResourceInfo {
                    group: group.to_string(),
                    version: version.to_string(),
                    kind,
                    plural: name.to_string(),
                    singular,
                    short_names: str_list("shortNames"),
                    scope: if namespaced { Scope::Namespaced } else { Scope::Cluster },
                    verbs: str_list("verbs"),
                    categories: str_list("categories"),
                    subresources: subresources.get(name).cloned().unwrap_or_default(),
                    preferred,
                });
            }
        }
        Discovery {
            resources,
            crds: BTreeMap::new(),
        }
    }

    /// URL routing: the resource served at `/apis/{group}/{version}/{plural}`.
    pub fn find_resource(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceInfo> {
        self.resources
            .iter()
            .find(|r| r.group == group && r.version == version && r.plural == plural)
    }

    pub fn find_kind(&self, gvk: &GroupVersionKind) -> Option<&ResourceInfo> {
        self.resources
            .iter()
            .find(|r| r.group == gvk.group && r.version == gvk.version && r.kind == gvk.kind)
    }

    /// The preferred served version of a group and kind (falls back to the first served one).
    pub fn find_group_kind(&self, group: &str, kind: &str) -> Option<&ResourceInfo> {
        self.by_priority(
            self.resources
                .iter()
                .filter(|r| r.group == group && r.kind == kind)
                .collect(),
        )
        .into_iter()
        .next()
    }

    /// The preferred served version of a group and resource (falls back to the first one).
    pub fn find_group_resource(&self, group: &str, plural: &str) -> Option<&ResourceInfo> {
        self.by_priority(
            self.resources
                .iter()
                .filter(|r| r.group == group && r.plural == plural)
                .collect(),
        )
        .into_iter()
        .next()
    }

    /// Groups in discovery order (`""` first), each with its versions, preferred first.
    pub fn groups(&self) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for r in &self.resources {
            match out.iter_mut().find(|(g, _)| *g == r.group) {
                Some((_, versions)) => {
                    if !versions.contains(&r.version) {
                        versions.push(r.version.clone());
                    }
                }
                None => out.push((r.group.clone(), vec![r.version.clone()])),
            }
        }
        out
    }

    fn preferred_version(&self, group: &str) -> Option<&str> {
        self.resources
            .iter()
            .filter(|r| r.group == group)
            .find(|r| r.preferred)
            .or_else(|| self.resources.iter().find(|r| r.group == group))
            .map(|r| r.version.as_str())
    }

    /// Sorts matches as kubectl's PriorityRESTMapper tries them: the preferred versions of
    /// each group in group order, then the other versions in group order.
    fn by_priority<'a>(&'a self, mut matches: Vec<&'a ResourceInfo>) -> Vec<&'a ResourceInfo> {
        let groups = self.groups();
        let key = |r: &ResourceInfo| {
            let gi = groups.iter().position(|(g, _)| *g == r.group).unwrap_or(usize::MAX);
            let vi = groups
                .get(gi)
                .and_then(|(_, vs)| vs.iter().position(|v| *v == r.version))
                .unwrap_or(usize::MAX);
            (!r.preferred, gi, vi)
        };
        matches.sort_by_key(|r| key(r));
        matches.dedup_by(|a, b| a.group == b.group && a.version == b.version && a.plural == b.plural);
        matches
    }

    /// Resolves what a user types as a resource type, as kubectl's resource builder does
    /// (`mappingFor`): `pods`, `pod`, `po`, `Pod`, `deploy`, `deployments.apps`,
    /// `deployment.v1.apps`, `storageclass.storage` (group prefix). Matches come best first:
    /// the first is the one kubectl uses; empty means
    /// `the server doesn't have a resource type "<name>"`.
    pub fn resolve(&self, name: &str) -> Vec<&ResourceInfo> {
        if name.is_empty() {
            return Vec::new();
        }
        // `resource.version.group`: tried fully specified first.
        let parts: Vec<&str> = name.splitn(3, '.').collect();
        if let [resource, version, group] = parts.as_slice() {
            let found = self.resources_for(resource, version, group);
            if !found.is_empty() {
                return found;
            }
        }
        let (resource, group) = match name.split_once('.') {
            Some((r, g)) => (r, g),
            None => (name, ""),
        };
        let found = self.resources_for(resource, "", group);
        if !found.is_empty() {
            return found;
        }
        // Kind forms: `Deployment.v1.apps`, `Deployment.apps`, matched by exact kind.
        let (kind, version, group) = match parts.as_slice() {
            [k, v, g] => (*k, *v, *g),
            _ => (resource, "", group),
        };
        let kinds: Vec<&ResourceInfo> = self
            .resources
            .iter()
            .filter(|r| r.kind == kind && r.group == group && (version.is_empty() || r.version == version))
            .collect();
        if !kinds.is_empty() {
            return self.by_priority(kinds);
        }
        if !version.is_empty() {
            // `Deployment.apps` parsed as kind `Deployment`, group `apps` when the three-part
            // reading failed.
            let kinds: Vec<&ResourceInfo> = self
                .resources
                .iter()
                .filter(|r| r.kind == kind && format!("{}.{}", version, group) == r.group)
                .collect();
            return self.by_priority(kinds);
        }
        Vec::new()
    }

    /// The shortcut expander, then the DefaultRESTMapper's matching of plural and singular
    /// names (lower-cased), then an optional group-prefix match.
    fn resources_for(&self, resource: &str, version: &str, group: &str) -> Vec<&ResourceInfo> {
        let (resource, group) = self.expand_shortcut(resource, group);
        let resource = resource.to_lowercase();
        let name_matches = |r: &ResourceInfo| r.plural == resource || r.singular == resource;
        let version_ok = |r: &ResourceInfo| version.is_empty() || r.version == version;
        let mut found: Vec<&ResourceInfo> = self
            .resources
            .iter()
            .filter(|r| name_matches(r) && version_ok(r) && (group.is_empty() || r.group == group))
            .collect();
        if found.is_empty() && !group.is_empty() && version.is_empty() {
            // `storageclass.storage` matches `storage.k8s.io`.
            found = self
                .resources
                .iter()
                .filter(|r| name_matches(r) && r.group.starts_with(group.as_str()))
                .collect();
        }
        self.by_priority(found)
    }

    /// client-go's shortcutExpander: an exact plural or singular name wins over a short name;
    /// short names are matched case-sensitively, first by exact group, then by group prefix.
    fn expand_shortcut(&self, resource: &str, group: &str) -> (String, String) {
        let group_ok = |g: &str| group.is_empty() || g == group;
        let exact = self
            .resources
            .iter()
            .any(|r| group_ok(&r.group) && (r.plural == resource || r.singular == resource));
        if exact {
            return (resource.to_string(), group.to_string());
        }
        let ordered = self.by_priority(self.resources.iter().collect());
        for r in &ordered {
            if group_ok(&r.group) && r.short_names.iter().any(|s| s == resource) {
                return (r.plural.clone(), r.group.clone());
            }
        }
        if !group.is_empty() {
            for r in &ordered {
                if r.group.starts_with(group) && r.short_names.iter().any(|s| s == resource) {
                    return (r.plural.clone(), r.group.clone());
                }
            }
        }
        (resource.to_string(), group.to_string())
    }

    /// The warnings client-go's shortcut expander prints when a short name matches several
    /// resources (kubectl prefixes them with `Warning: `):
    /// `short name "ip" could also match lower priority resource ipaddresses.netbox.dev`.
    pub fn resolve_warnings(&self, name: &str) -> Vec<String> {
        let (resource, group) = match name.split_once('.') {
            Some((r, g)) => (r, g),
            None => (name, ""),
        };
        let group_ok = |g: &str| group.is_empty() || g == group;
        if self
            .resources
            .iter()
            .any(|r| group_ok(&r.group) && (r.plural == resource || r.singular == resource))
        {
            return Vec::new();
        }
        let mut winner: Option<GroupResource> = None;
        let mut warnings = Vec::new();
        for r in self.by_priority(self.resources.iter().collect()) {
            if !group_ok(&r.group) || !r.short_names.iter().any(|s| s == resource) {
                continue;
            }
            let long = r.group_resource();
            match &winner {
                None => winner = Some(long),
                Some(w) if *w == long => {}
                Some(_) => {
                    let text = format!("short name \"{resource}\" could also match lower priority resource {long}");
                    if !warnings.contains(&text) {
                        warnings.push(text);
                    }
                }
            }
        }
        warnings
    }

    /// One entry per group and resource at the first version that serves it, preferred
    /// versions first: what `ServerPreferredResources` returns (`kubectl api-resources`).
    pub fn preferred_resources(&self) -> Vec<&ResourceInfo> {
        let mut out: Vec<&ResourceInfo> = Vec::new();
        for r in self.by_priority(self.resources.iter().collect()) {
            if !out.iter().any(|o| o.group == r.group && o.plural == r.plural) {
                out.push(r);
            }
        }
        let groups = self.groups();
        let position = |r: &ResourceInfo| groups.iter().position(|(g, _)| *g == r.group).unwrap_or(usize::MAX);
        out.sort_by_key(|r| position(r));
        out
    }

    /// The resources of a category (`all`, `api-extensions`), one per group and resource at
    /// its preferred version, in discovery order: what `kubectl get all` expands to.
    pub fn category(&self, category: &str) -> Vec<&ResourceInfo> {
        let mut out: Vec<&ResourceInfo> = Vec::new();
        for r in &self.resources {
            if !r.categories.iter().any(|c| c == category) {
                continue;
            }
            if out.iter().any(|o| o.group == r.group && o.plural == r.plural) {
                continue;
            }
            if let Some(best) = self.find_group_resource(&r.group, &r.plural) {
                out.push(best);
            }
        }
        out
    }

    /// How a subresource of `info` is listed: response kind, its group/version when different,
    /// and verbs. `None` when `info` has no such subresource.
    pub fn subresource(&self, info: &ResourceInfo, sub: &str) -> Option<SubresourceInfo> {
        if !info.has_subresource(sub) {
            return None;
        }
        let rw: &[&str] = &["get", "patch", "update"];
        let proxy: &[&str] = &["create", "delete", "get", "patch", "update"];
        let connect: &[&str] = &["create", "get"];
        let other = |g: &str, v: &str| Some((g.to_string(), v.to_string()));
        let (gv, kind, verbs): (Option<(String, String)>, String, &[&str]) = match sub {
            "scale" => (other("autoscaling", "v1"), "Scale".to_string(), rw),
            "eviction" => (other("policy", "v1"), "Eviction".to_string(), CREATE),
            "token" => (other("authentication.k8s.io", "v1"), "TokenRequest".to_string(), CREATE),
            "binding" => (None, "Binding".to_string(), CREATE),
            "proxy" => (None, format!("{}ProxyOptions", info.kind), proxy),
            "attach" => (None, "PodAttachOptions".to_string(), connect),
            "exec" => (None, "PodExecOptions".to_string(), connect),
            "portforward" => (None, "PodPortForwardOptions".to_string(), connect),
            "log" => (None, info.kind.clone(), &["get"]),
            "finalize" => (None, info.kind.clone(), &["update"]),
            _ => (None, info.kind.clone(), rw),
        };
        Some(SubresourceInfo {
            name: sub.to_string(),
            group_version: gv,
            kind,
            verbs: strings(verbs),
        })
    }

    // ---- CRDs ----

    /// Registers a CustomResourceDefinition (apiextensions.k8s.io/v1 JSON): one resource per
    /// served version. Returns the entry of the group's preferred served version.
    pub fn add_crd(&mut self, crd: &Value) -> Result<ResourceInfo, String> {
        let spec = crd.get("spec").ok_or("CustomResourceDefinition has no spec")?;
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_string();
        let group = text(spec.get("group"));
        let names = spec.get("names").cloned().unwrap_or(Value::Null);
        let plural = text(names.get("plural"));
        let kind = text(names.get("kind"));
        if group.is_empty() || plural.is_empty() || kind.is_empty() {
            return Err("CustomResourceDefinition needs spec.group, spec.names.plural and spec.names.kind".into());
        }
        let mut name = text(crd.get("metadata").and_then(|m| m.get("name")));
        if name.is_empty() {
            name = format!("{plural}.{group}");
        }
        let mut versions = BTreeMap::new();
        let mut storage_version = String::new();
        for v in spec.get("versions").and_then(Value::as_array).into_iter().flatten() {
            let vname = text(v.get("name"));
            if vname.is_empty() {
                continue;
            }
            if v.get("storage").and_then(Value::as_bool) == Some(true) {
                storage_version = vname.clone();
            }
            versions.insert(vname, v.clone());
        }
        if versions.is_empty() {
            return Err("CustomResourceDefinition has no spec.versions".into());
        }
        let record = CrdRecord {
            name: name.clone(),
            group: group.clone(),
            plural: plural.clone(),
            versions,
            storage_version,
        };
        self.remove_crd(&name);
        self.crds.insert(name.clone(), record);
        self.rebuild_crd_resources(crd_info_template(spec, &kind, &plural, &group), &name);
        self.find_group_resource(&group, &plural)
            .cloned()
            .ok_or_else(|| format!("CustomResourceDefinition {name} serves no version"))
    }

    /// Forgets a CRD by `metadata.name`; true if it was known.
    pub fn remove_crd(&mut self, name: &str) -> bool {
        let Some(record) = self.crds.remove(name) else {
            return false;
        };
        self.resources
            .retain(|r| !(r.group == record.group && r.plural == record.plural));
        self.refresh_crd_preferred(&record.group);
        true
    }

    pub fn crds(&self) -> impl Iterator<Item = &CrdRecord> {
        self.crds.values()
    }

    /// The CRD serving `group`/`plural`, if any.
    pub fn crd_for(&self, group: &str, plural: &str) -> Option<&CrdRecord> {
        self.crds.values().find(|c| c.group == group && c.plural == plural)
    }

    /// The CRD's `spec.versions[]` entry for a served custom resource version.
    pub fn crd_version(&self, group: &str, version: &str, plural: &str) -> Option<&Value> {
        self.crd_for(group, plural).and_then(|c| c.versions.get(version))
    }

    /// `additionalPrinterColumns` of a custom resource version (empty when none or not a CR).
    pub fn printer_columns(&self, group: &str, version: &str, plural: &str) -> Vec<Value> {
        self.crd_version(group, version, plural)
            .and_then(|v| v.get("additionalPrinterColumns"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    fn rebuild_crd_resources(&mut self, template: ResourceInfo, name: &str) {
        let Some(record) = self.crds.get(name) else { return };
        let mut served: Vec<(String, Vec<String>)> = Vec::new();
        for (vname, v) in &record.versions {
            if v.get("served").and_then(Value::as_bool) != Some(true) {
                continue;
            }
            let mut subs = Vec::new();
            if let Some(s) = v.get("subresources") {
                if s.get("scale").is_some() {
                    subs.push("scale".to_string());
                }
                if s.get("status").is_some() {
                    subs.push("status".to_string());
                }
            }
            served.push((vname.clone(), subs));
        }
        for (vname, subs) in served {
            let mut info = template.clone();
            info.version = vname;
            info.subresources = subs;
            self.insert_crd_resource(info);
        }
        let group = template.group.clone();
        self.refresh_crd_preferred(&group);
    }

    /// CRD groups come after the built-in ones, sorted by name; within a group versions go by
    /// version priority and resources by name.
    fn insert_crd_resource(&mut self, info: ResourceInfo) {
        let is_crd = |r: &ResourceInfo, crds: &BTreeMap<String, CrdRecord>| {
            crds.values().any(|c| c.group == r.group && c.plural == r.plural)
        };
        let key = |r: &ResourceInfo| (r.group.clone(), version_priority(&r.version), r.plural.clone());
        let new_key = key(&info);
        let pos = self
            .resources
            .iter()
            .position(|r| is_crd(r, &self.crds) && key(r) > new_key)
            .unwrap_or(self.resources.len());
        self.resources.insert(pos, info);
    }

    fn refresh_crd_preferred(&mut self, group: &str) {
        let crd_group = self.crds.values().any(|c| c.group == group);
        let best = self
            .resources
            .iter()
            .filter(|r| r.group == group)
            .map(|r| r.version.clone())
            .min_by_key(|v| version_priority(v));
        if !crd_group {
            return;
        }
        for r in self.resources.iter_mut().filter(|r| r.group == group) {
            r.preferred = Some(&r.version) == best.as_ref();
        }
    }

    // ---- discovery documents ----

    /// `GET /api`: APIVersions.
    pub fn api_versions_json(&self) -> Value {
        let versions: Vec<String> = self
            .groups()
            .into_iter()
            .find(|(g, _)| g.is_empty())
            .map(|(_, v)| v)
            .unwrap_or_default();
        json!({ "kind": "APIVersions", "versions": versions })
    }

    /// `GET /api` as a real server answers it, with the address clients should use
    /// (`serverAddressByClientCIDRs`, e.g. `192.168.49.2:6443`).
    pub fn api_versions_json_with_address(&self, server_address: &str) -> Value {
        let mut value = self.api_versions_json();
        if let Some(obj) = value.as_object_mut() {
            obj.insert(
                "serverAddressByClientCIDRs".into(),
                json!([{ "clientCIDR": "0.0.0.0/0", "serverAddress": server_address }]),
            );
        }
        value
    }

    fn group_json(&self, group: &str, versions: &[String]) -> Value {
        let gv = |v: &str| json!({ "groupVersion": format!("{group}/{v}"), "version": v });
        let preferred = self.preferred_version(group).unwrap_or_default();
        json!({
            "name": group,
            "versions": versions.iter().map(|v| gv(v)).collect::<Vec<_>>(),
            "preferredVersion": gv(preferred),
        })
    }

    /// `GET /apis`: APIGroupList.
    pub fn api_group_list_json(&self) -> Value {
        let groups: Vec<Value> = self
            .groups()
            .iter()
            .filter(|(g, _)| !g.is_empty())
            .map(|(g, versions)| self.group_json(g, versions))
            .collect();
        json!({ "kind": "APIGroupList", "apiVersion": "v1", "groups": groups })
    }

    /// `GET /apis/{group}`: APIGroup.
    pub fn api_group_json(&self, group: &str) -> Option<Value> {
        let (_, versions) = self.groups().into_iter().find(|(g, _)| g == group && !g.is_empty())?;
        let mut value = self.group_json(group, &versions);
        if let Some(obj) = value.as_object_mut() {
            obj.insert("kind".into(), json!("APIGroup"));
            obj.insert("apiVersion".into(), json!("v1"));
        }
        Some(value)
    }

    /// `GET /api/v1` or `GET /apis/{group}/{version}`: APIResourceList, subresources included
    /// (`pods/status`), entries sorted by name as the API server lists them.
    pub fn api_resource_list_json(&self, group: &str, version: &str) -> Option<Value> {
        let infos: Vec<&ResourceInfo> = self
            .resources
            .iter()
            .filter(|r| r.group == group && r.version == version)
            .collect();
        if infos.is_empty() {
            return None;
        }
        let mut entries: Vec<(String, Value)> = Vec::new();
        for r in &infos {
            let mut e = Map::new();
            e.insert("name".into(), json!(r.plural));
            e.insert("singularName".into(), json!(r.singular));
            e.insert("namespaced".into(), json!(r.namespaced()));
            e.insert("kind".into(), json!(r.kind));
            e.insert("verbs".into(), json!(r.verbs));
            if !r.short_names.is_empty() {
                e.insert("shortNames".into(), json!(r.short_names));
            }
            if !r.categories.is_empty() {
                e.insert("categories".into(), json!(r.categories));
            }
            entries.push((r.plural.clone(), Value::Object(e)));
            for sub in &r.subresources {
                let Some(s) = self.subresource(r, sub) else { continue };
                let name = format!("{}/{}", r.plural, sub);
                let mut e = Map::new();
                e.insert("name".into(), json!(name));
                e.insert("singularName".into(), json!(""));
                e.insert("namespaced".into(), json!(r.namespaced()));
                if let Some((g, v)) = &s.group_version {
                    e.insert("group".into(), json!(g));
                    e.insert("version".into(), json!(v));
                }
                e.insert("kind".into(), json!(s.kind));
                e.insert("verbs".into(), json!(s.verbs));
                entries.push((name, Value::Object(e)));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let group_version = if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        };
        let mut out = Map::new();
        out.insert("kind".into(), json!("APIResourceList"));
        if !group.is_empty() {
            out.insert("apiVersion".into(), json!("v1"));
        }
        out.insert("groupVersion".into(), json!(group_version));
        out.insert(
            "resources".into(),
            Value::Array(entries.into_iter().map(|(_, e)| e).collect()),
        );
        Some(Value::Object(out))
    }
}

fn crd_info_template(spec: &Value, kind: &str, plural: &str, group: &str) -> ResourceInfo {
    let names = spec.get("names");
    let list = |key: &str| -> Vec<String> {
        names
            .and_then(|n| n.get(key))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let mut singular = names
        .and_then(|n| n.get("singular"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if singular.is_empty() {
        singular = kind.to_lowercase();
    }
    let namespaced = spec.get("scope").and_then(Value::as_str) != Some("Cluster");
    ResourceInfo {
        group: group.to_string(),
        version: String::new(),
        kind: kind.to_string(),
        plural: plural.to_string(),
        singular,
        short_names: list("shortNames"),
        scope: if namespaced { Scope::Namespaced } else { Scope::Cluster },
        verbs: strings(STD),
        categories: list("categories"),
        subresources: Vec::new(),
        preferred: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (group, version, plural).
    type Gvr = Option<(String, String, String)>;

    fn first(d: &Discovery, name: &str) -> Gvr {
        d.resolve(name)
            .first()
            .map(|r| (r.group.clone(), r.version.clone(), r.plural.clone()))
    }

    fn gvr(g: &str, v: &str, p: &str) -> Gvr {
        Some((g.to_string(), v.to_string(), p.to_string()))
    }

    #[test]
    fn resolve_follows_kubectl_rules() {
        let d = Discovery::builtin();
        let cases: &[(&str, Gvr)] = &[
            ("pods", gvr("", "v1", "pods")),
            ("pod", gvr("", "v1", "pods")),
            ("po", gvr("", "v1", "pods")),
            ("Pod", gvr("", "v1", "pods")),
            ("PODS", gvr("", "v1", "pods")),
            ("deploy", gvr("apps", "v1", "deployments")),
            ("deployments.apps", gvr("apps", "v1", "deployments")),
            ("deployment.apps", gvr("apps", "v1", "deployments")),
            ("deployment.v1.apps", gvr("apps", "v1", "deployments")),
            ("deployments.v1.apps", gvr("apps", "v1", "deployments")),
            ("Deployment.v1.apps", gvr("apps", "v1", "deployments")),
            ("deploy.apps", gvr("apps", "v1", "deployments")),
            ("storageclass.storage", gvr("storage.k8s.io", "v1", "storageclasses")),
            ("events", gvr("", "v1", "events")),
            ("ev", gvr("", "v1", "events")),
            ("events.events.k8s.io", gvr("events.k8s.io", "v1", "events")),
            ("hpa", gvr("autoscaling", "v2", "horizontalpodautoscalers")),
            (
                "horizontalpodautoscalers.v1.autoscaling",
                gvr("autoscaling", "v1", "horizontalpodautoscalers"),
            ),
            ("crd", gvr("apiextensions.k8s.io", "v1", "customresourcedefinitions")),
            ("crds", gvr("apiextensions.k8s.io", "v1", "customresourcedefinitions")),
            ("csr", gvr("certificates.k8s.io", "v1", "certificatesigningrequests")),
            ("netpol", gvr("networking.k8s.io", "v1", "networkpolicies")),
            ("cj", gvr("batch", "v1", "cronjobs")),
            ("quota", gvr("", "v1", "resourcequotas")),
            ("limits", gvr("", "v1", "limitranges")),
            ("endpoints", gvr("", "v1", "endpoints")),
            ("DEPLOY", None),
            ("foo", None),
            ("pods.v1", None),
            ("", None),
            ("...", None),
        ];
        for (input, want) in cases {
            assert_eq!(&first(&d, input), want, "resolve({input:?})");
        }
    }

    #[test]
    fn every_builtin_short_name_resolves_to_its_resource() {
        let d = Discovery::builtin();
        let cases: &[(&str, &str)] = &[
            ("po", "pods"),
            ("svc", "services"),
            ("ep", "endpoints"),
            ("ns", "namespaces"),
            ("no", "nodes"),
            ("cm", "configmaps"),
            ("sa", "serviceaccounts"),
            ("pv", "persistentvolumes"),
            ("pvc", "persistentvolumeclaims"),
            ("rc", "replicationcontrollers"),
            ("cs", "componentstatuses"),
            ("rs", "replicasets"),
            ("sts", "statefulsets"),
            ("ds", "daemonsets"),
            ("ing", "ingresses"),
            ("ip", "ipaddresses"),
            ("pdb", "poddisruptionbudgets"),
            ("pc", "priorityclasses"),
            ("sc", "storageclasses"),
            ("vac", "volumeattributesclasses"),
        ];
        for (short, plural) in cases {
            assert_eq!(
                d.resolve(short).first().map(|r| r.plural.as_str()),
                Some(*plural),
                "{short}"
            );
        }
    }

    #[test]
    fn events_resolve_to_both_groups_core_first() {
        let d = Discovery::builtin();
        let found: Vec<String> = d.resolve("events").iter().map(|r| r.api_version()).collect();
        assert_eq!(found, vec!["v1", "events.k8s.io/v1"]);
    }

    #[test]
    fn short_name_collisions_warn_like_client_go() {
        let mut d = Discovery::builtin();
        assert!(d.resolve_warnings("ip").is_empty());
        d.add_crd(
            &json!({"metadata": {"name": "ipaddresses.netbox.dev"}, "spec": {"group": "netbox.dev",
            "scope": "Namespaced", "names": {"plural": "ipaddresses", "kind": "IpAddress", "shortNames": ["ip"]},
            "versions": [{"name": "v1", "served": true, "storage": true}]}}),
        )
        .unwrap();
        assert_eq!(first(&d, "ip"), gvr("networking.k8s.io", "v1", "ipaddresses"));
        assert_eq!(
            d.resolve_warnings("ip"),
            vec!["short name \"ip\" could also match lower priority resource ipaddresses.netbox.dev"]
        );
        assert!(d.resolve_warnings("hpa").is_empty());
        assert!(d.resolve_warnings("pods").is_empty());
    }

    #[test]
    fn preferred_resources_keep_one_version_per_resource() {
        let d = Discovery::builtin();
        let preferred = d.preferred_resources();
        let hpas: Vec<&str> = preferred
            .iter()
            .filter(|r| r.plural == "horizontalpodautoscalers")
            .map(|r| r.version.as_str())
            .collect();
        assert_eq!(hpas, vec!["v2"]);
        assert_eq!(preferred.first().map(|r| r.plural.as_str()), Some("bindings"));
        assert_eq!(preferred.len(), d.resources().len() - 1);
    }

    #[test]
    fn category_all_lists_what_kubectl_get_all_shows() {
        let d = Discovery::builtin();
        let all: Vec<String> = d
            .category("all")
            .iter()
            .map(|r| r.group_resource().to_string())
            .collect();
        assert_eq!(
            all,
            vec![
                "pods",
                "replicationcontrollers",
                "services",
                "daemonsets.apps",
                "deployments.apps",
                "replicasets.apps",
                "statefulsets.apps",
                "horizontalpodautoscalers.autoscaling",
                "cronjobs.batch",
                "jobs.batch"
            ]
        );
        assert_eq!(
            d.category("all")
                .iter()
                .find(|r| r.group == "autoscaling")
                .map(|r| r.version.as_str()),
            Some("v2")
        );
    }

    #[test]
    fn builtin_entries_are_consistent() {
        let d = Discovery::builtin();
        for r in d.resources() {
            assert!(!r.verbs.is_empty(), "{} has verbs", r.plural);
            assert_eq!(r.singular, r.singular.to_lowercase());
            let dupes = d
                .resources()
                .iter()
                .filter(|o| o.group == r.group && o.version == r.version && o.plural == r.plural)
                .count();
            assert_eq!(dupes, 1, "{} listed once", r.plural);
        }
        let pods = d.find_resource("", "v1", "pods").unwrap();
        assert!(pods.namespaced() && pods.has_subresource("eviction") && pods.has_subresource("resize"));
        let nodes = d.find_kind(&GroupVersionKind::new("", "v1", "Node")).unwrap();
        assert_eq!(nodes.scope, Scope::Cluster);
        assert!(
            !d.find_resource("autoscaling", "v1", "horizontalpodautoscalers")
                .unwrap()
                .preferred
        );
        assert!(
            d.find_resource("autoscaling", "v2", "horizontalpodautoscalers")
                .unwrap()
                .preferred
        );
    }

    #[test]
    fn api_resource_list_includes_subresources_in_name_order() {
        let d = Discovery::builtin();
        let list = d.api_resource_list_json("", "v1").unwrap();
        assert_eq!(list["groupVersion"], "v1");
        assert!(list.get("apiVersion").is_none());
        let names: Vec<&str> = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        let pods_at = names.iter().position(|n| *n == "pods").unwrap();
        assert_eq!(
            &names[pods_at..pods_at + 12],
            &[
                "pods",
                "pods/attach",
                "pods/binding",
                "pods/ephemeralcontainers",
                "pods/eviction",
                "pods/exec",
                "pods/log",
                "pods/portforward",
                "pods/proxy",
                "pods/resize",
                "pods/status",
                "podtemplates"
            ]
        );
        let eviction = list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "pods/eviction")
            .unwrap();
        assert_eq!(
            eviction,
            &json!({"name": "pods/eviction", "singularName": "", "namespaced": true, "group": "policy",
                    "version": "v1", "kind": "Eviction", "verbs": ["create"]})
        );
        let apps = d.api_resource_list_json("apps", "v1").unwrap();
        assert_eq!(apps["apiVersion"], "v1");
        let deploy = apps["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "deployments")
            .unwrap();
        assert_eq!(deploy["shortNames"], json!(["deploy"]));
        assert_eq!(deploy["categories"], json!(["all"]));
        assert!(d.api_resource_list_json("apps", "v1beta1").is_none());
    }

    #[test]
    fn group_list_reports_preferred_versions_in_priority_order() {
        let d = Discovery::builtin();
        let groups = d.api_group_list_json();
        let list = groups["groups"].as_array().unwrap();
        assert_eq!(list[0]["name"], "apiregistration.k8s.io");
        assert_eq!(list[1]["name"], "apps");
        let autoscaling = list.iter().find(|g| g["name"] == "autoscaling").unwrap();
        assert_eq!(
            autoscaling["preferredVersion"],
            json!({"groupVersion": "autoscaling/v2", "version": "v2"})
        );
        assert_eq!(autoscaling["versions"][1]["version"], "v1");
        assert_eq!(
            d.api_versions_json(),
            json!({"kind": "APIVersions", "versions": ["v1"]})
        );
        assert_eq!(
            d.api_versions_json_with_address("10.0.0.1:6443")["serverAddressByClientCIDRs"],
            json!([{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}])
        );
        assert_eq!(d.api_group_json("apps").unwrap()["kind"], "APIGroup");
        assert!(d.api_group_json("").is_none());
    }

    #[test]
    fn from_documents_rebuilds_the_same_table() {
        let d = Discovery::builtin();
        let mut lists = Vec::new();
        for (g, versions) in d.groups() {
            for v in versions {
                lists.push(d.api_resource_list_json(&g, &v).unwrap());
            }
        }
        lists.reverse(); // order comes from the group list, not from the slice
        let rebuilt = Discovery::from_documents(&d.api_versions_json(), &d.api_group_list_json(), &lists);
        assert_eq!(rebuilt.resources(), d.resources());
    }

    fn crd() -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "crontabs.stable.example.com"},
            "spec": {
                "group": "stable.example.com",
                "scope": "Namespaced",
                "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab",
                          "shortNames": ["ct"], "categories": ["all"]},
                "versions": [
                    {"name": "v1beta1", "served": true, "storage": false},
                    {"name": "v1", "served": true, "storage": true,
                     "subresources": {"status": {}, "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"}},
                     "additionalPrinterColumns": [{"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"}]},
                    {"name": "v2alpha1", "served": false, "storage": false}
                ]
            }
        })
    }

    #[test]
    fn crds_add_served_versions_and_resolve() {
        let mut d = Discovery::builtin();
        let info = d.add_crd(&crd()).unwrap();
        assert_eq!((info.version.as_str(), info.preferred), ("v1", true));
        assert_eq!(info.subresources, vec!["scale", "status"]);
        assert_eq!(first(&d, "ct"), gvr("stable.example.com", "v1", "crontabs"));
        assert_eq!(
            first(&d, "crontab.v1beta1.stable.example.com"),
            gvr("stable.example.com", "v1beta1", "crontabs")
        );
        assert!(d.find_resource("stable.example.com", "v2alpha1", "crontabs").is_none());
        assert_eq!(d.printer_columns("stable.example.com", "v1", "crontabs").len(), 1);
        assert!(d
            .printer_columns("stable.example.com", "v1beta1", "crontabs")
            .is_empty());
        let groups = d.api_group_list_json();
        let last = groups["groups"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["name"], "stable.example.com");
        assert_eq!(last["preferredVersion"]["version"], "v1");
        assert_eq!(last["versions"][0]["version"], "v1");
        assert_eq!(d.category("all").last().map(|r| r.plural.as_str()), Some("crontabs"));
        // re-adding replaces, removing forgets
        d.add_crd(&crd()).unwrap();
        assert_eq!(d.resolve("crontabs").len(), 2);
        assert!(d.remove_crd("crontabs.stable.example.com"));
        assert!(d.resolve("ct").is_empty());
        assert!(!d.remove_crd("crontabs.stable.example.com"));
        assert!(d.add_crd(&json!({"spec": {"group": "x"}})).is_err());
    }

    #[test]
    fn version_priority_orders_like_kube_aware_compare() {
        let mut vs = vec!["v1alpha1", "v2", "foo", "v1beta2", "v1", "v1beta1", "v10", "v3alpha1"];
        vs.sort_by_key(|v| version_priority(v));
        assert_eq!(
            vs,
            vec!["v10", "v2", "v1", "v1beta2", "v1beta1", "v3alpha1", "v1alpha1", "foo"]
        );
    }

    #[test]
    fn removed_api_versions_name_their_replacement() {
        assert_eq!(replacement_for("extensions/v1beta1", "Deployment"), Some("apps/v1"));
        assert_eq!(
            replacement_for("extensions/v1beta1", "Ingress"),
            Some("networking.k8s.io/v1")
        );
        assert_eq!(replacement_for("apps/v1beta2", "StatefulSet"), Some("apps/v1"));
        assert_eq!(replacement_for("batch/v1beta1", "CronJob"), Some("batch/v1"));
        assert_eq!(
            replacement_for("policy/v1beta1", "PodDisruptionBudget"),
            Some("policy/v1")
        );
        assert_eq!(
            replacement_for("autoscaling/v2beta2", "HorizontalPodAutoscaler"),
            Some("autoscaling/v2")
        );
        assert_eq!(replacement_for("apps/v1", "Deployment"), None);
        assert_eq!(replacement_for("extensions/v1beta1", "PodSecurityPolicy"), None);
    }
}
