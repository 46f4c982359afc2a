// Which base positions the training-time interchange writes into (variants.ts). The paper writes
// every base token but BOS, which the intervention's own 'all' + excludeBos already does. Writing
// only the prompt or only the reply (ours) needs a per-row mask: in a left-padded training batch
// every row has its own prompt length, which a PositionSpec (one prompt length per batch) cannot say.

import { fromStorage, type Tensor } from '../../tensor/tensor.js';
import * as ops from '../../tensor/ops/index.js';
import type { HookContext } from '../../models/hooks.js';
import { InterchangeIntervention } from '../../intervene/interventions.js';
import type { Sequence } from './tokenize.js';
import type { BasePositions } from './variants.js';

/**
 * A [B·T] 0/1 mask of the base positions to write for a left-padded batch (pad[b] padding tokens
 * before row b), or null for 'all' (the intervention's own positions then decide, as in the paper).
 * 'prompt': the prompt's tokens (BOS excluded when excludeBos); 'reply': the reply's tokens.
 */
export function baseMask(seqs: readonly Sequence[], pad: Int32Array, T: number, which: BasePositions, excludeBos: boolean): Float32Array | null {
  if (which === 'all') return null;
  const m = new Float32Array(seqs.length * T);
  seqs.forEach((s, b) => {
    const [from, to] = which === 'prompt' ? [excludeBos ? 1 : 0, s.promptLength] : [s.promptLength, s.ids.length];
    for (let j = from; j < to; j++) m[b * T + pad[b]! + j] = 1;
  });
  return m;
}

/** The interchange intervention with an optional per-row mask of the positions it writes (set per batch). */
export class MaskedInterchange extends InterchangeIntervention {
  /** [B·T] 0/1 over the whole padded batch; null: the intervention's own positions. */
  mask: Float32Array | null = null;

  override apply(h: Tensor, ctx: HookContext): Tensor {
    const out = super.apply(h, ctx);
    if (!this.mask) return out;
    const [B, T] = [h.shape[0]!, h.shape[1]!];
    // Training runs whole sequences in one forward pass: the mask covers them from position 0.
    if (ctx.offset !== 0 || this.mask.length !== B * T) throw new Error(`CDAS: the base-position mask covers ${this.mask.length} positions, the batch has ${B}×${T} from offset ${ctx.offset}`);
    const width = h.size / (B * T);
    const flat = ops.reshape(h, [B, T, width]);
    const edited = ops.reshape(out, [B, T, width]);
    const m = fromStorage(this.mask, [B, T, 1], 'f32');
    return ops.reshape(ops.add(flat, ops.mul(ops.sub(edited, flat), m)), h.shape);
  }
}
