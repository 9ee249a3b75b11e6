//! `kubectl autoscale` (k8s.io/kubectl/pkg/cmd/autoscale): creates an autoscaling/v2
//! HorizontalPodAutoscaler for each scalable object: `--min`, `--max` (required), `--cpu` /
//! `--memory` (`70%` = utilization, a quantity = average value, a bare number = milliCPU or
//! MiB), the deprecated `--cpu-percent`, `--name`, `--dry-run`, `-o`.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, DryRun};
use crate::resource::{Builder, Item};
use apimachinery::{ApiRequest, Quantity};
use serde_json::{json, Map, Value};

const CPU_PERCENT_DEPRECATION: &str = "Flag --cpu-percent has been deprecated, Use --cpu with percentage or resource quantity format (e.g., '70%' for utilization or '500m' for milliCPU).\n";

/// A metric target: utilization percent or average value.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    Utilization(i64),
    AverageValue(String),
}

/// parseResourceInput.
fn parse_resource_input(input: &str, resource: &str) -> CmdResult<Target> {
    let input = input.trim();
    if input.is_empty() {
        return Err(CmdError::msg("empty input"));
    }
    if let Some(p) = input.strip_suffix('%') {
        return match p.parse::<i64>() {
            Ok(v) if (0..=i64::from(i32::MAX)).contains(&v) => Ok(Target::Utilization(v)),
            _ => Err(CmdError::msg(format!("invalid percentage value: {p}"))),
        };
    }
    if let Ok(f) = input.parse::<f64>() {
        let unit = if resource == "cpu" { "m" } else { "Mi" };
        let text = format!("{}{unit}", go_g(f));
        return Quantity::parse(&text)
            .map(|q| Target::AverageValue(q.to_string()))
            .map_err(|e| CmdError::msg(e.to_string()));
    }
    Quantity::parse(input)
        .map(|q| Target::AverageValue(q.to_string()))
        .map_err(|_| CmdError::msg(format!("invalid resource {resource} value: {input}")))
}

