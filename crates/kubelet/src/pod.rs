//! The pod worker: one per pod bound to the node. It drives the sandbox, image pulls,
//! container starts, restarts with backoff, probes and graceful termination on virtual
//! time, and computes the pod status the kubelet writes (`generateAPIPodStatus`).

use crate::backoff::Backoff;
use crate::images::{self, go_duration, ImageInfo, ImageKind, PullOutcome};
use crate::program::{expand_kube_vars, Flavor, LogLine, Process, StartContext};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sim::{Duration, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// How long the sandbox (pause container + CNI) takes to come up.
pub const SANDBOX_DELAY: Duration = Duration::from_millis(1000);
/// PLEG relist period: how soon the kubelet notices an exit and resyncs after an error.
pub const RESYNC_DELAY: Duration = Duration::from_millis(1000);
/// How long a failing pull takes before the registry answers.
pub const FAILED_PULL_DELAY: Duration = Duration::from_millis(800);
/// How often a container blocked on configuration (missing ConfigMap, …) is retried.
pub const CONFIG_RETRY: Duration = Duration::from_secs(10);
/// The volume manager's retry after a failed mount: 500 ms, doubling up to 2m2s
/// (nestedpendingoperations' exponential backoff).
const MOUNT_BACKOFF_INITIAL: Duration = Duration::from_millis(500);
const MOUNT_BACKOFF_MAX: Duration = Duration::from_millis(122_000);
/// Lines kept per container instance.
const MAX_LOG_LINES: usize = 5000;

/// Something the worker wants recorded as an Event on the pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodEvent {
    pub type_: &'static str,
    pub reason: &'static str,
    pub message: String,
    /// The event's involvedObject.fieldPath: `spec.containers{NAME}` for what the kubelet
    /// records about one container (GenerateContainerRef), empty for the pod as a whole.
    pub field_path: String,
}

/// Tags the events pushed since `from` as being about container `c` (all but the pod-level
/// FailedMount).
fn tag_container_events(out: &mut SyncOutput, from: usize, c: &ContainerRt) {
    let path = c.field_path();
    for ev in out.events.iter_mut().skip(from) {
        if ev.field_path.is_empty() && ev.reason != "FailedMount" {
            ev.field_path = path.clone();
        }
    }
}

/// A container's observable state (`v1.ContainerState`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CState {
    Waiting {
        reason: String,
        message: Option<String>,
    },
    Running {
        started_at: SimTime,
    },
    Terminated {
        exit_code: i32,
        reason: String,
        message: Option<String>,
        started_at: SimTime,
        finished_at: SimTime,
        container_id: String,
    },
}

/// Where a container is in its life.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Stage {
    /// Not started yet, or about to be (re)started at or after `at`.
    Pending {
        at: SimTime,
    },
    Pulling {
        done_at: SimTime,
        failed: Option<String>,
        started: SimTime,
    },
    /// A pull failed; ErrImagePull until `err_at + RESYNC`, then ImagePullBackOff.
    PullBackOff {
        err_at: SimTime,
        backoff_shown: bool,
    },
    /// Waiting on configuration (CreateContainerConfigError) or ErrImageNeverPull.
    Blocked {
        retry_at: SimTime,
    },
    Running,
    /// Exited; the kubelet decides at `decide_at` whether to restart.
    Exited {
        decide_at: SimTime,
    },
    CrashBackOff {
        release_at: SimTime,
    },
    /// Killed after a failed liveness/startup probe: SIGTERM now, gone at `at` (a server
    /// exits at once with 0; a shell as PID 1 ignores SIGTERM until the grace period ends).
    Killing {
        at: SimTime,
        exit_code: i32,
    },
    /// Terminated for good.
    Done,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerRt {
    pub name: String,
    pub spec: Value,
    pub init: bool,
    /// An init container with `restartPolicy: Always` (a sidecar).
    pub sidecar: bool,
    stage: Stage,
    pub state: CState,
    pub last_state: Option<CState>,
    pub restart_count: i64,
    /// A restart was decided but the new container is not created yet (pulling): the count,
    /// lastState and previous logs change only when it is, as the runtime reports them.
    #[serde(default)]
    restart_pending: bool,
    pub started: bool,
    pub ready: bool,
    pub container_id: String,
    /// Normalised image (after the first successful pull/inspect).
    pub image_ref: String,
    pub image_id: String,
    image_kind: Option<ImageKind>,
    image_version: String,
    process: Option<Process>,
    pub logs: Vec<LogLine>,
    pub previous_logs: Vec<LogLine>,
    crash_backoff: Backoff,
    pull_backoff: Backoff,
    prev_pull_err: Option<String>,
    /// Probe bookkeeping: consecutive results and when each probe runs next.
    probes: ProbeState,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct ProbeState {
    pub(crate) readiness_next: Option<SimTime>,
    pub(crate) liveness_next: Option<SimTime>,
    pub(crate) startup_next: Option<SimTime>,
    pub(crate) liveness_failures: i64,
    pub(crate) readiness_failures: i64,
    pub(crate) readiness_successes: i64,
    pub(crate) startup_failures: i64,
    /// Liveness/readiness wait for the startup probe to succeed.
    pub(crate) pending_liveness: bool,
    pub(crate) pending_readiness: bool,
}

/// Node facts the worker needs.
#[derive(Debug, Clone)]
pub struct NodeFacts<'a> {
    pub node_name: &'a str,
    pub node_ip: &'a str,
    /// `/etc/machine-id` of the node (nodeInfo.machineID).
    pub machine_id: &'a str,
    /// Images present on the node: normalised reference → info.
    pub images: &'a BTreeMap<String, ImageInfo>,
}

/// A Service as the env of a container sees it: (name, clusterIP, ports as (port, protocol, name)).
pub type ServiceInfo = (String, String, Vec<(i64, String, String)>);

/// What a worker needs from the API that is not in the pod (env sources, volumes, services).
pub trait ConfigSource {
    /// `data` of a ConfigMap (None when it does not exist).
    fn config_map(&mut self, namespace: &str, name: &str) -> Option<BTreeMap<String, String>>;
    /// Decoded `data` of a Secret.
    fn secret(&mut self, namespace: &str, name: &str) -> Option<BTreeMap<String, String>>;
    /// Services of the namespace as (name, clusterIP, ports(port, protocol, name)).
    fn services(&mut self, namespace: &str) -> Vec<ServiceInfo>;
}

/// Output of one worker sync.
#[derive(Debug, Default)]
pub struct SyncOutput {
    pub events: Vec<PodEvent>,
    pub pulled: Vec<ImageInfo>,
    /// The worker wants the pod deleted for good (grace period over).
    pub delete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodWorker {
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub seen_at: SimTime,
    pub sandbox_at: SimTime,
    pub pod_ip: String,
    pub host_network: bool,
    pub restart_policy: String,
    pub containers: Vec<ContainerRt>,
    /// Condition type → (status, lastTransitionTime).
    conditions: BTreeMap<String, (String, SimTime)>,
    /// Set when termination started: (started, kill deadline).
    pub terminating: Option<(SimTime, SimTime)>,
    /// The pod reached Succeeded/Failed.
    pub terminal: Option<String>,
    /// The last status written (to skip identical writes).
    #[serde(default)]
    pub last_status: Option<Value>,
    pub deleted: bool,
    /// spec.terminationGracePeriodSeconds (30 by default).
    #[serde(default = "default_grace")]
    pub grace_seconds: i64,
    /// emptyDir contents shared by the pod's containers: volume → relative path → content.
    #[serde(default)]
    shared: BTreeMap<String, BTreeMap<String, String>>,
    /// The pod's volumes are set up (nothing starts before: no sandbox, no pulls).
    #[serde(default = "mounted")]
    volumes_mounted: bool,
    #[serde(default)]
    mount_failures: u32,
    /// When the next mount attempt may run.
    #[serde(default)]
    mount_retry_at: Option<SimTime>,
    /// The regular containers of a restartPolicy Never/OnFailure pod are done: the sidecars
    /// are being stopped (in reverse order) within the grace period that ends then.
    #[serde(default)]
    sidecars_stop_by: Option<SimTime>,
}

fn default_grace() -> i64 {
    30
}

fn mounted() -> bool {
    true
}

/// The delay after `failures` failed mount attempts.
fn mount_backoff(failures: u32) -> Duration {
    let mut d = MOUNT_BACKOFF_INITIAL.as_millis();
    for _ in 1..failures {
        d = d.saturating_mul(2);
        if d >= MOUNT_BACKOFF_MAX.as_millis() {
            break;
        }
    }
    Duration::from_millis(d.min(MOUNT_BACKOFF_MAX.as_millis()))
}

pub(crate) fn s(v: &Value, ptr: &str) -> String {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("").to_string()
}

fn rfc(t: SimTime) -> String {
    apimachinery::time::format_rfc3339(t.unix_secs())
}

impl ContainerRt {
    /// `spec.containers{NAME}` / `spec.initContainers{NAME}`, as kubelet's container refs name it.
    pub fn field_path(&self) -> String {
        let list = if self.init { "initContainers" } else { "containers" };
        format!("spec.{list}{{{}}}", self.name)
    }

