#!/usr/bin/env node
// Side-by-side GEMM throughput: steerling's native matmul vs PyTorch's torch.mm (Debian's
// OpenBLAS), interleaved in one run so both see the same machine load, best of ROUNDS each.
// Run by hand after `npm run build` and the native build:
//
//   node bench/compare-gemm.mjs            # ROUNDS=3 THREADS=2 by default
//
// Shapes: 1024³ and 256×2048×2048, B in f32 and in bf16, our two B layouts (plain [k, n] and
// transB [n, k], the linear-layer layout). The bar (design/engine.md): f32 ≥ 0.9× torch f32,
// bf16 weights ≥ 0.8× torch f32. Debian's OpenBLAS 0.3.21 does not know some newer Intel cores
// and then falls back to its generic "Prescott" kernels, so the run also times torch with
// OPENBLAS_CORETYPE=SkylakeX (its AVX-512 kernels) as the stronger, fairer reference.
// Prints one JSON object on stdout; progress goes to stderr.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const python = process.env.PYTHON ?? '/usr/bin/python3';
const torchGemm = process.env.TORCH_GEMM ?? path.join(root, 'bench/torch/gemm.py');
const rounds = Number(process.env.ROUNDS ?? 3);
const threads = Number(process.env.THREADS ?? 2);
const shapes = [[1024, 1024, 1024], [256, 2048, 2048]];

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout.trim();
}

const torch = (m, n, k, dtype, env) => Number(run(python, [torchGemm, m, n, k, threads, dtype].map(String), env).split('\n').pop());
let isa = null;
const ours = (m, n, k, dtype, transB) => {
  const args = ['bin/steerling.js', 'bench', 'gemm', '--m', m, '--n', n, '--k', k, '--dtype', dtype, '--threads', threads, '--repeats', 5, '--json'];
  if (transB) args.push('--trans-b');
  const res = JSON.parse(run(process.execPath, args.map(String)).split('\n').pop());
  isa = res.isa;
  return res.gflops;
};

// Every measurement, keyed by shape then series; each keeps its best over the rounds.
const series = {
  torch_f32: (m, n, k) => torch(m, n, k, 'f32'),
  torch_f32_skylakex: (m, n, k) => torch(m, n, k, 'f32', { OPENBLAS_CORETYPE: 'SkylakeX' }),
  torch_bf16: (m, n, k) => torch(m, n, k, 'bf16'),
  ours_f32: (m, n, k) => ours(m, n, k, 'f32', false),
  ours_f32_transb: (m, n, k) => ours(m, n, k, 'f32', true),
  ours_bf16: (m, n, k) => ours(m, n, k, 'bf16', false),
  ours_bf16_transb: (m, n, k) => ours(m, n, k, 'bf16', true),
};
const best = {};
for (let r = 0; r < rounds; r++) {
  for (const [m, n, k] of shapes) {
    const key = `${m}x${n}x${k}`;
    best[key] ??= {};
    for (const [name, fn] of Object.entries(series)) {
      const g = fn(m, n, k);
      best[key][name] = Math.max(best[key][name] ?? 0, g);
      process.stderr.write(`round ${r + 1}/${rounds} ${key} ${name}: ${g}\n`);
    }
  }
}

const ratio = (a, b) => Number((a / b).toFixed(3));
const result = { bench: 'compare-gemm', threads, rounds, isa, shapes: {}, bar_met: true };
for (const [key, b] of Object.entries(best)) {
  const out = { ...b };
  for (const ref of ['torch_f32', 'torch_f32_skylakex']) {
    for (const s of ['ours_f32', 'ours_f32_transb', 'ours_bf16', 'ours_bf16_transb']) out[`ratio_${s}_vs_${ref}`] = ratio(b[s], b[ref]);
  }
  const met = Math.min(b.ours_f32, b.ours_f32_transb) >= 0.9 * b.torch_f32 && Math.min(b.ours_bf16, b.ours_bf16_transb) >= 0.8 * b.torch_f32;
  const metSkx = Math.min(b.ours_f32, b.ours_f32_transb) >= 0.9 * b.torch_f32_skylakex && Math.min(b.ours_bf16, b.ours_bf16_transb) >= 0.8 * b.torch_f32_skylakex;
  out.bar_met = met;
  out.bar_met_vs_skylakex = metSkx;
  result.bar_met &&= met;
  result.shapes[key] = out;
}
process.stdout.write(JSON.stringify(result) + '\n');
