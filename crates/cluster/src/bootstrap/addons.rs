//! The add-ons of a fresh cluster: what kubeadm v1.37 applies (CoreDNS Deployment and the
//! kube-dns Service, cmd/kubeadm/app/phases/addons/dns/manifests.go; the kube-proxy
//! DaemonSet, addons/proxy/manifests.go) and the flannel CNI (kube-flannel.yml v0.27.4)
//! the seeds install with `kubectl apply -f kube-flannel.yml`.
//!
//! Field values are the manifests' own; the API server adds the defaults.

use super::kubeadm::{DNS_SERVICE_IP, POD_SUBNET};
use super::KUBERNETES_VERSION;
use serde_json::{json, Value};

/// The CoreDNS version kubeadm v1.37 pins (constants.CoreDNSVersion).
pub const COREDNS_VERSION: &str = "v1.14.7";
pub const FLANNEL_VERSION: &str = "v0.27.4";
pub const FLANNEL_CNI_PLUGIN_VERSION: &str = "v1.8.0-flannel1";

pub fn coredns_image() -> String {
    format!("registry.k8s.io/coredns/coredns:{COREDNS_VERSION}")
}

pub fn kube_proxy_image() -> String {
    format!("registry.k8s.io/kube-proxy:{KUBERNETES_VERSION}")
}

pub fn flannel_image() -> String {
    format!("ghcr.io/flannel-io/flannel:{FLANNEL_VERSION}")
}

/// The CoreDNS Deployment (2 replicas) as kubeadm creates it.
pub fn coredns_deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
        "spec": {
            "replicas": 2,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-dns"}},
                "spec": {
                    "priorityClassName": "system-cluster-critical",
                    "serviceAccountName": "coredns",
                    "affinity": {
                        "podAntiAffinity": {
                            "preferredDuringSchedulingIgnoredDuringExecution": [{
                                "weight": 100,
                                "podAffinityTerm": {
                                    "labelSelector": {
                                        "matchExpressions": [{"key": "k8s-app", "operator": "In", "values": ["kube-dns"]}],
                                    },
                                    "topologyKey": "kubernetes.io/hostname",
                                },
                            }],
                        },
                    },
                    "tolerations": [
                        {"key": "CriticalAddonsOnly", "operator": "Exists"},
                        {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                    ],
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "containers": [{
                        "name": "coredns",
                        "image": coredns_image(),
                        "imagePullPolicy": "IfNotPresent",
                        "resources": {
                            "limits": {"memory": "170Mi"},
                            "requests": {"cpu": "100m", "memory": "70Mi"},
                        },
                        "args": ["-conf", "/etc/coredns/Corefile"],
                        "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": true}],
                        "ports": [
                            {"containerPort": 53, "name": "dns", "protocol": "UDP"},
                            {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                            {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                            {"containerPort": 8080, "name": "liveness-probe", "protocol": "TCP"},
                            {"containerPort": 8181, "name": "readiness-probe", "protocol": "TCP"},
                        ],
                        "livenessProbe": {
                            "httpGet": {"path": "/health", "port": "liveness-probe", "scheme": "HTTP"},
                            "initialDelaySeconds": 60,
                            "timeoutSeconds": 5,
                            "successThreshold": 1,
                            "failureThreshold": 5,
                        },
                        "readinessProbe": {
                            "httpGet": {"path": "/ready", "port": "readiness-probe", "scheme": "HTTP"},
                        },
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                            "readOnlyRootFilesystem": true,
                        },
                    }],
                    "dnsPolicy": "Default",
                    "volumes": [{
                        "name": "config-volume",
                        "configMap": {"name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}]},
                    }],
                },
            },
        },
    })
}

/// The kube-dns Service at the tenth address of the service range.
pub fn kube_dns_service() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": "kube-dns",
            "namespace": "kube-system",
            "labels": {
                "k8s-app": "kube-dns",
                "kubernetes.io/cluster-service": "true",
                "kubernetes.io/name": "CoreDNS",
            },
            "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
        },
        "spec": {
            "clusterIP": DNS_SERVICE_IP,
            "ports": [
                {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153},
            ],
            "selector": {"k8s-app": "kube-dns"},
        },
    })
}

