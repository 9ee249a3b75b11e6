//! Simulated kubelets: one [`Kubelet`] per node, a [`client::Component`] that sees and
//! changes the world only through API requests, as the real kubelet does:
//!
//! - node agent: registers its Node if missing, posts node status every 10 s when it changed
//!   (and at least every 5 min), renews its Lease in `kube-node-lease` every 10 s (40 s
//!   duration), lists the node's images in `status.images`;
//! - one [`PodWorker`] per pod bound to the node (informer on `spec.nodeName=<node>`): sandbox,
//!   image pulls from the [`images`] catalogue (ErrImagePull / ImagePullBackOff with 10 s →
//!   300 s backoff, pull policies), container [`program`]s on virtual time, restarts with the
//!   CrashLoopBackOff backoff, [`probes`], init containers and sidecars, `pods/status` writes
//!   with upstream's conditions, events through [`client::EventRecorder`], graceful termination
//!   and the final `DELETE` (grace 0, uid precondition);
//! - static pods on the control-plane node, posted as mirror pods ([`static_pods`]);
//! - logs per container instance ([`Kubelet::logs`]), `kubectl exec` ([`Kubelet::exec`]) and
//!   resource usage ([`Kubelet::pod_usage`], [`Kubelet::node_usage`]) for the cluster to serve.
//!
//! State: a `Kubelet` is Serialize + Deserialize (workers, backoffs, processes, logs); after a
//! restore its informer relists and the image store is rebuilt from the config and pull record.

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
mod volumes;

pub use crate::kubelet::{ContainerUsage, Kubelet, NodeConfig, PodUsage};
pub use pod::{CState, PodWorker};
pub use program::LogLine;
