//! The terminal's running command: a line runs as a future (`wasm_bindgen_futures::spawn_local`)
//! so that commands that wait (`sleep`, `kubectl get -w`, `rollout status`, `wait`, `drain`,
//! `logs -f`) let the page's clock move them on, stream their output, and stop on Ctrl-C.
//!
//! While a line runs, the terminal's shell lives in the future; the page keeps working (editor,
//! inspector, cluster view) with a stand-in shell on the same cluster and files.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use cluster::Cluster;
use shell::{LineResult, Pace, Shell};
use yew::html::Scope;

/// The wait a suspended command is in: its target time, the waker to call, and Ctrl-C.
#[derive(Default)]
struct Wait {
    until: Option<sim::SimTime>,
    waker: Option<Waker>,
    interrupted: bool,
    /// The page was reset or imported: every wait of the line ends at once, until it ends.
    hung_up: bool,
}

impl Wait {
    /// Ctrl-C (or a hang-up): the suspended command is woken to see it.
    fn interrupt(this: &RefCell<Wait>, hang_up: bool) {
        let waker = {
            let mut w = this.borrow_mut();
            w.interrupted = true;
            w.hung_up |= hang_up;
            w.waker.take()
        };
        // Woken with the borrow released: an executor may poll the line (which borrows
        // the wait) from inside wake.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The page's pace: a command's wait resolves once the page's tick (or Step) has advanced the
/// cluster to its target, and to false on Ctrl-C. A paused clock keeps it waiting.
struct PagePace {
    wait: Rc<RefCell<Wait>>,
    /// Called when a command starts waiting: it has written something worth showing.
    on_wait: Rc<dyn Fn()>,
}

impl Pace for PagePace {
    fn until(&self, cluster: &Rc<RefCell<Cluster>>, until: sim::SimTime) -> Pin<Box<dyn Future<Output = bool>>> {
        (self.on_wait)();
        let wait = self.wait.clone();
        let cluster = cluster.clone();
        Box::pin(std::future::poll_fn(move |cx| {
            let mut w = wait.borrow_mut();
            if w.hung_up {
                // Not cleared: the whole line ends (see `Pace::hung_up`).
                w.until = None;
                w.waker = None;
                return Poll::Ready(false);
            }
            if w.interrupted {
                // One Ctrl-C ends one wait; the shell stops the rest of the line itself.
                w.interrupted = false;
                w.until = None;
                w.waker = None;
                return Poll::Ready(false);
            }
            // Borrowed only for this look: the page advances the cluster between polls.
            let reached = cluster.try_borrow().map(|c| c.now() >= until).unwrap_or(false);
            if reached {
                w.until = None;
                w.waker = None;
                return Poll::Ready(true);
            }
            w.until = Some(until);
            w.waker = Some(cx.waker().clone());
            Poll::Pending
        }))
    }
    fn interactive(&self) -> bool {
        true
    }
    fn hung_up(&self) -> bool {
        self.wait.borrow().hung_up
    }
}

/// A line being run.
pub struct Running {
    pub prompt: String,
    pub line: String,
    /// What the line has written to the terminal so far (the shell's live buffer).
    pub live: Rc<RefCell<kubectl::Output>>,
    /// Ctrl-C was pressed.
    pub interrupted: bool,
    /// The page was reset or imported meanwhile: the result is dropped.
    pub abandoned: bool,
}

/// The terminal's job control.
pub struct Job<C: yew::Component> {
    link: Scope<C>,
    wait: Rc<RefCell<Wait>>,
    pub running: Option<Running>,
    /// Lines typed (or node buttons pressed) while a command runs, run after it, in order.
    pub typeahead: Vec<String>,
}

impl<C: yew::Component> Job<C> {
    pub fn new(link: Scope<C>) -> Self {
        Job {
            link,
            wait: Rc::new(RefCell::new(Wait::default())),
            running: None,
            typeahead: Vec::new(),
        }
    }

    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    /// Runs `line` on `sh` in the background. `live` asks the page to re-render when there is
    /// output to show; `done` turns the finished shell and result into the page's message.
    pub fn start(
        &mut self,
        mut sh: Shell,
        prompt: String,
        line: String,
        live: impl Fn() -> C::Message + 'static,
        done: impl FnOnce(Box<Shell>, LineResult) -> C::Message + 'static,
    ) {
        *self.wait.borrow_mut() = Wait::default();
        let link = self.link.clone();
        sh.set_pace(Rc::new(PagePace {
            wait: self.wait.clone(),
            on_wait: Rc::new(move || link.send_message(live())),
        }));
        self.running = Some(Running {
            prompt,
            line: line.clone(),
            live: sh.live_output(),
            interrupted: false,
            abandoned: false,
        });
        let link = self.link.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = sh.run_line_async(&line).await;
            link.send_message(done(Box::new(sh), result));
        });
    }

