// Rotary position embedding (Hugging Face rotate-half convention) and the inverse frequencies,
// including the RoPE scaling variants that Hugging Face configs name (linear, llama3).
import { kernel } from '../../backend/registry.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { fmt } from '../shape.js';
import { computeType, floats, wrap, assertTensor } from './util.js';

/** The `rope_scaling` block of a Hugging Face config (both spellings of the type key). */
export interface RopeScaling {
  rope_type?: string;
  type?: string;
  factor?: number;
  low_freq_factor?: number;
  high_freq_factor?: number;
  original_max_position_embeddings?: number;
}

export interface RopeInvFreqOptions {
  headDim: number;
  /** rope_theta (the base). */
  theta: number;
  /** Rotated features per head (partial rotary); default headDim. */
  rotaryDim?: number;
  scaling?: RopeScaling | null;
}

function need(s: RopeScaling, key: keyof RopeScaling, type: string): number {
  const v = s[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`ropeInvFreq: rope_scaling of type '${type}' needs a numeric '${key}', got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Inverse frequencies invFreq[i] = theta^(−2i/rotaryDim), i < rotaryDim/2, with the scaling
 * Hugging Face applies (transformers' `ROPE_INIT_FUNCTIONS`): 'default', 'linear' (÷ factor) and
 * 'llama3' (`_compute_llama3_parameters`: long wavelengths ÷ factor, short ones kept, smooth
 * interpolation between). Values are rounded to f32 because Hugging Face keeps inv_freq as a
 * float32 buffer, and positions × inv_freq in f32 is what the models were trained with.
 */
export function ropeInvFreq(opts: RopeInvFreqOptions): Float64Array {
  const { headDim, theta } = opts;
  const dim = opts.rotaryDim ?? headDim;
  if (!Number.isInteger(headDim) || headDim <= 0) throw new Error(`ropeInvFreq: headDim must be a positive integer, got ${headDim}`);
  if (!Number.isInteger(dim) || dim <= 0 || dim % 2 !== 0 || dim > headDim) throw new Error(`ropeInvFreq: rotaryDim must be an even integer in [2, headDim=${headDim}], got ${dim}`);
  if (!(Number.isFinite(theta) && theta > 0)) throw new Error(`ropeInvFreq: theta must be a positive number, got ${theta}`);
  const half = dim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / theta ** ((2 * i) / dim);

  const s = opts.scaling ?? null;
  const type = s ? (s.rope_type ?? s.type ?? 'default') : 'default';
  if (s && type === 'linear') {
    const factor = need(s, 'factor', type);
    for (let i = 0; i < half; i++) inv[i] = inv[i]! / factor;
  } else if (s && type === 'llama3') {
    const factor = need(s, 'factor', type);
    const lowFreqFactor = need(s, 'low_freq_factor', type);
    const highFreqFactor = need(s, 'high_freq_factor', type);
    const oldContextLen = need(s, 'original_max_position_embeddings', type);
    const lowFreqWavelen = oldContextLen / lowFreqFactor;
    const highFreqWavelen = oldContextLen / highFreqFactor;
    for (let i = 0; i < half; i++) {
      const f = inv[i]!;
      const wavelen = (2 * Math.PI) / f;
      if (wavelen < highFreqWavelen) continue; // high frequency: kept
      if (wavelen > lowFreqWavelen) {
        inv[i] = f / factor; // low frequency: fully scaled
      } else {
        const smooth = (oldContextLen / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        inv[i] = ((1 - smooth) * f) / factor + smooth * f;
      }
    }
  } else if (type !== 'default') {
    throw new Error(`ropeInvFreq: rope scaling type '${type}' is not supported (supported: default, linear, llama3)`);
  }
  for (let i = 0; i < half; i++) inv[i] = Math.fround(inv[i]!);
  return inv;
}

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
