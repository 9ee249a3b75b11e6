//! client-go's rate-limited delaying work queue (k8s.io/client-go/util/workqueue), single
//! threaded and on virtual time.
//!
//! Semantics kept from upstream: a key is queued at most once (adding a queued key is a
//! no-op); `add_after` keeps the earliest pending deadline of a key; `add_rate_limited` waits
//! the larger of the per-item exponential backoff and the overall token bucket
//! (`DefaultControllerRateLimiter`: 5 ms × 2^failures up to 1000 s, and 10 qps with a burst of
//! 100); `forget` clears a key's failures. Ready keys come out in insertion order (FIFO).
//! There is no `done`: a component processes a popped key within the same step, so a key
//! added while "processing" is simply queued again.

use serde::{Deserialize, Serialize};
use sim::{Duration, SimTime};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// How long `add_rate_limited` waits (client-go's `TypedRateLimiter`s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimiter {
    /// Per-item exponential backoff: base and cap, in milliseconds.
    pub base_ms: i64,
    pub max_ms: i64,
    /// Overall token bucket (queries per second, burst), when present.
    pub bucket: Option<(i64, i64)>,
}

impl RateLimiter {
    /// `workqueue.DefaultTypedControllerRateLimiter`: max of 5 ms..1000 s per item and a
    /// 10 qps / 100 burst bucket.
    pub fn default_controller() -> Self {
        RateLimiter {
            base_ms: 5,
            max_ms: 1_000_000,
            bucket: Some((10, 100)),
        }
    }

    /// `NewTypedItemExponentialFailureRateLimiter(base, max)` alone.
    pub fn item_exponential(base: Duration, max: Duration) -> Self {
        RateLimiter {
            base_ms: base.as_millis(),
            max_ms: max.as_millis(),
            bucket: None,
        }
    }

    /// The per-item delay after `failures` previous failures.
    pub fn item_delay(&self, failures: u32) -> Duration {
        let mut d = self.base_ms.max(0);
        for _ in 0..failures {
            d = d.saturating_mul(2);
            if d >= self.max_ms {
                return Duration::from_millis(self.max_ms);
            }
        }
        Duration::from_millis(d.min(self.max_ms))
    }
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::default_controller()
    }
}

/// The rate-limited delaying queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(serialize = "K: Serialize", deserialize = "K: Deserialize<'de> + Ord"))]
pub struct WorkQueue<K: Ord + Clone> {
    limiter: RateLimiter,
    /// Ready keys in FIFO order; `queued` mirrors it for dedup.
    ready: VecDeque<K>,
    #[serde(skip)]
    queued: BTreeSet<K>,
    /// Keys waiting for a deadline: (deadline, sequence, key), earliest first.
    waiting: Vec<(SimTime, u64, K)>,
    seq: u64,
    failures: Vec<(K, u32)>,
    /// Token bucket state: milli-tokens and when they were last counted.
    bucket_milli_tokens: i64,
    bucket_last: Option<SimTime>,
    /// Rebuilt after deserialising (`queued`, failure map).
    #[serde(skip)]
    indexed: bool,
    #[serde(skip)]
    failure_map: BTreeMap<K, u32>,
}

impl<K: Ord + Clone> Default for WorkQueue<K> {
    fn default() -> Self {
        Self::new(RateLimiter::default_controller())
    }
}

impl<K: Ord + Clone> WorkQueue<K> {
    pub fn new(limiter: RateLimiter) -> Self {
        let burst = limiter.bucket.map(|(_, b)| b).unwrap_or(0);
        WorkQueue {
            limiter,
            ready: VecDeque::new(),
            queued: BTreeSet::new(),
            waiting: Vec::new(),
            seq: 0,
            failures: Vec::new(),
            bucket_milli_tokens: burst.saturating_mul(1000),
            bucket_last: None,
            indexed: true,
            failure_map: BTreeMap::new(),
        }
    }

    fn reindex(&mut self) {
        if self.indexed {
            return;
        }
        self.queued = self.ready.iter().cloned().collect();
        self.failure_map = self.failures.iter().cloned().collect();
        // A hand-edited save may list waiting keys out of order; lookups rely on the order.
        self.waiting.sort_by_key(|a| (a.0, a.1));
        self.indexed = true;
    }

    fn sync_failures(&mut self) {
        self.failures = self.failure_map.iter().map(|(k, n)| (k.clone(), *n)).collect();
    }

