// Steering strength derived from the data a direction was fitted on.
//
// For a unit direction u, the class means of the projection h·u (μ+, μ−) and the mean activation
// norm r at the site:
//   default strength = μ+ − μ−: adding (μ+ − μ−)·u moves a typical negative activation's
//     projection to the typical positive one (CAA with multiplier 1, in absolute units);
//   range = ±max(r, 2|μ+ − μ−|): past the size of the residual stream itself, the added vector
//     dominates every other feature and text degenerates.

import { dotRow, norm } from './linalg.js';

export interface ProjectionStats {
  mu_pos: number;
  mu_neg: number;
  std_pos: number;
  std_neg: number;
  gap: number;
  mean_norm: number;
  /** |gap| over the pooled standard deviation (a detection signal-to-noise ratio). */
  separation: number;
}

export function projectionStats(data: ArrayLike<number>, d: number, labels: readonly number[], u: ArrayLike<number>): ProjectionStats {
  const pos: number[] = [];
  const neg: number[] = [];
  let normSum = 0;
  labels.forEach((l, i) => {
    const p = dotRow(data, i, d, u);
    (l === 1 ? pos : neg).push(p);
    normSum += norm(Array.prototype.slice.call(data, i * d, (i + 1) * d) as number[]);
  });
  const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / Math.max(1, a.length);
  const std = (a: number[], m: number) => Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, a.length - 1));
  const mp = mean(pos);
  const mn = mean(neg);
  const sp = std(pos, mp);
  const sn = std(neg, mn);
  const pooled = Math.sqrt((sp * sp + sn * sn) / 2) || 1e-12;
  return { mu_pos: mp, mu_neg: mn, std_pos: sp, std_neg: sn, gap: mp - mn, mean_norm: normSum / labels.length, separation: Math.abs(mp - mn) / pooled };
}

export function derivedStrength(s: ProjectionStats): { default: number; range: [number, number] } {
  const hi = Math.max(s.mean_norm, 2 * Math.abs(s.gap));
  return { default: s.gap, range: [-hi, hi] };
}
