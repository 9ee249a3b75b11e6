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

// Shared with the wasm32 harness (tests/wasm), which runs these same files under Node.
#[path = "transcripts/harness.rs"]
mod harness;

fn files_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts/files")
}

fn memory_fs() -> shell::MemoryFs {
    let mut files: Vec<(String, String)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(files_dir()) {
        for entry in entries.flatten() {
            if let (Some(name), Ok(text)) = (entry.file_name().to_str(), std::fs::read_to_string(entry.path())) {
                files.push((name.to_string(), text));
            }
        }
    }
    harness::memory_fs(files.iter().map(|(name, text)| (name.as_str(), text.as_str())))
}

fn check_dir(dir: &str) {
    let bless = dir == "cluster" && std::env::var_os("KUBEPLAY_BLESS").is_some();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/transcripts")
        .join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&root)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    assert!(!paths.is_empty(), "no transcripts in {}", root.display());
    let mut failures = Vec::new();
    for path in paths {
        let expected = std::fs::read_to_string(&path).expect("read transcript");
        let actual = harness::replay(&expected, memory_fs());
        if bless && actual != expected {
            std::fs::write(&path, &actual).expect("bless transcript");
            continue;
        }
        if actual != expected {
            failures.push(harness::first_difference(
                &path.display().to_string(),
                &expected,
                &actual,
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} transcript(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn client_side_output_matches_the_real_kubectl() {
    check_dir("client");
}

#[test]
fn cluster_transcripts_hold() {
    check_dir("cluster");
}
