//! The resource builder (k8s.io/cli-runtime/pkg/resource): turns `TYPE NAME…`, `TYPE/NAME…`,
//! `TYPE1,TYPE2`, `-f FILE|DIR|-` (with `-R`), `-l`, `--field-selector` and `--all` into the
//! objects a command works on, with kubectl's argument errors.

use crate::ctx::Ctx;
use crate::discovery::resource_path;
use crate::error::{CmdError, CmdResult};
use api::ResourceInfo;
use apimachinery::{ApiRequest, GroupVersionKind};
use serde_json::Value;

/// One object a command acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub info: ResourceInfo,
    /// Empty for cluster-scoped resources.
    pub namespace: String,
    pub name: String,
    /// The object: as read from a file, or as fetched from the server.
    pub object: Option<Value>,
    /// The file it came from (`-f`), for `error when creating "x.yaml": …`.
    pub source: Option<String>,
}

impl Item {
    /// The object's REST path.
    pub fn path(&self) -> String {
        resource_path(&self.info, Some(&self.namespace), Some(&self.name))
    }
    /// The collection's REST path (for POST).
    pub fn collection_path(&self) -> String {
        resource_path(&self.info, Some(&self.namespace), None)
    }
    /// `deployment.apps/web`, as kubectl names resources in messages.
    pub fn kind_name(&self) -> String {
        format!("{}/{}", kind_group_of(&self.info), self.name)
    }
}

/// `deployment.apps` for a resource: lower-cased kind plus group.
pub fn kind_group_of(info: &ResourceInfo) -> String {
    let kind = info.kind.to_ascii_lowercase();
    if info.group.is_empty() {
        kind
    } else {
        format!("{kind}.{}", info.group)
    }
}

/// A resource type from the arguments with the names given for it (none: the whole
/// collection).
#[derive(Debug, Clone, PartialEq)]
pub struct TypedNames {
    pub info: ResourceInfo,
    pub names: Vec<String>,
}

/// An object decoded from a `-f` source.
#[derive(Debug, Clone, PartialEq)]
pub struct FileObject {
    pub source: String,
    pub object: Value,
}

pub const NO_RESOURCES_MESSAGE: &str = "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'";

/// Parses resource arguments: `TYPE[,TYPE…] [NAME…]` or `TYPE/NAME…`. `all` and other
/// categories expand to their resources.
pub fn parse_resource_args(ctx: &mut Ctx<'_>, args: &[String]) -> CmdResult<Vec<TypedNames>> {
    if args.is_empty() {
        return Ok(Vec::new());
    }
    let with_slash = args.iter().filter(|a| a.contains('/')).count();
    if with_slash > 0 {
        if with_slash < args.len() {
            return Err(CmdError::msg(
                "there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'",
            ));
        }
        let mut out: Vec<TypedNames> = Vec::new();
        for a in args {
            let parts: Vec<&str> = a.split('/').collect();
            if parts.len() > 2 {
                return Err(CmdError::msg(
                    "arguments in resource/name form may not have more than one slash",
                ));
            }
            let (ty, name) = match parts.as_slice() {
                [t, n] if !t.is_empty() && !n.is_empty() => (*t, *n),
                _ => {
                    return Err(CmdError::msg(
                        "arguments in resource/name form must have a single resource and name",
                    ))
                }
            };
            let info = ctx.resolve(ty)?;
            match out.iter_mut().find(|t| t.info == info) {
                Some(t) => t.names.push(name.to_string()),
                None => out.push(TypedNames {
                    info,
                    names: vec![name.to_string()],
                }),
            }
        }
        return Ok(out);
    }
    let types = args.first().map(String::as_str).unwrap_or("");
    let names: Vec<String> = args.iter().skip(1).cloned().collect();
    let mut out: Vec<TypedNames> = Vec::new();
    for ty in types.split(',').filter(|t| !t.is_empty()) {
        let infos: Vec<ResourceInfo> = {
            let mapper = ctx.mapper()?;
            if mapper.resolve(ty).is_none() && !mapper.category(ty).is_empty() {
                mapper.category(ty).into_iter().cloned().collect()
            } else {
                Vec::new()
            }
        };
        let infos = if infos.is_empty() {
            vec![ctx.resolve(ty)?]
        } else {
            infos
        };
        for info in infos {
            if !out.iter().any(|t| t.info == info) {
                out.push(TypedNames {
                    info,
                    names: names.clone(),
                });
            }
        }
    }
    Ok(out)
}

