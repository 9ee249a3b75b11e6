//! Transcript tests: each file under tests/transcripts/ is a list of `$ command` lines, each
//! followed by the output a terminal shows (`[no newline at end]` after output that lacks one)
//! and `[exit N]` when N is not 0. The files under
//! client/ were recorded from the real kubectl v1.37.1 (tests/transcripts/record.py); the files
//! under cluster/ are kubeplay's own, checked by reading them against upstream behaviour.
//! `KUBEPLAY_BLESS=1 cargo test --test transcripts` rewrites the files under cluster/ with
//! kubeplay's output (review the diff!); client/ files are only ever rewritten by record.py.
//! Every file runs in a fresh default cluster (seed 1) with tests/transcripts/files/ as its
//! working directory (the shell's home, /root).

use std::path::{Path, PathBuf};

/// Marks output that did not end with a newline (e.g. `-o jsonpath=…`).
const NO_NEWLINE: &str = "\n[no newline at end]\n";

struct Step {
    command: String,
    expected: String,
}

fn parse(text: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(cmd) = line.strip_prefix("$ ") {
            steps.push(Step { command: cmd.trim_end_matches('\n').to_string(), expected: String::new() });
        } else if let Some(step) = steps.last_mut() {
            step.expected.push_str(line);
        }
    }
    steps
}

fn files_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/files")
}

fn memory_fs() -> shell::MemoryFs {
    let mut fs = shell::MemoryFs::default();
    if let Ok(entries) = std::fs::read_dir(files_dir()) {
        for entry in entries.flatten() {
            if let (Some(name), Ok(text)) = (entry.file_name().to_str(), std::fs::read_to_string(entry.path())) {
                fs = fs.with_file(&format!("{}/{name}", shell::HOME), &text);
            }
        }
    }
    fs
}

/// Runs one transcript file and returns it re-rendered with kubeplay's output.
fn replay(text: &str) -> String {
    let mut sh = shell::Shell::new(cluster::Cluster::new(1), Box::new(memory_fs()));
    let mut out = String::new();
    for step in parse(text) {
        let result = sh.run_line(&step.command);
        let text = result.output.combined();
        out.push_str(&format!("$ {}\n{text}", step.command));
        if !text.is_empty() && !text.ends_with('\n') {
            out.push_str(NO_NEWLINE);
        }
        if result.exit_code != 0 {
            out.push_str(&format!("[exit {}]\n", result.exit_code));
        }
    }
    out
}

fn check_dir(dir: &str) {
    let bless = dir == "cluster" && std::env::var_os("KUBEPLAY_BLESS").is_some();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts").join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "txt")).collect())
        .unwrap_or_default();
    paths.sort();
    assert!(!paths.is_empty(), "no transcripts in {}", root.display());
    let mut failures = Vec::new();
    for path in paths {
        let expected = std::fs::read_to_string(&path).expect("read transcript");
        let actual = replay(&expected);
        if bless && actual != expected {
            std::fs::write(&path, &actual).expect("bless transcript");
            continue;
        }
        if actual != expected {
            failures.push(first_difference(&path, &expected, &actual));
        }
    }
    assert!(failures.is_empty(), "{} transcript(s) differ:\n{}", failures.len(), failures.join("\n"));
}

/// The command whose output differs, with both outputs, so a failure reads like a diff.
fn first_difference(path: &Path, expected: &str, actual: &str) -> String {
    let (e, a) = (parse(expected), parse(actual));
    for (x, y) in e.iter().zip(a.iter()) {
        if x.expected != y.expected {
            return format!(
                "--- {}\n$ {}\n--- expected:\n{}--- kubeplay:\n{}",
                path.display(),
                x.command,
                x.expected,
                y.expected
            );
        }
    }
    format!("--- {}: step count differs", path.display())
}

#[test]
fn client_side_output_matches_the_real_kubectl() {
    check_dir("client");
}

#[test]
fn cluster_transcripts_hold() {
    check_dir("cluster");
}
