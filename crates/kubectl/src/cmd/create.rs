//! `kubectl create -f` and the `kubectl create <kind>` generators
//! (k8s.io/kubectl/pkg/cmd/create): each builds the object exactly as upstream's typed
//! structs serialise (empty structs such as `resources: {}` and `status: {}` included), then
//! creates it (or not, with `--dry-run=client`) and prints it.

use super::{exactly_one_name, output_format, split_at_dash};
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, print_result_typed, DryRun};
use crate::resource::{map_file_object, read_files, with_source};
use apimachinery::ApiRequest;
use base64::Engine;
use serde_json::{json, Map, Value};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Query parameters kubectl adds to writes (url.Values encodes them sorted by key).
pub fn write_params(req: ApiRequest, dry_run: DryRun, field_manager: &str, validate: bool) -> ApiRequest {
    let mut req = dry_run.apply(req);
    req = req.with_query("fieldManager", field_manager);
    if validate {
        req = req.with_query("fieldValidation", "Strict");
    }
    req
}

/// `--validate` as kubectl reads it: strict/true → Strict, warn → Warn, ignore/false → none.
fn validation_directive(flags: &Parsed) -> CmdResult<Option<&'static str>> {
    match flags.string("validate").to_ascii_lowercase().as_str() {
        "" | "strict" | "true" => Ok(Some("Strict")),
        "warn" => Ok(Some("Warn")),
        "ignore" | "false" => Ok(None),
        other => Err(CmdError::msg(format!(
            "invalid - validate option \"{other}\"; must be one of: strict (or true), warn, ignore (or false)"
        ))),
    }
}

/// Adds the last-applied annotation when `--save-config` is set (CreateOrUpdateAnnotation)
/// to a typed object (generators, run, expose): Go struct order, no empty annotations map.
pub fn save_config(obj: &mut Value, flags: &Parsed) {
    if !flags.bool("save-config") {
        return;
    }
    let mut copy = obj.clone();
    if let Some(m) = copy.get_mut("metadata").and_then(Value::as_object_mut) {
        if let Some(a) = m.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove(LAST_APPLIED);
        }
        if m.get("annotations")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            m.remove("annotations");
        }
    }
    let text = crate::gojson::to_json_typed(&copy, "") + "\n";
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        let ann = meta.entry("annotations").or_insert_with(|| json!({}));
        if let Some(a) = ann.as_object_mut() {
            a.insert(LAST_APPLIED.to_string(), Value::String(text));
        }
    }
}

/// `--save-config` for unstructured objects read from files (`create -f`, `replace -f`).
pub fn save_config_unstructured(obj: &mut Value, flags: &Parsed) {
    if flags.bool("save-config") {
        set_last_applied(obj);
    }
}

/// Sets `kubectl.kubernetes.io/last-applied-configuration` to the object's JSON (without the
/// annotation itself), as kubectl's apply and `--save-config` do.
pub fn set_last_applied(obj: &mut Value) {
    // GetModifiedConfiguration: the object without the annotation, but with an (empty)
    // annotations map, as upstream's SetAnnotations leaves it.
    let mut copy = obj.clone();
    if let Some(m) = copy.get_mut("metadata").and_then(Value::as_object_mut) {
        let a = m.entry("annotations").or_insert_with(|| json!({}));
        if let Some(a) = a.as_object_mut() {
            a.remove(LAST_APPLIED);
        }
    }
    let text = apimachinery::yaml::to_json_compact(&copy) + "\n";
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        let ann = meta.entry("annotations").or_insert_with(|| json!({}));
        if let Some(a) = ann.as_object_mut() {
            a.insert(LAST_APPLIED.to_string(), Value::String(text));
        }
    }
}

/// The REST collection path for a built-in generator's resource.
fn collection(api_version: &str, plural: &str, namespace: Option<&str>) -> String {
    let base = if api_version.contains('/') {
        format!("/apis/{api_version}")
    } else {
        format!("/api/{api_version}")
    };
    match namespace {
        Some(ns) => format!("{base}/namespaces/{ns}/{plural}"),
        None => format!("{base}/{plural}"),
    }
}

/// Creates a generated object (unless client dry run) and prints it. `wrap` is upstream's
/// `failed to create X: ` prefix, where the generator has one.
fn finish(
    ctx: &mut Ctx<'_>,
    flags: &Parsed,
    mut obj: Value,
    plural: &str,
    namespaced: bool,
    wrap: Option<&str>,
) -> CmdResult {
    let format = output_format(flags)?;
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let validate = validation_directive(flags)?;
    save_config(&mut obj, flags);
    if dry_run != DryRun::Client {
        let api_version = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("v1")
            .to_string();
        let ns = ctx.namespace.clone();
        let path = collection(&api_version, plural, namespaced.then_some(ns.as_str()));
        let manager = flags.string("field-manager");
        let manager = if manager.is_empty() {
            "kubectl-create".to_string()
        } else {
            manager
        };
        let req = write_params(
            ApiRequest::post(path, obj.clone()),
            dry_run,
            &manager,
            validate.is_some(),
        );
        match ctx.request(req) {
            Ok(created) => obj = created,
            Err(e) => {
                return Err(match wrap {
                    Some(prefix) => CmdError::msg(format!("{prefix}{}", e.message())),
                    None => CmdError::Api(e),
                })
            }
        }
    }
    print_result_typed(ctx, &obj, &format, "created", dry_run)
}

/// metadata with the name, the namespace when `-n` was given, and extra fields.
fn meta(ctx: &Ctx<'_>, name: &str, namespaced: bool) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if namespaced && ctx.explicit_namespace {
        m.insert("namespace".into(), json!(ctx.namespace));
    }
    m
}

/// Container name from an image reference, as `create deployment` derives it.
fn container_name_for_image(image: &str, taken: &[String]) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let name = last.split(':').next().unwrap_or(last);
    let name = name.split('@').next().unwrap_or(name).replace('_', "-");
    if !taken.contains(&name) {
        return name;
    }
    // Upstream appends 5 random characters; ours are derived from the position.
    let mut i = taken.len();
    loop {
        let candidate = format!("{name}-{}", pseudo_suffix(i));
        if !taken.contains(&candidate) {
            return candidate;
        }
        i += 1;
    }
}

