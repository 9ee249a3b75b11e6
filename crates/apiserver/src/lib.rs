//! The in-memory Kubernetes API server. It answers [`apimachinery::ApiRequest`]s as
//! kube-apiserver answers HTTP requests: storage keyed like etcd, one global
//! resourceVersion, watch with history, optimistic concurrency, defaulting, admission,
//! validation, graceful deletion and finalizers, patches, subresources.
//!
//! It reads time and randomness only from the [`sim::SimContext`] it is handed.
//!
//! Entry points: [`ApiServer::handle`] for every request; [`ApiServer::watch`],
//! [`ApiServer::poll_watch`], [`ApiServer::close_watch`] for long-lived watches; and the
//! work upstream's controllers do inside the control plane, which the cluster calls as time
//! passes: [`ApiServer::run_namespace_finalizer`] (namespace controller),
//! [`ApiServer::sync_resource_quotas`] (quota controller), [`ApiServer::expire_events`]
//! (etcd's TTL on Events).
//!
//! Admission as kube-apiserver enables it by default, where it changes what users see:
//! NamespaceLifecycle, LimitRanger (Container defaults and bounds), ServiceAccount (token
//! volume), DefaultTolerationSeconds, Priority, ResourceQuota (unscoped quotas).
//!
//! Review resources (SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectAccessReview,
//! SelfSubjectRulesReview, SelfSubjectReview) are answered, not stored, with the RBAC
//! authorizer's decision; `serviceaccounts/{name}/token` answers a TokenRequest.
//! Subresources served here: `status`, `scale`, `pods/binding`, `pods/eviction` (checked
//! against PodDisruptionBudget status), `pods/ephemeralcontainers`, `pods/resize`,
//! `namespaces/finalize`, `certificatesigningrequests/approval`.
//!
//! Choices where the wire format leaves room (documented here once):
//! - Objects are stored as GET through their storage version returns them (with
//!   `kind`/`apiVersion`); a kind whose versions differ in shape (HorizontalPodAutoscaler:
//!   autoscaling/v2 stored, autoscaling/v1 served too) is converted on the way in and out
//!   (`api::conversion`); other kinds only change `apiVersion`. Items of a
//!   list of a built-in kind carry no `kind`/`apiVersion`, as a typed list (`PodList`) over
//!   the wire has none; client-go's unstructured decoding fills them from the list's kind.
//!   Items of custom resource lists keep them, as upstream's unstructured lists do.
//! - `GET …?watch=true` through [`ApiServer::handle`] answers with a JSON array of watch
//!   events (`[{"type":"ADDED","object":{…}}, …]`): what a watch stream would have sent so
//!   far. Long-lived watches use [`ApiServer::watch`] / [`ApiServer::poll_watch`].
//! - Namespace deletion marks the namespace Terminating; [`ApiServer::run_namespace_finalizer`]
//!   removes the content and then the namespace (pods in their grace period hold it, as
//!   upstream).
//! - [`ApiServer::bootstrap`] creates what kube-apiserver creates at start-up: the default
//!   ServiceCIDR, the system namespaces, the system PriorityClasses and the `kubernetes`
//!   Service (10.96.0.1).
//! - A continued list reads the current state after the token's key (no snapshot at the
//!   token's resourceVersion, so no 410 for old tokens).
//! - CustomResourceDefinitions are Established (NamesAccepted, Established True) as soon as
//!   they are created, and deleting one removes its custom resources at once.
//! - Pod subresources served by kubelets (`log`, `exec`, `attach`, `portforward`, `proxy`)
//!   are not answered here (405).

// ApiError (metav1.Status) is the fixed error type of every API call.
#![allow(clippy::result_large_err)]

mod admission;
mod compat;
mod componentstatus;
mod crd_schema;
mod fieldsel;
mod meta;
mod ops;
mod quota;
mod rbac;
mod services;
mod strategy;
mod token;
mod watch;

pub use watch::{WatchEvent, WatchEventType, WatchId};

use api::ResourceInfo;
use apimachinery::{ApiError, ApiRequest, GroupResource, Method, Status};
use compat::{Catalog, FieldSelector, LabelSelector};
use meta::meta_str;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sim::SimContext;
use std::collections::BTreeMap;
use watch::{HistoryEvent, WatchHub, Watcher};

/// Knobs of the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiServerConfig {
    /// How many writes the watch history keeps (older resourceVersions get 410 Gone).
    pub watch_history: usize,
    /// ServiceAccount admission rejects pods whose service account does not exist, as
    /// upstream does; `false` skips the check (the token volume is still added).
    pub require_service_account: bool,
    /// How long an Event lives after its last write (kube-apiserver's `--event-ttl`, 1h).
    #[serde(default = "default_event_ttl")]
    pub event_ttl_seconds: i64,
    /// Who sends requests (kubeadm's admin.conf user): what SelfSubjectReview and
    /// SelfSubjectAccessReview answer for.
    #[serde(default = "default_admin_user")]
    pub admin_user: String,
    #[serde(default = "default_admin_groups")]
    pub admin_groups: Vec<String>,
}

