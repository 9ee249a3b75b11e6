//! kubectl v1.37, emulated. It talks to the cluster only through API requests
//! ([`apimachinery::ApiClient`]) and prints exactly what kubectl prints, byte for byte:
//! flags parsed as pflag/cobra parse them, resources resolved through discovery, tables,
//! YAML/JSON/jsonpath/custom-columns printers, describers, generators.
//!
//! Entry point: [`run`]. Everything outside the API (files for `-f`, stdin, `$EDITOR`, the
//! clock used for AGE) comes through the [`Host`] trait, so the same code runs natively and
//! in the browser.

mod io;

pub use io::{Output, Stream};

use apimachinery::ApiClient;
use serde::{Deserialize, Serialize};

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
}

/// The parts of ~/.kube/config kubeplay keeps: contexts and their namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeConfig {
    pub current_context: String,
    pub contexts: Vec<Context>,
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

/// Runs `kubectl ARGS…` (`args` excludes the program name) and returns its exit code.
pub fn run(args: &[String], inv: Invocation<'_>) -> i32 {
    let _ = args;
    inv.out.stderr("error: not implemented yet\n");
    1
}
