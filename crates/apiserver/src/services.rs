//! The Service registry's allocators: ClusterIPs from 10.96.0.0/12 and node ports from
//! 30000–32767, with upstream's error texts.

use crate::meta::{child_map, meta_str};
use crate::ApiServer;
use apimachinery::{ApiError, FieldError};
use serde_json::{json, Value};
use sim::SimContext;
use std::collections::BTreeSet;

/// 10.96.0.0/12, kubeadm's default service CIDR.
pub(crate) const SERVICE_CIDR_BASE: u32 = (10 << 24) | (96 << 16);
const SERVICE_CIDR_BITS: u32 = 12;
pub(crate) const SERVICE_CIDR_TEXT: &str = "10.96.0.0/12";
pub(crate) const NODE_PORT_MIN: u16 = 30000;
const IP_ADDRESSES: &str = "/registry/ipaddresses";
const SERVICE_CIDRS: &str = "/registry/servicecidrs";
pub(crate) const NODE_PORT_MAX: u16 = 32767;

pub(crate) fn parse_ipv4(s: &str) -> Option<u32> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut out: u32 = 0;
    for p in parts {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = p.parse().ok()?;
        if n > 255 {
            return None;
        }
        out = (out << 8) | n;
    }
    Some(out)
}

pub(crate) fn format_ipv4(ip: u32) -> String {
    format!("{}.{}.{}.{}", ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff)
}

fn cidr_size() -> u32 {
    1u32 << (32 - SERVICE_CIDR_BITS)
}

fn in_service_range(ip: u32) -> bool {
    ip > SERVICE_CIDR_BASE && ip < SERVICE_CIDR_BASE + cidr_size() - 1
}

fn ports_need_node_ports(spec: &Value) -> bool {
    match spec.get("type").and_then(Value::as_str).unwrap_or("ClusterIP") {
        "NodePort" => true,
        "LoadBalancer" => spec.get("allocateLoadBalancerNodePorts").and_then(Value::as_bool) != Some(false),
        _ => false,
    }
}

fn invalid(name: &str, errs: Vec<FieldError>) -> ApiError {
    ApiError::invalid("", "Service", name, &errs)
}

/// initIPFamilyFields' checks against this IPv4 single-stack cluster: what a Service may not
/// ask for (headless services without a selector are exempt, as upstream special-cases them).
fn single_stack_errors(spec: &serde_json::Map<String, Value>, headless: bool) -> Vec<FieldError> {
    let selectorless = spec
        .get("selector")
        .and_then(Value::as_object)
        .is_none_or(|m| m.is_empty());
    if headless && selectorless {
        return Vec::new();
    }
    let families: Vec<&str> = spec
        .get("ipFamilies")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let ips = spec.get("clusterIPs").and_then(Value::as_array).map_or(0, Vec::len);
    // Without a policy the server infers RequireDualStack from two families or IPs.
    let policy = match spec.get("ipFamilyPolicy").and_then(Value::as_str) {
        Some(p) => p,
        None if families.len() == 2 || ips == 2 => "RequireDualStack",
        None => "SingleStack",
    };
    let mut errs = Vec::new();
    if policy == "SingleStack" {
        for (n, what) in [(ips, "cluster IPs"), (families.len(), "IP families")] {
            if n == 2 {
                errs.push(FieldError::invalid_str(
                    "spec.ipFamilyPolicy",
                    policy,
                    format!("must be 'RequireDualStack' or 'PreferDualStack' when multiple {what} are specified"),
                ));
            }
        }
        if !errs.is_empty() {
            return errs;
        }
    }
    if policy == "RequireDualStack" {
        errs.push(FieldError::invalid_str(
            "spec.ipFamilyPolicy",
            policy,
            "this cluster is not configured for dual-stack services",
        ));
    }
    for (ix, family) in families.iter().enumerate() {
        if *family != "IPv4" {
            errs.push(FieldError::invalid_str(
                format!("spec.ipFamilies[{ix}]"),
                family,
                "not configured on this cluster",
            ));
        }
    }
    errs
}

impl ApiServer {
    fn ip_taken_by_other(&self, ip: u32, owner: &str) -> bool {
        self.cluster_ips.get(&ip).is_some_and(|o| o != owner)
    }

