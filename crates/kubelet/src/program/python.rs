//! `python3 -c SCRIPT` for the short scripts Kubernetes examples run: imports, `print`,
//! assignments, `if`/`elif`/`else`, `sys.exit`, `time.sleep`, environment lookups, integer
//! arithmetic and comparisons. The script is translated into the shell's command tree;
//! anything outside the subset leaves the script a no-op that exits 0.

use super::*;

/// A translated expression: shell text and whether it is an integer.
struct Expr {
    text: String,
    int: bool,
}

/// Translates a script into shell, or None when it uses something outside the subset.
pub(super) fn translate(script: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    // Open blocks: (indent of the `if` line, whether an `else` was seen).
    let mut blocks: Vec<usize> = Vec::new();
    let mut ints: BTreeMap<String, bool> = BTreeMap::new();
    let mut pending_body = false;
    for raw in script.lines() {
        let line = raw.split(" #").next().unwrap_or(raw).trim_end();
        let text = line.trim_start();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let indent = line.len() - text.len();
        if pending_body {
            // The line after a `:` must be indented deeper than its block.
            if blocks.last().is_some_and(|b| indent <= *b) {
                return None;
            }
            pending_body = false;
        }
        let continues = text.starts_with("elif ") || text == "else:";
        while let Some(&b) = blocks.last() {
            if indent < b || (indent == b && !continues) {
                blocks.pop();
                out.push("fi".into());
            } else {
                break;
            }
        }
        if let Some(cond) = text.strip_prefix("if ").and_then(|c| c.strip_suffix(':')) {
            out.push(format!("if {}; then", condition(cond, &ints)?));
            blocks.push(indent);
            pending_body = true;
        } else if let Some(cond) = text.strip_prefix("elif ").and_then(|c| c.strip_suffix(':')) {
            if blocks.last() != Some(&indent) {
                return None;
            }
            out.push(format!("elif {}; then", condition(cond, &ints)?));
            pending_body = true;
        } else if text == "else:" {
            if blocks.last() != Some(&indent) {
                return None;
            }
            out.push("else".into());
            pending_body = true;
        } else {
            // `a; b` on one line are two statements.
            for part in split_top_level(text, ';')? {
                out.push(statement(&part, &mut ints)?);
            }
        }
    }
    if pending_body {
        return None;
    }
    for _ in blocks {
        out.push("fi".into());
    }
    Some(out.join("\n"))
}

fn statement(text: &str, ints: &mut BTreeMap<String, bool>) -> Option<String> {
    if text.starts_with("import ") || text.starts_with("from ") {
        return Some(":".into());
    }
    if text == "pass" {
        return Some(":".into());
    }
    if let Some(args) = call_args(text, &["print"]) {
        let parts = split_args(args)?
            .iter()
            .map(|a| expr(a, ints).map(|e| e.text))
            .collect::<Option<Vec<_>>>()?;
        return Some(format!("echo {}", parts.join(" ")));
    }
    if let Some(args) = call_args(text, &["sys.exit", "exit", "quit"]) {
        let arg = args.trim();
        if arg.is_empty() {
            return Some("exit 0".into());
        }
        let e = expr(arg, ints)?;
        // sys.exit("message") prints it and exits 1.
        return Some(if e.int {
            format!("exit {}", e.text)
        } else {
            format!("echo {}; exit 1", e.text)
        });
    }
    if let Some(args) = call_args(text, &["time.sleep", "sleep"]) {
        return Some(format!("sleep {}", expr(args.trim(), ints)?.text));
    }
    let (name, value) = text.split_once('=')?;
    let name = name.trim();
    if !is_name(name) || value.starts_with('=') {
        return None;
    }
    let e = expr(value.trim(), ints)?;
    ints.insert(name.to_string(), e.int);
    Some(format!("{name}={}", e.text))
}

/// `f(args)` for one of the names: the text between the parentheses.
fn call_args<'a>(text: &'a str, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|n| text.strip_prefix(n).and_then(|r| r.trim_start().strip_prefix('(')))
        .and_then(|r| r.strip_suffix(')'))
}

