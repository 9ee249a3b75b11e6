//! Conversion between the served versions of a built-in kind, for the kinds whose versions
//! differ in shape: the API server stores every object at its resource's storage version
//! and converts on the way in and out, as kube-apiserver does through its internal types.
//!
//! Today that is the HorizontalPodAutoscaler: stored as autoscaling/v2, served also as
//! autoscaling/v1 (pkg/apis/autoscaling/v1/conversion.go). What v1 has no field for travels
//! in annotations, written as Go's encoding/json writes them: the other metrics
//! (`autoscaling.alpha.kubernetes.io/metrics`), the current metrics (`…/current-metrics`),
//! the conditions (`…/conditions`) and the behavior (`…/behavior`, in the internal type's
//! Go field names). Every other kind has one shape across its versions: only `apiVersion`
//! changes.

use apimachinery::yaml::go_json_string;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const METRIC_SPECS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/metrics";
pub const METRIC_STATUSES_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
pub const CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";
pub const BEHAVIOR_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/behavior";
const ROUND_TRIP_ANNOTATIONS: [&str; 4] = [
    METRIC_SPECS_ANNOTATION,
    BEHAVIOR_ANNOTATION,
    METRIC_STATUSES_ANNOTATION,
    CONDITIONS_ANNOTATION,
];
/// `autoscaling.DefaultCPUUtilization`: v1's implicit target, made explicit in v2.
const DEFAULT_CPU_UTILIZATION: i64 = 80;

/// Whether objects of `group`/`kind` change shape between versions (and so need
/// [`convert`] rather than a new `apiVersion`).
pub fn has_conversion(group: &str, kind: &str) -> bool {
    group == "autoscaling" && kind == "HorizontalPodAutoscaler"
}

/// `obj` (of `group`/`kind`, at the version its `apiVersion` names) at `to_version`.
/// `Err` carries the decoding error of an annotation that does not hold what v1 puts there.
pub fn convert(group: &str, kind: &str, obj: &Value, to_version: &str) -> Result<Value, String> {
    let from = obj
        .get("apiVersion")
        .and_then(Value::as_str)
        .and_then(|av| av.rsplit_once('/'))
        .map(|(_, v)| v)
        .unwrap_or("");
    let mut out = match (has_conversion(group, kind), from, to_version) {
        (true, "v1", "v2") => hpa_v1_to_v2(obj)?,
        (true, "v2", "v1") => hpa_v2_to_v1(obj),
        (true, _, "v2") => {
            // v2 has a field for everything: annotations of that name are never kept.
            let mut out = obj.clone();
            if let Some(root) = out.as_object_mut() {
                take_round_trip_annotations(root);
            }
            out
        }
        _ => obj.clone(),
    };
    if let Some(m) = out.as_object_mut() {
        let av = if group.is_empty() {
            to_version.to_string()
        } else {
            format!("{group}/{to_version}")
        };
        m.insert("apiVersion".into(), json!(av));
    }
    Ok(out)
}

// ---- autoscaling/v1 → autoscaling/v2 ----------------------------------------------------

