//! Completion indexes of Indexed Jobs: the interval strings of `completedIndexes` and
//! `failedIndexes`, the index a pod carries, and the per-index failure counts.

use crate::util::*;
use serde_json::Value;
use std::collections::BTreeSet;

pub const COMPLETION_INDEX: &str = "batch.kubernetes.io/job-completion-index";
pub const INDEX_FAILURE_COUNT: &str = "batch.kubernetes.io/job-index-failure-count";
pub const INDEX_IGNORED_FAILURE_COUNT: &str = "batch.kubernetes.io/job-index-ignored-failure-count";

pub type Indexes = BTreeSet<i64>;

/// Formats indexes as upstream's orderedIntervals do: "0-2,5,7,8" (a run of two is written
/// as two numbers, longer runs as a range).
pub fn format_indexes(set: &Indexes) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut iter = set.iter().copied().peekable();
    while let Some(start) = iter.next() {
        let mut end = start;
        while iter.peek() == Some(&(end + 1)) {
            end += 1;
            iter.next();
        }
        parts.push(match end - start {
            0 => start.to_string(),
            1 => format!("{start},{end}"),
            _ => format!("{start}-{end}"),
        });
    }
    parts.join(",")
}

/// Parses an interval string ("0-2,5") back; malformed parts are skipped.
pub fn parse_indexes(s: &str) -> Indexes {
    let mut out = BTreeSet::new();
    for part in s.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<i64>(), b.parse::<i64>()) {
                    if b >= a && b - a < 1_000_000 {
                        out.extend(a..=b);
                    }
                }
            }
            None => {
                if let Ok(v) = part.parse() {
                    out.insert(v);
                }
            }
        }
    }
    out
}

/// The completion index a pod carries (annotation, else label).
pub fn pod_index(pod: &Value) -> Option<i64> {
    annotation(pod, COMPLETION_INDEX)
        .or_else(|| {
            pod.pointer("/metadata/labels")
                .and_then(|l| l.get(COMPLETION_INDEX))
                .and_then(Value::as_str)
        })
        .and_then(|v| v.parse().ok())
        .filter(|i: &i64| *i >= 0)
}

/// A per-index failure count annotation (0 when absent or not a valid int32).
pub fn failure_count(pod: &Value, key: &str) -> i64 {
    annotation(pod, key)
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|v| (0..=i64::from(i32::MAX)).contains(v))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_format_as_upstreams_intervals() {
        let set: Indexes = [0, 1, 2, 5, 7, 8, 10].into_iter().collect();
        assert_eq!(format_indexes(&set), "0-2,5,7,8,10");
        assert_eq!(parse_indexes("0-2,5,7,8,10"), set);
        assert_eq!(parse_indexes("x,3-1,4"), [4].into_iter().collect());
        assert_eq!(format_indexes(&Indexes::new()), "");
    }
}
