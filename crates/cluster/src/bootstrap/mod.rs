//! The objects a fresh kubeadm v1.37 cluster has before anyone types a command: the four
//! namespaces, three nodes, the `kubernetes` Service and its endpoints, the default service
//! accounts, the root CA ConfigMaps and the built-in PriorityClasses.

pub mod addons;
pub mod apply;
pub mod kubeadm;
pub mod rbac;

use serde_json::{json, Value};

/// Version strings the simulated cluster reports.
pub use apiserver::KUBERNETES_VERSION;
pub const CONTAINER_RUNTIME_VERSION: &str = "containerd://2.1.4";
pub const OS_IMAGE: &str = "Ubuntu 24.04.3 LTS";
pub const KERNEL_VERSION: &str = "6.8.0-79-generic";

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

/// The status the kubelet posts for a healthy node at `now` (RFC 3339).
pub fn node_status(spec: &NodeSpec, now: &str, boot_id: &str, machine_id: &str, system_uuid: &str) -> Value {
    let capacity = json!({
        "cpu": "2",
        "ephemeral-storage": "19221248Ki",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": "4015504Ki",
        "pods": "110",
    });
    let allocatable = json!({
        "cpu": "2",
        "ephemeral-storage": "17714278528",
        "hugepages-1Gi": "0",
        "hugepages-2Mi": "0",
        "memory": "3913104Ki",
        "pods": "110",
    });
    let condition = |ty: &str, status: &str, reason: &str, message: &str| {
        json!({
            "type": ty, "status": status, "reason": reason, "message": message,
            "lastHeartbeatTime": now, "lastTransitionTime": now,
        })
    };
    json!({
        "addresses": [
            {"address": &spec.ip, "type": "InternalIP"},
            {"address": &spec.name, "type": "Hostname"},
        ],
        "allocatable": allocatable,
        "capacity": capacity,
        "conditions": [
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": boot_id,
            "containerRuntimeVersion": CONTAINER_RUNTIME_VERSION,
            "kernelVersion": KERNEL_VERSION,
            "kubeProxyVersion": "",
            "kubeletVersion": KUBERNETES_VERSION,
            "machineID": machine_id,
            "operatingSystem": "linux",
            "osImage": OS_IMAGE,
            "systemUUID": system_uuid,
        },
    })
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

/// The Lease a kubelet renews every 10 s in `kube-node-lease` (nodeLeaseDurationSeconds 40).
pub fn node_lease(node: &str, node_uid: &str, renew_time: &str) -> Value {
    json!({
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": node,
            "namespace": "kube-node-lease",
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node, "uid": node_uid}],
        },
        "spec": {"holderIdentity": node, "leaseDurationSeconds": 40, "renewTime": renew_time},
    })
}

pub fn default_service_account(namespace: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": namespace}})
}

/// The root CA bundle the root-ca-cert-publisher puts into every namespace.
pub fn root_ca_config_map(namespace: &str) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "kube-root-ca.crt",
            "namespace": namespace,
            "annotations": {"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."},
        },
        "data": {"ca.crt": ROOT_CA_PEM},
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
const ROOT_CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIDBTCCAe2gAwIBAgIIKUBEcm9vdENBMA0GCSqGSIb3DQEBCwUAMBUxEzARBgNV\nBAMTCmt1YmVybmV0ZXMwHhcNMjYwMTAxMDAwMDAwWhcNMzUxMjMwMDAwMDAwWjAV\nMRMwEQYDVQQDEwprdWJlcm5ldGVzMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB\nCgKCAQEAqGt1YmVwbGF5IHNpbXVsYXRlZCBjbHVzdGVyIHJvb3QgQ0EgLS0gbm90\nIGEgcmVhbCBrZXkga3ViZXBsYXkga3ViZXBsYXkga3ViZXBsYXkga3ViZXBsYXkw\nDQYJKoZIhvcNAQELBQADggEBAGt1YmVwbGF5IGluIGEgYnJvd3NlciB0YWI=\n-----END CERTIFICATE-----\n";
