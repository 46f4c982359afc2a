// Finite-difference gradient checks in f64 on the reference backend, and backend comparisons.
import assert from 'node:assert/strict';
import { Tensor, tensor, noGrad, withBackend, type DType } from '../../src/index.js';
import { ops } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';

export function randn(rng: Rng, shape: readonly number[], opts: { dtype?: DType; requiresGrad?: boolean; scale?: number } = {}): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const s = opts.scale ?? 1;
  const v = Array.from({ length: n }, () => rng.normal() * s);
  return tensor(v, shape, { dtype: opts.dtype ?? 'f64', requiresGrad: opts.requiresGrad ?? false });
}

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

/**
 * Checks d/dx of L = Σ fn(inputs)·R (R random, fixed) for every input that requires a gradient,
 * against central differences. All inputs should be f64 so the check is tight.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-7;
  const rtol = opts.rtol ?? 1e-5;
  withBackend('reference', () => {
    const rng = new Rng(opts.seed ?? 1234);
    const out0 = noGrad(() => fn(...inputs));
    const r = randn(rng, out0.shape);
    const loss = () => noGrad(() => ops.sum(ops.mul(fn(...inputs), r)).item());
    for (const x of inputs) x.grad = null;
    const l = ops.sum(ops.mul(fn(...inputs), r));
    l.backward();
    inputs.forEach((x, xi) => {
      if (!x.requiresGrad) return;
      assert.ok(x.grad, `input ${xi} got no gradient`);
      const analytic = x.grad!.toArray();
      const data = x.data as Float64Array;
      for (let i = 0; i < data.length; i++) {
        const orig = data[i]!;
        data[i] = orig + eps;
        const lp = loss();
        data[i] = orig - eps;
        const lm = loss();
        data[i] = orig;
        const numeric = (lp - lm) / (2 * eps);
        const tol = atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic[i]!));
        assert.ok(
          Math.abs(numeric - analytic[i]!) <= tol,
          `gradient of input ${xi} ${JSON.stringify(x.shape)} at ${i}: analytic ${analytic[i]} vs numeric ${numeric}`,
        );
      }
    });
  });
}

/** Max |a - b| / max(1, |b|) over two arrays of equal length. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'arrays differ in length');
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}
