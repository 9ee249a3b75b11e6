use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A span of virtual time, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct Duration(pub i64);

impl Duration {
    pub const ZERO: Duration = Duration(0);
    pub const fn from_millis(ms: i64) -> Self {
        Duration(ms)
    }
    pub const fn from_secs(s: i64) -> Self {
        Duration(s.saturating_mul(1000))
    }
    pub const fn as_millis(self) -> i64 {
        self.0
    }
    /// Whole seconds, rounded down.
    pub const fn as_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }
}

/// A point in virtual time: milliseconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct SimTime(pub i64);

impl SimTime {
    pub const fn from_unix_secs(s: i64) -> Self {
        SimTime(s.saturating_mul(1000))
    }
    pub const fn unix_millis(self) -> i64 {
        self.0
    }
    /// Whole seconds since the Unix epoch, rounded down (metav1.Time has second precision).
    pub const fn unix_secs(self) -> i64 {
        self.0.div_euclid(1000)
    }
    pub const fn add(self, d: Duration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
    pub const fn since(self, earlier: SimTime) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

/// Timers ordered by (deadline, insertion sequence), so equal deadlines fire in the order
/// they were set: deterministic without any hashing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimerQueue<T> {
    seq: u64,
    timers: BTreeMap<(SimTime, u64), T>,
}

impl<T> Default for TimerQueue<T> {
    fn default() -> Self {
        TimerQueue {
            seq: 0,
            timers: BTreeMap::new(),
        }
    }
}

impl<T> TimerQueue<T> {
    pub fn schedule(&mut self, at: SimTime, item: T) {
        self.seq = self.seq.wrapping_add(1);
        self.timers.insert((at, self.seq), item);
    }
    /// The earliest deadline, if any timer is set.
    pub fn next_deadline(&self) -> Option<SimTime> {
        self.timers.keys().next().map(|(t, _)| *t)
    }
    /// Removes and returns the earliest timer whose deadline is at or before `now`.
    pub fn pop_due(&mut self, now: SimTime) -> Option<(SimTime, T)> {
        let key = *self.timers.keys().next()?;
        if key.0 > now {
            return None;
        }
        self.timers.remove(&key).map(|item| (key.0, item))
    }
    pub fn len(&self) -> usize {
        self.timers.len()
    }
    pub fn is_empty(&self) -> bool {
        self.timers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timers_with_equal_deadlines_fire_in_insertion_order() {
        let mut q = TimerQueue::default();
        q.schedule(SimTime(10), "b");
        q.schedule(SimTime(5), "a");
        q.schedule(SimTime(10), "c");
        assert_eq!(q.pop_due(SimTime(4)), None);
        assert_eq!(q.pop_due(SimTime(10)), Some((SimTime(5), "a")));
        assert_eq!(q.pop_due(SimTime(10)), Some((SimTime(10), "b")));
        assert_eq!(q.pop_due(SimTime(10)), Some((SimTime(10), "c")));
        assert!(q.is_empty());
    }
}
