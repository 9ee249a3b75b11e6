//! Strict decoding checks: unknown fields and wrong types, with upstream's texts.
//!
//! The API server decodes a request body into the Go struct of its kind; kubeplay decodes it
//! into the k8s-openapi struct instead and translates serde's complaint into the text Go's
//! decoder (sigs.k8s.io/json) would have produced. Unknown fields are found by serialising the
//! typed value back to JSON and looking for input keys the round trip dropped.
//!
//! Differences that remain: unknown fields are listed in sorted-key order (upstream: document
//! order), duplicate fields cannot be seen in a JSON value, and quantity strings are not parsed
//! here.

use apimachinery::quantity::Quantity;
use apimachinery::GroupVersionKind;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt;

/// A body the API server cannot decode. Display is upstream's full message:
/// `Deployment in version "v1" cannot be handled as a Deployment: <detail>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    pub kind: String,
    pub version: String,
    /// What follows `cannot be handled as a <Kind>: `.
    pub detail: String,
    /// For strict decoding errors: the unknown field paths (`spec.foo`); empty for type errors.
    pub unknown_fields: Vec<String>,
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} in version \"{}\" cannot be handled as a {}: {}",
            self.kind, self.version, self.kind, self.detail
        )
    }
}

impl std::error::Error for SchemaError {}

/// Checks `value` against the schema of `gvk`: wrong types always fail; unknown fields fail
/// when `strict` (fieldValidation=Strict, kubectl's default). Kinds without a built-in schema
/// (custom resources) pass.
pub fn check(gvk: &GroupVersionKind, value: &Value, strict: bool) -> Result<(), SchemaError> {
    let Some(round_trip) = decode(gvk, value)? else {
        return Ok(());
    };
    if strict {
        let unknown = unknown_in(gvk, value, &round_trip);
        if !unknown.is_empty() {
            let detail = format!(
                "strict decoding error: {}",
                unknown
                    .iter()
                    .map(|f| format!("unknown field \"{f}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Err(SchemaError {
                kind: gvk.kind.clone(),
                version: gvk.version.clone(),
                detail,
                unknown_fields: unknown,
            });
        }
    }
    Ok(())
}

/// The unknown fields of `value` (for fieldValidation=Warn: kubectl prints
/// `Warning: unknown field "spec.foo"`). Empty for unknown kinds or undecodable values.
pub fn unknown_fields(gvk: &GroupVersionKind, value: &Value) -> Vec<String> {
    match decode(gvk, value) {
        Ok(Some(round_trip)) => unknown_in(gvk, value, &round_trip),
        _ => Vec::new(),
    }
}

/// Deserialises a JSON value into a typed struct, for readers that want typed access.
pub fn to_typed<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    T::deserialize(value).map_err(|e| e.to_string())
}

/// Whether `gvk` has a built-in schema here.
pub fn is_known(gvk: &GroupVersionKind) -> bool {
    decoder_for(gvk).is_some()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug)]
struct Failure {
    path: Vec<Seg>,
    message: String,
}

fn run<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, Failure> {
    let typed: T = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                serde_path_to_error::Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        Failure {
            path,
            message: e.into_inner().to_string(),
        }
    })?;
    serde_json::to_value(&typed).map_err(|e| Failure {
        path: Vec::new(),
        message: e.to_string(),
    })
}

type Decoder = fn(&Value) -> Result<Value, Failure>;

