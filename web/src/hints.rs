//! The playground's own help beside the terminal: kubectl prints exactly what kubectl prints,
//! and when that is an error about an apiVersion Kubernetes stopped serving, the page says
//! which apiVersion serves the kind in v1.37. Facts from the Deprecated API Migration Guide
//! (kubernetes.io/docs/reference/using-api/deprecation-guide).

/// An apiVersion Kubernetes no longer serves for some kinds.
struct Removed {
    api_version: &'static str,
    kinds: &'static [&'static str],
    /// The apiVersion to write instead (empty: the kind is gone).
    replacement: &'static str,
    /// The release since which `replacement` serves these kinds.
    served_since: &'static str,
    /// The release that stopped serving `api_version` for these kinds.
    removed_in: &'static str,
}

const APPS_V1BETA1: &[&str] = &["Deployment", "StatefulSet", "ReplicaSet"];
const APPS_V1BETA2: &[&str] = &["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet"];
const RBAC: &[&str] = &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];
const ACCESS_REVIEWS: &[&str] = &[
    "LocalSubjectAccessReview",
    "SelfSubjectAccessReview",
    "SubjectAccessReview",
    "SelfSubjectRulesReview",
];
const WEBHOOKS: &[&str] = &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];
const FLOWCONTROL: &[&str] = &["FlowSchema", "PriorityLevelConfiguration"];
const HPA: &[&str] = &["HorizontalPodAutoscaler"];

