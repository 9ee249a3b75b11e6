//! Transcripts of the read-side commands (get, describe, api-resources) against the fake
//! cluster. Expected texts follow kubectl v1.37's printers; client-side parts (errors, usage)
//! were recorded from the real kubectl v1.37.1.

mod common;

use common::World;
use serde_json::json;

fn world() -> World {
    let mut w = World::new();
    // Now = 2026-01-01T01:00:00Z; objects default to creationTimestamp 2026-01-01T00:00:00Z.
    w.host.now = 1_767_225_600 + 3600;
    w
}

fn running_pod(name: &str, ns: &str, app: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": app}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}], "nodeName": "node01"},
        "status": {"phase": "Running", "podIPs": [{"ip": "10.244.1.2"}],
            "containerStatuses": [{"name": "c", "ready": true, "restartCount": 0, "state": {"running": {}}}]}})
}

#[test]
fn get_with_nothing_to_list_says_no_resources_found() {
    let mut w = world();
    let (code, out) = w.kubectl("get pods");
    assert_eq!(code, 0);
    assert_eq!(out.stdout_text(), "");
    assert_eq!(out.stderr_text(), "No resources found in default namespace.\n");
    assert_eq!(w.sh("get pods -A"), "No resources found\n");
}

#[test]
fn get_pods_prints_the_pod_table_and_sends_limit_500() {
    let mut w = world();
    w.cluster.put(running_pod("web-1", "default", "web"));
    w.cluster.put(running_pod("db-0", "default", "db"));
    assert_eq!(
        w.sh("get pods"),
        "NAME    READY   STATUS    RESTARTS   AGE\ndb-0    1/1     Running   0          60m\nweb-1   1/1     Running   0          60m\n"
    );
    let list = w
        .cluster
        .requests
        .iter()
        .rev()
        .find(|r| r.path == "/api/v1/namespaces/default/pods")
        .unwrap();
    assert_eq!(list.url_path(), "/api/v1/namespaces/default/pods?limit=500");
    assert_eq!(
        w.sh("get po -o wide -l app=web"),
        "NAME    READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\nweb-1   1/1     Running   0          60m   10.244.1.2   node01   <none>           <none>\n"
    );
    assert_eq!(
        w.sh("get pods --show-labels -L app"),
        "NAME    READY   STATUS    RESTARTS   AGE   APP   LABELS\ndb-0    1/1     Running   0          60m   db    app=db\nweb-1   1/1     Running   0          60m   web   app=web\n"
    );
    assert_eq!(
        w.sh("get pods --no-headers"),
        "db-0    1/1   Running   0     60m\nweb-1   1/1   Running   0     60m\n"
    );
}

#[test]
fn several_kinds_print_separate_tables_with_kind_prefixes() {
    let mut w = world();
    w.cluster.put(running_pod("web-1", "default", "web"));
    w.cluster.put(json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default"},
        "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"], "ports": [{"port": 443, "protocol": "TCP"}]}}));
    assert_eq!(
        w.sh("get pods,svc"),
        "NAME        READY   STATUS    RESTARTS   AGE\npod/web-1   1/1     Running   0          60m\n\n\
         NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nservice/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   60m\n"
    );
    // `all` expands to the category; empty kinds print nothing.
    assert_eq!(
        w.sh("get all"),
        "NAME        READY   STATUS    RESTARTS   AGE\npod/web-1   1/1     Running   0          60m\n\n\
         NAME                 TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)   AGE\nservice/kubernetes   ClusterIP   10.96.0.1    <none>        443/TCP   60m\n"
    );
}

#[test]
fn missing_names_report_not_found_and_go_on() {
    let mut w = world();
    w.cluster.put(running_pod("web-1", "default", "web"));
    assert_eq!(
        w.sh("get pod nope"),
        "Error from server (NotFound): pods \"nope\" not found\n[exit 1]\n"
    );
    let (code, out) = w.kubectl("get pods nope web-1");
    assert_eq!(code, 1);
    assert_eq!(
        out.stdout_text(),
        "NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   0          60m\n"
    );
    assert_eq!(
        out.stderr_text(),
        "Error from server (NotFound): pods \"nope\" not found\n"
    );
    assert_eq!(w.sh("get pod nope --ignore-not-found"), "");
}

