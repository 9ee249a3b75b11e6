//! `controller.ControllerExpectations`: how many creates and deletes a controller still
//! waits to see in its informer before it trusts its cache enough to act again.

use serde::{Deserialize, Serialize};
use sim::{Duration, SimTime};
use std::collections::BTreeMap;

/// Expectations older than this are considered satisfied (`ExpectationsTimeout`, 5 min).
pub const EXPECTATIONS_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Expectation {
    add: i64,
    del: i64,
    set_at: SimTime,
}

/// Keyed by `namespace/name` of the controller object.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Expectations {
    map: BTreeMap<String, Expectation>,
}

impl Expectations {
    /// `SatisfiedExpectations`: nothing pending, or the expectations expired, or none recorded.
    pub fn satisfied(&self, key: &str, now: SimTime) -> bool {
        match self.map.get(key) {
            None => true,
            Some(e) => (e.add <= 0 && e.del <= 0) || now.since(e.set_at) > EXPECTATIONS_TIMEOUT,
        }
    }

    pub fn expect(&mut self, key: &str, add: i64, del: i64, now: SimTime) {
        self.map.insert(key.to_string(), Expectation { add, del, set_at: now });
    }

    pub fn creation_observed(&mut self, key: &str) {
        if let Some(e) = self.map.get_mut(key) {
            e.add -= 1;
        }
    }

    pub fn deletion_observed(&mut self, key: &str) {
        if let Some(e) = self.map.get_mut(key) {
            e.del -= 1;
        }
    }

    /// Lowers the pending creations by `n` (creates that were never attempted).
    pub fn lower_creations(&mut self, key: &str, n: i64) {
        if let Some(e) = self.map.get_mut(key) {
            e.add -= n;
        }
    }

    pub fn delete(&mut self, key: &str) {
        self.map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expectations_are_satisfied_when_observed_or_expired() {
        let t0 = SimTime(1_000_000);
        let mut e = Expectations::default();
        assert!(e.satisfied("ns/a", t0));
        e.expect("ns/a", 2, 0, t0);
        assert!(!e.satisfied("ns/a", t0));
        e.creation_observed("ns/a");
        assert!(!e.satisfied("ns/a", t0));
        e.lower_creations("ns/a", 1);
        assert!(e.satisfied("ns/a", t0));
        e.expect("ns/a", 0, 1, t0);
        assert!(!e.satisfied("ns/a", t0.add(Duration::from_secs(300))));
        assert!(e.satisfied("ns/a", t0.add(Duration::from_secs(301))));
    }
}
