// Sampling rules on hand-made logits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleToken } from '../../src/generate/sampler.js';
import { Rng } from '../../src/util/rng.js';
import { nativeBackend, withBackend } from '../../src/backend/registry.js';

const logits = Float32Array.from([1, 3, 2, 0.5]);

test('temperature 0 is greedy; top-k 1 is greedy at any temperature', () => {
  assert.equal(sampleToken(logits, { temperature: 0 }, new Rng(1)), 1);
  for (let s = 0; s < 20; s++) assert.equal(sampleToken(logits, { temperature: 5, topK: 1 }, new Rng(s)), 1);
});

test('top-p keeps the smallest set whose mass reaches p', () => {
  // softmax([1,3,2,.5]) ≈ [.086,.634,.233,.047]: p = 0.7 keeps {1, 2}.
  const seen = new Set<number>();
  const rng = new Rng(3);
  for (let i = 0; i < 300; i++) seen.add(sampleToken(logits, { temperature: 1, topP: 0.7 }, rng));
  assert.deepEqual([...seen].sort(), [1, 2]);
});

test('sampling frequencies follow the softmax, and seeds reproduce', () => {
  const rng = new Rng(11);
  const counts = [0, 0, 0, 0];
  const n = 20000;
  for (let i = 0; i < n; i++) counts[sampleToken(logits, { temperature: 1 }, rng)]!++;
  const z = [1, 3, 2, 0.5].map(Math.exp);
  const s = z.reduce((a, b) => a + b, 0);
  counts.forEach((c, i) => assert.ok(Math.abs(c / n - z[i]! / s) < 0.015, `token ${i}: ${c / n} vs ${z[i]! / s}`));
  const a = Array.from({ length: 10 }, (_, i) => sampleToken(logits, { temperature: 1 }, new Rng(i)));
  const b = Array.from({ length: 10 }, (_, i) => sampleToken(logits, { temperature: 1 }, new Rng(i)));
  assert.deepEqual(a, b);
});

test('repetition penalty demotes seen tokens', () => {
  assert.equal(sampleToken(logits, { repetitionPenalty: 2 }, new Rng(0), [1]), 2);
  assert.equal(sampleToken(Float32Array.from([-1, -0.6]), { repetitionPenalty: 2 }, new Rng(0), [1]), 0);
});

test("greedy: the addon's arg-max picks what the JS scan picks (ties, NaN, ±0, ±Infinity)", { skip: nativeBackend() ? false : 'the native addon is not built' }, () => {
  const native = nativeBackend()!.addon['argmaxF32'] as (x: Float32Array) => number;
  const scan = (x: Float32Array) => withBackend('reference', () => sampleToken(x, { temperature: 0 }, new Rng(0)));
  const rng = new Rng(5);
  const cases: Float32Array[] = [];
  for (const n of [1, 2, 15, 16, 17, 63, 64, 65, 1023, 1024, 1031, 4096, 49152]) {
    const x = Float32Array.from({ length: n }, () => Math.round(rng.next() * 20) / 4 - 2); // many ties
    cases.push(x);
    const y = x.slice();
    for (let i = 0; i < n; i += 7) y[i] = NaN;
    cases.push(y); // NaN at 0 too: the scan then keeps index 0
    const z = x.slice();
    z[0] = -Infinity;
    for (let i = 1; i < n; i += 3) z[i] = NaN;
    cases.push(z);
    cases.push(new Float32Array(n).fill(NaN));
    const w = new Float32Array(n).fill(-0);
    if (n > 3) w[n - 2] = 0;
    cases.push(w);
    const v = x.slice();
    v[n - 1] = Infinity;
    if (n > 1) v[n >> 1] = Infinity;
    cases.push(v);
  }
  for (const x of cases) {
    let want = 0;
    for (let i = 1; i < x.length; i++) if (x[i]! > x[want]!) want = i;
    assert.equal(native(x), want, `length ${x.length}`);
    if (x.length >= 1024) {
      assert.equal(sampleToken(x, { temperature: 0 }, new Rng(0)), want);
      assert.equal(scan(x), want);
    }
  }
  assert.throws(() => native(new Float32Array(0)), /non-empty/);
});
