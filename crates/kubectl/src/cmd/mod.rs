//! Command dispatch as cobra does it for kubectl: find the command among the arguments
//! (flags may come first), parse its flags (its own, read from its recorded help text, plus
//! the global ones), handle `--help`, required flags and unknown commands, run it, and print
//! its error as kubectl's checkErr does.
//!
//! To add a command: record its help under `src/help/` (the `Options:` block defines its
//! flags), list it in [`HELP_TEXTS`], and map its path to a `fn(&mut Ctx, &Parsed) -> CmdResult`
//! in [`runner`] (an `async fn` boxed with `boxed!` when it waits on the cluster).

pub mod api_versions;
// Read side: get, describe, api-resources.
pub mod api_resources;
pub mod apply;
pub mod cluster_info;
pub mod config;
pub mod cordon;
pub mod create;
pub mod delete;
pub mod describe;
pub mod edit;
pub mod expose;
pub mod get;
pub mod label;
pub mod patch;
pub mod replace;
pub mod rollout;
pub mod run;
pub mod scale;
pub mod set;
pub mod taint;
pub mod version;
// Cluster commands: wait, logs, drain, top, events, autoscale, watch machinery.
pub mod autoscale;
pub mod drain;
pub mod events;
pub mod logs;
pub mod top;
pub mod wait;
pub mod watch;

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::{FlagSet, FlagType, Parsed};
use crate::Invocation;
use std::future::Future;
use std::pin::Pin;

/// A command's entry point.
pub type RunFn = fn(&mut Ctx<'_>, &Parsed) -> CmdResult;

/// The entry point of a command that may wait on the cluster (through [`crate::Host::wait`]).
pub type AsyncRunFn = for<'c, 'a> fn(&'c mut Ctx<'a>, &'c Parsed) -> Pin<Box<dyn Future<Output = CmdResult> + 'c>>;

/// How a command runs: at once, or as a future that may wait.
#[derive(Clone, Copy)]
pub enum Runner {
    Sync(RunFn),
    Async(AsyncRunFn),
}

/// Boxes the futures of the commands that wait, so that they fit [`AsyncRunFn`].
macro_rules! boxed {
    ($($name:ident => $f:path),* $(,)?) => {
        $(
            fn $name<'c>(ctx: &'c mut Ctx<'_>, flags: &'c Parsed) -> Pin<Box<dyn Future<Output = CmdResult> + 'c>> {
                Box::pin($f(ctx, flags))
            }
        )*
    };
}

boxed! {
    get_async => get::run,
    delete_async => delete::run,
    rollout_status_async => rollout::status,
    wait_async => wait::run,
    logs_async => logs::run,
    drain_async => drain::run,
    events_async => events::run,
}

const ROOT_HELP: &str = include_str!("../help/root.txt");
const OPTIONS_HELP: &str = include_str!("../help/options.txt");

