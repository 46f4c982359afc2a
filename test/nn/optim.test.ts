// Optimisers against hand-computed updates (PyTorch's documented update rules).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, ops } from '../../src/index.js';
import { AdamW, SGD, clipGradNorm } from '../../src/nn/optim.js';
import { cosineSchedule, linearSchedule } from '../../src/nn/schedule.js';

test('AdamW first two steps match the update rule computed by hand', () => {
  const w = tensor([1, -2], { dtype: 'f64', requiresGrad: true });
  const opt = new AdamW([w], { lr: 0.1, weightDecay: 0.5 });
  w.grad = tensor([0.5, -1], { dtype: 'f64' });
  opt.step();
  // step 1: m̂ = g, v̂ = g², update = lr·g/(|g|+eps) = ±0.1; decay: w·(1 − 0.1·0.5)
  assert.ok(Math.abs(w.toArray()[0]! - (1 * 0.95 - 0.1)) < 1e-7);
  assert.ok(Math.abs(w.toArray()[1]! - (-2 * 0.95 + 0.1)) < 1e-7);
  w.grad = tensor([1, 1], { dtype: 'f64' });
  const before = w.toArray();
  opt.step();
  // m1 = 0.1·0.5, m2 = 0.9·m1 + 0.1·1, bias-corrected by 1 − 0.9²; likewise v.
  const mFix = (0.1 * 0.5 * 0.9 + 0.1 * 1) / (1 - 0.81);
  const v = (0.001 * 0.25 * 0.999 + 0.001 * 1) / (1 - 0.999 ** 2);
  const expect = before[0]! * 0.95 - (0.1 * mFix) / (Math.sqrt(v) + 1e-8);
  assert.ok(Math.abs(w.toArray()[0]! - expect) < 1e-6, `${w.toArray()[0]} vs ${expect}`);
});

test('SGD with momentum and AdamW both minimise a quadratic', () => {
  for (const make of [(p: ReturnType<typeof tensor>) => new SGD([p], { lr: 0.05, momentum: 0.9 }), (p: ReturnType<typeof tensor>) => new AdamW([p], { lr: 0.05, weightDecay: 0 })]) {
    const w = tensor([3, -4, 5], { requiresGrad: true });
    const target = tensor([1, 2, 3]);
    const opt = make(w);
    let loss = Infinity;
    for (let i = 0; i < 400; i++) {
      opt.zeroGrad();
      const l = ops.sum(ops.square(ops.sub(w, target)));
      l.backward();
      opt.step();
      loss = l.item();
    }
    assert.ok(loss < 1e-3, `loss ${loss}`);
  }
});

test('clipGradNorm scales to the max norm and reports the original norm', () => {
  const a = tensor([3, 0], { requiresGrad: true });
  const b = tensor([4], { requiresGrad: true });
  a.grad = tensor([3, 0]);
  b.grad = tensor([4]);
  const n = clipGradNorm([a, b], 1);
  assert.ok(Math.abs(n - 5) < 1e-6);
  assert.ok(Math.abs(a.grad.toArray()[0]! - 0.6) < 1e-5 && Math.abs(b.grad.toArray()[0]! - 0.8) < 1e-5);
  assert.throws(() => new AdamW([tensor([1])], { lr: 0.1 }), /does not require a gradient/);
});

test('schedules: warmup, linear decay to zero, cosine to minLr', () => {
  assert.equal(linearSchedule(0, 10, 1), 1);
  assert.equal(linearSchedule(5, 10, 1), 0.5);
  assert.equal(cosineSchedule(0, 100, 1, 10), 0.1);
  assert.ok(Math.abs(cosineSchedule(100, 100, 1, 10, 0.1) - 0.1) < 1e-12);
  assert.ok(Math.abs(cosineSchedule(55, 100, 1, 10) - 0.5) < 1e-12);
});
