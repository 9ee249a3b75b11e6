//! Running parsed commands: lists, pipelines, compound commands and redirections.
//!
//! Commands run one after another (there is no concurrency to emulate): a pipeline stage's
//! stdout becomes the next stage's stdin, its stderr goes straight to the terminal. Every
//! command writes into an [`Output`]; redirections then route its two streams.

use std::cell::RefCell;
use std::rc::Rc;

use kubectl::{Output, Stream};

use crate::fs::resolve;
use crate::parse::{Command, CondTok, HereDoc, List, ParseError, Parsed, Parser, Pipeline, RedirOp, Redirect};
use crate::{Fut, Shell};

/// Where a script comes from, which is how bash words its syntax errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Typed at the prompt: `bash: MESSAGE`, and the shell goes on.
    Interactive,
    /// `bash -c` (`bash: -c`) or a script file (its path): `PREFIX: line N: MESSAGE`.
    Named(String),
    /// Read from standard input by the named program: `bash: MESSAGE`, without a line number.
    Unnamed(String),
}

impl Origin {
    /// The lines bash prints for a syntax error; `pos` is where the offending token began.
    pub(crate) fn syntax_error(&self, src: &str, e: &ParseError, pos: usize) -> String {
        let (ParseError::Incomplete(m) | ParseError::Syntax(m)) = e;
        let (prefix, line) = match self {
            Origin::Interactive => return format!("bash: {m}\n"),
            Origin::Named(name) => (name.as_str(), Some(error_line(src, e, pos))),
            Origin::Unnamed(name) => (name.as_str(), None),
        };
        let at = line.map(|n| format!(" line {n}:")).unwrap_or_default();
        let mut text = format!("{prefix}:{at} {m}\n");
        if matches!(e, ParseError::Syntax(_)) {
            // Non-interactive bash also shows the line the token is on.
            let shown = line_text(src, pos);
            text.push_str(&format!("{prefix}:{at} `{shown}'\n"));
        }
        text
    }
}

/// The line bash names: the token's for syntax errors and open quotes; for input that ends
/// too early (`if` without `fi`, `$(` without `)`), the line after the last, counting a final
/// line without a newline as ended.
fn error_line(src: &str, e: &ParseError, pos: usize) -> usize {
    let at_end = match e {
        ParseError::Incomplete(m) => !m.starts_with("unexpected EOF") || m.ends_with("`)'"),
        ParseError::Syntax(_) => false,
    };
    if at_end {
        let newlines = src.matches('\n').count();
        return newlines + 1 + usize::from(!src.is_empty() && !src.ends_with('\n'));
    }
    1 + src.chars().take(pos).filter(|c| *c == '\n').count()
}

/// The text of the line holding char offset `pos`, without its newline.
fn line_text(src: &str, pos: usize) -> String {
    let before: String = src.chars().take(pos).collect();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let rest = src.get(start..).unwrap_or("");
    rest.split('\n').next().unwrap_or("").to_string()
}

/// Standard input shared by the commands of a list: each reader consumes what it reads, so
/// `while read line; do …; done < file` walks the file line by line.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stdin(Option<Rc<RefCell<String>>>);

impl Stdin {
    /// No redirection or pipe: the terminal, which has nothing typed ahead.
    pub fn none() -> Self {
        Stdin(None)
    }
    pub fn text(s: String) -> Self {
        Stdin(Some(Rc::new(RefCell::new(s))))
    }
    /// Everything not read yet; `None` when stdin is the terminal.
    pub fn take_all(&self) -> Option<String> {
        let buf = self.0.as_ref()?;
        let mut b = buf.try_borrow_mut().ok()?;
        Some(std::mem::take(&mut *b))
    }
    /// Whether this is the terminal (no pipe, file or here-document).
    pub fn take_line_peek_is_terminal(&self) -> bool {
        self.0.is_none()
    }
    /// The next line (without its newline) and whether a newline ended it; `None` at EOF.
    pub fn take_line(&self) -> Option<(String, bool)> {
        let buf = self.0.as_ref()?;
        let mut b = buf.try_borrow_mut().ok()?;
        if b.is_empty() {
            return None;
        }
        match b.find('\n') {
            Some(i) => {
                let rest = b.split_off(i + 1);
                let mut line = std::mem::replace(&mut *b, rest);
                line.pop();
                Some((line, true))
            }
            None => Some((std::mem::take(&mut *b), false)),
        }
    }
}

/// How control leaves a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Normal,
    /// `exit` ran: stop the shell (or the subshell).
    Exit,
    /// `break N` / `continue N`.
    Break(u32),
    Continue(u32),
    /// `return` inside a function.
    Return,
    /// An expansion error (bad substitution, division by 0, `${x?}`): an interactive bash
    /// drops the rest of the command line.
    Abort,
    /// Ctrl-C while a command waited: like bash on SIGINT, nothing more of the line (or
    /// script) runs and `$?` is 130.
    Interrupt,
}

