//! Transcripts of the commands that need a running cluster (rollout status, wait, logs,
//! drain, top, events, autoscale) against the fake API server of tests/common, wrapped to
//! serve what those commands use besides CRUD: watches (`?watch=true&resourceVersion=N`),
//! pod logs, evictions (with a scripted PodDisruptionBudget refusal) and metrics.k8s.io.
//! The host's `wait` advances a virtual clock and applies scripted changes, as the cluster's
//! controllers would.

mod common;

use apimachinery::{ApiClient, ApiError, ApiRequest, Method, Status};
use common::FakeCluster;
use kubectl::{Host, Invocation, KubeConfig, Output};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

type Step = Box<dyn FnOnce(&mut State)>;

struct State {
    cluster: FakeCluster,
    /// Watch history: (resourceVersion, type, object path, object).
    events: Vec<(u64, String, String, Value)>,
    rv: u64,
    /// "ns/pod/container" → log text.
    logs: BTreeMap<String, String>,
    /// Pods whose eviction a PodDisruptionBudget refuses.
    pdb_blocked: BTreeSet<String>,
    /// Pods that an eviction only marks for deletion (they never finish terminating).
    slow_terminate: BTreeSet<String>,
    /// NodeMetrics and PodMetrics, when metrics.k8s.io is served.
    metrics: Option<(Vec<Value>, Vec<Value>)>,
    now: i64,
    script: Vec<(i64, Step)>,
    /// The host stops waiting (Ctrl-C) after this many seconds.
    interrupt_after: Option<i64>,
    waited: i64,
}

const START: i64 = 1_790_000_000;

impl State {
    /// Stores an object as a controller would, recording the watch event.
    fn set(&mut self, obj: Value) {
        let path = path_of(&obj);
        let existed = self.cluster.objects.contains_key(&path);
        self.rv += 1;
        let mut obj = obj;
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        obj["metadata"]
            .as_object_mut()
            .unwrap()
            .entry("uid")
            .or_insert(json!(format!("uid-{}", self.rv)));
        obj["metadata"]
            .as_object_mut()
            .unwrap()
            .entry("creationTimestamp")
            .or_insert(json!("2026-09-21T00:00:00Z"));
        self.cluster.objects.insert(path.clone(), obj.clone());
        let t = if existed { "MODIFIED" } else { "ADDED" };
        self.events.push((self.rv, t.to_string(), path, obj));
    }

    /// Changes a stored object in place.
    fn update(&mut self, path: &str, f: impl FnOnce(&mut Value)) {
        let mut obj = self.cluster.objects[path].clone();
        f(&mut obj);
        self.set(obj);
    }

    fn remove(&mut self, path: &str) {
        if let Some(mut obj) = self.cluster.objects.remove(path) {
            self.rv += 1;
            // As the API server does: the deleted object carries the deletion's version.
            obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
            self.events.push((self.rv, "DELETED".into(), path.to_string(), obj));
        }
    }
}

fn path_of(obj: &Value) -> String {
    let av = obj["apiVersion"].as_str().unwrap();
    let kind = obj["kind"].as_str().unwrap();
    let name = obj["metadata"]["name"].as_str().unwrap();
    let base = if av.contains('/') {
        format!("/apis/{av}")
    } else {
        format!("/api/{av}")
    };
    let plural = match kind {
        "Node" => return format!("{base}/nodes/{name}"),
        "Pod" => "pods",
        "Deployment" => "deployments",
        "StatefulSet" => "statefulsets",
        "DaemonSet" => "daemonsets",
        "ReplicaSet" => "replicasets",
        "Event" => "events",
        "Job" => "jobs",
        "ControllerRevision" => "controllerrevisions",
        other => panic!("no path for {other}"),
    };
    let ns = obj["metadata"]["namespace"].as_str().unwrap_or("default");
    format!("{base}/namespaces/{ns}/{plural}/{name}")
}

#[derive(Clone)]
struct Client(Rc<RefCell<State>>);

