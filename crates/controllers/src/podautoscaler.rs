//! The horizontal pod autoscaler (pkg/controller/podautoscaler), autoscaling/v2 with CPU (and
//! memory) Resource metrics of type Utilization or AverageValue, read from the resource
//! metrics API (`metrics.k8s.io/v1beta1` PodMetrics) every 15 s: upstream's replica
//! calculation (10 % tolerance, missing and unready pods), the default behavior (scale up by
//! max(4 pods, 100 %) per 15 s, scale down with a 300 s stabilization window), min/max
//! bounds, the AbleToScale / ScalingActive / ScalingLimited conditions and events.
//!
//! Without a metrics API the HPA reports upstream's FailedGetResourceMetric condition and
//! events, as a cluster without metrics-server does.

use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use client::{ChangeKind, Component, EventRecorder, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::BTreeMap;

const COMPONENT: &str = "horizontal-pod-autoscaler";
/// `--horizontal-pod-autoscaler-sync-period`.
pub const SYNC_PERIOD: Duration = Duration::from_secs(15);
/// `--horizontal-pod-autoscaler-tolerance`.
pub const TOLERANCE: f64 = 0.1;
/// Default scale-down stabilization window.
pub const DOWNSCALE_WINDOW_SECS: i64 = 300;

/// A CPU or memory quantity in milli-units (`250m`, `1`, `123456n`, `64Mi`).
pub fn milli(q: &str) -> Option<f64> {
    let (num, mult) = if let Some(n) = q.strip_suffix('n') {
        (n, 1e-6)
    } else if let Some(n) = q.strip_suffix('u') {
        (n, 1e-3)
    } else if let Some(n) = q.strip_suffix('m') {
        (n, 1.0)
    } else if let Some(n) = q.strip_suffix("Ki") {
        (n, 1024.0 * 1000.0)
    } else if let Some(n) = q.strip_suffix("Mi") {
        (n, 1024.0 * 1024.0 * 1000.0)
    } else if let Some(n) = q.strip_suffix("Gi") {
        (n, 1024.0 * 1024.0 * 1024.0 * 1000.0)
    } else if let Some(n) = q.strip_suffix('k') {
        (n, 1e6)
    } else if let Some(n) = q.strip_suffix('M') {
        (n, 1e9)
    } else if let Some(n) = q.strip_suffix('G') {
        (n, 1e12)
    } else {
        (q, 1000.0)
    };
    num.parse::<f64>().ok().filter(|f| f.is_finite()).map(|f| f * mult)
}

/// What the replica calculation needs per pod.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PodSample {
    pub ready: bool,
    /// Usage (milli) when the metrics API reported the pod.
    pub usage: Option<f64>,
    /// Sum of the containers' requests (milli).
    pub request: f64,
}

/// `GetResourceReplicas` for a Utilization target: (desired replicas, utilization %, raw
/// average usage per pod in milli).
pub fn resource_replicas(current: i64, target_utilization: i64, pods: &[PodSample]) -> Option<(i64, i64, f64)> {
    let with_metrics: Vec<&PodSample> = pods.iter().filter(|p| p.usage.is_some() && p.ready).collect();
    let usage: f64 = with_metrics.iter().filter_map(|p| p.usage).sum();
    let requests: f64 = with_metrics.iter().map(|p| p.request).sum();
    if requests <= 0.0 || target_utilization <= 0 {
        return None;
    }
    let utilization = ((usage * 100.0) / requests) as i64;
    let raw = usage / with_metrics.len().max(1) as f64;
    let ratio = utilization as f64 / target_utilization as f64;
    let unready = pods.iter().filter(|p| !p.ready).count();
    let missing: Vec<&PodSample> = pods.iter().filter(|p| p.ready && p.usage.is_none()).collect();
    let scale_up_with_unready = unready > 0 && ratio > 1.0;
    if !scale_up_with_unready && missing.is_empty() {
        if (1.0 - ratio).abs() <= TOLERANCE {
            return Some((current, utilization, raw));
        }
        return Some(((ratio * with_metrics.len() as f64).ceil() as i64, utilization, raw));
    }
    // Missing pods count as 100 % of request when scaling down, 0 % when scaling up;
    // unready pods as 0 % when scaling up.
    let mut usage2 = usage;
    let mut requests2 = requests;
    let mut count = with_metrics.len();
    for p in &missing {
        if ratio < 1.0 {
            usage2 += p.request * target_utilization as f64 / 100.0;
        }
        requests2 += p.request;
        count += 1;
    }
    if scale_up_with_unready {
        for p in pods.iter().filter(|p| !p.ready) {
            requests2 += p.request;
            count += 1;
        }
    }
    let new_ratio = ((usage2 * 100.0 / requests2) as i64) as f64 / target_utilization as f64;
    if (1.0 - new_ratio).abs() <= TOLERANCE || (ratio > 1.0 && new_ratio < 1.0) || (ratio < 1.0 && new_ratio > 1.0) {
        return Some((current, utilization, raw));
    }
    let desired = (new_ratio * count as f64).ceil() as i64;
    if (new_ratio < 1.0 && desired > current) || (new_ratio > 1.0 && desired < current) {
        return Some((current, utilization, raw));
    }
    Some((desired, utilization, raw))
}

