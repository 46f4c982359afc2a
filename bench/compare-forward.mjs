#!/usr/bin/env node
// Side-by-side model throughput: `steerling bench forward` vs the PyTorch CPU reference
// (bench/torch/llama_bench.py, same forward, weights widened to f32 as a CPU PyTorch user runs it),
// interleaved in one run, best of ROUNDS each, 2 threads.
// Run by hand after `npm install` (needs Debian's python3-torch):
//
//   node bench/compare-forward.mjs [MODEL_DIR] [TOKENS]
//
// MODEL_DIR defaults to models/local/smollm2-135m-random, made by bench/make-random-llama.mjs (a
// random-weight bf16 checkpoint shaped like SmolLM2-135M) when missing.
// Bars (issue "Real checkpoints"): prefill and forward+backward ≥ 1.0× PyTorch; decode ≥ 0.8× the
// bandwidth bound (read bandwidth / bytes read per token); peak memory ≤ 1.3× (weights + KV cache).
// Decode is reported against two bounds: the reference script's (NumPy's one-thread f64 sum, over
// the weight bytes) and ours (`bench forward`'s read_gb_s: every pool thread streaming, over
// weights + KV cache per token). The bar is claimed against the higher of the two.
// Prints one JSON object on stdout.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const torchBench = process.env.TORCH_LLAMA_BENCH ?? path.join(root, 'bench/torch/llama_bench.py');
const python = process.env.PYTHON ?? '/usr/bin/python3';
const model = process.argv[2] ?? path.join(root, 'models/local/smollm2-135m-random');
const tokens = Number(process.argv[3] ?? 256);
const rounds = Number(process.env.ROUNDS ?? 2);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

if (!existsSync(path.join(model, 'model.safetensors'))) {
  process.stderr.write(`making ${model}\n`);
  spawnSync(process.execPath, [path.join(root, 'bench/make-random-llama.mjs'), model, 'smollm2-135m'], { stdio: 'inherit' });
}
const flags = existsSync('/proc/cpuinfo') ? (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').split(/\s+/) : [];
const strongestCore = flags.includes('avx512f') ? 'SkylakeX' : 'Haswell';
const load = [os.loadavg()[0]];
const best = { torch: {}, ours: {} };
const keep = (o, r, keys, better) => keys.forEach((k) => (o[k] = o[k] === undefined ? r[k] : better(o[k], r[k])));
for (let i = 0; i < rounds; i++) {
  process.stderr.write(`round ${i + 1}/${rounds}: torch\n`);
  // Debian's OpenBLAS 0.3.21 may not know this CPU and fall back to generic kernels; its kernels
  // for the CPU's widest ISA (OPENBLAS_CORETYPE=SkylakeX with AVX-512, Haswell with AVX2 only) are
  // the stronger reference, so take the better of both.
  for (const core of [undefined, strongestCore]) {
    const t = run(python, [torchBench, model, String(tokens)], { OMP_NUM_THREADS: '2', ...(core ? { OPENBLAS_CORETYPE: core } : {}) });
    keep(best.torch, t, ['prefill_tok_s', 'train_tok_s', 'read_gb_s'], Math.max);
    best.torch.weight_bytes = t.weight_bytes;
  }
  process.stderr.write(`round ${i + 1}/${rounds}: steerling\n`);
  const o = run(process.execPath, ['bin/steerling.js', 'bench', 'forward', '--model', model, '--tokens', String(tokens), '--json'], { STEERLING_THREADS: '2' });
  keep(best.ours, o, ['prefill_tok_s', 'decode_tok_s', 'train_tok_s', 'read_gb_s'], Math.max);
  keep(best.ours, o, ['peak_rss_bytes', 'inference_peak_rss_bytes', 'baseline_rss_bytes'], Math.min);
  best.ours.weight_bytes = o.weight_bytes;
  best.ours.kv_cache_bytes = o.kv_cache_bytes;
  best.ours.decode_bytes_per_token = o.decode_bytes_per_token;
}
const o = best.ours;
const torchBound = (best.torch.read_gb_s * 1e9) / best.torch.weight_bytes;
const ownBound = o.read_gb_s ? (o.read_gb_s * 1e9) / o.decode_bytes_per_token : null;
const bound = Math.max(torchBound, ownBound ?? 0);
load.push(os.loadavg()[0]);
console.log(JSON.stringify({
  model,
  tokens,
  cpu: os.cpus()[0]?.model ?? null,
  openblas_coretype_tried: strongestCore,
  load_average_1min: load,
  torch: best.torch,
  steerling: o,
  prefill_ratio: o.prefill_tok_s / best.torch.prefill_tok_s,
  train_ratio: o.train_tok_s / best.torch.train_tok_s,
  decode_bound_torch_read_tok_s: torchBound,
  decode_ratio_to_torch_read_bound: o.decode_tok_s / torchBound,
  decode_bound_2thread_read_tok_s: ownBound,
  decode_ratio_to_2thread_read_bound: ownBound ? o.decode_tok_s / ownBound : null,
  // The stronger (higher) of the two bounds: the one the decode bar is claimed against.
  decode_bound_tok_s: bound,
  decode_ratio_to_bound: o.decode_tok_s / bound,
  inference_memory_ratio: o.inference_peak_rss_bytes !== undefined ? (o.inference_peak_rss_bytes - o.baseline_rss_bytes) / (o.weight_bytes + o.kv_cache_bytes) : null,
}));
