//! `kubectl top node|pod` (k8s.io/kubectl/pkg/cmd/top and pkg/metricsutil): NodeMetrics and
//! PodMetrics from `metrics.k8s.io` (v1 or v1beta1, whichever discovery offers first), printed
//! with kubectl's tab-terminated cells (so every line ends in padding, as upstream's do).

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::printers::tabwriter;
use apimachinery::{ApiRequest, Quantity, Selector};
use serde_json::Value;
use std::collections::BTreeMap;

const SUPPORTED_VERSIONS: &[&str] = &["v1", "v1beta1"];

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

/// SupportedMetricsAPIVersionAvailable: the first supported version the server lists.
fn metrics_version(ctx: &mut Ctx<'_>) -> CmdResult<Option<String>> {
    let groups = ctx.get("/apis")?;
    for g in groups.get("groups").and_then(Value::as_array).into_iter().flatten() {
        if str_at(g, "/name") != "metrics.k8s.io" {
            continue;
        }
        for v in g.get("versions").and_then(Value::as_array).into_iter().flatten() {
            let version = str_at(v, "/version");
            if SUPPORTED_VERSIONS.contains(&version) {
                return Ok(Some(version.to_string()));
            }
        }
    }
    Ok(None)
}

fn quantity(v: Option<&Value>) -> Quantity {
    v.and_then(Quantity::from_json)
        .and_then(Result::ok)
        .unwrap_or_else(|| Quantity::new(0, apimachinery::quantity::Format::DecimalSI))
}

/// CPU in millicores and memory in bytes of a usage map.
fn usage_of(usage: Option<&Value>) -> (i64, i64) {
    let cpu = quantity(usage.and_then(|u| u.get("cpu"))).milli_value();
    let mem = quantity(usage.and_then(|u| u.get("memory"))).value();
    (cpu, mem)
}

fn cpu_text(milli: i64) -> String {
    format!("{milli}m")
}

fn mem_text(bytes: i64) -> String {
    format!("{}Mi", bytes / (1024 * 1024))
}

fn check_sort_by(sort_by: &str) -> CmdResult {
    if !sort_by.is_empty() && sort_by != "cpu" && sort_by != "memory" {
        return Err(CmdError::msg("--sort-by accepts only cpu or memory"));
    }
    Ok(())
}

fn check_selector(sel: &str) -> CmdResult {
    if !sel.is_empty() {
        Selector::parse(sel).map_err(|e| CmdError::msg(e.to_string()))?;
    }
    Ok(())
}

fn with_selector(req: ApiRequest, sel: &str) -> ApiRequest {
    if sel.is_empty() {
        req
    } else {
        req.with_query("labelSelector", sel.to_string())
    }
}

