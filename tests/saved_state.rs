//! A saved state is user input: the page imports any file, and `--state FILE` reads whatever is
//! there. A hand-edited or corrupted snapshot must give a clear error or a cluster that works —
//! never a panic, neither when it is restored nor later, when the restored cluster runs.
//!
//! The test takes a real snapshot and mutates it many times (deterministically: a seeded
//! xorshift picks the paths and the mutations), then restores each mutant, lets two virtual
//! minutes pass and runs kubectl against it. A panic anywhere fails the test and names the
//! mutation that caused it.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, Once, OnceLock};

use serde_json::{json, Value};

/// xorshift64*: tiny, portable, the same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

thread_local! {
    /// The message and place of the last panic on this thread (the tests run in parallel).
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
    /// Whether a panic now is a finding to record (inside [`guarded`]) or a test failure.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Panics are expected findings here: record them instead of printing a backtrace each.
fn quiet_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if GUARDED.with(Cell::get) {
                LAST_PANIC.with(|p| *p.borrow_mut() = format!("{msg} at {place}"));
            } else {
                eprintln!("panicked at {place}:\n{msg}");
            }
        }));
    });
}

fn last_panic() -> String {
    LAST_PANIC.with(|p| p.borrow().clone())
}

/// A cluster with some of everything a learner creates, a minute after creating it.
fn busy_cluster() -> cluster::Cluster {
    let mut sh = shell::Shell::new(cluster::Cluster::new(1), Box::new(shell::MemoryFs::default()));
    for line in [
        "kubectl create deployment web --image=nginx --replicas=2",
        "kubectl expose deployment web --port=80",
        "kubectl create job pi --image=busybox -- sh -c 'echo 3.14'",
        "kubectl create cronjob tick --image=busybox --schedule='*/1 * * * *' -- date",
    ] {
        let r = sh.run_line(line);
        assert_eq!(r.exit_code, 0, "{line}: {}", r.output.combined());
    }
    let sts = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  replicas: 2\n  selector:\n    matchLabels: {app: db}\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers:\n      - name: db\n        image: redis\n";
    sh.fs_mut().write_file("/root/sts.yaml", sts, false).unwrap();
    let r = sh.run_line("kubectl apply -f sts.yaml");
    assert_eq!(r.exit_code, 0, "{}", r.output.combined());
    sh.run_line("sleep 60");
    let c = sh.cluster().clone();
    c
}

/// The snapshot every mutant starts from (built once, shared by the tests).
fn base_snapshot() -> &'static Value {
    static SNAP: OnceLock<Value> = OnceLock::new();
    SNAP.get_or_init(|| busy_cluster().snapshot())
}

/// Every node of `v` as a JSON pointer, grouped by where it lives.
fn collect(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                collect(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{path}/{i}");
                out.push(p.clone());
                collect(child, p, out);
            }
        }
        _ => {}
    }
}

struct Targets {
    /// Component state: informers, work queues, pod workers, recorders.
    components: Vec<String>,
    /// The API server's own state: resourceVersion, watch cache, allocators, config.
    server: Vec<String>,
    /// Stored objects.
    store: Vec<String>,
    /// Clock, random streams, seed, format version, top-level keys.
    top: Vec<String>,
}

fn targets(snap: &Value) -> Targets {
    let mut all = Vec::new();
    collect(snap, String::new(), &mut all);
    let mut t = Targets {
        components: Vec::new(),
        server: Vec::new(),
        store: Vec::new(),
        top: Vec::new(),
    };
    for p in all {
        if p.starts_with("/components/") {
            t.components.push(p);
        } else if p.starts_with("/apiserver/store/") {
            t.store.push(p);
        } else if p.starts_with("/apiserver/") {
            t.server.push(p);
        } else {
            t.top.push(p);
        }
    }
    t
}

