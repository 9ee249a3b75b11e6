//! Word expansion as bash does it: tilde, parameters, command substitution, arithmetic,
//! field splitting of unquoted results, pathname globbing against the file system.

use kubectl::{Output, Stream};

use crate::exec::MAX_DEPTH;
use crate::fs::resolve;
use crate::parse::{is_name, lex_dquoted_text, lex_operand_word, ParamOp, Word, WordPart};
use crate::regex::{glob_match, has_glob};
use crate::{Fut, Shell};

/// A field being built: its text and the glob pattern (quoted characters escaped).
#[derive(Default)]
struct Field {
    text: String,
    pattern: String,
    glob: bool,
    exists: bool,
}

fn escape_glob(s: &str, into: &mut String) {
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            into.push('\\');
        }
        into.push(c);
    }
}

/// The fake process id `$$` reports.
const SHELL_PID: &str = "4242";

impl Shell {
    /// Expands a command word into fields (splitting and globbing unquoted parts).
    async fn expand_fields_impl(&mut self, w: &Word, out: &mut Output) -> Result<Vec<String>, String> {
        let mut result = Vec::new();
        for w in brace_expand(w) {
            self.expand_word_fields(&w, out, &mut result).await?;
        }
        Ok(result)
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn expand_fields<'a>(
        &'a mut self,
        w: &'a Word,
        out: &'a mut Output,
    ) -> Fut<'a, Result<Vec<String>, String>> {
        Box::pin(self.expand_fields_impl(w, out))
    }

    async fn expand_word_fields_impl(
        &mut self,
        w: &Word,
        out: &mut Output,
        result: &mut Vec<String>,
    ) -> Result<(), String> {
        let fields = self.expand_parts(w, out, true).await?;
        for f in fields {
            if f.glob {
                let matches = self.glob(&f.pattern);
                if !matches.is_empty() {
                    result.extend(matches);
                    continue;
                }
            }
            result.push(f.text);
        }
        Ok(())
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn expand_word_fields<'a>(
        &'a mut self,
        w: &'a Word,
        out: &'a mut Output,
        result: &'a mut Vec<String>,
    ) -> Fut<'a, Result<(), String>> {
        Box::pin(self.expand_word_fields_impl(w, out, result))
    }

    /// Expands without splitting or globbing (assignment values, here-strings).
    async fn expand_assignment_impl(&mut self, w: &Word, out: &mut Output) -> Result<String, String> {
        let fields = self.expand_parts(w, out, false).await?;
        Ok(fields.into_iter().map(|f| f.text).collect::<Vec<_>>().join(" "))
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn expand_assignment<'a>(
        &'a mut self,
        w: &'a Word,
        out: &'a mut Output,
    ) -> Fut<'a, Result<String, String>> {
        Box::pin(self.expand_assignment_impl(w, out))
    }

    /// Expands a `case` pattern: quoted parts match literally.
    async fn expand_pattern_impl(&mut self, w: &Word, out: &mut Output) -> Result<String, String> {
        let fields = self.expand_parts(w, out, false).await?;
        Ok(fields.into_iter().map(|f| f.pattern).collect::<Vec<_>>().join(" "))
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn expand_pattern<'a>(
        &'a mut self,
        w: &'a Word,
        out: &'a mut Output,
    ) -> Fut<'a, Result<String, String>> {
        Box::pin(self.expand_pattern_impl(w, out))
    }

    /// `(( expr ))`: the value as text.
    async fn arith_command_impl(&mut self, src: &str, out: &mut Output) -> Result<String, String> {
        self.arith(src, out).await
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn arith_command<'a>(
        &'a mut self,
        src: &'a str,
        out: &'a mut Output,
    ) -> Fut<'a, Result<String, String>> {
        Box::pin(self.arith_command_impl(src, out))
    }

    /// Expands an unquoted here-document body.
    async fn expand_heredoc_impl(&mut self, body: &str, out: &mut Output) -> Result<String, String> {
        let w = lex_dquoted_text(body);
        self.expand_assignment(&w, out).await
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    pub(crate) fn expand_heredoc<'a>(
        &'a mut self,
        body: &'a str,
        out: &'a mut Output,
    ) -> Fut<'a, Result<String, String>> {
        Box::pin(self.expand_heredoc_impl(body, out))
    }

    pub(crate) fn set_var(&mut self, name: &str, value: &str) {
        if name == "RANDOM" {
            // Assigning RANDOM seeds the generator, as in bash.
            self.state.random_seed = value.trim().parse::<i64>().unwrap_or(0) as u32;
            return;
        }
        self.state.vars.insert(name.to_string(), value.to_string());
        if name == "PWD" {
            self.state.cwd = resolve("/", value);
        }
    }

    async fn expand_parts_impl(&mut self, w: &Word, out: &mut Output, split: bool) -> Result<Vec<Field>, String> {
        let mut fields = Vec::new();
        let mut cur = Field::default();
        for (i, part) in w.parts.iter().enumerate() {
            let (value, quoted) = match part {
                WordPart::Lit { text, quoted } => {
                    let text = if i == 0 && !quoted {
                        self.tilde(text)
                    } else {
                        text.clone()
                    };
                    if *quoted {
                        escape_glob(&text, &mut cur.pattern);
                    } else {
                        cur.pattern.push_str(&text);
                        cur.glob |= split && has_glob(&text);
                    }
                    cur.exists |= *quoted || !text.is_empty();
                    cur.text.push_str(&text);
                    continue;
                }
                WordPart::Param {
                    name,
                    op: ParamOp::Plain,
                    quoted: true,
                } if name == "@" => {
                    // "$@": one field per positional parameter.
                    let params = self.run.positional.clone();
                    if params.is_empty() && cur.text.is_empty() {
                        cur.exists = false;
                    }
                    for (k, p) in params.iter().enumerate() {
                        if k > 0 {
                            fields.push(std::mem::take(&mut cur));
                        }
                        escape_glob(p, &mut cur.pattern);
                        cur.text.push_str(p);
                        cur.exists = true;
                    }
                    continue;
                }
                WordPart::Param { name, op, quoted } => (self.param(name, op, *quoted, out).await?, *quoted),
                WordPart::CmdSub { src, quoted } => (self.command_substitution(src, out).await?, *quoted),
                WordPart::Arith { src, quoted } => (self.arith(src, out).await?, *quoted),
                WordPart::ProcSub { src } => (self.process_substitution(src, out).await?, true),
            };
            if quoted || !split {
                escape_glob(&value, &mut cur.pattern);
                cur.text.push_str(&value);
                cur.exists = true;
            } else {
                for c in value.chars() {
                    if matches!(c, ' ' | '\t' | '\n') {
                        if cur.exists {
                            fields.push(std::mem::take(&mut cur));
                        }
                    } else {
                        cur.text.push(c);
                        escape_glob(&c.to_string(), &mut cur.pattern);
                        cur.exists = true;
                    }
                }
            }
        }
        if cur.exists || !split {
            fields.push(cur);
        }
        Ok(fields)
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn expand_parts<'a>(
        &'a mut self,
        w: &'a Word,
        out: &'a mut Output,
        split: bool,
    ) -> Fut<'a, Result<Vec<Field>, String>> {
        Box::pin(self.expand_parts_impl(w, out, split))
    }

    fn tilde(&self, text: &str) -> String {
        let home = self.state.vars.get("HOME").cloned().unwrap_or_default();
        if text == "~" {
            return home;
        }
        match text.strip_prefix("~/") {
            Some(rest) => format!("{home}/{rest}"),
            None => text.to_string(),
        }
    }

    /// Pathname expansion of one pattern; empty when nothing matches.
    fn glob(&self, pattern: &str) -> Vec<String> {
        let (dir, name_pat) = match pattern.rfind('/') {
            Some(i) => (pattern.get(..=i).unwrap_or(""), pattern.get(i + 1..).unwrap_or("")),
            None => ("", pattern),
        };
        if has_glob(dir) || name_pat.is_empty() {
            return Vec::new();
        }
        let dir_unescaped: String = unescape_glob(dir);
        let abs = resolve(
            &self.state.cwd,
            if dir_unescaped.is_empty() { "." } else { &dir_unescaped },
        );
        let Ok(Some(names)) = self.fs.list_dir(&abs) else {
            return Vec::new();
        };
        names
            .into_iter()
            .filter(|n| !n.starts_with('.') || name_pat.starts_with('.'))
            .filter(|n| glob_match(name_pat, n))
            .map(|n| format!("{dir_unescaped}{n}"))
            .collect()
    }

    fn lookup(&self, name: &str) -> Option<String> {
        match name {
            "?" => Some(self.state.last_status.to_string()),
            "$" => Some(SHELL_PID.to_string()),
            "#" => Some(self.run.positional.len().to_string()),
            "0" => Some("bash".to_string()),
            "-" => Some("himBHs".to_string()),
            "@" | "*" => Some(self.run.positional.join(" ")),
            "!" => None,
            "PWD" => Some(self.state.cwd.clone()),
            n if n.chars().all(|c| c.is_ascii_digit()) => n
                .parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| self.run.positional.get(i).cloned()),
            n => self.state.vars.get(n).cloned(),
        }
    }

    async fn operand_impl(&mut self, raw: &str, quoted: bool, out: &mut Output) -> Result<String, String> {
        let w = if quoted {
            lex_dquoted_text(raw)
        } else {
            lex_operand_word(raw)
        };
        self.expand_assignment(&w, out).await
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn operand<'a>(&'a mut self, raw: &'a str, quoted: bool, out: &'a mut Output) -> Fut<'a, Result<String, String>> {
        Box::pin(self.operand_impl(raw, quoted, out))
    }

    /// bash's `$RANDOM`: Park–Miller steps mixed as bash 5 mixes them (seed 1 gives 16807,
    /// 10791, 19566 like bash after `RANDOM=1`).
    fn next_random(&mut self) -> u32 {
        let seed = if self.state.random_seed == 0 {
            123_459_876
        } else {
            self.state.random_seed
        };
        let next = (16_807u64 * u64::from(seed)) % 2_147_483_647;
        self.state.random_seed = next as u32;
        (((next >> 16) ^ (next & 0xffff)) & 32_767) as u32
    }

    async fn param_impl(&mut self, name: &str, op: &ParamOp, quoted: bool, out: &mut Output) -> Result<String, String> {
        let val = if name == "RANDOM" {
            Some(self.next_random().to_string())
        } else {
            self.lookup(name)
        };
        let missing = |colon: bool| match &val {
            None => true,
            Some(v) => colon && v.is_empty(),
        };
        let value = val.clone().unwrap_or_default();
        match op {
            ParamOp::Plain => Ok(value),
            ParamOp::Length => Ok(value.chars().count().to_string()),
            ParamOp::Default { colon, word } => {
                if missing(*colon) {
                    self.operand(word, quoted, out).await
                } else {
                    Ok(value)
                }
            }
            ParamOp::Assign { colon, word } => {
                if !missing(*colon) {
                    return Ok(value);
                }
                if !is_name(name) {
                    return Err(format!("${name}: cannot assign in this way"));
                }
                let v = self.operand(word, quoted, out).await?;
                self.set_var(name, &v);
                Ok(v)
            }
            ParamOp::Alt { colon, word } => {
                if missing(*colon) {
                    Ok(String::new())
                } else {
                    self.operand(word, quoted, out).await
                }
            }
            ParamOp::Error { colon, word } => {
                if !missing(*colon) {
                    return Ok(value);
                }
                let msg = if word.is_empty() {
                    if *colon {
                        "parameter null or not set"
                    } else {
                        "parameter not set"
                    }
                    .to_string()
                } else {
                    self.operand(word, quoted, out).await?
                };
                Err(format!("{name}: {msg}"))
            }
            ParamOp::TrimPrefix { longest, pattern } => {
                let pat = self.operand(pattern, quoted, out).await?;
                let chars: Vec<char> = value.chars().collect();
                let mut cut = None;
                for i in 0..=chars.len() {
                    let prefix: String = chars.iter().take(i).collect();
                    if glob_match(&pat, &prefix) {
                        cut = Some(i);
                        if !longest {
                            break;
                        }
                    }
                }
                Ok(match cut {
                    Some(i) => chars.iter().skip(i).collect(),
                    None => value,
                })
            }
            ParamOp::TrimSuffix { longest, pattern } => {
                let pat = self.operand(pattern, quoted, out).await?;
                let chars: Vec<char> = value.chars().collect();
                let mut cut = None;
                for i in (0..=chars.len()).rev() {
                    let suffix: String = chars.iter().skip(i).collect();
                    if glob_match(&pat, &suffix) {
                        cut = Some(i);
                        if !longest {
                            break;
                        }
                    }
                }
                Ok(match cut {
                    Some(i) => chars.iter().take(i).collect(),
                    None => value,
                })
            }
            ParamOp::Replace {
                all,
                pattern,
                replacement,
            } => {
                let pat = self.operand(pattern, quoted, out).await?;
                let rep = self.operand(replacement, quoted, out).await?;
                if pat.is_empty() {
                    return Ok(value);
                }
                let chars: Vec<char> = value.chars().collect();
                let mut result = String::new();
                let mut i = 0;
                let mut replaced = false;
                while i < chars.len() {
                    let found = if replaced && !all {
                        None
                    } else {
                        (i + 1..=chars.len())
                            .rev()
                            .find(|&j| glob_match(&pat, &chars.get(i..j).unwrap_or(&[]).iter().collect::<String>()))
                    };
                    match found {
                        Some(j) => {
                            result.push_str(&rep);
                            i = j;
                            replaced = true;
                        }
                        None => {
                            if let Some(c) = chars.get(i) {
                                result.push(*c);
                            }
                            i += 1;
                        }
                    }
                }
                Ok(result)
            }
            ParamOp::Substring { offset, length } => {
                let chars: Vec<char> = value.chars().collect();
                let len = chars.len() as i64;
                let mut start = self.arith(offset, out).await?.parse::<i64>().unwrap_or(0);
                if start < 0 {
                    start += len;
                }
                if start < 0 || start > len {
                    return Ok(String::new());
                }
                let end = match length {
                    None => len,
                    Some(l) => {
                        let n = self.arith(l, out).await?.parse::<i64>().unwrap_or(0);
                        if n < 0 {
                            let end = len + n;
                            if end < start {
                                return Err(format!("{}: substring expression < 0", l.trim()));
                            }
                            end
                        } else {
                            (start + n).min(len)
                        }
                    }
                };
                Ok(chars.get(start as usize..end as usize).unwrap_or(&[]).iter().collect())
            }
            ParamOp::Bad(inner) => Err(format!("${{{inner}}}: bad substitution")),
        }
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn param<'a>(
        &'a mut self,
        name: &'a str,
        op: &'a ParamOp,
        quoted: bool,
        out: &'a mut Output,
    ) -> Fut<'a, Result<String, String>> {
        Box::pin(self.param_impl(name, op, quoted, out))
    }

    /// Runs `src` and returns its stdout without trailing newlines; stderr goes to `out`.
    async fn command_substitution_impl(&mut self, src: &str, out: &mut Output) -> Result<String, String> {
        let mut text = self.capture(src, out).await?;
        while text.ends_with('\n') {
            text.pop();
        }
        Ok(text)
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn command_substitution<'a>(&'a mut self, src: &'a str, out: &'a mut Output) -> Fut<'a, Result<String, String>> {
        Box::pin(self.command_substitution_impl(src, out))
    }

    async fn capture_impl(&mut self, src: &str, out: &mut Output) -> Result<String, String> {
        if self.run.depth >= MAX_DEPTH {
            return Err("maximum command substitution nesting level exceeded".to_string());
        }
        self.run.depth += 1;
        let saved_exit = self.run.exit;
        let mut sub = Output::default();
        self.run.buffered += 1;
        self.exec_script(src, &mut sub, false).await;
        self.run.buffered -= 1;
        self.run.exit = saved_exit;
        self.run.depth -= 1;
        let mut text = String::new();
        for (stream, t) in sub.chunks {
            match stream {
                Stream::Stdout => text.push_str(&t),
                Stream::Stderr => out.stderr(t),
            }
        }
        self.run.cmdsub_status = Some(self.state.last_status);
        Ok(text)
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn capture<'a>(&'a mut self, src: &'a str, out: &'a mut Output) -> Fut<'a, Result<String, String>> {
        Box::pin(self.capture_impl(src, out))
    }

    /// `<(cmd)`: runs cmd now and names its output `/dev/fd/N`.
    async fn process_substitution_impl(&mut self, src: &str, out: &mut Output) -> Result<String, String> {
        let text = self.capture(src, out).await?;
        let path = format!("/dev/fd/{}", 63 - self.run.proc_files.len().min(50));
        self.run.proc_files.insert(path.clone(), text);
        Ok(path)
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn process_substitution<'a>(&'a mut self, src: &'a str, out: &'a mut Output) -> Fut<'a, Result<String, String>> {
        Box::pin(self.process_substitution_impl(src, out))
    }

    async fn arith_impl(&mut self, src: &str, out: &mut Output) -> Result<String, String> {
        let expanded = self.expand_heredoc(src, out).await?;
        let expanded = expanded.trim_start().to_string();
        let toks = tokenize_arith(&expanded)?;
        if toks.is_empty() {
            return Ok("0".to_string());
        }
        let vars = &mut self.state.vars;
        let mut ev = Arith {
            toks,
            pos: 0,
            vars,
            src: expanded,
            depth: 0,
        };
        let v = ev.assign()?;
        if ev.pos < ev.toks.len() {
            let rest = ev.rest();
            return Err(format!(
                "{}: syntax error in expression (error token is \"{rest}\")",
                ev.src
            ));
        }
        Ok(v.to_string())
    }

    /// Boxed, so that a caller's frame holds a pointer and not this state machine:
    /// commands nest deeply and the stack (1 MiB in wasm) must not grow with them.
    fn arith<'a>(&'a mut self, src: &'a str, out: &'a mut Output) -> Fut<'a, Result<String, String>> {
        Box::pin(self.arith_impl(src, out))
    }
}

