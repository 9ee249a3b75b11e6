//! Glue to the browser: localStorage, the URL, files, the service worker, the panic screen.
//! Every call tolerates a missing API (old browsers, file://, storage disabled) instead of
//! failing the page.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};

use crate::persist::{self, Saved};

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// The saved playground, or a notice saying why it could not be read (it is then set aside
/// and the page starts a fresh cluster).
pub fn load_saved() -> (Option<Saved>, Option<(bool, String)>) {
    let Some(text) = storage().and_then(|s| s.get_item(persist::STORAGE_KEY).ok().flatten()) else {
        return (None, None);
    };
    match persist::decode(&text) {
        Ok(saved) => (Some(saved), None),
        Err(why) => (None, Some(discard_saved(&why))),
    }
}

/// Moves unreadable saved data aside (so it is not lost) and says so.
pub fn discard_saved(why: &str) -> (bool, String) {
    if let Some(s) = storage() {
        if let Ok(Some(text)) = s.get_item(persist::STORAGE_KEY) {
            let _ = s.set_item(&format!("{}.unreadable", persist::STORAGE_KEY), &text);
        }
        let _ = s.remove_item(persist::STORAGE_KEY);
    }
    (
        true,
        format!("Your saved playground could not be loaded: {why}. A fresh cluster was started."),
    )
}

pub fn store(key: &str, text: &str) -> Result<(), String> {
    let s = storage().ok_or("localStorage is not available")?;
    s.set_item(key, text)
        .map_err(|_| "the browser refused to store it (storage full or disabled)".to_string())
}

pub fn now_ms() -> f64 {
    window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

pub fn on_window(event: &'static str, f: impl Fn() + 'static) -> Option<gloo::events::EventListener> {
    let w = window()?;
    Some(gloo::events::EventListener::new(&w, event, move |_| f()))
}

/// Whether the user has selected text (clicking to focus must not destroy a selection).
pub fn has_selection() -> bool {
    window()
        .and_then(|w| w.get_selection().ok().flatten())
        .is_some_and(|s| !s.is_collapsed())
}

pub fn is_narrow() -> bool {
    window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .is_some_and(|w| w < 1000.0)
}

pub fn location_hash() -> String {
    window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

pub fn location_without_hash() -> String {
    let href = window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    match href.split_once('#') {
        Some((base, _)) => base.to_string(),
        None => href,
    }
}

/// Drops the fragment from the address bar so a reload does not open the share link again.
pub fn clear_hash() {
    if let Some(history) = window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&location_without_hash()));
    }
}

pub fn caret_to_end(input: &HtmlInputElement) {
    let end = input.value().encode_utf16().count() as u32;
    let _ = input.set_selection_range(end, end);
}

pub fn insert_at_cursor(area: &HtmlTextAreaElement, text: &str) {
    let start = area.selection_start().ok().flatten().unwrap_or(0);
    let end = area.selection_end().ok().flatten().unwrap_or(start);
    let _ = area.set_range_text_with_start_and_end(text, start, end);
    let caret = start + text.encode_utf16().count() as u32;
    let _ = area.set_selection_range(caret, caret);
}

pub fn pasted_text(e: &web_sys::Event) -> Option<String> {
    let e = e.dyn_ref::<web_sys::ClipboardEvent>()?;
    e.clipboard_data()?.get_data("text").ok()
}

/// Saves `text` as a file download.
pub fn download(name: &str, text: &str) -> Result<(), String> {
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(|_| "cannot make a file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "cannot make a download link")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "no link")?
        .dyn_into()
        .map_err(|_| "no link")?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Reads a picked file as text and hands the result to `done`.
pub fn read_file(file: web_sys::File, done: impl FnOnce(Result<String, String>) + 'static) {
    wasm_bindgen_futures::spawn_local(async move {
        let result = wasm_bindgen_futures::JsFuture::from(file.text()).await;
        done(match result {
            Ok(v) => v.as_string().ok_or_else(|| "the file is not text".to_string()),
            Err(_) => Err("the file could not be read".to_string()),
        })
    });
}

/// A performance mark (shown in the browser's profiler and read by the browser tests).
pub fn mark(name: &str) {
    if let Some(p) = window().and_then(|w| w.performance()) {
        let _ = p.mark(name);
    }
}

/// Records when the terminal became usable (for the browser tests' time-to-interactive).
pub fn mark_ready() {
    if let Some(w) = window() {
        let t = now_ms();
        let _ = js_sys::Reflect::set(&w, &JsValue::from_str("__kubeplayReadyMs"), &JsValue::from_f64(t));
    }
}

/// Registers public/sw.js, which keeps the app shell for offline use.
pub fn register_service_worker() {
    let Some(w) = window() else { return };
    let navigator = w.navigator();
    let has_sw = js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false);
    if !has_sw {
        return;
    }
    let promise = navigator.service_worker().register("./sw.js");
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(e) = wasm_bindgen_futures::JsFuture::from(promise).await {
            gloo::console::warn!("kubeplay: offline support is unavailable:", e);
        }
    });
}

/// The "Starting…" text index.html shows until the app renders.
pub fn remove_boot_message() {
    if let Some(el) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        el.remove();
    }
}

/// A panic replaces the page with a message and two ways out, built from plain DOM and inline
/// handlers because the wasm instance is unusable afterwards.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_panic(&info.to_string());
    }));
}

fn show_panic(message: &str) {
    let Some(document) = window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else { return };
    let Ok(panel) = document.create_element("div") else {
        return;
    };
    panel.set_class_name("panic");
    panel.set_attribute("role", "alert").ok();
    panel.set_attribute("data-testid", "panic").ok();
    let add = |tag: &str, text: &str| -> Option<web_sys::Element> {
        let el = document.create_element(tag).ok()?;
        el.set_text_content(Some(text));
        panel.append_child(&el).ok()?;
        Some(el)
    };
    add("h2", "kubeplay stopped because of an internal error");
    add(
        "p",
        "This is a bug in kubeplay, not something you did. Reload to continue from the last saved state, \
         or reset to start a fresh cluster (your saved state is then discarded).",
    );
    add("pre", message);
    if let Some(b) = add("button", "Reload") {
        b.set_attribute("onclick", "location.reload()").ok();
    }
    if let Some(b) = add("button", "Reset and reload") {
        let script = format!("localStorage.removeItem('{}');location.reload()", persist::STORAGE_KEY);
        b.set_attribute("onclick", &script).ok();
        b.set_attribute("data-testid", "panic-reset").ok();
    }
    let _ = body.append_child(&panel);
}