    fn new(spec: &Value, init: bool, now: SimTime) -> Self {
        let sidecar = init && s(spec, "/restartPolicy") == "Always";
        ContainerRt {
            name: s(spec, "/name"),
            spec: spec.clone(),
            init,
            sidecar,
            stage: Stage::Pending { at: now },
            state: CState::Waiting {
                reason: "ContainerCreating".into(),
                message: None,
            },
            last_state: None,
            restart_count: 0,
            restart_pending: false,
            started: false,
            ready: false,
            container_id: String::new(),
            image_ref: String::new(),
            image_id: String::new(),
            image_kind: None,
            image_version: String::new(),
            process: None,
            logs: Vec::new(),
            previous_logs: Vec::new(),
            crash_backoff: Backoff::container_restart(),
            pull_backoff: Backoff::image_pull(),
            prev_pull_err: None,
            probes: ProbeState::default(),
        }
    }

    pub(crate) fn probe_state_mut(&mut self) -> &mut ProbeState {
        &mut self.probes
    }

    pub(crate) fn process_ref(&self) -> Option<&Process> {
        self.process.as_ref()
    }

    /// The image family, once the image was resolved.
    pub fn image_kind(&self) -> Option<ImageKind> {
        self.image_kind
    }

    pub(crate) fn process_mut(&mut self) -> Option<&mut Process> {
        self.process.as_mut()
    }

    /// The running process (resource usage, exec).
    pub fn process(&self) -> Option<&Process> {
        self.process.as_ref()
    }

    fn image(&self) -> String {
        s(&self.spec, "/image")
    }

    fn is_running(&self) -> bool {
        matches!(self.state, CState::Running { .. })
    }

    /// Done for the init sequence: exited 0, or a sidecar that started.
    fn init_done(&self) -> bool {
        if self.sidecar {
            return self.started;
        }
        matches!(self.stage, Stage::Done) && matches!(self.state, CState::Terminated { exit_code: 0, .. })
    }

    fn push_logs(&mut self, lines: Vec<LogLine>) {
        self.logs.extend(lines);
        if self.logs.len() > MAX_LOG_LINES {
            let cut = self.logs.len() - MAX_LOG_LINES;
            self.logs.drain(..cut);
        }
    }