fn default_admin_user() -> String {
    "kubernetes-admin".to_string()
}

fn default_admin_groups() -> Vec<String> {
    vec!["kubeadm:cluster-admins".to_string(), "system:authenticated".to_string()]
}

fn default_event_ttl() -> i64 {
    3600
}

impl Default for ApiServerConfig {
    fn default() -> Self {
        ApiServerConfig {
            watch_history: 1000,
            require_service_account: true,
            event_ttl_seconds: default_event_ttl(),
            admin_user: default_admin_user(),
            admin_groups: default_admin_groups(),
        }
    }
}

/// The in-memory API server.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiServer {
    config: ApiServerConfig,
    catalog: Catalog,
    /// The last resourceVersion handed out; bumped on every write.
    resource_version: u64,
    /// Storage prefix (`/registry/pods`) → key (`namespace/name` or `name`) → object.
    store: BTreeMap<String, BTreeMap<String, Value>>,
    watch: WatchHub,
    /// Allocated ClusterIPs (as u32) → owning Service `namespace/name`.
    cluster_ips: BTreeMap<u32, String>,
    /// Allocated node ports → owning Service `namespace/name`.
    node_ports: BTreeMap<u16, String>,
    /// Key id of the (simulated) service-account token signing key, drawn on first use.
    #[serde(default)]
    token_key_id: Option<String>,
    /// The `Warning:` headers of the request being handled (not saved: they belong to one
    /// response).
    #[serde(skip)]
    warnings: Vec<String>,
}

impl Default for ApiServer {
    fn default() -> Self {
        Self::new()
    }
}

/// A request's target once the path has been routed.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub info: ResourceInfo,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub sub: Option<String>,
}

impl Target {
    pub fn gr(&self) -> GroupResource {
        self.info.group_resource()
    }
}

enum Route {
    /// `/version`: what `kubectl version` shows as the server version.
    Version,
    /// `/healthz`, `/livez`, `/readyz`: `ok`.
    Health,
    ApiVersions,
    GroupList,
    Group(String),
    ResourceList(String, String),
    Resource(Box<Target>),
}

/// The Kubernetes version this API server reports.
pub const KUBERNETES_VERSION: &str = "v1.37.1";

