//! Tab completion for the terminal, as bash-completion with kubectl's completion script
//! offers it: commands, kubectl subcommands, flags, resource types and object names (looked up
//! through API requests by the caller).

/// Commands the shell runs (first word of a line).
pub const COMMANDS: &[&str] = &[
    "alias", "awk", "bash", "cat", "cd", "clear", "cp", "cut", "date", "echo", "env", "exit", "export", "false",
    "grep", "head", "help", "history", "kubectl", "less", "ls", "mkdir", "mv", "nano", "paste", "printenv", "printf",
    "pwd", "rm", "seq", "sleep", "sort", "tail", "tee", "test", "touch", "tr", "true", "type", "unalias", "uniq",
    "unset", "vi", "vim", "watch", "wc", "which", "xargs",
];

/// kubectl's subcommands.
pub const SUBCOMMANDS: &[&str] = &[
    "annotate",
    "api-resources",
    "api-versions",
    "apply",
    "attach",
    "auth",
    "autoscale",
    "certificate",
    "cluster-info",
    "completion",
    "config",
    "cordon",
    "cp",
    "create",
    "debug",
    "delete",
    "describe",
    "diff",
    "drain",
    "edit",
    "events",
    "exec",
    "explain",
    "expose",
    "get",
    "help",
    "kustomize",
    "label",
    "logs",
    "options",
    "patch",
    "plugin",
    "port-forward",
    "proxy",
    "replace",
    "rollout",
    "run",
    "scale",
    "set",
    "taint",
    "top",
    "uncordon",
    "version",
    "wait",
];

/// Flags offered after `-`: the common ones of the subcommands people use most.
const FLAGS: &[&str] = &[
    "--all-namespaces",
    "--dry-run=client",
    "--filename",
    "--force",
    "--grace-period",
    "--help",
    "--image",
    "--labels",
    "--namespace",
    "--output",
    "--overwrite",
    "--port",
    "--recursive",
    "--replicas",
    "--selector",
    "--show-labels",
    "--sort-by",
    "--watch",
    "-A",
    "-f",
    "-l",
    "-n",
    "-o",
];

/// Output formats offered after `-o`.
const OUTPUTS: &[&str] = &["custom-columns=", "json", "jsonpath=", "name", "wide", "yaml"];

/// Resource types offered for `kubectl get <TAB>`: (name, API collection path, namespaced).
pub const RESOURCES: &[(&str, &str, bool)] = &[
    ("configmaps", "/api/v1/configmaps", true),
    ("cronjobs", "/apis/batch/v1/cronjobs", true),
    ("daemonsets", "/apis/apps/v1/daemonsets", true),
    ("deployments", "/apis/apps/v1/deployments", true),
    ("endpoints", "/api/v1/endpoints", true),
    ("events", "/api/v1/events", true),
    ("ingresses", "/apis/networking.k8s.io/v1/ingresses", true),
    ("jobs", "/apis/batch/v1/jobs", true),
    ("namespaces", "/api/v1/namespaces", false),
    ("networkpolicies", "/apis/networking.k8s.io/v1/networkpolicies", true),
    ("nodes", "/api/v1/nodes", false),
    ("persistentvolumeclaims", "/api/v1/persistentvolumeclaims", true),
    ("persistentvolumes", "/api/v1/persistentvolumes", false),
    ("pods", "/api/v1/pods", true),
    ("replicasets", "/apis/apps/v1/replicasets", true),
    ("roles", "/apis/rbac.authorization.k8s.io/v1/roles", true),
    ("rolebindings", "/apis/rbac.authorization.k8s.io/v1/rolebindings", true),
    ("secrets", "/api/v1/secrets", true),
    ("serviceaccounts", "/api/v1/serviceaccounts", true),
    ("services", "/api/v1/services", true),
    ("statefulsets", "/apis/apps/v1/statefulsets", true),
    ("storageclasses", "/apis/storage.k8s.io/v1/storageclasses", false),
];

