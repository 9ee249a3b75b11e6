//! Pod specs, containers, volumes, pod templates and label selectors
//! (pkg/apis/core/validation ValidatePodSpec and friends, metav1 ValidateLabelSelector).

use super::render::{self, bad_value};
use super::{
    arr, child, index, int, is_set, key, name_check, nonnegative, obj, port_name_errors, port_num_errors,
    port_num_or_name, s, IS_NEGATIVE,
};
use apimachinery::quantity::Quantity;
use apimachinery::validation::{self as names, NameRule};
use apimachinery::FieldError;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

const FILE_MODE_ERROR: &str = "must be a number between 0 and 0777 (octal), both inclusive";
const NOT_POSITIVE: &str = "must be greater than zero";

/// Volume source fields in the order validateVolumeSource checks them.
const VOLUME_SOURCES: &[&str] = &[
    "hostPath",
    "emptyDir",
    "gitRepo",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "flocker",
    "persistentVolumeClaim",
    "rbd",
    "cinder",
    "cephfs",
    "quobyte",
    "downwardAPI",
    "fc",
    "azureFile",
    "vsphereVolume",
    "photonPersistentDisk",
    "portworxVolume",
    "azureDisk",
    "storageos",
    "configMap",
    "scaleIO",
    "projected",
    "csi",
    "ephemeral",
    "image",
];

/// ValidatePodTemplateSpec at `path` (e.g. `spec.template`). Note upstream's label path here
/// is `<path>.labels`, not `<path>.metadata.labels`.
pub(crate) fn pod_template(template: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = template_metadata(template, path);
    let spec = template.get("spec").unwrap_or(&Value::Null);
    let spec_path = child(path, "spec");
    errs.extend(pod_spec(spec, &spec_path));
    if !arr(spec, "ephemeralContainers").is_empty() {
        errs.push(FieldError::forbidden(
            child(&spec_path, "ephemeralContainers"),
            "ephemeral containers not allowed in pod template",
        ));
    }
    errs
}

/// The template's labels and annotations: all a StatefulSet checks of its template
/// (ValidatePodTemplateSpecForStatefulSet leaves the pod spec, whose claim-template mounts
/// would not resolve, to the pods the controller creates).
pub(crate) fn template_metadata(template: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let meta = template.get("metadata").unwrap_or(&Value::Null);
    if let Some(labels) = meta.get("labels") {
        errs.extend(names::validate_labels(labels, &child(path, "labels")));
    }
    if let Some(annotations) = meta.get("annotations") {
        errs.extend(names::validate_annotations(annotations, &child(path, "annotations")));
    }
    errs
}

/// ValidatePodSpec.
pub(crate) fn pod_spec(spec: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let volumes = volumes(&mut errs, arr(spec, "volumes"), &child(path, "volumes"));
    let restart_policy = s(spec, "restartPolicy");
    containers(&mut errs, arr(spec, "containers"), &volumes, &child(path, "containers"));
    init_containers(&mut errs, spec, &volumes, &child(path, "initContainers"));
    for (i, c) in arr(spec, "ephemeralContainers").iter().enumerate() {
        container_common(&mut errs, c, &volumes, &index(&child(path, "ephemeralContainers"), i));
    }
    match restart_policy {
        "Always" | "OnFailure" | "Never" => {}
        "" => errs.push(FieldError::required(child(path, "restartPolicy"), "")),
        other => errs.push(FieldError::not_supported(
            child(path, "restartPolicy"),
            other,
            &["Always", "OnFailure", "Never"],
        )),
    }
    match s(spec, "dnsPolicy") {
        "ClusterFirstWithHostNet" | "ClusterFirst" | "Default" | "None" => {}
        "" => errs.push(FieldError::required(child(path, "dnsPolicy"), "")),
        other => errs.push(FieldError::not_supported(
            child(path, "dnsPolicy"),
            other,
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        )),
    }
    if let Some(ns) = spec.get("nodeSelector") {
        errs.extend(names::validate_labels(ns, &child(path, "nodeSelector")));
    }
    if s(spec, "dnsPolicy") == "None" && !is_set(spec, "dnsConfig") {
        errs.push(FieldError::required(
            child(path, "dnsConfig"),
            "must provide `dnsConfig` when `dnsPolicy` is None",
        ));
    }
    let sa = s(spec, "serviceAccountName");
    if !sa.is_empty() {
        name_check(
            &mut errs,
            sa,
            NameRule::Dns1123Subdomain,
            &child(path, "serviceAccountName"),
        );
    }
    let node = s(spec, "nodeName");
    if !node.is_empty() {
        name_check(&mut errs, node, NameRule::Dns1123Subdomain, &child(path, "nodeName"));
    }
    if let Some(v) = int(spec, "activeDeadlineSeconds") {
        if !(1..=i64::from(i32::MAX)).contains(&v) {
            errs.push(FieldError::invalid(
                child(path, "activeDeadlineSeconds"),
                v.to_string(),
                "must be between 1 and 2147483647, inclusive",
            ));
        }
    }
    for field in ["hostname", "subdomain"] {
        let v = s(spec, field);
        if !v.is_empty() {
            name_check(&mut errs, v, NameRule::Dns1123Label, &child(path, field));
        }
    }
    tolerations(&mut errs, arr(spec, "tolerations"), &child(path, "tolerations"));
    let pc = s(spec, "priorityClassName");
    if !pc.is_empty() {
        name_check(
            &mut errs,
            pc,
            NameRule::Dns1123Subdomain,
            &child(path, "priorityClassName"),
        );
    }
    errs
}

