//! A small YAML highlighter for the editor overlay: splits each line into classed pieces
//! whose concatenation is exactly the line, so the overlay lines up with the textarea.

/// The kind of a highlighted piece (its CSS class).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Plain,
    Key,
    Str,
    Num,
    Bool,
    Comment,
    Punct,
    DocSep,
}

impl Tok {
    pub fn class(self) -> &'static str {
        match self {
            Tok::Plain => "t-plain",
            Tok::Key => "t-key",
            Tok::Str => "t-str",
            Tok::Num => "t-num",
            Tok::Bool => "t-bool",
            Tok::Comment => "t-comment",
            Tok::Punct => "t-punct",
            Tok::DocSep => "t-doc",
        }
    }
}

/// Highlights one line of YAML.
pub fn line(text: &str) -> Vec<(Tok, String)> {
    let mut out = Vec::new();
    if text == "---" || text.starts_with("--- ") || text == "..." {
        out.push((Tok::DocSep, text.to_string()));
        return out;
    }
    let indent_len = text.len() - text.trim_start_matches([' ', '\t']).len();
    let (indent, mut rest) = text.split_at(indent_len);
    push(&mut out, Tok::Plain, indent);
    // Sequence dashes: "- - key: v".
    while rest.starts_with("- ") || rest == "-" {
        let dash_len = if rest == "-" { 1 } else { 2 };
        let (dash, tail) = rest.split_at(dash_len);
        push(&mut out, Tok::Punct, dash);
        rest = tail;
    }
    if rest.starts_with('#') {
        push(&mut out, Tok::Comment, rest);
        return out;
    }
    if let Some(colon) = key_colon(rest) {
        let (key, tail) = rest.split_at(colon);
        push(&mut out, Tok::Key, key);
        push(&mut out, Tok::Punct, ":");
        rest = tail.get(1..).unwrap_or("");
    }
    value(&mut out, rest);
    out
}

/// Where the `:` ending a mapping key is (outside quotes, followed by space or end).
fn key_colon(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev_space = false;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && i == 0 => quote = Some(c),
            None if c == '#' && prev_space => return None,
            None if c == ':' => {
                let after = s.get(i + 1..).unwrap_or("");
                if after.is_empty() || after.starts_with(' ') || after.starts_with('\t') {
                    return if i == 0 { None } else { Some(i) };
                }
            }
            None => {}
        }
        prev_space = c == ' ' || c == '\t';
    }
    None
}

/// A scalar value, with a trailing comment split off.
fn value(out: &mut Vec<(Tok, String)>, s: &str) {
    let lead_len = s.len() - s.trim_start_matches([' ', '\t']).len();
    let (lead, body) = s.split_at(lead_len);
    push(out, Tok::Plain, lead);
    let (body, comment) = split_comment(body);
    let trimmed = body.trim_end();
    let tail = body.get(trimmed.len()..).unwrap_or("");
    let tok = classify(trimmed);
    push(out, tok, trimmed);
    push(out, Tok::Plain, tail);
    push(out, Tok::Comment, comment);
}

/// Splits `value # comment` at the comment (a `#` after whitespace, outside quotes).
fn split_comment(s: &str) -> (&str, &str) {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && prev_space => quote = Some(c),
            None if c == '#' && prev_space => return s.split_at(i),
            None => {}
        }
        prev_space = c == ' ' || c == '\t';
    }
    (s, "")
}

fn classify(v: &str) -> Tok {
    if v.is_empty() {
        return Tok::Plain;
    }
    if v.starts_with('"') || v.starts_with('\'') {
        return Tok::Str;
    }
    if matches!(v, "true" | "false" | "True" | "False" | "null" | "~" | "yes" | "no") {
        return Tok::Bool;
    }
    if v.parse::<f64>().is_ok() {
        return Tok::Num;
    }
    if matches!(v, "|" | ">" | "|-" | ">-" | "|+" | ">+" | "{}" | "[]") {
        return Tok::Punct;
    }
    Tok::Str
}

fn push(out: &mut Vec<(Tok, String)>, tok: Tok, s: &str) {
    if !s.is_empty() {
        out.push((tok, s.to_string()));
    }
}

/// The 1-based line an error message points at (`yaml: line 7: …`, `line 7 column 3`).
pub fn error_line(message: &str) -> Option<usize> {
    let mut rest = message;
    while let Some(pos) = rest.find("line ") {
        let after = rest.get(pos + 5..).unwrap_or("");
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<usize>() {
            if n > 0 {
                return Some(n);
            }
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(text: &str) -> String {
        line(text)
            .iter()
            .map(|(t, s)| format!("{}[{s}]", t.class().trim_start_matches("t-")))
            .collect()
    }

    #[test]
    fn lines_are_split_into_classed_pieces() {
        let cases = [
            ("apiVersion: apps/v1", "key[apiVersion]punct[:]plain[ ]str[apps/v1]"),
            ("  replicas: 3", "plain[  ]key[replicas]punct[:]plain[ ]num[3]"),
            (
                "- name: web # the app",
                "punct[- ]key[name]punct[:]plain[ ]str[web]plain[ ]comment[# the app]",
            ),
            ("---", "doc[---]"),
            ("# only a comment", "comment[# only a comment]"),
            ("    - \"a: b\"", "plain[    ]punct[- ]str[\"a: b\"]"),
            (
                "  image: nginx:1.27",
                "plain[  ]key[image]punct[:]plain[ ]str[nginx:1.27]",
            ),
            (
                "  hostNetwork: true",
                "plain[  ]key[hostNetwork]punct[:]plain[ ]bool[true]",
            ),
            ("  script: |", "plain[  ]key[script]punct[:]plain[ ]punct[|]"),
            ("metadata:", "key[metadata]punct[:]"),
            ("url: http://x#y", "key[url]punct[:]plain[ ]str[http://x#y]"),
            ("", ""),
            ("-", "punct[-]"),
        ];
        for (text, want) in cases {
            assert_eq!(show(text), want, "{text:?}");
        }
    }

    #[test]
    fn pieces_always_rebuild_the_line() {
        for text in [
            "  a: 'x # y' # z",
            "ü: é",
            "\t- - k: v",
            ": x",
            "a:b",
            "- 'unterminated: x",
        ] {
            let joined: String = line(text).into_iter().map(|(_, s)| s).collect();
            assert_eq!(joined, text);
        }
    }

    #[test]
    fn error_messages_point_at_their_line() {
        let cases = [
            (
                "error: error parsing STDIN: error converting YAML to JSON: yaml: line 7: mapping values",
                Some(7),
            ),
            ("error: yaml: line 0: nothing", None),
            ("no line here", None),
            ("at line 12 column 3", Some(12)),
        ];
        for (msg, want) in cases {
            assert_eq!(error_line(msg), want, "{msg}");
        }
    }
}
