//! The kubeplay browser playground: a terminal running the shared `shell::Shell`, a YAML
//! editor, a live cluster view and an inspector, over one in-page cluster whose virtual clock
//! runs in small slices on a timer. State is kept in localStorage (see `persist`).
//!
//! Everything the page shows about the cluster comes from API requests or shell lines, as a
//! real client would see it.

mod complete;
mod highlight;
mod job;
mod model;
mod page;
mod persist;
mod templates;

use std::cell::RefCell;
use std::rc::Rc;

use apimachinery::{ApiClient, ApiRequest};
use cluster::Cluster;
use gloo::timers::callback::Interval;
use model::{ClusterModel, NodeView, Objects, PodView, WorkloadView};
use persist::{Prefs, Saved, SAVE_FORMAT};
use serde_json::Value;
use shell::{FileSystem, FsError, MemoryFs, Shell, ShellState};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// The default cluster, booted at build time (web/build.rs): `boot::SEED`, `boot::SNAPSHOT`.
mod boot {
    include!(concat!(env!("OUT_DIR"), "/boot.rs"));
}

/// A fresh default cluster: the build-time snapshot restored (the same cluster
/// `Cluster::new(boot::SEED)` boots, so the same commands give the same transcript as natively).
fn default_cluster() -> Cluster {
    serde_json::from_str(boot::SNAPSHOT)
        .ok()
        .and_then(|saved| Cluster::restore_built_in(saved).ok())
        .unwrap_or_else(|| Cluster::new(boot::SEED))
}
/// Real milliseconds between clock ticks.
const TICK_MS: u32 = 100;
/// Largest virtual slice advanced at once, so controllers see time pass in small steps.
const SLICE_MS: i64 = 1000;
/// Real milliseconds one tick may spend simulating. Virtual time owed beyond it waits for the
/// next tick, so a busy cluster slows the clock instead of freezing the page.
const TICK_BUDGET_MS: f64 = 30.0;
/// At most this much virtual time is owed: a page that fell behind does not race afterwards.
const MAX_OWED_MS: f64 = 20_000.0;
/// Scrollback kept (older entries are dropped).
const MAX_ENTRIES: usize = 400;
/// The editor's line height in pixels (matches style.css).
const EDITOR_LINE_PX: usize = 20;

/// The shell's files, shared with the page so the editor and persistence can reach them.
/// `vi FILE` and `kubectl edit` cannot wait for the user inside a synchronous call, so editing
/// opens the text in the editor pane instead and asks the page (through `open`) to show it.
#[derive(Clone)]
struct PageFs {
    files: Rc<RefCell<MemoryFs>>,
    open: Rc<RefCell<Option<String>>>,
}

/// Where an edited text goes: `vi` edits the file itself (relative names are under the home
/// directory), `kubectl edit` gets `/root/edit-NAME.yaml` from its `/tmp/kubectl-edit-NAME.yaml`.
fn edit_target(file_name: &str) -> String {
    let base = file_name.rsplit('/').next().unwrap_or(file_name);
    if let Some(rest) = base.strip_prefix("kubectl-edit-") {
        format!("{}/edit-{rest}", shell::HOME)
    } else if file_name.starts_with('/') {
        file_name.to_string()
    } else {
        format!("{}/{file_name}", shell::HOME)
    }
}

impl FileSystem for PageFs {
    fn read_file(&self, path: &str) -> Result<String, FsError> {
        self.files.borrow().read_file(path)
    }
    fn list_dir(&self, path: &str) -> Result<Option<Vec<String>>, FsError> {
        self.files.borrow().list_dir(path)
    }
    fn write_file(&mut self, path: &str, contents: &str, append: bool) -> Result<(), FsError> {
        self.files.borrow_mut().write_file(path, contents, append)
    }
    fn edit(&mut self, file_name: &str, text: &str) -> Result<String, String> {
        let path = edit_target(file_name);
        self.files
            .borrow_mut()
            .write_file(&path, text, false)
            .map_err(|e| format!("{file_name}: {}", e.message()))?;
        let shown = path.strip_prefix("/root/").unwrap_or(&path).to_string();
        *self.open.borrow_mut() = Some(path);
        if file_name.contains("kubectl-edit-") {
            Err(format!(
                "The object is open in the editor as {shown}: change it there and press Apply."
            ))
        } else {
            Err(format!("{shown} is open in the editor pane."))
        }
    }
    fn create_dir(&mut self, path: &str, parents: bool) -> Result<(), FsError> {
        self.files.borrow_mut().create_dir(path, parents)
    }
    fn remove_file(&mut self, path: &str) -> Result<(), FsError> {
        self.files.borrow_mut().remove_file(path)
    }
    fn snapshot(&self) -> Option<Value> {
        self.files.borrow().snapshot()
    }
}

