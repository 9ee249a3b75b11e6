//! Create validation per kind.

use super::pod::{self, config_map_key_errors, label_selector, selector_converts, selector_is_empty, selector_matches};
use super::render::{self, bad_value};
use super::{
    arr, child, index, int, is_set, is_true, key, name_check, name_rule, nonnegative, obj, object_meta,
    port_num_errors, port_num_or_name, s, IS_NEGATIVE,
};
use crate::discovery::ResourceInfo;
use apimachinery::validation::{self as names, NameRule};
use apimachinery::FieldError;
use serde_json::Value;

/// The default NodePort range (`--service-node-port-range`).
pub(crate) const NODE_PORT_MIN: i64 = 30000;
pub(crate) const NODE_PORT_MAX: i64 = 32767;
/// core.MaxSecretSize.
const MAX_SECRET_SIZE: usize = 1024 * 1024;

pub(crate) fn validate(info: &ResourceInfo, obj: &Value) -> Vec<FieldError> {
    let rule = name_rule(&info.group, &info.kind);
    let mut errs = object_meta(obj, info.namespaced(), rule);
    errs.extend(validate_body(info, obj, true));
    errs
}

/// Everything but ObjectMeta. `create` adds the checks only creation makes.
pub(crate) fn validate_body(info: &ResourceInfo, obj: &Value, create: bool) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let spec = obj.get("spec").unwrap_or(&Value::Null);
    match (info.group.as_str(), info.kind.as_str()) {
        ("", "Pod") => {
            errs.extend(pod::pod_spec(spec, "spec"));
            pod::containers_only_for_pod(&mut errs, spec);
            if create && !arr(spec, "ephemeralContainers").is_empty() {
                errs.push(FieldError::forbidden(
                    "spec.ephemeralContainers",
                    "cannot be set on create",
                ));
            }
        }
        ("", "PodTemplate") => {
            if let Some(t) = obj.get("template") {
                errs.extend(pod::pod_template(t, "template"));
            }
        }
        ("", "ReplicationController") => replication_controller(&mut errs, spec),
        ("apps", "Deployment") => deployment(&mut errs, spec),
        ("apps", "ReplicaSet") => replica_set(&mut errs, spec),
        ("apps", "StatefulSet") => stateful_set(&mut errs, spec),
        ("apps", "DaemonSet") => daemon_set(&mut errs, spec),
        ("apps", "ControllerRevision") => {
            if obj.get("data").is_none_or(Value::is_null) {
                errs.push(FieldError::required("data", "data is mandatory"));
            }
            super::nonnegative(&mut errs, obj, "revision", "");
        }
        ("batch", "Job") => job(&mut errs, spec, "spec", true),
        ("batch", "CronJob") => cron_job(&mut errs, obj, spec, create),
        ("", "Service") => service(&mut errs, spec),
        ("", "ConfigMap") => config_map(&mut errs, obj),
        ("", "Secret") => secret(&mut errs, obj),
        ("", "PersistentVolumeClaim") => pvc_spec(&mut errs, spec, "spec"),
        ("", "PersistentVolume") => persistent_volume(&mut errs, spec),
        ("", "Node") => node_taints(&mut errs, spec),
        ("", "Namespace") => {
            for (i, f) in arr(spec, "finalizers").iter().enumerate() {
                let f = f.as_str().unwrap_or("");
                for msg in names::is_qualified_name(f) {
                    errs.push(FieldError::invalid_str(index("spec.finalizers", i), f, msg));
                }
            }
        }
        ("", "ResourceQuota") => {
            if let Some(hard) = super::obj(spec, "hard") {
                for (name, q) in hard {
                    if pod::quantity_of(q).is_some_and(|v| v.sign() < 0) {
                        errs.push(FieldError::invalid_str(
                            key("spec.hard", name),
                            &pod::quantity_text(q),
                            IS_NEGATIVE,
                        ));
                    }
                }
            }
        }
        ("networking.k8s.io", "Ingress") => ingress(&mut errs, spec),
        ("rbac.authorization.k8s.io", "Role") => policy_rules(&mut errs, obj, true),
        ("rbac.authorization.k8s.io", "ClusterRole") => policy_rules(&mut errs, obj, false),
        ("rbac.authorization.k8s.io", "RoleBinding") => role_binding(&mut errs, obj, true),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding") => role_binding(&mut errs, obj, false),
        ("scheduling.k8s.io", "PriorityClass") => priority_class(&mut errs, obj),
        ("policy", "PodDisruptionBudget") => pdb(&mut errs, spec),
        ("autoscaling", "HorizontalPodAutoscaler") => hpa(&mut errs, spec),
        _ => {}
    }
    errs
}

// ---- workloads ----------------------------------------------------------------------------

fn selector_required(errs: &mut Vec<FieldError>, spec: &Value, empty_msg: &str) -> Option<bool> {
    let Some(sel) = spec.get("selector").filter(|s| !s.is_null()) else {
        errs.push(FieldError::required("spec.selector", ""));
        return None;
    };
    label_selector(errs, sel, "spec.selector");
    if selector_is_empty(sel) {
        errs.push(FieldError::invalid(
            "spec.selector",
            render::label_selector(sel),
            empty_msg,
        ));
    }
    Some(true)
}

/// LabelSelectorAsSelector then the template-label match; None when conversion failed.
fn selector_and_template(errs: &mut Vec<FieldError>, spec: &Value, kind: &str) {
    let sel = spec.get("selector").unwrap_or(&Value::Null);
    // The template is a value struct here: a missing one is validated as empty.
    let empty = Value::Object(serde_json::Map::new());
    let template = Some(spec.get("template").filter(|t| !t.is_null()).unwrap_or(&empty));
    if !sel.is_null() && !selector_converts(sel) {
        errs.push(FieldError::invalid(
            "spec.selector",
            render::label_selector(sel),
            "invalid label selector",
        ));
        return;
    }
    // A nil selector converts to labels.Nothing(), which is not Empty() and matches nothing;
    // an empty one converts to Everything(), which is Empty() and is not compared.
    let matches = if sel.is_null() {
        Some(false)
    } else if selector_is_empty(sel) {
        None
    } else {
        Some(selector_matches(
            sel,
            template.and_then(|t| t.get("metadata")).and_then(|m| m.get("labels")),
        ))
    };
    pod::template_for_controller(errs, template, matches, "spec.template", kind);
}

fn deployment(errs: &mut Vec<FieldError>, spec: &Value) {
    nonnegative(errs, spec, "replicas", "spec");
    if selector_required(errs, spec, "empty selector is invalid for deployment").is_none() {
        return;
    }
    selector_and_template(errs, spec, "ReplicaSet");
    deployment_strategy(errs, spec.get("strategy").unwrap_or(&Value::Null), "spec.strategy");
    nonnegative(errs, spec, "minReadySeconds", "spec");
    nonnegative(errs, spec, "revisionHistoryLimit", "spec");
    if let Some(pds) = int(spec, "progressDeadlineSeconds") {
        if pds < 0 {
            errs.push(FieldError::invalid(
                "spec.progressDeadlineSeconds",
                pds.to_string(),
                IS_NEGATIVE,
            ));
        }
        if pds <= int(spec, "minReadySeconds").unwrap_or(0) {
            errs.push(FieldError::invalid(
                "spec.progressDeadlineSeconds",
                pds.to_string(),
                "must be greater than minReadySeconds",
            ));
        }
    }
}

