//! `kubectl get` (k8s.io/kubectl/pkg/cmd/get/get.go): lists and named objects, tables per
//! kind (wide, labels, namespaces, kind prefixes for several kinds), and the generic `-o`
//! printers (yaml, json, name, jsonpath, custom-columns) over a `kind: List`.

use crate::ctx::Ctx;
use crate::discovery::resource_path;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::printers::custom_columns::CustomColumns;
use crate::printers::kinds::{build_table, CrdColumn};
use crate::printers::table::{Row, Table, TableOptions};
use crate::printers::{self, OutputFormat};
use crate::resource::{self, Builder};
use api::ResourceInfo;
use apimachinery::errors::go_quote;
use apimachinery::{ApiError, ApiRequest};
use serde_json::Value;

/// API groups whose kinds the server prints itself; other groups are CRDs.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// What one request brought back: a list's items or one named object (kubectl's Info).
struct Fetched {
    info: ResourceInfo,
    objects: Vec<Value>,
}

pub async fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let args = flags.args.clone();
    let filenames = flags.strings("filename");
    let sort_by = flags.string("sort-by");
    let mut output = flags.string("output");
    // --template supplies the template of `-o jsonpath` and friends; alone it means go-template.
    let template = flags.string("template");
    if !template.is_empty() && !output.contains('=') {
        output = if output.is_empty() {
            format!("go-template={template}")
        } else {
            format!("{output}={template}")
        };
    }

    if !flags.string("raw").is_empty() {
        return raw(ctx, flags, &args);
    }

    // Complete.
    let watch = flags.bool("watch") || flags.bool("watch-only");
    if watch && !sort_by.is_empty() {
        let which = if flags.bool("watch") {
            "--watch requested, --sort-by will be ignored for watch events received"
        } else {
            "--watch-only requested, --sort-by will be ignored"
        };
        ctx.stderr(format!("warning: {which}\n"));
    }
    if !watch && args.is_empty() && filenames.is_empty() {
        ctx.stderr("You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete list of supported resources.\n\n");
        return Err(CmdError::usage(
            &ctx.command_path,
            "Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).",
        ));
    }

    // Validate (on -o as typed).
    let raw_output = flags.string("output");
    if flags.bool("show-labels") && !raw_output.is_empty() && raw_output != "wide" {
        return Err(CmdError::msg(format!(
            "--show-labels option cannot be used with {raw_output} printer"
        )));
    }
    if !flags.strings("label-columns").is_empty() && raw_output.starts_with("custom-columns") {
        return Err(CmdError::msg(format!(
            "--label-columns option cannot be used with {raw_output} printer"
        )));
    }
    if flags.bool("output-watch-events") && !watch {
        return Err(CmdError::msg(
            "--output-watch-events option can only be used with --watch or --watch-only",
        ));
    }
    if watch {
        return super::watch::get_watch(ctx, flags, &args).await;
    }

    let host = &mut *ctx.host;
    let format = OutputFormat::parse(&output, &mut |p| host.read_file(p)).map_err(CmdError::msg)?;
    if format == OutputFormat::GoTemplate {
        return Err(CmdError::msg(
            "go-template output is not supported by kubeplay; use -o jsonpath instead",
        ));
    }
    if format == OutputFormat::Kyaml {
        return Err(CmdError::msg(
            "kyaml output is not supported by kubeplay yet; use -o yaml",
        ));
    }

    // Fetch.
    let ignore_not_found = flags.bool("ignore-not-found");
    let mut errors: Vec<CmdError> = Vec::new();
    let mut fetched: Vec<Fetched> = Vec::new();
    let single_item_implied;
    if !filenames.is_empty() {
        let mut b = Builder::from_flags(flags, &args);
        b.latest = true;
        for item in b.run(ctx)? {
            match item {
                Ok(it) => {
                    if let Some(obj) = it.object {
                        fetched.push(Fetched {
                            info: it.info,
                            objects: vec![obj],
                        });
                    }
                }
                Err(e) if ignore_not_found && e.is_not_found() => {}
                Err(e) => errors.push(e),
            }
        }
        // One file holding one object is "a single item" as one NAME is.
        single_item_implied = filenames.len() == 1 && fetched.len() + errors.len() == 1;
    } else {
        let typed = resource::parse_resource_args(ctx, &args)?;
        check_names(ctx, flags, &args, &typed)?;
        single_item_implied = typed.len() == 1 && typed.first().is_some_and(|t| t.names.len() == 1);
        let chunk = if sort_by.is_empty() { flags.int("chunk-size") } else { 0 };
        for t in typed {
            if t.names.is_empty() {
                match list(ctx, &t.info, flags, chunk) {
                    Ok(objects) => fetched.push(Fetched { info: t.info, objects }),
                    Err(e) => errors.push(e),
                }
            } else {
                for name in &t.names {
                    let ns = ctx.namespace.clone();
                    let path = resource_path(&t.info, Some(&ns), Some(name));
                    match ctx.request(ApiRequest::get(path)) {
                        Ok(obj) => fetched.push(Fetched {
                            info: t.info.clone(),
                            objects: vec![with_type(obj, &t.info)],
                        }),
                        Err(e) if ignore_not_found && e.code() == 404 => {}
                        Err(e) => errors.push(CmdError::Api(e)),
                    }
                }
            }
        }
    }

    if format.is_table() {
        print_tables(
            ctx,
            flags,
            &format,
            fetched,
            &sort_by,
            errors.is_empty(),
            ignore_not_found,
        )?;
    } else {
        if single_item_implied && !errors.is_empty() {
            return CmdError::aggregate(errors);
        }
        if fetched.is_empty() && ignore_not_found {
            return CmdError::aggregate(errors);
        }
        print_generic(ctx, flags, &format, fetched, single_item_implied, &sort_by)?;
    }
    CmdError::aggregate(errors)
}

