//! The pod garbage collector (pkg/controller/podgc, `pod-garbage-collector-controller`):
//! every 20 s it force-deletes pods no kubelet will ever finish —
//! - orphans: pods bound to a node that is gone (after the name has been missing for the
//!   40 s quarantine and a GET confirms it), marked Failed with a DisruptionTarget condition
//!   "PodGC: node no longer exists" first;
//! - terminating pods on a NotReady node tainted `node.kubernetes.io/out-of-service`;
//! - terminating pods that were never scheduled.
//!
//! The terminated-pod threshold (12500) is not reached in a playground and is left out.
//! The passes keep upstream's 20 s rhythm from the controller's start, but the component
//! only wakes for them while some pod is a candidate.

use crate::util::*;
use apimachinery::request::PatchType;
use apimachinery::{ApiClient, ApiError, ApiRequest};
use client::{Component, Informer, ResourcePath, StepResult};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sim::{Duration, RngStreams, SimTime};
use std::collections::{BTreeMap, BTreeSet};

const GC_CHECK_PERIOD: Duration = Duration::from_secs(20);
const QUARANTINE_TIME: Duration = Duration::from_secs(40);
const OUT_OF_SERVICE: &str = "node.kubernetes.io/out-of-service";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PodGarbageCollector {
    pods: Informer,
    nodes: Informer,
    /// The first pass (controller start); passes follow every 20 s.
    start: Option<SimTime>,
    last_pass: Option<SimTime>,
    /// Missing node names and when their quarantine ends (the delaying nodeQueue).
    quarantine: BTreeMap<String, SimTime>,
}

pub fn pod_garbage_collector() -> PodGarbageCollector {
    PodGarbageCollector {
        pods: Informer::new(ResourcePath::core("pods")),
        nodes: Informer::new(ResourcePath::core("nodes")),
        start: None,
        last_pass: None,
        quarantine: BTreeMap::new(),
    }
}

fn node_ready(node: &Value) -> bool {
    node.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| str_at(c, "/type") == "Ready" && str_at(c, "/status") == "True")
        })
}

fn out_of_service(node: &Value) -> bool {
    node.pointer("/spec/taints")
        .and_then(Value::as_array)
        .is_some_and(|ts| ts.iter().any(|t| str_at(t, "/key") == OUT_OF_SERVICE))
}

impl PodGarbageCollector {
    /// The last pass time at or before `now`.
    fn pass_at_or_before(&self, now: SimTime) -> Option<SimTime> {
        let start = self.start?;
        if now < start {
            return None;
        }
        let period = GC_CHECK_PERIOD.as_secs().max(1);
        let n = now.since(start).as_secs() / period;
        Some(start.add(Duration::from_secs(n * period)))
    }

    fn next_pass_after(&self, now: SimTime) -> Option<SimTime> {
        self.pass_at_or_before(now).map(|p| p.add(GC_CHECK_PERIOD))
    }

    fn existing_nodes(&self) -> BTreeSet<String> {
        self.nodes.list().map(|n| meta_str(n, "name").to_string()).collect()
    }

    /// Pods a pass would act on, or quarantined names to confirm.
    fn has_candidates(&self) -> bool {
        if !self.quarantine.is_empty() {
            return true;
        }
        let nodes = self.existing_nodes();
        self.pods.list().any(|p| {
            let node = str_at(p, "/spec/nodeName");
            let terminating = is_being_deleted(p);
            (!node.is_empty() && !nodes.contains(node))
                || (terminating && node.is_empty())
                || (terminating
                    && self
                        .nodes
                        .get("", node)
                        .is_some_and(|n| !node_ready(n) && out_of_service(n)))
        })
    }