/// `%g` for the plain numbers people type (500, 1.5).
fn go_g(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn metric(resource: &str, target: &Target) -> Value {
    let t = match target {
        Target::Utilization(v) => json!({"type": "Utilization", "averageUtilization": v}),
        Target::AverageValue(q) => json!({"type": "AverageValue", "averageValue": q}),
    };
    json!({"type": "Resource", "resource": {"name": resource, "target": t}})
}

struct Spec {
    name: String,
    min: i64,
    max: i64,
    cpu_percent: i64,
    cpu: String,
    memory: String,
}

/// createHorizontalPodAutoscalerV2, as the typed object marshals.
fn hpa_for(ctx: &Ctx<'_>, item: &Item, s: &Spec) -> CmdResult<Value> {
    let name = if s.name.is_empty() {
        item.name.clone()
    } else {
        s.name.clone()
    };
    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    if ctx.explicit_namespace {
        meta.insert("namespace".into(), json!(ctx.namespace));
    }
    meta.insert("creationTimestamp".into(), Value::Null);
    let mut spec = Map::new();
    spec.insert(
        "scaleTargetRef".into(),
        json!({"apiVersion": item.info.api_version(), "kind": item.info.kind, "name": item.name}),
    );
    if s.min > 0 {
        spec.insert("minReplicas".into(), json!(s.min));
    }
    spec.insert("maxReplicas".into(), json!(s.max));
    let mut metrics = Vec::new();
    if s.cpu_percent > 0 {
        metrics.push(metric("cpu", &Target::Utilization(s.cpu_percent)));
    }
    if !s.cpu.is_empty() {
        metrics.push(metric("cpu", &parse_resource_input(&s.cpu, "cpu")?));
    }
    if !s.memory.is_empty() {
        metrics.push(metric("memory", &parse_resource_input(&s.memory, "memory")?));
    }
    if !metrics.is_empty() {
        spec.insert("metrics".into(), Value::Array(metrics));
    }
    Ok(json!({
        "kind": "HorizontalPodAutoscaler",
        "apiVersion": "autoscaling/v2",
        "metadata": meta,
        "spec": spec,
        "status": {"currentMetrics": null, "desiredReplicas": 0}
    }))
}

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    if flags.changed("cpu-percent") {
        ctx.stderr(CPU_PERCENT_DEPRECATION);
    }
    let format = super::output_format(flags)?;
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let spec = Spec {
        name: flags.string("name"),
        min: flags.int("min"),
        max: flags.int("max"),
        cpu_percent: if flags.changed("cpu-percent") {
            flags.int("cpu-percent")
        } else {
            -1
        },
        cpu: flags.string("cpu"),
        memory: flags.string("memory"),
    };
    if spec.max < 1 {
        return Err(CmdError::msg(format!(
            "--max=MAXPODS is required and must be at least 1, max: {}",
            spec.max
        )));
    }
    if spec.max < spec.min {
        return Err(CmdError::msg(format!(
            "--max=MAXPODS must be larger or equal to --min=MINPODS, max: {}, min: {}",
            spec.max, spec.min
        )));
    }
    if spec.cpu_percent > 0 && !spec.cpu.is_empty() {
        return Err(CmdError::msg("--cpu-percent and --cpu are mutually exclusive"));
    }
    if !spec.cpu.is_empty() {
        parse_resource_input(&spec.cpu, "cpu")?;
    }
    if !spec.memory.is_empty() {
        parse_resource_input(&spec.memory, "memory")?;
    }
    let mut builder = Builder::from_flags(flags, &flags.args);
    builder.latest = true;
    let mut count = 0;
    for item in builder.run(ctx)? {
        let item = item?;
        if !item.info.subresources.iter().any(|s| s == "scale") {
            return Err(CmdError::msg(format!(
                "cannot autoscale a {}: could not find scale subresource for {} in discovery information",
                item.info.kind,
                gvr_text(&item)
            )));
        }
        let hpa = hpa_for(ctx, &item, &spec)?;
        count += 1;
        if dry_run == DryRun::Client {
            print_result(ctx, &hpa, &format, "created", dry_run)?;
            continue;
        }
        let ns = item.namespace.clone();
        let mut body = hpa;
        if let Some(s) = body.as_object_mut() {
            s.remove("status");
        }
        let req = dry_run
            .apply(ApiRequest::post(
                format!("/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers"),
                body,
            ))
            .with_query("fieldManager", flags.string("field-manager"));
        let created = ctx.request(req).map_err(CmdError::Api)?;
        print_result(ctx, &created, &format, "autoscaled", dry_run)?;
    }
    if count == 0 {
        return Err(CmdError::msg("no objects passed to autoscale"));
    }
    Ok(())
}

/// schema.GroupVersionResource's String (`apps/v1, Resource=deployments`, `/v1, Resource=pods`).
fn gvr_text(item: &Item) -> String {
    format!(
        "{}/{}, Resource={}",
        item.info.group, item.info.version, item.info.plural
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_inputs_become_utilization_or_average_value() {
        assert_eq!(parse_resource_input("70%", "cpu").unwrap(), Target::Utilization(70));
        assert_eq!(
            parse_resource_input("500", "cpu").unwrap(),
            Target::AverageValue("500m".into())
        );
        assert_eq!(
            parse_resource_input("200", "memory").unwrap(),
            Target::AverageValue("200Mi".into())
        );
        assert_eq!(
            parse_resource_input("1Gi", "memory").unwrap(),
            Target::AverageValue("1Gi".into())
        );
        assert_eq!(
            parse_resource_input("abc", "cpu").unwrap_err().render(),
            "error: invalid resource cpu value: abc\n"
        );
        assert_eq!(
            parse_resource_input("x%", "cpu").unwrap_err().render(),
            "error: invalid percentage value: x\n"
        );
    }
}
