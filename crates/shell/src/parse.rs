//! Lexer and recursive-descent parser for the POSIX shell subset people type in Kubernetes
//! tutorials. Words keep their quoting so expansion (at run time, after earlier commands ran)
//! can tell literal text from `$VAR`/`$(…)` results. Parsing is incremental: one complete
//! command (up to an unquoted newline) at a time, so aliases defined on one line apply to the
//! next, as in an interactive bash.

use std::collections::{BTreeMap, VecDeque};

/// One piece of a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum WordPart {
    /// Literal text; `quoted` text is exempt from globbing and always makes a field.
    Lit { text: String, quoted: bool },
    /// `$NAME`, `${NAME…}`, `$?`.
    Param { name: String, op: ParamOp, quoted: bool },
    /// `$(…)` or `` `…` ``: the source, parsed when expanded.
    CmdSub { src: String, quoted: bool },
    /// `$((…))`.
    Arith { src: String, quoted: bool },
    /// `<(…)`: replaced by a path whose contents are the command's output.
    ProcSub { src: String },
}

/// The operator of a `${NAME…}` expansion; word operands stay raw and are expanded lazily,
/// as bash only expands the branch it uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParamOp {
    Plain,
    Length,
    /// `-`, `=`, `+`, `?` with or without the colon.
    Default {
        colon: bool,
        word: String,
    },
    Assign {
        colon: bool,
        word: String,
    },
    Alt {
        colon: bool,
        word: String,
    },
    Error {
        colon: bool,
        word: String,
    },
    /// `#`/`##` (longest = true for `##`).
    TrimPrefix {
        longest: bool,
        pattern: String,
    },
    /// `%`/`%%`.
    TrimSuffix {
        longest: bool,
        pattern: String,
    },
    /// `/pat/rep`, `//pat/rep`.
    Replace {
        all: bool,
        pattern: String,
        replacement: String,
    },
    /// `:offset` and `:offset:length` (arithmetic expressions).
    Substring {
        offset: String,
        length: Option<String>,
    },
    /// Anything else: reported as a bad substitution when expanded.
    Bad(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Word {
    pub parts: Vec<WordPart>,
}

impl Word {
    /// The text when the word is one unquoted literal (reserved words, alias names).
    pub fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [WordPart::Lit { text, quoted: false }] => Some(text),
            _ => None,
        }
    }
    /// Quote removal without expansion (heredoc delimiters): literal text of every part.
    pub fn literal_text(&self) -> String {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                WordPart::Lit { text, .. } => s.push_str(text),
                WordPart::Param { name, .. } => {
                    s.push('$');
                    s.push_str(name);
                }
                WordPart::CmdSub { src, .. } => {
                    s.push_str("$(");
                    s.push_str(src);
                    s.push(')');
                }
                WordPart::Arith { src, .. } => {
                    s.push_str("$((");
                    s.push_str(src);
                    s.push_str("))");
                }
                WordPart::ProcSub { src } => {
                    s.push_str("<(");
                    s.push_str(src);
                    s.push(')');
                }
            }
        }
        s
    }
    fn has_quotes(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, WordPart::Lit { quoted: true, .. }))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RedirOp {
    /// `<`
    In,
    /// `>` and `>|`
    Out,
    /// `>>`
    Append,
    /// `>&N`, `N>&M`, `>&-`
    DupOut,
    /// `<&N`
    DupIn,
    /// `&>` (and `>& file`)
    OutErr,
    /// `&>>`
    AppendOutErr,
    /// `<<`/`<<-`: index into the complete command's here-documents.
    HereDoc(usize),
    /// `<<<`
    HereString,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Redirect {
    pub fd: Option<u32>,
    pub op: RedirOp,
    pub target: Word,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Simple {
        assigns: Vec<(String, Word)>,
        words: Vec<Word>,
        redirs: Vec<Redirect>,
    },
    /// `{ …; }` or `( … )`.
    Group {
        body: List,
        subshell: bool,
        redirs: Vec<Redirect>,
    },
    For {
        var: String,
        items: Option<Vec<Word>>,
        body: List,
        redirs: Vec<Redirect>,
    },
    If {
        branches: Vec<(List, List)>,
        otherwise: Option<List>,
        redirs: Vec<Redirect>,
    },
    While {
        cond: List,
        body: List,
        until: bool,
        redirs: Vec<Redirect>,
    },
    /// `name() compound-command` or `function name { …; }`.
    Function { name: String, body: Box<Command> },
    /// `[[ expression ]]`.
    Cond {
        tokens: Vec<CondTok>,
        redirs: Vec<Redirect>,
    },
    /// `(( expression ))`: status 0 when the value is non-zero.
    Arith { expr: String, redirs: Vec<Redirect> },
    /// `case word in pattern|pattern) list ;; … esac`.
    Case {
        word: Word,
        items: Vec<(Vec<Word>, List)>,
        redirs: Vec<Redirect>,
    },
}

/// A token inside `[[ … ]]`, where `&&`, `<` and `(` are operators of the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CondTok {
    Word(Word),
    And,
    Or,
    Open,
    Close,
    Less,
    Greater,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pipeline {
    pub negate: bool,
    /// `time pipeline`: report the elapsed (virtual) time.
    pub timed: bool,
    pub cmds: Vec<Command>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AndOr {
    pub first: Pipeline,
    /// `true` for `&&`, `false` for `||`.
    pub rest: Vec<(bool, Pipeline)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct List {
    pub items: Vec<AndOr>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HereDoc {
    pub body: String,
    /// Unquoted delimiter: `$VAR`, `$(…)` and `\` escapes are processed in the body.
    pub expand: bool,
}

/// A parsed top-level command plus the here-document bodies its redirections refer to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CompleteCommand {
    pub list: List,
    pub heredocs: Vec<HereDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// The input ends inside a construct; the message is what bash prints at end of input.
    Incomplete(String),
    /// A bash syntax error message (without the `bash: ` prefix).
    Syntax(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word {
        word: Word,
        raw: String,
    },
    /// `(( expression ))` at the start of a command.
    Arith(String),
    IoNum(u32),
    Op(&'static str),
    Newline,
    Eof,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Word { raw, .. } => raw.clone(),
            Tok::IoNum(n) => n.to_string(),
            Tok::Op(op) => op.to_string(),
            Tok::Arith(_) => "((".to_string(),
            Tok::Newline | Tok::Eof => "newline".to_string(),
        }
    }
}

struct PendingHereDoc {
    delim: String,
    strip_tabs: bool,
    expand: bool,
}

const OPERATORS: &[&str] = &[
    "&>>", "<<<", "<<-", "&&", "||", ";;", "<<", ">>", ">&", "<&", ">|", "&>", "<>", "|", "&", ";", "<", ">", "(", ")",
];

fn is_meta(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '|' | '&' | ';' | '<' | '>' | '(' | ')')
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub(crate) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if is_name_start(c)) && chars.all(is_name_char)
}

fn unexpected_eof(matching: char) -> ParseError {
    ParseError::Incomplete(format!("unexpected EOF while looking for matching `{matching}'"))
}

fn end_of_file() -> ParseError {
    ParseError::Incomplete("syntax error: unexpected end of file".to_string())
}

/// Character-level scanner shared by the lexer and by here-document/`${…}` word lexing.
struct Scanner {
    chars: Vec<char>,
    pos: usize,
}

impl Scanner {
    fn new(s: &str) -> Self {
        Scanner {
            chars: s.chars().collect(),
            pos: 0,
        }
    }
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }
    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }
    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(i, c)| self.peek_at(i) == Some(c))
    }
    fn slice(&self, from: usize, to: usize) -> String {
        self.chars.get(from..to).map(|s| s.iter().collect()).unwrap_or_default()
    }

    /// Skips a balanced `( … )` whose `(` was consumed; returns the text inside.
    fn scan_parens(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let mut depth = 1usize;
        loop {
            match self.bump() {
                None => return Err(unexpected_eof(')')),
                Some('\\') => {
                    self.bump();
                }
                Some('\'') => self.skip_single()?,
                Some('"') => self.skip_double()?,
                Some('`') => self.skip_backtick()?,
                Some('(') => depth += 1,
                Some(')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.slice(start, self.pos - 1));
                    }
                }
                Some(_) => {}
            }
        }
    }
    fn skip_single(&mut self) -> Result<(), ParseError> {
        loop {
            match self.bump() {
                None => return Err(unexpected_eof('\'')),
                Some('\'') => return Ok(()),
                Some(_) => {}
            }
        }
    }
    fn skip_double(&mut self) -> Result<(), ParseError> {
        loop {
            match self.bump() {
                None => return Err(unexpected_eof('"')),
                Some('"') => return Ok(()),
                Some('\\') => {
                    self.bump();
                }
                Some('$') if self.peek() == Some('(') => {
                    self.bump();
                    self.scan_parens()?;
                }
                Some('`') => self.skip_backtick()?,
                Some(_) => {}
            }
        }
    }
    fn skip_backtick(&mut self) -> Result<(), ParseError> {
        loop {
            match self.bump() {
                None => return Err(unexpected_eof('`')),
                Some('`') => return Ok(()),
                Some('\\') => {
                    self.bump();
                }
                Some(_) => {}
            }
        }
    }

    /// Reads the body of a backtick substitution (opening `` ` `` consumed), undoing the
    /// backslash escaping of `` \` ``, `\\` and `\$`.
    fn read_backtick(&mut self) -> Result<String, ParseError> {
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(unexpected_eof('`')),
                Some('`') => return Ok(s),
                Some('\\') => match self.peek() {
                    Some(c @ ('`' | '\\' | '$')) => {
                        self.bump();
                        s.push(c);
                    }
                    _ => s.push('\\'),
                },
                Some(c) => s.push(c),
            }
        }
    }

    /// Parses what follows a `$` (already consumed).
    fn read_dollar(&mut self, quoted: bool, parts: &mut Vec<WordPart>) -> Result<(), ParseError> {
        match self.peek() {
            Some('{') => {
                self.bump();
                let start = self.pos;
                let mut depth = 1usize;
                loop {
                    match self.bump() {
                        None => return Err(unexpected_eof('}')),
                        Some('\\') => {
                            self.bump();
                        }
                        Some('\'') if !quoted => self.skip_single()?,
                        Some('"') => self.skip_double()?,
                        Some('$') if self.peek() == Some('{') => {
                            self.bump();
                            depth += 1;
                        }
                        Some('}') => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Some(_) => {}
                    }
                }
                let inner = self.slice(start, self.pos - 1);
                let (name, op) = parse_brace_param(&inner);
                parts.push(WordPart::Param { name, op, quoted });
            }
            Some('(') => {
                self.bump();
                if self.peek() == Some('(') {
                    let save = self.pos;
                    self.bump();
                    let inner = self.scan_parens()?;
                    if self.peek() == Some(')') {
                        self.bump();
                        parts.push(WordPart::Arith { src: inner, quoted });
                        return Ok(());
                    }
                    // `$( (…) )`: a command substitution starting with a subshell.
                    self.pos = save;
                }
                let src = self.scan_parens()?;
                parts.push(WordPart::CmdSub { src, quoted });
            }
            Some('\'') if !quoted => {
                self.bump();
                let text = self.read_ansi_c()?;
                parts.push(WordPart::Lit { text, quoted: true });
            }
            Some(c) if is_name_start(c) => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if is_name_char(c)) {
                    self.bump();
                }
                let name = self.slice(start, self.pos);
                parts.push(WordPart::Param {
                    name,
                    op: ParamOp::Plain,
                    quoted,
                });
            }
            Some(c) if c.is_ascii_digit() || matches!(c, '?' | '$' | '#' | '@' | '*' | '!' | '-') => {
                self.bump();
                parts.push(WordPart::Param {
                    name: c.to_string(),
                    op: ParamOp::Plain,
                    quoted,
                });
            }
            _ => push_lit(parts, "$", quoted),
        }
        Ok(())
    }

    /// `$'…'` with C escapes (opening quote consumed).
    fn read_ansi_c(&mut self) -> Result<String, ParseError> {
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(unexpected_eof('\'')),
                Some('\'') => return Ok(s),
                Some('\\') => match self.bump() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some('a') => s.push('\x07'),
                    Some('b') => s.push('\x08'),
                    Some('e' | 'E') => s.push('\x1b'),
                    Some('f') => s.push('\x0c'),
                    Some('v') => s.push('\x0b'),
                    Some('0') => s.push('\0'),
                    Some(c) => s.push(c),
                    None => return Err(unexpected_eof('\'')),
                },
                Some(c) => s.push(c),
            }
        }
    }

    /// Reads double-quoted content (opening `"` consumed). With `heredoc`, `"` is an ordinary
    /// character and the end of input ends the text.
    fn read_double(&mut self, parts: &mut Vec<WordPart>, heredoc: bool) -> Result<(), ParseError> {
        // `""` must still produce an (empty) field.
        push_lit(parts, "", true);
        loop {
            match self.bump() {
                None if heredoc => return Ok(()),
                None => return Err(unexpected_eof('"')),
                Some('"') if !heredoc => return Ok(()),
                Some('\\') => match self.peek() {
                    Some('\n') => {
                        self.bump();
                    }
                    Some(c @ ('$' | '`' | '\\')) => {
                        self.bump();
                        push_lit(parts, &c.to_string(), true);
                    }
                    Some('"') if !heredoc => {
                        self.bump();
                        push_lit(parts, "\"", true);
                    }
                    _ => push_lit(parts, "\\", true),
                },
                Some('$') => self.read_dollar(true, parts)?,
                Some('`') => {
                    let src = self.read_backtick()?;
                    parts.push(WordPart::CmdSub { src, quoted: true });
                }
                Some(c) => push_lit(parts, &c.to_string(), true),
            }
        }
    }
}

