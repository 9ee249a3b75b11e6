//! The RBAC objects of a fresh kubeadm v1.37 cluster: the API server's bootstrap policy
//! (plugin/pkg/auth/authorizer/rbac/bootstrappolicy: policy.go, controller_policy.go,
//! namespace_policy.go and their testdata golden files), what kubeadm adds (bootstrap-token,
//! upload-config, kubelet and kube-proxy phases, CoreDNS add-on), and flannel's.
//!
//! Rules keep the order of the golden files; verbs and resources are sorted there because the
//! rule builder sorts them. Aggregated ClusterRoles (admin, edit, view) carry their
//! aggregationRule and the rules the clusterrole-aggregation controller fills in.
//!
//! Feature-gated rules follow the v1.37 defaults: in are DynamicResourceAllocation,
//! DRADeviceTaints/DRADeviceTaintRules (GA in v1.37), KubeletFineGrainedAuthz,
//! KubeletServiceAccountTokenForCredentialProviders, MultiCIDRServiceAllocator,
//! VolumeAttributesClass, SELinuxChangePolicy and ComponentStatusz; out are alpha gates and
//! those needing an off-by-default beta API (ClusterTrustBundle, PodGroups, Workloads,
//! storage-version GC/migration, ComponentFlagz).

use serde_json::{json, Value};

const CORE: &[&str] = &[""];
const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

const GLW: &[&str] = &["get", "list", "watch"];
const LW: &[&str] = &["list", "watch"];
const CREATE: &[&str] = &["create"];
const GET: &[&str] = &["get"];
const UPDATE: &[&str] = &["update"];
const PU: &[&str] = &["patch", "update"];
const CPU: &[&str] = &["create", "patch", "update"];
/// The write verbs of edit: everything but reading.
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const READ_WRITE: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// Bootstrap token group kubeadm puts every `kubeadm join` token into.
pub const BOOTSTRAP_TOKEN_GROUP: &str = "system:bootstrappers:kubeadm:default-node-token";

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

fn named(groups: &[&str], resources: &[&str], names: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "resourceNames": names, "verbs": verbs})
}

fn urls(paths: &[&str], verbs: &[&str]) -> Value {
    json!({"nonResourceURLs": paths, "verbs": verbs})
}

/// eventsRule() of controller_policy.go: both event APIs.
fn events() -> Value {
    rule(&["", "events.k8s.io"], &["events"], CPU)
}

fn bootstrap_meta(name: &str, namespace: Option<&str>, extra_labels: &[(&str, &str)]) -> Value {
    let mut labels = serde_json::Map::new();
    labels.insert("kubernetes.io/bootstrapping".into(), json!("rbac-defaults"));
    for (k, v) in extra_labels {
        labels.insert((*k).into(), json!(v));
    }
    let mut meta = json!({
        "name": name,
        "labels": labels,
        "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
    });
    if let (Some(ns), Some(m)) = (namespace, meta.as_object_mut()) {
        m.insert("namespace".into(), json!(ns));
    }
    meta
}

fn bootstrap_cluster_role(name: &str, extra_labels: &[(&str, &str)], rules: Vec<Value>) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": bootstrap_meta(name, None, extra_labels),
        "rules": rules,
    })
}

/// A ClusterRole filled by aggregation of every ClusterRole labelled `aggregate-to-<to>: "true"`.
fn aggregated_cluster_role(name: &str, to: &str, extra_labels: &[(&str, &str)]) -> Value {
    let mut role = bootstrap_cluster_role(name, extra_labels, Vec::new());
    role["aggregationRule"] = json!({
        "clusterRoleSelectors": [{"matchLabels": {format!("rbac.authorization.k8s.io/aggregate-to-{to}"): "true"}}],
    });
    role
}

fn role(name: &str, namespace: &str, rules: Vec<Value>) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": bootstrap_meta(name, Some(namespace), &[]),
        "rules": rules,
    })
}

fn group(name: &str) -> Value {
    json!({"apiGroup": RBAC_GROUP, "kind": "Group", "name": name})
}

fn user(name: &str) -> Value {
    json!({"apiGroup": RBAC_GROUP, "kind": "User", "name": name})
}

fn service_account(namespace: &str, name: &str) -> Value {
    json!({"kind": "ServiceAccount", "name": name, "namespace": namespace})
}

fn role_ref(kind: &str, name: &str) -> Value {
    json!({"apiGroup": RBAC_GROUP, "kind": kind, "name": name})
}

fn bootstrap_cluster_role_binding(name: &str, subjects: Vec<Value>) -> Value {
    let mut binding = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": bootstrap_meta(name, None, &[]),
        "roleRef": role_ref("ClusterRole", name),
    });
    // system:node is bound to nobody (the Node authorizer serves kubelets): no subjects field.
    if !subjects.is_empty() {
        binding["subjects"] = Value::Array(subjects);
    }
    binding
}

fn bootstrap_role_binding(name: &str, namespace: &str, role_name: &str, subjects: Vec<Value>) -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": bootstrap_meta(name, Some(namespace), &[]),
        "roleRef": role_ref("Role", role_name),
        "subjects": subjects,
    })
}

/// A plain (non-bootstrap) object as kubeadm or an add-on manifest writes it.
fn plain(kind: &str, name: &str, namespace: Option<&str>, labels: Option<Value>) -> Value {
    let mut meta = json!({"name": name});
    if let Some(ns) = namespace {
        meta["namespace"] = json!(ns);
    }
    if let Some(l) = labels {
        meta["labels"] = l;
    }
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": meta})
}

fn plain_rules(kind: &str, name: &str, namespace: Option<&str>, labels: Option<Value>, rules: Vec<Value>) -> Value {
    let mut obj = plain(kind, name, namespace, labels);
    obj["rules"] = Value::Array(rules);
    obj
}

fn plain_binding(
    kind: &str,
    name: &str,
    namespace: Option<&str>,
    labels: Option<Value>,
    role_ref_: Value,
    subjects: Vec<Value>,
) -> Value {
    let mut obj = plain(kind, name, namespace, labels);
    obj["roleRef"] = role_ref_;
    obj["subjects"] = Value::Array(subjects);
    obj
}