impl ApiClient for Client {
    fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        let mut st = self.0.borrow_mut();
        if req.method == Method::Get && req.path.ends_with("/log") {
            st.cluster.requests.push(req.clone());
            let parts: Vec<&str> = req.path.split('/').collect();
            let (ns, pod) = (parts[4], parts[6]);
            let c = req.query_param("container").unwrap_or("");
            let Some(text) = st.logs.get(&format!("{ns}/{pod}/{c}")) else {
                return Err(ApiError::bad_request(format!(
                    "container \"{c}\" in pod \"{pod}\" is waiting to start: ContainerCreating"
                )));
            };
            let mut text = text.clone();
            if let Some(n) = req.query_param("tailLines").and_then(|t| t.parse::<usize>().ok()) {
                let lines: Vec<&str> = text.lines().collect();
                text = lines[lines.len().saturating_sub(n)..]
                    .iter()
                    .map(|l| format!("{l}\n"))
                    .collect();
            }
            return Ok(Value::String(text));
        }
        if req.method == Method::Post && req.path.ends_with("/eviction") {
            st.cluster.requests.push(req.clone());
            let pod_path = req.path.trim_end_matches("/eviction").to_string();
            let name = pod_path.rsplit('/').next().unwrap().to_string();
            if st.pdb_blocked.contains(&name) {
                return Err(ApiError(Status::failure(
                    429,
                    "TooManyRequests",
                    "Cannot evict pod as it would violate the pod's disruption budget.".into(),
                    None,
                )));
            }
            if !st.cluster.objects.contains_key(&pod_path) {
                return Err(ApiError::not_found(
                    &apimachinery::GroupResource::new("", "pods"),
                    &name,
                ));
            }
            if st.slow_terminate.contains(&name) {
                st.update(&pod_path, |p| {
                    p["metadata"]["deletionTimestamp"] = json!("2026-09-21T00:00:00Z")
                });
            } else {
                st.remove(&pod_path);
            }
            return Ok(json!({"kind": "Status", "apiVersion": "v1", "status": "Success"}));
        }
        if req.method == Method::Get && req.path.starts_with("/apis/metrics.k8s.io/v1beta1/") {
            st.cluster.requests.push(req.clone());
            let (nodes, pods) = st.metrics.clone().unwrap();
            let items = if req.path.ends_with("/nodes") {
                nodes
            } else {
                let ns = req.path.split('/').nth(5).map(str::to_string);
                pods.into_iter()
                    .filter(|p| ns.is_none() || p["metadata"]["namespace"].as_str() == ns.as_deref())
                    .collect()
            };
            return Ok(json!({"kind": "List", "apiVersion": "metrics.k8s.io/v1beta1", "items": items}));
        }
        if req.method == Method::Get && req.query_param("watch") == Some("true") {
            st.cluster.requests.push(req.clone());
            let since: u64 = req.query_param("resourceVersion").unwrap_or("0").parse().unwrap_or(0);
            let prefix = format!("{}/", req.path);
            let name = req
                .query_param("fieldSelector")
                .and_then(|f| f.strip_prefix("metadata.name="))
                .map(str::to_string);
            let evs: Vec<Value> = st
                .events
                .iter()
                .filter(|(rv, _, p, o)| {
                    *rv > since
                        && (p.starts_with(&prefix)
                            || (!req.path.contains("/namespaces/")
                                && p.contains(&format!("/{}/", req.path.rsplit('/').next().unwrap()))))
                        && name.as_deref().is_none_or(|n| o["metadata"]["name"] == n)
                })
                .map(|(_, t, _, o)| json!({"type": t, "object": o}))
                .collect();
            return Ok(Value::Array(evs));
        }
        if req.method == Method::Get && req.path.ends_with("/controllerrevisions") {
            st.cluster.requests.push(req.clone());
            let items: Vec<Value> = st
                .cluster
                .objects
                .iter()
                .filter(|(p, _)| p.starts_with(&format!("{}/", req.path)))
                .map(|(_, o)| o.clone())
                .collect();
            return Ok(
                json!({"kind": "ControllerRevisionList", "apiVersion": "apps/v1", "metadata": {"resourceVersion": st.rv.to_string()}, "items": items}),
            );
        }
        let mut answer = st.cluster.request(req.clone())?;
        if req.method == Method::Get && req.path == "/apis" && st.metrics.is_some() {
            answer["groups"]
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "metrics.k8s.io",
                "versions": [{"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}],
                "preferredVersion": {"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}}));
        }
        if req.method == Method::Get && req.path == "/apis/apps/v1" {
            for r in ["deployments", "statefulsets", "replicasets"] {
                answer["resources"].as_array_mut().unwrap().push(
                    json!({"name": format!("{r}/scale"), "kind": "Scale", "namespaced": true, "verbs": ["get", "patch", "update"]}),
                );
            }
        }
        if req.method == Method::Get && answer.get("items").is_some() {
            answer["metadata"]["resourceVersion"] = json!(st.rv.to_string());
        }
        Ok(answer)
    }
}

struct ScriptHost(Rc<RefCell<State>>);

impl Host for ScriptHost {
    fn read_file(&mut self, path: &str) -> Result<String, String> {
        Err(format!("open {path}: no such file or directory"))
    }
    fn list_dir(&mut self, path: &str) -> Result<Option<Vec<String>>, String> {
        Err(format!("stat {path}: no such file or directory"))
    }
    fn stdin(&mut self) -> Option<String> {
        None
    }
    fn edit(&mut self, _: &str, text: &str) -> Result<String, String> {
        Ok(text.to_string())
    }
    fn now_unix(&self) -> i64 {
        self.0.borrow().now
    }
    fn wait(&mut self, seconds: i64) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + '_>> {
        Box::pin(std::future::ready(self.advance(seconds)))
    }
}

impl ScriptHost {
    /// Lets `seconds` pass, running the script's due steps; false once the interrupt is due.
    fn advance(&mut self, seconds: i64) -> bool {
        let mut st = self.0.borrow_mut();
        for _ in 0..seconds {
            if st.interrupt_after.is_some_and(|n| st.waited >= n) {
                return false;
            }
            st.now += 1;
            st.waited += 1;
            let now = st.now;
            let script = std::mem::take(&mut st.script);
            let (due, later): (Vec<_>, Vec<_>) = script.into_iter().partition(|(t, _)| START + *t <= now);
            st.script = later;
            for (_, step) in due {
                step(&mut st);
            }
        }
        true
    }
}

struct World {
    state: Rc<RefCell<State>>,
    config: KubeConfig,
}

impl World {
    fn new() -> Self {
        World {
            state: Rc::new(RefCell::new(State {
                cluster: FakeCluster::new(),
                events: Vec::new(),
                rv: 100,
                logs: BTreeMap::new(),
                pdb_blocked: BTreeSet::new(),
                slow_terminate: BTreeSet::new(),
                metrics: None,
                now: START,
                script: Vec::new(),
                interrupt_after: None,
                waited: 0,
            })),
            config: KubeConfig::default(),
        }
    }

    fn set(&self, obj: Value) {
        self.state.borrow_mut().set(obj);
    }

    /// At `t` seconds after the start, apply `f`.
    fn at(&self, t: i64, f: impl FnOnce(&mut State) + 'static) {
        self.state.borrow_mut().script.push((t, Box::new(f)));
    }

    fn run_args(&mut self, args: &[String]) -> (i32, Output) {
        let mut out = Output::default();
        let mut client = Client(self.state.clone());
        let mut host = ScriptHost(self.state.clone());
        let code = kubectl::run(
            args,
            Invocation {
                client: &mut client,
                host: &mut host,
                config: &mut self.config,
                out: &mut out,
            },
        );
        (code, out)
    }

    fn sh(&mut self, line: &str) -> String {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let (code, out) = self.run_args(&args);
        let mut s = out.combined();
        if code != 0 {
            s.push_str(&format!("[exit {code}]\n"));
        }
        s
    }

    fn waited(&self) -> i64 {
        self.state.borrow().waited
    }

    fn requests_to(&self, suffix: &str) -> Vec<ApiRequest> {
        self.state
            .borrow()
            .cluster
            .requests
            .iter()
            .filter(|r| r.path.ends_with(suffix))
            .cloned()
            .collect()
    }
}

const DEPLOY: &str = "/apis/apps/v1/namespaces/default/deployments/web";

fn deployment(generation: i64, observed: i64, status: Value) -> Value {
    let mut s = status;
    s["observedGeneration"] = json!(observed);
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "uid": "d-uid", "generation": generation,
            "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}},
        "status": s})
}

