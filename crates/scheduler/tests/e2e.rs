//! The scheduler against the real in-memory API server, on a hand-built kubeadm-like
//! cluster (controlplane tainted, node01, node02; 2 CPUs each).

use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use apiserver::{ApiServer, ApiServerConfig};
use client::Component;
use scheduler::Scheduler;
use serde_json::{json, Value};
use sim::{Duration, SimContext, SimTime};

struct Local {
    server: ApiServer,
    ctx: SimContext,
    /// The components' random streams, apart from the API server's (which draws UIDs from
    /// `ctx` while a component steps).
    rng: sim::RngStreams,
}

impl ApiClient for Local {
    fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        self.server.handle(&mut self.ctx, req)
    }
}

fn add_node(api: &mut Local, name: &str, control_plane: bool, cpu: &str) {
    let mut node = json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name,
        "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}}, "spec": {}});
    if control_plane {
        node["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] = json!("");
        node["spec"]["taints"] = json!([{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]);
    }
    api.request(ApiRequest::post("/api/v1/nodes", node)).unwrap();
    let status = json!({"status": {
        "capacity": {"cpu": cpu, "memory": "4015504Ki", "pods": "110", "ephemeral-storage": "19221248Ki"},
        "allocatable": {"cpu": cpu, "memory": "3913104Ki", "pods": "110", "ephemeral-storage": "17714278528"},
        "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}]}});
    api.request(ApiRequest::patch(
        format!("/api/v1/nodes/{name}/status"),
        PatchType::Merge,
        status,
    ))
    .unwrap();
}

fn cluster() -> Local {
    let mut server = ApiServer::with_config(ApiServerConfig {
        require_service_account: false,
        ..Default::default()
    });
    let mut ctx = SimContext::new(7, SimTime::from_unix_secs(sim::DEFAULT_EPOCH_SECONDS));
    server.bootstrap(&mut ctx).unwrap();
    let mut api = Local {
        server,
        ctx,
        rng: sim::RngStreams::new(7),
    };
    add_node(&mut api, "controlplane", true, "2");
    add_node(&mut api, "node01", false, "2");
    add_node(&mut api, "node02", false, "2");
    api
}

fn pod(name: &str, cpu: Option<&str>) -> Value {
    let mut c = json!({"name": "c", "image": "nginx"});
    if let Some(cpu) = cpu {
        c["resources"] = json!({"requests": {"cpu": cpu}});
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}, "spec": {"containers": [c]}})
}

fn create(api: &mut Local, obj: Value) {
    api.request(ApiRequest::post("/api/v1/namespaces/default/pods", obj))
        .unwrap();
}

/// Steps until idle, as the cluster loop does.
fn run(api: &mut Local, s: &mut Scheduler) {
    for _ in 0..50 {
        let now = api.ctx.now();
        let mut rng = std::mem::replace(&mut api.rng, sim::RngStreams::new(0));
        let r = s.step(api, now, &mut rng);
        api.rng = rng;
        if !r.did_work {
            return;
        }
    }
    panic!("the scheduler never went idle");
}

fn get_pod(api: &mut Local, name: &str) -> Value {
    api.request(ApiRequest::get(format!("/api/v1/namespaces/default/pods/{name}")))
        .unwrap()
}

fn events_for(api: &mut Local, name: &str) -> Vec<Value> {
    let list = api
        .request(ApiRequest::get("/api/v1/namespaces/default/events"))
        .unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["involvedObject"]["name"] == name)
        .cloned()
        .collect()
}

#[test]
fn three_pods_land_on_the_two_workers_with_scheduled_events() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    for n in ["a", "b", "c"] {
        create(&mut api, pod(n, None));
    }
    run(&mut api, &mut s);
    let mut per_node = std::collections::BTreeMap::new();
    for n in ["a", "b", "c"] {
        let p = get_pod(&mut api, n);
        let node = p["spec"]["nodeName"].as_str().unwrap().to_string();
        assert_ne!(node, "controlplane");
        *per_node.entry(node.clone()).or_insert(0) += 1;
        let evs = events_for(&mut api, n);
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0]["reason"], "Scheduled");
        assert_eq!(evs[0]["type"], "Normal");
        assert_eq!(
            evs[0]["message"],
            format!("Successfully assigned default/{n} to {node}")
        );
        assert_eq!(evs[0]["reportingComponent"], "default-scheduler");
        assert_eq!(evs[0]["reportingInstance"], "default-scheduler-controlplane");
        assert_eq!(evs[0]["action"], "Binding");
        let cond = &p["status"]["conditions"][0];
        assert_eq!(
            (cond["type"].as_str(), cond["status"].as_str()),
            (Some("PodScheduled"), Some("True"))
        );
    }
    assert_eq!(per_node.len(), 2, "{per_node:?}");
    assert_eq!(s.pending(), 0);
}

