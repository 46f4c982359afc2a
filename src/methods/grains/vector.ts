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

/** Positions of the k highest (or lowest) scores, BOS left out where `skipFirst`, and any position `skip` names. */
export function topPositions(scores: ArrayLike<number>, k: number, which: 'pos' | 'neg', skipFirst: boolean, skip: (i: number) => boolean = () => false): number[] {
  const idx = Array.from({ length: scores.length }, (_, i) => i).filter((i) => !(skipFirst && i === 0) && !skip(i));
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

export interface GrainsVectorOptions {
  k: number;
  steps: number;
  summary: Summary;
  maskId: number;
  skipBos: boolean;
  /** Token ids never masked (special tokens: chat-template markers). */
  skipIds: ReadonlySet<number>;
  /**
   * 'prompt' (the paper's): attribute and mask the input tokens the two replies share, read δ at the
   * last prompt token; 'all': attribute and mask every token of both sequences, read δ at each
   * sequence's last token.
   */
  attribute: 'prompt' | 'all';
  /** IG baseline: the all-zero embedding, or the mask token's at every position `skipIds` does not keep. */
  baseline: 'zero' | 'mask';
  onProgress?: (done: number, total: number) => void;
}

/** The baseline sequence of `s` for the option: mask tokens where the input has non-special ones. */
function baselineOf(o: GrainsVectorOptions): ((s: Seq) => number[]) | null {
  if (o.baseline === 'zero') return null;
  return (s) => s.ids.map((t, i) => ((o.skipBos && i === 0) || o.skipIds.has(t) ? t : o.maskId));
}

export function grainsVector(model: DecoderModel, rows: readonly PreferenceRow[], site: string, o: GrainsVectorOptions): GrainsVector {
  return o.attribute === 'prompt' ? promptVector(model, rows, site, o) : allTokensVector(model, rows, site, o);
}

/**
 * The paper's form: both replies answer the same prompt, so a prompt token's contrastive score is
 * its IG for log p(preferred) plus its (negated) IG for log p(dispreferred). The k tokens with the
 * largest positive scores (at most: only positively scored ones) form the positive mask, likewise
 * the negative; δ = h(prompt) − h(prompt masked) at the prompt's last token.
 */
function promptVector(model: DecoderModel, rows: readonly PreferenceRow[], site: string, o: GrainsVectorOptions): GrainsVector {
  const prompts: Seq[] = [];
  const masks: GrainsVector['masks'] = [];
  rows.forEach((r, i) => {
    const P = r.win.promptLength;
    if (r.lose.promptLength !== P || r.win.ids.slice(0, P).some((t, j) => t !== r.lose.ids[j])) throw new Error(`grains: pair ${i + 1} gives its two replies different prompts; --attribute prompt needs one prompt per pair (or use --attribute all)`);
    const sc = contrastiveScores(model, r.win, r.lose, o.steps, baselineOf(o));
    const joint = new Float64Array(P);
    for (let t = 0; t < P; t++) joint[t] = sc.win[t]! + sc.lose[t]!;
    // Only positively scored tokens can be "positively attributed" (and likewise negative): a short
    // prompt has fewer than k of each.
    const skip = (t: number) => o.skipIds.has(r.win.ids[t]!);
    const pos = topPositions(joint, o.k, 'pos', o.skipBos, (t) => skip(t) || !(joint[t]! > 0));
    const neg = topPositions(joint, o.k, 'neg', o.skipBos, (t) => skip(t) || !(joint[t]! < 0));
    masks.push({ pos: [pos, pos], neg: [neg, neg] });
    const prompt: Seq = { ids: r.win.ids.slice(0, P), promptLength: P };
    prompts.push(prompt, masked(prompt, pos, o.maskId), masked(prompt, neg, o.maskId));
    o.onProgress?.(i + 1, rows.length);
  });
  const c = collectActivations(model, prompts.map((s) => ({ ids: s.ids, start: 0, end: s.ids.length })), site, { reduce: 'last' });
  const d = c.width;
  const n = rows.length;
  const row = (i: number) => c.data.subarray(i * d, (i + 1) * d);
  const dp = new Float64Array(n * d);
  const dn = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const [h, hp, hn] = [row(3 * i), row(3 * i + 1), row(3 * i + 2)];
    for (let j = 0; j < d; j++) {
      dp[i * d + j] = h[j]! - hp[j]!;
      dn[i * d + j] = h[j]! - hn[j]!;
    }
  }
  return finish(model, rows, site, dp, dn, n, d, o.summary, masks);
}

function finish(model: DecoderModel, rows: readonly PreferenceRow[], site: string, dp: Float64Array, dn: Float64Array, n: number, d: number, how: Summary, masks: GrainsVector['masks']): GrainsVector {
  const vp = normalize(summarise(dp, n, d, how));
  const vn = normalize(summarise(dn, n, d, how));
  const raw = vp.map((x, j) => x - vn[j]!);
  const rawNorm = Math.hypot(...raw);
  const rho = collectActivations(model, rows.flatMap((r) => [r.win, r.lose]).map(asExample), site, { reduce: 'mean' }).tokenNorm;
  return { u: normalize(raw), rawNorm, partsCosine: dot(vp, vn), rho, masks };
}

function allTokensVector(model: DecoderModel, rows: readonly PreferenceRow[], site: string, o: GrainsVectorOptions): GrainsVector {
  const skipIds = o.skipIds;
  const seqs: Seq[] = [];
  const masks: GrainsVector['masks'] = [];
  rows.forEach((r, i) => {
    const sc = contrastiveScores(model, r.win, r.lose, o.steps, baselineOf(o));
    const sw = (i: number) => skipIds.has(r.win.ids[i]!);
    const sl = (i: number) => skipIds.has(r.lose.ids[i]!);
    const m = {
      pos: [topPositions(sc.win, o.k, 'pos', o.skipBos, sw), topPositions(sc.lose, o.k, 'pos', o.skipBos, sl)] as [number[], number[]],
      neg: [topPositions(sc.win, o.k, 'neg', o.skipBos, sw), topPositions(sc.lose, o.k, 'neg', o.skipBos, sl)] as [number[], number[]],
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
  return finish(model, rows, site, dp, dn, 2 * n, d, o.summary, masks);
}
