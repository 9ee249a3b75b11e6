//! Where the page keeps the playground: one IndexedDB record (browsers allow hundreds of MB,
//! where localStorage stops at about 5 MB), gzip-compressed by the browser's own
//! `CompressionStream` (stored as is where that API is missing). Saves run asynchronously, one
//! at a time; a save asked for meanwhile is coalesced into one more once it ends (`SaveQueue`).
//! A save from localStorage (older kubeplay) is moved here on first load.

use std::cell::{Cell, RefCell};

use gloo::events::EventListener;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransactionMode};

use crate::persist::{self, Saved};

const DB_NAME: &str = "kubeplay";
const DB_VERSION: u32 = 1;
const STORE: &str = "saves";
/// Where an unreadable save is moved (not lost), beside [`persist::STORAGE_KEY`].
pub const UNREADABLE_KEY: &str = "kubeplay/v1.unreadable";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(extends = Object)]
    type CompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<CompressionStream, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(extends = Object)]
    type DecompressionStream;
    #[wasm_bindgen(constructor, catch)]
    fn new(format: &str) -> Result<DecompressionStream, JsValue>;
}

thread_local! {
    /// The open connection, kept so the save on leaving the page can be issued synchronously.
    static DB: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
    /// The newest save generation handed to IndexedDB: an older save still compressing when a
    /// newer one was written is dropped instead of overwriting it.
    static WRITTEN: Cell<u64> = const { Cell::new(0) };
}

/// One save at a time; asking while one runs queues exactly one more.
#[derive(Debug, Default)]
pub struct SaveQueue {
    in_flight: bool,
    queued: bool,
    generation: u64,
}

impl SaveQueue {
    /// The generation of a save to start now, or `None` when one is running (then one more
    /// runs once it ends).
    pub fn request(&mut self) -> Option<u64> {
        if self.in_flight {
            self.queued = true;
            return None;
        }
        self.in_flight = true;
        self.generation += 1;
        Some(self.generation)
    }

    /// Whether a save is being written.
    pub fn busy(&self) -> bool {
        self.in_flight
    }

    /// A generation for a save that does not wait its turn (leaving the page).
    pub fn jump(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// The running save ended: whether a queued one should start now.
    pub fn finished(&mut self) -> bool {
        self.in_flight = false;
        std::mem::take(&mut self.queued)
    }
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn now_ms() -> f64 {
    crate::page::now_ms()
}

/// Why the browser refused, in the words the page shows.
fn refusal(error: Option<web_sys::DomException>) -> String {
    match error {
        Some(e) if e.name() == "QuotaExceededError" => "the browser refused to store it (storage full)".to_string(),
        Some(e) => format!("the browser could not store it ({}: {})", e.name(), e.message()),
        None => "the browser could not store it".to_string(),
    }
}

fn unavailable() -> String {
    "this browser offers no IndexedDB storage here (storage disabled?)".to_string()
}

/// Resolves when `target` fires `ok`, fails when it fires one of `fail`.
async fn event(target: &web_sys::EventTarget, ok: &'static str, fail: &[&'static str]) -> Result<(), JsValue> {
    let mut listeners = Vec::new();
    let promise = Promise::new(&mut |resolve, reject| {
        listeners.push(EventListener::once(target, ok, move |_| {
            let _ = resolve.call0(&JsValue::NULL);
        }));
        for name in fail {
            let reject = reject.clone();
            listeners.push(EventListener::once(target, *name, move |e| {
                let _ = reject.call1(&JsValue::NULL, e);
            }));
        }
    });
    let result = JsFuture::from(promise).await;
    drop(listeners);
    result.map(|_| ())
}

async fn request(req: &IdbRequest) -> Result<JsValue, String> {
    match event(req, "success", &["error"]).await {
        Ok(()) => req
            .result()
            .map_err(|_| "the browser's storage answered nothing".to_string()),
        Err(_) => Err(refusal(req.error().ok().flatten())),
    }
}

/// The open database, opening (and on first use creating) it.
async fn database() -> Result<IdbDatabase, String> {
    if let Some(db) = DB.with(|d| d.borrow().clone()) {
        return Ok(db);
    }
    let factory = window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or_else(unavailable)?;
    let open = factory.open_with_u32(DB_NAME, DB_VERSION).map_err(|_| unavailable())?;
    let req = open.clone();
    let _upgrade = EventListener::new(&open, "upgradeneeded", move |_| {
        if let Ok(db) = req.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
            let _ = db.create_object_store(STORE);
        }
    });
    let db: IdbDatabase = request(&open).await?.dyn_into().map_err(|_| unavailable())?;
    // Another tab deleting the database must not wait for this one: let go, reopen later.
    let closing = db.clone();
    let listener = EventListener::new(&db, "versionchange", move |_| {
        closing.close();
        DB.with(|d| d.borrow_mut().take());
    });
    listener.forget();
    DB.with(|d| *d.borrow_mut() = Some(db.clone()));
    Ok(db)
}

