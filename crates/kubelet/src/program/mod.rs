//! The container model: what a container "runs". A command line (ENTRYPOINT/CMD or the
//! pod's command/args) becomes a [`Process`] that produces log lines on virtual time, blocks
//! in `sleep`, reads and writes its in-memory files and exits with a code — or runs a server
//! (nginx, redis, …) that prints its start-up lines and listens until stopped.
//!
//! The shell understood is small on purpose: simple commands with quotes, `$VAR`/`${VAR}`,
//! `$(cmd)` for simple commands, `;` `&&` `||` `&` newlines, pipelines of simple commands,
//! `while`/`until`, `for … in`, `if … then … else … fi`, `>`/`>>` redirections (`>&2`, `2>&1`
//! change nothing: both streams reach the log), and the builtins echo, printf, sleep, exit,
//! true, false, `:`, test/`[`, date, env, printenv, cat, rev, touch, rm, mkdir, ls, hostname,
//! tail -f, exec, busybox's wget. Anything else is "not found" (exit 127), as a shell without
//! it prints. `python3 -c` runs a small subset of Python (see [`python`]).

use crate::images::ImageKind;
use serde::{Deserialize, Serialize};
use sim::{Duration, SimTime};
use std::collections::BTreeMap;

mod builtins;
mod parse;
mod python;
mod servers;
mod stress;
#[cfg(test)]
mod tests;
mod wget;

use builtins::*;
use parse::*;
use servers::*;

/// One line a container wrote (stdout and stderr interleave, as `kubectl logs` shows them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    pub time: SimTime,
    pub text: String,
}

impl LogLine {
    /// The `--timestamps` prefix the kubelet prints (RFC 3339 with 9 fixed fraction digits).
    pub fn timestamp(&self) -> String {
        let base = apimachinery::time::format_rfc3339(self.time.unix_secs());
        let nanos = self.time.unix_millis().rem_euclid(1000) * 1_000_000;
        format!("{}.{nanos:09}Z", base.trim_end_matches('Z'))
    }
}

/// Which userland's messages the shell prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flavor {
    /// busybox / alpine `sh`.
    Busybox,
    /// bash + GNU coreutils (ubuntu, debian, most language images).
    Gnu,
}

/// What a process needs at start.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StartContext {
    /// Environment in the container's order (kubelet's env first, then service links).
    pub env: Vec<(String, String)>,
    pub hostname: String,
    /// Files visible to the container (mounted ConfigMap/Secret keys, …).
    pub files: BTreeMap<String, String>,
    /// `stdin: true` in the container spec: an interactive shell waits instead of exiting.
    pub stdin: bool,
    /// The container's memory limit in bytes (the OOM killer's line).
    pub memory_limit: Option<i64>,
}

/// Why a process could not start (containerd's StartError).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartError {
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Seg {
    Lit(String),
    /// `$NAME` / `${NAME}`; `quoted` when inside double quotes (no field splitting).
    Var {
        name: String,
        quoted: bool,
    },
    /// `$(command)` of a simple command.
    Sub {
        script: String,
        quoted: bool,
    },
}

