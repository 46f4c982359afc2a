// The decode kernels: x·Wᵀ with one to four rows of x (the prefetching dot path, gemm_dot.h),
// linearMany (several weights sharing x in one call), the spinning thread pool under many quick
// calls, and the streaming-read bandwidth probe. Every instruction-set path this CPU allows is
// checked in process (gemmIsa) and, for start-up selection, in child processes (STEERLING_ISA).
// The reference runs in f64 on the very values the kernel reads, so the error is the kernel's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { nativeBackend } from '../../src/backend/registry.js';
import { referenceKernels } from '../../src/backend/reference/index.js';
import { fromNumbers, toFloatArray, type Storage } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/util/rng.js';
import { uniform } from '../helpers/uniform.js';

const backend = nativeBackend();
const skip = backend ? false : 'native addon not built';
type WDtype = 'f32' | 'bf16' | 'f16';


interface Weight {
  n: number;
  dtype: WDtype;
  data: Storage;
  /** Row i of the f64 reference product, per x row: expect[r·n + j]. */
  expect: Float64Array;
  tol: Float64Array;
}

/** Random weights for one x [m, k], with f64 expectations and per-element tolerances. */
function makeWeights(rng: Rng, x: Float32Array, m: number, k: number, specs: readonly { n: number; dtype: WDtype }[]): Weight[] {
  const x64 = Float64Array.from(x);
  return specs.map(({ n, dtype }) => {
    const data = fromNumbers(uniform(rng, n * k), dtype);
    const w64 = toFloatArray(data, dtype, 'f64') as Float64Array;
    const expect = referenceKernels.matmul(x64, w64, { batch: 1, m, n, k, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, bDtype: 'f64' }) as Float64Array;
    // 4·sqrt(k)·eps·‖x row‖·‖w row‖: f32 rounding of a k-term sum (as in native-matmul.test.ts).
    const tol = new Float64Array(m * n);
    for (let r = 0; r < m; r++) {
      let xn = 0;
      for (let p = 0; p < k; p++) xn += x64[r * k + p]! ** 2;
      for (let j = 0; j < n; j++) {
        let wn = 0;
        for (let p = 0; p < k; p++) wn += w64[j * k + p]! ** 2;
        tol[r * n + j] = 4 * Math.sqrt(Math.max(1, k) * xn * wn) * 2 ** -23 + 1e-30;
      }
    }
    return { n, dtype, data, expect, tol };
  });
}

function checkOut(got: Float32Array, w: Weight, m: number, label: string): void {
  assert.equal(got.length, m * w.n, `${label}: output length`);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - w.expect[i]!);
    if (!(err <= w.tol[i]!)) assert.fail(`${label}: element ${i} is ${got[i]}, expected ${w.expect[i]} (|err| ${err.toExponential(2)} > ${w.tol[i]!.toExponential(2)})`);
  }
}

function isas(): string[] {
  const info = backend!.addon.cpuInfo();
  const out = ['generic'];
  if (info.avx2 && info.fma && info.f16c) out.push('avx2');
  if (info.avx512f && info.fma && info.f16c) out.push('avx512');
  return out;
}

function gemmIsa(name?: string): string {
  return (backend!.addon['gemmIsa'] as (n?: string) => string)(name);
}

// k straddles the dot path's blocks (16 and 32 floats, one bf16 even/odd block) and leaves ragged
// tails; n straddles the 4-row decode tiles and the per-thread chunks (multiples of 16, ≥ 32);
// sizes past 2^17 weight elements run threaded.
const CASES: { m: number; k: number; ns: number[]; why: string }[] = [
  { m: 1, k: 1, ns: [1, 3], why: 'k = 1' },
  { m: 1, k: 7, ns: [5, 2], why: 'k shorter than a vector' },
  { m: 1, k: 33, ns: [17, 4, 9], why: 'k one past a bf16 block' },
  { m: 1, k: 65, ns: [31, 6], why: 'ragged n and k' },
  { m: 1, k: 577, ns: [300, 97, 97], why: 'threaded, q/k/v-like, odd k' },
  { m: 1, k: 576, ns: [1536, 1536], why: 'threaded, gate/up shape' },
  { m: 2, k: 63, ns: [13, 3], why: 'two rows' },
  { m: 2, k: 300, ns: [501, 77], why: 'two rows, threaded' },
  { m: 3, k: 97, ns: [45, 11], why: 'three rows' },
  { m: 4, k: 577, ns: [250, 3], why: 'four rows, threaded' },
  { m: 5, k: 40, ns: [20, 21], why: 'five rows (one product per weight)' },
  { m: 9, k: 130, ns: [70, 33], why: 'nine rows (one product per weight)' },
];

