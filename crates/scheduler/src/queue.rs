//! The scheduling queue (internal/queue): activeQ ordered by PrioritySort (priority, then
//! the time the pod entered the queue), backoffQ (1 s doubling to 10 s per attempt) and the
//! unschedulable pods, flushed after 5 minutes or moved by cluster events.

use crate::cache::PodKey;
use sim::{Duration, SimTime};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

pub const INITIAL_BACKOFF: Duration = Duration::from_secs(1);
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);
pub const MAX_IN_UNSCHEDULABLE: Duration = Duration::from_secs(300);

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
    place: Where,
}

type ActiveKey = (Reverse<i64>, SimTime, u64, PodKey);

#[derive(Debug, Clone, Default)]
pub struct SchedulingQueue {
    entries: BTreeMap<PodKey, Entry>,
    active: BTreeSet<ActiveKey>,
    seq: u64,
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
        self.seq += 1;
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
                backoff_until: now,
                unschedulable_since: now,
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

    /// The next pod to schedule (highest priority, then earliest), counting an attempt.
    pub fn pop(&mut self) -> Option<PodKey> {
        let first = self.active.iter().next().cloned()?;
        self.active.remove(&first);
        let key = first.3;
        if let Some(e) = self.entries.get_mut(&key) {
            e.place = Where::InFlight;
            e.attempts += 1;
        }
        Some(key)
    }

    /// After a failed attempt: unschedulable (FitError) or straight to backoff (errors).
    pub fn requeue_failed(&mut self, key: &PodKey, unschedulable: bool, now: SimTime) {
        let Some(e) = self.entries.get_mut(key) else { return };
        e.backoff_until = now.add(backoff_duration(e.attempts));
        e.unschedulable_since = now;
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
            let backing_off = self.entries.get(k).is_some_and(|e| e.backoff_until > now);
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
                Where::Backoff if e.backoff_until <= now => Some((k.clone(), Where::Active)),
                Where::Unschedulable if now.since(e.unschedulable_since) >= MAX_IN_UNSCHEDULABLE => Some((
                    k.clone(),
                    if e.backoff_until > now {
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
                Where::Backoff => Some(e.backoff_until),
                Where::Unschedulable => Some(e.unschedulable_since.add(MAX_IN_UNSCHEDULABLE)),
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
    fn unschedulable_pods_wait_for_an_event_or_five_minutes() {
        let mut q = SchedulingQueue::default();
        q.add(k("p"), 0, SimTime(0));
        assert_eq!(q.pop(), Some(k("p")));
        q.requeue_failed(&k("p"), true, SimTime(0));
        assert_eq!(q.next_deadline(), Some(SimTime(300_000)));
        assert!(!q.flush(SimTime(299_999)));
        assert_eq!(q.pop(), None);
        // An event during backoff sends it to backoffQ, then activeQ when the 1 s ends.
        assert_eq!(q.move_unschedulable(SimTime(500), |_| true), 1);
        assert_eq!(q.place(&k("p")), Some(Where::Backoff));
        assert!(q.flush(SimTime(1000)));
        assert_eq!(q.pop(), Some(k("p")));
        q.requeue_failed(&k("p"), true, SimTime(2000));
        assert!(q.flush(SimTime(302_000)));
        assert_eq!(q.pop(), Some(k("p")));
    }
}