    /// markFailedAndDeletePodWithCondition: Failed (with the condition) unless already
    /// finished, then deleted with no grace period.
    fn mark_failed_and_delete(
        &self,
        api: &mut dyn ApiClient,
        now: SimTime,
        pod: &Value,
        condition: Option<(&str, &str)>,
    ) -> Result<(), ApiError> {
        let (ns, name) = key_of(pod);
        let path = object_path("v1", "pods", &ns, &name);
        if !matches!(pod_phase(pod), "Succeeded" | "Failed") {
            let mut status = json!({"phase": "Failed"});
            if let Some((reason, message)) = condition {
                let mut conds: Vec<Value> = pod
                    .pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                conds.retain(|c| str_at(c, "/type") != "DisruptionTarget");
                conds.push(
                    json!({"type": "DisruptionTarget", "status": "True", "lastProbeTime": null,
                    "lastTransitionTime": rfc3339(now), "reason": reason, "message": message}),
                );
                status["conditions"] = Value::Array(conds);
            }
            match api.request(ApiRequest::patch(
                format!("{path}/status"),
                PatchType::Merge,
                json!({"status": status}),
            )) {
                Ok(_) => {}
                Err(e) if e.code() == 404 => return Ok(()),
                Err(e) => return Err(e),
            }
        }
        let req = ApiRequest::delete(path)
            .with_body(json!({"kind": "DeleteOptions", "apiVersion": "v1", "gracePeriodSeconds": 0}));
        match api.request(req) {
            Ok(_) => Ok(()),
            Err(e) if e.code() == 404 => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// One gc pass (gcTerminating, gcOrphaned, gcUnscheduledTerminating).
    fn gc(&mut self, api: &mut dyn ApiClient, now: SimTime) -> Result<(), ApiError> {
        let pods: Vec<Value> = self.pods.list().cloned().collect();
        let nodes = self.existing_nodes();

        let mut terminating: Vec<&Value> = pods
            .iter()
            .filter(|p| is_being_deleted(p))
            .filter(|p| {
                self.nodes
                    .get("", str_at(p, "/spec/nodeName"))
                    .is_some_and(|n| !node_ready(n) && out_of_service(n))
            })
            .collect();
        terminating.sort_by_key(|p| creation_secs(p));
        for pod in terminating {
            self.mark_failed_and_delete(api, now, pod, None)?;
        }

        for pod in &pods {
            let node = str_at(pod, "/spec/nodeName");
            if !node.is_empty() && !nodes.contains(node) {
                let ready = now.add(QUARANTINE_TIME);
                let at = self.quarantine.entry(node.to_string()).or_insert(ready);
                *at = (*at).min(ready);
            }
        }
        // discoverDeletedNodes: names whose quarantine is over, confirmed missing by a GET.
        let mut deleted = BTreeSet::new();
        let due: Vec<String> = self
            .quarantine
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(n, _)| n.clone())
            .collect();
        for name in due {
            self.quarantine.remove(&name);
            if nodes.contains(&name) {
                continue;
            }
            match api.request(ApiRequest::get(object_path("v1", "nodes", "", &name))) {
                Err(e) if e.code() == 404 => {
                    deleted.insert(name);
                }
                Err(e) => return Err(e),
                Ok(_) => {}
            }
        }
        for pod in &pods {
            if deleted.contains(str_at(pod, "/spec/nodeName")) {
                self.mark_failed_and_delete(api, now, pod, Some(("DeletionByPodGC", "PodGC: node no longer exists")))?;
            }
        }

        for pod in &pods {
            if is_being_deleted(pod) && str_at(pod, "/spec/nodeName").is_empty() {
                self.mark_failed_and_delete(api, now, pod, None)?;
            }
        }
        Ok(())
    }
}

impl Component for PodGarbageCollector {
    fn name(&self) -> &'static str {
        "pod-garbage-collector-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let Ok(n) = self.nodes.sync(api) else { return retry };
        let Ok(p) = self.pods.sync(api) else { return retry };
        let mut did_work = !n.is_empty() || !p.is_empty();
        self.start.get_or_insert(now);
        let due = self.pass_at_or_before(now);
        if due.is_some() && due != self.last_pass {
            self.last_pass = due;
            if self.has_candidates() {
                did_work = true;
                // On an error the next pass retries.
                let _ = self.gc(api, now);
            }
        }
        StepResult {
            did_work,
            next_wakeup: if self.has_candidates() {
                self.next_pass_after(now)
            } else {
                None
            },
        }
    }
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn a_pod_bound_to_a_missing_node_is_deleted_after_the_quarantine() {
        let mut server = ApiServer::with_config(ApiServerConfig::default());
        let mut ctx = SimContext::new(7, SimTime::from_unix_secs(sim::DEFAULT_EPOCH_SECONDS));
        server.bootstrap(&mut ctx).unwrap();
        let mut api = Local { server, ctx };
        let mut rng = RngStreams::new(1);
        let mut gc = pod_garbage_collector();
        let start = api.ctx.now();
        gc.step(&mut api, start, &mut rng);
        api.ctx.advance(Duration::from_secs(5));
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "default"}});
        api.request(ApiRequest::post("/api/v1/namespaces/default/serviceaccounts", sa))
            .unwrap();
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lost", "namespace": "default"},
            "spec": {"nodeName": "no-such-node", "containers": [{"name": "c", "image": "nginx"}]}});
        api.request(ApiRequest::post("/api/v1/namespaces/default/pods", pod))
            .unwrap();
        let mut deleted_at = None;
        for _ in 0..10 {
            let now = api.ctx.now();
            let r = gc.step(&mut api, now, &mut rng);
            if api
                .request(ApiRequest::get("/api/v1/namespaces/default/pods/lost"))
                .is_err()
            {
                deleted_at = Some(now.since(start).as_secs());
                break;
            }
            let Some(w) = r.next_wakeup else { break };
            api.ctx.advance_to(w);
        }
        // Seen by the pass at 20 s, quarantined until 60 s, deleted by the pass at 60 s.
        assert_eq!(deleted_at, Some(60));
    }
}
