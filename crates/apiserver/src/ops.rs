//! Writes: create, update (main resource and subresources), patch, delete, deletecollection,
//! pod binding and eviction, scale, plus start-up objects and the namespace finalizer.

use crate::compat;
use crate::crd_schema;
use crate::meta::{self, child_map, finalizers, meta_str, set_finalizers, set_meta, str_at};
use crate::strategy;
use crate::{object_key, ApiServer, Target};
use apimachinery::errors::StatusDetails;
use apimachinery::request::PatchType;
use apimachinery::{ApiError, ApiRequest, FieldError, GroupResource, Status};
use base64::Engine;
use serde_json::{json, Value};
use sim::SimContext;
use std::collections::BTreeMap;

const OPTIMISTIC_LOCK: &str =
    "the object has been modified; please apply your changes to the latest version and try again";

/// `metav1.DeleteOptions`, from the query and the body.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DeleteOptions {
    pub grace_period_seconds: Option<i64>,
    pub propagation_policy: Option<String>,
    pub precondition_uid: Option<String>,
    pub precondition_rv: Option<String>,
}

impl DeleteOptions {
    pub(crate) fn from_request(req: &ApiRequest) -> Result<Self, ApiError> {
        let mut o = DeleteOptions::default();
        if let Some(g) = req.query_param("gracePeriodSeconds") {
            o.grace_period_seconds = Some(
                g.parse()
                    .map_err(|_| ApiError::bad_request(format!("invalid value for gracePeriodSeconds: {g}")))?,
            );
        }
        if let Some(p) = req.query_param("propagationPolicy") {
            o.propagation_policy = Some(p.to_string());
        }
        if let Some(od) = req.query_param("orphanDependents") {
            o.propagation_policy = Some(if od == "true" { "Orphan" } else { "Background" }.to_string());
        }
        if let Some(b) = &req.body {
            o.merge_body(b);
        }
        o.validate()?;
        Ok(o)
    }

    pub(crate) fn merge_body(&mut self, b: &Value) {
        if let Some(g) = b.get("gracePeriodSeconds").and_then(Value::as_i64) {
            self.grace_period_seconds = Some(g);
        }
        if let Some(od) = b.get("orphanDependents").and_then(Value::as_bool) {
            self.propagation_policy = Some(if od { "Orphan" } else { "Background" }.to_string());
        }
        if let Some(p) = b.get("propagationPolicy").and_then(Value::as_str) {
            self.propagation_policy = Some(p.to_string());
        }
        if let Some(u) = b.pointer("/preconditions/uid").and_then(Value::as_str) {
            self.precondition_uid = Some(u.to_string());
        }
        if let Some(r) = b.pointer("/preconditions/resourceVersion").and_then(Value::as_str) {
            self.precondition_rv = Some(r.to_string());
        }
    }

    fn validate(&self) -> Result<(), ApiError> {
        if let Some(p) = &self.propagation_policy {
            if !["Foreground", "Background", "Orphan"].contains(&p.as_str()) {
                return Err(ApiError::invalid(
                    "meta.k8s.io",
                    "DeleteOptions",
                    "",
                    &[FieldError::not_supported(
                        "propagationPolicy",
                        p,
                        &["Foreground", "Background", "Orphan", "nil"],
                    )],
                ));
            }
        }
        Ok(())
    }
}

pub(crate) fn encode_continue(rv: u64, last_key: &str) -> String {
    let token = json!({"v": "meta.k8s.io/v1", "rv": rv, "start": format!("{last_key}\u{0}")});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token.to_string())
}

