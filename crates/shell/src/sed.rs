//! A small GNU sed: addresses (N, $, /re/, ranges, `!`), the commands tutorials use (s, d, p,
//! q, a, i, c, y, =), -n, -e, -E/-r and -i (the caller writes the edited files back).

use crate::regex::Regex;
use crate::text::Io;

#[derive(Debug, Clone)]
enum Addr {
    Line(usize),
    Last,
    Re(Regex),
}

#[derive(Debug, Clone)]
enum Cmd {
    Subst {
        re: Regex,
        replacement: Vec<Piece>,
        global: bool,
        nth: usize,
        print: bool,
    },
    Delete,
    Print,
    Quit(i32),
    Append(String),
    Insert(String),
    Change(String),
    Translate(Vec<char>, Vec<char>),
    LineNumber,
}

/// A piece of an `s` replacement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Group(usize),
}

#[derive(Debug, Clone)]
struct Command {
    from: Option<Addr>,
    to: Option<Addr>,
    negate: bool,
    cmd: Cmd,
}

struct ScriptParser {
    chars: Vec<char>,
    pos: usize,
    extended: bool,
    expr_no: usize,
}

impl ScriptParser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn err(&self, msg: &str) -> String {
        format!("sed: -e expression #{}, char {}: {msg}", self.expr_no, self.pos)
    }
    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
    }

    /// Reads up to the unescaped delimiter; `\delim` becomes the delimiter, `\n` a newline.
    fn delimited(&mut self, delim: char, what: &str) -> Result<String, String> {
        let mut s = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err(&format!("unterminated {what}")));
            };
            self.pos += 1;
            if c == delim {
                return Ok(s);
            }
            if c == '\\' {
                match self.peek() {
                    Some(n) if n == delim => {
                        s.push(n);
                        self.pos += 1;
                    }
                    Some('n') => {
                        s.push('\n');
                        self.pos += 1;
                    }
                    Some(n) => {
                        s.push('\\');
                        s.push(n);
                        self.pos += 1;
                    }
                    None => return Err(self.err(&format!("unterminated {what}"))),
                }
            } else {
                s.push(c);
            }
        }
    }

    fn regex(&self, src: &str, icase: bool) -> Result<Regex, String> {
        if src.is_empty() {
            return Err(self.err("no previous regular expression"));
        }
        Regex::new(src, self.extended, icase).map_err(|e| self.err(&e))
    }

    fn address(&mut self) -> Result<Option<Addr>, String> {
        match self.peek() {
            Some(c) if c.is_ascii_digit() => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let n: String = self.chars.get(start..self.pos).unwrap_or(&[]).iter().collect();
                match n.parse::<usize>() {
                    Ok(0) | Err(_) => Err(self.err("invalid usage of line address 0")),
                    Ok(n) => Ok(Some(Addr::Line(n))),
                }
            }
            Some('$') => {
                self.pos += 1;
                Ok(Some(Addr::Last))
            }
            Some('/') | Some('\\') => {
                let delim = if self.peek() == Some('\\') {
                    self.pos += 1;
                    let d = self.peek().ok_or_else(|| self.err("unexpected `,'"))?;
                    self.pos += 1;
                    d
                } else {
                    self.pos += 1;
                    '/'
                };
                let src = self.delimited(delim, "address regex")?;
                let icase = self.peek() == Some('I');
                if icase {
                    self.pos += 1;
                }
                Ok(Some(Addr::Re(self.regex(&src, icase)?)))
            }
            _ => Ok(None),
        }
    }

    /// Text for a/i/c: `a text`, `a\` newline `text`, or `a\text`.
    fn text_arg(&mut self) -> String {
        self.skip_blanks();
        if self.peek() == Some('\\') {
            self.pos += 1;
            if self.peek() == Some('\n') {
                self.pos += 1;
            }
        }
        let mut s = String::new();
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            self.pos += 1;
            if c == '\\' {
                if let Some(n) = self.peek() {
                    self.pos += 1;
                    s.push(if n == 'n' { '\n' } else { n });
                    continue;
                }
            }
            s.push(c);
        }
        s
    }

    fn replacement(&self, raw: &str) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            match c {
                '&' => {
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Group(0));
                }
                '\\' => match chars.next() {
                    Some(d) if d.is_ascii_digit() => {
                        if !text.is_empty() {
                            pieces.push(Piece::Text(std::mem::take(&mut text)));
                        }
                        pieces.push(Piece::Group(d.to_digit(10).unwrap_or(0) as usize));
                    }
                    Some('n') => text.push('\n'),
                    Some('t') => text.push('\t'),
                    Some(o) => text.push(o),
                    None => text.push('\\'),
                },
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        pieces
    }

    fn command(&mut self) -> Result<Option<Command>, String> {
        loop {
            self.skip_blanks();
            match self.peek() {
                Some(';' | '\n') => self.pos += 1,
                None => return Ok(None),
                _ => break,
            }
        }
        let from = self.address()?;
        let mut to = None;
        if from.is_some() && self.peek() == Some(',') {
            self.pos += 1;
            to = self.address()?;
            if to.is_none() {
                return Err(self.err("unexpected `,'"));
            }
        }
        self.skip_blanks();
        let mut negate = false;
        if self.peek() == Some('!') {
            negate = true;
            self.pos += 1;
            self.skip_blanks();
        }
        let Some(c) = self.peek() else {
            return Err(self.err("missing command"));
        };
        self.pos += 1;
        let cmd = match c {
            's' => {
                let Some(delim) = self.peek() else {
                    return Err(self.err("unterminated `s' command"));
                };
                if delim == '\n' || delim == '\\' {
                    return Err(self.err("unterminated `s' command"));
                }
                self.pos += 1;
                let re_src = self.delimited(delim, "`s' command")?;
                let rep_src = self.delimited(delim, "`s' command")?;
                let (mut global, mut nth, mut print, mut icase) = (false, 1usize, false, false);
                while let Some(f) = self.peek() {
                    match f {
                        'g' => global = true,
                        'p' => print = true,
                        'i' | 'I' => icase = true,
                        d if d.is_ascii_digit() => nth = d.to_digit(10).unwrap_or(1).max(1) as usize,
                        ';' | '\n' | ' ' | '}' => break,
                        _ => {
                            self.pos += 1;
                            return Err(self.err("unknown option to `s'"));
                        }
                    }
                    self.pos += 1;
                }
                let re = self.regex(&re_src, icase)?;
                Cmd::Subst {
                    re,
                    replacement: self.replacement(&rep_src),
                    global,
                    nth,
                    print,
                }
            }
            'd' => Cmd::Delete,
            'p' => Cmd::Print,
            '=' => Cmd::LineNumber,
            'q' => {
                self.skip_blanks();
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let code: String = self.chars.get(start..self.pos).unwrap_or(&[]).iter().collect();
                Cmd::Quit(code.parse().unwrap_or(0))
            }
            'a' => Cmd::Append(self.text_arg()),
            'i' => Cmd::Insert(self.text_arg()),
            'c' => Cmd::Change(self.text_arg()),
            'y' => {
                let delim = self.peek().ok_or_else(|| self.err("unterminated `y' command"))?;
                self.pos += 1;
                let a: Vec<char> = self.delimited(delim, "`y' command")?.chars().collect();
                let b: Vec<char> = self.delimited(delim, "`y' command")?.chars().collect();
                if a.len() != b.len() {
                    return Err(self.err("strings for `y' command are different lengths"));
                }
                Cmd::Translate(a, b)
            }
            other => return Err(self.err(&format!("unknown command: `{other}'"))),
        };
        self.skip_blanks();
        match self.peek() {
            None | Some(';' | '\n' | '}') => {}
            Some(_) => {
                self.pos += 1;
                return Err(self.err("extra characters after command"));
            }
        }
        Ok(Some(Command { from, to, negate, cmd }))
    }
}