/// Reads every `-f` source: files, directories (their .json/.yaml/.yml files; subdirectories
/// with `-R`), or `-` for stdin. Multi-document YAML and `kind: List` are flattened.
pub fn read_files(ctx: &mut Ctx<'_>, filenames: &[String], recursive: bool) -> CmdResult<Vec<FileObject>> {
    let mut out = Vec::new();
    for f in filenames {
        if f.starts_with("http://") || f.starts_with("https://") {
            return Err(CmdError::msg(format!(
                "unable to read URL \"{f}\": URLs are not available in kubeplay"
            )));
        }
        if f == "-" {
            let text = ctx.host.stdin().unwrap_or_default();
            out.extend(decode_source("STDIN", &text, ctx.validate)?);
            continue;
        }
        read_path(ctx, f, recursive, true, &mut out)?;
    }
    Ok(out)
}

fn read_path(ctx: &mut Ctx<'_>, path: &str, recursive: bool, top: bool, out: &mut Vec<FileObject>) -> CmdResult {
    match ctx.host.list_dir(path) {
        Ok(Some(entries)) => {
            for e in entries {
                let child = if path.ends_with('/') {
                    format!("{path}{e}")
                } else {
                    format!("{path}/{e}")
                };
                let is_dir = matches!(ctx.host.list_dir(&child), Ok(Some(_)));
                if is_dir {
                    if recursive {
                        read_path(ctx, &child, recursive, false, out)?;
                    }
                } else if [".json", ".yaml", ".yml"].iter().any(|ext| e.ends_with(ext)) {
                    read_path(ctx, &child, recursive, false, out)?;
                }
            }
            Ok(())
        }
        Ok(None) => match ctx.host.read_file(path) {
            Ok(text) => {
                out.extend(decode_source(path, &text, ctx.validate)?);
                Ok(())
            }
            // Only a missing file is "does not exist"; others fail as Go's os.Open does.
            Err(e) if top && is_not_exist(&e) => Err(CmdError::msg(format!("the path \"{path}\" does not exist"))),
            Err(e) => Err(CmdError::msg(e)),
        },
        Err(e) if is_not_exist(&e) => Err(CmdError::msg(format!("the path \"{path}\" does not exist"))),
        // os.Stat failed for another reason (FileVisitorForSTDIN / ExpandPathsToFileVisitors).
        Err(e) => Err(CmdError::msg(format!("the path \"{path}\" cannot be accessed: {e}"))),
    }
}

/// Whether a host error is Go's os.IsNotExist (`…: no such file or directory`).
fn is_not_exist(e: &str) -> bool {
    e.ends_with("no such file or directory")
}

/// Decodes one source into objects (multi-document YAML or JSON, Lists flattened).
/// With validation on, each document is first checked the way kubectl's schema validation
/// does before it needs the server's OpenAPI (apiVersion and kind set and strings).
pub fn decode_source(source: &str, text: &str, validate: bool) -> CmdResult<Vec<FileObject>> {
    if validate {
        for doc in apimachinery::decode::decode_stream_prefix(text) {
            if let Some(e) = validation_error(&doc) {
                return Err(CmdError::msg(format!(
                    "error validating {}: error validating data: {e}; if you choose to ignore these errors, turn validation off with --validate=false",
                    apimachinery::errors::go_quote(source)
                )));
            }
        }
    }
    let docs = apimachinery::decode::decode_documents(text).map_err(|e| CmdError::msg(e.kubectl_message(source)))?;
    Ok(docs
        .into_iter()
        .map(|object| FileObject {
            source: source.to_string(),
            object,
        })
        .collect())
}

/// kubectl's SchemaValidation before its OpenAPI lookup: getObjectKind for the document, or
/// for each item of a `v1` `List`; errors joined as utilerrors.Aggregate prints them.
fn validation_error(doc: &Value) -> Option<String> {
    let mut errors = object_kind_errors(doc);
    let is_list = errors.is_empty()
        && doc.get("apiVersion").and_then(Value::as_str) == Some("v1")
        && doc.get("kind").and_then(Value::as_str) == Some("List");
    if is_list {
        match doc.get("items") {
            Some(Value::Array(items)) => items.iter().for_each(|i| errors.extend(object_kind_errors(i))),
            _ => errors.push("invalid object to validate".to_string()),
        }
    }
    match errors.len() {
        0 => None,
        1 => errors.pop(),
        _ => Some(format!("[{}]", errors.join(", "))),
    }
}

