//! Strategic merge patch, as k8s.io/apimachinery/pkg/util/strategicpatch applies and creates
//! it: lists merged by their merge key (`containers` by `name`, container `ports` by
//! `containerPort`, …), the `$patch`, `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
//! `$setElementOrder/<field>` directives, `null` deleting a field; and the three-way patch
//! client-side `kubectl apply` sends. Kinds without built-in struct metadata (custom
//! resources) use JSON merge patch (RFC 7386) instead, as upstream does.
//!
//! The per-field strategies come from the Go struct tags (`patchStrategy`, `patchMergeKey`) of
//! k8s.io/api, looked up by the field's position in the object.

use apimachinery::GroupVersionKind;
use serde_json::{Map, Value};

const DIRECTIVE: &str = "$patch";
const RETAIN_KEYS: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST: &str = "$deleteFromPrimitiveList/";
const SET_ELEMENT_ORDER: &str = "$setElementOrder/";

/// How a field is patched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FieldMeta {
    /// `patchStrategy:"merge"`: lists are merged (by `merge_key` for lists of objects).
    pub merge: bool,
    /// `patchStrategy:"replace"` on an object: it is replaced whole.
    pub replace: bool,
    /// `retainKeys`: the patch names the keys to keep (union-type fields such as a volume's
    /// source or a Deployment's strategy).
    pub retain_keys: bool,
    pub merge_key: Option<&'static str>,
}

const fn merge_by(key: &'static str) -> FieldMeta {
    FieldMeta {
        merge: true,
        replace: false,
        retain_keys: false,
        merge_key: Some(key),
    }
}

/// The patch metadata of the field at `path` (struct field names from the object root; list
/// indices left out) in an object of `kind`.
pub fn field_meta(kind: &str, path: &[&str]) -> FieldMeta {
    let Some((field, parent)) = path.split_last() else {
        return FieldMeta::default();
    };
    let field = *field;
    let pod_spec = |p: &[&str]| (kind == "Pod" && p == ["spec"]) || p.ends_with(&["template", "spec"]);
    if parent.last() == Some(&"metadata") {
        match field {
            "finalizers" => {
                return FieldMeta {
                    merge: true,
                    ..FieldMeta::default()
                }
            }
            "ownerReferences" => return merge_by("uid"),
            _ => {}
        }
    }
    if pod_spec(parent) {
        match field {
            "containers" | "initContainers" | "ephemeralContainers" | "imagePullSecrets" | "schedulingGates" => {
                return merge_by("name")
            }
            "volumes" | "resourceClaims" => {
                return FieldMeta {
                    retain_keys: true,
                    ..merge_by("name")
                }
            }
            "hostAliases" => return merge_by("ip"),
            "topologySpreadConstraints" => return merge_by("topologyKey"),
            _ => {}
        }
    }
    if let Some((container_list, spec)) = parent.split_last() {
        if pod_spec(spec) && matches!(*container_list, "containers" | "initContainers" | "ephemeralContainers") {
            match field {
                "ports" => return merge_by("containerPort"),
                "env" => return merge_by("name"),
                "volumeMounts" => return merge_by("mountPath"),
                "volumeDevices" => return merge_by("devicePath"),
                _ => {}
            }
        }
    }
    if parent.last() == Some(&"status") && field == "conditions" {
        return merge_by("type");
    }
    match (kind, parent, field) {
        ("Pod", ["status"], "podIPs" | "hostIPs") => merge_by("ip"),
        ("Pod", ["status"], "resourceClaimStatuses") => FieldMeta {
            retain_keys: true,
            ..merge_by("name")
        },
        ("Service", ["spec"], "ports") => merge_by("port"),
        ("ServiceAccount", [], "secrets") => merge_by("name"),
        ("Node", ["spec"], "podCIDRs") => FieldMeta {
            merge: true,
            ..FieldMeta::default()
        },
        ("Node", ["status"], "addresses") => merge_by("type"),
        ("MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration", [], "webhooks") => merge_by("name"),
        ("Deployment", ["spec"], "strategy") => FieldMeta {
            retain_keys: true,
            ..FieldMeta::default()
        },
        _ => FieldMeta::default(),
    }
}

fn has_struct_metadata(gvk: &GroupVersionKind) -> bool {
    crate::schema::is_known(gvk)
}

/// Whether the API server accepts `application/strategic-merge-patch+json` for `gvk`. For
/// custom resources it answers 415 UnsupportedMediaType: `the body of the request was in an
/// unknown format - accepted media types include: application/json-patch+json,
/// application/merge-patch+json, application/apply-patch+yaml`.
pub fn supports_strategic(gvk: &GroupVersionKind) -> bool {
    has_struct_metadata(gvk)
}

/// Applies a strategic merge patch (`kubectl patch --type strategic`, the default) to
/// `original`. Custom resources get JSON merge patch semantics.
pub fn apply(gvk: &GroupVersionKind, original: &Value, patch: &Value) -> Result<Value, String> {
    let Some(patch_map) = patch.as_object() else {
        return Err("the patch must be a JSON object".to_string());
    };
    if !has_struct_metadata(gvk) {
        return Ok(json_merge_patch(original, patch));
    }
    let original_map = original.as_object().cloned().unwrap_or_default();
    let ctx = Ctx {
        kind: gvk.kind.as_str(),
    };
    let merged = ctx.merge_map(original_map, patch_map.clone(), &[], true)?;
    Ok(Value::Object(merged))
}

