// Native fused attention against the reference kernels on random shapes: forward (out, lse) and
// backward (dq, dk, dv), including decode (tq = 1, long tk), a single key, head sizes that are not
// a multiple of the vector width, grouped heads, masks, windows, soft-capping, fully masked rows,
// and shapes that split the key range across tasks; a few of them once per instruction set this CPU
// has (rowopsIsa forces each: attention shares the row kernels' choice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeBackend, withBackend } from '../../src/backend/registry.js';
import { ops, tensor, type Tensor } from '../../src/index.js';
import { referenceKernels } from '../../src/backend/reference/index.js';
import { rowopsIsa } from '../../src/backend/native/rowops.js';
import type { AttentionDims, Kernels } from '../../src/backend/kernels.js';
import { Rng } from '../../src/util/rng.js';
import { maxRelDiff } from '../helpers/gradcheck.js';

const native = nativeBackend();
const skip = native?.kernels.attention && native.kernels.attentionBackward ? false : 'native attention kernels not built';
const rng = new Rng(2024);

function randArray(n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale;
  return a;
}

interface Shape {
  batch: number;
  tq: number;
  tk: number;
  hq: number;
  hkv: number;
  d: number;
  dv?: number;
  causal?: boolean;
  qOffset?: number;
  window?: number;
  softcap?: number;
  scale?: number;
  /** 0: no mask; 1 or batch: random additive mask with −∞ padding (mask batch). */
  maskBatch?: number;
  /** Fully mask these query rows (in every mask batch). */
  maskRows?: number[];
}

function dimsOf(s: Shape): AttentionDims {
  return {
    batch: s.batch, tq: s.tq, tk: s.tk, hq: s.hq, hkv: s.hkv, d: s.d, dv: s.dv ?? s.d,
    scale: s.scale ?? 1 / Math.sqrt(s.d), causal: s.causal ?? true, qOffset: s.qOffset ?? s.tk - s.tq,
    window: s.window ?? 0, softcap: s.softcap ?? 0,
  };
}

function maskFor(s: Shape): Float32Array | null {
  const mb = s.maskBatch ?? 0;
  if (!mb && !s.maskRows) return null;
  const m = new Float32Array(Math.max(mb, 1) * s.tq * s.tk);
  for (let b = 0; b < Math.max(mb, 1); b++) {
    for (let i = 0; i < s.tq; i++) {
      for (let j = 0; j < s.tk; j++) {
        const o = (b * s.tq + i) * s.tk + j;
        if (mb) m[o] = j === b % s.tk ? -Infinity : rng.normal() * 0.5; // left padding differs per batch
        if (s.maskRows?.includes(i)) m[o] = -Infinity;
      }
    }
  }
  return m;
}

function check(s: Shape, tol = 1e-5): void {
  const dims = dimsOf(s);
  const q = randArray(dims.batch * dims.tq * dims.hq * dims.d);
  const k = randArray(dims.batch * dims.tk * dims.hkv * dims.d);
  const v = randArray(dims.batch * dims.tk * dims.hkv * dims.dv);
  const mask = maskFor(s);
  const mb = s.maskBatch || 1;
  const nk = native!.kernels as Required<Pick<Kernels, 'attention' | 'attentionBackward'>>;
  const ref = referenceKernels.attention(q, k, v, mask, mb, dims);
  const got = nk.attention(q, k, v, mask, mb, dims);
  const label = JSON.stringify(s);
  assert.ok(got.out instanceof Float32Array);
  assert.ok(maxRelDiff(got.out, ref.out) < tol, `${label}: out differs by ${maxRelDiff(got.out, ref.out)}`);
  for (let i = 0; i < ref.lse.length; i++) {
    if (ref.lse[i] === -Infinity) assert.equal(got.lse[i], -Infinity, `${label}: lse[${i}] should be −∞`);
  }
  assert.ok(maxRelDiff(got.lse.map((x) => (x === -Infinity ? 0 : x)), ref.lse.map((x) => (x === -Infinity ? 0 : x))) < tol, `${label}: lse differs`);
  const g = randArray(ref.out.length);
  const rb = referenceKernels.attentionBackward(q, k, v, mask, mb, ref.out, ref.lse, g, dims);
  const nb = nk.attentionBackward(q, k, v, mask, mb, got.out, got.lse, g, dims);
  for (const key of ['dq', 'dk', 'dv'] as const) {
    assert.ok(nb[key].every(Number.isFinite), `${label}: ${key} has non-finite values`);
    const diff = maxRelDiff(nb[key], rb[key]);
    assert.ok(diff < tol, `${label}: ${key} differs by ${diff}`);
  }
}

