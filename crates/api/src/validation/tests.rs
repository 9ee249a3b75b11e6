use super::*;
use crate::defaults::apply_defaults;
use crate::discovery::Scope;
use serde_json::json;

fn info(group: &str, kind: &str, namespaced: bool) -> ResourceInfo {
    ResourceInfo {
        group: group.to_string(),
        version: if group == "autoscaling" {
            "v2".to_string()
        } else {
            "v1".to_string()
        },
        kind: kind.to_string(),
        plural: format!("{}s", kind.to_lowercase()),
        singular: kind.to_lowercase(),
        short_names: vec![],
        scope: if namespaced { Scope::Namespaced } else { Scope::Cluster },
        verbs: vec![],
        categories: vec![],
        subresources: vec![],
        preferred: true,
    }
}

/// Defaults then validates, as the API server does on create; returns rendered errors.
fn create(group: &str, kind: &str, namespaced: bool, mut obj: Value) -> Vec<String> {
    let i = info(group, kind, namespaced);
    apply_defaults(&i.gvk(), &mut obj);
    validate_create(&i, &obj).iter().map(ToString::to_string).collect()
}

fn update(group: &str, kind: &str, namespaced: bool, mut old: Value, mut new: Value) -> Vec<String> {
    let i = info(group, kind, namespaced);
    apply_defaults(&i.gvk(), &mut old);
    apply_defaults(&i.gvk(), &mut new);
    validate_update(&i, &old, &new)
        .iter()
        .map(ToString::to_string)
        .collect()
}

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

fn pod(containers: Value) -> Value {
    json!({"metadata": {"name": "p", "namespace": "default"}, "spec": {"containers": containers}})
}

fn deployment(selector: Value, labels: Value) -> Value {
    json!({"metadata": {"name": "web", "namespace": "default"}, "spec": {
        "selector": selector,
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}
    }})
}

#[test]
fn a_valid_pod_and_deployment_have_no_errors() {
    assert_eq!(
        create(
            "",
            "Pod",
            true,
            pod(json!([{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}]))
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        create(
            "apps",
            "Deployment",
            true,
            deployment(json!({"matchLabels": {"app": "web"}}), json!({"app": "web"}))
        ),
        Vec::<String>::new()
    );
}

#[test]
fn metadata_names_follow_the_kind_rule() {
    let cases = [
        (
            "apps",
            "Deployment",
            true,
            "Foo",
            format!("metadata.name: Invalid value: \"Foo\": {SUBDOMAIN_MSG}"),
        ),
        (
            "",
            "Service",
            true,
            "1svc",
            format!("metadata.name: Invalid value: \"1svc\": {DNS1035_MSG}"),
        ),
        (
            "",
            "Namespace",
            false,
            "My_ns",
            format!("metadata.name: Invalid value: \"My_ns\": {LABEL_MSG}"),
        ),
        (
            "rbac.authorization.k8s.io",
            "Role",
            true,
            "a/b",
            "metadata.name: Invalid value: \"a/b\": may not contain '/'".to_string(),
        ),
    ];
    for (group, kind, namespaced, name, want) in cases {
        let ns = if namespaced { json!("default") } else { Value::Null };
        let errs = create(
            group,
            kind,
            namespaced,
            json!({"metadata": {"name": name, "namespace": ns}}),
        );
        assert_eq!(errs.first(), Some(&want), "{kind}");
    }
}

#[test]
fn metadata_requires_a_name_unless_generate_name_is_set() {
    let errs = create("", "ConfigMap", true, json!({"metadata": {"namespace": "default"}}));
    assert_eq!(
        errs,
        vec!["metadata.name: Required value: name or generateName is required"]
    );
    assert!(create(
        "",
        "ConfigMap",
        true,
        json!({"metadata": {"generateName": "cm-", "namespace": "default"}})
    )
    .is_empty());
    let errs = create("", "ConfigMap", true, json!({"metadata": {"name": "c"}}));
    assert_eq!(errs, vec!["metadata.namespace: Required value"]);
    let errs = create(
        "",
        "Namespace",
        false,
        json!({"metadata": {"name": "n", "namespace": "x"}}),
    );
    assert_eq!(errs, vec!["metadata.namespace: Forbidden: not allowed on this type"]);
}

#[test]
fn metadata_labels_are_checked() {
    let errs = create(
        "",
        "ConfigMap",
        true,
        json!({"metadata": {"name": "c", "namespace": "d", "labels": {"app": "-bad"}}}),
    );
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with("metadata.labels: Invalid value: \"-bad\": a valid label must be an empty string"),
        "{}",
        errs[0]
    );
}