fn condition(type_: &str, status: &str, reason: &str, message: &str, now: SimTime, old: &Value) -> Value {
    let prev = old
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|c| str_at(c, "/type") == type_));
    let t = match prev {
        Some(c) if str_at(c, "/status") == status => {
            c.get("lastTransitionTime").cloned().unwrap_or(json!(rfc3339(now)))
        }
        _ => json!(rfc3339(now)),
    };
    json!({"type": type_, "status": status, "lastTransitionTime": t, "reason": reason, "message": message})
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HorizontalController {
    hpas: Informer,
    queue: WorkQueue<Key>,
    recorder: EventRecorder,
    /// `namespace/name` → (time, recommendation) within the stabilization window.
    recommendations: BTreeMap<String, Vec<(SimTime, i64)>>,
}

pub fn horizontal_pod_autoscaler_controller() -> HorizontalController {
    HorizontalController {
        hpas: Informer::new(ResourcePath::new("autoscaling", "v2", "horizontalpodautoscalers")),
        queue: WorkQueue::default(),
        recorder: EventRecorder::new(),
        recommendations: BTreeMap::new(),
    }
}

fn scale_path(hpa: &Value) -> Option<String> {
    let kind = str_at(hpa, "/spec/scaleTargetRef/kind");
    let name = str_at(hpa, "/spec/scaleTargetRef/name");
    let plural = match kind {
        "Deployment" => "deployments",
        "ReplicaSet" => "replicasets",
        "StatefulSet" => "statefulsets",
        "ReplicationController" => {
            return Some(format!(
                "{}/scale",
                object_path("v1", "replicationcontrollers", meta_str(hpa, "namespace"), name)
            ))
        }
        _ => return None,
    };
    Some(format!(
        "{}/scale",
        object_path("apps/v1", plural, meta_str(hpa, "namespace"), name)
    ))
}

impl HorizontalController {
    fn record(&mut self, api: &mut dyn ApiClient, now: SimTime, hpa: &Value, type_: &str, reason: &str, msg: &str) {
        let _ = self.recorder.record(api, now, hpa, type_, reason, msg, COMPONENT, "");
    }

    /// The CPU/memory utilization metric spec (resource name, target %), the first one.
    fn metric(hpa: &Value) -> Option<(String, i64)> {
        hpa.pointer("/spec/metrics")?.as_array()?.iter().find_map(|m| {
            (str_at(m, "/type") == "Resource" && str_at(m, "/resource/target/type") == "Utilization").then(|| {
                (
                    str_at(m, "/resource/name").to_string(),
                    int_at(m, "/resource/target/averageUtilization"),
                )
            })
        })
    }