/// Bash stops brace expansion from producing more words than this (the tab would hang).
const MAX_BRACE_WORDS: usize = 10_000;
/// Words with more braces than this are left alone.
const MAX_BRACES: usize = 32;

/// Brace expansion (`{a,b}`, `{1..5}`, `{a..e}`, `{01..10..2}`) of braces that lie inside
/// one unquoted literal part of the word.
fn brace_expand(w: &Word) -> Vec<Word> {
    let braces: usize = w
        .parts
        .iter()
        .map(|p| {
            if let WordPart::Lit { text, .. } = p {
                text.matches('{').count()
            } else {
                0
            }
        })
        .sum();
    // Expansion recurses once per brace; absurd inputs stay literal.
    if braces > MAX_BRACES {
        return vec![w.clone()];
    }
    for (i, part) in w.parts.iter().enumerate() {
        let WordPart::Lit { text, quoted: false } = part else {
            continue;
        };
        let Some(alternatives) = expand_braces_in(text) else {
            continue;
        };
        let mut words = Vec::new();
        for alt in alternatives {
            let mut parts = w.parts.clone();
            if let Some(p) = parts.get_mut(i) {
                *p = WordPart::Lit {
                    text: alt,
                    quoted: false,
                };
            }
            // Later parts may hold more braces.
            words.extend(brace_expand(&Word { parts }));
            if words.len() >= MAX_BRACE_WORDS {
                words.truncate(MAX_BRACE_WORDS);
                return words;
            }
        }
        return words;
    }
    vec![w.clone()]
}

