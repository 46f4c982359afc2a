// Gradient checks (f64, reference backend) and forward values for the core ops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, ops, tidy, memoryStats, noGrad, zeros } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';
import { gradcheck, randn } from '../helpers/gradcheck.js';

const rng = new Rng(7);
const g = (shape: number[], scale = 1) => randn(rng, shape, { requiresGrad: true, scale });

test('binary ops broadcast and match hand values', () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const b = tensor([10, 20, 30]);
  assert.deepEqual(ops.add(a, b).toNested(), [[11, 22, 33], [14, 25, 36]]);
  assert.deepEqual(ops.mul(a, tensor([[2], [3]])).toNested(), [[2, 4, 6], [12, 15, 18]]);
  assert.deepEqual(ops.sub(a, 1).toNested(), [[0, 1, 2], [3, 4, 5]]);
  assert.throws(() => ops.add(a, tensor([1, 2])), /cannot be broadcast/);
});

test('gradients: add/sub/mul/div with broadcasting', () => {
  gradcheck((a, b) => ops.add(a, b), [g([2, 3]), g([3])]);
  gradcheck((a, b) => ops.sub(a, b), [g([2, 1, 3]), g([4, 1])]);
  gradcheck((a, b) => ops.mul(a, b), [g([2, 3]), g([2, 1])]);
  gradcheck((a, b) => ops.div(a, b), [g([3, 2]), ops.affine(randn(rng, [2]), 0.1, 2).toFloat('f64')].map((t) => ((t.requiresGrad = true), t)));
  gradcheck((a, b) => ops.maximum(a, b), [g([4, 3]), g([3])]);
  gradcheck((a, b) => ops.minimum(a, b), [g([4, 3]), g([4, 3])]);
});

test('gradients: unary functions', () => {
  for (const f of [ops.neg, ops.exp, ops.tanh, ops.sigmoid, ops.silu, ops.gelu, ops.geluErf, ops.square, ops.abs, ops.relu]) {
    gradcheck((x) => f(x), [g([3, 4])]);
  }
  const pos = () => {
    const t = ops.affine(randn(rng, [3, 4]), 0.2, 1.5);
    t.requiresGrad = true;
    return t;
  };
  for (const f of [ops.log, ops.sqrt, ops.rsqrt, ops.recip]) gradcheck((x) => f(x), [pos()]);
  gradcheck((x) => ops.affine(x, -2.5, 3), [g([5])]);
});

test('gelu forms agree with their definitions at known points', () => {
  const x = tensor([-2, -0.5, 0, 0.5, 2], { dtype: 'f64' });
  const exact = ops.geluErf(x).toArray();
  // Φ(2) = 0.9772498680518208, Φ(0.5) = 0.6914624612740131
  assert.ok(Math.abs(exact[4]! - 2 * 0.9772498680518208) < 1e-12);
  assert.ok(Math.abs(exact[3]! - 0.5 * 0.6914624612740131) < 1e-12);
  assert.ok(Math.abs(exact[1]! + 0.5 * (1 - 0.6914624612740131)) < 1e-12);
  const approx = ops.gelu(x).toArray();
  for (let i = 0; i < 5; i++) assert.ok(Math.abs(approx[i]! - exact[i]!) < 1e-3);
});

test('gradients: reductions', () => {
  gradcheck((x) => ops.sum(x), [g([2, 3, 4])]);
  gradcheck((x) => ops.sum(x, [0, 2]), [g([2, 3, 4])]);
  gradcheck((x) => ops.sum(x, 1, true), [g([2, 3, 4])]);
  gradcheck((x) => ops.mean(x, -1), [g([3, 5])]);
  gradcheck((x) => ops.max(x, 1), [g([3, 5, 2])]);
  const x = tensor([[1, 5, 2], [7, 0, 7]]);
  assert.deepEqual(ops.max(x, 1).toArray(), [5, 7]);
  assert.deepEqual(ops.sum(x, 0).toArray(), [8, 5, 9]);
  assert.deepEqual(ops.mean(x).toArray(), [22 / 6].map((v) => Math.fround(v)));
});

