//! Transcripts of the mutating verbs against the fake API server (tests/common): the lines
//! kubectl prints for create/apply/delete/scale/label/taint/cordon/config/version, its error
//! rendering, and `-v=6` request logs. Message formats are upstream's (see each command's
//! module); client-side ones are also covered byte for byte in tests/golden.rs.

mod common;

use common::World;
use serde_json::json;

fn node(name: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}, "spec": {}})
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    app: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: nginx\n        image: nginx:1.14\n";

#[test]
fn generators_create_on_the_server_and_report_conflicts() {
    let mut w = World::new();
    assert_eq!(
        w.sh("create deployment web --image=nginx"),
        "deployment.apps/web created\n"
    );
    assert!(w
        .cluster
        .objects
        .contains_key("/apis/apps/v1/namespaces/default/deployments/web"));
    assert_eq!(
        w.sh("create deployment web --image=nginx"),
        "error: failed to create deployment: deployments.apps \"web\" already exists\n[exit 1]\n"
    );
    assert_eq!(w.sh("create ns demo"), "namespace/demo created\n");
    assert_eq!(
        w.sh("create ns demo"),
        "Error from server (AlreadyExists): namespaces \"demo\" already exists\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("create configmap c --from-literal=a=1 -n demo"),
        "configmap/c created\n"
    );
    assert!(w.cluster.objects.contains_key("/api/v1/namespaces/demo/configmaps/c"));
}

#[test]
fn server_dry_run_sends_dry_run_all_and_stores_nothing() {
    let mut w = World::new();
    assert_eq!(
        w.sh("create deployment web --image=nginx --dry-run=server"),
        "deployment.apps/web created (server dry run)\n"
    );
    assert!(!w
        .cluster
        .objects
        .contains_key("/apis/apps/v1/namespaces/default/deployments/web"));
    let post = w
        .cluster
        .requests
        .iter()
        .rev()
        .find(|r| r.method == apimachinery::Method::Post)
        .unwrap();
    assert_eq!(
        post.url_path(),
        "/apis/apps/v1/namespaces/default/deployments?dryRun=All&fieldManager=kubectl-create&fieldValidation=Strict"
    );
}

#[test]
fn apply_creates_then_reports_unchanged_then_configured() {
    let mut w = World::new();
    w.host.files.insert("web.yaml".into(), DEPLOY.into());
    assert_eq!(w.sh("apply -f web.yaml"), "deployment.apps/web created\n");
    let live = &w.cluster.objects["/apis/apps/v1/namespaces/default/deployments/web"];
    let last = live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
        .as_str()
        .unwrap();
    assert!(last.starts_with("{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"labels\":{\"app\":\"web\"},\"name\":\"web\",\"namespace\":\"default\"}"), "{last}");
    assert!(last.ends_with("}\n"));
    assert_eq!(w.sh("apply -f web.yaml"), "deployment.apps/web unchanged\n");
    w.host
        .files
        .insert("web.yaml".into(), DEPLOY.replace("replicas: 2", "replicas: 5"));
    assert_eq!(w.sh("apply -f web.yaml"), "deployment.apps/web configured\n");
    assert_eq!(
        w.cluster.objects["/apis/apps/v1/namespaces/default/deployments/web"]["spec"]["replicas"],
        5
    );
}

#[test]
fn apply_warns_about_objects_created_without_the_annotation() {
    let mut w = World::new();
    w.host.files.insert("web.yaml".into(), DEPLOY.into());
    w.sh("create -f web.yaml");
    let out = w.sh("apply -f web.yaml");
    assert_eq!(
        out,
        "Warning: resource deployments.apps/web is missing the kubectl.kubernetes.io/last-applied-configuration annotation which is required by kubectl apply. kubectl apply should only be used on resources created declaratively by either kubectl create --save-config or kubectl apply. The missing annotation will be patched automatically.\ndeployment.apps/web configured\n"
    );
}

#[test]
fn create_from_file_names_the_file_in_errors() {
    let mut w = World::new();
    w.host.files.insert("web.yaml".into(), DEPLOY.into());
    assert_eq!(w.sh("create -f web.yaml"), "deployment.apps/web created\n");
    assert_eq!(
        w.sh("create -f web.yaml"),
        "Error from server (AlreadyExists): error when creating \"web.yaml\": deployments.apps \"web\" already exists\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("create -f nope.yaml"),
        "error: the path \"nope.yaml\" does not exist\n[exit 1]\n"
    );
}

