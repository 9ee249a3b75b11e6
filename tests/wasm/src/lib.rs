//! The transcript tests of tests/transcripts/, compiled into the crate so they can run where there
//! is no file system: `cargo test -p transcripts-wasm --target wasm32-unknown-unknown` runs them
//! under Node (wasm-bindgen-test), proving that the wasm build of the core prints exactly what the
//! native one does. Parsing and replay are the native harness's own (tests/transcripts/harness.rs).

#[path = "../../transcripts/harness.rs"]
pub mod harness;

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
