//! Decoding of what users paste: multi-document YAML and JSON, parsed once into JSON values,
//! the way kubectl's resource builder reads `-f` input (k8s.io/apimachinery/pkg/util/yaml
//! YAMLOrJSONDecoder, sigs.k8s.io/yaml YAMLToJSON, unstructured decoding, list flattening).
//!
//! YAML is parsed by serde_yaml (YAML 1.2 scalars) and then adjusted towards go-yaml v2's
//! YAML 1.1 reading: plain `yes`/`no`/`on`/`off`/`y`/`n`, octal `0644`, `1_000` and `0b1`
//! become booleans and numbers when the document shows them unquoted. Numbers end up as
//! kubectl's unstructured objects hold them: integers as i64, everything else as f64.

use crate::errors::go_quote;
use crate::yaml::{go_format_g, to_json_compact};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::collections::BTreeSet;
use std::fmt;

/// Why input could not be decoded. kubectl prints a [`DecodeError::Syntax`] as
/// `error parsing <source>: <message>` and an [`DecodeError::Object`] as
/// `unable to decode "<source>": <message>`; see [`DecodeError::kubectl_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The text is not valid YAML/JSON.
    Syntax(String),
    /// A document parsed but is not a Kubernetes object.
    Object(String),
    /// An item of a `List` is not a usable object (kubectl prints this one without prefix).
    ListItem(String),
}

impl DecodeError {
    pub fn message(&self) -> &str {
        match self {
            DecodeError::Syntax(m) | DecodeError::Object(m) | DecodeError::ListItem(m) => m,
        }
    }
    /// The line kubectl prints (before its `error: ` prefix) for input read from `source`.
    pub fn kubectl_message(&self, source: &str) -> String {
        match self {
            DecodeError::Syntax(m) => format!("error parsing {source}: {m}"),
            DecodeError::Object(m) => format!("unable to decode {}: {m}", go_quote(source)),
            DecodeError::ListItem(m) => m.clone(),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for DecodeError {}

/// Decodes every document in `text` into objects, skipping empty ones and flattening
/// `kind: List` (and `*List`) items; the first problem fails the whole text.
pub fn decode_documents(text: &str) -> Result<Vec<Value>, DecodeError> {
    decode_items(text).into_iter().collect()
}

/// What kubectl's builder sees, in order: each object (list items flattened) or the error
/// for that position. Objects before a syntax error are still returned (kubectl acts on
/// them), and reading stops at the syntax error, which comes last.
pub fn decode_items(text: &str) -> Vec<Result<Value, DecodeError>> {
    let stream = decode_stream_docs(text);
    let mut out = Vec::new();
    for doc in stream.docs {
        let obj = match &doc.value {
            Value::Object(o) => o,
            other => {
                out.push(Err(DecodeError::Object(format!(
                    "json: cannot unmarshal {} into Go value of type unstructured.detector",
                    go_json_kind(other)
                ))));
                continue;
            }
        };
        if obj.get("kind").and_then(Value::as_str).is_none_or(str::is_empty) {
            // JSON input is quoted as written, YAML as converted to JSON
            let shown = doc.raw.clone().unwrap_or_else(|| to_json_compact(&doc.value));
            out.push(Err(DecodeError::Object(format!(
                "Object 'Kind' is missing in '{shown}'"
            ))));
            continue;
        }
        let is_list = obj
            .get("kind")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("List"))
            && matches!(obj.get("items"), Some(Value::Array(_)));
        match obj.get("items") {
            Some(Value::Array(items)) if is_list => {
                for item in items {
                    out.push(check_list_item(item).map(|_| item.clone()));
                }
            }
            _ => out.push(Ok(doc.value)),
        }
    }
    if let Some(e) = stream.error {
        out.push(Err(e));
    }
    out
}

fn check_list_item(item: &Value) -> Result<(), DecodeError> {
    let get = |k: &str| item.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    let prefix = "unable to get type info from the object \"*unstructured.Unstructured\": ";
    if get("kind").is_none() {
        return Err(DecodeError::ListItem(format!(
            "{prefix}Object 'Kind' is missing in 'object has no kind field'"
        )));
    }
    if get("apiVersion").is_none() {
        return Err(DecodeError::ListItem(format!(
            "{prefix}Object 'apiVersion' is missing in 'object has no apiVersion field'"
        )));
    }
    Ok(())
}

fn go_json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// One decoded document; `raw` is its text when it was read as JSON.
struct Doc {
    value: Value,
    raw: Option<String>,
}

/// The documents read before any syntax error, and that error.
#[derive(Default)]
struct Stream {
    docs: Vec<Doc>,
    error: Option<DecodeError>,
}

/// Every non-null document in `text`, as JSON values (no object checks, no flattening).
pub fn decode_stream(text: &str) -> Result<Vec<Value>, DecodeError> {
    let stream = decode_stream_docs(text);
    match stream.error {
        Some(e) => Err(e),
        None => Ok(stream.docs.into_iter().map(|d| d.value).collect()),
    }
}

/// The non-null documents read before any syntax error (as JSON values, unflattened), in
/// order: what kubectl's stream visitor validates one by one before it decodes each.
pub fn decode_stream_prefix(text: &str) -> Vec<Value> {
    decode_stream_docs(text).docs.into_iter().map(|d| d.value).collect()
}

fn decode_stream_docs(text: &str) -> Stream {
    // util/yaml.GuessJSONStream: JSON when the first non-space character is `{`
    if text.trim_start().starts_with('{') {
        decode_json_stream(text)
    } else {
        decode_yaml_stream(text)
    }
}

/// JSON objects one after another; on a failure the rest is retried as YAML (as upstream
/// does while at most one object has been read).
fn decode_json_stream(text: &str) -> Stream {
    let mut out = Stream::default();
    let mut decoded = 0;
    let mut pos = 0usize;
    loop {
        let rest = text.get(pos..).unwrap_or("");
        pos += rest.len() - rest.trim_start().len();
        let rest = text.get(pos..).unwrap_or("");
        if rest.is_empty() {
            return out;
        }
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        match stream.next() {
            None => return out,
            Some(Ok(v)) => {
                let raw = rest.get(..stream.byte_offset()).unwrap_or("").trim().to_string();
                pos += stream.byte_offset();
                decoded += 1;
                if !v.is_null() {
                    out.docs.push(Doc {
                        value: normalize_numbers(v),
                        raw: Some(raw),
                    });
                }
            }
            Some(Err(e)) => {
                let (plain, with_offset) = go_json_error(&e, text, pos);
                if decoded > 1 {
                    out.error = Some(DecodeError::Syntax(plain));
                    return out;
                }
                // upstream rewinds to this object, skips whitespace up to the end of the line
                // and reads the rest as YAML; if that fails at once, the JSON error stands
                let yaml = decode_yaml_stream(consume_whitespace_line(rest));
                let failed_at_once = yaml.docs.is_empty() && yaml.error.is_some();
                out.docs.extend(yaml.docs);
                out.error = if failed_at_once {
                    Some(DecodeError::Syntax(with_offset))
                } else {
                    yaml.error
                };
                return out;
            }
        }
    }
}

fn consume_whitespace_line(s: &str) -> &str {
    for (i, c) in s.char_indices() {
        if c == '\n' {
            return &s[i + 1..];
        }
        if !c.is_whitespace() {
            return &s[i..];
        }
    }
    ""
}

/// Go's json.Decoder message for a serde_json error: (plain message, message with the
/// `json: offset N: ` prefix used when the YAML retry fails too).
fn go_json_error(e: &serde_json::Error, text: &str, start: usize) -> (String, String) {
    if e.is_eof() {
        return ("unexpected EOF".to_string(), "unexpected EOF".to_string());
    }
    let rest = text.get(start..).unwrap_or("");
    let at = byte_index(rest, e.line(), e.column());
    let ch = rest.get(at..).and_then(|s| s.chars().next()).unwrap_or(' ');
    let q = go_quote_char(ch);
    let msg = e.to_string();
    let what = if msg.starts_with("recursion limit exceeded") {
        // serde_json stops at 128 levels where Go allows 10000; Go's text for its own limit.
        "exceeded max depth".to_string()
    } else if msg.starts_with("expected `,` or `}`") {
        format!("invalid character {q} after object key:value pair")
    } else if msg.starts_with("expected `:`") {
        format!("invalid character {q} after object key")
    } else if msg.starts_with("key must be a string") || (msg.starts_with("trailing comma") && ch == '}') {
        format!("invalid character {q} looking for beginning of object key string")
    } else if msg.starts_with("expected `,` or `]`") {
        format!("invalid character {q} after array element")
    } else if msg.starts_with("invalid escape") {
        format!("invalid character {q} in string escape code")
    } else if msg.starts_with("control character") {
        format!("invalid character {q} in string literal")
    } else if msg.starts_with("invalid number") {
        format!("invalid character {q} in numeric literal")
    } else {
        format!("invalid character {q} looking for beginning of value")
    };
    let offset = start + at + ch.len_utf8();
    (what.clone(), format!("json: offset {offset}: {what}"))
}

/// Byte index of serde_json's 1-based line / column (column counts bytes).
fn byte_index(s: &str, line: usize, column: usize) -> usize {
    let mut idx = 0;
    for (n, l) in s.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            return (idx + column.saturating_sub(1)).min(s.len());
        }
        idx += l.len();
    }
    s.len()
}

