//! Transcript tests: lines in, terminal text out. They use only shell features that need no
//! API server (kubectl itself is tested in its own crate).

use super::*;

/// A fresh default cluster: one is booted, then cloned (booting runs five virtual minutes).
fn fresh_cluster() -> Cluster {
    static TEMPLATE: std::sync::OnceLock<Cluster> = std::sync::OnceLock::new();
    TEMPLATE.get_or_init(|| Cluster::new(1)).clone()
}

fn shell() -> Shell {
    let fs = MemoryFs::new().with_file("/root/pods.txt", "NAME    STATUS\nweb-1   Running\nweb-2   Pending\n");
    Shell::new(fresh_cluster(), Box::new(fs))
}

/// Runs each line, returning the terminal text of the last one and its status.
fn run(sh: &mut Shell, line: &str) -> (String, i32) {
    let r = sh.run_line(line);
    (r.output.combined(), r.exit_code)
}

fn out(line: &str) -> String {
    run(&mut shell(), line).0
}

#[test]
fn pipelines_of_filters_produce_what_bash_prints() {
    let cases = [
        ("echo a b c | awk '{print $2}'", "b\n"),
        ("printf 'a\nb c\n' | xargs echo x", "x a b c\n"),
        ("printf 'a\nb\nc\n' | xargs -n 2 echo", "a b\nc\n"),
        ("printf 'a\nb\n' | xargs -I{} echo item-{}", "item-a\nitem-b\n"),
        ("echo a | xargs nope; echo $?", "bash: nope: command not found\n127\n"),
        ("echo hello", "hello\n"),
        ("echo 'a  b'   \"c  d\"", "a  b c  d\n"),
        ("echo a\\ \\ b", "a  b\n"),
        ("printf '%s\\n' x y | sort -r", "y\nx\n"),
        ("cat pods.txt | grep Running | awk '{print $1}'", "web-1\n"),
        ("grep -c web pods.txt", "2\n"),
        ("cat pods.txt | tail -n +2 | wc -l", "2\n"),
        ("head -1 pods.txt", "NAME    STATUS\n"),
        ("echo 'b\na\nb' | sort | uniq -c", "      1 a\n      2 b\n"),
        ("echo pod/web-1 | cut -d/ -f2", "web-1\n"),
        ("echo abc | tr a-z A-Z", "ABC\n"),
        ("echo -n x | base64", "eA==\n"),
        ("echo YWRtaW4= | base64 -d", "admin"),
        ("seq 3 | tail -1", "3\n"),
        ("echo a; echo b", "a\nb\n"),
        ("true && echo yes || echo no", "yes\n"),
        ("false && echo yes || echo no", "no\n"),
        ("! false && echo negated", "negated\n"),
        ("echo $((2 + 3 * 4))", "14\n"),
        ("echo ${UNSET:-default} ${HOME}", "default /root\n"),
        ("X=abc.yaml; echo ${X%.yaml} ${#X} ${X/abc/xyz}", "abc 8 xyz.yaml\n"),
        ("echo ~ ~/x", "/root /root/x\n"),
        ("for i in 1 2 3; do echo n$i; done", "n1\nn2\nn3\n"),
        ("for f in $(seq 2); do echo $f; done | sort -r", "2\n1\n"),
        (
            "if grep -q Pending pods.txt; then echo found; else echo none; fi",
            "found\n",
        ),
        ("i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i", "3\n"),
        ("i=0; until test $i -ge 2; do i=$((i+1)); done; echo $i", "2\n"),
        (
            "[ -f pods.txt ] && [ ! -d pods.txt ] && [ -z \"\" ] && echo files",
            "files\n",
        ),
        ("[ a = b ] || [ 1 -ne 1 ] || echo strings", "strings\n"),
        ("{ echo a; echo b; } | wc -l", "2\n"),
        ("(cd /tmp; pwd); pwd", "/tmp\n/root\n"),
        ("echo $(echo inner | tr a-z A-Z) outer", "INNER outer\n"),
        ("echo \"$(printf 'a\\nb')\"", "a\nb\n"),
        ("echo `echo back`", "back\n"),
        ("echo \"a   b\" | awk '{print $2}'", "b\n"),
        ("A='x  y'; echo $A; echo \"$A\"", "x y\nx  y\n"),
        ("echo '' | wc -c", "1\n"),
        ("echo \"\" x", " x\n"),
        ("echo $NOPE x", "x\n"),
        ("cat <<< 'here string'", "here string\n"),
        ("echo a # comment", "a\n"),
        ("echo a#b", "a#b\n"),
        ("echo 'it'\\''s'", "it's\n"),
        ("echo \"\\$HOME is $HOME\"", "$HOME is /root\n"),
        ("echo $'tab\\there'", "tab\there\n"),
        ("echo {a,b}", "a b\n"),
        ("echo x{a,b{1..3}}y", "xay xb1y xb2y xb3y\n"),
        ("echo {1..10..3} {c..a} {01..3}", "1 4 7 10 c b a 01 02 03\n"),
        ("echo '{a,b}' {a} {} a{,}b", "{a,b} {a} {} ab ab\n"),
        ("for i in {1..3}; do echo -n $i; done", "123"),
        (
            "[[ a == a ]]; echo $?; [[ web-1 == web-* ]] && echo glob; [[ web-1 == \"web-*\" ]] || echo quoted",
            "0\nglob\nquoted\n",
        ),
        (
            "[[ abc =~ ^a.c$ ]] && echo re; [[ -z \"\" && ! -n \"\" ]] && echo z; [[ 3 -lt 10 ]] && echo lt",
            "re\nz\nlt\n",
        ),
        (
            "[[ b > a ]] && echo gt; [[ (a == b) || c ]] && echo par; x=\"a b\"; [[ $x == \"a b\" ]] && echo nosplit",
            "gt\npar\nnosplit\n",
        ),
        (
            "[[ 10 -lt 9 ]]; echo $?; [[ -f pods.txt && ! -d pods.txt ]] && echo file; [[ -v HOME ]] && echo set",
            "1\nfile\nset\n",
        ),
        ("[[ a b ]]; echo $?", "bash: conditional binary operator expected\n2\n"),
        (
            "RANDOM=1; echo $RANDOM $RANDOM $RANDOM; RANDOM=0; echo $RANDOM",
            "16807 10791 19566\n20814\n",
        ),
        ("time sleep 61.5", "\nreal\t1m1.500s\nuser\t0m0.000s\nsys\t0m0.000s\n"),
        (
            "hostname; whoami; printf 'a\\nb\\n' | tac",
            "controlplane\nroot\nb\na\n",
        ),
        ("x=1; ((x+=2)); echo $x; (( x > 5 )) || echo small", "3\nsmall\n"),
        (
            "((1/0)); echo next",
            "bash: ((: 1/0: division by 0 (error token is \"0\")\nnext\n",
        ),
        (
            "case web-1 in web-*) echo web;; db-*) echo db;; *) echo other;; esac",
            "web\n",
        ),
        (
            "for f in a.yaml b.txt; do case $f in *.yaml|*.yml) echo \"yaml $f\";; *) echo \"other $f\";; esac; done",
            "yaml a.yaml\nother b.txt\n",
        ),
        (
            "case '*' in \"*\") echo star;; esac; case x in \"*\") echo no;; (x) echo paren;; esac",
            "star\nparen\n",
        ),
        ("case a in b) ;; esac; echo $?", "0\n"),
        (
            "printf 'NAME AGE\\nweb-1 5m\\nlonger-name 1h\\n' | column -t",
            "NAME         AGE\nweb-1        5m\nlonger-name  1h\n",
        ),
        (
            "X=abcdef; echo ${X:1:3} ${X: -2} ${X:2} ${X:1:-1} ${X:9}",
            "bcd ef cdef bcde\n",
        ),
    ];
    for (line, want) in cases {
        assert_eq!(out(line), want, "{line}");
    }
}

