// Selective Steering's rotation inside a fixed plane (methods.md §3.7): h' = h − Ph + V_θ h is an
// exact rotation, so the norm is kept for every θ, θ = 0 and 360° are the identity, θ1 then θ2 is
// θ1 + θ2, and everything orthogonal to the plane is left as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ops, noGrad, type Tensor } from '../../src/index.js';
import { RotateIntervention } from '../../src/intervene/index.js';
import type { HookContext } from '../../src/models/hooks.js';
import { Rng } from '../../src/util/rng.js';
import { randn } from '../helpers/gradcheck.js';

const rng = new Rng(11);
const W = 7;
// f64 throughout: tolerances sit at 1e-10 (the unit-normalisation's ε of 1e-12 alone moves the 13th digit).
const ctx: HookContext = { site: 'x', layer: 0, offset: 0, phase: 'prefill', promptLength: null, padding: null };
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const rows = (t: Tensor) => {
  const a = t.toArray();
  return Array.from({ length: a.length / W }, (_, i) => a.slice(i * W, (i + 1) * W));
};
const maxDiff = (a: Tensor, b: Tensor) => Math.max(...a.toArray().map((x, i) => Math.abs(x - b.toArray()[i]!)));

// b1 a unit vector, b2 a unit vector orthogonal to it (the plane as an artifact stores it).
const b1 = ops.scale(randn(rng, [W]), 1);
const b1u = b1.toArray().map((x) => x / Math.sqrt(dot(b1.toArray(), b1.toArray())));
const raw = randn(rng, [W]).toArray();
const perp = raw.map((x, j) => x - dot(raw, b1u) * b1u[j]!);
const b2u = perp.map((x) => x / Math.sqrt(dot(perp, perp)));
const b2 = ops.reshape(ops.scale(randn(rng, [W]), 0), [W]);
b2.f.set(b2u);
const rotate = (h: Tensor, deg: number, plane: Tensor = b2) => noGrad(() => new RotateIntervention('x', b1, { plane, strength: deg }).apply(h, ctx));
const h = randn(rng, [2, 5, W]);

test('plane rotation keeps ‖h‖ for every angle', () => {
  for (const deg of [-270, -180, -90, -33.3, 0, 1e-3, 7, 45, 90, 135, 180, 359, 720]) {
    const out = rotate(h, deg);
    rows(out).forEach((r, i) => {
      const b = rows(h)[i]!;
      assert.ok(Math.abs(Math.sqrt(dot(r, r)) - Math.sqrt(dot(b, b))) < 1e-10, `θ = ${deg}: ‖h'‖ ${Math.sqrt(dot(r, r))} vs ‖h‖ ${Math.sqrt(dot(b, b))}`);
    });
  }
});

test('θ = 0 and θ = 360° are the identity; θ1 then θ2 equals θ1 + θ2', () => {
  assert.ok(maxDiff(rotate(h, 0), h) < 1e-10);
  assert.ok(maxDiff(rotate(h, 360), h) < 1e-10);
  assert.ok(maxDiff(rotate(h, -360), h) < 1e-10);
  for (const [t1, t2] of [[30, 45], [-100, 250], [170, 170]] as const) {
    assert.ok(maxDiff(rotate(rotate(h, t1), t2), rotate(h, t1 + t2)) < 1e-10, `${t1} then ${t2}`);
  }
  assert.ok(maxDiff(rotate(rotate(h, 73), -73), h) < 1e-10, 'θ then −θ undoes it');
});

test('the component orthogonal to the plane is unchanged; the in-plane angle turns by θ from b1 toward b2', () => {
  const deg = 50;
  const out = rotate(h, deg);
  rows(out).forEach((r, i) => {
    const b = rows(h)[i]!;
    const rest = (v: number[]) => v.map((x, j) => x - dot(v, b1u) * b1u[j]! - dot(v, b2u) * b2u[j]!);
    rest(r).forEach((x, j) => assert.ok(Math.abs(x - rest(b)[j]!) < 1e-10));
    const angle = (v: number[]) => Math.atan2(dot(v, b2u), dot(v, b1u));
    let turned = ((angle(r) - angle(b)) * 180) / Math.PI;
    turned = ((turned % 360) + 540) % 360 - 180;
    assert.ok(Math.abs(turned - deg) < 1e-8, `turned ${turned}°`);
    // In-plane radius kept too: only the angle changes.
    assert.ok(Math.abs(Math.hypot(dot(r, b1u), dot(r, b2u)) - Math.hypot(dot(b, b1u), dot(b, b2u))) < 1e-10);
  });
});

test('a plane vector not orthogonal to the direction is orthonormalised against it (the norm still holds)', () => {
  const skew = ops.add(ops.scale(b2, 2), ops.scale(b1, 0.7));
  assert.ok(maxDiff(rotate(h, 40, skew), rotate(h, 40)) < 1e-10);
});

test('adaptive: only tokens with h·b1 above the threshold turn', () => {
  const threshold = 0.1;
  const out = noGrad(() => new RotateIntervention('x', b1, { plane: b2, strength: 80, threshold }).apply(h, ctx));
  const full = rotate(h, 80);
  let turned = 0;
  rows(out).forEach((r, i) => {
    const b = rows(h)[i]!;
    const expect = dot(b, b1u) > threshold ? rows(full)[i]! : b;
    if (dot(b, b1u) > threshold) turned++;
    r.forEach((x, j) => assert.ok(Math.abs(x - expect[j]!) < 1e-10));
  });
  assert.ok(turned > 0 && turned < rows(h).length, `the example should have tokens on both sides (${turned} of ${rows(h).length} turned)`);
});
