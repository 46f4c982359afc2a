// The Wilson interval against values computed by hand (Wilson 1927; e.g. Newcombe 1998, table I).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wilson } from '../../../src/organism/claims/figures.js';

const near = (a: number, b: number, tol = 5e-4) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

test('wilson: 0/10, 5/10, 10/10 and 81/263 match the closed form', () => {
  const z = wilson(0, 10);
  near(z.lo, 0);
  near(z.hi, 0.2775);
  const h = wilson(5, 10);
  near(h.lo, 0.2366);
  near(h.hi, 0.7634);
  const f = wilson(10, 10);
  near(f.lo, 0.7225);
  near(f.hi, 1);
  // Newcombe's example: 81/263 → 0.2553–0.3662.
  const w = wilson(81, 263);
  near(w.lo, 0.2553);
  near(w.hi, 0.3662);
  assert.equal(w.n, 263);
});

test('wilson: no outcomes gives NaN, not a made-up interval', () => {
  assert.ok(Number.isNaN(wilson(0, 0).value));
});
