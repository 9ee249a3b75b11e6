//! `kubectl events` (k8s.io/kubectl/pkg/cmd/events): events sorted by when they were last
//! seen, in the LAST SEEN / TYPE / REASON / OBJECT / MESSAGE table, `--for TYPE/NAME`,
//! `--types`, `-A`, `-o`, and `-w` on the virtual clock.

use super::watch::{self, ListWatch};
use crate::ctx::Ctx;
use crate::error::{CmdError, CmdResult};
use crate::flags::Parsed;
use crate::printers::tabwriter;
use apimachinery::time::{human_duration, parse_rfc3339};
use apimachinery::ApiRequest;
use serde_json::Value;

fn str_at<'a>(v: &'a Value, p: &str) -> &'a str {
    v.pointer(p).and_then(Value::as_str).unwrap_or("")
}

fn since(now: i64, ts: &str) -> String {
    match parse_rfc3339(ts) {
        Some(t) if !ts.is_empty() => human_duration(now - t),
        _ => "<unknown>".to_string(),
    }
}

/// getInterval.
fn interval(e: &Value, now: i64) -> String {
    let event_time = str_at(e, "/eventTime");
    let first = if event_time.is_empty() {
        since(now, str_at(e, "/firstTimestamp"))
    } else {
        since(now, event_time)
    };
    let count = e.get("count").and_then(Value::as_i64).unwrap_or(0);
    if let Some(series) = e.get("series").filter(|s| s.is_object()) {
        let n = series.get("count").and_then(Value::as_i64).unwrap_or(0);
        format!(
            "{} (x{n} over {first})",
            since(now, str_at(series, "/lastObservedTime"))
        )
    } else if count > 1 {
        format!("{} (x{count} over {first})", since(now, str_at(e, "/lastTimestamp")))
    } else {
        first
    }
}

/// eventTime: what the events are sorted by.
fn event_time(e: &Value) -> i64 {
    let pick = |p: &str| parse_rfc3339(str_at(e, p));
    e.get("series")
        .filter(|s| s.is_object())
        .and_then(|_| pick("/series/lastObservedTime"))
        .or_else(|| pick("/lastTimestamp"))
        .or_else(|| pick("/eventTime"))
        .unwrap_or(0)
}

fn row(e: &Value, now: i64, all_namespaces: bool) -> String {
    let mut s = String::new();
    if all_namespaces {
        s.push_str(&format!("{}\t", str_at(e, "/metadata/namespace")));
    }
    s.push_str(&format!(
        "{}\t{}\t{}\t{}/{}\t{}\n",
        interval(e, now),
        str_at(e, "/type"),
        str_at(e, "/reason"),
        str_at(e, "/involvedObject/kind"),
        str_at(e, "/involvedObject/name"),
        str_at(e, "/message").trim()
    ));
    s
}

fn header(all_namespaces: bool) -> String {
    let ns = if all_namespaces { "NAMESPACE\t" } else { "" };
    format!("{ns}LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n")
}

fn with_kind(mut e: Value) -> Value {
    if let Some(o) = e.as_object_mut() {
        o.entry("kind").or_insert(Value::String("Event".into()));
        o.entry("apiVersion").or_insert(Value::String("v1".into()));
    }
    e
}

