//! ControllerRevisions (pkg/controller/history): the snapshots of a pod template that
//! DaemonSets and StatefulSets keep, named `<owner>-<hash>` and numbered in order, which
//! `kubectl rollout history|undo` read.
//!
//! Approximation: the hash is FNV-32 over canonical JSON (not Go's encoding), so its letters
//! differ from a real cluster's.

use crate::util::*;
use client::Informer;
use serde_json::{json, Value};

/// The pod label naming the revision a pod was made from.
pub const REVISION_LABEL: &str = "controller-revision-hash";

/// FNV-32 (not 32a), as `hash/fnv.New32` in `HashControllerRevision`.
pub fn fnv32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h = h.wrapping_mul(0x0100_0193);
        h ^= u32::from(*b);
    }
    h
}

/// `history.HashControllerRevision` over the revision's data.
pub fn hash_revision(data: &Value, collision_count: Option<i64>) -> String {
    let mut bytes = serde_json::to_vec(data).unwrap_or_default();
    if let Some(c) = collision_count.filter(|c| *c != 0) {
        bytes.extend_from_slice(c.to_string().as_bytes());
    }
    crate::deployment::safe_encode_string(&fnv32(&bytes).to_string())
}

/// `getPatch`: the part of the owner a revision records (the template, replaced whole).
pub fn revision_data(owner: &Value) -> Value {
    let mut t = owner.pointer("/spec/template").cloned().unwrap_or_else(|| json!({}));
    set_field(&mut t, "$patch", json!("replace"));
    json!({"spec": {"template": t}})
}

/// The revisions `owner` controls, from the ControllerRevision informer.
pub fn owned<'a>(revisions: &'a Informer, owner: &'a Value) -> Vec<&'a Value> {
    let uid = meta_str(owner, "uid");
    revisions
        .list_namespace(meta_str(owner, "namespace"))
        .filter(|r| controller_uid(r) == uid)
        .collect()
}

/// `history.NextRevision`: one past the highest revision number. A learner's revision may
/// hold any int64; past the largest it wraps, as Go's int64 does (validation then refuses it).
pub fn next_revision(owned: &[&Value]) -> i64 {
    owned
        .iter()
        .map(|r| int_at(r, "/revision"))
        .max()
        .unwrap_or(0)
        .wrapping_add(1)
}

/// `history.NewControllerRevision`: revision `revision` of `owner` (an apps/v1 `kind`), named
/// `<owner>-<hash>`, labelled with the template's labels and the hash.
pub fn new_revision(owner: &Value, kind: &str, hash: &str, data: Value, revision: i64) -> Value {
    let mut labels = string_map(owner.pointer("/spec/template/metadata/labels"));
    labels.insert(REVISION_LABEL.to_string(), hash.to_string());
    json!({
        "apiVersion": "apps/v1", "kind": "ControllerRevision",
        "metadata": {"name": format!("{}-{hash}", meta_str(owner, "name")), "namespace": meta_str(owner, "namespace"),
                     "labels": labels, "ownerReferences": [new_controller_ref(owner, "apps/v1", kind)]},
        "data": data,
        "revision": revision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_hash_the_template_only() {
        let a = json!({"spec": {"replicas": 1, "template": {"spec": {"containers": [{"image": "nginx"}]}}}});
        let mut b = a.clone();
        b["spec"]["replicas"] = json!(5);
        assert_eq!(
            hash_revision(&revision_data(&a), None),
            hash_revision(&revision_data(&b), None)
        );
        b["spec"]["template"]["spec"]["containers"][0]["image"] = json!("nginx:1.27");
        assert_ne!(
            hash_revision(&revision_data(&a), None),
            hash_revision(&revision_data(&b), None)
        );
        assert_eq!(fnv32(b""), 0x811c9dc5);
        assert_eq!(fnv32(b"a"), 0x050c5d7e);
    }

    #[test]
    fn a_new_revision_is_named_after_its_owner_and_labelled_with_its_hash() {
        let set = json!({"metadata": {"name": "web", "namespace": "default", "uid": "u1"},
                         "spec": {"template": {"metadata": {"labels": {"app": "web"}}}}});
        let rev = new_revision(&set, "StatefulSet", "abc12", revision_data(&set), 3);
        assert_eq!(rev["metadata"]["name"], "web-abc12");
        assert_eq!(
            rev["metadata"]["labels"],
            json!({"app": "web", REVISION_LABEL: "abc12"})
        );
        assert_eq!(rev["metadata"]["ownerReferences"][0]["kind"], "StatefulSet");
        assert_eq!(rev["metadata"]["ownerReferences"][0]["controller"], true);
        assert_eq!(rev["revision"], 3);
        assert_eq!(next_revision(&[&rev]), 4);
        assert_eq!(next_revision(&[]), 1);
    }

    #[test]
    fn the_revision_after_the_largest_int64_wraps_instead_of_panicking() {
        let rev = json!({"revision": i64::MAX});
        assert_eq!(next_revision(&[&rev]), i64::MIN);
    }
}
