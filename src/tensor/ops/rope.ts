// Rotary position embedding (Hugging Face rotate-half convention). The inverse frequencies and
// their scaling variants live in rope-freq.ts (re-exported here).
import { kernel } from '../../backend/registry.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { fmt } from '../shape.js';
import { computeType, floats, wrap, assertTensor } from './util.js';

export * from './rope-freq.js';

/** Positions as one i32 entry per (batch, token): [T] is shared by every batch row. */
function expandPositions(positions: Tensor, b: number, t: number): Int32Array {
  assertTensor(positions, 'rope: positions');
  if (positions.dtype !== 'i32') throw new Error(`rope: positions must be an i32 tensor, got ${positions.dtype}`);
  const p = positions.data as Int32Array;
  if (positions.rank === 1 && positions.shape[0] === t) {
    if (b === 1) return p;
    const out = new Int32Array(b * t);
    for (let i = 0; i < b; i++) out.set(p, i * t);
    return out;
  }
  if (positions.rank === 2 && positions.shape[0] === b && positions.shape[1] === t) return p;
  throw new Error(`rope: positions must have shape [${t}] or [${b}, ${t}] for input [B=${b}, T=${t}, H, D], got ${fmt(positions.shape)}`);
}

/**
 * Rotates x [B, T, H, D] by position: within each head, pairs (i, i + rotaryDim/2) turn by
 * positions·invFreq[i] (Hugging Face rotate-half). Features past rotaryDim pass through.
 * Gradient: the inverse rotation of the output gradient.
 */
export function rope(x: Tensor, positions: Tensor, invFreq: Float64Array, rotaryDim?: number): Tensor {
  assertTensor(x, 'rope: input');
  if (x.rank !== 4) throw new Error(`rope: input must be [B, T, H, D], got ${fmt(x.shape)}`);
  const [b, t, h, d] = x.shape as [number, number, number, number];
  const rd = rotaryDim ?? d;
  if (!Number.isInteger(rd) || rd <= 0 || rd % 2 !== 0 || rd > d) throw new Error(`rope: rotaryDim must be an even integer in [2, ${d}], got ${rd}`);
  if (!(invFreq instanceof Float64Array) || invFreq.length !== rd / 2) {
    throw new Error(`rope: invFreq must be a Float64Array of rotaryDim/2 = ${rd / 2} entries, got ${invFreq?.length ?? invFreq}`);
  }
  const pos = expandPositions(positions, b, t);
  const ct = computeType(x);
  const f64 = ct === 'f64';
  const out = wrap(kernel('rope', f64)(floats(x, ct), b, t, h, d, rd, pos, invFreq, false), x.shape);
  return record(out, 'rope', [x], (g) => [wrap(kernel('rope', f64)(floats(g, ct), b, t, h, d, rd, pos, invFreq, true), x.shape)]);
}
