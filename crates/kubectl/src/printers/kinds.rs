//! Table columns and cells for every built-in kind, as the API server's table convertor builds
//! them (pkg/printers/internalversion/printers.go), plus the default NAME/CREATED AT table for
//! kinds without a handler and CRD additionalPrinterColumns for custom resources.

use super::jsonpath::JsonPath;
use super::table::{Column, Row, Table};
use super::util::*;
use apimachinery::time::{format_rfc3339, human_duration, parse_rfc3339};
use serde_json::Value;

mod platform;

/// One `additionalPrinterColumns` entry of a CRD version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrdColumn {
    pub name: String,
    pub type_: String,
    pub priority: i64,
    pub json_path: String,
}

impl CrdColumn {
    /// Reads the columns of `version` from a CRD object; the `Age` column the server defaults
    /// when a version declares none.
    pub fn from_crd(crd: &Value, version: &str) -> Vec<CrdColumn> {
        let versions = arr(crd, "spec.versions");
        let ver = versions
            .iter()
            .find(|v| s(v, "name") == version)
            .or_else(|| versions.first());
        let declared = ver.map(|v| arr(v, "additionalPrinterColumns")).unwrap_or(&[]);
        // The server defaults an empty list to the Age column.
        if !declared.is_empty() {
            return declared
                .iter()
                .map(|c| CrdColumn {
                    name: s(c, "name").to_string(),
                    type_: s(c, "type").to_string(),
                    priority: i(c, "priority"),
                    json_path: s(c, "jsonPath").to_string(),
                })
                .collect();
        }
        vec![CrdColumn {
            name: "Age".to_string(),
            type_: "date".to_string(),
            priority: 0,
            json_path: ".metadata.creationTimestamp".to_string(),
        }]
    }
}

fn cols(defs: &[(&str, i64)]) -> Vec<Column> {
    defs.iter()
        .enumerate()
        .map(|(ix, (n, p))| {
            if ix == 0 && *n == "Name" {
                Column::name_column(n)
            } else {
                Column::new(n, *p)
            }
        })
        .collect()
}

fn row(obj: &Value, cells: Vec<String>) -> Row {
    Row {
        cells: cells.into_iter().map(Some).collect(),
        object: obj.clone(),
    }
}

fn name(obj: &Value) -> String {
    s(obj, "metadata.name").to_string()
}

