//! The binder against the real in-memory API server.

use super::*;
use apiserver::{ApiServer, ApiServerConfig};
use sim::SimContext;

struct Local {
    server: ApiServer,
    ctx: SimContext,
}

impl ApiClient for Local {
    fn request(&mut self, req: ApiRequest) -> Result<Value, ApiError> {
        self.server.handle(&mut self.ctx, req)
    }
}

struct World {
    api: Local,
    /// The binder and the protection controllers (the API server adds their finalizers).
    ctrls: Vec<Box<dyn Component>>,
    rng: RngStreams,
}

fn world() -> World {
    let mut server = ApiServer::with_config(ApiServerConfig::default());
    let mut ctx = SimContext::new(7, SimTime::from_unix_secs(sim::DEFAULT_EPOCH_SECONDS));
    server.bootstrap(&mut ctx).unwrap();
    World {
        api: Local { server, ctx },
        ctrls: vec![
            Box::new(persistentvolume_binder_controller()),
            Box::new(crate::pvc_protection_controller()),
            Box::new(crate::pv_protection_controller()),
        ],
        rng: RngStreams::new(7),
    }
}

impl World {
    /// Steps every controller once; the earliest wake-up any asked for.
    fn step_all(&mut self) -> StepResult {
        let now = self.api.ctx.now();
        let mut r = StepResult::idle();
        for c in &mut self.ctrls {
            r = r.merge(c.step(&mut self.api, now, &mut self.rng));
        }
        r
    }

    fn settle(&mut self) {
        for _ in 0..20 {
            if !self.step_all().did_work {
                break;
            }
        }
    }

    /// Lets `secs` of virtual time pass, stepping at every wake-up.
    fn advance(&mut self, secs: i64) {
        let end = self.api.ctx.now().add(Duration::from_secs(secs));
        loop {
            self.settle();
            let now = self.api.ctx.now();
            let wake = self.step_all().next_wakeup;
            match wake {
                Some(w) if w > now && w <= end => self.api.ctx.advance_to(w),
                _ => break,
            }
        }
        self.api.ctx.advance_to(end);
        self.settle();
    }

    fn create(&mut self, path: &str, obj: Value) {
        self.api.request(ApiRequest::post(path, obj)).unwrap();
        self.settle();
    }

    fn get(&mut self, path: &str) -> Value {
        self.api.request(ApiRequest::get(path)).unwrap()
    }

    fn events(&mut self) -> Vec<(String, String, String, i64)> {
        let list = self.get("/api/v1/events");
        let mut out: Vec<(String, String, String, i64)> = list["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|e| {
                (
                    format!(
                        "{}/{}",
                        str_at(e, "/involvedObject/kind"),
                        str_at(e, "/involvedObject/name")
                    ),
                    format!("{} {}", str_at(e, "/type"), str_at(e, "/reason")),
                    str_at(e, "/message").to_string(),
                    int_at(e, "/count"),
                )
            })
            .collect();
        out.sort();
        out
    }
}

const PVS: &str = "/api/v1/persistentvolumes";
const PVCS: &str = "/api/v1/namespaces/default/persistentvolumeclaims";

/// kubernetes.io's pods/storage/pv-volume.yaml.
fn task_pv(policy: &str, path: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": "task-pv-volume", "labels": {"type": "local"}},
        "spec": {"storageClassName": "manual", "capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": policy, "hostPath": {"path": path}}})
}

/// kubernetes.io's pods/storage/pv-claim.yaml.
fn task_claim() -> Value {
    json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "task-pv-claim"},
        "spec": {"storageClassName": "manual", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "3Gi"}}}})
}