/// The builder's checks on names: not with selectors, not across all namespaces.
pub(crate) fn check_names(ctx: &Ctx<'_>, flags: &Parsed, args: &[String], typed: &[resource::TypedNames]) -> CmdResult {
    let has_names = typed.iter().any(|t| !t.names.is_empty());
    if !has_names {
        return Ok(());
    }
    let selector = !flags.string("selector").is_empty() || !flags.string("field-selector").is_empty();
    if selector {
        if args.iter().any(|a| a.contains('/')) {
            return Err(CmdError::msg(
                "selectors and the all flag cannot be used when passing resource/name arguments",
            ));
        }
        return Err(CmdError::msg("name cannot be provided when a selector is specified"));
    }
    if ctx.all_namespaces && typed.iter().any(|t| !t.names.is_empty() && t.info.namespaced()) {
        return Err(CmdError::msg(
            "a resource cannot be retrieved by name across all namespaces",
        ));
    }
    Ok(())
}

/// Lists a collection, following `continue` tokens.
fn list(ctx: &mut Ctx<'_>, info: &ResourceInfo, flags: &Parsed, chunk: i64) -> CmdResult<Vec<Value>> {
    let ns = if ctx.all_namespaces {
        String::new()
    } else {
        ctx.namespace.clone()
    };
    let path = resource_path(info, Some(&ns), None);
    let mut items = Vec::new();
    let mut token = String::new();
    // Bounded: a server that keeps returning tokens cannot hang the command.
    for _ in 0..10_000 {
        // url.Values.Encode sorts parameters by name.
        let mut req = ApiRequest::get(path.clone());
        if !token.is_empty() {
            req = req.with_query("continue", token.clone());
        }
        let fs = flags.string("field-selector");
        if !fs.is_empty() {
            req = req.with_query("fieldSelector", fs.clone());
        }
        let ls = flags.string("selector");
        if !ls.is_empty() {
            req = req.with_query("labelSelector", ls.clone());
        }
        if chunk > 0 {
            req = req.with_query("limit", chunk.to_string());
        }
        let resp = ctx
            .request(req)
            .map_err(|e| CmdError::Api(enhance_list_error(e, info, &ls, &fs)))?;
        for item in resp.get("items").and_then(Value::as_array).cloned().unwrap_or_default() {
            items.push(with_type(item, info));
        }
        token = resp
            .pointer("/metadata/continue")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if token.is_empty() {
            break;
        }
    }
    Ok(items)
}

/// cli-runtime's EnhanceListError: a BadRequest or NotFound answer to a list says what was
/// listed (`Unable to find "/v1, Resource=pods" that match label selector "", field selector …`).
pub(crate) fn enhance_list_error(mut e: ApiError, info: &ResourceInfo, label: &str, field: &str) -> ApiError {
    if !matches!(e.reason(), "BadRequest" | "NotFound") {
        return e;
    }
    // GroupVersionResource.String()
    let subj = go_quote(&format!("{}/{}, Resource={}", info.group, info.version, info.plural));
    e.0.message = if label.is_empty() && field.is_empty() {
        format!("Unable to list {subj}: {}", e.0.message)
    } else {
        format!(
            "Unable to find {subj} that match label selector {}, field selector {}: {}",
            go_quote(label),
            go_quote(field),
            e.0.message
        )
    };
    e
}

