//! kubectl describe's describers (k8s.io/kubectl/pkg/describe/describe.go) over JSON objects:
//! Pod, Deployment, ReplicaSet, Service, Node, Namespace, ConfigMap, Secret, and the generic
//! describer for every other kind. Output goes through the same kind of tab writer upstream
//! uses (minwidth 0, tabwidth 8, padding 2), flushed where upstream flushes (before Events).

use crate::printers::tabwriter;
use crate::printers::util::{age, arr, at, b, i, opt_i, s, scalar_string};
use apimachinery::quantity::Quantity;
use apimachinery::time::parse_rfc3339;
use serde_json::Value;

mod kinds;
pub use kinds::*;

/// Indentation levels (LEVEL_0…LEVEL_4): two spaces each.
pub const L0: usize = 0;
pub const L1: usize = 1;
pub const L2: usize = 2;
pub const L3: usize = 3;

/// The prefix writer over a tab writer: text accumulates until a flush aligns it.
#[derive(Debug, Default)]
pub struct Writer {
    done: String,
    pending: String,
}

impl Writer {
    pub fn new() -> Self {
        Writer::default()
    }

    /// `w.Write(level, …)`: the text indented by two spaces per level.
    pub fn write(&mut self, level: usize, text: &str) {
        for _ in 0..level {
            self.pending.push_str("  ");
        }
        self.pending.push_str(&escape(text));
    }

    /// `w.WriteLine(x)`: x and a newline.
    pub fn line(&mut self, text: &str) {
        self.pending.push_str(&escape(text));
        self.pending.push('\n');
    }

    /// Aligns what was written so far as one tab-writer flush.
    pub fn flush(&mut self) {
        let text = std::mem::take(&mut self.pending);
        self.done.push_str(&tabwriter::align_with(&text, 0, 2));
    }

    pub fn finish(mut self) -> String {
        self.flush();
        self.done
    }

    /// The text without tab alignment (rollout history prints DescribePodTemplate through
    /// a plain PrefixWriter, so its tabs stay tabs).
    pub fn into_raw(self) -> String {
        self.done + &self.pending
    }
}

// printers.WriteEscaped: terminal escapes made visible.
fn escape(s: &str) -> String {
    if s.contains(['\x1b', '\r']) {
        s.replace('\x1b', "^[").replace('\r', "\\r")
    } else {
        s.to_string()
    }
}

/// `time.RFC1123Z` in UTC: `Thu, 01 Jan 2026 00:00:00 +0000`.
pub fn rfc1123z(timestamp: &str) -> String {
    let Some(t) = parse_rfc3339(timestamp) else {
        // Go formats the zero time.
        return "Mon, 01 Jan 0001 00:00:00 +0000".to_string();
    };
    let days = t.div_euclid(86_400);
    let rest = t.rem_euclid(86_400);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let date = apimachinery::time::format_rfc3339(t);
    let month_ix: usize = date.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .get(month_ix.saturating_sub(1))
    .copied()
    .unwrap_or("Jan");
    format!(
        "{weekday}, {} {month} {} {:02}:{:02}:{:02} +0000",
        date.get(8..10).unwrap_or("01"),
        date.get(0..4).unwrap_or("0001"),
        rest / 3600,
        (rest % 3600) / 60,
        rest % 60
    )
}

fn sorted_keys(map: &Value) -> Vec<(String, String)> {
    map.as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), scalar_string(v))).collect())
        .unwrap_or_default()
}

/// printLabelsMultilineWithIndent.
pub fn labels_multiline(w: &mut Writer, initial_indent: &str, title: &str, labels: &Value) {
    w.write(L0, &format!("{initial_indent}{title}:\t"));
    let keys = sorted_keys(labels);
    if keys.is_empty() {
        w.line("<none>");
        return;
    }
    for (ix, (k, v)) in keys.iter().enumerate() {
        if ix != 0 {
            w.write(L0, initial_indent);
            w.write(L0, "\t");
        }
        w.write(L0, &format!("{k}={v}\n"));
    }
}

const MAX_ANNOTATION_LEN: usize = 140;

/// printAnnotationsMultiline: last-applied-configuration is skipped; long or multi-line
/// values go on their own lines, shortened to 140 bytes.
pub fn annotations_multiline(w: &mut Writer, title: &str, annotations: &Value) {
    w.write(L0, &format!("{title}:\t"));
    let keys: Vec<(String, String)> = sorted_keys(annotations)
        .into_iter()
        .filter(|(k, _)| k != "kubectl.kubernetes.io/last-applied-configuration")
        .collect();
    if keys.is_empty() {
        w.line("<none>");
        return;
    }
    for (ix, (k, v)) in keys.iter().enumerate() {
        if ix != 0 {
            w.write(L0, "\t");
        }
        let value = v.strip_suffix('\n').unwrap_or(v);
        if value.len() + k.len() + 2 > MAX_ANNOTATION_LEN || value.contains('\n') {
            w.write(L0, &format!("{k}:\n"));
            for line in value.split('\n') {
                w.write(L0, &format!("\t  {}\n", shorten(line, MAX_ANNOTATION_LEN - 2)));
            }
        } else {
            w.write(L0, &format!("{k}: {value}\n"));
        }
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}...", s.get(..cut).unwrap_or(""))
    } else {
        s.to_string()
    }
}

