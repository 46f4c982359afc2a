// CDAS as a steering method: fit(ctx) trains the rank-1 DII direction with the JSD objective,
// measures the class means of its coordinate at the source position, and packages a CLAMP
// intervention (methods.md §1.5):
//
//   h' = h + (s·a − v·h) v      at every position but BOS, prompt and generated tokens,
//
// clamped to μ_neg + s·(μ_pos − μ_neg): the record stores values { target: μ_pos, origin: μ_neg,
// mu_pos, mu_neg } and ClampIntervention sets the projection to origin + s·(target − origin).
// At the default s = 1 (the paper's safety setting) that is exactly μ_pos, as in the repository.
// artifactInterventions(art, model, { target: 'neg' }) (CLI: --steer A:neg) swaps the two means:
// μ_pos + s·(μ_neg − μ_pos), which suppresses the concept — the same v steers both ways.
//
// Deliberate difference from the repository for s ≠ 1: it clamps to s·μ (a multiple measured from
// the origin of the residual space, which depends on v's sign and on where the class means happen
// to sit: on the organism μ_pos was ≈ 0 at layer 1, so s·μ_pos never moved anything). Scaling from
// the other class mean is invariant to both and makes s read as "s times the way from not-asked
// to asked".
//
// Our variants (variants.ts, issue 19) change where the source is read, which base positions are
// written and the rank; the artifact records them in its settings (variant: paper | ours). A rank-R
// artifact holds R clamp records at the site, one per orthonormal row, each clamping its own
// coordinate to its own class mean; clamps along orthonormal rows commute, so in sequence they set
// all R coordinates at once. Unless told otherwise, the clamp acts where training wrote.

import { requireSite, type SteeringMethod, type FitContext } from '../types.js';
import { CDAS_OPTIONS, parseCdasOptions, type CdasOptions } from './options.js';
import type { Artifact } from '../../artifact/artifact.js';
import { buildArtifact, dataHash } from '../build.js';
import { contrastAsConceptData } from './data.js';
import { tokenizeContrast } from './tokenize.js';
import { trainCdas } from './train.js';
import { classMeansRows } from './factor.js';
import { PAPER_VARIANT, resolveVariant, usePositions } from './variants.js';
import type { FittedIntervention } from '../build.js';

/**
 * The recorded strength range is ±r with r = RANGE_FRACTION·ρ / |μ_pos − μ_neg|: the multiplier at
 * which the clamp moves the coordinate of a concept-absent token by RANGE_FRACTION·ρ (ρ = the mean
 * activation norm at the source tokens). Measured on the organism (topic:ocean, greedy replies to
 * 10 plain instructions): replies stop parsing once the move passes ≈ 0.8ρ — layer 2, s = 6
 * (0.83ρ) parse 0.7; layer 3, s = 8 (0.75ρ) parse 0.9–1.0 and s = 10 (0.93ρ) parse 0.5.
 */
export const RANGE_FRACTION = 0.8;

export function cdasStrengthRange(muPos: number, muNeg: number, rho: number): [number, number] {
  const gap = Math.abs(muPos - muNeg);
  const r = gap > 1e-9 * Math.max(rho, 1) ? Math.min(1e3, Math.max(1, (RANGE_FRACTION * rho) / gap)) : 1;
  return [-r, r];
}

function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
}

/** At most n points of a curve, evenly spaced, always keeping the first and last. */
function downsample(xs: readonly number[], n: number): number[] {
  if (xs.length <= n) return [...xs];
  return Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))]!);
}

