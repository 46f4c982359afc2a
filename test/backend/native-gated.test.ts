// gatedLinear (native/src/eltwise.cc): act(x·Wgᵀ) ⊙ (x·Wuᵀ) in one call. Checked against the f64
// reference on every ISA path and activation, for decode-sized and longer x, odd shapes and all
// weight dtypes; and bit for bit against the three native kernels it replaces (matmul, unary,
// binary mul), since the decoder's results must not depend on whether it fused them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nativeBackend } from '../../src/backend/registry.js';
import { referenceKernels } from '../../src/backend/reference/index.js';
import type { UnaryOp } from '../../src/backend/kernels.js';
import { fromNumbers, toFloatArray } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/util/rng.js';
import { uniform } from '../helpers/uniform.js';

const backend = nativeBackend();
const skip = backend ? false : 'native addon not built';
const ACTS: UnaryOp[] = ['silu', 'gelu', 'gelu_erf', 'relu'];


function gemmIsa(name?: string): string {
  return (backend!.addon['gemmIsa'] as (n?: string) => string)(name);
}

function isas(): string[] {
  const info = backend!.addon.cpuInfo();
  return ['generic', ...(info.avx2 && info.fma && info.f16c ? ['avx2'] : []), ...(info.avx512f && info.fma && info.f16c ? ['avx512'] : [])];
}

const SHAPES = [
  { m: 1, k: 1, n: 1 },
  { m: 1, k: 33, n: 17 },
  { m: 1, k: 576, n: 400 }, // threaded products
  { m: 2, k: 65, n: 31 },
  { m: 3, k: 40, n: 9000 }, // threaded activation (more than one 8192-element piece)
  { m: 7, k: 100, n: 50 }, // past the decode tile: one product per weight
];

test('native gatedLinear matches the reference and the unfused native kernels on every ISA path', { skip }, () => {
  const rng = new Rng(21);
  const K = backend!.kernels;
  const paths = isas();
  try {
    for (const { m, k, n } of SHAPES) {
      for (const dtype of ['f32', 'bf16', 'f16'] as const) {
        const x = Float32Array.from(uniform(rng, m * k));
        // Scaled so that activations see both signs and a useful range.
        const wg = fromNumbers(uniform(rng, n * k).map((v) => (2 * v) / Math.sqrt(k)), dtype);
        const wu = fromNumbers(uniform(rng, n * k), dtype);
        for (const act of ACTS) {
          const args = { m, k, n, gDtype: dtype, uDtype: dtype, act };
          const ref = referenceKernels.gatedLinear(Float64Array.from(x), toFloatArray(wg, dtype, 'f64'), toFloatArray(wu, dtype, 'f64'), { ...args, gDtype: 'f64', uDtype: 'f64' });
          for (const isa of paths) {
            assert.equal(gemmIsa(isa), isa);
            const label = `[${isa}] m ${m} k ${k} n ${n} ${dtype} ${act}`;
            const got = K.gatedLinear!(x, wg, wu, args);
            assert.equal(got.length, m * n, label);
            const mm = { batch: 1, m, n, k, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, bDtype: dtype };
            const unfused = K.binary!('mul', K.unary!(act, K.matmul!(x, wg, mm)), [m, n], K.matmul!(x, wu, mm), [m, n], [m, n]);
            assert.deepEqual(got, unfused, `${label}: differs from matmul + unary + mul`);
            for (let i = 0; i < got.length; i++) {
              const tol = 1e-5 * Math.sqrt(k) * (1 + Math.abs(ref[i]!));
              if (!(Math.abs(got[i]! - ref[i]!) <= tol)) assert.fail(`${label}: element ${i} is ${got[i]}, expected ${ref[i]}`);
            }
          }
        }
      }
    }
  } finally {
    gemmIsa('auto');
  }
});

test('native gatedLinear: mixed dtypes, k = 0, empty output and bad arguments', { skip }, () => {
  const K = backend!.kernels;
  const rng = new Rng(4);
  const x = Float32Array.from(uniform(rng, 2 * 9));
  const wg = fromNumbers(uniform(rng, 5 * 9), 'bf16');
  const wu = Float32Array.from(uniform(rng, 5 * 9));
  const got = K.gatedLinear!(x, wg, wu, { m: 2, k: 9, n: 5, gDtype: 'bf16', uDtype: 'f32', act: 'silu' });
  const ref = referenceKernels.gatedLinear(x, wg, wu, { m: 2, k: 9, n: 5, gDtype: 'bf16', uDtype: 'f32', act: 'silu' });
  for (let i = 0; i < 10; i++) assert.ok(Math.abs(got[i]! - ref[i]!) <= 1e-5 * (1 + Math.abs(ref[i]!)), `mixed dtypes, element ${i}`);
  // k = 0: both products are zero, and act(0)·0 = 0.
  assert.deepEqual(Array.from(K.gatedLinear!(new Float32Array(0), new Float32Array(0), new Float32Array(0), { m: 2, k: 0, n: 3, gDtype: 'f32', uDtype: 'f32', act: 'gelu' })), [0, 0, 0, 0, 0, 0]);
  assert.equal(K.gatedLinear!(new Float32Array(0), new Float32Array(12), new Float32Array(12), { m: 0, k: 4, n: 3, gDtype: 'f32', uDtype: 'f32', act: 'silu' }).length, 0);
  assert.throws(() => K.gatedLinear!(x, wg, wu, { m: 2, k: 9, n: 5, gDtype: 'bf16', uDtype: 'f32', act: 'exp' }), /activation exp is not supported/);
  assert.throws(() => K.gatedLinear!(x, wg, wu, { m: 2, k: 9, n: 6, gDtype: 'bf16', uDtype: 'f32', act: 'silu' }), /weight is shorter/);
  assert.throws(() => K.gatedLinear!(x, wu, wu, { m: 2, k: 9, n: 5, gDtype: 'bf16', uDtype: 'f32', act: 'silu' }), /does not hold bf16/);
});

test('native gatedLinear: the activation pass is right on every pool thread (threaded, many pieces)', { skip }, () => {
  const addon = backend!.addon;
  const K = backend!.kernels;
  const prevThreads = addon.getThreads();
  const setWork = addon['rowopsParallelWork'] as (units?: number) => number;
  const prevWork = setWork();
  const rng = new Rng(8);
  const [m, k, n] = [4, 8, 40000];
  const x = Float32Array.from(uniform(rng, m * k));
  const wg = fromNumbers(uniform(rng, n * k), 'bf16');
  const wu = fromNumbers(uniform(rng, n * k), 'bf16');
  const mm = { batch: 1, m, n, k, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, bDtype: 'bf16' as const };
  try {
    setWork(0);
    for (const t of [2, 3]) {
      addon.setThreads(t);
      for (let rep = 0; rep < 5; rep++) {
        const got = K.gatedLinear!(x, wg, wu, { m, k, n, gDtype: 'bf16', uDtype: 'bf16', act: 'silu' });
        const unfused = K.binary!('mul', K.unary!('silu', K.matmul!(x, wg, mm)), [m, n], K.matmul!(x, wu, mm), [m, n], [m, n]);
        assert.deepEqual(got, unfused, `${t} threads, run ${rep}`);
      }
    }
  } finally {
    setWork(prevWork);
    addon.setThreads(prevThreads);
  }
});