#[test]
fn generic_output_formats() {
    let mut w = world();
    w.cluster.put(running_pod("web-1", "default", "web"));
    w.cluster.put(running_pod("db-0", "default", "db"));
    assert_eq!(w.sh("get pods -o name"), "pod/db-0\npod/web-1\n");
    assert_eq!(w.sh("get pods -o jsonpath={.items[*].metadata.name}"), "db-0 web-1");
    assert_eq!(w.sh("get pod web-1 -o jsonpath={.spec.nodeName}"), "node01");
    assert_eq!(w.sh("get pods -o jsonpath={.kind}"), "List");
    assert_eq!(
        w.sh("get pods -o custom-columns=NAME:.metadata.name,APP:.metadata.labels.app"),
        "NAME    APP\ndb-0    db\nweb-1   web\n"
    );
    assert_eq!(
        w.sh("get pods --sort-by=.metadata.labels.app -o name"),
        "pod/db-0\npod/web-1\n"
    );
    assert_eq!(
        w.sh("get pods -o jsonpath={.a"),
        "error: error parsing jsonpath {.a, unclosed action\n[exit 1]\n"
    );
}

#[test]
fn argument_and_flag_errors_match_kubectl() {
    let mut w = world();
    assert_eq!(
        w.sh("get"),
        "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\n\
         error: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("get pods --show-labels -o yaml"),
        "error: --show-labels option cannot be used with yaml printer\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("get pods -L app -o custom-columns=A:.a"),
        "error: --label-columns option cannot be used with custom-columns=A:.a printer\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("get foos"),
        "error: the server doesn't have a resource type \"foos\"\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("describe"),
        "error: You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("api-resources --sort-by=foo"),
        "error: --sort-by accepts only name or kind\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("api-resources foo"),
        "error: unexpected arguments: [foo]\nSee 'kubectl api-resources -h' for help and examples\n[exit 1]\n"
    );
}

#[test]
fn cluster_scoped_kinds_have_no_namespace_column() {
    let mut w = world();
    assert_eq!(
        w.sh("get ns -A"),
        "NAME              STATUS   AGE\ndefault           Active   60m\nkube-node-lease   Active   60m\nkube-public       Active   60m\nkube-system       Active   60m\n"
    );
}

#[test]
fn all_namespaces_adds_the_namespace_column() {
    let mut w = world();
    w.cluster.put(running_pod("web-1", "default", "web"));
    w.cluster.put(running_pod("coredns", "kube-system", "dns"));
    assert_eq!(
        w.sh("get pods -A"),
        "NAMESPACE     NAME      READY   STATUS    RESTARTS   AGE\ndefault       web-1     1/1     Running   0          60m\nkube-system   coredns   1/1     Running   0          60m\n"
    );
}

#[test]
fn api_resources_lists_preferred_versions_sorted_by_group() {
    let mut w = world();
    let out = w.sh("api-resources --api-group=apps");
    assert_eq!(
        out,
        "NAME           SHORTNAMES   APIVERSION   NAMESPACED   KIND\ndaemonsets     ds           apps/v1      true         DaemonSet\ndeployments    deploy       apps/v1      true         Deployment\nreplicasets    rs           apps/v1      true         ReplicaSet\nstatefulsets   sts          apps/v1      true         StatefulSet\n"
    );
    assert_eq!(w.sh("api-resources --namespaced=false -o name"), "namespaces\nnodes\nclusterrolebindings.rbac.authorization.k8s.io\nclusterroles.rbac.authorization.k8s.io\npriorityclasses.scheduling.k8s.io\n");
    let hpa = w.sh("api-resources --api-group=autoscaling --no-headers");
    assert_eq!(
        hpa,
        "horizontalpodautoscalers   hpa   autoscaling/v2   true   HorizontalPodAutoscaler\n"
    );
}

#[test]
fn describe_config_map_and_missing_objects() {
    let mut w = world();
    w.cluster.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "default"}, "data": {"a": "1"}}));
    assert_eq!(
        w.sh("describe cm app"),
        "Name:         app\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nData\n====\na:\n----\n1\n\n\nBinaryData\n====\n\nEvents:  <none>\n"
    );
    assert_eq!(
        w.sh("describe cm nope"),
        "Error from server (NotFound): configmaps \"nope\" not found\n[exit 1]\n"
    );
    // A missing name is a prefix: `describe cm ap` describes `app` (without events).
    assert_eq!(
        w.sh("describe cm ap"),
        "Name:         app\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nData\n====\na:\n----\n1\n\n\nBinaryData\n====\n\n\n"
    );
}

