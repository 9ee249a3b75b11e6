"""Sets the known-gap marks of tests/examples/expected.txt (one-off review aid; the marks are
data, reviewed by hand). Usage: python3 tests/examples/tools/mark.py"""
import re, sys, pathlib
root = pathlib.Path(__file__).resolve().parents[1]
text = (root / 'expected.txt').read_text()
FAKE = ('<', 'non-existing-repo/', 'gcr.io/my-gcp-project/', 'gcr.io/myproject/')
MANUAL = {
 # apply
 'pods/inject/pod-single-secret-env-variable.yaml': 'differs apply: no apiVersion: kubectl v1.37 refuses it client-side (`error validating data: apiVersion not set`)',
 'pods/inject/envars-file-container.yaml': 'differs apply: `\\\'` in a double-quoted scalar is accepted by kubectl (go-yaml); the pod then runs',
 'access/admission-webhook-match-conditions.yaml': 'differs apply: a nameless object: kubectl v1.37 prints its own client-side error, not MethodNotAllowed',
 'access/validating-webhook-configuration-match-conditions.yaml': 'differs apply: a nameless object: kubectl v1.37 prints its own client-side error, not MethodNotAllowed',
 'controllers/job-success-policy-example.yaml': 'differs apply: a nameless object: kubectl v1.37 prints its own client-side error, not MethodNotAllowed',
 'validatingadmissionpolicy/failure-policy-ignore.yaml': 'differs apply: a nameless object: kubectl v1.37 prints its own client-side error, not MethodNotAllowed',
 # pods
 'application/wordpress/mysql-deployment.yaml': 'differs pods: its PVC has no class and no default StorageClass exists: v1.37 keeps the pod Pending (unbound immediate PersistentVolumeClaims)',
 'configmap/configure-pod.yaml': 'differs pods: its configMap volume is missing: v1.37 keeps the pod ContainerCreating (FailedMount) before any env error',
 'debug/counter-pod-err.yaml': 'differs pods: `>&2` is a redirection: v1.37 runs the counter',
 'admin/resource/cpu-constraints-pod-4.yaml': 'differs pods: vish/stress with no flags keeps running in v1.37',
 'application/basic-daemonset.yaml': 'differs pods: `cat /etc/machine-id` works in a real container: v1.37 pods Running',
 'pods/init-containers.yaml': 'differs pods: the init container wgets http://info.cern.ch: with the internet of a real cluster it completes and the pod runs',
 'pods/pod-nginx-specific-node.yaml': 'differs pods: bound by nodeName to a node that does not exist: PodGC deletes it after 40 s, no pod is left',
 'pods/pod-with-scheduling-gates.yaml': 'differs pods: v1.37 shows SchedulingGated',
 'application/job/indexed-job-vol.yaml': 'differs pods: v1.37 runs the indexed pods to completion (downwardAPI volume items)',
 'application/cassandra/cassandra-statefulset.yaml': 'differs apply: a volumeMount of a volumeClaimTemplate is valid: v1.37 creates the StatefulSet (its claims stay Pending: no default StorageClass)',
 'application/mysql/mysql-statefulset.yaml': 'differs apply: a volumeMount of a volumeClaimTemplate is valid: v1.37 creates the StatefulSet (its claims stay Pending: no default StorageClass)',
 'application/web/web-parallel.yaml': 'differs apply: a volumeMount of a volumeClaimTemplate is valid: v1.37 creates the StatefulSet (its claims stay Pending: no default StorageClass)',
 'application/web/web.yaml': 'differs apply: a volumeMount of a volumeClaimTemplate is valid: v1.37 creates the StatefulSet (its claims stay Pending: no default StorageClass)',
 'application/zookeeper/zookeeper.yaml': 'differs apply: a volumeMount of a volumeClaimTemplate is valid: v1.37 creates the StatefulSet (its claims stay Pending: no default StorageClass)',
 'controllers/statefulset.yaml': 'differs apply: a volumeMount of a volumeClaimTemplate is valid: v1.37 creates the StatefulSet (its claims stay Pending: no default StorageClass)',
 'application/job/job-sidecar.yaml': 'differs pods: the sidecar is stopped when the main container ends: v1.37 shows 0/2 Completed',
 'controllers/job-backoff-limit-per-index-example.yaml': 'differs pods: failing indexes keep their Error pods in v1.37',
 'controllers/job-backoff-limit-per-index-failindex.yaml': 'differs pods: failing indexes keep their Error pods in v1.37',
 'controllers/job-success-policy.yaml': 'differs pods: unverified: the success policy ends the Job early in v1.37',
 'dra/dra-device-metadata-pod.yaml': 'differs pods: no DRA driver publishes devices: v1.37 keeps the pod Pending (its claim cannot be allocated)',
 'dra/dra-device-metadata-template-pod.yaml': 'differs pods: no DRA driver publishes devices: v1.37 keeps the pod Pending (its claim cannot be allocated)',
 'dra/dra-example-job.yaml': 'differs pods: no DRA driver publishes devices: v1.37 keeps the pods Pending (their claims cannot be allocated)',
 'dra/driver-install/example/all.yaml': 'differs pods: no DRA driver publishes devices: v1.37 keeps the pod Pending (its claim cannot be allocated)',
 'pods/security/apparmor/hello-apparmor.yaml': 'differs pods: the Localhost AppArmor profile is not loaded on the node: v1.37 does not start the container',
 'pods/security/hello-apparmor-2.yaml': 'differs pods: the Localhost AppArmor profile is not loaded on the node: v1.37 does not start the container',
 'pods/security/hello-apparmor.yaml': 'differs pods: the Localhost AppArmor profile is not loaded on the node: v1.37 does not start the container',
 'pods/storage/expandable-pvc-pod.yaml': 'differs pods: its PersistentVolumeClaim does not exist: v1.37 keeps the pod Pending',
 'pods/storage/pv-duplicate.yaml': 'differs pods: its PersistentVolumeClaim does not exist: v1.37 keeps the pod Pending',
 'pods/storage/pv-pod-backup.yaml': 'differs pods: its PersistentVolumeClaim does not exist: v1.37 keeps the pod Pending',
 'pods/storage/pv-pod.yaml': 'differs pods: its PersistentVolumeClaim does not exist: v1.37 keeps the pod Pending',
 'pods/storage/projected-secret-downwardapi-configmap.yaml': 'differs pods: its projected Secret/ConfigMap do not exist: v1.37 keeps the pod ContainerCreating (FailedMount)',
 'pods/storage/projected-secrets-nondefault-permission-mode.yaml': 'differs pods: its projected Secrets do not exist: v1.37 keeps the pod ContainerCreating (FailedMount)',
 'pods/storage/projected.yaml': 'differs pods: its projected Secrets do not exist: v1.37 keeps the pod ContainerCreating (FailedMount)',
 'pods/storage/projected-clustertrustbundle.yaml': 'differs pods: unverified: clusterTrustBundle projection needs a beta feature that v1.37 leaves off',
 'pods/storage/projected-podcertificate.yaml': 'differs pods: unverified: podCertificate projection needs a signer that does not exist here',
 'pods/pod-with-numeric-toleration.yaml': 'differs apply: unverified: numeric toleration operators (Gt/Lt) are a v1.35+ feature; whether v1.37 enables them by default is not checked',
}
out, blocks = [], re.split(r'^== ', text, flags=re.M)[1:]
counts = {}
for b in blocks:
    path, rest = b.split('\n', 1)
    lines = [l for l in rest.split('\n') if not l.startswith('# ')]
    rest = '\n'.join(lines)
    mark = MANUAL.get(path)
    if mark is None and re.search(r'ImagePull|ErrImagePull', rest.split('-- pods', 1)[1]):
        src = (root / 'website' / path).read_text()
        images = sorted(set(re.findall(r'image:\s*"?([^\s",}]+)', src)))
        real = [i for i in images if not i.startswith(FAKE) and 'microsoft/' not in i]
        if real:
            mark = 'images: ' + ', '.join(real) + ' not pullable here yet'
    if mark:
        counts[mark.split(':')[0]] = counts.get(mark.split(':')[0], 0) + 1
        rest = f'# {mark}\n' + rest
    out.append(f'== {path}\n{rest}')
(root / 'expected.txt').write_text(''.join(out))
print(counts)
