//! A small awk with mawk's behaviour (Ubuntu's default awk): patterns and actions, fields,
//! NR/NF/FS/OFS, print/printf, if/while/for, associative arrays, the common string functions.
//! Enough for `awk '{print $1}'`, `awk -F: 'NR>1 {print $2}'`, `awk '{s+=$3} END {print s}'`.

use std::collections::BTreeMap;

use kubectl::Output;

use crate::regex::Regex;
use crate::text::{lines, Io};

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Re(String),
    Name(String),
    Func(String),
    Op(&'static str),
    Newline,
}

const OPS: &[&str] = &[
    "&&", "||", "==", "!=", "<=", ">=", "!~", "++", "--", "+=", "-=", "*=", "/=", "%=", "^=", "{", "}", "(", ")", "[",
    "]", ";", ",", "+", "-", "*", "/", "%", "^", "!", ">", "<", "~", "?", ":", "=", "$",
];

const BUILTIN_FUNCS: &[&str] = &[
    "length", "substr", "index", "split", "sub", "gsub", "match", "tolower", "toupper", "sprintf", "int", "sqrt",
    "system",
];

fn lex(src: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks: Vec<Tok> = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        // A `/` starts a regex where an operand is expected.
        let operand_before = matches!(
            toks.last(),
            Some(Tok::Num(_) | Tok::Str(_) | Tok::Name(_) | Tok::Re(_) | Tok::Op(")" | "]" | "$" | "++" | "--"))
        );
        match c {
            ' ' | '\t' | '\r' => i += 1,
            '\\' if chars.get(i + 1) == Some(&'\n') => i += 2,
            '\n' => {
                toks.push(Tok::Newline);
                i += 1;
            }
            '#' => {
                while chars.get(i).is_some_and(|c| *c != '\n') {
                    i += 1;
                }
            }
            '"' => {
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None | Some('\n') => return Err("runaway string constant".to_string()),
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            i += 1;
                            match chars.get(i) {
                                Some('n') => s.push('\n'),
                                Some('t') => s.push('\t'),
                                Some('r') => s.push('\r'),
                                Some('\\') => s.push('\\'),
                                Some('"') => s.push('"'),
                                Some('/') => s.push('/'),
                                Some(o) => {
                                    s.push('\\');
                                    s.push(*o);
                                }
                                None => return Err("runaway string constant".to_string()),
                            }
                            i += 1;
                        }
                        Some(c) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                toks.push(Tok::Str(s));
            }
            '/' if !operand_before => {
                i += 1;
                let mut s = String::new();
                loop {
                    match chars.get(i) {
                        None | Some('\n') => return Err("runaway regular expression".to_string()),
                        Some('/') => {
                            i += 1;
                            break;
                        }
                        Some('\\') if chars.get(i + 1) == Some(&'/') => {
                            s.push('/');
                            i += 2;
                        }
                        Some(c) => {
                            s.push(*c);
                            i += 1;
                        }
                    }
                }
                toks.push(Tok::Re(s));
            }
            c if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) => {
                let start = i;
                while chars.get(i).is_some_and(|c| c.is_ascii_digit() || *c == '.') {
                    i += 1;
                }
                if matches!(chars.get(i), Some('e' | 'E'))
                    && chars.get(i + 1).is_some_and(|c| c.is_ascii_digit() || *c == '-')
                {
                    i += 2;
                    while chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
                        i += 1;
                    }
                }
                let text: String = chars.get(start..i).unwrap_or(&[]).iter().collect();
                toks.push(Tok::Num(text.parse().unwrap_or(0.0)));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while chars.get(i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    i += 1;
                }
                let name: String = chars.get(start..i).unwrap_or(&[]).iter().collect();
                if BUILTIN_FUNCS.contains(&name.as_str()) {
                    toks.push(Tok::Func(name));
                } else {
                    toks.push(Tok::Name(name));
                }
            }
            _ => {
                let rest: String = chars.get(i..(i + 2).min(chars.len())).unwrap_or(&[]).iter().collect();
                let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) else {
                    return Err(format!("syntax error at or near {c}"));
                };
                toks.push(Tok::Op(op));
                i += op.chars().count();
            }
        }
    }
    Ok(toks)
}

