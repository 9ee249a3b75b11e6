//! kubectl's view of the served resources, rebuilt from the discovery documents it GETs
//! (`/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`), and its RESTMapper: resource
//! arguments (`po`, `pods`, `Pod`, `deployments.apps`, `deployment.v1.apps`) and kinds to
//! resources.

use api::{ResourceInfo, Scope};
use apimachinery::GroupVersionKind;
use serde_json::Value;

/// The served resources in discovery order (core first, then groups as `/apis` lists them,
/// each group's versions in its listed order).
#[derive(Debug, Clone, Default)]
pub struct RestMapper {
    resources: Vec<ResourceInfo>,
    /// `group/version` strings in discovery order, for `kubectl api-versions`.
    group_versions: Vec<String>,
}

impl RestMapper {
    /// Builds the table from `GET /api`, `GET /apis` and the resource lists in any order.
    pub fn from_documents(api: &Value, apis: &Value, resource_lists: &[Value]) -> Self {
        let mut mapper = RestMapper::default();
        // (group version, preferred) in discovery order.
        let mut order: Vec<(String, bool)> = Vec::new();
        for v in api.get("versions").and_then(Value::as_array).into_iter().flatten() {
            if let Some(v) = v.as_str() {
                order.push((v.to_string(), order.is_empty()));
            }
        }
        for g in apis.get("groups").and_then(Value::as_array).into_iter().flatten() {
            let preferred = g
                .pointer("/preferredVersion/groupVersion")
                .and_then(Value::as_str)
                .unwrap_or("");
            for v in g.get("versions").and_then(Value::as_array).into_iter().flatten() {
                if let Some(gv) = v.get("groupVersion").and_then(Value::as_str) {
                    order.push((gv.to_string(), gv == preferred));
                }
            }
        }
        for (gv, preferred) in &order {
            mapper.group_versions.push(gv.clone());
            let Some(list) = resource_lists
                .iter()
                .find(|l| l.get("groupVersion").and_then(Value::as_str) == Some(gv))
            else {
                continue;
            };
            let (group, version) = match gv.split_once('/') {
                Some((g, v)) => (g.to_string(), v.to_string()),
                None => (String::new(), gv.clone()),
            };
            let entries = list
                .get("resources")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for r in &entries {
                let name = str_of(r, "name");
                if name.is_empty() || name.contains('/') {
                    continue;
                }
                let subresources = entries
                    .iter()
                    .filter_map(|s| str_of(s, "name").strip_prefix(&format!("{name}/")).map(str::to_string))
                    .collect();
                mapper.resources.push(ResourceInfo {
                    group: group.clone(),
                    version: version.clone(),
                    kind: str_of(r, "kind"),
                    plural: name.clone(),
                    singular: str_of(r, "singularName"),
                    short_names: strings_of(r, "shortNames"),
                    scope: if r.get("namespaced").and_then(Value::as_bool).unwrap_or(false) {
                        Scope::Namespaced
                    } else {
                        Scope::Cluster
                    },
                    verbs: strings_of(r, "verbs"),
                    categories: strings_of(r, "categories"),
                    subresources,
                    preferred: *preferred,
                });
            }
        }
        mapper
    }

    pub fn resources(&self) -> &[ResourceInfo] {
        &self.resources
    }

    pub fn group_versions(&self) -> &[String] {
        &self.group_versions
    }

    /// Resolves a resource argument as kubectl does: short names first, then plural or
    /// singular names (case-insensitive), optionally qualified as `resource.group` or
    /// `resource.version.group`; among several matches the preferred version of the first
    /// group in discovery order wins.
    pub fn resolve(&self, arg: &str) -> Option<&ResourceInfo> {
        let arg = arg.to_ascii_lowercase();
        let mut attempts: Vec<(String, Option<String>, Option<String>)> = vec![(arg.clone(), None, None)];
        if let Some((res, rest)) = arg.split_once('.') {
            // `resource.version.group` when the middle part looks like a version.
            if let Some((v, g)) = rest.split_once('.') {
                if looks_like_version(v) {
                    attempts.insert(0, (res.to_string(), Some(v.to_string()), Some(g.to_string())));
                }
            }
            attempts.push((res.to_string(), None, Some(rest.to_string())));
        }
        for (res, version, group) in attempts {
            let group_ok = |r: &ResourceInfo| group.as_deref().is_none_or(|g| r.group == g);
            let version_ok = |r: &ResourceInfo| version.as_deref().is_none_or(|v| r.version == v);
            let pick = |pred: &dyn Fn(&ResourceInfo) -> bool| -> Option<&ResourceInfo> {
                let matches: Vec<&ResourceInfo> = self
                    .resources
                    .iter()
                    .filter(|r| group_ok(r) && version_ok(r) && pred(r))
                    .collect();
                matches
                    .iter()
                    .find(|r| r.preferred || version.is_some())
                    .or(matches.first())
                    .copied()
            };
            // The short-name expander runs first.
            if let Some(r) = pick(&|r: &ResourceInfo| r.short_names.contains(&res)) {
                return self.preferred_of(r, version.is_some());
            }
            if let Some(r) = pick(&|r: &ResourceInfo| r.plural == res || r.singular == res) {
                return self.preferred_of(r, version.is_some());
            }
            if let Some(r) = pick(&|r: &ResourceInfo| r.kind.to_ascii_lowercase() == res) {
                return self.preferred_of(r, version.is_some());
            }
        }
        None
    }

