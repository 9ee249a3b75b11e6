//! The container model: what a container "runs". A command line (ENTRYPOINT/CMD or the
//! pod's command/args) becomes a [`Process`] that produces log lines on virtual time, blocks
//! in `sleep`, reads and writes its in-memory files and exits with a code — or runs a server
//! (nginx, redis, …) that prints its start-up lines and listens until stopped.
//!
//! The shell understood is small on purpose: simple commands with quotes, `$VAR`/`${VAR}`,
//! `$(cmd)` for simple commands, `;` `&&` `||` `&` newlines, `while`/`until`, `for … in`,
//! `if … then … else … fi`, `>`/`>>` redirections, and the builtins echo, printf, sleep,
//! exit, true, false, `:`, test/`[`, date, env, printenv, cat, touch, rm, mkdir, ls, hostname,
//! tail -f, exec. Anything else is "not found" (exit 127), as a shell without it prints.

use crate::images::ImageKind;
use serde::{Deserialize, Serialize};
use sim::{Duration, SimTime};
use std::collections::BTreeMap;

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
            "stress" => p.stress(argv, ctx.memory_limit),
            _ => {
                if let Some(server) = server_for(&base, argv, kind) {
                    p.become_server(server, version);
                } else if is_builtin(&base) {
                    let words = argv.iter().map(|a| lit(a)).collect();
                    p.frames.push(Frame::Seq {
                        cmds: vec![Cmd::Simple {
                            words,
                            redirect: Redirect::None,
                        }],
                        idx: 0,
                    });
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

    /// polinux/stress: `--vm N --vm-bytes 150M [--vm-hang 1]`, `--cpu N`, `--timeout Ns`.
    fn stress(&mut self, argv: &[String], memory_limit: Option<i64>) {
        let mut vm = 0i64;
        let mut cpu = 0i64;
        let mut bytes = 256 * (1 << 20);
        let mut timeout: Option<i64> = None;
        let mut i = 1;
        while let Some(a) = argv.get(i) {
            let val = argv.get(i + 1).map(String::as_str).unwrap_or("");
            match a.as_str() {
                "--vm" | "-m" => vm = val.parse().unwrap_or(1),
                "--cpu" | "-c" => cpu = val.parse().unwrap_or(1),
                "--vm-bytes" => bytes = parse_bytes(val).unwrap_or(bytes),
                "--timeout" | "-t" => timeout = parse_sleep(val).flatten(),
                _ => {
                    i += 1;
                    continue;
                }
            }
            i += 2;
        }
        if vm == 0 && cpu == 0 {
            self.emit("`stress' imposes certain types of compute stress on your system".into());
            self.exit = Some(0);
            return;
        }
        self.emit(format!(
            "stress: info: [1] dispatching hogs: {cpu} cpu, 0 io, {vm} vm, 0 hdd"
        ));
        self.memory_bytes = vm.saturating_mul(bytes);
        self.busy = cpu > 0;
        if memory_limit.is_some_and(|l| self.memory_bytes > l) {
            self.oom_killed = true;
            self.exit = Some(137);
            return;
        }
        match timeout {
            Some(ms) => {
                self.wake_at = Some(self.clock.add(Duration::from_millis(ms)));
                self.frames.push(Frame::Seq {
                    cmds: Vec::new(),
                    idx: 0,
                });
            }
            None => self.forever = true,
        }
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
            if let Cmd::Simple { words, redirect } = c {
                self.simple(&words, &redirect);
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

    fn builtin(&mut self, argv: &[String]) {
        let name = argv.first().map(String::as_str).unwrap_or("");
        let args: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
        self.status = 0;
        match name {
            "__error__" => {
                let line = args.first().copied().unwrap_or("").to_string();
                self.emit(line);
                self.exit = Some(2);
                self.frames.clear();
            }
            "echo" => {
                let mut rest: &[&str] = &args;
                while let Some(flag) = rest.first().filter(|f| matches!(**f, "-n" | "-e" | "-ne" | "-en")) {
                    let _ = flag;
                    rest = rest.get(1..).unwrap_or(&[]);
                }
                let text = rest.join(" ");
                for line in text.split('\n') {
                    self.emit(line.to_string());
                }
            }
            "printf" => {
                let fmt = args.first().copied().unwrap_or("");
                let text = printf(fmt, args.get(1..).unwrap_or(&[]));
                let trimmed = text.strip_suffix('\n').unwrap_or(&text).to_string();
                if !trimmed.is_empty() || text.ends_with('\n') {
                    for line in trimmed.split('\n') {
                        self.emit(line.to_string());
                    }
                }
            }
            "sleep" => match args.first().map(|a| parse_sleep(a)) {
                Some(Some(None)) => self.forever = true,
                Some(Some(Some(ms))) => self.wake_at = Some(self.clock.add(Duration::from_millis(ms))),
                Some(None) => {
                    let arg = args.first().copied().unwrap_or("");
                    let line = match self.flavor {
                        Flavor::Busybox => format!("sleep: invalid number '{arg}'"),
                        Flavor::Gnu => format!("sleep: invalid time interval '{arg}'"),
                    };
                    self.emit(line);
                    self.status = 1;
                }
                None => {
                    self.emit("sleep: missing operand".into());
                    self.status = 1;
                }
            },
            "exit" => {
                let code = args
                    .first()
                    .and_then(|a| a.parse::<i64>().ok())
                    .unwrap_or(i64::from(self.status));
                self.exit = Some(code.rem_euclid(256) as i32);
                self.frames.clear();
            }
            "true" | ":" => {}
            "false" => self.status = 1,
            "test" | "[" => {
                let mut a: Vec<&str> = args.clone();
                if name == "[" {
                    if a.last() == Some(&"]") {
                        a.pop();
                    } else {
                        self.emit("sh: missing ]".into());
                        self.status = 2;
                        return;
                    }
                }
                self.status = if self.test(&a) { 0 } else { 1 };
            }
            "date" => {
                let fmt = args
                    .iter()
                    .find_map(|a| a.strip_prefix('+'))
                    .unwrap_or("%a %b %e %H:%M:%S %Z %Y");
                let line = format_date(self.clock, fmt);
                self.emit(line);
            }
            "env" | "printenv" => {
                if let Some(var) = args.first().filter(|_| name == "printenv") {
                    match self.vars.get(*var).filter(|_| self.env_order.iter().any(|k| k == var)) {
                        Some(v) => {
                            let v = v.clone();
                            self.emit(v)
                        }
                        None => self.status = 1,
                    }
                } else {
                    let lines: Vec<String> = self
                        .env_order
                        .iter()
                        .map(|k| format!("{k}={}", self.vars.get(k).map(String::as_str).unwrap_or("")))
                        .collect();
                    for l in lines {
                        for part in l.split('\n') {
                            self.emit(part.to_string());
                        }
                    }
                }
            }
            "hostname" => {
                let h = self.hostname.clone();
                self.emit(h);
            }
            "cat" => {
                for f in args.iter().filter(|a| !a.starts_with('-')) {
                    match self.files.get(*f).cloned() {
                        Some(content) => {
                            let body = content.strip_suffix('\n').unwrap_or(&content);
                            if !content.is_empty() {
                                for line in body.split('\n') {
                                    self.emit(line.to_string());
                                }
                            }
                        }
                        None => {
                            let is_dir = self.is_dir(f);
                            let line = match (self.flavor, is_dir) {
                                (Flavor::Busybox, true) => "cat: read error: Is a directory".to_string(),
                                (Flavor::Busybox, false) => format!("cat: can't open '{f}': No such file or directory"),
                                (Flavor::Gnu, true) => format!("cat: {f}: Is a directory"),
                                (Flavor::Gnu, false) => format!("cat: {f}: No such file or directory"),
                            };
                            self.emit(line);
                            self.status = 1;
                        }
                    }
                }
            }
            // The model knows only the files programs wrote; a copy of an image's own file (a
            // CNI plugin binary, say) succeeds without content.
            "cp" | "mv" => {
                let paths: Vec<&str> = args.iter().copied().filter(|a| !a.starts_with('-')).collect();
                if let [sources @ .., dest] = paths.as_slice() {
                    for src in sources {
                        if let Some(content) = self.files.get(*src).cloned() {
                            let target = if sources.len() > 1 || dest.ends_with('/') {
                                format!(
                                    "{}/{}",
                                    dest.trim_end_matches('/'),
                                    src.rsplit('/').next().unwrap_or(src)
                                )
                            } else {
                                dest.to_string()
                            };
                            self.files.insert(target, content);
                            if name == "mv" {
                                self.files.remove(*src);
                            }
                        }
                    }
                } else {
                    let line = match self.flavor {
                        Flavor::Busybox => format!("BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.\n\nUsage: {name} [-fin] SOURCE... DEST"),
                        Flavor::Gnu => format!("{name}: missing file operand\nTry '{name} --help' for more information."),
                    };
                    self.emit(line);
                    self.status = 1;
                }
            }
            "touch" => {
                for f in args.iter().filter(|a| !a.starts_with('-')) {
                    self.files.entry(f.to_string()).or_default();
                }
            }
            "rm" => {
                let force = args.iter().any(|a| a.starts_with('-') && a.contains('f'));
                for f in args.iter().filter(|a| !a.starts_with('-')) {
                    if self.files.remove(*f).is_none() && !force {
                        let line = match self.flavor {
                            Flavor::Busybox => format!("rm: can't remove '{f}': No such file or directory"),
                            Flavor::Gnu => format!("rm: cannot remove '{f}': No such file or directory"),
                        };
                        self.emit(line);
                        self.status = 1;
                    }
                }
            }
            "mkdir" | "chmod" | "cd" | "export" | "set" | "trap" | "wait" | "ulimit" | "sync" => {
                if name == "export" {
                    for a in &args {
                        if let Some((k, v)) = a.split_once('=') {
                            self.set_var(k, v.to_string());
                            if !self.env_order.iter().any(|e| e == k) {
                                self.env_order.push(k.to_string());
                            }
                        }
                    }
                }
            }
            "ls" => {
                let dir = args.iter().find(|a| !a.starts_with('-')).copied().unwrap_or("/");
                let prefix = format!("{}/", dir.trim_end_matches('/'));
                let mut entries: Vec<String> = self
                    .files
                    .keys()
                    .filter_map(|k| k.strip_prefix(&prefix))
                    .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
                    .filter(|e| e != ".")
                    .collect();
                entries.dedup();
                if entries.is_empty() && !self.files.contains_key(dir) {
                    let line = match self.flavor {
                        Flavor::Busybox => format!("ls: {dir}: No such file or directory"),
                        Flavor::Gnu => format!("ls: cannot access '{dir}': No such file or directory"),
                    };
                    self.emit(line);
                    self.status = if self.flavor == Flavor::Busybox { 1 } else { 2 };
                } else if entries.is_empty() {
                    self.emit(dir.to_string());
                } else {
                    for e in entries {
                        self.emit(e);
                    }
                }
            }
            "tail" if args.contains(&"-f") || args.contains(&"-F") => {
                self.forever = true;
                if let Some(file) = args
                    .iter()
                    .rev()
                    .find(|a| !a.starts_with('-'))
                    .filter(|f| **f != "/dev/null")
                {
                    let content = self.files.get(*file).cloned().unwrap_or_default();
                    // The last 10 lines first (all with `-n+1`), then what is appended.
                    let lines: Vec<&str> = content.lines().collect();
                    let from_start = args
                        .windows(2)
                        .any(|w| w.first() == Some(&"-n") && w.get(1) == Some(&"+1"))
                        || args.contains(&"-n+1");
                    let from = if from_start { 0 } else { lines.len().saturating_sub(10) };
                    let last: Vec<String> = lines.iter().skip(from).map(|l| l.to_string()).collect();
                    for l in last {
                        self.emit(l);
                    }
                    self.tail = Some((file.to_string(), content.len()));
                }
            }
            "exec" => {
                let rest: Vec<String> = argv.iter().skip(1).cloned().collect();
                let base = rest
                    .first()
                    .map(|f| f.rsplit('/').next().unwrap_or(f).to_string())
                    .unwrap_or_default();
                if let Some(server) = server_for(&base, &rest, ImageKind::Shell) {
                    let version = String::new();
                    self.become_server(server, &version);
                    self.frames.clear();
                } else if !rest.is_empty() {
                    self.frames.clear();
                    self.builtin(&rest);
                    if self.exit.is_none() && !self.forever && self.wake_at.is_none() {
                        self.exit = Some(self.status);
                    } else if self.wake_at.is_some() {
                        // `exec sleep N`: the process ends when the sleep does.
                        self.frames.push(Frame::Seq {
                            cmds: Vec::new(),
                            idx: 0,
                        });
                    }
                }
            }
            other => {
                let base = other.rsplit('/').next().unwrap_or(other);
                if let Some(server) = server_for(base, argv, ImageKind::Shell) {
                    self.become_server(server, "");
                    self.frames.clear();
                } else {
                    self.not_found(other);
                }
            }
        }
    }

    fn is_dir(&self, path: &str) -> bool {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        self.files.keys().any(|k| k.starts_with(&prefix))
    }

    fn test(&self, a: &[&str]) -> bool {
        match a {
            [] => false,
            ["!", rest @ ..] => !self.test(rest),
            [s] => !s.is_empty(),
            ["-f" | "-e" | "-r" | "-s", f] => {
                self.files
                    .get(*f)
                    .is_some_and(|c| a.first().is_none_or(|o| *o != "-s") || !c.is_empty())
                    || (a.first() == Some(&"-e") && self.is_dir(f))
            }
            ["-d", f] => self.is_dir(f),
            ["-z", s] => s.is_empty(),
            ["-n", s] => !s.is_empty(),
            [x, "=" | "==", y] => x == y,
            [x, "!=", y] => x != y,
            [x, op, y] => {
                let (Ok(x), Ok(y)) = (x.parse::<i64>(), y.parse::<i64>()) else {
                    return false;
                };
                match *op {
                    "-eq" => x == y,
                    "-ne" => x != y,
                    "-lt" => x < y,
                    "-le" => x <= y,
                    "-gt" => x > y,
                    "-ge" => x >= y,
                    _ => false,
                }
            }
            _ => false,
        }
    }

    fn become_server(&mut self, kind: ImageKind, version: &str) {
        let (lines, exit) = server_start(kind, version, self.clock, &self.vars);
        for l in lines {
            self.emit(l);
        }
        match exit {
            Some(code) => {
                self.exit = Some(code);
            }
            None => {
                self.forever = true;
                self.server = Some(kind);
                self.listening = match kind {
                    ImageKind::Nginx | ImageKind::Httpd => vec![80],
                    ImageKind::Redis => vec![6379],
                    ImageKind::Memcached => vec![11211],
                    ImageKind::Mongo => vec![27017],
                    ImageKind::Mysql => vec![3306, 33060],
                    ImageKind::Postgres => vec![5432],
                    _ => Vec::new(),
                };
            }
        }
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

fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "echo"
            | "printf"
            | "sleep"
            | "exit"
            | "true"
            | "false"
            | "date"
            | "env"
            | "printenv"
            | "cat"
            | "touch"
            | "rm"
            | "ls"
            | "hostname"
            | "tail"
            | "mkdir"
            | "test"
            | "cp"
            | "mv"
    )
}

/// Which server a command line starts, if any.
fn server_for(base: &str, argv: &[String], image: ImageKind) -> Option<ImageKind> {
    let by_name = |n: &str| match n {
        "nginx" => Some(ImageKind::Nginx),
        "httpd-foreground" | "httpd" | "apache2-foreground" => Some(ImageKind::Httpd),
        "redis-server" => Some(ImageKind::Redis),
        "memcached" => Some(ImageKind::Memcached),
        "mongod" => Some(ImageKind::Mongo),
        "mysqld" => Some(ImageKind::Mysql),
        "postgres" => Some(ImageKind::Postgres),
        _ => None,
    };
    if base == "docker-entrypoint.sh" {
        let next = argv.get(1).map(|a| a.rsplit('/').next().unwrap_or(a).to_string());
        return match next.as_deref() {
            Some(n) => by_name(n).or(match image {
                ImageKind::Repl | ImageKind::Shell | ImageKind::Daemon => None,
                k => Some(k),
            }),
            None => match image {
                ImageKind::Repl | ImageKind::Shell | ImageKind::Daemon => None,
                k => Some(k),
            },
        };
    }
    by_name(base)
}

/// Start-up lines of a server and, for databases without their password, the exit code.
fn server_start(
    kind: ImageKind,
    version: &str,
    t: SimTime,
    env: &BTreeMap<String, String>,
) -> (Vec<String>, Option<i32>) {
    let stamp_slash = format_date(t, "%Y/%m/%d %H:%M:%S");
    let set = |k: &str| env.get(k).is_some_and(|v| !v.is_empty());
    match kind {
        ImageKind::Nginx => {
            let v = if version.is_empty() { "1.29.3" } else { version };
            let mut lines: Vec<String> = [
                "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
                "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
                "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
                "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
                "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
                "/docker-entrypoint.sh: Configuration complete; ready for start up",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            for l in [
                "using the \"epoll\" event method".to_string(),
                format!("nginx/{v}"),
                "built by gcc 14.2.0 (Debian 14.2.0-19) ".to_string(),
                "OS: Linux 6.8.0-79-generic".to_string(),
                "getrlimit(RLIMIT_NOFILE): 1048576:1048576".to_string(),
                "start worker processes".to_string(),
                "start worker process 29".to_string(),
                "start worker process 30".to_string(),
            ] {
                lines.push(format!("{stamp_slash} [notice] 1#1: {l}"));
            }
            (lines, None)
        }
        ImageKind::Httpd => {
            let v = if version.is_empty() { "2.4.65" } else { version };
            let ts = format_date(t, "%a %b %d %H:%M:%S.000000 %Y");
            (
                vec![
                    "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using 10.244.1.2. Set the 'ServerName' directive globally to suppress this message".into(),
                    "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using 10.244.1.2. Set the 'ServerName' directive globally to suppress this message".into(),
                    format!("[{ts}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/{v} (Unix) configured -- resuming normal operations"),
                    format!("[{ts}] [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'"),
                ],
                None,
            )
        }
        ImageKind::Redis => {
            let v = if version.is_empty() { "8.2.3" } else { version };
            let ts = format_date(t, "%d %b %Y %H:%M:%S.000");
            (
                vec![
                    "Starting Redis Server".into(),
                    format!("1:C {ts} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
                    format!("1:C {ts} * Redis version={v}, bits=64, commit=00000000, modified=1, pid=1, just started"),
                    format!("1:C {ts} # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf"),
                    format!("1:M {ts} * monotonic clock: POSIX clock_gettime"),
                    format!("1:M {ts} * Running mode=standalone, port=6379."),
                    format!("1:M {ts} * Server initialized"),
                    format!("1:M {ts} * Ready to accept connections tcp"),
                ],
                None,
            )
        }
        ImageKind::Memcached | ImageKind::Daemon => (Vec::new(), None),
        ImageKind::Mongo => {
            let ts = format_date(t, "%Y-%m-%dT%H:%M:%S.000+00:00");
            (
                vec![format!(
                    "{{\"t\":{{\"$date\":\"{ts}\"}},\"s\":\"I\",  \"c\":\"NETWORK\",  \"id\":23016,   \"ctx\":\"listener\",\"msg\":\"Waiting for connections\",\"attr\":{{\"port\":27017,\"ssl\":\"off\"}}}}"
                )],
                None,
            )
        }
        ImageKind::Mysql => {
            let v = if version.is_empty() { "9.5.0-1.el9" } else { version };
            let ts = format_date(t, "%Y-%m-%d %H:%M:%S+00:00");
            let mut lines = vec![
                format!("{ts} [Note] [Entrypoint]: Entrypoint script for MySQL Server {v} started."),
                format!("{ts} [Note] [Entrypoint]: Switching to dedicated user 'mysql'"),
                format!("{ts} [Note] [Entrypoint]: Entrypoint script for MySQL Server {v} started."),
            ];
            if set("MYSQL_ROOT_PASSWORD") || set("MYSQL_ALLOW_EMPTY_PASSWORD") || set("MYSQL_RANDOM_ROOT_PASSWORD") {
                lines.push(format!("{ts} [Note] [Entrypoint]: Initializing database files"));
                lines.push(format!("{ts} [Note] [Entrypoint]: Database files initialized"));
                lines.push(format!(
                    "{ts} [Note] [Entrypoint]: MySQL init process done. Ready for start up."
                ));
                (lines, None)
            } else {
                lines.push(format!(
                    "{ts} [ERROR] [Entrypoint]: Database is uninitialized and password option is not specified"
                ));
                lines.push("    You need to specify one of the following as an environment variable:".into());
                lines.push("    - MYSQL_ROOT_PASSWORD".into());
                lines.push("    - MYSQL_ALLOW_EMPTY_PASSWORD".into());
                lines.push("    - MYSQL_RANDOM_ROOT_PASSWORD".into());
                (lines, Some(1))
            }
        }
        ImageKind::Postgres => {
            if set("POSTGRES_PASSWORD") || env.get("POSTGRES_HOST_AUTH_METHOD").is_some_and(|v| v == "trust") {
                let ts = format_date(t, "%Y-%m-%d %H:%M:%S.000 UTC");
                (
                    vec![
                        "The files belonging to this database system will be owned by user \"postgres\".".into(),
                        "This user must also own the server process.".into(),
                        String::new(),
                        "PostgreSQL init process complete; ready for start up.".into(),
                        String::new(),
                        format!("{ts} [1] LOG:  listening on IPv4 address \"0.0.0.0\", port 5432"),
                        format!("{ts} [1] LOG:  database system is ready to accept connections"),
                    ],
                    None,
                )
            } else {
                (
                    vec![
                        "Error: Database is uninitialized and superuser password is not specified.".into(),
                        "       You must specify POSTGRES_PASSWORD to a non-empty value for the".into(),
                        "       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".".into(),
                        String::new(),
                        "       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all".into(),
                        "       connections without a password. This is *not* recommended.".into(),
                        String::new(),
                        "       See PostgreSQL documentation about \"trust\":".into(),
                        "       https://www.postgresql.org/docs/current/auth-trust.html".into(),
                    ],
                    Some(1),
                )
            }
        }
        ImageKind::Shell | ImageKind::Repl | ImageKind::Stress => (Vec::new(), Some(0)),
    }
}

/// `sleep` operands: `5`, `0.5`, `2m`, `1h`, `infinity` (None = forever); Err = invalid.
fn parse_sleep(arg: &str) -> Option<Option<i64>> {
    if arg == "infinity" || arg == "inf" {
        return Some(None);
    }
    let (num, mult) = match arg.char_indices().last() {
        Some((i, 's')) => (arg.get(..i)?, 1000.0),
        Some((i, 'm')) => (arg.get(..i)?, 60_000.0),
        Some((i, 'h')) => (arg.get(..i)?, 3_600_000.0),
        Some((i, 'd')) => (arg.get(..i)?, 86_400_000.0),
        _ => (arg, 1000.0),
    };
    let n: f64 = num.parse().ok()?;
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let ms = n * mult;
    if ms > 1e15 {
        return Some(None);
    }
    Some(Some(ms.round() as i64))
}

/// `150M`, `1G`, `100k`, `1024` (stress's size suffixes, powers of 1024).
fn parse_bytes(s: &str) -> Option<i64> {
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (s.get(..s.len() - 1)?, 1i64 << 10),
        'm' | 'M' => (s.get(..s.len() - 1)?, 1 << 20),
        'g' | 'G' => (s.get(..s.len() - 1)?, 1 << 30),
        _ => (s, 1),
    };
    num.parse::<i64>().ok().map(|n| n.saturating_mul(mult))
}

/// A small `printf`: `%s`, `%d`, `%%`, `\n`, `\t`; the format repeats for extra arguments.
fn printf(fmt: &str, args: &[&str]) -> String {
    let mut out = String::new();
    let mut i = 0usize;
    loop {
        let mut chars = fmt.chars().peekable();
        let mut used = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some(o) => out.push(o),
                    None => out.push('\\'),
                },
                '%' => match chars.next() {
                    Some('s') | Some('d') | Some('i') => {
                        out.push_str(args.get(i).copied().unwrap_or(""));
                        i += 1;
                        used = true;
                    }
                    Some('%') => out.push('%'),
                    Some(o) => {
                        out.push('%');
                        out.push(o);
                    }
                    None => out.push('%'),
                },
                c => out.push(c),
            }
        }
        if !used || i >= args.len() {
            break;
        }
    }
    out
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// strftime for the few directives `date` users type, in UTC.
pub fn format_date(t: SimTime, fmt: &str) -> String {
    let secs = t.unix_secs();
    let rfc = apimachinery::time::format_rfc3339(secs);
    // rfc: YYYY-MM-DDTHH:MM:SSZ
    let part = |a: usize, b: usize| rfc.get(a..b).unwrap_or("").to_string();
    let (year, month, day) = (part(0, 4), part(5, 7), part(8, 10));
    let (hh, mm, ss) = (part(11, 13), part(14, 16), part(17, 19));
    let month_name = month
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .copied()
        .unwrap_or("");
    let weekday = DAYS
        .get(secs.div_euclid(86_400).rem_euclid(7) as usize)
        .copied()
        .unwrap_or("");
    let day_num: u32 = day.parse().unwrap_or(0);
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&year),
            Some('m') => out.push_str(&month),
            Some('d') => out.push_str(&day),
            Some('e') => out.push_str(&format!("{day_num:>2}")),
            Some('H') => out.push_str(&hh),
            Some('M') => out.push_str(&mm),
            Some('S') => out.push_str(&ss),
            Some('T') => out.push_str(&format!("{hh}:{mm}:{ss}")),
            Some('F') => out.push_str(&format!("{year}-{month}-{day}")),
            Some('Z') => out.push_str("UTC"),
            Some('z') => out.push_str("+0000"),
            Some('a') => out.push_str(weekday),
            Some('b') | Some('h') => out.push_str(month_name),
            Some('s') => out.push_str(&secs.to_string()),
            Some('N') => out.push_str(&format!("{:09}", t.unix_millis().rem_euclid(1000) * 1_000_000)),
            Some('%') => out.push('%'),
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

// ---- parsing ----

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(Word, bool),
    Op(&'static str),
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0usize;
    let at = |i: usize| chars.get(i).copied();
    while let Some(c) = at(i) {
        match c {
            ' ' | '\t' => i += 1,
            '#' => {
                while at(i).is_some_and(|c| c != '\n') {
                    i += 1;
                }
            }
            '\n' | ';' => {
                if c == ';' && at(i + 1) == Some(';') {
                    return Err("unexpected \";;\"".into());
                }
                toks.push(Tok::Op(";"));
                i += 1;
            }
            '&' if at(i + 1) == Some('&') => {
                toks.push(Tok::Op("&&"));
                i += 2;
            }
            '&' => {
                toks.push(Tok::Op(";"));
                i += 1;
            }
            '|' if at(i + 1) == Some('|') => {
                toks.push(Tok::Op("||"));
                i += 2;
            }
            // Pipelines run their commands one after the other (the model has no pipes).
            '|' => {
                toks.push(Tok::Op(";"));
                i += 1;
            }
            '>' if at(i + 1) == Some('>') => {
                toks.push(Tok::Op(">>"));
                i += 2;
            }
            '>' => {
                toks.push(Tok::Op(">"));
                i += 1;
            }
            '<' => {
                toks.push(Tok::Op("<"));
                i += 1;
            }
            _ => {
                let mut word: Word = Vec::new();
                let mut quoted_any = false;
                let mut lit = String::new();
                let flush = |lit: &mut String, word: &mut Word| {
                    if !lit.is_empty() {
                        word.push(Seg::Lit(std::mem::take(lit)));
                    }
                };
                // `2>&1` and `2>/dev/null`: a digit right before '>' is a descriptor.
                while let Some(c) = at(i) {
                    match c {
                        ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' => break,
                        '>' => break,
                        '\'' => {
                            quoted_any = true;
                            i += 1;
                            loop {
                                match at(i) {
                                    Some('\'') => break,
                                    Some(c) => lit.push(c),
                                    None => return Err("unterminated quoted string".into()),
                                }
                                i += 1;
                            }
                            i += 1;
                        }
                        '"' => {
                            quoted_any = true;
                            i += 1;
                            loop {
                                match at(i) {
                                    Some('"') => break,
                                    Some('\\') if matches!(at(i + 1), Some('"' | '\\' | '$' | '`')) => {
                                        if let Some(n) = at(i + 1) {
                                            lit.push(n);
                                        }
                                        i += 1;
                                    }
                                    Some('$') => {
                                        let (seg, used) = dollar(&chars, i, true)?;
                                        match seg {
                                            Some(seg) => {
                                                flush(&mut lit, &mut word);
                                                word.push(seg);
                                                i += used - 1;
                                            }
                                            None => lit.push('$'),
                                        }
                                    }
                                    Some(c) => lit.push(c),
                                    None => return Err("unterminated quoted string".into()),
                                }
                                i += 1;
                            }
                            i += 1;
                        }
                        '\\' => {
                            if let Some(n) = at(i + 1) {
                                if n != '\n' {
                                    lit.push(n);
                                }
                            }
                            i += 2;
                        }
                        '$' => {
                            let (seg, used) = dollar(&chars, i, false)?;
                            match seg {
                                Some(seg) => {
                                    flush(&mut lit, &mut word);
                                    word.push(seg);
                                    i += used;
                                }
                                None => {
                                    lit.push('$');
                                    i += 1;
                                }
                            }
                        }
                        c => {
                            lit.push(c);
                            i += 1;
                        }
                    }
                }
                flush(&mut lit, &mut word);
                // A lone descriptor number glued to '>' (2>&1, 2>/dev/null).
                let is_fd = at(i) == Some('>')
                    && word.len() == 1
                    && !quoted_any
                    && matches!(word.first(), Some(Seg::Lit(l)) if l.chars().all(|c| c.is_ascii_digit()));
                if is_fd {
                    if at(i + 1) == Some('&') {
                        // 2>&1: drop it entirely.
                        i += 2;
                        while at(i).is_some_and(|c| c.is_ascii_digit()) {
                            i += 1;
                        }
                    } else {
                        toks.push(Tok::Op("fd>"));
                        i += if at(i + 1) == Some('>') { 2 } else { 1 };
                    }
                    continue;
                }
                toks.push(Tok::Word(word, quoted_any));
            }
        }
    }
    Ok(toks)
}

/// `$NAME`, `${NAME}`, `$?`, `$(cmd)` at `chars[i] == '$'`: the segment and chars used.
fn dollar(chars: &[char], i: usize, quoted: bool) -> Result<(Option<Seg>, usize), String> {
    let at = |k: usize| chars.get(k).copied();
    match at(i + 1) {
        Some('{') => {
            let mut name = String::new();
            let mut k = i + 2;
            while let Some(c) = at(k) {
                if c == '}' {
                    return Ok((Some(Seg::Var { name, quoted }), k - i + 1));
                }
                name.push(c);
                k += 1;
            }
            Err("missing '}'".into())
        }
        Some('(') => {
            let mut depth = 1;
            let mut k = i + 2;
            let mut script = String::new();
            while let Some(c) = at(k) {
                if c == '(' {
                    depth += 1;
                } else if c == ')' {
                    depth -= 1;
                    if depth == 0 {
                        return Ok((Some(Seg::Sub { script, quoted }), k - i + 1));
                    }
                }
                script.push(c);
                k += 1;
            }
            Err("unexpected end of file (expecting \")\")".into())
        }
        Some('?') => Ok((
            Some(Seg::Var {
                name: "?".into(),
                quoted,
            }),
            2,
        )),
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {
            let mut name = String::new();
            let mut k = i + 1;
            while let Some(c) = at(k).filter(|c| c.is_ascii_alphanumeric() || *c == '_') {
                name.push(c);
                k += 1;
            }
            Ok((Some(Seg::Var { name, quoted }), k - i))
        }
        _ => Ok((None, 1)),
    }
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn peek_keyword(&self) -> Option<String> {
        match self.peek() {
            Some(Tok::Word(w, false)) => match w.as_slice() {
                [Seg::Lit(l)] => Some(l.clone()),
                _ => None,
            },
            _ => None,
        }
    }

    fn skip_separators(&mut self) {
        while matches!(self.peek(), Some(Tok::Op(";"))) {
            self.pos += 1;
        }
    }

    fn expect_keyword(&mut self, kw: &str) -> Result<(), String> {
        if self.peek_keyword().as_deref() == Some(kw) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("unexpected end of file (expecting \"{kw}\")"))
        }
    }

    fn list(&mut self, terminators: &[&str]) -> Result<Vec<Cmd>, String> {
        let mut out = Vec::new();
        loop {
            self.skip_separators();
            match self.peek_keyword() {
                Some(k) if terminators.contains(&k.as_str()) => break,
                _ => {}
            }
            if self.peek().is_none() {
                break;
            }
            out.push(self.and_or()?);
        }
        Ok(out)
    }

    fn and_or(&mut self) -> Result<Cmd, String> {
        let mut left = self.command()?;
        loop {
            match self.peek() {
                Some(Tok::Op("&&")) => {
                    self.pos += 1;
                    self.skip_separators();
                    left = Cmd::And(Box::new(left), Box::new(self.command()?));
                }
                Some(Tok::Op("||")) => {
                    self.pos += 1;
                    self.skip_separators();
                    left = Cmd::Or(Box::new(left), Box::new(self.command()?));
                }
                _ => return Ok(left),
            }
        }
    }

    fn command(&mut self) -> Result<Cmd, String> {
        match self.peek_keyword().as_deref() {
            Some(kw @ ("while" | "until")) => {
                let until = kw == "until";
                self.pos += 1;
                let cond = self.list(&["do"])?;
                self.expect_keyword("do")?;
                let body = self.list(&["done"])?;
                self.expect_keyword("done")?;
                Ok(Cmd::Loop { until, cond, body })
            }
            Some("for") => {
                self.pos += 1;
                let var = self
                    .peek_keyword()
                    .filter(|v| is_name(v))
                    .ok_or("bad for loop variable")?;
                self.pos += 1;
                let mut items = Vec::new();
                if self.peek_keyword().as_deref() == Some("in") {
                    self.pos += 1;
                    while let Some(Tok::Word(w, _)) = self.peek() {
                        items.push(w.clone());
                        self.pos += 1;
                    }
                }
                self.skip_separators();
                self.expect_keyword("do")?;
                let body = self.list(&["done"])?;
                self.expect_keyword("done")?;
                Ok(Cmd::For { var, items, body })
            }
            Some("if") => {
                self.pos += 1;
                let cond = self.list(&["then"])?;
                self.expect_keyword("then")?;
                let then = self.list(&["else", "elif", "fi"])?;
                let otherwise = match self.peek_keyword().as_deref() {
                    Some("else") => {
                        self.pos += 1;
                        let o = self.list(&["fi"])?;
                        self.expect_keyword("fi")?;
                        o
                    }
                    Some("elif") => {
                        // `elif` is an `if` nested in the else branch that shares the `fi`.
                        if let Some(Tok::Word(w, q)) = self.toks.get_mut(self.pos) {
                            *w = lit("if");
                            *q = false;
                        }
                        vec![self.command()?]
                    }
                    _ => {
                        self.expect_keyword("fi")?;
                        Vec::new()
                    }
                };
                Ok(Cmd::If { cond, then, otherwise })
            }
            Some(k @ ("do" | "done" | "then" | "fi" | "else")) => Err(format!("unexpected \"{k}\"")),
            _ => self.simple(),
        }
    }

    fn simple(&mut self) -> Result<Cmd, String> {
        let mut words = Vec::new();
        let mut redirect = Redirect::None;
        loop {
            match self.peek().cloned() {
                Some(Tok::Word(w, _)) => {
                    words.push(w);
                    self.pos += 1;
                }
                Some(Tok::Op(op @ (">" | ">>" | "fd>" | "<"))) => {
                    self.pos += 1;
                    let Some(Tok::Word(target, _)) = self.peek().cloned() else {
                        return Err("unexpected newline".into());
                    };
                    self.pos += 1;
                    let is_null = matches!(target.as_slice(), [Seg::Lit(l)] if l == "/dev/null");
                    redirect = match op {
                        "<" | "fd>" => redirect,
                        _ if is_null => Redirect::Null,
                        ">" => Redirect::Write(target),
                        _ => Redirect::Append(target),
                    };
                }
                _ => break,
            }
        }
        if words.is_empty() && redirect == Redirect::None {
            return Err(match self.peek() {
                Some(Tok::Op(op)) => format!("unexpected \"{op}\""),
                _ => "unexpected end of file".into(),
            });
        }
        Ok(Cmd::Simple { words, redirect })
    }
}

