// ops.linearMany: the same values as linear() per weight on both backends (with and without
// biases, any leading shape), the same gradients when recording, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ops, noGrad, withBackend, tensor } from '../../src/index.js';
import { nativeBackend } from '../../src/backend/registry.js';
import { Rng } from '../../src/util/rng.js';
import { gradcheck, maxRelDiff, randn } from '../helpers/gradcheck.js';

const backends = nativeBackend() ? (['reference', 'native'] as const) : (['reference'] as const);

test('linearMany equals linear per weight, without gradients, on every backend', () => {
  const rng = new Rng(1);
  const x = randn(rng, [2, 3, 24]);
  const ws = [randn(rng, [10, 24], { dtype: 'bf16' }), randn(rng, [7, 24], { dtype: 'bf16' }), randn(rng, [5, 24], { dtype: 'f32' })];
  const bs = [randn(rng, [10]), null, randn(rng, [5], { dtype: 'bf16' })];
  for (const be of backends) {
    withBackend(be, () =>
      noGrad(() => {
        const many = ops.linearMany(x, ws, bs);
        assert.equal(many.length, 3);
        many.forEach((y, i) => {
          const one = ops.linear(x, ws[i]!, bs[i]);
          assert.deepEqual(y.shape, [2, 3, ws[i]!.shape[0]]);
          assert.ok(maxRelDiff(y.toArray(), one.toArray()) < 1e-6, `${be}: weight ${i} differs from linear`);
        });
        // One row of x (decode): the fused native call must give linear's exact bits.
        const x1 = ops.slice(ops.reshape(x, [6, 24]), 0, 0, 1);
        ops.linearMany(x1, ws.slice(0, 2)).forEach((y, i) => assert.deepEqual(y.toArray(), ops.linear(x1, ws[i]!).toArray()));
      }),
    );
  }
});

test('linearMany records the gradients linear would (f64 gradient check)', () => {
  const rng = new Rng(2);
  const x = randn(rng, [3, 5], { dtype: 'f64', requiresGrad: true });
  const w1 = randn(rng, [4, 5], { dtype: 'f64', requiresGrad: true });
  const w2 = randn(rng, [2, 5], { dtype: 'f64', requiresGrad: true });
  const b2 = randn(rng, [2], { dtype: 'f64', requiresGrad: true });
  gradcheck((a, p, q, c) => {
    const [y1, y2] = ops.linearMany(a, [p, q], [null, c]);
    return ops.add(ops.sum(ops.mul(y1!, y1!)), ops.sum(ops.tanh(y2!)));
  }, [x, w1, w2, b2]);
});

test('linearMany explains bad weights', () => {
  const x = tensor(new Float32Array(6), [2, 3]);
  noGrad(() => {
    assert.throws(() => ops.linearMany(x, [tensor(new Float32Array(6), [2, 3]), tensor(new Float32Array(8), [2, 4])]), /input features 3 do not match weight 1/);
    assert.throws(() => ops.linearMany(x, [tensor(new Float32Array(6), [2, 3]), tensor(new Float32Array(3), [3])]), /weight 1 must be \[out, in\]/);
    assert.throws(() => ops.linearMany(x, [tensor(new Float32Array(6), [2, 3]), tensor(new Float32Array(6), [2, 3])], [null, tensor(new Float32Array(3), [3])]), /bias 1/);
  });
});

test('gatedLinear equals act(linear) ⊙ linear on every backend, with and without biases', () => {
  const rng = new Rng(5);
  const x = randn(rng, [2, 3, 16]);
  const g = randn(rng, [12, 16], { dtype: 'bf16' });
  const u = randn(rng, [12, 16], { dtype: 'f16' });
  const gb = randn(rng, [12]);
  for (const be of backends) {
    withBackend(be, () =>
      noGrad(() => {
        for (const act of ['silu', 'gelu', 'gelu_erf', 'relu'] as const) {
          const want = ops.mul(ops.unary(act, ops.linear(x, g)), ops.linear(x, u));
          const got = ops.gatedLinear(x, g, u, act);
          assert.deepEqual(got.shape, [2, 3, 12]);
          assert.ok(maxRelDiff(got.toArray(), want.toArray()) < 1e-6, `${be} ${act}`);
          const wantB = ops.mul(ops.unary(act, ops.linear(x, g, gb)), ops.linear(x, u));
          assert.ok(maxRelDiff(ops.gatedLinear(x, g, u, act, gb).toArray(), wantB.toArray()) < 1e-6, `${be} ${act} with a gate bias`);
        }
      }),
    );
  }
});

test('gatedLinear records gradients through the separate ops (f64 gradient check)', () => {
  const rng = new Rng(6);
  const x = randn(rng, [2, 4], { dtype: 'f64', requiresGrad: true });
  const g = randn(rng, [3, 4], { dtype: 'f64', requiresGrad: true });
  const u = randn(rng, [3, 4], { dtype: 'f64', requiresGrad: true });
  gradcheck((a, p, q) => ops.sum(ops.gatedLinear(a, p, q, 'silu')), [x, g, u]);
});

test('gatedLinear explains bad weights', () => {
  const x = tensor(new Float32Array(6), [2, 3]);
  const w = tensor(new Float32Array(6), [2, 3]);
  noGrad(() => {
    assert.throws(() => ops.gatedLinear(x, w, tensor(new Float32Array(9), [3, 3]), 'silu'), /differ in outputs/);
    assert.throws(() => ops.gatedLinear(x, tensor(new Float32Array(8), [2, 4]), w, 'silu'), /do not match the gate weight/);
    assert.throws(() => ops.gatedLinear(x, w, tensor(new Float32Array(6), [6]), 'silu'), /up weight must be \[out, in\]/);
  });
});