pub fn node(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = match flags.args.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        _ => return Err(CmdError::usage(&ctx.command_path, "node [NAME | -l label]")),
    };
    let selector = flags.string("selector");
    let sort_by = flags.string("sort-by");
    check_sort_by(&sort_by)?;
    check_selector(&selector)?;
    let Some(version) = metrics_version(ctx)? else {
        return Err(CmdError::msg("Metrics API not available"));
    };
    let base = format!("/apis/metrics.k8s.io/{version}/nodes");
    let mut metrics: Vec<Value> = if name.is_empty() {
        let list = ctx
            .request(with_selector(ApiRequest::get(base), &selector))
            .map_err(CmdError::Api)?;
        list.get("items").and_then(Value::as_array).cloned().unwrap_or_default()
    } else {
        vec![ctx.get(format!("{base}/{name}"))?]
    };
    if metrics.is_empty() {
        return Err(CmdError::msg("metrics not available yet"));
    }
    let nodes: Vec<Value> = if name.is_empty() {
        let list = ctx
            .request(with_selector(ApiRequest::get("/api/v1/nodes"), &selector))
            .map_err(CmdError::Api)?;
        list.get("items").and_then(Value::as_array).cloned().unwrap_or_default()
    } else {
        vec![ctx.get(format!("/api/v1/nodes/{name}"))?]
    };
    let field = if flags.bool("show-capacity") {
        "capacity"
    } else {
        "allocatable"
    };
    let mut available: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for n in &nodes {
        available.insert(
            str_at(n, "/metadata/name").to_string(),
            usage_of(n.pointer(&format!("/status/{field}"))),
        );
    }
    sort_metrics(&mut metrics, &sort_by, |m| usage_of(m.get("usage")));
    let mut text = String::new();
    if !flags.bool("no-headers") {
        text.push_str("NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)\t\n");
    }
    for m in &metrics {
        let name = str_at(m, "/metadata/name");
        let (cpu, mem) = usage_of(m.get("usage"));
        text.push_str(&format!("{name}\t{}\t", cpu_text(cpu)));
        let avail = available.remove(name);
        if let Some((acpu, _)) = avail {
            text.push_str(&format!("{}%\t", percent(cpu, acpu)));
        }
        text.push_str(&format!("{}\t", mem_text(mem)));
        if let Some((_, amem)) = avail {
            // MilliValue of memory: bytes × 1000 on both sides, so the ratio is the same.
            text.push_str(&format!("{}%\t", percent(mem, amem)));
        }
        text.push('\n');
    }
    // Nodes without metrics (kubectl ranges over a map; kubeplay prints them by name).
    for n in available.keys() {
        text.push_str(&format!("{n}\t<unknown>\t<unknown>\t<unknown>\t<unknown>\t\n"));
    }
    ctx.stdout(tabwriter::align(&text));
    Ok(())
}

fn percent(used: i64, available: i64) -> i64 {
    if available == 0 {
        return 0;
    }
    (used as f64 / available as f64 * 100.0) as i64
}

fn sort_metrics(metrics: &mut [Value], sort_by: &str, usage: impl Fn(&Value) -> (i64, i64)) {
    match sort_by {
        "cpu" => metrics.sort_by_key(|m| std::cmp::Reverse(usage(m).0)),
        "memory" => metrics.sort_by_key(|m| std::cmp::Reverse(usage(m).1)),
        _ => {}
    }
}

/// A pod's total usage over its containers.
fn pod_usage(m: &Value) -> (i64, i64) {
    m.get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| usage_of(c.get("usage")))
        .fold((0i64, 0i64), |(a, b), (c, d)| {
            (a.saturating_add(c), b.saturating_add(d))
        })
}

