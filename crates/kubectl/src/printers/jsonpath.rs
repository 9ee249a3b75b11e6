//! kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath): the parser with its error
//! texts, the evaluator over unstructured JSON (ranges, filters, unions, slices, recursive
//! descent, wildcards) and the printing of results. Map members are visited in sorted key order
//! where Go visits them in random order.

use super::gofmt::{go_float, go_json, go_json_indent, go_v};
use serde_json::{Number, Value};

#[derive(Debug, Clone, PartialEq)]
enum Node {
    List(Vec<Node>),
    Text(String),
    Field(String),
    Array([Param; 3]),
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        op: String,
    },
    Int(i64),
    Float(f64),
    Bool(bool),
    Wildcard,
    Recursive,
    Union(Vec<Vec<Node>>),
    Identifier(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct Param {
    value: i64,
    known: bool,
    derived: bool,
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    root: Vec<Node>,
    allow_missing_keys: bool,
    output_json: bool,
}

// Deep templates could otherwise recurse without bound (unions and filters parse recursively).
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    width: usize,
    depth: usize,
}

fn is_terminator(r: Option<char>) -> bool {
    match r {
        None => true,
        Some(c) => matches!(
            c,
            ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}'
        ),
    }
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || is_digit(c)
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, depth: usize) -> Self {
        Parser {
            input,
            pos: 0,
            start: 0,
            width: 0,
            depth,
        }
    }

    fn rest(&self) -> &'a str {
        self.input.get(self.pos..).unwrap_or("")
    }

    fn next(&mut self) -> Option<char> {
        match self.rest().chars().next() {
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                Some(c)
            }
            None => {
                self.width = 0;
                None
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn backup(&mut self) {
        self.pos -= self.width;
    }

    fn consume(&mut self) -> String {
        let v = self.input.get(self.start..self.pos).unwrap_or("").to_string();
        self.start = self.pos;
        v
    }

    /// The byte two before the current position (Go's `p.input[p.pos-2]`).
    fn byte_before_last(&self) -> Option<u8> {
        self.pos
            .checked_sub(2)
            .and_then(|i| self.input.as_bytes().get(i).copied())
    }

    fn parse(mut self) -> Result<Vec<Node>, String> {
        if self.depth > MAX_DEPTH {
            return Err("template nested too deeply".into());
        }
        let mut root = Vec::new();
        loop {
            if self.rest().starts_with('{') {
                if self.pos > self.start {
                    root.push(Node::Text(self.consume()));
                }
                self.pos += 1;
                self.consume();
                let mut cur = Vec::new();
                self.parse_inside_action(&mut cur)?;
                root.push(Node::List(cur));
                continue;
            }
            if self.next().is_none() {
                break;
            }
        }
        if self.pos > self.start {
            root.push(Node::Text(self.consume()));
        }
        Ok(root)
    }

    /// Parses `{text}` and returns the nodes of its action (Go's parseAction).
    fn parse_action(&self, text: &str) -> Result<Vec<Node>, String> {
        let wrapped = format!("{{{text}}}");
        let nodes = Parser::new(&wrapped, self.depth + 1).parse()?;
        match nodes.into_iter().next() {
            Some(Node::List(l)) => Ok(l),
            _ => Ok(Vec::new()),
        }
    }

    fn parse_inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            let rest = self.rest();
            if rest.starts_with('}') {
                self.pos += 1;
                self.consume();
                return Ok(());
            }
            if rest.starts_with("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if rest.starts_with("..") {
                if matches!(cur.last(), Some(Node::Recursive)) {
                    return Err("invalid multiple recursive descent".into());
                }
                self.pos += 2;
                self.consume();
                cur.push(Node::Recursive);
                if self.peek().is_some_and(is_alphanumeric) {
                    self.parse_field(cur);
                }
                continue;
            }
            match self.next() {
                None | Some('\r') | Some('\n') => return Err("unclosed action".into()),
                Some(' ') | Some('@') | Some('$') => {
                    self.consume();
                }
                Some('[') => self.parse_array(cur)?,
                Some(q @ ('"' | '\'')) => self.parse_quote(cur, q)?,
                Some('.') => self.parse_field(cur),
                Some(r) if r == '+' || r == '-' || is_digit(r) => {
                    self.backup();
                    self.parse_number(cur)?;
                }
                Some(r) if is_alphanumeric(r) => {
                    self.backup();
                    self.parse_identifier(cur);
                }
                Some(r) => return Err(format!("unrecognized character in action: U+{:04X} '{}'", r as u32, r)),
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) {
        loop {
            let r = self.next();
            if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume();
        match value.as_str() {
            "true" => cur.push(Node::Bool(true)),
            "false" => cur.push(Node::Bool(false)),
            _ => cur.push(Node::Identifier(value)),
        }
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(self.peek(), Some('+') | Some('-')) {
            self.next();
        }
        loop {
            match self.next() {
                Some(c) if c == '.' || is_digit(c) => {}
                _ => {
                    self.backup();
                    break;
                }
            }
        }
        let value = self.consume();
        if let Some(i) = go_atoi(&value) {
            cur.push(Node::Int(i));
        } else if let Some(f) = go_parse_float(&value) {
            cur.push(Node::Float(f));
        } else {
            return Err(format!("cannot parse number {value}"));
        }
        Ok(())
    }

    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated array".into()),
                Some(']') => break,
                _ => {}
            }
        }
        let raw = self.consume();
        let mut text = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("").to_string();
        if text == "*" {
            text = ":".into();
        }
        let parts: Vec<&str> = text.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                union.push(self.parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }
        if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
            let inner = text.get(1..text.len() - 1).unwrap_or("");
            if !inner.contains('\'') {
                cur.extend(self.parse_action(&format!(".{inner}"))?);
                return Ok(());
            }
        }
        let groups = match slice_groups(&text) {
            Some(g) => g,
            None => return Err(format!("invalid array index {text}")),
        };
        let mut params = [Param::default(); 3];
        for ix in 0..3 {
            match &groups[ix] {
                Some(g) if !g.is_empty() => {
                    let v = if ix > 0 { g.get(1..).unwrap_or("") } else { g.as_str() };
                    if ix > 0 && v.is_empty() {
                        params[ix].known = false;
                    } else {
                        params[ix].known = true;
                        params[ix].value = go_atoi(v).ok_or_else(|| format!("array index {v} is not a number"))?;
                    }
                }
                _ => {
                    if ix == 1 {
                        params[1] = Param {
                            value: params[0].value.saturating_add(1),
                            known: true,
                            derived: true,
                        };
                    } else {
                        params[ix] = Param {
                            value: 0,
                            known: false,
                            derived: false,
                        };
                    }
                }
            }
        }
        cur.push(Node::Array(params));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.pos += 3;
        self.consume();
        let (mut begin, mut end) = (false, false);
        let mut pair = '\0';
        loop {
            let r = self.next();
            match r {
                None | Some('\n') => return Err("unterminated filter".into()),
                Some(q @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = q;
                        continue;
                    }
                    if self.byte_before_last() != Some(b'\\') && q == pair {
                        end = true;
                    }
                }
                Some(')') if begin == end => break,
                _ => {}
            }
        }
        if self.next() != Some(']') {
            return Err("unclosed array expect ]".into());
        }
        let raw = self.consume();
        let text = raw.get(..raw.len().saturating_sub(2)).unwrap_or("");
        match split_filter(text) {
            None => {
                let left = self.parse_action(text)?;
                cur.push(Node::Filter {
                    left,
                    right: Vec::new(),
                    op: "exists".into(),
                });
            }
            Some((l, op, r)) => {
                let left = self.parse_action(l)?;
                let right = self.parse_action(r)?;
                cur.push(Node::Filter {
                    left,
                    right,
                    op: op.to_string(),
                });
            }
        }
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), String> {
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated quoted string".into()),
                Some(c) if c == end && self.byte_before_last() != Some(b'\\') => break,
                _ => {}
            }
        }
        let value = self.consume();
        let s = unquote_extend(&value).map_err(|e| format!("unquote string {value} error {e}"))?;
        cur.push(Node::Text(s));
        Ok(())
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) {
        self.consume();
        loop {
            let r = self.next();
            if r == Some('\\') {
                self.next();
            } else if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume();
        if value == "*" {
            cur.push(Node::Wildcard);
        } else {
            cur.push(Node::Field(value.replace('\\', "")));
        }
    }
}