/// Five characters from utilrand's alphabet (no vowels or confusable digits), deterministic.
fn pseudo_suffix(seed: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut x = (seed as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut s = String::new();
    for _ in 0..5 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let idx = ((x >> 33) % ALPHABET.len() as u64) as usize;
        s.push(char::from(*ALPHABET.get(idx).unwrap_or(&b'x')));
    }
    s
}

// ---------------------------------------------------------------------------------------
// create -f

pub fn run_from_files(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let filenames = flags.strings("filename");
    if filenames.is_empty() {
        if !flags.args.is_empty() {
            return Err(CmdError::usage(
                &ctx.command_path,
                format!("Unexpected args: [{}]", flags.args.join(" ")),
            ));
        }
        return Err(CmdError::msg("must specify one of -f and -k"));
    }
    if !flags.args.is_empty() {
        return Err(CmdError::usage(
            &ctx.command_path,
            format!("Unexpected args: [{}]", flags.args.join(" ")),
        ));
    }
    let format = output_format(flags)?;
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let validate = validation_directive(flags)?;
    let objects = read_files(ctx, &filenames, flags.bool("recursive"))?;
    let mut errs = Vec::new();
    let mut count = 0;
    for fo in &objects {
        let item = match map_file_object(ctx, fo) {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let mut obj = item.object.clone().unwrap_or(Value::Null);
        save_config_unstructured(&mut obj, flags);
        if dry_run != DryRun::Client {
            let manager = flags.string("field-manager");
            let manager = if manager.is_empty() {
                "kubectl-create".to_string()
            } else {
                manager
            };
            let req = write_params(
                ApiRequest::post(item.collection_path(), obj.clone()),
                dry_run,
                &manager,
                validate.is_some(),
            );
            match ctx.request(req) {
                Ok(created) => obj = created,
                Err(e) => {
                    errs.push(with_source(CmdError::Api(e), "creating", &fo.source));
                    continue;
                }
            }
        }
        count += 1;
        if format == "yaml" && count > 1 {
            ctx.stdout("---\n");
        }
        print_result(ctx, &obj, &format, "created", dry_run)?;
    }
    if !errs.is_empty() {
        return CmdError::aggregate(errs);
    }
    if count == 0 {
        return Err(CmdError::msg("no objects passed to create"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// workloads

pub fn deployment(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let images = flags.strings("image");
    let (_, command) = split_at_dash(flags);
    if images.len() > 1 && !command.is_empty() {
        return Err(CmdError::msg("cannot specify multiple --image options and command"));
    }
    let labels = json!({"app": name});
    let mut containers = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for image in &images {
        let cname = container_name_for_image(image, &taken);
        taken.push(cname.clone());
        let mut c = json!({"name": cname, "image": image, "resources": {}});
        if !command.is_empty() {
            c["command"] = json!(command);
        }
        containers.push(c);
    }
    let port = flags.int("port");
    if port >= 0 {
        if let Some(first) = containers.first_mut() {
            first["ports"] = json!([{"containerPort": port}]);
        }
    }
    let mut m = meta(ctx, &name, true);
    m.insert("labels".into(), labels.clone());
    let obj = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": m,
        "spec": {
            "replicas": flags.int("replicas"),
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": containers}},
            "strategy": {}
        },
        "status": {}
    });
    finish(
        ctx,
        flags,
        obj,
        "deployments",
        true,
        Some("failed to create deployment: "),
    )
}

/// A Job from `--image` (and a command after `--`) or from `--from=cronjob/NAME`.
pub fn job(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let image = flags.string("image");
    let from = flags.string("from");
    let (_, command) = split_at_dash(flags);
    if image.is_empty() && from.is_empty() {
        return Err(CmdError::msg("either --image or --from must be specified"));
    }
    if !from.is_empty() && !command.is_empty() {
        return Err(CmdError::msg("cannot specify --from and command"));
    }
    let obj = if from.is_empty() {
        let mut c = json!({"name": name, "image": image, "resources": {}});
        if !command.is_empty() {
            c["command"] = json!(command);
        }
        json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": meta(ctx, &name, true),
            "spec": {"template": {"metadata": {}, "spec": {"containers": [c], "restartPolicy": "Never"}}},
            "status": {}
        })
    } else {
        let (ty, cj_name) = from.split_once('/').unwrap_or((from.as_str(), ""));
        let info = ctx.resolve(ty)?;
        if info.kind != "CronJob" || cj_name.is_empty() {
            return Err(CmdError::msg("from must be an existing cronjob"));
        }
        let ns = ctx.namespace.clone();
        let cj = ctx.get(crate::discovery::resource_path(&info, Some(&ns), Some(cj_name)))?;
        job_from_cronjob(ctx, &name, &cj)
    };
    finish(ctx, flags, obj, "jobs", true, Some("failed to create job: "))
}

fn job_from_cronjob(ctx: &Ctx<'_>, name: &str, cj: &Value) -> Value {
    let template = cj.pointer("/spec/jobTemplate").cloned().unwrap_or(json!({}));
    let mut annotations = Map::new();
    annotations.insert("cronjob.kubernetes.io/instantiate".into(), json!("manual"));
    if let Some(a) = template.pointer("/metadata/annotations").and_then(Value::as_object) {
        for (k, v) in a {
            annotations.insert(k.clone(), v.clone());
        }
    }
    let mut m = meta(ctx, name, true);
    m.insert("annotations".into(), Value::Object(annotations));
    if let Some(l) = template
        .pointer("/metadata/labels")
        .filter(|l| l.as_object().is_some_and(|o| !o.is_empty()))
    {
        m.insert("labels".into(), l.clone());
    }
    let get = |p: &str| cj.pointer(p).cloned().unwrap_or(Value::Null);
    m.insert(
        "ownerReferences".into(),
        json!([{
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "name": get("/metadata/name"),
            "uid": get("/metadata/uid"),
            "controller": true
        }]),
    );
    let mut spec = template.get("spec").cloned().unwrap_or(json!({}));
    normalize_pod_template(spec.get_mut("template"));
    json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": m, "spec": spec, "status": {}})
}

/// What a Go typed round trip adds to a pod template: `metadata: {}` and `resources: {}`.
pub fn normalize_pod_template(template: Option<&mut Value>) {
    let Some(t) = template.and_then(Value::as_object_mut) else {
        return;
    };
    t.entry("metadata").or_insert_with(|| json!({}));
    if let Some(spec) = t.get_mut("spec").and_then(Value::as_object_mut) {
        for key in ["containers", "initContainers"] {
            for c in spec.get_mut(key).and_then(Value::as_array_mut).into_iter().flatten() {
                if let Some(c) = c.as_object_mut() {
                    c.entry("resources").or_insert_with(|| json!({}));
                }
            }
        }
    }
}

pub fn cronjob(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let (_, command) = split_at_dash(flags);
    let restart = flags.string("restart");
    let restart = if restart.is_empty() {
        "OnFailure".to_string()
    } else {
        restart
    };
    let mut c = json!({"name": name, "image": flags.string("image"), "resources": {}});
    if !command.is_empty() {
        c["command"] = json!(command);
    }
    let mut job_meta = Map::new();
    job_meta.insert("name".into(), json!(name));
    if ctx.explicit_namespace {
        job_meta.insert("namespace".into(), json!(ctx.namespace));
    }
    let obj = json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": meta(ctx, &name, true),
        "spec": {
            "schedule": flags.string("schedule"),
            "jobTemplate": {
                "metadata": job_meta,
                "spec": {"template": {"metadata": {}, "spec": {"containers": [c], "restartPolicy": restart}}}
            }
        },
        "status": {}
    });
    finish(ctx, flags, obj, "cronjobs", true, Some("failed to create cronjob: "))
}