/// Other spellings of the types above (singular and short names).
const ALIASES: &[(&str, &str)] = &[
    ("cm", "configmaps"),
    ("configmap", "configmaps"),
    ("cj", "cronjobs"),
    ("cronjob", "cronjobs"),
    ("ds", "daemonsets"),
    ("daemonset", "daemonsets"),
    ("deploy", "deployments"),
    ("deployment", "deployments"),
    ("ep", "endpoints"),
    ("ev", "events"),
    ("event", "events"),
    ("ing", "ingresses"),
    ("ingress", "ingresses"),
    ("job", "jobs"),
    ("ns", "namespaces"),
    ("namespace", "namespaces"),
    ("netpol", "networkpolicies"),
    ("no", "nodes"),
    ("node", "nodes"),
    ("pvc", "persistentvolumeclaims"),
    ("persistentvolumeclaim", "persistentvolumeclaims"),
    ("pv", "persistentvolumes"),
    ("persistentvolume", "persistentvolumes"),
    ("po", "pods"),
    ("pod", "pods"),
    ("rs", "replicasets"),
    ("replicaset", "replicasets"),
    ("role", "roles"),
    ("rolebinding", "rolebindings"),
    ("secret", "secrets"),
    ("sa", "serviceaccounts"),
    ("serviceaccount", "serviceaccounts"),
    ("svc", "services"),
    ("service", "services"),
    ("sts", "statefulsets"),
    ("statefulset", "statefulsets"),
    ("sc", "storageclasses"),
    ("storageclass", "storageclasses"),
];

/// Subcommands whose first argument is a resource type and the second an object name.
const TYPED: &[&str] = &[
    "annotate", "delete", "describe", "edit", "get", "label", "patch", "scale", "explain",
];

/// The collection path and namespacing of a resource type as typed (`po`, `deploy`, `pods`).
pub fn resource(typed: &str) -> Option<(&'static str, bool)> {
    let typed = typed.to_ascii_lowercase();
    let plural = ALIASES
        .iter()
        .find(|(a, _)| *a == typed)
        .map(|(_, p)| *p)
        .unwrap_or(typed.as_str());
    RESOURCES
        .iter()
        .find(|(n, _, _)| *n == plural)
        .map(|(_, path, ns)| (*path, *ns))
}

/// What to ask the API for: names of objects of a type (a collection path), in a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameQuery {
    pub path: &'static str,
    pub namespace: Option<String>,
}

impl NameQuery {
    /// The request path: the collection inside the namespace when there is one.
    pub fn url(&self) -> String {
        match (&self.namespace, self.path.rsplit_once('/')) {
            (Some(ns), Some((prefix, plural))) if self.path != "/api/v1/namespaces" && self.path != "/api/v1/nodes" => {
                format!("{prefix}/namespaces/{ns}/{plural}")
            }
            _ => self.path.to_string(),
        }
    }
}

/// The result of completing a line: the new line, and the candidates to list when the word
/// could not be completed to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub line: String,
    pub listing: Vec<String>,
}

/// Completes the last word of `line`. `names` answers name queries (the caller asks the API).
pub fn complete(
    line: &str,
    alias_kubectl: &dyn Fn(&str) -> bool,
    names: &mut dyn FnMut(&NameQuery) -> Vec<String>,
) -> Completion {
    let start = line.rfind([' ', '\t', ';', '|', '&']).map(|i| i + 1).unwrap_or(0);
    let (head, word) = line.split_at(start);
    // Words of the current command (after the last ; | &&).
    let cmd_start = head.rfind([';', '|', '&']).map(|i| i + 1).unwrap_or(0);
    let words: Vec<&str> = head.get(cmd_start..).unwrap_or("").split_whitespace().collect();
    let candidates: Vec<String> = match words.split_first() {
        None => owned(COMMANDS.iter().copied().filter(|c| c.starts_with(word))),
        Some((cmd, args)) if *cmd == "kubectl" || alias_kubectl(cmd) => kubectl(args, word, names),
        Some(_) => Vec::new(),
    };
    finish(head, word, candidates)
}

fn owned<'a>(it: impl Iterator<Item = &'a str>) -> Vec<String> {
    it.map(str::to_string).collect()
}