    fn wakeup(&self) -> Option<SimTime> {
        let stage_at = match &self.stage {
            Stage::Pending { at } => Some(*at),
            Stage::Pulling { done_at, .. } => Some(*done_at),
            Stage::PullBackOff { err_at, backoff_shown } => {
                let release = self.pull_backoff.release_since_update();
                if *backoff_shown {
                    release
                } else {
                    Some(err_at.add(RESYNC_DELAY))
                }
            }
            Stage::Blocked { retry_at } => Some(*retry_at),
            Stage::Running => self.process.as_ref().and_then(Process::next_wakeup),
            Stage::Exited { decide_at } => Some(*decide_at),
            Stage::CrashBackOff { release_at } => Some(*release_at),
            Stage::Killing { at, .. } => Some(*at),
            Stage::Done => None,
        };
        let probes = if matches!(self.stage, Stage::Running) {
            [
                self.probes.readiness_next,
                self.probes.liveness_next,
                self.probes.startup_next,
            ]
            .into_iter()
            .flatten()
            .min()
        } else {
            None
        };
        match (stage_at, probes) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

impl PodWorker {
    pub fn new(pod: &Value, now: SimTime, pod_ip: String) -> Self {
        let containers = list(pod, "/spec/initContainers")
            .iter()
            .map(|c| ContainerRt::new(c, true, now))
            .chain(
                list(pod, "/spec/containers")
                    .iter()
                    .map(|c| ContainerRt::new(c, false, now)),
            )
            .collect();
        let restart_policy = match s(pod, "/spec/restartPolicy").as_str() {
            "" => "Always".to_string(),
            p => p.to_string(),
        };
        let mut w = PodWorker {
            uid: s(pod, "/metadata/uid"),
            namespace: s(pod, "/metadata/namespace"),
            name: s(pod, "/metadata/name"),
            seen_at: now,
            sandbox_at: now.add(SANDBOX_DELAY),
            pod_ip,
            host_network: pod
                .pointer("/spec/hostNetwork")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            restart_policy,
            containers,
            conditions: BTreeMap::new(),
            terminating: None,
            terminal: None,
            last_status: None,
            deleted: false,
            grace_seconds: pod
                .pointer("/spec/terminationGracePeriodSeconds")
                .and_then(Value::as_i64)
                .unwrap_or(30),
            shared: BTreeMap::new(),
            volumes_mounted: false,
            mount_failures: 0,
            mount_retry_at: Some(now),
            sidecars_stop_by: None,
        };
        let has_init = w.containers.iter().any(|c| c.init);
        for c in &mut w.containers {
            if has_init {
                c.state = CState::Waiting {
                    reason: "PodInitializing".into(),
                    message: None,
                };
            }
            c.stage = Stage::Pending { at: w.sandbox_at };
        }
        w
    }

    /// `name_namespace(uid)` as the kubelet's format.Pod prints a pod.
    pub fn format_pod(&self) -> String {
        format!("{}_{}({})", self.name, self.namespace, self.uid)
    }

    pub fn container(&self, name: &str) -> Option<&ContainerRt> {
        self.containers.iter().find(|c| c.name == name)
    }

    /// The earliest time this worker has something to do.
    pub fn next_wakeup(&self) -> Option<SimTime> {
        if self.deleted {
            return None;
        }
        if let Some((_, deadline)) = self.terminating {
            return Some(deadline);
        }
        if self.terminal.is_some() {
            return None;
        }
        if !self.volumes_mounted {
            return self.mount_retry_at;
        }
        // Only containers that may act now: the init sequence up to the first unfinished
        // init container, then the app containers once initialized.
        let mut out: Option<SimTime> = None;
        let mut initialized = true;
        for c in &self.containers {
            if !c.init && !initialized {
                break;
            }
            if let Some(t) = c.wakeup() {
                out = Some(out.map_or(t, |o| o.min(t)));
            }
            if c.init && !c.init_done() {
                initialized = false;
            }
            if matches!(c.stage, Stage::Pulling { .. }) {
                break;
            }
        }
        out
    }

    /// Brings the worker up to `now` for the pod object `pod`.
    pub fn sync(
        &mut self,
        pod: &Value,
        now: SimTime,
        node: &NodeFacts<'_>,
        config: &mut dyn ConfigSource,
        rng: &mut sim::RngStreams,
    ) -> SyncOutput {
        let mut out = SyncOutput::default();
        if self.deleted {
            return out;
        }
        let deletion = !s(pod, "/metadata/deletionTimestamp").is_empty();
        if deletion {
            self.terminate(pod, now, &mut out);
            return out;
        }
        if self.terminal.is_some() {
            return out;
        }
        // Bounded: every pass either changes a stage or stops.
        for _ in 0..64 {
            if !self.pass(pod, now, node, config, rng, &mut out) {
                break;
            }
        }
        self.update_terminal();
        out
    }

    fn terminate(&mut self, pod: &Value, now: SimTime, out: &mut SyncOutput) {
        let grace = pod
            .pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(30)
            .max(0);
        if self.terminating.is_none() {
            let mut deadline = now;
            for c in &mut self.containers {
                if !c.is_running() {
                    continue;
                }
                out.events.push(PodEvent {
                    field_path: c.field_path(),
                    type_: "Normal",
                    reason: "Killing",
                    message: format!("Stopping container {}", c.name),
                });
                // Servers stop on SIGTERM at once; a shell as PID 1 ignores it until SIGKILL.
                let stops_fast =
                    c.process.as_ref().is_some_and(|p| p.server.is_some()) || c.image_kind == Some(ImageKind::Daemon);
                let stop_at = if stops_fast {
                    now
                } else {
                    now.add(Duration::from_secs(grace))
                };
                deadline = deadline.max(stop_at);
            }
            self.terminating = Some((now, deadline));
        }
        let Some((started, deadline)) = self.terminating else {
            return;
        };
        if now < deadline {
            return;
        }
        let grace_ms = Duration::from_secs(grace);
        for c in &mut self.containers {
            let CState::Running { started_at } = c.state else {
                continue;
            };
            let fast =
                c.process.as_ref().is_some_and(|p| p.server.is_some()) || c.image_kind == Some(ImageKind::Daemon);
            let (code, reason) = if fast || deadline.since(started) < grace_ms {
                (0, "Completed")
            } else {
                (137, "Error")
            };
            c.state = CState::Terminated {
                exit_code: code,
                reason: reason.into(),
                message: None,
                started_at,
                finished_at: deadline,
                container_id: c.container_id.clone(),
            };
            c.ready = false;
            c.started = false;
            c.stage = Stage::Done;
            c.process = None;
        }
        for c in &mut self.containers {
            if let CState::Waiting { .. } = c.state {
                c.stage = Stage::Done;
            }
        }
        self.update_terminal_after_kill();
        self.deleted = true;
        out.delete = true;
    }

    fn update_terminal_after_kill(&mut self) {
        let failed = self.containers.iter().filter(|c| !c.init).any(|c| match &c.state {
            CState::Terminated { exit_code, .. } => *exit_code != 0,
            _ => true,
        });
        self.terminal = Some(if failed { "Failed".into() } else { "Succeeded".into() });
    }

    /// One pass over the containers; true when something changed.
    fn pass(
        &mut self,
        pod: &Value,
        now: SimTime,
        node: &NodeFacts<'_>,
        config: &mut dyn ConfigSource,
        rng: &mut sim::RngStreams,
        out: &mut SyncOutput,
    ) -> bool {
        if !self.volumes_mounted {
            if self.mount_retry_at.is_some_and(|at| now < at) {
                return false;
            }
            let errs = crate::volumes::mount_errors(pod, config);
            if errs.is_empty() {
                self.volumes_mounted = true;
            } else {
                // WaitForAttachAndMount: the pod stays ContainerCreating; each failing volume
                // is reported and retried with backoff.
                for message in errs {
                    out.events.push(PodEvent {
                        field_path: String::new(),
                        type_: "Warning",
                        reason: "FailedMount",
                        message,
                    });
                }
                self.mount_failures = self.mount_failures.saturating_add(1);
                let retry = now.add(mount_backoff(self.mount_failures));
                self.mount_retry_at = Some(retry);
                self.sandbox_at = retry.add(SANDBOX_DELAY);
                for c in &mut self.containers {
                    if matches!(c.stage, Stage::Pending { .. }) {
                        c.stage = Stage::Pending { at: self.sandbox_at };
                    }
                }
                return true;
            }
        }
        if now < self.sandbox_at {
            return false;
        }
        let mut changed = false;
        // Processes run up to now; exits are noticed.
        for c in &mut self.containers {
            if let (Stage::Running, Some(p)) = (&c.stage, c.process.as_mut()) {
                let lines = p.run(now);
                let exit = p.exited().map(|code| (code, p.clock().min(now), p.oom_killed));
                let termination_log = p
                    .files
                    .get(&termination_path(&c.spec))
                    .filter(|m| !m.is_empty())
                    .cloned();
                c.push_logs(lines);
                if let Some((code, finished_at, oom)) = exit {
                    let CState::Running { started_at } = c.state else {
                        continue;
                    };
                    c.state = CState::Terminated {
                        exit_code: code,
                        reason: match (oom, code) {
                            (true, _) => "OOMKilled".into(),
                            (false, 0) => "Completed".into(),
                            _ => "Error".into(),
                        },
                        message: termination_message(&c.spec, termination_log, code, &c.logs),
                        started_at,
                        finished_at,
                        container_id: c.container_id.clone(),
                    };
                    c.ready = false;
                    c.started = false;
                    c.stage = Stage::Exited {
                        decide_at: finished_at.add(RESYNC_DELAY).min(now.add(RESYNC_DELAY)),
                    };
                    changed = true;
                }
            }
        }
        self.share_empty_dirs(pod, now);
        changed |= self.run_probes(now, out);
        // Init containers in order; regular containers once initialized.
        let pod_ip = self.pod_ip.clone();
        let mut blocked = false;
        let indices: Vec<usize> = (0..self.containers.len()).collect();
        let initialized = self.containers.iter().filter(|c| c.init).all(ContainerRt::init_done);
        for i in indices {
            let Some(c) = self.containers.get(i) else { continue };
            if !c.init && !initialized {
                break;
            }
            if blocked {
                break;
            }
            let format_pod = self.format_pod();
            let facts = PodFacts {
                pod,
                pod_ip: &pod_ip,
                restart_policy: &self.restart_policy,
                format_pod,
                shared: &self.shared,
            };
            let stopping = self.sidecars_stop_by.is_some();
            let Some(c) = self.containers.get_mut(i) else { continue };
            if stopping && c.sidecar && !matches!(c.stage, Stage::Running | Stage::Killing { .. } | Stage::Done) {
                // A stopped sidecar is not restarted once the pod's work is done.
                c.stage = Stage::Done;
                changed = true;
                continue;
            }
            let from = out.events.len();
            changed |= drive(c, now, &facts, node, config, rng, out);
            tag_container_events(out, from, c);
            // A pull in progress blocks later starts (SyncPod starts containers one by one);
            // a non-sidecar init container blocks the next until it has completed.
            let Some(c) = self.containers.get(i) else { continue };
            if matches!(c.stage, Stage::Pulling { .. }) || (c.init && !c.init_done()) {
                blocked = true;
            }
        }
        changed |= self.stop_sidecars(now, out);
        changed
    }

    /// Once every regular container of a restartPolicy Never/OnFailure pod has finished,
    /// the kubelet kills the pod's sidecars, last first: each gets SIGTERM when the one after
    /// it has stopped, and whatever still runs at the end of the grace period is killed.
    fn stop_sidecars(&mut self, now: SimTime, out: &mut SyncOutput) -> bool {
        if self.restart_policy == "Always" || !self.containers.iter().any(|c| c.sidecar) {
            return false;
        }
        let regular_done = self
            .containers
            .iter()
            .filter(|c| !c.init)
            .all(|c| matches!(c.stage, Stage::Done));
        if !regular_done {
            return false;
        }
        let deadline = *self
            .sidecars_stop_by
            .get_or_insert(now.add(Duration::from_secs(self.grace_seconds.max(0))));
        let mut changed = false;
        for c in self.containers.iter_mut().rev().filter(|c| c.sidecar) {
            match c.stage {
                Stage::Done => continue,
                Stage::Killing { .. } => break,
                Stage::Running => {
                    out.events.push(PodEvent {
                        field_path: c.field_path(),
                        type_: "Normal",
                        reason: "Killing",
                        message: format!("Stopping container {}", c.name),
                    });
                    // Servers stop on SIGTERM at once; a shell as PID 1 ignores it until SIGKILL.
                    let fast = c.process.as_ref().is_some_and(|p| p.server.is_some())
                        || c.image_kind == Some(ImageKind::Daemon);
                    c.stage = if fast {
                        Stage::Killing { at: now, exit_code: 0 }
                    } else {
                        Stage::Killing {
                            at: deadline.max(now),
                            exit_code: 137,
                        }
                    };
                    changed = true;
                    break;
                }
                _ => {
                    c.stage = Stage::Done;
                    changed = true;
                }
            }
        }
        changed
    }

    /// Mirrors emptyDir files between the containers that mount the volume (what one writes,
    /// the others read), then lets `tail -f` followers print what was appended.
    fn share_empty_dirs(&mut self, pod: &Value, now: SimTime) {
        let mounts: Vec<Vec<(String, String)>> =
            self.containers.iter().map(|c| empty_dir_mounts(pod, &c.spec)).collect();
        if mounts.iter().all(Vec::is_empty) {
            return;
        }
        let volumes: BTreeSet<String> = mounts.iter().flatten().map(|(v, _)| v.clone()).collect();
        for vol in volumes {
            let before = self.shared.get(&vol).cloned().unwrap_or_default();
            let mut merged = before.clone();
            for (c, ms) in self.containers.iter().zip(&mounts) {
                let Some(p) = c.process.as_ref() else { continue };
                for (_, mount) in ms.iter().filter(|(v, _)| *v == vol) {
                    let prefix = format!("{mount}/");
                    let view: BTreeMap<String, String> = p
                        .files
                        .iter()
                        .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|r| (r.to_string(), v.clone())))
                        .filter(|(r, _)| r != ".")
                        .collect();
                    for (rel, content) in &view {
                        if before.get(rel) != Some(content) {
                            merged.insert(rel.clone(), content.clone());
                        }
                    }
                    for rel in before.keys() {
                        if !view.contains_key(rel) {
                            merged.remove(rel);
                        }
                    }
                }
            }
            for (c, ms) in self.containers.iter_mut().zip(&mounts) {
                let Some(p) = c.process.as_mut() else { continue };
                for (_, mount) in ms.iter().filter(|(v, _)| *v == vol) {
                    let prefix = format!("{mount}/");
                    p.files.retain(|k, _| !k.starts_with(&prefix) || k.ends_with("/."));
                    for (rel, content) in &merged {
                        p.files.insert(format!("{prefix}{rel}"), content.clone());
                    }
                }
            }
            self.shared.insert(vol, merged);
        }
        for c in &mut self.containers {
            if let Some(p) = c.process.as_mut().filter(|p| p.is_tailing()) {
                let lines = p.run(now);
                c.push_logs(lines);
            }
        }
    }