// ---------------------------------------------------------------------------------------
// namespace, service account, configmap, secrets

pub fn namespace(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    if name.is_empty() {
        return Err(CmdError::msg("name must be specified"));
    }
    let obj = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "spec": {}, "status": {}});
    finish(ctx, flags, obj, "namespaces", false, None)
}

pub fn serviceaccount(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    if name.is_empty() {
        return Err(CmdError::msg("name must be specified"));
    }
    let obj = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(ctx, &name, true)});
    finish(
        ctx,
        flags,
        obj,
        "serviceaccounts",
        true,
        Some("failed to create serviceaccount: "),
    )
}

/// IsConfigMapKey's messages.
fn config_key_errors(key: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if key.len() > 253 {
        errs.push(apimachinery::validation::max_len_error(253));
    }
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        errs.push(apimachinery::validation::regex_error(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
            "[-._a-zA-Z0-9]+",
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    if key == "." {
        errs.push("must not be '.'".to_string());
    } else if key == ".." {
        errs.push("must not be '..'".to_string());
    } else if key.starts_with("..") {
        errs.push("must not start with '..'".to_string());
    }
    errs
}

/// IsEnvVarName's message (env files).
fn env_var_name_errors(key: &str) -> Vec<String> {
    let first_ok = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || "-._".contains(c));
    let rest_ok = key.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
    let mut errs = Vec::new();
    if !(first_ok && rest_ok) {
        errs.push(apimachinery::validation::regex_error(
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
            "[-._a-zA-Z][-._a-zA-Z0-9]*",
            &["my.env-name", "MY_ENV.NAME", "MyEnvName1"],
        ));
    }
    if key == "." {
        errs.push("must not be '.'".to_string());
    } else if key == ".." {
        errs.push("must not be '..'".to_string());
    } else if key.starts_with("..") {
        errs.push("must not start with '..'".to_string());
    }
    errs
}

/// Key/value pairs from `--from-literal`, `--from-file` and `--from-env-file`, in order.
fn collect_sources(ctx: &mut Ctx<'_>, flags: &Parsed, env_dir_err: &str) -> CmdResult<Vec<(String, String)>> {
    let literals = flags.strings("from-literal");
    let files = flags.strings("from-file");
    let env_files = flags.strings("from-env-file");
    if !env_files.is_empty() && (!files.is_empty() || !literals.is_empty()) {
        return Err(CmdError::msg(
            "from-env-file cannot be combined with from-file or from-literal",
        ));
    }
    let mut out = Vec::new();
    for src in &files {
        let (key, path) = parse_file_source(src)?;
        match ctx.host.list_dir(&path) {
            Ok(Some(entries)) => {
                if !key.is_empty() && src.contains('=') {
                    return Err(CmdError::msg("cannot give a key name for a directory path"));
                }
                for e in entries {
                    let child = format!("{}/{e}", path.trim_end_matches('/'));
                    if matches!(ctx.host.list_dir(&child), Ok(Some(_))) {
                        continue;
                    }
                    let text = ctx.host.read_file(&child).map_err(|_| read_error(&child))?;
                    out.push((e, text));
                }
            }
            _ => {
                let text = ctx.host.read_file(&path).map_err(|_| read_error(&path))?;
                out.push((key, text));
            }
        }
    }
    for lit in &literals {
        match lit.split_once('=') {
            Some((k, v)) => out.push((k.to_string(), v.to_string())),
            None => {
                return Err(CmdError::msg(format!(
                    "invalid literal source {lit}, expected key=value"
                )))
            }
        }
    }
    for ef in &env_files {
        if matches!(ctx.host.list_dir(ef), Ok(Some(_))) {
            return Err(CmdError::msg(env_dir_err.to_string()));
        }
        let text = ctx.host.read_file(ef).map_err(|_| read_error(ef))?;
        for raw in text.trim_start_matches('\u{feff}').lines() {
            let line = raw.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            let errs = env_var_name_errors(key);
            if !errs.is_empty() {
                return Err(CmdError::msg(format!(
                    "\"{key}\" is not a valid key name: {}",
                    errs.join(";")
                )));
            }
            if !line.contains('=') {
                // Upstream reads the value from kubectl's environment; kubeplay has none.
                continue;
            }
            out.push((key.to_string(), value.to_string()));
        }
    }
    Ok(out)
}

fn read_error(path: &str) -> CmdError {
    CmdError::msg(format!("error reading {path}: no such file or directory"))
}

/// `[key=]path`, as ParseFileSource splits it.
fn parse_file_source(source: &str) -> CmdResult<(String, String)> {
    let n = source.matches('=').count();
    if n == 0 {
        let base = source
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or(source)
            .to_string();
        return Ok((base, source.to_string()));
    }
    if n > 1 {
        return Err(CmdError::msg("key names or file paths cannot contain '='"));
    }
    if let Some(rest) = source.strip_prefix('=') {
        return Err(CmdError::msg(format!("key name for file path {rest} missing")));
    }
    if let Some(rest) = source.strip_suffix('=') {
        return Err(CmdError::msg(format!("file path for key name {rest} missing")));
    }
    let (k, p) = source.split_once('=').unwrap_or((source, ""));
    Ok((k.to_string(), p.to_string()))
}

pub fn configmap(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let pairs = collect_sources(ctx, flags, "env config file cannot be a directory")?;
    let mut data = Map::new();
    for (k, v) in pairs {
        let errs = config_key_errors(&k);
        if !errs.is_empty() {
            return Err(CmdError::msg(format!(
                "\"{k}\" is not a valid key name for a ConfigMap: {}",
                errs.join(",")
            )));
        }
        if data.contains_key(&k) {
            return Err(CmdError::msg(format!(
                "cannot add key \"{k}\", another key by that name already exists in Data for ConfigMap \"{name}\""
            )));
        }
        data.insert(k, Value::String(v));
    }
    let mut obj = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(ctx, &name, true)});
    if !data.is_empty() {
        obj["data"] = Value::Object(data);
    }
    if flags.bool("append-hash") {
        obj["metadata"]["name"] = json!(format!("{name}-{}", crate::hash::config_map_hash(&obj)));
    }
    finish(
        ctx,
        flags,
        obj,
        "configmaps",
        true,
        Some("failed to create configmap: "),
    )
}

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn secret_data(ctx: &mut Ctx<'_>, flags: &Parsed, name: &str) -> CmdResult<Map<String, Value>> {
    let pairs = collect_sources(ctx, flags, "env secret file cannot be a directory")?;
    let mut data = Map::new();
    for (k, v) in pairs {
        let errs = config_key_errors(&k);
        if !errs.is_empty() {
            return Err(CmdError::msg(format!(
                "\"{k}\" is not valid key name for a Secret {}",
                errs.join(";")
            )));
        }
        if data.contains_key(&k) {
            return Err(CmdError::msg(format!(
                "cannot add key {k}, another key by that name already exists"
            )));
        }
        data.insert(k, Value::String(b64(v.as_bytes())));
    }
    let _ = name;
    Ok(data)
}

