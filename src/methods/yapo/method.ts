// YaPO — Yet another Policy Optimization (Bounhar et al. 2026, "YaPO: Learnable Sparse Activation
// Steering Vectors"; code MBZUAI-Paris/YaPO): BiPO's bi-directional preference objective with the
// vector λ living in a trained SAE's latent space instead of the residual stream. Per row (prompt
// q, r_T the reply with the target behaviour, r_O the opposite one) a direction d = ±1 is drawn
// and the policy is the model with the activation at the SAE's site replaced as the reference
// code's SparseBlockWrapper does (intervene/sae-latent.ts):
//
//   h' = h + W_decᵀ(ReLU(z + d·λ) − z)/c,   z the SAE code of h (reconstruction error kept)
//
//   L = −log σ( d·β·[log π_{dλ}(r_T|q) − log π_{dλ}(r_O|q)] )                    (reference none)
//   L = −log σ( d·β·[(log π_{dλ}(r_T|q) − log π(r_T|q)) − (log π_{dλ}(r_O|q) − log π(r_O|q))] )
//                                                                              (reference unsteered)
//
// The paper calls YaPO reference-free (no reference policy), the default here; its released code
// computes reference log-probabilities from the same model with the steering off (the DPO form,
// BiPO's), which `--reference unsteered` gives. From the reference code: λ starts at 0, β 0.1,
// AdamW with weight decay 0.05, cosine decay after warmup, clip 1; ReLU keeps latents
// non-negative. Ours, as for our BiPO: d drawn per row (the code draws one per batch), BOS spared,
// learning rate and epochs for a few dozen rows (the code's 5e-4 × 20 epochs is for ~700 rows of a
// 2B model). Only latents that are active somewhere in the training replies get a gradient from
// λ = 0 (ReLU'(0) = 0), so λ stays sparse. Strengths are multiples of λ, derived from the
// preference margin as for BiPO.

import type { SteeringMethod, FitContext } from '../types.js';
import { requireSite } from '../types.js';
import { choice, readOptions, type MethodOption } from '../options.js';
import { trainingOptions, type TrainingOptions } from '../training-options.js';
import { runSteps, stepPlan } from '../minibatch.js';
import { buildArtifact, dataHash } from '../build.js';
import { checkResidualSite, logSigmoid, pairBatch, replyLogProbs, splitPairs, siteHooks, type PreferenceRow } from '../preference/preference.js';
import { withReference, type BipoRow } from '../preference/bipo.js';
import { fitPreference, type TrainedVector } from '../preference/fit.js';
import { SAE_OPTION, saeFor } from '../sae/method.js';
import type { Artifact } from '../../artifact/artifact.js';
import type { DecoderModel } from '../../models/decoder.js';
import type { Sae } from '../../sae/sae.js';
import { steerLatents, type SaeLatentTensors } from '../../intervene/sae-latent.js';
import { fromStorage, type Tensor } from '../../tensor/tensor.js';
import * as ops from '../../tensor/ops/index.js';
import { AdamW } from '../../nn/optim.js';
import { cosineSchedule } from '../../nn/schedule.js';
import { Rng } from '../../util/rng.js';

export const YAPO_DEFAULTS = { beta: 0.1, epochs: 10, lr: 0.05, batchSize: 4, weightDecay: 0.05, warmupFraction: 0.05, clip: 1.0 } as const;
export const YAPO_REFERENCES = ['none', 'unsteered'] as const;

export interface YapoOptions extends TrainingOptions {
  sae?: string;
  beta?: number;
  /** none (the paper: reference-free) or unsteered (the released code: DPO against the model without λ). */
  reference?: (typeof YAPO_REFERENCES)[number];
}

export const YAPO_OPTIONS: readonly MethodOption[] = [
  SAE_OPTION,
  ...trainingOptions(YAPO_DEFAULTS),
  { key: 'beta', flag: '--beta', value: '<b>', type: 'number', min: 0, default: YAPO_DEFAULTS.beta, help: 'the DPO temperature β' },
  { key: 'reference', flag: '--reference', value: '<none|unsteered>', type: 'string', default: 'none', parse: choice('--reference', YAPO_REFERENCES), help: 'none: reference-free, as the paper; unsteered: DPO against the model without λ, as its released code' },
];

