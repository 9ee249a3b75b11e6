//! The review resources that are answered, never stored (SubjectAccessReview and friends,
//! SelfSubjectReview), with the RBAC authorizer's decision and reason texts
//! (plugin/pkg/auth/authorizer/rbac).

use crate::meta::meta_str;
use crate::{ApiServer, Target};
use apimachinery::ApiError;
use serde_json::{json, Value};

/// What is being asked: a resource request or a non-resource URL.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Attributes {
    pub verb: String,
    pub group: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
    pub namespace: String,
    /// Set for non-resource requests (`/healthz`).
    pub path: Option<String>,
}

fn strs(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn has(list: &[String], want: &str) -> bool {
    list.iter().any(|x| x == "*" || x == want)
}

/// rbacv1helpers.RuleAllows.
fn rule_allows(a: &Attributes, rule: &Value) -> bool {
    let verbs = strs(rule.get("verbs"));
    if !has(&verbs, &a.verb) {
        return false;
    }
    if let Some(path) = &a.path {
        return strs(rule.get("nonResourceURLs"))
            .iter()
            .any(|u| u == "*" || u == path || u.strip_suffix('*').is_some_and(|prefix| path.starts_with(prefix)));
    }
    if !has(&strs(rule.get("apiGroups")), &a.group) {
        return false;
    }
    let resources = strs(rule.get("resources"));
    let combined = if a.subresource.is_empty() {
        a.resource.clone()
    } else {
        format!("{}/{}", a.resource, a.subresource)
    };
    let resource_ok = resources.iter().any(|r| {
        r == "*"
            || *r == combined
            || (!a.subresource.is_empty() && *r == format!("*/{}", a.subresource))
            || (!a.subresource.is_empty() && *r == format!("{}/*", a.resource))
    });
    if !resource_ok {
        return false;
    }
    let names = strs(rule.get("resourceNames"));
    names.is_empty() || (!a.name.is_empty() && names.contains(&a.name))
}

/// describeSubject of the RBAC authorizer.
fn describe_subject(s: &Value, binding_ns: &str) -> String {
    let kind = s.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = s.get("name").and_then(Value::as_str).unwrap_or("");
    if kind == "ServiceAccount" {
        let ns = s
            .get("namespace")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .unwrap_or(binding_ns);
        return format!("{kind} \"{name}/{ns}\"");
    }
    format!("{kind} \"{name}\"")
}

fn subject_matches(s: &Value, user: &str, groups: &[String], binding_ns: &str) -> bool {
    let name = s.get("name").and_then(Value::as_str).unwrap_or("");
    match s.get("kind").and_then(Value::as_str).unwrap_or("") {
        "User" => user == name,
        "Group" => groups.iter().any(|g| g == name),
        "ServiceAccount" => {
            let ns = s
                .get("namespace")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
                .unwrap_or(binding_ns);
            user == format!("system:serviceaccount:{ns}:{name}")
        }
        _ => false,
    }
}

impl ApiServer {
    fn role_rules(&self, role_ref: &Value, binding_ns: &str) -> Vec<Value> {
        let name = role_ref.get("name").and_then(Value::as_str).unwrap_or("");
        let role = match role_ref.get("kind").and_then(Value::as_str) {
            Some("ClusterRole") => self.stored("/registry/clusterroles", name),
            Some("Role") => self.stored("/registry/roles", &format!("{binding_ns}/{name}")),
            _ => None,
        };
        role.and_then(|r| r.get("rules"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }

    /// The RBAC authorizer: allowed, and the reason upstream gives.
    pub(crate) fn authorize(&self, user: &str, groups: &[String], a: &Attributes) -> (bool, String) {
        let crbs: Vec<Value> = self
            .scan("/registry/clusterrolebindings", None, None)
            .map(|(_, v)| v.clone())
            .collect();
        for b in &crbs {
            let Some(role_ref) = b.get("roleRef") else { continue };
            for s in b.get("subjects").and_then(Value::as_array).into_iter().flatten() {
                if !subject_matches(s, user, groups, "") {
                    continue;
                }
                if self.role_rules(role_ref, "").iter().any(|r| rule_allows(a, r)) {
                    return (
                        true,
                        format!(
                            "RBAC: allowed by ClusterRoleBinding \"{}\" of {} \"{}\" to {}",
                            meta_str(b, "name"),
                            role_ref.get("kind").and_then(Value::as_str).unwrap_or(""),
                            role_ref.get("name").and_then(Value::as_str).unwrap_or(""),
                            describe_subject(s, "")
                        ),
                    );
                }
            }
        }
        if !a.namespace.is_empty() {
            let rbs: Vec<Value> = self
                .scan("/registry/rolebindings", Some(&a.namespace), None)
                .map(|(_, v)| v.clone())
                .collect();
            for b in &rbs {
                let Some(role_ref) = b.get("roleRef") else { continue };
                let ns = meta_str(b, "namespace");
                for s in b.get("subjects").and_then(Value::as_array).into_iter().flatten() {
                    if !subject_matches(s, user, groups, ns) {
                        continue;
                    }
                    if self.role_rules(role_ref, ns).iter().any(|r| rule_allows(a, r)) {
                        return (
                            true,
                            format!(
                                "RBAC: allowed by RoleBinding \"{}/{ns}\" of {} \"{}\" to {}",
                                meta_str(b, "name"),
                                role_ref.get("kind").and_then(Value::as_str).unwrap_or(""),
                                role_ref.get("name").and_then(Value::as_str).unwrap_or(""),
                                describe_subject(s, ns)
                            ),
                        );
                    }
                }
            }
        }
        // The superuser group bypasses authorization.
        if groups.iter().any(|g| g == "system:masters") {
            return (true, String::new());
        }
        (false, String::new())
    }

    /// The identity behind requests without impersonation (kubeadm's admin.conf user).
    fn requester(&self) -> (String, Vec<String>) {
        (self.config.admin_user.clone(), self.config.admin_groups.clone())
    }

    fn admin_allowed_without_rbac(&self, user: &str) -> bool {
        // kubeadm binds its admin group to cluster-admin; a cluster without that binding
        // still lets its admin do everything, as the real one would.
        user == self.config.admin_user
            && self
                .stored("/registry/clusterrolebindings", "kubeadm:cluster-admins")
                .is_none()
    }

    /// Answers a POST to a review resource (nothing is stored); `None` for other resources.
    pub(crate) fn review(&self, t: &Target, body: &Value) -> Option<Result<Value, ApiError>> {
        if !matches!(t.info.group.as_str(), "authorization.k8s.io" | "authentication.k8s.io") {
            return None;
        }
        let mut out = body.clone();
        if let Some(m) = out.as_object_mut() {
            m.insert("apiVersion".into(), json!(t.info.api_version()));
            m.insert("kind".into(), json!(t.info.kind));
            let md = m.entry("metadata").or_insert_with(|| json!({}));
            if let Some(md) = md.as_object_mut() {
                md.insert("creationTimestamp".into(), Value::Null);
            }
        }
        let spec = body.get("spec").cloned().unwrap_or(json!({}));
        let status = match t.info.plural.as_str() {
            "selfsubjectreviews" => {
                let (user, groups) = self.requester();
                json!({"userInfo": {"username": user, "groups": groups}})
            }
            "subjectaccessreviews" | "localsubjectaccessreviews" | "selfsubjectaccessreviews" => {
                let (user, groups) = if t.info.plural == "selfsubjectaccessreviews" {
                    self.requester()
                } else {
                    (
                        spec.get("user").and_then(Value::as_str).unwrap_or("").to_string(),
                        strs(spec.get("groups")),
                    )
                };
                if t.info.plural != "selfsubjectaccessreviews" && user.is_empty() && groups.is_empty() {
                    return Some(Err(ApiError::invalid(
                        "authorization.k8s.io",
                        &t.info.kind,
                        "",
                        &[apimachinery::FieldError::invalid(
                            "spec.user",
                            "\"\"",
                            "at least one of user or group must be specified",
                        )],
                    )));
                }
                let attrs = match (spec.get("resourceAttributes"), spec.get("nonResourceAttributes")) {
                    (Some(r), _) => Attributes {
                        verb: r.get("verb").and_then(Value::as_str).unwrap_or("").to_string(),
                        group: r.get("group").and_then(Value::as_str).unwrap_or("").to_string(),
                        resource: r.get("resource").and_then(Value::as_str).unwrap_or("").to_string(),
                        subresource: r.get("subresource").and_then(Value::as_str).unwrap_or("").to_string(),
                        name: r.get("name").and_then(Value::as_str).unwrap_or("").to_string(),
                        namespace: match t.namespace.as_deref() {
                            Some(ns) => ns.to_string(),
                            None => r.get("namespace").and_then(Value::as_str).unwrap_or("").to_string(),
                        },
                        path: None,
                    },
                    (None, Some(n)) => Attributes {
                        verb: n.get("verb").and_then(Value::as_str).unwrap_or("").to_string(),
                        path: Some(n.get("path").and_then(Value::as_str).unwrap_or("").to_string()),
                        ..Default::default()
                    },
                    (None, None) => {
                        return Some(Err(ApiError::invalid(
                            "authorization.k8s.io",
                            &t.info.kind,
                            "",
                            &[apimachinery::FieldError::invalid(
                                "spec.resourceAttributes",
                                "null",
                                "exactly one of nonResourceAttributes or resourceAttributes must be specified",
                            )],
                        )))
                    }
                };
                let (mut allowed, reason) = self.authorize(&user, &groups, &attrs);
                if !allowed && self.admin_allowed_without_rbac(&user) {
                    allowed = true;
                }
                let mut st = serde_json::Map::new();
                st.insert("allowed".into(), json!(allowed));
                if !reason.is_empty() {
                    st.insert("reason".into(), json!(reason));
                }
                Value::Object(st)
            }
            "selfsubjectrulesreviews" => {
                let ns = spec.get("namespace").and_then(Value::as_str).unwrap_or("").to_string();
                let (user, groups) = self.requester();
                self.rules_review(&user, &groups, &ns)
            }
            "tokenreviews" => json!({"authenticated": false, "error": "token lookup is not supported", "user": {}}),
            _ => return None,
        };
        if let Some(m) = out.as_object_mut() {
            m.insert("status".into(), status);
        }
        Some(Ok(out))
    }

    /// SelfSubjectRulesReview: the rules that apply to a user in a namespace.
    fn rules_review(&self, user: &str, groups: &[String], ns: &str) -> Value {
        let mut resource_rules: Vec<Value> = Vec::new();
        let mut non_resource_rules: Vec<Value> = Vec::new();
        let mut collect = |rules: Vec<Value>| {
            for r in rules {
                if r.get("nonResourceURLs").is_some() {
                    non_resource_rules.push(json!({"verbs": r.get("verbs").cloned().unwrap_or(json!([])), "nonResourceURLs": r.get("nonResourceURLs").cloned().unwrap_or(json!([]))}));
                } else {
                    let mut rr = serde_json::Map::new();
                    for f in ["verbs", "apiGroups", "resources", "resourceNames"] {
                        if let Some(v) = r.get(f) {
                            rr.insert(f.into(), v.clone());
                        }
                    }
                    resource_rules.push(Value::Object(rr));
                }
            }
        };
        let crbs: Vec<Value> = self
            .scan("/registry/clusterrolebindings", None, None)
            .map(|(_, v)| v.clone())
            .collect();
        for b in &crbs {
            let matches = b
                .get("subjects")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|s| subject_matches(s, user, groups, ""));
            if let (true, Some(role_ref)) = (matches, b.get("roleRef")) {
                collect(self.role_rules(role_ref, ""));
            }
        }
        if !ns.is_empty() {
            let rbs: Vec<Value> = self
                .scan("/registry/rolebindings", Some(ns), None)
                .map(|(_, v)| v.clone())
                .collect();
            for b in &rbs {
                let matches = b
                    .get("subjects")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|s| subject_matches(s, user, groups, ns));
                if let (true, Some(role_ref)) = (matches, b.get("roleRef")) {
                    collect(self.role_rules(role_ref, ns));
                }
            }
        }
        json!({"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": false})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(verb: &str, group: &str, resource: &str, sub: &str, name: &str) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            name: name.into(),
            namespace: "default".into(),
            path: None,
        }
    }

    #[test]
    fn rules_match_verbs_groups_resources_and_names() {
        let rule = json!({"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "pods/log"], "resourceNames": []});
        assert!(rule_allows(&attrs("get", "", "pods", "", "x"), &rule));
        assert!(rule_allows(&attrs("get", "", "pods", "log", "x"), &rule));
        assert!(!rule_allows(&attrs("delete", "", "pods", "", "x"), &rule));
        assert!(!rule_allows(&attrs("get", "apps", "pods", "", "x"), &rule));
        let named = json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["configmaps"], "resourceNames": ["cfg"]});
        assert!(rule_allows(&attrs("update", "", "configmaps", "", "cfg"), &named));
        assert!(!rule_allows(&attrs("list", "", "configmaps", "", ""), &named));
    }

    #[test]
    fn non_resource_urls_match_with_trailing_star() {
        let rule = json!({"verbs": ["get"], "nonResourceURLs": ["/healthz", "/api/*"]});
        let a = |p: &str| Attributes {
            verb: "get".into(),
            path: Some(p.into()),
            ..Default::default()
        };
        assert!(rule_allows(&a("/healthz"), &rule));
        assert!(rule_allows(&a("/api/v1"), &rule));
        assert!(!rule_allows(&a("/metrics"), &rule));
    }

    #[test]
    fn subjects_describe_service_accounts_with_their_namespace() {
        assert_eq!(
            describe_subject(&json!({"kind": "ServiceAccount", "name": "sa"}), "dev"),
            "ServiceAccount \"sa/dev\""
        );
        assert_eq!(
            describe_subject(&json!({"kind": "Group", "name": "g"}), "dev"),
            "Group \"g\""
        );
    }
}
