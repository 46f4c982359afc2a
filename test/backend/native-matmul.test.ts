// Native GEMM (native/src/gemm.cc) against the reference kernel, on every instruction-set path
// this CPU allows (forced through the addon's gemmIsa hook), for random shapes including odd and
// degenerate ones, all four transpose combinations, batches with shared and strided operands, and
// f32/bf16/f16 B. The reference runs in f64, so the error is the native kernel's alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { nativeBackend } from '../../src/backend/registry.js';
import { referenceKernels } from '../../src/backend/reference/index.js';
import type { MatmulArgs } from '../../src/backend/kernels.js';
import { fromNumbers, toFloatArray, type Storage } from '../../src/tensor/dtype.js';
import { tensor, ops, withBackend, noGrad } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';
import { uniform } from '../helpers/uniform.js';

const backend = nativeBackend();
const skip = backend ? false : 'native addon not built';
type HalfOrF32 = 'f32' | 'bf16' | 'f16';

interface Shape {
  m: number;
  n: number;
  k: number;
  batch?: number;
  /** Batch strides: 'full' (one matrix per batch), 'shared' (stride 0). */
  a?: 'full' | 'shared';
  b?: 'full' | 'shared';
  /** B dtypes to try (default all three; big shapes use fewer to keep the f64 reference quick). */
  dtypes?: HalfOrF32[];
  why: string;
}

// Sizes straddle the micro-tiles (6×8, 6×16, 14×32), the KC = 256 depth blocks, the dot path's
// tiles and k blocks (transB with m ≤ 16 on AVX2: 2×6, 16 wide; m ≤ 48 on AVX-512: 4×6, 32 wide),
// the single-thread cut-offs (2^20 multiply-adds, 2^17 matrix–vector elements) and the
// matrix–vector special cases.
const SHAPES: Shape[] = [
  { m: 1, n: 1, k: 1, why: 'scalar' },
  { m: 1, n: 37, k: 19, why: '1×N (serial matrix–vector)' },
  { m: 1, n: 300, k: 513, why: '1×N (parallel matrix–vector)' },
  { m: 45, n: 1, k: 33, why: 'N×1' },
  { m: 290, n: 1, k: 600, why: 'N×1 (parallel)' },
  { m: 17, n: 23, k: 1, why: 'K = 1' },
  { m: 3, n: 5, k: 3001, why: 'large K, small m and n' },
  { m: 30, n: 40, k: 1100, why: 'small output, long k (parallel over k slices)' },
  { m: 2, n: 40, k: 70, why: 'two rows' },
  { m: 29, n: 45, k: 67, why: 'not a multiple of any tile' },
  { m: 100, n: 110, k: 100, why: 'parallel, partial tiles' },
  { m: 20, n: 521, k: 101, why: 'few rows, parallel (AVX-512 dot path with transB)' },
  { m: 75, n: 140, k: 270, why: 'parallel, two depth blocks, several strips' },
  { m: 150, n: 20, k: 30, why: 'several row blocks (serial)' },
  { m: 600, n: 20, k: 90, why: 'parallel row strips (narrow n)' },
  { m: 13, n: 21, k: 17, batch: 3, why: 'batch, B per batch' },
  { m: 13, n: 21, k: 17, batch: 3, b: 'shared', why: 'batch, shared B (stride 0)' },
  { m: 9, n: 11, k: 5, batch: 2, a: 'shared', why: 'batch, shared A (stride 0)' },
  { m: 40, n: 50, k: 110, batch: 5, why: 'batch of small products (one per task)' },
  { m: 1, n: 64, k: 48, batch: 4, why: 'batched matrix–vector' },
  { m: 33, n: 1, k: 20, batch: 3, why: 'batched matrix–vector, vector on the right' },
  { m: 1, n: 128, k: 64, batch: 130, a: 'shared', dtypes: ['f32'], why: 'many matrix–vector products in parallel' },
  { m: 130, n: 140, k: 120, batch: 2, b: 'shared', dtypes: ['f32'], why: 'batch of parallel products' },
];


