//! The kubeplay line interpreter: reads lines as a POSIX shell reads what people type in
//! Kubernetes tutorials and runs kubectl, sleep, echo, pipes into grep/head/… against one
//! cluster. Both the native binary and the browser terminal use it.
//!
//! Entry type: [`Shell`]. Front ends call [`is_complete`] to decide whether to prompt for more
//! input (open quote, here-document, trailing `|`), then [`Shell::run_line`].

mod awk;
mod builtins;
mod exec;
mod expand;
pub mod fs;
mod history;
mod parse;
mod regex;
mod sed;
mod text;

use std::collections::{BTreeMap, BTreeSet};

use cluster::Cluster;
use kubectl::{KubeConfig, Output};
use serde::{Deserialize, Serialize};

pub use fs::{EditScript, FileSystem, FsError, MemoryFs};
pub use parse::is_complete;

/// What running a line produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineResult {
    /// stdout and stderr as the terminal shows them, in order.
    pub output: Output,
    /// `$?` after the line.
    pub exit_code: i32,
    /// `clear` ran: the front end clears the screen before showing `output` (which holds only
    /// what was printed after the clear).
    pub clear: bool,
    /// `exit` ran: the front end ends the session (`exit_code` is the status).
    pub exit: bool,
}

/// Everything the shell remembers between lines; front ends persist it with serde.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShellState {
    pub aliases: BTreeMap<String, String>,
    pub history: Vec<String>,
    /// Shell variables, exported or not.
    pub vars: BTreeMap<String, String>,
    /// Names of the exported variables (what `env` prints).
    pub exported: BTreeSet<String>,
    pub kubeconfig: KubeConfig,
    /// `$?`.
    pub last_status: i32,
    /// The working directory (absolute).
    pub cwd: String,
    /// The state of bash's `$RANDOM` generator (set by assigning `RANDOM=n`).
    #[serde(default = "default_random_seed")]
    pub random_seed: u32,
}

fn default_random_seed() -> u32 {
    1
}

/// The home directory: exam and tutorial machines work as root.
pub const HOME: &str = "/root";
/// The host name of the machine the shell pretends to run on.
pub const HOSTNAME: &str = "controlplane";
/// How many history entries are kept (bash's HISTSIZE on Ubuntu).
const HISTSIZE: usize = 1000;

impl Default for ShellState {
    fn default() -> Self {
        let vars: BTreeMap<String, String> = [
            ("HOME", HOME),
            ("HOSTNAME", HOSTNAME),
            ("LANG", "C.UTF-8"),
            ("LOGNAME", "root"),
            ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            ("PWD", HOME),
            ("SHELL", "/bin/bash"),
            ("TERM", "xterm-256color"),
            ("USER", "root"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let exported = vars.keys().cloned().collect();
        ShellState {
            // Exam machines define this alias; kubernetes.io's kubectl cheat sheet suggests it.
            aliases: [("k".to_string(), "kubectl".to_string())].into(),
            history: Vec::new(),
            vars,
            exported,
            kubeconfig: KubeConfig::default(),
            last_status: 0,
            cwd: HOME.to_string(),
            random_seed: default_random_seed(),
        }
    }
}

/// Where a non-interactive script comes from: bash names it in syntax errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptOrigin {
    /// `bash -c 'LINE'`: `bash: -c: line N: …`.
    Command,
    /// `bash FILE`: `FILE: line N: …`.
    File(String),
    /// A script piped to bash: `bash: …`.
    Stdin,
}

/// Per-run signals (not persisted).
#[derive(Debug, Default)]
struct RunFlags {
    clear: bool,
    exit: bool,
    /// Typed at the prompt (`run_line`), not a script or `bash -c`: only then does `exit` say so.
    interactive: bool,
    /// Nesting of command substitutions, subshells and functions: bounds recursion.
    depth: usize,
    /// Status of the last command substitution in the current simple command.
    cmdsub_status: Option<i32>,
    /// Captured output of process substitutions `<(…)`, by their /dev/fd path.
    proc_files: BTreeMap<String, String>,
    /// Nesting of commands being executed (compound commands, function calls).
    exec_depth: usize,
    /// `$1`, `$2`, … of the running function.
    positional: Vec<String>,
    /// One frame per running function: variables `local` shadowed, with their old values.
    locals: Vec<Vec<(String, Option<String>)>>,
}

/// The interpreter: shell state, files and the cluster it talks to.
pub struct Shell {
    cluster: Cluster,
    fs: Box<dyn FileSystem>,
    state: ShellState,
    run: RunFlags,
    /// Shell functions defined so far (with their here-documents); not persisted.
    functions: BTreeMap<String, std::rc::Rc<(parse::Command, Vec<parse::HereDoc>)>>,
}

impl Shell {
    pub fn new(cluster: Cluster, fs: Box<dyn FileSystem>) -> Self {
        Self::with_state(cluster, fs, ShellState::default())
    }

