// `bench gemm`: throughput of the active backend's matmul kernel on random data, as the tensor
// ops call it (output allocation included). A is f32 [m, k]; B is [k, n], or [n, k] with transB
// (the linear-layer layout x·Wᵀ), stored in f32, bf16 or f16. GFLOP/s counts 2·m·n·k per call
// and keeps the best of several timed repeats after a warm-up, because the machines this runs
// on are shared and noisy.

import { kernel, backendName, nativeBackend } from '../backend/registry.js';
import type { MatmulArgs } from '../backend/kernels.js';
import { fromNumbers, type DType } from '../tensor/dtype.js';
import { Rng } from '../util/rng.js';

export type GemmBenchDtype = 'f32' | 'bf16' | 'f16';

export interface GemmBenchOptions {
  m: number;
  n: number;
  k: number;
  dtype?: GemmBenchDtype;
  transB?: boolean;
  /** Worker threads for the native pool (default: the pool's current size). */
  threads?: number;
  /** Timed repeats; the best is reported. */
  repeats?: number;
  /** Force a native GEMM path ('generic' | 'avx2' | 'avx512'); default: the best the CPU has. */
  isa?: string;
  /** Minimum seconds per timed repeat (short products are looped to reach it). */
  minSeconds?: number;
}

export interface GemmBenchResult {
  bench: 'gemm';
  backend: string;
  isa: string | null;
  m: number;
  n: number;
  k: number;
  dtype: GemmBenchDtype;
  trans_b: boolean;
  threads: number;
  gflops: number;
  ms: number;
  repeats: number;
}

function positiveInt(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
  return v;
}

function randomValues(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** Best seconds per call of fn over `repeats` timed batches, each at least minSeconds long. */
export function bestSecondsPerCall(fn: () => void, repeats: number, minSeconds: number): number {
  // Warm-up: page in buffers, wake the pool, size the scratch memory; also estimates one call.
  fn();
  let t = performance.now();
  fn();
  const once = Math.max((performance.now() - t) / 1000, 1e-7);
  const calls = Math.max(1, Math.ceil(minSeconds / once));
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    t = performance.now();
    for (let i = 0; i < calls; i++) fn();
    best = Math.min(best, (performance.now() - t) / 1000 / calls);
  }
  return best;
}

export function benchGemm(opts: GemmBenchOptions): GemmBenchResult {
  const m = positiveInt(opts.m, '--m');
  const n = positiveInt(opts.n, '--n');
  const k = positiveInt(opts.k, '--k');
  const dtype = opts.dtype ?? 'f32';
  if (!['f32', 'bf16', 'f16'].includes(dtype)) throw new Error(`--dtype must be f32, bf16 or f16, got ${dtype}`);
  const repeats = positiveInt(opts.repeats ?? 7, '--repeats');
  const transB = opts.transB ?? false;

  const addon = backendName() === 'native' ? nativeBackend()?.addon : undefined;
  if (!addon && (opts.threads !== undefined || opts.isa !== undefined)) {
    throw new Error('--threads and --isa need the native backend, which is not active');
  }
  const gemmIsa = addon?.['gemmIsa'] as ((name?: string) => string) | undefined;
  const prevThreads = addon?.getThreads();
  try {
    if (addon && opts.threads !== undefined) addon.setThreads(positiveInt(opts.threads, '--threads'));
    if (opts.isa !== undefined) {
      if (!gemmIsa) throw new Error('this native addon cannot force a GEMM path');
      gemmIsa(opts.isa);
    }
    const rng = new Rng(1);
    const a = randomValues(rng, m * k);
    const bValues = randomValues(rng, k * n);
    const b = dtype === 'f32' ? bValues : fromNumbers(bValues, dtype as DType);
    const args: MatmulArgs = { batch: 1, m, n, k, transA: false, transB, aBatchStride: 0, bBatchStride: 0, bDtype: dtype };
    const matmul = kernel('matmul');
    const seconds = bestSecondsPerCall(() => void matmul(a, b, args), repeats, opts.minSeconds ?? 0.25);
    return {
      bench: 'gemm',
      backend: backendName(),
      isa: gemmIsa ? gemmIsa() : null,
      m,
      n,
      k,
      dtype,
      trans_b: transB,
      threads: addon ? addon.getThreads() : 1,
      gflops: Number(((2 * m * n * k) / seconds / 1e9).toFixed(2)),
      ms: Number((seconds * 1000).toFixed(4)),
      repeats,
    };
  } finally {
    if (addon && prevThreads !== undefined && addon.getThreads() !== prevThreads) addon.setThreads(prevThreads);
    if (opts.isa !== undefined) gemmIsa?.('auto');
  }
}