    fn run_probes(&mut self, now: SimTime, out: &mut SyncOutput) -> bool {
        let mut changed = false;
        let pod_ip = if self.host_network {
            String::new()
        } else {
            self.pod_ip.clone()
        };
        for c in &mut self.containers {
            if !matches!(c.stage, Stage::Running) {
                continue;
            }
            let CState::Running { started_at } = c.state else {
                continue;
            };
            let _ = started_at;
            let pod_grace = self.grace_seconds;
            let from = out.events.len();
            changed |= crate::probes::run(c, &pod_ip, now, out, &mut |c, probe_grace| {
                // Liveness failure: the container is stopped, then restarted.
                let fast =
                    c.process.as_ref().is_some_and(|p| p.server.is_some()) || c.image_kind == Some(ImageKind::Daemon);
                let grace = probe_grace.unwrap_or(pod_grace).max(0);
                c.ready = false;
                c.stage = if fast {
                    Stage::Killing { at: now, exit_code: 0 }
                } else {
                    Stage::Killing {
                        at: now.add(Duration::from_secs(grace)),
                        exit_code: 137,
                    }
                };
            });
            tag_container_events(out, from, c);
        }
        changed
    }

    fn update_terminal(&mut self) {
        if self.terminal.is_some() {
            return;
        }
        if let Some(phase) = self.phase_if_terminal() {
            self.terminal = Some(phase);
        }
    }

    fn phase_if_terminal(&self) -> Option<String> {
        let regular: Vec<&ContainerRt> = self.containers.iter().filter(|c| !c.init).collect();
        // A failed init container under restartPolicy Never fails the pod.
        if self.restart_policy == "Never"
            && self.containers.iter().filter(|c| c.init && !c.sidecar).any(|c| {
                matches!(c.stage, Stage::Done)
                    && matches!(c.state, CState::Terminated { exit_code, .. } if exit_code != 0)
            })
        {
            return Some("Failed".into());
        }
        if regular.is_empty() || !regular.iter().all(|c| matches!(c.stage, Stage::Done)) {
            return None;
        }
        // The pod stays Running while its sidecars are being stopped.
        if self
            .containers
            .iter()
            .any(|c| c.sidecar && !matches!(c.stage, Stage::Done))
        {
            return None;
        }
        let all_ok = regular
            .iter()
            .all(|c| matches!(c.state, CState::Terminated { exit_code: 0, .. }));
        Some(if all_ok { "Succeeded".into() } else { "Failed".into() })
    }

    /// Init containers the pod still waits for. Once a regular container has been created the
    /// pod has initialized, and a sidecar stopping or restarting does not undo that.
    fn pending_init(&self) -> impl Iterator<Item = &ContainerRt> {
        let initialized = self.containers.iter().any(|c| !c.init && !c.container_id.is_empty());
        self.containers
            .iter()
            .filter(move |c| c.init && !c.init_done() && !(initialized && c.sidecar))
    }

    /// `getPhase` (kubelet_pods.go).
    pub fn phase(&self) -> &str {
        if let Some(t) = &self.terminal {
            return t;
        }
        let pending_init = self.pending_init().next().is_some();
        if pending_init {
            return "Pending";
        }
        let (mut waiting, mut running, mut stopped, mut succeeded) = (0, 0, 0, 0);
        for c in self.containers.iter().filter(|c| !c.init || c.sidecar) {
            // A sidecar that has stopped does not count towards the phase (getPhase).
            if c.sidecar && (matches!(c.state, CState::Terminated { .. }) || c.last_state.is_some()) && !c.is_running()
            {
                continue;
            }
            match &c.state {
                CState::Running { .. } => running += 1,
                CState::Terminated { exit_code, .. } => {
                    stopped += 1;
                    if *exit_code == 0 && !c.sidecar {
                        succeeded += 1;
                    }
                }
                CState::Waiting { .. } => {
                    if c.last_state.is_some() {
                        stopped += 1
                    } else {
                        waiting += 1
                    }
                }
            }
        }
        if waiting > 0 {
            "Pending"
        } else if running > 0 {
            "Running"
        } else if stopped > 0 {
            // Everything has stopped: a pod that is not restarted is done, successfully only
            // when every container exited 0 (never Failed on the way to Succeeded).
            match self.restart_policy.as_str() {
                "Always" => "Running",
                _ if stopped == succeeded => "Succeeded",
                "Never" => "Failed",
                _ => "Running",
            }
        } else {
            "Pending"
        }
    }

