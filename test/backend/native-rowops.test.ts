// Native row-wise and elementwise kernels against the reference, kernel by kernel, on random
// shapes (1 row, 1 column, odd widths, vocab 5000) and weight dtypes (f32/bf16/f16), once per
// instruction set this CPU has (rowopsIsa forces each), once more with threading forced on
// (rowopsParallelWork(0)), and in a child process started with STEERLING_ISA=generic to check
// the environment selects the portable path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nativeBackend, withBackend } from '../../src/backend/registry.js';
import { referenceKernels as R } from '../../src/backend/reference/index.js';
import { rowopsIsa, rowopsParallelWork } from '../../src/backend/native/rowops.js';
import type { Kernels, UnaryOp, BinaryOp } from '../../src/backend/kernels.js';
import { fromNumbers } from '../../src/tensor/dtype.js';
import { tensor, ops } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';
import { maxRelDiff, randn } from '../helpers/gradcheck.js';

const nb = nativeBackend();
const skip = nb ? false : 'native addon not built';
const N = (nb?.kernels ?? {}) as Kernels;
const CHILD = process.env.STEERLING_ROWOPS_CHILD === '1';
let rng = new Rng(2024);

// Every battery draws the same inputs (rng reseeded), so reference results are computed once, in
// call order, and reused for each instruction set: the reference dominates the test's time.
const refCache: unknown[] = [];
let refIdx = 0;
function ref<T>(f: () => T): T {
  if (refIdx < refCache.length) return refCache[refIdx++] as T;
  const v = f();
  refCache.push(v);
  refIdx++;
  return v;
}
function startBattery(): void {
  rng = new Rng(2024);
  refIdx = 0;
}

function rand(n: number, scale = 1, shift = 0): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal() * scale + shift;
  return a;
}
function ids(n: number, rows: number): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(rows));
}
function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  const d = maxRelDiff(a, b);
  if (d <= tol) return;
  let at = 0;
  for (let i = 0; i < b.length; i++) if (!(Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)) <= Math.abs(a[at]! - b[at]!) / Math.max(1, Math.abs(b[at]!)))) at = i;
  assert.fail(`${what}: max relative difference ${d} > ${tol} at ${at}: ${a[at]} vs ${b[at]}`);
}
/** Weight storage of a dtype plus the exact f32 values it holds. */
function weight(dtype: 'f32' | 'bf16' | 'f16', n: number, shift = 0): Float32Array | Uint16Array {
  const v = rand(n, 0.5, shift);
  return dtype === 'f32' ? v : (fromNumbers(v, dtype) as Uint16Array);
}

// [rows, cols]: single row/column, odd widths around vector sizes, sizes big enough to thread.
const SHAPES: [number, number][] = [[1, 1], [1, 7], [7, 1], [3, 17], [5, 33], [2, 64], [4, 100], [33, 129], [9, 1024]];
const VOCAB: [number, number][] = [[1, 1], [1, 5000], [3, 5000], [2, 31], [9, 1000]];
const WDT: ('f32' | 'bf16' | 'f16')[] = ['f32', 'bf16', 'f16'];