/// getObjectKind's checks of apiVersion and kind.
fn object_kind_errors(obj: &Value) -> Vec<String> {
    let Some(fields) = obj.as_object() else {
        return vec!["invalid object to validate".to_string()];
    };
    let mut errors = Vec::new();
    match fields.get("apiVersion") {
        None | Some(Value::Null) => errors.push("apiVersion not set".to_string()),
        Some(Value::String(v)) => {
            if let Err(e) = parse_group_version(v) {
                errors.push(e);
            }
        }
        Some(_) => errors.push("apiVersion isn't string type".to_string()),
    }
    match fields.get("kind") {
        None | Some(Value::Null) => errors.push("kind not set".to_string()),
        Some(Value::String(_)) => {}
        Some(_) => errors.push("kind isn't string type".to_string()),
    }
    errors
}

/// schema.ParseGroupVersion's error: more than one `/`.
fn parse_group_version(v: &str) -> Result<(), String> {
    if v.matches('/').count() > 1 {
        return Err(format!("unexpected GroupVersion string: {v}"));
    }
    Ok(())
}

/// Maps a decoded object to its resource, or kubectl's "resource mapping not found" error.
pub fn map_file_object(ctx: &mut Ctx<'_>, fo: &FileObject) -> CmdResult<Item> {
    let api_version = fo.object.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let kind = fo.object.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.is_empty() {
        return Err(CmdError::msg(format!(
            "unable to decode \"{}\": Object 'Kind' is missing in '{}'",
            fo.source,
            apimachinery::yaml::to_json_compact(&fo.object)
        )));
    }
    let name = fo
        .object
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let gvk = GroupVersionKind::from_api_version(api_version, kind);
    let info = match ctx.for_kind(&gvk) {
        Ok(info) => info,
        Err(e) => {
            let ns = fo
                .object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(CmdError::msg(format!(
                "resource mapping not found for name: \"{name}\" namespace: \"{ns}\" from \"{}\": {}\nensure CRDs are installed first",
                fo.source,
                e.plain_message()
            )));
        }
    };
    let namespace = ctx.object_namespace(&info, &fo.object)?;
    // The builder's DefaultNamespace visitor writes the namespace into the object.
    let mut object = fo.object.clone();
    if info.namespaced() {
        if let Some(m) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            m.insert("namespace".to_string(), Value::String(namespace.clone()));
        }
    }
    Ok(Item {
        info,
        namespace,
        name,
        object: Some(object),
        source: Some(fo.source.clone()),
    })
}

/// [`map_file_object`] for `--local` commands: the object stays as read (upstream's local
/// mapper does not know scopes, so no namespace is filled in).
pub fn map_file_object_local(ctx: &mut Ctx<'_>, fo: &FileObject) -> CmdResult<Item> {
    let mut item = map_file_object(ctx, fo)?;
    item.object = Some(fo.object.clone());
    Ok(item)
}

/// What a command asks the builder for.
#[derive(Debug, Clone, Default)]
pub struct Builder {
    pub filenames: Vec<String>,
    pub recursive: bool,
    pub args: Vec<String>,
    pub selector: String,
    pub field_selector: String,
    pub all: bool,
    /// Fetch named objects from the server (otherwise only file objects carry one).
    pub latest: bool,
    /// Require names (or -l/--all) for type arguments, as delete/label/annotate do.
    pub require_names: bool,
    /// Fetch objects named by arguments (the builder's RequireObject; files are used as read).
    pub require_object: bool,
}

impl Builder {
    pub fn new() -> Self {
        Builder::default()
    }

    /// Reads the usual flags: `-f`, `-R`, `-l`, `--field-selector`, `--all`.
    pub fn from_flags(flags: &crate::flags::Parsed, args: &[String]) -> Self {
        Builder {
            filenames: flags.strings("filename"),
            recursive: flags.bool("recursive"),
            args: args.to_vec(),
            selector: flags.string("selector"),
            field_selector: flags.string("field-selector"),
            all: flags.bool("all"),
            latest: false,
            require_names: false,
            require_object: false,
        }
    }

