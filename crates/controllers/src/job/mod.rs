//! The Job controller (pkg/controller/job): pods up to `parallelism` until `completions`
//! succeed (NonIndexed or Indexed), failures counted against `backoffLimit` with the pod
//! creation backoff (10 s doubling to 6 min), the pod failure policy (FailJob, FailIndex,
//! Ignore, Count), `backoffLimitPerIndex` + `maxFailedIndexes`, the success policy,
//! `activeDeadlineSeconds`, suspend, status counters and events. A Job that finishes first
//! gets its interim condition (SuccessCriteriaMet or FailureTarget), its remaining pods are
//! deleted, and the terminal condition (Complete or Failed) follows once none is terminating.
//! Failed pods are kept, as upstream keeps them. The `ttl-after-finished` controller is
//! [`TtlAfterFinishedController`].
//!
//! Approximation: pods do not carry the `batch.kubernetes.io/job-tracking` finalizer; the
//! controller counts finished pods from the pods still present (status never goes down, so
//! a finished pod deleted later stays counted).

mod indexes;
mod policy;
mod ttl;

pub use indexes::{format_indexes, parse_indexes, COMPLETION_INDEX};
pub use ttl::{expires_at, ttl_after_finished_controller, TtlAfterFinishedController};

use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use client::{ChangeKind, Component, EventRecorder, Informer, ResourcePath, StepResult, WorkQueue};
use indexes::*;
use policy::{match_pod_failure_policy, match_success_policy, Action, Verdict};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sim::{Duration, RngStreams, SimTime};

const COMPONENT: &str = "job-controller";
/// `DefaultJobPodFailureBackOff` and `MaxJobPodFailureBackOff`.
const BACKOFF_BASE_SECS: i64 = 10;
const BACKOFF_MAX_SECS: i64 = 360;
const COMPLETION_INDEX_ENV: &str = "JOB_COMPLETION_INDEX";

/// The delay before creating a replacement after `failures` failures.
pub fn failure_backoff(failures: i64) -> Duration {
    if failures <= 0 {
        return Duration::ZERO;
    }
    let mut d = BACKOFF_BASE_SECS;
    for _ in 1..failures {
        d = d.saturating_mul(2);
        if d >= BACKOFF_MAX_SECS {
            return Duration::from_secs(BACKOFF_MAX_SECS);
        }
    }
    Duration::from_secs(d)
}

/// The pod a Job creates (for `index` when Indexed; with the index's failure counts
/// (counted, ignored) when the Job has backoffLimitPerIndex).
pub fn new_job_pod(job: &Value, index: Option<i64>, index_failures: Option<(i64, i64)>) -> Value {
    let template = job.pointer("/spec/template").cloned().unwrap_or_else(|| json!({}));
    let name = meta_str(job, "name");
    let mut meta = Map::new();
    let prefix = match index {
        Some(i) => format!("{name}-{i}-"),
        None => format!("{name}-"),
    };
    meta.insert("generateName".into(), json!(prefix));
    meta.insert("namespace".into(), json!(meta_str(job, "namespace")));
    let mut lbls = string_map(template.pointer("/metadata/labels"));
    let mut anns = string_map(template.pointer("/metadata/annotations"));
    if let Some(i) = index {
        lbls.insert(COMPLETION_INDEX.into(), i.to_string());
        anns.insert(COMPLETION_INDEX.into(), i.to_string());
    }
    if let Some((counted, ignored)) = index_failures {
        anns.insert(INDEX_FAILURE_COUNT.into(), counted.to_string());
        if ignored > 0 {
            anns.insert(INDEX_IGNORED_FAILURE_COUNT.into(), ignored.to_string());
        }
    }
    if !lbls.is_empty() {
        meta.insert("labels".into(), json!(lbls));
    }
    if !anns.is_empty() {
        meta.insert("annotations".into(), json!(anns));
    }
    meta.insert(
        "ownerReferences".into(),
        json!([new_controller_ref(job, "batch/v1", "Job")]),
    );
    let mut spec = template.get("spec").cloned().unwrap_or_else(|| json!({}));
    if let Some(i) = index {
        set_field(&mut spec, "hostname", json!(format!("{name}-{i}")));
        // Every container learns its index from the pod's label (addCompletionIndexEnvVariables).
        for list in ["initContainers", "containers"] {
            for c in spec.get_mut(list).and_then(Value::as_array_mut).into_iter().flatten() {
                let has = c
                    .get("env")
                    .and_then(Value::as_array)
                    .is_some_and(|e| e.iter().any(|v| str_at(v, "/name") == COMPLETION_INDEX_ENV));
                if has || !c.is_object() {
                    continue;
                }
                let var = json!({"name": COMPLETION_INDEX_ENV, "valueFrom": {"fieldRef": {
                    "fieldPath": format!("metadata.labels['{COMPLETION_INDEX}']")}}});
                match c.get_mut("env").and_then(Value::as_array_mut) {
                    Some(env) => env.push(var),
                    None => set_field(c, "env", json!([var])),
                }
            }
        }
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})
}

