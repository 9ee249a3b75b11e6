//! The native `kubeplay` shell: the composition root's front end for terminals and scripts.
//! This is the only code (besides web/) that touches files, stdin, the terminal and $EDITOR.

mod realfs;

use cluster::Cluster;
use serde_json::{json, Value};
use shell::{LineResult, Shell, ShellState};
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

/// Format version of the state file written by `--state`.
const STATE_FORMAT: u64 = 1;

const USAGE: &str = "\
kubeplay — Kubernetes v1.37 in a simulated cluster

Usage:
  kubeplay [--state FILE] [--seed N]              interactive shell
  kubeplay [--state FILE] [--seed N] -c 'LINE'    run one line
  kubeplay [--state FILE] [--seed N] SCRIPT       run a script (or pipe one on stdin)

Options:
  --state FILE   load the cluster from FILE (a new default cluster when FILE is missing)
                 and save it back when done
  --seed N       seed of a new cluster (default 1)
  -c LINE        run LINE and exit with its exit code
  -h, --help     show this help
  --version      show the version
";

struct Args {
    state: Option<String>,
    seed: u64,
    command: Option<String>,
    script: Option<String>,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        state: None,
        seed: 1,
        command: None,
        script: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(None);
            }
            "--version" => {
                println!(
                    "kubeplay {} (Kubernetes {})",
                    env!("CARGO_PKG_VERSION"),
                    cluster::bootstrap::KUBERNETES_VERSION
                );
                return Ok(None);
            }
            "--state" => args.state = Some(it.next().ok_or("--state needs a FILE")?),
            "--seed" => {
                let v = it.next().ok_or("--seed needs a number")?;
                args.seed = v.parse().map_err(|_| format!("--seed: not a number: {v}"))?;
            }
            "-c" => args.command = Some(it.next().ok_or("-c needs a LINE")?),
            s if s.starts_with("--state=") => args.state = Some(s["--state=".len()..].to_string()),
            s if s.starts_with('-') && s != "-" => return Err(format!("unknown option: {s}\n\n{USAGE}")),
            s => {
                if args.script.is_some() {
                    return Err(format!("only one SCRIPT may be given\n\n{USAGE}"));
                }
                args.script = Some(s.to_string());
            }
        }
    }
    Ok(Some(args))
}

/// Loads `--state FILE`: `Ok(None)` when the file does not exist yet.
fn load_state(path: &str) -> Result<Option<(Cluster, ShellState)>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read state file {path}: {e}")),
    };
    let saved: Value = serde_json::from_str(&text).map_err(|e| format!("state file {path} is not valid JSON: {e}"))?;
    match saved.get("kubeplayState").and_then(Value::as_u64) {
        Some(STATE_FORMAT) => {}
        Some(v) => {
            return Err(format!(
                "state file {path} has format {v}; this kubeplay reads format {STATE_FORMAT}"
            ))
        }
        None => return Err(format!("{path} is not a kubeplay state file")),
    }
    let cluster = Cluster::restore(saved.get("cluster").cloned().unwrap_or(Value::Null))
        .map_err(|e| format!("state file {path}: {e}"))?;
    if let Some(report) = cluster.restore_report() {
        eprintln!("kubeplay: warning: state file {path}: {report}");
    }
    let shell: ShellState = serde_json::from_value(saved.get("shell").cloned().unwrap_or(Value::Null))
        .map_err(|e| format!("state file {path}: the shell state is corrupt: {e}"))?;
    Ok(Some((cluster, shell)))
}

fn save_state(path: &str, sh: &Shell) -> Result<(), String> {
    let saved = json!({
        "kubeplayState": STATE_FORMAT,
        "cluster": sh.cluster().snapshot(),
        "shell": sh.state(),
    });
    let text = serde_json::to_string(&saved).map_err(|e| e.to_string())?;
    // Write then rename, so an interrupted save never leaves half a file.
    let tmp = format!("{path}.tmp");
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot save state file {path}: {e}"))
}

