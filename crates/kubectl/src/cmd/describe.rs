//! `kubectl describe` (k8s.io/kubectl/pkg/cmd/describe): resolves the objects, fetches what
//! each describer needs (events, owned pods and ReplicaSets, EndpointSlices, quotas, the node
//! Lease) the way the upstream describers request them, and prints the descriptions.

use crate::ctx::Ctx;
use crate::describe::{self, event_field_selector, Related};
use crate::discovery::resource_path;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::printers::util::{arr, at, s};
use crate::resource::{self, Builder};
use api::ResourceInfo;
use apimachinery::ApiRequest;
use serde_json::Value;

struct Target {
    info: ResourceInfo,
    object: Value,
}

pub fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let args = flags.args.clone();
    let filenames = flags.strings("filename");
    if args.is_empty() && filenames.is_empty() {
        return Err(CmdError::msg(
            "You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\n",
        ));
    }
    let chunk = flags.int("chunk-size");
    let selector = flags.string("selector");
    let mut errors: Vec<CmdError> = Vec::new();
    let mut targets: Vec<Target> = Vec::new();
    let mut not_found_single: Option<(ResourceInfo, String, CmdError)> = None;

    if !filenames.is_empty() {
        let mut b = Builder::from_flags(flags, &args);
        b.latest = true;
        for item in b.run(ctx)? {
            match item {
                Ok(it) => {
                    if let Some(object) = it.object {
                        targets.push(Target { info: it.info, object });
                    }
                }
                Err(e) => errors.push(e),
            }
        }
    } else {
        let typed = resource::parse_resource_args(ctx, &args)?;
        super::get::check_names(ctx, flags, &args, &typed)?;
        for t in typed {
            if t.names.is_empty() {
                let ns = if ctx.all_namespaces {
                    String::new()
                } else {
                    ctx.namespace.clone()
                };
                let path = resource_path(&t.info, Some(&ns), None);
                let mut query: Vec<(&str, String)> = Vec::new();
                if !selector.is_empty() {
                    query.push(("labelSelector", selector.clone()));
                }
                if chunk > 0 {
                    query.push(("limit", chunk.to_string()));
                }
                match list(ctx, &path, &query) {
                    Ok(items) => targets.extend(items.into_iter().map(|o| Target {
                        info: t.info.clone(),
                        object: with_type(o, &t.info),
                    })),
                    Err(CmdError::Api(e)) => {
                        errors.push(CmdError::Api(super::get::enhance_list_error(e, &t.info, &selector, "")))
                    }
                    Err(e) => errors.push(e),
                }
            } else {
                for name in &t.names {
                    let ns = ctx.namespace.clone();
                    let path = resource_path(&t.info, Some(&ns), Some(name));
                    match ctx.request(ApiRequest::get(path)) {
                        Ok(obj) => targets.push(Target {
                            info: t.info.clone(),
                            object: with_type(obj, &t.info),
                        }),
                        Err(e) => {
                            if e.code() == 404 && args.len() == 2 && !args.iter().any(|a| a.contains('/')) {
                                not_found_single = Some((t.info.clone(), name.clone(), CmdError::Api(e.clone())));
                            }
                            errors.push(CmdError::Api(e));
                        }
                    }
                }
            }
        }
    }

    let mut show_events = flags.bool("show-events");
    if (!errors.is_empty() || targets.len() > 1) && !flags.changed("show-events") {
        show_events = false;
    }

    // `describe TYPE PREFIX`: a missing name describes every object whose name starts with it.
    if let (Some((info, prefix, original)), true) = (not_found_single, targets.is_empty()) {
        let ns = ctx.namespace.clone();
        let path = resource_path(&info, Some(&ns), None);
        let query: Vec<(&str, String)> = if chunk > 0 {
            vec![("limit", chunk.to_string())]
        } else {
            Vec::new()
        };
        let items = list(ctx, &path, &query)?;
        let mut found = false;
        for obj in items {
            if !s(&obj, "metadata.name").starts_with(&prefix) {
                continue;
            }
            found = true;
            let obj = with_type(obj, &info);
            let text = describe_one(ctx, &info, &obj, show_events, chunk);
            ctx.stdout(format!("{text}\n"));
        }
        return if found { Ok(()) } else { Err(original) };
    }

    let mut first = true;
    for t in &targets {
        let text = describe_one(ctx, &t.info, &t.object, show_events, chunk);
        if first {
            first = false;
            ctx.stdout(text);
        } else {
            ctx.stdout(format!("\n\n{text}"));
        }
    }
    if targets.is_empty() && errors.is_empty() {
        if ctx.all_namespaces {
            ctx.stderr("No resources found\n");
        } else {
            let ns = ctx.namespace.clone();
            ctx.stderr(format!("No resources found in {ns} namespace.\n"));
        }
    }
    CmdError::aggregate(errors)
}

