//! Informer: client-go's reflector + indexer for one resource, polled synchronously.
//!
//! The first [`Informer::sync`] LISTs (paged with limit/continue); later calls poll
//! `GET …?watch=true&resourceVersion=N` from the last seen resourceVersion and apply the
//! events to the local store. On 410 Gone (the history moved past N) it relists and emits the
//! difference between the old store and the new list, as a reflector's replace does.
//!
//! Saving: only the resource description is serialised; after a restore the first sync
//! relists and reports every object as Added (a restarted controller sees the same).

use crate::meta_str;
use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Objects per LIST page (client-go's reflector pages with 500).
const PAGE_SIZE: usize = 500;

/// Which collection an informer follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourcePath {
    /// API group, "" for the core group.
    pub group: String,
    pub version: String,
    /// Resource (plural), e.g. `pods`.
    pub plural: String,
    /// One namespace, or every namespace (and cluster-scoped resources) when None.
    pub namespace: Option<String>,
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
}

impl ResourcePath {
    pub fn new(group: &str, version: &str, plural: &str) -> Self {
        ResourcePath {
            group: group.to_string(),
            version: version.to_string(),
            plural: plural.to_string(),
            namespace: None,
            label_selector: None,
            field_selector: None,
        }
    }

    /// A core/v1 resource, e.g. `ResourcePath::core("pods")`.
    pub fn core(plural: &str) -> Self {
        Self::new("", "v1", plural)
    }

    pub fn in_namespace(mut self, ns: &str) -> Self {
        self.namespace = Some(ns.to_string());
        self
    }

    pub fn with_label_selector(mut self, s: &str) -> Self {
        self.label_selector = Some(s.to_string());
        self
    }

    pub fn with_field_selector(mut self, s: &str) -> Self {
        self.field_selector = Some(s.to_string());
        self
    }

    /// `/api/v1/namespaces/ns/pods` or `/apis/apps/v1/deployments`.
    pub fn collection_path(&self) -> String {
        let root = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match &self.namespace {
            Some(ns) => format!("{root}/namespaces/{ns}/{}", self.plural),
            None => format!("{root}/{}", self.plural),
        }
    }

    /// The path of one object in the collection (`namespace` is ignored for cluster-scoped
    /// objects, which have an empty one).
    pub fn object_path(&self, namespace: &str, name: &str) -> String {
        let root = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        if namespace.is_empty() {
            format!("{root}/{}/{name}", self.plural)
        } else {
            format!("{root}/namespaces/{namespace}/{}/{name}", self.plural)
        }
    }

    fn with_selectors(&self, mut req: ApiRequest) -> ApiRequest {
        if let Some(l) = self.label_selector.as_deref().filter(|s| !s.is_empty()) {
            req = req.with_query("labelSelector", l);
        }
        if let Some(f) = self.field_selector.as_deref().filter(|s| !s.is_empty()) {
            req = req.with_query("fieldSelector", f);
        }
        req
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

/// One change to the local store, as an informer's event handlers receive it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub kind: ChangeKind,
    /// The new object (for Deleted: the object as it was deleted).
    pub object: Value,
    /// The object the store held before (Modified, Deleted).
    pub old: Option<Value>,
}

impl Change {
    /// `(namespace, name)` of the object.
    pub fn key(&self) -> (String, String) {
        store_key(&self.object)
    }
}

fn store_key(obj: &Value) -> (String, String) {
    (
        meta_str(obj, "namespace").to_string(),
        meta_str(obj, "name").to_string(),
    )
}

/// List + watch of one resource into a local store keyed by `(namespace, name)`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Informer {
    resource: ResourcePath,
    /// The last resourceVersion seen; None until the first list succeeds.
    #[serde(skip)]
    resource_version: Option<String>,
    #[serde(skip)]
    store: BTreeMap<(String, String), Value>,
    /// `kind`/`apiVersion` filled into list items, which come without them.
    #[serde(skip)]
    item_kind: Option<(String, String)>,
}

impl Informer {
    pub fn new(resource: ResourcePath) -> Self {
        Informer {
            resource,
            resource_version: None,
            store: BTreeMap::new(),
            item_kind: None,
        }
    }

    pub fn resource(&self) -> &ResourcePath {
        &self.resource
    }

    /// Whether the initial list has completed.
    pub fn has_synced(&self) -> bool {
        self.resource_version.is_some()
    }

    /// The resourceVersion the store reflects.
    pub fn last_sync_resource_version(&self) -> Option<&str> {
        self.resource_version.as_deref()
    }