    fn random_ip(&self, ctx: &mut SimContext) -> Option<u32> {
        let size = cidr_size();
        // Dynamic allocation prefers the upper band; the lowest 256 addresses are kept for
        // static assignment (KEP-3070).
        let band_start = 257u32;
        let band_len = size - 1 - band_start;
        let start = band_start + ctx.rng().below("service-ip", u64::from(band_len)) as u32;
        let candidates = (start..size - 1).chain(band_start..start).chain(1..band_start);
        candidates
            .map(|off| SERVICE_CIDR_BASE + off)
            .find(|ip| !self.cluster_ips.contains_key(ip))
    }

    fn random_node_port(&self, ctx: &mut SimContext, local: &BTreeSet<u16>) -> Option<u16> {
        let offset = 86u16; // min(max(16, 2768/32), 128): the static band
        let lo = NODE_PORT_MIN + offset;
        let span = u64::from(NODE_PORT_MAX - lo + 1);
        let start = lo + ctx.rng().below("node-port", span) as u16;
        (start..=NODE_PORT_MAX)
            .chain(lo..start)
            .chain(NODE_PORT_MIN..lo)
            .find(|p| !self.node_ports.contains_key(p) && !local.contains(p))
    }

    /// Allocates (or carries over from `old`) the ClusterIP and node ports of a Service.
    pub(crate) fn allocate_service(
        &mut self,
        ctx: &mut SimContext,
        key: &str,
        svc: &mut Value,
        old: Option<&Value>,
        dry_run: bool,
    ) -> Result<(), ApiError> {
        if !dry_run {
            self.ensure_service_cidr(ctx);
        }
        let name = meta_str(svc, "name").to_string();
        let spec_snapshot = svc.get("spec").cloned().unwrap_or(json!({}));
        let svc_type = spec_snapshot
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("ClusterIP")
            .to_string();
        let mut new_ips: Vec<u32> = Vec::new();
        if svc_type == "ExternalName" {
            // No ClusterIP for ExternalName services.
        } else {
            let mut requested = spec_snapshot
                .get("clusterIP")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if requested.is_empty() {
                requested = spec_snapshot
                    .pointer("/clusterIPs/0")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
            }
            if requested.is_empty() {
                if let Some(o) = old {
                    requested = o
                        .pointer("/spec/clusterIP")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let spec = child_map(svc, "spec");
                    for f in ["ipFamilies", "ipFamilyPolicy"] {
                        if !spec.contains_key(f) {
                            if let Some(v) = o.pointer(&format!("/spec/{f}")) {
                                spec.insert(f.into(), v.clone());
                            }
                        }
                    }
                }
            }
            let spec = child_map(svc, "spec");
            let errs = single_stack_errors(spec, requested == "None");
            if !errs.is_empty() {
                return Err(invalid(&name, errs));
            }
            if requested == "None" {
                spec.insert("clusterIP".into(), json!("None"));
                spec.insert("clusterIPs".into(), json!(["None"]));
                spec.entry("ipFamilies").or_insert(json!(["IPv4"]));
                let selectorless = spec
                    .get("selector")
                    .and_then(Value::as_object)
                    .is_none_or(|m| m.is_empty());
                spec.entry("ipFamilyPolicy").or_insert(json!(if selectorless {
                    "RequireDualStack"
                } else {
                    "SingleStack"
                }));
            } else {
                let ip = if requested.is_empty() {
                    self.random_ip(ctx).ok_or_else(|| {
                        invalid(
                            &name,
                            vec![FieldError::invalid(
                                "spec.clusterIPs",
                                // Since v1.34 field errors render bad values as JSON.
                                "null",
                                "failed to allocate IP: range is full",
                            )],
                        )
                    })?
                } else {
                    let bad = format!("[\"{requested}\"]");
                    let ip = parse_ipv4(&requested).ok_or_else(|| {
                        invalid(
                            &name,
                            vec![FieldError::invalid(
                                "spec.clusterIPs[0]",
                                apimachinery::errors::go_quote(&requested),
                                "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                            )],
                        )
                    })?;
                    if !in_service_range(ip) {
                        return Err(invalid(
                            &name,
                            vec![FieldError::invalid(
                                "spec.clusterIPs",
                                bad,
                                format!(
                                    "failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is {SERVICE_CIDR_TEXT}"
                                ),
                            )],
                        ));
                    }
                    if self.ip_taken_by_other(ip, key) {
                        return Err(invalid(
                            &name,
                            vec![FieldError::invalid(
                                "spec.clusterIPs",
                                bad,
                                format!("failed to allocate IP {requested}: provided IP is already allocated"),
                            )],
                        ));
                    }
                    ip
                };
                let text = format_ipv4(ip);
                let spec = child_map(svc, "spec");
                spec.insert("clusterIP".into(), json!(text));
                spec.insert("clusterIPs".into(), json!([text]));
                spec.entry("ipFamilies").or_insert(json!(["IPv4"]));
                spec.entry("ipFamilyPolicy").or_insert(json!("SingleStack"));
                new_ips.push(ip);
            }
        }

        // Node ports.
        let spec_now = svc.get("spec").cloned().unwrap_or(json!({}));
        let mut new_ports: BTreeSet<u16> = BTreeSet::new();
        if ports_need_node_ports(&spec_now) {
            let old_ports: Vec<Value> = old
                .and_then(|o| o.pointer("/spec/ports"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let ports = svc
                .pointer_mut("/spec/ports")
                .and_then(Value::as_array_mut)
                .map(std::mem::take)
                .unwrap_or_default();
            let mut out_ports = Vec::with_capacity(ports.len());
            for (i, mut p) in ports.into_iter().enumerate() {
                let mut np = p.get("nodePort").and_then(Value::as_i64).unwrap_or(0);
                if np == 0 {
                    let same = old_ports.iter().find(|o| {
                        o.get("port") == p.get("port")
                            && o.get("protocol").and_then(Value::as_str).unwrap_or("TCP")
                                == p.get("protocol").and_then(Value::as_str).unwrap_or("TCP")
                    });
                    np = same
                        .and_then(|o| o.get("nodePort"))
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                }
                let port = if np == 0 {
                    match self.random_node_port(ctx, &new_ports) {
                        Some(p) => p,
                        None => {
                            self.put_back_ports(svc, out_ports);
                            return Err(invalid(
                                &name,
                                vec![FieldError::invalid(
                                    format!("spec.ports[{i}].nodePort"),
                                    "0",
                                    "range is full",
                                )],
                            ));
                        }
                    }
                } else {
                    let field = format!("spec.ports[{i}].nodePort");
                    if np < i64::from(NODE_PORT_MIN) || np > i64::from(NODE_PORT_MAX) {
                        self.put_back_ports(svc, out_ports);
                        return Err(invalid(
                            &name,
                            vec![FieldError::invalid(
                                field,
                                np.to_string(),
                                format!(
                                    "provided port is not in the valid range. The range of valid ports is {NODE_PORT_MIN}-{NODE_PORT_MAX}"
                                ),
                            )],
                        ));
                    }
                    let port = np as u16;
                    if self.node_ports.get(&port).is_some_and(|o| o != key) || new_ports.contains(&port) {
                        self.put_back_ports(svc, out_ports);
                        return Err(invalid(
                            &name,
                            vec![FieldError::invalid(
                                field,
                                np.to_string(),
                                "provided port is already allocated",
                            )],
                        ));
                    }
                    port
                };
                new_ports.insert(port);
                if let Some(m) = p.as_object_mut() {
                    m.insert("nodePort".into(), json!(port));
                }
                out_ports.push(p);
            }
            self.put_back_ports(svc, out_ports);
            let lb_local = spec_now.get("type").and_then(Value::as_str) == Some("LoadBalancer")
                && spec_now.get("externalTrafficPolicy").and_then(Value::as_str) == Some("Local");
            if lb_local {
                let hc = spec_now
                    .get("healthCheckNodePort")
                    .and_then(Value::as_i64)
                    .or_else(|| {
                        old.and_then(|o| o.pointer("/spec/healthCheckNodePort"))
                            .and_then(Value::as_i64)
                    })
                    .unwrap_or(0);
                let port = if hc > 0 && hc <= i64::from(u16::MAX) {
                    Some(hc as u16)
                } else {
                    self.random_node_port(ctx, &new_ports)
                };
                if let Some(port) = port {
                    new_ports.insert(port);
                    child_map(svc, "spec").insert("healthCheckNodePort".into(), json!(port));
                }
            }
        }

        if dry_run {
            return Ok(());
        }
        let before: BTreeSet<u32> = self
            .cluster_ips
            .iter()
            .filter(|(_, o)| *o == key)
            .map(|(ip, _)| *ip)
            .collect();
        self.cluster_ips.retain(|_, o| o != key);
        self.node_ports.retain(|_, o| o != key);
        for ip in &new_ips {
            self.cluster_ips.insert(*ip, key.to_string());
        }
        for p in new_ports {
            self.node_ports.insert(p, key.to_string());
        }
        let after: BTreeSet<u32> = new_ips.into_iter().collect();
        self.sync_ip_addresses(ctx, key, &before, &after);
        Ok(())
    }

    /// The IPAddress objects (networking.k8s.io/v1) the allocator keeps for every ClusterIP.
    fn sync_ip_addresses(&mut self, ctx: &mut SimContext, key: &str, before: &BTreeSet<u32>, after: &BTreeSet<u32>) {
        for ip in before.difference(after) {
            self.commit_delete(IP_ADDRESSES, &format_ipv4(*ip));
        }
        let (ns, name) = key.split_once('/').unwrap_or(("", key));
        for ip in after.difference(before) {
            let text = format_ipv4(*ip);
            if self.stored(IP_ADDRESSES, &text).is_some() {
                continue;
            }
            let obj = json!({
                "apiVersion": "networking.k8s.io/v1",
                "kind": "IPAddress",
                "metadata": {
                    "name": text,
                    "uid": ctx.uid(),
                    "creationTimestamp": apimachinery::time::format_rfc3339(ctx.now().unix_secs()),
                    "labels": {
                        "ipaddress.kubernetes.io/ip-family": "IPv4",
                        "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io"
                    }
                },
                "spec": {"parentRef": {"group": "", "resource": "services", "namespace": ns, "name": name}}
            });
            self.commit_create(IP_ADDRESSES, text, obj);
        }
    }

    /// The default ServiceCIDR object the API server keeps for its service range.
    pub(crate) fn ensure_service_cidr(&mut self, ctx: &mut SimContext) {
        if self.stored(SERVICE_CIDRS, "kubernetes").is_some() {
            return;
        }
        let now = apimachinery::time::format_rfc3339(ctx.now().unix_secs());
        let obj = json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "ServiceCIDR",
            "metadata": {
                "name": "kubernetes",
                "uid": ctx.uid(),
                "creationTimestamp": now,
                "finalizers": ["networking.k8s.io/service-cidr-finalizer"]
            },
            "spec": {"cidrs": [SERVICE_CIDR_TEXT]},
            "status": {"conditions": [{
                "type": "Ready", "status": "True", "lastTransitionTime": now, "reason": "", "message": "Kubernetes Service CIDR is ready"
            }]}
        });
        self.commit_create(SERVICE_CIDRS, "kubernetes".to_string(), obj);
    }

    fn put_back_ports(&self, svc: &mut Value, ports: Vec<Value>) {
        child_map(svc, "spec").insert("ports".into(), Value::Array(ports));
    }

    /// Frees everything a deleted Service held.
    pub(crate) fn release_service(&mut self, key: &str) {
        let held: Vec<u32> = self
            .cluster_ips
            .iter()
            .filter(|(_, o)| *o == key)
            .map(|(ip, _)| *ip)
            .collect();
        self.cluster_ips.retain(|_, o| o != key);
        self.node_ports.retain(|_, o| o != key);
        for ip in held {
            self.commit_delete(IP_ADDRESSES, &format_ipv4(ip));
        }
    }
}

fn svc_type(svc: &Value) -> &str {
    svc.pointer("/spec/type").and_then(Value::as_str).unwrap_or("ClusterIP")
}

fn needs_cluster_ip(svc: &Value) -> bool {
    svc_type(svc) != "ExternalName"
}

fn needs_node_ports(svc: &Value) -> bool {
    svc.get("spec").is_some_and(ports_need_node_ports)
}

fn needs_hc_node_port(svc: &Value) -> bool {
    svc_type(svc) == "LoadBalancer"
        && svc.pointer("/spec/externalTrafficPolicy").and_then(Value::as_str) == Some("Local")
}

fn needs_external_traffic_policy(svc: &Value) -> bool {
    matches!(svc_type(svc), "NodePort" | "LoadBalancer")
}

fn node_ports(svc: &Value) -> Vec<Option<Value>> {
    svc.pointer("/spec/ports")
        .and_then(Value::as_array)
        .map(|ps| ps.iter().map(|p| p.get("nodePort").cloned()).collect())
        .unwrap_or_default()
}

/// The Service strategy's dropTypeDependentFields: on a type change, fields the old type
/// needed (and the user did not touch) are wiped so they can be released.
pub(crate) fn drop_type_dependent_fields(old: &Value, new: &mut Value) {
    let same = |new: &Value, f: &str| old.pointer(&format!("/spec/{f}")) == new.pointer(&format!("/spec/{f}"));
    if needs_cluster_ip(old) && !needs_cluster_ip(new) {
        let same_ips = same(new, "clusterIP") && same(new, "clusterIPs");
        let same_families = same(new, "ipFamilies");
        let same_policy = same(new, "ipFamilyPolicy");
        let spec = child_map(new, "spec");
        if same_ips {
            spec.remove("clusterIP");
            spec.remove("clusterIPs");
        }
        if same_families {
            spec.remove("ipFamilies");
        }
        if same_policy {
            spec.remove("ipFamilyPolicy");
        }
    }
    if needs_node_ports(old) && !needs_node_ports(new) && node_ports(old) == node_ports(new) {
        if let Some(ps) = new.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
            for p in ps.iter_mut().filter_map(Value::as_object_mut) {
                p.remove("nodePort");
            }
        }
    }
    if needs_hc_node_port(old) && !needs_hc_node_port(new) && same(new, "healthCheckNodePort") {
        child_map(new, "spec").remove("healthCheckNodePort");
    }
    let is_lb = svc_type(new) == "LoadBalancer";
    if !is_lb {
        child_map(new, "spec").remove("allocateLoadBalancerNodePorts");
        child_map(new, "status").insert("loadBalancer".into(), json!({}));
    }
    if needs_external_traffic_policy(old) && !needs_external_traffic_policy(new) && same(new, "externalTrafficPolicy") {
        child_map(new, "spec").remove("externalTrafficPolicy");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_stack_cluster_refuses_ipv6_and_dual_stack() {
        let errs = |spec: Value, headless: bool| -> Vec<String> {
            single_stack_errors(spec.as_object().unwrap(), headless)
                .iter()
                .map(|e| e.to_string())
                .collect()
        };
        let sel = json!({"app": "web"});
        assert!(errs(
            json!({"selector": sel, "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"}),
            false
        )
        .is_empty());
        assert!(errs(json!({"selector": sel, "ipFamilyPolicy": "PreferDualStack"}), false).is_empty());
        assert_eq!(
            errs(json!({"selector": sel, "ipFamilies": ["IPv6"]}), false),
            ["spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster"]
        );
        assert_eq!(
            errs(json!({"selector": sel, "ipFamilyPolicy": "RequireDualStack"}), false),
            ["spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services"]
        );
        // Two families and no policy: RequireDualStack is inferred.
        assert_eq!(
            errs(json!({"selector": sel, "ipFamilies": ["IPv4", "IPv6"]}), false),
            [
                "spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services",
                "spec.ipFamilies[1]: Invalid value: \"IPv6\": not configured on this cluster"
            ]
        );
        assert_eq!(
            errs(json!({"selector": sel, "ipFamilies": ["IPv4", "IPv6"], "ipFamilyPolicy": "SingleStack"}), false),
            ["spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"]
        );
        // Headless without a selector is special-cased upstream.
        assert!(errs(json!({"ipFamilyPolicy": "RequireDualStack"}), true).is_empty());
    }

    #[test]
    fn ipv4_parsing_rejects_garbage_and_round_trips() {
        assert_eq!(parse_ipv4("10.96.0.1"), Some(SERVICE_CIDR_BASE + 1));
        assert_eq!(format_ipv4(SERVICE_CIDR_BASE + 10), "10.96.0.10");
        for bad in ["", "10.96.0", "10.96.0.256", "a.b.c.d", "10..0.1", "1.2.3.4.5"] {
            assert_eq!(parse_ipv4(bad), None, "{bad}");
        }
    }

    #[test]
    fn service_range_excludes_network_and_broadcast() {
        assert!(!in_service_range(SERVICE_CIDR_BASE));
        assert!(in_service_range(parse_ipv4("10.111.255.254").unwrap()));
        assert!(!in_service_range(parse_ipv4("10.111.255.255").unwrap()));
        assert!(!in_service_range(parse_ipv4("10.0.0.5").unwrap()));
    }
}