fn store(db: &IdbDatabase, mode: IdbTransactionMode) -> Result<IdbObjectStore, String> {
    let tx = db.transaction_with_str_and_mode(STORE, mode).map_err(|_| {
        // The connection was closed under us (storage cleared, database deleted).
        DB.with(|d| d.borrow_mut().take());
        "the browser closed its storage".to_string()
    })?;
    tx.object_store(STORE)
        .map_err(|_| "the browser closed its storage".to_string())
}

async fn committed(store: &IdbObjectStore) -> Result<(), String> {
    let tx = store.transaction();
    event(&tx, "complete", &["error", "abort"])
        .await
        .map_err(|_| refusal(tx.error()))
}

fn bytes_blob(bytes: &[u8]) -> Result<web_sys::Blob, JsValue> {
    web_sys::Blob::new_with_u8_array_sequence(&Array::of1(&Uint8Array::from(bytes)))
}

/// The body of `stream` read to its end.
async fn read_all(stream: &web_sys::ReadableStream) -> Result<Uint8Array, JsValue> {
    let response = web_sys::Response::new_with_opt_readable_stream(Some(stream))?;
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    Ok(Uint8Array::new(&buffer))
}

/// `bytes` gzip-compressed by the browser, or `None` where it has no CompressionStream.
async fn gzip(bytes: &[u8]) -> Result<Option<Uint8Array>, JsValue> {
    let Ok(gzip) = CompressionStream::new("gzip") else {
        return Ok(None);
    };
    let stream = bytes_blob(bytes)?
        .stream()
        .pipe_through(gzip.unchecked_ref::<web_sys::ReadableWritablePair>());
    read_all(&stream).await.map(Some)
}

async fn gunzip(data: &Uint8Array) -> Result<Vec<u8>, String> {
    let gunzip = DecompressionStream::new("gzip")
        .map_err(|_| "the saved data is compressed and this browser cannot decompress it".to_string())?;
    let blob = web_sys::Blob::new_with_u8_array_sequence(&Array::of1(data))
        .map_err(|_| "the saved data could not be read".to_string())?;
    let stream = blob
        .stream()
        .pipe_through(gunzip.unchecked_ref::<web_sys::ReadableWritablePair>());
    read_all(&stream)
        .await
        .map(|a| a.to_vec())
        .map_err(|_| "the saved data is damaged (it does not decompress)".to_string())
}

/// The IndexedDB record: `{encoding, rawBytes, data}`.
fn record(encoding: &str, raw_bytes: usize, data: &Uint8Array) -> Object {
    let record = Object::new();
    let _ = Reflect::set(&record, &"encoding".into(), &encoding.into());
    let _ = Reflect::set(&record, &"rawBytes".into(), &(raw_bytes as f64).into());
    let _ = Reflect::set(&record, &"data".into(), data);
    record
}

