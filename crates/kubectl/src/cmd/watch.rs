//! Waiting on the cluster's virtual clock: client-go's list-then-watch (`UntilWithSync`) as
//! kubeplay's API offers it. A watch request `GET …?watch=true&resourceVersion=N` answers with
//! the events since N as a JSON array; between two polls the command lets one second of
//! virtual time pass through [`crate::Host::wait`]. Used by `rollout status`, `wait`,
//! `logs -f`, `drain`, `events -w` and `get -w` ([`get_watch`], called from get.rs).

use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use apimachinery::ApiRequest;
use serde_json::Value;
use std::collections::BTreeMap;

/// How long commands that kubectl lets wait forever (rollout status, get -w, logs -f, drain
/// without --timeout) wait here before giving up: ten virtual minutes.
pub const DEFAULT_CAP_SECS: i64 = 600;

/// What ended a wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// The condition was met.
    Done,
    /// The timeout (or kubeplay's cap) passed.
    TimedOut,
    /// The host could not wait any longer (Ctrl-C, or no clock to advance).
    Interrupted,
}

/// One watch event: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`, and its object.
#[derive(Debug, Clone, PartialEq)]
pub struct WatchEvent {
    pub event_type: String,
    pub object: Value,
}

/// A list-then-watch on one collection (cache.ListWatch with its resourceVersion).
#[derive(Debug, Clone)]
pub struct ListWatch {
    path: String,
    label_selector: String,
    field_selector: String,
    /// Only this object (client-side too: not every server filters watches by field).
    name: Option<String>,
    resource_version: String,
    /// namespace/name → resourceVersion of what this watch has seen, to turn a plain list
    /// answer (servers without watch support) into events.
    known: BTreeMap<String, (String, Value)>,
    /// Whether the watch request was logged (`-v=6` shows one watch request, as kubectl does).
    logged: bool,
}

fn key_of(obj: &Value) -> String {
    let ns = obj.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("");
    let name = obj.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
    format!("{ns}/{name}")
}

