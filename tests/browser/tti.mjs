// Measures time to interactive only (several fresh loads): node tests/browser/tti.mjs [--dist DIR] [--runs N]
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (n, d) => { const i = process.argv.indexOf(n); return i > 0 ? process.argv[i + 1] : d; };
const DIST = path.resolve(arg('--dist', path.join(here, '../../dist')));
const RUNS = Number(arg('--runs', '5'));
const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };
const server = http.createServer(async (req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname.replace(/^\/sub\//, '')) || 'index.html';
  try { const body = await fs.readFile(path.join(DIST, rel)); res.writeHead(200, { 'content-type': MIME[path.extname(rel)] || 'application/octet-stream' }); res.end(body); }
  catch { res.writeHead(404).end(); }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/sub/`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
for (let i = 0; i < RUNS; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text()); });
  await page.goto(url);
  await page.waitForFunction(() => window.__kubeplayReadyMs !== undefined, null, { timeout: 30000 });
  const r = await page.evaluate(() => {
    const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
    const marks = performance.getEntriesByType('mark').map((m) => `${m.name.replace('kubeplay:', '')} ${m.startTime.toFixed(0)}`);
    return `tti ${window.__kubeplayReadyMs.toFixed(0)} ms | wasm fetched ${wasm ? wasm.responseEnd.toFixed(0) : '?'}, ${marks.join(', ')}`;
  });
  console.log(r);
  await context.close();
}
await browser.close();
server.close();
