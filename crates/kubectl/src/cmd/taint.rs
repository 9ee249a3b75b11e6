//! `kubectl taint NODE KEY[=VALUE]:EFFECT… | KEY[:EFFECT]-` (k8s.io/kubectl/pkg/cmd/taint).

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, DryRun};
use crate::resource::Builder;
use apimachinery::request::PatchType;
use apimachinery::ApiRequest;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Taint {
    key: String,
    value: String,
    effect: String,
}

impl Taint {
    /// corev1.Taint.ToString.
    fn to_text(&self) -> String {
        match (self.value.is_empty(), self.effect.is_empty()) {
            (true, true) => self.key.clone(),
            (true, false) => format!("{}:{}", self.key, self.effect),
            (false, true) => format!("{}={}", self.key, self.value),
            (false, false) => format!("{}={}:{}", self.key, self.value, self.effect),
        }
    }
    fn to_json(&self) -> Value {
        let mut v = json!({"key": self.key, "effect": self.effect});
        if !self.value.is_empty() {
            v["value"] = json!(self.value);
        }
        v
    }
    fn from_json(v: &Value) -> Taint {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        Taint {
            key: s("key"),
            value: s("value"),
            effect: s("effect"),
        }
    }
    /// MatchTaint: same key and effect.
    fn matches(&self, other: &Taint) -> bool {
        self.key == other.key && self.effect == other.effect
    }
}

fn parse_taint(st: &str) -> Result<Taint, String> {
    let parts: Vec<&str> = st.split(':').collect();
    let (key, value, effect) = match parts.as_slice() {
        [k] => (k.to_string(), String::new(), String::new()),
        [kv, effect] => {
            if !["NoSchedule", "PreferNoSchedule", "NoExecute"].contains(effect) {
                return Err(format!("invalid taint effect: {effect}, unsupported taint effect"));
            }
            let kvs: Vec<&str> = kv.split('=').collect();
            match kvs.as_slice() {
                [k] => (k.to_string(), String::new(), effect.to_string()),
                [k, v] => {
                    let errs = apimachinery::validation::is_valid_label_value(v);
                    if !errs.is_empty() {
                        return Err(format!("invalid taint spec: {st}, {}", errs.join("; ")));
                    }
                    (k.to_string(), v.to_string(), effect.to_string())
                }
                _ => return Err(format!("invalid taint spec: {st}")),
            }
        }
        _ => return Err(format!("invalid taint spec: {st}")),
    };
    let errs = apimachinery::validation::is_qualified_name(&key);
    if !errs.is_empty() {
        return Err(format!("invalid taint spec: {st}, {}", errs.join("; ")));
    }
    Ok(Taint { key, value, effect })
}

fn parse_taints(specs: &[String]) -> Result<(Vec<Taint>, Vec<Taint>), String> {
    let mut add: Vec<Taint> = Vec::new();
    let mut remove = Vec::new();
    for spec in specs {
        if let Some(s) = spec.strip_suffix('-') {
            let t = parse_taint(s)?;
            remove.push(Taint {
                key: t.key,
                value: String::new(),
                effect: t.effect,
            });
        } else {
            let t = parse_taint(spec)?;
            if t.effect.is_empty() {
                return Err(format!("invalid taint spec: {spec}"));
            }
            if add.iter().any(|a| a.matches(&t)) {
                return Err(format!(
                    "duplicated taints with the same key and effect: {}",
                    go_taint(&t)
                ));
            }
            add.push(t);
        }
    }
    Ok((add, remove))
}