    /// Queues `key` now (no-op when it is already ready). A pending delayed add stays.
    pub fn add(&mut self, key: K) {
        self.reindex();
        if self.queued.insert(key.clone()) {
            self.ready.push_back(key);
        }
    }

    /// Queues `key` at `at`; when the key is already waiting, the earlier deadline wins.
    pub fn add_after(&mut self, key: K, at: SimTime) {
        self.reindex();
        if let Some(pos) = self.waiting.iter().position(|(_, _, k)| *k == key) {
            let existing = self.waiting.get(pos).map(|(t, _, _)| *t);
            if existing.is_some_and(|t| t <= at) {
                return;
            }
            self.waiting.remove(pos);
        }
        self.seq = self.seq.wrapping_add(1);
        let entry = (at, self.seq, key);
        let idx = self.waiting.partition_point(|(t, s, _)| (*t, *s) < (entry.0, entry.1));
        self.waiting.insert(idx, entry);
    }

    /// Queues `key` after its rate-limited delay and counts a failure.
    pub fn add_rate_limited(&mut self, key: K, now: SimTime) {
        self.reindex();
        let failures = self.failure_map.get(&key).copied().unwrap_or(0);
        let item = self.limiter.item_delay(failures);
        self.failure_map.insert(key.clone(), failures.saturating_add(1));
        self.sync_failures();
        let bucket = self.bucket_delay(now);
        let delay = item.max(bucket);
        self.add_after(key, now.add(delay));
    }

    /// golang.org/x/time/rate `Reserve` on a bucket of `qps` refilling up to `burst`.
    fn bucket_delay(&mut self, now: SimTime) -> Duration {
        let Some((qps, burst)) = self.limiter.bucket else {
            return Duration::ZERO;
        };
        if qps <= 0 {
            return Duration::ZERO;
        }
        let last = self.bucket_last.unwrap_or(now);
        let elapsed = now.since(last).as_millis().max(0);
        // qps tokens per 1000 ms = qps milli-tokens per ms.
        let refill = elapsed.saturating_mul(qps);
        self.bucket_milli_tokens = self
            .bucket_milli_tokens
            .saturating_add(refill)
            .min(burst.saturating_mul(1000));
        self.bucket_last = Some(now.max(last));
        self.bucket_milli_tokens = self.bucket_milli_tokens.saturating_sub(1000);
        if self.bucket_milli_tokens >= 0 {
            Duration::ZERO
        } else {
            // -tokens / qps seconds, rounded up to whole milliseconds.
            let deficit = self.bucket_milli_tokens.saturating_neg();
            Duration::from_millis(deficit.saturating_add(qps - 1) / qps)
        }
    }

    /// Clears the failures of `key` (its next rate-limited add starts at the base delay).
    pub fn forget(&mut self, key: &K) {
        self.reindex();
        if self.failure_map.remove(key).is_some() {
            self.sync_failures();
        }
    }

    /// How many times `key` was re-queued rate-limited since the last `forget`.
    pub fn num_requeues(&self, key: &K) -> u32 {
        if self.indexed {
            return self.failure_map.get(key).copied().unwrap_or(0);
        }
        self.failures
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    }

    /// Moves keys whose deadline has come into the ready queue.
    fn promote(&mut self, now: SimTime) {
        let due = self.waiting.partition_point(|(t, _, _)| *t <= now);
        let moved: Vec<(SimTime, u64, K)> = self.waiting.drain(..due).collect();
        for (_, _, key) in moved {
            self.add(key);
        }
    }

    /// The next ready key at `now`, if any; the key leaves the queue.
    pub fn pop_ready(&mut self, now: SimTime) -> Option<K> {
        self.reindex();
        self.promote(now);
        let key = self.ready.pop_front()?;
        self.queued.remove(&key);
        Some(key)
    }

    /// Whether a key is ready at `now`.
    pub fn has_ready(&self, now: SimTime) -> bool {
        !self.ready.is_empty() || self.waiting.first().is_some_and(|(t, _, _)| *t <= now)
    }

    /// The earliest deadline of a waiting key.
    pub fn next_deadline(&self) -> Option<SimTime> {
        self.waiting.first().map(|(t, _, _)| *t)
    }

    /// Ready plus waiting keys (a key both ready and waiting counts twice).
    pub fn len(&self) -> usize {
        self.ready.len() + self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ready.is_empty() && self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: i64) -> SimTime {
        SimTime(ms)
    }