fn push_lit(parts: &mut Vec<WordPart>, s: &str, quoted: bool) {
    if let Some(WordPart::Lit { text, quoted: q }) = parts.last_mut() {
        if *q == quoted {
            text.push_str(s);
            return;
        }
    }
    parts.push(WordPart::Lit {
        text: s.to_string(),
        quoted,
    });
}

fn parse_brace_param(inner: &str) -> (String, ParamOp) {
    let chars: Vec<char> = inner.chars().collect();
    if chars.first() == Some(&'#') && chars.len() > 1 {
        let name: String = chars.get(1..).map(|c| c.iter().collect()).unwrap_or_default();
        if is_name(&name) || is_special_param(&name) {
            return (name, ParamOp::Length);
        }
        return (String::new(), ParamOp::Bad(inner.to_string()));
    }
    let mut i = 0;
    if matches!(chars.first(), Some(c) if is_name_start(*c)) {
        while matches!(chars.get(i), Some(c) if is_name_char(*c)) {
            i += 1;
        }
    } else if matches!(chars.first(), Some(c) if c.is_ascii_digit()) {
        while matches!(chars.get(i), Some(c) if c.is_ascii_digit()) {
            i += 1;
        }
    } else if matches!(chars.first(), Some(c) if is_special_param(&c.to_string())) {
        i = 1;
    }
    if i == 0 {
        return (String::new(), ParamOp::Bad(inner.to_string()));
    }
    let name: String = chars.get(..i).map(|c| c.iter().collect()).unwrap_or_default();
    let rest: String = chars.get(i..).map(|c| c.iter().collect()).unwrap_or_default();
    if rest.is_empty() {
        return (name, ParamOp::Plain);
    }
    let (colon, after) = match rest.strip_prefix(':') {
        Some(r) => (true, r),
        None => (false, rest.as_str()),
    };
    let op = if let Some(w) = after.strip_prefix('-') {
        ParamOp::Default {
            colon,
            word: w.to_string(),
        }
    } else if let Some(w) = after.strip_prefix('=') {
        ParamOp::Assign {
            colon,
            word: w.to_string(),
        }
    } else if let Some(w) = after.strip_prefix('+') {
        ParamOp::Alt {
            colon,
            word: w.to_string(),
        }
    } else if let Some(w) = after.strip_prefix('?') {
        ParamOp::Error {
            colon,
            word: w.to_string(),
        }
    } else if colon && !after.is_empty() {
        match after.split_once(':') {
            Some((o, l)) => ParamOp::Substring {
                offset: o.to_string(),
                length: Some(l.to_string()),
            },
            None => ParamOp::Substring {
                offset: after.to_string(),
                length: None,
            },
        }
    } else if colon {
        ParamOp::Bad(inner.to_string())
    } else if let Some(p) = rest.strip_prefix("##") {
        ParamOp::TrimPrefix {
            longest: true,
            pattern: p.to_string(),
        }
    } else if let Some(p) = rest.strip_prefix('#') {
        ParamOp::TrimPrefix {
            longest: false,
            pattern: p.to_string(),
        }
    } else if let Some(p) = rest.strip_prefix("%%") {
        ParamOp::TrimSuffix {
            longest: true,
            pattern: p.to_string(),
        }
    } else if let Some(p) = rest.strip_prefix('%') {
        ParamOp::TrimSuffix {
            longest: false,
            pattern: p.to_string(),
        }
    } else if let Some(r) = rest.strip_prefix('/') {
        let (all, r) = match r.strip_prefix('/') {
            Some(r2) => (true, r2),
            None => (false, r),
        };
        let (pattern, replacement) = match r.split_once('/') {
            Some((p, rep)) => (p.to_string(), rep.to_string()),
            None => (r.to_string(), String::new()),
        };
        ParamOp::Replace {
            all,
            pattern,
            replacement,
        }
    } else {
        ParamOp::Bad(inner.to_string())
    };
    (name, op)
}