#[derive(Debug, Clone)]
enum Expr {
    Num(f64),
    Str(String),
    Re(String),
    Var(String),
    Field(Box<Expr>),
    Index(String, Box<Expr>),
    In(Box<Expr>, String),
    Assign(&'static str, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Match(bool, Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Incr(bool, i8, Box<Expr>),
    Concat(Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

#[derive(Debug, Clone)]
enum Stmt {
    /// `print args [> target]`.
    Print(Vec<Expr>, Option<Expr>),
    Printf(Vec<Expr>, Option<Expr>),
    Expr(Expr),
    If(Expr, Box<Stmt>, Option<Box<Stmt>>),
    While(Expr, Box<Stmt>),
    For(Option<Box<Stmt>>, Option<Expr>, Option<Box<Stmt>>, Box<Stmt>),
    ForIn(String, String, Box<Stmt>),
    Block(Vec<Stmt>),
    Next,
    Exit(Option<Expr>),
    Delete(String, Option<Expr>),
}

#[derive(Debug, Clone)]
enum Pattern {
    Begin,
    End,
    All,
    Expr(Expr),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    /// Inside `print` arguments `>` is a redirection, not a comparison.
    no_gt: bool,
    /// Inside `for (… in …)` detection, `in` must not be consumed as an operator.
    no_in: bool,
    depth: usize,
}

type PResult<T> = Result<T, String>;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Some(Tok::Op(o)) if *o == op)
    }
    fn is_name(&self, n: &str) -> bool {
        matches!(self.peek(), Some(Tok::Name(x)) if x == n)
    }
    fn err(&self) -> String {
        match self.peek() {
            None => "syntax error at or near end of file".to_string(),
            Some(Tok::Newline) => "syntax error at or near end of line".to_string(),
            Some(Tok::Op(o)) => format!("syntax error at or near {o}"),
            Some(Tok::Name(n) | Tok::Func(n)) => format!("syntax error at or near {n}"),
            Some(Tok::Num(n)) => format!("syntax error at or near {n}"),
            Some(Tok::Str(s)) => format!("syntax error at or near \"{s}\""),
            Some(Tok::Re(r)) => format!("syntax error at or near /{r}/"),
        }
    }
    fn expect(&mut self, op: &str) -> PResult<()> {
        if self.is_op(op) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err())
        }
    }
    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Some(Tok::Newline)) || self.is_op(";") {
            self.pos += 1;
        }
    }
    fn opt_newlines(&mut self) {
        while matches!(self.peek(), Some(Tok::Newline)) {
            self.pos += 1;
        }
    }

    fn program(&mut self) -> PResult<Vec<(Pattern, Option<Vec<Stmt>>)>> {
        let mut items = Vec::new();
        self.skip_newlines();
        while self.peek().is_some() {
            let pattern = if self.is_name("BEGIN") {
                self.pos += 1;
                Pattern::Begin
            } else if self.is_name("END") {
                self.pos += 1;
                Pattern::End
            } else if self.is_op("{") {
                Pattern::All
            } else {
                Pattern::Expr(self.expr()?)
            };
            let action = if self.is_op("{") { Some(self.block()?) } else { None };
            if action.is_none() && matches!(pattern, Pattern::Begin | Pattern::End) {
                return Err(self.err());
            }
            items.push((pattern, action));
            self.skip_newlines();
        }
        Ok(items)
    }

    fn block(&mut self) -> PResult<Vec<Stmt>> {
        self.expect("{")?;
        let mut stmts = Vec::new();
        self.skip_newlines();
        while !self.is_op("}") {
            if self.peek().is_none() {
                return Err(self.err());
            }
            stmts.push(self.stmt()?);
            self.skip_newlines();
        }
        self.pos += 1;
        Ok(stmts)
    }

    fn simple_or_block(&mut self) -> PResult<Stmt> {
        self.opt_newlines();
        if self.is_op(";") {
            self.pos += 1;
            return Ok(Stmt::Block(Vec::new()));
        }
        self.stmt()
    }

    fn stmt(&mut self) -> PResult<Stmt> {
        self.depth += 1;
        if self.depth > 30 {
            return Err("program too deeply nested".to_string());
        }
        let r = self.stmt_inner();
        self.depth -= 1;
        r
    }

    fn stmt_inner(&mut self) -> PResult<Stmt> {
        if self.is_op("{") {
            return Ok(Stmt::Block(self.block()?));
        }
        let Some(Tok::Name(name)) = self.peek().cloned() else {
            let e = self.expr()?;
            self.end_simple()?;
            return Ok(Stmt::Expr(e));
        };
        match name.as_str() {
            "print" | "printf" => {
                self.pos += 1;
                let mut args = Vec::new();
                let paren = self.is_op("(");
                self.no_gt = true;
                if !self.at_stmt_end() {
                    args.push(self.expr()?);
                    while self.is_op(",") {
                        self.pos += 1;
                        self.opt_newlines();
                        args.push(self.expr()?);
                    }
                }
                self.no_gt = false;
                let _ = paren;
                let target = if self.is_op(">") {
                    self.pos += 1;
                    Some(self.concat()?)
                } else {
                    None
                };
                self.end_simple()?;
                Ok(if name == "print" {
                    Stmt::Print(args, target)
                } else {
                    Stmt::Printf(args, target)
                })
            }
            "if" => {
                self.pos += 1;
                self.expect("(")?;
                let cond = self.expr()?;
                self.expect(")")?;
                let then = self.simple_or_block()?;
                let save = self.pos;
                self.skip_newlines();
                if self.is_name("else") {
                    self.pos += 1;
                    let other = self.simple_or_block()?;
                    return Ok(Stmt::If(cond, Box::new(then), Some(Box::new(other))));
                }
                self.pos = save;
                Ok(Stmt::If(cond, Box::new(then), None))
            }
            "while" => {
                self.pos += 1;
                self.expect("(")?;
                let cond = self.expr()?;
                self.expect(")")?;
                let body = self.simple_or_block()?;
                Ok(Stmt::While(cond, Box::new(body)))
            }
            "for" => {
                self.pos += 1;
                self.expect("(")?;
                if let (Some(Tok::Name(v)), Some(Tok::Name(kw)), Some(Tok::Name(arr)), Some(Tok::Op(")"))) = (
                    self.toks.get(self.pos).cloned(),
                    self.toks.get(self.pos + 1).cloned(),
                    self.toks.get(self.pos + 2).cloned(),
                    self.toks.get(self.pos + 3).cloned(),
                ) {
                    if kw == "in" {
                        self.pos += 4;
                        let body = self.simple_or_block()?;
                        return Ok(Stmt::ForIn(v, arr, Box::new(body)));
                    }
                }
                let init = if self.is_op(";") {
                    None
                } else {
                    Some(Box::new(Stmt::Expr(self.expr()?)))
                };
                self.expect(";")?;
                self.opt_newlines();
                let cond = if self.is_op(";") { None } else { Some(self.expr()?) };
                self.expect(";")?;
                self.opt_newlines();
                let step = if self.is_op(")") {
                    None
                } else {
                    Some(Box::new(Stmt::Expr(self.expr()?)))
                };
                self.expect(")")?;
                let body = self.simple_or_block()?;
                Ok(Stmt::For(init, cond, step, Box::new(body)))
            }
            "next" => {
                self.pos += 1;
                self.end_simple()?;
                Ok(Stmt::Next)
            }
            "exit" => {
                self.pos += 1;
                let e = if self.at_stmt_end() { None } else { Some(self.expr()?) };
                self.end_simple()?;
                Ok(Stmt::Exit(e))
            }
            "delete" => {
                self.pos += 1;
                let Some(Tok::Name(arr)) = self.peek().cloned() else {
                    return Err(self.err());
                };
                self.pos += 1;
                let idx = if self.is_op("[") {
                    self.pos += 1;
                    let e = self.expr()?;
                    self.expect("]")?;
                    Some(e)
                } else {
                    None
                };
                self.end_simple()?;
                Ok(Stmt::Delete(arr, idx))
            }
            _ => {
                let e = self.expr()?;
                self.end_simple()?;
                Ok(Stmt::Expr(e))
            }
        }
    }

    fn at_stmt_end(&self) -> bool {
        matches!(self.peek(), None | Some(Tok::Newline | Tok::Op(";" | "}")))
    }

    fn end_simple(&mut self) -> PResult<()> {
        match self.peek() {
            Some(Tok::Newline | Tok::Op(";")) => {
                self.pos += 1;
                Ok(())
            }
            None | Some(Tok::Op("}")) => Ok(()),
            _ => Err(self.err()),
        }
    }

    fn expr(&mut self) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > 30 {
            return Err("expression too deeply nested".to_string());
        }
        let r = self.assignment();
        self.depth -= 1;
        r
    }

    fn assignment(&mut self) -> PResult<Expr> {
        let lhs = self.ternary()?;
        if let Some(Tok::Op(op @ ("=" | "+=" | "-=" | "*=" | "/=" | "%=" | "^="))) = self.peek().cloned() {
            if matches!(lhs, Expr::Var(_) | Expr::Field(_) | Expr::Index(..)) {
                self.pos += 1;
                self.opt_newlines();
                let rhs = self.expr()?;
                return Ok(Expr::Assign(op, Box::new(lhs), Box::new(rhs)));
            }
        }
        Ok(lhs)
    }

    fn ternary(&mut self) -> PResult<Expr> {
        let cond = self.or()?;
        if self.is_op("?") {
            self.pos += 1;
            let a = self.expr()?;
            self.expect(":")?;
            let b = self.expr()?;
            return Ok(Expr::Cond(Box::new(cond), Box::new(a), Box::new(b)));
        }
        Ok(cond)
    }

    fn or(&mut self) -> PResult<Expr> {
        let mut lhs = self.and()?;
        while self.is_op("||") {
            self.pos += 1;
            self.opt_newlines();
            lhs = Expr::Bin("||", Box::new(lhs), Box::new(self.and()?));
        }
        Ok(lhs)
    }

    fn and(&mut self) -> PResult<Expr> {
        let mut lhs = self.in_expr()?;
        while self.is_op("&&") {
            self.pos += 1;
            self.opt_newlines();
            lhs = Expr::Bin("&&", Box::new(lhs), Box::new(self.in_expr()?));
        }
        Ok(lhs)
    }

    fn in_expr(&mut self) -> PResult<Expr> {
        let mut lhs = self.matching()?;
        while self.is_name("in") && !self.no_in {
            self.pos += 1;
            let Some(Tok::Name(arr)) = self.peek().cloned() else {
                return Err(self.err());
            };
            self.pos += 1;
            lhs = Expr::In(Box::new(lhs), arr);
        }
        Ok(lhs)
    }

    fn matching(&mut self) -> PResult<Expr> {
        let mut lhs = self.comparison()?;
        loop {
            let negate = if self.is_op("~") {
                false
            } else if self.is_op("!~") {
                true
            } else {
                break;
            };
            self.pos += 1;
            lhs = Expr::Match(negate, Box::new(lhs), Box::new(self.comparison()?));
        }
        Ok(lhs)
    }

    fn comparison(&mut self) -> PResult<Expr> {
        let lhs = self.concat()?;
        let op = match self.peek() {
            Some(Tok::Op(op @ ("<" | "<=" | "==" | "!=" | ">="))) => *op,
            Some(Tok::Op(">")) if !self.no_gt => ">",
            _ => return Ok(lhs),
        };
        self.pos += 1;
        Ok(Expr::Bin(op, Box::new(lhs), Box::new(self.concat()?)))
    }

    fn starts_operand(&self) -> bool {
        match self.peek() {
            Some(Tok::Num(_) | Tok::Str(_) | Tok::Re(_) | Tok::Func(_)) => true,
            Some(Tok::Name(n)) => n != "in",
            Some(Tok::Op("$" | "(" | "!" | "-" | "+" | "++" | "--")) => true,
            _ => false,
        }
    }

    fn concat(&mut self) -> PResult<Expr> {
        let mut lhs = self.additive()?;
        while self.starts_operand() && !self.is_op("-") && !self.is_op("+") {
            let rhs = self.additive()?;
            lhs = Expr::Concat(Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn additive(&mut self) -> PResult<Expr> {
        let mut lhs = self.multiplicative()?;
        while let Some(Tok::Op(op @ ("+" | "-"))) = self.peek().cloned() {
            self.pos += 1;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(self.multiplicative()?));
        }
        Ok(lhs)
    }

    fn multiplicative(&mut self) -> PResult<Expr> {
        let mut lhs = self.unary()?;
        while let Some(Tok::Op(op @ ("*" | "/" | "%"))) = self.peek().cloned() {
            self.pos += 1;
            lhs = Expr::Bin(op, Box::new(lhs), Box::new(self.unary()?));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> PResult<Expr> {
        self.depth += 1;
        if self.depth > 60 {
            return Err("expression too deeply nested".to_string());
        }
        let r = match self.peek() {
            Some(Tok::Op("!")) => {
                self.pos += 1;
                self.unary().map(|e| Expr::Not(Box::new(e)))
            }
            Some(Tok::Op("-")) => {
                self.pos += 1;
                self.unary().map(|e| Expr::Neg(Box::new(e)))
            }
            Some(Tok::Op("+")) => {
                self.pos += 1;
                self.unary()
                    .map(|e| Expr::Bin("+", Box::new(Expr::Num(0.0)), Box::new(e)))
            }
            _ => self.power(),
        };
        self.depth -= 1;
        r
    }

    fn power(&mut self) -> PResult<Expr> {
        let base = self.postfix()?;
        if self.is_op("^") {
            self.pos += 1;
            let exp = self.unary()?;
            return Ok(Expr::Bin("^", Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn postfix(&mut self) -> PResult<Expr> {
        if let Some(Tok::Op(op @ ("++" | "--"))) = self.peek().cloned() {
            self.pos += 1;
            let target = self.postfix()?;
            return Ok(Expr::Incr(true, if op == "++" { 1 } else { -1 }, Box::new(target)));
        }
        let e = self.primary()?;
        if matches!(e, Expr::Var(_) | Expr::Field(_) | Expr::Index(..)) {
            if let Some(Tok::Op(op @ ("++" | "--"))) = self.peek().cloned() {
                self.pos += 1;
                return Ok(Expr::Incr(false, if op == "++" { 1 } else { -1 }, Box::new(e)));
            }
        }
        Ok(e)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let Some(t) = self.peek().cloned() else {
            return Err(self.err());
        };
        self.pos += 1;
        match t {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Re(r) => Ok(Expr::Re(r)),
            Tok::Op("$") => {
                let e = if let Some(Tok::Op(op @ ("++" | "--"))) = self.peek().cloned() {
                    self.pos += 1;
                    let t = self.primary()?;
                    Expr::Incr(true, if op == "++" { 1 } else { -1 }, Box::new(t))
                } else if self.is_op("-") {
                    self.pos += 1;
                    Expr::Neg(Box::new(self.primary()?))
                } else {
                    self.primary()?
                };
                Ok(Expr::Field(Box::new(e)))
            }
            Tok::Op("(") => {
                let saved = (self.no_gt, self.no_in);
                self.no_gt = false;
                self.no_in = false;
                let e = self.expr()?;
                (self.no_gt, self.no_in) = saved;
                // `(a, b) in arr` is not supported; a plain group is.
                self.expect(")")?;
                Ok(e)
            }
            Tok::Name(n) => {
                if self.is_op("[") {
                    self.pos += 1;
                    let mut idx = self.expr()?;
                    while self.is_op(",") {
                        self.pos += 1;
                        let next = self.expr()?;
                        idx = Expr::Concat(
                            Box::new(Expr::Concat(Box::new(idx), Box::new(Expr::Str("\x1c".into())))),
                            Box::new(next),
                        );
                    }
                    self.expect("]")?;
                    return Ok(Expr::Index(n, Box::new(idx)));
                }
                Ok(Expr::Var(n))
            }
            Tok::Func(f) => {
                let mut args = Vec::new();
                if self.is_op("(") {
                    self.pos += 1;
                    let saved = self.no_gt;
                    self.no_gt = false;
                    if !self.is_op(")") {
                        args.push(self.expr()?);
                        while self.is_op(",") {
                            self.pos += 1;
                            self.opt_newlines();
                            args.push(self.expr()?);
                        }
                    }
                    self.no_gt = saved;
                    self.expect(")")?;
                } else if f != "length" {
                    self.pos -= 1;
                    return Err(self.err());
                }
                Ok(Expr::Call(f, args))
            }
            _ => {
                self.pos -= 1;
                Err(self.err())
            }
        }
    }
}

/// An awk value: numbers, strings, and "strnum" input fields that compare numerically when
/// they look like numbers.
#[derive(Debug, Clone)]
enum Val {
    Num(f64),
    Str(String),
    StrNum(String),
}

fn looks_numeric(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let ok = t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    if !ok {
        return None;
    }
    t.parse::<f64>().ok()
}

/// awk's string-to-number: the longest numeric prefix, else 0.
fn str_to_num(s: &str) -> f64 {
    let t = s.trim_start();
    let mut best = 0.0;
    let mut end = 0;
    for (i, c) in t.char_indices() {
        if c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E') {
            end = i + 1;
            if let Ok(v) = t.get(..end).unwrap_or("").parse::<f64>() {
                best = v;
            }
        } else {
            break;
        }
    }
    let _ = end;
    best
}

fn num_to_str(n: f64) -> String {
    if n.is_finite() && n == n.trunc() && n.abs() < 1e16 {
        format!("{}", n as i64)
    } else if n.is_nan() {
        "nan".to_string()
    } else if n.is_infinite() {
        if n > 0.0 { "inf" } else { "-inf" }.to_string()
    } else {
        format_g(n, 6)
    }
}

/// C's `%.<prec>g`.
fn format_g(n: f64, prec: usize) -> String {
    let prec = prec.max(1);
    if n == 0.0 {
        return "0".to_string();
    }
    let exp = n.abs().log10().floor() as i32;
    if exp < -4 || exp >= prec as i32 {
        let s = format!("{:.*e}", prec - 1, n);
        // Rust prints `1.5e6`; C prints `1.5e+06`.
        let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
        let mant = if mant.contains('.') {
            mant.trim_end_matches('0').trim_end_matches('.')
        } else {
            mant
        };
        let e: i32 = e.parse().unwrap_or(0);
        format!("{mant}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    } else {
        let decimals = (prec as i32 - 1 - exp).max(0) as usize;
        let s = format!("{:.*}", decimals, n);
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

impl Val {
    fn num(&self) -> f64 {
        match self {
            Val::Num(n) => *n,
            Val::Str(s) | Val::StrNum(s) => str_to_num(s),
        }
    }
    fn str(&self) -> String {
        match self {
            Val::Num(n) => num_to_str(*n),
            Val::Str(s) | Val::StrNum(s) => s.clone(),
        }
    }
    fn truthy(&self) -> bool {
        match self {
            Val::Num(n) => *n != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::StrNum(s) => match looks_numeric(s) {
                Some(n) => n != 0.0,
                None => !s.is_empty(),
            },
        }
    }
    fn numeric_for_compare(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            Val::StrNum(s) => looks_numeric(s),
            Val::Str(_) => None,
        }
    }
}

enum Ctl {
    Normal,
    Next,
    Exit,
}

/// Each statement costs one step; a runaway `while (1)` stops here instead of hanging.
const MAX_STEPS: u64 = 5_000_000;

struct Interp {
    vars: BTreeMap<String, Val>,
    arrays: BTreeMap<String, BTreeMap<String, Val>>,
    fields: Vec<String>,
    record: String,
    out: Output,
    exit_code: i32,
    steps: u64,
    regex_cache: BTreeMap<String, Regex>,
    /// Recursion depth of `eval`: long `a+b+c+…` chains nest deeply.
    eval_depth: usize,
}

/// Deeper expressions are refused so evaluation fits a 1 MiB wasm stack.
const MAX_EVAL_DEPTH: usize = 40;

impl Interp {
    fn var(&self, name: &str) -> Val {
        match name {
            "NF" => Val::Num(self.fields.len() as f64),
            _ => self.vars.get(name).cloned().unwrap_or(Val::StrNum(String::new())),
        }
    }
    fn get_str_var(&self, name: &str) -> String {
        self.var(name).str()
    }

    fn set_record(&mut self, rec: &str) {
        self.record = rec.to_string();
        self.split_fields();
    }

    fn split_fields(&mut self) {
        let fs = self.get_str_var("FS");
        self.fields = self.split_with(&self.record.clone(), &fs);
    }

    fn split_with(&mut self, s: &str, fs: &str) -> Vec<String> {
        if fs == " " {
            return s.split_whitespace().map(str::to_string).collect();
        }
        if s.is_empty() {
            return Vec::new();
        }
        let mut chars = fs.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            if c != '\\' && !".[]()*+?^$|".contains(c) || c == '|' {
                return s.split(c).map(str::to_string).collect();
            }
        }
        let Ok(re) = self.regex(fs) else {
            return vec![s.to_string()];
        };
        let chars: Vec<char> = s.chars().collect();
        let mut fields = Vec::new();
        let mut start = 0;
        let mut pos = 0;
        while let Some((ms, me)) = re.find_at(&chars, pos) {
            if me == ms {
                pos = ms + 1;
                if pos > chars.len() {
                    break;
                }
                continue;
            }
            fields.push(chars.get(start..ms).unwrap_or(&[]).iter().collect());
            start = me;
            pos = me;
        }
        fields.push(chars.get(start..).unwrap_or(&[]).iter().collect());
        fields
    }

    fn rebuild_record(&mut self) {
        let ofs = self.get_str_var("OFS");
        self.record = self.fields.join(&ofs);
    }

    fn regex(&mut self, src: &str) -> Result<Regex, String> {
        if let Some(r) = self.regex_cache.get(src) {
            return Ok(r.clone());
        }
        let r = Regex::new(src, true, false).map_err(|e| format!("regular expression compile failed ({e})\n{src}"))?;
        self.regex_cache.insert(src.to_string(), r.clone());
        Ok(r)
    }

    fn field(&self, i: f64) -> Result<Val, String> {
        if i < 0.0 {
            return Err(format!("negative field index ${}", i as i64));
        }
        let i = i as usize;
        if i == 0 {
            return Ok(Val::StrNum(self.record.clone()));
        }
        Ok(Val::StrNum(self.fields.get(i - 1).cloned().unwrap_or_default()))
    }

    fn assign(&mut self, target: &Expr, v: Val) -> Result<Val, String> {
        match target {
            Expr::Var(n) => {
                if n == "NF" {
                    let nf = v.num().max(0.0) as usize;
                    self.fields.resize(nf, String::new());
                    self.rebuild_record();
                } else {
                    self.vars.insert(n.clone(), v.clone());
                    if n == "FS" {
                        // FS applies from the next record on, as in mawk.
                    }
                }
            }
            Expr::Field(idx) => {
                let i = self.eval(idx)?.num();
                if i < 0.0 {
                    return Err(format!("negative field index ${}", i as i64));
                }
                let i = (i as usize).min(100_000);
                if i == 0 {
                    self.set_record(&v.str());
                } else {
                    if self.fields.len() < i {
                        self.fields.resize(i, String::new());
                    }
                    if let Some(f) = self.fields.get_mut(i - 1) {
                        *f = v.str();
                    }
                    self.rebuild_record();
                }
            }
            Expr::Index(arr, idx) => {
                let k = self.eval(idx)?.str();
                self.arrays.entry(arr.clone()).or_default().insert(k, v.clone());
            }
            _ => return Err("assignment to non-variable".to_string()),
        }
        Ok(v)
    }

    fn eval(&mut self, e: &Expr) -> Result<Val, String> {
        if self.eval_depth >= MAX_EVAL_DEPTH {
            return Err("expression too deeply nested".to_string());
        }
        self.eval_depth += 1;
        let r = self.eval_inner(e);
        self.eval_depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &Expr) -> Result<Val, String> {
        Ok(match e {
            Expr::Num(n) => Val::Num(*n),
            Expr::Str(s) => Val::Str(s.clone()),
            Expr::Re(r) => {
                let re = self.regex(r)?;
                Val::Num(if re.is_match(&self.record) { 1.0 } else { 0.0 })
            }
            Expr::Var(n) => self.var(n),
            Expr::Field(i) => {
                let i = self.eval(i)?.num();
                self.field(i)?
            }
            Expr::Index(arr, idx) => {
                let k = self.eval(idx)?.str();
                self.arrays
                    .entry(arr.clone())
                    .or_default()
                    .entry(k)
                    .or_insert(Val::StrNum(String::new()))
                    .clone()
            }
            Expr::In(idx, arr) => {
                let k = self.eval(idx)?.str();
                Val::Num(if self.arrays.get(arr).is_some_and(|a| a.contains_key(&k)) {
                    1.0
                } else {
                    0.0
                })
            }
            Expr::Assign(op, target, value) => {
                let v = self.eval(value)?;
                let v = if *op == "=" {
                    v
                } else {
                    let cur = self.eval(target)?.num();
                    let r = v.num();
                    Val::Num(match *op {
                        "+=" => cur + r,
                        "-=" => cur - r,
                        "*=" => cur * r,
                        "/=" => {
                            if r == 0.0 {
                                return Err("division by zero in /=".to_string());
                            }
                            cur / r
                        }
                        "%=" => {
                            if r == 0.0 {
                                return Err("division by zero in %=".to_string());
                            }
                            cur % r
                        }
                        _ => cur.powf(r),
                    })
                };
                self.assign(target, v)?
            }
            Expr::Cond(c, a, b) => {
                if self.eval(c)?.truthy() {
                    self.eval(a)?
                } else {
                    self.eval(b)?
                }
            }
            Expr::Bin(op, a, b) => {
                if *op == "&&" {
                    return Ok(Val::Num(if self.eval(a)?.truthy() && self.eval(b)?.truthy() {
                        1.0
                    } else {
                        0.0
                    }));
                }
                if *op == "||" {
                    return Ok(Val::Num(if self.eval(a)?.truthy() || self.eval(b)?.truthy() {
                        1.0
                    } else {
                        0.0
                    }));
                }
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                match *op {
                    "+" => Val::Num(x.num() + y.num()),
                    "-" => Val::Num(x.num() - y.num()),
                    "*" => Val::Num(x.num() * y.num()),
                    "/" => {
                        if y.num() == 0.0 {
                            return Err("division by zero".to_string());
                        }
                        Val::Num(x.num() / y.num())
                    }
                    "%" => {
                        if y.num() == 0.0 {
                            return Err("division by zero in %".to_string());
                        }
                        Val::Num(x.num() % y.num())
                    }
                    "^" => Val::Num(x.num().powf(y.num())),
                    cmp => {
                        let ord = match (x.numeric_for_compare(), y.numeric_for_compare()) {
                            (Some(a), Some(b)) => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
                            _ => x.str().cmp(&y.str()),
                        };
                        let r = match cmp {
                            "<" => ord.is_lt(),
                            "<=" => ord.is_le(),
                            ">" => ord.is_gt(),
                            ">=" => ord.is_ge(),
                            "==" => ord.is_eq(),
                            _ => ord.is_ne(),
                        };
                        Val::Num(if r { 1.0 } else { 0.0 })
                    }
                }
            }
            Expr::Match(negate, s, re) => {
                let text = self.eval(s)?.str();
                let src = match &**re {
                    Expr::Re(r) => r.clone(),
                    other => self.eval(other)?.str(),
                };
                let r = self.regex(&src)?;
                Val::Num(if r.is_match(&text) != *negate { 1.0 } else { 0.0 })
            }
            Expr::Not(a) => Val::Num(if self.eval(a)?.truthy() { 0.0 } else { 1.0 }),
            Expr::Neg(a) => Val::Num(-self.eval(a)?.num()),
            Expr::Incr(pre, delta, target) => {
                let cur = self.eval(target)?.num();
                let new = cur + f64::from(*delta);
                self.assign(target, Val::Num(new))?;
                Val::Num(if *pre { new } else { cur })
            }
            Expr::Concat(a, b) => {
                let mut s = self.eval(a)?.str();
                s.push_str(&self.eval(b)?.str());
                Val::Str(s)
            }
            Expr::Call(f, args) => self.call(f, args)?,
        })
    }

    fn arg_str(&mut self, args: &[Expr], i: usize) -> Result<String, String> {
        match args.get(i) {
            Some(e) => Ok(self.eval(e)?.str()),
            None => Ok(String::new()),
        }
    }

    fn regex_arg(&mut self, e: Option<&Expr>) -> Result<Regex, String> {
        let src = match e {
            Some(Expr::Re(r)) => r.clone(),
            Some(other) => self.eval(other)?.str(),
            None => String::new(),
        };
        self.regex(&src)
    }

    fn call(&mut self, f: &str, args: &[Expr]) -> Result<Val, String> {
        Ok(match f {
            "length" => {
                if let Some(Expr::Var(n)) = args.first() {
                    if let Some(a) = self.arrays.get(n) {
                        return Ok(Val::Num(a.len() as f64));
                    }
                }
                let s = if args.is_empty() {
                    self.record.clone()
                } else {
                    self.arg_str(args, 0)?
                };
                Val::Num(s.chars().count() as f64)
            }
            "substr" => {
                let s: Vec<char> = self.arg_str(args, 0)?.chars().collect();
                let m = match args.get(1) {
                    Some(e) => self.eval(e)?.num().round(),
                    None => 1.0,
                };
                let n = match args.get(2) {
                    Some(e) => self.eval(e)?.num().round(),
                    None => f64::INFINITY,
                };
                let start = m.max(1.0);
                let end = (m + n).min(s.len() as f64 + 1.0);
                if end <= start {
                    Val::Str(String::new())
                } else {
                    Val::Str(
                        s.get(start as usize - 1..end as usize - 1)
                            .unwrap_or(&[])
                            .iter()
                            .collect(),
                    )
                }
            }
            "index" => {
                let s = self.arg_str(args, 0)?;
                let t = self.arg_str(args, 1)?;
                Val::Num(
                    s.find(&t)
                        .map(|i| s.get(..i).unwrap_or("").chars().count() + 1)
                        .unwrap_or(0) as f64,
                )
            }
            "split" => {
                let s = self.arg_str(args, 0)?;
                let Some(Expr::Var(arr)) = args.get(1) else {
                    return Err("split: second argument must be an array".into());
                };
                let fs = match args.get(2) {
                    Some(Expr::Re(r)) => r.clone(),
                    Some(e) => self.eval(e)?.str(),
                    None => self.get_str_var("FS"),
                };
                let parts = self.split_with(&s, &fs);
                let map: BTreeMap<String, Val> = parts
                    .iter()
                    .enumerate()
                    .map(|(i, p)| ((i + 1).to_string(), Val::StrNum(p.clone())))
                    .collect();
                let n = map.len();
                self.arrays.insert(arr.clone(), map);
                Val::Num(n as f64)
            }
            "sub" | "gsub" => {
                let re = self.regex_arg(args.first())?;
                let repl = self.arg_str(args, 1)?;
                let target = args.get(2).cloned().unwrap_or(Expr::Field(Box::new(Expr::Num(0.0))));
                let text: Vec<char> = self.eval(&target)?.str().chars().collect();
                let mut result = String::new();
                let mut pos = 0;
                let mut count = 0;
                while pos <= text.len() {
                    let Some((s, e)) = re.find_at(&text, pos) else { break };
                    result.extend(text.get(pos..s).unwrap_or(&[]));
                    let matched: String = text.get(s..e).unwrap_or(&[]).iter().collect();
                    let mut rc = repl.chars().peekable();
                    while let Some(c) = rc.next() {
                        match c {
                            '\\' if rc.peek() == Some(&'&') => {
                                rc.next();
                                result.push('&');
                            }
                            '&' => result.push_str(&matched),
                            c => result.push(c),
                        }
                    }
                    count += 1;
                    if e == s {
                        if let Some(c) = text.get(s) {
                            result.push(*c);
                        }
                        pos = s + 1;
                    } else {
                        pos = e;
                    }
                    if f == "sub" {
                        break;
                    }
                }
                result.extend(text.get(pos.min(text.len())..).unwrap_or(&[]));
                if count > 0 {
                    self.assign(&target, Val::Str(result))?;
                }
                Val::Num(count as f64)
            }
            "match" => {
                let s: Vec<char> = self.arg_str(args, 0)?.chars().collect();
                let re = self.regex_arg(args.get(1))?;
                let (start, len) = match re.find_at(&s, 0) {
                    Some((a, b)) => (a as f64 + 1.0, (b - a) as f64),
                    None => (0.0, -1.0),
                };
                self.vars.insert("RSTART".into(), Val::Num(start));
                self.vars.insert("RLENGTH".into(), Val::Num(len));
                Val::Num(start)
            }
            "tolower" => Val::Str(self.arg_str(args, 0)?.to_lowercase()),
            "toupper" => Val::Str(self.arg_str(args, 0)?.to_uppercase()),
            "int" => Val::Num(match args.first() {
                Some(e) => self.eval(e)?.num().trunc(),
                None => 0.0,
            }),
            "sqrt" => Val::Num(match args.first() {
                Some(e) => self.eval(e)?.num().sqrt(),
                None => 0.0,
            }),
            "sprintf" => {
                let vals = args.iter().map(|a| self.eval(a)).collect::<Result<Vec<_>, _>>()?;
                Val::Str(sprintf(&vals))
            }
            _ => return Err(format!("function {f} is not supported in kubeplay")),
        })
    }

    /// Writes print output to stdout or, with `> "/dev/stderr"`, to stderr.
    fn emit(&mut self, target: Option<&Expr>, text: &str) -> Result<(), String> {
        let dest = match target {
            Some(t) => self.eval(t)?.str(),
            None => "-".to_string(),
        };
        match dest.as_str() {
            "-" | "/dev/stdout" => self.out.stdout(text),
            "/dev/stderr" => self.out.stderr(text),
            other => {
                return Err(format!(
                    "cannot write to file {other} (files are read-only for awk in kubeplay)"
                ))
            }
        }
        Ok(())
    }

    fn exec(&mut self, s: &Stmt) -> Result<Ctl, String> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err("program ran too long (kubeplay stops it)".to_string());
        }
        match s {
            Stmt::Print(args, target) => {
                let line = if args.is_empty() {
                    self.record.clone()
                } else {
                    let ofs = self.get_str_var("OFS");
                    let mut parts = Vec::new();
                    for a in args {
                        parts.push(self.eval(a)?.str());
                    }
                    parts.join(&ofs)
                };
                let ors = self.get_str_var("ORS");
                self.emit(target.as_ref(), &format!("{line}{ors}"))?;
            }
            Stmt::Printf(args, target) => {
                let vals = args.iter().map(|a| self.eval(a)).collect::<Result<Vec<_>, _>>()?;
                let s = sprintf(&vals);
                self.emit(target.as_ref(), &s)?;
            }
            Stmt::Expr(e) => {
                self.eval(e)?;
            }
            Stmt::If(c, a, b) => {
                if self.eval(c)?.truthy() {
                    return self.exec(a);
                } else if let Some(b) = b {
                    return self.exec(b);
                }
            }
            Stmt::While(c, body) => {
                while self.eval(c)?.truthy() {
                    match self.exec(body)? {
                        Ctl::Normal => {}
                        other => return Ok(other),
                    }
                }
            }
            Stmt::For(init, cond, step, body) => {
                if let Some(i) = init {
                    self.exec(i)?;
                }
                loop {
                    if let Some(c) = cond {
                        if !self.eval(c)?.truthy() {
                            break;
                        }
                    }
                    match self.exec(body)? {
                        Ctl::Normal => {}
                        other => return Ok(other),
                    }
                    if let Some(s) = step {
                        self.exec(s)?;
                    }
                    self.steps += 1;
                    if self.steps > MAX_STEPS {
                        return Err("program ran too long (kubeplay stops it)".to_string());
                    }
                }
            }
            Stmt::ForIn(var, arr, body) => {
                let keys: Vec<String> = self
                    .arrays
                    .get(arr)
                    .map(|a| a.keys().cloned().collect())
                    .unwrap_or_default();
                for k in keys {
                    self.vars.insert(var.clone(), Val::StrNum(k));
                    match self.exec(body)? {
                        Ctl::Normal => {}
                        other => return Ok(other),
                    }
                }
            }
            Stmt::Block(stmts) => {
                for st in stmts {
                    match self.exec(st)? {
                        Ctl::Normal => {}
                        other => return Ok(other),
                    }
                }
            }
            Stmt::Next => return Ok(Ctl::Next),
            Stmt::Exit(code) => {
                if let Some(c) = code {
                    self.exit_code = self.eval(c)?.num() as i32;
                }
                return Ok(Ctl::Exit);
            }
            Stmt::Delete(arr, idx) => match idx {
                Some(i) => {
                    let k = self.eval(i)?.str();
                    if let Some(a) = self.arrays.get_mut(arr) {
                        a.remove(&k);
                    }
                }
                None => {
                    self.arrays.remove(arr);
                }
            },
        }
        Ok(Ctl::Normal)
    }
}

/// awk's printf/sprintf: the first value is the format.
fn sprintf(vals: &[Val]) -> String {
    let Some((fmt, args)) = vals.split_first() else {
        return String::new();
    };
    let fmt: Vec<char> = fmt.str().chars().collect();
    let mut args = args.iter();
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = fmt.get(i) {
        i += 1;
        if c != '%' {
            out.push(c);
            continue;
        }
        if fmt.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = fmt.get(i).filter(|f| matches!(f, '-' | '+' | ' ' | '#' | '0')) {
            flags.push(f);
            i += 1;
        }
        let mut width = String::new();
        while let Some(&d) = fmt.get(i).filter(|d| d.is_ascii_digit() || **d == '*') {
            if d == '*' {
                width = args.next().map(|v| (v.num() as i64).to_string()).unwrap_or_default();
            } else {
                width.push(d);
            }
            i += 1;
        }
        let mut precision: Option<usize> = None;
        if fmt.get(i) == Some(&'.') {
            i += 1;
            let mut p = String::new();
            while let Some(&d) = fmt.get(i).filter(|d| d.is_ascii_digit()) {
                p.push(d);
                i += 1;
            }
            precision = Some(p.parse::<usize>().unwrap_or(0).min(crate::text::MAX_FORMAT_WIDTH));
        }
        let Some(&conv) = fmt.get(i) else {
            out.push('%');
            break;
        };
        i += 1;
        let arg = args.next().cloned().unwrap_or(Val::Str(String::new()));
        let body = match conv {
            's' => {
                let s = arg.str();
                match precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            'd' | 'i' => {
                let n = arg.num().trunc() as i64;
                if flags.contains('+') && n >= 0 {
                    format!("+{n}")
                } else {
                    n.to_string()
                }
            }
            'c' => match arg {
                Val::Num(n) => char::from_u32(n as u32).map(String::from).unwrap_or_default(),
                other => other.str().chars().next().map(String::from).unwrap_or_default(),
            },
            'f' => format!("{:.*}", precision.unwrap_or(6), arg.num()),
            'e' => {
                let s = format!("{:.*e}", precision.unwrap_or(6), arg.num());
                let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                let e: i32 = e.parse().unwrap_or(0);
                format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
            }
            'g' => format_g(arg.num(), precision.unwrap_or(6)),
            'x' => format!("{:x}", arg.num() as i64),
            'X' => format!("{:X}", arg.num() as i64),
            'o' => format!("{:o}", arg.num() as i64),
            'u' => (arg.num().max(0.0) as u64).to_string(),
            other => format!("%{other}"),
        };
        let width: usize = width
            .trim_start_matches('-')
            .parse::<usize>()
            .unwrap_or(0)
            .min(crate::text::MAX_FORMAT_WIDTH);
        let pad = width.saturating_sub(body.chars().count());
        if flags.contains('-') {
            out.push_str(&body);
            out.push_str(&" ".repeat(pad));
        } else if flags.contains('0') && conv != 's' && conv != 'c' {
            let (sign, digits) = match body.strip_prefix('-') {
                Some(d) => ("-", d.to_string()),
                None => ("", body.clone()),
            };
            out.push_str(sign);
            out.push_str(&"0".repeat(pad));
            out.push_str(&digits);
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&body);
        }
    }
    out
}

/// Processes escapes in `-F`/`-v` values as awk does for string constants.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('\\') => out.push('\\'),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

pub(crate) fn awk(args: &[String], io: &mut Io) -> i32 {
    let mut fs = " ".to_string();
    let mut assigns: Vec<(String, String)> = Vec::new();
    let mut program: Option<String> = None;
    let mut operands: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(a) = args.get(i) {
        i += 1;
        if program.is_some() {
            operands.push(a.clone());
            continue;
        }
        if a == "--" {
            continue;
        }
        if let Some(rest) = a.strip_prefix("-F") {
            let v = if rest.is_empty() {
                i += 1;
                args.get(i - 1).cloned()
            } else {
                Some(rest.to_string())
            };
            let Some(v) = v else {
                io.out.stderr("awk: option requires an argument -- F\n");
                return 2;
            };
            fs = if v == "t" { "\t".to_string() } else { unescape(&v) };
            continue;
        }
        if let Some(rest) = a.strip_prefix("-v") {
            let v = if rest.is_empty() {
                i += 1;
                args.get(i - 1).cloned()
            } else {
                Some(rest.to_string())
            };
            match v.as_deref().and_then(|v| v.split_once('=')) {
                Some((n, val)) => assigns.push((n.to_string(), unescape(val))),
                None => {
                    io.out
                        .stderr(format!("awk: improper assignment: -v {}\n", v.unwrap_or_default()));
                    return 2;
                }
            }
            continue;
        }
        if a.starts_with('-') && a.len() > 1 && a != "-" {
            io.out.stderr(format!("awk: not an option: {a}\n"));
            return 2;
        }
        program = Some(a.clone());
    }
    let Some(program) = program else {
        io.out
            .stderr("usage: awk [-F value] [-v var=value] [--] 'program text' [file ...]\n");
        return 2;
    };
    let parsed = lex(&program).and_then(|toks| {
        let mut p = Parser {
            toks,
            pos: 0,
            no_gt: false,
            no_in: false,
            depth: 0,
        };
        p.program()
    });
    let items = match parsed {
        Ok(items) => items,
        Err(e) => {
            io.out.stderr(format!("awk: line 1: {e}\n"));
            return 2;
        }
    };
    let mut it = Interp {
        vars: BTreeMap::new(),
        arrays: BTreeMap::new(),
        fields: Vec::new(),
        record: String::new(),
        out: Output::default(),
        exit_code: 0,
        steps: 0,
        regex_cache: BTreeMap::new(),
        eval_depth: 0,
    };
    for (k, v) in [("FS", fs.as_str()), ("OFS", " "), ("ORS", "\n"), ("SUBSEP", "\x1c")] {
        it.vars.insert(k.to_string(), Val::Str(v.to_string()));
    }
    it.vars.insert("NR".into(), Val::Num(0.0));
    for (n, v) in assigns {
        it.vars.insert(n, Val::StrNum(v));
    }
    let result = run_program(&mut it, &items, &operands, io);
    io.out.append(std::mem::take(&mut it.out));
    match result {
        Ok(()) => it.exit_code,
        Err(e) => {
            io.out.stderr(format!(
                "awk: run time error: {e}\n\tFILENAME=\"{}\" FNR={} NR={}\n",
                it.get_str_var("FILENAME"),
                it.get_str_var("FNR"),
                it.get_str_var("NR")
            ));
            2
        }
    }
}

fn run_program(
    it: &mut Interp,
    items: &[(Pattern, Option<Vec<Stmt>>)],
    operands: &[String],
    io: &mut Io,
) -> Result<(), String> {
    let run_block = |it: &mut Interp, stmts: &[Stmt]| -> Result<Ctl, String> {
        for s in stmts {
            match it.exec(s)? {
                Ctl::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Ctl::Normal)
    };
    let mut exiting = false;
    for (p, action) in items {
        if matches!(p, Pattern::Begin) {
            if let Ctl::Exit = run_block(it, action.as_deref().unwrap_or(&[]))? {
                exiting = true;
                break;
            }
        }
    }
    let has_main = items.iter().any(|(p, _)| !matches!(p, Pattern::Begin));
    if !exiting && has_main {
        let mut inputs: Vec<(String, String)> = Vec::new();
        let files: Vec<&String> = operands.iter().filter(|o| !o.contains('=')).collect();
        if files.is_empty() {
            inputs.push((String::new(), io.stdin.take_all().unwrap_or_default()));
        }
        let mut nr = 0.0;
        'files: for op in operands {
            if let Some((n, v)) = op.split_once('=') {
                if crate::parse::is_name(n) {
                    it.vars.insert(n.to_string(), Val::StrNum(unescape(v)));
                    continue;
                }
            }
            let text = if op == "-" {
                io.stdin.take_all().unwrap_or_default()
            } else {
                match (io.read)(op) {
                    Ok(t) => t,
                    Err(e) => {
                        io.out.append(std::mem::take(&mut it.out));
                        io.out.stderr(format!("awk: cannot open {op} ({})\n", e.message()));
                        it.exit_code = 2;
                        break 'files;
                    }
                }
            };
            inputs.push((op.clone(), text));
        }
        'outer: for (name, text) in inputs {
            it.vars.insert("FILENAME".into(), Val::Str(name));
            let mut fnr = 0.0;
            for line in lines(&text) {
                nr += 1.0;
                fnr += 1.0;
                it.vars.insert("NR".into(), Val::Num(nr));
                it.vars.insert("FNR".into(), Val::Num(fnr));
                it.set_record(line);
                for (p, action) in items {
                    let hit = match p {
                        Pattern::Begin | Pattern::End => false,
                        Pattern::All => true,
                        Pattern::Expr(e) => it.eval(e)?.truthy(),
                    };
                    if !hit {
                        continue;
                    }
                    match action {
                        Some(stmts) => match run_block(it, stmts)? {
                            Ctl::Normal => {}
                            Ctl::Next => break,
                            Ctl::Exit => {
                                exiting = true;
                                break 'outer;
                            }
                        },
                        None => {
                            let ors = it.get_str_var("ORS");
                            let line = format!("{}{ors}", it.record);
                            it.out.stdout(line);
                        }
                    }
                }
            }
        }
    }
    let _ = exiting;
    for (p, action) in items {
        if matches!(p, Pattern::End) {
            if let Ctl::Exit = run_block(it, action.as_deref().unwrap_or(&[]))? {
                break;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FsError;

    fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
        let read = |_: &str| -> Result<String, FsError> { Err(FsError::NotFound) };
        let mut out = Output::default();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut io = Io {
            stdin: crate::exec::Stdin::text(stdin.to_string()),
            read: &read,
            out: &mut out,
        };
        let code = awk(&args, &mut io);
        (code, out.stdout_text(), out.stderr_text())
    }

    const PODS: &str = "NAME    READY   STATUS    RESTARTS   AGE\nweb-1   1/1     Running   0          5m\nweb-2   0/1     Pending   0          5m\ndb-0    1/1     Running   3          1h\n";

    #[test]
    fn prints_fields_as_tutorials_use_them() {
        let cases: Vec<(Vec<&str>, &str, &str)> = vec![
            (vec!["{print $1}"], PODS, "NAME\nweb-1\nweb-2\ndb-0\n"),
            (vec!["{print $2}"], "a b c\n", "b\n"),
            (vec!["{print $NF}"], "a b c\n", "c\n"),
            (vec!["{print $(NF-1)}"], "a b c\n", "b\n"),
            (vec!["{print $1, $3}"], "a b c\n", "a c\n"),
            (vec!["{print $1\" \"$3}"], "a b c\n", "a c\n"),
            (vec!["{print $1 \"-\" $2}"], "a b c\n", "a-b\n"),
            (vec!["NR>1 {print $1}"], PODS, "web-1\nweb-2\ndb-0\n"),
            (vec!["/Running/ {print $1}"], PODS, "web-1\ndb-0\n"),
            (
                vec!["$3 == \"Pending\""],
                PODS,
                "web-2   0/1     Pending   0          5m\n",
            ),
            (vec!["$4 > 0 {print $1}"], PODS, "NAME\ndb-0\n"),
            (vec!["NR>1 && $4 > 0 {print $1}"], PODS, "db-0\n"),
            (vec!["-F:", "{print $2}"], "a:b:c\n", "b\n"),
            (vec!["-F", "/", "{print $2}"], "pod/web\n", "web\n"),
            (vec!["-F\\t", "{print $2}"], "a\tb c\n", "b c\n"),
            (vec!["{s+=$2} END {print s}"], "a 1\nb 2\nc 3.5\n", "6.5\n"),
            (vec!["END {print NR}"], "a\nb\n", "2\n"),
            (
                vec!["{n[$3]++} END {for (k in n) print k, n[k]}"],
                PODS,
                "Pending 1\nRunning 2\nSTATUS 1\n",
            ),
            (vec!["{printf \"%-6s|%3d\\n\", $1, $2}"], "ab 7\n", "ab    |  7\n"),
            (vec!["{print length($1)}"], "abc\n", "3\n"),
            (vec!["{print toupper(substr($1, 2, 2))}"], "abcd\n", "BC\n"),
            (vec!["{gsub(/-/, \"_\"); print}"], "a-b-c\n", "a_b_c\n"),
            (vec!["{$2 = \"X\"; print}"], "a b c\n", "a X c\n"),
            (vec!["BEGIN {OFS=\",\"} {$1=$1; print}"], "a b c\n", "a,b,c\n"),
            (
                vec!["{ if ($1 > 2) print \"big\"; else print \"small\" }"],
                "1\n3\n",
                "small\nbig\n",
            ),
            (vec!["-v", "x=5", "BEGIN {print x * 2}"], "", "10\n"),
            (vec!["{print $1 / 3}"], "1\n", "0.333333\n"),
            (vec!["NR==2"], "a\nb\nc\n", "b\n"),
            (vec!["{print NF}"], "  a   b  \n", "2\n"),
            (vec!["{ split($1, p, \"-\"); print p[2] }"], "web-1\n", "1\n"),
            (vec!["$1 ~ /^w/ {print $1}"], PODS, "web-1\nweb-2\n"),
            (vec!["{print $1 > \"/dev/stdout\"}"], "a b\n", "a\n"),
        ];
        for (args, input, want) in cases {
            let (code, out, err) = run(&args, input);
            assert_eq!((code, out.as_str(), err.as_str()), (0, want, ""), "{args:?}");
        }
    }

    #[test]
    fn reports_mawk_errors() {
        let (code, _, err) = run(&["{print $1"], "a\n");
        assert_eq!(code, 2);
        assert_eq!(err, "awk: line 1: syntax error at or near end of file\n");
        let (code, _, err) = run(&[], "");
        assert_eq!(code, 2);
        assert!(err.starts_with("usage: awk"));
        let (code, _, err) = run(&["{print $1}", "nofile"], "");
        assert_eq!(
            (code, err.as_str()),
            (2, "awk: cannot open nofile (No such file or directory)\n")
        );
        let (code, _, _) = run(&["BEGIN { while (1) x++ }"], "");
        assert_eq!(code, 2);
    }

    #[test]
    fn numbers_print_like_c_g_format() {
        let cases = [
            (1.0, "1"),
            (0.5, "0.5"),
            (1e20, "1e+20"),
            (1.0 / 3.0, "0.333333"),
            (-2.5, "-2.5"),
            (123456.7, "123457"),
        ];
        for (n, want) in cases {
            assert_eq!(num_to_str(n), want);
        }
    }
}
