//! The composition root: builds a whole cluster (API server and the objects a kubeadm v1.37
//! cluster starts with; later the scheduler, controllers and kubelets) from a seed, drives its
//! virtual clock, and saves and restores it.
//!
//! Entry type: [`Cluster`]. It is the only place that knows every component; components talk
//! to each other only through API requests, as in a real cluster.

// ApiError (metav1.Status) is the fixed error type of every API call, as in the other crates.
#![allow(clippy::result_large_err)]

pub mod bootstrap;
pub mod metrics;

use apimachinery::{ApiClient, ApiError, ApiRequest, Method};
use apiserver::ApiServer;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim::{Duration, RngStreams, SimContext, SimTime};

/// The control-plane components, in the order the loop steps them. An enum rather than trait
/// objects so the whole cluster serialises into a state file.
#[derive(Clone, Serialize, Deserialize)]
enum Component {
    ControllerManager(Box<controllers::ControllerManager>),
    Scheduler(Box<scheduler::Scheduler>),
    Kubelet(Box<kubelet::Kubelet>),
}

impl Component {
    fn as_dyn(&mut self) -> &mut dyn client::Component {
        match self {
            Component::ControllerManager(c) => c.as_mut(),
            Component::Scheduler(s) => s.as_mut(),
            Component::Kubelet(k) => k.as_mut(),
        }
    }
}

/// How many rounds of component steps may run at one instant before the loop moves time on
/// anyway: a guard against two components undoing each other's work forever.
const MAX_ROUNDS_PER_INSTANT: usize = 200;

/// The API as components see it: every request goes through the API server with the
/// cluster's simulation context.
struct ServerClient<'a> {
    server: &'a mut ApiServer,
    ctx: &'a mut SimContext,
    /// The kubelets' usage at this instant, for the aggregated metrics API (the HPA reads it).
    scrape: &'a metrics::Scrape,
}

impl ApiClient for ServerClient<'_> {
    fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        if metrics::wants(&req) {
            return metrics::serve(self.server, self.ctx, self.scrape, &req);
        }
        self.server.handle(self.ctx, req)
    }
}

/// How long ago `kubeadm init` ran when a fresh cluster is handed to the user: nodes and
/// system objects show a realistic AGE, and add-ons have had time to start.
pub const SETUP_TIME: Duration = Duration::from_secs(5 * 60);

/// Format version of a saved cluster; bumped whenever the saved shape changes incompatibly.
pub const SNAPSHOT_VERSION: u32 = 1;

/// The latest clock a restored cluster may have (9000-01-01T00:00:00Z): far from the end
/// of four-digit years, so the cluster can run for millennia.
const LATEST_CLOCK_MILLIS: i64 = 221_845_392_000_000;

/// A whole simulated cluster.
/// Cloning a cluster is much cheaper than booting one (five virtual minutes of start-up): tests
/// that need many fresh clusters clone one.
#[derive(Clone, Serialize, Deserialize)]
pub struct Cluster {
    /// The seed the cluster was built from (`kubeplay reset` builds a fresh one from it).
    seed: u64,
    ctx: SimContext,
    apiserver: ApiServer,
    components: Vec<Component>,
    /// Randomness the components draw (scheduler tie-breaks, …), apart from the API server's.
    component_rng: RngStreams,
    /// The instant events were last expired: once per instant is enough (an event written now
    /// cannot expire now), and the scan is the cost of every settle round otherwise.
    #[serde(skip)]
    events_expired_at: Option<SimTime>,
    /// The stored objects [`Cluster::restore`] dropped because they failed its checks.
    #[serde(skip)]
    dropped_on_restore: Vec<String>,
    /// The API server's warnings for the last request from outside.
    #[serde(skip)]
    warnings: Vec<String>,
}

/// Why a saved cluster could not be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreError {
    /// Not JSON, or not the shape of a saved cluster.
    Corrupt(String),
    /// Saved by an incompatible kubeplay.
    Version(u64),
}

