//! The deterministic simulation context every other crate draws time and randomness from.
//!
//! Nothing in kubeplay below the composition root reads the wall clock or OS entropy: a
//! [`SimContext`] built from `(seed, epoch)` hands out virtual time ([`SimTime`]), named
//! ChaCha random streams and UIDs, so the same seed and commands give the same transcript
//! natively and in wasm. This crate knows nothing about Kubernetes.

mod clock;
mod rng;

pub use clock::{Duration, SimTime, TimerQueue};
pub use rng::{RngStreams, NAME_ALPHABET};

use serde::{Deserialize, Serialize};

/// Default epoch of a fresh cluster's clock: 2026-01-01T00:00:00Z.
pub const DEFAULT_EPOCH_SECONDS: i64 = 1_767_225_600;

/// Virtual clock plus seeded randomness, passed explicitly (never global).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimContext {
    now: SimTime,
    rng: RngStreams,
}

impl SimContext {
    pub fn new(seed: u64, epoch: SimTime) -> Self {
        SimContext {
            now: epoch,
            rng: RngStreams::new(seed),
        }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Moves virtual time forward; time never goes back.
    pub fn advance(&mut self, by: Duration) {
        self.now = self.now.add(by);
    }

    /// Sets the clock to `to` if that is later than now.
    pub fn advance_to(&mut self, to: SimTime) {
        if to > self.now {
            self.now = to;
        }
    }

    pub fn rng(&mut self) -> &mut RngStreams {
        &mut self.rng
    }

    /// A random RFC 4122 version-4 UUID, as the API server assigns to `metadata.uid`.
    pub fn uid(&mut self) -> String {
        self.rng.uuid("uid")
    }

    /// `n` characters of Kubernetes' name alphabet (`bcdfghjklmnpqrstvwxz2456789`), as
    /// `metadata.generateName` uses.
    pub fn name_suffix(&mut self, n: usize) -> String {
        self.rng.name_suffix("names", n)
    }
}
