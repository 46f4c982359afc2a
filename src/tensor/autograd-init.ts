// Wires the ops the tape needs (gradient accumulation, the seed gradient) without an import cycle.
import { setTapeOps } from './tape.js';
import { add } from './ops/elementwise.js';
import { ones } from './tensor.js';

setTapeOps(add, (t) => ones(t.shape, { dtype: t.dtype === 'f64' ? 'f64' : 'f32' }));
