//! Command-line flags parsed the way spf13/pflag (under cobra) parses them: long and short
//! forms, `--flag=value` and `--flag value`, `-oyaml`, `-n=x`, combined bool shorthands,
//! flags anywhere among the arguments, `--` ending flag parsing, and pflag's error texts.
//!
//! A command's flags are read from its recorded `--help` text (the `Options:` block), so the
//! names, shorthands and defaults are exactly the real kubectl's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagType {
    Bool,
    String,
    /// Repeatable; each occurrence is one value.
    StringArray,
    /// Repeatable; each occurrence is split at commas (pflag's CSV reading).
    StringSlice,
    Int,
    Duration,
    /// `key=value` pairs, comma separated (pflag's stringToString).
    Map,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagDef {
    pub name: String,
    pub short: Option<char>,
    pub ty: FlagType,
    pub default: String,
    /// The value a flag given without `=value` takes (pflag's NoOptDefVal).
    pub no_opt_default: Option<String>,
}

impl FlagDef {
    /// The flag as pflag names it in errors: `-r, --replicas` or `--image`.
    fn display_name(&self) -> String {
        match self.short {
            Some(c) => format!("-{c}, --{}", self.name),
            None => format!("--{}", self.name),
        }
    }
}

/// Flags that hold several values and split them at commas (StringSliceVar upstream);
/// every other `=[]` flag is a StringArray.
const SLICE_FLAGS: &[&str] = &[
    "types", // kubectl events --types=Normal,Warning
    "filename",
    "image",
    "verb",
    "resource",
    "resource-name",
    "non-resource-url",
    "from-file",
    "from-env-file",
    "tcp",
    "label-columns",
    "keys",
    "scopes",
];

/// Flags whose values are durations (`--timeout=0s`) even where the help shows another default.
const DURATION_FLAGS: &[&str] = &[
    "timeout",
    "since",
    "duration",
    "pod-running-timeout",
    "log-flush-frequency",
];

#[derive(Debug, Clone, Default)]
pub struct FlagSet {
    defs: Vec<FlagDef>,
}

impl FlagSet {
    pub fn new() -> Self {
        FlagSet::default()
    }

    /// Reads the flags listed in a kubectl help text: lines of the form
    /// `    -o, --output='':` or `    --replicas=1:` under `Options:`.
    pub fn from_help(text: &str) -> Self {
        let mut set = FlagSet::new();
        for line in text.lines() {
            if !line.starts_with("    -") || !line.ends_with(':') {
                continue;
            }
            let spec = line.trim_start().strip_suffix(':').unwrap_or("");
            let (short, long) = if let Some(l) = spec.strip_prefix("--") {
                (None, l)
            } else if let Some((s, l)) = spec.split_once(", --") {
                (s.strip_prefix('-').and_then(|s| s.chars().next()), l)
            } else {
                continue;
            };
            let (name, default) = long.split_once('=').unwrap_or((long, ""));
            if name.is_empty() || set.lookup(name).is_some() {
                continue;
            }
            let (ty, default) = classify(name, default);
            set.add(name, short, ty, &default);
        }
        set
    }

    pub fn add(&mut self, name: &str, short: Option<char>, ty: FlagType, default: &str) {
        let no_opt_default = match ty {
            FlagType::Bool => Some("true".to_string()),
            _ if name == "dry-run" => Some("unchanged".to_string()),
            _ => None,
        };
        self.defs.retain(|d| d.name != name);
        self.defs.push(FlagDef {
            name: name.to_string(),
            short,
            ty,
            default: default.to_string(),
            no_opt_default,
        });
    }

    /// Adds every flag of `other` not defined here yet (persistent flags of parent commands).
    pub fn merge(&mut self, other: &FlagSet) {
        for d in &other.defs {
            if self.lookup(&d.name).is_none() {
                let short = d.short.filter(|c| self.lookup_short(*c).is_none());
                self.defs.push(FlagDef { short, ..d.clone() });
            }
        }
    }