fn is_special_param(s: &str) -> bool {
    matches!(s, "?" | "$" | "#" | "@" | "*" | "!" | "-" | "0")
}

/// Lexes `s` as the inside of double quotes (here-document bodies, `${x:-word}` operands in
/// double quotes).
pub(crate) fn lex_dquoted_text(s: &str) -> Word {
    let mut sc = Scanner::new(s);
    let mut parts = Vec::new();
    match sc.read_double(&mut parts, true) {
        Ok(()) => Word { parts },
        // Unbalanced `$(`/`${` in a body: keep the text as it is.
        Err(_) => Word {
            parts: vec![WordPart::Lit {
                text: s.to_string(),
                quoted: true,
            }],
        },
    }
}

/// Lexes `s` as one unquoted word where whitespace is literal (`${x:-a b}` operands).
pub(crate) fn lex_operand_word(s: &str) -> Word {
    let mut lx = Lexer::new(s);
    match lx.read_word(true) {
        Ok(word) => word,
        Err(_) => Word {
            parts: vec![WordPart::Lit {
                text: s.to_string(),
                quoted: true,
            }],
        },
    }
}

struct Lexer {
    sc: Scanner,
    pending: Vec<PendingHereDoc>,
    heredocs: Vec<HereDoc>,
    /// Here-documents cut short by the end of input (bash warns and goes on).
    heredoc_warnings: Vec<String>,
    /// Set when the input ended in a way an interactive shell would ask for more.
    soft_incomplete: bool,
    line: usize,
    /// Where the last token began (a char offset): bash reports errors at its line.
    tok_start: usize,
}

impl Lexer {
    fn new(s: &str) -> Self {
        Lexer {
            sc: Scanner::new(s),
            pending: Vec::new(),
            heredocs: Vec::new(),
            heredoc_warnings: Vec::new(),
            soft_incomplete: false,
            line: 1,
            tok_start: 0,
        }
    }

    fn next_tok(&mut self) -> Result<Tok, ParseError> {
        loop {
            self.tok_start = self.sc.pos;
            match self.sc.peek() {
                None => {
                    if !self.pending.is_empty() {
                        self.read_heredoc_bodies();
                    }
                    return Ok(Tok::Eof);
                }
                Some(' ' | '\t' | '\r') => {
                    self.sc.bump();
                }
                Some('\\') if self.sc.peek_at(1) == Some('\n') => {
                    self.sc.bump();
                    self.sc.bump();
                    self.line += 1;
                }
                Some('#') => {
                    while !matches!(self.sc.peek(), None | Some('\n')) {
                        self.sc.bump();
                    }
                }
                Some('\n') => {
                    self.sc.bump();
                    self.line += 1;
                    if !self.pending.is_empty() {
                        self.read_heredoc_bodies();
                    }
                    return Ok(Tok::Newline);
                }
                Some(_) => break,
            }
        }
        if self.sc.starts_with("((") {
            let save = self.sc.pos;
            self.sc.pos += 1;
            let inner = self.sc.scan_parens()?;
            if let Some(expr) = inner.strip_prefix('(').and_then(|i| i.strip_suffix(')')) {
                return Ok(Tok::Arith(expr.to_string()));
            }
            // `( (a) (b) )`-like input: nested subshells after all.
            self.sc.pos = save;
        }
        let proc_sub = self.sc.starts_with("<(");
        for op in OPERATORS.iter().filter(|_| !proc_sub) {
            if self.sc.starts_with(op) {
                self.sc.pos += op.chars().count();
                return Ok(Tok::Op(op));
            }
        }
        let start = self.sc.pos;
        let word = self.read_word(false)?;
        let raw = self.sc.slice(start, self.sc.pos);
        if matches!(self.sc.peek(), Some('<' | '>')) && !raw.is_empty() && raw.chars().all(|c| c.is_ascii_digit()) {
            if let Ok(n) = raw.parse::<u32>() {
                return Ok(Tok::IoNum(n));
            }
        }
        Ok(Tok::Word { word, raw })
    }

