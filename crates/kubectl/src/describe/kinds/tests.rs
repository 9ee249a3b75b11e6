use super::*;
use serde_json::json;

const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z, a Thursday

#[test]
fn config_map_layout_matches_upstream() {
    let cm = json!({"metadata": {"name": "app", "namespace": "default"}, "data": {"b": "two\nlines", "a": "1"}});
    let rel = Related {
        events: Some(vec![]),
        ..Default::default()
    };
    assert_eq!(
        describe("", "ConfigMap", &cm, &rel, T0),
        "Name:         app\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nData\n====\na:\n----\n1\n\nb:\n----\ntwo\nlines\n\n\nBinaryData\n====\n\nEvents:  <none>\n"
    );
}

#[test]
fn secrets_show_sizes_not_values() {
    let s = json!({"metadata": {"name": "s", "namespace": "default", "labels": {"a": "1", "b": "2"}},
        "type": "Opaque", "data": {"password": "c2VjcmV0"}});
    assert_eq!(
        describe("", "Secret", &s, &Related::default(), T0),
        "Name:         s\nNamespace:    default\nLabels:       a=1\n              b=2\nAnnotations:  <none>\n\nType:  Opaque\n\nData\n====\npassword:  6 bytes\n"
    );
}

#[test]
fn events_table_is_flushed_separately_and_sorted() {
    let ev = |reason: &str, last: &str, count: i64| {
        json!({"type": "Normal", "reason": reason, "lastTimestamp": last, "firstTimestamp": "2026-01-01T00:00:00Z",
            "count": count, "source": {"component": "kubelet"}, "message": "msg"})
    };
    let mut w = Writer::new();
    w.write(L0, "Name:\tp\n");
    events(
        &mut w,
        &[
            ev("Started", "2026-01-01T00:01:00Z", 1),
            ev("Pulled", "2026-01-01T00:00:30Z", 3),
        ],
        T0 + 120,
    );
    assert_eq!(
        w.finish(),
        "Name:  p\nEvents:\n  Type    Reason   Age               From     Message\n  ----    ------   ----              ----     -------\n  Normal  Pulled   90s (x3 over 2m)  kubelet  msg\n  Normal  Started  2m                kubelet  msg\n"
    );
}

#[test]
fn times_print_as_rfc1123z() {
    assert_eq!(rfc1123z("2026-01-01T00:00:00Z"), "Thu, 01 Jan 2026 00:00:00 +0000");
    assert_eq!(rfc1123z("2026-11-22T01:49:32Z"), "Sun, 22 Nov 2026 01:49:32 +0000");
}

#[test]
fn smart_labels_follow_camel_case_rules() {
    for (field, want) in [
        ("creationTimestamp", "Creation Timestamp"),
        ("apiVersion", "API Version"),
        ("uid", "UID"),
        ("resourceVersion", "Resource Version"),
        ("podIPs", "Pod I Ps"),
        ("kind", "Kind"),
        ("x_y", "x_y"),
    ] {
        assert_eq!(smart_label(field), want, "{field}");
    }
}

#[test]
fn generic_describer_walks_the_object() {
    let cr = json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default", "uid": "u1"}, "spec": {"size": 3, "tags": ["a", "b"]}});
    assert_eq!(
        describe("example.com", "Widget", &cr, &Related { events: Some(vec![]), ..Default::default() }, T0),
        "Name:         w\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\nAPI Version:  example.com/v1\nKind:         Widget\nMetadata:\n  UID:  u1\nSpec:\n  Size:  3\n  Tags:\n    a\n    b\nEvents:  <none>\n"
    );
}

