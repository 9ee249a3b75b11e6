//! Waiting commands under a pace that can interrupt (the browser's Ctrl-C) or leave a wait
//! pending (the browser's clock): bash's SIGINT semantics and live output.

use super::*;
use std::cell::Cell;
use std::task::{Context, Poll, Waker};

fn fresh_cluster() -> Cluster {
    static TEMPLATE: std::sync::OnceLock<Cluster> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| Cluster::new(1)).clone()
}

/// Lets time pass at once for `allowed` waits, then reports Ctrl-C; records what the
/// terminal showed (the live buffer) at each wait.
struct InterruptAfter {
    allowed: Cell<usize>,
    waits: Cell<usize>,
    live: RefCell<Option<Rc<RefCell<Output>>>>,
    shown: RefCell<Vec<String>>,
    /// Whether it plays a terminal (`watch` then refreshes).
    interactive: Cell<bool>,
}

impl InterruptAfter {
    fn new(allowed: usize) -> Rc<Self> {
        Rc::new(InterruptAfter {
            allowed: Cell::new(allowed),
            waits: Cell::new(0),
            live: RefCell::new(None),
            shown: RefCell::new(Vec::new()),
            interactive: Cell::new(false),
        })
    }
}

impl Pace for InterruptAfter {
    fn until(&self, cluster: &Rc<RefCell<Cluster>>, until: sim::SimTime) -> Pin<Box<dyn Future<Output = bool>>> {
        self.waits.set(self.waits.get() + 1);
        if let Some(live) = self.live.borrow().as_ref() {
            self.shown.borrow_mut().push(live.borrow().combined());
        }
        let left = self.allowed.get();
        if left == 0 {
            return Box::pin(std::future::ready(false));
        }
        self.allowed.set(left - 1);
        Immediate.until(cluster, until)
    }
    fn interactive(&self) -> bool {
        self.interactive.get()
    }
}

/// A shell whose waits are interrupted after `allowed` of them.
fn shell_interrupted_after(allowed: usize) -> (Shell, Rc<InterruptAfter>) {
    let mut sh = Shell::new(fresh_cluster(), Box::new(MemoryFs::new()));
    let pace = InterruptAfter::new(allowed);
    *pace.live.borrow_mut() = Some(sh.live_output());
    sh.set_pace(pace.clone());
    (sh, pace)
}

fn run(sh: &mut Shell, line: &str) -> (String, i32) {
    let r = sh.run_line(line);
    (r.output.combined(), r.exit_code)
}

#[test]
fn an_interrupted_sleep_ends_the_line_with_status_130() {
    let (mut sh, pace) = shell_interrupted_after(0);
    let start = sh.cluster().now();
    assert_eq!(run(&mut sh, "sleep 100; echo after"), (String::new(), 130));
    assert_eq!(pace.waits.get(), 1);
    // No time passed, and the next line starts afresh with `$?` from the interrupt.
    assert_eq!(sh.cluster().now(), start);
    pace.allowed.set(1);
    assert_eq!(
        run(&mut sh, "echo $?; sleep 1; echo done"),
        ("130\ndone\n".to_string(), 0)
    );
}

#[test]
fn an_interrupt_stops_lists_loops_functions_and_substitutions() {
    let cases = [
        "sleep 5 && echo and; echo after",
        "sleep 5 || echo or; echo after",
        "while true; do sleep 1; done; echo after",
        "for i in 1 2 3; do sleep 1; echo $i; done; echo after",
        "f() { sleep 5; echo in; }; f; echo after",
        "x=$(sleep 5; echo hi); echo \"got $x\"; echo after",
        "echo $(sleep 5) never; echo after",
        "(sleep 5; echo in); echo after",
        "{ sleep 5; echo in; } > /dev/null; echo after",
        "bash -c 'sleep 5; echo in'; echo after",
        "echo 1 2 | xargs -n 1 sleep; echo after",
        "if sleep 5; then echo then; fi; echo after",
        "sleep 5\necho next line",
    ];
    for line in cases {
        let (mut sh, _) = shell_interrupted_after(0);
        assert_eq!(run(&mut sh, line), (String::new(), 130), "{line}");
    }
}

#[test]
fn a_script_stops_at_the_interrupt() {
    let (mut sh, _) = shell_interrupted_after(1);
    let r = sh.run_script("echo one\nsleep 1\necho two\nsleep 1\necho three\n");
    assert_eq!((r.output.combined().as_str(), r.exit_code), ("one\ntwo\n", 130));
}

