// Cross-entropy, KL and Jensen–Shannon divergences: gradient checks (f64, reference) for every
// reduction, ignored rows, frozen inputs and extreme logits; known values and JSD properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, ops, withBackend, type Tensor } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';
import { gradcheck, randn } from '../helpers/gradcheck.js';

const rng = new Rng(21);
const g = (shape: number[], scale = 1) => randn(rng, shape, { requiresGrad: true, scale });
const i32 = (v: number[], shape?: number[]) => tensor(v, shape ?? [v.length], { dtype: 'i32' });
const LN2 = Math.LN2;

/** Direct JSD of two logit rows (probabilities formed explicitly), for small well-scaled cases. */
function directJsd(p: number[], q: number[]): number {
  const sm = (x: number[]) => {
    const e = x.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  const P = sm(p);
  const Q = sm(q);
  let r = 0;
  for (let i = 0; i < P.length; i++) {
    const M = (P[i]! + Q[i]!) / 2;
    r += 0.5 * P[i]! * Math.log(P[i]! / M) + 0.5 * Q[i]! * Math.log(Q[i]! / M);
  }
  return r;
}

test('crossEntropy: gradients for each reduction, with ignored rows', () => {
  const t = i32([2, -100, 0, 4, -100, 1], [2, 3]);
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    gradcheck((x) => ops.crossEntropy(x, t, { reduction }), [g([2, 3, 5], 2)]);
  }
  gradcheck((x) => ops.crossEntropy(x, i32([1, 7, 7]), { ignoreIndex: 7 }), [g([3, 4])]);
});

test('crossEntropy: equals −log softmax at the target; mean skips ignored rows', () => {
  withBackend('reference', () => {
    const x = randn(rng, [3, 6]);
    const t = i32([5, -100, 2]);
    const ls = ops.logSoftmax(x).toArray();
    const none = ops.crossEntropy(x, t, { reduction: 'none' }).toArray();
    assert.ok(Math.abs(none[0]! + ls[5]!) < 1e-12 && none[1] === 0 && Math.abs(none[2]! + ls[12 + 2]!) < 1e-12);
    const mean = ops.crossEntropy(x, t).item();
    assert.ok(Math.abs(mean - (none[0]! + none[2]!) / 2) < 1e-12);
    assert.ok(Math.abs(ops.crossEntropy(x, t, { reduction: 'sum' }).item() - (none[0]! + none[2]!)) < 1e-12);
    // Uniform logits: loss ln V; all rows ignored: 0 and a zero gradient rather than NaN.
    assert.ok(Math.abs(ops.crossEntropy(tensor([[0, 0, 0, 0]], { dtype: 'f64' }), i32([3])).item() - Math.log(4)) < 1e-15);
    const xg = randn(rng, [2, 3], { requiresGrad: true });
    const l = ops.crossEntropy(xg, i32([-100, -100]));
    assert.equal(l.item(), 0);
    l.backward();
    assert.deepEqual(xg.grad!.toArray(), [0, 0, 0, 0, 0, 0]);
    // A 1-D logits vector takes a scalar target.
    assert.ok(Math.abs(ops.crossEntropy(tensor([0, Math.log(3)], { dtype: 'f64' }), tensor(1, { dtype: 'i32' })).item() - Math.log(4 / 3)) < 1e-15);
  });
});

test('crossEntropy: bad targets give clear errors', () => {
  const x = randn(rng, [2, 3]);
  assert.throws(() => ops.crossEntropy(x, i32([0, 3])), /target 3 at row 1 is out of range for 3 classes/);
  assert.throws(() => ops.crossEntropy(x, i32([0, 1, 2])), /targets \[3\] must have the logits' shape/);
  assert.throws(() => ops.crossEntropy(x, tensor([0, 1])), /i32/);
  assert.throws(() => ops.crossEntropy(x, i32([0, 1]), { reduction: 'avg' as 'mean' }), /reduction/);
});

test('klDiv / jsDiv: gradients to both inputs, to either alone, for each reduction', () => {
  for (const f of [ops.klDiv, ops.jsDiv]) {
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      gradcheck((p, q) => f(p, q, { reduction }), [g([2, 3, 4]), g([2, 3, 4])]);
    }
    const frozen = randn(rng, [3, 5]);
    gradcheck((p) => f(p, frozen), [g([3, 5])]);
    gradcheck((q) => f(frozen, q), [g([3, 5])]);
  }
});