    pub fn lookup(&self, name: &str) -> Option<&FlagDef> {
        self.defs.iter().find(|d| d.name == name)
    }

    fn lookup_short(&self, c: char) -> Option<&FlagDef> {
        self.defs.iter().find(|d| d.short == Some(c))
    }

    pub fn defs(&self) -> &[FlagDef] {
        &self.defs
    }

    /// Whether `arg` (a flag as typed, `--name` or `-n`, without `=value`) consumes the next
    /// argument as its value; cobra uses this to find the subcommand among flags.
    pub fn takes_value(&self, arg: &str) -> bool {
        if arg.contains('=') {
            return false;
        }
        let def = if let Some(long) = arg.strip_prefix("--") {
            self.lookup(long)
        } else if let Some(short) = arg.strip_prefix('-') {
            let mut chars = short.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => self.lookup_short(c),
                _ => None,
            }
        } else {
            None
        };
        matches!(def, Some(d) if d.no_opt_default.is_none())
    }

    /// Parses `args` (everything after the command path) into flags and positional arguments.
    pub fn parse(&self, args: &[String]) -> Result<Parsed, FlagError> {
        let mut parsed = Parsed::default();
        let mut i = 0;
        while i < args.len() {
            let a = args.get(i).map(String::as_str).unwrap_or("");
            i += 1;
            if a == "--" {
                parsed.args_len_at_dash = Some(parsed.args.len());
                parsed.args.extend(args.iter().skip(i).cloned());
                break;
            }
            if a.len() < 2 || !a.starts_with('-') {
                parsed.args.push(a.to_string());
                continue;
            }
            if let Some(long) = a.strip_prefix("--") {
                if long.is_empty() || long.starts_with('-') || long.starts_with('=') {
                    return Err(FlagError(format!("bad flag syntax: {a}")));
                }
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v.to_string())),
                    None => (long, None),
                };
                let Some(def) = self.lookup(name) else {
                    return Err(FlagError(format!("unknown flag: --{name}")));
                };
                let value = match (inline, &def.no_opt_default) {
                    (Some(v), _) => v,
                    (None, Some(d)) => d.clone(),
                    (None, None) => match args.get(i) {
                        Some(next) => {
                            i += 1;
                            next.clone()
                        }
                        None => return Err(FlagError(format!("flag needs an argument: {a}"))),
                    },
                };
                parsed.set(def, &value)?;
                continue;
            }
            // Shorthands: `-abc`, `-oyaml`, `-n=x`, `-n x`.
            let shorthands = a.get(1..).unwrap_or("");
            let mut rest: &str = shorthands;
            while let Some(c) = rest.chars().next() {
                let after = rest.get(c.len_utf8()..).unwrap_or("");
                let Some(def) = self.lookup_short(c) else {
                    return Err(FlagError(format!("unknown shorthand flag: '{c}' in -{shorthands}")));
                };
                let value;
                if after.len() > 1 && after.starts_with('=') {
                    value = after.get(1..).unwrap_or("").to_string();
                    rest = "";
                } else if let Some(d) = &def.no_opt_default {
                    value = d.clone();
                    rest = after;
                } else if !after.is_empty() {
                    value = after.to_string();
                    rest = "";
                } else if let Some(next) = args.get(i) {
                    i += 1;
                    value = next.clone();
                    rest = "";
                } else {
                    return Err(FlagError(format!("flag needs an argument: '{c}' in -{shorthands}")));
                }
                parsed.set(def, &value)?;
            }
        }
        // Defaults for everything not given.
        for def in &self.defs {
            if !parsed.changed.contains(&def.name) {
                let v = match def.ty {
                    FlagType::StringArray | FlagType::StringSlice | FlagType::Map => Vec::new(),
                    _ => vec![def.default.clone()],
                };
                parsed.values.insert(def.name.clone(), v);
            }
        }
        Ok(parsed)
    }
}

