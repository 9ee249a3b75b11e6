//! kubernetes.io's example manifests (tests/examples/website/, taken from kubernetes/website's
//! content/en/examples; SOURCES-*.tsv name the commit of each file) applied one by one to a fresh
//! default cluster: what `kubectl apply -f` prints and the pods two minutes later must be what
//! Kubernetes v1.37 gives (tests/examples/expected.txt). Entries marked `# images: …`,
//! `# differs apply: …` or `# differs pods: …` are known gaps: they record kubeplay's outcome
//! (a change is reported, not failed) and count against the figures; every other entry is
//! v1.37's outcome and must match.
//!
//! `KUBEPLAY_EXAMPLES=record cargo test --test examples` rewrites expected.txt with kubeplay's
//! outcomes, keeping the marks (review the diff: an unmarked entry is a claim about v1.37). `KUBEPLAY_EXAMPLES=only:PREFIX` runs the files whose
//! path starts with PREFIX.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[path = "examples/harness.rs"]
mod harness;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/examples/website")
}

fn expected_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/examples/expected.txt")
}

fn manifests(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        if path.is_dir() {
            manifests(&path, &rel, out);
        } else if harness::is_manifest(&rel) {
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((rel, text));
            }
        }
    }
}

/// Runs every file in its own copy of a booted default cluster, with only that file in the
/// shell's home; the files are shared out over one thread per core, each with its own cluster
/// (the same seed, so the outcome does not depend on the thread).
fn run_all(files: &[(String, String)]) -> Vec<harness::Outcome> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len());
    let mut outcomes: Vec<Option<harness::Outcome>> = vec![None; files.len()];
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    let base = cluster::Cluster::new(1);
                    let mut sh = shell::Shell::new(base.clone(), Box::new(shell::MemoryFs::default()));
                    let before = harness::pod_keys(&mut sh);
                    let mut done = Vec::new();
                    for (i, (path, text)) in files.iter().enumerate().skip(t).step_by(threads) {
                        let fs = shell::MemoryFs::default().with_file(&format!("{}/{path}", shell::HOME), text);
                        let mut sh = shell::Shell::new(base.clone(), Box::new(fs));
                        done.push((i, harness::run_one(&mut sh, path, &before)));
                    }
                    done
                })
            })
            .collect();
        for worker in workers {
            for (i, outcome) in worker.join().expect("an examples worker panicked") {
                outcomes[i] = Some(outcome);
            }
        }
    });
    outcomes.into_iter().map(Option::unwrap_or_default).collect()
}

fn percent(n: usize, of: usize) -> f64 {
    if of == 0 {
        100.0
    } else {
        n as f64 * 100.0 / of as f64
    }
}

#[test]
fn kubernetes_io_examples_behave_as_on_v1_37() {
    let mode = std::env::var("KUBEPLAY_EXAMPLES").unwrap_or_default();
    let only = mode.strip_prefix("only:").unwrap_or("");
    let record = mode == "record";

    let mut files = Vec::new();
    manifests(&corpus_dir(), "", &mut files);
    files.retain(|(p, _)| p.starts_with(only));
    assert!(!files.is_empty(), "no manifests under {}", corpus_dir().display());

    let expected_text = std::fs::read_to_string(expected_path()).unwrap_or_default();
    let expected: BTreeMap<String, harness::Expected> = harness::parse_expected(&expected_text)
        .into_iter()
        .map(|e| (e.path.clone(), e))
        .collect();

    let outcomes = run_all(&files);

    let mut results: Vec<harness::Expected> = Vec::new();
    let (mut apply_ok, mut pods_ok, mut with_pods) = (0, 0, 0);
    let mut failures = Vec::new();
    let mut gaps_changed = Vec::new();
    let mut unknown = Vec::new();
    for ((path, _), actual) in files.iter().zip(outcomes) {
        let Some(want) = expected.get(path) else {
            unknown.push(path.clone());
            results.push(harness::Expected {
                path: path.clone(),
                known_gap: None,
                outcome: actual,
            });
            continue;
        };
        let same = actual == want.outcome;
        // A marked entry records kubeplay's outcome, which v1.37's is not.
        apply_ok += usize::from(actual.apply == want.outcome.apply && !want.apply_differs());
        if (!want.outcome.pods.is_empty() || !actual.pods.is_empty()) && !want.waits_on_images() {
            with_pods += 1;
            pods_ok += usize::from(actual.pods == want.outcome.pods && want.known_gap.is_none());
        }
        match (&want.known_gap, same) {
            (None, false) => failures.push(format!(
                "--- {path}\n--- v1.37:\n{}-- pods\n{}\n--- kubeplay:\n{}-- pods\n{}\n",
                want.outcome.apply,
                want.outcome.pods.join("\n"),
                actual.apply,
                actual.pods.join("\n")
            )),
            (Some(_), false) => gaps_changed.push(path.clone()),
            _ => {}
        }
        results.push(harness::Expected {
            outcome: if record { actual } else { want.outcome.clone() },
            ..want.clone()
        });
    }

    let known = files.len() - unknown.len();
    let images = results.iter().filter(|e| e.waits_on_images()).count();
    let other_gaps = results.iter().filter(|e| e.known_gap.is_some()).count() - images;
    println!(
        "kubernetes.io examples: {} files; apply matches v1.37 for {apply_ok}/{known} ({:.1}%); \
         pod outcome matches for {pods_ok}/{with_pods} files with pods that do not wait on images \
         ({:.1}%); known gaps: {images} wait on images, {other_gaps} other",
        files.len(),
        percent(apply_ok, known),
        percent(pods_ok, with_pods),
    );
    for path in &gaps_changed {
        println!("a known gap changed (is it v1.37's outcome now? then drop its mark): {path}");
    }

    if record {
        if only.is_empty() {
            std::fs::write(expected_path(), harness::render_expected(&results)).expect("write expected.txt");
        } else {
            // Keep the entries of files outside the prefix.
            let mut all = expected;
            for r in results {
                all.insert(r.path.clone(), r);
            }
            let all: Vec<_> = all.into_values().collect();
            std::fs::write(expected_path(), harness::render_expected(&all)).expect("write expected.txt");
        }
        return;
    }
    assert!(unknown.is_empty(), "no expected outcome for: {unknown:?} (record them)");
    assert!(
        failures.is_empty(),
        "{} files differ from v1.37:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