fn job_condition(type_: &str, reason: &str, message: &str, now: SimTime) -> Value {
    let t = rfc3339(now);
    json!({"type": type_, "status": "True", "lastProbeTime": t, "lastTransitionTime": t, "reason": reason, "message": message})
}

fn true_condition<'a>(conditions: &'a [Value], type_: &str) -> Option<&'a Value> {
    conditions
        .iter()
        .find(|c| str_at(c, "/type") == type_ && str_at(c, "/status") == "True")
}

fn has_condition(job: &Value, type_: &str) -> bool {
    job.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|a| true_condition(a, type_).is_some())
}

pub fn is_finished(job: &Value) -> bool {
    has_condition(job, "Complete") || has_condition(job, "Failed")
}

/// When a pod finished: its containers' latest finishedAt, else its creation.
fn finished_at(pod: &Value) -> i64 {
    ["/status/containerStatuses", "/status/initContainerStatuses"]
        .iter()
        .flat_map(|l| pod.pointer(l).and_then(Value::as_array).into_iter().flatten())
        .filter_map(|c| time_at(c, "/state/terminated/finishedAt"))
        .max()
        .unwrap_or_else(|| creation_secs(pod))
}

/// `pastBackoffLimitOnFailure`: restarts of running/pending pods' containers under
/// restartPolicy OnFailure reach backoffLimit.
fn past_backoff_limit_on_failure(job: &Value, pods: &[Value], backoff_limit: i64) -> bool {
    if str_at(job, "/spec/template/spec/restartPolicy") != "OnFailure" {
        return false;
    }
    let restarts: i64 = pods
        .iter()
        .filter(|p| matches!(pod_phase(p), "Running" | "Pending"))
        .flat_map(|p| {
            ["/status/initContainerStatuses", "/status/containerStatuses"]
                .iter()
                .flat_map(|l| p.pointer(l).and_then(Value::as_array).cloned().unwrap_or_default())
        })
        .map(|c| int_at(&c, "/restartCount"))
        .sum();
    if backoff_limit == 0 {
        restarts > 0
    } else {
        restarts >= backoff_limit
    }
}

/// How a Job ends: its interim condition type (SuccessCriteriaMet or FailureTarget), reason
/// and message.
struct Finish {
    interim: &'static str,
    reason: String,
    message: String,
}

impl Finish {
    fn failure(reason: &str, message: &str) -> Self {
        Finish {
            interim: "FailureTarget",
            reason: reason.into(),
            message: message.into(),
        }
    }

    fn success(reason: &str, message: &str) -> Self {
        Finish {
            interim: "SuccessCriteriaMet",
            reason: reason.into(),
            message: message.into(),
        }
    }

