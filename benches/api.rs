#![allow(clippy::disallowed_methods)] // a benchmark measures wall time

//! Benchmarks (a plain bench binary: `cargo bench --bench api`). Figures go into the issue
//! notes; nothing here is asserted.

use apimachinery::{ApiClient, ApiRequest};
use cluster::Cluster;
use serde_json::json;
use std::time::Instant;

struct NoHost;

impl kubectl::Host for NoHost {
    fn read_file(&mut self, path: &str) -> Result<String, String> {
        Err(format!("{path}: not available in benchmarks"))
    }
    fn list_dir(&mut self, _path: &str) -> Result<Option<Vec<String>>, String> {
        Ok(None)
    }
    fn stdin(&mut self) -> Option<String> {
        None
    }
    fn edit(&mut self, _file_name: &str, text: &str) -> Result<String, String> {
        Ok(text.to_string())
    }
    fn now_unix(&self) -> i64 {
        sim::DEFAULT_EPOCH_SECONDS
    }
}

struct StdinHost(Option<String>);

impl kubectl::Host for StdinHost {
    fn read_file(&mut self, path: &str) -> Result<String, String> {
        Err(format!("{path}: not available in benchmarks"))
    }
    fn list_dir(&mut self, _path: &str) -> Result<Option<Vec<String>>, String> {
        Ok(None)
    }
    fn stdin(&mut self) -> Option<String> {
        self.0.take()
    }
    fn edit(&mut self, _file_name: &str, text: &str) -> Result<String, String> {
        Ok(text.to_string())
    }
    fn now_unix(&self) -> i64 {
        sim::DEFAULT_EPOCH_SECONDS
    }
}

fn kubectl(cluster: &mut Cluster, host: &mut dyn kubectl::Host, args: &[&str]) -> (i32, usize) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let mut config = kubectl::KubeConfig::default();
    let mut out = kubectl::Output::default();
    let code = kubectl::run(
        &args,
        kubectl::Invocation {
            client: cluster,
            host,
            config: &mut config,
            out: &mut out,
        },
    );
    (code, out.combined().len())
}

fn report(what: &str, n: usize, started: Instant) {
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{what:<55} {:>10.1} ms  {:>12.0} ops/s",
        secs * 1000.0,
        n as f64 / secs.max(1e-9)
    );
}

fn main() {
    const N: usize = 10_000;
    let t = Instant::now();
    let mut cluster = Cluster::new(1);
    report("boot the default cluster", 1, t);

    let t = Instant::now();
    for i in 0..N {
        let ns = ["default", "kube-system", "kube-public"][i % 3];
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("cm-{i}")}, "data": {"k": "v"}});
        if let Err(e) = cluster.request(ApiRequest::post(format!("/api/v1/namespaces/{ns}/configmaps"), cm)) {
            eprintln!("create failed: {e}");
            return;
        }
    }
    report("create 10,000 ConfigMaps through the API", N, t);

    let t = Instant::now();
    for i in 0..N {
        let ns = ["default", "kube-system", "kube-public"][i % 3];
        let _ = cluster.request(ApiRequest::get(format!("/api/v1/namespaces/{ns}/configmaps/cm-{i}")));
    }
    report("get 10,000 ConfigMaps through the API", N, t);

    let t = Instant::now();
    let (code, bytes) = kubectl(&mut cluster, &mut NoHost, &["get", "configmaps", "-A"]);
    report(&format!("kubectl get configmaps -A (exit {code}, {bytes} bytes)"), 1, t);

    let mut docs = String::new();
    for i in 0..100 {
        docs.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: app-{i}\n  template:\n    metadata:\n      labels:\n        app: app-{i}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        ports:\n        - containerPort: 80\n"
        ));
    }
    let t = Instant::now();
    let (code, _) = kubectl(&mut cluster, &mut StdinHost(Some(docs.clone())), &["apply", "-f", "-"]);
    report(
        &format!("kubectl apply -f of a 100-document file (exit {code})"),
        100,
        t,
    );
    let t = Instant::now();
    let (code, _) = kubectl(&mut cluster, &mut StdinHost(Some(docs)), &["apply", "-f", "-"]);
    report(
        &format!("kubectl apply -f of the same file again (exit {code})"),
        100,
        t,
    );

    let t = Instant::now();
    let snapshot = cluster.snapshot();
    let text = serde_json::to_string(&snapshot).unwrap_or_default();
    report(&format!("snapshot the cluster ({} bytes)", text.len()), 1, t);
}
