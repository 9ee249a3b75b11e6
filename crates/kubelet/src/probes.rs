//! Readiness, liveness and startup probes evaluated against the container model: servers
//! listen on their ports (nginx and httpd answer `GET /` with 200), exec probes run in the
//! container's in-memory files.

use crate::images::ImageKind;
use crate::pod::{ContainerRt, PodEvent, SyncOutput};
use crate::program::{Process, StartContext};
use serde_json::Value;
use sim::{Duration, SimTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Startup,
    Liveness,
    Readiness,
}

impl Kind {
    fn field(self) -> &'static str {
        match self {
            Kind::Startup => "startupProbe",
            Kind::Liveness => "livenessProbe",
            Kind::Readiness => "readinessProbe",
        }
    }
    fn title(self) -> &'static str {
        match self {
            Kind::Startup => "Startup",
            Kind::Liveness => "Liveness",
            Kind::Readiness => "Readiness",
        }
    }
}

fn int(v: &Value, field: &str, default: i64) -> i64 {
    v.get(field).and_then(Value::as_i64).unwrap_or(default)
}

/// Sets the first probe times after a start.
pub fn schedule_initial(c: &mut ContainerRt, now: SimTime) {
    let at = |c: &ContainerRt, k: Kind| {
        c.spec
            .get(k.field())
            .map(|p| now.add(Duration::from_secs(int(p, "initialDelaySeconds", 0).max(0))))
    };
    let startup = at(c, Kind::Startup);
    let liveness = at(c, Kind::Liveness);
    let readiness = at(c, Kind::Readiness);
    let st = c.probe_state_mut();
    *st = Default::default();
    st.startup_next = startup;
    if startup.is_none() {
        st.liveness_next = liveness;
        st.readiness_next = readiness;
    } else {
        st.pending_liveness = liveness.is_some();
        st.pending_readiness = readiness.is_some();
    }
}

/// Outcome of one probe: Ok, or the failure text kubelet reports.
fn evaluate(c: &ContainerRt, probe: &Value, pod_ip: &str, now: SimTime) -> Result<(), String> {
    let Some(p) = c.process_ref() else {
        return Err("container is not running".into());
    };
    // Control-plane daemons and add-ons answer their health endpoints.
    if c.image_kind() == Some(ImageKind::Daemon) {
        return Ok(());
    }
    let named_port = |port: &Value| -> i64 {
        match port {
            Value::Number(n) => n.as_i64().unwrap_or(0),
            Value::String(name) => c
                .spec
                .get("ports")
                .and_then(Value::as_array)
                .and_then(|ps| {
                    ps.iter()
                        .find(|x| x.get("name").and_then(Value::as_str) == Some(name.as_str()))
                })
                .and_then(|x| x.get("containerPort"))
                .and_then(Value::as_i64)
                .unwrap_or(0),
            _ => 0,
        }
    };
    let listening = |port: i64| p.listening.iter().any(|l| i64::from(*l) == port);
    if let Some(h) = probe.get("httpGet") {
        let port = named_port(h.get("port").unwrap_or(&Value::Null));
        let path = h.get("path").and_then(Value::as_str).unwrap_or("/");
        let scheme = h
            .get("scheme")
            .and_then(Value::as_str)
            .unwrap_or("HTTP")
            .to_ascii_lowercase();
        let host = h.get("host").and_then(Value::as_str).unwrap_or(pod_ip);
        let url = format!("{scheme}://{host}:{port}{path}");
        if !listening(port) {
            return Err(format!(
                "Get \"{url}\": dial tcp {host}:{port}: connect: connection refused"
            ));
        }
        return match p.server {
            Some(ImageKind::Nginx | ImageKind::Httpd) => {
                if matches!(path, "/" | "" | "/index.html") {
                    Ok(())
                } else {
                    Err("HTTP probe failed with statuscode: 404".into())
                }
            }
            _ => Err(format!(
                "Get \"{url}\": net/http: HTTP/1.x transport connection broken: malformed HTTP response"
            )),
        };
    }
    if let Some(t) = probe.get("tcpSocket") {
        let port = named_port(t.get("port").unwrap_or(&Value::Null));
        let host = t.get("host").and_then(Value::as_str).unwrap_or(pod_ip);
        return if listening(port) {
            Ok(())
        } else {
            Err(format!("dial tcp {host}:{port}: connect: connection refused"))
        };
    }
    if let Some(e) = probe.get("exec") {
        let argv: Vec<String> = e
            .get("command")
            .and_then(Value::as_array)
            .map(|a| a.iter().map(|x| x.as_str().unwrap_or("").to_string()).collect())
            .unwrap_or_default();
        let ctx = StartContext {
            files: p.files.clone(),
            ..Default::default()
        };
        let mut probe_proc = match Process::start(&argv, ImageKind::Shell, p.flavor(), "", &ctx, now) {
            Ok(pp) => pp,
            Err(err) => return Err(err.message),
        };
        let out = probe_proc.run(now);
        return match probe_proc.exited() {
            Some(0) => Ok(()),
            Some(_) => Err(out.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join("\n")),
            // A command that blocks past the timeout.
            None => Err(format!("command timed out after {}s", int(probe, "timeoutSeconds", 1))),
        };
    }
    if let Some(g) = probe.get("grpc") {
        let port = int(g, "port", 0);
        return if listening(port) {
            Ok(())
        } else {
            Err(format!(
                "timeout: failed to connect service \"{pod_ip}:{port}\" within 1s: context deadline exceeded"
            ))
        };
    }
    Ok(())
}

