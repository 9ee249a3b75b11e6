//! Command dispatch: kubectl, the bash builtins, the coreutils tutorials use, and the
//! "command not found" fallback (the hook for later emulations such as kubeadm).

use kubectl::{Invocation, Output};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

use crate::exec::{Flow, Origin, Stdin, CLEAR_SEQUENCE, MAX_DEPTH};
use crate::fs::resolve;
use crate::text::{self, getopt, Io, Opt};
use crate::{FileSystem, FsError, Fut, Pace, Shell};

/// Commands the shell runs itself (`type` calls them builtins).
const SHELL_BUILTINS: &[&str] = &[
    ".", ":", "[", "test", "alias", "break", "complete", "cd", "continue", "echo", "exit", "export", "false", "help",
    "history", "local", "printf", "pwd", "read", "return", "set", "shopt", "source", "true", "type", "unalias",
    "unset",
];

/// Programs emulated as if installed in /usr/bin.
const PROGRAMS: &[&str] = &[
    "awk", "base64", "bash", "cat", "clear", "column", "cp", "cut", "date", "egrep", "env", "fgrep", "grep", "head",
    "hostname", "kubectl", "less", "ls", "mawk", "mkdir", "more", "mv", "nano", "paste", "rm", "sed", "seq", "sh",
    "sleep", "sort", "sudo", "tac", "tail", "tee", "touch", "tr", "uniq", "vi", "vim", "watch", "wc", "which",
    "whoami", "xargs",
];

/// Builtins that also exist as programs in /usr/bin.
const COREUTILS_TOO: &[&str] = &["echo", "printf", "true", "false", "pwd", "test", "["];

/// The adapter kubectl sees: files through the shell's file system, stdin from pipes and
/// here-documents, time from the cluster's clock.
struct KubectlHost<'a> {
    fs: &'a mut dyn FileSystem,
    cwd: &'a str,
    procs: &'a std::collections::BTreeMap<String, String>,
    stdin: Stdin,
    now: i64,
    /// The cluster kubectl talks to, shared with its API client so that waiting commands
    /// (`rollout status`, `wait`, `delete`) can let virtual time pass.
    cluster: Option<&'a Rc<RefCell<cluster::Cluster>>>,
    /// How time passes, and where an interrupt is recorded.
    pace: &'a dyn Pace,
    interrupted: &'a Cell<bool>,
    /// The terminal's live buffer, when kubectl's output goes straight to the terminal.
    live: Option<&'a RefCell<Output>>,
}

/// kubectl's API client: the same cluster the host lets time pass in (borrowed per request,
/// never across a wait).
struct SharedCluster<'a>(&'a Rc<RefCell<cluster::Cluster>>);

impl apimachinery::ApiClient for SharedCluster<'_> {
    fn request(&mut self, req: apimachinery::ApiRequest) -> Result<serde_json::Value, apimachinery::ApiError> {
        self.0.borrow_mut().request(req)
    }
    fn take_warnings(&mut self) -> Vec<String> {
        self.0.borrow_mut().take_warnings()
    }
}

/// Go's `os` error text, which kubectl embeds in its messages.
fn go_error(op: &str, path: &str, e: &FsError) -> String {
    let what = match e {
        FsError::NotFound => "no such file or directory".to_string(),
        FsError::IsADirectory => "is a directory".to_string(),
        FsError::NotADirectory => "not a directory".to_string(),
        FsError::PermissionDenied => "permission denied".to_string(),
        FsError::Other(m) => m.to_lowercase(),
    };
    format!("{op} {path}: {what}")
}

impl kubectl::Host for KubectlHost<'_> {
    /// `Err` is Go's error text: `open PATH: no such file or directory`.
    fn read_file(&mut self, path: &str) -> Result<String, String> {
        if path == "/dev/stdin" {
            return Ok(self.stdin().unwrap_or_default());
        }
        crate::exec::read_path(&*self.fs, self.cwd, self.procs, path).map_err(|e| go_error("open", path, &e))
    }
    /// `Err` is Go's error text: `lstat PATH: no such file or directory`.
    fn list_dir(&mut self, path: &str) -> Result<Option<Vec<String>>, String> {
        if self.procs.contains_key(path) || path == "/dev/stdin" || path == "/dev/null" {
            return Ok(None);
        }
        self.fs
            .list_dir(&resolve(self.cwd, path))
            .map_err(|e| go_error("lstat", path, &e))
    }
    fn stdin(&mut self) -> Option<String> {
        let text = self.stdin.take_all();
        // Consumed once: a second `-f -` sees no stdin at all.
        self.stdin = Stdin::none();
        text
    }
    fn edit(&mut self, file_name: &str, text: &str) -> Result<String, String> {
        self.fs.edit(file_name, text)
    }
    fn now_unix(&self) -> i64 {
        match self.cluster {
            Some(c) => c.borrow().now().unix_secs(),
            None => self.now,
        }
    }
    fn wait(&mut self, seconds: i64) -> Pin<Box<dyn Future<Output = bool> + '_>> {
        let Some(c) = self.cluster else {
            return Box::pin(std::future::ready(false));
        };
        let until = c.borrow().now().add(sim::Duration::from_secs(seconds.max(0)));
        Box::pin(crate::wait_on(self.pace, c, self.interrupted, until))
    }
    fn flush(&mut self, out: &mut Output) {
        if let Some(live) = self.live {
            live.borrow_mut().append(std::mem::take(out));
        }
    }
}

/// Where the live terminal buffer ends: its chunk count and the length of its last chunk
/// (appending may extend that chunk).
fn live_mark(live: &Output) -> (usize, usize) {
    (live.chunks.len(), live.chunks.last().map_or(0, |(_, t)| t.len()))
}

/// Cuts the live terminal buffer back to `mark`.
fn live_restore(live: &mut Output, mark: (usize, usize)) {
    live.chunks.truncate(mark.0);
    if let Some((_, t)) = live.chunks.last_mut() {
        if t.is_char_boundary(mark.1) {
            t.truncate(mark.1);
        }
    }
}

/// `less`/`more` with no terminal to page behave like `cat` (files, or stdin).
fn pager(args: &[String], io: &mut Io) -> i32 {
    let files: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with('-') && !a.starts_with('+'))
        .cloned()
        .collect();
    text::cat(&files, io)
}

