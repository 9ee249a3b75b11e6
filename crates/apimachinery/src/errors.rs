//! `metav1.Status` and the API errors built from it, with upstream's reasons, codes and
//! message texts (k8s.io/apimachinery/pkg/api/errors, pkg/util/validation/field).

use crate::gvk::GroupResource;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusCause {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub field: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusDetails {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uid: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<StatusCause>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<i32>,
}

/// `metav1.Status` as the API server returns it on failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(default = "status_kind")]
    pub kind: String,
    #[serde(default = "status_api_version")]
    pub api_version: String,
    #[serde(default)]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// `Success` or `Failure`.
    pub status: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// A machine-readable reason (`NotFound`, `AlreadyExists`, `Invalid`, …); empty when unknown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<StatusDetails>,
    pub code: u16,
}

fn status_kind() -> String {
    "Status".to_string()
}
fn status_api_version() -> String {
    "v1".to_string()
}

impl Status {
    pub fn failure(code: u16, reason: &str, message: String, details: Option<StatusDetails>) -> Self {
        Status {
            kind: status_kind(),
            api_version: status_api_version(),
            metadata: serde_json::Map::new(),
            status: "Failure".to_string(),
            message,
            reason: reason.to_string(),
            details,
            code,
        }
    }
    pub fn success(details: Option<StatusDetails>) -> Self {
        Status {
            kind: status_kind(),
            api_version: status_api_version(),
            metadata: serde_json::Map::new(),
            status: "Success".to_string(),
            message: String::new(),
            reason: String::new(),
            details,
            code: 200,
        }
    }
}

/// An error returned by the API: a failed [`Status`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError(pub Status);

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for ApiError {}

fn details(name: &str, gr: &GroupResource) -> Option<StatusDetails> {
    Some(StatusDetails {
        name: name.to_string(),
        group: gr.group.clone(),
        kind: gr.resource.clone(),
        ..Default::default()
    })
}

impl ApiError {
    pub fn status(&self) -> &Status {
        &self.0
    }
    pub fn code(&self) -> u16 {
        self.0.code
    }
    pub fn reason(&self) -> &str {
        &self.0.reason
    }
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// 404 `pods "x" not found`.
    pub fn not_found(gr: &GroupResource, name: &str) -> Self {
        ApiError(Status::failure(
            404,
            "NotFound",
            format!("{gr} \"{name}\" not found"),
            details(name, gr),
        ))
    }
    /// 409 `deployments.apps "web" already exists`.
    pub fn already_exists(gr: &GroupResource, name: &str) -> Self {
        ApiError(Status::failure(
            409,
            "AlreadyExists",
            format!("{gr} \"{name}\" already exists"),
            details(name, gr),
        ))
    }
    /// 409 `Operation cannot be fulfilled on <gr> "<name>": <msg>`.
    pub fn conflict(gr: &GroupResource, name: &str, msg: &str) -> Self {
        ApiError(Status::failure(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {gr} \"{name}\": {msg}"),
            details(name, gr),
        ))
    }
    /// 422 `<Kind>[.<group>] "<name>" is invalid: <errors>`; `kind` is the Kind, `group` its group.
    pub fn invalid(group: &str, kind: &str, name: &str, errs: &[FieldError]) -> Self {
        let qualified = if group.is_empty() {
            kind.to_string()
        } else {
            format!("{kind}.{group}")
        };
        let rendered: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        let body = match rendered.as_slice() {
            [one] => one.clone(),
            many => format!("[{}]", many.join(", ")),
        };
        let causes = errs
            .iter()
            .map(|e| StatusCause {
                reason: e.kind.cause_reason().to_string(),
                message: e.body(),
                field: e.field.clone(),
            })
            .collect();
        ApiError(Status::failure(
            422,
            "Invalid",
            format!("{qualified} \"{name}\" is invalid: {body}"),
            Some(StatusDetails {
                name: name.to_string(),
                group: group.to_string(),
                kind: kind.to_string(),
                causes,
                ..Default::default()
            }),
        ))
    }
    /// 400 with the given message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError(Status::failure(400, "BadRequest", message.into(), None))
    }
    /// 403.
    pub fn forbidden(gr: &GroupResource, name: &str, why: &str) -> Self {
        let what = if name.is_empty() {
            format!("{gr}")
        } else {
            format!("{gr} \"{name}\"")
        };
        ApiError(Status::failure(
            403,
            "Forbidden",
            format!("{what} is forbidden: {why}"),
            details(name, gr),
        ))
    }
    /// 405 `the server does not allow this method on the requested resource`.
    pub fn method_not_supported(gr: &GroupResource, action: &str) -> Self {
        ApiError(Status::failure(
            405,
            "MethodNotAllowed",
            format!("{action} is not supported on resources of kind \"{gr}\""),
            details("", gr),
        ))
    }
    /// 410 Gone, as a watch from a compacted resourceVersion gets.
    pub fn gone(message: impl Into<String>) -> Self {
        ApiError(Status::failure(410, "Expired", message.into(), None))
    }
    /// 500.
    pub fn internal(message: impl Into<String>) -> Self {
        ApiError(Status::failure(
            500,
            "InternalError",
            format!("Internal error occurred: {}", message.into()),
            None,
        ))
    }
    /// 404 for a URL that names no resource: `the server could not find the requested resource`.
    pub fn no_route() -> Self {
        ApiError(Status::failure(
            404,
            "NotFound",
            "the server could not find the requested resource".to_string(),
            None,
        ))
    }
    /// 415 for an unsupported patch type or body.
    pub fn unsupported_media_type(content_type: &str) -> Self {
        ApiError(Status::failure(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got {content_type}"), None))
    }
}

/// The kinds of field error (field.ErrorType).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldErrorType {
    NotFound,
    Required,
    Duplicate,
    Invalid,
    NotSupported,
    Forbidden,
    TooLong,
    TooMany,
    Internal,
    TypeInvalid,
}

