//! Starting points for the editor: one small, valid manifest per common kind, in the shape
//! the Kubernetes documentation uses.

/// (kind, suggested file name, manifest).
pub const TEMPLATES: &[(&str, &str, &str)] = &[
    ("Pod", "pod.yaml", POD),
    ("Deployment", "deployment.yaml", DEPLOYMENT),
    ("Service", "service.yaml", SERVICE),
    ("ConfigMap", "configmap.yaml", CONFIGMAP),
    ("Secret", "secret.yaml", SECRET),
    ("Job", "job.yaml", JOB),
    ("CronJob", "cronjob.yaml", CRONJOB),
    ("StatefulSet", "statefulset.yaml", STATEFULSET),
    ("DaemonSet", "daemonset.yaml", DAEMONSET),
    ("Ingress", "ingress.yaml", INGRESS),
    ("Namespace", "namespace.yaml", NAMESPACE),
    ("PersistentVolumeClaim", "pvc.yaml", PVC),
];

pub fn find(kind: &str) -> Option<(&'static str, &'static str)> {
    TEMPLATES
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, file, text)| (*file, *text))
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    ports:
    - containerPort: 80
";

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
";

const SERVICE: &str = "apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
";

const CONFIGMAP: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  LOG_LEVEL: info
  app.properties: |
    color=blue
";

const SECRET: &str = "apiVersion: v1
kind: Secret
metadata:
  name: app-secret
type: Opaque
stringData:
  username: admin
  password: s3cr3t
";

const JOB: &str = "apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  backoffLimit: 4
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: perl:5.34.0
        command: [\"perl\", \"-Mbignum=bpi\", \"-wle\", \"print bpi(2000)\"]
";

const CRONJOB: &str = "apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello
spec:
  schedule: \"* * * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: hello
            image: busybox:1.28
            command: [\"sh\", \"-c\", \"date; echo Hello\"]
";

const STATEFULSET: &str = "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 2
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: redis
        image: redis:7
        ports:
        - containerPort: 6379
";

const DAEMONSET: &str = "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  selector:
    matchLabels:
      app: node-agent
  template:
    metadata:
      labels:
        app: node-agent
    spec:
      containers:
      - name: agent
        image: busybox:1.28
        command: [\"sh\", \"-c\", \"sleep infinity\"]
";

const INGRESS: &str = "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
";

const NAMESPACE: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: dev
";

const PVC: &str = "apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes:
  - ReadWriteOnce
  resources:
    requests:
      storage: 1Gi
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_one_yaml_document_of_its_kind() {
        for (kind, file, text) in TEMPLATES {
            let docs = apimachinery::decode::decode_documents(text).unwrap_or_else(|e| panic!("{kind}: {e:?}"));
            assert_eq!(docs.len(), 1, "{kind}");
            let v = &docs[0];
            assert_eq!(v["kind"], *kind);
            assert!(v["metadata"]["name"].is_string(), "{kind}");
            assert!(file.ends_with(".yaml"));
        }
        assert_eq!(find("Job").map(|(f, _)| f), Some("job.yaml"));
        assert_eq!(find("Nope"), None);
    }
}