fn parse_script(script: &str) -> Result<Vec<Cmd>, String> {
    let toks = tokenize(script)?;
    let mut p = Parser { toks, pos: 0 };
    let cmds = p.list(&[])?;
    if p.pos < p.toks.len() {
        return Err(match p.peek_keyword() {
            Some(k) => format!("unexpected \"{k}\""),
            None => "unexpected token".into(),
        });
    }
    Ok(cmds)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> SimTime {
        SimTime::from_unix_secs(1_767_225_600)
    }

    fn sh(script: &str) -> Process {
        let argv = vec!["sh".to_string(), "-c".to_string(), script.to_string()];
        let ctx = StartContext {
            env: vec![
                ("GREETING".into(), "hello world".into()),
                ("HOSTNAME".into(), "pod1".into()),
            ],
            hostname: "pod1".into(),
            files: [("/etc/config/app.conf".to_string(), "mode=prod\n".to_string())]
                .into_iter()
                .collect(),
            stdin: false,
            memory_limit: None,
        };
        Process::start(&argv, ImageKind::Shell, Flavor::Busybox, "", &ctx, t0()).unwrap()
    }

    fn texts(lines: &[LogLine]) -> Vec<String> {
        lines.iter().map(|l| l.text.clone()).collect()
    }

    #[test]
    fn scripts_print_and_exit_with_their_codes() {
        let cases: &[(&str, &[&str], i32)] = &[
            ("echo hi; exit 3", &["hi"], 3),
            ("echo \"$GREETING\" && echo ok", &["hello world", "ok"], 0),
            ("false || echo fallback", &["fallback"], 0),
            ("false && echo never", &[], 1),
            (
                "for i in 1 2 3; do echo item $i; done",
                &["item 1", "item 2", "item 3"],
                0,
            ),
            ("cat /etc/config/app.conf", &["mode=prod"], 0),
            ("cat /nope", &["cat: can't open '/nope': No such file or directory"], 1),
            ("nosuch", &["sh: nosuch: not found"], 127),
            ("echo $(hostname)", &["pod1"], 0),
            (
                "if [ -f /etc/config/app.conf ]; then echo yes; else echo no; fi",
                &["yes"],
                0,
            ),
            (
                "touch /tmp/x; [ -f /tmp/x ] && echo made; rm /tmp/x; [ -f /tmp/x ] || echo gone",
                &["made", "gone"],
                0,
            ),
            ("echo a > /tmp/f; echo b >> /tmp/f; cat /tmp/f", &["a", "b"], 0),
            ("printf '%s-%s\\n' a b", &["a-b"], 0),
            ("exit 1", &[], 1),
            ("i=0; i=$((i+1)); echo $((i*10+2)) $(( (7 - 1) / 2 ))", &["12 3"], 0),
            ("echo a > /l; tail -n+1 -f /l", &["a"], -1),
            ("date", &["Thu Jan  1 00:00:00 UTC 2026"], 0),
        ];
        for (script, want, code) in cases {
            let mut p = sh(script);
            let out = p.run(t0());
            assert_eq!(
                texts(&out),
                want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "{script}"
            );
            let want_exit = if *code < 0 { None } else { Some(*code) };
            assert_eq!(p.exited(), want_exit, "{script}");
        }
    }

    #[test]
    fn sleep_blocks_on_virtual_time_and_loops_resume() {
        let mut p = sh("while true; do echo tick; sleep 5; done");
        assert_eq!(texts(&p.run(t0())), vec!["tick"]);
        assert_eq!(p.next_wakeup(), Some(t0().add(Duration::from_secs(5))));
        let out = p.run(t0().add(Duration::from_secs(12)));
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].time, t0().add(Duration::from_secs(5)));
        assert_eq!(out[1].time, t0().add(Duration::from_secs(10)));
        assert_eq!(p.exited(), None);
    }

    #[test]
    fn sleep_then_exit_ends_at_the_right_time() {
        let mut p = sh("echo start; sleep 30; echo done; exit 0");
        p.run(t0().add(Duration::from_secs(29)));
        assert_eq!(p.exited(), None);
        let out = p.run(t0().add(Duration::from_secs(30)));
        assert_eq!(texts(&out), vec!["done"]);
        assert_eq!(p.exited(), Some(0));
    }

    #[test]
    fn a_loop_without_sleep_is_busy_but_does_not_hang() {
        let mut p = sh("while true; do :; done");
        p.run(t0());
        assert!(p.busy);
        assert_eq!(p.exited(), None);
        // An hour of a chatty busy loop stays bounded.
        let mut q = sh("while true; do echo spam; done");
        let out = q.run(t0().add(Duration::from_secs(3600)));
        assert!(out.len() <= 20_000, "{}", out.len());
        assert_eq!(out.last().map(|l| l.time), Some(t0().add(Duration::from_secs(3600))));
    }

    #[test]
    fn servers_print_start_up_lines_and_run_until_stopped() {
        let ctx = StartContext::default();
        let argv: Vec<String> = ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut p = Process::start(&argv, ImageKind::Nginx, Flavor::Gnu, "1.29.3", &ctx, t0()).unwrap();
        let out = p.run(t0());
        assert_eq!(
            out[0].text,
            "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
        );
        assert!(out
            .iter()
            .any(|l| l.text == "2026/01/01 00:00:00 [notice] 1#1: nginx/1.29.3"));
        assert_eq!(p.exited(), None);
        assert_eq!(p.listening, vec![80]);
    }

    #[test]
    fn mysql_without_a_root_password_exits_one() {
        let argv: Vec<String> = ["docker-entrypoint.sh", "mysqld"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut p = Process::start(
            &argv,
            ImageKind::Mysql,
            Flavor::Gnu,
            "9.5.0-1.el9",
            &StartContext::default(),
            t0(),
        )
        .unwrap();
        let out = p.run(t0());
        assert_eq!(p.exited(), Some(1));
        assert!(out.iter().any(|l| l
            .text
            .ends_with("Database is uninitialized and password option is not specified")));
    }

    #[test]
    fn shells_without_a_script_exit_zero_and_unknown_binaries_fail_to_start() {
        let mut p = Process::start(
            &["sh".to_string()],
            ImageKind::Shell,
            Flavor::Busybox,
            "",
            &StartContext::default(),
            t0(),
        )
        .unwrap();
        p.run(t0());
        assert_eq!(p.exited(), Some(0));
        let err = Process::start(
            &["foo".to_string()],
            ImageKind::Shell,
            Flavor::Busybox,
            "",
            &StartContext::default(),
            t0(),
        )
        .unwrap_err();
        assert!(err
            .message
            .contains("exec: \"foo\": executable file not found in $PATH"));
    }

    #[test]
    fn log_timestamps_have_nine_fraction_digits() {
        let l = LogLine {
            time: t0().add(Duration::from_millis(1718)),
            text: String::new(),
        };
        assert_eq!(l.timestamp(), "2026-01-01T00:00:01.718000000Z");
    }

    #[test]
    fn arbitrary_scripts_never_panic() {
        // A deterministic stream of fragments glued into odd scripts.
        let parts = [
            "echo",
            "'",
            "\"",
            "$",
            "$(",
            "$((",
            "))",
            ")",
            "(",
            "{",
            "}",
            "${",
            ";",
            "&&",
            "||",
            "|",
            "&",
            ">",
            ">>",
            "2>&1",
            "while",
            "do",
            "done",
            "for",
            "in",
            "if",
            "then",
            "else",
            "elif",
            "fi",
            "sleep",
            "1",
            "-1",
            "x",
            "exit",
            "999999999999999999999",
            "\n",
            " ",
            "\\",
            "cat",
            "/a",
            "tail",
            "-f",
            "[",
            "]",
            "=",
            "$?",
            "until",
        ];
        let mut seed: u64 = 42;
        for _ in 0..3000 {
            let mut script = String::new();
            for _ in 0..(seed % 12) {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                script.push_str(parts[(seed >> 33) as usize % parts.len()]);
                script.push(' ');
            }
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let mut p = sh(&script);
            p.run(t0().add(Duration::from_secs(5)));
        }
    }

    #[test]
    fn kubelet_expands_dollar_parens_from_env_only() {
        let env = vec![("A".to_string(), "1".to_string())];
        assert_eq!(expand_kube_vars("x$(A)y $(B) $$(A)", &env), "x1y $(B) $(A)");
    }

    #[test]
    fn syntax_errors_do_not_panic() {
        for s in [
            "while true; do echo",
            "'unterminated",
            "for; do",
            "fi",
            "echo ${X",
            "$(",
            "&&",
            ">",
        ] {
            let mut p = sh(s);
            p.run(t0());
            assert!(p.exited().is_some(), "{s}");
        }
    }
}
