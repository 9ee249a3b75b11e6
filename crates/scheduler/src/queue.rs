//! The scheduling queue (backend/queue): activeQ ordered by PrioritySort (priority, then
//! the time the pod entered the queue), backoffQ (1 s doubling to 10 s per failed attempt)
//! and the unschedulable pods, moved by cluster events or flushed after 5 minutes.
//!
//! v1.37 details kept: backoff expiries are truncated to whole seconds and a pod is still
//! backing off while its expiry is not before the current second (the backoffQ ordering
//! window); backoffQ is flushed on whole seconds; with SchedulerPopFromBackoffQ (on by
//! default) an idle scheduler takes pods from backoffQ (not the error backoff) at once;
//! leftover unschedulable pods are flushed by a 30 s ticker once they waited more than
//! 5 minutes.

use crate::cache::PodKey;
use sim::{Duration, SimTime};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

pub const INITIAL_BACKOFF: Duration = Duration::from_secs(1);
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);
pub const MAX_IN_UNSCHEDULABLE: Duration = Duration::from_secs(300);
/// flushUnschedulablePodsLeftover runs every 30 s.
pub const UNSCHEDULABLE_FLUSH_PERIOD: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    Active,
    Backoff,
    Unschedulable,
    /// Popped and being scheduled.
    InFlight,
}

#[derive(Debug, Clone)]
struct Entry {
    priority: i64,
    timestamp: SimTime,
    seq: u64,
    attempts: u32,
    backoff_until: SimTime,
    unschedulable_since: SimTime,
    /// The last attempt ended in an error (error backoffQ: never popped early).
    error: bool,
    place: Where,
}

type ActiveKey = (Reverse<i64>, SimTime, u64, PodKey);

#[derive(Debug, Clone, Default)]
pub struct SchedulingQueue {
    entries: BTreeMap<PodKey, Entry>,
    active: BTreeSet<ActiveKey>,
    seq: u64,
    /// When the queue started: the 30 s flush ticker counts from here.
    origin: Option<SimTime>,
}

/// Truncates to the whole second (the backoffQ ordering window).
fn window(t: SimTime) -> SimTime {
    SimTime::from_unix_secs(t.unix_secs())
}

/// Backoff after `attempts` attempts: 1 s, 2 s, 4 s, 8 s, 10 s, …
pub fn backoff_duration(attempts: u32) -> Duration {
    let mut d = INITIAL_BACKOFF.as_millis();
    for _ in 1..attempts {
        d = d.saturating_mul(2);
        if d >= MAX_BACKOFF.as_millis() {
            return MAX_BACKOFF;
        }
    }
    Duration::from_millis(d)
}

impl SchedulingQueue {
    fn active_key(key: &PodKey, e: &Entry) -> ActiveKey {
        (Reverse(e.priority), e.timestamp, e.seq, key.clone())
    }

    fn set_place(&mut self, key: &PodKey, place: Where, now: SimTime) {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let Some(e) = self.entries.get_mut(key) else { return };
        if e.place == Where::Active {
            let k = (Reverse(e.priority), e.timestamp, e.seq, key.clone());
            self.active.remove(&k);
        }
        e.place = place;
        if place == Where::Active {
            e.timestamp = now;
            e.seq = seq;
            let k = Self::active_key(key, e);
            self.active.insert(k);
        }
    }

    /// Starts the flush ticker at `now` (the first call wins).
    pub fn start(&mut self, now: SimTime) {
        self.origin.get_or_insert(now);
    }

    fn backing_off(e: &Entry, now: SimTime) -> bool {
        e.backoff_until >= window(now)
    }

    /// The first 30 s tick after `since` + 5 minutes (strictly later, as upstream compares).
    fn unschedulable_flush_at(&self, since: SimTime) -> SimTime {
        let origin = self.origin.unwrap_or(since);
        let due = since.add(MAX_IN_UNSCHEDULABLE).0 + 1;
        let period = UNSCHEDULABLE_FLUSH_PERIOD.as_millis();
        let ticks = (due - origin.0 + period - 1).div_euclid(period).max(1);
        SimTime(origin.0 + ticks * period)
    }

