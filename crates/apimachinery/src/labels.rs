//! Label selectors as k8s.io/apimachinery/pkg/labels parses, matches and prints them, and
//! `metav1.LabelSelector` conversion (LabelSelectorAsSelector, FormatLabelSelector).

use crate::validation::{is_qualified_name, is_valid_label_value};
use crate::yaml::go_json_string;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A selector parse or construction failure; the message is upstream's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SelectorError(pub String);

/// selection.Operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    DoesNotExist,
    Equals,
    DoubleEquals,
    In,
    NotEquals,
    NotIn,
    Exists,
    GreaterThan,
    LessThan,
}

impl Operator {
    /// The operator's string value (`selection.Operator`).
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::DoesNotExist => "!",
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::In => "in",
            Operator::NotEquals => "!=",
            Operator::NotIn => "notin",
            Operator::Exists => "exists",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

/// One requirement (`labels.Requirement`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

/// field.Path rendering: no path prints as `<nil>`, a child of no path is just its name.
fn child(path: Option<&str>, name: &str) -> String {
    match path {
        None => name.to_string(),
        Some(p) => format!("{p}.{name}"),
    }
}

fn json_list(values: &[String], nil: bool) -> String {
    if nil {
        return "null".to_string();
    }
    let items: Vec<String> = values.iter().map(|v| go_json_string(v)).collect();
    format!("[{}]", items.join(","))
}

/// utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated in brackets.
fn aggregate(errs: Vec<String>) -> String {
    if errs.len() == 1 {
        return errs.into_iter().next().unwrap_or_default();
    }
    let mut seen: Vec<String> = Vec::new();
    for e in errs {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    if seen.len() == 1 {
        return seen.remove(0);
    }
    format!("[{}]", seen.join(", "))
}

fn invalid(path: &str, value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: {value}: {detail}")
}

fn validate_label_key(key: &str, path: &str) -> Option<String> {
    let errs = is_qualified_name(key);
    if errs.is_empty() {
        None
    } else {
        Some(invalid(path, &crate::errors::go_quote(key), &errs.join("; ")))
    }
}

impl Requirement {
    /// labels.NewRequirement with no field path; `values_nil` says the values slice was nil
    /// (only changes how an empty list is printed in errors: `null` rather than `[]`).
    pub fn new(key: &str, operator: Operator, values: Vec<String>) -> Result<Requirement, SelectorError> {
        Self::new_at(key, operator, values, None, false)
    }

    fn new_at(
        key: &str,
        operator: Operator,
        values: Vec<String>,
        path: Option<&str>,
        values_nil: bool,
    ) -> Result<Requirement, SelectorError> {
        let mut errs = Vec::new();
        if let Some(e) = validate_label_key(key, &child(path, "key")) {
            errs.push(e);
        }
        let value_path = child(path, "values");
        let rendered = json_list(&values, values_nil && values.is_empty());
        match operator {
            Operator::In | Operator::NotIn => {
                if values.is_empty() {
                    errs.push(invalid(
                        &value_path,
                        &rendered,
                        "for 'in', 'notin' operators, values set can't be empty",
                    ));
                }
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
                if values.len() != 1 {
                    errs.push(invalid(
                        &value_path,
                        &rendered,
                        "exact-match compatibility requires one single value",
                    ));
                }
            }
            Operator::Exists | Operator::DoesNotExist => {
                if !values.is_empty() {
                    errs.push(invalid(
                        &value_path,
                        &rendered,
                        "values set must be empty for exists and does not exist",
                    ));
                }
            }
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errs.push(invalid(
                        &value_path,
                        &rendered,
                        "for 'Gt', 'Lt' operators, exactly one value is required",
                    ));
                }
                for (i, v) in values.iter().enumerate() {
                    if v.parse::<i64>().is_err() {
                        errs.push(invalid(
                            &format!("{value_path}[{i}]"),
                            &crate::errors::go_quote(v),
                            "for 'Gt', 'Lt' operators, the value must be an integer",
                        ));
                    }
                }
            }
        }
        for (i, v) in values.iter().enumerate() {
            let msgs = is_valid_label_value(v);
            if !msgs.is_empty() {
                errs.push(invalid(
                    &format!("{value_path}[{i}][{key}]"),
                    &crate::errors::go_quote(v),
                    &msgs.join("; "),
                ));
            }
        }
        if errs.is_empty() {
            Ok(Requirement {
                key: key.to_string(),
                operator,
                values,
            })
        } else {
            Err(SelectorError(aggregate(errs)))
        }
    }