/// Replaces, deletes or reshapes the node at `path`; returns what it did.
fn mutate(root: &mut Value, path: &str, rng: &mut Rng) -> String {
    let (parent_path, key) = match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => return "nothing".to_string(),
    };
    let Some(old) = root.pointer(path).cloned() else {
        return format!("{path}: gone already");
    };
    // Three times in four the new value keeps the old one's type: a type change is refused by
    // deserialisation already, a bad value of the right type is what reaches the components.
    let new = if rng.below(4) > 0 {
        match same_type(&old, rng) {
            Some(v) => v,
            None => return delete(root, parent_path, key, path),
        }
    } else {
        match rng.below(10) {
            0 => Value::Null,
            1 => json!(-1),
            2 => json!(u64::MAX),
            3 => json!(1e300),
            4 => json!(""),
            5 => json!("garbage"),
            6 => json!({}),
            7 => json!([]),
            8 => json!([old.clone(), old.clone()]),
            _ => return delete(root, parent_path, key, path),
        }
    };
    let shown = new.to_string();
    if let Some(slot) = root.pointer_mut(path) {
        *slot = new;
    }
    format!("{path} = {}", shown.chars().take(60).collect::<String>())
}

/// Deletes the key or the array element at `path`.
fn delete(root: &mut Value, parent_path: &str, key: &str, path: &str) -> String {
    match root.pointer_mut(parent_path) {
        Some(Value::Object(m)) => {
            m.remove(&key.replace("~1", "/").replace("~0", "~"));
            format!("{path}: deleted")
        }
        Some(Value::Array(a)) => {
            if let Ok(i) = key.parse::<usize>() {
                if i < a.len() {
                    a.remove(i);
                }
            }
            format!("{path}: element removed")
        }
        _ => format!("{path}: parent is no container"),
    }
}

/// A surprising value of the same JSON type as `old`; `None`: delete it instead.
fn same_type(old: &Value, rng: &mut Rng) -> Option<Value> {
    Some(match old {
        Value::Null => json!(*rng.pick(&[json!(0), json!(""), json!(-1), json!({}), json!([]), json!(u64::MAX)])),
        Value::Bool(b) => json!(!b),
        Value::Number(n) => {
            let bump = *rng.pick(&[
                1i64,
                -1,
                1000,
                -1000,
                86_400_000,
                1_000_000_000_000,
                i64::MAX / 2,
                i64::MIN / 2,
            ]);
            match rng.below(3) {
                0 => json!(*rng.pick(&[0i64, 1, -1, 255, 256, 65_536, 4_294_967_296, i64::MIN, i64::MAX])),
                1 => json!(*rng.pick(&[u64::MAX, u64::MAX / 2, 1u64 << 53, (1u64 << 63) + 1])),
                _ => match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => json!(u.wrapping_add(bump as u64)),
                    (_, Some(i)) => json!(i.wrapping_add(bump)),
                    _ => json!(-0.5),
                },
            }
        }
        Value::String(s) => json!(match rng.below(9) {
            0 => String::new(),
            1 => "garbage".to_string(),
            2 => format!("{s}x"),
            3 => s.chars().take(s.chars().count() / 2).collect(),
            4 => "-1".to_string(),
            5 => "99999999999999999999999".to_string(),
            6 => "é/ü:\u{0}".to_string(),
            7 => "a/b/c".to_string(),
            _ => s.repeat(3),
        }),
        Value::Array(a) => match rng.below(5) {
            0 => json!([]),
            1 => Value::Array(a.iter().take(a.len() / 2).cloned().collect()),
            2 => Value::Array(a.iter().rev().cloned().collect()),
            3 if !a.is_empty() => {
                let mut a = a.clone();
                let i = rng.below(a.len());
                a.push(a[i].clone());
                a.insert(0, a[a.len() - 1].clone());
                Value::Array(a)
            }
            _ if !a.is_empty() => {
                // Change one element, keeping its type.
                let mut a = a.clone();
                let i = rng.below(a.len());
                let v = same_type(&a[i], rng)?;
                a[i] = v;
                Value::Array(a)
            }
            _ => return None,
        },
        Value::Object(m) => match rng.below(3) {
            0 => json!({}),
            1 => Value::Object(
                m.iter()
                    .take(m.len() / 2)
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            _ => {
                // A new key holding a copy of an existing value (maps keyed by names, UIDs, times).
                let mut m = m.clone();
                if let Some(v) = m.values().next().cloned() {
                    m.insert(rng.pick(&["", "zzz", "0", "-1", "a/b"]).to_string(), v);
                }
                Value::Object(m)
            }
        },
    })
}