fn hpa_v1_to_v2(obj: &Value) -> Result<Value, String> {
    let mut out = obj.clone();
    let Some(root) = out.as_object_mut() else {
        return Ok(out);
    };
    let annotations = take_round_trip_annotations(root);
    let v1_spec = root.remove("spec").unwrap_or(Value::Null);
    let v1_status = root.remove("status").unwrap_or(Value::Null);

    let mut spec = Map::new();
    copy(&v1_spec, &mut spec, &["scaleTargetRef", "minReplicas", "maxReplicas"]);
    let mut metrics = Vec::new();
    if let Some(text) = annotations.get(METRIC_SPECS_ANNOTATION) {
        for m in decode_list(text, "[]v1.MetricSpec")? {
            metrics.push(metric_spec_to_v2(&m));
        }
    }
    if let Some(cpu) = v1_spec.get("targetCPUUtilizationPercentage").filter(|v| !v.is_null()) {
        metrics.push(cpu_utilization_target(cpu.clone()));
    }
    if metrics.is_empty() {
        metrics.push(cpu_utilization_target(json!(DEFAULT_CPU_UTILIZATION)));
    }
    spec.insert("metrics".into(), Value::Array(metrics));
    if let Some(text) = annotations.get(BEHAVIOR_ANNOTATION) {
        let behavior = decode(text, "autoscaling.HorizontalPodAutoscalerBehavior")?;
        if !behavior.is_null() {
            spec.insert("behavior".into(), behavior_from_internal(&behavior));
        }
    }
    root.insert("spec".into(), Value::Object(spec));

    let mut status = Map::new();
    copy(&v1_status, &mut status, &["observedGeneration", "lastScaleTime"]);
    // v2's currentReplicas is omitempty, its desiredReplicas is not.
    if let Some(n) = v1_status
        .get("currentReplicas")
        .filter(|n| n.as_i64() != Some(0) && !n.is_null())
    {
        status.insert("currentReplicas".into(), n.clone());
    }
    status.insert(
        "desiredReplicas".into(),
        v1_status
            .get("desiredReplicas")
            .filter(|n| !n.is_null())
            .cloned()
            .unwrap_or(json!(0)),
    );
    if let Some(cpu) = v1_status
        .get("currentCPUUtilizationPercentage")
        .filter(|v| !v.is_null())
    {
        status.insert(
            "currentMetrics".into(),
            json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": cpu}}}]),
        );
    }
    if let Some(text) = annotations.get(METRIC_STATUSES_ANNOTATION) {
        // The annotation has more than the CPU percentage: it wins.
        let list = decode_list(text, "[]v1.MetricStatus")?;
        status.insert(
            "currentMetrics".into(),
            Value::Array(list.iter().map(metric_status_to_v2).collect()),
        );
    }
    if let Some(text) = annotations.get(CONDITIONS_ANNOTATION) {
        let list = decode_list(text, "[]v1.HorizontalPodAutoscalerCondition")?;
        status.insert("conditions".into(), Value::Array(list));
    }
    // A struct, not a pointer: the status is always there.
    root.insert("status".into(), Value::Object(status));
    Ok(out)
}

fn cpu_utilization_target(percent: Value) -> Value {
    json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": percent}}})
}

/// A v1 MetricSpec (the annotation's element) as v2 has it.
fn metric_spec_to_v2(m: &Value) -> Value {
    let type_ = field(m, "type").cloned().unwrap_or(json!(""));
    let mut out = Map::new();
    out.insert("type".into(), type_);
    if let Some(r) = field(m, "resource").filter(|v| v.is_object()) {
        out.insert("resource".into(), resource_source_to_v2(r, false));
    }
    if let Some(r) = field(m, "containerResource").filter(|v| v.is_object()) {
        out.insert("containerResource".into(), resource_source_to_v2(r, true));
    }
    if let Some(p) = field(m, "pods").filter(|v| v.is_object()) {
        let mut target = Map::new();
        target.insert("type".into(), json!("AverageValue"));
        target.insert("averageValue".into(), quantity(field(p, "targetAverageValue")));
        out.insert(
            "pods".into(),
            json!({"metric": identifier(p, "metricName", "selector"), "target": target}),
        );
    }
    if let Some(o) = field(m, "object").filter(|v| v.is_object()) {
        let average = field(o, "averageValue").filter(|v| !v.is_null());
        let mut target = Map::new();
        target.insert(
            "type".into(),
            json!(if average.is_none() { "Value" } else { "AverageValue" }),
        );
        target.insert("value".into(), quantity(field(o, "targetValue")));
        if let Some(a) = average {
            target.insert("averageValue".into(), a.clone());
        }
        out.insert(
            "object".into(),
            json!({
                "describedObject": field(o, "target").cloned().unwrap_or(json!({})),
                "metric": identifier(o, "metricName", "selector"),
                "target": target,
            }),
        );
    }
    if let Some(e) = field(m, "external").filter(|v| v.is_object()) {
        let value = field(e, "targetValue").filter(|v| !v.is_null());
        let mut target = Map::new();
        target.insert(
            "type".into(),
            json!(if value.is_none() { "AverageValue" } else { "Value" }),
        );
        if let Some(v) = value {
            target.insert("value".into(), v.clone());
        }
        if let Some(a) = field(e, "targetAverageValue").filter(|v| !v.is_null()) {
            target.insert("averageValue".into(), a.clone());
        }
        out.insert(
            "external".into(),
            json!({"metric": identifier(e, "metricName", "metricSelector"), "target": target}),
        );
    }
    Value::Object(out)
}