/// ClusterRoles of policy.go (testdata/cluster-roles.yaml), aggregated rules filled in.
pub fn bootstrap_cluster_roles() -> Vec<Value> {
    let authn = "authentication.k8s.io";
    let authz = "authorization.k8s.io";
    let certs = "certificates.k8s.io";
    let storage = "storage.k8s.io";
    let coord = "coordination.k8s.io";
    let resource = "resource.k8s.io";
    let approver = |name: &str, signer: &str| {
        bootstrap_cluster_role(name, &[], vec![named(&[certs], &["signers"], &[signer], &["approve"])])
    };
    let mut roles = vec![
        aggregated_cluster_role("admin", "admin", &[]),
        bootstrap_cluster_role(
            "cluster-admin",
            &[],
            vec![rule(&["*"], &["*"], &["*"]), urls(&["*"], &["*"])],
        ),
        aggregated_cluster_role(
            "edit",
            "edit",
            &[("rbac.authorization.k8s.io/aggregate-to-admin", "true")],
        ),
        bootstrap_cluster_role(
            "system:aggregate-to-admin",
            &[("rbac.authorization.k8s.io/aggregate-to-admin", "true")],
            vec![
                rule(&[authz], &["localsubjectaccessreviews"], CREATE),
                rule(&[RBAC_GROUP], &["rolebindings", "roles"], READ_WRITE),
            ],
        ),
        bootstrap_cluster_role(
            "system:aggregate-to-edit",
            &[("rbac.authorization.k8s.io/aggregate-to-edit", "true")],
            vec![
                rule(
                    CORE,
                    &[
                        "pods/attach",
                        "pods/exec",
                        "pods/portforward",
                        "pods/proxy",
                        "secrets",
                        "services/proxy",
                    ],
                    GLW,
                ),
                rule(CORE, &["serviceaccounts"], &["impersonate"]),
                rule(
                    CORE,
                    &["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"],
                    WRITE,
                ),
                rule(CORE, &["pods/eviction"], CREATE),
                rule(
                    CORE,
                    &[
                        "configmaps",
                        "events",
                        "persistentvolumeclaims",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "secrets",
                        "serviceaccounts",
                        "services",
                        "services/proxy",
                    ],
                    WRITE,
                ),
                rule(CORE, &["serviceaccounts/token"], CREATE),
                rule(
                    &["apps"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "replicasets",
                        "replicasets/scale",
                        "statefulsets",
                        "statefulsets/scale",
                    ],
                    WRITE,
                ),
                rule(&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
                rule(&["batch"], &["cronjobs", "jobs"], WRITE),
                rule(
                    &["extensions"],
                    &[
                        "daemonsets",
                        "deployments",
                        "deployments/rollback",
                        "deployments/scale",
                        "ingresses",
                        "networkpolicies",
                        "replicasets",
                        "replicasets/scale",
                        "replicationcontrollers/scale",
                    ],
                    WRITE,
                ),
                rule(&["policy"], &["poddisruptionbudgets"], WRITE),
                rule(&["networking.k8s.io"], &["ingresses", "networkpolicies"], WRITE),
                rule(&[coord], &["leases"], READ_WRITE),
                rule(&[resource], &["resourceclaims", "resourceclaimtemplates"], WRITE),
            ],
        ),
        bootstrap_cluster_role(
            "system:aggregate-to-view",
            &[("rbac.authorization.k8s.io/aggregate-to-view", "true")],
            vec![
                rule(
                    CORE,
                    &[
                        "configmaps",
                        "endpoints",
                        "persistentvolumeclaims",
                        "persistentvolumeclaims/status",
                        "pods",
                        "replicationcontrollers",
                        "replicationcontrollers/scale",
                        "serviceaccounts",
                        "services",
                        "services/status",
                    ],
                    GLW,
                ),
                rule(
                    CORE,
                    &[
                        "bindings",
                        "events",
                        "limitranges",
                        "namespaces/status",
                        "pods/log",
                        "pods/status",
                        "replicationcontrollers/status",
                        "resourcequotas",
                        "resourcequotas/status",
                    ],
                    GLW,
                ),
                rule(CORE, &["namespaces"], GLW),
                rule(&["discovery.k8s.io"], &["endpointslices"], GLW),
                rule(
                    &["apps"],
                    &[
                        "controllerrevisions",
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "statefulsets",
                        "statefulsets/scale",
                        "statefulsets/status",
                    ],
                    GLW,
                ),
                rule(
                    &["autoscaling"],
                    &["horizontalpodautoscalers", "horizontalpodautoscalers/status"],
                    GLW,
                ),
                rule(&["batch"], &["cronjobs", "cronjobs/status", "jobs", "jobs/status"], GLW),
                rule(
                    &["extensions"],
                    &[
                        "daemonsets",
                        "daemonsets/status",
                        "deployments",
                        "deployments/scale",
                        "deployments/status",
                        "ingresses",
                        "ingresses/status",
                        "networkpolicies",
                        "replicasets",
                        "replicasets/scale",
                        "replicasets/status",
                        "replicationcontrollers/scale",
                    ],
                    GLW,
                ),
                rule(
                    &["policy"],
                    &["poddisruptionbudgets", "poddisruptionbudgets/status"],
                    GLW,
                ),
                rule(
                    &["networking.k8s.io"],
                    &["ingresses", "ingresses/status", "networkpolicies"],
                    GLW,
                ),
                rule(
                    &[resource],
                    &["resourceclaims", "resourceclaims/status", "resourceclaimtemplates"],
                    GLW,
                ),
            ],
        ),
        bootstrap_cluster_role(
            "system:auth-delegator",
            &[],
            vec![
                rule(&[authn], &["tokenreviews"], CREATE),
                rule(&[authz], &["subjectaccessreviews"], CREATE),
            ],
        ),
        bootstrap_cluster_role(
            "system:basic-user",
            &[],
            vec![
                rule(
                    &[authz],
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    CREATE,
                ),
                rule(&[authn], &["selfsubjectreviews"], CREATE),
            ],
        ),
        bootstrap_cluster_role(
            "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
            &[],
            vec![rule(&[certs], &["certificatesigningrequests/nodeclient"], CREATE)],
        ),
        bootstrap_cluster_role(
            "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
            &[],
            vec![rule(&[certs], &["certificatesigningrequests/selfnodeclient"], CREATE)],
        ),
        approver(
            "system:certificates.k8s.io:kube-apiserver-client-approver",
            "kubernetes.io/kube-apiserver-client",
        ),
        approver(
            "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
            "kubernetes.io/kube-apiserver-client-kubelet",
        ),
        approver(
            "system:certificates.k8s.io:kubelet-serving-approver",
            "kubernetes.io/kubelet-serving",
        ),
        approver(
            "system:certificates.k8s.io:legacy-unknown-approver",
            "kubernetes.io/legacy-unknown",
        ),
        bootstrap_cluster_role(
            "system:discovery",
            &[],
            vec![urls(
                &[
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/healthz",
                    "/livez",
                    "/openapi",
                    "/openapi/*",
                    "/readyz",
                    "/version",
                    "/version/",
                ],
                GET,
            )],
        ),
        bootstrap_cluster_role(
            "system:heapster",
            &[],
            vec![
                rule(CORE, &["events", "namespaces", "nodes", "pods"], GLW),
                rule(&["extensions"], &["deployments"], GLW),
            ],
        ),
        bootstrap_cluster_role(
            "system:kube-aggregator",
            &[],
            vec![rule(CORE, &["endpoints", "services"], GLW)],
        ),
        bootstrap_cluster_role(
            "system:kube-controller-manager",
            &[],
            vec![
                events(),
                rule(&[coord], &["leases"], CREATE),
                named(&[coord], &["leases"], &["kube-controller-manager"], &["get", "update"]),
                rule(CORE, &["secrets", "serviceaccounts"], CREATE),
                rule(CORE, &["secrets"], &["delete"]),
                rule(CORE, &["configmaps", "namespaces", "secrets", "serviceaccounts"], GET),
                rule(CORE, &["secrets", "serviceaccounts"], UPDATE),
                rule(&[authn], &["tokenreviews"], CREATE),
                rule(&[authz], &["subjectaccessreviews"], CREATE),
                rule(&["*"], &["*"], LW),
                rule(CORE, &["serviceaccounts/token"], CREATE),
            ],
        ),
        bootstrap_cluster_role("system:kube-dns", &[], vec![rule(CORE, &["endpoints", "services"], LW)]),
        bootstrap_cluster_role(
            "system:kube-scheduler",
            &[],
            vec![
                events(),
                rule(&[coord], &["leases"], CREATE),
                named(
                    &[coord],
                    &["leases"],
                    &["kube-scheduler"],
                    &["get", "list", "update", "watch"],
                ),
                rule(&[coord], &["leasecandidates"], READ_WRITE),
                rule(CORE, &["nodes"], GLW),
                rule(CORE, &["pods"], &["delete", "get", "list", "watch"]),
                rule(CORE, &["bindings", "pods/binding"], CREATE),
                rule(CORE, &["pods/status"], PU),
                rule(CORE, &["replicationcontrollers", "services"], GLW),
                rule(&["apps", "extensions"], &["replicasets"], GLW),
                rule(&["apps"], &["statefulsets"], GLW),
                rule(&["policy"], &["poddisruptionbudgets"], GLW),
                rule(CORE, &["persistentvolumeclaims", "persistentvolumes"], GLW),
                rule(&[authn], &["tokenreviews"], CREATE),
                rule(&[authz], &["subjectaccessreviews"], CREATE),
                rule(&[storage], &["csinodes"], GLW),
                rule(&[storage], &["volumeattachments"], GLW),
                rule(CORE, &["namespaces"], GLW),
                rule(&[storage], &["csidrivers"], GLW),
                rule(&[storage], &["csistoragecapacities"], GLW),
                rule(&[resource], &["deviceclasses"], GLW),
                rule(
                    &[resource],
                    &["resourceclaims"],
                    &["get", "list", "patch", "update", "watch"],
                ),
                rule(
                    &[resource],
                    &["resourceclaims/status"],
                    &["get", "list", "patch", "update", "watch"],
                ),
                rule(CORE, &["pods/finalizers"], &["get", "list", "patch", "update", "watch"]),
                rule(&[resource], &["resourceslices"], GLW),
                rule(&[resource], &["devicetaintrules"], GLW),
            ],
        ),
        bootstrap_cluster_role(
            "system:kubelet-api-admin",
            &[],
            vec![
                rule(CORE, &["nodes"], GLW),
                rule(CORE, &["nodes"], &["proxy"]),
                rule(
                    CORE,
                    &["nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats"],
                    &["*"],
                ),
                rule(CORE, &["nodes/configz", "nodes/healthz", "nodes/pods"], &["*"]),
            ],
        ),
        bootstrap_cluster_role(
            "system:monitoring",
            &[],
            vec![
                urls(
                    &[
                        "/healthz",
                        "/healthz/*",
                        "/livez",
                        "/livez/*",
                        "/metrics",
                        "/metrics/slis",
                        "/readyz",
                        "/readyz/*",
                    ],
                    GET,
                ),
                // ComponentStatusz is beta and on by default since v1.36 (ComponentFlagz is not).
                urls(&["/statusz"], GET),
            ],
        ),
        bootstrap_cluster_role(
            "system:node",
            &[],
            vec![
                rule(&[authn], &["tokenreviews"], CREATE),
                rule(&[authz], &["localsubjectaccessreviews", "subjectaccessreviews"], CREATE),
                rule(CORE, &["services"], GLW),
                rule(CORE, &["nodes"], &["create", "get", "list", "watch"]),
                rule(CORE, &["nodes/status"], PU),
                rule(CORE, &["nodes"], PU),
                rule(CORE, &["events"], CPU),
                rule(CORE, &["pods"], GLW),
                rule(CORE, &["pods"], &["create", "delete"]),
                rule(CORE, &["pods/status"], PU),
                rule(CORE, &["pods/eviction"], CREATE),
                rule(CORE, &["configmaps", "secrets"], GLW),
                rule(CORE, &["persistentvolumeclaims", "persistentvolumes"], GET),
                rule(CORE, &["endpoints"], GET),
                rule(
                    &[certs],
                    &["certificatesigningrequests"],
                    &["create", "get", "list", "watch"],
                ),
                rule(&[coord], &["leases"], &["create", "delete", "get", "patch", "update"]),
                rule(&[storage], &["volumeattachments"], GET),
                rule(CORE, &["serviceaccounts/token"], CREATE),
                rule(CORE, &["persistentvolumeclaims/status"], &["get", "patch", "update"]),
                rule(&[storage], &["csidrivers"], GLW),
                rule(
                    &[storage],
                    &["csinodes"],
                    &["create", "delete", "get", "patch", "update"],
                ),
                rule(&["node.k8s.io"], &["runtimeclasses"], GLW),
                rule(&[resource], &["resourceclaims"], GET),
                rule(&[resource], &["resourceslices"], &["deletecollection"]),
                rule(CORE, &["serviceaccounts"], GET),
            ],
        ),
        bootstrap_cluster_role(
            "system:node-bootstrapper",
            &[],
            vec![rule(
                &[certs],
                &["certificatesigningrequests"],
                &["create", "get", "list", "watch"],
            )],
        ),
        bootstrap_cluster_role(
            "system:node-problem-detector",
            &[],
            vec![
                rule(CORE, &["nodes"], GET),
                rule(CORE, &["nodes/status"], &["patch"]),
                events(),
            ],
        ),
        bootstrap_cluster_role(
            "system:node-proxier",
            &[],
            vec![
                rule(CORE, &["endpoints", "services"], LW),
                rule(CORE, &["nodes"], GLW),
                events(),
                rule(&["networking.k8s.io"], &["servicecidrs"], LW),
                rule(&["discovery.k8s.io"], &["endpointslices"], LW),
            ],
        ),
        bootstrap_cluster_role(
            "system:persistent-volume-provisioner",
            &[],
            vec![
                rule(
                    CORE,
                    &["persistentvolumes"],
                    &["create", "delete", "get", "list", "watch"],
                ),
                rule(CORE, &["persistentvolumeclaims"], &["get", "list", "update", "watch"]),
                rule(&[storage], &["storageclasses"], GLW),
                rule(CORE, &["events"], &["watch"]),
                events(),
            ],
        ),
        bootstrap_cluster_role(
            "system:public-info-viewer",
            &[],
            vec![urls(&["/healthz", "/livez", "/readyz", "/version", "/version/"], GET)],
        ),
        bootstrap_cluster_role(
            "system:service-account-issuer-discovery",
            &[],
            vec![urls(
                &[
                    "/.well-known/openid-configuration",
                    "/.well-known/openid-configuration/",
                    "/openid/v1/jwks",
                    "/openid/v1/jwks/",
                ],
                GET,
            )],
        ),
        bootstrap_cluster_role(
            "system:volume-scheduler",
            &[],
            vec![
                rule(
                    CORE,
                    &["persistentvolumes"],
                    &["get", "list", "patch", "update", "watch"],
                ),
                rule(&[storage], &["storageclasses"], GLW),
                rule(
                    CORE,
                    &["persistentvolumeclaims"],
                    &["get", "list", "patch", "update", "watch"],
                ),
            ],
        ),
        aggregated_cluster_role(
            "view",
            "view",
            &[("rbac.authorization.k8s.io/aggregate-to-edit", "true")],
        ),
    ];
    aggregate(&mut roles);
    roles
}

/// Per-controller ClusterRoles of controller_policy.go (testdata/controller-roles.yaml),
/// each bound to the kube-system ServiceAccount named after it.
pub fn controller_roles() -> Vec<Value> {
    let certs = "certificates.k8s.io";
    let storage = "storage.k8s.io";
    let resource = "resource.k8s.io";
    let apps_ext: &[&str] = &["apps", "extensions"];
    let c = |name: &str, rules: Vec<Value>| bootstrap_cluster_role(&format!("system:controller:{name}"), &[], rules);
    vec![
        c(
            "attachdetach-controller",
            vec![
                rule(CORE, &["persistentvolumeclaims", "persistentvolumes"], LW),
                rule(CORE, &["nodes"], GLW),
                rule(CORE, &["nodes/status"], PU),
                rule(CORE, &["pods"], LW),
                events(),
                rule(
                    &[storage],
                    &["volumeattachments"],
                    &["create", "delete", "get", "list", "watch"],
                ),
                rule(&[storage], &["csidrivers"], GLW),
                rule(&[storage], &["csinodes"], GLW),
            ],
        ),
        c(
            "certificate-controller",
            vec![
                rule(
                    &[certs],
                    &["certificatesigningrequests"],
                    &["delete", "get", "list", "watch"],
                ),
                rule(
                    &[certs],
                    &[
                        "certificatesigningrequests/approval",
                        "certificatesigningrequests/status",
                    ],
                    UPDATE,
                ),
                named(
                    &[certs],
                    &["signers"],
                    &["kubernetes.io/kube-apiserver-client-kubelet"],
                    &["approve"],
                ),
                named(
                    &[certs],
                    &["signers"],
                    &[
                        "kubernetes.io/kube-apiserver-client",
                        "kubernetes.io/kube-apiserver-client-kubelet",
                        "kubernetes.io/kubelet-serving",
                        "kubernetes.io/legacy-unknown",
                    ],
                    &["sign"],
                ),
                rule(&["authorization.k8s.io"], &["subjectaccessreviews"], CREATE),
                events(),
            ],
        ),
        c(
            "clusterrole-aggregation-controller",
            vec![rule(
                &[RBAC_GROUP],
                &["clusterroles"],
                &["escalate", "get", "list", "patch", "update", "watch"],
            )],
        ),
        c(
            "cronjob-controller",
            vec![
                rule(&["batch"], &["cronjobs"], &["get", "list", "update", "watch"]),
                rule(
                    &["batch"],
                    &["jobs"],
                    &["create", "delete", "get", "list", "patch", "update", "watch"],
                ),
                rule(&["batch"], &["cronjobs/status"], UPDATE),
                rule(&["batch"], &["cronjobs/finalizers"], UPDATE),
                rule(CORE, &["pods"], &["delete", "list", "watch"]),
                events(),
            ],
        ),
        c(
            "daemon-set-controller",
            vec![
                rule(apps_ext, &["daemonsets"], GLW),
                rule(apps_ext, &["daemonsets/status"], UPDATE),
                rule(apps_ext, &["daemonsets/finalizers"], UPDATE),
                rule(CORE, &["nodes"], LW),
                rule(CORE, &["pods"], &["create", "delete", "list", "patch", "watch"]),
                rule(CORE, &["pods/binding"], CREATE),
                rule(
                    &["apps"],
                    &["controllerrevisions"],
                    &["create", "delete", "get", "list", "patch", "update", "watch"],
                ),
                events(),
            ],
        ),
        c(
            "deployment-controller",
            vec![
                rule(apps_ext, &["deployments"], &["get", "list", "update", "watch"]),
                rule(apps_ext, &["deployments/status"], UPDATE),
                rule(apps_ext, &["deployments/finalizers"], UPDATE),
                rule(
                    apps_ext,
                    &["replicasets"],
                    &["create", "delete", "get", "list", "patch", "update", "watch"],
                ),
                rule(CORE, &["pods"], &["get", "list", "update", "watch"]),
                events(),
            ],
        ),
        c(
            "device-taint-eviction-controller",
            vec![
                rule(CORE, &["pods"], &["delete", "get", "list", "watch"]),
                rule(CORE, &["pods/status"], PU),
                rule(&[resource], &["resourceclaims"], GLW),
                rule(&[resource], &["resourceslices"], GLW),
                rule(&[resource], &["deviceclasses"], GLW),
                events(),
                rule(&[resource], &["devicetaintrules/status"], PU),
                rule(&[resource], &["devicetaintrules"], GLW),
            ],
        ),
        c(
            "disruption-controller",
            vec![
                rule(apps_ext, &["deployments"], GLW),
                rule(apps_ext, &["replicasets"], GLW),
                rule(CORE, &["replicationcontrollers"], GLW),
                rule(&["policy"], &["poddisruptionbudgets"], GLW),
                rule(&["apps"], &["statefulsets"], GLW),
                rule(&["policy"], &["poddisruptionbudgets/status"], UPDATE),
                rule(CORE, &["pods/status"], PU),
                rule(&["*"], &["*/scale"], GET),
                events(),
            ],
        ),
        c(
            "endpoint-controller",
            vec![
                rule(CORE, &["pods", "services"], GLW),
                rule(
                    CORE,
                    &["endpoints"],
                    &["create", "delete", "get", "list", "update", "watch"],
                ),
                rule(CORE, &["endpoints/restricted"], CREATE),
                events(),
            ],
        ),
        c(
            "endpointslice-controller",
            vec![
                rule(CORE, &["nodes", "pods", "services"], GLW),
                rule(CORE, &["services/finalizers"], UPDATE),
                rule(
                    &["discovery.k8s.io"],
                    &["endpointslices"],
                    &["create", "delete", "get", "list", "update", "watch"],
                ),
                events(),
            ],
        ),
        c(
            "endpointslicemirroring-controller",
            vec![
                rule(CORE, &["endpoints", "services"], GLW),
                rule(CORE, &["services/finalizers"], UPDATE),
                rule(CORE, &["endpoints/finalizers"], UPDATE),
                rule(
                    &["discovery.k8s.io"],
                    &["endpointslices"],
                    &["create", "delete", "get", "list", "update", "watch"],
                ),
                events(),
            ],
        ),
        c(
            "ephemeral-volume-controller",
            vec![
                rule(CORE, &["pods"], GLW),
                rule(CORE, &["pods/finalizers"], UPDATE),
                rule(CORE, &["persistentvolumeclaims"], &["create", "get", "list", "watch"]),
                events(),
            ],
        ),
        c(
            "expand-controller",
            vec![
                rule(
                    CORE,
                    &["persistentvolumes"],
                    &["get", "list", "patch", "update", "watch"],
                ),
                rule(CORE, &["persistentvolumeclaims/status"], PU),
                rule(CORE, &["persistentvolumeclaims"], GLW),
                events(),
            ],
        ),
        c(
            "generic-garbage-collector",
            vec![
                rule(&["*"], &["*"], &["delete", "get", "list", "patch", "update", "watch"]),
                events(),
            ],
        ),
        c(
            "horizontal-pod-autoscaler",
            vec![
                rule(&["autoscaling"], &["horizontalpodautoscalers"], GLW),
                rule(&["autoscaling"], &["horizontalpodautoscalers/status"], UPDATE),
                rule(&["*"], &["*/scale"], &["get", "update"]),
                rule(CORE, &["pods"], LW),
                rule(&["metrics.k8s.io"], &["pods"], LW),
                rule(&["custom.metrics.k8s.io"], &["*"], GLW),
                rule(&["external.metrics.k8s.io"], &["*"], GLW),
                events(),
            ],
        ),
        c(
            "job-controller",
            vec![
                rule(&["batch"], &["jobs"], &["get", "list", "patch", "update", "watch"]),
                rule(&["batch"], &["jobs/status"], UPDATE),
                rule(&["batch"], &["jobs/finalizers"], UPDATE),
                rule(CORE, &["pods"], &["create", "delete", "list", "patch", "watch"]),
                events(),
            ],
        ),
        c(
            "legacy-service-account-token-cleaner",
            vec![
                named(
                    CORE,
                    &["configmaps"],
                    &["kube-apiserver-legacy-service-account-token-tracking"],
                    GET,
                ),
                rule(CORE, &["secrets"], &["delete", "patch"]),
            ],
        ),
        c(
            "namespace-controller",
            vec![
                rule(CORE, &["namespaces"], &["delete", "get", "list", "watch"]),
                rule(CORE, &["namespaces/finalize", "namespaces/status"], UPDATE),
                rule(&["*"], &["*"], &["delete", "deletecollection", "get", "list", "watch"]),
            ],
        ),
        c(
            "node-controller",
            vec![
                rule(CORE, &["nodes"], &["delete", "get", "list", "patch", "update", "watch"]),
                rule(CORE, &["nodes/status"], PU),
                rule(CORE, &["pods/status"], PU),
                rule(CORE, &["pods"], &["delete", "get", "list", "watch"]),
                events(),
            ],
        ),
        c(
            "persistent-volume-binder",
            vec![
                rule(
                    CORE,
                    &["persistentvolumes"],
                    &["create", "delete", "get", "list", "update", "watch"],
                ),
                rule(CORE, &["persistentvolumes/status"], UPDATE),
                rule(CORE, &["persistentvolumeclaims"], &["get", "list", "update", "watch"]),
                rule(CORE, &["persistentvolumeclaims/status"], UPDATE),
                rule(CORE, &["pods"], &["create", "delete", "get", "list", "watch"]),
                rule(&[storage], &["storageclasses"], GLW),
                rule(CORE, &["nodes"], LW),
                events(),
                rule(CORE, &["events"], &["watch"]),
            ],
        ),
        c(
            "pod-garbage-collector",
            vec![
                rule(CORE, &["pods"], &["delete", "list", "watch"]),
                rule(CORE, &["nodes"], GLW),
                rule(CORE, &["pods/status"], &["patch"]),
            ],
        ),
        c(
            "podcertificaterequestcleaner",
            vec![rule(
                &["certificates.k8s.io"],
                &["podcertificaterequests"],
                &["delete", "get", "list", "watch"],
            )],
        ),
        c(
            "pv-protection-controller",
            vec![
                rule(CORE, &["persistentvolumes"], &["get", "list", "update", "watch"]),
                events(),
            ],
        ),
        c(
            "pvc-protection-controller",
            vec![
                rule(CORE, &["persistentvolumeclaims"], &["get", "list", "update", "watch"]),
                rule(CORE, &["pods"], GLW),
                events(),
            ],
        ),
        c(
            "replicaset-controller",
            vec![
                rule(apps_ext, &["replicasets"], &["get", "list", "update", "watch"]),
                rule(apps_ext, &["replicasets/status"], UPDATE),
                rule(apps_ext, &["replicasets/finalizers"], UPDATE),
                rule(CORE, &["pods"], &["create", "delete", "list", "patch", "watch"]),
                events(),
            ],
        ),
        c(
            "replication-controller",
            vec![
                rule(CORE, &["replicationcontrollers"], &["get", "list", "update", "watch"]),
                rule(CORE, &["replicationcontrollers/status"], UPDATE),
                rule(CORE, &["replicationcontrollers/finalizers"], UPDATE),
                rule(CORE, &["pods"], &["create", "delete", "list", "patch", "watch"]),
                events(),
            ],
        ),
        c(
            "resource-claim-controller",
            vec![
                rule(CORE, &["pods"], GLW),
                rule(CORE, &["pods/finalizers"], UPDATE),
                rule(
                    &[resource],
                    &["resourceclaims"],
                    &["create", "delete", "get", "list", "watch"],
                ),
                rule(&[resource], &["resourceclaims", "resourceclaims/status"], PU),
                rule(CORE, &["pods/status"], PU),
                events(),
            ],
        ),
        c(
            "resourcequota-controller",
            vec![
                rule(&["*"], &["*"], LW),
                rule(CORE, &["resourcequotas/status"], UPDATE),
                events(),
            ],
        ),
        c(
            "root-ca-cert-publisher",
            vec![rule(CORE, &["configmaps"], &["create", "update"]), events()],
        ),
        c(
            "route-controller",
            vec![
                rule(CORE, &["nodes"], LW),
                rule(CORE, &["nodes/status"], &["patch"]),
                events(),
            ],
        ),
        c(
            "selinux-warning-controller",
            vec![
                events(),
                rule(CORE, &["persistentvolumes"], GLW),
                rule(CORE, &["persistentvolumeclaims"], GLW),
                rule(CORE, &["pods"], GLW),
                rule(&[storage], &["csidrivers"], GLW),
            ],
        ),
        c(
            "service-account-controller",
            vec![rule(CORE, &["serviceaccounts"], CREATE), events()],
        ),
        c(
            "service-cidrs-controller",
            vec![
                rule(
                    &["networking.k8s.io"],
                    &["servicecidrs"],
                    &["get", "list", "patch", "update", "watch"],
                ),
                rule(&["networking.k8s.io"], &["servicecidrs/finalizers"], PU),
                rule(&["networking.k8s.io"], &["servicecidrs/status"], PU),
                rule(&["networking.k8s.io"], &["ipaddresses"], GLW),
                events(),
            ],
        ),
        c(
            "service-controller",
            vec![
                rule(CORE, &["services"], GLW),
                rule(CORE, &["services/status"], PU),
                rule(CORE, &["nodes"], LW),
                events(),
            ],
        ),
        c(
            "statefulset-controller",
            vec![
                rule(CORE, &["pods"], LW),
                rule(&["apps"], &["statefulsets"], GLW),
                rule(&["apps"], &["statefulsets/status"], UPDATE),
                rule(&["apps"], &["statefulsets/finalizers"], UPDATE),
                rule(CORE, &["pods"], &["create", "delete", "get", "patch", "update"]),
                rule(
                    &["apps"],
                    &["controllerrevisions"],
                    &["create", "delete", "get", "list", "patch", "update", "watch"],
                ),
                rule(CORE, &["persistentvolumeclaims"], &["create", "get", "list", "watch"]),
                rule(CORE, &["persistentvolumeclaims"], &["delete", "update"]),
                rule(CORE, &["pods/finalizers"], UPDATE),
                events(),
            ],
        ),
        c(
            "ttl-after-finished-controller",
            vec![
                rule(&["batch"], &["jobs"], &["delete", "get", "list", "watch"]),
                events(),
            ],
        ),
        c(
            "ttl-controller",
            vec![rule(CORE, &["nodes"], &["list", "patch", "update", "watch"]), events()],
        ),
        c(
            "validatingadmissionpolicy-status-controller",
            vec![
                rule(&["admissionregistration.k8s.io"], &["validatingadmissionpolicies"], GLW),
                rule(
                    &["admissionregistration.k8s.io"],
                    &["validatingadmissionpolicies/status"],
                    &["get", "patch", "update"],
                ),
                events(),
            ],
        ),
        c(
            "volumeattributesclass-protection-controller",
            vec![
                rule(CORE, &["persistentvolumeclaims"], GLW),
                rule(CORE, &["persistentvolumes"], GLW),
                rule(
                    &[storage],
                    &["volumeattributesclasses"],
                    &["get", "list", "update", "watch"],
                ),
                events(),
            ],
        ),
    ]
}

/// The names (after `system:controller:`) of [`controller_roles`], in order.
pub fn controller_names() -> Vec<String> {
    controller_roles()
        .iter()
        .filter_map(|r| r.pointer("/metadata/name").and_then(Value::as_str))
        .filter_map(|n| n.strip_prefix("system:controller:"))
        .map(str::to_string)
        .collect()
}

/// ClusterRoleBindings of policy.go (testdata/cluster-role-bindings.yaml).
pub fn bootstrap_cluster_role_bindings() -> Vec<Value> {
    let b = bootstrap_cluster_role_binding;
    vec![
        b("cluster-admin", vec![group("system:masters")]),
        b("system:basic-user", vec![group("system:authenticated")]),
        b("system:discovery", vec![group("system:authenticated")]),
        b(
            "system:kube-controller-manager",
            vec![user("system:kube-controller-manager")],
        ),
        b("system:kube-dns", vec![service_account("kube-system", "kube-dns")]),
        b("system:kube-scheduler", vec![user("system:kube-scheduler")]),
        b("system:monitoring", vec![group("system:monitoring")]),
        b("system:node", Vec::new()),
        b("system:node-proxier", vec![user("system:kube-proxy")]),
        b(
            "system:public-info-viewer",
            vec![group("system:authenticated"), group("system:unauthenticated")],
        ),
        b(
            "system:service-account-issuer-discovery",
            vec![group("system:serviceaccounts")],
        ),
        b("system:volume-scheduler", vec![user("system:kube-scheduler")]),
    ]
}

/// One ClusterRoleBinding per controller role, to its kube-system ServiceAccount.
pub fn controller_role_bindings() -> Vec<Value> {
    controller_names()
        .iter()
        .map(|n| {
            bootstrap_cluster_role_binding(
                &format!("system:controller:{n}"),
                vec![service_account("kube-system", n)],
            )
        })
        .collect()
}

/// Roles of namespace_policy.go (testdata/namespace-roles.yaml).
pub fn bootstrap_roles() -> Vec<Value> {
    let coord = "coordination.k8s.io";
    let leader_locking = || {
        vec![
            rule(&[coord], &["leases"], &["create", "get", "list", "update", "watch"]),
            rule(
                &[coord],
                &["leasecandidates"],
                &["create", "get", "list", "update", "watch"],
            ),
        ]
    };
    vec![
        role(
            "system:controller:bootstrap-signer",
            "kube-public",
            vec![
                rule(CORE, &["configmaps"], GLW),
                named(CORE, &["configmaps"], &["cluster-info"], UPDATE),
                events(),
            ],
        ),
        role(
            "extension-apiserver-authentication-reader",
            "kube-system",
            vec![named(
                CORE,
                &["configmaps"],
                &["extension-apiserver-authentication"],
                GLW,
            )],
        ),
        role(
            "system::leader-locking-kube-controller-manager",
            "kube-system",
            leader_locking(),
        ),
        role("system::leader-locking-kube-scheduler", "kube-system", leader_locking()),
        role(
            "system:controller:bootstrap-signer",
            "kube-system",
            vec![rule(CORE, &["secrets"], GLW)],
        ),
        role(
            "system:controller:cloud-provider",
            "kube-system",
            vec![rule(CORE, &["configmaps"], &["create", "get", "list", "watch"])],
        ),
        role(
            "system:controller:token-cleaner",
            "kube-system",
            vec![rule(CORE, &["secrets"], &["delete", "get", "list", "watch"]), events()],
        ),
    ]
}

/// RoleBindings of namespace_policy.go (testdata/namespace-role-bindings.yaml).
pub fn bootstrap_role_bindings() -> Vec<Value> {
    let b = bootstrap_role_binding;
    vec![
        b(
            "system:controller:bootstrap-signer",
            "kube-public",
            "system:controller:bootstrap-signer",
            vec![service_account("kube-system", "bootstrap-signer")],
        ),
        b(
            "system::extension-apiserver-authentication-reader",
            "kube-system",
            "extension-apiserver-authentication-reader",
            vec![user("system:kube-controller-manager"), user("system:kube-scheduler")],
        ),
        b(
            "system::leader-locking-kube-controller-manager",
            "kube-system",
            "system::leader-locking-kube-controller-manager",
            vec![
                user("system:kube-controller-manager"),
                service_account("kube-system", "kube-controller-manager"),
                service_account("kube-system", "leader-election-controller"),
            ],
        ),
        b(
            "system::leader-locking-kube-scheduler",
            "kube-system",
            "system::leader-locking-kube-scheduler",
            vec![
                user("system:kube-scheduler"),
                service_account("kube-system", "kube-scheduler"),
            ],
        ),
        b(
            "system:controller:bootstrap-signer",
            "kube-system",
            "system:controller:bootstrap-signer",
            vec![service_account("kube-system", "bootstrap-signer")],
        ),
        b(
            "system:controller:cloud-provider",
            "kube-system",
            "system:controller:cloud-provider",
            vec![service_account("kube-system", "cloud-provider")],
        ),
        b(
            "system:controller:token-cleaner",
            "kube-system",
            "system:controller:token-cleaner",
            vec![service_account("kube-system", "token-cleaner")],
        ),
    ]
}

/// What `kubeadm init` adds: the bootstrap-token phase (get-nodes, kubelet-bootstrap, CSR
/// auto-approval, cluster-info), upload-config (kubeadm-config, kubelet-config readers),
/// kubeconfig (kubeadm:cluster-admins) and the kube-proxy and CoreDNS add-ons.
/// ClusterRoles and Roles come before the bindings that reference them.
pub fn kubeadm_rbac() -> Vec<Value> {
    let cr = |name: &str, rules: Vec<Value>| plain_rules("ClusterRole", name, None, None, rules);
    let crb = |name: &str, role: &str, subjects: Vec<Value>| {
        plain_binding(
            "ClusterRoleBinding",
            name,
            None,
            None,
            role_ref("ClusterRole", role),
            subjects,
        )
    };
    let r = |name: &str, ns: &str, rules: Vec<Value>| plain_rules("Role", name, Some(ns), None, rules);
    let rb = |name: &str, ns: &str, subjects: Vec<Value>| {
        plain_binding("RoleBinding", name, Some(ns), None, role_ref("Role", name), subjects)
    };
    vec![
        cr("kubeadm:get-nodes", vec![rule(CORE, &["nodes"], GET)]),
        cr(
            "system:coredns",
            vec![
                rule(CORE, &["endpoints", "services", "pods", "namespaces"], LW),
                rule(&["discovery.k8s.io"], &["endpointslices"], LW),
            ],
        ),
        crb(
            "kubeadm:cluster-admins",
            "cluster-admin",
            vec![group("kubeadm:cluster-admins")],
        ),
        crb(
            "kubeadm:get-nodes",
            "kubeadm:get-nodes",
            vec![group(BOOTSTRAP_TOKEN_GROUP)],
        ),
        crb(
            "kubeadm:kubelet-bootstrap",
            "system:node-bootstrapper",
            vec![group(BOOTSTRAP_TOKEN_GROUP)],
        ),
        crb(
            "kubeadm:node-autoapprove-bootstrap",
            "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
            vec![group(BOOTSTRAP_TOKEN_GROUP)],
        ),
        crb(
            "kubeadm:node-autoapprove-certificate-rotation",
            "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
            vec![group("system:nodes")],
        ),
        crb(
            "kubeadm:node-proxier",
            "system:node-proxier",
            vec![service_account("kube-system", "kube-proxy")],
        ),
        crb(
            "system:coredns",
            "system:coredns",
            vec![service_account("kube-system", "coredns")],
        ),
        r(
            "kubeadm:bootstrap-signer-clusterinfo",
            "kube-public",
            vec![named(CORE, &["configmaps"], &["cluster-info"], GET)],
        ),
        r(
            "kube-proxy",
            "kube-system",
            vec![named(CORE, &["configmaps"], &["kube-proxy"], GET)],
        ),
        r(
            "kubeadm:kubelet-config",
            "kube-system",
            vec![named(CORE, &["configmaps"], &["kubelet-config"], GET)],
        ),
        r(
            "kubeadm:nodes-kubeadm-config",
            "kube-system",
            vec![named(CORE, &["configmaps"], &["kubeadm-config"], GET)],
        ),
        rb(
            "kubeadm:bootstrap-signer-clusterinfo",
            "kube-public",
            vec![user("system:anonymous")],
        ),
        rb("kube-proxy", "kube-system", vec![group(BOOTSTRAP_TOKEN_GROUP)]),
        rb(
            "kubeadm:kubelet-config",
            "kube-system",
            vec![group("system:nodes"), group(BOOTSTRAP_TOKEN_GROUP)],
        ),
        rb(
            "kubeadm:nodes-kubeadm-config",
            "kube-system",
            vec![group(BOOTSTRAP_TOKEN_GROUP), group("system:nodes")],
        ),
    ]
}

/// flannel's ClusterRole and ClusterRoleBinding (kube-flannel.yml, v0.27).
pub fn flannel_rbac() -> Vec<Value> {
    let labels = || Some(json!({"k8s-app": "flannel"}));
    vec![
        plain_rules(
            "ClusterRole",
            "flannel",
            None,
            labels(),
            vec![
                rule(CORE, &["pods"], GET),
                rule(CORE, &["nodes"], GLW),
                rule(CORE, &["nodes/status"], &["patch"]),
            ],
        ),
        plain_binding(
            "ClusterRoleBinding",
            "flannel",
            None,
            labels(),
            role_ref("ClusterRole", "flannel"),
            vec![service_account("kube-flannel", "flannel")],
        ),
    ]
}

/// Every RBAC object of a fresh cluster, roles before the bindings that reference them.
pub fn all() -> Vec<Value> {
    let mut out = bootstrap_cluster_roles();
    out.extend(controller_roles());
    out.extend(bootstrap_cluster_role_bindings());
    out.extend(controller_role_bindings());
    out.extend(bootstrap_roles());
    out.extend(bootstrap_role_bindings());
    out.extend(kubeadm_rbac());
    out.extend(flannel_rbac());
    out
}

fn labels_match(role: &Value, selector: &Value) -> bool {
    let Some(want) = selector.get("matchLabels").and_then(Value::as_object) else {
        return false;
    };
    let labels = role.pointer("/metadata/labels");
    want.iter().all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

/// What the clusterrole-aggregation controller converges to: for each selector, the rules of
/// every matching ClusterRole (sorted by name, itself excluded) not already present. Repeated
/// until nothing changes, so admin picks up edit's aggregated rules and edit view's.
fn aggregate(roles: &mut [Value]) {
    for _ in 0..roles.len() {
        let mut changed = false;
        for i in 0..roles.len() {
            let Some(selectors) = roles
                .get(i)
                .and_then(|r| r.pointer("/aggregationRule/clusterRoleSelectors"))
                .and_then(Value::as_array)
                .cloned()
            else {
                continue;
            };
            let own_name = roles.get(i).and_then(|r| r.pointer("/metadata/name")).cloned();
            let mut rules: Vec<Value> = Vec::new();
            for selector in &selectors {
                let mut matching: Vec<&Value> = roles
                    .iter()
                    .filter(|r| r.pointer("/metadata/name").cloned() != own_name && labels_match(r, selector))
                    .collect();
                matching.sort_by_key(|r| r.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default());
                for r in matching {
                    for rule in r.get("rules").and_then(Value::as_array).into_iter().flatten() {
                        if !rules.contains(rule) {
                            rules.push(rule.clone());
                        }
                    }
                }
            }
            if let Some(role) = roles.get_mut(i) {
                if role.get("rules") != Some(&Value::Array(rules.clone())) {
                    role["rules"] = Value::Array(rules);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(objs: &'a [Value], kind: &str, name: &str) -> &'a Value {
        objs.iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} missing"))
    }

    #[test]
    fn view_aggregates_exactly_the_aggregate_to_view_rules() {
        let roles = bootstrap_cluster_roles();
        let view = find(&roles, "ClusterRole", "view");
        let source = find(&roles, "ClusterRole", "system:aggregate-to-view");
        assert_eq!(view["rules"], source["rules"]);
        assert_eq!(
            view["aggregationRule"]["clusterRoleSelectors"][0]["matchLabels"]
                ["rbac.authorization.k8s.io/aggregate-to-view"],
            "true"
        );
    }

    #[test]
    fn admin_holds_edit_and_view_rules_without_duplicates() {
        let roles = bootstrap_cluster_roles();
        let admin = find(&roles, "ClusterRole", "admin")["rules"]
            .as_array()
            .cloned()
            .unwrap();
        for source in [
            "system:aggregate-to-admin",
            "system:aggregate-to-edit",
            "system:aggregate-to-view",
        ] {
            for rule in find(&roles, "ClusterRole", source)["rules"].as_array().unwrap() {
                assert!(admin.contains(rule), "admin lacks {rule} of {source}");
            }
        }
        for (i, r) in admin.iter().enumerate() {
            assert!(!admin[i + 1..].contains(r), "duplicate rule {r}");
        }
        // Sorted by source name: edit's rules (edit < system:aggregate-to-admin) come first.
        let edit = find(&roles, "ClusterRole", "edit")["rules"]
            .as_array()
            .cloned()
            .unwrap();
        assert_eq!(admin[..edit.len()], edit[..]);
    }

    #[test]
    fn every_controller_role_has_a_binding_to_its_service_account() {
        let bindings = controller_role_bindings();
        assert_eq!(bindings.len(), controller_roles().len());
        let b = find(&bindings, "ClusterRoleBinding", "system:controller:node-controller");
        assert_eq!(
            b["subjects"],
            json!([{"kind": "ServiceAccount", "name": "node-controller", "namespace": "kube-system"}])
        );
        assert_eq!(b["roleRef"]["name"], "system:controller:node-controller");
    }

    #[test]
    fn bootstrap_objects_carry_the_rbac_defaults_label_and_autoupdate_annotation() {
        let mut objs = bootstrap_cluster_roles();
        objs.extend(bootstrap_role_bindings());
        for o in &objs {
            assert_eq!(
                o["metadata"]["labels"]["kubernetes.io/bootstrapping"], "rbac-defaults",
                "{}",
                o["metadata"]
            );
            assert_eq!(
                o["metadata"]["annotations"]["rbac.authorization.kubernetes.io/autoupdate"],
                "true"
            );
        }
        // kubeadm's own objects are plain.
        for o in kubeadm_rbac() {
            assert!(o["metadata"].get("labels").is_none(), "{}", o["metadata"]["name"]);
        }
    }

    #[test]
    fn system_node_binding_has_no_subjects_and_cluster_admin_binds_masters() {
        let b = bootstrap_cluster_role_bindings();
        assert!(find(&b, "ClusterRoleBinding", "system:node").get("subjects").is_none());
        assert_eq!(
            find(&b, "ClusterRoleBinding", "cluster-admin")["subjects"][0]["name"],
            "system:masters"
        );
    }

    #[test]
    fn names_are_unique_per_kind_and_namespace() {
        let objs = all();
        let mut seen = std::collections::BTreeSet::new();
        for o in &objs {
            let key = (
                o["kind"].to_string(),
                o["metadata"]["namespace"].to_string(),
                o["metadata"]["name"].to_string(),
            );
            assert!(seen.insert(key.clone()), "duplicate {key:?}");
        }
    }
}