    fn terminal(&self) -> &'static str {
        if self.interim == "SuccessCriteriaMet" {
            "Complete"
        } else {
            "Failed"
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobController {
    jobs: Informer,
    pods: Informer,
    queue: WorkQueue<Key>,
    recorder: EventRecorder,
}

pub fn job_controller() -> JobController {
    JobController {
        jobs: Informer::new(ResourcePath::new("batch", "v1", "jobs")),
        pods: Informer::new(ResourcePath::core("pods")),
        queue: WorkQueue::default(),
        recorder: EventRecorder::new(),
    }
}

impl JobController {
    fn owner_key(&self, obj: &Value) -> Option<Key> {
        let r = controller_ref(obj)?;
        if r.get("kind").and_then(Value::as_str) != Some("Job") {
            return None;
        }
        let job = self
            .jobs
            .get(meta_str(obj, "namespace"), r.get("name").and_then(Value::as_str)?)?;
        (meta_str(job, "uid") == r.get("uid").and_then(Value::as_str).unwrap_or("")).then(|| key_of(job))
    }

    fn record(&mut self, api: &mut dyn ApiClient, now: SimTime, job: &Value, type_: &str, reason: &str, msg: &str) {
        let _ = self.recorder.record(api, now, job, type_, reason, msg, COMPONENT, "");
    }

    /// Deletes the pods; returns how many deletions were issued.
    fn delete_pods(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        job: &Value,
        pods: &[&Value],
    ) -> Result<i64, ApiError> {
        let mut deleted = 0;
        for p in pods {
            let (ns, name) = key_of(p);
            match api.request(ApiRequest::delete(object_path("v1", "pods", &ns, &name))) {
                Ok(_) => {
                    deleted += 1;
                    let msg = format!("Deleted pod: {name}");
                    self.record(api, now, job, "Normal", "SuccessfulDelete", &msg);
                }
                Err(e) if e.code() == 404 => deleted += 1,
                Err(e) => return Err(e),
            }
        }
        Ok(deleted)
    }

    /// Returns when to look again (backoff, deadline).
    fn sync(&mut self, api: &mut dyn ApiClient, now: SimTime, key: &Key) -> Result<Option<SimTime>, ApiError> {
        let Some(job) = self.jobs.get(&key.0, &key.1).cloned() else {
            return Ok(None);
        };
        if is_finished(&job) || is_being_deleted(&job) {
            return Ok(None);
        }
        let Some(selector) = job
            .pointer("/spec/selector")
            .and_then(|s| Selector::from_label_selector(s).ok())
        else {
            return Ok(None);
        };
        let uid = meta_str(&job, "uid").to_string();
        let pods: Vec<Value> = self
            .pods
            .list_namespace(&key.0)
            .filter(|p| controller_uid(p) == uid && selector.matches(&labels(p)))
            .cloned()
            .collect();
        let indexed = str_at(&job, "/spec/completionMode") == "Indexed";
        let completions = int_opt(&job, "/spec/completions");
        let backoff_limit = int_opt(&job, "/spec/backoffLimit").unwrap_or(6);
        let per_index_limit = int_opt(&job, "/spec/backoffLimitPerIndex").filter(|_| indexed);
        let suspended = bool_at(&job, "/spec/suspend");
        // Indexed pods count only with an index below completions.
        let valid_index = |p: &Value| !indexed || pod_index(p).is_some_and(|i| i < completions.unwrap_or(0));

        let active: Vec<&Value> = pods.iter().filter(|p| is_pod_active(p)).collect();
        let mut terminating = pods.iter().filter(|p| is_pod_terminating(p)).count() as i64;
        let mut ready = active.iter().filter(|p| is_pod_ready(p)).count() as i64;
        let mut succeeded_idx: Indexes = parse_indexes(str_at(&job, "/status/completedIndexes"));
        succeeded_idx.retain(|i| *i < completions.unwrap_or(0));
        let succeeded_pods: Vec<&Value> = pods
            .iter()
            .filter(|p| pod_phase(p) == "Succeeded" && valid_index(p))
            .collect();
        succeeded_idx.extend(succeeded_pods.iter().filter_map(|p| pod_index(p)));
        let succeeded = if indexed {
            succeeded_idx.len() as i64
        } else {
            int_at(&job, "/status/succeeded").max(succeeded_pods.len() as i64)
        };
        let failed_pods: Vec<(&Value, Verdict)> = pods
            .iter()
            .filter(|p| pod_phase(p) == "Failed" && valid_index(p))
            .map(|p| (p, match_pod_failure_policy(&job, p)))
            .collect();
        let counted = failed_pods.iter().filter(|(_, v)| v.counts()).count() as i64;
        let failed = int_at(&job, "/status/failed").max(counted);
        let mut failed_idx: Indexes = parse_indexes(str_at(&job, "/status/failedIndexes"));
        if let Some(limit) = per_index_limit {
            for (p, v) in &failed_pods {
                let over = v.counts() && failure_count(p, INDEX_FAILURE_COUNT) >= limit;
                if v.action == Some(Action::FailIndex) || over {
                    failed_idx.extend(pod_index(p));
                }
            }
        }

        let mut status = job.get("status").cloned().unwrap_or_else(|| json!({}));
        let mut conditions: Vec<Value> = status
            .get("conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if status.get("startTime").is_none() && !suspended {
            set_field(&mut status, "startTime", json!(rfc3339(now)));
        }
        let start = time_at(&status, "/startTime");
        let mut wake = None;

        // An interim condition already decided how the Job ends.
        let mut finish = ["SuccessCriteriaMet", "FailureTarget"].iter().find_map(|t| {
            true_condition(&conditions, t).map(|c| Finish {
                interim: if *t == "FailureTarget" {
                    "FailureTarget"
                } else {
                    "SuccessCriteriaMet"
                },
                reason: str_at(c, "/reason").to_string(),
                message: str_at(c, "/message").to_string(),
            })
        });
        if finish.is_none() {
            finish = failed_pods
                .iter()
                .find_map(|(_, v)| v.fail_job_message.clone())
                .map(|m| Finish::failure("PodFailurePolicy", &m));
        }
        if finish.is_none() {
            if failed > backoff_limit || past_backoff_limit_on_failure(&job, &pods, backoff_limit) {
                finish = Some(Finish::failure(
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                ));
            } else if let (Some(deadline), Some(start), false) =
                (int_opt(&job, "/spec/activeDeadlineSeconds"), start, suspended)
            {
                let at = SimTime::from_unix_secs(start.saturating_add(deadline));
                if now >= at {
                    finish = Some(Finish::failure(
                        "DeadlineExceeded",
                        "Job was active longer than specified deadline",
                    ));
                } else {
                    wake = Some(at);
                }
            }
        }
        if indexed && finish.is_none() {
            let total = completions.unwrap_or(0);
            if per_index_limit.is_some() {
                let max_failed = int_opt(&job, "/spec/maxFailedIndexes");
                if max_failed.is_some_and(|m| failed_idx.len() as i64 > m) {
                    finish = Some(Finish::failure(
                        "MaxFailedIndexesExceeded",
                        "Job has exceeded the specified maximal number of failed indexes",
                    ));
                } else if !failed_idx.is_empty() && (failed_idx.len() + succeeded_idx.len()) as i64 >= total {
                    finish = Some(Finish::failure("FailedIndexes", "Job has failed indexes"));
                }
            }
            if finish.is_none() {
                finish =
                    match_success_policy(&job, total, &succeeded_idx).map(|m| Finish::success("SuccessPolicy", &m));
            }
        }

        let mut active_count = active.len() as i64;
        if finish.is_some() {
            let deleted = self.delete_pods(api, now, &job, &active)?;
            terminating += deleted;
            active_count -= deleted;
            ready = 0;
        } else {
            let view = PodView {
                pods: &pods,
                active: &active,
                terminating,
                succeeded,
                succeeded_idx: &succeeded_idx,
                failed_idx: &failed_idx,
            };
            active_count = self.manage(api, now, &job, &view, &mut wake)?;
            if !suspended {
                let complete = match completions {
                    Some(c) => succeeded >= c && active_count == 0,
                    // Without completions, the first success completes the job once nothing runs.
                    None => succeeded > 0 && active_count == 0,
                };
                if complete {
                    finish = Some(Finish::success(
                        "CompletionsReached",
                        "Reached expected number of succeeded pods",
                    ));
                }
            }
            self.update_suspended(api, now, &job, suspended, &mut conditions, &mut status);
        }

        if let Some(f) = &finish {
            if true_condition(&conditions, f.interim).is_none() {
                conditions.push(job_condition(f.interim, &f.reason, &f.message, now));
            }
            // The terminal condition waits until no pod is terminating.
            if terminating == 0 {
                conditions.push(job_condition(f.terminal(), &f.reason, &f.message, now));
                if f.terminal() == "Complete" {
                    set_field(&mut status, "completionTime", json!(rfc3339(now)));
                    self.record(api, now, &job, "Normal", "Completed", "Job completed");
                } else {
                    self.record(api, now, &job, "Warning", &f.reason, &f.message);
                }
            }
        }
        set_field(
            &mut status,
            "active",
            if active_count > 0 {
                json!(active_count)
            } else {
                Value::Null
            },
        );
        set_field(&mut status, "ready", json!(ready));
        set_field(
            &mut status,
            "succeeded",
            if succeeded > 0 { json!(succeeded) } else { Value::Null },
        );
        set_field(
            &mut status,
            "failed",
            if failed > 0 { json!(failed) } else { Value::Null },
        );
        set_field(&mut status, "terminating", json!(terminating));
        set_field(&mut status, "uncountedTerminatedPods", json!({}));
        if indexed {
            let done = format_indexes(&succeeded_idx);
            set_field(
                &mut status,
                "completedIndexes",
                if done.is_empty() { Value::Null } else { json!(done) },
            );
        }
        if per_index_limit.is_some() {
            set_field(&mut status, "failedIndexes", json!(format_indexes(&failed_idx)));
        }
        set_field(
            &mut status,
            "conditions",
            if conditions.is_empty() {
                Value::Null
            } else {
                Value::Array(conditions)
            },
        );
        if let Some(m) = status.as_object_mut() {
            m.retain(|_, v| !v.is_null());
        }
        if job.get("status") != Some(&status) {
            let mut body = job.clone();
            set_field(&mut body, "status", status);
            api.request(ApiRequest::put(
                format!("{}/status", object_path("batch/v1", "jobs", &key.0, &key.1)),
                body,
            ))?;
        }
        Ok(wake)
    }

    /// The Suspended condition: set (with an event) when suspended, flipped to False when
    /// resumed (which also restarts the clock of activeDeadlineSeconds).
    fn update_suspended(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        job: &Value,
        suspended: bool,
        conditions: &mut Vec<Value>,
        status: &mut Value,
    ) {
        let pos = conditions.iter().position(|c| str_at(c, "/type") == "Suspended");
        let is_true = pos
            .and_then(|p| conditions.get(p))
            .is_some_and(|c| str_at(c, "/status") == "True");
        if suspended && !is_true {
            conditions.retain(|c| str_at(c, "/type") != "Suspended");
            conditions.push(job_condition("Suspended", "JobSuspended", "Job suspended", now));
            self.record(api, now, job, "Normal", "Suspended", "Job suspended");
        } else if !suspended && is_true {
            if let Some(c) = pos.and_then(|p| conditions.get_mut(p)) {
                set_field(c, "status", json!("False"));
                set_field(c, "reason", json!("JobResumed"));
                set_field(c, "message", json!("Job resumed"));
                set_field(c, "lastTransitionTime", json!(rfc3339(now)));
            }
            set_field(status, "startTime", json!(rfc3339(now)));
            self.record(api, now, job, "Normal", "Resumed", "Job resumed");
        }
    }

    /// `manageJob`: deletes the pods of a suspended Job, or creates pods up to parallelism
    /// (respecting the failure backoff, per Job or per index). Returns the active count.
    fn manage(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        job: &Value,
        view: &PodView<'_>,
        wake: &mut Option<SimTime>,
    ) -> Result<i64, ApiError> {
        let mut active = view.active.len() as i64;
        if bool_at(job, "/spec/suspend") {
            let deleted = self.delete_pods(api, now, job, view.active)?;
            return Ok(active - deleted);
        }
        let parallelism = int_opt(job, "/spec/parallelism").unwrap_or(1);
        let completions = int_opt(job, "/spec/completions");
        let want = match completions {
            // Without completions, once a pod succeeded the rest are left to finish.
            None if view.succeeded > 0 => active,
            None => parallelism,
            Some(c) => (c - view.succeeded).clamp(0, parallelism),
        };
        let only_replace_failed = str_at(job, "/spec/podReplacementPolicy") == "Failed";
        let diff = want - if only_replace_failed { view.terminating } else { 0 } - active;
        if diff <= 0 {
            return Ok(active);
        }
        let indexed = str_at(job, "/spec/completionMode") == "Indexed";
        let per_index = indexed && int_opt(job, "/spec/backoffLimitPerIndex").is_some();
        let failed: Vec<&Value> = view.pods.iter().filter(|p| pod_phase(p) == "Failed").collect();
        if !per_index {
            // The backoff counts the failures since the last success (the backoff record).
            let last_success = view
                .pods
                .iter()
                .filter(|p| pod_phase(p) == "Succeeded")
                .map(finished_at)
                .max();
            let recent: Vec<i64> = failed
                .iter()
                .map(|p| finished_at(p))
                .filter(|t| last_success.is_none_or(|s| *t > s))
                .collect();
            let ready_at = recent
                .iter()
                .max()
                .map(|t| SimTime::from_unix_secs(*t).add(failure_backoff(recent.len() as i64)));
            if let Some(at) = ready_at.filter(|at| *at > now) {
                *wake = crate::earliest(*wake, Some(at));
                return Ok(active);
            }
        }
        let mut to_create: Vec<NewPod> = Vec::new();
        if indexed {
            let mut busy: Indexes = view.active.iter().filter_map(|p| pod_index(p)).collect();
            if only_replace_failed {
                busy.extend(view.pods.iter().filter(|p| is_pod_terminating(p)).filter_map(pod_index));
            }
            let pending = (0..completions.unwrap_or(0))
                .filter(|i| !view.succeeded_idx.contains(i) && !view.failed_idx.contains(i) && !busy.contains(i))
                .take(diff.max(0) as usize);
            let mut earliest: Option<SimTime> = None;
            for ix in pending {
                if !per_index {
                    to_create.push((Some(ix), None));
                    continue;
                }
                // The failed pod the new one replaces carries the index's failure counts.
                let replaced = failed.iter().filter(|p| pod_index(p) == Some(ix)).max_by_key(|p| {
                    let absolute =
                        failure_count(p, INDEX_FAILURE_COUNT) + failure_count(p, INDEX_IGNORED_FAILURE_COUNT);
                    (absolute, finished_at(p))
                });
                let Some(p) = replaced else {
                    to_create.push((Some(ix), Some((0, 0))));
                    continue;
                };
                let (counted, ignored) = (
                    failure_count(p, INDEX_FAILURE_COUNT),
                    failure_count(p, INDEX_IGNORED_FAILURE_COUNT),
                );
                let at = SimTime::from_unix_secs(finished_at(p)).add(failure_backoff(counted + ignored + 1));
                if at > now {
                    earliest = crate::earliest(earliest, Some(at));
                    continue;
                }
                let next = if match_pod_failure_policy(job, p).counts() {
                    (counted + 1, ignored)
                } else {
                    (counted, ignored + 1)
                };
                to_create.push((Some(ix), Some(next)));
            }
            if to_create.is_empty() {
                *wake = crate::earliest(*wake, earliest);
            }
        } else {
            to_create = vec![(None, None); diff.max(0) as usize];
        }
        let ns = meta_str(job, "namespace").to_string();
        for (index, counts) in to_create {
            let pod = new_job_pod(job, index, counts);
            match api.request(ApiRequest::post(object_path("v1", "pods", &ns, ""), pod)) {
                Ok(p) => {
                    active += 1;
                    let msg = format!("Created pod: {}", meta_str(&p, "name"));
                    self.record(api, now, job, "Normal", "SuccessfulCreate", &msg);
                }
                Err(e) => {
                    let msg = format!("Error creating: {}", e.message());
                    self.record(api, now, job, "Warning", "FailedCreate", &msg);
                    return Err(e);
                }
            }
        }
        Ok(active)
    }
}

/// A pod to create: its completion index and, with backoffLimitPerIndex, the index's
/// failure counts (counted, ignored).
type NewPod = (Option<i64>, Option<(i64, i64)>);

/// What `manageJob` needs to know about the Job's pods.
struct PodView<'a> {
    pods: &'a [Value],
    active: &'a [&'a Value],
    terminating: i64,
    succeeded: i64,
    succeeded_idx: &'a Indexes,
    failed_idx: &'a Indexes,
}