/// The internal strategy struct as json.Marshal renders it (no json tags on internal types).
fn internal_strategy(strategy: &Value) -> String {
    let ru = strategy.get("rollingUpdate").filter(|r| !r.is_null());
    let ru_text = match ru {
        None => "null".to_string(),
        Some(r) => format!(
            "{{\"MaxUnavailable\":{},\"MaxSurge\":{}}}",
            int_or_percent_json(r.get("maxUnavailable")),
            int_or_percent_json(r.get("maxSurge"))
        ),
    };
    format!(
        "{{\"Type\":{},\"RollingUpdate\":{}}}",
        render::go_json_string(s(strategy, "type")),
        ru_text
    )
}

fn int_or_percent_json(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(t)) => render::go_json_string(t),
        Some(Value::Number(n)) => render::number(n),
        _ => "0".to_string(),
    }
}

fn deployment_strategy(errs: &mut Vec<FieldError>, strategy: &Value, path: &str) {
    match s(strategy, "type") {
        "Recreate" => {
            if is_set(strategy, "rollingUpdate") {
                errs.push(FieldError::forbidden(
                    child(path, "rollingUpdate"),
                    "may not be specified when strategy `type` is 'Recreate'",
                ));
            }
        }
        "RollingUpdate" => match strategy.get("rollingUpdate").filter(|r| !r.is_null()) {
            None => errs.push(FieldError::required(
                child(path, "rollingUpdate"),
                "this should be defaulted and never be nil",
            )),
            Some(ru) => {
                let rp = child(path, "rollingUpdate");
                positive_int_or_percent(errs, ru.get("maxUnavailable"), &child(&rp, "maxUnavailable"));
                positive_int_or_percent(errs, ru.get("maxSurge"), &child(&rp, "maxSurge"));
                if int_or_percent_value(ru.get("maxUnavailable")) == 0 && int_or_percent_value(ru.get("maxSurge")) == 0
                {
                    errs.push(FieldError::invalid(
                        child(&rp, "maxUnavailable"),
                        int_or_percent_json(ru.get("maxUnavailable")),
                        "may not be 0 when `maxSurge` is 0",
                    ));
                }
                not_more_than_100_percent(errs, ru.get("maxUnavailable"), &child(&rp, "maxUnavailable"));
            }
        },
        _ => errs.push(super::not_supported_rendered(
            path,
            internal_strategy(strategy),
            &["Recreate", "RollingUpdate"],
        )),
    }
}

/// getIntOrPercentValue: the int, or the percent number (invalid percents count as 0).
fn int_or_percent_value(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(t)) => t.strip_suffix('%').and_then(|n| n.parse().ok()).unwrap_or(0),
        _ => 0,
    }
}

/// ValidatePositiveIntOrPercent.
fn positive_int_or_percent(errs: &mut Vec<FieldError>, v: Option<&Value>, path: &str) {
    match v {
        Some(Value::String(t)) => {
            let ok = t
                .strip_suffix('%')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                errs.push(FieldError::invalid(
                    path,
                    render::go_json_string(t),
                    names::regex_error(
                        "a valid percent string must be a numeric string followed by an ending '%'",
                        "[0-9]+%",
                        &["1%", "93%"],
                    ),
                ));
            }
        }
        Some(Value::Number(n)) if n.as_i64().is_some_and(|i| i < 0) => {
            errs.push(FieldError::invalid(path, render::number(n), IS_NEGATIVE));
        }
        _ => {}
    }
}

fn not_more_than_100_percent(errs: &mut Vec<FieldError>, v: Option<&Value>, path: &str) {
    if let Some(Value::String(t)) = v {
        if t.ends_with('%') && int_or_percent_value(v) > 100 {
            errs.push(FieldError::invalid(
                path,
                render::go_json_string(t),
                "must not be greater than 100%",
            ));
        }
    }
}

fn replica_set(errs: &mut Vec<FieldError>, spec: &Value) {
    nonnegative(errs, spec, "replicas", "spec");
    nonnegative(errs, spec, "minReadySeconds", "spec");
    if let Some(sel) = spec.get("selector").filter(|s| !s.is_null()) {
        label_selector(errs, sel, "spec.selector");
        if selector_is_empty(sel) {
            errs.push(FieldError::invalid(
                "spec.selector",
                render::label_selector(sel),
                "empty selector is invalid for deployment",
            ));
        }
    } else {
        errs.push(FieldError::required("spec.selector", ""));
    }
    selector_and_template(errs, spec, "ReplicaSet");
}

fn replication_controller(errs: &mut Vec<FieldError>, spec: &Value) {
    nonnegative(errs, spec, "minReadySeconds", "spec");
    let selector = obj(spec, "selector");
    if selector.is_none_or(|m| m.is_empty()) {
        errs.push(FieldError::required("spec.selector", ""));
    }
    nonnegative(errs, spec, "replicas", "spec");
    let template = spec.get("template");
    let matches = selector.filter(|m| !m.is_empty()).map(|m| {
        let labels = template.and_then(|t| t.get("metadata")).and_then(|m| m.get("labels"));
        m.iter().all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
    });
    pod::template_for_controller(errs, template, matches, "spec.template", "ReplicationController");
}