/// Quotes a value for `alias` output: `'…'` with embedded quotes as `'\''`.
fn single_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Quotes a value for `declare -x` output.
fn double_quote(s: &str) -> String {
    let mut q = String::from("\"");
    for c in s.chars() {
        if matches!(c, '"' | '\\' | '$' | '`') {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q
}

const HELP: &str = "\
kubeplay: a Kubernetes v1.37 cluster (controlplane, node01, node02) in your browser.

Commands:
  kubectl (alias k)   talk to the cluster
  sleep N[smhd]       let virtual time pass (pods start, jobs finish, ...)
  date                the cluster's virtual time
  echo, printf, cat, grep, head, tail, wc, sort, uniq, cut, tr, sed, awk, xargs,
  base64, seq, tee, column, paste, tac, watch, read, test/[ ]
  ls, cd, pwd, mkdir, touch, cp, mv, rm, vi    files live in this tab only
  alias, unalias, export, unset, env, history, clear, type, which, source, exit

Playground controls:
  kubeplay time                 the virtual time
  kubeplay node stop|start NAME stop or resume a node's kubelet
  kubeplay node add [NAME]      a new worker joins the cluster
  kubeplay reset                a fresh default cluster

Shell syntax: quotes, $VAR, ${VAR:-x}, $(...), $((...)), pipes |, && ||, ;,
> >> 2>&1 redirections, here-documents (kubectl apply -f - <<EOF ... EOF),
for/while/until/if/case, functions, !! history expansion.
";

/// The most virtual time one `sleep` lets pass.
const MAX_SLEEP_MS: i64 = 3_600_000;

/// Parses a GNU sleep/timeout interval (`5`, `0.5`, `1m`, `2h`, `1d`) into milliseconds.
pub(crate) fn parse_interval(s: &str) -> Option<i64> {
    let (num, mult) = match s.char_indices().last() {
        Some((i, 's')) => (s.get(..i)?, 1.0),
        Some((i, 'm')) => (s.get(..i)?, 60.0),
        Some((i, 'h')) => (s.get(..i)?, 3600.0),
        Some((i, 'd')) => (s.get(..i)?, 86400.0),
        _ => (s, 1.0),
    };
    if num.is_empty() || !num.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let v: f64 = num.parse().ok()?;
    let ms = (v * mult * 1000.0).round();
    if !ms.is_finite() || ms < 0.0 {
        return None;
    }
    Some(ms.min(i64::MAX as f64 / 2.0) as i64)
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// GNU date's `+FORMAT` in UTC.
pub(crate) fn format_date(unix: i64, millis: i64, fmt: &str) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let wday = (days + 4).rem_euclid(7) as usize;
    let month = MONTHS.get((m as usize).saturating_sub(1)).copied().unwrap_or("January");
    let day_name = DAYS.get(wday).copied().unwrap_or("Sunday");
    let yday = days - {
        let mut start = days;
        while civil_from_days(start - 1).0 == y {
            start -= 1;
            if days - start > 366 {
                break;
            }
        }
        start
    } + 1;
    let h12 = if hh % 12 == 0 { 12 } else { hh % 12 };
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(spec) = chars.next() else {
            out.push('%');
            break;
        };
        let s = match spec {
            'a' => day_name.get(..3).unwrap_or("").to_string(),
            'A' => day_name.to_string(),
            'b' | 'h' => month.get(..3).unwrap_or("").to_string(),
            'B' => month.to_string(),
            'c' => format_date(unix, millis, "%a %b %e %H:%M:%S %Y"),
            'C' => format!("{:02}", y / 100),
            'd' => format!("{d:02}"),
            'D' => format!("{m:02}/{d:02}/{:02}", y % 100),
            'e' => format!("{d:>2}"),
            'F' => format!("{y:04}-{m:02}-{d:02}"),
            'H' => format!("{hh:02}"),
            'I' => format!("{h12:02}"),
            'j' => format!("{yday:03}"),
            'k' => format!("{hh:>2}"),
            'l' => format!("{h12:>2}"),
            'm' => format!("{m:02}"),
            'M' => format!("{mm:02}"),
            'n' => "\n".to_string(),
            'N' => format!("{:09}", millis.rem_euclid(1000) * 1_000_000),
            'p' => if hh < 12 { "AM" } else { "PM" }.to_string(),
            'P' => if hh < 12 { "am" } else { "pm" }.to_string(),
            'r' => format_date(unix, millis, "%I:%M:%S %p"),
            'R' => format!("{hh:02}:{mm:02}"),
            's' => unix.to_string(),
            'S' => format!("{ss:02}"),
            't' => "\t".to_string(),
            'T' => format!("{hh:02}:{mm:02}:{ss:02}"),
            'u' => (if wday == 0 { 7 } else { wday }).to_string(),
            'w' => wday.to_string(),
            'y' => format!("{:02}", y % 100),
            'Y' => y.to_string(),
            'z' => "+0000".to_string(),
            'Z' => "UTC".to_string(),
            '%' => "%".to_string(),
            ':' if chars.clone().next() == Some('z') => {
                chars.next();
                "+00:00".to_string()
            }
            other => format!("%{other}"),
        };
        out.push_str(&s);
    }
    out
}

/// `ls` output for a terminal: columns fitted into 80 characters, filled top to bottom.
fn columns(names: &[String], width: usize) -> String {
    let n = names.len();
    if n == 0 {
        return String::new();
    }
    for cols in (1..=n).rev() {
        let rows = n.div_ceil(cols);
        let used_cols = n.div_ceil(rows);
        let widths: Vec<usize> = (0..used_cols)
            .map(|c| {
                (0..rows)
                    .filter_map(|r| names.get(c * rows + r))
                    .map(|s| s.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let total: usize = widths.iter().sum::<usize>() + 2 * used_cols.saturating_sub(1);
        if total <= width || cols == 1 {
            let mut out = String::new();
            for r in 0..rows {
                let mut line = String::new();
                for (c, w) in widths.iter().enumerate() {
                    if let Some(name) = names.get(c * rows + r) {
                        let last = (c + 1) * rows + r >= n;
                        line.push_str(name);
                        if !last {
                            line.push_str(&" ".repeat(w - name.chars().count() + 2));
                        }
                    }
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
            return out;
        }
    }
    String::new()
}

impl Shell {
    /// Runs one command with its expanded arguments; sets `$?`.
    async fn run_command_impl(&mut self, argv: &[String], stdin: Stdin, out: &mut Output, tty: bool) -> Flow {
        let Some((name, args)) = argv.split_first() else {
            return Flow::Normal;
        };
        if let Some(f) = self.functions.get(name).cloned() {
            return self.call_function(name, f, args, stdin, out, tty).await;
        }
        let (status, flow) = self.dispatch(name, args, stdin, out, tty).await;
        self.state.last_status = status;
        if self.interrupted() {
            // The command was stopped by Ctrl-C (or ran after it in a pipeline).
            return self.interrupt_flow();
        }
        flow
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn run_command<'a>(
        &'a mut self,
        argv: &'a [String],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, Flow> {
        Box::pin(self.run_command_impl(argv, stdin, out, tty))
    }

    fn text_io<R>(&mut self, stdin: Stdin, out: &mut Output, f: impl FnOnce(&mut Io) -> R) -> R {
        let fs = &*self.fs;
        let cwd = self.state.cwd.clone();
        let procs = &self.run.proc_files;
        let read = move |p: &str| crate::exec::read_path(fs, &cwd, procs, p);
        let mut io = Io {
            stdin,
            read: &read,
            out,
        };
        f(&mut io)
    }

    async fn dispatch_impl(
        &mut self,
        name: &str,
        args: &[String],
        stdin: Stdin,
        out: &mut Output,
        tty: bool,
    ) -> (i32, Flow) {
        let normal = |s: i32| (s, Flow::Normal);
        // `/usr/bin/kubectl` and friends are the same programs.
        let name = match name.rsplit_once('/') {
            Some((dir, base))
                if matches!(dir, "/usr/bin" | "/bin" | "/usr/local/bin")
                    && (PROGRAMS.contains(&base) || COREUTILS_TOO.contains(&base)) =>
            {
                base
            }
            _ => name,
        };
        match name {
            "kubectl" => normal(self.kubectl(args, stdin, out).await),
            // Tutorials say `sudo`; the playground user is already root.
            "sudo" => {
                let rest: Vec<String> = args.iter().skip_while(|a| a.starts_with('-')).cloned().collect();
                if rest.is_empty() {
                    out.stderr("usage: sudo -h | -K | -k | -V\nusage: sudo [-u user] command\n");
                    return normal(1);
                }
                let flow = self.run_command(&rest, stdin, out, tty).await;
                (self.state.last_status, flow)
            }
            "less" | "more" => normal(self.text_io(stdin, out, |io| pager(args, io))),
            "vi" | "vim" | "nano" => normal(self.editor(name, args, out)),
            "echo" => normal(text::echo(args, out)),
            "printf" => normal(text::printf(args, out)),
            "true" | ":" => normal(0),
            "false" => normal(1),
            "cat" => normal(self.text_io(stdin, out, |io| text::cat(args, io))),
            "grep" | "egrep" | "fgrep" => normal(self.text_io(stdin, out, |io| text::grep(name, args, io))),
            "head" => normal(self.text_io(stdin, out, |io| text::head_tail(false, args, io))),
            "tail" => normal(self.text_io(stdin, out, |io| text::head_tail(true, args, io))),
            "wc" => normal(self.text_io(stdin, out, |io| text::wc(args, io))),
            "sort" => normal(self.text_io(stdin, out, |io| text::sort(args, io))),
            "uniq" => normal(self.text_io(stdin, out, |io| text::uniq(args, io))),
            "cut" => normal(self.text_io(stdin, out, |io| text::cut(args, io))),
            "tr" => normal(self.text_io(stdin, out, |io| text::tr(args, io))),
            "base64" => normal(self.text_io(stdin, out, |io| text::base64(args, io))),
            "awk" | "mawk" => normal(self.text_io(stdin, out, |io| crate::awk::awk(args, io))),
            "seq" => normal(text::seq(args, out)),
            "paste" => normal(self.text_io(stdin, out, |io| text::paste(args, io))),
            "column" => normal(self.text_io(stdin, out, |io| text::column(args, io))),
            "sed" => {
                let (status, writes) = self.text_io(stdin, out, |io| crate::sed::sed(args, io));
                for (file, contents) in writes {
                    let path = resolve(&self.state.cwd, &file);
                    if let Err(e) = self.fs.write_file(&path, &contents, false) {
                        out.stderr(format!("sed: couldn't edit {file}: {}\n", e.message()));
                        return normal(4);
                    }
                }
                normal(status)
            }
            "test" => normal(self.test(name, args, out)),
            "[" => match args.split_last() {
                Some((last, rest)) if last == "]" => normal(self.test(name, rest, out)),
                _ => {
                    out.stderr("bash: [: missing `]'\n");
                    normal(2)
                }
            },
            "sleep" => normal(self.sleep(args, out).await),
            "date" => normal(self.date(args, out)),
            "clear" => {
                out.stdout(CLEAR_SEQUENCE);
                normal(0)
            }
            "exit" => self.exit(args, out, tty),
            "break" | "continue" => {
                let n = args.first().and_then(|a| a.parse::<u32>().ok()).unwrap_or(1).max(1);
                (
                    0,
                    if name == "break" {
                        Flow::Break(n)
                    } else {
                        Flow::Continue(n)
                    },
                )
            }
            "history" => normal(self.history(args, out)),
            "return" => {
                if self.run.locals.is_empty() {
                    out.stderr("bash: return: can only `return' from a function or sourced script\n");
                    return normal(1);
                }
                let status = match args.first() {
                    None => self.state.last_status,
                    Some(a) => match a.parse::<i64>() {
                        Ok(n) => n.rem_euclid(256) as i32,
                        Err(_) => {
                            out.stderr(format!("bash: return: {a}: numeric argument required\n"));
                            2
                        }
                    },
                };
                (status, Flow::Return)
            }
            "local" => normal(self.local(args, out)),
            "xargs" => self.xargs(args, stdin, out, tty).await,
            "read" => normal(self.read(args, &stdin, out)),
            "watch" => normal(self.watch(args, out).await),
            "hostname" => {
                out.stdout(format!("{}\n", crate::HOSTNAME));
                normal(0)
            }
            "whoami" => {
                out.stdout("root\n");
                normal(0)
            }
            "tac" => normal(self.text_io(stdin, out, |io| text::tac(args, io))),
            // Exam-machine setup lines (`complete -F __start_kubectl k`, `shopt -s …`) need no effect.
            "complete" | "shopt" => normal(0),
            "alias" => normal(self.alias(args, out)),
            "unalias" => normal(self.unalias(args, out)),
            "export" => normal(self.export(args, out)),
            "unset" => normal(self.unset(args, out)),
            "env" if args.first().is_some_and(|a| !a.starts_with('-')) => self.env_command(args, stdin, out, tty).await,
            "env" | "printenv" => normal(self.env(name, args, out)),
            "set" => normal(0),
            "help" => {
                out.stdout(HELP);
                normal(0)
            }
            "pwd" => {
                out.stdout(format!("{}\n", self.state.cwd));
                normal(0)
            }
            "cd" => normal(self.cd(args, out)),
            "ls" => normal(self.ls(args, out, tty)),
            "mkdir" => normal(self.mkdir(args, out)),
            "touch" => normal(self.touch(args, out)),
            "rm" => normal(self.rm(args, out)),
            "cp" | "mv" => normal(self.copy(name == "mv", args, out)),
            "tee" => normal(self.tee(args, stdin, out)),
            "type" => normal(self.type_cmd(args, out)),
            "which" => normal(self.which(args, out)),
            "source" | "." => self.source(name, args, out, tty).await,
            "bash" | "sh" => normal(self.subshell_script(name, args, stdin, out, tty).await),
            "kubeplay" => normal(self.kubeplay(args, out)),
            // Hook: later emulations (kubeadm, systemctl, crictl) are added as arms here.
            _ => {
                if name.contains('/') {
                    match self.read_path(name) {
                        Ok(_) => out.stderr(format!("bash: {name}: Permission denied\n")),
                        Err(e) => out.stderr(format!("bash: {name}: {}\n", e.message())),
                    }
                    return normal(if self.read_path(name).is_ok() { 126 } else { 127 });
                }
                out.stderr(format!("bash: {name}: command not found\n"));
                normal(127)
            }
        }
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn dispatch<'a>(
        &'a mut self,
        name: &'a str,
        args: &'a [String],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, (i32, Flow)> {
        Box::pin(self.dispatch_impl(name, args, stdin, out, tty))
    }

    /// The terminal width: `$COLUMNS` when the front end sets it, else 80.
    fn terminal_width(&self) -> usize {
        let width = self.state.vars.get("COLUMNS").and_then(|c| c.parse::<usize>().ok());
        width.filter(|w| *w > 0).unwrap_or(80).min(1000)
    }

    async fn kubectl_impl(&mut self, args: &[String], stdin: Stdin, out: &mut Output) -> i32 {
        let now = self.cluster.borrow().now().unix_secs();
        let cluster = self.cluster.clone();
        let mut client = SharedCluster(&cluster);
        let mut host = KubectlHost {
            fs: &mut *self.fs,
            cwd: &self.state.cwd,
            procs: &self.run.proc_files,
            stdin,
            now,
            cluster: Some(&cluster),
            pace: &*self.pace,
            interrupted: &self.run.interrupted,
            live: (self.run.buffered == 0).then_some(&*self.live),
        };
        kubectl::run_async(
            args,
            Invocation {
                client: &mut client,
                host: &mut host,
                config: &mut self.state.kubeconfig,
                out,
            },
        )
        .await
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn kubectl<'a>(&'a mut self, args: &'a [String], stdin: Stdin, out: &'a mut Output) -> Fut<'a, i32> {
        Box::pin(self.kubectl_impl(args, stdin, out))
    }

    /// `test` / `[`: file, string and integer tests; 0 true, 1 false, 2 error.
    fn test(&mut self, name: &str, args: &[String], out: &mut Output) -> i32 {
        match self.test_expr(args) {
            Ok(true) => 0,
            Ok(false) => 1,
            Err(m) => {
                out.stderr(format!("bash: {name}: {m}\n"));
                2
            }
        }
    }

    pub(crate) fn test_expr(&self, args: &[String]) -> Result<bool, String> {
        let int = |s: &str| -> Result<i64, String> {
            s.trim()
                .parse::<i64>()
                .map_err(|_| format!("{s}: integer expression expected"))
        };
        // -a / -o combine sub-expressions, lowest precedence first.
        if let Some(i) = args
            .iter()
            .rposition(|a| a == "-o")
            .filter(|i| *i > 0 && *i + 1 < args.len())
        {
            return Ok(
                self.test_expr(args.get(..i).unwrap_or(&[]))? || self.test_expr(args.get(i + 1..).unwrap_or(&[]))?
            );
        }
        if let Some(i) = args
            .iter()
            .rposition(|a| a == "-a")
            .filter(|i| *i > 0 && *i + 1 < args.len())
        {
            return Ok(
                self.test_expr(args.get(..i).unwrap_or(&[]))? && self.test_expr(args.get(i + 1..).unwrap_or(&[]))?
            );
        }
        match args {
            [] => Ok(false),
            [a] => Ok(!a.is_empty()),
            [bang, rest @ ..] if bang == "!" => Ok(!self.test_expr(rest)?),
            [op, x] => {
                let path = resolve(&self.state.cwd, x);
                match op.as_str() {
                    "-z" => Ok(x.is_empty()),
                    "-n" => Ok(!x.is_empty()),
                    "-e" => Ok(self.fs.read_file(&path).is_ok() || matches!(self.fs.list_dir(&path), Ok(Some(_)))),
                    "-f" => Ok(self.fs.read_file(&path).is_ok()),
                    "-d" => Ok(matches!(self.fs.list_dir(&path), Ok(Some(_)))),
                    "-s" => Ok(self.fs.read_file(&path).is_ok_and(|t| !t.is_empty())),
                    "-r" | "-w" => Ok(self.fs.read_file(&path).is_ok()),
                    "-x" => Ok(false),
                    _ => Err(format!("{op}: unary operator expected")),
                }
            }
            [a, op, b] => match op.as_str() {
                "=" | "==" => Ok(a == b),
                "!=" => Ok(a != b),
                "<" => Ok(a < b),
                ">" => Ok(a > b),
                "-eq" => Ok(int(a)? == int(b)?),
                "-ne" => Ok(int(a)? != int(b)?),
                "-lt" => Ok(int(a)? < int(b)?),
                "-le" => Ok(int(a)? <= int(b)?),
                "-gt" => Ok(int(a)? > int(b)?),
                "-ge" => Ok(int(a)? >= int(b)?),
                _ => Err(format!("{op}: binary operator expected")),
            },
            [lp, inner @ .., rp] if lp == "(" && rp == ")" => self.test_expr(inner),
            _ => Err("too many arguments".to_string()),
        }
    }

    /// `kubeplay …`: the playground's own controls (the browser offers the same as buttons).
    fn kubeplay(&mut self, args: &[String], out: &mut Output) -> i32 {
        const USAGE: &str =
            "usage: kubeplay time | kubeplay reset | kubeplay node stop|start NAME | kubeplay node add [NAME]\n";
        let words: Vec<&str> = args.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["time"] => {
                let now = self.cluster.borrow().now();
                out.stdout(format!("{}\n", apimachinery::time::format_rfc3339(now.unix_secs())));
                0
            }
            ["reset"] => {
                let seed = self.cluster.borrow().seed();
                // In place: whoever shares the handle (the page's views) sees the new cluster.
                *self.cluster.borrow_mut() = cluster::Cluster::new(seed);
                out.stdout("kubeplay: a fresh default cluster is ready (controlplane, node01, node02)\n");
                0
            }
            ["node", action @ ("stop" | "start"), name] => {
                let result = self.cluster.borrow_mut().set_node_running(name, *action == "start");
                match result {
                    Ok(msg) => {
                        out.stdout(format!("{msg}\n"));
                        0
                    }
                    Err(e) => {
                        out.stderr(format!("kubeplay: {e}\n"));
                        1
                    }
                }
            }
            ["node", "add"] | ["node", "add", _] => match self.cluster.borrow_mut().add_node(words.get(2).copied()) {
                Ok(msg) => {
                    out.stdout(format!("{msg}\n"));
                    0
                }
                Err(e) => {
                    out.stderr(format!("kubeplay: {e}\n"));
                    1
                }
            },
            _ => {
                out.stderr(USAGE);
                2
            }
        }
    }

    async fn sleep_impl(&mut self, args: &[String], out: &mut Output) -> i32 {
        if args.is_empty() {
            out.stderr("sleep: missing operand\nTry 'sleep --help' for more information.\n");
            return 1;
        }
        let mut total: i64 = 0;
        for a in args {
            match parse_interval(a) {
                Some(ms) => total = total.saturating_add(ms),
                None => {
                    out.stderr(format!(
                        "sleep: invalid time interval ‘{a}’\nTry 'sleep --help' for more information.\n"
                    ));
                    return 1;
                }
            }
        }
        if total > MAX_SLEEP_MS {
            // Every virtual second is simulated; an hour takes a moment, a year would freeze
            // the page.
            out.stderr("kubeplay: sleep: at most 1h of virtual time passes at once\n");
            total = MAX_SLEEP_MS;
        }
        let until = self.cluster.borrow().now().add(sim::Duration::from_millis(total));
        if !self.wait_until(until, out).await {
            // Killed by SIGINT.
            return 130;
        }
        0
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn sleep<'a>(&'a mut self, args: &'a [String], out: &'a mut Output) -> Fut<'a, i32> {
        Box::pin(self.sleep_impl(args, out))
    }

    fn date(&mut self, args: &[String], out: &mut Output) -> i32 {
        let now = self.cluster.borrow().now();
        let mut fmt = "%a %b %e %H:%M:%S %Z %Y".to_string();
        for a in args {
            if let Some(f) = a.strip_prefix('+') {
                fmt = f.to_string();
            } else if a == "-u" || a == "--utc" || a == "--universal" {
            } else if a == "-R" || a == "--rfc-email" {
                fmt = "%a, %d %b %Y %H:%M:%S %z".to_string();
            } else if a == "-I" || a == "--iso-8601" {
                fmt = "%F".to_string();
            } else if let Some(opt) = a.strip_prefix('-').filter(|o| !o.is_empty()) {
                match opt.strip_prefix('-') {
                    Some(long) => out.stderr(format!("date: unrecognized option '--{long}'\n")),
                    None => out.stderr(format!(
                        "date: invalid option -- '{}'\n",
                        opt.chars().next().unwrap_or('-')
                    )),
                }
                out.stderr("Try 'date --help' for more information.\n");
                return 1;
            } else {
                out.stderr(format!("date: invalid date ‘{a}’\n"));
                return 1;
            }
        }
        out.stdout(format!("{}\n", format_date(now.unix_secs(), now.unix_millis(), &fmt)));
        0
    }

    fn exit(&mut self, args: &[String], out: &mut Output, tty: bool) -> (i32, Flow) {
        // Only the interactive shell itself says goodbye; subshells and scripts exit silently.
        if self.run.depth == 0 && tty && self.run.interactive {
            out.stderr("exit\n");
        }
        self.run.exit = true;
        let status = match args.first() {
            None => self.state.last_status,
            Some(a) => match a.parse::<i64>() {
                Ok(n) => n.rem_euclid(256) as i32,
                Err(_) => {
                    out.stderr(format!("bash: exit: {a}: numeric argument required\n"));
                    2
                }
            },
        };
        (status, Flow::Exit)
    }

    fn history(&mut self, args: &[String], out: &mut Output) -> i32 {
        let mut count: Option<usize> = None;
        for a in args {
            if a == "-c" {
                self.state.history.clear();
                return 0;
            }
            match a.parse::<usize>() {
                Ok(n) => count = Some(n),
                Err(_) if a.starts_with('-') => {
                    out.stderr(format!("bash: history: {a}: invalid option\nhistory: usage: history [-c] [-d offset] [n] or history -anrw [filename] or history -ps arg [arg...]\n"));
                    return 2;
                }
                Err(_) => {
                    out.stderr(format!("bash: history: {a}: numeric argument required\n"));
                    return 1;
                }
            }
        }
        let len = self.state.history.len();
        let skip = count.map(|n| len.saturating_sub(n)).unwrap_or(0);
        let mut s = String::new();
        for (i, entry) in self.state.history.iter().enumerate().skip(skip) {
            s.push_str(&format!("{:>5}  {entry}\n", i + 1));
        }
        out.stdout(s);
        0
    }

    fn alias(&mut self, args: &[String], out: &mut Output) -> i32 {
        let args: Vec<&String> = args.iter().filter(|a| a.as_str() != "-p").collect();
        if args.is_empty() {
            for (k, v) in &self.state.aliases {
                out.stdout(format!("alias {k}={}\n", single_quote(v)));
            }
            return 0;
        }
        let mut status = 0;
        for a in args {
            match a.split_once('=') {
                Some((name, value)) => {
                    if name.is_empty()
                        || name
                            .chars()
                            .any(|c| matches!(c, '/' | '$' | '`' | '=' | ' ' | '\t' | '\'' | '"'))
                    {
                        out.stderr(format!("bash: alias: `{name}': invalid alias name\n"));
                        status = 1;
                        continue;
                    }
                    self.state.aliases.insert(name.to_string(), value.to_string());
                }
                None => match self.state.aliases.get(a.as_str()) {
                    Some(v) => out.stdout(format!("alias {a}={}\n", single_quote(v))),
                    None => {
                        out.stderr(format!("bash: alias: {a}: not found\n"));
                        status = 1;
                    }
                },
            }
        }
        status
    }

    /// `xargs [-n N] [-I R] [-r] CMD ARGS…`: runs CMD with words from stdin.
    async fn xargs_impl(&mut self, args: &[String], stdin: Stdin, out: &mut Output, tty: bool) -> (i32, Flow) {
        let mut per_call: Option<usize> = None;
        let mut replace: Option<String> = None;
        let mut no_run_if_empty = false;
        let mut i = 0;
        while let Some(a) = args.get(i) {
            let value = |i: &mut usize, inline: &str| -> Option<String> {
                if inline.is_empty() {
                    *i += 1;
                    args.get(*i).cloned()
                } else {
                    Some(inline.to_string())
                }
            };
            if let Some(n) = a.strip_prefix("-n") {
                match value(&mut i, n)
                    .and_then(|v| v.parse::<usize>().ok())
                    .filter(|n| *n > 0)
                {
                    Some(n) => per_call = Some(n),
                    None => {
                        out.stderr("xargs: invalid number for -n option\nTry 'xargs --help' for more information.\n");
                        return (1, Flow::Normal);
                    }
                }
            } else if let Some(r) = a.strip_prefix("-I") {
                replace = value(&mut i, r);
            } else if a == "-r" || a == "--no-run-if-empty" {
                no_run_if_empty = true;
            } else if a.starts_with('-') && a.len() > 1 {
                let c = a.chars().nth(1).unwrap_or('-');
                out.stderr(format!(
                    "xargs: invalid option -- '{c}'\nTry 'xargs --help' for more information.\n"
                ));
                return (1, Flow::Normal);
            } else {
                break;
            }
            i += 1;
        }
        let mut command: Vec<String> = args.get(i..).unwrap_or(&[]).to_vec();
        if command.is_empty() {
            command.push("echo".to_string());
        }
        let input = stdin.take_all().unwrap_or_default();
        let batches: Vec<Vec<String>> = match &replace {
            Some(r) => input
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| command.iter().map(|c| c.replace(r.as_str(), l.trim())).collect())
                .collect(),
            None => {
                let words: Vec<String> = input.split_whitespace().map(str::to_string).collect();
                if words.is_empty() {
                    // GNU xargs runs the command once even without input, unless -r.
                    if no_run_if_empty {
                        return (0, Flow::Normal);
                    }
                    vec![command.clone()]
                } else {
                    words
                        .chunks(per_call.unwrap_or(words.len()).max(1))
                        .map(|chunk| command.iter().cloned().chain(chunk.iter().cloned()).collect())
                        .collect()
                }
            }
        };
        let mut status = 0;
        for argv in batches {
            let flow = self.run_command(&argv, Stdin::none(), out, tty).await;
            self.run.exit &= flow != Flow::Exit;
            if flow == Flow::Interrupt {
                return (130, flow);
            }
            match self.state.last_status {
                0 => {}
                127 => return (127, Flow::Normal),
                _ => status = 123,
            }
        }
        (status, Flow::Normal)
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn xargs<'a>(
        &'a mut self,
        args: &'a [String],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, (i32, Flow)> {
        Box::pin(self.xargs_impl(args, stdin, out, tty))
    }

    /// `watch [-n SECS] [-t] CMD…`: one screen of what watch shows (header, blank line,
    /// output) when nothing shows time passing; with an interactive pace (a terminal) it
    /// refreshes until Ctrl-C.
    async fn watch_impl(&mut self, args: &[String], out: &mut Output) -> i32 {
        let mut interval = 2.0f64;
        let mut title = true;
        let mut i = 0;
        while let Some(a) = args.get(i) {
            if a == "-n" || a == "--interval" {
                i += 1;
                match args.get(i).and_then(|v| v.parse::<f64>().ok()) {
                    Some(v) if v.is_finite() => interval = v.max(0.1),
                    _ => {
                        out.stderr(format!(
                            "watch: failed to parse argument: '{}'\n",
                            args.get(i).cloned().unwrap_or_default()
                        ));
                        return 1;
                    }
                }
            } else if let Some(v) = a.strip_prefix("-n").filter(|v| !v.is_empty()) {
                match v.parse::<f64>() {
                    Ok(v) if v.is_finite() => interval = v.max(0.1),
                    _ => {
                        out.stderr(format!("watch: failed to parse argument: '{v}'\n"));
                        return 1;
                    }
                }
            } else if a == "-t" || a == "--no-title" {
                title = false;
            } else if a == "-d" || a == "--differences" || a == "-c" || a == "--color" {
            } else {
                break;
            }
            i += 1;
        }
        let command = args.get(i..).unwrap_or(&[]).join(" ");
        if command.is_empty() {
            out.stderr("Usage:\n watch [options] command\n");
            return 1;
        }
        if !(self.pace.interactive() && self.run.buffered == 0) {
            let screen = self.watch_screen(&command, interval, title).await;
            out.append(screen);
            return 0;
        }
        // In a terminal the screen refreshes every interval until Ctrl-C, on curses' alternate
        // screen: what was there before comes back afterwards, and no screen stays behind.
        self.show_live(out);
        let mark = live_mark(&self.live.borrow());
        loop {
            let screen = self.watch_screen(&command, interval, title).await;
            {
                let mut live = self.live.borrow_mut();
                live_restore(&mut live, mark);
                live.append(screen);
            }
            let ms = (interval * 1000.0).round() as i64;
            let until = self.cluster.borrow().now().add(sim::Duration::from_millis(ms));
            if !crate::wait_on(&*self.pace, &self.cluster, &self.run.interrupted, until).await {
                break;
            }
        }
        live_restore(&mut self.live.borrow_mut(), mark);
        // watch catches SIGINT and exits 0, and bash then goes on with the line; a hang-up
        // ends the line.
        if !self.pace.hung_up() {
            self.run.interrupted.set(false);
        }
        0
    }

    /// One screen of `watch`: the title line (unless `-t`), a blank line, the command's output.
    async fn watch_screen(&mut self, command: &str, interval: f64, title: bool) -> Output {
        let mut out = Output::default();
        if title {
            let now = self.cluster.borrow().now();
            let left = format!("Every {interval:.1}s: {command}");
            let right = format!(
                "{}: {}",
                crate::HOSTNAME,
                format_date(now.unix_secs(), 0, "%a %b %e %H:%M:%S %Y")
            );
            let pad = self
                .terminal_width()
                .saturating_sub(left.chars().count() + right.chars().count())
                .max(1);
            out.stdout(format!("{left}{}{right}\n\n", " ".repeat(pad)));
        }
        let mut inner = Output::default();
        self.run.buffered += 1;
        self.exec_script(command, &mut inner, false).await;
        self.run.buffered -= 1;
        self.run.exit = false;
        out.append(inner);
        out
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn watch<'a>(&'a mut self, args: &'a [String], out: &'a mut Output) -> Fut<'a, i32> {
        Box::pin(self.watch_impl(args, out))
    }

    /// `read [-r] [-p PROMPT] [NAME…]`: one line of stdin, split into the names (the last
    /// takes the rest); `REPLY` without names. Status 1 at end of input.
    fn read(&mut self, args: &[String], stdin: &Stdin, out: &mut Output) -> i32 {
        let mut raw = false;
        let mut prompt = None;
        let mut names = Vec::new();
        let mut i = 0;
        while let Some(a) = args.get(i) {
            match a.as_str() {
                "-r" => raw = true,
                "-s" => {}
                "-p" => {
                    i += 1;
                    prompt = args.get(i).cloned();
                }
                o if o.starts_with('-') && names.is_empty() && o.len() > 1 => {
                    out.stderr(format!("bash: read: {o}: invalid option\nread: usage: read [-ers] [-a array] [-d delim] [-i text] [-n nchars] [-N nchars] [-p prompt] [-t timeout] [-u fd] [name ...]\n"));
                    return 2;
                }
                n => {
                    if !crate::parse::is_name(n) {
                        out.stderr(format!("bash: read: `{n}': not a valid identifier\n"));
                        return 1;
                    }
                    names.push(n.to_string());
                }
            }
            i += 1;
        }
        if let Some(p) = prompt {
            // bash shows the prompt only when reading from a terminal.
            if stdin.take_line_peek_is_terminal() {
                out.stderr(p);
            }
        }
        let mut line = String::new();
        let mut complete = false;
        while let Some((part, had_newline)) = stdin.take_line() {
            complete = had_newline;
            if !raw && part.ends_with('\\') && had_newline {
                // A backslash-newline continues the line.
                line.push_str(part.get(..part.len() - 1).unwrap_or(""));
                continue;
            }
            line.push_str(&part);
            break;
        }
        // Characters with whether a backslash protected them (then they never split).
        let mut chars: Vec<(char, bool)> = Vec::new();
        let mut it = line.chars();
        while let Some(c) = it.next() {
            if c == '\\' && !raw {
                if let Some(n) = it.next() {
                    chars.push((n, true));
                }
            } else {
                chars.push((c, false));
            }
        }
        let is_blank = |&(c, escaped): &(char, bool)| !escaped && (c == ' ' || c == '\t');
        if names.is_empty() {
            let reply: String = chars.iter().map(|(c, _)| *c).collect();
            self.set_var("REPLY", &reply);
        } else {
            let mut pos = chars.iter().take_while(|c| is_blank(c)).count();
            let count = names.len();
            for (k, name) in names.iter().enumerate() {
                let rest = chars.get(pos..).unwrap_or(&[]);
                let field: String = if k + 1 == count {
                    let keep = rest.len() - rest.iter().rev().take_while(|c| is_blank(c)).count();
                    rest.iter().take(keep).map(|(c, _)| *c).collect()
                } else {
                    let len = rest.iter().take_while(|c| !is_blank(c)).count();
                    pos += len;
                    pos += chars
                        .get(pos..)
                        .unwrap_or(&[])
                        .iter()
                        .take_while(|c| is_blank(c))
                        .count();
                    rest.iter().take(len).map(|(c, _)| *c).collect()
                };
                self.set_var(name, &field);
            }
        }
        i32::from(!complete)
    }

    fn local(&mut self, args: &[String], out: &mut Output) -> i32 {
        if self.run.locals.is_empty() {
            out.stderr("bash: local: can only be used in a function\n");
            return 1;
        }
        let mut status = 0;
        for a in args {
            let (name, value) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (a.as_str(), None),
            };
            if !crate::parse::is_name(name) {
                out.stderr(format!("bash: local: `{a}': not a valid identifier\n"));
                status = 1;
                continue;
            }
            let old = self.state.vars.get(name).cloned();
            if let Some(frame) = self.run.locals.last_mut() {
                if !frame.iter().any(|(n, _)| n == name) {
                    frame.push((name.to_string(), old));
                }
            }
            match value {
                Some(v) => self.set_var(name, v),
                None => {
                    self.state.vars.remove(name);
                }
            }
        }
        status
    }

    fn unalias(&mut self, args: &[String], out: &mut Output) -> i32 {
        if args.is_empty() {
            out.stderr("unalias: usage: unalias [-a] name [name ...]\n");
            return 2;
        }
        let mut status = 0;
        for a in args {
            if a == "-a" {
                self.state.aliases.clear();
            } else if self.state.aliases.remove(a.as_str()).is_none() {
                out.stderr(format!("bash: unalias: {a}: not found\n"));
                status = 1;
            }
        }
        status
    }

    fn export(&mut self, args: &[String], out: &mut Output) -> i32 {
        let mut unexport = false;
        let names: Vec<&String> = args
            .iter()
            .filter(|a| match a.as_str() {
                "-p" => false,
                "-n" => {
                    unexport = true;
                    false
                }
                _ => true,
            })
            .collect();
        if names.is_empty() {
            for name in &self.state.exported {
                match self.state.vars.get(name) {
                    Some(v) => out.stdout(format!("declare -x {name}={}\n", double_quote(v))),
                    None => out.stdout(format!("declare -x {name}\n")),
                }
            }
            return 0;
        }
        let mut status = 0;
        for a in names {
            let (name, value) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (a.as_str(), None),
            };
            if !crate::parse::is_name(name) {
                out.stderr(format!("bash: export: `{a}': not a valid identifier\n"));
                status = 1;
                continue;
            }
            if let Some(v) = value {
                self.set_var(name, v);
            }
            if unexport {
                self.state.exported.remove(name);
            } else {
                self.state.exported.insert(name.to_string());
            }
        }
        status
    }

    fn unset(&mut self, args: &[String], out: &mut Output) -> i32 {
        let mut status = 0;
        for a in args.iter().filter(|a| !matches!(a.as_str(), "-v" | "-f")) {
            if !crate::parse::is_name(a) {
                out.stderr(format!("bash: unset: `{a}': not a valid identifier\n"));
                status = 1;
                continue;
            }
            self.state.vars.remove(a.as_str());
            self.state.exported.remove(a.as_str());
        }
        status
    }

    /// `env NAME=VALUE… CMD ARGS…`: runs CMD with extra exported variables.
    async fn env_command_impl(&mut self, args: &[String], stdin: Stdin, out: &mut Output, tty: bool) -> (i32, Flow) {
        let assigns: Vec<(String, String)> = args
            .iter()
            .map_while(|a| a.split_once('=').filter(|(n, _)| crate::parse::is_name(n)))
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let command: Vec<String> = args.iter().skip(assigns.len()).cloned().collect();
        let saved = (self.state.vars.clone(), self.state.exported.clone());
        for (n, v) in &assigns {
            self.state.vars.insert(n.clone(), v.clone());
            self.state.exported.insert(n.clone());
        }
        let (status, flow) = if command.is_empty() {
            (self.env("env", &[], out), Flow::Normal)
        } else {
            let flow = self.run_command(&command, stdin, out, tty).await;
            (self.state.last_status, flow)
        };
        (self.state.vars, self.state.exported) = saved;
        // `env` runs programs, not builtins; a missing one is reported by env itself.
        if status == 127 {
            if let Some(chunk) = out.chunks.last_mut() {
                if let Some(cmd) = command.first() {
                    let bash_msg = format!("bash: {cmd}: command not found\n");
                    if chunk.1.ends_with(&bash_msg) {
                        let keep = chunk.1.len() - bash_msg.len();
                        chunk.1.truncate(keep);
                        chunk.1.push_str(&format!("env: ‘{cmd}’: No such file or directory\n"));
                    }
                }
            }
        }
        (status, flow)
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn env_command<'a>(
        &'a mut self,
        args: &'a [String],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, (i32, Flow)> {
        Box::pin(self.env_command_impl(args, stdin, out, tty))
    }

    /// `vi FILE`: edits through the front end's editor (FileSystem::edit) and saves.
    fn editor(&mut self, name: &str, args: &[String], out: &mut Output) -> i32 {
        let Some(file) = args.iter().find(|a| !a.starts_with('-') && !a.starts_with('+')) else {
            out.stderr(format!("{name}: kubeplay needs a file name, e.g. `{name} pod.yaml`\n"));
            return 1;
        };
        let path = resolve(&self.state.cwd, file);
        let text = match self.fs.read_file(&path) {
            Ok(t) => t,
            Err(FsError::NotFound) => String::new(),
            Err(e) => {
                out.stderr(format!("{name}: {file}: {}\n", e.message()));
                return 1;
            }
        };
        match self.fs.edit(file, &text) {
            Ok(new) => match self.fs.write_file(&path, &new, false) {
                Ok(()) => 0,
                Err(e) => {
                    out.stderr(format!("{name}: {file}: {}\n", e.message()));
                    1
                }
            },
            Err(m) => {
                out.stderr(format!("{m}\n"));
                1
            }
        }
    }

    fn env(&mut self, name: &str, args: &[String], out: &mut Output) -> i32 {
        if name == "printenv" && !args.is_empty() {
            let mut status = 0;
            for a in args {
                match self
                    .state
                    .vars
                    .get(a.as_str())
                    .filter(|_| self.state.exported.contains(a.as_str()))
                {
                    Some(v) => out.stdout(format!("{v}\n")),
                    None => status = 1,
                }
            }
            return status;
        }
        if let Some(a) = args.first() {
            out.stderr(format!("env: ‘{a}’: No such file or directory\n"));
            return 127;
        }
        for n in &self.state.exported {
            if let Some(v) = self.state.vars.get(n) {
                out.stdout(format!("{n}={v}\n"));
            }
        }
        0
    }

    fn cd(&mut self, args: &[String], out: &mut Output) -> i32 {
        if args.len() > 1 {
            out.stderr("bash: cd: too many arguments\n");
            return 1;
        }
        let home = self
            .state
            .vars
            .get("HOME")
            .cloned()
            .unwrap_or_else(|| crate::HOME.to_string());
        let mut print = false;
        let target = match args.first().map(String::as_str) {
            None => home,
            Some("-") => {
                print = true;
                match self.state.vars.get("OLDPWD") {
                    Some(p) => p.clone(),
                    None => {
                        out.stderr("bash: cd: OLDPWD not set\n");
                        return 1;
                    }
                }
            }
            Some(p) => p.to_string(),
        };
        let path = resolve(&self.state.cwd, &target);
        match self.fs.list_dir(&path) {
            Ok(Some(_)) => {
                let old = self.state.cwd.clone();
                self.state.vars.insert("OLDPWD".to_string(), old);
                self.set_var("PWD", &path);
                if print {
                    out.stdout(format!("{path}\n"));
                }
                0
            }
            Ok(None) => {
                out.stderr(format!("bash: cd: {target}: Not a directory\n"));
                1
            }
            Err(e) => {
                out.stderr(format!("bash: cd: {target}: {}\n", e.message()));
                1
            }
        }
    }

    fn ls(&mut self, args: &[String], out: &mut Output, tty: bool) -> i32 {
        let (opts, mut operands) = match getopt(args, "", "laA1hrtRdSFG") {
            Ok(r) => r,
            Err(e) => {
                let c = match e {
                    text::OptError::Invalid(c) | text::OptError::MissingValue(c) => c,
                };
                out.stderr(format!(
                    "ls: invalid option -- '{c}'\nTry 'ls --help' for more information.\n"
                ));
                return 2;
            }
        };
        let has = |c: char| opts.iter().any(|o| matches!(o, Opt::Short(x, _) if *x == c));
        let (long, all, one) = (has('l'), has('a') || has('A'), has('1'));
        if operands.is_empty() {
            operands.push(".".to_string());
        }
        let mut status = 0;
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        for op in &operands {
            let path = resolve(&self.state.cwd, op);
            match self.fs.list_dir(&path) {
                Ok(None) => files.push(op.clone()),
                Ok(Some(names)) => dirs.push((op.clone(), path, names)),
                Err(e) => {
                    out.stderr(format!("ls: cannot access '{op}': {}\n", e.message()));
                    status = 2;
                }
            }
        }
        let now = self.cluster.borrow().now().unix_secs();
        let render = |sh: &Shell, base: &str, names: &[String]| -> String {
            if long {
                let mut s = String::new();
                let mut blocks = 0;
                let mut rows = Vec::new();
                for n in names {
                    let p = resolve(base, n);
                    let is_dir = matches!(sh.fs.list_dir(&p), Ok(Some(_)));
                    let size = if is_dir {
                        4096
                    } else {
                        sh.fs.read_file(&p).map(|t| t.len()).unwrap_or(0)
                    };
                    blocks += size.div_ceil(4096) * 4;
                    let mode = if is_dir { "drwxr-xr-x 2" } else { "-rw-r--r-- 1" };
                    rows.push((mode, size, n.clone()));
                }
                let width = rows.iter().map(|r| r.1.to_string().len()).max().unwrap_or(1);
                if base != "\0" {
                    s.push_str(&format!("total {blocks}\n"));
                }
                let stamp = format_date(now, 0, "%b %e %H:%M");
                for (mode, size, n) in rows {
                    s.push_str(&format!("{mode} root root {size:>width$} {stamp} {n}\n"));
                }
                s
            } else if tty && !one {
                columns(names, sh.terminal_width())
            } else {
                names.iter().map(|n| format!("{n}\n")).collect()
            }
        };
        if !files.is_empty() {
            let listing = render(self, "\0", &files);
            let listing = if long { listing } else { listing.replace('\0', "") };
            out.stdout(listing);
        }
        let show_headers = operands.len() > 1;
        for (i, (op, path, names)) in dirs.iter().enumerate() {
            let names: Vec<String> = names.iter().filter(|n| all || !n.starts_with('.')).cloned().collect();
            if show_headers {
                if i > 0 || !files.is_empty() {
                    out.stdout("\n");
                }
                out.stdout(format!("{op}:\n"));
            }
            out.stdout(render(self, path, &names));
        }
        status
    }

    fn mkdir(&mut self, args: &[String], out: &mut Output) -> i32 {
        let parents = args.iter().any(|a| a == "-p" || a == "--parents");
        let mut status = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = resolve(&self.state.cwd, a);
            if let Err(e) = self.fs.create_dir(&path, parents) {
                if parents && matches!(self.fs.list_dir(&path), Ok(Some(_))) {
                    continue;
                }
                out.stderr(format!("mkdir: cannot create directory ‘{a}’: {}\n", e.message()));
                status = 1;
            }
        }
        status
    }

    fn touch(&mut self, args: &[String], out: &mut Output) -> i32 {
        let mut status = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = resolve(&self.state.cwd, a);
            if matches!(self.fs.list_dir(&path), Ok(Some(_))) {
                continue;
            }
            if let Err(e) = self.fs.write_file(&path, "", true) {
                out.stderr(format!("touch: cannot touch '{a}': {}\n", e.message()));
                status = 1;
            }
        }
        status
    }

    fn rm(&mut self, args: &[String], out: &mut Output) -> i32 {
        let force = args.iter().any(|a| a.starts_with('-') && a.contains('f'));
        let mut status = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            let path = resolve(&self.state.cwd, a);
            if let Err(e) = self.fs.remove_file(&path) {
                if force && e == FsError::NotFound {
                    continue;
                }
                out.stderr(format!("rm: cannot remove '{a}': {}\n", e.message()));
                status = 1;
            }
        }
        status
    }

    fn copy(&mut self, mv: bool, args: &[String], out: &mut Output) -> i32 {
        let cmd = if mv { "mv" } else { "cp" };
        let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        let (sources, dest) = match operands.split_last() {
            Some((d, s)) if !s.is_empty() => (s, *d),
            Some((d, _)) => {
                out.stderr(format!(
                    "{cmd}: missing destination file operand after '{d}'\nTry '{cmd} --help' for more information.\n"
                ));
                return 1;
            }
            None => {
                out.stderr(format!(
                    "{cmd}: missing file operand\nTry '{cmd} --help' for more information.\n"
                ));
                return 1;
            }
        };
        let dest_path = resolve(&self.state.cwd, dest);
        let dest_is_dir = matches!(self.fs.list_dir(&dest_path), Ok(Some(_)));
        let mut status = 0;
        for src in sources {
            let src_path = resolve(&self.state.cwd, src);
            let text = match self.fs.read_file(&src_path) {
                Ok(t) => t,
                Err(FsError::IsADirectory) if !mv => {
                    out.stderr(format!("cp: -r not specified; omitting directory '{src}'\n"));
                    status = 1;
                    continue;
                }
                Err(e) => {
                    let verb = if mv { "mv: cannot stat" } else { "cp: cannot stat" };
                    out.stderr(format!("{verb} '{src}': {}\n", e.message()));
                    status = 1;
                    continue;
                }
            };
            let target = if dest_is_dir {
                resolve(&dest_path, src_path.rsplit('/').next().unwrap_or(""))
            } else {
                dest_path.clone()
            };
            if let Err(e) = self.fs.write_file(&target, &text, false) {
                out.stderr(format!("{cmd}: cannot create regular file '{dest}': {}\n", e.message()));
                status = 1;
                continue;
            }
            if mv {
                let _ = self.fs.remove_file(&src_path);
            }
        }
        status
    }

    fn tee(&mut self, args: &[String], stdin: Stdin, out: &mut Output) -> i32 {
        let append = args.iter().any(|a| a == "-a" || a == "--append");
        let text = stdin.take_all().unwrap_or_default();
        let mut status = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            if a == "/dev/null" {
                continue;
            }
            let path = resolve(&self.state.cwd, a);
            if let Err(e) = self.fs.write_file(&path, &text, append) {
                out.stderr(format!("tee: {a}: {}\n", e.message()));
                status = 1;
            }
        }
        out.stdout(text);
        status
    }

    fn describe_command(&self, name: &str) -> Option<String> {
        if let Some(v) = self.state.aliases.get(name) {
            return Some(format!("{name} is aliased to `{v}'"));
        }
        if self.functions.contains_key(name) {
            return Some(format!("{name} is a function"));
        }
        if SHELL_BUILTINS.contains(&name) {
            return Some(format!("{name} is a shell builtin"));
        }
        if PROGRAMS.contains(&name) {
            return Some(format!("{name} is /usr/bin/{name}"));
        }
        None
    }

    fn type_cmd(&mut self, args: &[String], out: &mut Output) -> i32 {
        let mut status = 0;
        for a in args {
            match self.describe_command(a) {
                Some(d) => out.stdout(format!("{d}\n")),
                None => {
                    out.stderr(format!("bash: type: {a}: not found\n"));
                    status = 1;
                }
            }
        }
        status
    }

    fn which(&mut self, args: &[String], out: &mut Output) -> i32 {
        let mut status = 0;
        for a in args.iter().filter(|a| !a.starts_with('-')) {
            if PROGRAMS.contains(&a.as_str()) || COREUTILS_TOO.contains(&a.as_str()) {
                out.stdout(format!("/usr/bin/{a}\n"));
            } else {
                status = 1;
            }
        }
        status
    }

    async fn source_impl(&mut self, name: &str, args: &[String], out: &mut Output, tty: bool) -> (i32, Flow) {
        let Some(file) = args.first() else {
            out.stderr(format!(
                "bash: {name}: filename argument required\n{name}: usage: {name} filename [arguments]\n"
            ));
            return (2, Flow::Normal);
        };
        let text = match self.read_path(file) {
            Ok(t) => t,
            Err(e) => {
                out.stderr(format!("bash: {file}: {}\n", e.message()));
                return (1, Flow::Normal);
            }
        };
        // `source <(kubectl completion bash)`: completion is the terminal's business.
        if text.contains("__start_kubectl") || text.trim().is_empty() {
            return (0, Flow::Normal);
        }
        if self.run.depth >= MAX_DEPTH {
            out.stderr(format!("bash: {file}: maximum source nesting level exceeded\n"));
            return (1, Flow::Normal);
        }
        self.run.depth += 1;
        let flow = self
            .exec_script_from(&text, &Origin::Named(file.clone()), out, tty)
            .await;
        self.run.depth -= 1;
        (self.state.last_status, flow)
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn source<'a>(
        &'a mut self,
        name: &'a str,
        args: &'a [String],
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, (i32, Flow)> {
        Box::pin(self.source_impl(name, args, out, tty))
    }

    /// `bash -c 'cmds'`, `bash script.sh`, `sh script.sh`: runs in a child shell.
    async fn subshell_script_impl(
        &mut self,
        name: &str,
        args: &[String],
        stdin: Stdin,
        out: &mut Output,
        tty: bool,
    ) -> i32 {
        let (script, origin) = match args.first().map(String::as_str) {
            Some("-c") => match args.get(1) {
                Some(s) => (s.clone(), Origin::Named(format!("{name}: -c"))),
                None => {
                    out.stderr(format!("{name}: -c: option requires an argument\n"));
                    return 2;
                }
            },
            Some(file) => match self.read_path(file) {
                Ok(t) => (t, Origin::Named(file.to_string())),
                Err(e) => {
                    out.stderr(format!("{name}: {file}: {}\n", e.message()));
                    return 127;
                }
            },
            None => (stdin.take_all().unwrap_or_default(), Origin::Unnamed(name.to_string())),
        };
        if self.run.depth >= MAX_DEPTH {
            out.stderr(format!("{name}: maximum nesting level exceeded\n"));
            return 1;
        }
        let saved = (
            self.state.vars.clone(),
            self.state.exported.clone(),
            self.state.cwd.clone(),
            self.state.aliases.clone(),
        );
        let saved_exit = self.run.exit;
        // Scripts do not expand aliases.
        self.state.aliases.clear();
        self.run.depth += 1;
        self.exec_script_from(&script, &origin, out, tty).await;
        self.run.depth -= 1;
        self.run.exit = saved_exit;
        (self.state.vars, self.state.exported, self.state.cwd, self.state.aliases) = saved;
        self.state.last_status
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn subshell_script<'a>(
        &'a mut self,
        name: &'a str,
        args: &'a [String],
        stdin: Stdin,
        out: &'a mut Output,
        tty: bool,
    ) -> Fut<'a, i32> {
        Box::pin(self.subshell_script_impl(name, args, stdin, out, tty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_host_reads_files_relative_to_the_working_directory() {
        use kubectl::Host;
        let mut fs = crate::MemoryFs::new().with_file("/root/app/pod.yaml", "kind: Pod\n");
        let procs = std::collections::BTreeMap::new();
        let mut host = KubectlHost {
            fs: &mut fs,
            cwd: "/root/app",
            procs: &procs,
            stdin: Stdin::text("piped".into()),
            now: 42,
            cluster: None,
            pace: &crate::Immediate,
            interrupted: &Cell::new(false),
            live: None,
        };
        assert_eq!(host.read_file("pod.yaml"), Ok("kind: Pod\n".to_string()));
        assert_eq!(host.read_file("../app/pod.yaml"), Ok("kind: Pod\n".to_string()));
        assert_eq!(
            host.read_file("nope.yaml"),
            Err("open nope.yaml: no such file or directory".to_string())
        );
        assert_eq!(host.list_dir("."), Ok(Some(vec!["pod.yaml".to_string()])));
        assert_eq!(host.list_dir("pod.yaml"), Ok(None));
        assert_eq!(
            host.list_dir("missing"),
            Err("lstat missing: no such file or directory".to_string())
        );
        assert_eq!(host.stdin(), Some("piped".to_string()));
        assert_eq!(host.stdin(), None);
        assert_eq!(host.now_unix(), 42);
        assert!(host.edit("x.yaml", "a").is_err());
        // Without a cluster there is no clock to wait on.
        assert_eq!(kubectl::poll_ready(host.wait(1)), Some(false));
    }

    #[test]
    fn intervals_follow_gnu_sleep_suffixes() {
        let cases = [
            ("5", Some(5000)),
            ("0.5", Some(500)),
            ("1m", Some(60_000)),
            ("2h", Some(7_200_000)),
            ("1d", Some(86_400_000)),
            ("3s", Some(3000)),
            ("x", None),
            ("1x", None),
            ("-1", None),
            ("", None),
            ("m", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_interval(s), want, "{s}");
        }
    }

    #[test]
    fn dates_format_as_gnu_date_in_utc() {
        // 2026-01-01T00:00:00Z was a Thursday.
        let t = 1_767_225_600;
        assert_eq!(
            format_date(t, 0, "%a %b %e %H:%M:%S %Z %Y"),
            "Thu Jan  1 00:00:00 UTC 2026"
        );
        assert_eq!(
            format_date(t + 86_400 * 45 + 3661, 0, "%F %T %j %u"),
            "2026-02-15 01:01:01 046 7"
        );
        assert_eq!(format_date(t, 0, "%s"), "1767225600");
        assert_eq!(format_date(951_782_400, 0, "%F"), "2000-02-29");
        assert_eq!(format_date(t, 0, "%%%q"), "%%q");
    }

    #[test]
    fn ls_columns_fit_eighty_characters() {
        let names: Vec<String> = ["a.yaml", "b.yaml", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(columns(&names, 80), "a.yaml  b.yaml  c\n");
        assert_eq!(columns(&names, 10), "a.yaml  c\nb.yaml\n");
        let long: Vec<String> = (0..12).map(|i| format!("file-number-{i:02}.yaml")).collect();
        let out = columns(&long, 80);
        assert!(out.lines().all(|l| l.len() <= 80), "{out}");
        assert_eq!(out.lines().count(), 4);
    }
}
