//! The Job controller (pkg/controller/job): pods up to `parallelism` until `completions`
//! succeed (NonIndexed or Indexed), failures counted against `backoffLimit` with the pod
//! creation backoff (10 s doubling to 6 min), `activeDeadlineSeconds`, suspend, and upstream's
//! conditions (SuccessCriteriaMet + Complete, FailureTarget + Failed, Suspended), status
//! counters and events. The `ttl-after-finished` controller is [`TtlAfterFinishedController`].
//!
//! Approximation: pods do not carry the `batch.kubernetes.io/job-tracking` finalizer; the
//! controller counts finished pods from the pods still present (status never goes down, so
//! a finished pod deleted later stays counted).

use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use client::{ChangeKind, Component, EventRecorder, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::BTreeSet;

pub const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
const COMPONENT: &str = "job-controller";
/// `DefaultJobPodFailureBackOff` and `MaxJobPodFailureBackOff`.
const BACKOFF_BASE_SECS: i64 = 10;
const BACKOFF_MAX_SECS: i64 = 360;

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

/// Formats succeeded indexes as `completedIndexes` ("0-2,5").
pub fn format_indexes(set: &BTreeSet<i64>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut iter = set.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end += 1;
            iter.next();
        }
        parts.push(if end == start {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
    }
    parts.join(",")
}

/// Parses `completedIndexes` back.
pub fn parse_indexes(s: &str) -> BTreeSet<i64> {
    let mut out = BTreeSet::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<i64>(), b.parse::<i64>()) {
                    if b >= a && b - a < 1_000_000 {
                        out.extend(a..=b);
                    }
                }
            }
            None => {
                if let Ok(v) = part.parse() {
                    out.insert(v);
                }
            }
        }
    }
    out
}

fn pod_index(pod: &Value) -> Option<i64> {
    annotation(pod, COMPLETION_INDEX)
        .or_else(|| {
            pod.pointer("/metadata/labels")
                .and_then(|l| l.get(COMPLETION_INDEX))
                .and_then(Value::as_str)
        })
        .and_then(|v| v.parse().ok())
}

/// The pod a Job creates (for `index` when Indexed).
pub fn new_job_pod(job: &Value, index: Option<i64>) -> Value {
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
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})
}

fn job_condition(type_: &str, reason: &str, message: &str, now: SimTime) -> Value {
    let t = rfc3339(now);
    json!({"type": type_, "status": "True", "lastProbeTime": t, "lastTransitionTime": t, "reason": reason, "message": message})
}

fn has_condition(job: &Value, type_: &str) -> bool {
    job.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .any(|c| str_at(c, "/type") == type_ && str_at(c, "/status") == "True")
        })
}