#[test]
fn binary_files_fail_to_decode_rather_than_to_exist() {
    let mut w = World::new();
    // What a lossy read of a PNG gives.
    w.host
        .files
        .insert("logo.yaml".into(), "\u{fffd}PNG\r\n\u{1a}\n\u{0}\u{0}".into());
    assert_eq!(
        w.sh("apply -f logo.yaml"),
        "error: error parsing logo.yaml: error converting YAML to JSON: yaml: control characters are not allowed\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("apply -f nope.yaml"),
        "error: the path \"nope.yaml\" does not exist\n[exit 1]\n"
    );
}

#[test]
fn removed_api_versions_get_upstreams_error_only() {
    let mut w = World::new();
    w.host
        .files
        .insert("old.yaml".into(), DEPLOY.replace("apps/v1", "extensions/v1beta1"));
    assert_eq!(
        w.sh("apply -f old.yaml"),
        "error: resource mapping not found for name: \"web\" namespace: \"\" from \"old.yaml\": no matches for kind \"Deployment\" in version \"extensions/v1beta1\"\nensure CRDs are installed first\n[exit 1]\n"
    );
}

#[test]
fn delete_says_which_namespace_and_continues_past_missing_objects() {
    let mut w = World::new();
    w.sh("create deployment web --image=nginx");
    w.sh("create configmap a --from-literal=k=v");
    assert_eq!(
        w.sh("delete configmap a missing"),
        "configmap \"a\" deleted from default namespace\nError from server (NotFound): configmaps \"missing\" not found\n[exit 1]\n"
    );
    assert_eq!(w.sh("delete deploy/web -o name"), "deployment.apps/web\n");
    assert_eq!(
        w.sh("delete pods"),
        "error: resource(s) were provided, but no name was specified\n[exit 1]\n"
    );
    assert_eq!(w.sh("delete pods --all"), "No resources found\n");
    // Upstream counts the named object before the DELETE's NotFound is ignored: no output.
    assert_eq!(w.sh("delete ns demo --ignore-not-found"), "");
    let del = w
        .cluster
        .requests
        .iter()
        .find(|r| r.method == apimachinery::Method::Delete)
        .unwrap();
    assert_eq!(del.body.as_ref().unwrap()["propagationPolicy"], "Background");
}

#[test]
fn delete_with_selector_deletes_matching_objects_only() {
    let mut w = World::new();
    w.sh("create configmap a --from-literal=k=v");
    w.sh("create configmap b --from-literal=k=v");
    w.sh("label configmap a app=x");
    assert_eq!(
        w.sh("delete cm -l app=x"),
        "configmap \"a\" deleted from default namespace\n"
    );
    assert!(w
        .cluster
        .objects
        .contains_key("/api/v1/namespaces/default/configmaps/b"));
    assert_eq!(
        w.sh("delete cm b --cascade=sideways"),
        "error: invalid cascade value (sideways). Must be \"background\", \"foreground\", or \"orphan\".\n[exit 1]\n"
    );
}

#[test]
fn label_and_annotate_patch_metadata() {
    let mut w = World::new();
    w.cluster.put(node("node01"));
    assert_eq!(w.sh("label node node01 disk=ssd"), "node/node01 labeled\n");
    assert_eq!(
        w.cluster.objects["/api/v1/nodes/node01"]["metadata"]["labels"]["disk"],
        "ssd"
    );
    assert_eq!(
        w.sh("label node node01 disk=hdd"),
        "error: 'disk' already has a value (ssd), and --overwrite is false\n[exit 1]\n"
    );
    assert_eq!(w.sh("label node node01 disk=hdd --overwrite"), "node/node01 labeled\n");
    assert_eq!(w.sh("label node node01 disk-"), "node/node01 unlabeled\n");
    assert_eq!(
        w.sh("label node node01 gone-"),
        "label \"gone\" not found.\nnode/node01 not labeled\n"
    );
    assert_eq!(w.sh("annotate node node01 note=hi"), "node/node01 annotated\n");
    let patch = w
        .cluster
        .requests
        .iter()
        .rev()
        .find(|r| r.method == apimachinery::Method::Patch)
        .unwrap();
    assert_eq!(patch.body, Some(json!({"metadata": {"annotations": {"note": "hi"}}})));
}