fn set_status(st: &mut State, status: Value) {
    st.update(DEPLOY, |d| {
        let observed = d["metadata"]["generation"].clone();
        d["status"] = status;
        d["status"]["observedGeneration"] = observed;
    });
}

#[test]
fn rollout_status_prints_each_step_on_the_virtual_clock() {
    let mut w = World::new();
    w.set(deployment(
        2,
        1,
        json!({"replicas": 3, "updatedReplicas": 0, "availableReplicas": 3}),
    ));
    w.at(1, |st| {
        set_status(st, json!({"replicas": 4, "updatedReplicas": 1, "availableReplicas": 3}))
    });
    w.at(3, |st| {
        set_status(st, json!({"replicas": 4, "updatedReplicas": 3, "availableReplicas": 3}))
    });
    w.at(5, |st| {
        set_status(st, json!({"replicas": 3, "updatedReplicas": 3, "availableReplicas": 2}))
    });
    w.at(6, |st| {
        set_status(st, json!({"replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}))
    });
    assert_eq!(
        w.sh("rollout status deployment/web"),
        "Waiting for deployment spec update to be observed...\n\
         Waiting for deployment \"web\" rollout to finish: 1 out of 3 new replicas have been updated...\n\
         Waiting for deployment \"web\" rollout to finish: 1 old replicas are pending termination...\n\
         Waiting for deployment \"web\" rollout to finish: 2 of 3 updated replicas are available...\n\
         deployment \"web\" successfully rolled out\n"
    );
    assert_eq!(w.waited(), 6);
    // Done already: one line, no waiting.
    assert_eq!(
        w.sh("rollout status deploy web"),
        "deployment \"web\" successfully rolled out\n"
    );
    assert_eq!(w.waited(), 6);
}

#[test]
fn rollout_status_times_out_and_honours_watch_false_and_revision() {
    let mut w = World::new();
    w.set(deployment(
        1,
        1,
        json!({"replicas": 3, "updatedReplicas": 3, "availableReplicas": 1}),
    ));
    assert_eq!(
        w.sh("rollout status deployment/web --timeout=3s"),
        "Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available...\n\
         error: timed out waiting for the condition\n[exit 1]\n"
    );
    assert_eq!(w.waited(), 3);
    assert_eq!(
        w.sh("rollout status deployment/web --watch=false"),
        "Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available...\n"
    );
    assert_eq!(
        w.sh("rollout status deployment/web --revision=1"),
        "error: desired revision (1) is different from the running revision (2)\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("rollout status deployment/web --revision=-1"),
        "error: revision must be a positive integer: -1\n[exit 1]\n"
    );
}

#[test]
fn rollout_status_of_a_statefulset_waits_for_ready_pods() {
    let mut w = World::new();
    let sts = |ready: i64| {
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "default", "generation": 1},
            "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}},
            "status": {"observedGeneration": 1, "readyReplicas": ready, "updatedReplicas": ready, "currentReplicas": ready}})
    };
    w.set(sts(1));
    w.at(2, move |st| st.set(sts(2)));
    w.at(4, move |st| st.set(sts(3)));
    assert_eq!(
        w.sh("rollout status statefulset/db"),
        "Waiting for 2 pods to be ready...\nWaiting for 1 pods to be ready...\npartitioned roll out complete: 3 new pods have been updated...\n"
    );
}

#[test]
fn rollout_history_shows_a_revisions_pod_template() {
    let mut w = World::new();
    w.set(deployment(1, 1, json!({})));
    w.set(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "web-abc", "namespace": "default",
            "annotations": {"deployment.kubernetes.io/revision": "1", "kubernetes.io/change-cause": "kubectl set image"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d-uid", "controller": true}]},
        "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14"}]}}}}));
    assert_eq!(
        w.sh("rollout history deployment/web"),
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         kubectl set image\n\n"
    );
    let out = w.sh("rollout history deployment/web --revision=1");
    assert!(
        out.starts_with(
            "deployment.apps/web with revision #1\nPod Template:\n  Labels:\tapp=web\n\tpod-template-hash=abc\n"
        ),
        "{out}"
    );
    assert!(out.contains("   nginx:\n    Image:\tnginx:1.14\n"), "{out}");
}

fn pod(name: &str, node: &str, ready: bool) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
        "spec": {"nodeName": node, "containers": [{"name": "nginx", "image": "nginx"}]},
        "status": {"phase": if ready { "Running" } else { "Pending" },
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}})
}

#[test]
fn wait_reports_conditions_met_and_timeouts() {
    let mut w = World::new();
    w.set(pod("x", "node01", false));
    w.at(3, |st| st.set(pod("x", "node01", true)));
    assert_eq!(w.sh("wait --for=condition=Ready pod/x"), "pod/x condition met\n");
    assert_eq!(w.waited(), 3);
    assert_eq!(
        w.sh("wait --for=jsonpath={.status.phase}=Running pods x"),
        "pod/x condition met\n"
    );
    assert_eq!(
        w.sh("wait --for=condition=Ready=false pod/x --timeout=2s"),
        "error: timed out waiting for the condition on pods/x\n[exit 1]\n"
    );
    assert_eq!(w.waited(), 5);
    assert_eq!(
        w.sh("wait --for=condition=Ready=false pod/x --timeout=0"),
        "error: condition not met for pods/x\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("wait --for=condition=Ready pod/nope"),
        "Error from server (NotFound): pods \"nope\" not found\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("wait --for=condition=Ready pods -l app=none"),
        "error: no matching resources found\n[exit 1]\n"
    );
}

#[test]
fn wait_for_delete_and_create() {
    let mut w = World::new();
    w.set(pod("x", "node01", true));
    w.at(2, |st| st.remove("/api/v1/namespaces/default/pods/x"));
    assert_eq!(w.sh("wait --for=delete pod/x"), "pod/x condition met\n");
    assert_eq!(w.waited(), 2);
    // Already gone: nothing to wait for, nothing printed.
    assert_eq!(w.sh("wait --for=delete pod/x"), "");
    w.at(4, |st| st.set(pod("y", "node01", true)));
    assert_eq!(w.sh("wait --for=create pod/y"), "pod/y condition met\n");
    assert_eq!(w.waited(), 4);
    assert_eq!(
        w.sh("wait --for=create pod/z --timeout=2s"),
        "error: timed out waiting for the condition\n[exit 1]\n"
    );
}