/// printTolerationsMultilineWithIndent.
pub fn tolerations_multiline(w: &mut Writer, initial_indent: &str, title: &str, tolerations: &[Value]) {
    w.write(L0, &format!("{initial_indent}{title}:\t"));
    if tolerations.is_empty() {
        w.line("<none>");
        return;
    }
    let mut sorted: Vec<&Value> = tolerations.iter().collect();
    sorted.sort_by(|a, b| s(a, "key").cmp(s(b, "key")));
    for (ix, t) in sorted.iter().enumerate() {
        if ix != 0 {
            w.write(L0, initial_indent);
            w.write(L0, "\t");
        }
        let (key, value, effect) = (s(t, "key"), s(t, "value"), s(t, "effect"));
        let mut text = key.to_string();
        if !value.is_empty() {
            text.push_str(&format!("={value}"));
        }
        if !effect.is_empty() {
            text.push_str(&format!(":{effect}"));
        }
        if s(t, "operator") == "Exists" && value.is_empty() {
            if !key.is_empty() || !effect.is_empty() {
                text.push_str(" op=Exists");
            } else {
                text.push_str("op=Exists");
            }
        }
        if let Some(secs) = opt_i(t, "tolerationSeconds") {
            text.push_str(&format!(" for {secs}s"));
        }
        text.push('\n');
        w.write(L0, &text);
    }
}

/// Taint.ToString: `key=value:Effect`, `key:Effect`.
pub fn taint_string(t: &Value) -> String {
    let (key, value, effect) = (s(t, "key"), s(t, "value"), s(t, "effect"));
    if value.is_empty() {
        format!("{key}:{effect}")
    } else {
        format!("{key}={value}:{effect}")
    }
}

/// printTaintsMultilineWithIndent: sorted by `effect,key`.
pub fn taints_multiline(w: &mut Writer, title: &str, taints: &[Value]) {
    w.write(L0, &format!("{title}:\t"));
    if taints.is_empty() {
        w.line("<none>");
        return;
    }
    let mut sorted: Vec<&Value> = taints.iter().collect();
    sorted.sort_by_key(|t| format!("{},{}", s(t, "effect"), s(t, "key")));
    for (ix, t) in sorted.iter().enumerate() {
        if ix != 0 {
            w.write(L0, "\t");
        }
        w.write(L0, &format!("{}\n", taint_string(t)));
    }
}

/// DescribeEvents: `Events:  <none>` or the flushed events table, oldest first.
pub fn events(w: &mut Writer, events: &[Value], now: i64) {
    if events.is_empty() {
        w.write(L0, "Events:\t<none>\n");
        return;
    }
    w.flush();
    let mut sorted: Vec<&Value> = events.iter().collect();
    sorted.sort_by_key(|e| parse_rfc3339(s(e, "lastTimestamp")).unwrap_or(i64::MIN));
    w.write(L0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
    w.write(L1, "----\t------\t----\t----\t-------\n");
    for e in sorted {
        let first = if s(e, "eventTime").is_empty() {
            age(s(e, "firstTimestamp"), now)
        } else {
            age(s(e, "eventTime"), now)
        };
        let count = i(e, "count");
        let interval = if !at(e, "series").is_null() {
            format!(
                "{} (x{} over {first})",
                age(s(e, "series.lastObservedTime"), now),
                i(e, "series.count")
            )
        } else if count > 1 {
            format!("{} (x{count} over {first})", age(s(e, "lastTimestamp"), now))
        } else {
            first
        };
        let source = if s(e, "source.component").is_empty() {
            s(e, "reportingComponent")
        } else {
            s(e, "source.component")
        };
        let mut message = s(e, "message").trim().to_string();
        let field_path = s(e, "involvedObject.fieldPath");
        if !field_path.is_empty() {
            message = format!("{field_path}: {message}");
        }
        w.write(
            L1,
            &format!(
                "{}\t{}\t{interval}\t{source}\t{message}\n",
                s(e, "type"),
                s(e, "reason")
            ),
        );
    }
}

/// `Kind/name` of the controlling owner, if any.
pub fn controller_of(obj: &Value) -> Option<String> {
    arr(obj, "metadata.ownerReferences")
        .iter()
        .find(|r| b(r, "controller"))
        .map(|r| format!("{}/{}", s(r, "kind"), s(r, "name")))
}

/// The field selector kubectl uses to find an object's events (GetFieldSelector, fields
/// sorted by key).
pub fn event_field_selector(obj: &Value, kind: &str) -> String {
    let mut parts = vec![
        format!("involvedObject.kind={kind}"),
        format!("involvedObject.name={}", s(obj, "metadata.name")),
        format!("involvedObject.namespace={}", s(obj, "metadata.namespace")),
    ];
    let uid = s(obj, "metadata.uid");
    if !uid.is_empty() {
        parts.push(format!("involvedObject.uid={uid}"));
    }
    parts.join(",")
}

pub(crate) fn quantity(v: &Value) -> Quantity {
    Quantity::from_json(v)
        .and_then(Result::ok)
        .unwrap_or_else(|| Quantity::new(0, apimachinery::quantity::Format::DecimalSI))
}

pub(crate) fn bool_text(v: bool) -> &'static str {
    if v {
        "True"
    } else {
        "False"
    }
}
