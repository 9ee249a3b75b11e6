use super::*;
use crate::printers::table::TableOptions;
use serde_json::json;

const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn pod(status: Value) -> Value {
    json!({
        "metadata": {"name": "p", "namespace": "default", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "a"}], "initContainers": []},
        "status": status,
    })
}

fn cells(o: &Value) -> (String, String, String) {
    pod_ready_status_restarts(o, T0 + 600)
}

#[test]
fn pod_status_follows_print_pod_rules() {
    let running = pod(json!({"phase": "Running", "containerStatuses": [
        {"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}}]}));
    assert_eq!(cells(&running), ("1/1".into(), "Running".into(), "0".into()));

    let crash = pod(json!({"phase": "Running", "containerStatuses": [
        {"name": "a", "ready": false, "restartCount": 5, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
         "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "2026-01-01T00:05:00Z"}}}]}));
    assert_eq!(
        cells(&crash),
        ("0/1".into(), "CrashLoopBackOff".into(), "5 (5m ago)".into())
    );

    let completed = pod(json!({"phase": "Succeeded", "containerStatuses": [
        {"name": "a", "ready": false, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}));
    assert_eq!(cells(&completed).1, "Completed");

    let evicted = pod(json!({"phase": "Failed", "reason": "Evicted"}));
    assert_eq!(cells(&evicted), ("0/1".into(), "Evicted".into(), "0".into()));

    let pending = pod(json!({"phase": "Pending"}));
    assert_eq!(cells(&pending).1, "Pending");

    let mut terminating = running.clone();
    terminating["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:09:00Z");
    assert_eq!(cells(&terminating).1, "Terminating");

    let exit = pod(json!({"phase": "Failed", "containerStatuses": [
        {"name": "a", "state": {"terminated": {"exitCode": 137, "signal": 9}}}]}));
    assert_eq!(cells(&exit).1, "Signal:9");

    let gated = pod(
        json!({"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]}),
    );
    assert_eq!(cells(&gated).1, "SchedulingGated");
}

#[test]
fn init_containers_show_progress_and_failures() {
    let mut p = pod(json!({"phase": "Pending",
        "initContainerStatuses": [{"name": "init", "state": {"waiting": {"reason": "PodInitializing"}}}],
        "containerStatuses": [{"name": "a", "state": {"waiting": {"reason": "PodInitializing"}}}]}));
    p["spec"]["initContainers"] = json!([{"name": "init"}]);
    assert_eq!(cells(&p), ("0/1".into(), "Init:0/1".into(), "0".into()));

    p["status"]["initContainerStatuses"] = json!([{"name": "init", "restartCount": 2,
        "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]);
    assert_eq!(cells(&p), ("0/1".into(), "Init:CrashLoopBackOff".into(), "2".into()));

    p["status"]["initContainerStatuses"] = json!([{"name": "init", "state": {"terminated": {"exitCode": 3}}}]);
    assert_eq!(cells(&p).1, "Init:ExitCode:3");
}

#[test]
fn sidecars_count_toward_ready_and_total() {
    let mut p = pod(json!({"phase": "Running",
        "initContainerStatuses": [{"name": "side", "started": true, "ready": true, "state": {"running": {}}}],
        "containerStatuses": [{"name": "a", "ready": true, "state": {"running": {}}}],
        "conditions": [{"type": "Initialized", "status": "True"}]}));
    p["spec"]["initContainers"] = json!([{"name": "side", "restartPolicy": "Always"}]);
    assert_eq!(cells(&p), ("2/2".into(), "Running".into(), "0".into()));
}

fn render(group: &str, kind: &str, items: &[Value], wide: bool) -> String {
    build_table(group, kind, items, T0 + 90, wide, None).render(&TableOptions {
        wide,
        ..Default::default()
    })
}

#[test]
fn pod_table_and_wide_columns() {
    let p = json!({"metadata": {"name": "web-1", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "a"}], "nodeName": "node01"},
        "status": {"phase": "Running", "podIPs": [{"ip": "10.244.1.2"}],
            "containerStatuses": [{"name": "a", "ready": true, "restartCount": 0, "state": {"running": {}}}]}});
    assert_eq!(
        render("", "Pod", std::slice::from_ref(&p), false),
        "NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   0          90s\n"
    );
    assert_eq!(
        render("", "Pod", &[p], true),
        "NAME    READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\n\
         web-1   1/1     Running   0          90s   10.244.1.2   node01   <none>           <none>\n"
    );
}

#[test]
fn service_cells_cover_types() {
    let svc = |spec: Value, status: Value| json!({"metadata": {"name": "s"}, "spec": spec, "status": status});
    let row = |o: Value| service_cells(&o, T0, false);
    let c = row(svc(
        json!({"type": "ClusterIP", "clusterIPs": ["10.96.0.1"], "ports": [{"port": 443, "protocol": "TCP"}]}),
        json!({}),
    ));
    assert_eq!(&c[1..5], ["ClusterIP", "10.96.0.1", "<none>", "443/TCP"]);
    let c = row(svc(
        json!({"type": "NodePort", "clusterIPs": ["10.96.5.5"], "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}]}),
        json!({}),
    ));
    assert_eq!(&c[3..5], ["<none>", "80:30080/TCP,53/UDP"]);
    let c = row(svc(
        json!({"type": "LoadBalancer", "clusterIPs": ["10.96.5.6"], "ports": []}),
        json!({}),
    ));
    assert_eq!(&c[3..5], ["<pending>", "<none>"]);
    let c = row(svc(
        json!({"type": "LoadBalancer", "clusterIPs": ["10.96.5.6"]}),
        json!({"loadBalancer": {"ingress": [{"hostname": "a-very-long-hostname.example.com"}]}}),
    ));
    assert_eq!(c[3], "a-very-long-h...");
    let c = row(svc(
        json!({"type": "ExternalName", "externalName": "db.example.com"}),
        json!({}),
    ));
    assert_eq!(&c[2..4], ["<none>", "db.example.com"]);
    let c = row(svc(
        json!({"type": "ClusterIP", "clusterIPs": ["None"], "selector": {"app": "x"}}),
        json!({}),
    ));
    assert_eq!((c[2].as_str(), c[6].as_str()), ("None", "app=x"));
}

#[test]
fn node_status_and_roles() {
    let node = json!({"metadata": {"name": "cp", "labels": {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/role": "master"}},
        "spec": {"unschedulable": true},
        "status": {"conditions": [{"type": "Ready", "status": "True"}], "nodeInfo": {"kubeletVersion": "v1.37.0"},
            "addresses": [{"type": "InternalIP", "address": "192.168.0.10"}]}});
    let c = node_cells(&node, T0, true);
    assert_eq!(&c[1..3], ["Ready,SchedulingDisabled", "control-plane,master"]);
    assert_eq!(&c[5..8], ["192.168.0.10", "<none>", "<unknown>"]);
    let bare = json!({"metadata": {"name": "n"}, "status": {"conditions": [{"type": "Ready", "status": "Unknown"}]}});
    assert_eq!(&node_cells(&bare, T0, false)[1..3], ["NotReady", "<none>"]);
    let none = json!({"metadata": {"name": "n"}});
    assert_eq!(node_cells(&none, T0, false)[1], "Unknown");
}

#[test]
fn workload_cells() {
    let d = json!({"metadata": {"name": "web", "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}},
        "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
    assert_eq!(
        render("apps", "Deployment", &[d], true),
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR\nweb    2/3     3            2           90s   nginx        nginx:1.27   app=web\n"
    );
    let job = json!({"metadata": {"name": "j"}, "spec": {"parallelism": 2, "template": {"spec": {}}},
        "status": {"succeeded": 1, "startTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T00:00:30Z",
            "conditions": [{"type": "Complete", "status": "True"}]}});
    assert_eq!(&job_cells(&job, T0, false)[1..4], ["Complete", "1/1 of 2", "30s"]);
}

#[test]
fn endpoints_truncate_after_three() {
    let ep = json!({"subsets": [{"addresses": [{"ip": "10.0.0.1"}, {"ip": "10.0.0.2"}], "ports": [{"port": 80}, {"port": 443}]}]});
    assert_eq!(
        format_endpoints(&ep),
        "10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more..."
    );
    assert_eq!(format_endpoints(&json!({})), "<none>");
}

#[test]
fn kinds_without_handlers_get_created_at() {
    let role = json!({"metadata": {"name": "r", "creationTimestamp": "2026-01-01T00:00:00Z"}});
    assert_eq!(
        render("rbac.authorization.k8s.io", "Role", &[role], false),
        "NAME   CREATED AT\nr      2026-01-01T00:00:00Z\n"
    );
}

#[test]
fn custom_resources_use_printer_columns() {
    let crd = json!({"spec": {"versions": [{"name": "v1", "additionalPrinterColumns": [
        {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
        {"name": "Phase", "type": "string", "jsonPath": ".status.phase", "priority": 1},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}});
    let cols = CrdColumn::from_crd(&crd, "v1");
    let cr = json!({"metadata": {"name": "c1", "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"size": 3}});
    let t = build_table(
        "example.com",
        "Widget",
        std::slice::from_ref(&cr),
        T0 + 60,
        false,
        Some(&cols),
    );
    assert_eq!(
        t.render(&TableOptions::default()),
        "NAME   SIZE   AGE\nc1     3      60s\n"
    );
    let defaults = CrdColumn::from_crd(&json!({"spec": {"versions": [{"name": "v1"}]}}), "v1");
    let t = build_table("example.com", "Widget", &[cr], T0 + 60, false, Some(&defaults));
    assert_eq!(t.render(&TableOptions::default()), "NAME   AGE\nc1     60s\n");
}

#[test]
fn hpa_targets_show_current_and_target() {
    let v2 = json!({"spec": {"metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}},
            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
            {"type": "Pods", "pods": {"metric": {"name": "x"}, "target": {"averageValue": "1"}}}]},
        "status": {"currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 50}}}]}});
    assert_eq!(hpa_targets(&v2), "cpu: 50%/80%, memory: <unknown>/100Mi + 1 more...");
    let v1 = json!({"spec": {"targetCPUUtilizationPercentage": 80}});
    assert_eq!(hpa_targets(&v1), "cpu: <unknown>/80%");
    assert_eq!(hpa_targets(&json!({"spec": {}})), "<none>");
}

#[test]
fn event_rows_show_last_seen_object_and_message() {
    let ev = json!({"metadata": {"name": "web.1", "namespace": "default"}, "type": "Normal", "reason": "Scheduled",
        "involvedObject": {"kind": "Pod", "name": "web"}, "message": " Successfully assigned default/web to node01 ",
        "source": {"component": "default-scheduler"}, "firstTimestamp": "2026-01-01T00:00:00Z",
        "lastTimestamp": "2026-01-01T00:01:00Z", "count": 2});
    assert_eq!(
        render("", "Event", std::slice::from_ref(&ev), false),
        "LAST SEEN   TYPE     REASON      OBJECT    MESSAGE\n30s         Normal   Scheduled   pod/web   Successfully assigned default/web to node01\n"
    );
    assert_eq!(
        render("", "Event", &[ev], true),
        "LAST SEEN   TYPE     REASON      OBJECT    SUBOBJECT   SOURCE              MESSAGE                                       FIRST SEEN   COUNT   NAME\n30s         Normal   Scheduled   pod/web               default-scheduler   Successfully assigned default/web to node01   90s          2       web.1\n"
    );
}

#[test]
fn storage_and_networking_cells() {
    let pvc =
        json!({"metadata": {"name": "data"}, "spec": {"storageClassName": "standard"}, "status": {"phase": "Pending"}});
    assert_eq!(
        render("", "PersistentVolumeClaim", &[pvc], false),
        "NAME   STATUS    VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE\ndata   Pending                                      standard       <unset>                 <unknown>\n"
    );
    let ing =
        json!({"metadata": {"name": "web"}, "spec": {"rules": [{"host": "a.com"}, {"host": "b.com"}], "tls": [{}]}});
    assert_eq!(
        render("networking.k8s.io", "Ingress", &[ing], false),
        "NAME   CLASS    HOSTS         ADDRESS   PORTS     AGE\nweb    <none>   a.com,b.com             80, 443   <unknown>\n"
    );
    let cj = json!({"metadata": {"name": "backup"}, "spec": {"schedule": "*/5 * * * *", "suspend": false,
        "jobTemplate": {"spec": {"template": {"spec": {}}}}}, "status": {}});
    assert_eq!(
        render("batch", "CronJob", &[cj], false),
        "NAME     SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE\nbackup   */5 * * * *   <none>     False     0        <none>          <unknown>\n"
    );
}

#[test]
fn ip_addresses_show_their_parent_reference() {
    let ip = |name: &str, parent: Value| json!({"metadata": {"name": name, "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"parentRef": parent}});
    let items = [
        ip(
            "10.96.0.1",
            json!({"group": "", "resource": "services", "namespace": "default", "name": "kubernetes"}),
        ),
        ip(
            "10.96.0.7",
            json!({"group": "example.com", "resource": "Gateways", "name": "g"}),
        ),
        json!({"metadata": {"name": "10.96.0.9", "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {}}),
    ];
    assert_eq!(
        render("networking.k8s.io", "IPAddress", &items, false),
        "NAME        PARENTREF\n10.96.0.1   services/default/kubernetes\n10.96.0.7   gateways.example.com/g\n10.96.0.9   <none>\n"
    );
}
