//! The CronJob controller (pkg/controller/cronjob, v2): 5-field schedules (robfig/cron's
//! standard parser: lists, ranges, steps, month and weekday names, `@hourly`-style macros),
//! Jobs named `<cronjob>-<scheduled Unix minutes>`, concurrencyPolicy Allow / Forbid /
//! Replace, suspend, startingDeadlineSeconds, history limits, status.active /
//! lastScheduleTime / lastSuccessfulTime, and upstream's events.
//!
//! Approximation: `spec.timeZone` other than UTC is treated as UTC (no zone database).

use crate::job::is_finished;
use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use client::{ChangeKind, Component, EventRecorder, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sim::{Duration, RngStreams, SimTime};

const COMPONENT: &str = "cronjob-controller";
pub const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/// A parsed schedule: bit sets per field, and whether day-of-month / day-of-week were `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minute: u64,
    hour: u64,
    dom: u64,
    month: u64,
    dow: u64,
    dom_star: bool,
    dow_star: bool,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

fn parse_value(s: &str, names: &[&str], offset: u32) -> Result<u32, String> {
    let lower = s.to_ascii_lowercase();
    if let Some(i) = names.iter().position(|n| *n == lower) {
        return Ok(i as u32 + offset);
    }
    s.parse::<u32>()
        .map_err(|_| format!("failed to parse int from {s}: strconv.Atoi: parsing \"{s}\": invalid syntax"))
}

/// One field (`*/5`, `1-5`, `mon,wed`, …) as a bit set; returns (bits, started with `*`).
fn parse_field(field: &str, min: u32, max: u32, names: &[&str], offset: u32) -> Result<(u64, bool), String> {
    let mut bits = 0u64;
    let mut star = false;
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                Some(s.parse::<u32>().map_err(|_| format!("failed to parse int from {s}"))?),
            ),
            None => (part, None),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            star = true;
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            (parse_value(a, names, offset)?, parse_value(b, names, offset)?)
        } else {
            let v = parse_value(range, names, offset)?;
            (v, if step.is_some() { max } else { v })
        };
        if lo < min || hi > max || lo > hi {
            return Err(format!("end of range ({hi}) above maximum ({max}): {part}"));
        }
        let step = step.unwrap_or(1);
        if step == 0 {
            return Err(format!("step of range should be a positive number: {part}"));
        }
        if step > 1 {
            star = false;
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, star))
}

impl Schedule {
    /// robfig/cron's standard parser (5 fields or a descriptor).
    pub fn parse(spec: &str) -> Result<Schedule, String> {
        let spec = spec.trim();
        let expanded = match spec {
            "@yearly" | "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" | "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            s => s,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [f_min, f_hour, f_dom, f_month, f_dow] = fields.as_slice() else {
            return Err(format!("expected exactly 5 fields, found {}: {spec}", fields.len()));
        };
        let (minute, _) = parse_field(f_min, 0, 59, &[], 0)?;
        let (hour, _) = parse_field(f_hour, 0, 23, &[], 0)?;
        let (dom, dom_star) = parse_field(f_dom, 1, 31, &[], 0)?;
        let (month, _) = parse_field(f_month, 1, 12, &MONTHS, 1)?;
        let (mut dow, dow_star) = parse_field(f_dow, 0, 7, &DAYS, 0)?;
        // 7 is Sunday too.
        if dow & (1 << 7) != 0 {
            dow |= 1;
        }
        Ok(Schedule {
            minute,
            hour,
            dom,
            month,
            dow,
            dom_star,
            dow_star,
        })
    }

    fn day_matches(&self, day: u32, weekday: u32) -> bool {
        let d = self.dom & (1 << day) != 0;
        let w = self.dow & (1 << weekday) != 0;
        if self.dom_star || self.dow_star {
            d && w
        } else {
            d || w
        }
    }

    /// The first activation strictly after `after_secs` (Unix seconds, UTC), within 5 years.
    pub fn next(&self, after_secs: i64) -> Option<i64> {
        let mut t = (after_secs.div_euclid(60) + 1) * 60;
        let limit = after_secs + 5 * 366 * 86_400;
        while t <= limit {
            let days = t.div_euclid(86_400);
            let (_, month, day) = civil_from_days(days);
            let weekday = (days + 4).rem_euclid(7) as u32;
            if self.month & (1 << month) == 0 || !self.day_matches(day, weekday) {
                t = (days + 1) * 86_400;
                continue;
            }
            let secs_of_day = t.rem_euclid(86_400);
            let hour = (secs_of_day / 3600) as u32;
            if self.hour & (1 << hour) == 0 {
                t = days * 86_400 + (i64::from(hour) + 1) * 3600;
                continue;
            }
            let minute = ((secs_of_day % 3600) / 60) as u32;
            if self.minute & (1 << minute) == 0 {
                t += 60;
                continue;
            }
            return Some(t);
        }
        None
    }
}

