//! The transcript tests of tests/transcripts/, compiled into the crate so they can run where there
//! is no file system: `cargo test -p transcripts-wasm --target wasm32-unknown-unknown` runs them
//! under Node (wasm-bindgen-test), proving that the wasm build of the core prints exactly what the
//! native one does. Parsing and replay are the native harness's own (tests/transcripts/harness.rs).

#[path = "../../transcripts/harness.rs"]
pub mod harness;

#[path = "../../examples/harness.rs"]
pub mod examples;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The transcripts under `dir` (e.g. "cluster"), as (DIR/NAME.txt, text).
pub fn transcripts_in(dir: &str) -> Vec<(&'static str, &'static str)> {
    let prefix = format!("{dir}/");
    TRANSCRIPTS
        .iter()
        .copied()
        .filter(|(name, _)| name.starts_with(&prefix))
        .collect()
}

/// Replays one transcript with the fixture files in the shell's home.
pub fn replay(text: &str) -> String {
    harness::replay(text, harness::memory_fs(FILES.iter().copied()))
}

/// Replays every transcript under `dir`; Err holds a readable diff of each one that differs.
pub fn check_dir(dir: &str) -> Result<usize, String> {
    let transcripts = transcripts_in(dir);
    if transcripts.is_empty() {
        return Err(format!("no transcripts embedded for {dir}/"));
    }
    let failures: Vec<String> = transcripts
        .iter()
        .filter_map(|(name, expected)| {
            let actual = replay(expected);
            (actual != *expected)
                .then(|| harness::first_difference(&format!("tests/transcripts/{name}"), expected, &actual))
        })
        .collect();
    if failures.is_empty() {
        Ok(transcripts.len())
    } else {
        Err(format!(
            "{} transcript(s) differ:\n{}",
            failures.len(),
            failures.join("\n")
        ))
    }
}

/// Runs the embedded sample of kubernetes.io examples; Err lists each file whose outcome differs
/// from tests/examples/expected.txt (files marked as known gaps are skipped).
pub fn check_examples() -> Result<usize, String> {
    let expected = examples::parse_expected(EXAMPLES_EXPECTED);
    let base = cluster::Cluster::new(1);
    let mut sh = shell::Shell::new(base.clone(), Box::new(shell::MemoryFs::default()));
    let before = examples::pod_keys(&mut sh);
    let mut checked = 0;
    let mut failures = Vec::new();
    for (path, text) in EXAMPLES {
        let Some(want) = expected.iter().find(|e| e.path == *path) else {
            failures.push(format!("{path}: no entry in expected.txt"));
            continue;
        };
        if want.known_gap.is_some() {
            continue;
        }
        let fs = shell::MemoryFs::default().with_file(&format!("{}/{path}", shell::HOME), text);
        let mut sh = shell::Shell::new(base.clone(), Box::new(fs));
        let actual = examples::run_one(&mut sh, path, &before);
        if actual != want.outcome {
            failures.push(format!("{path}:\n{:?}\nvs expected\n{:?}", actual, want.outcome));
        }
        checked += 1;
    }
    if failures.is_empty() {
        Ok(checked)
    } else {
        Err(failures.join("\n"))
    }
}