fn parse_script(scripts: &[String], extended: bool) -> Result<Vec<Command>, String> {
    let mut commands = Vec::new();
    for (i, script) in scripts.iter().enumerate() {
        let mut p = ScriptParser {
            chars: script.chars().collect(),
            pos: 0,
            extended,
            expr_no: i + 1,
        };
        while let Some(c) = p.command()? {
            commands.push(c);
        }
    }
    Ok(commands)
}

fn matches_addr(a: &Addr, line_no: usize, last: bool, line: &str) -> bool {
    match a {
        Addr::Line(n) => *n == line_no,
        Addr::Last => last,
        Addr::Re(re) => re.is_match(line),
    }
}

fn substitute(re: &Regex, pieces: &[Piece], global: bool, nth: usize, line: &str) -> Option<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut pos = 0;
    let mut count = 0;
    let mut replaced = false;
    while pos <= chars.len() {
        let Some(caps) = re.captures_at(&chars, pos) else { break };
        let Some(Some((s, e))) = caps.first().copied() else {
            break;
        };
        count += 1;
        out.extend(chars.get(pos..s).unwrap_or(&[]));
        if count >= nth && (global || count == nth) {
            for p in pieces {
                match p {
                    Piece::Text(t) => out.push_str(t),
                    Piece::Group(g) => {
                        if let Some(Some((a, b))) = caps.get(*g) {
                            out.extend(chars.get(*a..*b).unwrap_or(&[]));
                        }
                    }
                }
            }
            replaced = true;
        } else {
            out.extend(chars.get(s..e).unwrap_or(&[]));
        }
        if e == s {
            // An empty match: copy one character and move on.
            if let Some(c) = chars.get(s) {
                out.push(*c);
            }
            pos = s + 1;
        } else {
            pos = e;
        }
        if replaced && !global {
            break;
        }
    }
    if !replaced {
        return None;
    }
    out.extend(chars.get(pos.min(chars.len())..).unwrap_or(&[]));
    Some(out)
}