#[rustfmt::skip]
const REMOVED: &[Removed] = &[
    // v1.16
    Removed { api_version: "extensions/v1beta1", kinds: &["Deployment", "DaemonSet", "ReplicaSet"], replacement: "apps/v1", served_since: "1.9", removed_in: "1.16" },
    Removed { api_version: "apps/v1beta1", kinds: APPS_V1BETA1, replacement: "apps/v1", served_since: "1.9", removed_in: "1.16" },
    Removed { api_version: "apps/v1beta2", kinds: APPS_V1BETA2, replacement: "apps/v1", served_since: "1.9", removed_in: "1.16" },
    Removed { api_version: "extensions/v1beta1", kinds: &["NetworkPolicy"], replacement: "networking.k8s.io/v1", served_since: "1.8", removed_in: "1.16" },
    Removed { api_version: "extensions/v1beta1", kinds: &["PodSecurityPolicy"], replacement: "", served_since: "", removed_in: "1.16" },
    // v1.22
    Removed { api_version: "extensions/v1beta1", kinds: &["Ingress"], replacement: "networking.k8s.io/v1", served_since: "1.19", removed_in: "1.22" },
    Removed { api_version: "networking.k8s.io/v1beta1", kinds: &["Ingress", "IngressClass"], replacement: "networking.k8s.io/v1", served_since: "1.19", removed_in: "1.22" },
    Removed { api_version: "admissionregistration.k8s.io/v1beta1", kinds: WEBHOOKS, replacement: "admissionregistration.k8s.io/v1", served_since: "1.16", removed_in: "1.22" },
    Removed { api_version: "apiextensions.k8s.io/v1beta1", kinds: &["CustomResourceDefinition"], replacement: "apiextensions.k8s.io/v1", served_since: "1.16", removed_in: "1.22" },
    Removed { api_version: "apiregistration.k8s.io/v1beta1", kinds: &["APIService"], replacement: "apiregistration.k8s.io/v1", served_since: "1.10", removed_in: "1.22" },
    Removed { api_version: "authentication.k8s.io/v1beta1", kinds: &["TokenReview"], replacement: "authentication.k8s.io/v1", served_since: "1.6", removed_in: "1.22" },
    Removed { api_version: "authorization.k8s.io/v1beta1", kinds: ACCESS_REVIEWS, replacement: "authorization.k8s.io/v1", served_since: "1.6", removed_in: "1.22" },
    Removed { api_version: "certificates.k8s.io/v1beta1", kinds: &["CertificateSigningRequest"], replacement: "certificates.k8s.io/v1", served_since: "1.19", removed_in: "1.22" },
    Removed { api_version: "coordination.k8s.io/v1beta1", kinds: &["Lease"], replacement: "coordination.k8s.io/v1", served_since: "1.14", removed_in: "1.22" },
    Removed { api_version: "rbac.authorization.k8s.io/v1beta1", kinds: RBAC, replacement: "rbac.authorization.k8s.io/v1", served_since: "1.8", removed_in: "1.22" },
    Removed { api_version: "scheduling.k8s.io/v1beta1", kinds: &["PriorityClass"], replacement: "scheduling.k8s.io/v1", served_since: "1.14", removed_in: "1.22" },
    Removed { api_version: "storage.k8s.io/v1beta1", kinds: &["CSIDriver"], replacement: "storage.k8s.io/v1", served_since: "1.19", removed_in: "1.22" },
    Removed { api_version: "storage.k8s.io/v1beta1", kinds: &["CSINode"], replacement: "storage.k8s.io/v1", served_since: "1.17", removed_in: "1.22" },
    Removed { api_version: "storage.k8s.io/v1beta1", kinds: &["StorageClass"], replacement: "storage.k8s.io/v1", served_since: "1.6", removed_in: "1.22" },
    Removed { api_version: "storage.k8s.io/v1beta1", kinds: &["VolumeAttachment"], replacement: "storage.k8s.io/v1", served_since: "1.13", removed_in: "1.22" },
    // v1.25
    Removed { api_version: "batch/v1beta1", kinds: &["CronJob"], replacement: "batch/v1", served_since: "1.21", removed_in: "1.25" },
    Removed { api_version: "discovery.k8s.io/v1beta1", kinds: &["EndpointSlice"], replacement: "discovery.k8s.io/v1", served_since: "1.21", removed_in: "1.25" },
    Removed { api_version: "events.k8s.io/v1beta1", kinds: &["Event"], replacement: "events.k8s.io/v1", served_since: "1.19", removed_in: "1.25" },
    Removed { api_version: "autoscaling/v2beta1", kinds: HPA, replacement: "autoscaling/v2", served_since: "1.23", removed_in: "1.25" },
    Removed { api_version: "policy/v1beta1", kinds: &["PodDisruptionBudget"], replacement: "policy/v1", served_since: "1.21", removed_in: "1.25" },
    Removed { api_version: "policy/v1beta1", kinds: &["PodSecurityPolicy"], replacement: "", served_since: "", removed_in: "1.25" },
    Removed { api_version: "node.k8s.io/v1beta1", kinds: &["RuntimeClass"], replacement: "node.k8s.io/v1", served_since: "1.20", removed_in: "1.25" },
    // v1.26, v1.27, v1.29, v1.32
    Removed { api_version: "flowcontrol.apiserver.k8s.io/v1beta1", kinds: FLOWCONTROL, replacement: "flowcontrol.apiserver.k8s.io/v1", served_since: "1.29", removed_in: "1.26" },
    Removed { api_version: "autoscaling/v2beta2", kinds: HPA, replacement: "autoscaling/v2", served_since: "1.23", removed_in: "1.26" },
    Removed { api_version: "storage.k8s.io/v1beta1", kinds: &["CSIStorageCapacity"], replacement: "storage.k8s.io/v1", served_since: "1.24", removed_in: "1.27" },
    Removed { api_version: "flowcontrol.apiserver.k8s.io/v1beta2", kinds: FLOWCONTROL, replacement: "flowcontrol.apiserver.k8s.io/v1", served_since: "1.29", removed_in: "1.29" },
    Removed { api_version: "flowcontrol.apiserver.k8s.io/v1beta3", kinds: FLOWCONTROL, replacement: "flowcontrol.apiserver.k8s.io/v1", served_since: "1.29", removed_in: "1.32" },
];

/// Beta versions that still exist but, like every beta API added since v1.24, are off unless
/// the cluster enables them: (apiVersion, kinds, GA apiVersion, GA since).
#[rustfmt::skip]
const OFF_BY_DEFAULT: &[(&str, &[&str], &str, &str)] = &[
    ("admissionregistration.k8s.io/v1beta1", &["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"], "admissionregistration.k8s.io/v1", "1.30"),
    ("admissionregistration.k8s.io/v1alpha1", &["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"], "admissionregistration.k8s.io/v1", "1.30"),
];

/// The kind and apiVersion of kubectl's `no matches for kind "K" in version "G/V"` error, as it
/// starts a line of kubectl's stderr (alone, or inside `resource mapping not found for …`).
fn no_match(output: &str) -> Option<(&str, &str)> {
    output.lines().find_map(|line| {
        let line = line.strip_prefix("error: ").unwrap_or(line);
        let rest = if line.starts_with("resource mapping not found for name: ") {
            line.split_once(": no matches for kind \"")?.1
        } else {
            line.strip_prefix("no matches for kind \"")?
        };
        let (kind, rest) = rest.split_once('"')?;
        let version = rest.strip_prefix(" in version \"")?.split_once('"')?.0;
        Some((kind, version))
    })
}

