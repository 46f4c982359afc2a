// RAPTOR's one knob: the ridge strength λ, chosen on a validation split. Each λ of the grid is
// fitted on the training part and scored by validation accuracy; the best wins, ties going to the
// strongest λ (scikit-learn's LogisticRegressionCV convention: the first best of C = 1/λ in
// ascending order); the chosen λ is then refitted on all the rows (its refit=True).
import { Rng } from '../../util/rng.js';
import { normalize } from '../linalg.js';
import { standardise } from '../probe.js';
import { fitRidgeLogistic, accuracy, logLoss } from './ridge-logistic.js';

export const DEFAULT_LAMBDAS: readonly number[] = [1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100];
export const DEFAULT_VALIDATION = 0.25;

export interface RaptorFit {
  u: Float64Array;
  lambda: number;
  /** Per λ of the grid: validation accuracy and log-loss. */
  grid: { lambda: number; valAccuracy: number; valLoss: number }[];
  trainRows: number;
  valRows: number;
  /** Newton iterations of the final fit and its objective. */
  iterations: number;
  loss: number;
}

/**
 * Validation rows: whole pairs (a pair's two texts never straddle the split), or for unpaired
 * texts a share of each class; seeded.
 */
export function validationSplit(labels: readonly number[], pairs: readonly (number | null)[], fraction: number, seed: number): { train: number[]; val: number[] } {
  const rng = new Rng(seed);
  const groups = new Map<string, number[]>();
  labels.forEach((l, i) => {
    const key = pairs[i] !== null && pairs[i] !== undefined ? `p${pairs[i]}` : `i${i}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const strata = new Map<string, number[][]>();
  for (const [key, rows] of groups) {
    const s = key.startsWith('p') ? 'pairs' : `label${labels[rows[0]!]}`;
    strata.set(s, [...(strata.get(s) ?? []), rows]);
  }
  const train: number[] = [];
  const val: number[] = [];
  for (const gs of strata.values()) {
    for (let i = gs.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [gs[i], gs[j]] = [gs[j]!, gs[i]!];
    }
    const k = Math.max(1, Math.round(fraction * gs.length));
    gs.forEach((rows, i) => (i < k ? val : train).push(...rows));
  }
  const both = (rows: number[]) => new Set(rows.map((r) => labels[r])).size === 2;
  if (!both(train) || !both(val)) throw new Error(`raptor: the validation split (${(fraction * 100).toFixed(0)}%) leaves a class out of the training or validation rows; give more examples of each class`);
  return { train: train.sort((a, b) => a - b), val: val.sort((a, b) => a - b) };
}

function rowsOf(x: Float64Array, d: number, rows: readonly number[]): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, k) => out.set(x.subarray(r * d, (r + 1) * d), k * d));
  return out;
}

/** RAPTOR's direction from activations [n, d] and 0/1 labels. */
export function raptorDirection(data: ArrayLike<number>, labels: readonly number[], pairs: readonly (number | null)[], d: number, opts: { lambdas?: readonly number[]; validation?: number; seed?: number } = {}): RaptorFit {
  const n = labels.length;
  const lambdas = [...(opts.lambdas ?? DEFAULT_LAMBDAS)].sort((a, b) => b - a);
  const x = standardise(data, n, d);
  const { train, val } = validationSplit(labels, pairs, opts.validation ?? DEFAULT_VALIDATION, opts.seed ?? 0);
  const [xt, xv] = [rowsOf(x, d, train), rowsOf(x, d, val)];
  const [yt, yv] = [train.map((r) => labels[r]!), val.map((r) => labels[r]!)];
  const grid = lambdas.map((lambda) => {
    const f = fitRidgeLogistic(xt, train.length, d, yt, lambda);
    return { lambda, valAccuracy: accuracy(xv, val.length, d, yv, f.w, f.b), valLoss: logLoss(xv, val.length, d, yv, f.w, f.b) };
  });
  // Strongest λ first, so a strict > keeps the strongest of the tied best.
  let best = grid[0]!;
  for (const g of grid) if (g.valAccuracy > best.valAccuracy) best = g;
  const full = fitRidgeLogistic(x, n, d, labels, best.lambda);
  return { u: normalize(full.w), lambda: best.lambda, grid, trainRows: train.length, valRows: val.length, iterations: full.iterations, loss: full.loss };
}