const DEFAULT_GAP_CLOSED = 2 / 3;
const MARGIN_GRID = Array.from({ length: 40 }, (_, i) => 0.25 * (i + 1));

const parse = (given: object | undefined): YapoOptions => readOptions<YapoOptions>('yapo', YAPO_OPTIONS, given);

export function latentTensors(sae: Sae): SaeLatentTensors {
  return {
    wEnc: fromStorage(sae.wEnc, [sae.width, sae.d], 'f32'), bEnc: fromStorage(sae.bEnc, [sae.width], 'f32'),
    wDec: fromStorage(sae.wDec, [sae.width, sae.d], 'f32'), bDec: fromStorage(sae.bDec, [sae.d], 'f32'), inputScale: sae.inputScale, k: sae.k,
  };
}

/** Rows without reference log-probabilities (reference-free: they count as 0). */
const referenceFree = (_m: DecoderModel, rows: readonly PreferenceRow[]): BipoRow[] => rows.map((r) => ({ ...r, refWin: 0, refLose: 0 }));

/** The YaPO loss (mean over rows) for directions `signs` (±1 per row) and latent vector λ. */
export function yapoLoss(model: DecoderModel, site: string, sae: SaeLatentTensors, rows: readonly BipoRow[], lambda: Tensor, signs: readonly number[], o: { beta: number; excludeBos: boolean; padId: number }): Tensor {
  const n = rows.length;
  if (signs.length !== n || signs.some((d) => d !== 1 && d !== -1)) throw new Error(`yapo: one direction ±1 per row, got [${signs.join(', ')}] for ${n} rows`);
  const p = pairBatch(rows, o.padId);
  const W = lambda.size;
  const perSeq = fromStorage(Float32Array.from(signs.flatMap((d) => [d, d])), [2 * n, 1, 1], 'f32');
  const hooks = siteHooks(site, (h) => steerLatents(sae, h, ops.mul(perSeq, ops.reshape(lambda, [1, 1, W]))), o.excludeBos);
  const [win, lose] = splitPairs(replyLogProbs(model.forward(p.ids, { hooks, padding: p.padding }), p.seqs, p.pad, p.T), n);
  const col = (xs: number[]) => fromStorage(Float32Array.from(xs), [n], 'f32');
  const ratio = ops.sub(ops.sub(win, col(rows.map((r) => r.refWin))), ops.sub(lose, col(rows.map((r) => r.refLose))));
  return ops.neg(ops.mean(logSigmoid(ops.mul(ratio, col(signs.map((d) => d * o.beta))))));
}

export function trainYapo(model: DecoderModel, site: string, sae: Sae, rows: readonly BipoRow[], excludeBos: boolean, o: YapoOptions & { seed?: number; padId?: number; onStep?: (s: number, n: number, loss: number) => void }): TrainedVector {
  checkResidualSite('yapo', site);
  const plan = stepPlan('yapo', rows.length, o, YAPO_DEFAULTS);
  const beta = o.beta ?? YAPO_DEFAULTS.beta;
  if (!(beta > 0) || !Number.isFinite(beta)) throw new Error(`yapo: beta must be a positive number, got ${beta}`);
  const rng = new Rng(o.seed ?? 0);
  const t = latentTensors(sae);
  const lambda = fromStorage(new Float32Array(sae.width), [sae.width], 'f32', true);
  const opt = new AdamW([lambda], { lr: plan.lr, weightDecay: YAPO_DEFAULTS.weightDecay });
  const warmup = Math.round(YAPO_DEFAULTS.warmupFraction * plan.total);
  const losses = runSteps({ plan, rows: rows.length, rng, opt, clip: YAPO_DEFAULTS.clip, lrAt: (step) => cosineSchedule(step, plan.total, plan.lr, warmup), ...(o.onStep ? { onStep: o.onStep } : {}) }, (idx) => {
    const batch = idx.map((i) => rows[i]!);
    const signs = batch.map(() => (rng.next() < 0.5 ? -1 : 1));
    return yapoLoss(model, site, t, batch, lambda, signs, { beta, excludeBos, padId: o.padId ?? 0 });
  });
  return { direction: Float32Array.from(lambda.data as Float32Array), losses, steps: plan.total };
}

