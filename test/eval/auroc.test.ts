// AUROC: the known answers (perfect, chance, inverted), ties counted as half, invariance to
// monotone rescaling, agreement with the pairwise definition, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auroc } from '../../src/eval/auroc.js';
import { Rng } from '../../src/util/rng.js';

/** The definition: over all positive–negative pairs, 1 when the positive scores higher, ½ on ties. */
function pairwise(s: number[], y: number[]): number {
  let sum = 0;
  let n = 0;
  s.forEach((a, i) => s.forEach((b, j) => {
    if (y[i] === 1 && y[j] === 0) {
      sum += a > b ? 1 : a === b ? 0.5 : 0;
      n++;
    }
  }));
  return sum / n;
}

test('perfect separation is 1, inverted is 0, constant scores are 0.5', () => {
  assert.equal(auroc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0]), 1);
  assert.equal(auroc([0.1, 0.3, 0.8, 0.9], [1, 1, 0, 0]), 0);
  assert.equal(auroc([2, 2, 2, 2, 2], [1, 0, 1, 0, 0]), 0.5);
  assert.equal(auroc([1, 0], [true, false]), 1);
});

test('ties between classes count one half', () => {
  // pos {1, 2}, neg {1, 0}: pairs (1>1? tie) ½, (1>0) 1, (2>1) 1, (2>0) 1 → 3.5 / 4
  assert.equal(auroc([1, 2, 1, 0], [1, 1, 0, 0]), 0.875);
});

test('random scores: equals the pairwise definition, flips to 1 − AUC when negated, ignores monotone rescaling', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 20; trial++) {
    const n = 2 + Math.floor(rng.next() * 40);
    // Coarse scores so that ties occur.
    const s = Array.from({ length: n }, () => Math.round(rng.normal() * 3) / 2);
    const y = Array.from({ length: n }, (_, i) => (i < 1 ? 1 : i < 2 ? 0 : rng.next() < 0.4 ? 1 : 0));
    const a = auroc(s, y);
    assert.ok(Math.abs(a - pairwise(s, y)) < 1e-12, `trial ${trial}: ${a} vs ${pairwise(s, y)}`);
    assert.ok(Math.abs(auroc(s.map((x) => -x), y) - (1 - a)) < 1e-12);
    assert.ok(Math.abs(auroc(s.map((x) => Math.exp(x) * 5 + 3), y) - a) < 1e-12);
    assert.ok(Math.abs(auroc(s.map((x) => x ** 3), y) - a) < 1e-12);
  }
});

test('bad input is refused with a reason', () => {
  assert.throws(() => auroc([1, 2], [1]), /2 scores but 1 labels/);
  assert.throws(() => auroc([1, 2], [1, 1]), /both positive and negative/);
  assert.throws(() => auroc([1, 2], [1, 2]), /label 1 is 2/);
  assert.throws(() => auroc([NaN, 2], [1, 0]), /score 0 is NaN/);
});

test('best-threshold F1: perfect separation, ties, and no positives', async () => {
  const { bestThresholdF1 } = await import('../../src/eval/concept-detection.js');
  assert.deepEqual(bestThresholdF1([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]), { f1: 1, threshold: 0.8 });
  // One negative above every positive: the best is to take all three top scores (tp 2, fp 1).
  const r = bestThresholdF1([3, 2, 1, 0], [0, 1, 1, 0]);
  assert.ok(Math.abs(r.f1 - 0.8) < 1e-12 && r.threshold === 1);
  // Tied scores are one threshold: the positive at 1 cannot be split from the negative at 1.
  assert.ok(Math.abs(bestThresholdF1([1, 1], [1, 0]).f1 - 2 / 3) < 1e-12);
  assert.equal(bestThresholdF1([1, 2], [0, 0]).f1, 0);
});