/// Nesting bound for command substitutions, subshells and sourced scripts.
pub(crate) const MAX_DEPTH: usize = 24;
/// `while true` would hang the tab: loops stop after this many iterations.
pub(crate) const MAX_LOOP_ITERATIONS: usize = 10_000;
/// bash's FUNCNEST is unlimited, but a runaway recursion must not overflow the stack.
pub(crate) const MAX_FUNCTION_DEPTH: usize = 40;
/// Bound on nested command execution (each level costs several stack frames).
pub(crate) const MAX_EXEC_DEPTH: usize = 120;

/// What real `clear` writes; the shell turns it into [`crate::LineResult::clear`].
pub(crate) const CLEAR_SEQUENCE: &str = "\x1b[H\x1b[2J\x1b[3J";

/// What [`Shell::with_redirects`] runs once the redirections are in place: a compound
/// command's body, a simple command's expanded words, or nothing but a status.
enum Body<'c> {
    Compound(&'c Command),
    Run(&'c [String]),
    Status(i32),
}

/// Where one output stream of a command goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Stdout,
    Stderr,
    Null,
    File(usize),
}

struct Fds {
    out: Target,
    err: Target,
    /// Files opened by redirections: absolute path and what was written to it.
    files: Vec<(String, String)>,
}

impl Shell {
    /// Parses and runs `src` command by command. `tty` says whether stdout is the terminal.
    pub(crate) async fn exec_script(&mut self, src: &str, out: &mut Output, tty: bool) -> Flow {
        self.exec_script_from(src, &Origin::Interactive, out, tty).await
    }

    /// Runs `src` command by command; `origin` decides how syntax errors read and whether
    /// they end the script (they do in every non-interactive shell).
    async fn exec_script_from_impl(&mut self, src: &str, origin: &Origin, out: &mut Output, tty: bool) -> Flow {
        // Text pasted from Windows pages ends lines with CRLF; bash would choke on the `\r`.
        let src = src.replace("\r\n", "\n");
        let mut parser = Parser::new(&src, self.state.aliases.clone());
        loop {
            parser.set_aliases(self.state.aliases.clone());
            let step = parser.next_command();
            for w in parser.take_warnings() {
                out.stderr(format!("bash: {w}\n"));
            }
            match step {
                Parsed::End => break,
                Parsed::Error(e) => {
                    out.stderr(origin.syntax_error(&src, &e, parser.error_position()));
                    self.state.last_status = 2;
                    if matches!(e, ParseError::Incomplete(_)) || !matches!(origin, Origin::Interactive) {
                        break;
                    }
                }
                Parsed::Command(cc) => {
                    // Abort, break and continue end this command line only; Ctrl-C ends all.
                    let flow = self.exec_list(&cc.list, &cc.heredocs, &Stdin::none(), out, tty).await;
                    if matches!(flow, Flow::Exit | Flow::Interrupt) {
                        return flow;
                    }
                }
            }
        }
        Flow::Normal
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn exec_script_from<'a>(
        &'a mut self,
        src: &'a str,
        origin: &'a Origin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, Flow> {
        Box::pin(self.exec_script_from_impl(src, origin, out, tty))
    }

    async fn exec_list_impl(
        &mut self,
        list: &List,
        hd: &[HereDoc],
        stdin: &Stdin,
        out: &mut Output,
        tty: bool,
    ) -> Flow {
        for item in &list.items {
            let mut flow = self.exec_pipeline(&item.first, hd, stdin, out, tty).await;
            for (and, p) in &item.rest {
                if flow != Flow::Normal {
                    break;
                }
                if *and == (self.state.last_status == 0) {
                    flow = self.exec_pipeline(p, hd, stdin, out, tty).await;
                }
            }
            if flow != Flow::Normal {
                return flow;
            }
        }
        Flow::Normal
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn exec_list<'a>(
        &'a mut self,
        list: &'a List,
        hd: &'a [HereDoc],
        stdin: &'a Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, Flow> {
        Box::pin(self.exec_list_impl(list, hd, stdin, out, tty))
    }

