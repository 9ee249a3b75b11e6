//! kubectl v1.37, emulated. It talks to the cluster only through API requests
//! ([`apimachinery::ApiClient`]) and prints exactly what kubectl prints, byte for byte:
//! flags parsed as pflag/cobra parse them, resources resolved through discovery, tables,
//! YAML/JSON/jsonpath/custom-columns printers, describers, generators.
//!
//! Entry point: [`run`], or [`run_async`] for a host whose [`Host::wait`] lets real time pass.
//! Everything outside the API (files for `-f`, stdin, `$EDITOR`, the clock used for AGE) comes
//! through the [`Host`] trait, so the same code runs natively and in the browser.

// Command results carry a whole metav1.Status (ApiError) on failure, as kubectl's errors do;
// they are returned once per command, so their size does not matter.
#![allow(clippy::result_large_err)]

mod io;

// Infrastructure: command line, dispatch, discovery, resource builder, errors.
pub mod cmd;
pub mod ctx;
pub mod discovery;
pub mod error;
pub mod flags;
pub mod gojson;
pub mod hash;
pub mod output;
pub mod resource;
pub mod unified_diff;

// Read side: printers, describers, get/describe/api-resources.
pub mod describe;
pub mod printers;

pub use io::{Output, Stream};

use apimachinery::ApiClient;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::task::{Poll, Waker};

/// What kubectl needs from the world around it, besides the API.
pub trait Host {
    /// Reads a file named by `-f` (a path relative to the working directory).
    fn read_file(&mut self, path: &str) -> Result<String, String>;
    /// Lists a directory named by `-f DIR`: `Ok(None)` when `path` is not a directory,
    /// otherwise the file names directly inside it, sorted.
    fn list_dir(&mut self, path: &str) -> Result<Option<Vec<String>>, String>;
    /// Standard input (for `-f -`), consumed once; `None` when there is none.
    fn stdin(&mut self) -> Option<String>;
    /// Lets the user edit `text` (kubectl edit); `Err` with kubectl's message when no editor
    /// can run.
    fn edit(&mut self, file_name: &str, text: &str) -> Result<String, String>;
    /// The current time in Unix seconds, for AGE columns. kubectl reads the local clock; here it
    /// is the cluster's virtual clock.
    fn now_unix(&self) -> i64;
    /// Lets `seconds` of virtual time pass (for commands that watch, such as
    /// `kubectl rollout status`). Resolves to false when the host cannot wait or the user
    /// interrupted (Ctrl-C); then such commands stop as they would on `^C`. A host that lets
    /// real time pass returns a future that stays pending until the clock got there, which is
    /// why every command that waits is async (see [`run_async`]).
    fn wait(&mut self, seconds: i64) -> Pin<Box<dyn Future<Output = bool> + '_>> {
        let _ = seconds;
        Box::pin(std::future::ready(false))
    }
    /// Called before each wait with what the command has written so far, so that a host
    /// showing output live (a terminal) can take it: whatever it removes from `out` counts as
    /// already shown. The default leaves it for the caller of [`run`].
    fn flush(&mut self, out: &mut Output) {
        let _ = out;
    }
}

/// The parts of ~/.kube/config kubeplay keeps: contexts and their namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeConfig {
    pub current_context: String,
    pub contexts: Vec<Context>,
    /// The API server URL of the (single) cluster, as admin.conf names it.
    #[serde(default = "default_server")]
    pub server: String,
}

/// Where kubeadm's admin.conf points: the control plane node's advertise address.
pub const DEFAULT_SERVER: &str = "https://192.168.0.10:6443";

fn default_server() -> String {
    DEFAULT_SERVER.to_string()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    pub name: String,
    pub cluster: String,
    pub user: String,
    /// Empty means `default`.
    #[serde(default)]
    pub namespace: String,
}

impl Default for KubeConfig {
    /// What `kubeadm init` writes into admin.conf: one context `kubernetes-admin@kubernetes`.
    fn default() -> Self {
        KubeConfig {
            current_context: "kubernetes-admin@kubernetes".to_string(),
            contexts: vec![Context {
                name: "kubernetes-admin@kubernetes".to_string(),
                cluster: "kubernetes".to_string(),
                user: "kubernetes-admin".to_string(),
                namespace: String::new(),
            }],
            server: default_server(),
        }
    }
}

/// Everything one kubectl invocation works with.
pub struct Invocation<'a> {
    pub client: &'a mut dyn ApiClient,
    pub host: &'a mut dyn Host,
    pub config: &'a mut KubeConfig,
    pub out: &'a mut Output,
}

/// Runs `kubectl ARGS…` (`args` excludes the program name) and returns its exit code, for
/// hosts whose [`Host::wait`] resolves at once (a pending wait is a host bug: the command
/// then fails with exit 1 instead of hanging).
pub fn run(args: &[String], inv: Invocation<'_>) -> i32 {
    let Invocation {
        client,
        host,
        config,
        out,
    } = inv;
    let inner = Invocation {
        client: &mut *client,
        host: &mut *host,
        config: &mut *config,
        out: &mut *out,
    };
    match poll_ready(run_async(args, inner)) {
        Some(code) => code,
        None => {
            out.stderr("error: kubeplay: this host cannot wait for a command to finish\n");
            1
        }
    }
}

/// [`run`] for hosts that let time pass while the future is pending (the browser page).
pub async fn run_async(args: &[String], inv: Invocation<'_>) -> i32 {
    cmd::execute(args, inv).await
}

/// Polls `f` once with a waker that does nothing: the result when it is ready, `None` when it
/// is pending (then it would never be woken). Drives async code synchronously for hosts whose
/// waits resolve at once.
pub fn poll_ready<F: Future>(f: F) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}