/// v1.37: the taint is not named, and a request larger than a node's whole allocatable makes
/// the node one where preemption cannot help (NodeResourcesFit's Unresolvable).
const HUNDRED_CPU_MESSAGE: &str = "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";

#[test]
fn a_hundred_cpu_pod_stays_pending_with_upstreams_message() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    create(&mut api, pod("big", Some("100")));
    run(&mut api, &mut s);
    let p = get_pod(&mut api, "big");
    assert!(p["spec"].get("nodeName").is_none_or(Value::is_null));
    let cond = p["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "PodScheduled")
        .unwrap()
        .clone();
    assert_eq!(cond["status"], "False");
    assert_eq!(cond["reason"], "Unschedulable");
    assert_eq!(cond["message"], HUNDRED_CPU_MESSAGE);
    let evs = events_for(&mut api, "big");
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0]["reason"], "FailedScheduling");
    assert_eq!(evs[0]["type"], "Warning");
    assert_eq!(evs[0]["message"], HUNDRED_CPU_MESSAGE);

    // Nothing happens until the leftover flush (the first 30 s tick more than 5 minutes
    // after the attempt); then one more attempt, one series bump.
    let now = api.ctx.now();
    let wake = s.step(&mut api, now, &mut sim::RngStreams::new(1)).next_wakeup;
    assert_eq!(wake, Some(api.ctx.now().add(Duration::from_secs(330))));
    api.ctx.advance(Duration::from_secs(330));
    run(&mut api, &mut s);
    let evs = events_for(&mut api, "big");
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0]["series"]["count"], 2);

    // A node big enough joins: the pod moves to backoffQ and, the scheduler being idle,
    // is popped from there at once (SchedulerPopFromBackoffQ) and bound.
    add_node(&mut api, "node03", false, "128");
    api.ctx.advance(Duration::from_secs(1));
    run(&mut api, &mut s);
    assert_eq!(get_pod(&mut api, "big")["spec"]["nodeName"], "node03");
}

#[test]
fn node_selectors_and_taints_are_honoured() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    let mut p = pod("sel", None);
    p["spec"]["nodeSelector"] = json!({"kubernetes.io/hostname": "node02"});
    create(&mut api, p);
    let mut t = pod("cp", None);
    t["spec"]["nodeSelector"] = json!({"node-role.kubernetes.io/control-plane": ""});
    t["spec"]["tolerations"] =
        json!([{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]);
    create(&mut api, t);
    let mut nowhere = pod("nowhere", None);
    nowhere["spec"]["nodeSelector"] = json!({"disk": "ssd"});
    create(&mut api, nowhere);
    run(&mut api, &mut s);
    assert_eq!(get_pod(&mut api, "sel")["spec"]["nodeName"], "node02");
    assert_eq!(get_pod(&mut api, "cp")["spec"]["nodeName"], "controlplane");
    let evs = events_for(&mut api, "nowhere");
    assert_eq!(
        evs[0]["message"],
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
}

#[test]
fn a_higher_priority_pod_preempts_and_is_nominated() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    api.request(ApiRequest::post(
        "/apis/scheduling.k8s.io/v1/priorityclasses",
        json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000}),
    ))
    .unwrap();
    create(&mut api, pod("low1", Some("1500m")));
    create(&mut api, pod("low2", Some("1500m")));
    run(&mut api, &mut s);
    let mut high = pod("high", Some("1500m"));
    high["spec"]["priorityClassName"] = json!("high");
    create(&mut api, high);
    run(&mut api, &mut s);
    let p = get_pod(&mut api, "high");
    let nominated = p["status"]["nominatedNodeName"].as_str().unwrap().to_string();
    assert!(nominated == "node01" || nominated == "node02");
    let evs = events_for(&mut api, "high");
    assert_eq!(
        evs[0]["message"],
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu."
    );
    // The victim on the nominated node is gone (or terminating), with a Preempted event.
    let victims: Vec<String> = ["low1", "low2"]
        .iter()
        .filter(|n| {
            api.request(ApiRequest::get(format!("/api/v1/namespaces/default/pods/{n}")))
                .map(|p| p["metadata"].get("deletionTimestamp").is_some())
                .unwrap_or(true)
        })
        .map(|n| n.to_string())
        .collect();
    assert_eq!(victims.len(), 1);
    let ev = events_for(&mut api, &victims[0])
        .into_iter()
        .find(|e| e["reason"] == "Preempted")
        .unwrap();
    assert_eq!(
        ev["message"],
        format!(
            "Preempted by pod {} on node {nominated}",
            p["metadata"]["uid"].as_str().unwrap()
        )
    );
}