fn rv_of(obj: &Value) -> String {
    obj.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

impl ListWatch {
    /// A watch on the collection at `path` (e.g. `/api/v1/namespaces/default/pods`).
    pub fn new(path: impl Into<String>) -> Self {
        ListWatch {
            path: path.into(),
            label_selector: String::new(),
            field_selector: String::new(),
            name: None,
            resource_version: String::new(),
            known: BTreeMap::new(),
            logged: false,
        }
    }

    /// Watches the one object `name` (fieldSelector `metadata.name=NAME`).
    pub fn for_name(path: impl Into<String>, name: &str) -> Self {
        let mut lw = ListWatch::new(path);
        lw.field_selector = format!("metadata.name={name}");
        lw.name = Some(name.to_string());
        lw
    }

    pub fn with_label_selector(mut self, selector: &str) -> Self {
        self.label_selector = selector.to_string();
        self
    }

    pub fn with_field_selector(mut self, selector: &str) -> Self {
        if !selector.is_empty() {
            self.field_selector = if self.field_selector.is_empty() {
                selector.to_string()
            } else {
                format!("{},{selector}", self.field_selector)
            };
        }
        self
    }

    /// The resourceVersion the next watch starts from.
    pub fn resource_version(&self) -> &str {
        &self.resource_version
    }

    /// Starts watching from `rv` without listing (get -w after its own list).
    pub fn start_at(&mut self, rv: &str, items: &[Value]) {
        self.resource_version = rv.to_string();
        for i in items {
            self.known.insert(key_of(i), (rv_of(i), i.clone()));
        }
    }

    /// The reflector's requests, query keys sorted as url.Values encodes them: the list
    /// (`limit=500&resourceVersion=0`) and the watch (`allowWatchBookmarks=true…&watch=true`).
    fn request(&self, watch: bool) -> ApiRequest {
        let mut req = ApiRequest::get(self.path.clone());
        if watch {
            req = req.with_query("allowWatchBookmarks", "true");
        }
        if !self.field_selector.is_empty() {
            req = req.with_query("fieldSelector", self.field_selector.clone());
        }
        if !self.label_selector.is_empty() {
            req = req.with_query("labelSelector", self.label_selector.clone());
        }
        if watch {
            req.with_query("resourceVersion", self.resource_version.clone())
                .with_query("watch", "true")
        } else {
            req.with_query("limit", "500").with_query("resourceVersion", "0")
        }
    }

    fn wanted(&self, obj: &Value) -> bool {
        match &self.name {
            Some(n) => obj.pointer("/metadata/name").and_then(Value::as_str) == Some(n.as_str()),
            None => true,
        }
    }

    /// Lists the collection (the watch's initial sync); the items carry kind/apiVersion as
    /// the list's items are decoded by client-go.
    pub fn list(&mut self, ctx: &mut Ctx<'_>) -> CmdResult<Vec<Value>> {
        let list = ctx.request(self.request(false)).map_err(CmdError::Api)?;
        self.resource_version = list
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let items = self.items_of(&list);
        self.known.clear();
        for i in &items {
            self.known.insert(key_of(i), (rv_of(i), i.clone()));
        }
        Ok(items)
    }

    fn items_of(&self, list: &Value) -> Vec<Value> {
        let kind = list
            .get("kind")
            .and_then(Value::as_str)
            .and_then(|k| k.strip_suffix("List"))
            .unwrap_or("")
            .to_string();
        let api_version = list.get("apiVersion").and_then(Value::as_str).unwrap_or("").to_string();
        list.get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|i| self.wanted(i))
            .map(|mut i| {
                if let Some(o) = i.as_object_mut() {
                    if !kind.is_empty() {
                        o.entry("kind").or_insert(Value::String(kind.clone()));
                    }
                    if !api_version.is_empty() {
                        o.entry("apiVersion").or_insert(Value::String(api_version.clone()));
                    }
                }
                i
            })
            .collect()
    }

    /// Moves the watch's resourceVersion forward (never back: a server that leaves an older
    /// version on a deleted object must not make the next poll replay events).
    fn advance_to(&mut self, rv: &str) {
        if rv.is_empty() {
            return;
        }
        match (rv.parse::<u64>(), self.resource_version.parse::<u64>()) {
            (Ok(new), Ok(old)) if new <= old => {}
            _ => self.resource_version = rv.to_string(),
        }
    }

    /// The events since the last poll.
    pub fn poll(&mut self, ctx: &mut Ctx<'_>) -> CmdResult<Vec<WatchEvent>> {
        let req = self.request(true);
        let answer = if self.logged {
            ctx.client.request(req)
        } else {
            self.logged = true;
            ctx.request(req)
        };
        let answer = match answer {
            Ok(a) => a,
            // 410 Gone: our resourceVersion is too old; relist and diff.
            Err(e) if e.code() == 410 => {
                let list = ctx.client.request(self.request(false)).map_err(CmdError::Api)?;
                ctx.flush_warnings();
                return Ok(self.diff(&list));
            }
            Err(e) => return Err(CmdError::Api(e)),
        };
        if answer.get("items").is_some() {
            // A server that answers a watch with a list: diff it against what we saw.
            return Ok(self.diff(&answer));
        }
        let mut out = Vec::new();
        for ev in answer.as_array().cloned().unwrap_or_default() {
            let event_type = ev.get("type").and_then(Value::as_str).unwrap_or("").to_string();
            let object = ev.get("object").cloned().unwrap_or(Value::Null);
            let rv = rv_of(&object);
            self.advance_to(&rv);
            if event_type == "BOOKMARK" || !self.wanted(&object) {
                continue;
            }
            if event_type == "DELETED" {
                self.known.remove(&key_of(&object));
            } else {
                self.known.insert(key_of(&object), (rv, object.clone()));
            }
            out.push(WatchEvent { event_type, object });
        }
        Ok(out)
    }

    fn diff(&mut self, list: &Value) -> Vec<WatchEvent> {
        if let Some(rv) = list.pointer("/metadata/resourceVersion").and_then(Value::as_str) {
            self.resource_version = rv.to_string();
        }
        let items = self.items_of(list);
        let mut now: BTreeMap<String, (String, Value)> = BTreeMap::new();
        for i in items {
            now.insert(key_of(&i), (rv_of(&i), i));
        }
        let mut out = Vec::new();
        for (k, (_, obj)) in &self.known {
            if !now.contains_key(k) {
                out.push(WatchEvent {
                    event_type: "DELETED".to_string(),
                    object: obj.clone(),
                });
            }
        }
        for (k, (rv, obj)) in &now {
            match self.known.get(k) {
                None => out.push(WatchEvent {
                    event_type: "ADDED".to_string(),
                    object: obj.clone(),
                }),
                Some((old, _)) if old != rv => out.push(WatchEvent {
                    event_type: "MODIFIED".to_string(),
                    object: obj.clone(),
                }),
                _ => {}
            }
        }
        self.known = now;
        out
    }
}

/// Lets one second of virtual time pass; false when the host cannot (Ctrl-C). What the
/// command printed so far is offered to the host first, so a terminal shows it while waiting.
pub async fn tick(ctx: &mut Ctx<'_>) -> bool {
    ctx.host.flush(ctx.out);
    ctx.host.wait(1).await
}

