//! The image catalogue the simulated registry knows: references normalised as containerd
//! does (`nginx` → `docker.io/library/nginx:latest`), sizes, deterministic digests, pull
//! durations derived from the size, each image's default ENTRYPOINT/CMD, and the texts
//! containerd returns when a pull fails.

use serde::{Deserialize, Serialize};

/// A reference split as the docker reference grammar does.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ImageRef {
    /// `docker.io`, `registry.k8s.io`, …
    pub domain: String,
    /// `library/nginx`, `pause`, …
    pub path: String,
    /// `latest` when neither tag nor digest was given.
    pub tag: String,
    /// `sha256:…` when pinned by digest.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Normalises a reference the way containerd does. Errors with the text of
    /// `reference.ParseNormalizedNamed` for what cannot be a reference.
    pub fn parse(image: &str) -> Result<ImageRef, String> {
        if image.is_empty() || image.chars().any(char::is_whitespace) {
            return Err("invalid reference format".to_string());
        }
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (image, None),
        };
        // A tag is after the last ':' that follows the last '/'.
        let last_slash = rest.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match rest.get(last_slash..).and_then(|t| t.rfind(':')) {
            Some(i) => {
                let cut = last_slash + i;
                (
                    rest.get(..cut).unwrap_or(rest),
                    rest.get(cut + 1..).unwrap_or("").to_string(),
                )
            }
            None => (rest, String::new()),
        };
        if name.is_empty()
            || name.chars().any(|c| c.is_ascii_uppercase())
            || name.starts_with('/')
            || name.ends_with('/')
            || (tag.is_empty() && rest.ends_with(':'))
        {
            return Err("invalid reference format".to_string());
        }
        if !tag.is_empty()
            && !tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
        {
            return Err("invalid reference format".to_string());
        }
        let (domain, path) = match name.split_once('/') {
            Some((first, more)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first.to_string(), more.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let path = if domain == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        let tag = if tag.is_empty() && digest.is_none() {
            "latest".to_string()
        } else {
            tag
        };
        Ok(ImageRef {
            domain,
            path,
            tag,
            digest,
        })
    }

    /// `docker.io/library/nginx`
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }

    /// `docker.io/library/nginx:latest` (what containerd reports as the container's image).
    pub fn full(&self) -> String {
        match (&self.digest, self.tag.is_empty()) {
            (Some(d), true) => format!("{}@{d}", self.repository()),
            (Some(d), false) => format!("{}:{}@{d}", self.repository(), self.tag),
            (None, _) => format!("{}:{}", self.repository(), self.tag),
        }
    }

    /// The short name the catalogue is keyed by: `nginx`, `registry.k8s.io/pause`, `bitnami/x`.
    fn catalogue_name(&self) -> String {
        match (self.domain.as_str(), self.path.strip_prefix("library/")) {
            ("docker.io", Some(p)) => p.to_string(),
            ("docker.io", None) => self.path.clone(),
            _ => self.repository(),
        }
    }
}

/// One image the registry serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// Normalised reference with tag (`docker.io/library/nginx:1.27`).
    pub reference: String,
    pub repository: String,
    pub size_bytes: i64,
    /// `sha256:<64 hex>`, deterministic per reference.
    pub digest: String,
    /// The image's ENTRYPOINT and CMD.
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    /// The program family the container model runs for the default command.
    pub kind: ImageKind,
    /// Version shown in startup logs (nginx/1.29.3 …).
    pub version: String,
}

impl ImageInfo {
    /// `docker.io/library/nginx@sha256:…` (status.containerStatuses[].imageID).
    pub fn image_id(&self) -> String {
        format!("{}@{}", self.repository, self.digest)
    }

    /// How long a pull takes: a fixed round trip plus the size at 40 MB/s.
    pub fn pull_millis(&self) -> i64 {
        700 + self.size_bytes / 40_000
    }
}

/// What the image's default program is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageKind {
    Nginx,
    Httpd,
    Redis,
    Memcached,
    Mongo,
    Mysql,
    Postgres,
    /// busybox/alpine/ubuntu/debian/golang: a shell that exits at once without a terminal.
    Shell,
    /// node/python: a REPL that exits at once without a terminal.
    Repl,
    /// pause and control-plane daemons: run until stopped, quietly.
    Daemon,
    /// polinux/stress: allocates memory (`--vm-bytes`) or burns CPU (`--cpu`).
    Stress,
}

