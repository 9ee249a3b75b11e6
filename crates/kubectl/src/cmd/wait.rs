//! `kubectl wait --for=delete|create|condition=NAME[=VALUE]|jsonpath=EXPR[=VALUE]`
//! (k8s.io/kubectl/pkg/cmd/wait): list-then-watch each object on the virtual clock until the
//! condition holds, printing `pod/x condition met`, or fail with
//! `timed out waiting for the condition on pods/x`.

use super::watch::{self, ListWatch, Until, WatchEvent};
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, DryRun};
use crate::printers::custom_columns::relaxed_jsonpath;
use crate::printers::jsonpath::{value_text, JsonPath};
use crate::resource::{Builder, Item};
use apimachinery::GroupResource;
use serde_json::Value;

/// kubectl's "forever" for a negative --timeout is 168h; kubeplay lets at most its usual cap
/// of virtual time pass instead (each second is a step of the whole cluster).
const FOREVER_SECS: i64 = super::watch::DEFAULT_CAP_SECS;

/// One `--for` condition.
#[derive(Clone)]
pub enum Condition {
    Delete,
    Create,
    /// Condition type and expected status (case-insensitive).
    Status(String, String),
    /// Expression and expected value (None: any value).
    JsonPath(JsonPath, Option<String>),
}

impl std::fmt::Debug for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Condition::Delete => f.write_str("Delete"),
            Condition::Create => f.write_str("Create"),
            Condition::Status(n, s) => write!(f, "Status({n}={s})"),
            Condition::JsonPath(_, v) => write!(f, "JsonPath(={v:?})"),
        }
    }
}

/// Parses the `--for` values as conditionFuncsFor does.
pub fn parse_conditions(values: &[String]) -> CmdResult<Vec<Condition>> {
    let mut out = Vec::new();
    for cond in values {
        let lower = cond.to_ascii_lowercase();
        if lower == "delete" {
            out.push(Condition::Delete);
        } else if lower == "create" {
            out.push(Condition::Create);
        } else if let Some(rest) = cond.strip_prefix("condition=") {
            let (name, value) = match rest.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => (rest.to_string(), "true".to_string()),
            };
            out.push(Condition::Status(name, value));
        } else if let Some(rest) = cond.strip_prefix("jsonpath=") {
            let (expr, value) = process_jsonpath_input(rest)?;
            if expr.is_empty() {
                return Err(CmdError::msg("jsonpath expression cannot be empty"));
            }
            let jp = JsonPath::parse(&expr).map_err(CmdError::msg)?.allow_missing_keys(true);
            out.push(Condition::JsonPath(jp, value));
        } else {
            return Err(CmdError::msg(format!("unrecognized condition: {}", go_quote(cond))));
        }
    }
    if out.is_empty() {
        let quoted: Vec<String> = values.iter().map(|v| go_quote(v)).collect();
        return Err(CmdError::msg(format!("unrecognized condition: [{}]", quoted.join(" "))));
    }
    Ok(out)
}

fn go_quote(s: &str) -> String {
    apimachinery::errors::go_quote(s)
}