fn resource_source_to_v2(r: &Value, container: bool) -> Value {
    let utilization = field(r, "targetAverageUtilization").filter(|v| !v.is_null());
    let mut target = Map::new();
    target.insert(
        "type".into(),
        json!(if utilization.is_none() {
            "AverageValue"
        } else {
            "Utilization"
        }),
    );
    if let Some(a) = field(r, "targetAverageValue").filter(|v| !v.is_null()) {
        target.insert("averageValue".into(), a.clone());
    }
    if let Some(u) = utilization {
        target.insert("averageUtilization".into(), u.clone());
    }
    let mut out = Map::new();
    out.insert("name".into(), field(r, "name").cloned().unwrap_or(json!("")));
    if container {
        out.insert("container".into(), field(r, "container").cloned().unwrap_or(json!("")));
    }
    out.insert("target".into(), Value::Object(target));
    Value::Object(out)
}

/// A v1 MetricStatus (the annotation's element) as v2 has it.
fn metric_status_to_v2(m: &Value) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), field(m, "type").cloned().unwrap_or(json!("")));
    for (key, container) in [("resource", false), ("containerResource", true)] {
        if let Some(r) = field(m, key).filter(|v| v.is_object()) {
            let mut current = Map::new();
            current.insert("averageValue".into(), quantity(field(r, "currentAverageValue")));
            if let Some(u) = field(r, "currentAverageUtilization").filter(|v| !v.is_null()) {
                current.insert("averageUtilization".into(), u.clone());
            }
            let mut status = Map::new();
            status.insert("name".into(), field(r, "name").cloned().unwrap_or(json!("")));
            if container {
                status.insert("container".into(), field(r, "container").cloned().unwrap_or(json!("")));
            }
            status.insert("current".into(), Value::Object(current));
            out.insert(key.into(), Value::Object(status));
        }
    }
    if let Some(p) = field(m, "pods").filter(|v| v.is_object()) {
        out.insert(
            "pods".into(),
            json!({
                "metric": identifier(p, "metricName", "selector"),
                "current": {"averageValue": quantity(field(p, "currentAverageValue"))},
            }),
        );
    }
    if let Some(o) = field(m, "object").filter(|v| v.is_object()) {
        let mut current = Map::new();
        current.insert("value".into(), quantity(field(o, "currentValue")));
        if let Some(a) = field(o, "averageValue").filter(|v| !v.is_null()) {
            current.insert("averageValue".into(), a.clone());
        }
        out.insert(
            "object".into(),
            json!({
                "describedObject": field(o, "target").cloned().unwrap_or(json!({})),
                "metric": identifier(o, "metricName", "selector"),
                "current": current,
            }),
        );
    }
    if let Some(e) = field(m, "external").filter(|v| v.is_object()) {
        let mut current = Map::new();
        current.insert("value".into(), quantity(field(e, "currentValue")));
        if let Some(a) = field(e, "currentAverageValue").filter(|v| !v.is_null()) {
            current.insert("averageValue".into(), a.clone());
        }
        out.insert(
            "external".into(),
            json!({"metric": identifier(e, "metricName", "metricSelector"), "current": current}),
        );
    }
    Value::Object(out)
}

/// A v2 MetricIdentifier from a v1 source's name and selector fields.
fn identifier(src: &Value, name: &str, selector: &str) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), field(src, name).cloned().unwrap_or(json!("")));
    if let Some(s) = field(src, selector).filter(|v| !v.is_null()) {
        out.insert("selector".into(), s.clone());
    }
    Value::Object(out)
}

