// Steering strength calibrated on the model's own response to the fitting data: the strength at
// which adding s·u at the site moves the next-token distribution of the negative (concept-absent)
// texts by a mean KL of κ nats per token.
//
//   default strength = s at KL = DEFAULT_KL (0.4),  range = ±(s at KL = EDGE_KL (1.0))
//
// Why KL and not a fixed fraction of ρ (the per-token activation norm; strength.ts): where a
// direction starts to steer, and where the text breaks, sits at very different fractions of ρ from
// layer to layer and model to model, but at much the same shift of the output distribution.
// Measured with greedy replies (examples/stories260K/dog.jsonl; the organism's topic pairs with
// bench/organism-steering/reply-diffmean.mjs):
//   stories260K, layers 1–3: the dog shows at 0.25–0.4ρ and text degenerates from 0.4–0.55ρ; the
//     KL on the concept-absent openings is 0.15–0.65 and 0.5–1.3 nats there. Calibrated: default
//     0.32–0.39ρ, edge 0.45–0.50ρ.
//   a 6-layer organism candidate (800-step checkpoint), layers 3–5: topics start to show at ~0.5ρ
//     in the middle layers and ~0.8ρ at the last, with KL 0.45 and 0.45–0.9 nats. Calibrated:
//     default 0.48–0.52ρ (layers 3–4) and 0.65ρ (layer 5), where the ρ rule's 0.35ρ moved nothing.
//   the shipped organism, layer 2: calibrated default 0.42–0.57ρ over the 8 topics; replies parse
//     (0.81–1.00) and start to carry the topic (test/organism/steering.test.ts).
// So κ = 0.4 sits at the onset of steering on both models and every layer measured, and κ = 1.0
// where degeneration sets in, so "far past the range" stays broken text.
//
// Cost: one forward pass per text for the base distribution and one per text and grid point until
// the KL passes EDGE_KL (typically 8–12 points) over at most CALIBRATION_TEXTS texts.

import type { DecoderModel } from '../models/decoder.js';
import type { TokenizedExample } from '../activations/collect.js';
import type { PositionSpec } from '../intervene/positions.js';
import { AddIntervention } from '../intervene/interventions.js';
import { hooksFor } from '../intervene/apply.js';
import type { Hooks } from '../models/hooks.js';
import { fromStorage } from '../tensor/tensor.js';
import { tidy } from '../tensor/scope.js';
import { noGrad } from '../tensor/tape.js';
import * as ops from '../tensor/ops/index.js';

export const DEFAULT_KL = 0.4;
export const EDGE_KL = 1.0;
export const CALIBRATION_TEXTS = 16;
/** Strengths tried, as fractions of ρ. */
export const FRACTION_GRID: readonly number[] = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.4, 1.7, 2.0, 2.5, 3.0];

export interface KlPoint {
  strength: number;
  kl: number;
}

export interface Calibration {
  default: number;
  range: [number, number];
  /** The measured curve (strength, mean KL per token), up to the first point past EDGE_KL. */
  curve: KlPoint[];
}

/** Log-probabilities of the rows that predict a text's completion tokens (at least one row). */
function completionLogProbs(model: DecoderModel, e: TokenizedExample, hooks: Hooks | null): Float64Array[] {
  return tidy(() =>
    noGrad(() => {
      const logits = model.forward(fromStorage(Int32Array.from(e.ids), [1, e.ids.length], 'i32'), hooks ? { hooks } : {});
      const f = ops.logSoftmax(logits.toFloat('f32'), -1).data as Float32Array;
      const vocab = f.length / e.ids.length;
      const rows: Float64Array[] = [];
      for (let p = Math.max(0, e.start - 1); p < Math.max(e.start, e.end - 1); p++) rows.push(Float64Array.from(f.subarray(p * vocab, (p + 1) * vocab)));
      return rows;
    }),
  );
}

/** Mean over rows of KL(steered ‖ base). */
function meanKl(steered: Float64Array[][], base: Float64Array[][]): number {
  let sum = 0;
  let n = 0;
  steered.forEach((rows, j) =>
    rows.forEach((a, r) => {
      const b = base[j]![r]!;
      let k = 0;
      for (let i = 0; i < a.length; i++) k += Math.exp(a[i]!) * (a[i]! - b[i]!);
      sum += Math.max(0, k);
      n++;
    }),
  );
  return sum / Math.max(1, n);
}

/** Strength at which the curve reaches `target`, interpolated in log KL between grid points. */
export function crossing(curve: readonly KlPoint[], target: number): number | null {
  const i = curve.findIndex((p) => p.kl >= target);
  if (i < 0) return null;
  if (i === 0) return curve[0]!.strength * (target / Math.max(curve[0]!.kl, 1e-12));
  const a = curve[i - 1]!;
  const b = curve[i]!;
  const la = Math.log(Math.max(a.kl, 1e-12));
  const lb = Math.log(b.kl);
  const t = lb > la ? (Math.log(target) - la) / (lb - la) : 1;
  return a.strength + t * (b.strength - a.strength);
}

/**
 * Mean KL per completion token of the model under `hooksAt(s)` against the model without hooks, on
 * up to CALIBRATION_TEXTS texts, for each strength in turn until the first point past EDGE_KL.
 */
export function klCurve(model: DecoderModel, texts: readonly TokenizedExample[], strengths: readonly number[], hooksAt: (s: number) => Hooks, opts: { onProgress?: (done: number, total: number) => void } = {}): KlPoint[] {
  const sample = texts.slice(0, CALIBRATION_TEXTS);
  if (sample.length === 0) return [];
  const base = sample.map((e) => completionLogProbs(model, e, null));
  const curve: KlPoint[] = [];
  for (const [k, s] of strengths.entries()) {
    const hooks = hooksAt(s);
    const kl = meanKl(sample.map((e) => completionLogProbs(model, e, hooks)), base);
    curve.push({ strength: s, kl });
    opts.onProgress?.(k + 1, strengths.length);
    if (kl >= EDGE_KL) break;
  }
  return curve;
}

/**
 * Calibrates an additive direction `u` (unit) at `site` on the concept-absent texts. Returns null when
 * the KL never reaches DEFAULT_KL within FRACTION_GRID·ρ (a direction the model ignores); the caller
 * then falls back to the ρ rule.
 */
export function calibrateStrength(
  model: DecoderModel,
  texts: readonly TokenizedExample[],
  site: string,
  u: ArrayLike<number>,
  rho: number,
  opts: { positions?: PositionSpec; onProgress?: (done: number, total: number) => void } = {},
): Calibration | null {
  if (texts.length === 0 || !(rho > 0)) return null;
  const dir = fromStorage(Float32Array.from(u as ArrayLike<number>), [u.length], 'f32');
  const hooksAt = (s: number) => hooksFor([new AddIntervention(site, dir, { strength: s, positions: opts.positions ?? 'all' })], model.arch.layers);
  const curve = klCurve(model, texts, FRACTION_GRID.map((f) => f * rho), hooksAt, opts);
  const lo = crossing(curve, DEFAULT_KL);
  if (lo === null) return null;
  const hi = crossing(curve, EDGE_KL) ?? curve[curve.length - 1]!.strength;
  return { default: lo, range: [-hi, hi], curve };
}