/// Go's quoteChar: `'x'`, `'\''`, `'"'`, `'\n'`.
fn go_quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".to_string(),
        '"' => "'\"'".to_string(),
        c => {
            let q = go_quote(&c.to_string());
            format!("'{}'", &q[1..q.len() - 1])
        }
    }
}

/// YAMLReader: documents split on lines starting with `---` (followed by nothing or a
/// comment), each converted on its own (so error line numbers count from its start).
fn decode_yaml_stream(text: &str) -> Stream {
    let mut out = Stream::default();
    let mut doc = String::new();
    let push = |out: &mut Stream, doc: &str| -> bool {
        match decode_yaml_document(doc) {
            Ok(Some(v)) => out.docs.push(Doc { value: v, raw: None }),
            Ok(None) => {}
            Err(e) => {
                out.error = Some(e);
                return false;
            }
        }
        true
    };
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        if lines.peek().is_none() && line.is_empty() {
            break;
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(rest) = line.strip_prefix("---") {
            let t = rest.trim();
            if !t.is_empty() && !t.starts_with('#') {
                out.error = Some(DecodeError::Syntax(format!("invalid Yaml document separator: {t}")));
                return out;
            }
            if !doc.is_empty() {
                if !push(&mut out, &doc) {
                    return out;
                }
                doc.clear();
            }
            continue;
        }
        doc.push_str(line);
        doc.push('\n');
    }
    if !doc.is_empty() {
        push(&mut out, &doc);
    }
    out
}

const UNSUPPORTED: &str = "\u{0}kubeplay:unsupported:";

/// One YAML document; `None` when it holds nothing (empty or comments only).
pub fn decode_yaml_document(doc: &str) -> Result<Option<Value>, DecodeError> {
    // go-yaml's double-quoted escapes differ from libyaml's in two: it refuses `\/` and
    // accepts `\'`. A `\/` becomes an escape neither knows (so only inside double quotes it
    // fails, where go-yaml fails too), and the parser itself locates each `\'` it refuses.
    let slash = ['\u{E000}', '\u{F8FF}', '\u{FDD0}']
        .into_iter()
        .find(|c| !doc.contains(*c));
    let mut text = match slash {
        Some(c) => doc.replace("\\/", &format!("\\{c}")),
        None => doc.to_string(),
    };
    loop {
        match parse_yaml_document(&text) {
            Err((_, Some(at))) if text.get(at..).is_some_and(|t| t.starts_with("\\'")) => {
                text.replace_range(at..at + 1, "");
            }
            Err((e, _)) => return Err(DecodeError::Syntax(yaml_error(&e, &text))),
            Ok(v) => {
                return Ok(match (v, slash) {
                    (Some(v), Some(c)) => Some(restore_char(v, c, '/')),
                    (v, _) => v,
                })
            }
        }
    }
}