#[test]
fn pod_describe_covers_containers_and_qos() {
    let pod = json!({
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"},
            "ownerReferences": [{"kind": "ReplicaSet", "name": "web-abc", "controller": true, "uid": "rs1"}]},
        "spec": {"nodeName": "node01", "serviceAccountName": "default", "priority": 0,
            "containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}],
                "env": [{"name": "MODE", "value": "prod"}],
                "volumeMounts": [{"name": "kube-api-access-x", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]}],
            "volumes": [{"name": "kube-api-access-x", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}}],
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]},
        "status": {"phase": "Running", "hostIP": "192.168.0.11", "podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}],
            "startTime": "2026-01-01T00:00:00Z",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "nginx", "ready": true, "restartCount": 0, "image": "nginx:1.27",
                "imageID": "docker.io/library/nginx@sha256:1", "containerID": "containerd://c1",
                "state": {"running": {"startedAt": "2026-01-01T00:00:05Z"}}}]}
    });
    let text = describe(
        "",
        "Pod",
        &pod,
        &Related {
            events: Some(vec![]),
            ..Default::default()
        },
        T0 + 60,
    );
    let want = "Name:             web
Namespace:        default
Priority:         0
Service Account:  default
Node:             node01/192.168.0.11
Start Time:       Thu, 01 Jan 2026 00:00:00 +0000
Labels:           app=web
Annotations:      <none>
Status:           Running
IP:               10.244.1.5
IPs:
  IP:           10.244.1.5
Controlled By:  ReplicaSet/web-abc
Containers:
  nginx:
    Container ID:   containerd://c1
    Image:          nginx:1.27
    Image ID:       docker.io/library/nginx@sha256:1
    Port:           80/TCP
    Host Port:      0/TCP
    State:          Running
      Started:      Thu, 01 Jan 2026 00:00:05 +0000
    Ready:          True
    Restart Count:  0
    Environment:
      MODE:  prod
    Mounts:
      /var/run/secrets/kubernetes.io/serviceaccount from kube-api-access-x (ro)
Conditions:
  Type    Status
  Ready   True 
Volumes:
  kube-api-access-x:
    Type:                    Projected (a volume that contains injected data from multiple sources)
    TokenExpirationSeconds:  3607
QoS Class:                   BestEffort
Node-Selectors:              <none>
Tolerations:                 node.kubernetes.io/not-ready:NoExecute op=Exists for 300s
Events:                      <none>
";
    assert_eq!(text, want);
}

fn node() -> Value {
    json!({"metadata": {"name": "node01", "uid": "n1", "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"kubernetes.io/hostname": "node01", "node-role.kubernetes.io/control-plane": ""},
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"}},
        "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"],
            "taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
                "lastHeartbeatTime": "2026-01-01T00:59:00Z", "lastTransitionTime": "2026-01-01T00:00:30Z"}],
            "addresses": [{"type": "InternalIP", "address": "192.168.0.10"}, {"type": "Hostname", "address": "node01"}],
            "capacity": {"cpu": "2", "memory": "4028Mi", "pods": "110", "ephemeral-storage": "20Gi"},
            "allocatable": {"cpu": "2", "memory": "3928Mi", "pods": "110", "ephemeral-storage": "18Gi"},
            "nodeInfo": {"machineID": "m", "systemUUID": "u", "bootID": "b", "kernelVersion": "6.8.0", "osImage": "Ubuntu 24.04 LTS",
                "operatingSystem": "linux", "architecture": "amd64", "containerRuntimeVersion": "containerd://2.0.0", "kubeletVersion": "v1.37.0"}}})
}

#[test]
fn node_describe_sums_pod_requests() {
    let pod = json!({"metadata": {"name": "etcd", "namespace": "kube-system", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "etcd", "resources": {"requests": {"cpu": "100m", "memory": "100Mi"}}}]}});
    let lease = json!({"spec": {"holderIdentity": "node01", "renewTime": "2026-01-01T00:59:50.000000Z"}});
    let rel = Related {
        pods: Some(vec![pod]),
        lease: Some(Ok(lease)),
        events: Some(vec![]),
        ..Default::default()
    };
    let text = describe("", "Node", &node(), &rel, T0 + 3600);
    let want = "Name:               node01
Roles:              control-plane
Labels:             kubernetes.io/hostname=node01
                    node-role.kubernetes.io/control-plane=