/// The internal HorizontalPodAutoscalerBehavior (Go field names) as v2 has it.
fn behavior_from_internal(b: &Value) -> Value {
    let mut out = Map::new();
    for (go, json_name) in [("ScaleUp", "scaleUp"), ("ScaleDown", "scaleDown")] {
        let Some(rules) = field(b, go).filter(|v| v.is_object()) else {
            continue;
        };
        let mut r = Map::new();
        for (go, json_name) in [
            ("StabilizationWindowSeconds", "stabilizationWindowSeconds"),
            ("SelectPolicy", "selectPolicy"),
            ("Tolerance", "tolerance"),
        ] {
            if let Some(v) = field(rules, go).filter(|v| !v.is_null()) {
                r.insert(json_name.into(), v.clone());
            }
        }
        if let Some(policies) = field(rules, "Policies").and_then(Value::as_array) {
            let list = policies
                .iter()
                .map(|p| {
                    json!({
                        "type": field(p, "Type").cloned().unwrap_or(json!("")),
                        "value": field(p, "Value").cloned().unwrap_or(json!(0)),
                        "periodSeconds": field(p, "PeriodSeconds").cloned().unwrap_or(json!(0)),
                    })
                })
                .collect();
            r.insert("policies".into(), Value::Array(list));
        }
        out.insert(json_name.into(), Value::Object(r));
    }
    Value::Object(out)
}

// ---- autoscaling/v2 → autoscaling/v1 ----------------------------------------------------

fn hpa_v2_to_v1(obj: &Value) -> Value {
    let mut out = obj.clone();
    let Some(root) = out.as_object_mut() else {
        return out;
    };
    // Only the annotations this conversion writes may be there.
    take_round_trip_annotations(root);
    let v2_spec = root.remove("spec").unwrap_or(Value::Null);
    let v2_status = root.remove("status").unwrap_or(Value::Null);
    let metrics: &[Value] = v2_spec
        .get("metrics")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let current: &[Value] = v2_status
        .get("currentMetrics")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let conditions: &[Value] = v2_status
        .get("conditions")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);

    let mut spec = Map::new();
    copy(&v2_spec, &mut spec, &["scaleTargetRef", "minReplicas", "maxReplicas"]);
    // The first CPU resource metric decides targetCPUUtilizationPercentage.
    if let Some(cpu) = metrics.iter().find(|m| is_cpu_resource(m)) {
        if let Some(u) = cpu
            .pointer("/resource/target/averageUtilization")
            .filter(|v| !v.is_null())
        {
            spec.insert("targetCPUUtilizationPercentage".into(), u.clone());
        }
    }
    root.insert("spec".into(), Value::Object(spec));

    let mut status = Map::new();
    copy(&v2_status, &mut status, &["observedGeneration", "lastScaleTime"]);
    status.insert(
        "currentReplicas".into(),
        v2_status.get("currentReplicas").cloned().unwrap_or(json!(0)),
    );
    status.insert(
        "desiredReplicas".into(),
        v2_status.get("desiredReplicas").cloned().unwrap_or(json!(0)),
    );
    // The last CPU utilization reported wins.
    for m in current.iter().filter(|m| is_cpu_resource(m)) {
        if let Some(u) = m
            .pointer("/resource/current/averageUtilization")
            .filter(|v| !v.is_null())
        {
            status.insert("currentCPUUtilizationPercentage".into(), u.clone());
        }
    }
    root.insert("status".into(), Value::Object(status));

    let other: Vec<Value> = metrics
        .iter()
        .filter(|m| {
            !(is_cpu_resource(m)
                && m.pointer("/resource/target/averageUtilization")
                    .is_some_and(|u| !u.is_null()))
        })
        .map(metric_spec_to_v1)
        .collect();
    let mut written: Vec<(&str, String)> = Vec::new();
    if !other.is_empty() {
        written.push((METRIC_SPECS_ANNOTATION, go_json(&Value::Array(other))));
    }
    if !current.is_empty() {
        let list: Vec<Value> = current.iter().map(metric_status_to_v1).collect();
        written.push((METRIC_STATUSES_ANNOTATION, go_json(&Value::Array(list))));
    }
    if let Some(b) = v2_spec.get("behavior").filter(|b| b.is_object()) {
        written.push((BEHAVIOR_ANNOTATION, behavior_to_internal_json(b)));
    }
    if !conditions.is_empty() {
        let list: Vec<Value> = conditions.iter().map(condition_to_v1).collect();
        written.push((CONDITIONS_ANNOTATION, go_json(&Value::Array(list))));
    }
    if !written.is_empty() {
        let meta = root.entry("metadata").or_insert_with(|| json!({})).as_object_mut();
        if let Some(meta) = meta {
            let ann = meta.entry("annotations").or_insert_with(|| json!({}));
            if let Some(ann) = ann.as_object_mut() {
                for (k, v) in written {
                    ann.insert(k.into(), Value::String(v));
                }
            }
        }
    }
    out
}