fn classify(name: &str, default: &str) -> (FlagType, String) {
    if DURATION_FLAGS.contains(&name) && !default.starts_with('\'') {
        return (FlagType::Duration, default.to_string());
    }
    if let Some(s) = default.strip_prefix('\'').and_then(|d| d.strip_suffix('\'')) {
        return (FlagType::String, s.to_string());
    }
    match default {
        "false" | "true" => (FlagType::Bool, default.to_string()),
        "[]" if SLICE_FLAGS.contains(&name) => (FlagType::StringSlice, String::new()),
        "[]" => (FlagType::StringArray, String::new()),
        "" => (FlagType::Map, String::new()),
        d if d.ends_with('s') && d.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
            (FlagType::Duration, d.to_string())
        }
        d if parse_go_int(d).is_ok() => (FlagType::Int, d.to_string()),
        d => (FlagType::String, d.to_string()),
    }
}

/// The result of parsing: flag values (defaults filled in) and positional arguments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    values: BTreeMap<String, Vec<String>>,
    changed: BTreeSet<String>,
    pub args: Vec<String>,
    /// How many positional arguments came before `--` (cobra's ArgsLenAtDash).
    pub args_len_at_dash: Option<usize>,
}

impl Parsed {
    fn set(&mut self, def: &FlagDef, value: &str) -> Result<(), FlagError> {
        let invalid = |why: String| {
            FlagError(format!(
                "invalid argument \"{value}\" for \"{}\" flag: {why}",
                def.display_name()
            ))
        };
        let first = self.changed.insert(def.name.clone());
        let slot = self.values.entry(def.name.clone()).or_default();
        match def.ty {
            FlagType::Bool => {
                parse_go_bool(value).map_err(invalid)?;
                *slot = vec![value.to_string()];
            }
            FlagType::Int => {
                parse_go_int(value).map_err(invalid)?;
                *slot = vec![value.to_string()];
            }
            FlagType::Duration => {
                parse_go_duration(value).map_err(invalid)?;
                *slot = vec![value.to_string()];
            }
            FlagType::String => *slot = vec![value.to_string()],
            FlagType::StringArray => {
                if first {
                    slot.clear();
                }
                slot.push(value.to_string());
            }
            FlagType::StringSlice | FlagType::Map => {
                if first {
                    slot.clear();
                }
                if !value.is_empty() {
                    slot.extend(split_csv(value).map_err(invalid)?);
                }
            }
        }
        Ok(())
    }

    /// Whether the flag was given on the command line.
    pub fn changed(&self, name: &str) -> bool {
        self.changed.contains(name)
    }

    pub fn string(&self, name: &str) -> String {
        self.values
            .get(name)
            .and_then(|v| v.last())
            .cloned()
            .unwrap_or_default()
    }

    pub fn bool(&self, name: &str) -> bool {
        parse_go_bool(&self.string(name)).unwrap_or(false)
    }

    pub fn int(&self, name: &str) -> i64 {
        parse_go_int(&self.string(name)).unwrap_or(0)
    }

    /// A duration flag in whole seconds (rounded down).
    pub fn duration_secs(&self, name: &str) -> i64 {
        parse_go_duration(&self.string(name))
            .map(|ns| ns / 1_000_000_000)
            .unwrap_or(0)
    }

    pub fn strings(&self, name: &str) -> Vec<String> {
        self.values.get(name).cloned().unwrap_or_default()
    }

    /// Sets a value as if typed (used for defaults that depend on other flags).
    pub fn set_string(&mut self, name: &str, value: &str) {
        self.values.insert(name.to_string(), vec![value.to_string()]);
    }
}

/// A flag parsing error with pflag's text (without the `error: ` prefix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagError(pub String);

