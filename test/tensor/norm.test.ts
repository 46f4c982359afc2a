// RMSNorm / LayerNorm: gradient checks (f64, reference) for every variant, and known values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, ops, withBackend } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';
import { gradcheck, randn, maxRelDiff } from '../helpers/gradcheck.js';

const rng = new Rng(11);
const g = (shape: number[], scale = 1) => randn(rng, shape, { requiresGrad: true, scale });

test('rmsNorm: gradients to x and weight, with and without offset, and without weight', () => {
  gradcheck((x, w) => ops.rmsNorm(x, w, 1e-5), [g([3, 5]), g([5])]);
  gradcheck((x, w) => ops.rmsNorm(x, w, 1e-6, 1), [g([2, 2, 7]), g([7], 0.1)]);
  gradcheck((x) => ops.rmsNorm(x, null, 1e-5), [g([4, 3])]);
  gradcheck((x) => ops.rmsNorm(x, null, 1e-5), [g([1, 1])]);
  // Frozen weight: only x gets a gradient.
  const w = randn(rng, [6]);
  gradcheck((x) => ops.rmsNorm(x, w, 1e-5, 1), [g([3, 6])]);
});

test('rmsNorm: known values, Gemma offset, and a bf16 weight read directly', () => {
  withBackend('reference', () => {
    const y = ops.rmsNorm(tensor([[3, 4]], { dtype: 'f64' }), null, 0).toArray();
    const rms = Math.sqrt(12.5);
    assert.ok(Math.abs(y[0]! - 3 / rms) < 1e-15 && Math.abs(y[1]! - 4 / rms) < 1e-15);
    const yo = ops.rmsNorm(tensor([[3, 4]], { dtype: 'f64' }), tensor([0.5, -1], { dtype: 'f64' }), 0, 1).toArray();
    assert.ok(Math.abs(yo[0]! - 1.5 * 3 / rms) < 1e-15 && Math.abs(yo[1]! - 0) < 1e-15);
    // bf16 weight: same result as its exact f32 widening, gradient to x still exact.
    const x = randn(rng, [3, 8], { dtype: 'f32' });
    const wb = randn(rng, [8], { dtype: 'bf16' });
    const ref = ops.rmsNorm(x, wb.toFloat('f32'), 1e-5, 1);
    assert.equal(maxRelDiff(ops.rmsNorm(x, wb, 1e-5, 1).f, ref.f), 0);
    const wh = randn(rng, [8], { dtype: 'f16' });
    assert.equal(maxRelDiff(ops.rmsNorm(x, wh, 1e-5).f, ops.rmsNorm(x, wh.toFloat('f32'), 1e-5).f), 0);
  });
  gradcheck((x) => ops.rmsNorm(x, randn(new Rng(3), [5], { dtype: 'bf16' }), 1e-5, 1), [g([2, 5])]);
});

test('layerNorm: gradients to x, weight and bias in every combination', () => {
  gradcheck((x, w, b) => ops.layerNorm(x, w, b, 1e-5), [g([3, 6]), g([6]), g([6])]);
  gradcheck((x, w) => ops.layerNorm(x, w, null, 1e-5), [g([2, 3, 4]), g([4])]);
  gradcheck((x, b) => ops.layerNorm(x, null, b, 1e-5), [g([2, 5]), g([5])]);
  gradcheck((x) => ops.layerNorm(x, null, null, 1e-5), [g([3, 7])]);
  const w = randn(rng, [5], { dtype: 'bf16' });
  const b = randn(rng, [5]);
  gradcheck((x) => ops.layerNorm(x, w, b, 1e-5), [g([2, 5])]);
});

test('layerNorm: normalises to mean 0 / variance 1, then scales and shifts', () => {
  withBackend('reference', () => {
    const x = tensor([[1, 2, 3, 4]], { dtype: 'f64' });
    const y = ops.layerNorm(x, null, null, 0).toArray();
    const mean = y.reduce((a, v) => a + v, 0) / 4;
    const v = y.reduce((a, t) => a + t * t, 0) / 4;
    assert.ok(Math.abs(mean) < 1e-15 && Math.abs(v - 1) < 1e-12);
    const ys = ops.layerNorm(x, tensor([2, 2, 2, 2], { dtype: 'f64' }), tensor([1, 1, 1, 1], { dtype: 'f64' }), 0).toArray();
    ys.forEach((t, i) => assert.ok(Math.abs(t - (2 * y[i]! + 1)) < 1e-14));
  });
});

test('norms: bad inputs give clear errors', () => {
  const x = tensor([[1, 2, 3]]);
  assert.throws(() => ops.rmsNorm(x, tensor([1, 2]), 1e-5), /weight must have shape \[3\]/);
  assert.throws(() => ops.layerNorm(x, null, tensor([[1, 2, 3]]), 1e-5), /bias must have shape \[3\]/);
  assert.throws(() => ops.rmsNorm(x, null, -1), /eps/);
  assert.throws(() => ops.rmsNorm(tensor(1), null, 1e-5), /scalar/);
});
