//! Malformed input never panics and never changes what it should not: every case below gets a
//! clean error, a non-zero exit code, and leaves the cluster's objects as they were.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// What a failed command must leave alone: the store. Every write moves the API server's
/// resourceVersion and nothing else does, so comparing it is comparing every object.
fn objects(sh: &shell::Shell) -> u64 {
    sh.cluster().resource_version()
}

fn deep_yaml(depth: usize) -> String {
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n");
    for i in 0..depth {
        s.push_str(&" ".repeat(2 + i));
        s.push_str("a:\n");
    }
    s
}

fn manifests() -> Vec<(&'static str, String)> {
    let pod = |spec: &str| format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n{spec}");
    vec![
        ("truncated yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    image: [".to_string()),
        ("truncated json", "{\"apiVersion\": \"v1\", \"kind\":".to_string()),
        ("tab indentation", "apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n".to_string()),
        ("mapping in scalar", "apiVersion: v1\nkind: Pod: x\n".to_string()),
        ("no kind", "apiVersion: v1\nmetadata:\n  name: x\n".to_string()),
        ("no apiVersion", "kind: Pod\nmetadata:\n  name: x\n".to_string()),
        ("unknown kind", "apiVersion: v1\nkind: Potato\nmetadata:\n  name: x\n".to_string()),
        ("scalar document", "just a string\n".to_string()),
        ("list document", "- a\n- b\n".to_string()),
        ("wrong type: containers is a string", pod("  containers: nginx\n")),
        ("wrong type: metadata is a number", "apiVersion: v1\nkind: Pod\nmetadata: 5\n".to_string()),
        ("wrong type: labels is a list", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: [a, b]\n".to_string()),
        ("wrong type: replicas is a word", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: three\n  selector:\n    matchLabels: {app: d}\n  template:\n    metadata:\n      labels: {app: d}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n".to_string()),
        ("huge integer", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 99999999999999999999999999\n".to_string()),
        ("huge float", pod("  terminationGracePeriodSeconds: 1e400\n  containers:\n  - name: c\n    image: nginx\n")),
        ("negative port", pod("  containers:\n  - name: c\n    image: nginx\n    ports:\n    - containerPort: -1\n")),
        ("unknown field", pod("  containers:\n  - name: c\n    image: nginx\n    imagePullPolcy: Always\n")),
        ("invalid name", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n".to_string()),
        ("deep nesting", deep_yaml(300)),
        ("deep json", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
        ("control characters", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \u{0}\u{1}\u{7f}\n".to_string()),
        ("binary-looking data", (0u32..600).map(|i| char::from_u32((i * 7919) % 0xD7FF).unwrap_or('x')).collect()),
        ("anchors bomb", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n".to_string()),
        ("List with garbage items", "apiVersion: v1\nkind: List\nitems:\n- 5\n- [x]\n".to_string()),
        ("removed apiVersion", "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: old\nspec:\n  template:\n    metadata:\n      labels: {app: old}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n".to_string()),
    ]
}

const COMMAND_LINES: &[&str] = &[
    "kubectl get pods 'abc",
    "echo \"abc",
    "kubectl --bogus-flag get pods",
    "kubectl get pods --bogus",
    "kubectl get pods -o jsonpath='{.items[' ",
    "kubectl get pods -o custom-columns=NAME",
    "kubectl get nodes --sort-by='{'",
    "kubectl get pods -l '!!!'",
    "kubectl get pods -l 'a in (b'",
    "kubectl get pods --field-selector='a=b=c=d'",
    "kubectl get pods --field-selector='spec.bogus=x'",
    "kubectl -v=abc get pods",
    "kubectl create deployment",
    "kubectl create deployment web --image=nginx --replicas=99999999999999999999",
    "kubectl create configmap c --from-literal=",
    "kubectl create secret tls t --cert=missing.crt --key=missing.key",
    "kubectl scale deployment nope --replicas=-5",
    "kubectl label pods --all a=b=c",
    "kubectl taint nodes node01 a=b:NoSuchEffect",
    "kubectl patch node node01 -p '{not json'",
    "kubectl patch node node01 --type=json -p '[{\"op\": \"explode\"}]'",
    "kubectl delete",
    "kubectl apply -f",
    "kubectl apply -f missing.yaml",
    "|",
    "&&",
    ";;",
    "kubectl get pods | ",
    "$(",
    "kubectl get pods $(echo",
    "awk '{print $'",
    "grep -E '(' missing",
    "head -n x missing",
    "sleep -5",
    "sleep abc",
    "\u{0}\u{1}\u{2}",
];

/// One shell for every case: a failed command must leave the store as it was, so the cases can
/// share a cluster (and booting one per case would dominate the run).
fn shared_shell(files: &[(String, String)]) -> shell::Shell {
    let mut fs = shell::MemoryFs::default();
    for (path, text) in files {
        fs = fs.with_file(path, text);
    }
    shell::Shell::new(cluster::Cluster::new(1), Box::new(fs))
}

#[test]
fn malformed_manifests_get_clean_errors_and_change_nothing() {
    let mut failures = Vec::new();
    let cases = manifests();
    let files: Vec<(String, String)> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, text))| (format!("/root/bad{i}.yaml"), text.clone()))
        .collect();
    let mut sh = shared_shell(&files);
    for (i, (what, _)) in cases.iter().enumerate() {
        for verb in ["create", "apply"] {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let before = objects(&sh);
                let result = sh.run_line(&format!("kubectl {verb} -f bad{i}.yaml"));
                let after = objects(&sh);
                (result, before == after)
            }));
            match outcome {
                Err(_) => failures.push(format!("{what} ({verb}): PANICKED")),
                Ok((result, unchanged)) => {
                    if result.exit_code == 0 {
                        failures.push(format!(
                            "{what} ({verb}): exit 0, output {:?}",
                            result.output.combined()
                        ));
                    }
                    if result.output.stderr_text().trim().is_empty() {
                        failures.push(format!("{what} ({verb}): no error message"));
                    }
                    if !unchanged {
                        failures.push(format!("{what} ({verb}): the store changed"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn malformed_command_lines_get_clean_errors_and_change_nothing() {
    let mut failures = Vec::new();
    let huge = format!("kubectl get pods {}", "x".repeat(1 << 20));
    let lines: Vec<&str> = COMMAND_LINES
        .iter()
        .copied()
        .chain(std::iter::once(huge.as_str()))
        .collect();
    let mut sh = shared_shell(&[]);
    for line in lines {
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let before = objects(&sh);
            let result = sh.run_line(line);
            (result, before == objects(&sh))
        }));
        let shown: String = line.chars().take(60).collect();
        match outcome {
            Err(_) => failures.push(format!("{shown:?}: PANICKED")),
            Ok((result, unchanged)) => {
                if result.exit_code == 0 {
                    failures.push(format!("{shown:?}: exit 0, output {:?}", result.output.combined()));
                }
                if !unchanged {
                    failures.push(format!("{shown:?}: the store changed"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn empty_input_is_a_no_op() {
    let mut sh = shell::Shell::new(cluster::Cluster::new(1), Box::new(shell::MemoryFs::default()));
    let before = objects(&sh);
    for line in ["", "   ", "\n", "# just a comment"] {
        let result = sh.run_line(line);
        assert_eq!(result.exit_code, 0, "{line:?}");
        assert_eq!(result.output.combined(), "", "{line:?}");
    }
    assert_eq!(before, objects(&sh));
}
