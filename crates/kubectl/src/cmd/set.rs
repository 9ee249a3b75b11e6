//! `kubectl set image|env|resources|selector|serviceaccount` (k8s.io/kubectl/pkg/cmd/set):
//! change pod templates (or a Service's selector) locally (`--local -f`) or on the server
//! with a strategic merge patch computed from the change.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result_typed as print_result, DryRun};
use crate::resource::{map_file_object_local, read_files, Builder, Item};
use apimachinery::request::PatchType;
use apimachinery::{ApiRequest, GroupVersionKind};
use serde_json::{json, Map, Value};

/// Adds what a Go typed round trip shows for empty structs, so printed objects match
/// kubectl's (which converts to the typed object before printing).
pub fn typed_roundtrip(obj: &mut Value) {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
    let Some(o) = obj.as_object_mut() else { return };
    let template_path: &[&str] = match kind.as_str() {
        "Pod" => &[],
        "Deployment" | "ReplicaSet" | "ReplicationController" | "DaemonSet" | "StatefulSet" | "Job" => &["template"],
        "CronJob" => &["jobTemplate", "spec", "template"],
        _ => return,
    };
    if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("creationTimestamp");
    }
    let spec = o.entry("spec").or_insert_with(|| json!({}));
    if kind == "Deployment" {
        if let Some(s) = spec.as_object_mut() {
            s.entry("strategy").or_insert_with(|| json!({}));
        }
    }
    let mut cur = spec;
    for p in template_path {
        let Some(next) = cur
            .as_object_mut()
            .map(|m| m.entry(p.to_string()).or_insert_with(|| json!({})))
        else {
            return;
        };
        cur = next;
    }
    if kind == "Pod" {
        normalize_containers(cur);
    } else if let Some(t) = cur.as_object_mut() {
        t.entry("metadata").or_insert_with(|| json!({}));
        if let Some(ps) = t.get_mut("spec") {
            normalize_containers(ps);
        }
    }
    if kind == "Deployment" || kind == "Pod" || kind == "Job" || kind == "CronJob" {
        o.entry("status").or_insert_with(|| json!({}));
    }
}

fn normalize_containers(pod_spec: &mut Value) {
    for key in ["containers", "initContainers"] {
        for c in pod_spec
            .get_mut(key)
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            if let Some(c) = c.as_object_mut() {
                c.entry("resources").or_insert_with(|| json!({}));
            }
        }
    }
}

/// The pod spec inside an object, if it has one.
fn pod_spec_mut(obj: &mut Value) -> Option<&mut Value> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
    match kind.as_str() {
        "Pod" => obj.get_mut("spec"),
        "Deployment" | "ReplicaSet" | "ReplicationController" | "DaemonSet" | "StatefulSet" | "Job" => {
            obj.pointer_mut("/spec/template/spec")
        }
        "CronJob" => obj.pointer_mut("/spec/jobTemplate/spec/template/spec"),
        _ => None,
    }
}

/// Items from `--local -f` files or from the server.
fn items(ctx: &mut Ctx<'_>, flags: &Parsed, resources: &[String]) -> CmdResult<Vec<CmdResult<Item>>> {
    let filenames = flags.strings("filename");
    if flags.bool("local") {
        if !resources.is_empty() || filenames.is_empty() {
            return Err(CmdError::msg("you must specify resources by --filename when --local is set.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'"));
        }
        let objs = read_files(ctx, &filenames, flags.bool("recursive"))?;
        return Ok(objs.iter().map(|fo| map_file_object_local(ctx, fo)).collect());
    }
    let builder = Builder {
        filenames,
        recursive: flags.bool("recursive"),
        args: resources.to_vec(),
        selector: flags.string("selector"),
        field_selector: String::new(),
        all: flags.bool("all"),
        latest: true,
        require_names: false,
        require_object: true,
    };
    builder.run(ctx)
}

/// Resources before `KEY=VALUE` pairs (cmdutil.GetResourcesAndPairs).
fn split_pairs(args: &[String], what: &str) -> CmdResult<(Vec<String>, Vec<String>)> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for s in args {
        let pair = (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-");
        if pair {
            pairs.push(s.clone());
        } else if !pairs.is_empty() {
            return Err(CmdError::msg(format!(
                "all resources must be specified before {what} changes: {s}"
            )));
        } else {
            resources.push(s.clone());
        }
    }
    Ok((resources, pairs))
}