/// One YAML document as read by serde_yaml, or its error and the byte index it points at.
fn parse_yaml_document(doc: &str) -> Result<Option<Value>, (serde_yaml::Error, Option<usize>)> {
    // go-yaml's Unmarshal reads only the first document of its input (e.g. text after a
    // `...` end marker is ignored)
    let Some(de) = serde_yaml::Deserializer::from_str(doc).next() else {
        return Ok(None);
    };
    let plain = PlainScalars::scan(doc);
    let v = (JsonSeed { plain: &plain }).deserialize(de).map_err(|e| {
        let at = e.location().map(|l| l.index());
        (e, at)
    })?;
    if v.is_null() {
        return Ok(None);
    }
    Ok(Some(normalize_numbers(v)))
}

/// Replaces a placeholder character in every string and key of `v`.
fn restore_char(v: Value, from: char, to: char) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace(from, &to.to_string())),
        Value::Array(a) => Value::Array(a.into_iter().map(|x| restore_char(x, from, to)).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k.replace(from, &to.to_string()), restore_char(x, from, to)))
                .collect(),
        ),
        other => other,
    }
}

const PARSER_PROBLEMS: [&str; 11] = [
    "did not find expected <stream-start>",
    "did not find expected <document start>",
    "found duplicate %YAML directive",
    "found incompatible YAML document",
    "found duplicate %TAG directive",
    "found undefined tag handle",
    "did not find expected node content",
    "did not find expected '-' indicator",
    "did not find expected key",
    "did not find expected ',' or ']'",
    "did not find expected ',' or '}'",
];

/// sigs.k8s.io/yaml's message for a failed document: `error converting YAML to JSON: yaml:
/// line N: <problem>`, with go-yaml's line numbering (parser errors report the line before).
fn yaml_error(e: &serde_yaml::Error, doc: &str) -> String {
    let msg = e.to_string();
    if let Some(i) = msg.find(UNSUPPORTED) {
        let what = msg[i + UNSUPPORTED.len()..].split(' ').next().unwrap_or("");
        return format!("error converting YAML to JSON: json: unsupported value: {what}");
    }
    if let Some(i) = msg.find("\u{0}kubeplay:key:") {
        let what = msg[i + "\u{0}kubeplay:key:".len()..]
            .split(" at line")
            .next()
            .unwrap_or("");
        return format!("error converting YAML to JSON: {what}");
    }
    // Reader errors (control characters, bad encodings) carry no line in go-yaml.
    if let Some((problem, _)) = msg.split_once(" at position ") {
        return format!("error converting YAML to JSON: yaml: {problem}");
    }
    let problem = msg
        .split(" at line ")
        .next()
        .unwrap_or(&msg)
        .split(", while ")
        .next()
        .unwrap_or(&msg);
    let line = e.location().map(|l| l.line()).unwrap_or(0);
    if problem.starts_with("unknown anchor") {
        let name = e
            .location()
            .and_then(|l| doc.get(l.index()..))
            .map(|s| {
                s.trim_start_matches('*')
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !",[]{}".contains(*c))
            })
            .map(|it| it.collect::<String>())
            .unwrap_or_default();
        return format!("error converting YAML to JSON: yaml: unknown anchor '{name}' referenced");
    }
    let line = if PARSER_PROBLEMS.contains(&problem) {
        line.saturating_sub(1)
    } else {
        line
    };
    if line <= 1 && !PARSER_PROBLEMS.contains(&problem) || line == 0 {
        return format!("error converting YAML to JSON: yaml: {problem}");
    }
    format!("error converting YAML to JSON: yaml: line {line}: {problem}")
}

/// Builds a JSON value from any YAML node: later duplicate keys win, keys become strings as
/// sigs.k8s.io/yaml converts them, `<<` merges, non-finite floats are rejected, and scalars
/// the text shows unquoted get go-yaml's YAML 1.1 reading.
#[derive(Clone, Copy)]
struct JsonSeed<'p> {
    plain: &'p PlainScalars,
}

impl<'de> DeserializeSeed<'de> for JsonSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(JsonVisitor { plain: self.plain })
    }
}

struct JsonVisitor<'p> {
    plain: &'p PlainScalars,
}

fn float_value<E: de::Error>(f: f64) -> Result<Value, E> {
    if f.is_nan() {
        return Err(E::custom(format!("{UNSUPPORTED}NaN")));
    }
    if f.is_infinite() {
        return Err(E::custom(format!(
            "{UNSUPPORTED}{}",
            if f > 0.0 { "+Inf" } else { "-Inf" }
        )));
    }
    Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
}

/// A map key as sigs.k8s.io/yaml writes it into JSON.
fn key_string<E: de::Error>(k: Value, v: &Value) -> Result<String, E> {
    Ok(match k {
        Value::String(s) => s,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => go_format_g32(f),
            _ => n.to_string(),
        },
        Value::Null => {
            return Err(E::custom(format!(
                "\u{0}kubeplay:key:unsupported map key of type: %!s(<nil>), key: <nil>, value: {}",
                go_value_repr(v)
            )))
        }
        other => {
            return Err(E::custom(format!(
                "\u{0}kubeplay:key:unsupported map key of type: {}, key: {}, value: {}",
                go_type_name(&other),
                to_json_compact(&other),
                go_value_repr(v)
            )))
        }
    })
}