/// One finished command in the scrollback.
#[derive(Clone, PartialEq)]
struct Entry {
    prompt: String,
    line: String,
    /// (is stderr, text).
    chunks: Vec<(bool, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Pane {
    Terminal,
    Editor,
    Cluster,
    Inspector,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum InspectMode {
    Describe,
    Yaml,
    Events,
}

/// An object shown in the inspector: kubectl's type name, namespace, name.
#[derive(Clone, PartialEq, Eq)]
struct ObjRef {
    kind: String,
    namespace: String,
    name: String,
}

enum Msg {
    Key(KeyboardEvent),
    Paste(String),
    FocusInput,
    EditorInput(String),
    EditorKey(KeyboardEvent),
    OpenFile(String),
    NewFile,
    Template(String),
    Apply,
    Delete,
    Share,
    Select(ObjRef),
    Mode(InspectMode),
    NodeAction(&'static str, String),
    Tick,
    Speed(u32),
    TogglePause,
    Step,
    Reset,
    Export,
    Import(String),
    ImportFailed(String),
    ToggleTheme,
    Show(Pane),
    DismissNotice,
    Save,
    /// The terminal's line finished: its shell comes back with the result.
    LineDone(Box<Shell>, shell::LineResult),
    /// The running line has new output to show.
    LiveOutput,
}

struct App {
    shell: Shell,
    /// The terminal's running line; meanwhile `shell` is a stand-in on the same cluster.
    job: job::Job<App>,
    fs: Rc<RefCell<MemoryFs>>,
    /// A file `vi` or `kubectl edit` asked the editor to show.
    open_request: Rc<RefCell<Option<String>>>,
    entries: Rc<Vec<Entry>>,
    /// Lines typed so far of a command that is not complete yet (here-document, open quote).
    pending: Vec<String>,
    /// Position while browsing the history with ↑/↓, and the line being typed before.
    history_pos: Option<usize>,
    history_draft: String,
    input_ref: NodeRef,
    output_ref: NodeRef,
    scroll_output: bool,
    model: ClusterModel,
    /// The cluster view's objects, listed once and then kept up to date from watches.
    objects: Objects,
    /// Nodes whose kubelet is stopped (`kubeplay node stop`): they get a Start button.
    stopped_nodes: std::collections::BTreeSet<String>,
    last_inspector_ms: f64,
    /// Time spent bringing the view's objects and model up to date (watches, model rebuild):
    /// total ms, longest ms, count.
    sync_cost: (f64, f64, u64),
    editor_text: String,
    editor_output: Vec<(bool, String)>,
    editor_error_line: Option<usize>,
    share_link: Option<String>,
    selected: Option<ObjRef>,
    mode: InspectMode,
    inspector_text: String,
    prefs: Prefs,
    notice: Option<(bool, String)>,
    pane: Pane,
    clock: String,
    /// Real time of the last tick and virtual milliseconds owed to the clock.
    last_tick_ms: f64,
    owed_ms: f64,
    last_save_ms: f64,
    dirty: bool,
    /// Longest and total time spent in ticks (ms), and their count: the page must stay fluid.
    tick_max_ms: f64,
    /// Longest save to localStorage, simulation slice and inspector refresh (ms).
    save_max_ms: f64,
    slice_max_ms: f64,
    inspector_max_ms: f64,
    tick_total_ms: f64,
    ticks: u64,
    _interval: Interval,
    _pagehide: Option<gloo::events::EventListener>,
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        page::mark("kubeplay:create");
        let (saved, mut notice) = page::load_saved();
        let open_request = Rc::new(RefCell::new(None));
        let (shell, fs, prefs) = match saved {
            Some(saved) => match Cluster::restore(saved.cluster) {
                Ok(cluster) => {
                    if let Some(report) = cluster.restore_report() {
                        notice = Some((true, format!("The saved playground: {report}")));
                    }
                    let fs = Rc::new(RefCell::new(saved.fs));
                    let page_fs = PageFs {
                        files: fs.clone(),
                        open: open_request.clone(),
                    };
                    let shell = Shell::with_state(cluster, Box::new(page_fs), saved.shell);
                    (shell, fs, saved.prefs)
                }
                Err(e) => {
                    notice = Some(page::discard_saved(&e.to_string()));
                    fresh_shell(&open_request)
                }
            },
            None => fresh_shell(&open_request),
        };
        page::mark("kubeplay:cluster-ready");
        let link = ctx.link().clone();
        let interval = Interval::new(TICK_MS, move || link.send_message(Msg::Tick));
        let link = ctx.link().clone();
        let pagehide = page::on_window("pagehide", move || link.send_message(Msg::Save));
        let now = page::now_ms();
        let mut app = App {
            shell,
            job: job::Job::new(ctx.link().clone()),
            fs,
            open_request,
            entries: Rc::new(Vec::new()),
            pending: Vec::new(),
            history_pos: None,
            history_draft: String::new(),
            input_ref: NodeRef::default(),
            output_ref: NodeRef::default(),
            scroll_output: false,
            model: ClusterModel::default(),
            objects: Objects::default(),
            stopped_nodes: Default::default(),
            last_inspector_ms: now,
            sync_cost: (0.0, 0.0, 0),
            editor_text: String::new(),
            editor_output: Vec::new(),
            editor_error_line: None,
            share_link: None,
            selected: None,
            mode: InspectMode::Describe,
            inspector_text: String::new(),
            prefs,
            notice,
            pane: Pane::Terminal,
            clock: String::new(),
            last_tick_ms: now,
            owed_ms: 0.0,
            last_save_ms: now,
            dirty: false,
            tick_max_ms: 0.0,
            save_max_ms: 0.0,
            slice_max_ms: 0.0,
            inspector_max_ms: 0.0,
            tick_total_ms: 0.0,
            ticks: 0,
            _interval: interval,
            _pagehide: pagehide,
        };
        app.open_shared_manifests();
        app.ensure_editor_file();
        app.refresh(true);
        page::mark("kubeplay:view-ready");
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Key(e) => return self.key(e),
            Msg::Paste(text) => self.paste(&text),
            Msg::FocusInput => {
                if !page::has_selection() {
                    if let Some(input) = self.input_ref.cast::<HtmlInputElement>() {
                        let _ = input.focus();
                    }
                }
                return false;
            }
            Msg::EditorInput(text) => {
                self.editor_text = text;
                let path = self.prefs.editor_file.clone();
                let _ = self.fs.borrow_mut().write_file(&path, &self.editor_text, false);
                self.editor_error_line = None;
                self.dirty = true;
            }
            Msg::EditorKey(e) => {
                if e.key() == "Tab" && !e.ctrl_key() && !e.meta_key() {
                    e.prevent_default();
                    if let Some(area) = e.target_dyn_into::<HtmlTextAreaElement>() {
                        page::insert_at_cursor(&area, "  ");
                        ctx.link().send_message(Msg::EditorInput(area.value()));
                    }
                }
                return false;
            }
            Msg::OpenFile(path) => self.open_file(&path),
            Msg::NewFile => {
                let path = self.unused_file_name("untitled", ".yaml");
                let _ = self.fs.borrow_mut().write_file(&path, "", false);
                self.open_file(&path);
            }
            Msg::Template(kind) => {
                if let Some((file, text)) = templates::find(&kind) {
                    let stem = file.trim_end_matches(".yaml");
                    let path = self.unused_file_name(stem, ".yaml");
                    let _ = self.fs.borrow_mut().write_file(&path, text, false);
                    self.open_file(&path);
                }
            }
            Msg::Apply => self.apply_editor("apply"),
            Msg::Delete => self.apply_editor("delete"),
            Msg::Share => match persist::share_fragment(&self.editor_text) {
                Ok(fragment) => {
                    self.share_link = Some(format!("{}{fragment}", page::location_without_hash()));
                    self.editor_output = vec![(false, "Share link (copy it; it recreates this file):\n".into())];
                }
                Err(e) => {
                    self.share_link = None;
                    self.editor_output = vec![(true, format!("error: {e}\n"))];
                }
            },
            Msg::Select(obj) => {
                self.selected = Some(obj);
                if self.mode == InspectMode::Events {
                    self.mode = InspectMode::Describe;
                }
                self.pane = if page::is_narrow() { Pane::Inspector } else { self.pane };
                self.refresh_inspector();
            }
            Msg::Mode(mode) => {
                self.mode = mode;
                self.refresh_inspector();
            }
            Msg::NodeAction(action, node) => self.run_visible(&node_action_line(action, &node)),
            Msg::Tick => return self.tick(),
            Msg::Speed(speed) => {
                self.prefs.speed = speed;
                self.dirty = true;
            }
            Msg::TogglePause => {
                self.prefs.paused = !self.prefs.paused;
                self.owed_ms = 0.0;
                self.dirty = true;
            }
            Msg::Step => {
                self.advance_virtual(10_000.0, None);
                self.refresh(true);
            }
            Msg::Reset => {
                self.job.abandon();
                let (shell, fs, _) = fresh_shell(&self.open_request);
                self.shell = shell;
                self.fs = fs;
                self.entries = Rc::new(Vec::new());
                self.pending.clear();
                self.selected = None;
                self.editor_output.clear();
                self.share_link = None;
                self.prefs.editor_file.clear();
                self.ensure_editor_file();
                self.notice = Some((false, "The playground was reset: a fresh cluster is running.".into()));
                self.objects.reset();
                self.refresh(true);
                self.save();
            }
            Msg::Export => {
                let text = persist::encode(&self.saved());
                if let Err(e) = page::download("kubeplay-snapshot.json", &text) {
                    self.notice = Some((true, format!("Export failed: {e}")));
                }
            }
            Msg::Import(text) => self.import(&text),
            Msg::ImportFailed(why) => self.notice = Some((true, format!("Import failed: {why}"))),
            Msg::ToggleTheme => {
                self.prefs.dark = !self.prefs.dark;
                self.dirty = true;
            }
            Msg::Show(pane) => self.pane = pane,
            Msg::DismissNotice => self.notice = None,
            Msg::Save => {
                self.save();
                return false;
            }
            Msg::LineDone(sh, result) => self.finish_visible(*sh, result),
            Msg::LiveOutput => self.scroll_output = true,
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let theme = if self.prefs.dark { "dark" } else { "light" };
        let pane_class = |pane: Pane, base: &str| {
            if self.pane == pane {
                format!("pane {base} active")
            } else {
                format!("pane {base}")
            }
        };
        html! {
            <div class={classes!("app", format!("theme-{theme}"))} data-theme={theme}>
                { self.view_header(ctx) }
                { self.view_notice(ctx) }
                <nav class="tabs" role="tablist">
                    { for [(Pane::Terminal, "Terminal"), (Pane::Editor, "Editor"), (Pane::Cluster, "Cluster"), (Pane::Inspector, "Inspector")]
                        .into_iter().map(|(pane, label)| html! {
                            <button role="tab" class={classes!((self.pane == pane).then_some("active"))}
                                onclick={link.callback(move |_| Msg::Show(pane))}>{ label }</button>
                        }) }
                </nav>
                <main class="panes">
                    <section class={pane_class(Pane::Terminal, "terminal-pane")}>{ self.view_terminal(ctx) }</section>
                    <section class={pane_class(Pane::Editor, "editor-pane")}>{ self.view_editor(ctx) }</section>
                    <section class={pane_class(Pane::Cluster, "cluster-pane")}>{ self.view_cluster(ctx) }</section>
                    <section class={pane_class(Pane::Inspector, "inspector-pane")}>{ self.view_inspector(ctx) }</section>
                </main>
            </div>
        }
    }

    fn rendered(&mut self, _ctx: &Context<Self>, first_render: bool) {
        if self.scroll_output {
            self.scroll_output = false;
            if let Some(el) = self.output_ref.cast::<web_sys::Element>() {
                el.set_scroll_top(el.scroll_height());
            }
        }
        if first_render {
            if let Some(input) = self.input_ref.cast::<HtmlInputElement>() {
                let _ = input.focus();
            }
            page::mark_ready();
            page::register_service_worker();
        }
    }
}

fn fresh_shell(open: &Rc<RefCell<Option<String>>>) -> (Shell, Rc<RefCell<MemoryFs>>, Prefs) {
    let fs = Rc::new(RefCell::new(MemoryFs::default()));
    let shell = Shell::new(
        default_cluster(),
        Box::new(PageFs {
            files: fs.clone(),
            open: open.clone(),
        }),
    );
    (shell, fs, Prefs::default())
}

/// The line a node button runs in the terminal, as the learner would type it.
fn node_action_line(action: &str, node: &str) -> String {
    match action {
        "drain" => format!("kubectl drain {node} --ignore-daemonsets --delete-emptydir-data"),
        "stop" | "start" => format!("kubeplay node {action} {node}"),
        _ => format!("kubectl {action} {node}"),
    }
}

/// The shell script the editor's Apply and Delete run: `kubectl VERB -f -` with the text as a
/// quoted here-document (no expansion), whose delimiter does not occur in the text.
fn editor_script(verb: &str, text: &str) -> String {
    let mut delimiter = "KUBEPLAY_EOF".to_string();
    while text.lines().any(|l| l == delimiter) {
        delimiter.push('_');
    }
    let newline = if text.ends_with('\n') || text.is_empty() {
        ""
    } else {
        "\n"
    };
    format!("kubectl {verb} -f - <<'{delimiter}'\n{text}{newline}{delimiter}\n")
}

fn chunks(out: &kubectl::Output) -> Vec<(bool, String)> {
    out.chunks
        .iter()
        .map(|(stream, text)| (*stream == kubectl::Stream::Stderr, text.clone()))
        .collect()
}

/// The prompt bash prints on Ubuntu for root: `root@controlplane:~# `.
fn prompt(state: &ShellState) -> String {
    let cwd = if state.cwd == shell::HOME {
        "~".to_string()
    } else if let Some(rest) = state.cwd.strip_prefix("/root/") {
        format!("~/{rest}")
    } else {
        state.cwd.clone()
    };
    format!("root@{}:{cwd}# ", shell::HOSTNAME)
}

impl App {
    fn saved(&self) -> Saved {
        Saved {
            format: SAVE_FORMAT,
            cluster: self.shell.cluster().snapshot(),
            shell: self.shell.state().clone(),
            fs: self.fs.borrow().clone(),
            prefs: self.prefs.clone(),
        }
    }

    fn save(&mut self) {
        if self.job.busy() {
            // The terminal's shell is inside the running line: saved once it is back.
            return;
        }
        self.dirty = false;
        let start = page::now_ms();
        self.last_save_ms = start;
        if let Err(e) = page::store(persist::STORAGE_KEY, &persist::encode(&self.saved())) {
            self.notice = Some((true, format!("Could not save the playground in this browser: {e}")));
        }
        self.save_max_ms = self.save_max_ms.max(page::now_ms() - start);
    }

    fn import(&mut self, text: &str) {
        let saved = match persist::decode(text) {
            Ok(saved) => saved,
            Err(e) => {
                self.notice = Some((true, format!("Import failed: {e}. Nothing was changed.")));
                return;
            }
        };
        match Cluster::restore(saved.cluster) {
            Ok(cluster) => {
                self.job.abandon();
                self.fs = Rc::new(RefCell::new(saved.fs));
                let page_fs = PageFs {
                    files: self.fs.clone(),
                    open: self.open_request.clone(),
                };
                self.shell = Shell::with_state(cluster, Box::new(page_fs), saved.shell);
                self.prefs = saved.prefs;
                self.entries = Rc::new(Vec::new());
                self.selected = None;
                self.ensure_editor_file();
                self.notice = Some(match self.shell.cluster().restore_report() {
                    Some(report) => (true, format!("Snapshot imported: {report}")),
                    None => (false, "Snapshot imported.".into()),
                });
                self.objects.reset();
                self.refresh(true);
                self.save();
            }
            Err(e) => self.notice = Some((true, format!("Import failed: {e}. Nothing was changed."))),
        }
    }

    /// A share link in the URL opens its manifests in the editor (never applied unasked).
    fn open_shared_manifests(&mut self) {
        match persist::parse_share_fragment(&page::location_hash()) {
            Ok(Some(text)) => {
                let path = self.unused_file_name("shared", ".yaml");
                let _ = self.fs.borrow_mut().write_file(&path, &text, false);
                self.prefs.editor_file = path.clone();
                let name = path.trim_start_matches("/root/").to_string();
                self.notice = Some((
                    false,
                    format!("The shared manifests are in the editor as {name}: review them, then press Apply."),
                ));
                page::clear_hash();
            }
            Ok(None) => {}
            Err(e) => {
                self.notice = Some((true, format!("Could not open the share link: {e}")));
                page::clear_hash();
            }
        }
    }

    /// Files the editor offers: the regular files in /root.
    fn editor_files(&self) -> Vec<String> {
        let fs = self.fs.borrow();
        let names = fs.list_dir(shell::HOME).ok().flatten().unwrap_or_default();
        names
            .into_iter()
            .filter(|n| !n.starts_with('.'))
            .map(|n| format!("{}/{n}", shell::HOME))
            .filter(|p| fs.read_file(p).is_ok())
            .collect()
    }

    fn unused_file_name(&self, stem: &str, ext: &str) -> String {
        let fs = self.fs.borrow();
        let mut n = 1;
        let mut path = format!("{}/{stem}{ext}", shell::HOME);
        while fs.read_file(&path).is_ok() || matches!(fs.list_dir(&path), Ok(Some(_))) {
            n += 1;
            path = format!("{}/{stem}-{n}{ext}", shell::HOME);
        }
        path
    }

    /// Opens the remembered file, or the first one, or creates a Deployment to start from.
    fn ensure_editor_file(&mut self) {
        let files = self.editor_files();
        if !files.contains(&self.prefs.editor_file) {
            match files.first() {
                Some(first) => self.prefs.editor_file = first.clone(),
                None => {
                    let (file, text) = templates::find("Deployment").unwrap_or(("deployment.yaml", ""));
                    let path = format!("{}/{file}", shell::HOME);
                    let _ = self.fs.borrow_mut().write_file(&path, text, false);
                    self.prefs.editor_file = path;
                }
            }
        }
        self.editor_text = self.fs.borrow().read_file(&self.prefs.editor_file).unwrap_or_default();
    }

    fn open_file(&mut self, path: &str) {
        self.prefs.editor_file = path.to_string();
        self.editor_text = self.fs.borrow().read_file(path).unwrap_or_default();
        self.editor_error_line = None;
        self.editor_output.clear();
        self.share_link = None;
        self.dirty = true;
    }

    fn apply_editor(&mut self, verb: &str) {
        // Deleting does not wait for the objects to go: that happens on the page's clock, in
        // view, as `kubectl delete --wait=false` leaves it (the printed lines are the same).
        let verb = if verb == "delete" { "delete --wait=false" } else { verb };
        let (code, out) = self.run_quiet(&editor_script(verb, &self.editor_text));
        let errors: String = out.iter().filter(|(e, _)| *e).map(|(_, t)| t.as_str()).collect();
        self.editor_error_line = if code != 0 {
            highlight::error_line(&errors)
        } else {
            None
        };
        self.editor_output = out;
        self.share_link = None;
        self.refresh(true);
        self.save();
    }

    /// Runs a script for the page (inspector, editor) without touching history or `$?`.
    fn run_quiet(&mut self, script: &str) -> (i32, Vec<(bool, String)>) {
        let status = self.shell.state().last_status;
        let result = self.shell.run_script(script);
        self.shell.state_mut().last_status = status;
        (result.exit_code, chunks(&result.output))
    }

    /// Runs a line as if typed at the prompt, showing it and its output in the terminal. It
    /// runs in the background (see `job`): commands that wait follow the page's clock.
    fn run_visible(&mut self, line: &str) {
        if self.job.busy() {
            // One command at a time, as in a terminal: this one runs after the current one.
            self.job.typeahead.push(line.to_string());
            return;
        }
        let prompt = prompt(self.shell.state());
        let standin = Shell::with_shared_cluster(
            self.shell.cluster_handle(),
            Box::new(PageFs {
                files: self.fs.clone(),
                open: self.open_request.clone(),
            }),
            self.shell.state().clone(),
        );
        let sh = std::mem::replace(&mut self.shell, standin);
        self.job
            .start(sh, prompt, line.to_string(), || Msg::LiveOutput, Msg::LineDone);
        self.scroll_output = true;
    }

    /// The running line ended: the terminal's shell is back, its output goes to the scrollback,
    /// and a line typed meanwhile runs next.
    fn finish_visible(&mut self, sh: Shell, result: shell::LineResult) {
        let Some(run) = self.job.running.take() else { return };
        if run.abandoned {
            // Reset or Import replaced everything meanwhile; their save waited for this.
            self.dirty = true;
            return;
        }
        self.shell = sh;
        let (prompt, line) = (run.prompt, run.line.as_str());
        let output = chunks(&result.output);
        let entries = Rc::make_mut(&mut self.entries);
        if result.clear {
            entries.clear();
            if !output.is_empty() {
                entries.push(Entry {
                    prompt: String::new(),
                    line: String::new(),
                    chunks: output,
                });
            }
        } else {
            entries.push(Entry {
                prompt,
                line: line.to_string(),
                chunks: output,
            });
        }
        if result.exit {
            // There is no window to close: a new login shell starts, keeping the history.
            let history = std::mem::take(&mut self.shell.state_mut().history);
            *self.shell.state_mut() = ShellState {
                history,
                ..ShellState::default()
            };
            entries.push(Entry {
                prompt: String::new(),
                line: String::new(),
                chunks: vec![(false, "logout\n".into())],
            });
        }
        if entries.len() > MAX_ENTRIES {
            let extra = entries.len() - MAX_ENTRIES;
            entries.drain(..extra);
        }
        self.scroll_output = true;
        let opened = self.open_request.borrow_mut().take();
        if let Some(path) = opened {
            self.open_file(&path);
            if page::is_narrow() {
                self.pane = Pane::Editor;
            }
        }
        // The line may have changed files the editor shows.
        if let Ok(text) = self.fs.borrow().read_file(&self.prefs.editor_file) {
            self.editor_text = text;
        }
        self.refresh(true);
        self.save();
        if !self.job.typeahead.is_empty() {
            let next = self.job.typeahead.remove(0);
            self.submit_line(next);
        }
    }

    fn input(&self) -> Option<HtmlInputElement> {
        self.input_ref.cast::<HtmlInputElement>()
    }

    fn key(&mut self, e: KeyboardEvent) -> bool {
        let Some(input) = self.input() else { return false };
        let ctrl = e.ctrl_key() || e.meta_key();
        match e.key().as_str() {
            "Enter" => {
                e.prevent_default();
                let line = input.value();
                input.set_value("");
                self.history_pos = None;
                if self.job.busy() {
                    // Typed ahead: kept, and read by the shell once the command ends.
                    self.job.typeahead.push(line);
                    self.scroll_output = true;
                    return true;
                }
                self.submit_line(line);
                true
            }
            "ArrowUp" | "ArrowDown" => {
                e.prevent_default();
                let history = &self.shell.state().history;
                let pos = match (e.key().as_str(), self.history_pos) {
                    ("ArrowUp", None) if !history.is_empty() => {
                        self.history_draft = input.value();
                        Some(history.len() - 1)
                    }
                    ("ArrowUp", Some(p)) => Some(p.saturating_sub(1)),
                    ("ArrowDown", Some(p)) if p + 1 < history.len() => Some(p + 1),
                    ("ArrowDown", Some(_)) => None,
                    _ => return false,
                };
                let text = match pos {
                    Some(p) => history.get(p).cloned().unwrap_or_default(),
                    None => self.history_draft.clone(),
                };
                self.history_pos = pos;
                // A multi-line history entry is recalled as one line, as bash's cmdhist does.
                input.set_value(&text.replace('\n', " "));
                page::caret_to_end(&input);
                false
            }
            "Tab" => {
                e.prevent_default();
                self.complete(&input)
            }
            "c" if ctrl => {
                if input.selection_start().ok().flatten() != input.selection_end().ok().flatten() {
                    return false; // copying the selection
                }
                e.prevent_default();
                if self.job.busy() {
                    // SIGINT to the running command.
                    input.set_value("");
                    self.job.interrupt();
                    self.scroll_output = true;
                    return true;
                }
                let typed = input.value();
                input.set_value("");
                let mut lines = std::mem::take(&mut self.pending);
                lines.push(typed);
                let prompt = prompt(self.shell.state());
                Rc::make_mut(&mut self.entries).push(Entry {
                    prompt,
                    line: format!("{}^C", lines.join("\n> ")),
                    chunks: Vec::new(),
                });
                self.history_pos = None;
                self.scroll_output = true;
                true
            }
            "l" if ctrl => {
                e.prevent_default();
                self.entries = Rc::new(Vec::new());
                true
            }
            _ => false,
        }
    }

    fn submit_line(&mut self, line: String) {
        self.pending.push(line);
        let full = self.pending.join("\n");
        if !shell::is_complete(&full) {
            return;
        }
        self.pending.clear();
        let prompt = prompt(self.shell.state());
        if full.trim().is_empty() {
            Rc::make_mut(&mut self.entries).push(Entry {
                prompt,
                line: String::new(),
                chunks: Vec::new(),
            });
            self.scroll_output = true;
            return;
        }
        self.run_visible(&full);
    }

    /// A paste with newlines runs each complete command, as a terminal feeds bash.
    fn paste(&mut self, text: &str) {
        let Some(input) = self.input() else { return };
        let text = text.replace("\r\n", "\n");
        let mut lines: Vec<&str> = text.split('\n').collect();
        let last = lines.pop().unwrap_or("");
        for (i, line) in lines.into_iter().enumerate() {
            let line = if i == 0 {
                format!("{}{line}", input.value())
            } else {
                line.to_string()
            };
            input.set_value("");
            self.submit_line(line);
        }
        input.set_value(&format!("{}{last}", input.value()));
    }

    fn complete(&mut self, input: &HtmlInputElement) -> bool {
        let value = input.value();
        let cursor = input
            .selection_start()
            .ok()
            .flatten()
            .map(|c| c as usize)
            .unwrap_or(value.len());
        // The caret position is in UTF-16 units; complete at the end when it is not a boundary.
        let (before, after) = match value.char_indices().nth(cursor) {
            Some((i, _)) if value.encode_utf16().count() == value.chars().count() => value.split_at(i),
            _ => (value.as_str(), ""),
        };
        let aliases = self.shell.state().aliases.clone();
        let is_kubectl = |w: &str| aliases.get(w).is_some_and(|a| a.trim() == "kubectl");
        let cluster = self.shell.cluster_handle();
        let mut names = |q: &complete::NameQuery| -> Vec<String> {
            let Ok(list) = cluster.borrow_mut().request(ApiRequest::get(q.url())) else {
                return Vec::new();
            };
            list.get("items")
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|i| i.pointer("/metadata/name").and_then(Value::as_str).map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let done = complete::complete(before, &is_kubectl, &mut names);
        input.set_value(&format!("{}{after}", done.line));
        let caret = done.line.encode_utf16().count() as u32;
        let _ = input.set_selection_range(caret, caret);
        if done.listing.is_empty() {
            return false;
        }
        let prompt = prompt(self.shell.state());
        Rc::make_mut(&mut self.entries).push(Entry {
            prompt,
            line: value.clone(),
            chunks: vec![(false, format!("{}\n", done.listing.join("  ")))],
        });
        self.scroll_output = true;
        true
    }

    /// Lets `ms` of virtual time pass, slice by slice, stopping early once `budget_ms` of real
    /// time is spent; returns the virtual milliseconds left.
    fn advance_virtual(&mut self, mut ms: f64, budget_ms: Option<f64>) -> f64 {
        let start = page::now_ms();
        while ms >= 1.0 {
            if budget_ms.is_some_and(|b| page::now_ms() - start >= b) {
                break;
            }
            let slice = (ms as i64).min(SLICE_MS);
            let slice_start = page::now_ms();
            self.shell.cluster_mut().advance(sim::Duration::from_millis(slice));
            self.slice_max_ms = self.slice_max_ms.max(page::now_ms() - slice_start);
            ms -= slice as f64;
        }
        // A command waiting for this moment runs on.
        self.job.clock_moved(&self.shell.cluster());
        self.dirty = true;
        ms
    }

    fn tick(&mut self) -> bool {
        let start = page::now_ms();
        let elapsed = (start - self.last_tick_ms).clamp(0.0, 1000.0);
        self.last_tick_ms = start;
        if !self.prefs.paused {
            self.owed_ms = (self.owed_ms + elapsed * f64::from(self.prefs.speed.max(1))).min(MAX_OWED_MS);
            let whole = self.owed_ms.floor();
            let left = self.advance_virtual(whole, Some(TICK_BUDGET_MS));
            self.owed_ms -= whole - left;
        }
        let mut changed = self.refresh(false);
        let clock = self.clock_text();
        if clock != self.clock {
            self.clock = clock;
            changed = true;
        }
        if self.dirty && start - self.last_save_ms >= 5000.0 {
            self.save();
        }
        let spent = page::now_ms() - start;
        self.ticks += 1;
        self.tick_total_ms += spent;
        self.tick_max_ms = self.tick_max_ms.max(spent);
        changed
    }

    fn clock_text(&self) -> String {
        apimachinery::time::format_rfc3339(self.shell.cluster().now().unix_secs())
    }

    /// Brings the cluster view up to date from watches: nothing is asked when the cluster's
    /// resourceVersion has not moved, and the model is rebuilt only when an object changed.
    /// `force` also re-runs the inspector at once. Returns whether the page must re-render.
    fn refresh(&mut self, force: bool) -> bool {
        let now = page::now_ms();
        self.clock = self.clock_text();
        let current = self.shell.cluster().resource_version();
        let moved = self.objects.seen() != Some(current);
        let mut changed = false;
        if self.objects.sync(&mut *self.shell.cluster_mut(), current) {
            let model = ClusterModel::build(&self.objects);
            changed = model != self.model;
            self.model = model;
        }
        let spent = page::now_ms() - now;
        let (total, max, count) = self.sync_cost;
        self.sync_cost = (total + spent, max.max(spent), count + 1);
        let stopped: std::collections::BTreeSet<String> = {
            let cluster = self.shell.cluster();
            self.model
                .nodes
                .iter()
                .filter(|n| cluster.node_running(&n.name) == Some(false))
                .map(|n| n.name.clone())
                .collect()
        };
        if stopped != self.stopped_nodes {
            self.stopped_nodes = stopped;
            changed = true;
        }
        // describe runs many requests: at most twice a second while the cluster changes.
        if force || (moved && now - self.last_inspector_ms >= 500.0) {
            self.last_inspector_ms = now;
            let before = std::mem::take(&mut self.inspector_text);
            let inspector_start = page::now_ms();
            self.refresh_inspector();
            self.inspector_max_ms = self.inspector_max_ms.max(page::now_ms() - inspector_start);
            changed |= before != self.inspector_text;
        }
        changed || force
    }

    fn refresh_inspector(&mut self) {
        let script = match (&self.selected, self.mode) {
            (_, InspectMode::Events) => "kubectl get events -A".to_string(),
            (None, _) => {
                self.inspector_text = "Click a node, pod, workload or service to see it here.".into();
                return;
            }
            (Some(obj), mode) => {
                let ns = if obj.namespace.is_empty() {
                    String::new()
                } else {
                    format!(" -n {}", obj.namespace)
                };
                match mode {
                    InspectMode::Yaml => format!("kubectl get {} {}{ns} -o yaml", obj.kind, obj.name),
                    _ => format!("kubectl describe {} {}{ns}", obj.kind, obj.name),
                }
            }
        };
        let (_, out) = self.run_quiet(&script);
        self.inspector_text = format!("$ {script}\n{}", out.into_iter().map(|(_, t)| t).collect::<String>());
    }

    // ---- views ----

    fn view_header(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let on_speed = link.callback(|e: Event| {
            let speed = e
                .target_dyn_into::<HtmlSelectElement>()
                .and_then(|s| s.value().parse().ok())
                .unwrap_or(1);
            Msg::Speed(speed)
        });
        let import_link = link.clone();
        let on_import = Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let link = import_link.clone();
            page::read_file(file, move |result| match result {
                Ok(text) => link.send_message(Msg::Import(text)),
                Err(why) => link.send_message(Msg::ImportFailed(why)),
            });
        });
        let avg = if self.ticks == 0 {
            0.0
        } else {
            self.tick_total_ms / self.ticks as f64
        };
        html! {
            <header class="bar">
                <h1>{ "kubeplay" }</h1>
                <span class="tagline">{ "Kubernetes v1.37 in a browser tab" }</span>
                <div class="time">
                    <span class="clock" data-testid="clock" title="virtual cluster time"
                        data-tick-avg-ms={format!("{avg:.2}")} data-tick-max-ms={format!("{:.2}", self.tick_max_ms)}
                        data-sync-avg-ms={format!("{:.3}", self.sync_cost.0 / (self.sync_cost.2.max(1) as f64))}
                        data-sync-max-ms={format!("{:.2}", self.sync_cost.1)}
                        data-save-max-ms={format!("{:.2}", self.save_max_ms)}
                        data-slice-max-ms={format!("{:.2}", self.slice_max_ms)}
                        data-inspector-max-ms={format!("{:.2}", self.inspector_max_ms)}>
                        { &self.clock }
                    </span>
                    <button data-testid="pause-button" onclick={link.callback(|_| Msg::TogglePause)}
                        title="pause or resume the virtual clock">
                        { if self.prefs.paused { "Resume" } else { "Pause" } }
                    </button>
                    <button data-testid="step-button" onclick={link.callback(|_| Msg::Step)}
                        title="advance the clock by 10 seconds">{ "+10s" }</button>
                    <select data-testid="speed-select" onchange={on_speed} title="clock speed">
                        { for [1u32, 5, 20].into_iter().map(|s| html! {
                            <option value={s.to_string()} selected={self.prefs.speed == s}>{ format!("{s}×") }</option>
                        }) }
                    </select>
                </div>
                <div class="actions">
                    <button onclick={link.callback(|_| Msg::ToggleTheme)} title="light or dark theme">
                        { if self.prefs.dark { "☀ Light" } else { "☾ Dark" } }
                    </button>
                    <button data-testid="export-button" onclick={link.callback(|_| Msg::Export)}
                        title="download a snapshot of the whole playground">{ "Export" }</button>
                    <label class="button" title="load a snapshot file">
                        { "Import" }
                        <input data-testid="import-input" type="file" accept=".json,application/json" onchange={on_import} />
                    </label>
                    <button data-testid="reset-button" class="danger" onclick={link.callback(|_| Msg::Reset)}
                        title="throw everything away and start a fresh cluster">{ "Reset" }</button>
                </div>
            </header>
        }
    }

    fn view_notice(&self, ctx: &Context<Self>) -> Html {
        let Some((error, text)) = &self.notice else {
            return html! {};
        };
        html! {
            <div class={classes!("notice", error.then_some("error"))} data-testid="notice" role="status">
                <span>{ text }</span>
                <button onclick={ctx.link().callback(|_| Msg::DismissNotice)}>{ "Dismiss" }</button>
            </div>
        }
    }

    fn view_terminal(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let onkeydown = link.callback(Msg::Key);
        let onpaste = link.batch_callback(|e: Event| {
            let text = page::pasted_text(&e)?;
            if !text.contains('\n') {
                return None;
            }
            e.prevent_default();
            Some(Msg::Paste(text))
        });
        let prompt = prompt(self.shell.state());
        html! {
            <div class="terminal" data-testid="terminal" data-ready="true" onclick={link.callback(|_| Msg::FocusInput)}>
                <div class="terminal-output" data-testid="terminal-output" ref={self.output_ref.clone()}>
                    <Scrollback entries={self.entries.clone()} />
                    if let Some(run) = &self.job.running {
                        <div class="terminal-entry running" data-testid="terminal-running">
                            <div class="cmd"><span class="prompt-text">{ &run.prompt }</span>{ run.line.replace('\n', "\n> ") }</div>
                            { for self.job.live_chunks().into_iter().map(|(is_err, text)| html! {
                                <span class={ if is_err { "stderr" } else { "stdout" } }>{ text }</span>
                            }) }
                            { for self.job.typeahead.iter().map(|l| html! { <div class="typeahead">{ l }</div> }) }
                        </div>
                    }
                    { for self.pending.iter().enumerate().map(|(i, l)| html! {
                        <div class="pending">
                            <span class="prompt-text">{ if i == 0 { prompt.clone() } else { "> ".to_string() } }</span>{ l }
                        </div>
                    }) }
                </div>
                <div class="prompt">
                    <span class="prompt-text">{
                        if self.job.busy() { String::new() } else if self.pending.is_empty() { prompt } else { "> ".to_string() }
                    }</span>
                    <input ref={self.input_ref.clone()} data-testid="terminal-input" type="text"
                        aria-label="terminal input" spellcheck="false" autocomplete="off" autocapitalize="off"
                        {onkeydown} {onpaste} />
                </div>
            </div>
        }
    }

    fn view_editor(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let mut files = self.editor_files();
        let current = self.prefs.editor_file.clone();
        if !files.contains(&current) {
            files.push(current.clone());
        }
        let oninput = link.callback(|e: InputEvent| {
            Msg::EditorInput(
                e.target_dyn_into::<HtmlTextAreaElement>()
                    .map(|t| t.value())
                    .unwrap_or_default(),
            )
        });
        let on_template = link.batch_callback(|e: Event| {
            let select = e.target_dyn_into::<HtmlSelectElement>()?;
            let kind = select.value();
            select.set_value("");
            (!kind.is_empty()).then_some(Msg::Template(kind))
        });
        let lines: Vec<&str> = self.editor_text.split('\n').collect();
        let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let size = format!(
            "height: {}px; width: max(100%, {}ch);",
            lines.len().max(1) * EDITOR_LINE_PX + 16,
            widest + 4
        );
        html! {
            <div class="editor">
                <div class="editor-bar">
                    <div class="files" role="tablist">
                        { for files.iter().map(|path| {
                            let name = path.trim_start_matches("/root/").to_string();
                            let p = path.clone();
                            html! {
                                <button class={classes!("file", (*path == current).then_some("active"))} data-file={name.clone()}
                                    onclick={link.callback(move |_| Msg::OpenFile(p.clone()))}>{ name }</button>
                            }
                        }) }
                        <button class="file new" title="new file" onclick={link.callback(|_| Msg::NewFile)}>{ "+" }</button>
                    </div>
                    <select class="templates" data-testid="template-select" onchange={on_template}>
                        <option value="" selected=true>{ "New from template…" }</option>
                        { for templates::TEMPLATES.iter().map(|(kind, _, _)| html! { <option value={*kind}>{ *kind }</option> }) }
                    </select>
                </div>
                <div class="editor-body">
                    <div class="gutter" aria-hidden="true">
                        { for (1..=lines.len()).map(|n| html! {
                            <div class={classes!((self.editor_error_line == Some(n)).then_some("error-line"))}>{ n }</div>
                        }) }
                    </div>
                    <div class="code" style={size.clone()}>
                        <pre class="highlight" aria-hidden="true">
                            { for lines.iter().enumerate().map(|(i, l)| html! {
                                <div class={classes!("hl-line", (self.editor_error_line == Some(i + 1)).then_some("error-line"))}>
                                    { for highlight::line(l).into_iter().map(|(tok, s)| html! { <span class={tok.class()}>{ s }</span> }) }
                                    { "\u{200b}" }
                                </div>
                            }) }
                        </pre>
                        <textarea data-testid="yaml-editor" spellcheck="false" autocomplete="off" autocapitalize="off"
                            wrap="off" aria-label="YAML editor" value={self.editor_text.clone()} {oninput}
                            onkeydown={link.callback(Msg::EditorKey)} />
                    </div>
                </div>
                <div class="editor-actions">
                    <button data-testid="apply-button" class="primary" onclick={link.callback(|_| Msg::Apply)}
                        title="kubectl apply -f - with this file">{ "Apply" }</button>
                    <button data-testid="delete-button" onclick={link.callback(|_| Msg::Delete)}
                        title="kubectl delete -f - with this file">{ "Delete" }</button>
                    <button data-testid="share-button" onclick={link.callback(|_| Msg::Share)}
                        title="a link that recreates this file">{ "Share link" }</button>
                    <span class="hint">{ format!("kubectl apply -f {}", current.trim_start_matches("/root/")) }</span>
                </div>
                <div class="editor-output" data-testid="editor-output">
                    { for self.editor_output.iter().map(|(err, t)| html! {
                        <span class={if *err { "stderr" } else { "stdout" }}>{ t }</span>
                    }) }
                    { for self.share_link.iter().map(|l| html! {
                        <input class="share-link" data-testid="share-link" readonly=true value={l.clone()} />
                    }) }
                </div>
            </div>
        }
    }

    fn view_cluster(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let m = &self.model;
        html! {
            <div class="cluster" data-testid="cluster-view">
                <h2>{ "Nodes" }</h2>
                <div class="nodes">
                    { for m.nodes.iter().map(|n| self.view_node(ctx, n)) }
                </div>
                if !m.unscheduled.is_empty() {
                    <h2>{ "Not scheduled" }</h2>
                    <div class="pods unscheduled">{ for m.unscheduled.iter().map(|p| self.view_pod(ctx, p)) }</div>
                }
                <h2>{ "Workloads" }</h2>
                if m.top_workloads().next().is_none() {
                    <p class="muted">{ "No Deployments, StatefulSets, DaemonSets, CronJobs or Jobs yet." }</p>
                }
                <ul class="tree">{ for m.top_workloads().map(|w| self.view_workload(ctx, w)) }</ul>
                <h2>{ "Services" }</h2>
                <ul class="services">
                    { for m.services.iter().map(|s| {
                        let obj = ObjRef { kind: "service".into(), namespace: s.namespace.clone(), name: s.name.clone() };
                        let eps = if s.endpoints.is_empty() { "<none>".to_string() } else { s.endpoints.join(", ") };
                        html! {
                            <li data-testid="service" data-name={s.name.clone()} data-namespace={s.namespace.clone()}>
                                <button class="link" onclick={link.callback(move |_| Msg::Select(obj.clone()))}>
                                    { format!("{}/{}", s.namespace, s.name) }
                                </button>
                                <span class="muted">{ format!(" {} {} → {eps}", s.type_, s.cluster_ip) }</span>
                            </li>
                        }
                    }) }
                </ul>
            </div>
        }
    }

    fn view_node(&self, ctx: &Context<Self>, n: &NodeView) -> Html {
        let link = ctx.link();
        let obj = ObjRef {
            kind: "node".into(),
            namespace: String::new(),
            name: n.name.clone(),
        };
        let stopped = self.stopped_nodes.contains(&n.name);
        let mut actions = vec![if n.unschedulable {
            ("uncordon", "Uncordon", "kubectl uncordon: allow new pods here again")
        } else {
            ("cordon", "Cordon", "kubectl cordon: no new pods here")
        }];
        actions.push((
            "drain",
            "Drain",
            "kubectl drain --ignore-daemonsets --delete-emptydir-data: cordon, then evict the pods",
        ));
        actions.push(if stopped {
            ("start", "Start", "kubeplay node start: the kubelet runs again")
        } else {
            ("stop", "Stop", "kubeplay node stop: the kubelet stops (no heartbeats)")
        });
        let status = match (n.ready, n.unschedulable) {
            (true, false) => "Ready",
            (true, true) => "Ready,SchedulingDisabled",
            (false, false) => "NotReady",
            (false, true) => "NotReady,SchedulingDisabled",
        };
        html! {
            <div class={classes!("node", if n.ready { "ready" } else { "not-ready" }, n.unschedulable.then_some("cordoned"),
                    stopped.then_some("stopped"))}
                data-testid="node" data-name={n.name.clone()} data-ready={n.ready.to_string()}
                data-kubelet={if stopped { "stopped" } else { "running" }}>
                <div class="node-head">
                    <button class="link name" onclick={link.callback(move |_| Msg::Select(obj.clone()))}>{ &n.name }</button>
                    <span class="status">{ status }</span>
                    if stopped { <span class="badge">{ "kubelet stopped" }</span> }
                    <span class="muted roles">{ &n.roles }</span>
                    <span class="node-actions">
                        { for actions.into_iter().map(|(action, label, title)| {
                            let name = n.name.clone();
                            html! {
                                <button class="small" data-testid={format!("{action}-button")} title={title}
                                    onclick={link.callback(move |_| Msg::NodeAction(action, name.clone()))}>{ label }</button>
                            }
                        }) }
                    </span>
                </div>
                <div class="pods">{ for n.pods.iter().map(|p| self.view_pod(ctx, p)) }</div>
            </div>
        }
    }

    fn view_pod(&self, ctx: &Context<Self>, p: &PodView) -> Html {
        let obj = ObjRef {
            kind: "pod".into(),
            namespace: p.namespace.clone(),
            name: p.name.clone(),
        };
        let title = format!(
            "{}/{} — {}{}{}",
            p.namespace,
            p.name,
            p.phase,
            if p.ready { ", ready" } else { ", not ready" },
            if p.restarts > 0 {
                format!(", {} restarts", p.restarts)
            } else {
                String::new()
            }
        );
        html! {
            <button class={classes!("pod", format!("phase-{}", p.phase.to_ascii_lowercase()), p.ready.then_some("ready"),
                    p.terminating.then_some("terminating"), (p.namespace == "kube-system").then_some("system"))}
                data-testid="pod" data-name={p.name.clone()} data-namespace={p.namespace.clone()}
                data-phase={p.phase.clone()} data-ready={p.ready.to_string()} data-node={p.node.clone()}
                data-owner-kind={p.owner.split('/').next().unwrap_or("").to_string()}
                title={title} onclick={ctx.link().callback(move |_| Msg::Select(obj.clone()))}>
                <span class="dot" />{ &p.name }
                if p.restarts > 0 { <span class="restarts">{ format!("↻{}", p.restarts) }</span> }
            </button>
        }
    }

    fn view_workload(&self, ctx: &Context<Self>, w: &WorkloadView) -> Html {
        let obj = ObjRef {
            kind: w.kind.to_ascii_lowercase(),
            namespace: w.namespace.clone(),
            name: w.name.clone(),
        };
        let (children, pods) = self.model.children(&w.namespace, &format!("{}/{}", w.kind, w.name));
        html! {
            <li data-testid="workload" data-kind={w.kind.clone()} data-name={w.name.clone()}>
                <button class="link" onclick={ctx.link().callback(move |_| Msg::Select(obj.clone()))}>
                    { format!("{} {}/{}", w.kind, w.namespace, w.name) }
                </button>
                <span class={classes!("count", w.ok.then_some("ok"))}>{ format!(" {}", w.summary) }</span>
                if !pods.is_empty() {
                    <div class="pods">{ for pods.into_iter().map(|p| {
                        let obj = ObjRef { kind: "pod".into(), namespace: p.namespace.clone(), name: p.name.clone() };
                        html! {
                            <button class={classes!("pod-ref", format!("phase-{}", p.phase.to_ascii_lowercase()),
                                    p.ready.then_some("ready"), p.terminating.then_some("terminating"))}
                                title={format!("{} {}", p.phase, if p.ready { "ready" } else { "not ready" })}
                                onclick={ctx.link().callback(move |_| Msg::Select(obj.clone()))}>{ &p.name }</button>
                        }
                    }) }</div>
                }
                if !children.is_empty() {
                    <ul>{ for children.into_iter().map(|c| self.view_workload(ctx, c)) }</ul>
                }
            </li>
        }
    }

    fn view_inspector(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let tab = |mode: InspectMode, label: &str| {
            html! {
                <button class={classes!((self.mode == mode).then_some("active"))}
                    onclick={link.callback(move |_| Msg::Mode(mode))}>{ label.to_string() }</button>
            }
        };
        let title = match (&self.selected, self.mode) {
            (_, InspectMode::Events) => "Events".to_string(),
            (Some(o), _) if o.namespace.is_empty() => format!("{}/{}", o.kind, o.name),
            (Some(o), _) => format!("{}/{} in {}", o.kind, o.name, o.namespace),
            (None, _) => "Inspector".to_string(),
        };
        html! {
            <div class="inspector" data-testid="inspector">
                <div class="inspector-bar">
                    <span class="title">{ title }</span>
                    { tab(InspectMode::Describe, "Describe") }
                    { tab(InspectMode::Yaml, "YAML") }
                    { tab(InspectMode::Events, "Events") }
                </div>
                <pre class="inspector-text" data-testid="inspector-text">{ &self.inspector_text }</pre>
            </div>
        }
    }
}

#[derive(Properties)]
struct ScrollbackProps {
    entries: Rc<Vec<Entry>>,
}

impl PartialEq for ScrollbackProps {
    /// The scrollback only re-renders when a command changed it (not on every clock tick).
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.entries, &other.entries)
    }
}

