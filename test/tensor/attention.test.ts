// The attention op: gradient checks (f64, reference), the forward and backward against a naive
// composition of existing ops and against PyTorch numbers, masking edge cases and input errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tensor, ops, noGrad, withBackend, type Tensor } from '../../src/index.js';
import type { AttentionOptions } from '../../src/tensor/ops/attention.js';
import { Rng } from '../../src/util/rng.js';
import { gradcheck, randn, maxRelDiff } from '../helpers/gradcheck.js';

const rng = new Rng(11);

interface Case {
  b: number;
  tq: number;
  tk: number;
  hq: number;
  hkv: number;
  d: number;
  dv?: number;
  opts?: AttentionOptions;
  /** Mask batch (1 or b) of a random additive mask with −∞ padding; 0 = none. */
  maskBatch?: number;
}

function inputs(c: Case, requiresGrad = true): [Tensor, Tensor, Tensor] {
  const dv = c.dv ?? c.d;
  return [
    randn(rng, [c.b, c.tq, c.hq, c.d], { requiresGrad }),
    randn(rng, [c.b, c.tk, c.hkv, c.d], { requiresGrad }),
    randn(rng, [c.b, c.tk, c.hkv, dv], { requiresGrad }),
  ];
}

/** A random additive mask that pads away the first key of every row, and of batch 1 the last. */
function paddingMask(mb: number, tq: number, tk: number): Tensor {
  const vals: number[] = [];
  for (let b = 0; b < mb; b++) {
    for (let i = 0; i < tq; i++) {
      for (let j = 0; j < tk; j++) vals.push(j === 0 || (b === 1 && j === tk - 1) ? -Infinity : 0.5 * rng.normal());
    }
  }
  return tensor(vals, [mb, tq, tk], { dtype: 'f64' });
}

function optsOf(c: Case): AttentionOptions {
  return c.maskBatch ? { ...c.opts, mask: paddingMask(c.maskBatch, c.tq, c.tk) } : { ...c.opts };
}

/**
 * The same attention built from existing ops: per-head scores by matmul, the soft-cap by tanh,
 * causality and window as an additive −∞ bias, softmax, and a matmul with the values.
 */
function naive(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  const [, tq, hq, d] = q.shape as [number, number, number, number];
  const [, tk, hkv] = k.shape as [number, number, number];
  const group = hq / hkv;
  const heads = (x: Tensor) => {
    const t = ops.transpose(x, [0, 2, 1, 3]); // [b, hkv, tk, ·]
    return ops.concat(Array.from({ length: hq }, (_, h) => ops.slice(t, 1, Math.floor(h / group), Math.floor(h / group) + 1)), 1);
  };
  let s = ops.scale(ops.matmul(ops.transpose(q, [0, 2, 1, 3]), heads(k), { transB: true }), opts.scale ?? 1 / Math.sqrt(d));
  const cap = opts.softcap ?? 0;
  if (cap > 0) s = ops.scale(ops.tanh(ops.scale(s, 1 / cap)), cap);
  const qOffset = opts.qOffset ?? tk - tq;
  const bias: number[] = [];
  for (let i = 0; i < tq; i++) {
    for (let j = 0; j < tk; j++) {
      const p = i + qOffset;
      const hidden = ((opts.causal ?? true) && j > p) || ((opts.window ?? 0) > 0 && j <= p - opts.window!);
      bias.push(hidden ? -Infinity : 0);
    }
  }
  s = ops.add(s, tensor(bias, [1, 1, tq, tk], { dtype: 'f64' }));
  if (opts.mask) s = ops.add(s, ops.reshape(opts.mask, [-1, 1, tq, tk]));
  const o = ops.matmul(ops.softmax(s), heads(v));
  return ops.transpose(o, [0, 2, 1, 3]);
}

const cases: Record<string, Case> = {
  'causal': { b: 1, tq: 4, tk: 4, hq: 2, hkv: 2, d: 3 },
  'non-causal': { b: 1, tq: 3, tk: 5, hq: 2, hkv: 2, d: 3, opts: { causal: false } },
  'GQA hq=4 hkv=2': { b: 1, tq: 3, tk: 3, hq: 4, hkv: 2, d: 2 },
  'MQA hq=4 hkv=1': { b: 1, tq: 3, tk: 3, hq: 4, hkv: 1, d: 2, dv: 3 },
  'KV cache qOffset>0 (tq<tk)': { b: 1, tq: 2, tk: 5, hq: 2, hkv: 1, d: 3 },
  'explicit qOffset and scale': { b: 1, tq: 3, tk: 4, hq: 1, hkv: 1, d: 3, opts: { qOffset: 2, scale: 0.9 } },
  'sliding window': { b: 1, tq: 5, tk: 5, hq: 2, hkv: 1, d: 2, opts: { window: 2 } },
  'softcap': { b: 1, tq: 3, tk: 4, hq: 2, hkv: 2, d: 3, opts: { softcap: 1.5, scale: 2 } },
  'additive mask with −∞ padding': { b: 1, tq: 3, tk: 4, hq: 2, hkv: 1, d: 2, maskBatch: 1 },
  'batch 2 with per-batch mask': { b: 2, tq: 3, tk: 4, hq: 2, hkv: 2, d: 2, maskBatch: 2 },
  'odd sizes, everything on': { b: 2, tq: 3, tk: 7, hq: 3, hkv: 1, d: 5, dv: 3, maskBatch: 1, opts: { window: 3, softcap: 2 } },
};

