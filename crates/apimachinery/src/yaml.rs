//! kubectl's output encoders. `-o json` is Go's `json.MarshalIndent(obj, "", "    ")`; `-o yaml`
//! is sigs.k8s.io/yaml: the object is marshalled to JSON, re-read by go-yaml v2 and emitted by
//! its libyaml-derived emitter. This module reproduces that emitter (styles, quoting, 80-column
//! folding, block scalars, go-yaml's "natural" key order) and the JSON round trip's effects on
//! numbers.

use serde_json::Value;
use std::cmp::Ordering;

// ---------------------------------------------------------------- JSON ----

/// Go's `encoding/json` string encoding (HTML-safe: `<`, `>`, `&` as `\u003c` …).
pub fn go_json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `encoding/json` float64 text: positional for 1e-6 <= |f| < 1e21, else exponent form
/// (`1e+21`, `1e-7`).
pub fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let (mantissa, exp) = split_exp(f);
        if exp < 0 {
            format!("{mantissa}e-{}", -exp)
        } else {
            format!("{mantissa}e+{exp:02}")
        }
    } else {
        format!("{f}")
    }
}

/// Shortest digits of `f` in scientific form: ("1.5", -7) for 1.5e-7.
fn split_exp(f: f64) -> (String, i32) {
    let s = format!("{f:e}");
    match s.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse().unwrap_or(0)),
        None => (s, 0),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`, as go-yaml prints floats.
pub fn go_format_g(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_string();
    }
    if f == 0.0 {
        return format!("{f}");
    }
    let (mantissa, exp) = split_exp(f);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

fn number_json(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        go_json_float(n.as_f64().unwrap_or(0.0))
    }
}

/// kubectl `-o json`: four-space indentation, sorted keys, Go escaping, trailing newline.
pub fn to_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v, 0);
    out.push('\n');
    out
}

/// Compact Go-style JSON (as `json.Marshal` prints), e.g. for annotations.
pub fn to_json_compact(v: &Value) -> String {
    let mut out = String::new();
    write_json_compact(&mut out, v);
    out
}

fn sorted_entries(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<(&String, &Value)> = m.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn write_json(out: &mut String, v: &Value, depth: usize) {
    let pad = |out: &mut String, d: usize| {
        out.push('\n');
        for _ in 0..d {
            out.push_str("    ");
        }
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_json(n)),
        Value::String(s) => out.push_str(&go_json_string(s)),
        Value::Array(a) if a.is_empty() => out.push_str("[]"),
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, depth + 1);
                write_json(out, item, depth + 1);
            }
            pad(out, depth);
            out.push(']');
        }
        Value::Object(m) if m.is_empty() => out.push_str("{}"),
        Value::Object(m) => {
            out.push('{');
            for (i, (k, item)) in sorted_entries(m).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(out, depth + 1);
                out.push_str(&go_json_string(k));
                out.push_str(": ");
                write_json(out, item, depth + 1);
            }
            pad(out, depth);
            out.push('}');
        }
    }
}

fn write_json_compact(out: &mut String, v: &Value) {
    match v {
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_compact(out, item);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, item)) in sorted_entries(m).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&go_json_string(k));
                out.push(':');
                write_json_compact(out, item);
            }
            out.push('}');
        }
        other => write_json(out, other, 0),
    }
}

// ---------------------------------------------------------------- YAML ----

/// kubectl `-o yaml` for one object (no `---`; ends with a newline).
pub fn to_yaml(v: &Value) -> String {
    let mut e = Emitter::new();
    e.node(v, true, false, false, false);
    // document end
    e.write_indent();
    e.out
}

/// go-yaml v2's map key order (`keyList.Less`): letters compare as runes, runs of digits
/// compare as numbers, so `k2` sorts before `k10`.
pub fn yaml_key_cmp(a: &str, b: &str) -> Ordering {
    if key_less(a, b) {
        Ordering::Less
    } else if key_less(b, a) {
        Ordering::Greater
    } else {
        a.cmp(b)
    }
}

/// Orders keys as Go's `sort.Sort` does with go-yaml's comparator: insertion sort up to 12
/// elements (which matters because the comparator is not always transitive).
fn sort_keys(mut keys: Vec<&String>) -> Vec<&String> {
    if keys.len() <= 12 {
        for i in 1..keys.len() {
            let mut j = i;
            while j > 0 && key_less(keys[j], keys[j - 1]) {
                keys.swap(j, j - 1);
                j -= 1;
            }
        }
    } else {
        keys.sort_by(|a, b| yaml_key_cmp(a, b));
    }
    keys
}

fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let digit = |c: char| c.is_ascii_digit();
    let n = ar.len().min(br.len());
    for i in 0..n {
        let (ca, cb) = (ar[i], br[i]);
        if ca == cb {
            continue;
        }
        let al = ca.is_alphabetic();
        let bl = cb.is_alphabetic();
        if al && bl {
            return ca < cb;
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ca == '0' || cb == '0' {
            let mut j = i;
            while j > 0 && digit(ar[j - 1]) {
                if ar[j - 1] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
                j -= 1;
            }
        }
        let mut ai = i;
        while ai < ar.len() && digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(i64::from(br[bi] as u8 - b'0'));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ca < cb;
    }
    ar.len() < br.len()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// What go-yaml's resolver would make of an unquoted scalar.
#[derive(PartialEq, Eq, Debug)]
enum Resolved {
    Str,
    Int,
    Float,
    /// bool, null, special floats, merge key, timestamp
    Other,
}

/// go-yaml v2 `resolve("", s)`, reduced to the tag it yields.
fn resolve(s: &str) -> Resolved {
    const OTHER: [&str; 33] = [
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No", "NO", "false",
        "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf",
        ".INF",
    ];
    const INF: [&str; 6] = ["+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"];
    if OTHER.contains(&s) || INF.contains(&s) {
        return Resolved::Other;
    }
    let Some(&first) = s.as_bytes().first() else {
        return Resolved::Other;
    };
    match first {
        b'.' if go_parse_float(s).is_some() => return Resolved::Float,
        b'+' | b'-' | b'0'..=b'9' => {
            if is_timestamp(s) {
                return Resolved::Other;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if go_parse_int(&plain).is_some() {
                return Resolved::Int;
            }
            if yaml_style_float(&plain) && go_parse_float(&plain).is_some() {
                return Resolved::Float;
            }
            if let Some(bits) = plain.strip_prefix("0b").or_else(|| plain.strip_prefix("-0b")) {
                if !bits.is_empty() && bits.bytes().all(|b| b == b'0' || b == b'1') && bits.len() <= 64 {
                    return Resolved::Int;
                }
            }
        }
        _ => {}
    }
    Resolved::Str
}

/// strconv.ParseInt/ParseUint(s, 0, 64) succeeds (sign, 0x/0o/0b/0 prefixes, `_` already removed).
fn go_parse_int(s: &str) -> Option<()> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
        (8, r)
    } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
        (2, r)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u128::from_str_radix(digits, radix).ok()?;
    let fits = if neg {
        mag <= 1u128 << 63
    } else {
        mag <= u128::from(u64::MAX)
    };
    fits.then_some(())
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub(crate) fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// strconv.ParseFloat(s, 64) accepting what go-yaml feeds it (decimal forms, inf/nan words).
fn go_parse_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if matches!(body, "inf" | "infinity" | "nan") {
        return Some(0.0);
    }
    if body.starts_with("0x") {
        return None;
    }
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    if cleaned.len() != s.len() {
        return None;
    }
    s.parse::<f64>().ok()
}

/// go-yaml's `parseTimestamp`: four digits and a dash, then one of its accepted layouts.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let lead = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if lead != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    // date part: YYYY-M-D (1 or 2 digit month/day)
    let rest = &s[5..];
    let mut parts = rest.splitn(2, ['T', 't', ' ']);
    let date = parts.next().unwrap_or("");
    let time = parts.next();
    let mut dp = date.split('-');
    let (Some(m), Some(d), None) = (dp.next(), dp.next(), dp.next()) else {
        return false;
    };
    let ok_num = |x: &str, max: u32| {
        (1..=2).contains(&x.len())
            && x.bytes().all(|c| c.is_ascii_digit())
            && x.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n))
    };
    if !ok_num(m, 12) || !ok_num(d, 31) {
        return false;
    }
    match time {
        None => true,
        Some(t) => {
            // H:M:S with optional fraction and (for the T forms) a zone
            let t = t.trim_end_matches('Z');
            let core = t.split(['+', '-']).next().unwrap_or("");
            let hms: Vec<&str> = core.split('.').next().unwrap_or("").split(':').collect();
            hms.len() == 3
                && hms
                    .iter()
                    .all(|x| (1..=2).contains(&x.len()) && x.bytes().all(|c| c.is_ascii_digit()))
        }
    }
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&c) = b.first() else { return false };
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !s.contains(':') {
        return false;
    }
    let mut i = usize::from(c == b'+' || c == b'-');
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) && i - start < 2 {
            i += 1;
        }
        let g = &b[start..i];
        let ok = match g {
            [d] => d.is_ascii_digit(),
            [a, d] => (b'0'..=b'5').contains(a) && d.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// The scalar text and requested style a JSON value becomes after kubectl's JSON → YAML trip.
fn scalar_of(v: &Value) -> (String, Style) {
    match v {
        Value::Null => ("null".to_string(), Style::Plain),
        Value::Bool(b) => (b.to_string(), Style::Plain),
        Value::Number(n) => (yaml_number(n), Style::Plain),
        Value::String(s) => {
            let s = fold_nel(s);
            let style = if s.contains('\n') {
                Style::Literal
            } else if resolve(&s) == Resolved::Str && !is_base60_float(&s) {
                Style::Plain
            } else {
                Style::DoubleQuoted
            };
            (s, style)
        }
        Value::Array(_) | Value::Object(_) => (String::new(), Style::Plain),
    }
}

/// Go's JSON leaves NEL (U+0085) raw, and go-yaml reads it inside the double-quoted JSON
/// string as a line break: the break and the spaces around it fold to one space, or to n-1
/// newlines for n breaks in a row.
fn fold_nel(s: &str) -> String {
    if !s.contains('\u{85}') {
        return s.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' || c == '\u{85}' {
            let start = i;
            let mut breaks = 0;
            while i < chars.len() && (chars[i] == ' ' || chars[i] == '\u{85}') {
                if chars[i] == '\u{85}' {
                    breaks += 1;
                }
                i += 1;
            }
            match breaks {
                0 => out.extend(&chars[start..i]),
                1 => out.push(' '),
                n => out.extend(std::iter::repeat_n('\n', n - 1)),
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// A JSON number as go-yaml re-reads and prints it: integers stay, `-0` becomes `0`, anything
/// else is a float printed with `%g`.
fn yaml_number(n: &serde_json::Number) -> String {
    let text = number_json(n);
    if let Ok(i) = text.parse::<i64>() {
        return i.to_string();
    }
    if let Ok(u) = text.parse::<u64>() {
        return u.to_string();
    }
    go_format_g(text.parse::<f64>().unwrap_or(0.0))
}

struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: Option<char>) -> bool {
    matches!(c, Some(' ' | '\t'))
}

fn is_blankz(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\0') || is_break(c)
}

/// yaml_emitter_analyze_scalar (block context only: flow is used just for `[]` and `{}`).
fn analyze(value: &[char]) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = false;
    let (mut line_breaks, mut special) = (false, false);
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) = (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let starts = |p: &str| value.len() >= 3 && value.iter().take(3).copied().eq(p.chars());
    if starts("---") || starts("...") {
        block_indicators = true;
    }
    let mut preceded_by_whitespace = true;
    let n = value.len();
    for (i, &c) in value.iter().enumerate() {
        let followed_by_whitespace = i + 1 >= n || is_blank(value.get(i + 1).copied());
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' => {
                    block_indicators = true
                }
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + 1 == n {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i + 1 == n {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

const BEST_INDENT: i32 = 2;
const BEST_WIDTH: usize = 80;

/// The parts of libyaml's emitter state that block-style output needs.
struct Emitter {
    out: String,
    column: usize,
    indent: i32,
    indents: Vec<i32>,
    whitespace: bool,
    indention: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

impl Emitter {
    fn new() -> Emitter {
        Emitter {
            out: String::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            mapping_context: false,
            simple_key_context: false,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }
    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }
    /// write_break for a break character from the value.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }
    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }
    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }
    fn write_indent(&mut self) {
        let indent = usize::try_from(self.indent.max(0)).unwrap_or(0);
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }
    fn write_indicator(&mut self, indicator: &str, need_whitespace: bool, is_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn node(&mut self, v: &Value, _root: bool, _sequence: bool, mapping: bool, simple_key: bool) {
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match v {
            Value::Array(items) if items.is_empty() => self.empty_flow("[", "]"),
            Value::Object(m) if m.is_empty() => self.empty_flow("{", "}"),
            Value::Array(items) => {
                let indentless = self.mapping_context && !self.indention;
                self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, false, true, false, false);
                }
                self.pop_indent();
            }
            Value::Object(m) => {
                self.increase_indent(false, false);
                let keys = sort_keys(m.keys().collect());
                for k in keys {
                    self.write_indent();
                    let key = Value::String(k.clone());
                    let (text, _) = scalar_of(&key);
                    let chars: Vec<char> = text.chars().collect();
                    let simple = !analyze(&chars).multiline && text.len() <= 128;
                    if simple {
                        self.node(&key, false, false, true, true);
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        self.node(&key, false, false, true, false);
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    if let Some(val) = m.get(k) {
                        self.node(val, false, false, true, false);
                    }
                }
                self.pop_indent();
            }
            scalar => self.scalar(scalar),
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, v: &Value) {
        let (text, requested) = scalar_of(v);
        let value: Vec<char> = text.chars().collect();
        let a = analyze(&value);
        // yaml_emitter_select_scalar_style
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain {
            if !a.block_plain_allowed {
                style = Style::SingleQuoted;
            }
            if value.is_empty() && self.simple_key_context {
                style = Style::SingleQuoted;
            }
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || self.simple_key_context) {
            style = Style::DoubleQuoted;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(&value, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(&value, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(&value, allow_breaks),
            Style::Literal => self.write_literal(&value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &[char], allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in value.iter().enumerate() {
            if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && value.get(i + 1) != Some(&' ') {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, value: &[char], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let n = value.len();
        for (i, &c) in value.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < n
                    && value.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &[char], allow_breaks: bool) {
        let mut spaces = false;
        self.write_indicator("\"", true, false, false);
        let n = value.len();
        // go-yaml's is_bom looks at the start of the value, not at the current character, so
        // a value that starts with a BOM has every character escaped
        let bom = value.first() == Some(&'\u{FEFF}');
        for (i, &c) in value.iter().enumerate() {
            if bom || !is_printable(c) || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let u = c as u32;
                match c {
                    '\0' => self.put('0'),
                    '\u{7}' => self.put('a'),
                    '\u{8}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{b}' => self.put('v'),
                    '\u{c}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1b}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{a0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let (letter, width) = if u <= 0xFF {
                            ('x', 2)
                        } else if u <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for ch in format!("{u:0width$X}").chars() {
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i + 1 < n {
                    self.write_indent();
                    if value.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_block_hints(&mut self, value: &[char]) {
        if value.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            let hint = char::from(b'0' + BEST_INDENT as u8);
            self.write_indicator(&hint.to_string(), false, false, false);
        }
        let chomp = match value {
            [] => Some('-'),
            [.., last] if !is_break(*last) => Some('-'),
            [_] => Some('+'),
            [.., prev, _] if is_break(*prev) => Some('+'),
            _ => None,
        };
        if let Some(c) = chomp {
            self.write_indicator(&c.to_string(), false, false, false);
        }
    }

    fn write_literal(&mut self, value: &[char]) {
        self.write_indicator("|", true, false, false);
        self.write_block_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in value {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Builds a ConfigMap like `kubectl create configmap x --from-literal=kNNN=<v> …` with the
    /// values numbered in order.
    fn configmap(values: &[&str]) -> Value {
        let mut data = serde_json::Map::new();
        for (i, v) in values.iter().enumerate() {
            data.insert(format!("k{i:03}"), Value::String(v.to_string()));
        }
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": data})
    }

    fn data_lines(out: &str) -> String {
        let start = out.find("data:\n").map(|i| i + 6).unwrap_or(0);
        let end = out.find("kind: ConfigMap").unwrap_or(out.len());
        out[start..end].to_string()
    }

    // Expected lines recorded from real kubectl v1.37.1:
    // kubectl create configmap x --from-literal=k000=true … --dry-run=client -o yaml
    #[test]
    fn scalar_quoting_matches_real_kubectl() {
        let values = [
            "true",
            "",
            "123",
            "x: y",
            "yes",
            "on",
            "null",
            "1.5",
            "0x1f",
            "-",
            "~",
            " lead",
            "trail ",
            "a #b",
            "a# b",
            "*star",
            "&amp",
            "!bang",
            "%pct",
            "@at",
            "`bt",
            "{br",
            "[sq",
            "'sq",
            "\"dq",
            "|pipe",
            ">gt",
            "a:b",
            "a: ",
            "-a",
            "- a",
            "?q",
            "? q",
            ":c",
            "#h",
            "a,b",
            "1e3",
            "0o17",
            "017",
            "1_000",
            ".5",
            "+1",
            ".inf",
            "NaN",
            "Y",
            "n",
            "off",
            "2001-12-14",
            "1:20",
            "é",
            "日本",
            "é ü",
            "=",
            "<",
            "a{b}",
            "a[b]",
            "-1",
            "- ",
            "---",
            "...",
            "a'b",
            "a\"b",
            "0",
            "00",
            "+",
            ".",
            "1.",
            "=x",
            "<<",
            "a b",
            "%",
            "@",
        ];
        let want = r#"  k000: "true"
  k001: ""
  k002: "123"
  k003: 'x: y'
  k004: "yes"
  k005: "on"
  k006: "null"
  k007: "1.5"
  k008: "0x1f"
  k009: '-'
  k010: "~"
  k011: ' lead'
  k012: 'trail '
  k013: 'a #b'
  k014: a# b
  k015: '*star'
  k016: '&amp'
  k017: '!bang'
  k018: '%pct'
  k019: '@at'
  k020: '`bt'
  k021: '{br'
  k022: '[sq'
  k023: '''sq'
  k024: '"dq'
  k025: '|pipe'
  k026: '>gt'
  k027: a:b
  k028: 'a: '
  k029: -a
  k030: '- a'
  k031: ?q
  k032: '? q'
  k033: :c
  k034: '#h'
  k035: a,b
  k036: "1e3"
  k037: "0o17"
  k038: "017"
  k039: "1_000"
  k040: ".5"
  k041: "+1"
  k042: ".inf"
  k043: NaN
  k044: "Y"
  k045: "n"
  k046: "off"
  k047: "2001-12-14"
  k048: "1:20"
  k049: é
  k050: 日本
  k051: é ü
  k052: =
  k053: <
  k054: a{b}
  k055: a[b]
  k056: "-1"
  k057: '- '
  k058: '---'
  k059: '...'
  k060: a'b
  k061: a"b
  k062: "0"
  k063: "00"
  k064: +
  k065: .
  k066: "1."
  k067: =x
  k068: <<
  k069: a b
  k070: '%'
  k071: '@'
"#;
        assert_eq!(data_lines(&to_yaml(&configmap(&values))), want);
    }

    #[test]
    fn more_scalars_match_real_kubectl() {
        let long =
            "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss tttt uuuu";
        let hundred_x = "x".repeat(100) + " yy";
        let long_colon = format!("{long}: x");
        let double_long = format!("{long}{long}");
        let values = [
            "a\tb",
            "\ttab",
            "x\r\ny",
            long,
            &long_colon,
            "\nlead",
            "x\n y",
            "x\n\ty",
            "😀",
            "\u{a0}nb",
            &hundred_x,
            "x\n\n\ny",
            "x \n",
            "line1\nline2 #c\n",
            "a # b",
            "  \n",
            "\n",
            "\n\n",
            " ",
            &double_long,
            "- x\ny",
            "#x\ny",
            "null ",
            "True",
            "TRUE",
            "tRue",
            "FALSE",
            "Off",
            "0b101",
            "-0x1f",
            "1e+3",
            "1E3",
            "-.inf",
            ".Inf",
            "12:30:45",
            "190:20:30",
            "1:2",
            "+0.5e-3",
            "0.1",
            "1.5e",
            "0x",
            "0xg",
            "--",
            "--x",
            "a  b",
            "x:",
            "x :",
            "a:",
            "[]",
            "{}",
            "a, b",
            "a]",
            "a}",
            "1,000",
            "1 000",
            "0.0.1",
            "v1.2",
            "1e",
            "e3",
            "-.5",
            "+.5",
            "._",
            "1__0",
            "_1",
            "0x_1f",
            "Null",
            "NULL",
            "nULL",
            "~x",
            "y",
            "N",
            "No",
            "ON",
            "oN",
        ];
        let want = "  k000: \"a\\tb\"
  k001: \"\\ttab\"
  k002: \"x\\r\\ny\"
  k003: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo
    pppp qqqq rrrr ssss tttt uuuu
  k004: 'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo
    pppp qqqq rrrr ssss tttt uuuu: x'
  k005: |2-

    lead
  k006: |-
    x
     y
  k007: \"x\\n\\ty\"
  k008: \"\\U0001F600\"
  k009: \u{a0}nb
  k010: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
    yy
  k011: |-
    x


    y
  k012: \"x \\n\"
  k013: |
    line1
    line2 #c
  k014: 'a # b'
  k015: \"  \\n\"
  k016: |2+

  k017: |2+


  k018: ' '
  k019: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo
    pppp qqqq rrrr ssss tttt uuuuaaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj
    kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss tttt uuuu
  k020: |-
    - x
    y
  k021: |-
    #x
    y
  k022: 'null '
  k023: \"True\"
  k024: \"TRUE\"
  k025: tRue
  k026: \"FALSE\"
  k027: \"Off\"
  k028: \"0b101\"
  k029: \"-0x1f\"
  k030: \"1e+3\"
  k031: \"1E3\"
  k032: \"-.inf\"
  k033: \".Inf\"
  k034: \"12:30:45\"
  k035: \"190:20:30\"
  k036: \"1:2\"
  k037: \"+0.5e-3\"
  k038: \"0.1\"
  k039: 1.5e
  k040: 0x
  k041: 0xg
  k042: --
  k043: --x
  k044: a  b
  k045: 'x:'
  k046: 'x :'
  k047: 'a:'
  k048: '[]'
  k049: '{}'
  k050: a, b
  k051: a]
  k052: a}
  k053: 1,000
  k054: 1 000
  k055: 0.0.1
  k056: v1.2
  k057: 1e
  k058: e3
  k059: \"-.5\"
  k060: \"+.5\"
  k061: ._
  k062: \"1__0\"
  k063: _1
  k064: \"0x_1f\"
  k065: \"Null\"
  k066: \"NULL\"
  k067: nULL
  k068: ~x
  k069: \"y\"
  k070: \"N\"
  k071: \"No\"
  k072: \"ON\"
  k073: oN
";
        assert_eq!(data_lines(&to_yaml(&configmap(&values))), want);
    }

    #[test]
    fn control_characters_are_escaped_like_kubectl() {
        // kubectl create configmap x --from-literal=k=$'a\x01b' (etc.) -o yaml
        for (v, want) in [
            ("a\u{1}b", "\"a\\x01b\""),
            ("a\u{1b}b", "\"a\\eb\""),
            ("a\rb", "\"a\\rb\""),
            ("a\u{8}b", "\"a\\bb\""),
            ("a\u{85}b", "a b"),
            ("\u{feff}bom", "\"\\uFEFF\\x62\\x6F\\x6D\""),
            ("a\u{feff}b", "\"a\\uFEFFb\""),
            ("a \u{85}  b", "a b"),
            ("a\u{85}\u{85} \u{85}b", "|-\n  a\n\n  b"),
            ("\u{85}x", "' x'"),
            // at the top level the continuation indent is 2 (4 under `data:`)
            ("a\u{2028}b", "'a\u{2028}  b'"),
            ("<b>&\u{2028} é 😀 \t \u{1}", "\"<b>&\\L é \\U0001F600 \\t \\x01\""),
            ("a\u{8}\u{c}c\u{0}d\u{85}e", "\"a\\b\\fc\\0d e\""),
        ] {
            let out = to_yaml(&json!({ "k": v }));
            assert_eq!(out, format!("k: {want}\n"), "{v:?}");
        }
    }

    #[test]
    fn structure_matches_kubectl_layout() {
        let v = json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}], "args": []}],
                     "nodeSelector": {}, "l": [[1, 2], []], "n": null}
        });
        let want = "apiVersion: v1
kind: Pod
metadata:
  labels:
    app: web
  name: p
spec:
  containers:
  - args: []
    image: nginx
    name: c
    ports:
    - containerPort: 80
  l:
  - - 1
    - 2
  - []
  \"n\": null
  nodeSelector: {}
";
        assert_eq!(to_yaml(&v), want);
        assert_eq!(to_yaml(&json!([1, {"a": "b"}])), "- 1\n- a: b\n");
        assert_eq!(to_yaml(&json!({})), "{}\n");
    }

    #[test]
    fn keys_sort_naturally_like_go_yaml() {
        // kubectl create configmap x --from-literal=k10=a --from-literal=k2=b … -o yaml
        let v = json!({"k10": "a", "k2": "b", "k1": "c", "a.b": "1", "a_b": "2", "aB": "3", "a-1": "4", "A": "5", "k02": "6"});
        let out = to_yaml(&v);
        let keys: Vec<&str> = out.lines().map(|l| l.split(':').next().unwrap_or("")).collect();
        assert_eq!(keys, ["A", "a-1", "a.b", "a_b", "aB", "k1", "k2", "k02", "k10"]);
    }

    #[test]
    fn long_and_multiline_keys_use_the_explicit_key_form() {
        let long = "k".repeat(130);
        assert_eq!(to_yaml(&json!({ long.clone(): 1 })), format!("? {long}\n: 1\n"));
        // a multi-line key is not a simple key: explicit form with a literal block
        assert_eq!(to_yaml(&json!({"a\nb": 1})), "? |-\n  a\n  b\n: 1\n");
        assert_eq!(to_yaml(&json!({"": 1, "true": 2})), "\"\": 1\n\"true\": 2\n");
    }

    #[test]
    fn numbers_print_as_after_kubectls_json_round_trip() {
        // kubectl label --local -f f.yaml … -o yaml / -o json (values as the decoder leaves them)
        let v = json!({"a": 0.0001, "b": 0.00001, "c": 100000.5, "d": 1e21, "e": 1.5e300, "f": i64::MAX,
                       "g": 9223372036854775808u64, "h": 1.8446744073709552e19, "i": -9.223372036854776e18,
                       "j": 1.5, "k": 1234567.5, "l": 123456789012.25, "m": 1e-7, "n": -0.5});
        let want = "a: 0.0001
b: 1e-05
c: 100000.5
d: 1e+21
e: 1.5e+300
f: 9223372036854775807
g: 9223372036854775808
h: 1.8446744073709552e+19
i: -9.223372036854776e+18
j: 1.5
k: 1.2345675e+06
l: 1.2345678901225e+11
m: 1e-07
\"n\": -0.5
";
        assert_eq!(to_yaml(&v), want);
        let json_want = "{
    \"a\": 0.0001,
    \"b\": 0.00001,
    \"c\": 100000.5,
    \"d\": 1e+21,
    \"e\": 1.5e+300,
    \"f\": 9223372036854775807,
    \"g\": 9223372036854775808,
    \"h\": 18446744073709552000,
    \"i\": -9223372036854776000,
    \"j\": 1.5,
    \"k\": 1234567.5,
    \"l\": 123456789012.25,
    \"m\": 1e-7,
    \"n\": -0.5
}
";
        assert_eq!(to_json(&v), json_want);
    }

    #[test]
    fn json_output_matches_kubectl() {
        let v = json!({"metadata": {"annotations": {"a": "<b>&\u{2028} é 😀 \t \u{1}\u{8}\u{c}"}}, "el": [], "em": {}, "l": [1, 2]});
        let want = "{
    \"el\": [],
    \"em\": {},
    \"l\": [
        1,
        2
    ],
    \"metadata\": {
        \"annotations\": {
            \"a\": \"\\u003cb\\u003e\\u0026\\u2028 é 😀 \\t \\u0001\\b\\f\"
        }
    }
}
";
        assert_eq!(to_json(&v), want);
        assert_eq!(
            to_json_compact(&json!({"b": [1, "x"], "a": null})),
            "{\"a\":null,\"b\":[1,\"x\"]}"
        );
    }

    #[test]
    fn resolver_and_base60_rules() {
        assert_eq!(resolve("1_000"), Resolved::Int);
        assert_eq!(resolve("0b101"), Resolved::Int);
        assert_eq!(resolve("-0b101"), Resolved::Int);
        assert_eq!(resolve("99999999999999999999"), Resolved::Float);
        assert_eq!(resolve("2001-12-14T21:59:43.10-05:00"), Resolved::Other);
        assert_eq!(resolve("2001-13-14"), Resolved::Str);
        assert_eq!(resolve("_1"), Resolved::Str);
        assert!(is_base60_float("190:20:30"));
        assert!(is_base60_float("1:2"));
        assert!(!is_base60_float("1:60"));
        assert!(!is_base60_float("a:1"));
    }
    #[test]
    fn folding_explicit_keys_and_merge_key_match_real_kubectl() {
        // kubectl label --local -f t.json a=b -o yaml (recorded output)
        let v: Value = serde_json::from_str(r##"{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "b"}}, "n": -0.5, "y": null, "a\nb": 1, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk": 2, "ls": "a\u2028b", "<<": "m", "z": {"deep": {"s": "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr"}}, "q": "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\tqqqq  rrrr ssss tttt", "lst": ["aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr"]}"##).unwrap();
        let want = r##"<<: m
? |-
  a
  b
: 1
apiVersion: v1
kind: ConfigMap
? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk
: 2
ls: 'a   b'
lst:
- aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp
  qqqq rrrr
metadata:
  labels:
    a: b
  name: x
"n": -0.5
q: "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\tqqqq
  \ rrrr ssss tttt"
"y": null
z:
  deep:
    s: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo
      pppp qqqq rrrr
"##;
        assert_eq!(to_yaml(&v), want);
    }
}
