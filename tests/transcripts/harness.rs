//! The transcript format and its replay, shared by the native harness (tests/transcripts.rs) and
//! the wasm32 one (tests/wasm), so both read and render transcripts the same way. It takes the
//! fixture files and transcript texts as strings: the native harness reads them from disk, the
//! wasm one embeds them at compile time.

/// Marks output that did not end with a newline (e.g. `-o jsonpath=…`).
pub const NO_NEWLINE: &str = "\n[no newline at end]\n";

/// One `$ command` line and the text that follows it up to the next one.
pub struct Step {
    pub command: String,
    pub expected: String,
}

pub fn parse(text: &str) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for line in text.split_inclusive('\n') {
        if let Some(cmd) = line.strip_prefix("$ ") {
            steps.push(Step {
                command: cmd.trim_end_matches('\n').to_string(),
                expected: String::new(),
            });
        } else if let Some(step) = steps.last_mut() {
            step.expected.push_str(line);
        }
    }
    steps
}

/// A file system whose home (the shell's working directory) holds the fixture files, given as
/// (file name, text) pairs.
pub fn memory_fs<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> shell::MemoryFs {
    let mut fs = shell::MemoryFs::default();
    for (name, text) in files {
        fs = fs.with_file(&format!("{}/{name}", shell::HOME), text);
    }
    fs
}

/// Runs one transcript in a fresh default cluster (seed 1) and returns it re-rendered with
/// kubeplay's output.
pub fn replay(text: &str, fs: shell::MemoryFs) -> String {
    let mut sh = shell::Shell::new(cluster::Cluster::new(1), Box::new(fs));
    let mut out = String::new();
    for step in parse(text) {
        let result = sh.run_line(&step.command);
        let text = result.output.combined();
        out.push_str(&format!("$ {}\n{text}", step.command));
        if !text.is_empty() && !text.ends_with('\n') {
            out.push_str(NO_NEWLINE);
        }
        if result.exit_code != 0 {
            out.push_str(&format!("[exit {}]\n", result.exit_code));
        }
    }
    out
}

/// The command whose output differs, with both outputs and the first line that differs, so a
/// failure reads like a diff even when the output is a long YAML document.
pub fn first_difference(name: &str, expected: &str, actual: &str) -> String {
    let (e, a) = (parse(expected), parse(actual));
    for (x, y) in e.iter().zip(a.iter()) {
        if x.expected != y.expected {
            return format!(
                "--- {name}\n$ {}\n--- expected:\n{}--- kubeplay:\n{}{}",
                x.command,
                x.expected,
                y.expected,
                first_differing_line(&x.expected, &y.expected)
            );
        }
    }
    format!("--- {name}: step count differs")
}

fn first_differing_line(expected: &str, actual: &str) -> String {
    let (mut e, mut a) = (expected.lines(), actual.lines());
    let mut number = 1;
    loop {
        match (e.next(), a.next()) {
            (Some(x), Some(y)) if x == y => number += 1,
            (None, None) => return "--- the outputs differ only in their final newline\n".to_string(),
            (x, y) => {
                let show = |line: Option<&str>| line.map_or("(no line)".to_string(), |l| format!("{l:?}"));
                return format!("--- first difference, line {number}:\n-{}\n+{}\n", show(x), show(y));
            }
        }
    }
}