/// Every command kubeplay knows, by path, with the real kubectl's `--help` output.
pub const HELP_TEXTS: &[(&str, &str)] = &[
    ("annotate", include_str!("../help/annotate.txt")),
    ("api-resources", include_str!("../help/api-resources.txt")),
    ("api-versions", include_str!("../help/api-versions.txt")),
    ("apply", include_str!("../help/apply.txt")),
    (
        "apply set-last-applied",
        include_str!("../help/apply_set-last-applied.txt"),
    ),
    (
        "apply view-last-applied",
        include_str!("../help/apply_view-last-applied.txt"),
    ),
    ("auth", include_str!("../help/auth.txt")),
    ("auth can-i", include_str!("../help/auth_can-i.txt")),
    ("auth reconcile", include_str!("../help/auth_reconcile.txt")),
    ("auth whoami", include_str!("../help/auth_whoami.txt")),
    ("autoscale", include_str!("../help/autoscale.txt")),
    ("cluster-info", include_str!("../help/cluster-info.txt")),
    ("config", include_str!("../help/config.txt")),
    (
        "config current-context",
        include_str!("../help/config_current-context.txt"),
    ),
    (
        "config delete-cluster",
        include_str!("../help/config_delete-cluster.txt"),
    ),
    (
        "config delete-context",
        include_str!("../help/config_delete-context.txt"),
    ),
    ("config delete-user", include_str!("../help/config_delete-user.txt")),
    ("config get-clusters", include_str!("../help/config_get-clusters.txt")),
    ("config get-contexts", include_str!("../help/config_get-contexts.txt")),
    ("config get-users", include_str!("../help/config_get-users.txt")),
    (
        "config rename-context",
        include_str!("../help/config_rename-context.txt"),
    ),
    ("config set", include_str!("../help/config_set.txt")),
    ("config set-cluster", include_str!("../help/config_set-cluster.txt")),
    ("config set-context", include_str!("../help/config_set-context.txt")),
    (
        "config set-credentials",
        include_str!("../help/config_set-credentials.txt"),
    ),
    ("config unset", include_str!("../help/config_unset.txt")),
    ("config use-context", include_str!("../help/config_use-context.txt")),
    ("config view", include_str!("../help/config_view.txt")),
    ("cordon", include_str!("../help/cordon.txt")),
    ("create", include_str!("../help/create.txt")),
    ("create clusterrole", include_str!("../help/create_clusterrole.txt")),
    (
        "create clusterrolebinding",
        include_str!("../help/create_clusterrolebinding.txt"),
    ),
    ("create configmap", include_str!("../help/create_configmap.txt")),
    ("create cronjob", include_str!("../help/create_cronjob.txt")),
    ("create deployment", include_str!("../help/create_deployment.txt")),
    ("create ingress", include_str!("../help/create_ingress.txt")),
    ("create job", include_str!("../help/create_job.txt")),
    ("create namespace", include_str!("../help/create_namespace.txt")),
    (
        "create poddisruptionbudget",
        include_str!("../help/create_poddisruptionbudget.txt"),
    ),
    ("create priorityclass", include_str!("../help/create_priorityclass.txt")),
    ("create quota", include_str!("../help/create_quota.txt")),
    ("create role", include_str!("../help/create_role.txt")),
    ("create rolebinding", include_str!("../help/create_rolebinding.txt")),
    ("create secret", include_str!("../help/create_secret.txt")),
    (
        "create secret docker-registry",
        include_str!("../help/create_secret_docker-registry.txt"),
    ),
    (
        "create secret generic",
        include_str!("../help/create_secret_generic.txt"),
    ),
    ("create secret tls", include_str!("../help/create_secret_tls.txt")),
    ("create service", include_str!("../help/create_service.txt")),
    (
        "create service clusterip",
        include_str!("../help/create_service_clusterip.txt"),
    ),
    (
        "create service externalname",
        include_str!("../help/create_service_externalname.txt"),
    ),
    (
        "create service loadbalancer",
        include_str!("../help/create_service_loadbalancer.txt"),
    ),
    (
        "create service nodeport",
        include_str!("../help/create_service_nodeport.txt"),
    ),
    (
        "create serviceaccount",
        include_str!("../help/create_serviceaccount.txt"),
    ),
    ("create token", include_str!("../help/create_token.txt")),
    ("delete", include_str!("../help/delete.txt")),
    ("describe", include_str!("../help/describe.txt")),
    ("drain", include_str!("../help/drain.txt")),
    ("edit", include_str!("../help/edit.txt")),
    ("events", include_str!("../help/events.txt")),
    ("exec", include_str!("../help/exec.txt")),
    ("explain", include_str!("../help/explain.txt")),
    ("expose", include_str!("../help/expose.txt")),
    ("get", include_str!("../help/get.txt")),
    ("label", include_str!("../help/label.txt")),
    ("logs", include_str!("../help/logs.txt")),
    ("patch", include_str!("../help/patch.txt")),
    ("replace", include_str!("../help/replace.txt")),
    ("rollout", include_str!("../help/rollout.txt")),
    ("rollout history", include_str!("../help/rollout_history.txt")),
    ("rollout pause", include_str!("../help/rollout_pause.txt")),
    ("rollout restart", include_str!("../help/rollout_restart.txt")),
    ("rollout resume", include_str!("../help/rollout_resume.txt")),
    ("rollout status", include_str!("../help/rollout_status.txt")),
    ("rollout undo", include_str!("../help/rollout_undo.txt")),
    ("run", include_str!("../help/run.txt")),
    ("scale", include_str!("../help/scale.txt")),
    ("set", include_str!("../help/set.txt")),
    ("set env", include_str!("../help/set_env.txt")),
    ("set image", include_str!("../help/set_image.txt")),
    ("set resources", include_str!("../help/set_resources.txt")),
    ("set selector", include_str!("../help/set_selector.txt")),
    ("set serviceaccount", include_str!("../help/set_serviceaccount.txt")),
    ("set subject", include_str!("../help/set_subject.txt")),
    ("taint", include_str!("../help/taint.txt")),
    ("top", include_str!("../help/top.txt")),
    ("top node", include_str!("../help/top_node.txt")),
    ("top pod", include_str!("../help/top_pod.txt")),
    ("uncordon", include_str!("../help/uncordon.txt")),
    ("version", include_str!("../help/version.txt")),
    ("wait", include_str!("../help/wait.txt")),
];