#[test]
fn here_documents_feed_stdin_and_files() {
    let mut sh = shell();
    let (o, code) = run(&mut sh, "NAME=web\ncat <<EOF\nname: $NAME\nliteral: \\$NAME\nEOF\n");
    assert_eq!((o.as_str(), code), ("name: web\nliteral: $NAME\n", 0));
    let (o, _) = run(&mut sh, "cat <<'EOF'\nname: $NAME\nEOF");
    assert_eq!(o, "name: $NAME\n");
    let (o, _) = run(&mut sh, "cat <<-EOF | grep kind\n\tkind: Pod\n\tEOF");
    assert_eq!(o, "kind: Pod\n");
    let (o, _) = run(
        &mut sh,
        "cat > pod.yaml <<EOF\napiVersion: v1\nkind: Pod\nEOF\ncat pod.yaml",
    );
    assert_eq!(o, "apiVersion: v1\nkind: Pod\n");
    assert_eq!(
        sh.fs().read_file("/root/pod.yaml"),
        Ok("apiVersion: v1\nkind: Pod\n".to_string())
    );
    // A missing delimiter is a warning; the body still runs.
    let (o, _) = run(&mut sh, "cat <<EOF\nabc");
    assert_eq!(
        o,
        "bash: warning: here-document at line 1 delimited by end-of-file (wanted `EOF')\nabc"
    );
}

