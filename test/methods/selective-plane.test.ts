// Selective Steering's geometry on constructed data (methods.md §3.7): the discriminative-layer rule
// reads L2-normalised activations, b2 is a unit vector orthogonal to b1, and the strength rule's
// turn Δ takes the negative class mean onto the positive class's in-plane angle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidateDirection, mostCentral, secondBasis, meanUnitProjection, discriminativeLayers, classTurn, planeAngle, angleBetween } from '../../src/methods/selective/plane.js';
import { RotateIntervention } from '../../src/intervene/index.js';
import { tensor, noGrad } from '../../src/index.js';
import { dot, norm } from '../../src/methods/linalg.js';

const D = 4;
const e = (i: number) => Float64Array.from({ length: D }, (_, j) => (j === i ? 1 : 0));
const rowsOf = (rows: number[][]) => Float64Array.from(rows.flat());

test('layer selection: a layer is steered only when, at every one of its sites, the normalised class means project with opposite signs', () => {
  const b1 = e(0);
  // Site A: the raw class means project on opposite sides, the normalised ones on the same side: one
  // huge positive row outweighs two negative ones only before normalisation, so a raw rule would steer.
  const a = rowsOf([[100, 1, 0, 0], [-1, 1, 0, 0], [-1, 1, 0, 0], [-1, 0, 1, 0], [2, 0, 1, 0], [-3, 1, 0, 0]]);
  const labels = [1, 1, 1, 0, 0, 0];
  const raw = (l: number) => labels.reduce((s, x, i) => s + (x === l ? a[i * D]! : 0), 0);
  assert.ok(raw(1) > 0 && raw(0) < 0, 'construction: the raw means sit on opposite sides');
  const pa = { pos: meanUnitProjection(a, D, labels, 1, b1), neg: meanUnitProjection(a, D, labels, 0, b1) };
  assert.ok(pa.pos < 0 && pa.neg < 0, `normalised, both classes sit on the − side: ${pa.pos}, ${pa.neg}`);
  // Site B: clean opposite signs.
  const b = rowsOf([[2, 1, 0, 0], [3, 0, 1, 0], [1, 0, 0, 1], [-2, 1, 0, 0], [-1, 0, 1, 0], [-4, 0, 0, 1]]);
  const pb = { pos: meanUnitProjection(b, D, labels, 1, b1), neg: meanUnitProjection(b, D, labels, 0, b1) };
  assert.ok(pb.pos > 0 && pb.neg < 0);
  // Layers: [B, B] steered; [B, A] not (both sites must agree); [A] not; no sites: not.
  assert.deepEqual(discriminativeLayers([[pb, pb], [pb, pa], [pa], []]), [true, false, false, false]);
});

test('candidates, b1 and b2: zero differences drop out, the most central candidate wins, b2 is unit and orthogonal to b1', () => {
  const same = rowsOf([[1, 2, 3, 4], [1, 2, 3, 4]]);
  assert.equal(candidateDirection(same, D, [1, 0]), null);
  const u = candidateDirection(rowsOf([[3, 0, 4, 0], [0, 0, 0, 0]]), D, [1, 0])!;
  assert.deepEqual(Array.from(u), [0.6, 0, 0.8, 0]);
  const c = [e(0), Float64Array.from([Math.SQRT1_2, Math.SQRT1_2, 0, 0]), e(1)];
  assert.equal(mostCentral(c), 1, 'the diagonal is closest to both axes');
  const b2 = secondBasis(c[1]!, [...c, Float64Array.from([0.6, 0, 0, 0.8])]);
  assert.ok(Math.abs(norm(b2) - 1) < 1e-12 && Math.abs(dot(b2, c[1]!)) < 1e-12);
  assert.throws(() => secondBasis(e(0), [e(0)]), /at least 2 candidate directions/);
});

test('strength rule: turning the negative class mean by Δ inside the oriented plane lands on the positive class angle', () => {
  const b1 = e(0);
  const b2 = e(1);
  // In-plane angles: positives around 20°, negatives around 150°, plus off-plane parts.
  const at = (deg: number, r: number, off: number) => [r * Math.cos((deg * Math.PI) / 180), r * Math.sin((deg * Math.PI) / 180), off, -off];
  const data = rowsOf([at(15, 2, 0.3), at(25, 3, -0.2), at(145, 1, 0.1), at(155, 2, 0.4)]);
  const labels = [1, 1, 0, 0];
  const { delta, plane } = classTurn(data, D, labels, b1, b2);
  assert.ok(delta > 0 && delta <= 180);
  // Here the turn from 150° to 20° is clockwise in (b1, b2): the plane comes back flipped.
  assert.ok(dot(plane, b2) < 0, 'b2 flipped');
  const unitMean = (l: number) => {
    const m = new Float64Array(D);
    labels.forEach((x, i) => {
      if (x !== l) return;
      const r = data.subarray(i * D, (i + 1) * D);
      r.forEach((v, j) => (m[j] = m[j]! + v / norm(r) / 2));
    });
    return m;
  };
  const neg = unitMean(0);
  const pos = unitMean(1);
  const turned = noGrad(() => new RotateIntervention('x', tensor(Array.from(b1), { dtype: 'f64' }), { plane: tensor(Array.from(plane), { dtype: 'f64' }), strength: delta }).apply(tensor([[Array.from(neg)]], { dtype: 'f64' }), { site: 'x', layer: 0, offset: 0, phase: 'prefill', promptLength: null, padding: null })).toArray();
  assert.ok(Math.abs(angleBetween(planeAngle(turned, b1, b2), planeAngle(pos, b1, b2))) < 1e-9, 'the negative mean now sits at the positive mean\'s angle');
  assert.ok(Math.abs(angleBetween(350, 10) + 20) < 1e-12 && Math.abs(angleBetween(-170, 170) - 20) < 1e-12, 'angle differences wrap into (−180, 180]');
});