    /// Wakes the command when the clock has reached what it waits for.
    pub fn clock_moved(&self, cluster: &Cluster) {
        let waker = {
            let mut w = self.wait.borrow_mut();
            match w.until {
                Some(t) if cluster.now() >= t => w.waker.take(),
                _ => None,
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Ctrl-C: the waiting command ends (and with it the line, as in bash); typed-ahead text
    /// is discarded, as the terminal driver flushes it on SIGINT.
    pub fn interrupt(&mut self) {
        let Some(run) = self.running.as_mut() else { return };
        run.interrupted = true;
        // The terminal echoes it where the output stands.
        run.live.borrow_mut().stdout("^C\n");
        self.typeahead.clear();
        Wait::interrupt(&self.wait, false);
    }

    /// The page starts over (Reset, Import): the running line is stopped, as by a hang-up
    /// (Ctrl-C alone would let it go on after a `watch`, waiting on a cluster nobody advances
    /// any more), and forgotten.
    pub fn abandon(&mut self) {
        let Some(run) = self.running.as_mut() else { return };
        run.abandoned = true;
        self.typeahead.clear();
        Wait::interrupt(&self.wait, true);
    }

    /// What the running line has shown so far: (is stderr, text), after the last `clear`.
    pub fn live_chunks(&self) -> Vec<(bool, String)> {
        let Some(run) = &self.running else { return Vec::new() };
        let mut out = run.live.borrow().clone();
        shell::take_clear(&mut out);
        crate::chunks(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Context;

    fn poll(f: &mut Pin<Box<dyn Future<Output = bool>>>) -> Poll<bool> {
        f.as_mut().poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_wait_resolves_once_the_page_clock_reaches_it_and_false_on_ctrl_c() {
        let cluster = Rc::new(RefCell::new(Cluster::new(1)));
        let shown = Rc::new(std::cell::Cell::new(0));
        let counter = shown.clone();
        let pace = PagePace {
            wait: Rc::new(RefCell::new(Wait::default())),
            on_wait: Rc::new(move || counter.set(counter.get() + 1)),
        };
        let start = cluster.borrow().now();
        let mut wait = pace.until(&cluster, start.add(sim::Duration::from_secs(2)));
        assert_eq!(shown.get(), 1, "the page is asked to show the output so far");
        assert_eq!(poll(&mut wait), Poll::Pending);
        assert_eq!(pace.wait.borrow().until, Some(start.add(sim::Duration::from_secs(2))));
        cluster.borrow_mut().advance(sim::Duration::from_secs(1));
        assert_eq!(poll(&mut wait), Poll::Pending, "the clock is not there yet");
        cluster.borrow_mut().advance(sim::Duration::from_secs(1));
        assert_eq!(poll(&mut wait), Poll::Ready(true));
        assert_eq!(pace.wait.borrow().until, None);

        let mut wait = pace.until(&cluster, start.add(sim::Duration::from_secs(60)));
        assert_eq!(poll(&mut wait), Poll::Pending);
        pace.wait.borrow_mut().interrupted = true;
        assert_eq!(poll(&mut wait), Poll::Ready(false));
        // One Ctrl-C ends one wait.
        assert!(!pace.wait.borrow().interrupted);
        assert!(pace.interactive());
        assert!(!pace.hung_up());
    }

    #[test]
    fn after_a_reset_every_wait_of_the_line_ends_at_once() {
        // Reset during `watch …; sleep 60`: watch survives one interrupt, and the sleep must not
        // wait on the old cluster, which the page no longer advances.
        let cluster = Rc::new(RefCell::new(Cluster::new(1)));
        let pace = PagePace {
            wait: Rc::new(RefCell::new(Wait::default())),
            on_wait: Rc::new(|| {}),
        };
        let start = cluster.borrow().now();
        let mut wait = pace.until(&cluster, start.add(sim::Duration::from_secs(60)));
        assert_eq!(poll(&mut wait), Poll::Pending);
        Wait::interrupt(&pace.wait, true);
        assert_eq!(poll(&mut wait), Poll::Ready(false));
        assert!(pace.hung_up());
        for _ in 0..2 {
            let mut next = pace.until(&cluster, start.add(sim::Duration::from_secs(60)));
            assert_eq!(poll(&mut next), Poll::Ready(false));
        }
        assert!(pace.wait.borrow().waker.is_none(), "nothing keeps the line alive");
    }

    thread_local! {
        static PROBED: RefCell<Option<Rc<RefCell<Wait>>>> = const { RefCell::new(None) };
        static FREE_IN_WAKE: std::cell::Cell<Option<bool>> = const { std::cell::Cell::new(None) };
    }

    /// A waker that looks, while waking, whether the wait could be borrowed (as an executor
    /// polling the line from inside `wake` would).
    struct Probe;

    impl std::task::Wake for Probe {
        fn wake(self: std::sync::Arc<Self>) {
            let free = PROBED.with(|p| p.borrow().as_ref().map(|w| w.try_borrow_mut().is_ok()));
            FREE_IN_WAKE.with(|f| f.set(free));
        }
    }

    #[test]
    fn ctrl_c_wakes_the_line_with_the_wait_released() {
        let cluster = Rc::new(RefCell::new(Cluster::new(1)));
        let pace = PagePace {
            wait: Rc::new(RefCell::new(Wait::default())),
            on_wait: Rc::new(|| {}),
        };
        PROBED.with(|p| *p.borrow_mut() = Some(pace.wait.clone()));
        let waker = Waker::from(std::sync::Arc::new(Probe));
        let start = cluster.borrow().now();
        let mut wait = pace.until(&cluster, start.add(sim::Duration::from_secs(5)));
        assert_eq!(wait.as_mut().poll(&mut Context::from_waker(&waker)), Poll::Pending);
        Wait::interrupt(&pace.wait, false);
        assert_eq!(FREE_IN_WAKE.with(|f| f.get()), Some(true));
        assert_eq!(poll(&mut wait), Poll::Ready(false));
    }
}