fn is_cpu_resource(m: &Value) -> bool {
    m.get("type").and_then(Value::as_str) == Some("Resource")
        && m.pointer("/resource/name").and_then(Value::as_str) == Some("cpu")
}

fn metric_spec_to_v1(m: &Value) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), m.get("type").cloned().unwrap_or(json!("")));
    if let Some(o) = m.get("object").filter(|v| v.is_object()) {
        let mut src = Map::new();
        src.insert("target".into(), described_object(o));
        src.insert("metricName".into(), metric_name(o));
        src.insert("targetValue".into(), quantity(o.pointer("/target/value")));
        insert_present(&mut src, "selector", o.pointer("/metric/selector"));
        insert_present(&mut src, "averageValue", o.pointer("/target/averageValue"));
        out.insert("object".into(), Value::Object(src));
    }
    if let Some(p) = m.get("pods").filter(|v| v.is_object()) {
        let mut src = Map::new();
        src.insert("metricName".into(), metric_name(p));
        src.insert("targetAverageValue".into(), quantity(p.pointer("/target/averageValue")));
        insert_present(&mut src, "selector", p.pointer("/metric/selector"));
        out.insert("pods".into(), Value::Object(src));
    }
    for key in ["resource", "containerResource"] {
        if let Some(r) = m.get(key).filter(|v| v.is_object()) {
            let mut src = Map::new();
            src.insert("name".into(), r.get("name").cloned().unwrap_or(json!("")));
            insert_present(
                &mut src,
                "targetAverageUtilization",
                r.pointer("/target/averageUtilization"),
            );
            insert_present(&mut src, "targetAverageValue", r.pointer("/target/averageValue"));
            if key == "containerResource" {
                src.insert("container".into(), r.get("container").cloned().unwrap_or(json!("")));
            }
            out.insert(key.into(), Value::Object(src));
        }
    }
    if let Some(e) = m.get("external").filter(|v| v.is_object()) {
        let mut src = Map::new();
        src.insert("metricName".into(), metric_name(e));
        insert_present(&mut src, "metricSelector", e.pointer("/metric/selector"));
        insert_present(&mut src, "targetValue", e.pointer("/target/value"));
        insert_present(&mut src, "targetAverageValue", e.pointer("/target/averageValue"));
        out.insert("external".into(), Value::Object(src));
    }
    Value::Object(out)
}

