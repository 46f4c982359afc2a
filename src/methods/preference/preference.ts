// What the preference-trained steering vectors (RePS, BiPO) share: tokenized (prompt, winner,
// loser) rows from contrastive pairs, summed reply log-probabilities, log σ, an edit at one
// residual site that spares BOS, the frozen model's log-probabilities, and the derived strength
// read off the per-token preference margin as the vector is scaled up.

import type { FitContext } from '../types.js';
import type { DecoderModel } from '../../models/decoder.js';
import { promptIds } from '../../activations/tokenize.js';
import { padBatch } from '../cdas/batch.js';
import { fromStorage, type Tensor } from '../../tensor/tensor.js';
import { tidy } from '../../tensor/scope.js';
import { noGrad } from '../../tensor/tape.js';
import * as ops from '../../tensor/ops/index.js';
import { Hooks } from '../../models/hooks.js';

export interface Seq {
  ids: number[];
  promptLength: number;
}

/** One contrastive pair: the reply with the target behaviour (win) and the one without (lose). */
export interface PreferenceRow {
  win: Seq;
  lose: Seq;
}

/** Summed log-probability of each sequence's reply tokens, [B] (a tensor: carries gradients when the logits do). */
export function replyLogProbs(logits: Tensor, seqs: readonly Seq[], pad: Int32Array, T: number): Tensor {
  const B = seqs.length;
  const V = logits.shape[2]!;
  const targets = new Int32Array(B * T).fill(-100);
  seqs.forEach((s, b) => {
    for (let k = s.promptLength; k < s.ids.length; k++) targets[b * T + pad[b]! + k - 1] = s.ids[k]!;
  });
  const nll = ops.crossEntropy(ops.reshape(logits, [B * T, V]), fromStorage(targets, [B * T], 'i32'), { reduction: 'none' });
  return ops.neg(ops.sum(ops.reshape(nll, [B, T]), 1));
}

/** log σ(z), stable for large |z|. */
export function logSigmoid(z: Tensor): Tensor {
  return ops.sub(ops.minimum(z, 0), ops.log(ops.add(ops.exp(ops.neg(ops.abs(z))), 1)));
}

/** Hooks that replace the activation at `site` by edit(h), leaving each row's first real token (BOS) alone when asked. */
export function siteHooks(site: string, edit: (h: Tensor) => Tensor, excludeBos: boolean): Hooks {
  const hooks = new Hooks();
  hooks.add(site, (h, ctx) => {
    const out = edit(h);
    if (!excludeBos) return out;
    const [B, T] = [h.shape[0]!, h.shape[1]!];
    const mask = new Float32Array(B * T).fill(1);
    for (let b = 0; b < B; b++) mask[b * T + (ctx.padding?.[b] ?? 0)] = 0;
    return ops.add(h, ops.mul(ops.sub(out, h), fromStorage(mask, [B, T, 1], 'f32')));
  });
  return hooks;
}

/** Refuses sites a single additive vector cannot steer (the vector lives in the residual stream). */
export function checkResidualSite(method: string, site: string): void {
  if (!/^layers\.\d+\.resid_(pre|mid|post)$/.test(site)) throw new Error(`${method}: steers a residual-stream site (layers.N.resid_post, ...), not ${site}`);
}

/** Contrastive pairs as token rows (prompt then reply); excludeBos when every row starts with the tokenizer's BOS. */
export function tokenizePairs(ctx: FitContext, method: string): { rows: PreferenceRow[]; excludeBos: boolean } {
  const byPair = new Map<number, { pos?: string; neg?: string; prompt: string }>();
  for (const e of ctx.data.examples) {
    if (e.pair === null || e.pair === undefined) throw new Error(`${method} needs contrastive pairs (prompt, positive, negative): labelled texts have no pairing`);
    const r = byPair.get(e.pair) ?? { prompt: e.prompt };
    if (e.label === 1) r.pos = e.completion;
    else r.neg = e.completion;
    byPair.set(e.pair, r);
  }
  const seq = (prompt: string, reply: string): Seq => {
    const p = promptIds(ctx.tokenizer, prompt, { chat: ctx.chat ?? false });
    const ids = [...p, ...ctx.tokenizer.encode(reply, { addSpecialTokens: false })];
    if (ids.length === p.length) throw new Error(`${method}: the reply to "${prompt}" is empty`);
    if (ids.length > ctx.model.arch.maxPositions) throw new Error(`${method}: a training sequence has ${ids.length} tokens, more than the model's context (${ctx.model.arch.maxPositions})`);
    return { ids, promptLength: p.length };
  };
  const rows: PreferenceRow[] = [];
  for (const r of byPair.values()) {
    if (r.pos === undefined || r.neg === undefined) throw new Error(`${method}: every pair needs a positive and a negative completion`);
    rows.push({ win: seq(r.prompt, r.pos), lose: seq(r.prompt, r.neg) });
  }
  if (rows.length === 0) throw new Error(`${method}: no training pairs`);
  const bos = ctx.tokenizer.bosTokenId;
  return { rows, excludeBos: bos !== null && bos !== undefined && rows.every((r) => r.win.ids[0] === bos) };
}

