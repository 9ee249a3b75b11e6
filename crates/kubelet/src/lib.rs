//! Simulated kubelets: one [`Kubelet`] per node, a `client::Component` that talks to the
//! API server only through requests, as the real kubelet does.

// ApiError (metav1.Status) is the fixed error type of every API call.
#![allow(clippy::result_large_err)]

pub mod backoff;
pub mod images;
mod kubelet;
pub mod pod;
pub mod probes;
pub mod program;
pub mod static_pods;
pub mod usage;

pub use crate::kubelet::{ContainerUsage, Kubelet, NodeConfig, PodUsage};
pub use pod::{CState, PodWorker};
pub use program::LogLine;