interface Case {
  args: MatmulArgs;
  a: Float32Array;
  b: Storage;
  expect: Float64Array;
  /**
   * Per-element tolerance, 4·sqrt(k)·eps·‖A row‖·‖B column‖: f32 rounding of a k-term sum, with
   * the Cauchy–Schwarz bound standing in for Σ|a||b| (B's half-precision rounding is already in
   * the reference, so it needs no allowance).
   */
  tol: Float64Array;
}

function makeCase(rng: Rng, s: Shape, transA: boolean, transB: boolean, dtype: HalfOrF32): Case {
  const batch = s.batch ?? 1;
  const aBatchStride = s.a === 'shared' ? 0 : s.m * s.k;
  const bBatchStride = s.b === 'shared' ? 0 : s.k * s.n;
  const aLen = (aBatchStride === 0 ? 1 : batch) * s.m * s.k;
  const bLen = (bBatchStride === 0 ? 1 : batch) * s.k * s.n;
  const a = Float32Array.from(uniform(rng, aLen));
  const b = fromNumbers(uniform(rng, bLen), dtype);
  const args: MatmulArgs = { batch, m: s.m, n: s.n, k: s.k, transA, transB, aBatchStride, bBatchStride, bDtype: dtype };
  // The f64 reference sees exactly the values the native kernel reads (B already rounded).
  const a64 = Float64Array.from(a);
  const b64 = toFloatArray(b, dtype, 'f64');
  const ref = { ...args, bDtype: 'f64' as const };
  const expect = referenceKernels.matmul(a64, b64, ref) as Float64Array;
  const eps = 2 ** -23;
  const tol = new Float64Array(expect.length);
  const { m, n, k } = s;
  for (let bi = 0; bi < batch; bi++) {
    const ao = bi * aBatchStride, bo = bi * bBatchStride;
    const rowNorm = new Float64Array(m);
    const colNorm = new Float64Array(n);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) rowNorm[i]! += a64[ao + (transA ? p * m + i : i * k + p)]! ** 2;
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) colNorm[j]! += b64[bo + (transB ? j * k + p : p * n + j)]! ** 2;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) tol[bi * m * n + i * n + j] = 4 * Math.sqrt(Math.max(1, k) * rowNorm[i]! * colNorm[j]!) * eps + 1e-30;
    }
  }
  return { args, a, b, expect, tol };
}

function check(c: Case, label: string): void {
  const got = backend!.kernels.matmul!(c.a, c.b, c.args);
  assert.ok(got instanceof Float32Array, `${label}: output must be a Float32Array`);
  assert.equal(got.length, c.args.batch * c.args.m * c.args.n, `${label}: output length`);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - c.expect[i]!);
    if (!(err <= c.tol[i]!)) {
      assert.fail(`${label}: element ${i} is ${got[i]}, expected ${c.expect[i]} (|err| ${err.toExponential(2)} > tol ${c.tol[i]!.toExponential(2)})`);
    }
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

test('native matmul matches the reference on every ISA path, shape, layout and B dtype', { skip }, () => {
  const rng = new Rng(2024);
  const cases: { c: Case; label: string }[] = [];
  for (const s of SHAPES) {
    for (const dtype of s.dtypes ?? (['f32', 'bf16', 'f16'] as const)) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          const label = `${s.why}: batch ${s.batch ?? 1} m ${s.m} n ${s.n} k ${s.k} ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} ${dtype}`;
          cases.push({ c: makeCase(rng, s, transA, transB, dtype), label });
        }
      }
    }
  }
  const paths = isas();
  try {
    for (const isa of paths) {
      assert.equal(gemmIsa(isa), isa);
      for (const { c, label } of cases) check(c, `[${isa}] ${label}`);
    }
  } finally {
    gemmIsa('auto');
  }
  // This machine is expected to offer all three; a CPU without AVX-512 still tests what it has.
  assert.ok(paths.includes('generic'));
});