/// The implementation of a command, if kubeplay has one.
pub fn runner(path: &str) -> Option<Runner> {
    let waits: Option<AsyncRunFn> = match path {
        "get" => Some(get_async),
        "delete" => Some(delete_async),
        "rollout status" => Some(rollout_status_async),
        "wait" => Some(wait_async),
        "logs" => Some(logs_async),
        "drain" => Some(drain_async),
        "events" => Some(events_async),
        _ => None,
    };
    if let Some(f) = waits {
        return Some(Runner::Async(f));
    }
    let f: RunFn = match path {
        "api-versions" => api_versions::run,
        // Read side.
        "api-resources" => api_resources::run,
        "describe" => describe::run,
        "apply" => apply::run,
        "cluster-info" => cluster_info::run,
        "config current-context" => config::current_context,
        "config get-contexts" => config::get_contexts,
        "config use-context" => config::use_context,
        "config set-context" => config::set_context,
        "config view" => config::view,
        "config get-clusters" => config::get_clusters,
        "config get-users" => config::get_users,
        "config rename-context" => config::rename_context,
        "config delete-context" => config::delete_context,
        "cordon" => cordon::cordon,
        "uncordon" => cordon::uncordon,
        "create" => create::run_from_files,
        "create deployment" => create::deployment,
        "create namespace" => create::namespace,
        "create configmap" => create::configmap,
        "create secret generic" => create::secret_generic,
        "create secret tls" => create::secret_tls,
        "create secret docker-registry" => create::secret_docker_registry,
        "create service clusterip" => create::service_clusterip,
        "create service nodeport" => create::service_nodeport,
        "create service loadbalancer" => create::service_loadbalancer,
        "create service externalname" => create::service_externalname,
        "create job" => create::job,
        "create cronjob" => create::cronjob,
        "create serviceaccount" => create::serviceaccount,
        "create role" => create::role,
        "create clusterrole" => create::clusterrole,
        "create rolebinding" => create::rolebinding,
        "create clusterrolebinding" => create::clusterrolebinding,
        "create quota" => create::quota,
        "create priorityclass" => create::priorityclass,
        "create poddisruptionbudget" => create::poddisruptionbudget,
        "create ingress" => create::ingress,
        "edit" => edit::run,
        "expose" => expose::run,
        "label" => label::label,
        "annotate" => label::annotate,
        "patch" => patch::run,
        "replace" => replace::run,
        "run" => run::run,
        "rollout history" => rollout::history,
        "rollout undo" => rollout::undo,
        "rollout restart" => rollout::restart,
        "rollout pause" => rollout::pause,
        "rollout resume" => rollout::resume,
        "scale" => scale::run,
        "set image" => set::image,
        "set env" => set::env,
        "set resources" => set::resources,
        "set selector" => set::selector,
        "set serviceaccount" => set::serviceaccount,
        "taint" => taint::run,
        "version" => version::run,
        "top node" => top::node,
        "top pod" => top::pod,
        "autoscale" => autoscale::run,
        _ => return None,
    };
    Some(Runner::Sync(f))
}

/// Flags every command accepts (`kubectl options`).
fn global_flags() -> FlagSet {
    let mut set = FlagSet::from_help(OPTIONS_HELP);
    set.add("help", Some('h'), FlagType::Bool, "false");
    set
}

fn help_of(path: &str) -> Option<&'static str> {
    HELP_TEXTS.iter().find(|(p, _)| *p == path).map(|(_, h)| *h)
}

/// A command's names: its own and its aliases (from the help text's `Aliases:` block).
fn names_of(path: &str) -> Vec<String> {
    let own = path.rsplit(' ').next().unwrap_or(path).to_string();
    let mut names = vec![own];
    if let Some(help) = help_of(path) {
        let mut lines = help.lines();
        while let Some(l) = lines.next() {
            if l == "Aliases:" {
                if let Some(list) = lines.next() {
                    names.extend(list.split(", ").skip(1).map(str::to_string));
                }
                break;
            }
        }
    }
    names
}

/// Direct subcommands of `parent` ("" for the root), in the order kubectl's help lists them.
fn children(parent: &str) -> Vec<&'static str> {
    let listing = if parent.is_empty() {
        Some(ROOT_HELP)
    } else {
        help_of(parent)
    };
    let mut out = Vec::new();
    let mut in_list = false;
    for line in listing.unwrap_or("").lines() {
        if line.ends_with("Commands:")
            || line.ends_with("Commands (Beginner):")
            || line.ends_with("Commands (Intermediate):")
        {
            in_list = true;
            continue;
        }
        if line.is_empty() {
            in_list = parent.is_empty() && in_list;
            continue;
        }
        if line.starts_with("Usage:") {
            break;
        }
        if in_list && line.starts_with("  ") {
            let name = line.trim_start().split(' ').next().unwrap_or("");
            let path = if parent.is_empty() {
                name.to_string()
            } else {
                format!("{parent} {name}")
            };
            if let Some((p, _)) = HELP_TEXTS.iter().find(|(p, _)| *p == path) {
                out.push(*p);
            }
        }
    }
    out
}