/// The key a continue token resumes after.
pub(crate) fn decode_continue(token: &str) -> Result<String, ApiError> {
    let bad = |e: String| ApiError::bad_request(format!("continue key is not valid: {e}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_end_matches('='))
        .map_err(|e| bad(e.to_string()))?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    if v.get("v").and_then(Value::as_str) != Some("meta.k8s.io/v1") {
        return Err(bad("continue key version is not supported".into()));
    }
    let start = v
        .get("start")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("invalid start key".into()))?;
    Ok(start.trim_end_matches('\u{0}').to_string())
}

/// The latest instant metav1.Time can print (9999-12-31T23:59:59Z).
const MAX_UNIX_SECS: i64 = 253_402_300_799;

fn timestamp_after(now: i64, secs: i64) -> String {
    apimachinery::time::format_rfc3339(now.saturating_add(secs).clamp(0, MAX_UNIX_SECS))
}

fn now_rfc3339(ctx: &SimContext) -> String {
    apimachinery::time::format_rfc3339(ctx.now().unix_secs())
}

fn strict_validation(req: &ApiRequest) -> bool {
    req.query_param("fieldValidation") == Some("Strict")
}

/// A JSON patch that does not apply: upstream answers with a generic 422 and drops the detail.
fn patch_rejected() -> ApiError {
    ApiError(Status::failure(
        422,
        "Invalid",
        "the server rejected our request due to an error in our request".into(),
        None,
    ))
}

/// Removes the field at a strict-decoding path (`spec.template.spec.containers[0].foo`).
fn prune_path(obj: &mut Value, path: &str) {
    let mut steps: Vec<(String, Vec<usize>)> = Vec::new();
    for seg in path.split('.') {
        let (key, rest) = seg.split_once('[').unwrap_or((seg, ""));
        let idx: Vec<usize> = rest
            .split(['[', ']'])
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect();
        steps.push((key.to_string(), idx));
    }
    let Some((last, last_idx)) = steps.pop() else { return };
    let mut cur = obj;
    for (key, idx) in steps {
        let Some(next) = cur.get_mut(&key) else { return };
        cur = next;
        for i in idx {
            let Some(next) = cur.get_mut(i) else { return };
            cur = next;
        }
    }
    if last_idx.is_empty() {
        if let Some(m) = cur.as_object_mut() {
            m.remove(&last);
        }
    }
}

/// ObjectMeta's maps and lists are `omitempty`: once decoded, an empty `labels: {}` (left by a
/// merge patch that removed the last label) is not stored or returned.
fn drop_empty_metadata(obj: &mut Value) {
    let Some(m) = obj.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    for field in [
        "labels",
        "annotations",
        "finalizers",
        "ownerReferences",
        "managedFields",
    ] {
        let empty = match m.get(field) {
            Some(Value::Object(o)) => o.is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            Some(Value::Null) => true,
            _ => false,
        };
        if empty {
            m.remove(field);
        }
    }
}

impl ApiServer {
    /// Checks `kind`/`apiVersion` of a body against the URL and fills them in.
    fn check_body_type(&self, t: &Target, obj: &mut Value) -> Result<(), ApiError> {
        let expected = t.info.api_version();
        let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("").to_string();
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
        // The decoder reads the body's own kind first and fails to convert it.
        if !kind.is_empty() && kind != t.info.kind {
            let body_version = apimachinery::GroupVersion::parse(if api_version.is_empty() {
                &expected
            } else {
                &api_version
            })
            .version;
            let internal = internal_package(&t.info.group);
            return Err(ApiError::bad_request(format!(
                "{kind} in version \"{body_version}\" cannot be handled as a {}: converting ({body_version}.{kind}) to ({internal}.{}): unknown conversion",
                t.info.kind, t.info.kind
            )));
        }
        if !api_version.is_empty() && api_version != expected {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({api_version}) does not match the expected API version ({expected})"
            )));
        }
        if let Some(m) = obj.as_object_mut() {
            m.insert("apiVersion".into(), json!(expected));
            m.insert("kind".into(), json!(t.info.kind));
        }
        Ok(())
    }

    fn check_namespace(&self, t: &Target, obj: &mut Value) -> Result<String, ApiError> {
        if !t.info.namespaced() {
            meta::remove_meta(obj, "namespace");
            return Ok(String::new());
        }
        let ns = t.namespace.clone().unwrap_or_default();
        let body_ns = meta_str(obj, "namespace");
        if !body_ns.is_empty() && body_ns != ns {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        set_meta(obj, "namespace", json!(ns));
        Ok(ns)
    }

    /// Decoding as the API server does it: type errors always fail; unknown fields fail
    /// under fieldValidation=Strict and are dropped otherwise; then defaulting.
    fn schema_and_defaults(&self, t: &Target, obj: &mut Value, strict: bool) -> Result<(), ApiError> {
        drop_empty_metadata(obj);
        if self.is_custom(&t.info) {
            let Some(schema) = self.catalog.crd_schema(&t.info.group, &t.info.version, &t.info.plural) else {
                return Ok(());
            };
            if strict {
                let unknown = crd_schema::unknown_fields(schema, obj);
                if !unknown.is_empty() {
                    let list: Vec<String> = unknown.iter().map(|p| format!("unknown field \"{p}\"")).collect();
                    let kind = &t.info.kind;
                    return Err(ApiError::bad_request(format!(
                        "{kind} in version \"{}\" cannot be handled as a {kind}: strict decoding error: {}",
                        t.info.version,
                        list.join(", ")
                    )));
                }
            } else {
                crd_schema::prune(schema, obj);
            }
            return Ok(());
        }
        let gvk = t.info.gvk();
        compat::schema_check(&gvk, obj, strict).map_err(ApiError::bad_request)?;
        if !strict {
            for path in compat::unknown_fields(&gvk, obj) {
                prune_path(obj, &path);
            }
        }
        compat::apply_defaults(&gvk, obj);
        Ok(())
    }

    /// A custom resource's violations of its CRD's schema (none for built-in kinds).
    fn custom_resource_errors(&self, t: &Target, obj: &Value) -> Vec<FieldError> {
        if !self.is_custom(&t.info) {
            return Vec::new();
        }
        match self.catalog.crd_schema(&t.info.group, &t.info.version, &t.info.plural) {
            Some(schema) => crd_schema::validate(schema, obj),
            None => Vec::new(),
        }
    }

    /// POST of a collection.
    pub(crate) fn create(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        body: Value,
        req: &ApiRequest,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        self.create_with(ctx, t, body, strict_validation(req), dry_run)
    }

    pub(crate) fn create_with(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        mut obj: Value,
        strict: bool,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        if !obj.is_object() {
            return Err(ApiError::bad_request(format!("Object 'Kind' is missing in '{obj}'")));
        }
        let custom = self.is_custom(&t.info);
        self.check_body_type(t, &mut obj)?;
        let ns = self.check_namespace(t, &mut obj)?;
        if !meta_str(&obj, "resourceVersion").is_empty() {
            return Err(ApiError::bad_request(
                "resourceVersion should not be set on objects to be created",
            ));
        }
        self.schema_and_defaults(t, &mut obj, strict)?;
        let served_info = t.info.clone();
        let (storage_target, converted) = self.to_storage(t, obj)?;
        let (t, mut obj) = (&storage_target, converted);

        // Admission.
        let name0 = meta_str(&obj, "name").to_string();
        self.admit_namespace_lifecycle(t, &ns, &name0)?;
        let is_pod = t.info.group.is_empty() && t.info.plural == "pods";
        if is_pod {
            self.admit_limit_ranger(&ns, &mut obj);
            self.admit_pod(ctx, t, &ns, &mut obj)?;
        }
        if t.info.group == "scheduling.k8s.io" && t.info.plural == "priorityclasses" {
            self.admit_priority_class(t, &obj, false)?;
        }
        crate::admission::admit_storage_protection(t, &mut obj);
        if t.info.group == "certificates.k8s.io" && t.info.plural == "certificatesigningrequests" {
            // The requester's identity, as the CSR strategy records it.
            let spec = child_map(&mut obj, "spec");
            spec.insert("username".into(), json!(self.config.admin_user));
            spec.insert("groups".into(), json!(self.config.admin_groups));
            spec.remove("uid");
            spec.remove("extra");
            if let Some(m) = obj.as_object_mut() {
                m.insert("status".into(), json!({}));
            }
        }

        // System fields, then the generated name.
        set_meta(&mut obj, "uid", json!(ctx.uid()));
        set_meta(&mut obj, "creationTimestamp", json!(now_rfc3339(ctx)));
        for f in [
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
            "generation",
        ] {
            meta::remove_meta(&mut obj, f);
        }
        let prefix = self.prefix(&t.info);
        let generate = meta_str(&obj, "generateName").to_string();
        if name0.is_empty() && !generate.is_empty() {
            let base: String = generate.chars().take(58).collect();
            let mut candidate = format!("{base}{}", ctx.name_suffix(5));
            for _ in 0..8 {
                if self.stored(&prefix, &object_key(&ns, &candidate)).is_none() {
                    break;
                }
                candidate = format!("{base}{}", ctx.name_suffix(5));
            }
            set_meta(&mut obj, "name", json!(candidate));
        }
        let name = meta_str(&obj, "name").to_string();
        if strategy::has_generation(&t.info, custom) {
            set_meta(&mut obj, "generation", json!(1));
        }
        strategy::prepare_for_create(&t.info, custom, &mut obj, &name, &now_rfc3339(ctx));
        if !custom {
            // Objects read back from storage are defaulted again (e.g. a Job's labels from
            // its generated template labels).
            compat::apply_defaults(&t.info.gvk(), &mut obj);
        }

        let mut errs = compat::validate_create(&t.info, &obj);
        errs.extend(self.custom_resource_errors(t, &obj));
        if !errs.is_empty() {
            return Err(ApiError::invalid(&t.info.group, &t.info.kind, &name, &errs));
        }
        // Validating admission runs after the strategy's validation.
        if is_pod || (t.info.group.is_empty() && t.info.plural == "persistentvolumeclaims") {
            self.validate_limit_ranger(t, &ns, &obj)?;
        }
        self.admit_quota(t, &ns, &obj)?;
        let key = object_key(&ns, &name);
        if self.stored(&prefix, &key).is_some() {
            return Err(ApiError::already_exists(&t.gr(), &name));
        }
        for w in api::warnings::on_write(&t.info.group, &t.info.kind, &obj, None) {
            self.add_warning(w);
        }
        if t.info.group.is_empty() && t.info.plural == "services" {
            self.allocate_service(ctx, &key, &mut obj, None, dry_run)?;
        }
        if t.info.plural == "customresourcedefinitions" && t.info.group == "apiextensions.k8s.io" {
            self.establish_crd(ctx, &mut obj, dry_run)?;
        }
        if dry_run {
            return Ok(self.served(&served_info, &obj));
        }
        let stored = self.commit_create(&prefix, key, obj);
        if self.has_quotas(&ns) {
            self.sync_resource_quotas(Some(&ns));
        }
        Ok(self.served(&served_info, &stored))
    }

    fn establish_crd(&mut self, ctx: &SimContext, crd: &mut Value, dry_run: bool) -> Result<(), ApiError> {
        let name = meta_str(crd, "name").to_string();
        if !dry_run {
            self.catalog.add_crd(crd).map_err(|e| {
                ApiError::invalid(
                    "apiextensions.k8s.io",
                    "CustomResourceDefinition",
                    &name,
                    &[FieldError::invalid("spec", "", e)],
                )
            })?;
        }
        let names = crd.pointer("/spec/names").cloned().unwrap_or(json!({}));
        let mut accepted = names.clone();
        if let Some(m) = accepted.as_object_mut() {
            let kind = m.get("kind").and_then(Value::as_str).unwrap_or("").to_string();
            if !m.contains_key("listKind") {
                m.insert("listKind".into(), json!(format!("{kind}List")));
            }
            if !m.contains_key("singular") {
                m.insert("singular".into(), json!(kind.to_ascii_lowercase()));
            }
        }
        let stored: Vec<Value> = crd
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .map(|vs| {
                vs.iter()
                    .filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
                    .filter_map(|v| v.get("name").cloned())
                    .collect()
            })
            .unwrap_or_default();
        let now = now_rfc3339(ctx);
        if let Some(m) = crd.as_object_mut() {
            m.insert(
                "status".into(),
                json!({
                    "acceptedNames": accepted,
                    "conditions": [
                        {"type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts", "message": "no conflicts found"},
                        {"type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"}
                    ],
                    "storedVersions": stored
                }),
            );
        }
        Ok(())
    }

    /// PUT of an object, `/status` or (namespaces) `/finalize`.
    pub(crate) fn update(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        body: Value,
        req: &ApiRequest,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        self.update_with(ctx, t, body, strict_validation(req), dry_run, false)
    }

    pub(crate) fn update_with(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        mut new: Value,
        strict: bool,
        dry_run: bool,
        from_patch: bool,
    ) -> Result<Value, ApiError> {
        if !new.is_object() {
            return Err(ApiError::bad_request(format!("Object 'Kind' is missing in '{new}'")));
        }
        let custom = self.is_custom(&t.info);
        let url_name = t.name.clone().unwrap_or_default();
        self.check_body_type(t, &mut new)?;
        let body_name = meta_str(&new, "name").to_string();
        if body_name != url_name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({url_name})"
            )));
        }
        self.check_namespace(t, &mut new)?;
        let (prefix, key, old) = match self.existing(t) {
            Ok(x) => x,
            Err(e) => {
                if !from_patch && t.sub.is_none() && strategy::allow_create_on_update(&t.info) {
                    meta::remove_meta(&mut new, "resourceVersion");
                    return self.create_with(ctx, t, new, strict, dry_run);
                }
                return Err(e);
            }
        };
        let old_rv = meta_str(&old, "resourceVersion").to_string();
        let body_rv = meta_str(&new, "resourceVersion").to_string();
        if body_rv.is_empty() {
            if !strategy::allow_unconditional_update(&t.info, custom) {
                return Err(ApiError::invalid(
                    &t.info.group,
                    &t.info.kind,
                    &url_name,
                    &[FieldError::invalid(
                        "metadata.resourceVersion",
                        "0x0",
                        "must be specified for an update",
                    )],
                ));
            }
        } else if body_rv != old_rv {
            return Err(ApiError::conflict(&t.gr(), &url_name, OPTIMISTIC_LOCK));
        }
        self.schema_and_defaults(t, &mut new, strict)?;
        let served_info = t.info.clone();
        let (storage_target, mut new) = self.to_storage(t, new)?;
        let t = &storage_target;

        let mut new = match t.sub.as_deref() {
            Some("status") => strategy::prepare_for_status_update(&t.info, &old, &new, &now_rfc3339(ctx)),
            Some("finalize") => {
                let mut out = old.clone();
                let fin = new.pointer("/spec/finalizers").cloned();
                let spec = child_map(&mut out, "spec");
                match fin {
                    Some(f) => spec.insert("finalizers".into(), f),
                    None => spec.remove("finalizers"),
                };
                out
            }
            Some("ephemeralcontainers") => {
                let mut out = old.clone();
                let ec = new.pointer("/spec/ephemeralContainers").cloned();
                let spec = child_map(&mut out, "spec");
                match ec {
                    Some(e) => spec.insert("ephemeralContainers".into(), e),
                    None => spec.remove("ephemeralContainers"),
                };
                out
            }
            Some("resize") => strategy::prepare_for_resize(&old, &new),
            Some("approval") => {
                // Only the conditions change through /approval.
                let mut out = old.clone();
                let conds = new.pointer("/status/conditions").cloned();
                let status = child_map(&mut out, "status");
                match conds {
                    Some(c) => status.insert("conditions".into(), c),
                    None => status.remove("conditions"),
                };
                out
            }
            _ => {
                if t.info.group.is_empty() && t.info.plural == "pods" {
                    ApiServer::admit_pod_update(&old, &mut new);
                }
                if t.info.group == "scheduling.k8s.io" && t.info.plural == "priorityclasses" {
                    self.admit_priority_class(t, &new, true)?;
                }
                strategy::prepare_for_update(&t.info, &old, &mut new);
                if t.info.group.is_empty() && t.info.plural == "services" {
                    crate::services::drop_type_dependent_fields(&old, &mut new);
                }
                new
            }
        };
        // System metadata an update cannot change.
        if meta_str(&new, "uid").is_empty() {
            if let Some(u) = meta::meta(&old).and_then(|m| m.get("uid")).cloned() {
                set_meta(&mut new, "uid", u);
            }
        }
        for f in [
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
        ] {
            match meta::meta(&old).and_then(|m| m.get(f)).cloned() {
                Some(v) => set_meta(&mut new, f, v),
                None => meta::remove_meta(&mut new, f),
            }
        }
        set_meta(&mut new, "resourceVersion", json!(old_rv));
        let spec_writer = matches!(t.sub.as_deref(), None | Some("ephemeralcontainers") | Some("resize"));
        if spec_writer && strategy::has_generation(&t.info, custom) {
            let g = strategy::next_generation(&t.info, &old, &new);
            set_meta(&mut new, "generation", json!(g));
        }

        // The pod update rules are the main resource's; ephemeralcontainers and resize only
        // take their own part of the request (their dedicated validation is not modelled).
        let errs = match t.sub.as_deref() {
            Some("ephemeralcontainers") | Some("resize") => Vec::new(),
            _ => {
                let mut errs = compat::validate_update(&t.info, &old, &new);
                errs.extend(self.custom_resource_errors(t, &new));
                errs
            }
        };
        if !errs.is_empty() {
            return Err(ApiError::invalid(&t.info.group, &t.info.kind, &url_name, &errs));
        }
        if t.sub.is_none() {
            for w in api::warnings::on_write(&t.info.group, &t.info.kind, &new, Some(&old)) {
                self.add_warning(w);
            }
        }
        if t.info.group.is_empty() && t.info.plural == "services" && t.sub.is_none() {
            self.allocate_service(ctx, &key, &mut new, Some(&old), dry_run)?;
        }
        if new == old {
            return Ok(self.served(&served_info, &old));
        }
        if self.should_delete_during_update(&t.info, &old, &new) {
            if dry_run {
                return Ok(self.served(&served_info, &new));
            }
            let gone = self.commit_delete(&prefix, &key).unwrap_or(new);
            self.after_delete(&t.info, &gone);
            return Ok(self.served(&served_info, &gone));
        }
        if dry_run {
            return Ok(self.served(&served_info, &new));
        }
        let is_crd = t.info.plural == "customresourcedefinitions" && t.info.group == "apiextensions.k8s.io";
        if is_crd && t.sub.is_none() {
            let _ = self.catalog.add_crd(&new);
        }
        let stored = self.commit_update(&prefix, key, new);
        let ns = meta_str(&stored, "namespace").to_string();
        if self.has_quotas(&ns) {
            self.sync_resource_quotas(Some(&ns));
        }
        Ok(self.served(&served_info, &stored))
    }

    /// An object being deleted goes once its last finalizer is removed (and, for graceful
    /// deletion, once its grace period is 0).
    fn should_delete_during_update(&self, info: &api::ResourceInfo, old: &Value, new: &Value) -> bool {
        if meta_str(new, "deletionTimestamp").is_empty() || !finalizers(new).is_empty() {
            return false;
        }
        if info.group.is_empty() && info.plural == "namespaces" {
            return new
                .pointer("/spec/finalizers")
                .and_then(Value::as_array)
                .is_none_or(|a| a.is_empty());
        }
        old.pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            == 0
    }

    /// PATCH of an object or its `/status` or `/scale`.
    pub(crate) fn patch(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        req: &ApiRequest,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let ptype = req.patch_type.ok_or_else(|| ApiError::unsupported_media_type(""))?;
        let body = req
            .body
            .clone()
            .ok_or_else(|| ApiError::bad_request("the body of the request is empty"))?;
        let (_, _, old) = self.existing(t)?;
        let scale = t.sub.as_deref() == Some("scale");
        let current = if scale {
            self.scale_of(t, &old)?
        } else {
            self.served(&t.info, &old)
        };
        let patched = match ptype {
            PatchType::Json => {
                if !body.is_array() {
                    return Err(ApiError::bad_request(format!(
                        "json: cannot unmarshal {} into Go value of type jsonpatch.Patch",
                        go_json_type(&body)
                    )));
                }
                let ops: json_patch::Patch = serde_json::from_value(body).map_err(|_| patch_rejected())?;
                let mut doc = current;
                json_patch::patch(&mut doc, &ops).map_err(|_| patch_rejected())?;
                doc
            }
            PatchType::Merge => {
                if !body.is_object() {
                    return Err(ApiError::bad_request("Invalid JSON Patch"));
                }
                let mut doc = current;
                json_patch::merge(&mut doc, &body);
                doc
            }
            PatchType::StrategicMerge => {
                if self.is_custom(&t.info) {
                    return Err(ApiError(Status::failure(
                        415,
                        "UnsupportedMediaType",
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml".into(),
                        None,
                    )));
                }
                if !body.is_object() {
                    return Err(ApiError::bad_request(format!(
                        "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                        go_json_type(&body)
                    )));
                }
                let gvk = if scale {
                    apimachinery::GroupVersionKind::new("autoscaling", "v1", "Scale")
                } else {
                    t.info.gvk()
                };
                compat::strategic_merge(&gvk, &current, &body).map_err(ApiError::bad_request)?
            }
        };
        if scale {
            return self.update_scale(ctx, t, patched, dry_run);
        }
        let strict = strict_validation(req);
        if strict && !self.is_custom(&t.info) {
            // A patch that leaves unknown fields is refused as an invalid `patch`, showing
            // the patch (SMP, as Go prints the map) or the patched object (JSON patches).
            let unknown = compat::unknown_fields(&t.info.gvk(), &patched);
            if !unknown.is_empty() {
                let shown = match ptype {
                    PatchType::StrategicMerge => go_value(req.body.as_ref().unwrap_or(&Value::Null)),
                    _ => patched.to_string(),
                };
                let detail = format!(
                    "strict decoding error: {}",
                    unknown
                        .iter()
                        .map(|f| format!("unknown field \"{f}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                return Err(ApiError::invalid(
                    "",
                    "",
                    "",
                    &[FieldError::invalid_str("patch", &shown, detail)],
                ));
            }
        }
        self.update_with(ctx, t, patched, false, dry_run, true)
    }

    /// The autoscaling/v1 Scale of a scalable object.
    pub(crate) fn scale_of(&self, t: &Target, obj: &Value) -> Result<Value, ApiError> {
        let selector = match obj.pointer("/spec/selector") {
            Some(s) if t.info.plural == "replicationcontrollers" => {
                let mut parts: Vec<String> = s
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                            .collect()
                    })
                    .unwrap_or_default();
                parts.sort();
                parts.join(",")
            }
            Some(s) => compat::format_label_selector(s),
            None => String::new(),
        };
        let mut m = serde_json::Map::new();
        for f in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            if let Some(v) = meta::meta(obj).and_then(|mm| mm.get(f)) {
                m.insert(f.into(), v.clone());
            }
        }
        let mut status = serde_json::Map::new();
        status.insert(
            "replicas".into(),
            json!(obj.pointer("/status/replicas").and_then(Value::as_i64).unwrap_or(0)),
        );
        if !selector.is_empty() {
            status.insert("selector".into(), json!(selector));
        }
        Ok(json!({
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": m,
            "spec": {"replicas": obj.pointer("/spec/replicas").and_then(Value::as_i64).unwrap_or(0)},
            "status": status,
        }))
    }

    pub(crate) fn get_scale(&self, t: &Target) -> Result<Value, ApiError> {
        let (_, _, obj) = self.existing(t)?;
        self.scale_of(t, &obj)
    }

    pub(crate) fn update_scale(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        scale: Value,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let (_, _, old) = self.existing(t)?;
        let name = t.name.clone().unwrap_or_default();
        let rv = meta_str(&scale, "resourceVersion");
        if !rv.is_empty() && rv != meta_str(&old, "resourceVersion") {
            return Err(ApiError::conflict(&t.gr(), &name, OPTIMISTIC_LOCK));
        }
        let replicas = match scale.pointer("/spec/replicas") {
            None | Some(Value::Null) => 0,
            Some(v) => v.as_i64().ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Scale in version \"v1\" cannot be handled as a Scale: json: cannot unmarshal {} into Go struct field ScaleSpec.spec.replicas of type int32",
                    go_json_type(v)
                ))
            })?,
        };
        if replicas < 0 {
            return Err(ApiError::invalid(
                "autoscaling",
                "Scale",
                &name,
                &[FieldError::invalid(
                    "spec.replicas",
                    replicas.to_string(),
                    "must be greater than or equal to 0",
                )],
            ));
        }
        let mut new = old.clone();
        child_map(&mut new, "spec").insert("replicas".into(), json!(replicas));
        let main = Target {
            info: t.info.clone(),
            namespace: t.namespace.clone(),
            name: t.name.clone(),
            sub: None,
        };
        let updated = self.update_with(ctx, &main, new, false, dry_run, true)?;
        self.scale_of(t, &updated)
    }

    /// POST pods/{name}/binding: the scheduler's assignment.
    pub(crate) fn bind_pod(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        body: Value,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let name = t.name.clone().unwrap_or_default();
        let node = str_at(&body, "/target/name").to_string();
        if node.is_empty() {
            return Err(ApiError::invalid(
                "",
                "Binding",
                &name,
                &[FieldError::required("target.name", "")],
            ));
        }
        let (prefix, key, old) = self.existing(t)?;
        let binding_gr = GroupResource::new("", "pods/binding");
        if !meta_str(&old, "deletionTimestamp").is_empty() {
            return Err(ApiError::conflict(
                &binding_gr,
                &name,
                &format!("pod {name} is being deleted, cannot be assigned to a host"),
            ));
        }
        let current = str_at(&old, "/spec/nodeName");
        if !current.is_empty() {
            return Err(ApiError::conflict(
                &binding_gr,
                &name,
                &format!("pod {name} is already assigned to node \"{current}\""),
            ));
        }
        let mut pod = old.clone();
        child_map(&mut pod, "spec").insert("nodeName".into(), json!(node));
        if let Some(ann) = body.pointer("/metadata/annotations").and_then(Value::as_object) {
            let m = meta::meta_mut(&mut pod);
            let a = meta::ensure_map(m.entry("annotations").or_insert_with(|| json!({})));
            for (k, v) in ann {
                a.insert(k.clone(), v.clone());
            }
        }
        let now = now_rfc3339(ctx);
        let status = child_map(&mut pod, "status");
        let conds = status.entry("conditions").or_insert_with(|| json!([]));
        if !conds.is_array() {
            *conds = json!([]);
        }
        if let Some(a) = conds.as_array_mut() {
            let cond =
                json!({"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now});
            match a
                .iter_mut()
                .find(|c| c.get("type").and_then(Value::as_str) == Some("PodScheduled"))
            {
                Some(c) => *c = cond,
                None => a.push(cond),
            }
        }
        if !dry_run {
            self.commit_update(&prefix, key, pod);
        }
        Ok(json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}))
    }

    /// POST pods/{name}/eviction: a delete (PodDisruptionBudgets are not consulted).
    pub(crate) fn evict_pod(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        body: Option<&Value>,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let mut opts = DeleteOptions::default();
        if let Some(o) = body.and_then(|b| b.get("deleteOptions")) {
            opts.merge_body(o);
        }
        let main = Target {
            info: t.info.clone(),
            namespace: t.namespace.clone(),
            name: t.name.clone(),
            sub: None,
        };
        let (_, _, pod) = self.existing(&main)?;
        self.check_disruption_budget(ctx, &pod, dry_run)?;
        self.delete_inner(ctx, &main, &opts, dry_run)?;
        Ok(json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}))
    }

    /// The eviction subresource's PodDisruptionBudget check; an allowed eviction is recorded
    /// in the budget's status (disruptionsAllowed - 1, disruptedPods).
    fn check_disruption_budget(&mut self, ctx: &SimContext, pod: &Value, dry_run: bool) -> Result<(), ApiError> {
        let phase = str_at(pod, "/status/phase");
        if matches!(phase, "Succeeded" | "Failed" | "Pending" | "") || !meta_str(pod, "deletionTimestamp").is_empty() {
            return Ok(());
        }
        let ns = meta_str(pod, "namespace").to_string();
        let pod_name = meta_str(pod, "name").to_string();
        let labels = crate::meta::labels(pod);
        let mut budgets: Vec<(String, Value)> = Vec::new();
        for (key, pdb) in self.scan("/registry/poddisruptionbudgets", Some(&ns), None) {
            let selector = pdb.pointer("/spec/selector").cloned().unwrap_or(Value::Null);
            let matches = match apimachinery::labels::Selector::from_label_selector(&selector) {
                Ok(sel) => sel.matches_json(labels.map(|m| Value::Object(m.clone())).as_ref()),
                Err(_) => false,
            };
            if matches {
                budgets.push((key.clone(), pdb.clone()));
            }
        }
        let (key, mut pdb) =
            match budgets.len() {
                0 => return Ok(()),
                1 => budgets.remove(0),
                _ => return Err(ApiError::internal(
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                )),
            };
        let name = meta_str(&pdb, "name").to_string();
        let too_many = |retry: i32, cause: String| {
            let mut e = ApiError(Status::failure(
                429,
                "TooManyRequests",
                "Cannot evict pod as it would violate the pod's disruption budget.".into(),
                Some(StatusDetails {
                    causes: vec![apimachinery::StatusCause {
                        reason: "DisruptionBudget".into(),
                        message: cause,
                        field: String::new(),
                    }],
                    ..Default::default()
                }),
            ));
            if retry > 0 {
                if let Some(d) = e.0.details.as_mut() {
                    d.retry_after_seconds = Some(retry);
                }
            }
            e
        };
        let int = |p: &str| pdb.pointer(p).and_then(Value::as_i64).unwrap_or(0);
        if int("/status/observedGeneration") < int("/metadata/generation") {
            return Err(too_many(
                10,
                format!("The disruption budget {name} is still being processed by the server."),
            ));
        }
        let allowed = int("/status/disruptionsAllowed");
        if allowed < 0 {
            return Err(ApiError::forbidden(
                &GroupResource::new("policy", "poddisruptionbudget"),
                &name,
                "pdb disruptions allowed is negative",
            ));
        }
        let ready = pod
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .is_some_and(|cs| {
                cs.iter()
                    .any(|c| c.get("type") == Some(&json!("Ready")) && c.get("status") == Some(&json!("True")))
            });
        if !ready {
            // An unready pod costs no availability while the budget is met (IfHealthyBudget),
            // or always (AlwaysAllow).
            let policy = str_at(&pdb, "/spec/unhealthyPodEvictionPolicy");
            if policy == "AlwaysAllow" || int("/status/currentHealthy") >= int("/status/desiredHealthy") {
                return Ok(());
            }
        }
        if allowed == 0 {
            return Err(too_many(
                0,
                format!(
                    "The disruption budget {name} needs {} healthy pods and has {} currently",
                    int("/status/desiredHealthy"),
                    int("/status/currentHealthy")
                ),
            ));
        }
        if dry_run {
            return Ok(());
        }
        let status = child_map(&mut pdb, "status");
        status.insert("disruptionsAllowed".into(), json!(allowed - 1));
        let disrupted = crate::meta::ensure_map(status.entry("disruptedPods").or_insert_with(|| json!({})));
        disrupted.insert(pod_name, json!(now_rfc3339(ctx)));
        self.commit_update("/registry/poddisruptionbudgets", key, pdb);
        Ok(())
    }

    /// DELETE of one object.
    pub(crate) fn delete(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        opts: DeleteOptions,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let (obj, gone) = self.delete_inner(ctx, t, &opts, dry_run)?;
        let custom = self.is_custom(&t.info);
        if gone && !strategy::returns_deleted_object(&t.info, custom) {
            let details = StatusDetails {
                name: meta_str(&obj, "name").to_string(),
                group: t.info.group.clone(),
                kind: t.info.plural.clone(),
                uid: meta_str(&obj, "uid").to_string(),
                ..Default::default()
            };
            let mut v = serde_json::to_value(Status::success(Some(details))).unwrap_or(Value::Null);
            if let Some(m) = v.as_object_mut() {
                m.remove("code");
            }
            return Ok(v);
        }
        Ok(obj)
    }

    /// Deletes (or marks for deletion); returns the object and whether it is gone.
    pub(crate) fn delete_inner(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        opts: &DeleteOptions,
        dry_run: bool,
    ) -> Result<(Value, bool), ApiError> {
        let (prefix, key, old) = self.existing(t)?;
        let name = t.name.clone().unwrap_or_default();
        let kind_gr = GroupResource::new(&t.info.group, &t.info.kind);
        if let Some(uid) = &opts.precondition_uid {
            let rec = meta_str(&old, "uid");
            if uid != rec {
                return Err(ApiError::conflict(
                    &kind_gr,
                    &name,
                    &format!("the UID in the precondition ({uid}) does not match the UID in record ({rec}). The object might have been deleted and then recreated"),
                ));
            }
        }
        if let Some(rv) = &opts.precondition_rv {
            let rec = meta_str(&old, "resourceVersion");
            if rv != rec {
                return Err(ApiError::conflict(
                    &kind_gr,
                    &name,
                    &format!("the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({rec}). The object might have been modified"),
                ));
            }
        }
        let is_ns = t.info.group.is_empty() && t.info.plural == "namespaces";
        if is_ns && crate::admission::IMMORTAL_NAMESPACES.contains(&name.as_str()) {
            return Err(ApiError::forbidden(&t.gr(), &name, "this namespace may not be deleted"));
        }
        let mut obj = old.clone();
        let mut fins = finalizers(&obj);
        match opts.propagation_policy.as_deref() {
            Some("Orphan") => {
                fins.retain(|f| f != "foregroundDeletion");
                if !fins.iter().any(|f| f == "orphan") {
                    fins.push("orphan".into());
                }
            }
            Some("Foreground") => {
                fins.retain(|f| f != "orphan");
                if !fins.iter().any(|f| f == "foregroundDeletion") {
                    fins.push("foregroundDeletion".into());
                }
            }
            Some("Background") => fins.retain(|f| f != "orphan" && f != "foregroundDeletion"),
            _ => {}
        }
        let fins_changed = fins != finalizers(&old);
        set_finalizers(&mut obj, &fins);
        let being_deleted = !meta_str(&old, "deletionTimestamp").is_empty();
        let is_pod = t.info.group.is_empty() && t.info.plural == "pods";
        let grace = if is_pod {
            pod_grace_period(&old, opts.grace_period_seconds)
        } else {
            0
        };
        let now = ctx.now().unix_secs();

        if is_ns {
            let spec_fins = old
                .pointer("/spec/finalizers")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
            if spec_fins || !fins.is_empty() {
                if !being_deleted {
                    set_meta(&mut obj, "deletionTimestamp", json!(timestamp_after(now, 0)));
                    set_meta(&mut obj, "deletionGracePeriodSeconds", json!(0));
                    child_map(&mut obj, "status").insert("phase".into(), json!("Terminating"));
                } else if !fins_changed {
                    return Ok((self.served(&t.info, &old), false));
                }
                if dry_run {
                    return Ok((self.served(&t.info, &obj), false));
                }
                let stored = self.commit_update(&prefix, key, obj);
                return Ok((self.served(&t.info, &stored), false));
            }
        }

        if being_deleted {
            let mut changed = fins_changed;
            if is_pod && fins.is_empty() && grace == 0 {
                return self.finish_delete(t, &prefix, &key, old, dry_run);
            }
            if is_pod {
                let current_grace = old
                    .pointer("/metadata/deletionGracePeriodSeconds")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                let deadline = apimachinery::time::parse_rfc3339(meta_str(&old, "deletionTimestamp")).unwrap_or(now);
                if grace < current_grace && now.saturating_add(grace) < deadline {
                    set_meta(&mut obj, "deletionTimestamp", json!(timestamp_after(now, grace)));
                    set_meta(&mut obj, "deletionGracePeriodSeconds", json!(grace));
                    changed = true;
                }
            }
            if !changed || dry_run {
                return Ok((self.served(&t.info, &obj), false));
            }
            let stored = self.commit_update(&prefix, key, obj);
            return Ok((self.served(&t.info, &stored), false));
        }

        if !fins.is_empty() || grace > 0 {
            set_meta(&mut obj, "deletionTimestamp", json!(timestamp_after(now, grace)));
            set_meta(&mut obj, "deletionGracePeriodSeconds", json!(grace));
            // Controllers must see the first deletion mark as a new generation.
            let generation = obj.pointer("/metadata/generation").and_then(Value::as_i64).unwrap_or(0);
            if generation > 0 {
                set_meta(&mut obj, "generation", json!(generation.saturating_add(1)));
            }
            if dry_run {
                return Ok((self.served(&t.info, &obj), false));
            }
            let stored = self.commit_update(&prefix, key, obj);
            return Ok((self.served(&t.info, &stored), false));
        }
        self.finish_delete(t, &prefix, &key, old, dry_run)
    }

    fn finish_delete(
        &mut self,
        t: &Target,
        prefix: &str,
        key: &str,
        old: Value,
        dry_run: bool,
    ) -> Result<(Value, bool), ApiError> {
        if dry_run {
            return Ok((self.served(&t.info, &old), true));
        }
        let gone = self.commit_delete(prefix, key).unwrap_or(old);
        self.after_delete(&t.info, &gone);
        let ns = meta_str(&gone, "namespace").to_string();
        if self.has_quotas(&ns) {
            self.sync_resource_quotas(Some(&ns));
        }
        Ok((self.served(&t.info, &gone), true))
    }

    /// Follow-ups of a completed delete: a CRD takes its resource and objects with it.
    fn after_delete(&mut self, info: &api::ResourceInfo, obj: &Value) {
        if info.group == "apiextensions.k8s.io" && info.plural == "customresourcedefinitions" {
            let group = str_at(obj, "/spec/group").to_string();
            let plural = str_at(obj, "/spec/names/plural").to_string();
            let prefix = format!("/registry/{group}/{plural}");
            let keys: Vec<String> = self
                .store
                .get(&prefix)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            for k in keys {
                self.commit_delete(&prefix, &k);
            }
            self.store.remove(&prefix);
            self.catalog.remove_crd(meta_str(obj, "name"));
        }
    }

    /// DELETE of a collection: deletes every matching object; answers with the list of them.
    pub(crate) fn delete_collection(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        req: &ApiRequest,
        dry_run: bool,
    ) -> Result<Value, ApiError> {
        let opts = DeleteOptions::from_request(req)?;
        let lopts = self.list_options(t, req)?;
        let prefix = self.prefix(&t.info);
        let names: Vec<(String, String)> = self
            .scan(&prefix, t.namespace.as_deref(), None)
            .filter(|(_, o)| Self::matches(&t.info.plural, &lopts, o))
            .map(|(_, o)| (meta_str(o, "namespace").to_string(), meta_str(o, "name").to_string()))
            .collect();
        let mut items = Vec::new();
        for (ns, name) in names {
            let one = Target {
                info: t.info.clone(),
                namespace: if ns.is_empty() { None } else { Some(ns) },
                name: Some(name),
                sub: None,
            };
            let (mut obj, _) = self.delete_inner(ctx, &one, &opts, dry_run)?;
            if let Some(m) = obj.as_object_mut() {
                m.remove("kind");
                m.remove("apiVersion");
            }
            items.push(obj);
        }
        Ok(json!({
            "kind": format!("{}List", t.info.kind),
            "apiVersion": t.info.api_version(),
            "metadata": {"resourceVersion": self.resource_version.to_string()},
            "items": items,
        }))
    }

    /// Creates what kube-apiserver creates when it starts: the default ServiceCIDR, the system
    /// namespaces, the system PriorityClasses and the `kubernetes` Service. Call once on a
    /// fresh server.
    pub fn bootstrap(&mut self, ctx: &mut SimContext) -> Result<(), ApiError> {
        self.ensure_service_cidr(ctx);
        for ns in ["default", "kube-node-lease", "kube-public", "kube-system"] {
            self.create_builtin(
                ctx,
                "",
                "namespaces",
                None,
                json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            )?;
        }
        self.create_builtin(
            ctx,
            "scheduling.k8s.io",
            "priorityclasses",
            None,
            json!({
                "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                "metadata": {"name": "system-node-critical"},
                "value": 2000001000,
                "description": "Used for system critical pods that must not be moved from their current node.",
                "preemptionPolicy": "PreemptLowerPriority"
            }),
        )?;
        self.create_builtin(
            ctx,
            "scheduling.k8s.io",
            "priorityclasses",
            None,
            json!({
                "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                "metadata": {"name": "system-cluster-critical"},
                "value": 2000000000,
                "description": "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
                "preemptionPolicy": "PreemptLowerPriority"
            }),
        )?;
        self.create_builtin(
            ctx,
            "",
            "services",
            Some("default"),
            json!({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
                "spec": {
                    "clusterIP": "10.96.0.1",
                    "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                    "sessionAffinity": "None",
                    "type": "ClusterIP",
                    "internalTrafficPolicy": "Cluster"
                }
            }),
        )?;
        Ok(())
    }

    /// Creates a built-in object the way a POST would (for the cluster and start-up).
    pub fn create_builtin(
        &mut self,
        ctx: &mut SimContext,
        group: &str,
        plural: &str,
        namespace: Option<&str>,
        obj: Value,
    ) -> Result<Value, ApiError> {
        let info = self
            .catalog_resource(group, plural)
            .cloned()
            .ok_or_else(ApiError::no_route)?;
        let t = Target {
            info,
            namespace: namespace.map(str::to_string),
            name: None,
            sub: None,
        };
        self.create_with(ctx, &t, obj, false, false)
    }

    /// The namespace controller's status report while content remains.
    fn record_namespace_conditions(
        &mut self,
        ctx: &SimContext,
        ns: &str,
        remaining: &[(api::ResourceInfo, String, String)],
    ) {
        let mut by_resource: BTreeMap<String, usize> = BTreeMap::new();
        let mut by_finalizer: BTreeMap<String, usize> = BTreeMap::new();
        for (info, key, _) in remaining {
            *by_resource
                .entry(format!("{}.{}", info.plural, info.group))
                .or_default() += 1;
            if let Some(obj) = self.stored(&self.prefix(info), key) {
                for f in finalizers(obj) {
                    *by_finalizer.entry(f).or_default() += 1;
                }
            }
        }
        let mut special: BTreeMap<&str, (&str, String)> = BTreeMap::new();
        let parts: Vec<String> = by_resource
            .iter()
            .map(|(r, n)| format!("{r} has {n} resource instances"))
            .collect();
        special.insert(
            "NamespaceContentRemaining",
            (
                "SomeResourcesRemain",
                format!("Some resources are remaining: {}", parts.join(", ")),
            ),
        );
        if !by_finalizer.is_empty() {
            let parts: Vec<String> = by_finalizer
                .iter()
                .map(|(f, n)| format!("{f} in {n} resource instances"))
                .collect();
            special.insert(
                "NamespaceFinalizersRemaining",
                (
                    "SomeFinalizersRemain",
                    format!(
                        "Some content in the namespace has finalizers remaining: {}",
                        parts.join(", ")
                    ),
                ),
            );
        }
        let Some(mut obj) = self.stored("/registry/namespaces", ns).cloned() else {
            return;
        };
        let old_conditions: Vec<Value> = obj
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let now = now_rfc3339(ctx);
        let mut conditions = Vec::new();
        for (ty, ok_reason, ok_message) in NAMESPACE_CONDITIONS {
            let (status, reason, message) = match special.get(ty) {
                Some((r, m)) => ("True", *r, m.clone()),
                None => ("False", ok_reason, ok_message.to_string()),
            };
            let since = old_conditions
                .iter()
                .find(|c| {
                    c.get("type").and_then(Value::as_str) == Some(ty)
                        && c.get("status").and_then(Value::as_str) == Some(status)
                })
                .and_then(|c| c.get("lastTransitionTime").cloned())
                .unwrap_or_else(|| json!(now));
            conditions.push(json!({"type": ty, "status": status, "lastTransitionTime": since, "reason": reason, "message": message}));
        }
        let status = child_map(&mut obj, "status");
        if status.get("conditions") == Some(&Value::Array(conditions.clone())) {
            return;
        }
        status.insert("conditions".into(), Value::Array(conditions));
        self.commit_update("/registry/namespaces", ns.to_string(), obj);
    }

    /// The namespace controller's work: for every Terminating namespace, delete its content;
    /// once nothing is left, drop the `kubernetes` finalizer and remove the namespace.
    /// Returns the names of the namespaces removed.
    pub fn run_namespace_finalizer(&mut self, ctx: &mut SimContext) -> Vec<String> {
        let terminating: Vec<String> = self
            .store
            .get("/registry/namespaces")
            .map(|m| {
                m.values()
                    .filter(|ns| !meta_str(ns, "deletionTimestamp").is_empty())
                    .map(|ns| meta_str(ns, "name").to_string())
                    .collect()
            })
            .unwrap_or_default();
        let mut removed = Vec::new();
        let opts = DeleteOptions {
            propagation_policy: Some("Background".into()),
            ..Default::default()
        };
        for ns in terminating {
            for (info, _key, name) in self.namespace_content(&ns) {
                let t = Target {
                    info,
                    namespace: Some(ns.clone()),
                    name: Some(name),
                    sub: None,
                };
                let already = self
                    .existing(&t)
                    .map(|(_, _, o)| !meta_str(&o, "deletionTimestamp").is_empty())
                    .unwrap_or(true);
                if !already {
                    let _ = self.delete_inner(ctx, &t, &opts, false);
                }
            }
            let remaining = self.namespace_content(&ns);
            if !remaining.is_empty() {
                self.record_namespace_conditions(ctx, &ns, &remaining);
                continue;
            }
            let Some(mut obj) = self.stored("/registry/namespaces", &ns).cloned() else {
                continue;
            };
            let spec = child_map(&mut obj, "spec");
            if let Some(a) = spec.get_mut("finalizers").and_then(Value::as_array_mut) {
                a.retain(|f| f.as_str() != Some("kubernetes"));
                if a.is_empty() {
                    spec.remove("finalizers");
                }
            }
            let spec_empty = obj.pointer("/spec/finalizers").is_none();
            if spec_empty && finalizers(&obj).is_empty() {
                self.commit_delete("/registry/namespaces", &ns);
                removed.push(ns);
            } else {
                self.commit_update("/registry/namespaces", ns.clone(), obj);
            }
        }
        removed
    }
}