/// Builds the table for `items` of one kind.
pub fn build_table(group: &str, kind: &str, items: &[Value], now: i64, wide: bool, crd: Option<&[CrdColumn]>) -> Table {
    if let Some(columns) = crd {
        return custom_resource_table(columns, items, now);
    }
    let (columns, printer): (Vec<Column>, Printer) = match (group, kind) {
        ("", "Pod") => (
            cols(&[
                ("Name", 0),
                ("Ready", 0),
                ("Status", 0),
                ("Restarts", 0),
                ("Age", 0),
                ("IP", 1),
                ("Node", 1),
                ("Nominated Node", 1),
                ("Readiness Gates", 1),
            ]),
            pod_cells,
        ),
        ("", "PodTemplate") => (
            cols(&[("Name", 0), ("Containers", 0), ("Images", 0), ("Pod Labels", 0)]),
            |o, _, _| {
                let (n, im) = container_cells(at(o, "template.spec"));
                vec![name(o), n, im, format_labels(at(o, "template.metadata.labels"))]
            },
        ),
        ("policy", "PodDisruptionBudget") => (
            cols(&[
                ("Name", 0),
                ("Min Available", 0),
                ("Max Unavailable", 0),
                ("Allowed Disruptions", 0),
                ("Age", 0),
            ]),
            |o, now, _| {
                let min = at(o, "spec.minAvailable");
                let max = at(o, "spec.maxUnavailable");
                vec![
                    name(o),
                    if min.is_null() {
                        "N/A".into()
                    } else {
                        int_or_string(min)
                    },
                    if max.is_null() {
                        "N/A".into()
                    } else {
                        int_or_string(max)
                    },
                    i(o, "status.disruptionsAllowed").to_string(),
                    creation_age(o, now),
                ]
            },
        ),
        ("", "ReplicationController") => (
            cols(&[
                ("Name", 0),
                ("Desired", 0),
                ("Current", 0),
                ("Ready", 0),
                ("Age", 0),
                ("Containers", 1),
                ("Images", 1),
                ("Selector", 1),
            ]),
            |o, now, _| {
                let (n, im) = container_cells(at(o, "spec.template.spec"));
                vec![
                    name(o),
                    i(o, "spec.replicas").to_string(),
                    i(o, "status.replicas").to_string(),
                    i(o, "status.readyReplicas").to_string(),
                    creation_age(o, now),
                    n,
                    im,
                    format_labels(at(o, "spec.selector")),
                ]
            },
        ),
        ("apps", "ReplicaSet") => (
            cols(&[
                ("Name", 0),
                ("Desired", 0),
                ("Current", 0),
                ("Ready", 0),
                ("Age", 0),
                ("Containers", 1),
                ("Images", 1),
                ("Selector", 1),
            ]),
            |o, now, _| {
                let (n, im) = container_cells(at(o, "spec.template.spec"));
                vec![
                    name(o),
                    i(o, "spec.replicas").to_string(),
                    i(o, "status.replicas").to_string(),
                    i(o, "status.readyReplicas").to_string(),
                    creation_age(o, now),
                    n,
                    im,
                    format_label_selector(at(o, "spec.selector")),
                ]
            },
        ),
        ("apps", "Deployment") => (
            cols(&[
                ("Name", 0),
                ("Ready", 0),
                ("Up-to-date", 0),
                ("Available", 0),
                ("Age", 0),
                ("Containers", 1),
                ("Images", 1),
                ("Selector", 1),
            ]),
            |o, now, _| {
                let (n, im) = container_cells(at(o, "spec.template.spec"));
                let selector = label_selector_string(at(o, "spec.selector")).unwrap_or_else(|_| "<invalid>".into());
                vec![
                    name(o),
                    format!("{}/{}", i(o, "status.readyReplicas"), i(o, "spec.replicas")),
                    i(o, "status.updatedReplicas").to_string(),
                    i(o, "status.availableReplicas").to_string(),
                    creation_age(o, now),
                    n,
                    im,
                    selector,
                ]
            },
        ),
        ("apps", "StatefulSet") => (
            cols(&[("Name", 0), ("Ready", 0), ("Age", 0), ("Containers", 1), ("Images", 1)]),
            |o, now, _| {
                let (n, im) = container_cells(at(o, "spec.template.spec"));
                vec![
                    name(o),
                    format!("{}/{}", i(o, "status.readyReplicas"), i(o, "spec.replicas")),
                    creation_age(o, now),
                    n,
                    im,
                ]
            },
        ),
        ("apps", "DaemonSet") => (
            cols(&[
                ("Name", 0),
                ("Desired", 0),
                ("Current", 0),
                ("Ready", 0),
                ("Up-to-date", 0),
                ("Available", 0),
                ("Node Selector", 0),
                ("Age", 0),
                ("Containers", 1),
                ("Images", 1),
                ("Selector", 1),
            ]),
            |o, now, _| {
                let (n, im) = container_cells(at(o, "spec.template.spec"));
                vec![
                    name(o),
                    i(o, "status.desiredNumberScheduled").to_string(),
                    i(o, "status.currentNumberScheduled").to_string(),
                    i(o, "status.numberReady").to_string(),
                    i(o, "status.updatedNumberScheduled").to_string(),
                    i(o, "status.numberAvailable").to_string(),
                    format_labels(at(o, "spec.template.spec.nodeSelector")),
                    creation_age(o, now),
                    n,
                    im,
                    format_label_selector(at(o, "spec.selector")),
                ]
            },
        ),
        ("batch", "Job") => (
            cols(&[
                ("Name", 0),
                ("Status", 0),
                ("Completions", 0),
                ("Duration", 0),
                ("Age", 0),
                ("Containers", 1),
                ("Images", 1),
                ("Selector", 1),
            ]),
            job_cells,
        ),
        ("batch", "CronJob") => (
            cols(&[
                ("Name", 0),
                ("Schedule", 0),
                ("Timezone", 0),
                ("Suspend", 0),
                ("Active", 0),
                ("Last Schedule", 0),
                ("Age", 0),
                ("Containers", 1),
                ("Images", 1),
                ("Selector", 1),
            ]),
            |o, now, _| {
                let last = match opt_s(o, "status.lastScheduleTime") {
                    Some(t) => age(t, now),
                    None => "<none>".into(),
                };
                let (n, im) = container_cells(at(o, "spec.jobTemplate.spec.template.spec"));
                vec![
                    name(o),
                    s(o, "spec.schedule").to_string(),
                    opt_s(o, "spec.timeZone").unwrap_or("<none>").to_string(),
                    bool_ptr(at(o, "spec.suspend")),
                    len_of(o, "status.active").to_string(),
                    last,
                    creation_age(o, now),
                    n,
                    im,
                    format_label_selector(at(o, "spec.jobTemplate.spec.selector")),
                ]
            },
        ),
        ("", "Service") => (
            cols(&[
                ("Name", 0),
                ("Type", 0),
                ("Cluster-IP", 0),
                ("External-IP", 0),
                ("Port(s)", 0),
                ("Age", 0),
                ("Selector", 1),
            ]),
            service_cells,
        ),
        ("networking.k8s.io", "Ingress") => (
            cols(&[
                ("Name", 0),
                ("Class", 0),
                ("Hosts", 0),
                ("Address", 0),
                ("Ports", 0),
                ("Age", 0),
            ]),
            |o, now, wide| {
                vec![
                    name(o),
                    opt_s(o, "spec.ingressClassName").unwrap_or("<none>").to_string(),
                    ingress_hosts(arr(o, "spec.rules")),
                    load_balancer_string(arr(o, "status.loadBalancer.ingress"), wide),
                    if len_of(o, "spec.tls") != 0 {
                        "80, 443".into()
                    } else {
                        "80".into()
                    },
                    creation_age(o, now),
                ]
            },
        ),
        ("networking.k8s.io", "IngressClass") => (
            cols(&[("Name", 0), ("Controller", 0), ("Parameters", 0), ("Age", 0)]),
            |o, now, _| {
                let p = at(o, "spec.parameters");
                let params = if p.is_null() {
                    "<none>".to_string()
                } else {
                    let mut k = s(p, "kind").to_string();
                    if let Some(g) = opt_s(p, "apiGroup") {
                        k = format!("{k}.{g}");
                    }
                    format!("{k}/{}", s(p, "name"))
                };
                vec![
                    name(o),
                    s(o, "spec.controller").to_string(),
                    params,
                    creation_age(o, now),
                ]
            },
        ),
        ("", "Endpoints") => (cols(&[("Name", 0), ("Endpoints", 0), ("Age", 0)]), |o, now, _| {
            vec![name(o), format_endpoints(o), creation_age(o, now)]
        }),
        ("discovery.k8s.io", "EndpointSlice") => (
            cols(&[
                ("Name", 0),
                ("AddressType", 0),
                ("Ports", 0),
                ("Endpoints", 0),
                ("Age", 0),
            ]),
            |o, now, _| {
                vec![
                    name(o),
                    s(o, "addressType").to_string(),
                    format_slice_ports(arr(o, "ports")),
                    format_slice_endpoints(arr(o, "endpoints")),
                    creation_age(o, now),
                ]
            },
        ),
        ("", "Node") => (
            cols(&[
                ("Name", 0),
                ("Status", 0),
                ("Roles", 0),
                ("Age", 0),
                ("Version", 0),
                ("Internal-IP", 1),
                ("External-IP", 1),
                ("OS-Image", 1),
                ("Kernel-Version", 1),
                ("Container-Runtime", 1),
            ]),
            node_cells,
        ),
        ("", "Event") => event_columns(),
        ("", "Namespace") => (cols(&[("Name", 0), ("Status", 0), ("Age", 0)]), |o, now, _| {
            vec![name(o), s(o, "status.phase").to_string(), creation_age(o, now)]
        }),
        ("", "Secret") => (
            cols(&[("Name", 0), ("Type", 0), ("Data", 0), ("Age", 0)]),
            |o, now, _| {
                vec![
                    name(o),
                    s(o, "type").to_string(),
                    len_of(o, "data").to_string(),
                    creation_age(o, now),
                ]
            },
        ),
        ("", "ServiceAccount") => (cols(&[("Name", 0), ("Secrets", 0), ("Age", 0)]), |o, now, _| {
            vec![name(o), len_of(o, "secrets").to_string(), creation_age(o, now)]
        }),
        ("", "PersistentVolume") => (
            cols(&[
                ("Name", 0),
                ("Capacity", 0),
                ("Access Modes", 0),
                ("Reclaim Policy", 0),
                ("Status", 0),
                ("Claim", 0),
                ("StorageClass", 0),
                ("VolumeAttributesClass", 0),
                ("Reason", 0),
                ("Age", 0),
                ("VolumeMode", 1),
            ]),
            |o, now, _| {
                let claim = if at(o, "spec.claimRef").is_null() {
                    String::new()
                } else {
                    format!("{}/{}", s(o, "spec.claimRef.namespace"), s(o, "spec.claimRef.name"))
                };
                let phase = if at(o, "metadata.deletionTimestamp").is_null() {
                    s(o, "status.phase").to_string()
                } else {
                    "Terminating".to_string()
                };
                vec![
                    name(o),
                    quantity_or_zero(at(o, "spec.capacity.storage")),
                    access_modes(arr(o, "spec.accessModes")),
                    s(o, "spec.persistentVolumeReclaimPolicy").to_string(),
                    phase,
                    claim,
                    pv_class(o),
                    opt_s(o, "spec.volumeAttributesClassName")
                        .unwrap_or("<unset>")
                        .to_string(),
                    s(o, "status.reason").to_string(),
                    creation_age(o, now),
                    opt_s(o, "spec.volumeMode").unwrap_or("<unset>").to_string(),
                ]
            },
        ),
        ("", "PersistentVolumeClaim") => (
            cols(&[
                ("Name", 0),
                ("Status", 0),
                ("Volume", 0),
                ("Capacity", 0),
                ("Access Modes", 0),
                ("StorageClass", 0),
                ("VolumeAttributesClass", 0),
                ("Age", 0),
                ("VolumeMode", 1),
            ]),
            |o, now, _| {
                let phase = if at(o, "metadata.deletionTimestamp").is_null() {
                    s(o, "status.phase").to_string()
                } else {
                    "Terminating".to_string()
                };
                let bound = !s(o, "spec.volumeName").is_empty();
                let (capacity, modes) = if bound {
                    (
                        quantity_or_zero(at(o, "status.capacity.storage")),
                        access_modes(arr(o, "status.accessModes")),
                    )
                } else {
                    (String::new(), String::new())
                };
                vec![
                    name(o),
                    phase,
                    s(o, "spec.volumeName").to_string(),
                    capacity,
                    modes,
                    pvc_class(o).unwrap_or_default(),
                    opt_s(o, "spec.volumeAttributesClassName")
                        .unwrap_or("<unset>")
                        .to_string(),
                    creation_age(o, now),
                    opt_s(o, "spec.volumeMode").unwrap_or("<unset>").to_string(),
                ]
            },
        ),
        ("rbac.authorization.k8s.io", "RoleBinding") | ("rbac.authorization.k8s.io", "ClusterRoleBinding") => (
            cols(&[
                ("Name", 0),
                ("Role", 0),
                ("Age", 0),
                ("Users", 1),
                ("Groups", 1),
                ("ServiceAccounts", 1),
            ]),
            |o, now, _| {
                let (users, groups, sas) = subjects(arr(o, "subjects"));
                vec![
                    name(o),
                    format!("{}/{}", s(o, "roleRef.kind"), s(o, "roleRef.name")),
                    creation_age(o, now),
                    users.join(", "),
                    groups.join(", "),
                    sas.join(", "),
                ]
            },
        ),
        ("autoscaling", "HorizontalPodAutoscaler") => (
            cols(&[
                ("Name", 0),
                ("Reference", 0),
                ("Targets", 0),
                ("MinPods", 0),
                ("MaxPods", 0),
                ("Replicas", 0),
                ("Age", 0),
            ]),
            |o, now, _| {
                vec![
                    name(o),
                    format!(
                        "{}/{}",
                        s(o, "spec.scaleTargetRef.kind"),
                        s(o, "spec.scaleTargetRef.name")
                    ),
                    hpa_targets(o),
                    opt_i(o, "spec.minReplicas")
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| "<unset>".into()),
                    i(o, "spec.maxReplicas").to_string(),
                    i(o, "status.currentReplicas").to_string(),
                    creation_age(o, now),
                ]
            },
        ),
        ("", "ConfigMap") => (cols(&[("Name", 0), ("Data", 0), ("Age", 0)]), |o, now, _| {
            vec![
                name(o),
                (len_of(o, "data") + len_of(o, "binaryData")).to_string(),
                creation_age(o, now),
            ]
        }),
        ("networking.k8s.io", "NetworkPolicy") => {
            (cols(&[("Name", 0), ("Pod-Selector", 0), ("Age", 0)]), |o, now, _| {
                let sel = at(o, "spec.podSelector");
                let sel_text = if sel.is_null() {
                    "<none>".to_string()
                } else {
                    format_label_selector(sel)
                };
                vec![name(o), sel_text, creation_age(o, now)]
            })
        }
        ("storage.k8s.io", "StorageClass") => (
            cols(&[
                ("Name", 0),
                ("Provisioner", 0),
                ("ReclaimPolicy", 0),
                ("VolumeBindingMode", 0),
                ("AllowVolumeExpansion", 0),
                ("Age", 0),
            ]),
            |o, now, _| {
                let mut n = name(o);
                if is_default_class(o, "storageclass.kubernetes.io/is-default-class") {
                    n.push_str(" (default)");
                }
                vec![
                    n,
                    s(o, "provisioner").to_string(),
                    opt_s(o, "reclaimPolicy").unwrap_or("Delete").to_string(),
                    opt_s(o, "volumeBindingMode").unwrap_or("Immediate").to_string(),
                    b(o, "allowVolumeExpansion").to_string(),
                    creation_age(o, now),
                ]
            },
        ),
        ("coordination.k8s.io", "Lease") => (cols(&[("Name", 0), ("Holder", 0), ("Age", 0)]), |o, now, _| {
            vec![name(o), s(o, "spec.holderIdentity").to_string(), creation_age(o, now)]
        }),
        ("apps", "ControllerRevision") => (
            cols(&[("Name", 0), ("Controller", 0), ("Revision", 0), ("Age", 0)]),
            |o, now, _| {
                let controller = arr(o, "metadata.ownerReferences")
                    .iter()
                    .find(|r| b(r, "controller"))
                    .map(|r| {
                        let gv = apimachinery::GroupVersion::parse(s(r, "apiVersion"));
                        let kind = if gv.group.is_empty() {
                            s(r, "kind").to_string()
                        } else {
                            format!("{}.{}", s(r, "kind"), gv.group)
                        };
                        format!("{}/{}", kind.to_lowercase(), s(r, "name"))
                    })
                    .unwrap_or_else(|| "<none>".into());
                vec![name(o), controller, i(o, "revision").to_string(), creation_age(o, now)]
            },
        ),
        ("", "ResourceQuota") => (
            cols(&[("Name", 0), ("Request", 0), ("Limit", 0), ("Age", 0)]),
            |o, now, _| {
                let (req, lim) = quota_columns(o);
                vec![name(o), req, lim, creation_age(o, now)]
            },
        ),
        ("scheduling.k8s.io", "PriorityClass") => (
            cols(&[
                ("Name", 0),
                ("Value", 0),
                ("Global-Default", 0),
                ("Age", 0),
                ("PreemptionPolicy", 1),
            ]),
            |o, now, _| {
                vec![
                    name(o),
                    i(o, "value").to_string(),
                    b(o, "globalDefault").to_string(),
                    creation_age(o, now),
                    s(o, "preemptionPolicy").to_string(),
                ]
            },
        ),
        ("node.k8s.io", "RuntimeClass") => (cols(&[("Name", 0), ("Handler", 0), ("Age", 0)]), |o, now, _| {
            vec![name(o), s(o, "handler").to_string(), creation_age(o, now)]
        }),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration")
        | ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration") => {
            (cols(&[("Name", 0), ("Webhooks", 0), ("Age", 0)]), |o, now, _| {
                vec![name(o), len_of(o, "webhooks").to_string(), creation_age(o, now)]
            })
        }
        ("certificates.k8s.io", "CertificateSigningRequest") => (
            cols(&[
                ("Name", 0),
                ("Age", 0),
                ("SignerName", 0),
                ("Requestor", 0),
                ("RequestedDuration", 0),
                ("Condition", 0),
            ]),
            |o, now, _| {
                let duration = opt_i(o, "spec.expirationSeconds")
                    .map(human_duration)
                    .unwrap_or_else(|| "<none>".into());
                vec![
                    name(o),
                    creation_age(o, now),
                    opt_s(o, "spec.signerName")
                        .filter(|x| !x.is_empty())
                        .unwrap_or("<none>")
                        .to_string(),
                    s(o, "spec.username").to_string(),
                    duration,
                    csr_status(o),
                ]
            },
        ),
        ("networking.k8s.io", "ServiceCIDR") => (cols(&[("Name", 0), ("CIDRs", 0), ("Age", 0)]), |o, now, _| {
            let cidrs: Vec<String> = arr(o, "spec.cidrs").iter().map(scalar_string).collect();
            vec![name(o), cidrs.join(","), creation_age(o, now)]
        }),
        // printIPAddress: the parent as lower-case resource.group/namespace/name.
        ("networking.k8s.io", "IPAddress") => (cols(&[("Name", 0), ("ParentRef", 0)]), |o, _, _| {
            let parent = match at(o, "spec.parentRef") {
                Value::Object(_) => {
                    let p = at(o, "spec.parentRef");
                    let (group, resource) = (s(p, "group"), s(p, "resource"));
                    let mut text = if group.is_empty() {
                        resource.to_string()
                    } else {
                        format!("{resource}.{group}")
                    }
                    .to_lowercase();
                    if !s(p, "namespace").is_empty() {
                        text.push('/');
                        text.push_str(s(p, "namespace"));
                    }
                    text.push('/');
                    text.push_str(s(p, "name"));
                    text
                }
                _ => "<none>".to_string(),
            };
            vec![name(o), parent]
        }),
        ("", "ComponentStatus") => (
            cols(&[("Name", 0), ("Status", 0), ("Message", 0), ("Error", 0)]),
            |o, _, _| {
                let healthy = arr(o, "conditions").iter().find(|c| s(c, "type") == "Healthy");
                let status = match healthy {
                    Some(c) if s(c, "status") == "True" => "Healthy",
                    Some(_) => "Unhealthy",
                    None => "Unknown",
                };
                let (msg, err) = healthy.map(|c| (s(c, "message"), s(c, "error"))).unwrap_or(("", ""));
                vec![name(o), status.to_string(), msg.to_string(), err.to_string()]
            },
        ),
        ("storage.k8s.io", "CSINode") => (cols(&[("Name", 0), ("Drivers", 0), ("Age", 0)]), |o, now, _| {
            vec![name(o), len_of(o, "spec.drivers").to_string(), creation_age(o, now)]
        }),
        _ => match platform::printer(group, kind) {
            Some(p) => p,
            None => return default_table(items),
        },
    };
    let mut ordered: Vec<&Value> = items.iter().collect();
    ordered.sort_by(|a, b| platform::row_order(group, kind, a, b));
    let rows = ordered.into_iter().map(|o| row(o, printer(o, now, wide))).collect();
    Table { columns, rows }
}

