//! The `clusterrole-aggregation` controller (pkg/controller/clusterroleaggregation): a
//! ClusterRole with an `aggregationRule` gets as its rules those of every other ClusterRole its
//! selectors match (by name order, each rule once), and keeps them as those roles change. This
//! is how `admin`, `edit` and `view` pick up metrics-server's `system:aggregated-metrics-reader`
//! or a learner's own `aggregate-to-view` role.

use crate::util::*;
use apimachinery::{ApiClient, ApiError, ApiRequest, Selector};
use client::{Component, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sim::{Duration, RngStreams, SimTime};

const RBAC: &str = "rbac.authorization.k8s.io/v1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterRoleAggregationController {
    cluster_roles: Informer,
    /// Names of aggregated ClusterRoles.
    queue: WorkQueue<String>,
}

pub fn clusterrole_aggregation_controller() -> ClusterRoleAggregationController {
    ClusterRoleAggregationController {
        cluster_roles: Informer::new(ResourcePath::new("rbac.authorization.k8s.io", "v1", "clusterroles")),
        queue: WorkQueue::default(),
    }
}

/// The rules `role`'s aggregationRule selects among `roles` (name order, duplicates dropped);
/// `None` when it has no aggregationRule. An invalid selector is an error, as upstream.
pub fn aggregated_rules(role: &Value, roles: &[&Value]) -> Option<Result<Vec<Value>, String>> {
    let selectors = role.pointer("/aggregationRule/clusterRoleSelectors")?;
    let own_name = meta_str(role, "name");
    let mut rules: Vec<Value> = Vec::new();
    for selector in selectors.as_array().into_iter().flatten() {
        let selector = match Selector::from_label_selector(selector) {
            Ok(s) => s,
            Err(e) => return Some(Err(e.to_string())),
        };
        let mut matching: Vec<&Value> = roles
            .iter()
            .copied()
            .filter(|r| meta_str(r, "name") != own_name)
            .filter(|r| selector.matches_json(r.pointer("/metadata/labels")))
            .collect();
        matching.sort_by_key(|r| meta_str(r, "name"));
        for r in matching {
            for rule in r.get("rules").and_then(Value::as_array).into_iter().flatten() {
                if !rules.contains(rule) {
                    rules.push(rule.clone());
                }
            }
        }
    }
    Some(Ok(rules))
}

impl ClusterRoleAggregationController {
    fn sync(&mut self, api: &mut dyn ApiClient, name: &str) -> Result<(), ApiError> {
        let Some(role) = self.cluster_roles.get("", name) else {
            return Ok(());
        };
        let all: Vec<&Value> = self.cluster_roles.list().collect();
        let rules = match aggregated_rules(role, &all) {
            None => return Ok(()),
            Some(Err(msg)) => return Err(ApiError::bad_request(msg)),
            Some(Ok(rules)) => rules,
        };
        // equality.Semantic: a missing rules list equals an empty one.
        let current = role.get("rules").and_then(Value::as_array).cloned().unwrap_or_default();
        if current == rules {
            return Ok(());
        }
        let mut updated = role.clone();
        set_field(&mut updated, "rules", Value::Array(rules));
        api.request(ApiRequest::put(object_path(RBAC, "clusterroles", "", name), updated))
            .map(|_| ())
    }
}

impl Component for ClusterRoleAggregationController {
    fn name(&self) -> &'static str {
        "clusterrole-aggregation-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let Ok(changes) = self.cluster_roles.sync(api) else {
            return retry;
        };
        let mut did_work = !changes.is_empty();
        if did_work {
            // Any change may feed any aggregated role (upstream's enqueueAll).
            let aggregated: Vec<String> = self
                .cluster_roles
                .list()
                .filter(|r| r.get("aggregationRule").is_some())
                .map(|r| meta_str(r, "name").to_string())
                .collect();
            for name in aggregated {
                self.queue.add(name);
            }
        }
        while let Some(name) = self.queue.pop_ready(now) {
            did_work = true;
            match self.sync(api, &name) {
                Ok(()) => self.queue.forget(&name),
                Err(_) => self.queue.add_rate_limited(name, now),
            }
        }
        StepResult {
            did_work,
            next_wakeup: self.queue.next_deadline(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn role(name: &str, labels: Value, rules: Value) -> Value {
        json!({"metadata": {"name": name, "labels": labels}, "rules": rules})
    }

    #[test]
    fn aggregated_rules_come_from_matching_roles_in_name_order_each_once() {
        let get = json!({"verbs": ["get"], "resources": ["pods"]});
        let list = json!({"verbs": ["list"], "resources": ["pods"]});
        let view = json!({"metadata": {"name": "view"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"to-view": "true"}}]}});
        let roles = [
            role("z-extra", json!({"to-view": "true"}), json!([list, get])),
            role("a-base", json!({"to-view": "true"}), json!([get])),
            role("other", json!({}), json!([{"verbs": ["*"]}])),
            view.clone(),
        ];
        assert_eq!(
            aggregated_rules(&view, &roles.iter().collect::<Vec<_>>()),
            Some(Ok(vec![get, list]))
        );
        assert_eq!(aggregated_rules(&roles[1], &[]), None);
    }

    #[test]
    fn a_role_never_aggregates_itself_and_a_bad_selector_is_an_error() {
        let own = json!({"metadata": {"name": "self", "labels": {"to-view": "true"}}, "rules": [{"verbs": ["get"]}],
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"to-view": "true"}}]}});
        assert_eq!(aggregated_rules(&own, &[&own]), Some(Ok(vec![])));
        let bad = json!({"metadata": {"name": "bad"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchExpressions": [{"key": "a", "operator": "Bogus"}]}]}});
        assert!(matches!(aggregated_rules(&bad, &[]), Some(Err(_))));
    }
}