/// The namespace controller's condition types, in the order it writes them, with the
/// reason and message of their "nothing wrong" (False) state.
const NAMESPACE_CONDITIONS: [(&str, &str, &str); 5] = [
    (
        "NamespaceDeletionDiscoveryFailure",
        "ResourcesDiscovered",
        "All resources successfully discovered",
    ),
    (
        "NamespaceDeletionGroupVersionParsingFailure",
        "ParsedGroupVersions",
        "All legacy kube types successfully parsed",
    ),
    (
        "NamespaceDeletionContentFailure",
        "ContentDeleted",
        "All content successfully deleted, may be waiting on finalization",
    ),
    (
        "NamespaceContentRemaining",
        "ContentRemoved",
        "All content successfully removed",
    ),
    (
        "NamespaceFinalizersRemaining",
        "ContentHasNoFinalizers",
        "All content-preserving finalizers finished",
    ),
];

/// The Go package of a group's internal types (`core.Pod`, `apps.Deployment`).
fn internal_package(group: &str) -> &str {
    if group.is_empty() {
        return "core";
    }
    group.split('.').next().unwrap_or(group)
}

/// The pod strategy's CheckGracefulDelete.
fn pod_grace_period(pod: &Value, requested: Option<i64>) -> i64 {
    let mut g = requested.unwrap_or_else(|| {
        pod.pointer("/spec/terminationGracePeriodSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(30)
    });
    if str_at(pod, "/spec/nodeName").is_empty() {
        g = 0;
    }
    if matches!(str_at(pod, "/status/phase"), "Failed" | "Succeeded") {
        g = 0;
    }
    if g < 0 {
        g = 1;
    }
    g
}

/// Go's `%+v` of an unstructured value (`map[spec:map[replicas:3]]`).
fn go_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_value).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", go_value(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

