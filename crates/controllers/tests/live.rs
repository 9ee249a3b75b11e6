//! The controllers against the real in-memory API server, with a fake kubelet that runs every
//! pod at once (Running, Ready, an IP) and finishes the deletion of terminating pods.

// ApiError (metav1.Status) is the fixed error type of every API call.
#![allow(clippy::result_large_err, clippy::type_complexity)]

use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use apiserver::{ApiServer, ApiServerConfig};
use client::Component;
use serde_json::{json, Value};
use sim::{Duration, SimContext, SimTime};

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
    controllers: Vec<Box<dyn Component>>,
    /// Pods the fake kubelet leaves alone (to hold a rollout mid-way).
    kubelet_paused: bool,
    next_ip: u32,
    /// Checked after every component step.
    observer: Option<Box<dyn FnMut(&mut Local)>>,
}

const ROOT_CA: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

fn world() -> World {
    let mut server = ApiServer::with_config(ApiServerConfig::default());
    let mut ctx = SimContext::new(7, SimTime::from_unix_secs(sim::DEFAULT_EPOCH_SECONDS));
    server.bootstrap(&mut ctx).unwrap();
    let controllers: Vec<Box<dyn Component>> = vec![
        Box::new(controllers::serviceaccount_controller()),
        Box::new(controllers::root_ca_cert_publisher(ROOT_CA)),
        Box::new(controllers::deployment_controller()),
        Box::new(controllers::replicaset_controller()),
        Box::new(controllers::replication_controller()),
        Box::new(controllers::endpoints_controller()),
        Box::new(controllers::endpointslice_controller()),
        Box::new(controllers::statefulset_controller()),
        Box::new(controllers::daemonset_controller()),
        Box::new(controllers::job_controller()),
        Box::new(controllers::ttl_after_finished_controller()),
        Box::new(controllers::cronjob_controller()),
        Box::new(controllers::node_lifecycle_controller()),
        Box::new(controllers::taint_eviction_controller()),
        Box::new(controllers::disruption_controller()),
        Box::new(controllers::horizontal_pod_autoscaler_controller()),
        Box::new(controllers::garbage_collector()),
    ];
    World {
        api: Local { server, ctx },
        controllers,
        kubelet_paused: false,
        next_ip: 2,
        observer: None,
    }
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn list(api: &mut Local, path: &str) -> Vec<Value> {
    items(&api.request(ApiRequest::get(path)).unwrap())
}

impl World {
    /// The fake kubelet: runs pending pods, finishes terminating ones. Returns whether it did
    /// anything.
    fn kubelet(&mut self) -> bool {
        if self.kubelet_paused {
            return false;
        }
        let mut did = false;
        let now = apimachinery::time::format_rfc3339(self.api.ctx.now().unix_secs());
        for pod in list(&mut self.api, "/api/v1/pods") {
            let ns = pod["metadata"]["namespace"].as_str().unwrap().to_string();
            let name = pod["metadata"]["name"].as_str().unwrap().to_string();
            let path = format!("/api/v1/namespaces/{ns}/pods/{name}");
            if pod["metadata"]["deletionTimestamp"].is_string() {
                self.api
                    .request(ApiRequest::delete(&path).with_query("gracePeriodSeconds", "0"))
                    .unwrap();
                did = true;
            } else if pod["status"]["phase"] == "Pending" && pod["spec"]["restartPolicy"] != "Always" {
                // Run-to-completion pods finish at once, with the exit code their
                // `test/exit-code` (or, for index N, `test/exit-code-N`) annotation asks for.
                self.bind(&pod, &path);
                let anns = &pod["metadata"]["annotations"];
                let index = anns["batch.kubernetes.io/job-completion-index"].as_str().unwrap_or("");
                let code: i64 = anns[format!("test/exit-code-{index}")]
                    .as_str()
                    .or(anns["test/exit-code"].as_str())
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                let (phase, reason) = if code == 0 {
                    ("Succeeded", "Completed")
                } else {
                    ("Failed", "Error")
                };
                let status = json!({"status": {"phase": phase, "containerStatuses": [
                    {"name": "c", "ready": false, "restartCount": 0, "image": "busybox", "imageID": "", "started": false,
                     "state": {"terminated": {"exitCode": code, "reason": reason, "startedAt": now, "finishedAt": now}}}]}});
                self.api
                    .request(ApiRequest::patch(format!("{path}/status"), PatchType::Merge, status))
                    .unwrap();
                did = true;
            } else if pod["status"]["phase"] == "Pending" {
                self.bind(&pod, &path);
                let ip = format!("10.244.1.{}", self.next_ip);
                self.next_ip += 1;
                let status = json!({"status": {
                    "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "192.168.56.11", "startTime": now,
                    "conditions": [
                        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
                        {"type": "Initialized", "status": "True", "lastTransitionTime": now},
                        {"type": "ContainersReady", "status": "True", "lastTransitionTime": now},
                        {"type": "Ready", "status": "True", "lastTransitionTime": now},
                    ],
                }});
                self.api
                    .request(ApiRequest::patch(format!("{path}/status"), PatchType::Merge, status))
                    .unwrap();
                did = true;
            }
        }
        did
    }

    fn bind(&mut self, pod: &Value, path: &str) {
        if pod["spec"]["nodeName"].is_string() {
            return;
        }
        let node = pod
            .pointer("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchFields/0/values/0")
            .and_then(Value::as_str)
            .unwrap_or("node01");
        let name = pod["metadata"]["name"].as_str().unwrap();
        let binding = json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name}, "target": {"apiVersion": "v1", "kind": "Node", "name": node}});
        self.api
            .request(ApiRequest::post(format!("{path}/binding"), binding))
            .unwrap();
    }

    /// Steps every component (and the kubelet) until nothing changes; returns the steps taken.
    fn settle(&mut self) -> usize {
        for round in 0..500 {
            let mut did = false;
            let now = self.api.ctx.now();
            for c in self.controllers.iter_mut() {
                let mut rng = sim::RngStreams::new(1);
                let r = c.step(&mut self.api, now, &mut rng);
                did |= r.did_work;
                if r.did_work && round > 20 && std::env::var("DEBUG_SETTLE").is_ok() {
                    eprintln!("busy: {}", c.name());
                }
                if let Some(obs) = self.observer.as_mut() {
                    obs(&mut self.api);
                }
            }
            did |= self.kubelet();
            if let Some(obs) = self.observer.as_mut() {
                obs(&mut self.api);
            }
            if std::env::var("DEBUG_SETTLE").is_ok() {
                let pods: Vec<String> = list(&mut self.api, "/api/v1/pods")
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {} {}",
                            p["metadata"]["name"], p["metadata"]["deletionTimestamp"], p["metadata"]["resourceVersion"]
                        )
                    })
                    .collect();
                let rss: Vec<String> = list(&mut self.api, "/apis/apps/v1/replicasets")
                    .iter()
                    .map(|p| {
                        format!(
                            "{} {} {}",
                            p["metadata"]["name"], p["metadata"]["finalizers"], p["metadata"]["resourceVersion"]
                        )
                    })
                    .collect();
                let ds: Vec<String> = list(&mut self.api, "/apis/apps/v1/deployments")
                    .iter()
                    .map(|p| format!("{} {}", p["metadata"]["name"], p["metadata"]["finalizers"]))
                    .collect();
                let eps: Vec<String> = list(&mut self.api, "/apis/discovery.k8s.io/v1/endpointslices")
                    .iter()
                    .map(|p| format!("{} {}", p["metadata"]["name"], p["metadata"]["resourceVersion"]))
                    .collect();
                eprintln!("round {round}: pods {pods:?}\n rss {rss:?}\n ds {ds:?}\n slices {eps:?}");
            }
            if !did {
                return round;
            }
        }
        panic!("the controllers never settled");
    }

    fn advance(&mut self, secs: i64) {
        self.api.ctx.advance(Duration::from_secs(secs));
    }

    fn post(&mut self, path: &str, obj: Value) -> Value {
        self.api.request(ApiRequest::post(path, obj)).unwrap()
    }

    fn get(&mut self, path: &str) -> Result<Value, ApiError> {
        self.api.request(ApiRequest::get(path))
    }

    fn events(&mut self, reason: &str) -> Vec<String> {
        let mut evs = list(&mut self.api, "/api/v1/namespaces/default/events");
        evs.sort_by_key(|e| {
            e["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or("")
                .parse::<u64>()
                .unwrap_or(0)
        });
        evs.into_iter()
            .filter(|e| e["reason"] == reason)
            .map(|e| e["message"].as_str().unwrap_or("").to_string())
            .collect()
    }
}