/// A kind's row printer: the object, now (Unix seconds) and whether `-o wide` was asked.
type Printer = fn(&Value, i64, bool) -> Vec<String>;

/// core/v1 Event's columns (events.k8s.io Events print the same).
fn event_columns() -> (Vec<Column>, Printer) {
    (
        vec![
            Column::new("Last Seen", 0),
            Column::new("Type", 0),
            Column::new("Reason", 0),
            Column::new("Object", 0),
            Column::new("Subobject", 1),
            Column::new("Source", 1),
            Column::new("Message", 0),
            Column::new("First Seen", 1),
            Column::new("Count", 1),
            Column {
                name: "Name".into(),
                priority: 1,
                is_name: true,
            },
        ],
        event_cells,
    )
}

/// The server's default table (rest.DefaultTableConvertor): NAME and CREATED AT (RFC 3339).
pub fn default_table(items: &[Value]) -> Table {
    let columns = vec![Column::name_column("Name"), Column::new("Created At", 0)];
    let rows = items
        .iter()
        .map(|o| {
            let created = parse_rfc3339(s(o, "metadata.creationTimestamp"))
                .map(format_rfc3339)
                .unwrap_or_default();
            row(o, vec![name(o), created])
        })
        .collect();
    Table { columns, rows }
}

fn custom_resource_table(columns: &[CrdColumn], items: &[Value], now: i64) -> Table {
    let mut cols = vec![Column::name_column("Name")];
    let parsed: Vec<Option<JsonPath>> = columns
        .iter()
        .map(|c| {
            cols.push(Column::new(&c.name, c.priority));
            JsonPath::parse(&format!("{{{}}}", c.json_path)).ok()
        })
        .collect();
    let rows = items
        .iter()
        .map(|o| {
            let mut cells = vec![Some(name(o))];
            for (c, p) in columns.iter().zip(&parsed) {
                let value = p.as_ref().and_then(|p| p.find_first(o));
                cells.push(value.and_then(|v| crd_cell(&c.type_, &v, now)));
            }
            Row {
                cells,
                object: o.clone(),
            }
        })
        .collect();
    Table { columns: cols, rows }
}

