//! metrics-server v0.8.0 as its release `components.yaml` installs it (manifests/base of
//! kubernetes-sigs/metrics-server, rendered by kustomize: `commonLabels: k8s-app:
//! metrics-server` on every object and selector, the image renamed to registry.k8s.io, the
//! objects in kustomize's kind order). Playgrounds apply it on top of kubeadm; the cluster
//! serves `metrics.k8s.io` from it (see `crate::metrics`).

use serde_json::{json, Value};

pub const METRICS_SERVER_VERSION: &str = "v0.8.0";

pub fn metrics_server_image() -> String {
    format!("registry.k8s.io/metrics-server/metrics-server:{METRICS_SERVER_VERSION}")
}

/// The `k8s-app` label value every object (and the pods) carry.
pub const APP_LABEL: &str = "metrics-server";

/// The APIService that registers the aggregated API.
pub const API_SERVICE_NAME: &str = "v1beta1.metrics.k8s.io";

fn labels() -> Value {
    json!({"k8s-app": APP_LABEL})
}

fn subject() -> Value {
    json!([{"kind": "ServiceAccount", "name": "metrics-server", "namespace": "kube-system"}])
}

/// Every object of components.yaml, in its order.
pub fn all() -> Vec<Value> {
    vec![
        json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"labels": labels(), "name": "metrics-server", "namespace": "kube-system"},
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {
                "labels": {
                    "k8s-app": APP_LABEL,
                    "rbac.authorization.k8s.io/aggregate-to-admin": "true",
                    "rbac.authorization.k8s.io/aggregate-to-edit": "true",
                    "rbac.authorization.k8s.io/aggregate-to-view": "true",
                },
                "name": "system:aggregated-metrics-reader",
            },
            "rules": [{"apiGroups": ["metrics.k8s.io"], "resources": ["pods", "nodes"], "verbs": ["get", "list", "watch"]}],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"labels": labels(), "name": "system:metrics-server"},
            "rules": [
                {"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]},
                {"apiGroups": [""], "resources": ["pods", "nodes"], "verbs": ["get", "list", "watch"]},
            ],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"labels": labels(), "name": "metrics-server-auth-reader", "namespace": "kube-system"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "extension-apiserver-authentication-reader"},
            "subjects": subject(),
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"labels": labels(), "name": "metrics-server:system:auth-delegator"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:auth-delegator"},
            "subjects": subject(),
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"labels": labels(), "name": "system:metrics-server"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:metrics-server"},
            "subjects": subject(),
        }),
        json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"labels": labels(), "name": "metrics-server", "namespace": "kube-system"},
            "spec": {
                "ports": [{"appProtocol": "https", "name": "https", "port": 443, "protocol": "TCP", "targetPort": "https"}],
                "selector": labels(),
            },
        }),
        deployment(),
        json!({
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {"labels": labels(), "name": API_SERVICE_NAME},
            "spec": {
                "group": "metrics.k8s.io",
                "groupPriorityMinimum": 100,
                "insecureSkipTLSVerify": true,
                "service": {"name": "metrics-server", "namespace": "kube-system"},
                "version": "v1beta1",
                "versionPriority": 100,
            },
        }),
    ]
}

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"labels": labels(), "name": "metrics-server", "namespace": "kube-system"},
        "spec": {
            "selector": {"matchLabels": labels()},
            "strategy": {"rollingUpdate": {"maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": labels()},
                "spec": {
                    "containers": [{
                        "args": [
                            "--cert-dir=/tmp",
                            "--secure-port=10250",
                            "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                            "--kubelet-use-node-status-port",
                            "--metric-resolution=15s",
                        ],
                        "image": metrics_server_image(),
                        "imagePullPolicy": "IfNotPresent",
                        "livenessProbe": {
                            "failureThreshold": 3,
                            "httpGet": {"path": "/livez", "port": "https", "scheme": "HTTPS"},
                            "periodSeconds": 10,
                        },
                        "name": "metrics-server",
                        "ports": [{"containerPort": 10250, "name": "https", "protocol": "TCP"}],
                        "readinessProbe": {
                            "failureThreshold": 3,
                            "httpGet": {"path": "/readyz", "port": "https", "scheme": "HTTPS"},
                            "initialDelaySeconds": 20,
                            "periodSeconds": 10,
                        },
                        "resources": {"requests": {"cpu": "100m", "memory": "200Mi"}},
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "capabilities": {"drop": ["ALL"]},
                            "readOnlyRootFilesystem": true,
                            "runAsNonRoot": true,
                            "runAsUser": 1000,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "volumeMounts": [{"mountPath": "/tmp", "name": "tmp-dir"}],
                    }],
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "priorityClassName": "system-cluster-critical",
                    "serviceAccountName": "metrics-server",
                    "volumes": [{"emptyDir": {}, "name": "tmp-dir"}],
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_come_in_components_yaml_order() {
        let kinds: Vec<String> = all()
            .iter()
            .map(|o| {
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "ServiceAccount/metrics-server",
                "ClusterRole/system:aggregated-metrics-reader",
                "ClusterRole/system:metrics-server",
                "RoleBinding/metrics-server-auth-reader",
                "ClusterRoleBinding/metrics-server:system:auth-delegator",
                "ClusterRoleBinding/system:metrics-server",
                "Service/metrics-server",
                "Deployment/metrics-server",
                "APIService/v1beta1.metrics.k8s.io",
            ]
        );
    }

    #[test]
    fn every_object_carries_the_common_label() {
        for o in all() {
            assert_eq!(o["metadata"]["labels"]["k8s-app"], APP_LABEL, "{o}");
        }
    }

    #[test]
    fn the_deployment_runs_the_release_image_as_a_critical_pod() {
        let d = deployment();
        let pod = &d["spec"]["template"]["spec"];
        assert_eq!(
            pod["containers"][0]["image"],
            "registry.k8s.io/metrics-server/metrics-server:v0.8.0"
        );
        assert_eq!(pod["priorityClassName"], "system-cluster-critical");
        assert_eq!(
            d["spec"]["template"]["metadata"]["labels"],
            d["spec"]["selector"]["matchLabels"]
        );
    }
}
