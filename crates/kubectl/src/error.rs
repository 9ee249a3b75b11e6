//! Errors of kubectl commands and their rendering as kubectl's `checkErr` prints them
//! (k8s.io/kubectl/pkg/cmd/util/helpers.go).

use apimachinery::ApiError;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // one per command; see lib.rs
pub enum CmdError {
    /// A plain error; printed with an `error: ` prefix unless it already has one.
    Msg(String),
    /// An API status error: `Error from server (Reason): message`, or the Invalid layout.
    Api(ApiError),
    /// Several errors (utilerrors.Aggregate): one line each, API errors in their standard form,
    /// others bare.
    Aggregate(Vec<CmdError>),
    /// Printed exactly as is (checkErr cases without a prefix, e.g. RESTMapper misses).
    Raw(String),
    /// The error was already printed; just exit with this code.
    Exit(i32),
}

pub type CmdResult<T = ()> = Result<T, CmdError>;

impl CmdError {
    pub fn msg(s: impl Into<String>) -> Self {
        CmdError::Msg(s.into())
    }

    /// cmdutil.UsageErrorf: the message plus where to find help.
    pub fn usage(command_path: &str, msg: impl fmt::Display) -> Self {
        CmdError::Msg(format!("{msg}\nSee '{command_path} -h' for help and examples"))
    }

    /// Wraps an API error the way `fmt.Errorf("...: %v", err)` does: the status type is lost.
    pub fn wrap(prefix: &str, err: CmdError) -> Self {
        CmdError::Msg(format!("{prefix}{}", err.plain_message()))
    }

    /// The error's own text (Go's `err.Error()`).
    pub fn plain_message(&self) -> String {
        match self {
            CmdError::Msg(m) | CmdError::Raw(m) => m.clone(),
            CmdError::Api(e) => e.message().to_string(),
            CmdError::Aggregate(errs) => {
                let msgs: Vec<String> = errs.iter().map(CmdError::plain_message).collect();
                match msgs.as_slice() {
                    [one] => one.clone(),
                    many => format!("[{}]", many.join(", ")),
                }
            }
            CmdError::Exit(_) => String::new(),
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, CmdError::Api(e) if e.code() == 404 && e.reason() == "NotFound")
    }

    pub fn is_already_exists(&self) -> bool {
        matches!(self, CmdError::Api(e) if e.reason() == "AlreadyExists")
    }

    /// Collapses a list of errors as utilerrors.NewAggregate does: none → Ok, one → itself.
    pub fn aggregate(mut errs: Vec<CmdError>) -> CmdResult {
        match errs.len() {
            0 => Ok(()),
            1 => Err(errs.remove(0)),
            _ => Err(CmdError::Aggregate(errs)),
        }
    }

    /// The exit code kubectl uses.
    pub fn exit_code(&self) -> i32 {
        match self {
            CmdError::Exit(code) => *code,
            _ => 1,
        }
    }

    /// What checkErr prints to stderr (always ending in a newline, or empty).
    pub fn render(&self) -> String {
        let mut s = match self {
            CmdError::Exit(_) => return String::new(),
            CmdError::Raw(m) => m.clone(),
            CmdError::Msg(m) => {
                if m.starts_with("error: ") {
                    m.clone()
                } else {
                    format!("error: {m}")
                }
            }
            CmdError::Api(e) if e.code() == 422 && e.reason() == "Invalid" => render_invalid(e),
            CmdError::Api(e) => standard_message(e),
            CmdError::Aggregate(errs) => {
                let mut out = String::new();
                for e in flatten(errs) {
                    let line = match e {
                        CmdError::Api(a) => standard_message(a),
                        other => other.plain_message(),
                    };
                    out.push_str(&line);
                    out.push('\n');
                }
                out
            }
        };
        if !s.ends_with('\n') {
            s.push('\n');
        }
        s
    }
}

fn flatten(errs: &[CmdError]) -> Vec<&CmdError> {
    let mut out = Vec::new();
    for e in errs {
        match e {
            CmdError::Aggregate(inner) => out.extend(flatten(inner)),
            other => out.push(other),
        }
    }
    out
}