    async fn exec_pipeline_impl(
        &mut self,
        p: &Pipeline,
        hd: &[HereDoc],
        stdin: &Stdin,
        out: &mut Output,
        tty: bool,
    ) -> Flow {
        if self.interrupted() {
            return self.interrupt_flow();
        }
        let started = self.cluster.borrow().now();
        let mut flow = Flow::Normal;
        if p.cmds.len() == 1 {
            if let Some(cmd) = p.cmds.first() {
                flow = self.exec_command(cmd, hd, stdin.clone(), out, tty).await;
            }
        } else {
            let mut input = stdin.clone();
            let last = p.cmds.len() - 1;
            for (i, cmd) in p.cmds.iter().enumerate() {
                // Each stage is a subshell: `exit` or `break` there ends only that stage. After
                // Ctrl-C the later stages still run, on what was written before it (their
                // lines had reached the terminal as they streamed).
                if i == last {
                    let f = self.exec_command(cmd, hd, std::mem::take(&mut input), out, tty).await;
                    self.run.exit &= f != Flow::Exit;
                } else {
                    let mut stage = Output::default();
                    self.run.buffered += 1;
                    let f = self
                        .exec_command(cmd, hd, std::mem::take(&mut input), &mut stage, false)
                        .await;
                    self.run.buffered -= 1;
                    self.run.exit &= f != Flow::Exit;
                    let mut piped = String::new();
                    for (stream, text) in stage.chunks {
                        match stream {
                            Stream::Stdout => piped.push_str(&text),
                            Stream::Stderr => out.stderr(text),
                        }
                    }
                    input = Stdin::text(piped);
                }
            }
        }
        if p.negate {
            self.state.last_status = i32::from(self.state.last_status == 0);
        }
        if p.timed {
            // Only virtual time passes (sleep, waits); the CPU time of a simulation is 0.
            let ms = self.cluster.borrow().now().since(started).as_millis().max(0);
            out.stderr(format!(
                "\nreal\t{}m{}.{:03}s\nuser\t0m0.000s\nsys\t0m0.000s\n",
                ms / 60_000,
                (ms / 1000) % 60,
                ms % 1000
            ));
        }
        if self.interrupted() {
            return self.interrupt_flow();
        }
        flow
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn exec_pipeline<'a>(
        &'a mut self,
        p: &'a Pipeline,
        hd: &'a [HereDoc],
        stdin: &'a Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, Flow> {
        Box::pin(self.exec_pipeline_impl(p, hd, stdin, out, tty))
    }

    async fn exec_command_impl(
        &mut self,
        cmd: &Command,
        hd: &[HereDoc],
        stdin: Stdin,
        out: &mut Output,
        tty: bool,
    ) -> Flow {
        if self.run.exec_depth >= MAX_EXEC_DEPTH {
            out.stderr("bash: maximum nesting level exceeded\n");
            self.state.last_status = 1;
            return Flow::Abort;
        }
        self.run.exec_depth += 1;
        let flow = self.exec_command_inner(cmd, hd, stdin, out, tty).await;
        self.run.exec_depth -= 1;
        flow
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn exec_command<'a>(
        &'a mut self,
        cmd: &'a Command,
        hd: &'a [HereDoc],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, Flow> {
        Box::pin(self.exec_command_impl(cmd, hd, stdin, out, tty))
    }

    async fn exec_command_inner_impl(
        &mut self,
        cmd: &Command,
        hd: &[HereDoc],
        stdin: Stdin,
        out: &mut Output,
        tty: bool,
    ) -> Flow {
        let redirs = match cmd {
            Command::Simple { assigns, words, redirs } => {
                return self.exec_simple(assigns, words, redirs, hd, stdin, out, tty).await;
            }
            Command::Function { name, body } => {
                self.functions
                    .insert(name.clone(), std::rc::Rc::new((body.as_ref().clone(), hd.to_vec())));
                self.state.last_status = 0;
                return Flow::Normal;
            }
            Command::Group { redirs, .. }
            | Command::For { redirs, .. }
            | Command::Cond { redirs, .. }
            | Command::Arith { redirs, .. }
            | Command::Case { redirs, .. }
            | Command::If { redirs, .. }
            | Command::While { redirs, .. } => redirs,
        };
        self.with_redirects(redirs, hd, stdin, out, tty, Body::Compound(cmd))
            .await
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn exec_command_inner<'a>(
        &'a mut self,
        cmd: &'a Command,
        hd: &'a [HereDoc],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, Flow> {
        Box::pin(self.exec_command_inner_impl(cmd, hd, stdin, out, tty))
    }

