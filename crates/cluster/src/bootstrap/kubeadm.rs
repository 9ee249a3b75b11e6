//! What `kubeadm init` (v1.37) and the controller-manager leave in kube-system and
//! kube-public besides RBAC: the uploaded configurations (kubeadm-config, kubelet-config),
//! the kube-proxy and CoreDNS ConfigMaps, the API server's own ConfigMaps, cluster-info with
//! its JWS signature, the bootstrap token Secret and the kube-system ServiceAccounts.
//!
//! Certificates and signatures are made up: only their shape matters to a learner.

use super::{CONTROL_PLANE_IP, KUBERNETES_VERSION, ROOT_CA_PEM};
use serde_json::{json, Value};

pub const POD_SUBNET: &str = "10.244.0.0/16";
pub const SERVICE_SUBNET: &str = "10.96.0.0/12";
pub const DNS_DOMAIN: &str = "cluster.local";
/// The tenth address of the service range (kubeadm's GetDNSIP).
pub const DNS_SERVICE_IP: &str = "10.96.0.10";

/// The bootstrap token `kubeadm init` printed: `<id>.<secret>` ([a-z0-9]{6}.[a-z0-9]{16}).
pub const BOOTSTRAP_TOKEN_ID: &str = "k7p2xq";
pub const BOOTSTRAP_TOKEN_SECRET: &str = "9f3ma8d2kq0vw5zt";

/// Bootstrap tokens live 24 h (apis/bootstraptoken/v1/defaults.go).
pub const BOOTSTRAP_TOKEN_TTL_SECS: i64 = 24 * 60 * 60;

/// `https://<advertise address>:6443`: kubeadm's control-plane endpoint without controlPlaneEndpoint.
pub fn api_server_url() -> String {
    format!("https://{CONTROL_PLANE_IP}:6443")
}

/// The kube-system ServiceAccounts of the controller-manager's controllers, in the order of a
/// kubeadm cluster's `kubectl get sa -n kube-system` (kubeadm enables the bootstrapsigner and
/// tokencleaner controllers on top of the default set).
pub const CONTROLLER_SERVICE_ACCOUNTS: [&str; 37] = [
    "attachdetach-controller",
    "bootstrap-signer",
    "certificate-controller",
    "clusterrole-aggregation-controller",
    "cronjob-controller",
    "daemon-set-controller",
    "deployment-controller",
    "device-taint-eviction-controller",
    "disruption-controller",
    "endpoint-controller",
    "endpointslice-controller",
    "endpointslicemirroring-controller",
    "ephemeral-volume-controller",
    "expand-controller",
    "generic-garbage-collector",
    "horizontal-pod-autoscaler",
    "job-controller",
    "legacy-service-account-token-cleaner",
    "namespace-controller",
    "node-controller",
    "persistent-volume-binder",
    "pod-garbage-collector",
    "pv-protection-controller",
    "pvc-protection-controller",
    "replicaset-controller",
    "replication-controller",
    "resource-claim-controller",
    "resourcequota-controller",
    "root-ca-cert-publisher",
    "service-account-controller",
    "service-cidrs-controller",
    "statefulset-controller",
    "token-cleaner",
    "ttl-after-finished-controller",
    "ttl-controller",
    "validatingadmissionpolicy-status-controller",
    "volumeattributesclass-protection-controller",
];

fn service_account(namespace: &str, name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}})
}

/// Every ServiceAccount of kube-system except `default`: the controllers' and the add-ons'
/// (coredns, kube-proxy).
pub fn service_accounts() -> Vec<Value> {
    let mut names: Vec<&str> = CONTROLLER_SERVICE_ACCOUNTS.to_vec();
    names.extend(["coredns", "kube-proxy"]);
    names.sort_unstable();
    names.into_iter().map(|n| service_account("kube-system", n)).collect()
}

fn config_map(namespace: &str, name: &str, data: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": namespace},
        "data": data,
    })
}

