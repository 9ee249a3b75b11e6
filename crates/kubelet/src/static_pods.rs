//! kubeadm's static pods on the control-plane node, as the mirror pods the kubelet posts:
//! `etcd-<node>`, `kube-apiserver-<node>`, `kube-controller-manager-<node>`,
//! `kube-scheduler-<node>` in kube-system, from manifests shaped like kubeadm v1.37's.

use crate::images::hex_digest;
use serde_json::{json, Value};
use sim::SimTime;

fn host_path(name: &str, path: &str, type_: &str) -> Value {
    json!({"name": name, "hostPath": {"path": path, "type": type_}})
}

fn mount(name: &str, path: &str, read_only: bool) -> Value {
    if read_only {
        json!({"name": name, "mountPath": path, "readOnly": true})
    } else {
        json!({"name": name, "mountPath": path})
    }
}

fn probe(host: &str, path: &str, port: i64, scheme: &str, failure: i64, initial: i64, period: i64) -> Value {
    let mut p = json!({
        "failureThreshold": failure,
        "httpGet": {"host": host, "path": path, "port": port, "scheme": scheme},
        "periodSeconds": period,
        "timeoutSeconds": 15,
    });
    if initial > 0 {
        p["initialDelaySeconds"] = json!(initial);
    }
    p
}

fn ca_volumes() -> (Vec<Value>, Vec<Value>) {
    let vols = vec![
        host_path("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate"),
        host_path("etc-ca-certificates", "/etc/ca-certificates", "DirectoryOrCreate"),
        host_path("k8s-certs", "/etc/kubernetes/pki", "DirectoryOrCreate"),
        host_path(
            "usr-local-share-ca-certificates",
            "/usr/local/share/ca-certificates",
            "DirectoryOrCreate",
        ),
        host_path(
            "usr-share-ca-certificates",
            "/usr/share/ca-certificates",
            "DirectoryOrCreate",
        ),
    ];
    let mounts = vec![
        mount("ca-certs", "/etc/ssl/certs", true),
        mount("etc-ca-certificates", "/etc/ca-certificates", true),
        mount("k8s-certs", "/etc/kubernetes/pki", true),
        mount(
            "usr-local-share-ca-certificates",
            "/usr/local/share/ca-certificates",
            true,
        ),
        mount("usr-share-ca-certificates", "/usr/share/ca-certificates", true),
    ];
    (vols, mounts)
}