test('native attention: small and degenerate shapes', { skip }, () => {
  check({ batch: 1, tq: 1, tk: 1, hq: 1, hkv: 1, d: 1 });
  check({ batch: 1, tq: 1, tk: 1, hq: 2, hkv: 1, d: 3, causal: false });
  check({ batch: 1, tq: 5, tk: 5, hq: 1, hkv: 1, d: 7 });
  check({ batch: 2, tq: 3, tk: 9, hq: 4, hkv: 2, d: 5, dv: 3 });
  check({ batch: 1, tq: 4, tk: 4, hq: 3, hkv: 3, d: 17, causal: false });
});

test('native attention: tile boundaries, grouped heads, head sizes off the vector width', { skip }, () => {
  check({ batch: 1, tq: 70, tk: 70, hq: 4, hkv: 2, d: 24 });
  check({ batch: 2, tq: 33, tk: 130, hq: 6, hkv: 2, d: 65, dv: 19 });
  check({ batch: 1, tq: 64, tk: 64, hq: 1, hkv: 1, d: 64 });
  check({ batch: 1, tq: 21, tk: 150, hq: 9, hkv: 3, d: 64, causal: false });
  check({ batch: 1, tq: 3, tk: 40, hq: 80, hkv: 1, d: 8 }); // more grouped heads than a tile's rows
});

test('native attention: decode (tq = 1, long tk, key range split across tasks)', { skip }, () => {
  check({ batch: 1, tq: 1, tk: 1000, hq: 9, hkv: 3, d: 64 });
  check({ batch: 2, tq: 1, tk: 333, hq: 4, hkv: 1, d: 40, maskBatch: 2 });
  check({ batch: 1, tq: 2, tk: 300, hq: 8, hkv: 2, d: 32, window: 100 });
  check({ batch: 1, tq: 3, tk: 500, hq: 4, hkv: 1, d: 32, softcap: 2 }); // packed-tile path, split keys
  check({ batch: 1, tq: 1, tk: 40, hq: 2, hkv: 1, d: 8 }); // small enough to run on the calling thread
});

test('native attention: masks, padding, windows, soft-capping, offsets', { skip }, () => {
  check({ batch: 2, tq: 20, tk: 20, hq: 2, hkv: 1, d: 9, maskBatch: 2 });
  check({ batch: 2, tq: 7, tk: 80, hq: 4, hkv: 4, d: 12, maskBatch: 1, causal: false });
  check({ batch: 1, tq: 90, tk: 90, hq: 2, hkv: 1, d: 16, window: 17 });
  check({ batch: 1, tq: 30, tk: 100, hq: 3, hkv: 1, d: 10, window: 5, softcap: 3, maskBatch: 1 });
  check({ batch: 1, tq: 12, tk: 70, hq: 2, hkv: 2, d: 8, softcap: 0.7, scale: 3 });
  check({ batch: 1, tq: 10, tk: 10, hq: 1, hkv: 1, d: 4, qOffset: 3 });
  check({ batch: 1, tq: 10, tk: 10, hq: 1, hkv: 1, d: 4, qOffset: -3 }); // first rows see nothing
});

test('native attention: fully masked rows give zeros, lse −∞ and no gradient', { skip }, () => {
  check({ batch: 1, tq: 6, tk: 6, hq: 2, hkv: 1, d: 5, maskRows: [0, 3] });
  check({ batch: 2, tq: 1, tk: 500, hq: 4, hkv: 1, d: 64, maskRows: [0] }); // split decode, all masked
  const dims = dimsOf({ batch: 1, tq: 2, tk: 3, hq: 1, hkv: 1, d: 2 });
  const mask = new Float32Array([-Infinity, -Infinity, -Infinity, 0, 0, 0]);
  const q = randArray(4), k = randArray(6), v = randArray(6);
  const { out, lse } = native!.kernels.attention!(q, k, v, mask, 1, dims);
  assert.deepEqual([...out.subarray(0, 2)], [0, 0]);
  assert.equal(lse[0], -Infinity);
  assert.ok(Number.isFinite(lse[1]));
  const b = native!.kernels.attentionBackward!(q, k, v, mask, 1, out, lse, randArray(4), dims);
  assert.deepEqual([...b.dq.subarray(0, 2)], [0, 0]);
});