    /// The pod status as the kubelet writes it, merged with `current` (the stored pod) for
    /// what the kubelet does not own (PodScheduled, qosClass, nominatedNodeName).
    pub fn status(&mut self, current: &Value, now: SimTime, node_ip: &str) -> Value {
        let phase = self.phase().to_string();
        let generation = current
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let terminal = phase == "Succeeded" || phase == "Failed";
        let sandbox_ready = now >= self.sandbox_at && !terminal;
        let init_names: Vec<String> = self.pending_init().map(|c| c.name.clone()).collect();
        let unready: Vec<String> = self
            .containers
            .iter()
            .filter(|c| !c.init || c.sidecar)
            .filter(|c| !(c.ready && (c.is_running())))
            .map(|c| c.name.clone())
            .collect();
        let mut conds = Vec::new();
        let mut cond = |w: &mut Self, ty: &str, ok: bool, reason: Option<&str>, message: Option<String>| {
            let status = if ok { "True" } else { "False" };
            let entry = w.conditions.entry(ty.to_string()).or_insert((status.to_string(), now));
            if entry.0 != status {
                *entry = (status.to_string(), now);
            }
            let mut c =
                json!({"type": ty, "status": status, "lastProbeTime": null, "lastTransitionTime": rfc(entry.1)});
            // PodObservedGenerationTracking (GA in 1.35): the pod's generation.
            if generation > 0 {
                c["observedGeneration"] = json!(generation);
            }
            if let Some(r) = reason {
                c["reason"] = json!(r);
            }
            if let Some(m) = message {
                c["message"] = json!(m);
            }
            conds.push(c);
        };
        cond(self, "PodReadyToStartContainers", sandbox_ready, None, None);
        if init_names.is_empty() {
            let reason = if phase == "Succeeded" && self.containers.iter().any(|c| c.init) {
                Some("PodCompleted")
            } else {
                None
            };
            cond(self, "Initialized", true, reason, None);
        } else {
            cond(
                self,
                "Initialized",
                false,
                Some("ContainersNotInitialized"),
                Some(format!("containers with incomplete status: [{}]", init_names.join(" "))),
            );
        }
        let (ready_reason, ready_msg) = if phase == "Succeeded" {
            (Some("PodCompleted"), None)
        } else if unready.is_empty() {
            (None, None)
        } else {
            (
                Some("ContainersNotReady"),
                Some(format!("containers with unready status: [{}]", unready.join(" "))),
            )
        };
        let ready = unready.is_empty() && !terminal;
        cond(self, "Ready", ready, ready_reason, ready_msg.clone());
        cond(self, "ContainersReady", ready, ready_reason, ready_msg);
        if let Some(scheduled) = list(current, "/status/conditions")
            .iter()
            .find(|c| s(c, "/type") == "PodScheduled")
        {
            conds.push(scheduled.clone());
        }
        // Conditions other writers own (DisruptionTarget, readiness gates) are kept.
        for c in list(current, "/status/conditions") {
            let ty = s(&c, "/type");
            if !matches!(
                ty.as_str(),
                "PodReadyToStartContainers" | "Initialized" | "Ready" | "ContainersReady" | "PodScheduled"
            ) {
                conds.push(c.clone());
            }
        }
        let ip = if self.host_network {
            node_ip.to_string()
        } else {
            self.pod_ip.clone()
        };
        let mut status = Map::new();
        status.insert("conditions".into(), Value::Array(conds));
        let statuses = |init: bool| -> Vec<Value> {
            self.containers
                .iter()
                .filter(|c| c.init == init)
                .map(container_status)
                .collect()
        };
        status.insert("containerStatuses".into(), Value::Array(statuses(false)));
        if self.containers.iter().any(|c| c.init) {
            status.insert("initContainerStatuses".into(), Value::Array(statuses(true)));
        }
        status.insert("hostIP".into(), json!(node_ip));
        if generation > 0 {
            status.insert("observedGeneration".into(), json!(generation));
        }
        status.insert("hostIPs".into(), json!([{"ip": node_ip}]));
        status.insert("phase".into(), json!(phase));
        if now >= self.sandbox_at && !ip.is_empty() {
            status.insert("podIP".into(), json!(ip));
            status.insert("podIPs".into(), json!([{"ip": ip}]));
        }
        let qos = s(current, "/status/qosClass");
        status.insert(
            "qosClass".into(),
            json!(if qos.is_empty() { "BestEffort".to_string() } else { qos }),
        );
        status.insert("startTime".into(), json!(rfc(self.seen_at)));
        if let Some(n) = current.pointer("/status/nominatedNodeName") {
            status.insert("nominatedNodeName".into(), n.clone());
        }
        Value::Object(status)
    }
}

pub(crate) struct PodFacts<'a> {
    pub(crate) pod: &'a Value,
    pub(crate) pod_ip: &'a str,
    pub(crate) restart_policy: &'a str,
    pub(crate) format_pod: String,
    pub(crate) shared: &'a BTreeMap<String, BTreeMap<String, String>>,
}

/// The Localhost AppArmor profile the container runs with: its own securityContext's, else
/// the pod's, else the deprecated `container.apparmor.security.beta.kubernetes.io/<name>`
/// annotation's `localhost/<profile>`.
fn localhost_apparmor_profile(c: &ContainerRt, pod: &Value) -> Option<String> {
    let own = c
        .spec
        .pointer("/securityContext/appArmorProfile")
        .filter(|p| p.is_object());
    let pod_level = pod
        .pointer("/spec/securityContext/appArmorProfile")
        .filter(|p| p.is_object());
    if let Some(p) = own.or(pod_level) {
        return (s(p, "/type") == "Localhost").then(|| s(p, "/localhostProfile"));
    }
    let key = format!("container.apparmor.security.beta.kubernetes.io~1{}", c.name);
    let ann = pod
        .pointer(&format!("/metadata/annotations/{key}"))
        .and_then(Value::as_str)?;
    ann.strip_prefix("localhost/").map(String::from)
}

/// spec.terminationMessagePath (default /dev/termination-log).
fn termination_path(spec: &Value) -> String {
    match s(spec, "/terminationMessagePath") {
        p if p.is_empty() => "/dev/termination-log".to_string(),
        p => p,
    }
}

/// The terminated state's message: the termination-log file, or with
/// `FallbackToLogsOnError` the tail of the logs of a failed container (80 lines, 2048 bytes).
fn termination_message(spec: &Value, file: Option<String>, code: i32, logs: &[LogLine]) -> Option<String> {
    if let Some(m) = file {
        return Some(m);
    }
    if code == 0 || s(spec, "/terminationMessagePolicy") != "FallbackToLogsOnError" || logs.is_empty() {
        return None;
    }
    let from = logs.len().saturating_sub(80);
    let mut text: String = logs.iter().skip(from).map(|l| format!("{}\n", l.text)).collect();
    while text.len() > 2048 {
        let cut = text.char_indices().nth(1).map(|(i, _)| i).unwrap_or(text.len());
        text.drain(..cut);
    }
    Some(text)
}

/// (volume, mountPath) of the container's emptyDir mounts.
fn empty_dir_mounts(pod: &Value, spec: &Value) -> Vec<(String, String)> {
    let volumes = list(pod, "/spec/volumes");
    list(spec, "/volumeMounts")
        .iter()
        .filter(|m| s(m, "/subPath").is_empty())
        .filter_map(|m| {
            let name = s(m, "/name");
            volumes
                .iter()
                .any(|v| s(v, "/name") == name && v.get("emptyDir").is_some())
                .then(|| (name, s(m, "/mountPath").trim_end_matches('/').to_string()))
        })
        .collect()
}

pub(crate) fn list(v: &Value, ptr: &str) -> Vec<Value> {
    v.pointer(ptr).and_then(Value::as_array).cloned().unwrap_or_default()
}

fn state_json(st: &CState) -> Value {
    match st {
        CState::Waiting { reason, message } => {
            let mut w = json!({"reason": reason});
            if let Some(m) = message {
                w["message"] = json!(m);
            }
            json!({"waiting": w})
        }
        CState::Running { started_at } => json!({"running": {"startedAt": rfc(*started_at)}}),
        CState::Terminated {
            exit_code,
            reason,
            message,
            started_at,
            finished_at,
            container_id,
        } => {
            let mut t = json!({
                "containerID": container_id,
                "exitCode": exit_code,
                "finishedAt": rfc(*finished_at),
                "reason": reason,
                "startedAt": rfc(*started_at),
            });
            if let Some(m) = message {
                t["message"] = json!(m);
            }
            json!({"terminated": t})
        }
    }
}

