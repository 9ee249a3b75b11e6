//! `kubectl label` and `kubectl annotate` (k8s.io/kubectl/pkg/cmd/label, annotate):
//! `key=value`, `key-`, `--overwrite`, `--all`, `-l`, `--local -f`, `--list`, dry runs; the
//! change is sent as a JSON merge patch of the metadata.

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::output::{print_result, DryRun};
use crate::resource::{map_file_object_local, read_files, Builder, Item};
use apimachinery::request::PatchType;
use apimachinery::ApiRequest;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Label,
    Annotation,
}

impl Kind {
    fn field(self) -> &'static str {
        match self {
            Kind::Label => "labels",
            Kind::Annotation => "annotations",
        }
    }
    fn word(self) -> &'static str {
        match self {
            Kind::Label => "label",
            Kind::Annotation => "annotation",
        }
    }
}

pub fn label(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    run(ctx, flags, Kind::Label)
}

pub fn annotate(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    run(ctx, flags, Kind::Annotation)
}

/// cmdutil.GetResourcesAndPairs.
fn resources_and_pairs(args: &[String], kind: Kind) -> CmdResult<(Vec<String>, Vec<String>)> {
    let mut resources = Vec::new();
    let mut pairs = Vec::new();
    for s in args {
        let pair = (s.contains('=') && !s.starts_with('=')) || (s.ends_with('-') && s != "-");
        if pair {
            pairs.push(s.clone());
        } else if !pairs.is_empty() {
            return Err(CmdError::msg(format!(
                "all resources must be specified before {} changes: {s}",
                kind.word()
            )));
        } else {
            resources.push(s.clone());
        }
    }
    Ok((resources, pairs))
}

fn parse_labels(specs: &[String]) -> CmdResult<(BTreeMap<String, String>, Vec<String>)> {
    let mut add = BTreeMap::new();
    let mut remove = Vec::new();
    for spec in specs {
        if spec.contains('=') {
            let parts: Vec<&str> = spec.split('=').collect();
            let [k, v] = parts.as_slice() else {
                return Err(CmdError::msg(format!("invalid label spec: {spec}")));
            };
            let errs = apimachinery::validation::is_valid_label_value(v);
            if !errs.is_empty() {
                return Err(CmdError::msg(format!(
                    "invalid label value: \"{spec}\": {}",
                    errs.join(";")
                )));
            }
            add.insert(k.to_string(), v.to_string());
        } else if let Some(k) = spec.strip_suffix('-') {
            remove.push(k.to_string());
        } else {
            return Err(CmdError::msg(format!("unknown label spec: {spec}")));
        }
    }
    if remove.iter().any(|r| add.contains_key(r)) {
        return Err(CmdError::msg(
            "can not both modify and remove a label in the same command",
        ));
    }
    Ok((add, remove))
}

fn parse_annotations(specs: &[String]) -> CmdResult<(BTreeMap<String, String>, Vec<String>)> {
    let mut add = BTreeMap::new();
    let mut remove = Vec::new();
    let mut invalid = Vec::new();
    for spec in specs {
        if spec.contains('=') && !spec.starts_with('=') {
            let (k, v) = spec.split_once('=').unwrap_or((spec, ""));
            add.insert(k.to_string(), v.to_string());
        } else if let Some(k) = spec.strip_suffix('-').filter(|_| spec != "-") {
            remove.push(k.to_string());
        } else {
            invalid.push(spec.clone());
        }
    }
    if !invalid.is_empty() {
        return Err(CmdError::msg(format!(
            "invalid annotation format: {}",
            invalid.join(", ")
        )));
    }
    let both: Vec<String> = remove.iter().filter(|r| add.contains_key(*r)).cloned().collect();
    if !both.is_empty() {
        return Err(CmdError::msg(format!(
            "can not both modify and remove the following annotation(s) in the same command: {}",
            both.join(", ")
        )));
    }
    Ok((add, remove))
}