/// Applies `change` to every item and prints/patches as the set commands do. `change`
/// returns per-object error messages (already in upstream form).
fn apply_change(
    ctx: &mut Ctx<'_>,
    flags: &Parsed,
    resources: &[String],
    operation: &str,
    change: &mut dyn FnMut(&mut Value) -> Result<(), Vec<CmdError>>,
) -> CmdResult {
    let format = super::output_format(flags)?;
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let local = flags.bool("local");
    if local && dry_run == DryRun::Server {
        return Err(CmdError::msg(
            "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
        ));
    }
    let mut errs = Vec::new();
    for item in items(ctx, flags, resources)? {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let mut original = item.object.clone().unwrap_or(Value::Null);
        typed_roundtrip(&mut original);
        let mut modified = original.clone();
        if let Err(mut e) = change(&mut modified) {
            errs.append(&mut e);
            continue;
        }
        if modified == original {
            continue;
        }
        if local || dry_run == DryRun::Client {
            print_result(ctx, &modified, &format, operation, dry_run)?;
            continue;
        }
        let gvk = GroupVersionKind::new(&item.info.group, &item.info.version, &item.info.kind);
        let patch = api::strategic_merge::two_way(&gvk, &original, &modified).map_err(CmdError::msg)?;
        let req = dry_run
            .apply(ApiRequest::patch(item.path(), PatchType::StrategicMerge, patch))
            .with_query("fieldManager", "kubectl-set");
        match ctx.request(req) {
            Ok(actual) => print_result(ctx, &actual, &format, operation, dry_run)?,
            Err(e) => errs.push(CmdError::msg(format!(
                "failed to patch {operation_noun} update to pod template: {}",
                e.message(),
                operation_noun = operation.trim_end_matches(" updated")
            ))),
        }
    }
    CmdError::aggregate(errs)
}

