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

import type { SteeringMethod, FitContext } from '../types.js';
import { readOptions, type MethodOption } from '../options.js';
import { trainingOptions, type TrainingOptions } from '../training-options.js';
import type { Artifact } from '../../artifact/artifact.js';
import type { DecoderModel } from '../../models/decoder.js';
import { checkResidualSite, logSigmoid, pairBatch, replyLength, replyLogProbs, rowLogProbs, siteHooks, splitPairs, type PreferenceRow } from './preference.js';
import { fitPreference, preferenceArtifact } from './fit.js';
import { runSteps, stepPlan } from '../minibatch.js';
import { fromStorage, type Tensor } from '../../tensor/tensor.js';
import * as ops from '../../tensor/ops/index.js';
import { AdamW } from '../../nn/optim.js';
import { linearSchedule } from '../../nn/schedule.js';
import { Rng } from '../../util/rng.js';

/** The steering factors α a training row draws from (AxBench's 2, 4, …, 20). */
export const ALPHAS = [2, 4, 6, 8, 10, 12, 14, 16, 18, 20] as const;
export const REPS_DEFAULTS = { epochs: 18, lr: 0.04, batchSize: 6, clip: 1.0, initNorm: 0.05 } as const;

/**
 * The derived strength (multiples of v) comes from the objective itself, on the training rows
 * (preference.ts marginStrength): the per-token preference margin (concept reply minus plain
 * reply) is negative unsteered and rises with s. Default: where s·v has closed DEFAULT_GAP_CLOSED
 * of the gap; range edge: where the margin reaches 0 (the steered model prefers the concept reply
 * outright). Measured on the organism (topics, layer 2, 12 epochs): the margin rises about
 * linearly and crosses 0 at s ≈ 24–28, where replies start to break; greedy replies carry the
 * topic and parse from s ≈ 16 (ocean 0.75/1.00, space 0.75/1.00 at 16; sports 0.94/0.81 at 20),
 * which is where two thirds of the gap are closed (s ≈ 15–18).
 */
export const DEFAULT_GAP_CLOSED = 2 / 3;
const MARGIN_GRID = Array.from({ length: 40 }, (_, i) => 2 * (i + 1));

export interface RepsRow extends PreferenceRow {
  /** log p(y_l|x) − log p(y_w|x) under the frozen model, floored at 1 (the SimPO scale). */
  scale: number;
}

/** The frozen model's SimPO scale per row. */
function withFrozenScales(model: DecoderModel, rows: readonly PreferenceRow[], padId: number): RepsRow[] {
  const lp = rowLogProbs(model, rows, padId);
  return rows.map((r, k) => ({ ...r, scale: Math.max(lp.lose[k]! - lp.win[k]!, 1) }));
}

export interface RepsResult {
  direction: Float32Array;
  bias: number;
  losses: number[];
  steps: number;
}