fn tolerations(errs: &mut Vec<FieldError>, items: &[Value], path: &str) {
    for (i, t) in items.iter().enumerate() {
        let p = index(path, i);
        let k = s(t, "key");
        if !k.is_empty() {
            for msg in names::is_qualified_name(k) {
                errs.push(FieldError::invalid_str(child(&p, "key"), k, msg));
            }
        }
        let op = s(t, "operator");
        if k.is_empty() && op != "Exists" {
            errs.push(FieldError::invalid_str(
                child(&p, "operator"),
                op,
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"",
            ));
        }
        if is_set(t, "tolerationSeconds") && s(t, "effect") != "NoExecute" {
            errs.push(FieldError::invalid_str(
                child(&p, "effect"),
                s(t, "effect"),
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            ));
        }
        match op {
            "" | "Equal" => {
                let v = s(t, "value");
                let msgs = names::is_valid_label_value(v);
                if !msgs.is_empty() {
                    errs.push(FieldError::invalid_str(child(&p, "operator"), v, msgs.join(";")));
                }
            }
            "Exists" => {
                if !s(t, "value").is_empty() {
                    // The whole internal Toleration struct is the bad value.
                    let seconds = t
                        .get("tolerationSeconds")
                        .filter(|x| !x.is_null())
                        .map_or("null".to_string(), bad_value);
                    let rendered = format!(
                        "{{\"Key\":{},\"Operator\":{},\"Value\":{},\"Effect\":{},\"TolerationSeconds\":{}}}",
                        render::go_json_string(k),
                        render::go_json_string(op),
                        render::go_json_string(s(t, "value")),
                        render::go_json_string(s(t, "effect")),
                        seconds
                    );
                    errs.push(FieldError::invalid(
                        child(&p, "operator"),
                        rendered,
                        "value must be empty when `operator` is 'Exists'",
                    ));
                }
            }
            other => errs.push(FieldError::not_supported(
                child(&p, "operator"),
                other,
                &["Equal", "Exists"],
            )),
        }
        let effect = s(t, "effect");
        if !effect.is_empty() && !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            errs.push(FieldError::not_supported(
                child(&p, "effect"),
                effect,
                &["NoSchedule", "PreferNoSchedule", "NoExecute"],
            ));
        }
    }
}

// ---- volumes ------------------------------------------------------------------------------

/// ValidateVolumes: returns the names of the volumes that validated cleanly (what volume
/// mounts may refer to).
fn volumes(errs: &mut Vec<FieldError>, items: &[Value], path: &str) -> BTreeSet<String> {
    let mut valid = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for (i, v) in items.iter().enumerate() {
        let p = index(path, i);
        let name = s(v, "name");
        let mut el = volume_source(v, &p);
        let name_path = child(&p, "name");
        if name.is_empty() {
            el.push(FieldError::required(&name_path, ""));
        } else {
            name_check(&mut el, name, NameRule::Dns1123Label, &name_path);
        }
        if seen.contains(name) {
            el.push(FieldError::duplicate(&name_path, apimachinery::errors::go_quote(name)));
        }
        if el.is_empty() {
            seen.insert(name.to_string());
            valid.insert(name.to_string());
        } else {
            errs.extend(el);
        }
    }
    valid
}

