// The data-derived clamp targets (methods.md §1.6): run the frozen model on every training
// prompt cut right after the assistant-turn header, project the site activation at that last
// token (the source position) onto v, and average per class:
//
//   μ_pos = mean over concept-eliciting prompts x_c,   μ_neg = mean over plain prompts x.
//
// These are exactly the values the DII wrote into base runs during training (the source
// position's projection), so clamping to μ_pos at use time reproduces "as if the prompt had
// asked for the concept", and μ_neg "as if it had not". The sign of v is arbitrary, so μ_pos may
// be below μ_neg; only which mean is clamped to matters.

import type { DecoderModel } from '../../models/decoder.js';
import { collectActivations } from '../collect.js';
import { projectionStats, type ProjectionStats } from '../strength.js';
import type { RowPrompts } from './tokenize.js';

export function classMeans(model: DecoderModel, site: string, prompts: readonly RowPrompts[], v: ArrayLike<number>, onProgress?: (done: number, total: number) => void): ProjectionStats {
  const examples = prompts.flatMap((p) => [p.positive, p.negative]).map((s) => ({ ids: s.ids, start: s.sourcePos, end: s.sourcePos + 1 }));
  const labels = prompts.flatMap(() => [1, 0]);
  const c = collectActivations(model, examples, site, { reduce: 'last', ...(onProgress ? { onProgress } : {}) });
  if (c.width !== v.length) throw new Error(`CDAS: direction has ${v.length} values, the site ${site} has width ${c.width}`);
  return projectionStats(c.data, c.width, labels, v, c.tokenNorm);
}
