//! The kubelet against the real in-memory API server, on virtual time.

use apimachinery::{ApiClient, ApiError, ApiRequest};
use apiserver::{ApiServer, ApiServerConfig};
use client::Component;
use kubelet::{Kubelet, NodeConfig};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimContext, SimTime};

struct Local {
    server: ApiServer,
    ctx: SimContext,
}

impl ApiClient for Local {
    fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        self.server.handle(&mut self.ctx, req)
    }
}

struct World {
    api: Local,
    kubelet: Kubelet,
    rng: RngStreams,
}

fn world(node: &str, config: NodeConfig) -> World {
    let mut server = ApiServer::with_config(ApiServerConfig {
        require_service_account: false,
        ..Default::default()
    });
    let mut ctx = SimContext::new(7, SimTime::from_unix_secs(sim::DEFAULT_EPOCH_SECONDS));
    let _ = server.bootstrap(&mut ctx);
    // What the root-ca-cert-publisher gives every namespace: the pods' kube-api-access
    // volumes project it, and the kubelet does not start a pod whose volume source is missing.
    let ca = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt", "namespace": "default"},
        "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"}});
    let _ = server.handle(&mut ctx, ApiRequest::post("/api/v1/namespaces/default/configmaps", ca));
    let mut w = World {
        api: Local { server, ctx },
        kubelet: Kubelet::new(node, config),
        rng: RngStreams::new(3),
    };
    w.run_for(0);
    w
}

impl World {
    fn now(&self) -> SimTime {
        self.api.ctx.now()
    }

    /// The cluster loop in miniature: step until idle, then jump to the next wake-up.
    fn run_until(&mut self, until: SimTime) {
        for _ in 0..100_000 {
            let now = self.now();
            let r = self.kubelet.step(&mut self.api, now, &mut self.rng);
            if r.did_work {
                continue;
            }
            match r.next_wakeup {
                Some(t) if t <= until => self.api.ctx.advance_to(t.max(now.add(Duration::from_millis(1)))),
                _ => {
                    self.api.ctx.advance_to(until);
                    let now = self.now();
                    let _ = self.kubelet.step(&mut self.api, now, &mut self.rng);
                    return;
                }
            }
        }
        panic!("the loop did not settle");
    }

    fn run_for(&mut self, secs: i64) {
        let until = self.now().add(Duration::from_secs(secs));
        self.run_until(until);
    }

    fn create_pod(&mut self, pod: Value) {
        self.api
            .request(ApiRequest::post("/api/v1/namespaces/default/pods", pod))
            .unwrap();
    }

    fn pod(&mut self, name: &str) -> Value {
        self.api
            .request(ApiRequest::get(format!("/api/v1/namespaces/default/pods/{name}")))
            .unwrap()
    }

    fn events(&mut self, pod: &str) -> Vec<(String, String, i64)> {
        let list = self
            .api
            .request(ApiRequest::get("/api/v1/namespaces/default/events"))
            .unwrap();
        let mut evs: Vec<(String, String, String, i64)> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["involvedObject"]["name"] == pod)
            .map(|e| {
                (
                    e["firstTimestamp"].as_str().unwrap_or("").to_string(),
                    e["reason"].as_str().unwrap_or("").to_string(),
                    e["message"].as_str().unwrap_or("").to_string(),
                    e["count"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        evs.sort_by(|a, b| a.0.cmp(&b.0));
        evs.into_iter().map(|(_, r, m, c)| (r, m, c)).collect()
    }
}

fn pod(name: &str, node: &str, image: &str, command: Option<Value>) -> Value {
    let mut c = json!({"name": name, "image": image});
    if let Some(cmd) = command {
        c["command"] = cmd;
    }
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"nodeName": node, "containers": [c]},
    })
}

fn worker() -> NodeConfig {
    NodeConfig::worker("192.168.56.11", "10.244.1.0/24")
}