impl fmt::Display for FlagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Go's strconv.ParseBool.
pub fn parse_go_bool(s: &str) -> Result<bool, String> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("strconv.ParseBool: parsing \"{s}\": invalid syntax")),
    }
}

/// Go's strconv.ParseInt(s, 0, 64): decimal, `0x`, `0o`, `0b` and leading-zero octal.
pub fn parse_go_int(s: &str) -> Result<i64, String> {
    let syntax = || format!("strconv.ParseInt: parsing \"{s}\": invalid syntax");
    let range = || format!("strconv.ParseInt: parsing \"{s}\": value out of range");
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or("")),
        Some(b'+') => (false, s.get(1..).unwrap_or("")),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits, prefixed) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string(), true)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string(), true)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower.get(1..).unwrap_or("").to_string(), true)
    } else {
        (10, lower.clone(), false)
    };
    // Underscores are allowed only with a base prefix, between digits.
    let digits = if prefixed {
        if digits.starts_with('_') && radix != 8 || digits.ends_with('_') || digits.contains("__") {
            return Err(syntax());
        }
        digits.replace('_', "")
    } else {
        digits
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(syntax());
    }
    let magnitude = u128::from_str_radix(&digits, radix).map_err(|_| range())?;
    let value = if neg { -(magnitude as i128) } else { magnitude as i128 };
    i64::try_from(value).map_err(|_| range())
}

/// Go's time.ParseDuration, in nanoseconds.
pub fn parse_go_duration(s: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration \"{s}\"");
    let (neg, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or("")),
        Some(b'+') => (false, s.get(1..).unwrap_or("")),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = rest.get(..num_len).unwrap_or("");
        if num.is_empty() || num == "." {
            return Err(invalid());
        }
        let n: f64 = num.parse().map_err(|_| invalid())?;
        rest = rest.get(num_len..).unwrap_or("");
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = rest.get(..unit_len).unwrap_or("");
        rest = rest.get(unit_len..).unwrap_or("");
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration \"{s}\"")),
            u => return Err(format!("time: unknown unit \"{u}\" in duration \"{s}\"")),
        };
        total += n * scale;
    }
    if total > i64::MAX as f64 {
        return Err(invalid());
    }
    Ok(if neg { -(total as i64) } else { total as i64 })
}