// tableconvertor.cellForJSONValue, with strings printed as jsonpath prints them.
fn crd_cell(type_: &str, v: &Value, now: i64) -> Option<String> {
    match type_ {
        "string" => Some(match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }),
        "date" => v.as_str().and_then(parse_rfc3339).map(|t| human_duration(now - t)),
        "integer" => v.as_i64().map(|n| n.to_string()),
        "number" => v.as_f64().map(|_| v.to_string()),
        "boolean" => v.as_bool().map(|b| b.to_string()),
        _ => None,
    }
}

fn bool_ptr(v: &Value) -> String {
    match v.as_bool() {
        Some(true) => "True".into(),
        Some(false) => "False".into(),
        None => "<unset>".into(),
    }
}

fn pod_cells(pod: &Value, now: i64, _wide: bool) -> Vec<String> {
    let (ready, status, restarts) = pod_ready_status_restarts(pod, now);
    let ip = arr(pod, "status.podIPs").first().map(|p| s(p, "ip")).unwrap_or("");
    let gates = arr(pod, "spec.readinessGates");
    let readiness = if gates.is_empty() {
        "<none>".to_string()
    } else {
        let conds = arr(pod, "status.conditions");
        let ok = gates
            .iter()
            .filter(|g| {
                conds
                    .iter()
                    .find(|c| s(c, "type") == s(g, "conditionType"))
                    .is_some_and(|c| s(c, "status") == "True")
            })
            .count();
        format!("{ok}/{}", gates.len())
    };
    vec![
        name(pod),
        ready,
        status,
        restarts,
        creation_age(pod, now),
        none_if_empty(ip),
        none_if_empty(s(pod, "spec.nodeName")),
        none_if_empty(s(pod, "status.nominatedNodeName")),
        readiness,
    ]
}

