// RoPE and its inverse frequencies: gradient checks (f64, reference), a Hugging Face fixture, the
// scaling variants against values computed by PyTorch (test/fixtures/gen/rope_fixture.py).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { tensor, ops, withBackend } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';
import { gradcheck, randn } from '../helpers/gradcheck.js';

const rng = new Rng(5);
const g = (shape: number[]) => randn(rng, shape, { requiresGrad: true });
const i32 = (v: number[], shape?: number[]) => tensor(v, shape ?? [v.length], { dtype: 'i32' });

interface Fixture {
  invFreq: { name: string; headDim: number; theta: number; rotaryDim: number | null; scaling: Record<string, number | string> | null; invFreqF32: number[]; invFreqF64: number[] }[];
  apply: { shape: number[]; rotaryDim: number; positions: number[]; invFreq: number[]; x: number[]; y: number[] };
}
const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(path.resolve(here, '../../../test/fixtures/rope.json'), 'utf8')) as Fixture;

test('rope: gradients (full and partial rotary, shared and per-batch positions)', () => {
  const inv = ops.ropeInvFreq({ headDim: 6, theta: 100 });
  gradcheck((x) => ops.rope(x, i32([0, 3, 17]), inv), [g([2, 3, 2, 6])]);
  const invP = ops.ropeInvFreq({ headDim: 8, theta: 10, rotaryDim: 4 });
  gradcheck((x) => ops.rope(x, i32([1, 2, 5, 9], [2, 2]), invP, 4), [g([2, 2, 3, 8])]);
});

test('rope: matches the Hugging Face rotate-half formula (fixture), partial rotary, [B, T] positions', () => {
  const a = fixture.apply;
  const x = tensor(a.x, a.shape, { dtype: 'f64' });
  const y = withBackend('reference', () => ops.rope(x, i32(a.positions, [a.shape[0]!, a.shape[1]!]), Float64Array.from(a.invFreq), a.rotaryDim)).toArray();
  y.forEach((v, i) => assert.ok(Math.abs(v - a.y[i]!) < 1e-12, `element ${i}: ${v} vs ${a.y[i]}`));
});

test('rope: position 0 is the identity, norms are kept, scores depend only on relative position', () => {
  withBackend('reference', () => {
    const inv = ops.ropeInvFreq({ headDim: 8, theta: 10000 });
    const x = randn(rng, [1, 1, 1, 8]);
    assert.deepEqual(ops.rope(x, i32([0]), inv).toArray(), x.toArray());
    const q = randn(rng, [1, 1, 1, 8]);
    const k = randn(rng, [1, 1, 1, 8]);
    const score = (m: number, n: number) => ops.sum(ops.mul(ops.rope(q, i32([m]), inv), ops.rope(k, i32([n]), inv))).item();
    assert.ok(Math.abs(score(7, 3) - score(104, 100)) < 1e-12);
    const r = ops.rope(q, i32([1234]), inv);
    assert.ok(Math.abs(ops.sum(ops.square(r)).item() - ops.sum(ops.square(q)).item()) < 1e-12);
  });
});

test('ropeInvFreq: default, partial, linear and llama3 scaling match PyTorch re-implementations of HF', () => {
  for (const c of fixture.invFreq) {
    const got = ops.ropeInvFreq({ headDim: c.headDim, theta: c.theta, rotaryDim: c.rotaryDim ?? undefined, scaling: c.scaling });
    assert.equal(got.length, c.invFreqF32.length, c.name);
    for (let i = 0; i < got.length; i++) {
      // Within f32 rounding of the exact value, and within a few f32 ulps of HF's float32 arithmetic
      // (its llama3 interpolation accumulates ~5 ulps of rounding).
      const rel32 = Math.abs(got[i]! - c.invFreqF32[i]!) / c.invFreqF32[i]!;
      const rel64 = Math.abs(got[i]! - c.invFreqF64[i]!) / c.invFreqF64[i]!;
      assert.ok(rel32 <= 1e-6 && rel64 <= 6e-8, `${c.name}[${i}]: ${got[i]} vs f32 ${c.invFreqF32[i]} / f64 ${c.invFreqF64[i]}`);
    }
  }
  // llama3 keeps high frequencies, divides the lowest by the factor, and interpolates between.
  const base = ops.ropeInvFreq({ headDim: 128, theta: 500000 });
  const l3 = ops.ropeInvFreq({ headDim: 128, theta: 500000, scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } });
  assert.equal(l3[0], base[0]);
  assert.equal(l3[63], Math.fround(base[63]! / 8));
  assert.ok(l3.some((v, i) => v < base[i]! && v > base[i]! / 8));
  // The legacy `type` key is read as well.
  assert.deepEqual(ops.ropeInvFreq({ headDim: 4, theta: 10, scaling: { type: 'linear', factor: 2 } }), Float64Array.from([0.5, Math.fround(1 / Math.sqrt(10) / 2)]));
});

test('rope: unsupported scaling and bad shapes give clear errors', () => {
  for (const t of ['yarn', 'dynamic', 'longrope']) {
    assert.throws(() => ops.ropeInvFreq({ headDim: 8, theta: 1e4, scaling: { rope_type: t, factor: 2 } }), new RegExp(`'${t}' is not supported`));
  }
  assert.throws(() => ops.ropeInvFreq({ headDim: 8, theta: 1e4, scaling: { rope_type: 'llama3', factor: 8 } }), /needs a numeric 'low_freq_factor'/);
  assert.throws(() => ops.ropeInvFreq({ headDim: 8, theta: 1e4, rotaryDim: 5 }), /rotaryDim/);
  const inv = ops.ropeInvFreq({ headDim: 4, theta: 1e4 });
  const x = randn(rng, [1, 2, 1, 4]);
  assert.throws(() => ops.rope(x, i32([0, 1, 2]), inv), /positions must have shape \[2\] or \[1, 2\]/);
  assert.throws(() => ops.rope(x, tensor([0, 1]), inv), /i32/);
  assert.throws(() => ops.rope(x, i32([0, 1]), new Float64Array(1)), /rotaryDim\/2 = 2/);
  assert.throws(() => ops.rope(randn(rng, [2, 4]), i32([0, 1]), inv), /\[B, T, H, D\]/);
});