/// pflag reads StringSlice values as one CSV record.
fn split_csv(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = s.chars().peekable();
    let mut at_start = true;
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if at_start && c == '"' {
            quoted = true;
            at_start = false;
            continue;
        }
        at_start = false;
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        if c == ',' {
            out.push(std::mem::take(&mut field));
            at_start = true;
        } else {
            field.push(c);
        }
    }
    if quoted {
        return Err("parse error on line 1, column 1: extraneous or missing \" in quoted-field".to_string());
    }
    out.push(field);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> FlagSet {
        FlagSet::from_help(
            "Options:\n    -o, --output='':\n\tOutput format.\n\n    -r, --replicas=1:\n\tNumber.\n\n    --image=[]:\n\tImages.\n\n    --env=[]:\n\tEnv.\n\n    -A, --all-namespaces=false:\n\tAll.\n\n    --dry-run='none':\n\tDry.\n\n    --timeout=0s:\n\tT.\n\n    -w, --watch=false:\n\tW.\n\nUsage:\n  kubectl x\n",
        )
    }

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn help_text_yields_names_shorthands_types_and_defaults() {
        let s = set();
        let o = s.lookup("output").unwrap();
        assert_eq!((o.short, o.ty, o.default.as_str()), (Some('o'), FlagType::String, ""));
        assert_eq!(s.lookup("replicas").unwrap().ty, FlagType::Int);
        assert_eq!(s.lookup("image").unwrap().ty, FlagType::StringSlice);
        assert_eq!(s.lookup("env").unwrap().ty, FlagType::StringArray);
        assert_eq!(s.lookup("all-namespaces").unwrap().ty, FlagType::Bool);
        assert_eq!(s.lookup("timeout").unwrap().ty, FlagType::Duration);
        assert_eq!(
            s.lookup("dry-run").unwrap().no_opt_default.as_deref(),
            Some("unchanged")
        );
    }

    #[test]
    fn long_short_attached_and_separate_values_all_parse() {
        let p = set()
            .parse(&args(&[
                "a",
                "-oyaml",
                "--replicas",
                "3",
                "b",
                "--image=x,y",
                "--env=A=1,B=2",
                "--env",
                "C=3",
            ]))
            .unwrap();
        assert_eq!(p.args, vec!["a", "b"]);
        assert_eq!(p.string("output"), "yaml");
        assert_eq!(p.int("replicas"), 3);
        assert_eq!(p.strings("image"), vec!["x", "y"]);
        assert_eq!(p.strings("env"), vec!["A=1,B=2", "C=3"]);
        let p = set().parse(&args(&["-o=json", "-Aw"])).unwrap();
        assert_eq!(p.string("output"), "json");
        assert!(p.bool("all-namespaces") && p.bool("watch"));
    }

    #[test]
    fn double_dash_ends_flags_and_records_its_position() {
        let p = set().parse(&args(&["x", "--", "sh", "-c", "--replicas"])).unwrap();
        assert_eq!(p.args, vec!["x", "sh", "-c", "--replicas"]);
        assert_eq!(p.args_len_at_dash, Some(1));
    }

    #[test]
    fn defaults_fill_unset_flags_and_bools_take_explicit_false() {
        let p = set().parse(&args(&["-A=false"])).unwrap();
        assert_eq!(p.int("replicas"), 1);
        assert!(!p.bool("all-namespaces"));
        assert!(p.changed("all-namespaces"));
        let p = set().parse(&args(&["--dry-run"])).unwrap();
        assert_eq!(p.string("dry-run"), "unchanged");
    }

    #[test]
    fn errors_use_pflag_texts() {
        let cases: &[(&[&str], &str)] = &[
            (&["--foo"], "unknown flag: --foo"),
            (&["-z"], "unknown shorthand flag: 'z' in -z"),
            (&["-Az"], "unknown shorthand flag: 'z' in -Az"),
            (&["--output"], "flag needs an argument: --output"),
            (&["-o"], "flag needs an argument: 'o' in -o"),
            (&["--replicas=x"], "invalid argument \"x\" for \"-r, --replicas\" flag: strconv.ParseInt: parsing \"x\": invalid syntax"),
            (&["-A=maybe"], "invalid argument \"maybe\" for \"-A, --all-namespaces\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax"),
            (&["--timeout=5"], "invalid argument \"5\" for \"--timeout\" flag: time: missing unit in duration \"5\""),
            (&["---x"], "bad flag syntax: ---x"),
        ];
        for (a, want) in cases {
            assert_eq!(set().parse(&args(a)).unwrap_err().0, *want, "{a:?}");
        }
    }

    #[test]
    fn go_integers_accept_base_prefixes() {
        assert_eq!(parse_go_int("0x10"), Ok(16));
        assert_eq!(parse_go_int("010"), Ok(8));
        assert_eq!(parse_go_int("-5"), Ok(-5));
        assert!(parse_go_int("99999999999999999999")
            .unwrap_err()
            .ends_with("value out of range"));
        assert!(parse_go_int("").is_err());
    }

    #[test]
    fn go_durations_parse_compound_values() {
        assert_eq!(parse_go_duration("1m30s"), Ok(90_000_000_000));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(parse_go_duration("x"), Err("time: invalid duration \"x\"".to_string()));
    }

    #[test]
    fn value_taking_flags_are_known_for_command_lookup() {
        let s = set();
        assert!(s.takes_value("-o"));
        assert!(s.takes_value("--output"));
        assert!(!s.takes_value("--output=yaml"));
        assert!(!s.takes_value("-A"));
    }
}
