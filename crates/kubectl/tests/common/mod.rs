//! A fake API server for kubectl transcript tests: discovery documents for the common
//! built-in resources and an in-memory object store answering GET/POST/PUT/PATCH/DELETE on
//! upstream's REST paths. Not a real API server: no defaulting or validation.
#![allow(dead_code)]

use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest, GroupResource, Method};
use kubectl::{Host, Invocation, KubeConfig, Output};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// (groupVersion, plural, singular, kind, namespaced, shortNames, categories)
type Res = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    &'static [&'static str],
    &'static [&'static str],
);

const RESOURCES: &[Res] = &[
    ("v1", "configmaps", "configmap", "ConfigMap", true, &["cm"], &[]),
    ("v1", "endpoints", "endpoints", "Endpoints", true, &["ep"], &[]),
    ("v1", "events", "event", "Event", true, &["ev"], &[]),
    ("v1", "namespaces", "namespace", "Namespace", false, &["ns"], &[]),
    ("v1", "nodes", "node", "Node", false, &["no"], &[]),
    ("v1", "pods", "pod", "Pod", true, &["po"], &["all"]),
    (
        "v1",
        "replicationcontrollers",
        "replicationcontroller",
        "ReplicationController",
        true,
        &["rc"],
        &["all"],
    ),
    (
        "v1",
        "resourcequotas",
        "resourcequota",
        "ResourceQuota",
        true,
        &["quota"],
        &[],
    ),
    ("v1", "secrets", "secret", "Secret", true, &[], &[]),
    (
        "v1",
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        true,
        &["sa"],
        &[],
    ),
    ("v1", "services", "service", "Service", true, &["svc"], &["all"]),
    (
        "apps/v1",
        "daemonsets",
        "daemonset",
        "DaemonSet",
        true,
        &["ds"],
        &["all"],
    ),
    (
        "apps/v1",
        "deployments",
        "deployment",
        "Deployment",
        true,
        &["deploy"],
        &["all"],
    ),
    (
        "apps/v1",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        true,
        &["rs"],
        &["all"],
    ),
    (
        "apps/v1",
        "statefulsets",
        "statefulset",
        "StatefulSet",
        true,
        &["sts"],
        &["all"],
    ),
    (
        "autoscaling/v2",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
        &["all"],
    ),
    (
        "autoscaling/v1",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
        &["all"],
    ),
    ("batch/v1", "cronjobs", "cronjob", "CronJob", true, &["cj"], &["all"]),
    ("batch/v1", "jobs", "job", "Job", true, &[], &["all"]),
    (
        "networking.k8s.io/v1",
        "ingresses",
        "ingress",
        "Ingress",
        true,
        &["ing"],
        &[],
    ),
    (
        "policy/v1",
        "poddisruptionbudgets",
        "poddisruptionbudget",
        "PodDisruptionBudget",
        true,
        &["pdb"],
        &[],
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        false,
        &[],
        &[],
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        false,
        &[],
        &[],
    ),
    (
        "rbac.authorization.k8s.io/v1",
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        true,
        &[],
        &[],
    ),
    ("rbac.authorization.k8s.io/v1", "roles", "role", "Role", true, &[], &[]),
    (
        "scheduling.k8s.io/v1",
        "priorityclasses",
        "priorityclass",
        "PriorityClass",
        false,
        &["pc"],
        &[],
    ),
];

/// Group order as a kubeadm server lists them (subset).
const GROUPS: &[(&str, &[&str])] = &[
    ("apps", &["v1"]),
    ("autoscaling", &["v2", "v1"]),
    ("batch", &["v1"]),
    ("networking.k8s.io", &["v1"]),
    ("policy", &["v1"]),
    ("rbac.authorization.k8s.io", &["v1"]),
    ("scheduling.k8s.io", &["v1"]),
];

/// The requests seen and the stored objects, keyed by object path.
#[derive(Default)]
pub struct FakeCluster {
    pub objects: BTreeMap<String, Value>,
    pub requests: Vec<ApiRequest>,
    next_rv: u64,
}

fn resource_of(path: &str) -> Option<(&'static Res, Option<String>, Option<String>)> {
    // /api/v1[/namespaces/ns]/plural[/name]  or /apis/g/v[/namespaces/ns]/plural[/name]
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (gv, rest): (String, &[&str]) = match parts.as_slice() {
        ["api", v, rest @ ..] => (v.to_string(), rest),
        ["apis", g, v, rest @ ..] => (format!("{g}/{v}"), rest),
        _ => return None,
    };
    let (ns, rest): (Option<String>, &[&str]) = match rest {
        ["namespaces", ns, plural, ..] if RESOURCES.iter().any(|r| r.0 == gv && r.1 == *plural && r.4) => {
            (Some(ns.to_string()), &rest[2..])
        }
        other => (None, other),
    };
    let (plural, name) = match rest {
        [p] => (*p, None),
        [p, n] => (*p, Some(n.to_string())),
        [p, n, _sub] => (*p, Some(n.to_string())),
        _ => return None,
    };
    let res = RESOURCES.iter().find(|r| r.0 == gv && r.1 == plural)?;
    Some((res, ns, name))
}

