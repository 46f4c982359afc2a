// Embedding gather: gradient checks (f64, reference), half-precision tables, validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, ops, withBackend } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';
import { gradcheck, randn } from '../helpers/gradcheck.js';

const rng = new Rng(9);
const i32 = (v: number[], shape?: number[]) => tensor(v, shape ?? [v.length], { dtype: 'i32' });

test('embedding: gradient scatter-adds into the table (repeated ids accumulate)', () => {
  gradcheck((w) => ops.embedding(w, i32([2, 0, 2, 3, 2, 1], [2, 3])), [randn(rng, [4, 3], { requiresGrad: true })]);
  const w = randn(rng, [3, 2], { requiresGrad: true });
  ops.sum(ops.embedding(w, i32([1, 1, 1]))).backward();
  assert.deepEqual(w.grad!.toArray(), [0, 0, 3, 3, 0, 0]);
});

test('embedding: shapes, exact rows from f32/bf16/f16 tables, no tape for frozen tables', () => {
  withBackend('reference', () => {
    for (const dtype of ['f32', 'bf16', 'f16'] as const) {
      const w = randn(rng, [5, 3], { dtype });
      const wf = w.toFloat('f32').toArray();
      const y = ops.embedding(w, i32([4, 0], [1, 2]));
      assert.deepEqual(y.shape, [1, 2, 3]);
      assert.equal(y.dtype, 'f32');
      assert.deepEqual(y.toArray(), [...wf.slice(12, 15), ...wf.slice(0, 3)]);
      assert.equal(y.node, null);
    }
    assert.deepEqual(ops.embedding(randn(rng, [2, 4]), i32([], [0])).shape, [0, 4]);
    assert.deepEqual(ops.embedding(randn(rng, [2, 4]), tensor(1, { dtype: 'i32' })).shape, [4]);
  });
});

test('embedding: out-of-range ids and wrong dtypes give clear errors', () => {
  const w = randn(rng, [3, 2]);
  assert.throws(() => ops.embedding(w, i32([0, 3])), /id 3 at flat position 1 .* vocabulary of 3/);
  assert.throws(() => ops.embedding(w, i32([-1])), /id -1/);
  assert.throws(() => ops.embedding(w, tensor([0, 1])), /ids must be an i32 tensor/);
  assert.throws(() => ops.embedding(randn(rng, [6]), i32([0])), /\[vocab, dim\]/);
});