impl<'de> Visitor<'de> for JsonVisitor<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        float_value(v as f64)
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        float_value(v as f64)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        float_value(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::String(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let seed = JsonSeed { plain: self.plain };
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(seed)? {
            items.push(self.plain.reread(SEQ_KEY, v));
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let seed = JsonSeed { plain: self.plain };
        let mut out = Map::new();
        while let Some(k) = map.next_key_seed(seed)? {
            let v = map.next_value_seed(seed)?;
            let original = match &k {
                Value::String(s) => Some(s.clone()),
                _ => None,
            };
            if let Some(orig) = &original {
                if orig == "<<" && self.plain.keys.contains(orig) {
                    merge_into(&mut out, v);
                    continue;
                }
            }
            let v = match &original {
                Some(orig) => self.plain.reread(orig, v),
                None => v,
            };
            let key = match original.as_deref().and_then(|o| self.plain.reread_key(o)) {
                Some(converted) => converted,
                None => key_string(k, &v)?,
            };
            // a repeated key replaces the earlier value, as go-yaml v2 does
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // a tagged node (`!foo x`): keep the value, drop the tag
        let (_, variant) = data.variant::<de::IgnoredAny>()?;
        de::VariantAccess::newtype_variant_seed(variant, JsonSeed { plain: self.plain })
    }
}

/// go-yaml v2's `<<`: the merged mapping's keys are assigned in place (a list of mappings is
/// applied last to first).
fn merge_into(out: &mut Map<String, Value>, v: Value) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                out.insert(k, v);
            }
        }
        Value::Array(items) => {
            for item in items.into_iter().rev() {
                if let Value::Object(m) = item {
                    for (k, v) in m {
                        out.insert(k, v);
                    }
                }
            }
        }
        _ => {}
    }
}

fn go_type_name(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[interface {}]interface {}",
        _ => "interface {}",
    }
}

