//! The `root-ca-cert-publisher` controller (pkg/controller/certificates/rootcacertpublisher):
//! every active namespace has the `kube-root-ca.crt` ConfigMap with the cluster's CA bundle.

use crate::util::*;
use apimachinery::{ApiClient, ApiRequest};
use client::{ChangeKind, Component, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};

pub const ROOT_CA_CONFIG_MAP: &str = "kube-root-ca.crt";
pub const DESCRIPTION_ANNOTATION: &str = "kubernetes.io/description";
pub const DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RootCaCertPublisher {
    root_ca: String,
    namespaces: Informer,
    config_maps: Informer,
    queue: WorkQueue<String>,
}

/// The publisher of `root_ca` (PEM), the cluster CA the kube-controller-manager was given.
pub fn root_ca_cert_publisher(root_ca: &str) -> RootCaCertPublisher {
    RootCaCertPublisher {
        root_ca: root_ca.to_string(),
        namespaces: Informer::new(ResourcePath::core("namespaces")),
        config_maps: Informer::new(
            ResourcePath::core("configmaps").with_field_selector(&format!("metadata.name={ROOT_CA_CONFIG_MAP}")),
        ),
        queue: WorkQueue::default(),
    }
}

impl RootCaCertPublisher {
    fn sync(&mut self, api: &mut dyn ApiClient, ns: &str) -> Result<(), apimachinery::ApiError> {
        let Some(namespace) = self.namespaces.get("", ns) else {
            return Ok(());
        };
        if is_being_deleted(namespace) {
            return Ok(());
        }
        let data = json!({"ca.crt": self.root_ca});
        let path = object_path("v1", "configmaps", ns, "");
        let result = match self.config_maps.get(ns, ROOT_CA_CONFIG_MAP) {
            None => {
                let cm = json!({
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": ROOT_CA_CONFIG_MAP, "namespace": ns, "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION}},
                    "data": data,
                });
                api.request(ApiRequest::post(path, cm))
            }
            Some(cm) => {
                let described = annotation(cm, DESCRIPTION_ANNOTATION).is_some_and(|d| !d.is_empty());
                if cm.get("data") == Some(&data) && described {
                    return Ok(());
                }
                let mut cm = cm.clone();
                set_field(&mut cm, "data", data);
                set_annotation(&mut cm, DESCRIPTION_ANNOTATION, DESCRIPTION);
                api.request(ApiRequest::put(format!("{path}/{ROOT_CA_CONFIG_MAP}"), cm))
            }
        };
        match result {
            Ok(_) => Ok(()),
            Err(e) if e.code() == 403 || e.code() == 404 || e.code() == 409 => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl Component for RootCaCertPublisher {
    fn name(&self) -> &'static str {
        "root-ca-cert-publisher"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.namespaces.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            if c.kind != ChangeKind::Deleted {
                self.queue.add(meta_str(&c.object, "name").to_string());
            }
        }
        let Ok(changes) = self.config_maps.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            let ns = meta_str(&c.object, "namespace").to_string();
            if c.kind == ChangeKind::Deleted || c.object.get("data") != Some(&Value::Null) {
                self.queue.add(ns);
            }
        }
        while let Some(ns) = self.queue.pop_ready(now) {
            did_work = true;
            match self.sync(api, &ns) {
                Ok(()) => self.queue.forget(&ns),
                Err(_) => self.queue.add_rate_limited(ns, now),
            }
        }
        StepResult {
            did_work,
            next_wakeup: self.queue.next_deadline(),
        }
    }
}