#[test]
fn the_kubelet_registers_its_node_posts_status_and_renews_its_lease() {
    let mut w = world("node01", worker());
    let node = w.api.request(ApiRequest::get("/api/v1/nodes/node01")).unwrap();
    let ready = node["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap()
        .clone();
    assert_eq!(ready["status"], "True");
    assert_eq!(ready["reason"], "KubeletReady");
    assert_eq!(node["status"]["addresses"][0]["address"], "192.168.56.11");
    assert!(node["status"]["images"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["names"][1] == "registry.k8s.io/pause:3.10.2"));
    let lease_path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node01";
    let lease = w.api.request(ApiRequest::get(lease_path)).unwrap();
    assert_eq!(lease["spec"]["leaseDurationSeconds"], 40);
    assert_eq!(lease["spec"]["renewTime"], "2026-01-01T00:00:00.000000Z");
    w.run_for(25);
    let lease = w.api.request(ApiRequest::get(lease_path)).unwrap();
    assert_eq!(lease["spec"]["renewTime"], "2026-01-01T00:00:20.000000Z");
    // A stopped kubelet renews nothing.
    w.kubelet.stop();
    w.run_for(60);
    let lease = w.api.request(ApiRequest::get(lease_path)).unwrap();
    assert_eq!(lease["spec"]["renewTime"], "2026-01-01T00:00:20.000000Z");
    w.kubelet.start();
    w.run_for(0);
    let lease = w.api.request(ApiRequest::get(lease_path)).unwrap();
    assert_eq!(lease["spec"]["renewTime"], "2026-01-01T00:01:25.000000Z");
    // Start-up events on the Node, twice: at the first start and after the restart.
    let evs = w
        .api
        .request(ApiRequest::get("/api/v1/namespaces/default/events"))
        .unwrap();
    let starting = evs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["reason"] == "Starting" && e["involvedObject"]["kind"] == "Node")
        .unwrap()
        .clone();
    assert_eq!(starting["message"], "Starting kubelet.");
    assert_eq!(starting["count"], 2);
    assert_eq!(starting["source"]["component"], "kubelet");
    assert!(evs["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["reason"] == "NodeReady" && e["message"] == "Node node01 status is now: NodeReady"));
}

#[test]
fn an_nginx_pod_goes_from_container_creating_to_running_with_upstreams_events() {
    let mut w = world("node01", worker());
    w.create_pod(pod("web", "node01", "nginx", None));
    w.run_for(0);
    let p = w.pod("web");
    assert_eq!(p["status"]["phase"], "Pending");
    assert_eq!(
        p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "ContainerCreating"
    );
    assert_eq!(p["status"]["hostIP"], "192.168.56.11");
    w.run_for(10);
    let p = w.pod("web");
    assert_eq!(p["status"]["phase"], "Running", "{p:#}");
    let cs = &p["status"]["containerStatuses"][0];
    assert_eq!(cs["ready"], true);
    assert_eq!(cs["started"], true);
    assert_eq!(cs["image"], "docker.io/library/nginx:latest");
    assert!(cs["imageID"]
        .as_str()
        .unwrap()
        .starts_with("docker.io/library/nginx@sha256:"));
    assert!(cs["containerID"].as_str().unwrap().starts_with("containerd://"));
    assert_eq!(cs["containerID"].as_str().unwrap().len(), "containerd://".len() + 64);
    assert_eq!(p["status"]["podIP"], "10.244.1.2");
    let types: Vec<(&str, &str)> = p["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["type"].as_str().unwrap(), c["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        types,
        vec![
            ("PodReadyToStartContainers", "True"),
            ("Initialized", "True"),
            ("Ready", "True"),
            ("ContainersReady", "True")
        ]
    );
    let evs = w.events("web");
    let reasons: Vec<&str> = evs.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(reasons, vec!["Pulling", "Pulled", "Created", "Started"]);
    assert_eq!(evs[0].1, "Pulling image \"nginx\"");
    assert_eq!(
        evs[1].1,
        "Successfully pulled image \"nginx\" in 2.504s (2.504s including waiting). Image size: 72195292 bytes."
    );
    assert_eq!(evs[2].1, "Created container: web");
    assert_eq!(evs[3].1, "Started container web");
    let logs = w.kubelet.logs("default", "web", None, false).unwrap();
    assert!(logs
        .iter()
        .any(|l| l.text == "/docker-entrypoint.sh: Configuration complete; ready for start up"));
    // A second pod of the same image with IfNotPresent finds it on the node.
    let mut p2 = pod(
        "web2",
        "node01",
        "nginx:latest",
        Some(json!(["nginx", "-g", "daemon off;"])),
    );
    p2["spec"]["containers"][0]["imagePullPolicy"] = json!("IfNotPresent");
    w.create_pod(p2);
    w.run_for(5);
    let evs = w.events("web2");
    assert_eq!(
        evs[0].1,
        "Container image \"nginx:latest\" already present on machine and can be accessed by the pod"
    );
    assert_eq!(w.pod("web2")["status"]["podIP"], "10.244.1.3");
}

#[test]
fn a_bad_image_goes_err_image_pull_then_image_pull_back_off() {
    let mut w = world("node01", worker());
    w.create_pod(pod("bad", "node01", "nginx:doesnotexist", None));
    w.run_for(2);
    let p = w.pod("bad");
    let waiting = &p["status"]["containerStatuses"][0]["state"]["waiting"];
    assert_eq!(waiting["reason"], "ErrImagePull", "{p:#}");
    let err = "rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:doesnotexist\": failed to resolve image: docker.io/library/nginx:doesnotexist: not found";
    assert_eq!(waiting["message"], err);
    w.run_for(2);
    let p = w.pod("bad");
    let waiting = &p["status"]["containerStatuses"][0]["state"]["waiting"];
    assert_eq!(waiting["reason"], "ImagePullBackOff");
    assert_eq!(
        waiting["message"],
        format!("Back-off pulling image \"nginx:doesnotexist\": ErrImagePull: {err}")
    );
    let evs = w.events("bad");
    assert!(evs.contains(&(
        "Failed".to_string(),
        format!("Failed to pull image \"nginx:doesnotexist\": {err}"),
        1
    )));
    assert!(evs.contains(&(
        "BackOff".to_string(),
        "Back-off pulling image \"nginx:doesnotexist\"".to_string(),
        1
    )));
    assert_eq!(p["status"]["phase"], "Pending");
    assert!(w
        .kubelet
        .logs("default", "bad", None, false)
        .unwrap_err()
        .message()
        .contains("is waiting to start: image can't be pulled"));
    // Retries at 10 s, then 20 s after the next failure: the Pulling event counts up.
    w.run_for(60);
    let pulling = w.events("bad").into_iter().find(|e| e.0 == "Pulling").unwrap();
    assert_eq!(pulling.2, 3);
}

#[test]
fn a_crashing_container_restarts_with_ten_twenty_forty_second_backoff() {
    let mut w = world("node01", worker());
    let mut p = pod(
        "crash",
        "node01",
        "busybox",
        Some(json!(["sh", "-c", "echo dying; exit 1"])),
    );
    p["spec"]["containers"][0]["imagePullPolicy"] = json!("IfNotPresent");
    w.create_pod(p);
    let mut restarts: Vec<(i64, i64)> = Vec::new();
    let start = w.now();
    let mut last = 0;
    for _ in 0..200 {
        w.run_for(1);
        let p = w.pod("crash");
        let n = p["status"]["containerStatuses"][0]["restartCount"]
            .as_i64()
            .unwrap_or(0);
        if n != last {
            restarts.push((n, w.now().since(start).as_secs()));
            last = n;
        }
    }
    let times: Vec<i64> = restarts.iter().map(|r| r.1).collect();
    let gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert_eq!(gaps.get(..3), Some(&[10, 20, 40][..]), "restarts at {times:?}");
    let p = w.pod("crash");
    let cs = &p["status"]["containerStatuses"][0];
    assert_eq!(p["status"]["phase"], "Running");
    assert_eq!(cs["state"]["waiting"]["reason"], "CrashLoopBackOff");
    let uid = p["metadata"]["uid"].as_str().unwrap();
    let msg = cs["state"]["waiting"]["message"].as_str().unwrap();
    assert!(msg.starts_with("back-off "), "{msg}");
    assert!(
        msg.ends_with(&format!("restarting failed container=crash pod=crash_default({uid})")),
        "{msg}"
    );
    assert_eq!(cs["lastState"]["terminated"]["exitCode"], 1);
    assert_eq!(cs["lastState"]["terminated"]["reason"], "Error");
    let backoff = w.events("crash").into_iter().find(|e| e.0 == "BackOff").unwrap();
    assert_eq!(
        backoff.1,
        format!("Back-off restarting failed container crash in pod crash_default({uid})")
    );
    let prev = w.kubelet.logs("default", "crash", Some("crash"), true).unwrap();
    assert_eq!(prev.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), vec!["dying"]);
    // While backing off, plain `logs` shows the instance that crashed.
    let current = w.kubelet.logs("default", "crash", None, false).unwrap();
    assert_eq!(
        current.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
        vec!["dying"]
    );
}

#[test]
fn a_completed_pod_under_restart_policy_never_succeeds() {
    let mut w = world("node01", worker());
    let mut p = pod(
        "once",
        "node01",
        "busybox",
        Some(json!(["sh", "-c", "echo hello; sleep 5"])),
    );
    p["spec"]["restartPolicy"] = json!("Never");
    w.create_pod(p);
    w.run_for(20);
    let p = w.pod("once");
    assert_eq!(p["status"]["phase"], "Succeeded", "{p:#}");
    assert_eq!(
        p["status"]["containerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
    let ready = p["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap()
        .clone();
    assert_eq!(ready["reason"], "PodCompleted");
}

#[test]
fn deleting_a_pod_stops_its_containers_and_removes_it() {
    let mut w = world("node01", worker());
    w.create_pod(pod("web", "node01", "nginx", None));
    w.create_pod(pod("sleeper", "node01", "busybox", Some(json!(["sleep", "3600"]))));
    w.run_for(10);
    w.api
        .request(ApiRequest::delete("/api/v1/namespaces/default/pods/web"))
        .unwrap();
    w.api
        .request(ApiRequest::delete("/api/v1/namespaces/default/pods/sleeper"))
        .unwrap();
    w.run_for(1);
    assert!(w
        .api
        .request(ApiRequest::get("/api/v1/namespaces/default/pods/web"))
        .is_err());
    // sleep as PID 1 ignores SIGTERM: it goes after the 30 s grace period.
    assert!(w
        .api
        .request(ApiRequest::get("/api/v1/namespaces/default/pods/sleeper"))
        .is_ok());
    w.run_for(30);
    assert!(w
        .api
        .request(ApiRequest::get("/api/v1/namespaces/default/pods/sleeper"))
        .is_err());
    assert!(w
        .events("web")
        .iter()
        .any(|e| e.0 == "Killing" && e.1 == "Stopping container web"));
}

#[test]
fn the_control_plane_kubelet_posts_and_runs_its_static_pods() {
    let mut w = world(
        "controlplane",
        NodeConfig::control_plane("192.168.56.10", "10.244.0.0/24"),
    );
    w.run_for(30);
    let list = w
        .api
        .request(ApiRequest::get("/api/v1/namespaces/kube-system/pods"))
        .unwrap();
    let mut names: Vec<(String, String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["metadata"]["name"].as_str().unwrap().to_string(),
                p["status"]["phase"].as_str().unwrap_or("").to_string(),
                p["status"]["podIP"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            ("etcd-controlplane".into(), "Running".into(), "192.168.56.10".into()),
            (
                "kube-apiserver-controlplane".into(),
                "Running".into(),
                "192.168.56.10".into()
            ),
            (
                "kube-controller-manager-controlplane".into(),
                "Running".into(),
                "192.168.56.10".into()
            ),
            (
                "kube-scheduler-controlplane".into(),
                "Running".into(),
                "192.168.56.10".into()
            ),
        ]
    );
}

#[test]
fn env_and_config_map_volumes_reach_the_program() {
    let mut w = world("node01", worker());
    w.api
        .request(ApiRequest::post(
            "/api/v1/namespaces/default/configmaps",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"color": "blue", "app.conf": "debug=true\n"}}),
        ))
        .unwrap();
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "env", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "restartPolicy": "Never",
            "containers": [{
                "name": "env", "image": "busybox",
                "command": ["sh", "-c", "echo color=$COLOR pod=$(POD); cat /etc/cfg/app.conf"],
                "env": [
                    {"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "color"}}},
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                ],
                "volumeMounts": [{"name": "c", "mountPath": "/etc/cfg"}],
            }],
            "volumes": [{"name": "c", "configMap": {"name": "cfg"}}],
        },
    });
    w.create_pod(p);
    w.run_for(10);
    let logs = w.kubelet.logs("default", "env", None, false).unwrap();
    assert_eq!(
        logs.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
        vec!["color=blue pod=env", "debug=true"]
    );
}