pub fn pod(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let name = match flags.args.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        _ => return Err(CmdError::usage(&ctx.command_path, "pod [NAME | -l label]")),
    };
    let selector = flags.string("selector");
    let field_selector = flags.string("field-selector");
    let sort_by = flags.string("sort-by");
    check_sort_by(&sort_by)?;
    check_selector(&selector)?;
    let all = ctx.all_namespaces;
    let ns = ctx.namespace.clone();
    let Some(version) = metrics_version(ctx)? else {
        return Err(CmdError::msg("Metrics API not available"));
    };
    let base = if all {
        format!("/apis/metrics.k8s.io/{version}/pods")
    } else {
        format!("/apis/metrics.k8s.io/{version}/namespaces/{ns}/pods")
    };
    let mut metrics: Vec<Value> = if name.is_empty() {
        let mut req = with_selector(ApiRequest::get(base), &selector);
        if !field_selector.is_empty() {
            req = req.with_query("fieldSelector", field_selector.clone());
        }
        let list = ctx.request(req).map_err(CmdError::Api)?;
        list.get("items").and_then(Value::as_array).cloned().unwrap_or_default()
    } else {
        vec![ctx.get(format!("{base}/{name}"))?]
    };
    if metrics.is_empty() {
        // verifyEmptyMetrics: say whether the pods exist at all.
        let path = if name.is_empty() {
            if all {
                "/api/v1/pods".to_string()
            } else {
                format!("/api/v1/namespaces/{ns}/pods")
            }
        } else {
            format!("/api/v1/namespaces/{ns}/pods/{name}")
        };
        let pods = ctx
            .request(with_selector(ApiRequest::get(path), &selector))
            .map_err(CmdError::Api)?;
        let exists = if name.is_empty() {
            pods.get("items")
                .and_then(Value::as_array)
                .is_some_and(|i| !i.is_empty())
        } else {
            true
        };
        if exists {
            return Err(CmdError::msg("metrics not available yet"));
        }
        if all {
            ctx.stderr("No resources found\n");
        } else {
            ctx.stderr(format!("No resources found in {ns} namespace.\n"));
        }
        return Ok(());
    }
    let containers = flags.bool("containers");
    let sum = flags.bool("sum");
    metrics.sort_by(|a, b| {
        let key = |m: &Value| {
            (
                if all {
                    str_at(m, "/metadata/namespace").to_string()
                } else {
                    String::new()
                },
                str_at(m, "/metadata/name").to_string(),
            )
        };
        match sort_by.as_str() {
            "cpu" => pod_usage(b).0.cmp(&pod_usage(a).0),
            "memory" => pod_usage(b).1.cmp(&pod_usage(a).1),
            _ => key(a).cmp(&key(b)),
        }
    });
    let mut text = String::new();
    let mut width = 3;
    if !flags.bool("no-headers") {
        if all {
            text.push_str("NAMESPACE\t");
            width += 1;
        }
        if containers {
            text.push_str("POD\t");
            width += 1;
        }
        text.push_str("NAME\tCPU(cores)\tMEMORY(bytes)\t\n");
    }
    let (mut total_cpu, mut total_mem) = (0i64, 0i64);
    for m in &metrics {
        let ns_cell = if all {
            format!("{}\t", str_at(m, "/metadata/namespace"))
        } else {
            String::new()
        };
        let pod_name = str_at(m, "/metadata/name");
        if containers {
            let mut cs: Vec<Value> = m
                .get("containers")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            match sort_by.as_str() {
                "cpu" => cs.sort_by_key(|c| std::cmp::Reverse(usage_of(c.get("usage")).0)),
                "memory" => cs.sort_by_key(|c| std::cmp::Reverse(usage_of(c.get("usage")).1)),
                _ => cs.sort_by(|a, b| str_at(a, "/name").cmp(str_at(b, "/name"))),
            }
            for c in &cs {
                let (cpu, mem) = usage_of(c.get("usage"));
                text.push_str(&format!(
                    "{ns_cell}{pod_name}\t{}\t{}\t{}\t\n",
                    str_at(c, "/name"),
                    cpu_text(cpu),
                    mem_text(mem)
                ));
            }
        } else {
            let (cpu, mem) = pod_usage(m);
            text.push_str(&format!(
                "{ns_cell}{pod_name}\t{}\t{}\t\n",
                cpu_text(cpu),
                mem_text(mem)
            ));
        }
        let (cpu, mem) = pod_usage(m);
        total_cpu = total_cpu.saturating_add(cpu);
        total_mem = total_mem.saturating_add(mem);
    }
    if sum {
        text.push_str(&"\t".repeat(width - 2));
        text.push_str("________\t________\t\n");
        text.push_str(&"\t".repeat(width - 3));
        text.push_str(&format!("\t{}\t{}\t\n", cpu_text(total_cpu), mem_text(total_mem)));
    }
    ctx.stdout(tabwriter::align(&text));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn usage_prints_millicores_and_mebibytes() {
        let (cpu, mem) = usage_of(Some(&json!({"cpu": "250m", "memory": "1536Ki"})));
        assert_eq!(cpu_text(cpu), "250m");
        assert_eq!(mem_text(mem), "1Mi");
        let (cpu, _) = usage_of(Some(&json!({"cpu": "1234567n"})));
        assert_eq!(cpu_text(cpu), "2m");
        assert_eq!(percent(87, 2000), 4);
        assert_eq!(percent(1, 0), 0);
    }
}
