// Softmax and log-softmax over the last axis, with gradients.
import { kernel } from '../../backend/registry.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { normAxis } from '../shape.js';
import { computeType, floats, wrap, assertTensor } from './util.js';

function softmaxImpl(x: Tensor, axis: number, log: boolean): Tensor {
  assertTensor(x, log ? 'logSoftmax' : 'softmax');
  if (normAxis(axis, x.rank) !== x.rank - 1) throw new Error(`${log ? 'logSoftmax' : 'softmax'}: only the last axis is supported (got axis ${axis}); transpose first`);
  const ct = computeType(x);
  const cols = x.shape[x.rank - 1]!;
  const rows = cols === 0 ? 0 : x.size / cols;
  const out = wrap(kernel('softmax', ct === 'f64')(floats(x, ct), rows, cols, log), x.shape);
  return record(out, log ? 'logSoftmax' : 'softmax', [x], (g) => [
    wrap(kernel('softmaxBackward', ct === 'f64')(out.f, floats(g, ct), rows, cols, log), x.shape),
  ]);
}

export const softmax = (x: Tensor, axis = -1): Tensor => softmaxImpl(x, axis, false);
export const logSoftmax = (x: Tensor, axis = -1): Tensor => softmaxImpl(x, axis, true);