fn kubectl(args: &[&str], word: &str, names: &mut dyn FnMut(&NameQuery) -> Vec<String>) -> Vec<String> {
    if let Some(prev) = args.last() {
        if matches!(*prev, "-o" | "--output") {
            return owned(OUTPUTS.iter().copied().filter(|o| o.starts_with(word)));
        }
        if matches!(*prev, "-n" | "--namespace") {
            return filter(
                names(&NameQuery {
                    path: "/api/v1/namespaces",
                    namespace: None,
                }),
                word,
            );
        }
    }
    if word.starts_with('-') {
        return owned(FLAGS.iter().copied().filter(|f| f.starts_with(word)));
    }
    // Positional words so far, skipping flags and the values of flags that take one.
    let mut positional = Vec::new();
    let mut namespace = None;
    let mut all_namespaces = false;
    let mut i = 0;
    while let Some(a) = args.get(i) {
        if matches!(*a, "-n" | "--namespace") {
            namespace = args.get(i + 1).map(|s| s.to_string());
            i += 2;
            continue;
        }
        if let Some(ns) = a.strip_prefix("--namespace=").or_else(|| a.strip_prefix("-n=")) {
            namespace = Some(ns.to_string());
        } else if matches!(*a, "-A" | "--all-namespaces") {
            all_namespaces = true;
        } else if matches!(*a, "-o" | "--output" | "-l" | "--selector" | "-f" | "--filename") {
            i += 1;
        } else if !a.starts_with('-') {
            positional.push(*a);
        }
        i += 1;
    }
    let namespace = if all_namespaces {
        None
    } else {
        Some(namespace.unwrap_or_else(|| "default".to_string()))
    };
    match positional.as_slice() {
        [] => owned(SUBCOMMANDS.iter().copied().filter(|s| s.starts_with(word))),
        ["cordon" | "uncordon" | "drain" | "taint"] => filter(
            names(&NameQuery {
                path: "/api/v1/nodes",
                namespace: None,
            }),
            word,
        ),
        ["logs" | "exec" | "attach" | "port-forward"] => filter(
            names(&NameQuery {
                path: "/api/v1/pods",
                namespace,
            }),
            word,
        ),
        [sub] if TYPED.contains(sub) => {
            // `get pod/<TAB>` completes names of that type.
            if let Some((typed, partial)) = word.split_once('/') {
                return match resource(typed) {
                    Some((path, namespaced)) => {
                        let q = NameQuery {
                            path,
                            namespace: if namespaced { namespace } else { None },
                        };
                        filter(names(&q), partial)
                            .into_iter()
                            .map(|n| format!("{typed}/{n}"))
                            .collect()
                    }
                    None => Vec::new(),
                };
            }
            owned(RESOURCES.iter().map(|(n, _, _)| *n).filter(|n| n.starts_with(word)))
        }
        [sub, typed, ..] if TYPED.contains(sub) => match resource(typed) {
            Some((path, namespaced)) => filter(
                names(&NameQuery {
                    path,
                    namespace: if namespaced { namespace } else { None },
                }),
                word,
            ),
            None => Vec::new(),
        },
        ["rollout"] => owned(
            ["history", "pause", "restart", "resume", "status", "undo"]
                .into_iter()
                .filter(|s| s.starts_with(word)),
        ),
        ["create"] => owned(
            [
                "configmap",
                "cronjob",
                "deployment",
                "ingress",
                "job",
                "namespace",
                "role",
                "rolebinding",
                "secret",
                "service",
                "serviceaccount",
            ]
            .into_iter()
            .filter(|s| s.starts_with(word)),
        ),
        ["config"] => owned(
            ["current-context", "get-contexts", "set-context", "use-context", "view"]
                .into_iter()
                .filter(|s| s.starts_with(word)),
        ),
        _ => Vec::new(),
    }
}

fn filter(mut names: Vec<String>, prefix: &str) -> Vec<String> {
    names.retain(|n| n.starts_with(prefix));
    names.sort();
    names.dedup();
    names
}