fn deployment(name: &str, replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "nginx", "image": image}]}},
        },
    })
}

const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";
const REPLICASETS: &str = "/apis/apps/v1/namespaces/default/replicasets";
const PODS: &str = "/api/v1/namespaces/default/pods";

fn live_pods(api: &mut Local) -> Vec<Value> {
    list(api, PODS)
        .into_iter()
        .filter(|p| !p["metadata"]["deletionTimestamp"].is_string())
        .collect()
}

#[test]
fn a_deployment_gets_one_replica_set_and_three_running_pods() {
    let mut w = world();
    w.settle();
    w.post(DEPLOYMENTS, deployment("web", 3, "nginx"));
    w.settle();

    let rss = list(&mut w.api, REPLICASETS);
    assert_eq!(rss.len(), 1);
    let rs = &rss[0];
    let rs_name = rs["metadata"]["name"].as_str().unwrap().to_string();
    let hash = rs["metadata"]["labels"]["pod-template-hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(rs_name, format!("web-{hash}"));
    assert_eq!(
        rs["spec"]["selector"]["matchLabels"],
        json!({"app": "web", "pod-template-hash": hash})
    );
    assert_eq!(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1");
    assert_eq!(
        rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"],
        "3"
    );
    assert_eq!(
        rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"],
        "4"
    );
    assert_eq!(rs["metadata"]["ownerReferences"][0]["kind"], "Deployment");
    assert_eq!(rs["status"]["replicas"], 3);
    assert_eq!(rs["status"]["availableReplicas"], 3);

    let pods = list(&mut w.api, PODS);
    assert_eq!(pods.len(), 3);
    for p in &pods {
        let name = p["metadata"]["name"].as_str().unwrap();
        assert!(
            name.starts_with(&format!("{rs_name}-")) && name.len() == rs_name.len() + 6,
            "{name}"
        );
        assert_eq!(p["metadata"]["generateName"], format!("{rs_name}-"));
        assert_eq!(
            p["metadata"]["ownerReferences"],
            json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs_name, "uid": rs["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}])
        );
        assert_eq!(p["metadata"]["labels"]["pod-template-hash"], hash);
    }

    let d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    assert_eq!(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "1");
    assert_eq!(d["status"]["replicas"], 3);
    assert_eq!(d["status"]["terminatingReplicas"], 0);
    assert_eq!(d["status"]["updatedReplicas"], 3);
    assert_eq!(d["status"]["readyReplicas"], 3);
    assert_eq!(d["status"]["availableReplicas"], 3);
    assert_eq!(d["status"]["observedGeneration"], 1);
    let conds: Vec<(String, String, String)> = d["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["type"].as_str().unwrap().into(),
                c["status"].as_str().unwrap().into(),
                c["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        conds,
        vec![
            ("Available".into(), "True".into(), "MinimumReplicasAvailable".into()),
            ("Progressing".into(), "True".into(), "NewReplicaSetAvailable".into()),
        ]
    );
    assert_eq!(
        d["status"]["conditions"][1]["message"],
        format!("ReplicaSet \"{rs_name}\" has successfully progressed.")
    );

    assert_eq!(
        w.events("ScalingReplicaSet"),
        vec![format!("Scaled up replica set {rs_name} from 0 to 3")]
    );
    let mut created = w.events("SuccessfulCreate");
    created.sort();
    let mut want: Vec<String> = pods
        .iter()
        .map(|p| format!("Created pod: {}", p["metadata"]["name"].as_str().unwrap()))
        .collect();
    want.sort();
    assert_eq!(created, want);
}

#[test]
fn a_new_image_rolls_out_within_max_surge_and_max_unavailable() {
    let mut w = world();
    w.settle();
    w.post(DEPLOYMENTS, deployment("web", 4, "nginx"));
    w.settle();
    w.advance(30);
    let first_rs = list(&mut w.api, REPLICASETS)[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();

    // 25%/25% of 4: at most 5 pods, at least 3 ready at every moment.
    let violations = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let seen = violations.clone();
    w.observer = Some(Box::new(move |api: &mut Local| {
        let pods = live_pods(api);
        let ready = pods.iter().filter(|p| p["status"]["phase"] == "Running").count();
        if pods.len() > 5 || ready < 3 {
            seen.borrow_mut().push(format!("{} pods, {ready} ready", pods.len()));
        }
    }));
    let mut d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.27");
    w.api.request(ApiRequest::put(format!("{DEPLOYMENTS}/web"), d)).unwrap();
    w.settle();
    assert_eq!(*violations.borrow(), Vec::<String>::new());

    let mut rss = list(&mut w.api, REPLICASETS);
    rss.sort_by_key(|rs| {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
            .as_str()
            .unwrap()
            .to_string()
    });
    assert_eq!(rss.len(), 2);
    assert_eq!(rss[0]["metadata"]["name"], first_rs.as_str());
    assert_eq!(rss[0]["spec"]["replicas"], 0);
    assert_eq!(rss[1]["spec"]["replicas"], 4);
    assert_eq!(
        rss[1]["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "2"
    );
    let pods = live_pods(&mut w.api);
    assert_eq!(pods.len(), 4);
    assert!(pods.iter().all(|p| p["spec"]["containers"][0]["image"] == "nginx:1.27"));
    let d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    assert_eq!(d["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "2");
    assert_eq!(d["status"]["updatedReplicas"], 4);
    assert_eq!(d["status"]["observedGeneration"], 2);
    let scaling = w.events("ScalingReplicaSet");
    let new_rs = rss[1]["metadata"]["name"].as_str().unwrap();
    assert_eq!(
        scaling.first().map(String::as_str),
        Some(format!("Scaled up replica set {first_rs} from 0 to 4").as_str())
    );
    assert_eq!(
        scaling.get(1).map(String::as_str),
        Some(format!("Scaled up replica set {new_rs} from 0 to 1").as_str())
    );
    assert_eq!(
        scaling.get(2).map(String::as_str),
        Some(format!("Scaled down replica set {first_rs} from 4 to 3").as_str())
    );
    assert!(
        scaling.contains(&format!("Scaled down replica set {first_rs} from 1 to 0")),
        "{scaling:?}"
    );

    // Rolling back to the first template brings revision 1's ReplicaSet back as revision 3.
    let mut d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx");
    w.api.request(ApiRequest::put(format!("{DEPLOYMENTS}/web"), d)).unwrap();
    w.settle();
    let old = w.get(&format!("{REPLICASETS}/{first_rs}")).unwrap();
    assert_eq!(old["metadata"]["annotations"]["deployment.kubernetes.io/revision"], "3");
    assert_eq!(
        old["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"],
        "1"
    );
    assert_eq!(old["spec"]["replicas"], 4);
}

#[test]
fn scaling_down_deletes_pods_and_records_events() {
    let mut w = world();
    w.settle();
    w.post(DEPLOYMENTS, deployment("web", 3, "nginx"));
    w.settle();
    w.api
        .request(ApiRequest::patch(
            format!("{DEPLOYMENTS}/web"),
            PatchType::Merge,
            json!({"spec": {"replicas": 1}}),
        ))
        .unwrap();
    w.settle();
    assert_eq!(live_pods(&mut w.api).len(), 1);
    assert_eq!(w.events("SuccessfulDelete").len(), 2);
    let rs = list(&mut w.api, REPLICASETS).remove(0);
    let rs_name = rs["metadata"]["name"].as_str().unwrap();
    assert_eq!(
        w.events("ScalingReplicaSet").last().cloned(),
        Some(format!("Scaled down replica set {rs_name} from 3 to 1"))
    );
    assert_eq!(
        rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"],
        "1"
    );
    assert_eq!(
        rs["status"],
        json!({"replicas": 1, "fullyLabeledReplicas": 1, "readyReplicas": 1, "availableReplicas": 1, "observedGeneration": 2, "terminatingReplicas": 0})
    );
}

#[test]
fn deleting_a_deployment_in_the_background_removes_its_replica_sets_and_pods() {
    let mut w = world();
    w.settle();
    w.post(DEPLOYMENTS, deployment("web", 2, "nginx"));
    w.settle();
    w.api
        .request(ApiRequest::delete(format!("{DEPLOYMENTS}/web")).with_query("propagationPolicy", "Background"))
        .unwrap();
    w.settle();
    assert_eq!(list(&mut w.api, REPLICASETS), Vec::<Value>::new());
    assert_eq!(list(&mut w.api, PODS), Vec::<Value>::new());
}

#[test]
fn orphan_deletion_keeps_the_replica_set_and_pods_without_the_owner_reference() {
    let mut w = world();
    w.settle();
    w.post(DEPLOYMENTS, deployment("web", 2, "nginx"));
    w.settle();
    w.api
        .request(ApiRequest::delete(format!("{DEPLOYMENTS}/web")).with_query("propagationPolicy", "Orphan"))
        .unwrap();
    w.settle();
    assert!(w.get(&format!("{DEPLOYMENTS}/web")).is_err());
    let rss = list(&mut w.api, REPLICASETS);
    assert_eq!(rss.len(), 1);
    assert!(
        rss[0]["metadata"]["ownerReferences"].is_null(),
        "{}",
        rss[0]["metadata"]
    );
    assert_eq!(live_pods(&mut w.api).len(), 2);
}

#[test]
fn foreground_deletion_waits_for_the_dependents() {
    let mut w = world();
    w.settle();
    w.post(DEPLOYMENTS, deployment("web", 2, "nginx"));
    w.settle();
    w.kubelet_paused = true;
    w.api
        .request(ApiRequest::delete(format!("{DEPLOYMENTS}/web")).with_query("propagationPolicy", "Foreground"))
        .unwrap();
    w.settle();
    // Pods are terminating but the (paused) kubelet has not finished them: everything waits.
    let d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    assert_eq!(d["metadata"]["finalizers"], json!(["foregroundDeletion"]));
    assert_eq!(list(&mut w.api, PODS).len(), 2);
    assert!(live_pods(&mut w.api).is_empty());
    w.kubelet_paused = false;
    w.settle();
    assert!(w.get(&format!("{DEPLOYMENTS}/web")).is_err());
    assert_eq!(list(&mut w.api, REPLICASETS), Vec::<Value>::new());
    assert_eq!(list(&mut w.api, PODS), Vec::<Value>::new());
}

#[test]
fn orphan_pods_matching_a_replica_set_are_adopted_and_extra_ones_deleted() {
    let mut w = world();
    w.settle();
    for name in ["stray-a", "stray-b"] {
        w.post(
            PODS,
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "cache"}},
                   "spec": {"containers": [{"name": "c", "image": "redis"}]}}),
        );
    }
    w.settle();
    w.post(
        REPLICASETS,
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "cache"},
               "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "cache"}},
                        "template": {"metadata": {"labels": {"app": "cache"}}, "spec": {"containers": [{"name": "c", "image": "redis"}]}}}}),
    );
    w.settle();
    let pods = live_pods(&mut w.api);
    assert_eq!(pods.len(), 1);
    assert_eq!(pods[0]["metadata"]["ownerReferences"][0]["name"], "cache");
    assert_eq!(w.events("SuccessfulCreate"), Vec::<String>::new());
    assert_eq!(w.events("SuccessfulDelete").len(), 1);
}

