//! Deterministic fuzzing: random command lines built from what learners type, and mutated
//! manifests, must never panic the shell, kubectl or the API server.

use cluster::Cluster;
use shell::{MemoryFs, Shell};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A fresh default cluster: one is booted, then cloned (booting runs five virtual minutes).
fn fresh_cluster() -> Cluster {
    static TEMPLATE: std::sync::OnceLock<Cluster> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| Cluster::new(3)).clone()
}

/// A small xorshift generator: the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "kubectl",
    "k",
    "get",
    "describe",
    "create",
    "apply",
    "delete",
    "label",
    "annotate",
    "patch",
    "scale",
    "set",
    "image",
    "env",
    "resources",
    "taint",
    "cordon",
    "uncordon",
    "expose",
    "run",
    "edit",
    "replace",
    "rollout",
    "status",
    "api-resources",
    "explain",
    "config",
    "view",
    "pods",
    "po",
    "deploy",
    "deployment",
    "svc",
    "service",
    "nodes",
    "node01",
    "ns",
    "all",
    "cm",
    "configmap",
    "secret",
    "generic",
    "tls",
    "docker-registry",
    "job",
    "cronjob",
    "quota",
    "ingress",
    "role",
    "rolebinding",
    "clusterrole",
    "web",
    "nginx",
    "pods,svc",
    "deploy/web",
    "-n",
    "-A",
    "-o",
    "yaml",
    "json",
    "wide",
    "name",
    "-oyaml",
    "-ojsonpath={.items[*].metadata.name}",
    "-o=custom-columns=N:.metadata.name",
    "-l",
    "app=web",
    "app!=x,tier in (a,b)",
    "--field-selector",
    "status.phase=Running",
    "--sort-by=.metadata.name",
    "--show-labels",
    "-L",
    "app",
    "--no-headers",
    "--image=nginx:1.25",
    "--replicas=3",
    "--replicas=-1",
    "--port=80",
    "--type=NodePort",
    "--from-literal=a=b",
    "--dry-run=client",
    "--dry-run=server",
    "--overwrite",
    "a=b",
    "a-",
    "--all",
    "--grace-period=0",
    "--force",
    "--",
    "-f",
    "-",
    "missing.yaml",
    "web.yaml",
    "--type=json",
    "-p",
    "'{\"spec\":{\"replicas\":2}}'",
    "'[{\"op\":\"add\"}]'",
    "'{bad'",
    "\"",
    "'",
    "\\",
    "|",
    "||",
    "&&",
    ";",
    "&",
    ">",
    ">>",
    "<",
    "<<EOF",
    "$(",
    ")",
    "`",
    "{",
    "}",
    "(",
    "#",
    "$?",
    "$HOME",
    "${X:-y}",
    "~",
    "*",
    "grep",
    "-i",
    "-v",
    "-c",
    "-E",
    "'('",
    "head",
    "-n",
    "-5",
    "tail",
    "+2",
    "wc",
    "-l",
    "sort",
    "-r",
    "-k2",
    "cut",
    "-d' '",
    "-f1",
    "awk",
    "'{print $1}'",
    "'{print $'",
    "sed",
    "'s/a/b/'",
    "echo",
    "cat",
    "sleep",
    "1",
    "1m",
    "-3",
    "abc",
    "alias",
    "history",
    "help",
    "clear",
    "export",
    "X=1",
    "unset",
    "cd",
    "ls",
    "watch",
    "date",
    "-v=6",
    "--v=9",
    "--namespace=kube-system",
    "--context=nope",
    "=",
    "==",
    "!",
    "!!",
    "!$",
    "\u{0}",
    "é",
    "🙂",
    "\t",
    "9999999999999999999999",
    "-0",
    "--=",
    "---",
    "-",
    "--bogus",
];

fn random_line(rng: &mut Rng) -> String {
    let n = 1 + rng.below(8);
    let mut parts = Vec::with_capacity(n);
    for _ in 0..n {
        parts.push(rng.pick(WORDS));
    }
    let mut line = parts.join(if rng.below(5) == 0 { "" } else { " " });
    if rng.below(3) == 0 {
        line = format!("kubectl {line}");
    }
    line
}

const MANIFEST: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 80, nodePort: 30080}]
---
{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}, \"data\": {\"a\": \"b\"}}
";

/// Deletes, duplicates or replaces a few characters of `text`.
fn mutate(rng: &mut Rng, text: &str) -> String {
    const NOISE: &[&str] = &[
        "",
        " ",
        "\n",
        "\t",
        ":",
        "-",
        "[",
        "]",
        "{",
        "}",
        "\"",
        "'",
        "&a",
        "*a",
        "!!int",
        "99999999999999999999",
        "null",
        "#",
        "---",
        "\u{feff}",
        "\u{0}",
    ];
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        if chars.is_empty() {
            break;
        }
        let at = rng.below(chars.len());
        match rng.below(3) {
            0 => {
                let len = 1 + rng.below(8);
                let end = (at + len).min(chars.len());
                chars.drain(at..end);
            }
            1 => {
                let noise: Vec<char> = rng.pick(NOISE).chars().collect();
                chars.splice(at..at, noise);
            }
            _ => {
                let from = rng.below(chars.len());
                let c = chars[from];
                chars.insert(at, c);
            }
        }
    }
    chars.into_iter().collect()
}

fn shell_with(manifest: &str) -> Shell {
    let fs = MemoryFs::new().with_file("/root/web.yaml", manifest);
    Shell::new(fresh_cluster(), Box::new(fs))
}

#[test]
fn random_command_lines_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut sh = shell_with(MANIFEST);
    let mut panics = Vec::new();
    for i in 0..1500 {
        if i % 250 == 0 {
            sh = shell_with(MANIFEST);
            sh.run_line("kubectl apply -f web.yaml");
        }
        let line = random_line(&mut rng);
        if catch_unwind(AssertUnwindSafe(|| sh.run_line(&line))).is_err() {
            panics.push(line);
            sh = shell_with(MANIFEST);
        }
    }
    assert!(
        panics.is_empty(),
        "{} line(s) panicked:\n{}",
        panics.len(),
        panics.join("\n")
    );
}

#[test]
fn mutated_manifests_never_panic() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut panics = Vec::new();
    for _ in 0..200 {
        let text = mutate(&mut rng, MANIFEST);
        let mut sh = shell_with(&text);
        for verb in ["apply", "create", "replace"] {
            let line = format!("kubectl {verb} -f web.yaml");
            if catch_unwind(AssertUnwindSafe(|| sh.run_line(&line))).is_err() {
                panics.push(format!("{verb}: {text:?}"));
            }
        }
    }
    assert!(
        panics.is_empty(),
        "{} manifest(s) panicked:\n{}",
        panics.len(),
        panics.join("\n")
    );
}
