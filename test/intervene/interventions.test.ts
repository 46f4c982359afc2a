// Intervention algebra (methods.md §1.9), position selection and gradients to parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tensor, ops, noGrad } from '../../src/index.js';
import {
  AddIntervention, AblateIntervention, ClampIntervention, AffineIntervention, InterchangeIntervention, RotateIntervention, ScaleShiftIntervention,
  orthonormalizeRows, positionMask, parsePositions,
} from '../../src/intervene/index.js';
import type { HookContext } from '../../src/models/hooks.js';
import { Rng } from '../../src/util/rng.js';
import { gradcheck, randn } from '../helpers/gradcheck.js';

const rng = new Rng(5);
const ctx = (over: Partial<HookContext> = {}): HookContext => ({ site: 's', layer: 0, offset: 0, phase: 'prefill', promptLength: null, padding: null, ...over });
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const rows = (t: ReturnType<typeof tensor>, w: number) => {
  const a = t.toArray();
  return Array.from({ length: a.length / w }, (_, i) => a.slice(i * w, (i + 1) * w));
};

function unitVec(n: number): ReturnType<typeof tensor> {
  const v = randn(rng, [n]);
  const norm = Math.sqrt(dot(v.toArray(), v.toArray()));
  return ops.scale(v, 1 / norm);
}

test('interchange (DII): the v-coordinate comes from the source, the rest from the base; s = b is the identity', () => {
  const v = unitVec(6);
  const R = ops.reshape(v, [1, 6]);
  const base = randn(rng, [2, 3, 6]);
  const src = randn(rng, [2, 6]);
  const iv = new InterchangeIntervention('x', R);
  iv.source = src;
  const out = noGrad(() => iv.apply(base, ctx()));
  const vv = v.toArray();
  const srcRows = rows(src, 6);
  rows(out, 6).forEach((r, i) => {
    const b = rows(base, 6)[i]!;
    const s = srcRows[Math.floor(i / 3)]!;
    assert.ok(Math.abs(dot(r, vv) - dot(s, vv)) < 1e-12);
    const perpOut = r.map((x, j) => x - dot(r, vv) * vv[j]!);
    const perpBase = b.map((x, j) => x - dot(b, vv) * vv[j]!);
    perpOut.forEach((x, j) => assert.ok(Math.abs(x - perpBase[j]!) < 1e-12));
  });
  iv.source = ops.reshape(ops.slice(base, 1, 0, 1), [2, 6]);
  const same = noGrad(() => iv.apply(ops.slice(base, 1, 0, 1), ctx()));
  assert.ok(same.toArray().every((x, i) => Math.abs(x - ops.slice(base, 1, 0, 1).toArray()[i]!) < 1e-12));
});

test('interchange with an orthonormal rank-2 rotation replaces the whole subspace', () => {
  const R = randn(rng, [2, 5]);
  orthonormalizeRows(R);
  const [r0, r1] = rows(R, 5);
  assert.ok(Math.abs(dot(r0!, r1!)) < 1e-12 && Math.abs(dot(r0!, r0!) - 1) < 1e-12);
  const iv = new InterchangeIntervention('x', R);
  iv.source = randn(rng, [1, 5]);
  const out = noGrad(() => iv.apply(randn(rng, [1, 2, 5]), ctx()));
  for (const r of rows(out, 5)) for (const rr of [r0!, r1!]) assert.ok(Math.abs(dot(r, rr) - dot(iv.source!.toArray(), rr)) < 1e-9);
});

test('clamp sets the projection to the target and is idempotent; ablate removes it; add adds s·v', () => {
  const v = randn(rng, [4]);
  const u = ops.scale(v, 1 / Math.sqrt(dot(v.toArray(), v.toArray()))).toArray();
  const h = randn(rng, [1, 3, 4]);
  const clamp = new ClampIntervention('x', v, 2.5, { strength: 2 });
  const once = noGrad(() => clamp.apply(h, ctx()));
  for (const r of rows(once, 4)) assert.ok(Math.abs(dot(r, u) - 5) < 1e-9);
  const twice = noGrad(() => clamp.apply(once, ctx()));
  twice.toArray().forEach((x, i) => assert.ok(Math.abs(x - once.toArray()[i]!) < 1e-9));
  const abl = noGrad(() => new AblateIntervention('x', v).apply(h, ctx()));
  for (const r of rows(abl, 4)) assert.ok(Math.abs(dot(r, u)) < 1e-9);
  const add = noGrad(() => new AddIntervention('x', v, { strength: -3 }).apply(h, ctx()));
  add.toArray().forEach((x, i) => assert.ok(Math.abs(x - (h.toArray()[i]! - 3 * v.toArray()[i % 4]!)) < 1e-12));
});

test('rotate keeps the norm and turns h toward v by the given angle (degrees)', () => {
  const v = unitVec(5);
  const h = randn(rng, [1, 4, 5]);
  const degrees = 12;
  const alpha = (degrees * Math.PI) / 180;
  const out = noGrad(() => new RotateIntervention('x', v, { strength: degrees }).apply(h, ctx()));
  const vv = v.toArray();
  rows(out, 5).forEach((r, i) => {
    const b = rows(h, 5)[i]!;
    const nb = Math.sqrt(dot(b, b));
    assert.ok(Math.abs(Math.sqrt(dot(r, r)) - nb) < 1e-10, 'norm preserved');
    const before = Math.acos(dot(b, vv) / nb);
    const after = Math.acos(dot(r, vv) / nb);
    assert.ok(Math.abs(before - alpha - after) < 1e-9, `angle ${before} → ${after}`);
  });
});

