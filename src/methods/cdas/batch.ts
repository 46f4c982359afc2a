// Left-padded batches of token sequences (the layout DecoderModel.forward and generation use).
import { fromStorage, type Tensor } from '../../tensor/tensor.js';

export interface PaddedBatch {
  ids: Tensor;
  /** Left padding per row (null when no row is padded). */
  padding: Int32Array | null;
  /** Padded length. */
  T: number;
  /** Left padding per row, always present (zeros when unpadded). */
  pad: Int32Array;
}

export function padBatch(seqs: readonly (readonly number[])[], padId: number): PaddedBatch {
  if (seqs.length === 0) throw new Error('padBatch: no sequences');
  const T = Math.max(...seqs.map((s) => s.length));
  const pad = Int32Array.from(seqs, (s) => T - s.length);
  const ids = new Int32Array(seqs.length * T).fill(padId);
  seqs.forEach((s, b) => ids.set(s, b * T + pad[b]!));
  return { ids: fromStorage(ids, [seqs.length, T], 'i32'), padding: pad.some((p) => p > 0) ? pad : null, T, pad };
}