/// Runs the script over `text`; returns the output and the exit code from `q`.
fn run_script(commands: &[Command], quiet: bool, text: &str) -> (String, Option<i32>) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut out = String::new();
    let mut active = vec![false; commands.len()];
    let total = lines.len();
    for (idx, raw) in lines.iter().enumerate() {
        let line_no = idx + 1;
        let last = line_no == total;
        let newline = raw.ends_with('\n');
        let mut space = raw.strip_suffix('\n').unwrap_or(raw).to_string();
        let mut deleted = false;
        let mut quit = None;
        let mut appended: Vec<String> = Vec::new();
        let eol = |nl: bool| if nl { "\n" } else { "" };
        for (ci, c) in commands.iter().enumerate() {
            let selected = match (&c.from, &c.to) {
                (None, _) => true,
                (Some(a), None) => matches_addr(a, line_no, last, &space),
                (Some(a), Some(b)) => {
                    if active.get(ci).copied().unwrap_or(false) {
                        let end = match b {
                            Addr::Line(n) => line_no >= *n,
                            other => matches_addr(other, line_no, last, &space),
                        };
                        if end {
                            if let Some(f) = active.get_mut(ci) {
                                *f = false;
                            }
                        }
                        true
                    } else if matches_addr(a, line_no, last, &space) {
                        let ends_now = matches!(b, Addr::Line(n) if *n <= line_no);
                        if let Some(f) = active.get_mut(ci) {
                            *f = !ends_now;
                        }
                        true
                    } else {
                        false
                    }
                }
            };
            if selected == c.negate {
                continue;
            }
            match &c.cmd {
                Cmd::Subst {
                    re,
                    replacement,
                    global,
                    nth,
                    print,
                } => {
                    if let Some(new) = substitute(re, replacement, *global, *nth, &space) {
                        space = new;
                        if *print {
                            out.push_str(&space);
                            out.push('\n');
                        }
                    }
                }
                Cmd::Delete => {
                    deleted = true;
                    break;
                }
                Cmd::Print => {
                    out.push_str(&space);
                    out.push('\n');
                }
                Cmd::LineNumber => out.push_str(&format!("{line_no}\n")),
                Cmd::Quit(code) => {
                    quit = Some(*code);
                    break;
                }
                Cmd::Append(t) => appended.push(t.clone()),
                Cmd::Insert(t) => {
                    out.push_str(t);
                    out.push('\n');
                }
                Cmd::Change(t) => {
                    // With a range, the text replaces the whole range once, at its end.
                    if c.to.is_none() || !active.get(ci).copied().unwrap_or(false) {
                        out.push_str(t);
                        out.push('\n');
                    }
                    deleted = true;
                    break;
                }
                Cmd::Translate(a, b) => {
                    space = space
                        .chars()
                        .map(|ch| {
                            a.iter()
                                .position(|x| *x == ch)
                                .and_then(|i| b.get(i).copied())
                                .unwrap_or(ch)
                        })
                        .collect();
                }
            }
        }
        if !deleted && !quiet {
            out.push_str(&space);
            out.push_str(eol(newline || !appended.is_empty()));
        }
        for t in appended {
            out.push_str(&t);
            out.push('\n');
        }
        if let Some(code) = quit {
            return (out, Some(code));
        }
    }
    (out, None)
}