fn run(ctx: &mut Ctx<'_>, flags: &Parsed, kind: Kind) -> CmdResult {
    let format = super::output_format(flags)?;
    let (resources, pairs) = resources_and_pairs(&flags.args, kind)?;
    let (add, remove) = match kind {
        Kind::Label => parse_labels(&pairs)?,
        Kind::Annotation => parse_annotations(&pairs)?,
    };
    let list = flags.bool("list");
    let local = flags.bool("local");
    let all = flags.bool("all");
    let selector = flags.string("selector");
    let field_selector = flags.string("field-selector");
    let filenames = flags.strings("filename");
    let dry_run = DryRun::from_flags(ctx, flags)?;
    if list && !format.is_empty() {
        return Err(CmdError::msg("--list and --output may not be specified together"));
    }
    if all && !selector.is_empty() {
        return Err(CmdError::msg("cannot set --all and --selector at the same time"));
    }
    if all && !field_selector.is_empty() {
        return Err(CmdError::msg("cannot set --all and --field-selector at the same time"));
    }
    let example = if kind == Kind::Label { "pod.yaml" } else { "rsrc.yaml" };
    let example_json = if kind == Kind::Label { "pod.json" } else { "rsrc.json" };
    if local {
        if dry_run == DryRun::Server {
            return Err(CmdError::msg(
                "cannot specify --local and --dry-run=server - did you mean --dry-run=client?",
            ));
        }
        if !resources.is_empty() {
            return Err(CmdError::msg(format!(
                "can only use local files by -f {example} or --filename={example_json} when --local=true is set"
            )));
        }
        if filenames.is_empty() {
            return Err(CmdError::msg(format!(
                "one or more files must be specified as -f {example} or --filename={example_json}"
            )));
        }
    } else if resources.is_empty() && filenames.is_empty() {
        return Err(CmdError::msg(
            "one or more resources must be specified as <resource> <name> or <resource>/<name>",
        ));
    }
    if add.is_empty() && remove.is_empty() && !list {
        return Err(CmdError::msg(format!(
            "at least one {} update is required",
            kind.word()
        )));
    }
    let items: Vec<CmdResult<Item>> = if local {
        let objs = read_files(ctx, &filenames, flags.bool("recursive"))?;
        objs.iter().map(|fo| map_file_object_local(ctx, fo)).collect()
    } else {
        let builder = Builder {
            filenames: filenames.clone(),
            recursive: flags.bool("recursive"),
            args: resources.clone(),
            selector,
            field_selector,
            all,
            latest: true,
            require_names: true,
            require_object: true,
        };
        builder.run(ctx)?
    };
    let single = items.len() == 1;
    let mut errs = Vec::new();
    for item in items {
        let item = match item {
            Ok(i) => i,
            Err(e) => {
                errs.push(e);
                continue;
            }
        };
        let mut obj = item.object.clone().unwrap_or(Value::Null);
        let current: BTreeMap<String, String> = obj
            .pointer(&format!("/metadata/{}", kind.field()))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let server_side = dry_run != DryRun::Client && !local && !list;
        if server_side && kind == Kind::Label {
            for r in &remove {
                if !current.contains_key(r) {
                    ctx.stdout(format!("label \"{r}\" not found.\n"));
                }
            }
        }
        if !flags.bool("overwrite") {
            let clashes: Vec<(String, String)> = add
                .iter()
                .filter(|(k, _)| k.as_str() != "kubernetes.io/change-cause" || kind == Kind::Label)
                .filter_map(|(k, v)| current.get(k).filter(|c| *c != v).map(|c| (k.clone(), c.clone())))
                .collect();
            if !clashes.is_empty() {
                let e = match kind {
                    Kind::Label => CmdError::aggregate(
                        clashes
                            .iter()
                            .map(|(k, c)| {
                                CmdError::msg(format!("'{k}' already has a value ({c}), and --overwrite is false"))
                            })
                            .collect(),
                    ),
                    Kind::Annotation => Err(CmdError::msg(format!(
                        "--overwrite is false but found the following declared annotation(s): {}",
                        clashes
                            .iter()
                            .map(|(k, c)| format!("'{k}' already has a value ({c})"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ))),
                };
                if let Err(e) = e {
                    errs.push(e);
                }
                continue;
            }
        }
        let mut updated = current.clone();
        let mut added = 0;
        let mut removed = 0;
        for (k, v) in &add {
            if current.get(k) != Some(v) {
                updated.insert(k.clone(), v.clone());
                added += 1;
            }
        }
        for r in &remove {
            if updated.remove(r).is_some() {
                removed += 1;
            }
        }
        set_map(&mut obj, kind, &updated);
        if server_side && (added > 0 || removed > 0) {
            let mut patch_map = Map::new();
            for (k, v) in &add {
                if current.get(k) != Some(v) {
                    patch_map.insert(k.clone(), json!(v));
                }
            }
            for r in &remove {
                if current.contains_key(r) {
                    patch_map.insert(r.clone(), Value::Null);
                }
            }
            let patch = json!({"metadata": {kind.field(): patch_map}});
            let manager = if kind == Kind::Label {
                "kubectl-label"
            } else {
                "kubectl-annotate"
            };
            let req = dry_run
                .apply(ApiRequest::patch(item.path(), PatchType::Merge, patch))
                .with_query("fieldManager", manager);
            if let Err(e) = ctx.request(req) {
                errs.push(CmdError::Api(e));
                continue;
            }
        }
        if list {
            let mut out = String::new();
            let indent = if single { "" } else { " " };
            if !single {
                out.push_str(&format!(
                    "Listing {}s for {}.{}/{}:\n",
                    kind.word(),
                    item.info.kind,
                    item.info.group,
                    item.name
                ));
            }
            for (k, v) in &updated {
                out.push_str(&format!("{indent}{k}={v}\n"));
            }
            ctx.stdout(out);
            continue;
        }
        let operation = match kind {
            Kind::Annotation => "annotated",
            Kind::Label if added > 0 && removed > 0 => "modified",
            Kind::Label if added > 0 => "labeled",
            Kind::Label if removed > 0 => "unlabeled",
            Kind::Label => "not labeled",
        };
        print_result(ctx, &obj, &format, operation, dry_run)?;
    }
    CmdError::aggregate(errs)
}

/// accessor.SetLabels / SetAnnotations with the non-nil map labelFunc builds: an emptied map
/// stays in the object as `{}`.
fn set_map(obj: &mut Value, kind: Kind, updated: &BTreeMap<String, String>) {
    let map: Map<String, Value> = updated.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    let Some(o) = obj.as_object_mut() else {
        return;
    };
    let meta = o.entry("metadata").or_insert_with(|| json!({}));
    if let Some(m) = meta.as_object_mut() {
        m.insert(kind.field().to_string(), Value::Object(map));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn resources_come_before_pairs() {
        let (r, p) = resources_and_pairs(&s(&["pods", "web", "a=b", "c-"]), Kind::Label).unwrap();
        assert_eq!((r, p), (s(&["pods", "web"]), s(&["a=b", "c-"])));
        assert_eq!(
            resources_and_pairs(&s(&["pods", "a=b", "web"]), Kind::Label)
                .unwrap_err()
                .plain_message(),
            "all resources must be specified before label changes: web"
        );
    }

    #[test]
    fn label_specs_follow_upstream_rules() {
        assert_eq!(
            parse_labels(&s(&["a=b=c"])).unwrap_err().plain_message(),
            "invalid label spec: a=b=c"
        );
        assert_eq!(
            parse_labels(&s(&["a=1", "a-"])).unwrap_err().plain_message(),
            "can not both modify and remove a label in the same command"
        );
        assert_eq!(
            parse_labels(&s(&["nope"])).unwrap_err().plain_message(),
            "unknown label spec: nope"
        );
        let (add, remove) = parse_labels(&s(&["env=prod", "tier-"])).unwrap();
        assert_eq!(add.get("env").map(String::as_str), Some("prod"));
        assert_eq!(remove, s(&["tier"]));
    }

    #[test]
    fn annotation_values_may_contain_equals_signs() {
        let (add, _) = parse_annotations(&s(&["url=http://x?a=b"])).unwrap();
        assert_eq!(add.get("url").map(String::as_str), Some("http://x?a=b"));
        assert_eq!(
            parse_annotations(&s(&["=x"])).unwrap_err().plain_message(),
            "invalid annotation format: =x"
        );
    }

    #[test]
    fn an_emptied_map_stays_as_an_empty_map() {
        let mut obj = json!({"metadata": {"name": "web", "labels": {"app": "web"}}});
        set_map(&mut obj, Kind::Label, &BTreeMap::new());
        assert_eq!(obj, json!({"metadata": {"name": "web", "labels": {}}}));
        let mut obj = json!({"metadata": {"name": "web"}});
        set_map(&mut obj, Kind::Annotation, &BTreeMap::new());
        assert_eq!(obj, json!({"metadata": {"name": "web", "annotations": {}}}));
    }
}