#[test]
fn logs_of_pods_workloads_and_selectors() {
    let mut w = World::new();
    w.set(pod("web-1", "node01", true));
    w.set(pod("web-2", "", false));
    {
        let mut st = w.state.borrow_mut();
        st.logs.insert("default/web-1/nginx".into(), "a\nb\nc\n".into());
    }
    assert_eq!(w.sh("logs web-1"), "a\nb\nc\n");
    assert_eq!(w.sh("logs web-1 --tail=1 --timestamps"), "c\n");
    let req = w.requests_to("/log").pop().unwrap();
    assert_eq!(
        req.url_path(),
        "/api/v1/namespaces/default/pods/web-1/log?container=nginx&tailLines=1&timestamps=true"
    );
    assert_eq!(
        w.sh("logs web-2"),
        "Error from server (BadRequest): container \"nginx\" in pod \"web-2\" is waiting to start: ContainerCreating\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("logs nope"),
        "error: error from server (NotFound): pods \"nope\" not found in namespace \"default\"\n[exit 1]\n"
    );
    w.state
        .borrow_mut()
        .logs
        .insert("default/web-2/nginx".into(), "z\n".into());
    w.set(deployment(1, 1, json!({})));
    // The scheduled, running, ready pod is the one kubectl picks.
    assert_eq!(w.sh("logs deploy/web"), "Found 2 pods, using pod/web-1\na\nb\nc\n");
    assert_eq!(
        w.sh("logs -l app=web --prefix"),
        "[pod/web-1/nginx] a\n[pod/web-1/nginx] b\n[pod/web-1/nginx] c\n[pod/web-2/nginx] z\n"
    );
    assert_eq!(
        w.requests_to("/log").pop().unwrap().query_param("tailLines"),
        Some("10")
    );
    assert_eq!(
        w.sh("logs"),
        "error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command\nSee 'kubectl logs -h' for help and examples\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("logs web-1 -l app=web"),
        "error: only a selector (-l) or a POD name is allowed\nSee 'kubectl logs -h' for help and examples\n[exit 1]\n"
    );
}

#[test]
fn logs_default_to_the_first_container_and_follow_until_it_ends() {
    let mut w = World::new();
    let mut p = pod("multi", "node01", true);
    p["spec"]["containers"] = json!([{"name": "app", "image": "busybox"}, {"name": "sidecar", "image": "busybox"}]);
    w.set(p.clone());
    w.state
        .borrow_mut()
        .logs
        .insert("default/multi/app".into(), "one\n".into());
    w.state
        .borrow_mut()
        .logs
        .insert("default/multi/sidecar".into(), "side\n".into());
    assert_eq!(
        w.sh("logs multi"),
        "Defaulted container \"app\" out of: app, sidecar\none\n"
    );
    assert_eq!(w.sh("logs multi -c sidecar"), "side\n");
    assert_eq!(
        w.sh("logs multi nope"),
        "error: container nope is not valid for pod multi out of: app, sidecar\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("logs multi --all-containers --prefix"),
        "[pod/multi/app] one\n[pod/multi/sidecar] side\n"
    );
    w.at(1, |st| {
        st.logs.insert("default/multi/app".into(), "one\ntwo\n".into());
    });
    w.at(3, move |st| {
        st.logs.insert("default/multi/app".into(), "one\ntwo\nthree\n".into());
        let mut done = p.clone();
        done["status"]["containerStatuses"] = json!([{"name": "app", "state": {"terminated": {"exitCode": 0}}}]);
        st.set(done);
    });
    assert_eq!(w.sh("logs -f multi -c app"), "one\ntwo\nthree\n");
    assert_eq!(w.waited(), 3);
    assert_eq!(
        w.requests_to("/log")[w.requests_to("/log").len() - 5].query_param("follow"),
        Some("true")
    );
}

fn node(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
        "spec": {}, "status": {"allocatable": {"cpu": "2", "memory": "4Gi"}, "capacity": {"cpu": "2", "memory": "4Gi"}}})
}

fn drain_world() -> World {
    let w = World::new();
    w.set(node("node01"));
    w.set(json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "kube-proxy", "namespace": "kube-system"}, "spec": {}}));
    w.set(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "kube-proxy-abc", "namespace": "kube-system",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "kube-proxy", "uid": "ds", "controller": true}]},
        "spec": {"nodeName": "node01", "containers": [{"name": "kube-proxy"}]}, "status": {"phase": "Running"}}));
    w.set(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "default",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-rs", "uid": "rs", "controller": true}]},
        "spec": {"nodeName": "node01", "containers": [{"name": "nginx"}]}, "status": {"phase": "Running"}}));
    w.set(json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "bare", "namespace": "default"},
        "spec": {"nodeName": "node01", "containers": [{"name": "c"}]}, "status": {"phase": "Running"}}));
    w
}

#[test]
fn drain_refuses_daemonset_and_unmanaged_pods_without_flags() {
    let mut w = drain_world();
    assert_eq!(
        w.sh("drain node01"),
        "node/node01 cordoned\n\
         error: unable to drain node \"node01\" due to error: [cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/kube-proxy-abc, cannot delete Pods that declare no controller (use --force to override): default/bare], continuing command...\n\
         There are pending nodes to be drained:\n node01\n\
         cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/kube-proxy-abc\n\
         cannot delete Pods that declare no controller (use --force to override): default/bare\n[exit 1]\n"
    );
    let n = w.state.borrow().cluster.objects["/api/v1/nodes/node01"].clone();
    assert_eq!(n["spec"]["unschedulable"], true);
    assert_eq!(
        w.sh("drain"),
        "error: USAGE: drain NODE [flags]\nSee 'kubectl drain -h' for help and examples\n[exit 1]\n"
    );
}

