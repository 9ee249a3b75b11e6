//! `kubectl expose (-f FILE | TYPE NAME)`: a Service for a pod, service, replication
//! controller, deployment or replica set, with ports, protocols and selector read from the
//! object (k8s.io/kubectl/pkg/cmd/expose and polymorphichelpers).

use crate::cmd::create::write_params;
use crate::cmd::run::merge_patch;
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result_typed as print_result, DryRun};
use crate::resource::{Builder, Item};
use apimachinery::ApiRequest;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// `k=v,k2=v2` from a map (MakeLabels; sorted for determinism).
fn make_labels(m: &Map<String, Value>) -> String {
    let mut pairs: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    pairs.sort();
    pairs.join(",")
}

fn parse_labels(spec: &str) -> CmdResult<BTreeMap<String, String>> {
    if spec.is_empty() {
        return Err(CmdError::msg("no label spec passed"));
    }
    let mut out = BTreeMap::new();
    for part in spec.split(',') {
        let kv: Vec<&str> = part.split('=').collect();
        let [k, v] = kv.as_slice() else {
            return Err(CmdError::msg(format!("unexpected label spec: {part}")));
        };
        if k.is_empty() {
            return Err(CmdError::msg("unexpected empty label key"));
        }
        out.insert(k.to_string(), v.to_string());
    }
    Ok(out)
}

fn pod_spec(obj: &Value, kind: &str) -> Option<Value> {
    match kind {
        "Pod" => obj.get("spec").cloned(),
        _ => obj.pointer("/spec/template/spec").cloned(),
    }
}

fn selector_for(obj: &Value, kind: &str) -> CmdResult<String> {
    let empty = Map::new();
    let obj_map = |p: &str| obj.pointer(p).and_then(Value::as_object).unwrap_or(&empty).clone();
    match kind {
        "ReplicationController" => Ok(make_labels(&obj_map("/spec/selector"))),
        "Pod" => {
            let l = obj_map("/metadata/labels");
            if l.is_empty() {
                return Err(CmdError::msg("the pod has no labels and cannot be exposed"));
            }
            Ok(make_labels(&l))
        }
        "Service" => match obj.pointer("/spec/selector").and_then(Value::as_object) {
            Some(s) => Ok(make_labels(s)),
            None => Err(CmdError::msg("the service has no pod selector set")),
        },
        _ => {
            let ml = obj_map("/spec/selector/matchLabels");
            let what = if kind == "Deployment" {
                "deployment"
            } else {
                "replica set"
            };
            if ml.is_empty() {
                return Err(CmdError::msg(format!(
                    "invalid {what}: no selectors, therefore cannot be exposed"
                )));
            }
            if obj
                .pointer("/spec/selector/matchExpressions")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
            {
                return Err(CmdError::msg(
                    "couldn't convert expressions to map-based selector format",
                ));
            }
            Ok(make_labels(&ml))
        }
    }
}

/// (ports in order of first appearance, port → protocols).
fn ports_for(obj: &Value, kind: &str) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut ports = Vec::new();
    let mut protocols: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut add = |port: i64, proto: &str| {
        let key = port.to_string();
        if !ports.contains(&key) {
            ports.push(key.clone());
        }
        let proto = if proto.is_empty() { "TCP" } else { proto };
        protocols.entry(key).or_default().push(proto.to_string());
    };
    if kind == "Service" {
        for p in obj
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            add(
                p.get("port").and_then(Value::as_i64).unwrap_or(0),
                p.get("protocol").and_then(Value::as_str).unwrap_or(""),
            );
        }
    } else if let Some(spec) = pod_spec(obj, kind) {
        for c in spec.get("containers").and_then(Value::as_array).into_iter().flatten() {
            for p in c.get("ports").and_then(Value::as_array).into_iter().flatten() {
                add(
                    p.get("containerPort").and_then(Value::as_i64).unwrap_or(0),
                    p.get("protocol").and_then(Value::as_str).unwrap_or(""),
                );
            }
        }
    }
    (ports, protocols)
}

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let format = super::output_format(flags)?;
    let dry_run = DryRun::from_flags(ctx, flags)?;
    let mut builder = Builder::from_flags(flags, &flags.args);
    builder.require_object = true;
    let items = builder.run(ctx)?;
    let mut errs = Vec::new();
    for item in items {
        match item.and_then(|i| expose_one(ctx, flags, &i, &format, dry_run)) {
            Ok(()) => {}
            Err(e) => errs.push(e),
        }
    }
    CmdError::aggregate(errs)
}