/// The kube-proxy DaemonSet: one privileged host-network Pod per Linux node.
pub fn kube_proxy_daemon_set() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "kube-proxy", "namespace": "kube-system", "labels": {"k8s-app": "kube-proxy"}},
        "spec": {
            "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
            "updateStrategy": {"type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-proxy"}},
                "spec": {
                    "priorityClassName": "system-node-critical",
                    "containers": [{
                        "name": "kube-proxy",
                        "image": kube_proxy_image(),
                        "imagePullPolicy": "IfNotPresent",
                        "command": [
                            "/usr/local/bin/kube-proxy",
                            "--config=/var/lib/kube-proxy/config.conf",
                            "--hostname-override=$(NODE_NAME)",
                        ],
                        "securityContext": {"privileged": true},
                        "volumeMounts": [
                            {"mountPath": "/var/lib/kube-proxy", "name": "kube-proxy"},
                            {"mountPath": "/run/xtables.lock", "name": "xtables-lock", "readOnly": false},
                            {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": true},
                        ],
                        "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
                    }],
                    "hostNetwork": true,
                    "serviceAccountName": "kube-proxy",
                    "volumes": [
                        {"name": "kube-proxy", "configMap": {"name": "kube-proxy"}},
                        {"name": "xtables-lock", "hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}},
                        {"name": "lib-modules", "hostPath": {"path": "/lib/modules"}},
                    ],
                    "tolerations": [{"operator": "Exists"}],
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                },
            },
        },
    })
}

fn flannel_labels() -> Value {
    json!({"app": "flannel", "k8s-app": "flannel", "tier": "node"})
}

/// The kube-flannel namespace, privileged for Pod Security admission.
pub fn flannel_namespace() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": "kube-flannel",
            "labels": {"k8s-app": "flannel", "pod-security.kubernetes.io/enforce": "privileged"},
        },
    })
}

pub fn flannel_service_account() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "flannel", "namespace": "kube-flannel", "labels": {"k8s-app": "flannel"}},
    })
}

/// kube-flannel-cfg: the CNI config the init container installs and flanneld's network.
pub fn flannel_config_map() -> Value {
    let cni_conf = "{\n  \"name\": \"cbr0\",\n  \"cniVersion\": \"0.3.1\",\n  \"plugins\": [\n    {\n      \"type\": \"flannel\",\n      \"delegate\": {\n        \"hairpinMode\": true,\n        \"isDefaultGateway\": true\n      }\n    },\n    {\n      \"type\": \"portmap\",\n      \"capabilities\": {\n        \"portMappings\": true\n      }\n    }\n  ]\n}\n";
    let net_conf = format!(
        "{{\n  \"Network\": \"{POD_SUBNET}\",\n  \"EnableNFTables\": false,\n  \"Backend\": {{\n    \"Type\": \"vxlan\"\n  }}\n}}\n"
    );
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "kube-flannel-cfg", "namespace": "kube-flannel", "labels": flannel_labels()},
        "data": {"cni-conf.json": cni_conf, "net-conf.json": net_conf},
    })
}

/// kube-flannel-ds: flanneld on every Linux node, after two init containers install the CNI
/// plugin binary and its config.
pub fn flannel_daemon_set() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "kube-flannel-ds", "namespace": "kube-flannel", "labels": flannel_labels()},
        "spec": {
            "selector": {"matchLabels": {"app": "flannel", "k8s-app": "flannel"}},
            "template": {
                "metadata": {"labels": flannel_labels()},
                "spec": {
                    "affinity": {
                        "nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [{
                                    "matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}],
                                }],
                            },
                        },
                    },
                    "containers": [{
                        "args": ["--ip-masq", "--kube-subnet-mgr"],
                        "command": ["/opt/bin/flanneld"],
                        "env": [
                            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                            {"name": "EVENT_QUEUE_DEPTH", "value": "5000"},
                            {"name": "CONT_WHEN_CACHE_NOT_READY", "value": "false"},
                        ],
                        "image": flannel_image(),
                        "name": "kube-flannel",
                        "resources": {"requests": {"cpu": "100m", "memory": "50Mi"}},
                        "securityContext": {"capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}, "privileged": false},
                        "volumeMounts": [
                            {"mountPath": "/run/flannel", "name": "run"},
                            {"mountPath": "/etc/kube-flannel/", "name": "flannel-cfg"},
                            {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                        ],
                    }],
                    "hostNetwork": true,
                    "initContainers": [
                        {
                            "args": ["-f", "/flannel", "/opt/cni/bin/flannel"],
                            "command": ["cp"],
                            "image": format!("ghcr.io/flannel-io/flannel-cni-plugin:{FLANNEL_CNI_PLUGIN_VERSION}"),
                            "name": "install-cni-plugin",
                            "volumeMounts": [{"mountPath": "/opt/cni/bin", "name": "cni-plugin"}],
                        },
                        {
                            "args": ["-f", "/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"],
                            "command": ["cp"],
                            "image": flannel_image(),
                            "name": "install-cni",
                            "volumeMounts": [
                                {"mountPath": "/etc/cni/net.d", "name": "cni"},
                                {"mountPath": "/etc/kube-flannel/", "name": "flannel-cfg"},
                            ],
                        },
                    ],
                    "priorityClassName": "system-node-critical",
                    "serviceAccountName": "flannel",
                    "tolerations": [{"effect": "NoSchedule", "operator": "Exists"}],
                    "volumes": [
                        {"hostPath": {"path": "/run/flannel"}, "name": "run"},
                        {"hostPath": {"path": "/opt/cni/bin"}, "name": "cni-plugin"},
                        {"hostPath": {"path": "/etc/cni/net.d"}, "name": "cni"},
                        {"configMap": {"name": "kube-flannel-cfg"}, "name": "flannel-cfg"},
                        {"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}, "name": "xtables-lock"},
                    ],
                },
            },
        },
    })
}