#[test]
fn services_get_endpoints_and_an_endpoint_slice() {
    let mut w = world();
    w.settle();
    w.post(DEPLOYMENTS, deployment("web", 2, "nginx"));
    w.post(
        "/api/v1/namespaces/default/services",
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"app": "web"}},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80}]}}),
    );
    w.settle();
    let ep = w.get("/api/v1/namespaces/default/endpoints/web").unwrap();
    assert_eq!(
        ep["metadata"]["labels"],
        json!({"app": "web", "endpoints.kubernetes.io/managed-by": "endpoint-controller"})
    );
    let addrs = ep["subsets"][0]["addresses"].as_array().unwrap();
    assert_eq!(addrs.len(), 2);
    assert_eq!(addrs[0]["targetRef"]["kind"], "Pod");
    assert_eq!(ep["subsets"][0]["ports"], json!([{"port": 80, "protocol": "TCP"}]));

    let slices = list(
        &mut w.api,
        "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
    );
    let slices: Vec<Value> = slices
        .into_iter()
        .filter(|s| s["metadata"]["labels"]["kubernetes.io/service-name"] == "web")
        .collect();
    assert_eq!(slices.len(), 1);
    let s = &slices[0];
    assert!(s["metadata"]["name"].as_str().unwrap().starts_with("web-"));
    assert_eq!(
        s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"],
        "endpointslice-controller.k8s.io"
    );
    assert_eq!(s["endpoints"].as_array().unwrap().len(), 2);
    let slice_name = s["metadata"]["name"].clone();

    // Scaled to zero: Endpoints without subsets, the slice becomes a placeholder.
    w.api
        .request(ApiRequest::patch(
            format!("{DEPLOYMENTS}/web"),
            PatchType::Merge,
            json!({"spec": {"replicas": 0}}),
        ))
        .unwrap();
    w.settle();
    let ep = w.get("/api/v1/namespaces/default/endpoints/web").unwrap();
    assert!(ep.get("subsets").is_none_or(Value::is_null), "{ep}");
    let s = w
        .get(&format!(
            "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/{}",
            slice_name.as_str().unwrap()
        ))
        .unwrap();
    assert!(s["endpoints"].is_null() || s["endpoints"] == json!([]), "{s}");

    // The Service goes: its Endpoints and (through the garbage collector) its slice too.
    w.api
        .request(ApiRequest::delete("/api/v1/namespaces/default/services/web"))
        .unwrap();
    w.settle();
    assert!(w.get("/api/v1/namespaces/default/endpoints/web").is_err());
    assert!(w
        .get(&format!(
            "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/{}",
            slice_name.as_str().unwrap()
        ))
        .is_err());
}

