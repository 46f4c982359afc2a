// The inputs of every layer's o_proj and down_proj ("pre"), averaged over the response tokens of
// each example and then over the examples of each class, in one pass per batch (no gradients).
//
// Which tokens: the positions whose next token is a response token, [start − 1, end − 1), as the
// reference code does (extract_directions.py averages `start-1:end-1`): the state that produces the
// response, from the last prompt token to the one before the last response token.
//
// The outputs ("post") are not read: a projection is linear, so the mean of W x + b over tokens is
// W x̄ + b, and the steering direction post⁺ − post⁻ = W (x̄⁺ − x̄⁻) is computed from these means
// (scores.ts). That also keeps the numbers independent of whatever follows the projection.

import { sortedBatches } from '../../activations/sorted-batches.js';
import { fromStorage } from '../../tensor/tensor.js';
import { noGrad } from '../../tensor/tape.js';
import { tidy } from '../../tensor/scope.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { DecoderModel } from '../../models/decoder.js';
import { Hooks } from '../../models/hooks.js';
import type { TokenizedExample } from '../../activations/collect.js';

export interface ClassMeans {
  pos: Float64Array;
  neg: Float64Array;
}

export interface PreMeans {
  /** Per layer: mean o_proj input (attn.z flattened, heads × head_dim) of each class. */
  attn: ClassMeans[];
  /** Per layer: mean down_proj input (mlp.act) of each class. */
  mlp: ClassMeans[];
  counts: { pos: number; neg: number };
  /** Response tokens read over all examples. */
  tokens: number;
}

/** The token positions averaged for an example: those predicting its response tokens. */
export function responseWindow(e: TokenizedExample): [number, number] {
  return [Math.max(0, e.start - 1), Math.max(e.start, e.end - 1)];
}

export function collectPreMeans(
  model: DecoderModel,
  examples: readonly TokenizedExample[],
  labels: readonly number[],
  opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): PreMeans {
  const a = model.arch;
  if (labels.length !== examples.length) throw new Error(`steer2edit: ${examples.length} examples but ${labels.length} labels`);
  const npos = labels.filter((l) => l === 1).length;
  const nneg = labels.length - npos;
  if (npos === 0 || nneg === 0) throw new Error(`steer2edit needs examples of both classes (got ${npos} positive, ${nneg} negative)`);
  examples.forEach((e, i) => {
    if (!(e.start >= 1 && e.start < e.end && e.end <= e.ids.length)) throw new Error(`steer2edit: example ${i} has no response tokens to average (token range [${e.start}, ${e.end}) of ${e.ids.length}); give each example a prompt and a non-empty reply`);
  });
  const widths = { attn: a.heads * a.headDim, mlp: a.intermediate };
  const zero = (w: number): ClassMeans => ({ pos: new Float64Array(w), neg: new Float64Array(w) });
  const attn = Array.from({ length: a.layers }, () => zero(widths.attn));
  const mlp = Array.from({ length: a.layers }, () => zero(widths.mlp));
  const bs = opts.batchSize ?? 8;
  let tokens = 0;
  for (const { idx, batch, T, padding, ids, done } of sortedBatches(examples, bs)) {
    // Adds each example's mean over its window, divided by its class size, to the class mean.
    const reader = (into: ClassMeans, w: number) => (h: Tensor) => {
      const f = h.toFloat('f32').data as Float32Array;
      batch.forEach((e, b) => {
        const [lo, hi] = responseWindow(e);
        const pos = labels[idx[b]!] === 1;
        const acc = pos ? into.pos : into.neg;
        const scale = 1 / ((hi - lo) * (pos ? npos : nneg));
        for (let t = lo; t < hi; t++) {
          const row = (b * T + padding[b]! + t) * w;
          for (let j = 0; j < w; j++) acc[j] = acc[j]! + f[row + j]! * scale;
        }
      });
    };
    tidy(() =>
      noGrad(() => {
        const hooks = new Hooks();
        for (let l = 0; l < a.layers; l++) {
          hooks.add(`layers.${l}.attn.z`, reader(attn[l]!, widths.attn));
          hooks.add(`layers.${l}.mlp.act`, reader(mlp[l]!, widths.mlp));
        }
        model.forward(fromStorage(ids, [batch.length, T], 'i32'), { hooks, padding: padding.some((p) => p > 0) ? padding : null, stopAfterLayer: a.layers });
      }),
    );
    for (const e of batch) tokens += responseWindow(e)[1] - responseWindow(e)[0];
    opts.onProgress?.(done, examples.length);
  }
  return { attn, mlp, counts: { pos: npos, neg: nneg }, tokens };
}
