//! Watch: a bounded history of every write (like the watch cache), and pull-style watchers
//! that replay what they missed.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};

/// Identifies an open watch.
pub type WatchId = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WatchEventType {
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}

/// One watch event as it travels over the wire: `{"type": "ADDED", "object": {…}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchEvent {
    #[serde(rename = "type")]
    pub event_type: WatchEventType,
    pub object: Value,
}

/// One write, as recorded in the history.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct HistoryEvent {
    pub rv: u64,
    /// Storage prefix (`/registry/pods`).
    pub prefix: String,
    pub event_type: WatchEventType,
    pub object: Value,
    /// The previous state, for MODIFIED (to turn selector transitions into ADDED/DELETED).
    pub prev: Option<Value>,
}

/// What a watcher asked for.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Watcher {
    pub prefix: String,
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespace: Option<String>,
    pub label_selector: String,
    pub field_selector: String,
    /// The resourceVersion up to which events have been delivered.
    pub position: u64,
    pub pending: VecDeque<WatchEvent>,
    pub closed: bool,
}

/// The history plus the open watchers.
///
/// A saved hub keeps no history, as a restarted API server's watch cache starts empty: its floor
/// becomes the newest resourceVersion, so a watch from before the save gets 410 Gone and
/// relists (informers relist after a restore anyway). The history was most of a snapshot.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct WatchHub {
    pub capacity: usize,
    #[serde(default)]
    pub events: VecDeque<HistoryEvent>,
    /// The resourceVersion of the newest event dropped from the history (0: none yet).
    pub floor: u64,
    pub watchers: BTreeMap<WatchId, Watcher>,
    pub next_id: WatchId,
}

impl Serialize for WatchHub {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let floor = self.events.back().map_or(self.floor, |e| e.rv.max(self.floor));
        let mut hub = serializer.serialize_struct("WatchHub", 4)?;
        hub.serialize_field("capacity", &self.capacity)?;
        hub.serialize_field("floor", &floor)?;
        hub.serialize_field("watchers", &self.watchers)?;
        hub.serialize_field("next_id", &self.next_id)?;
        hub.end()
    }
}

impl WatchHub {
    pub fn new(capacity: usize) -> Self {
        WatchHub {
            capacity: capacity.max(1),
            events: VecDeque::new(),
            floor: 0,
            watchers: BTreeMap::new(),
            next_id: 1,
        }
    }

    pub fn record(&mut self, ev: HistoryEvent) {
        self.events.push_back(ev);
        while self.events.len() > self.capacity {
            if let Some(old) = self.events.pop_front() {
                self.floor = old.rv;
            }
        }
    }

    /// `Err(message)` when events after `rv` are no longer all in the history.
    pub fn check_rv(&self, rv: u64) -> Result<(), String> {
        if rv < self.floor {
            return Err(format!("too old resource version: {rv} ({})", self.floor));
        }
        Ok(())
    }

    /// History events with a resourceVersion greater than `rv`, oldest first.
    pub fn since(&self, rv: u64) -> impl Iterator<Item = &HistoryEvent> {
        let start = self.events.partition_point(|e| e.rv <= rv);
        self.events.range(start..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(rv: u64) -> HistoryEvent {
        HistoryEvent {
            rv,
            prefix: "/registry/pods".into(),
            event_type: WatchEventType::Added,
            object: json!({}),
            prev: None,
        }
    }

    #[test]
    fn a_saved_hub_keeps_no_history_and_sends_older_watches_away() {
        let mut h = WatchHub::new(10);
        for rv in 1..=4 {
            h.record(ev(rv));
        }
        let saved = serde_json::to_value(&h).unwrap();
        assert!(saved.get("events").is_none());
        let restored: WatchHub = serde_json::from_value(saved).unwrap();
        assert_eq!(restored.since(0).count(), 0);
        assert!(restored.check_rv(4).is_ok());
        assert_eq!(restored.check_rv(3), Err("too old resource version: 3 (4)".to_string()));
        assert_eq!(restored.capacity, 10);
    }

    #[test]
    fn history_drops_oldest_and_reports_the_floor() {
        let mut h = WatchHub::new(2);
        for rv in 1..=4 {
            h.record(ev(rv));
        }
        assert_eq!(h.since(0).map(|e| e.rv).collect::<Vec<_>>(), vec![3, 4]);
        assert!(h.check_rv(2).is_ok());
        assert_eq!(h.check_rv(1), Err("too old resource version: 1 (2)".to_string()));
    }

    #[test]
    fn events_serialise_with_upstream_type_names() {
        let e = WatchEvent {
            event_type: WatchEventType::Modified,
            object: json!({"a": 1}),
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"type": "MODIFIED", "object": {"a": 1}})
        );
    }
}
