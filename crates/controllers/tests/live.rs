//! The controllers against the real in-memory API server, with a fake kubelet that runs every
//! pod at once (Running, Ready, an IP) and finishes the deletion of terminating pods.

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
            } else if pod["status"]["phase"] == "Pending" {
                let binding = json!({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name}, "target": {"apiVersion": "v1", "kind": "Node", "name": "node01"}});
                self.api
                    .request(ApiRequest::post(format!("{path}/binding"), binding))
                    .unwrap();
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
        json!({"replicas": 1, "fullyLabeledReplicas": 1, "readyReplicas": 1, "availableReplicas": 1, "observedGeneration": 2})
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
