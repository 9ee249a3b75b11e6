//! Command dispatch: kubectl, the bash builtins, the coreutils tutorials use, and the
//! "command not found" fallback (the hook for later emulations such as kubeadm).

use kubectl::{Invocation, Output};

use crate::exec::{Flow, CLEAR_SEQUENCE, MAX_DEPTH};
use crate::fs::resolve;
use crate::text::{self, getopt, Io, Opt};
use crate::{FileSystem, FsError, Shell};

/// Commands the shell runs itself (`type` calls them builtins).
const SHELL_BUILTINS: &[&str] = &[
    ".", ":", "alias", "break", "cd", "continue", "echo", "exit", "export", "false", "help", "history", "printf", "pwd",
    "set", "source", "true", "type", "unalias", "unset",
];

/// Programs emulated as if installed in /usr/bin.
const PROGRAMS: &[&str] = &[
    "awk", "base64", "bash", "cat", "clear", "cp", "cut", "date", "egrep", "env", "fgrep", "grep", "head", "kubectl",
    "ls", "mawk", "mkdir", "mv", "rm", "seq", "sh", "sleep", "sort", "tail", "tee", "touch", "tr", "uniq", "wc",
    "which",
];

/// The adapter kubectl sees: files through the shell's file system, stdin from pipes and
/// here-documents, time from the cluster's clock.
struct KubectlHost<'a> {
    fs: &'a mut dyn FileSystem,
    cwd: &'a str,
    procs: &'a std::collections::BTreeMap<String, String>,
    stdin: Option<String>,
    now: i64,
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
            return Ok(self.stdin.take().unwrap_or_default());
        }
        crate::exec::read_path(&*self.fs, self.cwd, self.procs, path).map_err(|e| go_error("open", path, &e))
    }
    /// `Err` is Go's error text: `lstat PATH: no such file or directory`.
    fn list_dir(&mut self, path: &str) -> Result<Option<Vec<String>>, String> {
        if self.procs.contains_key(path) || path == "/dev/stdin" || path == "/dev/null" {
            return Ok(None);
        }
        self.fs.list_dir(&resolve(self.cwd, path)).map_err(|e| go_error("lstat", path, &e))
    }
    fn stdin(&mut self) -> Option<String> {
        self.stdin.take()
    }
    fn edit(&mut self, file_name: &str, text: &str) -> Result<String, String> {
        self.fs.edit(file_name, text)
    }
    fn now_unix(&self) -> i64 {
        self.now
    }
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
  echo, printf, cat, grep, head, tail, wc, sort, uniq, cut, tr, awk, base64, seq, tee
  ls, cd, pwd, mkdir, touch, cp, mv, rm    files live in this tab only
  alias, unalias, export, unset, env, history, clear, type, which, source, exit

Shell syntax: quotes, $VAR, $(...), pipes |, && ||, ;, > >> 2>&1 redirections,
here-documents (kubectl apply -f - <<EOF ... EOF), for/while/if.
";

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

