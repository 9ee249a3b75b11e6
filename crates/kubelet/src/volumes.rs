//! The kubelet's volume manager for the volumes it can see into: MountVolume.SetUp of
//! ConfigMap, Secret and projected volumes (missing sources keep the pod ContainerCreating
//! with FailedMount events), and the files those volumes show a container.

use crate::pod::{list, s, ConfigSource, ContainerRt, PodFacts};
use serde_json::Value;
use std::collections::BTreeMap;

/// MountVolume.SetUp of the pod's ConfigMap, Secret and projected volumes: the message of
/// each volume whose source is missing (and not optional) or lacks a listed key.
pub(crate) fn mount_errors(pod: &Value, config: &mut dyn ConfigSource) -> Vec<String> {
    let ns = s(pod, "/metadata/namespace");
    let mut errs = Vec::new();
    for vol in list(pod, "/spec/volumes") {
        let vname = s(&vol, "/name");
        let mut problems: Vec<String> = Vec::new();
        let mut check = |config: &mut dyn ConfigSource, src: &Value, secret: bool| {
            let optional = src.get("optional").and_then(Value::as_bool).unwrap_or(false);
            let name = s(src, if secret { "/secretName" } else { "/name" });
            let data = if secret {
                config.secret(&ns, &name)
            } else {
                config.config_map(&ns, &name)
            };
            match data {
                None if optional => {}
                None if secret => problems.push(format!("secret \"{name}\" not found")),
                None => problems.push(format!("configmap \"{name}\" not found")),
                Some(data) => {
                    for it in list(src, "/items") {
                        let key = s(&it, "/key");
                        if data.contains_key(&key) || optional {
                            continue;
                        }
                        problems.push(if secret {
                            format!("references non-existent secret key: {key}")
                        } else {
                            format!("configmap references non-existent config key: {key}")
                        });
                        break;
                    }
                }
            }
        };
        if let Some(src) = vol.get("configMap") {
            check(config, src, false);
        } else if let Some(src) = vol.get("secret") {
            check(config, src, true);
        } else if vol.get("projected").is_some() {
            for source in list(&vol, "/projected/sources") {
                if let Some(src) = source.get("configMap") {
                    check(config, src, false);
                } else if let Some(src) = source.get("secret") {
                    // A projected secret names itself with `name`, not `secretName`.
                    let mut named = src.clone();
                    if let Some(m) = named.as_object_mut() {
                        let n = m.get("name").cloned().unwrap_or(Value::Null);
                        m.insert("secretName".into(), n);
                    }
                    check(config, &named, true);
                }
            }
        }
        let detail = match problems.as_slice() {
            [] => continue,
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        errs.push(format!("MountVolume.SetUp failed for volume \"{vname}\" : {detail}"));
    }
    errs
}

/// Files of ConfigMap/Secret/projected volumes mounted into the container (sources that are
/// gone since the pod's volumes were set up keep their last content out of sight).
pub(crate) fn volume_files(
    c: &ContainerRt,
    pod: &PodFacts<'_>,
    config: &mut dyn ConfigSource,
) -> BTreeMap<String, String> {
    let ns = s(pod.pod, "/metadata/namespace");
    let volumes = list(pod.pod, "/spec/volumes");
    let mut files = BTreeMap::new();
    for m in list(&c.spec, "/volumeMounts") {
        let (vname, mount) = (s(&m, "/name"), s(&m, "/mountPath"));
        let sub = s(&m, "/subPath");
        let Some(vol) = volumes.iter().find(|v| s(v, "/name") == vname) else {
            continue;
        };
        let mut add = |data: BTreeMap<String, String>, items: Vec<Value>| {
            let chosen: Vec<(String, String)> = if items.is_empty() {
                data.into_iter().collect()
            } else {
                items
                    .iter()
                    .filter_map(|it| data.get(&s(it, "/key")).map(|v| (s(it, "/path"), v.clone())))
                    .collect()
            };
            for (k, v) in chosen {
                if !sub.is_empty() {
                    if k == sub {
                        files.insert(mount.clone(), v);
                    }
                } else {
                    files.insert(format!("{}/{k}", mount.trim_end_matches('/')), v);
                }
            }
        };
        if let Some(cm) = vol.pointer("/configMap/name").and_then(Value::as_str) {
            if let Some(data) = config.config_map(&ns, cm) {
                add(data, list(vol, "/configMap/items"));
            }
        } else if let Some(sec) = vol.pointer("/secret/secretName").and_then(Value::as_str) {
            if let Some(data) = config.secret(&ns, sec) {
                add(data, list(vol, "/secret/items"));
            }
        } else if vol.get("projected").is_some() && vname.starts_with("kube-api-access-") {
            let base = mount.trim_end_matches('/');
            files.insert(format!("{base}/namespace"), ns.clone());
            files.insert(
                format!("{base}/token"),
                "eyJhbGciOiJSUzI1NiIsImtpZCI6Imt1YmVwbGF5In0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJl"
                    .into(),
            );
            files.insert(
                format!("{base}/ca.crt"),
                "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n".into(),
            );
        } else if vol.get("emptyDir").is_some() || vol.get("hostPath").is_some() {
            // A directory marker so `ls` and `test -d` see the mount.
            files.insert(format!("{}/.", mount.trim_end_matches('/')), String::new());
        }
    }
    files
}
