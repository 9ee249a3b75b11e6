//! Every controller of this crate as one component, in the order the cluster loop should step
//! them (see [`ControllerManager::ORDER`]): kube-controller-manager as a single process.

use crate::*;
use apimachinery::ApiClient;
use client::{Component, StepResult};
use serde::{Deserialize, Serialize};
use sim::{RngStreams, SimTime};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ControllerManager {
    serviceaccount: ServiceAccountsController,
    root_ca: RootCaCertPublisher,
    clusterrole_aggregation: ClusterRoleAggregationController,
    deployment: DeploymentController,
    replicaset: ReplicaSetController,
    replication: ReplicaSetController,
    statefulset: StatefulSetController,
    daemonset: DaemonSetsController,
    cronjob: CronJobController,
    job: JobController,
    ttl_after_finished: TtlAfterFinishedController,
    endpoints: EndpointsController,
    endpointslice: EndpointSliceController,
    disruption: DisruptionController,
    horizontal: HorizontalController,
    node_lifecycle: NodeLifecycleController,
    taint_eviction: TaintEvictionController,
    // Saved clusters from before these controllers existed get fresh ones.
    #[serde(default = "pod_garbage_collector")]
    podgc: PodGarbageCollector,
    #[serde(default = "persistentvolume_binder_controller")]
    persistentvolume_binder: PersistentVolumeController,
    #[serde(default = "pvc_protection_controller")]
    pvc_protection: PvcProtectionController,
    #[serde(default = "pv_protection_controller")]
    pv_protection: PvProtectionController,
    garbage_collector: GarbageCollector,
}

/// kube-controller-manager with every controller of this crate; `root_ca` is the cluster CA
/// (PEM) published as `kube-root-ca.crt`.
pub fn controller_manager(root_ca: &str) -> ControllerManager {
    ControllerManager {
        serviceaccount: serviceaccount_controller(),
        root_ca: root_ca_cert_publisher(root_ca),
        clusterrole_aggregation: clusterrole_aggregation_controller(),
        deployment: deployment_controller(),
        replicaset: replicaset_controller(),
        replication: replication_controller(),
        statefulset: statefulset_controller(),
        daemonset: daemonset_controller(),
        cronjob: cronjob_controller(),
        job: job_controller(),
        ttl_after_finished: ttl_after_finished_controller(),
        endpoints: endpoints_controller(),
        endpointslice: endpointslice_controller(),
        disruption: disruption_controller(),
        horizontal: horizontal_pod_autoscaler_controller(),
        node_lifecycle: node_lifecycle_controller(),
        taint_eviction: taint_eviction_controller(),
        podgc: pod_garbage_collector(),
        persistentvolume_binder: persistentvolume_binder_controller(),
        pvc_protection: pvc_protection_controller(),
        pv_protection: pv_protection_controller(),
        garbage_collector: garbage_collector(),
    }
}

impl ControllerManager {
    /// The stepping order: namespaces' service accounts first (pods need them), owners before
    /// what they create (Deployment → ReplicaSet → Pods; CronJob → Job → Pods), then the
    /// controllers that follow pods (endpoints, disruption, nodes, pod GC), the volume binder
    /// (after the StatefulSet controller's claims) and the volume protection controllers, and the garbage collector.
    pub const ORDER: [&'static str; 22] = [
        "serviceaccount-controller",
        "root-ca-cert-publisher",
        "clusterrole-aggregation-controller",
        "deployment-controller",
        "replicaset-controller",
        "replication-controller",
        "statefulset-controller",
        "daemonset-controller",
        "cronjob-controller",
        "job-controller",
        "ttl-after-finished-controller",
        "endpoint-controller",
        "endpointslice-controller",
        "disruption-controller",
        "horizontal-pod-autoscaler",
        "node-lifecycle-controller",
        "taint-eviction-controller",
        "pod-garbage-collector-controller",
        "persistentvolume-binder-controller",
        "pvc-protection-controller",
        "pv-protection-controller",
        "garbage-collector-controller",
    ];

    fn components(&mut self) -> [&mut dyn Component; 22] {
        [
            &mut self.serviceaccount,
            &mut self.root_ca,
            &mut self.clusterrole_aggregation,
            &mut self.deployment,
            &mut self.replicaset,
            &mut self.replication,
            &mut self.statefulset,
            &mut self.daemonset,
            &mut self.cronjob,
            &mut self.job,
            &mut self.ttl_after_finished,
            &mut self.endpoints,
            &mut self.endpointslice,
            &mut self.disruption,
            &mut self.horizontal,
            &mut self.node_lifecycle,
            &mut self.taint_eviction,
            &mut self.podgc,
            &mut self.persistentvolume_binder,
            &mut self.pvc_protection,
            &mut self.pv_protection,
            &mut self.garbage_collector,
        ]
    }
}

impl Component for ControllerManager {
    fn name(&self) -> &'static str {
        "kube-controller-manager"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, rng: &mut RngStreams) -> StepResult {
        let mut result = StepResult::idle();
        for c in self.components() {
            result = result.merge(c.step(api, now, rng));
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_lists_every_controller_once_by_its_name() {
        let mut m = controller_manager("ca");
        let names: Vec<&str> = m.components().iter().map(|c| c.name()).collect();
        assert_eq!(names, ControllerManager::ORDER.to_vec());
    }
}