impl FakeCluster {
    pub fn new() -> Self {
        let mut f = FakeCluster::default();
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            f.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}, "status": {"phase": "Active"}}));
        }
        f
    }

    fn path_for(obj: &Value) -> Option<String> {
        let av = obj.get("apiVersion")?.as_str()?;
        let kind = obj.get("kind")?.as_str()?;
        let res = RESOURCES.iter().find(|r| r.0 == av && r.3 == kind)?;
        let name = obj.pointer("/metadata/name")?.as_str()?;
        let base = if av.contains('/') {
            format!("/apis/{av}")
        } else {
            format!("/api/{av}")
        };
        if res.4 {
            let ns = obj
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("default");
            Some(format!("{base}/namespaces/{ns}/{}/{name}", res.1))
        } else {
            Some(format!("{base}/{}/{name}", res.1))
        }
    }

    /// Stores an object directly (test setup).
    pub fn put(&mut self, mut obj: Value) {
        self.next_rv += 1;
        if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            m.entry("resourceVersion").or_insert(json!(self.next_rv.to_string()));
            m.entry("uid").or_insert(json!(format!("uid-{}", self.next_rv)));
            m.entry("creationTimestamp").or_insert(json!("2026-01-01T00:00:00Z"));
        }
        if let Some(p) = Self::path_for(&obj) {
            self.objects.insert(p, obj);
        }
    }

    fn discovery(&self, path: &str) -> Option<Value> {
        match path {
            "/api" => Some(json!({"kind": "APIVersions", "versions": ["v1"]})),
            "/apis" => Some(
                json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": GROUPS.iter().map(|(g, vs)| json!({
                "name": g,
                "versions": vs.iter().map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v})).collect::<Vec<_>>(),
                "preferredVersion": {"groupVersion": format!("{g}/{}", vs[0]), "version": vs[0]}
            })).collect::<Vec<_>>()}),
            ),
            "/version" => {
                Some(json!({"major": "1", "minor": "37", "gitVersion": "v1.37.1", "platform": "linux/amd64"}))
            }
            _ => {
                let gv = path.strip_prefix("/api/").or_else(|| path.strip_prefix("/apis/"))?;
                let items: Vec<Value> = RESOURCES
                    .iter()
                    .filter(|r| r.0 == gv)
                    .map(|r| json!({"name": r.1, "singularName": r.2, "kind": r.3, "namespaced": r.4, "shortNames": r.5, "categories": r.6, "verbs": ["create", "delete", "get", "list", "patch", "update"]}))
                    .collect();
                if items.is_empty() {
                    return None;
                }
                Some(json!({"kind": "APIResourceList", "groupVersion": gv, "resources": items}))
            }
        }
    }
}

