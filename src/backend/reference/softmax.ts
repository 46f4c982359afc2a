// Reference softmax / log-softmax over rows, numerically stable (max-shifted).
import type { Kernels } from '../kernels.js';
import { allocLike } from './util.js';

export const softmax: Kernels['softmax'] = (x, rows, cols, log) => {
  const out = allocLike(x, rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mx = -Infinity;
    for (let c = 0; c < cols; c++) if (x[o + c]! > mx) mx = x[o + c]!;
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[o + c]! - mx);
    if (log) {
      const lse = mx + Math.log(s);
      for (let c = 0; c < cols; c++) out[o + c] = x[o + c]! - lse;
    } else {
      for (let c = 0; c < cols; c++) out[o + c] = Math.exp(x[o + c]! - mx) / s;
    }
  }
  return out;
};

export const softmaxBackward: Kernels['softmaxBackward'] = (y, g, rows, cols, log) => {
  const out = allocLike(y, rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    if (log) {
      for (let c = 0; c < cols; c++) s += g[o + c]!;
      for (let c = 0; c < cols; c++) out[o + c] = g[o + c]! - Math.exp(y[o + c]!) * s;
    } else {
      for (let c = 0; c < cols; c++) s += g[o + c]! * y[o + c]!;
      for (let c = 0; c < cols; c++) out[o + c] = y[o + c]! * (g[o + c]! - s);
    }
  }
  return out;
};
