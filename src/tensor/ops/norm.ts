// RMSNorm and LayerNorm over the last axis, with gradients to the input and to the parameters
// that ask for one. Parameters are read in their stored dtype (bf16/f16 weights are not widened
// in memory); the computation runs in f32, or f64 when any input is f64.
import { kernel } from '../../backend/registry.js';
import type { DType, Storage } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { record } from '../tape.js';
import { fmt } from '../shape.js';
import { computeType, floats, wrap, assertTensor } from './util.js';
import { recycle } from '../pool.js';

function rowsCols(x: Tensor, what: string): { rows: number; cols: number } {
  assertTensor(x, `${what}: input`);
  if (x.rank === 0) throw new Error(`${what}: input must have at least one axis, got a scalar`);
  if (x.dtype === 'i32') throw new Error(`${what}: input must be a float tensor, got i32`);
  const cols = x.shape[x.rank - 1]!;
  return { rows: cols === 0 ? 0 : x.size / cols, cols };
}

function checkParam(p: Tensor | null, cols: number, what: string): void {
  if (p === null) return;
  assertTensor(p, what);
  if (p.rank !== 1 || p.shape[0] !== cols) throw new Error(`${what} must have shape [${cols}] (the last axis of the input), got ${fmt(p.shape)}`);
  if (p.dtype === 'i32') throw new Error(`${what} must be a float tensor, got i32`);
}

function checkEps(eps: number, what: string): void {
  if (!(Number.isFinite(eps) && eps >= 0)) throw new Error(`${what}: eps must be a finite number ≥ 0, got ${eps}`);
}

/** y = x / sqrt(mean(x²) + eps) · (weight + weightOffset); Gemma uses weightOffset = 1. */
export function rmsNorm(x: Tensor, weight: Tensor | null, eps: number, weightOffset = 0): Tensor {
  const { rows, cols } = rowsCols(x, 'rmsNorm');
  checkParam(weight, cols, 'rmsNorm: weight');
  checkEps(eps, 'rmsNorm');
  if (!Number.isFinite(weightOffset)) throw new Error(`rmsNorm: weightOffset must be finite, got ${weightOffset}`);
  const ct = computeType(x, weight);
  const f64 = ct === 'f64';
  const xf = floats(x, ct);
  // The weight is read as stored (bf16/f16 included); the kernel widens it per element.
  const w: { data: Storage; dtype: DType } | null = weight ? { data: weight.data, dtype: weight.dtype } : null;
  const { y, rstd } = kernel('rmsnorm', f64)(xf, w?.data ?? null, w?.dtype ?? ct, rows, cols, eps, weightOffset);
  const out = wrap(y, x.shape);
  const inputs = weight ? [x, weight] : [x];
  record(out, 'rmsNorm', inputs, (g, needs) => {
    const r = kernel('rmsnormBackward', f64)(xf, w?.data ?? null, w?.dtype ?? ct, floats(g, ct), rstd, rows, cols, weightOffset);
    return [needs[0] ? wrap(r.dx, x.shape) : null, needs[1] && r.dw ? wrap(r.dw, [cols]) : null];
  });
  if (!out.node) recycle(rstd);  // no backward rule will read it
  return out;
}

/** y = (x − mean) / sqrt(var + eps) · weight + bias over the last axis (biased variance). */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor {
  const { rows, cols } = rowsCols(x, 'layerNorm');
  checkParam(weight, cols, 'layerNorm: weight');
  checkParam(bias, cols, 'layerNorm: bias');
  checkEps(eps, 'layerNorm');
  const ct = computeType(x, weight, bias);
  const f64 = ct === 'f64';
  const xf = floats(x, ct);
  // The kernel reads weight and bias with one dtype: widen both when they are stored differently.
  const same = !weight || !bias || weight.dtype === bias.dtype;
  const wDtype: DType = same ? (weight ?? bias)?.dtype ?? ct : ct;
  const wData = weight ? (same ? weight.data : floats(weight, ct)) : null;
  const bData = bias ? (same ? bias.data : floats(bias, ct)) : null;
  const { y, mean, rstd } = kernel('layernorm', f64)(xf, wData, bData, wDtype, rows, cols, eps);
  const out = wrap(y, x.shape);
  const params = [weight, bias].filter((p): p is Tensor => p !== null);
  record(out, 'layerNorm', [x, ...params], (g, needs) => {
    const r = kernel('layernormBackward', f64)(xf, wData, wDtype, floats(g, ct), mean, rstd, rows, cols);
    const grads: (Tensor | null)[] = [needs[0] ? wrap(r.dx, x.shape) : null];
    let i = 1;
    if (weight) grads.push(needs[i++] ? wrap(r.dw, [cols]) : null);
    if (bias) grads.push(needs[i++] ? wrap(r.db, [cols]) : null);
    return grads;
  });
  if (!out.node) {
    // No backward rule will read them.
    recycle(mean);
    recycle(rstd);
  }
  return out;
}
