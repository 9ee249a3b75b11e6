//! The GNU text utilities tutorials pipe kubectl into: cat, grep, head, tail, wc, sort, uniq,
//! cut, tr, base64, seq, printf. Each reads operands or stdin through [`Io`] and prints the
//! GNU coreutils messages.

use kubectl::Output;

use crate::exec::Stdin;
use crate::regex::Regex;
use crate::FsError;

/// What a text utility works with.
pub(crate) struct Io<'a> {
    pub stdin: Stdin,
    /// Reads a file named on the command line.
    pub read: &'a dyn Fn(&str) -> Result<String, FsError>,
    pub out: &'a mut Output,
}

impl Io<'_> {
    fn stdin_text(&mut self) -> String {
        self.stdin.take_all().unwrap_or_default()
    }
}

/// A parsed command-line option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Opt {
    Short(char, Option<String>),
    Long(String, Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OptError {
    Invalid(char),
    MissingValue(char),
}

/// GNU getopt: short flags may be grouped (`-iv`), `with_value` flags take the rest of the
/// argument or the next one, options and operands may be mixed, `--` ends options.
pub(crate) fn getopt(args: &[String], with_value: &str, known: &str) -> Result<(Vec<Opt>, Vec<String>), OptError> {
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut iter = args.iter();
    while let Some(a) = iter.next() {
        if a == "--" {
            operands.extend(iter.cloned());
            break;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (long.to_string(), None),
            };
            opts.push(Opt::Long(name, value));
            continue;
        }
        let Some(flags) = a.strip_prefix('-').filter(|f| !f.is_empty()) else {
            operands.push(a.clone());
            continue;
        };
        let chars: Vec<char> = flags.chars().collect();
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            i += 1;
            if with_value.contains(c) {
                let rest: String = chars.get(i..).unwrap_or(&[]).iter().collect();
                let value = if !rest.is_empty() {
                    rest
                } else {
                    iter.next().cloned().ok_or(OptError::MissingValue(c))?
                };
                opts.push(Opt::Short(c, Some(value)));
                break;
            }
            if !known.contains(c) {
                return Err(OptError::Invalid(c));
            }
            opts.push(Opt::Short(c, None));
        }
    }
    Ok((opts, operands))
}

/// Prints GNU's usage error and returns the exit status.
fn usage(out: &mut Output, cmd: &str, e: &OptError, status: i32) -> i32 {
    match e {
        OptError::Invalid(c) => out.stderr(format!("{cmd}: invalid option -- '{c}'\n")),
        OptError::MissingValue(c) => out.stderr(format!("{cmd}: option requires an argument -- '{c}'\n")),
    }
    if cmd == "grep" {
        out.stderr("Usage: grep [OPTION]... PATTERNS [FILE]...\n");
    }
    out.stderr(format!("Try '{cmd} --help' for more information.\n"));
    status
}

fn unrecognized(out: &mut Output, cmd: &str, long: &str, status: i32) -> i32 {
    out.stderr(format!("{cmd}: unrecognized option '--{long}'\n"));
    if cmd == "grep" {
        out.stderr("Usage: grep [OPTION]... PATTERNS [FILE]...\n");
    }
    out.stderr(format!("Try '{cmd} --help' for more information.\n"));
    status
}

/// The lines of `text` without their newlines.
pub(crate) fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n')
        .map(|l| l.strip_suffix('\n').unwrap_or(l))
        .collect()
}

/// Reads each operand (or stdin for none or `-`); failures are reported with `err` and
/// skipped. Returns the inputs and whether any failed.
fn read_inputs(
    io: &mut Io,
    operands: &[String],
    err: &dyn Fn(&str, &FsError) -> String,
) -> (Vec<(String, String)>, bool) {
    let mut inputs = Vec::new();
    let mut failed = false;
    if operands.is_empty() {
        let text = io.stdin_text();
        return (vec![("-".to_string(), text)], false);
    }
    for name in operands {
        if name == "-" {
            let text = io.stdin_text();
            inputs.push((name.clone(), text));
            continue;
        }
        match (io.read)(name) {
            Ok(text) => inputs.push((name.clone(), text)),
            Err(e) => {
                io.out.stderr(err(name, &e));
                failed = true;
            }
        }
    }
    (inputs, failed)
}

pub(crate) fn cat(args: &[String], io: &mut Io) -> i32 {
    let (opts, operands) = match getopt(args, "", "nAbesEtTuv") {
        Ok(r) => r,
        Err(e) => return usage(io.out, "cat", &e, 1),
    };
    let number = opts.contains(&Opt::Short('n', None));
    let mut failed = false;
    let mut line_no = 0;
    let names = if operands.is_empty() {
        vec!["-".to_string()]
    } else {
        operands
    };
    // One file at a time, so errors interleave with output as cat's do.
    for name in &names {
        let (inputs, f) = read_inputs(io, std::slice::from_ref(name), &|n, e| {
            format!("cat: {n}: {}\n", e.message())
        });
        failed |= f;
        let Some((_, text)) = inputs.into_iter().next() else {
            continue;
        };
        if number {
            for l in text.split_inclusive('\n') {
                line_no += 1;
                io.out.stdout(format!("{line_no:>6}\t{l}"));
            }
        } else {
            io.out.stdout(text);
        }
    }
    i32::from(failed)
}

#[derive(Default)]
struct GrepOpts {
    invert: bool,
    word: bool,
    line: bool,
    count: bool,
    only: bool,
    number: bool,
    quiet: bool,
    no_messages: bool,
    files_with: bool,
    files_without: bool,
    with_name: Option<bool>,
    after: usize,
    before: usize,
    /// Any of -A/-B/-C was given (even 0): groups are separated by `--`.
    context: bool,
    max: Option<usize>,
}

fn parse_count(cmd: &str, what: &str, v: &str, out: &mut Output) -> Option<usize> {
    match v.parse::<usize>() {
        Ok(n) => Some(n),
        Err(_) => {
            out.stderr(format!("{cmd}: {v}: invalid {what} argument\n"));
            None
        }
    }
}

pub(crate) fn grep(name: &str, args: &[String], io: &mut Io) -> i32 {
    let (opts, mut operands) = match getopt(args, "eABCmf", "ivEFGPwxconqshHlLrRyaIUz") {
        Ok(r) => r,
        Err(e) => return usage(io.out, "grep", &e, 2),
    };
    let mut g = GrepOpts::default();
    let mut extended = name == "egrep";
    let mut fixed = name == "fgrep";
    let mut icase = false;
    let mut patterns: Vec<String> = Vec::new();
    for o in &opts {
        match o {
            Opt::Short('i' | 'y', _) => icase = true,
            Opt::Short('v', _) => g.invert = true,
            Opt::Short('E' | 'P', _) => extended = true,
            Opt::Short('F', _) => fixed = true,
            Opt::Short('G', _) => extended = false,
            Opt::Short('w', _) => g.word = true,
            Opt::Short('x', _) => g.line = true,
            Opt::Short('c', _) => g.count = true,
            Opt::Short('o', _) => g.only = true,
            Opt::Short('n', _) => g.number = true,
            Opt::Short('q', _) => g.quiet = true,
            Opt::Short('s', _) => g.no_messages = true,
            Opt::Short('l', _) => g.files_with = true,
            Opt::Short('L', _) => g.files_without = true,
            Opt::Short('h', _) => g.with_name = Some(false),
            Opt::Short('H', _) => g.with_name = Some(true),
            Opt::Short('e', Some(p)) => patterns.push(p.clone()),
            Opt::Short('f', Some(path)) => match (io.read)(path) {
                Ok(t) => patterns.extend(lines(&t).into_iter().map(str::to_string)),
                Err(e) => {
                    io.out.stderr(format!("grep: {path}: {}\n", e.message()));
                    return 2;
                }
            },
            Opt::Short(c @ ('A' | 'B' | 'C'), Some(v)) => {
                let Some(n) = parse_count("grep", "context length", v, io.out) else {
                    return 2;
                };
                g.context = true;
                if matches!(c, 'A' | 'C') {
                    g.after = n;
                }
                if matches!(c, 'B' | 'C') {
                    g.before = n;
                }
            }
            Opt::Short('m', Some(v)) => {
                let Some(n) = parse_count("grep", "max count", v, io.out) else {
                    return 2;
                };
                g.max = Some(n);
            }
            Opt::Short(..) => {}
            Opt::Long(l, _) => match l.as_str() {
                "color" | "colour" | "no-group-separator" | "line-buffered" => {}
                "ignore-case" => icase = true,
                "invert-match" => g.invert = true,
                "extended-regexp" => extended = true,
                "fixed-strings" => fixed = true,
                "word-regexp" => g.word = true,
                "count" => g.count = true,
                "only-matching" => g.only = true,
                "line-number" => g.number = true,
                "quiet" | "silent" => g.quiet = true,
                _ => return unrecognized(io.out, "grep", l, 2),
            },
        }
    }
    if patterns.is_empty() {
        if operands.is_empty() {
            io.out
                .stderr("Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n");
            return 2;
        }
        patterns.push(operands.remove(0));
    }
    let mut regexes = Vec::new();
    for p in patterns.iter().flat_map(|p| p.split('\n')) {
        let r = if fixed {
            Ok(Regex::literal(p, icase))
        } else {
            Regex::new(p, extended, icase)
        };
        match r {
            Ok(r) => regexes.push(r),
            Err(m) => {
                io.out.stderr(format!("grep: {m}\n"));
                return 2;
            }
        }
    }
    let many = operands.len() > 1;
    let with_name = g.with_name.unwrap_or(many);
    let no_messages = g.no_messages;
    let (inputs, failed) = read_inputs(io, &operands, &|n, e| {
        if no_messages {
            String::new()
        } else {
            format!("grep: {n}: {}\n", e.message())
        }
    });
    let mut any = false;
    for (file, text) in &inputs {
        let display = if file == "-" { "(standard input)" } else { file.as_str() };
        let n = grep_one(&g, &regexes, display, with_name, text, io.out);
        any |= n > 0;
        if g.quiet && any {
            return 0;
        }
    }
    if failed && !(g.quiet && any) {
        return 2;
    }
    i32::from(!any)
}

