//! busybox `wget`. The model has no network yet: a name does not resolve and an address
//! refuses the connection, with busybox's messages.

use super::*;

impl Process {
    pub(super) fn wget(&mut self, args: &[&str]) {
        let quiet = args
            .iter()
            .any(|a| *a == "-q" || (a.starts_with('-') && !a.starts_with("--") && a.contains('q')));
        // Operands: what is neither an option nor the value of -O/-o/-T/-U/--header.
        let mut urls = Vec::new();
        let mut skip = false;
        for a in args {
            if skip {
                skip = false;
                continue;
            }
            match *a {
                "-O" | "-o" | "-T" | "-U" | "-P" | "-Y" | "--header" | "--post-data" | "--post-file" => skip = true,
                a if a.starts_with('-') => {}
                a => urls.push(a),
            }
        }
        let Some(url) = urls.first() else {
            self.emit("BusyBox v1.37.0 (2024-09-26 21:31:42 UTC) multi-call binary.".into());
            self.emit(String::new());
            self.emit("Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]".into());
            self.status = 1;
            return;
        };
        let rest = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
            .unwrap_or(url);
        let host = rest.split(['/', '?']).next().unwrap_or(rest);
        let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let is_address = name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok());
        if !is_address {
            self.emit(format!("wget: bad address '{host}'"));
        } else {
            let port = host
                .rsplit_once(':')
                .map_or(if url.starts_with("https://") { "443" } else { "80" }, |(_, p)| p);
            if !quiet {
                self.emit(format!("Connecting to {host} ({name}:{port})"));
            }
            self.emit(format!(
                "wget: can't connect to remote host ({name}): Connection refused"
            ));
        }
        self.status = 1;
    }
}