/// Splits call arguments at top-level commas.
fn split_args(args: &str) -> Option<Vec<String>> {
    split_top_level(args, ',')
}

/// Splits at `sep` outside quotes and brackets; None for unbalanced text.
fn split_top_level(args: &str, sep: char) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut cur) = (0i32, None::<char>, String::new());
    for c in args.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                out.push(std::mem::take(&mut cur).trim().to_string());
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if quote.is_some() || depth != 0 {
        return None;
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    Some(out)
}

fn condition(cond: &str, ints: &BTreeMap<String, bool>) -> Option<String> {
    for (op, int_op, str_op) in [
        ("==", "-eq", "="),
        ("!=", "-ne", "!="),
        ("<=", "-le", ""),
        (">=", "-ge", ""),
        ("<", "-lt", ""),
        (">", "-gt", ""),
    ] {
        if let Some((l, r)) = cond.split_once(op) {
            let (l, r) = (expr(l.trim(), ints)?, expr(r.trim(), ints)?);
            let op = if l.int || r.int { int_op } else { str_op };
            if op.is_empty() {
                return None;
            }
            return Some(format!("[ {} {op} {} ]", l.text, r.text));
        }
    }
    let e = expr(cond.trim(), ints)?;
    Some(if e.int {
        format!("[ {} -ne 0 ]", e.text)
    } else {
        format!("[ -n {} ]", e.text)
    })
}

/// The shell text of an expression: a quoted string, `"$VAR"`, or `$((arith))` for integers.
fn expr(e: &str, ints: &BTreeMap<String, bool>) -> Option<Expr> {
    let e = e.trim();
    if let Some(inner) = e.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        return expr(inner, ints);
    }
    for op in [" % ", " + ", " - ", " * ", " // "] {
        if let Some((l, r)) = e.rsplit_once(op) {
            let (l, r) = (arith(l, ints)?, arith(r, ints)?);
            let op = if op == " // " { "/" } else { op.trim() };
            return Some(Expr {
                text: format!("$(( {l} {op} {r} ))"),
                int: true,
            });
        }
    }
    if e.parse::<i64>().is_ok() {
        return Some(Expr {
            text: e.to_string(),
            int: true,
        });
    }
    if let Some(s) = string_literal(e) {
        return Some(Expr {
            text: format!("'{}'", s.replace('\'', "'\\''")),
            int: false,
        });
    }
    if let Some(inner) = call_args(e, &["int"]) {
        let v = env_lookup(inner.trim()).or_else(|| is_name(inner.trim()).then(|| inner.trim().to_string()))?;
        return Some(Expr {
            text: format!("$(( {v} ))"),
            int: true,
        });
    }
    if let Some(var) = env_lookup(e) {
        return Some(Expr {
            text: format!("\"${var}\""),
            int: false,
        });
    }
    let int = *ints.get(e)?;
    Some(Expr {
        text: format!("\"${e}\""),
        int,
    })
}

/// An integer operand inside `$(( ))`: a number, a variable or an environment lookup.
fn arith(e: &str, ints: &BTreeMap<String, bool>) -> Option<String> {
    let e = e.trim();
    if e.parse::<i64>().is_ok() {
        return Some(e.to_string());
    }
    if let Some(inner) = call_args(e, &["int"]) {
        return arith(inner, ints);
    }
    if let Some(var) = env_lookup(e) {
        return Some(var);
    }
    if ints.contains_key(e) {
        return Some(e.to_string());
    }
    expr(e, ints).filter(|x| x.int).map(|x| x.text)
}

/// `os.environ.get("X")`, `os.environ["X"]`, `os.getenv("X")`: the variable name.
fn env_lookup(e: &str) -> Option<String> {
    let arg = call_args(e, &["os.environ.get", "os.getenv"])
        .map(|a| a.split(',').next().unwrap_or(a))
        .or_else(|| e.strip_prefix("os.environ[").and_then(|r| r.strip_suffix(']')))?;
    string_literal(arg.trim()).filter(|n| is_name(n))
}

fn string_literal(e: &str) -> Option<String> {
    let q = e.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = e.strip_prefix(q)?.strip_suffix(q)?;
    (!inner.contains(q)).then(|| inner.to_string())
}
