// Directional ablation (Arditi et al. 2024, methods.md §3.3): the difference of class means at the
// last prompt token (positives: prompts that trigger the behaviour, e.g. harmful requests that get
// refused; negatives: prompts that do not), read at one site, then projected out of the residual
// stream everywhere: every layer's input and every attention and MLP output, at every position.
// Strength 1 removes the whole component (h − (h·r̂)r̂); 0.5 removes half of it.
//
// The equivalent weight edit (orthogonalising the matrices that write into the residual stream) is
// `steerling export merged` (src/export/merged.ts). Not here yet: the paper's automatic choice of
// layer and post-instruction position (by bypass/induce scores and a KL bound).

import type { SteeringMethod } from './types.js';
import { readActivations, classMeanDifference } from './direction-fit.js';
import { normalize } from './linalg.js';
import { projectionStats } from './strength.js';
import { buildArtifact, dataHash, type FittedIntervention } from './build.js';

/** The sites an ablation acts on: each layer's residual input and both component outputs. */
export function ablationSites(layers: number): string[] {
  const out: string[] = [];
  for (let l = 0; l < layers; l++) out.push(`layers.${l}.resid_pre`, `layers.${l}.attn.out`, `layers.${l}.mlp.out`);
  return out;
}

export const ablation: SteeringMethod = {
  name: 'ablation',
  summary: 'directional ablation: project the class-mean difference at the last prompt token out of every layer (Arditi et al.)',
  needs: 'pairs-or-labelled',
  fit(ctx) {
    if (ctx.reduce !== undefined && ctx.reduce !== 'last') throw new Error(`ablation reads the last token of each example; --reduce ${ctx.reduce} does not apply`);
    const acts = readActivations({ ...ctx, reduce: 'last' });
    const npos = acts.labels.filter((l) => l === 1).length;
    const nneg = acts.labels.length - npos;
    if (npos === 0 || nneg === 0) throw new Error(`ablation needs examples of both labels (got ${npos} positive, ${nneg} negative)`);
    const u = normalize(classMeanDifference(acts));
    const direction = { data: Float32Array.from(u) };
    const interventions: FittedIntervention[] = ablationSites(ctx.model.arch.layers).map((site) => ({
      site,
      kind: 'ablate',
      positions: ctx.positions ?? 'all',
      tensors: { direction },
      defaultStrength: 1,
      range: [0, 1],
    }));
    return buildArtifact({
      name: ctx.name,
      method: 'ablation',
      settings: { site: ctx.site, reduce: 'last', chat: ctx.chat ?? false },
      model: ctx.model,
      hubId: ctx.hubId ?? null,
      interventions,
      training: { data_hash: dataHash(ctx.data.examples), examples: acts.labels.length, steps: 0, seed: ctx.seed ?? null, final_loss: null },
      stats: { ...projectionStats(acts.data, acts.width, acts.labels, u, acts.tokenNorm) },
    });
  },
};
