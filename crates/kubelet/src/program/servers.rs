//! Servers a command line can become (nginx, redis, …): their start-up lines and ports.

use super::*;

impl Process {
    pub(super) fn become_server(&mut self, kind: ImageKind, version: &str) {
        let (lines, exit) = server_start(kind, version, self.clock, &self.vars);
        for l in lines {
            self.emit(l);
        }
        match exit {
            Some(code) => {
                self.exit = Some(code);
            }
            None => {
                self.forever = true;
                self.server = Some(kind);
                self.listening = match kind {
                    ImageKind::Nginx | ImageKind::Httpd => vec![80],
                    ImageKind::Redis => vec![6379],
                    ImageKind::Memcached => vec![11211],
                    ImageKind::Mongo => vec![27017],
                    ImageKind::Mysql => vec![3306, 33060],
                    ImageKind::Postgres => vec![5432],
                    _ => Vec::new(),
                };
            }
        }
    }
}

/// Which server a command line starts, if any.
pub(super) fn server_for(base: &str, argv: &[String], image: ImageKind) -> Option<ImageKind> {
    let by_name = |n: &str| match n {
        "nginx" => Some(ImageKind::Nginx),
        "httpd-foreground" | "httpd" | "apache2-foreground" => Some(ImageKind::Httpd),
        "redis-server" => Some(ImageKind::Redis),
        "memcached" => Some(ImageKind::Memcached),
        "mongod" => Some(ImageKind::Mongo),
        "mysqld" => Some(ImageKind::Mysql),
        "postgres" => Some(ImageKind::Postgres),
        _ => None,
    };
    if base == "docker-entrypoint.sh" {
        let next = argv.get(1).map(|a| a.rsplit('/').next().unwrap_or(a).to_string());
        return match next.as_deref() {
            Some(n) => by_name(n).or(match image {
                ImageKind::Repl | ImageKind::Shell | ImageKind::Daemon => None,
                k => Some(k),
            }),
            None => match image {
                ImageKind::Repl | ImageKind::Shell | ImageKind::Daemon => None,
                k => Some(k),
            },
        };
    }
    by_name(base)
}