#[test]
fn every_namespace_gets_a_default_service_account_and_the_root_ca() {
    let mut w = world();
    w.settle();
    w.post(
        "/api/v1/namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}),
    );
    w.settle();
    assert!(w.get("/api/v1/namespaces/team/serviceaccounts/default").is_ok());
    let cm = w.get("/api/v1/namespaces/team/configmaps/kube-root-ca.crt").unwrap();
    assert_eq!(cm["data"]["ca.crt"], ROOT_CA);
    w.api
        .request(ApiRequest::delete("/api/v1/namespaces/team/serviceaccounts/default"))
        .unwrap();
    w.api
        .request(ApiRequest::delete(
            "/api/v1/namespaces/team/configmaps/kube-root-ca.crt",
        ))
        .unwrap();
    w.settle();
    assert!(w.get("/api/v1/namespaces/team/serviceaccounts/default").is_ok());
    assert!(w.get("/api/v1/namespaces/team/configmaps/kube-root-ca.crt").is_ok());
    for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
        assert!(
            w.get(&format!("/api/v1/namespaces/{ns}/serviceaccounts/default"))
                .is_ok(),
            "{ns}"
        );
    }
}

#[test]
fn a_replication_controller_runs_its_pods() {
    let mut w = world();
    w.settle();
    w.post(
        "/api/v1/namespaces/default/replicationcontrollers",
        json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "old"},
               "spec": {"replicas": 2, "selector": {"app": "old"},
                        "template": {"metadata": {"labels": {"app": "old"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}),
    );
    w.settle();
    let pods = live_pods(&mut w.api);
    assert_eq!(pods.len(), 2);
    assert_eq!(
        pods[0]["metadata"]["ownerReferences"][0]["kind"],
        "ReplicationController"
    );
    let rc = w.get("/api/v1/namespaces/default/replicationcontrollers/old").unwrap();
    assert_eq!(rc["status"]["readyReplicas"], 2);
}

fn create_nodes(w: &mut World) {
    for (name, cp) in [("controlplane", true), ("node01", false), ("node02", false)] {
        let mut node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}}, "spec": {}});
        if cp {
            node["spec"]["taints"] = json!([{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]);
        }
        w.post("/api/v1/nodes", node);
    }
}

#[test]
fn a_daemon_set_runs_one_pod_per_eligible_node() {
    let mut w = world();
    create_nodes(&mut w);
    w.settle();
    w.post(
        "/apis/apps/v1/namespaces/default/daemonsets",
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
               "spec": {"selector": {"matchLabels": {"app": "agent"}},
                        "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}}),
    );
    w.settle();
    let mut nodes: Vec<String> = live_pods(&mut w.api)
        .iter()
        .map(|p| p["spec"]["nodeName"].as_str().unwrap().to_string())
        .collect();
    nodes.sort();
    assert_eq!(nodes, vec!["node01", "node02"]);
    let ds = w.get("/apis/apps/v1/namespaces/default/daemonsets/agent").unwrap();
    assert_eq!(ds["status"]["desiredNumberScheduled"], 2);
    assert_eq!(ds["status"]["currentNumberScheduled"], 2);
    assert_eq!(ds["status"]["numberReady"], 2);
    assert_eq!(ds["status"]["numberAvailable"], 2);
    assert_eq!(ds["status"]["updatedNumberScheduled"], 2);
    // A third worker joins: it gets its pod.
    w.post(
        "/api/v1/nodes",
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node03"}}),
    );
    w.settle();
    assert_eq!(live_pods(&mut w.api).len(), 3);
    // A new template replaces the pods one by one.
    let mut ds = w.get("/apis/apps/v1/namespaces/default/daemonsets/agent").unwrap();
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = json!("busybox:1.36");
    w.api
        .request(ApiRequest::put("/apis/apps/v1/namespaces/default/daemonsets/agent", ds))
        .unwrap();
    w.settle();
    let pods = live_pods(&mut w.api);
    assert_eq!(pods.len(), 3);
    assert!(pods
        .iter()
        .all(|p| p["spec"]["containers"][0]["image"] == "busybox:1.36"));
}

#[test]
fn stateful_set_pods_start_in_order_with_their_claims() {
    let mut w = world();
    w.settle();
    w.kubelet_paused = true;
    w.post(
        "/apis/apps/v1/namespaces/default/statefulsets",
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
               "spec": {"replicas": 3, "serviceName": "nginx", "selector": {"matchLabels": {"app": "nginx"}},
                        "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}},
                        "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}}),
    );
    w.settle();
    // Only web-0 until it is ready.
    let names: Vec<String> = list(&mut w.api, PODS)
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["web-0"]);
    assert!(w
        .get("/api/v1/namespaces/default/persistentvolumeclaims/www-web-0")
        .is_ok());
    w.kubelet_paused = false;
    w.settle();
    let mut names: Vec<String> = list(&mut w.api, PODS)
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, vec!["web-0", "web-1", "web-2"]);
    let created = w.events("SuccessfulCreate");
    assert_eq!(
        created,
        vec![
            "create Claim www-web-0 Pod web-0 in StatefulSet web success",
            "create Pod web-0 in StatefulSet web successful",
            "create Claim www-web-1 Pod web-1 in StatefulSet web success",
            "create Pod web-1 in StatefulSet web successful",
            "create Claim www-web-2 Pod web-2 in StatefulSet web success",
            "create Pod web-2 in StatefulSet web successful",
        ]
    );
    let sts = w.get("/apis/apps/v1/namespaces/default/statefulsets/web").unwrap();
    assert_eq!(sts["status"]["readyReplicas"], 3);
    assert_eq!(sts["status"]["currentRevision"], sts["status"]["updateRevision"]);
    // Scale down removes the highest ordinal first.
    w.api
        .request(ApiRequest::patch(
            "/apis/apps/v1/namespaces/default/statefulsets/web",
            PatchType::Merge,
            json!({"spec": {"replicas": 1}}),
        ))
        .unwrap();
    w.settle();
    assert_eq!(
        w.events("SuccessfulDelete"),
        vec![
            "delete Pod web-2 in StatefulSet web successful",
            "delete Pod web-1 in StatefulSet web successful"
        ]
    );
    // Claims stay.
    assert!(w
        .get("/api/v1/namespaces/default/persistentvolumeclaims/www-web-2")
        .is_ok());
}