/// Expands the first valid brace expression in `text` (recursively); `None` when there is none.
fn expand_braces_in(text: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = text.chars().collect();
    for (open, c) in chars.iter().enumerate() {
        if *c != '{' {
            continue;
        }
        let mut depth = 0;
        let mut close = None;
        let mut commas = Vec::new();
        for (j, d) in chars.iter().enumerate().skip(open) {
            match d {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                }
                ',' if depth == 1 => commas.push(j),
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        let collect = |a: usize, b: usize| -> String { chars.get(a..b).unwrap_or(&[]).iter().collect() };
        let prefix = collect(0, open);
        let suffix = collect(close + 1, chars.len());
        let alternatives: Vec<String> = if !commas.is_empty() {
            let mut alts = Vec::new();
            let mut start = open + 1;
            for &c in commas.iter().chain(std::iter::once(&close)) {
                alts.push(collect(start, c));
                start = c + 1;
            }
            alts
        } else {
            match sequence(&collect(open + 1, close)) {
                Some(seq) => seq,
                None => continue,
            }
        };
        let mut out = Vec::new();
        for alt in alternatives {
            let combined = format!("{prefix}{alt}{suffix}");
            match expand_braces_in(&combined) {
                Some(more) => out.extend(more),
                None => out.push(combined),
            }
            if out.len() >= MAX_BRACE_WORDS {
                break;
            }
        }
        return Some(out);
    }
    None
}

/// `1..5`, `5..1`, `1..10..3`, `a..e`, `01..10`.
fn sequence(body: &str) -> Option<Vec<String>> {
    let parts: Vec<&str> = body.split("..").collect();
    let (a, b, step) = match parts.as_slice() {
        [a, b] => (*a, *b, None),
        [a, b, s] => (*a, *b, Some(s.parse::<i64>().ok()?)),
        _ => return None,
    };
    // i128 keeps every step of the walk from overflowing.
    let step = i128::from(step.map(|s| s.unsigned_abs().max(1)).unwrap_or(1));
    if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>()) {
        let (x, y) = (i128::from(x), i128::from(y));
        let width = if (a.starts_with('0') && a.len() > 1) || (b.starts_with('0') && b.len() > 1) {
            a.len().max(b.len())
        } else {
            0
        };
        let count = (x - y).unsigned_abs() / step.unsigned_abs() + 1;
        if count > MAX_BRACE_WORDS as u128 {
            return None;
        }
        let dir = if y >= x { step } else { -step };
        return Some((0..count as i128).map(|i| format!("{:0width$}", x + dir * i)).collect());
    }
    let (mut ca, mut cb) = (a.chars(), b.chars());
    if let (Some(x), None, Some(y), None) = (ca.next(), ca.next(), cb.next(), cb.next()) {
        if x.is_ascii_alphabetic() && y.is_ascii_alphabetic() {
            let (lo, hi) = (i128::from(x as u32), i128::from(y as u32));
            let count = (lo - hi).unsigned_abs() / step.unsigned_abs() + 1;
            let dir = if hi >= lo { step } else { -step };
            return Some(
                (0..count as i128)
                    .filter_map(|i| u32::try_from(lo + dir * i).ok().and_then(char::from_u32))
                    .map(String::from)
                    .collect(),
            );
        }
    }
    None
}