/// strconv.Atoi: optional sign, ASCII digits only.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>().ok()
}

fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body.is_empty() || body == "." || !body.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    s.parse::<f64>().ok()
}

/// `^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$`: the three groups, `None` for an unmatched group.
fn slice_groups(text: &str) -> Option<[Option<String>; 3]> {
    fn take_num(s: &str) -> (&str, &str) {
        let neg = usize::from(s.starts_with('-'));
        let digits = s
            .get(neg..)
            .unwrap_or("")
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        s.split_at(neg + digits)
    }
    let (g0, mut rest) = take_num(text);
    let mut groups: [Option<String>; 3] = [Some(g0.to_string()), None, None];
    for g in groups.iter_mut().skip(1) {
        if let Some(r) = rest.strip_prefix(':') {
            let (num, after) = take_num(r);
            *g = Some(format!(":{num}"));
            rest = after;
        }
    }
    if rest.is_empty() {
        Some(groups)
    } else {
        None
    }
}

/// `^([^!<>=]+)([!<>=]+)(.+?)$`.
fn split_filter(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    let l_end = text.find(is_op)?;
    if l_end == 0 {
        return None;
    }
    let after = text.get(l_end..)?;
    let mut op_len = after.find(|c: char| !is_op(c)).unwrap_or(after.len());
    if op_len == after.len() {
        // The right side must be non-empty: the operator run gives its last character back.
        if op_len < 2 {
            return None;
        }
        op_len -= 1;
    }
    Some((text.get(..l_end)?, after.get(..op_len)?, after.get(op_len..)?))
}