    pub fn key(&self) -> &str {
        &self.key
    }
    pub fn operator(&self) -> Operator {
        self.operator
    }
    pub fn values(&self) -> &[String] {
        &self.values
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let has = |v: &str| self.values.iter().any(|x| x == v);
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => labels.get(&self.key).is_some_and(|v| has(v)),
            Operator::NotIn | Operator::NotEquals => labels.get(&self.key).is_none_or(|v| !has(v)),
            Operator::Exists => labels.contains_key(&self.key),
            Operator::DoesNotExist => !labels.contains_key(&self.key),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(Ok(have)) = labels.get(&self.key).map(|v| v.parse::<i64>()) else {
                    return false;
                };
                let [want] = self.values.as_slice() else {
                    return false;
                };
                let Ok(want) = want.parse::<i64>() else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let op = match self.operator {
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::NotEquals => "!=",
            Operator::In => " in ",
            Operator::NotIn => " notin ",
            Operator::GreaterThan => ">",
            Operator::LessThan => "<",
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
        };
        f.write_str(op)?;
        let paren = matches!(self.operator, Operator::In | Operator::NotIn);
        if paren {
            f.write_str("(")?;
        }
        let mut sorted = self.values.clone();
        sorted.sort();
        f.write_str(&sorted.join(","))?;
        if paren {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A label selector: requirements ANDed, sorted by key; or the selector that matches nothing
/// (what a missing `metav1.LabelSelector` converts to).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    requirements: Vec<Requirement>,
    nothing: bool,
}

impl Selector {
    /// Matches every object.
    pub fn everything() -> Selector {
        Selector::default()
    }
    /// Matches no object.
    pub fn nothing() -> Selector {
        Selector {
            requirements: Vec::new(),
            nothing: true,
        }
    }
    /// True for the selector with no requirements (not for [`Selector::nothing`]).
    pub fn is_empty(&self) -> bool {
        !self.nothing && self.requirements.is_empty()
    }
    pub fn matches_nothing(&self) -> bool {
        self.nothing
    }
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// labels.Parse.
    pub fn parse(s: &str) -> Result<Selector, SelectorError> {
        let mut p = Parser::new(s);
        let mut reqs = p.parse()?;
        reqs.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Selector {
            requirements: reqs,
            nothing: false,
        })
    }

    /// labels.SelectorFromSet: `k=v` for every pair.
    pub fn from_set(set: &BTreeMap<String, String>) -> Selector {
        let requirements = set
            .iter()
            .map(|(k, v)| Requirement {
                key: k.clone(),
                operator: Operator::Equals,
                values: vec![v.clone()],
            })
            .collect();
        Selector {
            requirements,
            nothing: false,
        }
    }

    /// metav1.LabelSelectorAsSelector over a JSON `LabelSelector` (null → nothing, `{}` →
    /// everything).
    pub fn from_label_selector(ls: &Value) -> Result<Selector, SelectorError> {
        let obj = match ls {
            Value::Null => return Ok(Selector::nothing()),
            Value::Object(o) => o,
            other => {
                return Err(SelectorError(format!(
                    "json: cannot unmarshal {} into Go value of type v1.LabelSelector",
                    json_kind(other)
                )))
            }
        };
        let empty = serde_json::Map::new();
        let match_labels = match obj.get("matchLabels") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(SelectorError(format!(
                "json: cannot unmarshal {} into Go struct field LabelSelector.matchLabels of type map[string]string",
                json_kind(other)
            )))
            }
        };
        let no_exprs = Vec::new();
        let exprs = match obj.get("matchExpressions") {
            None | Some(Value::Null) => &no_exprs,
            Some(Value::Array(a)) => a,
            Some(other) => {
                return Err(SelectorError(format!(
                    "json: cannot unmarshal {} into Go struct field LabelSelector.matchExpressions of type []v1.LabelSelectorRequirement",
                    json_kind(other)
                )))
            }
        };
        if match_labels.is_empty() && exprs.is_empty() {
            return Ok(Selector::everything());
        }
        let mut reqs = Vec::new();
        for (k, v) in match_labels {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => {
                    return Err(SelectorError(format!(
                        "json: cannot unmarshal {} into Go struct field LabelSelector.matchLabels of type string",
                        json_kind(other)
                    )))
                }
            };
            reqs.push(Requirement::new_at(k, Operator::Equals, vec![v], None, false)?);
        }
        for e in exprs {
            let key = e.get("key").and_then(Value::as_str).unwrap_or("");
            let op_name = e.get("operator").and_then(Value::as_str).unwrap_or("");
            let op = match op_name {
                "In" => Operator::In,
                "NotIn" => Operator::NotIn,
                "Exists" => Operator::Exists,
                "DoesNotExist" => Operator::DoesNotExist,
                other => {
                    return Err(SelectorError(format!(
                        "{} is not a valid label selector operator",
                        crate::errors::go_quote(other)
                    )))
                }
            };
            let mut values = Vec::new();
            if let Some(Value::Array(vs)) = e.get("values") {
                for v in vs {
                    match v {
                        Value::String(s) => values.push(s.clone()),
                        other => {
                            return Err(SelectorError(format!(
                                "json: cannot unmarshal {} into Go struct field LabelSelectorRequirement.matchExpressions.values of type string",
                                json_kind(other)
                            )))
                        }
                    }
                }
            }
            reqs.push(Requirement::new_at(key, op, values, None, true)?);
        }
        reqs.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(Selector {
            requirements: reqs,
            nothing: false,
        })
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        !self.nothing && self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Matches a JSON `metadata.labels` object (non-string values are ignored).
    pub fn matches_json(&self, labels: Option<&Value>) -> bool {
        let mut map = BTreeMap::new();
        if let Some(Value::Object(o)) = labels {
            for (k, v) in o {
                if let Value::String(s) = v {
                    map.insert(k.clone(), s.clone());
                }
            }
        }
        self.matches(&map)
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.requirements.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

/// metav1.FormatLabelSelector: the SELECTOR column / describe text; `<none>` when empty and
/// `<error>` when the selector does not convert.
pub fn format_label_selector(ls: &Value) -> String {
    match Selector::from_label_selector(ls) {
        Err(_) => "<error>".to_string(),
        Ok(s) => {
            let text = s.to_string();
            if text.is_empty() {
                "<none>".to_string()
            } else {
                text
            }
        }
    }
}

// ---- lexer and parser (labels.Lexer / labels.Parser) ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Error,
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn string_to_token(s: &[u8]) -> Option<Token> {
    Some(match s {
        b")" => Token::ClosedPar,
        b"," => Token::Comma,
        b"!" => Token::DoesNotExist,
        b"==" => Token::DoubleEquals,
        b"=" => Token::Equals,
        b">" => Token::GreaterThan,
        b"in" => Token::In,
        b"<" => Token::LessThan,
        b"!=" => Token::NotEquals,
        b"notin" => Token::NotIn,
        b"(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special(c: u8) -> bool {
    matches!(c, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    /// Reads a byte; 0 at the end (and for a NUL byte, which upstream also treats as the end).
    fn read(&mut self) -> u8 {
        match self.s.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => 0,
        }
    }
    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }
    fn scan_id_or_keyword(&mut self) -> (Token, String) {
        let mut buf = Vec::new();
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if is_special(ch) || is_whitespace(ch) {
                self.unread();
                break;
            }
            buf.push(ch);
        }
        let lit = String::from_utf8_lossy(&buf).into_owned();
        match string_to_token(&buf) {
            Some(t) => (t, lit),
            None => (Token::Identifier, lit),
        }
    }
    fn scan_special(&mut self) -> (Token, String) {
        let mut buf = Vec::new();
        let mut last: Option<(Token, String)> = None;
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if is_special(ch) {
                buf.push(ch);
                if let Some(t) = string_to_token(&buf) {
                    last = Some((t, String::from_utf8_lossy(&buf).into_owned()));
                } else if last.is_some() {
                    self.unread();
                    break;
                }
            } else {
                self.unread();
                break;
            }
        }
        match last {
            Some(item) => item,
            None => (
                Token::Error,
                format!("error expected: keyword found '{}'", String::from_utf8_lossy(&buf)),
            ),
        }
    }
    fn lex(&mut self) -> (Token, String) {
        let mut ch = self.read();
        while is_whitespace(ch) {
            ch = self.read();
        }
        if ch == 0 {
            return (Token::EndOfString, String::new());
        }
        self.unread();
        if is_special(ch) {
            self.scan_special()
        } else {
            self.scan_id_or_keyword()
        }
    }
}