fn container_status(c: &ContainerRt) -> Value {
    let created = !c.container_id.is_empty();
    let mut st = json!({
        "image": if c.image_ref.is_empty() { c.image() } else { c.image_ref.clone() },
        "imageID": c.image_id,
        "lastState": c.last_state.as_ref().map(state_json).unwrap_or_else(|| json!({})),
        "name": c.name,
        "ready": c.ready,
        "restartCount": c.restart_count,
        "started": c.started,
        "state": state_json(&c.state),
    });
    if created {
        st["containerID"] = json!(c.container_id);
        st["user"] = json!({"linux": {"gid": 0, "supplementalGroups": [0], "uid": 0}});
        let mounts: Vec<Value> = list(&c.spec, "/volumeMounts")
            .iter()
            .map(|m| {
                let mut v = json!({"mountPath": s(m, "/mountPath"), "name": s(m, "/name")});
                if m.get("readOnly").and_then(Value::as_bool) == Some(true) {
                    v["readOnly"] = json!(true);
                    v["recursiveReadOnly"] = json!("Disabled");
                }
                v
            })
            .collect();
        if !mounts.is_empty() {
            st["volumeMounts"] = Value::Array(mounts);
        }
        if let Some(res) = c
            .spec
            .get("resources")
            .filter(|r| r.as_object().is_some_and(|o| !o.is_empty()))
        {
            if let Some(req) = res.get("requests") {
                st["allocatedResources"] = req.clone();
            }
            st["resources"] = res.clone();
        }
    }
    if c.sidecar || !c.init {
        // `started` is reported for every container; init containers report it too.
    }
    st
}