/// The typed decoder of `gvk` (decode, then serialise back); `None` for unknown kinds.
#[rustfmt::skip]
fn decoder_for(gvk: &GroupVersionKind) -> Option<Decoder> {
    let r: Decoder = match (gvk.group.as_str(), gvk.version.as_str(), gvk.kind.as_str()) {
        ("", "v1", "Binding") => run::<k8s_openapi::api::core::v1::Binding>,
        ("", "v1", "ComponentStatus") => run::<k8s_openapi::api::core::v1::ComponentStatus>,
        ("", "v1", "ConfigMap") => run::<k8s_openapi::api::core::v1::ConfigMap>,
        ("", "v1", "Endpoints") => run::<k8s_openapi::api::core::v1::Endpoints>,
        ("", "v1", "Event") => run::<k8s_openapi::api::core::v1::Event>,
        ("", "v1", "LimitRange") => run::<k8s_openapi::api::core::v1::LimitRange>,
        ("", "v1", "Namespace") => run::<k8s_openapi::api::core::v1::Namespace>,
        ("", "v1", "Node") => run::<k8s_openapi::api::core::v1::Node>,
        ("", "v1", "PersistentVolume") => run::<k8s_openapi::api::core::v1::PersistentVolume>,
        ("", "v1", "PersistentVolumeClaim") => run::<k8s_openapi::api::core::v1::PersistentVolumeClaim>,
        ("", "v1", "Pod") => run::<k8s_openapi::api::core::v1::Pod>,
        ("", "v1", "PodTemplate") => run::<k8s_openapi::api::core::v1::PodTemplate>,
        ("", "v1", "ReplicationController") => run::<k8s_openapi::api::core::v1::ReplicationController>,
        ("", "v1", "ResourceQuota") => run::<k8s_openapi::api::core::v1::ResourceQuota>,
        ("", "v1", "Secret") => run::<k8s_openapi::api::core::v1::Secret>,
        ("", "v1", "Service") => run::<k8s_openapi::api::core::v1::Service>,
        ("", "v1", "ServiceAccount") => run::<k8s_openapi::api::core::v1::ServiceAccount>,
        ("admissionregistration.k8s.io", "v1", "MutatingAdmissionPolicy") => run::<k8s_openapi::api::admissionregistration::v1::MutatingAdmissionPolicy>,
        ("admissionregistration.k8s.io", "v1", "MutatingAdmissionPolicyBinding") => run::<k8s_openapi::api::admissionregistration::v1::MutatingAdmissionPolicyBinding>,
        ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration") => run::<k8s_openapi::api::admissionregistration::v1::MutatingWebhookConfiguration>,
        ("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy") => run::<k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicy>,
        ("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding") => run::<k8s_openapi::api::admissionregistration::v1::ValidatingAdmissionPolicyBinding>,
        ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration") => run::<k8s_openapi::api::admissionregistration::v1::ValidatingWebhookConfiguration>,
        ("apiextensions.k8s.io", "v1", "CustomResourceDefinition") => run::<k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition>,
        ("apiregistration.k8s.io", "v1", "APIService") => run::<k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService>,
        ("apps", "v1", "ControllerRevision") => run::<k8s_openapi::api::apps::v1::ControllerRevision>,
        ("apps", "v1", "DaemonSet") => run::<k8s_openapi::api::apps::v1::DaemonSet>,
        ("apps", "v1", "Deployment") => run::<k8s_openapi::api::apps::v1::Deployment>,
        ("apps", "v1", "ReplicaSet") => run::<k8s_openapi::api::apps::v1::ReplicaSet>,
        ("apps", "v1", "StatefulSet") => run::<k8s_openapi::api::apps::v1::StatefulSet>,
        ("authentication.k8s.io", "v1", "SelfSubjectReview") => run::<k8s_openapi::api::authentication::v1::SelfSubjectReview>,
        ("authentication.k8s.io", "v1", "TokenRequest") => run::<k8s_openapi::api::authentication::v1::TokenRequest>,
        ("authentication.k8s.io", "v1", "TokenReview") => run::<k8s_openapi::api::authentication::v1::TokenReview>,
        ("authorization.k8s.io", "v1", "LocalSubjectAccessReview") => run::<k8s_openapi::api::authorization::v1::LocalSubjectAccessReview>,
        ("authorization.k8s.io", "v1", "SelfSubjectAccessReview") => run::<k8s_openapi::api::authorization::v1::SelfSubjectAccessReview>,
        ("authorization.k8s.io", "v1", "SelfSubjectRulesReview") => run::<k8s_openapi::api::authorization::v1::SelfSubjectRulesReview>,
        ("authorization.k8s.io", "v1", "SubjectAccessReview") => run::<k8s_openapi::api::authorization::v1::SubjectAccessReview>,
        ("autoscaling", "v1", "HorizontalPodAutoscaler") => run::<k8s_openapi::api::autoscaling::v1::HorizontalPodAutoscaler>,
        ("autoscaling", "v1", "Scale") => run::<k8s_openapi::api::autoscaling::v1::Scale>,
        ("autoscaling", "v2", "HorizontalPodAutoscaler") => run::<k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler>,
        ("batch", "v1", "CronJob") => run::<k8s_openapi::api::batch::v1::CronJob>,
        ("batch", "v1", "Job") => run::<k8s_openapi::api::batch::v1::Job>,
        ("certificates.k8s.io", "v1", "CertificateSigningRequest") => run::<k8s_openapi::api::certificates::v1::CertificateSigningRequest>,
        ("certificates.k8s.io", "v1", "ClusterTrustBundle") => run::<k8s_openapi::api::certificates::v1::ClusterTrustBundle>,
        ("certificates.k8s.io", "v1", "PodCertificateRequest") => run::<k8s_openapi::api::certificates::v1::PodCertificateRequest>,
        ("coordination.k8s.io", "v1", "Lease") => run::<k8s_openapi::api::coordination::v1::Lease>,
        ("discovery.k8s.io", "v1", "EndpointSlice") => run::<k8s_openapi::api::discovery::v1::EndpointSlice>,
        ("events.k8s.io", "v1", "Event") => run::<k8s_openapi::api::events::v1::Event>,
        ("flowcontrol.apiserver.k8s.io", "v1", "FlowSchema") => run::<k8s_openapi::api::flowcontrol::v1::FlowSchema>,
        ("flowcontrol.apiserver.k8s.io", "v1", "PriorityLevelConfiguration") => run::<k8s_openapi::api::flowcontrol::v1::PriorityLevelConfiguration>,
        ("networking.k8s.io", "v1", "IPAddress") => run::<k8s_openapi::api::networking::v1::IPAddress>,
        ("networking.k8s.io", "v1", "Ingress") => run::<k8s_openapi::api::networking::v1::Ingress>,
        ("networking.k8s.io", "v1", "IngressClass") => run::<k8s_openapi::api::networking::v1::IngressClass>,
        ("networking.k8s.io", "v1", "NetworkPolicy") => run::<k8s_openapi::api::networking::v1::NetworkPolicy>,
        ("networking.k8s.io", "v1", "ServiceCIDR") => run::<k8s_openapi::api::networking::v1::ServiceCIDR>,
        ("node.k8s.io", "v1", "RuntimeClass") => run::<k8s_openapi::api::node::v1::RuntimeClass>,
        ("policy", "v1", "Eviction") => run::<k8s_openapi::api::policy::v1::Eviction>,
        ("policy", "v1", "PodDisruptionBudget") => run::<k8s_openapi::api::policy::v1::PodDisruptionBudget>,
        ("rbac.authorization.k8s.io", "v1", "ClusterRole") => run::<k8s_openapi::api::rbac::v1::ClusterRole>,
        ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding") => run::<k8s_openapi::api::rbac::v1::ClusterRoleBinding>,
        ("rbac.authorization.k8s.io", "v1", "Role") => run::<k8s_openapi::api::rbac::v1::Role>,
        ("rbac.authorization.k8s.io", "v1", "RoleBinding") => run::<k8s_openapi::api::rbac::v1::RoleBinding>,
        ("resource.k8s.io", "v1", "DeviceClass") => run::<k8s_openapi::api::resource::v1::DeviceClass>,
        ("resource.k8s.io", "v1", "DeviceTaintRule") => run::<k8s_openapi::api::resource::v1::DeviceTaintRule>,
        ("resource.k8s.io", "v1", "ResourceClaim") => run::<k8s_openapi::api::resource::v1::ResourceClaim>,
        ("resource.k8s.io", "v1", "ResourceClaimTemplate") => run::<k8s_openapi::api::resource::v1::ResourceClaimTemplate>,
        ("resource.k8s.io", "v1", "ResourceSlice") => run::<k8s_openapi::api::resource::v1::ResourceSlice>,
        ("scheduling.k8s.io", "v1", "PriorityClass") => run::<k8s_openapi::api::scheduling::v1::PriorityClass>,
        ("storage.k8s.io", "v1", "CSIDriver") => run::<k8s_openapi::api::storage::v1::CSIDriver>,
        ("storage.k8s.io", "v1", "CSINode") => run::<k8s_openapi::api::storage::v1::CSINode>,
        ("storage.k8s.io", "v1", "CSIStorageCapacity") => run::<k8s_openapi::api::storage::v1::CSIStorageCapacity>,
        ("storage.k8s.io", "v1", "StorageClass") => run::<k8s_openapi::api::storage::v1::StorageClass>,
        ("storage.k8s.io", "v1", "VolumeAttachment") => run::<k8s_openapi::api::storage::v1::VolumeAttachment>,
        ("storage.k8s.io", "v1", "VolumeAttributesClass") => run::<k8s_openapi::api::storage::v1::VolumeAttributesClass>,
        ("storagemigration.k8s.io", "v1", "StorageVersionMigration") => run::<k8s_openapi::api::storagemigration::v1::StorageVersionMigration>,
        _ => return None,
    };
    Some(r)
}