#[test]
fn a_job_runs_its_completions_with_bounded_parallelism() {
    let mut w = world();
    w.settle();
    let max_active = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let seen = max_active.clone();
    w.observer = Some(Box::new(move |api: &mut Local| {
        let n = list(api, PODS)
            .iter()
            .filter(|p| p["status"]["phase"] == "Pending" || p["status"]["phase"] == "Running")
            .count();
        seen.set(seen.get().max(n));
    }));
    w.post(
        "/apis/batch/v1/namespaces/default/jobs",
        json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
               "spec": {"completions": 3, "parallelism": 2, "ttlSecondsAfterFinished": 60,
                        "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}),
    );
    w.settle();
    assert_eq!(max_active.get(), 2);
    let job = w.get("/apis/batch/v1/namespaces/default/jobs/pi").unwrap();
    assert_eq!(job["status"]["succeeded"], 3);
    assert_eq!(job["status"]["ready"], 0);
    assert_eq!(job["status"]["terminating"], 0);
    assert_eq!(job["status"]["uncountedTerminatedPods"], json!({}));
    let conds: Vec<&str> = job["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(conds, vec!["SuccessCriteriaMet", "Complete"]);
    assert_eq!(
        job["status"]["conditions"][1]["message"],
        "Reached expected number of succeeded pods"
    );
    assert!(job["status"]["completionTime"].is_string());
    assert_eq!(w.events("SuccessfulCreate").len(), 3);
    assert_eq!(w.events("Completed"), vec!["Job completed"]);
    assert_eq!(list(&mut w.api, PODS).len(), 3);
    // ttlSecondsAfterFinished: gone (with its pods) a minute later.
    w.advance(61);
    w.settle();
    assert!(w.get("/apis/batch/v1/namespaces/default/jobs/pi").is_err());
    assert_eq!(list(&mut w.api, PODS), Vec::<Value>::new());
}

fn job(name: &str, spec: Value, annotations: Value) -> Value {
    let mut spec = spec;
    spec["template"] = json!({"metadata": {"annotations": annotations},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}});
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": spec})
}

fn conditions(job: &Value) -> Vec<String> {
    job["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            format!(
                "{} {}: {}",
                c["type"].as_str().unwrap(),
                c["reason"].as_str().unwrap(),
                c["message"].as_str().unwrap()
            )
        })
        .collect()
}

fn job_pods(w: &mut World, job: &str) -> Vec<Value> {
    list(&mut w.api, PODS)
        .into_iter()
        .filter(|p| p["metadata"]["labels"]["job-name"] == job)
        .collect()
}

#[test]
fn a_fail_job_rule_fails_the_job_at_the_first_matching_pod_and_keeps_the_failed_pods() {
    let mut w = world();
    w.settle();
    let rules = json!({"rules": [
        {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [3]}},
        {"action": "FailJob", "onExitCodes": {"containerName": "c", "operator": "In", "values": [42]}},
    ]});
    w.post(
        "/apis/batch/v1/namespaces/default/jobs",
        job(
            "fj",
            json!({"completions": 3, "parallelism": 1, "podFailurePolicy": rules}),
            json!({"test/exit-code": "42"}),
        ),
    );
    w.settle();
    let j = w.get("/apis/batch/v1/namespaces/default/jobs/fj").unwrap();
    let pods = job_pods(&mut w, "fj");
    assert_eq!(pods.len(), 1, "the failed pod is kept");
    let pod = pods[0]["metadata"]["name"].as_str().unwrap().to_string();
    let msg = format!("Container c for pod default/{pod} failed with exit code 42 matching FailJob rule at index 1");
    assert_eq!(
        conditions(&j),
        vec![
            format!("FailureTarget PodFailurePolicy: {msg}"),
            format!("Failed PodFailurePolicy: {msg}")
        ]
    );
    assert_eq!(j["status"]["failed"], 1);
    assert_eq!(w.events("PodFailurePolicy"), vec![msg]);

    // Ignored failures are replaced (after the 10 s backoff) without counting against
    // backoffLimit 0.
    w.post(
        "/apis/batch/v1/namespaces/default/jobs",
        job(
            "ig",
            json!({"completions": 1, "backoffLimit": 0, "podFailurePolicy": {"rules": [
            {"action": "Ignore", "onExitCodes": {"operator": "In", "values": [3]}}]}}),
            json!({"test/exit-code": "3"}),
        ),
    );
    w.settle();
    assert_eq!(job_pods(&mut w, "ig").len(), 1);
    w.advance(11);
    w.settle();
    let j = w.get("/apis/batch/v1/namespaces/default/jobs/ig").unwrap();
    assert!(j["status"].get("failed").is_none(), "{j:#}");
    assert!(conditions(&j).is_empty(), "{j:#}");
    assert_eq!(job_pods(&mut w, "ig").len(), 2);
}