#[test]
fn redirections_route_streams_to_files_and_nowhere() {
    let mut sh = shell();
    run(&mut sh, "echo one > out.txt; echo two >> out.txt");
    assert_eq!(sh.fs().read_file("/root/out.txt"), Ok("one\ntwo\n".to_string()));
    let (o, code) = run(&mut sh, "cat nofile 2>/dev/null");
    assert_eq!((o.as_str(), code), ("", 1));
    let (o, _) = run(&mut sh, "cat nofile 2>&1 | tr a-z A-Z");
    assert_eq!(o, "CAT: NOFILE: NO SUCH FILE OR DIRECTORY\n");
    let (o, _) = run(&mut sh, "cat nofile | wc -l");
    assert_eq!(o, "cat: nofile: No such file or directory\n0\n");
    let (o, _) = run(&mut sh, "echo hidden > /dev/null");
    assert_eq!(o, "");
    run(&mut sh, "cat pods.txt nofile > both.txt 2>&1");
    assert_eq!(
        sh.fs().read_file("/root/both.txt"),
        Ok("NAME    STATUS\nweb-1   Running\nweb-2   Pending\ncat: nofile: No such file or directory\n".to_string())
    );
    let (o, code) = run(&mut sh, "echo x > /nodir/f");
    assert_eq!((o.as_str(), code), ("bash: /nodir/f: No such file or directory\n", 1));
    let (o, code) = run(&mut sh, "wc -l < pods.txt");
    assert_eq!((o.as_str(), code), ("3\n", 0));
    let (o, _) = run(&mut sh, "cat < missing");
    assert_eq!(o, "bash: missing: No such file or directory\n");
    let (o, _) = run(&mut sh, "echo err >&2 | wc -l");
    assert_eq!(o, "err\n0\n");
    let (o, _) = run(&mut sh, "F=; echo x > $F");
    assert_eq!(o, "bash: $F: ambiguous redirect\n");
}

