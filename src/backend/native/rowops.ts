// Native adapters for the row-wise and elementwise kernels (native/src/rowops.cc, eltwise.cc).
// Outputs are allocated here (zeroed Float32Arrays) and filled by the addon. Only f32 data goes
// native; anything else (f64, an f64 weight, a broadcast pattern the addon lacks) returns the
// reference kernel's result, so every adapter accepts exactly what the contract allows.
import type { BinaryOp, Kernels, UnaryOp } from '../kernels.js';
import type { DType, Storage } from '../../tensor/dtype.js';
import type { NativeAddon } from './kernels.js';
import { allocF32 } from '../../tensor/pool.js';
import { referenceKernels as R } from '../reference/index.js';

type Fn = (...args: unknown[]) => unknown;

const BINARY_CODES: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 };
const UNARY_CODES: Record<UnaryOp, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, rsqrt: 4, square: 5, abs: 6, recip: 7,
  tanh: 8, sigmoid: 9, relu: 10, silu: 11, gelu: 12, gelu_erf: 13,
};
// Broadcast layouts of the second operand (eltwise_impl.inc): same shape, a repeated row, one
// value per row, one value for everything.
const FULL = 0, ROW = 1, COL = 2, SCALAR = 3;

const isF32 = (a: unknown): a is Float32Array => a instanceof Float32Array;

/** dtype code for a parameter the addon can read (0 f32, 1 bf16, 2 f16), or −1 if it cannot. */
function paramCode(w: Storage | null, dtype: DType): number {
  if (w === null) return 0;
  if (dtype === 'f32' && w instanceof Float32Array) return 0;
  if (dtype === 'bf16' && w instanceof Uint16Array) return 1;
  if (dtype === 'f16' && w instanceof Uint16Array) return 2;
  return -1;
}

/** How operand shape `s` (right-aligned to `out`) broadcasts: a layout and its row length. */
function layoutOf(s: readonly number[], out: readonly number[]): { mode: number; len: number } | null {
  const r = out.length;
  if (s.every((d) => d === 1)) return { mode: SCALAR, len: 1 };
  // ROW: leading axes broadcast, trailing axes (from k) match → y repeats every prod(out[k:]).
  let k = 0;
  while (k < r && s[k] === 1) k++;
  if (s.slice(k).every((d, i) => d === out[k + i])) return { mode: ROW, len: out.slice(k).reduce((a, b) => a * b, 1) };
  // COL: leading axes match, trailing axes (from j) broadcast → one y value per row of prod(out[j:]).
  let j = r;
  while (j > 0 && s[j - 1] === 1) j--;
  if (s.slice(0, j).every((d, i) => d === out[i])) return { mode: COL, len: out.slice(j).reduce((a, b) => a * b, 1) };
  return null;
}

function wrapElementwise(addon: NativeAddon): Partial<Kernels> {
  const k: Partial<Kernels> = {};
  const binaryRows = addon.binaryRows as Fn | undefined;
  const unary = addon.unary as Fn | undefined;
  const unaryBackward = addon.unaryBackward as Fn | undefined;
  const affine = addon.affine as Fn | undefined;
  if (binaryRows) {
    k.binary = (op, a, aShape, b, bShape, outShape) => {
      if (!isF32(a) || !isF32(b)) return R.binary(op, a, aShape, b, bShape, outShape);
      const n = outShape.reduce((x, y) => x * y, 1);
      if (n === 0) return allocF32(0);
      let lay: { mode: number; len: number } | null = null;
      let swap = false;
      if (a.length === n && b.length === n) lay = { mode: FULL, len: n };
      else if (a.length === n) lay = layoutOf(bShape, outShape);
      else if (b.length === n) {
        lay = layoutOf(aShape, outShape);
        swap = true;
      }
      if (!lay) return R.binary(op, a, aShape, b, bShape, outShape);
      const out = allocF32(n);
      const [x, y] = swap ? [b, a] : [a, b];
      const full = lay.mode === FULL || lay.mode === SCALAR;
      binaryRows(BINARY_CODES[op], swap, x, y, lay.mode, full ? n : lay.len, full ? 1 : n / lay.len, out);
      return out;
    };
  }
  if (unary) {
    k.unary = (op, x) => {
      if (!isF32(x)) return R.unary(op, x);
      const out = allocF32(x.length);
      unary(UNARY_CODES[op], x, out);
      return out;
    };
  }
  if (unaryBackward) {
    k.unaryBackward = (op, x, y, g) => {
      if (!isF32(x) || !isF32(y) || !isF32(g)) return R.unaryBackward(op, x, y, g);
      const out = allocF32(x.length);
      unaryBackward(UNARY_CODES[op], x, y, g, out);
      return out;
    };
  }
  if (affine) {
    k.affine = (x, scale, shift) => {
      if (!isF32(x)) return R.affine(x, scale, shift);
      const out = allocF32(x.length);
      affine(x, scale, shift, out);
      return out;
    };
  }
  return k;
}

