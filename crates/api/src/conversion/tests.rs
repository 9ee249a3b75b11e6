use super::*;

fn hpa_v1(spec: Value) -> Value {
    json!({
        "apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "frontend-scaler", "namespace": "default"},
        "spec": spec,
    })
}

fn v2(obj: &Value) -> Value {
    convert("autoscaling", "HorizontalPodAutoscaler", obj, "v2").unwrap()
}

fn v1(obj: &Value) -> Value {
    convert("autoscaling", "HorizontalPodAutoscaler", obj, "v1").unwrap()
}

#[test]
fn a_v1_cpu_target_is_a_v2_utilization_metric() {
    let obj = hpa_v1(json!({
        "scaleTargetRef": {"kind": "ReplicaSet", "name": "frontend"},
        "minReplicas": 3, "maxReplicas": 10, "targetCPUUtilizationPercentage": 50,
    }));
    let out = v2(&obj);
    assert_eq!(out["apiVersion"], "autoscaling/v2");
    assert_eq!(
        out["spec"],
        json!({
            "scaleTargetRef": {"kind": "ReplicaSet", "name": "frontend"},
            "minReplicas": 3, "maxReplicas": 10,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}],
        })
    );
    assert_eq!(out["status"], json!({"desiredReplicas": 0}));
    // And back: nothing to carry in annotations.
    let back = v1(&out);
    assert_eq!(back["spec"], obj["spec"]);
    assert_eq!(back["status"], json!({"currentReplicas": 0, "desiredReplicas": 0}));
    assert!(back["metadata"].get("annotations").is_none());
}

#[test]
fn a_v1_hpa_without_target_gets_the_default_cpu_utilization() {
    let out = v2(&hpa_v1(
        json!({"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5}),
    ));
    assert_eq!(
        out["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"],
        80
    );
    assert_eq!(v1(&out)["spec"]["targetCPUUtilizationPercentage"], 80);
}

#[test]
fn what_v1_cannot_hold_travels_in_annotations_as_go_writes_them() {
    let stored = json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "default", "annotations": {"team": "a"}},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 5,
            "metrics": [
                {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}},
                {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}},
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max",
                "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}},
        },
        "status": {
            "currentReplicas": 2, "desiredReplicas": 2,
            "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 12, "averageValue": "6m"}}}],
            "conditions": [{"type": "AbleToScale", "status": "True", "lastTransitionTime": "2026-01-01T00:05:00Z",
                "reason": "ReadyForNewScale", "message": "recommended size matches current size & <ok>"}],
        },
    });
    let out = v1(&stored);
    let ann = &out["metadata"]["annotations"];
    assert_eq!(ann["team"], "a");
    assert_eq!(
        ann[METRIC_SPECS_ANNOTATION],
        r#"[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}]"#
    );
    assert_eq!(
        ann[METRIC_STATUSES_ANNOTATION],
        r#"[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":12,"currentAverageValue":"6m"}}]"#
    );
    assert_eq!(
        ann[CONDITIONS_ANNOTATION],
        r#"[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-01T00:05:00Z","reason":"ReadyForNewScale","message":"recommended size matches current size \u0026 \u003cok\u003e"}]"#
    );
    assert_eq!(
        ann[BEHAVIOR_ANNOTATION],
        r#"{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null}}"#
    );
    assert_eq!(out["spec"]["targetCPUUtilizationPercentage"], 50);
    assert_eq!(out["status"]["currentCPUUtilizationPercentage"], 12);
    // Back at v2 nothing is lost, and the annotations are gone again.
    assert_eq!(v2(&out), stored);
}

#[test]
fn every_metric_source_round_trips_through_v1() {
    let sel = json!({"matchLabels": {"b": "2", "a": "1"}});
    let stored = json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "x"},
        "spec": {
            "scaleTargetRef": {"kind": "Deployment", "name": "x"}, "maxReplicas": 3,
            "metrics": [
                {"type": "Pods", "pods": {"metric": {"name": "rps", "selector": sel}, "target": {"type": "AverageValue", "averageValue": "10"}}},
                {"type": "Object", "object": {"describedObject": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": "main"},
                    "metric": {"name": "hits"}, "target": {"type": "Value", "value": "2k"}}},
                {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "30"}}},
                {"type": "ContainerResource", "containerResource": {"name": "cpu", "container": "app",
                    "target": {"type": "Utilization", "averageUtilization": 60}}},
            ],
        },
        "status": {"desiredReplicas": 0},
    });
    let out = v1(&stored);
    assert_eq!(
        out["metadata"]["annotations"][METRIC_SPECS_ANNOTATION],
        concat!(
            r#"[{"type":"Pods","pods":{"metricName":"rps","targetAverageValue":"10","selector":{"matchLabels":{"a":"1","b":"2"}}}},"#,
            r#"{"type":"Object","object":{"target":{"kind":"Ingress","name":"main","apiVersion":"networking.k8s.io/v1"},"metricName":"hits","targetValue":"2k"}},"#,
            r#"{"type":"External","external":{"metricName":"queue","targetAverageValue":"30"}},"#,
            r#"{"type":"ContainerResource","containerResource":{"name":"cpu","targetAverageUtilization":60,"container":"app"}}]"#
        )
    );
    // No CPU utilization among the Resource metrics: v1 shows none, and the metrics come back.
    assert!(out["spec"].get("targetCPUUtilizationPercentage").is_none());
    assert_eq!(v2(&out), stored);
}

#[test]
fn an_annotation_that_does_not_decode_is_a_decoding_error() {
    let mut obj = hpa_v1(json!({"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "maxReplicas": 5}));
    obj["metadata"]["annotations"] = json!({CONDITIONS_ANNOTATION: "abc"});
    let err = convert("autoscaling", "HorizontalPodAutoscaler", &obj, "v2").unwrap_err();
    assert_eq!(err, "invalid character 'a' looking for beginning of value");
    obj["metadata"]["annotations"] = json!({METRIC_SPECS_ANNOTATION: "{}"});
    let err = convert("autoscaling", "HorizontalPodAutoscaler", &obj, "v2").unwrap_err();
    assert_eq!(
        err,
        "json: cannot unmarshal object into Go value of type []v1.MetricSpec"
    );
    obj["metadata"]["annotations"] = json!({METRIC_SPECS_ANNOTATION: ""});
    assert_eq!(
        convert("autoscaling", "HorizontalPodAutoscaler", &obj, "v2").unwrap_err(),
        "unexpected end of JSON input"
    );
}

#[test]
fn a_v2_object_keeps_no_round_trip_annotations() {
    let obj = json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "x", "annotations": {CONDITIONS_ANNOTATION: "[]", "team": "a"}},
    });
    assert_eq!(v2(&obj)["metadata"], json!({"name": "x", "annotations": {"team": "a"}}));
}

#[test]
fn other_kinds_only_change_their_api_version() {
    let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 1}});
    let out = convert("apps", "Deployment", &obj, "v1").unwrap();
    assert_eq!(out, obj);
    // Garbage never panics.
    for junk in [
        json!(null),
        json!([1]),
        json!({"apiVersion": "autoscaling/v1", "spec": 3, "status": "x"}),
    ] {
        let _ = convert("autoscaling", "HorizontalPodAutoscaler", &junk, "v2");
        let _ = convert("autoscaling", "HorizontalPodAutoscaler", &junk, "v1");
    }
}