#[test]
fn errors_and_statuses_match_bash() {
    let mut sh = shell();
    let cases = [
        ("foo", "bash: foo: command not found\n", 127),
        ("kubeadm init", "bash: kubeadm: command not found\n", 127),
        ("| foo", "bash: syntax error near unexpected token `|'\n", 2),
        ("echo 'abc", "bash: unexpected EOF while looking for matching `''\n", 2),
        ("echo a |", "bash: syntax error: unexpected end of file\n", 2),
        ("echo ${a:}", "bash: ${a:}: bad substitution\n", 1),
        ("echo ${X:?is required}", "bash: X: is required\n", 1),
        ("echo ${X?}; echo not-run", "bash: X: parameter not set\n", 1),
        (
            "for i in 1 2; do echo $((1/0)); echo in$i; done; echo after",
            "bash: 1/0: division by 0 (error token is \"0\")\n",
            1,
        ),
        (
            "echo a > /nonexist/x; echo next",
            "bash: /nonexist/x: No such file or directory\nnext\n",
            0,
        ),
        ("false", "", 1),
        ("false; echo $?", "1\n", 0),
        ("foo 2>/dev/null; echo $?", "127\n", 0),
        ("echo $(false); echo $?", "\n0\n", 0),
        ("X=$(false); echo $?", "1\n", 0),
        (
            "sleep",
            "sleep: missing operand\nTry 'sleep --help' for more information.\n",
            1,
        ),
        (
            "sleep 1x",
            "sleep: invalid time interval ‘1x’\nTry 'sleep --help' for more information.\n",
            1,
        ),
        ("cd /nonexist", "bash: cd: /nonexist: No such file or directory\n", 1),
        ("cd pods.txt", "bash: cd: pods.txt: Not a directory\n", 1),
        ("alias nope", "bash: alias: nope: not found\n", 1),
        ("unalias nope", "bash: unalias: nope: not found\n", 1),
        ("export 1a=b", "bash: export: `1a=b': not a valid identifier\n", 1),
        (
            "ls nofile",
            "ls: cannot access 'nofile': No such file or directory\n",
            2,
        ),
        ("echo $((1/0))", "bash: 1/0: division by 0 (error token is \"0\")\n", 1),
        (
            "echo $((1/0 + 3))",
            "bash: 1/0 + 3: division by 0 (error token is \"0 + 3\")\n",
            1,
        ),
        (
            "echo $(( 2 + ))",
            "bash: 2 + : syntax error: operand expected (error token is \"+ \")\n",
            1,
        ),
        (
            "echo $((a b))",
            "bash: a b: syntax error in expression (error token is \"b\")\n",
            1,
        ),
        ("echo $(())", "0\n", 0),
        ("./run.sh", "bash: ./run.sh: No such file or directory\n", 127),
        (
            "type k echo kubectl",
            "k is aliased to `kubectl'\necho is a shell builtin\nkubectl is /usr/bin/kubectl\n",
            0,
        ),
        ("type nope", "bash: type: nope: not found\n", 1),
        ("[ 1 -lt x ]", "bash: [: x: integer expression expected\n", 2),
        ("[ 1 -lt 2", "bash: [: missing `]'\n", 2),
    ];
    for (line, want, code) in cases {
        assert_eq!(run(&mut sh, line), (want.to_string(), code), "{line}");
    }
}

#[test]
fn syntax_errors_skip_only_their_line() {
    let mut sh = shell();
    let (o, code) = run(&mut sh, "echo a\necho b ;;\necho c");
    assert_eq!(
        (o.as_str(), code),
        ("a\nbash: syntax error near unexpected token `;;'\nc\n", 0)
    );
}

#[test]
fn sleep_advances_the_virtual_clock_and_date_shows_it() {
    let mut sh = shell();
    let start = sh.cluster().now();
    // The default cluster's bootstrap may already have used some minutes of 2026-01-01.
    let hms = |secs: i64| {
        let t = secs - 1_767_225_600;
        format!("{:02}:{:02}:{:02}", t / 3600, t / 60 % 60, t % 60)
    };
    let (o, _) = run(&mut sh, "date");
    assert_eq!(o, format!("Thu Jan  1 {} UTC 2026\n", hms(start.unix_secs())));
    run(&mut sh, "sleep 1m 30");
    assert_eq!(sh.cluster().now().since(start).as_secs(), 90);
    run(&mut sh, "sleep 0.5");
    assert_eq!(sh.cluster().now().since(start).as_millis(), 90_500);
    let (o, _) = run(&mut sh, "date +%H:%M:%S");
    assert_eq!(o, format!("{}\n", hms(start.unix_secs() + 90)));
    let (o, _) = run(&mut sh, "date +%s");
    assert_eq!(o, format!("{}\n", start.unix_secs() + 90));
}

#[test]
fn variables_aliases_and_history_persist_between_lines() {
    let mut sh = shell();
    run(&mut sh, "export NS=kube-system");
    run(&mut sh, "alias kgp='kubectl get pods'");
    let (o, _) = run(&mut sh, "echo $NS; alias");
    assert_eq!(o, "kube-system\nalias k='kubectl'\nalias kgp='kubectl get pods'\n");
    let (o, _) = run(&mut sh, "env | grep NS=");
    assert_eq!(o, "NS=kube-system\n");
    run(&mut sh, " echo secret");
    run(&mut sh, "history");
    let (o, _) = run(&mut sh, "history");
    assert_eq!(
        o,
        "    1  export NS=kube-system\n    2  alias kgp='kubectl get pods'\n    3  echo $NS; alias\n    4  env | grep NS=\n    5  history\n"
    );
    // Temporary assignments last for one command.
    let (o, _) = run(&mut sh, "A=1 printenv A; echo \"[$A]\"");
    assert_eq!(o, "1\n[]\n");
    let (o, _) = run(&mut sh, "unalias kgp; type kgp");
    assert_eq!(o, "bash: type: kgp: not found\n");
    let json = serde_json::to_string(sh.state()).unwrap();
    let back: ShellState = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, sh.state());
}