impl FieldErrorType {
    /// The `StatusCause.reason` upstream uses (`FieldValueInvalid`, …).
    pub fn cause_reason(self) -> &'static str {
        match self {
            FieldErrorType::NotFound => "FieldValueNotFound",
            FieldErrorType::Required => "FieldValueRequired",
            FieldErrorType::Duplicate => "FieldValueDuplicate",
            FieldErrorType::Invalid => "FieldValueInvalid",
            FieldErrorType::NotSupported => "FieldValueNotSupported",
            FieldErrorType::Forbidden => "FieldValueForbidden",
            FieldErrorType::TooLong => "FieldValueTooLong",
            FieldErrorType::TooMany => "FieldValueTooMany",
            FieldErrorType::Internal => "InternalError",
            FieldErrorType::TypeInvalid => "FieldValueTypeInvalid",
        }
    }
    /// The text upstream's `ErrorType.String()` gives.
    pub fn text(self) -> &'static str {
        match self {
            FieldErrorType::NotFound => "Not found",
            FieldErrorType::Required => "Required value",
            FieldErrorType::Duplicate => "Duplicate value",
            FieldErrorType::Invalid => "Invalid value",
            FieldErrorType::NotSupported => "Unsupported value",
            FieldErrorType::Forbidden => "Forbidden",
            FieldErrorType::TooLong => "Too long",
            FieldErrorType::TooMany => "Too many",
            FieldErrorType::Internal => "Internal error",
            FieldErrorType::TypeInvalid => "Invalid value",
        }
    }
}

/// One validation failure at a field path (field.Error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub kind: FieldErrorType,
    /// The path, e.g. `spec.template.spec.containers[0].name`.
    pub field: String,
    /// The offending value already rendered as upstream prints it (`"Foo"`, `70000`,
    /// `v1.LabelSelector{…}`); `None` where the error type omits it.
    pub bad_value: Option<String>,
    pub detail: String,
}