    /// Runs the body of a compound command (its redirections are already in place).
    async fn exec_compound_impl(
        &mut self,
        cmd: &Command,
        hd: &[HereDoc],
        stdin: Stdin,
        o: &mut Output,
        tty: bool,
    ) -> Flow {
        match cmd {
            Command::Simple { .. } | Command::Function { .. } => Flow::Normal,
            Command::Group { body, subshell, .. } => {
                if !*subshell {
                    return self.exec_list(body, hd, &stdin, o, tty).await;
                }
                if self.run.depth >= MAX_DEPTH {
                    o.stderr("bash: maximum subshell nesting level exceeded\n");
                    self.state.last_status = 1;
                    return Flow::Normal;
                }
                let saved = (
                    self.state.vars.clone(),
                    self.state.exported.clone(),
                    self.state.cwd.clone(),
                );
                self.run.depth += 1;
                let flow = self.exec_list(body, hd, &stdin, o, tty).await;
                self.run.depth -= 1;
                self.run.exit = false;
                (self.state.vars, self.state.exported, self.state.cwd) = saved;
                if flow == Flow::Interrupt {
                    return flow;
                }
                Flow::Normal
            }
            Command::For { var, items, body, .. } => {
                let mut values = Vec::new();
                self.run.cmdsub_status = None;
                for w in items.iter().flatten() {
                    match self.expand_fields(w, o).await {
                        Ok(f) => values.extend(f),
                        Err(m) => {
                            o.stderr(format!("bash: {m}\n"));
                            self.state.last_status = 1;
                            return Flow::Abort;
                        }
                    }
                }
                self.state.last_status = 0;
                for v in values {
                    self.set_var(var, &v);
                    match self.exec_list(body, hd, &stdin, o, tty).await {
                        Flow::Normal => {}
                        f @ (Flow::Exit | Flow::Abort | Flow::Return | Flow::Interrupt) => return f,
                        Flow::Break(n) => return if n > 1 { Flow::Break(n - 1) } else { Flow::Normal },
                        Flow::Continue(n) if n > 1 => return Flow::Continue(n - 1),
                        Flow::Continue(_) => {}
                    }
                }
                Flow::Normal
            }
            Command::Cond { tokens, .. } => {
                self.run.cmdsub_status = None;
                let mut pos = 0;
                match self.cond_or(tokens, &mut pos, o).await {
                    Ok(v) if pos == tokens.len() => self.state.last_status = i32::from(!v),
                    Ok(_) => {
                        o.stderr("bash: syntax error in conditional expression\n");
                        self.state.last_status = 2;
                    }
                    Err(m) => {
                        o.stderr(format!("bash: {m}\n"));
                        self.state.last_status = 2;
                    }
                }
                Flow::Normal
            }
            Command::Arith { expr, .. } => {
                match self.arith_command(expr, o).await {
                    Ok(v) => self.state.last_status = i32::from(v == "0"),
                    Err(m) => {
                        o.stderr(format!("bash: ((: {m}\n"));
                        self.state.last_status = 1;
                    }
                }
                Flow::Normal
            }
            Command::Case { word, items, .. } => {
                self.run.cmdsub_status = None;
                let value = match self.expand_assignment(word, o).await {
                    Ok(v) => v,
                    Err(m) => {
                        o.stderr(format!("bash: {m}\n"));
                        self.state.last_status = 1;
                        return Flow::Abort;
                    }
                };
                for (patterns, body) in items {
                    for p in patterns {
                        let pattern = match self.expand_pattern(p, o).await {
                            Ok(p) => p,
                            Err(m) => {
                                o.stderr(format!("bash: {m}\n"));
                                self.state.last_status = 1;
                                return Flow::Abort;
                            }
                        };
                        if crate::regex::glob_match(&pattern, &value) {
                            self.state.last_status = 0;
                            return self.exec_list(body, hd, &stdin, o, tty).await;
                        }
                    }
                }
                self.state.last_status = 0;
                Flow::Normal
            }
            Command::If {
                branches, otherwise, ..
            } => {
                for (cond, body) in branches {
                    let f = self.exec_list(cond, hd, &stdin, o, tty).await;
                    if f != Flow::Normal {
                        return f;
                    }
                    if self.state.last_status == 0 {
                        return self.exec_list(body, hd, &stdin, o, tty).await;
                    }
                }
                match otherwise {
                    Some(body) => self.exec_list(body, hd, &stdin, o, tty).await,
                    None => {
                        self.state.last_status = 0;
                        Flow::Normal
                    }
                }
            }
            Command::While { cond, body, until, .. } => {
                let mut status = 0;
                for _ in 0..MAX_LOOP_ITERATIONS {
                    let f = self.exec_list(cond, hd, &stdin, o, tty).await;
                    if f != Flow::Normal {
                        return f;
                    }
                    if (self.state.last_status == 0) == *until {
                        self.state.last_status = status;
                        return Flow::Normal;
                    }
                    match self.exec_list(body, hd, &stdin, o, tty).await {
                        Flow::Normal => {}
                        f @ (Flow::Exit | Flow::Abort | Flow::Return | Flow::Interrupt) => return f,
                        Flow::Break(n) => return if n > 1 { Flow::Break(n - 1) } else { Flow::Normal },
                        Flow::Continue(n) if n > 1 => return Flow::Continue(n - 1),
                        Flow::Continue(_) => {}
                    }
                    status = self.state.last_status;
                }
                o.stderr(format!(
                    "kubeplay: loop stopped after {MAX_LOOP_ITERATIONS} iterations (press Ctrl-C in a real terminal)\n"
                ));
                self.state.last_status = 130;
                Flow::Normal
            }
        }
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn exec_compound<'a>(
        &'a mut self,
        cmd: &'a Command,
        hd: &'a [HereDoc],
        stdin: Stdin,
        o: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, Flow> {
        Box::pin(self.exec_compound_impl(cmd, hd, stdin, o, tty))
    }

    #[allow(clippy::too_many_arguments)]
    async fn exec_simple_impl(
        &mut self,
        assigns: &[(String, crate::parse::Word)],
        words: &[crate::parse::Word],
        redirs: &[Redirect],
        hd: &[HereDoc],
        stdin: Stdin,
        out: &mut Output,
        tty: bool,
    ) -> Flow {
        self.run.cmdsub_status = None;
        let was_interrupted = self.interrupted();
        let mut argv = Vec::new();
        for w in words {
            match self.expand_fields(w, out).await {
                Ok(f) => argv.extend(f),
                Err(m) => {
                    out.stderr(format!("bash: {m}\n"));
                    self.state.last_status = 1;
                    return Flow::Abort;
                }
            }
        }
        let mut values = Vec::new();
        for (name, w) in assigns {
            match self.expand_assignment(w, out).await {
                Ok(v) => values.push((name.clone(), v)),
                Err(m) => {
                    out.stderr(format!("bash: {m}\n"));
                    self.state.last_status = 1;
                    return Flow::Abort;
                }
            }
        }
        if !was_interrupted && self.interrupted() {
            // Ctrl-C in a command substitution: the command it was for does not run.
            return self.interrupt_flow();
        }
        if argv.is_empty() {
            for (name, v) in &values {
                self.set_var(name, v);
            }
            let status = self.run.cmdsub_status.unwrap_or(0);
            self.state.last_status = status;
            return self
                .with_redirects(redirs, hd, stdin, out, tty, Body::Status(status))
                .await;
        }
        // `NAME=value cmd`: the assignment holds for this command only.
        let saved: Vec<(String, Option<String>, bool)> = values
            .iter()
            .map(|(n, _)| {
                (
                    n.clone(),
                    self.state.vars.get(n).cloned(),
                    self.state.exported.contains(n),
                )
            })
            .collect();
        for (name, v) in &values {
            self.state.vars.insert(name.clone(), v.clone());
            self.state.exported.insert(name.clone());
        }
        let flow = self.with_redirects(redirs, hd, stdin, out, tty, Body::Run(&argv)).await;
        for (name, old, was_exported) in saved {
            match old {
                Some(v) => self.state.vars.insert(name.clone(), v),
                None => self.state.vars.remove(&name),
            };
            if !was_exported {
                self.state.exported.remove(&name);
            }
        }
        flow
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    #[allow(clippy::too_many_arguments)]
    fn exec_simple<'a>(
        &'a mut self,
        assigns: &'a [(String, crate::parse::Word)],
        words: &'a [crate::parse::Word],
        redirs: &'a [Redirect],
        hd: &'a [HereDoc],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, Flow> {
        Box::pin(self.exec_simple_impl(assigns, words, redirs, hd, stdin, out, tty))
    }

    async fn run_body_impl(
        &mut self,
        body: Body<'_>,
        hd: &[HereDoc],
        stdin: Stdin,
        out: &mut Output,
        tty: bool,
    ) -> Flow {
        match body {
            Body::Compound(cmd) => self.exec_compound(cmd, hd, stdin, out, tty).await,
            Body::Run(argv) => self.run_command(argv, stdin, out, tty).await,
            Body::Status(status) => {
                self.state.last_status = status;
                Flow::Normal
            }
        }
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn run_body<'a>(
        &'a mut self,
        body: Body<'a>,
        hd: &'a [HereDoc],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, Flow> {
        Box::pin(self.run_body_impl(body, hd, stdin, out, tty))
    }

    /// Sets up `redirs`, runs `body` with the resulting stdin into a fresh output, then
    /// routes that output to the terminal streams, files or nowhere. Without redirections
    /// the body writes straight into `out` (so a terminal can show it live).
    async fn with_redirects_impl(
        &mut self,
        redirs: &[Redirect],
        hd: &[HereDoc],
        stdin: Stdin,
        out: &mut Output,
        tty: bool,
        body: Body<'_>,
    ) -> Flow {
        if redirs.is_empty() {
            return self.run_body(body, hd, stdin, out, tty).await;
        }
        let mut fds = Fds {
            out: Target::Stdout,
            err: Target::Stderr,
            files: Vec::new(),
        };
        let mut stdin = stdin;
        for r in redirs {
            if let Err(m) = self.setup_redirect(r, hd, &mut fds, &mut stdin, out).await {
                out.stderr(format!("bash: {m}\n"));
                self.state.last_status = 1;
                return Flow::Normal;
            }
        }
        let mut inner = Output::default();
        self.run.buffered += 1;
        let flow = self
            .run_body(body, hd, stdin, &mut inner, tty && fds.out == Target::Stdout)
            .await;
        self.run.buffered -= 1;
        for (stream, text) in inner.chunks {
            let target = if stream == Stream::Stdout { fds.out } else { fds.err };
            match target {
                Target::Stdout => out.stdout(text),
                Target::Stderr => out.stderr(text),
                Target::Null => {}
                Target::File(i) => {
                    if let Some((_, buf)) = fds.files.get_mut(i) {
                        buf.push_str(&text);
                    }
                }
            }
        }
        for (path, buf) in fds.files {
            if !buf.is_empty() {
                if let Err(e) = self.fs.write_file(&path, &buf, true) {
                    out.stderr(format!("bash: {path}: {}\n", e.message()));
                }
            }
        }
        flow
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn with_redirects<'a>(
        &'a mut self,
        redirs: &'a [Redirect],
        hd: &'a [HereDoc],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
        body: Body<'a>,
    ) -> Fut<'a, Flow> {
        Box::pin(self.with_redirects_impl(redirs, hd, stdin, out, tty, body))
    }