pub fn secret_generic(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let data = secret_data(ctx, flags, &name)?;
    let mut obj = json!({"apiVersion": "v1", "kind": "Secret", "metadata": meta(ctx, &name, true)});
    if !data.is_empty() {
        obj["data"] = Value::Object(data);
    }
    let ty = flags.string("type");
    if !ty.is_empty() {
        obj["type"] = json!(ty);
    }
    if flags.bool("append-hash") {
        obj["metadata"]["name"] = json!(format!("{name}-{}", crate::hash::secret_hash(&obj)));
    }
    finish(ctx, flags, obj, "secrets", true, Some("failed to create secret "))
}

pub fn secret_tls(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let (cert_path, key_path) = (flags.string("cert"), flags.string("key"));
    if cert_path.is_empty() || key_path.is_empty() {
        return Err(CmdError::msg("key and cert must be specified"));
    }
    let cert = ctx
        .host
        .read_file(&cert_path)
        .map_err(|e| CmdError::msg(format!("Cannot read file {cert_path}, {e}")))?;
    let key = ctx
        .host
        .read_file(&key_path)
        .map_err(|e| CmdError::msg(format!("Cannot read file {key_path}, {e}")))?;
    // tls.X509KeyPair's first checks: both must hold PEM blocks.
    if !cert.contains("-----BEGIN") {
        return Err(CmdError::msg("tls: failed to find any PEM data in certificate input"));
    }
    if !key.contains("-----BEGIN") {
        return Err(CmdError::msg("tls: failed to find any PEM data in key input"));
    }
    let obj = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta(ctx, &name, true),
        "data": {"tls.crt": b64(cert.as_bytes()), "tls.key": b64(key.as_bytes())},
        "type": "kubernetes.io/tls"
    });
    finish(ctx, flags, obj, "secrets", true, Some("failed to create secret "))
}

pub fn secret_docker_registry(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let from_files = flags.strings("from-file");
    let (user, pass, email) = (
        flags.string("docker-username"),
        flags.string("docker-password"),
        flags.string("docker-email"),
    );
    let server = flags.string("docker-server");
    let mut data = Map::new();
    if from_files.is_empty() {
        if user.is_empty() || pass.is_empty() || server.is_empty() {
            return Err(CmdError::msg(
                "either --from-file or the combination of --docker-username, --docker-password and --docker-server is required",
            ));
        }
        let auth = b64(format!("{user}:{pass}").as_bytes());
        // Go marshals the struct fields in order: username, password, email (omitempty), auth.
        let mut entry = format!(
            "{{\"username\":{},\"password\":{}",
            apimachinery::yaml::go_json_string(&user),
            apimachinery::yaml::go_json_string(&pass)
        );
        if !email.is_empty() {
            entry.push_str(&format!(",\"email\":{}", apimachinery::yaml::go_json_string(&email)));
        }
        entry.push_str(&format!(",\"auth\":\"{auth}\"}}"));
        let config = format!(
            "{{\"auths\":{{{}:{entry}}}}}",
            apimachinery::yaml::go_json_string(&server)
        );
        data.insert(".dockerconfigjson".into(), json!(b64(config.as_bytes())));
    } else {
        data = secret_data(ctx, flags, &name)?;
    }
    let obj = json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta(ctx, &name, true),
        "data": data,
        "type": "kubernetes.io/dockerconfigjson"
    });
    finish(ctx, flags, obj, "secrets", true, Some("failed to create secret "))
}

// ---------------------------------------------------------------------------------------
// services

/// `port[:targetPort]` as parsePorts reads it.
fn parse_ports(spec: &str) -> CmdResult<(i64, Value)> {
    let mut parts = spec.split(':');
    let port_s = parts.next().unwrap_or("");
    let port = parse_port(port_s)?;
    let Some(target) = parts.next() else {
        return Ok((port, json!(port)));
    };
    match target.parse::<i64>() {
        Ok(n) => {
            if !(1..=65535).contains(&n) {
                return Err(CmdError::msg("must be between 1 and 65535, inclusive"));
            }
            Ok((port, json!(n)))
        }
        Err(_) => {
            let errs = port_name_errors(target);
            if !errs.is_empty() {
                return Err(CmdError::msg(errs.join(",")));
            }
            Ok((port, json!(target)))
        }
    }
}

