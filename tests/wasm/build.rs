//! Embeds tests/transcripts/ into the test binary (wasm has no file system): writes
//! `$OUT_DIR/embedded.rs` with `include_str!` entries for every `DIR/*.txt` transcript and every
//! fixture under files/, so a new transcript file is picked up without editing this crate.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../transcripts");
    // A directory here makes Cargo rerun this script when anything under it changes.
    println!("cargo:rerun-if-changed={}", root.display());

    let mut transcripts: Vec<(String, PathBuf)> = Vec::new();
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for dir in sorted_entries(&root).into_iter().filter(|p| p.is_dir()) {
        let Some(dir_name) = dir.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
            continue;
        };
        for path in sorted_entries(&dir).into_iter().filter(|p| p.is_file()) {
            let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
                continue;
            };
            if dir_name == "files" {
                files.push((name, path));
            } else if name.ends_with(".txt") {
                transcripts.push((format!("{dir_name}/{name}"), path));
            }
        }
    }

    let mut out = String::new();
    out.push_str("/// Every transcript as (DIR/NAME.txt, text), sorted by name.\n");
    out.push_str("pub const TRANSCRIPTS: &[(&str, &str)] = &[\n");
    for (name, path) in &transcripts {
        let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", absolute(path));
    }
    out.push_str("];\n\n/// Every fixture file of tests/transcripts/files/ as (NAME, text), sorted by name.\n");
    out.push_str("pub const FILES: &[(&str, &str)] = &[\n");
    for (name, path) in &files {
        let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", absolute(path));
    }
    out.push_str("];\n");

    // A sample of the kubernetes.io examples corpus (every 24th manifest, in path order) and the
    // outcomes it expects; natively tests/examples.rs runs all of them.
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    println!("cargo:rerun-if-changed={}", examples.display());
    let mut manifests: Vec<(String, PathBuf)> = Vec::new();
    collect_manifests(&examples.join("website"), "", &mut manifests);
    out.push_str("\n/// Every 24th kubernetes.io example as (path under website/, text).\n");
    out.push_str("pub const EXAMPLES: &[(&str, &str)] = &[\n");
    for (name, path) in manifests.iter().step_by(24) {
        let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", absolute(path));
    }
    out.push_str("];\n");
    let _ = writeln!(
        out,
        "/// tests/examples/expected.txt.\npub const EXAMPLES_EXPECTED: &str = include_str!({:?});",
        absolute(&examples.join("expected.txt"))
    );

    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR is set by Cargo")).join("embedded.rs");
    std::fs::write(&dest, out).expect("write embedded.rs");
}

fn collect_manifests(dir: &Path, prefix: &str, out: &mut Vec<(String, PathBuf)>) {
    for path in sorted_entries(dir) {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        if path.is_dir() {
            collect_manifests(&path, &rel, out);
        } else if [".yaml", ".yml", ".json"].iter().any(|x| rel.ends_with(x)) {
            out.push((rel, path));
        }
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

fn absolute(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}
