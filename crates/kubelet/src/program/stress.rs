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

/// vish/stress's flags (Go's flag package accepts one or two dashes, `-f v` or `-f=v`).
pub(super) fn is_vish_flag(arg: &str) -> bool {
    let name = arg.trim_start_matches('-');
    let name = name.split('=').next().unwrap_or(name);
    arg.starts_with('-') && matches!(name, "mem-total" | "mem-alloc-size" | "mem-alloc-sleep" | "cpus")
}

/// vish/stress allocating `step` bytes every `sleep` until `total`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Allocation {
    start: SimTime,
    total: i64,
    step: i64,
    sleep_ms: i64,
    limit: Option<i64>,
}

impl Allocation {
    fn steps(&self) -> i64 {
        self.total.saturating_add(self.step - 1) / self.step
    }

    /// When allocation `k` (from 1) happens.
    fn at(&self, k: i64) -> SimTime {
        self.start
            .add(Duration::from_millis(self.sleep_ms.saturating_mul(k - 1)))
    }

    fn held_at(&self, now: SimTime) -> (i64, i64) {
        let done = now.since(self.start).as_millis() / self.sleep_ms.max(1) + 1;
        let done = done.min(self.steps());
        (done, self.step.saturating_mul(done).min(self.total))
    }

    /// The allocation that crosses the memory limit, if any.
    fn oom_step(&self) -> Option<i64> {
        let limit = self.limit?;
        (self.total > limit).then(|| limit / self.step + 1)
    }
}

impl Process {
    /// vish/stress: `-mem-total`, `-mem-alloc-size` (default 4Ki), `-mem-alloc-sleep` (default
    /// 1ms), `-cpus`. It burns CPU, allocates up to the total and then holds it forever.
    pub(super) fn vish_stress(&mut self, argv: &[String], memory_limit: Option<i64>) {
        let (mut total, mut step, mut sleep, mut cpus) = ("0".to_string(), "4Ki".to_string(), "1ms".to_string(), 0i64);
        let mut i = 1;
        while let Some(a) = argv.get(i) {
            let flag = a.trim_start_matches('-');
            let (name, inline) = match flag.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (flag, None),
            };
            let value = match inline {
                Some(v) => v,
                None => {
                    i += 1;
                    argv.get(i).cloned().unwrap_or_default()
                }
            };
            match name {
                "mem-total" => total = value,
                "mem-alloc-size" => step = value,
                "mem-alloc-sleep" => sleep = value,
                "cpus" => cpus = value.parse().unwrap_or(0),
                _ => {}
            }
            i += 1;
        }
        let quantity = |s: &str| apimachinery::Quantity::parse(s).ok();
        let (Some(total_q), Some(step_q), Some(sleep_ms)) =
            (quantity(&total), quantity(&step), parse_go_duration(&sleep))
        else {
            self.exit = Some(2);
            return;
        };
        let header = |p: &Process, line: u32| {
            let micros = p.clock.unix_millis().rem_euclid(1000) * 1000;
            format!(
                "I{}.{micros:06}       1 main.go:{line}] ",
                format_date(p.clock, "%m%d %H:%M:%S")
            )
        };
        let line = format!(
            "{}Allocating \"{}\" memory, in \"{}\" chunks, with a {} sleep between allocations",
            header(self, 26),
            total_q.canonical(),
            step_q.canonical(),
            crate::images::go_duration(sleep_ms)
        );
        self.emit(line);
        for _ in 0..cpus.clamp(0, 64) {
            let line = format!("{}Spawning a thread to consume CPU", header(self, 39));
            self.emit(line);
        }
        self.busy = cpus > 0;
        // Bounded so that step arithmetic cannot overflow (a petabyte is beyond any node).
        let (total, step) = (total_q.value().min(1 << 50), step_q.value().clamp(1, 1 << 50));
        if total <= 0 {
            self.forever = true;
            return;
        }
        self.alloc = Some(Allocation {
            start: self.clock,
            total,
            step,
            sleep_ms: sleep_ms.clamp(0, 86_400_000),
            limit: memory_limit,
        });
        self.allocate(self.clock);
    }

    /// Brings vish/stress's allocation up to `now`: the memory it holds, the OOM kill when it
    /// crosses the limit, and the next look (each allocation, at most once a second).
    pub(super) fn allocate(&mut self, now: SimTime) {
        let Some(a) = self.alloc.clone() else { return };
        if let Some(k) = a.oom_step() {
            let at = a.at(k);
            if at <= now {
                self.clock = self.clock.max(at);
                self.memory_bytes = a.limit.unwrap_or(0);
                self.oom_killed = true;
                self.exit = Some(137);
                self.alloc = None;
                return;
            }
        }
        let (done, held) = a.held_at(now);
        self.clock = self.clock.max(now);
        self.memory_bytes = held;
        if done >= a.steps() {
            self.alloc = None;
            self.forever = true;
            return;
        }
        let mut next = a.at(done + 1).max(now.add(Duration::from_secs(1)));
        next = next.min(a.at(a.steps()));
        if let Some(k) = a.oom_step() {
            next = next.min(a.at(k));
        }
        self.wake_at = Some(next);
    }
}

/// Go's `time.ParseDuration` for the units vish/stress users write (`1s`, `100ms`, `1m30s`), in
/// milliseconds.
pub(super) fn parse_go_duration(s: &str) -> Option<i64> {
    if s == "0" {
        return Some(0);
    }
    let mut total = 0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let n: f64 = rest.get(..num_len)?.parse().ok()?;
        rest = rest.get(num_len..)?;
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let mult = match rest.get(..unit_len)? {
            "ns" => 1e-6,
            "us" | "µs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 6e4,
            "h" => 3.6e6,
            _ => return None,
        };
        total += n * mult;
        rest = rest.get(unit_len..)?;
    }
    (total.is_finite() && total < 1e15).then(|| total.round() as i64)
}