/// `sed`: prints to `io.out`; with -i returns the (file, new contents) pairs to write.
pub(crate) fn sed(args: &[String], io: &mut Io) -> (i32, Vec<(String, String)>) {
    let mut quiet = false;
    let mut extended = false;
    let mut in_place = false;
    let mut scripts: Vec<String> = Vec::new();
    let mut operands: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        match a.as_str() {
            "-n" | "--quiet" | "--silent" => quiet = true,
            "-E" | "-r" | "--regexp-extended" => extended = true,
            "-s" | "--separate" | "-u" | "--posix" => {}
            "-e" => match args.get(i) {
                Some(s) => {
                    scripts.push(s.clone());
                    i += 1;
                }
                None => {
                    io.out.stderr("sed: option requires an argument -- 'e'\n");
                    return (1, Vec::new());
                }
            },
            a if a.starts_with("--expression=") => scripts.push(a.trim_start_matches("--expression=").to_string()),
            a if a == "-i" || a.starts_with("--in-place") || (a.starts_with("-i") && a.len() > 2) => in_place = true,
            a if a.starts_with('-') && a.len() > 1 && !a.starts_with("--") => {
                // Grouped flags such as -ne, -nE, -ie.
                let flags: Vec<char> = a.chars().skip(1).collect();
                let mut takes_script = false;
                for f in &flags {
                    match f {
                        'n' => quiet = true,
                        'E' | 'r' => extended = true,
                        'i' => in_place = true,
                        's' | 'u' => {}
                        'e' => takes_script = true,
                        other => {
                            io.out.stderr(format!(
                                "sed: invalid option -- '{other}'\nUsage: sed [OPTION]... {{script-only-if-no-other-script}} [input-file]...\n"
                            ));
                            return (1, Vec::new());
                        }
                    }
                }
                if takes_script {
                    match args.get(i) {
                        Some(s) => {
                            scripts.push(s.clone());
                            i += 1;
                        }
                        None => {
                            io.out.stderr("sed: option requires an argument -- 'e'\n");
                            return (1, Vec::new());
                        }
                    }
                }
            }
            _ => operands.push(a.clone()),
        }
    }
    if scripts.is_empty() {
        if operands.is_empty() {
            io.out
                .stderr("Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n");
            return (1, Vec::new());
        }
        scripts.push(operands.remove(0));
    }
    let commands = match parse_script(&scripts, extended) {
        Ok(c) => c,
        Err(e) => {
            io.out.stderr(format!("{e}\n"));
            return (1, Vec::new());
        }
    };
    if in_place {
        if operands.is_empty() {
            io.out.stderr("sed: no input files\n");
            return (1, Vec::new());
        }
        let mut writes = Vec::new();
        let mut status = 0;
        for f in &operands {
            match (io.read)(f) {
                Ok(text) => {
                    let (out, _) = run_script(&commands, quiet, &text);
                    writes.push((f.clone(), out));
                }
                Err(e) => {
                    io.out.stderr(format!("sed: can't read {f}: {}\n", e.message()));
                    status = 2;
                }
            }
        }
        return (status, writes);
    }
    let mut text = String::new();
    let mut status = 0;
    if operands.is_empty() {
        text = io.stdin.take_all().unwrap_or_default();
    }
    for f in &operands {
        if f == "-" {
            text.push_str(&io.stdin.take_all().unwrap_or_default());
            continue;
        }
        match (io.read)(f) {
            Ok(t) => {
                text.push_str(&t);
                if !t.is_empty() && !t.ends_with('\n') {
                    text.push('\n');
                }
            }
            Err(e) => {
                io.out.stderr(format!("sed: can't read {f}: {}\n", e.message()));
                status = 2;
            }
        }
    }
    let (out, quit) = run_script(&commands, quiet, &text);
    io.out.stdout(out);
    (quit.unwrap_or(status), Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::Stdin;
    use crate::FsError;
    use kubectl::Output;

    fn run(args: &[&str], stdin: &str) -> (i32, String, String, Vec<(String, String)>) {
        let read = |p: &str| -> Result<String, FsError> {
            match p {
                "s.txt" => Ok("a1\nb2\nc3\n".to_string()),
                _ => Err(FsError::NotFound),
            }
        };
        let mut out = Output::default();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut io = Io {
            stdin: Stdin::text(stdin.to_string()),
            read: &read,
            out: &mut out,
        };
        let (code, writes) = sed(&args, &mut io);
        (code, out.stdout_text(), out.stderr_text(), writes)
    }

    #[test]
    fn scripts_edit_lines_as_gnu_sed_does() {
        // Expected outputs recorded from GNU sed 4.9.
        let cases: Vec<(Vec<&str>, &str)> = vec![
            (vec!["-n", "2p", "s.txt"], "b2\n"),
            (vec!["2d", "s.txt"], "a1\nc3\n"),
            (vec!["s/[0-9]/X/g", "s.txt"], "aX\nbX\ncX\n"),
            (vec!["-E", "s/(.)([0-9])/\\2\\1/", "s.txt"], "1a\n2b\n3c\n"),
            (vec!["/b/,$d", "s.txt"], "a1\n"),
            (vec!["-n", "$p", "s.txt"], "c3\n"),
            (vec!["s|a|&&|", "s.txt"], "aa1\nb2\nc3\n"),
            (vec!["q", "s.txt"], "a1\n"),
            (vec!["-e", "s/a/A/", "-e", "s/b/B/", "s.txt"], "A1\nB2\nc3\n"),
            (vec!["1!d", "s.txt"], "a1\n"),
            (vec!["s/\\(b\\)\\(2\\)/[\\2\\1]/", "s.txt"], "a1\n[2b]\nc3\n"),
            (vec!["s/A/z/I", "s.txt"], "z1\nb2\nc3\n"),
            (vec!["2i\\inserted", "s.txt"], "a1\ninserted\nb2\nc3\n"),
            (vec!["2a appended", "s.txt"], "a1\nb2\nappended\nc3\n"),
            (vec!["s/c/\\n/", "s.txt"], "a1\nb2\n\n3\n"),
            (vec!["y/abc/xyz/", "s.txt"], "x1\ny2\nz3\n"),
            (vec!["2,3c\\changed", "s.txt"], "a1\nchanged\n"),
            (vec!["-n", "/b/=", "s.txt"], "2\n"),
            (vec!["s/x*/-/g"], "-a-b-\n"),
            (vec!["s/o/0/2"], "fo0\n"),
        ];
        for (args, want) in cases {
            let stdin = if args.last() == Some(&"s/x*/-/g") {
                "ab\n"
            } else {
                "foo\n"
            };
            let (code, out, err, _) = run(&args, stdin);
            assert_eq!((code, out.as_str(), err.as_str()), (0, want, ""), "{args:?}");
        }
    }

    #[test]
    fn in_place_edits_are_returned_for_writing() {
        let (code, out, _, writes) = run(&["-i", "s/1/ONE/", "s.txt"], "");
        assert_eq!((code, out.as_str()), (0, ""));
        assert_eq!(writes, vec![("s.txt".to_string(), "aONE\nb2\nc3\n".to_string())]);
    }

    #[test]
    fn errors_use_gnu_sed_messages() {
        let cases = [
            (
                vec!["s/a/b", "s.txt"],
                "sed: -e expression #1, char 5: unterminated `s' command\n",
            ),
            (
                vec!["k", "s.txt"],
                "sed: -e expression #1, char 1: unknown command: `k'\n",
            ),
            (
                vec!["p", "nofile"],
                "sed: can't read nofile: No such file or directory\n",
            ),
            (vec!["-i", "p"], "sed: no input files\n"),
        ];
        for (args, want) in cases {
            let (_, _, err, _) = run(&args, "");
            assert_eq!(err, want, "{args:?}");
        }
    }
}
