// RePS — Reference-free Preference Steering (Wu et al. 2025; methods.md §2.7), rank-1 steering
// vector. Per row: instruction x, winning reply y_w (carries the concept) and losing reply y_l (the
// model's plain reply). Two pair types, trained together:
//
//   orig_add  h' = h + (α + b)·v          at every position but BOS, α drawn per row from
//             ALPHAS; winner y_w, loser y_l
//   orig_sub  h' = h − (ReLU(v·h + b)/‖v‖²)·v   ("null it out"); winner y_l, loser y_w
//
// Loss (scaled SimPO, β = 1, γ = 0), with summed log-probabilities under the steered model (log p_Φ)
// and, for the scale only, under the frozen unsteered model (log p):
//
//   scale = max(log p(y_l|x) − log p(y_w|x), 1)
//   L     = −log σ( scale · log p_Φ(y_w|x)/|y_w| − log p_Φ(y_l|x)/|y_l| )
//
// AdamW (weight decay 0), linear decay, clip 1. The artifact adds v at the site (all positions but
// BOS); strengths are multiples of v, as in training, and the default is derived from the
// preference margin on the training rows (DEFAULT_GAP_CLOSED).

import { requireSite, type SteeringMethod, type FitContext } from './types.js';
import type { Artifact } from '../artifact/artifact.js';
import type { DecoderModel } from '../models/decoder.js';
import { buildArtifact, dataHash } from './build.js';
import { promptIds } from './tokenize.js';
import { padBatch } from './cdas/batch.js';
import { fromStorage, type Tensor } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import { noGrad } from '../tensor/tape.js';
import * as ops from '../tensor/ops/index.js';
import { Hooks } from '../models/hooks.js';
import { AdamW, clipGradNorm } from '../nn/optim.js';
import { linearSchedule } from '../nn/schedule.js';
import { Rng } from '../util/rng.js';

/** The steering factors α a training row draws from (AxBench's 2, 4, …, 20). */
export const ALPHAS = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20] as const;
export const REPS_DEFAULTS = { epochs: 18, lr: 0.04, batchSize: 6, clip: 1.0, initNorm: 0.05 } as const;

/**
 * The derived strength (multiples of v) comes from the objective itself, on up to MARGIN_ROWS
 * training rows: the per-token preference margin (concept reply minus plain reply) is negative
 * unsteered and rises with s. Default: where s·v has closed DEFAULT_GAP_CLOSED of the gap; range
 * edge: where the margin reaches 0 (the steered model prefers the concept reply outright).
 * Measured on the organism (topics, layer 2, 12 epochs): the margin rises about linearly and
 * crosses 0 at s ≈ 24–28, where replies start to break; greedy replies carry the topic and parse
 * from s ≈ 16 (ocean 0.75/1.00, space 0.75/1.00 at 16; sports 0.94/0.81 at 20), which is where
 * two thirds of the gap are closed (s ≈ 15–18).
 */
export const DEFAULT_GAP_CLOSED = 2 / 3;
export const MARGIN_ROWS = 16;
const MARGIN_GRID = Array.from({ length: 40 }, (_, i) => 2 * (i + 1));

interface Seq {
  ids: number[];
  promptLength: number;
}