/// utilsnet.ParsePort(s, allowZero=true).
fn parse_port(s: &str) -> CmdResult<i64> {
    let n: u64 = s.parse().map_err(|_| {
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
            CmdError::msg(format!("strconv.ParseUint: parsing \"{s}\": value out of range"))
        } else {
            CmdError::msg(format!("strconv.ParseUint: parsing \"{s}\": invalid syntax"))
        }
    })?;
    if n > 65535 {
        return Err(CmdError::msg(format!(
            "strconv.ParseUint: parsing \"{s}\": value out of range"
        )));
    }
    Ok(n as i64)
}

/// IsValidPortName's messages.
pub fn port_name_errors(name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if name.len() > 15 {
        errs.push("must be no more than 15 characters".to_string());
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        errs.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string());
    }
    if !name.chars().any(|c| c.is_ascii_lowercase()) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if name.contains("--") {
        errs.push("must not contain consecutive hyphens".to_string());
    }
    if name.starts_with('-') || name.ends_with('-') {
        errs.push("must not begin or end with a hyphen".to_string());
    }
    errs
}

fn service(ctx: &mut Ctx<'_>, flags: &Parsed, ty: &str) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let cluster_ip = flags.string("clusterip");
    let tcp = flags.strings("tcp");
    let external_name = flags.string("external-name");
    if cluster_ip == "None" && ty != "ClusterIP" {
        return Err(CmdError::msg(
            "ClusterIP=None can only be used with ClusterIP service type",
        ));
    }
    if cluster_ip != "None" && tcp.is_empty() && ty != "ExternalName" {
        return Err(CmdError::msg("at least one tcp port specifier must be provided"));
    }
    if ty == "ExternalName" && !apimachinery::validation::is_dns1123_subdomain(&external_name).is_empty() {
        return Err(CmdError::msg(format!("invalid service external name {external_name}")));
    }
    let node_port = flags.int("node-port");
    let mut ports = Vec::new();
    for spec in &tcp {
        let (port, target) = parse_ports(spec)?;
        let mut p = json!({"name": spec.replace(':', "-"), "port": port, "targetPort": target, "protocol": "TCP"});
        if node_port != 0 {
            p["nodePort"] = json!(node_port);
        }
        ports.push(p);
    }
    let mut m = meta(ctx, &name, true);
    m.insert("labels".into(), json!({"app": name}));
    let mut spec = json!({"selector": {"app": name}, "type": ty});
    if !ports.is_empty() {
        spec["ports"] = json!(ports);
    }
    if !external_name.is_empty() {
        spec["externalName"] = json!(external_name);
    }
    if !cluster_ip.is_empty() {
        spec["clusterIP"] = json!(cluster_ip);
    }
    let obj =
        json!({"apiVersion": "v1", "kind": "Service", "metadata": m, "spec": spec, "status": {"loadBalancer": {}}});
    let wrap = format!("failed to create {ty} service: ");
    finish(ctx, flags, obj, "services", true, Some(&wrap))
}

pub fn service_clusterip(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    service(ctx, flags, "ClusterIP")
}
pub fn service_nodeport(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    service(ctx, flags, "NodePort")
}
pub fn service_loadbalancer(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    service(ctx, flags, "LoadBalancer")
}
pub fn service_externalname(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    service(ctx, flags, "ExternalName")
}

// ---------------------------------------------------------------------------------------
// RBAC

const VALID_RESOURCE_VERBS: &[&str] = &[
    "*",
    "get",
    "delete",
    "list",
    "create",
    "update",
    "patch",
    "watch",
    "proxy",
    "deletecollection",
    "use",
    "bind",
    "escalate",
    "impersonate",
];

/// Verbs that only apply to some resources (create_role.go specialVerbs).
fn special_verb_allows(verb: &str, group: &str, resource: &str) -> Option<bool> {
    let allowed: &[(&str, &str)] = match verb {
        "use" => &[("policy", "podsecuritypolicies"), ("extensions", "podsecuritypolicies")],
        "bind" | "escalate" => &[
            ("rbac.authorization.k8s.io", "roles"),
            ("rbac.authorization.k8s.io", "clusterroles"),
        ],
        "impersonate" => &[
            ("", "users"),
            ("", "serviceaccounts"),
            ("", "groups"),
            ("authentication.k8s.io", "userextras"),
            ("authentication.k8s.io", "uids"),
        ],
        _ => return None,
    };
    Some(allowed.iter().any(|(g, r)| *g == group && *r == resource))
}

struct RuleResource {
    group: String,
    resource: String,
    sub: String,
}