/// List items come without kind/apiVersion; kubectl's unstructured decoding fills them in.
fn with_type(mut obj: Value, info: &ResourceInfo) -> Value {
    if let Some(m) = obj.as_object_mut() {
        if !m.contains_key("kind") {
            m.insert("kind".into(), Value::String(info.kind.clone()));
        }
        if !m.contains_key("apiVersion") {
            m.insert("apiVersion".into(), Value::String(info.api_version()));
        }
    }
    obj
}

/// The CRD's printer columns for a custom resource; `None` for built-in kinds.
fn crd_columns(ctx: &mut Ctx<'_>, info: &ResourceInfo) -> Option<Vec<CrdColumn>> {
    if BUILTIN_GROUPS.contains(&info.group.as_str()) {
        return None;
    }
    let path = format!(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{}.{}",
        info.plural, info.group
    );
    let crd = ctx.client.request(ApiRequest::get(path)).ok()?;
    Some(CrdColumn::from_crd(&crd, &info.version))
}

#[allow(clippy::too_many_arguments)]
fn print_tables(
    ctx: &mut Ctx<'_>,
    flags: &Parsed,
    format: &OutputFormat,
    fetched: Vec<Fetched>,
    sort_by: &str,
    no_errors: bool,
    ignore_not_found: bool,
) -> CmdResult {
    let wide = matches!(format, OutputFormat::Table { wide: true });
    let now = ctx.host.now_unix();
    let no_headers = flags.bool("no-headers");
    let with_kind = flags.bool("show-kind") || {
        let mut kinds: Vec<(String, String)> = fetched
            .iter()
            .map(|f| (f.info.group.clone(), f.info.kind.clone()))
            .collect();
        kinds.dedup();
        fetched.len() > 1 && kinds.len() > 1
    };
    let mut all_namespaced = !ctx.all_namespaces;
    let mut written = String::new();
    let mut ix = 0;
    while ix < fetched.len() {
        // Consecutive results of one resource share a printer and one tab-writer flush.
        let Some(first) = fetched.get(ix) else { break };
        let info = first.info.clone();
        let crd = crd_columns(ctx, &info);
        let mut table: Option<Table> = None;
        while let Some(f) = fetched.get(ix) {
            if f.info.plural != info.plural || f.info.group != info.group {
                break;
            }
            all_namespaced = all_namespaced && f.info.namespaced();
            let mut t = build_table(&info.group, &info.kind, &f.objects, now, wide, crd.as_deref());
            if !sort_by.is_empty() {
                sort_rows(&mut t.rows, sort_by)?;
            }
            match table.as_mut() {
                Some(acc) => acc.rows.extend(t.rows),
                None => table = Some(t),
            }
            ix += 1;
        }
        let Some(table) = table else { continue };
        let opts = TableOptions {
            wide,
            no_headers,
            with_namespace: ctx.all_namespaces && info.namespaced(),
            kind_prefix: with_kind.then(|| resource::kind_group_of(&info)),
            show_labels: flags.bool("show-labels"),
            column_labels: flags.strings("label-columns"),
        };
        let text = table.render(&opts);
        if !text.is_empty() {
            if !written.is_empty() && !no_headers {
                ctx.stdout("\n");
            }
            written.push_str(&text);
            ctx.stdout(text);
        }
    }
    if written.is_empty() && !ignore_not_found && no_errors {
        if all_namespaced {
            let ns = ctx.namespace.clone();
            ctx.stderr(format!("No resources found in {ns} namespace.\n"));
        } else {
            ctx.stderr("No resources found\n");
        }
    }
    Ok(())
}

fn sort_rows(rows: &mut Vec<Row>, sort_by: &str) -> CmdResult {
    let objects: Vec<Value> = rows.iter().map(|r| r.object.clone()).collect();
    let order = printers::sort::sorted_order(&objects, sort_by).map_err(CmdError::msg)?;
    let mut slots: Vec<Option<Row>> = std::mem::take(rows).into_iter().map(Some).collect();
    for i in order {
        if let Some(r) = slots.get_mut(i).and_then(Option::take) {
            rows.push(r);
        }
    }
    Ok(())
}