/// Feeds `cond` the initial items (as ADDED) and then every event, one virtual second at a
/// time, until it returns true or `timeout_secs` pass (watchtools.UntilWithSync).
pub async fn until(
    ctx: &mut Ctx<'_>,
    lw: &mut ListWatch,
    initial: Vec<Value>,
    timeout_secs: i64,
    cond: &mut dyn FnMut(&mut Ctx<'_>, &WatchEvent) -> CmdResult<bool>,
) -> CmdResult<Until> {
    for object in initial {
        let ev = WatchEvent {
            event_type: "ADDED".to_string(),
            object,
        };
        if cond(ctx, &ev)? {
            return Ok(Until::Done);
        }
    }
    let mut waited = 0;
    loop {
        if waited >= timeout_secs {
            return Ok(Until::TimedOut);
        }
        if !tick(ctx).await {
            return Ok(Until::Interrupted);
        }
        waited += 1;
        for ev in lw.poll(ctx)? {
            if cond(ctx, &ev)? {
                return Ok(Until::Done);
            }
        }
    }
}

/// Polls `check` once per virtual second (wait.PollUntilContextTimeout with immediate=true)
/// until it returns true or `timeout_secs` pass.
pub async fn poll_until(
    ctx: &mut Ctx<'_>,
    timeout_secs: i64,
    check: &mut dyn FnMut(&mut Ctx<'_>) -> CmdResult<bool>,
) -> CmdResult<Until> {
    let mut waited = 0;
    loop {
        if check(ctx)? {
            return Ok(Until::Done);
        }
        if waited >= timeout_secs {
            return Ok(Until::TimedOut);
        }
        if !tick(ctx).await {
            return Ok(Until::Interrupted);
        }
        waited += 1;
    }
}

/// The exit of a command the user interrupted with Ctrl-C (a shell reports 130).
pub fn interrupted() -> CmdError {
    CmdError::Exit(130)
}

/// Calls `print` with each event until the host stops waiting or kubeplay's cap passes
/// (a watch whose initial state the caller has already shown; see [`get_watch`]).
pub async fn watch_objects(
    ctx: &mut Ctx<'_>,
    lw: &mut ListWatch,
    print: &mut dyn FnMut(&mut Ctx<'_>, &WatchEvent) -> CmdResult,
) -> CmdResult {
    let outcome = until(ctx, lw, Vec::new(), DEFAULT_CAP_SECS, &mut |ctx, ev| {
        print(ctx, ev)?;
        Ok(false)
    })
    .await?;
    // A watch ends when the user stops it (or at the cap); that is its normal end.
    let _ = outcome;
    Ok(())
}

/// `kubectl get -w` / `--watch-only` / `--output-watch-events` (get.go's watch): the object
/// or list printed once (unless --watch-only), then one row per watch event, headers only on
/// the first table printed, each event flushed through the tab writer on its own.
///
/// The hook in get.rs is one line, in place of its "not supported" error:
/// `if watch { return super::watch::get_watch(ctx, flags, &args).await; }`
pub async fn get_watch(ctx: &mut Ctx<'_>, flags: &crate::flags::Parsed, args: &[String]) -> CmdResult {
    use crate::printers::kinds::build_table;
    use crate::printers::table::{Column, TableOptions};
    if !flags.strings("filename").is_empty() {
        return Err(CmdError::msg(
            "watching objects from files is not supported by kubeplay yet",
        ));
    }
    if args.is_empty() {
        return Err(CmdError::msg(crate::resource::NO_RESOURCES_MESSAGE));
    }
    let typed = crate::resource::parse_resource_args(ctx, args)?;
    let t = match typed.as_slice() {
        [one] => one.clone(),
        _ => return Err(CmdError::msg("you may only specify a single resource type")),
    };
    if t.names.len() > 1 {
        return Err(CmdError::msg("watch is only supported on individual resources and resource collections, but multiple resources were found"));
    }
    let format = flags.string("output");
    let table_format = format.is_empty() || format == "wide";
    if !table_format {
        crate::output::validate_output(&format)?;
    }
    let info = t.info.clone();
    let ns = if info.namespaced() && !ctx.all_namespaces {
        Some(ctx.namespace.clone())
    } else {
        None
    };
    let collection = crate::discovery::resource_path(&info, ns.as_deref(), None);
    let label_selector = flags.string("selector");
    let field_selector = flags.string("field-selector");
    let with_type = |mut o: Value| {
        if let Some(m) = o.as_object_mut() {
            m.entry("kind").or_insert(Value::String(info.kind.clone()));
            m.entry("apiVersion").or_insert(Value::String(info.api_version()));
        }
        o
    };
    // The initial state, and where the watch starts.
    let (mut lw, initial) = match t.names.first() {
        Some(name) => {
            let path = crate::discovery::resource_path(&info, ns.as_deref(), Some(name));
            let obj = match ctx.get(path) {
                Ok(o) => o,
                Err(e) if e.is_not_found() && flags.bool("ignore-not-found") => return Ok(()),
                Err(e) => return Err(e),
            };
            // kubectl watches from resourceVersion 0 and skips the replayed ADDED event;
            // starting at the object's own version shows the same events.
            let mut lw = ListWatch::for_name(collection, name);
            lw.start_at(&rv_of(&obj), std::slice::from_ref(&obj));
            (lw, vec![with_type(obj)])
        }
        None => {
            let mut req = ApiRequest::get(collection.clone());
            if !field_selector.is_empty() {
                req = req.with_query("fieldSelector", field_selector.clone());
            }
            if !label_selector.is_empty() {
                req = req.with_query("labelSelector", label_selector.clone());
            }
            let list = ctx.request(req.with_query("limit", "500")).map_err(CmdError::Api)?;
            let rv = list
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let items: Vec<Value> = list
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(with_type)
                .collect();
            let mut lw = ListWatch::new(collection)
                .with_label_selector(&label_selector)
                .with_field_selector(&field_selector);
            lw.start_at(&rv, &items);
            (lw, items)
        }
    };
    let events = flags.bool("output-watch-events");
    let opts = TableOptions {
        wide: format == "wide",
        no_headers: flags.bool("no-headers"),
        with_namespace: ctx.all_namespaces && info.namespaced(),
        kind_prefix: flags.bool("show-kind").then(|| crate::resource::kind_group_of(&info)),
        show_labels: flags.bool("show-labels"),
        column_labels: flags.strings("label-columns"),
    };
    let mut headers_printed = false;
    let mut printed_objects = 0usize;
    let mut print = |ctx: &mut Ctx<'_>, objs: &[Value], event: Option<&str>| -> CmdResult {
        if objs.is_empty() {
            return Ok(());
        }
        if !table_format {
            for o in objs {
                if format == "yaml" && printed_objects > 0 {
                    ctx.stdout("---\n");
                }
                printed_objects += 1;
                crate::output::print_object(ctx, o, &format)?;
            }
            return Ok(());
        }
        let now = ctx.host.now_unix();
        let mut table = build_table(&info.group, &info.kind, objs, now, opts.wide, None);
        let mut o = opts.clone();
        o.no_headers = opts.no_headers || headers_printed;
        headers_printed = true;
        table.decorate(&o);
        if let Some(ev) = event {
            // addColumns(beginning, …): the EVENT column goes before everything, NAMESPACE too.
            table.columns.insert(0, Column::new("Event", 0));
            for r in &mut table.rows {
                r.cells.insert(0, Some(ev.to_string()));
            }
        }
        ctx.stdout(crate::printers::tabwriter::align(&table.to_tabbed(&o)));
        Ok(())
    };
    if !flags.bool("watch-only") {
        if events {
            // Each object of the list is printed as an ADDED event, in one flush.
            print(ctx, &initial, Some("ADDED"))?;
        } else {
            print(ctx, &initial, None)?;
        }
    }
    until(ctx, &mut lw, Vec::new(), DEFAULT_CAP_SECS, &mut |ctx, ev| {
        let obj = with_type(ev.object.clone());
        print(
            ctx,
            std::slice::from_ref(&obj),
            events.then_some(ev.event_type.as_str()),
        )?;
        Ok(false)
    })
    .await?;
    Ok(())
}

/// Go's time.Duration String for whole seconds (`5s`, `1m0s`, `1h0m0s`).
pub fn go_duration(secs: i64) -> String {
    if secs == 0 {
        return "0s".to_string();
    }
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_print_as_go_does() {
        assert_eq!(go_duration(5), "5s");
        assert_eq!(go_duration(60), "1m0s");
        assert_eq!(go_duration(3725), "1h2m5s");
        assert_eq!(go_duration(0), "0s");
    }

    #[test]
    fn a_list_answer_is_diffed_into_events() {
        let mut lw = ListWatch::new("/api/v1/namespaces/default/pods");
        let a = json!({"metadata": {"name": "a", "namespace": "default", "resourceVersion": "1"}});
        let b = json!({"metadata": {"name": "b", "namespace": "default", "resourceVersion": "2"}});
        lw.start_at("2", &[a.clone(), b]);
        let a2 = json!({"metadata": {"name": "a", "namespace": "default", "resourceVersion": "3"}});
        let c = json!({"metadata": {"name": "c", "namespace": "default", "resourceVersion": "4"}});
        let evs = lw.diff(
            &json!({"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "4"}, "items": [a2, c]}),
        );
        let kinds: Vec<(String, String)> = evs.iter().map(|e| (e.event_type.clone(), key_of(&e.object))).collect();
        assert_eq!(
            kinds,
            vec![
                ("DELETED".to_string(), "default/b".to_string()),
                ("MODIFIED".to_string(), "default/a".to_string()),
                ("ADDED".to_string(), "default/c".to_string()),
            ]
        );
        assert_eq!(lw.resource_version(), "4");
        assert_eq!(evs[1].object["kind"], "Pod");
    }
}