    /// Restores a shell saved with [`Shell::state`].
    pub fn with_state(cluster: Cluster, fs: Box<dyn FileSystem>, state: ShellState) -> Self {
        Shell {
            cluster,
            fs,
            state,
            run: RunFlags::default(),
            functions: BTreeMap::new(),
        }
    }

    pub fn state(&self) -> &ShellState {
        &self.state
    }
    pub fn state_mut(&mut self) -> &mut ShellState {
        &mut self.state
    }
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }
    pub fn cluster_mut(&mut self) -> &mut Cluster {
        &mut self.cluster
    }
    pub fn fs(&self) -> &dyn FileSystem {
        self.fs.as_ref()
    }
    pub fn fs_mut(&mut self) -> &mut dyn FileSystem {
        self.fs.as_mut()
    }

    /// Runs what the user typed (possibly several lines, once [`is_complete`] says it is
    /// whole) as an interactive bash does: history expansion (`!!`, `!$`, …; the expanded
    /// command is echoed), then recording in the history, then running.
    pub fn run_line(&mut self, line: &str) -> LineResult {
        let expanded = match history::expand(line, &self.state.history) {
            Ok(e) => e,
            Err(event) => {
                // bash drops the line: nothing runs, `$?` and the history stay as they were.
                let mut output = Output::default();
                output.stderr(format!("bash: {event}: event not found\n"));
                return LineResult {
                    output,
                    exit_code: self.state.last_status,
                    clear: false,
                    exit: false,
                };
            }
        };
        let line = expanded.as_deref().unwrap_or(line);
        self.record_history(line);
        let mut result = self.run_lines(line, &exec::Origin::Interactive);
        if let Some(e) = &expanded {
            // bash shows the command it is about to run.
            if !result.clear {
                let mut shown = Output::default();
                shown.stdout(format!("{}\n", e.trim_end_matches('\n')));
                shown.append(std::mem::take(&mut result.output));
                result.output = shown;
            }
        }
        result
    }

    /// Runs several lines non-interactively as `bash -c` does (a tutorial script,
    /// `kubeplay -c`): command by command, without history expansion or recording; stops at
    /// `exit` and at a syntax error (`bash: -c: line N: …`).
    pub fn run_script(&mut self, script: &str) -> LineResult {
        self.run_script_from(script, &ScriptOrigin::Command)
    }

    /// [`Shell::run_script`] for a script read from a file or from standard input, which bash
    /// names differently in syntax errors.
    pub fn run_script_from(&mut self, script: &str, origin: &ScriptOrigin) -> LineResult {
        let origin = match origin {
            ScriptOrigin::Command => exec::Origin::Named("bash: -c".to_string()),
            ScriptOrigin::File(path) => exec::Origin::Named(path.clone()),
            ScriptOrigin::Stdin => exec::Origin::Unnamed("bash".to_string()),
        };
        self.run_lines(script, &origin)
    }

    fn run_lines(&mut self, script: &str, origin: &exec::Origin) -> LineResult {
        self.run = RunFlags {
            interactive: *origin == exec::Origin::Interactive,
            ..RunFlags::default()
        };
        // The top level has no positional parameters.
        let mut out = Output::default();
        self.exec_script_from(script, origin, &mut out, true);
        self.run.clear = take_clear(&mut out);
        LineResult {
            output: out,
            exit_code: self.state.last_status,
            clear: self.run.clear,
            exit: self.run.exit,
        }
    }

    fn record_history(&mut self, line: &str) {
        let entry = line.trim_end_matches('\n');
        // Ubuntu's .bashrc sets HISTCONTROL=ignoreboth.
        if entry.trim().is_empty() || entry.starts_with(' ') {
            return;
        }
        if self.state.history.last().map(String::as_str) == Some(entry) {
            return;
        }
        self.state.history.push(entry.to_string());
        if self.state.history.len() > HISTSIZE {
            let extra = self.state.history.len() - HISTSIZE;
            self.state.history.drain(..extra);
        }
    }
}

/// When `clear` reached the terminal, drops everything printed before it (the screen is
/// cleared anyway) and reports it.
fn take_clear(out: &mut Output) -> bool {
    let seq = exec::CLEAR_SEQUENCE;
    let Some(i) = out
        .chunks
        .iter()
        .rposition(|(s, t)| *s == kubectl::Stream::Stdout && t.contains(seq))
    else {
        return false;
    };
    let mut rest: Vec<(kubectl::Stream, String)> = out.chunks.split_off(i);
    if let Some((_, first)) = rest.first_mut() {
        if let Some(pos) = first.rfind(seq) {
            *first = first.get(pos + seq.len()..).unwrap_or("").to_string();
        }
    }
    let mut cleared = Output::default();
    for (s, t) in rest {
        match s {
            kubectl::Stream::Stdout => cleared.stdout(t),
            kubectl::Stream::Stderr => cleared.stderr(t),
        }
    }
    *out = cleared;
    true
}

#[cfg(test)]
mod tests;