fn metric_status_to_v1(m: &Value) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), m.get("type").cloned().unwrap_or(json!("")));
    if let Some(o) = m.get("object").filter(|v| v.is_object()) {
        let mut st = Map::new();
        st.insert("target".into(), described_object(o));
        st.insert("metricName".into(), metric_name(o));
        st.insert("currentValue".into(), quantity(o.pointer("/current/value")));
        insert_present(&mut st, "selector", o.pointer("/metric/selector"));
        insert_present(&mut st, "averageValue", o.pointer("/current/averageValue"));
        out.insert("object".into(), Value::Object(st));
    }
    if let Some(p) = m.get("pods").filter(|v| v.is_object()) {
        let mut st = Map::new();
        st.insert("metricName".into(), metric_name(p));
        st.insert(
            "currentAverageValue".into(),
            quantity(p.pointer("/current/averageValue")),
        );
        insert_present(&mut st, "selector", p.pointer("/metric/selector"));
        out.insert("pods".into(), Value::Object(st));
    }
    for key in ["resource", "containerResource"] {
        if let Some(r) = m.get(key).filter(|v| v.is_object()) {
            let mut st = Map::new();
            st.insert("name".into(), r.get("name").cloned().unwrap_or(json!("")));
            insert_present(
                &mut st,
                "currentAverageUtilization",
                r.pointer("/current/averageUtilization"),
            );
            st.insert(
                "currentAverageValue".into(),
                quantity(r.pointer("/current/averageValue")),
            );
            if key == "containerResource" {
                st.insert("container".into(), r.get("container").cloned().unwrap_or(json!("")));
            }
            out.insert(key.into(), Value::Object(st));
        }
    }
    if let Some(e) = m.get("external").filter(|v| v.is_object()) {
        let mut st = Map::new();
        st.insert("metricName".into(), metric_name(e));
        insert_present(&mut st, "metricSelector", e.pointer("/metric/selector"));
        st.insert("currentValue".into(), quantity(e.pointer("/current/value")));
        insert_present(&mut st, "currentAverageValue", e.pointer("/current/averageValue"));
        out.insert("external".into(), Value::Object(st));
    }
    Value::Object(out)
}

fn condition_to_v1(c: &Value) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), c.get("type").cloned().unwrap_or(json!("")));
    out.insert("status".into(), c.get("status").cloned().unwrap_or(json!("")));
    // metav1.Time is a struct: `omitempty` keeps it, and its zero value is null.
    out.insert(
        "lastTransitionTime".into(),
        c.get("lastTransitionTime").cloned().unwrap_or(Value::Null),
    );
    for key in ["reason", "message"] {
        if let Some(v) = c.get(key).filter(|v| v.as_str().is_some_and(|s| !s.is_empty())) {
            out.insert(key.into(), v.clone());
        }
    }
    insert_present(&mut out, "observedGeneration", c.get("observedGeneration"));
    Value::Object(out)
}

fn described_object(src: &Value) -> Value {
    let d = src.get("describedObject").unwrap_or(&Value::Null);
    let mut out = Map::new();
    out.insert("kind".into(), d.get("kind").cloned().unwrap_or(json!("")));
    out.insert("name".into(), d.get("name").cloned().unwrap_or(json!("")));
    if let Some(av) = d
        .get("apiVersion")
        .filter(|v| v.as_str().is_some_and(|s| !s.is_empty()))
    {
        out.insert("apiVersion".into(), av.clone());
    }
    Value::Object(out)
}

fn metric_name(src: &Value) -> Value {
    src.pointer("/metric/name").cloned().unwrap_or(json!(""))
}

/// The internal behavior as Go marshals it: no JSON tags, so Go field names, and nil
/// pointers as `null`.
fn behavior_to_internal_json(b: &Value) -> String {
    let rules = |r: Option<&Value>| -> String {
        let Some(r) = r.filter(|r| r.is_object()) else {
            return "null".into();
        };
        let policies = match r.get("policies").and_then(Value::as_array) {
            Some(list) => {
                let items: Vec<String> = list
                    .iter()
                    .map(|p| {
                        format!(
                            "{{\"Type\":{},\"Value\":{},\"PeriodSeconds\":{}}}",
                            go_json(p.get("type").unwrap_or(&json!(""))),
                            go_json(p.get("value").unwrap_or(&json!(0))),
                            go_json(p.get("periodSeconds").unwrap_or(&json!(0)))
                        )
                    })
                    .collect();
                format!("[{}]", items.join(","))
            }
            None => "null".into(),
        };
        let or_null = |k: &str| r.get(k).map(go_json).unwrap_or_else(|| "null".into());
        format!(
            "{{\"StabilizationWindowSeconds\":{},\"SelectPolicy\":{},\"Policies\":{},\"Tolerance\":{}}}",
            or_null("stabilizationWindowSeconds"),
            or_null("selectPolicy"),
            policies,
            or_null("tolerance")
        )
    };
    format!(
        "{{\"ScaleUp\":{},\"ScaleDown\":{}}}",
        rules(b.get("scaleUp")),
        rules(b.get("scaleDown"))
    )
}