/// UnquoteExtend: Go string unquoting that also accepts single-quoted strings.
fn unquote_extend(s: &str) -> Result<String, String> {
    let syntax = || "invalid syntax".to_string();
    let mut chars = s.chars();
    let quote = chars.next().ok_or_else(syntax)?;
    if s.len() < 2 || !s.ends_with(quote) || (quote != '"' && quote != '\'') {
        return Err(syntax());
    }
    let body = s.get(1..s.len() - 1).ok_or_else(syntax)?;
    let mut out = String::new();
    let mut it = body.chars().peekable();
    while let Some(c) = it.next() {
        if c == quote {
            return Err(syntax());
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = it.next().ok_or_else(syntax)?;
        match e {
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '\\' => out.push('\\'),
            '\'' | '"' => {
                if e != quote {
                    return Err(syntax());
                }
                out.push(e)
            }
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = (0..n).filter_map(|_| it.next()).collect();
                let v = u32::from_str_radix(&hex, 16).map_err(|_| syntax())?;
                if hex.len() != n {
                    return Err(syntax());
                }
                out.push(char::from_u32(v).ok_or_else(syntax)?);
            }
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    let d = it.next().and_then(|d| d.to_digit(8)).ok_or_else(syntax)?;
                    v = v * 8 + d;
                }
                out.push(char::from_u32(v).ok_or_else(syntax)?);
            }
            _ => return Err(syntax()),
        }
    }
    Ok(out)
}

/// Go's reflect type name of an unstructured value, for error messages.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "interface {}",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

#[derive(Default)]
struct Eval {
    begin_range: usize,
    in_range: usize,
    end_range: usize,
    last_end_node: Option<usize>,
    allow_missing_keys: bool,
    steps: usize,
}

// Recursive descent on pathological input should stop rather than exhaust memory.
const MAX_STEPS: usize = 1_000_000;