/// The text a record holds, its encoding and its stored size.
async fn record_text(record: &JsValue) -> Result<(String, &'static str, usize), String> {
    let encoding = Reflect::get(record, &"encoding".into())
        .ok()
        .and_then(|e| e.as_string());
    let data = Reflect::get(record, &"data".into())
        .ok()
        .and_then(|d| d.dyn_into::<Uint8Array>().ok())
        .ok_or("the saved data is not a kubeplay save (no data)")?;
    let (bytes, encoding) = match encoding.as_deref() {
        Some("gzip") => (gunzip(&data).await?, "gzip"),
        Some("identity") => (data.to_vec(), "identity"),
        other => return Err(format!("the saved data has an unknown encoding ({other:?})")),
    };
    let text = String::from_utf8(bytes).map_err(|_| "the saved data is not text".to_string())?;
    Ok((text, encoding, data.length() as usize))
}

fn put(store: &IdbObjectStore, key: &str, value: &JsValue) -> Result<(), String> {
    store
        .put_with_key(value, &key.into())
        .map(|_| ())
        .map_err(|e| refusal(e.dyn_into::<web_sys::DomException>().ok()))
}

/// Writes a save (compressed where the browser can), unless a newer one was written
/// meanwhile.
pub async fn write(text: String, generation: u64, serialize_ms: f64) -> Result<(), String> {
    let start = now_ms();
    let raw = text.into_bytes();
    let (encoding, data) = match gzip(&raw).await {
        Ok(Some(data)) => ("gzip", data),
        // No CompressionStream, or it failed: stored as is.
        Ok(None) | Err(_) => ("identity", Uint8Array::from(raw.as_slice())),
    };
    let compressed = now_ms();
    let db = database().await?;
    if WRITTEN.with(Cell::get) > generation {
        return Ok(());
    }
    let store = store(&db, IdbTransactionMode::Readwrite)?;
    put(&store, persist::STORAGE_KEY, &record(encoding, raw.len(), &data))?;
    WRITTEN.with(|w| w.set(generation));
    committed(&store).await?;
    let end = now_ms();
    let fields = [
        ("generation", generation as f64),
        ("rawBytes", raw.len() as f64),
        ("storedBytes", f64::from(data.length())),
        ("serializeMs", serialize_ms),
        ("compressMs", compressed - start),
        ("writeMs", end - compressed),
        ("totalMs", serialize_ms + end - start),
    ];
    report("__kubeplaySave", &fields, encoding);
    Ok(())
}

/// The save when the page is going away: issued at once, uncompressed (there is no time to
/// wait for compression), on the connection opened at start-up.
pub fn write_now(text: &str, generation: u64) -> Result<(), String> {
    let db = DB.with(|d| d.borrow().clone()).ok_or_else(unavailable)?;
    let store = store(&db, IdbTransactionMode::Readwrite)?;
    let data = Uint8Array::from(text.as_bytes());
    put(&store, persist::STORAGE_KEY, &record("identity", text.len(), &data))?;
    WRITTEN.with(|w| w.set(generation));
    Ok(())
}