// Recorded from kubectl v1.37.1 (client-side dry run).
#[test]
fn jsonpath_on_generated_objects_matches_kubectl() {
    let mut w = world();
    assert_eq!(
        w.sh(
            "create deployment x --image=nginx --dry-run=client -o jsonpath={.spec.template.spec.containers[0].image}"
        ),
        "nginx"
    );
    assert_eq!(
        w.sh("create deployment x --image=nginx --dry-run=client -o jsonpath={.spec.template.spec.containers[5].image}"),
        "error: error executing jsonpath \"{.spec.template.spec.containers[5].image}\": Error executing template: array index out of bounds: index 5, length 1. Printing more information for debugging the template:\n\ttemplate was:\n\t\t{.spec.template.spec.containers[5].image}\n\tobject given to jsonpath engine was:\n\t\tmap[string]interface {}{\"apiVersion\":\"apps/v1\", \"kind\":\"Deployment\", \"metadata\":map[string]interface {}{\"labels\":map[string]interface {}{\"app\":\"x\"}, \"name\":\"x\"}, \"spec\":map[string]interface {}{\"replicas\":1, \"selector\":map[string]interface {}{\"matchLabels\":map[string]interface {}{\"app\":\"x\"}}, \"strategy\":map[string]interface {}{}, \"template\":map[string]interface {}{\"metadata\":map[string]interface {}{\"labels\":map[string]interface {}{\"app\":\"x\"}}, \"spec\":map[string]interface {}{\"containers\":[]interface {}{map[string]interface {}{\"image\":\"nginx\", \"name\":\"nginx\", \"resources\":map[string]interface {}{}}}}}}, \"status\":map[string]interface {}{}}\n\n\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("create deployment x --image=nginx --dry-run=client -o jsonpath={.foo"),
        "error: error parsing jsonpath {.foo, unclosed action\n[exit 1]\n"
    );
}

// Recorded from kubectl v1.37.1.
#[test]
fn names_cannot_be_combined_with_selectors() {
    let mut w = world();
    assert_eq!(
        w.sh("get pods -l app=web x"),
        "error: name cannot be provided when a selector is specified\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("describe pods -l app=x y"),
        "error: name cannot be provided when a selector is specified\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("get pods x -A"),
        "error: a resource cannot be retrieved by name across all namespaces\n[exit 1]\n"
    );
}

#[test]
fn describe_fetches_events_by_involved_object() {
    let mut w = world();
    w.cluster.put(running_pod("web-1", "default", "web"));
    let (code, out) = w.kubectl("describe pod web-1");
    assert_eq!(code, 0, "{}", out.combined());
    let ev = w
        .cluster
        .requests
        .iter()
        .find(|r| r.path == "/api/v1/namespaces/default/events")
        .unwrap();
    assert_eq!(
        ev.url_path(),
        "/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DPod%2CinvolvedObject.name%3Dweb-1%2CinvolvedObject.namespace%3Ddefault%2CinvolvedObject.uid%3Duid-5&limit=500"
    );
    let text = out.stdout_text();
    assert!(
        text.starts_with("Name:         web-1\nNamespace:    default\nNode:         node01/\n"),
        "{text}"
    );
    assert!(
        text.ends_with("Tolerations:        <none>\nEvents:             <none>\n"),
        "{text}"
    );
}

#[test]
fn describe_deployment_finds_its_replica_sets() {
    let mut w = world();
    let template =
        json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}});
    w.cluster.put(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "uid": "dep-1"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "template": template,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}},
        "status": {"replicas": 1, "updatedReplicas": 1, "availableReplicas": 1}}));
    let mut rs_template = template.clone();
    rs_template["metadata"]["labels"]["pod-template-hash"] = json!("abc");
    w.cluster.put(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "web-abc", "namespace": "default", "labels": {"app": "web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "dep-1", "controller": true}]},
        "spec": {"replicas": 1, "template": rs_template}, "status": {"replicas": 1}}));
    let text = w.sh("describe deploy web");
    assert!(
        text.contains("OldReplicaSets:    <none>\nNewReplicaSet:     web-abc (1/1 replicas created)\n"),
        "{text}"
    );
    let rs = w
        .cluster
        .requests
        .iter()
        .find(|r| r.path == "/apis/apps/v1/namespaces/default/replicasets")
        .unwrap();
    assert_eq!(
        rs.url_path(),
        "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dweb&limit=500"
    );
}
