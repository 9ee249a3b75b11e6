//! The shell grammar: tokens, words with expansions, and the command tree.

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Word(Word, bool),
    Op(&'static str),
}

pub(super) fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
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
            '|' => {
                toks.push(Tok::Op("|"));
                i += 1;
            }
            '>' if at(i + 1) == Some('>') => {
                toks.push(Tok::Op(">>"));
                i += 2;
            }
            // `>&2` / `>&1`: stdout and stderr both reach the container log, so a
            // duplication changes nothing the model shows.
            '>' if at(i + 1) == Some('&') && at(i + 2).is_some_and(|c| c.is_ascii_digit()) => {
                i += 2;
                while at(i).is_some_and(|c| c.is_ascii_digit()) {
                    i += 1;
                }
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
pub(super) fn dollar(chars: &[char], i: usize, quoted: bool) -> Result<(Option<Seg>, usize), String> {
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

pub(super) struct Parser {
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
        let mut left = self.pipeline()?;
        loop {
            match self.peek() {
                Some(Tok::Op("&&")) => {
                    self.pos += 1;
                    self.skip_separators();
                    left = Cmd::And(Box::new(left), Box::new(self.pipeline()?));
                }
                Some(Tok::Op("||")) => {
                    self.pos += 1;
                    self.skip_separators();
                    left = Cmd::Or(Box::new(left), Box::new(self.pipeline()?));
                }
                _ => return Ok(left),
            }
        }
    }

    fn pipeline(&mut self) -> Result<Cmd, String> {
        let mut stages = vec![self.command()?];
        while matches!(self.peek(), Some(Tok::Op("|"))) {
            self.pos += 1;
            self.skip_separators();
            stages.push(self.command()?);
        }
        Ok(if stages.len() == 1 {
            stages.pop().unwrap_or(Cmd::Pipe(Vec::new()))
        } else {
            Cmd::Pipe(stages)
        })
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

pub(super) fn parse_script(script: &str) -> Result<Vec<Cmd>, String> {
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