#[test]
fn aliases_defined_on_one_line_apply_from_the_next() {
    let mut sh = shell();
    let (o, _) = run(&mut sh, "alias hi='echo hi'; hi");
    assert_eq!(o, "bash: hi: command not found\n");
    let (o, _) = run(&mut sh, "hi there");
    assert_eq!(o, "hi there\n");
    let (o, _) = run(&mut sh, "alias e2='echo two'\ne2");
    assert_eq!(o, "two\n");
}

#[test]
fn command_substitution_feeds_kubectl_style_arguments() {
    let mut sh = shell();
    let (o, _) = run(
        &mut sh,
        "echo pod $(cat pods.txt | tail -n +2 | head -1 | awk '{print $1}')",
    );
    assert_eq!(o, "pod web-1\n");
    let (o, _) = run(&mut sh, "POD=$(grep Pending pods.txt | cut -d' ' -f1); echo \"$POD\"");
    assert_eq!(o, "web-2\n");
}

#[test]
fn kubectl_and_its_alias_reach_kubectl_run() {
    let mut sh = shell();
    // Whatever kubectl answers, `k` must answer the same.
    let a = sh.run_line("kubectl get pods");
    let b = sh.run_line("k get pods");
    assert_eq!(a.output, b.output);
    assert_eq!(a.exit_code, b.exit_code);
}

#[test]
fn clear_and_exit_are_signalled_to_the_front_end() {
    let mut sh = shell();
    let r = sh.run_line("echo before; clear; echo after");
    assert!(r.clear);
    assert_eq!(r.output.combined(), "after\n");
    let r = sh.run_line("clear > f.txt; echo x");
    assert!(!r.clear);
    let r = sh.run_line("exit 3; echo not-run");
    assert!(r.exit);
    assert_eq!((r.exit_code, r.output.combined().as_str()), (3, "exit\n"));
    let r = sh.run_line("(exit 4); echo $?");
    assert!(!r.exit);
    assert_eq!(r.output.combined(), "4\n");
}

#[test]
fn exit_in_a_script_or_bash_c_line_is_silent() {
    // `bash -c 'exit 3'` and `bash script.sh` are not interactive: bash prints no "exit".
    let mut sh = shell();
    let r = sh.run_script("echo a\nexit 3\necho not-run");
    assert!(r.exit);
    assert_eq!((r.exit_code, r.output.combined().as_str()), (3, "a\n"));
}

#[test]
fn files_commands_use_the_in_memory_file_system() {
    let mut sh = shell();
    let (o, _) = run(&mut sh, "mkdir -p demo/sub && cd demo && touch a.yaml b.yaml && ls");
    assert_eq!(o, "a.yaml  b.yaml  sub\n");
    let (o, _) = run(&mut sh, "pwd; ls | wc -l; ls *.yaml; echo *.yml");
    assert_eq!(o, "/root/demo\n3\na.yaml  b.yaml\n*.yml\n");
    let (o, _) = run(&mut sh, "ls *.yaml | cat");
    assert_eq!(o, "a.yaml\nb.yaml\n");
    let (o, _) = run(
        &mut sh,
        "echo data | tee c.txt; cp c.txt d.txt; mv d.txt e.txt; cat e.txt; rm c.txt; ls",
    );
    assert_eq!(o, "data\ndata\na.yaml  b.yaml  e.txt  sub\n");
    let (o, _) = run(&mut sh, "cd; pwd; cd -");
    assert_eq!(o, "/root\n/root/demo\n");
}