function normsAgree(): void {
  for (const [rows, cols] of SHAPES) {
    const x = rand(rows * cols, 2, 0.3);
    const g = rand(rows * cols);
    for (const dt of WDT) {
      for (const [w, off] of [[weight(dt, cols), 0], [weight(dt, cols), 1], [null, 0]] as const) {
        const tag = `rmsnorm ${rows}x${cols} ${w ? dt : 'no weight'} offset ${off}`;
        const a = N.rmsnorm(x, w, dt, rows, cols, 1e-6, off);
        const b = ref(() => R.rmsnorm(x, w, dt, rows, cols, 1e-6, off));
        close(a.y, b.y, 3e-6, tag);
        close(a.rstd, b.rstd, 3e-6, tag);
        const da = N.rmsnormBackward(x, w, dt, g, b.rstd, rows, cols, off);
        const db = ref(() => R.rmsnormBackward(x, w, dt, g, b.rstd, rows, cols, off));
        close(da.dx, db.dx, 5e-6, `${tag} dx`);
        assert.equal(da.dw === null, w === null);
        if (da.dw) close(da.dw, db.dw!, 2e-5 * Math.sqrt(rows), `${tag} dw`);
      }
      const w = weight(dt, cols);
      const bias = weight(dt, cols);
      for (const [ww, bb] of [[w, bias], [w, null], [null, bias], [null, null]] as const) {
        const tag = `layernorm ${rows}x${cols} ${dt} w=${!!ww} b=${!!bb}`;
        const a = N.layernorm(x, ww, bb, dt, rows, cols, 1e-5);
        const b = ref(() => R.layernorm(x, ww, bb, dt, rows, cols, 1e-5));
        close(a.y, b.y, 5e-6, tag);
        close(a.mean, b.mean, 1e-6, tag);
        close(a.rstd, b.rstd, 3e-6, tag);
        const da = N.layernormBackward(x, ww, dt, g, b.mean, b.rstd, rows, cols);
        const db = ref(() => R.layernormBackward(x, ww, dt, g, b.mean, b.rstd, rows, cols));
        close(da.dx, db.dx, 1e-5, `${tag} dx`);
        close(da.dw, db.dw, 2e-5 * Math.sqrt(rows), `${tag} dw`);
        close(da.db, db.db, 2e-5 * Math.sqrt(rows), `${tag} db`);
      }
    }
  }
}

function ropeAgrees(): void {
  const cases: [number, number, number, number, number][] = [
    [1, 1, 1, 2, 2], [2, 3, 2, 8, 8], [1, 5, 3, 9, 4], [2, 7, 4, 64, 64], [1, 33, 2, 40, 24], [3, 50, 8, 64, 32],
  ];
  for (const [b, t, h, d, rd] of cases) {
    const x = rand(b * t * h * d);
    const pos = Int32Array.from({ length: b * t }, () => rng.int(20000));
    const inv = ops.ropeInvFreq({ headDim: d, theta: 10000, rotaryDim: rd });
    for (const inverse of [false, true]) {
      close(N.rope(x, b, t, h, d, rd, pos, inv, inverse), ref(() => R.rope(x, b, t, h, d, rd, pos, inv, inverse)), 1e-6, `rope [${b},${t},${h},${d}] rd ${rd} inverse ${inverse}`);
    }
  }
}

function embeddingAgrees(): void {
  for (const [rows, cols] of [[1, 1], [50, 37], [7, 16], [1000, 200]] as const) {
    for (const dt of WDT) {
      const table = weight(dt, rows * cols);
      const id = ids(rows === 1000 ? 400 : 9, rows);
      assert.deepEqual(N.gather(table, dt, rows, cols, id, 'f32'), ref(() => R.gather(table, dt, rows, cols, id, 'f32')), `gather ${rows}x${cols} ${dt}`);
    }
    const n = rows === 1000 ? 400 : 9;
    const id = ids(n, Math.min(rows, 5)); // many repeats
    const g = rand(n * cols);
    // Per column both add in id order with f32 rounding each step: identical bits.
    assert.deepEqual(N.scatterAdd(g, id, rows, cols), ref(() => R.scatterAdd(g, id, rows, cols)), `scatterAdd ${rows}x${cols}`);
  }
  assert.throws(() => N.gather(new Float32Array(6), 'f32', 3, 2, Int32Array.from([3]), 'f32'), /id 3 at position 0 is out of range for a table of 3 rows/);
  assert.throws(() => N.scatterAdd(new Float32Array(2), Int32Array.from([-1]), 3, 2), /id -1/);
}