struct Family {
    name: &'static str,
    kind: ImageKind,
    entrypoint: &'static [&'static str],
    cmd: &'static [&'static str],
    /// (tag, size in bytes, version shown in logs)
    tags: &'static [(&'static str, i64, &'static str)],
}

const CATALOGUE: &[Family] = &[
    Family {
        name: "nginx",
        kind: ImageKind::Nginx,
        entrypoint: &["/docker-entrypoint.sh"],
        cmd: &["nginx", "-g", "daemon off;"],
        tags: &[
            ("latest", 72_195_292, "1.29.3"),
            ("mainline", 72_195_292, "1.29.3"),
            ("1.29", 72_195_292, "1.29.3"),
            ("1.29.3", 72_195_292, "1.29.3"),
            ("stable", 72_010_412, "1.28.0"),
            ("1.28", 72_010_412, "1.28.0"),
            ("1.28.0", 72_010_412, "1.28.0"),
            ("1.27", 72_099_410, "1.27.5"),
            ("1.27.5", 72_099_410, "1.27.5"),
            ("1.27.4", 72_080_127, "1.27.4"),
            ("1.26", 71_010_221, "1.26.3"),
            ("1.25", 70_532_112, "1.25.5"),
            ("1.25.3", 70_480_225, "1.25.3"),
            ("1.24", 56_920_113, "1.24.0"),
            ("1.23", 56_740_522, "1.23.4"),
            ("1.21", 53_620_418, "1.21.6"),
            ("1.19", 53_220_112, "1.19.10"),
            ("1.16", 44_150_221, "1.16.1"),
            ("alpine", 20_974_802, "1.29.3"),
            ("1.27-alpine", 20_571_441, "1.27.5"),
            ("stable-alpine", 20_822_102, "1.28.0"),
        ],
    },
    Family {
        name: "httpd",
        kind: ImageKind::Httpd,
        entrypoint: &[],
        cmd: &["httpd-foreground"],
        tags: &[
            ("latest", 45_201_644, "2.4.65"),
            ("2.4", 45_201_644, "2.4.65"),
            ("2.4.65", 45_201_644, "2.4.65"),
            ("alpine", 21_312_880, "2.4.65"),
        ],
    },
    Family {
        name: "busybox",
        kind: ImageKind::Shell,
        entrypoint: &[],
        cmd: &["sh"],
        tags: &[
            ("latest", 2_223_685, "1.37.0"),
            ("1.37", 2_223_685, "1.37.0"),
            ("1.36", 2_159_934, "1.36.1"),
            ("1.36.1", 2_159_934, "1.36.1"),
            ("1.35", 2_152_021, "1.35.0"),
            ("1.28", 727_869, "1.28.4"),
            ("stable", 2_223_685, "1.37.0"),
            ("musl", 860_412, "1.37.0"),
            ("glibc", 2_402_220, "1.37.0"),
        ],
    },
    Family {
        name: "alpine",
        kind: ImageKind::Shell,
        entrypoint: &[],
        cmd: &["/bin/sh"],
        tags: &[
            ("latest", 3_802_452, "3.22.2"),
            ("3.22", 3_802_452, "3.22.2"),
            ("3.21", 3_644_012, "3.21.5"),
            ("3.20", 3_626_141, "3.20.8"),
            ("3.19", 3_419_706, "3.19.9"),
            ("3.18", 3_408_729, "3.18.12"),
        ],
    },
    Family {
        name: "ubuntu",
        kind: ImageKind::Shell,
        entrypoint: &[],
        cmd: &["/bin/bash"],
        tags: &[
            ("latest", 29_723_147, "24.04"),
            ("24.04", 29_723_147, "24.04"),
            ("noble", 29_723_147, "24.04"),
            ("22.04", 29_542_033, "22.04"),
            ("jammy", 29_542_033, "22.04"),
            ("20.04", 27_506_119, "20.04"),
        ],
    },
    Family {
        name: "debian",
        kind: ImageKind::Shell,
        entrypoint: &[],
        cmd: &["bash"],
        tags: &[
            ("latest", 48_488_201, "13"),
            ("bookworm", 48_480_512, "12"),
            ("bookworm-slim", 28_227_259, "12"),
            ("trixie", 48_488_201, "13"),
            ("stable-slim", 29_771_431, "13"),
            ("12", 48_480_512, "12"),
        ],
    },
    Family {
        name: "redis",
        kind: ImageKind::Redis,
        entrypoint: &["docker-entrypoint.sh"],
        cmd: &["redis-server"],
        tags: &[
            ("latest", 49_821_310, "8.2.3"),
            ("8", 49_821_310, "8.2.3"),
            ("7", 45_210_442, "7.4.6"),
            ("7.4", 45_210_442, "7.4.6"),
            ("7.2", 43_811_210, "7.2.11"),
            ("alpine", 17_312_501, "8.2.3"),
            ("7-alpine", 16_982_210, "7.4.6"),
        ],
    },
    Family {
        name: "memcached",
        kind: ImageKind::Memcached,
        entrypoint: &["docker-entrypoint.sh"],
        cmd: &["memcached"],
        tags: &[
            ("latest", 32_541_122, "1.6.39"),
            ("1.6", 32_541_122, "1.6.39"),
            ("alpine", 5_602_310, "1.6.39"),
        ],
    },
    Family {
        name: "mysql",
        kind: ImageKind::Mysql,
        entrypoint: &["docker-entrypoint.sh"],
        cmd: &["mysqld"],
        tags: &[
            ("latest", 251_421_005, "9.5.0-1.el9"),
            ("9", 251_421_005, "9.5.0-1.el9"),
            ("8", 236_101_442, "8.4.7-1.el9"),
            ("8.4", 236_101_442, "8.4.7-1.el9"),
            ("8.0", 234_998_311, "8.0.44-1.el9"),
            ("5.7", 137_910_221, "5.7.44-1.el7"),
        ],
    },
    Family {
        name: "postgres",
        kind: ImageKind::Postgres,
        entrypoint: &["docker-entrypoint.sh"],
        cmd: &["postgres"],
        tags: &[
            ("latest", 161_872_412, "18.1"),
            ("18", 161_872_412, "18.1"),
            ("17", 158_402_113, "17.7"),
            ("16", 156_110_210, "16.11"),
            ("15", 150_442_001, "15.15"),
            ("alpine", 109_012_442, "18.1"),
            ("16-alpine", 104_420_210, "16.11"),
        ],
    },
    Family {
        name: "mongo",
        kind: ImageKind::Mongo,
        entrypoint: &["docker-entrypoint.sh"],
        cmd: &["mongod"],
        tags: &[
            ("latest", 297_120_442, "8.2.1"),
            ("8", 297_120_442, "8.2.1"),
            ("7", 262_441_008, "7.0.25"),
            ("6", 245_010_112, "6.0.26"),
        ],
    },
    Family {
        name: "node",
        kind: ImageKind::Repl,
        entrypoint: &["docker-entrypoint.sh"],
        cmd: &["node"],
        tags: &[
            ("latest", 403_212_017, "25.2.1"),
            ("lts", 398_112_610, "24.11.1"),
            ("24", 398_112_610, "24.11.1"),
            ("22", 391_042_220, "22.21.1"),
            ("20", 387_220_110, "20.19.5"),
            ("alpine", 56_002_114, "25.2.1"),
            ("lts-alpine", 54_982_002, "24.11.1"),
        ],
    },
    Family {
        name: "python",
        kind: ImageKind::Repl,
        entrypoint: &[],
        cmd: &["python3"],
        tags: &[
            ("latest", 412_660_233, "3.14.0"),
            ("3", 412_660_233, "3.14.0"),
            ("3.14", 412_660_233, "3.14.0"),
            ("3.13", 410_440_221, "3.13.9"),
            ("3.12", 408_110_002, "3.12.12"),
            ("3.11", 405_771_110, "3.11.14"),
            ("slim", 41_880_102, "3.14.0"),
            ("alpine", 17_660_012, "3.14.0"),
        ],
    },
    Family {
        name: "bash",
        kind: ImageKind::Shell,
        entrypoint: &[],
        cmd: &["bash"],
        tags: &[
            ("latest", 6_528_313, "5.3.3"),
            ("5", 6_528_313, "5.3.3"),
            ("5.3", 6_528_313, "5.3.3"),
            ("5.2", 6_310_420, "5.2.37"),
        ],
    },
    Family {
        name: "golang",
        kind: ImageKind::Shell,
        entrypoint: &[],
        cmd: &["bash"],
        tags: &[
            ("latest", 301_220_998, "1.25.4"),
            ("1.25", 301_220_998, "1.25.4"),
            ("1.24", 299_810_101, "1.24.10"),
            ("alpine", 86_402_110, "1.25.4"),
        ],
    },
    Family {
        name: "polinux/stress",
        kind: ImageKind::Stress,
        entrypoint: &[],
        cmd: &["stress", "--help"],
        tags: &[("latest", 4_041_495, "1.0.4")],
    },
    Family {
        name: "vish/stress",
        kind: ImageKind::Stress,
        entrypoint: &["/stress"],
        cmd: &[],
        tags: &[("latest", 1_557_003, "1.0.0")],
    },
    Family {
        name: "registry.k8s.io/pause",
        kind: ImageKind::Daemon,
        entrypoint: &["/pause"],
        cmd: &[],
        tags: &[
            ("3.10.2", 320_512, "3.10.2"),
            ("3.10.1", 320_448, "3.10.1"),
            ("3.10", 320_368, "3.10"),
            ("3.9", 321_520, "3.9"),
        ],
    },
    Family {
        name: "registry.k8s.io/kube-apiserver",
        kind: ImageKind::Daemon,
        entrypoint: &["kube-apiserver"],
        cmd: &[],
        tags: &[("v1.37.1", 30_104_556, "v1.37.1"), ("v1.37.0", 30_101_002, "v1.37.0")],
    },
    Family {
        name: "registry.k8s.io/kube-controller-manager",
        kind: ImageKind::Daemon,
        entrypoint: &["kube-controller-manager"],
        cmd: &[],
        tags: &[("v1.37.1", 27_402_118, "v1.37.1"), ("v1.37.0", 27_399_020, "v1.37.0")],
    },
    Family {
        name: "registry.k8s.io/kube-scheduler",
        kind: ImageKind::Daemon,
        entrypoint: &["kube-scheduler"],
        cmd: &[],
        tags: &[("v1.37.1", 21_810_223, "v1.37.1"), ("v1.37.0", 21_806_110, "v1.37.0")],
    },
    Family {
        name: "registry.k8s.io/kube-proxy",
        kind: ImageKind::Daemon,
        entrypoint: &["/usr/local/bin/kube-proxy"],
        cmd: &[],
        tags: &[("v1.37.1", 31_640_412, "v1.37.1"), ("v1.37.0", 31_636_118, "v1.37.0")],
    },
    Family {
        name: "registry.k8s.io/etcd",
        kind: ImageKind::Daemon,
        entrypoint: &["etcd"],
        cmd: &[],
        tags: &[
            ("3.7.2-0", 23_104_338, "3.7.2"),
            ("3.6.5-0", 22_871_747, "3.6.5"),
            ("3.6.4-0", 22_861_102, "3.6.4"),
        ],
    },
    Family {
        name: "registry.k8s.io/coredns/coredns",
        kind: ImageKind::Daemon,
        entrypoint: &["/coredns"],
        cmd: &[],
        tags: &[
            ("v1.14.7", 23_310_244, "1.14.7"),
            ("v1.13.1", 22_831_018, "1.13.1"),
            ("v1.12.1", 20_946_702, "1.12.1"),
        ],
    },
    Family {
        name: "registry.k8s.io/metrics-server/metrics-server",
        kind: ImageKind::Daemon,
        entrypoint: &["/metrics-server"],
        cmd: &[],
        tags: &[("v0.8.0", 20_630_142, "v0.8.0"), ("v0.7.2", 19_494_617, "v0.7.2")],
    },
    Family {
        name: "ghcr.io/flannel-io/flannel",
        kind: ImageKind::Daemon,
        entrypoint: &["/opt/bin/flanneld"],
        cmd: &[],
        tags: &[("v0.27.4", 33_120_512, "v0.27.4")],
    },
    Family {
        name: "ghcr.io/flannel-io/flannel-cni-plugin",
        kind: ImageKind::Daemon,
        entrypoint: &["/bin/sh"],
        cmd: &[],
        tags: &[("v1.8.0-flannel1", 4_882_110, "v1.8.0")],
    },
];

