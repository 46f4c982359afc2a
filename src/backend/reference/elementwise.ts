// Reference elementwise kernels: broadcasting binary ops, unary ops and their derivatives.
import type { BinaryOp, Kernels, UnaryOp } from '../kernels.js';
import { allocLike, stridesOf } from './util.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function binaryFn(op: BinaryOp): (x: number, y: number) => number {
  switch (op) {
    case 'add': return (x, y) => x + y;
    case 'sub': return (x, y) => x - y;
    case 'mul': return (x, y) => x * y;
    case 'div': return (x, y) => x / y;
    case 'maximum': return (x, y) => (x >= y ? x : y);
    case 'minimum': return (x, y) => (x <= y ? x : y);
  }
}

/** Strides of a broadcast operand: 0 where its dimension is 1 and the output's is not. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const s = stridesOf(shape);
  return shape.map((d, i) => (d === 1 && outShape[i] !== 1 ? 0 : s[i]!));
}

export const binary: Kernels['binary'] = (op, a, aShape, b, bShape, outShape) => {
  const f = binaryFn(op);
  let n = 1;
  for (const d of outShape) n *= d;
  const out = allocLike(a, n);
  if (a.length === n && b.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
    return out;
  }
  if (b.length === 1) {
    const y = b[0]!;
    for (let i = 0; i < n; i++) out[i] = f(a[i % a.length]!, y);
    if (a.length === n) return out;
  }
  const rank = outShape.length;
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const idx = new Array<number>(rank).fill(0);
  let ai = 0;
  let bi = 0;
  for (let i = 0; i < n; i++) {
    out[i] = f(a[ai]!, b[bi]!);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]!++;
      ai += as[d]!;
      bi += bs[d]!;
      if (idx[d]! < outShape[d]!) break;
      ai -= as[d]! * outShape[d]!;
      bi -= bs[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
};

export function erf(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse for gradient checks; use a series/continued fraction.
  const ax = Math.abs(x);
  let r: number;
  if (ax < 2.5) {
    // Maclaurin series: converges fast enough here.
    let term = ax;
    let sum = ax;
    const x2 = ax * ax;
    for (let k = 1; k < 60; k++) {
      term *= -x2 / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    // Continued fraction for erfc.
    let f = 0;
    for (let k = 60; k >= 1; k--) f = (k / 2) / (ax + f);
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  }
  return x < 0 ? -r : r;
}

export function unaryFn(op: UnaryOp): (x: number) => number {
  switch (op) {
    case 'neg': return (x) => -x;
    case 'exp': return Math.exp;
    case 'log': return Math.log;
    case 'sqrt': return Math.sqrt;
    case 'rsqrt': return (x) => 1 / Math.sqrt(x);
    case 'square': return (x) => x * x;
    case 'abs': return Math.abs;
    case 'recip': return (x) => 1 / x;
    case 'tanh': return Math.tanh;
    case 'sigmoid': return (x) => 1 / (1 + Math.exp(-x));
    case 'relu': return (x) => (x > 0 ? x : 0);
    case 'silu': return (x) => x / (1 + Math.exp(-x));
    case 'gelu': return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    case 'gelu_erf': return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
  }
}

/** f'(x), given x and y = f(x). */
function derivFn(op: UnaryOp): (x: number, y: number) => number {
  switch (op) {
    case 'neg': return () => -1;
    case 'exp': return (_x, y) => y;
    case 'log': return (x) => 1 / x;
    case 'sqrt': return (_x, y) => 0.5 / y;
    case 'rsqrt': return (_x, y) => -0.5 * y * y * y;
    case 'square': return (x) => 2 * x;
    case 'abs': return (x) => (x > 0 ? 1 : x < 0 ? -1 : 0);
    case 'recip': return (_x, y) => -y * y;
    case 'tanh': return (_x, y) => 1 - y * y;
    case 'sigmoid': return (_x, y) => y * (1 - y);
    case 'relu': return (x) => (x > 0 ? 1 : 0);
    case 'silu': return (x) => {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 + x * (1 - s));
    };
    case 'gelu': return (x) => {
      const u = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
      const t = Math.tanh(u);
      return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x);
    };
    case 'gelu_erf': return (x) => 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
  }
}

export const unary: Kernels['unary'] = (op, x) => {
  const f = unaryFn(op);
  const out = allocLike(x, x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]!);
  return out;
};

export const unaryBackward: Kernels['unaryBackward'] = (op, x, y, g) => {
  const d = derivFn(op);
  const out = allocLike(x, x.length);
  for (let i = 0; i < x.length; i++) out[i] = g[i]! * d(x[i]!, y[i]!);
  return out;
};

export const affine: Kernels['affine'] = (x, scale, shift) => {
  const out = allocLike(x, x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i]! * scale + shift;
  return out;
};
