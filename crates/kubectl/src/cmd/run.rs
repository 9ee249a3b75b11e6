//! `kubectl run NAME --image=…`: creates a Pod (and with `--expose` a Service), as
//! k8s.io/kubectl/pkg/cmd/run builds them. Attaching (`-i`, `-t`, `--attach`, `--rm`) needs a
//! container runtime kubeplay does not simulate.

use super::split_at_dash;
use crate::cmd::create::write_params;
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result_typed as print_result, DryRun};
use apimachinery::ApiRequest;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn parse_labels(s: &str) -> CmdResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    if s.is_empty() {
        return Ok(out);
    }
    for spec in s.split(',') {
        let parts: Vec<&str> = spec.split('=').collect();
        let [k, v] = parts.as_slice() else {
            return Err(CmdError::msg(format!("unexpected label spec: {spec}")));
        };
        if k.is_empty() {
            return Err(CmdError::msg("unexpected empty label key"));
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

fn parse_envs(envs: &[String]) -> CmdResult<Vec<Value>> {
    let mut out = Vec::new();
    for e in envs {
        let Some((name, value)) = e.split_once('=') else {
            return Err(CmdError::msg(format!("invalid env: {e}")));
        };
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || "-._".contains(c))
            && name.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
        if !valid {
            return Err(CmdError::msg(format!("invalid env: {e}")));
        }
        out.push(json!({"name": name, "value": value}));
    }
    Ok(out)
}

fn to_map(m: &BTreeMap<String, String>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

/// A JSON merge patch (RFC 7386) of `patch` onto `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match patch.as_object() {
        Some(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            if let Some(t) = target.as_object_mut() {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        None => *target = patch.clone(),
    }
}

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let format = super::output_format(flags)?;
    let (before, after) = split_at_dash(flags);
    let mut words: Vec<String> = before.clone();
    words.extend(after.iter().cloned());
    let Some(name) = words.first().cloned() else {
        return Err(CmdError::msg("NAME is required for run"));
    };
    let arguments: Vec<String> = words.iter().skip(1).cloned().collect();
    let image = flags.string("image");
    if image.is_empty() {
        return Err(CmdError::msg("--image is required"));
    }
    let interactive = flags.bool("stdin");
    let tty = flags.bool("tty");
    if tty && !interactive {
        return Err(CmdError::msg(
            "-i/--stdin is required for containers with -t/--tty=true",
        ));
    }
    let expose = flags.bool("expose");
    let port = flags.string("port");
    if expose && port.is_empty() {
        return Err(CmdError::msg("--port must be set when exposing a service"));
    }
    let port_no: Option<i64> = if port.is_empty() {
        None
    } else {
        Some(port.parse().map_err(|_| CmdError::msg("--port must be a number"))?)
    };
    let attach = flags.bool("attach") || interactive;
    if flags.bool("rm") && !attach {
        return Err(CmdError::msg("--rm should only be used for attached containers"));
    }
    let dry_run = DryRun::from_flags(ctx, flags)?;
    if attach && dry_run != DryRun::None {
        return Err(CmdError::msg(
            "--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)",
        ));
    }
    if attach {
        return Err(CmdError::msg(
            "kubeplay cannot attach to containers (-i, -t, --attach, --rm): run the pod without them and use 'kubectl get' or 'kubectl describe'",
        ));
    }
    let restart = flags.string("restart");
    let restart = if restart.is_empty() {
        "Always".to_string()
    } else {
        restart
    };
    if !["Always", "OnFailure", "Never"].contains(&restart.as_str()) {
        return Err(CmdError::msg(format!(
            "invalid restart policy: {restart}, valid values are: Always, OnFailure, Never"
        )));
    }
    let pull = flags.string("image-pull-policy");
    if !pull.is_empty() && !["Always", "IfNotPresent", "Never"].contains(&pull.as_str()) {
        return Err(CmdError::msg(format!(
            "invalid image pull policy: {pull}, valid values are: Always, IfNotPresent, Never"
        )));
    }
    let user_labels = parse_labels(&flags.string("labels"))?;
    let envs = parse_envs(&flags.strings("env"))?;
    let mut annotations = BTreeMap::new();
    for a in flags.strings("annotations") {
        let (k, v) = a.split_once('=').unwrap_or((a.as_str(), ""));
        annotations.insert(k.to_string(), v.to_string());
    }
    let labels = if user_labels.is_empty() {
        let mut m = BTreeMap::new();
        m.insert("run".to_string(), name.clone());
        m
    } else {
        user_labels.clone()
    };
    let mut container = json!({"name": name, "image": image, "resources": {}});
    if !envs.is_empty() {
        container["env"] = json!(envs);
    }
    if !pull.is_empty() {
        container["imagePullPolicy"] = json!(pull);
    }
    if flags.bool("privileged") {
        container["securityContext"] = json!({"privileged": true});
    }
    if !arguments.is_empty() {
        let key = if flags.bool("command") { "command" } else { "args" };
        container[key] = json!(arguments);
    }
    if let Some(p) = port_no {
        container["ports"] = json!([{"containerPort": p}]);
    }
    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    meta.insert("labels".into(), to_map(&labels));
    if !annotations.is_empty() {
        meta.insert("annotations".into(), to_map(&annotations));
    }
    let mut pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {"containers": [container], "dnsPolicy": "ClusterFirst", "restartPolicy": restart},
        "status": {}
    });
    let overrides = flags.string("overrides");
    if !overrides.is_empty() {
        let patch: Value = serde_json::from_str(&overrides)
            .map_err(|e| CmdError::msg(format!("error: unable to parse {overrides}: {e}")))?;
        merge_patch(&mut pod, &patch);
    }
    let mut objects = vec![(pod, "pods")];
    if expose {
        let p = port_no.unwrap_or(0);
        let mut smeta = Map::new();
        smeta.insert("name".into(), json!(name));
        if !user_labels.is_empty() {
            smeta.insert("labels".into(), to_map(&user_labels));
        }
        let svc = json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": smeta,
            "spec": {"selector": to_map(&labels), "ports": [{"port": p, "protocol": "TCP", "targetPort": p}]},
            "status": {"loadBalancer": {}}
        });
        objects.push((svc, "services"));
    }
    let mut created = Vec::new();
    let mut errs = Vec::new();
    for (i, (mut obj, plural)) in objects.into_iter().enumerate() {
        if dry_run == DryRun::Client {
            if ctx.explicit_namespace {
                if let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
                    m.insert("namespace".into(), json!(ctx.namespace));
                }
            }
            created.push(obj);
            continue;
        }
        crate::cmd::create::save_config(&mut obj, flags);
        let path = format!("/api/v1/namespaces/{}/{plural}", ctx.namespace);
        let req = write_params(ApiRequest::post(path, obj), dry_run, "kubectl-run", false);
        match ctx.request(req) {
            Ok(o) => created.push(o),
            Err(e) if i == 0 => return Err(CmdError::Api(e)),
            Err(e) => errs.push(CmdError::Api(e)),
        }
    }
    for obj in &created {
        print_result(ctx, obj, &format, "created", dry_run)?;
    }
    CmdError::aggregate(errs)
}