fn stateful_set(errs: &mut Vec<FieldError>, spec: &Value) {
    match s(spec, "podManagementPolicy") {
        "OrderedReady" | "Parallel" => {}
        "" => errs.push(FieldError::required("spec.podManagementPolicy", "")),
        other => errs.push(FieldError::invalid_str(
            "spec.podManagementPolicy",
            other,
            "must be 'OrderedReady' or 'Parallel'",
        )),
    }
    let us = spec.get("updateStrategy").unwrap_or(&Value::Null);
    match s(us, "type") {
        "" => errs.push(FieldError::required("spec.updateStrategy", "")),
        "OnDelete" => {
            if let Some(ru) = us.get("rollingUpdate").filter(|r| !r.is_null()) {
                let rendered = format!(
                    "{{\"Partition\":{},\"MaxUnavailable\":{}}}",
                    int(ru, "partition").unwrap_or(0),
                    ru.get("maxUnavailable")
                        .filter(|v| !v.is_null())
                        .map_or("null".to_string(), |v| int_or_percent_json(Some(v)))
                );
                errs.push(FieldError::invalid(
                    "spec.updateStrategy.rollingUpdate",
                    rendered,
                    "only allowed for updateStrategy 'RollingUpdate'",
                ));
            }
        }
        "RollingUpdate" => {
            if let Some(ru) = us.get("rollingUpdate").filter(|r| !r.is_null()) {
                nonnegative(errs, ru, "partition", "spec.updateStrategy.rollingUpdate");
            }
        }
        _ => {
            let rendered = format!(
                "{{\"Type\":{},\"RollingUpdate\":null}}",
                render::go_json_string(s(us, "type"))
            );
            errs.push(FieldError::invalid(
                "spec.updateStrategy",
                rendered,
                "must be 'RollingUpdate' or 'OnDelete'",
            ));
        }
    }
    if let Some(policy) = spec
        .get("persistentVolumeClaimRetentionPolicy")
        .filter(|p| !p.is_null())
    {
        for field in ["whenDeleted", "whenScaled"] {
            let v = s(policy, field);
            if v != "Retain" && v != "Delete" {
                errs.push(FieldError::not_supported(
                    format!("spec.persistentVolumeClaimRetentionPolicy.{field}"),
                    v,
                    &["Retain", "Delete"],
                ));
            }
        }
    }
    nonnegative(errs, spec, "replicas", "spec");
    nonnegative(errs, spec, "minReadySeconds", "spec");
    let sel = spec.get("selector").unwrap_or(&Value::Null);
    if sel.is_null() {
        errs.push(FieldError::required("spec.selector", ""));
    } else {
        label_selector(errs, sel, "spec.selector");
        if selector_is_empty(sel) {
            errs.push(FieldError::invalid(
                "spec.selector",
                render::label_selector(sel),
                "empty selector is invalid for statefulset",
            ));
        }
    }
    let template = spec.get("template").unwrap_or(&Value::Null);
    if !sel.is_null() && !selector_converts(sel) {
        errs.push(FieldError::invalid("spec.selector", render::label_selector(sel), ""));
    } else {
        let labels = template.get("metadata").and_then(|m| m.get("labels"));
        if sel.is_null() || (!selector_is_empty(sel) && !selector_matches(sel, labels)) {
            errs.push(FieldError::invalid(
                "spec.template.metadata.labels",
                render::labels(labels),
                "`selector` does not match template `labels`",
            ));
        }
        errs.extend(pod::template_metadata(template, "spec.template"));
    }
    let tspec = template.get("spec").unwrap_or(&Value::Null);
    let rp = s(tspec, "restartPolicy");
    if rp != "Always" {
        errs.push(FieldError::not_supported(
            "spec.template.spec.restartPolicy",
            rp,
            &["Always"],
        ));
    }
    if is_set(tspec, "activeDeadlineSeconds") {
        errs.push(FieldError::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in StatefulSet is not Supported",
        ));
    }
    for (i, pvc) in arr(spec, "volumeClaimTemplates").iter().enumerate() {
        let p = index("spec.volumeClaimTemplates", i);
        let name = pvc.get("metadata").map_or("", |m| s(m, "name"));
        if name.is_empty() {
            errs.push(FieldError::required(
                child(&child(&p, "metadata"), "name"),
                "name or generateName is required",
            ));
        } else {
            name_check(
                errs,
                name,
                NameRule::Dns1123Subdomain,
                &child(&child(&p, "metadata"), "name"),
            );
        }
        pvc_spec(errs, pvc.get("spec").unwrap_or(&Value::Null), &child(&p, "spec"));
    }
}

fn daemon_set(errs: &mut Vec<FieldError>, spec: &Value) {
    let sel = spec.get("selector").unwrap_or(&Value::Null);
    label_selector(errs, sel, "spec.selector");
    let template = spec.get("template").unwrap_or(&Value::Null);
    let labels = template.get("metadata").and_then(|m| m.get("labels"));
    let converts = sel.is_null() || selector_converts(sel);
    // A nil selector converts to "nothing", which matches no labels.
    // An empty one converts to "everything".
    if converts && (sel.is_null() || !selector_is_empty(sel)) && !selector_matches(sel, labels) {
        errs.push(FieldError::invalid(
            "spec.template.metadata.labels",
            render::labels(labels),
            "`selector` does not match template `labels`",
        ));
    }
    if !sel.is_null() && selector_is_empty(sel) {
        errs.push(FieldError::invalid(
            "spec.selector",
            render::label_selector(sel),
            "empty selector is invalid for daemonset",
        ));
    }
    errs.extend(pod::pod_template(template, "spec.template"));
    let tspec = template.get("spec").unwrap_or(&Value::Null);
    let rp = s(tspec, "restartPolicy");
    if rp != "Always" {
        errs.push(FieldError::not_supported(
            "spec.template.spec.restartPolicy",
            rp,
            &["Always"],
        ));
    }
    if is_set(tspec, "activeDeadlineSeconds") {
        errs.push(FieldError::forbidden(
            "spec.template.spec.activeDeadlineSeconds",
            "activeDeadlineSeconds in DaemonSet is not Supported",
        ));
    }
    nonnegative(errs, spec, "minReadySeconds", "spec");
    nonnegative(errs, spec, "templateGeneration", "spec");
    let us = spec.get("updateStrategy").unwrap_or(&Value::Null);
    let path = "spec.updateStrategy";
    match s(us, "type") {
        "OnDelete" => {}
        "RollingUpdate" => match us.get("rollingUpdate").filter(|r| !r.is_null()) {
            None => errs.push(FieldError::required(child(path, "rollingUpdate"), "")),
            Some(ru) => {
                let rp = child(path, "rollingUpdate");
                let (mu, ms) = (ru.get("maxUnavailable"), ru.get("maxSurge"));
                positive_int_or_percent(errs, mu, &child(&rp, "maxUnavailable"));
                positive_int_or_percent(errs, ms, &child(&rp, "maxSurge"));
                not_more_than_100_percent(errs, mu, &child(&rp, "maxUnavailable"));
                not_more_than_100_percent(errs, ms, &child(&rp, "maxSurge"));
                let has_unavailable = int_or_percent_value(mu) != 0;
                let has_surge = int_or_percent_value(ms) != 0;
                if has_unavailable && has_surge {
                    errs.push(FieldError::invalid(
                        child(&rp, "maxSurge"),
                        int_or_percent_json(ms),
                        "may not be set when maxUnavailable is non-zero",
                    ));
                } else if !has_unavailable && !has_surge {
                    errs.push(FieldError::required(
                        child(&rp, "maxUnavailable"),
                        "cannot be 0 when maxSurge is 0",
                    ));
                }
            }
        },
        _ => errs.push(super::not_supported_rendered(
            path,
            internal_strategy(us),
            &["RollingUpdate", "OnDelete"],
        )),
    }
    nonnegative(errs, spec, "revisionHistoryLimit", "spec");
}

