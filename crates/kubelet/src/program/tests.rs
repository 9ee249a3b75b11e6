//! Table tests of the container program interpreter.

use super::*;

fn t0() -> SimTime {
    SimTime::from_unix_secs(1_767_225_600)
}

fn sh(script: &str) -> Process {
    let argv = vec!["sh".to_string(), "-c".to_string(), script.to_string()];
    let ctx = StartContext {
        env: vec![
            ("GREETING".into(), "hello world".into()),
            ("HOSTNAME".into(), "pod1".into()),
        ],
        hostname: "pod1".into(),
        files: [("/etc/config/app.conf".to_string(), "mode=prod\n".to_string())]
            .into_iter()
            .collect(),
        stdin: false,
        memory_limit: None,
    };
    Process::start(&argv, ImageKind::Shell, Flavor::Busybox, "", &ctx, t0()).unwrap()
}

fn texts(lines: &[LogLine]) -> Vec<String> {
    lines.iter().map(|l| l.text.clone()).collect()
}

#[test]
fn scripts_print_and_exit_with_their_codes() {
    let cases: &[(&str, &[&str], i32)] = &[
        ("echo hi; exit 3", &["hi"], 3),
        ("echo \"$GREETING\" && echo ok", &["hello world", "ok"], 0),
        ("false || echo fallback", &["fallback"], 0),
        ("false && echo never", &[], 1),
        (
            "for i in 1 2 3; do echo item $i; done",
            &["item 1", "item 2", "item 3"],
            0,
        ),
        ("cat /etc/config/app.conf", &["mode=prod"], 0),
        ("cat /nope", &["cat: can't open '/nope': No such file or directory"], 1),
        ("nosuch", &["sh: nosuch: not found"], 127),
        ("echo $(hostname)", &["pod1"], 0),
        (
            "if [ -f /etc/config/app.conf ]; then echo yes; else echo no; fi",
            &["yes"],
            0,
        ),
        (
            "touch /tmp/x; [ -f /tmp/x ] && echo made; rm /tmp/x; [ -f /tmp/x ] || echo gone",
            &["made", "gone"],
            0,
        ),
        ("echo a > /tmp/f; echo b >> /tmp/f; cat /tmp/f", &["a", "b"], 0),
        ("printf '%s-%s\\n' a b", &["a-b"], 0),
        ("exit 1", &[], 1),
        ("i=0; i=$((i+1)); echo $((i*10+2)) $(( (7 - 1) / 2 ))", &["12 3"], 0),
        ("echo a > /l; tail -n+1 -f /l", &["a"], -1),
        ("date", &["Thu Jan  1 00:00:00 UTC 2026"], 0),
    ];
    for (script, want, code) in cases {
        let mut p = sh(script);
        let out = p.run(t0());
        assert_eq!(
            texts(&out),
            want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "{script}"
        );
        let want_exit = if *code < 0 { None } else { Some(*code) };
        assert_eq!(p.exited(), want_exit, "{script}");
    }
}

#[test]
fn sleep_blocks_on_virtual_time_and_loops_resume() {
    let mut p = sh("while true; do echo tick; sleep 5; done");
    assert_eq!(texts(&p.run(t0())), vec!["tick"]);
    assert_eq!(p.next_wakeup(), Some(t0().add(Duration::from_secs(5))));
    let out = p.run(t0().add(Duration::from_secs(12)));
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].time, t0().add(Duration::from_secs(5)));
    assert_eq!(out[1].time, t0().add(Duration::from_secs(10)));
    assert_eq!(p.exited(), None);
}

#[test]
fn sleep_then_exit_ends_at_the_right_time() {
    let mut p = sh("echo start; sleep 30; echo done; exit 0");
    p.run(t0().add(Duration::from_secs(29)));
    assert_eq!(p.exited(), None);
    let out = p.run(t0().add(Duration::from_secs(30)));
    assert_eq!(texts(&out), vec!["done"]);
    assert_eq!(p.exited(), Some(0));
}

#[test]
fn a_loop_without_sleep_is_busy_but_does_not_hang() {
    let mut p = sh("while true; do :; done");
    p.run(t0());
    assert!(p.busy);
    assert_eq!(p.exited(), None);
    // An hour of a chatty busy loop stays bounded.
    let mut q = sh("while true; do echo spam; done");
    let out = q.run(t0().add(Duration::from_secs(3600)));
    assert!(out.len() <= 20_000, "{}", out.len());
    assert_eq!(out.last().map(|l| l.time), Some(t0().add(Duration::from_secs(3600))));
}

