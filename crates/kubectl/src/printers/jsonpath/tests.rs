use super::*;

// Expected values recorded from kubectl v1.37.1 (`kubectl config view -o jsonpath=...` over the
// same data embedded in a kubeconfig extension).
fn data() -> Value {
    serde_json::from_str(r##"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "labels": {"app": "web", "tier": "fe"}}, "spec": {"containers": [{"name": "c1", "image": "nginx:1", "ports": [{"containerPort": 80}, {"containerPort": 443}]}, {"name": "c2", "image": "busybox"}]}, "status": {"phase": "Running", "ratio": 1.5, "big": 1000000.0}}, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "labels": {"app": "db"}}, "spec": {"containers": [{"name": "c3", "image": "redis"}]}, "status": {"phase": "Pending"}}]}"##).unwrap()
}

#[test]
fn templates_print_what_kubectl_prints() {
    let data = data();
    for (template, want) in [
        (r#"{.items[*].metadata.name}"#, "a b"),
        (r#"{range .items[*]}{.metadata.name}{"\t"}{.status.phase}{"\n"}{end}"#, "a\tRunning\nb\tPending\n"),
        (r#"{range .items[*]}[{.metadata.name}]{end}"#, "[a][b]"),
        (r#"{range .items[*]}{range .spec.containers[*]}{.name},{end};{end}"#, "c1,c2,;c3,;"),
        // Without {end} the rest runs per item and then once more on the root (FindResults).
        (r#"{range .items[*]}{.metadata.name}"#, "abx"),
        (r#"{.items[?(@.status.phase=="Running")].metadata.name}"#, "a"),
        (r#"{.items[?(@.status.phase!="Running")].metadata.name}"#, "b"),
        (r#"{.items[?(@.metadata.name<"b")].metadata.name}"#, "a"),
        (r#"{.items[?(@.metadata.labels.tier)].metadata.name}"#, "a"),
        (r#"{.items[?(@.status.ratio>1.2)].metadata.name}"#, "a"),
        (r#"{.items[0].spec.containers[?(@.name=="c2")].image}"#, "busybox"),
        (r#"{.items[0].spec.containers[-1:].name}"#, "c2"),
        (r#"{.items[0].spec.containers[0:2:2].name}"#, "c1"),
        (r#"{.items[0].spec.containers[0,1].name}"#, "c1 c2"),
        (r#"{.items[1:].metadata.name}"#, "b"),
        (r#"{..image}"#, "nginx:1 busybox redis"),
        (r#"{.items[*]..name}"#, "a c1 c2 b c3"),
        (r#"{.items[*].spec.containers[*].ports[*].containerPort}"#, "80 443"),
        (r#"{.items[0].metadata.labels}"#, "{\"app\":\"web\",\"tier\":\"fe\"}"),
        (r#"{.items[0].metadata.labels['tier']}"#, "fe"),
        (r#"{.items[0].metadata.*}"#, "{\"app\":\"web\",\"tier\":\"fe\"} a"),
        (r#"{.items[0].spec.containers[*]}"#, "{\"image\":\"nginx:1\",\"name\":\"c1\",\"ports\":[{\"containerPort\":80},{\"containerPort\":443}]} {\"image\":\"busybox\",\"name\":\"c2\"}"),
        (r#"{.items[0].status}"#, "{\"big\":1000000,\"phase\":\"Running\",\"ratio\":1.5}"),
        (r#"{.items[0].status.ratio} {.items[0].status.big}"#, "1.5 1e+06"),
        (r#"{$.items[1].metadata.name}"#, "b"),
        (r#"x{.kind}y"#, "xPody"),
        (r#"{.items[0].metadata.name.x}"#, ""),
        (r#"{.items[*].status.nope}"#, ""),
        (r#"{.}"#, ""),
    ] {
        let p = JsonPath::parse(template).unwrap().allow_missing_keys(true);
        assert_eq!(p.execute(&data).unwrap(), want, "{template}");
    }
}

#[test]
fn execution_errors_carry_upstream_texts() {
    let data = data();
    for (template, want) in [
        (r#"{.items[5]}"#, r#"array index out of bounds: index 5, length 2"#),
        (r#"{.items[-3]}"#, r#"array index out of bounds: index -1, length 2"#),
        (r#"{.items[2:1]}"#, r#"array index out of bounds: index 2, length 2"#),
        (
            r#"{.items[0].metadata[0]}"#,
            r#"map[string]interface {} is not array or slice"#,
        ),
        (
            r#"{.items[?(@.status.ratio==1)].metadata.name}"#,
            r#"incompatible types for comparison"#,
        ),
        (r#"{end}"#, r#"not in range, nothing to end"#),
    ] {
        let p = JsonPath::parse(template).unwrap().allow_missing_keys(true);
        assert_eq!(p.execute(&data).unwrap_err(), want, "{template}");
    }
}

#[test]
fn parse_errors_carry_upstream_texts() {
    for (template, want) in [
        (r#"{.items[*].metadata.name"#, r#"unclosed action"#),
        (r#"{.items[?(@.x==1]}"#, r#"unterminated filter"#),
        (r#"{#}"#, r#"unrecognized character in action: U+0023 '#'"#),
        (r#"{.items[a]}"#, r#"invalid array index a"#),
        (r#"{.items[0].metadata[name]}"#, r#"invalid array index name"#),
        (r#"{.items[0]["name","image"]}"#, r#"invalid array index "name""#),
        (r#"{.foo"#, r#"unclosed action"#),
    ] {
        assert_eq!(JsonPath::parse(template).unwrap_err(), want, "{template}");
    }
}

#[test]
fn missing_keys_error_unless_allowed() {
    let data = data();
    let p = JsonPath::parse("{.spec.x.y}").unwrap();
    assert_eq!(p.execute(&data).unwrap_err(), "spec is not found");
    let p = JsonPath::parse("{.metadata.x}").unwrap();
    assert_eq!(p.execute(&data).unwrap_err(), "x is not found");
}

#[test]
fn json_output_wraps_results_in_an_indented_array() {
    let p = JsonPath::parse("{.items[*].metadata.name}")
        .unwrap()
        .enable_json_output(true);
    assert_eq!(p.execute(&data()).unwrap(), "[\n    \"a\",\n    \"b\"\n]\n");
}

#[test]
fn hostile_templates_do_not_panic() {
    for t in [
        "{",
        "}",
        "{[",
        "{..}",
        "{....a}",
        "{[?(}",
        "{['}",
        "{\"\\",
        "{[-]}",
        "{[1:2:0]}",
        "{.a[",
        "{[?(@.a=='x')]}",
        "{@}",
    ] {
        if let Ok(p) = JsonPath::parse(t) {
            let _ = p.execute(&data());
        }
    }
    assert_eq!(
        JsonPath::parse("{[1:2:0]}")
            .unwrap()
            .execute(&serde_json::json!([1, 2]))
            .unwrap_err(),
        "step must be > 0"
    );
}