/// `%v` of a corev1.Taint value.
fn go_taint(t: &Taint) -> String {
    format!("{{{} {} {} <nil>}}", t.key, t.value, t.effect)
}

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let format = super::output_format(flags)?;
    let mut resources = Vec::new();
    let mut taint_args = Vec::new();
    for a in &flags.args {
        let is_taint = a.contains('=') || a.contains(':') || a.ends_with('-');
        if is_taint {
            taint_args.push(a.clone());
        } else if !taint_args.is_empty() {
            return Err(CmdError::msg(format!(
                "all resources must be specified before taint changes: {a}"
            )));
        } else {
            resources.push(a.clone());
        }
    }
    if resources.is_empty() {
        return Err(CmdError::msg(
            "one or more resources must be specified as <resource> <name>",
        ));
    }
    if taint_args.is_empty() {
        return Err(CmdError::msg("at least one taint update is required"));
    }
    let (add, remove) = parse_taints(&taint_args).map_err(|e| CmdError::usage(&ctx.command_path, e))?;
    let resource_type = resources.first().cloned().unwrap_or_default().to_ascii_lowercase();
    let info = ctx.resolve(&resource_type)?;
    if info.kind != "Node" {
        return Err(CmdError::msg(format!(
            "invalid resource type {resource_type}, only node types are supported"
        )));
    }
    let mut conflicts = Vec::new();
    for a in &add {
        for r in &remove {
            if a.key == r.key && (r.effect.is_empty() || a.effect == r.effect) {
                conflicts.push(format!("{}={}", r.key, r.effect));
            }
        }
    }
    if !conflicts.is_empty() {
        return Err(CmdError::msg(format!(
            "can not both modify and remove the following taint(s) in the same command: {}",
            conflicts.join(", ")
        )));
    }
    let all = flags.bool("all");
    let selector = flags.string("selector");
    if all && !selector.is_empty() {
        return Err(CmdError::msg(
            "setting 'all' parameter with a non empty selector is prohibited",
        ));
    }
    if !all && selector.is_empty() && resources.len() < 2 {
        return Err(CmdError::msg(
            "at least one resource name must be specified since 'all' parameter is not set",
        ));
    }
    let overwrite = flags.bool("overwrite");
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let mut args = vec!["nodes".to_string()];
    if !all && selector.is_empty() {
        args.extend(resources.iter().skip(1).cloned());
    }
    let builder = Builder {
        args,
        selector,
        latest: true,
        ..Builder::default()
    };
    let mut errs = Vec::new();
    for item in builder.run(ctx)? {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let mut node = item.object.clone().unwrap_or(Value::Null);
        let old: Vec<Taint> = node
            .pointer("/spec/taints")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(Taint::from_json).collect())
            .unwrap_or_default();
        if !overwrite {
            let exists: Vec<String> = add
                .iter()
                .filter(|t| old.iter().any(|o| o.key == t.key && o.effect == t.effect))
                .map(|t| t.key.clone())
                .collect();
            if !exists.is_empty() {
                errs.push(CmdError::msg(format!(
                    "node {} already has {} taint(s) with same effect(s) and --overwrite is false",
                    item.name,
                    exists.join(",")
                )));
                continue;
            }
        }
        // reorganizeTaints
        let mut new_taints = add.clone();
        for o in &old {
            if !new_taints.iter().any(|t| t.matches(o)) {
                new_taints.push(o.clone());
            }
        }
        let added = old.len() != new_taints.len();
        let mut not_found = Vec::new();
        let mut deleted = false;
        for r in &remove {
            let before = new_taints.len();
            if r.effect.is_empty() {
                new_taints.retain(|t| t.key != r.key);
            } else {
                new_taints.retain(|t| !t.matches(r));
            }
            deleted = before != new_taints.len();
            if !deleted {
                not_found.push(CmdError::Raw(format!("taint \"{}\" not found", r.to_text())));
            }
        }
        if !not_found.is_empty() {
            errs.push(CmdError::Aggregate(not_found));
            continue;
        }
        let operation = if (added && deleted) || overwrite {
            "modified"
        } else if added {
            "tainted"
        } else {
            "untainted"
        };
        let list: Vec<Value> = new_taints.iter().map(Taint::to_json).collect();
        let patch_value = if list.is_empty() { Value::Null } else { json!(list) };
        if let Some(spec) = node.get_mut("spec").and_then(Value::as_object_mut) {
            if list.is_empty() {
                spec.remove("taints");
            } else {
                spec.insert("taints".into(), json!(list));
            }
        }
        if dry_run != DryRun::Client {
            let req = dry_run.apply(ApiRequest::patch(
                item.path(),
                PatchType::StrategicMerge,
                json!({"spec": {"taints": patch_value}}),
            ));
            match ctx.request(req.with_query("fieldManager", "kubectl-taint")) {
                Ok(updated) => node = updated,
                Err(e) => {
                    errs.push(CmdError::Api(e));
                    continue;
                }
            }
        }
        print_result(ctx, &node, &format, operation, dry_run)?;
    }
    CmdError::aggregate(errs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taint_specs_parse_with_upstream_errors() {
        assert_eq!(
            parse_taint("k=v:NoSchedule").unwrap(),
            Taint {
                key: "k".into(),
                value: "v".into(),
                effect: "NoSchedule".into()
            }
        );
        assert_eq!(
            parse_taint("k:Effect").unwrap_err(),
            "invalid taint effect: Effect, unsupported taint effect"
        );
        assert_eq!(
            parse_taint("a=b=c:NoSchedule").unwrap_err(),
            "invalid taint spec: a=b=c:NoSchedule"
        );
        let (add, remove) = parse_taints(&["node-role.kubernetes.io/control-plane:NoSchedule-".to_string()]).unwrap();
        assert!(add.is_empty());
        assert_eq!(remove[0].to_text(), "node-role.kubernetes.io/control-plane:NoSchedule");
        assert_eq!(
            parse_taints(&["k=v".to_string()]).unwrap_err().split(',').next(),
            Some("invalid taint spec: k=v")
        );
    }
}
