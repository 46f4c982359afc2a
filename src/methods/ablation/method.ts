// Directional ablation (Arditi et al. 2024, methods.md §3.3): the difference of class means at the
// end of the prompt (positives: prompts that trigger the behaviour, e.g. harmful requests that get
// refused; negatives: prompts that do not), projected out of the residual stream everywhere: every
// layer's input and every attention and MLP output, at every position. Strength 1 removes the
// whole component (h − (h·r̂)r̂); 0.5 removes half of it.
//
// Where the direction is read: at a site the caller names (the last token of each example), or,
// without one, chosen from every layer and post-instruction position by the paper's bypass / induce
// / KL scores on a held-out quarter of the data (select.ts); the candidate table goes into
// the artifact's stats. The equivalent weight edit (orthogonalising the matrices that write into
// the residual stream) is `steerling export merged` (src/export/merged.ts).

import type { FitContext, SteeringMethod } from '../types.js';
import type { Artifact } from '../../artifact/artifact.js';
import { readActivations, classMeanDifference } from '../direction-fit.js';
import { normalize } from '../linalg.js';
import { projectionStats } from '../strength.js';
import { buildArtifact, dataHash, type FittedIntervention } from '../build.js';
import { ablationSites } from './sites.js';
import { selectAblationDirection, candidateSite, PRUNE_LAYERS, type AblationSelection } from './select.js';
import { promptIds } from '../../activations/tokenize.js';
import { postInstructionCount } from './template-positions.js';
import { Rng } from '../../util/rng.js';
import { ABLATION_OPTIONS, parseAblationOptions, type AblationOptions } from './options.js';
import { refusalIds } from './refusal-tokens.js';

/** Share of each class held out to score the candidates (the paper: 32 of 160 per class). */
export const VALIDATION_FRACTION = 0.25;

function ablateEverywhere(ctx: FitContext, u: Float64Array): FittedIntervention[] {
  const direction = { data: Float32Array.from(u) };
  return ablationSites(ctx.model.arch.layers).map((site) => ({ site, kind: 'ablate', positions: ctx.positions ?? 'all', tensors: { direction }, defaultStrength: 1, range: [0, 1] }));
}

function checkBothLabels(ctx: FitContext): void {
  const npos = ctx.data.examples.filter((e) => e.label === 1).length;
  const nneg = ctx.data.examples.length - npos;
  if (npos === 0 || nneg === 0) throw new Error(`ablation needs examples of both labels (got ${npos} positive, ${nneg} negative)`);
}

/** The direction read at the site the caller names, at each example's last token. */
function fitAtSite(ctx: FitContext, site: string): Artifact {
  const acts = readActivations({ ...ctx, site, reduce: 'last' }, 'ablation');
  const u = normalize(classMeanDifference(acts));
  return buildArtifact({
    name: ctx.name,
    method: 'ablation',
    settings: { site, reduce: 'last', chat: ctx.chat ?? false },
    model: ctx.model,
    hubId: ctx.hubId ?? null,
    interventions: ablateEverywhere(ctx, u),
    training: { data_hash: dataHash(ctx.data.examples), examples: acts.labels.length, steps: 0, seed: ctx.seed ?? null, final_loss: null },
    stats: { ...projectionStats(acts.data, acts.width, acts.labels, u, acts.tokenNorm) },
  });
}

/** Seeded shuffle of each class, the first quarter (at least one) held out for validation. */
function split<T>(items: T[], seed: number): { train: T[]; val: T[] } {
  const rng = new Rng(seed);
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  const nval = Math.max(1, Math.round(a.length * VALIDATION_FRACTION));
  return { val: a.slice(0, nval), train: a.slice(nval) };
}

/** The candidate table as parallel number columns (the artifact's stats hold numbers). */
export function selectionStats(sel: AblationSelection): Record<string, number | number[]> {
  const c = sel.candidates;
  return {
    selected_layer: sel.chosen.layer,
    selected_position: sel.chosen.position,
    layer_cutoff: sel.layerCutoff,
    baseline_refusal_positive: sel.baseline.positive,
    baseline_refusal_negative: sel.baseline.negative,
    candidate_layer: c.map((x) => x.layer),
    candidate_position: c.map((x) => x.position),
    candidate_bypass: c.map((x) => x.bypass),
    candidate_induce: c.map((x) => x.induce),
    candidate_kl: c.map((x) => x.kl),
    candidate_kept: c.map((x) => (x.discarded.length === 0 ? 1 : 0)),
  };
}