const DAYS: [&str; 7] = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

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
fn columns(names: &[String]) -> String {
    const WIDTH: usize = 80;
    let n = names.len();
    if n == 0 {
        return String::new();
    }
    for cols in (1..=n).rev() {
        let rows = n.div_ceil(cols);
        let used_cols = n.div_ceil(rows);
        let widths: Vec<usize> = (0..used_cols)
            .map(|c| (0..rows).filter_map(|r| names.get(c * rows + r)).map(|s| s.chars().count()).max().unwrap_or(0))
            .collect();
        let total: usize = widths.iter().sum::<usize>() + 2 * used_cols.saturating_sub(1);
        if total <= WIDTH || cols == 1 {
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
    pub(crate) fn run_command(&mut self, argv: &[String], stdin: Option<String>, out: &mut Output, tty: bool) -> Flow {
        let Some((name, args)) = argv.split_first() else { return Flow::Normal };
        let (status, flow) = self.dispatch(name, args, stdin, out, tty);
        self.state.last_status = status;
        flow
    }

    fn text_io<R>(&mut self, stdin: Option<String>, out: &mut Output, f: impl FnOnce(&mut Io) -> R) -> R {
        let fs = &*self.fs;
        let cwd = self.state.cwd.clone();
        let procs = &self.run.proc_files;
        let read = move |p: &str| crate::exec::read_path(fs, &cwd, procs, p);
        let mut io = Io { stdin, read: &read, out };
        f(&mut io)
    }

    fn dispatch(&mut self, name: &str, args: &[String], stdin: Option<String>, out: &mut Output, tty: bool) -> (i32, Flow) {
        let normal = |s: i32| (s, Flow::Normal);
        match name {
            "kubectl" => normal(self.kubectl(args, stdin, out)),
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
            "sleep" => normal(self.sleep(args, out)),
            "date" => normal(self.date(args, out)),
            "clear" => {
                out.stdout(CLEAR_SEQUENCE);
                normal(0)
            }
            "exit" => self.exit(args, out),
            "break" | "continue" => {
                let n = args.first().and_then(|a| a.parse::<u32>().ok()).unwrap_or(1).max(1);
                (0, if name == "break" { Flow::Break(n) } else { Flow::Continue(n) })
            }
            "history" => normal(self.history(args, out)),
            "alias" => normal(self.alias(args, out)),
            "unalias" => normal(self.unalias(args, out)),
            "export" => normal(self.export(args, out)),
            "unset" => normal(self.unset(args, out)),
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
            "source" | "." => self.source(name, args, out, tty),
            "bash" | "sh" => normal(self.subshell_script(name, args, stdin, out, tty)),
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

    fn kubectl(&mut self, args: &[String], stdin: Option<String>, out: &mut Output) -> i32 {
        let now = self.cluster.now().unix_secs();
        let mut host =
            KubectlHost { fs: &mut *self.fs, cwd: &self.state.cwd, procs: &self.run.proc_files, stdin, now };
        kubectl::run(
            args,
            Invocation { client: &mut self.cluster, host: &mut host, config: &mut self.state.kubeconfig, out },
        )
    }

    fn sleep(&mut self, args: &[String], out: &mut Output) -> i32 {
        if args.is_empty() {
            out.stderr("sleep: missing operand\nTry 'sleep --help' for more information.\n");
            return 1;
        }
        let mut total: i64 = 0;
        for a in args {
            match parse_interval(a) {
                Some(ms) => total = total.saturating_add(ms),
                None => {
                    out.stderr(format!("sleep: invalid time interval ‘{a}’\nTry 'sleep --help' for more information.\n"));
                    return 1;
                }
            }
        }
        self.cluster.advance(sim::Duration::from_millis(total));
        0
    }

    fn date(&mut self, args: &[String], out: &mut Output) -> i32 {
        let now = self.cluster.now();
        let mut fmt = "%a %b %e %H:%M:%S %Z %Y".to_string();
        for a in args {
            if let Some(f) = a.strip_prefix('+') {
                fmt = f.to_string();
            } else if a == "-u" || a == "--utc" || a == "--universal" {
            } else if a == "-R" || a == "--rfc-email" {
                fmt = "%a, %d %b %Y %H:%M:%S %z".to_string();
            } else if a == "-I" || a == "--iso-8601" {
                fmt = "%F".to_string();
            } else {
                out.stderr(format!("date: invalid date ‘{a}’\n"));
                return 1;
            }
        }
        out.stdout(format!("{}\n", format_date(now.unix_secs(), now.unix_millis(), &fmt)));
        0
    }

    fn exit(&mut self, args: &[String], out: &mut Output) -> (i32, Flow) {
        out.stderr("exit\n");
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
                    if name.is_empty() || name.chars().any(|c| matches!(c, '/' | '$' | '`' | '=' | ' ' | '\t' | '\'' | '"')) {
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

    fn env(&mut self, name: &str, args: &[String], out: &mut Output) -> i32 {
        if name == "printenv" && !args.is_empty() {
            let mut status = 0;
            for a in args {
                match self.state.vars.get(a.as_str()).filter(|_| self.state.exported.contains(a.as_str())) {
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
        let home = self.state.vars.get("HOME").cloned().unwrap_or_else(|| crate::HOME.to_string());
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
                out.stderr(format!("ls: invalid option -- '{c}'\nTry 'ls --help' for more information.\n"));
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
        let now = self.cluster.now().unix_secs();
        let render = |sh: &Shell, base: &str, names: &[String]| -> String {
            if long {
                let mut s = String::new();
                let mut blocks = 0;
                let mut rows = Vec::new();
                for n in names {
                    let p = resolve(base, n);
                    let is_dir = matches!(sh.fs.list_dir(&p), Ok(Some(_)));
                    let size = if is_dir { 4096 } else { sh.fs.read_file(&p).map(|t| t.len()).unwrap_or(0) };
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
                columns(names)
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
                out.stderr(format!("{cmd}: missing destination file operand after '{d}'\nTry '{cmd} --help' for more information.\n"));
                return 1;
            }
            None => {
                out.stderr(format!("{cmd}: missing file operand\nTry '{cmd} --help' for more information.\n"));
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

    fn tee(&mut self, args: &[String], stdin: Option<String>, out: &mut Output) -> i32 {
        let append = args.iter().any(|a| a == "-a" || a == "--append");
        let text = stdin.unwrap_or_default();
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
            if PROGRAMS.contains(&a.as_str()) || matches!(a.as_str(), "echo" | "printf" | "true" | "false" | "pwd") {
                out.stdout(format!("/usr/bin/{a}\n"));
            } else {
                status = 1;
            }
        }
        status
    }

    fn source(&mut self, name: &str, args: &[String], out: &mut Output, tty: bool) -> (i32, Flow) {
        let Some(file) = args.first() else {
            out.stderr(format!("bash: {name}: filename argument required\n{name}: usage: {name} filename [arguments]\n"));
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
        let flow = self.exec_script(&text, out, tty);
        self.run.depth -= 1;
        (self.state.last_status, flow)
    }

    /// `bash -c 'cmds'`, `bash script.sh`, `sh script.sh`: runs in a child shell.
    fn subshell_script(&mut self, name: &str, args: &[String], stdin: Option<String>, out: &mut Output, tty: bool) -> i32 {
        let script = match args.first().map(String::as_str) {
            Some("-c") => match args.get(1) {
                Some(s) => s.clone(),
                None => {
                    out.stderr(format!("{name}: -c: option requires an argument\n"));
                    return 2;
                }
            },
            Some(file) => match self.read_path(file) {
                Ok(t) => t,
                Err(e) => {
                    out.stderr(format!("{name}: {file}: {}\n", e.message()));
                    return 127;
                }
            },
            None => stdin.unwrap_or_default(),
        };
        if self.run.depth >= MAX_DEPTH {
            out.stderr(format!("{name}: maximum nesting level exceeded\n"));
            return 1;
        }
        let saved = (self.state.vars.clone(), self.state.exported.clone(), self.state.cwd.clone(), self.state.aliases.clone());
        let saved_exit = self.run.exit;
        // Scripts do not expand aliases.
        self.state.aliases.clear();
        self.run.depth += 1;
        self.exec_script(&script, out, tty);
        self.run.depth -= 1;
        self.run.exit = saved_exit;
        (self.state.vars, self.state.exported, self.state.cwd, self.state.aliases) = saved;
        self.state.last_status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(format_date(t, 0, "%a %b %e %H:%M:%S %Z %Y"), "Thu Jan  1 00:00:00 UTC 2026");
        assert_eq!(format_date(t + 86_400 * 45 + 3661, 0, "%F %T %j %u"), "2026-02-15 01:01:01 046 7");
        assert_eq!(format_date(t, 0, "%s"), "1767225600");
        assert_eq!(format_date(951_782_400, 0, "%F"), "2000-02-29");
        assert_eq!(format_date(t, 0, "%%%q"), "%%q");
    }

    #[test]
    fn ls_columns_fit_eighty_characters() {
        let names: Vec<String> = ["a.yaml", "b.yaml", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(columns(&names), "a.yaml  b.yaml  c\n");
        let long: Vec<String> = (0..12).map(|i| format!("file-number-{i:02}.yaml")).collect();
        let out = columns(&long);
        assert!(out.lines().all(|l| l.len() <= 80), "{out}");
        assert_eq!(out.lines().count(), 4);
    }
}
