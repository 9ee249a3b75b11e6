//! The kubernetes.io examples corpus: each manifest of tests/examples/website/ is applied on its
//! own to a fresh default cluster, and two virtual minutes later its pods are summarised. The
//! outcome is compared with what Kubernetes v1.37 does (tests/examples/expected.txt). Shared by
//! the native test (tests/examples.rs) and the wasm32 sample (tests/wasm).

use std::collections::{BTreeMap, BTreeSet};

/// How long the cluster runs after the apply before its pods are summarised.
pub const SETTLE: &str = "sleep 120";

/// What one manifest does: what `kubectl apply -f` prints (and its exit code), then the pods it
/// led to, two minutes later.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub apply: String,
    pub pods: Vec<String>,
}

/// One file's entry in expected.txt: the outcome v1.37 gives or, when kubeplay does not give it
/// yet, kubeplay's outcome and why (`# images: …` waits on images that do not pull here yet;
/// `# differs apply: …` the apply already differs; `# differs pods: …` only the pods do).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expected {
    pub path: String,
    pub known_gap: Option<String>,
    pub outcome: Outcome,
}

impl Expected {
    pub fn waits_on_images(&self) -> bool {
        self.known_gap.as_deref().is_some_and(|g| g.starts_with("images:"))
    }
    pub fn apply_differs(&self) -> bool {
        self.known_gap
            .as_deref()
            .is_some_and(|g| g.starts_with("differs apply:"))
    }
}

/// Parses expected.txt: blocks of
/// ```text
/// == pods/simple-pod.yaml
/// # differs pods: why (optional)
/// pod/nginx created
/// -- pods
/// default/nginx 1/1 Running
/// ```
pub fn parse_expected(text: &str) -> Vec<Expected> {
    let mut out: Vec<Expected> = Vec::new();
    let mut in_pods = false;
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("== ") {
            out.push(Expected {
                path: path.to_string(),
                ..Expected::default()
            });
            in_pods = false;
            continue;
        }
        let Some(entry) = out.last_mut() else { continue };
        if line == "-- pods" {
            in_pods = true;
        } else if let Some(gap) = line.strip_prefix("# ") {
            entry.known_gap = Some(gap.to_string());
        } else if in_pods {
            entry.outcome.pods.push(line.to_string());
        } else {
            entry.outcome.apply.push_str(line);
            entry.outcome.apply.push('\n');
        }
    }
    out
}

/// Renders entries back in expected.txt's format.
pub fn render_expected(entries: &[Expected]) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&format!("== {}\n", e.path));
        if let Some(gap) = &e.known_gap {
            out.push_str(&format!("# {gap}\n"));
        }
        out.push_str(&e.outcome.apply);
        if !e.outcome.apply.is_empty() && !e.outcome.apply.ends_with('\n') {
            out.push('\n');
        }
        out.push_str("-- pods\n");
        for p in &e.outcome.pods {
            out.push_str(p);
            out.push('\n');
        }
    }
    out
}

/// Pods as `NAMESPACE/NAME READY STATUS` lines (kubectl's table columns), with a controller's
/// generated suffix written `*` and identical lines counted (`×3`), sorted.
fn summarise_pods(list: &serde_json::Value, table: &str, skip: &BTreeSet<String>) -> Vec<String> {
    let mut generated: BTreeMap<(String, String), String> = BTreeMap::new();
    for pod in list["items"].as_array().into_iter().flatten() {
        let meta = &pod["metadata"];
        let (Some(ns), Some(name)) = (meta["namespace"].as_str(), meta["name"].as_str()) else {
            continue;
        };
        if let Some(prefix) = meta["generateName"]
            .as_str()
            .filter(|g| !g.is_empty() && name.starts_with(g))
        {
            generated.insert((ns.to_string(), name.to_string()), format!("{prefix}*"));
        }
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for row in table.lines() {
        let cells: Vec<&str> = row.split_whitespace().collect();
        let [ns, name, ready, status, ..] = cells[..] else {
            continue;
        };
        if skip.contains(&format!("{ns}/{name}")) {
            continue;
        }
        let shown = generated
            .get(&(ns.to_string(), name.to_string()))
            .map_or(name, String::as_str);
        *counts.entry(format!("{ns}/{shown} {ready} {status}")).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(line, n)| if n == 1 { line } else { format!("{line} ×{n}") })
        .collect()
}

/// The pods of a cluster as `NAMESPACE/NAME` keys (to leave the default cluster's own out).
pub fn pod_keys(sh: &mut shell::Shell) -> BTreeSet<String> {
    let table = sh.run_line("kubectl get pods -A --no-headers").output.stdout_text();
    table
        .lines()
        .filter_map(|row| {
            let mut cells = row.split_whitespace();
            Some(format!("{}/{}", cells.next()?, cells.next()?))
        })
        .collect()
}

/// Applies `path` (already in the shell's file system, relative to its home) in `sh`, lets two
/// minutes pass and summarises the pods that were not in `before`.
pub fn run_one(sh: &mut shell::Shell, path: &str, before: &BTreeSet<String>) -> Outcome {
    let applied = sh.run_line(&format!("kubectl apply -f {path}"));
    let mut apply = applied.output.combined();
    if !apply.is_empty() && !apply.ends_with('\n') {
        apply.push('\n');
    }
    if applied.exit_code != 0 {
        apply.push_str(&format!("[exit {}]\n", applied.exit_code));
    }
    sh.run_line(SETTLE);
    let table = sh.run_line("kubectl get pods -A --no-headers").output.stdout_text();
    let json = sh.run_line("kubectl get pods -A -o json").output.stdout_text();
    let list = serde_json::from_str(&json).unwrap_or(serde_json::Value::Null);
    Outcome {
        apply,
        pods: summarise_pods(&list, &table, before),
    }
}

/// The manifests of the corpus: files ending in .yaml, .yml or .json.
pub fn is_manifest(path: &str) -> bool {
    [".yaml", ".yml", ".json"].iter().any(|x| path.ends_with(x))
}