test('affine (LoReFT form) with W = R and b = 0 is the identity', () => {
  const R = randn(rng, [2, 4]);
  orthonormalizeRows(R);
  const iv = new AffineIntervention('x', R, R.clone(), tensor([0, 0], { dtype: 'f64' }));
  const h = randn(rng, [2, 2, 4]);
  const out = noGrad(() => iv.apply(h, ctx()));
  out.toArray().forEach((x, i) => assert.ok(Math.abs(x - h.toArray()[i]!) < 1e-12));
});

test('affine (coordinate-wise) is the identity at ω = 1, b = 0 and interpolates h + s·(ω⊙h + b − h)', () => {
  const h = randn(rng, [1, 3, 4]);
  const id = noGrad(() => new ScaleShiftIntervention('x', tensor([1, 1, 1, 1], { dtype: 'f64' }), tensor([0, 0, 0, 0], { dtype: 'f64' }), { strength: 2.5 }).apply(h, ctx()));
  assert.deepEqual(id.toArray(), h.toArray());
  const w = [2, 0.5, -1, 1];
  const b = [0.1, 0, 3, -2];
  const out = noGrad(() => new ScaleShiftIntervention('x', tensor(w, { dtype: 'f64' }), tensor(b, { dtype: 'f64' }), { strength: 0.25 }).apply(h, ctx())).toArray();
  h.toArray().forEach((x, i) => assert.ok(Math.abs(out[i]! - (x + 0.25 * (w[i % 4]! * x + b[i % 4]! - x))) < 1e-12));
  assert.throws(() => new ScaleShiftIntervention('x', tensor([1, 1], { dtype: 'f64' }), tensor([0], { dtype: 'f64' })), /vectors of one length/);
});

test('gradients reach every intervention parameter (finite differences)', () => {
  const h = () => randn(rng, [2, 3, 4]);
  const p = (shape: number[]) => randn(rng, shape, { requiresGrad: true });
  gradcheck((x, v) => new AddIntervention('x', v!, { strength: 1.5 }).apply(x!, ctx()), [h(), p([4])]);
  gradcheck((x, v) => new AblateIntervention('x', v!).apply(x!, ctx()), [h(), p([4])]);
  gradcheck((x, v) => new ClampIntervention('x', v!, 1.3).apply(x!, ctx()), [h(), p([4])]);
  gradcheck((x, v) => new RotateIntervention('x', v!, { strength: 17 }).apply(x!, ctx()), [h(), p([4])]);
  gradcheck((x, v, b) => new RotateIntervention('x', v!, { strength: 17, plane: b! }).apply(x!, ctx()), [h(), p([4]), p([4])]);
  gradcheck((x, r, w, b) => new AffineIntervention('x', r!, w!, b!).apply(x!, ctx()), [h(), p([2, 4]), p([2, 4]), p([2])]);
  gradcheck((x, w, b) => new ScaleShiftIntervention('x', w!, b!, { strength: 0.7 }).apply(x!, ctx()), [h(), p([4]), p([4])]);
  gradcheck((x, r, s) => {
    const iv = new InterchangeIntervention('x', r!);
    iv.source = s!;
    return iv.apply(x!, ctx());
  }, [h(), p([1, 4]), randn(rng, [2, 4])]);
});

test('positions: prompt, generated, last k, indices, BOS exclusion and left padding', () => {
  const mask = (spec: Parameters<typeof positionMask>[0], over: Partial<HookContext>, b: number, t: number, bos = false) => Array.from(positionMask(spec, ctx(over), b, t, bos) ?? new Float32Array(b * t).fill(1));
  assert.deepEqual(mask('all', {}, 1, 4), [1, 1, 1, 1]);
  assert.deepEqual(mask('all', {}, 1, 4, true), [0, 1, 1, 1]);
  assert.deepEqual(mask('prompt', { promptLength: 3 }, 1, 5), [1, 1, 1, 0, 0]);
  assert.deepEqual(mask('generated', { promptLength: 3 }, 1, 5), [0, 0, 0, 1, 1]);
  assert.deepEqual(mask('generated', { promptLength: 3, offset: 4, phase: 'decode' }, 1, 1), [1]);
  assert.deepEqual(mask({ last: 2 }, { promptLength: 3 }, 1, 5), [0, 1, 1, 0, 0]);
  assert.deepEqual(mask({ indices: [0, 2] }, {}, 1, 4), [1, 0, 1, 0]);
  // Row 1 has one padding token: its positions start one later.
  assert.deepEqual(mask({ indices: [0] }, { padding: Int32Array.from([0, 1]) }, 2, 3), [1, 0, 0, 0, 1, 0]);
  assert.deepEqual(mask('all', { padding: Int32Array.from([0, 1]) }, 2, 3, true), [0, 1, 1, 0, 0, 1]);
  assert.deepEqual(parsePositions('last:3'), { last: 3 });
  assert.deepEqual(parsePositions('1,4'), { indices: [1, 4] });
  assert.throws(() => parsePositions('first'), /invalid positions/);
});

test('an intervention refuses a site of the wrong width', () => {
  assert.throws(() => new AddIntervention('x', tensor([1, 2, 3])).apply(tensor(new Array(8).fill(0), [1, 2, 4]), ctx()), /width 4/);
});