/** How concentrated λ is: the fewest latents that hold 90% of ‖λ‖². */
export function activeLatents(lambda: Float32Array): number {
  const sq = Array.from(lambda, (x) => x * x).sort((a, b) => b - a);
  const total = sq.reduce((s, x) => s + x, 0);
  if (total === 0) return 0;
  let acc = 0;
  for (let i = 0; i < sq.length; i++) if ((acc += sq[i]!) >= 0.9 * total) return i + 1;
  return sq.length;
}

function fit(ctx: FitContext<YapoOptions>): Artifact {
  const o = parse(ctx.options);
  const site = requireSite(ctx, 'yapo');
  const sae = saeFor(ctx, o.sae, 'yapo');
  const t = latentTensors(sae);
  const reference = o.reference ?? 'none';
  const f = fitPreference(ctx, o, {
    method: 'yapo',
    withFrozen: reference === 'none' ? referenceFree : withReference,
    train: (model, s, rows, excludeBos, oo) => trainYapo(model, s, sae, rows, excludeBos, oo),
    grid: MARGIN_GRID, gapClosed: DEFAULT_GAP_CLOSED, fallback: { defaultStrength: 1, edge: 2 },
    steer: (v, s) => {
      const lam = fromStorage(Float32Array.from(v, (x) => x * s), [v.length], 'f32');
      return (h) => steerLatents(t, h, lam);
    },
  });
  const lambda = f.trained.direction;
  const st = f.strength;
  return buildArtifact({
    name: ctx.name,
    method: 'yapo',
    settings: {
      site, sae: o.sae, objective: reference === 'none' ? 'bi-directional preference, reference-free' : 'bi-directional dpo against the unsteered model', reference,
      beta: o.beta ?? YAPO_DEFAULTS.beta, lr: o.lr ?? YAPO_DEFAULTS.lr, batch_rows: o.batchSize ?? YAPO_DEFAULTS.batchSize, weight_decay: YAPO_DEFAULTS.weightDecay,
      schedule: 'cosine after warmup', steps: f.trained.steps, chat: ctx.chat ?? false,
    },
    model: ctx.model,
    hubId: ctx.hubId ?? null,
    interventions: [{
      site, kind: 'sae-latent', positions: ctx.positions ?? 'all', excludeBos: f.excludeBos,
      tensors: { latent: { data: lambda }, w_enc: { data: sae.wEnc, shape: [sae.width, sae.d] }, b_enc: { data: sae.bEnc }, w_dec: { data: sae.wDec, shape: [sae.width, sae.d] }, b_dec: { data: sae.bDec } },
      defaultStrength: st.defaultStrength, range: [-st.edge, st.edge], values: { input_scale: sae.inputScale, k: sae.k ?? 0 },
    }],
    training: { data_hash: dataHash(ctx.data.examples), examples: f.rows, steps: f.trained.steps, seed: f.seed, final_loss: f.loss.end },
    stats: { loss_start: f.loss.start, loss_end: f.loss.end, latent_norm: Math.hypot(...lambda), latents_90: activeLatents(lambda), latents_moved: lambda.filter((x) => x !== 0).length, margin_curve_s: st.curve.map((p) => p.s), margin_curve: st.curve.map((p) => p.margin) },
  });
}

export const yapo: SteeringMethod<YapoOptions> = {
  name: 'yapo',
  summary: "YaPO: a sparse steering vector in an SAE's latent space trained with a bi-directional preference loss (+λ for the target replies, −λ for the opposite)",
  needs: 'pairs',
  site: { use: 'required' },
  options: YAPO_OPTIONS,
  parseOptions: parse,
  fit,
};