#[test]
fn a_matching_claim_binds_to_the_host_path_volume() {
    let mut w = world();
    w.create(PVS, task_pv("Retain", "/mnt/data"));
    let pv = w.get(&format!("{PVS}/task-pv-volume"));
    assert_eq!(pv["status"]["phase"], "Available");
    w.create(PVCS, task_claim());
    let pv = w.get(&format!("{PVS}/task-pv-volume"));
    let claim = w.get(&format!("{PVCS}/task-pv-claim"));
    assert_eq!(pv["status"]["phase"], "Bound");
    assert_eq!(pv["spec"]["claimRef"]["name"], "task-pv-claim");
    assert_eq!(pv["spec"]["claimRef"]["namespace"], "default");
    assert_eq!(pv["spec"]["claimRef"]["uid"], claim["metadata"]["uid"]);
    assert_eq!(pv["spec"]["claimRef"]["kind"], "PersistentVolumeClaim");
    assert_eq!(pv["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER], "yes");
    assert!(pv["status"]["lastPhaseTransitionTime"].is_string());
    assert_eq!(claim["spec"]["volumeName"], "task-pv-volume");
    assert_eq!(claim["metadata"]["annotations"][ANN_BIND_COMPLETED], "yes");
    assert_eq!(claim["metadata"]["annotations"][ANN_BOUND_BY_CONTROLLER], "yes");
    assert_eq!(
        claim["status"],
        json!({"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"}})
    );
    assert!(w.events().is_empty());
}

#[test]
fn claims_without_a_volume_stay_pending_with_upstream_events() {
    let mut w = world();
    let mut plain = task_claim();
    plain["metadata"]["name"] = json!("plain");
    plain["spec"].as_object_mut().unwrap().remove("storageClassName");
    w.create(PVCS, plain);
    w.create(PVCS, task_claim());
    w.advance(31);
    assert_eq!(w.get(&format!("{PVCS}/plain"))["status"]["phase"], "Pending");
    assert_eq!(
        w.events(),
        vec![
            (
                "PersistentVolumeClaim/plain".into(),
                "Normal FailedBinding".into(),
                "no persistent volumes available for this claim and no storage class is set".into(),
                3
            ),
            (
                "PersistentVolumeClaim/task-pv-claim".into(),
                "Warning ProvisioningFailed".into(),
                "storageclass.storage.k8s.io \"manual\" not found".into(),
                3
            ),
        ]
    );
    // A volume that appears later is found by the next resync (a new volume does not wake
    // the claims).
    w.create(PVS, task_pv("Retain", "/mnt/data"));
    assert_eq!(w.get(&format!("{PVCS}/task-pv-claim"))["status"]["phase"], "Pending");
    w.advance(15);
    assert_eq!(w.get(&format!("{PVCS}/task-pv-claim"))["status"]["phase"], "Bound");
}

#[test]
fn an_external_provisioner_is_waited_for() {
    let mut w = world();
    w.create(
        "/apis/storage.k8s.io/v1/storageclasses",
        json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "manual"},
            "provisioner": "rancher.io/local-path"}),
    );
    w.create(PVCS, task_claim());
    let claim = w.get(&format!("{PVCS}/task-pv-claim"));
    assert_eq!(
        claim["metadata"]["annotations"][ANN_STORAGE_PROVISIONER],
        "rancher.io/local-path"
    );
    assert_eq!(
        claim["metadata"]["annotations"][ANN_BETA_STORAGE_PROVISIONER],
        "rancher.io/local-path"
    );
    let events = w.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1, "Normal ExternalProvisioning");
    assert!(events[0].2.starts_with(
        "Waiting for a volume to be created either by the external provisioner 'rancher.io/local-path' or manually"
    ));
}

#[test]
fn deleting_the_claim_releases_or_deletes_the_volume() {
    for (policy, path, phase) in [
        ("Retain", "/mnt/data", Some("Released")),
        ("Delete", "/mnt/data", Some("Failed")),
        ("Delete", "/tmp/data", None),
    ] {
        let mut w = world();
        w.create(PVS, task_pv(policy, path));
        w.create(PVCS, task_claim());
        w.api
            .request(ApiRequest::delete(format!("{PVCS}/task-pv-claim")))
            .unwrap();
        w.settle();
        let pv = w.api.request(ApiRequest::get(format!("{PVS}/task-pv-volume")));
        match phase {
            Some(p) => {
                let pv = pv.unwrap();
                assert_eq!(pv["status"]["phase"], p, "{policy} {path}");
                assert_eq!(pv["spec"]["claimRef"]["name"], "task-pv-claim");
            }
            None => assert_eq!(pv.unwrap_err().code(), 404),
        }
        if phase == Some("Failed") {
            let msg = "host_path deleter only supports /tmp/.+ but received provided /mnt/data";
            let pv = w.get(&format!("{PVS}/task-pv-volume"));
            assert_eq!(pv["status"]["message"], msg);
            assert_eq!(
                w.events(),
                vec![(
                    "PersistentVolume/task-pv-volume".into(),
                    "Warning VolumeFailedDelete".into(),
                    msg.into(),
                    1
                )]
            );
        }
    }
}

