//! `kubectl cluster-info`: the control plane URL and the kube-system services labelled
//! `kubernetes.io/cluster-service=true` (CoreDNS), with their proxy URLs.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use apimachinery::ApiRequest;
use serde_json::Value;

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    if let Some(first) = flags.args.first() {
        return Err(CmdError::msg(format!(
            "unknown command \"{first}\" for \"kubectl cluster-info\""
        )));
    }
    let server = ctx.config.server.clone();
    let mut out = format!("Kubernetes control plane is running at {server}\n");
    let list = ctx
        .request(
            ApiRequest::get("/api/v1/namespaces/kube-system/services")
                .with_query("labelSelector", "kubernetes.io/cluster-service=true"),
        )
        .map_err(CmdError::Api)?;
    for svc in list.get("items").and_then(Value::as_array).cloned().unwrap_or_default() {
        let name = svc.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
        let label = svc
            .pointer("/metadata/labels/kubernetes.io~1name")
            .and_then(Value::as_str)
            .unwrap_or(name);
        let ingress_ip = svc.pointer("/status/loadBalancer/ingress/0/ip").and_then(Value::as_str);
        let port = svc.pointer("/spec/ports/0");
        let link = match ingress_ip {
            Some(ip) => {
                let p = port.and_then(|p| p.get("port")).and_then(Value::as_i64).unwrap_or(80);
                format!("http://{ip}:{p}")
            }
            None => {
                let mut n = name.to_string();
                if let Some(pn) = port
                    .and_then(|p| p.get("name"))
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                {
                    n = format!("{n}:{pn}");
                }
                format!("{server}/api/v1/namespaces/kube-system/services/{n}/proxy")
            }
        };
        out.push_str(&format!("{label} is running at {link}\n"));
    }
    out.push_str("\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n");
    ctx.stdout(out);
    Ok(())
}
