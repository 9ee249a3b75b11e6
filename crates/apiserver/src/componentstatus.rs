//! `componentstatuses` (deprecated since v1.19): not stored, computed per request from health
//! checks of the control plane's servers (pkg/registry/core/componentstatus). In the simulation
//! every check passes, so each reports Healthy with the body of its `/healthz`: `ok`.

use crate::{ApiServer, Target};
use apimachinery::{ApiError, ApiRequest, Status};
use serde_json::{json, Value};

/// The servers upstream validates: the controller manager and scheduler by `/healthz`, then one
/// `etcd-N` per storage backend (kubeadm configures one). Upstream's order follows goroutine
/// completion; this is the order clusters usually print.
const SERVERS: &[&str] = &["controller-manager", "scheduler", "etcd-0"];

fn component_status(name: &str) -> Value {
    json!({
        "kind": "ComponentStatus",
        "apiVersion": "v1",
        "metadata": {"name": name},
        "conditions": [{"type": "Healthy", "status": "True", "message": "ok"}],
    })
}

impl ApiServer {
    /// GET of the collection or of one component (the only verbs the resource serves).
    pub(crate) fn component_statuses(&self, t: &Target, req: &ApiRequest) -> Result<Value, ApiError> {
        if let Some(name) = &t.name {
            if !SERVERS.contains(&name.as_str()) {
                // A plain error, which the API server turns into a 500 without a reason.
                return Err(ApiError(Status::failure(
                    500,
                    "",
                    format!("Component not found: {name}"),
                    None,
                )));
            }
            return Ok(component_status(name));
        }
        let opts = self.list_options(t, req)?;
        let items: Vec<Value> = SERVERS
            .iter()
            .map(|n| component_status(n))
            .filter(|o| Self::matches(&t.info.plural, &opts, o))
            .map(|mut o| {
                if let Some(m) = o.as_object_mut() {
                    m.remove("kind");
                    m.remove("apiVersion");
                }
                o
            })
            .collect();
        Ok(json!({
            "kind": "ComponentStatusList",
            "apiVersion": "v1",
            "metadata": {},
            "items": items,
        }))
    }
}