/// Paths the test always considers on top of the random ones: the fields most likely to be
/// trusted as consistent with each other.
const HOT: &[&str] = &[
    "/ctx/now",
    "/ctx/rng/seed",
    "/ctx/rng/positions/uid",
    "/ctx/rng/positions/names",
    "/ctx/rng/positions/service-ip",
    "/component_rng/positions/scheduler",
    "/component_rng/positions/kubelet",
    "/seed",
    "/apiserver/resource_version",
    "/apiserver/watch/floor",
    "/apiserver/watch/next_id",
    "/apiserver/watch/capacity",
    "/apiserver/config/event_ttl_seconds",
    "/apiserver/config/watch_history",
    "/apiserver/cluster_ips",
    "/apiserver/node_ports",
    "/components/3/Kubelet/ip_cursor",
    "/components/3/Kubelet/ips_in_use",
    "/components/3/Kubelet/config",
    "/components/3/Kubelet/next_lease",
    "/components/3/Kubelet/next_node_status",
    "/components/3/Kubelet/last_node_report",
    "/components/3/Kubelet/node_name",
    "/components/0/ControllerManager/deployment/queue",
    "/components/0/ControllerManager/deployment/queue/waiting",
    "/components/0/ControllerManager/deployment/queue/seq",
    "/components/0/ControllerManager/job/queue/limiter",
    "/components/1/Scheduler/next_start_node_index",
    "/components",
];

/// Runs `f`, turning a panic into `Err(message)`.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    GUARDED.with(|g| g.set(true));
    let r = catch_unwind(AssertUnwindSafe(f)).map_err(|_| last_panic());
    GUARDED.with(|g| g.set(false));
    r
}

/// What a mutation at a JSON pointer into a snapshot may make the restore drop: the stored
/// objects whose report (`{prefix}/{key}: …`) starts with the returned text. The whole store
/// and the server's resourceVersion (which every object's must not exceed) touch them all.
fn stored_object(path: &str) -> Option<String> {
    if path == "/apiserver/store" || path == "/apiserver/resource_version" {
        return Some(String::new());
    }
    let rest = path.strip_prefix("/apiserver/store/")?;
    let unescape = |s: &str| s.replace("~1", "/").replace("~0", "~");
    Some(rest.split('/').take(2).map(unescape).collect::<Vec<_>>().join("/"))
}

/// Restores a mutant and uses it; `Err` names the stage that panicked and the panic, or an
/// object the restore dropped though the mutation did not touch it.
fn exercise(mutant: Value, mutated: &[String]) -> Result<(), String> {
    let restored = guarded(|| cluster::Cluster::restore(mutant)).map_err(|p| format!("restore: {p}"))?;
    let mut cluster = match restored {
        Ok(c) => c,
        Err(e) => {
            if std::env::var("SAVED_STATE_DEBUG").is_ok() {
                eprintln!("restore error: {}", e.to_string().chars().take(150).collect::<String>());
            }
            return Ok(());
        }
    };
    // A broken object is dropped and reported; nothing else is.
    for d in cluster.dropped_on_restore() {
        if !mutated.iter().any(|m| d.starts_with(m.as_str())) {
            return Err(format!("restore dropped an object the mutation did not touch: {d}"));
        }
    }
    guarded(|| cluster.advance(sim::Duration::from_secs(120))).map_err(|p| format!("advance: {p}"))?;
    let mut sh = shell::Shell::new(cluster, Box::new(shell::MemoryFs::default()));
    for line in [
        "kubectl get pods -A",
        "kubectl describe nodes",
        "kubectl get events -A",
        "kubectl create deployment x --image=nginx",
        "kubectl get all",
        "sleep 30",
        "kubectl logs job/pi",
        "kubectl top pods -A",
    ] {
        guarded(|| sh.run_line(line)).map_err(|p| format!("{line}: {p}"))?;
    }
    Ok(())
}