#[test]
fn a_latest_image_is_pulled_again_on_every_restart() {
    let mut w = world("node01", worker());
    w.create_pod(pod("crash", "node01", "busybox", Some(json!(["sh", "-c", "exit 1"]))));
    w.run_for(40);
    let evs = w.events("crash");
    let pulled: Vec<&(String, String, i64)> = evs.iter().filter(|e| e.0 == "Pulled").collect();
    assert_eq!(
        pulled[0].1,
        "Successfully pulled image \"busybox\" in 755ms (755ms including waiting). Image size: 2223685 bytes."
    );
    assert_eq!(
        pulled[1].1,
        "Successfully pulled image \"busybox\" in 452ms (452ms including waiting). Image size: 2223685 bytes."
    );
}

#[test]
fn a_liveness_probe_that_starts_failing_restarts_the_container() {
    let mut w = world("node01", worker());
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "liveness-exec", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "containers": [{
                "name": "liveness", "image": "registry.k8s.io/busybox:1.27.2",
                "args": ["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
                "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5, "periodSeconds": 5},
            }],
        },
    });
    w.create_pod(p);
    w.run_for(20);
    // The image is not in the catalogue: the pull fails (registry.k8s.io/busybox).
    let st = w.pod("liveness-exec");
    assert_eq!(
        st["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "ImagePullBackOff"
    );

    let mut w = world("node01", worker());
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "liveness-exec", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "containers": [{
                "name": "liveness", "image": "busybox:1.36", "imagePullPolicy": "IfNotPresent",
                "args": ["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
                "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5, "periodSeconds": 5},
            }],
        },
    });
    w.create_pod(p);
    w.run_for(30);
    assert_eq!(
        w.pod("liveness-exec")["status"]["containerStatuses"][0]["restartCount"],
        0
    );
    w.run_for(30);
    // Killed at the third failure (~47 s), but `sh` ignores SIGTERM: gone after 30 s.
    assert_eq!(
        w.pod("liveness-exec")["status"]["containerStatuses"][0]["restartCount"],
        0
    );
    w.run_for(30);
    let st = w.pod("liveness-exec");
    assert_eq!(st["status"]["containerStatuses"][0]["restartCount"], 1, "{st:#}");
    assert_eq!(
        st["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"],
        137
    );
    let evs = w.events("liveness-exec");
    assert!(evs.iter().any(|e| e.0 == "Unhealthy"
        && e.1 == "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"
        && e.2 == 3));
    assert!(evs
        .iter()
        .any(|e| e.0 == "Killing" && e.1 == "Container liveness failed liveness probe, will be restarted"));
}