fn merge(target: &mut Value, patch: &Value) {
    match (target.as_object_mut(), patch.as_object()) {
        (Some(t), Some(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        _ => *target = patch.clone(),
    }
}

impl ApiClient for FakeCluster {
    fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        self.requests.push(req.clone());
        // Subresources (scale, status) act on the parent object in this fake.
        let mut req = req;
        for sub in ["/scale", "/status"] {
            if let Some(parent) = req.path.strip_suffix(sub) {
                req.path = parent.to_string();
            }
        }
        if req.method == Method::Get {
            if let Some(d) = self.discovery(&req.path) {
                return Ok(d);
            }
        }
        let Some((res, ns, name)) = resource_of(&req.path) else {
            return Err(ApiError::no_route());
        };
        let (group, _) = res.0.split_once('/').unwrap_or(("", res.0));
        let gr = GroupResource::new(group, res.1);
        let dry = req.query_param("dryRun") == Some("All");
        match (req.method, name) {
            (Method::Get, Some(n)) => self
                .objects
                .get(&req.path)
                .cloned()
                .ok_or_else(|| ApiError::not_found(&gr, &n)),
            (Method::Get, None) => {
                let prefix = format!("{}/", req.path);
                let sel = req.query_param("labelSelector").unwrap_or("").to_string();
                let items: Vec<Value> = self
                    .objects
                    .iter()
                    .filter(|(p, _)| {
                        p.starts_with(&prefix) || (ns.is_none() && res.4 && p.contains(&format!("/{}/", res.1)))
                    })
                    .map(|(_, o)| o.clone())
                    .filter(|o| {
                        sel.split(',').filter(|s| !s.is_empty()).all(|kv| {
                            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                            o.pointer(&format!("/metadata/labels/{}", k.replace('/', "~1")))
                                .and_then(Value::as_str)
                                == Some(v)
                        })
                    })
                    .collect();
                Ok(
                    json!({"apiVersion": res.0, "kind": format!("{}List", res.3), "metadata": {"resourceVersion": "1"}, "items": items}),
                )
            }
            (Method::Post, None) => {
                let mut obj = req.body.clone().unwrap_or(Value::Null);
                if let (Some(ns), Some(m)) = (&ns, obj.get_mut("metadata").and_then(Value::as_object_mut)) {
                    m.insert("namespace".into(), json!(ns));
                }
                let name = obj
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let p = Self::path_for(&obj).unwrap_or_default();
                if self.objects.contains_key(&p) {
                    return Err(ApiError::already_exists(&gr, &name));
                }
                if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.remove("creationTimestamp");
                }
                if !dry {
                    self.put(obj.clone());
                }
                Ok(self.objects.get(&p).cloned().unwrap_or(obj))
            }
            (Method::Put, Some(n)) => {
                if !self.objects.contains_key(&req.path) {
                    return Err(ApiError::not_found(&gr, &n));
                }
                let obj = req.body.clone().unwrap_or(Value::Null);
                if !dry {
                    self.objects.insert(req.path.clone(), obj.clone());
                }
                Ok(obj)
            }
            (Method::Patch, Some(n)) => {
                let mut obj = self
                    .objects
                    .get(&req.path)
                    .cloned()
                    .ok_or_else(|| ApiError::not_found(&gr, &n))?;
                let body = req.body.clone().unwrap_or(Value::Null);
                match req.patch_type {
                    Some(PatchType::StrategicMerge) => {
                        let av = obj
                            .get("apiVersion")
                            .and_then(Value::as_str)
                            .unwrap_or("v1")
                            .to_string();
                        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
                        let gvk = apimachinery::GroupVersionKind::from_api_version(&av, &kind);
                        obj = api::strategic_merge::apply(&gvk, &obj, &body).map_err(ApiError::bad_request)?;
                    }
                    Some(PatchType::Json) => {
                        let p: json_patch::Patch =
                            serde_json::from_value(body).map_err(|e| ApiError::bad_request(e.to_string()))?;
                        json_patch::patch(&mut obj, &p).map_err(|e| ApiError::bad_request(e.to_string()))?;
                    }
                    _ => merge(&mut obj, &body),
                }
                if !dry {
                    self.objects.insert(req.path.clone(), obj.clone());
                }
                Ok(obj)
            }
            (Method::Delete, Some(n)) => {
                let obj = self
                    .objects
                    .get(&req.path)
                    .cloned()
                    .ok_or_else(|| ApiError::not_found(&gr, &n))?;
                if !dry {
                    self.objects.remove(&req.path);
                }
                Ok(obj)
            }
            _ => Err(ApiError::no_route()),
        }
    }
}

/// Files, stdin and an editor for tests.
#[derive(Default)]
pub struct FakeHost {
    pub files: BTreeMap<String, String>,
    pub stdin: Option<String>,
    /// What the "editor" turns the text into (None: leaves it unchanged).
    pub edit_to: Option<String>,
    pub now: i64,
}

impl Host for FakeHost {
    fn read_file(&mut self, path: &str) -> Result<String, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| format!("open {path}: no such file or directory"))
    }
    fn list_dir(&mut self, path: &str) -> Result<Option<Vec<String>>, String> {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix))
            .map(|rest| rest.split('/').next().unwrap_or("").to_string())
            .collect();
        names.dedup();
        if names.is_empty() {
            if self.files.contains_key(path) {
                return Ok(None);
            }
            return Err(format!("stat {path}: no such file or directory"));
        }
        Ok(Some(names))
    }
    fn stdin(&mut self) -> Option<String> {
        self.stdin.take()
    }
    fn edit(&mut self, _file_name: &str, text: &str) -> Result<String, String> {
        Ok(self.edit_to.clone().unwrap_or_else(|| text.to_string()))
    }
    fn now_unix(&self) -> i64 {
        self.now
    }
}

/// A fake cluster plus host plus kubeconfig.
pub struct World {
    pub cluster: FakeCluster,
    pub host: FakeHost,
    pub config: KubeConfig,
}

impl World {
    pub fn new() -> Self {
        World {
            cluster: FakeCluster::new(),
            host: FakeHost {
                now: 1_790_000_000,
                ..FakeHost::default()
            },
            config: KubeConfig::default(),
        }
    }

    /// Runs `kubectl <line>` (split on whitespace; use `run_args` for arguments with spaces).
    pub fn kubectl(&mut self, line: &str) -> (i32, Output) {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        self.run_args(&args)
    }

    pub fn run_args(&mut self, args: &[String]) -> (i32, Output) {
        let mut out = Output::default();
        let code = kubectl::run(
            args,
            Invocation {
                client: &mut self.cluster,
                host: &mut self.host,
                config: &mut self.config,
                out: &mut out,
            },
        );
        (code, out)
    }

    /// Runs and returns stdout+stderr as a terminal shows them, with the exit code appended
    /// when it is not 0.
    pub fn sh(&mut self, line: &str) -> String {
        let (code, out) = self.kubectl(line);
        let mut s = out.combined();
        if code != 0 {
            s.push_str(&format!("[exit {code}]\n"));
        }
        s
    }
}