/// Finds the command path in `args` as cobra's Find does, skipping flags (and the values of
/// flags that take one); returns the path and the arguments without the command words.
fn find_command(args: &[String], globals: &FlagSet) -> (String, Vec<String>) {
    let mut path = String::new();
    let mut rest: Vec<String> = args.to_vec();
    loop {
        let mut word = None;
        let mut i = 0;
        while i < rest.len() {
            let a = rest.get(i).map(String::as_str).unwrap_or("");
            if a == "--" {
                break;
            }
            if a.starts_with('-') && a.len() > 1 {
                if globals.takes_value(a) || local_takes_value(&path, a) {
                    i += 1;
                }
                i += 1;
                continue;
            }
            word = Some((i, a.to_string()));
            break;
        }
        let Some((idx, w)) = word else { break };
        let found = children(&path).into_iter().find(|c| names_of(c).contains(&w));
        match found {
            Some(c) => {
                path = c.to_string();
                rest.remove(idx);
            }
            None => break,
        }
    }
    (path, rest)
}

fn local_takes_value(path: &str, arg: &str) -> bool {
    help_of(path).is_some_and(|h| FlagSet::from_help(h).takes_value(arg))
}

/// cobra's suggestions: Levenshtein distance ≤ 2, or a prefix.
fn suggestions(typed: &str) -> Vec<&'static str> {
    let lower = typed.to_ascii_lowercase();
    children("")
        .into_iter()
        .filter(|c| levenshtein(&lower, c) <= 2 || c.starts_with(&lower))
        .collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}

/// Flags cobra requires per command (`required flag(s) "image" not set`).
fn required_flags(path: &str) -> &'static [&'static str] {
    match path {
        "create deployment" => &["image"],
        "create cronjob" => &["image", "schedule"],
        "create service externalname" => &["external-name"],
        "scale" => &["replicas"],
        "run" => &["image"],
        "autoscale" => &["max"],
        _ => &[],
    }
}

/// Runs kubectl with `args` (program name excluded) and returns the exit code.
pub async fn execute(args: &[String], inv: Invocation<'_>) -> i32 {
    let globals = global_flags();
    let (path, rest) = find_command(args, &globals);
    let full_path = if path.is_empty() {
        "kubectl".to_string()
    } else {
        format!("kubectl {path}")
    };
    let mut set = match help_of(&path) {
        Some(h) => FlagSet::from_help(h),
        None => FlagSet::new(),
    };
    if path == "autoscale" {
        // Deprecated, so absent from the help text, but still accepted.
        set.add("cpu-percent", None, FlagType::Int, "-1");
    }
    set.merge(&globals);
    let parsed = match set.parse(&rest) {
        Ok(p) => p,
        Err(e) => {
            inv.out
                .stderr(format!("error: {e}\nSee '{full_path} --help' for usage.\n"));
            return 1;
        }
    };
    if path.is_empty() {
        if parsed.bool("help") || parsed.args.is_empty() {
            inv.out.stdout(ROOT_HELP);
            return 0;
        }
        let typed = parsed.args.first().cloned().unwrap_or_default();
        if typed == "options" {
            inv.out.stdout(OPTIONS_HELP);
            return 0;
        }
        if typed == "help" {
            let topic: Vec<String> = parsed.args.iter().skip(1).cloned().collect();
            let (p, left) = find_command(&topic, &globals);
            match (help_of(&p), left.is_empty()) {
                (Some(h), true) => inv.out.stdout(h),
                _ if topic.is_empty() => inv.out.stdout(ROOT_HELP),
                _ => inv
                    .out
                    .stdout(format!("Unknown help topic [`{}`]\n{ROOT_HELP}", topic.join(" "))),
            }
            return 0;
        }
        let mut msg = format!("error: unknown command \"{typed}\" for \"kubectl\"\n");
        let s = suggestions(&typed);
        if !s.is_empty() {
            msg.push_str("\nDid you mean this?\n");
            for c in s {
                msg.push_str(&format!("\t{c}\n"));
            }
        }
        inv.out.stderr(msg);
        return 1;
    }
    let help = help_of(&path).unwrap_or("");
    if parsed.bool("help") {
        inv.out.stdout(help);
        return 0;
    }
    for req in required_flags(&path) {
        if !parsed.changed(req) {
            inv.out.stderr(format!("error: required flag(s) \"{req}\" not set\n"));
            return 1;
        }
    }
    let Some(run) = runner(&path) else {
        if !children(&path).is_empty() {
            // A group command (config, set, create secret…): help without a subcommand.
            if let Some(first) = parsed.args.first() {
                inv.out.stderr(format!(
                    "error: unknown command \"{first}\"\nSee '{full_path} -h' for help and examples\n"
                ));
            } else {
                inv.out.stderr(help);
            }
            return 1;
        }
        inv.out
            .stderr(format!("error: \"{full_path}\" is not available in kubeplay yet\n"));
        return 1;
    };
    if parsed.changed("context") && !path.starts_with("config") {
        let wanted = parsed.string("context");
        if !inv.config.contexts.iter().any(|c| c.name == wanted) {
            inv.out.stderr(format!(
                "Error in configuration: context was not found for specified context: {wanted}\n"
            ));
            return 1;
        }
    }
    let mut ctx = Ctx::new(inv, &full_path, &parsed);
    if ctx.verbosity >= 6 {
        ctx.log_config_loaded();
    }
    let result = match run {
        Runner::Sync(f) => f(&mut ctx, &parsed),
        Runner::Async(f) => f(&mut ctx, &parsed).await,
    };
    match result {
        // The root command's PersistentPostRunE, which runs only after a command succeeded.
        Ok(()) if parsed.bool("warnings-as-errors") && ctx.warning_count() > 0 => {
            let n = ctx.warning_count();
            let plural = if n == 1 { "" } else { "s" };
            ctx.stderr(format!("error: {n} warning{plural} received\n"));
            1
        }
        Ok(()) => 0,
        Err(e) => {
            if let CmdError::Api(api_err) = &e {
                ctx.log_status_error(api_err);
            }
            let text = e.render();
            ctx.stderr(text);
            e.exit_code()
        }
    }
}

