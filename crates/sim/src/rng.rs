use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The alphabet Kubernetes uses for generated names (k8s.io/apimachinery/pkg/util/rand):
/// no vowels, no confusable digits.
pub const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Named, independent random streams derived from one seed. Adding a consumer of a new
/// stream never shifts the numbers another stream yields. The state is kept as
/// (stream name → words consumed), so it serialises portably.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RngStreams {
    seed: u64,
    positions: BTreeMap<String, u64>,
}

impl RngStreams {
    pub fn new(seed: u64) -> Self {
        RngStreams {
            seed,
            positions: BTreeMap::new(),
        }
    }

    fn stream(&self, name: &str) -> ChaCha8Rng {
        // FNV-1a of the stream name, mixed with the seed: stable across platforms.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&self.seed.to_le_bytes());
        key[8..16].copy_from_slice(&h.to_le_bytes());
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_word_pos(u128::from(self.positions.get(name).copied().unwrap_or(0)));
        rng
    }

    fn with_stream<R>(&mut self, name: &str, f: impl FnOnce(&mut ChaCha8Rng) -> R) -> R {
        let mut rng = self.stream(name);
        let out = f(&mut rng);
        // A stream would need 2^64 words to overflow this: far beyond any session.
        self.positions.insert(name.to_string(), rng.get_word_pos() as u64);
        out
    }

    pub fn next_u64(&mut self, stream: &str) -> u64 {
        self.with_stream(stream, |r| r.next_u64())
    }

    /// A uniform integer in `0..n` (n > 0), without modulo bias; `0` when n is 0.
    pub fn below(&mut self, stream: &str, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        self.with_stream(stream, |r| {
            let zone = u64::MAX - (u64::MAX % n);
            loop {
                let v = r.next_u64();
                if v < zone {
                    return v % n;
                }
            }
        })
    }

    pub fn name_suffix(&mut self, stream: &str, n: usize) -> String {
        let alphabet_len = NAME_ALPHABET.len() as u64;
        (0..n)
            .map(|_| {
                let i = self.below(stream, alphabet_len) as usize;
                char::from(NAME_ALPHABET.get(i).copied().unwrap_or(b'x'))
            })
            .collect()
    }

    pub fn uuid(&mut self, stream: &str) -> String {
        let mut b = [0u8; 16];
        self.with_stream(stream, |r| r.fill_bytes(&mut b));
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    pub fn fill_bytes(&mut self, stream: &str, out: &mut [u8]) {
        self.with_stream(stream, |r| r.fill_bytes(out));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_gives_same_numbers_and_streams_are_independent() {
        let mut a = RngStreams::new(7);
        let mut b = RngStreams::new(7);
        let x = a.next_u64("names");
        b.next_u64("uid");
        assert_eq!(x, b.next_u64("names"));
    }

    #[test]
    fn state_survives_serialisation() {
        let mut a = RngStreams::new(1);
        a.next_u64("s");
        let mut b: RngStreams = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(a.next_u64("s"), b.next_u64("s"));
    }

    #[test]
    fn name_suffix_uses_the_kubernetes_alphabet() {
        let mut a = RngStreams::new(3);
        let s = a.name_suffix("names", 5);
        assert_eq!(s.len(), 5);
        assert!(s.bytes().all(|c| NAME_ALPHABET.contains(&c)));
    }

    #[test]
    fn uuid_is_version_4() {
        let u = RngStreams::new(9).uuid("uid");
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
    }
}