for (const [name, c] of Object.entries(cases)) {
  test(`attention gradients: ${name}`, () => {
    const opts = optsOf(c);
    gradcheck((q, k, v) => ops.attention(q!, k!, v!, opts), inputs(c));
  });
}

test('attention forward and gradients match a naive composition of ops', () => {
  withBackend('reference', () => {
    for (const [name, c] of Object.entries(cases)) {
      const opts = optsOf(c);
      const xs = inputs(c);
      const fused = ops.attention(xs[0], xs[1], xs[2], opts);
      const ref = naive(xs[0], xs[1], xs[2], opts);
      assert.ok(maxRelDiff(fused.toArray(), ref.toArray()) < 1e-12, `${name}: forward differs`);
      const r = randn(rng, fused.shape);
      const grads = (o: Tensor) => {
        for (const x of xs) x.grad = null;
        ops.sum(ops.mul(o, r)).backward();
        return xs.map((x) => x.grad!.toArray());
      };
      const gf = grads(fused);
      const gn = grads(ref);
      for (let i = 0; i < 3; i++) assert.ok(maxRelDiff(gf[i]!, gn[i]!) < 1e-12, `${name}: gradient of input ${i} differs`);
    }
  });
});

interface Fixture {
  name: string;
  shapes: { q: number[]; k: number[]; v: number[]; mask: number[] | null };
  opts: { causal: boolean; qOffset: number; window: number; softcap: number; scale: number };
  q: number[]; k: number[]; v: number[]; mask: (number | string)[] | null;
  out: number[]; gOut: number[]; dq: number[]; dk: number[]; dv: number[];
}

test('attention matches PyTorch 1.13 (float64) forward and gradients', () => {
  const file = fileURLToPath(new URL('../../../test/fixtures/attention.json', import.meta.url));
  const fx = JSON.parse(readFileSync(file, 'utf8')) as { cases: Fixture[] };
  assert.ok(fx.cases.length >= 3);
  for (const c of fx.cases) {
    withBackend('reference', () => {
      const t = (vals: (number | string)[], shape: number[], requiresGrad = false) => tensor(vals.map(Number), shape, { dtype: 'f64', requiresGrad });
      const q = t(c.q, c.shapes.q, true);
      const k = t(c.k, c.shapes.k, true);
      const v = t(c.v, c.shapes.v, true);
      const mask = c.mask ? t(c.mask, c.shapes.mask!) : null;
      const out = ops.attention(q, k, v, { ...c.opts, mask });
      assert.ok(maxRelDiff(out.toArray(), c.out) < 1e-12, `${c.name}: forward`);
      out.backward(t(c.gOut, out.shape as number[]));
      assert.ok(maxRelDiff(q.grad!.toArray(), c.dq) < 1e-12, `${c.name}: dq`);
      assert.ok(maxRelDiff(k.grad!.toArray(), c.dk) < 1e-12, `${c.name}: dk`);
      assert.ok(maxRelDiff(v.grad!.toArray(), c.dv) < 1e-12, `${c.name}: dv`);
    });
  }
});

test('attention: hand-computed values (one query, two keys)', () => {
  // scores 1·1 = 1 and 1·0 = 0 at scale 1: p = [e/(e+1), 1/(e+1)].
  const q = tensor([1], [1, 1, 1, 1], { dtype: 'f64' });
  const k = tensor([1, 0], [1, 2, 1, 1], { dtype: 'f64' });
  const v = tensor([10, 20], [1, 2, 1, 1], { dtype: 'f64' });
  const out = ops.attention(q, k, v, { causal: false, scale: 1 }).item();
  const e = Math.E;
  assert.ok(Math.abs(out - (10 * e + 20) / (e + 1)) < 1e-12);
  // Causal with the default qOffset (tk − tq = 1): the query is the last token and sees both.
  assert.ok(Math.abs(ops.attention(q, k, v, { scale: 1 }).item() - out) < 1e-12);
  // qOffset 0: the query sits at position 0 and sees only the first key.
  assert.equal(ops.attention(q, k, v, { scale: 1, qOffset: 0 }).item(), 10);
});