fn dedup(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in list {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Builds the rules of `create role` / `create clusterrole`, with upstream's validation.
fn policy_rules(ctx: &mut Ctx<'_>, flags: &Parsed, non_resource_urls: &[String]) -> CmdResult<Vec<Value>> {
    let mut verbs = Vec::new();
    for v in flags.strings("verb") {
        if v == "*" {
            verbs = vec!["*".to_string()];
            break;
        }
        if !verbs.contains(&v) {
            verbs.push(v);
        }
    }
    let mut resources: Vec<RuleResource> = Vec::new();
    for r in flags.strings("resource") {
        let (main, sub) = r
            .split_once('/')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .unwrap_or((r.clone(), String::new()));
        let (res, group) = main
            .split_once('.')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .unwrap_or((main.clone(), String::new()));
        let whole_wildcard = res == "*" && !main.contains('.') && !r.contains('/');
        let rr = RuleResource {
            group,
            resource: res,
            sub,
        };
        if whole_wildcard {
            resources = vec![rr];
            break;
        }
        resources.push(rr);
    }
    let resource_names = dedup(flags.strings("resource-name"));
    if verbs.is_empty() {
        return Err(CmdError::msg("at least one verb must be specified"));
    }
    for v in &verbs {
        if !VALID_RESOURCE_VERBS.contains(&v.as_str()) && non_resource_urls.is_empty() {
            ctx.stderr(format!("Warning: '{v}' is not a standard resource verb\n"));
        }
    }
    if resources.is_empty() && non_resource_urls.is_empty() {
        return Err(CmdError::msg(if ctx.command_path.ends_with("clusterrole") {
            "one of resource or nonResourceURL must be specified"
        } else {
            "at least one resource must be specified"
        }));
    }
    // Resolve and validate each resource.
    let mut resolved: Vec<(String, String)> = Vec::new();
    for r in &resources {
        if r.resource.is_empty() {
            return Err(CmdError::msg(
                "resource must be specified if apiGroup/subresource specified",
            ));
        }
        let mut group = r.group.clone();
        let mut plural = r.resource.clone();
        let mut err = None;
        if r.resource != "*" {
            let arg = if r.group.is_empty() {
                r.resource.clone()
            } else {
                format!("{}.{}", r.resource, r.group)
            };
            match ctx.mapper()?.resolve(&arg).cloned() {
                Some(info) => {
                    group = info.group.clone();
                    plural = info.plural.clone();
                }
                None => err = Some(crate::error::CmdError::Raw(no_type_message(&r.resource, &r.group))),
            }
            for v in &verbs {
                if let Some(ok) = special_verb_allows(v, &group, &plural) {
                    if !ok {
                        return Err(CmdError::msg(format!(
                            "can not perform '{v}' on '{plural}' in group '{group}'"
                        )));
                    }
                    err = None;
                }
            }
            if let Some(e) = err {
                return Err(e);
            }
        }
        if !r.sub.is_empty() {
            plural = format!("{plural}/{}", r.sub);
        }
        resolved.push((group, plural));
    }
    // Group the resources by API group, groups sorted.
    let mut groups: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
    for (g, r) in resolved {
        let list = groups.entry(g).or_default();
        if !list.contains(&r) {
            list.push(r);
        }
    }
    let mut rules = Vec::new();
    for (g, rs) in groups {
        let mut rule = json!({"verbs": verbs, "apiGroups": [g], "resources": rs});
        if !resource_names.is_empty() {
            rule["resourceNames"] = json!(resource_names);
        }
        rules.push(rule);
    }
    if !non_resource_urls.is_empty() {
        rules.push(json!({"verbs": verbs, "nonResourceURLs": non_resource_urls}));
    }
    Ok(rules)
}

/// checkErr's text for a RESTMapper miss (no `error: ` prefix).
fn no_type_message(resource: &str, group: &str) -> String {
    if group.is_empty() {
        format!("the server doesn't have a resource type \"{resource}\"")
    } else {
        format!("the server doesn't have a resource type \"{resource}\" in group \"{group}\"")
    }
}

pub fn role(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let rules = policy_rules(ctx, flags, &[])?;
    let obj = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta(ctx, &name, true), "rules": rules});
    finish(ctx, flags, obj, "roles", true, None)
}

pub fn clusterrole(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let aggregation = flags.strings("aggregation-rule");
    let urls = dedup(flags.strings("non-resource-url"));
    let m = meta(ctx, &name, false);
    if !aggregation.is_empty() {
        if !flags.strings("verb").is_empty()
            || !flags.strings("resource").is_empty()
            || !urls.is_empty()
            || !flags.strings("resource-name").is_empty()
        {
            return Err(CmdError::msg(
                "aggregation rule must be specified without nonResourceURLs, verbs, resources or resourceNames",
            ));
        }
        let mut labels = Map::new();
        for kv in &aggregation {
            let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
            labels.insert(k.to_string(), json!(v));
        }
        let obj = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": m,
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": labels}]},
            "rules": null
        });
        return finish(ctx, flags, obj, "clusterroles", false, None);
    }
    for u in &urls {
        if !u.starts_with('/') {
            return Err(CmdError::msg("nonResourceURL should start with /"));
        }
        if u.trim_end_matches('*').contains('*') {
            return Err(CmdError::msg(
                "nonResourceURL only supports wildcard matches when '*' is at the end",
            ));
        }
    }
    if !urls.is_empty() {
        for v in flags.strings("verb") {
            if !["*", "get", "post", "put", "delete", "patch", "head", "options"].contains(&v.as_str()) {
                return Err(CmdError::msg(format!("invalid verb: '{v}' for nonResourceURL")));
            }
        }
    }
    let rules = policy_rules(ctx, flags, &urls)?;
    let obj =
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": m, "rules": rules});
    finish(ctx, flags, obj, "clusterroles", false, None)
}

fn subjects(flags: &Parsed) -> CmdResult<Vec<Value>> {
    let mut out = Vec::new();
    for u in flags.strings("user") {
        out.push(json!({"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": u}));
    }
    for g in flags.strings("group") {
        out.push(json!({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": g}));
    }
    for sa in flags.strings("serviceaccount") {
        match sa.split_once(':') {
            Some((ns, n)) if !ns.is_empty() && !n.is_empty() && !n.contains(':') => {
                out.push(json!({"kind": "ServiceAccount", "namespace": ns, "name": n}))
            }
            _ => return Err(CmdError::msg("serviceaccount must be <namespace>:<name>")),
        }
    }
    Ok(out)
}

pub fn rolebinding(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let (role, cluster_role) = (flags.string("role"), flags.string("clusterrole"));
    if role.is_empty() == cluster_role.is_empty() {
        return Err(CmdError::msg("exactly one of clusterrole or role must be specified"));
    }
    let role_ref = if role.is_empty() {
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role})
    } else {
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role})
    };
    let subs = subjects(flags)?;
    let mut obj = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta(ctx, &name, true), "roleRef": role_ref});
    if !subs.is_empty() {
        obj["subjects"] = json!(subs);
    }
    finish(
        ctx,
        flags,
        obj,
        "rolebindings",
        true,
        Some("failed to create rolebinding: "),
    )
}

pub fn clusterrolebinding(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let cluster_role = flags.string("clusterrole");
    if cluster_role.is_empty() {
        return Err(CmdError::msg("required flag(s) \"clusterrole\" not set"));
    }
    let subs = subjects(flags)?;
    let mut obj = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": meta(ctx, &name, false),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role}
    });
    if !subs.is_empty() {
        obj["subjects"] = json!(subs);
    }
    finish(
        ctx,
        flags,
        obj,
        "clusterrolebindings",
        false,
        Some("failed to create clusterrolebinding: "),
    )
}