fn none_if_empty(x: &str) -> String {
    if x.is_empty() {
        "<none>".into()
    } else {
        x.to_string()
    }
}

/// READY, STATUS and RESTARTS of a pod exactly as printPod computes them.
pub fn pod_ready_status_restarts(pod: &Value, now: i64) -> (String, String, String) {
    let init_specs = arr(pod, "spec.initContainers");
    let is_sidecar = |name: &str| {
        init_specs
            .iter()
            .any(|c| s(c, "name") == name && s(c, "restartPolicy") == "Always")
    };
    let mut total = len_of(pod, "spec.containers") as i64;
    total += init_specs.iter().filter(|c| s(c, "restartPolicy") == "Always").count() as i64;
    let mut ready = 0i64;
    let mut restarts = 0i64;
    let mut sidecar_restarts = 0i64;
    let mut last_restart: Option<i64> = None;
    let mut last_sidecar_restart: Option<i64> = None;
    let phase = s(pod, "status.phase");
    let mut reason = phase.to_string();
    if let Some(r) = opt_s(pod, "status.reason").filter(|r| !r.is_empty()) {
        reason = r.to_string();
    }
    let conditions = arr(pod, "status.conditions");
    if conditions
        .iter()
        .any(|c| s(c, "type") == "PodScheduled" && s(c, "reason") == "SchedulingGated")
    {
        reason = "SchedulingGated".into();
    }
    let finished = |c: &Value| parse_rfc3339(s(c, "lastState.terminated.finishedAt"));
    let later = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    };

    let mut initializing = false;
    let init_statuses = arr(pod, "status.initContainerStatuses");
    for (ix, c) in init_statuses.iter().enumerate() {
        restarts += i(c, "restartCount");
        if !at(c, "lastState.terminated").is_null() {
            last_restart = later(last_restart, finished(c));
        }
        let sidecar = is_sidecar(s(c, "name"));
        if sidecar {
            sidecar_restarts += i(c, "restartCount");
            if !at(c, "lastState.terminated").is_null() {
                last_sidecar_restart = later(last_sidecar_restart, finished(c));
            }
        }
        let terminated = at(c, "state.terminated");
        let waiting = at(c, "state.waiting");
        if !terminated.is_null() && i(terminated, "exitCode") == 0 {
            continue;
        }
        if sidecar && b(c, "started") {
            if b(c, "ready") {
                ready += 1;
            }
            continue;
        }
        if !terminated.is_null() {
            let r = s(terminated, "reason");
            reason = if r.is_empty() {
                if i(terminated, "signal") != 0 {
                    format!("Init:Signal:{}", i(terminated, "signal"))
                } else {
                    format!("Init:ExitCode:{}", i(terminated, "exitCode"))
                }
            } else {
                format!("Init:{r}")
            };
        } else if !waiting.is_null() && !s(waiting, "reason").is_empty() && s(waiting, "reason") != "PodInitializing" {
            reason = format!("Init:{}", s(waiting, "reason"));
        } else {
            reason = format!("Init:{ix}/{}", init_specs.len());
        }
        initializing = true;
        break;
    }

    let initialized_true = conditions
        .iter()
        .any(|c| s(c, "type") == "Initialized" && s(c, "status") == "True");
    if !initializing || initialized_true {
        restarts = sidecar_restarts;
        last_restart = last_sidecar_restart;
        let mut has_running = false;
        for c in arr(pod, "status.containerStatuses").iter().rev() {
            restarts += i(c, "restartCount");
            if !at(c, "lastState.terminated").is_null() {
                last_restart = later(last_restart, finished(c));
            }
            let waiting = at(c, "state.waiting");
            let terminated = at(c, "state.terminated");
            if !waiting.is_null() && !s(waiting, "reason").is_empty() {
                reason = s(waiting, "reason").to_string();
            } else if !terminated.is_null() && !s(terminated, "reason").is_empty() {
                reason = s(terminated, "reason").to_string();
            } else if !terminated.is_null() {
                reason = if i(terminated, "signal") != 0 {
                    format!("Signal:{}", i(terminated, "signal"))
                } else {
                    format!("ExitCode:{}", i(terminated, "exitCode"))
                };
            } else if b(c, "ready") && !at(c, "state.running").is_null() {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| s(c, "type") == "Ready" && s(c, "status") == "True");
            reason = if pod_ready { "Running".into() } else { "NotReady".into() };
        }
    }

    let deleting = !at(pod, "metadata.deletionTimestamp").is_null();
    if deleting && s(pod, "status.reason") == "NodeLost" {
        reason = "Unknown".into();
    } else if deleting && phase != "Succeeded" && phase != "Failed" {
        reason = "Terminating".into();
    }

    let restarts_text = match last_restart {
        Some(t) if restarts != 0 => format!("{restarts} ({} ago)", human_duration(now - t)),
        _ => restarts.to_string(),
    };
    (format!("{ready}/{total}"), reason, restarts_text)
}