/// kubeadm-config: the ClusterConfiguration (v1beta4) `kubeadm init` used, as upload-config
/// stores it (defaults filled in, fields sorted).
pub fn kubeadm_config() -> Value {
    let cluster_configuration = format!(
        "apiServer: {{}}\n\
         apiVersion: kubeadm.k8s.io/v1beta4\n\
         caCertificateValidityPeriod: 87600h0m0s\n\
         certificateValidityPeriod: 8760h0m0s\n\
         certificatesDir: /etc/kubernetes/pki\n\
         clusterName: kubernetes\n\
         controllerManager: {{}}\n\
         dns: {{}}\n\
         encryptionAlgorithm: RSA-2048\n\
         etcd:\n  local:\n    dataDir: /var/lib/etcd\n\
         imageRepository: registry.k8s.io\n\
         kind: ClusterConfiguration\n\
         kubernetesVersion: {KUBERNETES_VERSION}\n\
         networking:\n  dnsDomain: {DNS_DOMAIN}\n  podSubnet: {POD_SUBNET}\n  serviceSubnet: {SERVICE_SUBNET}\n\
         proxy: {{}}\n\
         scheduler: {{}}\n"
    );
    config_map(
        "kube-system",
        "kubeadm-config",
        json!({"ClusterConfiguration": cluster_configuration}),
    )
}

/// kubelet-config: the cluster-wide KubeletConfiguration every joining kubelet downloads.
pub fn kubelet_config() -> Value {
    let kubelet = format!(
        "apiVersion: kubelet.config.k8s.io/v1beta1\n\
         authentication:\n  anonymous:\n    enabled: false\n  webhook:\n    cacheTTL: 0s\n    enabled: true\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n\
         authorization:\n  mode: Webhook\n  webhook:\n    cacheAuthorizedTTL: 0s\n    cacheUnauthorizedTTL: 0s\n\
         cgroupDriver: systemd\n\
         clusterDNS:\n- {DNS_SERVICE_IP}\n\
         clusterDomain: {DNS_DOMAIN}\n\
         containerRuntimeEndpoint: \"\"\n\
         cpuManagerReconcilePeriod: 0s\n\
         crashLoopBackOff: {{}}\n\
         evictionPressureTransitionPeriod: 0s\n\
         fileCheckFrequency: 0s\n\
         healthzBindAddress: 127.0.0.1\n\
         healthzPort: 10248\n\
         httpCheckFrequency: 0s\n\
         imageMaximumGCAge: 0s\n\
         imageMinimumGCAge: 0s\n\
         kind: KubeletConfiguration\n\
         logging:\n  flushFrequency: 0\n  options:\n    json:\n      infoBufferSize: \"0\"\n    text:\n      infoBufferSize: \"0\"\n  verbosity: 0\n\
         memorySwap: {{}}\n\
         nodeStatusReportFrequency: 0s\n\
         nodeStatusUpdateFrequency: 0s\n\
         resolvConf: /run/systemd/resolve/resolv.conf\n\
         rotateCertificates: true\n\
         runtimeRequestTimeout: 0s\n\
         shutdownGracePeriod: 0s\n\
         shutdownGracePeriodCriticalPods: 0s\n\
         staticPodPath: /etc/kubernetes/manifests\n\
         streamingConnectionIdleTimeout: 0s\n\
         syncFrequency: 0s\n\
         volumeStatsAggPeriod: 0s\n"
    );
    let mut cm = config_map("kube-system", "kubelet-config", json!({"kubelet": kubelet}));
    // kubeadm signs the component config it uploaded, to notice user edits on upgrade.
    cm["metadata"]["annotations"] = json!({
        "kubeadm.kubernetes.io/component-config.hash":
            "sha256:5c1f0e8a9b7d3e2f4a6c8b0d1e3f5a7c9b2d4e6f8a0c1e3b5d7f9a2c4e6b8d0f",
    });
    cm
}

