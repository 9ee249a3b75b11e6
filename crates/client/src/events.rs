//! Event recording through the API, as client-go's two recorders do.
//!
//! - [`EventRecorder::record`]: `tools/record` (controllers, kubelet): a core/v1 Event with
//!   `source`, `firstTimestamp`/`lastTimestamp` and `count`; a repeat of the same
//!   involvedObject + type + reason + message + source (the correlator's key) within 10 minutes
//!   bumps `count` and `lastTimestamp` of the existing Event by a PATCH.
//! - [`EventRecorder::eventf`]: `tools/events` (kube-scheduler): the events.k8s.io/v1 shape as
//!   the core/v1 API shows it: `eventTime` (microseconds), `action`, `reportingComponent`,
//!   `reportingInstance`, empty `source`, no timestamps or count; a repeat within 6 minutes
//!   becomes a `series` (count 2 at once, later counts refreshed every 30 minutes).
//!
//! Names are `<object-name>.<hex of the Unix nanoseconds>`, from virtual time.

use crate::meta_str;
use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, SimTime};

/// How long the legacy correlator merges repeats.
const LEGACY_WINDOW: Duration = Duration::from_secs(600);
/// tools/events: a series ends after 6 minutes without a repeat …
const SERIES_FINISH: Duration = Duration::from_secs(360);
/// … and its count is written at most every 30 minutes.
const SERIES_REFRESH: Duration = Duration::from_secs(1800);

/// `source` of legacy events / `reportingController` + `reportingInstance` of new ones.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventSource {
    pub component: String,
    pub host: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Seen {
    key: String,
    namespace: String,
    name: String,
    count: i64,
    first: SimTime,
    last: SimTime,
    /// When the count was last written (new-style series).
    written: SimTime,
}

/// Records Events; keeps the correlation cache (serialisable, part of a component's state).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EventRecorder {
    seen: Vec<Seen>,
    /// The last Unix-nanosecond value used in a name: names stay unique within a recorder.
    last_nanos: i64,
}

/// metav1.Time: RFC 3339 with second precision.
fn rfc3339(t: SimTime) -> String {
    apimachinery::time::format_rfc3339(t.unix_secs())
}

/// metav1.MicroTime: RFC 3339 with six fractional digits.
pub(crate) fn rfc3339_micro(t: SimTime) -> String {
    let base = rfc3339(t);
    let micros = t.unix_millis().rem_euclid(1000) * 1000;
    match base.strip_suffix('Z') {
        Some(b) => format!("{b}.{micros:06}Z"),
        None => base,
    }
}

/// An ObjectReference to `obj` (as `reference.GetReference`).
fn object_reference(obj: &Value) -> Value {
    let mut r = serde_json::Map::new();
    for (field, value) in [
        ("kind", obj.get("kind").and_then(Value::as_str).unwrap_or("")),
        ("namespace", meta_str(obj, "namespace")),
        ("name", meta_str(obj, "name")),
        ("uid", meta_str(obj, "uid")),
        (
            "apiVersion",
            obj.get("apiVersion").and_then(Value::as_str).unwrap_or(""),
        ),
        ("resourceVersion", meta_str(obj, "resourceVersion")),
    ] {
        if !value.is_empty() {
            r.insert(field.to_string(), Value::String(value.to_string()));
        }
    }
    Value::Object(r)
}

impl EventRecorder {
    pub fn new() -> Self {
        Self::default()
    }

    fn name_nanos(&mut self, now: SimTime) -> i64 {
        let nanos = now
            .unix_millis()
            .saturating_mul(1_000_000)
            .max(self.last_nanos.saturating_add(1));
        self.last_nanos = nanos;
        nanos
    }