fn job_cells(o: &Value, now: i64, _wide: bool) -> Vec<String> {
    let succeeded = i(o, "status.succeeded");
    let completions = match opt_i(o, "spec.completions") {
        Some(c) => format!("{succeeded}/{c}"),
        None => {
            let p = i(o, "spec.parallelism");
            if p > 1 {
                format!("{succeeded}/1 of {p}")
            } else {
                format!("{succeeded}/1")
            }
        }
    };
    let start = opt_s(o, "status.startTime").and_then(parse_rfc3339);
    let end = opt_s(o, "status.completionTime").and_then(parse_rfc3339);
    let duration = match (start, end) {
        (None, _) => String::new(),
        (Some(st), None) => human_duration(now - st),
        (Some(st), Some(en)) => human_duration(en - st),
    };
    let conds = arr(o, "status.conditions");
    let has = |t: &str| {
        conds
            .iter()
            .find(|c| s(c, "type") == t)
            .is_some_and(|c| s(c, "status") == "True")
    };
    let status = if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if !at(o, "metadata.deletionTimestamp").is_null() {
        "Terminating"
    } else if has("Suspended") {
        "Suspended"
    } else if has("FailureTarget") {
        "FailureTarget"
    } else {
        "Running"
    };
    let (n, im) = container_cells(at(o, "spec.template.spec"));
    vec![
        name(o),
        status.to_string(),
        completions,
        duration,
        creation_age(o, now),
        n,
        im,
        format_label_selector(at(o, "spec.selector")),
    ]
}

/// loadBalancerStatusStringer: sorted unique IPs/hostnames, clipped to 16 bytes unless wide.
fn load_balancer_string(ingress: &[Value], wide: bool) -> String {
    let mut set: Vec<String> = Vec::new();
    for ing in ingress {
        let v = if !s(ing, "ip").is_empty() {
            s(ing, "ip")
        } else {
            s(ing, "hostname")
        };
        if !v.is_empty() && !set.iter().any(|x| x == v) {
            set.push(v.to_string());
        }
    }
    set.sort();
    let r = set.join(",");
    if !wide && r.len() > 16 {
        return format!("{}...", r.get(..13).unwrap_or(&r));
    }
    r
}

fn service_cells(o: &Value, now: i64, wide: bool) -> Vec<String> {
    let cluster_ip = arr(o, "spec.clusterIPs")
        .first()
        .and_then(Value::as_str)
        .unwrap_or("<none>")
        .to_string();
    let external_ips: Vec<String> = arr(o, "spec.externalIPs").iter().map(scalar_string).collect();
    let svc_type = s(o, "spec.type");
    let external = match svc_type {
        "ClusterIP" | "NodePort" => {
            if external_ips.is_empty() {
                "<none>".to_string()
            } else {
                external_ips.join(",")
            }
        }
        "LoadBalancer" => {
            let lb = load_balancer_string(arr(o, "status.loadBalancer.ingress"), wide);
            if !external_ips.is_empty() {
                let mut all: Vec<String> = if lb.is_empty() {
                    vec![]
                } else {
                    lb.split(',').map(String::from).collect()
                };
                all.extend(external_ips.iter().cloned());
                all.join(",")
            } else if !lb.is_empty() {
                lb
            } else {
                "<pending>".to_string()
            }
        }
        "ExternalName" => s(o, "spec.externalName").to_string(),
        _ => "<unknown>".to_string(),
    };
    let ports: Vec<String> = arr(o, "spec.ports")
        .iter()
        .map(|p| {
            let proto = s(p, "protocol");
            if i(p, "nodePort") > 0 {
                format!("{}:{}/{proto}", i(p, "port"), i(p, "nodePort"))
            } else {
                format!("{}/{proto}", i(p, "port"))
            }
        })
        .collect();
    let ports = if ports.is_empty() {
        "<none>".to_string()
    } else {
        ports.join(",")
    };
    vec![
        name(o),
        svc_type.to_string(),
        cluster_ip,
        external,
        ports,
        creation_age(o, now),
        format_labels(at(o, "spec.selector")),
    ]
}