    async fn setup_redirect_impl(
        &mut self,
        r: &Redirect,
        hd: &[HereDoc],
        fds: &mut Fds,
        stdin: &mut Stdin,
        out: &mut Output,
    ) -> Result<(), String> {
        match &r.op {
            RedirOp::HereDoc(i) => {
                let doc = hd.get(*i).cloned().unwrap_or(HereDoc {
                    body: String::new(),
                    expand: false,
                });
                let body = if doc.expand {
                    self.expand_heredoc(&doc.body, out).await?
                } else {
                    doc.body
                };
                if r.fd.unwrap_or(0) == 0 {
                    *stdin = Stdin::text(body);
                }
                return Ok(());
            }
            RedirOp::HereString => {
                let s = self.expand_assignment(&r.target, out).await?;
                if r.fd.unwrap_or(0) == 0 {
                    *stdin = Stdin::text(format!("{s}\n"));
                }
                return Ok(());
            }
            _ => {}
        }
        let fields = self.expand_fields(&r.target, out).await?;
        let [word] = fields.as_slice() else {
            return Err(format!("{}: ambiguous redirect", r.target.literal_text()));
        };
        let word = word.clone();
        match r.op {
            RedirOp::In => {
                let text = self.read_path(&word).map_err(|e| format!("{word}: {}", e.message()))?;
                if r.fd.unwrap_or(0) == 0 {
                    *stdin = Stdin::text(text);
                }
            }
            RedirOp::DupIn => {}
            RedirOp::Out | RedirOp::Append => {
                let t = self.open_target(&word, r.op == RedirOp::Append, fds)?;
                match r.fd.unwrap_or(1) {
                    1 => fds.out = t,
                    2 => fds.err = t,
                    _ => {}
                }
            }
            RedirOp::OutErr | RedirOp::AppendOutErr => {
                let t = self.open_target(&word, r.op == RedirOp::AppendOutErr, fds)?;
                fds.out = t;
                fds.err = t;
            }
            RedirOp::DupOut => {
                let t = match word.as_str() {
                    "1" => fds.out,
                    "2" => fds.err,
                    "-" => Target::Null,
                    w if w.chars().all(|c| c.is_ascii_digit()) => return Err(format!("{w}: Bad file descriptor")),
                    _ => return Err(format!("{word}: ambiguous redirect")),
                };
                match r.fd.unwrap_or(1) {
                    1 => fds.out = t,
                    2 => fds.err = t,
                    _ => {}
                }
            }
            RedirOp::HereDoc(_) | RedirOp::HereString => {}
        }
        Ok(())
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn setup_redirect<'a>(
        &'a mut self,
        r: &'a Redirect,
        hd: &'a [HereDoc],
        fds: &'a mut Fds,
        stdin: &'a mut Stdin,
        out: &'a mut Output,
    ) -> Fut<'a, Result<(), String>> {
        Box::pin(self.setup_redirect_impl(r, hd, fds, stdin, out))
    }

    /// Runs a shell function with `args` as its positional parameters.
    async fn call_function_impl(
        &mut self,
        name: &str,
        f: std::rc::Rc<(Command, Vec<HereDoc>)>,
        args: &[String],
        stdin: Stdin,
        out: &mut Output,
        tty: bool,
    ) -> Flow {
        if self.run.locals.len() >= MAX_FUNCTION_DEPTH {
            out.stderr(format!(
                "bash: {name}: maximum function nesting level exceeded ({MAX_FUNCTION_DEPTH})\n"
            ));
            self.state.last_status = 1;
            return Flow::Abort;
        }
        let saved = std::mem::replace(&mut self.run.positional, args.to_vec());
        self.run.locals.push(Vec::new());
        let (body, hd) = f.as_ref();
        let flow = self.exec_command(body, hd, stdin, out, tty).await;
        for (name, old) in self.run.locals.pop().unwrap_or_default().into_iter().rev() {
            match old {
                Some(v) => self.state.vars.insert(name, v),
                None => self.state.vars.remove(&name),
            };
        }
        self.run.positional = saved;
        match flow {
            Flow::Return | Flow::Break(_) | Flow::Continue(_) => Flow::Normal,
            f => f,
        }
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn call_function<'a>(
        &'a mut self,
        name: &'a str,
        f: std::rc::Rc<(Command, Vec<HereDoc>)>,
        args: &'a [String],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, Flow> {
        Box::pin(self.call_function_impl(name, f, args, stdin, out, tty))
    }

    fn open_target(&mut self, word: &str, append: bool, fds: &mut Fds) -> Result<Target, String> {
        match word {
            "/dev/null" => return Ok(Target::Null),
            "/dev/stdout" | "/dev/tty" => return Ok(fds.out),
            "/dev/stderr" => return Ok(fds.err),
            _ => {}
        }
        let path = resolve(&self.state.cwd, word);
        self.fs
            .write_file(&path, "", append)
            .map_err(|e| format!("{word}: {}", e.message()))?;
        fds.files.push((path, String::new()));
        Ok(Target::File(fds.files.len() - 1))
    }

    /// Reads a file named on a command line (relative to the working directory), including the
    /// shell's own `/dev/null` and process-substitution paths.
    pub(crate) fn read_path(&self, word: &str) -> Result<String, crate::FsError> {
        read_path(&*self.fs, &self.state.cwd, &self.run.proc_files, word)
    }
}