#[function_component(Scrollback)]
fn scrollback(props: &ScrollbackProps) -> Html {
    html! {
        { for props.entries.iter().map(|entry| html! {
            <div class="terminal-entry" data-testid="terminal-entry">
                if !entry.prompt.is_empty() || !entry.line.is_empty() {
                    <div class="cmd"><span class="prompt-text">{ &entry.prompt }</span>{ entry.line.replace('\n', "\n> ") }</div>
                }
                { for entry.chunks.iter().map(|(is_err, text)| html! {
                    <span class={ if *is_err { "stderr" } else { "stdout" } }>{ text }</span>
                }) }
            </div>
        }) }
    }
}

fn main() {
    page::mark("kubeplay:wasm-started");
    page::install_panic_hook();
    page::remove_boot_message();
    yew::Renderer::<App>::new().render();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell() -> Shell {
        Shell::new(default_cluster(), Box::new(MemoryFs::default()))
    }

    #[test]
    fn the_page_starts_from_the_snapshot_of_the_cluster_its_seed_boots() {
        let saved: Value = serde_json::from_str(boot::SNAPSHOT).unwrap();
        assert!(
            Cluster::restore(saved.clone()).is_ok(),
            "the embedded snapshot does not restore"
        );
        assert_eq!(default_cluster().snapshot(), Cluster::new(boot::SEED).snapshot());
        assert_eq!(saved, Cluster::new(boot::SEED).snapshot());
    }

    #[test]
    fn editor_text_is_applied_through_kubectl_apply_from_stdin() {
        let mut sh = shell();
        let text = templates::find("ConfigMap").unwrap().1;
        let r = sh.run_script(&editor_script("apply", text));
        assert_eq!(
            r.output.chunks,
            [(kubectl::Stream::Stdout, "configmap/app-config created\n".to_string())]
        );
        let r = sh.run_script(&editor_script("delete", text));
        assert_eq!(r.exit_code, 0, "{:?}", r.output.chunks);
        assert!(
            sh.state().history.is_empty(),
            "the editor does not write the terminal's history"
        );
    }

    #[test]
    fn editor_text_is_never_expanded_by_the_shell() {
        let mut sh = shell();
        let script = editor_script("apply", "a: 1\nKUBEPLAY_EOF\n");
        assert!(
            script.contains("<<'KUBEPLAY_EOF_'\n") && script.ends_with("\nKUBEPLAY_EOF_\n"),
            "{script}"
        );
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"$HOME `id` $(echo hi)\"";
        let script = editor_script("apply", text);
        let r = sh.run_script(&script);
        assert_eq!(r.exit_code, 0, "{:?}", r.output.chunks);
        let r = sh.run_script("kubectl get cm x -o jsonpath='{.data.a}'");
        assert_eq!(r.output.chunks[0].1, "$HOME `id` $(echo hi)");
    }

    #[test]
    fn the_prompt_shows_the_working_directory_as_bash_does() {
        let mut state = ShellState::default();
        assert_eq!(prompt(&state), "root@controlplane:~# ");
        state.cwd = "/root/app".into();
        assert_eq!(prompt(&state), "root@controlplane:~/app# ");
        state.cwd = "/tmp".into();
        assert_eq!(prompt(&state), "root@controlplane:/tmp# ");
    }

    /// The page's shell, its files, and the file `vi` asked the editor to open.
    type PageShell = (Shell, Rc<RefCell<MemoryFs>>, Rc<RefCell<Option<String>>>);

    fn page_shell() -> PageShell {
        let open = Rc::new(RefCell::new(None));
        let (shell, fs, _) = fresh_shell(&open);
        (shell, fs, open)
    }

    #[test]
    fn the_page_file_system_is_the_one_the_shell_writes() {
        let (mut sh, fs, _) = page_shell();
        sh.run_line("echo 'kind: Pod' > /root/p.yaml");
        assert_eq!(fs.borrow().read_file("/root/p.yaml").unwrap(), "kind: Pod\n");
    }

    #[test]
    fn vi_and_kubectl_edit_open_their_text_in_the_editor_pane() {
        let (mut sh, fs, open) = page_shell();
        let r = sh.run_line("vi notes.yaml");
        assert_eq!(
            r.output.chunks,
            [(
                kubectl::Stream::Stderr,
                "notes.yaml is open in the editor pane.\n".to_string()
            )]
        );
        assert_eq!(open.borrow_mut().take().as_deref(), Some("/root/notes.yaml"));
        assert_eq!(fs.borrow().read_file("/root/notes.yaml").unwrap(), "");

        sh.run_line("kubectl create configmap cfg --from-literal=a=b");
        let r = sh.run_line("kubectl edit configmap cfg");
        assert_eq!(open.borrow_mut().take().as_deref(), Some("/root/edit-cfg.yaml"));
        let text = fs.borrow().read_file("/root/edit-cfg.yaml").unwrap();
        assert!(text.contains("kind: ConfigMap") && text.contains("name: cfg"), "{text}");
        let said: String = r.output.chunks.iter().map(|(_, t)| t.as_str()).collect();
        assert!(
            said.contains("The object is open in the editor as edit-cfg.yaml"),
            "{said}"
        );
    }

    #[test]
    fn edited_files_land_where_the_user_expects() {
        let cases = [
            ("/tmp/kubectl-edit-web.yaml", "/root/edit-web.yaml"),
            ("pod.yaml", "/root/pod.yaml"),
            ("/etc/kubernetes/manifests/x.yaml", "/etc/kubernetes/manifests/x.yaml"),
        ];
        for (file, want) in cases {
            assert_eq!(edit_target(file), want);
        }
    }

    #[test]
    fn node_buttons_run_the_lines_a_learner_would_type() {
        let cases = [
            ("cordon", "kubectl cordon node01"),
            ("uncordon", "kubectl uncordon node01"),
            (
                "drain",
                "kubectl drain node01 --ignore-daemonsets --delete-emptydir-data",
            ),
            ("stop", "kubeplay node stop node01"),
            ("start", "kubeplay node start node01"),
        ];
        for (action, want) in cases {
            assert_eq!(node_action_line(action, "node01"), want);
        }
    }
}