/// kube-proxy: its KubeProxyConfiguration (config.conf) and the in-cluster kubeconfig
/// (kubeconfig.conf), both block scalars without a final newline (`|-`).
pub fn kube_proxy_config() -> Value {
    let config = format!(
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n\
         bindAddress: 0.0.0.0\n\
         bindAddressHardFail: false\n\
         clientConnection:\n  acceptContentTypes: \"\"\n  burst: 0\n  contentType: \"\"\n  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\n  qps: 0\n\
         clusterCIDR: {POD_SUBNET}\n\
         configSyncPeriod: 0s\n\
         conntrack:\n  maxPerCore: null\n  min: null\n  tcpBeLiberal: false\n  tcpCloseWaitTimeout: null\n  tcpEstablishedTimeout: null\n  udpStreamTimeout: 0s\n  udpTimeout: 0s\n\
         detectLocal:\n  bridgeInterface: \"\"\n  interfaceNamePrefix: \"\"\n\
         detectLocalMode: \"\"\n\
         enableProfiling: false\n\
         healthzBindAddress: \"\"\n\
         hostnameOverride: \"\"\n\
         iptables:\n  localhostNodePorts: null\n  masqueradeAll: false\n  masqueradeBit: null\n  minSyncPeriod: 0s\n  syncPeriod: 0s\n\
         ipvs:\n  excludeCIDRs: null\n  minSyncPeriod: 0s\n  scheduler: \"\"\n  strictARP: false\n  syncPeriod: 0s\n  tcpFinTimeout: 0s\n  tcpTimeout: 0s\n  udpTimeout: 0s\n\
         kind: KubeProxyConfiguration\n\
         logging:\n  flushFrequency: 0\n  options:\n    json:\n      infoBufferSize: \"0\"\n    text:\n      infoBufferSize: \"0\"\n  verbosity: 0\n\
         metricsBindAddress: \"\"\n\
         mode: \"\"\n\
         nftables:\n  masqueradeAll: false\n  masqueradeBit: null\n  minSyncPeriod: 0s\n  syncPeriod: 0s\n\
         nodePortAddresses: null\n\
         oomScoreAdj: null\n\
         portRange: \"\"\n\
         showHiddenMetricsForVersion: \"\"\n\
         winkernel:\n  enableDSR: false\n  forwardHealthCheckVip: false\n  networkName: \"\"\n  rootHnsEndpointName: \"\"\n  sourceVip: \"\""
    );
    let kubeconfig = format!(
        "apiVersion: v1\n\
         kind: Config\n\
         clusters:\n\
         - cluster:\n    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n    server: {}\n  name: default\n\
         contexts:\n\
         - context:\n    cluster: default\n    namespace: default\n    user: default\n  name: default\n\
         current-context: default\n\
         users:\n\
         - name: default\n  user:\n    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token",
        api_server_url()
    );
    let mut cm = config_map(
        "kube-system",
        "kube-proxy",
        json!({"config.conf": config, "kubeconfig.conf": kubeconfig}),
    );
    cm["metadata"]["labels"] = json!({"app": "kube-proxy"});
    cm
}

/// The Corefile kubeadm writes (dns/manifests.go CoreDNSConfigMap, cache options of dns.go).
pub fn corefile() -> String {
    format!(
        ".:53 {{\n    errors\n    health {{\n       lameduck 5s\n    }}\n    ready\n    \
         kubernetes {DNS_DOMAIN} in-addr.arpa ip6.arpa {{\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }}\n    \
         prometheus :9153\n    forward . /etc/resolv.conf {{\n       max_concurrent 1000\n    }}\n    \
         cache 30 {{\n       disable success {DNS_DOMAIN}\n       disable denial {DNS_DOMAIN}\n    }}\n    \
         loop\n    reload\n    loadbalance\n}}\n"
    )
}

pub fn coredns_config() -> Value {
    config_map("kube-system", "coredns", json!({"Corefile": corefile()}))
}

/// The front-proxy CA (requestheader-client-ca-file), made up like the cluster CA.
const FRONT_PROXY_CA_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIDCzCCAfOgAwIBAgIIM0ZyUHJveHlDQTANBgkqhkiG9w0BAQsFADAZMRcwFQYD\nVQQDEw5mcm9udC1wcm94eS1jYTAeFw0yNjAxMDEwMDAwMDBaFw0zNTEyMzAwMDAw\nMDBaMBkxFzAVBgNVBAMTDmZyb250LXByb3h5LWNhMIIBIjANBgkqhkiG9w0BAQEF\nAAOCAQ8AMIIBCgKCAQEAa3ViZXBsYXkgZnJvbnQgcHJveHkgQ0EgLS0gbm90IGEg\ncmVhbCBrZXkga3ViZXBsYXkga3ViZXBsYXkga3ViZXBsYXkga3ViZXBsYXkgZnJv\nbnQgcHJveHkwDQYJKoZIhvcNAQELBQADggEBAGt1YmVwbGF5IGZyb250IHByb3h5\n-----END CERTIFICATE-----\n";