#[test]
fn pre_bound_claims_and_volumes_bind_to_each_other_only() {
    let mut w = world();
    let mut reserved = task_pv("Retain", "/mnt/a");
    reserved["metadata"]["name"] = json!("reserved");
    reserved["spec"]["claimRef"] = json!({"namespace": "default", "name": "mine"});
    w.create(PVS, reserved);
    w.create(PVS, task_pv("Retain", "/mnt/b"));
    let mut other = task_claim();
    other["metadata"]["name"] = json!("other");
    w.create(PVCS, other);
    let mut mine = task_claim();
    mine["metadata"]["name"] = json!("mine");
    w.create(PVCS, mine);
    assert_eq!(w.get(&format!("{PVCS}/other"))["spec"]["volumeName"], "task-pv-volume");
    let claim = w.get(&format!("{PVCS}/mine"));
    assert_eq!(claim["spec"]["volumeName"], "reserved");
    let pv = w.get(&format!("{PVS}/reserved"));
    // A user's pre-binding is not marked as the controller's.
    assert!(pv["metadata"]["annotations"].get(ANN_BOUND_BY_CONTROLLER).is_none());
    assert_eq!(pv["status"]["phase"], "Bound");

    // A claim asking for a volume too small for it.
    let mut small = task_pv("Retain", "/mnt/c");
    small["metadata"]["name"] = json!("small");
    small["spec"]["capacity"]["storage"] = json!("1Gi");
    w.create(PVS, small);
    let mut wants = task_claim();
    wants["metadata"]["name"] = json!("wants");
    wants["spec"]["volumeName"] = json!("small");
    w.create(PVCS, wants);
    assert_eq!(w.get(&format!("{PVCS}/wants"))["status"]["phase"], "Pending");
    assert!(w.events().contains(&(
        "PersistentVolumeClaim/wants".into(),
        "Warning VolumeMismatch".into(),
        "Cannot bind to requested volume \"small\": requested PV is too small".into(),
        1
    )));
}

#[test]
fn a_deleted_volume_leaves_its_claim_lost() {
    let mut w = world();
    w.create(PVS, task_pv("Retain", "/mnt/data"));
    w.create(PVCS, task_claim());
    w.api
        .request(ApiRequest::delete(format!("{PVS}/task-pv-volume")))
        .unwrap();
    w.settle();
    // pv-protection keeps a Bound volume (Terminating) …
    let pv = w.get(&format!("{PVS}/task-pv-volume"));
    assert!(pv["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(pv["metadata"]["finalizers"], json!(["kubernetes.io/pv-protection"]));
    assert_eq!(w.get(&format!("{PVCS}/task-pv-claim"))["status"]["phase"], "Bound");
    // … until its finalizer is removed by hand.
    w.api
        .request(ApiRequest::patch(
            format!("{PVS}/task-pv-volume"),
            apimachinery::request::PatchType::Merge,
            json!({"metadata": {"finalizers": null}}),
        ))
        .unwrap();
    w.settle();
    assert_eq!(w.get(&format!("{PVCS}/task-pv-claim"))["status"]["phase"], "Lost");
    assert!(w.events().contains(&(
        "PersistentVolumeClaim/task-pv-claim".into(),
        "Warning ClaimLost".into(),
        "Bound claim has lost its PersistentVolume. Data on the volume is lost!".into(),
        1
    )));
}