function softmaxAndLossesAgree(): void {
  for (const [rows, cols] of [...SHAPES, ...VOCAB]) {
    const x = rand(rows * cols, 3);
    const g = rand(rows * cols);
    for (const log of [false, true]) {
      const tag = `${log ? 'log-' : ''}softmax ${rows}x${cols}`;
      const y = ref(() => R.softmax(x, rows, cols, log));
      close(N.softmax(x, rows, cols, log), y, 2e-6, tag);
      close(N.softmaxBackward(y, g, rows, cols, log), ref(() => R.softmaxBackward(y, g, rows, cols, log)), 5e-6, `${tag} backward`);
    }
  }
  for (const [rows, vocab] of [...VOCAB, [6, 7]] as [number, number][]) {
    const x = rand(rows * vocab, 4);
    const t = Int32Array.from({ length: rows }, (_, r) => (r % 3 === 1 ? -100 : rng.int(vocab)));
    const gRow = rand(rows);
    const tag = `crossEntropy ${rows}x${vocab}`;
    const a = N.crossEntropy(x, t, rows, vocab, -100);
    const b = ref(() => R.crossEntropy(x, t, rows, vocab, -100));
    close(a.loss, b.loss, 2e-6, tag);
    close(a.lse, b.lse, 2e-6, tag);
    close(N.crossEntropyBackward(x, t, b.lse, gRow, rows, vocab, -100), ref(() => R.crossEntropyBackward(x, t, b.lse, gRow, rows, vocab, -100)), 2e-6, `${tag} backward`);
  }
  assert.throws(() => N.crossEntropy(new Float32Array(4), Int32Array.from([0, 2]), 2, 2, -100), /target 2 at row 1 is out of range for 2 classes/);
  for (const [rows, vocab] of [...VOCAB, [5, 17]] as [number, number][]) {
    // Ordinary logits, extreme ±50 logits, and rows where p = q.
    const p = rand(rows * vocab, 3);
    const q = rand(rows * vocab, 3);
    const pe = p.map(() => (rng.next() < 0.5 ? 50 : -50) + rng.normal());
    const qe = q.map(() => (rng.next() < 0.5 ? 50 : -50) + rng.normal());
    const gRow = rand(rows);
    for (const kind of ['kl', 'jsd'] as const) {
      for (const [pp, qq, what] of [[p, q, 'random'], [pe, qe, '±50']] as const) {
        const tag = `${kind} ${rows}x${vocab} ${what}`;
        const a = N.divergence(kind, pp, qq, rows, vocab);
        close(a, ref(() => R.divergence(kind, pp, qq, rows, vocab)), 1e-5, tag);
        if (kind === 'jsd') for (const v of a) assert.ok(v >= 0 && v <= Math.LN2, `${tag}: ${v} outside [0, ln 2]`);
        const da = N.divergenceBackward(kind, pp, qq, gRow, rows, vocab);
        const db = ref(() => R.divergenceBackward(kind, pp, qq, gRow, rows, vocab));
        // log P − log Q reaches ~100 here: f32 rounding of the log-softmaxes is ~1e-5 of that.
        close(da.dp, db.dp, 1e-5, `${tag} dp`);
        close(da.dq, db.dq, 1e-5, `${tag} dq`);
      }
      assert.deepEqual(Array.from(N.divergence(kind, p, p, rows, vocab)), new Array<number>(rows).fill(0), `${kind} of equal logits`);
    }
  }
}

const UNARY: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'square', 'abs', 'recip', 'tanh', 'sigmoid', 'relu', 'silu', 'gelu', 'gelu_erf'];
const POSITIVE = new Set<UnaryOp>(['log', 'sqrt', 'rsqrt', 'recip']);