Annotations:        node.alpha.kubernetes.io/ttl: 0
CreationTimestamp:  Thu, 01 Jan 2026 00:00:00 +0000
Taints:             node-role.kubernetes.io/control-plane:NoSchedule
Unschedulable:      false
Lease:
  HolderIdentity:  node01
  AcquireTime:     <unset>
  RenewTime:       Thu, 01 Jan 2026 00:59:50 +0000
Conditions:
  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message
  ----    ------  -----------------                 ------------------                ------         -------
  Ready   True    Thu, 01 Jan 2026 00:59:00 +0000   Thu, 01 Jan 2026 00:00:30 +0000   KubeletReady   kubelet is posting ready status
Addresses:
  InternalIP:  192.168.0.10
  Hostname:    node01
Capacity:
  cpu:                2
  ephemeral-storage:  20Gi
  memory:             4028Mi
  pods:               110
Allocatable:
  cpu:                2
  ephemeral-storage:  18Gi
  memory:             3928Mi
  pods:               110
System Info:
  Machine ID:                 m
  System UUID:                u
  Boot ID:                    b
  Kernel Version:             6.8.0
  OS Image:                   Ubuntu 24.04 LTS
  Operating System:           linux
  Architecture:               amd64
  Container Runtime Version:  containerd://2.0.0
  Kubelet Version:            v1.37.0
PodCIDR:                      10.244.0.0/24
PodCIDRs:                     10.244.0.0/24
Non-terminated Pods:          (1 in total)
  Namespace                   Name    CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age
  ---------                   ----    ------------  ----------  ---------------  -------------  ---
  kube-system                 etcd    100m (5%)     0 (0%)      100Mi (2%)       0 (0%)         60m
Allocated resources:
  (Total limits may be over 100 percent, i.e., overcommitted.)
  Resource           Requests    Limits
  --------           --------    ------
  cpu                100m (5%)   0 (0%)
  memory             100Mi (2%)  0 (0%)
  ephemeral-storage  0 (0%)      0 (0%)
Events:              <none>
";
    assert_eq!(text, want);
}

