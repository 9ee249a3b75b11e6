//! The `serviceaccount` controller (pkg/controller/serviceaccount): every active namespace
//! has a `default` ServiceAccount; deleting it brings it back.

use crate::util::*;
use apimachinery::{ApiClient, ApiRequest};
use client::{ChangeKind, Component, Informer, ResourcePath, StepResult, WorkQueue};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sim::{Duration, RngStreams, SimTime};

/// The service accounts the controller ensures (`--service-account-names` default).
pub const SERVICE_ACCOUNT_NAMES: [&str; 1] = ["default"];

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServiceAccountsController {
    namespaces: Informer,
    service_accounts: Informer,
    /// Namespace names.
    queue: WorkQueue<String>,
}

pub fn serviceaccount_controller() -> ServiceAccountsController {
    ServiceAccountsController {
        namespaces: Informer::new(ResourcePath::core("namespaces")),
        service_accounts: Informer::new(ResourcePath::core("serviceaccounts")),
        queue: WorkQueue::default(),
    }
}

impl ServiceAccountsController {
    fn sync(&mut self, api: &mut dyn ApiClient, ns: &str) -> Result<(), apimachinery::ApiError> {
        let Some(namespace) = self.namespaces.get("", ns) else {
            return Ok(());
        };
        if str_at(namespace, "/status/phase") != "Active" && !str_at(namespace, "/status/phase").is_empty() {
            return Ok(());
        }
        for name in SERVICE_ACCOUNT_NAMES {
            if self.service_accounts.get(ns, name).is_some() {
                continue;
            }
            let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}});
            match api.request(ApiRequest::post(object_path("v1", "serviceaccounts", ns, ""), sa)) {
                Ok(_) => {}
                // Already there (our cache lags) or the namespace is going away.
                Err(e) if e.code() == 409 || e.code() == 403 || e.code() == 404 => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl Component for ServiceAccountsController {
    fn name(&self) -> &'static str {
        "serviceaccount-controller"
    }

    fn step(&mut self, api: &mut dyn ApiClient, now: SimTime, _rng: &mut RngStreams) -> StepResult {
        let retry = StepResult::idle().wake_at(Some(now.add(Duration::from_secs(1))));
        let mut did_work = false;
        let Ok(changes) = self.namespaces.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            if c.kind != ChangeKind::Deleted {
                self.queue.add(meta_str(&c.object, "name").to_string());
            }
        }
        let Ok(changes) = self.service_accounts.sync(api) else {
            return retry;
        };
        for c in changes {
            did_work = true;
            if c.kind == ChangeKind::Deleted && SERVICE_ACCOUNT_NAMES.contains(&meta_str(&c.object, "name")) {
                self.queue.add(meta_str(&c.object, "namespace").to_string());
            }
        }
        while let Some(ns) = self.queue.pop_ready(now) {
            did_work = true;
            match self.sync(api, &ns) {
                Ok(()) => self.queue.forget(&ns),
                Err(_) => self.queue.add_rate_limited(ns, now),
            }
        }
        StepResult {
            did_work,
            next_wakeup: self.queue.next_deadline(),
        }
    }
}