/// Matches of the patterns in `line`, leftmost first, honouring -w and -x.
fn grep_matches(g: &GrepOpts, regexes: &[Regex], chars: &[char]) -> Vec<(usize, usize)> {
    if !g.word && !g.line && !g.only {
        // Only whether the line matches counts: the one-pass test is much cheaper.
        let line: String = chars.iter().collect();
        return if regexes.iter().any(|r| r.is_match(&line)) {
            vec![(0, 0)]
        } else {
            Vec::new()
        };
    }
    let word_char = |i: usize| chars.get(i).is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let mut found = Vec::new();
    let mut pos = 0;
    while pos <= chars.len() {
        let mut best: Option<(usize, usize)> = None;
        for r in regexes {
            let mut from = pos;
            while let Some((s, e)) = r.find_at(chars, from) {
                let ok = if g.line {
                    s == 0 && e == chars.len()
                } else if g.word {
                    (s == 0 || !word_char(s - 1)) && !word_char(e)
                } else {
                    true
                };
                if g.line && !ok {
                    // Only a match of the whole line counts.
                    if r.longest_at_pub(chars, 0) == Some(chars.len()) {
                        best = Some((0, chars.len()));
                    }
                    break;
                }
                if ok {
                    if best.is_none_or(|(bs, be)| s < bs || (s == bs && e > be)) {
                        best = Some((s, e));
                    }
                    break;
                }
                from = s + 1;
                if from > chars.len() {
                    break;
                }
            }
        }
        let Some((s, e)) = best else { break };
        found.push((s, e));
        pos = if e > s { e } else { e + 1 };
        if g.line {
            break;
        }
    }
    found
}

fn grep_one(g: &GrepOpts, regexes: &[Regex], file: &str, with_name: bool, text: &str, out: &mut Output) -> usize {
    let all = lines(text);
    let selected: Vec<bool> = all
        .iter()
        .map(|l| {
            let chars: Vec<char> = l.chars().collect();
            grep_matches(g, regexes, &chars).is_empty() == g.invert
        })
        .collect();
    let mut total = selected.iter().filter(|s| **s).count();
    if let Some(m) = g.max {
        total = total.min(m);
    }
    if g.quiet {
        return total;
    }
    if g.files_with || g.files_without {
        if (total > 0) == g.files_with {
            out.stdout(format!("{file}\n"));
        }
        return total;
    }
    if g.count {
        let prefix = if with_name { format!("{file}:") } else { String::new() };
        out.stdout(format!("{prefix}{total}\n"));
        return total;
    }
    let prefix = |sep: char, i: usize| {
        let mut p = String::new();
        if with_name {
            p.push_str(file);
            p.push(sep);
        }
        if g.number {
            p.push_str(&(i + 1).to_string());
            p.push(sep);
        }
        p
    };
    let mut printed_upto: Option<usize> = None;
    let mut emitted = 0usize;
    let mut after_left = 0usize;
    for (i, line) in all.iter().enumerate() {
        let is_sel = selected.get(i).copied().unwrap_or(false) && g.max.is_none_or(|m| emitted < m);
        if is_sel {
            emitted += 1;
            if g.only {
                if !g.invert {
                    let chars: Vec<char> = line.chars().collect();
                    for (s, e) in grep_matches(g, regexes, &chars) {
                        if e > s {
                            let m: String = chars.get(s..e).unwrap_or(&[]).iter().collect();
                            out.stdout(format!("{}{m}\n", prefix(':', i)));
                        }
                    }
                }
                continue;
            }
            let start = i.saturating_sub(g.before);
            let from = match printed_upto {
                Some(p) if p + 1 > start => p + 1,
                _ => start,
            };
            if g.context && printed_upto.is_some_and(|p| from > p + 1) {
                out.stdout("--\n");
            }
            for j in from..i {
                if let Some(l) = all.get(j) {
                    out.stdout(format!("{}{l}\n", prefix('-', j)));
                }
            }
            out.stdout(format!("{}{line}\n", prefix(':', i)));
            printed_upto = Some(i);
            after_left = g.after;
        } else if after_left > 0 && !g.only {
            out.stdout(format!("{}{line}\n", prefix('-', i)));
            printed_upto = Some(i);
            after_left -= 1;
        } else if g.max.is_some_and(|m| emitted >= m) {
            break;
        }
    }
    total
}

/// Rewrites `-5` to `-n 5` (head and tail's obsolete syntax) and `+5` for tail.
fn numeric_shorthand(args: &[String], tail: bool) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for (i, a) in args.iter().enumerate() {
        let digits = a.get(1..).unwrap_or("");
        let first = i == 0;
        let is_value = matches!(v.last().map(String::as_str), Some("-n" | "-c" | "--lines" | "--bytes"));
        if !is_value
            && (a.starts_with('-') || (tail && first && a.starts_with('+')))
            && !digits.is_empty()
            && digits.chars().all(|c| c.is_ascii_digit())
        {
            v.push("-n".to_string());
            v.push(if a.starts_with('+') {
                a.clone()
            } else {
                digits.to_string()
            });
        } else {
            v.push(a.clone());
        }
    }
    v
}