#[test]
fn deployment_describe_matches_the_familiar_layout() {
    let d = json!({"metadata": {"name": "web", "namespace": "default", "uid": "d1", "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app": "web"}, "annotations": {"deployment.kubernetes.io/revision": "1"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}},
        "status": {"replicas": 2, "updatedReplicas": 2, "availableReplicas": 2, "readyReplicas": 2,
            "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                           {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}});
    let rs = json!({"metadata": {"name": "web-5d4b7f9c8"}, "spec": {"replicas": 2}, "status": {"replicas": 2}});
    let rel = Related {
        new_replica_sets: vec![rs],
        events: Some(vec![]),
        ..Default::default()
    };
    let want = "Name:                   web
Namespace:              default
CreationTimestamp:      Thu, 01 Jan 2026 00:00:00 +0000
Labels:                 app=web
Annotations:            deployment.kubernetes.io/revision: 1
Selector:               app=web
Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
RollingUpdateStrategy:  25% max unavailable, 25% max surge
Pod Template:
  Labels:  app=web
  Containers:
   nginx:
    Image:         nginx
    Port:          <none>
    Host Port:     <none>
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    True    NewReplicaSetAvailable
OldReplicaSets:  <none>
NewReplicaSet:   web-5d4b7f9c8 (2/2 replicas created)
Events:          <none>
";
    assert_eq!(describe("apps", "Deployment", &d, &rel, T0), want);
}

#[test]
fn service_describe_lists_ports_and_endpoints() {
    let svc = json!({"metadata": {"name": "web", "namespace": "default"},
        "spec": {"type": "ClusterIP", "selector": {"app": "web"}, "clusterIP": "10.96.100.1", "clusterIPs": ["10.96.100.1"],
            "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
            "ports": [{"port": 80, "targetPort": 8080, "protocol": "TCP"}]}});
    let slice = json!({"ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
        "endpoints": [{"addresses": ["10.244.1.2"], "conditions": {"ready": true}}, {"addresses": ["10.244.2.3"]}]});
    let rel = Related {
        endpoint_slices: vec![slice],
        events: Some(vec![]),
        ..Default::default()
    };
    let want = "Name:                     web
Namespace:                default
Labels:                   <none>
Annotations:              <none>
Selector:                 app=web
Type:                     ClusterIP
IP Family Policy:         SingleStack
IP Families:              IPv4
IP:                       10.96.100.1
IPs:                      10.96.100.1
Port:                     <unset>  80/TCP
TargetPort:               8080/TCP
Endpoints:                10.244.1.2:8080,10.244.2.3:8080
Session Affinity:         None
Internal Traffic Policy:  Cluster
Events:                   <none>
";
    assert_eq!(describe("", "Service", &svc, &rel, T0), want);
}

#[test]
fn roles_list_compacted_sorted_rules() {
    let role = json!({"metadata": {"name": "pod-reader"}, "rules": [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch", "list"]},
        {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["update"]},
        {"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]});
    assert_eq!(
        describe("rbac.authorization.k8s.io", "Role", &role, &Related::default(), T0),
        "Name:         pod-reader\nLabels:       <none>\nAnnotations:  <none>\nPolicyRule:\n  Resources               Non-Resource URLs  Resource Names  Verbs\n  ---------               -----------------  --------------  -----\n  pods                    []                 []              [get watch list]\n                          [/healthz]         []              [get]\n  deployments.apps/scale  []                 []              [update]\n"
    );
    let rb = json!({"metadata": {"name": "rb"}, "roleRef": {"kind": "ClusterRole", "name": "admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "dash", "namespace": "kube-system"}]});
    assert_eq!(
        describe("rbac.authorization.k8s.io", "ClusterRoleBinding", &rb, &Related::default(), T0),
        "Name:         rb\nLabels:       <none>\nAnnotations:  <none>\nRole:\n  Kind:  ClusterRole\n  Name:  admin\nSubjects:\n  Kind            Name  Namespace\n  ----            ----  ---------\n  ServiceAccount  dash  kube-system\n"
    );
}

#[test]
fn ingress_describe_resolves_backends() {
    let ing = json!({"metadata": {"name": "web", "namespace": "default"},
        "spec": {"ingressClassName": "nginx", "rules": [{"host": "example.com", "http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"number": 80}}}},
            {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "api", "port": {"number": 8080}}}}]}}]}});
    let svc = json!({"spec": {"ports": [{"name": "http", "port": 80}]}});
    let slice = json!({"ports": [{"name": "http", "port": 8080}], "endpoints": [{"addresses": ["10.244.1.2"]}]});
    let mut rel = Related {
        events: Some(vec![]),
        ..Default::default()
    };
    rel.backends.insert("web".into(), (Ok(svc), vec![slice]));
    rel.backends
        .insert("api".into(), (Err("services \"api\" not found".into()), vec![]));
    assert_eq!(
        describe("networking.k8s.io", "Ingress", &ing, &rel, T0),
        "Name:             web\nLabels:           <none>\nNamespace:        default\nAddress:          \nIngress Class:    nginx\nDefault backend:  <default>\nRules:\n  Host         Path  Backends\n  ----         ----  --------\n  example.com  \n               /      web:80 (10.244.1.2:8080)\n               /api   api:8080 (<error: services \"api\" not found>)\nAnnotations:   <none>\nEvents:        <none>\n"
    );
}

#[test]
fn claims_list_the_pods_using_them() {
    let pvc = json!({"metadata": {"name": "data", "namespace": "default", "finalizers": ["kubernetes.io/pvc-protection"]},
        "spec": {"storageClassName": "standard", "volumeName": "pv-1", "volumeMode": "Filesystem"},
        "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}});
    let pod = json!({"metadata": {"name": "db-0", "uid": "p"}, "spec": {"volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}});
    let rel = Related {
        pods: Some(vec![pod]),
        events: Some(vec![]),
        ..Default::default()
    };
    assert_eq!(
        describe("", "PersistentVolumeClaim", &pvc, &rel, T0),
        "Name:          data\nNamespace:     default\nStorageClass:  standard\nStatus:        Bound\nVolume:        pv-1\nLabels:        <none>\nAnnotations:   <none>\nFinalizers:    [kubernetes.io/pvc-protection]\nCapacity:      1Gi\nAccess Modes:  RWO\nVolumeMode:    Filesystem\nUsed By:       db-0\nEvents:        <none>\n"
    );
}

#[test]
fn quotas_and_limit_ranges() {
    let q = json!({"metadata": {"name": "q", "namespace": "dev"}, "spec": {"scopes": ["BestEffort"]},
        "status": {"hard": {"pods": "10", "requests.memory": "1Gi"}, "used": {"pods": "2", "requests.memory": "0"}}});
    assert_eq!(
        describe("", "ResourceQuota", &q, &Related::default(), T0),
        "Name:       q\nNamespace:  dev\nScopes:     BestEffort\n * Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.\nResource         Used  Hard\n--------         ----  ----\npods             2     10\nrequests.memory  0     1Gi\n"
    );
    let lr = json!({"metadata": {"name": "lr", "namespace": "dev"}, "spec": {"limits": [
        {"type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "250m"}, "max": {"memory": "1Gi"}}]}});
    assert_eq!(
        describe("", "LimitRange", &lr, &Related::default(), T0),
        "Name:       lr\nNamespace:  dev\nType        Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio\n----        --------  ---  ---  ---------------  -------------  -----------------------\nContainer   cpu       -    -    250m             500m           -\nContainer   memory    -    1Gi  -                -              -\n"
    );
}

#[test]
fn hpa_describe_shows_metrics_against_targets() {
    let hpa = json!({"metadata": {"name": "web", "namespace": "default", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 1, "maxReplicas": 5,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]},
        "status": {"currentReplicas": 1, "desiredReplicas": 1}});
    assert_eq!(
        describe("autoscaling", "HorizontalPodAutoscaler", &hpa, &Related { events: Some(vec![]), ..Default::default() }, T0),
        "Name:                                                  web\nNamespace:                                             default\nLabels:                                                <none>\nAnnotations:                                           <none>\nCreationTimestamp:                                     Thu, 01 Jan 2026 00:00:00 +0000\nReference:                                             Deployment/web\nMetrics:                                               ( current / target )\n  resource cpu on pods  (as a percentage of request):  <unknown> / 50%\nMin replicas:                                          1\nMax replicas:                                          5\nDeployment pods:                                       1 current / 1 desired\nEvents:                                                <none>\n"
    );
}

#[test]
fn storage_class_and_priority_class_describers() {
    let sc = json!({"metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"});
    assert_eq!(
        describe("storage.k8s.io", "StorageClass", &sc, &Related { events: Some(vec![]), ..Default::default() }, T0),
        "Name:                  standard\nIsDefaultClass:        Yes\nAnnotations:           storageclass.kubernetes.io/is-default-class=true\nProvisioner:           rancher.io/local-path\nParameters:            <none>\nAllowVolumeExpansion:  <unset>\nMountOptions:          <none>\nReclaimPolicy:         Delete\nVolumeBindingMode:     WaitForFirstConsumer\nEvents:                <none>\n"
    );
    let pc = json!({"metadata": {"name": "high"}, "value": 1000, "preemptionPolicy": "PreemptLowerPriority", "description": "x"});
    assert_eq!(
        describe("scheduling.k8s.io", "PriorityClass", &pc, &Related::default(), T0),
        "Name:              high\nValue:             1000\nGlobalDefault:     false\nPreemptionPolicy:  PreemptLowerPriority\nDescription:       x\nAnnotations:       <none>\n"
    );
}