/// Mutates the snapshot `cases` times from `seed`, collecting every panic (and every object
/// dropped though untouched).
fn fuzz_cluster(seed: u64, cases: usize) -> Vec<String> {
    quiet_panics();
    let base = base_snapshot();
    let t = targets(base);
    // `SAVED_STATE_SEEDS=N`: shift the seeds by N (to look further without changing the test).
    let seed = seed
        + std::env::var("SAVED_STATE_SEEDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
    let mut rng = Rng::new(seed);
    let mut failures = Vec::new();
    // `SAVED_STATE_CASE=N`: only case N (to reproduce one finding).
    let only: Option<usize> = std::env::var("SAVED_STATE_CASE").ok().and_then(|c| c.parse().ok());
    for case in 0..cases {
        let mut mutant = base.clone();
        let mut done = Vec::new();
        let mut objects = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let path = match rng.below(20) {
                0..=7 => rng.pick(&t.components).clone(),
                8..=10 => rng.pick(&t.store).clone(),
                11..=13 => rng.pick(&t.server).clone(),
                14..=15 => rng.pick(&t.top).clone(),
                _ => rng.pick(HOT).to_string(),
            };
            objects.extend(stored_object(&path));
            done.push(mutate(&mut mutant, &path, &mut rng));
        }
        if only.is_some_and(|c| c != case) {
            continue;
        }
        if std::env::var("SAVED_STATE_DEBUG").is_ok() {
            eprintln!("seed {seed} case {case}: {}", done.join("; "));
        }
        // Real time on purpose: the test measures how long a page would freeze.
        #[allow(clippy::disallowed_methods)]
        let started = std::time::Instant::now();
        if let Err(p) = exercise(mutant, &objects) {
            failures.push(format!("seed {seed} case {case}: [{}] failed in {p}", done.join("; ")));
        }
        // A page that freezes is as dead as one that panicked.
        if started.elapsed() > std::time::Duration::from_secs(20) {
            failures.push(format!(
                "seed {seed} case {case}: [{}] took {:?}",
                done.join("; "),
                started.elapsed()
            ));
        }
    }
    failures
}