export function trainReps(model: DecoderModel, site: string, rows: readonly RepsRow[], excludeBos: boolean, o: TrainingOptions & { seed?: number; padId?: number; onStep?: (s: number, n: number, loss: number) => void }): RepsResult {
  const d = model.arch.hidden;
  const padId = o.padId ?? 0;
  const plan = stepPlan('reps', rows.length, o, REPS_DEFAULTS);
  checkResidualSite('reps', site);
  const rng = new Rng(o.seed ?? 0);
  const init = new Float32Array(d);
  let n0 = 0;
  for (let i = 0; i < d; i++) n0 += (init[i] = rng.normal()) ** 2;
  for (let i = 0; i < d; i++) init[i] = (init[i]! / Math.sqrt(n0)) * REPS_DEFAULTS.initNorm;
  const v = fromStorage(init, [d], 'f32', true);
  const b = fromStorage(new Float32Array(1), [1], 'f32', true);
  const opt = new AdamW([v, b], { lr: plan.lr, weightDecay: 0 });
  const losses = runSteps({ plan, rows: rows.length, rng, opt, clip: REPS_DEFAULTS.clip, lrAt: (step) => linearSchedule(step, plan.total, plan.lr), ...(o.onStep ? { onStep: o.onStep } : {}) }, (idx) => {
    const batch = idx.map((i) => rows[i]!);
    const alphas = batch.map(() => ALPHAS[rng.int(ALPHAS.length)]!);
    // Sequences: winner then loser of each row (the same α for both).
    const p = pairBatch(batch, padId);
    const B = p.seqs.length;
    const alpha = fromStorage(Float32Array.from(batch.flatMap((_, i) => [alphas[i]!, alphas[i]!])), [B, 1, 1], 'f32');
    const add = siteHooks(site, (h) => ops.add(h, ops.mul(ops.add(alpha, b), v)), excludeBos);
    const sub = siteHooks(site, (h) => {
      const proj = ops.add(ops.sum(ops.mul(h, v), -1, true), b);
      return ops.sub(h, ops.mul(ops.div(ops.relu(proj), ops.sum(ops.square(v))), v));
    }, excludeBos);
    const lens = p.seqs.map(replyLength);
    const perToken = (lp: Tensor) => ops.div(lp, fromStorage(Float32Array.from(lens), [B], 'f32'));
    const lpAdd = perToken(replyLogProbs(model.forward(p.ids, { hooks: add, padding: p.padding }), p.seqs, p.pad, p.T));
    const lpSub = perToken(replyLogProbs(model.forward(p.ids, { hooks: sub, padding: p.padding }), p.seqs, p.pad, p.T));
    const [winAdd, loseAdd] = splitPairs(lpAdd, batch.length);
    const [winSub, loseSub] = splitPairs(lpSub, batch.length);
    const scale = fromStorage(Float32Array.from(batch.map((r) => r.scale)), [batch.length], 'f32');
    // orig_add: y_w wins; orig_sub: y_l wins (the winner's term carries the scale).
    const zAdd = ops.sub(ops.mul(scale, winAdd), loseAdd);
    const zSub = ops.sub(ops.mul(scale, loseSub), winSub);
    return ops.neg(ops.mean(ops.add(logSigmoid(zAdd), logSigmoid(zSub))));
  });
  return { direction: Float32Array.from(v.data as Float32Array), bias: (b.data as Float32Array)[0]!, losses, steps: plan.total };
}

export type RepsOptions = TrainingOptions;

export const REPS_OPTIONS: readonly MethodOption[] = trainingOptions(REPS_DEFAULTS);

const parseRepsOptions = (given: object | undefined): RepsOptions => readOptions<RepsOptions>('reps', REPS_OPTIONS, given);

function fit(ctx: FitContext<RepsOptions>): Artifact {
  const o = parseRepsOptions(ctx.options);
  // Derived strength: walk the margin curve until it reaches 0 (see DEFAULT_GAP_CLOSED).
  const f = fitPreference(ctx, o, {
    method: 'reps', withFrozen: withFrozenScales, train: trainReps, grid: MARGIN_GRID, gapClosed: DEFAULT_GAP_CLOSED,
    fallback: { defaultStrength: ALPHAS[Math.floor(ALPHAS.length / 2)]!, edge: ALPHAS[ALPHAS.length - 1]! },
  });
  const { bias } = f.trained;
  return preferenceArtifact(
    ctx,
    'reps',
    f,
    { site: f.site, objective: 'scaled simpo (beta 1, gamma 0)', pair_types: ['orig_add', 'orig_sub'], alphas: [...ALPHAS], rank: 1, lr: o.lr ?? REPS_DEFAULTS.lr, batch_rows: o.batchSize ?? REPS_DEFAULTS.batchSize, steps: f.trained.steps, weight_decay: 0, chat: ctx.chat ?? false, bias },
    { bias },
  );
}

export const reps: SteeringMethod<RepsOptions> = {
  name: 'reps',
  summary: 'RePS: a rank-1 steering vector trained with a reference-free preference loss on concept vs plain replies (add to steer, null-it-out to suppress)',
  needs: 'pairs',
  site: { use: 'required' },
  options: REPS_OPTIONS,
  parseOptions: parseRepsOptions,
  fit,
};
