use super::*;
use serde_json::json;

fn defaulted(api_version: &str, kind: &str, mut obj: Value) -> Value {
    apply_defaults(&GroupVersionKind::from_api_version(api_version, kind), &mut obj);
    obj
}

fn defaulted_container() -> Value {
    json!({
        "name": "web", "image": "nginx",
        "imagePullPolicy": "Always",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File"
    })
}

#[test]
fn a_minimal_pod_gets_every_pod_and_container_default() {
    let out = defaulted(
        "v1",
        "Pod",
        json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}),
    );
    assert_eq!(
        out,
        json!({"metadata": {"name": "p"}, "spec": {
            "containers": [defaulted_container()],
            "dnsPolicy": "ClusterFirst",
            "enableServiceLinks": true,
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "terminationGracePeriodSeconds": 30
        }})
    );
}

#[test]
fn image_pull_policy_follows_the_tag() {
    let cases = [
        ("nginx", "Always"),
        ("nginx:latest", "Always"),
        ("nginx:1.25", "IfNotPresent"),
        ("registry.k8s.io/pause:3.10", "IfNotPresent"),
        ("localhost:5000/app", "Always"),
        ("localhost:5000/app:v2", "IfNotPresent"),
        (
            "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "IfNotPresent",
        ),
        (
            "nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "Always",
        ),
        ("Nginx", "IfNotPresent"),
        ("", "IfNotPresent"),
        ("busybox:", "IfNotPresent"),
    ];
    for (image, want) in cases {
        assert_eq!(pull_policy_for(image), want, "image {image:?}");
    }
}

#[test]
fn explicit_values_are_kept() {
    let out = defaulted(
        "v1",
        "Pod",
        json!({"spec": {"restartPolicy": "Never", "dnsPolicy": "Default", "terminationGracePeriodSeconds": 0,
            "enableServiceLinks": false,
            "containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Never"}]}}),
    );
    assert_eq!(out["spec"]["restartPolicy"], "Never");
    assert_eq!(out["spec"]["dnsPolicy"], "Default");
    assert_eq!(out["spec"]["terminationGracePeriodSeconds"], 0);
    assert_eq!(out["spec"]["enableServiceLinks"], false);
    assert_eq!(out["spec"]["containers"][0]["imagePullPolicy"], "Never");
}

