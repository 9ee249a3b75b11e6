//! A line diff printed in GNU `diff -u` unified format (3 lines of context), as `kubectl diff`
//! shows it. Pure: the caller supplies the header lines' names and times.

/// One line-level edit between two texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Equal(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// Splits text into lines, each keeping its trailing newline (the last may lack one).
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// Edit script via a longest-common-subsequence table; within a change deletions come first,
/// as GNU diff prints them.
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Equal(i, j));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            ops.push(Op::Delete(i));
            i += 1;
        } else {
            ops.push(Op::Insert(j));
            j += 1;
        }
    }
    ops
}

/// GNU's range notation: `start,count`, just `start` for one line, and the line before for none.
fn range(start: usize, count: usize) -> String {
    match count {
        0 => format!("{},0", start),
        1 => format!("{}", start + 1),
        _ => format!("{},{}", start + 1, count),
    }
}

fn push_line(out: &mut String, prefix: char, line: &str) {
    out.push(prefix);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// The hunks (`@@ … @@` and lines) of a unified diff with `context` lines of context; empty
/// when the texts are equal.
pub fn unified_hunks(old: &str, new: &str, context: usize) -> String {
    let (a, b) = (lines(old), lines(new));
    let ops = edit_script(&a, &b);
    let changed: Vec<usize> = (0..ops.len()).filter(|&k| !matches!(ops[k], Op::Equal(..))).collect();
    let mut out = String::new();
    let mut k = 0;
    while k < changed.len() {
        // Extend the hunk while the gap between changes is at most twice the context.
        let mut last = changed[k];
        let first = changed[k];
        k += 1;
        while k < changed.len() && changed[k] - last <= 2 * context + 1 {
            last = changed[k];
            k += 1;
        }
        let begin = first.saturating_sub(context);
        let end = (last + context + 1).min(ops.len());
        let hunk = &ops[begin..end];
        // Line positions before the hunk, counted from the ops that precede it.
        let (mut old_start, mut new_start) = (0, 0);
        for op in &ops[..begin] {
            match op {
                Op::Equal(..) => {
                    old_start += 1;
                    new_start += 1;
                }
                Op::Delete(_) => old_start += 1,
                Op::Insert(_) => new_start += 1,
            }
        }
        let old_count = hunk.iter().filter(|o| !matches!(o, Op::Insert(_))).count();
        let new_count = hunk.iter().filter(|o| !matches!(o, Op::Delete(_))).count();
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(old_start, old_count),
            range(new_start, new_count)
        ));
        for op in hunk {
            match *op {
                Op::Equal(i, _) => push_line(&mut out, ' ', a[i]),
                Op::Delete(i) => push_line(&mut out, '-', a[i]),
                Op::Insert(j) => push_line(&mut out, '+', b[j]),
            }
        }
    }
    out
}

/// A whole `diff -u` body: the `---`/`+++` headers (name, a tab, the time) and the hunks;
/// empty when the texts are equal.
pub fn unified_diff(old_name: &str, old_time: &str, old: &str, new_name: &str, new_time: &str, new: &str) -> String {
    let hunks = unified_hunks(old, new, 3);
    if hunks.is_empty() {
        return hunks;
    }
    format!("--- {old_name}\t{old_time}\n+++ {new_name}\t{new_time}\n{hunks}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_table() {
        let cases: &[(&str, &str, &str)] = &[
            ("a\nb\n", "a\nb\n", ""),
            ("", "a\nb\n", "@@ -0,0 +1,2 @@\n+a\n+b\n"),
            ("a\n", "", "@@ -1 +0,0 @@\n-a\n"),
            (
                "1\n2\n3\n4\n5\n6\n7\n8\n9\n",
                "1\n2\n3\n4\nX\n6\n7\n8\n9\n",
                "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n",
            ),
            // Changes 7 lines apart (gap of 6 = 2*context) share one hunk.
            (
                "a\n1\n2\n3\n4\n5\n6\nb\n",
                "A\n1\n2\n3\n4\n5\n6\nB\n",
                "@@ -1,8 +1,8 @@\n-a\n+A\n 1\n 2\n 3\n 4\n 5\n 6\n-b\n+B\n",
            ),
            // A gap of 7 splits them.
            (
                "a\n1\n2\n3\n4\n5\n6\n7\nb\n",
                "A\n1\n2\n3\n4\n5\n6\n7\nB\n",
                "@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -6,4 +6,4 @@\n 5\n 6\n 7\n-b\n+B\n",
            ),
            (
                "a",
                "b",
                "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+b\n\\ No newline at end of file\n",
            ),
        ];
        for (old, new, want) in cases {
            assert_eq!(unified_hunks(old, new, 3), *want, "{old:?} -> {new:?}");
        }
    }

    #[test]
    fn headers_only_when_different() {
        assert_eq!(unified_diff("L", "t", "x\n", "M", "t", "x\n"), "");
        assert_eq!(
            unified_diff("L", "t0", "x\n", "M", "t1", "y\n"),
            "--- L\tt0\n+++ M\tt1\n@@ -1 +1 @@\n-x\n+y\n"
        );
    }
}