#[test]
fn taint_adds_and_removes_taints() {
    let mut w = World::new();
    w.cluster.put(node("node01"));
    assert_eq!(
        w.sh("taint nodes node01 dedicated=gpu:NoSchedule"),
        "node/node01 tainted\n"
    );
    assert_eq!(
        w.cluster.objects["/api/v1/nodes/node01"]["spec"]["taints"],
        json!([{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    );
    assert_eq!(
        w.sh("taint nodes node01 dedicated=cpu:NoSchedule"),
        "error: node node01 already has dedicated taint(s) with same effect(s) and --overwrite is false\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("taint nodes node01 dedicated:NoSchedule-"),
        "node/node01 untainted\n"
    );
    assert_eq!(
        w.sh("taint nodes node01 dedicated-"),
        "taint \"dedicated\" not found\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("taint pods x a=b:NoSchedule"),
        "error: invalid resource type pods, only node types are supported\n[exit 1]\n"
    );
}

#[test]
fn cordon_and_uncordon_toggle_unschedulable() {
    let mut w = World::new();
    w.cluster.put(node("node01"));
    assert_eq!(w.sh("cordon node01"), "node/node01 cordoned\n");
    assert_eq!(w.cluster.objects["/api/v1/nodes/node01"]["spec"]["unschedulable"], true);
    assert_eq!(w.sh("cordon node01"), "node/node01 already cordoned\n");
    assert_eq!(w.sh("uncordon node01"), "node/node01 uncordoned\n");
    assert_eq!(
        w.sh("uncordon node02"),
        "Error from server (NotFound): nodes \"node02\" not found\n[exit 1]\n"
    );
}

#[test]
fn scale_patches_the_scale_subresource() {
    let mut w = World::new();
    w.sh("create deployment web --image=nginx");
    assert_eq!(
        w.sh("scale deployment web --replicas=3"),
        "deployment.apps/web scaled\n"
    );
    let patch = w
        .cluster
        .requests
        .iter()
        .rev()
        .find(|r| r.method == apimachinery::Method::Patch)
        .unwrap();
    assert_eq!(patch.path, "/apis/apps/v1/namespaces/default/deployments/web/scale");
    assert_eq!(patch.body, Some(json!({"spec": {"replicas": 3}})));
    assert_eq!(
        w.sh("scale deploy/nope --replicas=1"),
        "Error from server (NotFound): deployments.apps \"nope\" not found\n[exit 1]\n"
    );
}

#[test]
fn unknown_resource_types_use_kubectls_message() {
    let mut w = World::new();
    assert_eq!(
        w.sh("delete foos x"),
        "error: the server doesn't have a resource type \"foos\"\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("create role r --verb=get --resource=foos"),
        "the server doesn't have a resource type \"foos\"\n[exit 1]\n"
    );
}

#[test]
fn invalid_errors_are_rendered_with_the_kind_and_causes() {
    use apimachinery::{ApiError, FieldError};
    let one = kubectl::error::CmdError::Api(ApiError::invalid(
        "apps",
        "Deployment",
        "Foo",
        &[FieldError::invalid_str(
            "metadata.name",
            "Foo",
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters",
        )],
    ));
    assert_eq!(
        one.render(),
        "The Deployment \"Foo\" is invalid: metadata.name: Invalid value: \"Foo\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters\n"
    );
}

#[test]
fn verbose_six_logs_each_request_like_round_trippers() {
    let mut w = World::new();
    let out = w.sh("create ns demo -v=6");
    assert_eq!(
        out,
        "I0921 14:13:20.000000   12345 loader.go:408] Config loaded from file:  /root/.kube/config\nI0921 14:13:20.000000   12345 round_trippers.go:632] \"Response\" verb=\"POST\" url=\"https://192.168.0.10:6443/api/v1/namespaces?fieldManager=kubectl-create&fieldValidation=Strict\" status=\"201 Created\" milliseconds=0\nnamespace/demo created\n"
    );
    let out = w.sh("delete ns nope -v=6");
    assert!(
        out.contains(
            "verb=\"DELETE\" url=\"https://192.168.0.10:6443/api/v1/namespaces/nope\" status=\"404 Not Found\""
        ),
        "{out}"
    );
}

#[test]
fn an_unknown_context_is_a_configuration_error() {
    let mut w = World::new();
    assert_eq!(
        w.sh("create ns x --context=nope"),
        "Error in configuration: context was not found for specified context: nope\n[exit 1]\n"
    );
}

#[test]
fn verbose_seven_shows_request_headers_and_four_dumps_error_statuses() {
    let mut w = World::new();
    let out = w.sh("get ns nope -o name -v=7");
    assert!(out.contains("round_trippers.go:527] \"Request\" verb=\"GET\" url=\"https://192.168.0.10:6443/api/v1/namespaces/nope\" headers=<\n\tAccept: application/json\n\tUser-Agent: kubectl/v1.37.1 (linux/amd64) kubernetes/f78e722\n >\n"), "{out}");
    assert!(
        out.contains("round_trippers.go:632] \"Response\" status=\"404 Not Found\" milliseconds=0\n"),
        "{out}"
    );
    let out = w.sh("delete ns nope -v=4");
    assert!(
        out.contains("helpers.go:247] server response object: {\n  \"kind\": \"Status\",\n  \"apiVersion\": \"v1\",\n  \"metadata\": {},\n  \"status\": \"Failure\",\n  \"message\": \"namespaces \\\"nope\\\" not found\",\n  \"reason\": \"NotFound\",\n  \"details\": {\n    \"name\": \"nope\",\n    \"kind\": \"namespaces\"\n  },\n  \"code\": 404\n}\nError from server (NotFound)"),
        "{out}"
    );
}

#[test]
fn config_renames_and_deletes_contexts() {
    let mut w = World::new();
    assert_eq!(w.sh("config get-clusters"), "NAME\nkubernetes\n");
    assert_eq!(
        w.sh("config set-context foo --namespace=dev"),
        "Context \"foo\" created.\n"
    );
    assert_eq!(
        w.sh("config rename-context foo bar"),
        "Context \"foo\" renamed to \"bar\".\n"
    );
    assert_eq!(
        w.sh("config rename-context nope x"),
        "error: cannot rename the context \"nope\", it's not in /root/.kube/config\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("config delete-context bar"),
        "deleted context bar from /root/.kube/config\n"
    );
    assert_eq!(
        w.sh("config delete-context bar"),
        "error: cannot delete context bar, not in /root/.kube/config\n[exit 1]\n"
    );
    assert_eq!(w.sh("config get-contexts -o name"), "kubernetes-admin@kubernetes\n");
}

#[test]
fn config_commands_edit_the_kubeconfig() {
    let mut w = World::new();
    assert_eq!(w.sh("config current-context"), "kubernetes-admin@kubernetes\n");
    assert_eq!(
        w.sh("config get-contexts"),
        "CURRENT   NAME                          CLUSTER      AUTHINFO           NAMESPACE\n*         kubernetes-admin@kubernetes   kubernetes   kubernetes-admin   \n"
    );
    assert_eq!(
        w.sh("config set-context --current --namespace=kube-system"),
        "Context \"kubernetes-admin@kubernetes\" modified.\n"
    );
    assert_eq!(w.config.contexts[0].namespace, "kube-system");
    assert_eq!(w.sh("create configmap c --from-literal=a=b"), "configmap/c created\n");
    assert!(w
        .cluster
        .objects
        .contains_key("/api/v1/namespaces/kube-system/configmaps/c"));
    assert_eq!(
        w.sh("config use-context nope"),
        "error: no context exists with the name: \"nope\"\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("config view"),
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: DATA+OMITTED\n    server: https://192.168.0.10:6443\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n    namespace: kube-system\n    user: kubernetes-admin\n  name: kubernetes-admin@kubernetes\ncurrent-context: kubernetes-admin@kubernetes\nkind: Config\nusers:\n- name: kubernetes-admin\n  user:\n    client-certificate-data: DATA+OMITTED\n    client-key-data: DATA+OMITTED\n"
    );
}

#[test]
fn version_and_api_versions_read_the_server() {
    let mut w = World::new();
    assert_eq!(
        w.sh("version"),
        "Client Version: v1.37.1\nKustomize Version: v5.8.1\nServer Version: v1.37.1\n"
    );
    let out = w.sh("api-versions");
    assert!(
        out.starts_with("apps/v1\nautoscaling/v1\nautoscaling/v2\nbatch/v1\n"),
        "{out}"
    );
    assert!(out.ends_with("scheduling.k8s.io/v1\nv1\n"), "{out}");
}

#[test]
fn edit_sends_the_users_changes_and_cancels_without_any() {
    let mut w = World::new();
    w.sh("create configmap c --from-literal=a=1");
    assert_eq!(w.sh("edit cm c"), "Edit cancelled, no changes made.\n");
    w.host.edit_to =
        Some("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\ndata:\n  a: \"2\"\n".into());
    assert_eq!(w.sh("edit cm c"), "configmap/c edited\n");
    assert_eq!(
        w.cluster.objects["/api/v1/namespaces/default/configmaps/c"]["data"]["a"],
        "2"
    );
    w.host.edit_to = Some("# nothing\n".into());
    assert_eq!(w.sh("edit cm c"), "Edit cancelled, saved file was empty.\n");
}

#[test]
fn replace_puts_the_file_and_force_recreates() {
    let mut w = World::new();
    w.host.files.insert("web.yaml".into(), DEPLOY.into());
    assert_eq!(w.sh("replace -f web.yaml"), "Error from server (NotFound): error when replacing \"web.yaml\": deployments.apps \"web\" not found\n[exit 1]\n");
    w.sh("create -f web.yaml");
    assert_eq!(w.sh("replace -f web.yaml"), "deployment.apps/web replaced\n");
    assert_eq!(
        w.sh("replace -f web.yaml --force"),
        "deployment.apps \"web\" deleted from default namespace\ndeployment.apps/web replaced\n"
    );
}

#[test]
fn expose_reads_ports_and_selector_from_a_live_deployment() {
    let mut w = World::new();
    w.host.files.insert(
        "web.yaml".into(),
        DEPLOY.replace(
            "image: nginx:1.14\n",
            "image: nginx:1.14\n        ports:\n        - containerPort: 80\n",
        ),
    );
    w.sh("create -f web.yaml");
    assert_eq!(
        w.sh("expose deployment web --port=8080 --target-port=80"),
        "service/web exposed\n"
    );
    let svc = &w.cluster.objects["/api/v1/namespaces/default/services/web"];
    assert_eq!(svc["spec"]["selector"], json!({"app": "web"}));
    assert_eq!(
        svc["spec"]["ports"],
        json!([{"port": 8080, "protocol": "TCP", "targetPort": 80}])
    );
    assert_eq!(
        w.sh("expose configmap kube-root-ca.crt"),
        "Error from server (NotFound): configmaps \"kube-root-ca.crt\" not found\n[exit 1]\n"
    );
}

#[test]
fn run_creates_a_pod_and_refuses_to_attach() {
    let mut w = World::new();
    assert_eq!(
        w.sh("run web --image=nginx --port=80 --expose"),
        "pod/web created\nservice/web created\n"
    );
    assert_eq!(
        w.sh("run web --image=nginx"),
        "Error from server (AlreadyExists): pods \"web\" already exists\n[exit 1]\n"
    );
    let out = w.sh("run -it bb --image=busybox");
    assert!(out.starts_with("error: kubeplay cannot attach"), "{out}");
}

#[test]
fn no_input_makes_kubectl_panic() {
    let mut w = World::new();
    for line in [
        "",
        "-",
        "--",
        "---",
        "-=",
        "--=",
        "-n",
        "create",
        "create deployment = --image=",
        "create ns '",
        "apply -f -",
        "delete / /",
        "label / a=",
        "taint node n :",
        "set image -f - =",
        "scale --replicas=-0 x/",
        "config view -o",
        "patch a/b -p '[]' --type=json",
        "expose svc/",
        "edit /x",
        "run x --image=y --overrides={",
        "create ingress i --rule=/=:",
        "create secret tls t --cert=a --key=b",
        "create quota q --hard=cpu=abc",
    ] {
        let _ = w.kubectl(line);
    }
}

#[test]
fn apply_ignores_fields_the_server_defaulted() {
    let mut w = World::new();
    w.host.files.insert("web.yaml".into(), DEPLOY.into());
    w.sh("apply -f web.yaml");
    let path = "/apis/apps/v1/namespaces/default/deployments/web";
    let mut live = w.cluster.objects[path].clone();
    live["spec"]["strategy"] =
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
    live["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"] = json!("/dev/termination-log");
    live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = json!("IfNotPresent");
    w.cluster.objects.insert(path.to_string(), live);
    assert_eq!(w.sh("apply -f web.yaml"), "deployment.apps/web unchanged\n");
    w.host
        .files
        .insert("web.yaml".into(), DEPLOY.replace("nginx:1.14", "nginx:1.25"));
    assert_eq!(w.sh("apply -f web.yaml"), "deployment.apps/web configured\n");
    let c = &w.cluster.objects[path]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        (c["image"].as_str(), c["terminationMessagePath"].as_str()),
        (Some("nginx:1.25"), Some("/dev/termination-log"))
    );
}

fn rollout_world() -> World {
    let mut w = World::new();
    let tpl = |image: &str, hash: &str| json!({"metadata": {"labels": {"app": "web", "pod-template-hash": hash}}, "spec": {"containers": [{"name": "nginx", "image": image}]}});
    w.cluster.put(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "uid": "d-uid", "generation": 2, "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}},
        "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 2}
    }));
    for (rev, image, hash) in [("1", "nginx:1.14", "aaa"), ("2", "nginx:1.25", "bbb")] {
        w.cluster.put(json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("web-{hash}"), "namespace": "default",
                "annotations": {"deployment.kubernetes.io/revision": rev},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d-uid", "controller": true}]},
            "spec": {"template": tpl(image, hash)}
        }));
    }
    w
}

