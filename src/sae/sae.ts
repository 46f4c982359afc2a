// A sparse autoencoder over one hook site's activations (Bricken et al. 2023; Gao et al. 2024):
//
//   x̃ = c·x                                   input scaled so that E‖x̃‖² = d (c: `inputScale`)
//   a = W_enc (x̃ − b_dec) + b_enc              pre-activations [width]
//   z = TopK(ReLU(a))  or  ReLU(a)            the code (TopK: the k largest kept, the rest 0)
//   x̂ = (zᵀ W_dec + b_dec) / c                 reconstruction, in the site's own units
//
// W_enc and W_dec are both stored [width, d]: row i of W_dec is feature i's decoder direction
// (unit norm, kept so during training), row i of W_enc its encoder. `encode`/`decode` here work on
// plain arrays without gradients (metrics, inspection, detection); training builds the same
// computation from engine ops (train.ts).

import { fromStorage, type Tensor } from '../tensor/tensor.js';
import { noGrad } from '../tensor/tape.js';
import { tidy } from '../tensor/scope.js';
import * as ops from '../tensor/ops/index.js';

export type SaeActivation = 'topk' | 'relu';

export interface Sae {
  site: string;
  activation: SaeActivation;
  /** Latents kept per token (topk only). */
  k: number | null;
  d: number;
  width: number;
  /** c: the site's activations are multiplied by it before encoding (E‖c·x‖² = d on the training tokens). */
  inputScale: number;
  wEnc: Float32Array;
  bEnc: Float32Array;
  wDec: Float32Array;
  bDec: Float32Array;
}

/** A fresh SAE: decoder rows random unit vectors, encoder = decoder (tied at init), b_enc 0, b_dec given. */
export function initSae(o: { site: string; activation: SaeActivation; k: number | null; d: number; width: number; inputScale: number; bDec: Float32Array; normal: () => number }): Sae {
  const { d, width } = o;
  const wDec = new Float32Array(width * d);
  for (let i = 0; i < width; i++) {
    let n = 0;
    for (let j = 0; j < d; j++) n += (wDec[i * d + j] = o.normal()) ** 2;
    n = Math.sqrt(n);
    for (let j = 0; j < d; j++) wDec[i * d + j] = wDec[i * d + j]! / n;
  }
  return { site: o.site, activation: o.activation, k: o.k, d, width, inputScale: o.inputScale, wEnc: Float32Array.from(wDec), bEnc: new Float32Array(width), wDec, bDec: Float32Array.from(o.bDec) };
}

/**
 * Per row of a [rows, width] array, the indices of its k largest entries (ties broken by index),
 * [rows × k] flat. The TopK of the forward pass: a constant for the gradient, as in the reference
 * implementations.
 */
export function topkIndices(a: Float32Array, rows: number, width: number, k: number): Int32Array {
  const out = new Int32Array(rows * k);
  const buf = new Float32Array(width);
  for (let r = 0; r < rows; r++) {
    const off = r * width;
    buf.set(a.subarray(off, off + width));
    const t = k >= width ? -Infinity : kthLargest(buf, k);
    let taken = 0;
    // Strictly above the threshold first, then ties, so exactly k are kept.
    for (let i = 0; i < width && taken < k; i++) if (a[off + i]! > t) out[r * k + taken++] = i;
    for (let i = 0; i < width && taken < k; i++) if (a[off + i] === t) out[r * k + taken++] = i;
  }
  return out;
}

/** The same selection as a 0/1 mask [rows, width]. */
export function topkMask(a: Float32Array, rows: number, width: number, k: number): Float32Array {
  const mask = new Float32Array(rows * width);
  const idx = topkIndices(a, rows, width, Math.min(k, width));
  const kk = Math.min(k, width);
  for (let r = 0; r < rows; r++) for (let j = 0; j < kk; j++) mask[r * width + idx[r * kk + j]!] = 1;
  return mask;
}

/** The k-th largest value of xs (reorders xs): Hoare's selection. */
function kthLargest(xs: Float32Array, k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! > pivot) i++;
      while (xs[j]! < pivot) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i] = xs[j]!;
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return xs[target]!;
  }
  return xs[target]!;
}

/** The engine tensors of an SAE's parameters (copies; `grad` makes them trainable). */
export function saeTensors(s: Sae, grad = false): { wEnc: Tensor; bEnc: Tensor; wDec: Tensor; bDec: Tensor } {
  return {
    wEnc: fromStorage(Float32Array.from(s.wEnc), [s.width, s.d], 'f32', grad),
    bEnc: fromStorage(Float32Array.from(s.bEnc), [s.width], 'f32', grad),
    wDec: fromStorage(Float32Array.from(s.wDec), [s.width, s.d], 'f32', grad),
    bDec: fromStorage(Float32Array.from(s.bDec), [s.d], 'f32', grad),
  };
}

export interface SaeParams {
  wEnc: Tensor;
  bEnc: Tensor;
  wDec: Tensor;
  bDec: Tensor;
}

/**
 * The code of scaled inputs x̃ [n, d] as a tensor (differentiable in the parameters and x̃):
 * z = mask ⊙ ReLU(a), the mask the TopK of a (topk) or all ones (relu). Also returns a's values.
 */
export function encodeTensor(p: SaeParams, x: Tensor, activation: SaeActivation, k: number | null): { z: Tensor; pre: Tensor } {
  const pre = ops.linear(ops.sub(x, p.bDec), p.wEnc, p.bEnc);
  if (activation === 'relu') return { z: ops.relu(pre), pre };
  const [n, width] = [pre.shape[0]!, pre.shape[1]!];
  const mask = topkMask(pre.toFloat('f32').data as Float32Array, n, width, k!);
  return { z: ops.mul(ops.relu(pre), fromStorage(mask, [n, width], 'f32')), pre };
}

export const decodeTensor = (p: SaeParams, z: Tensor): Tensor => ops.add(ops.matmul(z, p.wDec), p.bDec);

/** Codes of raw site activations x [n, d] (scaled by c here): [n, width], no gradients. */
export function encode(s: Sae, x: Float32Array, n: number): Float32Array {
  return tidy(() =>
    noGrad(() => {
      const p = saeTensors(s);
      const xt = ops.scale(fromStorage(x, [n, s.d], 'f32'), s.inputScale);
      return Float32Array.from(encodeTensor(p, xt, s.activation, s.k).z.toFloat('f32').data as Float32Array);
    }),
  );
}

/** Reconstructions (in the site's units) of codes z [n, width]. */
export function decode(s: Sae, z: Float32Array, n: number): Float32Array {
  return tidy(() =>
    noGrad(() => {
      const p = saeTensors(s);
      return Float32Array.from(ops.scale(decodeTensor(p, fromStorage(z, [n, s.width], 'f32')), 1 / s.inputScale).toFloat('f32').data as Float32Array);
    }),
  );
}

/** x̂ of raw activations (encode then decode). */
export const reconstruct = (s: Sae, x: Float32Array, n: number): Float32Array => decode(s, encode(s, x, n), n);

/** Checks that an SAE fits a site of a model (width of its activations). */
export function checkSaeSite(s: Sae, site: string, hidden: number): void {
  if (s.site !== site) throw new Error(`the SAE was trained at ${s.site}, not ${site}`);
  if (s.d !== hidden) throw new Error(`the SAE reads ${s.d}-wide activations; ${site} is ${hidden} wide`);
}