    /// Creates `event` under `<name>.<hex nanos>`, moving on a nanosecond when another
    /// recorder took the name at the same instant.
    fn create(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        mut event: Value,
    ) -> Result<(String, String), ApiError> {
        let namespace = meta_str(&event, "namespace").to_string();
        let base = event
            .pointer("/involvedObject/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut last_err = None;
        for _ in 0..8 {
            let name = format!("{base}.{:x}", self.name_nanos(now));
            event["metadata"]["name"] = Value::String(name.clone());
            let req = ApiRequest::post(format!("/api/v1/namespaces/{namespace}/events"), event.clone());
            match api.request(req) {
                Ok(_) => return Ok((namespace, name)),
                Err(e) if e.code() == 409 => last_err = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last_err.unwrap_or_else(|| ApiError::internal("could not name the event")))
    }

    fn prune(&mut self, now: SimTime) {
        self.seen.retain(|s| {
            let window = if s.key.starts_with("new\u{0}") {
                SERIES_FINISH
            } else {
                LEGACY_WINDOW
            };
            now.since(s.last) <= window
        });
    }

    /// Records a core/v1 Event (client-go `tools/record`). Errors are returned, but a
    /// recorder's caller usually ignores them, as upstream's do.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        involved: &Value,
        type_: &str,
        reason: &str,
        message: &str,
        source_component: &str,
        source_host: &str,
    ) -> Result<(), ApiError> {
        self.record_at_field(
            api,
            now,
            involved,
            "",
            type_,
            reason,
            message,
            source_component,
            source_host,
        )
    }

    /// [`Self::record`] about a part of the object: `field_path` becomes involvedObject.fieldPath
    /// (the kubelet's `spec.containers{NAME}`) and is part of the aggregation key, as upstream's.
    #[allow(clippy::too_many_arguments)]
    pub fn record_at_field(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        involved: &Value,
        field_path: &str,
        type_: &str,
        reason: &str,
        message: &str,
        source_component: &str,
        source_host: &str,
    ) -> Result<(), ApiError> {
        self.prune(now);
        let mut reference = object_reference(involved);
        if !field_path.is_empty() {
            if let Some(r) = reference.as_object_mut() {
                r.insert("fieldPath".to_string(), Value::String(field_path.to_string()));
            }
        }
        let key = format!(
            "old\u{0}{}\u{0}{type_}\u{0}{reason}\u{0}{message}\u{0}{source_component}\u{0}{source_host}",
            serde_json::to_string(&json!({
                "kind": reference.get("kind"), "namespace": reference.get("namespace"),
                "name": reference.get("name"), "uid": reference.get("uid"), "apiVersion": reference.get("apiVersion"),
                "fieldPath": reference.get("fieldPath"),
            }))
            .unwrap_or_default()
        );
        if let Some(seen) = self.seen.iter_mut().find(|s| s.key == key) {
            seen.count = seen.count.saturating_add(1);
            seen.last = now;
            let patch = json!({"count": seen.count, "lastTimestamp": rfc3339(now), "message": message});
            let path = format!("/api/v1/namespaces/{}/events/{}", seen.namespace, seen.name);
            match api.request(ApiRequest::patch(path, PatchType::StrategicMerge, patch)) {
                Ok(_) => return Ok(()),
                // The Event expired meanwhile: start over with a new one.
                Err(e) if e.code() == 404 => {
                    self.seen.retain(|s| s.key != key);
                }
                Err(e) => return Err(e),
            }
        }
        let namespace = match meta_str(involved, "namespace") {
            "" => "default",
            ns => ns,
        };
        let stamp = rfc3339(now);
        let event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "", "namespace": namespace},
            "involvedObject": reference,
            "reason": reason,
            "message": message,
            "source": {"component": source_component, "host": source_host},
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "type": type_,
            "eventTime": null,
            "reportingComponent": source_component,
            "reportingInstance": source_host,
        });
        let (namespace, name) = self.create(api, now, event)?;
        self.seen.push(Seen {
            key,
            namespace,
            name,
            count: 1,
            first: now,
            last: now,
            written: now,
        });
        Ok(())
    }

    /// Records an event the events.k8s.io/v1 way (client-go `tools/events`, used by
    /// kube-scheduler), stored as the core/v1 API shows such events.
    #[allow(clippy::too_many_arguments)]
    pub fn eventf(
        &mut self,
        api: &mut dyn ApiClient,
        now: SimTime,
        source: &EventSource,
        regarding: &Value,
        related: Option<&Value>,
        type_: &str,
        reason: &str,
        action: &str,
        note: &str,
    ) -> Result<(), ApiError> {
        self.prune(now);
        let reference = object_reference(regarding);
        let related = related.map(object_reference);
        let key = format!(
            "new\u{0}{}\u{0}{}\u{0}{}\u{0}{}\u{0}{action}\u{0}{reason}\u{0}{note}\u{0}{}\u{0}{}",
            source.component,
            reference.get("namespace").and_then(Value::as_str).unwrap_or(""),
            reference.get("name").and_then(Value::as_str).unwrap_or(""),
            reference.get("uid").and_then(Value::as_str).unwrap_or(""),
            type_,
            related
                .as_ref()
                .and_then(|r| r.get("uid"))
                .and_then(Value::as_str)
                .unwrap_or(""),
        );
        if let Some(seen) = self.seen.iter_mut().find(|s| s.key == key) {
            seen.count = seen.count.saturating_add(1);
            seen.last = now;
            // The series is written when it starts (count 2), then refreshed every 30 min.
            if seen.count == 2 || now.since(seen.written) >= SERIES_REFRESH {
                seen.written = now;
                let patch = json!({"series": {"count": seen.count, "lastObservedTime": rfc3339_micro(now)}});
                let path = format!("/api/v1/namespaces/{}/events/{}", seen.namespace, seen.name);
                match api.request(ApiRequest::patch(path, PatchType::Merge, patch)) {
                    Ok(_) => return Ok(()),
                    Err(e) if e.code() == 404 => {
                        self.seen.retain(|s| s.key != key);
                    }
                    Err(e) => return Err(e),
                }
            } else {
                return Ok(());
            }
        }
        let namespace = match meta_str(regarding, "namespace") {
            "" => "default",
            ns => ns,
        };
        let mut event = json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "", "namespace": namespace},
            "involvedObject": reference,
            "reason": reason,
            "message": note,
            "source": {},
            "firstTimestamp": null,
            "lastTimestamp": null,
            "type": type_,
            "eventTime": rfc3339_micro(now),
            "action": action,
            "reportingComponent": source.component,
            "reportingInstance": source.host,
        });
        if let (Some(r), Some(m)) = (related, event.as_object_mut()) {
            m.insert("related".to_string(), r);
        }
        let (namespace, name) = self.create(api, now, event)?;
        self.seen.push(Seen {
            key,
            namespace,
            name,
            count: 1,
            first: now,
            last: now,
            written: now,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_time_has_six_fraction_digits() {
        assert_eq!(rfc3339_micro(SimTime(1_767_225_600_123)), "2026-01-01T00:00:00.123000Z");
        assert_eq!(rfc3339_micro(SimTime(1_767_225_600_000)), "2026-01-01T00:00:00.000000Z");
    }

    #[test]
    fn references_carry_kind_name_uid_and_resource_version() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default", "uid": "u1", "resourceVersion": "7"}});
        assert_eq!(
            object_reference(&pod),
            json!({"apiVersion": "v1", "kind": "Pod", "name": "p", "namespace": "default", "uid": "u1", "resourceVersion": "7"})
        );
    }
}