function fitBySelection(ctx: FitContext, opts: AblationOptions): Artifact {
  if (!opts.refusalTokens || opts.refusalTokens.length === 0) {
    throw new Error('ablation without --site chooses the direction by refusal scores and needs the refusal-start tokens (--refusal-tokens; derived automatically on the organism)');
  }
  const refusalTokens = refusalIds(ctx.tokenizer, opts.refusalTokens);
  const chat = ctx.chat ?? false;
  const instruction = (e: FitContext['data']['examples'][number]) => {
    if (e.prompt && e.completion) throw new Error(`ablation selection scores the first token the model writes after each prompt: give prompts without a reply ("text": ""), got "${e.prompt}" + "${e.completion}"`);
    return e.prompt || e.completion;
  };
  const ids = (label: number) => ctx.data.examples.filter((e) => e.label === label).map((e) => promptIds(ctx.tokenizer, instruction(e), { chat }));
  const seed = ctx.seed ?? 0;
  const pos = split(ids(1), seed);
  const neg = split(ids(0), seed + 1);
  if (pos.train.length === 0 || neg.train.length === 0) throw new Error(`ablation selection needs at least 2 examples of each label (got ${pos.train.length + pos.val.length} positive, ${neg.train.length + neg.val.length} negative)`);
  const positions = postInstructionCount(ctx.tokenizer, [...pos.train, ...pos.val, ...neg.train, ...neg.val], chat);
  const sel = selectAblationDirection({
    model: ctx.model,
    train: { positive: pos.train, negative: neg.train },
    val: { positive: pos.val, negative: neg.val },
    positions,
    refusalIds: refusalTokens,
    ...(opts.pruneLayers !== undefined ? { pruneLayers: opts.pruneLayers } : {}),
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
  const u = normalize(sel.chosen.direction);
  const tail = pos.train[0]!.slice(-positions).map((t) => ctx.tokenizer.idToToken(t) ?? String(t));
  return buildArtifact({
    name: ctx.name,
    method: 'ablation',
    settings: {
      site: candidateSite(sel.chosen.layer),
      position: sel.chosen.position,
      selection: 'bypass/induce/KL on a validation split (Arditi et al.)',
      post_instruction_tokens: tail,
      refusal_tokens: refusalTokens.map((t) => ctx.tokenizer.idToToken(t) ?? String(t)),
      prune_layers: opts.pruneLayers ?? PRUNE_LAYERS,
      validation: { positive: pos.val.length, negative: neg.val.length },
      chat,
    },
    model: ctx.model,
    hubId: ctx.hubId ?? null,
    interventions: ablateEverywhere(ctx, u),
    training: { data_hash: dataHash(ctx.data.examples), examples: ctx.data.examples.length, steps: 0, seed, final_loss: null },
    stats: selectionStats(sel),
  });
}

export const ablation: SteeringMethod<AblationOptions> = {
  name: 'ablation',
  summary: 'directional ablation: project the class-mean difference at the end of the prompt out of every layer; without a site, the layer and template position are chosen by bypass/induce/KL scores (Arditi et al.)',
  needs: 'pairs-or-labelled',
  site: { use: 'optional', note: 'chooses its own layer and position without it (--select)' },
  options: ABLATION_OPTIONS,
  parseOptions: parseAblationOptions,
  fit(ctx) {
    const o = parseAblationOptions(ctx.options, { site: ctx.site });
    if (ctx.reduce !== undefined && ctx.reduce !== 'last') throw new Error(`ablation reads the last token of each example; --reduce ${ctx.reduce} does not apply`);
    checkBothLabels(ctx);
    return ctx.site !== undefined ? fitAtSite(ctx, ctx.site) : fitBySelection(ctx, o);
  },
};
