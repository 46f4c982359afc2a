// BiPO — Bi-directional Preference Optimization (Cao et al., NeurIPS 2024; methods.md §3.5).
// One vector v at a residual site, added at every position but BOS. Per training row (prompt q,
// r_T the reply with the target behaviour, r_O the opposite reply) a direction d ∈ {−1, +1} is
// drawn uniformly and the policy is the model with h + d·v:
//
//   L = −log σ( d·β·[log π_{dv}(r_T|q) − log π(r_T|q)] − d·β·[log π_{dv}(r_O|q) − log π(r_O|q)] )
//
// i.e. DPO with the unsteered model as the reference π (summed reply log-probabilities, computed
// once: the reference is frozen). d = −1 teaches that −v brings the opposite behaviour.
//
// From the reference code (CaoYuanpu/BiPO: train.py, trl/trainer/bipo_trainer.py): v starts at 0,
// β = 0.1 (TRL's DPO default, which train.py keeps), AdamW with weight decay 0.05, cosine decay
// after a warmup, gradient clip 1 (the HF Trainer's default). Where we differ, on purpose: d is
// drawn per row, as methods.md §3.5 states it (the reference code draws one d per batch); BOS is
// spared, as in every other method here (the reference adds v to the whole block output); the
// learning rate and epochs are ours (BIPO_DEFAULTS: the reference's 5e-4 for 20 epochs of ~700
// rows of a 7B model moves v far too little on a few dozen rows).
//
// Strengths are multiples of v (training used ±1). The default and range are derived from the
// per-token preference margin on the training rows, as for RePS (preference.ts marginStrength).

import type { SteeringMethod, FitContext } from '../types.js';
import { readOptions, type MethodOption } from '../options.js';
import { trainingOptions, type TrainingOptions } from '../training-options.js';
import type { Artifact } from '../../artifact/artifact.js';
import type { DecoderModel } from '../../models/decoder.js';
import { checkResidualSite, logSigmoid, pairBatch, replyLogProbs, rowLogProbs, siteHooks, splitPairs, type PreferenceRow } from './preference.js';
import { fitPreference, preferenceArtifact } from './fit.js';
import { runSteps, stepPlan } from '../minibatch.js';
import { fromStorage, type Tensor } from '../../tensor/tensor.js';
import * as ops from '../../tensor/ops/index.js';
import { AdamW } from '../../nn/optim.js';
import { cosineSchedule } from '../../nn/schedule.js';
import { Rng } from '../../util/rng.js';

export const BIPO_DEFAULTS = { beta: 0.1, epochs: 10, lr: 0.02, batchSize: 4, weightDecay: 0.05, warmupFraction: 0.05, clip: 1.0 } as const;

export interface BipoOptions extends TrainingOptions {
  /** The DPO temperature β (default 0.1). */
  beta?: number;
}

/**
 * The derived strength, in multiples of v: where s·v closes DEFAULT_GAP_CLOSED of the gap in the
 * per-token margin between the target and the opposite reply; range ± where the gap closes.
 */
export const DEFAULT_GAP_CLOSED = 2 / 3;
const MARGIN_GRID = Array.from({ length: 40 }, (_, i) => 0.25 * (i + 1));

export interface BipoRow extends PreferenceRow {
  /** Summed reply log-probabilities under the unsteered model (the DPO reference). */
  refWin: number;
  refLose: number;
}

/** The reference log-probabilities of every row, from one pass of the frozen model. */
export function withReference(model: DecoderModel, rows: readonly PreferenceRow[], padId: number): BipoRow[] {
  const lp = rowLogProbs(model, rows, padId);
  return rows.map((r, k) => ({ ...r, refWin: lp.win[k]!, refLose: lp.lose[k]! }));
}