/// validateJobSpec plus, for Jobs, the selector rules of ValidateJobSpec. The registry
/// generates the selector unless `manualSelector` is true, so a missing selector is only
/// reported for manual selectors.
fn job(errs: &mut Vec<FieldError>, spec: &Value, path: &str, with_selector: bool) {
    for field in [
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
    ] {
        nonnegative(errs, spec, field, path);
    }
    if let Some(mode) = spec.get("completionMode").and_then(Value::as_str) {
        if mode != "NonIndexed" && mode != "Indexed" {
            errs.push(FieldError::not_supported(
                child(path, "completionMode"),
                mode,
                &["NonIndexed", "Indexed"],
            ));
        }
        if mode == "Indexed" && !is_set(spec, "completions") {
            errs.push(FieldError::required(
                child(path, "completions"),
                "when completion mode is Indexed",
            ));
        }
    }
    let has_failure_policy = is_set(spec, "podFailurePolicy");
    if let Some(p) = spec.get("podReplacementPolicy").and_then(Value::as_str) {
        if has_failure_policy {
            if p != "Failed" {
                errs.push(FieldError::not_supported(
                    child(path, "podReplacementPolicy"),
                    p,
                    &["Failed"],
                ));
            }
        } else if p != "TerminatingOrFailed" && p != "Failed" {
            errs.push(FieldError::not_supported(
                child(path, "podReplacementPolicy"),
                p,
                &["Failed", "TerminatingOrFailed"],
            ));
        }
    }
    let template = spec.get("template").unwrap_or(&Value::Null);
    let tpath = child(path, "template");
    errs.extend(pod::pod_template(template, &tpath));
    let rp = template.get("spec").map_or("", |t| s(t, "restartPolicy"));
    let rp_path = child(&child(&tpath, "spec"), "restartPolicy");
    if rp == "Always" || rp.is_empty() {
        errs.push(FieldError::required(rp_path, "valid values: \"OnFailure\", \"Never\""));
    } else if rp != "OnFailure" && rp != "Never" {
        errs.push(FieldError::not_supported(rp_path, rp, &["OnFailure", "Never"]));
    } else if has_failure_policy && rp != "Never" {
        errs.push(FieldError::invalid_str(
            rp_path,
            rp,
            "only \"Never\" is supported when podFailurePolicy is specified",
        ));
    }
    if !with_selector {
        return;
    }
    let sel = spec.get("selector").unwrap_or(&Value::Null);
    if sel.is_null() {
        if is_true(spec, "manualSelector") {
            errs.push(FieldError::required(child(path, "selector"), ""));
            // A nil selector converts to labels.Nothing(), which matches no labels.
            let labels = template.get("metadata").and_then(|m| m.get("labels"));
            errs.push(FieldError::invalid(
                child(&child(&tpath, "metadata"), "labels"),
                render::labels(labels),
                "`selector` does not match template `labels`",
            ));
        }
        return;
    }
    label_selector(errs, sel, &child(path, "selector"));
    if selector_converts(sel) {
        let labels = template.get("metadata").and_then(|m| m.get("labels"));
        if !selector_matches(sel, labels) && !selector_is_empty(sel) {
            errs.push(FieldError::invalid(
                child(&child(&tpath, "metadata"), "labels"),
                render::labels(labels),
                "`selector` does not match template `labels`",
            ));
        }
    }
}

fn cron_job(errs: &mut Vec<FieldError>, obj: &Value, spec: &Value, create: bool) {
    let name = obj.get("metadata").map_or("", |m| s(m, "name"));
    if create && name.len() > 52 {
        errs.push(FieldError::invalid_str(
            "metadata.name",
            name,
            "must be no more than 52 characters",
        ));
    }
    let schedule = s(spec, "schedule");
    if schedule.is_empty() {
        errs.push(FieldError::required("spec.schedule", ""));
    } else if let Err(msg) = check_cron(schedule) {
        errs.push(FieldError::invalid_str("spec.schedule", schedule, msg));
    } else if schedule.contains("TZ") {
        errs.push(FieldError::invalid_str(
            "spec.schedule",
            schedule,
            "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
        ));
    }
    nonnegative(errs, spec, "startingDeadlineSeconds", "spec");
    if let Some(tz) = spec.get("timeZone").and_then(Value::as_str) {
        time_zone(errs, tz);
    }
    match s(spec, "concurrencyPolicy") {
        "Allow" | "Forbid" | "Replace" => {}
        "" => errs.push(FieldError::required("spec.concurrencyPolicy", "")),
        other => errs.push(FieldError::not_supported(
            "spec.concurrencyPolicy",
            other,
            &["Allow", "Forbid", "Replace"],
        )),
    }
    let jt = spec.get("jobTemplate").unwrap_or(&Value::Null);
    let jspec = jt.get("spec").unwrap_or(&Value::Null);
    job(errs, jspec, "spec.jobTemplate.spec", false);
    if let Some(sel) = jspec.get("selector").filter(|s| !s.is_null()) {
        errs.push(FieldError::invalid(
            "spec.jobTemplate.spec.selector",
            render::label_selector(sel),
            "`selector` will be auto-generated",
        ));
    }
    if is_true(jspec, "manualSelector") {
        errs.push(super::not_supported_rendered(
            "spec.jobTemplate.spec.manualSelector",
            "true".to_string(),
            &["nil", "false"],
        ));
    }
    nonnegative(errs, spec, "successfulJobsHistoryLimit", "spec");
    nonnegative(errs, spec, "failedJobsHistoryLimit", "spec");
}

/// validateTimeZone without the tz database lookup (names are only checked for shape).
fn time_zone(errs: &mut Vec<FieldError>, tz: &str) {
    let rendered = render::go_json_string(tz);
    if tz.is_empty() {
        errs.push(FieldError::invalid(
            "spec.timeZone",
            rendered,
            "timeZone must be nil or non-empty string",
        ));
        return;
    }
    let part_ok = |p: &str| {
        p != "."
            && p != ".."
            && !p.starts_with('-')
            && (1..=14).contains(&p.len())
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
    };
    if !tz.split('/').all(part_ok) {
        errs.push(FieldError::invalid(
            "spec.timeZone",
            rendered,
            format!("unknown time zone {tz}"),
        ));
        return;
    }
    if tz.eq_ignore_ascii_case("Local") {
        errs.push(FieldError::invalid(
            "spec.timeZone",
            rendered,
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
        ));
    }
}

