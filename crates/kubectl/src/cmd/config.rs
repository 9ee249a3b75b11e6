//! `kubectl config current-context|get-contexts|use-context|set-context|view` on the
//! invocation's [`KubeConfig`](crate::KubeConfig).

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::Context;
use serde_json::{json, Value};

/// kubectl prints the help, then `Unexpected args`, when a config command gets the wrong
/// number of arguments.
fn unexpected_args(ctx: &mut Ctx<'_>, path: &str, args: &[String]) -> CmdError {
    if let Some((_, help)) = super::HELP_TEXTS.iter().find(|(p, _)| *p == path) {
        ctx.stdout(*help);
    }
    CmdError::msg(format!("Unexpected args: [{}]", args.join(" ")))
}

/// Where kubeplay's kubeconfig notionally lives (kubectl names the file in messages).
const KUBECONFIG_PATH: &str = "/root/.kube/config";

pub fn get_clusters(ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    ctx.stdout("NAME\nkubernetes\n");
    Ok(())
}

pub fn get_users(ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    ctx.stdout("NAME\nkubernetes-admin\n");
    Ok(())
}

pub fn rename_context(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let [old, new] = flags.args.as_slice() else {
        return Err(unexpected_args(ctx, "config rename-context", &flags.args));
    };
    if !ctx.config.contexts.iter().any(|c| c.name == *old) {
        return Err(CmdError::msg(format!(
            "cannot rename the context \"{old}\", it's not in {KUBECONFIG_PATH}"
        )));
    }
    if ctx.config.contexts.iter().any(|c| c.name == *new) {
        return Err(CmdError::msg(format!(
            "cannot rename the context \"{old}\", the context \"{new}\" already exists in {KUBECONFIG_PATH}"
        )));
    }
    for c in ctx.config.contexts.iter_mut().filter(|c| c.name == *old) {
        c.name = new.clone();
    }
    if ctx.config.current_context == *old {
        ctx.config.current_context = new.clone();
    }
    ctx.stdout(format!("Context \"{old}\" renamed to \"{new}\".\n"));
    Ok(())
}

pub fn delete_context(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let [name] = flags.args.as_slice() else {
        return Err(unexpected_args(ctx, "config delete-context", &flags.args));
    };
    if !ctx.config.contexts.iter().any(|c| c.name == *name) {
        return Err(CmdError::msg(format!(
            "cannot delete context {name}, not in {KUBECONFIG_PATH}"
        )));
    }
    if ctx.config.current_context == *name {
        ctx.stderr(
            "warning: this removed your active context, use \"kubectl config use-context\" to select a different one\n",
        );
    }
    ctx.config.contexts.retain(|c| c.name != *name);
    ctx.stdout(format!("deleted context {name} from {KUBECONFIG_PATH}\n"));
    Ok(())
}

pub fn current_context(ctx: &mut Ctx<'_>, _flags: &Parsed) -> CmdResult {
    if ctx.config.current_context.is_empty() {
        return Err(CmdError::msg("current-context is not set"));
    }
    let line = format!("{}\n", ctx.config.current_context);
    ctx.stdout(line);
    Ok(())
}

pub fn use_context(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let [name] = flags.args.as_slice() else {
        return Err(unexpected_args(ctx, "config use-context", &flags.args));
    };
    if !ctx.config.contexts.iter().any(|c| c.name == *name) {
        return Err(CmdError::msg(format!("no context exists with the name: \"{name}\"")));
    }
    ctx.config.current_context = name.clone();
    ctx.stdout(format!("Switched to context \"{name}\".\n"));
    Ok(())
}

pub fn set_context(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let current = flags.bool("current");
    let name = match flags.args.as_slice() {
        [] if current => ctx.config.current_context.clone(),
        [n] if !current => n.clone(),
        [] => return Err(CmdError::msg("you must specify a non-empty context name or --current")),
        [_] => return Err(CmdError::msg("you cannot specify both a context name and --current")),
        more => return Err(unexpected_args(ctx, "config set-context", more)),
    };
    if name.is_empty() {
        return Err(CmdError::msg("no current context is set"));
    }
    let exists = ctx.config.contexts.iter().any(|c| c.name == name);
    if !exists {
        ctx.config.contexts.push(Context {
            name: name.clone(),
            cluster: String::new(),
            user: String::new(),
            namespace: String::new(),
        });
    }
    if let Some(c) = ctx.config.contexts.iter_mut().find(|c| c.name == name) {
        if flags.changed("cluster") {
            c.cluster = flags.string("cluster");
        }
        if flags.changed("user") {
            c.user = flags.string("user");
        }
        if flags.changed("namespace") {
            c.namespace = flags.string("namespace");
        }
    }
    let verb = if exists { "modified" } else { "created" };
    ctx.stdout(format!("Context \"{name}\" {verb}.\n"));
    Ok(())
}

