#!/usr/bin/env node
// Where a decode step's time goes: wraps every native kernel with a timer (keyed by kernel name
// and, for matmul, its m×n×k and B dtype), runs greedy decode, and prints per-key totals per
// token next to the wall time per token; the rest is JS work between kernels. The fused decode
// step (src/models/fused-decode.ts) is one call per token: its phases are timed inside the addon
// (decodeProfile) and printed as `fused <phase>` rows.
//
//   STEERLING_THREADS=2 node bench/profile-decode.mjs [MODEL_DIR] [DECODE_TOKENS]
//   STEERLING_FUSED_DECODE=0 ...   the op-by-op path
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadModel } = await import(path.join(root, 'dist/src/models/load.js'));
const { generate } = await import(path.join(root, 'dist/src/generate/generate.js'));
const { nativeBackend } = await import(path.join(root, 'dist/src/backend/registry.js'));

const model = process.argv[2] ?? path.join(root, 'models/local/smollm2-135m-random');
const nDecode = Number(process.argv[3] ?? 32);
const m = (await loadModel(model)).model;
const nb = nativeBackend();
if (!nb) throw new Error('the native backend did not load');

const times = new Map();
let timing = false;
const decodeProfile = nb.addon.decodeProfile;
const PHASES = ['norm (+prepare x, each thread)', 'qkv (+rope, cache; wall time less attention)', 'attention (timing thread, inside qkv)', 'prepare attention output / activations', 'o_proj', 'gate_up (+act)', 'down', 'lm_head'];
for (const [name, fn] of Object.entries(nb.kernels)) {
  if (typeof fn !== 'function') continue;
  nb.kernels[name] = (...args) => {
    if (!timing) return fn(...args);
    let key = name;
    if (name === 'matmul') {
      const a = args[2];
      key = `matmul ${a.m}x${a.n}x${a.k} ${a.bDtype}`;
    } else if (name === 'unary' || name === 'binary') key = `${name} ${args[0]}`;
    const t = performance.now();
    const r = fn(...args);
    const dt = performance.now() - t;
    const e = times.get(key) ?? { ms: 0, calls: 0 };
    e.ms += dt;
    e.calls++;
    times.set(key, e);
    return r;
  };
}

const prompt = Array.from({ length: 16 }, (_, i) => 3 + i * 7);
let best = null;
for (let r = 0; r < 3; r++) {
  times.clear();
  const stamps = [];
  timing = false;
  decodeProfile?.(false);
  generate(m, [prompt], {
    maxTokens: nDecode + 1,
    onToken: () => {
      stamps.push(performance.now());
      // Time decode steps only (the first token comes from the prefill).
      if (!timing) decodeProfile?.(true);
      timing = true;
    },
  });
  const steps = stamps.length - 1;
  const fusedT = decodeProfile?.(false);
  if (fusedT && fusedT[PHASES.length] > 0) {
    const n = fusedT[PHASES.length];
    PHASES.forEach((p, i) => times.set(`fused ${p}`, { ms: (fusedT[i] * 1000 * steps) / n, calls: steps }));
  }
  const wall = (stamps[steps] - stamps[0]) / steps;
  if (!best || wall < best.wall) best = { wall, steps, times: new Map(times) };
}
const rows = [...best.times].map(([k, v]) => ({ key: k, ms_per_token: v.ms / best.steps, calls_per_token: v.calls / best.steps })).sort((a, b) => b.ms_per_token - a.ms_per_token);
const kernelMs = rows.reduce((s, r) => s + r.ms_per_token, 0);
for (const r of rows) console.log(`${r.ms_per_token.toFixed(3).padStart(8)} ms  ${String(r.calls_per_token).padStart(5)} calls  ${r.key}`);
console.log(`${kernelMs.toFixed(3).padStart(8)} ms  kernels total`);
console.log(`${(best.wall - kernelMs).toFixed(3).padStart(8)} ms  outside kernels (JS, N-API calls' wrappers, allocation)`);
console.log(`${best.wall.toFixed(3).padStart(8)} ms  per token (${(1000 / best.wall).toFixed(1)} tok/s, ${nb.addon.getThreads()} threads)`);
