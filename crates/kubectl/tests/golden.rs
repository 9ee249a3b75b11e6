//! Transcript tests: every case in tests/golden/*.txt was recorded from the real kubectl
//! v1.37.1 (client-side behaviour: generators with --dry-run=client, --local, flag and
//! argument errors); kubeplay's kubectl must print the same bytes and exit the same way.

mod common;

use common::World;
use serde_json::json;
use std::path::Path;

/// Splits a command line as a POSIX shell would for the quoting used in the transcripts.
fn shell_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                has = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                has = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                cur.push(e);
                            }
                        }
                        _ => cur.push(d),
                    }
                }
            }
            c if c.is_whitespace() => {
                if has {
                    out.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            c => {
                has = true;
                cur.push(c);
            }
        }
    }
    if has {
        out.push(cur);
    }
    out
}

/// (command line, expected combined output with `[exit N]`) pairs.
fn cases(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(cmd) = line.strip_prefix("$ kubectl ") {
            out.push((cmd.trim_end_matches('\n').to_string(), String::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(line);
        }
    }
    out
}

fn world_with_files() -> World {
    let mut w = World::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/files");
    fn walk(base: &Path, rel: &str, w: &mut World) {
        let Ok(entries) = std::fs::read_dir(base.join(rel)) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if e.path().is_dir() {
                walk(base, &path, w);
            } else if let Ok(text) = std::fs::read_to_string(e.path()) {
                w.host.files.insert(path, text);
            }
        }
    }
    walk(&dir, "", &mut w);
    w.cluster.put(json!({
        "apiVersion": "batch/v1", "kind": "CronJob",
        "metadata": {"name": "cj", "namespace": "default", "uid": "1234-uid"},
        "spec": {"schedule": "* * * * *", "jobTemplate": {"metadata": {"labels": {"x": "y"}}, "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "OnFailure"}}}}}
    }));
    w
}

fn check(file: &str) {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(file)).unwrap();
    let mut failures = Vec::new();
    let all = cases(&text);
    for (cmd, want) in &all {
        let mut w = world_with_files();
        let (code, out) = w.run_args(&shell_words(cmd));
        let mut got = out.combined();
        if code != 0 {
            got.push_str(&format!("[exit {code}]\n"));
        }
        if &got != want {
            failures.push(format!("$ kubectl {cmd}\n--- want\n{want}--- got\n{got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn generators_match_the_real_kubectl() {
    check("create.txt");
}

#[test]
fn run_set_label_expose_patch_match_the_real_kubectl() {
    check("more.txt");
}

#[test]
fn shell_words_handle_quotes() {
    assert_eq!(shell_words("a 'b c' \"d\\\"e\" f=''"), vec!["a", "b c", "d\"e", "f="]);
}

#[test]
fn command_line_help_and_errors_match_the_real_kubectl() {
    check("cli.txt");
}

/// `-f` handling: multi-document files, directories and `-R`, decode errors, removed
/// apiVersions. Recorded from the real kubectl with a discovery-only fake server; the
/// `hint:` lines after "ensure CRDs are installed first" are kubeplay's addition.
#[test]
fn file_inputs_match_the_real_kubectl() {
    check("files.txt");
}

/// Output formats of generators (`-o json` in Go struct order, jsonpath, refused formats),
/// `--append-hash` for secrets, `--save-config` JSON.
#[test]
fn generator_output_formats_match_the_real_kubectl() {
    check("extra.txt");
}