pub fn get_contexts(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let output = flags.string("output");
    if !output.is_empty() && output != "name" {
        return Err(CmdError::msg(format!("output must be one of '' or 'name': {output}")));
    }
    let mut contexts: Vec<Context> = ctx.config.contexts.clone();
    contexts.sort_by(|a, b| a.name.cmp(&b.name));
    if !flags.args.is_empty() {
        for wanted in &flags.args {
            if !contexts.iter().any(|c| c.name == *wanted) {
                return Err(CmdError::msg(format!("context {wanted} not found")));
            }
        }
        contexts.retain(|c| flags.args.contains(&c.name));
    }
    if output == "name" {
        let text: String = contexts.iter().map(|c| format!("{}\n", c.name)).collect();
        ctx.stdout(text);
        return Ok(());
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    if !flags.bool("no-headers") {
        rows.push(
            ["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        );
    }
    for c in &contexts {
        let mark = if c.name == ctx.config.current_context { "*" } else { "" };
        rows.push(vec![
            mark.to_string(),
            c.name.clone(),
            c.cluster.clone(),
            c.user.clone(),
            c.namespace.clone(),
        ]);
    }
    let text = tabwrite(&rows);
    ctx.stdout(text);
    Ok(())
}

/// Go's tabwriter as kubectl configures it (minwidth 6, padding 3); the last cell of a row
/// is not padded.
fn tabwrite(rows: &[Vec<String>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for r in rows {
        for (i, cell) in r.iter().enumerate().take(cols.saturating_sub(1)) {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max((cell.chars().count() + 3).max(6));
            }
        }
    }
    let mut out = String::new();
    for r in rows {
        for (i, cell) in r.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < r.len() {
                let w = widths.get(i).copied().unwrap_or(0);
                out.push_str(&" ".repeat(w.saturating_sub(cell.chars().count())));
            }
        }
        out.push('\n');
    }
    out
}

pub fn view(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let output = flags.string("output");
    let output = if output.is_empty() { "yaml".to_string() } else { output };
    crate::output::validate_output(&output)?;
    // kubeplay issues no real certificates; --raw shows a placeholder PEM block instead.
    let placeholder;
    let data = if flags.bool("raw") {
        use base64::Engine;
        placeholder = base64::engine::general_purpose::STANDARD
            .encode("-----BEGIN CERTIFICATE-----\nkubeplay simulates its certificates\n-----END CERTIFICATE-----\n");
        placeholder.as_str()
    } else {
        "DATA+OMITTED"
    };
    let mut contexts: Vec<Context> = ctx.config.contexts.clone();
    if flags.bool("minify") {
        let current = ctx.config.current_context.clone();
        contexts.retain(|c| c.name == current);
    }
    contexts.sort_by(|a, b| a.name.cmp(&b.name));
    let contexts: Vec<Value> = contexts
        .iter()
        .map(|c| {
            let mut inner = json!({"cluster": c.cluster, "user": c.user});
            if !c.namespace.is_empty() {
                inner["namespace"] = json!(c.namespace);
            }
            json!({"context": inner, "name": c.name})
        })
        .collect();
    let doc = json!({
        "apiVersion": "v1",
        "clusters": [{"cluster": {"certificate-authority-data": data, "server": ctx.config.server}, "name": "kubernetes"}],
        "contexts": contexts,
        "current-context": ctx.config.current_context,
        "kind": "Config",
        "users": [{"name": "kubernetes-admin", "user": {"client-certificate-data": data, "client-key-data": data}}],
    });
    crate::output::print_object(ctx, &doc, &output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabwriter_pads_all_but_the_last_cell() {
        let rows = vec![
            vec!["CURRENT".to_string(), "NAME".to_string(), "NAMESPACE".to_string()],
            vec![
                "*".to_string(),
                "kubernetes-admin@kubernetes".to_string(),
                String::new(),
            ],
        ];
        assert_eq!(
            tabwrite(&rows),
            "CURRENT   NAME                          NAMESPACE\n*         kubernetes-admin@kubernetes   \n"
        );
    }
}