#[test]
fn container_ports_probes_env_and_lifecycle_are_defaulted() {
    let out = defaulted(
        "v1",
        "Pod",
        json!({"spec": {"containers": [{
            "name": "c", "image": "app:1",
            "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}],
            "livenessProbe": {"httpGet": {"port": 80}},
            "readinessProbe": {"grpc": {"port": 9000}, "periodSeconds": 5},
            "startupProbe": {"exec": {"command": ["true"]}, "failureThreshold": 30},
            "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
            "lifecycle": {"preStop": {"httpGet": {"port": 8080, "path": "/stop"}}}
        }]}}),
    );
    let c = &out["spec"]["containers"][0];
    assert_eq!(
        c["ports"],
        json!([{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 53, "protocol": "UDP"}])
    );
    assert_eq!(
        c["livenessProbe"],
        json!({"httpGet": {"port": 80, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1, "periodSeconds": 10,
            "successThreshold": 1, "failureThreshold": 3})
    );
    assert_eq!(c["readinessProbe"]["grpc"], json!({"port": 9000, "service": ""}));
    assert_eq!(c["readinessProbe"]["periodSeconds"], 5);
    assert_eq!(c["startupProbe"]["failureThreshold"], 30);
    assert_eq!(
        c["env"][0]["valueFrom"]["fieldRef"],
        json!({"apiVersion": "v1", "fieldPath": "spec.nodeName"})
    );
    assert_eq!(
        c["lifecycle"]["preStop"]["httpGet"],
        json!({"port": 8080, "path": "/stop", "scheme": "HTTP"})
    );
    assert_eq!(c["imagePullPolicy"], "IfNotPresent");
}

#[test]
fn pod_requests_default_from_limits_but_templates_do_not() {
    let spec = json!({"containers": [{"name": "c", "image": "x:1",
        "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "100m"}}}]});
    let pod = defaulted("v1", "Pod", json!({"spec": spec.clone()}));
    assert_eq!(
        pod["spec"]["containers"][0]["resources"]["requests"],
        json!({"cpu": "100m", "memory": "128Mi"})
    );
    let deploy = defaulted("apps/v1", "Deployment", json!({"spec": {"template": {"spec": spec}}}));
    let tspec = &deploy["spec"]["template"]["spec"];
    assert_eq!(tspec["containers"][0]["resources"]["requests"], json!({"cpu": "100m"}));
    assert!(tspec.get("enableServiceLinks").is_none());
    assert_eq!(tspec["restartPolicy"], "Always");
}

#[test]
fn host_network_pods_get_host_ports() {
    let out = defaulted(
        "v1",
        "Pod",
        json!({"spec": {"hostNetwork": true, "containers": [{"name": "c", "image": "x", "ports": [{"containerPort": 8080}]}]}}),
    );
    assert_eq!(out["spec"]["containers"][0]["ports"][0]["hostPort"], 8080);
}

#[test]
fn volumes_get_modes_sources_and_types() {
    let out = defaulted(
        "v1",
        "Pod",
        json!({"spec": {"containers": [], "volumes": [
            {"name": "a"},
            {"name": "b", "configMap": {"name": "cm"}},
            {"name": "c", "secret": {"secretName": "s", "defaultMode": 256}},
            {"name": "d", "hostPath": {"path": "/data"}},
            {"name": "e", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
            {"name": "f", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
            {"name": "g", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}}
        ]}}),
    );
    let v = &out["spec"]["volumes"];
    assert_eq!(v[0], json!({"name": "a", "emptyDir": {}}));
    assert_eq!(v[1]["configMap"], json!({"name": "cm", "defaultMode": 420}));
    assert_eq!(v[2]["secret"]["defaultMode"], 256);
    assert_eq!(v[3]["hostPath"], json!({"path": "/data", "type": ""}));
    assert_eq!(v[4]["downwardAPI"]["defaultMode"], 420);
    assert_eq!(v[4]["downwardAPI"]["items"][0]["fieldRef"]["apiVersion"], "v1");
    assert_eq!(v[5]["projected"]["defaultMode"], 420);
    assert_eq!(
        v[5]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"],
        3600
    );
    assert_eq!(
        v[6]["ephemeral"]["volumeClaimTemplate"]["spec"]["volumeMode"],
        "Filesystem"
    );
}

#[test]
fn deployment_defaults_match_apps_v1() {
    let out = defaulted(
        "apps/v1",
        "Deployment",
        json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}),
    );
    assert_eq!(
        out,
        json!({"spec": {
            "replicas": 1,
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "template": {"spec": {
                "containers": [defaulted_container()],
                "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
                "securityContext": {}, "terminationGracePeriodSeconds": 30
            }}
        }})
    );
}

#[test]
fn recreate_deployments_get_no_rolling_update_block() {
    let out = defaulted(
        "apps/v1",
        "Deployment",
        json!({"spec": {"replicas": 0, "strategy": {"type": "Recreate"}}}),
    );
    assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
    assert_eq!(out["spec"]["replicas"], 0);
}

#[test]
fn stateful_set_defaults_include_claim_templates() {
    let out = defaulted(
        "apps/v1",
        "StatefulSet",
        json!({"spec": {"serviceName": "db", "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}]}}),
    );
    let spec = &out["spec"];
    assert_eq!(spec["podManagementPolicy"], "OrderedReady");
    assert_eq!(
        spec["updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
    );
    assert_eq!(
        spec["persistentVolumeClaimRetentionPolicy"],
        json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
    );
    assert_eq!(spec["replicas"], 1);
    assert_eq!(spec["revisionHistoryLimit"], 10);
    assert_eq!(
        spec["volumeClaimTemplates"][0],
        json!({"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "volumeMode": "Filesystem"}, "status": {"phase": "Pending"}})
    );
    let on_delete = defaulted(
        "apps/v1",
        "StatefulSet",
        json!({"spec": {"updateStrategy": {"type": "OnDelete"}}}),
    );
    assert_eq!(on_delete["spec"]["updateStrategy"], json!({"type": "OnDelete"}));
}

#[test]
fn daemon_set_rolling_update_uses_integers() {
    let out = defaulted("apps/v1", "DaemonSet", json!({"spec": {}}));
    assert_eq!(
        out["spec"]["updateStrategy"],
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
    );
    assert_eq!(out["spec"]["revisionHistoryLimit"], 10);
    // spec.template is a Go value struct, so even a missing one gets pod spec defaults
    assert_eq!(out["spec"]["template"]["spec"]["restartPolicy"], "Always");
}

#[test]
fn replica_set_and_replication_controller_default_replicas_selector_and_labels() {
    assert_eq!(
        defaulted("apps/v1", "ReplicaSet", json!({"spec": {}}))["spec"]["replicas"],
        1
    );
    let rc = defaulted(
        "v1",
        "ReplicationController",
        json!({"metadata": {"name": "rc"}, "spec": {"template": {"metadata": {"labels": {"app": "x"}}}}}),
    );
    assert_eq!(rc["spec"]["selector"], json!({"app": "x"}));
    assert_eq!(rc["metadata"]["labels"], json!({"app": "x"}));
    assert_eq!(rc["spec"]["replicas"], 1);
}

#[test]
fn job_defaults_and_template_labels() {
    let out = defaulted(
        "batch/v1",
        "Job",
        json!({"metadata": {"name": "j"}, "spec": {"template": {"metadata": {"labels": {"a": "b"}}, "spec": {"restartPolicy": "Never", "containers": []}}}}),
    );
    let spec = &out["spec"];
    assert_eq!(spec["completions"], 1);
    assert_eq!(spec["parallelism"], 1);
    assert_eq!(spec["backoffLimit"], 6);
    assert_eq!(spec["completionMode"], "NonIndexed");
    assert_eq!(spec["suspend"], false);
    assert_eq!(spec["manualSelector"], false);
    assert_eq!(spec["podReplacementPolicy"], "TerminatingOrFailed");
    assert_eq!(spec["template"]["spec"]["restartPolicy"], "Never");
    assert_eq!(out["metadata"]["labels"], json!({"a": "b"}));

    let parallel = defaulted(
        "batch/v1",
        "Job",
        json!({"spec": {"parallelism": 3, "backoffLimitPerIndex": 1, "podFailurePolicy": {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}}}),
    );
    assert!(parallel["spec"].get("completions").is_none());
    assert_eq!(parallel["spec"]["backoffLimit"], 2147483647);
    assert_eq!(parallel["spec"]["podReplacementPolicy"], "Failed");
    assert_eq!(
        parallel["spec"]["podFailurePolicy"]["rules"][0]["onPodConditions"][0]["status"],
        "True"
    );
}

#[test]
fn cron_job_defaults_leave_the_job_template_spec_alone() {
    let out = defaulted(
        "batch/v1",
        "CronJob",
        json!({"spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}}),
    );
    let spec = &out["spec"];
    assert_eq!(spec["concurrencyPolicy"], "Allow");
    assert_eq!(spec["suspend"], false);
    assert_eq!(spec["successfulJobsHistoryLimit"], 3);
    assert_eq!(spec["failedJobsHistoryLimit"], 1);
    assert!(spec["jobTemplate"]["spec"].get("backoffLimit").is_none());
    assert_eq!(
        spec["jobTemplate"]["spec"]["template"]["spec"]["dnsPolicy"],
        "ClusterFirst"
    );
    assert_eq!(
        spec["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
        "Always"
    );
}

#[test]
fn service_defaults_depend_on_type() {
    let cases = [
        (
            json!({"ports": [{"port": 80}]}),
            json!({"type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
                "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}]}),
        ),
        (
            json!({"type": "NodePort", "ports": [{"port": 80, "targetPort": "http"}]}),
            json!({"type": "NodePort", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
                "externalTrafficPolicy": "Cluster", "ports": [{"port": 80, "protocol": "TCP", "targetPort": "http"}]}),
        ),
        (
            json!({"type": "LoadBalancer", "ports": [{"port": 443, "targetPort": 0}]}),
            json!({"type": "LoadBalancer", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
                "externalTrafficPolicy": "Cluster", "allocateLoadBalancerNodePorts": true,
                "ports": [{"port": 443, "protocol": "TCP", "targetPort": 443}]}),
        ),
        (
            json!({"type": "ExternalName", "externalName": "example.com"}),
            json!({"type": "ExternalName", "externalName": "example.com", "sessionAffinity": "None"}),
        ),
        (
            json!({"sessionAffinity": "ClientIP"}),
            json!({"type": "ClusterIP", "sessionAffinity": "ClientIP", "internalTrafficPolicy": "Cluster",
                "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10800}}}),
        ),
        (
            json!({"externalIPs": ["1.2.3.4"]}),
            json!({"type": "ClusterIP", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
                "externalIPs": ["1.2.3.4"], "externalTrafficPolicy": "Cluster"}),
        ),
    ];
    for (spec, want) in cases {
        let out = defaulted("v1", "Service", json!({"spec": spec.clone()}));
        assert_eq!(out["spec"], want, "spec {spec}");
    }
}

#[test]
fn simple_kinds_get_their_defaults() {
    assert_eq!(defaulted("v1", "Secret", json!({}))["type"], "Opaque");
    let ns = defaulted("v1", "Namespace", json!({"metadata": {"name": "dev"}}));
    assert_eq!(
        ns,
        json!({"metadata": {"name": "dev", "labels": {"kubernetes.io/metadata.name": "dev"}}, "status": {"phase": "Active"}})
    );
    let pv = defaulted("v1", "PersistentVolume", json!({"spec": {"hostPath": {"path": "/x"}}}));
    assert_eq!(
        pv,
        json!({"spec": {"hostPath": {"path": "/x", "type": ""}, "persistentVolumeReclaimPolicy": "Retain", "volumeMode": "Filesystem"},
            "status": {"phase": "Pending"}})
    );
    let pvc = defaulted("v1", "PersistentVolumeClaim", json!({"spec": {}}));
    assert_eq!(
        pvc,
        json!({"spec": {"volumeMode": "Filesystem"}, "status": {"phase": "Pending"}})
    );
    let sc = defaulted("storage.k8s.io/v1", "StorageClass", json!({"provisioner": "x"}));
    assert_eq!(
        sc,
        json!({"provisioner": "x", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"})
    );
    let pc = defaulted("scheduling.k8s.io/v1", "PriorityClass", json!({"value": 5}));
    assert_eq!(pc["preemptionPolicy"], "PreemptLowerPriority");
    let node = defaulted("v1", "Node", json!({"status": {"capacity": {"cpu": "2"}}}));
    assert_eq!(node["status"]["allocatable"], json!({"cpu": "2"}));
}

#[test]
fn rbac_bindings_default_api_groups_for_users_and_groups_only() {
    let out = defaulted(
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
        json!({"roleRef": {"kind": "Role", "name": "r"}, "subjects": [
            {"kind": "User", "name": "jane"}, {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "default", "namespace": "ns"}]}),
    );
    assert_eq!(out["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
    assert_eq!(out["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
    assert_eq!(out["subjects"][1]["apiGroup"], "rbac.authorization.k8s.io");
    assert!(out["subjects"][2].get("apiGroup").is_none());
}

#[test]
fn hpa_v2_defaults_metrics_and_fills_given_behavior() {
    let out = defaulted(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        json!({"spec": {"maxReplicas": 5, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}}),
    );
    let spec = &out["spec"];
    assert_eq!(spec["minReplicas"], 1);
    assert_eq!(spec["metrics"][0]["resource"]["target"]["averageUtilization"], 80);
    assert_eq!(
        spec["behavior"]["scaleUp"]["policies"][0],
        json!({"type": "Pods", "value": 4, "periodSeconds": 15})
    );
    assert_eq!(spec["behavior"]["scaleUp"]["stabilizationWindowSeconds"], 0);
    assert_eq!(
        spec["behavior"]["scaleDown"],
        json!({"stabilizationWindowSeconds": 60, "selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]})
    );
    let v1 = defaulted(
        "autoscaling/v1",
        "HorizontalPodAutoscaler",
        json!({"spec": {"maxReplicas": 5}}),
    );
    assert_eq!(v1["spec"], json!({"maxReplicas": 5, "minReplicas": 1}));
    let no_behavior = defaulted(
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        json!({"spec": {"maxReplicas": 5}}),
    );
    assert!(no_behavior["spec"].get("behavior").is_none());
}

#[test]
fn network_policy_types_and_port_protocols() {
    let ingress_only = defaulted(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        json!({"spec": {"ingress": [{"ports": [{"port": 80}]}]}}),
    );
    assert_eq!(ingress_only["spec"]["policyTypes"], json!(["Ingress"]));
    assert_eq!(ingress_only["spec"]["ingress"][0]["ports"][0]["protocol"], "TCP");
    let both = defaulted(
        "networking.k8s.io/v1",
        "NetworkPolicy",
        json!({"spec": {"egress": [{}]}}),
    );
    assert_eq!(both["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
}

#[test]
fn endpoints_and_slices_default_port_protocols() {
    let ep = defaulted("v1", "Endpoints", json!({"subsets": [{"ports": [{"port": 80}]}]}));
    assert_eq!(ep["subsets"][0]["ports"][0]["protocol"], "TCP");
    let slice = defaulted("discovery.k8s.io/v1", "EndpointSlice", json!({"ports": [{"port": 80}]}));
    assert_eq!(slice["ports"][0], json!({"port": 80, "name": "", "protocol": "TCP"}));
}

#[test]
fn limit_range_container_defaults_cascade_from_max_and_min() {
    let out = defaulted(
        "v1",
        "LimitRange",
        json!({"spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}, "min": {"memory": "64Mi"}}, {"type": "Pod", "max": {"cpu": "2"}}]}}),
    );
    let item = &out["spec"]["limits"][0];
    assert_eq!(item["default"], json!({"cpu": "1"}));
    assert_eq!(item["defaultRequest"], json!({"cpu": "1", "memory": "64Mi"}));
    assert!(out["spec"]["limits"][1].get("default").is_none());
}

#[test]
fn wrong_shapes_and_unknown_kinds_do_not_panic() {
    for obj in [
        json!(null),
        json!([1]),
        json!({"spec": 5}),
        json!({"spec": {"containers": "x", "volumes": [1, null]}}),
    ] {
        for (av, kind) in [
            ("v1", "Pod"),
            ("apps/v1", "Deployment"),
            ("v1", "Service"),
            ("batch/v1", "CronJob"),
            ("x/v1", "Foo"),
        ] {
            let _ = defaulted(av, kind, obj.clone());
        }
    }
    assert_eq!(
        defaulted("example.com/v1", "Widget", json!({"spec": {}})),
        json!({"spec": {}})
    );
}

#[test]
fn resource_quantities_are_rounded_up_to_milli_precision() {
    let out = defaulted(
        "v1",
        "Pod",
        json!({"spec": {"containers": [{"name": "c", "image": "x:1", "resources": {"limits": {"cpu": "0.0001", "memory": "1Gi"}, "requests": {"cpu": "100m"}}}]}}),
    );
    let res = &out["spec"]["containers"][0]["resources"];
    assert_eq!(res["limits"], json!({"cpu": "1m", "memory": "1Gi"}));
    // requests were defaulted from limits before rounding, as SetDefaults_Pod runs first
    assert_eq!(res["requests"], json!({"cpu": "100m", "memory": "1Gi"}));
}

#[test]
fn limit_ranges_without_bounds_gain_no_empty_maps() {
    let out = defaulted(
        "v1",
        "LimitRange",
        json!({"spec": {"limits": [{"type": "Container", "max": {"cpu": "0.5001"}}, {"type": "Container"}]}}),
    );
    assert_eq!(
        out["spec"]["limits"],
        json!([{"type": "Container", "max": {"cpu": "501m"}, "default": {"cpu": "501m"}, "defaultRequest": {"cpu": "501m"}}, {"type": "Container"}])
    );
}

#[test]
fn quota_and_node_lists_are_rounded() {
    let rq = defaulted(
        "v1",
        "ResourceQuota",
        json!({"spec": {"hard": {"cpu": "0.0005", "pods": "10"}}}),
    );
    assert_eq!(rq["spec"]["hard"], json!({"cpu": "1m", "pods": "10"}));
}