type Word = Vec<Seg>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Redirect {
    None,
    Write(Word),
    Append(Word),
    Null,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Cmd {
    Simple {
        words: Vec<Word>,
        redirect: Redirect,
    },
    /// `a | b | c`: each stage's output is the next one's standard input.
    Pipe(Vec<Cmd>),
    And(Box<Cmd>, Box<Cmd>),
    Or(Box<Cmd>, Box<Cmd>),
    Loop {
        until: bool,
        cond: Vec<Cmd>,
        body: Vec<Cmd>,
    },
    For {
        var: String,
        items: Vec<Word>,
        body: Vec<Cmd>,
    },
    If {
        cond: Vec<Cmd>,
        then: Vec<Cmd>,
        otherwise: Vec<Cmd>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Frame {
    Seq {
        cmds: Vec<Cmd>,
        idx: usize,
    },
    /// The left side ran; run `right` if the status allows.
    AndOr {
        and: bool,
        right: Cmd,
    },
    Loop {
        until: bool,
        cond: Vec<Cmd>,
        body: Vec<Cmd>,
        in_body: bool,
    },
    For {
        var: String,
        items: Vec<String>,
        idx: usize,
        body: Vec<Cmd>,
    },
    /// The condition ran; choose a branch.
    If {
        then: Vec<Cmd>,
        otherwise: Vec<Cmd>,
    },
}

/// A running container process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Process {
    frames: Vec<Frame>,
    vars: BTreeMap<String, String>,
    env_order: Vec<String>,
    status: i32,
    /// Blocked in `sleep` until then.
    wake_at: Option<SimTime>,
    /// Runs until stopped (a server, `sleep infinity`, `tail -f`).
    forever: bool,
    exit: Option<i32>,
    /// The virtual time the process has run up to.
    clock: SimTime,
    pub files: BTreeMap<String, String>,
    flavor: Flavor,
    hostname: String,
    /// TCP ports it listens on (servers).
    pub listening: Vec<u16>,
    /// The server it became, if any (serves HTTP `/` for nginx/httpd).
    pub server: Option<ImageKind>,
    /// Set when a loop ran without sleeping: it burns CPU.
    pub busy: bool,
    /// Lines produced but not yet collected.
    #[serde(default)]
    pending: Vec<LogLine>,
    /// Memory the program holds beyond the baseline (stress --vm-bytes).
    #[serde(default)]
    pub memory_bytes: i64,
    /// Killed by the OOM killer (exit 137, reason OOMKilled).
    #[serde(default)]
    pub oom_killed: bool,
    /// `tail -f FILE`: the file followed and how many bytes were printed.
    #[serde(default)]
    tail: Option<(String, usize)>,
    /// Standard input of the command running now (the previous stage of a pipeline).
    #[serde(default)]
    stdin: Option<String>,
    /// vish/stress allocating memory step by step.
    #[serde(default)]
    alloc: Option<stress::Allocation>,
}

/// Commands executed at one instant before a loop counts as busy and yields a second.
const MAX_STEPS_PER_INSTANT: usize = 500;

impl Process {
    /// Starts `argv` for an image of `kind` at `now`. `version` is the image's version (start-up lines).
    pub fn start(
        argv: &[String],
        kind: ImageKind,
        flavor: Flavor,
        version: &str,
        ctx: &StartContext,
        now: SimTime,
    ) -> Result<Process, StartError> {
        let mut p = Process {
            frames: Vec::new(),
            vars: BTreeMap::new(),
            env_order: Vec::new(),
            status: 0,
            wake_at: None,
            forever: false,
            exit: None,
            clock: now,
            files: ctx.files.clone(),
            flavor,
            hostname: ctx.hostname.clone(),
            listening: Vec::new(),
            server: None,
            busy: false,
            pending: Vec::new(),
            memory_bytes: 0,
            oom_killed: false,
            tail: None,
            stdin: None,
            alloc: None,
        };
        for (k, v) in &ctx.env {
            if !p.vars.contains_key(k) {
                p.env_order.push(k.clone());
            }
            p.vars.insert(k.clone(), v.clone());
        }
        p.files
            .entry("/etc/hostname".into())
            .or_insert_with(|| format!("{}\n", ctx.hostname));
        let Some(first) = argv.first() else {
            return Err(StartError { message: "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: no command specified: unknown".into() });
        };
        let base = first.rsplit('/').next().unwrap_or(first).to_string();
        match base.as_str() {
            "sh" | "bash" | "ash" | "dash" => match (argv.get(1).map(String::as_str), argv.get(2)) {
                (Some("-c"), Some(script)) => {
                    let cmds = parse_script(script).unwrap_or_else(|e| {
                        let line = match flavor {
                            Flavor::Busybox => format!("sh: syntax error: {e}"),
                            Flavor::Gnu => format!("{base}: -c: line 1: syntax error: {e}"),
                        };
                        vec![Cmd::Simple {
                            words: vec![lit("__error__"), lit(&line)],
                            redirect: Redirect::None,
                        }]
                    });
                    p.frames.push(Frame::Seq { cmds, idx: 0 });
                }
                (Some("-c"), None) => {
                    let line = match flavor {
                        Flavor::Busybox => "sh: -c requires an argument".to_string(),
                        Flavor::Gnu => format!("{base}: -c: option requires an argument"),
                    };
                    p.emit(line);
                    p.exit = Some(2);
                }
                _ if ctx.stdin => p.forever = true,
                // No terminal and no script: the shell reads EOF and exits 0.
                _ => p.exit = Some(0),
            },
            // vish/stress (`/stress -mem-total …`) has Go-style single-dash flags.
            "stress" if first == "/stress" || argv.iter().skip(1).any(|a| stress::is_vish_flag(a)) => {
                p.vish_stress(argv, ctx.memory_limit)
            }
            "stress" => p.stress(argv, ctx.memory_limit),
            _ => {
                if let Some(server) = server_for(&base, argv, kind) {
                    p.become_server(server, version);
                } else if is_builtin(&base) && !(base == "wget" && flavor == Flavor::Gnu) {
                    let words = argv.iter().map(|a| lit(a)).collect();
                    p.frames.push(Frame::Seq {
                        cmds: vec![Cmd::Simple {
                            words,
                            redirect: Redirect::None,
                        }],
                        idx: 0,
                    });
                } else if let (true, Some("-c"), Some(script)) = (
                    matches!(base.as_str(), "python" | "python3"),
                    argv.get(1).map(String::as_str),
                    argv.get(2),
                ) {
                    match python::translate(script).and_then(|sh| parse_script(&sh).ok()) {
                        Some(cmds) => p.frames.push(Frame::Seq { cmds, idx: 0 }),
                        None => p.exit = Some(0),
                    }
                } else if kind == ImageKind::Daemon || matches!(base.as_str(), "node" | "python" | "python3") {
                    if kind == ImageKind::Daemon {
                        p.forever = true;
                    } else {
                        p.exit = Some(0);
                    }
                } else {
                    return Err(StartError {
                        message: format!("failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: exec: \"{first}\": executable file not found in $PATH: unknown"),
                    });
                }
            }
        }
        Ok(p)
    }

    /// Whether the process follows a file (`tail -f`).
    pub fn is_tailing(&self) -> bool {
        self.tail.is_some()
    }

    /// `tail -f`: prints the complete lines appended since the last look.
    fn poll_tail(&mut self, now: SimTime) {
        let Some((path, seen)) = self.tail.clone() else { return };
        let Some(content) = self.files.get(&path).cloned() else {
            return;
        };
        let seen = if content.len() < seen { 0 } else { seen };
        let Some(fresh) = content.get(seen..) else { return };
        let Some(end) = fresh.rfind('\n') else { return };
        self.clock = self.clock.max(now);
        for line in fresh.get(..end).unwrap_or("").split('\n') {
            self.emit(line.to_string());
        }
        self.tail = Some((path, seen + end + 1));
    }

    fn emit(&mut self, text: String) {
        // A chatty loop over a long jump in time keeps only its recent output.
        if self.pending.len() >= 20_000 {
            self.pending.drain(..10_000);
        }
        self.pending.push(LogLine { time: self.clock, text });
    }

    /// The virtual time the process has run up to (its exit time once it exited).
    pub fn clock(&self) -> SimTime {
        self.clock
    }

    /// The exported environment, in order (what `env` prints).
    pub fn env(&self) -> Vec<(String, String)> {
        self.env_order
            .iter()
            .map(|k| (k.clone(), self.vars.get(k).cloned().unwrap_or_default()))
            .collect()
    }

    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// The exit code once the process ended.
    pub fn exited(&self) -> Option<i32> {
        self.exit
    }

    /// When the process next does something on its own (None: never, or it has exited).
    pub fn next_wakeup(&self) -> Option<SimTime> {
        if self.exit.is_some() || self.forever {
            return None;
        }
        self.wake_at
    }

    /// Runs the process up to `now`; returns the lines it wrote, in order.
    pub fn run(&mut self, now: SimTime) -> Vec<LogLine> {
        let mut steps = 0usize;
        loop {
            if self.exit.is_some() {
                break;
            }
            if self.forever {
                self.poll_tail(now);
                break;
            }
            if self.alloc.is_some() {
                if self.wake_at.is_none_or(|w| w <= now) {
                    self.allocate(now);
                }
                break;
            }
            if let Some(w) = self.wake_at {
                if w > now {
                    break;
                }
                self.clock = self.clock.max(w);
                self.wake_at = None;
                steps = 0;
            }
            steps += 1;
            if steps > MAX_STEPS_PER_INSTANT {
                // A loop without sleep: it burns CPU; resume a second later.
                self.busy = true;
                self.wake_at = Some(self.clock.add(Duration::from_secs(1)));
                continue;
            }
            let Some(top) = self.frames.pop() else {
                self.exit = Some(self.status);
                break;
            };
            self.step(top);
        }
        if self.pending.len() > 10_000 {
            let cut = self.pending.len() - 10_000;
            self.pending.drain(..cut);
        }
        std::mem::take(&mut self.pending)
    }

    fn step(&mut self, frame: Frame) {
        match frame {
            Frame::Seq { cmds, idx } => {
                let Some(cmd) = cmds.get(idx).cloned() else { return };
                self.frames.push(Frame::Seq { cmds, idx: idx + 1 });
                self.exec(cmd);
            }
            Frame::AndOr { and, right } => {
                if (and && self.status == 0) || (!and && self.status != 0) {
                    self.exec(right);
                }
            }
            Frame::Loop {
                until,
                cond,
                body,
                in_body,
            } => {
                if in_body {
                    self.frames.push(Frame::Loop {
                        until,
                        cond: cond.clone(),
                        body,
                        in_body: false,
                    });
                    self.frames.push(Frame::Seq { cmds: cond, idx: 0 });
                } else {
                    let go_on = (self.status == 0) != until;
                    if go_on {
                        self.frames.push(Frame::Loop {
                            until,
                            cond,
                            body: body.clone(),
                            in_body: true,
                        });
                        self.frames.push(Frame::Seq { cmds: body, idx: 0 });
                    } else {
                        self.status = 0;
                    }
                }
            }
            Frame::For { var, items, idx, body } => {
                if let Some(item) = items.get(idx).cloned() {
                    self.set_var(&var, item);
                    self.frames.push(Frame::For {
                        var,
                        items,
                        idx: idx + 1,
                        body: body.clone(),
                    });
                    self.frames.push(Frame::Seq { cmds: body, idx: 0 });
                }
            }
            Frame::If { then, otherwise } => {
                let branch = if self.status == 0 { then } else { otherwise };
                self.status = 0;
                self.frames.push(Frame::Seq { cmds: branch, idx: 0 });
            }
        }
    }

    fn exec(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Simple { words, redirect } => self.simple(&words, &redirect),
            Cmd::Pipe(stages) => self.pipe(stages),
            Cmd::And(l, r) => {
                self.frames.push(Frame::AndOr { and: true, right: *r });
                self.frames.push(Frame::Seq { cmds: vec![*l], idx: 0 });
            }
            Cmd::Or(l, r) => {
                self.frames.push(Frame::AndOr { and: false, right: *r });
                self.frames.push(Frame::Seq { cmds: vec![*l], idx: 0 });
            }
            Cmd::Loop { until, cond, body } => {
                self.frames.push(Frame::Loop {
                    until,
                    cond: cond.clone(),
                    body,
                    in_body: false,
                });
                self.frames.push(Frame::Seq { cmds: cond, idx: 0 });
            }
            Cmd::For { var, items, body } => {
                let mut expanded = Vec::new();
                for w in &items {
                    expanded.extend(self.expand(w));
                }
                self.frames.push(Frame::For {
                    var,
                    items: expanded,
                    idx: 0,
                    body,
                });
            }
            Cmd::If { cond, then, otherwise } => {
                self.frames.push(Frame::If { then, otherwise });
                self.frames.push(Frame::Seq { cmds: cond, idx: 0 });
            }
        }
    }

    /// A pipeline of simple commands runs at once, each stage reading what the previous one
    /// wrote; a stage that is not a simple command makes the stages run one after the other.
    fn pipe(&mut self, stages: Vec<Cmd>) {
        if !stages.iter().all(|c| matches!(c, Cmd::Simple { .. })) {
            self.frames.push(Frame::Seq { cmds: stages, idx: 0 });
            return;
        }
        let last = stages.len().saturating_sub(1);
        for (i, stage) in stages.into_iter().enumerate() {
            let Cmd::Simple { words, redirect } = stage else {
                continue;
            };
            if i == last {
                self.simple(&words, &redirect);
                self.stdin = None;
            } else {
                let saved = (self.wake_at, self.forever);
                let before = self.pending.len();
                self.simple(&words, &redirect);
                (self.wake_at, self.forever) = saved;
                let text: String = self.pending.drain(before..).map(|l| l.text + "\n").collect();
                self.stdin = Some(text);
            }
        }
    }

    /// What a command reads: its file operands, or standard input without any.
    fn input(&mut self, files: &[&str], name: &str) -> Vec<String> {
        if files.is_empty() {
            return self
                .stdin
                .take()
                .map(|s| s.lines().map(str::to_string).collect())
                .unwrap_or_default();
        }
        let mut lines = Vec::new();
        for f in files {
            match self.files.get(*f) {
                Some(content) => lines.extend(content.lines().map(str::to_string)),
                None => {
                    let line = match self.flavor {
                        Flavor::Busybox => format!("{name}: can't open '{f}': No such file or directory"),
                        Flavor::Gnu => format!("{name}: {f}: No such file or directory"),
                    };
                    self.emit(line);
                    self.status = 1;
                }
            }
        }
        lines
    }

    fn set_var(&mut self, name: &str, value: String) {
        self.vars.insert(name.to_string(), value);
    }

    fn expand(&mut self, word: &Word) -> Vec<String> {
        let mut fields: Vec<String> = vec![String::new()];
        let mut any_quoted_or_lit = false;
        for seg in word {
            let (text, quoted) = match seg {
                Seg::Lit(s) => {
                    any_quoted_or_lit = true;
                    (s.clone(), true)
                }
                Seg::Var { name, quoted } => (self.var(name), *quoted),
                Seg::Sub { script, quoted } => match script.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
                    // `$((expr))`: shell arithmetic.
                    Some(expr) => (self.arith(expr).to_string(), *quoted),
                    None => (self.substitute(script), *quoted),
                },
            };
            if quoted {
                any_quoted_or_lit = true;
                if let Some(last) = fields.last_mut() {
                    last.push_str(&text);
                }
            } else {
                let mut parts = text.split_whitespace();
                if let (Some(first), Some(last)) = (parts.next(), fields.last_mut()) {
                    last.push_str(first);
                }
                for p in parts {
                    fields.push(p.to_string());
                }
            }
        }
        if !any_quoted_or_lit && fields.len() == 1 && fields.first().is_some_and(String::is_empty) {
            return Vec::new();
        }
        fields
    }

    fn var(&self, name: &str) -> String {
        match name {
            "?" => self.status.to_string(),
            "HOSTNAME" if !self.vars.contains_key("HOSTNAME") => self.hostname.clone(),
            _ => self.vars.get(name).cloned().unwrap_or_default(),
        }
    }

    /// `$((expr))` with + - * / % and parentheses over integers and variables.
    fn arith(&self, expr: &str) -> i64 {
        let toks: Vec<String> = {
            let mut out = Vec::new();
            let mut cur = String::new();
            for ch in expr.chars() {
                if ch.is_ascii_alphanumeric() || ch == '_' {
                    cur.push(ch);
                } else {
                    if !cur.is_empty() {
                        out.push(std::mem::take(&mut cur));
                    }
                    if "+-*/%()".contains(ch) {
                        out.push(ch.to_string());
                    }
                }
            }
            if !cur.is_empty() {
                out.push(cur);
            }
            out
        };
        let mut pos = 0usize;
        self.arith_sum(&toks, &mut pos, 0)
    }

    fn arith_sum(&self, t: &[String], pos: &mut usize, depth: usize) -> i64 {
        let mut v = self.arith_product(t, pos, depth);
        while let Some(op) = t.get(*pos).filter(|o| *o == "+" || *o == "-").cloned() {
            *pos += 1;
            let r = self.arith_product(t, pos, depth);
            v = if op == "+" {
                v.wrapping_add(r)
            } else {
                v.wrapping_sub(r)
            };
        }
        v
    }

    fn arith_product(&self, t: &[String], pos: &mut usize, depth: usize) -> i64 {
        let mut v = self.arith_atom(t, pos, depth);
        while let Some(op) = t.get(*pos).filter(|o| matches!(o.as_str(), "*" | "/" | "%")).cloned() {
            *pos += 1;
            let r = self.arith_atom(t, pos, depth);
            v = match op.as_str() {
                "*" => v.wrapping_mul(r),
                "/" => v.checked_div(r).unwrap_or(0),
                _ => v.checked_rem(r).unwrap_or(0),
            };
        }
        v
    }

    fn arith_atom(&self, t: &[String], pos: &mut usize, depth: usize) -> i64 {
        let Some(tok) = t.get(*pos).cloned() else { return 0 };
        *pos += 1;
        match tok.as_str() {
            "-" => self.arith_atom(t, pos, depth).wrapping_neg(),
            "+" => self.arith_atom(t, pos, depth),
            "(" if depth < 32 => {
                let v = self.arith_sum(t, pos, depth + 1);
                if t.get(*pos).is_some_and(|c| c == ")") {
                    *pos += 1;
                }
                v
            }
            _ => tok
                .parse::<i64>()
                .unwrap_or_else(|_| self.var(&tok).trim().parse().unwrap_or(0)),
        }
    }

    /// `$(cmd)`: runs one simple command at once and returns its output.
    fn substitute(&mut self, script: &str) -> String {
        let Ok(cmds) = parse_script(script) else {
            return String::new();
        };
        let saved_pending = std::mem::take(&mut self.pending);
        let saved = (self.wake_at, self.forever, self.exit);
        for c in cmds {
            match c {
                Cmd::Simple { words, redirect } => self.simple(&words, &redirect),
                Cmd::Pipe(stages) if stages.iter().all(|s| matches!(s, Cmd::Simple { .. })) => self.pipe(stages),
                _ => {}
            }
        }
        (self.wake_at, self.forever, self.exit) = saved;
        let out: Vec<String> = std::mem::replace(&mut self.pending, saved_pending)
            .into_iter()
            .map(|l| l.text)
            .collect();
        out.join("\n")
    }

    fn simple(&mut self, words: &[Word], redirect: &Redirect) {
        let mut argv = Vec::new();
        for w in words {
            argv.extend(self.expand(w));
        }
        // Assignments before the command name.
        while let Some(first) = argv.first() {
            match first.split_once('=') {
                Some((name, value)) if is_name(name) => {
                    let (name, value) = (name.to_string(), value.to_string());
                    self.set_var(&name, value);
                    argv.remove(0);
                }
                _ => break,
            }
        }
        if argv.is_empty() {
            self.status = 0;
            return;
        }
        let before = self.pending.len();
        self.builtin(&argv);
        let target = match redirect {
            Redirect::None => return,
            Redirect::Null => None,
            Redirect::Write(w) | Redirect::Append(w) => Some(self.expand(w).join(" ")),
        };
        let produced: Vec<LogLine> = self.pending.drain(before..).collect();
        if let Some(path) = target {
            let mut text = if matches!(redirect, Redirect::Append(_)) {
                self.files.get(&path).cloned().unwrap_or_default()
            } else {
                String::new()
            };
            for l in produced {
                text.push_str(&l.text);
                text.push('\n');
            }
            self.files.insert(path, text);
        }
    }

    fn not_found(&mut self, name: &str) {
        let line = match self.flavor {
            Flavor::Busybox => format!("sh: {name}: not found"),
            Flavor::Gnu => format!("sh: 1: {name}: not found"),
        };
        self.emit(line);
        self.status = 127;
    }
}

fn lit(s: &str) -> Word {
    vec![Seg::Lit(s.to_string())]
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The kubelet's `$(VAR)` expansion of command/args/env values (`$$` escapes a dollar;
/// references to undefined variables stay as written).
pub fn expand_kube_vars(s: &str, env: &[(String, String)]) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i + 1..).unwrap_or("");
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(') {
            match inner.find(')') {
                Some(j) => {
                    let name = inner.get(..j).unwrap_or("");
                    match env.iter().rev().find(|(k, _)| k == name) {
                        Some((_, v)) => out.push_str(v),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = inner.get(j + 1..).unwrap_or("");
                }
                None => {
                    out.push_str("$(");
                    rest = inner;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}