impl Eval {
    fn find_results(&mut self, nodes: &[Node], base: usize, data: &Value) -> Result<Vec<Vec<Value>>, String> {
        let mut full = Vec::new();
        let mut ix = 0;
        while ix < nodes.len() {
            let Some(node) = nodes.get(ix) else { break };
            let results = self.walk(vec![data.clone()], node)?;
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                self.last_end_node = Some(base + ix);
                break;
            }
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                let tail = nodes.get(ix + 1..).unwrap_or(&[]);
                if !results.is_empty() {
                    for v in &results {
                        full.extend(self.find_results(tail, base + ix + 1, v)?);
                    }
                } else {
                    self.find_results(tail, base + ix + 1, &Value::Null)?;
                }
                self.in_range -= 1;
                if let Some(k) = (ix + 1..nodes.len()).find(|k| Some(base + k) == self.last_end_node) {
                    ix = k;
                }
                ix += 1;
                continue;
            }
            full.push(results);
            ix += 1;
        }
        Ok(full)
    }

    fn walk(&mut self, input: Vec<Value>, node: &Node) -> Result<Vec<Value>, String> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err("template evaluation too large".into());
        }
        match node {
            Node::List(nodes) => self.eval_list(input, nodes),
            Node::Text(t) => Ok(vec![Value::String(t.clone())]),
            Node::Field(name) => self.eval_field(input, name),
            Node::Array(params) => eval_array(input, params),
            Node::Filter { left, right, op } => self.eval_filter(input, left, right, op),
            Node::Int(n) => Ok(input.iter().map(|_| Value::from(*n)).collect()),
            Node::Float(f) => Ok(input
                .iter()
                .map(|_| Number::from_f64(*f).map(Value::Number).unwrap_or(Value::Null))
                .collect()),
            Node::Bool(b) => Ok(input.iter().map(|_| Value::Bool(*b)).collect()),
            Node::Wildcard => Ok(input.iter().flat_map(children).collect()),
            Node::Recursive => {
                let mut out = Vec::new();
                for v in &input {
                    recursive(v, &mut out, &mut self.steps)?;
                }
                Ok(out)
            }
            Node::Union(lists) => {
                let mut out = Vec::new();
                for l in lists {
                    out.extend(self.eval_list(input.clone(), l)?);
                }
                Ok(out)
            }
            Node::Identifier(name) => match name.as_str() {
                "range" => {
                    self.begin_range += 1;
                    Ok(input)
                }
                "end" => {
                    if self.in_range > 0 {
                        self.end_range += 1;
                        Ok(Vec::new())
                    } else {
                        Err("not in range, nothing to end".into())
                    }
                }
                other => Err(format!("unrecognized identifier {other}")),
            },
        }
    }

    fn eval_list(&mut self, input: Vec<Value>, nodes: &[Node]) -> Result<Vec<Value>, String> {
        let mut cur = input;
        for n in nodes {
            cur = self.walk(cur, n)?;
        }
        Ok(cur)
    }

    fn eval_field(&mut self, input: Vec<Value>, name: &str) -> Result<Vec<Value>, String> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let results: Vec<Value> = input
            .iter()
            .filter_map(|v| v.as_object().and_then(|m| m.get(name)).cloned())
            .collect();
        if results.is_empty() && !self.allow_missing_keys {
            return Err(format!("{name} is not found"));
        }
        Ok(results)
    }

    fn eval_filter(
        &mut self,
        input: Vec<Value>,
        left: &[Node],
        right: &[Node],
        op: &str,
    ) -> Result<Vec<Value>, String> {
        let mut results = Vec::new();
        for value in &input {
            let Some(items) = value.as_array() else {
                return Err(format!("{} is not array or slice and cannot be filtered", go_v(value)));
            };
            for item in items {
                let lefts = self.eval_list(vec![item.clone()], left);
                if op == "exists" {
                    if lefts.as_ref().is_ok_and(|l| !l.is_empty()) {
                        results.push(item.clone());
                    }
                    continue;
                }
                let lefts = lefts?;
                let l = match lefts.len() {
                    0 => continue,
                    1 => lefts.into_iter().next().unwrap_or(Value::Null),
                    _ => return Err("can only compare one element at a time".into()),
                };
                let rights = self.eval_list(vec![item.clone()], right)?;
                let r = match rights.len() {
                    0 => continue,
                    1 => rights.into_iter().next().unwrap_or(Value::Null),
                    _ => return Err("can only compare one element at a time".into()),
                };
                if compare(&l, &r, op)? {
                    results.push(item.clone());
                }
            }
        }
        Ok(results)
    }
}

fn children(v: &Value) -> Vec<Value> {
    match v {
        Value::Object(m) => m.values().cloned().collect(),
        Value::Array(a) => a.clone(),
        // Indexing a Go string yields its bytes.
        Value::String(s) => s.bytes().map(Value::from).collect(),
        _ => Vec::new(),
    }
}

fn recursive(v: &Value, out: &mut Vec<Value>, steps: &mut usize) -> Result<(), String> {
    *steps += 1;
    if *steps > MAX_STEPS {
        return Err("template evaluation too large".into());
    }
    let kids = children(v);
    if !kids.is_empty() {
        out.push(v.clone());
        for k in &kids {
            recursive(k, out, steps)?;
        }
    }
    Ok(())
}

fn eval_array(input: Vec<Value>, params: &[Param; 3]) -> Result<Vec<Value>, String> {
    let mut result = Vec::new();
    for value in &input {
        if value.is_null() {
            continue;
        }
        let Some(items) = value.as_array() else {
            return Err(format!("{} is not array or slice", go_type(value)));
        };
        let len = items.len() as i64;
        let mut p = *params;
        if !p[0].known {
            p[0].value = 0;
        }
        if p[0].value < 0 {
            p[0].value = p[0].value.saturating_add(len);
        }
        if !p[1].known {
            p[1].value = len;
        }
        if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
            p[1].value = p[1].value.saturating_add(len);
        }
        if p[1].value == p[0].value {
            return Ok(result);
        }
        if p[0].value >= len || p[0].value < 0 {
            return Err(format!(
                "array index out of bounds: index {}, length {}",
                p[0].value, len
            ));
        }
        if p[1].value > len || p[1].value < 0 {
            return Err(format!(
                "array index out of bounds: index {}, length {}",
                p[1].value.saturating_sub(1),
                len
            ));
        }
        if p[0].value > p[1].value {
            return Err(format!(
                "starting index {} is greater than ending index {}",
                p[0].value, p[1].value
            ));
        }
        let step = if p[2].known {
            if p[2].value <= 0 {
                return Err("step must be > 0".into());
            }
            p[2].value as usize
        } else {
            1
        };
        let slice = items.get(p[0].value as usize..p[1].value as usize).unwrap_or(&[]);
        result.extend(slice.iter().step_by(step).cloned());
    }
    Ok(result)
}

