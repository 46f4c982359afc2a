// Integrated gradients of a reply's log-probability with respect to the input token embeddings
// (Sundararajan et al. 2017), as GrAInS attributes tokens: baseline the all-zero embedding (the
// reference code's) or the mask token's embedding at every non-special position (a pre-norm model
// reads α·e as e for any α > 0, so the zero path jumps at α ≈ 0: f(10⁻⁶e) and f(0) differ by 37
// nats on the organism, and its attributions are noise), m interpolation points α_k = (k − ½)/m (the midpoint rule; the reference uses
// Captum's default Gauss–Legendre points), and a token's score the sum over its embedding
// coordinates of e·mean_k ∇f(α_k·e). All m points run as one batch of m copies of the sequence,
// the `embed` hook replacing row k's embeddings by a leaf α_k·e whose gradient the tape fills.
//
// f is the summed log-probability of the reply tokens (the paper's "log-likelihood of the
// preferred / dispreferred output"; the reference code scores only the sequence's last token).
import type { DecoderModel } from '../../models/decoder.js';
import { Hooks } from '../../models/hooks.js';
import { fromStorage, type Tensor } from '../../tensor/tensor.js';
import { tidy } from '../../tensor/scope.js';
import * as ops from '../../tensor/ops/index.js';
import { replyLogProbs, type Seq } from '../preference/preference.js';

/** The `embed` output for `ids` (row 0), no gradient: the embeddings a baseline sequence starts from. */
function embeddingsOf(model: DecoderModel, ids: readonly number[]): Float32Array {
  let out: Float32Array | null = null;
  const hooks = new Hooks();
  hooks.add('embed', (h) => {
    out = Float32Array.from(h.toFloat('f32').data as Float32Array);
    return h;
  });
  tidy(() => model.forward(fromStorage(Int32Array.from(ids), [1, ids.length], 'i32'), { hooks }));
  return out!;
}

/**
 * Per-token IG scores of f(seq) = Σ log p(reply tokens), [T], on the straight path from the
 * baseline b to the input's embeddings e: score_t = Σ_j (e − b)_tj · mean_k ∇f(b + α_k(e − b))_tj;
 * their sum ≈ f(e) − f(b) (completeness). b is the all-zero embedding (`baselineIds` null, the
 * reference's), or the embeddings of `baselineIds` (e.g. every token replaced by the mask token).
 */
export function integratedGradients(model: DecoderModel, seq: Seq, steps: number, baselineIds: readonly number[] | null = null): Float64Array {
  const T = seq.ids.length;
  const base = baselineIds === null ? null : embeddingsOf(model, baselineIds);
  return tidy(() => {
    let leaf: Tensor | null = null;
    let diff: Float32Array | null = null;
    const hooks = new Hooks();
    hooks.add('embed', (h) => {
      const d = h.shape[2]!;
      const src = h.toFloat('f32').data as Float32Array;
      const e = src.subarray(0, T * d);
      const b = base ?? new Float32Array(T * d);
      const dd = new Float32Array(T * d);
      for (let i = 0; i < T * d; i++) dd[i] = e[i]! - b[i]!;
      diff = dd;
      const x = new Float32Array(steps * T * d);
      for (let k = 0; k < steps; k++) {
        const a = (k + 0.5) / steps;
        for (let i = 0; i < T * d; i++) x[k * T * d + i] = b[i]! + a * dd[i]!;
      }
      leaf = fromStorage(x, [steps, T, d], 'f32', true);
      return leaf;
    });
    const ids = new Int32Array(steps * T);
    for (let k = 0; k < steps; k++) ids.set(seq.ids, k * T);
    const logits = model.forward(fromStorage(ids, [steps, T], 'i32'), { hooks });
    const lp = replyLogProbs(logits, Array(steps).fill(seq), new Int32Array(steps), T);
    // Σ_k f(x_k): its gradient in row k is ∇f(x_k).
    ops.sum(lp).backward();
    const g = (leaf as Tensor | null)!.grad!.toFloat('f32').data as Float32Array;
    const e = diff as Float32Array | null;
    const d = e!.length / T;
    const scores = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        let gs = 0;
        for (let k = 0; k < steps; k++) gs += g[k * T * d + t * d + j]!;
        s += e![t * d + j]! * (gs / steps);
      }
      scores[t] = s;
    }
    return scores;
  });
}

/**
 * GrAInS's contrastive attribution of a pair: f = log p(preferred) − log p(dispreferred), each
 * sequence's tokens scored for f, so the dispreferred sequence's scores are the negated IG of its
 * own log-probability (a token scores high when it makes the dispreferred reply less likely).
 */
export function contrastiveScores(model: DecoderModel, win: Seq, lose: Seq, steps: number, baseline: ((s: Seq) => number[]) | null = null): { win: Float64Array; lose: Float64Array } {
  const w = integratedGradients(model, win, steps, baseline ? baseline(win) : null);
  const l = integratedGradients(model, lose, steps, baseline ? baseline(lose) : null).map((x) => -x);
  return { win: w, lose: l };
}