/// extension-apiserver-authentication: what the API server publishes for aggregated API
/// servers (its client CA and the front-proxy request-header settings kubeadm configures).
pub fn extension_apiserver_authentication() -> Value {
    config_map(
        "kube-system",
        "extension-apiserver-authentication",
        json!({
            "client-ca-file": ROOT_CA_PEM,
            "requestheader-allowed-names": "[\"front-proxy-client\"]",
            "requestheader-client-ca-file": FRONT_PROXY_CA_PEM,
            "requestheader-extra-headers-prefix": "[\"X-Remote-Extra-\"]",
            "requestheader-group-headers": "[\"X-Remote-Group\"]",
            "requestheader-username-headers": "[\"X-Remote-User\"]",
        }),
    )
}

/// The date (UTC, YYYY-MM-DD) legacy service-account token tracking started: the day the
/// API server first ran.
pub fn legacy_token_tracking(now_unix_secs: i64) -> Value {
    let day = apimachinery::time::format_rfc3339(now_unix_secs);
    let since = day.get(..10).unwrap_or(&day).to_string();
    config_map(
        "kube-system",
        "kube-apiserver-legacy-service-account-token-tracking",
        json!({"since": since}),
    )
}

/// cluster-info in kube-public: the insecure kubeconfig joining nodes read, and the
/// bootstrap-signer's detached JWS over it for each signing token.
pub fn cluster_info() -> Value {
    let kubeconfig = format!(
        "apiVersion: v1\n\
         clusters:\n\
         - cluster:\n    certificate-authority-data: {}\n    server: {}\n  name: \"\"\n\
         contexts: null\n\
         current-context: \"\"\n\
         kind: Config\n\
         preferences: {{}}\n\
         users: null\n",
        base64_encode(ROOT_CA_PEM.as_bytes()),
        api_server_url()
    );
    let mut data = serde_json::Map::new();
    data.insert(format!("jws-kubeconfig-{BOOTSTRAP_TOKEN_ID}"), json!(JWS_SIGNATURE));
    data.insert("kubeconfig".into(), json!(kubeconfig));
    config_map("kube-public", "cluster-info", Value::Object(data))
}

/// A detached JWS (header..signature, HS256), made up.
const JWS_SIGNATURE: &str = "eyJhbGciOiJIUzI1NiIsImtpZCI6Ims3cDJ4cSJ9..Xq3vN8b1kP0yZr7Tf2Wc5Ls9Hd4Gm6Ja0Ue8Ro1Ii3Y";

/// The Secret backing the bootstrap token, created at `now_unix_secs`, valid 24 h.
pub fn bootstrap_token_secret(now_unix_secs: i64) -> Value {
    let expiration = apimachinery::time::format_rfc3339(now_unix_secs + BOOTSTRAP_TOKEN_TTL_SECS);
    let fields: [(&str, &str); 7] = [
        ("auth-extra-groups", super::rbac::BOOTSTRAP_TOKEN_GROUP),
        (
            "description",
            "The default bootstrap token generated by 'kubeadm init'.",
        ),
        ("expiration", &expiration),
        ("token-id", BOOTSTRAP_TOKEN_ID),
        ("token-secret", BOOTSTRAP_TOKEN_SECRET),
        ("usage-bootstrap-authentication", "true"),
        ("usage-bootstrap-signing", "true"),
    ];
    let mut data = serde_json::Map::new();
    for (k, v) in fields {
        data.insert(k.to_string(), json!(base64_encode(v.as_bytes())));
    }
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": format!("bootstrap-token-{BOOTSTRAP_TOKEN_ID}"), "namespace": "kube-system"},
        "type": "bootstrap.kubernetes.io/token",
        "data": data,
    })
}

