// LinEAS training (methods.md §3.6): coordinate-wise affine maps ω⊙h + b at every site, all active
// in one forward pass (end to end: a site's input already carries the maps below it). Target
// activations come once from the unsteered model on the target texts; source activations are
// recomputed every step through the maps. Loss: Σ over sites and coordinates of the 1-D W₂²
// between the source and target samples (per-text means of the completion tokens by default,
// data.ts Pooling), equal sizes by subsampling the larger side.
// Each step: Adam's step on (ω, b), then the sparse-group-lasso prox (prox.ts).
//
// Adam rather than the paper's plain gradient step: residual coordinates differ in scale by orders
// of magnitude (outlier dimensions), and the gradient of ω_j grows with h_j², so one plain step
// size does not suit them all. The prox uses the step's learning rate as γ.

import type { DecoderModel } from '../../models/decoder.js';
import type { TokenizedExample } from '../../activations/collect.js';
import type { TrainingOptions } from '../training-options.js';
import { parseSite } from '../../models/hooks.js';
import { fromStorage, type Tensor } from '../../tensor/tensor.js';
import { tidy } from '../../tensor/scope.js';
import { noGrad } from '../../tensor/tape.js';
import * as ops from '../../tensor/ops/index.js';
import { Hooks } from '../../models/hooks.js';
import { ScaleShiftIntervention, hooksFor } from '../../intervene/index.js';
import { AdamW } from '../../nn/optim.js';
import { cosineSchedule } from '../../nn/schedule.js';
import { Rng } from '../../util/rng.js';
import { runSteps, stepPlan } from '../minibatch.js';
import { poolSamples, siteActivations, type Pooling } from './data.js';
import { sortColumns, w2Loss } from './w2.js';
import { checkSparsity, proxSparseGroup, type Sparsity } from './prox.js';

export const LINEAS_DEFAULTS = { epochs: 60, lr: 0.1, batchSize: 32, l1: 0.1, group: 1, pooling: 'mean' as Pooling };

/** The deepest block a list of sites needs (the forward stops after it). */
export function blocksNeeded(model: DecoderModel, sites: readonly string[]): number {
  let deepest = 0;
  for (const s of sites) {
    const p = parseSite(s, model.arch.layers);
    if (p.kind === 'final_norm' || p.kind === 'attn.z' || p.kind === 'mlp.act') throw new Error(`lineas: maps residual-width sites (embed, layers.N.resid_*, attn.out, mlp.out), not ${s}`);
    deepest = Math.max(deepest, p.layer === null ? 0 : p.layer + 1);
  }
  return deepest;
}

/** The target samples at each site, [N, d] row-major, from the unsteered model. */
export function targetActivations(model: DecoderModel, texts: readonly TokenizedExample[], sites: readonly string[], o: { batchSize: number; padId: number; pooling: Pooling; onProgress?: (done: number, total: number) => void }): Map<string, Float32Array> {
  const stop = blocksNeeded(model, sites);
  const parts = new Map<string, Float32Array[]>(sites.map((s) => [s, []]));
  for (let i = 0; i < texts.length; i += o.batchSize) {
    tidy(() =>
      noGrad(() => {
        const a = siteActivations(model, texts.slice(i, i + o.batchSize), sites, new Hooks(), stop, o.padId);
        for (const s of sites) parts.get(s)!.push(Float32Array.from(poolSamples(a.bySite.get(s)!, a.groups, o.pooling).toFloat('f32').data as Float32Array));
      }),
    );
    o.onProgress?.(Math.min(i + o.batchSize, texts.length), texts.length);
  }
  return new Map(sites.map((s) => {
    const ps = parts.get(s)!;
    const out = new Float32Array(ps.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of ps) (out.set(p, off), (off += p.length));
    return [s, out];
  }));
}

/** n distinct indices of [0, N), or all of them in order when n = N. */
function subsample(N: number, n: number, rng: Rng): number[] {
  const all = Array.from({ length: N }, (_, i) => i);
  return n >= N ? all : rng.shuffle(all).slice(0, n);
}

