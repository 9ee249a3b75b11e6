//! The Kubernetes v1.37 resource kinds kubeplay serves: the discovery table (names, short
//! names, scope, verbs, categories), strict schema checks through the typed k8s-openapi
//! structs, defaulting and validation with upstream's messages, and strategic-merge-patch
//! metadata. Objects travel as JSON values; typed structs are used to check and to read.
//!
//! It holds no state and performs no I/O; the API server calls into it.

pub mod conversion;
pub mod defaults;
pub mod discovery;
pub mod schema;
pub mod strategic_merge;
pub mod validation;
pub mod warnings;

pub use discovery::{replacement_for, CrdRecord, Discovery, ResourceInfo, Scope, SubresourceInfo};
pub use schema::SchemaError;