fn go_json_type(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip_and_reject_garbage() {
        let t = encode_continue(42, "default/web");
        assert_eq!(decode_continue(&t).unwrap(), "default/web");
        let e = decode_continue("!!!").unwrap_err();
        assert!(
            e.message().starts_with("continue key is not valid: "),
            "{}",
            e.message()
        );
    }

    #[test]
    fn unscheduled_or_finished_pods_have_no_grace() {
        assert_eq!(pod_grace_period(&json!({"spec": {}}), None), 0);
        assert_eq!(pod_grace_period(&json!({"spec": {"nodeName": "n"}}), None), 30);
        assert_eq!(
            pod_grace_period(
                &json!({"spec": {"nodeName": "n", "terminationGracePeriodSeconds": 5}}),
                None
            ),
            5
        );
        assert_eq!(pod_grace_period(&json!({"spec": {"nodeName": "n"}}), Some(0)), 0);
        assert_eq!(
            pod_grace_period(
                &json!({"spec": {"nodeName": "n"}, "status": {"phase": "Succeeded"}}),
                None
            ),
            0
        );
    }

    #[test]
    fn unsupported_propagation_policy_is_invalid() {
        let req = ApiRequest::delete("/api/v1/namespaces/default/pods/x").with_query("propagationPolicy", "Sometimes");
        let e = DeleteOptions::from_request(&req).unwrap_err();
        assert_eq!(e.code(), 422);
        assert_eq!(
            e.message(),
            "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"Sometimes\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
        );
    }

    #[test]
    fn empty_metadata_maps_are_not_stored() {
        let mut obj = json!({"metadata": {"name": "web", "labels": {}, "annotations": {"a": "b"}, "finalizers": []}});
        drop_empty_metadata(&mut obj);
        assert_eq!(obj, json!({"metadata": {"name": "web", "annotations": {"a": "b"}}}));
    }
}
