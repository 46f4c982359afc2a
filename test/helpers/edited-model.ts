// A copy of a model whose o_proj / down_proj carry weight edits for real (f32 matrices W + Σ s·u kᵀ),
// to check that the weight-edit hooks compute the edited weights.
import { DecoderModel } from '../../src/models/decoder.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { editedMatrix, type EditedMatrix } from '../../src/export/weight-edits.js';

export function editedModel(model: DecoderModel, edits: ReadonlyMap<string, EditedMatrix>): DecoderModel {
  const layers = model.weights.layers.map((L) => ({ ...L }));
  for (const m of edits.values()) {
    const L = layers[m.layer]!;
    const lin = m.proj === 'o_proj' ? L.o : L.down;
    // Weights in memory are [out, in] for every architecture (GPT-2's Conv1D is transposed at load).
    const w = fromStorage(editedMatrix(lin.w, 'out-in', m, `layers.${m.layer}.${m.proj}`), [...lin.w.shape], 'f32');
    if (m.proj === 'o_proj') L.o = { ...lin, w };
    else L.down = { ...lin, w };
  }
  return new DecoderModel(model.arch, { ...model.weights, layers });
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}