pub(crate) fn read_path(
    fs: &dyn crate::FileSystem,
    cwd: &str,
    procs: &std::collections::BTreeMap<String, String>,
    word: &str,
) -> Result<String, crate::FsError> {
    if let Some(text) = procs.get(word) {
        return Ok(text.clone());
    }
    if word == "/dev/null" {
        return Ok(String::new());
    }
    fs.read_file(&resolve(cwd, word))
}

impl Shell {
    /// `[[ … ]]`: `||` binds loosest, then `&&`, then `!`.
    async fn cond_or_impl(&mut self, toks: &[CondTok], pos: &mut usize, out: &mut Output) -> Result<bool, String> {
        let mut value = self.cond_and(toks, pos, out).await?;
        while toks.get(*pos) == Some(&CondTok::Or) {
            *pos += 1;
            // Both sides are parsed; the right one is evaluated only when needed.
            let rhs = if value {
                self.cond_skip_and(toks, pos)?
            } else {
                self.cond_and(toks, pos, out).await?
            };
            value = value || rhs;
        }
        Ok(value)
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn cond_or<'a>(
        &'a mut self,
        toks: &'a [CondTok],
        pos: &'a mut usize,
        out: &'a mut Output,
    ) -> Fut<'a, Result<bool, String>> {
        Box::pin(self.cond_or_impl(toks, pos, out))
    }

    async fn cond_and_impl(&mut self, toks: &[CondTok], pos: &mut usize, out: &mut Output) -> Result<bool, String> {
        let mut value = self.cond_not(toks, pos, out).await?;
        while toks.get(*pos) == Some(&CondTok::And) {
            *pos += 1;
            let rhs = if value {
                self.cond_not(toks, pos, out).await?
            } else {
                self.cond_skip_not(toks, pos)?
            };
            value = value && rhs;
        }
        Ok(value)
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn cond_and<'a>(
        &'a mut self,
        toks: &'a [CondTok],
        pos: &'a mut usize,
        out: &'a mut Output,
    ) -> Fut<'a, Result<bool, String>> {
        Box::pin(self.cond_and_impl(toks, pos, out))
    }

    /// Parses an `&&` chain without evaluating it (short-circuited `||` operands).
    fn cond_skip_and(&mut self, toks: &[CondTok], pos: &mut usize) -> Result<bool, String> {
        self.cond_skip_not(toks, pos)?;
        while toks.get(*pos) == Some(&CondTok::And) {
            *pos += 1;
            self.cond_skip_not(toks, pos)?;
        }
        Ok(true)
    }

    fn cond_skip_not(&mut self, toks: &[CondTok], pos: &mut usize) -> Result<bool, String> {
        let mut depth = 0usize;
        loop {
            match toks.get(*pos) {
                None => return Ok(false),
                Some(CondTok::Open) => depth += 1,
                Some(CondTok::Close) if depth == 0 => return Ok(false),
                Some(CondTok::Close) => depth -= 1,
                Some(CondTok::And | CondTok::Or) if depth == 0 => return Ok(false),
                _ => {}
            }
            *pos += 1;
        }
    }

    fn cond_word(&mut self, toks: &[CondTok], pos: usize) -> Option<crate::parse::Word> {
        match toks.get(pos) {
            Some(CondTok::Word(w)) => Some(w.clone()),
            _ => None,
        }
    }

    async fn cond_not_impl(&mut self, toks: &[CondTok], pos: &mut usize, out: &mut Output) -> Result<bool, String> {
        if let Some(w) = self.cond_word(toks, *pos) {
            if w.plain() == Some("!") {
                *pos += 1;
                return Ok(!self.cond_not(toks, pos, out).await?);
            }
        }
        if toks.get(*pos) == Some(&CondTok::Open) {
            *pos += 1;
            let v = self.cond_or(toks, pos, out).await?;
            if toks.get(*pos) != Some(&CondTok::Close) {
                return Err("syntax error in conditional expression".to_string());
            }
            *pos += 1;
            return Ok(v);
        }
        let Some(first) = self.cond_word(toks, *pos) else {
            return Err("syntax error in conditional expression".to_string());
        };
        let operator = |t: Option<&CondTok>| -> Option<String> {
            match t {
                Some(CondTok::Less) => Some("<".to_string()),
                Some(CondTok::Greater) => Some(">".to_string()),
                Some(CondTok::Word(w)) => w.plain().map(str::to_string),
                _ => None,
            }
        };
        // Binary: WORD OP WORD.
        if let Some(op) = operator(toks.get(*pos + 1)) {
            if matches!(
                op.as_str(),
                "==" | "=" | "!=" | "=~" | "<" | ">" | "-eq" | "-ne" | "-lt" | "-le" | "-gt" | "-ge" | "-nt" | "-ot"
            ) {
                let Some(rhs) = self.cond_word(toks, *pos + 2) else {
                    return Err(format!("unexpected argument to conditional binary operator `{op}'"));
                };
                *pos += 3;
                let left = self.expand_assignment(&first, out).await?;
                return match op.as_str() {
                    "==" | "=" | "!=" => {
                        let pattern = self.expand_pattern(&rhs, out).await?;
                        Ok(crate::regex::glob_match(&pattern, &left) == (op != "!="))
                    }
                    "=~" => {
                        let src = self.expand_assignment(&rhs, out).await?;
                        let re = crate::regex::Regex::new(&src, true, false)
                            .map_err(|_| format!("[[: invalid regular expression `{src}'"))?;
                        Ok(re.is_match(&left))
                    }
                    "<" => Ok(left < self.expand_assignment(&rhs, out).await?),
                    ">" => Ok(left > self.expand_assignment(&rhs, out).await?),
                    "-nt" | "-ot" => Ok(false),
                    _ => {
                        let right = self.expand_assignment(&rhs, out).await?;
                        let a: i64 = self
                            .arith_command(&left, out)
                            .await
                            .map_err(|m| format!("[[: {m}"))?
                            .parse()
                            .unwrap_or(0);
                        let b: i64 = self
                            .arith_command(&right, out)
                            .await
                            .map_err(|m| format!("[[: {m}"))?
                            .parse()
                            .unwrap_or(0);
                        Ok(match op.as_str() {
                            "-eq" => a == b,
                            "-ne" => a != b,
                            "-lt" => a < b,
                            "-le" => a <= b,
                            "-gt" => a > b,
                            _ => a >= b,
                        })
                    }
                };
            }
        }
        // Unary: -OP WORD.
        if let Some(op) = first.plain().filter(|p| p.len() == 2 && p.starts_with('-')) {
            if let Some(arg) = self.cond_word(toks, *pos + 1) {
                let op = op.to_string();
                *pos += 2;
                let value = self.expand_assignment(&arg, out).await?;
                if op == "-v" {
                    return Ok(self.state.vars.contains_key(&value));
                }
                return self.test_expr(&[op, value]).map_err(|m| format!("[[: {m}"));
            }
        }
        *pos += 1;
        if operator(toks.get(*pos)).is_some() && matches!(toks.get(*pos), Some(CondTok::Word(_))) {
            return Err("conditional binary operator expected".to_string());
        }
        Ok(!self.expand_assignment(&first, out).await?.is_empty())
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn cond_not<'a>(
        &'a mut self,
        toks: &'a [CondTok],
        pos: &'a mut usize,
        out: &'a mut Output,
    ) -> Fut<'a, Result<bool, String>> {
        Box::pin(self.cond_not_impl(toks, pos, out))
    }
}