/// The `/version` document (version.Info).
fn version_info() -> Value {
    serde_json::json!({
        "major": "1",
        "minor": "37",
        "emulationMajor": "1",
        "emulationMinor": "37",
        "minCompatibilityMajor": "1",
        "minCompatibilityMinor": "36",
        "gitVersion": KUBERNETES_VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.25.5",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// The `(prefix, key)` an object is stored under.
pub(crate) fn storage_prefix(info: &ResourceInfo, custom: bool) -> String {
    if custom {
        return format!("/registry/{}/{}", info.group, info.plural);
    }
    let p = match (info.group.as_str(), info.plural.as_str()) {
        ("", "services") => "services/specs",
        ("", "endpoints") => "services/endpoints",
        ("", "nodes") => "minions",
        ("", "replicationcontrollers") => "controllers",
        ("networking.k8s.io", "ingresses") => "ingress",
        ("events.k8s.io", "events") => "events.k8s.io/events",
        ("apiextensions.k8s.io", "customresourcedefinitions") => "apiextensions.k8s.io/customresourcedefinitions",
        (_, plural) => plural,
    };
    format!("/registry/{p}")
}

pub(crate) fn object_key(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}/{name}")
    }
}

fn method_not_allowed() -> ApiError {
    ApiError(Status::failure(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource".into(),
        None,
    ))
}

/// Options shared by list and watch.
pub(crate) struct ListOptions {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
    pub label_text: String,
    pub field_text: String,
    /// For a custom resource, the field labels its CRD makes selectable; `None` for built-ins.
    pub selectable: Option<Vec<String>>,
}

impl ApiServer {
    pub fn new() -> Self {
        Self::with_config(ApiServerConfig::default())
    }

    pub fn with_config(config: ApiServerConfig) -> Self {
        ApiServer {
            watch: WatchHub::new(config.watch_history),
            config,
            catalog: Catalog::builtin(),
            resource_version: 0,
            store: BTreeMap::new(),
            cluster_ips: BTreeMap::new(),
            node_ports: BTreeMap::new(),
            token_key_id: None,
            warnings: Vec::new(),
        }
    }

    /// The warnings of the last request handled, in the order the server added them.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// warning.AddWarning: one header per distinct text.
    pub(crate) fn add_warning(&mut self, text: String) {
        if !self.warnings.contains(&text) {
            self.warnings.push(text);
        }
    }

    pub fn config(&self) -> &ApiServerConfig {
        &self.config
    }

    pub fn config_mut(&mut self) -> &mut ApiServerConfig {
        &mut self.config
    }

    /// The newest resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// Checks a restored server's store: every object must be one this server could have
    /// written (its schema, its key, a resourceVersion not newer than the server's). An
    /// object that fails is dropped and named in the returned report (`{key}: {why}`),
    /// instead of controllers that fight over it forever (an unknown field in a Deployment's
    /// template never matches its pruned ReplicaSets); the rest of the cluster is kept.
    /// `Err` is for what concerns the whole save: a resourceVersion out of range, a watch
    /// floor above it.
    ///
    /// Objects a former build stored at another version of their kind (a v1
    /// HorizontalPodAutoscaler) are migrated to the storage version first, as
    /// kube-storage-version-migrator would.
    pub fn check_restored(&mut self) -> Result<Vec<String>, String> {
        // etcd revisions are int64; past that the server could not count writes.
        if i64::try_from(self.resource_version).is_err() {
            return Err(format!("the resourceVersion {} is out of range", self.resource_version));
        }
        if self.watch.floor > self.resource_version {
            return Err(format!(
                "the watch floor {} is newer than the resourceVersion {}",
                self.watch.floor, self.resource_version
            ));
        }
        let mut dropped = Vec::new();
        let mut store = std::mem::take(&mut self.store);
        for (prefix, objects) in &mut store {
            objects.retain(|key, obj| {
                self.migrate_stored(obj);
                match self.check_stored(key, obj) {
                    Ok(()) => true,
                    Err(e) => {
                        dropped.push(format!("{prefix}/{key}: {e}"));
                        false
                    }
                }
            });
        }
        self.store = store;
        Ok(dropped)
    }

    /// Converts an object stored at a version other than its resource's storage version.
    fn migrate_stored(&self, obj: &mut Value) {
        let text = |p: &str| obj.pointer(p).and_then(Value::as_str).unwrap_or("");
        let gv = apimachinery::GroupVersion::parse(text("/apiVersion"));
        let Some(info) = self
            .catalog
            .all()
            .iter()
            .find(|r| r.group == gv.group && r.version == gv.version && r.kind == text("/kind"))
        else {
            return;
        };
        let Some(storage) = self.catalog.storage_info(info).filter(|s| s.version != info.version) else {
            return;
        };
        if let Ok(mut converted) = compat::convert(info, obj, &storage.version) {
            compat::apply_defaults(&storage.gvk(), &mut converted);
            *obj = converted;
        }
    }

    /// Whether a stored object is one this server could have written under `key`.
    fn check_stored(&self, key: &str, obj: &Value) -> Result<(), String> {
        let text = |p: &str| obj.pointer(p).and_then(Value::as_str);
        let (Some(api_version), Some(kind), Some(name)) = (text("/apiVersion"), text("/kind"), text("/metadata/name"))
        else {
            return Err("no apiVersion, kind or metadata.name".into());
        };
        let expected_key = match text("/metadata/namespace") {
            Some(ns) if key.contains('/') => format!("{ns}/{name}"),
            _ => name.to_string(),
        };
        if key != expected_key {
            return Err(format!("the object is named {expected_key:?}"));
        }
        let rv = text("/metadata/resourceVersion").and_then(|rv| rv.parse::<u64>().ok());
        if rv.is_none_or(|rv| rv > self.resource_version) {
            return Err(format!(
                "resourceVersion {} is not a number up to the server's {}",
                obj.pointer("/metadata/resourceVersion").unwrap_or(&Value::Null),
                self.resource_version
            ));
        }
        let gvk = apimachinery::GroupVersionKind::from_api_version(api_version, kind);
        compat::schema_check(&gvk, obj, true)?;
        // Stored objects are defaulted: one whose defaults are missing (a probe period of 0)
        // was never written by this server.
        let mut defaulted = obj.clone();
        compat::apply_defaults(&gvk, &mut defaulted);
        if defaulted != *obj {
            return Err("the object differs from its defaulted form (the API server stores objects defaulted)".into());
        }
        Ok(())
    }

    /// Answers one request.
    pub fn handle(&mut self, ctx: &mut SimContext, req: ApiRequest) -> Result<Value, ApiError> {
        self.warnings.clear();
        let route = self.route(&req.path)?;
        let target = match route {
            Route::Version => return self.only_get(&req, version_info()),
            Route::Health => return self.only_get(&req, Value::String("ok".to_string())),
            Route::ApiVersions => return self.only_get(&req, self.catalog.api_versions_json()),
            Route::GroupList => return self.only_get(&req, self.catalog.api_group_list_json()),
            Route::Group(g) => {
                let v = self.catalog.api_group_json(&g).ok_or_else(ApiError::no_route)?;
                return self.only_get(&req, v);
            }
            Route::ResourceList(g, v) => {
                let doc = self
                    .catalog
                    .api_resource_list_json(&g, &v)
                    .ok_or_else(ApiError::no_route)?;
                return self.only_get(&req, doc);
            }
            Route::Resource(t) => *t,
        };
        if let Some(w) = api::warnings::deprecated_api(&target.info.group, &target.info.version, &target.info.plural) {
            self.add_warning(w.to_string());
        }
        // Across all namespaces a namespaced resource can only be listed or watched.
        if target.info.namespaced() && target.namespace.is_none() && req.method != Method::Get {
            return Err(method_not_allowed());
        }
        if target.sub.is_none() {
            let verb = match (req.method, target.name.is_some()) {
                (Method::Get, true) => "get",
                (Method::Get, false) if req.query_param("watch").is_some_and(|w| w == "true" || w == "1") => "watch",
                (Method::Get, false) => "list",
                (Method::Post, _) => "create",
                (Method::Put, _) => "update",
                (Method::Patch, _) => "patch",
                (Method::Delete, true) => "delete",
                (Method::Delete, false) => "deletecollection",
            };
            if !target.info.verbs.iter().any(|v| v == verb) {
                return Err(method_not_allowed());
            }
        }
        if target.info.group.is_empty() && target.info.plural == "componentstatuses" && target.sub.is_none() {
            return self.component_statuses(&target, &req);
        }
        let dry_run = req.query_param("dryRun").is_some_and(|v| v == "All");
        match (req.method, target.name.is_some(), target.sub.as_deref()) {
            (Method::Get, false, _) => {
                if req.query_param("watch").is_some_and(|w| w == "true" || w == "1") {
                    let id = self.open_watch(&target, &req)?;
                    let mut events = self.poll_watch(id);
                    self.close_watch(id);
                    // The reply holds everything up to now, so a bookmark at the current
                    // resourceVersion is true; it keeps quiet watchers from falling out of the
                    // history window (and relisting) while other resources change.
                    if req.query_param("allowWatchBookmarks") == Some("true") {
                        events.push(WatchEvent {
                            event_type: WatchEventType::Bookmark,
                            object: json!({
                                "kind": target.info.kind,
                                "apiVersion": target.info.api_version(),
                                "metadata": {"resourceVersion": self.resource_version.to_string()},
                            }),
                        });
                    }
                    Ok(serde_json::to_value(events).unwrap_or(Value::Null))
                } else {
                    self.list(&target, &req)
                }
            }
            (Method::Get, true, Some("scale")) => self.get_scale(&target),
            (
                Method::Get,
                true,
                None | Some("status") | Some("ephemeralcontainers") | Some("resize") | Some("approval"),
            ) => self.get(&target),
            (Method::Post, false, _) => {
                let body = req
                    .body
                    .clone()
                    .ok_or_else(|| ApiError::bad_request("the body of the request is empty"))?;
                if let Some(answer) = self.review(&target, &body) {
                    return answer;
                }
                self.create(ctx, &target, body, &req, dry_run)
            }
            (Method::Post, true, Some("binding")) => {
                self.bind_pod(ctx, &target, req.body.clone().unwrap_or(Value::Null), dry_run)
            }
            (Method::Post, true, Some("eviction")) => self.evict_pod(ctx, &target, req.body.as_ref(), dry_run),
            (Method::Post, true, Some("token")) => self.create_token(ctx, &target, req.body.as_ref()),
            (Method::Put, true, sub) => {
                let body = req
                    .body
                    .clone()
                    .ok_or_else(|| ApiError::bad_request("the body of the request is empty"))?;
                match sub {
                    None
                    | Some("status")
                    | Some("finalize")
                    | Some("ephemeralcontainers")
                    | Some("resize")
                    | Some("approval") => self.update(ctx, &target, body, &req, dry_run),
                    Some("scale") => self.update_scale(ctx, &target, body, dry_run),
                    Some(_) => Err(method_not_allowed()),
                }
            }
            (Method::Patch, true, sub) => match sub {
                None
                | Some("status")
                | Some("scale")
                | Some("ephemeralcontainers")
                | Some("resize")
                | Some("approval") => self.patch(ctx, &target, &req, dry_run),
                Some(_) => Err(method_not_allowed()),
            },
            (Method::Delete, false, None) => self.delete_collection(ctx, &target, &req, dry_run),
            (Method::Delete, true, None) => {
                let opts = ops::DeleteOptions::from_request(&req)?;
                self.delete(ctx, &target, opts, dry_run)
            }
            _ => Err(method_not_allowed()),
        }
    }

    fn only_get(&self, req: &ApiRequest, v: Value) -> Result<Value, ApiError> {
        if req.method == Method::Get {
            Ok(v)
        } else {
            Err(method_not_allowed())
        }
    }

    fn route(&self, path: &str) -> Result<Route, ApiError> {
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        let (group, version, rest): (&str, &str, &[&str]) = match segs.as_slice() {
            ["version"] => return Ok(Route::Version),
            ["healthz" | "livez" | "readyz"] => return Ok(Route::Health),
            ["api"] => return Ok(Route::ApiVersions),
            ["api", v] if *v == "v1" => return Ok(Route::ResourceList(String::new(), "v1".into())),
            ["api", v, rest @ ..] if *v == "v1" => ("", v, rest),
            ["apis"] => return Ok(Route::GroupList),
            ["apis", g] => {
                if self.catalog.has_group(g) {
                    return Ok(Route::Group(g.to_string()));
                }
                return Err(ApiError::no_route());
            }
            ["apis", g, v] => return Ok(Route::ResourceList(g.to_string(), v.to_string())),
            ["apis", g, v, rest @ ..] => (g, v, rest),
            _ => return Err(ApiError::no_route()),
        };
        let (namespace, plural, name, sub) = match rest {
            ["namespaces", ns, r, tail @ ..] if *r != "status" && *r != "finalize" && tail.len() <= 2 => {
                (Some(ns.to_string()), *r, tail.first().copied(), tail.get(1).copied())
            }
            [r, tail @ ..] if tail.len() <= 2 => (None, *r, tail.first().copied(), tail.get(1).copied()),
            _ => return Err(ApiError::no_route()),
        };
        let info = self
            .catalog
            .find_resource(group, version, plural)
            .ok_or_else(ApiError::no_route)?
            .clone();
        if namespace.is_some() && !info.namespaced() {
            return Err(ApiError::no_route());
        }
        if info.namespaced() && namespace.is_none() && name.is_some() {
            return Err(ApiError::no_route());
        }
        if let Some(s) = sub {
            if !info.subresources.iter().any(|x| x == s) {
                return Err(ApiError::no_route());
            }
        }
        if name.is_some_and(str::is_empty) || namespace.as_deref().is_some_and(str::is_empty) {
            return Err(ApiError::no_route());
        }
        Ok(Route::Resource(Box::new(Target {
            info,
            namespace,
            name: name.map(str::to_string),
            sub: sub.map(str::to_string),
        })))
    }

    // ---- storage primitives ----------------------------------------------------------

    /// Whether a resource is served for a CRD (its objects are stored as unstructured).
    pub(crate) fn is_custom(&self, info: &ResourceInfo) -> bool {
        !info.group.is_empty() && self.catalog.is_crd_resource(&info.group, &info.plural)
    }

    pub(crate) fn prefix(&self, info: &ResourceInfo) -> String {
        storage_prefix(info, self.is_custom(info))
    }

    pub(crate) fn stored(&self, prefix: &str, key: &str) -> Option<&Value> {
        self.store.get(prefix)?.get(key)
    }

    /// Looks up an object of a built-in resource by group/plural.
    pub fn object(&self, group: &str, plural: &str, namespace: &str, name: &str) -> Option<&Value> {
        let info = self.catalog_resource(group, plural)?;
        self.stored(&self.prefix(info), &object_key(namespace, name))
    }

    pub(crate) fn catalog_resource(&self, group: &str, plural: &str) -> Option<&ResourceInfo> {
        self.catalog.find_group_resource(group, plural)
    }

    fn next_rv(&mut self) -> u64 {
        // Saturates: only a hand-edited save comes near the top.
        self.resource_version = self.resource_version.saturating_add(1);
        self.resource_version
    }

    /// Stores a new object: bumps the resourceVersion and records ADDED.
    pub(crate) fn commit_create(&mut self, prefix: &str, key: String, mut obj: Value) -> Value {
        let rv = self.next_rv();
        meta::set_meta(&mut obj, "resourceVersion", Value::String(rv.to_string()));
        self.store
            .entry(prefix.to_string())
            .or_default()
            .insert(key, obj.clone());
        self.watch.record(HistoryEvent {
            rv,
            prefix: prefix.to_string(),
            event_type: WatchEventType::Added,
            object: obj.clone(),
            prev: None,
        });
        obj
    }

    /// Replaces a stored object: bumps the resourceVersion and records MODIFIED.
    pub(crate) fn commit_update(&mut self, prefix: &str, key: String, mut obj: Value) -> Value {
        let rv = self.next_rv();
        meta::set_meta(&mut obj, "resourceVersion", Value::String(rv.to_string()));
        let prev = self
            .store
            .entry(prefix.to_string())
            .or_default()
            .insert(key, obj.clone());
        self.watch.record(HistoryEvent {
            rv,
            prefix: prefix.to_string(),
            event_type: WatchEventType::Modified,
            object: obj.clone(),
            prev,
        });
        obj
    }

    /// Removes a stored object: bumps the resourceVersion (the deleted object carries it)
    /// and records DELETED. Releases a Service's allocations.
    pub(crate) fn commit_delete(&mut self, prefix: &str, key: &str) -> Option<Value> {
        let mut obj = self.store.get_mut(prefix)?.remove(key)?;
        let rv = self.next_rv();
        meta::set_meta(&mut obj, "resourceVersion", Value::String(rv.to_string()));
        self.watch.record(HistoryEvent {
            rv,
            prefix: prefix.to_string(),
            event_type: WatchEventType::Deleted,
            object: obj.clone(),
            prev: None,
        });
        // Released IPAddresses are later writes: recording them before the
        // Service's own event left the history out of resourceVersion order, and a watch
        // from the Service's deletion kept replaying it.
        if prefix == "/registry/services/specs" {
            self.release_service(key);
        }
        Some(obj)
    }

    // ---- reads -------------------------------------------------------------------------

    /// The object as served through `info`'s version.
    pub(crate) fn served(&self, info: &ResourceInfo, obj: &Value) -> Value {
        let api_version = info.api_version();
        let mut out = match self.catalog.storage_info(info) {
            Some(_) if obj.get("apiVersion").and_then(Value::as_str) != Some(api_version.as_str()) => {
                compat::convert(info, obj, &info.version).unwrap_or_else(|_| obj.clone())
            }
            _ => obj.clone(),
        };
        if let Some(m) = out.as_object_mut() {
            if m.get("apiVersion").and_then(Value::as_str) != Some(api_version.as_str()) {
                m.insert("apiVersion".into(), Value::String(api_version));
            }
            if m.get("kind").and_then(Value::as_str) != Some(info.kind.as_str()) {
                m.insert("kind".into(), Value::String(info.kind.clone()));
            }
        }
        out
    }

    /// A request body, decoded and defaulted at the request's version, converted to the
    /// version its resource is stored at; with the target at that version (strategies,
    /// defaulting and validation work on the stored form, as upstream's on the internal one).
    pub(crate) fn to_storage(&self, t: &Target, obj: Value) -> Result<(Target, Value), ApiError> {
        let Some(storage) = self.catalog.storage_info(&t.info) else {
            return Ok((t.clone(), obj));
        };
        let converted = compat::convert(&t.info, &obj, &storage.version).map_err(|e| {
            let kind = &t.info.kind;
            ApiError::bad_request(format!(
                "{kind} in version \"{}\" cannot be handled as a {kind}: {e}",
                t.info.version
            ))
        })?;
        let mut target = t.clone();
        target.info = storage.clone();
        Ok((target, converted))
    }

    pub(crate) fn existing(&self, t: &Target) -> Result<(String, String, Value), ApiError> {
        let name = t.name.clone().unwrap_or_default();
        let ns = t.namespace.clone().unwrap_or_default();
        let prefix = self.prefix(&t.info);
        let key = object_key(&ns, &name);
        match self.stored(&prefix, &key) {
            Some(v) => Ok((prefix, key, v.clone())),
            None => Err(ApiError::not_found(&t.gr(), &name)),
        }
    }

    fn get(&self, t: &Target) -> Result<Value, ApiError> {
        let (_, _, obj) = self.existing(t)?;
        Ok(self.served(&t.info, &obj))
    }

    pub(crate) fn list_options(&self, t: &Target, req: &ApiRequest) -> Result<ListOptions, ApiError> {
        let label_text = req.query_param("labelSelector").unwrap_or("").to_string();
        let field_text = req.query_param("fieldSelector").unwrap_or("").to_string();
        let labels = LabelSelector::parse(&label_text).map_err(ApiError::bad_request)?;
        let fields = FieldSelector::parse(&field_text).map_err(ApiError::bad_request)?;
        let selectable = self.is_custom(&t.info).then(|| {
            self.catalog
                .crd_selectable_fields(&t.info.group, &t.info.version, &t.info.plural)
        });
        match &selectable {
            Some(custom) => fieldsel::check_custom_labels(custom, fields.field_names()),
            None => fieldsel::check_labels(&t.info.group, &t.info.plural, fields.field_names()),
        }
        .map_err(ApiError::bad_request)?;
        Ok(ListOptions {
            labels,
            fields,
            label_text,
            field_text,
            selectable,
        })
    }

    pub(crate) fn matches(plural: &str, opts: &ListOptions, obj: &Value) -> bool {
        opts.labels.matches(meta::labels(obj))
            && opts.fields.matches(|f| match &opts.selectable {
                Some(_) => fieldsel::custom_value(obj, f),
                None => fieldsel::value(plural, obj, f),
            })
    }

    /// The objects of a namespace (or everything) in key order, after `start_after`.
    pub(crate) fn scan<'a>(
        &'a self,
        prefix: &str,
        namespace: Option<&'a str>,
        start_after: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a String, &'a Value)> + 'a {
        use std::ops::Bound;
        let lower = namespace.map(|ns| format!("{ns}/")).unwrap_or_default();
        // '0' follows '/': the first key past the namespace.
        let upper = namespace.map(|ns| format!("{ns}0"));
        let start = match start_after {
            Some(k) if k >= lower.as_str() => Bound::Excluded(k.to_string()),
            _ => Bound::Included(lower),
        };
        let empty = match (&start, &upper) {
            (Bound::Excluded(s) | Bound::Included(s), Some(u)) => s >= u,
            _ => false,
        };
        let end = match upper {
            Some(b) => Bound::Excluded(b),
            None => Bound::Unbounded,
        };
        let map = if empty { None } else { self.store.get(prefix) };
        map.into_iter().flat_map(move |m| m.range((start.clone(), end.clone())))
    }

    fn list(&self, t: &Target, req: &ApiRequest) -> Result<Value, ApiError> {
        let opts = self.list_options(t, req)?;
        let limit: usize = match req.query_param("limit") {
            Some(l) if !l.is_empty() => l
                .parse::<i64>()
                .map(|n| if n <= 0 { 0 } else { n as usize })
                .unwrap_or(0),
            _ => 0,
        };
        let cont = match req.query_param("continue") {
            Some(c) if !c.is_empty() => Some(ops::decode_continue(c)?),
            _ => None,
        };
        let prefix = self.prefix(&t.info);
        let custom = self.is_custom(&t.info);
        let mut items = Vec::new();
        let mut last_key: Option<String> = None;
        let mut more = false;
        let mut remaining = 0usize;
        for (key, obj) in self.scan(&prefix, t.namespace.as_deref(), cont.as_deref()) {
            if !Self::matches(&t.info.plural, &opts, obj) {
                continue;
            }
            if limit > 0 && items.len() >= limit {
                more = true;
                remaining += 1;
                continue;
            }
            let mut item = self.served(&t.info, obj);
            if !custom {
                if let Some(m) = item.as_object_mut() {
                    m.remove("kind");
                    m.remove("apiVersion");
                }
            }
            items.push(item);
            last_key = Some(key.clone());
        }
        let mut list_meta = Map::new();
        list_meta.insert("resourceVersion".into(), json!(self.resource_version.to_string()));
        if more {
            if let Some(k) = last_key {
                list_meta.insert(
                    "continue".into(),
                    json!(ops::encode_continue(self.resource_version, &k)),
                );
                if opts.label_text.is_empty() && opts.field_text.is_empty() {
                    list_meta.insert("remainingItemCount".into(), json!(remaining));
                }
            }
        }
        Ok(json!({
            "kind": format!("{}List", t.info.kind),
            "apiVersion": t.info.api_version(),
            "metadata": list_meta,
            "items": items,
        }))
    }

    // ---- watch -------------------------------------------------------------------------

    /// Opens a watch for a collection request (`GET /api/v1/namespaces/ns/pods?watch=true&…`).
    /// Without `resourceVersion` (or with `0`) the current objects come first as ADDED events;
    /// with `resourceVersion=N` the events after N are replayed (410 Gone when N is older than
    /// the history). `sendInitialEvents=true` ends the initial events with a BOOKMARK carrying
    /// the `k8s.io/initial-events-end` annotation.
    pub fn watch(&mut self, req: &ApiRequest) -> Result<WatchId, ApiError> {
        let t = match self.route(&req.path)? {
            Route::Resource(t) if t.name.is_none() && t.sub.is_none() => *t,
            _ => return Err(method_not_allowed()),
        };
        self.open_watch(&t, req)
    }

    fn open_watch(&mut self, t: &Target, req: &ApiRequest) -> Result<WatchId, ApiError> {
        let opts = self.list_options(t, req)?;
        let rv_param = req.query_param("resourceVersion").unwrap_or("");
        let initial = req.query_param("sendInitialEvents").is_some_and(|v| v == "true");
        let prefix = self.prefix(&t.info);
        let mut watcher = Watcher {
            prefix: prefix.clone(),
            group: t.info.group.clone(),
            version: t.info.version.clone(),
            kind: t.info.kind.clone(),
            plural: t.info.plural.clone(),
            namespace: t.namespace.clone(),
            label_selector: opts.label_text.clone(),
            field_selector: opts.field_text.clone(),
            position: self.resource_version,
            pending: Default::default(),
            closed: false,
        };
        if rv_param.is_empty() || rv_param == "0" || initial {
            for (_, obj) in self.scan(&prefix, t.namespace.as_deref(), None) {
                if Self::matches(&t.info.plural, &opts, obj) {
                    watcher.pending.push_back(WatchEvent {
                        event_type: WatchEventType::Added,
                        object: self.served(&t.info, obj),
                    });
                }
            }
            if initial {
                watcher.pending.push_back(WatchEvent {
                    event_type: WatchEventType::Bookmark,
                    object: json!({
                        "kind": t.info.kind,
                        "apiVersion": t.info.api_version(),
                        "metadata": {
                            "resourceVersion": self.resource_version.to_string(),
                            "annotations": {"k8s.io/initial-events-end": "true"}
                        }
                    }),
                });
            }
        } else {
            let rv: u64 = rv_param
                .parse()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv_param}")))?;
            self.watch.check_rv(rv).map_err(ApiError::gone)?;
            watcher.position = rv;
        }
        let id = self.watch.next_id;
        self.watch.next_id = self.watch.next_id.wrapping_add(1).max(1);
        self.watch.watchers.insert(id, watcher);
        Ok(id)
    }

    /// The events of watch `id` since the last poll. A watch that fell out of the history
    /// gets one ERROR event (410 Expired) and is closed; unknown or closed ids get nothing.
    pub fn poll_watch(&mut self, id: WatchId) -> Vec<WatchEvent> {
        let Some(w) = self.watch.watchers.get(&id) else {
            return Vec::new();
        };
        if w.closed {
            return Vec::new();
        }
        let mut out: Vec<WatchEvent> = Vec::new();
        let mut w = w.clone();
        out.extend(w.pending.drain(..));
        if let Err(msg) = self.watch.check_rv(w.position) {
            let status = ApiError::gone(msg).0;
            out.push(WatchEvent {
                event_type: WatchEventType::Error,
                object: serde_json::to_value(status).unwrap_or(Value::Null),
            });
            w.closed = true;
            self.watch.watchers.insert(id, w);
            return out;
        }
        let info = ResourceInfo {
            group: w.group.clone(),
            version: w.version.clone(),
            kind: w.kind.clone(),
            plural: w.plural.clone(),
            singular: String::new(),
            short_names: Vec::new(),
            scope: api::Scope::Namespaced,
            verbs: Vec::new(),
            categories: Vec::new(),
            subresources: Vec::new(),
            preferred: true,
        };
        let opts = ListOptions {
            labels: LabelSelector::parse(&w.label_selector).unwrap_or_default(),
            fields: FieldSelector::parse(&w.field_selector).unwrap_or_default(),
            label_text: String::new(),
            field_text: String::new(),
            selectable: self.is_custom(&info).then(|| {
                self.catalog
                    .crd_selectable_fields(&info.group, &info.version, &info.plural)
            }),
        };
        for ev in self.watch.since(w.position) {
            if ev.prefix != w.prefix {
                continue;
            }
            if let Some(ns) = &w.namespace {
                if meta_str(&ev.object, "namespace") != ns {
                    continue;
                }
            }
            let now = Self::matches(&w.plural, &opts, &ev.object);
            let event_type = match (ev.event_type, &ev.prev) {
                (WatchEventType::Modified, Some(prev)) => {
                    let before = Self::matches(&w.plural, &opts, prev);
                    match (before, now) {
                        (true, true) => WatchEventType::Modified,
                        (false, true) => WatchEventType::Added,
                        (true, false) => WatchEventType::Deleted,
                        (false, false) => continue,
                    }
                }
                (t, _) if now => t,
                _ => continue,
            };
            out.push(WatchEvent {
                event_type,
                object: self.served(&info, &ev.object),
            });
        }
        w.position = self.resource_version;
        self.watch.watchers.insert(id, w);
        out
    }

    /// Events are stored with a TTL (etcd leases upstream): removes those whose last write
    /// (lastTimestamp, eventTime, series.lastObservedTime or creationTimestamp) is older than
    /// `event_ttl_seconds`. Returns how many went. The cluster calls this as time passes.
    pub fn expire_events(&mut self, ctx: &SimContext) -> usize {
        let now = ctx.now().unix_secs();
        let ttl = self.config.event_ttl_seconds;
        let mut expired = Vec::new();
        for prefix in ["/registry/events", "/registry/events.k8s.io/events"] {
            let Some(m) = self.store.get(prefix) else { continue };
            for (key, ev) in m {
                let last = [
                    "/lastTimestamp",
                    "/eventTime",
                    "/series/lastObservedTime",
                    "/deprecatedLastTimestamp",
                    "/metadata/creationTimestamp",
                ]
                .iter()
                .filter_map(|p| ev.pointer(p).and_then(Value::as_str))
                .filter_map(apimachinery::time::parse_rfc3339)
                .max();
                if let Some(t) = last {
                    if t.saturating_add(ttl) <= now {
                        expired.push((prefix, key.clone()));
                    }
                }
            }
        }
        let n = expired.len();
        for (prefix, key) in expired {
            self.commit_delete(prefix, &key);
        }
        n
    }

    /// Ends a watch.
    pub fn close_watch(&mut self, id: WatchId) {
        self.watch.watchers.remove(&id);
    }

    /// Everything stored under a namespace across all namespaced resources, as
    /// `(prefix, key)` pairs (for the namespace finalizer).
    pub(crate) fn namespace_content(&self, ns: &str) -> Vec<(ResourceInfo, String, String)> {
        let mut out = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let infos: Vec<ResourceInfo> = self
            .catalog_resources()
            .into_iter()
            .filter(|r| r.namespaced())
            .collect();
        for info in infos {
            let prefix = self.prefix(&info);
            if !seen.insert(prefix.clone()) {
                continue;
            }
            for (key, obj) in self.scan(&prefix, Some(ns), None) {
                out.push((info.clone(), key.clone(), meta_str(obj, "name").to_string()));
            }
        }
        out
    }

    pub(crate) fn catalog_resources(&self) -> Vec<ResourceInfo> {
        self.catalog_all().to_vec()
    }

    fn catalog_all(&self) -> &[ResourceInfo] {
        self.catalog.all()
    }
}
