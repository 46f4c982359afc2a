// The model's next-token distribution after each prompt (the first token it would write), batched,
// and the two numbers directional-ablation selection reads from it (methods.md §3.3): the refusal
// score log p(R) − log p(not R) for a set R of refusal-start tokens, and KL(base ‖ steered).

import type { DecoderModel } from '../models/decoder.js';
import type { Hooks } from '../models/hooks.js';
import { fromStorage } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import { noGrad } from '../tensor/tape.js';
import * as ops from '../tensor/ops/index.js';
import { sortedBatches } from './sorted-batches.js';

/** Log-probabilities of the token after each prompt (in input order; batched by length, left-padded). */
export function nextTokenLogProbs(model: DecoderModel, prompts: readonly (readonly number[])[], hooks: Hooks | null, batchSize = 16): Float64Array[] {
  const out: Float64Array[] = new Array(prompts.length);
  for (const { idx, T, padding, ids } of sortedBatches(prompts.map((ids) => ({ ids })), batchSize)) {
    tidy(() =>
      noGrad(() => {
        const logits = model.forward(fromStorage(ids, [idx.length, T], 'i32'), { hooks, padding: padding.some((p) => p > 0) ? padding : null, lastOnly: true });
        const f = ops.logSoftmax(logits.toFloat('f32'), -1).data as Float32Array;
        const vocab = f.length / idx.length;
        idx.forEach((i, b) => (out[i] = Float64Array.from(f.subarray(b * vocab, (b + 1) * vocab))));
      }),
    );
  }
  return out;
}

/** Arditi et al.'s refusal score: log Σ_{t∈R} p(t) − log Σ_{t∉R} p(t) (ε keeps it finite at p = 0 or 1). */
export function refusalScore(logp: Float64Array, refusalIds: readonly number[], eps = 1e-8): number {
  let p = 0;
  for (const t of new Set(refusalIds)) p += Math.exp(logp[t]!);
  p = Math.min(1, p);
  return Math.log(p + eps) - Math.log(1 - p + eps);
}

/** KL(a ‖ b) in nats between two log-probability rows. */
export function klDivergence(a: Float64Array, b: Float64Array): number {
  let k = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > -Infinity) k += Math.exp(a[i]!) * (a[i]! - b[i]!);
  return Math.max(0, k);
}

export const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
