//! The `ttl-after-finished` controller.

use crate::util::*;
use apimachinery::{ApiClient, ApiRequest};
use client::{ChangeKind, Component, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};

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
    fn jobs_expire_ttl_seconds_after_finishing() {
        let job = json!({"spec": {"ttlSecondsAfterFinished": 100}, "status": {"conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"},
            {"type": "Complete", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"}]}});
        assert_eq!(expires_at(&job), Some(SimTime::from_unix_secs(1_767_225_700)));
        assert_eq!(expires_at(&json!({"spec": {"ttlSecondsAfterFinished": 1}})), None);
    }
}
