//! The per-kind describers.

use super::*;
use crate::printers::gofmt::go_v;
use crate::printers::util::{format_label_selector, format_labels, label_selector_string, opt_s};
use apimachinery::quantity::Format;

/// What a describer may need besides the object, fetched by the command.
#[derive(Debug, Clone, Default)]
pub struct Related {
    /// `None` when events are not shown (`--show-events=false`, several objects).
    pub events: Option<Vec<Value>>,
    /// Pods of a controller (counted by phase) or of a node (non-terminated).
    pub pods: Option<Vec<Value>>,
    /// Old and new ReplicaSets of a Deployment.
    pub old_replica_sets: Vec<Value>,
    pub new_replica_sets: Vec<Value>,
    /// EndpointSlices of a Service.
    pub endpoint_slices: Vec<Value>,
    /// Namespace: quotas and limit ranges.
    pub quotas: Option<Vec<Value>>,
    pub limit_ranges: Option<Vec<Value>>,
    /// Node: its Lease, or the error text.
    pub lease: Option<Result<Value, String>>,
    /// Ingress: per backend Service name, the Service (or the error text) and its EndpointSlices.
    pub backends: std::collections::BTreeMap<String, (Result<Value, String>, Vec<Value>)>,
}

/// Describes `obj` (of `group`/`kind`) as `kubectl describe` prints it.
pub fn describe(group: &str, kind: &str, obj: &Value, rel: &Related, now: i64) -> String {
    match (group, kind) {
        ("", "Pod") => describe_pod(obj, rel, now),
        ("apps", "Deployment") => describe_deployment(obj, rel, now),
        ("apps", "ReplicaSet") => describe_replica_set(obj, rel, now),
        ("", "Service") => describe_service(obj, rel, now),
        ("", "Node") => describe_node(obj, rel, now),
        ("", "Namespace") => describe_namespace(obj, rel),
        ("", "ConfigMap") => describe_config_map(obj, rel, now),
        ("", "Secret") => describe_secret(obj),
        ("", "ReplicationController") => describe_replication_controller(obj, rel, now),
        ("apps", "StatefulSet") => describe_stateful_set(obj, rel, now),
        ("apps", "DaemonSet") => describe_daemon_set(obj, rel, now),
        ("batch", "Job") => describe_job(obj, rel, now),
        ("batch", "CronJob") => describe_cron_job(obj, rel, now),
        ("", "ServiceAccount") => describe_service_account(obj, rel, now),
        ("networking.k8s.io", "Ingress") => describe_ingress(obj, rel, now),
        ("", "PersistentVolumeClaim") => describe_pvc(obj, rel, now),
        ("", "PersistentVolume") => describe_pv(obj, rel, now),
        ("", "ResourceQuota") => describe_quota(obj),
        ("", "LimitRange") => describe_limit_range(obj),
        ("", "Endpoints") => describe_endpoints(obj, rel, now),
        ("storage.k8s.io", "StorageClass") => describe_storage_class(obj, rel, now),
        ("policy", "PodDisruptionBudget") => describe_pdb(obj, rel, now),
        ("scheduling.k8s.io", "PriorityClass") => describe_priority_class(obj, rel, now),
        ("autoscaling", "HorizontalPodAutoscaler") if at(obj, "spec.targetCPUUtilizationPercentage").is_null() => {
            describe_hpa(obj, rel, now)
        }
        ("rbac.authorization.k8s.io", "Role") | ("rbac.authorization.k8s.io", "ClusterRole") => describe_role(obj),
        ("rbac.authorization.k8s.io", "RoleBinding") | ("rbac.authorization.k8s.io", "ClusterRoleBinding") => {
            describe_role_binding(obj)
        }
        _ => describe_generic(obj, rel, now),
    }
}

fn header(w: &mut Writer, obj: &Value) {
    w.write(L0, &format!("Name:\t{}\n", s(obj, "metadata.name")));
    w.write(L0, &format!("Namespace:\t{}\n", s(obj, "metadata.namespace")));
}

fn describe_events(w: &mut Writer, rel: &Related, now: i64) {
    if let Some(evs) = &rel.events {
        events(w, evs, now);
    }
}

pub fn describe_pod(pod: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, pod);
    if let Some(p) = opt_i(pod, "spec.priority") {
        w.write(L0, &format!("Priority:\t{p}\n"));
    }
    if let Some(pc) = opt_s(pod, "spec.priorityClassName").filter(|x| !x.is_empty()) {
        w.write(L0, &format!("Priority Class Name:\t{pc}\n"));
    }
    if let Some(rc) = opt_s(pod, "spec.runtimeClassName").filter(|x| !x.is_empty()) {
        w.write(L0, &format!("Runtime Class Name:\t{rc}\n"));
    }
    if let Some(sa) = opt_s(pod, "spec.serviceAccountName").filter(|x| !x.is_empty()) {
        w.write(L0, &format!("Service Account:\t{sa}\n"));
    }
    let node = s(pod, "spec.nodeName");
    if node.is_empty() {
        w.write(L0, "Node:\t<none>\n");
    } else {
        w.write(L0, &format!("Node:\t{node}/{}\n", s(pod, "status.hostIP")));
    }
    if let Some(st) = opt_s(pod, "status.startTime") {
        w.write(L0, &format!("Start Time:\t{}\n", rfc1123z(st)));
    }
    labels_multiline(&mut w, "", "Labels", at(pod, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(pod, "metadata.annotations"));
    let phase = s(pod, "status.phase");
    if !at(pod, "metadata.deletionTimestamp").is_null() && phase != "Failed" && phase != "Succeeded" {
        w.write(
            L0,
            &format!(
                "Status:\tTerminating (lasts {})\n",
                age(s(pod, "metadata.deletionTimestamp"), now)
            ),
        );
        w.write(
            L0,
            &format!(
                "Termination Grace Period:\t{}s\n",
                i(pod, "metadata.deletionGracePeriodSeconds")
            ),
        );
    } else {
        w.write(L0, &format!("Status:\t{phase}\n"));
    }
    if let Some(r) = opt_s(pod, "status.reason").filter(|x| !x.is_empty()) {
        w.write(L0, &format!("Reason:\t{r}\n"));
    }
    if let Some(m) = opt_s(pod, "status.message").filter(|x| !x.is_empty()) {
        w.write(L0, &format!("Message:\t{m}\n"));
    }
    if let Some(t) = opt_s(pod, "spec.securityContext.seccompProfile.type") {
        w.write(L0, &format!("SeccompProfile:\t{t}\n"));
        if t == "Localhost" {
            w.write(
                L0,
                &format!(
                    "LocalhostProfile:\t{}\n",
                    s(pod, "spec.securityContext.seccompProfile.localhostProfile")
                ),
            );
        }
    }
    w.write(L0, &format!("IP:\t{}\n", s(pod, "status.podIP")));
    let ips = arr(pod, "status.podIPs");
    if ips.is_empty() {
        w.write(L0, "IPs:\t<none>\n");
    } else {
        w.write(L0, "IPs:\n");
        for ip in ips {
            w.write(L1, &format!("IP:\t{}\n", s(ip, "ip")));
        }
    }
    if let Some(c) = controller_of(pod) {
        w.write(L0, &format!("Controlled By:\t{c}\n"));
    }
    if let Some(n) = opt_s(pod, "status.nominatedNodeName").filter(|x| !x.is_empty()) {
        w.write(L0, &format!("NominatedNodeName:\t{n}\n"));
    }
    if !at(pod, "spec.resources").is_null() {
        w.write(L0, "Resources:\n");
        resources(&mut w, at(pod, "spec.resources"), L1);
    }
    let init = arr(pod, "spec.initContainers");
    if !init.is_empty() {
        containers(
            &mut w,
            "Init Containers",
            init,
            Some(arr(pod, "status.initContainerStatuses")),
            "",
            Some(pod),
        );
    }
    containers(
        &mut w,
        "Containers",
        arr(pod, "spec.containers"),
        Some(arr(pod, "status.containerStatuses")),
        "",
        Some(pod),
    );
    let gates = arr(pod, "spec.readinessGates");
    if !gates.is_empty() {
        w.write(L0, "Readiness Gates:\n  Type\tStatus\n");
        for g in gates {
            let status = arr(pod, "status.conditions")
                .iter()
                .find(|c| s(c, "type") == s(g, "conditionType"))
                .map(|c| s(c, "status").to_string())
                .unwrap_or_else(|| "<none>".into());
            w.write(L1, &format!("{} \t{status} \n", s(g, "conditionType")));
        }
    }
    let conds = arr(pod, "status.conditions");
    if !conds.is_empty() {
        w.write(L0, "Conditions:\n  Type\tStatus\n");
        for c in conds {
            w.write(L1, &format!("{} \t{} \n", s(c, "type"), s(c, "status")));
        }
    }
    volumes(&mut w, arr(pod, "spec.volumes"), "");
    w.write(L0, &format!("QoS Class:\t{}\n", qos_class(pod)));
    labels_multiline(&mut w, "", "Node-Selectors", at(pod, "spec.nodeSelector"));
    tolerations_multiline(&mut w, "", "Tolerations", arr(pod, "spec.tolerations"));
    topology_spread(&mut w, arr(pod, "spec.topologySpreadConstraints"), "");
    describe_events(&mut w, rel, now);
    w.finish()
}

fn topology_spread(w: &mut Writer, tscs: &[Value], space: &str) {
    if tscs.is_empty() {
        return;
    }
    let mut sorted: Vec<&Value> = tscs.iter().collect();
    sorted.sort_by(|a, b| s(a, "topologyKey").cmp(s(b, "topologyKey")));
    w.write(L0, &format!("{space}Topology Spread Constraints:\t"));
    for (ix, t) in sorted.iter().enumerate() {
        if ix != 0 {
            w.write(L0, space);
            w.write(L0, "\t");
        }
        let mut text = format!(
            "{}:{} when max skew {} is exceeded",
            s(t, "topologyKey"),
            s(t, "whenUnsatisfiable"),
            i(t, "maxSkew")
        );
        if !at(t, "labelSelector").is_null() {
            text.push_str(&format!(
                " for selector {}",
                format_label_selector(at(t, "labelSelector"))
            ));
        }
        text.push('\n');
        w.write(L0, &text);
    }
}

/// qos.GetPodQOS: the status field, else computed from requests and limits.
pub fn qos_class(pod: &Value) -> String {
    if let Some(q) = opt_s(pod, "status.qosClass").filter(|x| !x.is_empty()) {
        return q.to_string();
    }
    let mut all: Vec<&Value> = arr(pod, "spec.containers").iter().collect();
    all.extend(arr(pod, "spec.initContainers"));
    let mut any_set = false;
    let mut guaranteed = true;
    for c in &all {
        let req = at(c, "resources.requests");
        let lim = at(c, "resources.limits");
        for name in ["cpu", "memory"] {
            let r = req.get(name);
            let l = lim.get(name);
            if r.is_some() || l.is_some() {
                any_set = true;
            }
            match (r, l) {
                (_, None) => guaranteed = false,
                (Some(r), Some(l)) => {
                    if quantity(r).cmp(&quantity(l)) != std::cmp::Ordering::Equal {
                        guaranteed = false;
                    }
                }
                (None, Some(_)) => {}
            }
        }
    }
    if !any_set {
        "BestEffort".into()
    } else if guaranteed {
        "Guaranteed".into()
    } else {
        "Burstable".into()
    }
}

fn resources(w: &mut Writer, res: &Value, level: usize) {
    for (title, key) in [("Limits", "limits"), ("Requests", "requests")] {
        if let Some(m) = at(res, key).as_object().filter(|m| !m.is_empty()) {
            w.write(level, &format!("{title}:\n"));
            for (name, q) in m {
                w.write(level + 1, &format!("{name}:\t{}\n", quantity(q)));
            }
        }
    }
}