export interface RepsRow {
  win: Seq;
  lose: Seq;
  /** log p(y_l|x) − log p(y_w|x) under the frozen model, floored at 1 (the SimPO scale). */
  scale: number;
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
function logSigmoid(z: Tensor): Tensor {
  return ops.sub(ops.minimum(z, 0), ops.log(ops.add(ops.exp(ops.neg(ops.abs(z))), 1)));
}

function siteHooks(site: string, edit: (h: Tensor) => Tensor, excludeBos: boolean): Hooks {
  const hooks = new Hooks();
  hooks.add(site, (h, ctx) => {
    const out = edit(h);
    if (!excludeBos) return out;
    // Leave each row's first real token (BOS) alone.
    const [B, T] = [h.shape[0]!, h.shape[1]!];
    const mask = new Float32Array(B * T).fill(1);
    for (let b = 0; b < B; b++) mask[b * T + (ctx.padding?.[b] ?? 0)] = 0;
    return ops.add(h, ops.mul(ops.sub(out, h), fromStorage(mask, [B, T, 1], 'f32')));
  });
  return hooks;
}

function tokenizeRows(ctx: FitContext): { rows: RepsRow[]; excludeBos: boolean } {
  const byPair = new Map<number, { pos?: string; neg?: string; prompt: string }>();
  for (const e of ctx.data.examples) {
    if (e.pair === null || e.pair === undefined) throw new Error('reps needs contrastive pairs (prompt, positive, negative): labelled texts have no pairing');
    const r = byPair.get(e.pair) ?? { prompt: e.prompt };
    if (e.label === 1) r.pos = e.completion;
    else r.neg = e.completion;
    byPair.set(e.pair, r);
  }
  const seq = (prompt: string, reply: string): Seq => {
    const p = promptIds(ctx.tokenizer, prompt, { chat: ctx.chat ?? false });
    const ids = [...p, ...ctx.tokenizer.encode(reply, { addSpecialTokens: false })];
    if (ids.length === p.length) throw new Error(`reps: the reply to "${prompt}" is empty`);
    if (ids.length > ctx.model.arch.maxPositions) throw new Error(`reps: a training sequence has ${ids.length} tokens, more than the model's context (${ctx.model.arch.maxPositions})`);
    return { ids, promptLength: p.length };
  };
  const rows: RepsRow[] = [];
  for (const r of byPair.values()) {
    if (r.pos === undefined || r.neg === undefined) throw new Error('reps: every pair needs a positive and a negative completion');
    rows.push({ win: seq(r.prompt, r.pos), lose: seq(r.prompt, r.neg), scale: 1 });
  }
  const bos = ctx.tokenizer.bosTokenId;
  return { rows, excludeBos: bos !== null && bos !== undefined && rows.every((r) => r.win.ids[0] === bos) };
}

/** The frozen model's SimPO scale per row. */
function frozenScales(model: DecoderModel, rows: RepsRow[], padId: number): void {
  for (let i = 0; i < rows.length; i += 16) {
    const batch = rows.slice(i, i + 16);
    const seqs = batch.flatMap((r) => [r.win, r.lose]);
    const lp = tidy(() =>
      noGrad(() => {
        const b = padBatch(seqs.map((s) => s.ids), padId);
        return Float32Array.from(replyLogProbs(model.forward(b.ids, { padding: b.padding }), seqs, b.pad, b.T).toFloat('f32').data as Float32Array);
      }),
    );
    batch.forEach((r, k) => (r.scale = Math.max(lp[2 * k + 1]! - lp[2 * k]!, 1)));
  }
}

export interface RepsResult {
  direction: Float32Array;
  bias: number;
  losses: number[];
  steps: number;
}

export function trainReps(model: DecoderModel, site: string, rows: RepsRow[], excludeBos: boolean, o: { steps?: number; epochs?: number; lr?: number; batchSize?: number; seed?: number; padId?: number; onStep?: (s: number, n: number, loss: number) => void }): RepsResult {
  const d = model.arch.hidden;
  const padId = o.padId ?? 0;
  const bs = o.batchSize ?? REPS_DEFAULTS.batchSize;
  const lr = o.lr ?? REPS_DEFAULTS.lr;
  if (!(lr > 0)) throw new Error(`reps: learning rate must be positive, got ${lr}`);
  if (!(Number.isInteger(bs) && bs >= 1)) throw new Error(`reps: batch size must be a positive integer, got ${bs}`);
  if (!/^layers\.\d+\.resid_(pre|mid|post)$/.test(site)) throw new Error(`reps: steers a residual-stream site (layers.N.resid_post, ...), not ${site}`);
  const perEpoch = Math.ceil(rows.length / bs);
  const total = o.steps ?? (o.epochs ?? REPS_DEFAULTS.epochs) * perEpoch;
  if (!(Number.isInteger(total) && total >= 1)) throw new Error(`reps: steps must be a positive integer, got ${total}`);
  const rng = new Rng(o.seed ?? 0);
  const init = new Float32Array(d);
  let n0 = 0;
  for (let i = 0; i < d; i++) n0 += (init[i] = rng.normal()) ** 2;
  for (let i = 0; i < d; i++) init[i] = (init[i]! / Math.sqrt(n0)) * REPS_DEFAULTS.initNorm;
  const v = fromStorage(init, [d], 'f32', true);
  const b = fromStorage(new Float32Array(1), [1], 'f32', true);
  const opt = new AdamW([v, b], { lr, weightDecay: 0 });
  const losses: number[] = [];
  let order: number[] = [];
  for (let step = 0; step < total; step++) {
    if (step % perEpoch === 0) order = rng.shuffle(rows.map((_, i) => i));
    const k = step % perEpoch;
    const batch = order.slice(k * bs, (k + 1) * bs).map((i) => rows[i]!);
    const alphas = batch.map(() => ALPHAS[rng.int(ALPHAS.length)]!);
    const loss = tidy(() => {
      // Sequences: winner then loser of each row (the same α for both).
      const seqs = batch.flatMap((r) => [r.win, r.lose]);
      const p = padBatch(seqs.map((s) => s.ids), padId);
      const B = seqs.length;
      const alpha = fromStorage(Float32Array.from(batch.flatMap((_, i) => [alphas[i]!, alphas[i]!])), [B, 1, 1], 'f32');
      const add = siteHooks(site, (h) => ops.add(h, ops.mul(ops.add(alpha, b), v)), excludeBos);
      const sub = siteHooks(site, (h) => {
        const proj = ops.add(ops.sum(ops.mul(h, v), -1, true), b);
        return ops.sub(h, ops.mul(ops.div(ops.relu(proj), ops.sum(ops.square(v))), v));
      }, excludeBos);
      const lens = seqs.map((s) => s.ids.length - s.promptLength);
      const perToken = (lp: Tensor) => ops.div(lp, fromStorage(Float32Array.from(lens), [B], 'f32'));
      const lpAdd = perToken(replyLogProbs(model.forward(p.ids, { hooks: add, padding: p.padding }), seqs, p.pad, p.T));
      const lpSub = perToken(replyLogProbs(model.forward(p.ids, { hooks: sub, padding: p.padding }), seqs, p.pad, p.T));
      const even = fromStorage(Int32Array.from(batch.map((_, i) => 2 * i)), [batch.length], 'i32');
      const odd = fromStorage(Int32Array.from(batch.map((_, i) => 2 * i + 1)), [batch.length], 'i32');
      const pick = (x: Tensor, idx: Tensor) => ops.reshape(ops.embedding(ops.reshape(x, [B, 1]), idx), [batch.length]);
      const scale = fromStorage(Float32Array.from(batch.map((r) => r.scale)), [batch.length], 'f32');
      // orig_add: y_w wins; orig_sub: y_l wins (the winner's term carries the scale).
      const zAdd = ops.sub(ops.mul(scale, pick(lpAdd, even)), pick(lpAdd, odd));
      const zSub = ops.sub(ops.mul(scale, pick(lpSub, odd)), pick(lpSub, even));
      const l = ops.neg(ops.mean(ops.add(logSigmoid(zAdd), logSigmoid(zSub))));
      l.backward();
      return l.item();
    });
    clipGradNorm([v, b], REPS_DEFAULTS.clip);
    opt.lr = linearSchedule(step, total, lr);
    opt.step();
    opt.zeroGrad();
    losses.push(loss);
    o.onStep?.(step + 1, total, loss);
  }
  return { direction: Float32Array.from(v.data as Float32Array), bias: (b.data as Float32Array)[0]!, losses, steps: total };
}

/**
 * The mean per-token preference margin log p_Φ(y_w)/|y_w| − log p_Φ(y_l)/|y_l| over the rows with
 * h + s·v added (noGrad): positive once the steered model prefers the concept reply.
 */
export function preferenceMargin(model: DecoderModel, site: string, rows: readonly RepsRow[], v: Float32Array, s: number, excludeBos: boolean, padId: number): number {
  const vt = fromStorage(v, [v.length], 'f32');
  let sum = 0;
  for (let i = 0; i < rows.length; i += 16) {
    const batch = rows.slice(i, i + 16);
    const seqs = batch.flatMap((r) => [r.win, r.lose]);
    sum += tidy(() =>
      noGrad(() => {
        const p = padBatch(seqs.map((q) => q.ids), padId);
        const hooks = siteHooks(site, (h) => ops.add(h, ops.scale(vt, s)), excludeBos);
        const lp = replyLogProbs(model.forward(p.ids, { hooks, padding: p.padding }), seqs, p.pad, p.T).toFloat('f32').data as Float32Array;
        let m = 0;
        batch.forEach((_, k) => {
          m += lp[2 * k]! / (seqs[2 * k]!.ids.length - seqs[2 * k]!.promptLength) - lp[2 * k + 1]! / (seqs[2 * k + 1]!.ids.length - seqs[2 * k + 1]!.promptLength);
        });
        return m;
      }),
    );
  }
  return sum / rows.length;
}

function fit(ctx: FitContext): Artifact {
  const site = requireSite(ctx, 'reps');
  const { rows, excludeBos } = tokenizeRows(ctx);
  if (rows.length === 0) throw new Error('reps: no training pairs');
  const padId = ctx.tokenizer.padTokenId ?? 0;
  frozenScales(ctx.model, rows, padId);
  const seed = ctx.seed ?? 0;
  const res = trainReps(ctx.model, site, rows, excludeBos, { ...(ctx.training ?? {}), seed, padId, onStep: (s, n, l) => ctx.onProgress?.(s, n, 'train', `loss ${l.toFixed(4)}`) });
  const tail = Math.max(1, Math.round(res.losses.length / 10));
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  // Derived strength: walk the margin curve until it reaches 0 (see DEFAULT_GAP_CLOSED).
  const sample = rows.slice(0, MARGIN_ROWS);
  const m0 = preferenceMargin(ctx.model, site, sample, res.direction, 0, excludeBos, padId);
  const curve: { s: number; margin: number }[] = [{ s: 0, margin: m0 }];
  const cross = (target: number): number | null => {
    const i = curve.findIndex((p) => p.margin >= target);
    if (i <= 0) return i === 0 ? 0 : null;
    const a = curve[i - 1]!;
    const b = curve[i]!;
    return a.s + ((target - a.margin) / (b.margin - a.margin)) * (b.s - a.s);
  };
  if (m0 < 0) {
    for (const sv of MARGIN_GRID) {
      curve.push({ s: sv, margin: preferenceMargin(ctx.model, site, sample, res.direction, sv, excludeBos, padId) });
      ctx.onProgress?.(curve.length - 1, MARGIN_GRID.length, 'calibrate');
      if (curve[curve.length - 1]!.margin >= 0) break;
    }
  }
  const edge = m0 >= 0 ? ALPHAS[ALPHAS.length - 1]! : cross(0) ?? MARGIN_GRID[MARGIN_GRID.length - 1]!;
  const mid = m0 >= 0 ? ALPHAS[Math.floor(ALPHAS.length / 2)]! : cross(m0 * (1 - DEFAULT_GAP_CLOSED)) ?? edge;
  const hi = edge;
  return buildArtifact({
    name: ctx.name,
    method: 'reps',
    settings: { site, objective: 'scaled simpo (beta 1, gamma 0)', pair_types: ['orig_add', 'orig_sub'], alphas: [...ALPHAS], rank: 1, lr: ctx.training?.lr ?? REPS_DEFAULTS.lr, batch_rows: ctx.training?.batchSize ?? REPS_DEFAULTS.batchSize, steps: res.steps, weight_decay: 0, chat: ctx.chat ?? false, bias: res.bias },
    model: ctx.model,
    hubId: ctx.hubId ?? null,
    interventions: [{ site, kind: 'add', positions: ctx.positions ?? 'all', excludeBos, tensors: { direction: { data: res.direction } }, defaultStrength: mid, range: [-hi, hi] }],
    training: { data_hash: dataHash(ctx.data.examples), examples: rows.length, steps: res.steps, seed, final_loss: mean(res.losses.slice(-tail)) },
    stats: { loss_start: mean(res.losses.slice(0, tail)), loss_end: mean(res.losses.slice(-tail)), bias: res.bias, direction_norm: Math.hypot(...res.direction), margin_curve_s: curve.map((p) => p.s), margin_curve: curve.map((p) => p.margin) },
  });
}

export const reps: SteeringMethod = {
  name: 'reps',
  summary: 'RePS: a rank-1 steering vector trained with a reference-free preference loss on concept vs plain replies (add to steer, null-it-out to suppress)',
  needs: 'pairs',
  fit,
};
