//! Which field labels each resource can be selected by, and their values, as the
//! field-label conversion functions and `GetAttrs` of the upstream registries define them.

use crate::meta::{meta_str, str_at};
use serde_json::Value;

/// Resources whose conversion function rejects with `field label not supported: <f>`,
/// and their extra fields (metadata.name/namespace are always supported).
fn custom_fields(group: &str, plural: &str) -> Option<&'static [&'static str]> {
    let fields: &'static [&'static str] = match (group, plural) {
        ("", "pods") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.podIPs",
            "status.nominatedNodeName",
            "spec.host",
        ],
        ("", "events") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("", "namespaces") => &["status.phase"],
        ("", "secrets") => &["type"],
        ("", "nodes") => &["spec.unschedulable"],
        ("", "replicationcontrollers") => &["status.replicas"],
        ("apps", "replicasets") => &["status.replicas"],
        ("batch", "jobs") => &["status.successful"],
        ("certificates.k8s.io", "certificatesigningrequests") => &["spec.signerName"],
        _ => return None,
    };
    Some(fields)
}

/// Checks every field label of a selector; `Err` is upstream's message (served as BadRequest).
pub(crate) fn check_labels<'a>(group: &str, plural: &str, labels: impl Iterator<Item = &'a str>) -> Result<(), String> {
    for label in labels {
        if label == "metadata.name" || label == "metadata.namespace" {
            continue;
        }
        match custom_fields(group, plural) {
            Some(fields) if fields.contains(&label) => {}
            Some(_) => return Err(format!("field label not supported: {label}")),
            None => {
                return Err(format!(
                    "{} is not a known field selector: only \"metadata.name\", \"metadata.namespace\"",
                    apimachinery::errors::go_quote(label)
                ))
            }
        }
    }
    Ok(())
}

/// Checks the field labels of a selector on a custom resource: metadata.name/namespace and the
/// CRD's selectable fields; anything else is refused as the CR field-label conversion does.
pub(crate) fn check_custom_labels<'a>(
    selectable: &[String],
    mut labels: impl Iterator<Item = &'a str>,
) -> Result<(), String> {
    match labels.find(|l| !matches!(*l, "metadata.name" | "metadata.namespace") && !selectable.iter().any(|s| s == l)) {
        Some(label) => Err(format!("field label not supported: {label}")),
        None => Ok(()),
    }
}

/// The value of a custom resource's field label: the scalar at that path, rendered as the API
/// server renders field values (strings as they are, booleans and numbers in JSON form); a
/// missing or non-scalar field is empty.
pub(crate) fn custom_value(obj: &Value, label: &str) -> Option<String> {
    let pointer: String = label.split('.').map(|k| format!("/{k}")).collect();
    Some(match obj.pointer(&pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(v @ (Value::Bool(_) | Value::Number(_))) => v.to_string(),
        _ => String::new(),
    })
}

fn int_str(obj: &Value, pointer: &str) -> String {
    obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(0).to_string()
}

/// The value of a (supported) field label of an object.
pub(crate) fn value(plural: &str, obj: &Value, label: &str) -> Option<String> {
    let v = match label {
        "metadata.name" => meta_str(obj, "name").to_string(),
        "metadata.namespace" => meta_str(obj, "namespace").to_string(),
        "spec.nodeName" | "spec.host" => str_at(obj, "/spec/nodeName").to_string(),
        "spec.restartPolicy" => str_at(obj, "/spec/restartPolicy").to_string(),
        "spec.schedulerName" => str_at(obj, "/spec/schedulerName").to_string(),
        "spec.serviceAccountName" => str_at(obj, "/spec/serviceAccountName").to_string(),
        "spec.hostNetwork" => obj
            .pointer("/spec/hostNetwork")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .to_string(),
        "status.phase" => str_at(obj, "/status/phase").to_string(),
        "status.podIP" | "status.podIPs" => str_at(obj, "/status/podIP").to_string(),
        "status.nominatedNodeName" => str_at(obj, "/status/nominatedNodeName").to_string(),
        "type" if plural == "secrets" => str_at(obj, "/type").to_string(),
        "type" => str_at(obj, "/type").to_string(),
        "reason" => str_at(obj, "/reason").to_string(),
        "reportingComponent" => str_at(obj, "/reportingComponent").to_string(),
        "source" => {
            let c = str_at(obj, "/source/component");
            if c.is_empty() {
                str_at(obj, "/reportingComponent").to_string()
            } else {
                c.to_string()
            }
        }
        "spec.unschedulable" => obj
            .pointer("/spec/unschedulable")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .to_string(),
        "status.replicas" => int_str(obj, "/status/replicas"),
        "status.successful" => int_str(obj, "/status/succeeded"),
        "spec.signerName" => str_at(obj, "/spec/signerName").to_string(),
        other => {
            let rest = other.strip_prefix("involvedObject.")?;
            str_at(obj, &format!("/involvedObject/{rest}")).to_string()
        }
    };
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pods_reject_unknown_field_labels_with_the_pod_conversion_text() {
        assert_eq!(
            check_labels("", "pods", ["foo"].into_iter()),
            Err("field label not supported: foo".to_string())
        );
        assert!(check_labels("", "pods", ["spec.nodeName", "status.phase"].into_iter()).is_ok());
    }

    #[test]
    fn kinds_without_conversion_use_the_default_text() {
        assert_eq!(
            check_labels("", "configmaps", ["data.x"].into_iter()),
            Err("\"data.x\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"".to_string())
        );
    }

    #[test]
    fn custom_resources_select_by_their_crds_selectable_fields() {
        let selectable = vec!["spec.color".to_string(), "spec.size".to_string()];
        assert!(check_custom_labels(&selectable, ["spec.color", "metadata.name"].into_iter()).is_ok());
        assert_eq!(
            check_custom_labels(&selectable, ["spec.weight"].into_iter()),
            Err("field label not supported: spec.weight".to_string())
        );
        let shirt = json!({"spec": {"color": "blue", "size": "M", "count": 3, "new": true}});
        assert_eq!(custom_value(&shirt, "spec.color").as_deref(), Some("blue"));
        assert_eq!(custom_value(&shirt, "spec.count").as_deref(), Some("3"));
        assert_eq!(custom_value(&shirt, "spec.new").as_deref(), Some("true"));
        assert_eq!(custom_value(&shirt, "spec.missing").as_deref(), Some(""));
    }

    #[test]
    fn values_are_rendered_as_strings() {
        let node = json!({"spec": {"unschedulable": true}});
        assert_eq!(value("nodes", &node, "spec.unschedulable").as_deref(), Some("true"));
        let rs = json!({"status": {"replicas": 3}});
        assert_eq!(value("replicasets", &rs, "status.replicas").as_deref(), Some("3"));
    }
}