pub async fn run(ctx: &mut Ctx<'_>, flags: &Parsed) -> CmdResult {
    let types = flags.strings("types");
    for t in &types {
        if !t.eq_ignore_ascii_case("Normal") && !t.eq_ignore_ascii_case("Warning") {
            return Err(CmdError::msg("valid --types are Normal or Warning"));
        }
    }
    let format = super::output_format(flags)?;
    let all = ctx.all_namespaces;
    let ns = ctx.namespace.clone();
    let mut field_selector = String::new();
    let for_object = flags.string("for");
    if !for_object.is_empty() {
        let Some((res, name)) = for_object.split_once('/') else {
            return Err(CmdError::msg("--for must be in resource/name form"));
        };
        if name.contains('/') {
            return Err(CmdError::msg(
                "arguments in resource/name form may not have more than one slash",
            ));
        }
        let info = ctx.resolve(&res.to_ascii_lowercase())?;
        field_selector = format!(
            "involvedObject.kind={},involvedObject.apiVersion={},involvedObject.name={name}",
            info.kind,
            info.api_version()
        );
    }
    let path = if all {
        "/api/v1/events".to_string()
    } else {
        format!("/api/v1/namespaces/{ns}/events")
    };
    let wanted = |e: &Value| types.is_empty() || types.iter().any(|t| t.eq_ignore_ascii_case(str_at(e, "/type")));
    let no_headers = flags.bool("no-headers");
    if flags.bool("watch") {
        // runWatch: existing events first, then new ones; deletions are not shown.
        let mut lw = ListWatch::new(path.clone()).with_field_selector(&field_selector);
        let mut req = ApiRequest::get(path);
        if !field_selector.is_empty() {
            req = req.with_query("fieldSelector", field_selector.clone());
        }
        let list = ctx.request(req.with_query("limit", "500")).map_err(CmdError::Api)?;
        let rv = str_at(&list, "/metadata/resourceVersion").to_string();
        let items: Vec<Value> = list.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
        lw.start_at(&rv, &items);
        let mut headers_printed = false;
        // A watch without a resourceVersion starts with every existing event as ADDED.
        let _ = watch::until(ctx, &mut lw, items, watch::DEFAULT_CAP_SECS, &mut |ctx, ev| {
            if ev.event_type == "DELETED" || !wanted(&ev.object) {
                return Ok(false);
            }
            if !format.is_empty() {
                crate::output::print_object(ctx, &with_kind(ev.object.clone()), &format)?;
                return Ok(false);
            }
            let mut text = String::new();
            if !no_headers && !headers_printed {
                text.push_str(&header(all));
                headers_printed = true;
            }
            let now = ctx.host.now_unix();
            text.push_str(&row(&ev.object, now, all));
            ctx.stdout(tabwriter::align(&text));
            Ok(false)
        })
        .await?;
        return Ok(());
    }
    let mut req = ApiRequest::get(path);
    if !field_selector.is_empty() {
        req = req.with_query("fieldSelector", field_selector.clone());
    }
    let list = ctx.request(req.with_query("limit", "500")).map_err(CmdError::Api)?;
    let mut events: Vec<Value> = list
        .get("items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| wanted(e))
        .map(with_kind)
        .collect();
    if events.is_empty() {
        if all {
            ctx.stderr("No events found.\n");
        } else {
            ctx.stderr(format!("No events found in {ns} namespace.\n"));
        }
        return Ok(());
    }
    // sort.Sort is not stable; kubeplay keeps list order among equal times.
    events.sort_by_key(event_time);
    if !format.is_empty() {
        let list = serde_json::json!({"kind": "EventList", "apiVersion": "v1", "metadata": {}, "items": events});
        return crate::output::print_object(ctx, &list, &format);
    }
    let now = ctx.host.now_unix();
    let mut text = if no_headers { String::new() } else { header(all) };
    for e in &events {
        text.push_str(&row(e, now, all));
    }
    ctx.stdout(tabwriter::align(&text));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn intervals_show_counts_over_the_first_time() {
        let now = 1_000_000;
        let ts = |ago: i64| apimachinery::time::format_rfc3339(now - ago);
        let single = json!({"firstTimestamp": ts(30), "lastTimestamp": ts(30), "count": 1});
        assert_eq!(interval(&single, now), "30s");
        let repeated = json!({"firstTimestamp": ts(600), "lastTimestamp": ts(5), "count": 5});
        assert_eq!(interval(&repeated, now), "5s (x5 over 10m)");
        assert_eq!(interval(&json!({}), now), "<unknown>");
    }

    #[test]
    fn rows_name_the_involved_object() {
        let e = json!({"type": "Normal", "reason": "Scheduled", "message": " Assigned \n",
            "involvedObject": {"kind": "Pod", "name": "web-1"}, "metadata": {"namespace": "default"}});
        assert_eq!(
            row(&e, 0, true),
            "default\t<unknown>\tNormal\tScheduled\tPod/web-1\tAssigned\n"
        );
    }
}