/// What a pull of an image reference ends in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PullOutcome {
    Found(ImageInfo),
    /// The containerd error text (after `rpc error: …`), as the kubelet wraps it.
    Failed(String),
}

/// Looks an image up in the catalogue.
pub fn lookup(image: &str) -> PullOutcome {
    let r = match ImageRef::parse(image) {
        Ok(r) => r,
        Err(e) => {
            return PullOutcome::Failed(format!(
                "rpc error: code = Unknown desc = failed to pull and unpack image \"{image}\": {e}"
            ))
        }
    };
    let full = r.full();
    let Some(family) = CATALOGUE.iter().find(|f| f.name == r.catalogue_name()) else {
        return PullOutcome::Failed(format!(
            "rpc error: code = Unknown desc = failed to pull and unpack image \"{full}\": failed to resolve image: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed"
        ));
    };
    let tag_entry = if r.tag.is_empty() {
        // Pinned by digest only: any digest of the family is accepted as its latest tag.
        family.tags.first()
    } else {
        family.tags.iter().find(|(t, _, _)| *t == r.tag)
    };
    let Some((_, size, version)) = tag_entry else {
        return PullOutcome::Failed(format!(
            "rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve image: {full}: not found"
        ));
    };
    let repository = r.repository();
    let digest = match &r.digest {
        Some(d) => d.clone(),
        None => format!("sha256:{}", hex_digest(&format!("{repository}:{}", r.tag))),
    };
    PullOutcome::Found(ImageInfo {
        reference: full,
        repository,
        size_bytes: *size,
        digest,
        entrypoint: family.entrypoint.iter().map(|s| s.to_string()).collect(),
        cmd: family.cmd.iter().map(|s| s.to_string()).collect(),
        kind: family.kind,
        version: version.to_string(),
    })
}

