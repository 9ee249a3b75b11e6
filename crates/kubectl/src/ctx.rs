//! The per-invocation context every command works with (kubectl's cmdutil.Factory role):
//! the API client with `-v=6` request logging, the discovery-backed RESTMapper (fetched once
//! per invocation), the effective namespace, and the output streams.

use crate::discovery::RestMapper;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::{Host, Invocation, KubeConfig, Output};
use api::ResourceInfo;
use apimachinery::{ApiError, ApiRequest, GroupVersionKind};
use serde_json::Value;

/// The process id kubectl's klog lines show; fixed for determinism.
const PID: u32 = 12345;

pub struct Ctx<'a> {
    pub client: &'a mut dyn apimachinery::ApiClient,
    pub host: &'a mut dyn Host,
    pub config: &'a mut KubeConfig,
    pub out: &'a mut Output,
    /// `kubectl create deployment`, for usage messages.
    pub command_path: String,
    /// `-v` level.
    pub verbosity: i64,
    /// The namespace: `-n`, else the context's, else `default`.
    pub namespace: String,
    /// Whether `-n/--namespace` was given.
    pub explicit_namespace: bool,
    pub all_namespaces: bool,
    /// `--validate` is not false/ignore (client-side checks such as "kind not set").
    pub validate: bool,
    mapper: Option<RestMapper>,
    /// Server warnings already printed (kubectl's warning writer deduplicates).
    warned: std::collections::BTreeSet<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(inv: Invocation<'a>, command_path: &str, flags: &Parsed) -> Self {
        let context_name = if flags.changed("context") {
            flags.string("context")
        } else {
            inv.config.current_context.clone()
        };
        let context_ns = inv
            .config
            .contexts
            .iter()
            .find(|c| c.name == context_name)
            .map(|c| c.namespace.clone())
            .unwrap_or_default();
        let explicit_namespace = flags.changed("namespace") && !flags.string("namespace").is_empty();
        let namespace = if explicit_namespace {
            flags.string("namespace")
        } else if !context_ns.is_empty() {
            context_ns
        } else {
            "default".to_string()
        };
        Ctx {
            client: inv.client,
            host: inv.host,
            config: inv.config,
            out: inv.out,
            command_path: command_path.to_string(),
            verbosity: flags.int("v"),
            namespace,
            explicit_namespace,
            all_namespaces: flags.bool("all-namespaces"),
            validate: !matches!(
                flags.string("validate").to_ascii_lowercase().as_str(),
                "false" | "ignore"
            ),
            mapper: None,
            warned: Default::default(),
        }
    }

    /// How many distinct server warnings this invocation printed.
    pub fn warning_count(&self) -> usize {
        self.warned.len()
    }

    /// Prints the server's `Warning:` headers of the last response on stderr, each text once
    /// per invocation (rest.WarningWriter with Deduplicate).
    pub fn flush_warnings(&mut self) {
        for w in self.client.take_warnings() {
            if self.warned.insert(w.clone()) {
                self.out.stderr(format!("Warning: {w}\n"));
            }
        }
    }

    pub fn stdout(&mut self, s: impl AsRef<str>) {
        self.out.stdout(s);
    }

    pub fn stderr(&mut self, s: impl AsRef<str>) {
        self.out.stderr(s);
    }

    /// Sends one request, logging it as kubectl does at `-v=6` and above.
    pub fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        let method = req.method;
        let url = format!("{}{}", self.config.server, req.url_path());
        if self.verbosity >= 7 {
            // round_trippers at -v=7: the request with its headers, then a short response line.
            let mut headers = String::from("\tAccept: application/json\n");
            if let Some(pt) = req.patch_type {
                headers.push_str(&format!("\tContent-Type: {}\n", pt.content_type()));
            } else if req.body.is_some() && method != apimachinery::Method::Delete {
                headers.push_str("\tContent-Type: application/json\n");
            }
            headers.push_str("\tUser-Agent: kubectl/v1.37.1 (linux/amd64) kubernetes/f78e722\n");
            let line = format!(
                "{} {PID} round_trippers.go:527] \"Request\" verb=\"{method}\" url=\"{url}\" headers=<\n{headers} >\n",
                self.klog_time()
            );
            self.out.stderr(line);
        }
        let result = self.client.request(req);
        if self.verbosity >= 6 {
            let status = match &result {
                Ok(_) if method == apimachinery::Method::Post => "201 Created".to_string(),
                Ok(_) => "200 OK".to_string(),
                Err(e) => format!("{} {}", e.code(), status_text(e.code())),
            };
            let line = if self.verbosity >= 7 {
                format!(
                    "{} {PID} round_trippers.go:632] \"Response\" status=\"{status}\" milliseconds=0\n",
                    self.klog_time()
                )
            } else {
                format!(
                    "{} {PID} round_trippers.go:632] \"Response\" verb=\"{method}\" url=\"{url}\" status=\"{status}\" milliseconds=0\n",
                    self.klog_time()
                )
            };
            self.out.stderr(line);
        }
        self.flush_warnings();
        result
    }

    /// checkErr's `-v=4` dump of a failed request's Status (StatusError.DebugError), with
    /// metav1.Status fields in Go struct order.
    pub fn log_status_error(&mut self, e: &ApiError) {
        if self.verbosity < 4 {
            return;
        }
        let s = e.status();
        let q = apimachinery::yaml::go_json_string;
        let mut fields = vec![
            format!("  \"kind\": {}", q(&s.kind)),
            format!("  \"apiVersion\": {}", q(&s.api_version)),
            "  \"metadata\": {}".to_string(),
            format!("  \"status\": {}", q(&s.status)),
        ];
        if !s.message.is_empty() {
            fields.push(format!("  \"message\": {}", q(&s.message)));
        }
        if !s.reason.is_empty() {
            fields.push(format!("  \"reason\": {}", q(&s.reason)));
        }
        if let Some(d) = &s.details {
            let mut dl = Vec::new();
            for (k, v) in [
                ("name", &d.name),
                ("group", &d.group),
                ("kind", &d.kind),
                ("uid", &d.uid),
            ] {
                if !v.is_empty() {
                    dl.push(format!("    \"{k}\": {}", q(v)));
                }
            }
            if !d.causes.is_empty() {
                let causes: Vec<String> = d
                    .causes
                    .iter()
                    .map(|c| {
                        let mut cl = Vec::new();
                        for (k, v) in [("reason", &c.reason), ("message", &c.message), ("field", &c.field)] {
                            if !v.is_empty() {
                                cl.push(format!("        \"{k}\": {}", q(v)));
                            }
                        }
                        format!("      {{\n{}\n      }}", cl.join(",\n"))
                    })
                    .collect();
                dl.push(format!("    \"causes\": [\n{}\n    ]", causes.join(",\n")));
            }
            fields.push(format!("  \"details\": {{\n{}\n  }}", dl.join(",\n")));
        }
        fields.push(format!("  \"code\": {}", s.code));
        let line = format!(
            "{} {PID} helpers.go:247] server response object: {{\n{}\n}}\n",
            self.klog_time(),
            fields.join(",\n")
        );
        self.out.stderr(line);
    }

    /// GET.
    pub fn get(&mut self, path: impl Into<String>) -> CmdResult<Value> {
        self.request(ApiRequest::get(path)).map_err(CmdError::Api)
    }

    /// klog's `I1122 01:51:26.299872` header (severity, date, time) at the virtual now.
    fn klog_time(&self) -> String {
        let ts = apimachinery::time::format_rfc3339(self.host.now_unix());
        // 2026-11-22T01:51:26Z → I1122 01:51:26.000000
        let month = ts.get(5..7).unwrap_or("01");
        let day = ts.get(8..10).unwrap_or("01");
        let time = ts.get(11..19).unwrap_or("00:00:00");
        format!("I{month}{day} {time}.000000  ")
    }

    /// klog's first line at `-v=6`: where the kubeconfig came from.
    pub fn log_config_loaded(&mut self) {
        let line = format!(
            "{} {PID} loader.go:408] Config loaded from file:  /root/.kube/config\n",
            self.klog_time()
        );
        self.out.stderr(line);
    }

    /// A klog warning line as `kubectl` prints it (`W1122 … helpers.go:714] …`).
    pub fn warn_klog(&mut self, source: &str, msg: &str) {
        let t = self.klog_time().replacen('I', "W", 1);
        self.out.stderr(format!("{t} {PID} {source}] {msg}\n"));
    }

    /// The RESTMapper, built from the discovery documents on first use.
    pub fn mapper(&mut self) -> CmdResult<&RestMapper> {
        if self.mapper.is_none() {
            let api = self.client.request(ApiRequest::get("/api")).map_err(CmdError::Api)?;
            let apis = self.client.request(ApiRequest::get("/apis")).map_err(CmdError::Api)?;
            let mut lists = Vec::new();
            for v in api
                .get("versions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                if let Some(v) = v.as_str() {
                    if let Ok(l) = self.client.request(ApiRequest::get(format!("/api/{v}"))) {
                        lists.push(l);
                    }
                }
            }
            for g in apis
                .get("groups")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                for v in g.get("versions").and_then(Value::as_array).cloned().unwrap_or_default() {
                    if let Some(gv) = v.get("groupVersion").and_then(Value::as_str) {
                        if let Ok(l) = self.client.request(ApiRequest::get(format!("/apis/{gv}"))) {
                            lists.push(l);
                        }
                    }
                }
            }
            self.mapper = Some(RestMapper::from_documents(&api, &apis, &lists));
        }
        self.mapper.as_ref().ok_or_else(|| CmdError::msg("discovery failed"))
    }

    /// Resolves a resource argument (`po`, `deployments.apps`), or kubectl's
    /// `the server doesn't have a resource type "foos"`.
    pub fn resolve(&mut self, arg: &str) -> CmdResult<ResourceInfo> {
        let found = self.mapper()?.resolve(arg).cloned();
        found.ok_or_else(|| CmdError::msg(no_resource_type(arg)))
    }

    /// The resource for an object's apiVersion/kind, or the RESTMapper's
    /// `no matches for kind "X" in version "g/v"`.
    pub fn for_kind(&mut self, gvk: &GroupVersionKind) -> CmdResult<ResourceInfo> {
        let found = self.mapper()?.for_kind(gvk).cloned();
        found.ok_or_else(|| {
            CmdError::msg(format!(
                "no matches for kind \"{}\" in version \"{}\"",
                gvk.kind,
                gvk.api_version()
            ))
        })
    }

    /// The namespace for an object read from a file: its own, else the effective one; `-n`
    /// conflicting with the object's namespace is kubectl's error.
    pub fn object_namespace(&self, info: &ResourceInfo, obj: &Value) -> CmdResult<String> {
        if !info.namespaced() {
            return Ok(String::new());
        }
        let own = obj.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("");
        if own.is_empty() {
            return Ok(self.namespace.clone());
        }
        if self.explicit_namespace && own != self.namespace {
            return Err(CmdError::msg(format!(
                "the namespace from the provided object \"{own}\" does not match the namespace \"{}\". You must pass '--namespace={own}' to perform this operation.",
                self.namespace
            )));
        }
        Ok(own.to_string())
    }
}

/// kubectl's message for an unknown resource type (with the `group` / `version` variants).
pub fn no_resource_type(arg: &str) -> String {
    format!("the server doesn't have a resource type \"{arg}\"")
}

/// Go's http.StatusText for the codes the API server returns.
pub fn status_text(code: u16) -> &'static str {
    match code {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        410 => "Gone",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}