#[test]
fn drain_evicts_and_retries_while_a_disruption_budget_refuses() {
    let mut w = drain_world();
    w.state.borrow_mut().pdb_blocked.insert("web-1".into());
    w.at(7, |st| {
        st.pdb_blocked.clear();
    });
    assert_eq!(
        w.sh("drain node01 --ignore-daemonsets --force"),
        "node/node01 cordoned\n\
         Warning: deleting Pods that declare no controller: default/bare; ignoring DaemonSet-managed Pods: kube-system/kube-proxy-abc\n\
         evicting pod default/bare\n\
         evicting pod default/web-1\n\
         error when evicting pods/\"web-1\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.\n\
         pod/bare evicted\n\
         evicting pod default/web-1\n\
         error when evicting pods/\"web-1\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.\n\
         evicting pod default/web-1\n\
         pod/web-1 evicted\n\
         node/node01 drained\n"
    );
    assert_eq!(w.waited(), 10);
    let ev = &w.requests_to("/eviction")[0];
    assert_eq!(
        ev.body,
        Some(
            json!({"kind": "Eviction", "apiVersion": "policy/v1", "metadata": {"name": "bare", "namespace": "default"}, "deleteOptions": {}})
        )
    );
    assert!(w
        .state
        .borrow()
        .cluster
        .objects
        .contains_key("/api/v1/namespaces/kube-system/pods/kube-proxy-abc"));
}

#[test]
fn drain_gives_up_at_its_timeout() {
    let mut w = drain_world();
    w.state.borrow_mut().pdb_blocked.insert("web-1".into());
    w.state.borrow_mut().slow_terminate.insert("bare".into());
    assert_eq!(
        w.sh("drain node01 --ignore-daemonsets --force --timeout=3s"),
        "node/node01 cordoned\n\
         Warning: deleting Pods that declare no controller: default/bare; ignoring DaemonSet-managed Pods: kube-system/kube-proxy-abc\n\
         evicting pod default/bare\n\
         evicting pod default/web-1\n\
         error when evicting pods/\"web-1\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod's disruption budget.\n\
         evicting pod default/web-1\n\
         There are pending pods in node \"node01\" when an error occurred: [error when waiting for pod \"bare\" in namespace \"default\" to terminate: context deadline exceeded, error when evicting pods/\"web-1\" -n \"default\": global timeout reached: 3s]\n\
         pod/bare\n\
         pod/web-1\n\
         error: unable to drain node \"node01\" due to error: [error when waiting for pod \"bare\" in namespace \"default\" to terminate: context deadline exceeded, error when evicting pods/\"web-1\" -n \"default\": global timeout reached: 3s], continuing command...\n\
         There are pending nodes to be drained:\n node01\n\
         error when waiting for pod \"bare\" in namespace \"default\" to terminate: context deadline exceeded\n\
         error when evicting pods/\"web-1\" -n \"default\": global timeout reached: 3s\n[exit 1]\n"
    );
    assert_eq!(w.waited(), 5);
}

#[test]
fn top_needs_the_metrics_api_and_prints_usage_tables() {
    let mut w = World::new();
    w.set(node("node01"));
    w.set(node("node02"));
    assert_eq!(w.sh("top nodes"), "error: Metrics API not available\n[exit 1]\n");
    w.state.borrow_mut().metrics = Some((
        vec![json!({"metadata": {"name": "node01"}, "usage": {"cpu": "250m", "memory": "1Gi"}})],
        vec![
            json!({"metadata": {"name": "web-1", "namespace": "default"}, "containers": [{"name": "nginx", "usage": {"cpu": "1m", "memory": "3Mi"}}, {"name": "log", "usage": {"cpu": "2m", "memory": "1Mi"}}]}),
            json!({"metadata": {"name": "db-0", "namespace": "default"}, "containers": [{"name": "db", "usage": {"cpu": "10m", "memory": "50Mi"}}]}),
        ],
    ));
    assert_eq!(
        w.sh("top nodes"),
        "NAME     CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   \n\
         node01   250m         12%         1024Mi          25%         \n\
         node02   <unknown>    <unknown>   <unknown>       <unknown>   \n"
    );
    assert_eq!(
        w.sh("top pods"),
        "NAME    CPU(cores)   MEMORY(bytes)   \ndb-0    10m          50Mi            \nweb-1   3m           4Mi             \n"
    );
    assert_eq!(
        w.sh("top pod --containers --sort-by=memory"),
        "POD     NAME    CPU(cores)   MEMORY(bytes)   \ndb-0    db      10m          50Mi            \nweb-1   nginx   1m           3Mi             \nweb-1   log     2m           1Mi             \n"
    );
    assert_eq!(
        w.sh("top pod --sort-by=x"),
        "error: --sort-by accepts only cpu or memory\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("top node a b"),
        "error: node [NAME | -l label]\nSee 'kubectl top node -h' for help and examples\n[exit 1]\n"
    );
}

fn event(name: &str, kind: &str, reason: &str, obj: &str, ago: i64, count: i64) -> Value {
    let ts = apimachinery::time::format_rfc3339(START - ago);
    json!({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": "default"},
        "type": kind, "reason": reason, "message": format!("{reason} happened"),
        "involvedObject": {"kind": "Pod", "name": obj, "apiVersion": "v1"},
        "firstTimestamp": apimachinery::time::format_rfc3339(START - ago - 60 * (count - 1)), "lastTimestamp": ts, "count": count})
}

#[test]
fn events_are_listed_oldest_first_and_filtered() {
    let mut w = World::new();
    assert_eq!(w.sh("events"), "No events found in default namespace.\n");
    w.set(event("a", "Normal", "Scheduled", "web-1", 30, 1));
    w.set(event("b", "Warning", "BackOff", "web-1", 5, 4));
    w.set(event("c", "Normal", "Pulled", "web-2", 120, 1));
    assert_eq!(
        w.sh("events"),
        "LAST SEEN           TYPE      REASON      OBJECT      MESSAGE\n\
         2m                  Normal    Pulled      Pod/web-2   Pulled happened\n\
         30s                 Normal    Scheduled   Pod/web-1   Scheduled happened\n\
         5s (x4 over 3m5s)   Warning   BackOff     Pod/web-1   BackOff happened\n"
    );
    assert_eq!(
        w.sh("events --types=warning"),
        "LAST SEEN           TYPE      REASON    OBJECT      MESSAGE\n5s (x4 over 3m5s)   Warning   BackOff   Pod/web-1   BackOff happened\n"
    );
    w.sh("events --for pod/web-2");
    let req = w.requests_to("/events").pop().unwrap();
    assert_eq!(
        req.query_param("fieldSelector"),
        Some("involvedObject.kind=Pod,involvedObject.apiVersion=v1,involvedObject.name=web-2")
    );
    assert_eq!(
        w.sh("events --types=foo"),
        "error: valid --types are Normal or Warning\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("events --types=Normal,Bogus"),
        "error: valid --types are Normal or Warning\n[exit 1]\n"
    );
    assert!(w.sh("events --types=Normal,Warning").contains("BackOff"));
    assert_eq!(
        w.sh("events --for=x"),
        "error: --for must be in resource/name form\n[exit 1]\n"
    );
}