function wrapNorms(addon: NativeAddon): Partial<Kernels> {
  const k: Partial<Kernels> = {};
  const rmsnorm = addon.rmsnorm as Fn | undefined;
  const rmsnormBackward = addon.rmsnormBackward as Fn | undefined;
  const layernorm = addon.layernorm as Fn | undefined;
  const layernormBackward = addon.layernormBackward as Fn | undefined;
  if (rmsnorm) {
    k.rmsnorm = (x, w, wDtype, rows, cols, eps, off) => {
      const dt = paramCode(w, wDtype);
      if (!isF32(x) || dt < 0) return R.rmsnorm(x, w, wDtype, rows, cols, eps, off);
      const y = allocF32(rows * cols);
      const rstd = allocF32(rows);
      rmsnorm(x, w, dt, rows, cols, eps, off, y, rstd);
      return { y, rstd };
    };
  }
  if (rmsnormBackward) {
    k.rmsnormBackward = (x, w, wDtype, g, rstd, rows, cols, off) => {
      const dt = paramCode(w, wDtype);
      if (!isF32(x) || !isF32(g) || !isF32(rstd) || dt < 0) return R.rmsnormBackward(x, w, wDtype, g, rstd, rows, cols, off);
      const dx = allocF32(rows * cols);
      const dw = w ? allocF32(cols) : null;
      rmsnormBackward(x, w, dt, g, rstd, rows, cols, off, dx, dw);
      return { dx, dw };
    };
  }
  if (layernorm) {
    k.layernorm = (x, w, b, wDtype, rows, cols, eps) => {
      const dt = paramCode(w ?? b, wDtype);
      if (!isF32(x) || dt < 0 || paramCode(b, wDtype) < 0) return R.layernorm(x, w, b, wDtype, rows, cols, eps);
      const y = allocF32(rows * cols);
      const mean = allocF32(rows);
      const rstd = allocF32(rows);
      layernorm(x, w, b, dt, rows, cols, eps, y, mean, rstd);
      return { y, mean, rstd };
    };
  }
  if (layernormBackward) {
    k.layernormBackward = (x, w, wDtype, g, mean, rstd, rows, cols) => {
      const dt = paramCode(w, wDtype);
      if (!isF32(x) || !isF32(g) || !isF32(mean) || !isF32(rstd) || dt < 0) return R.layernormBackward(x, w, wDtype, g, mean, rstd, rows, cols);
      const dx = allocF32(rows * cols);
      const dw = allocF32(cols);
      const db = allocF32(cols);
      layernormBackward(x, w, dt, g, mean, rstd, rows, cols, dx, dw, db);
      return { dx, dw, db };
    };
  }
  return k;
}

function wrapRopeEmbedding(addon: NativeAddon): Partial<Kernels> {
  const k: Partial<Kernels> = {};
  const rope = addon.rope as Fn | undefined;
  const gather = addon.gather as Fn | undefined;
  const scatterAdd = addon.scatterAdd as Fn | undefined;
  if (rope) {
    k.rope = (x, batch, t, heads, d, rd, positions, invFreq, inverse) => {
      if (!isF32(x)) return R.rope(x, batch, t, heads, d, rd, positions, invFreq, inverse);
      const out = allocF32(x.length);
      rope(x, batch, t, heads, d, rd, positions, invFreq, inverse, out);
      return out;
    };
  }
  if (gather) {
    k.gather = (table, tableDtype, rows, cols, ids, outType) => {
      const dt = paramCode(table, tableDtype);
      if (outType !== 'f32' || dt < 0) return R.gather(table, tableDtype, rows, cols, ids, outType);
      const out = allocF32(ids.length * cols);
      gather(table, dt, rows, cols, ids, out);
      return out;
    };
  }
  if (scatterAdd) {
    k.scatterAdd = (g, ids, rows, cols) => {
      if (!isF32(g)) return R.scatterAdd(g, ids, rows, cols);
      const out = allocF32(rows * cols);
      scatterAdd(g, ids, rows, cols, out);
      return out;
    };
  }
  return k;
}