#[test]
fn process_substitution_and_source_work() {
    let mut sh = shell();
    let (o, _) = run(&mut sh, "cat <(echo from-proc)");
    assert_eq!(o, "from-proc\n");
    run(&mut sh, "echo 'export FROM_SOURCE=1' > env.sh");
    let (o, _) = run(&mut sh, "source env.sh; echo $FROM_SOURCE");
    assert_eq!(o, "1\n");
    let (o, code) = run(&mut sh, "bash -c 'echo child; exit 5'; echo $?");
    assert_eq!((o.as_str(), code), ("child\n5\n", 0));
}

#[test]
fn functions_take_positional_parameters_and_locals() {
    let mut sh = shell();
    let (o, _) = run(
        &mut sh,
        "greet() { local who=${1:-world}; echo \"hello $who ($#)\"; }; greet; greet k8s x",
    );
    assert_eq!(o, "hello world (0)\nhello k8s (2)\n");
    let (o, _) = run(&mut sh, "echo \"[${who-unset}]\"; type greet");
    assert_eq!(o, "[unset]\ngreet is a function\n");
    let (o, _) = run(
        &mut sh,
        "args() { for a in \"$@\"; do echo \"<$a>\"; done; }; args 'a b' c; args",
    );
    assert_eq!(o, "<a b>\n<c>\n");
    let (o, code) = run(&mut sh, "check() { return 3; echo no; }; check; echo $?");
    assert_eq!((o.as_str(), code), ("3\n", 0));
    let (o, _) = run(&mut sh, "function twice { echo $1$1; }\ntwice ab");
    assert_eq!(o, "abab\n");
    let (o, code) = run(&mut sh, "loop() { loop; }; loop; echo after");
    assert_eq!(
        (o.as_str(), code),
        ("bash: loop: maximum function nesting level exceeded (40)\n", 1)
    );
    let (o, code) = run(&mut sh, "return");
    assert_eq!(
        (o.as_str(), code),
        ("bash: return: can only `return' from a function or sourced script\n", 1)
    );
}

#[test]
fn watch_shows_one_screen_with_its_header() {
    let mut sh = shell();
    let t = sh.cluster().now().unix_secs() - 1_767_225_600;
    let (o, code) = run(&mut sh, "watch -n 1 echo hi");
    let header = format!(
        "Every 1.0s: echo hi{}controlplane: Thu Jan  1 {:02}:{:02}:{:02} 2026\n\nhi\n",
        " ".repeat(23),
        t / 3600,
        t / 60 % 60,
        t % 60
    );
    assert_eq!((o, code), (header, 0));
    let (o, _) = run(&mut sh, "watch -t 'echo a | tr a b'");
    assert_eq!(o, "b\n");
}

#[test]
fn sudo_env_editors_and_program_paths_behave_like_ubuntu() {
    let mut sh = shell();
    assert_eq!(run(&mut sh, "sudo echo hi"), ("hi\n".to_string(), 0));
    assert_eq!(
        run(&mut sh, "/usr/bin/echo hi; /bin/cat pods.txt | head -1"),
        ("hi\nNAME    STATUS\n".to_string(), 0)
    );
    assert_eq!(
        run(&mut sh, "env A=1 printenv A; echo \"[$A]\""),
        ("1\n[]\n".to_string(), 0)
    );
    assert_eq!(
        run(&mut sh, "env nope"),
        ("env: ‘nope’: No such file or directory\n".to_string(), 127)
    );
    assert_eq!(run(&mut sh, "less pods.txt | wc -l"), ("3\n".to_string(), 0));
    let (o, code) = run(&mut sh, "vi pod.yaml");
    assert_eq!((o.as_str(), code), ("error: there is no editor in this terminal\n", 1));
    let mut fs = MemoryFs::new().with_file("/root/pod.yaml", "image: nginx:1.25\n");
    fs.set_editor(Some(EditScript {
        from: "1.25".into(),
        to: "1.27".into(),
    }));
    let mut sh = Shell::new(fresh_cluster(), Box::new(fs));
    assert_eq!(
        run(&mut sh, "vim pod.yaml; cat pod.yaml"),
        ("image: nginx:1.27\n".to_string(), 0)
    );
    assert_eq!(run(&mut sh, "cd /tmp; echo $PWD"), ("/tmp\n".to_string(), 0));
}