test('attention: fully masked rows give zeros, lse −∞ and zero gradients (no NaN)', () => {
  withBackend('reference', () => {
    const [q, k, v] = inputs({ b: 2, tq: 3, tk: 3, hq: 2, hkv: 1, d: 2 });
    // Batch 0: row 1 fully masked by padding; batch 1: nothing masked. qOffset −1 hides row 0 causally too.
    const m: number[] = new Array(2 * 3 * 3).fill(0);
    for (let j = 0; j < 3; j++) m[1 * 3 + j] = -Infinity;
    const mask = tensor(m, [2, 3, 3], { dtype: 'f64' });
    const out = ops.attention(q, k, v, { mask, qOffset: -1 });
    const o = out.toNested() as number[][][][];
    for (const b of [0, 1]) for (let h = 0; h < 2; h++) assert.deepEqual(o[b]![0]![h], [0, 0], 'row 0 sees no key (causal, qOffset −1)');
    for (let h = 0; h < 2; h++) assert.deepEqual(o[0]![1]![h], [0, 0], 'row 1 of batch 0 is padded away');
    assert.ok(o[1]![1]![0]!.some((x) => x !== 0));
    ops.sum(out).backward();
    for (const x of [q, k, v]) assert.ok(x.grad!.toArray().every(Number.isFinite), 'gradients are finite');
    const dq = q.grad!.toNested() as number[][][][];
    assert.deepEqual(dq[0]![1]![0], [0, 0]);
    assert.deepEqual(dq[1]![0]![1], [0, 0]);
    gradcheck((a, b, c) => ops.attention(a!, b!, c!, { mask, qOffset: -1 }), [q, k, v]);
  });
});

test('attention: lse from the kernel is the log-sum-exp of the visible scores', async () => {
  const { attention: refAttention } = await import('../../src/backend/reference/attention.js');
  const q = new Float64Array([1, 2]);
  const k = new Float64Array([0.5, -1]);
  const v = new Float64Array([1, 2]);
  const dims = { batch: 1, tq: 2, tk: 2, hq: 1, hkv: 1, d: 1, dv: 1, scale: 1, causal: true, qOffset: 0, window: 0, softcap: 0 };
  const { lse } = refAttention(q, k, v, null, 1, dims);
  assert.ok(Math.abs(lse[0]! - 0.5) < 1e-12); // row 0 sees key 0 only: 1·0.5
  assert.ok(Math.abs(lse[1]! - Math.log(Math.exp(1) + Math.exp(-2))) < 1e-12); // row 1: 2·0.5, 2·(−1)
  const masked = refAttention(q, k, v, new Float64Array([-Infinity, -Infinity, 0, 0]), 1, dims);
  assert.equal(masked.lse[0], -Infinity);
  assert.equal(masked.out[0], 0);
});

test('attention: f32 inputs give f32 output of the right shape; bad inputs are named', () => {
  const [q, k, v] = inputs({ b: 1, tq: 2, tk: 3, hq: 4, hkv: 2, d: 3 }, false).map((t) => t.toFloat('f32')) as [Tensor, Tensor, Tensor];
  const o = noGrad(() => ops.attention(q, k, v));
  assert.equal(o.dtype, 'f32');
  assert.deepEqual(o.shape, [1, 2, 4, 3]);
  const r = (shape: number[]) => randn(rng, shape, { dtype: 'f32' });
  assert.throws(() => ops.attention(r([2, 3, 4]), k, v), /q must be \[batch, tq, hq, d\]/);
  assert.throws(() => ops.attention(q, r([1, 3, 3, 3]), r([1, 3, 3, 3])), /multiple of kv heads/);
  assert.throws(() => ops.attention(q, r([1, 3, 2, 4]), v), /head sizes differ/);
  assert.throws(() => ops.attention(q, k, r([1, 4, 2, 3])), /lengths differ/);
  assert.throws(() => ops.attention(q, r([2, 3, 2, 3]), r([2, 3, 2, 3])), /batch sizes differ/);
  assert.throws(() => ops.attention(q, k, v, { mask: r([2, 2]) }), /mask \[2, 2\] does not match/);
  assert.throws(() => ops.attention(q, k, v, { mask: r([3, 2, 3]) }), /has batch 3/);
  assert.throws(() => ops.attention(q, k, v, { mask: r([1, 2, 2, 3]) }), /head axis/);
  assert.throws(() => ops.attention(q, k, v, { window: 1.5 }), /window must be an integer/);
  assert.throws(() => ops.attention(q, k, v, { softcap: -1 }), /softcap/);
  assert.throws(() => ops.attention(q, k, v, { qOffset: 0.5 }), /qOffset/);
  // Accepted mask layouts.
  for (const shape of [[2, 3], [1, 2, 3], [1, 1, 2, 3]]) noGrad(() => ops.attention(q, k, v, { mask: r(shape) }));
});
