// Reference RMSNorm and LayerNorm over rows of x [rows, cols]. Statistics are accumulated in
// JS numbers (f64) whatever the array type; the weight is read per its dtype (bf16/f16 widened).
import type { Kernels } from '../kernels.js';
import type { Storage, DType } from '../../tensor/dtype.js';
import { allocLike, reader } from './util.js';

/** A per-column reader of an optional parameter vector (value `absent` when there is none). */
function param(w: Storage | null, dtype: DType, absent: number): (i: number) => number {
  return w ? reader(w, dtype) : () => absent;
}

export const rmsnorm: Kernels['rmsnorm'] = (x, w, wDtype, rows, cols, eps, weightOffset) => {
  const y = allocLike(x, rows * cols);
  const rstd = allocLike(x, rows);
  const wr = param(w, wDtype, 1);
  const off = w ? weightOffset : 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += x[o + c]! * x[o + c]!;
    const rs = 1 / Math.sqrt(ss / cols + eps);
    rstd[r] = rs;
    for (let c = 0; c < cols; c++) y[o + c] = x[o + c]! * rs * (wr(c) + off);
  }
  return { y, rstd };
};

// y = x·r·w̃ with r = (mean(x²)+eps)^(-1/2), w̃ = w + offset:
//   dx_j = r·g_j·w̃_j − (r³/C)·x_j·Σ_k g_k·w̃_k·x_k,   dw_j = Σ_rows g_j·x_j·r.
export const rmsnormBackward: Kernels['rmsnormBackward'] = (x, w, wDtype, g, rstd, rows, cols, weightOffset) => {
  const dx = allocLike(x, rows * cols);
  const dw = w ? allocLike(x, cols) : null;
  const wr = param(w, wDtype, 1);
  const off = w ? weightOffset : 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const rs = rstd[r]!;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += g[o + c]! * (wr(c) + off) * x[o + c]!;
    const k = (rs * rs * rs * dot) / cols;
    for (let c = 0; c < cols; c++) dx[o + c] = rs * g[o + c]! * (wr(c) + off) - k * x[o + c]!;
    if (dw) for (let c = 0; c < cols; c++) dw[c] = dw[c]! + g[o + c]! * x[o + c]! * rs;
  }
  return { dx, dw };
};

export const layernorm: Kernels['layernorm'] = (x, w, b, wDtype, rows, cols, eps) => {
  const y = allocLike(x, rows * cols);
  const mean = allocLike(x, rows);
  const rstd = allocLike(x, rows);
  const wr = param(w, wDtype, 1);
  const br = param(b, wDtype, 0);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += x[o + c]!;
    const mu = s / cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x[o + c]! - mu) ** 2;
    const rs = 1 / Math.sqrt(v / cols + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let c = 0; c < cols; c++) y[o + c] = (x[o + c]! - mu) * rs * wr(c) + br(c);
  }
  return { y, mean, rstd };
};

// x̂ = (x − μ)·r, gh = g·w:  dx = r·(gh − mean(gh) − x̂·mean(gh·x̂)),  dw = Σ g·x̂,  db = Σ g.
export const layernormBackward: Kernels['layernormBackward'] = (x, w, wDtype, g, mean, rstd, rows, cols) => {
  const dx = allocLike(x, rows * cols);
  const dw = allocLike(x, cols);
  const db = allocLike(x, cols);
  const wr = param(w, wDtype, 1);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const mu = mean[r]!;
    const rs = rstd[r]!;
    let sg = 0;
    let sgx = 0;
    for (let c = 0; c < cols; c++) {
      const xh = (x[o + c]! - mu) * rs;
      const gh = g[o + c]! * wr(c);
      sg += gh;
      sgx += gh * xh;
      dw[c] = dw[c]! + g[o + c]! * xh;
      db[c] = db[c]! + g[o + c]!;
    }
    sg /= cols;
    sgx /= cols;
    for (let c = 0; c < cols; c++) {
      const xh = (x[o + c]! - mu) * rs;
      dx[o + c] = rs * (g[o + c]! * wr(c) - sg - xh * sgx);
    }
  }
  return { dx, dw, db };
};

export const normKernels: Partial<Kernels> = { rmsnorm, rmsnormBackward, layernorm, layernormBackward };