#[test]
fn read_consumes_shared_stdin_line_by_line() {
    let mut sh = shell();
    let (o, _) = run(
        &mut sh,
        "while read name status; do echo \"$status:$name\"; done < pods.txt",
    );
    assert_eq!(o, "STATUS:NAME\nRunning:web-1\nPending:web-2\n");
    let (o, _) = run(
        &mut sh,
        "grep web pods.txt | while read -r p rest; do echo pod/$p; done",
    );
    assert_eq!(o, "pod/web-1\npod/web-2\n");
    // The last line without a newline is read but read reports end of input.
    let (o, _) = run(
        &mut sh,
        "printf 'a b\\nc' | { read x; echo \"[$x] $?\"; read y; echo \"[$y] $?\"; read z; echo \"[$z] $?\"; }",
    );
    assert_eq!(o, "[a b] 0\n[c] 1\n[] 1\n");
    let (o, _) = run(&mut sh, "echo '  lead  and  trail  ' | { read; echo \"[$REPLY]\"; }");
    assert_eq!(o, "[  lead  and  trail  ]\n");
    let (o, _) = run(&mut sh, "echo 'a\\ b c' | { read p q; echo \"$p|$q\"; }");
    assert_eq!(o, "a b|c\n");
    // Commands that do not read stdin leave it for the next reader.
    let (o, _) = run(&mut sh, "printf '1\\n2\\n' | { echo x; read a; cat; }");
    assert_eq!(o, "x\n2\n");
    let (o, code) = run(&mut sh, "read v");
    assert_eq!((o.as_str(), code), ("", 1));
}

#[test]
fn history_expansion_reruns_and_reports_missing_events() {
    let mut sh = shell();
    run(&mut sh, "echo one two");
    assert_eq!(run(&mut sh, "!!"), ("echo one two\none two\n".to_string(), 0));
    assert_eq!(run(&mut sh, "echo !$"), ("echo two\ntwo\n".to_string(), 0));
    run(&mut sh, "false");
    assert_eq!(
        run(&mut sh, "echo \"a!b\""),
        ("bash: !b: event not found\n".to_string(), 1)
    );
    assert_eq!(sh.state().history.last().map(String::as_str), Some("false"));
    // Scripts are not history-expanded.
    assert_eq!(sh.run_script("echo \"a!b\"").output.combined(), "a!b\n");
}

#[test]
fn pasted_crlf_lines_run_like_unix_lines() {
    let mut sh = shell();
    let (o, _) = run(&mut sh, "cat <<EOF | grep kind\r\nkind: Pod\r\nEOF\r\necho done\r\n");
    assert_eq!(o, "kind: Pod\ndone\n");
    assert!(is_complete("echo a\r\n"));
}

#[test]
fn runaway_loops_are_stopped() {
    let mut sh = shell();
    let r = sh.run_line("while true; do :; done");
    assert_eq!(r.exit_code, 130);
    assert!(r.output.stderr_text().contains("loop stopped"));
}

