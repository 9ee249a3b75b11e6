//! The Job's pod failure policy (`spec.podFailurePolicy`) and success policy
//! (`spec.successPolicy`), as pkg/controller/job matches them.

use super::indexes::{parse_indexes, Indexes};
use crate::util::*;
use serde_json::Value;

/// A pod failure policy rule's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    FailJob,
    FailIndex,
    Ignore,
    Count,
}

/// What the policy says about a failed pod: the action of the first matching rule (None when
/// no rule matches, which counts the failure), and for FailJob the Job's failure message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub action: Option<Action>,
    pub fail_job_message: Option<String>,
}

impl Verdict {
    /// Whether the failure counts towards backoffLimit (every action but Ignore).
    pub fn counts(&self) -> bool {
        self.action != Some(Action::Ignore)
    }
}

/// `matchPodFailurePolicy`: the first rule, in order, that matches the failed pod.
pub fn match_pod_failure_policy(job: &Value, pod: &Value) -> Verdict {
    let none = Verdict {
        action: None,
        fail_job_message: None,
    };
    let Some(rules) = job.pointer("/spec/podFailurePolicy/rules").and_then(Value::as_array) else {
        return none;
    };
    let (ns, name) = (meta_str(pod, "namespace"), meta_str(pod, "name"));
    for (index, rule) in rules.iter().enumerate() {
        let action_name = str_at(rule, "/action");
        let action = match action_name {
            "FailJob" => Action::FailJob,
            "FailIndex" => Action::FailIndex,
            "Ignore" => Action::Ignore,
            "Count" => Action::Count,
            _ => continue,
        };
        let message = if let Some(req) = rule.get("onExitCodes").filter(|v| v.is_object()) {
            match_on_exit_codes(pod, req).map(|(container, code)| {
                format!("Container {container} for pod {ns}/{name} failed with exit code {code} matching {action_name} rule at index {index}")
            })
        } else if let Some(patterns) = rule.get("onPodConditions").and_then(Value::as_array) {
            match_on_pod_conditions(pod, patterns)
                .map(|ty| format!("Pod {ns}/{name} has condition {ty} matching {action_name} rule at index {index}"))
        } else {
            None
        };
        if let Some(message) = message {
            return Verdict {
                action: Some(action),
                fail_job_message: (action == Action::FailJob).then_some(message),
            };
        }
    }
    none
}

/// The first terminated container (regular ones, then init ones) with a non-zero exit code
/// that satisfies the requirement: (name, exit code).
fn match_on_exit_codes(pod: &Value, req: &Value) -> Option<(String, i64)> {
    let only = req.get("containerName").and_then(Value::as_str);
    let values: Vec<i64> = req
        .get("values")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let operator = str_at(req, "/operator");
    for list in ["/status/containerStatuses", "/status/initContainerStatuses"] {
        for status in pod.pointer(list).and_then(Value::as_array).into_iter().flatten() {
            let Some(code) = status.pointer("/state/terminated/exitCode").and_then(Value::as_i64) else {
                continue;
            };
            let name = str_at(status, "/name");
            if code == 0 || only.is_some_and(|o| o != name) {
                continue;
            }
            let matched = match operator {
                "In" => values.contains(&code),
                "NotIn" => !values.contains(&code),
                _ => false,
            };
            if matched {
                return Some((name.to_string(), code));
            }
        }
    }
    None
}

/// The type of the first pod condition that one of the patterns (type and status) matches.
fn match_on_pod_conditions(pod: &Value, patterns: &[Value]) -> Option<String> {
    let conditions = pod.pointer("/status/conditions").and_then(Value::as_array)?;
    conditions.iter().find_map(|c| {
        let (ty, status) = (str_at(c, "/type"), str_at(c, "/status"));
        patterns
            .iter()
            .any(|p| str_at(p, "/type") == ty && str_at(p, "/status") == status)
            .then(|| ty.to_string())
    })
}