function elementwiseAgrees(): void {
  for (const n of [1, 7, 16, 33, 1000, 20001]) {
    for (const op of UNARY) {
      let x = rand(n, 4);
      if (POSITIVE.has(op)) x = x.map((v) => Math.abs(v) + 0.05);
      const y = ref(() => R.unary(op, x));
      // Relative to max(1, |value|): ~2–3 f32 ulps for the polynomial paths.
      close(N.unary(op, x), y, 4e-7, `${op} n=${n}`);
      const g = rand(n);
      close(N.unaryBackward(op, x, y, g), ref(() => R.unaryBackward(op, x, y, g)), 1e-6, `${op} backward n=${n}`);
    }
  }
  // Tails and special values.
  const edge = Float32Array.from([0, -0, 1e-30, -1e-30, 1e-6, -1e-6, 0.6, -0.6, 9, -9, 20, -20, 80, -80, 87.5, -87.5, 88.5, -88.5, 89, -104, 200, -200]);
  for (const op of ['exp', 'tanh', 'sigmoid', 'silu', 'gelu', 'gelu_erf'] as const) {
    const a = N.unary(op, edge);
    const b = ref(() => R.unary(op, edge));
    for (let i = 0; i < edge.length; i++) {
      const ok = a[i] === b[i] || Math.abs(a[i]! - b[i]!) <= 4e-7 * Math.max(Math.abs(b[i]!), op === 'exp' ? 0 : 1) || Math.abs(a[i]! - b[i]!) < 1e-37;
      assert.ok(ok, `${op}(${edge[i]}): native ${a[i]} vs reference ${b[i]}`);
    }
  }
  const logEdge = Float32Array.from([0, -1, Infinity, 1, 2, 1e-30, 3e38]);
  assert.deepEqual(Array.from(N.unary('log', logEdge)).slice(0, 4), [-Infinity, NaN, Infinity, 0]);
  close(N.unary('log', logEdge).slice(4), ref(() => R.unary('log', logEdge)).slice(4), 2e-7, 'log edge');
  for (const n of [0, 1, 5, 30001]) {
    const x = rand(n);
    close(N.affine(x, -2.5, 0.75), ref(() => R.affine(x, -2.5, 0.75)), 2.4e-7, `affine n=${n}`);
  }
}

function binaryAgrees(): void {
  const cases: [number[], number[]][] = [
    [[3, 5], [3, 5]], [[1], [1]], [[30001], [30001]], [[4, 7], [1, 7]], [[1, 7], [4, 7]], [[2, 3, 9], [1, 1, 9]],
    [[30, 129], [1, 129]], [[5, 3], [5, 1]], [[5, 1], [5, 3]], [[2, 3, 4], [2, 3, 1]], [[2, 3, 4], [2, 1, 1]],
    [[30, 257], [30, 1]], [[6, 6], [1, 1]], [[1, 1], [6, 6]], [[30000], [1]],
    // Neither a row nor a column pattern: served by the reference inside the adapter.
    [[4, 1], [1, 5]], [[2, 3, 4], [1, 3, 1]],
  ];
  for (const [as, bs] of cases) {
    const outShape = as.map((d, i) => Math.max(d, bs[i]!));
    const a = rand(as.reduce((x, y) => x * y, 1));
    const b = rand(bs.reduce((x, y) => x * y, 1)).map((v) => v + (v >= 0 ? 0.1 : -0.1));
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as BinaryOp[]) {
      // add/sub/mul/div of two f32 values rounded once: the same bits as the f64 reference.
      assert.deepEqual(N.binary(op, a, as, b, bs, outShape), ref(() => R.binary(op, a, as, b, bs, outShape)), `${op} [${as}] [${bs}]`);
    }
  }
}