// ---------------------------------------------------------------------------------------
// quota, priorityclass, pdb, ingress

/// A quantity in its canonical form, or ParseQuantity's error.
fn canonical_quantity(s: &str) -> CmdResult<String> {
    apimachinery::quantity::Quantity::parse(s)
        .map(|q| q.to_string())
        .map_err(|e| CmdError::msg(e.to_string()))
}

pub fn quota(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let mut spec = Map::new();
    let hard = flags.string("hard");
    if !hard.is_empty() {
        let mut list = Map::new();
        for stmt in hard.split(',') {
            let parts: Vec<&str> = stmt.split('=').collect();
            let [k, v] = parts.as_slice() else {
                return Err(CmdError::msg(format!(
                    "Invalid argument syntax {stmt}, expected <resource>=<value>"
                )));
            };
            list.insert(k.to_string(), json!(canonical_quantity(v)?));
        }
        spec.insert("hard".into(), Value::Object(list));
    }
    let scopes = flags.string("scopes");
    if !scopes.is_empty() {
        let mut list = Vec::new();
        for s in scopes.split(',') {
            if s.is_empty() {
                return Err(CmdError::msg("invalid resource quota scope \"\""));
            }
            list.push(json!(s));
        }
        spec.insert("scopes".into(), json!(list));
    }
    let obj = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": meta(ctx, &name, true), "spec": spec, "status": {}});
    finish(
        ctx,
        flags,
        obj,
        "resourcequotas",
        true,
        Some("failed to create quota: "),
    )
}

pub fn priorityclass(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let mut obj = json!({
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": meta(ctx, &name, false),
        "value": flags.int("value"),
        "preemptionPolicy": flags.string("preemption-policy")
    });
    if flags.bool("global-default") {
        obj["globalDefault"] = json!(true);
    }
    let d = flags.string("description");
    if !d.is_empty() {
        obj["description"] = json!(d);
    }
    finish(
        ctx,
        flags,
        obj,
        "priorityclasses",
        false,
        Some("failed to create priorityclass: "),
    )
}

pub fn poddisruptionbudget(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let selector = flags.string("selector");
    let (min, max) = (flags.string("min-available"), flags.string("max-unavailable"));
    if selector.is_empty() {
        return Err(CmdError::msg("a selector must be specified"));
    }
    if min.is_empty() && max.is_empty() {
        return Err(CmdError::msg(
            "one of min-available or max-unavailable must be specified",
        ));
    }
    if !min.is_empty() && !max.is_empty() {
        return Err(CmdError::msg(
            "min-available and max-unavailable cannot be both specified",
        ));
    }
    let int_or_percent = |s: &str, what: &str| -> CmdResult<Value> {
        if let Ok(n) = s.parse::<i64>() {
            return Ok(json!(n));
        }
        match s.strip_suffix('%') {
            Some(n) if n.parse::<i64>().is_ok() => Ok(json!(s)),
            _ => Err(CmdError::msg(format!("invalid format specified for {what}"))),
        }
    };
    let selector_value = label_selector_value(&selector)?;
    let mut spec = json!({"selector": selector_value});
    if !min.is_empty() {
        spec["minAvailable"] = int_or_percent(&min, "min-available")?;
    } else {
        spec["maxUnavailable"] = int_or_percent(&max, "max-unavailable")?;
    }
    let obj = json!({
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": meta(ctx, &name, true),
        "spec": spec,
        "status": {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0}
    });
    finish(
        ctx,
        flags,
        obj,
        "poddisruptionbudgets",
        true,
        Some("failed to create poddisruptionbudgets: "),
    )
}

/// metav1.ParseToLabelSelector for the simple `k=v,…` forms kubectl users type.
fn label_selector_value(s: &str) -> CmdResult<Value> {
    let mut match_labels = Map::new();
    let mut exprs = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some((k, v)) = part.split_once("!=") {
            exprs.push(json!({"key": k.trim(), "operator": "NotIn", "values": [v.trim()]}));
        } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
            match_labels.insert(k.trim().to_string(), json!(v.trim()));
        } else if let Some(k) = part.strip_prefix('!') {
            exprs.push(json!({"key": k.trim(), "operator": "DoesNotExist"}));
        } else {
            exprs.push(json!({"key": part, "operator": "Exists"}));
        }
    }
    let mut out = Map::new();
    if !match_labels.is_empty() {
        out.insert("matchLabels".into(), Value::Object(match_labels));
    }
    if !exprs.is_empty() {
        out.insert("matchExpressions".into(), json!(exprs));
    }
    Ok(Value::Object(out))
}

/// Whether an ingress rule matches upstream's
/// `^[\w\*\-\.]*/.*=[\w\-]+:[\w\-]+(,tls=?[\w\-]+?)?` (unanchored at the end).
fn ingress_rule_valid(rule: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let host_len = rule
        .find(|c: char| !(word(c) || c == '*' || c == '.'))
        .unwrap_or(rule.len());
    let rest = rule.get(host_len..).unwrap_or("");
    if !rest.starts_with('/') {
        return false;
    }
    for (i, _) in rest.match_indices('=') {
        let after = rest.get(i + 1..).unwrap_or("");
        let name_len = after.find(|c: char| !word(c)).unwrap_or(after.len());
        if name_len == 0 {
            continue;
        }
        let Some(port) = after.get(name_len..).and_then(|s| s.strip_prefix(':')) else {
            continue;
        };
        if port.starts_with(word) {
            return true;
        }
    }
    false
}

fn ingress_backend(service: &str) -> Value {
    let mut parts = service.split(':');
    let name = parts.next().unwrap_or("");
    let port = parts.next().unwrap_or("");
    let port_value = match port.parse::<i64>() {
        Ok(n) => json!({"number": n}),
        Err(_) => json!({"name": port}),
    };
    json!({"service": {"name": name, "port": port_value}})
}

