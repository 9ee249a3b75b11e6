//! Deterministic resource usage of running containers, for `kubectl top` and the HPA.
//! Figures are typical of the real images at idle; a loop that never sleeps uses a full
//! core (or its CPU limit).

use crate::images::ImageKind;
use crate::kubelet::ContainerUsage;
use crate::pod::ContainerRt;
use serde_json::Value;

const MI: i64 = 1 << 20;

/// A CPU quantity (`500m`, `1`, `0.5`) in millicores.
fn cpu_millis(q: &str) -> Option<i64> {
    if let Some(m) = q.strip_suffix('m') {
        return m.parse().ok();
    }
    q.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(|f| (f * 1000.0).round() as i64)
}

pub fn container_usage(c: &ContainerRt) -> ContainerUsage {
    let image = c.spec.get("image").and_then(Value::as_str).unwrap_or("");
    let process = c.process();
    let busy = process.is_some_and(|p| p.busy);
    let server = process.and_then(|p| p.server);
    let (mut cpu, mem) = match (server, c.image_kind()) {
        (Some(ImageKind::Nginx), _) => (1, 6 * MI),
        (Some(ImageKind::Httpd), _) => (1, 9 * MI),
        (Some(ImageKind::Redis), _) => (3, 9 * MI),
        (Some(ImageKind::Memcached), _) => (1, 3 * MI),
        (Some(ImageKind::Mongo), _) => (8, 170 * MI),
        (Some(ImageKind::Mysql), _) => (6, 420 * MI),
        (Some(ImageKind::Postgres), _) => (2, 40 * MI),
        (_, Some(ImageKind::Daemon)) => {
            let name = image.rsplit('/').next().unwrap_or(image);
            match name.split(':').next().unwrap_or(name) {
                "kube-apiserver" => (38, 310 * MI),
                "etcd" => (22, 52 * MI),
                "kube-controller-manager" => (16, 54 * MI),
                "kube-scheduler" => (4, 26 * MI),
                "coredns" => (2, 16 * MI),
                "kube-proxy" => (1, 22 * MI),
                "flannel" => (3, 17 * MI),
                "metrics-server" => (4, 19 * MI),
                _ => (0, MI),
            }
        }
        (_, Some(ImageKind::Stress)) => (0, MI),
        _ => (0, MI / 2 + MI / 4),
    };
    // Saturating: a restored process may claim any size.
    let mem = mem.saturating_add(process.map(|p| p.memory_bytes).unwrap_or(0));
    if busy {
        let limit = c
            .spec
            .pointer("/resources/limits/cpu")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_f64().map(|f| f.to_string()))
            })
            .and_then(|q| cpu_millis(&q));
        cpu = limit.unwrap_or(1000).min(1000);
    }
    ContainerUsage {
        name: c.name.clone(),
        cpu_millis: cpu,
        memory_bytes: mem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities_parse_to_millicores() {
        assert_eq!(cpu_millis("500m"), Some(500));
        assert_eq!(cpu_millis("1"), Some(1000));
        assert_eq!(cpu_millis("0.25"), Some(250));
        assert_eq!(cpu_millis("x"), None);
    }
}
