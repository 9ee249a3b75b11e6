//! kube-controller-manager v1.37's controllers as components of the cluster loop. Each
//! controller sees the world only through list + watch ([`client::Informer`]) and writes
//! through API requests, as the real ones do; each keeps a rate-limited work queue on virtual
//! time and records Events with upstream's reasons and messages.
//!
//! Constructors (one per controller, upstream's controller names):
//! [`replicaset_controller`], [`replication_controller`], [`deployment_controller`],
//! [`garbage_collector`], [`serviceaccount_controller`], [`root_ca_cert_publisher`],
//! [`clusterrole_aggregation_controller`],
//! [`endpoints_controller`], [`endpointslice_controller`], [`statefulset_controller`],
//! [`daemonset_controller`], [`job_controller`], [`ttl_after_finished_controller`],
//! [`cronjob_controller`], [`node_lifecycle_controller`], [`taint_eviction_controller`],
//! [`disruption_controller`], [`horizontal_pod_autoscaler_controller`],
//! [`persistentvolume_binder_controller`], [`pvc_protection_controller`],
//! [`pv_protection_controller`], [`pod_garbage_collector`]; or all of them as one component: [`controller_manager`] (stepping
//! order in [`ControllerManager::ORDER`]).
//!
//! State: every controller is Serialize + Deserialize. Informer stores are not saved: after a
//! restore the first step relists and re-enqueues everything, as a restarted
//! kube-controller-manager does; queues, expectations and event correlation are saved.

// ApiError (metav1.Status) is the fixed error type of every API call.
#![allow(clippy::result_large_err)]

pub mod clusterrole_aggregation;
pub mod cronjob;
pub mod daemonset;
pub mod deployment;
pub mod disruption;
pub mod endpoints;
pub mod endpointslice;
pub mod expectations;
pub mod garbage_collector;
pub mod history;
pub mod job;
pub mod manager;
pub mod node_lifecycle;
pub mod persistentvolume;
pub mod podautoscaler;
pub mod podgc;
pub mod replicaset;
pub mod root_ca_cert_publisher;
pub mod serviceaccount;
pub mod statefulset;
pub mod util;
pub mod volume_protection;

pub use clusterrole_aggregation::{clusterrole_aggregation_controller, ClusterRoleAggregationController};
pub use cronjob::{cronjob_controller, CronJobController};
pub use daemonset::{daemonset_controller, DaemonSetsController};
pub use deployment::{deployment_controller, DeploymentController};
pub use disruption::{disruption_controller, DisruptionController};
pub use endpoints::{endpoints_controller, EndpointsController};
pub use endpointslice::{endpointslice_controller, EndpointSliceController};
pub use garbage_collector::{garbage_collector, GarbageCollector};
pub use job::{job_controller, ttl_after_finished_controller, JobController, TtlAfterFinishedController};
pub use manager::{controller_manager, ControllerManager};
pub use node_lifecycle::{
    node_lifecycle_controller, taint_eviction_controller, NodeLifecycleController, TaintEvictionController,
};
pub use persistentvolume::{persistentvolume_binder_controller, PersistentVolumeController};
pub use podautoscaler::{horizontal_pod_autoscaler_controller, HorizontalController};
pub use podgc::{pod_garbage_collector, PodGarbageCollector};
pub use replicaset::{replicaset_controller, replication_controller, ReplicaSetController};
pub use root_ca_cert_publisher::{root_ca_cert_publisher, RootCaCertPublisher};
pub use serviceaccount::{serviceaccount_controller, ServiceAccountsController};
pub use statefulset::{statefulset_controller, StatefulSetController};
pub use volume_protection::{
    pv_protection_controller, pvc_protection_controller, PvProtectionController, PvcProtectionController,
};

/// The earlier of two optional times.
pub(crate) fn earliest(a: Option<sim::SimTime>, b: Option<sim::SimTime>) -> Option<sim::SimTime> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}