#[test]
fn events_watch_prints_existing_then_new_events_until_interrupted() {
    let mut w = World::new();
    w.set(event("a", "Normal", "Scheduled", "web-1", 30, 1));
    w.at(2, |st| st.set(event("b", "Normal", "Pulled", "web-1", 0, 1)));
    w.state.borrow_mut().interrupt_after = Some(4);
    assert_eq!(
        w.sh("events -w"),
        "LAST SEEN   TYPE     REASON      OBJECT      MESSAGE\n30s         Normal   Scheduled   Pod/web-1   Scheduled happened\n\
         2s    Normal   Pulled   Pod/web-1   Pulled happened\n"
    );
    assert_eq!(w.waited(), 4);
}

#[test]
fn autoscale_creates_a_v2_horizontal_pod_autoscaler() {
    let mut w = World::new();
    w.set(deployment(1, 1, json!({})));
    assert_eq!(
        w.sh("autoscale deployment web --min=2 --max=5 --cpu=80%"),
        "horizontalpodautoscaler.autoscaling/web autoscaled\n"
    );
    let hpa = w.state.borrow().cluster.objects["/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web"]
        .clone();
    assert_eq!(
        hpa["spec"],
        json!({"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 5,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]})
    );
    assert_eq!(
        w.sh("autoscale deploy/web --max=3 --cpu-percent=50 --name=other --dry-run=client"),
        "Flag --cpu-percent has been deprecated, Use --cpu with percentage or resource quantity format (e.g., '70%' for utilization or '500m' for milliCPU).\nhorizontalpodautoscaler.autoscaling/other created (dry run)\n"
    );
    assert_eq!(
        w.sh("autoscale deploy web"),
        "error: required flag(s) \"max\" not set\n[exit 1]\n"
    );
    w.set(pod("p", "node01", true));
    assert_eq!(
        w.sh("autoscale pod p --max=3"),
        "error: cannot autoscale a Pod: could not find scale subresource for /v1, Resource=pods in discovery information\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("autoscale deploy web --max=2 --min=3"),
        "error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 3\n[exit 1]\n"
    );
    let yaml = w.sh("autoscale deploy web --max=4 --memory=200 --dry-run=client -o yaml");
    assert!(yaml.contains("  metrics:\n  - resource:\n      name: memory\n      target:\n        averageValue: 200Mi\n        type: AverageValue\n    type: Resource\n"), "{yaml}");
    assert!(
        yaml.ends_with("status:\n  currentMetrics: null\n  desiredReplicas: 0\n"),
        "{yaml}"
    );
}

#[test]
fn rollout_restart_stamps_the_template_and_refuses_paused_deployments() {
    let mut w = World::new();
    w.set(deployment(1, 1, json!({})));
    assert_eq!(
        w.sh("rollout restart deployment/web"),
        "deployment.apps/web restarted\n"
    );
    let d = w.state.borrow().cluster.objects[DEPLOY].clone();
    assert_eq!(
        d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"],
        apimachinery::time::format_rfc3339(START)
    );
    assert_eq!(
        w.sh("rollout restart deployment/web"),
        "error: failed to create patch for web: if restart has already been triggered within the past second, please wait before attempting to trigger another\n[exit 1]\n"
    );
    w.state
        .borrow_mut()
        .update(DEPLOY, |d| d["spec"]["paused"] = json!(true));
    assert_eq!(
        w.sh("rollout restart deployment/web"),
        "error: deployments.apps \"web\" can't restart paused deployment (run rollout resume first)\n[exit 1]\n"
    );
}

#[test]
fn rollout_history_prints_replica_sets_with_an_output_format() {
    let mut w = World::new();
    w.set(deployment(1, 1, json!({})));
    for (rev, hash) in [("1", "aaa"), ("2", "bbb")] {
        w.set(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("web-{hash}"), "namespace": "default",
                "annotations": {"deployment.kubernetes.io/revision": rev},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d-uid", "controller": true}]},
            "spec": {"template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}));
    }
    assert_eq!(
        w.sh("rollout history deployment/web -o name"),
        "replicaset.apps/web-aaa\nreplicaset.apps/web-bbb\n"
    );
    assert_eq!(
        w.sh("rollout history deployment/web -o name --revision=2"),
        "replicaset.apps/web-bbb\n"
    );
}

#[test]
fn rollout_status_stops_quietly_when_interrupted() {
    let mut w = World::new();
    w.set(deployment(
        1,
        1,
        json!({"replicas": 3, "updatedReplicas": 3, "availableReplicas": 1}),
    ));
    w.state.borrow_mut().interrupt_after = Some(2);
    assert_eq!(
        w.sh("rollout status deployment/web"),
        "Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available...\n"
    );
    assert_eq!(w.waited(), 2);
}

#[test]
fn logs_of_a_job_use_its_selector_and_wait_for_a_first_pod() {
    let mut w = World::new();
    w.set(
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "j1"}}}}),
    );
    w.at(2, |st| {
        st.set(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "pi-abcde", "namespace": "default", "labels": {"batch.kubernetes.io/controller-uid": "j1"}},
            "spec": {"nodeName": "node01", "containers": [{"name": "pi"}]}, "status": {"phase": "Succeeded"}}));
        st.logs.insert("default/pi-abcde/pi".into(), "3.14159\n".into());
    });
    assert_eq!(w.sh("logs job/pi"), "3.14159\n");
    assert_eq!(w.waited(), 2);
    assert_eq!(
        w.sh("logs job/none"),
        "error: error from server (NotFound): jobs.batch \"none\" not found in namespace \"default\"\n[exit 1]\n"
    );
}