struct Parser {
    items: Vec<(Token, String)>,
    position: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    KeyAndOperator,
    Values,
}

fn err<T>(msg: String) -> Result<T, SelectorError> {
    Err(SelectorError(msg))
}

impl Parser {
    fn new(s: &str) -> Parser {
        let mut lexer = Lexer {
            s: s.as_bytes(),
            pos: 0,
        };
        let mut items = Vec::new();
        loop {
            let (t, l) = lexer.lex();
            items.push((t, l));
            if t == Token::EndOfString {
                break;
            }
        }
        Parser { items, position: 0 }
    }

    fn item(&self, at: usize, ctx: Context) -> (Token, String) {
        let (t, l) = self
            .items
            .get(at)
            .cloned()
            .unwrap_or((Token::EndOfString, String::new()));
        let t = if ctx == Context::Values && matches!(t, Token::In | Token::NotIn) {
            Token::Identifier
        } else {
            t
        };
        (t, l)
    }
    fn lookahead(&self, ctx: Context) -> (Token, String) {
        self.item(self.position, ctx)
    }
    fn consume(&mut self, ctx: Context) -> (Token, String) {
        self.position += 1;
        self.item(self.position - 1, ctx)
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, SelectorError> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Context::Values);
            match tok {
                Token::Identifier | Token::DoesNotExist => {
                    let r = self
                        .parse_requirement()
                        .map_err(|e| SelectorError(format!("unable to parse requirement: {}", e.0)))?;
                    reqs.push(r);
                    let (t, l) = self.consume(Context::Values);
                    match t {
                        Token::EndOfString => return Ok(reqs),
                        Token::Comma => {
                            let (t2, l2) = self.lookahead(Context::Values);
                            if t2 != Token::Identifier && t2 != Token::DoesNotExist {
                                return err(format!("found '{l2}', expected: identifier after ','"));
                            }
                        }
                        _ => return err(format!("found '{l}', expected: ',' or 'end of string'")),
                    }
                }
                Token::EndOfString => return Ok(reqs),
                _ => return err(format!("found '{lit}', expected: !, identifier, or 'end of string'")),
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, SelectorError> {
        let (key, op) = self.parse_key_and_infer_operator()?;
        if let Some(op @ (Operator::Exists | Operator::DoesNotExist)) = op {
            return Requirement::new_at(&key, op, Vec::new(), None, false);
        }
        let op = self.parse_operator()?;
        let values = match op {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Requirement::new_at(&key, op, values.into_iter().collect(), None, false)
    }

    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), SelectorError> {
        let mut op = None;
        let (mut tok, mut lit) = self.consume(Context::Values);
        if tok == Token::DoesNotExist {
            op = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(Context::Values);
        }
        if tok != Token::Identifier {
            return err(format!("found '{lit}', expected: identifier"));
        }
        if let Some(e) = validate_label_key(&lit, "<nil>") {
            return Err(SelectorError(e));
        }
        let (t, _) = self.lookahead(Context::Values);
        if (t == Token::EndOfString || t == Token::Comma) && op != Some(Operator::DoesNotExist) {
            op = Some(Operator::Exists);
        }
        Ok((lit, op))
    }

    fn parse_operator(&mut self) -> Result<Operator, SelectorError> {
        let (tok, lit) = self.consume(Context::KeyAndOperator);
        Ok(match tok {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => return err(format!("found '{lit}', expected: in, notin, =, ==, !=, gt, lt")),
        })
    }

    fn parse_values(&mut self) -> Result<BTreeSet<String>, SelectorError> {
        let (tok, lit) = self.consume(Context::Values);
        if tok != Token::OpenPar {
            return err(format!("found '{lit}' expected: '('"));
        }
        let (tok, lit) = self.lookahead(Context::Values);
        match tok {
            Token::Identifier | Token::Comma => {
                let s = self.parse_identifiers_list()?;
                let (t, _) = self.consume(Context::Values);
                if t != Token::ClosedPar {
                    // upstream reports the literal seen before the list
                    return err(format!("found '{lit}', expected: ')'"));
                }
                Ok(s)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([String::new()]))
            }
            _ => err(format!("found '{lit}', expected: ',', ')' or identifier")),
        }
    }

    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, SelectorError> {
        let mut s = BTreeSet::new();
        loop {
            let (tok, lit) = self.consume(Context::Values);
            match tok {
                Token::Identifier => {
                    s.insert(lit);
                    let (t2, l2) = self.lookahead(Context::Values);
                    match t2 {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(s),
                        _ => return err(format!("found '{l2}', expected: ',' or ')'")),
                    }
                }
                Token::Comma => {
                    if s.is_empty() {
                        s.insert(String::new());
                    }
                    let (t2, _) = self.lookahead(Context::Values);
                    if t2 == Token::ClosedPar {
                        s.insert(String::new());
                        return Ok(s);
                    }
                    if t2 == Token::Comma {
                        s.insert(String::new());
                    }
                }
                _ => return err(format!("found '{lit}', expected: ',', or identifier")),
            }
        }
    }

    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, SelectorError> {
        let (tok, _) = self.lookahead(Context::Values);
        if tok == Token::EndOfString || tok == Token::Comma {
            return Ok(BTreeSet::from([String::new()]));
        }
        let (tok, lit) = self.consume(Context::Values);
        if tok == Token::Identifier {
            return Ok(BTreeSet::from([lit]));
        }
        err(format!("found '{lit}', expected: identifier"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn parse_then_print_gives_the_canonical_sorted_form() {
        for (input, want) in [
            ("", ""),
            ("x=a", "x=a"),
            ("x==a", "x==a"),
            ("x!=a", "x!=a"),
            ("b=2,a=1", "a=1,b=2"),
            ("  x  =  a  ,  y  ", "x=a,y"),
            ("x in (b,a)", "x in (a,b)"),
            ("x notin (a)", "x notin (a)"),
            ("!x", "!x"),
            ("x>1,y<2", "x>1,y<2"),
            ("x=", "x="),
            ("x in ()", "x in ()"),
            ("x in (a,)", "x in (,a)"),
            ("x in (in,notin)", "x in (in,notin)"),
            ("example.com/app=web", "example.com/app=web"),
            ("x=a,x!=b", "x=a,x!=b"),
        ] {
            let s = Selector::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(s.to_string(), want, "{input}");
        }
    }

    #[test]
    fn parse_errors_use_upstream_texts() {
        for (input, want) in [
            ("x=a b", "found 'b', expected: ',' or 'end of string'"),
            ("x=a,", "found '', expected: identifier after ','"),
            (",x", "found ',', expected: !, identifier, or 'end of string'"),
            ("x y", "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"),
            ("x=a y", "found 'y', expected: ',' or 'end of string'"),
            ("x in a", "unable to parse requirement: found 'a' expected: '('"),
            ("x in (a", "unable to parse requirement: found '', expected: ',' or ')'"),
            ("x (a)", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
            ("x==(a)", "unable to parse requirement: found '(', expected: identifier"),
            ("!=a", "found '!=', expected: !, identifier, or 'end of string'"),
            ("!", "unable to parse requirement: found '', expected: identifier"),
            (
                "x>a",
                "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer",
            ),
        ] {
            assert_eq!(Selector::parse(input).map(|s| s.to_string()), Err(SelectorError(want.to_string())), "{input}");
        }
    }

    // Recorded from real kubectl v1.37.1: `kubectl set selector --local -f svc.yaml '<selector>'`
    // prints `couldn't parse the selector string "<selector>": <message>`.
    #[test]
    fn bad_keys_and_values_report_field_errors() {
        assert_eq!(
            Selector::parse("a/b/c=d").unwrap_err().0,
            "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        );
        assert_eq!(
            Selector::parse("x=-bad").unwrap_err().0,
            "unable to parse requirement: values[0][x]: Invalid value: \"-bad\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        );
    }

    #[test]
    fn matching_follows_each_operator() {
        let l = labels(&[("app", "web"), ("tier", "front"), ("n", "5")]);
        for (sel, want) in [
            ("", true),
            ("app=web", true),
            ("app=db", false),
            ("app!=db", true),
            ("missing!=x", true),
            ("app in (db,web)", true),
            ("app notin (web)", false),
            ("missing notin (web)", true),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("n>4", true),
            ("n<5", false),
            ("app>1", false),
            ("app=web,tier=back", false),
        ] {
            assert_eq!(Selector::parse(sel).map(|s| s.matches(&l)), Ok(want), "{sel}");
        }
        assert!(!Selector::nothing().matches(&l));
        assert!(Selector::everything().is_empty());
        assert!(!Selector::nothing().is_empty());
    }

    #[test]
    fn label_selector_json_converts_and_formats() {
        let ls = json!({"matchLabels": {"b": "2", "a": "1"}, "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "dev"]},
            {"key": "gone", "operator": "DoesNotExist"}
        ]});
        assert_eq!(format_label_selector(&ls), "a=1,b=2,env in (dev,prod),!gone");
        assert_eq!(format_label_selector(&json!({})), "<none>");
        assert_eq!(format_label_selector(&Value::Null), "<none>");
        assert_eq!(
            format_label_selector(&json!({"matchExpressions": [{"key": "a", "operator": "Foo"}]})),
            "<error>"
        );
        let s = Selector::from_label_selector(&json!({"matchLabels": {"app": "web"}})).unwrap();
        assert!(s.matches_json(Some(&json!({"app": "web", "x": "y"}))));
        assert!(!s.matches_json(None));
        assert!(Selector::from_label_selector(&Value::Null).unwrap().matches_nothing());
    }

    #[test]
    fn label_selector_json_errors_match_upstream() {
        let e = Selector::from_label_selector(&json!({"matchExpressions": [{"key": "a", "operator": "Foo"}]}));
        assert_eq!(
            e,
            Err(SelectorError("\"Foo\" is not a valid label selector operator".into()))
        );
        let e = Selector::from_label_selector(&json!({"matchExpressions": [{"key": "a", "operator": "In"}]}));
        assert_eq!(
            e,
            Err(SelectorError(
                "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty".into()
            ))
        );
        let e = Selector::from_label_selector(
            &json!({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}),
        );
        assert_eq!(
            e,
            Err(SelectorError(
                "values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist".into()
            ))
        );
    }

    #[test]
    fn several_requirement_errors_are_aggregated_in_brackets() {
        let e = Requirement::new("-k", Operator::In, vec![]).unwrap_err().0;
        assert!(
            e.starts_with("[key: Invalid value: \"-k\": name part must consist"),
            "{e}"
        );
        assert!(
            e.ends_with(", values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty]"),
            "{e}"
        );
    }
}