    /// Reads one word; with `spaces_literal`, reads to the end of input treating blanks and
    /// operators as text.
    fn read_word(&mut self, spaces_literal: bool) -> Result<Word, ParseError> {
        let mut parts = Vec::new();
        while let Some(c) = self.sc.peek() {
            if c == '<' && self.sc.peek_at(1) == Some('(') && !spaces_literal {
                self.sc.bump();
                self.sc.bump();
                let src = self.sc.scan_parens()?;
                parts.push(WordPart::ProcSub { src });
                continue;
            }
            if is_meta(c) && !spaces_literal {
                break;
            }
            self.sc.bump();
            match c {
                '\\' => match self.sc.bump() {
                    Some('\n') => self.line += 1,
                    Some(n) => push_lit(&mut parts, &n.to_string(), true),
                    None => {
                        // bash keeps a trailing backslash; interactively it asks for more.
                        self.soft_incomplete = true;
                        push_lit(&mut parts, "\\", false);
                    }
                },
                '\'' => {
                    let start = self.sc.pos;
                    self.sc.skip_single()?;
                    let text = self.sc.slice(start, self.sc.pos - 1);
                    self.line += text.matches('\n').count();
                    push_lit(&mut parts, &text, true);
                }
                '"' => {
                    let start = self.sc.pos;
                    self.sc.read_double(&mut parts, false)?;
                    self.line += self.sc.slice(start, self.sc.pos).matches('\n').count();
                }
                '$' => self.sc.read_dollar(false, &mut parts)?,
                '`' => {
                    let src = self.sc.read_backtick()?;
                    parts.push(WordPart::CmdSub { src, quoted: false });
                }
                c => push_lit(&mut parts, &c.to_string(), false),
            }
        }
        Ok(Word { parts })
    }

    fn read_heredoc_bodies(&mut self) {
        let start_line = self.line;
        for pending in std::mem::take(&mut self.pending) {
            let mut body = String::new();
            let mut found = false;
            while self.sc.peek().is_some() {
                let start = self.sc.pos;
                while !matches!(self.sc.peek(), None | Some('\n')) {
                    self.sc.bump();
                }
                let mut line = self.sc.slice(start, self.sc.pos);
                let had_newline = self.sc.bump().is_some();
                self.line += 1;
                if pending.strip_tabs {
                    line = line.trim_start_matches('\t').to_string();
                }
                if line == pending.delim || line.trim_end_matches('\r') == pending.delim {
                    found = true;
                    break;
                }
                body.push_str(&line);
                if had_newline {
                    body.push('\n');
                }
            }
            if !found {
                self.soft_incomplete = true;
                self.heredoc_warnings.push(format!(
                    "warning: here-document at line {} delimited by end-of-file (wanted `{}')",
                    start_line.saturating_sub(1).max(1),
                    pending.delim
                ));
            }
            self.heredocs.push(HereDoc {
                body,
                expand: pending.expand,
            });
        }
    }
}

const RESERVED_END: &[&str] = &["then", "else", "elif", "fi", "do", "done", "}", "esac"];

/// Parses complete commands one at a time.
pub(crate) struct Parser {
    lx: Lexer,
    queue: VecDeque<Tok>,
    aliases: BTreeMap<String, String>,
    /// Alias names being expanded (bash does not expand an alias inside itself).
    expanding: Vec<String>,
    heredoc_base: usize,
    /// Nesting of compound commands: bounds recursion on hostile input.
    depth: usize,
}

/// Deeper nesting than this is refused, so execution fits a 1 MiB wasm stack (bash allows more).
const MAX_NESTING: usize = 40;

/// A step of [`Parser::next_command`].
pub(crate) enum Parsed {
    Command(CompleteCommand),
    Error(ParseError),
    End,
}

impl Parser {
    pub fn new(input: &str, aliases: BTreeMap<String, String>) -> Self {
        Parser {
            lx: Lexer::new(input),
            queue: VecDeque::new(),
            aliases,
            expanding: Vec::new(),
            heredoc_base: 0,
            depth: 0,
        }
    }

    /// Aliases defined by the previous command apply from the next one on.
    pub fn set_aliases(&mut self, aliases: BTreeMap<String, String>) {
        self.aliases = aliases;
    }