test('klDiv / jsDiv: extreme logits (±50) stay finite, exact and differentiable', () => {
  const ext = (): Tensor => {
    const t = randn(rng, [3, 6], { requiresGrad: true });
    const d = t.data as Float64Array;
    for (let i = 0; i < d.length; i++) d[i] = rng.next() < 0.5 ? 50 + d[i]! : -50 + d[i]!;
    return t;
  };
  for (const f of [ops.klDiv, ops.jsDiv]) gradcheck((p, q) => f(p, q, { reduction: 'sum' }), [ext(), ext()]);
  withBackend('reference', () => {
    // Disjoint supports: JSD is ln 2 to within e^-100; probabilities underflow without NaN.
    for (const dtype of ['f64', 'f32'] as const) {
      const p = tensor([[50, -50, -50], [-1e4, 0, 1e4]], { dtype });
      const q = tensor([[-50, 50, -50], [1e4, 0, -1e4]], { dtype });
      const j = ops.jsDiv(p, q, { reduction: 'none' }).toArray();
      for (const v of j) assert.ok(Math.abs(v - LN2) < 1e-6 && v <= LN2, `${dtype}: ${v}`);
      const k = ops.klDiv(p, q, { reduction: 'none' }).toArray();
      assert.ok(k.every((v) => Number.isFinite(v) && v > 99));
    }
  });
});

test('jsDiv: symmetric, 0 on equal logits, within [0, ln 2], equals a direct computation', () => {
  withBackend('reference', () => {
    for (let trial = 0; trial < 20; trial++) {
      const v = 1 + rng.int(7);
      const s = rng.uniform(0.1, 6);
      const p = randn(rng, [2, v], { scale: s });
      const q = randn(rng, [2, v], { scale: s });
      const pq = ops.jsDiv(p, q, { reduction: 'none' }).toArray();
      const qp = ops.jsDiv(q, p, { reduction: 'none' }).toArray();
      pq.forEach((x, i) => {
        assert.ok(Math.abs(x - qp[i]!) < 1e-15, 'symmetric');
        assert.ok(x >= 0 && x <= LN2, `in range: ${x}`);
        const pr = p.toArray().slice(i * v, (i + 1) * v);
        const qr = q.toArray().slice(i * v, (i + 1) * v);
        assert.ok(Math.abs(x - directJsd(pr, qr)) < 1e-13, `direct: ${x} vs ${directJsd(pr, qr)}`);
      });
      assert.deepEqual(ops.jsDiv(p, p, { reduction: 'none' }).toArray(), [0, 0]);
      // Shifting logits by a constant leaves the distribution (and the divergence) unchanged.
      assert.equal(ops.jsDiv(p, ops.affine(p, 1, 3), { reduction: 'sum' }).item() < 1e-14, true);
    }
    for (const dtype of ['f32', 'f64'] as const) {
      const p = randn(rng, [4, 9], { dtype, scale: 30 });
      assert.deepEqual(ops.jsDiv(p, p, { reduction: 'none' }).toArray(), [0, 0, 0, 0]);
      assert.deepEqual(ops.klDiv(p, p, { reduction: 'none' }).toArray(), [0, 0, 0, 0]);
    }
  });
});

test('klDiv: matches Σ P log(P/Q) on small cases; mean is over rows', () => {
  withBackend('reference', () => {
    const p = tensor([[0, Math.log(3)]], { dtype: 'f64' }); // P = [1/4, 3/4]
    const q = tensor([[0, 0]], { dtype: 'f64' }); // Q = [1/2, 1/2]
    const want = 0.25 * Math.log(0.5) + 0.75 * Math.log(1.5);
    assert.ok(Math.abs(ops.klDiv(p, q).item() - want) < 1e-15);
    const pp = ops.concat([p, q], 0);
    const qq = ops.concat([q, q], 0);
    assert.ok(Math.abs(ops.klDiv(pp, qq).item() - want / 2) < 1e-15);
    assert.throws(() => ops.klDiv(p, tensor([[0, 0, 0]], { dtype: 'f64' })), /same shape/);
  });
});