/// StandardErrorMessage for status errors.
pub fn standard_message(e: &ApiError) -> String {
    let s = e.status();
    if s.reason == "Unauthorized" {
        format!("error: You must be logged in to the server ({})", s.message)
    } else if !s.reason.is_empty() {
        format!("Error from server ({}): {}", s.reason, s.message)
    } else {
        format!("Error from server: {}", s.message)
    }
}

/// checkErr's special layout for 422 Invalid.
fn render_invalid(e: &ApiError) -> String {
    let status = e.status();
    let Some(details) = &status.details else {
        let mut s = "The request is invalid".to_string();
        if !status.message.is_empty() {
            s.push_str(": ");
            s.push_str(&status.message);
        }
        return s;
    };
    let mut s = "The request is invalid".to_string();
    if !details.kind.is_empty() || !details.name.is_empty() {
        s = format!("The {} \"{}\" is invalid", details.kind, details.name);
    } else if !status.message.is_empty() && details.causes.is_empty() {
        s.push_str(": ");
        s.push_str(&status.message);
    }
    let causes: Vec<String> = details
        .causes
        .iter()
        .map(|c| format!("{}: {}", c.field, c.message))
        .collect();
    match causes.as_slice() {
        [] => s,
        [one] => format!("{s}: {one}\n"),
        many => {
            let mut out = format!("{s}: \n");
            for c in many {
                out.push_str(&format!("* {c}\n"));
            }
            out
        }
    }
}

impl From<ApiError> for CmdError {
    fn from(e: ApiError) -> Self {
        CmdError::Api(e)
    }
}

impl From<crate::flags::FlagError> for CmdError {
    fn from(e: crate::flags::FlagError) -> Self {
        CmdError::Msg(e.0)
    }
}

impl fmt::Display for CmdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.plain_message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apimachinery::{FieldError, GroupResource};

    #[test]
    fn status_errors_name_their_reason() {
        let e = CmdError::Api(ApiError::not_found(&GroupResource::new("", "pods"), "x"));
        assert_eq!(e.render(), "Error from server (NotFound): pods \"x\" not found\n");
    }

    #[test]
    fn plain_errors_get_one_error_prefix() {
        assert_eq!(CmdError::msg("boom").render(), "error: boom\n");
        assert_eq!(CmdError::msg("error: boom").render(), "error: boom\n");
    }

    #[test]
    fn invalid_with_one_cause_is_inline_and_several_are_bulleted() {
        let one = ApiError::invalid(
            "apps",
            "Deployment",
            "Foo",
            &[FieldError::invalid_str("metadata.name", "Foo", "bad")],
        );
        assert_eq!(
            CmdError::Api(one).render(),
            "The Deployment \"Foo\" is invalid: metadata.name: Invalid value: \"Foo\": bad\n"
        );
        let two = ApiError::invalid(
            "",
            "Pod",
            "p",
            &[
                FieldError::required("spec.containers", ""),
                FieldError::invalid_str("metadata.name", "P", "bad"),
            ],
        );
        assert_eq!(
            CmdError::Api(two).render(),
            "The Pod \"p\" is invalid: \n* spec.containers: Required value\n* metadata.name: Invalid value: \"P\": bad\n"
        );
    }

    #[test]
    fn aggregates_print_each_error_on_its_own_line() {
        let e = CmdError::Aggregate(vec![
            CmdError::Api(ApiError::not_found(&GroupResource::new("", "pods"), "a")),
            CmdError::msg("plain"),
        ]);
        assert_eq!(
            e.render(),
            "Error from server (NotFound): pods \"a\" not found\nplain\n"
        );
    }

    #[test]
    fn usage_errors_point_at_help() {
        assert_eq!(
            CmdError::usage("kubectl create deployment", "exactly one NAME is required, got 0").render(),
            "error: exactly one NAME is required, got 0\nSee 'kubectl create deployment -h' for help and examples\n"
        );
    }
}