/// Publishes a save's or load's figures for the browser tests (`window.NAME`).
fn report(name: &str, fields: &[(&str, f64)], encoding: &str) {
    let Some(w) = window() else { return };
    let o = Object::new();
    let _ = Reflect::set(&o, &"encoding".into(), &encoding.into());
    for (k, v) in fields {
        let _ = Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    let _ = Reflect::set(&w, &name.into(), &o);
}

fn local_storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// Moves what an older kubeplay kept in localStorage into IndexedDB, then removes it there.
async fn migrate_local_storage(db: &IdbDatabase) -> Result<(), String> {
    let Some(ls) = local_storage() else { return Ok(()) };
    let entries: Vec<(&str, String)> = [persist::STORAGE_KEY, UNREADABLE_KEY]
        .into_iter()
        .filter_map(|key| Some((key, ls.get_item(key).ok().flatten()?)))
        .collect();
    if entries.is_empty() {
        return Ok(());
    }
    let mut records = Vec::new();
    for (key, text) in &entries {
        let (encoding, data) = match gzip(text.as_bytes()).await {
            Ok(Some(data)) => ("gzip", data),
            _ => ("identity", Uint8Array::from(text.as_bytes())),
        };
        records.push((*key, record(encoding, text.len(), &data)));
    }
    let store = store(db, IdbTransactionMode::Readwrite)?;
    for (key, value) in &records {
        put(&store, key, value)?;
    }
    committed(&store).await?;
    for (key, _) in entries {
        let _ = ls.remove_item(key);
    }
    Ok(())
}

/// The saved playground, or a notice saying why it could not be read (it is then set aside
/// and the page starts a fresh cluster).
pub async fn load() -> (Option<Saved>, Option<(bool, String)>) {
    let start = now_ms();
    let db = match database().await {
        Ok(db) => db,
        Err(e) => {
            return (
                None,
                Some((true, format!("The playground cannot be saved in this browser: {e}."))),
            )
        }
    };
    if let Err(e) = migrate_local_storage(&db).await {
        return (
            None,
            Some((
                true,
                format!("The save of an older kubeplay could not be moved to this browser's storage: {e}."),
            )),
        );
    }
    let got = match store(&db, IdbTransactionMode::Readonly) {
        Ok(store) => match store.get(&persist::STORAGE_KEY.into()) {
            Ok(req) => request(&req).await,
            Err(_) => Err("the browser closed its storage".to_string()),
        },
        Err(e) => Err(e),
    };
    let record = match got {
        Ok(record) if record.is_undefined() => return (None, None),
        Ok(record) => record,
        Err(e) => return (None, Some(discard_saved(&e))),
    };
    let read = now_ms();
    let (text, encoding, stored) = match record_text(&record).await {
        Ok(found) => found,
        Err(why) => return (None, Some(discard_saved(&why))),
    };
    let decompressed = now_ms();
    let decoded = persist::decode(&text);
    let fields = [
        ("rawBytes", text.len() as f64),
        ("storedBytes", stored as f64),
        ("readMs", read - start),
        ("decompressMs", decompressed - read),
        ("parseMs", now_ms() - decompressed),
    ];
    report("__kubeplayLoad", &fields, encoding);
    match decoded {
        Ok(saved) => (Some(saved), None),
        Err(why) => (None, Some(discard_saved(&why))),
    }
}

/// Moves unreadable saved data aside (so it is not lost) and says so.
pub fn discard_saved(why: &str) -> (bool, String) {
    wasm_bindgen_futures::spawn_local(async {
        let Ok(db) = database().await else { return };
        let Ok(store) = store(&db, IdbTransactionMode::Readwrite) else {
            return;
        };
        let Ok(req) = store.get(&persist::STORAGE_KEY.into()) else {
            return;
        };
        if let Ok(record) = request(&req).await {
            if !record.is_undefined() {
                let _ = put(&store, UNREADABLE_KEY, &record);
            }
            let _ = store.delete(&persist::STORAGE_KEY.into());
        }
        let _ = committed(&store).await;
    });
    (
        true,
        format!("Your saved playground could not be loaded: {why}. A fresh cluster was started."),
    )
}

/// The inline script of the panic screen's "Reset and reload": deletes the save, then reloads.
pub fn reset_script() -> String {
    format!(
        "try{{var r=indexedDB.open('{DB_NAME}',{DB_VERSION});\
         r.onsuccess=function(){{try{{var t=r.result.transaction('{STORE}','readwrite');\
         t.objectStore('{STORE}').delete('{key}');t.oncomplete=t.onabort=function(){{location.reload()}}}}\
         catch(e){{location.reload()}}}};r.onerror=function(){{location.reload()}}}}catch(e){{location.reload()}}",
        key = persist::STORAGE_KEY
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_run_one_at_a_time_and_requests_meanwhile_coalesce_into_one() {
        let mut q = SaveQueue::default();
        assert_eq!(q.request(), Some(1));
        assert_eq!(q.request(), None);
        assert_eq!(q.request(), None);
        assert!(q.finished(), "one more save for the requests made meanwhile");
        assert_eq!(q.request(), Some(2));
        assert!(!q.finished(), "nothing was asked meanwhile");
        assert_eq!(q.request(), Some(3));
        assert!(q.busy());
        // Leaving the page writes at once, with a newer generation than the one running.
        assert_eq!(q.jump(), 4);
        assert!(!q.finished());
    }
}