#[test]
fn servers_print_start_up_lines_and_run_until_stopped() {
    let ctx = StartContext::default();
    let argv: Vec<String> = ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut p = Process::start(&argv, ImageKind::Nginx, Flavor::Gnu, "1.29.3", &ctx, t0()).unwrap();
    let out = p.run(t0());
    assert_eq!(
        out[0].text,
        "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    );
    assert!(out
        .iter()
        .any(|l| l.text == "2026/01/01 00:00:00 [notice] 1#1: nginx/1.29.3"));
    assert_eq!(p.exited(), None);
    assert_eq!(p.listening, vec![80]);
}

#[test]
fn mysql_without_a_root_password_exits_one() {
    let argv: Vec<String> = ["docker-entrypoint.sh", "mysqld"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut p = Process::start(
        &argv,
        ImageKind::Mysql,
        Flavor::Gnu,
        "9.5.0-1.el9",
        &StartContext::default(),
        t0(),
    )
    .unwrap();
    let out = p.run(t0());
    assert_eq!(p.exited(), Some(1));
    assert!(out.iter().any(|l| l
        .text
        .ends_with("Database is uninitialized and password option is not specified")));
}

#[test]
fn shells_without_a_script_exit_zero_and_unknown_binaries_fail_to_start() {
    let mut p = Process::start(
        &["sh".to_string()],
        ImageKind::Shell,
        Flavor::Busybox,
        "",
        &StartContext::default(),
        t0(),
    )
    .unwrap();
    p.run(t0());
    assert_eq!(p.exited(), Some(0));
    let err = Process::start(
        &["foo".to_string()],
        ImageKind::Shell,
        Flavor::Busybox,
        "",
        &StartContext::default(),
        t0(),
    )
    .unwrap_err();
    assert!(err
        .message
        .contains("exec: \"foo\": executable file not found in $PATH"));
}

#[test]
fn log_timestamps_have_nine_fraction_digits() {
    let l = LogLine {
        time: t0().add(Duration::from_millis(1718)),
        text: String::new(),
    };
    assert_eq!(l.timestamp(), "2026-01-01T00:00:01.718000000Z");
}

#[test]
fn arbitrary_scripts_never_panic() {
    // A deterministic stream of fragments glued into odd scripts.
    let parts = [
        "echo",
        "'",
        "\"",
        "$",
        "$(",
        "$((",
        "))",
        ")",
        "(",
        "{",
        "}",
        "${",
        ";",
        "&&",
        "||",
        "|",
        "&",
        ">",
        ">>",
        "2>&1",
        "while",
        "do",
        "done",
        "for",
        "in",
        "if",
        "then",
        "else",
        "elif",
        "fi",
        "sleep",
        "1",
        "-1",
        "x",
        "exit",
        "999999999999999999999",
        "\n",
        " ",
        "\\",
        "cat",
        "/a",
        "tail",
        "-f",
        "[",
        "]",
        "=",
        "$?",
        "until",
    ];
    let mut seed: u64 = 42;
    for _ in 0..3000 {
        let mut script = String::new();
        for _ in 0..(seed % 12) {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            script.push_str(parts[(seed >> 33) as usize % parts.len()]);
            script.push(' ');
        }
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        let mut p = sh(&script);
        p.run(t0().add(Duration::from_secs(5)));
    }
}

#[test]
fn kubelet_expands_dollar_parens_from_env_only() {
    let env = vec![("A".to_string(), "1".to_string())];
    assert_eq!(expand_kube_vars("x$(A)y $(B) $$(A)", &env), "x1y $(B) $(A)");
}

#[test]
fn syntax_errors_do_not_panic() {
    for s in [
        "while true; do echo",
        "'unterminated",
        "for; do",
        "fi",
        "echo ${X",
        "$(",
        "&&",
        ">",
    ] {
        let mut p = sh(s);
        p.run(t0());
        assert!(p.exited().is_some(), "{s}");
    }
}

fn run_all(p: &mut Process, until: SimTime) -> Vec<String> {
    texts(&p.run(until))
}

#[test]
fn pipelines_feed_the_next_stage_and_rev_reverses_lines() {
    let cases: &[(&str, &[&str], i32)] = &[
        ("echo hello | rev", &["olleh"], 0),
        ("printf 'ab\\ncd\\n' | rev | rev", &["ab", "cd"], 0),
        ("rev /etc/config/app.conf", &["dorp=edom"], 0),
        ("echo x | cat", &["x"], 0),
        ("rev /nope", &["rev: can't open '/nope': No such file or directory"], 1),
        ("echo a |\n rev", &["a"], 0),
        ("echo \"$(echo abc | rev)\"", &["cba"], 0),
    ];
    for (script, want, code) in cases {
        let mut p = sh(script);
        assert_eq!(run_all(&mut p, t0()), *want, "{script}");
        assert_eq!(p.exited(), Some(*code), "{script}");
    }
}

#[test]
fn descriptor_duplications_keep_output_in_the_log() {
    // kubernetes.io debug/counter-pod-err.yaml
    let mut p = sh("i=0; while true; do echo \"$i: out\"; echo \"$i: err\" >&2 ; i=$((i+1)); sleep 1; done");
    let lines = run_all(&mut p, t0().add(Duration::from_secs(1)));
    assert_eq!(lines, ["0: out", "0: err", "1: out", "1: err"]);
    assert_eq!(p.exited(), None);
    let mut p = sh("echo a 1>&2; echo b 2>&1; echo c >&1");
    assert_eq!(run_all(&mut p, t0()), ["a", "b", "c"]);
    assert_eq!(p.exited(), Some(0));
}

#[test]
fn busybox_wget_has_no_network() {
    let cases: &[(&str, &[&str])] = &[
        ("wget -qO- http://web", &["wget: bad address 'web'"]),
        ("wget -O- http://web:8080/x", &["wget: bad address 'web:8080'"]),
        (
            "wget http://10.96.0.5",
            &[
                "Connecting to 10.96.0.5 (10.96.0.5:80)",
                "wget: can't connect to remote host (10.96.0.5): Connection refused",
            ],
        ),
        (
            "wget -q -O - 10.0.0.1:81 || echo failed $?",
            &[
                "wget: can't connect to remote host (10.0.0.1): Connection refused",
                "failed 1",
            ],
        ),
    ];
    for (script, want) in cases {
        let mut p = sh(script);
        assert_eq!(run_all(&mut p, t0()), *want, "{script}");
    }
    let gnu = Process::start(
        &["wget".to_string(), "http://x".to_string()],
        ImageKind::Shell,
        Flavor::Gnu,
        "",
        &StartContext::default(),
        t0(),
    );
    assert!(gnu.is_err(), "debian-like images have no wget");
}

fn vish(args: &[&str], limit: Option<i64>) -> Process {
    let mut argv = vec!["/stress".to_string()];
    argv.extend(args.iter().map(|a| a.to_string()));
    let ctx = StartContext {
        memory_limit: limit,
        ..StartContext::default()
    };
    Process::start(&argv, ImageKind::Stress, Flavor::Gnu, "", &ctx, t0()).unwrap()
}

#[test]
fn vish_stress_allocates_step_by_step_and_is_oom_killed_above_its_limit() {
    const MI: i64 = 1 << 20;
    let args = [
        "-mem-total",
        "250Mi",
        "-mem-alloc-size",
        "10Mi",
        "-mem-alloc-sleep",
        "1s",
    ];
    let mut p = vish(&args, Some(100 * MI));
    let lines = run_all(&mut p, t0());
    assert_eq!(
        lines,
        ["I0101 00:00:00.000000       1 main.go:26] Allocating \"250Mi\" memory, in \"10Mi\" chunks, with a 1s sleep between allocations"]
    );
    assert_eq!(p.memory_bytes, 10 * MI);
    run_all(&mut p, t0().add(Duration::from_secs(5)));
    assert_eq!(p.memory_bytes, 60 * MI);
    assert_eq!(p.exited(), None);
    // The 11th allocation (110Mi) crosses 100Mi, 10 s after the start.
    assert_eq!(p.next_wakeup(), Some(t0().add(Duration::from_secs(6))));
    run_all(&mut p, t0().add(Duration::from_secs(30)));
    assert_eq!(p.exited(), Some(137));
    assert!(p.oom_killed);
    assert_eq!(p.clock(), t0().add(Duration::from_secs(10)));

    // Under its limit it holds the total and runs on.
    let mut p = vish(
        &[
            "-mem-total",
            "50Mi",
            "-mem-alloc-size=10Mi",
            "-mem-alloc-sleep",
            "500ms",
            "-cpus",
            "2",
        ],
        Some(100 * MI),
    );
    let lines = run_all(&mut p, t0().add(Duration::from_secs(60)));
    assert_eq!(lines.len(), 3);
    assert!(lines[1].ends_with("main.go:39] Spawning a thread to consume CPU"));
    assert_eq!(p.memory_bytes, 50 * MI);
    assert!(p.busy);
    assert_eq!((p.exited(), p.next_wakeup()), (None, None));

    // Absurd sizes and intervals do not overflow.
    for args in [
        ["-mem-total", "9E", "-mem-alloc-size", "1", "-mem-alloc-sleep", "1ms"],
        [
            "-mem-total",
            "1Ki",
            "-mem-alloc-size",
            "9E",
            "-mem-alloc-sleep",
            "9000000h",
        ],
    ] {
        let mut p = vish(&args, Some(100 * MI));
        run_all(&mut p, t0().add(Duration::from_secs(3600)));
    }
    let mut p = vish(&["-mem-total", "x"], None);
    run_all(&mut p, t0());
    assert_eq!(p.exited(), Some(2));

    // Only CPU: the defaults.
    let mut p = vish(&["-cpus", "1"], None);
    let lines = run_all(&mut p, t0());
    assert!(lines[0].ends_with("Allocating \"0\" memory, in \"4Ki\" chunks, with a 1ms sleep between allocations"));
    assert_eq!(p.exited(), None);
}

#[test]
fn gnu_stress_is_told_apart_from_vish_stress() {
    let argv: Vec<String> = ["stress", "--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let ctx = StartContext {
        memory_limit: Some(100 << 20),
        ..StartContext::default()
    };
    let mut p = Process::start(&argv, ImageKind::Stress, Flavor::Gnu, "", &ctx, t0()).unwrap();
    p.run(t0());
    assert!(p.oom_killed);
    assert_eq!(p.exited(), Some(137));
}

#[test]
fn parse_go_durations() {
    use super::stress::parse_go_duration as d;
    assert_eq!(d("1s"), Some(1000));
    assert_eq!(d("100ms"), Some(100));
    assert_eq!(d("1m30s"), Some(90_000));
    assert_eq!(d("0"), Some(0));
    assert_eq!(d("5"), None);
    assert_eq!(d("1x"), None);
}

fn python(script: &str, env: &[(&str, &str)]) -> Process {
    let argv = vec!["python3".to_string(), "-c".to_string(), script.to_string()];
    let ctx = StartContext {
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..StartContext::default()
    };
    Process::start(&argv, ImageKind::Repl, Flavor::Gnu, "", &ctx, t0()).unwrap()
}

#[test]
fn python_scripts_of_the_job_examples_exit_by_their_index() {
    // kubernetes.io controllers/job-backoff-limit-per-index-example.yaml
    let per_index = "import os, sys\nprint(\"Hello world\")\nif int(os.environ.get(\"JOB_COMPLETION_INDEX\")) % 2 == 0:\n  sys.exit(1)\n";
    // controllers/job-backoff-limit-per-index-failindex.yaml
    let fail_index = "import os, sys\nindex = int(os.environ.get(\"JOB_COMPLETION_INDEX\"))\nif index == 0:\n  sys.exit(1)\nelif index == 1:\n  sys.exit(42)\nelse:\n  sys.exit(0)\n";
    // controllers/job-success-policy.yaml
    let success =
        "import os, sys\nif os.environ.get(\"JOB_COMPLETION_INDEX\") == \"2\":\n  sys.exit(0)\nelse:\n  sys.exit(1)\n";
    let cases: &[(&str, &str, &[&str], i32)] = &[
        (per_index, "0", &["Hello world"], 1),
        (per_index, "3", &["Hello world"], 0),
        (fail_index, "0", &[], 1),
        (fail_index, "1", &[], 42),
        (fail_index, "2", &[], 0),
        (success, "2", &[], 0),
        (success, "3", &[], 1),
        (
            "import time\nprint('a', 'b')\ntime.sleep(2)\nprint(\"done\")",
            "0",
            &["a b", "done"],
            0,
        ),
        ("x = 3\nif x > 2:\n    pass\nprint(x)", "0", &["3"], 0),
        (
            "import os; print(\"index\", os.environ.get(\"JOB_COMPLETION_INDEX\"))",
            "4",
            &["index 4"],
            0,
        ),
    ];
    for (script, index, want, code) in cases {
        let mut p = python(script, &[("JOB_COMPLETION_INDEX", index)]);
        assert_eq!(
            run_all(&mut p, t0().add(Duration::from_secs(10))),
            *want,
            "{script} @ {index}"
        );
        assert_eq!(p.exited(), Some(*code), "{script} @ {index}");
    }
    // Outside the subset: the script does nothing and exits 0.
    let mut p = python("for i in range(3):\n  print(i)", &[]);
    assert_eq!(run_all(&mut p, t0()), Vec::<String>::new());
    assert_eq!(p.exited(), Some(0));
}