pub(crate) fn head_tail(tail: bool, args: &[String], io: &mut Io) -> i32 {
    let cmd = if tail { "tail" } else { "head" };
    let args = numeric_shorthand(args, tail);
    let (opts, operands) = match getopt(&args, "nc", "qvfFz") {
        Ok(r) => r,
        Err(e) => return usage(io.out, cmd, &e, 1),
    };
    // (count, from_start for tail `+N` / all-but-last for head `-N`)
    let mut count: i64 = 10;
    let mut special = false;
    let mut bytes = false;
    let mut headers = operands.len() > 1;
    for o in &opts {
        let numeric = match o {
            Opt::Short(c @ ('n' | 'c'), Some(v)) => Some((*c == 'c', v)),
            Opt::Long(l, Some(v)) if l == "lines" || l == "bytes" => Some((l == "bytes", v)),
            _ => None,
        };
        if let Some((is_bytes, v)) = numeric {
            bytes = is_bytes;
            let (sp, num) = if tail {
                match v.strip_prefix('+') {
                    Some(n) => (true, n),
                    None => (false, v.strip_prefix('-').unwrap_or(v)),
                }
            } else {
                match v.strip_prefix('-') {
                    Some(n) => (true, n),
                    None => (false, v.as_str()),
                }
            };
            match num.parse::<i64>() {
                Ok(n) if n >= 0 => {
                    count = n;
                    special = sp;
                }
                _ => {
                    let what = if bytes { "bytes" } else { "lines" };
                    io.out.stderr(format!("{cmd}: invalid number of {what}: ‘{v}’\n"));
                    return 1;
                }
            }
            continue;
        }
        match o {
            Opt::Short('q', _) => headers = false,
            Opt::Short('v', _) => headers = true,
            Opt::Short(..) => {}
            Opt::Long(l, _) => match l.as_str() {
                "quiet" | "silent" => headers = false,
                "verbose" => headers = true,
                "follow" => {}
                _ => return unrecognized(io.out, cmd, l, 1),
            },
        }
    }
    let (inputs, failed) = read_inputs(io, &operands, &|n, e| {
        format!("{cmd}: cannot open '{n}' for reading: {}\n", e.message())
    });
    for (k, (name, text)) in inputs.iter().enumerate() {
        if headers {
            let shown = if name == "-" { "standard input" } else { name };
            io.out
                .stdout(format!("{}==> {shown} <==\n", if k > 0 { "\n" } else { "" }));
        }
        let n = count.max(0) as usize;
        if bytes {
            let b = text.as_bytes();
            let slice = match (tail, special) {
                (false, false) => b.get(..n.min(b.len())),
                (false, true) => b.get(..b.len().saturating_sub(n)),
                (true, false) => b.get(b.len().saturating_sub(n)..),
                (true, true) => b.get(n.saturating_sub(1).min(b.len())..),
            };
            io.out.stdout(String::from_utf8_lossy(slice.unwrap_or(&[])));
            continue;
        }
        let ls: Vec<&str> = text.split_inclusive('\n').collect();
        let chosen: &[&str] = match (tail, special) {
            (false, false) => ls.get(..n.min(ls.len())).unwrap_or(&[]),
            (false, true) => ls.get(..ls.len().saturating_sub(n)).unwrap_or(&[]),
            (true, false) => ls.get(ls.len().saturating_sub(n)..).unwrap_or(&[]),
            (true, true) => ls.get(n.saturating_sub(1).min(ls.len())..).unwrap_or(&[]),
        };
        io.out.stdout(chosen.concat());
    }
    i32::from(failed)
}

pub(crate) fn wc(args: &[String], io: &mut Io) -> i32 {
    let (opts, operands) = match getopt(args, "", "lwcmL") {
        Ok(r) => r,
        Err(e) => return usage(io.out, "wc", &e, 1),
    };
    let mut which: Vec<char> = Vec::new();
    for o in &opts {
        match o {
            Opt::Short(c, _) => which.push(*c),
            Opt::Long(l, _) => match l.as_str() {
                "lines" => which.push('l'),
                "words" => which.push('w'),
                "bytes" => which.push('c'),
                "chars" => which.push('m'),
                _ => return unrecognized(io.out, "wc", l, 1),
            },
        }
    }
    if which.is_empty() {
        which = vec!['l', 'w', 'c'];
    }
    // wc prints in a fixed order whatever the flag order.
    let order: Vec<char> = ['l', 'w', 'm', 'c', 'L']
        .into_iter()
        .filter(|c| which.contains(c))
        .collect();
    let from_stdin = operands.is_empty() || operands.iter().any(|o| o == "-");
    let (inputs, failed) = read_inputs(io, &operands, &|n, e| format!("wc: {n}: {}\n", e.message()));
    let count = |text: &str| -> Vec<usize> {
        order
            .iter()
            .map(|c| match c {
                'l' => text.matches('\n').count(),
                'w' => text.split_whitespace().count(),
                'm' => text.chars().count(),
                'L' => lines(text).iter().map(|l| l.chars().count()).max().unwrap_or(0),
                _ => text.len(),
            })
            .collect()
    };
    let rows: Vec<(String, Vec<usize>)> = inputs.iter().map(|(n, t)| (n.clone(), count(t))).collect();
    let mut totals = vec![0usize; order.len()];
    for (_, r) in &rows {
        for (t, v) in totals.iter_mut().zip(r) {
            *t += v;
        }
    }
    let width = if order.len() == 1 && rows.len() == 1 && !failed {
        1
    } else if from_stdin {
        7
    } else {
        inputs.iter().map(|(_, t)| t.len()).sum::<usize>().to_string().len()
    };
    let show = |vals: &[usize], name: &str| {
        let nums: Vec<String> = vals.iter().map(|v| format!("{v:>width$}")).collect();
        if name == "-" && operands.is_empty() {
            format!("{}\n", nums.join(" "))
        } else {
            format!("{} {name}\n", nums.join(" "))
        }
    };
    for (name, vals) in &rows {
        io.out.stdout(show(vals, name));
    }
    if operands.len() > 1 {
        io.out.stdout(show(&totals, "total"));
    }
    i32::from(failed)
}

/// How one sort key compares.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
struct SortFlags {
    reverse: bool,
    numeric: bool,
    human: bool,
    fold: bool,
    blanks: bool,
}

impl SortFlags {
    fn any(&self) -> bool {
        *self != SortFlags::default()
    }
}

struct SortKey {
    start: usize,
    end: Option<usize>,
    flags: SortFlags,
}

fn numeric_prefix(s: &str) -> f64 {
    let t = s.trim_start();
    let mut end = 0;
    for (i, c) in t.char_indices() {
        if c.is_ascii_digit() || c == '.' || (i == 0 && c == '-') {
            end = i + c.len_utf8();
        } else {
            break;
        }
    }
    t.get(..end).and_then(|n| n.parse().ok()).unwrap_or(0.0)
}

fn human_value(s: &str) -> f64 {
    let t = s.trim_start();
    let n = numeric_prefix(t);
    let digits = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '-')
        .count();
    let mult = match t.chars().nth(digits) {
        Some('K' | 'k') => 1e3,
        Some('M') => 1e6,
        Some('G') => 1e9,
        Some('T') => 1e12,
        Some('P') => 1e15,
        _ => 1.0,
    };
    n * mult
}

/// Applies sort's per-key option letters (`n`, `r`, `h`, `b`, `f`, `g`).
fn key_flags(letters: &str, flags: &mut SortFlags) {
    for f in letters.chars() {
        match f {
            'n' | 'g' => flags.numeric = true,
            'r' => flags.reverse = true,
            'h' => flags.human = true,
            'b' => flags.blanks = true,
            'f' => flags.fold = true,
            _ => {}
        }
    }
}