#[test]
fn init_containers_run_in_order_before_the_app() {
    let mut w = world("node01", worker());
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "init", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "initContainers": [{"name": "wait", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 5"]}],
            "containers": [{"name": "app", "image": "nginx:1.27"}],
        },
    });
    w.create_pod(p);
    w.run_for(3);
    let st = w.pod("init");
    assert_eq!(st["status"]["phase"], "Pending");
    assert!(
        st["status"]["initContainerStatuses"][0]["state"]["running"].is_object(),
        "{st:#}"
    );
    assert_eq!(
        st["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "PodInitializing"
    );
    let init = st["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Initialized")
        .unwrap()
        .clone();
    assert_eq!(init["status"], "False");
    assert_eq!(init["reason"], "ContainersNotInitialized");
    assert_eq!(init["message"], "containers with incomplete status: [wait]");
    w.run_for(10);
    let st = w.pod("init");
    assert_eq!(st["status"]["phase"], "Running", "{st:#}");
    assert_eq!(
        st["status"]["initContainerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
    assert_eq!(st["status"]["containerStatuses"][0]["ready"], true);
}

#[test]
fn a_readiness_probe_on_a_closed_port_keeps_the_pod_unready() {
    let mut w = world("node01", worker());
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "containers": [{
                "name": "web", "image": "nginx:1.27",
                "readinessProbe": {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 5},
            }],
        },
    });
    w.create_pod(p);
    w.run_for(30);
    let st = w.pod("web");
    assert_eq!(st["status"]["containerStatuses"][0]["ready"], false);
    let ready = st["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Ready")
        .unwrap()
        .clone();
    assert_eq!(ready["message"], "containers with unready status: [web]");
    let unhealthy = w.events("web").into_iter().find(|e| e.0 == "Unhealthy").unwrap();
    assert_eq!(unhealthy.1, "Readiness probe failed: Get \"http://10.244.1.2:8080/\": dial tcp 10.244.1.2:8080: connect: connection refused");
}

