// Selective Steering (methods.md §3.7; knoveleng/steering): a norm-preserving rotation of the
// residual stream inside one plane, applied only at the layers where the two classes sit on
// opposite sides of the feature direction.
//
// From labelled prompts read at their last token (as `ablation` reads them):
//   candidates  the unit class-mean difference at every layer's two residual sites, resid_pre and
//               resid_mid (the inputs of the block's two norms, which the reference hooks)
//   b1          the candidate at --site, else the one with the highest mean cosine to all
//               candidates (the reference's choice)
//   b2          the candidates' first principal component, orthogonalised against b1
//   layers      ℓ is rotated iff at both its sites the mean projections of the L2-normalised
//               positive and negative activations on b1 have opposite signs
// Each selected layer gets a `rotate` intervention at layers.ℓ.resid_pre holding b1 and b2: the
// stream entering the block turns by θ inside the plane, ‖h‖ and everything off the plane kept.
//
// Sign: b2 is flipped per layer so that the turn from the negative class mean to the positive one
// is counter-clockwise (from b1 toward b2) there; then θ > 0 turns activations toward the positive
// class (induce the behaviour) and θ < 0 away from it (e.g. bypass refusal), the same convention
// as an added direction.
//
// Strength θ (degrees), from the data: at a selected layer the in-plane angle from the negative
// class mean to the positive one (means of L2-normalised activations) is Δℓ. The reference hooks
// the norms' outputs, which the residual stream does not carry forward; here the rotation acts on
// the residual stream, so the stream entering the k-th of k selected layers has been turned k times
// already. The default is therefore Δ/k (Δ the mean of the Δℓ): after all k selected layers the
// negative class mean has turned by Δ in total, onto the positive class's angle. The range is
// ±180°/k: a total turn past a half-turn brings the stream back toward where it started. Measured on
// the organism (README, Selective Steering): at −Δ/k held-out harmful requests are refused 0–5%
// (from 100%), at −Δ (no division by k) 70% again.
//
// Adaptive variant (threshold t): only tokens with h·b1 > t turn, so prompts that do not carry the
// feature are left alone when steering away from it.

import type { SteeringMethod, FitContext } from '../types.js';
import { readOptions, type MethodOption } from '../options.js';
import type { Artifact } from '../../artifact/artifact.js';
import { tokenizeExamples } from '../../activations/tokenize.js';
import { collectAtSites } from '../../activations/collect.js';
import { buildArtifact, dataHash, type FittedIntervention } from '../build.js';
import { parseSite } from '../../models/hooks.js';
import { candidateDirection, mostCentral, secondBasis, meanUnitProjection, discriminativeLayers, classTurn } from './plane.js';

export interface SelectiveOptions {
  /** Adaptive: rotate only tokens whose projection on b1 exceeds this (default: every token). */
  threshold?: number;
}

export const SELECTIVE_OPTIONS: readonly MethodOption[] = [
  {
    key: 'threshold', flag: '--threshold', value: '<t>', type: 'number', help: 'adaptive: rotate only tokens whose projection on the direction exceeds t (default: every token)',
    elsewhere: (m, owners) => `--threshold applies to ${owners.join(', ')}; ${m.name} has no adaptive gate`,
  },
];

const parseSelectiveOptions = (given: object | undefined): SelectiveOptions => readOptions<SelectiveOptions>('selective', SELECTIVE_OPTIONS, given);

/** The sites whose candidates make the plane and decide the layers: each block's two norm inputs. */
export function selectiveSites(layers: number): string[][] {
  return Array.from({ length: layers }, (_, l) => [`layers.${l}.resid_pre`, `layers.${l}.resid_mid`]);
}

/** Where a selected layer is rotated. */
export const rotationSite = (layer: number): string => `layers.${layer}.resid_pre`;

