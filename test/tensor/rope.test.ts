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
  invFreq: {
    name: string;
    headDim: number;
    theta: number;
    rotaryDim: number | null;
    scaling: Record<string, number | string | boolean> | null;
    maxPositions: number | null;
    seqLen: number | null;
    attentionFactor: number;
    invFreqF32: number[];
    invFreqF64: number[];
  }[];
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

test('ropeInvFreq: default, partial, linear, llama3, yarn and dynamic scaling match PyTorch re-implementations of HF', () => {
  for (const c of fixture.invFreq) {
    const p = ops.ropeParameters({
      headDim: c.headDim,
      theta: c.theta,
      rotaryDim: c.rotaryDim ?? undefined,
      scaling: c.scaling,
      maxPositions: c.maxPositions ?? undefined,
      seqLen: c.seqLen ?? undefined,
    });
    const got = p.invFreq;
    assert.ok(Math.abs(p.attentionFactor - c.attentionFactor) <= 1e-15, `${c.name}: attention factor ${p.attentionFactor} vs ${c.attentionFactor}`);
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

test('ropeParameters: yarn keeps fast rotations, divides slow ones, ramps between; dynamic is unscaled up to the original length', () => {
  const base = ops.ropeInvFreq({ headDim: 128, theta: 1e6 });
  const yarn = ops.ropeParameters({ headDim: 128, theta: 1e6, scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } });
  assert.equal(yarn.invFreq[0], base[0]);
  assert.equal(yarn.invFreq[63], Math.fround(base[63]! / 4));
  assert.ok(yarn.invFreq.some((v, i) => v < base[i]! && v > base[i]! / 4));
  assert.equal(yarn.attentionFactor, 0.1 * Math.log(4) + 1);
  // Null optional fields (as configs write them) mean "not set".
  const nulls = ops.ropeParameters({ headDim: 128, theta: 1e6, scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768, attention_factor: null, beta_fast: null, mscale: null } });
  assert.deepEqual(nulls, yarn);
  // The original length falls back to max_position_embeddings.
  assert.deepEqual(ops.ropeParameters({ headDim: 128, theta: 1e6, maxPositions: 32768, scaling: { rope_type: 'yarn', factor: 4 } }), yarn);

  const dyn = (seqLen?: number) => ops.ropeInvFreq({ headDim: 64, theta: 1e4, maxPositions: 2048, seqLen, scaling: { rope_type: 'dynamic', factor: 2 } });
  const plain = ops.ropeInvFreq({ headDim: 64, theta: 1e4 });
  assert.deepEqual(dyn(), plain);
  assert.deepEqual(dyn(1), plain);
  assert.deepEqual(dyn(2048), plain);
  const longer = dyn(2049);
  const longest = dyn(8192);
  assert.equal(longer[0], 1);
  for (let i = 1; i < 32; i++) assert.ok(longest[i]! < longer[i]! && longer[i]! < plain[i]!, `frequency ${i} falls as the sequence grows`);
});

test('ropeParameters: bad scaling configs fail in one line naming the field', () => {
  const bad = (scaling: Record<string, unknown>, re: RegExp, extra: { maxPositions?: number; label?: string } = {}) =>
    assert.throws(() => ops.ropeParameters({ headDim: 8, theta: 1e4, maxPositions: 64, scaling, ...extra }), (e: Error) => re.test(e.message) && !e.message.includes('\n'));
  for (const t of ['linear', 'llama3', 'yarn', 'dynamic']) {
    bad({ rope_type: t }, new RegExp(`type '${t}' needs a numeric 'factor', got undefined`));
    bad({ rope_type: t, factor: 0.5, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 64 }, new RegExp(`type '${t}' needs 'factor' ≥ 1, got 0.5`));
    bad({ type: t, factor: 'x' }, /needs a numeric 'factor', got "x"/);
  }
  bad({ rope_type: 'yarn', factor: 2 }, /'original_max_position_embeddings' \(or the model's max_position_embeddings\)/, { maxPositions: undefined });
  bad({ rope_type: 'yarn', factor: 2, attention_factor: 0 }, /needs a positive 'attention_factor', got 0/);
  bad({ rope_type: 'yarn', factor: 2, beta_fast: '32' }, /needs a numeric 'beta_fast', got "32"/);
  bad({ rope_type: 'yarn', factor: 2, truncate: 'yes' }, /needs 'truncate' true or false, got "yes"/);
  bad({ rope_type: 'dynamic', factor: 2 }, /type 'dynamic' needs the model's max_position_embeddings/, { maxPositions: undefined });
  bad({ rope_type: 'yarn' }, /^config\.json: field "rope_scaling" of type 'yarn' needs a numeric 'factor'/, { label: 'config.json: field "rope_scaling"' });
});

test('rope: unsupported scaling and bad shapes give clear errors', () => {
  for (const t of ['longrope', 'su', 'nope']) {
    assert.throws(() => ops.ropeInvFreq({ headDim: 8, theta: 1e4, scaling: { rope_type: t, factor: 2 } }), new RegExp(`'${t}' is not supported \\(supported: default, linear, llama3, yarn, dynamic\\)`));
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
