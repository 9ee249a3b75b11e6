//! `serviceaccounts/{name}/token` (TokenRequest, what `kubectl create token` calls): a
//! JWT shaped like kube-apiserver's bound service-account tokens, signed by nobody.

use crate::meta::meta_str;
use crate::{ApiServer, Target};
use apimachinery::{ApiError, FieldError};
use base64::Engine;
use serde_json::{json, Value};
use sim::SimContext;

/// kubeadm's `--service-account-issuer` and default API audience.
const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl ApiServer {
    pub(crate) fn create_token(
        &mut self,
        ctx: &mut SimContext,
        t: &Target,
        body: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let (_, _, sa) = self.existing(t)?;
        let name = t.name.clone().unwrap_or_default();
        let ns = t.namespace.clone().unwrap_or_default();
        let empty = json!({});
        let body = body.unwrap_or(&empty);
        let expiration = match body.pointer("/spec/expirationSeconds") {
            None | Some(Value::Null) => 3600,
            Some(v) => v.as_i64().ok_or_else(|| {
                ApiError::bad_request(
                    "TokenRequest in version \"v1\" cannot be handled as a TokenRequest: json: cannot unmarshal string into Go struct field TokenRequestSpec.spec.expirationSeconds of type int64",
                )
            })?,
        };
        if expiration < 600 {
            return Err(ApiError::invalid(
                "authentication.k8s.io",
                "TokenRequest",
                &name,
                &[FieldError::invalid(
                    "spec.expirationSeconds",
                    expiration.to_string(),
                    "may not specify a duration less than 10 minutes",
                )],
            ));
        }
        if expiration > 1 << 32 {
            return Err(ApiError::invalid(
                "authentication.k8s.io",
                "TokenRequest",
                &name,
                &[FieldError::invalid(
                    "spec.expirationSeconds",
                    expiration.to_string(),
                    "may not specify a duration larger than 2^32 seconds",
                )],
            ));
        }
        let audiences = match body.pointer("/spec/audiences").and_then(Value::as_array) {
            Some(a) if !a.is_empty() => Value::Array(a.clone()),
            _ => json!([ISSUER]),
        };
        let kid = match &self.token_key_id {
            Some(k) => k.clone(),
            None => {
                let mut raw = [0u8; 32];
                ctx.rng().fill_bytes("token-key", &mut raw);
                let k = b64(&raw);
                self.token_key_id = Some(k.clone());
                k
            }
        };
        let now = ctx.now().unix_secs();
        let exp = now.saturating_add(expiration);
        let header = json!({"alg": "RS256", "kid": kid});
        let claims = json!({
            "aud": audiences,
            "exp": exp,
            "iat": now,
            "iss": ISSUER,
            "jti": ctx.uid(),
            "kubernetes.io": {"namespace": ns, "serviceaccount": {"name": name, "uid": meta_str(&sa, "uid")}},
            "nbf": now,
            "sub": format!("system:serviceaccount:{ns}:{name}"),
        });
        let mut signature = [0u8; 256];
        ctx.rng().fill_bytes("token-signature", &mut signature);
        let token = format!(
            "{}.{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes()),
            b64(&signature)
        );
        let mut spec = body.get("spec").cloned().unwrap_or(json!({}));
        if let Some(m) = spec.as_object_mut() {
            m.insert("audiences".into(), audiences);
            m.insert("expirationSeconds".into(), json!(expiration));
            m.entry("boundObjectRef").or_insert(Value::Null);
        }
        Ok(json!({
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": null},
            "spec": spec,
            "status": {"token": token, "expirationTimestamp": apimachinery::time::format_rfc3339(exp.min(253_402_300_799))},
        }))
    }
}