fn volume_source(v: &Value, path: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    let mut count = 0;
    for source in VOLUME_SOURCES {
        let Some(src) = v.get(*source).filter(|x| !x.is_null()) else {
            continue;
        };
        let p = child(path, source);
        if count > 0 {
            errs.push(FieldError::forbidden(&p, "may not specify more than 1 volume type"));
            continue;
        }
        count += 1;
        match *source {
            "hostPath" => {
                if s(src, "path").is_empty() {
                    errs.push(FieldError::required(child(&p, "path"), ""));
                } else {
                    let t = s(src, "type");
                    let supported = [
                        "",
                        "BlockDevice",
                        "CharDevice",
                        "Directory",
                        "DirectoryOrCreate",
                        "File",
                        "FileOrCreate",
                        "Socket",
                    ];
                    if !supported.contains(&t) {
                        errs.push(FieldError::not_supported(child(&p, "type"), t, &supported));
                    }
                }
            }
            "secret" => {
                if s(src, "secretName").is_empty() {
                    errs.push(FieldError::required(child(&p, "secretName"), ""));
                }
                file_mode(&mut errs, src, "defaultMode", &p);
                key_to_paths(&mut errs, src, &p);
            }
            "configMap" => {
                if s(src, "name").is_empty() {
                    errs.push(FieldError::required(child(&p, "name"), ""));
                }
                file_mode(&mut errs, src, "defaultMode", &p);
                key_to_paths(&mut errs, src, &p);
            }
            "downwardAPI" | "projected" => file_mode(&mut errs, src, "defaultMode", &p),
            "persistentVolumeClaim" if s(src, "claimName").is_empty() => {
                errs.push(FieldError::required(child(&p, "claimName"), ""));
            }
            "nfs" => {
                if s(src, "server").is_empty() {
                    errs.push(FieldError::required(child(&p, "server"), ""));
                }
                let nfs_path = s(src, "path");
                if nfs_path.is_empty() {
                    errs.push(FieldError::required(child(&p, "path"), ""));
                } else if !nfs_path.starts_with('/') {
                    errs.push(FieldError::invalid_str(
                        child(&p, "path"),
                        nfs_path,
                        "must be an absolute path",
                    ));
                }
            }
            _ => {}
        }
    }
    if count == 0 {
        errs.push(FieldError::required(path, "must specify a volume type"));
    }
    errs
}

fn file_mode(errs: &mut Vec<FieldError>, src: &Value, field: &str, path: &str) {
    if let Some(mode) = int(src, field) {
        if !(0..=0o777).contains(&mode) {
            errs.push(FieldError::invalid(
                child(path, field),
                mode.to_string(),
                FILE_MODE_ERROR,
            ));
        }
    }
}

fn key_to_paths(errs: &mut Vec<FieldError>, src: &Value, path: &str) {
    for (i, item) in arr(src, "items").iter().enumerate() {
        let p = index(&child(path, "items"), i);
        if s(item, "key").is_empty() {
            errs.push(FieldError::required(child(&p, "key"), ""));
        }
        let item_path = s(item, "path");
        if item_path.is_empty() {
            errs.push(FieldError::required(child(&p, "path"), ""));
        } else {
            local_descending_path(errs, item_path, &child(&p, "path"));
        }
        file_mode(errs, item, "mode", &p);
    }
}

/// validateLocalDescendingPath (plus the non-reserved `..` prefix rule).
fn local_descending_path(errs: &mut Vec<FieldError>, p: &str, path: &str) {
    if p.starts_with('/') {
        errs.push(FieldError::invalid_str(path, p, "must be a relative path"));
    }
    if p.split('/').any(|part| part == "..") {
        errs.push(FieldError::invalid_str(path, p, "must not contain '..'"));
    }
}

// ---- containers ---------------------------------------------------------------------------

fn containers(errs: &mut Vec<FieldError>, items: &[Value], volumes: &BTreeSet<String>, path: &str) {
    if items.is_empty() {
        errs.push(FieldError::required(path, ""));
        return;
    }
    let mut names_seen = BTreeSet::new();
    for (i, c) in items.iter().enumerate() {
        let p = index(path, i);
        container_common(errs, c, volumes, &p);
        let name = s(c, "name");
        if !names_seen.insert(name.to_string()) {
            errs.push(FieldError::duplicate(
                child(&p, "name"),
                apimachinery::errors::go_quote(name),
            ));
        }
        if let Some(lifecycle) = obj(c, "lifecycle") {
            for hook in ["postStart", "preStop"] {
                if let Some(h) = lifecycle.get(hook).filter(|h| !h.is_null()) {
                    handler(errs, h, &child(&child(&p, "lifecycle"), hook), true);
                }
            }
        }
        for (probe_key, must_be_one) in [
            ("livenessProbe", true),
            ("readinessProbe", false),
            ("startupProbe", true),
        ] {
            if let Some(pr) = c.get(probe_key).filter(|x| !x.is_null()) {
                let pp = child(&p, probe_key);
                probe(errs, pr, &pp);
                if must_be_one {
                    if let Some(st) = int(pr, "successThreshold") {
                        if st != 1 {
                            errs.push(FieldError::invalid(
                                child(&pp, "successThreshold"),
                                st.to_string(),
                                "must be 1",
                            ));
                        }
                    }
                }
            }
        }
    }
    host_port_conflicts(errs, items, path);
}

