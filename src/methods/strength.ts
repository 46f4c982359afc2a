// Steering strength derived from the data a direction was fitted on, without running the model: the
// fallback of calibrate.ts (which measures the model's response and is the default for the
// direction methods) and the rule where calibration is switched off.
//
// For a unit direction u: the class means of the projection h·u (μ+, μ−), and ρ, the mean L2 norm
// of the site's activation per token over the tokens the method read (the residual stream's own
// scale there). Adding s·u at every position:
//
//   default strength = 0.35·ρ,  range = ±0.5·ρ          (when ρ is known: every fitting method)
//
// Why ρ and not the gap μ+ − μ−: measured on stories260K (layers 1–3; DiffMean directions for eight
// concepts from sentence-level and one-word contrastive data, plus random unit directions), greedy
// text degenerates (fewer than half of 8 continuations fluent) at s ≈ 0.4–0.55·ρ for every
// direction, random ones included, and a concept that steers at all starts to show at
// s ≈ 0.25–0.4·ρ. The gap, by contrast, ranged from 0.13·ρ to 0.65·ρ on the same concept and layer
// depending only on how the data was written (a mean over long completions dilutes it, one-word
// completions inflate it), so "default = gap" (CAA multiplier 1) steered not at all on sentence
// data and already broke the text on one-word data, and the old range ±max(‖mean h‖, 2|gap|)
// reached 1.2·ρ on one-word data, deep into degenerate output. The edge of the range is where
// degeneration sets in, so "far past the range" (2× and more) is reliably broken text.
//
// Without ρ (a caller that only has summarised rows) the rule falls back to the CAA convention:
//   default = μ+ − μ−,  range = ±max(mean row norm, 2|μ+ − μ−|).

import { dotRow, norm } from './linalg.js';

/** Fractions of the per-token activation norm ρ (see the evidence above). */
export const DEFAULT_FRACTION = 0.35;
export const RANGE_FRACTION = 0.5;

export interface ProjectionStats {
  mu_pos: number;
  mu_neg: number;
  std_pos: number;
  std_neg: number;
  gap: number;
  /** Mean norm of the rows given (summarised activations: per-example means or last tokens). */
  mean_norm: number;
  /** |gap| over the pooled standard deviation (a detection signal-to-noise ratio). */
  separation: number;
  /** ρ: mean per-token activation norm at the site, when the caller measured it. */
  token_norm?: number;
}

export function projectionStats(data: ArrayLike<number>, d: number, labels: readonly number[], u: ArrayLike<number>, tokenNorm?: number): ProjectionStats {
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
  const stats: ProjectionStats = { mu_pos: mp, mu_neg: mn, std_pos: sp, std_neg: sn, gap: mp - mn, mean_norm: normSum / labels.length, separation: Math.abs(mp - mn) / pooled };
  if (tokenNorm !== undefined && tokenNorm > 0) stats.token_norm = tokenNorm;
  return stats;
}

export function derivedStrength(s: ProjectionStats): { default: number; range: [number, number] } {
  if (s.token_norm !== undefined && s.token_norm > 0) {
    const hi = RANGE_FRACTION * s.token_norm;
    return { default: DEFAULT_FRACTION * s.token_norm, range: [-hi, hi] };
  }
  const hi = Math.max(s.mean_norm, 2 * Math.abs(s.gap));
  return { default: s.gap, range: [-hi, hi] };
}