#[test]
fn a_kubelet_saved_and_restored_mid_crash_loop_continues_identically() {
    let run = |save_at: Option<i64>| {
        let mut w = world("node01", worker());
        w.create_pod(pod(
            "crash",
            "node01",
            "busybox",
            Some(json!(["sh", "-c", "echo $(date); sleep 3; exit 2"])),
        ));
        w.create_pod(pod("web", "node01", "nginx", None));
        if let Some(t) = save_at {
            w.run_for(t);
            let saved = serde_json::to_value(&w.kubelet).unwrap();
            w.kubelet = serde_json::from_value(saved).unwrap();
            w.run_for(120 - t);
        } else {
            w.run_for(120);
        }
        (
            w.pod("crash")["status"].clone(),
            w.pod("web")["status"].clone(),
            w.kubelet.logs("default", "crash", None, true).unwrap(),
        )
    };
    let straight = run(None);
    assert_eq!(
        straight.0["containerStatuses"][0]["restartCount"], 4,
        "{:#}",
        straight.0
    );
    assert_eq!(run(Some(33)), straight);
}

#[test]
fn exec_runs_in_the_containers_files_and_env() {
    let mut w = world("node01", worker());
    let mut p = pod("box", "node01", "busybox", Some(json!(["sleep", "3600"])));
    p["spec"]["containers"][0]["env"] = json!([{"name": "MODE", "value": "test"}]);
    w.create_pod(p);
    w.run_for(5);
    let now = w.now();
    let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let (out, code) = w
        .kubelet
        .exec("default", "box", None, &argv(&["sh", "-c", "echo $MODE > /tmp/m"]), now)
        .unwrap();
    assert_eq!((out.len(), code), (0, 0));
    let (out, code) = w
        .kubelet
        .exec("default", "box", None, &argv(&["cat", "/tmp/m"]), now)
        .unwrap();
    assert_eq!((out, code), (vec!["test".to_string()], 0));
    let err = w
        .kubelet
        .exec("default", "box", None, &argv(&["nosuch"]), now)
        .unwrap_err();
    assert!(
        err.message()
            .contains("exec: \"nosuch\": executable file not found in $PATH"),
        "{}",
        err.message()
    );
}

