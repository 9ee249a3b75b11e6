//! The kubelet component: node registration and status, the node Lease, one pod worker per
//! pod bound to the node, events, final deletion, static (mirror) pods, logs and usage.

use crate::images::{self, ImageInfo, PullOutcome};
use crate::pod::{CState, ConfigSource, NodeFacts, PodWorker, ServiceInfo};
use crate::program::LogLine;
use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use client::{Component, EventRecorder, Informer, ResourcePath, StepResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// nodeStatusUpdateFrequency.
pub const NODE_STATUS_UPDATE: Duration = Duration::from_secs(10);
/// nodeStatusReportFrequency: an unchanged status is still posted this often.
pub const NODE_STATUS_REPORT: Duration = Duration::from_secs(300);
/// How often the Lease is renewed (nodeLeaseDurationSeconds 40 × 0.25).
pub const LEASE_RENEW: Duration = Duration::from_secs(10);
pub const LEASE_DURATION_SECONDS: i64 = 40;
/// status.images lists at most this many images (nodeStatusMaxImages).
const MAX_NODE_IMAGES: usize = 50;

/// What a node is made of. Defaults match the nodes of crates/cluster's bootstrap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeConfig {
    pub ip: String,
    /// `10.244.1.0/24`: pod IPs are handed out from it (host-local IPAM, from .2).
    pub pod_cidr: String,
    pub control_plane: bool,
    pub capacity: BTreeMap<String, String>,
    pub allocatable: BTreeMap<String, String>,
    pub kubelet_version: String,
    pub container_runtime_version: String,
    pub os_image: String,
    pub kernel_version: String,
    pub boot_id: String,
    pub machine_id: String,
    pub system_uuid: String,
    /// Images present before any pod ran (normalised or short references).
    pub preloaded_images: Vec<String>,
}