test('decode-sized x·Wᵀ (matmul and linearMany) matches the reference on every ISA path and dtype', { skip }, () => {
  const rng = new Rng(77);
  const be = backend!;
  const paths = isas();
  try {
    for (const c of CASES) {
      const x = Float32Array.from(uniform(rng, c.m * c.k));
      for (const dtype of ['f32', 'bf16', 'f16'] as const) {
        const ws = makeWeights(rng, x, c.m, c.k, c.ns.map((n) => ({ n, dtype })));
        for (const isa of paths) {
          assert.equal(gemmIsa(isa), isa);
          const label = `[${isa}] ${c.why}: m ${c.m} k ${c.k} ${dtype}`;
          const many = be.kernels.linearMany!(x, ws.map((w) => w.data), { m: c.m, k: c.k, ns: c.ns, bDtypes: c.ns.map(() => dtype) });
          assert.equal(many.length, ws.length);
          ws.forEach((w, i) => {
            checkOut(many[i] as Float32Array, w, c.m, `${label} linearMany #${i}`);
            const one = be.kernels.matmul!(x, w.data, { batch: 1, m: c.m, n: w.n, k: c.k, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, bDtype: dtype });
            checkOut(one as Float32Array, w, c.m, `${label} matmul #${i}`);
            // The same kernel either way, so the same bits: fusing must not change results.
            assert.deepEqual(many[i], one, `${label}: linearMany and matmul differ for weight ${i}`);
          });
        }
      }
    }
  } finally {
    gemmIsa('auto');
  }
});

test('linearMany with mixed weight dtypes, empty weights and k = 0', { skip }, () => {
  const rng = new Rng(3);
  const be = backend!;
  const x = Float32Array.from(uniform(rng, 2 * 50));
  const ws = makeWeights(rng, x, 2, 50, [{ n: 20, dtype: 'bf16' }, { n: 0, dtype: 'f32' }, { n: 9, dtype: 'f16' }]);
  const out = be.kernels.linearMany!(x, ws.map((w) => w.data), { m: 2, k: 50, ns: ws.map((w) => w.n), bDtypes: ws.map((w) => w.dtype) });
  ws.forEach((w, i) => checkOut(out[i] as Float32Array, w, 2, `mixed #${i}`));
  const z = be.kernels.linearMany!(new Float32Array(0), [new Float32Array(0), new Uint16Array(0)], { m: 3, k: 0, ns: [4, 2], bDtypes: ['f32', 'bf16'] });
  assert.deepEqual(z.map((o) => Array.from(o)), [new Array(12).fill(0), new Array(6).fill(0)]);
});

test('linearMany rejects mismatched storage and short buffers', { skip }, () => {
  const lm = backend!.kernels.linearMany!;
  const args = { m: 1, k: 4, ns: [3, 2], bDtypes: ['bf16', 'f32'] as const };
  assert.throws(() => lm(new Float32Array(4), [new Float32Array(12), new Float32Array(8)], { ...args, bDtypes: [...args.bDtypes] }), /does not hold bf16/);
  assert.throws(() => lm(new Float32Array(4), [new Uint16Array(11), new Float32Array(8)], { ...args, bDtypes: [...args.bDtypes] }), /weight is shorter/);
  assert.throws(() => lm(new Float32Array(3), [new Uint16Array(12), new Float32Array(8)], { ...args, bDtypes: [...args.bDtypes] }), /x is shorter/);
  assert.throws(() => lm(new Float64Array(4), [new Uint16Array(12), new Float32Array(8)], { ...args, bDtypes: [...args.bDtypes] }), /x must be f32/);
});