#[test]
fn an_interrupted_get_watch_shows_the_list_and_the_events_so_far() {
    let (mut sh, pace) = shell_interrupted_after(1000);
    let (o, c) = run(&mut sh, "kubectl create deployment web --image=nginx --replicas=2");
    assert_eq!((o.as_str(), c), ("deployment.apps/web created\n", 0));
    pace.allowed.set(3);
    pace.waits.set(0);
    let (o, c) = run(&mut sh, "kubectl get pods -w");
    assert_eq!(c, 130);
    // Three seconds passed, then the fourth wait was interrupted.
    assert_eq!(pace.waits.get(), 4);
    let lines: Vec<&str> = o.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some("NAME                   READY   STATUS              RESTARTS   AGE")
    );
    // Two pods listed, then their watch events (each row flushed on its own, as kubectl does).
    assert_eq!(lines.len(), 5, "{o}");
    assert!(lines.iter().skip(1).all(|l| l.starts_with("web-")), "{o}");
    assert!(
        lines
            .get(3)
            .is_some_and(|l| l.contains("0/1   ContainerCreating   0     1s")),
        "{o}"
    );
    let (o, c) = run(&mut sh, "echo $?");
    assert_eq!((o.as_str(), c), ("130\n", 0));
}

#[test]
fn get_watch_output_is_live_while_it_waits_but_piped_output_is_not() {
    let (mut sh, pace) = shell_interrupted_after(1000);
    run(&mut sh, "kubectl create deployment web --image=nginx");
    pace.allowed.set(2);
    pace.shown.borrow_mut().clear();
    let (all, c) = run(&mut sh, "echo before; kubectl get pods -w");
    assert_eq!(c, 130);
    let shown = pace.shown.borrow().clone();
    assert_eq!(shown.len(), 3);
    // At the first wait the terminal already shows the echo and the initial list.
    let first = shown.first().cloned().unwrap_or_default();
    assert!(first.starts_with("before\nNAME "), "{first}");
    assert_eq!(first.lines().count(), 3);
    // What was shown live is the start of the line's whole output.
    assert!(shown.iter().all(|s| all.starts_with(s.as_str())));

    // Through a pipe, the output reaches the terminal only when the pipeline ends.
    pace.allowed.set(2);
    pace.shown.borrow_mut().clear();
    let (all, c) = run(&mut sh, "kubectl get pods -w | grep web; echo after");
    assert_eq!(c, 130);
    assert!(pace.shown.borrow().iter().all(String::is_empty));
    // The later stage still ran on what was written before Ctrl-C; `after` did not.
    assert_eq!(all.lines().count(), 2, "{all}");
    assert!(all.lines().all(|l| l.starts_with("web-")), "{all}");

    // Redirected and substituted output is not shown either.
    for line in [
        "kubectl get pods -w > pods.txt",
        "x=$(kubectl get pods -w)",
        "(echo a; sleep 1) 2>&1 | cat",
    ] {
        pace.allowed.set(1);
        pace.shown.borrow_mut().clear();
        run(&mut sh, line);
        assert!(pace.shown.borrow().iter().all(String::is_empty), "{line}");
    }
    assert_eq!(
        run(&mut sh, "head -1 pods.txt").0.split_whitespace().next(),
        Some("NAME")
    );
}

#[test]
fn an_interrupted_rollout_status_exits_130() {
    let (mut sh, pace) = shell_interrupted_after(1000);
    run(&mut sh, "kubectl create deployment web --image=nginx --replicas=2");
    pace.allowed.set(0);
    let (o, c) = run(&mut sh, "kubectl rollout status deployment/web; echo after");
    assert_eq!(
        (o.as_str(), c),
        (
            "Waiting for deployment \"web\" rollout to finish: 0 of 2 updated replicas are available...\n",
            130
        )
    );
}

#[test]
fn kubectl_wait_and_delete_stop_at_the_interrupt() {
    let (mut sh, pace) = shell_interrupted_after(1000);
    run(&mut sh, "kubectl run web --image=nginx");
    pace.allowed.set(0);
    let (o, c) = run(&mut sh, "kubectl wait --for=delete pod/web --timeout=60s; echo after");
    assert_eq!((o.as_str(), c), ("", 130));
    // delete waits until the object is gone, here never (a finalizer holds it): Ctrl-C ends
    // the wait, the deletion itself stands.
    pace.allowed.set(1000);
    let held = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers: [example.com/hold]\n";
    run(&mut sh, &format!("cat > held.yaml <<'EOF'\n{held}EOF"));
    assert_eq!(run(&mut sh, "kubectl apply -f held.yaml").1, 0);
    pace.allowed.set(2);
    let (o, c) = run(&mut sh, "kubectl delete configmap held; echo after");
    assert_eq!(
        (o.as_str(), c),
        ("configmap \"held\" deleted from default namespace\n", 130)
    );
}

/// Resolves true after being polled once pending (a clock that moves between frames).
struct Later {
    polled: bool,
}