function fit(ctx: FitContext<CdasOptions>): Artifact {
  const o = parseCdasOptions(ctx.options);
  const site = requireSite(ctx, 'cdas');
  const rows = ctx.contrast;
  if (!rows || rows.length === 0) {
    throw new Error('cdas needs contrast rows (x, y, x_c, y_c): load them with loadContrastRows() and pass them as ctx.contrast');
  }
  const variant = resolveVariant(o);
  const tokens = tokenizeContrast(ctx.tokenizer, rows, { ...(o.sourceTokens !== undefined ? { sourceTokens: o.sourceTokens } : {}), sourcePosition: variant.sourcePosition });
  const seed = ctx.seed ?? 0;
  const started = Date.now();
  const { steps, epochs, lr, batchSize } = o;
  const res = trainCdas(ctx.model, site, tokens, {
    steps,
    epochs,
    lr,
    batchSize,
    seed,
    rank: variant.rank,
    basePositions: variant.basePositions,
    padId: ctx.tokenizer.padTokenId ?? 0,
    onStep: (s, n, loss) => ctx.onProgress?.(s, n, 'train', `loss ${loss.toFixed(4)}`),
  });
  const seconds = (Date.now() - started) / 1000;
  const perRow = classMeansRows(ctx.model, site, tokens.prompts, res.direction, res.rank, (d, t) => ctx.onProgress?.(d, t, 'activations'));
  const stats = perRow[0]!;
  const width = res.direction.length / res.rank;
  // One strength moves all R coordinates: the range comes from the length of the whole move.
  const gap = Math.hypot(...perRow.map((r) => r.mu_pos - r.mu_neg));
  const range = cdasStrengthRange(gap, 0, stats.token_norm ?? stats.mean_norm);
  const tail = Math.max(1, Math.round(res.losses.length / 10));
  const lossStart = mean(res.losses.slice(0, tail));
  const lossEnd = mean(res.losses.slice(-tail));
  const header = tokens.sourceTokens ? ctx.tokenizer.decode(tokens.sourceTokens) : null;
  const paper = variant.sourcePosition === PAPER_VARIANT.sourcePosition && variant.basePositions === PAPER_VARIANT.basePositions && variant.rank === PAPER_VARIANT.rank;
  const positions = ctx.positions ?? usePositions(variant.basePositions);
  const clamps: FittedIntervention[] = perRow.map((r, i) => ({
    site,
    kind: 'clamp',
    positions,
    excludeBos: tokens.excludeBos,
    tensors: { direction: { data: res.direction.slice(i * width, (i + 1) * width) } },
    defaultStrength: 1,
    range,
    values: { target: r.mu_pos, origin: r.mu_neg, mu_pos: r.mu_pos, mu_neg: r.mu_neg },
  }));
  const rowStats: Record<string, number[]> = res.rank > 1 ? { mu_pos_rows: perRow.map((r) => r.mu_pos), mu_neg_rows: perRow.map((r) => r.mu_neg), separation_rows: perRow.map((r) => r.separation) } : {};
  return buildArtifact({
    name: ctx.name,
    method: 'cdas',
    settings: {
      site,
      objective: 'jsd',
      pooling: 'response tokens of the minibatch',
      directions: ['neg+pos', 'pos+neg'],
      rank: res.rank,
      lr: res.lr,
      batch_rows: res.batchSize,
      steps: res.steps,
      weight_decay: 0,
      schedule: 'linear, no warmup',
      grad_clip: 1.0,
      source_tokens: header,
      // The paper reads the header token, writes every base position but BOS, rank 1; anything else is ours.
      source_position: variant.sourcePosition,
      base_positions: variant.basePositions,
      variant: paper ? 'paper' : 'ours',
    },
    model: ctx.model,
    hubId: ctx.hubId ?? null,
    interventions: clamps,
    // final_loss: the mean over the last tenth of the steps (one minibatch's loss is noisy).
    training: { data_hash: dataHash(contrastAsConceptData(rows).examples), examples: tokens.examples.length, steps: res.steps, seed, final_loss: lossEnd },
    stats: { ...stats, ...rowStats, loss_start: lossStart, loss_end: lossEnd, loss_curve: downsample(res.losses, 32), train_seconds: seconds },
  });
}

export const cdas: SteeringMethod<CdasOptions> = {
  name: 'cdas',
  summary: 'Concept DAS: a rank-1 (or rank-R) interchange direction trained by matching the concept-prompted distribution (JSD); steers by clamping its coordinate to a class mean',
  needs: 'contrast',
  site: { use: 'required' },
  options: CDAS_OPTIONS,
  parseOptions: parseCdasOptions,
  fit,
};