#[test]
fn hostile_input_never_panics() {
    let mut sh = shell();
    let inputs = [
        "".to_string(),
        "\0\u{1}\u{7f}\u{fffd}".to_string(),
        "'".repeat(1001),
        "\"".repeat(999),
        "$(".repeat(200),
        "(".repeat(500),
        "{ ".repeat(500),
        "${".repeat(300),
        "echo $((".to_string() + &"(".repeat(500) + "1",
        "a|".repeat(1000),
        "<<".repeat(100),
        "cat <<".to_string(),
        "echo \\".to_string(),
        "x".repeat(100_000),
        "echo $(echo $(echo $(echo $(echo deep))))".to_string(),
        "f() { f; }; f".to_string(),
        "alias a=b; alias b=a".to_string(),
        "a".to_string(),
        "grep -E '((((((((((a*)*)*)*)*)*)*)*)*)*)' pods.txt".to_string(),
        "awk '{' pods.txt".to_string(),
        "echo ${#}".to_string(),
        "echo ${x/".to_string(),
        "for".to_string(),
        "for 1 in a; do :; done".to_string(),
        "if then fi".to_string(),
        "echo $((1<<70)) $((2**-1)) $((-9223372036854775807-1/-1))".to_string(),
        "head -n 99999999999999999999 pods.txt".to_string(),
        "sleep 99999999999999999999d".to_string(),
        "printf '%'".to_string(),
        "cut -f 1-0".to_string(),
        "tr 'z-a' x".to_string(),
        "echo ~~ ~nobody".to_string(),
        "2>&".to_string(),
        "echo >&9".to_string(),
        ">".to_string(),
        "}".to_string(),
        "echo \u{1F600} | tr \u{1F600} x".to_string(),
        "echo {-9223372036854775808..9223372036854775807} {1..3..4294967296} {a..z..4294967296}".to_string(),
        "printf '%999999999999s|%.99999999999f' x 1 | wc -c".to_string(),
        "awk 'BEGIN { printf \"%*d\", 1e18, 1 }' | wc -c".to_string(),
    ];
    for input in &inputs {
        let _ = is_complete(input);
        let _ = sh.run_line(input);
        let _ = sh.run_script(input);
    }
    // Alias loops expand once each and stop.
    let r = sh.run_line("a");
    assert_eq!(r.exit_code, 127);
}

// Recorded from bash 5.2.15 (`bash -c '…'`, `bash FILE`, `… | bash`).
#[test]
fn syntax_errors_in_scripts_name_the_line_and_end_the_script() {
    let cases: [(&str, ScriptOrigin, &str); 9] = [
        (
            "echo \"abc",
            ScriptOrigin::Command,
            "bash: -c: line 1: unexpected EOF while looking for matching `\"'\n",
        ),
        (
            "echo hi\necho \"abc\nmore\nlines\n",
            ScriptOrigin::File("/tmp/s.sh".into()),
            "hi\n/tmp/s.sh: line 2: unexpected EOF while looking for matching `\"'\n",
        ),
        (
            "echo hi; if true; then echo x",
            ScriptOrigin::Command,
            "bash: -c: line 2: syntax error: unexpected end of file\n",
        ),
        (
            "echo hi\nif true; then\necho x\n",
            ScriptOrigin::Command,
            "hi\nbash: -c: line 4: syntax error: unexpected end of file\n",
        ),
        (
            "echo a\n| b\necho c",
            ScriptOrigin::Command,
            "a\nbash: -c: line 2: syntax error near unexpected token `|'\nbash: -c: line 2: `| b'\n",
        ),
        (
            "echo a; | b; echo c",
            ScriptOrigin::File("s.sh".into()),
            "s.sh: line 1: syntax error near unexpected token `|'\ns.sh: line 1: `echo a; | b; echo c'\n",
        ),
        (
            "echo a\necho >\necho b",
            ScriptOrigin::Command,
            "a\nbash: -c: line 2: syntax error near unexpected token `newline'\nbash: -c: line 2: `echo >'\n",
        ),
        (
            "echo a\n| b\necho c\n",
            ScriptOrigin::Stdin,
            "a\nbash: syntax error near unexpected token `|'\nbash: `| b'\n",
        ),
        (
            "echo a\necho \"b\n",
            ScriptOrigin::Stdin,
            "a\nbash: unexpected EOF while looking for matching `\"'\n",
        ),
    ];
    for (script, origin, want) in cases {
        let mut sh = shell();
        let r = sh.run_script_from(script, &origin);
        assert_eq!((r.output.combined().as_str(), r.exit_code), (want, 2), "{script:?}");
    }
}

#[test]
fn bash_c_and_source_inside_the_shell_report_like_bash() {
    let mut sh = shell();
    let (o, code) = run(&mut sh, "bash -c 'echo \"q'; echo after");
    assert_eq!(
        (o.as_str(), code),
        (
            "bash: -c: line 1: unexpected EOF while looking for matching `\"'\nafter\n",
            0
        )
    );
    let (o, _) = run(
        &mut sh,
        "printf 'echo x\\n| y\\necho z\\n' > s.sh; source s.sh; echo after",
    );
    assert_eq!(
        o,
        "x\ns.sh: line 2: syntax error near unexpected token `|'\ns.sh: line 2: `| y'\nafter\n"
    );
}
