//! client-go's role for the in-process control plane: what every component (scheduler,
//! controllers, kubelets) uses to see and change the world through API requests only.
//!
//! - [`Informer`]: list + watch of one resource into a local store (reflector + indexer).
//! - [`WorkQueue`]: client-go's rate-limited delaying queue, on virtual time.
//! - [`Component`] / [`StepResult`]: the contract of the cluster loop.
//! - [`volume`]: which PersistentVolume a claim gets (component-helpers/storage/volume).
//! - [`EventRecorder`]: core/v1 Events with client-go's correlation (count, lastTimestamp) and
//!   the events.k8s.io/v1 style (series) that kube-scheduler uses.
//!
//! Driving components (the cluster loop): give each `step` an [`apimachinery::ApiClient`]
//! over the API server and the current virtual time, and a random-stream set that is NOT
//! the one the API server draws UIDs and names from during the same call (a clone written
//! back afterwards would rewind the server's streams): keep a second `sim::RngStreams` for
//! components, or split the borrow.

// ApiError (metav1.Status) is the fixed error type of every API call.
#![allow(clippy::result_large_err)]

mod component;
mod events;
mod informer;
pub mod volume;
mod workqueue;

pub use component::{Component, StepResult};
pub use events::{EventRecorder, EventSource};
pub use informer::{Change, ChangeKind, Informer, ResourcePath};
pub use workqueue::{RateLimiter, WorkQueue};

/// `metadata.<field>` as a string ("" when absent).
pub fn meta_str<'a>(obj: &'a serde_json::Value, field: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
}