function fit(ctx: FitContext<SelectiveOptions>): Artifact {
  const { threshold } = parseSelectiveOptions(ctx.options);
  if (ctx.reduce !== undefined && ctx.reduce !== 'last') throw new Error(`selective reads the last token of each example; --reduce ${ctx.reduce} does not apply`);
  const labels = ctx.data.examples.map((e) => e.label);
  const npos = labels.filter((l) => l === 1).length;
  if (npos === 0 || npos === labels.length) throw new Error(`selective needs examples of both labels (got ${npos} positive, ${labels.length - npos} negative)`);
  const L = ctx.model.arch.layers;
  const perLayer = selectiveSites(L);
  const sites = perLayer.flat();
  if (ctx.site !== undefined) {
    const p = parseSite(ctx.site, L);
    if (p.kind !== 'resid_pre' && p.kind !== 'resid_mid' && p.kind !== 'resid_post') throw new Error(`selective reads b1 on the residual stream (resid_pre, resid_mid or resid_post), not at ${ctx.site}`);
    if (!sites.includes(ctx.site)) sites.push(ctx.site);
  }
  const toks = tokenizeExamples(ctx.tokenizer, ctx.data.examples, { chat: ctx.chat });
  const acts = collectAtSites(ctx.model, toks, sites, { reduce: 'last', onProgress: (d, t) => ctx.onProgress?.(d, t, 'activations') });
  const d = acts[0]!.width;
  const at = (site: string) => acts[sites.indexOf(site)]!.data;

  // Candidates at the norm inputs only (a --site elsewhere gives b1 but does not shape the plane).
  const cands = perLayer.flat().map((s) => ({ site: s, dir: candidateDirection(at(s), d, labels) })).filter((c): c is { site: string; dir: Float64Array } => c.dir !== null);
  if (cands.length === 0) throw new Error('selective: the two classes have the same mean activation at every site');
  const b1Site = ctx.site ?? cands[mostCentral(cands.map((c) => c.dir))]!.site;
  const b1 = ctx.site !== undefined ? candidateDirection(at(b1Site), d, labels) : cands.find((c) => c.site === b1Site)!.dir;
  if (!b1) throw new Error(`selective: the two classes have the same mean activation at ${b1Site}; choose another --site`);
  const b2 = secondBasis(b1, cands.map((c) => c.dir));

  const proj = perLayer.map((ss) => ss.map((s) => ({ pos: meanUnitProjection(at(s), d, labels, 1, b1), neg: meanUnitProjection(at(s), d, labels, 0, b1) })));
  const chosen = discriminativeLayers(proj).flatMap((ok, l) => (ok ? [l] : []));
  if (chosen.length === 0) throw new Error(`selective: no layer has the two classes on opposite sides of the direction read at ${b1Site} (mean normalised projections ${proj.map((p, l) => `layer ${l}: ${p.map((x) => `${x.pos.toFixed(2)}/${x.neg.toFixed(2)}`).join(' ')}`).join('; ')})`);

  // Per selected layer: the in-plane angle Δℓ from the negative class mean to the positive one, with
  // b2 flipped where needed so that θ > 0 turns toward the positive class there.
  const layers = chosen.map((l) => ({ layer: l, ...classTurn(at(rotationSite(l)), d, labels, b1, b2) }));
  const delta = layers.reduce((s, x) => s + x.delta, 0) / layers.length;
  const theta = delta / layers.length;
  const hi = 180 / layers.length;
  const direction = { data: Float32Array.from(b1) };
  const interventions: FittedIntervention[] = layers.map((x) => ({
    site: rotationSite(x.layer),
    kind: 'rotate',
    positions: ctx.positions ?? 'all',
    tensors: { direction, plane: { data: Float32Array.from(x.plane) } },
    defaultStrength: theta,
    range: [-hi, hi],
    ...(threshold !== undefined ? { values: { threshold } } : {}),
  }));
  return buildArtifact({
    name: ctx.name,
    method: 'selective',
    settings: {
      site: b1Site,
      b1_rule: ctx.site !== undefined ? 'given' : 'most central candidate',
      candidate_sites: cands.map((c) => c.site),
      rotation_sites: 'layers.ℓ.resid_pre',
      strength_rule: 'mean in-plane angle from the negative to the positive class mean, over the k selected layers, divided by k',
      reduce: 'last',
      chat: ctx.chat ?? false,
      ...(threshold !== undefined ? { threshold } : {}),
    },
    model: ctx.model,
    hubId: ctx.hubId ?? null,
    interventions,
    training: { data_hash: dataHash(ctx.data.examples), examples: labels.length, steps: 0, seed: ctx.seed ?? null, final_loss: null },
    stats: {
      selected_layers: chosen,
      layer_angle_deg: layers.map((x) => x.delta),
      mean_angle_deg: delta,
      proj_pos_resid_pre: proj.map((p) => p[0]!.pos),
      proj_neg_resid_pre: proj.map((p) => p[0]!.neg),
      proj_pos_resid_mid: proj.map((p) => p[1]!.pos),
      proj_neg_resid_mid: proj.map((p) => p[1]!.neg),
    },
  });
}

export const selective: SteeringMethod<SelectiveOptions> = {
  name: 'selective',
  summary: 'Selective Steering: rotate the residual stream by θ degrees in the plane of the class-mean difference and its candidates\' first PC, at the layers where the classes sit on opposite sides (norm-preserving)',
  needs: 'pairs-or-labelled',
  site: { use: 'optional', note: 'chooses its own direction and layers without it (with one: b1 is read there)' },
  options: SELECTIVE_OPTIONS,
  parseOptions: parseSelectiveOptions,
  fit,
};