    /// Warnings bash prints for here-documents ended by the end of input.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lx.heredoc_warnings)
    }

    /// The char offset where the token the last error is about began.
    pub fn error_position(&self) -> usize {
        self.lx.tok_start
    }

    /// Whether the input so far ended where an interactive shell would prompt for more.
    pub fn soft_incomplete(&self) -> bool {
        self.lx.soft_incomplete
    }

    fn peek(&mut self) -> Result<&Tok, ParseError> {
        if self.queue.is_empty() {
            let t = self.lx.next_tok()?;
            self.queue.push_back(t);
        }
        self.queue.front().ok_or_else(end_of_file)
    }

    fn next(&mut self) -> Result<Tok, ParseError> {
        self.peek()?;
        self.queue.pop_front().ok_or_else(end_of_file)
    }

    fn peek_reserved(&mut self) -> Result<Option<String>, ParseError> {
        Ok(match self.peek()? {
            Tok::Word { word, .. } => word.plain().map(str::to_string),
            _ => None,
        })
    }

    fn unexpected(tok: &Tok) -> ParseError {
        match tok {
            Tok::Eof => end_of_file(),
            t => ParseError::Syntax(format!("syntax error near unexpected token `{}'", t.describe())),
        }
    }

    /// Parses the next top-level command (a list ended by a newline or the end of input).
    pub fn next_command(&mut self) -> Parsed {
        match self.try_next_command() {
            Ok(Some(c)) => Parsed::Command(c),
            Ok(None) => Parsed::End,
            Err(e) => {
                if matches!(e, ParseError::Syntax(_)) {
                    self.skip_line();
                }
                Parsed::Error(e)
            }
        }
    }

    /// After a syntax error an interactive bash drops the rest of the line.
    fn skip_line(&mut self) {
        if matches!(self.queue.back(), Some(Tok::Newline | Tok::Eof)) {
            self.queue.clear();
            return;
        }
        self.queue.clear();
        while let Some(c) = self.lx.sc.bump() {
            if c == '\n' {
                self.lx.line += 1;
                break;
            }
        }
        self.lx.pending.clear();
    }

    fn try_next_command(&mut self) -> Result<Option<CompleteCommand>, ParseError> {
        loop {
            match self.peek()? {
                Tok::Newline => {
                    self.next()?;
                }
                Tok::Eof => return Ok(None),
                _ => break,
            }
        }
        self.heredoc_base = self.lx.heredocs.len() + self.lx.pending.len();
        let mut list = List::default();
        loop {
            let item = self.and_or()?;
            list.items.push(item);
            match self.peek()? {
                Tok::Op(";" | "&") => {
                    self.next()?;
                    if matches!(self.peek()?, Tok::Newline | Tok::Eof) {
                        self.next()?;
                        break;
                    }
                }
                Tok::Newline | Tok::Eof => {
                    self.next()?;
                    break;
                }
                t => return Err(Self::unexpected(&t.clone())),
            }
        }
        let heredocs = self
            .lx
            .heredocs
            .get(self.heredoc_base..)
            .map(|h| h.to_vec())
            .unwrap_or_default();
        Ok(Some(CompleteCommand { list, heredocs }))
    }

    fn linebreak(&mut self) -> Result<(), ParseError> {
        while matches!(self.peek()?, Tok::Newline) {
            self.next()?;
        }
        Ok(())
    }

    fn and_or(&mut self) -> Result<AndOr, ParseError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            let and = match self.peek()? {
                Tok::Op("&&") => true,
                Tok::Op("||") => false,
                _ => break,
            };
            self.next()?;
            self.linebreak()?;
            rest.push((and, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let mut negate = false;
        let mut timed = false;
        if self.peek_reserved()?.as_deref() == Some("time") {
            self.next()?;
            timed = true;
            if self.peek_reserved()?.as_deref() == Some("-p") {
                self.next()?;
            }
        }
        if self.peek_reserved()?.as_deref() == Some("!") {
            self.next()?;
            negate = true;
        }
        let mut cmds = vec![self.command()?];
        while matches!(self.peek()?, Tok::Op("|")) {
            self.next()?;
            self.linebreak()?;
            cmds.push(self.command()?);
        }
        Ok(Pipeline { negate, timed, cmds })
    }

    /// A list inside a compound command, ended by one of `ends` (reserved words) or `)`.
    fn compound_list(&mut self, ends: &[&str]) -> Result<List, ParseError> {
        let mut list = List::default();
        self.linebreak()?;
        loop {
            if let Some(w) = self.peek_reserved()? {
                if ends.contains(&w.as_str()) {
                    break;
                }
            }
            match self.peek()? {
                Tok::Op(")") if ends.contains(&")") => break,
                Tok::Op(";;") if ends.contains(&";;") => break,
                Tok::Eof => return Err(end_of_file()),
                _ => {}
            }
            list.items.push(self.and_or()?);
            match self.peek()? {
                Tok::Op(";" | "&") | Tok::Newline => {
                    self.next()?;
                    self.linebreak()?;
                }
                _ => {}
            }
        }
        // A case branch may be empty (`x) ;;`).
        if list.items.is_empty() && !ends.contains(&";;") {
            let t = self.peek()?.clone();
            return Err(Self::unexpected(&t));
        }
        Ok(list)
    }

    fn case_command(&mut self) -> Result<Command, ParseError> {
        self.next()?;
        let word = match self.next()? {
            Tok::Word { word, .. } => word,
            t => return Err(Self::unexpected(&t)),
        };
        self.linebreak()?;
        self.expect_reserved("in")?;
        let mut items = Vec::new();
        loop {
            self.linebreak()?;
            if self.peek_reserved()?.as_deref() == Some("esac") {
                self.next()?;
                break;
            }
            if matches!(self.peek()?, Tok::Op("(")) {
                self.next()?;
            }
            let mut patterns = Vec::new();
            loop {
                match self.next()? {
                    Tok::Word { word, .. } => patterns.push(word),
                    t => return Err(Self::unexpected(&t)),
                }
                match self.next()? {
                    Tok::Op("|") => {}
                    Tok::Op(")") => break,
                    t => return Err(Self::unexpected(&t)),
                }
            }
            let body = self.compound_list(&["esac", ";;"])?;
            items.push((patterns, body));
            match self.peek()? {
                Tok::Op(";;") => {
                    self.next()?;
                }
                Tok::Eof => return Err(end_of_file()),
                _ => {}
            }
        }
        let redirs = self.redirects()?;
        Ok(Command::Case { word, items, redirs })
    }

    fn expect_reserved(&mut self, w: &str) -> Result<(), ParseError> {
        if self.peek_reserved()?.as_deref() == Some(w) {
            self.next()?;
            Ok(())
        } else {
            let t = self.peek()?.clone();
            Err(Self::unexpected(&t))
        }
    }

    fn command(&mut self) -> Result<Command, ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(ParseError::Syntax("maximum nesting depth exceeded".to_string()));
        }
        self.depth += 1;
        let result = self.command_inner();
        self.depth -= 1;
        result
    }

    fn command_inner(&mut self) -> Result<Command, ParseError> {
        if let Some(w) = self.peek_reserved()? {
            match w.as_str() {
                "{" => {
                    self.next()?;
                    let body = self.compound_list(&["}"])?;
                    self.expect_reserved("}")?;
                    let redirs = self.redirects()?;
                    return Ok(Command::Group {
                        body,
                        subshell: false,
                        redirs,
                    });
                }
                "for" => return self.for_command(),
                "case" => return self.case_command(),
                "[[" => {
                    self.next()?;
                    let mut tokens = Vec::new();
                    loop {
                        let t = match self.next()? {
                            Tok::Word { word, .. } if word.plain() == Some("]]") => break,
                            Tok::Word { word, .. } => CondTok::Word(word),
                            Tok::IoNum(n) => CondTok::Word(Word {
                                parts: vec![WordPart::Lit {
                                    text: n.to_string(),
                                    quoted: false,
                                }],
                            }),
                            Tok::Op("&&") => CondTok::And,
                            Tok::Op("||") => CondTok::Or,
                            Tok::Op("(") => CondTok::Open,
                            Tok::Op(")") => CondTok::Close,
                            Tok::Op("<") => CondTok::Less,
                            Tok::Op(">") => CondTok::Greater,
                            Tok::Newline => continue,
                            t => return Err(Self::unexpected(&t)),
                        };
                        tokens.push(t);
                    }
                    if tokens.is_empty() {
                        return Err(ParseError::Syntax(
                            "syntax error near unexpected token `]]'".to_string(),
                        ));
                    }
                    let redirs = self.redirects()?;
                    return Ok(Command::Cond { tokens, redirs });
                }
                "function" => {
                    self.next()?;
                    let name = match self.next()? {
                        Tok::Word { word, raw } => word
                            .plain()
                            .map(str::to_string)
                            .ok_or_else(|| ParseError::Syntax(format!("`{raw}': not a valid identifier")))?,
                        t => return Err(Self::unexpected(&t)),
                    };
                    if matches!(self.peek()?, Tok::Op("(")) {
                        self.next()?;
                        match self.next()? {
                            Tok::Op(")") => {}
                            t => return Err(Self::unexpected(&t)),
                        }
                    }
                    return self.function_body(name);
                }
                "if" => return self.if_command(),
                "while" | "until" => {
                    self.next()?;
                    let cond = self.compound_list(&["do"])?;
                    self.expect_reserved("do")?;
                    let body = self.compound_list(&["done"])?;
                    self.expect_reserved("done")?;
                    let redirs = self.redirects()?;
                    return Ok(Command::While {
                        cond,
                        body,
                        until: w == "until",
                        redirs,
                    });
                }
                w if RESERVED_END.contains(&w) => {
                    let t = self.peek()?.clone();
                    return Err(Self::unexpected(&t));
                }
                _ => {}
            }
        }
        if let Tok::Arith(expr) = self.peek()? {
            let expr = expr.clone();
            self.next()?;
            let redirs = self.redirects()?;
            return Ok(Command::Arith { expr, redirs });
        }
        if matches!(self.peek()?, Tok::Op("(")) {
            self.next()?;
            let body = self.compound_list(&[")"])?;
            match self.next()? {
                Tok::Op(")") => {}
                t => return Err(Self::unexpected(&t)),
            }
            let redirs = self.redirects()?;
            return Ok(Command::Group {
                body,
                subshell: true,
                redirs,
            });
        }
        self.simple_command()
    }

    /// The compound command after `name()`.
    fn function_body(&mut self, name: String) -> Result<Command, ParseError> {
        self.linebreak()?;
        let compound = match self.peek()? {
            Tok::Op("(") => true,
            Tok::Word { word, .. } => matches!(word.plain(), Some("{" | "for" | "if" | "while" | "until" | "case")),
            Tok::Eof => return Err(end_of_file()),
            _ => false,
        };
        if !compound {
            let t = self.peek()?.clone();
            return Err(Self::unexpected(&t));
        }
        let body = self.command()?;
        Ok(Command::Function {
            name,
            body: Box::new(body),
        })
    }

    fn for_command(&mut self) -> Result<Command, ParseError> {
        self.next()?;
        let var = match self.next()? {
            Tok::Word { raw, .. } if is_name(&raw) => raw,
            t => {
                return Err(match t {
                    Tok::Eof => end_of_file(),
                    t => ParseError::Syntax(format!("`{}': not a valid identifier", t.describe())),
                })
            }
        };
        while matches!(self.peek()?, Tok::Newline) {
            self.next()?;
        }
        let mut items = None;
        if self.peek_reserved()?.as_deref() == Some("in") {
            self.next()?;
            let mut list = Vec::new();
            while let Tok::Word { .. } = self.peek()? {
                if let Tok::Word { word, .. } = self.next()? {
                    list.push(word);
                }
            }
            items = Some(list);
        }
        match self.peek()? {
            Tok::Op(";") | Tok::Newline => {
                self.next()?;
                self.linebreak()?;
            }
            _ => {}
        }
        self.expect_reserved("do")?;
        let body = self.compound_list(&["done"])?;
        self.expect_reserved("done")?;
        let redirs = self.redirects()?;
        Ok(Command::For {
            var,
            items,
            body,
            redirs,
        })
    }

    fn if_command(&mut self) -> Result<Command, ParseError> {
        self.next()?;
        let mut branches = Vec::new();
        let mut otherwise = None;
        loop {
            let cond = self.compound_list(&["then"])?;
            self.expect_reserved("then")?;
            let body = self.compound_list(&["elif", "else", "fi"])?;
            branches.push((cond, body));
            match self.peek_reserved()?.as_deref() {
                Some("elif") => {
                    self.next()?;
                }
                Some("else") => {
                    self.next()?;
                    otherwise = Some(self.compound_list(&["fi"])?);
                    self.expect_reserved("fi")?;
                    break;
                }
                _ => {
                    self.expect_reserved("fi")?;
                    break;
                }
            }
        }
        let redirs = self.redirects()?;
        Ok(Command::If {
            branches,
            otherwise,
            redirs,
        })
    }

    fn redirects(&mut self) -> Result<Vec<Redirect>, ParseError> {
        let mut redirs = Vec::new();
        while let Some(r) = self.try_redirect()? {
            redirs.push(r);
        }
        Ok(redirs)
    }

    fn try_redirect(&mut self) -> Result<Option<Redirect>, ParseError> {
        let fd = match self.peek()? {
            Tok::IoNum(n) => {
                let n = *n;
                self.next()?;
                Some(n)
            }
            _ => None,
        };
        let op = match self.peek()? {
            Tok::Op(op @ ("<" | ">" | ">>" | ">|" | ">&" | "<&" | "&>" | "&>>" | "<<" | "<<-" | "<<<" | "<>")) => *op,
            t => {
                if fd.is_some() {
                    let t = t.clone();
                    return Err(Self::unexpected(&t));
                }
                return Ok(None);
            }
        };
        self.next()?;
        let (word, raw) = match self.next()? {
            Tok::Word { word, raw } => (word, raw),
            Tok::IoNum(n) => (
                Word {
                    parts: vec![WordPart::Lit {
                        text: n.to_string(),
                        quoted: false,
                    }],
                },
                n.to_string(),
            ),
            t => return Err(Self::unexpected(&if t == Tok::Eof { Tok::Newline } else { t })),
        };
        let _ = raw;
        let op = match op {
            "<" | "<>" => RedirOp::In,
            ">" | ">|" => RedirOp::Out,
            ">>" => RedirOp::Append,
            ">&" => {
                let t = word.literal_text();
                if fd.is_none() && !(t == "-" || t.chars().all(|c| c.is_ascii_digit())) {
                    RedirOp::OutErr
                } else {
                    RedirOp::DupOut
                }
            }
            "<&" => RedirOp::DupIn,
            "&>" => RedirOp::OutErr,
            "&>>" => RedirOp::AppendOutErr,
            "<<<" => RedirOp::HereString,
            _ => {
                let delim = word.literal_text();
                let expand = !word.has_quotes();
                let index = self.lx.heredocs.len() + self.lx.pending.len() - self.heredoc_base;
                self.lx.pending.push(PendingHereDoc {
                    delim,
                    strip_tabs: op == "<<-",
                    expand,
                });
                RedirOp::HereDoc(index)
            }
        };
        Ok(Some(Redirect { fd, op, target: word }))
    }

    fn simple_command(&mut self) -> Result<Command, ParseError> {
        let mut assigns = Vec::new();
        let mut words: Vec<Word> = Vec::new();
        let mut redirs = Vec::new();
        let mut check_alias = true;
        loop {
            if let Some(r) = self.try_redirect()? {
                redirs.push(r);
                continue;
            }
            if !matches!(self.peek()?, Tok::Word { .. }) {
                break;
            }
            let Tok::Word { word, raw } = self.next()? else { break };
            if words.is_empty() {
                if let Some((name, value)) = split_assignment(&word) {
                    assigns.push((name, value));
                    continue;
                }
            }
            if check_alias && words.is_empty() {
                if let Some(plain) = word.plain() {
                    if let Some(value) = self.aliases.get(plain) {
                        if !self.expanding.iter().any(|e| e == plain) {
                            let value = value.clone();
                            self.expanding.push(plain.to_string());
                            check_alias = value.ends_with(' ');
                            self.push_alias_tokens(&value);
                            continue;
                        }
                    }
                }
                check_alias = false;
            } else if check_alias {
                // An alias ending in a blank also expands the next word.
                check_alias = false;
                if let Some(value) = word.plain().and_then(|p| self.aliases.get(p)).cloned() {
                    let _ = raw;
                    check_alias = value.ends_with(' ');
                    self.push_alias_tokens(&value);
                    continue;
                }
            }
            words.push(word);
            if words.len() == 1 && assigns.is_empty() && redirs.is_empty() && matches!(self.peek()?, Tok::Op("(")) {
                self.next()?;
                match self.next()? {
                    Tok::Op(")") => {}
                    Tok::Eof | Tok::Newline => {
                        return Err(ParseError::Syntax(
                            "syntax error near unexpected token `newline'".to_string(),
                        ))
                    }
                    t => return Err(Self::unexpected(&t)),
                }
                let name = words.first().and_then(Word::plain).map(str::to_string);
                let Some(name) = name else {
                    return Err(ParseError::Syntax(format!("`{raw}': not a valid identifier")));
                };
                return self.function_body(name);
            }
        }
        if assigns.is_empty() && words.is_empty() && redirs.is_empty() {
            let t = self.peek()?.clone();
            return Err(Self::unexpected(&t));
        }
        self.expanding.clear();
        Ok(Command::Simple { assigns, words, redirs })
    }

    fn push_alias_tokens(&mut self, value: &str) {
        let mut lx = Lexer::new(value);
        let mut toks = Vec::new();
        while let Ok(t) = lx.next_tok() {
            if t == Tok::Eof {
                break;
            }
            toks.push(t);
        }
        for t in toks.into_iter().rev() {
            self.queue.push_front(t);
        }
    }
}

