//! Kubernetes API machinery, the vocabulary every other crate speaks
//! (k8s.io/apimachinery's role): `metav1.Status` errors ([`ApiError`]), field error lists,
//! group/version/kind and resource names, label and field selectors, resource quantities,
//! timestamps and human durations, YAML/JSON decoding and kubectl's YAML encoding, and the
//! REST-shaped [`request::ApiRequest`] that kubectl sends and the API server answers.
//!
//! It knows no resource kinds and holds no state. serde_yaml is used here and nowhere else.

// ApiError (metav1.Status) is the fixed error type of every API call, as in the other crates.
#![allow(clippy::result_large_err)]

pub mod decode;
pub mod errors;
pub mod fields;
pub mod gvk;
pub mod labels;
pub mod quantity;
pub mod request;
pub mod time;
pub mod validation;
pub mod yaml;

pub use errors::{ApiError, FieldError, FieldErrorType, Status, StatusCause};
pub use gvk::{GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource};
pub use request::{ApiClient, ApiRequest, Method};

pub use decode::{decode_documents, decode_items, DecodeError};
pub use fields::FieldSelector;
pub use labels::{format_label_selector, Selector, SelectorError};
pub use quantity::{Quantity, QuantityError};
pub use validation::NameRule;
pub use yaml::{to_json, to_yaml};
