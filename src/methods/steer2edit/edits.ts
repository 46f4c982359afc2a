// Steer2Edit's edits (methods.md §3.8, step 4): per layer, one rank-1 update of o_proj and one of
// down_proj, since every edited head and neuron of a projection writes the same v̂:
//
//   o_proj     ΔW = v̂ kᵀ,  k = [λ_1 k̂_1; …; λ_H k̂_H]   (W_j ← W_j + λ_j v̂ k̂_jᵀ for each head j)
//   down_proj  ΔW = v̂ kᵀ,  k_n = λ_n · sign(w_n · v̂)     (w_n ← w_n + λ_n v̂ for each neuron n)
//
// with λ from the Elastic-Net closed form (lambda.ts). Both push what the projection writes at the
// mean input x̄ toward +v̂: λ_j k̂_jᵀx̄_j and k_n x̄_n are ≥ 0. Strength s scales the whole edit.

import type { DecoderModel } from '../../models/decoder.js';
import type { EditedProjection } from '../../intervene/weight-edit.js';
import type { PreMeans } from './collect.js';
import type { ResolvedOptions } from './options.js';
import { elasticNetLambda } from './lambda.js';
import { headScores, neuronScores, siteDirection } from './scores.js';

export interface ProjectionEdit {
  layer: number;
  proj: EditedProjection;
  /** v̂ [out]. */
  u: Float32Array;
  /** Σ over components of λ·(input direction), [in]; zero where a component is not edited. */
  k: Float32Array;
  /** Per component (head or neuron): λ as applied (MLP: with the sign of w_n·v̂ folded in). */
  lambda: Float32Array;
  /** Per component: the score g. */
  g: Float32Array;
  /** Components with λ ≠ 0. */
  edited: number;
  /** ‖post⁺ − post⁻‖ at this projection's output. */
  gap: number;
  /** kᵀx̄: what the edit adds along v̂ at the mean input, at strength 1. */
  shift: number;
}

function weightOf(model: DecoderModel, layer: number, proj: EditedProjection): Float32Array {
  const L = model.weights.layers[layer]!;
  return (proj === 'o_proj' ? L.o.w : L.down.w).toFloat('f32').data as Float32Array;
}

/** The edits of every requested layer, one per projection family that is switched on (λ may all be 0). */
export function computeEdits(model: DecoderModel, pre: PreMeans, o: ResolvedOptions): ProjectionEdit[] {
  const a = model.arch;
  const out: ProjectionEdit[] = [];
  for (const layer of o.layers) {
    if (o.rhoAttn > 0) {
      const w = weightOf(model, layer, 'o_proj');
      const dir = siteDirection(w, a.hidden, pre.attn[layer]!, `layers.${layer}.o_proj`);
      const sc = headScores(w, a.hidden, a.heads, a.headDim, dir);
      const k = new Float32Array(a.heads * a.headDim);
      const lambda = new Float32Array(a.heads);
      let edited = 0;
      for (let h = 0; h < a.heads; h++) {
        const lam = elasticNetLambda(sc.g[h]!, o.rhoAttn, o.alpha);
        const kh = sc.kHat[h];
        if (lam === 0 || !kh) continue;
        lambda[h] = lam;
        edited++;
        for (let c = 0; c < a.headDim; c++) k[h * a.headDim + c] = lam * kh[c]!;
      }
      out.push(finish(layer, 'o_proj', dir.vhat, k, lambda, sc.g, edited, dir.gap, dir.xbar));
    }
    if (o.rhoMlp > 0) {
      const w = weightOf(model, layer, 'down_proj');
      const dir = siteDirection(w, a.hidden, pre.mlp[layer]!, `layers.${layer}.down_proj`);
      const sc = neuronScores(w, a.hidden, dir);
      const k = new Float32Array(dir.xbar.length);
      let edited = 0;
      for (let n = 0; n < k.length; n++) {
        const lam = elasticNetLambda(sc.g[n]!, o.rhoMlp, o.alpha) * sc.sign[n]!;
        if (lam === 0) continue;
        k[n] = lam;
        edited++;
      }
      out.push(finish(layer, 'down_proj', dir.vhat, k, Float32Array.from(k), sc.g, edited, dir.gap, dir.xbar));
    }
  }
  return out;
}

function finish(layer: number, proj: EditedProjection, vhat: Float64Array, k: Float32Array, lambda: Float32Array, g: Float64Array, edited: number, gap: number, xbar: Float64Array): ProjectionEdit {
  let shift = 0;
  for (let j = 0; j < k.length; j++) shift += k[j]! * xbar[j]!;
  return { layer, proj, u: Float32Array.from(vhat), k, lambda, g: Float32Array.from(g), edited, gap, shift };
}

/** W ← W + s·u kᵀ for W [out, in] row-major (in place). */
export function addRankOne(w: Float32Array, u: ArrayLike<number>, k: ArrayLike<number>, s: number): void {
  const out = u.length;
  const inDim = k.length;
  if (w.length !== out * inDim) throw new Error(`rank-1 edit: the matrix has ${w.length} values, u⊗k is ${out}×${inDim}`);
  for (let i = 0; i < out; i++) {
    const a = s * u[i]!;
    if (a === 0) continue;
    const row = i * inDim;
    for (let j = 0; j < inDim; j++) w[row + j] = w[row + j]! + a * k[j]!;
  }
}