impl FieldError {
    fn new(
        kind: FieldErrorType,
        field: impl Into<String>,
        bad_value: Option<String>,
        detail: impl Into<String>,
    ) -> Self {
        FieldError {
            kind,
            field: field.into(),
            bad_value,
            detail: detail.into(),
        }
    }
    pub fn invalid(field: impl Into<String>, bad_value: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Invalid, field, Some(bad_value.into()), detail)
    }
    /// Invalid with a string value, quoted as Go's `%q` does.
    pub fn invalid_str(field: impl Into<String>, value: &str, detail: impl Into<String>) -> Self {
        Self::invalid(field, go_quote(value), detail)
    }
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Required, field, None, detail)
    }
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Forbidden, field, None, detail)
    }
    pub fn duplicate(field: impl Into<String>, bad_value: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Duplicate, field, Some(bad_value.into()), "")
    }
    pub fn not_found(field: impl Into<String>, bad_value: impl Into<String>) -> Self {
        Self::new(FieldErrorType::NotFound, field, Some(bad_value.into()), "")
    }
    /// `Unsupported value: "x": supported values: "a", "b"`.
    pub fn not_supported(field: impl Into<String>, value: &str, supported: &[&str]) -> Self {
        let detail = if supported.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = supported.iter().map(|s| go_quote(s)).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(FieldErrorType::NotSupported, field, Some(go_quote(value)), detail)
    }
    pub fn too_long(field: impl Into<String>, max: usize) -> Self {
        Self::new(
            FieldErrorType::TooLong,
            field,
            None,
            format!("may not be more than {max} {}", if max == 1 { "byte" } else { "bytes" }),
        )
    }
    pub fn internal(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Internal, field, None, detail)
    }

    /// The part after `<field>: ` (field.Error.ErrorBody).
    pub fn body(&self) -> String {
        let mut s = self.kind.text().to_string();
        match self.kind {
            FieldErrorType::Required
            | FieldErrorType::Forbidden
            | FieldErrorType::TooLong
            | FieldErrorType::Internal => {}
            _ => {
                if let Some(v) = &self.bad_value {
                    s.push_str(": ");
                    s.push_str(v);
                }
            }
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.body())
        } else {
            write!(f, "{}: {}", self.field, self.body())
        }
    }
}

/// Go's `%q` for a string: double-quoted with Go escapes.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_message_names_the_group_qualified_resource() {
        let e = ApiError::not_found(&GroupResource::new("apps", "deployments"), "web");
        assert_eq!(e.message(), "deployments.apps \"web\" not found");
        assert_eq!(e.code(), 404);
        assert_eq!(e.reason(), "NotFound");
    }

    #[test]
    fn conflict_uses_the_optimistic_lock_text() {
        let e = ApiError::conflict(
            &GroupResource::new("apps", "deployments"),
            "web",
            "the object has been modified; please apply your changes to the latest version and try again",
        );
        assert_eq!(e.message(), "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply your changes to the latest version and try again");
    }

    #[test]
    fn invalid_with_one_and_many_causes() {
        let one = ApiError::invalid(
            "apps",
            "Deployment",
            "Foo",
            &[FieldError::invalid_str("metadata.name", "Foo", "bad")],
        );
        assert_eq!(
            one.message(),
            "Deployment.apps \"Foo\" is invalid: metadata.name: Invalid value: \"Foo\": bad"
        );
        let two = ApiError::invalid(
            "",
            "Pod",
            "p",
            &[
                FieldError::required("spec.containers", ""),
                FieldError::not_supported("spec.restartPolicy", "Sometimes", &["Always", "Never"]),
            ],
        );
        assert_eq!(two.message(), "Pod \"p\" is invalid: [spec.containers: Required value, spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\"]");
        let causes = &two.status().details.as_ref().unwrap().causes;
        assert_eq!(causes[0].reason, "FieldValueRequired");
        assert_eq!(
            causes[1].message,
            "Unsupported value: \"Sometimes\": supported values: \"Always\", \"Never\""
        );
    }

    #[test]
    fn status_serialises_like_metav1_status() {
        let e = ApiError::not_found(&GroupResource::new("", "pods"), "x");
        let v = serde_json::to_value(e.status()).unwrap();
        assert_eq!(v["kind"], "Status");
        assert_eq!(v["details"]["kind"], "pods");
        assert_eq!(v["code"], 404);
    }
}
