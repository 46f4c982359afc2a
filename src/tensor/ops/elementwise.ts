// Elementwise ops with broadcasting, unary functions and scalar affine maps, with gradients.
import { kernel } from '../../backend/registry.js';
import type { BinaryOp, UnaryOp } from '../../backend/kernels.js';
import { Tensor, tensor } from '../tensor.js';
import { record } from '../tape.js';
import { broadcastShapes, shapesEqual, type Shape } from '../shape.js';
import { computeType, floats, wrap, assertTensor } from './util.js';

type Operand = Tensor | number;

function asTensor(x: Operand, like: Tensor): Tensor {
  return typeof x === 'number' ? tensor(x, { dtype: like.dtype === 'f64' ? 'f64' : 'f32' }) : x;
}

/** Sums a gradient of a broadcast result back to the operand's shape. */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const ct = computeType(g);
  let data = floats(g, ct);
  let cur = [...g.shape];
  const lead = cur.length - shape.length;
  // Reduce leading axes that the operand lacks, then axes where it has size 1.
  for (let ax = 0; ax < cur.length; ax++) {
    const want = ax < lead ? 1 : shape[ax - lead]!;
    if (want === 1 && cur[ax] !== 1) {
      const outer = cur.slice(0, ax).reduce((a, b) => a * b, 1);
      const inner = cur.slice(ax + 1).reduce((a, b) => a * b, 1);
      data = kernel('reduce', ct === 'f64')('sum', data, outer, cur[ax]!, inner);
      cur[ax] = 1;
    }
  }
  return wrap(data, shape);
}

function binaryOp(op: BinaryOp, aIn: Operand, bIn: Operand): Tensor {
  if (typeof aIn === 'number' && typeof bIn === 'number') throw new Error(`${op}: at least one operand must be a Tensor`);
  const a = typeof aIn === 'number' ? asTensor(aIn, bIn as Tensor) : aIn;
  const b = typeof bIn === 'number' ? asTensor(bIn, a) : bIn;
  assertTensor(a, `${op}: first operand`);
  assertTensor(b, `${op}: second operand`);
  const outShape = broadcastShapes(a.shape, b.shape);
  const ct = computeType(a, b);
  const pad = (s: Shape) => [...new Array<number>(outShape.length - s.length).fill(1), ...s];
  const af = floats(a, ct);
  const bf = floats(b, ct);
  const out = wrap(kernel('binary', ct === 'f64')(op, af, pad(a.shape), bf, pad(b.shape), outShape), outShape);
  return record(out, op, [a, b], (g, needs) => {
    switch (op) {
      case 'add':
        return [needs[0] ? sumTo(g, a.shape) : null, needs[1] ? sumTo(g, b.shape) : null];
      case 'sub':
        return [needs[0] ? sumTo(g, a.shape) : null, needs[1] ? sumTo(neg(g), b.shape) : null];
      case 'mul':
        return [needs[0] ? sumTo(mul(g, b), a.shape) : null, needs[1] ? sumTo(mul(g, a), b.shape) : null];
      case 'div':
        return [
          needs[0] ? sumTo(div(g, b), a.shape) : null,
          needs[1] ? sumTo(neg(div(mul(g, out), b)), b.shape) : null,
        ];
      case 'maximum':
      case 'minimum': {
        // The gradient goes to the operand that won (to a on ties).
        const pick = binaryOp(op === 'maximum' ? 'sub' : 'sub', a, b);
        const pf = pick.f;
        const maskA = new (pf.constructor as new (n: number) => Float64Array)(pf.length);
        for (let i = 0; i < pf.length; i++) maskA[i] = (op === 'maximum' ? pf[i]! >= 0 : pf[i]! <= 0) ? 1 : 0;
        const mA = wrap(maskA, pick.shape);
        return [needs[0] ? sumTo(mul(g, mA), a.shape) : null, needs[1] ? sumTo(mul(g, affine(mA, -1, 1)), b.shape) : null];
      }
    }
  });
}

export const add = (a: Operand, b: Operand): Tensor => binaryOp('add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => binaryOp('sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => binaryOp('mul', a, b);
export const div = (a: Operand, b: Operand): Tensor => binaryOp('div', a, b);
export const maximum = (a: Operand, b: Operand): Tensor => binaryOp('maximum', a, b);
export const minimum = (a: Operand, b: Operand): Tensor => binaryOp('minimum', a, b);

function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  assertTensor(x, op);
  const ct = computeType(x);
  const xf = floats(x, ct);
  const out = wrap(kernel('unary', ct === 'f64')(op, xf), x.shape);
  return record(out, op, [x], (g) => [wrap(kernel('unaryBackward', ct === 'f64')(op, xf, out.f, floats(g, ct)), x.shape)]);
}

/** Any unary op by name (e.g. a model's configured activation). */
export const unary = (op: UnaryOp, x: Tensor): Tensor => unaryOp(op, x);
export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
export const log = (x: Tensor): Tensor => unaryOp('log', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
export const recip = (x: Tensor): Tensor => unaryOp('recip', x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
export const silu = (x: Tensor): Tensor => unaryOp('silu', x);
/** GELU, tanh approximation (GPT-2's gelu_new, Gemma's gelu_pytorch_tanh). */
export const gelu = (x: Tensor): Tensor => unaryOp('gelu', x);
/** GELU, exact erf form. */
export const geluErf = (x: Tensor): Tensor => unaryOp('gelu_erf', x);

/** x·scale + shift, elementwise. */
export function affine(x: Tensor, scale: number, shift = 0): Tensor {
  assertTensor(x, 'affine');
  const ct = computeType(x);
  const out = wrap(kernel('affine', ct === 'f64')(floats(x, ct), scale, shift), x.shape);
  return record(out, 'affine', [x], (g) => [affine(g, scale, 0)]);
}

export const scale = (x: Tensor, s: number): Tensor => affine(x, s, 0);