const QUANTITY_FORMAT: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// Fields whose Go type is the named map `v1.ResourceList`.
const RESOURCE_LISTS: &[&str] = &[
    "limits",
    "requests",
    "capacity",
    "allocatable",
    "hard",
    "used",
    "default",
    "defaultRequest",
    "max",
    "min",
    "maxLimitRequestRatio",
    "allocatedResources",
    "overhead",
];

/// Maps whose values are quantities (`v1.ResourceList`), for the quantity check. RuntimeClass's
/// `overhead` holds `podFixed`, so `overhead` itself is left out.
const QUANTITY_MAPS: &[&str] = &[
    "limits",
    "requests",
    "capacity",
    "allocatable",
    "hard",
    "used",
    "default",
    "defaultRequest",
    "max",
    "min",
    "maxLimitRequestRatio",
    "allocatedResources",
    "podFixed",
];

/// The first quantity (in key order) `Quantity.UnmarshalJSON` would reject, as its error text.
fn bad_quantity(value: &Value, parent_key: Option<&str>) -> Option<String> {
    let check = |v: &Value| match Quantity::from_json(v) {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "openAPIV3Schema" {
                    continue;
                }
                let quantity_field = matches!(key.as_str(), "sizeLimit" | "averageValue" | "maximumVolumeSize")
                    || (key == "value" && matches!(parent_key, Some("target" | "current")));
                if quantity_field {
                    if let Some(e) = check(child) {
                        return Some(e);
                    }
                    continue;
                }
                if QUANTITY_MAPS.contains(&key.as_str()) {
                    if let Value::Object(list) = child {
                        for v in list.values() {
                            if let Some(e) = check(v) {
                                return Some(e);
                            }
                        }
                        continue;
                    }
                }
                if let Some(e) = bad_quantity(child, Some(key)) {
                    return Some(e);
                }
            }
            None
        }
        Value::Array(items) => items.iter().find_map(|v| bad_quantity(v, parent_key)),
        _ => None,
    }
}