/// One candidate: the word is replaced and a space added (not after `/` or `=`). Several: the
/// word is extended to their common prefix, and they are listed if that added nothing.
fn finish(head: &str, word: &str, mut candidates: Vec<String>) -> Completion {
    candidates.sort();
    candidates.dedup();
    match candidates.as_slice() {
        [] => Completion {
            line: format!("{head}{word}"),
            listing: Vec::new(),
        },
        [only] => {
            let space = if only.ends_with('=') || only.ends_with('/') {
                ""
            } else {
                " "
            };
            Completion {
                line: format!("{head}{only}{space}"),
                listing: Vec::new(),
            }
        }
        [first, rest @ ..] => {
            let mut prefix = first.clone();
            for c in rest {
                while !c.starts_with(prefix.as_str()) {
                    prefix.pop();
                }
            }
            if prefix.len() > word.len() {
                Completion {
                    line: format!("{head}{prefix}"),
                    listing: Vec::new(),
                }
            } else {
                Completion {
                    line: format!("{head}{word}"),
                    listing: candidates,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(line: &str) -> (String, Vec<String>, Vec<NameQuery>) {
        let mut queries = Vec::new();
        let mut names = |q: &NameQuery| {
            queries.push(q.clone());
            match q.path {
                "/api/v1/nodes" => vec!["controlplane".into(), "node01".into(), "node02".into()],
                "/api/v1/pods" => vec!["web-1".into(), "web-2".into(), "db-0".into()],
                "/api/v1/namespaces" => vec!["default".into(), "kube-system".into(), "kube-public".into()],
                _ => Vec::new(),
            }
        };
        let c = complete(line, &|w| w == "k", &mut names);
        (c.line, c.listing, queries)
    }

    #[test]
    fn words_complete_to_one_candidate_with_a_space() {
        let cases = [
            ("kub", "kubectl "),
            ("kubectl ge", "kubectl get "),
            ("k get depl", "k get deployments "),
            ("kubectl get nodes node0", "kubectl get nodes node0"),
            ("kubectl cordon node0", "kubectl cordon node0"),
            ("kubectl cordon n", "kubectl cordon node0"),
            ("kubectl get pods -o ya", "kubectl get pods -o yaml "),
            ("kubectl get pods -o json", "kubectl get pods -o json"),
            ("kubectl get po d", "kubectl get po db-0 "),
            ("kubectl logs d", "kubectl logs db-0 "),
            ("kubectl get pods -n kube-s", "kubectl get pods -n kube-system "),
            ("kubectl get po/d", "kubectl get po/db-0 "),
            ("kubectl apply --dry", "kubectl apply --dry-run=client "),
            ("kubectl get pods -o cust", "kubectl get pods -o custom-columns="),
            ("echo hi; kubectl desc", "echo hi; kubectl describe "),
            ("kubectl rollout st", "kubectl rollout status "),
            ("cat x | gr", "cat x | grep "),
            ("grep foo", "grep foo"),
        ];
        for (line, want) in cases {
            assert_eq!(run(line).0, want, "{line:?}");
        }
    }

    #[test]
    fn ambiguous_words_extend_to_the_common_prefix_or_list_the_candidates() {
        let (line, listing, _) = run("kubectl get pods w");
        assert_eq!(line, "kubectl get pods web-");
        assert!(listing.is_empty());
        let (line, listing, _) = run("kubectl get pods web-");
        assert_eq!(line, "kubectl get pods web-");
        assert_eq!(listing, ["web-1", "web-2"]);
        let (_, listing, _) = run("kubectl cordon ");
        assert_eq!(listing, ["controlplane", "node01", "node02"]);
    }

    #[test]
    fn name_queries_use_the_namespace_typed_on_the_line() {
        let (_, _, q) = run("kubectl -n dev get pods w");
        assert_eq!(
            q,
            [NameQuery {
                path: "/api/v1/pods",
                namespace: Some("dev".into())
            }]
        );
        let (_, _, q) = run("kubectl get pods -A w");
        assert_eq!(
            q,
            [NameQuery {
                path: "/api/v1/pods",
                namespace: None
            }]
        );
        let (_, _, q) = run("kubectl get no x");
        assert_eq!(
            q,
            [NameQuery {
                path: "/api/v1/nodes",
                namespace: None
            }]
        );
        let (_, _, q) = run("kubectl get pods x");
        assert_eq!(q[0].namespace.as_deref(), Some("default"));
        let (_, _, q) = run("kubectl get widgets x");
        assert!(q.is_empty());
    }

    #[test]
    fn name_queries_become_namespaced_request_paths() {
        let q = |path, ns: Option<&str>| {
            NameQuery {
                path,
                namespace: ns.map(str::to_string),
            }
            .url()
        };
        assert_eq!(q("/api/v1/pods", Some("dev")), "/api/v1/namespaces/dev/pods");
        assert_eq!(
            q("/apis/apps/v1/deployments", Some("default")),
            "/apis/apps/v1/namespaces/default/deployments"
        );
        assert_eq!(q("/api/v1/pods", None), "/api/v1/pods");
        assert_eq!(q("/api/v1/nodes", Some("x")), "/api/v1/nodes");
    }

    #[test]
    fn unicode_and_empty_lines_do_not_break_completion() {
        assert_eq!(run("").1.len(), COMMANDS.len());
        assert_eq!(run("écho ü").0, "écho ü");
        assert_eq!(run("kubectl get pods é").0, "kubectl get pods é");
    }
}