fn unescape_glob(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum ATok {
    Num(i64),
    Name(String),
    Op(&'static str),
}

const ARITH_OPS: &[&str] = &[
    "**", "<=", ">=", "==", "!=", "&&", "||", "+=", "-=", "*=", "/=", "%=", "++", "--", "<<", ">>", "+", "-", "*", "/",
    "%", "<", ">", "!", "(", ")", "=", "?", ":", "&", "|", "^", "~",
];

fn tokenize_arith(s: &str) -> Result<Vec<(ATok, usize)>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let at = i;
        let mut push = |t: ATok| toks.push((t, at));
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while chars.get(i).is_some_and(|c| c.is_ascii_alphanumeric()) {
                i += 1;
            }
            let text: String = chars.get(start..i).unwrap_or(&[]).iter().collect();
            let n = if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                i64::from_str_radix(hex, 16).ok()
            } else if text.len() > 1 && text.starts_with('0') {
                i64::from_str_radix(&text, 8).ok()
            } else {
                text.parse().ok()
            };
            match n {
                Some(n) => push(ATok::Num(n)),
                None => return Err(format!("{s}: value too great for base (error token is \"{text}\")")),
            }
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while chars.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                i += 1;
            }
            push(ATok::Name(chars.get(start..i).unwrap_or(&[]).iter().collect()));
        } else {
            let rest: String = chars.get(i..).unwrap_or(&[]).iter().collect();
            let Some(op) = ARITH_OPS.iter().find(|op| rest.starts_with(**op)) else {
                return Err(format!(
                    "{s}: syntax error: invalid arithmetic operator (error token is \"{rest}\")"
                ));
            };
            push(ATok::Op(op));
            i += op.chars().count();
        }
    }
    Ok(toks)
}