#[test]
fn drain_dry_run_lists_the_pods_it_would_evict() {
    let mut w = drain_world();
    assert_eq!(
        w.sh("drain node01 --ignore-daemonsets --force --dry-run=client"),
        "node/node01 cordoned (dry run)\n\
         Warning: deleting Pods that declare no controller: default/bare; ignoring DaemonSet-managed Pods: kube-system/kube-proxy-abc\n\
         evicting pod default/bare (dry run)\n\
         evicting pod default/web-1 (dry run)\n\
         node/node01 drained (dry run)\n"
    );
    assert!(w.requests_to("/eviction").is_empty());
    let n = w.state.borrow().cluster.objects["/api/v1/nodes/node01"].clone();
    assert!(n["spec"].get("unschedulable").is_none());
}

#[test]
fn daemonset_history_and_undo_use_controller_revisions() {
    let mut w = World::new();
    let template = |image: &str| json!({"metadata": {"labels": {"app": "proxy"}}, "spec": {"containers": [{"name": "p", "image": image}]}});
    w.set(json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": "proxy", "namespace": "default", "uid": "ds-uid"},
        "spec": {"selector": {"matchLabels": {"app": "proxy"}}, "template": template("v2")}}));
    for (rev, image) in [(1, "v1"), (2, "v2")] {
        let mut data_template = template(image);
        data_template["$patch"] = json!("replace");
        w.set(json!({"apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": format!("proxy-{rev}"), "namespace": "default", "labels": {"app": "proxy"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "proxy", "uid": "ds-uid", "controller": true}]},
            "revision": rev, "data": {"spec": {"template": data_template}}}));
    }
    assert_eq!(
        w.sh("rollout history ds/proxy"),
        "daemonset.apps/proxy \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
    );
    let one = w.sh("rollout history ds/proxy --revision=1");
    assert!(one.contains("    Image:\tv1\n"), "{one}");
    assert_eq!(w.sh("rollout undo ds/proxy"), "daemonset.apps/proxy rolled back\n");
    let ds = w.state.borrow().cluster.objects["/apis/apps/v1/namespaces/default/daemonsets/proxy"].clone();
    assert_eq!(ds["spec"]["template"], template("v1"));
    assert_eq!(
        w.sh("rollout undo ds/proxy --to-revision=1"),
        "daemonset.apps/proxy skipped rollback (current template already matches revision 1)\n"
    );
    assert_eq!(
        w.sh("rollout undo ds/proxy --to-revision=7"),
        "error: unable to find specified revision 7 in history\n[exit 1]\n"
    );
    assert_eq!(
        w.sh("rollout history pod/x"),
        "Error from server (NotFound): pods \"x\" not found\n[exit 1]\n"
    );
}