fn with_type(mut obj: Value, info: &ResourceInfo) -> Value {
    if let Some(m) = obj.as_object_mut() {
        m.entry("kind").or_insert_with(|| Value::String(info.kind.clone()));
        m.entry("apiVersion")
            .or_insert_with(|| Value::String(info.api_version()));
    }
    obj
}

/// Lists a collection with the given query (sorted by name as url.Values encodes), following
/// `continue`.
fn list(ctx: &mut Ctx<'_>, path: &str, query: &[(&str, String)]) -> CmdResult<Vec<Value>> {
    let mut items = Vec::new();
    let mut token = String::new();
    for _ in 0..10_000 {
        let mut q: Vec<(&str, String)> = query.to_vec();
        if !token.is_empty() {
            q.push(("continue", token.clone()));
        }
        q.sort_by(|a, b| a.0.cmp(b.0));
        let mut req = ApiRequest::get(path);
        for (k, v) in q {
            req = req.with_query(k, v);
        }
        let resp = ctx.request(req).map_err(CmdError::Api)?;
        items.extend(arr(&resp, "items").iter().cloned());
        token = s(&resp, "metadata.continue").to_string();
        if token.is_empty() {
            break;
        }
    }
    Ok(items)
}

fn events_for(ctx: &mut Ctx<'_>, obj: &Value, kind: &str, uid_override: Option<&str>, chunk: i64) -> Vec<Value> {
    let ns = s(obj, "metadata.namespace").to_string();
    let path = if ns.is_empty() {
        "/api/v1/events".to_string()
    } else {
        format!("/api/v1/namespaces/{ns}/events")
    };
    let mut o = obj.clone();
    if let Some(uid) = uid_override {
        if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.insert("uid".into(), Value::String(uid.to_string()));
        }
    }
    let mut query = vec![("fieldSelector", event_field_selector(&o, kind))];
    if chunk > 0 {
        query.push(("limit", chunk.to_string()));
    }
    list(ctx, &path, &query).unwrap_or_default()
}

