//! The order in which a fresh cluster's system objects are created, and where each is POSTed.

use super::{addons, kubeadm, rbac};
use api::discovery::Discovery;
use serde_json::Value;

/// Every object of the rbac, kubeadm and addons modules in creation order: the kube-flannel
/// Namespace first (the others may live in it), RBAC (roles before bindings), kubeadm's
/// ConfigMaps, token Secret and ServiceAccounts, kubeadm's add-ons, then flannel.
/// `now_unix_secs` is the moment `kubeadm init` ran (bootstrap token expiry, token tracking).
pub fn system_objects(now_unix_secs: i64) -> Vec<Value> {
    let mut flannel = addons::flannel().into_iter();
    let mut out: Vec<Value> = flannel.next().into_iter().collect();
    out.extend(rbac::all());
    out.extend(kubeadm::all(now_unix_secs));
    out.extend(addons::kubeadm_addons());
    out.extend(flannel);
    out.extend(super::metrics_server::all());
    out
}

/// The collection URL an object is created at (`/api/v1/namespaces/kube-system/configmaps`),
/// or None when its apiVersion/kind is not served.
pub fn create_path(discovery: &Discovery, obj: &Value) -> Option<String> {
    let api_version = obj.get("apiVersion")?.as_str()?;
    let kind = obj.get("kind")?.as_str()?;
    let (group, version) = match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    };
    let info = discovery.find_kind(&apimachinery::GroupVersionKind::new(group, version, kind))?;
    let prefix = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    if info.namespaced() {
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default");
        Some(format!("{prefix}/namespaces/{ns}/{}", info.plural))
    } else {
        Some(format!("{prefix}/{}", info.plural))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use apimachinery::ApiRequest;
    use apiserver::ApiServer;
    use sim::{SimContext, SimTime};

    const NOW: i64 = sim::DEFAULT_EPOCH_SECONDS;

    #[test]
    fn every_object_has_api_version_kind_and_name() {
        for obj in system_objects(NOW) {
            assert!(obj["apiVersion"].as_str().is_some_and(|s| !s.is_empty()), "{obj}");
            assert!(obj["kind"].as_str().is_some_and(|s| !s.is_empty()), "{obj}");
            assert!(obj["metadata"]["name"].as_str().is_some_and(|s| !s.is_empty()), "{obj}");
            for server_field in ["uid", "resourceVersion", "creationTimestamp"] {
                assert!(
                    obj["metadata"].get(server_field).is_none(),
                    "{server_field} set on {}",
                    obj["metadata"]["name"]
                );
            }
        }
    }

    #[test]
    fn create_path_follows_group_and_scope() {
        let d = Discovery::builtin();
        let cases = [
            (
                serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "kube-system"}}),
                Some("/api/v1/namespaces/kube-system/configmaps"),
            ),
            (
                serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "a"}}),
                Some("/apis/rbac.authorization.k8s.io/v1/clusterroles"),
            ),
            (
                serde_json::json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "a", "namespace": "kube-flannel"}}),
                Some("/apis/apps/v1/namespaces/kube-flannel/daemonsets"),
            ),
            (
                serde_json::json!({"apiVersion": "v1", "kind": "Nope", "metadata": {"name": "a"}}),
                None,
            ),
            (serde_json::json!({"kind": "ConfigMap"}), None),
        ];
        for (obj, want) in cases {
            assert_eq!(create_path(&d, &obj).as_deref(), want, "{obj}");
        }
    }

    #[test]
    fn the_api_server_accepts_every_object_after_the_default_namespaces() {
        let mut ctx = SimContext::new(7, SimTime::from_unix_secs(NOW));
        let mut server = ApiServer::new();
        for ns in super::super::DEFAULT_NAMESPACES {
            server
                .handle(
                    &mut ctx,
                    ApiRequest::post("/api/v1/namespaces", super::super::namespace(ns)),
                )
                .unwrap();
        }
        let d = Discovery::builtin();
        let mut failures = Vec::new();
        let objects = system_objects(NOW);
        for obj in &objects {
            let path = create_path(&d, obj).unwrap_or_else(|| panic!("no path for {obj}"));
            if let Err(e) = server.handle(&mut ctx, ApiRequest::post(path.clone(), obj.clone())) {
                failures.push(format!("{path} {}: {e}", obj["metadata"]["name"]));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // Spot checks of what the server stored.
        let admin = server
            .handle(
                &mut ctx,
                ApiRequest::get("/apis/rbac.authorization.k8s.io/v1/clusterroles/admin"),
            )
            .unwrap();
        assert!(admin["rules"].as_array().is_some_and(|r| r.len() > 20));
        let dns = server
            .handle(
                &mut ctx,
                ApiRequest::get("/api/v1/namespaces/kube-system/services/kube-dns"),
            )
            .unwrap();
        assert_eq!(dns["spec"]["clusterIP"], "10.96.0.10");
        assert_eq!(dns["spec"]["type"], "ClusterIP");
        let secrets = server
            .handle(&mut ctx, ApiRequest::get("/api/v1/namespaces/kube-system/secrets"))
            .unwrap();
        assert_eq!(secrets["items"].as_array().map(Vec::len), Some(1));
    }
}