test('the thread pool gives the same results over thousands of quick calls with 1, 2 and 3 threads', { skip }, () => {
  const addon = backend!.addon;
  const prev = addon.getThreads();
  const rng = new Rng(9);
  const k = 256;
  const x = Float32Array.from(uniform(rng, k));
  // Big enough to run threaded (2^17 weight elements), small enough to be quick.
  const [w] = makeWeights(rng, x, 1, k, [{ n: 600, dtype: 'bf16' }]);
  const args = { batch: 1, m: 1, n: 600, k, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, bDtype: 'bf16' as const };
  try {
    for (const t of [1, 2, 3, 2]) {
      addon.setThreads(t);
      const first = backend!.kernels.matmul!(x, w!.data, args) as Float32Array;
      checkOut(first, w!, 1, `${t} threads`);
      for (let i = 0; i < 2000; i++) {
        const again = backend!.kernels.matmul!(x, w!.data, args);
        if (again.some((v, j) => v !== first[j])) assert.fail(`${t} threads: call ${i} gave a different result`);
      }
    }
  } finally {
    addon.setThreads(prev);
  }
});

test('STEERLING_ISA picks the decode path at start-up (child processes)', { skip }, () => {
  const registry = new URL('../../src/backend/registry.js', import.meta.url).href;
  // 1×7 · (5×7)ᵀ and (3×7)ᵀ in bf16-exact values (small integers), checked exactly in the child.
  const script = `import { nativeBackend } from '${registry}';
    const be = nativeBackend();
    const bf = (v) => Uint16Array.from(v, (f) => new Uint32Array(Float32Array.of(f).buffer)[0] >>> 16);
    const x = Float32Array.from({ length: 7 }, (_, i) => i - 3);
    const w1 = Array.from({ length: 35 }, (_, i) => (i % 5) - 2), w2 = Array.from({ length: 21 }, (_, i) => (i % 4) - 1);
    const want = (w, n) => Array.from({ length: n }, (_, j) => x.reduce((s, xv, p) => s + xv * w[j * 7 + p], 0));
    const [a, b] = be.kernels.linearMany(x, [bf(w1), bf(w2)], { m: 1, k: 7, ns: [5, 3], bDtypes: ['bf16', 'bf16'] });
    if (Array.from(a).join() !== want(w1, 5).join() || Array.from(b).join() !== want(w2, 3).join()) throw new Error('wrong product');
    console.log(be.addon.gemmIsa());`;
  for (const isa of isas().filter((i) => i !== 'avx512')) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, STEERLING_ISA: isa }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), isa);
  }
});

test('streamReadGbs measures a plausible bandwidth and rejects bad sizes', { skip }, () => {
  const probe = backend!.addon['streamReadGbs'] as (bytes: number, reps?: number) => number;
  const gbs = probe(8 << 20, 2);
  assert.ok(Number.isFinite(gbs) && gbs > 0.1 && gbs < 10000, `bandwidth ${gbs} GB/s`);
  assert.throws(() => probe(0), /bytes must be/);
  assert.throws(() => probe(1 << 20, 0), /reps must be/);
});

test('adviseHugePages advises only whole 2 MiB pages inside a buffer, and rejects other arguments', { skip }, () => {
  const advise = backend!.addon['adviseHugePages'] as (b: unknown) => number;
  assert.equal(advise(new ArrayBuffer(4096)), 0, 'too small for two huge pages');
  const bytes = 9 << 20;
  const advised = advise(new ArrayBuffer(bytes));
  // Linux: the aligned interior (7 or 8 MiB); elsewhere, or with STEERLING_HUGEPAGES=0, nothing.
  assert.ok(advised === 0 || (advised % (2 << 20) === 0 && advised >= bytes - (4 << 20) && advised <= bytes), `advised ${advised}`);
  assert.throws(() => advise(new Float32Array(4)), /expected an ArrayBuffer/);
});