/// 64 hex digits derived from `s` (FNV-1a in four lanes): stable across runs and targets.
pub fn hex_digest(s: &str) -> String {
    let mut out = String::with_capacity(64);
    for lane in 0u64..4 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ lane.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        for b in s.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A final avalanche so that neighbouring inputs differ in every digit.
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        out.push_str(&format!("{h:016x}"));
    }
    out
}

/// Go's `time.Duration.String()` for milliseconds (`2.345s`, `1m20s`, `5m0s`, `300ms`).
pub fn go_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".to_string();
    }
    let neg = ms < 0;
    let ms = ms.unsigned_abs();
    let s = if ms < 1000 {
        format!("{ms}ms")
    } else {
        let total_secs = ms / 1000;
        let frac = ms % 1000;
        let secs = total_secs % 60;
        let mins = (total_secs / 60) % 60;
        let hours = total_secs / 3600;
        let mut sec_part = format!("{secs}");
        if frac != 0 {
            let f = format!("{frac:03}");
            sec_part.push('.');
            sec_part.push_str(f.trim_end_matches('0'));
        }
        if hours > 0 {
            format!("{hours}h{mins}m{sec_part}s")
        } else if mins > 0 {
            format!("{mins}m{sec_part}s")
        } else {
            format!("{sec_part}s")
        }
    };
    if neg {
        format!("-{s}")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_normalise_to_docker_hub_library_with_latest() {
        let cases = [
            ("nginx", "docker.io/library/nginx:latest"),
            ("nginx:1.27", "docker.io/library/nginx:1.27"),
            ("bitnami/nginx", "docker.io/bitnami/nginx:latest"),
            ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
            ("localhost:5000/app", "localhost:5000/app:latest"),
            ("docker.io/library/busybox:1.36", "docker.io/library/busybox:1.36"),
        ];
        for (input, want) in cases {
            assert_eq!(ImageRef::parse(input).unwrap().full(), want, "{input}");
        }
        assert!(ImageRef::parse("Nginx").is_err());
        assert!(ImageRef::parse("nginx:").is_err());
    }

    #[test]
    fn an_unknown_tag_fails_with_containerds_not_found_text() {
        assert_eq!(
            lookup("nginx:doesnotexist"),
            PullOutcome::Failed("rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/library/nginx:doesnotexist\": failed to resolve image: docker.io/library/nginx:doesnotexist: not found".into())
        );
        match lookup("nosuchimage") {
            PullOutcome::Failed(m) => assert!(m.contains("pull access denied, repository does not exist"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn known_images_have_sizes_digests_and_pull_times() {
        let PullOutcome::Found(i) = lookup("nginx") else {
            panic!()
        };
        assert_eq!(i.size_bytes, 72_195_292);
        assert!(i.image_id().starts_with("docker.io/library/nginx@sha256:"));
        assert_eq!(i.digest.len(), "sha256:".len() + 64);
        assert_eq!(i.pull_millis(), 700 + 72_195_292 / 40_000);
        let PullOutcome::Found(p) = lookup("registry.k8s.io/pause:3.10.1") else {
            panic!()
        };
        assert_eq!(p.kind, ImageKind::Daemon);
    }

    #[test]
    fn go_durations_print_as_go_does() {
        for (ms, want) in [
            (0, "0s"),
            (300, "300ms"),
            (2345, "2.345s"),
            (2300, "2.3s"),
            (10_000, "10s"),
            (80_000, "1m20s"),
            (300_000, "5m0s"),
            (3_600_000, "1h0m0s"),
        ] {
            assert_eq!(go_duration(ms), want);
        }
    }
}