/// The four static pods as the file source defines them (before mirror annotations).
pub fn manifests(ip: &str) -> Vec<Value> {
    let etcd_cmd: Vec<String> = [
        "etcd".to_string(),
        format!("--advertise-client-urls=https://{ip}:2379"),
        "--cert-file=/etc/kubernetes/pki/etcd/server.crt".into(),
        "--client-cert-auth=true".into(),
        "--data-dir=/var/lib/etcd".into(),
        "--feature-gates=InitialCorruptCheck=true".into(),
        format!("--initial-advertise-peer-urls=https://{ip}:2380"),
        format!("--initial-cluster=controlplane=https://{ip}:2380"),
        "--key-file=/etc/kubernetes/pki/etcd/server.key".into(),
        format!("--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379"),
        "--listen-metrics-urls=http://127.0.0.1:2381".into(),
        format!("--listen-peer-urls=https://{ip}:2380"),
        "--name=controlplane".into(),
        "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt".into(),
        "--peer-client-cert-auth=true".into(),
        "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key".into(),
        "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt".into(),
        "--snapshot-count=10000".into(),
        "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt".into(),
        "--watch-progress-notify-interval=5s".into(),
    ]
    .to_vec();
    let etcd = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "etcd", "namespace": "kube-system",
            "annotations": {"kubeadm.kubernetes.io/etcd.advertise-client-urls": format!("https://{ip}:2379")},
            "labels": {"component": "etcd", "tier": "control-plane"},
        },
        "spec": {
            "containers": [{
                "name": "etcd",
                "image": "registry.k8s.io/etcd:3.7.2-0",
                "imagePullPolicy": "IfNotPresent",
                "command": etcd_cmd,
                "livenessProbe": probe("127.0.0.1", "/livez", 2381, "HTTP", 8, 10, 10),
                "readinessProbe": probe("127.0.0.1", "/readyz", 2381, "HTTP", 3, 0, 1),
                "startupProbe": probe("127.0.0.1", "/readyz", 2381, "HTTP", 24, 10, 10),
                "resources": {"requests": {"cpu": "100m", "memory": "100Mi"}},
                "volumeMounts": [mount("etcd-data", "/var/lib/etcd", false), mount("etcd-certs", "/etc/kubernetes/pki/etcd", false)],
            }],
            "hostNetwork": true,
            "priority": 2000001000,
            "priorityClassName": "system-node-critical",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "volumes": [
                host_path("etcd-certs", "/etc/kubernetes/pki/etcd", "DirectoryOrCreate"),
                host_path("etcd-data", "/var/lib/etcd", "DirectoryOrCreate"),
            ],
        },
    });
    let (vols, mounts) = ca_volumes();
    let apiserver_cmd: Vec<String> = vec![
        "kube-apiserver".into(),
        format!("--advertise-address={ip}"),
        "--allow-privileged=true".into(),
        "--authorization-mode=Node,RBAC".into(),
        "--client-ca-file=/etc/kubernetes/pki/ca.crt".into(),
        "--enable-admission-plugins=NodeRestriction".into(),
        "--enable-bootstrap-token-auth=true".into(),
        "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt".into(),
        "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt".into(),
        "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key".into(),
        "--etcd-servers=https://127.0.0.1:2379".into(),
        "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt".into(),
        "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key".into(),
        "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname".into(),
        "--proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt".into(),
        "--proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key".into(),
        "--requestheader-allowed-names=front-proxy-client".into(),
        "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt".into(),
        "--requestheader-extra-headers-prefix=X-Remote-Extra-".into(),
        "--requestheader-group-headers=X-Remote-Group".into(),
        "--requestheader-username-headers=X-Remote-User".into(),
        "--secure-port=6443".into(),
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
        "--service-account-key-file=/etc/kubernetes/pki/sa.pub".into(),
        "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key".into(),
        "--service-cluster-ip-range=10.96.0.0/12".into(),
        "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt".into(),
        "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key".into(),
    ];
    let apiserver = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "kube-apiserver", "namespace": "kube-system",
            "annotations": {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": format!("{ip}:6443")},
            "labels": {"component": "kube-apiserver", "tier": "control-plane"},
        },
        "spec": {
            "containers": [{
                "name": "kube-apiserver",
                "image": "registry.k8s.io/kube-apiserver:v1.37.1",
                "imagePullPolicy": "IfNotPresent",
                "command": apiserver_cmd,
                "livenessProbe": probe(ip, "/livez", 6443, "HTTPS", 8, 10, 10),
                "readinessProbe": probe(ip, "/readyz", 6443, "HTTPS", 3, 0, 1),
                "startupProbe": probe(ip, "/livez", 6443, "HTTPS", 24, 10, 10),
                "resources": {"requests": {"cpu": "250m"}},
                "volumeMounts": mounts,
            }],
            "hostNetwork": true,
            "priority": 2000001000,
            "priorityClassName": "system-node-critical",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "volumes": vols,
        },
    });
    let (mut kcm_vols, mut kcm_mounts) = ca_volumes();
    kcm_vols.insert(
        2,
        host_path(
            "flexvolume-dir",
            "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
            "DirectoryOrCreate",
        ),
    );
    kcm_vols.insert(
        4,
        host_path("kubeconfig", "/etc/kubernetes/controller-manager.conf", "FileOrCreate"),
    );
    kcm_mounts.insert(
        2,
        mount(
            "flexvolume-dir",
            "/usr/libexec/kubernetes/kubelet-plugins/volume/exec",
            false,
        ),
    );
    kcm_mounts.insert(4, mount("kubeconfig", "/etc/kubernetes/controller-manager.conf", true));
    let kcm = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "kube-controller-manager", "namespace": "kube-system",
            "labels": {"component": "kube-controller-manager", "tier": "control-plane"},
        },
        "spec": {
            "containers": [{
                "name": "kube-controller-manager",
                "image": "registry.k8s.io/kube-controller-manager:v1.37.1",
                "imagePullPolicy": "IfNotPresent",
                "command": [
                    "kube-controller-manager",
                    "--allocate-node-cidrs=true",
                    "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
                    "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf",
                    "--bind-address=127.0.0.1",
                    "--client-ca-file=/etc/kubernetes/pki/ca.crt",
                    "--cluster-cidr=10.244.0.0/16",
                    "--cluster-name=kubernetes",
                    "--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt",
                    "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key",
                    "--controllers=*,bootstrapsigner,tokencleaner",
                    "--kubeconfig=/etc/kubernetes/controller-manager.conf",
                    "--leader-elect=true",
                    "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
                    "--root-ca-file=/etc/kubernetes/pki/ca.crt",
                    "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
                    "--service-cluster-ip-range=10.96.0.0/12",
                    "--use-service-account-credentials=true",
                ],
                "livenessProbe": probe("127.0.0.1", "/healthz", 10257, "HTTPS", 8, 10, 10),
                "startupProbe": probe("127.0.0.1", "/healthz", 10257, "HTTPS", 24, 10, 10),
                "resources": {"requests": {"cpu": "200m"}},
                "volumeMounts": kcm_mounts,
            }],
            "hostNetwork": true,
            "priority": 2000001000,
            "priorityClassName": "system-node-critical",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "volumes": kcm_vols,
        },
    });
    let scheduler = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "kube-scheduler", "namespace": "kube-system",
            "labels": {"component": "kube-scheduler", "tier": "control-plane"},
        },
        "spec": {
            "containers": [{
                "name": "kube-scheduler",
                "image": "registry.k8s.io/kube-scheduler:v1.37.1",
                "imagePullPolicy": "IfNotPresent",
                "command": [
                    "kube-scheduler",
                    "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
                    "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf",
                    "--bind-address=127.0.0.1",
                    "--kubeconfig=/etc/kubernetes/scheduler.conf",
                    "--leader-elect=true",
                ],
                "livenessProbe": probe("127.0.0.1", "/livez", 10259, "HTTPS", 8, 10, 10),
                "readinessProbe": probe("127.0.0.1", "/readyz", 10259, "HTTPS", 3, 0, 1),
                "startupProbe": probe("127.0.0.1", "/livez", 10259, "HTTPS", 24, 10, 10),
                "resources": {"requests": {"cpu": "100m"}},
                "volumeMounts": [mount("kubeconfig", "/etc/kubernetes/scheduler.conf", true)],
            }],
            "hostNetwork": true,
            "priority": 2000001000,
            "priorityClassName": "system-node-critical",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "volumes": [host_path("kubeconfig", "/etc/kubernetes/scheduler.conf", "FileOrCreate")],
        },
    });
    vec![etcd, apiserver, kcm, scheduler]
}

