// The strength range of a weight edit, measured on the model like calibrate.ts does for additive
// directions. The default is 1, the edit as Steer2Edit derives it; strength s scales every λ.
//
//   upper edge  the s > 0 at which the edit moves the next-token distribution of the negative
//               (behaviour-absent) texts by a mean KL of EDGE_KL (1.0 nat/token)
//   lower edge  the s < 0 at which it moves the positive texts' by the same amount
//
// 1 nat is where steering degenerates the text on the models calibrate.ts measured, so the range
// says how far either way the edit can be pushed before the replies break, and whether the
// derived edit itself (s = 1) is already past that point (kl_default ≥ 1).

import type { DecoderModel } from '../../models/decoder.js';
import type { TokenizedExample } from '../../activations/collect.js';
import { hooksFor } from '../../intervene/apply.js';
import { WeightEditIntervention, weightEditSite } from '../../intervene/weight-edit.js';
import { fromStorage } from '../../tensor/tensor.js';
import { crossing, klCurve, EDGE_KL, type KlPoint } from '../calibrate.js';
import type { ProjectionEdit } from './edits.js';

/** Multiples of the derived edit tried, in order, until the KL passes EDGE_KL. */
export const EDIT_GRID: readonly number[] = [0.1, 0.2, 0.35, 0.5, 0.7, 1, 1.4, 2, 2.8, 4, 5.6, 8, 11, 16];

export interface EditRange {
  range: [number, number];
  /** Mean KL per token on the negative texts at strength 1 (null when the curve stopped before 1). */
  klDefault: number | null;
  /** Whether each edge was reached within the grid (else the edge is the grid's end). */
  reached: [boolean, boolean];
  curves: { up: KlPoint[]; down: KlPoint[] };
}

export function editInterventions(edits: readonly ProjectionEdit[], strength: number): WeightEditIntervention[] {
  return edits.map((e) => new WeightEditIntervention(weightEditSite(e.layer, e.proj), fromStorage(e.u, [e.u.length], 'f32'), fromStorage(e.k, [e.k.length], 'f32'), { strength }));
}

export function editRange(model: DecoderModel, edits: readonly ProjectionEdit[], pos: readonly TokenizedExample[], neg: readonly TokenizedExample[], onProgress?: (done: number, total: number) => void): EditRange {
  const hooksAt = (s: number) => hooksFor(editInterventions(edits, s), model.arch.layers);
  const n = EDIT_GRID.length;
  const up = klCurve(model, neg, EDIT_GRID, hooksAt, { onProgress: (d) => onProgress?.(d, 2 * n) });
  const down = klCurve(model, pos, EDIT_GRID.map((s) => -s), hooksAt, { onProgress: (d) => onProgress?.(n + d, 2 * n) });
  const hi = crossing(up, EDGE_KL);
  const lo = crossing(down, EDGE_KL);
  const at1 = up.find((p) => p.strength === 1);
  return {
    range: [lo ?? down[down.length - 1]?.strength ?? -1, hi ?? up[up.length - 1]?.strength ?? 1],
    klDefault: at1 ? at1.kl : null,
    reached: [lo !== null, hi !== null],
    curves: { up, down },
  };
}
