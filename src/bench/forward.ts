// `bench forward`: prefill, decode and forward+backward throughput of a model, and peak memory.
// Forward+backward mirrors the reference script: gradient of the next-token cross-entropy with
// respect to one residual-stream vector added after the middle block, weights frozen.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../models/load.js';
import { Hooks } from '../models/hooks.js';
import { generate } from '../generate/generate.js';
import { fromStorage, tensor } from '../tensor/tensor.js';
import { noGrad } from '../tensor/tape.js';
import { tidy } from '../tensor/scope.js';
import * as ops from '../tensor/ops/index.js';
import { backendName, nativeBackend } from '../backend/registry.js';
import { Rng } from '../util/rng.js';
import { fusedDecodeStats } from '../models/fused-decode.js';

export interface ForwardBenchOptions {
  model: string;
  tokens: number;
  decodeTokens?: number;
  repeats?: number;
}

function best(fn: () => void, repeats: number): number {
  fn();
  let b = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    fn();
    b = Math.min(b, performance.now() - t);
  }
  return b / 1000;
}

function weightBytes(dir: string): number {
  try {
    return statSync(join(dir, 'model.safetensors')).size;
  } catch {
    return 0;
  }
}

/**
 * Streaming read bandwidth of all pool threads (GB/s, best of several passes) over a buffer the
 * size of the weights (at least 256 MiB, so caches do not flatter it); null without the addon.
 */
function readBandwidth(weightBytes: number): number | null {
  const probe = nativeBackend()?.addon['streamReadGbs'];
  if (typeof probe !== 'function') return null;
  return (probe as (bytes: number, reps: number) => number)(Math.max(weightBytes, 256 * 2 ** 20), 5);
}

export async function benchForward(opts: ForwardBenchOptions): Promise<Record<string, unknown>> {
  const T = opts.tokens;
  if (!(Number.isInteger(T) && T >= 2)) throw new Error(`--tokens must be an integer ≥ 2, got ${opts.tokens}`);
  const repeats = opts.repeats ?? 3;
  // Node's own footprint before any weights: subtracted for the engine's memory figure.
  const baseline = process.memoryUsage().rss;
  const loaded = await loadModel(opts.model);
  const m = loaded.model;
  const rng = new Rng(0);
  const ids = Int32Array.from({ length: T }, () => 3 + rng.int(m.arch.vocab - 3));
  const input = fromStorage(ids, [1, T], 'i32');


  const nDecode = opts.decodeTokens ?? 32;
  const prompt = Array.from(ids.subarray(0, Math.min(16, T)));
  const wb = weightBytes(loaded.dir);
  let decodeS = Infinity;
  const fusedBefore = fusedDecodeStats.calls;
  for (let r = 0; r < repeats; r++) {
    // Time the decode steps only: prefill once, then count each fed-back token.
    const stamps: number[] = [];
    generate(m, [prompt], { maxTokens: nDecode + 1, onToken: () => stamps.push(performance.now()) });
    if (stamps.length > 1) decodeS = Math.min(decodeS, (stamps[stamps.length - 1]! - stamps[0]!) / 1000 / (stamps.length - 1));
  }

  // Which decode path ran (src/models/fused-decode.ts; STEERLING_FUSED_DECODE=0 picks op by op).
  const decodePath = fusedDecodeStats.calls > fusedBefore ? 'fused' : 'op-by-op';
  const decodeThreads = fusedDecodeStats.lastThreads;

  // Generation only so far (load, a last-position prefill, decode): the peak the memory bar is
  // about. The prefill benchmark below computes logits at every position, as the reference does.
  const inferencePeak = process.resourceUsage().maxRSS * 1024;
  // The decode bound's yardstick: its buffer must not count in the inference peak above, so it is
  // measured after it, twice (best of both: the machine's bandwidth drifts with what else runs).
  const readGbs = [readBandwidth(wb)];

  const prefill = best(() => tidy(() => void noGrad(() => m.forward(input))), repeats);

  const layer = Math.floor(m.arch.layers / 2);
  const steer = tensor(new Float32Array(m.arch.hidden), [m.arch.hidden], { requiresGrad: true });
  const hooks = new Hooks();
  hooks.add(`layers.${layer}.resid_post`, (h) => ops.add(h, steer));
  const targets = fromStorage(ids.slice(1), [T - 1], 'i32');
  const train = best(
    () =>
      tidy(() => {
        const logits = m.forward(input, { hooks });
        const loss = ops.crossEntropy(ops.slice(ops.reshape(logits, [T, -1]), 0, 0, T - 1), targets);
        loss.backward();
        steer.grad?.dispose();
        steer.grad = null;
      }),
    repeats,
  );

  const kvRow = m.arch.layers * 2 * m.arch.kvHeads * m.arch.headDim * 4;  // f32 keys and values of one position
  const kvBytes = kvRow * (prompt.length + nDecode + 1);
  // A decode step reads every weight once and the cached keys/values so far: on average over the
  // timed steps, the prompt plus half of the generated tokens.
  const stepBytes = wb + kvRow * (prompt.length + (nDecode + 1) / 2);
  const peak = process.resourceUsage().maxRSS * 1024;
  readGbs.push(readBandwidth(wb));
  const read = Math.max(...readGbs.filter((g): g is number => g !== null), 0);
  const bound = read > 0 && wb > 0 ? (read * 1e9) / stepBytes : null;
  return {
    model: opts.model,
    model_type: m.arch.modelType,
    backend: backendName(),
    isa: nativeBackend()?.isa ?? null,
    threads: nativeBackend()?.addon.getThreads() ?? 1,
    tokens: T,
    prefill_tok_s: T / prefill,
    decode_tok_s: 1 / decodeS,
    decode_path: decodePath,
    // Threads that shared the last fused step (small models run it on one; decode_step.cc).
    decode_threads: decodePath === 'fused' ? decodeThreads : null,
    read_gb_s: read > 0 ? read : null,
    decode_bytes_per_token: stepBytes,
    decode_bound_tok_s: bound,
    decode_vs_bound: bound ? 1 / decodeS / bound : null,
    train_tok_s: T / train,
    weight_bytes: wb,
    kv_cache_bytes: kvBytes,
    peak_rss_bytes: peak,
    baseline_rss_bytes: baseline,
    inference_peak_rss_bytes: inferencePeak,
    inference_memory_ratio: wb ? (inferencePeak - baseline) / (wb + kvBytes) : null,
  };
}