/// `matchSuccessPolicy`: "Matched rules at index N" for the first rule the succeeded indexes
/// satisfy (all of its succeededIndexes, or succeededCount of them, or succeededCount overall).
pub fn match_success_policy(job: &Value, completions: i64, succeeded: &Indexes) -> Option<String> {
    let rules = job.pointer("/spec/successPolicy/rules").and_then(Value::as_array)?;
    if succeeded.is_empty() {
        return None;
    }
    for (index, rule) in rules.iter().enumerate() {
        let count = int_opt(rule, "/succeededCount");
        let matched = match rule.get("succeededIndexes").and_then(Value::as_str) {
            Some(spec) => {
                let required: Indexes = parse_indexes(spec).into_iter().filter(|i| *i < completions).collect();
                if required.is_empty() {
                    continue;
                }
                let contains = required.intersection(succeeded).count() as i64;
                contains == required.len() as i64 || count.is_some_and(|c| contains >= c)
            }
            None => count.is_some_and(|c| succeeded.len() as i64 >= c),
        };
        if matched {
            return Some(format!("Matched rules at index {index}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn failed_pod(exit_codes: &[(&str, i64)], conditions: Value) -> Value {
        let statuses: Vec<Value> = exit_codes
            .iter()
            .map(|(n, c)| json!({"name": n, "state": {"terminated": {"exitCode": c}}}))
            .collect();
        json!({"metadata": {"namespace": "default", "name": "p-1"},
               "status": {"phase": "Failed", "containerStatuses": statuses, "conditions": conditions}})
    }

    /// kubernetes.io controllers/job-pod-failure-policy-example.yaml
    fn example_job() -> Value {
        json!({"spec": {"podFailurePolicy": {"rules": [
            {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]}},
            {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]},
        ]}}})
    }

    #[test]
    fn rules_match_in_order_on_exit_codes_and_pod_conditions() {
        let job = example_job();
        let v = match_pod_failure_policy(&job, &failed_pod(&[("main", 42)], json!([])));
        assert_eq!(v.action, Some(Action::FailJob));
        assert_eq!(
            v.fail_job_message.as_deref(),
            Some("Container main for pod default/p-1 failed with exit code 42 matching FailJob rule at index 0")
        );
        assert!(v.counts());
        let disrupted = failed_pod(
            &[("main", 137)],
            json!([{"type": "DisruptionTarget", "status": "True"}]),
        );
        let v = match_pod_failure_policy(&job, &disrupted);
        assert_eq!((v.action, v.counts()), (Some(Action::Ignore), false));
        // Another exit code matches no rule: counted against backoffLimit.
        let v = match_pod_failure_policy(&job, &failed_pod(&[("main", 1)], json!([])));
        assert_eq!((v.action, v.counts()), (None, true));
        // Another container's 42 does not match a rule restricted to "main".
        let v = match_pod_failure_policy(&job, &failed_pod(&[("side", 42)], json!([])));
        assert_eq!(v.action, None);
    }

    #[test]
    fn not_in_never_matches_exit_code_zero_and_conditions_have_their_message() {
        let job = json!({"spec": {"podFailurePolicy": {"rules": [
            {"action": "Count", "onExitCodes": {"operator": "NotIn", "values": [1]}},
            {"action": "FailJob", "onPodConditions": [{"type": "ConfigIssue", "status": "True"}]},
        ]}}});
        let v = match_pod_failure_policy(&job, &failed_pod(&[("a", 0), ("b", 3)], json!([])));
        assert_eq!(v.action, Some(Action::Count));
        let v = match_pod_failure_policy(
            &job,
            &failed_pod(&[("a", 1)], json!([{"type": "ConfigIssue", "status": "True"}])),
        );
        assert_eq!(
            v.fail_job_message.as_deref(),
            Some("Pod default/p-1 has condition ConfigIssue matching FailJob rule at index 1")
        );
        assert_eq!(
            match_pod_failure_policy(&json!({}), &failed_pod(&[("a", 1)], json!([]))).action,
            None
        );
    }

    #[test]
    fn success_policy_rules() {
        // kubernetes.io controllers/job-success-policy.yaml
        let job = json!({"spec": {"successPolicy": {"rules": [{"succeededIndexes": "0,2-3", "succeededCount": 1}]}}});
        let set = |v: &[i64]| -> Indexes { v.iter().copied().collect() };
        assert_eq!(match_success_policy(&job, 10, &set(&[1, 4])), None);
        assert_eq!(
            match_success_policy(&job, 10, &set(&[2])).as_deref(),
            Some("Matched rules at index 0")
        );
        let all = json!({"spec": {"successPolicy": {"rules": [{"succeededIndexes": "1-2"}, {"succeededCount": 3}]}}});
        assert_eq!(match_success_policy(&all, 5, &set(&[1])), None);
        assert_eq!(
            match_success_policy(&all, 5, &set(&[1, 2])).as_deref(),
            Some("Matched rules at index 0")
        );
        assert_eq!(
            match_success_policy(&all, 5, &set(&[0, 3, 4])).as_deref(),
            Some("Matched rules at index 1")
        );
        assert_eq!(match_success_policy(&all, 5, &set(&[])), None);
    }
}