/// Every ConfigMap kubeadm and the API server create (not kube-root-ca.crt, which the
/// root-ca-cert-publisher adds per namespace), in creation order.
pub fn config_maps(now_unix_secs: i64) -> Vec<Value> {
    vec![
        extension_apiserver_authentication(),
        legacy_token_tracking(now_unix_secs),
        kubeadm_config(),
        kubelet_config(),
        cluster_info(),
        coredns_config(),
        kube_proxy_config(),
    ]
}

/// Everything of this module, in creation order.
pub fn all(now_unix_secs: i64) -> Vec<Value> {
    let mut out = config_maps(now_unix_secs);
    out.push(bootstrap_token_secret(now_unix_secs));
    out.extend(service_accounts());
    out
}

/// Standard base64 with padding (what Secret data holds).
fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, s) in sextets.iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET.get(*s as usize).copied().unwrap_or(b'=')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("true", "dHJ1ZQ=="),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), encoded, "{plain}");
        }
    }

    #[test]
    fn bootstrap_token_expires_a_day_after_creation() {
        let s = bootstrap_token_secret(1_767_225_600);
        assert_eq!(s["metadata"]["name"], "bootstrap-token-k7p2xq");
        assert_eq!(s["type"], "bootstrap.kubernetes.io/token");
        // "2026-01-02T00:00:00Z"
        assert_eq!(s["data"]["expiration"], base64_encode(b"2026-01-02T00:00:00Z"));
        assert_eq!(s["data"]["usage-bootstrap-signing"], "dHJ1ZQ==");
    }

    #[test]
    fn corefile_is_the_kubeadm_default_with_cluster_local_cache_exclusions() {
        let c = corefile();
        assert!(c.starts_with(".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n"));
        assert!(c.contains("    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n"));
        assert!(c.contains(
            "    cache 30 {\n       disable success cluster.local\n       disable denial cluster.local\n    }\n"
        ));
        assert!(c.ends_with("    loop\n    reload\n    loadbalance\n}\n"));
    }

    #[test]
    fn kubeadm_config_names_the_version_and_networks() {
        let cm = kubeadm_config();
        let cfg = cm["data"]["ClusterConfiguration"].as_str().unwrap();
        assert!(cfg.contains("kubernetesVersion: v1.37.1\n"), "{cfg}");
        assert!(cfg.contains(
            "networking:\n  dnsDomain: cluster.local\n  podSubnet: 10.244.0.0/16\n  serviceSubnet: 10.96.0.0/12\n"
        ));
    }

    #[test]
    fn kube_proxy_config_has_no_trailing_newline_and_points_at_the_api_server() {
        let cm = kube_proxy_config();
        let conf = cm["data"]["config.conf"].as_str().unwrap();
        assert!(conf.ends_with("sourceVip: \"\""));
        assert!(conf.contains("clusterCIDR: 10.244.0.0/16\n"));
        let kc = cm["data"]["kubeconfig.conf"].as_str().unwrap();
        assert!(kc.contains(&format!("server: {}\n", api_server_url())));
        assert!(kc.ends_with("tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token"));
    }

    #[test]
    fn cluster_info_has_the_jws_key_of_the_token() {
        let cm = cluster_info();
        assert!(cm["data"]["jws-kubeconfig-k7p2xq"].is_string());
        assert!(cm["data"]["kubeconfig"]
            .as_str()
            .unwrap()
            .contains(&format!("server: {}\n", api_server_url())));
    }

    #[test]
    fn token_tracking_records_the_day() {
        assert_eq!(
            legacy_token_tracking(1_767_225_600 + 3600)["data"]["since"],
            "2026-01-01"
        );
    }

    #[test]
    fn service_accounts_are_sorted_and_include_the_addons() {
        let sas = service_accounts();
        let names: Vec<&str> = sas.iter().map(|s| s["metadata"]["name"].as_str().unwrap()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert!(names.contains(&"coredns") && names.contains(&"kube-proxy") && names.contains(&"token-cleaner"));
        assert_eq!(names.len(), 39);
    }
}