/// Runs the probes due at `now`. `kill` restarts the container (liveness/startup failure).
/// True when the container's readiness, started flag or life changed.
pub fn run(
    c: &mut ContainerRt,
    pod_ip: &str,
    now: SimTime,
    out: &mut SyncOutput,
    kill: &mut dyn FnMut(&mut ContainerRt, Option<i64>),
) -> bool {
    let mut changed = false;
    for kind in [Kind::Startup, Kind::Liveness, Kind::Readiness] {
        let due = match kind {
            Kind::Startup => c.probe_state_mut().startup_next,
            Kind::Liveness => c.probe_state_mut().liveness_next,
            Kind::Readiness => c.probe_state_mut().readiness_next,
        };
        let Some(due) = due.filter(|d| *d <= now) else { continue };
        let Some(probe) = c.spec.get(kind.field()).cloned() else {
            continue;
        };
        let period = Duration::from_secs(int(&probe, "periodSeconds", 10).max(1));
        let failure_threshold = int(&probe, "failureThreshold", 3).max(1);
        let success_threshold = int(&probe, "successThreshold", 1).max(1);
        let result = evaluate(c, &probe, pod_ip, now);
        let next = Some(due.add(period));
        match kind {
            Kind::Startup => c.probe_state_mut().startup_next = next,
            Kind::Liveness => c.probe_state_mut().liveness_next = next,
            Kind::Readiness => c.probe_state_mut().readiness_next = next,
        }
        // Only exec probes can change their answer while the process runs (files change);
        // a passing network probe is not re-run, so idle pods do not wake the loop.
        let stable = probe.get("exec").is_none();
        match result {
            Ok(()) => match kind {
                Kind::Startup => {
                    let st = c.probe_state_mut();
                    st.startup_next = None;
                    st.startup_failures = 0;
                    if st.pending_liveness {
                        st.liveness_next = Some(now);
                    }
                    if st.pending_readiness {
                        st.readiness_next = Some(now);
                    }
                    c.started = true;
                    if c.spec.get("readinessProbe").is_none() {
                        c.ready = true;
                    }
                    changed = true;
                }
                Kind::Liveness => {
                    let st = c.probe_state_mut();
                    st.liveness_failures = 0;
                    if stable {
                        st.liveness_next = None;
                    }
                }
                Kind::Readiness => {
                    let st = c.probe_state_mut();
                    st.readiness_failures = 0;
                    st.readiness_successes = st.readiness_successes.saturating_add(1);
                    if st.readiness_successes >= success_threshold {
                        if stable {
                            st.readiness_next = None;
                        }
                        if !c.ready {
                            c.ready = true;
                            changed = true;
                        }
                    }
                }
            },
            Err(msg) => {
                out.events.push(PodEvent {
                    field_path: String::new(),
                    type_: "Warning",
                    reason: "Unhealthy",
                    message: format!("{} probe failed: {msg}", kind.title()),
                });
                let st = c.probe_state_mut();
                let failures = match kind {
                    Kind::Startup => {
                        st.startup_failures = st.startup_failures.saturating_add(1);
                        st.startup_failures
                    }
                    Kind::Liveness => {
                        st.liveness_failures = st.liveness_failures.saturating_add(1);
                        st.liveness_failures
                    }
                    Kind::Readiness => {
                        st.readiness_failures = st.readiness_failures.saturating_add(1);
                        st.readiness_successes = 0;
                        st.readiness_failures
                    }
                };
                if failures >= failure_threshold {
                    match kind {
                        Kind::Readiness => {
                            if c.ready {
                                c.ready = false;
                                changed = true;
                            }
                        }
                        Kind::Liveness | Kind::Startup => {
                            let which = if kind == Kind::Liveness { "liveness" } else { "startup" };
                            out.events.push(PodEvent {
                                field_path: String::new(),
                                type_: "Normal",
                                reason: "Killing",
                                message: format!("Container {} failed {which} probe, will be restarted", c.name),
                            });
                            // probe-level terminationGracePeriodSeconds overrides the pod's.
                            kill(c, probe.get("terminationGracePeriodSeconds").and_then(Value::as_i64));
                            return true;
                        }
                    }
                }
            }
        }
    }
    changed
}
