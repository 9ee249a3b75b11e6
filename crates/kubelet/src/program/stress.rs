//! Stress programs: polinux/stress (GNU stress) and vish/stress.

use super::*;

impl Process {
    /// polinux/stress: `--vm N --vm-bytes 150M [--vm-hang 1]`, `--cpu N`, `--timeout Ns`.
    /// polinux/stress: `--vm N --vm-bytes 150M [--vm-hang 1]`, `--cpu N`, `--timeout Ns`.
    pub(super) fn stress(&mut self, argv: &[String], memory_limit: Option<i64>) {
        let mut vm = 0i64;
        let mut cpu = 0i64;
        let mut bytes = 256 * (1 << 20);
        let mut timeout: Option<i64> = None;
        let mut i = 1;
        while let Some(a) = argv.get(i) {
            let val = argv.get(i + 1).map(String::as_str).unwrap_or("");
            match a.as_str() {
                "--vm" | "-m" => vm = val.parse().unwrap_or(1),
                "--cpu" | "-c" => cpu = val.parse().unwrap_or(1),
                "--vm-bytes" => bytes = parse_bytes(val).unwrap_or(bytes),
                "--timeout" | "-t" => timeout = parse_sleep(val).flatten(),
                _ => {
                    i += 1;
                    continue;
                }
            }
            i += 2;
        }
        if vm == 0 && cpu == 0 {
            self.emit("`stress' imposes certain types of compute stress on your system".into());
            self.exit = Some(0);
            return;
        }
        self.emit(format!(
            "stress: info: [1] dispatching hogs: {cpu} cpu, 0 io, {vm} vm, 0 hdd"
        ));
        self.memory_bytes = vm.saturating_mul(bytes);
        self.busy = cpu > 0;
        if memory_limit.is_some_and(|l| self.memory_bytes > l) {
            self.oom_killed = true;
            self.exit = Some(137);
            return;
        }
        match timeout {
            Some(ms) => {
                self.wake_at = Some(self.clock.add(Duration::from_millis(ms)));
                self.frames.push(Frame::Seq {
                    cmds: Vec::new(),
                    idx: 0,
                });
            }
            None => self.forever = true,
        }
    }
}

/// `150M`, `1G`, `100k`, `1024` (stress's size suffixes, powers of 1024).
pub(super) fn parse_bytes(s: &str) -> Option<i64> {
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (s.get(..s.len() - 1)?, 1i64 << 10),
        'm' | 'M' => (s.get(..s.len() - 1)?, 1 << 20),
        'g' | 'G' => (s.get(..s.len() - 1)?, 1 << 30),
        _ => (s, 1),
    };
    num.parse::<i64>().ok().map(|n| n.saturating_mul(mult))
}