/// Decodes as Go's decoder would: absent or `null` required fields are fine there (validation
/// reports them later), so they are filled with placeholders here and decoding is retried.
fn decode(gvk: &GroupVersionKind, value: &Value) -> Result<Option<Value>, SchemaError> {
    let Some(decoder) = decoder_for(gvk) else {
        return Ok(None);
    };
    let mut work = value.clone();
    if let Some(obj) = work.as_object_mut() {
        // The URL decides the kind; k8s-openapi insists on matching type meta.
        obj.insert("apiVersion".into(), json!(gvk.api_version()));
        obj.insert("kind".into(), json!(gvk.kind));
    }
    integral_floats_to_ints(&mut work);
    let mut placeholders: Vec<Vec<Seg>> = Vec::new();
    for _ in 0..256 {
        let failure = match decoder(&work) {
            Ok(round_trip) => {
                // k8s-openapi keeps quantities as strings; Go parses them while decoding.
                if let Some(detail) = bad_quantity(value, None) {
                    return Err(SchemaError {
                        kind: gvk.kind.clone(),
                        version: gvk.version.clone(),
                        detail,
                        unknown_fields: Vec::new(),
                    });
                }
                return Ok(Some(round_trip));
            }
            Err(f) => f,
        };
        if let Some(field) = missing_field(&failure.message) {
            let mut path = failure.path.clone();
            path.push(Seg::Key(field));
            if set_at(&mut work, &path, json!("")) {
                placeholders.push(path);
                continue;
            }
        }
        let at = get_at(&work, &failure.path);
        let is_placeholder = placeholders.contains(&failure.path);
        if at.is_some_and(Value::is_null) || is_placeholder {
            let filler = placeholder_for(expected(&failure.message).unwrap_or_default());
            if at != Some(&filler) && set_at(&mut work, &failure.path, filler) {
                if !is_placeholder {
                    placeholders.push(failure.path.clone());
                }
                continue;
            }
        }
        return Err(SchemaError {
            kind: gvk.kind.clone(),
            version: gvk.version.clone(),
            detail: describe(gvk, decoder, &work, &failure),
            unknown_fields: Vec::new(),
        });
    }
    Ok(None)
}

/// kubectl turns YAML into JSON through float64, so `replicas: 1.0` arrives as `1`.
fn integral_floats_to_ints(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f.abs() < 9.0e15 {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_floats_to_ints),
        Value::Object(map) => map.values_mut().for_each(integral_floats_to_ints),
        _ => {}
    }
}

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(name, _)| name.to_string())
}