/// Start-up lines of a server and, for databases without their password, the exit code.
pub(super) fn server_start(
    kind: ImageKind,
    version: &str,
    t: SimTime,
    env: &BTreeMap<String, String>,
) -> (Vec<String>, Option<i32>) {
    let stamp_slash = format_date(t, "%Y/%m/%d %H:%M:%S");
    let set = |k: &str| env.get(k).is_some_and(|v| !v.is_empty());
    match kind {
        ImageKind::Nginx => {
            let v = if version.is_empty() { "1.29.3" } else { version };
            let mut lines: Vec<String> = [
                "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
                "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
                "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
                "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
                "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
                "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
                "/docker-entrypoint.sh: Configuration complete; ready for start up",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            for l in [
                "using the \"epoll\" event method".to_string(),
                format!("nginx/{v}"),
                "built by gcc 14.2.0 (Debian 14.2.0-19) ".to_string(),
                "OS: Linux 6.8.0-79-generic".to_string(),
                "getrlimit(RLIMIT_NOFILE): 1048576:1048576".to_string(),
                "start worker processes".to_string(),
                "start worker process 29".to_string(),
                "start worker process 30".to_string(),
            ] {
                lines.push(format!("{stamp_slash} [notice] 1#1: {l}"));
            }
            (lines, None)
        }
        ImageKind::Httpd => {
            let v = if version.is_empty() { "2.4.65" } else { version };
            let ts = format_date(t, "%a %b %d %H:%M:%S.000000 %Y");
            (
                vec![
                    "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using 10.244.1.2. Set the 'ServerName' directive globally to suppress this message".into(),
                    "AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using 10.244.1.2. Set the 'ServerName' directive globally to suppress this message".into(),
                    format!("[{ts}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/{v} (Unix) configured -- resuming normal operations"),
                    format!("[{ts}] [core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'"),
                ],
                None,
            )
        }
        ImageKind::Redis => {
            let v = if version.is_empty() { "8.2.3" } else { version };
            let ts = format_date(t, "%d %b %Y %H:%M:%S.000");
            (
                vec![
                    "Starting Redis Server".into(),
                    format!("1:C {ts} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
                    format!("1:C {ts} * Redis version={v}, bits=64, commit=00000000, modified=1, pid=1, just started"),
                    format!("1:C {ts} # Warning: no config file specified, using the default config. In order to specify a config file use redis-server /path/to/redis.conf"),
                    format!("1:M {ts} * monotonic clock: POSIX clock_gettime"),
                    format!("1:M {ts} * Running mode=standalone, port=6379."),
                    format!("1:M {ts} * Server initialized"),
                    format!("1:M {ts} * Ready to accept connections tcp"),
                ],
                None,
            )
        }
        ImageKind::Memcached | ImageKind::Daemon => (Vec::new(), None),
        ImageKind::Mongo => {
            let ts = format_date(t, "%Y-%m-%dT%H:%M:%S.000+00:00");
            (
                vec![format!(
                    "{{\"t\":{{\"$date\":\"{ts}\"}},\"s\":\"I\",  \"c\":\"NETWORK\",  \"id\":23016,   \"ctx\":\"listener\",\"msg\":\"Waiting for connections\",\"attr\":{{\"port\":27017,\"ssl\":\"off\"}}}}"
                )],
                None,
            )
        }
        ImageKind::Mysql => {
            let v = if version.is_empty() { "9.5.0-1.el9" } else { version };
            let ts = format_date(t, "%Y-%m-%d %H:%M:%S+00:00");
            let mut lines = vec![
                format!("{ts} [Note] [Entrypoint]: Entrypoint script for MySQL Server {v} started."),
                format!("{ts} [Note] [Entrypoint]: Switching to dedicated user 'mysql'"),
                format!("{ts} [Note] [Entrypoint]: Entrypoint script for MySQL Server {v} started."),
            ];
            if set("MYSQL_ROOT_PASSWORD") || set("MYSQL_ALLOW_EMPTY_PASSWORD") || set("MYSQL_RANDOM_ROOT_PASSWORD") {
                lines.push(format!("{ts} [Note] [Entrypoint]: Initializing database files"));
                lines.push(format!("{ts} [Note] [Entrypoint]: Database files initialized"));
                lines.push(format!(
                    "{ts} [Note] [Entrypoint]: MySQL init process done. Ready for start up."
                ));
                (lines, None)
            } else {
                lines.push(format!(
                    "{ts} [ERROR] [Entrypoint]: Database is uninitialized and password option is not specified"
                ));
                lines.push("    You need to specify one of the following as an environment variable:".into());
                lines.push("    - MYSQL_ROOT_PASSWORD".into());
                lines.push("    - MYSQL_ALLOW_EMPTY_PASSWORD".into());
                lines.push("    - MYSQL_RANDOM_ROOT_PASSWORD".into());
                (lines, Some(1))
            }
        }
        ImageKind::Postgres => {
            if set("POSTGRES_PASSWORD") || env.get("POSTGRES_HOST_AUTH_METHOD").is_some_and(|v| v == "trust") {
                let ts = format_date(t, "%Y-%m-%d %H:%M:%S.000 UTC");
                (
                    vec![
                        "The files belonging to this database system will be owned by user \"postgres\".".into(),
                        "This user must also own the server process.".into(),
                        String::new(),
                        "PostgreSQL init process complete; ready for start up.".into(),
                        String::new(),
                        format!("{ts} [1] LOG:  listening on IPv4 address \"0.0.0.0\", port 5432"),
                        format!("{ts} [1] LOG:  database system is ready to accept connections"),
                    ],
                    None,
                )
            } else {
                (
                    vec![
                        "Error: Database is uninitialized and superuser password is not specified.".into(),
                        "       You must specify POSTGRES_PASSWORD to a non-empty value for the".into(),
                        "       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\".".into(),
                        String::new(),
                        "       You may also use \"POSTGRES_HOST_AUTH_METHOD=trust\" to allow all".into(),
                        "       connections without a password. This is *not* recommended.".into(),
                        String::new(),
                        "       See PostgreSQL documentation about \"trust\":".into(),
                        "       https://www.postgresql.org/docs/current/auth-trust.html".into(),
                    ],
                    Some(1),
                )
            }
        }
        ImageKind::Shell | ImageKind::Repl | ImageKind::Stress => (Vec::new(), Some(0)),
    }
}