    /// A new pending pod goes to activeQ; a known one keeps its place (priority refreshed).
    pub fn add(&mut self, key: PodKey, priority: i64, now: SimTime) {
        if let Some(e) = self.entries.get(&key) {
            if e.priority != priority && e.place == Where::Active {
                let e = e.clone();
                self.active.remove(&Self::active_key(&key, &e));
                if let Some(m) = self.entries.get_mut(&key) {
                    m.priority = priority;
                    self.active.insert(Self::active_key(&key, m));
                }
            } else if let Some(m) = self.entries.get_mut(&key) {
                m.priority = priority;
            }
            return;
        }
        self.entries.insert(
            key.clone(),
            Entry {
                priority,
                timestamp: now,
                seq: 0,
                attempts: 0,
                backoff_until: SimTime(i64::MIN),
                unschedulable_since: now,
                error: false,
                place: Where::InFlight,
            },
        );
        self.set_place(&key, Where::Active, now);
    }

    pub fn remove(&mut self, key: &PodKey) {
        if let Some(e) = self.entries.remove(key) {
            if e.place == Where::Active {
                self.active.remove(&Self::active_key(key, &e));
            }
        }
    }

    pub fn contains(&self, key: &PodKey) -> bool {
        self.entries.contains_key(key)
    }

    pub fn place(&self, key: &PodKey) -> Option<Where> {
        self.entries.get(key).map(|e| e.place)
    }

    /// The next pod to schedule (highest priority, then earliest), counting an attempt. With
    /// activeQ empty, the first pod of backoffQ (by expiry, then priority) goes early.
    pub fn pop(&mut self) -> Option<PodKey> {
        let key = match self.active.iter().next().cloned() {
            Some(first) => {
                self.active.remove(&first);
                first.3
            }
            None => self
                .entries
                .iter()
                .filter(|(_, e)| e.place == Where::Backoff && !e.error)
                .min_by_key(|(k, e)| (e.backoff_until, Reverse(e.priority), e.timestamp, e.seq, (*k).clone()))
                .map(|(k, _)| k.clone())?,
        };
        if let Some(e) = self.entries.get_mut(&key) {
            e.place = Where::InFlight;
            e.attempts = e.attempts.saturating_add(1);
        }
        Some(key)
    }

    /// After a failed attempt: unschedulable (FitError) or straight to backoff (errors).
    pub fn requeue_failed(&mut self, key: &PodKey, unschedulable: bool, now: SimTime) {
        let Some(e) = self.entries.get_mut(key) else { return };
        e.backoff_until = window(now.add(backoff_duration(e.attempts)));
        e.unschedulable_since = now;
        e.error = !unschedulable;
        let place = if unschedulable {
            Where::Unschedulable
        } else {
            Where::Backoff
        };
        self.set_place(key, place, now);
    }

    /// Moves unschedulable pods selected by `which` to backoffQ or activeQ (an event that
    /// may make them schedulable).
    pub fn move_unschedulable(&mut self, now: SimTime, which: impl Fn(&PodKey) -> bool) -> usize {
        let keys: Vec<PodKey> = self
            .entries
            .iter()
            .filter(|(k, e)| e.place == Where::Unschedulable && which(k))
            .map(|(k, _)| k.clone())
            .collect();
        for k in &keys {
            let backing_off = self.entries.get(k).is_some_and(|e| Self::backing_off(e, now));
            self.set_place(k, if backing_off { Where::Backoff } else { Where::Active }, now);
        }
        keys.len()
    }