#[test]
fn pod_container_errors_have_upstream_paths_and_texts() {
    let errs = create("", "Pod", true, pod(json!([])));
    assert_eq!(errs, vec!["spec.containers: Required value"]);

    let errs = create(
        "",
        "Pod",
        true,
        pod(json!([
            {"name": "Web", "image": "nginx", "ports": [{"containerPort": 70000}, {"containerPort": 0, "protocol": "XTP"}]},
            {"name": "web2"},
            {"name": "web2", "image": "x"}
        ])),
    );
    assert_eq!(
        errs,
        vec![
            format!("spec.containers[0].name: Invalid value: \"Web\": {LABEL_MSG}"),
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive".to_string(),
            "spec.containers[0].ports[1].containerPort: Required value".to_string(),
            "spec.containers[0].ports[1].protocol: Unsupported value: \"XTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"".to_string(),
            "spec.containers[1].image: Required value".to_string(),
            "spec.containers[2].name: Duplicate value: \"web2\"".to_string(),
        ]
    );
}

#[test]
fn pod_level_enums_report_supported_values() {
    let mut p = pod(json!([{"name": "c", "image": "x"}]));
    p["spec"]["restartPolicy"] = json!("Sometimes");
    p["spec"]["dnsPolicy"] = json!("Foo");
    let errs = create("", "Pod", true, p);
    assert_eq!(
        errs,
        vec![
            "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"",
            "spec.dnsPolicy: Unsupported value: \"Foo\": supported values: \"ClusterFirstWithHostNet\", \"ClusterFirst\", \"Default\", \"None\"",
        ]
    );
    let errs = create(
        "",
        "Pod",
        true,
        pod(json!([{"name": "c", "image": "x", "imagePullPolicy": "Sometimes"}])),
    );
    assert_eq!(errs, vec!["spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"IfNotPresent\", \"Never\""]);
}