fn init_containers(errs: &mut Vec<FieldError>, spec: &Value, volumes: &BTreeSet<String>, path: &str) {
    let mut names_seen: BTreeSet<String> = arr(spec, "containers")
        .iter()
        .map(|c| s(c, "name").to_string())
        .collect();
    for (i, c) in arr(spec, "initContainers").iter().enumerate() {
        let p = index(path, i);
        container_common(errs, c, volumes, &p);
        let name = s(c, "name");
        if !names_seen.insert(name.to_string()) {
            errs.push(FieldError::duplicate(
                child(&p, "name"),
                apimachinery::errors::go_quote(name),
            ));
        }
        let sidecar = s(c, "restartPolicy") == "Always";
        if !sidecar {
            for (field, what) in [
                ("lifecycle", "lifecycle"),
                ("livenessProbe", "livenessProbe"),
                ("readinessProbe", "readinessProbe"),
                ("startupProbe", "startupProbe"),
            ] {
                if is_set(c, field) {
                    errs.push(FieldError::forbidden(
                        child(&p, what),
                        "may not be set for init containers without restartPolicy=Always",
                    ));
                }
            }
        }
    }
    host_port_conflicts(errs, arr(spec, "initContainers"), path);
}

/// validateContainerCommon.
fn container_common(errs: &mut Vec<FieldError>, c: &Value, volumes: &BTreeSet<String>, path: &str) {
    let name = s(c, "name");
    let name_path = child(path, "name");
    if name.is_empty() {
        errs.push(FieldError::required(&name_path, ""));
    } else {
        name_check(errs, name, NameRule::Dns1123Label, &name_path);
    }
    if s(c, "image").is_empty() {
        errs.push(FieldError::required(child(path, "image"), ""));
    }
    match s(c, "terminationMessagePolicy") {
        "File" | "FallbackToLogsOnError" => {}
        "" => errs.push(FieldError::required(child(path, "terminationMessagePolicy"), "")),
        other => errs.push(FieldError::not_supported(
            child(path, "terminationMessagePolicy"),
            other,
            &["File", "FallbackToLogsOnError"],
        )),
    }
    container_ports(errs, arr(c, "ports"), &child(path, "ports"));
    env(errs, arr(c, "env"), &child(path, "env"));
    volume_mounts(errs, arr(c, "volumeMounts"), volumes, &child(path, "volumeMounts"));
    match s(c, "imagePullPolicy") {
        "Always" | "IfNotPresent" | "Never" => {}
        "" => errs.push(FieldError::required(child(path, "imagePullPolicy"), "")),
        other => errs.push(FieldError::not_supported(
            child(path, "imagePullPolicy"),
            other,
            &["Always", "IfNotPresent", "Never"],
        )),
    }
    if let Some(resources) = c.get("resources") {
        resource_requirements(errs, resources, &child(path, "resources"));
    }
}

fn container_ports(errs: &mut Vec<FieldError>, ports: &[Value], path: &str) {
    let mut seen = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let p = index(path, i);
        let name = s(port, "name");
        if !name.is_empty() {
            let msgs = port_name_errors(name);
            if !msgs.is_empty() {
                for msg in msgs {
                    errs.push(FieldError::invalid_str(child(&p, "name"), name, msg));
                }
            } else if !seen.insert(name.to_string()) {
                errs.push(FieldError::duplicate(
                    child(&p, "name"),
                    apimachinery::errors::go_quote(name),
                ));
            }
        }
        let cp = int(port, "containerPort").unwrap_or(0);
        if cp == 0 {
            errs.push(FieldError::required(child(&p, "containerPort"), ""));
        } else {
            for msg in port_num_errors(cp) {
                errs.push(FieldError::invalid(child(&p, "containerPort"), cp.to_string(), msg));
            }
        }
        let hp = int(port, "hostPort").unwrap_or(0);
        if hp != 0 {
            for msg in port_num_errors(hp) {
                errs.push(FieldError::invalid(child(&p, "hostPort"), hp.to_string(), msg));
            }
        }
        protocol(errs, s(port, "protocol"), &child(&p, "protocol"));
    }
}

pub(crate) fn protocol(errs: &mut Vec<FieldError>, proto: &str, path: &str) {
    match proto {
        "TCP" | "UDP" | "SCTP" => {}
        "" => errs.push(FieldError::required(path, "")),
        other => errs.push(FieldError::not_supported(path, other, &["SCTP", "TCP", "UDP"])),
    }
}

/// checkHostPortConflicts: `<hostIP>/<protocol>/<hostPort>` must be unique across containers.
fn host_port_conflicts(errs: &mut Vec<FieldError>, containers: &[Value], path: &str) {
    let mut seen = BTreeSet::new();
    for (ci, c) in containers.iter().enumerate() {
        for (pi, port) in arr(c, "ports").iter().enumerate() {
            let hp = int(port, "hostPort").unwrap_or(0);
            if hp == 0 {
                continue;
            }
            let k = format!("{}/{}/{}", s(port, "hostIP"), s(port, "protocol"), hp);
            if !seen.insert(k.clone()) {
                let p = index(&child(&index(path, ci), "ports"), pi);
                errs.push(FieldError::duplicate(
                    child(&p, "hostPort"),
                    apimachinery::errors::go_quote(&k),
                ));
            }
        }
    }
}

