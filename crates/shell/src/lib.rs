//! The kubeplay line interpreter: reads lines as a POSIX shell reads what people type in
//! Kubernetes tutorials and runs kubectl, sleep, echo, pipes into grep/head/… against one
//! cluster. Both the native binary and the browser terminal use it.
//!
//! Entry type: [`Shell`]. Front ends call [`is_complete`] to decide whether to prompt for more
//! input (open quote, here-document, trailing `|`), then [`Shell::run_line`].
//!
//! Commands that wait (`sleep`, `kubectl get -w`, `rollout status`, `wait`, `delete`, `drain`,
//! `logs -f`, `events -w`) let virtual time pass through a [`Pace`]. The default,
//! [`Immediate`], advances the cluster at once, so [`Shell::run_line`] finishes in one go (the
//! native shell, tests). A front end that lets time pass at its own speed (the browser page)
//! installs its own pace with [`Shell::set_pace`] and drives [`Shell::run_line_async`]: the
//! line is then suspended while it waits, shows its output so far through
//! [`Shell::live_output`], and ends like bash on Ctrl-C when the pace resolves to false.

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

use std::cell::{Cell, Ref, RefCell, RefMut};
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

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

/// The boxed future of an interpreter step (see the wrappers in exec.rs).
pub(crate) type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// How a waiting command lets virtual time pass.
pub trait Pace {
    /// Resolves to true once the cluster's clock has reached `until`, false when the user
    /// interrupted (Ctrl-C). The future must not keep the cluster borrowed while pending: other
    /// shells on the same cluster (the page's editor, inspector) run in the meantime.
    fn until(&self, cluster: &Rc<RefCell<Cluster>>, until: sim::SimTime) -> Pin<Box<dyn Future<Output = bool>>>;
    /// Whether time passes on its own and the user can press Ctrl-C (a terminal): then
    /// `watch` refreshes its screen until interrupted instead of printing one screen.
    fn interactive(&self) -> bool {
        false
    }
    /// Whether the terminal is gone (the page was reset): like SIGHUP, it ends the whole line.
    /// Unlike Ctrl-C, which `watch` catches so that the line goes on, nothing outlives it.
    /// Checked once a wait has resolved to false.
    fn hung_up(&self) -> bool {
        false
    }
}

/// The pace of a shell without a clock of its own (native binary, tests, scripts): time jumps
/// to `until` at once, and nothing can interrupt.
#[derive(Debug, Clone, Copy, Default)]
pub struct Immediate;

impl Pace for Immediate {
    fn until(&self, cluster: &Rc<RefCell<Cluster>>, until: sim::SimTime) -> Pin<Box<dyn Future<Output = bool>>> {
        let mut c = cluster.borrow_mut();
        let d = until.since(c.now());
        // Advancing by 0 still lets the components settle, as a zero sleep always did.
        c.advance(sim::Duration::from_millis(d.as_millis().max(0)));
        Box::pin(std::future::ready(true))
    }
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
    /// A wait was interrupted (Ctrl-C): sticky until the line ends, so every later wait
    /// returns at once and nothing more of the line runs.
    interrupted: Cell<bool>,
    /// How many buffers (pipes, redirections, substitutions) stand between the running
    /// command and the terminal; 0 means its output may be shown live.
    buffered: usize,
    /// One frame per running function: variables `local` shadowed, with their old values.
    locals: Vec<Vec<(String, Option<String>)>>,
}