/// RFC 7386 JSON merge patch.
pub fn json_merge_patch(original: &Value, patch: &Value) -> Value {
    let Value::Object(patch_map) = patch else {
        return patch.clone();
    };
    let mut target = match original {
        Value::Object(m) => m.clone(),
        _ => Map::new(),
    };
    for (k, v) in patch_map {
        if v.is_null() {
            target.remove(k);
        } else {
            let merged = json_merge_patch(target.get(k).unwrap_or(&Value::Null), v);
            target.insert(k.clone(), merged);
        }
    }
    Value::Object(target)
}

/// RFC 7386 merge patch turning `from` into `to` (jsonpatch.CreateMergePatch).
pub fn create_json_merge_patch(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(f), Value::Object(t)) => {
            let mut patch = Map::new();
            for (k, fv) in f {
                match t.get(k) {
                    None => {
                        patch.insert(k.clone(), Value::Null);
                    }
                    Some(tv) if tv != fv => {
                        let sub = match (fv, tv) {
                            (Value::Object(_), Value::Object(_)) => create_json_merge_patch(fv, tv),
                            _ => tv.clone(),
                        };
                        patch.insert(k.clone(), sub);
                    }
                    Some(_) => {}
                }
            }
            for (k, tv) in t {
                if !f.contains_key(k) {
                    patch.insert(k.clone(), tv.clone());
                }
            }
            Value::Object(patch)
        }
        _ => to.clone(),
    }
}