// ---- helpers ------------------------------------------------------------------------------

/// Removes the annotations only conversion writes; returns what they held.
fn take_round_trip_annotations(root: &mut Map<String, Value>) -> BTreeMap<&'static str, String> {
    let mut taken = BTreeMap::new();
    let Some(meta) = root.get_mut("metadata").and_then(Value::as_object_mut) else {
        return taken;
    };
    if let Some(ann) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
        for key in ROUND_TRIP_ANNOTATIONS {
            if let Some(Value::String(v)) = ann.remove(key) {
                taken.insert(key, v);
            }
        }
        if ann.is_empty() {
            meta.remove("annotations");
        }
    }
    taken
}

fn copy(from: &Value, to: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        if let Some(v) = from.get(*k).filter(|v| !v.is_null()) {
            to.insert((*k).to_string(), v.clone());
        }
    }
}

fn insert_present(to: &mut Map<String, Value>, key: &str, v: Option<&Value>) {
    if let Some(v) = v.filter(|v| !v.is_null()) {
        to.insert(key.to_string(), v.clone());
    }
}

/// A non-pointer Quantity: its zero value is "0".
fn quantity(v: Option<&Value>) -> Value {
    v.filter(|v| !v.is_null()).cloned().unwrap_or(json!("0"))
}

/// A field as encoding/json finds it: the exact name, else one equal ignoring case.
fn field<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    let m = obj.as_object()?;
    m.get(name)
        .or_else(|| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// An annotation's JSON, with Go's error texts for what does not parse.
fn decode(text: &str, go_type: &str) -> Result<Value, String> {
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err("unexpected end of JSON input".into());
    }
    serde_json::from_str::<Value>(text).map_err(|e| match trimmed.chars().next() {
        Some(c) if !"{[\"-0123456789tfn".contains(c) => {
            format!("invalid character '{c}' looking for beginning of value")
        }
        _ if e.is_eof() => "unexpected end of JSON input".into(),
        _ => format!("json: cannot unmarshal into Go value of type {go_type}"),
    })
}

fn decode_list(text: &str, go_type: &str) -> Result<Vec<Value>, String> {
    match decode(text, go_type)? {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        other => Err(format!(
            "json: cannot unmarshal {} into Go value of type {go_type}",
            go_type_name(&other)
        )),
    }
}

fn go_type_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

/// Go struct field order of the v1 types these annotations hold (MetricSpec, MetricStatus,
/// their sources, CrossVersionObjectReference, LabelSelector, the condition). One order
/// fits them all; map keys (matchLabels) are sorted, as Go sorts map keys.
const GO_FIELD_ORDER: &[&str] = &[
    "kind",
    "type",
    "status",
    "lastTransitionTime",
    "reason",
    "message",
    "observedGeneration",
    "object",
    "pods",
    "resource",
    "containerResource",
    "external",
    "target",
    "name",
    "apiVersion",
    "metricName",
    "metricSelector",
    "targetAverageUtilization",
    "currentAverageUtilization",
    "targetValue",
    "currentValue",
    "targetAverageValue",
    "currentAverageValue",
    "selector",
    "averageValue",
    "container",
    "matchLabels",
    "matchExpressions",
    "key",
    "operator",
    "values",
];

/// Compact JSON as encoding/json writes these structs.
fn go_json(v: &Value) -> String {
    let mut out = String::new();
    write_go_json(v, false, &mut out);
    out
}

fn write_go_json(v: &Value, is_map: bool, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            if !is_map {
                let rank = |k: &str| GO_FIELD_ORDER.iter().position(|f| *f == k).unwrap_or(usize::MAX);
                keys.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
            }
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&go_json_string(k));
                out.push(':');
                if let Some(child) = m.get(k.as_str()) {
                    write_go_json(child, k.as_str() == "matchLabels", out);
                }
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, child) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(child, false, out);
            }
            out.push(']');
        }
        Value::String(s) => out.push_str(&go_json_string(s)),
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests;