#[test]
fn a_container_over_its_memory_limit_is_oom_killed() {
    let mut w = world("node01", worker());
    let mut p = pod("memory-demo-2", "node01", "polinux/stress", Some(json!(["stress"])));
    p["spec"]["containers"][0]["args"] = json!(["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]);
    p["spec"]["containers"][0]["resources"] = json!({"limits": {"memory": "100Mi"}, "requests": {"memory": "50Mi"}});
    w.create_pod(p);
    w.run_for(4);
    let st = w.pod("memory-demo-2");
    let cs = &st["status"]["containerStatuses"][0];
    let term = if cs["state"]["terminated"].is_object() {
        &cs["state"]["terminated"]
    } else {
        &cs["lastState"]["terminated"]
    };
    assert_eq!(term["reason"], "OOMKilled", "{st:#}");
    assert_eq!(term["exitCode"], 137);
}

#[test]
fn a_hundred_pods_settle_and_an_idle_hour_passes_in_few_steps() {
    let mut w = world("node01", worker());
    for i in 0..100 {
        w.create_pod(pod(&format!("web-{i}"), "node01", "nginx:1.27", None));
    }
    w.run_for(60);
    let list = w
        .api
        .request(ApiRequest::get("/api/v1/namespaces/default/pods"))
        .unwrap();
    let running = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"]["phase"] == "Running")
        .count();
    assert_eq!(running, 100);
    // Idle: only the 10 s heartbeats wake the kubelet.
    let mut steps = 0;
    let until = w.now().add(Duration::from_secs(3600));
    while w.now() < until {
        let now = w.now();
        let r = w.kubelet.step(&mut w.api, now, &mut w.rng);
        steps += 1;
        match r.next_wakeup {
            Some(t) if !r.did_work => w.api.ctx.advance_to(t.min(until)),
            None => break,
            _ => {}
        }
    }
    assert!(steps < 800, "{steps} steps");
}

#[test]
fn a_sidecar_init_container_keeps_running_beside_the_app() {
    let mut w = world("node01", worker());
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "side", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "initContainers": [{"name": "logshipper", "image": "alpine:3.20", "restartPolicy": "Always",
                "command": ["sh", "-c", "while true; do echo shipping; sleep 10; done"]}],
            "containers": [{"name": "app", "image": "nginx:1.27"}],
        },
    });
    w.create_pod(p);
    w.run_for(15);
    let st = w.pod("side");
    assert_eq!(st["status"]["phase"], "Running", "{st:#}");
    assert!(st["status"]["initContainerStatuses"][0]["state"]["running"].is_object());
    assert_eq!(st["status"]["initContainerStatuses"][0]["started"], true);
    assert_eq!(st["status"]["containerStatuses"][0]["ready"], true);
    let logs = w.kubelet.logs("default", "side", Some("logshipper"), false).unwrap();
    assert_eq!(logs.len(), 2);
}

#[test]
fn sidecars_are_stopped_last_first_once_the_regular_containers_of_a_never_pod_are_done() {
    // kubernetes.io application/job/job-sidecar.yaml, with a second sidecar.
    let mut w = world("node01", worker());
    let mount = json!([{"name": "data", "mountPath": "/opt"}]);
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "myjob", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "restartPolicy": "Never",
            "initContainers": [
                {"name": "logshipper", "image": "alpine:latest", "restartPolicy": "Always",
                 "command": ["sh", "-c", "tail -F /opt/logs.txt"], "volumeMounts": mount},
                {"name": "proxy", "image": "nginx", "restartPolicy": "Always"},
            ],
            "containers": [{"name": "myjob", "image": "alpine:latest",
                "command": ["sh", "-c", "sleep 5; echo \"logging\" > /opt/logs.txt"], "volumeMounts": mount}],
            "volumes": [{"name": "data", "emptyDir": {}}],
        },
    });
    w.create_pod(p);
    w.run_for(20);
    let st = w.pod("myjob");
    // The main container has completed; the sidecars are being stopped within the grace period.
    assert_eq!(
        st["status"]["containerStatuses"][0]["state"]["terminated"]["reason"],
        "Completed"
    );
    assert_eq!(st["status"]["phase"], "Running", "{st:#}");
    assert!(st["status"]["initContainerStatuses"][0]["state"]["running"].is_object());
    // The last sidecar (a server) went first and stopped on SIGTERM.
    assert_eq!(
        st["status"]["initContainerStatuses"][1]["state"]["terminated"]["exitCode"],
        0
    );
    let logs = w.kubelet.logs("default", "myjob", Some("logshipper"), false).unwrap();
    assert_eq!(logs.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["logging"]);
    w.run_for(40);
    let st = w.pod("myjob");
    assert_eq!(st["status"]["phase"], "Succeeded", "{st:#}");
    // tail as PID 1 ignores SIGTERM: SIGKILL at the end of the 30 s grace period.
    let shipper = &st["status"]["initContainerStatuses"][0];
    assert_eq!(shipper["state"]["terminated"]["exitCode"], 137, "{shipper:#}");
    assert_eq!(shipper["restartCount"], 0);
    let kills: Vec<String> = w
        .events("myjob")
        .into_iter()
        .filter(|(r, _, _)| r == "Killing")
        .map(|(_, m, _)| m)
        .collect();
    assert_eq!(kills, ["Stopping container proxy", "Stopping container logshipper"]);
}

#[test]
fn containers_see_the_nodes_machine_id() {
    let mut config = worker();
    config.machine_id = "0123456789abcdef0123456789abcdef".into();
    let mut w = world("node01", config);
    w.create_pod(pod("mid", "node01", "busybox", Some(json!(["cat", "/etc/machine-id"]))));
    w.run_for(10);
    let logs = w.kubelet.logs("default", "mid", None, false).unwrap();
    assert_eq!(logs[0].text, "0123456789abcdef0123456789abcdef");
}