fn print_generic(
    ctx: &mut Ctx<'_>,
    flags: &Parsed,
    format: &OutputFormat,
    fetched: Vec<Fetched>,
    single_item_implied: bool,
    sort_by: &str,
) -> CmdResult {
    let mut objects: Vec<Value> = fetched.into_iter().flat_map(|f| f.objects).collect();
    if !flags.bool("show-managed-fields") {
        for o in &mut objects {
            if let Some(meta) = o.get_mut("metadata").and_then(Value::as_object_mut) {
                meta.remove("managedFields");
            }
        }
    }
    let obj = if single_item_implied && objects.len() == 1 {
        objects.pop().unwrap_or(Value::Null)
    } else {
        if !sort_by.is_empty() {
            printers::sort::sort_items(&mut objects, sort_by).map_err(CmdError::msg)?;
        }
        printers::list_of(objects)
    };
    match format {
        OutputFormat::Name => {
            let mut out = String::new();
            for item in printers::items_of(&obj) {
                out.push_str(&crate::output::name_of(&item));
                out.push('\n');
            }
            ctx.stdout(out);
        }
        OutputFormat::Yaml => {
            let text = crate::output::to_yaml(&obj);
            ctx.stdout(text);
        }
        OutputFormat::Json => {
            let mut text = crate::output::to_json(&obj);
            if !text.ends_with('\n') {
                text.push('\n');
            }
            ctx.stdout(text);
        }
        OutputFormat::JsonPath { template, as_json } => {
            let text = printers::jsonpath_output(&obj, template, flags.bool("allow-missing-template-keys"), *as_json)
                .map_err(CmdError::msg)?;
            ctx.stdout(text);
        }
        OutputFormat::CustomColumns { spec, from_file } => {
            let cc = if *from_file {
                CustomColumns::from_template(spec)
            } else {
                CustomColumns::from_spec(spec, flags.bool("no-headers"))
            }
            .map_err(CmdError::msg)?;
            let text = cc.print(&printers::items_of(&obj)).map_err(CmdError::msg)?;
            ctx.stdout(text);
        }
        OutputFormat::Table { .. } | OutputFormat::GoTemplate | OutputFormat::Kyaml => {}
    }
    Ok(())
}

/// `--raw PATH`: the response body as the server sent it.
fn raw(ctx: &mut Ctx<'_>, flags: &Parsed, args: &[String]) -> CmdResult {
    if !args.is_empty() {
        return Err(CmdError::msg("arguments may not be passed when --raw is specified"));
    }
    if flags.bool("watch") || flags.bool("watch-only") || !flags.string("selector").is_empty() {
        return Err(CmdError::msg(
            "--raw may not be specified with other flags that filter the server request or alter the output",
        ));
    }
    if !flags.string("output").is_empty() {
        return Err(CmdError::msg("--raw and --output are mutually exclusive"));
    }
    let raw = flags.string("raw");
    let (path, query) = raw.split_once('?').unwrap_or((raw.as_str(), ""));
    let mut req = ApiRequest::get(path);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        req = req.with_query(k, v);
    }
    let body = ctx.request(req).map_err(CmdError::Api)?;
    ctx.stdout(raw_body(path, &body));
    Ok(())
}

/// The body as the API server writes it, which kubectl copies unchanged: health checks are plain
/// text, `/version` is `json.MarshalIndent` (struct order, no newline), API objects come from
/// the JSON encoder (compact, newline-terminated).
fn raw_body(path: &str, body: &Value) -> String {
    match body {
        Value::String(text) => text.clone(),
        _ if path.trim_end_matches('/') == "/version" => super::version::ordered_json(body, ""),
        _ => printers::gofmt::go_json(body) + "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn raw_bodies_are_printed_as_the_server_writes_them() {
        assert_eq!(raw_body("/healthz", &json!("ok")), "ok");
        assert_eq!(
            raw_body(
                "/version",
                &json!({"minor": "37", "major": "1", "gitVersion": "v1.37.1"})
            ),
            "{\n  \"major\": \"1\",\n  \"minor\": \"37\",\n  \"gitVersion\": \"v1.37.1\"\n}"
        );
        assert_eq!(
            raw_body("/api/v1/namespaces/default", &json!({"kind": "Namespace"})),
            "{\"kind\":\"Namespace\"}\n"
        );
    }
}