fn describe_one(ctx: &mut Ctx<'_>, info: &ResourceInfo, obj: &Value, show_events: bool, chunk: i64) -> String {
    let mut rel = Related::default();
    let ns = s(obj, "metadata.namespace").to_string();
    let name = s(obj, "metadata.name").to_string();
    let limit: Vec<(&str, String)> = if chunk > 0 {
        vec![("limit", chunk.to_string())]
    } else {
        Vec::new()
    };
    let with_limit = |mut q: Vec<(&'static str, String)>| {
        q.extend(limit.iter().cloned());
        q
    };
    match (info.group.as_str(), info.kind.as_str()) {
        ("apps", "Deployment") => {
            let sel = crate::printers::util::label_selector_string(at(obj, "spec.selector")).unwrap_or_default();
            let path = format!("/apis/apps/v1/namespaces/{ns}/replicasets");
            let rss = list(ctx, &path, &with_limit(vec![("labelSelector", sel)])).unwrap_or_default();
            let uid = s(obj, "metadata.uid");
            for rs in rss {
                let owned = arr(&rs, "metadata.ownerReferences")
                    .iter()
                    .any(|r| r.get("controller") == Some(&Value::Bool(true)) && s(r, "uid") == uid);
                if !owned {
                    continue;
                }
                if same_template(at(&rs, "spec.template"), at(obj, "spec.template")) && rel.new_replica_sets.is_empty()
                {
                    rel.new_replica_sets.push(rs);
                } else {
                    rel.old_replica_sets.push(rs);
                }
            }
        }
        ("apps", "ReplicaSet") | ("", "ReplicationController") | ("apps", "StatefulSet") | ("apps", "DaemonSet") => {
            let sel = if info.kind == "ReplicationController" {
                crate::printers::util::format_labels(at(obj, "spec.selector"))
            } else {
                crate::printers::util::label_selector_string(at(obj, "spec.selector")).unwrap_or_default()
            };
            let path = format!("/api/v1/namespaces/{ns}/pods");
            rel.pods = Some(list(ctx, &path, &with_limit(vec![("labelSelector", sel)])).unwrap_or_default());
        }
        ("", "Service") => {
            let path = format!("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices");
            rel.endpoint_slices = list(
                ctx,
                &path,
                &[("labelSelector", format!("kubernetes.io/service-name={name}"))],
            )
            .unwrap_or_default();
        }
        ("", "Node") => {
            let fs = format!("spec.nodeName={name},status.phase!=Failed,status.phase!=Succeeded");
            rel.pods = list(ctx, "/api/v1/pods", &with_limit(vec![("fieldSelector", fs)])).ok();
            let lease_path = format!("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{name}");
            rel.lease = Some(
                ctx.request(ApiRequest::get(lease_path))
                    .map_err(|e| e.message().to_string()),
            );
        }
        ("networking.k8s.io", "Ingress") => {
            for svc in describe::ingress_backend_services(obj) {
                let path = format!("/apis/discovery.k8s.io/v1/namespaces/{ns}/endpointslices");
                let slices = list(
                    ctx,
                    &path,
                    &[("labelSelector", format!("kubernetes.io/service-name={svc}"))],
                );
                let entry = match slices {
                    Err(e) => (Err(e.plain_message()), Vec::new()),
                    Ok(slices) => {
                        let svc_path = format!("/api/v1/namespaces/{ns}/services/{svc}");
                        (
                            ctx.request(ApiRequest::get(svc_path))
                                .map_err(|e| e.message().to_string()),
                            slices,
                        )
                    }
                };
                rel.backends.insert(svc, entry);
            }
        }
        ("", "PersistentVolumeClaim") => {
            rel.pods = list(ctx, &format!("/api/v1/namespaces/{ns}/pods"), &with_limit(Vec::new())).ok();
        }
        ("", "Namespace") => {
            let q = with_limit(Vec::new());
            rel.quotas = list(ctx, &format!("/api/v1/namespaces/{name}/resourcequotas"), &q).ok();
            rel.limit_ranges = list(ctx, &format!("/api/v1/namespaces/{name}/limitranges"), &q).ok();
        }
        _ => {}
    }
    let has_events = !matches!(
        (info.group.as_str(), info.kind.as_str()),
        ("", "Namespace") | ("", "Secret")
    );
    if show_events && has_events {
        let mut evs = events_for(ctx, obj, &info.kind, None, chunk);
        if info.kind == "Node" && info.group.is_empty() {
            // Kubelet events name the node by name where controllers use its uid.
            evs.extend(events_for(ctx, obj, &info.kind, Some(&name), chunk));
        }
        rel.events = Some(evs);
    }
    let now = ctx.host.now_unix();
    describe::describe(&info.group, &info.kind, obj, &rel, now)
}

/// EqualIgnoreHash: pod templates equal apart from the pod-template-hash label.
fn same_template(a: &Value, b: &Value) -> bool {
    let strip = |t: &Value| {
        let mut t = t.clone();
        if let Some(labels) = t.pointer_mut("/metadata/labels").and_then(Value::as_object_mut) {
            labels.remove("pod-template-hash");
        }
        t
    };
    strip(a) == strip(b)
}