/// serde's expectation: the text after the last `, expected `.
fn expected(message: &str) -> Option<&str> {
    message.rsplit_once(", expected ").map(|(_, e)| e)
}

fn placeholder_for(expected: &str) -> Value {
    match expected {
        "a sequence" => json!([]),
        "a boolean" => json!(false),
        "a string" | "Quantity" | "a base64-encoded string" => json!(""),
        "Time" | "MicroTime" | "a timestamp string" => json!("1970-01-01T00:00:00Z"),
        e if is_integer_type(e) || e == "f64" || e == "f32" || e == "IntOrString" => json!(0),
        _ => json!({}),
    }
}

fn is_integer_type(e: &str) -> bool {
    matches!(
        e,
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "a 32-bit integer"
    )
}

fn get_at<'a>(value: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut cur = value;
    for seg in path {
        cur = match seg {
            Seg::Key(k) => cur.as_object()?.get(k)?,
            Seg::Index(i) => cur.as_array()?.get(*i)?,
        };
    }
    Some(cur)
}

/// Sets the value at `path`, creating the last key of an object; false if the path is absent.
fn set_at(value: &mut Value, path: &[Seg], new: Value) -> bool {
    let Some((last, parents)) = path.split_last() else {
        *value = new;
        return true;
    };
    let mut cur = value;
    for seg in parents {
        let next = match seg {
            Seg::Key(k) => cur.as_object_mut().and_then(|o| o.get_mut(k)),
            Seg::Index(i) => cur.as_array_mut().and_then(|a| a.get_mut(*i)),
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    match last {
        Seg::Key(k) => match cur.as_object_mut() {
            Some(o) => {
                o.insert(k.clone(), new);
                true
            }
            None => false,
        },
        Seg::Index(i) => match cur.as_array_mut().and_then(|a| a.get_mut(*i)) {
            Some(slot) => {
                *slot = new;
                true
            }
            None => false,
        },
    }
}

/// What the decoder expects at `path`, found by putting a value there that nothing but a
/// sequence-accepting type takes: the error then names the type (`DeploymentSpec`, `a map`).
fn probe(decoder: Decoder, work: &Value, path: &[Seg], bait: Value) -> Option<String> {
    let mut copy = work.clone();
    if !set_at(&mut copy, path, bait) {
        return None;
    }
    match decoder(&copy) {
        Ok(_) => None,
        Err(f) => expected(&f.message).map(str::to_string),
    }
}

/// Go's package-qualified name for a k8s-openapi struct name.
fn go_struct(name: &str, gvk: &GroupVersionKind) -> String {
    const META: &[&str] = &[
        "ObjectMeta",
        "ListMeta",
        "LabelSelector",
        "LabelSelectorRequirement",
        "OwnerReference",
        "ManagedFieldsEntry",
        "Condition",
        "FieldsV1",
    ];
    let package = if META.contains(&name) || !gvk.version.starts_with('v') {
        "v1"
    } else {
        gvk.version.as_str()
    };
    format!("{package}.{name}")
}

/// Go's type name for what serde expected at `path`.
fn go_type(decoder: Decoder, gvk: &GroupVersionKind, work: &Value, path: &[Seg], expected: &str, depth: u8) -> String {
    match expected {
        "i32" | "a 32-bit integer" | "IntOrString" => "int32".into(),
        "i64" => "int64".into(),
        "u8" => "uint8".into(),
        "i8" => "int8".into(),
        "i16" => "int16".into(),
        "u16" => "uint16".into(),
        "u32" => "uint32".into(),
        "u64" => "uint64".into(),
        "f32" => "float32".into(),
        "f64" => "float64".into(),
        "a boolean" => "bool".into(),
        "a string" | "Time" | "MicroTime" | "a timestamp string" => "string".into(),
        "a base64-encoded string" => "[]uint8".into(),
        "Quantity" => "resource.Quantity".into(),
        "a sequence" => {
            let mut elem_path = path.to_vec();
            elem_path.push(Seg::Index(0));
            let elem = (depth < 2)
                .then(|| probe(decoder, work, path, json!([[]])))
                .flatten()
                .map(|e| go_type(decoder, gvk, work, &elem_path, &e, depth + 1))
                .unwrap_or_else(|| "interface {}".into());
            format!("[]{elem}")
        }
        "a map" => {
            if let Some(Seg::Key(k)) = path.last() {
                if RESOURCE_LISTS.contains(&k.as_str()) {
                    return "v1.ResourceList".into();
                }
            }
            let mut elem_path = path.to_vec();
            elem_path.push(Seg::Key("k".into()));
            let elem = (depth < 2)
                .then(|| probe(decoder, work, path, json!({"k": []})))
                .flatten()
                .map(|e| go_type(decoder, gvk, work, &elem_path, &e, depth + 1))
                .unwrap_or_else(|| "interface {}".into());
            format!("map[string]{elem}")
        }
        name => go_struct(name, gvk),
    }
}

/// Go's decoder text for a failure (`json: cannot unmarshal string into Go struct field
/// DeploymentSpec.spec.replicas of type int32`).
fn describe(gvk: &GroupVersionKind, decoder: Decoder, work: &Value, failure: &Failure) -> String {
    let message = failure.message.as_str();
    let lower = message.to_ascii_lowercase();
    if lower.starts_with("invalid symbol")
        || lower.starts_with("invalid byte")
        || lower.starts_with("invalid last symbol")
        || lower.starts_with("invalid padding")
        || lower.starts_with("invalid input length")
    {
        let offset = message
            .split("offset ")
            .nth(1)
            .and_then(|s| s.trim_end_matches('.').parse::<usize>().ok())
            .or_else(|| get_at(work, &failure.path).and_then(Value::as_str).map(str::len))
            .unwrap_or(0);
        return format!("illegal base64 data at input byte {offset}");
    }
    let at = get_at(work, &failure.path);
    // Errors raised by a type's own parser (timestamps) carry no serde type text: ask the
    // decoder which type sits there.
    let standard = ["invalid type:", "invalid value:", "invalid length"]
        .iter()
        .any(|p| message.starts_with(p));
    let probed;
    let expected = if standard {
        expected(message)
    } else {
        probed = probe(decoder, work, &failure.path, json!(true));
        probed.as_deref()
    };
    let Some(expected) = expected else {
        return message.to_string();
    };
    if expected == "Quantity" {
        return QUANTITY_FORMAT.to_string();
    }
    if matches!(expected, "Time" | "MicroTime" | "a timestamp string") {
        if let Some(s) = at.and_then(Value::as_str) {
            // metav1.MicroTime fields parse with the microsecond layout.
            let micro = matches!(failure.path.last(), Some(Seg::Key(k)) if matches!(k.as_str(), "eventTime" | "renewTime" | "acquireTime"));
            let layout = if micro {
                "2006-01-02T15:04:05.000000Z07:00"
            } else {
                "2006-01-02T15:04:05Z07:00"
            };
            return format!("parsing time \"{s}\" as \"{layout}\": cannot parse \"{s}\" as \"2006\"");
        }
    }
    let go_type = go_type(decoder, gvk, work, &failure.path, expected, 0);
    let go_value = match at {
        Some(Value::String(_)) => "string".to_string(),
        Some(Value::Bool(_)) => "bool".to_string(),
        Some(Value::Array(_)) => "array".to_string(),
        Some(Value::Object(_)) => "object".to_string(),
        Some(Value::Number(n)) if go_type.starts_with("int") || go_type.starts_with("uint") => format!("number {n}"),
        Some(Value::Number(_)) => "number".to_string(),
        Some(Value::Null) | None => "null".to_string(),
    };
    // Go names the innermost struct holding the field and the path of struct field names
    // (no indices, no map keys).
    let mut fields: Vec<&str> = Vec::new();
    let mut struct_name: Option<String> = None;
    for i in (0..failure.path.len()).rev() {
        let Some(Seg::Key(key)) = failure.path.get(i) else {
            continue;
        };
        let parent = failure.path.get(..i).unwrap_or_default();
        let parent_type = probe(decoder, work, parent, json!([]));
        match parent_type.as_deref() {
            Some("a map") => {}
            Some(name) => {
                fields.push(key);
                if struct_name.is_none() {
                    struct_name = Some(name.to_string());
                }
            }
            None => fields.push(key),
        }
    }
    fields.reverse();
    match struct_name {
        Some(name) => format!(
            "json: cannot unmarshal {go_value} into Go struct field {}.{} of type {go_type}",
            name,
            fields.join(".")
        ),
        None => format!("json: cannot unmarshal {go_value} into Go value of type {go_type}"),
    }
}

/// Input keys the typed round trip dropped, as `spec.template.spec.containers[0].foo`.
fn unknown_in(gvk: &GroupVersionKind, input: &Value, round_trip: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(gvk, input, round_trip, String::new(), &mut out);
    out
}

fn walk(gvk: &GroupVersionKind, input: &Value, round_trip: &Value, path: String, out: &mut Vec<String>) {
    match (input, round_trip) {
        (Value::Object(i), Value::Object(r)) => {
            for (key, value) in i {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match r.get(key) {
                    Some(rv) => {
                        if !opaque(gvk, key) {
                            walk(gvk, value, rv, child, out);
                        }
                    }
                    // A known field set to null vanishes from the round trip.
                    None if value.is_null() => {}
                    None => out.push(child),
                }
            }
        }
        (Value::Array(i), Value::Array(r)) if i.len() == r.len() => {
            for (n, (iv, rv)) in i.iter().zip(r).enumerate() {
                walk(gvk, iv, rv, format!("{path}[{n}]"), out);
            }
        }
        _ => {}
    }
}

/// Fields holding free-form JSON, never walked: CRD schemas.
fn opaque(gvk: &GroupVersionKind, key: &str) -> bool {
    gvk.group == "apiextensions.k8s.io" && key == "openAPIV3Schema"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gvk(api_version: &str, kind: &str) -> GroupVersionKind {
        GroupVersionKind::from_api_version(api_version, kind)
    }

    fn deployment(spec: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": spec})
    }

    fn pod(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
    }

    fn err(api_version: &str, kind: &str, value: &Value) -> String {
        check(&gvk(api_version, kind), value, true).unwrap_err().to_string()
    }

    #[test]
    fn wrong_types_read_like_go_decoder_errors() {
        let cases: &[(&str, &str, Value, &str)] = &[
            (
                "apps/v1",
                "Deployment",
                deployment(json!({"replicas": "3"})),
                "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32",
            ),
            (
                "v1",
                "Pod",
                json!({"metadata": {"name": "p", "labels": {"version": 1}}}),
                "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string",
            ),
            (
                "v1",
                "Pod",
                pod(json!({"containers": {"name": "c"}})),
                "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container",
            ),
            (
                "v1",
                "Pod",
                pod(json!({"containers": [{"name": "c", "image": 5}]})),
                "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal number into Go struct field Container.spec.containers.image of type string",
            ),
            (
                "v1",
                "Pod",
                pod(json!({"containers": [{"name": "c", "ports": [{"containerPort": 1.5}]}]})),
                "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal number 1.5 into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32",
            ),
            (
                "apps/v1",
                "Deployment",
                deployment(json!({"template": {"spec": {"containers": [{"name": "c", "env": [{"name": "PORT", "value": 80}]}]}}})),
                "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string",
            ),
            (
                "v1",
                "Pod",
                pod(json!({"hostNetwork": "true", "containers": []})),
                "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool",
            ),
            (
                "v1",
                "Pod",
                pod(json!({"containers": [{"name": "c", "args": "--x"}]})),
                "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field Container.spec.containers.args of type []string",
            ),
            (
                "v1",
                "Pod",
                pod(json!({"containers": [{"name": "c", "resources": {"limits": []}}]})),
                "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal array into Go struct field ResourceRequirements.spec.containers.resources.limits of type v1.ResourceList",
            ),
            (
                "v1",
                "Pod",
                pod(json!({"containers": [{"name": "c", "resources": {"limits": {"cpu": true}}}]})),
                &format!("Pod in version \"v1\" cannot be handled as a Pod: {QUANTITY_FORMAT}"),
            ),
            (
                "v1",
                "Pod",
                pod(json!({"containers": [{"name": "c", "resources": {"requests": {"memory": "512mi"}}}]})),
                "Pod in version \"v1\" cannot be handled as a Pod: unable to parse quantity's suffix",
            ),
            (
                "v1",
                "Pod",
                pod(json!({"containers": [{"name": "c", "resources": {"limits": {"memory": "512MB"}}}]})),
                &format!("Pod in version \"v1\" cannot be handled as a Pod: {QUANTITY_FORMAT}"),
            ),
            (
                "v1",
                "ResourceQuota",
                json!({"spec": {"hard": {"pods": "ten"}}}),
                &format!("ResourceQuota in version \"v1\" cannot be handled as a ResourceQuota: {QUANTITY_FORMAT}"),
            ),
            (
                "v1",
                "Pod",
                json!({"metadata": {"name": "p", "creationTimestamp": "yesterday"}}),
                "Pod in version \"v1\" cannot be handled as a Pod: parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as \"2006\"",
            ),
            (
                "v1",
                "Pod",
                json!({"spec": "x"}),
                "Pod in version \"v1\" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec",
            ),
            (
                "v1",
                "Secret",
                json!({"metadata": {"name": "s"}, "data": {"password": "c2VjcmV0!"}}),
                "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 8",
            ),
            (
                "autoscaling/v2",
                "HorizontalPodAutoscaler",
                json!({"spec": {"scaleTargetRef": [], "maxReplicas": 3}}),
                "HorizontalPodAutoscaler in version \"v2\" cannot be handled as a HorizontalPodAutoscaler: json: cannot unmarshal array into Go struct field HorizontalPodAutoscalerSpec.spec.scaleTargetRef of type v2.CrossVersionObjectReference",
            ),
        ];
        for (api_version, kind, value, want) in cases {
            assert_eq!(&err(api_version, kind, value), want, "{value}");
        }
    }

    #[test]
    fn strict_decoding_lists_every_unknown_field() {
        let d = deployment(json!({
            "foo": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx", "imagePullPolcy": "Always"}]}
            }
        }));
        let e = check(&gvk("apps/v1", "Deployment"), &d, true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.foo\", unknown field \"spec.template.spec.containers[0].imagePullPolcy\""
        );
        assert_eq!(
            e.unknown_fields,
            vec!["spec.foo", "spec.template.spec.containers[0].imagePullPolcy"]
        );
        assert_eq!(check(&gvk("apps/v1", "Deployment"), &d, false), Ok(()));
        assert_eq!(unknown_fields(&gvk("apps/v1", "Deployment"), &d).len(), 2);
    }

    #[test]
    fn valid_objects_pass_including_nulls_missing_required_fields_and_special_types() {
        let cases: &[(&str, &str, Value)] = &[
            ("v1", "Pod", pod(json!({"containers": [{"image": "nginx"}]}))),
            (
                "v1",
                "Pod",
                json!({"metadata": {"name": "p", "creationTimestamp": null}, "spec": null, "status": {}}),
            ),
            (
                "v1",
                "Pod",
                pod(json!({"containers": [{"name": "c", "image": "nginx",
                    "resources": {"limits": {"cpu": 1, "memory": "128Mi"}, "requests": {"cpu": 0.5}},
                    "livenessProbe": {"httpGet": {"port": "http", "path": "/"}}}]})),
            ),
            (
                "apps/v1",
                "Deployment",
                deployment(json!({"replicas": 2, "template": {"spec": {}}})),
            ),
            ("apps/v1", "Deployment", deployment(json!({"replicas": 2.0}))),
            (
                "v1",
                "Service",
                json!({"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 81, "targetPort": "web"}]}}),
            ),
            (
                "v1",
                "Secret",
                json!({"metadata": {"name": "s"}, "data": {"password": "c2VjcmV0"}, "stringData": {"a": "b"}}),
            ),
            (
                "v1",
                "ConfigMap",
                json!({"metadata": {"name": "c"}, "data": {"a": "1"}}),
            ),
            (
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                json!({"metadata": {"name": "crontabs.stable.example.com"}, "spec": {
                    "group": "stable.example.com", "scope": "Namespaced",
                    "names": {"plural": "crontabs", "kind": "CronTab"},
                    "versions": [{"name": "v1", "served": true, "storage": true,
                        "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true,
                            "properties": {"spec": {"type": "object", "properties": {"cronSpec": {"type": "string"}}}}}}}]}}),
            ),
            (
                "stable.example.com/v1",
                "CronTab",
                json!({"spec": {"anything": [1, 2]}}),
            ),
        ];
        for (api_version, kind, value) in cases {
            assert_eq!(check(&gvk(api_version, kind), value, true), Ok(()), "{value}");
        }
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for value in [
            json!("x"),
            json!(null),
            json!([1]),
            json!({"metadata": []}),
            json!({"spec": {"containers": [null]}}),
        ] {
            let _ = check(&gvk("v1", "Pod"), &value, true);
            let _ = unknown_fields(&gvk("v1", "Pod"), &value);
        }
        assert!(is_known(&gvk("apps/v1", "Deployment")));
        assert!(!is_known(&gvk("extensions/v1beta1", "Deployment")));
    }

    #[test]
    fn to_typed_reads_typed_structs() {
        let d: k8s_openapi::api::apps::v1::Deployment = to_typed(&deployment(json!({"replicas": 4}))).unwrap();
        assert_eq!(d.spec.replicas, Some(4));
        assert!(to_typed::<k8s_openapi::api::apps::v1::Deployment>(&json!([])).is_err());
    }
}