/// robfig/cron ParseStandard, with its error texts for the common mistakes.
pub(crate) fn check_cron(spec: &str) -> Result<(), String> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err("empty spec string".to_string());
    }
    let mut fields_text = spec;
    if spec.starts_with("TZ=") || spec.starts_with("CRON_TZ=") {
        match spec.split_once(' ') {
            Some((_, rest)) => fields_text = rest.trim(),
            None => {
                return Err(format!(
                    "provided bad location {}",
                    spec.split_once('=').map_or("", |x| x.1)
                ))
            }
        }
    }
    if let Some(descriptor) = fields_text.strip_prefix('@') {
        return match descriptor {
            "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly" => Ok(()),
            d if d.starts_with("every ") => Ok(()),
            _ => Err(format!("unrecognized descriptor: {fields_text}")),
        };
    }
    let fields: Vec<&str> = fields_text.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        ));
    }
    let bounds: [(u32, u32, &[&str]); 5] = [
        (0, 59, &[]),
        (0, 23, &[]),
        (1, 31, &[]),
        (
            1,
            12,
            &[
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
            ],
        ),
        (0, 6, &["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
    ];
    for (field, (min, max, names)) in fields.iter().zip(bounds) {
        for part in field.split(',') {
            cron_range(part, min, max, names)?;
        }
    }
    Ok(())
}

fn cron_range(expr: &str, min: u32, max: u32, names: &[&str]) -> Result<(), String> {
    let (range, step) = match expr.split_once('/') {
        Some((r, st)) => (r, Some(st)),
        None => (expr, None),
    };
    if expr.matches('/').count() > 1 {
        return Err(format!("too many slashes: {expr}"));
    }
    let (start, end) = if range == "*" || range == "?" {
        (min, max)
    } else {
        let bounds: Vec<&str> = range.split('-').collect();
        if bounds.len() > 2 {
            return Err(format!("too many hyphens: {expr}"));
        }
        let lo = cron_value(bounds.first().copied().unwrap_or(""), names, min)?;
        let hi = match bounds.get(1) {
            Some(h) => cron_value(h, names, min)?,
            None => lo,
        };
        (lo, hi)
    };
    if let Some(st) = step {
        let n: u32 = st
            .parse()
            .map_err(|_| format!("failed to parse int from {st}: strconv.Atoi: parsing \"{st}\": invalid syntax"))?;
        if n == 0 {
            return Err(format!("step of range should be a positive number: {expr}"));
        }
    }
    if start < min {
        return Err(format!("beginning of range ({start}) below minimum ({min}): {expr}"));
    }
    if end > max {
        return Err(format!("end of range ({end}) above maximum ({max}): {expr}"));
    }
    if start > end {
        return Err(format!(
            "beginning of range ({start}) beyond end of range ({end}): {expr}"
        ));
    }
    Ok(())
}

fn cron_value(text: &str, names: &[&str], min: u32) -> Result<u32, String> {
    let lower = text.to_ascii_lowercase();
    if let Some(pos) = names.iter().position(|n| *n == lower) {
        return Ok(min + pos as u32);
    }
    text.parse::<u32>().map_err(|_| {
        if text.starts_with('-') || text.parse::<i64>().is_ok() {
            format!("negative number ({text}) not allowed: {text}")
        } else {
            format!("failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax")
        }
    })
}

/// validateNodeTaints.
fn node_taints(errs: &mut Vec<FieldError>, spec: &Value) {
    let mut seen = std::collections::BTreeSet::new();
    for (i, t) in arr(spec, "taints").iter().enumerate() {
        let p = index("spec.taints", i);
        let k = s(t, "key");
        errs.extend(names::validate_label_name(k, &child(&p, "key")));
        let v = s(t, "value");
        let msgs = names::is_valid_label_value(v);
        if !msgs.is_empty() {
            errs.push(FieldError::invalid_str(child(&p, "value"), v, msgs.join(";")));
        }
        let effect = s(t, "effect");
        if effect.is_empty() {
            errs.push(FieldError::required(child(&p, "effect"), ""));
        }
        if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            errs.push(FieldError::not_supported(
                child(&p, "effect"),
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
        if !seen.insert((effect.to_string(), k.to_string())) {
            // The internal core.Taint has no json tags.
            let added = t
                .get("timeAdded")
                .filter(|x| !x.is_null())
                .map_or("null".to_string(), render::go_json);
            let rendered = format!(
                "{{\"Key\":{},\"Value\":{},\"Effect\":{},\"TimeAdded\":{added}}}",
                render::go_json_string(k),
                render::go_json_string(v),
                render::go_json_string(effect)
            );
            let mut e = FieldError::duplicate(&p, rendered);
            e.detail = "taints must be unique by key and effect pair".to_string();
            errs.push(e);
        }
    }
}

// ---- Service ------------------------------------------------------------------------------

fn service(errs: &mut Vec<FieldError>, spec: &Value) {
    let kind = s(spec, "type");
    let ports = arr(spec, "ports");
    let headless = s(spec, "clusterIP") == "None";
    if ports.is_empty() && !headless && kind != "ExternalName" {
        errs.push(FieldError::required("spec.ports", ""));
    }
    match kind {
        "LoadBalancer" | "NodePort" if headless => {
            errs.push(FieldError::invalid_str(
                "spec.clusterIPs[0]",
                "None",
                format!("may not be set to 'None' for {kind} services"),
            ));
        }
        "ExternalName" => {
            if !s(spec, "clusterIP").is_empty() || !arr(spec, "clusterIPs").is_empty() {
                errs.push(FieldError::forbidden(
                    "spec.clusterIPs",
                    "may not be set for ExternalName services",
                ));
            }
            let cname = s(spec, "externalName");
            let cname = cname.strip_suffix('.').unwrap_or(cname);
            if cname.is_empty() {
                errs.push(FieldError::required("spec.externalName", ""));
            } else {
                name_check(errs, cname, NameRule::Dns1123Subdomain, "spec.externalName");
            }
        }
        _ => {}
    }
    let mut port_names = std::collections::BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let p = index("spec.ports", i);
        let name = s(port, "name");
        if ports.len() > 1 && name.is_empty() {
            errs.push(FieldError::required(child(&p, "name"), ""));
        } else if !name.is_empty() {
            name_check(errs, name, NameRule::Dns1123Label, &child(&p, "name"));
            if !port_names.insert(name.to_string()) {
                errs.push(FieldError::duplicate(
                    child(&p, "name"),
                    apimachinery::errors::go_quote(name),
                ));
            }
        }
        let num = int(port, "port").unwrap_or(0);
        for msg in port_num_errors(num) {
            errs.push(FieldError::invalid(child(&p, "port"), num.to_string(), msg));
        }
        pod::protocol(errs, s(port, "protocol"), &child(&p, "protocol"));
        port_num_or_name(errs, port.get("targetPort"), &child(&p, "targetPort"));
    }
    if let Some(sel) = spec.get("selector").filter(|s| !s.is_null()) {
        errs.extend(names::validate_labels(sel, "spec.selector"));
    }
    match s(spec, "sessionAffinity") {
        "" => errs.push(FieldError::required("spec.sessionAffinity", "")),
        "ClientIP" => {
            let timeout = spec
                .get("sessionAffinityConfig")
                .and_then(|c| c.get("clientIP"))
                .and_then(|c| c.get("timeoutSeconds"));
            match timeout.and_then(Value::as_i64) {
                None => errs.push(FieldError::required(
                    "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                    "",
                )),
                Some(t) if !(1..=86400).contains(&t) => errs.push(FieldError::invalid(
                    "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                    t.to_string(),
                    "must be greater than 0 and less than 86400",
                )),
                _ => {}
            }
        }
        "None" => {
            if is_set(spec, "sessionAffinityConfig") {
                errs.push(FieldError::forbidden(
                    "spec.sessionAffinityConfig",
                    "must not be set when session affinity is None",
                ));
            }
        }
        other => errs.push(FieldError::not_supported(
            "spec.sessionAffinity",
            other,
            &["ClientIP", "None"],
        )),
    }
    let cluster_ip = s(spec, "clusterIP");
    if !cluster_ip.is_empty() && cluster_ip != "None" && !is_ip(cluster_ip) {
        errs.push(FieldError::invalid_str(
            "spec.clusterIPs[0]",
            cluster_ip,
            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
        ));
    }
    for (i, ip) in arr(spec, "externalIPs").iter().enumerate() {
        let ip = ip.as_str().unwrap_or("");
        if !is_ip(ip) {
            errs.push(FieldError::invalid_str(
                index("spec.externalIPs", i),
                ip,
                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
            ));
        }
    }
    match kind {
        "" => errs.push(FieldError::required("spec.type", "")),
        "ClusterIP" | "ExternalName" | "LoadBalancer" | "NodePort" => {}
        other => errs.push(FieldError::not_supported(
            "spec.type",
            other,
            &["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"],
        )),
    }
    if kind == "ClusterIP" {
        for (i, port) in ports.iter().enumerate() {
            if int(port, "nodePort").unwrap_or(0) != 0 {
                errs.push(FieldError::forbidden(
                    child(&index("spec.ports", i), "nodePort"),
                    "may not be used when `type` is 'ClusterIP'",
                ));
            }
        }
    }
    let mut node_ports = std::collections::BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let np = int(port, "nodePort").unwrap_or(0);
        if np == 0 {
            continue;
        }
        if !node_ports.insert((s(port, "protocol").to_string(), np)) {
            errs.push(FieldError::duplicate(
                child(&index("spec.ports", i), "nodePort"),
                np.to_string(),
            ));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let proto = s(port, "protocol");
        let num = int(port, "port").unwrap_or(0);
        if !seen.insert((proto.to_string(), num)) {
            let rendered = format!(
                "{{\"Name\":\"\",\"Protocol\":{},\"AppProtocol\":null,\"Port\":{num},\"TargetPort\":0,\"NodePort\":0}}",
                render::go_json_string(proto)
            );
            errs.push(FieldError::duplicate(index("spec.ports", i), rendered));
        }
    }
    match s(spec, "externalTrafficPolicy") {
        "" | "Cluster" | "Local" => {}
        other => errs.push(FieldError::not_supported(
            "spec.externalTrafficPolicy",
            other,
            &["Cluster", "Local"],
        )),
    }
    if let Some(itp) = spec.get("internalTrafficPolicy").and_then(Value::as_str) {
        if itp != "Cluster" && itp != "Local" {
            errs.push(FieldError::not_supported(
                "spec.internalTrafficPolicy",
                itp,
                &["Cluster", "Local"],
            ));
        }
    }
    // The allocator's range check (the registry runs it before storing).
    if kind == "NodePort" || kind == "LoadBalancer" {
        for (i, port) in ports.iter().enumerate() {
            let np = int(port, "nodePort").unwrap_or(0);
            if np != 0 && !(NODE_PORT_MIN..=NODE_PORT_MAX).contains(&np) {
                errs.push(FieldError::invalid(
                    child(&index("spec.ports", i), "nodePort"),
                    np.to_string(),
                    format!("provided port is not in the valid range. The range of valid ports is {NODE_PORT_MIN}-{NODE_PORT_MAX}"),
                ));
            }
        }
    }
}

pub(crate) fn is_ip(text: &str) -> bool {
    text.parse::<std::net::IpAddr>().is_ok()
}

// ---- ConfigMap / Secret -------------------------------------------------------------------

fn config_map(errs: &mut Vec<FieldError>, obj: &Value) {
    let mut total = 0usize;
    let binary = obj.get("binaryData").and_then(Value::as_object);
    if let Some(data) = obj.get("data").and_then(Value::as_object) {
        for (k, v) in data {
            for msg in config_map_key_errors(k) {
                errs.push(FieldError::invalid_str(key("data", k), k, msg));
            }
            if binary.is_some_and(|b| b.contains_key(k)) {
                errs.push(FieldError::invalid_str(
                    key("data", k),
                    k,
                    "duplicate of key present in binaryData",
                ));
            }
            total = total.saturating_add(v.as_str().map_or(0, str::len));
        }
    }
    if let Some(b) = binary {
        for (k, v) in b {
            for msg in config_map_key_errors(k) {
                errs.push(FieldError::invalid_str(key("binaryData", k), k, msg));
            }
            total = total.saturating_add(v.as_str().map_or(0, |t| t.len() / 4 * 3));
        }
    }
    if total > MAX_SECRET_SIZE {
        errs.push(FieldError::too_long("", MAX_SECRET_SIZE));
    }
}

fn secret(errs: &mut Vec<FieldError>, obj: &Value) {
    // stringData is merged into data on the way in; both count.
    let mut keys = std::collections::BTreeSet::new();
    let mut total = 0usize;
    for (field, decoded) in [("data", true), ("stringData", false)] {
        if let Some(m) = obj.get(field).and_then(Value::as_object) {
            for (k, v) in m {
                let len = v
                    .as_str()
                    .map_or(0, |t| if decoded { t.len() / 4 * 3 } else { t.len() });
                total = total.saturating_add(len);
                keys.insert(k.clone());
            }
        }
    }
    for k in &keys {
        for msg in config_map_key_errors(k) {
            errs.push(FieldError::invalid_str(key("data", k), k, msg));
        }
    }
    if total > MAX_SECRET_SIZE {
        errs.push(FieldError::too_long("data", MAX_SECRET_SIZE));
    }
    let has = |k: &str| keys.contains(k);
    match s(obj, "type") {
        "kubernetes.io/service-account-token" => {
            let sa = obj
                .get("metadata")
                .and_then(|m| m.get("annotations"))
                .and_then(|a| a.get("kubernetes.io/service-account.name"));
            if sa.and_then(Value::as_str).is_none_or(str::is_empty) {
                errs.push(FieldError::required(
                    "metadata.annotations[kubernetes.io/service-account.name]",
                    "",
                ));
            }
        }
        "kubernetes.io/dockercfg" if !has(".dockercfg") => errs.push(FieldError::required("data[.dockercfg]", "")),
        "kubernetes.io/dockerconfigjson" if !has(".dockerconfigjson") => {
            errs.push(FieldError::required("data[.dockerconfigjson]", ""))
        }
        "kubernetes.io/basic-auth" if !has("username") && !has("password") => {
            errs.push(FieldError::required("data[username]", ""));
            errs.push(FieldError::required("data[password]", ""));
        }
        "kubernetes.io/ssh-auth" if !has("ssh-privatekey") => {
            errs.push(FieldError::required("data[ssh-privatekey]", ""))
        }
        "kubernetes.io/tls" => {
            if !has("tls.crt") {
                errs.push(FieldError::required("data[tls.crt]", ""));
            }
            if !has("tls.key") {
                errs.push(FieldError::required("data[tls.key]", ""));
            }
        }
        _ => {}
    }
}

// ---- storage ------------------------------------------------------------------------------

const ACCESS_MODES: [&str; 4] = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

fn pvc_spec(errs: &mut Vec<FieldError>, spec: &Value, path: &str) {
    let modes = arr(spec, "accessModes");
    if modes.is_empty() {
        errs.push(FieldError::required(
            child(path, "accessModes"),
            "at least 1 access mode is required",
        ));
    }
    if let Some(sel) = spec.get("selector").filter(|s| !s.is_null()) {
        label_selector(errs, sel, &child(path, "selector"));
    }
    for m in modes {
        let m = m.as_str().unwrap_or("");
        if !ACCESS_MODES.contains(&m) {
            errs.push(FieldError::not_supported(child(path, "accessModes"), m, &ACCESS_MODES));
        }
    }
    let storage_path = key(&child(path, "resources"), "storage");
    match spec
        .get("resources")
        .and_then(|r| r.get("requests"))
        .and_then(|r| r.get("storage"))
    {
        None => errs.push(FieldError::required(storage_path, "")),
        Some(q) => {
            pod::positive_quantity(errs, q, &storage_path);
        }
    }
    if let Some(mode) = spec.get("volumeMode").and_then(Value::as_str) {
        if mode != "Block" && mode != "Filesystem" {
            errs.push(FieldError::not_supported(
                child(path, "volumeMode"),
                mode,
                &["Block", "Filesystem"],
            ));
        }
    }
}

fn persistent_volume(errs: &mut Vec<FieldError>, spec: &Value) {
    let modes = arr(spec, "accessModes");
    if modes.is_empty() {
        errs.push(FieldError::required("spec.accessModes", ""));
    }
    for m in modes {
        let m = m.as_str().unwrap_or("");
        if !ACCESS_MODES.contains(&m) {
            errs.push(FieldError::not_supported("spec.accessModes", m, &ACCESS_MODES));
        }
    }
    match obj(spec, "capacity") {
        None => errs.push(FieldError::required("spec.capacity", "")),
        Some(c) if c.is_empty() => errs.push(FieldError::required("spec.capacity", "")),
        Some(c) => match c.get("storage") {
            None => errs.push(FieldError::not_supported(
                "spec.capacity",
                c.keys().next().map_or("", String::as_str),
                &["storage"],
            )),
            Some(q) => {
                pod::positive_quantity(errs, q, "spec.capacity[storage]");
            }
        },
    }
    let sources = [
        "hostPath",
        "nfs",
        "local",
        "csi",
        "iscsi",
        "fc",
        "rbd",
        "cephfs",
        "azureDisk",
        "azureFile",
        "gcePersistentDisk",
        "awsElasticBlockStore",
        "cinder",
        "glusterfs",
        "flexVolume",
        "flocker",
        "quobyte",
        "vsphereVolume",
        "photonPersistentDisk",
        "portworxVolume",
        "scaleIO",
        "storageos",
    ];
    let present: Vec<&str> = sources.iter().copied().filter(|k| is_set(spec, k)).collect();
    if present.is_empty() {
        errs.push(FieldError::required("spec", "must specify a volume type"));
    }
    for extra in present.iter().skip(1) {
        errs.push(FieldError::forbidden(
            child("spec", extra),
            "may not specify more than 1 volume type",
        ));
    }
    let policy = s(spec, "persistentVolumeReclaimPolicy");
    if !policy.is_empty() && !matches!(policy, "Delete" | "Recycle" | "Retain") {
        errs.push(FieldError::not_supported(
            "spec.persistentVolumeReclaimPolicy",
            policy,
            &["Delete", "Recycle", "Retain"],
        ));
    }
}

// ---- networking ---------------------------------------------------------------------------

fn ingress(errs: &mut Vec<FieldError>, spec: &Value) {
    if let Some(b) = spec.get("defaultBackend").filter(|b| !b.is_null()) {
        ingress_backend(errs, b, "spec.defaultBackend");
    } else if arr(spec, "rules").is_empty() {
        errs.push(FieldError::invalid(
            "spec.rules",
            "null",
            "either `defaultBackend` or `rules` must be specified",
        ));
    }
    for (i, rule) in arr(spec, "rules").iter().enumerate() {
        let p = index("spec.rules", i);
        let host = s(rule, "host");
        if !host.is_empty() {
            if is_ip(host) {
                errs.push(FieldError::invalid_str(
                    child(&p, "host"),
                    host,
                    "must be a DNS name, not an IP address",
                ));
            }
            if host.contains('*') {
                let rest = host.strip_prefix("*.").unwrap_or("");
                if rest.is_empty() || !names::is_dns1123_subdomain(rest).is_empty() {
                    errs.push(FieldError::invalid_str(child(&p, "host"), host, names::regex_error(
                        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
                        "\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
                        &["*.example.com"],
                    )));
                }
            } else {
                name_check(errs, host, NameRule::Dns1123Subdomain, &child(&p, "host"));
            }
        }
        let Some(http) = rule.get("http").filter(|h| !h.is_null()) else {
            continue;
        };
        let hp = child(&p, "http");
        let paths = arr(http, "paths");
        if paths.is_empty() {
            errs.push(FieldError::required(child(&hp, "paths"), ""));
        }
        for (j, path) in paths.iter().enumerate() {
            let pp = index(&child(&hp, "paths"), j);
            match path.get("pathType").and_then(Value::as_str) {
                None => {
                    errs.push(FieldError::required(
                        child(&pp, "pathType"),
                        "pathType must be specified",
                    ));
                    continue;
                }
                Some(t @ ("Exact" | "Prefix")) => {
                    let p = s(path, "path");
                    if !p.starts_with('/') {
                        errs.push(FieldError::invalid_str(
                            child(&pp, "path"),
                            p,
                            "must be an absolute path",
                        ));
                    }
                    let _ = t;
                }
                Some("ImplementationSpecific") => {
                    let p = s(path, "path");
                    if !p.is_empty() && !p.starts_with('/') {
                        errs.push(FieldError::invalid_str(
                            child(&pp, "path"),
                            p,
                            "must be an absolute path",
                        ));
                    }
                }
                Some(other) => {
                    errs.push(FieldError::not_supported(
                        child(&pp, "pathType"),
                        other,
                        &["Exact", "ImplementationSpecific", "Prefix"],
                    ));
                }
            }
            ingress_backend(
                errs,
                path.get("backend").unwrap_or(&Value::Null),
                &child(&pp, "backend"),
            );
        }
    }
}

fn ingress_backend(errs: &mut Vec<FieldError>, b: &Value, path: &str) {
    let has_service = is_set(b, "service");
    let has_resource = is_set(b, "resource");
    if has_service && has_resource {
        errs.push(FieldError::invalid_str(
            path,
            "",
            "cannot set both resource and service backends",
        ));
        return;
    }
    if !has_service && !has_resource {
        errs.push(FieldError::invalid_str(
            path,
            "",
            "resource or service backend is required",
        ));
        return;
    }
    let Some(svc) = b.get("service").filter(|v| !v.is_null()) else {
        return;
    };
    let name = s(svc, "name");
    for msg in names::is_dns1035_label(name) {
        errs.push(FieldError::invalid_str(
            child(&child(path, "service"), "name"),
            name,
            msg,
        ));
    }
    let port = svc.get("port").unwrap_or(&Value::Null);
    let pname = s(port, "name");
    let pnum = int(port, "number").unwrap_or(0);
    let pp = child(&child(path, "service"), "port");
    if !pname.is_empty() && pnum != 0 {
        errs.push(FieldError::invalid_str(
            path,
            "",
            "cannot set both port name & port number",
        ));
    } else if !pname.is_empty() {
        for msg in super::port_name_errors(pname) {
            errs.push(FieldError::invalid_str(child(&pp, "name"), pname, msg));
        }
    } else if pnum != 0 {
        for msg in port_num_errors(pnum) {
            errs.push(FieldError::invalid(child(&pp, "number"), pnum.to_string(), msg));
        }
    } else {
        errs.push(FieldError::required(path, "port name or number is required"));
    }
}

// ---- RBAC ---------------------------------------------------------------------------------

fn policy_rules(errs: &mut Vec<FieldError>, obj: &Value, namespaced: bool) {
    for (i, rule) in arr(obj, "rules").iter().enumerate() {
        let p = index("rules", i);
        if arr(rule, "verbs").is_empty() {
            errs.push(FieldError::required(
                child(&p, "verbs"),
                "verbs must contain at least one value",
            ));
        }
        let urls = arr(rule, "nonResourceURLs");
        if !urls.is_empty() {
            let rendered = render::go_json(&Value::Array(urls.to_vec()));
            if namespaced {
                errs.push(FieldError::invalid(
                    child(&p, "nonResourceURLs"),
                    rendered.clone(),
                    "namespaced rules cannot apply to non-resource URLs",
                ));
            }
            if !arr(rule, "apiGroups").is_empty()
                || !arr(rule, "resources").is_empty()
                || !arr(rule, "resourceNames").is_empty()
            {
                errs.push(FieldError::invalid(
                    child(&p, "nonResourceURLs"),
                    rendered,
                    "rules cannot apply to both regular resources and non-resource URLs",
                ));
            }
            continue;
        }
        if arr(rule, "apiGroups").is_empty() {
            errs.push(FieldError::required(
                child(&p, "apiGroups"),
                "resource rules must supply at least one api group",
            ));
        }
        if arr(rule, "resources").is_empty() {
            errs.push(FieldError::required(
                child(&p, "resources"),
                "resource rules must supply at least one resource",
            ));
        }
    }
}

fn role_binding(errs: &mut Vec<FieldError>, obj: &Value, namespaced: bool) {
    let role_ref = obj.get("roleRef").unwrap_or(&Value::Null);
    let group = s(role_ref, "apiGroup");
    if group != "rbac.authorization.k8s.io" {
        errs.push(FieldError::not_supported(
            "roleRef.apiGroup",
            group,
            &["rbac.authorization.k8s.io"],
        ));
    }
    let kind = s(role_ref, "kind");
    if namespaced {
        if kind != "Role" && kind != "ClusterRole" {
            errs.push(FieldError::not_supported(
                "roleRef.kind",
                kind,
                &["Role", "ClusterRole"],
            ));
        }
    } else if kind != "ClusterRole" {
        errs.push(FieldError::not_supported("roleRef.kind", kind, &["ClusterRole"]));
    }
    let name = s(role_ref, "name");
    if name.is_empty() {
        errs.push(FieldError::required("roleRef.name", ""));
    } else {
        name_check(errs, name, NameRule::PathSegment, "roleRef.name");
    }
    for (i, subject) in arr(obj, "subjects").iter().enumerate() {
        let p = index("subjects", i);
        let name = s(subject, "name");
        if name.is_empty() {
            errs.push(FieldError::required(child(&p, "name"), ""));
        }
        let group = s(subject, "apiGroup");
        match s(subject, "kind") {
            "ServiceAccount" => {
                if !name.is_empty() {
                    name_check(errs, name, NameRule::Dns1123Subdomain, &child(&p, "name"));
                }
                if !group.is_empty() {
                    errs.push(FieldError::not_supported(child(&p, "apiGroup"), group, &[""]));
                }
                if !namespaced && s(subject, "namespace").is_empty() {
                    errs.push(FieldError::required(child(&p, "namespace"), ""));
                }
            }
            "User" | "Group" => {
                if group != "rbac.authorization.k8s.io" {
                    errs.push(FieldError::not_supported(
                        child(&p, "apiGroup"),
                        group,
                        &["rbac.authorization.k8s.io"],
                    ));
                }
            }
            other => errs.push(FieldError::not_supported(
                child(&p, "kind"),
                other,
                &["ServiceAccount", "User", "Group"],
            )),
        }
    }
}

// ---- other kinds --------------------------------------------------------------------------

const SYSTEM_PRIORITY_CLASSES: [(&str, i64); 2] = [
    ("system-node-critical", 2_000_001_000),
    ("system-cluster-critical", 2_000_000_000),
];

fn priority_class(errs: &mut Vec<FieldError>, obj: &Value) {
    let name = obj.get("metadata").map_or("", |m| s(m, "name"));
    let value = int(obj, "value").unwrap_or(0);
    if name.starts_with("system-") {
        let known = SYSTEM_PRIORITY_CLASSES.iter().find(|(n, _)| *n == name);
        let err = match known {
            None => Some(format!("{name} is not a known system priority class")),
            Some((_, v)) if *v != value => Some(format!("value of {name} PriorityClass must be {v}")),
            Some(_) if is_true(obj, "globalDefault") => {
                Some(format!("globalDefault of {name} PriorityClass must be false"))
            }
            Some(_) => None,
        };
        if let Some(err) = err {
            errs.push(FieldError::forbidden(
                "metadata.name",
                format!("priority class names with 'system-' prefix are reserved for system use only. error: {err}"),
            ));
        }
    } else if value > 1_000_000_000 {
        errs.push(FieldError::forbidden(
            "value",
            "maximum allowed value of a user defined priority is 1000000000",
        ));
    }
    if let Some(p) = obj.get("preemptionPolicy").and_then(Value::as_str) {
        if p != "Never" && p != "PreemptLowerPriority" {
            errs.push(FieldError::not_supported(
                "preemptionPolicy",
                p,
                &["Never", "PreemptLowerPriority"],
            ));
        }
    }
}

fn pdb(errs: &mut Vec<FieldError>, spec: &Value) {
    let min = spec.get("minAvailable").filter(|v| !v.is_null());
    let max = spec.get("maxUnavailable").filter(|v| !v.is_null());
    if min.is_some() && max.is_some() {
        let rendered = format!(
            "{{\"MinAvailable\":{},\"Selector\":{},\"MaxUnavailable\":{},\"UnhealthyPodEvictionPolicy\":{}}}",
            int_or_percent_json(min),
            spec.get("selector")
                .filter(|v| !v.is_null())
                .map_or("null".to_string(), render::label_selector),
            int_or_percent_json(max),
            spec.get("unhealthyPodEvictionPolicy")
                .filter(|v| !v.is_null())
                .map_or("null".to_string(), bad_value)
        );
        errs.push(FieldError::invalid(
            "spec",
            rendered,
            "minAvailable and maxUnavailable cannot be both set",
        ));
    }
    for (field, v) in [("minAvailable", min), ("maxUnavailable", max)] {
        if v.is_some() {
            positive_int_or_percent(errs, v, &child("spec", field));
            not_more_than_100_percent(errs, v, &child("spec", field));
        }
    }
    if let Some(sel) = spec.get("selector").filter(|v| !v.is_null()) {
        label_selector(errs, sel, "spec.selector");
    }
    if let Some(p) = spec.get("unhealthyPodEvictionPolicy").and_then(Value::as_str) {
        if p != "AlwaysAllow" && p != "IfHealthyBudget" {
            errs.push(FieldError::not_supported(
                "spec.unhealthyPodEvictionPolicy",
                p,
                &["AlwaysAllow", "IfHealthyBudget"],
            ));
        }
    }
}

fn hpa(errs: &mut Vec<FieldError>, spec: &Value) {
    let min = int(spec, "minReplicas");
    if let Some(m) = min {
        if m < 1 {
            errs.push(FieldError::invalid(
                "spec.minReplicas",
                m.to_string(),
                "must be greater than or equal to 1",
            ));
        }
    }
    let max = int(spec, "maxReplicas").unwrap_or(0);
    if max < 1 {
        errs.push(FieldError::invalid(
            "spec.maxReplicas",
            max.to_string(),
            "must be greater than 0",
        ));
    }
    if let Some(m) = min {
        if max < m {
            errs.push(FieldError::invalid(
                "spec.maxReplicas",
                max.to_string(),
                "must be greater than or equal to `minReplicas`",
            ));
        }
    }
    let target = spec.get("scaleTargetRef").unwrap_or(&Value::Null);
    for field in ["kind", "name"] {
        let v = s(target, field);
        let p = child("spec.scaleTargetRef", field);
        if v.is_empty() {
            errs.push(FieldError::required(p, ""));
        } else {
            name_check(errs, v, NameRule::PathSegment, &p);
        }
    }
}