pub fn ingress(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = exactly_one_name(ctx, flags)?;
    let rules = flags.strings("rule");
    let default_backend = flags.string("default-backend");
    let annotations = flags.strings("annotation");
    if default_backend.is_empty() && rules.is_empty() {
        return Err(CmdError::msg("not enough information provided: every ingress has to either specify a default-backend (which catches all traffic) or a list of rules (which catch specific paths)"));
    }
    for r in &rules {
        if !ingress_rule_valid(r) {
            return Err(CmdError::msg(format!(
                "rule {r} is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]"
            )));
        }
    }
    let mut ann = Map::new();
    for a in &annotations {
        match a.split_once('=') {
            Some((k, v)) => {
                ann.insert(k.to_string(), json!(v));
            }
            None => {
                return Err(CmdError::msg(format!(
                    "annotation {a} is invalid and should be in format key=[value]"
                )))
            }
        }
    }
    if !default_backend.is_empty() && default_backend.split(':').count() != 2 {
        return Err(CmdError::msg(
            "default-backend should be in format servicename:serviceport",
        ));
    }
    let mut spec = Map::new();
    let class = flags.string("class");
    if !class.is_empty() {
        spec.insert("ingressClassName".into(), json!(class));
    }
    if !default_backend.is_empty() {
        spec.insert("defaultBackend".into(), ingress_backend(&default_backend));
    }
    // TLS entries: one per secret, hosts appended.
    let mut tls: Vec<(Vec<String>, String)> = Vec::new();
    let mut seen_hosts: Vec<String> = Vec::new();
    for r in &rules {
        let parts: Vec<&str> = r.split(',').collect();
        if parts.len() != 2 {
            continue;
        }
        let host = r.split('/').next().unwrap_or("").to_string();
        let secret = parts.get(1).and_then(|t| t.split('=').nth(1)).unwrap_or("").to_string();
        if seen_hosts.contains(&host) {
            continue;
        }
        seen_hosts.push(host.clone());
        if let Some(entry) = tls.iter_mut().find(|(_, s)| *s == secret) {
            entry.0.push(host);
            continue;
        }
        let hosts = if host.is_empty() { Vec::new() } else { vec![host] };
        if !secret.is_empty() || !hosts.is_empty() {
            tls.push((hosts, secret));
        }
    }
    // Rules grouped by host in order of appearance.
    let mut rule_values: Vec<(String, Vec<Value>)> = Vec::new();
    for r in &rules {
        let without_tls = r.split(',').next().unwrap_or("");
        let (host, pathsvc) = without_tls.split_once('/').unwrap_or((without_tls, ""));
        let mut ps = pathsvc.split('=');
        let mut path = format!("/{}", ps.next().unwrap_or(""));
        let svc = ps.next().unwrap_or("");
        let mut path_type = "Exact";
        if path.ends_with('*') {
            path_type = "Prefix";
            path.pop();
        }
        let p = json!({"path": path, "pathType": path_type, "backend": ingress_backend(svc)});
        match rule_values.iter_mut().find(|(h, _)| h == host) {
            Some((_, paths)) => paths.push(p),
            None => rule_values.push((host.to_string(), vec![p])),
        }
    }
    if !tls.is_empty() {
        let list: Vec<Value> = tls
            .into_iter()
            .map(|(hosts, secret)| {
                let mut t = Map::new();
                if !hosts.is_empty() {
                    t.insert("hosts".into(), json!(hosts));
                }
                if !secret.is_empty() {
                    t.insert("secretName".into(), json!(secret));
                }
                Value::Object(t)
            })
            .collect();
        spec.insert("tls".into(), json!(list));
    }
    if !rule_values.is_empty() {
        let list: Vec<Value> = rule_values
            .into_iter()
            .map(|(host, paths)| {
                let mut r = json!({"http": {"paths": paths}});
                if !host.is_empty() {
                    r["host"] = json!(host);
                }
                r
            })
            .collect();
        spec.insert("rules".into(), json!(list));
    }
    let mut m = meta(ctx, &name, true);
    if !ann.is_empty() {
        m.insert("annotations".into(), Value::Object(ann));
    }
    let obj = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": m, "spec": spec, "status": {"loadBalancer": {}}});
    finish(ctx, flags, obj, "ingresses", true, Some("failed to create ingress: "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_names_come_from_the_image_base_name() {
        assert_eq!(container_name_for_image("nginx:1.25", &[]), "nginx");
        assert_eq!(container_name_for_image("registry.k8s.io/pause:3.10", &[]), "pause");
        assert_eq!(container_name_for_image("my_app@sha256:abc", &[]), "my-app");
        let again = container_name_for_image("nginx", &["nginx".to_string()]);
        assert!(again.starts_with("nginx-") && again.len() == 11, "{again}");
    }

    #[test]
    fn ingress_rules_are_checked_like_the_upstream_regex() {
        for ok in [
            "foo.com/bar=svc1:8080",
            "/path=svc:80",
            "foo.com/*=svc:http,tls=my-cert",
            "*.a.b/=s:p",
        ] {
            assert!(ingress_rule_valid(ok), "{ok}");
        }
        for bad in ["bad", "foo.com=svc:80", "foo.com/x=svc", "foo.com/x=:80"] {
            assert!(!ingress_rule_valid(bad), "{bad}");
        }
    }

    #[test]
    fn file_sources_split_key_and_path() {
        assert_eq!(
            parse_file_source("dir/a.txt").unwrap(),
            ("a.txt".to_string(), "dir/a.txt".to_string())
        );
        assert_eq!(
            parse_file_source("k=a.txt").unwrap(),
            ("k".to_string(), "a.txt".to_string())
        );
        assert_eq!(
            parse_file_source("=a").unwrap_err().plain_message(),
            "key name for file path a missing"
        );
        assert_eq!(
            parse_file_source("a=b=c").unwrap_err().plain_message(),
            "key names or file paths cannot contain '='"
        );
    }

    #[test]
    fn service_ports_parse_numbers_and_names() {
        assert_eq!(parse_ports("80:8080").unwrap(), (80, json!(8080)));
        assert_eq!(parse_ports("80").unwrap(), (80, json!(80)));
        assert_eq!(parse_ports("80:http").unwrap(), (80, json!("http")));
        assert_eq!(
            parse_ports("x:80").unwrap_err().plain_message(),
            "strconv.ParseUint: parsing \"x\": invalid syntax"
        );
    }
}