impl std::fmt::Display for RestoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestoreError::Corrupt(why) => write!(f, "the saved cluster is corrupt: {why}"),
            RestoreError::Version(v) => {
                write!(
                    f,
                    "the saved cluster has format version {v}; this kubeplay reads version {SNAPSHOT_VERSION}"
                )
            }
        }
    }
}

/// A snapshot must be of the format this kubeplay writes.
fn check_snapshot_version(saved: &Value) -> Result<(), RestoreError> {
    match saved.get("version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(SNAPSHOT_VERSION) => Ok(()),
        Some(v) => Err(RestoreError::Version(v)),
        None => Err(RestoreError::Corrupt("no format version".to_string())),
    }
}

impl Cluster {
    /// The default cluster (kubeadm v1.37: controlplane, node01, node02) from a seed.
    pub fn new(seed: u64) -> Self {
        let ctx = SimContext::new(seed, SimTime::from_unix_secs(sim::DEFAULT_EPOCH_SECONDS));
        // Controllers, then the scheduler, then the kubelets (appended as nodes join).
        let components = vec![
            Component::ControllerManager(Box::new(controllers::controller_manager(bootstrap::ROOT_CA_PEM))),
            Component::Scheduler(Box::new(scheduler::Scheduler::new("controlplane"))),
        ];
        let component_rng = RngStreams::new(seed ^ 0x6b75_6265_706c_6179);
        let mut cluster = Cluster {
            seed,
            ctx,
            apiserver: ApiServer::new(),
            components,
            component_rng,
            events_expired_at: None,
            dropped_on_restore: Vec::new(),
            warnings: Vec::new(),
        };
        cluster.bootstrap();
        cluster.advance(SETUP_TIME);
        cluster
    }

