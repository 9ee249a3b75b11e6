//! The REST-shaped requests kubectl sends and the API server answers. Paths and query
//! parameters are upstream's (`/apis/apps/v1/namespaces/default/deployments?labelSelector=…`),
//! so a request can be shown as kubectl -v=6 shows it, and later served over real HTTP.

use crate::errors::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Patch body formats, by their Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PatchType {
    /// `application/json-patch+json` (RFC 6902)
    Json,
    /// `application/merge-patch+json` (RFC 7386)
    Merge,
    /// `application/strategic-merge-patch+json`
    StrategicMerge,
}

impl PatchType {
    pub fn content_type(self) -> &'static str {
        match self {
            PatchType::Json => "application/json-patch+json",
            PatchType::Merge => "application/merge-patch+json",
            PatchType::StrategicMerge => "application/strategic-merge-patch+json",
        }
    }
}

/// One API request. `path` has no query string; `query` holds decoded parameters in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiRequest {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// Set for PATCH requests.
    pub patch_type: Option<PatchType>,
}

impl ApiRequest {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        ApiRequest {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            patch_type: None,
        }
    }
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::Get, path)
    }
    pub fn post(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::Post, path).with_body(body)
    }
    pub fn put(path: impl Into<String>, body: Value) -> Self {
        Self::new(Method::Put, path).with_body(body)
    }
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::Delete, path)
    }
    pub fn patch(path: impl Into<String>, patch_type: PatchType, body: Value) -> Self {
        let mut r = Self::new(Method::Patch, path).with_body(body);
        r.patch_type = Some(patch_type);
        r
    }
    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
    pub fn with_query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_string(), value.into()));
        self
    }
    /// The first value of a query parameter.
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    /// Path plus the query string, percent-encoded as a URL would carry it.
    pub fn url_path(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let q: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", encode_query(k), encode_query(v)))
            .collect();
        format!("{}?{}", self.path, q.join("&"))
    }
}

fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Anything that answers API requests: the in-memory API server behind the cluster, or a
/// recording fake in tests. A successful answer is the response object (or a Status for
/// deletes that return one); a failure is the Status as an [`ApiError`].
pub trait ApiClient {
    fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError>;
    /// The `Warning:` headers of the last response (deprecated APIs, questionable specs), in
    /// the order the server sent them; taking them empties the list.
    fn take_warnings(&mut self) -> Vec<String> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_path_encodes_selectors() {
        let r = ApiRequest::get("/api/v1/namespaces/default/pods").with_query("labelSelector", "app in (a,b)");
        assert_eq!(
            r.url_path(),
            "/api/v1/namespaces/default/pods?labelSelector=app+in+%28a%2Cb%29"
        );
    }
}