fn ingress_hosts(rules: &[Value]) -> String {
    let mut list: Vec<&str> = Vec::new();
    let mut more = false;
    for r in rules {
        if list.len() == 3 {
            more = true;
        }
        if !more && !s(r, "host").is_empty() {
            list.push(s(r, "host"));
        }
    }
    if list.is_empty() {
        return "*".into();
    }
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", rules.len() - 3);
    }
    ret
}

fn join_host_port(ip: &str, port: i64) -> String {
    if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    }
}

/// formatEndpoints with all ports.
pub fn format_endpoints(o: &Value) -> String {
    let subsets = arr(o, "subsets");
    if subsets.is_empty() {
        return "<none>".into();
    }
    let mut list: Vec<String> = Vec::new();
    let max = 3;
    let mut more = false;
    let mut count = 0usize;
    for ss in subsets {
        let addrs = arr(ss, "addresses");
        let ports = arr(ss, "ports");
        if ports.is_empty() {
            count += addrs.len();
            for a in addrs {
                if list.len() == max {
                    more = true;
                    break;
                }
                list.push(s(a, "ip").to_string());
            }
            continue;
        }
        for p in ports {
            count += addrs.len();
            for a in addrs {
                if list.len() == max {
                    more = true;
                    break;
                }
                list.push(join_host_port(s(a, "ip"), i(p, "port")));
            }
        }
    }
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", count - max);
    }
    ret
}

fn list_with_more(list: Vec<String>, more: bool, count: usize, max: usize) -> String {
    let ret = list.join(",");
    if more {
        return format!("{ret} + {} more...", count.saturating_sub(max));
    }
    if ret.is_empty() {
        return "<unset>".into();
    }
    ret
}

fn format_slice_ports(ports: &[Value]) -> String {
    let mut list = Vec::new();
    let mut more = false;
    for p in ports {
        if list.len() < 3 {
            let n = match (opt_i(p, "port"), opt_s(p, "name")) {
                (Some(n), _) => n.to_string(),
                (None, Some(nm)) => nm.to_string(),
                _ => "*".to_string(),
            };
            list.push(n);
        } else if list.len() == 3 {
            more = true;
        }
    }
    list_with_more(list, more, ports.len(), 3)
}

fn format_slice_endpoints(endpoints: &[Value]) -> String {
    let mut list = Vec::new();
    let mut more = false;
    let mut count = 0;
    for e in endpoints {
        for a in arr(e, "addresses") {
            if list.len() < 3 {
                list.push(scalar_string(a));
            } else if list.len() == 3 {
                more = true;
            }
            count += 1;
        }
    }
    list_with_more(list, more, count, 3)
}

fn node_cells(o: &Value, now: i64, _wide: bool) -> Vec<String> {
    let mut status: Vec<String> = Vec::new();
    if let Some(c) = arr(o, "status.conditions")
        .iter()
        .rev()
        .find(|c| s(c, "type") == "Ready")
    {
        status.push(if s(c, "status") == "True" {
            "Ready".into()
        } else {
            "NotReady".into()
        });
    }
    if status.is_empty() {
        status.push("Unknown".into());
    }
    if b(o, "spec.unschedulable") {
        status.push("SchedulingDisabled".into());
    }
    let mut roles: Vec<String> = Vec::new();
    if let Some(labels) = at(o, "metadata.labels").as_object() {
        for (k, v) in labels {
            if let Some(role) = k.strip_prefix("node-role.kubernetes.io/") {
                if !role.is_empty() {
                    roles.push(role.to_string());
                }
            } else if k == "kubernetes.io/role" {
                let v = scalar_string(v);
                if !v.is_empty() {
                    roles.push(v);
                }
            }
        }
    }
    roles.sort();
    roles.dedup();
    let roles = if roles.is_empty() {
        "<none>".to_string()
    } else {
        roles.join(",")
    };
    let addr = |t: &str| {
        arr(o, "status.addresses")
            .iter()
            .find(|a| s(a, "type") == t)
            .map(|a| s(a, "address").to_string())
            .unwrap_or_else(|| "<none>".into())
    };
    let unknown = |p: &str| {
        let v = s(o, p);
        if v.is_empty() {
            "<unknown>".to_string()
        } else {
            v.to_string()
        }
    };
    vec![
        name(o),
        status.join(","),
        roles,
        creation_age(o, now),
        s(o, "status.nodeInfo.kubeletVersion").to_string(),
        addr("InternalIP"),
        addr("ExternalIP"),
        unknown("status.nodeInfo.osImage"),
        unknown("status.nodeInfo.kernelVersion"),
        unknown("status.nodeInfo.containerRuntimeVersion"),
    ]
}

/// The age of an event timestamp (Time or MicroTime); `<unknown>` when zero.
fn event_age(t: &str, now: i64) -> String {
    age(t, now)
}

fn event_cells(o: &Value, now: i64, _wide: bool) -> Vec<String> {
    let first = if s(o, "firstTimestamp").is_empty() {
        event_age(s(o, "eventTime"), now)
    } else {
        event_age(s(o, "firstTimestamp"), now)
    };
    let mut last = if s(o, "lastTimestamp").is_empty() {
        first.clone()
    } else {
        event_age(s(o, "lastTimestamp"), now)
    };
    let mut count = i(o, "count");
    if !at(o, "series").is_null() {
        last = event_age(s(o, "series.lastObservedTime"), now);
        count = i(o, "series.count");
    } else if count == 0 {
        count = 1;
    }
    let kind = s(o, "involvedObject.kind").to_lowercase();
    let target = if s(o, "involvedObject.name").is_empty() {
        kind
    } else {
        format!("{kind}/{}", s(o, "involvedObject.name"))
    };
    vec![
        last,
        s(o, "type").to_string(),
        s(o, "reason").to_string(),
        target,
        s(o, "involvedObject.fieldPath").to_string(),
        event_source(o),
        s(o, "message").trim().to_string(),
        first,
        count.to_string(),
        name(o),
    ]
}

/// formatEventSource: `component, host`, falling back to reportingController/Instance.
pub fn event_source(o: &Value) -> String {
    let pick = |a: &str, b: &str| {
        let x = s(o, a);
        if x.is_empty() {
            s(o, b).to_string()
        } else {
            x.to_string()
        }
    };
    let component = pick("source.component", "reportingComponent");
    let host = pick("source.host", "reportingInstance");
    if host.is_empty() {
        component
    } else {
        format!("{component}, {host}")
    }
}