    /// The preferred-version entry of the same resource (a short name may have matched an
    /// older version listed first).
    fn preferred_of<'a>(&'a self, r: &'a ResourceInfo, version_given: bool) -> Option<&'a ResourceInfo> {
        if version_given || r.preferred {
            return Some(r);
        }
        self.resources
            .iter()
            .find(|p| p.preferred && p.group == r.group && p.plural == r.plural)
            .or(Some(r))
    }

    /// The resource serving a kind in exactly this group and version.
    pub fn for_kind(&self, gvk: &GroupVersionKind) -> Option<&ResourceInfo> {
        self.resources
            .iter()
            .find(|r| r.group == gvk.group && r.version == gvk.version && r.kind == gvk.kind)
    }

    /// The preferred resource for a kind in a group, whatever the version.
    pub fn for_group_kind(&self, group: &str, kind: &str) -> Option<&ResourceInfo> {
        let matches: Vec<&ResourceInfo> = self
            .resources
            .iter()
            .filter(|r| r.group == group && r.kind == kind)
            .collect();
        matches.iter().find(|r| r.preferred).or(matches.first()).copied()
    }

    /// Every preferred-version resource in a category (`all`), in discovery order.
    pub fn category(&self, name: &str) -> Vec<&ResourceInfo> {
        self.resources
            .iter()
            .filter(|r| r.preferred && r.categories.iter().any(|c| c == name))
            .collect()
    }
}

fn looks_like_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else { return false };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return false;
    }
    let tail = rest.get(digits.len()..).unwrap_or("");
    tail.is_empty()
        || tail
            .strip_prefix("alpha")
            .or(tail.strip_prefix("beta"))
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

