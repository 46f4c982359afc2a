// `bench attention`: the fused causal attention kernel of the active backend on random data —
// prefill forward, backward, and one decode step (tq = 1) against a cache of the same length.
//
// FLOPs count only visible (query, key) pairs, FlashAttention's convention: forward
// 2·pairs·(d + dv) (QKᵀ and PV), backward 2.5× that (five products: S recomputed, dP, dV, dK, dQ).

import { kernel, backendName, nativeBackend } from '../backend/registry.js';
import { referenceKernels } from '../backend/reference/index.js';
import { visibleKeys } from '../backend/reference/attention.js';
import type { AttentionDims, Kernels } from '../backend/kernels.js';
import type { NativeAddon } from '../backend/native/kernels.js';
import { Rng } from '../util/rng.js';

export interface AttentionBenchOptions {
  batch?: number;
  tokens: number;
  heads: number;
  kvHeads?: number;
  headDim?: number;
  /** Timed runs per measurement (best is kept). */
  repeats?: number;
  /** Also time the pure-TypeScript reference once (slow: seconds at 1024 tokens). */
  reference?: boolean;
  /** Worker threads for the native pool (default: the pool's current size). */
  threads?: number;
}

function bestMs(fn: () => void, repeats: number, budgetMs = 5000): number {
  fn(); // warm-up: page in buffers, spin up the pool
  let best = Infinity;
  const start = performance.now();
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
    if (performance.now() - start > budgetMs && i >= 1) break;
  }
  return best;
}

function randomArray(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
  return v;
}

const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

export function benchAttention(opts: AttentionBenchOptions): Record<string, unknown> {
  const addon = backendName() === 'native' ? nativeBackend()?.addon : undefined;
  if (opts.threads !== undefined && !addon) throw new Error('--threads needs the native backend, which is not active');
  const prevThreads = addon?.getThreads();
  try {
    if (addon && opts.threads !== undefined) addon.setThreads(positiveInt(opts.threads, '--threads'));
    return run(opts, addon);
  } finally {
    if (addon && prevThreads !== undefined && addon.getThreads() !== prevThreads) addon.setThreads(prevThreads);
  }
}

function run(opts: AttentionBenchOptions, addon: NativeAddon | undefined): Record<string, unknown> {
  const batch = positiveInt(opts.batch ?? 1, '--batch');
  const T = positiveInt(opts.tokens, '--tokens');
  const hq = positiveInt(opts.heads, '--heads');
  const hkv = positiveInt(opts.kvHeads ?? hq, '--kv-heads');
  const d = positiveInt(opts.headDim ?? 64, '--head-dim');
  if (hq % hkv !== 0) throw new Error(`--heads (${hq}) must be a multiple of --kv-heads (${hkv})`);
  const repeats = positiveInt(opts.repeats ?? 5, '--repeats');

  const dims: AttentionDims = { batch, tq: T, tk: T, hq, hkv, d, dv: d, scale: 1 / Math.sqrt(d), causal: true, qOffset: 0, window: 0, softcap: 0 };
  const rng = new Rng(1);
  const q = randomArray(rng, batch * T * hq * d);
  const k = randomArray(rng, batch * T * hkv * d);
  const v = randomArray(rng, batch * T * hkv * d);
  const gOut = randomArray(rng, batch * T * hq * d);
  const fwd: Kernels['attention'] = kernel('attention');
  const bwd: Kernels['attentionBackward'] = kernel('attentionBackward');

  let pairs = 0;
  for (let i = 0; i < T; i++) {
    const [lo, hi] = visibleKeys(i, dims);
    pairs += hi - lo;
  }
  const fwdFlops = 2 * batch * hq * pairs * (2 * d);
  const bwdFlops = 2.5 * fwdFlops;

  const { out, lse } = fwd(q, k, v, null, 1, dims);
  const forwardMs = bestMs(() => void fwd(q, k, v, null, 1, dims), repeats);
  const backwardMs = bestMs(() => void bwd(q, k, v, null, 1, out, lse, gOut, dims), repeats);

  // One decode step: the last query against all T cached keys.
  const dec: AttentionDims = { ...dims, tq: 1, qOffset: T - 1 };
  const q1 = q.subarray(0, batch * hq * d);
  const decodeMs = bestMs(() => void fwd(q1, k, v, null, 1, dec), Math.max(repeats, 50));
  const kvBytes = 4 * batch * T * hkv * 2 * d;

  const result: Record<string, unknown> = {
    bench: 'attention',
    backend: backendName(),
    isa: typeof addon?.attentionIsa === 'function' ? (addon.attentionIsa as () => string)() : 'reference',
    batch,
    tokens: T,
    heads: hq,
    kv_heads: hkv,
    head_dim: d,
    causal: true,
    threads: addon ? addon.getThreads() : 1,
    forward_ms: round(forwardMs),
    backward_ms: round(backwardMs),
    forward_gflops: round(fwdFlops / forwardMs / 1e6, 2),
    backward_gflops: round(bwdFlops / backwardMs / 1e6, 2),
    decode_us: round(decodeMs * 1000, 1),
    decode_kv_gbps: round(kvBytes / decodeMs / 1e6, 2),
    repeats,
  };
  if (opts.reference) {
    const t0 = performance.now();
    const r = referenceKernels.attention(q, k, v, null, 1, dims);
    const t1 = performance.now();
    referenceKernels.attentionBackward(q, k, v, null, 1, r.out, r.lse, gOut, dims);
    const t2 = performance.now();
    result.reference_forward_ms = round(t1 - t0, 1);
    result.reference_backward_ms = round(t2 - t1, 1);
  }
  return result;
}