#[test]
fn requests_may_not_exceed_limits() {
    let errs = create(
        "",
        "Pod",
        true,
        pod(
            json!([{"name": "c", "image": "x", "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "2", "memory": "-1", "foo": "1"}}}]),
        ),
    );
    assert_eq!(
        errs,
        vec![
            "spec.containers[0].resources.requests[cpu]: Invalid value: \"2\": must be less than or equal to cpu limit of 1".replace("requests[cpu]", "requests"),
            "spec.containers[0].resources.requests[foo]: Invalid value: \"foo\": must be a standard resource for containers".to_string(),
            "spec.containers[0].resources.requests[memory]: Invalid value: \"-1\": must be greater than or equal to 0".to_string(),
        ]
    );
}

#[test]
fn volumes_and_mounts_must_line_up() {
    let mut p = pod(json!([{"name": "c", "image": "x", "volumeMounts": [
        {"name": "data", "mountPath": "/a"}, {"name": "missing", "mountPath": "/a"}, {"name": "cfg"}
    ]}]));
    p["spec"]["volumes"] = json!([
        {"name": "data", "emptyDir": {}},
        {"name": "data", "emptyDir": {}},
        {"name": "cfg", "configMap": {"name": "c"}, "secret": {"secretName": "s"}},
        {"name": "hp", "hostPath": {"path": ""}}
    ]);
    let errs = create("", "Pod", true, p);
    assert_eq!(
        errs,
        vec![
            "spec.volumes[1].name: Duplicate value: \"data\"",
            "spec.volumes[2].configMap: Forbidden: may not specify more than 1 volume type",
            "spec.volumes[3].hostPath.path: Required value",
            "spec.containers[0].volumeMounts[1].name: Not found: \"missing\"",
            "spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/a\": must be unique",
            "spec.containers[0].volumeMounts[2].name: Not found: \"cfg\"",
            "spec.containers[0].volumeMounts[2].mountPath: Required value",
        ]
    );
}

#[test]
fn probes_need_exactly_one_handler_and_liveness_success_threshold_one() {
    let errs = create(
        "",
        "Pod",
        true,
        pod(json!([{"name": "c", "image": "x",
            "livenessProbe": {"successThreshold": 2, "exec": {"command": ["true"]}},
            "readinessProbe": {"periodSeconds": -1},
            "startupProbe": {"httpGet": {"port": 0}, "tcpSocket": {"port": "http"}}}])),
    );
    assert_eq!(
        errs,
        vec![
            "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
            "spec.containers[0].readinessProbe: Required value: must specify a handler type",
            "spec.containers[0].readinessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
            "spec.containers[0].startupProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.containers[0].startupProbe.tcpSocket: Forbidden: may not specify more than 1 handler type",
        ]
    );
}

#[test]
fn env_vars_need_names_and_one_source() {
    let errs = create(
        "",
        "Pod",
        true,
        pod(json!([{"name": "c", "image": "x", "env": [
            {"name": "A=B", "value": "1"},
            {"name": "", "value": "x"},
            {"name": "C", "value": "v", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
            {"name": "D", "valueFrom": {}}
        ]}])),
    );
    assert_eq!(
        errs,
        vec![
            "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='",
            "spec.containers[0].env[1].name: Required value",
            "spec.containers[0].env[1].name: Invalid value: \"\": environment variable name must be non-empty",
            "spec.containers[0].env[2].valueFrom: Invalid value: \"\": may not be specified when `value` is not empty",
            "spec.containers[0].env[3].valueFrom: Invalid value: \"\": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        ]
    );
}

#[test]
fn deployment_selector_must_match_template_labels() {
    let errs = create(
        "apps",
        "Deployment",
        true,
        deployment(json!({"matchLabels": {"app": "web"}}), json!({"app": "api"})),
    );
    assert_eq!(errs, vec!["spec.template.metadata.labels: Invalid value: {\"app\":\"api\"}: `selector` does not match template `labels`"]);
    let mut no_selector = deployment(json!(null), json!({"app": "web"}));
    no_selector["spec"].as_object_mut().unwrap().remove("selector");
    assert_eq!(
        create("apps", "Deployment", true, no_selector),
        vec!["spec.selector: Required value"]
    );
    let errs = create("apps", "Deployment", true, deployment(json!({}), json!({"app": "web"})));
    assert_eq!(
        errs,
        vec!["spec.selector: Invalid value: {}: empty selector is invalid for deployment"]
    );
}

#[test]
fn deployment_template_errors_use_the_template_path() {
    let mut d = deployment(json!({"matchLabels": {"app": "web"}}), json!({"app": "web"}));
    d["spec"]["replicas"] = json!(-1);
    d["spec"]["template"]["spec"]["restartPolicy"] = json!("Never");
    d["spec"]["template"]["spec"]["containers"][0]["name"] = json!("Web");
    d["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}});
    let errs = create("apps", "Deployment", true, d);
    assert_eq!(
        errs,
        vec![
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0".to_string(),
            format!("spec.template.spec.containers[0].name: Invalid value: \"Web\": {LABEL_MSG}"),
            "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"".to_string(),
            "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"
                .to_string(),
        ]
    );
    let mut bad_strategy = deployment(json!({"matchLabels": {"app": "web"}}), json!({"app": "web"}));
    bad_strategy["spec"]["strategy"] = json!({"type": "Canary"});
    assert_eq!(
        create("apps", "Deployment", true, bad_strategy),
        vec!["spec.strategy: Unsupported value: {\"Type\":\"Canary\",\"RollingUpdate\":null}: supported values: \"Recreate\", \"RollingUpdate\""]
    );
}

#[test]
fn selector_expressions_are_validated() {
    let errs = create(
        "apps",
        "ReplicaSet",
        true,
        deployment(
            json!({"matchExpressions": [{"key": "app", "operator": "In"}, {"key": "x", "operator": "Has", "values": ["a"]}]}),
            json!({"app": "web"}),
        ),
    );
    assert_eq!(
        errs,
        vec![
            "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
            "spec.selector.matchExpressions[1].operator: Invalid value: \"Has\": not a valid selector operator",
            "spec.selector: Invalid value: {\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\"},{\"key\":\"x\",\"operator\":\"Has\",\"values\":[\"a\"]}]}: invalid label selector",
        ]
    );
}

#[test]
fn jobs_need_a_non_always_restart_policy() {
    let job = json!({"metadata": {"name": "j", "namespace": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}}});
    assert_eq!(
        create("batch", "Job", true, job),
        vec!["spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""]
    );
    let ok = json!({"metadata": {"name": "j", "namespace": "d"}, "spec": {"backoffLimit": -1, "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}});
    assert_eq!(
        create("batch", "Job", true, ok),
        vec!["spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"]
    );
}

#[test]
fn cron_jobs_check_schedule_and_name_length() {
    let cj = |name: &str, schedule: &str| json!({"metadata": {"name": name, "namespace": "d"}, "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}});
    assert!(create("batch", "CronJob", true, cj("ok", "*/5 * * * *")).is_empty());
    assert!(create("batch", "CronJob", true, cj("ok", "@hourly")).is_empty());
    assert_eq!(
        create("batch", "CronJob", true, cj("ok", "* * *")),
        vec!["spec.schedule: Invalid value: \"* * *\": expected exactly 5 fields, found 3: [* * *]"]
    );
    assert_eq!(
        create("batch", "CronJob", true, cj("ok", "61 * * * *")),
        vec!["spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"]
    );
    let long = "a".repeat(53);
    assert_eq!(
        create("batch", "CronJob", true, cj(&long, "@daily")),
        vec![format!(
            "metadata.name: Invalid value: \"{long}\": must be no more than 52 characters"
        )]
    );
}

#[test]
fn services_validate_ports_types_and_node_ports() {
    let svc = |spec: Value| json!({"metadata": {"name": "svc", "namespace": "d"}, "spec": spec});
    assert_eq!(
        create("", "Service", true, svc(json!({}))),
        vec!["spec.ports: Required value"]
    );
    assert!(create("", "Service", true, svc(json!({"clusterIP": "None"}))).is_empty());
    assert_eq!(
        create("", "Service", true, svc(json!({"ports": [{"port": 80}, {"port": 80, "name": "b"}]}))),
        vec![
            "spec.ports[0].name: Required value",
            "spec.ports[1]: Duplicate value: {\"Name\":\"\",\"Protocol\":\"TCP\",\"AppProtocol\":null,\"Port\":80,\"TargetPort\":0,\"NodePort\":0}",
        ]
    );
    assert_eq!(
        create("", "Service", true, svc(json!({"type": "Magic", "ports": [{"port": 0, "targetPort": "Http"}]}))),
        vec![
            "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
            "spec.ports[0].targetPort: Invalid value: \"Http\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
            "spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"",
        ]
    );
    assert_eq!(
        create("", "Service", true, svc(json!({"type": "NodePort", "ports": [{"port": 80, "nodePort": 40000}]}))),
        vec!["spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid range. The range of valid ports is 30000-32767"]
    );
    assert_eq!(
        create(
            "",
            "Service",
            true,
            svc(json!({"ports": [{"port": 80, "nodePort": 30080}]}))
        ),
        vec!["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]
    );
    assert_eq!(
        create("", "Service", true, svc(json!({"type": "ExternalName"}))),
        vec!["spec.externalName: Required value"]
    );
}

#[test]
fn config_map_and_secret_keys_use_the_config_key_rule() {
    let errs = create(
        "",
        "ConfigMap",
        true,
        json!({"metadata": {"name": "c", "namespace": "d"}, "data": {"bad key": "v", "ok.key": "v"}}),
    );
    assert_eq!(
        errs,
        vec!["data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"]
    );
    let errs = create(
        "",
        "Secret",
        true,
        json!({"metadata": {"name": "s", "namespace": "d"}, "type": "kubernetes.io/tls", "stringData": {"..": "x"}}),
    );
    assert_eq!(
        errs,
        vec![
            "data[..]: Invalid value: \"..\": must not be '..'",
            "data[tls.crt]: Required value",
            "data[tls.key]: Required value",
        ]
    );
}

#[test]
fn rbac_and_priority_class_rules() {
    let errs = create(
        "rbac.authorization.k8s.io",
        "Role",
        true,
        json!({"metadata": {"name": "r", "namespace": "d"}, "rules": [{"apiGroups": [""]}]}),
    );
    assert_eq!(
        errs,
        vec![
            "rules[0].verbs: Required value: verbs must contain at least one value",
            "rules[0].resources: Required value: resource rules must supply at least one resource",
        ]
    );
    let errs = create(
        "rbac.authorization.k8s.io",
        "ClusterRoleBinding",
        false,
        json!({"metadata": {"name": "b"}, "roleRef": {"kind": "Role", "name": "r"}, "subjects": [{"kind": "ServiceAccount", "name": "default"}, {"kind": "Robot", "name": "x"}]}),
    );
    assert_eq!(
        errs,
        vec![
            "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"",
            "subjects[0].namespace: Required value",
            "subjects[1].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"",
        ]
    );
    let errs = create(
        "scheduling.k8s.io",
        "PriorityClass",
        false,
        json!({"metadata": {"name": "system-mine"}, "value": 5}),
    );
    assert_eq!(errs, vec!["metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class"]);
    let errs = create(
        "scheduling.k8s.io",
        "PriorityClass",
        false,
        json!({"metadata": {"name": "huge"}, "value": 2000000000}),
    );
    assert_eq!(
        errs,
        vec!["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"]
    );
}

#[test]
fn ingress_pdb_hpa_and_pvc_rules() {
    let errs = create(
        "networking.k8s.io",
        "Ingress",
        true,
        json!({"metadata": {"name": "i", "namespace": "d"}, "spec": {}}),
    );
    assert_eq!(
        errs,
        vec!["spec.rules: Invalid value: null: either `defaultBackend` or `rules` must be specified"]
    );
    let errs = create(
        "networking.k8s.io",
        "Ingress",
        true,
        json!({"metadata": {"name": "i", "namespace": "d"}, "spec": {"rules": [{"host": "Example.com", "http": {"paths": [
            {"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
            {"path": "api", "pathType": "Prefix", "backend": {"service": {"name": "web"}}}
        ]}}]}}),
    );
    assert_eq!(
        errs,
        vec![
            format!("spec.rules[0].host: Invalid value: \"Example.com\": {SUBDOMAIN_MSG}"),
            "spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified".to_string(),
            "spec.rules[0].http.paths[1].path: Invalid value: \"api\": must be an absolute path".to_string(),
            "spec.rules[0].http.paths[1].backend: Required value: port name or number is required".to_string(),
        ]
    );
    let errs = create(
        "policy",
        "PodDisruptionBudget",
        true,
        json!({"metadata": {"name": "p", "namespace": "d"}, "spec": {"minAvailable": "150%"}}),
    );
    assert_eq!(
        errs,
        vec!["spec.minAvailable: Invalid value: \"150%\": must not be greater than 100%"]
    );
    let errs = create(
        "autoscaling",
        "HorizontalPodAutoscaler",
        true,
        json!({"metadata": {"name": "h", "namespace": "d"}, "spec": {"minReplicas": 3, "maxReplicas": 2, "scaleTargetRef": {"kind": "Deployment"}}}),
    );
    assert_eq!(
        errs,
        vec![
            "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`",
            "spec.scaleTargetRef.name: Required value"
        ]
    );
    let errs = create(
        "",
        "PersistentVolumeClaim",
        true,
        json!({"metadata": {"name": "c", "namespace": "d"}, "spec": {}}),
    );
    assert_eq!(
        errs,
        vec![
            "spec.accessModes: Required value: at least 1 access mode is required",
            "spec.resources[storage]: Required value"
        ]
    );
}

#[test]
fn stateful_set_and_daemon_set_basics() {
    let sts = json!({"metadata": {"name": "db", "namespace": "d"}, "spec": {"selector": {"matchLabels": {"app": "db"}}, "serviceName": "db",
        "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres"}]}},
        "podManagementPolicy": "Random"}});
    assert_eq!(
        create("apps", "StatefulSet", true, sts),
        vec!["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"]
    );
    let ds = json!({"metadata": {"name": "agent", "namespace": "d"}, "spec": {
        "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "a", "image": "x"}]}}}});
    assert_eq!(
        create("apps", "DaemonSet", true, ds),
        vec!["spec.template.metadata.labels: Invalid value: {\"app\":\"agent\"}: `selector` does not match template `labels`"]
    );
}

#[test]
fn stateful_set_templates_may_mount_claim_templates_and_leave_the_pod_spec_to_the_pods() {
    // kubernetes.io's controllers/statefulset.yaml: the template mounts "www", which only the
    // volumeClaimTemplates declare. Upstream checks a StatefulSet's template labels and
    // annotations, not its pod spec.
    let sts = json!({"metadata": {"name": "web", "namespace": "d"}, "spec": {"selector": {"matchLabels": {"app": "nginx"}},
        "serviceName": "nginx", "replicas": 3, "podManagementPolicy": "OrderedReady", "updateStrategy": {"type": "RollingUpdate"},
        "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"restartPolicy": "Always", "containers": [{"name": "nginx",
            "image": "registry.k8s.io/nginx-slim:0.24", "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}]}},
        "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"],
            "storageClassName": "my-storage-class", "resources": {"requests": {"storage": "1Gi"}}}}]}});
    assert!(create("apps", "StatefulSet", true, sts.clone()).is_empty());
    let mut bad = sts;
    bad["spec"]["template"]["metadata"]["labels"]["-x"] = json!("y");
    bad["spec"]["template"]["spec"]["containers"][0]["name"] = json!("Web");
    assert_eq!(
        create("apps", "StatefulSet", true, bad),
        vec!["spec.template.labels: Invalid value: \"-x\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"]
    );
}

#[test]
fn update_rejects_selector_and_name_changes() {
    let old = deployment(json!({"matchLabels": {"app": "web"}}), json!({"app": "web", "v": "1"}));
    let new = deployment(
        json!({"matchLabels": {"app": "web", "v": "1"}}),
        json!({"app": "web", "v": "1"}),
    );
    assert_eq!(
        update("apps", "Deployment", true, old.clone(), new),
        vec!["spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"web\",\"v\":\"1\"}}: field is immutable"]
    );
    let mut renamed = old.clone();
    renamed["metadata"]["name"] = json!("other");
    assert_eq!(
        update("apps", "Deployment", true, old.clone(), renamed),
        vec!["metadata.name: Invalid value: \"other\": field is immutable"]
    );
    let mut scaled = old.clone();
    scaled["spec"]["replicas"] = json!(5);
    assert!(update("apps", "Deployment", true, old, scaled).is_empty());
}

#[test]
fn pod_updates_may_only_change_images_and_a_few_fields() {
    let old = pod(json!([{"name": "c", "image": "nginx:1", "ports": [{"containerPort": 80}]}]));
    let mut image = old.clone();
    image["spec"]["containers"][0]["image"] = json!("nginx:2");
    image["metadata"]["labels"] = json!({"new": "label"});
    assert!(update("", "Pod", true, old.clone(), image).is_empty());
    let mut port = old.clone();
    port["spec"]["containers"][0]["ports"][0]["containerPort"] = json!(8080);
    assert_eq!(
        update("", "Pod", true, old.clone(), port),
        vec!["spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"]
    );
    let mut added = old.clone();
    added["spec"]["containers"] = json!([{"name": "c", "image": "nginx:1"}, {"name": "d", "image": "x"}]);
    assert_eq!(
        update("", "Pod", true, old, added),
        vec!["spec.containers: Forbidden: pod updates may not add or remove containers"]
    );
}

#[test]
fn update_immutability_for_config_maps_services_jobs_and_bindings() {
    let cm = json!({"metadata": {"name": "c", "namespace": "d"}, "immutable": true, "data": {"a": "1"}});
    let mut changed = cm.clone();
    changed["data"]["a"] = json!("2");
    assert_eq!(
        update("", "ConfigMap", true, cm, changed),
        vec!["data: Forbidden: field is immutable when `immutable` is set"]
    );

    let svc = json!({"metadata": {"name": "s", "namespace": "d"}, "spec": {"clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ports": [{"port": 80}]}});
    let mut moved = svc.clone();
    moved["spec"]["clusterIP"] = json!("None");
    moved["spec"]["clusterIPs"] = json!(["None"]);
    assert_eq!(
        update("", "Service", true, svc.clone(), moved),
        vec!["spec.clusterIPs[0]: Invalid value: [\"None\"]: may not change once set"]
    );
    // Patching only the singular field (kubectl patch/edit) changes the IP too.
    let mut singular = svc.clone();
    singular["spec"]["clusterIP"] = json!("10.96.0.5");
    assert_eq!(
        update("", "Service", true, svc.clone(), singular),
        vec!["spec.clusterIPs[0]: Invalid value: [\"10.96.0.5\"]: may not change once set"]
    );
    let mut unset = svc.clone();
    unset["spec"].as_object_mut().unwrap().remove("clusterIP");
    unset["spec"].as_object_mut().unwrap().remove("clusterIPs");
    assert!(update("", "Service", true, svc, unset).is_empty());

    let job = json!({"metadata": {"name": "j", "namespace": "d"}, "spec": {"selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u"}},
        "template": {"metadata": {"labels": {"batch.kubernetes.io/controller-uid": "u"}}, "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}});
    let mut new_image = job.clone();
    new_image["spec"]["template"]["spec"]["containers"][0]["image"] = json!("alpine");
    let errs = update("batch", "Job", true, job, new_image);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].starts_with("spec.template: Invalid value: {"), "{}", errs[0]);
    assert!(errs[0].ends_with(": field is immutable"));

    let rb = json!({"metadata": {"name": "b", "namespace": "d"}, "roleRef": {"kind": "Role", "name": "a"}});
    let mut other = rb.clone();
    other["roleRef"]["name"] = json!("b");
    assert_eq!(
        update("rbac.authorization.k8s.io", "RoleBinding", true, rb, other),
        vec!["roleRef: Invalid value: {\"APIGroup\":\"rbac.authorization.k8s.io\",\"Kind\":\"Role\",\"Name\":\"b\"}: cannot change roleRef"]
    );
}

#[test]
fn stateful_set_updates_outside_the_allowed_fields_are_forbidden() {
    let sts = json!({"metadata": {"name": "db", "namespace": "d"}, "spec": {"selector": {"matchLabels": {"app": "db"}}, "serviceName": "db",
        "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "db", "image": "postgres"}]}}}});
    let mut renamed = sts.clone();
    renamed["spec"]["serviceName"] = json!("other");
    assert_eq!(
        update("apps", "StatefulSet", true, sts.clone(), renamed),
        vec!["spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"]
    );
    let mut scaled = sts.clone();
    scaled["spec"]["replicas"] = json!(3);
    assert!(update("apps", "StatefulSet", true, sts, scaled).is_empty());
}

#[test]
fn garbage_input_does_not_panic() {
    let kinds = [
        ("", "Pod", true),
        ("", "Service", true),
        ("apps", "Deployment", true),
        ("apps", "StatefulSet", true),
        ("apps", "DaemonSet", true),
        ("batch", "Job", true),
        ("batch", "CronJob", true),
        ("", "Secret", true),
        ("", "ConfigMap", true),
        ("networking.k8s.io", "Ingress", true),
        ("rbac.authorization.k8s.io", "RoleBinding", true),
        ("", "PersistentVolumeClaim", true),
        ("policy", "PodDisruptionBudget", true),
        ("autoscaling", "HorizontalPodAutoscaler", true),
    ];
    let junk = [
        json!(null),
        json!(1),
        json!({"spec": "x"}),
        json!({"metadata": 3, "spec": {"containers": [1, "x", null], "volumes": {"a": 1}}}),
        json!({"spec": {"ports": [{"port": "x", "targetPort": {"a": 1}}], "template": 5, "selector": [1], "schedule": "a-b-c/2/3 * * * *"}}),
        json!({"spec": {"containers": [{"resources": {"limits": {"cpu": "1e99999"}, "requests": {"cpu": "99999999999999999999999999999999Ei"}}}]}}),
    ];
    for (g, k, ns) in kinds {
        for j in &junk {
            let _ = create(g, k, ns, j.clone());
            let _ = update(g, k, ns, j.clone(), json!({"spec": {"x": 1}}));
        }
    }
}

#[test]
fn node_taints_need_a_supported_effect_and_unique_keys() {
    let node = json!({"metadata": {"name": "n1"}, "spec": {"taints": [
        {"key": "gpu", "value": "true", "effect": "NoSchedule"},
        {"key": "gpu", "value": "false", "effect": "NoSchedule"},
        {"key": "x", "effect": ""},
        {"key": "y", "effect": "Sometimes"}
    ]}});
    assert_eq!(
        create("", "Node", false, node),
        vec![
            "spec.taints[1]: Duplicate value: {\"Key\":\"gpu\",\"Value\":\"false\",\"Effect\":\"NoSchedule\",\"TimeAdded\":null}: taints must be unique by key and effect pair",
            "spec.taints[2].effect: Required value",
            "spec.taints[2].effect: Unsupported value: \"\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
            "spec.taints[3].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"",
        ]
    );
}

#[test]
fn a_deployment_without_a_template_reports_what_upstream_does() {
    let d =
        json!({"metadata": {"name": "web", "namespace": "d"}, "spec": {"selector": {"matchLabels": {"app": "web"}}}});
    assert_eq!(
        create("apps", "Deployment", true, d),
        vec![
            "spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`",
            "spec.template.spec.containers: Required value",
        ]
    );
}

#[test]
fn pod_images_may_not_have_surrounding_whitespace_but_templates_may() {
    let errs = create("", "Pod", true, pod(json!([{"name": "c", "image": " nginx"}])));
    assert_eq!(
        errs,
        vec!["spec.containers[0].image: Invalid value: \" nginx\": must not have leading or trailing whitespace"]
    );
    let mut d = deployment(json!({"matchLabels": {"app": "web"}}), json!({"app": "web"}));
    d["spec"]["template"]["spec"]["containers"][0]["image"] = json!(" ");
    assert!(create("apps", "Deployment", true, d).is_empty());
}

#[test]
fn downward_api_env_field_paths_are_checked() {
    let env = |field_path: &str| {
        pod(
            json!([{"name": "c", "image": "x", "env": [{"name": "V", "valueFrom": {"fieldRef": {"fieldPath": field_path}}}]}]),
        )
    };
    assert!(create("", "Pod", true, env("status.podIP")).is_empty());
    assert!(create("", "Pod", true, env("metadata.labels['app']")).is_empty());
    assert_eq!(
        create("", "Pod", true, env("metadata.nam")),
        vec!["spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: \"metadata.nam\": error converting fieldPath: field label not supported: metadata.nam"]
    );
    assert_eq!(
        create("", "Pod", true, env("status.phase")),
        vec!["spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: \"status.phase\": supported values: \"metadata.name\", \"metadata.namespace\", \"metadata.uid\", \"spec.nodeName\", \"spec.serviceAccountName\", \"status.hostIP\", \"status.hostIPs\", \"status.podIP\", \"status.podIPs\""]
    );
}

#[test]
fn a_replica_set_without_selector_also_reports_the_label_mismatch() {
    let mut rs = deployment(json!(null), json!({"app": "web"}));
    rs["spec"].as_object_mut().unwrap().remove("selector");
    assert_eq!(
        create("apps", "ReplicaSet", true, rs),
        vec![
            "spec.selector: Required value",
            "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
        ]
    );
}

#[test]
fn a_controller_revision_needs_data_and_a_non_negative_revision() {
    let rev = json!({"metadata": {"name": "web-1", "namespace": "d"}, "revision": -3});
    assert_eq!(
        create("apps", "ControllerRevision", true, rev),
        vec![
            "data: Required value: data is mandatory",
            "revision: Invalid value: -3: must be greater than or equal to 0"
        ]
    );
    let ok = json!({"metadata": {"name": "web-1", "namespace": "d"}, "data": {"spec": {}}, "revision": 1});
    assert!(create("apps", "ControllerRevision", true, ok).is_empty());
}