function wrapSoftmaxLosses(addon: NativeAddon): Partial<Kernels> {
  const k: Partial<Kernels> = {};
  const softmax = addon.softmax as Fn | undefined;
  const softmaxBackward = addon.softmaxBackward as Fn | undefined;
  const ce = addon.crossEntropy as Fn | undefined;
  const ceBackward = addon.crossEntropyBackward as Fn | undefined;
  const div = addon.divergence as Fn | undefined;
  const divBackward = addon.divergenceBackward as Fn | undefined;
  if (softmax) {
    k.softmax = (x, rows, cols, log) => {
      if (!isF32(x)) return R.softmax(x, rows, cols, log);
      const out = allocF32(rows * cols);
      softmax(x, rows, cols, log, out);
      return out;
    };
  }
  if (softmaxBackward) {
    k.softmaxBackward = (y, g, rows, cols, log) => {
      if (!isF32(y) || !isF32(g)) return R.softmaxBackward(y, g, rows, cols, log);
      const out = allocF32(rows * cols);
      softmaxBackward(y, g, rows, cols, log, out);
      return out;
    };
  }
  if (ce) {
    k.crossEntropy = (logits, targets, rows, vocab, ignoreIndex) => {
      if (!isF32(logits)) return R.crossEntropy(logits, targets, rows, vocab, ignoreIndex);
      const loss = allocF32(rows);
      const lse = allocF32(rows);
      ce(logits, targets, rows, vocab, ignoreIndex, loss, lse);
      return { loss, lse };
    };
  }
  if (ceBackward) {
    k.crossEntropyBackward = (logits, targets, lse, gRow, rows, vocab, ignoreIndex) => {
      if (!isF32(logits) || !isF32(lse) || !isF32(gRow)) return R.crossEntropyBackward(logits, targets, lse, gRow, rows, vocab, ignoreIndex);
      const out = allocF32(rows * vocab);
      ceBackward(logits, targets, lse, gRow, rows, vocab, ignoreIndex, out);
      return out;
    };
  }
  if (div) {
    k.divergence = (kind, p, q, rows, vocab) => {
      if (!isF32(p) || !isF32(q)) return R.divergence(kind, p, q, rows, vocab);
      const out = allocF32(rows);
      div(kind === 'jsd', p, q, rows, vocab, out);
      return out;
    };
  }
  if (divBackward) {
    k.divergenceBackward = (kind, p, q, gRow, rows, vocab) => {
      if (!isF32(p) || !isF32(q) || !isF32(gRow)) return R.divergenceBackward(kind, p, q, gRow, rows, vocab);
      const dp = allocF32(rows * vocab);
      const dq = allocF32(rows * vocab);
      divBackward(kind === 'jsd', p, q, gRow, rows, vocab, dp, dq);
      return { dp, dq };
    };
  }
  return k;
}

export function wrapRowops(addon: NativeAddon): Partial<Kernels> {
  return { ...wrapElementwise(addon), ...wrapNorms(addon), ...wrapRopeEmbedding(addon), ...wrapSoftmaxLosses(addon) };
}

/** Forces the instruction set of these kernels and of fused attention ('generic' | 'avx2' | 'avx512' | 'auto'); returns the active one. */
export function rowopsIsa(addon: NativeAddon, name?: 'generic' | 'avx2' | 'avx512' | 'auto'): string {
  const f = addon.rowopsIsa as ((n?: string) => string) | undefined;
  if (!f) throw new Error('the native addon has no rowopsIsa (rebuild it)');
  return f(name);
}

/** Sets the work (≈ f32 operations) below which these kernels stay on the calling thread; returns it. */
export function rowopsParallelWork(addon: NativeAddon, units?: number): number {
  const f = addon.rowopsParallelWork as ((n?: number) => number) | undefined;
  if (!f) throw new Error('the native addon has no rowopsParallelWork (rebuild it)');
  return f(units);
}