/// (year, month 1-12, day 1-31) of days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `getJobName`.
pub fn job_name(cronjob: &str, scheduled_secs: i64) -> String {
    format!("{cronjob}-{}", scheduled_secs.div_euclid(60))
}

/// `getJobFromTemplate2`.
pub fn job_from_template(cj: &Value, scheduled_secs: i64) -> Value {
    let template = cj.pointer("/spec/jobTemplate").cloned().unwrap_or_else(|| json!({}));
    let mut anns = string_map(template.pointer("/metadata/annotations"));
    anns.insert(
        SCHEDULED_TIMESTAMP.into(),
        apimachinery::time::format_rfc3339(scheduled_secs),
    );
    let mut meta = Map::new();
    meta.insert("name".into(), json!(job_name(meta_str(cj, "name"), scheduled_secs)));
    meta.insert("namespace".into(), json!(meta_str(cj, "namespace")));
    if let Some(l) = template.pointer("/metadata/labels") {
        meta.insert("labels".into(), l.clone());
    }
    meta.insert("annotations".into(), json!(anns));
    meta.insert(
        "ownerReferences".into(),
        json!([new_controller_ref(cj, "batch/v1", "CronJob")]),
    );
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, "spec": template.get("spec").cloned().unwrap_or_else(|| json!({}))})
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CronJobController {
    cronjobs: Informer,
    jobs: Informer,
    queue: WorkQueue<Key>,
    recorder: EventRecorder,
}

pub fn cronjob_controller() -> CronJobController {
    CronJobController {
        cronjobs: Informer::new(ResourcePath::new("batch", "v1", "cronjobs")),
        jobs: Informer::new(ResourcePath::new("batch", "v1", "jobs")),
        queue: WorkQueue::default(),
        recorder: EventRecorder::new(),
    }
}

fn job_ref(job: &Value) -> Value {
    json!({"kind": "Job", "namespace": meta_str(job, "namespace"), "name": meta_str(job, "name"),
           "uid": meta_str(job, "uid"), "apiVersion": "batch/v1", "resourceVersion": meta_str(job, "resourceVersion")})
}

fn finished_condition(job: &Value) -> Option<&str> {
    job.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| matches!(str_at(c, "/type"), "Complete" | "Failed") && str_at(c, "/status") == "True")
        .map(|c| str_at(c, "/type"))
}

impl CronJobController {
    fn record(&mut self, api: &mut dyn ApiClient, now: SimTime, cj: &Value, type_: &str, reason: &str, msg: &str) {
        let _ = self.recorder.record(api, now, cj, type_, reason, msg, COMPONENT, "");
    }

