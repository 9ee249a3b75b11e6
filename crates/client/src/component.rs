//! The contract between the cluster loop and every control-plane component.

use apimachinery::ApiClient;
use sim::{RngStreams, SimTime};

/// What one step of a component did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StepResult {
    /// The step changed something or consumed queued work; the loop steps every component
    /// again until none did.
    pub did_work: bool,
    /// When the component wants to run next even if nothing changes (a timer, a backoff).
    pub next_wakeup: Option<SimTime>,
}

impl StepResult {
    pub fn idle() -> Self {
        StepResult::default()
    }

    pub fn worked() -> Self {
        StepResult {
            did_work: true,
            next_wakeup: None,
        }
    }

    /// Adds a wake-up time, keeping the earliest.
    pub fn wake_at(mut self, at: Option<SimTime>) -> Self {
        self.next_wakeup = earliest(self.next_wakeup, at);
        self
    }

    /// Combines two results (work if either worked, the earliest wake-up).
    pub fn merge(self, other: StepResult) -> Self {
        StepResult {
            did_work: self.did_work || other.did_work,
            next_wakeup: earliest(self.next_wakeup, other.next_wakeup),
        }
    }
}

/// The earlier of two optional times.
pub fn earliest(a: Option<SimTime>, b: Option<SimTime>) -> Option<SimTime> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// A control-plane component driven by the cluster loop.
///
/// The loop (crates/cluster) repeats `step` on every component in a fixed order until no
/// component did work, then jumps the clock to the earliest `next_wakeup` (bounded by the
/// target time) and repeats. A component sees the world only through `api` (list + watch,
/// writes), as a real controller does.
pub trait Component {
    fn name(&self) -> &'static str;
    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, rng: &mut RngStreams) -> StepResult;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_work_and_the_earliest_wakeup() {
        let a = StepResult {
            did_work: false,
            next_wakeup: Some(SimTime(50)),
        };
        let b = StepResult {
            did_work: true,
            next_wakeup: Some(SimTime(20)),
        };
        assert_eq!(
            a.merge(b),
            StepResult {
                did_work: true,
                next_wakeup: Some(SimTime(20))
            }
        );
        assert_eq!(StepResult::idle().wake_at(None), StepResult::idle());
        assert_eq!(
            StepResult::idle().wake_at(Some(SimTime(3))).next_wakeup,
            Some(SimTime(3))
        );
    }
}