#[test]
fn the_app_starts_only_after_its_sidecars_startup_probe_succeeds() {
    let mut w = world("node01", worker());
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "gated", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "initContainers": [{"name": "proxy", "image": "busybox", "restartPolicy": "Always",
                "command": ["sh", "-c", "sleep 12; touch /tmp/ready; sleep 3600"],
                "startupProbe": {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 5, "failureThreshold": 10}}],
            "containers": [{"name": "app", "image": "busybox", "command": ["sh", "-c", "sleep 3600"]}],
        },
    });
    w.create_pod(p);
    w.run_for(10);
    let st = w.pod("gated");
    assert_eq!(st["status"]["phase"], "Pending", "{st:#}");
    assert_eq!(st["status"]["initContainerStatuses"][0]["started"], false);
    assert!(st["status"]["initContainerStatuses"][0]["state"]["running"].is_object());
    assert_eq!(
        st["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "PodInitializing"
    );
    w.run_for(20);
    let st = w.pod("gated");
    assert_eq!(st["status"]["initContainerStatuses"][0]["started"], true);
    assert!(
        st["status"]["containerStatuses"][0]["state"]["running"].is_object(),
        "{st:#}"
    );
    assert_eq!(st["status"]["phase"], "Running");
}

#[test]
fn a_logging_sidecar_follows_a_file_on_a_shared_empty_dir() {
    let mut w = world("node01", worker());
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "counter", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "containers": [
                {"name": "count", "image": "busybox:1.28",
                 "args": ["/bin/sh", "-c", "i=0; while true; do echo \"$i: $(date)\" >> /var/log/1.log; i=$((i+1)); sleep 1; done\n"],
                 "volumeMounts": [{"name": "varlog", "mountPath": "/var/log"}]},
                {"name": "count-log-1", "image": "busybox:1.28",
                 "args": ["/bin/sh", "-c", "tail -n+1 -F /var/log/1.log"],
                 "volumeMounts": [{"name": "varlog", "mountPath": "/var/log"}]},
            ],
            "volumes": [{"name": "varlog", "emptyDir": {}}],
        },
    });
    w.create_pod(p);
    w.run_for(10);
    let logs = w
        .kubelet
        .logs("default", "counter", Some("count-log-1"), false)
        .unwrap();
    let texts: Vec<&str> = logs.iter().map(|l| l.text.as_str()).collect();
    assert!(texts.len() >= 5, "{texts:?}");
    assert_eq!(texts[0], "0: Thu Jan  1 00:00:01 UTC 2026");
    assert!(texts[1].starts_with("1: "), "{texts:?}");
}

#[test]
fn a_pod_bound_by_hand_beyond_the_nodes_cpu_is_rejected_out_of_cpu() {
    let mut w = world("node01", worker());
    let mut p = pod("big", "node01", "nginx", None);
    p["spec"]["containers"][0]["resources"] = json!({"requests": {"cpu": "3"}});
    w.create_pod(p);
    w.run_for(5);
    let st = w.pod("big");
    assert_eq!(st["status"]["phase"], "Failed");
    assert_eq!(st["status"]["reason"], "OutOfcpu");
    assert_eq!(
        st["status"]["message"],
        "Pod was rejected: Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000"
    );
    let evs = w.events("big");
    assert_eq!(
        evs,
        vec![(
            "OutOfcpu".to_string(),
            "Node didn't have enough resource: cpu, requested: 3000, used: 0, capacity: 2000".to_string(),
            1
        )]
    );
}

#[test]
fn a_termination_message_reaches_the_terminated_state() {
    let mut w = world("node01", worker());
    let mut p = pod(
        "msg",
        "node01",
        "busybox:1.36",
        Some(json!(["sh", "-c", "echo Sleep expired > /dev/termination-log; exit 3"])),
    );
    p["spec"]["restartPolicy"] = json!("Never");
    w.create_pod(p);
    let mut p = pod(
        "fallback",
        "node01",
        "busybox:1.36",
        Some(json!(["sh", "-c", "echo boom; exit 1"])),
    );
    p["spec"]["restartPolicy"] = json!("Never");
    p["spec"]["containers"][0]["terminationMessagePolicy"] = json!("FallbackToLogsOnError");
    w.create_pod(p);
    w.run_for(10);
    let st = w.pod("msg");
    let term = &st["status"]["containerStatuses"][0]["state"]["terminated"];
    assert_eq!(
        (term["exitCode"].as_i64(), term["message"].as_str()),
        (Some(3), Some("Sleep expired\n"))
    );
    assert_eq!(st["status"]["phase"], "Failed");
    let st = w.pod("fallback");
    assert_eq!(
        st["status"]["containerStatuses"][0]["state"]["terminated"]["message"],
        "boom\n"
    );
}