    fn delete_job(&mut self, api: &mut dyn ApiClient, now: SimTime, cj: &Value, job: &Value) -> Result<(), ApiError> {
        let (ns, name) = key_of(job);
        let req = ApiRequest::delete(object_path("batch/v1", "jobs", &ns, &name))
            .with_query("propagationPolicy", "Background");
        match api.request(req) {
            Ok(_) => {
                let msg = format!("Deleted job {name}");
                self.record(api, now, cj, "Normal", "SuccessfulDelete", &msg);
                Ok(())
            }
            Err(e) if e.code() == 404 => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Returns when the next schedule is due.
    fn sync(&mut self, api: &mut dyn ApiClient, now: SimTime, key: &Key) -> Result<Option<SimTime>, ApiError> {
        let Some(cj) = self.cronjobs.get(&key.0, &key.1).cloned() else {
            return Ok(None);
        };
        if is_being_deleted(&cj) {
            return Ok(None);
        }
        let uid = meta_str(&cj, "uid").to_string();
        let jobs: Vec<Value> = self
            .jobs
            .list_namespace(&key.0)
            .filter(|j| controller_uid(j) == uid)
            .cloned()
            .collect();
        let mut status = cj.get("status").cloned().unwrap_or_else(|| json!({}));
        // Reconcile status.active with the jobs that exist and are still running.
        let mut active: Vec<Value> = Vec::new();
        for j in &jobs {
            match finished_condition(j) {
                None => active.push(job_ref(j)),
                Some(cond) => {
                    let was_active = status
                        .get("active")
                        .and_then(Value::as_array)
                        .is_some_and(|a| a.iter().any(|r| str_at(r, "/uid") == meta_str(j, "uid")));
                    if was_active {
                        let msg = format!("Saw completed job: {}, condition: {cond}", meta_str(j, "name"));
                        self.record(api, now, &cj, "Normal", "SawCompletedJob", &msg);
                    }
                    if cond == "Complete" {
                        if let Some(t) = j.pointer("/status/completionTime").and_then(Value::as_str) {
                            let later = str_at(&status, "/lastSuccessfulTime") < t;
                            if later {
                                set_field(&mut status, "lastSuccessfulTime", json!(t));
                            }
                        }
                    }
                }
            }
        }
        // History limits: oldest finished jobs beyond the limits go.
        for (cond, limit) in [
            (
                "Complete",
                int_opt(&cj, "/spec/successfulJobsHistoryLimit").unwrap_or(3),
            ),
            ("Failed", int_opt(&cj, "/spec/failedJobsHistoryLimit").unwrap_or(1)),
        ] {
            let mut done: Vec<&Value> = jobs
                .iter()
                .filter(|j| finished_condition(j) == Some(cond) && !is_being_deleted(j))
                .collect();
            done.sort_by(|a, b| {
                let t = |j: &Value| str_at(j, "/status/startTime").to_string();
                t(a).cmp(&t(b)).then(meta_str(a, "name").cmp(meta_str(b, "name")))
            });
            let extra = done.len() as i64 - limit.max(0);
            for j in done.into_iter().take(extra.max(0) as usize) {
                let j = j.clone();
                self.delete_job(api, now, &cj, &j)?;
            }
        }
        let schedule = match Schedule::parse(str_at(&cj, "/spec/schedule")) {
            Ok(s) => s,
            Err(e) => {
                let msg = format!("unparseable schedule: {:?} : {e}", str_at(&cj, "/spec/schedule"));
                self.record(api, now, &cj, "Warning", "UnparseableSchedule", &msg);
                return Ok(None);
            }
        };
        let now_secs = now.unix_secs();
        let earliest = time_at(&cj, "/status/lastScheduleTime").unwrap_or_else(|| creation_secs(&cj));
        // The most recent missed schedule in (earliest, now].
        let mut scheduled = None;
        let mut t = earliest;
        let mut missed = 0;
        while let Some(n) = schedule.next(t) {
            if n > now_secs {
                break;
            }
            scheduled = Some(n);
            missed += 1;
            t = n;
            if missed == 100 {
                // Far behind: skip to the recent past once, as upstream stops counting.
                t = t.max(now_secs - 60);
            }
        }
        let suspended = bool_at(&cj, "/spec/suspend");
        if let (Some(at), false) = (scheduled, suspended) {
            let too_late = int_opt(&cj, "/spec/startingDeadlineSeconds").is_some_and(|d| now_secs > at + d);
            let policy = str_at(&cj, "/spec/concurrencyPolicy");
            let name = job_name(meta_str(&cj, "name"), at);
            if too_late {
                let msg = format!(
                    "Missed scheduled time to start a job: {}",
                    apimachinery::time::format_rfc3339(at)
                );
                self.record(api, now, &cj, "Warning", "MissSchedule", &msg);
            } else if policy == "Forbid" && !active.is_empty() {
                let msg = "Not starting job because prior execution is running and concurrency policy is Forbid";
                self.record(api, now, &cj, "Normal", "JobAlreadyActive", msg);
            } else if jobs.iter().all(|j| meta_str(j, "name") != name) {
                if policy == "Replace" {
                    for r in std::mem::take(&mut active) {
                        if let Some(j) = jobs.iter().find(|j| meta_str(j, "uid") == str_at(&r, "/uid")).cloned() {
                            self.delete_job(api, now, &cj, &j)?;
                        }
                    }
                }
                let job = job_from_template(&cj, at);
                match api.request(ApiRequest::post(object_path("batch/v1", "jobs", &key.0, ""), job)) {
                    Ok(created) => {
                        let msg = format!("Created job {}", meta_str(&created, "name"));
                        self.record(api, now, &cj, "Normal", "SuccessfulCreate", &msg);
                        active.push(job_ref(&created));
                        set_field(
                            &mut status,
                            "lastScheduleTime",
                            json!(apimachinery::time::format_rfc3339(at)),
                        );
                    }
                    Err(e) if e.code() == 409 => {}
                    Err(e) => {
                        let msg = format!("Error creating job: {}", e.message());
                        self.record(api, now, &cj, "Warning", "FailedCreate", &msg);
                        return Err(e);
                    }
                }
            }
        }
        active.sort_by(|a, b| str_at(a, "/name").cmp(str_at(b, "/name")));
        set_field(
            &mut status,
            "active",
            if active.is_empty() {
                Value::Null
            } else {
                Value::Array(active)
            },
        );
        if let Some(m) = status.as_object_mut() {
            m.retain(|_, v| !v.is_null());
        }
        if cj.get("status") != Some(&status) {
            let mut body = cj.clone();
            set_field(&mut body, "status", status);
            api.request(ApiRequest::put(
                format!("{}/status", object_path("batch/v1", "cronjobs", &key.0, &key.1)),
                body,
            ))?;
        }
        // nextScheduleTimeDuration: 100 ms after the next activation.
        Ok(schedule
            .next(now_secs)
            .map(|n| SimTime::from_unix_secs(n).add(Duration::from_millis(100))))
    }
}

impl Component for CronJobController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.cronjobs.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            if c.kind != ChangeKind::Deleted {
                self.queue.add(c.key());
            }
        }
        let Ok(changes) = self.jobs.sync(api) else { return retry };
        for c in changes {
            did_work = true;
            let Some(r) = controller_ref(&c.object) else { continue };
            if r.get("kind").and_then(Value::as_str) != Some("CronJob") {
                continue;
            }
            let became_finished = is_finished(&c.object) && !c.old.as_ref().is_some_and(is_finished);
            if c.kind != ChangeKind::Modified || became_finished {
                if let Some(name) = r.get("name").and_then(Value::as_str) {
                    self.queue
                        .add((meta_str(&c.object, "namespace").to_string(), name.to_string()));
                }
            }
        }
        while let Some(key) = self.queue.pop_ready(now) {
            did_work = true;
            match self.sync(api, now, &key) {
                Ok(next) => {
                    self.queue.forget(&key);
                    if let Some(at) = next {
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

    const T0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z, a Thursday

    #[test]
    fn schedules_find_their_next_activation() {
        let every = Schedule::parse("*/1 * * * *").unwrap();
        assert_eq!(every.next(T0), Some(T0 + 60));
        assert_eq!(every.next(T0 + 59), Some(T0 + 60));
        let quarter = Schedule::parse("*/15 * * * *").unwrap();
        assert_eq!(quarter.next(T0 + 60), Some(T0 + 900));
        let hourly = Schedule::parse("@hourly").unwrap();
        assert_eq!(hourly.next(T0), Some(T0 + 3600));
        // Weekdays at 09:30: Thursday 1 January, then Friday.
        let weekdays = Schedule::parse("30 9 * * mon-fri").unwrap();
        assert_eq!(weekdays.next(T0), Some(T0 + 9 * 3600 + 1800));
        assert_eq!(weekdays.next(T0 + 10 * 3600), Some(T0 + 86_400 + 9 * 3600 + 1800));
        // Saturday 3 January is skipped to Monday 5 January.
        assert_eq!(
            weekdays.next(T0 + 86_400 + 10 * 3600),
            Some(T0 + 4 * 86_400 + 9 * 3600 + 1800)
        );
        // Day-of-month and day-of-week both set: either matches.
        let either = Schedule::parse("0 0 15 * sun").unwrap();
        assert_eq!(either.next(T0), Some(T0 + 3 * 86_400)); // Sunday 4 January
        let feb29 = Schedule::parse("0 0 29 feb *").unwrap();
        assert_eq!(feb29.next(T0).map(|t| civil_from_days(t / 86_400)), Some((2028, 2, 29)));
    }

    #[test]
    fn a_long_missed_history_still_finds_the_latest_schedule() {
        // 10 days of missed minutes: the loop in sync must end; next() stays monotonic.
        let s = Schedule::parse("* * * * *").unwrap();
        let mut t = T0;
        for _ in 0..200 {
            let n = s.next(t).unwrap();
            assert!(n > t);
            t = n;
        }
    }

    #[test]
    fn bad_schedules_are_rejected() {
        assert!(Schedule::parse("* * * *").is_err());
        assert!(Schedule::parse("61 * * * *").is_err());
        assert!(Schedule::parse("*/0 * * * *").is_err());
        assert!(Schedule::parse("x * * * *").is_err());
    }

    #[test]
    fn jobs_are_named_by_their_scheduled_minute() {
        let cj = json!({"metadata": {"name": "hello", "namespace": "default", "uid": "u"},
                        "spec": {"jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure"}}}}}});
        let job = job_from_template(&cj, T0 + 60);
        assert_eq!(job["metadata"]["name"], format!("hello-{}", (T0 + 60) / 60));
        assert_eq!(
            job["metadata"]["annotations"][SCHEDULED_TIMESTAMP],
            "2026-01-01T00:01:00Z"
        );
        assert_eq!(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
        assert_eq!(job["spec"]["template"]["spec"]["restartPolicy"], "OnFailure");
    }
}