    pub fn now(&self) -> SimTime {
        self.ctx.now()
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The API server's last resourceVersion: it moves on every write, and only then.
    pub fn resource_version(&self) -> u64 {
        self.apiserver.resource_version()
    }

    /// The node names of the cluster, as the API lists them.
    pub fn node_names(&mut self) -> Vec<String> {
        let Ok(list) = self.call(ApiRequest::get("/api/v1/nodes")) else {
            return Vec::new();
        };
        list.get("items")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|n| n.pointer("/metadata/name").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Advances virtual time by `d`, running every component's due work on the way: at each
    /// instant the components step in a fixed order until none has work left, then the clock
    /// jumps to the earliest wake-up any of them asked for.
    pub fn advance(&mut self, d: Duration) {
        let target = self.ctx.now().add(d);
        loop {
            let next = self.settle();
            match next {
                Some(t) if t <= target => self.ctx.advance_to(t.max(self.ctx.now().add(Duration::from_millis(1)))),
                _ => {
                    self.ctx.advance_to(target);
                    self.settle();
                    return;
                }
            }
            if self.ctx.now() >= target {
                self.settle();
                return;
            }
        }
    }

    /// Runs the components at the current instant until none does work; returns the earliest
    /// wake-up they asked for.
    fn settle(&mut self) -> Option<SimTime> {
        let mut next = None;
        // One scrape per instant is enough (metrics-server itself scrapes every 15 s).
        let scrape = metrics::Scrape::take(&self.components);
        for _ in 0..MAX_ROUNDS_PER_INSTANT {
            self.reconcile();
            let now = self.ctx.now();
            let mut did_work = false;
            next = None;
            let mut api = ServerClient {
                server: &mut self.apiserver,
                ctx: &mut self.ctx,
                scrape: &scrape,
            };
            for component in &mut self.components {
                let r = component.as_dyn().step(&mut api, now, &mut self.component_rng);
                did_work |= r.did_work;
                next = match (next, r.next_wakeup) {
                    (Some(a), Some(b)) => Some(std::cmp::min(a, b)),
                    (a, b) => a.or(b),
                };
            }
            if !did_work {
                break;
            }
        }
        next
    }

    /// Saves the whole cluster (objects, clock, random streams) as JSON.
    pub fn snapshot(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.insert("version".to_string(), Value::from(SNAPSHOT_VERSION));
        }
        v
    }

    /// Restores a cluster saved by [`Cluster::snapshot`]. A save that is broken as a whole
    /// (format version, shape, clock, resourceVersion) is refused; a stored object that fails
    /// the checks is dropped and the rest kept: [`Cluster::dropped_on_restore`] names it.
    pub fn restore(saved: Value) -> Result<Self, RestoreError> {
        check_snapshot_version(&saved)?;
        // The error names where the save is broken (`components[3].Kubelet.ip_cursor: …`).
        let mut cluster: Cluster = serde_path_to_error::deserialize(saved).map_err(|e| {
            let at = e.path().to_string();
            RestoreError::Corrupt(format!("{at}: {}", e.into_inner()))
        })?;
        // Kubernetes timestamps are RFC 3339 with four-digit years; a clock outside them (or at
        // the top of the range, where it cannot move) is no cluster's.
        let now = cluster.ctx.now().unix_millis();
        if !(0..=LATEST_CLOCK_MILLIS).contains(&now) {
            return Err(RestoreError::Corrupt(format!(
                "the clock ({now} ms since 1970) is not between 1970 and 9000"
            )));
        }
        cluster.dropped_on_restore = cluster.apiserver.check_restored().map_err(RestoreError::Corrupt)?;
        Ok(cluster)
    }

    /// The objects the restore that built this cluster dropped, each as
    /// `{storage key}: {why}`; empty for a cluster restored whole (or never restored). Front
    /// ends show them: the learner should know what is gone.
    pub fn dropped_on_restore(&self) -> &[String] {
        &self.dropped_on_restore
    }

    /// [`Cluster::dropped_on_restore`] as the front ends print it; `None` when nothing was
    /// dropped.
    pub fn restore_report(&self) -> Option<String> {
        let dropped = &self.dropped_on_restore;
        if dropped.is_empty() {
            return None;
        }
        let what = if dropped.len() == 1 { "object" } else { "objects" };
        let mut text = format!(
            "the saved cluster was restored without {} {what} that failed its checks:",
            dropped.len()
        );
        for d in dropped {
            text.push_str("\n  ");
            text.push_str(d);
        }
        Some(text)
    }

    /// Restores a snapshot this build took of itself (the page's built-in default cluster, see
    /// web/build.rs): not user input, so without [`Cluster::restore`]'s checks of every stored
    /// object, which cost most of a restore (and of the page's start-up).
    pub fn restore_built_in(saved: Value) -> Result<Self, RestoreError> {
        check_snapshot_version(&saved)?;
        serde_json::from_value(saved).map_err(|e| RestoreError::Corrupt(e.to_string()))
    }

    fn call(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        self.apiserver.handle(&mut self.ctx, req)
    }

    fn bootstrap(&mut self) {
        use bootstrap::*;
        let mut failures: Vec<String> = Vec::new();
        let create = |c: &mut Cluster, failures: &mut Vec<String>, path: &str, obj: Value| {
            if let Err(e) = c.call(ApiRequest::post(path, obj)) {
                failures.push(format!("{path}: {e}"));
            }
        };
        for ns in DEFAULT_NAMESPACES {
            create(self, &mut failures, "/api/v1/namespaces", namespace(ns));
        }
        for pc in priority_classes() {
            create(self, &mut failures, "/apis/scheduling.k8s.io/v1/priorityclasses", pc);
        }
        const APF: &str = "/apis/flowcontrol.apiserver.k8s.io/v1";
        for pl in apf::priority_level_configurations() {
            create(self, &mut failures, &format!("{APF}/prioritylevelconfigurations"), pl);
        }
        for fs in apf::flow_schemas() {
            // The APF config controller then marks each schema's level as found.
            let written = self
                .call(ApiRequest::post(format!("{APF}/flowschemas"), fs))
                .and_then(|mut fs| {
                    let created = fs
                        .pointer("/metadata/creationTimestamp")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    fs["status"] = apf::flow_schema_status(&fs, created);
                    let name = fs.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
                    self.call(ApiRequest::put(format!("{APF}/flowschemas/{name}/status"), fs.clone()))
                });
            if let Err(e) = written {
                failures.push(format!("{APF}/flowschemas: {e}"));
            }
        }
        for spec in default_nodes() {
            if let Err(e) = self.register_node(&spec) {
                failures.push(e);
            }
        }
        // The kubelets report their nodes' capacity before kubeadm creates the add-ons, as a
        // registering kubelet does: the scheduler never sees a node without allocatable.
        self.settle();
        create(
            self,
            &mut failures,
            "/api/v1/namespaces/default/services",
            kubernetes_service(),
        );
        create(
            self,
            &mut failures,
            "/api/v1/namespaces/default/endpoints",
            kubernetes_endpoints(),
        );
        create(
            self,
            &mut failures,
            "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
            kubernetes_endpoint_slice(),
        );
        // RBAC, kubeadm's ConfigMaps and token, the add-ons: what kubeadm init leaves behind.
        let discovery = api::discovery::Discovery::builtin();
        for obj in apply::system_objects(self.now().unix_secs()) {
            match apply::create_path(&discovery, &obj) {
                Some(path) => create(self, &mut failures, &path, obj),
                None => failures.push(format!("no API serves {}", obj["kind"])),
            }
        }
        self.reconcile();
        debug_assert!(failures.is_empty(), "bootstrap failed: {failures:?}");
    }

    /// Joins a node: kubeadm creates (and for the control plane, labels and taints) the Node;
    /// its kubelet then posts the node's status, takes its Lease and runs its pods.
    fn register_node(&mut self, spec: &bootstrap::NodeSpec) -> Result<(), String> {
        self.call(ApiRequest::post("/api/v1/nodes", bootstrap::node(spec)))
            .map_err(|e| format!("node {}: {e}", spec.name))?;
        let mut config = if spec.control_plane {
            kubelet::NodeConfig::control_plane(&spec.ip, &spec.pod_cidr)
        } else {
            kubelet::NodeConfig::worker(&spec.ip, &spec.pod_cidr)
        };
        config.boot_id = self.ctx.uid();
        config.machine_id = self.ctx.uid().replace('-', "");
        config.system_uuid = self.ctx.uid();
        self.components
            .push(Component::Kubelet(Box::new(kubelet::Kubelet::new(&spec.name, config))));
        Ok(())
    }

    fn kubelet_mut(&mut self, node: &str) -> Option<&mut kubelet::Kubelet> {
        self.components.iter_mut().find_map(|c| match c {
            Component::Kubelet(k) if k.node_name() == node => Some(k.as_mut()),
            _ => None,
        })
    }

    fn kubelet(&self, node: &str) -> Option<&kubelet::Kubelet> {
        self.components.iter().find_map(|c| match c {
            Component::Kubelet(k) if k.node_name() == node => Some(k.as_ref()),
            _ => None,
        })
    }

    /// `GET …/pods/{name}/log`: the API server relays it to the kubelet of the pod's node.
    fn pod_log(&mut self, namespace: &str, pod: &str, req: &ApiRequest) -> Result<Value, ApiError> {
        let obj = self.call(ApiRequest::get(format!("/api/v1/namespaces/{namespace}/pods/{pod}")))?;
        let node = obj
            .pointer("/spec/nodeName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if node.is_empty() {
            return Err(ApiError::bad_request(format!(
                "pod {pod} does not have a host assigned"
            )));
        }
        let kubelet = self
            .kubelet(&node)
            .ok_or_else(|| ApiError::bad_request(format!("pod {pod} does not have a host assigned")))?;
        let container = req.query_param("container").filter(|c| !c.is_empty());
        let previous = req.query_param("previous") == Some("true");
        let mut lines = kubelet.logs(namespace, pod, container, previous)?;
        if let Some(since) = req.query_param("sinceSeconds").and_then(|v| v.parse::<i64>().ok()) {
            let from = self.ctx.now().add(Duration::from_secs(-since));
            lines.retain(|l| l.time >= from);
        }
        if let Some(tail) = req.query_param("tailLines").and_then(|v| v.parse::<usize>().ok()) {
            let skip = lines.len().saturating_sub(tail);
            lines.drain(..skip);
        }
        let timestamps = req.query_param("timestamps") == Some("true");
        let mut text = String::new();
        for l in &lines {
            if timestamps {
                text.push_str(&l.timestamp());
                text.push(' ');
            }
            text.push_str(&l.text);
            text.push('\n');
        }
        if let Some(limit) = req.query_param("limitBytes").and_then(|v| v.parse::<usize>().ok()) {
            let mut cut = limit.min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        Ok(Value::String(text))
    }

    /// `kubeplay node add [NAME]`: a new worker joins (named node03, node04, … by default).
    pub fn add_node(&mut self, name: Option<&str>) -> Result<String, String> {
        let existing = self.node_names();
        let index = u8::try_from(existing.len()).map_err(|_| "the cluster has too many nodes".to_string())?;
        if index >= 250 {
            return Err("the cluster has too many nodes".to_string());
        }
        let name = match name {
            Some(n) => n.to_string(),
            None => (index..=250)
                .map(|i| format!("node{i:02}"))
                .find(|n| !existing.contains(n))
                .unwrap_or_default(),
        };
        if existing.contains(&name) {
            return Err(format!("node {name} already exists"));
        }
        let errs = apimachinery::validation::is_dns1123_subdomain(&name);
        if !errs.is_empty() {
            return Err(format!("invalid node name {name:?}: {}", errs.join("; ")));
        }
        self.register_node(&bootstrap::NodeSpec::numbered(&name, index, false))?;
        self.settle();
        Ok(format!("node/{name} joined the cluster"))
    }

    /// Whether the node's kubelet runs (None: no such kubelet); the page offers Stop or Start.
    pub fn node_running(&self, name: &str) -> Option<bool> {
        self.kubelet(name).map(|k| k.is_running())
    }

    /// `kubeplay node stop|start NAME`: the node's kubelet stops or resumes.
    pub fn set_node_running(&mut self, name: &str, running: bool) -> Result<String, String> {
        let kubelet = self
            .kubelet_mut(name)
            .ok_or_else(|| format!("node {name:?} not found"))?;
        let changed = kubelet.is_running() != running;
        if running {
            kubelet.start();
        } else {
            kubelet.stop();
        }
        let what = if running { "started" } else { "stopped" };
        Ok(if changed {
            format!("node/{name}: kubelet {what}")
        } else {
            format!("node/{name}: kubelet already {what}")
        })
    }

    /// What the API server itself does as time passes: namespace finalization and event TTL.
    fn reconcile(&mut self) {
        self.apiserver.run_namespace_finalizer(&mut self.ctx);
        let now = self.ctx.now();
        if self.events_expired_at != Some(now) {
            self.events_expired_at = Some(now);
            self.apiserver.expire_events(&self.ctx);
        }
    }
}

impl ApiClient for Cluster {
    /// A request from outside (kubectl). A write lets the components react at once, as they
    /// would within milliseconds in a real cluster; no virtual time passes.
    fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        self.warnings.clear();
        if req.method == Method::Get {
            let segs: Vec<&str> = req.path.trim_end_matches('/').split('/').collect();
            if let ["", "api", "v1", "namespaces", ns, "pods", pod, "log"] = segs.as_slice() {
                let (ns, pod) = (ns.to_string(), pod.to_string());
                return self.pod_log(&ns, &pod, &req);
            }
        }
        // metrics.k8s.io: the aggregator's proxy to metrics-server, which scrapes the kubelets.
        if metrics::wants(&req) {
            let scrape = metrics::Scrape::take(&self.components);
            return metrics::serve(&mut self.apiserver, &mut self.ctx, &scrape, &req);
        }
        let mutating = req.method != Method::Get;
        let result = self.call(req);
        self.warnings = self.apiserver.take_warnings();
        if mutating {
            self.settle();
        }
        result
    }

    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}