/// The interpreter: shell state, files and the cluster it talks to.
pub struct Shell {
    /// Shared, so that a front end can run another shell (or its own views) on the same
    /// cluster while a command of this one waits; never borrowed across a wait.
    cluster: Rc<RefCell<Cluster>>,
    pace: Rc<dyn Pace>,
    /// What the running line has written to the terminal so far (see [`Shell::live_output`]).
    live: Rc<RefCell<Output>>,
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
        Self::with_shared_cluster(Rc::new(RefCell::new(cluster)), fs, state)
    }

    /// A shell on a cluster another shell (or the front end) also uses; see
    /// [`Shell::cluster_handle`].
    pub fn with_shared_cluster(cluster: Rc<RefCell<Cluster>>, fs: Box<dyn FileSystem>, state: ShellState) -> Self {
        Shell {
            cluster,
            pace: Rc::new(Immediate),
            live: Rc::new(RefCell::new(Output::default())),
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
    /// The cluster, borrowed (do not hold it across an await of [`Shell::run_line_async`]).
    pub fn cluster(&self) -> Ref<'_, Cluster> {
        self.cluster.borrow()
    }
    pub fn cluster_mut(&mut self) -> RefMut<'_, Cluster> {
        self.cluster.borrow_mut()
    }
    /// The shared cluster, for another shell ([`Shell::with_shared_cluster`]) or a view.
    pub fn cluster_handle(&self) -> Rc<RefCell<Cluster>> {
        self.cluster.clone()
    }
    /// How waiting commands let time pass from now on (default [`Immediate`]).
    pub fn set_pace(&mut self, pace: Rc<dyn Pace>) {
        self.pace = pace;
    }
    /// What the running line has written to the terminal so far, for a front end to show
    /// while [`Shell::run_line_async`] is suspended in a wait (`kubectl get -w` streaming).
    /// Output reaches it at each wait, and only output bound for the terminal: a command whose
    /// stdout goes into a pipe, a redirection or `$(…)` is shown (or not) when that ends.
    /// The buffer is emptied when a line starts; the finished line's [`LineResult::output`]
    /// holds everything, this included.
    pub fn live_output(&self) -> Rc<RefCell<Output>> {
        self.live.clone()
    }
    pub fn fs(&self) -> &dyn FileSystem {
        self.fs.as_ref()
    }
    pub fn fs_mut(&mut self) -> &mut dyn FileSystem {
        self.fs.as_mut()
    }

    /// Runs what the user typed (possibly several lines, once [`is_complete`] says it is
    /// whole) as an interactive bash does: history expansion (`!!`, `!$`, …; the expanded
    /// command is echoed), then recording in the history, then running. Waits go through the
    /// pace at once; with a pace that leaves them pending, use [`Shell::run_line_async`].
    pub fn run_line(&mut self, line: &str) -> LineResult {
        let result = kubectl::poll_ready(self.run_line_async(line));
        result.unwrap_or_else(|| self.not_finished())
    }

    /// [`Shell::run_line`], suspended whenever a command waits on the pace. Dropping the
    /// future abandons the line.
    pub async fn run_line_async(&mut self, line: &str) -> LineResult {
        self.live.borrow_mut().chunks.clear();
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
        if let Some(e) = &expanded {
            // bash shows the command it is about to run.
            self.live.borrow_mut().stdout(format!("{}\n", e.trim_end_matches('\n')));
        }
        self.run_lines(line, &exec::Origin::Interactive).await
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
        let result = kubectl::poll_ready(self.run_script_async(script, origin));
        result.unwrap_or_else(|| self.not_finished())
    }

    /// [`Shell::run_script_from`], suspended whenever a command waits on the pace.
    pub async fn run_script_async(&mut self, script: &str, origin: &ScriptOrigin) -> LineResult {
        self.live.borrow_mut().chunks.clear();
        let origin = match origin {
            ScriptOrigin::Command => exec::Origin::Named("bash: -c".to_string()),
            ScriptOrigin::File(path) => exec::Origin::Named(path.clone()),
            ScriptOrigin::Stdin => exec::Origin::Unnamed("bash".to_string()),
        };
        self.run_lines(script, &origin).await
    }

    /// What a sync run returns when its pace left a wait pending (a front-end bug: such a
    /// pace needs the async entry points).
    fn not_finished(&mut self) -> LineResult {
        let mut output = std::mem::take(&mut *self.live.borrow_mut());
        output.stderr("kubeplay: this command waits for time to pass; the front end must run it asynchronously\n");
        self.state.last_status = 1;
        LineResult {
            output,
            exit_code: 1,
            clear: false,
            exit: false,
        }
    }

    async fn run_lines(&mut self, script: &str, origin: &exec::Origin) -> LineResult {
        self.run = RunFlags {
            interactive: *origin == exec::Origin::Interactive,
            ..RunFlags::default()
        };
        // The top level has no positional parameters.
        let mut out = Output::default();
        let flow = self.exec_script_from(script, origin, &mut out, true).await;
        if flow == exec::Flow::Interrupt || self.interrupted() {
            self.state.last_status = 130;
        }
        let mut all = std::mem::take(&mut *self.live.borrow_mut());
        all.append(out);
        self.run.clear = take_clear(&mut all);
        LineResult {
            output: all,
            exit_code: self.state.last_status,
            clear: self.run.clear,
            exit: self.run.exit,
        }
    }

    /// Whether a wait of this line was interrupted.
    pub(crate) fn interrupted(&self) -> bool {
        self.run.interrupted.get()
    }

    /// How the line goes on after Ctrl-C: it does not (bash's `$?` is 128 + SIGINT).
    pub(crate) fn interrupt_flow(&mut self) -> exec::Flow {
        self.state.last_status = 130;
        exec::Flow::Interrupt
    }

    /// Lets virtual time pass until `until` through the pace; false (from then on at once)
    /// when the user interrupted. What was written to the terminal is shown first.
    pub(crate) async fn wait_until(&mut self, until: sim::SimTime, out: &mut Output) -> bool {
        self.show_live(out);
        wait_on(&*self.pace, &self.cluster, &self.run.interrupted, until).await
    }

    /// Moves what `out` holds to the live terminal buffer, when `out` is the terminal itself.
    pub(crate) fn show_live(&self, out: &mut Output) {
        if self.run.buffered == 0 {
            self.live.borrow_mut().append(std::mem::take(out));
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

/// Waits on `pace` until `until`, recording an interrupt in `interrupted` (and not waiting
/// at all once it is set).
pub(crate) async fn wait_on(
    pace: &dyn Pace,
    cluster: &Rc<RefCell<Cluster>>,
    interrupted: &Cell<bool>,
    until: sim::SimTime,
) -> bool {
    if interrupted.get() {
        return false;
    }
    let reached = pace.until(cluster, until).await;
    if !reached {
        interrupted.set(true);
    }
    reached
}

/// When `clear` reached the terminal, drops everything printed before it (the screen is
/// cleared anyway) and reports it. Front ends showing a running line's live output use it too.
pub fn take_clear(out: &mut Output) -> bool {
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

#[cfg(test)]
mod pace_tests;