/** Sequences of a batch of rows, winner then loser of each, as one padded batch. */
export function pairBatch(rows: readonly PreferenceRow[], padId: number) {
  const seqs = rows.flatMap((r) => [r.win, r.lose]);
  return { seqs, ...padBatch(seqs.map((s) => s.ids), padId) };
}

/** Summed reply log-probabilities of every row's winner and loser under the model with `hooks` (noGrad). */
export function rowLogProbs(model: DecoderModel, rows: readonly PreferenceRow[], padId: number, hooks: Hooks | null = null): { win: Float64Array; lose: Float64Array } {
  const win = new Float64Array(rows.length);
  const lose = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i += 16) {
    const batch = rows.slice(i, i + 16);
    const lp = tidy(() =>
      noGrad(() => {
        const p = pairBatch(batch, padId);
        return Float32Array.from(replyLogProbs(model.forward(p.ids, { hooks, padding: p.padding }), p.seqs, p.pad, p.T).toFloat('f32').data as Float32Array);
      }),
    );
    batch.forEach((_, k) => {
      win[i + k] = lp[2 * k]!;
      lose[i + k] = lp[2 * k + 1]!;
    });
  }
  return { win, lose };
}

export const replyLength = (s: Seq): number => s.ids.length - s.promptLength;

/** A [2n] tensor laid out winner, loser, winner, ... (pairBatch's order) as its [n] winners and [n] losers. */
export function splitPairs(x: Tensor, n: number): [Tensor, Tensor] {
  const col = ops.reshape(x, [2 * n, 1]);
  const pick = (parity: number) => ops.reshape(ops.embedding(col, fromStorage(Int32Array.from({ length: n }, (_, i) => 2 * i + parity), [n], 'i32')), [n]);
  return [pick(0), pick(1)];
}

/**
 * The mean per-token preference margin log p_s(y_w)/|y_w| − log p_s(y_l)/|y_l| over the rows with
 * h + s·v added at the site (BOS spared when excludeBos): positive once the steered model prefers
 * the winner.
 */
export function preferenceMargin(model: DecoderModel, site: string, rows: readonly PreferenceRow[], v: Float32Array, s: number, excludeBos: boolean, padId: number, steer: SteerAt = addAt): number {
  const lp = rowLogProbs(model, rows, padId, siteHooks(site, steer(v, s), excludeBos));
  let sum = 0;
  rows.forEach((r, k) => (sum += lp.win[k]! / replyLength(r.win) - lp.lose[k]! / replyLength(r.lose)));
  return sum / rows.length;
}

/** The edit of the activation that s times the trained vector v makes (default h + s·v; YaPO: in an SAE's latents). */
export type SteerAt = (v: Float32Array, s: number) => (h: Tensor) => Tensor;

const addAt: SteerAt = (v, s) => {
  const vt = fromStorage(v, [v.length], 'f32');
  return (h) => ops.add(h, ops.scale(vt, s));
};

/** Rows the margin curve is measured on. */
export const MARGIN_ROWS = 16;

export interface MarginStrength {
  /** Where s·v has closed `gapClosed` of the unsteered margin's gap to 0. */
  defaultStrength: number;
  /** Where the margin reaches 0 (the steered model prefers the winner outright): the range edge. */
  edge: number;
  curve: { s: number; margin: number }[];
}

/**
 * The derived strength of a preference-trained vector v: walk s over `grid` (ascending, positive)
 * measuring the margin with h + s·v on up to MARGIN_ROWS rows, until the margin reaches 0. The
 * default closes `gapClosed` of the unsteered gap (linear interpolation between grid points), the
 * range edge is where the gap closes. When the unsteered model already prefers the winner, or the
 * grid ends first, the given fallbacks stand in.
 */
export function marginStrength(
  o: { model: DecoderModel; site: string; rows: readonly PreferenceRow[]; v: Float32Array; excludeBos: boolean; padId: number; steer?: SteerAt },
  grid: readonly number[],
  gapClosed: number,
  fallback: { defaultStrength: number; edge: number },
  onProgress?: (done: number, total: number) => void,
): MarginStrength {
  const sample = o.rows.slice(0, MARGIN_ROWS);
  const margin = (s: number) => preferenceMargin(o.model, o.site, sample, o.v, s, o.excludeBos, o.padId, o.steer);
  const m0 = margin(0);
  const curve = [{ s: 0, margin: m0 }];
  if (m0 >= 0) return { ...fallback, curve };
  for (const s of grid) {
    curve.push({ s, margin: margin(s) });
    onProgress?.(curve.length - 1, grid.length);
    if (curve[curve.length - 1]!.margin >= 0) break;
  }
  const cross = (target: number): number | null => {
    const i = curve.findIndex((p) => p.margin >= target);
    if (i <= 0) return i === 0 ? 0 : null;
    const a = curve[i - 1]!;
    const b = curve[i]!;
    return a.s + ((target - a.margin) / (b.margin - a.margin)) * (b.s - a.s);
  };
  const edge = cross(0) ?? grid[grid.length - 1]!;
  return { defaultStrength: cross(m0 * (1 - gapClosed)) ?? edge, edge, curve };
}