fn strings_of(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// The REST path of a resource collection or object.
pub fn resource_path(r: &ResourceInfo, namespace: Option<&str>, name: Option<&str>) -> String {
    let mut p = if r.group.is_empty() {
        format!("/api/{}", r.version)
    } else {
        format!("/apis/{}/{}", r.group, r.version)
    };
    if r.namespaced() {
        if let Some(ns) = namespace.filter(|ns| !ns.is_empty()) {
            p.push_str("/namespaces/");
            p.push_str(ns);
        }
    }
    p.push('/');
    p.push_str(&r.plural);
    if let Some(n) = name {
        p.push('/');
        p.push_str(n);
    }
    p
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A small discovery fixture: core pods/services/nodes/namespaces, apps deployments,
    /// autoscaling v2 (preferred) and v1.
    pub(crate) fn fixture() -> RestMapper {
        let api = json!({"kind": "APIVersions", "versions": ["v1"]});
        let apis = json!({"kind": "APIGroupList", "groups": [
            {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}], "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}},
            {"name": "autoscaling", "versions": [{"groupVersion": "autoscaling/v2", "version": "v2"}, {"groupVersion": "autoscaling/v1", "version": "v1"}], "preferredVersion": {"groupVersion": "autoscaling/v2", "version": "v2"}}
        ]});
        let core = json!({"groupVersion": "v1", "resources": [
            {"name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod", "verbs": ["get"], "shortNames": ["po"], "categories": ["all"]},
            {"name": "pods/status", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get"]},
            {"name": "nodes", "singularName": "node", "namespaced": false, "kind": "Node", "verbs": ["get"], "shortNames": ["no"]}
        ]});
        let apps = json!({"groupVersion": "apps/v1", "resources": [
            {"name": "deployments", "singularName": "deployment", "namespaced": true, "kind": "Deployment", "verbs": ["get"], "shortNames": ["deploy"], "categories": ["all"]}
        ]});
        let hpa2 = json!({"groupVersion": "autoscaling/v2", "resources": [
            {"name": "horizontalpodautoscalers", "singularName": "horizontalpodautoscaler", "namespaced": true, "kind": "HorizontalPodAutoscaler", "verbs": ["get"], "shortNames": ["hpa"]}
        ]});
        let hpa1 = json!({"groupVersion": "autoscaling/v1", "resources": [
            {"name": "horizontalpodautoscalers", "singularName": "horizontalpodautoscaler", "namespaced": true, "kind": "HorizontalPodAutoscaler", "verbs": ["get"], "shortNames": ["hpa"]}
        ]});
        RestMapper::from_documents(&api, &apis, &[hpa1, core, apps, hpa2])
    }

    #[test]
    fn resource_arguments_resolve_like_kubectl() {
        let m = fixture();
        let cases = [
            ("po", "pods", "v1"),
            ("pod", "pods", "v1"),
            ("Pods", "pods", "v1"),
            ("deploy", "deployments", "v1"),
            ("deployments.apps", "deployments", "v1"),
            ("deployment.v1.apps", "deployments", "v1"),
            ("hpa", "horizontalpodautoscalers", "v2"),
            (
                "horizontalpodautoscalers.v1.autoscaling",
                "horizontalpodautoscalers",
                "v1",
            ),
        ];
        for (arg, plural, version) in cases {
            let r = m.resolve(arg).unwrap_or_else(|| panic!("{arg} unresolved"));
            assert_eq!((r.plural.as_str(), r.version.as_str()), (plural, version), "{arg}");
        }
        assert!(m.resolve("foos").is_none());
        assert!(m.resolve("deployments.batch").is_none());
    }

    #[test]
    fn subresources_are_attached_not_listed() {
        let m = fixture();
        let pods = m.resolve("pods").unwrap();
        assert_eq!(pods.subresources, vec!["status"]);
        assert_eq!(m.resources().iter().filter(|r| r.plural == "pods").count(), 1);
    }

    #[test]
    fn kinds_map_to_resources_by_exact_version() {
        let m = fixture();
        assert_eq!(
            m.for_kind(&GroupVersionKind::new("apps", "v1", "Deployment"))
                .unwrap()
                .plural,
            "deployments"
        );
        assert!(m
            .for_kind(&GroupVersionKind::new("extensions", "v1beta1", "Deployment"))
            .is_none());
    }

    #[test]
    fn paths_follow_scope() {
        let m = fixture();
        assert_eq!(
            resource_path(m.resolve("po").unwrap(), Some("default"), Some("x")),
            "/api/v1/namespaces/default/pods/x"
        );
        assert_eq!(
            resource_path(m.resolve("no").unwrap(), Some("default"), None),
            "/api/v1/nodes"
        );
        assert_eq!(
            resource_path(m.resolve("deploy").unwrap(), None, None),
            "/apis/apps/v1/deployments"
        );
    }

    #[test]
    fn api_versions_keep_discovery_order() {
        assert_eq!(
            fixture().group_versions(),
            ["v1", "apps/v1", "autoscaling/v2", "autoscaling/v1"]
        );
    }

    /// The full v1.37 table as the API server (api::Discovery) serves it.
    fn builtin_mapper() -> RestMapper {
        let d = api::Discovery::builtin();
        let api = d.api_versions_json();
        let apis = d.api_group_list_json();
        let mut lists = vec![d.api_resource_list_json("", "v1").unwrap_or_default()];
        for g in apis
            .get("groups")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            for v in g.get("versions").and_then(Value::as_array).cloned().unwrap_or_default() {
                let (name, version) = (str_of(&g, "name"), str_of(&v, "version"));
                lists.extend(d.api_resource_list_json(&name, &version));
            }
        }
        RestMapper::from_documents(&api, &apis, &lists)
    }

    #[test]
    fn short_names_of_the_builtin_table_resolve_to_kubectls_choices() {
        let m = builtin_mapper();
        let cases = [
            ("po", "", "pods"),
            ("svc", "", "services"),
            ("ev", "", "events"),
            ("events", "", "events"),
            ("events.events.k8s.io", "events.k8s.io", "events"),
            ("hpa", "autoscaling", "horizontalpodautoscalers"),
            ("deploy", "apps", "deployments"),
            ("cj", "batch", "cronjobs"),
            ("ing", "networking.k8s.io", "ingresses"),
            ("netpol", "networking.k8s.io", "networkpolicies"),
            ("pdb", "policy", "poddisruptionbudgets"),
            ("pc", "scheduling.k8s.io", "priorityclasses"),
            ("sc", "storage.k8s.io", "storageclasses"),
            ("crd", "apiextensions.k8s.io", "customresourcedefinitions"),
            ("csr", "certificates.k8s.io", "certificatesigningrequests"),
            ("quota", "", "resourcequotas"),
            ("limits", "", "limitranges"),
            ("no", "", "nodes"),
            ("ns", "", "namespaces"),
            ("Deployment", "apps", "deployments"),
            ("clusterrolebinding", "rbac.authorization.k8s.io", "clusterrolebindings"),
        ];
        for (arg, group, plural) in cases {
            let r = m.resolve(arg).unwrap_or_else(|| panic!("{arg} unresolved"));
            assert_eq!((r.group.as_str(), r.plural.as_str()), (group, plural), "{arg}");
            assert!(r.preferred, "{arg} resolved to a non-preferred version {}", r.version);
        }
        assert_eq!(m.resolve("hpa").map(|r| r.version.as_str()), Some("v2"));
    }
}