function opsAgree(): void {
  // Through the front-end ops and the tape: rmsNorm with a bf16 weight, rope, embedding, CE, JSD.
  const run = () => {
    const r = new Rng(77);
    const x = randn(r, [2, 3, 4, 16], { dtype: 'f32', requiresGrad: true });
    const w = randn(r, [16], { dtype: 'bf16' });
    const table = randn(r, [40, 64], { dtype: 'f32', requiresGrad: true });
    const id = tensor(Array.from({ length: 6 }, (_, i) => (i * 7) % 40), [2, 3], { dtype: 'i32' });
    const inv = ops.ropeInvFreq({ headDim: 16, theta: 1e4 });
    const h = ops.rope(ops.rmsNorm(x, w, 1e-6, 1), tensor([0, 5, 9], { dtype: 'i32' }), inv);
    const e = ops.embedding(table, id);
    const logits = ops.reshape(ops.add(ops.reshape(h, [2, 3, 64]), e), [6, 64]);
    const t = tensor([1, -100, 3, 63, 0, 5], { dtype: 'i32' });
    const loss = ops.add(ops.crossEntropy(logits, t), ops.jsDiv(logits, ops.scale(ops.silu(logits), 2)));
    loss.backward();
    return [loss.toArray(), x.grad!.toArray(), table.grad!.toArray()];
  };
  const a = withBackend('native', run);
  const b = withBackend('reference', run);
  a.forEach((v, i) => close(v, b[i]!, 2e-5, `ops chain output ${i}`));
}

function supportedIsas(): string[] {
  const out: string[] = [];
  for (const isa of ['avx512', 'avx2', 'generic'] as const) {
    try {
      rowopsIsa(nb!.addon, isa);
      out.push(isa);
    } catch {
      // not on this CPU
    }
  }
  rowopsIsa(nb!.addon, 'auto');
  return out;
}

if (CHILD) {
  test('child: STEERLING_ISA=generic selects the portable path, which agrees with the reference', { skip }, () => {
    assert.equal(rowopsIsa(nb!.addon), 'generic');
    startBattery();
    softmaxAndLossesAgree();
    elementwiseAgrees();
    ropeAgrees();
  });
} else {
  // Each instruction set at the default threading threshold, then the best one with threading
  // forced on for anything of 2+ rows (threaded splits and per-thread parameter gradients).
  const isas = nb ? supportedIsas() : [];
  const runs = isas.map((isa) => ({ isa, threaded: false }));
  if (isas.length) runs.push({ isa: isas[0]!, threaded: true });
  for (const { isa, threaded } of runs) {
    test(`native ${isa}${threaded ? ' (threaded)' : ''}: norms, rope, gather/scatter, softmax, losses, elementwise agree with the reference`, { skip }, () => {
      rowopsIsa(nb!.addon, isa as 'generic');
      const work = rowopsParallelWork(nb!.addon);
      if (threaded) rowopsParallelWork(nb!.addon, 0);
      startBattery();
      try {
        normsAgree();
        ropeAgrees();
        embeddingAgrees();
        softmaxAndLossesAgree();
        elementwiseAgrees();
        binaryAgrees();
        opsAgree();
      } finally {
        rowopsIsa(nb!.addon, 'auto');
        rowopsParallelWork(nb!.addon, work);
      }
    });
  }

  test('native: a child process with STEERLING_ISA=generic runs the portable path', { skip }, () => {
    // The child reports like a standalone run (not to this runner): drop the runner's context.
    const env: NodeJS.ProcessEnv = { ...process.env, STEERLING_ISA: 'generic', STEERLING_ROWOPS_CHILD: '1' };
    delete env.NODE_TEST_CONTEXT;
    const res = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(res.status, 0, `child failed:\n${res.stdout}\n${res.stderr}`);
    assert.match(res.stdout, /# pass 1/);
  });

  test('native: bad arguments give clear errors', { skip }, () => {
    const f = nb!.addon.unary as (op: number, x: Float32Array, out: Float32Array) => void;
    assert.throws(() => f(99, new Float32Array(1), new Float32Array(1)), /unknown op code 99/);
    assert.throws(() => rowopsIsa(nb!.addon, 'sse9' as 'generic'), /unknown instruction set 'sse9'/);
  });
}