/// kubeadm's add-ons: CoreDNS (Deployment, Service) then kube-proxy (DaemonSet). Their
/// ConfigMaps, ServiceAccounts and RBAC come from the kubeadm and rbac modules.
pub fn kubeadm_addons() -> Vec<Value> {
    vec![coredns_deployment(), kube_dns_service(), kube_proxy_daemon_set()]
}

/// flannel in kube-flannel.yml order, without its ClusterRole/Binding (rbac::flannel_rbac):
/// Namespace, ServiceAccount, ConfigMap, DaemonSet.
pub fn flannel() -> Vec<Value> {
    vec![
        flannel_namespace(),
        flannel_service_account(),
        flannel_config_map(),
        flannel_daemon_set(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_the_pinned_versions() {
        assert_eq!(
            coredns_deployment()["spec"]["template"]["spec"]["containers"][0]["image"],
            "registry.k8s.io/coredns/coredns:v1.14.7"
        );
        assert_eq!(
            kube_proxy_daemon_set()["spec"]["template"]["spec"]["containers"][0]["image"],
            "registry.k8s.io/kube-proxy:v1.37.1"
        );
        let ds = flannel_daemon_set();
        assert_eq!(
            ds["spec"]["template"]["spec"]["containers"][0]["image"],
            "ghcr.io/flannel-io/flannel:v0.27.4"
        );
        assert_eq!(
            ds["spec"]["template"]["spec"]["initContainers"][0]["image"],
            "ghcr.io/flannel-io/flannel-cni-plugin:v1.8.0-flannel1"
        );
    }

    #[test]
    fn kube_dns_service_sits_at_the_tenth_service_address_with_three_ports() {
        let svc = kube_dns_service();
        assert_eq!(svc["spec"]["clusterIP"], "10.96.0.10");
        let names: Vec<&str> = svc["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["dns", "dns-tcp", "metrics"]);
    }

    #[test]
    fn selectors_match_their_templates() {
        for obj in [coredns_deployment(), kube_proxy_daemon_set(), flannel_daemon_set()] {
            let sel = obj["spec"]["selector"]["matchLabels"].as_object().unwrap();
            for (k, v) in sel {
                assert_eq!(
                    &obj["spec"]["template"]["metadata"]["labels"][k], v,
                    "{}",
                    obj["metadata"]["name"]
                );
            }
        }
    }

    #[test]
    fn flannel_network_is_the_pod_subnet_over_vxlan() {
        let cm = flannel_config_map();
        let net: Value = serde_json::from_str(cm["data"]["net-conf.json"].as_str().unwrap()).unwrap();
        assert_eq!(
            net,
            json!({"Network": "10.244.0.0/16", "EnableNFTables": false, "Backend": {"Type": "vxlan"}})
        );
        let cni: Value = serde_json::from_str(cm["data"]["cni-conf.json"].as_str().unwrap()).unwrap();
        assert_eq!(cni["plugins"][0]["type"], "flannel");
    }
}