#[test]
fn a_pod_that_fits_an_empty_worker_but_not_a_busy_one_finds_no_victims() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    create(&mut api, pod("a", Some("1500m")));
    create(&mut api, pod("b", Some("1500m")));
    run(&mut api, &mut s);
    create(&mut api, pod("late", Some("1")));
    run(&mut api, &mut s);
    let evs = events_for(&mut api, "late");
    assert_eq!(
        evs[0]["message"],
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
    );
    // A terminating pod still holds its room; once it is gone the pending pod moves and,
    // the scheduler being idle, is bound at once.
    api.request(ApiRequest::delete("/api/v1/namespaces/default/pods/a"))
        .unwrap();
    run(&mut api, &mut s);
    assert!(get_pod(&mut api, "late")["spec"]
        .get("nodeName")
        .is_none_or(Value::is_null));
    api.request(ApiRequest::delete("/api/v1/namespaces/default/pods/a").with_query("gracePeriodSeconds", "0"))
        .unwrap();
    run(&mut api, &mut s);
    assert!(get_pod(&mut api, "late")["spec"]["nodeName"].is_string());
}

#[test]
fn preemption_prefers_the_node_whose_victims_break_no_disruption_budget() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    api.request(ApiRequest::post(
        "/apis/scheduling.k8s.io/v1/priorityclasses",
        json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}, "value": 1000}),
    ))
    .unwrap();
    api.request(ApiRequest::post(
        "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
        json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "keep"},
               "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "protected"}}}}),
    ))
    .unwrap();
    let mut protected = pod("protected", Some("1500m"));
    protected["metadata"]["labels"] = json!({"app": "protected"});
    protected["spec"]["nodeSelector"] = json!({"kubernetes.io/hostname": "node01"});
    create(&mut api, protected);
    let mut plain = pod("plain", Some("1500m"));
    plain["spec"]["nodeSelector"] = json!({"kubernetes.io/hostname": "node02"});
    create(&mut api, plain);
    run(&mut api, &mut s);
    let mut high = pod("high", Some("1500m"));
    high["spec"]["priorityClassName"] = json!("high");
    create(&mut api, high);
    run(&mut api, &mut s);
    assert_eq!(get_pod(&mut api, "high")["status"]["nominatedNodeName"], "node02");
    assert!(get_pod(&mut api, "protected")["metadata"]
        .get("deletionTimestamp")
        .is_none());
}

#[test]
fn gated_pods_wait_until_their_scheduling_gates_are_removed() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    let mut p = pod("gated", None);
    p["spec"]["schedulingGates"] = json!([{"name": "example.com/wait"}]);
    create(&mut api, p);
    run(&mut api, &mut s);
    assert_eq!(s.pending(), 0);
    assert!(events_for(&mut api, "gated").is_empty());
    api.request(ApiRequest::patch(
        "/api/v1/namespaces/default/pods/gated",
        PatchType::Merge,
        json!({"spec": {"schedulingGates": null}}),
    ))
    .unwrap();
    run(&mut api, &mut s);
    assert!(get_pod(&mut api, "gated")["spec"]["nodeName"].is_string());
}

#[test]
fn a_restored_scheduler_rebuilds_its_cache_and_queue_from_the_api() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    create(&mut api, pod("a", Some("1500m")));
    create(&mut api, pod("b", Some("1500m")));
    run(&mut api, &mut s);
    let saved = serde_json::to_value(&s).unwrap();
    let mut back: Scheduler = serde_json::from_value(saved).unwrap();
    create(&mut api, pod("c", Some("1500m")));
    run(&mut api, &mut back);
    // The cache knows a and b hold the workers: c cannot fit and is not double-booked.
    assert!(get_pod(&mut api, "c")["spec"]
        .get("nodeName")
        .is_none_or(Value::is_null));
    assert_eq!(back.pending(), 1);
}

