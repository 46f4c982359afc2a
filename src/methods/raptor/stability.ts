// Directional stability (RAPTOR's second criterion): fit a direction on B bootstrap resamples of
// the examples (whole pairs drawn with replacement) and take the mean cosine between the B unit
// vectors over all pairs of resamples; 1 = the data's sampling never moves the direction. The 95%
// interval resamples the B fits themselves (percentiles of the mean pairwise cosine over 1,000
// draws of B fits with replacement, pairs of a fit with itself left out).
import { Rng } from '../../util/rng.js';
import { dot } from '../linalg.js';

/** Rows [n, d], 0/1 labels and pair ids, as a direction finder reads them. */
export interface Rows {
  data: Float64Array | Float32Array;
  labels: number[];
  pairs: (number | null)[];
  width: number;
}

export type DirectionFinder = (rows: Rows, seed: number) => Float64Array;

export interface Stability {
  mean: number;
  lo: number;
  hi: number;
  /** The B unit vectors (oriented toward the positive class). */
  directions: Float64Array[];
}

/** A bootstrap resample: whole groups (pairs, or single unpaired rows) drawn with replacement. */
export function resample(rows: Rows, rng: Rng): Rows {
  const groups = new Map<string, number[]>();
  rows.labels.forEach((_, i) => {
    const p = rows.pairs[i];
    const key = p !== null && p !== undefined ? `p${p}` : `i${i}`;
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  const gs = [...groups.values()];
  const d = rows.width;
  const picked: number[] = [];
  const pairs: (number | null)[] = [];
  for (let k = 0; k < gs.length; k++) {
    const g = gs[rng.int(gs.length)]!;
    for (const r of g) {
      picked.push(r);
      // A group drawn twice is two pairs: fresh ids keep them apart.
      pairs.push(rows.pairs[r] !== null && rows.pairs[r] !== undefined ? k : null);
    }
  }
  const data = new Float64Array(picked.length * d);
  picked.forEach((r, k) => data.set(rows.data.subarray(r * d, (r + 1) * d), k * d));
  return { data, labels: picked.map((r) => rows.labels[r]!), pairs, width: d };
}

/** Orients u so that positives project higher than negatives on average. */
function orient(u: Float64Array, rows: Rows): Float64Array {
  let gap = 0;
  rows.labels.forEach((l, i) => (gap += (l === 1 ? 1 : -1) * dot(rows.data.subarray(i * rows.width, (i + 1) * rows.width), u)));
  return gap < 0 ? u.map((x) => -x) : u;
}

function meanPairwise(dirs: readonly Float64Array[], idx: readonly number[]): number {
  let s = 0;
  let c = 0;
  for (let a = 0; a < idx.length; a++) {
    for (let b = a + 1; b < idx.length; b++) {
      if (idx[a] === idx[b]) continue;
      s += dot(dirs[idx[a]!]!, dirs[idx[b]!]!);
      c++;
    }
  }
  return c ? s / c : NaN;
}

export function directionalStability(rows: Rows, find: DirectionFinder, opts: { resamples?: number; seed?: number } = {}): Stability {
  const B = opts.resamples ?? 20;
  const rng = new Rng(opts.seed ?? 0);
  const directions: Float64Array[] = [];
  for (let k = 0; k < B; k++) {
    const r = resample(rows, rng);
    directions.push(orient(find(r, k), r));
  }
  const all = [...Array(B).keys()];
  const mean = meanPairwise(directions, all);
  const boot: number[] = [];
  for (let k = 0; k < 1000; k++) boot.push(meanPairwise(directions, all.map(() => rng.int(B))));
  boot.sort((a, b) => a - b);
  return { mean, lo: boot[Math.floor(0.025 * boot.length)]!, hi: boot[Math.ceil(0.975 * boot.length) - 1]!, directions };
}

/**
 * Held-out accuracy of a direction: a row is called positive when its projection on u lies above
 * the midpoint of the training classes' mean projections (the same rule for every method, since
 * DiffMean has no bias of its own).
 */
export function directionAccuracy(train: Rows, test: Rows, u: Float64Array): number {
  const proj = (rows: Rows, i: number) => dot(rows.data.subarray(i * rows.width, (i + 1) * rows.width), u);
  const m = [0, 0];
  const c = [0, 0];
  train.labels.forEach((l, i) => {
    m[l] = m[l]! + proj(train, i);
    c[l] = c[l]! + 1;
  });
  const mid = (m[0]! / c[0]! + m[1]! / c[1]!) / 2;
  const sign = m[1]! / c[1]! >= m[0]! / c[0]! ? 1 : -1;
  let ok = 0;
  test.labels.forEach((l, i) => {
    if ((sign * (proj(test, i) - mid) > 0 ? 1 : 0) === l) ok++;
  });
  return ok / test.labels.length;
}