fn print(result: &LineResult) {
    let (mut out, mut err) = (std::io::stdout().lock(), std::io::stderr().lock());
    for (stream, text) in &result.output.chunks {
        // A closed pipe (e.g. `| head`) is not worth a panic.
        let _ = match stream {
            kubectl::Stream::Stdout => out.write_all(text.as_bytes()).and_then(|()| out.flush()),
            kubectl::Stream::Stderr => err.write_all(text.as_bytes()).and_then(|()| err.flush()),
        };
    }
}

fn interactive(sh: &mut Shell) -> i32 {
    let mut editor = match rustyline::DefaultEditor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("kubeplay: cannot start line editing: {e}");
            return 1;
        }
    };
    for line in &sh.state().history {
        let _ = editor.add_history_entry(line.as_str());
    }
    println!(
        "kubeplay: a Kubernetes {} cluster (controlplane, node01, node02). Type `help`.",
        cluster::bootstrap::KUBERNETES_VERSION
    );
    let mut status = 0;
    loop {
        let mut input = String::new();
        let mut prompt = prompt(sh);
        loop {
            match editor.readline(&prompt) {
                Ok(line) => {
                    input.push_str(&line);
                    input.push('\n');
                    if shell::is_complete(&input) {
                        break;
                    }
                    prompt = "> ".to_string();
                }
                Err(rustyline::error::ReadlineError::Interrupted) => {
                    input.clear();
                    break;
                }
                Err(_) => return status,
            }
        }
        if input.trim().is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(input.trim_end());
        let result = sh.run_line(&input);
        if result.clear {
            print!("\x1b[H\x1b[2J");
        }
        print(&result);
        status = result.exit_code;
        if result.exit {
            return status;
        }
    }
}

fn prompt(sh: &Shell) -> String {
    let cwd = &sh.state().cwd;
    let home = sh.state().vars.get("HOME").cloned().unwrap_or_default();
    let shown = match cwd.strip_prefix(&home) {
        Some(rest) if !home.is_empty() => format!("~{rest}"),
        _ => cwd.clone(),
    };
    format!("root@{}:{shown}# ", shell::HOSTNAME)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => return ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kubeplay: {e}");
            return ExitCode::from(2);
        }
    };
    let (cluster, mut state) = match args.state.as_deref().map(load_state).transpose() {
        Ok(Some(Some(loaded))) => loaded,
        Ok(_) => (Cluster::new(args.seed), ShellState::default()),
        Err(e) => {
            eprintln!("kubeplay: {e}");
            return ExitCode::from(1);
        }
    };
    // The virtual shell works in the real working directory, so `-f x.yaml` finds x.yaml.
    if let Ok(dir) = std::env::current_dir() {
        state.cwd = dir.to_string_lossy().into_owned();
    }
    let mut sh = Shell::with_state(cluster, Box::new(realfs::RealFs), state);

    let status = if let Some(line) = &args.command {
        // `bash -c` is not interactive: no history expansion, nothing recorded.
        let result = sh.run_script(line);
        print(&result);
        result.exit_code
    } else {
        let script = match &args.script {
            Some(path) => match std::fs::read_to_string(path) {
                Ok(s) => Some((s, shell::ScriptOrigin::File(path.clone()))),
                Err(e) => {
                    eprintln!("kubeplay: {path}: {e}");
                    return ExitCode::from(127);
                }
            },
            None if !std::io::stdin().is_terminal() => {
                let mut s = String::new();
                if let Err(e) = std::io::stdin().read_to_string(&mut s) {
                    eprintln!("kubeplay: cannot read stdin: {e}");
                    return ExitCode::from(1);
                }
                Some((s, shell::ScriptOrigin::Stdin))
            }
            None => None,
        };
        match script {
            Some((s, origin)) => {
                let result = sh.run_script_from(&s, &origin);
                print(&result);
                result.exit_code
            }
            None => interactive(&mut sh),
        }
    };

    if let Some(path) = &args.state {
        if let Err(e) = save_state(path, &sh) {
            eprintln!("kubeplay: {e}");
            return ExitCode::from(1);
        }
    }
    ExitCode::from(u8::try_from(status.rem_euclid(256)).unwrap_or(1))
}