fn env(errs: &mut Vec<FieldError>, vars: &[Value], path: &str) {
    for (i, ev) in vars.iter().enumerate() {
        let p = index(path, i);
        let name = s(ev, "name");
        if name.is_empty() {
            errs.push(FieldError::required(child(&p, "name"), ""));
        }
        // RelaxedEnvironmentVariableValidation is on: printable ASCII except '='.
        let mut msgs = Vec::new();
        if name.is_empty() {
            msgs.push("environment variable name must be non-empty".to_string());
        }
        if name.chars().any(|c| !(' '..='~').contains(&c) || c == '=') {
            msgs.push(
                "a valid environment variable name must consist only of printable ASCII characters other than '='"
                    .to_string(),
            );
        }
        for msg in msgs {
            errs.push(FieldError::invalid_str(child(&p, "name"), name, msg));
        }
        if let Some(from) = ev.get("valueFrom").filter(|v| !v.is_null()) {
            env_value_from(errs, ev, from, &child(&p, "valueFrom"));
        }
    }
}

fn env_value_from(errs: &mut Vec<FieldError>, ev: &Value, from: &Value, path: &str) {
    let mut sources = 0;
    if let Some(f) = from.get("fieldRef").filter(|v| !v.is_null()) {
        sources += 1;
        object_field_selector(errs, f, &child(path, "fieldRef"));
    }
    if let Some(r) = from.get("resourceFieldRef").filter(|v| !v.is_null()) {
        sources += 1;
        if s(r, "resource").is_empty() {
            errs.push(FieldError::required(
                child(&child(path, "resourceFieldRef"), "resource"),
                "",
            ));
        }
    }
    for (field, name_field) in [("configMapKeyRef", "name"), ("secretKeyRef", "name")] {
        if let Some(r) = from.get(field).filter(|v| !v.is_null()) {
            sources += 1;
            let rp = child(path, field);
            let n = s(r, name_field);
            for msg in names::is_dns1123_subdomain(n) {
                errs.push(FieldError::invalid_str(child(&rp, name_field), n, msg));
            }
            let k = s(r, "key");
            if k.is_empty() {
                errs.push(FieldError::required(child(&rp, "key"), ""));
            } else {
                for msg in config_map_key_errors(k) {
                    errs.push(FieldError::invalid_str(child(&rp, "key"), k, msg));
                }
            }
        }
    }
    if from.get("fileKeyRef").is_some_and(|v| !v.is_null()) {
        sources += 1;
    }
    if sources == 0 {
        errs.push(FieldError::invalid_str(
            path,
            "",
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        ));
    } else if !s(ev, "value").is_empty() {
        errs.push(FieldError::invalid_str(
            path,
            "",
            "may not be specified when `value` is not empty",
        ));
    } else if sources > 1 {
        errs.push(FieldError::invalid_str(
            path,
            "",
            "may not have more than one field specified at a time",
        ));
    }
}

