//! Boots the default cluster at build time and embeds its snapshot, so the page restores a
//! ready cluster (tens of milliseconds) instead of simulating kubeadm's first five minutes on
//! cold, not yet optimised wasm code (most of a second). The snapshot comes from the same
//! `Cluster::new(SEED)` the page would run, so the cluster a learner gets is the same either way.

use std::path::PathBuf;

/// The seed of the page's default cluster.
const SEED: u64 = 1;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let snapshot = cluster::Cluster::new(SEED).snapshot();
    let text = serde_json::to_string(&snapshot).expect("a snapshot is plain JSON");
    std::fs::write(out.join("boot-snapshot.json"), text).expect("OUT_DIR is writable");
    std::fs::write(
        out.join("boot.rs"),
        format!(
            "/// The seed of the default cluster.\npub const SEED: u64 = {SEED};\n\
             /// `Cluster::new(SEED).snapshot()`, taken at build time (web/build.rs).\n\
             pub const SNAPSHOT: &str = include_str!(concat!(env!(\"OUT_DIR\"), \"/boot-snapshot.json\"));\n"
        ),
    )
    .expect("OUT_DIR is writable");
}
