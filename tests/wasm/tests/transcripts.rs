//! The same transcripts as the native tests/transcripts.rs, run in wasm32 under Node.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::wasm_bindgen_test;

fn check(dir: &str) {
    if let Err(report) = transcripts_wasm::check_dir(dir) {
        panic!("{report}");
    }
}

#[wasm_bindgen_test]
fn client_side_output_matches_the_real_kubectl() {
    check("client");
}

#[wasm_bindgen_test]
fn cluster_transcripts_hold() {
    check("cluster");
}

#[wasm_bindgen_test]
fn the_determinism_scenario_replays_identically_twice_in_one_instance() {
    let (_, text) = transcripts_wasm::transcripts_in("cluster")
        .into_iter()
        .find(|(name, _)| *name == "cluster/determinism.txt")
        .expect("cluster/determinism.txt is embedded");
    let first = transcripts_wasm::replay(text);
    assert_eq!(first, transcripts_wasm::replay(text));
    assert!(
        first.contains("uid: "),
        "the scenario shows UIDs, so equality means something:\n{first}"
    );
}