impl Component for JobController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.jobs.sync(api) else { return retry };
        for c in changes {
            did_work = true;
            if c.kind != ChangeKind::Deleted {
                self.queue.add(c.key());
            }
        }
        // Pods are only followed while there is a Job (the watch resumes later).
        let changes = if self.jobs.is_empty() {
            Vec::new()
        } else {
            let Ok(changes) = self.pods.sync(api) else { return retry };
            changes
        };
        for c in changes {
            did_work = true;
            for obj in [Some(&c.object), c.old.as_ref()].into_iter().flatten() {
                if let Some(k) = self.owner_key(obj) {
                    self.queue.add(k);
                }
            }
        }
        while let Some(key) = self.queue.pop_ready(now) {
            did_work = true;
            match self.sync(api, now, &key) {
                Ok(wake) => {
                    self.queue.forget(&key);
                    if let Some(at) = wake {
                        self.queue.add_after(key, at);
                    }
                }
                Err(_) => self.queue.add_rate_limited(key, now),
            }
        }
        StepResult {
            did_work,
            next_wakeup: self.queue.next_deadline(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_backoff_doubles_from_ten_seconds_to_six_minutes() {
        let secs: Vec<i64> = (0..8).map(|n| failure_backoff(n).as_secs()).collect();
        assert_eq!(secs, vec![0, 10, 20, 40, 80, 160, 320, 360]);
    }

    #[test]
    fn indexed_pods_carry_their_index_and_learn_it_from_the_env() {
        let job = json!({"metadata": {"name": "pi", "namespace": "default", "uid": "u"},
                         "spec": {"template": {"metadata": {"labels": {"job-name": "pi"}},
                                  "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "env": [{"name": "A", "value": "1"}]}],
                                           "initContainers": [{"name": "i"}]}}}});
        let pod = new_job_pod(&job, Some(3), Some((1, 0)));
        assert_eq!(pod["metadata"]["generateName"], "pi-3-");
        assert_eq!(pod["metadata"]["labels"][COMPLETION_INDEX], "3");
        assert_eq!(pod["metadata"]["annotations"][COMPLETION_INDEX], "3");
        assert_eq!(pod["metadata"]["annotations"][INDEX_FAILURE_COUNT], "1");
        assert!(pod["metadata"]["annotations"]
            .get(INDEX_IGNORED_FAILURE_COUNT)
            .is_none());
        assert_eq!(pod["spec"]["hostname"], "pi-3");
        assert_eq!(pod_index(&pod), Some(3));
        let env = &pod["spec"]["containers"][0]["env"];
        assert_eq!(env[1]["name"], "JOB_COMPLETION_INDEX");
        assert_eq!(
            env[1]["valueFrom"]["fieldRef"]["fieldPath"],
            "metadata.labels['batch.kubernetes.io/job-completion-index']"
        );
        assert_eq!(
            pod["spec"]["initContainers"][0]["env"][0]["name"],
            "JOB_COMPLETION_INDEX"
        );
        let plain = new_job_pod(&job, None, None);
        assert_eq!(plain["metadata"]["generateName"], "pi-");
        assert_eq!(plain["metadata"]["ownerReferences"][0]["kind"], "Job");
        assert_eq!(plain["spec"]["containers"][0]["env"].as_array().map(Vec::len), Some(1));
    }

    #[test]
    fn restarts_under_on_failure_reach_the_backoff_limit() {
        let job = json!({"spec": {"template": {"spec": {"restartPolicy": "OnFailure"}}}});
        let pod = |phase: &str, restarts: i64| json!({"status": {"phase": phase, "containerStatuses": [{"restartCount": restarts}]}});
        assert!(!past_backoff_limit_on_failure(&job, &[pod("Running", 5)], 6));
        assert!(past_backoff_limit_on_failure(
            &job,
            &[pod("Running", 5), pod("Pending", 1)],
            6
        ));
        assert!(!past_backoff_limit_on_failure(&job, &[pod("Failed", 9)], 6));
        assert!(past_backoff_limit_on_failure(&job, &[pod("Running", 1)], 0));
        let never = json!({"spec": {"template": {"spec": {"restartPolicy": "Never"}}}});
        assert!(!past_backoff_limit_on_failure(&never, &[pod("Running", 9)], 0));
    }
}