fn random_hex(rng: &mut sim::RngStreams, n_bytes: usize) -> String {
    let mut buf = vec![0u8; n_bytes];
    rng.fill_bytes("kubelet", &mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Advances one container; true when its stage changed.
fn drive(
    c: &mut ContainerRt,
    now: SimTime,
    pod: &PodFacts<'_>,
    node: &NodeFacts<'_>,
    config: &mut dyn ConfigSource,
    rng: &mut sim::RngStreams,
    out: &mut SyncOutput,
) -> bool {
    match c.stage.clone() {
        Stage::Pending { at } if now >= at => {
            ensure_image(c, now, node, out);
            if matches!(c.stage, Stage::Pending { .. }) {
                start(c, now, pod, node, config, rng, out);
            }
            true
        }
        Stage::Pulling {
            done_at,
            failed,
            started,
        } if now >= done_at => {
            match failed {
                Some(err) => {
                    let image = c.image();
                    out.events.push(PodEvent {
                        field_path: String::new(),
                        type_: "Warning",
                        reason: "Failed",
                        message: format!("Failed to pull image \"{image}\": {err}"),
                    });
                    out.events.push(PodEvent {
                        field_path: String::new(),
                        type_: "Warning",
                        reason: "Failed",
                        message: "Error: ErrImagePull".into(),
                    });
                    c.pull_backoff.next(done_at);
                    c.prev_pull_err = Some(format!("ErrImagePull: {err}"));
                    retire_terminated(c);
                    c.state = CState::Waiting {
                        reason: "ErrImagePull".into(),
                        message: Some(err),
                    };
                    c.stage = Stage::PullBackOff {
                        err_at: done_at,
                        backoff_shown: false,
                    };
                }
                None => {
                    if let PullOutcome::Found(info) = images::lookup(&c.image()) {
                        let ms = done_at.since(started).as_millis();
                        out.events.push(PodEvent {
                            field_path: String::new(),
                            type_: "Normal",
                            reason: "Pulled",
                            message: format!(
                                "Successfully pulled image \"{}\" in {} ({} including waiting). Image size: {} bytes.",
                                c.image(),
                                go_duration(ms),
                                go_duration(ms),
                                info.size_bytes
                            ),
                        });
                        adopt_image(c, &info);
                        out.pulled.push(info);
                    }
                    c.stage = Stage::Pending { at: now };
                    start(c, now, pod, node, config, rng, out);
                }
            }
            true
        }
        Stage::PullBackOff { err_at, backoff_shown } => {
            if !c.pull_backoff.in_backoff_since_update(now) {
                c.stage = Stage::Pending { at: now };
                drive(c, now, pod, node, config, rng, out);
                return true;
            }
            if !backoff_shown && now >= err_at.add(RESYNC_DELAY) {
                let image = c.image();
                let msg = format!("Back-off pulling image \"{image}\"");
                out.events.push(PodEvent {
                    field_path: String::new(),
                    type_: "Normal",
                    reason: "BackOff",
                    message: msg.clone(),
                });
                out.events.push(PodEvent {
                    field_path: String::new(),
                    type_: "Warning",
                    reason: "Failed",
                    message: "Error: ImagePullBackOff".into(),
                });
                let full = match &c.prev_pull_err {
                    Some(e) => format!("{msg}: {e}"),
                    None => msg,
                };
                retire_terminated(c);
                c.state = CState::Waiting {
                    reason: "ImagePullBackOff".into(),
                    message: Some(full),
                };
                c.stage = Stage::PullBackOff {
                    err_at,
                    backoff_shown: true,
                };
                return true;
            }
            false
        }
        Stage::Blocked { retry_at } if now >= retry_at => {
            c.stage = Stage::Pending { at: now };
            ensure_image(c, now, node, out);
            if matches!(c.stage, Stage::Pending { .. }) {
                start(c, now, pod, node, config, rng, out);
            }
            true
        }
        Stage::Exited { decide_at } if now >= decide_at => {
            let CState::Terminated {
                exit_code, finished_at, ..
            } = c.state.clone()
            else {
                c.stage = Stage::Done;
                return true;
            };
            let restart = if c.sidecar {
                true
            } else {
                match pod.restart_policy {
                    "Always" => !c.init || exit_code != 0,
                    "OnFailure" => exit_code != 0,
                    _ => false,
                }
            };
            if !restart {
                c.stage = Stage::Done;
                return true;
            }
            if c.crash_backoff.in_backoff_since(finished_at, now) {
                let delay = c.crash_backoff.get();
                out.events.push(PodEvent {
                    field_path: String::new(),
                    type_: "Warning",
                    reason: "BackOff",
                    message: format!(
                        "Back-off restarting failed container {} in pod {}",
                        c.name, pod.format_pod
                    ),
                });
                retire_terminated(c);
                c.state = CState::Waiting {
                    reason: "CrashLoopBackOff".into(),
                    message: Some(format!(
                        "back-off {} restarting failed container={} pod={}",
                        go_duration(delay.as_millis()),
                        c.name,
                        pod.format_pod
                    )),
                };
                c.stage = Stage::CrashBackOff {
                    release_at: c.crash_backoff.release_since(finished_at),
                };
                return true;
            }
            c.crash_backoff.next(finished_at);
            restart_now(c, now, pod, node, config, rng, out);
            true
        }
        Stage::Killing { at, exit_code } if now >= at => {
            let started_at = match c.state {
                CState::Running { started_at } => started_at,
                _ => at,
            };
            c.state = CState::Terminated {
                exit_code,
                reason: if exit_code == 0 {
                    "Completed".into()
                } else {
                    "Error".into()
                },
                message: None,
                started_at,
                finished_at: at,
                container_id: c.container_id.clone(),
            };
            c.started = false;
            c.process = None;
            c.stage = Stage::Exited {
                decide_at: at.add(RESYNC_DELAY),
            };
            true
        }
        Stage::CrashBackOff { release_at } if now >= release_at => {
            if let CState::Terminated { finished_at, .. } =
                c.last_state.clone().unwrap_or(CState::Running { started_at: now })
            {
                c.crash_backoff.next(finished_at);
            }
            restart_now(c, now, pod, node, config, rng, out);
            true
        }
        _ => false,
    }
}

fn restart_now(
    c: &mut ContainerRt,
    now: SimTime,
    pod: &PodFacts<'_>,
    node: &NodeFacts<'_>,
    config: &mut dyn ConfigSource,
    rng: &mut sim::RngStreams,
    out: &mut SyncOutput,
) {
    c.restart_pending = true;
    c.stage = Stage::Pending { at: now };
    ensure_image(c, now, node, out);
    if matches!(c.stage, Stage::Pending { .. }) {
        start(c, now, pod, node, config, rng, out);
    }
}

/// A terminated container replaced by a waiting one becomes lastState (as the kubelet reports
/// the most recent dead container).
fn retire_terminated(c: &mut ContainerRt) {
    if let CState::Terminated { .. } = c.state {
        c.last_state = Some(c.state.clone());
    }
}

fn adopt_image(c: &mut ContainerRt, info: &ImageInfo) {
    c.image_ref = info.reference.clone();
    c.image_id = info.image_id();
    c.image_kind = Some(info.kind);
    c.image_version = info.version.clone();
}

/// EnsureImageExists: leaves the stage Pending when the image is ready to use.
fn ensure_image(c: &mut ContainerRt, now: SimTime, node: &NodeFacts<'_>, out: &mut SyncOutput) {
    let image = c.image();
    let normalised = images::ImageRef::parse(&image).map(|r| r.full());
    let present = normalised.as_ref().ok().and_then(|n| node.images.get(n)).cloned();
    let tag_latest = normalised.as_ref().is_ok_and(|n| n.ends_with(":latest"));
    let policy = match s(&c.spec, "/imagePullPolicy").as_str() {
        "" if tag_latest => "Always".to_string(),
        "" => "IfNotPresent".to_string(),
        p => p.to_string(),
    };
    if let Err(e) = normalised {
        let msg = format!("Failed to apply default image tag \"{image}\": couldn't parse image name \"{image}\": {e}");
        out.events.push(PodEvent {
            field_path: String::new(),
            type_: "Warning",
            reason: "InspectFailed",
            message: msg.clone(),
        });
        out.events.push(PodEvent {
            field_path: String::new(),
            type_: "Warning",
            reason: "Failed",
            message: "Error: InvalidImageName".into(),
        });
        retire_terminated(c);
        c.state = CState::Waiting {
            reason: "InvalidImageName".into(),
            message: Some(msg),
        };
        c.stage = Stage::Blocked {
            retry_at: now.add(CONFIG_RETRY),
        };
        return;
    }
    if policy != "Always" {
        if let Some(info) = present {
            out.events.push(PodEvent {
                field_path: String::new(),
                type_: "Normal",
                reason: "Pulled",
                message: format!(
                    "Container image \"{image}\" already present on machine and can be accessed by the pod"
                ),
            });
            adopt_image(c, &info);
            return;
        }
        if policy == "Never" {
            let msg = format!("Container image \"{image}\" is not present with pull policy of Never");
            out.events.push(PodEvent {
                field_path: String::new(),
                type_: "Warning",
                reason: "ErrImageNeverPull",
                message: msg.clone(),
            });
            out.events.push(PodEvent {
                field_path: String::new(),
                type_: "Warning",
                reason: "Failed",
                message: "Error: ErrImageNeverPull".into(),
            });
            retire_terminated(c);
            c.state = CState::Waiting {
                reason: "ErrImageNeverPull".into(),
                message: Some(msg),
            };
            c.stage = Stage::Blocked {
                retry_at: now.add(CONFIG_RETRY),
            };
            return;
        }
    }
    if c.pull_backoff.in_backoff_since_update(now) {
        c.stage = Stage::PullBackOff {
            err_at: now.add(Duration::from_millis(-RESYNC_DELAY.as_millis())),
            backoff_shown: false,
        };
        return;
    }
    out.events.push(PodEvent {
        field_path: String::new(),
        type_: "Normal",
        reason: "Pulling",
        message: format!("Pulling image \"{image}\""),
    });
    let (done_at, failed) = match images::lookup(&image) {
        // Layers already on the node: only the manifest is fetched again.
        PullOutcome::Found(info) if present.is_some() => {
            (now.add(Duration::from_millis(450 + info.size_bytes / 1_000_000)), None)
        }
        PullOutcome::Found(info) => (now.add(Duration::from_millis(info.pull_millis())), None),
        PullOutcome::Failed(err) => (now.add(FAILED_PULL_DELAY), Some(err)),
    };
    c.stage = Stage::Pulling {
        done_at,
        failed,
        started: now,
    };
}

/// A container that could not be created: a Warning `Failed` event, and the container waits
/// with `reason` until the kubelet retries.
fn creation_failed(c: &mut ContainerRt, now: SimTime, out: &mut SyncOutput, reason: &str, msg: String) {
    out.events.push(PodEvent {
        field_path: String::new(),
        type_: "Warning",
        reason: "Failed",
        message: format!("Error: {msg}"),
    });
    retire_terminated(c);
    c.state = CState::Waiting {
        reason: reason.into(),
        message: Some(msg),
    };
    c.stage = Stage::Blocked {
        retry_at: now.add(CONFIG_RETRY),
    };
}

/// CreateContainer + StartContainer.
fn start(
    c: &mut ContainerRt,
    now: SimTime,
    pod: &PodFacts<'_>,
    node: &NodeFacts<'_>,
    config: &mut dyn ConfigSource,
    rng: &mut sim::RngStreams,
    out: &mut SyncOutput,
) {
    let env = match container_env(c, pod, node, config) {
        Ok(e) => e,
        Err(msg) => return creation_failed(c, now, out, "CreateContainerConfigError", msg),
    };
    // CreateContainer: containerd cannot apply a Localhost AppArmor profile the node has not
    // loaded (no profile is loaded on the simulated nodes).
    if let Some(profile) = localhost_apparmor_profile(c, pod.pod) {
        let msg = format!(
            "failed to get container spec opts: failed to generate apparmor spec opts: apparmor profile not found {profile}"
        );
        return creation_failed(c, now, out, "CreateContainerError", msg);
    }
    let mut files = crate::volumes::volume_files(c, pod, config);
    let info = images::lookup(&c.image());
    let (kind, entrypoint, cmd) = match &info {
        PullOutcome::Found(i) => (i.kind, i.entrypoint.clone(), i.cmd.clone()),
        PullOutcome::Failed(_) => (ImageKind::Shell, Vec::new(), vec!["sh".to_string()]),
    };
    let strings = |ptr: &str| -> Option<Vec<String>> {
        c.spec.pointer(ptr).and_then(Value::as_array).map(|a| {
            a.iter()
                .map(|x| expand_kube_vars(x.as_str().unwrap_or(""), &env))
                .collect()
        })
    };
    let command = strings("/command");
    let args = strings("/args");
    let argv: Vec<String> = match (command, args) {
        (Some(cmd), Some(args)) => cmd.into_iter().chain(args).collect(),
        (Some(cmd), None) => cmd,
        (None, Some(args)) => entrypoint.into_iter().chain(args).collect(),
        (None, None) => entrypoint.into_iter().chain(cmd).collect(),
    };
    let flavor = match c.image_ref.as_str() {
        r if r.contains("/library/busybox:")
            || r.contains("/library/alpine:")
            || r.contains("-alpine")
            || r.ends_with(":alpine") =>
        {
            Flavor::Busybox
        }
        _ => Flavor::Gnu,
    };
    if !node.machine_id.is_empty() {
        files
            .entry("/etc/machine-id".into())
            .or_insert_with(|| format!("{}\n", node.machine_id));
    }
    for (vol, mount) in empty_dir_mounts(pod.pod, &c.spec) {
        for (rel, content) in pod.shared.get(&vol).into_iter().flatten() {
            files.insert(format!("{mount}/{rel}"), content.clone());
        }
    }
    if !pod
        .pod
        .pointer("/spec/hostNetwork")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        files.entry("/etc/hosts".into()).or_insert_with(|| {
            format!(
                "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n{}\t{}\n",
                pod.pod_ip,
                s(pod.pod, "/metadata/name")
            )
        });
        let ns = s(pod.pod, "/metadata/namespace");
        files.entry("/etc/resolv.conf".into()).or_insert_with(|| {
            format!("search {ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n")
        });
    }
    let ctx = StartContext {
        env: env.clone(),
        hostname: s(pod.pod, "/metadata/name"),
        files,
        stdin: c.spec.get("stdin").and_then(Value::as_bool).unwrap_or(false),
        memory_limit: c
            .spec
            .pointer("/resources/limits/memory")
            .and_then(apimachinery::Quantity::from_json)
            .and_then(Result::ok)
            .map(|q| q.value()),
    };
    if c.restart_pending {
        retire_terminated(c);
        c.restart_count = c.restart_count.saturating_add(1);
        c.previous_logs = std::mem::take(&mut c.logs);
        c.restart_pending = false;
    }
    c.container_id = format!("containerd://{}", random_hex(rng, 32));
    out.events.push(PodEvent {
        field_path: String::new(),
        type_: "Normal",
        reason: "Created",
        message: format!("Created container: {}", c.name),
    });
    match Process::start(&argv, kind, flavor, &c.image_version, &ctx, now) {
        Ok(mut p) => {
            out.events.push(PodEvent {
                field_path: String::new(),
                type_: "Normal",
                reason: "Started",
                message: format!("Started container {}", c.name),
            });
            let lines = p.run(now);
            c.push_logs(lines);
            c.process = Some(p);
            c.state = CState::Running { started_at: now };
            c.stage = Stage::Running;
            let has_startup = c.spec.get("startupProbe").is_some();
            c.started = !has_startup;
            c.ready = !has_startup && c.spec.get("readinessProbe").is_none();
            crate::probes::schedule_initial(c, now);
            // An instant exit is noticed by the next pass.
            if let Some(p) = &c.process {
                if p.exited().is_some() {
                    c.ready = false;
                }
            }
        }
        Err(e) => {
            out.events.push(PodEvent {
                field_path: String::new(),
                type_: "Warning",
                reason: "Failed",
                message: format!("Error: {}", e.message),
            });
            c.state = CState::Terminated {
                exit_code: 128,
                reason: "StartError".into(),
                message: Some(e.message),
                started_at: SimTime(0),
                finished_at: now,
                container_id: c.container_id.clone(),
            };
            c.started = false;
            c.ready = false;
            c.stage = Stage::Exited {
                decide_at: now.add(RESYNC_DELAY),
            };
        }
    }
}

/// makeEnvironmentVariables: image env, envFrom, env (with valueFrom), service links.
fn container_env(
    c: &ContainerRt,
    pod: &PodFacts<'_>,
    node: &NodeFacts<'_>,
    config: &mut dyn ConfigSource,
) -> Result<Vec<(String, String)>, String> {
    let ns = s(pod.pod, "/metadata/namespace");
    let mut env: Vec<(String, String)> = vec![
        (
            "PATH".into(),
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into(),
        ),
        ("HOSTNAME".into(), s(pod.pod, "/metadata/name")),
    ];
    let set = |env: &mut Vec<(String, String)>, k: String, v: String| {
        env.retain(|(n, _)| *n != k);
        env.push((k, v));
    };
    for from in list(&c.spec, "/envFrom") {
        let prefix = s(&from, "/prefix");
        let optional = |p: &str| from.pointer(p).and_then(Value::as_bool).unwrap_or(false);
        if let Some(name) = from.pointer("/configMapRef/name").and_then(Value::as_str) {
            match config.config_map(&ns, name) {
                Some(data) => data
                    .into_iter()
                    .for_each(|(k, v)| set(&mut env, format!("{prefix}{k}"), v)),
                None if optional("/configMapRef/optional") => {}
                None => return Err(format!("configmap \"{name}\" not found")),
            }
        }
        if let Some(name) = from.pointer("/secretRef/name").and_then(Value::as_str) {
            match config.secret(&ns, name) {
                Some(data) => data
                    .into_iter()
                    .for_each(|(k, v)| set(&mut env, format!("{prefix}{k}"), v)),
                None if optional("/secretRef/optional") => {}
                None => return Err(format!("secret \"{name}\" not found")),
            }
        }
    }
    for e in list(&c.spec, "/env") {
        let name = s(&e, "/name");
        let value = if let Some(v) = e.get("value").and_then(Value::as_str) {
            expand_kube_vars(v, &env)
        } else if let Some(r) = e.pointer("/valueFrom/configMapKeyRef") {
            let (cm, key) = (s(r, "/name"), s(r, "/key"));
            let optional = r.get("optional").and_then(Value::as_bool).unwrap_or(false);
            match config.config_map(&ns, &cm) {
                Some(data) => match data.get(&key) {
                    Some(v) => v.clone(),
                    None if optional => continue,
                    None => return Err(format!("couldn't find key {key} in ConfigMap {ns}/{cm}")),
                },
                None if optional => continue,
                None => return Err(format!("configmap \"{cm}\" not found")),
            }
        } else if let Some(r) = e.pointer("/valueFrom/secretKeyRef") {
            let (sec, key) = (s(r, "/name"), s(r, "/key"));
            let optional = r.get("optional").and_then(Value::as_bool).unwrap_or(false);
            match config.secret(&ns, &sec) {
                Some(data) => match data.get(&key) {
                    Some(v) => v.clone(),
                    None if optional => continue,
                    None => return Err(format!("couldn't find key {key} in Secret {ns}/{sec}")),
                },
                None if optional => continue,
                None => return Err(format!("secret \"{sec}\" not found")),
            }
        } else if let Some(path) = e.pointer("/valueFrom/fieldRef/fieldPath").and_then(Value::as_str) {
            field_ref(pod, node, path)
        } else if let Some(r) = e.pointer("/valueFrom/resourceFieldRef") {
            let res = s(r, "/resource");
            let ptr = format!("/resources/{}", res.replacen('.', "/", 1));
            c.spec
                .pointer(&ptr)
                .map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()))
                .unwrap_or_else(|| "0".into())
        } else {
            String::new()
        };
        set(&mut env, name, value);
    }
    if pod
        .pod
        .pointer("/spec/enableServiceLinks")
        .and_then(Value::as_bool)
        .unwrap_or(true)
    {
        for (svc, ip, ports) in config.services(&ns) {
            if ip.is_empty() || ip == "None" {
                continue;
            }
            let prefix = svc.to_ascii_uppercase().replace('-', "_");
            let Some((first_port, first_proto, _)) = ports.first().cloned() else {
                continue;
            };
            set(&mut env, format!("{prefix}_SERVICE_HOST"), ip.clone());
            set(&mut env, format!("{prefix}_SERVICE_PORT"), first_port.to_string());
            for (port, _, pname) in &ports {
                if !pname.is_empty() {
                    set(
                        &mut env,
                        format!("{prefix}_SERVICE_PORT_{}", pname.to_ascii_uppercase().replace('-', "_")),
                        port.to_string(),
                    );
                }
            }
            set(
                &mut env,
                format!("{prefix}_PORT"),
                format!("{}://{ip}:{first_port}", first_proto.to_ascii_lowercase()),
            );
            for (port, proto, _) in &ports {
                let p = proto.to_ascii_uppercase();
                let base = format!("{prefix}_PORT_{port}_{p}");
                set(
                    &mut env,
                    base.clone(),
                    format!("{}://{ip}:{port}", p.to_ascii_lowercase()),
                );
                set(&mut env, format!("{base}_PROTO"), p.to_ascii_lowercase());
                set(&mut env, format!("{base}_PORT"), port.to_string());
                set(&mut env, format!("{base}_ADDR"), ip.clone());
            }
        }
    }
    set(&mut env, "HOME".into(), "/root".into());
    Ok(env)
}

fn field_ref(pod: &PodFacts<'_>, node: &NodeFacts<'_>, path: &str) -> String {
    let p = pod.pod;
    let bracket = |prefix: &str| -> Option<String> {
        let key = path.strip_prefix(prefix)?.strip_suffix("']")?;
        let map = if prefix.starts_with("metadata.labels") {
            "/metadata/labels"
        } else {
            "/metadata/annotations"
        };
        Some(
            p.pointer(map)
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        )
    };
    match path {
        "metadata.name" => s(p, "/metadata/name"),
        "metadata.namespace" => s(p, "/metadata/namespace"),
        "metadata.uid" => s(p, "/metadata/uid"),
        "spec.nodeName" => node.node_name.to_string(),
        "spec.serviceAccountName" => s(p, "/spec/serviceAccountName"),
        "status.hostIP" | "status.hostIPs" => node.node_ip.to_string(),
        "status.podIP" | "status.podIPs" => pod.pod_ip.to_string(),
        _ => bracket("metadata.labels['")
            .or_else(|| bracket("metadata.annotations['"))
            .unwrap_or_default(),
    }
}
