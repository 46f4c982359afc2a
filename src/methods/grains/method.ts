// GrAInS (Nguyen et al. 2025, "Gradient-based Attribution for Inference-Time Steering"; reference
// code duykhuongnguyen/GrAInS): contrastive integrated-gradients attribution of each pair's tokens
// for log p(preferred) − log p(dispreferred) (attribution.ts), a direction from the activations of
// the most positively and most negatively attributed tokens (vector.ts), applied at one site with
// each token's norm preserved: h' = (h + s·v̂)·‖h‖/‖h + s·v̂‖ (the `add-renorm` intervention).
//
// Strength: the reference adds 10·α·v (α = 4) at the last layer of Llama-3.1-8B, a number in that
// model's activation units. Here v̂ is a unit vector and the default strength is calibrated on the
// model as the direction methods' is (calibrate.ts): the s at which the norm-preserving edit moves
// the next-token distribution of the dispreferred replies by 0.4 nats per token; the range is ± the
// s at 1.0 nat. Where the edit never moves the output that far (it saturates at s → ∞, every token
// turned onto ‖h‖·v̂) the default falls back to ρ, the range to ±2ρ.
import type { SteeringMethod } from '../types.js';
import { requireSite } from '../types.js';
import { readOptions } from '../options.js';
import { buildArtifact, dataHash } from '../build.js';
import { checkResidualSite, tokenizePairs } from '../preference/preference.js';
import { klCurve, crossing, DEFAULT_KL, EDGE_KL, FRACTION_GRID } from '../calibrate.js';
import { RenormAddIntervention } from '../../intervene/interventions.js';
import { hooksFor } from '../../intervene/apply.js';
import { fromStorage } from '../../tensor/tensor.js';
import { GRAINS_DEFAULTS, GRAINS_OPTIONS, type GrainsOptions } from './options.js';
import { grainsVector } from './vector.js';

const parseOptions = (given: object | undefined) => readOptions<GrainsOptions>('grains', GRAINS_OPTIONS, given);

export const grains: SteeringMethod<GrainsOptions> = {
  name: 'grains',
  summary: 'integrated-gradients token attribution → norm-preserving steering vector (GrAInS)',
  needs: 'pairs',
  site: { use: 'required' },
  options: GRAINS_OPTIONS,
  parseOptions,
  fit(ctx) {
    const o = { ...GRAINS_DEFAULTS, ...parseOptions(ctx.options) };
    const site = requireSite(ctx, 'grains');
    checkResidualSite('grains', site);
    const { rows, excludeBos } = tokenizePairs(ctx, 'grains');
    const tok = ctx.tokenizer;
    const maskId = tok.padTokenId ?? tok.eosTokenId ?? 0;
    const v = grainsVector(ctx.model, rows, site, { k: o.topK, steps: o.igSteps, summary: o.summary, maskId, skipBos: excludeBos, skipIds: o.attribute === 'prompt' ? tok.specialIds : new Set<number>(), attribute: o.attribute, baseline: o.baseline, onProgress: (d, t) => ctx.onProgress?.(d, t, 'attribution') });
    const dir = fromStorage(Float32Array.from(v.u), [v.u.length], 'f32');
    const opts = { positions: ctx.positions ?? 'all', excludeBos };
    const negatives = rows.map((r) => ({ ids: r.lose.ids, start: r.lose.promptLength, end: r.lose.ids.length }));
    const curve = klCurve(ctx.model, negatives, FRACTION_GRID.map((f) => f * v.rho), (s) => hooksFor([new RenormAddIntervention(site, dir, { ...opts, strength: s })], ctx.model.arch.layers), { onProgress: (d, t) => ctx.onProgress?.(d, t, 'strength') });
    const def = crossing(curve, DEFAULT_KL);
    const edge = crossing(curve, EDGE_KL);
    const [defaultStrength, range] = def !== null && edge !== null ? [def, edge] : [v.rho, 2 * v.rho];
    return buildArtifact({
      name: ctx.name,
      method: 'grains',
      settings: { site, chat: ctx.chat ?? false, top_k: o.topK, ig_steps: o.igSteps, summary: o.summary, attribute: o.attribute, baseline: o.baseline === 'zero' ? 'zero embedding' : 'mask-token embedding', mask_token: maskId, strength_rule: def !== null && edge !== null ? 'kl' : 'rho' },
      model: ctx.model,
      hubId: ctx.hubId ?? null,
      interventions: [{ site, kind: 'add-renorm', positions: ctx.positions ?? 'all', excludeBos, tensors: { direction: { data: Float32Array.from(v.u) } }, defaultStrength, range: [-range, range] }],
      training: { data_hash: dataHash(ctx.data.examples), examples: rows.length, steps: 0, seed: ctx.seed ?? null, final_loss: null },
      stats: { token_norm: v.rho, raw_norm: v.rawNorm, parts_cosine: v.partsCosine, strength_rule_kl: DEFAULT_KL, strength_edge_kl: EDGE_KL, kl_curve_strength: curve.map((p) => p.strength), kl_curve_kl: curve.map((p) => p.kl) },
    });
  },
};