/** The BiPO loss (mean over rows) for rows with directions `signs` (±1 each) and vector v. */
export function bipoLoss(model: DecoderModel, site: string, rows: readonly BipoRow[], v: Tensor, signs: readonly number[], o: { beta?: number; excludeBos: boolean; padId: number }): Tensor {
  const n = rows.length;
  if (signs.length !== n || signs.some((d) => d !== 1 && d !== -1)) throw new Error(`bipo: one direction ±1 per row, got [${signs.join(', ')}] for ${n} rows`);
  const beta = o.beta ?? BIPO_DEFAULTS.beta;
  const p = pairBatch(rows, o.padId);
  const perSeq = fromStorage(Float32Array.from(signs.flatMap((d) => [d, d])), [2 * n, 1, 1], 'f32');
  const hooks = siteHooks(site, (h) => ops.add(h, ops.mul(perSeq, v)), o.excludeBos);
  const [win, lose] = splitPairs(replyLogProbs(model.forward(p.ids, { hooks, padding: p.padding }), p.seqs, p.pad, p.T), n);
  const col = (xs: number[]) => fromStorage(Float32Array.from(xs), [n], 'f32');
  const ratio = ops.sub(ops.sub(win, col(rows.map((r) => r.refWin))), ops.sub(lose, col(rows.map((r) => r.refLose))));
  const z = ops.mul(ratio, col(signs.map((d) => d * beta)));
  return ops.neg(ops.mean(logSigmoid(z)));
}

export interface BipoResult {
  direction: Float32Array;
  losses: number[];
  steps: number;
}

export function trainBipo(model: DecoderModel, site: string, rows: readonly BipoRow[], excludeBos: boolean, o: BipoOptions & { seed?: number; padId?: number; onStep?: (s: number, n: number, loss: number) => void }): BipoResult {
  checkResidualSite('bipo', site);
  const plan = stepPlan('bipo', rows.length, o, BIPO_DEFAULTS);
  const beta = o.beta ?? BIPO_DEFAULTS.beta;
  if (!(beta > 0) || !Number.isFinite(beta)) throw new Error(`bipo: beta must be a positive number, got ${beta}`);
  const rng = new Rng(o.seed ?? 0);
  // Zero start, as the reference: the loss is exactly log 2 there and its gradient is not zero.
  const v = fromStorage(new Float32Array(model.arch.hidden), [model.arch.hidden], 'f32', true);
  const opt = new AdamW([v], { lr: plan.lr, weightDecay: BIPO_DEFAULTS.weightDecay });
  const warmup = Math.round(BIPO_DEFAULTS.warmupFraction * plan.total);
  const losses = runSteps({ plan, rows: rows.length, rng, opt, clip: BIPO_DEFAULTS.clip, lrAt: (step) => cosineSchedule(step, plan.total, plan.lr, warmup), ...(o.onStep ? { onStep: o.onStep } : {}) }, (idx) => {
    const batch = idx.map((i) => rows[i]!);
    const signs = batch.map(() => (rng.next() < 0.5 ? -1 : 1));
    return bipoLoss(model, site, batch, v, signs, { beta, excludeBos, padId: o.padId ?? 0 });
  });
  return { direction: Float32Array.from(v.data as Float32Array), losses, steps: plan.total };
}

export const BIPO_OPTIONS: readonly MethodOption[] = [
  ...trainingOptions(BIPO_DEFAULTS),
  { key: 'beta', flag: '--beta', value: '<b>', type: 'number', min: 0, default: BIPO_DEFAULTS.beta, help: 'the DPO temperature β' },
];

const parseBipoOptions = (given: object | undefined): BipoOptions => readOptions<BipoOptions>('bipo', BIPO_OPTIONS, given);

function fit(ctx: FitContext<BipoOptions>): Artifact {
  const o = parseBipoOptions(ctx.options);
  // The unsteered model already prefers the target replies: v at its training scale.
  const f = fitPreference(ctx, o, { method: 'bipo', withFrozen: withReference, train: trainBipo, grid: MARGIN_GRID, gapClosed: DEFAULT_GAP_CLOSED, fallback: { defaultStrength: 1, edge: 2 } });
  return preferenceArtifact(ctx, 'bipo', f, {
    site: f.site, objective: 'dpo against the unsteered model, direction ±1 drawn per row', beta: o.beta ?? BIPO_DEFAULTS.beta,
    lr: o.lr ?? BIPO_DEFAULTS.lr, batch_rows: o.batchSize ?? BIPO_DEFAULTS.batchSize, weight_decay: BIPO_DEFAULTS.weightDecay,
    schedule: 'cosine after warmup', steps: f.trained.steps, chat: ctx.chat ?? false,
  });
}

export const bipo: SteeringMethod<BipoOptions> = {
  name: 'bipo',
  summary: 'BiPO: one steering vector trained with a DPO loss against the unsteered model, +v for the target replies and −v for the opposite ones',
  needs: 'pairs',
  site: { use: 'required' },
  options: BIPO_OPTIONS,
  parseOptions: parseBipoOptions,
  fit,
};