fn compare_with(a: &str, b: &str, f: SortFlags) -> std::cmp::Ordering {
    let (a, b) = if f.blanks || f.numeric || f.human {
        (a.trim_start(), b.trim_start())
    } else {
        (a, b)
    };
    let o = if f.human {
        human_value(a)
            .partial_cmp(&human_value(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    } else if f.numeric {
        numeric_prefix(a)
            .partial_cmp(&numeric_prefix(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    } else if f.fold {
        a.to_uppercase().cmp(&b.to_uppercase())
    } else {
        a.cmp(b)
    };
    if f.reverse {
        o.reverse()
    } else {
        o
    }
}

pub(crate) fn sort(args: &[String], io: &mut Io) -> i32 {
    let (opts, operands) = match getopt(args, "ktoT", "rnufbhsVgMcdiR") {
        Ok(r) => r,
        Err(e) => return usage(io.out, "sort", &e, 2),
    };
    let mut global = SortFlags::default();
    let (mut unique, mut stable) = (false, false);
    let mut keys: Vec<SortKey> = Vec::new();
    let mut sep: Option<char> = None;
    for o in &opts {
        match o {
            Opt::Short(c @ ('r' | 'n' | 'g' | 'h' | 'f' | 'b'), _) => key_flags(&c.to_string(), &mut global),
            Opt::Short('u', _) => unique = true,
            Opt::Short('s', _) => stable = true,
            Opt::Short('k', Some(spec)) => {
                let (a, b) = match spec.split_once(',') {
                    Some((a, b)) => (a, Some(b)),
                    None => (spec.as_str(), None),
                };
                let mut flags = SortFlags::default();
                let mut field = |s: &str| -> Option<usize> {
                    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
                    let letters: String = s.chars().skip_while(|c| c.is_ascii_digit() || *c == '.').collect();
                    key_flags(&letters, &mut flags);
                    digits.parse().ok()
                };
                let Some(start) = field(a).filter(|n| *n > 0) else {
                    io.out.stderr(format!(
                        "sort: invalid number at field start: invalid count at start of ‘{a}’\n"
                    ));
                    return 2;
                };
                let end = match b {
                    Some(b) => match field(b) {
                        Some(n) => Some(n),
                        None => {
                            io.out.stderr(format!(
                                "sort: invalid number after ',': invalid count at start of ‘{b}’\n"
                            ));
                            return 2;
                        }
                    },
                    None => None,
                };
                keys.push(SortKey { start, end, flags });
            }
            Opt::Short('t', Some(t)) => {
                let mut cs = t.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) => sep = Some(c),
                    _ => {
                        io.out.stderr(format!("sort: multi-character tab ‘{t}’\n"));
                        return 2;
                    }
                }
            }
            Opt::Short(..) => {}
            Opt::Long(l, _) => match l.as_str() {
                "reverse" => global.reverse = true,
                "numeric-sort" => global.numeric = true,
                "unique" => unique = true,
                "human-numeric-sort" => global.human = true,
                "ignore-case" => global.fold = true,
                _ => return unrecognized(io.out, "sort", l, 2),
            },
        }
    }
    // Keys without their own letters take the global options.
    for k in &mut keys {
        if !k.flags.any() {
            k.flags = global;
        }
    }
    let (inputs, failed) = read_inputs(io, &operands, &|n, e| {
        format!("sort: cannot read: {n}: {}\n", e.message())
    });
    if failed {
        return 2;
    }
    let text: String = inputs
        .into_iter()
        .map(|(_, t)| if t.is_empty() || t.ends_with('\n') { t } else { t + "\n" })
        .collect();
    let all: Vec<String> = lines(&text).into_iter().map(str::to_string).collect();
    let key_text = |line: &str, k: &SortKey| -> String {
        let fields: Vec<&str> = match sep {
            Some(c) => line.split(c).collect(),
            None => split_blank_fields(line),
        };
        let end = k.end.unwrap_or(fields.len()).min(fields.len());
        let from = k.start.saturating_sub(1).min(end);
        fields
            .get(from..end)
            .unwrap_or(&[])
            .join(&sep.map(String::from).unwrap_or_default())
    };
    let cmp_keys = |a: &str, b: &str| -> std::cmp::Ordering {
        if keys.is_empty() {
            return compare_with(a, b, global);
        }
        for k in &keys {
            let o = compare_with(&key_text(a, k), &key_text(b, k), k.flags);
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    };
    let mut sorted = all;
    sorted.sort_by(|a, b| {
        cmp_keys(a, b).then_with(|| {
            // The last-resort comparison of whole lines, unless -s or -u.
            if unique || stable {
                std::cmp::Ordering::Equal
            } else if global.reverse {
                b.cmp(a)
            } else {
                a.cmp(b)
            }
        })
    });
    if unique {
        sorted.dedup_by(|a, b| cmp_keys(a, b) == std::cmp::Ordering::Equal);
    }
    for l in sorted {
        io.out.stdout(format!("{l}\n"));
    }
    0
}

/// sort's default fields: each starts at the blanks before it.
fn split_blank_fields(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut in_blank = true;
    for (i, c) in line.char_indices() {
        let blank = c == ' ' || c == '\t';
        if !blank && in_blank && i > 0 && start != i {
            // A field ends where the blanks before the next one begin.
        }
        if blank && !in_blank {
            fields.push(line.get(start..i).unwrap_or(""));
            start = i;
        }
        in_blank = blank;
    }
    fields.push(line.get(start..).unwrap_or(""));
    fields
}

pub(crate) fn uniq(args: &[String], io: &mut Io) -> i32 {
    let (opts, operands) = match getopt(args, "fsw", "cdui") {
        Ok(r) => r,
        Err(e) => return usage(io.out, "uniq", &e, 1),
    };
    if let Some(extra) = operands.get(2) {
        io.out.stderr(format!(
            "uniq: extra operand ‘{extra}’\nTry 'uniq --help' for more information.\n"
        ));
        return 1;
    }
    let has = |c: char| opts.iter().any(|o| matches!(o, Opt::Short(x, _) if *x == c));
    let (count, dups, uniques, icase) = (has('c'), has('d'), has('u'), has('i'));
    let input: Vec<String> = operands.first().cloned().into_iter().collect();
    let (inputs, failed) = read_inputs(io, &input, &|n, e| format!("uniq: {n}: {}\n", e.message()));
    if failed {
        return 1;
    }
    let text: String = inputs.into_iter().map(|(_, t)| t).collect();
    let mut groups: Vec<(String, usize)> = Vec::new();
    for l in lines(&text) {
        match groups.last_mut() {
            Some((prev, n))
                if (if icase {
                    prev.to_lowercase() == l.to_lowercase()
                } else {
                    prev == l
                }) =>
            {
                *n += 1
            }
            _ => groups.push((l.to_string(), 1)),
        }
    }
    let mut result = String::new();
    for (l, n) in groups {
        if (dups && n < 2) || (uniques && n > 1) {
            continue;
        }
        if count {
            result.push_str(&format!("{n:>7} {l}\n"));
        } else {
            result.push_str(&l);
            result.push('\n');
        }
    }
    if let Some(path) = operands.get(1) {
        // Writing the output file is the caller's business; uniq OUT is rare.
        let _ = path;
    }
    io.out.stdout(result);
    0
}

/// A cut LIST: 1-based inclusive ranges.
fn parse_list(spec: &str, out: &mut Output) -> Option<Vec<(usize, usize)>> {
    let mut ranges = Vec::new();
    for part in spec.split(',') {
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (a, Some(b)),
            None => (part, None),
        };
        let parse = |s: &str| -> Result<Option<usize>, ()> {
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse::<usize>().map(Some).map_err(|_| ())
            }
        };
        let (Ok(lo), Ok(hi)) = (parse(a), b.map(parse).unwrap_or(Ok(None))) else {
            out.stderr(format!(
                "cut: invalid field value ‘{part}’\nTry 'cut --help' for more information.\n"
            ));
            return None;
        };
        if lo == Some(0) || hi == Some(0) {
            out.stderr("cut: fields and positions are numbered from 1\nTry 'cut --help' for more information.\n");
            return None;
        }
        if part == "-" || part.is_empty() {
            out.stderr("cut: invalid range with no endpoint: -\nTry 'cut --help' for more information.\n");
            return None;
        }
        let lo = lo.unwrap_or(1);
        let hi = if b.is_some() { hi.unwrap_or(usize::MAX) } else { lo };
        if hi < lo {
            out.stderr("cut: invalid decreasing range\nTry 'cut --help' for more information.\n");
            return None;
        }
        ranges.push((lo, hi));
    }
    Some(ranges)
}

pub(crate) fn cut(args: &[String], io: &mut Io) -> i32 {
    let (opts, operands) = match getopt(args, "dfcb", "sn") {
        Ok(r) => r,
        Err(e) => return usage(io.out, "cut", &e, 1),
    };
    let mut delim = '\t';
    let mut fields: Option<Vec<(usize, usize)>> = None;
    let mut chars_list: Option<Vec<(usize, usize)>> = None;
    let mut only_delimited = false;
    let mut out_delim: Option<String> = None;
    for o in &opts {
        match o {
            Opt::Short('d', Some(d)) => {
                let mut cs = d.chars();
                match (cs.next(), cs.next()) {
                    (Some(c), None) => delim = c,
                    _ => {
                        io.out.stderr(
                            "cut: the delimiter must be a single character\nTry 'cut --help' for more information.\n",
                        );
                        return 1;
                    }
                }
            }
            Opt::Short('f', Some(l)) => match parse_list(l, io.out) {
                Some(r) => fields = Some(r),
                None => return 1,
            },
            Opt::Short('c' | 'b', Some(l)) => match parse_list(l, io.out) {
                Some(r) => chars_list = Some(r),
                None => return 1,
            },
            Opt::Short('s', _) => only_delimited = true,
            Opt::Long(l, v) if l == "output-delimiter" => out_delim = v.clone(),
            Opt::Long(l, _) => return unrecognized(io.out, "cut", l, 1),
            Opt::Short(..) => {}
        }
    }
    if fields.is_none() && chars_list.is_none() {
        io.out.stderr(
            "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n",
        );
        return 1;
    }
    let (inputs, failed) = read_inputs(io, &operands, &|n, e| format!("cut: {n}: {}\n", e.message()));
    let within = |ranges: &[(usize, usize)], i: usize| ranges.iter().any(|(lo, hi)| *lo <= i && i <= *hi);
    for (_, text) in inputs {
        for l in lines(&text) {
            if let Some(ranges) = &chars_list {
                let s: String = l
                    .chars()
                    .enumerate()
                    .filter(|(i, _)| within(ranges, i + 1))
                    .map(|(_, c)| c)
                    .collect();
                io.out.stdout(format!("{s}\n"));
            } else if let Some(ranges) = &fields {
                if !l.contains(delim) {
                    if !only_delimited {
                        io.out.stdout(format!("{l}\n"));
                    }
                    continue;
                }
                let picked: Vec<&str> = l
                    .split(delim)
                    .enumerate()
                    .filter(|(i, _)| within(ranges, i + 1))
                    .map(|(_, f)| f)
                    .collect();
                let joiner = out_delim.clone().unwrap_or_else(|| delim.to_string());
                io.out.stdout(format!("{}\n", picked.join(&joiner)));
            }
        }
    }
    i32::from(failed)
}

/// Expands a tr SET: ranges, classes, escapes.
fn tr_set(s: &str) -> Vec<char> {
    let mut raw: Vec<char> = Vec::new();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c == '[' && chars.get(i + 1) == Some(&':') {
            let rest: String = chars.get(i + 2..).unwrap_or(&[]).iter().collect();
            if let Some(end) = rest.find(":]") {
                let class = rest.get(..end).unwrap_or("");
                let members: Vec<char> = match class {
                    "lower" => ('a'..='z').collect(),
                    "upper" => ('A'..='Z').collect(),
                    "digit" => ('0'..='9').collect(),
                    "alpha" => ('A'..='Z').chain('a'..='z').collect(),
                    "alnum" => ('0'..='9').chain('A'..='Z').chain('a'..='z').collect(),
                    "space" => vec![' ', '\t', '\n', '\r', '\x0b', '\x0c'],
                    "blank" => vec![' ', '\t'],
                    "punct" => (0u8..128)
                        .map(char::from)
                        .filter(|c| c.is_ascii_punctuation())
                        .collect(),
                    _ => Vec::new(),
                };
                raw.extend(members);
                i += 2 + class.chars().count() + 2;
                continue;
            }
        }
        let (c, used) = if c == '\\' {
            match chars.get(i + 1) {
                Some('n') => ('\n', 2),
                Some('t') => ('\t', 2),
                Some('r') => ('\r', 2),
                Some('\\') => ('\\', 2),
                Some(o) => (*o, 2),
                None => ('\\', 1),
            }
        } else {
            (c, 1)
        };
        if chars.get(i + used) == Some(&'-') && chars.get(i + used + 1).is_some() {
            let hi = chars.get(i + used + 1).copied().unwrap_or(c);
            if hi >= c {
                raw.extend(c..=hi);
            }
            i += used + 2;
        } else {
            raw.push(c);
            i += used;
        }
    }
    raw
}

