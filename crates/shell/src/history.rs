//! Interactive history expansion (`!!`, `!$`, `!n`, `!-n`, `!prefix`), applied by bash to
//! typed lines before parsing — inside double quotes too, not inside single quotes.

/// The expanded line, `Ok(None)` when nothing was expanded, or `Err(event)` for
/// `bash: EVENT: event not found`.
pub(crate) fn expand(line: &str, history: &[String]) -> Result<Option<String>, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut changed = false;
    let (mut in_single, mut in_double) = (false, false);
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        i += 1;
        if in_single {
            in_single = c != '\'';
            out.push(c);
            continue;
        }
        match c {
            '\\' => {
                out.push(c);
                if let Some(&n) = chars.get(i) {
                    out.push(n);
                    i += 1;
                }
            }
            '\'' if !in_double => {
                in_single = true;
                out.push(c);
            }
            '"' => {
                in_double = !in_double;
                out.push(c);
            }
            '!' => {
                let next = chars.get(i).copied();
                let event = match next {
                    None | Some(' ' | '\t' | '\n' | '=' | '(') => None,
                    Some('"') if in_double => None,
                    Some('!') => {
                        i += 1;
                        Some(history.last().cloned().ok_or_else(|| "!!".to_string())?)
                    }
                    Some('$') => {
                        i += 1;
                        let last = history.last().ok_or_else(|| "!$".to_string())?;
                        Some(last.split_whitespace().last().unwrap_or("").to_string())
                    }
                    Some(d) if d.is_ascii_digit() || d == '-' => {
                        let start = i;
                        if d == '-' {
                            i += 1;
                        }
                        while chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
                            i += 1;
                        }
                        let spec: String = chars.get(start..i).unwrap_or(&[]).iter().collect();
                        let entry = match spec.parse::<i64>() {
                            Ok(n) if n > 0 => usize::try_from(n - 1).ok().and_then(|k| history.get(k)),
                            Ok(n) if n < 0 => usize::try_from(-n)
                                .ok()
                                .and_then(|k| history.len().checked_sub(k))
                                .and_then(|k| history.get(k)),
                            _ => None,
                        };
                        Some(entry.cloned().ok_or_else(|| format!("!{spec}"))?)
                    }
                    Some(_) => {
                        let start = i;
                        while chars.get(i).is_some_and(|c| {
                            !c.is_whitespace() && !matches!(c, ';' | '&' | '|' | '(' | ')' | '<' | '>' | '"' | '\'')
                        }) {
                            i += 1;
                        }
                        let prefix: String = chars.get(start..i).unwrap_or(&[]).iter().collect();
                        let entry = history.iter().rev().find(|h| h.starts_with(&prefix));
                        Some(entry.cloned().ok_or_else(|| format!("!{prefix}"))?)
                    }
                };
                match event {
                    Some(text) => {
                        out.push_str(&text);
                        changed = true;
                    }
                    None => out.push('!'),
                }
            }
            c => out.push(c),
        }
    }
    Ok(changed.then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_expand_as_in_interactive_bash() {
        let h: Vec<String> = ["echo one two", "kubectl get pods", "echo a!"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let cases: Vec<(&str, Result<Option<&str>, &str>)> = vec![
            ("!!", Ok(Some("echo a!"))),
            ("echo !$", Ok(Some("echo a!"))),
            ("!kub -A", Ok(Some("kubectl get pods -A"))),
            ("!1", Ok(Some("echo one two"))),
            ("!-2", Ok(Some("kubectl get pods"))),
            ("echo \"hi!\"", Ok(None)),
            ("echo 'x!y'", Ok(None)),
            ("echo a\\!b", Ok(None)),
            ("echo a! b", Ok(None)),
            ("echo \"a!b\"", Err("!b")),
            ("!nope", Err("!nope")),
            ("!9", Err("!9")),
            ("!-0", Err("!-0")),
            ("x=!", Ok(None)),
        ];
        for (line, want) in cases {
            let got = expand(line, &h);
            assert_eq!(
                got,
                want.map(|o| o.map(str::to_string)).map_err(str::to_string),
                "{line}"
            );
        }
        assert_eq!(expand("!!", &[]), Err("!!".to_string()));
    }
}
