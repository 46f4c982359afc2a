// GrAInS's steering vector from attributed tokens (the reference code's recipe): per pair, the
// top-k tokens by contrastive IG score (k highest: "positive"; k lowest: "negative") are masked
// (replaced by the pad token) in both sequences, and δ = h(x) − h(x masked) is read at the last
// token at the site. Over all pairs and both sequences, v⁺ summarises the δs of the positive
// masks and v⁻ those of the negative masks (first principal component, the reference's scripts,
// or the mean); the direction is v⁺ − v⁻, normalised. The principal component's sign is arbitrary
// (scikit-learn's in the reference); here it is turned to agree with the δs' mean.
import type { DecoderModel } from '../../models/decoder.js';
import { collectActivations, type TokenizedExample } from '../../activations/collect.js';
import { firstPrincipalComponent, meanRows, normalize, dot } from '../linalg.js';
import type { PreferenceRow, Seq } from '../preference/preference.js';
import { contrastiveScores } from './attribution.js';

export type Summary = 'pca' | 'mean';

/** Positions of the k highest (or lowest) scores, BOS left out where `skipFirst`. */
export function topPositions(scores: ArrayLike<number>, k: number, which: 'pos' | 'neg', skipFirst: boolean): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i).filter((i) => !(skipFirst && i === 0));
  idx.sort((a, b) => (which === 'pos' ? scores[b]! - scores[a]! : scores[a]! - scores[b]!) || a - b);
  return idx.slice(0, Math.min(k, idx.length)).sort((a, b) => a - b);
}

const masked = (s: Seq, at: readonly number[], maskId: number): Seq => ({ ids: s.ids.map((t, i) => (at.includes(i) ? maskId : t)), promptLength: s.promptLength });
const asExample = (s: Seq): TokenizedExample => ({ ids: s.ids, start: s.promptLength, end: s.ids.length });

function summarise(deltas: Float64Array, n: number, d: number, how: Summary): Float64Array {
  const mean = meanRows(deltas, [...Array(n).keys()], d);
  if (how === 'mean') return mean;
  const pc = firstPrincipalComponent(deltas, n, d);
  return dot(pc, mean) < 0 ? pc.map((x) => -x) : pc;
}

export interface GrainsVector {
  u: Float64Array;
  /** ‖v⁺ − v⁻‖ before normalising, and the two parts' cosine. */
  rawNorm: number;
  partsCosine: number;
  /** Mean per-token norm of the reply tokens at the site (ρ). */
  rho: number;
  /** Masked positions per pair (preferred, dispreferred) for the positive and negative masks, for inspection. */
  masks: { pos: [number[], number[]]; neg: [number[], number[]] }[];
}

export function grainsVector(model: DecoderModel, rows: readonly PreferenceRow[], site: string, o: { k: number; steps: number; summary: Summary; maskId: number; skipBos: boolean; onProgress?: (done: number, total: number) => void }): GrainsVector {
  const seqs: Seq[] = [];
  const masks: GrainsVector['masks'] = [];
  rows.forEach((r, i) => {
    const sc = contrastiveScores(model, r.win, r.lose, o.steps);
    const m = {
      pos: [topPositions(sc.win, o.k, 'pos', o.skipBos), topPositions(sc.lose, o.k, 'pos', o.skipBos)] as [number[], number[]],
      neg: [topPositions(sc.win, o.k, 'neg', o.skipBos), topPositions(sc.lose, o.k, 'neg', o.skipBos)] as [number[], number[]],
    };
    masks.push(m);
    seqs.push(r.win, masked(r.win, m.pos[0], o.maskId), r.lose, masked(r.lose, m.pos[1], o.maskId), masked(r.win, m.neg[0], o.maskId), masked(r.lose, m.neg[1], o.maskId));
    o.onProgress?.(i + 1, rows.length);
  });
  const c = collectActivations(model, seqs.map(asExample), site, { reduce: 'last' });
  const d = c.width;
  const n = rows.length;
  const row = (i: number) => c.data.subarray(i * d, (i + 1) * d);
  const dp = new Float64Array(2 * n * d);
  const dn = new Float64Array(2 * n * d);
  for (let i = 0; i < n; i++) {
    const [w, wp, l, lp, wn, ln] = [0, 1, 2, 3, 4, 5].map((k) => row(6 * i + k));
    for (let j = 0; j < d; j++) {
      dp[2 * i * d + j] = w![j]! - wp![j]!;
      dp[(2 * i + 1) * d + j] = l![j]! - lp![j]!;
      dn[2 * i * d + j] = w![j]! - wn![j]!;
      dn[(2 * i + 1) * d + j] = l![j]! - ln![j]!;
    }
  }
  const vp = normalize(summarise(dp, 2 * n, d, o.summary));
  const vn = normalize(summarise(dn, 2 * n, d, o.summary));
  const raw = vp.map((x, j) => x - vn[j]!);
  const rawNorm = Math.hypot(...raw);
  const rho = collectActivations(model, rows.flatMap((r) => [r.win, r.lose]).map(asExample), site, { reduce: 'mean' }).tokenNorm;
  return { u: normalize(raw), rawNorm, partsCosine: dot(vp, vn), rho, masks };
}