impl Future for Later {
    type Output = bool;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        if self.polled {
            return Poll::Ready(true);
        }
        self.polled = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Advances the cluster, but only resolves on the second poll.
struct Frames;

impl Pace for Frames {
    fn until(&self, cluster: &Rc<RefCell<Cluster>>, until: sim::SimTime) -> Pin<Box<dyn Future<Output = bool>>> {
        drop(Immediate.until(cluster, until));
        Box::pin(Later { polled: false })
    }
}

#[test]
fn the_async_run_gives_what_the_sync_run_gives_when_waits_take_frames() {
    let line = "kubectl create deployment web --image=nginx; kubectl rollout status deployment/web; sleep 3; kubectl get deploy";
    let mut sync = Shell::new(fresh_cluster(), Box::new(MemoryFs::new()));
    let expected = sync.run_line(line);
    let mut sh = Shell::new(fresh_cluster(), Box::new(MemoryFs::new()));
    sh.set_pace(Rc::new(Frames));
    let mut pending = 0;
    let result = {
        let mut fut = Box::pin(sh.run_line_async(line));
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            match fut.as_mut().poll(&mut cx) {
                Poll::Ready(r) => break r,
                Poll::Pending => pending += 1,
            }
        }
    };
    assert_eq!(result, expected);
    assert!(pending > 3, "{pending}");
    assert_eq!(sh.cluster().now(), sync.cluster().now());
}

#[test]
fn a_sync_run_on_a_pace_that_leaves_waits_pending_fails_cleanly() {
    let mut sh = Shell::new(fresh_cluster(), Box::new(MemoryFs::new()));
    sh.set_pace(Rc::new(Frames));
    let (o, c) = run(&mut sh, "echo before; sleep 1; echo after");
    assert_eq!(
        (o.as_str(), c),
        (
            "before\nkubeplay: this command waits for time to pass; the front end must run it asynchronously\n",
            1
        )
    );
    // The shell is usable again afterwards.
    assert_eq!(run(&mut sh, "echo ok"), ("ok\n".to_string(), 0));
}

#[test]
fn a_second_shell_on_the_shared_cluster_sees_the_first_ones_objects() {
    let mut a = Shell::new(fresh_cluster(), Box::new(MemoryFs::new()));
    let mut b = Shell::with_shared_cluster(a.cluster_handle(), Box::new(MemoryFs::new()), ShellState::default());
    run(&mut a, "kubectl create namespace shared");
    assert_eq!(
        run(&mut b, "kubectl get ns shared -o name"),
        ("namespace/shared\n".to_string(), 0)
    );
    // `kubeplay reset` replaces the cluster in place, for every holder of the handle.
    run(&mut b, "kubeplay reset");
    let (o, c) = run(&mut a, "kubectl get ns shared");
    assert_eq!(
        (o.as_str(), c),
        ("Error from server (NotFound): namespaces \"shared\" not found\n", 1)
    );
}

#[test]
fn watch_prints_one_screen_without_a_terminal_and_refreshes_until_ctrl_c_in_one() {
    let (mut sh, pace) = shell_interrupted_after(1000);
    let (o, c) = run(&mut sh, "watch -t -n 5 date +%T; date +%T");
    assert_eq!((o.as_str(), c), ("00:05:00\n00:05:00\n", 0));
    assert_eq!(pace.waits.get(), 0);

    pace.interactive.set(true);
    pace.allowed.set(2);
    let (o, c) = run(
        &mut sh,
        "echo before; watch -t -n 5 date +%T; echo \"after $?\"; date +%T",
    );
    // The screens were shown while watch ran, then vanished with its screen; watch exits 0 on
    // Ctrl-C and the line goes on.
    assert_eq!((o.as_str(), c), ("before\nafter 0\n00:05:10\n", 0));
    assert_eq!(
        pace.shown.borrow().clone(),
        vec![
            "before\n00:05:00\n".to_string(),
            "before\n00:05:05\n".to_string(),
            "before\n00:05:10\n".to_string(),
        ]
    );
    // Through a pipe there is no terminal: one screen.
    pace.allowed.set(0);
    let (o, c) = run(&mut sh, "watch -t date +%T | cat");
    assert_eq!((o.as_str(), c), ("00:05:10\n", 0));
}

/// A terminal that was closed: every wait ends at once, as on a hang-up.
struct HungUp {
    waits: Cell<usize>,
}

impl Pace for HungUp {
    fn until(&self, _: &Rc<RefCell<Cluster>>, _: sim::SimTime) -> Pin<Box<dyn Future<Output = bool>>> {
        self.waits.set(self.waits.get() + 1);
        Box::pin(std::future::ready(false))
    }
    fn interactive(&self) -> bool {
        true
    }
    fn hung_up(&self) -> bool {
        true
    }
}

#[test]
fn a_hang_up_ends_the_line_even_after_a_watch_that_survives_ctrl_c() {
    // The page's Reset during `watch` must not leave the rest of the line waiting on a clock
    // nobody advances any more (nor loop on watch forever).
    let cases = [
        "watch -t date +%T; sleep 100; echo after",
        "while true; do watch -t date +%T; done; echo after",
        "for i in 1 2 3; do watch -n 1 kubectl get ns; echo $i; done",
    ];
    for line in cases {
        let mut sh = Shell::new(fresh_cluster(), Box::new(MemoryFs::new()));
        let pace = Rc::new(HungUp { waits: Cell::new(0) });
        sh.set_pace(pace.clone());
        assert_eq!(run(&mut sh, line), (String::new(), 130), "{line}");
        assert_eq!(pace.waits.get(), 1, "{line}");
    }
}