export interface Maps {
  sites: string[];
  interventions: ScaleShiftIntervention[];
}

/** Identity maps (ω = 1, b = 0) at the sites, trainable. */
export function identityMaps(model: DecoderModel, sites: readonly string[], excludeBos: boolean): Maps {
  const d = model.arch.hidden;
  return {
    sites: [...sites],
    interventions: sites.map((s) => new ScaleShiftIntervention(s, fromStorage(new Float32Array(d).fill(1), [d], 'f32', true), fromStorage(new Float32Array(d), [d], 'f32', true), { excludeBos })),
  };
}

/**
 * The LinEAS loss for one batch of source texts through the maps: Σ_sites Σ_j W₂² between the
 * source samples and a draw of as many target samples (or the other way round when the target has
 * fewer).
 */
export function lineasLoss(model: DecoderModel, maps: Maps, source: readonly TokenizedExample[], target: ReadonlyMap<string, Float32Array>, o: { rng: Rng; padId: number; pooling: Pooling }): Tensor {
  const d = model.arch.hidden;
  const a = siteActivations(model, source, maps.sites, hooksFor(maps.interventions, model.arch.layers), blocksNeeded(model, maps.sites), o.padId);
  const nSource = o.pooling === 'all' ? a.groups.reduce((k, g) => k + g.length, 0) : a.groups.length;
  const nTarget = target.get(maps.sites[0]!)!.length / d;
  const n = Math.min(nSource, nTarget);
  const srcRows = subsample(nSource, n, o.rng);
  let loss: Tensor | null = null;
  for (const s of maps.sites) {
    const pool = target.get(s)!;
    const picked = new Float32Array(n * d);
    subsample(nTarget, n, o.rng).forEach((r, k) => picked.set(pool.subarray(r * d, (r + 1) * d), k * d));
    const l = w2Loss(poolSamples(a.bySite.get(s)!, a.groups, o.pooling), srcRows, sortColumns(picked, n, d));
    loss = loss ? ops.add(loss, l) : l;
  }
  return loss!;
}

export interface LineasResult {
  scale: Float32Array[];
  bias: Float32Array[];
  losses: number[];
  steps: number;
}

export function trainLineas(
  model: DecoderModel,
  sites: readonly string[],
  texts: { source: readonly TokenizedExample[]; target: ReadonlyMap<string, Float32Array> },
  excludeBos: boolean,
  o: TrainingOptions & Partial<Sparsity> & { pooling?: Pooling; seed?: number; padId?: number; onStep?: (s: number, n: number, loss: number) => void },
): LineasResult {
  const sparsity = { l1: o.l1 ?? LINEAS_DEFAULTS.l1, group: o.group ?? LINEAS_DEFAULTS.group };
  checkSparsity(sparsity);
  const plan = stepPlan('lineas', texts.source.length, o, LINEAS_DEFAULTS);
  const rng = new Rng(o.seed ?? 0);
  const maps = identityMaps(model, sites, excludeBos);
  const params = maps.interventions.flatMap((iv) => iv.parameters());
  const opt = new AdamW(params, { lr: plan.lr, weightDecay: 0 });
  const prox = () => {
    for (const iv of maps.interventions) {
      proxSparseGroup(iv.scale.f as Float32Array, 1, opt.lr, sparsity);
      proxSparseGroup(iv.bias.f as Float32Array, 0, opt.lr, sparsity);
    }
  };
  const pooling = o.pooling ?? LINEAS_DEFAULTS.pooling;
  const losses = runSteps({ plan, rows: texts.source.length, rng, opt, lrAt: (step) => cosineSchedule(step, plan.total, plan.lr), afterStep: prox, ...(o.onStep ? { onStep: o.onStep } : {}) }, (idx) =>
    lineasLoss(model, maps, idx.map((i) => texts.source[i]!), texts.target, { rng, padId: o.padId ?? 0, pooling }),
  );
  return {
    scale: maps.interventions.map((iv) => Float32Array.from(iv.scale.f)),
    bias: maps.interventions.map((iv) => Float32Array.from(iv.bias.f)),
    losses,
    steps: plan.total,
  };
}
