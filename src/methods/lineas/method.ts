// LinEAS — Linear End-to-end Activation Steering (Rodriguez et al., NeurIPS 2025; methods.md
// §3.6) behind the method interface: unpaired source texts (label 0, or a pair's negative) and
// target texts (label 1, or a pair's positive); one coordinate-wise affine map per site, trained
// end to end (train.ts); the artifact holds ω (scale) and b (bias) per site as 'affine'
// interventions, every position but BOS. Strength λ interpolates h + λ·(ω⊙h + b − h): 1 (the
// default) is the fitted map, 0 the model itself, and the range is [0, 1], the segment between the
// two distributions the map was fitted to join.
//
// Sites: every block's output (layers.N.resid_post) unless a list is given. The paper maps many
// layer outputs at once and lets the group lasso pick among them; the residual stream leaving
// each block is where every other method here steers, so the maps compose with them and the
// fingerprint covers exactly the blocks they read.

import type { SteeringMethod, FitContext } from '../types.js';
import type { Artifact } from '../../artifact/artifact.js';
import { buildArtifact, dataHash } from '../build.js';
import { parseSite } from '../../models/hooks.js';
import { lossEnds } from '../minibatch.js';
import { lineasTexts } from './data.js';
import { LINEAS_DEFAULTS, targetActivations, trainLineas } from './train.js';
import { LINEAS_OPTIONS, parseLineasOptions, type LineasOptions } from './options.js';

/** The sites a LinEAS site spec names: "all" (every block's resid_post) or a comma-separated list. */
export function lineasSites(spec: string, numLayers: number): string[] {
  const sites = spec === 'all' ? Array.from({ length: numLayers }, (_, i) => `layers.${i}.resid_post`) : spec.split(',').map((s) => s.trim());
  for (const s of sites) parseSite(s, numLayers);
  if (new Set(sites).size !== sites.length) throw new Error(`lineas: a site is named twice in "${spec}"`);
  return sites;
}

function fit(ctx: FitContext<LineasOptions>): Artifact {
  const o = parseLineasOptions(ctx.options);
  const sites = lineasSites(ctx.site ?? 'all', ctx.model.arch.layers);
  const texts = lineasTexts(ctx.data, ctx.tokenizer, { chat: ctx.chat ?? false, maxPositions: ctx.model.arch.maxPositions });
  const padId = ctx.tokenizer.padTokenId ?? 0;
  const bos = ctx.tokenizer.bosTokenId;
  const excludeBos = bos !== null && [...texts.source, ...texts.target].every((e) => e.ids[0] === bos);
  const batchSize = o.batchSize ?? LINEAS_DEFAULTS.batchSize;
  const pooling = ctx.reduce ?? LINEAS_DEFAULTS.pooling;
  const target = targetActivations(ctx.model, texts.target, sites, { batchSize, padId, pooling, onProgress: (d, t) => ctx.onProgress?.(d, t, 'activations') });
  const seed = ctx.seed ?? 0;
  const res = trainLineas(ctx.model, sites, { source: texts.source, target }, excludeBos, { ...o, pooling, seed, padId, onStep: (s, n, l) => ctx.onProgress?.(s, n, 'train', `loss ${l.toFixed(4)}`) });
  const loss = lossEnds(res.losses);
  // Maps the sparsity returned exactly to the identity change nothing: leave them out.
  const moved = (k: number) => res.scale[k]!.some((w) => w !== 1) || res.bias[k]!.some((b) => b !== 0);
  const kept = sites.map((_, k) => k).filter(moved);
  if (kept.length === 0) throw new Error('lineas: every map shrank back to the identity (the l1 or group-lasso weight is too large for this data); lower --l1 / --group');
  const count = (xs: Float32Array, centre: number) => xs.reduce((n, x) => n + (x !== centre ? 1 : 0), 0);
  return buildArtifact({
    name: ctx.name,
    method: 'lineas',
    settings: {
      sites, objective: 'sum over sites and coordinates of 1-D W2^2 between sorted source and target samples', pooling, chat: ctx.chat ?? false,
      lr: o.lr ?? LINEAS_DEFAULTS.lr, batch_texts: batchSize, steps: res.steps, optimizer: 'adam step, then sparse-group-lasso prox',
      l1: o.l1 ?? LINEAS_DEFAULTS.l1, group: o.group ?? LINEAS_DEFAULTS.group,
    },
    model: ctx.model,
    hubId: ctx.hubId ?? null,
    interventions: kept.map((k) => ({
      site: sites[k]!, kind: 'affine' as const, positions: ctx.positions ?? 'all', excludeBos,
      tensors: { scale: { data: res.scale[k]! }, bias: { data: res.bias[k]! } },
      defaultStrength: 1, range: [0, 1] as [number, number],
    })),
    training: { data_hash: dataHash(ctx.data.examples), examples: texts.source.length + texts.target.length, steps: res.steps, seed, final_loss: loss.end },
    stats: {
      loss_start: loss.start, loss_end: loss.end, source_texts: texts.source.length, target_texts: texts.target.length,
      moved_scales: sites.map((_, k) => count(res.scale[k]!, 1)), moved_biases: sites.map((_, k) => count(res.bias[k]!, 0)),
    },
  });
}

export const lineas: SteeringMethod<LineasOptions> = {
  name: 'lineas',
  summary: 'LinEAS: coordinate-wise affine maps at every layer, trained end to end to carry the source texts\' activation distributions onto the target texts\' (1-D optimal transport, sparse-group lasso)',
  needs: 'pairs-or-labelled',
  site: { use: 'optional', note: 'takes a comma-separated list or all (default: every block\'s resid_post)', default: 'all', check: (site, layers) => void lineasSites(site, layers) },
  reduces: ['mean', 'last', 'all'],
  options: LINEAS_OPTIONS,
  parseOptions: parseLineasOptions,
  fit,
};
