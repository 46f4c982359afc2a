// From class means to per-component scores (methods.md §3.8, steps 1–3), for one projection
// W [out, in] (row-major, as Hugging Face stores nn.Linear weights):
//
//   direction   v = post⁺ − post⁻ = W (x̄⁺ − x̄⁻),  v̂ = v / ‖v‖,  x̄ = ½ (x̄⁺ + x̄⁻)
//   head j      W_j = W[:, jD:(j+1)D]:  g_j = cos(v̂, W_j x̄_j),  k̂_j = W_jᵀ v̂ / ‖W_jᵀ v̂‖
//   neuron n    w_n = W[:, n]:          g_n = cos(v̂, w_n x̄_n),  s_n = sign(w_n · v̂)
//
// g says how much of what a component writes at the mean input already points along v̂.

import type { ClassMeans } from './collect.js';

export interface SiteDirection {
  /** Unit steering direction v̂ [out]. */
  vhat: Float64Array;
  /** ‖post⁺ − post⁻‖: the class gap at the projection's output. */
  gap: number;
  /** x̄ = ½(x̄⁺ + x̄⁻) [in]. */
  xbar: Float64Array;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** cos(a, b), 0 when either is zero (a component that writes nothing is not aligned). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.sqrt(dot(a, a) * dot(b, b));
  return n > 0 ? dot(a, b) / n : 0;
}

export function siteDirection(w: Float32Array, out: number, pre: ClassMeans, where: string): SiteDirection {
  const inDim = pre.pos.length;
  if (w.length !== out * inDim) throw new Error(`${where}: weight has ${w.length} values, expected ${out}×${inDim}`);
  const v = new Float64Array(out);
  for (let i = 0; i < out; i++) {
    let s = 0;
    const row = i * inDim;
    for (let j = 0; j < inDim; j++) s += w[row + j]! * (pre.pos[j]! - pre.neg[j]!);
    v[i] = s;
  }
  const gap = Math.sqrt(dot(v, v));
  if (!(gap > 0) || !Number.isFinite(gap)) throw new Error(`${where}: the two classes give the same mean output (‖post⁺ − post⁻‖ = ${gap}); no direction to edit toward`);
  const xbar = pre.pos.map((x, j) => 0.5 * (x + pre.neg[j]!));
  return { vhat: v.map((x) => x / gap), gap, xbar };
}

/** Wᵀ v̂ [in]. */
function readBack(w: Float32Array, out: number, inDim: number, vhat: Float64Array): Float64Array {
  const k = new Float64Array(inDim);
  for (let i = 0; i < out; i++) {
    const vi = vhat[i]!;
    if (vi === 0) continue;
    const row = i * inDim;
    for (let j = 0; j < inDim; j++) k[j] = k[j]! + w[row + j]! * vi;
  }
  return k;
}

export interface HeadScores {
  g: Float64Array;
  /** Unit input direction per head (null where W_jᵀ v̂ = 0: the head cannot write v̂ at all). */
  kHat: (Float64Array | null)[];
}

export function headScores(w: Float32Array, out: number, heads: number, headDim: number, dir: SiteDirection): HeadScores {
  const inDim = heads * headDim;
  if (w.length !== out * inDim) throw new Error(`o_proj has ${w.length} values, expected ${out}×${heads}·${headDim}`);
  const k = readBack(w, out, inDim, dir.vhat);
  const g = new Float64Array(heads);
  const kHat: (Float64Array | null)[] = [];
  const y = new Float64Array(out);
  for (let h = 0; h < heads; h++) {
    const c0 = h * headDim;
    for (let i = 0; i < out; i++) {
      let s = 0;
      const row = i * inDim + c0;
      for (let c = 0; c < headDim; c++) s += w[row + c]! * dir.xbar[c0 + c]!;
      y[i] = s;
    }
    g[h] = cosine(dir.vhat, y);
    const kj = k.slice(c0, c0 + headDim);
    const n = Math.sqrt(dot(kj, kj));
    kHat.push(n > 0 ? kj.map((x) => x / n) : null);
  }
  return { g, kHat };
}

export interface NeuronScores {
  g: Float64Array;
  /** sign(w_n · v̂): the reference code multiplies λ_n by it, so the edit adds to what w_n writes along v̂. */
  sign: Float64Array;
}

export function neuronScores(w: Float32Array, out: number, dir: SiteDirection): NeuronScores {
  const inDim = dir.xbar.length;
  if (w.length !== out * inDim) throw new Error(`down_proj has ${w.length} values, expected ${out}×${inDim}`);
  const along = readBack(w, out, inDim, dir.vhat); // w_n · v̂ for every n
  const sq = new Float64Array(inDim);
  for (let i = 0; i < out; i++) {
    const row = i * inDim;
    for (let n = 0; n < inDim; n++) sq[n] = sq[n]! + w[row + n]! * w[row + n]!;
  }
  const g = new Float64Array(inDim);
  const sign = new Float64Array(inDim);
  for (let n = 0; n < inDim; n++) {
    // cos(v̂, w_n x̄_n) = sign(x̄_n) · (w_n · v̂) / ‖w_n‖ (v̂ is unit).
    const x = dir.xbar[n]!;
    const nw = Math.sqrt(sq[n]!);
    g[n] = x !== 0 && nw > 0 ? (Math.sign(x) * along[n]!) / nw : 0;
    sign[n] = Math.sign(along[n]!);
  }
  return { g, sign };
}