pub fn is_finished(job: &Value) -> bool {
    has_condition(job, "Complete") || has_condition(job, "Failed")
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

    fn delete_pods(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        job: &Value,
        pods: &[&Value],
    ) -> Result<(), ApiError> {
        for p in pods {
            let (ns, name) = key_of(p);
            match api.request(ApiRequest::delete(object_path("v1", "pods", &ns, &name))) {
                Ok(_) => {
                    let msg = format!("Deleted pod: {name}");
                    self.record(api, now, job, "Normal", "SuccessfulDelete", &msg);
                }
                Err(e) if e.code() == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
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
        let parallelism = int_opt(&job, "/spec/parallelism").unwrap_or(1);
        let completions = int_opt(&job, "/spec/completions");
        let backoff_limit = int_opt(&job, "/spec/backoffLimit").unwrap_or(6);
        let suspended = bool_at(&job, "/spec/suspend");
        let restart_on_failure = str_at(&job, "/spec/template/spec/restartPolicy") == "OnFailure";

        let active: Vec<&Value> = pods.iter().filter(|p| is_pod_active(p)).collect();
        let terminating = pods.iter().filter(|p| is_pod_terminating(p)).count() as i64;
        let ready = active.iter().filter(|p| is_pod_ready(p)).count() as i64;
        let mut succeeded_idx: BTreeSet<i64> = parse_indexes(str_at(&job, "/status/completedIndexes"));
        let succeeded_pods: Vec<&Value> = pods.iter().filter(|p| pod_phase(p) == "Succeeded").collect();
        for p in &succeeded_pods {
            if let Some(i) = pod_index(p) {
                succeeded_idx.insert(i);
            }
        }
        let succeeded = if indexed {
            succeeded_idx.len() as i64
        } else {
            int_at(&job, "/status/succeeded").max(succeeded_pods.len() as i64)
        };
        let failed_pods = pods.iter().filter(|p| pod_phase(p) == "Failed").count() as i64;
        let restarts: i64 = if restart_on_failure {
            active.iter().map(|p| max_container_restarts(p)).sum()
        } else {
            0
        };
        let failed = int_at(&job, "/status/failed").max(failed_pods);

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
        let mut finished: Option<(&str, &str, &str)> = None; // (final type, reason, message)

        if failed + restarts > backoff_limit {
            finished = Some((
                "Failed",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
            ));
        } else if let (Some(deadline), Some(start)) = (int_opt(&job, "/spec/activeDeadlineSeconds"), start) {
            let at = SimTime::from_unix_secs(start.saturating_add(deadline));
            if now >= at {
                finished = Some((
                    "Failed",
                    "DeadlineExceeded",
                    "Job was active longer than specified deadline",
                ));
            } else {
                wake = Some(at);
            }
        }
        let complete = match completions {
            Some(c) => succeeded >= c,
            // Without completions, the first success completes the job once nothing runs.
            None => succeeded > 0 && active.is_empty(),
        };
        if finished.is_none() && complete {
            finished = Some((
                "Complete",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
            ));
        }

        if let Some((type_, reason, message)) = finished {
            self.delete_pods(api, now, &job, &active)?;
            let interim = if type_ == "Complete" {
                "SuccessCriteriaMet"
            } else {
                "FailureTarget"
            };
            if !conditions.iter().any(|c| str_at(c, "/type") == interim) {
                conditions.push(job_condition(interim, reason, message, now));
            }
            conditions.push(job_condition(type_, reason, message, now));
            if type_ == "Complete" {
                set_field(&mut status, "completionTime", json!(rfc3339(now)));
                self.record(api, now, &job, "Normal", "Completed", "Job completed");
            } else {
                self.record(api, now, &job, "Warning", reason, message);
            }
            set_field(&mut status, "active", Value::Null);
            set_field(&mut status, "ready", json!(0));
        } else if suspended {
            self.delete_pods(api, now, &job, &active)?;
            if !conditions
                .iter()
                .any(|c| str_at(c, "/type") == "Suspended" && str_at(c, "/status") == "True")
            {
                conditions.retain(|c| str_at(c, "/type") != "Suspended");
                conditions.push(job_condition("Suspended", "JobSuspended", "Job suspended", now));
                self.record(api, now, &job, "Normal", "Suspended", "Job suspended");
            }
            set_field(&mut status, "active", Value::Null);
            set_field(&mut status, "ready", json!(0));
        } else {
            if let Some(pos) = conditions
                .iter()
                .position(|c| str_at(c, "/type") == "Suspended" && str_at(c, "/status") == "True")
            {
                if let Some(c) = conditions.get_mut(pos) {
                    set_field(c, "status", json!("False"));
                    set_field(c, "reason", json!("JobResumed"));
                    set_field(c, "message", json!("Job resumed"));
                    set_field(c, "lastTransitionTime", json!(rfc3339(now)));
                }
                set_field(&mut status, "startTime", json!(rfc3339(now)));
                self.record(api, now, &job, "Normal", "Resumed", "Job resumed");
            }
            // How many to run now.
            let remaining = completions.map(|c| (c - succeeded).max(0));
            let want = remaining.map_or(parallelism, |r| r.min(parallelism));
            let mut created = active.len() as i64;
            // The creation backoff after failures.
            let last_failure = pods
                .iter()
                .filter(|p| pod_phase(p) == "Failed")
                .filter_map(|p| {
                    p.pointer("/status/containerStatuses/0/state/terminated/finishedAt")
                        .and_then(Value::as_str)
                        .and_then(apimachinery::time::parse_rfc3339)
                        .or_else(|| time_at(p, "/metadata/creationTimestamp"))
                })
                .max();
            let ready_at = last_failure.map(|t| SimTime::from_unix_secs(t).add(failure_backoff(failed)));
            if created < want && ready_at.is_some_and(|at| at > now) {
                wake = crate::earliest(wake, ready_at);
            } else if created < want {
                let mut free: Vec<Option<i64>> = Vec::new();
                if indexed {
                    let busy: BTreeSet<i64> = active.iter().filter_map(|p| pod_index(p)).collect();
                    let total = completions.unwrap_or(0);
                    for i in 0..total {
                        if free.len() as i64 >= want - created {
                            break;
                        }
                        if !succeeded_idx.contains(&i) && !busy.contains(&i) {
                            free.push(Some(i));
                        }
                    }
                } else {
                    free = vec![None; (want - created).max(0) as usize];
                }
                for index in free {
                    let pod = new_job_pod(&job, index);
                    match api.request(ApiRequest::post(object_path("v1", "pods", &key.0, ""), pod)) {
                        Ok(p) => {
                            created += 1;
                            let msg = format!("Created pod: {}", meta_str(&p, "name"));
                            self.record(api, now, &job, "Normal", "SuccessfulCreate", &msg);
                        }
                        Err(e) => {
                            let msg = format!("Error creating: {}", e.message());
                            self.record(api, now, &job, "Warning", "FailedCreate", &msg);
                            return Err(e);
                        }
                    }
                }
            }
            set_field(
                &mut status,
                "active",
                if created > 0 { json!(created) } else { Value::Null },
            );
            set_field(&mut status, "ready", json!(ready));
        }
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
        if indexed && !succeeded_idx.is_empty() {
            set_field(&mut status, "completedIndexes", json!(format_indexes(&succeeded_idx)));
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

/// The `ttl-after-finished` controller: deletes finished Jobs (in the foreground) once
/// `ttlSecondsAfterFinished` has passed since they finished.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TtlAfterFinishedController {
    jobs: Informer,
    queue: WorkQueue<Key>,
}

pub fn ttl_after_finished_controller() -> TtlAfterFinishedController {
    TtlAfterFinishedController {
        jobs: Informer::new(ResourcePath::new("batch", "v1", "jobs")),
        queue: WorkQueue::default(),
    }
}

/// When a finished job expires (its Complete/Failed transition + ttl).
pub fn expires_at(job: &Value) -> Option<SimTime> {
    let ttl = int_opt(job, "/spec/ttlSecondsAfterFinished")?;
    let finished = job
        .pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .filter(|c| matches!(str_at(c, "/type"), "Complete" | "Failed") && str_at(c, "/status") == "True")
        .filter_map(|c| time_at(c, "/lastTransitionTime"))
        .max()?;
    Some(SimTime::from_unix_secs(finished.saturating_add(ttl)))
}

impl Component for TtlAfterFinishedController {
    fn name(&self) -> &'static str {
        "ttl-after-finished-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let mut did_work = false;
        let Ok(changes) = self.jobs.sync(api) else {
            return StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        };
        for c in changes {
            did_work = true;
            if c.kind != ChangeKind::Deleted && expires_at(&c.object).is_some() && !is_being_deleted(&c.object) {
                self.queue.add(c.key());
            }
        }
        while let Some(key) = self.queue.pop_ready(now) {
            did_work = true;
            let Some(job) = self.jobs.get(&key.0, &key.1) else {
                continue;
            };
            let Some(at) = expires_at(job) else { continue };
            if at > now {
                self.queue.add_after(key, at);
                continue;
            }
            let uid = meta_str(job, "uid").to_string();
            let req = ApiRequest::delete(object_path("batch/v1", "jobs", &key.0, &key.1))
                .with_query("propagationPolicy", "Foreground")
                .with_body(json!({"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid}}));
            match api.request(req) {
                Ok(_) => self.queue.forget(&key),
                Err(e) if e.code() == 404 || e.code() == 409 => self.queue.forget(&key),
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
    fn completed_indexes_format_as_ranges() {
        let set: BTreeSet<i64> = [0, 1, 2, 5, 7, 8].into_iter().collect();
        assert_eq!(format_indexes(&set), "0-2,5,7-8");
        assert_eq!(parse_indexes("0-2,5,7-8"), set);
        assert_eq!(parse_indexes("x,3-1,4"), [4].into_iter().collect());
    }

    #[test]
    fn indexed_pods_carry_their_index() {
        let job = json!({"metadata": {"name": "pi", "namespace": "default", "uid": "u"},
                         "spec": {"template": {"metadata": {"labels": {"job-name": "pi"}}, "spec": {"restartPolicy": "Never"}}}});
        let pod = new_job_pod(&job, Some(3));
        assert_eq!(pod["metadata"]["generateName"], "pi-3-");
        assert_eq!(pod["metadata"]["labels"][COMPLETION_INDEX], "3");
        assert_eq!(pod["metadata"]["annotations"][COMPLETION_INDEX], "3");
        assert_eq!(pod["spec"]["hostname"], "pi-3");
        assert_eq!(pod_index(&pod), Some(3));
        let plain = new_job_pod(&job, None);
        assert_eq!(plain["metadata"]["generateName"], "pi-");
        assert_eq!(plain["metadata"]["ownerReferences"][0]["kind"], "Job");
    }

    #[test]
    fn jobs_expire_ttl_seconds_after_finishing() {
        let job = json!({"spec": {"ttlSecondsAfterFinished": 100}, "status": {"conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"},
            {"type": "Complete", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}});
        assert_eq!(expires_at(&job), Some(SimTime::from_unix_secs(1_767_225_700)));
        assert_eq!(expires_at(&json!({"spec": {"ttlSecondsAfterFinished": 1}})), None);
    }
}