    fn samples(
        &self,
        api: &mut dyn ApiClient,
        ns: &str,
        selector: &str,
        resource: &str,
    ) -> Result<Vec<PodSample>, String> {
        let metrics_req = ApiRequest::get(format!("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods"))
            .with_query("labelSelector", selector);
        let metrics = api.request(metrics_req).map_err(|e| {
            let msg = if e.code() == 404 { "the server could not find the requested resource".to_string() } else { e.message().to_string() };
            // client-go names the resource once; the aggregator's 503 already carries it.
            let suffix = if msg.ends_with(')') { "" } else { " (get pods.metrics.k8s.io)" };
            format!("unable to get metrics for resource {resource}: unable to fetch metrics from resource metrics API: {msg}{suffix}")
        })?;
        let pods = api
            .request(ApiRequest::get(object_path("v1", "pods", ns, "")).with_query("labelSelector", selector))
            .map_err(|e| e.message().to_string())?;
        let mut usage: BTreeMap<String, f64> = BTreeMap::new();
        for m in metrics.get("items").and_then(Value::as_array).into_iter().flatten() {
            let total: f64 = m
                .get("containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|c| {
                    c.pointer(&format!("/usage/{resource}"))
                        .and_then(Value::as_str)
                        .and_then(milli)
                        // The metrics client sums Quantity.MilliValue(), which rounds up.
                        .map(f64::ceil)
                })
                .sum();
            usage.insert(meta_str(m, "name").to_string(), total);
        }
        let mut out = Vec::new();
        for pod in pods.get("items").and_then(Value::as_array).into_iter().flatten() {
            if is_being_deleted(pod) || pod_phase(pod) == "Failed" || pod_phase(pod) == "Succeeded" {
                continue;
            }
            let mut request = 0.0;
            for c in pod
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                match c
                    .pointer(&format!("/resources/requests/{resource}"))
                    .and_then(Value::as_str)
                    .and_then(milli)
                {
                    Some(r) => request += r,
                    None => {
                        return Err(format!(
                            "missing request for {resource} in container {} of Pod {}",
                            str_at(c, "/name"),
                            meta_str(pod, "name")
                        ))
                    }
                }
            }
            out.push(PodSample {
                ready: is_pod_ready(pod) && pod_phase(pod) == "Running",
                usage: usage.get(meta_str(pod, "name")).copied(),
                request,
            });
        }
        Ok(out)
    }

    fn sync(&mut self, api: &mut dyn ApiClient, now: SimTime, key: &Key) -> Result<(), ApiError> {
        let Some(hpa) = self.hpas.get(&key.0, &key.1).cloned() else {
            self.recommendations.remove(&format!("{}/{}", key.0, key.1));
            return Ok(());
        };
        let rkey = format!("{}/{}", key.0, key.1);
        let mut conditions: Vec<Value> = Vec::new();
        let mut status = json!({});
        let min = int_opt(&hpa, "/spec/minReplicas").unwrap_or(1);
        let max = int_at(&hpa, "/spec/maxReplicas");
        let target_kind = str_at(&hpa, "/spec/scaleTargetRef/kind").to_string();
        let scale = match scale_path(&hpa).map(|p| api.request(ApiRequest::get(p))) {
            Some(Ok(s)) => s,
            other => {
                let why = match other {
                    Some(Err(e)) => e.message().to_string(),
                    _ => format!("no matches for kind \"{target_kind}\""),
                };
                let msg = format!("the HPA controller was unable to get the target's current scale: {why}");
                self.record(api, now, &hpa, "Warning", "FailedGetScale", &why);
                conditions.push(condition("AbleToScale", "False", "FailedGetScale", &msg, now, &hpa));
                set_field(&mut status, "conditions", Value::Array(conditions));
                set_field(&mut status, "currentReplicas", json!(0));
                set_field(&mut status, "desiredReplicas", json!(0));
                return self.write_status(api, &hpa, status);
            }
        };
        conditions.push(condition(
            "AbleToScale",
            "True",
            "SucceededGetScale",
            "the HPA controller was able to get the target's current scale",
            now,
            &hpa,
        ));
        let current = int_at(&scale, "/spec/replicas");
        let selector = str_at(&scale, "/status/selector").to_string();
        let desired;
        let mut reason = String::new();
        let mut rescale = true;
        let mut current_metrics = Value::Null;
        if current == 0 && min != 0 {
            rescale = false;
            desired = 0;
            conditions.push(condition(
                "ScalingActive",
                "False",
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
                now,
                &hpa,
            ));
        } else if current > max {
            desired = max;
            reason = "Current number of replicas above Spec.MaxReplicas".into();
        } else if current < min {
            desired = min;
            reason = "Current number of replicas below Spec.MinReplicas".into();
        } else {
            let (resource, target) = Self::metric(&hpa).unwrap_or_else(|| ("cpu".into(), 80));
            let computed = self.samples(api, &key.0, &selector, &resource).and_then(|s| {
                resource_replicas(current, target, &s)
                    .ok_or_else(|| "did not receive metrics for targeted pods (pods might be unready)".to_string())
            });
            match computed {
                Err(e) => {
                    let err = format!("failed to get {resource} utilization: {e}");
                    self.record(api, now, &hpa, "Warning", "FailedGetResourceMetric", &err);
                    let full = format!("invalid metrics (1 invalid out of 1), first error is: failed to get {resource} resource metric value: {err}");
                    self.record(api, now, &hpa, "Warning", "FailedComputeMetricsReplicas", &full);
                    let msg = format!("the HPA was unable to compute the replica count: {err}");
                    conditions.push(condition(
                        "ScalingActive",
                        "False",
                        "FailedGetResourceMetric",
                        &msg,
                        now,
                        &hpa,
                    ));
                    set_field(&mut status, "conditions", Value::Array(conditions));
                    set_field(&mut status, "currentReplicas", json!(current));
                    set_field(
                        &mut status,
                        "desiredReplicas",
                        json!(int_at(&hpa, "/status/desiredReplicas")),
                    );
                    set_field(&mut status, "currentMetrics", json!([{"type": ""}]));
                    if let Some(t) = hpa.pointer("/status/lastScaleTime") {
                        set_field(&mut status, "lastScaleTime", t.clone());
                    }
                    return self.write_status(api, &hpa, status);
                }
                Ok((want, utilization, raw)) => {
                    current_metrics = json!([{"type": "Resource", "resource": {"name": resource, "current": {
                        "averageUtilization": utilization, "averageValue": format!("{}m", raw.round() as i64)}}}]);
                    let label = if resource == "cpu" {
                        "cpu resource utilization (percentage of request)"
                    } else {
                        "memory resource utilization (percentage of request)"
                    };
                    conditions.push(condition(
                        "ScalingActive",
                        "True",
                        "ValidMetricFound",
                        &format!("the HPA was able to successfully calculate a replica count from {label}"),
                        now,
                        &hpa,
                    ));
                    // Stabilization: scale-down takes the highest recommendation of the last
                    // 300 s; scale-up is immediate.
                    let history = self.recommendations.entry(rkey.clone()).or_default();
                    history.retain(|(t, _)| now.since(*t) < Duration::from_secs(DOWNSCALE_WINDOW_SECS));
                    let highest = history.iter().map(|(_, r)| *r).chain([want]).max().unwrap_or(want);
                    history.push((now, want));
                    let mut stabilized = current;
                    if want > current {
                        stabilized = want;
                    } else if highest < current {
                        stabilized = highest;
                    }
                    let (able_reason, able_msg) = if stabilized != want {
                        ("ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
                    } else {
                        ("ReadyForNewScale", "recommended size matches current size")
                    };
                    if let Some(c) = conditions.first_mut() {
                        *c = condition("AbleToScale", "True", able_reason, able_msg, now, &hpa);
                    }
                    // Rate limits of the default behavior, then the bounds.
                    let up_limit = (current + 4).max(current * 2);
                    let (mut d, mut limit) = (
                        stabilized,
                        (
                            "False",
                            "DesiredWithinRange",
                            "the desired count is within the acceptable range",
                        ),
                    );
                    if d > up_limit {
                        d = up_limit;
                        limit = (
                            "True",
                            "ScaleUpLimit",
                            "the desired replica count is increasing faster than the maximum scale rate",
                        );
                    }
                    if d > max {
                        d = max;
                        limit = (
                            "True",
                            "TooManyReplicas",
                            "the desired replica count is more than the maximum replica count",
                        );
                    } else if d < min {
                        d = min;
                        limit = (
                            "True",
                            "TooFewReplicas",
                            "the desired replica count is less than the minimum replica count",
                        );
                    }
                    conditions.push(condition("ScalingLimited", limit.0, limit.1, limit.2, now, &hpa));
                    desired = d;
                    reason = if want > current {
                        format!("{resource} resource utilization (percentage of request) above target")
                    } else {
                        "All metrics below target".into()
                    };
                    rescale = desired != current;
                }
            }
        }
        if rescale {
            let mut s = scale.clone();
            if let Some(spec) = s.get_mut("spec") {
                set_field(spec, "replicas", json!(desired));
            }
            match scale_path(&hpa).map(|p| api.request(ApiRequest::put(p, s))) {
                Some(Ok(_)) => {
                    let msg = format!("New size: {desired}; reason: {reason}");
                    self.record(api, now, &hpa, "Normal", "SuccessfulRescale", &msg);
                    if let Some(c) = conditions.first_mut() {
                        *c = condition(
                            "AbleToScale",
                            "True",
                            "SucceededRescale",
                            &format!("the HPA controller was able to update the target scale to {desired}"),
                            now,
                            &hpa,
                        );
                    }
                    set_field(&mut status, "lastScaleTime", json!(rfc3339(now)));
                }
                Some(Err(e)) => {
                    let msg = format!("New size: {desired}; reason: {reason}; error: {}", e.message());
                    self.record(api, now, &hpa, "Warning", "FailedRescale", &msg);
                    return Err(e);
                }
                None => {}
            }
        } else if let Some(t) = hpa.pointer("/status/lastScaleTime") {
            set_field(&mut status, "lastScaleTime", t.clone());
        }
        set_field(&mut status, "currentReplicas", json!(current));
        set_field(&mut status, "desiredReplicas", json!(desired));
        if !current_metrics.is_null() {
            set_field(&mut status, "currentMetrics", current_metrics);
        }
        set_field(&mut status, "conditions", Value::Array(conditions));
        self.write_status(api, &hpa, status)
    }

    fn write_status(&mut self, api: &mut dyn ApiClient, hpa: &Value, status: Value) -> Result<(), ApiError> {
        if hpa.get("status") == Some(&status) {
            return Ok(());
        }
        let mut body = hpa.clone();
        set_field(&mut body, "status", status);
        let (ns, name) = key_of(hpa);
        let path = format!(
            "{}/status",
            object_path("autoscaling/v2", "horizontalpodautoscalers", &ns, &name)
        );
        api.request(ApiRequest::put(path, body)).map(|_| ())
    }
}