fn quantity_or_zero(v: &Value) -> String {
    match v {
        Value::Null => "0".into(),
        other => scalar_string(other),
    }
}

/// helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once.
pub fn access_modes(modes: &[Value]) -> String {
    let has = |m: &str| modes.iter().any(|x| x.as_str() == Some(m));
    let mut out = Vec::new();
    for (m, short) in [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ] {
        if has(m) {
            out.push(short);
        }
    }
    out.join(",")
}

fn pv_class(o: &Value) -> String {
    if let Some(a) = at(o, "metadata.annotations")
        .get("volume.beta.kubernetes.io/storage-class")
        .and_then(Value::as_str)
    {
        return a.to_string();
    }
    s(o, "spec.storageClassName").to_string()
}

fn pvc_class(o: &Value) -> Option<String> {
    if let Some(a) = at(o, "metadata.annotations")
        .get("volume.beta.kubernetes.io/storage-class")
        .and_then(Value::as_str)
    {
        return Some(a.to_string());
    }
    opt_s(o, "spec.storageClassName").map(String::from)
}

fn subjects(list: &[Value]) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut users, mut groups, mut sas) = (Vec::new(), Vec::new(), Vec::new());
    for sub in list {
        match s(sub, "kind") {
            "ServiceAccount" => sas.push(format!("{}/{}", s(sub, "namespace"), s(sub, "name"))),
            "User" => users.push(s(sub, "name").to_string()),
            "Group" => groups.push(s(sub, "name").to_string()),
            _ => {}
        }
    }
    (users, groups, sas)
}

fn is_default_class(o: &Value, key: &str) -> bool {
    let ann = at(o, "metadata.annotations");
    ann.get(key).and_then(Value::as_str) == Some("true")
        || ann
            .get("storageclass.beta.kubernetes.io/is-default-class")
            .and_then(Value::as_str)
            == Some("true")
}

fn hpa_targets(o: &Value) -> String {
    // autoscaling/v1 objects carry one CPU target; the server converts it to a metric.
    if let Some(target) = opt_i(o, "spec.targetCPUUtilizationPercentage") {
        let current = opt_i(o, "status.currentCPUUtilizationPercentage")
            .map(|c| format!("{c}%"))
            .unwrap_or_else(|| "<unknown>".into());
        return format!("cpu: {current}/{target}%");
    }
    let specs = arr(o, "spec.metrics");
    if specs.is_empty() {
        return "<none>".into();
    }
    let statuses = arr(o, "status.currentMetrics");
    let mut list: Vec<String> = Vec::new();
    for (ix, spec) in specs.iter().enumerate() {
        let st = statuses.get(ix);
        let cur =
            |path: &str| -> Option<String> { st.map(|x| at(x, path)).filter(|v| !v.is_null()).map(scalar_string) };
        let entry = match s(spec, "type") {
            "Resource" | "ContainerResource" => {
                let key = if s(spec, "type") == "Resource" {
                    "resource"
                } else {
                    "containerResource"
                };
                let rname = s(spec, &format!("{key}.name"));
                let target = at(spec, &format!("{key}.target"));
                if !at(target, "averageValue").is_null() {
                    let current = cur(&format!("{key}.current.averageValue")).unwrap_or_else(|| "<unknown>".into());
                    format!("{rname}: {current}/{}", scalar_string(at(target, "averageValue")))
                } else {
                    let current = cur(&format!("{key}.current.averageUtilization"))
                        .map(|c| format!("{c}%"))
                        .unwrap_or_else(|| "<unknown>".into());
                    let t = opt_i(target, "averageUtilization")
                        .map(|u| format!("{u}%"))
                        .unwrap_or_else(|| "<auto>".into());
                    format!("{rname}: {current}/{t}")
                }
            }
            "Pods" => {
                let current = cur("pods.current.averageValue").unwrap_or_else(|| "<unknown>".into());
                format!("{current}/{}", scalar_string(at(spec, "pods.target.averageValue")))
            }
            t @ ("Object" | "External") => {
                let key = if t == "Object" { "object" } else { "external" };
                let target = at(spec, &format!("{key}.target"));
                if !at(target, "averageValue").is_null() {
                    let current = cur(&format!("{key}.current.averageValue")).unwrap_or_else(|| "<unknown>".into());
                    format!("{current}/{} (avg)", scalar_string(at(target, "averageValue")))
                } else {
                    let current = cur(&format!("{key}.current.value")).unwrap_or_else(|| "<unknown>".into());
                    format!("{current}/{}", scalar_string(at(target, "value")))
                }
            }
            _ => "<unknown type>".into(),
        };
        list.push(entry);
    }
    let count = list.len();
    if count > 2 {
        list.truncate(2);
        return format!("{} + {} more...", list.join(", "), count - 2);
    }
    list.join(", ")
}

fn quota_columns(o: &Value) -> (String, String) {
    let hard = at(o, "status.hard").as_object();
    let used = at(o, "status.used");
    let mut req = Vec::new();
    let mut lim = Vec::new();
    if let Some(hard) = hard {
        // BTreeMap keys are already sorted like SortableResourceNames.
        for (k, h) in hard {
            let u = used.get(k).map(scalar_string).unwrap_or_else(|| "0".into());
            let text = format!("{k}: {u}/{}", scalar_string(h));
            let pieces: Vec<&str> = k.split('.').collect();
            if pieces.len() > 1 && pieces.first() == Some(&"limits") {
                lim.push(text);
            } else {
                req.push(text);
            }
        }
    }
    (req.join(", "), lim.join(", "))
}

fn csr_status(o: &Value) -> String {
    let conds = arr(o, "status.conditions");
    let has = |t: &str| conds.iter().any(|c| s(c, "type") == t);
    let mut status = if has("Denied") {
        "Denied".to_string()
    } else if has("Approved") {
        "Approved".to_string()
    } else {
        "Pending".to_string()
    };
    if has("Failed") {
        status.push_str(",Failed");
    }
    if !s(o, "status.certificate").is_empty() {
        status.push_str(",Issued");
    }
    status
}

#[cfg(test)]
mod tests;