    /// Resolves everything into items. The outer error is an argument error (nothing done);
    /// inner errors belong to single objects (commands go on with the others).
    pub fn run(&self, ctx: &mut Ctx<'_>) -> CmdResult<Vec<CmdResult<Item>>> {
        if self.all && !self.selector.is_empty() {
            return Err(CmdError::msg(
                "setting 'all' parameter but found a non empty selector. ",
            ));
        }
        if !self.filenames.is_empty() && !self.args.is_empty() {
            return Err(CmdError::msg(format!("Unexpected args: [{}]", self.args.join(" "))));
        }
        if self.filenames.is_empty() && self.args.is_empty() {
            return Err(CmdError::msg(NO_RESOURCES_MESSAGE));
        }
        let mut items = Vec::new();
        if !self.filenames.is_empty() {
            for fo in read_files(ctx, &self.filenames, self.recursive)? {
                let mapped = map_file_object(ctx, &fo);
                let item = match mapped {
                    Ok(mut item) if self.latest => match ctx.get(item.path()) {
                        Ok(live) => {
                            item.object = Some(live);
                            Ok(item)
                        }
                        Err(e) => Err(with_source(e, "getting", &fo.source)),
                    },
                    other => other,
                };
                items.push(item);
            }
            return Ok(items);
        }
        let typed = parse_resource_args(ctx, &self.args)?;
        let has_names = typed.iter().any(|t| !t.names.is_empty());
        if has_names && (!self.selector.is_empty() || !self.field_selector.is_empty()) {
            return Err(CmdError::msg("name cannot be provided when a selector is specified"));
        }
        if has_names && self.all {
            return Err(CmdError::msg("name cannot be provided when a selector is specified"));
        }
        if self.require_names && !has_names && self.selector.is_empty() && self.field_selector.is_empty() && !self.all {
            return Err(CmdError::msg("resource(s) were provided, but no name was specified"));
        }
        for t in typed {
            let ns = if t.info.namespaced() {
                ctx.namespace.clone()
            } else {
                String::new()
            };
            if t.names.is_empty() {
                let list_ns = if ctx.all_namespaces { None } else { Some(ns.as_str()) };
                let mut req = ApiRequest::get(resource_path(&t.info, list_ns, None));
                if !self.selector.is_empty() {
                    req = req.with_query("labelSelector", self.selector.clone());
                }
                if !self.field_selector.is_empty() {
                    req = req.with_query("fieldSelector", self.field_selector.clone());
                }
                let list = match ctx.request(req.with_query("limit", "500")) {
                    Ok(l) => l,
                    Err(e) => {
                        items.push(Err(CmdError::Api(e)));
                        continue;
                    }
                };
                for mut obj in list.get("items").and_then(Value::as_array).cloned().unwrap_or_default() {
                    if let Some(o) = obj.as_object_mut() {
                        o.insert("apiVersion".to_string(), Value::String(t.info.api_version()));
                        o.insert("kind".to_string(), Value::String(t.info.kind.clone()));
                    }
                    let name = obj
                        .pointer("/metadata/name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let namespace = obj
                        .pointer("/metadata/namespace")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    items.push(Ok(Item {
                        info: t.info.clone(),
                        namespace,
                        name,
                        object: Some(obj),
                        source: None,
                    }));
                }
                continue;
            }
            for name in &t.names {
                let mut item = Item {
                    info: t.info.clone(),
                    namespace: ns.clone(),
                    name: name.clone(),
                    object: None,
                    source: None,
                };
                if self.latest || self.require_object {
                    match ctx.get(item.path()) {
                        Ok(obj) => item.object = Some(obj),
                        Err(e) => {
                            items.push(Err(e));
                            continue;
                        }
                    }
                }
                items.push(Ok(item));
            }
        }
        Ok(items)
    }
}

/// cmdutil.AddSourceToErr: `error when <verb> "<file>": ` in front of a status message.
pub fn with_source(err: CmdError, verb: &str, source: &str) -> CmdError {
    match err {
        CmdError::Api(mut e) => {
            e.0.message = format!("error when {verb} \"{source}\": {}", e.0.message);
            CmdError::Api(e)
        }
        other => other,
    }
}
