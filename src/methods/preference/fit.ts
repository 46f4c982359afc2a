// Fitting a preference-trained steering vector, what RePS and BiPO share around their own
// objective: tokenize the pairs, add what training reads from the frozen model to each row, train,
// derive the strength from the preference margin, and package an additive vector at the site
// (every position but BOS when every row starts with it).

import { requireSite, type FitContext } from '../types.js';
import type { Artifact } from '../../artifact/artifact.js';
import type { DecoderModel } from '../../models/decoder.js';
import { buildArtifact, dataHash } from '../build.js';
import { lossEnds } from '../minibatch.js';
import { marginStrength, tokenizePairs, type MarginStrength, type PreferenceRow, type SteerAt } from './preference.js';

export interface TrainedVector {
  direction: Float32Array;
  losses: number[];
  steps: number;
}

/** One preference method's part: its rows, its training, and its margin walk. */
export interface PreferenceRecipe<O extends object, R extends PreferenceRow, T extends TrainedVector> {
  method: string;
  /** Each row with what training needs from the frozen model (BiPO: reference log-probabilities; RePS: the SimPO scale). */
  withFrozen: (model: DecoderModel, rows: readonly PreferenceRow[], padId: number) => R[];
  train: (model: DecoderModel, site: string, rows: readonly R[], excludeBos: boolean, o: O & { seed: number; padId: number; onStep: (s: number, n: number, loss: number) => void }) => T;
  /** The strengths walked (ascending), the share of the margin's gap the default closes, and the fallbacks (marginStrength). */
  grid: readonly number[];
  gapClosed: number;
  fallback: { defaultStrength: number; edge: number };
  /** How s times the trained vector edits the activation (default h + s·v). */
  steer?: SteerAt;
}

export interface PreferenceFit<T extends TrainedVector> {
  site: string;
  rows: number;
  excludeBos: boolean;
  seed: number;
  trained: T;
  loss: { start: number; end: number };
  strength: MarginStrength;
}

export function fitPreference<O extends object, R extends PreferenceRow, T extends TrainedVector>(ctx: FitContext, o: O, recipe: PreferenceRecipe<O, R, T>): PreferenceFit<T> {
  const site = requireSite(ctx, recipe.method);
  const tokenized = tokenizePairs(ctx, recipe.method);
  const { excludeBos } = tokenized;
  const padId = ctx.tokenizer.padTokenId ?? 0;
  const rows = recipe.withFrozen(ctx.model, tokenized.rows, padId);
  const seed = ctx.seed ?? 0;
  const trained = recipe.train(ctx.model, site, rows, excludeBos, { ...o, seed, padId, onStep: (s, n, l) => ctx.onProgress?.(s, n, 'train', `loss ${l.toFixed(4)}`) });
  const strength = marginStrength(
    { model: ctx.model, site, rows, v: trained.direction, excludeBos, padId, ...(recipe.steer ? { steer: recipe.steer } : {}) },
    recipe.grid,
    recipe.gapClosed,
    recipe.fallback,
    (done, total) => ctx.onProgress?.(done, total, 'calibrate'),
  );
  return { site, rows: rows.length, excludeBos, seed, trained, loss: lossEnds(trained.losses), strength };
}

/** The artifact: v added at the site (strengths are multiples of v), with the method's settings and stats. */
export function preferenceArtifact(ctx: FitContext, method: string, f: PreferenceFit<TrainedVector>, settings: Record<string, unknown>, stats: Record<string, number> = {}): Artifact {
  const v = f.trained.direction;
  const st = f.strength;
  return buildArtifact({
    name: ctx.name,
    method,
    settings,
    model: ctx.model,
    hubId: ctx.hubId ?? null,
    interventions: [{ site: f.site, kind: 'add', positions: ctx.positions ?? 'all', excludeBos: f.excludeBos, tensors: { direction: { data: v } }, defaultStrength: st.defaultStrength, range: [-st.edge, st.edge] }],
    training: { data_hash: dataHash(ctx.data.examples), examples: f.rows, steps: f.trained.steps, seed: f.seed, final_loss: f.loss.end },
    stats: { loss_start: f.loss.start, loss_end: f.loss.end, ...stats, direction_norm: Math.hypot(...v), margin_curve_s: st.curve.map((p) => p.s), margin_curve: st.curve.map((p) => p.margin) },
  });
}