impl Component for HorizontalController {
    fn name(&self) -> &'static str {
        COMPONENT
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let mut did_work = false;
        let Ok(changes) = self.hpas.sync(api) else {
            return StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        };
        for c in changes {
            did_work = true;
            // A spec change is looked at now; status writes wait for the next period.
            let spec_changed = c.old.as_ref().map(|o| o.get("spec")) != Some(c.object.get("spec"));
            if c.kind != ChangeKind::Deleted && spec_changed {
                self.queue.add(c.key());
            }
        }
        while let Some(key) = self.queue.pop_ready(now) {
            did_work = true;
            let result = self.sync(api, now, &key);
            if self.hpas.get(&key.0, &key.1).is_some() {
                self.queue.forget(&key);
                self.queue.add_after(key.clone(), now.add(SYNC_PERIOD));
            }
            let _ = result;
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

    fn ready(usage: f64, request: f64) -> PodSample {
        PodSample {
            ready: true,
            usage: Some(usage),
            request,
        }
    }

    #[test]
    fn replicas_follow_utilization_outside_the_tolerance() {
        // 2 pods at 100m of 200m requested (50 %), target 50 %: stay.
        assert_eq!(
            resource_replicas(2, 50, &[ready(100.0, 200.0), ready(100.0, 200.0)]),
            Some((2, 50, 100.0))
        );
        // 2 pods at 200 %, target 50 %: 8.
        assert_eq!(
            resource_replicas(2, 50, &[ready(400.0, 200.0), ready(400.0, 200.0)]).map(|r| r.0),
            Some(8)
        );
        // 54 % against 50 %: within 10 %.
        assert_eq!(
            resource_replicas(3, 50, &[ready(108.0, 200.0); 3]).map(|r| r.0),
            Some(3)
        );
        // Idle: 4 pods at 5 % of target 50 %: 1.
        assert_eq!(resource_replicas(4, 50, &[ready(10.0, 200.0); 4]).map(|r| r.0), Some(1));
        assert_eq!(resource_replicas(1, 50, &[]), None);
    }

    #[test]
    fn missing_metrics_dampen_scale_down() {
        let pods = [
            ready(10.0, 200.0),
            PodSample {
                ready: true,
                usage: None,
                request: 200.0,
            },
        ];
        // The missing pod counts as at target: (10 + 100) / 400 = 27 % → ratio 0.54 → 2 pods.
        assert_eq!(resource_replicas(2, 50, &pods).map(|r| r.0), Some(2));
    }

    #[test]
    fn quantities_parse_to_milli_units() {
        assert_eq!(milli("250m"), Some(250.0));
        assert_eq!(milli("1"), Some(1000.0));
        assert_eq!(milli("1500000n"), Some(1.5));
        assert_eq!(milli("x"), None);
    }
}
