//! The same seed and the same lines give the same transcript: UIDs, generated names,
//! ClusterIPs and timestamps all come from the simulation context.

const SCRIPT: &[&str] = &[
    "kubectl create ns demo",
    "kubectl create deployment web --image=nginx:1.27 --replicas=2 -n demo",
    "kubectl expose deployment web --port=80 -n demo",
    "kubectl create service nodeport np --tcp=80:8080 -n demo",
    "sleep 42",
    "kubectl get ns demo -o yaml",
    "kubectl get deploy,svc -n demo -o yaml",
    "kubectl get svc -n demo",
];

fn transcript(seed: u64) -> String {
    let mut sh = shell::Shell::new(cluster::Cluster::new(seed), Box::new(shell::MemoryFs::default()));
    let mut out = String::new();
    for line in SCRIPT {
        let r = sh.run_line(line);
        out.push_str(&format!("$ {line}\n{}[exit {}]\n", r.output.combined(), r.exit_code));
    }
    out
}

#[test]
fn the_same_seed_gives_the_same_transcript() {
    let a = transcript(7);
    assert_eq!(a, transcript(7));
    assert!(a.contains("uid: "), "the transcript shows UIDs:\n{a}");
}

#[test]
fn a_different_seed_gives_different_uids() {
    assert_ne!(transcript(7), transcript(8));
}

#[test]
fn a_restored_cluster_continues_exactly_like_the_original() {
    let mut a = shell::Shell::new(cluster::Cluster::new(3), Box::new(shell::MemoryFs::default()));
    a.run_line("kubectl create ns demo");
    let saved = a.cluster().snapshot();
    let restored = cluster::Cluster::restore(saved).expect("restore");
    let mut b = shell::Shell::new(restored, Box::new(shell::MemoryFs::default()));
    for line in [
        "kubectl create configmap c --from-literal=a=b -n demo",
        "sleep 5",
        "kubectl get cm c -n demo -o yaml",
    ] {
        assert_eq!(a.run_line(line), b.run_line(line), "{line}");
    }
}

/// The browser restores a build-time snapshot of `Cluster::new(seed)` instead of booting: it must
/// answer every line exactly as the freshly booted cluster does (resourceVersions included).
#[test]
fn a_restored_default_cluster_answers_like_a_freshly_booted_one() {
    let fresh = cluster::Cluster::new(1);
    let restored = cluster::Cluster::restore(fresh.snapshot()).expect("restore");
    let mut a = shell::Shell::new(fresh, Box::new(shell::MemoryFs::default()));
    let mut b = shell::Shell::new(restored, Box::new(shell::MemoryFs::default()));
    let lines = SCRIPT.iter().copied().chain([
        "kubectl get pods -A -o yaml",
        "kubectl get events -A",
        "kubectl get nodes -o yaml",
        "kubeplay node stop node02",
        "sleep 400",
        "kubectl get pods -A -o wide",
        "kubectl get endpointslices -A -o yaml",
    ]);
    for line in lines {
        assert_eq!(a.run_line(line), b.run_line(line), "{line}");
    }
    assert_eq!(a.cluster().resource_version(), b.cluster().resource_version());
}