/// RFC 7386 patch turning `from` into `to` (jsonpatch.CreateMergePatch).
pub fn create_merge_patch(from: &Value, to: &Value) -> Value {
    match (from.as_object(), to.as_object()) {
        (Some(f), Some(t)) => {
            let mut out = Map::new();
            for (k, v) in f {
                match t.get(k) {
                    None => {
                        out.insert(k.clone(), Value::Null);
                    }
                    Some(tv) if tv != v => {
                        out.insert(k.clone(), create_merge_patch(v, tv));
                    }
                    _ => {}
                }
            }
            for (k, v) in t {
                if !f.contains_key(k) {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(out)
        }
        _ => to.clone(),
    }
}

fn no_pod_template(obj: &Value) -> CmdError {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    CmdError::msg(format!(
        "error: {}/{name} the object is not a pod or does not have a pod template: *v1.{kind}\n",
        kind.to_ascii_lowercase()
    ))
}

pub fn image(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let (resources, pairs) = split_pairs(&flags.args, "image")?;
    let mut images: Vec<(String, String)> = Vec::new();
    for p in &pairs {
        if let Some((n, i)) = p.split_once('=') {
            images.push((n.to_string(), i.to_string()));
        }
    }
    if flags.bool("all") && !flags.string("selector").is_empty() {
        return Err(CmdError::msg("cannot set --all and --selector at the same time"));
    }
    if !flags.bool("local") && resources.is_empty() && flags.strings("filename").is_empty() {
        return Err(CmdError::msg(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    if images.is_empty() && !flags.bool("local") {
        return Err(CmdError::msg("at least one image update is required"));
    }
    if images.len() > 1 && images.iter().any(|(n, _)| n == "*") {
        return Err(CmdError::msg(
            "all containers are already specified by *, but saw more than one container_name=container_image pairs",
        ));
    }
    apply_change(ctx, flags, &resources, "image updated", &mut |obj: &mut Value| {
        let snapshot = obj.clone();
        let Some(spec) = pod_spec_mut(obj) else {
            return Err(vec![no_pod_template(&snapshot)]);
        };
        let mut errs = Vec::new();
        for (name, img) in &images {
            let mut found = false;
            for key in ["initContainers", "containers"] {
                for c in spec.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten() {
                    if name == "*" || c.get("name").and_then(Value::as_str) == Some(name) {
                        if let Some(m) = c.as_object_mut() {
                            m.insert("image".into(), json!(img));
                            found = true;
                        }
                    }
                }
            }
            if !found {
                errs.push(CmdError::msg(format!(
                    "error: unable to find container named \"{name}\""
                )));
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs)
        }
    })
}

/// A shell-style glob with `*` only, as set's container selector uses.
fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let mut rest = name;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else { return false };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(idx) => rest = rest.get(idx + part.len()..).unwrap_or(""),
                None => return false,
            }
        }
    }
    true
}

pub fn env(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let (resources, mut pairs) = split_pairs(&flags.args, "environment")?;
    pairs.extend(flags.strings("env"));
    if flags.bool("all") && !flags.string("selector").is_empty() {
        return Err(CmdError::msg("cannot set --all and --selector at the same time"));
    }
    if !flags.bool("local") && resources.is_empty() && flags.strings("filename").is_empty() {
        return Err(CmdError::msg(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    if flags.bool("list") && !flags.string("output").is_empty() {
        return Err(CmdError::msg("--list and --output may not be specified together"));
    }
    if !flags.string("from").is_empty() {
        return Err(CmdError::msg("--from is not supported by kubeplay yet"));
    }
    let mut add: Vec<(String, String)> = Vec::new();
    let mut remove: Vec<String> = Vec::new();
    for p in &pairs {
        if let Some((k, v)) = p.split_once('=') {
            match add.iter_mut().find(|(n, _)| n == k) {
                Some(e) => e.1 = v.to_string(),
                None => add.push((k.to_string(), v.to_string())),
            }
        } else if let Some(k) = p.strip_suffix('-') {
            remove.push(k.to_string());
        }
    }
    if add.is_empty() && remove.is_empty() && !flags.bool("list") {
        return Err(CmdError::msg("at least one environment variable must be provided"));
    }
    let containers = flags.string("containers");
    let containers = if containers.is_empty() {
        "*".to_string()
    } else {
        containers
    };
    let overwrite = flags.bool("overwrite");
    if flags.bool("list") {
        let mut out = String::new();
        for item in items(ctx, flags, &resources)? {
            let item = item?;
            let mut obj = item.object.clone().unwrap_or(Value::Null);
            let kind = obj
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_ascii_lowercase();
            let name = item.name.clone();
            if let Some(spec) = pod_spec_mut(&mut obj) {
                for c in spec.get("containers").and_then(Value::as_array).into_iter().flatten() {
                    let cname = c.get("name").and_then(Value::as_str).unwrap_or("");
                    if !glob_match(&containers, cname) {
                        continue;
                    }
                    out.push_str(&format!("# {kind}s {name}, container {cname}\n"));
                    for e in c.get("env").and_then(Value::as_array).into_iter().flatten() {
                        let n = e.get("name").and_then(Value::as_str).unwrap_or("");
                        match e.get("value").and_then(Value::as_str) {
                            Some(v) => out.push_str(&format!("{n}={v}\n")),
                            None if e.get("valueFrom").is_some() => out.push_str(&format!("# {n} from a reference\n")),
                            None => out.push_str(&format!("{n}=\n")),
                        }
                    }
                }
            }
        }
        ctx.stdout(out);
        return Ok(());
    }
    apply_change(ctx, flags, &resources, "env updated", &mut |obj: &mut Value| {
        let snapshot = obj.clone();
        let Some(spec) = pod_spec_mut(obj) else {
            return Err(vec![no_pod_template(&snapshot)]);
        };
        for key in ["initContainers", "containers"] {
            for c in spec.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten() {
                let cname = c.get("name").and_then(Value::as_str).unwrap_or("").to_string();
                if !glob_match(&containers, &cname) {
                    continue;
                }
                let Some(cm) = c.as_object_mut() else { continue };
                let mut env: Vec<Value> = cm.get("env").and_then(Value::as_array).cloned().unwrap_or_default();
                for (k, v) in &add {
                    match env
                        .iter_mut()
                        .find(|e| e.get("name").and_then(Value::as_str) == Some(k))
                    {
                        Some(e) => {
                            if !overwrite {
                                let cur = e.get("value").and_then(Value::as_str).unwrap_or("").to_string();
                                return Err(vec![CmdError::msg(format!(
                                    "'{k}' already has a value ({cur}), and --overwrite is false"
                                ))]);
                            }
                            *e = json!({"name": k, "value": v});
                        }
                        None => env.push(json!({"name": k, "value": v})),
                    }
                }
                env.retain(|e| !remove.iter().any(|r| e.get("name").and_then(Value::as_str) == Some(r)));
                if env.is_empty() {
                    cm.remove("env");
                } else {
                    cm.insert("env".into(), json!(env));
                }
            }
        }
        Ok(())
    })
}

fn parse_resource_list(spec: &str) -> CmdResult<Map<String, Value>> {
    let mut out = Map::new();
    if spec.is_empty() {
        return Ok(out);
    }
    for stmt in spec.split(',') {
        let parts: Vec<&str> = stmt.split('=').collect();
        let [k, v] = parts.as_slice() else {
            return Err(CmdError::msg(format!(
                "invalid argument syntax {stmt}, expected <resource>=<value>"
            )));
        };
        let q = apimachinery::quantity::Quantity::parse(v).map_err(|e| CmdError::msg(e.to_string()))?;
        out.insert(k.to_string(), json!(q.to_string()));
    }
    Ok(out)
}

pub fn resources(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let resources = flags.args.clone();
    if flags.bool("all") && !flags.string("selector").is_empty() {
        return Err(CmdError::msg("cannot set --all and --selector at the same time"));
    }
    let limits = parse_resource_list(&flags.string("limits"))?;
    let requests = parse_resource_list(&flags.string("requests"))?;
    if limits.is_empty() && requests.is_empty() {
        return Err(CmdError::msg(
            "you must specify an update to requests or limits (in the form of --requests/--limits)",
        ));
    }
    let containers = flags.string("containers");
    let containers = if containers.is_empty() {
        "*".to_string()
    } else {
        containers
    };
    apply_change(
        ctx,
        flags,
        &resources,
        "resource requirements updated",
        &mut |obj: &mut Value| {
            let snapshot = obj.clone();
            let Some(spec) = pod_spec_mut(obj) else {
                return Err(vec![no_pod_template(&snapshot)]);
            };
            let mut found = false;
            for key in ["initContainers", "containers"] {
                for c in spec.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten() {
                    let cname = c.get("name").and_then(Value::as_str).unwrap_or("").to_string();
                    if !glob_match(&containers, &cname) {
                        continue;
                    }
                    found = true;
                    let res = c
                        .as_object_mut()
                        .map(|m| m.entry("resources").or_insert_with(|| json!({})));
                    let Some(res) = res.and_then(Value::as_object_mut) else {
                        continue;
                    };
                    for (field, list) in [("limits", &limits), ("requests", &requests)] {
                        if list.is_empty() {
                            continue;
                        }
                        let entry = res.entry(field).or_insert_with(|| json!({}));
                        if let Some(m) = entry.as_object_mut() {
                            for (k, v) in list.iter() {
                                m.insert(k.clone(), v.clone());
                            }
                        }
                    }
                }
            }
            if !found {
                return Err(vec![CmdError::msg(format!(
                    "error: unable to find container named {containers}"
                ))]);
            }
            Ok(())
        },
    )
}

pub fn selector(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let local = flags.bool("local");
    let (resources, expr) = if local || !flags.strings("filename").is_empty() {
        (Vec::new(), flags.args.first().cloned())
    } else {
        match flags.args.as_slice() {
            [] | [_] => (flags.args.clone(), None),
            [rest @ .., last] => (rest.to_vec(), Some(last.clone())),
        }
    };
    let Some(expr) = expr else {
        return Err(CmdError::msg("one selector is required"));
    };
    let mut selector = Map::new();
    for part in expr.split(',').filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(CmdError::msg(format!("unexpected label spec: {part}")));
        };
        selector.insert(k.trim_end_matches('=').to_string(), json!(v));
    }
    apply_change(ctx, flags, &resources, "selector updated", &mut |obj: &mut Value| {
        if obj.get("kind").and_then(Value::as_str) != Some("Service") {
            return Err(vec![CmdError::msg("setting a selector is only supported for Services")]);
        }
        if let Some(spec) = obj.get_mut("spec").and_then(Value::as_object_mut) {
            spec.insert("selector".into(), Value::Object(selector.clone()));
        }
        Ok(())
    })
}

pub fn serviceaccount(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let local = flags.bool("local");
    let (resources, sa) = if local || !flags.strings("filename").is_empty() {
        (Vec::new(), flags.args.first().cloned())
    } else {
        match flags.args.as_slice() {
            [] | [_] => (flags.args.clone(), None),
            [rest @ .., last] => (rest.to_vec(), Some(last.clone())),
        }
    };
    let Some(sa) = sa else {
        return Err(CmdError::usage(&ctx.command_path, "serviceaccount is required"));
    };
    apply_change(
        ctx,
        flags,
        &resources,
        "serviceaccount updated",
        &mut |obj: &mut Value| {
            let snapshot = obj.clone();
            let Some(spec) = pod_spec_mut(obj).and_then(Value::as_object_mut) else {
                return Err(vec![no_pod_template(&snapshot)]);
            };
            spec.insert("serviceAccountName".into(), json!(sa));
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_globs_match_like_filepath_match() {
        assert!(glob_match("*", "nginx"));
        assert!(glob_match("ng*", "nginx"));
        assert!(glob_match("*x", "nginx"));
        assert!(!glob_match("side", "nginx"));
    }

    #[test]
    fn typed_round_trip_adds_empty_structs() {
        let mut d = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}});
        typed_roundtrip(&mut d);
        assert_eq!(d["spec"]["strategy"], json!({}));
        assert_eq!(d["spec"]["template"]["metadata"], json!({}));
        assert_eq!(d["spec"]["template"]["spec"]["containers"][0]["resources"], json!({}));
        assert_eq!(d["status"], json!({}));
    }
}
