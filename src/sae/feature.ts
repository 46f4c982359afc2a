// An SAE feature as a detector and a steering direction. A text's score for feature i is the
// maximum over its scored tokens of the feature's pre-activation a_i = w_enc,i·(c·x − b_dec) + b_enc,i
// (AxBench scores a text by the max over tokens of the latent; the pre-activation orders texts the
// same wherever the latent fires and still ranks those where TopK or ReLU leave it at 0). The
// feature for a concept is picked on training data, as AxBench's SAE-A does: the one whose text
// scores separate the labelled texts best (difference of class means over the pooled standard
// deviation). Its steering direction is its decoder row (unit norm).

import type { DecoderModel } from '../models/decoder.js';
import { collectActivations, type TokenizedExample } from '../activations/collect.js';
import { fromStorage } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import { noGrad } from '../tensor/tape.js';
import * as ops from '../tensor/ops/index.js';
import { saeTensors, type Sae } from './sae.js';

/** Per text, the max over its tokens [start, end) of every feature's pre-activation: [texts, width]. */
export function maxPreActivations(model: DecoderModel, sae: Sae, texts: readonly TokenizedExample[], features?: readonly number[]): Float32Array {
  const acts = collectActivations(model, texts, sae.site, { reduce: 'all' });
  if (acts.width !== sae.d) throw new Error(`the SAE reads ${sae.d}-wide activations; ${sae.site} is ${acts.width} wide`);
  const p = saeTensors(sae);
  const cols = features ?? [...Array(sae.width).keys()];
  const out = new Float32Array(texts.length * cols.length).fill(-Infinity);
  let row = 0;
  acts.counts.forEach((c, t) => {
    tidy(() =>
      noGrad(() => {
        const x = ops.scale(fromStorage(acts.data.subarray(row * sae.d, (row + c) * sae.d), [c, sae.d], 'f32'), sae.inputScale);
        const a = ops.linear(ops.sub(x, p.bDec), p.wEnc, p.bEnc).f as Float32Array;
        cols.forEach((f, j) => {
          let best = -Infinity;
          for (let r = 0; r < c; r++) best = Math.max(best, a[r * sae.width + f]!);
          out[t * cols.length + j] = best;
        });
      }),
    );
    row += c;
  });
  return out;
}

export interface PickedFeature {
  feature: number;
  /** (mean⁺ − mean⁻) / pooled sd of the text scores on the training texts. */
  separation: number;
  /** The runners-up, best first (feature, separation). */
  next: { feature: number; separation: number }[];
}

/** The feature whose text scores separate label 1 from label 0 best. */
export function pickFeature(scores: Float32Array, labels: readonly number[], width: number): PickedFeature {
  const n = labels.length;
  const pos = labels.filter((l) => l === 1).length;
  if (pos === 0 || pos === n) throw new Error('sae: picking a feature needs texts with and without the concept (labels 1 and 0)');
  const sep: { feature: number; separation: number }[] = [];
  for (let f = 0; f < width; f++) {
    let s1 = 0, s0 = 0, q1 = 0, q0 = 0;
    for (let t = 0; t < n; t++) {
      const v = scores[t * width + f]!;
      if (labels[t] === 1) (s1 += v), (q1 += v * v);
      else (s0 += v), (q0 += v * v);
    }
    const m1 = s1 / pos;
    const m0 = s0 / (n - pos);
    const pooled = Math.sqrt(Math.max(0, (q1 - pos * m1 * m1 + q0 - (n - pos) * m0 * m0) / Math.max(1, n - 2)));
    sep.push({ feature: f, separation: (m1 - m0) / Math.max(pooled, 1e-6) });
  }
  sep.sort((a, b) => b.separation - a.separation);
  return { feature: sep[0]!.feature, separation: sep[0]!.separation, next: sep.slice(1, 6) };
}

/** Feature i's decoder row (unit norm by training; renormalised here for SAEs from elsewhere). */
export function decoderDirection(sae: Sae, feature: number): Float64Array {
  if (!Number.isInteger(feature) || feature < 0 || feature >= sae.width) throw new Error(`--feature ${feature}: the SAE has features 0 to ${sae.width - 1}`);
  const v = Float64Array.from(sae.wDec.subarray(feature * sae.d, (feature + 1) * sae.d));
  const n = Math.hypot(...v);
  if (!(n > 0)) throw new Error(`feature ${feature} has a zero decoder row`);
  return v.map((x) => x / n);
}