/// The pod fields env vars may read through the downward API.
const ENV_FIELD_PATHS: [&str; 9] = [
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// Field labels ConvertDownwardAPIFieldLabel accepts for v1 pods.
const POD_FIELD_LABELS: [&str; 14] = [
    "metadata.annotations",
    "metadata.labels",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.serviceAccountName",
    "spec.schedulerName",
    "status.phase",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

/// validateObjectFieldSelector for env vars.
fn object_field_selector(errs: &mut Vec<FieldError>, f: &Value, path: &str) {
    let api_version = s(f, "apiVersion");
    if api_version.is_empty() {
        errs.push(FieldError::required(child(path, "apiVersion"), ""));
        return;
    }
    let field_path = s(f, "fieldPath");
    if field_path.is_empty() {
        errs.push(FieldError::required(child(path, "fieldPath"), ""));
        return;
    }
    // `metadata.labels['key']` and `metadata.annotations['key']` carry a subscript.
    let subscripted = field_path
        .strip_suffix("']")
        .and_then(|p| p.split_once("['"))
        .filter(|(_, sub)| !sub.is_empty());
    let conversion_error = if api_version != "v1" {
        Some(format!("unsupported pod version: {api_version}"))
    } else {
        match subscripted {
            Some(("metadata.annotations" | "metadata.labels", _)) => None,
            _ if POD_FIELD_LABELS.contains(&field_path) => None,
            _ => Some(format!("field label not supported: {field_path}")),
        }
    };
    if let Some(err) = conversion_error {
        errs.push(FieldError::invalid_str(
            child(path, "fieldPath"),
            field_path,
            format!("error converting fieldPath: {err}"),
        ));
        return;
    }
    match subscripted {
        Some(("metadata.annotations", key)) => {
            for msg in names::is_qualified_name(&key.to_lowercase()) {
                errs.push(FieldError::invalid_str(path, &key.to_lowercase(), msg));
            }
        }
        Some(("metadata.labels", key)) => {
            for msg in names::is_qualified_name(key) {
                errs.push(FieldError::invalid_str(path, key, msg));
            }
        }
        Some((other, _)) => errs.push(FieldError::invalid_str(path, other, "does not support subscript")),
        None => {
            if !ENV_FIELD_PATHS.contains(&field_path) {
                errs.push(FieldError::not_supported(
                    child(path, "fieldPath"),
                    field_path,
                    &ENV_FIELD_PATHS,
                ));
            }
        }
    }
}

/// IsConfigMapKey.
pub(crate) fn config_map_key_errors(k: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if k.len() > 253 {
        errs.push(names::max_len_error(253));
    }
    if k.is_empty()
        || !k
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        errs.push(names::regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            "[-._a-zA-Z0-9]+",
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    if k == "." {
        errs.push("must not be '.'".to_string());
    } else if k == ".." {
        errs.push("must not be '..'".to_string());
    } else if k.starts_with("..") {
        errs.push("must not start with '..'".to_string());
    }
    errs
}

fn volume_mounts(errs: &mut Vec<FieldError>, mounts: &[Value], volumes: &BTreeSet<String>, path: &str) {
    let mut mount_points = BTreeSet::new();
    for (i, m) in mounts.iter().enumerate() {
        let p = index(path, i);
        let name = s(m, "name");
        if name.is_empty() {
            errs.push(FieldError::required(child(&p, "name"), ""));
        }
        if !volumes.contains(name) {
            errs.push(FieldError::not_found(
                child(&p, "name"),
                apimachinery::errors::go_quote(name),
            ));
        }
        let mount_path = s(m, "mountPath");
        if mount_path.is_empty() {
            errs.push(FieldError::required(child(&p, "mountPath"), ""));
        }
        if !mount_points.insert(mount_path.to_string()) {
            errs.push(FieldError::invalid_str(
                child(&p, "mountPath"),
                mount_path,
                "must be unique",
            ));
        }
        let sub = s(m, "subPath");
        if !sub.is_empty() {
            local_descending_path(errs, sub, &child(path, "subPath"));
        }
    }
}

/// A probe or lifecycle handler: exactly one action.
fn handler(errs: &mut Vec<FieldError>, h: &Value, path: &str, lifecycle: bool) {
    let mut count = 0;
    let actions: &[&str] = if lifecycle {
        &["exec", "httpGet", "tcpSocket", "sleep"]
    } else {
        &["exec", "httpGet", "tcpSocket", "grpc"]
    };
    for action in actions {
        let Some(a) = h.get(*action).filter(|x| !x.is_null()) else {
            continue;
        };
        let p = child(path, action);
        if count > 0 {
            errs.push(FieldError::forbidden(&p, "may not specify more than 1 handler type"));
            continue;
        }
        count += 1;
        match *action {
            "exec" if arr(a, "command").is_empty() => {
                errs.push(FieldError::required(child(&p, "command"), ""));
            }
            "httpGet" => {
                if s(a, "path").is_empty() {
                    errs.push(FieldError::required(child(&p, "path"), ""));
                }
                port_num_or_name(errs, a.get("port"), &child(&p, "port"));
                let scheme = s(a, "scheme");
                if scheme != "HTTP" && scheme != "HTTPS" {
                    errs.push(FieldError::not_supported(
                        child(&p, "scheme"),
                        scheme,
                        &["HTTP", "HTTPS"],
                    ));
                }
            }
            "tcpSocket" => port_num_or_name(errs, a.get("port"), &child(&p, "port")),
            "grpc" => {
                let port = int(a, "port").unwrap_or(0);
                for msg in port_num_errors(port) {
                    errs.push(FieldError::invalid(child(&p, "port"), port.to_string(), msg));
                }
            }
            _ => {}
        }
    }
    if count == 0 {
        errs.push(FieldError::required(path, "must specify a handler type"));
    }
}

fn probe(errs: &mut Vec<FieldError>, pr: &Value, path: &str) {
    handler(errs, pr, path, false);
    for field in [
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ] {
        nonnegative(errs, pr, field, path);
    }
    if let Some(t) = int(pr, "terminationGracePeriodSeconds") {
        if t <= 0 {
            errs.push(FieldError::invalid(
                child(path, "terminationGracePeriodSeconds"),
                t.to_string(),
                "must be greater than 0",
            ));
        }
    }
}

// ---- resources ----------------------------------------------------------------------------

fn is_native(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// IsExtendedResourceName: not native, not `requests.`-prefixed, and `requests.<name>` is a
/// qualified name.
fn is_extended_resource_name(name: &str) -> bool {
    !is_native(name)
        && !name.starts_with("requests.")
        && names::is_qualified_name(&format!("requests.{name}")).is_empty()
}

fn overcommit_allowed(name: &str) -> bool {
    is_native(name) && !name.starts_with("hugepages-")
}

fn container_resource_name(errs: &mut Vec<FieldError>, name: &str, path: &str) {
    // validateResourceName: a qualified name first.
    for msg in names::is_qualified_name(name) {
        errs.push(FieldError::invalid_str(path, name, msg));
    }
    if !name.contains('/') {
        if !matches!(name, "cpu" | "memory" | "ephemeral-storage") && !name.starts_with("hugepages-") {
            errs.push(FieldError::invalid_str(
                path,
                name,
                "must be a standard resource for containers",
            ));
        }
    } else if !is_native(name) && !is_extended_resource_name(name) {
        errs.push(FieldError::invalid_str(
            path,
            name,
            "doesn't follow extended resource name standard",
        ));
    }
}

/// ValidateResourceRequirements for a container.
fn resource_requirements(errs: &mut Vec<FieldError>, res: &Value, path: &str) {
    let lim_path = child(path, "limits");
    let req_path = child(path, "requests");
    let limits: BTreeMap<&str, &Value> = obj(res, "limits")
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default();
    for (name, q) in &limits {
        let p = key(&lim_path, name);
        container_resource_name(errs, name, &p);
        quantity_value(errs, name, q, &p);
    }
    let Some(requests) = obj(res, "requests") else { return };
    for (name, q) in requests {
        let p = key(&req_path, name);
        container_resource_name(errs, name, &p);
        quantity_value(errs, name, q, &p);
        let (Some(req), Some(lim)) = (quantity_of(q), limits.get(name.as_str()).and_then(|l| quantity_of(l))) else {
            continue;
        };
        let req_text = quantity_text(q);
        let lim_text = limits.get(name.as_str()).map(|l| quantity_text(l)).unwrap_or_default();
        if req != lim && !overcommit_allowed(name) {
            errs.push(FieldError::invalid_str(
                &req_path,
                &req_text,
                format!("must be equal to {name} limit of {lim_text}"),
            ));
        } else if req > lim {
            errs.push(FieldError::invalid_str(
                &req_path,
                &req_text,
                format!("must be less than or equal to {name} limit of {lim_text}"),
            ));
        }
    }
}

fn quantity_value(errs: &mut Vec<FieldError>, name: &str, q: &Value, path: &str) {
    let Some(v) = quantity_of(q) else { return };
    if v.sign() < 0 {
        errs.push(FieldError::invalid_str(path, &quantity_text(q), IS_NEGATIVE));
    }
    let integer = name.starts_with("hugepages-") || !is_native(name);
    if integer && v.milli_value() % 1000 != 0 {
        errs.push(FieldError::invalid_str(path, &quantity_text(q), "must be an integer"));
    }
}

/// A quantity field's value (None when it does not parse; decoding reports that).
pub(crate) fn quantity_of(q: &Value) -> Option<Quantity> {
    Quantity::from_json(q).and_then(Result::ok)
}

/// `Quantity.String()` of a field, or the raw text when it does not parse.
pub(crate) fn quantity_text(q: &Value) -> String {
    match quantity_of(q) {
        Some(parsed) => parsed.to_string(),
        None => match q {
            Value::String(t) => t.clone(),
            other => bad_value(other),
        },
    }
}

pub(crate) fn positive_quantity(errs: &mut Vec<FieldError>, q: &Value, path: &str) -> bool {
    match quantity_of(q) {
        Some(v) if v.sign() <= 0 => {
            errs.push(FieldError::invalid_str(path, &quantity_text(q), NOT_POSITIVE));
            false
        }
        _ => true,
    }
}

// ---- label selectors ----------------------------------------------------------------------

/// ValidateLabelSelector at `path`.
pub(crate) fn label_selector(errs: &mut Vec<FieldError>, sel: &Value, path: &str) {
    if sel.is_null() {
        return;
    }
    if let Some(ml) = sel.get("matchLabels") {
        errs.extend(names::validate_labels(ml, &child(path, "matchLabels")));
    }
    for (i, req) in arr(sel, "matchExpressions").iter().enumerate() {
        let p = index(&child(path, "matchExpressions"), i);
        let values = arr(req, "values");
        match s(req, "operator") {
            "In" | "NotIn" => {
                if values.is_empty() {
                    errs.push(FieldError::required(
                        child(&p, "values"),
                        "must be specified when `operator` is 'In' or 'NotIn'",
                    ));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    errs.push(FieldError::forbidden(
                        child(&p, "values"),
                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                    ));
                }
            }
            other => errs.push(FieldError::invalid_str(
                child(&p, "operator"),
                other,
                "not a valid selector operator",
            )),
        }
        errs.extend(names::validate_label_name(s(req, "key"), &child(&p, "key")));
        for (vi, v) in values.iter().enumerate() {
            if let Some(v) = v.as_str() {
                for msg in names::is_valid_label_value(v) {
                    errs.push(FieldError::invalid_str(index(&child(&p, "values"), vi), v, msg));
                }
            }
        }
    }
}

/// Whether metav1.LabelSelectorAsSelector would succeed.
pub(crate) fn selector_converts(sel: &Value) -> bool {
    let labels_ok = sel.get("matchLabels").and_then(Value::as_object).is_none_or(|m| {
        m.iter().all(|(k, v)| {
            names::is_qualified_name(k).is_empty()
                && v.as_str().is_some_and(|v| names::is_valid_label_value(v).is_empty())
        })
    });
    labels_ok
        && arr(sel, "matchExpressions").iter().all(|req| {
            let values = arr(req, "values");
            let op_ok = match s(req, "operator") {
                "In" | "NotIn" => !values.is_empty(),
                "Exists" | "DoesNotExist" => values.is_empty(),
                _ => false,
            };
            op_ok
                && names::is_qualified_name(s(req, "key")).is_empty()
                && values
                    .iter()
                    .all(|v| v.as_str().is_some_and(|v| names::is_valid_label_value(v).is_empty()))
        })
}

pub(crate) fn selector_is_empty(sel: &Value) -> bool {
    obj(sel, "matchLabels").is_none_or(Map::is_empty) && arr(sel, "matchExpressions").is_empty()
}

/// labels.Selector.Matches for a LabelSelector (a null selector matches nothing).
pub(crate) fn selector_matches(sel: &Value, labels: Option<&Value>) -> bool {
    if sel.is_null() {
        return false;
    }
    let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    let labels_ok = obj(sel, "matchLabels").is_none_or(|m| m.iter().all(|(k, v)| get(k) == v.as_str()));
    labels_ok
        && arr(sel, "matchExpressions").iter().all(|req| {
            let k = s(req, "key");
            let values: Vec<&str> = arr(req, "values").iter().filter_map(Value::as_str).collect();
            match s(req, "operator") {
                "In" => get(k).is_some_and(|v| values.contains(&v)),
                "NotIn" => get(k).is_none_or(|v| !values.contains(&v)),
                "Exists" => get(k).is_some(),
                "DoesNotExist" => get(k).is_none(),
                _ => false,
            }
        })
}

/// The pod template checks shared by ReplicaSet, Deployment and ReplicationController
/// (ValidatePodTemplateSpecForReplicaSet / ForRC). `kind` names the owner in messages.
pub(crate) fn template_for_controller(
    errs: &mut Vec<FieldError>,
    template: Option<&Value>,
    selector_matches_labels: Option<bool>,
    path: &str,
    kind: &str,
) {
    let Some(template) = template.filter(|t| !t.is_null()) else {
        errs.push(FieldError::required(path, ""));
        return;
    };
    let labels = template.get("metadata").and_then(|m| m.get("labels"));
    if selector_matches_labels == Some(false) {
        errs.push(FieldError::invalid(
            child(&child(path, "metadata"), "labels"),
            render::labels(labels),
            "`selector` does not match template `labels`",
        ));
    }
    errs.extend(pod_template(template, path));
    let spec = template.get("spec").unwrap_or(&Value::Null);
    let rp = s(spec, "restartPolicy");
    if rp != "Always" {
        errs.push(FieldError::not_supported(
            child(&child(path, "spec"), "restartPolicy"),
            rp,
            &["Always"],
        ));
    }
    if is_set(spec, "activeDeadlineSeconds") {
        errs.push(FieldError::forbidden(
            child(&child(path, "spec"), "activeDeadlineSeconds"),
            format!("activeDeadlineSeconds in {kind} is not Supported"),
        ));
    }
}

/// validateContainersOnlyForPod: checks real Pods get that templates do not.
pub(crate) fn containers_only_for_pod(errs: &mut Vec<FieldError>, spec: &Value) {
    for key in ["containers", "initContainers"] {
        for (i, c) in arr(spec, key).iter().enumerate() {
            let image = s(c, "image");
            if image.len() != image.trim().len() {
                errs.push(FieldError::invalid_str(
                    child(&index(&child("spec", key), i), "image"),
                    image,
                    "must not have leading or trailing whitespace",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_match_like_label_selectors() {
        let sel = serde_json::json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["db"]}]});
        assert!(selector_matches(&sel, Some(&serde_json::json!({"app": "web"}))));
        assert!(!selector_matches(
            &sel,
            Some(&serde_json::json!({"app": "web", "tier": "db"}))
        ));
        assert!(!selector_matches(&sel, None));
        assert!(!selector_matches(&Value::Null, Some(&serde_json::json!({}))));
    }
}