test('native attention: bad buffer lengths are refused, not read out of bounds', { skip }, () => {
  const dims = dimsOf({ batch: 1, tq: 2, tk: 3, hq: 2, hkv: 1, d: 4 });
  assert.throws(() => native!.kernels.attention!(randArray(15), randArray(12), randArray(12), null, 1, dims), /q has the wrong length/);
  assert.throws(() => native!.kernels.attention!(randArray(16), randArray(12), randArray(12), randArray(5), 1, dims), /mask has the wrong length/);
});

test('native attention through ops.attention: forward and autograd match the reference backend', { skip }, () => {
  const mk = (shape: number[]) => tensor(randArray(shape.reduce((a, b) => a * b, 1)), shape, { dtype: 'f32', requiresGrad: true });
  const q = mk([2, 5, 4, 3]), k = mk([2, 9, 2, 3]), v = mk([2, 9, 2, 6]);
  const mask = tensor(Array.from({ length: 5 * 9 }, (_, i) => (i % 9 === 0 ? -Infinity : 0)), [5, 9], { dtype: 'f32' });
  const run = (backend: 'native' | 'reference') =>
    withBackend(backend, () => {
      for (const x of [q, k, v]) x.grad = null;
      const o = ops.attention(q, k, v, { mask, window: 4, softcap: 2 });
      ops.sum(ops.square(o)).backward();
      return [o, q.grad!, k.grad!, v.grad!].map((t: Tensor) => t.toArray());
    });
  const n = run('native');
  const r = run('reference');
  n.forEach((a, i) => assert.ok(maxRelDiff(a, r[i]!) < 1e-5, `output ${i} differs by ${maxRelDiff(a, r[i]!)}`));
});

test('native attention: a NaN key poisons exactly the rows that see it, as in the reference', { skip }, () => {
  for (const s of [
    { batch: 1, tq: 100, tk: 100, hq: 9, hkv: 3, d: 8 }, // packed tiles
    { batch: 1, tq: 1, tk: 1000, hq: 4, hkv: 1, d: 16, qOffset: 999 }, // decode, split keys
    { batch: 1, tq: 6, tk: 6, hq: 1, hkv: 1, d: 4, softcap: 5 },
  ]) {
    const dims = dimsOf(s);
    const q = randArray(dims.batch * dims.tq * dims.hq * dims.d);
    const k = randArray(dims.batch * dims.tk * dims.hkv * dims.d);
    const v = randArray(dims.batch * dims.tk * dims.hkv * dims.dv);
    k[2 * dims.hkv * dims.d] = NaN; // key 2, kv head 0
    const got = native!.kernels.attention!(q, k, v, null, 1, dims);
    const ref = referenceKernels.attention(q, k, v, null, 1, dims);
    let nanRows = 0;
    for (let i = 0; i < ref.out.length; i += dims.dv) {
      assert.equal(Number.isNaN(got.out[i]!), Number.isNaN(ref.out[i]!), `${JSON.stringify(s)}: row ${i / dims.dv}`);
      if (Number.isNaN(ref.out[i]!)) nanRows++;
    }
    assert.ok(nanRows > 0);
  }
});

test('native attention: every instruction set this CPU has agrees with the reference', { skip }, () => {
  const isas = ['generic', 'avx2', 'avx512'].filter((isa) => {
    try {
      rowopsIsa(native!.addon, isa as 'generic');
      return true;
    } catch {
      return false; // not on this CPU
    }
  });
  try {
    for (const isa of isas) {
      assert.equal(rowopsIsa(native!.addon, isa as 'generic'), isa);
      assert.equal((native!.addon.attentionIsa as () => string)(), isa);
      check({ batch: 2, tq: 33, tk: 130, hq: 6, hkv: 2, d: 65, dv: 19 }); // packed tiles, ragged widths
      check({ batch: 1, tq: 1, tk: 1000, hq: 9, hkv: 3, d: 64 }); // decode: dot products, split keys
      check({ batch: 1, tq: 30, tk: 100, hq: 3, hkv: 1, d: 10, window: 5, softcap: 3, maskBatch: 1 });
      check({ batch: 1, tq: 6, tk: 6, hq: 2, hkv: 1, d: 5, maskRows: [0, 3] });
    }
  } finally {
    rowopsIsa(native!.addon, 'auto');
  }
});