#[derive(PartialEq)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
}

fn basic_kind(v: &Value) -> Result<Kind, String> {
    match v {
        Value::Bool(_) => Ok(Kind::Bool),
        Value::Number(n) if n.is_f64() => Ok(Kind::Float),
        Value::Number(_) => Ok(Kind::Int),
        Value::String(_) => Ok(Kind::Str),
        _ => Err("invalid type for comparison".into()),
    }
}

// The text/template comparison functions the filter uses.
fn compare(l: &Value, r: &Value, op: &str) -> Result<bool, String> {
    let (k1, k2) = (basic_kind(l)?, basic_kind(r)?);
    if k1 != k2 {
        return Err("incompatible types for comparison".into());
    }
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match k1 {
        Kind::Bool => {
            if !matches!(op, "==" | "!=") {
                return Err("invalid type for comparison".into());
            }
            Some(l.as_bool().cmp(&r.as_bool()))
        }
        Kind::Int => l
            .as_i64()
            .zip(r.as_i64())
            .map(|(a, b)| a.cmp(&b))
            .or_else(|| l.as_u64().zip(r.as_u64()).map(|(a, b)| a.cmp(&b))),
        Kind::Float => l.as_f64().zip(r.as_f64()).and_then(|(a, b)| a.partial_cmp(&b)),
        Kind::Str => Some(l.as_str().cmp(&r.as_str())),
    };
    Ok(match op {
        "==" => ord == Some(Ordering::Equal),
        "!=" => ord != Some(Ordering::Equal),
        "<" => ord == Some(Ordering::Less),
        ">" => ord == Some(Ordering::Greater),
        "<=" => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        ">=" => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        other => return Err(format!("unrecognized filter operator {other}")),
    })
}

/// evalToText: how a scalar result prints.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_f64() => go_float(n.as_f64().unwrap_or(0.0)),
        Value::Number(n) => n.to_string(),
        other => go_json(other),
    }
}

impl JsonPath {
    /// Parses a template; the error is the parser's message (e.g. `unclosed action`).
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let root = Parser::new(text, 0).parse()?;
        Ok(JsonPath {
            root,
            allow_missing_keys: false,
            output_json: false,
        })
    }

    pub fn allow_missing_keys(mut self, allow: bool) -> Self {
        self.allow_missing_keys = allow;
        self
    }

    pub fn enable_json_output(mut self, on: bool) -> Self {
        self.output_json = on;
        self
    }

    pub fn find_results(&self, data: &Value) -> Result<Vec<Vec<Value>>, String> {
        let mut ev = Eval {
            allow_missing_keys: self.allow_missing_keys,
            ..Default::default()
        };
        ev.find_results(&self.root, 0, data)
    }

    /// The first value of the first result set (what custom columns and sorting look at).
    pub fn find_first(&self, data: &Value) -> Option<Value> {
        let mut ev = Eval {
            allow_missing_keys: true,
            ..Default::default()
        };
        ev.find_results(&self.root, 0, data)
            .ok()?
            .into_iter()
            .next()?
            .into_iter()
            .next()
    }

    /// Execute: every result set printed in turn.
    pub fn execute(&self, data: &Value) -> Result<String, String> {
        let mut out = String::new();
        for results in self.find_results(data)? {
            out.push_str(&self.print_results(results));
        }
        Ok(out)
    }

    fn print_results(&self, results: Vec<Value>) -> String {
        if self.output_json {
            return go_json_indent(&Value::Array(results), "    ") + "\n";
        }
        let texts: Vec<String> = results
            .iter()
            .map(|r| match r {
                Value::Object(_) | Value::Array(_) => go_json(r),
                other => value_text(other),
            })
            .collect();
        texts.join(" ")
    }
}

#[cfg(test)]
mod tests;