    /// Brings the store up to date and returns what changed, in the order it happened.
    pub fn sync(&mut self, api: &mut dyn ApiClient) -> Result<Vec<Change>, ApiError> {
        let Some(rv) = self.resource_version.clone() else {
            return self.relist(api);
        };
        let req = self
            .resource
            .with_selectors(ApiRequest::get(self.resource.collection_path()))
            .with_query("watch", "true")
            .with_query("resourceVersion", rv)
            .with_query("allowWatchBookmarks", "true");
        let events = match api.request(req) {
            Ok(v) => v,
            Err(e) if e.code() == 410 => return self.relist(api),
            Err(e) => return Err(e),
        };
        let mut changes = Vec::new();
        for ev in events.as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let object = ev.get("object").cloned().unwrap_or(Value::Null);
            let ev_rv = meta_str(&object, "resourceVersion").to_string();
            match ev.get("type").and_then(Value::as_str).unwrap_or("") {
                "ADDED" | "MODIFIED" => {
                    let key = store_key(&object);
                    let old = self.store.insert(key, object.clone());
                    let kind = if old.is_some() {
                        ChangeKind::Modified
                    } else {
                        ChangeKind::Added
                    };
                    changes.push(Change { kind, object, old });
                }
                "DELETED" => {
                    let old = self.store.remove(&store_key(&object));
                    changes.push(Change {
                        kind: ChangeKind::Deleted,
                        object,
                        old,
                    });
                }
                "BOOKMARK" => {}
                "ERROR" => {
                    if object.get("code").and_then(Value::as_u64) == Some(410) {
                        let mut rest = self.relist(api)?;
                        changes.append(&mut rest);
                        return Ok(changes);
                    }
                    continue;
                }
                _ => continue,
            }
            if !ev_rv.is_empty() {
                self.resource_version = Some(ev_rv);
            }
        }
        Ok(changes)
    }

    /// LISTs everything (paged) and replaces the store, returning the difference.
    fn relist(&mut self, api: &mut dyn ApiClient) -> Result<Vec<Change>, ApiError> {
        let mut fresh: BTreeMap<(String, String), Value> = BTreeMap::new();
        let mut cont: Option<String> = None;
        let mut list_rv = String::new();
        loop {
            let mut req = self
                .resource
                .with_selectors(ApiRequest::get(self.resource.collection_path()))
                .with_query("limit", PAGE_SIZE.to_string());
            if let Some(c) = &cont {
                req = req.with_query("continue", c.clone());
            }
            let page = api.request(req)?;
            if self.item_kind.is_none() {
                let kind = page.get("kind").and_then(Value::as_str).unwrap_or("");
                let api_version = page.get("apiVersion").and_then(Value::as_str).unwrap_or("");
                self.item_kind = Some((
                    kind.strip_suffix("List").unwrap_or(kind).to_string(),
                    api_version.to_string(),
                ));
            }
            for item in page
                .get("items")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let mut item = item.clone();
                if let (Some(m), Some((kind, av))) = (item.as_object_mut(), &self.item_kind) {
                    m.entry("kind").or_insert_with(|| Value::String(kind.clone()));
                    m.entry("apiVersion").or_insert_with(|| Value::String(av.clone()));
                }
                fresh.insert(store_key(&item), item);
            }
            let meta = page.get("metadata");
            if list_rv.is_empty() {
                list_rv = meta
                    .and_then(|m| m.get("resourceVersion"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
            }
            match meta.and_then(|m| m.get("continue")).and_then(Value::as_str) {
                Some(c) if !c.is_empty() => cont = Some(c.to_string()),
                _ => break,
            }
        }
        let mut changes = Vec::new();
        let old_store = std::mem::take(&mut self.store);
        for (key, old) in &old_store {
            if !fresh.contains_key(key) {
                changes.push(Change {
                    kind: ChangeKind::Deleted,
                    object: old.clone(),
                    old: Some(old.clone()),
                });
            }
        }
        for (key, obj) in &fresh {
            match old_store.get(key) {
                None => changes.push(Change {
                    kind: ChangeKind::Added,
                    object: obj.clone(),
                    old: None,
                }),
                Some(old) if meta_str(old, "resourceVersion") != meta_str(obj, "resourceVersion") => {
                    changes.push(Change {
                        kind: ChangeKind::Modified,
                        object: obj.clone(),
                        old: Some(old.clone()),
                    })
                }
                Some(_) => {}
            }
        }
        self.store = fresh;
        self.resource_version = Some(list_rv);
        Ok(changes)
    }

    /// Forgets the store: the next sync relists.
    pub fn reset(&mut self) {
        self.resource_version = None;
    }

    pub fn get(&self, namespace: &str, name: &str) -> Option<&Value> {
        self.store.get(&(namespace.to_string(), name.to_string()))
    }

    /// Every object, ordered by (namespace, name).
    pub fn list(&self) -> impl Iterator<Item = &Value> {
        self.store.values()
    }

    /// The objects of one namespace, ordered by name.
    pub fn list_namespace<'a>(&'a self, namespace: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
        let start = (namespace.to_string(), String::new());
        self.store
            .range(start..)
            .take_while(move |((ns, _), _)| ns == namespace)
            .map(|(_, v)| v)
    }

    /// The objects (of `namespace`, or all when None) whose labels match `selector`.
    pub fn by_label_selector<'a>(
        &'a self,
        namespace: Option<&'a str>,
        selector: &'a Selector,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        self.store
            .iter()
            .filter(move |((ns, _), _)| namespace.is_none_or(|want| want == ns))
            .map(|(_, v)| v)
            .filter(move |v| selector.matches_json(v.get("metadata").and_then(|m| m.get("labels"))))
    }

    pub fn len(&self) -> usize {
        self.store.len()
    }

    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// One object decoded into a k8s-openapi type (e.g. `k8s_openapi::api::core::v1::Pod`).
    /// Values are the wire form; decoding costs a clone and a walk, so use it where typed
    /// access pays off, not in hot loops.
    pub fn typed<T: serde::de::DeserializeOwned>(&self, namespace: &str, name: &str) -> Option<Result<T, String>> {
        self.get(namespace, name)
            .map(|v| serde_json::from_value(v.clone()).map_err(|e| e.to_string()))
    }
}