    #[test]
    fn a_hand_edited_saved_queue_neither_panics_nor_loses_order() {
        let saved = serde_json::json!({
            "limiter": {"base_ms": 5, "max_ms": 1000, "bucket": [10, 100]},
            "ready": [], "waiting": [[20, 2, "late"], [10, 1, "early"]],
            "seq": u64::MAX, "failures": [],
            "bucket_milli_tokens": i64::MIN, "bucket_last": null
        });
        let mut q: WorkQueue<String> = serde_json::from_value(saved).unwrap();
        q.add_rate_limited("x".into(), t(0));
        assert_eq!(q.pop_ready(t(15)).as_deref(), Some("early"));
        assert_eq!(q.pop_ready(t(15)), None);
        assert_eq!(q.pop_ready(t(20)).as_deref(), Some("late"));
    }

    #[test]
    fn a_key_added_twice_is_processed_once_and_order_is_fifo() {
        let mut q: WorkQueue<String> = WorkQueue::default();
        q.add("b".into());
        q.add("a".into());
        q.add("b".into());
        assert_eq!(q.pop_ready(t(0)).as_deref(), Some("b"));
        assert_eq!(q.pop_ready(t(0)).as_deref(), Some("a"));
        assert_eq!(q.pop_ready(t(0)), None);
        q.add("b".into());
        assert_eq!(q.pop_ready(t(0)).as_deref(), Some("b"));
    }

    #[test]
    fn delayed_keys_wait_for_their_deadline_and_the_earliest_deadline_wins() {
        let mut q: WorkQueue<u32> = WorkQueue::default();
        q.add_after(1, t(100));
        q.add_after(1, t(50));
        q.add_after(1, t(70));
        q.add_after(2, t(60));
        assert_eq!(q.next_deadline(), Some(t(50)));
        assert_eq!(q.pop_ready(t(49)), None);
        assert_eq!(q.pop_ready(t(60)), Some(1));
        assert_eq!(q.pop_ready(t(60)), Some(2));
        assert_eq!(q.next_deadline(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn rate_limited_adds_back_off_exponentially_until_forgotten() {
        let mut q: WorkQueue<&str> = WorkQueue::default();
        let now = t(1_000);
        let mut deadlines = Vec::new();
        for _ in 0..4 {
            q.add_rate_limited("k", now);
            deadlines.push(q.next_deadline().map(|d| d.0 - now.0));
            assert_eq!(q.pop_ready(t(10_000_000)), Some("k"));
        }
        assert_eq!(deadlines, vec![Some(5), Some(10), Some(20), Some(40)]);
        assert_eq!(q.num_requeues(&"k"), 4);
        q.forget(&"k");
        q.add_rate_limited("k", now);
        assert_eq!(q.next_deadline(), Some(t(1_005)));
    }

    #[test]
    fn item_backoff_is_capped_at_1000_seconds() {
        let l = RateLimiter::default_controller();
        assert_eq!(l.item_delay(0), Duration::from_millis(5));
        assert_eq!(l.item_delay(17), Duration::from_millis(655_360));
        assert_eq!(l.item_delay(18), Duration::from_secs(1000));
        assert_eq!(l.item_delay(500), Duration::from_secs(1000));
    }

    #[test]
    fn the_token_bucket_delays_beyond_a_burst_of_100() {
        let mut q: WorkQueue<u32> = WorkQueue::default();
        for k in 0..100 {
            q.add_rate_limited(k, t(0));
        }
        // All 100 within the burst: only the 5 ms item delay.
        assert_eq!(q.next_deadline(), Some(t(5)));
        q.add_rate_limited(100, t(0));
        // The 101st waits for one token at 10 qps.
        let last = q.waiting.iter().find(|(_, _, k)| *k == 100).map(|(at, _, _)| *at);
        assert_eq!(last, Some(t(100)));
    }

    #[test]
    fn the_queue_survives_serialisation() {
        let mut q: WorkQueue<String> = WorkQueue::default();
        q.add("a".into());
        q.add_rate_limited("b".into(), t(0));
        let mut back: WorkQueue<String> = serde_json::from_value(serde_json::to_value(&q).unwrap()).unwrap();
        back.add("a".into());
        assert_eq!(back.num_requeues(&"b".to_string()), 1);
        assert_eq!(back.pop_ready(t(10)).as_deref(), Some("a"));
        assert_eq!(back.pop_ready(t(10)).as_deref(), Some("b"));
        assert_eq!(back.pop_ready(t(10)), None);
    }
}