impl NodeConfig {
    /// A worker like node01/node02 of the default cluster.
    pub fn worker(ip: &str, pod_cidr: &str) -> Self {
        let capacity: BTreeMap<String, String> = [
            ("cpu", "2"),
            ("ephemeral-storage", "19221248Ki"),
            ("hugepages-1Gi", "0"),
            ("hugepages-2Mi", "0"),
            ("memory", "4015504Ki"),
            ("pods", "110"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut allocatable = capacity.clone();
        allocatable.insert("ephemeral-storage".into(), "17714278528".into());
        allocatable.insert("memory".into(), "3913104Ki".into());
        NodeConfig {
            ip: ip.to_string(),
            pod_cidr: pod_cidr.to_string(),
            control_plane: false,
            capacity,
            allocatable,
            kubelet_version: "v1.37.1".into(),
            container_runtime_version: "containerd://2.1.4".into(),
            os_image: "Ubuntu 24.04.3 LTS".into(),
            kernel_version: "6.8.0-79-generic".into(),
            boot_id: String::new(),
            machine_id: String::new(),
            system_uuid: String::new(),
            preloaded_images: vec![
                "registry.k8s.io/pause:3.10.2".into(),
                "registry.k8s.io/kube-proxy:v1.37.1".into(),
                "ghcr.io/flannel-io/flannel:v0.27.4".into(),
                "ghcr.io/flannel-io/flannel-cni-plugin:v1.8.0-flannel1".into(),
            ],
        }
    }

    /// The control-plane node (kubeadm's static pods and their images).
    pub fn control_plane(ip: &str, pod_cidr: &str) -> Self {
        let mut c = Self::worker(ip, pod_cidr);
        c.control_plane = true;
        c.preloaded_images.extend(
            [
                "registry.k8s.io/kube-apiserver:v1.37.1",
                "registry.k8s.io/kube-controller-manager:v1.37.1",
                "registry.k8s.io/kube-scheduler:v1.37.1",
                "registry.k8s.io/etcd:3.7.2-0",
                "registry.k8s.io/coredns/coredns:v1.14.7",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        c
    }
}

/// Per-container resource usage (for `kubectl top` / metrics.k8s.io).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContainerUsage {
    pub name: String,
    pub cpu_millis: i64,
    pub memory_bytes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PodUsage {
    pub namespace: String,
    pub name: String,
    pub containers: Vec<ContainerUsage>,
}

/// One simulated kubelet.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Kubelet {
    node_name: String,
    config: NodeConfig,
    running: bool,
    pods: Informer,
    recorder: EventRecorder,
    /// Pod workers by UID.
    workers: BTreeMap<String, PodWorker>,
    /// Images on the node by normalised reference.
    #[serde(skip)]
    images: BTreeMap<String, ImageInfo>,
    pulled: BTreeSet<String>,
    next_node_status: Option<SimTime>,
    last_node_report: Option<SimTime>,
    next_lease: Option<SimTime>,
    node_uid: String,
    /// Last octets in use and the host-local cursor.
    ips_in_use: BTreeSet<u8>,
    ip_cursor: u8,
    static_pods_posted: bool,
    /// Set by `start`: the next pod sync compares every pod's status with the API server's
    /// (the node lifecycle controller marks pods not ready while a kubelet is down).
    #[serde(default)]
    resync_pods: bool,
    /// The start-up events ("Starting kubelet.", …) are due on the next step.
    #[serde(default)]
    announce_start: bool,
    /// Pods the kubelet's admission rejected (OutOfcpu, …), by UID.
    #[serde(default)]
    rejected: BTreeSet<String>,
}

fn s(v: &Value, ptr: &str) -> String {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("").to_string()
}

fn rfc(t: SimTime) -> String {
    apimachinery::time::format_rfc3339(t.unix_secs())
}

/// The pod's UID-less key.
fn pod_path(ns: &str, name: &str) -> String {
    format!("/api/v1/namespaces/{ns}/pods/{name}")
}

impl Kubelet {
    pub fn new(node_name: &str, config: NodeConfig) -> Self {
        let pods = Informer::new(ResourcePath::core("pods").with_field_selector(&format!("spec.nodeName={node_name}")));
        let mut k = Kubelet {
            node_name: node_name.to_string(),
            config,
            running: true,
            pods,
            recorder: EventRecorder::new(),
            workers: BTreeMap::new(),
            images: BTreeMap::new(),
            pulled: BTreeSet::new(),
            next_node_status: None,
            last_node_report: None,
            next_lease: None,
            node_uid: String::new(),
            ips_in_use: BTreeSet::new(),
            ip_cursor: 1,
            static_pods_posted: false,
            resync_pods: false,
            announce_start: true,
            rejected: BTreeSet::new(),
        };
        k.rebuild_images();
        k
    }

    /// Recomputes the image store from the preloaded list and what was pulled (after restore).
    fn rebuild_images(&mut self) {
        let refs: Vec<String> = self
            .config
            .preloaded_images
            .iter()
            .chain(self.pulled.iter())
            .cloned()
            .collect();
        for r in refs {
            if let PullOutcome::Found(info) = images::lookup(&r) {
                self.images.insert(info.reference.clone(), info);
            }
        }
    }

    pub fn node_name(&self) -> &str {
        &self.node_name
    }

    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    pub fn is_running(&self) -> bool {
        self.running
    }

    /// `kubeplay node stop`: no heartbeats, no status, no pod work until started again.
    pub fn stop(&mut self) {
        self.running = false;
    }

    /// `kubeplay node start`: resumes at once (status and lease are posted on the next step).
    pub fn start(&mut self) {
        if !self.running {
            self.running = true;
            self.next_node_status = None;
            self.next_lease = None;
            self.announce_start = true;
            self.resync_pods = true;
        }
    }

    /// The pod workers (read-only), by pod UID.
    pub fn workers(&self) -> impl Iterator<Item = &PodWorker> {
        self.workers.values()
    }

    fn worker_by_name(&self, namespace: &str, name: &str) -> Option<&PodWorker> {
        self.workers
            .values()
            .find(|w| w.namespace == namespace && w.name == name && !w.deleted)
    }

    /// Log lines of a container, as the kubelet's `/containerLogs` serves them; errors carry
    /// the kubelet's texts (400 BadRequest, as the API server relays them).
    pub fn logs(
        &self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
        previous: bool,
    ) -> Result<Vec<LogLine>, ApiError> {
        let w = self
            .worker_by_name(namespace, pod)
            .ok_or_else(|| ApiError::not_found(&apimachinery::GroupResource::new("", "pods"), pod))?;
        let regular: Vec<&str> = w
            .containers
            .iter()
            .filter(|c| !c.init)
            .map(|c| c.name.as_str())
            .collect();
        let init: Vec<&str> = w
            .containers
            .iter()
            .filter(|c| c.init)
            .map(|c| c.name.as_str())
            .collect();
        let name = match container {
            Some(c) => c.to_string(),
            None if regular.len() == 1 => regular.first().map(|s| s.to_string()).unwrap_or_default(),
            None => {
                let mut msg = format!(
                    "a container name must be specified for pod {pod}, choose one of: [{}]",
                    regular.join(" ")
                );
                if !init.is_empty() {
                    msg.push_str(&format!(" or one of the init containers: [{}]", init.join(" ")));
                }
                return Err(ApiError::bad_request(msg));
            }
        };
        let c = w
            .container(&name)
            .ok_or_else(|| ApiError::bad_request(format!("container {name} is not valid for pod {pod}")))?;
        if previous {
            // In CrashLoopBackOff the last exited instance is the "previous" one: its lines are
            // still the current buffer (they move to `previous_logs` at the restart).
            return match (&c.state, &c.last_state) {
                (CState::Waiting { .. }, Some(CState::Terminated { .. })) if !c.logs.is_empty() => Ok(c.logs.clone()),
                (_, Some(CState::Terminated { .. })) => Ok(c.previous_logs.clone()),
                _ => Err(ApiError::bad_request(format!(
                    "previous terminated container \"{name}\" in pod \"{pod}\" not found"
                ))),
            };
        }
        match &c.state {
            CState::Waiting { reason, .. }
                if c.container_id.is_empty() || c.last_state.is_none() && c.logs.is_empty() =>
            {
                let why = if reason == "ErrImagePull" || reason == "ImagePullBackOff" {
                    "image can't be pulled".to_string()
                } else {
                    reason.clone()
                };
                Err(ApiError::bad_request(format!(
                    "container \"{name}\" in pod \"{pod}\" is waiting to start: {why}"
                )))
            }
            _ => Ok(c.logs.clone()),
        }
    }

    /// `kubectl exec`: runs `argv` in a running container's model (its env and files; files
    /// it changes stay changed, so `touch`/`rm` affect exec probes). Returns the output lines
    /// and the exit code; a command still blocked after an hour is cut off.
    pub fn exec(
        &mut self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
        argv: &[String],
        now: SimTime,
    ) -> Result<(Vec<String>, i32), ApiError> {
        let w = self
            .workers
            .values_mut()
            .find(|w| w.namespace == namespace && w.name == pod && !w.deleted)
            .ok_or_else(|| ApiError::not_found(&apimachinery::GroupResource::new("", "pods"), pod))?;
        let name = match container {
            Some(c) => c.to_string(),
            None => w
                .containers
                .iter()
                .find(|c| !c.init)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
        };
        let c = w
            .containers
            .iter_mut()
            .find(|c| c.name == name)
            .ok_or_else(|| ApiError::bad_request(format!("container {name} is not valid for pod {pod}")))?;
        let kind = c.image_kind().unwrap_or(crate::images::ImageKind::Shell);
        let Some(p) = c.process_mut() else {
            return Err(ApiError::bad_request(format!(
                "unable to upgrade connection: container not found (\"{name}\")"
            )));
        };
        let ctx = crate::program::StartContext {
            env: p.env(),
            hostname: p.hostname().to_string(),
            files: p.files.clone(),
            ..Default::default()
        };
        let mut child = match crate::program::Process::start(argv, kind, p.flavor(), "", &ctx, now) {
            Ok(child) => child,
            Err(_) => {
                let cmd = argv.first().cloned().unwrap_or_default();
                let exec_id =
                    crate::images::hex_digest(&format!("{namespace}/{pod}/{name}/{cmd}/{}", now.unix_millis()));
                return Err(ApiError::internal(format!(
                    "error executing command in container: failed to exec in container: failed to start exec \"{exec_id}\": OCI runtime exec failed: exec failed: unable to start container process: exec: \"{cmd}\": executable file not found in $PATH: unknown"
                )));
            }
        };
        let out = child.run(now.add(Duration::from_secs(3600)));
        let code = child.exited().unwrap_or(137);
        p.files = child.files;
        Ok((out.into_iter().map(|l| l.text).collect(), code))
    }

    /// Usage figures per pod (deterministic model: idle servers a few millicores, busy loops
    /// a full core or their CPU limit).
    pub fn pod_usage(&self) -> Vec<PodUsage> {
        let mut out: Vec<PodUsage> = self
            .workers
            .values()
            .filter(|w| !w.deleted && w.terminal.is_none())
            .map(|w| PodUsage {
                namespace: w.namespace.clone(),
                name: w.name.clone(),
                containers: w
                    .containers
                    .iter()
                    .filter(|c| matches!(c.state, CState::Running { .. }))
                    .map(crate::usage::container_usage)
                    .collect(),
            })
            .filter(|p| !p.containers.is_empty())
            .collect();
        out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        out
    }

    /// Node usage: its pods plus the system (kubelet, containerd, OS).
    pub fn node_usage(&self) -> (i64, i64) {
        let pods = self.pod_usage();
        // Saturating sums: restored processes may claim any size.
        let cpu: i64 = pods
            .iter()
            .flat_map(|p| p.containers.iter())
            .fold(0i64, |acc, c| acc.saturating_add(c.cpu_millis));
        let mem: i64 = pods
            .iter()
            .flat_map(|p| p.containers.iter())
            .fold(0i64, |acc, c| acc.saturating_add(c.memory_bytes));
        let (sys_cpu, sys_mem) = if self.config.control_plane {
            (60, 780 << 20)
        } else {
            (25, 420 << 20)
        };
        (cpu.saturating_add(sys_cpu), mem.saturating_add(sys_mem))
    }

    fn allocate_ip(&mut self) -> String {
        let base = self
            .config
            .pod_cidr
            .split('/')
            .next()
            .and_then(|a| a.rsplit_once('.'))
            .map(|(b, _)| b.to_string())
            .unwrap_or_else(|| "10.244.0".to_string());
        for _ in 0..253 {
            self.ip_cursor = if self.ip_cursor >= 254 { 2 } else { self.ip_cursor + 1 };
            if !self.ips_in_use.contains(&self.ip_cursor) {
                self.ips_in_use.insert(self.ip_cursor);
                return format!("{base}.{}", self.ip_cursor);
            }
        }
        String::new()
    }

    fn release_ip(&mut self, ip: &str) {
        if let Some(last) = ip.rsplit('.').next().and_then(|o| o.parse::<u8>().ok()) {
            self.ips_in_use.remove(&last);
        }
    }

    // ---- node agent ----

    fn node_object(&self) -> Value {
        let mut labels = json!({
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/hostname": self.node_name,
            "kubernetes.io/os": "linux",
        });
        let mut node = json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": self.node_name,
                "annotations": {
                    "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            },
            "spec": {"podCIDR": self.config.pod_cidr, "podCIDRs": [self.config.pod_cidr]},
        });
        if self.config.control_plane {
            labels["node-role.kubernetes.io/control-plane"] = json!("");
            labels["node.kubernetes.io/exclude-from-external-load-balancers"] = json!("");
            node["spec"]["taints"] = json!([{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]);
        }
        node["metadata"]["labels"] = labels;
        node
    }

    fn node_images(&self) -> Value {
        let mut imgs: Vec<&ImageInfo> = self.images.values().collect();
        imgs.sort_by(|a, b| b.size_bytes.cmp(&a.size_bytes).then(a.reference.cmp(&b.reference)));
        Value::Array(
            imgs.iter()
                .take(MAX_NODE_IMAGES)
                .map(|i| json!({"names": [i.image_id(), i.reference], "sizeBytes": i.size_bytes}))
                .collect(),
        )
    }

    /// The status the kubelet would post now, with transition times kept from `current`.
    fn desired_node_status(&self, current: &Value, now: SimTime) -> Value {
        let stamp = rfc(now);
        let existing: Vec<Value> = current
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let cond = |ty: &str, status: &str, reason: &str, message: &str| {
            let old = existing.iter().find(|c| s(c, "/type") == ty);
            let transition = match old {
                Some(o) if s(o, "/status") == status => s(o, "/lastTransitionTime"),
                _ => stamp.clone(),
            };
            json!({
                "type": ty, "status": status, "reason": reason, "message": message,
                "lastHeartbeatTime": stamp, "lastTransitionTime": transition,
            })
        };
        json!({
            "addresses": [
                {"address": self.config.ip, "type": "InternalIP"},
                {"address": self.node_name, "type": "Hostname"},
            ],
            "allocatable": self.config.allocatable,
            "capacity": self.config.capacity,
            "conditions": [
                cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "features": {"supplementalGroupsPolicy": true},
            "images": self.node_images(),
            "runtimeHandlers": [
                {"features": {"recursiveReadOnlyMounts": true, "userNamespaces": true}, "name": ""},
                {"features": {"recursiveReadOnlyMounts": true, "userNamespaces": true}, "name": "runc"},
            ],
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": current.pointer("/status/nodeInfo/bootID").cloned().unwrap_or_else(|| json!(self.config.boot_id)),
                "containerRuntimeVersion": self.config.container_runtime_version,
                "kernelVersion": self.config.kernel_version,
                "kubeProxyVersion": "",
                "kubeletVersion": self.config.kubelet_version,
                "machineID": current.pointer("/status/nodeInfo/machineID").cloned().unwrap_or_else(|| json!(self.config.machine_id)),
                "operatingSystem": "linux",
                "osImage": self.config.os_image,
                "systemUUID": current.pointer("/status/nodeInfo/systemUUID").cloned().unwrap_or_else(|| json!(self.config.system_uuid)),
            },
        })
    }

    /// An event on the Node (the kubelet's node reference uses the node name as UID).
    fn node_event(&mut self, api: &mut dyn ApiClient, now: SimTime, type_: &str, reason: &str, message: &str) {
        let node_ref = json!({"kind": "Node", "metadata": {"name": self.node_name, "uid": self.node_name}});
        let host = self.node_name.clone();
        let _ = self
            .recorder
            .record(api, now, &node_ref, type_, reason, message, "kubelet", &host);
    }

    /// What a starting kubelet reports on its Node.
    fn announce(&mut self, api: &mut dyn ApiClient, now: SimTime) {
        let n = self.node_name.clone();
        self.node_event(api, now, "Normal", "Starting", "Starting kubelet.");
        self.node_event(
            api,
            now,
            "Warning",
            "InvalidDiskCapacity",
            "invalid capacity 0 on image filesystem",
        );
        self.node_event(
            api,
            now,
            "Normal",
            "NodeAllocatableEnforced",
            "Updated Node Allocatable limit across pods",
        );
        for cond in [
            "NodeHasSufficientMemory",
            "NodeHasNoDiskPressure",
            "NodeHasSufficientPID",
        ] {
            self.node_event(api, now, "Normal", cond, &format!("Node {n} status is now: {cond}"));
        }
    }

    /// Registers the node if needed and posts its status when it changed or is due.
    fn sync_node_status(&mut self, api: &mut dyn ApiClient, now: SimTime) -> bool {
        let path = format!("/api/v1/nodes/{}", self.node_name);
        let mut did = false;
        let current = match api.request(ApiRequest::get(path.clone())) {
            Ok(n) => n,
            Err(e) if e.code() == 404 => match api.request(ApiRequest::post("/api/v1/nodes", self.node_object())) {
                Ok(n) => {
                    did = true;
                    n
                }
                Err(_) => return false,
            },
            Err(_) => return false,
        };
        self.node_uid = s(&current, "/metadata/uid");
        let desired = self.desired_node_status(&current, now);
        let strip = |v: &Value| -> Value {
            let mut v = v.clone();
            if let Some(cs) = v.get_mut("conditions").and_then(Value::as_array_mut) {
                for c in cs {
                    if let Some(m) = c.as_object_mut() {
                        m.remove("lastHeartbeatTime");
                    }
                }
            }
            v
        };
        let current_status = current.get("status").cloned().unwrap_or(Value::Null);
        let (want, have) = (strip(&desired), strip(&current_status));
        // Only the fields the kubelet posts count (others may be set by other writers).
        let changed = want
            .as_object()
            .is_some_and(|m| m.iter().any(|(k, v)| have.get(k) != Some(v)));
        let due = self.last_node_report.is_none_or(|t| now.since(t) >= NODE_STATUS_REPORT);
        if changed || due {
            let was_ready = current_status
                .get("conditions")
                .and_then(Value::as_array)
                .and_then(|cs| cs.iter().find(|c| s(c, "/type") == "Ready"))
                .is_some_and(|c| s(c, "/status") == "True");
            let req = ApiRequest::patch(format!("{path}/status"), PatchType::Merge, json!({"status": desired}));
            if api.request(req).is_ok() {
                self.last_node_report = Some(now);
                did = true;
                if !was_ready {
                    let n = self.node_name.clone();
                    self.node_event(
                        api,
                        now,
                        "Normal",
                        "NodeReady",
                        &format!("Node {n} status is now: NodeReady"),
                    );
                }
            }
        }
        did
    }

    fn renew_lease(&mut self, api: &mut dyn ApiClient, now: SimTime) -> bool {
        let path = format!(
            "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{}",
            self.node_name
        );
        let renew = apimachinery::time::format_rfc3339_micro(now.unix_millis());
        let patch = json!({"spec": {"holderIdentity": self.node_name, "leaseDurationSeconds": LEASE_DURATION_SECONDS, "renewTime": renew}});
        match api.request(ApiRequest::patch(path, PatchType::Merge, patch)) {
            Ok(_) => true,
            Err(e) if e.code() == 404 => {
                let mut lease = json!({
                    "apiVersion": "coordination.k8s.io/v1",
                    "kind": "Lease",
                    "metadata": {"name": self.node_name, "namespace": "kube-node-lease"},
                    "spec": {"holderIdentity": self.node_name, "leaseDurationSeconds": LEASE_DURATION_SECONDS, "renewTime": renew},
                });
                if !self.node_uid.is_empty() {
                    lease["metadata"]["ownerReferences"] =
                        json!([{"apiVersion": "v1", "kind": "Node", "name": self.node_name, "uid": self.node_uid}]);
                }
                api.request(ApiRequest::post(
                    "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases",
                    lease,
                ))
                .is_ok()
            }
            Err(_) => false,
        }
    }

    fn post_static_pods(&mut self, api: &mut dyn ApiClient, now: SimTime) -> bool {
        if !self.config.control_plane || self.static_pods_posted || self.node_uid.is_empty() {
            return false;
        }
        let mut did = false;
        for pod in crate::static_pods::mirror_pods(&self.node_name, &self.node_uid, &self.config.ip, now) {
            let ns = s(&pod, "/metadata/namespace");
            let name = s(&pod, "/metadata/name");
            if api.request(ApiRequest::get(pod_path(&ns, &name))).is_ok() {
                continue;
            }
            if api
                .request(ApiRequest::post(format!("/api/v1/namespaces/{ns}/pods"), pod))
                .is_ok()
            {
                did = true;
            }
        }
        self.static_pods_posted = true;
        did
    }

    // ---- pods ----

    fn sync_pods(&mut self, api: &mut dyn ApiClient, now: SimTime, rng: &mut RngStreams) -> bool {
        if self.images.is_empty() {
            self.rebuild_images();
        }
        let mut changed: BTreeSet<(String, String)> = BTreeSet::new();
        if let Ok(changes) = self.pods.sync(api) {
            for ch in changes {
                changed.insert(ch.key());
                if ch.kind == client::ChangeKind::Deleted {
                    let uid = s(&ch.object, "/metadata/uid");
                    if let Some(w) = self.workers.remove(&uid) {
                        if !w.host_network {
                            self.release_ip(&w.pod_ip);
                        }
                    }
                }
            }
        }
        if std::mem::take(&mut self.resync_pods) {
            // The status manager's needsReconcile: what the API server holds becomes the last
            // status sent, so a status changed by someone else meanwhile is put right.
            for pod in self.pods.list() {
                if let Some(w) = self.workers.get_mut(&s(pod, "/metadata/uid")) {
                    w.last_status = pod.get("status").cloned();
                    changed.insert((s(pod, "/metadata/namespace"), s(pod, "/metadata/name")));
                }
            }
        }
        // Only pods that changed or whose worker has something due are synced: an idle
        // node costs nothing per step.
        let pods: Vec<Value> = self
            .pods
            .list()
            .filter(|pod| {
                let key = (s(pod, "/metadata/namespace"), s(pod, "/metadata/name"));
                let uid = s(pod, "/metadata/uid");
                match self.workers.get(&uid) {
                    Some(w) => changed.contains(&key) || w.next_wakeup().is_some_and(|t| t <= now),
                    None => {
                        let phase = s(pod, "/status/phase");
                        changed.contains(&key) || (phase != "Succeeded" && phase != "Failed")
                    }
                }
            })
            .cloned()
            .collect();
        let mut did = false;
        for pod in pods {
            let uid = s(&pod, "/metadata/uid");
            if uid.is_empty() {
                continue;
            }
            if !self.workers.contains_key(&uid) {
                let host_network = pod
                    .pointer("/spec/hostNetwork")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                // A pod already finished before this kubelet saw it is left alone.
                let phase = s(&pod, "/status/phase");
                if phase == "Succeeded" || phase == "Failed" {
                    if !s(&pod, "/metadata/deletionTimestamp").is_empty() {
                        let req =
                            ApiRequest::delete(pod_path(&s(&pod, "/metadata/namespace"), &s(&pod, "/metadata/name")))
                                .with_body(json!({
                                    "kind": "DeleteOptions", "apiVersion": "v1",
                                    "gracePeriodSeconds": 0, "preconditions": {"uid": uid},
                                }));
                        did |= api.request(req).is_ok();
                    }
                    continue;
                }
                if let Some((reason, message)) = self.admit(&pod) {
                    if self.rejected.insert(uid.clone()) {
                        let _ = self.recorder.record(
                            api,
                            now,
                            &pod,
                            "Warning",
                            &reason,
                            &message,
                            "kubelet",
                            &self.node_name,
                        );
                        let status = json!({"status": {
                            "phase": "Failed", "reason": reason, "message": format!("Pod was rejected: {message}"),
                            "startTime": rfc(now),
                        }});
                        let path = format!(
                            "{}/status",
                            pod_path(&s(&pod, "/metadata/namespace"), &s(&pod, "/metadata/name"))
                        );
                        let _ = api.request(ApiRequest::patch(path, PatchType::Merge, status));
                        did = true;
                    }
                    continue;
                }
                let ip = if host_network {
                    self.config.ip.clone()
                } else {
                    self.allocate_ip()
                };
                self.workers.insert(uid.clone(), PodWorker::new(&pod, now, ip));
            }
            did |= self.sync_pod(api, &pod, &uid, now, rng);
        }
        did
    }

    /// The kubelet's admission (lifecycle/predicate.go): the node's allocatable must hold the
    /// pod's requests next to the pods already admitted. Some((reason, message)) rejects.
    fn admit(&self, pod: &Value) -> Option<(String, String)> {
        if self.rejected.contains(&s(pod, "/metadata/uid")) {
            return Some((String::new(), String::new()));
        }
        if pod
            .pointer("/metadata/annotations/kubernetes.io~1config.mirror")
            .is_some()
        {
            return None;
        }
        let active: Vec<&Value> = self
            .pods
            .list()
            .filter(|p| {
                self.workers
                    .get(&s(p, "/metadata/uid"))
                    .is_some_and(|w| !w.deleted && w.terminal.is_none())
            })
            .collect();
        let alloc = |k: &str| -> i64 {
            let q = self
                .config
                .allocatable
                .get(k)
                .and_then(|v| apimachinery::Quantity::parse(v).ok());
            match (k, q) {
                ("cpu", Some(q)) => q.milli_value(),
                (_, Some(q)) => q.value(),
                _ => i64::MAX,
            }
        };
        let pods_cap = alloc("pods");
        if active.len() as i64 + 1 > pods_cap {
            let msg = format!(
                "Node didn't have enough resource: pods, requested: 1, used: {}, capacity: {pods_cap}",
                active.len()
            );
            return Some(("OutOfpods".into(), msg));
        }
        for res in ["cpu", "memory"] {
            let requested = pod_request(pod, res);
            if requested == 0 {
                continue;
            }
            let used: i64 = active.iter().map(|p| pod_request(p, res)).sum();
            let capacity = alloc(res);
            if used.saturating_add(requested) > capacity {
                let msg = format!(
                    "Node didn't have enough resource: {res}, requested: {requested}, used: {used}, capacity: {capacity}"
                );
                return Some((format!("OutOf{res}"), msg));
            }
        }
        None
    }

    fn sync_pod(
        &mut self,
        api: &mut dyn ApiClient,
        pod: &Value,
        uid: &str,
        now: SimTime,
        rng: &mut RngStreams,
    ) -> bool {
        let node_name = self.node_name.clone();
        let node_ip = self.config.ip.clone();
        let machine_id = self.config.machine_id.clone();
        let Some(worker) = self.workers.get_mut(uid) else {
            return false;
        };
        let facts = NodeFacts {
            node_name: &node_name,
            node_ip: &node_ip,
            machine_id: &machine_id,
            images: &self.images,
        };
        let mut config = ApiConfig { api };
        let out = worker.sync(pod, now, &facts, &mut config, rng);
        let api = config.api;
        let mut did = false;
        for info in out.pulled {
            self.pulled.insert(info.reference.clone());
            self.images.insert(info.reference.clone(), info);
        }
        for ev in &out.events {
            let _ = self.recorder.record_at_field(
                api,
                now,
                pod,
                &ev.field_path,
                ev.type_,
                ev.reason,
                &ev.message,
                "kubelet",
                &node_name,
            );
            did = true;
        }
        let Some(worker) = self.workers.get_mut(uid) else {
            return did;
        };
        let status = worker.status(pod, now, &node_ip);
        if worker.last_status.as_ref() != Some(&status) && !(out.delete && pod.get("status") == Some(&status)) {
            let (ns, name) = (worker.namespace.clone(), worker.name.clone());
            let req = ApiRequest::patch(
                format!("{}/status", pod_path(&ns, &name)),
                PatchType::Merge,
                json!({"status": status}),
            );
            if api.request(req).is_ok() {
                did = true;
            }
            worker.last_status = Some(status);
        }
        if out.delete {
            let (ns, name) = (worker.namespace.clone(), worker.name.clone());
            let req = ApiRequest::delete(pod_path(&ns, &name)).with_body(json!({
                "kind": "DeleteOptions", "apiVersion": "v1",
                "gracePeriodSeconds": 0, "preconditions": {"uid": uid},
            }));
            let _ = api.request(req);
            did = true;
        }
        did
    }

    /// The earliest future time something is due (past times would only spin the loop).
    fn next_wakeup(&self, now: SimTime) -> Option<SimTime> {
        let mut times: Vec<SimTime> = self.workers.values().filter_map(PodWorker::next_wakeup).collect();
        times.extend(self.next_node_status);
        times.extend(self.next_lease);
        times.into_iter().filter(|t| *t > now).min()
    }
}

/// A pod's effective request (max of the app containers' sum and any init container, plus
/// overhead): millicores for cpu, bytes otherwise.
fn pod_request(pod: &Value, res: &str) -> i64 {
    let q = |c: &Value| -> i64 {
        c.pointer(&format!("/resources/requests/{res}"))
            .and_then(apimachinery::Quantity::from_json)
            .and_then(Result::ok)
            .map(|q| if res == "cpu" { q.milli_value() } else { q.value() })
            .unwrap_or(0)
    };
    let list = |ptr: &str| pod.pointer(ptr).and_then(Value::as_array).cloned().unwrap_or_default();
    let app: i64 = list("/spec/containers").iter().map(q).sum();
    let init = list("/spec/initContainers").iter().map(q).max().unwrap_or(0);
    let overhead = pod
        .pointer(&format!("/spec/overhead/{res}"))
        .and_then(apimachinery::Quantity::from_json)
        .and_then(Result::ok)
        .map(|q| if res == "cpu" { q.milli_value() } else { q.value() })
        .unwrap_or(0);
    app.max(init).saturating_add(overhead)
}

/// ConfigMaps, Secrets and Services read through the API when a container starts.
struct ApiConfig<'a> {
    api: &'a mut dyn ApiClient,
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

impl ConfigSource for ApiConfig<'_> {
    fn config_map(&mut self, namespace: &str, name: &str) -> Option<BTreeMap<String, String>> {
        let cm = self
            .api
            .request(ApiRequest::get(format!(
                "/api/v1/namespaces/{namespace}/configmaps/{name}"
            )))
            .ok()?;
        Some(string_map(cm.get("data")))
    }

    fn secret(&mut self, namespace: &str, name: &str) -> Option<BTreeMap<String, String>> {
        use base64::Engine;
        let sec = self
            .api
            .request(ApiRequest::get(format!(
                "/api/v1/namespaces/{namespace}/secrets/{name}"
            )))
            .ok()?;
        let mut data: BTreeMap<String, String> = string_map(sec.get("data"))
            .into_iter()
            .map(|(k, v)| {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(v.as_bytes())
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or(v);
                (k, decoded)
            })
            .collect();
        // stringData is folded into data on write; kept here in case a store returns it.
        data.extend(string_map(sec.get("stringData")));
        Some(data)
    }

    fn services(&mut self, namespace: &str) -> Vec<ServiceInfo> {
        let Ok(list) = self
            .api
            .request(ApiRequest::get(format!("/api/v1/namespaces/{namespace}/services")))
        else {
            return Vec::new();
        };
        let mut out: Vec<ServiceInfo> = list
            .get("items")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|svc| {
                        let ports = svc
                            .pointer("/spec/ports")
                            .and_then(Value::as_array)
                            .map(|ps| {
                                ps.iter()
                                    .map(|p| {
                                        (
                                            p.get("port").and_then(Value::as_i64).unwrap_or(0),
                                            match s(p, "/protocol").as_str() {
                                                "" => "TCP".to_string(),
                                                x => x.to_string(),
                                            },
                                            s(p, "/name"),
                                        )
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        (s(svc, "/metadata/name"), s(svc, "/spec/clusterIP"), ports)
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The `kubernetes` service of `default` is visible in every namespace's env.
        if namespace != "default" && !out.iter().any(|(n, _, _)| n == "kubernetes") {
            out.push((
                "kubernetes".into(),
                "10.96.0.1".into(),
                vec![(443, "TCP".into(), "https".into())],
            ));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

impl Component for Kubelet {
    fn name(&self) -> &'static str {
        "kubelet"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, rng: &mut RngStreams) -> StepResult {
        if !self.running {
            return StepResult::idle();
        }
        let mut did = false;
        if self.announce_start {
            self.announce_start = false;
            self.announce(api, now);
            did = true;
        }
        if self.next_node_status.is_none_or(|t| now >= t) {
            did |= self.sync_node_status(api, now);
            self.next_node_status = Some(now.add(NODE_STATUS_UPDATE));
        }
        if self.next_lease.is_none_or(|t| now >= t) {
            self.renew_lease(api, now);
            self.next_lease = Some(now.add(LEASE_RENEW));
        }
        did |= self.post_static_pods(api, now);
        did |= self.sync_pods(api, now, rng);
        StepResult {
            did_work: did,
            next_wakeup: self.next_wakeup(now),
        }
    }
}