test('gradients: shape ops', () => {
  gradcheck((x) => ops.reshape(x, [6, -1]), [g([2, 3, 4])]);
  gradcheck((x) => ops.transpose(x, [2, 0, 1]), [g([2, 3, 4])]);
  gradcheck((x) => ops.slice(x, 1, 1, 3), [g([2, 4, 3])]);
  gradcheck((x) => ops.slice(x, 0, 1), [g([3, 2])]);
  gradcheck((a, b) => ops.concat([a, b], 1), [g([2, 1, 3]), g([2, 2, 3])]);
  const t = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(ops.transpose(t).toNested(), [[1, 4], [2, 5], [3, 6]]);
  assert.deepEqual(ops.slice(t, 1, -2).toNested(), [[2, 3], [5, 6]]);
  assert.deepEqual(ops.concat([t, t], 0).shape, [4, 3]);
  assert.throws(() => ops.slice(t, 1, 2, 5), /out of bounds/);
  assert.throws(() => ops.reshape(t, [4, 2]), /cannot become/);
});

test('gradients: matmul with transposes, batches and shared weights', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const a = g(transA ? [4, 3] : [3, 4]);
      const b = g(transB ? [2, 4] : [4, 2]);
      gradcheck((x, y) => ops.matmul(x, y, { transA, transB }), [a, b]);
      const ab = g(transA ? [2, 4, 3] : [2, 3, 4]);
      const bb = g(transB ? [2, 5, 4] : [2, 4, 5]);
      gradcheck((x, y) => ops.matmul(x, y, { transA, transB }), [ab, bb]);
      const shared = g(transB ? [5, 4] : [4, 5]);
      gradcheck((x, y) => ops.matmul(x, y, { transA, transB }), [ab, shared]);
    }
  }
  gradcheck((x, w, b) => ops.linear(x, w, b), [g([2, 3, 4]), g([5, 4]), g([5])]);
  assert.deepEqual(ops.matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]])).toNested(), [[17], [39]]);
  assert.throws(() => ops.matmul(tensor([[1, 2]]), tensor([[1, 2]])), /inner dimensions differ/);
});

test('gradients: softmax and log-softmax', () => {
  gradcheck((x) => ops.softmax(x), [g([3, 5])]);
  gradcheck((x) => ops.logSoftmax(x), [g([2, 2, 4])]);
  const s = ops.softmax(tensor([[1000, 1000], [0, Math.log(3)]])).toNested() as number[][];
  assert.ok(Math.abs(s[0]![0]! - 0.5) < 1e-7 && Math.abs(s[1]![1]! - 0.75) < 1e-7);
});

test('autograd: accumulation over reuse, frozen inputs get no gradient, noGrad records nothing', () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const w = tensor([4, 5, 6]);
  const y = ops.sum(ops.add(ops.mul(x, x), ops.mul(x, w)));
  y.backward();
  assert.deepEqual(x.grad!.toArray(), [6, 9, 12]);
  assert.equal(w.grad, null);
  const z = noGrad(() => ops.mul(x, 2));
  assert.equal(z.node, null);
  assert.equal(z.requiresGrad, false);
  const frozen = ops.mul(w, w);
  assert.equal(frozen.node, null, 'ops on frozen tensors record nothing');
  assert.throws(() => frozen.backward(), /does not require a gradient/);
});

test('tidy releases intermediates so a training loop runs at flat memory', () => {
  const w = tensor([0.5, -0.25, 1], { requiresGrad: true });
  const x = tensor([1, 2, 3]);
  const before = memoryStats().liveTensors;
  let last = 0;
  for (let step = 0; step < 200; step++) {
    last = tidy(() => {
      w.grad?.dispose();
      w.grad = null;
      const loss = ops.sum(ops.square(ops.sub(ops.mul(w, x), 1)));
      loss.backward();
      noGrad(() => w.data.set(ops.sub(w, ops.scale(w.grad!, 0.02)).f));
      return loss.item();
    });
  }
  assert.ok(memoryStats().liveTensors - before <= 1, `live tensors grew by ${memoryStats().liveTensors - before}`);
  assert.ok(last < 1e-3, `loss did not go down: ${last}`);
  const kept = tidy(() => ops.add(zeros([2]), 1));
  assert.equal(kept.disposed, false);
  assert.deepEqual(kept.toArray(), [1, 1]);
});