/// `NAME=value` at the start of a simple command.
fn split_assignment(word: &Word) -> Option<(String, Word)> {
    let Some(WordPart::Lit { text, quoted: false }) = word.parts.first() else {
        return None;
    };
    let (name, rest) = text.split_once('=')?;
    if !is_name(name) {
        return None;
    }
    let mut parts = Vec::new();
    if !rest.is_empty() {
        parts.push(WordPart::Lit {
            text: rest.to_string(),
            quoted: false,
        });
    }
    parts.extend(word.parts.iter().skip(1).cloned());
    Some((name.to_string(), Word { parts }))
}

/// Whether `input` is a complete command sequence, i.e. an interactive shell would run it
/// rather than print a `>` prompt asking for more (open quote, here-document, trailing `|`,
/// `&&`, backslash, unfinished `for`/`if`/`{`).
pub fn is_complete(input: &str) -> bool {
    let input = input.replace("\r\n", "\n");
    let mut p = Parser::new(&input, BTreeMap::new());
    loop {
        match p.next_command() {
            Parsed::Command(_) => {}
            Parsed::Error(ParseError::Incomplete(_)) => return false,
            Parsed::Error(ParseError::Syntax(_)) => {}
            Parsed::End => return !p.soft_incomplete(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> WordPart {
        WordPart::Lit {
            text: s.to_string(),
            quoted: false,
        }
    }
    fn qlit(s: &str) -> WordPart {
        WordPart::Lit {
            text: s.to_string(),
            quoted: true,
        }
    }

    fn parse_all(input: &str) -> Vec<Result<CompleteCommand, ParseError>> {
        let aliases: BTreeMap<String, String> = [("k".to_string(), "kubectl".to_string())].into();
        let mut p = Parser::new(input, aliases);
        let mut out = Vec::new();
        loop {
            match p.next_command() {
                Parsed::Command(c) => out.push(Ok(c)),
                Parsed::Error(e) => out.push(Err(e)),
                Parsed::End => return out,
            }
        }
    }

    fn simple_words(input: &str) -> Vec<Vec<WordPart>> {
        let cmds = parse_all(input);
        let Ok(c) = &cmds[0] else { panic!("{cmds:?}") };
        let Command::Simple { words, .. } = &c.list.items[0].first.cmds[0] else {
            panic!()
        };
        words.iter().map(|w| w.parts.clone()).collect()
    }

    #[test]
    fn words_keep_their_quoting() {
        let cases: Vec<(&str, Vec<Vec<WordPart>>)> = vec![
            ("echo a  b", vec![vec![lit("echo")], vec![lit("a")], vec![lit("b")]]),
            ("echo 'a b'", vec![vec![lit("echo")], vec![qlit("a b")]]),
            ("echo \"a\\\"b\"", vec![vec![lit("echo")], vec![qlit("a\"b")]]),
            ("echo \"\\x\"", vec![vec![lit("echo")], vec![qlit("\\x")]]),
            (
                "echo a\\ b",
                vec![vec![lit("echo")], vec![lit("a"), qlit(" "), lit("b")]],
            ),
            (
                "echo x'y'z",
                vec![vec![lit("echo")], vec![lit("x"), qlit("y"), lit("z")]],
            ),
            (
                "echo $HOME",
                vec![
                    vec![lit("echo")],
                    vec![WordPart::Param {
                        name: "HOME".into(),
                        op: ParamOp::Plain,
                        quoted: false,
                    }],
                ],
            ),
            (
                "echo \"$?\"",
                vec![
                    vec![lit("echo")],
                    vec![
                        qlit(""),
                        WordPart::Param {
                            name: "?".into(),
                            op: ParamOp::Plain,
                            quoted: true,
                        },
                    ],
                ],
            ),
            (
                "echo $(kubectl get pods -o name | head -1)",
                vec![
                    vec![lit("echo")],
                    vec![WordPart::CmdSub {
                        src: "kubectl get pods -o name | head -1".into(),
                        quoted: false,
                    }],
                ],
            ),
            (
                "echo `date`",
                vec![
                    vec![lit("echo")],
                    vec![WordPart::CmdSub {
                        src: "date".into(),
                        quoted: false,
                    }],
                ],
            ),
            (
                "echo $((1+2))",
                vec![
                    vec![lit("echo")],
                    vec![WordPart::Arith {
                        src: "1+2".into(),
                        quoted: false,
                    }],
                ],
            ),
            ("echo a#b # comment", vec![vec![lit("echo")], vec![lit("a#b")]]),
            ("echo $'a\\tb'", vec![vec![lit("echo")], vec![qlit("a\tb")]]),
            ("echo a\\\nb", vec![vec![lit("echo")], vec![lit("ab")]]),
            ("echo $", vec![vec![lit("echo")], vec![lit("$")]]),
        ];
        for (input, want) in cases {
            assert_eq!(simple_words(input), want, "{input}");
        }
    }

    #[test]
    fn brace_parameters_are_classified() {
        let cases = [
            ("X", "X", ParamOp::Plain),
            ("#X", "X", ParamOp::Length),
            (
                "X:-a b",
                "X",
                ParamOp::Default {
                    colon: true,
                    word: "a b".into(),
                },
            ),
            (
                "X-a",
                "X",
                ParamOp::Default {
                    colon: false,
                    word: "a".into(),
                },
            ),
            (
                "X:=v",
                "X",
                ParamOp::Assign {
                    colon: true,
                    word: "v".into(),
                },
            ),
            (
                "X:+v",
                "X",
                ParamOp::Alt {
                    colon: true,
                    word: "v".into(),
                },
            ),
            (
                "X##*/",
                "X",
                ParamOp::TrimPrefix {
                    longest: true,
                    pattern: "*/".into(),
                },
            ),
            (
                "X%.*",
                "X",
                ParamOp::TrimSuffix {
                    longest: false,
                    pattern: ".*".into(),
                },
            ),
            (
                "X//a/b",
                "X",
                ParamOp::Replace {
                    all: true,
                    pattern: "a".into(),
                    replacement: "b".into(),
                },
            ),
            ("1", "1", ParamOp::Plain),
            ("X:", "X", ParamOp::Bad("X:".into())),
            (
                "X:1:2",
                "X",
                ParamOp::Substring {
                    offset: "1".into(),
                    length: Some("2".into()),
                },
            ),
            (
                "X: -3",
                "X",
                ParamOp::Substring {
                    offset: " -3".into(),
                    length: None,
                },
            ),
            ("", "", ParamOp::Bad("".into())),
        ];
        for (inner, name, op) in cases {
            assert_eq!(parse_brace_param(inner), (name.to_string(), op), "{inner}");
        }
    }

    #[test]
    fn syntax_errors_name_the_token_as_bash_does() {
        let cases = [
            ("| foo", "syntax error near unexpected token `|'"),
            ("echo ;;", "syntax error near unexpected token `;;'"),
            ("echo a; ; b", "syntax error near unexpected token `;'"),
            ("echo a && && b", "syntax error near unexpected token `&&'"),
            ("echo >", "syntax error near unexpected token `newline'"),
            (")", "syntax error near unexpected token `)'"),
            ("echo > | x", "syntax error near unexpected token `|'"),
            ("done", "syntax error near unexpected token `done'"),
            ("echo (", "syntax error near unexpected token `newline'"),
            ("echo a (", "syntax error near unexpected token `('"),
            ("f() echo x", "syntax error near unexpected token `echo'"),
            ("esac", "syntax error near unexpected token `esac'"),
            (
                "case x in a) echo;; b echo;; esac",
                "syntax error near unexpected token `echo'",
            ),
        ];
        for (input, msg) in cases {
            let got = parse_all(input);
            assert!(
                got.iter().any(|r| r == &Err(ParseError::Syntax(msg.to_string()))),
                "{input}: {got:?}"
            );
        }
    }

    #[test]
    fn unfinished_input_reports_what_bash_prints_at_end_of_file() {
        let cases = [
            ("echo 'abc", "unexpected EOF while looking for matching `''"),
            ("echo \"abc", "unexpected EOF while looking for matching `\"'"),
            ("echo $(ls", "unexpected EOF while looking for matching `)'"),
            ("echo `ls", "unexpected EOF while looking for matching ``'"),
            ("echo a |", "syntax error: unexpected end of file"),
            ("echo a &&", "syntax error: unexpected end of file"),
            ("for i in 1 2; do echo $i", "syntax error: unexpected end of file"),
        ];
        for (input, msg) in cases {
            assert_eq!(
                parse_all(input).last(),
                Some(&Err(ParseError::Incomplete(msg.to_string()))),
                "{input}"
            );
        }
    }

    #[test]
    fn completeness_follows_interactive_bash() {
        let cases = [
            ("", true),
            ("kubectl get pods", true),
            ("echo 'a", false),
            ("echo \"a\nb\"", true),
            ("echo a |", false),
            ("echo a |\ngrep a", true),
            ("echo a \\", false),
            ("kubectl apply -f - <<EOF", false),
            ("kubectl apply -f - <<EOF\nkind: Pod\n", false),
            ("kubectl apply -f - <<EOF\nkind: Pod\nEOF", true),
            ("cat <<'EOF' | kubectl apply -f -\na: $b\nEOF\n", true),
            ("for i in 1 2; do", false),
            ("for i in 1 2; do echo $i; done", true),
            ("if true; then echo a; fi", true),
            ("{ echo a", false),
            ("case $x in", false),
            ("case $x in a) echo a;;", false),
            ("case $x in a) echo a;; esac", true),
            ("((x++))", true),
            ("((x++", false),
            ("[[ a == a", false),
            ("[[ a == a ]]", true),
            ("echo a; |", true),
            ("\u{0}\u{1}\u{fffd}", true),
        ];
        for (input, want) in cases {
            assert_eq!(is_complete(input), want, "{input:?}");
        }
    }

    #[test]
    fn here_documents_collect_their_bodies() {
        let cmds = parse_all("cat <<EOF | kubectl apply -f -\nkind: $K\n  x\nEOF\necho done\n");
        assert_eq!(cmds.len(), 2);
        let Ok(first) = &cmds[0] else { panic!() };
        assert_eq!(
            first.heredocs,
            vec![HereDoc {
                body: "kind: $K\n  x\n".into(),
                expand: true
            }]
        );
        let cmds = parse_all("cat <<-'END'\n\tkeep $X\n\tEND\n");
        let Ok(first) = &cmds[0] else { panic!() };
        assert_eq!(
            first.heredocs,
            vec![HereDoc {
                body: "keep $X\n".into(),
                expand: false
            }]
        );
        // Two here-documents on one line are read in order.
        let cmds = parse_all("cat <<A; cat <<B\n1\nA\n2\nB\n");
        let Ok(first) = &cmds[0] else { panic!() };
        assert_eq!(first.heredocs.len(), 2);
        assert_eq!(first.heredocs[1].body, "2\n");
        // The second command's here-document index starts at 0 again.
        let cmds = parse_all("cat <<A\n1\nA\ncat <<B\n2\nB\n");
        let Ok(second) = &cmds[1] else { panic!() };
        let Command::Simple { redirs, .. } = &second.list.items[0].first.cmds[0] else {
            panic!()
        };
        assert_eq!(redirs[0].op, RedirOp::HereDoc(0));
        assert_eq!(second.heredocs[0].body, "2\n");
    }

    #[test]
    fn aliases_expand_in_command_position_only() {
        let words = simple_words("k get k");
        assert_eq!(words, vec![vec![lit("kubectl")], vec![lit("get")], vec![lit("k")]]);
        let words = simple_words("'k' get");
        assert_eq!(words[0], vec![qlit("k")]);
    }

    #[test]
    fn assignments_and_redirections_are_split_from_words() {
        let cmds = parse_all("A=1 B=\"x y\" cmd 2>&1 >out.txt arg");
        let Ok(c) = &cmds[0] else { panic!() };
        let Command::Simple { assigns, words, redirs } = &c.list.items[0].first.cmds[0] else {
            panic!()
        };
        assert_eq!(assigns.len(), 2);
        assert_eq!(assigns[1].1.parts, vec![qlit("x y")]);
        assert_eq!(words.len(), 2);
        assert_eq!(redirs[0].fd, Some(2));
        assert_eq!(redirs[0].op, RedirOp::DupOut);
        assert_eq!(redirs[1].op, RedirOp::Out);
    }

    #[test]
    fn operators_build_and_or_lists_and_pipelines() {
        let cmds = parse_all("a | b && c || d; e");
        let Ok(c) = &cmds[0] else { panic!() };
        assert_eq!(c.list.items.len(), 2);
        assert_eq!(c.list.items[0].first.cmds.len(), 2);
        assert_eq!(
            c.list.items[0].rest.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![true, false]
        );
    }
}