#[test]
fn a_revisions_template_prints_as_describe_does_with_raw_tabs() {
    let mut w = World::new();
    w.set(deployment(1, 1, json!({})));
    w.set(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "web-abc", "namespace": "default",
            "annotations": {"deployment.kubernetes.io/revision": "1"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d-uid", "controller": true}]},
        "spec": {"template": {"metadata": {"labels": {"app": "web", "pod-template-hash": "abc"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14"}]}}}}));
    let template = "Pod Template:\n  Labels:\tapp=web\n\tpod-template-hash=abc\n  Containers:\n   nginx:\n    Image:\tnginx:1.14\n    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n    Mounts:\t<none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n  Tolerations:\t<none>\n";
    assert_eq!(
        w.sh("rollout history deployment/web --revision=1"),
        format!("deployment.apps/web with revision #1\n{template}\n")
    );
    assert_eq!(
        w.sh("rollout undo deployment/web --to-revision=1 --dry-run=client"),
        format!("deployment.apps/web {template} (dry run)\n")
    );
}

#[test]
fn wait_shares_one_timeout_across_objects() {
    let mut w = World::new();
    w.set(pod("a", "node01", false));
    w.set(pod("b", "node01", false));
    w.at(2, |st| st.set(pod("a", "node01", true)));
    assert_eq!(
        w.sh("wait --for=condition=Ready pod/a pod/b --timeout=3s"),
        "pod/a condition met\nerror: timed out waiting for the condition on pods/b\n[exit 1]\n"
    );
    assert_eq!(w.waited(), 3);
}

/// Runs `kubectl get ARGS` straight through cmd::watch::get_watch (what get.rs calls for -w).
fn get_watch(w: &mut World, line: &str) -> String {
    use kubectl::flags::FlagSet;
    let help = kubectl::cmd::HELP_TEXTS.iter().find(|(p, _)| *p == "get").unwrap().1;
    let mut set = FlagSet::from_help(help);
    set.merge(&FlagSet::from_help(include_str!("../src/help/options.txt")));
    let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    let parsed = set.parse(&args).unwrap();
    let mut out = Output::default();
    let mut client = Client(w.state.clone());
    let mut host = ScriptHost(w.state.clone());
    let inv = Invocation {
        client: &mut client,
        host: &mut host,
        config: &mut w.config,
        out: &mut out,
    };
    let mut ctx = kubectl::ctx::Ctx::new(inv, "kubectl get", &parsed);
    let result = kubectl::poll_ready(kubectl::cmd::watch::get_watch(&mut ctx, &parsed, &parsed.args))
        .expect("the script host never leaves a wait pending");
    drop(ctx);
    let mut s = out.combined();
    if let Err(e) = result {
        s.push_str(&e.render());
    }
    s
}

#[test]
fn get_watch_prints_the_list_then_one_row_per_event() {
    let mut w = World::new();
    w.set(pod("web-1", "node01", false));
    w.at(2, |st| st.set(pod("web-2", "node02", false)));
    w.at(3, |st| st.set(pod("web-1", "node01", true)));
    w.at(4, |st| st.remove("/api/v1/namespaces/default/pods/web-2"));
    w.state.borrow_mut().interrupt_after = Some(5);
    assert_eq!(
        get_watch(&mut w, "pods -w"),
        "NAME    READY   STATUS    RESTARTS   AGE\n\
         web-1   0/1     Pending   0          14h\n\
         web-2   0/1   Pending   0     14h\n\
         web-1   0/1   Running   0     14h\n\
         web-2   0/1   Pending   0     14h\n"
    );
    assert_eq!(w.waited(), 5);
    w.at(7, |st| st.set(pod("web-3", "node02", false)));
    {
        let mut st = w.state.borrow_mut();
        st.waited = 0;
    }
    assert_eq!(
        get_watch(&mut w, "pods --watch-only --output-watch-events"),
        "EVENT   NAME    READY   STATUS    RESTARTS   AGE\nADDED   web-3   0/1     Pending   0          14h\n"
    );
    assert_eq!(
        get_watch(&mut w, "pods,nodes -w"),
        "error: you may only specify a single resource type\n"
    );
}

#[test]
fn get_watch_of_one_object_shows_only_its_changes() {
    let mut w = World::new();
    w.set(pod("web-1", "node01", false));
    w.set(pod("web-2", "node01", false));
    w.at(1, |st| st.set(pod("web-2", "node01", true)));
    w.at(2, |st| st.set(pod("web-1", "node01", true)));
    w.state.borrow_mut().interrupt_after = Some(3);
    assert_eq!(get_watch(&mut w, "pod web-1 -w -o name"), "pod/web-1\npod/web-1\n");
    assert_eq!(w.waited(), 3);
}

/// A host that lets time pass as the browser page does: each wait is pending once (the page
/// would advance the clock between frames) before it resolves; output is taken live.
struct LiveHost {
    inner: ScriptHost,
    /// What `flush` took, in order: the terminal's view while the command waits.
    shown: Rc<RefCell<String>>,
}

/// Pending on the first poll (waking its waker, as a timer would), then `value`.
struct YieldOnce {
    yielded: bool,
    value: bool,
}

impl std::future::Future for YieldOnce {
    type Output = bool;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<bool> {
        if self.yielded {
            return std::task::Poll::Ready(self.value);
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

impl Host for LiveHost {
    fn read_file(&mut self, path: &str) -> Result<String, String> {
        self.inner.read_file(path)
    }
    fn list_dir(&mut self, path: &str) -> Result<Option<Vec<String>>, String> {
        self.inner.list_dir(path)
    }
    fn stdin(&mut self) -> Option<String> {
        None
    }
    fn edit(&mut self, f: &str, text: &str) -> Result<String, String> {
        self.inner.edit(f, text)
    }
    fn now_unix(&self) -> i64 {
        self.inner.now_unix()
    }
    fn wait(&mut self, seconds: i64) -> std::pin::Pin<Box<dyn std::future::Future<Output = bool> + '_>> {
        let value = self.inner.advance(seconds);
        Box::pin(YieldOnce { yielded: false, value })
    }
    fn flush(&mut self, out: &mut Output) {
        self.shown.borrow_mut().push_str(&out.combined());
        out.chunks.clear();
    }
}

impl World {
    /// Runs `kubectl ARGS` through `run_async` on a [`LiveHost`], polling until it is done;
    /// returns (exit code, what was shown while waiting, the rest of the output, polls).
    fn run_live(&mut self, line: &str) -> (i32, String, String, usize) {
        let args: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let mut out = Output::default();
        let mut client = Client(self.state.clone());
        let shown = Rc::new(RefCell::new(String::new()));
        let mut host = LiveHost {
            inner: ScriptHost(self.state.clone()),
            shown: shown.clone(),
        };
        let inv = Invocation {
            client: &mut client,
            host: &mut host,
            config: &mut self.config,
            out: &mut out,
        };
        let mut fut = Box::pin(kubectl::run_async(&args, inv));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut polls = 0;
        let code = loop {
            polls += 1;
            if let std::task::Poll::Ready(code) = std::future::Future::poll(fut.as_mut(), &mut cx) {
                break code;
            }
        };
        drop(fut);
        let shown = shown.borrow().clone();
        (code, shown, out.combined(), polls)
    }
}

#[test]
fn a_host_that_leaves_a_wait_pending_makes_the_sync_run_fail_instead_of_hanging() {
    let mut w = World::new();
    w.set(deployment(
        1,
        1,
        json!({"replicas": 3, "updatedReplicas": 3, "availableReplicas": 1}),
    ));
    let mut out = Output::default();
    let mut client = Client(w.state.clone());
    let mut host = LiveHost {
        inner: ScriptHost(w.state.clone()),
        shown: Rc::new(RefCell::new(String::new())),
    };
    let args: Vec<String> = ["rollout", "status", "deployment/web"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let code = kubectl::run(
        &args,
        Invocation {
            client: &mut client,
            host: &mut host,
            config: &mut w.config,
            out: &mut out,
        },
    );
    assert_eq!(code, 1);
    assert_eq!(
        out.stderr_text(),
        "error: kubeplay: this host cannot wait for a command to finish\n"
    );
}

#[test]
fn run_async_suspends_at_each_wait_and_shows_what_was_printed_so_far() {
    let mut w = World::new();
    w.set(deployment(
        1,
        1,
        json!({"replicas": 3, "updatedReplicas": 3, "availableReplicas": 1}),
    ));
    w.at(3, |st| {
        st.set(deployment(
            1,
            1,
            json!({"replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}),
        ))
    });
    let (code, shown, rest, polls) = w.run_live("rollout status deployment/web");
    assert_eq!(code, 0);
    // The first line was flushed to the terminal before the first wait.
    assert_eq!(
        shown,
        "Waiting for deployment \"web\" rollout to finish: 1 of 3 updated replicas are available...\n"
    );
    assert_eq!(rest, "deployment \"web\" successfully rolled out\n");
    // One pending poll per virtual second waited, plus the final one.
    assert_eq!(w.waited(), 3);
    assert_eq!(polls, 4);
}

#[test]
fn an_interrupted_live_get_watch_keeps_the_rows_it_streamed() {
    let mut w = World::new();
    w.set(pod("web-1", "node01", false));
    w.at(2, |st| st.set(pod("web-2", "node02", false)));
    w.state.borrow_mut().interrupt_after = Some(4);
    let (code, shown, rest, _) = w.run_live("get pods -w");
    // Without a shell to report the signal, kubectl's own status is that of a watch ended.
    assert_eq!(code, 0);
    assert_eq!(
        shown,
        "NAME    READY   STATUS    RESTARTS   AGE\nweb-1   0/1     Pending   0          14h\nweb-2   0/1   Pending   0     14h\n"
    );
    assert_eq!(rest, "");
}