#[test]
fn a_hard_spread_constraint_counts_the_tainted_control_plane_as_an_empty_domain() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    for n in ["s1", "s2", "s3"] {
        let mut p = pod(n, None);
        p["metadata"]["labels"] = json!({"app": "spread"});
        p["spec"]["topologySpreadConstraints"] = json!([{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": "spread"}}}]);
        create(&mut api, p);
        run(&mut api, &mut s);
    }
    let placed: Vec<bool> = ["s1", "s2", "s3"]
        .iter()
        .map(|n| get_pod(&mut api, n)["spec"]["nodeName"].is_string())
        .collect();
    assert_eq!(placed, vec![true, true, false]);
    assert_eq!(
        events_for(&mut api, "s3")[0]["message"],
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match pod topology spread constraints. no new claims to deallocate, preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
    );
}

#[test]
fn a_pod_pinned_by_match_fields_reports_the_other_nodes_as_filtered_by_node_affinity() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    create(&mut api, pod("hog", Some("1500m")));
    run(&mut api, &mut s);
    let hog_node = get_pod(&mut api, "hog")["spec"]["nodeName"]
        .as_str()
        .unwrap()
        .to_string();
    let mut ds = pod("ds", Some("1"));
    ds["spec"]["affinity"] = json!({"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [hog_node]}]}]}}});
    create(&mut api, ds);
    run(&mut api, &mut s);
    assert_eq!(
        events_for(&mut api, "ds")[0]["message"],
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. no new claims to deallocate, preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling."
    );
}

fn with_claim(name: &str, claim: &str) -> Value {
    let mut p = pod(name, None);
    p["spec"]["volumes"] = json!([{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]);
    p
}

fn failed_scheduling_message(api: &mut Local, name: &str) -> String {
    let evs = events_for(api, name);
    let e = evs.iter().find(|e| e["reason"] == "FailedScheduling").unwrap();
    e["message"].as_str().unwrap().to_string()
}

#[test]
fn pods_wait_for_their_claims_to_exist_and_be_bound() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    create(&mut api, with_claim("web", "task-pv-claim"));
    run(&mut api, &mut s);
    assert_eq!(
        failed_scheduling_message(&mut api, "web"),
        "0/3 nodes are available: persistentvolumeclaim \"task-pv-claim\" not found. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
    let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "task-pv-claim"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "3Gi"}}}});
    api.request(ApiRequest::post(
        "/api/v1/namespaces/default/persistentvolumeclaims",
        claim,
    ))
    .unwrap();
    api.ctx.advance(Duration::from_secs(1));
    run(&mut api, &mut s);
    let p = get_pod(&mut api, "web");
    let cond = p["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "PodScheduled")
        .unwrap()
        .clone();
    assert_eq!(
        cond["message"],
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
    // Bound (as the PV controller would) to a local volume pinned to node02.
    let pv = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "local"},
        "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"], "local": {"path": "/mnt/disks/1"},
            "claimRef": {"namespace": "default", "name": "task-pv-claim"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node02"]}]}]}}}});
    api.request(ApiRequest::post("/api/v1/persistentvolumes", pv)).unwrap();
    api.request(ApiRequest::patch(
        "/api/v1/namespaces/default/persistentvolumeclaims/task-pv-claim",
        PatchType::Merge,
        json!({"spec": {"volumeName": "local"}}),
    ))
    .unwrap();
    api.ctx.advance(Duration::from_secs(1));
    run(&mut api, &mut s);
    assert_eq!(get_pod(&mut api, "web")["spec"]["nodeName"], "node02");
}

#[test]
fn claims_of_a_wait_for_first_consumer_class_bind_to_a_volume_on_the_chosen_node() {
    let mut api = cluster();
    let mut s = Scheduler::new("controlplane");
    let class = json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "local-storage"},
        "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "WaitForFirstConsumer"});
    api.request(ApiRequest::post("/apis/storage.k8s.io/v1/storageclasses", class))
        .unwrap();
    let claim = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
        "spec": {"storageClassName": "local-storage", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}});
    api.request(ApiRequest::post(
        "/api/v1/namespaces/default/persistentvolumeclaims",
        claim,
    ))
    .unwrap();
    create(&mut api, with_claim("web", "data"));
    run(&mut api, &mut s);
    assert_eq!(
        failed_scheduling_message(&mut api, "web"),
        "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't find available persistent volumes to bind. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    );
    let pv = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "local-node02"},
        "spec": {"storageClassName": "local-storage", "capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"],
            "local": {"path": "/mnt/disks/1"},
            "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node02"]}]}]}}}});
    api.request(ApiRequest::post("/api/v1/persistentvolumes", pv)).unwrap();
    api.request(ApiRequest::patch(
        "/api/v1/persistentvolumes/local-node02/status",
        PatchType::Merge,
        json!({"status": {"phase": "Available"}}),
    ))
    .unwrap();
    api.ctx.advance(Duration::from_secs(1));
    run(&mut api, &mut s);
    assert_eq!(get_pod(&mut api, "web")["spec"]["nodeName"], "node02");
    let pv = api
        .request(ApiRequest::get("/api/v1/persistentvolumes/local-node02"))
        .unwrap();
    assert_eq!(pv["spec"]["claimRef"]["name"], "data");
    assert_eq!(
        pv["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"],
        "yes"
    );
}