fn container_ports(ports: &[Value], field: &str) -> String {
    ports
        .iter()
        .map(|p| {
            let mut t = format!("{}/{}", i(p, field), s(p, "protocol"));
            if !s(p, "name").is_empty() {
                t = format!("{t} ({})", s(p, "name"));
            }
            t
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn or_none(x: &str) -> String {
    if x.is_empty() {
        "<none>".into()
    } else {
        x.to_string()
    }
}

fn containers(w: &mut Writer, label: &str, cs: &[Value], statuses: Option<&[Value]>, space: &str, pod: Option<&Value>) {
    let none = if cs.is_empty() { " <none>" } else { "" };
    w.write(L0, &format!("{space}{label}:{none}\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for c in cs {
        let name = s(c, "name");
        let status = statuses.and_then(|st| st.iter().find(|x| s(x, "name") == name));
        w.write(L1, &format!("{name_indent}{name}:\n"));
        if let Some(st) = status {
            w.write(L2, &format!("Container ID:\t{}\n", s(st, "containerID")));
        }
        w.write(L2, &format!("Image:\t{}\n", s(c, "image")));
        if let Some(st) = status {
            w.write(L2, &format!("Image ID:\t{}\n", s(st, "imageID")));
        }
        let ports = arr(c, "ports");
        let p = container_ports(ports, "containerPort");
        if p.contains(',') {
            w.write(L2, &format!("Ports:\t{p}\n"));
        } else {
            w.write(L2, &format!("Port:\t{}\n", or_none(&p)));
        }
        let hp = container_ports(ports, "hostPort");
        if hp.contains(',') {
            w.write(L2, &format!("Host Ports:\t{hp}\n"));
        } else {
            w.write(L2, &format!("Host Port:\t{}\n", or_none(&hp)));
        }
        if let Some(t) = opt_s(c, "securityContext.seccompProfile.type") {
            w.write(L2, &format!("SeccompProfile:\t{t}\n"));
            if t == "Localhost" {
                w.write(
                    L3,
                    &format!(
                        "LocalhostProfile:\t{}\n",
                        s(c, "securityContext.seccompProfile.localhostProfile")
                    ),
                );
            }
        }
        for (title, key) in [("Command", "command"), ("Args", "args")] {
            let items = arr(c, key);
            if !items.is_empty() {
                w.write(L2, &format!("{title}:\n"));
                for item in items {
                    for line in scalar_string(item).split('\n') {
                        w.write(L3, &format!("{line}\n"));
                    }
                }
            }
        }
        if let Some(st) = status {
            container_state(w, "State", at(st, "state"));
            if !at(st, "lastState.terminated").is_null() {
                container_state(w, "Last State", at(st, "lastState"));
            }
            w.write(L2, &format!("Ready:\t{}\n", bool_text(b(st, "ready"))));
            w.write(L2, &format!("Restart Count:\t{}\n", i(st, "restartCount")));
        }
        resources(w, at(c, "resources"), L2);
        for (title, key) in [
            ("Liveness", "livenessProbe"),
            ("Readiness", "readinessProbe"),
            ("Startup", "startupProbe"),
        ] {
            let probe = at(c, key);
            if !probe.is_null() {
                w.write(L2, &format!("{title}:\t{}\n", describe_probe(probe)));
            }
        }
        let env_from = arr(c, "envFrom");
        if !env_from.is_empty() {
            w.write(L2, "Environment Variables from:\n");
            for e in env_from {
                let (from, name, optional) = if !at(e, "configMapRef").is_null() {
                    ("ConfigMap", s(e, "configMapRef.name"), b(e, "configMapRef.optional"))
                } else {
                    ("Secret", s(e, "secretRef.name"), b(e, "secretRef.optional"))
                };
                let prefix = s(e, "prefix");
                if prefix.is_empty() {
                    w.write(L3, &format!("{name}\t{from}\tOptional: {optional}\n"));
                } else {
                    w.write(
                        L3,
                        &format!("{name}\t{from} with prefix '{prefix}'\tOptional: {optional}\n"),
                    );
                }
            }
        }
        env_vars(w, c, pod);
        let mounts = arr(c, "volumeMounts");
        let none = if mounts.is_empty() { "\t<none>" } else { "" };
        w.write(L2, &format!("Mounts:{none}\n"));
        let mut sorted: Vec<&Value> = mounts.iter().collect();
        sorted.sort_by(|a, b| s(a, "mountPath").cmp(s(b, "mountPath")));
        for m in sorted {
            let mut flags = vec![if b(m, "readOnly") {
                "ro".to_string()
            } else {
                "rw".to_string()
            }];
            if !s(m, "subPath").is_empty() {
                flags.push(format!("path={}", apimachinery::errors::go_quote(s(m, "subPath"))));
            }
            w.write(
                L3,
                &format!("{} from {} ({})\n", s(m, "mountPath"), s(m, "name"), flags.join(",")),
            );
        }
        let devices = arr(c, "volumeDevices");
        if !devices.is_empty() {
            w.write(L2, &format!("Devices:{none}\n"));
            let mut sorted: Vec<&Value> = devices.iter().collect();
            sorted.sort_by(|a, b| s(a, "devicePath").cmp(s(b, "devicePath")));
            for d in sorted {
                w.write(L3, &format!("{} from {}\n", s(d, "devicePath"), s(d, "name")));
            }
        }
    }
}

fn container_state(w: &mut Writer, name: &str, state: &Value) {
    if !at(state, "running").is_null() {
        w.write(L2, &format!("{name}:\tRunning\n"));
        w.write(L3, &format!("Started:\t{}\n", rfc1123z(s(state, "running.startedAt"))));
    } else if !at(state, "waiting").is_null() {
        w.write(L2, &format!("{name}:\tWaiting\n"));
        if !s(state, "waiting.reason").is_empty() {
            w.write(L3, &format!("Reason:\t{}\n", s(state, "waiting.reason")));
        }
    } else if !at(state, "terminated").is_null() {
        let t = at(state, "terminated");
        w.write(L2, &format!("{name}:\tTerminated\n"));
        if !s(t, "reason").is_empty() {
            w.write(L3, &format!("Reason:\t{}\n", s(t, "reason")));
        }
        if !s(t, "message").is_empty() {
            w.write(L3, &format!("Message:\t{}\n", s(t, "message")));
        }
        w.write(L3, &format!("Exit Code:\t{}\n", i(t, "exitCode")));
        if i(t, "signal") > 0 {
            w.write(L3, &format!("Signal:\t{}\n", i(t, "signal")));
        }
        w.write(L3, &format!("Started:\t{}\n", rfc1123z(s(t, "startedAt"))));
        w.write(L3, &format!("Finished:\t{}\n", rfc1123z(s(t, "finishedAt"))));
    } else {
        w.write(L2, &format!("{name}:\tWaiting\n"));
    }
}

/// DescribeProbe.
pub fn describe_probe(p: &Value) -> String {
    let attrs = format!(
        "delay={}s timeout={}s period={}s successThreshold={} failureThreshold={}",
        i(p, "initialDelaySeconds"),
        i(p, "timeoutSeconds"),
        i(p, "periodSeconds"),
        i(p, "successThreshold"),
        i(p, "failureThreshold")
    );
    if !at(p, "exec").is_null() {
        let cmd: Vec<String> = arr(p, "exec.command").iter().map(scalar_string).collect();
        return format!("exec [{}] {attrs}", cmd.join(" "));
    }
    if !at(p, "httpGet").is_null() {
        let scheme = s(p, "httpGet.scheme").to_lowercase();
        let port = scalar_string(at(p, "httpGet.port"));
        let host = s(p, "httpGet.host");
        let hostport = if port.is_empty() {
            host.to_string()
        } else if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        let path = s(p, "httpGet.path");
        let mut url = String::new();
        if !scheme.is_empty() {
            url.push_str(&scheme);
            url.push(':');
        }
        if !scheme.is_empty() || !hostport.is_empty() {
            url.push_str("//");
            url.push_str(&hostport);
        }
        if !path.is_empty() && !path.starts_with('/') && !hostport.is_empty() {
            url.push('/');
        }
        url.push_str(path);
        return format!("http-get {url} {attrs}");
    }
    if !at(p, "tcpSocket").is_null() {
        return format!(
            "tcp-socket {}:{} {attrs}",
            s(p, "tcpSocket.host"),
            scalar_string(at(p, "tcpSocket.port"))
        );
    }
    if !at(p, "grpc").is_null() {
        return format!("grpc <pod>:{} {} {attrs}", i(p, "grpc.port"), s(p, "grpc.service"));
    }
    format!("unknown {attrs}")
}

fn env_vars(w: &mut Writer, c: &Value, pod: Option<&Value>) {
    let env = arr(c, "env");
    let none = if env.is_empty() { "\t<none>" } else { "" };
    w.write(L2, &format!("Environment:{none}\n"));
    for e in env {
        let name = s(e, "name");
        let vf = at(e, "valueFrom");
        if vf.is_null() {
            for (ix, line) in s(e, "value").split('\n').enumerate() {
                if ix == 0 {
                    w.write(L3, &format!("{name}:\t{line}\n"));
                } else {
                    w.write(L3, &format!("\t{line}\n"));
                }
            }
            continue;
        }
        if !at(vf, "fieldRef").is_null() {
            let path = s(vf, "fieldRef.fieldPath");
            let value = pod.map(|p| field_path_value(p, path)).unwrap_or_default();
            w.write(
                L3,
                &format!("{name}:\t{value} ({}:{path})\n", s(vf, "fieldRef.apiVersion")),
            );
        } else if !at(vf, "resourceFieldRef").is_null() {
            let resource = s(vf, "resourceFieldRef.resource");
            let mut value = resource_field_value(c, at(vf, "resourceFieldRef"));
            if value == "0" && (resource == "limits.cpu" || resource == "limits.memory") {
                value = "node allocatable".into();
            }
            w.write(L3, &format!("{name}:\t{value} ({resource})\n"));
        } else if !at(vf, "secretKeyRef").is_null() {
            w.write(
                L3,
                &format!(
                    "{name}:\t<set to the key '{}' in secret '{}'>\tOptional: {}\n",
                    s(vf, "secretKeyRef.key"),
                    s(vf, "secretKeyRef.name"),
                    b(vf, "secretKeyRef.optional")
                ),
            );
        } else if !at(vf, "configMapKeyRef").is_null() {
            w.write(
                L3,
                &format!(
                    "{name}:\t<set to the key '{}' of config map '{}'>\tOptional: {}\n",
                    s(vf, "configMapKeyRef.key"),
                    s(vf, "configMapKeyRef.name"),
                    b(vf, "configMapKeyRef.optional")
                ),
            );
        }
    }
}

/// fieldpath.ExtractFieldPathAsString for the paths the downward API allows.
fn field_path_value(pod: &Value, path: &str) -> String {
    for (prefix, map) in [
        ("metadata.labels", "metadata.labels"),
        ("metadata.annotations", "metadata.annotations"),
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            if rest.is_empty() {
                return sorted_keys(at(pod, map))
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{v}\""))
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            let key = rest.trim_start_matches("['").trim_end_matches("']");
            return at(pod, map).get(key).map(scalar_string).unwrap_or_default();
        }
    }
    match path {
        "metadata.name"
        | "metadata.namespace"
        | "metadata.uid"
        | "spec.nodeName"
        | "spec.serviceAccountName"
        | "status.hostIP"
        | "status.podIP" => s(pod, path).to_string(),
        "status.podIPs" => arr(pod, "status.podIPs")
            .iter()
            .map(|p| s(p, "ip"))
            .collect::<Vec<_>>()
            .join(","),
        "status.hostIPs" => arr(pod, "status.hostIPs")
            .iter()
            .map(|p| s(p, "ip"))
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    }
}

/// ExtractContainerResourceValue: the container's request/limit divided by the divisor,
/// rounded up.
fn resource_field_value(c: &Value, rf: &Value) -> String {
    let resource = s(rf, "resource");
    let (kind, name) = resource.split_once('.').unwrap_or(("", resource));
    let q = at(c, &format!("resources.{kind}"))
        .get(name)
        .map(quantity)
        .unwrap_or_else(|| Quantity::new(0, Format::DecimalSI));
    let divisor = match at(rf, "divisor") {
        Value::Null => Quantity::new(1, Format::DecimalSI),
        d => quantity(d),
    };
    match name {
        "cpu" => {
            let d = divisor.milli_value().max(1) as f64;
            format!("{}", (q.milli_value() as f64 / d).ceil() as i64)
        }
        _ => {
            let d = divisor.value().max(1) as f64;
            format!("{}", (q.value() as f64 / d).ceil() as i64)
        }
    }
}

fn volumes(w: &mut Writer, vols: &[Value], space: &str) {
    if vols.is_empty() {
        w.write(L0, &format!("{space}Volumes:\t<none>\n"));
        return;
    }
    w.write(L0, &format!("{space}Volumes:\n"));
    let name_indent = if space.is_empty() { "" } else { " " };
    for v in vols {
        w.write(L1, &format!("{name_indent}{}:\n", s(v, "name")));
        if !at(v, "hostPath").is_null() {
            let t = opt_s(v, "hostPath.type").unwrap_or("<none>");
            w.write(
                L2,
                &format!(
                    "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{t}\n",
                    s(v, "hostPath.path")
                ),
            );
        } else if !at(v, "emptyDir").is_null() {
            let limit = match at(v, "emptyDir.sizeLimit") {
                Value::Null => "<unset>".to_string(),
                q => {
                    let q = quantity(q);
                    if q.sign() > 0 {
                        q.to_string()
                    } else {
                        "<unset>".to_string()
                    }
                }
            };
            w.write(
                L2,
                &format!(
                    "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n    Medium:\t{}\n    SizeLimit:\t{limit}\n",
                    s(v, "emptyDir.medium")
                ),
            );
        } else if !at(v, "secret").is_null() {
            w.write(
                L2,
                &format!(
                    "Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{}\n    Optional:\t{}\n",
                    s(v, "secret.secretName"),
                    b(v, "secret.optional")
                ),
            );
        } else if !at(v, "configMap").is_null() {
            w.write(
                L2,
                &format!(
                    "Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{}\n    Optional:\t{}\n",
                    s(v, "configMap.name"),
                    b(v, "configMap.optional")
                ),
            );
        } else if !at(v, "persistentVolumeClaim").is_null() {
            w.write(
                L2,
                &format!(
                    "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n    ClaimName:\t{}\n    ReadOnly:\t{}\n",
                    s(v, "persistentVolumeClaim.claimName"),
                    b(v, "persistentVolumeClaim.readOnly")
                ),
            );
        } else if !at(v, "nfs").is_null() {
            w.write(
                L2,
                &format!(
                    "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
                    s(v, "nfs.server"),
                    s(v, "nfs.path"),
                    b(v, "nfs.readOnly")
                ),
            );
        } else if !at(v, "downwardAPI").is_null() {
            w.write(
                L2,
                "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n",
            );
            for item in arr(v, "downwardAPI.items") {
                if !at(item, "fieldRef").is_null() {
                    w.write(
                        L3,
                        &format!("{} -> {}\n", s(item, "fieldRef.fieldPath"), s(item, "path")),
                    );
                }
                if !at(item, "resourceFieldRef").is_null() {
                    w.write(
                        L3,
                        &format!("{} -> {}\n", s(item, "resourceFieldRef.resource"), s(item, "path")),
                    );
                }
            }
        } else if !at(v, "projected").is_null() {
            w.write(
                L2,
                "Type:\tProjected (a volume that contains injected data from multiple sources)\n",
            );
            for src in arr(v, "projected.sources") {
                if !at(src, "secret").is_null() {
                    w.write(
                        L2,
                        &format!(
                            "SecretName:\t{}\n    Optional:\t{}\n",
                            s(src, "secret.name"),
                            b(src, "secret.optional")
                        ),
                    );
                } else if !at(src, "downwardAPI").is_null() {
                    w.write(L2, "DownwardAPI:\ttrue\n");
                } else if !at(src, "configMap").is_null() {
                    w.write(
                        L2,
                        &format!(
                            "ConfigMapName:\t{}\n    Optional:\t{}\n",
                            s(src, "configMap.name"),
                            b(src, "configMap.optional")
                        ),
                    );
                } else if !at(src, "serviceAccountToken").is_null() {
                    w.write(
                        L2,
                        &format!(
                            "TokenExpirationSeconds:\t{}\n",
                            i(src, "serviceAccountToken.expirationSeconds")
                        ),
                    );
                }
            }
        } else {
            w.write(L1, "<unknown>\n");
        }
    }
}

/// DescribePodTemplate.
pub fn pod_template(w: &mut Writer, template: &Value) {
    w.write(L0, "Pod Template:\n");
    if template.is_null() {
        w.write(L1, "<unset>");
        return;
    }
    labels_multiline(w, "", "  Labels", at(template, "metadata.labels"));
    if at(template, "metadata.annotations")
        .as_object()
        .is_some_and(|m| !m.is_empty())
    {
        annotations_multiline(w, "  Annotations", at(template, "metadata.annotations"));
    }
    if let Some(sa) = opt_s(template, "spec.serviceAccountName").filter(|x| !x.is_empty()) {
        w.write(L1, &format!("Service Account:\t{sa}\n"));
    }
    let init = arr(template, "spec.initContainers");
    if !init.is_empty() {
        containers(w, "Init Containers", init, None, "  ", None);
    }
    containers(w, "Containers", arr(template, "spec.containers"), None, "  ", None);
    volumes(w, arr(template, "spec.volumes"), "  ");
    topology_spread(w, arr(template, "spec.topologySpreadConstraints"), "  ");
    if let Some(pc) = opt_s(template, "spec.priorityClassName").filter(|x| !x.is_empty()) {
        w.write(L1, &format!("Priority Class Name:\t{pc}\n"));
    }
    labels_multiline(w, "", "  Node-Selectors", at(template, "spec.nodeSelector"));
    tolerations_multiline(w, "", "  Tolerations", arr(template, "spec.tolerations"));
}

fn conditions_type_status_reason(w: &mut Writer, conds: &[Value]) {
    if conds.is_empty() {
        return;
    }
    w.write(L0, "Conditions:\n  Type\tStatus\tReason\n");
    w.write(L1, "----\t------\t------\n");
    for c in conds {
        w.write(
            L1,
            &format!("{} \t{}\t{}\n", s(c, "type"), s(c, "status"), s(c, "reason")),
        );
    }
}

fn replica_sets_by_labels(rss: &[Value]) -> String {
    let list: Vec<String> = rss
        .iter()
        .map(|rs| {
            format!(
                "{} ({}/{} replicas created)",
                s(rs, "metadata.name"),
                i(rs, "status.replicas"),
                i(rs, "spec.replicas")
            )
        })
        .collect();
    if list.is_empty() {
        "<none>".into()
    } else {
        list.join(", ")
    }
}

pub fn describe_deployment(d: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, d);
    w.write(
        L0,
        &format!("CreationTimestamp:\t{}\n", rfc1123z(s(d, "metadata.creationTimestamp"))),
    );
    labels_multiline(&mut w, "", "Labels", at(d, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(d, "metadata.annotations"));
    w.write(
        L0,
        &format!(
            "Selector:\t{}\n",
            label_selector_string(at(d, "spec.selector")).unwrap_or_default()
        ),
    );
    w.write(
        L0,
        &format!(
            "Replicas:\t{} desired | {} updated | {} total | {} available | {} unavailable\n",
            i(d, "spec.replicas"),
            i(d, "status.updatedReplicas"),
            i(d, "status.replicas"),
            i(d, "status.availableReplicas"),
            i(d, "status.unavailableReplicas")
        ),
    );
    w.write(L0, &format!("StrategyType:\t{}\n", s(d, "spec.strategy.type")));
    w.write(L0, &format!("MinReadySeconds:\t{}\n", i(d, "spec.minReadySeconds")));
    let ru = at(d, "spec.strategy.rollingUpdate");
    if !ru.is_null() {
        w.write(
            L0,
            &format!(
                "RollingUpdateStrategy:\t{} max unavailable, {} max surge\n",
                scalar_string(at(ru, "maxUnavailable")),
                scalar_string(at(ru, "maxSurge"))
            ),
        );
    }
    pod_template(&mut w, at(d, "spec.template"));
    conditions_type_status_reason(&mut w, arr(d, "status.conditions"));
    if !rel.old_replica_sets.is_empty() || !rel.new_replica_sets.is_empty() {
        w.write(
            L0,
            &format!("OldReplicaSets:\t{}\n", replica_sets_by_labels(&rel.old_replica_sets)),
        );
        w.write(
            L0,
            &format!("NewReplicaSet:\t{}\n", replica_sets_by_labels(&rel.new_replica_sets)),
        );
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

/// Running/Waiting/Succeeded/Failed counts of the pods a controller owns.
pub fn pod_phase_counts(pods: &[Value], owner_uid: &str) -> (usize, usize, usize, usize) {
    let mut c = (0, 0, 0, 0);
    for p in pods {
        let owned = arr(p, "metadata.ownerReferences")
            .iter()
            .any(|r| b(r, "controller") && s(r, "uid") == owner_uid);
        if !owned {
            continue;
        }
        match s(p, "status.phase") {
            "Running" => c.0 += 1,
            "Pending" => c.1 += 1,
            "Succeeded" => c.2 += 1,
            "Failed" => c.3 += 1,
            _ => {}
        }
    }
    c
}

pub fn describe_replica_set(rs: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, rs);
    w.write(
        L0,
        &format!("Selector:\t{}\n", format_label_selector(at(rs, "spec.selector"))),
    );
    labels_multiline(&mut w, "", "Labels", at(rs, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(rs, "metadata.annotations"));
    if let Some(c) = controller_of(rs) {
        w.write(L0, &format!("Controlled By:\t{c}\n"));
    }
    w.write(
        L0,
        &format!(
            "Replicas:\t{} current / {} desired\n",
            i(rs, "status.replicas"),
            i(rs, "spec.replicas")
        ),
    );
    w.write(L0, "Pods Status:\t");
    let (r, wt, su, f) = pod_phase_counts(rel.pods.as_deref().unwrap_or(&[]), s(rs, "metadata.uid"));
    w.write(
        L0,
        &format!("{r} Running / {wt} Waiting / {su} Succeeded / {f} Failed\n"),
    );
    pod_template(&mut w, at(rs, "spec.template"));
    conditions_type_status_reason(&mut w, arr(rs, "status.conditions"));
    describe_events(&mut w, rel, now);
    w.finish()
}

fn format_endpoint_slices(slices: &[Value], port_name: &str) -> String {
    if slices.is_empty() {
        return "<none>".into();
    }
    let max = 3;
    let mut list: Vec<String> = Vec::new();
    let mut more = false;
    let mut count = 0usize;
    let ready = |e: &Value| at(e, "conditions.ready").as_bool().unwrap_or(true);
    for sl in slices {
        let ports = arr(sl, "ports");
        if ports.is_empty() {
            for e in arr(sl, "endpoints") {
                if list.len() == max {
                    more = true;
                }
                if !ready(e) {
                    continue;
                }
                if !more {
                    list.push(arr(e, "addresses").first().map(scalar_string).unwrap_or_default());
                }
                count += 1;
            }
        } else {
            for p in ports {
                if s(p, "name") != port_name {
                    continue;
                }
                for e in arr(sl, "endpoints") {
                    if list.len() == max {
                        more = true;
                    }
                    if !ready(e) {
                        continue;
                    }
                    if !more {
                        let addr = arr(e, "addresses").first().map(scalar_string).unwrap_or_default();
                        let port = i(p, "port");
                        list.push(if addr.contains(':') {
                            format!("[{addr}]:{port}")
                        } else {
                            format!("{addr}:{port}")
                        });
                    }
                    count += 1;
                }
            }
        }
    }
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", count.saturating_sub(max));
    }
    ret
}

pub fn describe_service(svc: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, svc);
    labels_multiline(&mut w, "", "Labels", at(svc, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(svc, "metadata.annotations"));
    w.write(L0, &format!("Selector:\t{}\n", format_labels(at(svc, "spec.selector"))));
    w.write(L0, &format!("Type:\t{}\n", s(svc, "spec.type")));
    if let Some(p) = opt_s(svc, "spec.ipFamilyPolicy") {
        w.write(L0, &format!("IP Family Policy:\t{p}\n"));
    }
    let fams: Vec<String> = arr(svc, "spec.ipFamilies").iter().map(scalar_string).collect();
    w.write(
        L0,
        &format!(
            "IP Families:\t{}\n",
            if fams.is_empty() {
                "<none>".into()
            } else {
                fams.join(",")
            }
        ),
    );
    w.write(L0, &format!("IP:\t{}\n", s(svc, "spec.clusterIP")));
    let ips: Vec<String> = arr(svc, "spec.clusterIPs").iter().map(scalar_string).collect();
    w.write(
        L0,
        &format!(
            "IPs:\t{}\n",
            if ips.is_empty() { "<none>".into() } else { ips.join(",") }
        ),
    );
    let ext: Vec<String> = arr(svc, "spec.externalIPs").iter().map(scalar_string).collect();
    if !ext.is_empty() {
        w.write(L0, &format!("External IPs:\t{}\n", ext.join(",")));
    }
    if !s(svc, "spec.loadBalancerIP").is_empty() {
        w.write(
            L0,
            &format!("Desired LoadBalancer IP:\t{}\n", s(svc, "spec.loadBalancerIP")),
        );
    }
    if !s(svc, "spec.externalName").is_empty() {
        w.write(L0, &format!("External Name:\t{}\n", s(svc, "spec.externalName")));
    }
    let ingress = arr(svc, "status.loadBalancer.ingress");
    if !ingress.is_empty() {
        let list: Vec<String> = ingress
            .iter()
            .map(|g| {
                if !s(g, "ip").is_empty() {
                    match opt_s(g, "ipMode") {
                        Some(m) => format!("{} ({m})", s(g, "ip")),
                        None => s(g, "ip").to_string(),
                    }
                } else {
                    s(g, "hostname").to_string()
                }
            })
            .collect();
        w.write(L0, &format!("LoadBalancer Ingress:\t{}\n", list.join(", ")));
    }
    for p in arr(svc, "spec.ports") {
        let name = if s(p, "name").is_empty() {
            "<unset>"
        } else {
            s(p, "name")
        };
        let proto = s(p, "protocol");
        w.write(L0, &format!("Port:\t{name}\t{}/{proto}\n", i(p, "port")));
        w.write(
            L0,
            &format!("TargetPort:\t{}/{proto}\n", scalar_string(at(p, "targetPort"))),
        );
        if let Some(ap) = opt_s(p, "appProtocol") {
            w.write(L0, &format!("AppProtocol:\t{ap}\n"));
        }
        if i(p, "nodePort") != 0 {
            w.write(L0, &format!("NodePort:\t{name}\t{}/{proto}\n", i(p, "nodePort")));
        }
        w.write(
            L0,
            &format!(
                "Endpoints:\t{}\n",
                format_endpoint_slices(&rel.endpoint_slices, s(p, "name"))
            ),
        );
    }
    w.write(L0, &format!("Session Affinity:\t{}\n", s(svc, "spec.sessionAffinity")));
    if !s(svc, "spec.externalTrafficPolicy").is_empty() {
        w.write(
            L0,
            &format!("External Traffic Policy:\t{}\n", s(svc, "spec.externalTrafficPolicy")),
        );
    }
    if let Some(p) = opt_s(svc, "spec.internalTrafficPolicy") {
        w.write(L0, &format!("Internal Traffic Policy:\t{p}\n"));
    }
    if i(svc, "spec.healthCheckNodePort") != 0 {
        w.write(
            L0,
            &format!("HealthCheck NodePort:\t{}\n", i(svc, "spec.healthCheckNodePort")),
        );
    }
    let ranges: Vec<String> = arr(svc, "spec.loadBalancerSourceRanges")
        .iter()
        .map(scalar_string)
        .collect();
    if !ranges.is_empty() {
        w.write(L0, &format!("LoadBalancer Source Ranges:\t{}\n", ranges.join(",")));
    }
    if let Some(td) = opt_s(svc, "spec.trafficDistribution") {
        w.write(L0, &format!("Traffic Distribution:\t{td}\n"));
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

/// Sum of a pod's container requests or limits (max with init containers, plus overhead),
/// as resourcehelper.PodRequests/PodLimits compute them.
fn pod_resources(pod: &Value, key: &str) -> std::collections::BTreeMap<String, Quantity> {
    let mut total: std::collections::BTreeMap<String, Quantity> = std::collections::BTreeMap::new();
    for c in arr(pod, "spec.containers") {
        if let Some(m) = at(c, &format!("resources.{key}")).as_object() {
            for (name, q) in m {
                let q = quantity(q);
                let sum = match total.get(name) {
                    Some(prev) => prev.add(&q),
                    None => q,
                };
                total.insert(name.clone(), sum);
            }
        }
    }
    for c in arr(pod, "spec.initContainers") {
        if let Some(m) = at(c, &format!("resources.{key}")).as_object() {
            for (name, q) in m {
                let q = quantity(q);
                if s(c, "restartPolicy") == "Always" {
                    let sum = match total.get(name) {
                        Some(prev) => prev.add(&q),
                        None => q,
                    };
                    total.insert(name.clone(), sum);
                } else if total
                    .get(name)
                    .is_none_or(|prev| q.cmp(prev) == std::cmp::Ordering::Greater)
                {
                    total.insert(name.clone(), q);
                }
            }
        }
    }
    if let Some(m) = at(pod, "spec.overhead").as_object() {
        for (name, q) in m {
            if let Some(prev) = total.get(name) {
                let sum = prev.add(&quantity(q));
                total.insert(name.clone(), sum);
            }
        }
    }
    total
}

fn zero() -> Quantity {
    Quantity::new(0, Format::DecimalSI)
}

fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        // Go's float division by zero gives +Inf/NaN; int64 of that is the minimum int64.
        return i64::MIN;
    }
    (part as f64 / whole as f64 * 100.0) as i64
}

pub fn describe_node(node: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    w.write(L0, &format!("Name:\t{}\n", s(node, "metadata.name")));
    let mut roles: Vec<String> = Vec::new();
    if let Some(labels) = at(node, "metadata.labels").as_object() {
        for (k, v) in labels {
            if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                if !role.is_empty() {
                    roles.push(role.to_string());
                }
            } else if k == "kubernetes.io/role" && !scalar_string(v).is_empty() {
                roles.push(scalar_string(v));
            }
        }
    }
    roles.sort();
    roles.dedup();
    w.write(
        L0,
        &format!(
            "Roles:\t{}\n",
            if roles.is_empty() {
                "<none>".into()
            } else {
                roles.join(",")
            }
        ),
    );
    labels_multiline(&mut w, "", "Labels", at(node, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(node, "metadata.annotations"));
    w.write(
        L0,
        &format!(
            "CreationTimestamp:\t{}\n",
            rfc1123z(s(node, "metadata.creationTimestamp"))
        ),
    );
    taints_multiline(&mut w, "Taints", arr(node, "spec.taints"));
    w.write(L0, &format!("Unschedulable:\t{}\n", b(node, "spec.unschedulable")));
    match &rel.lease {
        Some(Ok(lease)) => {
            w.write(L0, "Lease:\n");
            w.write(
                L1,
                &format!(
                    "HolderIdentity:\t{}\n",
                    opt_s(lease, "spec.holderIdentity").unwrap_or("<unset>")
                ),
            );
            let t = |p: &str| opt_s(lease, p).map(rfc1123z).unwrap_or_else(|| "<unset>".into());
            w.write(L1, &format!("AcquireTime:\t{}\n", t("spec.acquireTime")));
            w.write(L1, &format!("RenewTime:\t{}\n", t("spec.renewTime")));
        }
        Some(Err(e)) => w.write(L0, &format!("Lease:\tFailed to get lease: {e}\n")),
        None => {}
    }
    let conds = arr(node, "status.conditions");
    if !conds.is_empty() {
        w.write(
            L0,
            "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n",
        );
        w.write(
            L1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for c in conds {
            w.write(
                L1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    s(c, "type"),
                    s(c, "status"),
                    rfc1123z(s(c, "lastHeartbeatTime")),
                    rfc1123z(s(c, "lastTransitionTime")),
                    s(c, "reason"),
                    s(c, "message")
                ),
            );
        }
    }
    w.write(L0, "Addresses:\n");
    for a in arr(node, "status.addresses") {
        w.write(L1, &format!("{}:\t{}\n", s(a, "type"), s(a, "address")));
    }
    for (title, key) in [("Capacity", "status.capacity"), ("Allocatable", "status.allocatable")] {
        if let Some(m) = at(node, key).as_object().filter(|m| !m.is_empty()) {
            w.write(L0, &format!("{title}:\n"));
            for (name, q) in m {
                w.write(L0, &format!("  {name}:\t{}\n", quantity(q)));
            }
        }
    }
    w.write(L0, "System Info:\n");
    for (label, key) in [
        ("Machine ID", "machineID"),
        ("System UUID", "systemUUID"),
        ("Boot ID", "bootID"),
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
    ] {
        w.write(
            L0,
            &format!("  {label}:\t{}\n", s(node, &format!("status.nodeInfo.{key}"))),
        );
    }
    if !s(node, "spec.podCIDR").is_empty() {
        w.write(L0, &format!("PodCIDR:\t{}\n", s(node, "spec.podCIDR")));
    }
    let cidrs: Vec<String> = arr(node, "spec.podCIDRs").iter().map(scalar_string).collect();
    if !cidrs.is_empty() {
        w.write(L0, &format!("PodCIDRs:\t{}\n", cidrs.join(",")));
    }
    if !s(node, "spec.providerID").is_empty() {
        w.write(L0, &format!("ProviderID:\t{}\n", s(node, "spec.providerID")));
    }
    match &rel.pods {
        Some(pods) => node_resources(&mut w, node, pods, now),
        None => w.write(L0, "Pods:\tnot authorized\n"),
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

fn node_resources(w: &mut Writer, node: &Value, pods: &[Value], now: i64) {
    w.write(L0, &format!("Non-terminated Pods:\t({} in total)\n", pods.len()));
    w.write(
        L1,
        "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n",
    );
    w.write(
        L1,
        "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n",
    );
    let alloc = if at(node, "status.allocatable")
        .as_object()
        .is_some_and(|m| !m.is_empty())
    {
        at(node, "status.allocatable")
    } else {
        at(node, "status.capacity")
    };
    let get = |m: &std::collections::BTreeMap<String, Quantity>, k: &str| m.get(k).cloned().unwrap_or_else(zero);
    let alloc_q = |k: &str| alloc.get(k).map(quantity).unwrap_or_else(zero);
    let (cpu_a, mem_a, eph_a) = (
        alloc_q("cpu").milli_value(),
        alloc_q("memory").value(),
        alloc_q("ephemeral-storage").value(),
    );
    let mut total_req: std::collections::BTreeMap<String, Quantity> = std::collections::BTreeMap::new();
    let mut total_lim: std::collections::BTreeMap<String, Quantity> = std::collections::BTreeMap::new();
    for p in pods {
        let req = pod_resources(p, "requests");
        let lim = pod_resources(p, "limits");
        let (cr, cl, mr, ml) = (
            get(&req, "cpu"),
            get(&lim, "cpu"),
            get(&req, "memory"),
            get(&lim, "memory"),
        );
        w.write(
            L1,
            &format!(
                "{}\t{}\t\t{cr} ({}%)\t{cl} ({}%)\t{mr} ({}%)\t{ml} ({}%)\t{}\n",
                s(p, "metadata.namespace"),
                s(p, "metadata.name"),
                percent(cr.milli_value(), cpu_a),
                percent(cl.milli_value(), cpu_a),
                percent(mr.value(), mem_a),
                percent(ml.value(), mem_a),
                age(s(p, "metadata.creationTimestamp"), now)
            ),
        );
        for (acc, m) in [(&mut total_req, req), (&mut total_lim, lim)] {
            for (k, q) in m {
                let sum = match acc.get(&k) {
                    Some(prev) => prev.add(&q),
                    None => q,
                };
                acc.insert(k, sum);
            }
        }
    }
    w.write(
        L0,
        "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
    );
    w.write(L1, "Resource\tRequests\tLimits\n");
    w.write(L1, "--------\t--------\t------\n");
    let frac = |part: i64, whole: i64| if whole == 0 { 0 } else { percent(part, whole) };
    for (name, whole, milli) in [
        ("cpu", cpu_a, true),
        ("memory", mem_a, false),
        ("ephemeral-storage", eph_a, false),
    ] {
        let (r, l) = (get(&total_req, name), get(&total_lim, name));
        let (rv, lv) = if milli {
            (r.milli_value(), l.milli_value())
        } else {
            (r.value(), l.value())
        };
        w.write(
            L1,
            &format!("{name}\t{r} ({}%)\t{l} ({}%)\n", frac(rv, whole), frac(lv, whole)),
        );
    }
    let mut huge: Vec<&String> = Vec::new();
    let mut ext: Vec<&String> = Vec::new();
    if let Some(m) = alloc.as_object() {
        for k in m.keys() {
            if k.starts_with("hugepages-") {
                huge.push(k);
            } else if !matches!(k.as_str(), "cpu" | "memory" | "ephemeral-storage" | "storage" | "pods")
                && !k.starts_with("requests.")
                && !k.starts_with("limits.")
            {
                ext.push(k);
            }
        }
    }
    for k in huge {
        let (r, l) = (get(&total_req, k), get(&total_lim, k));
        let whole = alloc_q(k).value();
        w.write(
            L1,
            &format!(
                "{k}\t{r} ({}%)\t{l} ({}%)\n",
                frac(r.value(), whole),
                frac(l.value(), whole)
            ),
        );
    }
    for k in ext {
        w.write(L1, &format!("{k}\t{}\t{}\n", get(&total_req, k), get(&total_lim, k)));
    }
}

pub fn describe_namespace(ns: &Value, rel: &Related) -> String {
    let mut w = Writer::new();
    w.write(L0, &format!("Name:\t{}\n", s(ns, "metadata.name")));
    labels_multiline(&mut w, "", "Labels", at(ns, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(ns, "metadata.annotations"));
    w.write(L0, &format!("Status:\t{}\n", s(ns, "status.phase")));
    let conds = arr(ns, "status.conditions");
    if !conds.is_empty() {
        w.write(L0, "Conditions:\n");
        w.write(L1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n");
        w.write(L1, "----\t------\t------------------\t------\t-------\n");
        for c in conds {
            w.write(
                L1,
                &format!(
                    "{}\t{}\t{}\t{}\t{}\n",
                    s(c, "type"),
                    s(c, "status"),
                    rfc1123z(s(c, "lastTransitionTime")),
                    s(c, "reason"),
                    s(c, "message")
                ),
            );
        }
    }
    if let Some(quotas) = &rel.quotas {
        w.write(L0, "\n");
        if quotas.is_empty() {
            w.write(L0, "No resource quota.\n");
        } else {
            let mut sorted: Vec<&Value> = quotas.iter().collect();
            sorted.sort_by(|a, b| s(a, "metadata.name").cmp(s(b, "metadata.name")));
            w.write(L0, "Resource Quotas\n");
            for q in sorted {
                w.write(L1, &format!("Name:\t{}\n", s(q, "metadata.name")));
                let mut scopes: Vec<String> = arr(q, "spec.scopes").iter().map(scalar_string).collect();
                if !scopes.is_empty() {
                    scopes.sort();
                    w.write(L1, &format!("Scopes:\t{}\n", scopes.join(", ")));
                    for sc in &scopes {
                        let help = quota_scope_help(sc);
                        if !help.is_empty() {
                            w.write(L1, &format!("* {help}\n"));
                        }
                    }
                }
                w.write(L1, "Resource\tUsed\tHard\n");
                w.write(L1, "--------\t---\t---\n");
                if let Some(hard) = at(q, "status.hard").as_object() {
                    for (name, h) in hard {
                        let used = at(q, "status.used").get(name).map(quantity).unwrap_or_else(zero);
                        w.write(L1, &format!("{name}\t{used}\t{}\n", quantity(h)));
                    }
                }
            }
        }
    }
    if let Some(lrs) = &rel.limit_ranges {
        w.write(L0, "\n");
        if lrs.is_empty() {
            w.write(L0, "No LimitRange resource.\n");
        } else {
            w.write(
                L0,
                "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n",
            );
            w.write(
                L0,
                " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n",
            );
            for lr in lrs {
                limit_range_spec(&mut w, lr, " ");
            }
        }
    }
    w.finish()
}

fn quota_scope_help(scope: &str) -> &'static str {
    match scope {
        "Terminating" => "Matches all pods that have an active deadline. These pods have a limited lifespan on a node before being actively terminated by the system.",
        "NotTerminating" => "Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.",
        "BestEffort" => "Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.",
        "NotBestEffort" => "Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.",
        _ => "",
    }
}

fn limit_range_spec(w: &mut Writer, lr: &Value, prefix: &str) {
    for item in arr(lr, "spec.limits") {
        let t = s(item, "type");
        let mut names: Vec<String> = Vec::new();
        for key in ["max", "min", "default", "defaultRequest", "maxLimitRequestRatio"] {
            if let Some(m) = at(item, key).as_object() {
                for k in m.keys() {
                    if !names.contains(k) {
                        names.push(k.clone());
                    }
                }
            }
        }
        names.sort();
        for name in names {
            let get = |key: &str| {
                at(item, key)
                    .get(&name)
                    .map(|q| quantity(q).to_string())
                    .unwrap_or_else(|| "-".into())
            };
            let (min, max, def_req, def_lim, ratio) = (
                get("min"),
                get("max"),
                get("defaultRequest"),
                get("default"),
                get("maxLimitRequestRatio"),
            );
            w.write(
                L0,
                &format!("{prefix}{t}\t{name}\t{min}\t{max}\t{def_req}\t{def_lim}\t{ratio}\n"),
            );
        }
    }
}

pub fn describe_config_map(cm: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, cm);
    labels_multiline(&mut w, "", "Labels", at(cm, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(cm, "metadata.annotations"));
    w.write(L0, "\nData\n====\n");
    for (k, v) in sorted_keys(at(cm, "data")) {
        w.write(L0, &format!("{k}:\n----\n"));
        w.write(L0, &format!("{v}\n"));
        w.write(L0, "\n");
    }
    w.write(L0, "\nBinaryData\n====\n");
    for (k, v) in sorted_keys(at(cm, "binaryData")) {
        let len = base64_decoded_len(&v);
        w.write(L0, &format!("{k}: {len} bytes\n"));
    }
    w.write(L0, "\n");
    describe_events(&mut w, rel, now);
    w.finish()
}

fn base64_decoded_len(b64: &str) -> usize {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map(|d| d.len())
        .unwrap_or(0)
}

pub fn describe_secret(secret: &Value) -> String {
    let mut w = Writer::new();
    header(&mut w, secret);
    labels_multiline(&mut w, "", "Labels", at(secret, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(secret, "metadata.annotations"));
    w.write(L0, &format!("\nType:\t{}\n", s(secret, "type")));
    w.write(L0, "\nData\n====\n");
    let sa_token = s(secret, "type") == "kubernetes.io/service-account-token";
    for (k, v) in sorted_keys(at(secret, "data")) {
        if k == "token" && sa_token {
            use base64::Engine;
            let text = base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .map(|d| String::from_utf8_lossy(&d).into_owned())
                .unwrap_or_default();
            w.write(L0, &format!("{k}:\t{text}\n"));
        } else {
            w.write(L0, &format!("{k}:\t{} bytes\n", base64_decoded_len(&v)));
        }
    }
    w.finish()
}

fn pods_status_line(w: &mut Writer, obj: &Value, rel: &Related) {
    let (r, wt, su, f) = pod_phase_counts(rel.pods.as_deref().unwrap_or(&[]), s(obj, "metadata.uid"));
    w.write(
        L0,
        &format!("Pods Status:\t{r} Running / {wt} Waiting / {su} Succeeded / {f} Failed\n"),
    );
}

fn selector_text(sel: &Value) -> String {
    label_selector_string(sel).unwrap_or_default()
}

pub fn describe_replication_controller(rc: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, rc);
    w.write(L0, &format!("Selector:\t{}\n", format_labels(at(rc, "spec.selector"))));
    labels_multiline(&mut w, "", "Labels", at(rc, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(rc, "metadata.annotations"));
    w.write(
        L0,
        &format!(
            "Replicas:\t{} current / {} desired\n",
            i(rc, "status.replicas"),
            i(rc, "spec.replicas")
        ),
    );
    pods_status_line(&mut w, rc, rel);
    pod_template(&mut w, at(rc, "spec.template"));
    conditions_type_status_reason(&mut w, arr(rc, "status.conditions"));
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_stateful_set(ss: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, ss);
    w.write(
        L0,
        &format!(
            "CreationTimestamp:\t{}\n",
            rfc1123z(s(ss, "metadata.creationTimestamp"))
        ),
    );
    w.write(L0, &format!("Selector:\t{}\n", selector_text(at(ss, "spec.selector"))));
    labels_multiline(&mut w, "", "Labels", at(ss, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(ss, "metadata.annotations"));
    if !s(ss, "spec.serviceName").is_empty() {
        w.write(L0, &format!("Service Name:\t{}\n", s(ss, "spec.serviceName")));
    }
    if !s(ss, "spec.podManagementPolicy").is_empty() {
        w.write(
            L0,
            &format!("Pod Management Policy:\t{}\n", s(ss, "spec.podManagementPolicy")),
        );
    }
    w.write(
        L0,
        &format!(
            "Replicas:\t{} desired | {} total\n",
            i(ss, "spec.replicas"),
            i(ss, "status.replicas")
        ),
    );
    w.write(
        L0,
        &format!("Update Strategy:\t{}\n", s(ss, "spec.updateStrategy.type")),
    );
    let ru = at(ss, "spec.updateStrategy.rollingUpdate");
    if let Some(p) = opt_i(ru, "partition") {
        w.write(L1, &format!("Partition:\t{p}\n"));
        if !at(ru, "maxUnavailable").is_null() {
            w.write(
                L1,
                &format!("MaxUnavailable:\t{}\n", scalar_string(at(ru, "maxUnavailable"))),
            );
        }
    }
    let policy = at(ss, "spec.persistentVolumeClaimRetentionPolicy");
    if !policy.is_null() {
        w.write(L0, "Persistent Volume Claim Retention Policy:\n");
        w.write(L1, &format!("WhenDeleted:\t{}\n", s(policy, "whenDeleted")));
        w.write(L1, &format!("WhenScaled:\t{}\n", s(policy, "whenScaled")));
    }
    pods_status_line(&mut w, ss, rel);
    pod_template(&mut w, at(ss, "spec.template"));
    let templates = arr(ss, "spec.volumeClaimTemplates");
    if templates.is_empty() {
        w.write(L0, "Volume Claims:\t<none>\n");
    } else {
        w.write(L0, "Volume Claims:\n");
        for pvc in templates {
            w.write(L1, &format!("Name:\t{}\n", s(pvc, "metadata.name")));
            let class = at(pvc, "metadata.annotations")
                .get("volume.beta.kubernetes.io/storage-class")
                .and_then(Value::as_str)
                .or_else(|| opt_s(pvc, "spec.storageClassName"))
                .unwrap_or("");
            w.write(L1, &format!("StorageClass:\t{class}\n"));
            labels_multiline(&mut w, "  ", "Labels", at(pvc, "metadata.labels"));
            labels_multiline(&mut w, "  ", "Annotations", at(pvc, "metadata.annotations"));
            let cap = at(pvc, "spec.resources.requests.storage");
            let cap = if cap.is_null() {
                "<default>".to_string()
            } else {
                quantity(cap).to_string()
            };
            w.write(L1, &format!("Capacity:\t{cap}\n"));
            let modes: Vec<String> = arr(pvc, "spec.accessModes").iter().map(scalar_string).collect();
            w.write(L1, &format!("Access Modes:\t[{}]\n", modes.join(" ")));
        }
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_daemon_set(ds: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, ds);
    w.write(L0, &format!("Selector:\t{}\n", selector_text(at(ds, "spec.selector"))));
    w.write(
        L0,
        &format!(
            "Node-Selector:\t{}\n",
            format_labels(at(ds, "spec.template.spec.nodeSelector"))
        ),
    );
    labels_multiline(&mut w, "", "Labels", at(ds, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(ds, "metadata.annotations"));
    for (label, key) in [
        ("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
        ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
        (
            "Number of Nodes Scheduled with Up-to-date Pods",
            "updatedNumberScheduled",
        ),
        ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
        ("Number of Nodes Misscheduled", "numberMisscheduled"),
    ] {
        w.write(L0, &format!("{label}: {}\n", i(ds, &format!("status.{key}"))));
    }
    pods_status_line(&mut w, ds, rel);
    pod_template(&mut w, at(ds, "spec.template"));
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_job(job: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, job);
    w.write(L0, &format!("Selector:\t{}\n", selector_text(at(job, "spec.selector"))));
    labels_multiline(&mut w, "", "Labels", at(job, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(job, "metadata.annotations"));
    if let Some(c) = controller_of(job) {
        w.write(L0, &format!("Controlled By:\t{c}\n"));
    }
    if let Some(p) = opt_i(job, "spec.parallelism") {
        w.write(L0, &format!("Parallelism:\t{p}\n"));
    }
    match opt_i(job, "spec.completions") {
        Some(c) => w.write(L0, &format!("Completions:\t{c}\n")),
        None => w.write(L0, "Completions:\t<unset>\n"),
    }
    if let Some(m) = opt_s(job, "spec.completionMode") {
        w.write(L0, &format!("Completion Mode:\t{m}\n"));
    }
    if let Some(sus) = at(job, "spec.suspend").as_bool() {
        w.write(L0, &format!("Suspend:\t{sus}\n"));
    }
    if let Some(bl) = opt_i(job, "spec.backoffLimit") {
        w.write(L0, &format!("Backoff Limit:\t{bl}\n"));
    }
    if let Some(ttl) = opt_i(job, "spec.ttlSecondsAfterFinished") {
        w.write(L0, &format!("TTL Seconds After Finished:\t{ttl}\n"));
    }
    let start = opt_s(job, "status.startTime");
    let done = opt_s(job, "status.completionTime");
    if let Some(st) = start {
        w.write(L0, &format!("Start Time:\t{}\n", rfc1123z(st)));
    }
    if let Some(c) = done {
        w.write(L0, &format!("Completed At:\t{}\n", rfc1123z(c)));
    }
    if let (Some(a), Some(z)) = (start.and_then(parse_rfc3339), done.and_then(parse_rfc3339)) {
        w.write(
            L0,
            &format!("Duration:\t{}\n", apimachinery::time::human_duration(z - a)),
        );
    }
    if let Some(ad) = opt_i(job, "spec.activeDeadlineSeconds") {
        w.write(L0, &format!("Active Deadline Seconds:\t{ad}s\n"));
    }
    let (active, succeeded, failed) = (
        i(job, "status.active"),
        i(job, "status.succeeded"),
        i(job, "status.failed"),
    );
    match opt_i(job, "status.ready") {
        None => w.write(
            L0,
            &format!("Pods Statuses:\t{active} Active / {succeeded} Succeeded / {failed} Failed\n"),
        ),
        Some(r) => w.write(
            L0,
            &format!("Pods Statuses:\t{active} Active ({r} Ready) / {succeeded} Succeeded / {failed} Failed\n"),
        ),
    }
    if s(job, "spec.completionMode") == "Indexed" {
        let idx = s(job, "status.completedIndexes");
        let text = if idx.is_empty() {
            "<none>".to_string()
        } else {
            match idx.get(50..).and_then(|rest| rest.find(',')) {
                Some(off) => format!("{}...", idx.get(..50 + off + 1).unwrap_or(idx)),
                None => idx.to_string(),
            }
        };
        w.write(L0, &format!("Completed Indexes:\t{text}\n"));
    }
    pod_template(&mut w, at(job, "spec.template"));
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_cron_job(cj: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, cj);
    labels_multiline(&mut w, "", "Labels", at(cj, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(cj, "metadata.annotations"));
    w.write(L0, &format!("Schedule:\t{}\n", s(cj, "spec.schedule")));
    w.write(
        L0,
        &format!("Concurrency Policy:\t{}\n", s(cj, "spec.concurrencyPolicy")),
    );
    let suspend = match at(cj, "spec.suspend").as_bool() {
        Some(v) => bool_text(v).to_string(),
        None => "<unset>".to_string(),
    };
    w.write(L0, &format!("Suspend:\t{suspend}\n"));
    w.write(
        L0,
        &format!("Time Zone:\t{}\n", opt_s(cj, "spec.timeZone").unwrap_or("<unset>")),
    );
    let or_unset = |v: Option<i64>, suffix: &str| v.map(|n| format!("{n}{suffix}")).unwrap_or_else(|| "<unset>".into());
    w.write(
        L0,
        &format!(
            "Successful Job History Limit:\t{}\n",
            or_unset(opt_i(cj, "spec.successfulJobsHistoryLimit"), "")
        ),
    );
    w.write(
        L0,
        &format!(
            "Failed Job History Limit:\t{}\n",
            or_unset(opt_i(cj, "spec.failedJobsHistoryLimit"), "")
        ),
    );
    w.write(
        L0,
        &format!(
            "Starting Deadline Seconds:\t{}\n",
            or_unset(opt_i(cj, "spec.startingDeadlineSeconds"), "s")
        ),
    );
    let jt = at(cj, "spec.jobTemplate");
    if at(jt, "spec.selector").is_null() {
        w.write(L0, "Selector:\t<unset>\n");
    } else {
        w.write(L0, &format!("Selector:\t{}\n", selector_text(at(jt, "spec.selector"))));
    }
    w.write(
        L0,
        &format!("Parallelism:\t{}\n", or_unset(opt_i(jt, "spec.parallelism"), "")),
    );
    w.write(
        L0,
        &format!("Completions:\t{}\n", or_unset(opt_i(jt, "spec.completions"), "")),
    );
    if let Some(ad) = opt_i(jt, "spec.activeDeadlineSeconds") {
        w.write(L0, &format!("Active Deadline Seconds:\t{ad}s\n"));
    }
    pod_template(&mut w, at(jt, "spec.template"));
    match opt_s(cj, "status.lastScheduleTime") {
        Some(t) => w.write(L0, &format!("Last Schedule Time:\t{}\n", rfc1123z(t))),
        None => w.write(L0, "Last Schedule Time:\t<unset>\n"),
    }
    w.write(L0, "Active Jobs:\t");
    let active = arr(cj, "status.active");
    if active.is_empty() {
        w.line("<none>");
    } else {
        let names: Vec<&str> = active.iter().map(|j| s(j, "name")).collect();
        w.line(&names.join(", "));
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_service_account(sa: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, sa);
    labels_multiline(&mut w, "", "Labels", at(sa, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(sa, "metadata.annotations"));
    let names: Vec<&str> = arr(sa, "imagePullSecrets").iter().map(|x| s(x, "name")).collect();
    if names.is_empty() {
        w.write(L0, "Image pull secrets:\t<none>\n");
    } else {
        let mut prefix = "Image pull secrets:";
        for n in names {
            w.write(L0, &format!("{prefix}\t{n}\n"));
            prefix = "                   ";
        }
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

fn finalizers(obj: &Value) -> String {
    let f: Vec<String> = arr(obj, "metadata.finalizers").iter().map(scalar_string).collect();
    format!("[{}]", f.join(" "))
}

/// The pods using a claim: by volume, then by owner reference (getPodsForPVC).
pub fn pods_using_claim(pvc: &Value, pods: &[Value]) -> Vec<String> {
    let name = s(pvc, "metadata.name");
    let mut out: Vec<&Value> = Vec::new();
    for p in pods {
        for v in arr(p, "spec.volumes") {
            if s(v, "persistentVolumeClaim.claimName") == name && !at(v, "persistentVolumeClaim").is_null() {
                out.push(p);
            }
        }
    }
    for r in arr(pvc, "metadata.ownerReferences") {
        if s(r, "kind") != "Pod" {
            continue;
        }
        if let Some(p) = pods.iter().find(|p| s(p, "metadata.uid") == s(r, "uid")) {
            if !out.iter().any(|o| s(o, "metadata.uid") == s(p, "metadata.uid")) {
                out.push(p);
            }
        }
    }
    let mut names: Vec<String> = out.iter().map(|p| s(p, "metadata.name").to_string()).collect();
    names.sort();
    names
}

pub fn describe_pvc(pvc: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, pvc);
    let class = at(pvc, "metadata.annotations")
        .get("volume.beta.kubernetes.io/storage-class")
        .and_then(Value::as_str)
        .or_else(|| opt_s(pvc, "spec.storageClassName"))
        .unwrap_or("");
    w.write(L0, &format!("StorageClass:\t{class}\n"));
    if at(pvc, "metadata.deletionTimestamp").is_null() {
        w.write(L0, &format!("Status:\t{}\n", s(pvc, "status.phase")));
    } else {
        w.write(
            L0,
            &format!(
                "Status:\tTerminating (lasts {})\n",
                age(s(pvc, "metadata.deletionTimestamp"), now)
            ),
        );
    }
    w.write(L0, &format!("Volume:\t{}\n", s(pvc, "spec.volumeName")));
    labels_multiline(&mut w, "", "Labels", at(pvc, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(pvc, "metadata.annotations"));
    w.write(L0, &format!("Finalizers:\t{}\n", finalizers(pvc)));
    let (capacity, modes) = if s(pvc, "spec.volumeName").is_empty() {
        (String::new(), String::new())
    } else {
        let cap = at(pvc, "status.capacity.storage");
        let cap = if cap.is_null() {
            "0".to_string()
        } else {
            quantity(cap).to_string()
        };
        (
            cap,
            crate::printers::kinds::access_modes(arr(pvc, "status.accessModes")),
        )
    };
    w.write(L0, &format!("Capacity:\t{capacity}\n"));
    w.write(L0, &format!("Access Modes:\t{modes}\n"));
    if let Some(m) = opt_s(pvc, "spec.volumeMode") {
        w.write(L0, &format!("VolumeMode:\t{m}\n"));
    }
    let ds = at(pvc, "spec.dataSource");
    if !ds.is_null() {
        w.write(L0, "DataSource:\n");
        if let Some(g) = opt_s(ds, "apiGroup") {
            w.write(L1, &format!("APIGroup:\t{g}\n"));
        }
        w.write(L1, &format!("Kind:\t{}\n", s(ds, "kind")));
        w.write(L1, &format!("Name:\t{}\n", s(ds, "name")));
    }
    let used_by = pods_using_claim(pvc, rel.pods.as_deref().unwrap_or(&[]));
    w.write(L0, "Used By:\t");
    if used_by.is_empty() {
        w.line("<none>");
    } else {
        for (ix, n) in used_by.iter().enumerate() {
            if ix != 0 {
                w.write(L0, "\t");
            }
            w.write(L0, &format!("{n}\n"));
        }
    }
    let conds = arr(pvc, "status.conditions");
    if !conds.is_empty() {
        w.write(L0, "Conditions:\n");
        w.write(L1, "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n");
        w.write(
            L1,
            "----\t------\t-----------------\t------------------\t------\t-------\n",
        );
        for c in conds {
            w.write(
                L1,
                &format!(
                    "{} \t{} \t{} \t{} \t{} \t{}\n",
                    s(c, "type"),
                    s(c, "status"),
                    rfc1123z(s(c, "lastProbeTime")),
                    rfc1123z(s(c, "lastTransitionTime")),
                    s(c, "reason"),
                    s(c, "message")
                ),
            );
        }
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_pv(pv: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    w.write(L0, &format!("Name:\t{}\n", s(pv, "metadata.name")));
    labels_multiline(&mut w, "", "Labels", at(pv, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(pv, "metadata.annotations"));
    w.write(L0, &format!("Finalizers:\t{}\n", finalizers(pv)));
    let class = at(pv, "metadata.annotations")
        .get("volume.beta.kubernetes.io/storage-class")
        .and_then(Value::as_str)
        .unwrap_or_else(|| s(pv, "spec.storageClassName"));
    w.write(L0, &format!("StorageClass:\t{class}\n"));
    if at(pv, "metadata.deletionTimestamp").is_null() {
        w.write(L0, &format!("Status:\t{}\n", s(pv, "status.phase")));
    } else {
        w.write(
            L0,
            &format!(
                "Status:\tTerminating (lasts {})\n",
                age(s(pv, "metadata.deletionTimestamp"), now)
            ),
        );
    }
    let claim = if at(pv, "spec.claimRef").is_null() {
        String::new()
    } else {
        format!("{}/{}", s(pv, "spec.claimRef.namespace"), s(pv, "spec.claimRef.name"))
    };
    w.write(L0, &format!("Claim:\t{claim}\n"));
    w.write(
        L0,
        &format!("Reclaim Policy:\t{}\n", s(pv, "spec.persistentVolumeReclaimPolicy")),
    );
    w.write(
        L0,
        &format!(
            "Access Modes:\t{}\n",
            crate::printers::kinds::access_modes(arr(pv, "spec.accessModes"))
        ),
    );
    if let Some(m) = opt_s(pv, "spec.volumeMode") {
        w.write(L0, &format!("VolumeMode:\t{m}\n"));
    }
    let cap = at(pv, "spec.capacity.storage");
    let cap = if cap.is_null() {
        "0".to_string()
    } else {
        quantity(cap).to_string()
    };
    w.write(L0, &format!("Capacity:\t{cap}\n"));
    if at(pv, "spec.nodeAffinity.required").is_null() {
        w.write(L0, "Node Affinity:\t<none>\n");
    } else {
        w.write(L0, "Node Affinity:\t\n");
        let terms = arr(pv, "spec.nodeAffinity.required.nodeSelectorTerms");
        if terms.is_empty() {
            w.write(L1, "Required Terms:\t<none>\n");
        } else {
            w.write(L1, "Required Terms:\t\n");
            for (ti, term) in terms.iter().enumerate() {
                w.write(L2, &format!("Term {ti}:\t"));
                let exprs = arr(term, "matchExpressions");
                if exprs.is_empty() {
                    w.line("<none>");
                    continue;
                }
                for (ix, e) in exprs.iter().enumerate() {
                    if ix != 0 {
                        w.write(L2, "\t");
                    }
                    let mut text = format!("{} {}", s(e, "key"), s(e, "operator").to_lowercase());
                    let vals: Vec<String> = arr(e, "values").iter().map(scalar_string).collect();
                    if !vals.is_empty() {
                        text = format!("{text} [{}]", vals.join(", "));
                    }
                    w.write(L0, &format!("{text}\n"));
                }
            }
        }
    }
    w.write(L0, &format!("Message:\t{}\n", s(pv, "status.message")));
    w.write(L0, "Source:\n");
    if !at(pv, "spec.hostPath").is_null() {
        let t = opt_s(pv, "spec.hostPath.type").unwrap_or("<none>");
        w.write(
            L2,
            &format!(
                "Type:\tHostPath (bare host directory volume)\n    Path:\t{}\n    HostPathType:\t{t}\n",
                s(pv, "spec.hostPath.path")
            ),
        );
    } else if !at(pv, "spec.nfs").is_null() {
        w.write(
            L2,
            &format!(
                "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{}\n    Path:\t{}\n    ReadOnly:\t{}\n",
                s(pv, "spec.nfs.server"),
                s(pv, "spec.nfs.path"),
                b(pv, "spec.nfs.readOnly")
            ),
        );
    } else if !at(pv, "spec.local").is_null() {
        w.write(
            L2,
            &format!(
                "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t{}\n",
                s(pv, "spec.local.path")
            ),
        );
    } else {
        w.write(L1, "<unknown>\n");
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_quota(q: &Value) -> String {
    let mut w = Writer::new();
    header(&mut w, q);
    let mut scopes: Vec<String> = arr(q, "spec.scopes").iter().map(scalar_string).collect();
    if !scopes.is_empty() {
        scopes.sort();
        w.write(L0, &format!("Scopes:\t{}\n", scopes.join(", ")));
        for sc in &scopes {
            let help = quota_scope_help(sc);
            if !help.is_empty() {
                w.write(L0, &format!(" * {help}\n"));
            }
        }
    }
    w.write(L0, "Resource\tUsed\tHard\n");
    w.write(L0, "--------\t----\t----\n");
    if let Some(hard) = at(q, "status.hard").as_object() {
        for (name, h) in hard {
            let hard_q = quantity(h);
            let mut used = at(q, "status.used").get(name).map(quantity).unwrap_or_else(zero);
            if used.format() != hard_q.format() {
                used = Quantity::new(used.value(), hard_q.format());
            }
            w.write(L0, &format!("{name}\t{used}\t{hard_q}\n"));
        }
    }
    w.finish()
}

pub fn describe_limit_range(lr: &Value) -> String {
    let mut w = Writer::new();
    header(&mut w, lr);
    w.write(
        L0,
        "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n",
    );
    w.write(
        L0,
        "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n",
    );
    limit_range_spec(&mut w, lr, "");
    w.finish()
}

fn q_text(v: &Value) -> String {
    if v.is_null() {
        "<nil>".to_string()
    } else {
        quantity(v).to_string()
    }
}

/// describeHorizontalPodAutoscalerV2.
pub fn describe_hpa(hpa: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, hpa);
    labels_multiline(&mut w, "", "Labels", at(hpa, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(hpa, "metadata.annotations"));
    w.write(
        L0,
        &format!(
            "CreationTimestamp:\t{}\n",
            rfc1123z(s(hpa, "metadata.creationTimestamp"))
        ),
    );
    let kind = s(hpa, "spec.scaleTargetRef.kind");
    w.write(
        L0,
        &format!("Reference:\t{kind}/{}\n", s(hpa, "spec.scaleTargetRef.name")),
    );
    w.write(L0, "Metrics:\t( current / target )\n");
    let statuses = arr(hpa, "status.currentMetrics");
    for (ix, m) in arr(hpa, "spec.metrics").iter().enumerate() {
        let st = statuses.get(ix);
        let cur = |key: &str, field: &str| -> Option<&Value> {
            st.map(|x| at(x, key)).filter(|v| !v.is_null()).map(|v| at(v, field))
        };
        match s(m, "type") {
            "External" => {
                let name = apimachinery::errors::go_quote(s(m, "external.metric.name"));
                if !at(m, "external.target.averageValue").is_null() {
                    let current = cur("external", "current.averageValue")
                        .filter(|v| !v.is_null())
                        .map(q_text)
                        .unwrap_or_else(|| "<unknown>".into());
                    w.write(
                        L1,
                        &format!(
                            "{name} (target average value):\t{current} / {}\n",
                            q_text(at(m, "external.target.averageValue"))
                        ),
                    );
                } else {
                    let current = cur("external", "current.value")
                        .map(q_text)
                        .unwrap_or_else(|| "<unknown>".into());
                    w.write(
                        L1,
                        &format!(
                            "{name} (target value):\t{current} / {}\n",
                            q_text(at(m, "external.target.value"))
                        ),
                    );
                }
            }
            "Pods" => {
                let name = apimachinery::errors::go_quote(s(m, "pods.metric.name"));
                let current = cur("pods", "current.averageValue")
                    .map(q_text)
                    .unwrap_or_else(|| "<unknown>".into());
                w.write(
                    L1,
                    &format!(
                        "{name} on pods:\t{current} / {}\n",
                        q_text(at(m, "pods.target.averageValue"))
                    ),
                );
            }
            "Object" => {
                w.write(
                    L1,
                    &format!(
                        "\"{}\" on {}/{} ",
                        s(m, "object.metric.name"),
                        s(m, "object.describedObject.kind"),
                        s(m, "object.describedObject.name")
                    ),
                );
                if s(m, "object.target.type") == "AverageValue" {
                    let current = cur("object", "current.averageValue")
                        .map(q_text)
                        .unwrap_or_else(|| "<unknown>".into());
                    w.write(
                        L0,
                        &format!(
                            "(target average value):\t{current} / {}\n",
                            q_text(at(m, "object.target.averageValue"))
                        ),
                    );
                } else {
                    let current = cur("object", "current.value")
                        .map(q_text)
                        .unwrap_or_else(|| "<unknown>".into());
                    w.write(
                        L0,
                        &format!(
                            "(target value):\t{current} / {}\n",
                            q_text(at(m, "object.target.value"))
                        ),
                    );
                }
            }
            t @ ("Resource" | "ContainerResource") => {
                let key = if t == "Resource" {
                    "resource"
                } else {
                    "containerResource"
                };
                let rname = s(m, &format!("{key}.name"));
                if t == "Resource" {
                    w.write(L1, &format!("resource {rname} on pods"));
                } else {
                    w.write(
                        L1,
                        &format!(
                            "resource {rname} of container \"{}\" on pods",
                            s(m, "containerResource.container")
                        ),
                    );
                }
                let target = at(m, &format!("{key}.target"));
                if !at(target, "averageValue").is_null() {
                    let current = cur(key, "current.averageValue")
                        .map(q_text)
                        .unwrap_or_else(|| "<unknown>".into());
                    w.write(L0, &format!(":\t{current} / {}\n", q_text(at(target, "averageValue"))));
                } else {
                    let current = match (
                        cur(key, "current.averageUtilization").and_then(Value::as_i64),
                        cur(key, "current.averageValue"),
                    ) {
                        (Some(u), Some(v)) => format!("{u}% ({})", q_text(v)),
                        _ => "<unknown>".to_string(),
                    };
                    let tgt = opt_i(target, "averageUtilization")
                        .map(|u| format!("{u}%"))
                        .unwrap_or_else(|| "<auto>".into());
                    w.write(L1, &format!("(as a percentage of request):\t{current} / {tgt}\n"));
                }
            }
            other => w.write(
                L1,
                &format!("<unknown metric type {}>\n", apimachinery::errors::go_quote(other)),
            ),
        }
    }
    let min = opt_i(hpa, "spec.minReplicas")
        .map(|m| m.to_string())
        .unwrap_or_else(|| "<unset>".into());
    w.write(L0, &format!("Min replicas:\t{min}\n"));
    w.write(L0, &format!("Max replicas:\t{}\n", i(hpa, "spec.maxReplicas")));
    let behavior = at(hpa, "spec.behavior");
    if !behavior.is_null() {
        w.write(L0, "Behavior:\n");
        for (title, key) in [("Scale Up", "scaleUp"), ("Scale Down", "scaleDown")] {
            let rules = at(behavior, key);
            if rules.is_null() {
                continue;
            }
            w.write(L1, &format!("{title}:\n"));
            if let Some(win) = opt_i(rules, "stabilizationWindowSeconds") {
                w.write(L2, &format!("Stabilization Window: {win} seconds\n"));
            }
            let policies = arr(rules, "policies");
            if !policies.is_empty() {
                w.write(
                    L2,
                    &format!("Select Policy: {}\n", opt_s(rules, "selectPolicy").unwrap_or("Max")),
                );
                w.write(L2, "Policies:\n");
                for p in policies {
                    w.write(
                        L3,
                        &format!(
                            "- Type: {}\tValue: {}\tPeriod: {} seconds\n",
                            s(p, "type"),
                            i(p, "value"),
                            i(p, "periodSeconds")
                        ),
                    );
                }
            }
        }
    }
    w.write(L0, &format!("{kind} pods:\t"));
    w.write(
        L0,
        &format!(
            "{} current / {} desired\n",
            i(hpa, "status.currentReplicas"),
            i(hpa, "status.desiredReplicas")
        ),
    );
    let conds = arr(hpa, "status.conditions");
    if !conds.is_empty() {
        w.write(L0, "Conditions:\n");
        w.write(L1, "Type\tStatus\tReason\tMessage\n");
        w.write(L1, "----\t------\t------\t-------\n");
        for c in conds {
            w.write(
                L1,
                &format!(
                    "{}\t{}\t{}\t{}\n",
                    s(c, "type"),
                    s(c, "status"),
                    s(c, "reason"),
                    s(c, "message")
                ),
            );
        }
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_endpoints(ep: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, ep);
    labels_multiline(&mut w, "", "Labels", at(ep, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(ep, "metadata.annotations"));
    w.write(L0, "Subsets:\n");
    for subset in arr(ep, "subsets") {
        let ips = |key: &str| {
            let list: Vec<&str> = arr(subset, key).iter().map(|a| s(a, "ip")).collect();
            if list.is_empty() {
                "<none>".to_string()
            } else {
                list.join(",")
            }
        };
        w.write(L1, &format!("Addresses:\t{}\n", ips("addresses")));
        w.write(L1, &format!("NotReadyAddresses:\t{}\n", ips("notReadyAddresses")));
        let ports = arr(subset, "ports");
        if !ports.is_empty() {
            w.write(L1, "Ports:\n");
            w.write(L2, "Name\tPort\tProtocol\n");
            w.write(L2, "----\t----\t--------\n");
            for p in ports {
                let name = if s(p, "name").is_empty() {
                    "<unset>"
                } else {
                    s(p, "name")
                };
                w.write(L2, &format!("{name}\t{}\t{}\n", i(p, "port"), s(p, "protocol")));
            }
        }
        w.write(L0, "\n");
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_storage_class(sc: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    w.write(L0, &format!("Name:\t{}\n", s(sc, "metadata.name")));
    let ann = at(sc, "metadata.annotations");
    let is_default = [
        "storageclass.kubernetes.io/is-default-class",
        "storageclass.beta.kubernetes.io/is-default-class",
    ]
    .iter()
    .any(|k| ann.get(*k).and_then(Value::as_str) == Some("true"));
    w.write(
        L0,
        &format!("IsDefaultClass:\t{}\n", if is_default { "Yes" } else { "No" }),
    );
    w.write(L0, &format!("Annotations:\t{}\n", format_labels(ann)));
    w.write(L0, &format!("Provisioner:\t{}\n", s(sc, "provisioner")));
    w.write(L0, &format!("Parameters:\t{}\n", format_labels(at(sc, "parameters"))));
    let expansion = match at(sc, "allowVolumeExpansion").as_bool() {
        Some(v) => bool_text(v),
        None => "<unset>",
    };
    w.write(L0, &format!("AllowVolumeExpansion:\t{expansion}\n"));
    let opts = arr(sc, "mountOptions");
    if opts.is_empty() {
        w.write(L0, "MountOptions:\t<none>\n");
    } else {
        w.write(L0, "MountOptions:\n");
        for o in opts {
            w.write(L1, &format!("{}\n", scalar_string(o)));
        }
    }
    if let Some(p) = opt_s(sc, "reclaimPolicy") {
        w.write(L0, &format!("ReclaimPolicy:\t{p}\n"));
    }
    if let Some(m) = opt_s(sc, "volumeBindingMode") {
        w.write(L0, &format!("VolumeBindingMode:\t{m}\n"));
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_pdb(pdb: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, pdb);
    if !at(pdb, "spec.minAvailable").is_null() {
        w.write(
            L0,
            &format!("Min available:\t{}\n", scalar_string(at(pdb, "spec.minAvailable"))),
        );
    } else if !at(pdb, "spec.maxUnavailable").is_null() {
        w.write(
            L0,
            &format!("Max unavailable:\t{}\n", scalar_string(at(pdb, "spec.maxUnavailable"))),
        );
    }
    if at(pdb, "spec.selector").is_null() {
        w.write(L0, "Selector:\t<unset>\n");
    } else {
        w.write(
            L0,
            &format!("Selector:\t{}\n", format_label_selector(at(pdb, "spec.selector"))),
        );
    }
    w.write(L0, "Status:\n");
    w.write(
        L2,
        &format!("Allowed disruptions:\t{}\n", i(pdb, "status.disruptionsAllowed")),
    );
    w.write(L2, &format!("Current:\t{}\n", i(pdb, "status.currentHealthy")));
    w.write(L2, &format!("Desired:\t{}\n", i(pdb, "status.desiredHealthy")));
    w.write(L2, &format!("Total:\t{}\n", i(pdb, "status.expectedPods")));
    describe_events(&mut w, rel, now);
    w.finish()
}

pub fn describe_priority_class(pc: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    w.write(L0, &format!("Name:\t{}\n", s(pc, "metadata.name")));
    w.write(L0, &format!("Value:\t{}\n", i(pc, "value")));
    w.write(L0, &format!("GlobalDefault:\t{}\n", b(pc, "globalDefault")));
    w.write(L0, &format!("PreemptionPolicy:\t{}\n", s(pc, "preemptionPolicy")));
    w.write(L0, &format!("Description:\t{}\n", s(pc, "description")));
    w.write(
        L0,
        &format!("Annotations:\t{}\n", format_labels(at(pc, "metadata.annotations"))),
    );
    describe_events(&mut w, rel, now);
    w.finish()
}

/// The Services an Ingress's backends name (default backend first, then rule paths).
pub fn ingress_backend_services(ing: &Value) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |b: &Value| {
        let n = s(b, "service.name");
        if !n.is_empty() && !names.iter().any(|x| x == n) {
            names.push(n.to_string());
        }
    };
    add(at(ing, "spec.defaultBackend"));
    for rule in arr(ing, "spec.rules") {
        for p in arr(rule, "http.paths") {
            add(at(p, "backend"));
        }
    }
    names
}

fn describe_backend(backend: &Value, rel: &Related) -> String {
    if !at(backend, "service").is_null() {
        let name = s(backend, "service.name");
        let number = i(backend, "service.port.number");
        let port_name = s(backend, "service.port.name");
        let sb = if number != 0 {
            format!("{name}:{number}")
        } else {
            format!("{name}:{port_name}")
        };
        let Some((svc, slices)) = rel.backends.get(name) else {
            return sb;
        };
        let svc = match svc {
            Ok(v) => v,
            Err(e) => return format!("{sb} (<error: {e}>)"),
        };
        let mut sp_name = "";
        for sp in arr(svc, "spec.ports") {
            if (number != 0 && number == i(sp, "port")) || (!port_name.is_empty() && port_name == s(sp, "name")) {
                sp_name = s(sp, "name");
            }
        }
        return format!("{sb} ({})", format_endpoint_slices(slices, sp_name));
    }
    if !at(backend, "resource").is_null() {
        return format!(
            "APIGroup: {}, Kind: {}, Name: {}",
            opt_s(backend, "resource.apiGroup").unwrap_or("<none>"),
            s(backend, "resource.kind"),
            s(backend, "resource.name")
        );
    }
    String::new()
}

pub fn describe_ingress(ing: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    w.write(L0, &format!("Name:\t{}\n", s(ing, "metadata.name")));
    labels_multiline(&mut w, "", "Labels", at(ing, "metadata.labels"));
    w.write(L0, &format!("Namespace:\t{}\n", s(ing, "metadata.namespace")));
    let mut addrs: Vec<String> = Vec::new();
    for g in arr(ing, "status.loadBalancer.ingress") {
        let v = if !s(g, "ip").is_empty() {
            s(g, "ip")
        } else {
            s(g, "hostname")
        };
        if !v.is_empty() && !addrs.iter().any(|a| a == v) {
            addrs.push(v.to_string());
        }
    }
    addrs.sort();
    w.write(L0, &format!("Address:\t{}\n", addrs.join(",")));
    w.write(
        L0,
        &format!(
            "Ingress Class:\t{}\n",
            opt_s(ing, "spec.ingressClassName").unwrap_or("<none>")
        ),
    );
    let def = at(ing, "spec.defaultBackend");
    let default_text = if def.is_null() {
        "<default>".to_string()
    } else {
        describe_backend(def, rel)
    };
    w.write(L0, &format!("Default backend:\t{default_text}\n"));
    let tls = arr(ing, "spec.tls");
    if !tls.is_empty() {
        w.write(L0, "TLS:\n");
        for t in tls {
            let hosts: Vec<String> = arr(t, "hosts").iter().map(scalar_string).collect();
            if s(t, "secretName").is_empty() {
                w.write(L1, &format!("SNI routes {}\n", hosts.join(",")));
            } else {
                w.write(L1, &format!("{} terminates {}\n", s(t, "secretName"), hosts.join(",")));
            }
        }
    }
    w.write(L0, "Rules:\n  Host\tPath\tBackends\n");
    w.write(L1, "----\t----\t--------\n");
    let mut count = 0;
    for rule in arr(ing, "spec.rules") {
        if at(rule, "http").is_null() {
            continue;
        }
        count += 1;
        let host = if s(rule, "host").is_empty() {
            "*"
        } else {
            s(rule, "host")
        };
        w.write(L1, &format!("{host}\t\n"));
        for p in arr(rule, "http.paths") {
            w.write(
                L2,
                &format!("\t{} \t{}\n", s(p, "path"), describe_backend(at(p, "backend"), rel)),
            );
        }
    }
    if count == 0 {
        w.write(L1, &format!("*\t*\t{default_text}\n"));
    }
    annotations_multiline(&mut w, "Annotations", at(ing, "metadata.annotations"));
    describe_events(&mut w, rel, now);
    w.finish()
}

/// One PolicyRule with its lists (nil and empty print alike as `[]`).
#[derive(Debug, Clone, PartialEq, Default)]
struct Rule {
    verbs: Vec<String>,
    api_groups: Vec<String>,
    resources: Vec<String>,
    resource_names: Vec<String>,
    non_resource_urls: Vec<String>,
}

impl Rule {
    /// The generated protobuf String() the rules are sorted by.
    fn proto_string(&self) -> String {
        let l = |v: &Vec<String>| format!("[{}]", v.join(" "));
        format!(
            "&PolicyRule{{Verbs:{},APIGroups:{},Resources:{},ResourceNames:{},NonResourceURLs:{},}}",
            l(&self.verbs),
            l(&self.api_groups),
            l(&self.resources),
            l(&self.resource_names),
            l(&self.non_resource_urls)
        )
    }
}

fn strings_at(v: &Value, key: &str) -> Vec<String> {
    arr(v, key).iter().map(scalar_string).collect()
}

/// rbac.BreakdownRule: one rule per group × resource × verb (× name), then per URL × verb.
fn breakdown(rule: &Value) -> Vec<Rule> {
    let (groups, resources, verbs, names) = (
        strings_at(rule, "apiGroups"),
        strings_at(rule, "resources"),
        strings_at(rule, "verbs"),
        strings_at(rule, "resourceNames"),
    );
    let mut out = Vec::new();
    for g in &groups {
        for r in &resources {
            for v in &verbs {
                let base = Rule {
                    verbs: vec![v.clone()],
                    api_groups: vec![g.clone()],
                    resources: vec![r.clone()],
                    ..Default::default()
                };
                if names.is_empty() {
                    out.push(base);
                } else {
                    for n in &names {
                        out.push(Rule {
                            resource_names: vec![n.clone()],
                            ..base.clone()
                        });
                    }
                }
            }
        }
    }
    for u in strings_at(rule, "nonResourceURLs") {
        for v in &verbs {
            out.push(Rule {
                non_resource_urls: vec![u.clone()],
                verbs: vec![v.clone()],
                ..Default::default()
            });
        }
    }
    out
}

/// rbac.CompactRules: simple rules on the same group/resource/name merge their verbs.
fn compact(rules: Vec<Rule>) -> Vec<Rule> {
    let mut compacted: Vec<Rule> = Vec::new();
    // Keyed by (API group, resource, resource name).
    type Key = (String, String, Option<String>);
    let mut simple: Vec<(Key, Rule)> = Vec::new();
    for rule in rules {
        let is_simple = rule.resource_names.len() <= 1
            && rule.non_resource_urls.is_empty()
            && rule.api_groups.len() == 1
            && rule.resources.len() == 1;
        if !is_simple {
            compacted.push(rule);
            continue;
        }
        let key = (
            rule.api_groups.first().cloned().unwrap_or_default(),
            rule.resources.first().cloned().unwrap_or_default(),
            rule.resource_names.first().cloned(),
        );
        match simple.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => {
                for v in rule.verbs {
                    if !existing.verbs.contains(&v) {
                        existing.verbs.push(v);
                    }
                }
            }
            None => simple.push((key, rule)),
        }
    }
    compacted.extend(simple.into_iter().map(|(_, r)| r));
    compacted
}

/// CombineResourceGroup: `deployments.apps/scale`.
fn combine_resource_group(resources: &[String], groups: &[String]) -> String {
    let Some(first) = resources.first() else {
        return String::new();
    };
    let (res, sub) = match first.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (first.as_str(), None),
    };
    let mut out = res.to_string();
    if let Some(g) = groups.first().filter(|g| !g.is_empty()) {
        out = format!("{out}.{g}");
    }
    if let Some(s) = sub {
        out = format!("{out}/{s}");
    }
    out
}

pub fn describe_role(role: &Value) -> String {
    let mut rules: Vec<Rule> = compact(arr(role, "rules").iter().flat_map(breakdown).collect());
    rules.sort_by_key(|r| r.proto_string());
    let mut w = Writer::new();
    w.write(L0, &format!("Name:\t{}\n", s(role, "metadata.name")));
    labels_multiline(&mut w, "", "Labels", at(role, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(role, "metadata.annotations"));
    w.write(L0, "PolicyRule:\n");
    w.write(L1, "Resources\tNon-Resource URLs\tResource Names\tVerbs\n");
    w.write(L1, "---------\t-----------------\t--------------\t-----\n");
    let l = |v: &Vec<String>| format!("[{}]", v.join(" "));
    for r in &rules {
        w.write(
            L1,
            &format!(
                "{}\t{}\t{}\t{}\n",
                combine_resource_group(&r.resources, &r.api_groups),
                l(&r.non_resource_urls),
                l(&r.resource_names),
                l(&r.verbs)
            ),
        );
    }
    w.finish()
}

pub fn describe_role_binding(binding: &Value) -> String {
    let mut w = Writer::new();
    w.write(L0, &format!("Name:\t{}\n", s(binding, "metadata.name")));
    labels_multiline(&mut w, "", "Labels", at(binding, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(binding, "metadata.annotations"));
    w.write(L0, "Role:\n");
    w.write(L1, &format!("Kind:\t{}\n", s(binding, "roleRef.kind")));
    w.write(L1, &format!("Name:\t{}\n", s(binding, "roleRef.name")));
    w.write(L0, "Subjects:\n");
    w.write(L1, "Kind\tName\tNamespace\n");
    w.write(L1, "----\t----\t---------\n");
    for sub in arr(binding, "subjects") {
        w.write(
            L1,
            &format!("{}\t{}\t{}\n", s(sub, "kind"), s(sub, "name"), s(sub, "namespace")),
        );
    }
    w.finish()
}

/// The generic describer for kinds without their own (custom resources included).
pub fn describe_generic(obj: &Value, rel: &Related, now: i64) -> String {
    let mut w = Writer::new();
    header(&mut w, obj);
    labels_multiline(&mut w, "", "Labels", at(obj, "metadata.labels"));
    annotations_multiline(&mut w, "Annotations", at(obj, "metadata.annotations"));
    if let Some(m) = obj.as_object() {
        unstructured(
            &mut w,
            L0,
            m,
            "",
            &[
                ".metadata.managedFields",
                ".metadata.name",
                ".metadata.namespace",
                ".metadata.labels",
                ".metadata.annotations",
            ],
        );
    }
    describe_events(&mut w, rel, now);
    w.finish()
}

fn unstructured(w: &mut Writer, level: usize, content: &serde_json::Map<String, Value>, prefix: &str, skip: &[&str]) {
    for (field, value) in content {
        let expr = format!("{prefix}.{field}");
        if skip.contains(&expr.as_str()) {
            continue;
        }
        match value {
            Value::Object(m) => {
                w.write(level, &format!("{}:\n", smart_label(field)));
                unstructured(w, level + 1, m, &expr, skip);
            }
            Value::Array(a) => {
                w.write(level, &format!("{}:\n", smart_label(field)));
                for child in a {
                    match child {
                        Value::Object(m) => unstructured(w, level + 1, m, &expr, skip),
                        other => w.write(level + 1, &format!("{}\n", go_v(other))),
                    }
                }
            }
            other => w.write(level, &format!("{}:\t{}\n", smart_label(field), go_v(other))),
        }
    }
}

/// fatih/camelcase.Split.
fn camel_split(src: &str) -> Vec<String> {
    let class = |c: char| {
        if c.is_lowercase() {
            1
        } else if c.is_uppercase() {
            2
        } else if c.is_numeric() {
            3
        } else {
            4
        }
    };
    let mut runs: Vec<Vec<char>> = Vec::new();
    let mut last = 0;
    for c in src.chars() {
        let k = class(c);
        match runs.last_mut() {
            Some(r) if k == last => r.push(c),
            _ => runs.push(vec![c]),
        }
        last = k;
    }
    for ix in 0..runs.len().saturating_sub(1) {
        let upper_then_lower = runs.get(ix).and_then(|r| r.first()).is_some_and(|c| c.is_uppercase())
            && runs
                .get(ix + 1)
                .and_then(|r| r.first())
                .is_some_and(|c| c.is_lowercase());
        if upper_then_lower {
            if let Some(moved) = runs.get_mut(ix).and_then(|r| r.pop()) {
                if let Some(next) = runs.get_mut(ix + 1) {
                    next.insert(0, moved);
                }
            }
        }
    }
    runs.into_iter()
        .filter(|r| !r.is_empty())
        .map(|r| r.into_iter().collect())
        .collect()
}

/// smartLabelFor: `creationTimestamp` → `Creation Timestamp`, `apiVersion` → `API Version`.
pub fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    let parts = camel_split(field);
    let mut merged: Vec<String> = Vec::new();
    let mut ix = 0;
    while ix < parts.len() {
        let part = parts.get(ix).cloned().unwrap_or_default();
        if let Some(next) = parts.get(ix + 1) {
            let all_upper = part.chars().all(|c| !c.is_alphabetic() || c.is_uppercase());
            if part.len() >= 2 && all_upper && next.chars().next().is_some_and(|c| c.is_uppercase()) {
                merged.push(format!("{part}{next}"));
                ix += 2;
                continue;
            }
        }
        merged.push(part);
        ix += 1;
    }
    let mut out: Vec<String> = Vec::new();
    for part in merged {
        if part == "_" {
            continue;
        }
        if ["API", "URL", "UID", "GUID"].contains(&part.to_uppercase().as_str()) {
            out.push(part.to_uppercase());
        } else if part.to_lowercase() == part {
            let mut cs = part.chars();
            out.push(match cs.next() {
                Some(f) => f.to_uppercase().collect::<String>() + cs.as_str(),
                None => String::new(),
            });
        } else {
            out.push(part);
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests;