/// Integer arithmetic for `$((…))` (precedence climbing over bash's operators).
struct Arith<'a> {
    toks: Vec<(ATok, usize)>,
    pos: usize,
    vars: &'a mut std::collections::BTreeMap<String, String>,
    src: String,
    depth: usize,
}

impl Arith<'_> {
    /// The expression text from token `pos` on: what bash shows as the error token.
    fn rest_from(&self, pos: usize) -> String {
        match self.toks.get(pos) {
            Some((_, at)) => self.src.chars().skip(*at).collect(),
            None => String::new(),
        }
    }
    fn rest(&self) -> String {
        self.rest_from(self.pos)
    }
    fn tok(&self, pos: usize) -> Option<ATok> {
        self.toks.get(pos).map(|(t, _)| t.clone())
    }
    fn peek_op(&self) -> Option<&'static str> {
        match self.toks.get(self.pos) {
            Some((ATok::Op(o), _)) => Some(o),
            _ => None,
        }
    }
    fn err_operand(&self) -> String {
        let rest = if self.pos < self.toks.len() {
            self.rest()
        } else {
            self.rest_from(self.pos.saturating_sub(1))
        };
        format!(
            "{}: syntax error: operand expected (error token is \"{rest}\")",
            self.src
        )
    }
    fn var(&self, name: &str) -> i64 {
        self.vars.get(name).and_then(|v| v.trim().parse().ok()).unwrap_or(0)
    }

    fn assign(&mut self) -> Result<i64, String> {
        if let (Some(ATok::Name(name)), Some(ATok::Op(op))) = (self.tok(self.pos), self.tok(self.pos + 1)) {
            if matches!(op, "=" | "+=" | "-=" | "*=" | "/=" | "%=") {
                self.pos += 2;
                let rhs = self.assign()?;
                let cur = self.var(&name);
                let v = match op {
                    "=" => rhs,
                    "+=" => cur.wrapping_add(rhs),
                    "-=" => cur.wrapping_sub(rhs),
                    "*=" => cur.wrapping_mul(rhs),
                    _ => self.divide(cur, rhs, op == "%=", self.pos)?,
                };
                self.vars.insert(name, v.to_string());
                return Ok(v);
            }
        }
        self.ternary()
    }

    fn ternary(&mut self) -> Result<i64, String> {
        let cond = self.binary(0)?;
        if self.peek_op() == Some("?") {
            self.pos += 1;
            let a = self.assign()?;
            if self.peek_op() != Some(":") {
                return Err(format!("{}: expected `:' for conditional expression", self.src));
            }
            self.pos += 1;
            let b = self.assign()?;
            return Ok(if cond != 0 { a } else { b });
        }
        Ok(cond)
    }

    fn divide(&self, a: i64, b: i64, rem: bool, rhs_pos: usize) -> Result<i64, String> {
        if b == 0 {
            return Err(format!(
                "{}: division by 0 (error token is \"{}\")",
                self.src,
                self.rest_from(rhs_pos)
            ));
        }
        Ok(if rem { a.wrapping_rem(b) } else { a.wrapping_div(b) })
    }

    fn binary(&mut self, min_prec: u8) -> Result<i64, String> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.peek_op() {
            let prec = match op {
                "||" => 1,
                "&&" => 2,
                "|" => 3,
                "^" => 4,
                "&" => 5,
                "==" | "!=" => 6,
                "<" | ">" | "<=" | ">=" => 7,
                "<<" | ">>" => 8,
                "+" | "-" => 9,
                "*" | "/" | "%" => 10,
                "**" => 11,
                _ => break,
            };
            if prec < min_prec {
                break;
            }
            self.pos += 1;
            let rhs_pos = self.pos;
            let rhs = if op == "**" {
                self.binary(prec)?
            } else {
                self.binary(prec + 1)?
            };
            lhs = match op {
                "||" => i64::from(lhs != 0 || rhs != 0),
                "&&" => i64::from(lhs != 0 && rhs != 0),
                "|" => lhs | rhs,
                "^" => lhs ^ rhs,
                "&" => lhs & rhs,
                "==" => i64::from(lhs == rhs),
                "!=" => i64::from(lhs != rhs),
                "<" => i64::from(lhs < rhs),
                ">" => i64::from(lhs > rhs),
                "<=" => i64::from(lhs <= rhs),
                ">=" => i64::from(lhs >= rhs),
                "<<" => lhs.wrapping_shl(rhs as u32),
                ">>" => lhs.wrapping_shr(rhs as u32),
                "+" => lhs.wrapping_add(rhs),
                "-" => lhs.wrapping_sub(rhs),
                "*" => lhs.wrapping_mul(rhs),
                "/" => self.divide(lhs, rhs, false, rhs_pos)?,
                "%" => self.divide(lhs, rhs, true, rhs_pos)?,
                "**" => {
                    if rhs < 0 {
                        return Err(format!(
                            "{}: exponent less than 0 (error token is \"{}\")",
                            self.src,
                            self.rest()
                        ));
                    }
                    lhs.wrapping_pow(rhs.min(u32::MAX as i64) as u32)
                }
                _ => lhs,
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<i64, String> {
        self.depth += 1;
        if self.depth > 200 {
            return Err(format!("{}: expression recursion level exceeded", self.src));
        }
        let r = self.unary_inner();
        self.depth -= 1;
        r
    }

    fn unary_inner(&mut self) -> Result<i64, String> {
        match self.tok(self.pos) {
            Some(ATok::Op("-")) => {
                self.pos += 1;
                Ok(self.unary()?.wrapping_neg())
            }
            Some(ATok::Op("+")) => {
                self.pos += 1;
                self.unary()
            }
            Some(ATok::Op("!")) => {
                self.pos += 1;
                Ok(i64::from(self.unary()? == 0))
            }
            Some(ATok::Op("~")) => {
                self.pos += 1;
                Ok(!self.unary()?)
            }
            Some(ATok::Op(op @ ("++" | "--"))) => {
                self.pos += 1;
                let Some(ATok::Name(name)) = self.tok(self.pos) else {
                    return Err(self.err_operand());
                };
                self.pos += 1;
                let v = self.var(&name) + if op == "++" { 1 } else { -1 };
                self.vars.insert(name, v.to_string());
                Ok(v)
            }
            Some(ATok::Op("(")) => {
                self.pos += 1;
                let v = self.assign()?;
                if self.peek_op() != Some(")") {
                    return Err(format!(
                        "{}: missing `)' (error token is \"{}\")",
                        self.src,
                        self.rest()
                    ));
                }
                self.pos += 1;
                Ok(v)
            }
            Some(ATok::Num(n)) => {
                self.pos += 1;
                Ok(n)
            }
            Some(ATok::Name(name)) => {
                self.pos += 1;
                let v = self.var(&name);
                if let Some(op @ ("++" | "--")) = self.peek_op() {
                    self.pos += 1;
                    self.vars
                        .insert(name, (v + if op == "++" { 1 } else { -1 }).to_string());
                }
                Ok(v)
            }
            _ => Err(self.err_operand()),
        }
    }
}
