//! client-go's `flowcontrol.Backoff` for one key, on virtual time, with the kubelet's
//! expiry rule: the delay doubles from `initial` up to `max`; an entry idle longer than the
//! expiry window starts over.

use serde::{Deserialize, Serialize};
use sim::{Duration, SimTime};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
    /// When an entry counts as expired (kubelet containers: 600 s; images: 2 × max).
    pub expiry: Duration,
    /// (current delay, last update) once `next` was called.
    entry: Option<(Duration, SimTime)>,
}

impl Backoff {
    pub fn new(initial: Duration, max: Duration, expiry: Duration) -> Self {
        Backoff {
            initial,
            max,
            expiry,
            entry: None,
        }
    }

    /// The kubelet's container restart backoff: 10 s doubling to 300 s, reset after 600 s.
    pub fn container_restart() -> Self {
        Self::new(
            Duration::from_secs(10),
            Duration::from_secs(300),
            Duration::from_secs(600),
        )
    }

    /// The kubelet's image pull backoff: 10 s doubling to 300 s (default expiry 2 × max).
    pub fn image_pull() -> Self {
        Self::new(
            Duration::from_secs(10),
            Duration::from_secs(300),
            Duration::from_secs(600),
        )
    }

    fn expired(&self, at: SimTime, last: SimTime) -> bool {
        at.since(last) > self.expiry
    }

    /// `Next(id, eventTime)`: starts at `initial` or doubles (capped), remembering `at`.
    pub fn next(&mut self, at: SimTime) {
        let delay = match self.entry {
            Some((d, last)) if !self.expired(at, last) => {
                Duration::from_millis((d.as_millis() * 2).min(self.max.as_millis()))
            }
            _ => self.initial,
        };
        self.entry = Some((delay, at));
    }

    /// `Get(id)`: the current delay (zero when none).
    pub fn get(&self) -> Duration {
        self.entry.map(|(d, _)| d).unwrap_or(Duration::ZERO)
    }

    /// `IsInBackOffSince(id, eventTime)`: now − eventTime < delay, unless the entry expired
    /// (containers: eventTime is when the container finished).
    pub fn in_backoff_since(&self, event_time: SimTime, now: SimTime) -> bool {
        match self.entry {
            Some((d, last)) if !self.expired(event_time, last) => now.since(event_time) < d,
            _ => false,
        }
    }

    /// `IsInBackOffSinceUpdate(id, now)`: now − last update < delay (image pulls).
    pub fn in_backoff_since_update(&self, now: SimTime) -> bool {
        match self.entry {
            Some((d, last)) if !self.expired(now, last) => now.since(last) < d,
            _ => false,
        }
    }

    /// When `in_backoff_since(event_time, …)` turns false.
    pub fn release_since(&self, event_time: SimTime) -> SimTime {
        event_time.add(self.get())
    }

    /// When `in_backoff_since_update` turns false.
    pub fn release_since_update(&self) -> Option<SimTime> {
        self.entry.map(|(d, last)| last.add(d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> SimTime {
        SimTime::from_unix_secs(s)
    }

    #[test]
    fn container_restarts_back_off_ten_twenty_forty_up_to_three_hundred_seconds() {
        let mut b = Backoff::container_restart();
        let mut delays = Vec::new();
        let mut now = t(1000);
        for _ in 0..8 {
            b.next(now);
            delays.push(b.get().as_secs());
            now = now.add(b.get());
        }
        assert_eq!(delays, vec![10, 20, 40, 80, 160, 300, 300, 300]);
    }

    #[test]
    fn a_container_that_ran_ten_minutes_starts_over_at_ten_seconds() {
        let mut b = Backoff::container_restart();
        b.next(t(0));
        b.next(t(10));
        assert_eq!(b.get().as_secs(), 20);
        // It finished 601 s after the last restart: the entry expired.
        assert!(!b.in_backoff_since(t(611), t(611)));
        b.next(t(611));
        assert_eq!(b.get().as_secs(), 10);
    }

    #[test]
    fn in_backoff_since_counts_from_the_event_time() {
        let mut b = Backoff::container_restart();
        assert!(!b.in_backoff_since(t(5), t(5)));
        b.next(t(5));
        assert!(b.in_backoff_since(t(6), t(15)));
        assert!(!b.in_backoff_since(t(6), t(16)));
        assert_eq!(b.release_since(t(6)), t(16));
        assert!(b.in_backoff_since_update(t(14)));
        assert!(!b.in_backoff_since_update(t(15)));
    }
}
