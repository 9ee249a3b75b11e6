//! The native `kubeplay` binary: `-c LINE`, `--state FILE`, scripts on stdin.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn kubeplay(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubeplay"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("kubeplay runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kubeplay-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn state_file_keeps_the_cluster_and_only_sleep_moves_time() {
    let dir = temp_dir("state");
    let out = kubeplay(&["--state", "s.json", "-c", "kubectl create ns demo"], &dir);
    assert_eq!(
        text(&out.stdout),
        "namespace/demo created\n",
        "stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(dir.join("s.json").exists());

    let out = kubeplay(&["--state", "s.json", "-c", "sleep 90; kubectl get ns demo"], &dir);
    assert_eq!(
        text(&out.stdout),
        "NAME   STATUS   AGE\ndemo   Active   90s\n",
        "stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn exit_code_and_streams_are_those_of_the_emulated_command() {
    let dir = temp_dir("exit");
    let out = kubeplay(&["-c", "kubectl get pods nope"], &dir);
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "Error from server (NotFound): pods \"nope\" not found\n"
    );
    assert_eq!(out.status.code(), Some(1));

    let out = kubeplay(&["-c", "frobnicate"], &dir);
    assert_eq!(text(&out.stderr), "bash: frobnicate: command not found\n");
    assert_eq!(out.status.code(), Some(127));
}

#[test]
fn a_corrupt_state_file_is_reported_and_left_alone() {
    let dir = temp_dir("corrupt");
    std::fs::write(dir.join("s.json"), "{ not json").expect("write");
    let out = kubeplay(&["--state", "s.json", "-c", "kubectl get ns"], &dir);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("s.json"), "stderr: {}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.join("s.json")).expect("read"), "{ not json");
}

#[test]
fn a_script_on_stdin_runs_line_by_line() {
    let dir = temp_dir("stdin");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeplay"))
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"kubectl create ns a\nkubectl apply -f - <<EOF\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: a\ndata:\n  k: v\nEOF\nkubectl get cm c -n a -o jsonpath='{.data.k}'\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(text(&out.stdout), "namespace/a created\nconfigmap/c created\nv");
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
}

#[test]
fn kubectl_f_reads_files_relative_to_the_working_directory() {
    let dir = temp_dir("files");
    std::fs::write(
        dir.join("ns.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: from-file\n",
    )
    .expect("write");
    let out = kubeplay(&["-c", "kubectl create -f ns.yaml"], &dir);
    assert_eq!(
        text(&out.stdout),
        "namespace/from-file created\n",
        "stderr: {}",
        text(&out.stderr)
    );
}
