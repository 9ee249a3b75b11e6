// Times the exported scenarios of the wasm bench under Node: node run.mjs PATH.wasm [NODES] [REPLICAS]
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const [path, nodes = "100", replicas = "1000"] = process.argv.slice(2);
const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
const x = instance.exports;
const time = (what, f) => {
  const t = performance.now();
  const r = f();
  console.log(`${what.padEnd(60)} ${(performance.now() - t).toFixed(1).padStart(10)} ms  -> ${r}`);
  return r;
};
for (let i = 0; i < 3; i++) time(`boot the default cluster (run ${i + 1})`, () => x.boot());
time("default cluster: snapshot to JSON text (bytes)", () => x.snapshot());
time("default cluster: restore", () => x.restore());
time(`grow to ${nodes} nodes, all Ready + 60 s (Ready nodes)`, () => x.grow(+nodes));
time(`${replicas}-replica Deployment converges (virtual ms)`, () => x.deploy(+replicas));
time("large cluster: snapshot to JSON text (bytes)", () => x.snapshot());
time("large cluster: restore", () => x.restore());