#[test]
fn a_failing_init_container_backs_off_and_never_starts_the_app() {
    let mut w = world("node01", worker());
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "initfail", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "initContainers": [{"name": "check", "image": "busybox:1.36", "command": ["sh", "-c", "exit 1"]}],
            "containers": [{"name": "app", "image": "nginx:1.27"}],
        },
    });
    w.create_pod(p);
    w.run_for(30);
    let st = w.pod("initfail");
    assert_eq!(st["status"]["phase"], "Pending");
    let init = &st["status"]["initContainerStatuses"][0];
    assert_eq!(init["state"]["waiting"]["reason"], "CrashLoopBackOff", "{st:#}");
    assert_eq!(init["restartCount"], 2);
    assert_eq!(
        st["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "PodInitializing"
    );
}

#[test]
fn the_restart_count_rises_only_once_the_new_container_is_created_not_while_pulling() {
    let mut w = world("node01", worker());
    w.create_pod(pod("crash", "node01", "busybox", Some(json!(["sh", "-c", "exit 1"]))));
    // Step in small increments through the first immediate restart (a 452 ms re-pull of
    // `busybox`, pull policy Always): no snapshot may show a higher restartCount while the
    // terminated container it counts is still the current state.
    let mut seen_restart = false;
    for _ in 0..80 {
        let until = w.now().add(Duration::from_millis(100));
        w.run_until(until);
        let p = w.pod("crash");
        let cs = &p["status"]["containerStatuses"][0];
        let count = cs["restartCount"].as_i64().unwrap_or(-1);
        if count >= 1 {
            seen_restart = true;
            assert_ne!(
                cs["state"]["terminated"]["containerID"], cs["lastState"]["terminated"]["containerID"],
                "the current and the last state are one container: {cs:#}"
            );
        } else if cs["state"].get("terminated").is_some() {
            assert_eq!(cs["lastState"], json!({}), "{cs:#}");
        }
    }
    assert!(seen_restart);
}

#[test]
fn container_events_name_their_container_in_the_field_path() {
    let mut w = world("node01", worker());
    w.create_pod(pod("web", "node01", "nginx", None));
    w.run_for(10);
    let list = w
        .api
        .request(ApiRequest::get("/api/v1/namespaces/default/events"))
        .unwrap();
    let paths: Vec<(String, String)> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["involvedObject"]["name"] == "web")
        .map(|e| {
            (
                e["reason"].as_str().unwrap_or("").to_string(),
                e["involvedObject"]["fieldPath"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for reason in ["Pulling", "Pulled", "Created", "Started"] {
        assert!(
            paths.contains(&(reason.to_string(), "spec.containers{web}".to_string())),
            "{reason}: {paths:?}"
        );
    }
}

#[test]
fn a_missing_config_map_volume_holds_the_pod_in_container_creating_until_it_appears() {
    let mut w = world("node01", worker());
    let p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "cfg", "namespace": "default"},
        "spec": {
            "nodeName": "node01",
            "containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", "cat /etc/cfg/greeting; sleep 3600"],
                "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/cfg"}]}],
            "volumes": [{"name": "config-volume", "configMap": {"name": "special-config"}}],
        },
    });
    w.create_pod(p);
    w.run_for(20);
    let pod = w.pod("cfg");
    assert_eq!(
        pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "ContainerCreating"
    );
    // Tries at 0, 0.5, 1.5, 3.5, 7.5 and 15.5 s (500 ms doubling); no pull before the mount.
    assert_eq!(
        w.events("cfg"),
        vec![(
            "FailedMount".to_string(),
            "MountVolume.SetUp failed for volume \"config-volume\" : configmap \"special-config\" not found"
                .to_string(),
            6
        )]
    );
    w.api
        .request(ApiRequest::post(
            "/api/v1/namespaces/default/configmaps",
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "special-config"}, "data": {"greeting": "hello"}}),
        ))
        .unwrap();
    // The next try (31.5 s) mounts it; then the sandbox, the pull and the start.
    w.run_for(20);
    assert_eq!(w.pod("cfg")["status"]["phase"], "Running");
    let logs = w.kubelet.logs("default", "cfg", None, false).unwrap();
    assert_eq!(logs.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), vec!["hello"]);
}

#[test]
fn a_localhost_app_armor_profile_that_is_not_loaded_fails_container_creation() {
    let mut w = world("node01", worker());
    let mut p = pod(
        "hello",
        "node01",
        "busybox:1.28",
        Some(json!(["sh", "-c", "sleep 3600"])),
    );
    p["spec"]["securityContext"] =
        json!({"appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-apparmor-example-deny-write"}});
    w.create_pod(p);
    w.run_for(15);
    let waiting = w.pod("hello")["status"]["containerStatuses"][0]["state"]["waiting"].clone();
    assert_eq!(waiting["reason"], "CreateContainerError");
    assert_eq!(
        waiting["message"],
        "failed to get container spec opts: failed to generate apparmor spec opts: apparmor profile not found k8s-apparmor-example-deny-write"
    );
}
