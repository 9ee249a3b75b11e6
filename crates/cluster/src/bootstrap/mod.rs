//! The objects a fresh kubeadm v1.37 cluster has before anyone types a command: the four
//! namespaces, three nodes, the `kubernetes` Service and its endpoints, the default service
//! accounts, the root CA ConfigMaps and the built-in PriorityClasses.

pub mod addons;
pub mod apf;
pub mod apply;
pub mod kubeadm;
pub mod metrics_server;
pub mod rbac;

use serde_json::{json, Value};

/// Version strings the simulated cluster reports.
pub use apiserver::KUBERNETES_VERSION;

/// The control-plane endpoint kubeadm advertises.
pub const CONTROL_PLANE_IP: &str = "192.168.0.10";

/// A node of the cluster: the n-th node (0 = controlplane) gets address 192.168.0.(10+n) and
/// pod CIDR 10.244.n.0/24, as kubeadm's node IPAM hands them out in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    pub name: String,
    pub ip: String,
    pub pod_cidr: String,
    pub control_plane: bool,
}

impl NodeSpec {
    pub fn numbered(name: &str, index: u8, control_plane: bool) -> Self {
        NodeSpec {
            name: name.to_string(),
            ip: format!("192.168.0.{}", 10u16 + u16::from(index)),
            pod_cidr: format!("10.244.{index}.0/24"),
            control_plane,
        }
    }
}

pub fn default_nodes() -> Vec<NodeSpec> {
    vec![
        NodeSpec::numbered("controlplane", 0, true),
        NodeSpec::numbered("node01", 1, false),
        NodeSpec::numbered("node02", 2, false),
    ]
}

pub const DEFAULT_NAMESPACES: [&str; 4] = ["default", "kube-node-lease", "kube-public", "kube-system"];

pub fn namespace(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
}

/// The Node object as the kubelet registers it, without status.
pub fn node(spec: &NodeSpec) -> Value {
    let mut labels = json!({
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": &spec.name,
        "kubernetes.io/os": "linux",
    });
    let mut taints = json!([]);
    if spec.control_plane {
        if let Some(l) = labels.as_object_mut() {
            l.insert("node-role.kubernetes.io/control-plane".into(), json!(""));
            l.insert(
                "node.kubernetes.io/exclude-from-external-load-balancers".into(),
                json!(""),
            );
        }
        taints = json!([{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]);
    }
    let mut node = json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": spec.name,
            "labels": labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": {"podCIDR": spec.pod_cidr, "podCIDRs": [spec.pod_cidr]},
    });
    if spec.control_plane {
        node["spec"]["taints"] = taints;
    }
    node
}

/// The `kubernetes` Service in `default`, at the first address of the service range.
pub fn kubernetes_service() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"},
        },
        "spec": {
            "clusterIP": "10.96.0.1",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
            "sessionAffinity": "None",
            "type": "ClusterIP",
        },
    })
}

pub fn kubernetes_endpoints() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"},
        },
        "subsets": [{
            "addresses": [{"ip": CONTROL_PLANE_IP}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
        }],
    })
}

pub fn kubernetes_endpoint_slice() -> Value {
    json!({
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": "kubernetes",
            "namespace": "default",
            "labels": {"kubernetes.io/service-name": "kubernetes"},
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [CONTROL_PLANE_IP], "conditions": {"ready": true}}],
        "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
    })
}

pub fn priority_classes() -> Vec<Value> {
    vec![
        json!({
            "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
            "metadata": {"name": "system-cluster-critical"},
            "value": 2000000000,
            "description": "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
            "preemptionPolicy": "PreemptLowerPriority",
        }),
        json!({
            "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
            "metadata": {"name": "system-node-critical"},
            "value": 2000001000,
            "description": "Used for system critical pods that must not be moved from their current node.",
            "preemptionPolicy": "PreemptLowerPriority",
        }),
    ]
}

/// A made-up self-signed CA certificate: its shape is what matters to a learner.
pub const ROOT_CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIKUBEcm9vdENBMA0GCSqGSIb3DQEBCwUAMBUxEzARBgNV\nBAMTCmt1YmVybmV0ZXMwHhcNMjYwMTAxMDAwMDAwWhcNMzUxMjMwMDAwMDAwWjAV\nMRMwEQYDVQQDEwprdWJlcm5ldGVzMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB\nCgKCAQEAqGt1YmVwbGF5IHNpbXVsYXRlZCBjbHVzdGVyIHJvb3QgQ0EgLS0gbm90\nIGEgcmVhbCBrZXkga3ViZXBsYXkga3ViZXBsYXkga3ViZXBsYXkga3ViZXBsYXkw\nDQYJKoZIhvcNAQELBQADggEBAGt1YmVwbGF5IGluIGEgYnJvd3NlciB0YWI=\n-----END CERTIFICATE-----\n";
