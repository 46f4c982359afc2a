// Next-token choice from one row of logits: greedy (temperature 0), or temperature with top-k,
// top-p (nucleus) and a repetition penalty (CTRL/HF style: divide positive logits, multiply negative).

import type { Rng } from '../util/rng.js';
import { backendName, nativeBackend } from '../backend/registry.js';

export interface SamplingOptions {
  /** 0 = greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  repetitionPenalty?: number;
}

export function validateSampling(o: SamplingOptions): void {
  if (o.temperature !== undefined && !(o.temperature >= 0 && Number.isFinite(o.temperature))) throw new Error(`temperature must be ≥ 0, got ${o.temperature}`);
  if (o.topK !== undefined && !(Number.isInteger(o.topK) && o.topK >= 0)) throw new Error(`top-k must be a non-negative integer, got ${o.topK}`);
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new Error(`top-p must be in (0, 1], got ${o.topP}`);
  if (o.repetitionPenalty !== undefined && !(o.repetitionPenalty > 0)) throw new Error(`repetition penalty must be > 0, got ${o.repetitionPenalty}`);
}

export function sampleToken(logitsIn: Float32Array | Float64Array, opts: SamplingOptions, rng: Rng, seen?: Iterable<number>): number {
  const V = logitsIn.length;
  const rp = opts.repetitionPenalty ?? 1;
  const temp = opts.temperature ?? 0;
  // Plain greedy reads the row as it is: copying a large vocabulary's logits costs more than
  // the arg-max itself, once per decoded token.
  if (temp === 0 && (rp === 1 || !seen)) return argmax(logitsIn);
  const logits = Float64Array.from(logitsIn);
  if (rp !== 1 && seen) {
    for (const id of new Set(seen)) {
      if (id < 0 || id >= V) continue;
      logits[id] = logits[id]! > 0 ? logits[id]! / rp : logits[id]! * rp;
    }
  }
  if (temp === 0) return argmax(logits);
  // Candidates sorted by logit, cut by top-k then top-p.
  let idx = Array.from({ length: V }, (_, i) => i).sort((x, y) => logits[y]! - logits[x]!);
  const k = opts.topK ?? 0;
  if (k > 0 && k < V) idx = idx.slice(0, k);
  const mx = logits[idx[0]!]!;
  let probs = idx.map((i) => Math.exp((logits[i]! - mx) / temp));
  let sum = probs.reduce((s, p) => s + p, 0);
  const topP = opts.topP ?? 1;
  if (topP < 1) {
    let acc = 0;
    let cut = probs.length;
    for (let j = 0; j < probs.length; j++) {
      acc += probs[j]! / sum;
      if (acc >= topP) {
        cut = j + 1;
        break;
      }
    }
    idx = idx.slice(0, cut);
    probs = probs.slice(0, cut);
    sum = probs.reduce((s, p) => s + p, 0);
  }
  let r = rng.next() * sum;
  for (let j = 0; j < probs.length; j++) {
    r -= probs[j]!;
    if (r <= 0) return idx[j]!;
  }
  return idx[idx.length - 1]!;
}

/** The first index of the largest value (NaN never wins); the addon's scan for f32 rows when the native backend is on (same answer). */
function argmax(x: Float32Array | Float64Array): number {
  if (x instanceof Float32Array && x.length >= 1024 && backendName() === 'native') {
    const fn = nativeBackend()?.addon['argmaxF32'];
    if (typeof fn === 'function') return (fn as (x: Float32Array) => number)(x);
  }
  return argmaxJs(x);
}

function argmaxJs(x: Float32Array | Float64Array): number {
  let best = 0;
  let bv = x[0]!;
  for (let i = 1; i < x.length; i++) {
    const v = x[i]!;
    if (v > bv) {
      best = i;
      bv = v;
    }
  }
  return best;
}