pub(crate) fn tr(args: &[String], io: &mut Io) -> i32 {
    let (opts, operands) = match getopt(args, "", "dscC") {
        Ok(r) => r,
        Err(e) => return usage(io.out, "tr", &e, 1),
    };
    let has = |c: char| opts.iter().any(|o| matches!(o, Opt::Short(x, _) if *x == c));
    let (delete, squeeze) = (has('d'), has('s'));
    let Some(set1) = operands.first() else {
        io.out
            .stderr("tr: missing operand\nTry 'tr --help' for more information.\n");
        return 1;
    };
    let set1 = tr_set(set1);
    let set2 = operands.get(1).map(|s| tr_set(s));
    if !delete && !squeeze && set2.is_none() {
        io.out.stderr(format!(
            "tr: missing operand after ‘{}’\nTwo strings must be given when translating.\nTry 'tr --help' for more information.\n",
            operands.first().cloned().unwrap_or_default()
        ));
        return 1;
    }
    let input = io.stdin_text();
    let mut result = String::new();
    let mut last: Option<char> = None;
    for c in input.chars() {
        if delete && set1.contains(&c) {
            continue;
        }
        let mapped = match (&set2, delete) {
            (Some(s2), false) => match set1.iter().rposition(|x| *x == c) {
                Some(i) => s2.get(i).or(s2.last()).copied().unwrap_or(c),
                None => c,
            },
            _ => c,
        };
        let squeeze_set = if delete || set2.is_none() {
            Some(&set1)
        } else {
            set2.as_ref()
        };
        if squeeze && last == Some(mapped) && squeeze_set.is_some_and(|s| s.contains(&mapped)) {
            continue;
        }
        last = Some(mapped);
        result.push(mapped);
    }
    io.out.stdout(result);
    0
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_encode(data: &[u8]) -> String {
    let mut s = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Decodes base64 ignoring newlines; `Err` keeps what decoded before the bad input.
fn b64_decode(text: &str) -> Result<Vec<u8>, Vec<u8>> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    let mut padding = false;
    for c in text.bytes() {
        if c == b'\n' || c == b'\r' {
            continue;
        }
        if c == b'=' {
            padding = true;
            continue;
        }
        if padding {
            return Err(out);
        }
        let Some(v) = B64.iter().position(|b| *b == c) else {
            return Err(out);
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Ok(out)
}

pub(crate) fn base64(args: &[String], io: &mut Io) -> i32 {
    let (opts, operands) = match getopt(args, "w", "di") {
        Ok(r) => r,
        Err(e) => return usage(io.out, "base64", &e, 1),
    };
    let mut decode = false;
    let mut wrap = 76usize;
    for o in &opts {
        match o {
            Opt::Short('d', _) => decode = true,
            Opt::Long(l, _) if l == "decode" => decode = true,
            Opt::Short('w', Some(w)) | Opt::Long(_, Some(w)) => match w.parse() {
                Ok(n) => wrap = n,
                Err(_) => {
                    io.out.stderr(format!("base64: invalid wrap size: ‘{w}’\n"));
                    return 1;
                }
            },
            Opt::Long(l, _) => return unrecognized(io.out, "base64", l, 1),
            Opt::Short(..) => {}
        }
    }
    if let Some(extra) = operands.get(1) {
        io.out.stderr(format!(
            "base64: extra operand ‘{extra}’\nTry 'base64 --help' for more information.\n"
        ));
        return 1;
    }
    let (inputs, failed) = read_inputs(io, &operands, &|n, e| format!("base64: {n}: {}\n", e.message()));
    if failed {
        return 1;
    }
    let text: String = inputs.into_iter().map(|(_, t)| t).collect();
    if decode {
        return match b64_decode(&text) {
            Ok(bytes) => {
                io.out.stdout(String::from_utf8_lossy(&bytes));
                0
            }
            Err(bytes) => {
                io.out.stdout(String::from_utf8_lossy(&bytes));
                io.out.stderr("base64: invalid input\n");
                1
            }
        };
    }
    let enc = b64_encode(text.as_bytes());
    if enc.is_empty() {
        return 0;
    }
    let mut result = String::new();
    if wrap == 0 {
        result = enc;
    } else {
        let chars: Vec<char> = enc.chars().collect();
        for chunk in chars.chunks(wrap) {
            result.extend(chunk);
            result.push('\n');
        }
        result.pop();
    }
    io.out.stdout(format!("{result}\n"));
    0
}

pub(crate) fn paste(args: &[String], io: &mut Io) -> i32 {
    let (opts, operands) = match getopt(args, "d", "s") {
        Ok(r) => r,
        Err(e) => return usage(io.out, "paste", &e, 1),
    };
    let serial = opts.contains(&Opt::Short('s', None));
    let delims: Vec<char> = opts
        .iter()
        .find_map(|o| match o {
            Opt::Short('d', Some(d)) => Some(tr_set(d)),
            _ => None,
        })
        .unwrap_or_else(|| vec!['\t']);
    let (inputs, failed) = read_inputs(io, &operands, &|n, e| format!("paste: {n}: {}\n", e.message()));
    if failed {
        return 1;
    }
    let join = |items: &[&str]| -> String {
        let mut s = String::new();
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                if let Some(d) = delims.get((i - 1) % delims.len().max(1)) {
                    s.push(*d);
                }
            }
            s.push_str(it);
        }
        s
    };
    let columns: Vec<Vec<&str>> = inputs.iter().map(|(_, t)| lines(t)).collect();
    if serial {
        for col in &columns {
            io.out.stdout(format!("{}\n", join(col)));
        }
    } else {
        let rows = columns.iter().map(Vec::len).max().unwrap_or(0);
        for r in 0..rows {
            let row: Vec<&str> = columns.iter().map(|c| c.get(r).copied().unwrap_or("")).collect();
            io.out.stdout(format!("{}\n", join(&row)));
        }
    }
    0
}

/// `column -t [-s SEPS] [-o SEP]`: aligns fields into a table (without -t: passes text on).
pub(crate) fn column(args: &[String], io: &mut Io) -> i32 {
    let (opts, operands) = match getopt(args, "soc", "tnxeRN") {
        Ok(r) => r,
        Err(e) => return usage(io.out, "column", &e, 1),
    };
    let table = opts.iter().any(|o| matches!(o, Opt::Short('t', _)));
    let seps: Option<Vec<char>> = opts.iter().find_map(|o| match o {
        Opt::Short('s', Some(s)) => Some(tr_set(s)),
        _ => None,
    });
    let out_sep = opts
        .iter()
        .find_map(|o| match o {
            Opt::Short('o', Some(s)) => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "  ".to_string());
    let (inputs, failed) = read_inputs(io, &operands, &|n, e| format!("column: {n}: {}\n", e.message()));
    let text: String = inputs.into_iter().map(|(_, t)| t).collect();
    if !table {
        io.out.stdout(text);
        return i32::from(failed);
    }
    let rows: Vec<Vec<String>> = lines(&text)
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match &seps {
            Some(seps) => l
                .split(|c| seps.contains(&c))
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
            None => l.split_whitespace().map(str::to_string).collect(),
        })
        .collect();
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..ncols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|f| f.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &rows {
        let mut line = String::new();
        for (c, f) in r.iter().enumerate() {
            line.push_str(f);
            if c + 1 < r.len() {
                let w = widths.get(c).copied().unwrap_or(0);
                line.push_str(&" ".repeat(w.saturating_sub(f.chars().count())));
                line.push_str(&out_sep);
            }
        }
        io.out.stdout(format!("{line}\n"));
    }
    i32::from(failed)
}

pub(crate) fn tac(args: &[String], io: &mut Io) -> i32 {
    let (inputs, failed) = read_inputs(io, args, &|n, e| {
        format!("tac: failed to open '{n}' for reading: {}\n", e.message())
    });
    for (_, text) in inputs {
        let mut ls: Vec<&str> = text.split_inclusive('\n').collect();
        ls.reverse();
        io.out.stdout(ls.concat());
    }
    i32::from(failed)
}

pub(crate) fn seq(args: &[String], out: &mut Output) -> i32 {
    let mut nums = Vec::new();
    for a in args {
        match a.parse::<i64>() {
            Ok(n) => nums.push(n),
            Err(_) => {
                out.stderr(format!(
                    "seq: invalid floating point argument: ‘{a}’\nTry 'seq --help' for more information.\n"
                ));
                return 1;
            }
        }
    }
    let (first, step, last) = match nums.as_slice() {
        [l] => (1, 1, *l),
        [f, l] => (*f, 1, *l),
        [f, s, l] => (*f, *s, *l),
        [] => {
            out.stderr("seq: missing operand\nTry 'seq --help' for more information.\n");
            return 1;
        }
        _ => {
            out.stderr(format!(
                "seq: extra operand ‘{}’\nTry 'seq --help' for more information.\n",
                args.get(3).cloned().unwrap_or_default()
            ));
            return 1;
        }
    };
    if step == 0 {
        out.stderr(format!(
            "seq: invalid Zero increment value: ‘{}’\nTry 'seq --help' for more information.\n",
            step
        ));
        return 1;
    }
    let mut s = String::new();
    let mut n = first;
    let mut count = 0;
    while (step > 0 && n <= last) || (step < 0 && n >= last) {
        s.push_str(&n.to_string());
        s.push('\n');
        count += 1;
        if count >= 100_000 {
            break;
        }
        n = match n.checked_add(step) {
            Some(v) => v,
            None => break,
        };
    }
    out.stdout(s);
    0
}

/// Processes echo -e / printf backslash escapes; `None` in the flag means `\c` stopped output.
pub(crate) fn backslash_escapes(s: &str, printf: bool) -> (String, bool) {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&n) = chars.get(i) else {
            out.push('\\');
            break;
        };
        i += 1;
        match n {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'e' | 'E' => out.push('\x1b'),
            'f' => out.push('\x0c'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            'c' => return (out, true),
            '0'..='7' => {
                // echo: \0nnn; printf: \nnn.
                let mut val = 0u32;
                let mut digits = 0;
                if !printf && n != '0' {
                    out.push('\\');
                    out.push(n);
                    continue;
                }
                if printf {
                    val = n.to_digit(8).unwrap_or(0);
                    digits = 1;
                }
                while digits < 3 {
                    match chars.get(i).and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            val = val * 8 + d;
                            i += 1;
                            digits += 1;
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(val).unwrap_or('\u{fffd}'));
            }
            'x' => {
                let mut val = 0u32;
                let mut digits = 0;
                while digits < 2 {
                    match chars.get(i).and_then(|c| c.to_digit(16)) {
                        Some(d) => {
                            val = val * 16 + d;
                            i += 1;
                            digits += 1;
                        }
                        None => break,
                    }
                }
                if digits == 0 {
                    out.push_str("\\x");
                } else {
                    out.push(char::from_u32(val).unwrap_or('\u{fffd}'));
                }
            }
            '"' if printf => out.push('"'),
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    (out, false)
}

pub(crate) fn echo(args: &[String], out: &mut Output) -> i32 {
    let mut newline = true;
    let mut escapes = false;
    let mut rest = args;
    while let Some((first, tail)) = rest.split_first() {
        let Some(flags) = first.strip_prefix('-') else { break };
        if flags.is_empty() || !flags.chars().all(|c| matches!(c, 'n' | 'e' | 'E')) {
            break;
        }
        for c in flags.chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        rest = tail;
    }
    let mut text = rest.join(" ");
    if escapes {
        let (t, stop) = backslash_escapes(&text, false);
        text = t;
        if stop {
            out.stdout(text);
            return 0;
        }
    }
    if newline {
        text.push('\n');
    }
    out.stdout(text);
    0
}

/// Largest printf field width or precision honoured.
pub(crate) const MAX_FORMAT_WIDTH: usize = 4096;

pub(crate) fn printf(args: &[String], out: &mut Output) -> i32 {
    let Some((fmt, mut rest)) = args.split_first() else {
        out.stderr("bash: printf: usage: printf [-v var] format [arguments]\n");
        return 2;
    };
    let fmt: Vec<char> = fmt.chars().collect();
    let mut status = 0;
    let mut result = String::new();
    loop {
        let mut consumed = false;
        let mut i = 0;
        while let Some(&c) = fmt.get(i) {
            i += 1;
            if c == '\\' {
                let start = i - 1;
                // Take the escape and let backslash_escapes decode it.
                let mut j = i + 1;
                if matches!(fmt.get(i), Some('0'..='7')) {
                    while j < i + 3 && matches!(fmt.get(j), Some('0'..='7')) {
                        j += 1;
                    }
                } else if fmt.get(i) == Some(&'x') {
                    while j < i + 3 && fmt.get(j).is_some_and(|c| c.is_ascii_hexdigit()) {
                        j += 1;
                    }
                }
                let esc: String = fmt.get(start..j.min(fmt.len())).unwrap_or(&[]).iter().collect();
                let (t, stop) = backslash_escapes(&esc, true);
                result.push_str(&t);
                if stop {
                    out.stdout(result);
                    return status;
                }
                i = j.min(fmt.len());
                continue;
            }
            if c != '%' {
                result.push(c);
                continue;
            }
            if fmt.get(i) == Some(&'%') {
                i += 1;
                result.push('%');
                continue;
            }
            let mut spec = String::from("%");
            while let Some(&f) = fmt.get(i) {
                if matches!(f, '-' | '+' | ' ' | '#' | '0'..='9' | '.') {
                    spec.push(f);
                    i += 1;
                } else {
                    break;
                }
            }
            let Some(&conv) = fmt.get(i) else {
                result.push_str(&spec);
                break;
            };
            i += 1;
            let arg = rest.first().cloned();
            if arg.is_some() {
                rest = rest.get(1..).unwrap_or(&[]);
                consumed = true;
            }
            let arg = arg.unwrap_or_default();
            let flags: String = spec
                .chars()
                .skip(1)
                .take_while(|c| matches!(c, '-' | '+' | ' ' | '#' | '0'))
                .collect();
            let nums: String = spec.chars().skip(1 + flags.len()).collect();
            let (width, precision) = match nums.split_once('.') {
                Some((w, p)) => (w.parse::<usize>().unwrap_or(0), Some(p.parse::<usize>().unwrap_or(0))),
                None => (nums.parse::<usize>().unwrap_or(0), None),
            };
            // A tab's memory is small: absurd widths are clamped.
            let (width, precision) = (width.min(MAX_FORMAT_WIDTH), precision.map(|p| p.min(MAX_FORMAT_WIDTH)));
            let left = flags.contains('-');
            let zero = flags.contains('0') && !left;
            let body = match conv {
                's' => match precision {
                    Some(p) => arg.chars().take(p).collect(),
                    None => arg.clone(),
                },
                'b' => backslash_escapes(&arg, false).0,
                'c' => arg.chars().next().map(String::from).unwrap_or_default(),
                'd' | 'i' | 'u' => {
                    let t = arg.trim();
                    let n = if t.is_empty() {
                        Some(0)
                    } else if let Some(ch) = t.strip_prefix('\'').or_else(|| t.strip_prefix('"')) {
                        Some(ch.chars().next().map(|c| c as i64).unwrap_or(0))
                    } else {
                        t.parse::<i64>().ok()
                    };
                    match n {
                        Some(n) => {
                            if flags.contains('+') && n >= 0 {
                                format!("+{n}")
                            } else {
                                n.to_string()
                            }
                        }
                        None => {
                            out.stderr(format!("bash: printf: {arg}: invalid number\n"));
                            status = 1;
                            "0".to_string()
                        }
                    }
                }
                'x' | 'X' | 'o' => {
                    let n = arg.trim().parse::<i64>().unwrap_or(0);
                    match conv {
                        'x' => format!("{n:x}"),
                        'X' => format!("{n:X}"),
                        _ => format!("{n:o}"),
                    }
                }
                'f' | 'e' | 'g' => {
                    let n = arg.trim().parse::<f64>().unwrap_or(0.0);
                    format!("{:.*}", precision.unwrap_or(6), n)
                }
                other => {
                    out.stderr(format!("bash: printf: `{other}': invalid format character\n"));
                    out.stdout(result);
                    return 1;
                }
            };
            let pad = width.saturating_sub(body.chars().count());
            if left {
                result.push_str(&body);
                result.push_str(&" ".repeat(pad));
            } else if zero && conv != 's' {
                let (sign, digits) = match body.strip_prefix('-') {
                    Some(d) => ("-", d),
                    None => ("", body.as_str()),
                };
                result.push_str(sign);
                result.push_str(&"0".repeat(pad));
                result.push_str(digits);
            } else {
                result.push_str(&" ".repeat(pad));
                result.push_str(&body);
            }
        }
        // printf reuses the format while arguments remain.
        if rest.is_empty() || !consumed {
            break;
        }
    }
    out.stdout(result);
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: impl Fn(&[String], &mut Io) -> i32, args: &[&str], stdin: &str) -> (i32, String, String) {
        let files = |p: &str| -> Result<String, FsError> {
            match p {
                "pods.txt" => Ok("NAME READY STATUS\nweb-1 1/1 Running\nweb-2 0/1 Pending\ndb-0 1/1 Running\n".into()),
                "a" => Ok("x\n".into()),
                _ => Err(FsError::NotFound),
            }
        };
        let mut out = Output::default();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut io = Io {
            stdin: Stdin::text(stdin.to_string()),
            read: &files,
            out: &mut out,
        };
        let code = f(&args, &mut io);
        (code, out.stdout_text(), out.stderr_text())
    }

    const PODS: &str =
        "NAME    READY   STATUS\nweb-1   1/1     Running\nweb-2   0/1     Pending\ndb-0    1/1     Running\n";

    #[test]
    fn getopt_groups_flags_and_permutes_operands() {
        let args: Vec<String> = ["-iv", "pat", "-A3", "-e", "x", "--color=auto", "--", "-f"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (opts, operands) = getopt(&args, "Ae", "iv").unwrap();
        assert_eq!(
            opts,
            vec![
                Opt::Short('i', None),
                Opt::Short('v', None),
                Opt::Short('A', Some("3".into())),
                Opt::Short('e', Some("x".into())),
                Opt::Long("color".into(), Some("auto".into())),
            ]
        );
        assert_eq!(operands, vec!["pat".to_string(), "-f".to_string()]);
        assert_eq!(getopt(&["-z".to_string()], "", "a"), Err(OptError::Invalid('z')));
        assert_eq!(getopt(&["-A".to_string()], "A", ""), Err(OptError::MissingValue('A')));
    }

    #[test]
    fn grep_selects_lines_like_gnu_grep() {
        let g = |args: &[&str]| run(|a, io| grep("grep", a, io), args, PODS);
        assert_eq!(
            g(&["Running"]),
            (
                0,
                "web-1   1/1     Running\ndb-0    1/1     Running\n".into(),
                String::new()
            )
        );
        assert_eq!(
            g(&["-v", "Running"]).1,
            "NAME    READY   STATUS\nweb-2   0/1     Pending\n"
        );
        assert_eq!(g(&["-c", "web"]).1, "2\n");
        assert_eq!(g(&["-i", "pending"]).1, "web-2   0/1     Pending\n");
        assert_eq!(
            g(&["-E", "Pending|STATUS"]).1,
            "NAME    READY   STATUS\nweb-2   0/1     Pending\n"
        );
        assert_eq!(g(&["-o", "[0-9]/[0-9]"]).1, "1/1\n0/1\n1/1\n");
        assert_eq!(g(&["-n", "db"]).1, "4:db-0    1/1     Running\n");
        assert_eq!(
            g(&["-w", "web"]).1,
            "web-1   1/1     Running\nweb-2   0/1     Pending\n"
        );
        assert_eq!(g(&["-w", "eb"]).1, "");
        assert_eq!(g(&["-w", "web-1"]).1, "web-1   1/1     Running\n");
        assert_eq!(g(&["-x", "web"]).1, "");
        assert_eq!(g(&["nothing"]).0, 1);
        assert_eq!(g(&["-q", "web"]), (0, String::new(), String::new()));
        assert_eq!(
            g(&["-A1", "NAME"]).1,
            "NAME    READY   STATUS\nweb-1   1/1     Running\n"
        );
        assert_eq!(
            g(&["-B1", "db"]).1,
            "web-2   0/1     Pending\ndb-0    1/1     Running\n"
        );
        assert_eq!(
            g(&["-A", "0", "-e", "NAME", "-e", "db"]).1,
            "NAME    READY   STATUS\n--\ndb-0    1/1     Running\n"
        );
        assert_eq!(g(&["-m1", "web"]).1, "web-1   1/1     Running\n");
    }

    #[test]
    fn grep_reports_errors_with_status_2() {
        let g = |args: &[&str]| run(|a, io| grep("grep", a, io), args, "");
        assert_eq!(
            g(&[]),
            (
                2,
                String::new(),
                "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n".into()
            )
        );
        assert_eq!(g(&["-E", "("]).2, "grep: Unmatched ( or \\(\n");
        assert_eq!(
            g(&["x", "nofile"]),
            (2, String::new(), "grep: nofile: No such file or directory\n".into())
        );
        assert_eq!(
            g(&["web", "pods.txt", "a"]).1,
            "pods.txt:web-1 1/1 Running\npods.txt:web-2 0/1 Pending\n"
        );
        assert_eq!(g(&["-z9"]).0, 2);
    }

    #[test]
    fn head_and_tail_take_counts_in_every_spelling() {
        let input = "1\n2\n3\n4\n5\n";
        let h = |args: &[&str]| run(|a, io| head_tail(false, a, io), args, input).1;
        let t = |args: &[&str]| run(|a, io| head_tail(true, a, io), args, input).1;
        assert_eq!(h(&["-n", "2"]), "1\n2\n");
        assert_eq!(h(&["-2"]), "1\n2\n");
        assert_eq!(h(&["-n", "-2"]), "1\n2\n3\n");
        assert_eq!(h(&["-c", "3"]), "1\n2");
        assert_eq!(t(&["-n", "2"]), "4\n5\n");
        assert_eq!(t(&["-1"]), "5\n");
        assert_eq!(t(&["-n", "+4"]), "4\n5\n");
        assert_eq!(t(&["+2"]), "2\n3\n4\n5\n");
        assert_eq!(h(&[]), input);
        let (code, _, err) = run(|a, io| head_tail(false, a, io), &["-n", "x"], input);
        assert_eq!((code, err.as_str()), (1, "head: invalid number of lines: ‘x’\n"));
        let (_, _, err) = run(|a, io| head_tail(true, a, io), &["nofile"], input);
        assert_eq!(
            err,
            "tail: cannot open 'nofile' for reading: No such file or directory\n"
        );
        let (_, out, _) = run(|a, io| head_tail(false, a, io), &["-n1", "a", "pods.txt"], input);
        assert_eq!(out, "==> a <==\nx\n\n==> pods.txt <==\nNAME READY STATUS\n");
    }

    #[test]
    fn wc_formats_counts_as_gnu_wc() {
        let w = |args: &[&str]| run(wc, args, "a b\nc\n").1;
        assert_eq!(w(&[]), "      2       3       6\n");
        assert_eq!(w(&["-l"]), "2\n");
        assert_eq!(w(&["-lw"]), "      2       3\n");
        assert_eq!(w(&["-l", "a"]), "1 a\n");
        assert_eq!(w(&["a"]), "1 1 2 a\n");
        assert_eq!(w(&["-l", "a", "a"]), "1 a\n1 a\n2 total\n");
        assert_eq!(run(wc, &["nofile"], "").2, "wc: nofile: No such file or directory\n");
    }

    #[test]
    fn sort_orders_by_keys_numbers_and_reverse() {
        let s = |args: &[&str], input: &str| run(sort, args, input).1;
        assert_eq!(s(&[], "b\na\nc\n"), "a\nb\nc\n");
        assert_eq!(s(&["-r"], "b\na\nc\n"), "c\nb\na\n");
        assert_eq!(s(&["-n"], "10\n9\n100\n"), "9\n10\n100\n");
        assert_eq!(s(&["-k2", "-n"], "x 3\ny 1\nz 2\n"), "y 1\nz 2\nx 3\n");
        assert_eq!(s(&["-k", "2nr"], "x 3\ny 1\nz 2\n"), "x 3\nz 2\ny 1\n");
        assert_eq!(s(&["-t", ":", "-k2"], "a:b\nc:a\n"), "c:a\na:b\n");
        assert_eq!(s(&["-u"], "b\na\nb\n"), "a\nb\n");
        assert_eq!(s(&["-h"], "2G\n10M\n1K\n"), "1K\n10M\n2G\n");
        assert_eq!(s(&[], "b\na"), "a\nb\n");
        assert_eq!(
            run(sort, &["-k", "x"], "").2,
            "sort: invalid number at field start: invalid count at start of ‘x’\n"
        );
    }

    #[test]
    fn uniq_cut_and_tr_transform_text() {
        assert_eq!(run(uniq, &["-c"], "a\na\nb\n").1, "      2 a\n      1 b\n");
        assert_eq!(run(uniq, &["-d"], "a\na\nb\n").1, "a\n");
        assert_eq!(run(uniq, &[], "a\na\nb\na\n").1, "a\nb\na\n");
        assert_eq!(run(cut, &["-d", "/", "-f", "2"], "pod/web\npod/db\n").1, "web\ndb\n");
        assert_eq!(run(cut, &["-d:", "-f1,3-"], "a:b:c:d\nnodelim\n").1, "a:c:d\nnodelim\n");
        assert_eq!(run(cut, &["-c", "1-3"], "abcdef\n").1, "abc\n");
        assert_eq!(
            run(cut, &["x"], "").2,
            "cut: you must specify a list of bytes, characters, or fields\nTry 'cut --help' for more information.\n"
        );
        assert_eq!(
            run(cut, &["-f0"], "").2,
            "cut: fields and positions are numbered from 1\nTry 'cut --help' for more information.\n"
        );
        assert_eq!(run(tr, &["a-z", "A-Z"], "web-1\n").1, "WEB-1\n");
        assert_eq!(run(tr, &["-d", "\\n"], "a\nb\n").1, "ab");
        assert_eq!(run(tr, &["-s", " "], "a   b\n").1, "a b\n");
        assert_eq!(run(tr, &["[:lower:]", "[:upper:]"], "ab\n").1, "AB\n");
        assert_eq!(
            run(tr, &[], "").2,
            "tr: missing operand\nTry 'tr --help' for more information.\n"
        );
    }

    #[test]
    fn base64_round_trips_and_rejects_garbage() {
        assert_eq!(run(base64, &[], "admin").1, "YWRtaW4=\n");
        assert_eq!(run(base64, &["-d"], "YWRtaW4=").1, "admin");
        assert_eq!(run(base64, &["--decode"], "cGFzc3dvcmQxMjM=\n").1, "password123");
        assert_eq!(run(base64, &["-w0"], &"x".repeat(60)).1.len(), 81);
        assert_eq!(run(base64, &[], &"x".repeat(60)).1.lines().count(), 2);
        assert_eq!(run(base64, &["-d"], "!!!").2, "base64: invalid input\n");
    }

    #[test]
    fn echo_and_printf_format_like_bash() {
        let e = |args: &[&str]| {
            let mut out = Output::default();
            echo(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &mut out);
            out.stdout_text()
        };
        assert_eq!(e(&["a", "b"]), "a b\n");
        assert_eq!(e(&["-n", "a"]), "a");
        assert_eq!(e(&["-e", "a\\tb\\n"]), "a\tb\n\n");
        assert_eq!(e(&["a\\tb"]), "a\\tb\n");
        assert_eq!(e(&["-x", "a"]), "-x a\n");
        assert_eq!(e(&["-e", "a\\cb"]), "a");
        assert_eq!(e(&[]), "\n");
        let p = |args: &[&str]| {
            let mut out = Output::default();
            let code = printf(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &mut out);
            (code, out.stdout_text(), out.stderr_text())
        };
        assert_eq!(p(&["%s-%s\\n", "a", "b", "c"]).1, "a-b\nc-\n");
        assert_eq!(p(&["%5s|%-5s|%03d\\n", "ab", "cd", "7"]).1, "   ab|cd   |007\n");
        assert_eq!(
            p(&["%d\\n", "x"]),
            (1, "0\n".into(), "bash: printf: x: invalid number\n".into())
        );
        assert_eq!(p(&["100%%\\n"]).1, "100%\n");
        assert_eq!(p(&["%.2f\\n", "3.14159"]).1, "3.14\n");
    }

    #[test]
    fn paste_joins_lines_serially_or_side_by_side() {
        assert_eq!(run(paste, &["-sd+"], "1\n2\n3\n").1, "1+2+3\n");
        assert_eq!(run(paste, &["-s"], "a\nb\n").1, "a\tb\n");
        assert_eq!(run(paste, &["-", "a"], "1\n2\n").1, "1\tx\n2\t\n");
    }

    #[test]
    fn seq_counts_up_and_down() {
        let s = |args: &[&str]| {
            let mut out = Output::default();
            seq(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &mut out);
            out.combined()
        };
        assert_eq!(s(&["3"]), "1\n2\n3\n");
        assert_eq!(s(&["2", "4"]), "2\n3\n4\n");
        assert_eq!(s(&["5", "-2", "1"]), "5\n3\n1\n");
        assert_eq!(
            s(&["x"]),
            "seq: invalid floating point argument: ‘x’\nTry 'seq --help' for more information.\n"
        );
    }
}