fn expose_one(ctx: &mut Ctx<'_>, flags: &Parsed, item: &Item, format: &str, dry_run: DryRun) -> CmdResult {
    let kind = item.info.kind.as_str();
    let group = item.info.group.as_str();
    let ok = matches!(
        (group, kind),
        ("", "ReplicationController")
            | ("", "Service")
            | ("", "Pod")
            | ("apps", "Deployment")
            | ("apps", "ReplicaSet")
            | ("extensions", "Deployment")
            | ("extensions", "ReplicaSet")
    );
    if !ok {
        let gk = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        return Err(CmdError::msg(format!("cannot expose a {gk}")));
    }
    let obj = item.object.clone().unwrap_or(Value::Null);
    let default_name: String = item.name.chars().take(63).collect();
    let mut selector = flags.string("selector");
    if selector.is_empty() {
        selector = selector_for(&obj, kind).map_err(|e| {
            CmdError::msg(format!(
                "couldn't retrieve selectors via --selector flag or introspection: {}",
                e.plain_message()
            ))
        })?;
    }
    let headless = flags.string("cluster-ip") == "None";
    let mut port = flags.string("port");
    let mut multi_ports = String::new();
    if port.is_empty() {
        let (ports, _) = ports_for(&obj, kind);
        match ports.len() {
            0 if !headless => return Err(CmdError::msg("couldn't find port via --port flag or introspection")),
            0 => {}
            1 => port = ports.first().cloned().unwrap_or_default(),
            _ => multi_ports = ports.join(","),
        }
    }
    let (_, protocol_map) = ports_for(&obj, kind);
    let mut labels_spec = flags.string("labels");
    if labels_spec.is_empty() {
        labels_spec = obj
            .pointer("/metadata/labels")
            .and_then(Value::as_object)
            .map(make_labels)
            .unwrap_or_default();
    }
    let selector_map = parse_labels(&selector)?;
    let labels = if labels_spec.is_empty() {
        BTreeMap::new()
    } else {
        parse_labels(&labels_spec)?
    };
    let name = {
        let n = flags.string("name");
        if n.is_empty() {
            default_name
        } else {
            n
        }
    };
    if name.is_empty() {
        return Err(CmdError::msg("name must be specified"));
    }
    let protocol_flag = flags.string("protocol");
    let port_string = if multi_ports.is_empty() {
        port.clone()
    } else {
        multi_ports.clone()
    };
    let mut ports = Vec::new();
    if !port_string.is_empty() {
        let list: Vec<&str> = port_string.split(',').collect();
        for (i, p) in list.iter().enumerate() {
            let n: i64 = p
                .parse()
                .map_err(|_| CmdError::msg(format!("strconv.Atoi: parsing \"{p}\": invalid syntax")))?;
            let pname = if list.len() > 1 {
                format!("port-{}", i + 1)
            } else {
                flags.string("port-name")
            };
            let mut protocol = protocol_flag.clone();
            if protocol.is_empty() {
                protocol = "TCP".to_string();
                if let Some(protos) = protocol_map.get(*p) {
                    if protos.len() == 1 {
                        protocol = protos.first().cloned().unwrap_or_default();
                    } else {
                        for proto in protos {
                            ports.push(json!({"name": format!("port-{}-{}", i + 1, proto.to_ascii_lowercase()), "port": n, "protocol": proto}));
                        }
                        continue;
                    }
                }
            }
            let mut sp = json!({"port": n, "protocol": protocol});
            if !pname.is_empty() {
                sp["name"] = json!(pname);
            }
            ports.push(sp);
        }
    }
    let target = flags.string("target-port");
    for p in ports.iter_mut() {
        let t = if target.is_empty() {
            p.get("port").cloned().unwrap_or(Value::Null)
        } else {
            match target.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => json!(target),
            }
        };
        p["targetPort"] = t;
    }
    let to_map = |m: &BTreeMap<String, String>| -> Value {
        Value::Object(m.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
    };
    let mut meta = Map::new();
    meta.insert("name".into(), json!(name));
    if !labels.is_empty() {
        meta.insert("labels".into(), to_map(&labels));
    }
    let mut spec = json!({"selector": to_map(&selector_map)});
    if !ports.is_empty() {
        spec["ports"] = json!(ports);
    }
    let external_ip = flags.string("external-ip");
    if !external_ip.is_empty() {
        spec["externalIPs"] = json!([external_ip]);
    }
    let ty = flags.string("type");
    if !ty.is_empty() {
        spec["type"] = json!(ty);
    }
    if ty == "LoadBalancer" {
        let lb = flags.string("load-balancer-ip");
        if !lb.is_empty() {
            spec["loadBalancerIP"] = json!(lb);
        }
    }
    let affinity = flags.string("session-affinity");
    if !affinity.is_empty() {
        if affinity != "None" && affinity != "ClientIP" {
            return Err(CmdError::msg(format!("unknown session affinity: {affinity}")));
        }
        spec["sessionAffinity"] = json!(affinity);
    }
    let cluster_ip = flags.string("cluster-ip");
    if !cluster_ip.is_empty() {
        spec["clusterIP"] = json!(cluster_ip);
    }
    let mut svc =
        json!({"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec, "status": {"loadBalancer": {}}});
    let overrides = flags.string("overrides");
    if !overrides.is_empty() {
        let patch: Value =
            serde_json::from_str(&overrides).map_err(|e| CmdError::msg(format!("unable to parse {overrides}: {e}")))?;
        merge_patch(&mut svc, &patch);
    }
    if dry_run == DryRun::Client {
        if ctx.explicit_namespace {
            if let Some(m) = svc.get_mut("metadata").and_then(Value::as_object_mut) {
                m.insert("namespace".into(), json!(ctx.namespace));
            }
        }
        return print_result(ctx, &svc, format, "exposed", dry_run);
    }
    crate::cmd::create::save_config(&mut svc, flags);
    let path = format!("/api/v1/namespaces/{}/services", ctx.namespace);
    let created = ctx
        .request(write_params(
            ApiRequest::post(path, svc),
            dry_run,
            "kubectl-expose",
            false,
        ))
        .map_err(CmdError::Api)?;
    print_result(ctx, &created, format, "exposed", dry_run)
}