/// Whether the line runs kubectl (by name, or as `k`, the alias the Kubernetes docs use).
fn runs_kubectl(command_line: &str) -> bool {
    command_line
        .split(|c: char| c.is_whitespace() || matches!(c, '|' | ';' | '&' | '(' | ')'))
        .any(|word| word == "kubectl" || word == "k" || word.ends_with("/kubectl"))
}

/// The playground's hint for what a kubectl line printed on stderr, when it is the error for
/// an apiVersion that v1.37 does not serve and the replacement is known.
pub fn hint_for(command_line: &str, output: &str) -> Option<String> {
    if !runs_kubectl(command_line) {
        return None;
    }
    let (kind, version) = no_match(output)?;
    if let Some((_, _, ga, since)) = OFF_BY_DEFAULT
        .iter()
        .find(|(v, kinds, _, _)| *v == version && kinds.contains(&kind))
    {
        return Some(format!(
            "{kind} is served as apiVersion {ga} since Kubernetes v{since}; {version} is not enabled by default. \
             Change apiVersion to {ga}."
        ));
    }
    let removed = REMOVED
        .iter()
        .find(|r| r.api_version == version && r.kinds.contains(&kind))?;
    if removed.replacement.is_empty() {
        return Some(format!(
            "{kind} was removed in Kubernetes v1.25 with no replacement ({version} is not served since v{}). \
             Pod Security Admission (the pod-security.kubernetes.io/enforce namespace label) took its place.",
            removed.removed_in
        ));
    }
    Some(format!(
        "{version} {kind} is not served since Kubernetes v{}. Change apiVersion to {} (served since v{}).",
        removed.removed_in, removed.replacement, removed.served_since
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAPPING: &str = "error: resource mapping not found for name: \"web\" namespace: \"\" from \"web.yaml\": \
        no matches for kind \"Deployment\" in version \"extensions/v1beta1\"\nensure CRDs are installed first\n";

    #[test]
    fn removed_api_versions_get_their_replacement_and_dates() {
        let plain =
            |kind: &str, version: &str| format!("error: no matches for kind \"{kind}\" in version \"{version}\"\n");
        let cases: &[(&str, String, Option<&str>)] = &[
            ("kubectl apply -f web.yaml", MAPPING.to_string(),
                Some("extensions/v1beta1 Deployment is not served since Kubernetes v1.16. Change apiVersion to apps/v1 (served since v1.9).")),
            ("kubectl create -f ds.yaml", plain("DaemonSet", "apps/v1beta2"),
                Some("apps/v1beta2 DaemonSet is not served since Kubernetes v1.16. Change apiVersion to apps/v1 (served since v1.9).")),
            ("kubectl apply -f rs.yaml", plain("ReplicaSet", "apps/v1beta1"),
                Some("apps/v1beta1 ReplicaSet is not served since Kubernetes v1.16. Change apiVersion to apps/v1 (served since v1.9).")),
            ("kubectl apply -f ing.yaml", plain("Ingress", "extensions/v1beta1"),
                Some("extensions/v1beta1 Ingress is not served since Kubernetes v1.22. Change apiVersion to networking.k8s.io/v1 (served since v1.19).")),
            ("kubectl apply -f ing.yaml", plain("Ingress", "networking.k8s.io/v1beta1"),
                Some("networking.k8s.io/v1beta1 Ingress is not served since Kubernetes v1.22. Change apiVersion to networking.k8s.io/v1 (served since v1.19).")),
            ("kubectl apply -f rbac.yaml", plain("ClusterRoleBinding", "rbac.authorization.k8s.io/v1beta1"),
                Some("rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding is not served since Kubernetes v1.22. Change apiVersion to rbac.authorization.k8s.io/v1 (served since v1.8).")),
            ("kubectl apply -f cj.yaml", plain("CronJob", "batch/v1beta1"),
                Some("batch/v1beta1 CronJob is not served since Kubernetes v1.25. Change apiVersion to batch/v1 (served since v1.21).")),
            ("kubectl apply -f pdb.yaml", plain("PodDisruptionBudget", "policy/v1beta1"),
                Some("policy/v1beta1 PodDisruptionBudget is not served since Kubernetes v1.25. Change apiVersion to policy/v1 (served since v1.21).")),
            ("kubectl apply -f hpa.yaml", plain("HorizontalPodAutoscaler", "autoscaling/v2beta1"),
                Some("autoscaling/v2beta1 HorizontalPodAutoscaler is not served since Kubernetes v1.25. Change apiVersion to autoscaling/v2 (served since v1.23).")),
            ("kubectl apply -f hpa.yaml", plain("HorizontalPodAutoscaler", "autoscaling/v2beta2"),
                Some("autoscaling/v2beta2 HorizontalPodAutoscaler is not served since Kubernetes v1.26. Change apiVersion to autoscaling/v2 (served since v1.23).")),
            ("kubectl apply -f sc.yaml", plain("StorageClass", "storage.k8s.io/v1beta1"),
                Some("storage.k8s.io/v1beta1 StorageClass is not served since Kubernetes v1.22. Change apiVersion to storage.k8s.io/v1 (served since v1.6).")),
            ("kubectl apply -f fs.yaml", plain("FlowSchema", "flowcontrol.apiserver.k8s.io/v1beta3"),
                Some("flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is not served since Kubernetes v1.32. Change apiVersion to flowcontrol.apiserver.k8s.io/v1 (served since v1.29).")),
            ("kubectl apply -f psp.yaml", plain("PodSecurityPolicy", "policy/v1beta1"),
                Some("PodSecurityPolicy was removed in Kubernetes v1.25 with no replacement (policy/v1beta1 is not served since v1.25). Pod Security Admission (the pod-security.kubernetes.io/enforce namespace label) took its place.")),
            ("kubectl apply -f psp.yaml", plain("PodSecurityPolicy", "extensions/v1beta1"),
                Some("PodSecurityPolicy was removed in Kubernetes v1.25 with no replacement (extensions/v1beta1 is not served since v1.16). Pod Security Admission (the pod-security.kubernetes.io/enforce namespace label) took its place.")),
            ("kubectl apply -f vap.yaml", plain("ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1beta1"),
                Some("ValidatingAdmissionPolicy is served as apiVersion admissionregistration.k8s.io/v1 since Kubernetes v1.30; admissionregistration.k8s.io/v1beta1 is not enabled by default. Change apiVersion to admissionregistration.k8s.io/v1.")),
            ("kubectl apply -f hook.yaml", plain("ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1beta1"),
                Some("admissionregistration.k8s.io/v1beta1 ValidatingWebhookConfiguration is not served since Kubernetes v1.22. Change apiVersion to admissionregistration.k8s.io/v1 (served since v1.16).")),
            // The alias the docs use, and kubectl inside a pipeline.
            ("k apply -f web.yaml", MAPPING.to_string(), Some("extensions/v1beta1 Deployment is not served since Kubernetes v1.16. Change apiVersion to apps/v1 (served since v1.9).")),
            ("cat web.yaml | kubectl apply -f -", MAPPING.replace("web.yaml", "STDIN"), Some("extensions/v1beta1 Deployment is not served since Kubernetes v1.16. Change apiVersion to apps/v1 (served since v1.9).")),
        ];
        for (line, output, want) in cases {
            assert_eq!(hint_for(line, output).as_deref(), *want, "{line}: {output}");
        }
    }

    #[test]
    fn no_hint_where_none_is_right() {
        let cases: &[(&str, &str)] = &[
            // A kind that apps/v1beta1 never had, a version that never existed, a CRD's group.
            ("kubectl apply -f x.yaml", "error: no matches for kind \"DaemonSet\" in version \"apps/v1beta1\"\n"),
            ("kubectl apply -f x.yaml", "error: no matches for kind \"Deployment\" in version \"apps/v2\"\n"),
            ("kubectl apply -f x.yaml", "error: resource mapping not found for name: \"c\" namespace: \"\" from \"x.yaml\": no matches for kind \"Certificate\" in version \"cert-manager.io/v1\"\nensure CRDs are installed first\n"),
            // Other errors, and the text when it is not kubectl's error line.
            ("kubectl get pods", "Error from server (NotFound): pods \"x\" not found\n"),
            ("kubectl apply -f x.yaml", "the server doesn't have a resource type \"Deployment\"\n"),
            ("cat notes.txt", "error: no matches for kind \"Deployment\" in version \"extensions/v1beta1\"\n"),
            ("echo kubectl", "# see: no matches for kind \"Deployment\" in version \"extensions/v1beta1\"\n"),
            ("kubectl apply -f x.yaml", ""),
            ("kubectl apply -f x.yaml", "error: no matches for kind \"Deployment"),
        ];
        for (line, output) in cases {
            assert_eq!(hint_for(line, output), None, "{line}: {output}");
        }
    }

    #[test]
    fn every_replacement_is_the_one_the_api_server_names() {
        for r in REMOVED {
            for kind in r.kinds {
                let want = (!r.replacement.is_empty()).then_some(r.replacement);
                assert_eq!(
                    api::replacement_for(r.api_version, kind),
                    want,
                    "{} {kind}",
                    r.api_version
                );
            }
        }
    }
}