/// Keeps only the nulls of a merge patch (`keep_null`) or only its non-null values, dropping
/// objects left empty (jsonmergepatch's keepOrDeleteNullInObj).
fn keep_or_delete_null(m: &Map<String, Value>, keep_null: bool) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in m {
        match v {
            Value::Null if keep_null => {
                out.insert(k.clone(), Value::Null);
            }
            Value::Null => {}
            Value::Object(sub) if sub.is_empty() => {
                if !keep_null {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(sub) => {
                let filtered = keep_or_delete_null(sub, keep_null);
                if !filtered.is_empty() {
                    out.insert(k.clone(), Value::Object(filtered));
                }
            }
            _ => {
                if !keep_null {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    out
}

/// The patch client-side `kubectl apply` sends (CreateThreeWayMergePatch with overwrite):
/// deletions are what `modified` dropped from `original` (the last-applied configuration);
/// additions and changes are what `modified` sets differently from `current` (the live object).
pub fn three_way(
    gvk: &GroupVersionKind,
    original: Option<&Value>,
    modified: &Value,
    current: &Value,
) -> Result<Value, String> {
    let empty = Value::Object(Map::new());
    let original = original.unwrap_or(&empty);
    let as_map = |v: &Value| v.as_object().cloned().unwrap_or_default();
    if !has_struct_metadata(gvk) {
        let changes = create_json_merge_patch(current, modified);
        let changes = keep_or_delete_null(&as_map(&changes), false);
        let deletions = create_json_merge_patch(original, modified);
        let deletions = keep_or_delete_null(&as_map(&deletions), true);
        return Ok(json_merge_patch(&Value::Object(deletions), &Value::Object(changes)));
    }
    let ctx = Ctx {
        kind: gvk.kind.as_str(),
    };
    let delta_opts = DiffOptions {
        ignore_deletions: true,
        ignore_changes_and_additions: false,
        retain_keys: false,
    };
    let delta = ctx.diff_maps(&as_map(current), &as_map(modified), &[], delta_opts)?;
    let deletion_opts = DiffOptions {
        ignore_deletions: false,
        ignore_changes_and_additions: true,
        retain_keys: false,
    };
    let deletions = ctx.diff_maps(&as_map(original), &as_map(modified), &[], deletion_opts)?;
    Ok(Value::Object(ctx.combine(deletions, delta, &[])))
}

/// A two-way strategic merge patch from `original` to `modified` (CreateTwoWayMergePatch), as
/// `kubectl edit` and `kubectl annotate`-style commands send.
pub fn two_way(gvk: &GroupVersionKind, original: &Value, modified: &Value) -> Result<Value, String> {
    if !has_struct_metadata(gvk) {
        return Ok(create_json_merge_patch(original, modified));
    }
    let as_map = |v: &Value| v.as_object().cloned().unwrap_or_default();
    let ctx = Ctx {
        kind: gvk.kind.as_str(),
    };
    let opts = DiffOptions {
        ignore_deletions: false,
        ignore_changes_and_additions: false,
        retain_keys: false,
    };
    Ok(Value::Object(ctx.diff_maps(
        &as_map(original),
        &as_map(modified),
        &[],
        opts,
    )?))
}

/// A list diff: the patch list, the primitive deletions, the `$setElementOrder` list.
type ListDiff = (Vec<Value>, Vec<Value>, Vec<Value>);

#[derive(Debug, Clone, Copy)]
struct DiffOptions {
    ignore_deletions: bool,
    ignore_changes_and_additions: bool,
    retain_keys: bool,
}

struct Ctx<'a> {
    kind: &'a str,
}

fn child<'p>(path: &[&'p str], key: &'p str) -> Vec<&'p str> {
    let mut p = path.to_vec();
    p.push(key);
    p
}

/// Go's `%v` of a decoded JSON value, used in upstream's error texts.
fn go_format(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(a) => format!("[{}]", a.iter().map(go_format).collect::<Vec<_>>().join(" ")),
        Value::Object(m) => {
            format!(
                "map[{}]",
                m.iter()
                    .map(|(k, v)| format!("{k}:{}", go_format(v)))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
    }
}

fn no_merge_key(m: &Map<String, Value>, key: &str) -> String {
    format!(
        "map: {} does not contain declared merge key: {key}",
        go_format(&Value::Object(m.clone()))
    )
}

/// Index of `item` in `order`, matched by merge key for objects and by value for scalars.
fn index_in(order: &[Value], item: &Value, merge_key: Option<&str>) -> Option<usize> {
    match merge_key {
        Some(key) => {
            let wanted = item.get(key)?;
            order.iter().position(|o| o.get(key) == Some(wanted))
        }
        None => order.iter().position(|o| o == item),
    }
}

fn is_delete_directive(v: &Value) -> bool {
    v.get(DIRECTIVE).and_then(Value::as_str) == Some("delete")
}

/// normalizeSliceOrder: sorts `items` by their position in `order` (stable; unknown items
/// last) and moves `$patch: delete` items to the end.
fn normalize_slice_order(items: Vec<Value>, order: &[Value], merge_key: Option<&str>) -> Vec<Value> {
    let (items, to_delete): (Vec<Value>, Vec<Value>) = if merge_key.is_some() {
        items.into_iter().partition(|v| !is_delete_directive(v))
    } else {
        (items, Vec::new())
    };
    let mut keyed: Vec<(usize, Value)> = items
        .into_iter()
        .map(|v| (index_in(order, &v, merge_key).unwrap_or(usize::MAX), v))
        .collect();
    keyed.sort_by_key(|(i, _)| *i);
    keyed.into_iter().map(|(_, v)| v).chain(to_delete).collect()
}

/// mergeSortedSlice: interleaves server-only items (in server order) with patch items; a patch
/// item goes first unless both are in the server order and the server item comes earlier.
fn merge_sorted(
    server_only: Vec<Value>,
    patch_items: Vec<Value>,
    server_order: &[Value],
    merge_key: Option<&str>,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(server_only.len() + patch_items.len());
    let mut left = server_only.into_iter().peekable();
    let mut right = patch_items.into_iter().peekable();
    loop {
        match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => out.extend(left.next()),
            (None, Some(_)) => out.extend(right.next()),
            (Some(l), Some(r)) => {
                let li = index_in(server_order, l, merge_key);
                let ri = index_in(server_order, r, merge_key);
                match (li, ri) {
                    (Some(li), Some(ri)) if li < ri => out.extend(left.next()),
                    _ => out.extend(right.next()),
                }
            }
        }
    }
    out
}

fn normalize_element_order(
    merged: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: Option<&str>,
) -> Vec<Value> {
    let (patch_items, server_only): (Vec<Value>, Vec<Value>) = merged
        .into_iter()
        .partition(|v| index_in(patch_order, v, merge_key).is_some());
    let patch_items = normalize_slice_order(patch_items, patch_order, merge_key);
    let server_only = normalize_slice_order(server_only, server_order, merge_key);
    merge_sorted(server_only, patch_items, server_order, merge_key)
}

fn dedup_scalars(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Removes JSON nulls from a value added whole (IgnoreUnmatchedNulls).
fn discard_nulls(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, discard_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(discard_nulls).collect()),
        other => other,
    }
}

fn kind_of(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// Go compares element types by their dynamic type: all numbers are float64 there.
fn same_type(a: &Value, b: &Value) -> bool {
    kind_of(a) == kind_of(b)
}

fn sort_key_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => go_format(other),
    }
}

impl Ctx<'_> {
    /// mergeMap. `apply_mode` is the server-side application (MergeParallelList and
    /// IgnoreUnmatchedNulls on).
    fn merge_map(
        &self,
        mut original: Map<String, Value>,
        mut patch: Map<String, Value>,
        path: &[&str],
        apply_mode: bool,
    ) -> Result<Map<String, Value>, String> {
        if let Some(directive) = patch.get(DIRECTIVE).cloned() {
            match directive.as_str() {
                Some("replace") => {
                    patch.remove(DIRECTIVE);
                    return Ok(patch);
                }
                Some("delete") => return Ok(Map::new()),
                _ => {
                    return Err(format!(
                        "unknown patch type: {} in map: {}",
                        go_format(&directive),
                        go_format(&Value::Object(patch))
                    ))
                }
            }
        }
        self.apply_retain_keys(&mut original, &mut patch)?;
        self.merge_set_element_order(&mut original, &mut patch, path, apply_mode)?;

        for (key, patch_value) in patch {
            let (key, is_delete_list) = match key.strip_prefix(DELETE_FROM_PRIMITIVE_LIST) {
                Some(real) => (real.to_string(), true),
                None => (key, false),
            };
            if patch_value.is_null() {
                original.remove(&key);
                continue;
            }
            let Some(original_value) = original.get(&key) else {
                if !is_delete_list {
                    original.insert(key, discard_nulls(patch_value));
                }
                continue;
            };
            if !same_type(original_value, &patch_value) {
                if !is_delete_list {
                    original.insert(key, discard_nulls(patch_value));
                }
                continue;
            }
            let field_path = child(path, &key);
            let meta = field_meta(self.kind, &field_path);
            let merged = match (original.remove(&key), patch_value) {
                (Some(Value::Object(o)), Value::Object(p)) => {
                    if meta.replace {
                        Value::Object(p)
                    } else {
                        Value::Object(self.merge_map(o, p, &field_path, apply_mode)?)
                    }
                }
                (Some(Value::Array(o)), Value::Array(p)) => {
                    if meta.merge {
                        Value::Array(self.merge_slice(o, p, &field_path, meta.merge_key, is_delete_list)?)
                    } else {
                        Value::Array(p)
                    }
                }
                (_, p) => p,
            };
            original.insert(key, merged);
        }
        Ok(original)
    }

    fn apply_retain_keys(
        &self,
        original: &mut Map<String, Value>,
        patch: &mut Map<String, Value>,
    ) -> Result<(), String> {
        let Some(retain) = patch.remove(RETAIN_KEYS) else {
            return Ok(());
        };
        let Some(list) = retain.as_array() else {
            return Err("invalid patch format of retainKeys".to_string());
        };
        let keep: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
        for (k, v) in patch.iter() {
            if v.is_null() || k.starts_with(DELETE_FROM_PRIMITIVE_LIST) || k.starts_with(SET_ELEMENT_ORDER) {
                continue;
            }
            if !keep.contains(&k.as_str()) {
                return Err("patch content doesn't match retainKeys list".to_string());
            }
        }
        original.retain(|k, _| keep.contains(&k.as_str()));
        Ok(())
    }

    /// mergePatchIntoOriginal: lists with a `$setElementOrder` are merged and then ordered.
    fn merge_set_element_order(
        &self,
        original: &mut Map<String, Value>,
        patch: &mut Map<String, Value>,
        path: &[&str],
        apply_mode: bool,
    ) -> Result<(), String> {
        let keys: Vec<String> = patch
            .keys()
            .filter(|k| k.starts_with(SET_ELEMENT_ORDER))
            .cloned()
            .collect();
        for directive_key in keys {
            let Some(order) = patch.remove(&directive_key) else {
                continue;
            };
            let field = directive_key.trim_start_matches(SET_ELEMENT_ORDER).to_string();
            let Some(order) = order.as_array().cloned() else {
                return Err(format!("invalid type for {directive_key}: {}", go_format(&order)));
            };
            let field_path = child(path, &field);
            let meta = field_meta(self.kind, &field_path);
            let original_list = original
                .get(&field)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let patch_list = match patch.remove(&field) {
                Some(Value::Array(a)) => a,
                Some(Value::Null) => {
                    original.remove(&field);
                    continue;
                }
                Some(other) => {
                    original.insert(field, other);
                    continue;
                }
                None => Vec::new(),
            };
            let merged = if meta.merge {
                self.merge_slice(original_list.clone(), patch_list, &field_path, meta.merge_key, false)?
            } else {
                patch_list
            };
            if !apply_mode {
                original.insert(directive_key, Value::Array(order));
                original.insert(field, Value::Array(merged));
                continue;
            }
            let ordered = normalize_element_order(merged, &order, &original_list, meta.merge_key);
            original.insert(field, Value::Array(ordered));
        }
        Ok(())
    }

    /// mergeSlice.
    fn merge_slice(
        &self,
        original: Vec<Value>,
        patch: Vec<Value>,
        path: &[&str],
        merge_key: Option<&str>,
        is_delete_list: bool,
    ) -> Result<Vec<Value>, String> {
        if original.is_empty() && patch.is_empty() {
            return Ok(original);
        }
        let first = original.first().or(patch.first());
        if let Some(first) = first {
            if original.iter().chain(patch.iter()).any(|v| !same_type(v, first)) {
                return Err("types of list elements need to be the same".to_string());
            }
            if first.is_array() {
                return Err("lists of lists are not supported".to_string());
            }
        }
        let is_maps = first.is_some_and(Value::is_object);
        if !is_maps {
            if is_delete_list {
                return Ok(original.into_iter().filter(|v| !patch.contains(v)).collect());
            }
            let mut both = original.clone();
            both.extend(patch.iter().cloned());
            let merged = dedup_scalars(both);
            return Ok(normalize_element_order(merged, &patch, &original, None));
        }
        let Some(key) = merge_key else {
            return Err(format!(
                "cannot merge lists without merge key for {}",
                path.last().copied().unwrap_or("")
            ));
        };
        // $patch directives in the list: delete by key, or replace the whole list.
        let mut working = original.clone();
        let mut plain = Vec::new();
        let mut replace = false;
        for item in &patch {
            let Some(m) = item.as_object() else { continue };
            match m.get(DIRECTIVE) {
                None => plain.push(item.clone()),
                Some(d) => match d.as_str() {
                    Some("delete") => {
                        let Some(value) = m.get(key) else {
                            return Err(no_merge_key(m, key));
                        };
                        working.retain(|o| o.get(key) != Some(value));
                    }
                    Some("replace") => replace = true,
                    Some("merge") => return Err("merging lists cannot yet be specified in the patch".to_string()),
                    _ => {
                        return Err(format!(
                            "unknown patch type: {} in map: {}",
                            go_format(d),
                            go_format(item)
                        ))
                    }
                },
            }
        }
        let (base, patch) = if replace { (plain, Vec::new()) } else { (working, plain) };
        let mut merged = base.clone();
        for item in &patch {
            let Some(m) = item.as_object() else { continue };
            let Some(value) = m.get(key) else {
                return Err(no_merge_key(m, key));
            };
            match merged.iter().position(|o| o.get(key) == Some(value)) {
                Some(i) => {
                    let existing = merged.get(i).and_then(Value::as_object).cloned().unwrap_or_default();
                    let combined = self.merge_map(existing, m.clone(), path, true)?;
                    if let Some(slot) = merged.get_mut(i) {
                        *slot = Value::Object(combined);
                    }
                }
                None => merged.push(item.clone()),
            }
        }
        for list in [&merged, &patch] {
            for item in list.iter() {
                if let Some(m) = item.as_object() {
                    if !m.contains_key(key) {
                        return Err(no_merge_key(m, key));
                    }
                }
            }
        }
        Ok(normalize_element_order(merged, &patch, &base, Some(key)))
    }

    // ---- patch creation ----

    /// diffMaps.
    fn diff_maps(
        &self,
        original: &Map<String, Value>,
        modified: &Map<String, Value>,
        path: &[&str],
        opts: DiffOptions,
    ) -> Result<Map<String, Value>, String> {
        let mut patch = Map::new();
        let mut retain: Vec<Value> = Vec::new();
        for (key, modified_value) in modified {
            if opts.retain_keys && !modified_value.is_null() {
                retain.push(Value::String(key.clone()));
            }
            let Some(original_value) = original.get(key) else {
                if !opts.ignore_changes_and_additions {
                    patch.insert(key.clone(), modified_value.clone());
                }
                continue;
            };
            if key == DIRECTIVE {
                if original_value != modified_value {
                    patch.insert(key.clone(), modified_value.clone());
                }
                continue;
            }
            if !same_type(original_value, modified_value) {
                if !opts.ignore_changes_and_additions {
                    patch.insert(key.clone(), modified_value.clone());
                }
                continue;
            }
            let field_path = child(path, key);
            let meta = field_meta(self.kind, &field_path);
            match (original_value, modified_value) {
                (Value::Object(o), Value::Object(m)) => {
                    if meta.replace {
                        if !opts.ignore_changes_and_additions {
                            patch.insert(key.clone(), modified_value.clone());
                        }
                    } else {
                        let sub = self.diff_maps(
                            o,
                            m,
                            &field_path,
                            DiffOptions {
                                retain_keys: meta.retain_keys,
                                ..opts
                            },
                        )?;
                        if !sub.is_empty() {
                            patch.insert(key.clone(), Value::Object(sub));
                        }
                    }
                }
                (Value::Array(o), Value::Array(m)) if meta.merge => {
                    let opts = DiffOptions {
                        retain_keys: meta.retain_keys,
                        ..opts
                    };
                    let (add, delete, order) = self.diff_lists(o, m, &field_path, meta.merge_key, opts)?;
                    if !add.is_empty() {
                        patch.insert(key.clone(), Value::Array(add));
                    }
                    if !delete.is_empty() {
                        patch.insert(format!("{DELETE_FROM_PRIMITIVE_LIST}{key}"), Value::Array(delete));
                    }
                    if !order.is_empty() {
                        patch.insert(format!("{SET_ELEMENT_ORDER}{key}"), Value::Array(order));
                    }
                }
                _ => {
                    if !opts.ignore_changes_and_additions && original_value != modified_value {
                        patch.insert(key.clone(), modified_value.clone());
                    }
                }
            }
        }
        if !opts.ignore_deletions {
            for key in original.keys() {
                if !modified.contains_key(key) {
                    patch.insert(key.clone(), Value::Null);
                }
            }
        }
        let additional = original.iter().any(|(k, v)| !v.is_null() && !modified.contains_key(k));
        if !retain.is_empty() && (!patch.is_empty() || additional) {
            retain.sort_by_key(sort_key_string);
            patch.insert(RETAIN_KEYS.to_string(), Value::Array(retain));
        }
        Ok(patch)
    }

    /// diffLists: (patch list, primitive deletions, $setElementOrder list).
    fn diff_lists(
        &self,
        original: &[Value],
        modified: &[Value],
        path: &[&str],
        merge_key: Option<&str>,
        opts: DiffOptions,
    ) -> Result<ListDiff, String> {
        if original.is_empty() {
            if modified.is_empty() || opts.ignore_changes_and_additions {
                return Ok((Vec::new(), Vec::new(), Vec::new()));
            }
            return Ok((modified.to_vec(), Vec::new(), Vec::new()));
        }
        let first = original.first().or(modified.first());
        if let Some(first) = first {
            if original.iter().chain(modified.iter()).any(|v| !same_type(v, first)) {
                return Err("types of list elements need to be the same".to_string());
            }
            if first.is_array() {
                return Err("lists of lists are not supported".to_string());
            }
        }
        if first.is_some_and(Value::is_object) {
            let Some(key) = merge_key else {
                return Err(format!(
                    "cannot merge lists without merge key for {}",
                    path.last().copied().unwrap_or("")
                ));
            };
            let (patch_list, deletions) = self.diff_lists_of_maps(original, modified, path, key, opts)?;
            let mut patch_list = normalize_slice_order(patch_list, modified, Some(key));
            let order_same = original.len() == modified.len()
                && original.iter().zip(modified).all(|(o, m)| o.get(key) == m.get(key));
            patch_list.extend(deletions);
            let mut order = Vec::new();
            if (!opts.ignore_changes_and_additions && (!patch_list.is_empty() || !order_same))
                || (!opts.ignore_deletions && !patch_list.is_empty())
            {
                for m in modified {
                    let mut entry = Map::new();
                    entry.insert(key.to_string(), m.get(key).cloned().unwrap_or(Value::Null));
                    order.push(Value::Object(entry));
                }
            }
            return Ok((patch_list, Vec::new(), order));
        }
        // Scalars.
        let mut add = Vec::new();
        if !opts.ignore_changes_and_additions {
            let mut sorted_modified = dedup_scalars(modified.to_vec());
            sorted_modified.sort_by_key(sort_key_string);
            add = sorted_modified.into_iter().filter(|m| !original.contains(m)).collect();
        }
        let mut delete = Vec::new();
        if !opts.ignore_deletions {
            let mut sorted_original = dedup_scalars(original.to_vec());
            sorted_original.sort_by_key(sort_key_string);
            delete = sorted_original.into_iter().filter(|o| !modified.contains(o)).collect();
        }
        let add = normalize_slice_order(add, modified, None);
        let order = if (!opts.ignore_deletions && !delete.is_empty())
            || (!opts.ignore_changes_and_additions && original != modified)
        {
            modified.to_vec()
        } else {
            Vec::new()
        };
        Ok((add, delete, order))
    }

    /// diffListsOfMaps: walks both lists sorted by merge key.
    fn diff_lists_of_maps(
        &self,
        original: &[Value],
        modified: &[Value],
        path: &[&str],
        key: &str,
        opts: DiffOptions,
    ) -> Result<(Vec<Value>, Vec<Value>), String> {
        let sorted = |list: &[Value]| -> Result<Vec<Map<String, Value>>, String> {
            let mut maps = Vec::new();
            for v in list {
                let m = v.as_object().cloned().unwrap_or_default();
                if !m.contains_key(key) {
                    return Err(no_merge_key(&m, key));
                }
                maps.push(m);
            }
            maps.sort_by_key(|m| m.get(key).map(sort_key_string).unwrap_or_default());
            Ok(maps)
        };
        let original = sorted(original)?;
        let modified = sorted(modified)?;
        let mut patch = Vec::new();
        let mut deletions = Vec::new();
        let (mut oi, mut mi) = (0usize, 0usize);
        loop {
            let o = original.get(oi);
            let m = modified.get(mi);
            let ok = o.and_then(|o| o.get(key)).map(sort_key_string);
            let mk = m.and_then(|m| m.get(key)).map(sort_key_string);
            match (o, m) {
                (None, None) => break,
                (Some(o), Some(m)) if ok == mk => {
                    let mut sub = self.diff_maps(o, m, path, opts)?;
                    if !sub.is_empty() {
                        sub.insert(key.to_string(), m.get(key).cloned().unwrap_or(Value::Null));
                        patch.push(Value::Object(sub));
                    }
                    oi += 1;
                    mi += 1;
                }
                (None, Some(m)) => {
                    if !opts.ignore_changes_and_additions {
                        patch.push(Value::Object(m.clone()));
                    }
                    mi += 1;
                }
                (Some(_), Some(m)) if ok > mk => {
                    if !opts.ignore_changes_and_additions {
                        patch.push(Value::Object(m.clone()));
                    }
                    mi += 1;
                }
                (Some(o), _) => {
                    if !opts.ignore_deletions {
                        let mut directive = Map::new();
                        directive.insert(DIRECTIVE.to_string(), Value::String("delete".to_string()));
                        directive.insert(key.to_string(), o.get(key).cloned().unwrap_or(Value::Null));
                        deletions.push(Value::Object(directive));
                    }
                    oi += 1;
                }
            }
        }
        Ok((patch, deletions))
    }

    /// Merges the deletions patch and the changes patch of a three-way patch (mergeMap without
    /// parallel-list merging): merge lists get the changes first, then the deletions.
    fn combine(
        &self,
        mut deletions: Map<String, Value>,
        delta: Map<String, Value>,
        path: &[&str],
    ) -> Map<String, Value> {
        for (key, dv) in delta {
            let Some(existing) = deletions.remove(&key) else {
                deletions.insert(key, dv);
                continue;
            };
            let combined = match (existing, dv) {
                (Value::Object(e), Value::Object(d)) => {
                    let field_path = child(path, &key);
                    Value::Object(self.combine(e, d, &field_path))
                }
                (Value::Array(e), Value::Array(d)) if key == RETAIN_KEYS => {
                    let mut all = dedup_scalars(e.into_iter().chain(d).collect());
                    all.sort_by_key(sort_key_string);
                    Value::Array(all)
                }
                (Value::Array(_), Value::Array(d)) if key.starts_with(SET_ELEMENT_ORDER) => Value::Array(d),
                (Value::Array(e), Value::Array(d)) => {
                    let field_path = child(path, &key);
                    let meta = field_meta(self.kind, &field_path);
                    match meta.merge_key {
                        Some(mk) if meta.merge && e.iter().chain(d.iter()).all(Value::is_object) => {
                            Value::Array(self.combine_lists(e, d, &field_path, mk))
                        }
                        _ => Value::Array(d),
                    }
                }
                (_, d) => d,
            };
            deletions.insert(key, combined);
        }
        deletions
    }

    /// mergeSlice of the deletions list with the changes list: elements with the same key are
    /// combined, new ones appended, then ordered as normalizeElementOrder orders them.
    fn combine_lists(&self, deletions: Vec<Value>, delta: Vec<Value>, path: &[&str], key: &str) -> Vec<Value> {
        let mut merged = deletions.clone();
        for item in &delta {
            let Some(m) = item.as_object() else { continue };
            let found = merged
                .iter()
                .position(|o| !is_delete_directive(o) && o.get(key).is_some() && o.get(key) == m.get(key));
            match found.and_then(|i| merged.get_mut(i)) {
                Some(slot) => {
                    let existing = slot.as_object().cloned().unwrap_or_default();
                    *slot = Value::Object(self.combine(existing, m.clone(), path));
                }
                None => merged.push(item.clone()),
            }
        }
        normalize_element_order(merged, &delta, &deletions, Some(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deploy() -> GroupVersionKind {
        GroupVersionKind::new("apps", "v1", "Deployment")
    }

    fn pod_gvk() -> GroupVersionKind {
        GroupVersionKind::new("", "v1", "Pod")
    }

    fn deployment(containers: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
               "spec": {"replicas": 1, "template": {"spec": {"containers": containers}}}})
    }

    fn containers(v: &Value) -> Value {
        v["spec"]["template"]["spec"]["containers"].clone()
    }

    #[test]
    fn field_meta_follows_struct_tags() {
        let cases: &[(&str, &[&str], FieldMeta)] = &[
            (
                "Deployment",
                &["spec", "template", "spec", "containers"],
                merge_by("name"),
            ),
            ("Pod", &["spec", "containers"], merge_by("name")),
            ("Pod", &["spec", "containers", "ports"], merge_by("containerPort")),
            ("Pod", &["spec", "initContainers", "env"], merge_by("name")),
            (
                "CronJob",
                &["spec", "jobTemplate", "spec", "template", "spec", "volumes"],
                FieldMeta {
                    retain_keys: true,
                    ..merge_by("name")
                },
            ),
            ("Pod", &["spec", "containers", "volumeMounts"], merge_by("mountPath")),
            ("Service", &["spec", "ports"], merge_by("port")),
            (
                "Pod",
                &["metadata", "finalizers"],
                FieldMeta {
                    merge: true,
                    ..FieldMeta::default()
                },
            ),
            ("Pod", &["metadata", "ownerReferences"], merge_by("uid")),
            ("Node", &["status", "conditions"], merge_by("type")),
            ("Pod", &["spec", "tolerations"], FieldMeta::default()),
            ("NetworkPolicy", &["spec", "ingress", "ports"], FieldMeta::default()),
            ("Pod", &["spec", "containers", "args"], FieldMeta::default()),
        ];
        for (kind, path, want) in cases {
            assert_eq!(&field_meta(kind, path), want, "{kind} {path:?}");
        }
    }

    #[test]
    fn apply_merges_lists_by_their_keys() {
        let original = deployment(json!([
            {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}], "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
            {"name": "log", "image": "busybox"}
        ]));
        let cases: &[(Value, Value)] = &[
            // image change merged into the named container
            (
                json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.26"}]}}}}),
                json!([
                    {"name": "web", "image": "nginx:1.26", "ports": [{"containerPort": 80}], "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                    {"name": "log", "image": "busybox"}
                ]),
            ),
            // env merged by name, ports by containerPort; new items come first
            (
                json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}], "ports": [{"containerPort": 443}]}]}}}}),
                json!([
                    {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 443}, {"containerPort": 80}],
                     "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]},
                    {"name": "log", "image": "busybox"}
                ]),
            ),
            // a new container goes before the existing ones (kubectl patch docs example)
            (
                json!({"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "redis"}]}}}}),
                json!([
                    {"name": "sidecar", "image": "redis"},
                    {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}], "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                    {"name": "log", "image": "busybox"}
                ]),
            ),
            // $patch: delete removes by key
            (
                json!({"spec": {"template": {"spec": {"containers": [{"name": "log", "$patch": "delete"}]}}}}),
                json!([
                    {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}], "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
                ]),
            ),
            // $patch: replace replaces the list
            (
                json!({"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}}}}),
                json!([{"name": "only", "image": "x"}]),
            ),
            // null deletes a field inside a merged element
            (
                json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "env": null}]}}}}),
                json!([
                    {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}]},
                    {"name": "log", "image": "busybox"}
                ]),
            ),
            // $setElementOrder reorders
            (
                json!({"spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "log"}, {"name": "web"}], "containers": [{"name": "log", "image": "busybox:2"}]}}}}),
                json!([
                    {"name": "log", "image": "busybox:2"},
                    {"name": "web", "image": "nginx:1.25", "ports": [{"containerPort": 80}], "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
                ]),
            ),
        ];
        for (patch, want) in cases {
            let got = apply(&deploy(), &original, patch).unwrap();
            assert_eq!(&containers(&got), want, "patch {patch}");
        }
    }

    #[test]
    fn apply_handles_maps_nulls_and_replace_lists() {
        let original = json!({"metadata": {"name": "p", "labels": {"a": "1", "b": "2"}, "finalizers": ["x"]},
                              "spec": {"tolerations": [{"key": "k1"}], "containers": [{"name": "c", "image": "i", "args": ["a", "b"]}]}});
        let patch = json!({"metadata": {"labels": {"a": null, "c": "3", "gone": null}, "finalizers": ["y"]},
                           "spec": {"tolerations": [{"key": "k2"}], "containers": [{"name": "c", "args": ["z"]}], "nodeName": "n1"}});
        let got = apply(&pod_gvk(), &original, &patch).unwrap();
        assert_eq!(got["metadata"]["labels"], json!({"b": "2", "c": "3"}));
        assert_eq!(got["metadata"]["finalizers"], json!(["y", "x"]));
        assert_eq!(got["spec"]["tolerations"], json!([{"key": "k2"}]));
        assert_eq!(
            got["spec"]["containers"],
            json!([{"name": "c", "image": "i", "args": ["z"]}])
        );
        assert_eq!(got["spec"]["nodeName"], "n1");

        let del = json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["x"]}});
        assert_eq!(
            apply(&pod_gvk(), &original, &del).unwrap()["metadata"]["finalizers"],
            json!([])
        );
        let replace = json!({"metadata": {"labels": {"$patch": "replace", "only": "1"}}});
        assert_eq!(
            apply(&pod_gvk(), &original, &replace).unwrap()["metadata"]["labels"],
            json!({"only": "1"})
        );
        let delete_map = json!({"metadata": {"labels": {"$patch": "delete"}}});
        assert_eq!(
            apply(&pod_gvk(), &original, &delete_map).unwrap()["metadata"]["labels"],
            json!({})
        );
    }

    #[test]
    fn apply_honours_retain_keys() {
        let original = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
        let patch = json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}});
        assert_eq!(
            apply(&deploy(), &original, &patch).unwrap()["spec"]["strategy"],
            json!({"type": "Recreate"})
        );
        let bad = json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}});
        assert_eq!(
            apply(&deploy(), &original, &bad).unwrap_err(),
            "patch content doesn't match retainKeys list"
        );
    }

    #[test]
    fn apply_reports_upstream_errors() {
        let original = deployment(json!([{"name": "web"}]));
        let missing_key = json!({"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}});
        assert_eq!(
            apply(&deploy(), &original, &missing_key).unwrap_err(),
            "map: map[image:x] does not contain declared merge key: name"
        );
        let bad_directive = json!({"metadata": {"$patch": "frobnicate"}});
        assert_eq!(
            apply(&deploy(), &original, &bad_directive).unwrap_err(),
            "unknown patch type: frobnicate in map: map[$patch:frobnicate]"
        );
        assert!(apply(&deploy(), &original, &json!([1])).is_err());
    }

    #[test]
    fn custom_resources_use_json_merge_patch() {
        let gvk = GroupVersionKind::new("stable.example.com", "v1", "CronTab");
        assert!(!supports_strategic(&gvk));
        assert!(supports_strategic(&deploy()));
        let original = json!({"spec": {"list": [{"name": "a"}], "keep": 1, "drop": 2}});
        let patch = json!({"spec": {"list": [{"name": "b"}], "drop": null}});
        assert_eq!(
            apply(&gvk, &original, &patch).unwrap(),
            json!({"spec": {"list": [{"name": "b"}], "keep": 1}})
        );
        let p = three_way(
            &gvk,
            Some(&json!({"spec": {"a": 1, "b": 2}})),
            &json!({"spec": {"a": 1, "c": 3}}),
            &json!({"spec": {"a": 5, "b": 2, "x": 9}}),
        )
        .unwrap();
        assert_eq!(p, json!({"spec": {"a": 1, "b": null, "c": 3}}));
    }

    fn applied(containers_value: Value, labels: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": labels},
               "spec": {"template": {"spec": {"containers": containers_value}}}})
    }

    #[test]
    fn three_way_patches_add_and_remove_labels_containers_and_ports() {
        let last = applied(
            json!([{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}, {"containerPort": 443}]}, {"name": "log", "image": "busybox"}]),
            json!({"app": "web", "tier": "front"}),
        );
        let mut live = applied(
            json!([{"name": "web", "image": "nginx", "imagePullPolicy": "Always", "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 443, "protocol": "TCP"}]},
                   {"name": "log", "image": "busybox", "imagePullPolicy": "Always"}]),
            json!({"app": "web", "tier": "front", "added-by-hand": "yes"}),
        );
        live["spec"]["replicas"] = json!(3);
        live["status"] = json!({"replicas": 3});
        let modified = applied(
            json!([{"name": "web", "image": "nginx:1.26", "ports": [{"containerPort": 80}, {"containerPort": 8080}]}, {"name": "metrics", "image": "prom"}]),
            json!({"app": "web", "env": "prod"}),
        );
        let patch = three_way(&deploy(), Some(&last), &modified, &live).unwrap();
        assert_eq!(
            patch,
            json!({
                "metadata": {"labels": {"env": "prod", "tier": null}},
                "spec": {"template": {"spec": {
                    "$setElementOrder/containers": [{"name": "web"}, {"name": "metrics"}],
                    "containers": [
                        {"name": "web", "image": "nginx:1.26",
                         "$setElementOrder/ports": [{"containerPort": 80}, {"containerPort": 8080}],
                         "ports": [{"containerPort": 8080}, {"$patch": "delete", "containerPort": 443}]},
                        {"name": "metrics", "image": "prom"},
                        {"$patch": "delete", "name": "log"}
                    ]
                }}}
            })
        );
        let result = apply(&deploy(), &live, &patch).unwrap();
        assert_eq!(
            result["metadata"]["labels"],
            json!({"app": "web", "env": "prod", "added-by-hand": "yes"})
        );
        assert_eq!(
            containers(&result),
            json!([{"name": "web", "image": "nginx:1.26", "imagePullPolicy": "Always", "ports": [{"containerPort": 80, "protocol": "TCP"}, {"containerPort": 8080}]},
                   {"name": "metrics", "image": "prom"}])
        );
        assert_eq!(result["spec"]["replicas"], 3);
        // nothing changed: empty patch
        let same = three_way(&deploy(), Some(&modified), &modified, &result).unwrap();
        assert_eq!(same, json!({}));
    }

    #[test]
    fn three_way_without_last_applied_only_adds() {
        let live = applied(json!([{"name": "web", "image": "nginx"}]), json!({"a": "1"}));
        let modified = applied(json!([{"name": "web", "image": "nginx"}]), json!({"b": "2"}));
        let patch = three_way(&deploy(), None, &modified, &live).unwrap();
        assert_eq!(patch, json!({"metadata": {"labels": {"b": "2"}}}));
    }

    #[test]
    fn three_way_builds_retain_keys_for_union_fields() {
        let last = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
        let live = last.clone();
        let modified = json!({"spec": {"strategy": {"type": "Recreate"}}});
        let patch = three_way(&deploy(), Some(&last), &modified, &live).unwrap();
        assert_eq!(
            patch,
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": null, "type": "Recreate"}}})
        );
        assert_eq!(apply(&deploy(), &live, &patch).unwrap(), modified);
    }

    #[test]
    fn primitive_merge_lists_diff_with_parallel_deletion_lists() {
        let gvk = pod_gvk();
        let last = json!({"metadata": {"finalizers": ["a", "b"]}});
        let modified = json!({"metadata": {"finalizers": ["a", "c"]}});
        let patch = three_way(&gvk, Some(&last), &modified, &last).unwrap();
        assert_eq!(
            patch,
            json!({"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"], "$setElementOrder/finalizers": ["a", "c"], "finalizers": ["c"]}})
        );
        assert_eq!(apply(&gvk, &last, &patch).unwrap(), modified);
    }

    #[test]
    fn two_way_patch_round_trips() {
        let a = deployment(json!([{"name": "web", "image": "nginx"}, {"name": "log", "image": "busybox"}]));
        let b = deployment(json!([{"name": "web", "image": "nginx:2"}]));
        let patch = two_way(&deploy(), &a, &b).unwrap();
        assert_eq!(apply(&deploy(), &a, &patch).unwrap(), b);
    }
}
