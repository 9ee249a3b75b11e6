//! The one place the API server reaches into the `api` crate (discovery, schema checks,
//! defaulting, validation, strategic merge) and into apimachinery's selectors. Keeping
//! these calls behind small functions lets the rest of the server stay unchanged while the
//! contracts settle.

use api::{Discovery, ResourceInfo};
use apimachinery::{fields, labels, FieldError, GroupVersionKind};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The served resources: built-ins plus those CRDs add.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Catalog {
    discovery: Discovery,
}

impl Catalog {
    pub(crate) fn builtin() -> Self {
        Catalog {
            discovery: Discovery::builtin(),
        }
    }

    pub(crate) fn all(&self) -> &[ResourceInfo] {
        self.discovery.resources()
    }

    pub(crate) fn find_resource(&self, group: &str, version: &str, plural: &str) -> Option<&ResourceInfo> {
        self.discovery.find_resource(group, version, plural)
    }

    /// The preferred version of a group's resource.
    pub(crate) fn find_group_resource(&self, group: &str, plural: &str) -> Option<&ResourceInfo> {
        self.discovery.find_group_resource(group, plural)
    }

    /// The version a built-in resource's objects are stored at, when its versions differ in
    /// shape (autoscaling/v2 for HorizontalPodAutoscalers): the group's preferred version.
    /// `None`: objects are stored as they come (one shape across versions).
    pub(crate) fn storage_info(&self, info: &ResourceInfo) -> Option<&ResourceInfo> {
        if !api::conversion::has_conversion(&info.group, &info.kind) {
            return None;
        }
        self.discovery.find_group_resource(&info.group, &info.plural)
    }

    /// Whether `group`/`plural` is served for a CRD.
    pub(crate) fn is_crd_resource(&self, group: &str, plural: &str) -> bool {
        self.discovery.crd_for(group, plural).is_some()
    }

    /// Whether any version of `group` is served (for `/apis/{group}`).
    pub(crate) fn has_group(&self, group: &str) -> bool {
        !group.is_empty() && self.discovery.resources().iter().any(|r| r.group == group)
    }

    /// The `openAPIV3Schema` a CRD declares for one version of its resource.
    pub(crate) fn crd_schema(&self, group: &str, version: &str, plural: &str) -> Option<&Value> {
        self.discovery
            .crd_version(group, version, plural)
            .and_then(|v| v.pointer("/schema/openAPIV3Schema"))
    }

