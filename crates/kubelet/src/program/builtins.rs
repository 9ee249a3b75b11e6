//! The builtins and utilities a container's shell runs (echo, sleep, cat, test, …).

use super::*;

impl Process {
    pub(super) fn builtin(&mut self, argv: &[String]) {
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
            "cat" if !args.iter().any(|a| !a.starts_with('-')) => {
                for line in self.input(&[], name) {
                    self.emit(line);
                }
            }
            "rev" => {
                let files: Vec<&str> = args.iter().copied().filter(|a| !a.starts_with('-')).collect();
                for line in self.input(&files, name) {
                    self.emit(line.chars().rev().collect());
                }
            }
            "wget" if self.flavor == Flavor::Busybox => self.wget(&args),
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

    pub(super) fn is_dir(&self, path: &str) -> bool {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        self.files.keys().any(|k| k.starts_with(&prefix))
    }

    pub(super) fn test(&self, a: &[&str]) -> bool {
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
}

pub(super) fn is_builtin(name: &str) -> bool {
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
            | "rev"
            | "wget"
    )
}

/// `sleep` operands: `5`, `0.5`, `2m`, `1h`, `infinity` (None = forever); Err = invalid.
pub(super) fn parse_sleep(arg: &str) -> Option<Option<i64>> {
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

/// A small `printf`: `%s`, `%d`, `%%`, `\n`, `\t`; the format repeats for extra arguments.
pub(super) fn printf(fmt: &str, args: &[&str]) -> String {
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

pub(super) const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
pub(super) const MONTHS: [&str; 12] = [
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
