// The shared shape of the direction methods (DiffMean, PCA, probe): read activations at the site,
// find a unit direction, orient it toward the positive class, derive strength from the data, and
// package an additive intervention. They share one option, the strength rule.

import { collectActivations, type Collected, type TokenizedExample } from '../activations/collect.js';
import { tokenizeExamples } from '../activations/tokenize.js';
import { projectionStats, derivedStrength } from './strength.js';
import { calibrateStrength, DEFAULT_KL, EDGE_KL } from './calibrate.js';
import { meanRows } from './linalg.js';
import { buildArtifact, dataHash } from './build.js';
import { requireSite, type FitContext, type SteeringMethod } from './types.js';
import { choice, readOptions, type MethodOption } from './options.js';
import type { Artifact } from '../artifact/artifact.js';

export const STRENGTH_RULES = ['kl', 'rho'] as const;

export interface DirectionOptions {
  /**
   * kl (default): calibrate the default strength and range on the model's response to the
   * concept-absent texts (calibrate.ts); rho: the ρ rule of strength.ts, no extra forward passes.
   */
  strengthRule?: (typeof STRENGTH_RULES)[number];
}

export const DIRECTION_OPTIONS: readonly MethodOption[] = [
  {
    key: 'strengthRule', flag: '--strength-rule', value: '<rule>', type: 'string', default: 'kl', parse: choice('--strength-rule', STRENGTH_RULES),
    help: 'kl = calibrate the default strength on the model (KL 0.4 nats/token on the concept-absent texts), rho = 0.35·ρ without running the model',
    elsewhere: (m, owners) => `--strength-rule applies to ${owners.join(', ')}; ${m.name} derives its strength its own way`,
  },
];

export interface ActivationSet extends Collected {
  /** The examples as tokenized for reading (the calibration reuses the concept-absent ones). */
  tokens: TokenizedExample[];
  labels: number[];
  pairs: (number | null)[];
}

export function readActivations(ctx: FitContext, method: string): ActivationSet {
  const ex = ctx.data.examples;
  const toks = tokenizeExamples(ctx.tokenizer, ex, { chat: ctx.chat });
  const reduce = ctx.reduce ?? 'mean';
  if (reduce === 'all') throw new Error('direction methods summarise each example: use reduce mean or last');
  const c = collectActivations(ctx.model, toks, requireSite(ctx, method), { reduce, onProgress: (d, t) => ctx.onProgress?.(d, t, 'activations') });
  return { ...c, tokens: toks, labels: ex.map((e) => e.label), pairs: ex.map((e) => e.pair) };
}

/** mean h⁺ − mean h⁻ over the summarised rows (label 1 minus label 0). */
export function classMeanDifference(acts: ActivationSet): Float64Array {
  const rows = (l: number) => acts.labels.flatMap((x, i) => (x === l ? [i] : []));
  const mp = meanRows(acts.data, rows(1), acts.width);
  const mn = meanRows(acts.data, rows(0), acts.width);
  return mp.map((x, j) => x - mn[j]!);
}

export function directionArtifact(ctx: FitContext, method: string, acts: ActivationSet, u: Float64Array, settings: Record<string, unknown>, extra: { steps?: number; finalLoss?: number | null; calibrate?: boolean; stats?: Record<string, number | number[]> } = {}): Artifact {
  const site = requireSite(ctx, method);
  let stats = projectionStats(acts.data, acts.width, acts.labels, u, acts.tokenNorm);
  if (stats.gap < 0) {
    // Orient the direction so that positives project higher.
    u = u.map((x) => -x);
    stats = projectionStats(acts.data, acts.width, acts.labels, u, acts.tokenNorm);
  }
  // The strength: calibrated on the model's response to the concept-absent texts (calibrate.ts);
  // the ρ rule (strength.ts) when calibration is off or the direction never moves the output enough.
  const negatives = acts.tokens.filter((_, i) => acts.labels[i] === 0);
  const cal = extra.calibrate === false || stats.token_norm === undefined
    ? null
    : calibrateStrength(ctx.model, negatives, site, u, stats.token_norm, { positions: ctx.positions, onProgress: (d, t) => ctx.onProgress?.(d, t, 'strength') });
  const s = cal ?? derivedStrength(stats);
  const strengthStats: Record<string, number | number[]> = cal
    ? { strength_rule_kl: DEFAULT_KL, strength_edge_kl: EDGE_KL, kl_curve_strength: cal.curve.map((p) => p.strength), kl_curve_kl: cal.curve.map((p) => p.kl) }
    : {};
  return buildArtifact({
    name: ctx.name,
    method,
    settings: { site, reduce: ctx.reduce ?? 'mean', chat: ctx.chat ?? false, strength_rule: cal ? 'kl' : 'rho', ...settings },
    model: ctx.model,
    hubId: ctx.hubId ?? null,
    interventions: [
      {
        site,
        kind: 'add',
        positions: ctx.positions ?? 'all',
        tensors: { direction: { data: Float32Array.from(u) } },
        defaultStrength: s.default,
        range: s.range,
        values: { mu_pos: stats.mu_pos, mu_neg: stats.mu_neg },
      },
    ],
    training: { data_hash: dataHash(ctx.data.examples), examples: acts.labels.length, steps: extra.steps ?? 0, seed: ctx.seed ?? null, final_loss: extra.finalLoss ?? null },
    stats: { ...stats, ...strengthStats, ...extra.stats },
  });
}

/** What a direction method computes from the activations; the rest is shared. */
export interface FoundDirection {
  u: Float64Array;
  settings: Record<string, unknown>;
  steps?: number;
  finalLoss?: number | null;
}

/** A direction method: `find` turns the activations at the site into a unit direction. */
export function directionMethod(name: string, summary: string, find: (ctx: FitContext, acts: ActivationSet) => FoundDirection): SteeringMethod<DirectionOptions> {
  const parseOptions = (given: object | undefined) => readOptions<DirectionOptions>(name, DIRECTION_OPTIONS, given);
  return {
    name,
    summary,
    needs: 'pairs-or-labelled',
    site: { use: 'required' },
    options: DIRECTION_OPTIONS,
    parseOptions,
    fit(ctx) {
      const o = parseOptions(ctx.options);
      const acts = readActivations(ctx, name);
      const d = find(ctx, acts);
      return directionArtifact(ctx, name, acts, d.u, d.settings, { steps: d.steps, finalLoss: d.finalLoss, calibrate: o.strengthRule !== 'rho' });
    },
  };
}
