// Token embedding: rows of a [V, D] table picked by integer ids, with the gradient (a scatter-add)
// computed only when the table asks for one. The table is read in its stored dtype.
import { kernel } from '../../backend/registry.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { fmt } from '../shape.js';
import { floats, wrap, assertTensor } from './util.js';

/** weight [V, D] (f32, bf16, f16 or f64) and ids (i32, any shape) → [...ids.shape, D] (f32, or f64 for f64 tables). */
export function embedding(weight: Tensor, ids: Tensor): Tensor {
  assertTensor(weight, 'embedding: weight');
  assertTensor(ids, 'embedding: ids');
  if (weight.rank !== 2) throw new Error(`embedding: weight must be [vocab, dim], got ${fmt(weight.shape)}`);
  if (weight.dtype === 'i32') throw new Error('embedding: weight must be a float tensor, got i32');
  if (ids.dtype !== 'i32') throw new Error(`embedding: ids must be an i32 tensor, got ${ids.dtype}`);
  const [v, d] = weight.shape as [number, number];
  const idx = ids.data as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    const id = idx[i]!;
    if (id < 0 || id >= v) throw new Error(`embedding: id ${id} at flat position ${i} of ids ${fmt(ids.shape)} is out of range for a vocabulary of ${v}`);
  }
  const ct = weight.dtype === 'f64' ? 'f64' : 'f32';
  const f64 = ct === 'f64';
  const out = wrap(kernel('gather', f64)(weight.data, weight.dtype, v, d, idx, ct), [...ids.shape, d]);
  return record(out, 'embedding', [weight], (g) => [wrap(kernel('scatterAdd', f64)(floats(g, ct), idx, v, d), [v, d])]);
}