/// The mirror pods the kubelet posts for its static pods.
pub fn mirror_pods(node: &str, node_uid: &str, ip: &str, seen: SimTime) -> Vec<Value> {
    let seen_stamp = {
        let base = apimachinery::time::format_rfc3339(seen.unix_secs());
        let nanos = seen.unix_millis().rem_euclid(1000) * 1_000_000 + 123_456;
        format!("{}.{nanos:09}Z", base.trim_end_matches('Z'))
    };
    manifests(ip)
        .into_iter()
        .map(|mut pod| {
            let base = pod
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let hash = hex_digest(&format!("{base}\u{0}{}", pod))
                .chars()
                .take(32)
                .collect::<String>();
            pod["metadata"]["name"] = json!(format!("{base}-{node}"));
            if let Some(a) = pod.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
                a.insert("kubernetes.io/config.hash".into(), json!(hash));
                a.insert("kubernetes.io/config.mirror".into(), json!(hash));
                a.insert("kubernetes.io/config.seen".into(), json!(seen_stamp));
                a.insert("kubernetes.io/config.source".into(), json!("file"));
            } else {
                pod["metadata"]["annotations"] = json!({
                    "kubernetes.io/config.hash": hash,
                    "kubernetes.io/config.mirror": hash,
                    "kubernetes.io/config.seen": seen_stamp,
                    "kubernetes.io/config.source": "file",
                });
            }
            pod["metadata"]["ownerReferences"] =
                json!([{"apiVersion": "v1", "controller": true, "kind": "Node", "name": node, "uid": node_uid}]);
            pod["spec"]["nodeName"] = json!(node);
            pod["spec"]["tolerations"] = json!([{"effect": "NoExecute", "operator": "Exists"}]);
            pod
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirror_pods_carry_kubeadm_labels_and_mirror_annotations() {
        let pods = mirror_pods(
            "controlplane",
            "uid-1",
            "192.168.56.10",
            SimTime::from_unix_secs(1_767_225_600),
        );
        let names: Vec<&str> = pods
            .iter()
            .filter_map(|p| p.pointer("/metadata/name").and_then(Value::as_str))
            .collect();
        assert_eq!(
            names,
            vec![
                "etcd-controlplane",
                "kube-apiserver-controlplane",
                "kube-controller-manager-controlplane",
                "kube-scheduler-controlplane"
            ]
        );
        for p in &pods {
            assert_eq!(p["metadata"]["labels"]["tier"], "control-plane");
            assert_eq!(p["metadata"]["annotations"]["kubernetes.io/config.source"], "file");
            assert_eq!(
                p["metadata"]["annotations"]["kubernetes.io/config.hash"],
                p["metadata"]["annotations"]["kubernetes.io/config.mirror"]
            );
            assert_eq!(p["spec"]["hostNetwork"], true);
            assert_eq!(p["spec"]["priorityClassName"], "system-node-critical");
            assert_eq!(p["metadata"]["ownerReferences"][0]["kind"], "Node");
        }
    }
}