fn go_value_repr(v: &Value) -> String {
    match v {
        Value::String(s) => go_quote(s),
        other => to_json_compact(other),
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)`, as sigs.k8s.io/yaml turns float keys into strings.
fn go_format_g32(f: f64) -> String {
    let f32v = f as f32;
    if !f32v.is_finite() || f32v == 0.0 {
        return go_format_g(f64::from(f32v));
    }
    let s = format!("{f32v:e}");
    let (mantissa, exp): (String, i32) = s
        .split_once('e')
        .map_or((s.clone(), 0), |(m, e)| (m.to_string(), e.parse().unwrap_or(0)));
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f32v}")
    }
}

/// kubectl's unstructured numbers: int64 when the JSON text is an integer that fits, else
/// float64 (integral floats print as integers in JSON, so they come back as int64).
pub fn normalize_numbers(v: Value) -> Value {
    match v {
        Value::Number(n) => {
            if n.is_i64() {
                Value::Number(n)
            } else {
                let f = n.as_f64().unwrap_or(0.0);
                // Go prints the float's shortest digits padded with zeros and re-reads them
                let as_int = (f.fract() == 0.0 && f.abs() < 1e21)
                    .then(|| format!("{f}").parse::<i64>().ok())
                    .flatten();
                match as_int {
                    Some(i) => Value::Number(Number::from(i)),
                    None => Number::from_f64(f).map_or(Value::Null, Value::Number),
                }
            }
        }
        Value::Array(items) => Value::Array(items.into_iter().map(normalize_numbers).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, normalize_numbers(v))).collect()),
        other => other,
    }
}

/// The pseudo-key under which sequence items are recorded.
const SEQ_KEY: &str = "-";

/// What the document text writes unquoted: `key: value` pairs, `- value` items and mapping
/// keys. serde_yaml does not report scalar styles, so go-yaml's YAML 1.1 readings (`yes`,
/// `0644`, `1_000`, …) are applied only to scalars seen plain here and never quoted under
/// the same key.
struct PlainScalars {
    plain: BTreeSet<(String, String)>,
    quoted: BTreeSet<(String, String)>,
    keys: BTreeSet<String>,
}

/// The inside of a scalar that is exactly one quoted string.
fn unquote(s: &str) -> Option<&str> {
    for q in ['"', '\''] {
        if let Some(after) = s.strip_prefix(q) {
            let close = closing_quote(after, q)?;
            return (close + 1 == after.len()).then(|| &after[..close]);
        }
    }
    None
}

impl PlainScalars {
    fn scan(doc: &str) -> PlainScalars {
        let mut p = PlainScalars {
            plain: BTreeSet::new(),
            quoted: BTreeSet::new(),
            keys: BTreeSet::new(),
        };
        let mut state = Continuation::None;
        for line in doc.lines() {
            // skip the inside of multi-line quoted scalars and block scalars
            match state {
                Continuation::Double => {
                    if closing_quote(line, '"').is_some() {
                        state = Continuation::None;
                    }
                    continue;
                }
                Continuation::Single => {
                    if closing_quote(line, '\'').is_some() {
                        state = Continuation::None;
                    }
                    continue;
                }
                Continuation::Block(parent) => {
                    let indent = line.len() - line.trim_start().len();
                    if line.trim().is_empty() || indent > parent {
                        continue;
                    }
                }
                Continuation::None => {}
            }
            let indent = line.len() - line.trim_start().len();
            state = continuation_after(line.trim_start(), indent);
            let mut rest = strip_comment(line.trim_start());
            let mut in_seq = false;
            // `- ` items and the `: ` of an explicit (`? key`) entry
            while let Some(r) = rest.strip_prefix("- ").or_else(|| (rest == "-").then_some("")) {
                rest = r.trim_start();
                in_seq = true;
            }
            if let Some(r) = rest.strip_prefix(": ") {
                rest = r.trim_start();
                in_seq = false;
            }
            if rest.starts_with('?') {
                continue;
            }
            if rest.starts_with(['{', '[']) {
                p.flow(rest);
                continue;
            }
            match find_mapping_colon(rest) {
                Some(i) => {
                    let key = rest.get(..i).unwrap_or("").trim();
                    let key = match unquote(key) {
                        Some(inner) => inner.to_string(),
                        None => {
                            p.keys.insert(key.to_string());
                            key.to_string()
                        }
                    };
                    p.value(&key, rest.get(i + 1..).unwrap_or("").trim());
                }
                None if in_seq => p.value(SEQ_KEY, rest.trim()),
                None => {}
            }
        }
        p
    }

    fn value(&mut self, key: &str, text: &str) {
        let mut text = text;
        // an anchor before the value
        if let Some(r) = text.strip_prefix('&') {
            text = r.split_once([' ', '\t']).map_or("", |(_, v)| v.trim_start());
        }
        if text.is_empty() {
            return;
        }
        if let Some(inner) = unquote(text) {
            self.quoted.insert((key.to_string(), inner.to_string()));
        } else if text.starts_with(['{', '[']) {
            self.flow(text);
        } else if !text.starts_with(['"', '\'', '*', '!', '|', '>']) {
            self.plain.insert((key.to_string(), text.to_string()));
        }
    }

    /// Flow collections on one line: `{a: yes, b: [on, 'x']}`.
    fn flow(&mut self, text: &str) {
        for item in text.split([',', '{', '}', '[', ']']) {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            match find_mapping_colon(item) {
                Some(i) => {
                    let key = item.get(..i).unwrap_or("").trim();
                    let key = match unquote(key) {
                        Some(inner) => inner.to_string(),
                        None => {
                            self.keys.insert(key.to_string());
                            key.to_string()
                        }
                    };
                    let v = item.get(i + 1..).unwrap_or("").trim();
                    if let Some(inner) = unquote(v) {
                        self.quoted.insert((key, inner.to_string()));
                    } else if !v.is_empty() {
                        self.plain.insert((key, v.to_string()));
                    }
                }
                None => {
                    if let Some(inner) = unquote(item) {
                        self.quoted.insert((SEQ_KEY.to_string(), inner.to_string()));
                    } else {
                        self.plain.insert((SEQ_KEY.to_string(), item.to_string()));
                    }
                }
            }
        }
    }

    /// A value under `key` as go-yaml reads it.
    fn reread(&self, key: &str, v: Value) -> Value {
        match v {
            Value::String(s) => {
                let pair = (key.to_string(), s);
                if self.plain.contains(&pair) && !self.quoted.contains(&pair) {
                    resolve_yaml11(&pair.1).unwrap_or(Value::String(pair.1))
                } else {
                    Value::String(pair.1)
                }
            }
            other => other,
        }
    }

    /// A plain key that go-yaml reads as a bool or number, as sigs.k8s.io/yaml prints it.
    fn reread_key(&self, key: &str) -> Option<String> {
        if !self.keys.contains(key) {
            return None;
        }
        match resolve_yaml11(key)? {
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(match n.as_f64() {
                Some(f) if !n.is_i64() && !n.is_u64() => go_format_g32(f),
                _ => n.to_string(),
            }),
            _ => None,
        }
    }
}

/// Whether the next lines continue a scalar that this line opens.
#[derive(Clone, Copy)]
enum Continuation {
    None,
    Double,
    Single,
    /// A `|` / `>` block under a line with this indentation.
    Block(usize),
}

/// The byte index of the quote that closes a scalar, scanning `s` from its start
/// (`\\` escapes in double quotes, `''` in single quotes).
fn closing_quote(s: &str, q: char) -> Option<usize> {
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if q == '"' && c == '\\' {
            chars.next();
        } else if c == q {
            if q == '\'' && chars.peek().map(|&(_, n)| n) == Some('\'') {
                chars.next();
                continue;
            }
            return Some(i);
        }
    }
    None
}

/// What a line opens: the value after `key:` or `- ` starting a quote it does not close, or a
/// block scalar indicator.
fn continuation_after(line: &str, indent: usize) -> Continuation {
    let mut rest = line;
    while let Some(r) = rest.strip_prefix("- ") {
        rest = r.trim_start();
    }
    let value = match find_mapping_colon(rest) {
        Some(i) => rest.get(i + 1..).unwrap_or("").trim_start(),
        None => rest,
    };
    let value = match value.strip_prefix('&') {
        Some(r) => r.split_once([' ', '\t']).map_or("", |(_, v)| v.trim_start()),
        None => value,
    };
    if let Some(after) = value.strip_prefix('"') {
        if closing_quote(after, '"').is_none() {
            return Continuation::Double;
        }
    } else if let Some(after) = value.strip_prefix('\'') {
        if closing_quote(after, '\'').is_none() {
            return Continuation::Single;
        }
    } else if value.starts_with(['|', '>']) {
        return Continuation::Block(indent);
    }
    Continuation::None
}

/// The `: ` (or final `:`) that ends a plain mapping key on this line.
fn find_mapping_colon(s: &str) -> Option<usize> {
    if s.starts_with(['"', '\'']) {
        let q = s.chars().next()?;
        let close = s.get(1..)?.find(q)? + 1;
        let after = s.get(close + 1..)?;
        let colon_ok = after.starts_with(':') && (after.len() == 1 || after[1..].starts_with([' ', '\t']));
        return colon_ok.then_some(close + 1);
    }
    let b = s.as_bytes();
    (0..b.len()).find(|&i| b[i] == b':' && matches!(b.get(i + 1), None | Some(b' ' | b'\t')))
}

fn strip_comment(s: &str) -> &str {
    let b = s.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'#' && (i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t') {
            return s[..i].trim_end();
        }
    }
    s
}

/// go-yaml v2's reading of a plain scalar that YAML 1.2 leaves a string.
fn resolve_yaml11(s: &str) -> Option<Value> {
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Some(Value::Bool(true)),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Some(Value::Bool(false)),
        _ => {}
    }
    let first = s.bytes().next()?;
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        return None;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(i) = go_parse_int(&plain) {
        return Some(i);
    }
    if crate::yaml::yaml_style_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            return Number::from_f64(f).map(Value::Number);
        }
    }
    if let Some(bits) = plain.strip_prefix("0b") {
        return i64::from_str_radix(bits, 2).ok().map(|i| Value::Number(i.into()));
    }
    if let Some(bits) = plain.strip_prefix("-0b") {
        return i64::from_str_radix(bits, 2).ok().map(|i| Value::Number((-i).into()));
    }
    None
}

/// strconv.ParseInt(s, 0, 64), then ParseUint: Go's base prefixes, a leading 0 means octal.
fn go_parse_int(s: &str) -> Option<Value> {
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
    if neg {
        let v = i128::try_from(mag).ok()?.checked_neg()?;
        i64::try_from(v).ok().map(|i| Value::Number(i.into()))
    } else if let Ok(i) = i64::try_from(mag) {
        Some(Value::Number(i.into()))
    } else {
        u64::try_from(mag).ok().map(|u| Value::Number(u.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn names(docs: &[Value]) -> Vec<&str> {
        docs.iter()
            .map(|d| d["metadata"]["name"].as_str().unwrap_or("?"))
            .collect()
    }

    #[test]
    fn yaml_documents_are_split_and_empty_ones_skipped() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\n# only comment\n---\n\n--- # c\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z\n";
        assert_eq!(names(&decode_documents(text).unwrap()), ["x", "z"]);
        let crlf = "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x\r\n";
        assert_eq!(names(&decode_documents(crlf).unwrap()), ["x"]);
        assert_eq!(decode_documents("").unwrap(), Vec::<Value>::new());
        assert_eq!(decode_documents("# nothing\n").unwrap(), Vec::<Value>::new());
    }

    #[test]
    fn content_after_a_document_end_marker_is_ignored() {
        // kubectl label --local -f <file> shows only apiVersion and kind for this file
        let text = "apiVersion: v1\nkind: Pod\n...\nspec:\n  tolerations: []\n";
        assert_eq!(
            decode_documents(text).unwrap(),
            vec![json!({"apiVersion": "v1", "kind": "Pod"})]
        );
        // a systemd unit reads as the flow sequence `[Unit]`
        assert_eq!(
            decode_documents("[Unit]\nDescription=etcd\n[Service]\n"),
            Err(DecodeError::Object(
                "json: cannot unmarshal array into Go value of type unstructured.detector".into()
            ))
        );
        assert_eq!(
            decode_documents("...\na: 1\n"),
            Err(DecodeError::Syntax(
                "error converting YAML to JSON: yaml: did not find expected node content".into()
            ))
        );
    }

    #[test]
    fn json_streams_and_json_falling_back_to_yaml() {
        let two = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"a\"}}\n{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b\"}}\n";
        assert_eq!(names(&decode_documents(two).unwrap()), ["a", "b"]);
        // trailing comma: not JSON, but YAML reads it (kubectl accepts it too)
        let comma = "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"x\",}}\n";
        assert_eq!(names(&decode_documents(comma).unwrap()), ["x"]);
        // JSON then a YAML document
        let mixed = "  \n{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n";
        assert_eq!(names(&decode_documents(mixed).unwrap()), ["a", "b"]);
    }

    // Messages recorded from real kubectl v1.37.1 (`kubectl label --local -f <file> a=b`).
    #[test]
    fn syntax_errors_match_kubectl() {
        for (text, want) in [
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   labels: a\n",
                "error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b: c\n",
                "error converting YAML to JSON: yaml: line 6: mapping values are not allowed in this context",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n",
                "error converting YAML to JSON: yaml: line 4: found character that cannot start any token",
            ),
            // binary content: go-yaml's reader rejects it before any line is known
            (
                "apiVersion: v1\nkind: \u{7}\n",
                "error converting YAML to JSON: yaml: control characters are not allowed",
            ),
            (
                "\u{0}\u{1}\u{fffd}PNG\r\n",
                "error converting YAML to JSON: yaml: control characters are not allowed",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \"x\n",
                "error converting YAML to JSON: yaml: line 5: found unexpected end of stream",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n- a\n",
                "error converting YAML to JSON: yaml: line 4: did not find expected key",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: [a, b\n",
                "error converting YAML to JSON: yaml: line 3: did not find expected ',' or ']'",
            ),
            ("a: [1,\n", "error converting YAML to JSON: yaml: line 1: did not find expected node content"),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  key: @x\n",
                "error converting YAML to JSON: yaml: line 5: found character that cannot start any token",
            ),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: *x\n",
                "error converting YAML to JSON: yaml: unknown anchor 'x' referenced",
            ),
            ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n--- foo\n", "invalid Yaml document separator: foo"),
            ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n----\n", "invalid Yaml document separator: -"),
            (
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y2\n   bad: 1\n",
                "error converting YAML to JSON: yaml: line 5: mapping values are not allowed in this context",
            ),
            ("a: .inf\n", "error converting YAML to JSON: json: unsupported value: +Inf"),
            ("{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"\n", "unexpected EOF"),
            (
                "{\"apiVersion\": \"v1\" \"kind\": \"x\"}\n",
                "json: offset 21: invalid character '\"' after object key:value pair",
            ),
        ] {
            assert_eq!(decode_documents(text), Err(DecodeError::Syntax(want.to_string())), "{text}");
        }
    }

    #[test]
    fn json_nested_beyond_the_decoder_limit_is_a_depth_error() {
        let text = format!("{{\"a\": {}{}}}\n", "[".repeat(300), "]".repeat(300));
        match decode_documents(&text) {
            Err(DecodeError::Syntax(m)) => assert!(m.ends_with("exceeded max depth"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    // Recorded from real kubectl v1.37.1 (`kubectl label --local -f e.json a=b -o name`).
    #[test]
    fn json_errors_and_yaml_retries_match_kubectl() {
        let syntax = |m: &str| Err(DecodeError::Syntax(m.to_string()));
        let object = |m: &str| Err(DecodeError::Object(m.to_string()));
        for (text, want) in [
            (
                "{\"a\": 1,, \"b\": 2}\n",
                vec![syntax(
                    "json: offset 9: invalid character ',' looking for beginning of object key string",
                )],
            ),
            (
                "{\"a\" 1}\n",
                vec![syntax("json: offset 6: invalid character '1' after object key")],
            ),
            (
                "{\"a\": [1 2]}\n",
                vec![object("Object 'Kind' is missing in '{\"a\":[\"1 2\"]}'")],
            ),
            (
                "{\"a\": tru}\n",
                vec![object("Object 'Kind' is missing in '{\"a\":\"tru\"}'")],
            ),
            (
                "{\"a\": \"x\\qy\"}\n",
                vec![syntax("json: offset 10: invalid character 'q' in string escape code")],
            ),
            ("{\"a\": 01}\n", vec![object("Object 'Kind' is missing in '{\"a\":1}'")]),
            (
                "{\"a\":\n  \"b\" \"c\"}\n",
                vec![syntax(
                    "json: offset 13: invalid character '\"' after object key:value pair",
                )],
            ),
            (
                "{\"a\": {\"b\": 1}}}\n",
                vec![
                    object("Object 'Kind' is missing in '{\"a\": {\"b\": 1}}'"),
                    syntax("json: offset 16: invalid character '}' looking for beginning of value"),
                ],
            ),
            (
                "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\"}} junk: [\n",
                vec![
                    Ok(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})),
                    syntax("json: offset 64: invalid character 'j' looking for beginning of value"),
                ],
            ),
        ] {
            assert_eq!(decode_items(text), want, "{text}");
        }
    }

    #[test]
    fn objects_before_a_broken_document_are_still_returned() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\nkind: [\n";
        let items = decode_items(text);
        assert_eq!(items.len(), 2);
        assert!(items[0].is_ok());
        assert!(matches!(items[1], Err(DecodeError::Syntax(_))));
        assert!(decode_documents(text).is_err());
    }

    #[test]
    fn third_bad_json_object_reports_the_plain_json_error() {
        let text = "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"a\"}}\n{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"b\"}}\n{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"},}\n";
        assert_eq!(
            decode_documents(text),
            Err(DecodeError::Syntax(
                "invalid character '}' looking for beginning of object key string".into()
            ))
        );
    }

    #[test]
    fn non_objects_and_missing_kind_are_object_errors() {
        for (text, want) in [
            (
                "just a string\n",
                "json: cannot unmarshal string into Go value of type unstructured.detector",
            ),
            (
                "- a\n- b\n",
                "json: cannot unmarshal array into Go value of type unstructured.detector",
            ),
            (
                "42\n",
                "json: cannot unmarshal number into Go value of type unstructured.detector",
            ),
            ("{\"a\": }\n", "Object 'Kind' is missing in '{\"a\":null}'"),
            (
                "apiVersion: v1\nmetadata:\n  name: x\n",
                "Object 'Kind' is missing in '{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}'",
            ),
        ] {
            assert_eq!(
                decode_documents(text),
                Err(DecodeError::Object(want.to_string())),
                "{text}"
            );
        }
        let e = DecodeError::Object("x".into());
        assert_eq!(e.kubectl_message("f.yaml"), "unable to decode \"f.yaml\": x");
        assert_eq!(
            DecodeError::Syntax("y".into()).kubectl_message("f.yaml"),
            "error parsing f.yaml: y"
        );
    }

    #[test]
    fn lists_are_flattened_and_items_checked() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n";
        assert_eq!(names(&decode_documents(text).unwrap()), ["a", "b"]);
        let bad = "apiVersion: v1\nkind: ConfigMapList\nitems:\n- kind: ConfigMap\n  metadata:\n    name: b\n";
        assert_eq!(
            decode_documents(bad),
            Err(DecodeError::ListItem("unable to get type info from the object \"*unstructured.Unstructured\": Object 'apiVersion' is missing in 'object has no apiVersion field'".into()))
        );
    }

    #[test]
    fn numbers_follow_kubectls_json_round_trip() {
        let text = "kind: X\nspec:\n  a: 0.0001\n  c: 100000.5\n  d: 1e21\n  f: 9223372036854775807\n  g: 9223372036854775808\n  h: 18446744073709551616\n  i: -9223372036854775809\n  j: 0x10\n  k: 0o17\n  l: 017\n  m: 1_000\n  n2: .5\n  o: +12\n  p: 2001-12-14\n  s: 12:30\n  w: -0.0\n  x2: 1.0\n  e: 1e6\n";
        let docs = decode_documents(text).unwrap();
        let spec = &docs[0]["spec"];
        assert_eq!(spec["a"], json!(0.0001));
        assert_eq!(spec["c"], json!(100000.5));
        assert_eq!(spec["d"], json!(1e21));
        assert_eq!(spec["f"], json!(i64::MAX));
        assert_eq!(spec["g"], json!(9.223372036854776e18));
        assert_eq!(spec["h"], json!(1.8446744073709552e19));
        assert_eq!(spec["i"], json!(-9.223372036854776e18));
        assert_eq!(spec["j"], json!(16));
        assert_eq!(spec["k"], json!(15));
        assert_eq!(spec["l"], json!(15));
        assert_eq!(spec["m"], json!(1000));
        assert_eq!(spec["n2"], json!(0.5));
        assert_eq!(spec["o"], json!(12));
        assert_eq!(spec["p"], json!("2001-12-14"));
        assert_eq!(spec["s"], json!("12:30"));
        assert_eq!(spec["w"], json!(0));
        assert_eq!(spec["x2"], json!(1));
        assert_eq!(spec["e"], json!(1000000));
    }

    #[test]
    fn yaml_1_1_booleans_and_octals_apply_only_to_unquoted_values() {
        let text = "kind: X\nspec:\n  defaultMode: 0644\n  quoted: \"0755\"\n  flag: yes\n  word: 'no'\n  env:\n  - value: on\n  - off\n  dup: x\n  dup: y\n";
        let docs = decode_documents(text).unwrap();
        let spec = &docs[0]["spec"];
        assert_eq!(spec["defaultMode"], json!(420));
        assert_eq!(spec["quoted"], json!("0755"));
        assert_eq!(spec["flag"], json!(true));
        assert_eq!(spec["word"], json!("no"));
        assert_eq!(spec["env"], json!([{"value": true}, false]));
        // duplicate keys: the last wins (and `y` reads as true, as kubectl shows)
        assert_eq!(spec["dup"], json!(true));
    }

    #[test]
    fn map_keys_become_strings_like_sigs_yaml() {
        let text = "kind: X\nspec:\n  1: a\n  true: b\n  1.5: c\n  1e6: d\n  0x10: e\n  0.1: f\n";
        let docs = decode_documents(text).unwrap();
        let keys: Vec<&String> = docs[0]["spec"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["0.1", "1", "1.5", "16", "1e+06", "true"]);
        let e = decode_documents("kind: X\nlabels:\n  ~: d\n").unwrap_err();
        assert_eq!(
            e.message(),
            "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>, value: \"d\""
        );
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let deep = "[".repeat(10_000);
        assert!(decode_documents(&deep).is_err());
        let deep_map = "a: ".repeat(5_000) + "x";
        assert!(decode_documents(&deep_map).is_err());
        assert!(decode_documents("{").is_err());
        assert!(decode_documents("\u{0}\u{1}\u{2}").is_err());
        assert!(decode_documents("a: 1e99999\n").is_err());
        assert!(decode_documents("kind: X\nv: 123456789012345678901234567890\n").is_ok());
        assert!(decode_documents("kind: X\nv: &a [*a]\n").is_err());
        let _ = decode_documents("\"\\");
        let _ = decode_documents("---\n--- #\n...\n");
    }

    // Each expected text is real kubectl v1.37.1 output of `kubectl label --local -f <input> zz=1 -o yaml`.
    // go-yaml v2's double-quoted escapes (scannerc.go): `\'` is one, `\/` is not; quotes in
    // other scalar styles are literal. Error texts recorded from kubectl v1.37.1.
    #[test]
    fn double_quoted_escapes_follow_go_yaml() {
        let unknown = "error converting YAML to JSON: yaml: line 2: found unknown escape character";
        for (input, want) in [
            ("a: \"it\\'s\"\n", Ok(json!({"a": "it's"}))),
            (
                "a: \"é \\'x\\' \\x27\"\nb: \"\\'\"\n",
                Ok(json!({"a": "é 'x' '", "b": "'"})),
            ),
            ("a: 'single \\' \n", Ok(json!({"a": "single \\"}))),
            (
                "a: |\n  echo \"it\\'s \\/\"\n",
                Ok(json!({"a": "echo \"it\\'s \\/\"\n"})),
            ),
            ("a: plain \\/ and \\'\n", Ok(json!({"a": "plain \\/ and \\'"}))),
            ("a: \"\\\\/\"\n", Ok(json!({"a": "\\/"}))),
            ("x: 1\na: \"\\/\"\n", Err(unknown)),
            ("x: 1\na: \"\\q\"\n", Err(unknown)),
        ] {
            let got = decode_yaml_document(input).map(|v| v.unwrap_or(Value::Null));
            match want {
                Ok(v) => assert_eq!(got, Ok(v), "{input}"),
                Err(msg) => assert_eq!(got, Err(DecodeError::Syntax(msg.to_string())), "{input}"),
            }
        }
    }

    #[test]
    fn yaml_documents_read_like_kubectl() {
        for (input, want) in [
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  a: yes
  b: No
  c: on
  d: 'yes'
  e: "off"
  f: y
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  a: true
  b: false
  c: true
  d: "yes"
  e: "off"
  f: true
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  mode: 0644
  m2: 0o644
  m3: 0x1F
  m4: 1_000
  m5: 0b101
  m6: -0b11
  m7: '0644'
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  m2: 420
  m3: 31
  m4: 1000
  m5: 5
  m6: -3
  m7: "0644"
  mode: 420
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  folded: >
    a b
    c

    d
  lit: |
    x
     y
  keep: |+
    k

  strip: >-
    s
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  folded: |
    a b c
    d
  keep: |+
    k

  lit: |
    x
     y
  strip: s
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec: &a
  x: 1
other: *a
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
other:
  x: 1
spec:
  x: 1
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  base: &b {x: 1, y: 2}
  m:
    <<: *b
    y: 3
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  base:
    "true": 2
    x: 1
  m:
    "true": 3
    x: 1
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  list: [a, 'b', "c", 1, 2.5, true, null, ~]
  map: {a: 1, b: [x]}
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  list:
  - a
  - b
  - c
  - 1
  - 2.5
  - true
  - null
  - null
  map:
    a: 1
    b:
    - x
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  # comment
  a: b # trailing
  c: 'd # not comment'
  e: f#g
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  a: b
  c: 'd # not comment'
  e: f#g
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  s: 2001-12-14t21:59:43.10-05:00
  t: 2002-12-14
  u: 12:30:00
  v: 1:20
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  s: "2001-12-14t21:59:43.10-05:00"
  t: "2002-12-14"
  u: "12:30:00"
  v: "1:20"
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  x: .5
  y: -.inf_no
  z: +.5
  w: 1e3
  v: 1E-3
  u: 6.8523015e+5
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  "true": -.inf_no
  u: 685230.15
  v: 0.001
  w: 1000
  x: 0.5
  z: 0.5
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  a: !!str 123
  b: !!int "42"
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  a: "123"
  b: 42
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  multi: this is
    a folded plain
    scalar
  q: "line1
    line2"
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  multi: this is a folded plain scalar
  q: line1 line2
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  y: 1
  n: 2
  yes: 3
  on: 4
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  "false": 2
  "true": 4
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  a: 'it''s'
  b: "tab\there"
  c: "\u00e9\x41"
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  a: it's
  b: "tab\there"
  c: éA
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
- a
- b: c
  d: e
-   - nested
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
- a
- b: c
  d: e
- - nested
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  a: null
  b:
  c: Null
  d: ''
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  a: null
  b: null
  c: null
  d: ""
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  key with spaces: v
  "quoted key": v
  ? complex
  : v
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  complex: v
  key with spaces: v
  quoted key: v
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  a: 0.1
  b: 100
  c: -0
  d: 00
  e: 09
  f: 0.0
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  a: 0.1
  b: 100
  c: 0
  d: 0
  e: 9
  f: 0
"###,
            ),
            (
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  name: x
spec:
  a: 12345678901234567890
  b: 123456789012345678901234
  c: -9223372036854775808
"###,
                r###"apiVersion: v1
kind: ConfigMap
metadata:
  labels:
    zz: "1"
  name: x
spec:
  a: 12345678901234567000
  b: 1.2345678901234569e+23
  c: -9223372036854775808
"###,
            ),
        ] {
            let mut docs = decode_documents(input).unwrap();
            let doc = &mut docs[0];
            doc["metadata"]["labels"] = json!({"zz": "1"});
            assert_eq!(crate::yaml::to_yaml(doc), want, "{input}");
        }
    }
}