    /// Moves pods whose backoff ended to activeQ, and pods unschedulable for 5 minutes out.
    pub fn flush(&mut self, now: SimTime) -> bool {
        let due: Vec<(PodKey, Where)> = self
            .entries
            .iter()
            .filter_map(|(k, e)| match e.place {
                Where::Backoff if !Self::backing_off(e, now) => Some((k.clone(), Where::Active)),
                Where::Unschedulable if self.unschedulable_flush_at(e.unschedulable_since) <= now => Some((
                    k.clone(),
                    if Self::backing_off(e, now) {
                        Where::Backoff
                    } else {
                        Where::Active
                    },
                )),
                _ => None,
            })
            .collect();
        for (k, w) in &due {
            self.set_place(k, *w, now);
        }
        !due.is_empty()
    }

    /// When the queue next has something to do on its own.
    pub fn next_deadline(&self) -> Option<SimTime> {
        self.entries
            .values()
            .filter_map(|e| match e.place {
                // Done in the first whole second after the expiry's window.
                Where::Backoff => Some(e.backoff_until.add(Duration::from_secs(1))),
                Where::Unschedulable => Some(self.unschedulable_flush_at(e.unschedulable_since)),
                _ => None,
            })
            .min()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(n: &str) -> PodKey {
        ("default".to_string(), n.to_string())
    }

    #[test]
    fn higher_priority_pops_first_then_the_earlier_pod() {
        let mut q = SchedulingQueue::default();
        q.add(k("low"), 0, SimTime(1));
        q.add(k("high"), 1000, SimTime(2));
        q.add(k("low2"), 0, SimTime(3));
        assert_eq!(q.pop(), Some(k("high")));
        assert_eq!(q.pop(), Some(k("low")));
        assert_eq!(q.pop(), Some(k("low2")));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn backoff_doubles_from_one_second_to_ten() {
        let got: Vec<i64> = (1..=6).map(|a| backoff_duration(a).as_secs()).collect();
        assert_eq!(got, vec![1, 2, 4, 8, 10, 10]);
    }

    #[test]
    fn unschedulable_pods_wait_for_an_event_or_the_first_tick_after_five_minutes() {
        let mut q = SchedulingQueue::default();
        q.start(SimTime(0));
        q.add(k("p"), 0, SimTime(0));
        assert_eq!(q.pop(), Some(k("p")));
        q.requeue_failed(&k("p"), true, SimTime(10_000));
        // 5 minutes after 10 s is 310 s; the ticker runs every 30 s from 0: 330 s.
        assert_eq!(q.next_deadline(), Some(SimTime(330_000)));
        assert!(!q.flush(SimTime(329_999)));
        assert_eq!(q.pop(), None);
        // An event during backoff sends it to backoffQ; backoff expires at the 11 s window,
        // so the flush moves it to activeQ at 12 s.
        assert_eq!(q.move_unschedulable(SimTime(10_500), |_| true), 1);
        assert_eq!(q.place(&k("p")), Some(Where::Backoff));
        assert_eq!(q.next_deadline(), Some(SimTime(12_000)));
        assert!(!q.flush(SimTime(11_999)));
        assert!(q.flush(SimTime(12_000)));
        assert_eq!(q.place(&k("p")), Some(Where::Active));
    }

    #[test]
    fn an_idle_queue_pops_from_backoff_early_but_not_after_errors() {
        let mut q = SchedulingQueue::default();
        q.start(SimTime(0));
        q.add(k("p"), 0, SimTime(0));
        q.add(k("e"), 0, SimTime(0));
        q.pop();
        q.pop();
        q.requeue_failed(&k("p"), true, SimTime(0));
        q.requeue_failed(&k("e"), false, SimTime(0));
        q.move_unschedulable(SimTime(100), |_| true);
        assert_eq!(q.pop(), Some(k("p")));
        assert_eq!(q.pop(), None);
        assert!(q.flush(SimTime(2_000)));
        assert_eq!(q.pop(), Some(k("e")));
    }
}