fn report(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} panic(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// How many mutants each test restores (four tests share the cores).
const CASES: usize = 40;

#[test]
fn an_unchanged_snapshot_restores_whole_and_an_inconsistent_object_is_dropped_and_reported() {
    let base = base_snapshot();
    let whole = cluster::Cluster::restore(base.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(whole.dropped_on_restore(), &[] as &[String]);
    assert_eq!(whole.restore_report(), None);
    // What concerns the whole save still refuses it.
    let mut older = base.clone();
    older["apiserver"]["resource_version"] = json!(3);
    let err = cluster::Cluster::restore(older)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("is newer than the resourceVersion 3"), "{err}");
    // One broken object is dropped, named, and the rest of the cluster works.
    let mut newer = base.clone();
    newer["apiserver"]["store"]["/registry/services/specs"]["default/web"]["metadata"]["resourceVersion"] =
        json!("99999999");
    newer["apiserver"]["store"]["/registry/deployments"]["default/web"]["spec"]["template"]["spec"]["bogus"] = json!(1);
    let restored = cluster::Cluster::restore(newer).unwrap_or_else(|e| panic!("{e}"));
    let rv = base["apiserver"]["resource_version"].clone();
    assert_eq!(
        restored.dropped_on_restore(),
        &[
            "/registry/deployments/default/web: Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: unknown field \"spec.template.spec.bogus\"".to_string(),
            format!("/registry/services/specs/default/web: resourceVersion \"99999999\" is not a number up to the server's {rv}"),
        ]
    );
    assert_eq!(
        restored.restore_report().unwrap_or_default().lines().next(),
        Some("the saved cluster was restored without 2 objects that failed its checks:")
    );
    let mut sh = shell::Shell::new(restored, Box::new(shell::MemoryFs::default()));
    let r = sh.run_line("kubectl get svc web");
    assert_eq!(
        r.output.combined(),
        "Error from server (NotFound): services \"web\" not found\n"
    );
    let r = sh.run_line("kubectl get sts db -o name");
    assert_eq!(r.output.combined(), "statefulset.apps/db\n");
}

#[test]
fn mutated_snapshots_restore_with_an_error_or_run_without_panicking_1() {
    report(fuzz_cluster(1, CASES));
}

#[test]
fn mutated_snapshots_restore_with_an_error_or_run_without_panicking_2() {
    report(fuzz_cluster(2, CASES));
}

#[test]
fn mutated_snapshots_restore_with_an_error_or_run_without_panicking_3() {
    report(fuzz_cluster(3, CASES));
}

#[test]
fn mutated_snapshots_restore_with_an_error_or_run_without_panicking_4() {
    report(fuzz_cluster(4, CASES));
}

/// A cluster to pair with mutated shell states (the shell state is the input under test).
fn small_cluster() -> cluster::Cluster {
    static CLUSTER: Mutex<Option<cluster::Cluster>> = Mutex::new(None);
    let mut c = CLUSTER.lock().unwrap_or_else(|e| e.into_inner());
    c.get_or_insert_with(|| cluster::Cluster::new(1)).clone()
}

#[test]
fn mutated_shell_states_load_with_an_error_or_run_without_panicking() {
    quiet_panics();
    let mut state = shell::ShellState {
        history: vec!["kubectl get pods".into(), "echo hi".into()],
        ..Default::default()
    };
    state.vars.insert("OLDPWD".into(), "/tmp".into());
    state.aliases.insert("kgp".into(), "kubectl get pods".into());
    let base = json!({
        "shell": serde_json::to_value(&state).unwrap(),
        "fs": serde_json::to_value(shell::MemoryFs::default().with_file("/root/a.yaml", "kind: Pod\n")).unwrap(),
    });
    let mut paths = Vec::new();
    collect(&base, String::new(), &mut paths);
    let extra: &[(&str, Value)] = &[
        ("/shell/cwd", json!("")),
        ("/shell/cwd", json!("relative/dir")),
        ("/shell/cwd", json!("/../..//x/")),
        ("/shell/vars/HOME", json!("")),
        ("/shell/vars/PWD", json!("")),
        ("/shell/aliases/k", json!("k")),
        ("/shell/aliases/k", json!("")),
        ("/shell/aliases/kubectl", json!("kubectl kubectl")),
        ("/shell/last_status", json!(-2147483648i64)),
        ("/shell/randomSeed", json!(0)),
        ("/shell/history", json!([""])),
        ("/fs/files/", json!("x")),
        ("/fs/files/relative", json!("x")),
        ("/fs/dirs", json!(["", "/root/a.yaml", "relative"])),
    ];
    let mut rng = Rng::new(7);
    let mut failures = Vec::new();
    let cases = 60;
    for case in 0..cases {
        let mut mutant = base.clone();
        let what = if case < extra.len() {
            let (path, v) = &extra[case];
            let (parent, key) = path.rsplit_once('/').unwrap();
            if let Some(Value::Object(m)) = mutant.pointer_mut(parent) {
                m.insert(key.to_string(), v.clone());
            } else if let Some(Value::Array(_)) | None = mutant.pointer_mut(parent) {
                if let Some(slot) = mutant.pointer_mut(path) {
                    *slot = v.clone();
                }
            }
            format!("{path} = {v}")
        } else {
            let path = rng.pick(&paths).clone();
            mutate(&mut mutant, &path, &mut rng)
        };
        let Ok(state) = serde_json::from_value::<shell::ShellState>(mutant["shell"].clone()) else {
            continue;
        };
        let Ok(fs) = serde_json::from_value::<shell::MemoryFs>(mutant["fs"].clone()) else {
            continue;
        };
        let mut sh = shell::Shell::with_state(small_cluster(), Box::new(fs), state);
        for line in [
            "pwd",
            "ls",
            "cat a.yaml",
            "cd ..",
            "cd -",
            "cd",
            "echo $RANDOM $? $HOME $PWD",
            "k get pods",
            "kgp",
            "history 3",
            "kubectl config view",
            "kubectl config current-context",
            "kubectl get pods -n kube-system",
            "kubectl create deployment y --image=nginx --dry-run=client -o yaml > y.yaml",
            "kubectl apply -f y.yaml",
            "env",
        ] {
            if let Err(p) = guarded(|| sh.run_line(line)) {
                failures.push(format!("case {case}: [{what}] panicked in {line}: {p}"));
                break;
            }
        }
    }
    report(failures);
}