test('native matmul gives the same result with 1, 2 and 3 threads', { skip }, () => {
  const addon = backend!.addon;
  const prev = addon.getThreads();
  const rng = new Rng(5);
  const c = makeCase(rng, { m: 150, n: 200, k: 260, why: '' }, false, true, 'bf16');
  const v = makeCase(rng, { m: 1, n: 700, k: 300, why: '' }, false, true, 'f32');
  // Wider than one NC column block (1024 on AVX-512), which only a single thread walks through.
  const wide = makeCase(rng, { m: 50, n: 1100, k: 30, why: '' }, false, false, 'bf16');
  try {
    for (const t of [1, 2, 3]) {
      addon.setThreads(t);
      check(c, `${t} threads`);
      check(v, `${t} threads, matrix–vector`);
      check(wide, `${t} threads, several column blocks`);
    }
  } finally {
    addon.setThreads(prev);
  }
});

test('STEERLING_ISA picks the GEMM path at start-up (child processes)', { skip }, () => {
  const registry = new URL('../../src/backend/registry.js', import.meta.url).href;
  // A 2×3 · 3×2 product in the child, checked there; it prints the path it ran on.
  const script = `import { nativeBackend } from '${registry}';
    const be = nativeBackend();
    const out = be.kernels.matmul(Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(1, 0, 0, 1, 1, 1),
      { batch: 1, m: 2, n: 2, k: 3, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0, bDtype: 'f32' });
    if (Array.from(out).join() !== '4,5,10,11') throw new Error('wrong product ' + Array.from(out));
    console.log(be.addon.gemmIsa());`;
  for (const isa of isas().filter((i) => i !== 'avx512')) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, STEERLING_ISA: isa }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), isa);
  }
});

test('native matmul: k = 0 gives zeros, empty outputs are empty', { skip }, () => {
  const mm = backend!.kernels.matmul!;
  const base = { batch: 2, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0, bDtype: 'f32' as const };
  const z = mm(new Float32Array(0), new Float32Array(0), { ...base, m: 3, n: 4, k: 0 });
  assert.deepEqual(Array.from(z), new Array(24).fill(0));
  assert.equal(mm(new Float32Array(0), new Float32Array(20), { ...base, m: 0, n: 4, k: 5 }).length, 0);
});

test('native matmul rejects mismatched storage and short buffers with clear errors', { skip }, () => {
  const mm = backend!.kernels.matmul!;
  const args: MatmulArgs = { batch: 1, m: 2, n: 3, k: 4, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0, bDtype: 'bf16' };
  assert.throws(() => mm(new Float32Array(8), new Float32Array(12), args), /does not hold bf16/);
  assert.throws(() => mm(new Float32Array(8), new Uint16Array(11), args), /b is shorter/);
  assert.throws(() => mm(new Float32Array(7), new Uint16Array(12), args), /a is shorter/);
  assert.throws(() => mm(new Float32Array(8), new Uint16Array(24), { ...args, batch: 2, aBatchStride: 8, bBatchStride: 12 }), /a is shorter/);
  assert.throws(() => gemmIsa('neon'), /unknown path 'neon'/);
});

test('linear with bf16 weights through the tensor API: native agrees with the reference', { skip }, () => {
  const rng = new Rng(11);
  const x = tensor(uniform(rng, 5 * 7 * 96), [5, 7, 96], { dtype: 'f32' });
  const w = tensor(uniform(rng, 130 * 96), [130, 96], { dtype: 'bf16' });
  const run = () => noGrad(() => ops.linear(x, w).toArray());
  const nat = withBackend('native', run);
  const ref = withBackend('reference', run);
  for (let i = 0; i < ref.length; i++) assert.ok(Math.abs(nat[i]! - ref[i]!) <= 1e-4 * (1 + Math.abs(ref[i]!)), `element ${i}: ${nat[i]} vs ${ref[i]}`);
});