#[test]
fn rollout_history_lists_revisions_from_replica_sets() {
    let mut w = rollout_world();
    assert_eq!(
        w.sh("rollout history deployment/web"),
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
    );
    assert_eq!(
        w.sh("rollout history deployment/web --revision=7"),
        "error: unable to find the specified revision\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("rollout history"),
        "error: required resource not specified\nSee 'kubectl rollout history -h' for help and examples\n[exit 1]\n"
    );
}

#[test]
fn rollout_undo_restores_the_previous_template() {
    let mut w = rollout_world();
    assert_eq!(w.sh("rollout undo deployment web"), "deployment.apps/web rolled back\n");
    let d = &w.cluster.objects["/apis/apps/v1/namespaces/default/deployments/web"];
    assert_eq!(d["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.14");
    assert_eq!(d["spec"]["template"]["metadata"]["labels"], json!({"app": "web"}));
    assert_eq!(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
    assert_eq!(
        w.sh("rollout undo deployment web --to-revision=1"),
        "deployment.apps/web skipped rollback (current template already matches revision 1)\n"
    );
    assert_eq!(
        w.sh("rollout undo deployment web --to-revision=9"),
        "error: unable to find specified revision 9 in history\n[exit 1]\n"
    );
}

#[test]
fn rollout_status_pause_resume_and_restart() {
    let mut w = rollout_world();
    assert_eq!(
        w.sh("rollout status deploy/web"),
        "Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...\n"
    );
    assert_eq!(w.sh("rollout pause deploy/web"), "deployment.apps/web paused\n");
    assert_eq!(
        w.sh("rollout pause deploy/web"),
        "error: deployments.apps \"web\" is already paused\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("rollout undo deploy/web"),
        "error: you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again\n[exit 1]\n"
    );
    assert_eq!(w.sh("rollout resume deploy/web"), "deployment.apps/web resumed\n");
    assert_eq!(w.sh("rollout restart deploy/web"), "deployment.apps/web restarted\n");
    let d = &w.cluster.objects["/apis/apps/v1/namespaces/default/deployments/web"];
    assert_eq!(
        d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
        "2026-09-21T14:13:20Z"
    );
}

#[test]
fn malformed_local_objects_are_errors_not_panics() {
    let mut w = World::new();
    w.host.files.insert("odd.yaml".into(), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers: [\"c\", 3, null]\n".into());
    for line in [
        "set image -f odd.yaml *=nginx --local -o yaml",
        "set env -f odd.yaml A=1 --local",
        "set resources -f odd.yaml --limits=cpu=1 --local",
        "label -f odd.yaml a=b --local",
        "patch -f odd.yaml -p {\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}}} --local",
        "expose -f odd.yaml --port=80 --dry-run=client",
        "apply -f odd.yaml --dry-run=client",
    ] {
        let _ = w.kubectl(line);
    }
}
