// The data-derived clamp targets (methods.md §1.6): run the frozen model on every training
// prompt cut right after the assistant-turn header, project the site activation at that last
// token (the source position) onto v, and average per class:
//
//   μ_pos = mean over concept-eliciting prompts x_c,   μ_neg = mean over plain prompts x.
//
// These are exactly the values the DII wrote into base runs during training (the source
// position's projection), so clamping to μ_pos at use time reproduces "as if the prompt had
// asked for the concept", and μ_neg "as if it had not". The sign of v is arbitrary, so μ_pos may
// be below μ_neg; only which mean is clamped to matters. With another source position (ours,
// variants.ts) the reading is the mean over that span (the clause, the reply), for the same
// reason: it is what training wrote. With R rows, each row gets its own pair of means.

import type { DecoderModel } from '../../models/decoder.js';
import { collectActivations } from '../../activations/collect.js';
import { projectionStats, type ProjectionStats } from '../strength.js';
import type { RowPrompts } from './tokenize.js';

/** Class means along each of `rank` rows of `v` ([rank·width]); one ProjectionStats per row. */
export function classMeansRows(model: DecoderModel, site: string, prompts: readonly RowPrompts[], v: ArrayLike<number>, rank: number, onProgress?: (done: number, total: number) => void): ProjectionStats[] {
  const examples = prompts.flatMap((p) => [p.positive, p.negative]).map((s) => ({ ids: s.ids, start: s.span.start, end: s.span.end }));
  const labels = prompts.flatMap(() => [1, 0]);
  // The mean over a one-token span is that token's activation, as the paper reads it.
  const c = collectActivations(model, examples, site, { reduce: 'mean', ...(onProgress ? { onProgress } : {}) });
  if (c.width * rank !== v.length) throw new Error(`CDAS: direction has ${v.length} values, ${rank} row(s) at the site ${site} need ${rank * c.width}`);
  return Array.from({ length: rank }, (_, r) => projectionStats(c.data, c.width, labels, Array.prototype.slice.call(v, r * c.width, (r + 1) * c.width) as number[], c.tokenNorm));
}

/** The class means along one direction v (rank 1). */
export function classMeans(model: DecoderModel, site: string, prompts: readonly RowPrompts[], v: ArrayLike<number>, onProgress?: (done: number, total: number) => void): ProjectionStats {
  return classMeansRows(model, site, prompts, v, 1, onProgress)[0]!;
}