/// The positional arguments before `--` and after it (cobra's ArgsLenAtDash split).
pub fn split_at_dash(flags: &Parsed) -> (Vec<String>, Vec<String>) {
    match flags.args_len_at_dash {
        Some(n) => (
            flags.args.iter().take(n).cloned().collect(),
            flags.args.iter().skip(n).cloned().collect(),
        ),
        None => (flags.args.clone(), Vec::new()),
    }
}

/// Reads `-o` and checks it is a known format.
pub fn output_format(flags: &Parsed) -> CmdResult<String> {
    let o = flags.string("output");
    crate::output::validate_output(&o)?;
    Ok(o)
}

/// `exactly one NAME is required, got N` as the generators say it.
pub fn exactly_one_name(ctx: &Ctx<'_>, flags: &Parsed) -> CmdResult<String> {
    let (args, _) = split_at_dash(flags);
    match args.as_slice() {
        [one] => Ok(one.clone()),
        other => Err(CmdError::usage(
            &ctx.command_path,
            format!("exactly one NAME is required, got {}", other.len()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn commands_are_found_among_flags_and_aliases() {
        let g = global_flags();
        assert_eq!(
            find_command(&a(&["-n", "kube-system", "get", "pods"]), &g),
            ("get".to_string(), a(&["-n", "kube-system", "pods"]))
        );
        assert_eq!(find_command(&a(&["create", "deploy", "x"]), &g).0, "create deployment");
        assert_eq!(
            find_command(&a(&["create", "secret", "generic", "s"]), &g).0,
            "create secret generic"
        );
        assert_eq!(
            find_command(&a(&["create", "--dry-run=client", "ns", "x"]), &g).0,
            "create namespace"
        );
        assert_eq!(find_command(&a(&["create", "-f", "ns", "x"]), &g).0, "create");
    }

    #[test]
    fn suggestions_follow_cobras_rules() {
        assert_eq!(suggestions("gett"), vec!["set", "get"]);
        assert_eq!(suggestions("foo"), vec!["top"]);
        assert_eq!(suggestions("del"), vec!["set", "get", "delete"]);
        assert!(suggestions("xyzzy").is_empty());
    }

    #[test]
    fn every_runner_has_a_help_text() {
        for (p, h) in HELP_TEXTS {
            assert!(!h.is_empty(), "{p}");
        }
        for p in ["create deployment", "set image", "config view", "delete", "apply"] {
            assert!(help_of(p).is_some() && runner(p).is_some(), "{p}");
        }
    }
}
