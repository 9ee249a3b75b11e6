// Browser tests for the kubeplay playground: serves dist/ under a sub-path with a tiny static
// server, drives Debian's Chromium through playwright-core, and checks what a learner does.
//
//   npm ci --prefix tests/browser && node tests/browser/run.mjs [--dist DIR]
//
// Environment: CHROMIUM (default /usr/bin/chromium), ARTIFACTS (default tests/browser/artifacts).
// Prints one line per check and closes with `N passed, N failed, N skipped`; exits 1 on failure.

import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const argDist = process.argv.indexOf('--dist');
const DIST = path.resolve(argDist > 0 ? process.argv[argDist + 1] : path.join(here, '../../dist'));
const ARTIFACTS = path.resolve(process.env.ARTIFACTS || path.join(here, 'artifacts'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const BASE_PATH = '/sub/kubeplay/';
const TTI_BUDGET_MS = 1500;

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json',
  '.webmanifest': 'application/manifest+json', '.txt': 'text/plain', '.png': 'image/png',
};

// ---- static server (dist/ under BASE_PATH; everything else 404) ----

function startServer() {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    // Chromium asks the host root for a favicon on pages without an icon link (robots.txt).
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === BASE_PATH.slice(0, -1)) {
      res.writeHead(301, { location: BASE_PATH }).end();
      return;
    }
    if (!url.pathname.startsWith(BASE_PATH)) {
      res.writeHead(404).end('not found');
      return;
    }
    let rel = decodeURIComponent(url.pathname.slice(BASE_PATH.length)) || 'index.html';
    const file = path.resolve(DIST, rel);
    if (!file.startsWith(DIST + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await fs.readFile(file);
      res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

// ---- tiny harness ----

const results = { passed: 0, failed: 0, skipped: 0 };
class Skip extends Error {}
const skip = (why) => { throw new Skip(why); };
function assert(cond, message) { if (!cond) throw new Error(message); }

async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.passed++;
    console.log(`ok      ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    if (e instanceof Skip) {
      results.skipped++;
      console.log(`SKIPPED ${name}: ${e.message}`);
    } else {
      results.failed++;
      console.log(`FAILED  ${name}: ${e.message.split('\n').slice(0, 12).join('\n        ')}`);
    }
  }
}

// ---- page helpers ----

const consoleErrors = [];
function watch(page, label) {
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(`${label}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`${label}: uncaught ${err.message}`));
  return page;
}

const sel = (id) => `[data-testid="${id}"]`;

async function entryCount(page) {
  return page.locator(sel('terminal-entry')).count();
}

/** Types a line into the terminal, presses Enter, returns what the command printed. */
async function run(page, line) {
  const before = await page.locator(sel('terminal-entry')).evaluateAll((els) => els.map((e) => e.innerText).join('\u0000'));
  const input = page.locator(sel('terminal-input'));
  await input.fill(line);
  await input.press('Enter');
  await page.waitForFunction(
    ([s, prev]) => [...document.querySelectorAll(s)].map((e) => e.innerText).join('\u0000') !== prev,
    [sel('terminal-entry'), before],
  );
  return page.locator(sel('terminal-entry')).last().evaluate((el) =>
    [...el.querySelectorAll('.stdout, .stderr')].map((s) => s.textContent).join(''));
}


async function setEditor(page, text) {
  await page.locator(sel('yaml-editor')).evaluate((el, t) => {
    el.value = t;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
}

async function clock(page) {
  return Date.parse(await page.locator(sel('clock')).innerText());
}

async function screenshot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
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
`;

const WATCHED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: watched
spec:
  containers:
  - name: nginx
    image: nginx:1.27
`;

// ---- the suite ----

async function main() {
  await fs.access(path.join(DIST, 'index.html')).catch(() => {
    console.error(`no build at ${DIST}: run \`trunk build --release\` first`);
    process.exit(2);
  });
  await fs.mkdir(ARTIFACTS, { recursive: true });
  let server = await startServer();
  const url = `http://127.0.0.1:${server.address().port}${BASE_PATH}`;
  console.log(`serving ${DIST} at ${url}`);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = watch(await context.newPage(), 'main');
  let podsExist = false;

  await check('the page loads under a sub-path and the terminal takes input', async () => {
    await page.goto(url);
    await page.locator(sel('terminal-input')).waitFor();
    const tti = await page.evaluate(() => window.__kubeplayReadyMs);
    const wasm = (await fs.readdir(DIST)).find((f) => f.endsWith('.wasm'));
    console.log(`        time to interactive: ${tti.toFixed(0)} ms (navigation start → terminal ready; budget ${TTI_BUDGET_MS} ms)`);
    const phases = await page.evaluate(() => {
      const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
      const marks = performance.getEntriesByType('mark').map((m) => `${m.name.replace('kubeplay:', '')} ${m.startTime.toFixed(0)}`);
      return [`wasm fetched ${wasm ? wasm.responseEnd.toFixed(0) : '?'}`, ...marks].join(', ');
    });
    console.log(`        phases (ms since navigation start): ${phases}`);
    if (wasm) {
      const { gzipSync } = await import('node:zlib');
      const raw = await fs.readFile(path.join(DIST, wasm));
      console.log(`        wasm: ${raw.length} bytes, ${gzipSync(raw, { level: 9 }).length} bytes gzipped`);
    }
    // A figure to report, never a timed assert: CI machines' load varies.
    if (tti >= TTI_BUDGET_MS) console.log(`        note: over the ${TTI_BUDGET_MS} ms budget on this run`);
  });

  await check('kubectl get nodes shows three Ready nodes, in the terminal and the cluster view', async () => {
    const out = await run(page, 'kubectl get nodes');
    const rows = out.trim().split('\n');
    assert(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/.test(rows[0]), `header: ${rows[0]}`);
    const ready = rows.slice(1).filter((r) => /^\S+\s+Ready\s/.test(r)).map((r) => r.split(/\s+/)[0]);
    assert(JSON.stringify(ready) === '["controlplane","node01","node02"]', `Ready nodes: ${out}`);
    const nodes = await page.locator(`${sel('cluster-view')} ${sel('node')}[data-ready="true"]`).evaluateAll((els) => els.map((e) => e.dataset.name));
    assert(JSON.stringify(nodes) === '["controlplane","node01","node02"]', `cluster view nodes: ${nodes}`);
  });

  await check('a Deployment applied from the editor is created', async () => {
    await setEditor(page, DEPLOYMENT);
    await page.locator(sel('apply-button')).click();
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('deployment.apps/web'), sel('editor-output'));
    const out = await page.locator(sel('editor-output')).innerText();
    assert(out.trim() === 'deployment.apps/web created', `editor output: ${out}`);
    const get = await run(page, 'kubectl get deploy web -o name');
    assert(get.trim() === 'deployment.apps/web', get);
  });

  await check("the Deployment's pods become Running in the cluster view", async () => {
    // Let virtual time pass: 20×, plus steps.
    await page.locator(sel('speed-select')).selectOption('20');
    for (let i = 0; i < 6; i++) await page.locator(sel('step-button')).click();
    await page.waitForTimeout(1500);
    const pods = page.locator(`${sel('pod')}[data-namespace="default"][data-name^="web-"]`);
    if ((await pods.count()) === 0) {
      skip('no pods exist for the Deployment yet (controllers, scheduler and kubelets are issue 3, not landed)');
    }
    podsExist = true;
    await page.waitForFunction((s) => {
      const pods = [...document.querySelectorAll(s)];
      return pods.length === 3 && pods.every((p) => p.dataset.phase === 'Running' && p.dataset.ready === 'true' && p.dataset.node);
    }, `${sel('pod')}[data-namespace="default"][data-name^="web-"]`, { timeout: 15000 });
  });
  await screenshot(page, 'main');

  await check('kubectl scale changes the replica count', async () => {
    const out = await run(page, 'kubectl scale deployment web --replicas=5');
    assert(out.trim() === 'deployment.apps/web scaled', out);
    const replicas = await run(page, "kubectl get deployment web -o jsonpath='{.spec.replicas}'");
    assert(replicas.trim() === '5', `spec.replicas: ${replicas}`);
    if (!podsExist) skip('spec.replicas is 5; pod count not checked (no pods exist yet, issue 3)');
    await page.waitForFunction((s) => document.querySelectorAll(s).length === 5,
      `${sel('pod')}[data-namespace="default"][data-name^="web-"][data-phase="Running"]`, { timeout: 15000 });
  });

  await check('kubectl edit opens the object in the editor pane', async () => {
    const out = await run(page, 'kubectl edit deployment web');
    assert(out.includes('The object is open in the editor as edit-web.yaml'), out);
    const active = await page.locator('.file.active').innerText();
    assert(active === 'edit-web.yaml', `active file: ${active}`);
    const text = await page.locator(sel('yaml-editor')).inputValue();
    assert(text.includes('kind: Deployment') && text.includes('name: web'), text.slice(0, 300));
  });

  await check('Tab completes commands, resource types and object names', async () => {
    const input = page.locator(sel('terminal-input'));
    for (const [typed, want] of [['kubectl get no', 'kubectl get nodes '], ['kubectl cordon node0', 'kubectl cordon node0'],
      ['kubectl describe deploy w', 'kubectl describe deploy web '], ['kub', 'kubectl ']]) {
      await input.fill(typed);
      await input.press('Tab');
      const got = await input.inputValue();
      assert(got === want, `${typed}<TAB> gave ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    }
    await input.fill('');
  });

  await check('here-documents typed line by line run once complete', async () => {
    const input = page.locator(sel('terminal-input'));
    const before = await entryCount(page);
    for (const line of ['cat <<EOF > /root/note.txt', 'hello from a heredoc']) {
      await input.fill(line);
      await input.press('Enter');
    }
    assert((await entryCount(page)) === before, 'ran before the here-document was complete');
    const out = await run(page, 'EOF');
    assert(out.trim() === '', out);
    const cat = await run(page, 'cat note.txt');
    assert(cat.trim() === 'hello from a heredoc', cat);
  });

  await check('a pasted multi-line block runs each command', async () => {
    const input = page.locator(sel('terminal-input'));
    await input.focus();
    await input.evaluate((el) => {
      const data = new DataTransfer();
      data.setData('text', 'kubectl create namespace pasted\nkubectl get ns pasted -o name\n');
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    });
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('namespace/pasted\n'),
      `${sel('terminal-entry')}:last-child`);
  });

  await check('stderr is coloured, ↑ recalls history, Ctrl-C and Ctrl-L work', async () => {
    await run(page, 'kubectl get pod nope');
    const err = page.locator(`${sel('terminal-entry')}:last-child .stderr`);
    assert((await err.innerText()).includes('Error from server (NotFound): pods "nope" not found'), await err.innerText());
    const color = await err.evaluate((el) => getComputedStyle(el).color);
    const plain = await page.locator(sel('terminal-input')).evaluate((el) => getComputedStyle(el).color);
    assert(color !== plain, `stderr colour ${color} equals the normal text colour`);
    const input = page.locator(sel('terminal-input'));
    await input.press('ArrowUp');
    assert((await input.inputValue()) === 'kubectl get pod nope', await input.inputValue());
    await input.fill('half typed');
    await input.press('Control+c');
    assert((await input.inputValue()) === '', 'Ctrl-C left the line');
    assert((await page.locator(sel('terminal-entry')).last().innerText()).endsWith('half typed^C'), 'no ^C shown');
    await input.press('Control+l');
    await page.waitForFunction((s) => document.querySelectorAll(s).length === 0, sel('terminal-entry'));
  });

  await check('the cordon button cordons a node, the inspector describes it', async () => {
    await page.locator(`${sel('node')}[data-name="node01"] ${sel('cordon-button')}`).click();
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('node/node01 cordoned'), `${sel('terminal-entry')}:last-child`);
    await page.locator(`${sel('node')}[data-name="node01"] .name`).click();
    await page.waitForFunction((s) => /Unschedulable:\s+true/.test(document.querySelector(s)?.innerText || ''), sel('inspector-text'));
    await screenshot(page, 'inspector');
    await page.locator(`${sel('node')}[data-name="node01"] ${sel('uncordon-button')}`).click();
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('node/node01 uncordoned'), `${sel('terminal-entry')}:last-child`);
  });

  await check('pause stops the virtual clock, 20× runs it fast', async () => {
    await page.locator(sel('speed-select')).selectOption('20');
    const t0 = await clock(page);
    await page.waitForTimeout(1000);
    const t1 = await clock(page);
    assert(t1 - t0 >= 10000, `at 20× one second moved the clock ${t1 - t0} ms`);
    await page.locator(sel('pause-button')).click();
    const p0 = await clock(page);
    await page.waitForTimeout(1000);
    const p1 = await clock(page);
    assert(p1 === p0, `paused clock moved ${p1 - p0} ms`);
    await page.locator(sel('pause-button')).click();
    await page.locator(sel('speed-select')).selectOption('1');
    const ms = await page.locator(sel('clock')).evaluate((el) => [el.dataset.tickAvgMs, el.dataset.tickMaxMs, el.dataset.syncAvgMs, el.dataset.syncMaxMs, el.dataset.saveMaxMs,
      el.dataset.sliceMaxMs, el.dataset.inspectorMaxMs]);
    console.log(`        clock tick cost: ${ms[0]} ms on average, ${ms[1]} ms at most`);
    console.log(`        of which cluster view updates (watches, model): ${ms[2]} ms on average, ${ms[3]} ms at most`);
    console.log(`        saving to localStorage: ${ms[4]} ms at most; one simulation slice: ${ms[5]} ms at most; inspector refresh: ${ms[6]} ms at most`);
  });

  await check('Stop turns a node NotReady after the grace period and its pods not ready; Start makes it Ready', async () => {
    const node02 = `${sel('node')}[data-name="node02"]`;
    await page.locator(`${node02} ${sel('stop-button')}`).click();
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('node/node02: kubelet stopped'), `${sel('terminal-entry')}:last-child`);
    await page.locator(`${node02}[data-kubelet="stopped"] ${sel('start-button')}`).waitFor();
    assert((await page.locator(`${node02}[data-ready="true"]`).count()) === 1, 'NotReady before the node-monitor grace period');
    await page.locator(sel('speed-select')).selectOption('20');
    for (let i = 0; i < 6; i++) await page.locator(sel('step-button')).click();
    await page.locator(`${node02}[data-ready="false"]`).waitFor({ timeout: 15000 });
    const status = await page.locator(`${node02} .status`).innerText();
    assert(status === 'NotReady', `node02 status: ${status}`);
    // The node lifecycle controller marks the pods of a NotReady node not ready.
    await page.waitForFunction((s) => {
      const pods = [...document.querySelectorAll(s)];
      return pods.length > 0 && pods.every((p) => p.dataset.ready === 'false');
    }, `${node02} ${sel('pod')}`, { timeout: 15000 });
    await screenshot(page, 'node-stopped');
    await page.locator(`${node02} ${sel('start-button')}`).click();
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('node/node02: kubelet started'), `${sel('terminal-entry')}:last-child`);
    await page.locator(sel('step-button')).click();
    await page.locator(`${node02}[data-ready="true"][data-kubelet="running"] ${sel('stop-button')}`).waitFor({ timeout: 15000 });
  });

  await check('Drain leaves only DaemonSet pods on the node, cordoned; Uncordon reopens it', async () => {
    const node01 = `${sel('node')}[data-name="node01"]`;
    await page.locator(sel('speed-select')).selectOption('20');
    await page.locator(`${node01} ${sel('drain-button')}`).click();
    await page.waitForFunction((s) => [...document.querySelectorAll(s)].some((e) => e.innerText.includes('node/node01 drained')),
      sel('terminal-entry'), { timeout: 30000 });
    await page.waitForFunction((s) => {
      const pods = [...document.querySelectorAll(s)];
      return pods.length > 0 && pods.every((p) => p.dataset.ownerKind === 'DaemonSet');
    }, `${node01} ${sel('pod')}`, { timeout: 15000 });
    const status = await page.locator(`${node01} .status`).innerText();
    assert(status === 'Ready,SchedulingDisabled', `node01 status: ${status}`);
    await screenshot(page, 'drained');
    await page.locator(`${node01} ${sel('uncordon-button')}`).click();
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('node/node01 uncordoned'), `${sel('terminal-entry')}:last-child`);
    assert((await page.locator(`${node01} .status`).innerText()) === 'Ready', 'node01 still cordoned');
    await page.locator(sel('speed-select')).selectOption('1');
  });

  await check('kubectl get pods -w streams a pod created from the editor, Ctrl-C ends it with $? 130 and stops sleep', async () => {
    await page.locator(sel('speed-select')).selectOption('1');
    const input = page.locator(sel('terminal-input'));
    const running = page.locator(sel('terminal-running'));
    await input.fill('kubectl get pods -w');
    await input.press('Enter');
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('NAME'), sel('terminal-running'));
    // The editor works while the command waits; the new pod's line streams into the terminal.
    await setEditor(page, WATCHED_POD);
    await page.locator(sel('apply-button')).click();
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('pod/watched created'), sel('editor-output'));
    await page.waitForFunction((s) => /\nwatched\s/.test(document.querySelector(s)?.innerText ?? ''), sel('terminal-running'), { timeout: 15000 });
    await input.press('Control+c');
    await running.waitFor({ state: 'detached' });
    const entry = await page.locator(sel('terminal-entry')).last().innerText();
    assert(/\nwatched\s/.test(entry) && entry.trimEnd().endsWith('^C'), `get -w entry: ${entry}`);
    let status = await run(page, 'echo $?');
    assert(status.trim() === '130', `$? after Ctrl-C: ${status}`);
    await input.fill('sleep 600');
    await input.press('Enter');
    await running.waitFor();
    await page.waitForTimeout(300);
    await input.press('Control+c');
    await running.waitFor({ state: 'detached' });
    status = await run(page, 'echo $?');
    assert(status.trim() === '130', `$? after Ctrl-C in sleep: ${status}`);
    // watch refreshes until Ctrl-C on its own screen, which goes away; it exits 0.
    await input.fill('watch -n 1 date');
    await input.press('Enter');
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('Every 1.0s: date'), sel('terminal-running'));
    await input.press('Control+c');
    await running.waitFor({ state: 'detached' });
    const watched = await page.locator(sel('terminal-entry')).last().innerText();
    assert(!watched.includes('Every 1.0s'), `watch left its screen: ${watched}`);
    status = await run(page, 'echo $?');
    assert(status.trim() === '0', `$? after Ctrl-C in watch: ${status}`);
    await run(page, 'kubectl delete pod watched --wait=false');
    await setEditor(page, DEPLOYMENT);
  });

  await check('a reload keeps the cluster, the files and the history', async () => {
    await page.reload();
    await page.locator(sel('terminal-input')).waitFor();
    const out = await run(page, 'kubectl get deploy web -o name; cat note.txt');
    assert(out.trim() === 'deployment.apps/web\nhello from a heredoc', out);
    const input = page.locator(sel('terminal-input'));
    await input.press('ArrowUp');
    await input.press('ArrowUp');
    assert((await input.inputValue()).startsWith('kubectl uncordon node01') || (await input.inputValue()) !== '', 'history empty after reload');
    await input.fill('');
  });

  await check('the narrow layout shows one pane at a time with tabs; the light theme works', async () => {
    const narrow = watch(await context.newPage(), 'narrow');
    await narrow.setViewportSize({ width: 400, height: 800 });
    await narrow.goto(url);
    await narrow.locator(sel('terminal-input')).waitFor();
    assert(await narrow.locator(sel('terminal-input')).isVisible(), 'terminal hidden');
    assert(!(await narrow.locator(sel('cluster-view')).isVisible()), 'cluster view shown next to the terminal');
    await screenshot(narrow, 'narrow-terminal');
    await narrow.getByRole('tab', { name: 'Cluster' }).click();
    assert(await narrow.locator(sel('cluster-view')).isVisible(), 'cluster tab did not show the cluster view');
    await screenshot(narrow, 'narrow-cluster');
    await narrow.close();
    await page.getByRole('button', { name: /Light/ }).click();
    await screenshot(page, 'light');
    await page.getByRole('button', { name: /Dark/ }).click();
  });

  await check('a share link opens its manifests in the editor as text', async () => {
    await setEditor(page, 'kind: ConfigMap # <img src=x onerror=alert(1)>\n');
    await page.locator(sel('share-button')).click();
    const link = await page.locator(sel('share-link')).inputValue();
    assert(link.startsWith(url) && link.includes('#manifests='), link);
    const shared = watch(await context.newPage(), 'shared');
    await shared.goto(link);
    await shared.locator(sel('terminal-input')).waitFor();
    const text = await shared.locator(sel('yaml-editor')).inputValue();
    assert(text === 'kind: ConfigMap # <img src=x onerror=alert(1)>\n', text);
    assert((await shared.locator('img').count()) === 0, 'the shared text was rendered as HTML');
    assert((await shared.locator(sel('notice')).innerText()).includes('shared'), 'no notice');
    assert(!shared.url().includes('#manifests='), 'the fragment stayed in the address bar');
    await shared.close();
    await page.reload();
    await page.locator(sel('terminal-input')).waitFor();
  });

  await check('corrupt saved data gives a clear message and a fresh, working cluster', async () => {
    // Written from a page of the same origin that does not run the app (which would save over it).
    const p = watch(await context.newPage(), 'corrupt');
    await p.goto(`${url}robots.txt`);
    const saved = await p.evaluate(() => localStorage.getItem('kubeplay/v1'));
    await p.evaluate(() => localStorage.setItem('kubeplay/v1', '{"format": 1, "cluster": 42'));
    await p.goto(url);
    await p.locator(sel('terminal-input')).waitFor();
    const notice = await p.locator(sel('notice')).innerText();
    assert(notice.includes('could not be loaded') && notice.includes('fresh cluster'), notice);
    const out = await run(p, 'kubectl get deploy');
    assert(out.trim() === 'No resources found in default namespace.', out);
    const kept = await p.evaluate(() => localStorage.getItem('kubeplay/v1.unreadable'));
    assert(kept === '{"format": 1, "cluster": 42', `the unreadable data was not set aside: ${kept}`);
    await p.goto(`${url}robots.txt`);
    await p.evaluate((s) => localStorage.setItem('kubeplay/v1', s), saved);
    await p.close();
  });

  await check('with the network gone after the first load, the page loads and works (service worker)', async () => {
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.locator(sel('terminal-input')).waitFor();
    const controlled = await page.evaluate(() => !!navigator.serviceWorker.controller);
    assert(controlled, 'no service worker controls the page');
    await new Promise((resolve) => server.close(resolve));
    server.closeAllConnections?.();
    await context.setOffline(true);
    await page.reload();
    await page.locator(sel('terminal-input')).waitFor({ timeout: 10000 });
    const out = await run(page, 'kubectl get deploy web -o name');
    assert(out.trim() === 'deployment.apps/web', out);
    await context.setOffline(false);
  });

  await check('Export saves a snapshot, Reset starts a fresh cluster, Import brings the snapshot back', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(sel('export-button')).click()]);
    const file = path.join(ARTIFACTS, 'snapshot.json');
    await download.saveAs(file);
    const snapshot = JSON.parse(await fs.readFile(file, 'utf8'));
    assert(snapshot.format === 1 && snapshot.cluster && snapshot.shell, 'the snapshot lacks format/cluster/shell');
    await page.locator(sel('reset-button')).click();
    let out = await run(page, 'kubectl get deploy');
    assert(out.trim() === 'No resources found in default namespace.', out);
    await page.locator(sel('import-input')).setInputFiles(file);
    await page.waitForFunction((s) => document.querySelector(s)?.innerText.includes('Snapshot imported'), sel('notice'));
    out = await run(page, 'kubectl get deploy web -o name');
    assert(out.trim() === 'deployment.apps/web', out);
  });

  await check('no console errors', async () => {
    assert(consoleErrors.length === 0, consoleErrors.join('\n'));
  });

  await browser.close();
  server.close();
  const skipped = results.skipped ? `, ${results.skipped} skipped` : '';
  console.log(`screenshots in ${ARTIFACTS}`);
  console.log(`${results.passed} passed, ${results.failed} failed${skipped}`);
  process.exit(results.failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  console.log(`${results.passed} passed, ${results.failed + 1} failed`);
  process.exit(1);
});