    /// The field labels a CRD makes selectable for one version (`selectableFields[].jsonPath`
    /// without its leading dot: `.spec.color` → `spec.color`).
    pub(crate) fn crd_selectable_fields(&self, group: &str, version: &str, plural: &str) -> Vec<String> {
        self.discovery
            .crd_version(group, version, plural)
            .and_then(|v| v.get("selectableFields"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| f.get("jsonPath").and_then(Value::as_str))
            .map(|p| p.trim_start_matches('.').to_string())
            .collect()
    }

    /// Registers the served versions of a CRD.
    pub(crate) fn add_crd(&mut self, crd: &Value) -> Result<(), String> {
        self.discovery.add_crd(crd).map(|_| ())
    }

    /// Forgets the resource a CRD named `<plural>.<group>` served.
    pub(crate) fn remove_crd(&mut self, crd_name: &str) {
        self.discovery.remove_crd(crd_name);
    }

    /// GET /api
    pub(crate) fn api_versions_json(&self) -> Value {
        let mut v = self.discovery.api_versions_json();
        if let Some(m) = v.as_object_mut() {
            m.insert(
                "serverAddressByClientCIDRs".into(),
                json!([{"clientCIDR": "0.0.0.0/0", "serverAddress": "192.168.0.2:6443"}]),
            );
        }
        v
    }

    /// GET /apis
    pub(crate) fn api_group_list_json(&self) -> Value {
        self.discovery.api_group_list_json()
    }

    /// GET /apis/{group}
    pub(crate) fn api_group_json(&self, group: &str) -> Option<Value> {
        self.discovery.api_group_json(group)
    }

    /// GET /api/v1 and /apis/{group}/{version}
    pub(crate) fn api_resource_list_json(&self, group: &str, version: &str) -> Option<Value> {
        self.discovery.api_resource_list_json(group, version)
    }
}

/// `obj` converted to `version` of its kind (see `api::conversion`).
pub(crate) fn convert(info: &ResourceInfo, obj: &Value, version: &str) -> Result<Value, String> {
    api::conversion::convert(&info.group, &info.kind, obj, version)
}

/// Strict decoding check: `Err` carries upstream's full BadRequest message.
pub(crate) fn schema_check(gvk: &GroupVersionKind, obj: &Value, strict: bool) -> Result<(), String> {
    api::schema::check(gvk, obj, strict).map_err(|e| e.to_string())
}

/// Unknown field paths of a body (dropped when fieldValidation is not Strict).
pub(crate) fn unknown_fields(gvk: &GroupVersionKind, obj: &Value) -> Vec<String> {
    api::schema::unknown_fields(gvk, obj)
}

/// The API server's defaulting for a decoded object.
pub(crate) fn apply_defaults(gvk: &GroupVersionKind, obj: &mut Value) {
    api::defaults::apply_defaults(gvk, obj);
}

pub(crate) fn validate_create(info: &ResourceInfo, obj: &Value) -> Vec<FieldError> {
    api::validation::validate_create(info, obj)
}

pub(crate) fn validate_update(info: &ResourceInfo, old: &Value, new: &Value) -> Vec<FieldError> {
    api::validation::validate_update(info, old, new)
}

/// Strategic merge patch (JSON merge patch semantics for kinds without patch metadata).
pub(crate) fn strategic_merge(gvk: &GroupVersionKind, original: &Value, patch: &Value) -> Result<Value, String> {
    api::strategic_merge::apply(gvk, original, patch)
}

// ---- selectors ------------------------------------------------------------------------

/// A parsed label selector.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct LabelSelector(labels::Selector);

impl LabelSelector {
    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        labels::Selector::parse(s).map(LabelSelector).map_err(|e| e.0)
    }

    /// Matches an object's `metadata.labels` map.
    pub(crate) fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let mut set = BTreeMap::new();
        for (k, v) in labels.into_iter().flatten() {
            if let Some(s) = v.as_str() {
                set.insert(k.clone(), s.to_string());
            }
        }
        self.0.matches(&set)
    }
}

/// A parsed field selector.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct FieldSelector(fields::FieldSelector);

impl FieldSelector {
    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        fields::FieldSelector::parse(s).map(FieldSelector).map_err(|e| e.0)
    }

    pub(crate) fn field_names(&self) -> impl Iterator<Item = &str> {
        self.0.requirements().iter().map(|r| r.field.as_str())
    }

    pub(crate) fn matches(&self, lookup: impl Fn(&str) -> Option<String>) -> bool {
        self.0.is_empty() || self.0.matches(lookup)
    }
}

/// `metav1.LabelSelectorAsSelector(…).String()` of a LabelSelector JSON value (Scale's
/// status.selector).
pub(crate) fn format_label_selector(sel: &Value) -> String {
    labels::Selector::from_label_selector(sel)
        .map(|s| s.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_selectors_match_everything() {
        assert!(LabelSelector::parse("").unwrap().matches(None));
        assert!(FieldSelector::parse("").unwrap().matches(|_| None));
    }

    #[test]
    fn label_selector_reads_json_labels() {
        let s = LabelSelector::parse("app in (a,b),tier!=db").unwrap();
        assert!(s.matches(json!({"app": "a", "tier": "web"}).as_object()));
        assert!(!s.matches(json!({"app": "c"}).as_object()));
    }
}