#[test]
fn backoff_limit_per_index_fails_indexes_and_max_failed_indexes_fails_the_job() {
    let mut w = world();
    w.settle();
    // Index 0 fails every time; index 1 succeeds; index 2 fails with a FailIndex exit code.
    w.post(
        "/apis/batch/v1/namespaces/default/jobs",
        job(
            "pi",
            json!({"completions": 3, "parallelism": 3, "completionMode": "Indexed", "backoffLimitPerIndex": 1,
                   "podFailurePolicy": {"rules": [{"action": "FailIndex", "onExitCodes": {"operator": "In", "values": [42]}}]}}),
            json!({"test/exit-code-0": "1", "test/exit-code-2": "42"}),
        ),
    );
    w.settle();
    let j = w.get("/apis/batch/v1/namespaces/default/jobs/pi").unwrap();
    assert_eq!(j["status"]["failedIndexes"], "2");
    assert_eq!(j["status"]["completedIndexes"], "1");
    w.advance(11);
    w.settle();
    let j = w.get("/apis/batch/v1/namespaces/default/jobs/pi").unwrap();
    assert_eq!(j["status"]["failedIndexes"], "0,2", "{j:#}");
    assert_eq!(j["status"]["failed"], 3);
    assert_eq!(
        conditions(&j),
        vec![
            "FailureTarget FailedIndexes: Job has failed indexes",
            "Failed FailedIndexes: Job has failed indexes"
        ]
    );
    let mut counts: Vec<(String, String)> = job_pods(&mut w, "pi")
        .iter()
        .map(|p| {
            let a = &p["metadata"]["annotations"];
            (
                a["batch.kubernetes.io/job-completion-index"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                a["batch.kubernetes.io/job-index-failure-count"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    counts.sort();
    let want: Vec<(String, String)> = [("0", "0"), ("0", "1"), ("1", "0"), ("2", "0")]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(counts, want);

    // maxFailedIndexes 0 fails the job at its first failed index.
    w.post(
        "/apis/batch/v1/namespaces/default/jobs",
        job(
            "mx",
            json!({"completions": 2, "parallelism": 1, "completionMode": "Indexed", "backoffLimitPerIndex": 0, "maxFailedIndexes": 0}),
            json!({"test/exit-code": "1"}),
        ),
    );
    w.settle();
    let j = w.get("/apis/batch/v1/namespaces/default/jobs/mx").unwrap();
    assert_eq!(
        conditions(&j).get(1).map(String::as_str),
        Some("Failed MaxFailedIndexesExceeded: Job has exceeded the specified maximal number of failed indexes")
    );
}

#[test]
fn a_success_policy_completes_an_indexed_job_early() {
    let mut w = world();
    w.settle();
    w.post(
        "/apis/batch/v1/namespaces/default/jobs",
        job(
            "sp",
            json!({"completions": 5, "parallelism": 2, "completionMode": "Indexed", "backoffLimit": 10,
                   "successPolicy": {"rules": [{"succeededIndexes": "1-3", "succeededCount": 1}]}}),
            json!({"test/exit-code-0": "1"}),
        ),
    );
    w.settle();
    let j = w.get("/apis/batch/v1/namespaces/default/jobs/sp").unwrap();
    assert_eq!(j["status"]["completedIndexes"], "1", "{j:#}");
    assert_eq!(
        conditions(&j),
        vec![
            "SuccessCriteriaMet SuccessPolicy: Matched rules at index 0",
            "Complete SuccessPolicy: Matched rules at index 0"
        ]
    );
    assert!(j["status"]["completionTime"].is_string());
    assert_eq!(
        job_pods(&mut w, "sp").len(),
        2,
        "index 0 failed, index 1 succeeded, nothing more"
    );
}

#[test]
fn a_cron_job_creates_a_job_every_minute() {
    let mut w = world();
    w.settle();
    w.post(
        "/apis/batch/v1/namespaces/default/cronjobs",
        json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "hello"},
               "spec": {"schedule": "*/1 * * * *",
                        "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}}),
    );
    w.settle();
    assert_eq!(
        list(&mut w.api, "/apis/batch/v1/namespaces/default/jobs"),
        Vec::<Value>::new()
    );
    // The controller looks 100 ms after each activation.
    w.advance(61);
    w.settle();
    let jobs = list(&mut w.api, "/apis/batch/v1/namespaces/default/jobs");
    let minute = (sim::DEFAULT_EPOCH_SECONDS + 60) / 60;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["metadata"]["name"], format!("hello-{minute}"));
    let cj = w.get("/apis/batch/v1/namespaces/default/cronjobs/hello").unwrap();
    assert_eq!(cj["status"]["lastScheduleTime"], "2026-01-01T00:01:00Z");
    assert_eq!(cj["status"]["lastSuccessfulTime"], "2026-01-01T00:01:01Z");
    assert!(cj["status"].get("active").is_none(), "{}", cj["status"]);
    assert_eq!(
        w.events("SuccessfulCreate").first().cloned(),
        Some(format!("Created job hello-{minute}"))
    );
    assert_eq!(
        w.events("SawCompletedJob"),
        vec![format!("Saw completed job: hello-{minute}, condition: Complete")]
    );
    // Five more minutes: the successful history keeps three.
    for _ in 0..5 {
        w.advance(60);
        w.settle();
    }
    let mut names: Vec<String> = list(&mut w.api, "/apis/batch/v1/namespaces/default/jobs")
        .iter()
        .map(|j| j["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        (minute + 3..=minute + 5)
            .map(|m| format!("hello-{m}"))
            .collect::<Vec<_>>()
    );
}

fn heartbeat(w: &mut World, node: &str) {
    let now = apimachinery::time::format_rfc3339_micro(w.api.ctx.now().unix_millis());
    let lease = json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": node, "namespace": "kube-node-lease"},
                       "spec": {"holderIdentity": node, "leaseDurationSeconds": 40, "renewTime": now}});
    let path = format!("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}");
    if w.get(&path).is_ok() {
        w.api
            .request(ApiRequest::patch(
                path,
                PatchType::Merge,
                json!({"spec": {"renewTime": now}}),
            ))
            .unwrap();
    } else {
        w.post("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease);
    }
}

#[test]
fn a_silent_node_goes_unknown_and_its_pods_are_evicted_after_five_minutes() {
    let mut w = world();
    let t = apimachinery::time::format_rfc3339(w.api.ctx.now().unix_secs());
    for name in ["node01", "node02"] {
        w.post(
            "/api/v1/nodes",
            json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}),
        );
        let status = json!({"status": {"conditions": [
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "message": "kubelet has sufficient memory available", "lastHeartbeatTime": t, "lastTransitionTime": t},
            {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure", "message": "kubelet has no disk pressure", "lastHeartbeatTime": t, "lastTransitionTime": t},
            {"type": "PIDPressure", "status": "False", "reason": "KubeletHasSufficientPID", "message": "kubelet has sufficient PID available", "lastHeartbeatTime": t, "lastTransitionTime": t},
            {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": t, "lastTransitionTime": t}]}});
        w.api
            .request(ApiRequest::patch(
                format!("/api/v1/nodes/{name}/status"),
                PatchType::Merge,
                status,
            ))
            .unwrap();
        heartbeat(&mut w, name);
    }
    w.settle();
    // Nodes the admission plugin tainted not-ready lose that taint once Ready.
    let n1 = w.get("/api/v1/nodes/node01").unwrap();
    assert!(n1["spec"]["taints"].is_null(), "{}", n1["spec"]);
    w.post(DEPLOYMENTS, deployment("web", 2, "nginx"));
    w.settle();
    // node01 falls silent; node02 keeps renewing its lease.
    for _ in 0..5 {
        w.advance(10);
        heartbeat(&mut w, "node02");
        w.settle();
    }
    assert_eq!(
        w.get("/api/v1/nodes/node01").unwrap()["status"]["conditions"][3]["status"],
        "True"
    );
    w.advance(10);
    heartbeat(&mut w, "node02");
    w.settle();
    let n1 = w.get("/api/v1/nodes/node01").unwrap();
    let ready = &n1["status"]["conditions"][3];
    assert_eq!(ready["status"], "Unknown");
    assert_eq!(ready["reason"], "NodeStatusUnknown");
    assert_eq!(ready["message"], "Kubelet stopped posting node status.");
    assert_eq!(
        n1["spec"]["taints"],
        json!([{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": "2026-01-01T00:01:00Z"},
               {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"}])
    );
    assert_eq!(
        w.get("/api/v1/nodes/node02").unwrap()["status"]["conditions"][3]["status"],
        "True"
    );
    let pods = live_pods(&mut w.api);
    assert!(
        pods.iter().all(|p| p["status"]["conditions"][3]["status"] == "False"),
        "{pods:?}"
    );
    assert_eq!(w.events("NodeNotReady").len(), 3);
    let old: Vec<String> = pods
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    // The 300 s default toleration runs out.
    w.advance(299);
    w.settle();
    assert_eq!(w.events("TaintManagerEviction"), Vec::<String>::new());
    w.advance(1);
    w.settle();
    let mut evicted = w.events("TaintManagerEviction");
    evicted.sort();
    let mut want: Vec<String> = old
        .iter()
        .map(|n| format!("Marking for deletion Pod default/{n}"))
        .collect();
    want.sort();
    assert_eq!(evicted, want);
    let now_pods: Vec<String> = live_pods(&mut w.api)
        .iter()
        .map(|p| p["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(now_pods.len(), 2);
    assert!(now_pods.iter().all(|n| !old.contains(n)));
}

#[test]
fn a_disruption_budget_counts_healthy_pods_and_gates_evictions() {
    let mut w = world();
    w.settle();
    w.post(DEPLOYMENTS, deployment("web", 3, "nginx"));
    w.post(
        "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "web"},
               "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}}}),
    );
    w.settle();
    let pdb = w
        .get("/apis/policy/v1/namespaces/default/poddisruptionbudgets/web")
        .unwrap();
    assert_eq!(pdb["status"]["currentHealthy"], 3);
    assert_eq!(pdb["status"]["desiredHealthy"], 2);
    assert_eq!(pdb["status"]["expectedPods"], 3);
    assert_eq!(pdb["status"]["disruptionsAllowed"], 1);
    assert_eq!(pdb["status"]["conditions"][0]["reason"], "SufficientPods");
    // One eviction is allowed; the budget is then spent until the replacement is ready.
    w.kubelet_paused = true;
    let pods = live_pods(&mut w.api);
    let evict = |w: &mut World, name: &str| {
        let body =
            json!({"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "default"}});
        w.api.request(ApiRequest::post(format!("{PODS}/{name}/eviction"), body))
    };
    assert!(evict(&mut w, pods[0]["metadata"]["name"].as_str().unwrap()).is_ok());
    w.settle();
    let err = evict(&mut w, pods[1]["metadata"]["name"].as_str().unwrap()).unwrap_err();
    assert_eq!(err.code(), 429, "{err:?}");
    let pdb = w
        .get("/apis/policy/v1/namespaces/default/poddisruptionbudgets/web")
        .unwrap();
    assert_eq!(pdb["status"]["disruptionsAllowed"], 0);
    assert_eq!(pdb["status"]["conditions"][0]["reason"], "InsufficientPods");
    w.kubelet_paused = false;
    w.settle();
    let pdb = w
        .get("/apis/policy/v1/namespaces/default/poddisruptionbudgets/web")
        .unwrap();
    assert_eq!(pdb["status"]["disruptionsAllowed"], 1);
}

#[test]
fn recreate_stops_every_old_pod_before_starting_new_ones() {
    let mut w = world();
    w.settle();
    let mut d = deployment("web", 3, "nginx");
    d["spec"]["strategy"] = json!({"type": "Recreate"});
    w.post(DEPLOYMENTS, d);
    w.settle();
    let mixed = std::rc::Rc::new(std::cell::Cell::new(false));
    let seen = mixed.clone();
    w.observer = Some(Box::new(move |api: &mut Local| {
        let images: std::collections::BTreeSet<String> = list(api, PODS)
            .iter()
            .map(|p| p["spec"]["containers"][0]["image"].as_str().unwrap().to_string())
            .collect();
        if images.len() > 1 {
            seen.set(true);
        }
    }));
    let mut d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.27");
    w.api.request(ApiRequest::put(format!("{DEPLOYMENTS}/web"), d)).unwrap();
    w.settle();
    assert!(!mixed.get());
    let pods = live_pods(&mut w.api);
    assert_eq!(pods.len(), 3);
    assert!(pods.iter().all(|p| p["spec"]["containers"][0]["image"] == "nginx:1.27"));
    let d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    assert_eq!(d["status"]["conditions"][1]["reason"], "NewReplicaSetAvailable");
}

#[test]
fn the_controller_manager_survives_a_save_and_restore_mid_rollout() {
    let mut w = world();
    w.controllers = Vec::new();
    let mut manager = controllers::controller_manager(ROOT_CA);
    let mut rng = sim::RngStreams::new(1);
    let mut run = |w: &mut World, m: &mut controllers::ControllerManager, rounds: usize| {
        for _ in 0..rounds {
            let now = w.api.ctx.now();
            let r = m.step(&mut w.api, now, &mut rng);
            let k = w.kubelet();
            if !r.did_work && !k {
                break;
            }
        }
    };
    w.post(DEPLOYMENTS, deployment("web", 5, "nginx"));
    run(&mut w, &mut manager, 3);
    assert!(live_pods(&mut w.api).len() < 5 || list(&mut w.api, REPLICASETS).len() == 1);
    // Save and restore: informers relist, queues and expectations come back.
    let saved = serde_json::to_string(&manager).unwrap();
    let mut restored: controllers::ControllerManager = serde_json::from_str(&saved).unwrap();
    run(&mut w, &mut restored, 200);
    assert_eq!(live_pods(&mut w.api).len(), 5);
    assert_eq!(list(&mut w.api, REPLICASETS).len(), 1);
    let d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    assert_eq!(d["status"]["availableReplicas"], 5);
}

#[test]
fn scaling_mid_rollout_spreads_replicas_proportionally() {
    let mut w = world();
    w.settle();
    let mut d = deployment("web", 10, "nginx");
    d["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}});
    w.post(DEPLOYMENTS, d);
    w.settle();
    let old_rs = list(&mut w.api, REPLICASETS)[0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    // The new pods never become ready: the rollout stalls at old 8, new 5 (13 = 10 + surge).
    w.kubelet_paused = true;
    let mut d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.27");
    w.api.request(ApiRequest::put(format!("{DEPLOYMENTS}/web"), d)).unwrap();
    w.settle();
    let sizes = |w: &mut World| -> Vec<(String, i64)> {
        let mut v: Vec<(String, i64)> = list(&mut w.api, REPLICASETS)
            .iter()
            .map(|rs| {
                (
                    rs["metadata"]["name"].as_str().unwrap().to_string(),
                    rs["spec"]["replicas"].as_i64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = sizes(&mut w);
    assert_eq!(before.iter().find(|(n, _)| *n == old_rs).map(|x| x.1), Some(8));
    assert_eq!(before.iter().find(|(n, _)| *n != old_rs).map(|x| x.1), Some(5));
    // 10 → 15 (18 with surge): +5 split by the max-replicas annotation (13), as the
    // documentation's example: 3 to the old ReplicaSet, 2 to the new one.
    w.api
        .request(ApiRequest::patch(
            format!("{DEPLOYMENTS}/web"),
            PatchType::Merge,
            json!({"spec": {"replicas": 15}}),
        ))
        .unwrap();
    w.settle();
    let after = sizes(&mut w);
    assert_eq!(after.iter().find(|(n, _)| *n == old_rs).map(|x| x.1), Some(11));
    assert_eq!(after.iter().find(|(n, _)| *n != old_rs).map(|x| x.1), Some(7));
    // Paused: the template can change without a new ReplicaSet.
    w.api
        .request(ApiRequest::patch(
            format!("{DEPLOYMENTS}/web"),
            PatchType::Merge,
            json!({"spec": {"paused": true}}),
        ))
        .unwrap();
    w.settle();
    let mut d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.28");
    w.api.request(ApiRequest::put(format!("{DEPLOYMENTS}/web"), d)).unwrap();
    w.settle();
    assert_eq!(list(&mut w.api, REPLICASETS).len(), 2);
    let d = w.get(&format!("{DEPLOYMENTS}/web")).unwrap();
    let progressing = d["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "Progressing")
        .unwrap()
        .clone();
    assert_eq!(progressing["reason"], "DeploymentPaused");
    assert_eq!(progressing["message"], "Deployment is paused");
    assert_eq!(progressing["status"], "Unknown");
    w.api
        .request(ApiRequest::patch(
            format!("{DEPLOYMENTS}/web"),
            PatchType::Merge,
            json!({"spec": {"paused": false}}),
        ))
        .unwrap();
    w.kubelet_paused = false;
    w.settle();
    assert_eq!(list(&mut w.api, REPLICASETS).len(), 3);
    let pods = live_pods(&mut w.api);
    assert_eq!(pods.len(), 15);
    assert!(pods.iter().all(|p| p["spec"]["containers"][0]["image"] == "nginx:1.28"));
}

#[test]
fn a_stateful_set_rolls_out_from_the_highest_ordinal_down_to_the_partition() {
    let mut w = world();
    w.settle();
    w.post(
        "/apis/apps/v1/namespaces/default/statefulsets",
        json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
               "spec": {"replicas": 3, "serviceName": "db", "selector": {"matchLabels": {"app": "db"}},
                        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}},
                        "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": "redis:7"}]}}}}),
    );
    w.settle();
    let first = w.get("/apis/apps/v1/namespaces/default/statefulsets/db").unwrap()["status"]["updateRevision"].clone();
    let mut sts = w.get("/apis/apps/v1/namespaces/default/statefulsets/db").unwrap();
    sts["spec"]["template"]["spec"]["containers"][0]["image"] = json!("redis:8");
    w.api
        .request(ApiRequest::put("/apis/apps/v1/namespaces/default/statefulsets/db", sts))
        .unwrap();
    w.settle();
    assert_eq!(
        w.events("SuccessfulDelete"),
        vec![
            "delete Pod db-2 in StatefulSet db successful",
            "delete Pod db-1 in StatefulSet db successful"
        ]
    );
    let image =
        |w: &mut World, n: &str| w.get(&format!("{PODS}/{n}")).unwrap()["spec"]["containers"][0]["image"].clone();
    assert_eq!(image(&mut w, "db-0"), "redis:7");
    assert_eq!(image(&mut w, "db-1"), "redis:8");
    assert_eq!(image(&mut w, "db-2"), "redis:8");
    let status = w.get("/apis/apps/v1/namespaces/default/statefulsets/db").unwrap()["status"].clone();
    assert_eq!(status["currentRevision"], first);
    assert_ne!(status["updateRevision"], first);
    assert_eq!(status["updatedReplicas"], 2);
    assert_eq!(status["currentReplicas"], 1);
    assert_eq!(
        list(&mut w.api, "/apis/apps/v1/namespaces/default/controllerrevisions").len(),
        2
    );
    // Partition 0: the last pod follows and the update revision becomes current.
    w.api
        .request(ApiRequest::patch(
            "/apis/apps/v1/namespaces/default/statefulsets/db",
            PatchType::Merge,
            json!({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}}),
        ))
        .unwrap();
    w.settle();
    assert_eq!(image(&mut w, "db-0"), "redis:8");
    let status = w.get("/apis/apps/v1/namespaces/default/statefulsets/db").unwrap()["status"].clone();
    assert_eq!(status["currentRevision"], status["updateRevision"]);
    assert_eq!(status["currentReplicas"], 3);
}

#[test]
fn an_autoscaler_without_a_metrics_api_reports_upstreams_failure() {
    let mut w = world();
    w.settle();
    let mut d = deployment("web", 1, "nginx");
    d["spec"]["template"]["spec"]["containers"][0]["resources"] = json!({"requests": {"cpu": "200m"}});
    w.post(DEPLOYMENTS, d);
    w.post(
        "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers",
        json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
               "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 5,
                        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}}),
    );
    w.settle();
    // Below minReplicas: scaled to 2 at once.
    assert_eq!(live_pods(&mut w.api).len(), 2);
    assert_eq!(
        w.events("SuccessfulRescale"),
        vec!["New size: 2; reason: Current number of replicas below Spec.MinReplicas"]
    );
    w.advance(15);
    w.settle();
    let hpa = w
        .get("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web")
        .unwrap();
    let active = hpa["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ScalingActive")
        .unwrap()
        .clone();
    assert_eq!(active["reason"], "FailedGetResourceMetric");
    assert_eq!(
        active["message"],
        "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)"
    );
    assert_eq!(hpa["status"]["currentReplicas"], 2);
}
