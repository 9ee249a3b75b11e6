// The large cluster the browser suite imports (a 50-node cluster running 2,000 pods), built by
// the native kubeplay and kept in the artifacts directory while the binary stays the same.
//
//   node tests/browser/big.mjs [ARTIFACTS]   builds it ahead of the suite (run.mjs builds it when missing)

import fs from 'node:fs/promises';
import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
export const BIG_NODES = 50;
export const BIG_PODS = 2000;

/** The native kubeplay that builds the large cluster. */
function nativeKubeplay() {
  for (const p of [process.env.KUBEPLAY_BIN, path.join(ROOT, 'target/release/kubeplay'), path.join(ROOT, 'target/debug/kubeplay')]) {
    if (p && existsSync(p)) return p;
  }
  console.log('        building the native kubeplay (cargo build --release --bin kubeplay)');
  execFileSync('cargo', ['build', '--release', '--bin', 'kubeplay'], { cwd: ROOT, stdio: 'inherit' });
  return path.join(ROOT, 'target/release/kubeplay');
}

/** A snapshot file for the page's Import: BIG_NODES nodes running BIG_PODS pods, made by the
 * native kubeplay (`kubeplay node add`, then one Deployment for the pods the system ones leave);
 * kept in ARTIFACTS while the binary is the same. */
export async function bigSnapshot(ARTIFACTS) {
  const bin = nativeKubeplay();
  const { mtimeMs, size } = statSync(bin);
  const stamp = JSON.stringify({ bin, mtimeMs, size, BIG_NODES, BIG_PODS });
  const file = path.join(ARTIFACTS, 'big-snapshot.json');
  const cached = await fs.readFile(`${file}.stamp`, 'utf8').catch(() => '');
  if (cached.startsWith(stamp) && existsSync(file)) return { ...JSON.parse(cached.slice(stamp.length)), cached: true };
  const state = path.join(ARTIFACTS, 'big-state.json');
  await fs.rm(state, { force: true });
  const started = Date.now();
  const kubeplay = (line) => execFileSync(bin, ['--state', state, '-c', line], { cwd: ARTIFACTS, encoding: 'utf8', maxBuffer: 1 << 26 });
  kubeplay(Array.from({ length: BIG_NODES - 3 }, () => 'kubeplay node add').join('; '));
  const system = Number(kubeplay('kubectl get pods -A --no-headers | wc -l').trim());
  kubeplay(`kubectl create deployment big --image=nginx:1.27 --replicas=${BIG_PODS - system}; sleep 30`);
  const nodes = Number(kubeplay('kubectl get nodes --no-headers | wc -l').trim());
  const pods = Number(kubeplay('kubectl get pods -A --no-headers | wc -l').trim());
  const running = Number(kubeplay('kubectl get pods -A --no-headers | grep -c Running').trim());
  const native = JSON.parse(await fs.readFile(state, 'utf8'));
  const snapshot = {
    format: 1,
    cluster: native.cluster,
    shell: { ...native.shell, cwd: '/root' },
    fs: { files: {}, dirs: ['/', '/etc', '/etc/kubernetes', '/etc/kubernetes/manifests', '/root', '/root/.kube', '/tmp'] },
    prefs: { dark: true, speed: 1, paused: true, editorFile: '' },
  };
  await fs.writeFile(file, JSON.stringify(snapshot));
  const facts = { file, nodes, pods, running, bytes: statSync(file).size, buildMs: Date.now() - started };
  await fs.writeFile(`${file}.stamp`, stamp + JSON.stringify(facts));
  return facts;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const artifacts = path.resolve(process.argv[2] || process.env.ARTIFACTS || path.join(here, 'artifacts'));
  await fs.mkdir(artifacts, { recursive: true });
  console.log(await bigSnapshot(artifacts));
}
