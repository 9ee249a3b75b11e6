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

#[wasm_bindgen_test]
fn a_transcript_with_the_wrong_output_is_reported_with_its_command_and_first_differing_line() {
    let wrong = "$ kubectl create ns demo\nnamespace/demo configured\n";
    let actual = transcripts_wasm::replay(wrong);
    assert_eq!(actual, "$ kubectl create ns demo\nnamespace/demo created\n");
    let report = transcripts_wasm::harness::first_difference("t.txt", wrong, &actual);
    assert!(report.contains("$ kubectl create ns demo\n"), "{report}");
    assert!(
        report.contains("line 1:\n-\"namespace/demo configured\"\n+\"namespace/demo created\"\n"),
        "{report}"
    );
}

#[wasm_bindgen_test]
fn the_fixture_files_are_in_the_shells_home() {
    let out = transcripts_wasm::replay("$ kubectl create -f web.yaml --dry-run=client -o name\n");
    assert!(out.contains("\ndeployment.apps/web\n"), "{out}");
}

#[wasm_bindgen_test]
fn a_sample_of_the_kubernetes_io_examples_behaves_as_natively() {
    match transcripts_wasm::check_examples() {
        Ok(checked) => assert!(checked >= 10, "only {checked} examples were checked"),
        Err(report) => panic!("{report}"),
    }
}