/// splitJSONPathInput: `=` splits, `==` stays in the expression.
fn split_jsonpath_input(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '=' {
            if chars.peek() == Some(&'=') {
                chars.next();
                cur.push_str("==");
                continue;
            }
            out.push(std::mem::take(&mut cur));
            continue;
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

fn process_jsonpath_input(input: &str) -> CmdResult<(String, Option<String>)> {
    let parts = split_jsonpath_input(input);
    if parts.is_empty() || parts.len() > 2 {
        return Err(CmdError::msg(
            "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'",
        ));
    }
    let first = parts.first().cloned().unwrap_or_default();
    let expr = if first.is_empty() {
        String::new()
    } else {
        relaxed_jsonpath(&first).map_err(CmdError::msg)?
    };
    match parts.get(1) {
        None => Ok((expr, None)),
        Some(v) => {
            let value = v.trim_matches(|c| c == '\'' || c == '"').to_string();
            if value.is_empty() {
                return Err(CmdError::msg(
                    "jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3",
                ));
            }
            Ok((expr, Some(value)))
        }
    }
}

fn observed_generation(obj: &Value, cond: &Value) -> Option<i64> {
    cond.get("observedGeneration")
        .and_then(Value::as_i64)
        .or_else(|| obj.pointer("/status/observedGeneration").and_then(Value::as_i64))
}

/// ConditionalWait.checkCondition.
fn status_condition_met(obj: &Value, name: &str, status: &str) -> bool {
    let Some(conds) = obj.pointer("/status/conditions").and_then(Value::as_array) else {
        return false;
    };
    for c in conds {
        let Some(t) = c.get("type").and_then(Value::as_str) else {
            continue;
        };
        if !t.eq_ignore_ascii_case(name) {
            continue;
        }
        let Some(s) = c.get("status").and_then(Value::as_str) else {
            continue;
        };
        if let Some(generation) = obj.pointer("/metadata/generation").and_then(Value::as_i64) {
            if observed_generation(obj, c).is_some_and(|o| o < generation) {
                return false;
            }
        }
        return s.eq_ignore_ascii_case(status);
    }
    false
}

/// JSONPathWait.checkCondition.
fn jsonpath_met(obj: &Value, jp: &JsonPath, value: &Option<String>) -> CmdResult<bool> {
    let results = jp.find_results(obj).map_err(CmdError::msg)?;
    let Some(first) = results.first() else {
        return Ok(false);
    };
    if first.is_empty() {
        return Ok(false);
    }
    if results.len() > 1 {
        return Err(CmdError::msg("given jsonpath expression matches more than one list"));
    }
    if first.len() > 1 {
        return Err(CmdError::msg("given jsonpath expression matches more than one value"));
    }
    let Some(expected) = value else {
        return Ok(true);
    };
    let Some(v) = first.first() else {
        return Ok(false);
    };
    if v.is_object() || v.is_array() {
        return Err(CmdError::msg(
            "jsonpath leads to a nested object or list which is not supported",
        ));
    }
    Ok(value_text(v).trim() == expected.trim())
}

fn check(obj: &Value, cond: &Condition) -> CmdResult<bool> {
    match cond {
        Condition::Status(n, s) => Ok(status_condition_met(obj, n, s)),
        Condition::JsonPath(jp, v) => jsonpath_met(obj, jp, v),
        Condition::Delete | Condition::Create => Ok(true),
    }
}

fn timed_out(item: &Item) -> CmdError {
    CmdError::msg(format!(
        "timed out waiting for the condition on {}/{}",
        item.info.plural, item.name
    ))
}

fn not_found(item: &Item) -> CmdError {
    CmdError::Api(apimachinery::ApiError::not_found(
        &GroupResource::new(&item.info.group, &item.info.plural),
        &item.name,
    ))
}

/// Waits for one object and one condition; the final object on success. `timeout` is what
/// remains of the command's --timeout; None for `--timeout=0` (check once).
async fn wait_one(ctx: &mut Ctx<'_>, item: &Item, cond: &Condition, timeout: Option<i64>) -> CmdResult<Value> {
    if item.name.is_empty() {
        return Err(CmdError::msg("resource name must be provided"));
    }
    let object_name = format!("{}/{}", item.info.plural, item.name);
    let collection = item.collection_path();
    if let Condition::Delete = cond {
        let current = match ctx.get(item.path()) {
            Ok(o) => o,
            Err(e) if e.is_not_found() => return Ok(item.object.clone().unwrap_or(Value::Null)),
            Err(e) => return Err(e),
        };
        let Some(timeout) = timeout else {
            return Err(CmdError::msg(format!("condition not met for {object_name}")));
        };
        let uid = current.pointer("/metadata/uid").cloned();
        let mut lw = ListWatch::for_name(collection, &item.name);
        let initial = lw.list(ctx)?;
        let gone = match initial.first() {
            None => true,
            Some(o) => o.pointer("/metadata/uid").cloned() != uid,
        };
        if gone {
            return Ok(current);
        }
        let outcome = watch::until(ctx, &mut lw, Vec::new(), timeout, &mut |_, ev: &WatchEvent| {
            Ok(ev.event_type == "DELETED")
        })
        .await?;
        return match outcome {
            Until::Done => Ok(current),
            Until::TimedOut => Err(timed_out(item)),
            Until::Interrupted => Err(watch::interrupted()),
        };
    }
    let Some(timeout) = timeout else {
        let obj = ctx.get(item.path())?;
        return if check(&obj, cond)? {
            Ok(obj)
        } else {
            Err(CmdError::msg(format!("condition not met for {object_name}")))
        };
    };
    let mut lw = ListWatch::for_name(collection, &item.name);
    let initial = lw.list(ctx)?;
    if initial.is_empty() {
        return Err(not_found(item));
    }
    let mut last = Value::Null;
    let outcome = watch::until(ctx, &mut lw, initial, timeout, &mut |_, ev: &WatchEvent| {
        if ev.event_type == "DELETED" || ev.event_type == "ERROR" {
            return Ok(false);
        }
        let met = check(&ev.object, cond)?;
        last = ev.object.clone();
        Ok(met)
    })
    .await?;
    match outcome {
        Until::Done => Ok(last),
        Until::TimedOut => Err(timed_out(item)),
        Until::Interrupted => Err(watch::interrupted()),
    }
}

pub async fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let conditions = parse_conditions(&flags.strings("for"))?;
    let format = super::output_format(flags)?;
    let timeout = match flags.duration_secs("timeout") {
        t if t < 0 => FOREVER_SECS,
        t => t,
    };
    // One deadline for the whole command (RunWaitContext's context).
    let deadline = ctx.host.now_unix().saturating_add(timeout);
    let mut builder = Builder::from_flags(flags, &flags.args);
    builder.latest = true;
    let is_delete = conditions.iter().any(|c| matches!(c, Condition::Delete));
    if conditions.iter().any(|c| matches!(c, Condition::Create)) {
        let outcome = watch::poll_until(ctx, timeout, &mut |ctx| {
            let items = builder.run(ctx)?;
            let mut found = false;
            for i in items {
                match i {
                    Ok(_) => found = true,
                    Err(e) if e.is_not_found() => return Ok(false),
                    Err(e) => return Err(e),
                }
            }
            Ok(found)
        })
        .await?;
        match outcome {
            Until::Done => {}
            Until::TimedOut => return Err(CmdError::msg("timed out waiting for the condition")),
            Until::Interrupted => return Err(watch::interrupted()),
        }
    }
    let items = builder.run(ctx)?;
    let mut visited = 0;
    for item in items {
        let item = match item {
            Ok(i) => i,
            Err(e) if is_delete && e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        visited += 1;
        for cond in &conditions {
            let remaining = (timeout != 0).then(|| (deadline - ctx.host.now_unix()).max(0));
            let obj = wait_one(ctx, &item, cond, remaining).await?;
            let obj = if obj.is_null() {
                item.object.clone().unwrap_or(Value::Null)
            } else {
                obj
            };
            let obj = with_kind(obj, &item);
            print_result(ctx, &obj, &format, "condition met", DryRun::None)?;
        }
    }
    if visited == 0 && !is_delete {
        return Err(CmdError::msg("no matching resources found"));
    }
    Ok(())
}

/// Watch events of built-in kinds may lack kind/apiVersion; the name printer needs them.
fn with_kind(mut obj: Value, item: &Item) -> Value {
    if let Some(o) = obj.as_object_mut() {
        o.entry("kind").or_insert(Value::String(item.info.kind.clone()));
        o.entry("apiVersion").or_insert(Value::String(item.info.api_version()));
        let meta = o.entry("metadata").or_insert(serde_json::json!({}));
        if let Some(m) = meta.as_object_mut() {
            m.entry("name").or_insert(Value::String(item.name.clone()));
        }
    }
    obj
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn bad_conditions_get_kubectls_messages() {
        let err = |v: &[&str]| parse_conditions(&s(v)).unwrap_err().render();
        assert_eq!(err(&[]), "error: unrecognized condition: []\n");
        assert_eq!(err(&["foo"]), "error: unrecognized condition: \"foo\"\n");
        assert_eq!(
            err(&["jsonpath={.a}="]),
            "error: jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3\n"
        );
        assert_eq!(err(&["jsonpath="]), "error: jsonpath expression cannot be empty\n");
    }

    #[test]
    fn status_conditions_match_case_insensitively_and_respect_generations() {
        let pod = json!({"metadata": {"generation": 2}, "status": {"observedGeneration": 2, "conditions": [
            {"type": "Ready", "status": "True"}, {"type": "Available", "status": "False"}]}});
        assert!(status_condition_met(&pod, "ready", "true"));
        assert!(!status_condition_met(&pod, "Available", "true"));
        assert!(status_condition_met(&pod, "Available", "false"));
        assert!(!status_condition_met(&pod, "Missing", "true"));
        let stale = json!({"metadata": {"generation": 3}, "status": {"observedGeneration": 2, "conditions": [
            {"type": "Ready", "status": "True"}]}});
        assert!(!status_condition_met(&stale, "Ready", "true"));
    }

    #[test]
    fn jsonpath_conditions_compare_scalars() {
        let conds = parse_conditions(&s(&["jsonpath={.status.phase}=Running"])).unwrap();
        let Condition::JsonPath(jp, v) = &conds[0] else {
            panic!()
        };
        assert!(jsonpath_met(&json!({"status": {"phase": "Running"}}), jp, v).unwrap());
        assert!(!jsonpath_met(&json!({"status": {"phase": "Pending"}}), jp, v).unwrap());
        assert!(!jsonpath_met(&json!({}), jp, v).unwrap());
        let conds = parse_conditions(&s(&["jsonpath={.status}=x"])).unwrap();
        let Condition::JsonPath(jp, v) = &conds[0] else {
            panic!()
        };
        assert_eq!(
            jsonpath_met(&json!({"status": {"a": 1}}), jp, v).unwrap_err().render(),
            "error: jsonpath leads to a nested object or list which is not supported\n"
        );
        assert_eq!(split_jsonpath_input("{.a}==b=c"), vec!["{.a}==b", "c"]);
    }
}
