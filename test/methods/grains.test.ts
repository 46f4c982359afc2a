// GrAInS: integrated gradients at one point give the path derivative (finite differences), the
// add-renorm intervention keeps every token's norm, and on stories260K's real weights a fit on the
// dog pairs gives a unit direction with a calibrated default inside its range that round-trips
// through the artifact file and changes greedy text while keeping activation norms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/models/load.js';
import { loadConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { integratedGradients, topPositions } from '../../src/methods/grains/index.js';
import { tokenizePairs, replyLogProbs } from '../../src/methods/preference/preference.js';
import { RenormAddIntervention } from '../../src/intervene/interventions.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { saveArtifact, loadArtifact } from '../../src/artifact/io.js';
import { Hooks } from '../../src/models/hooks.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/tensor/tape.js';
import * as ops from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/util/rng.js';

const STORIES = fileURLToPath(new URL('../../../models/stories260K/', import.meta.url));
const DATA = fileURLToPath(new URL('../../../examples/stories260K/dog.jsonl', import.meta.url));
const SITE = 'layers.2.resid_post';

test('integrated gradients on stories260K: at one point the scores sum to the path derivative', async () => {
  const m = await loadModel(STORIES);
  const data = loadConceptData(DATA);
  const { rows } = tokenizePairs({ model: m.model, tokenizer: m.tokenizer!, data: { ...data, examples: data.examples.slice(0, 2) }, name: 't' }, 'grains');
  const seq = rows[0]!.win;
  const T = seq.ids.length;
  const f = (scale: number) => noGrad(() => {
    const hooks = new Hooks();
    hooks.add('embed', (h) => ops.scale(h, scale));
    return replyLogProbs(m.model.forward(fromStorage(Int32Array.from(seq.ids), [1, T], 'i32'), { hooks }), [seq], new Int32Array(1), T).item();
  });
  // One point (α = ½): the scores sum to e·∇f(½e), the path derivative d/dα f(αe) at ½.
  const h = 1e-2;
  const fd = (f(0.5 + h) - f(0.5 - h)) / (2 * h);
  const one = integratedGradients(m.model, seq, 1).reduce((s, x) => s + x, 0);
  console.log(`  IG, one point: Σ scores ${one.toFixed(3)}, finite difference ${fd.toFixed(3)}; f(1) − f(0) = ${(f(1) - f(0)).toFixed(2)}, f(10⁻⁶) = ${f(1e-6).toFixed(2)} vs f(0) = ${f(0).toFixed(2)}`);
  assert.ok(Math.abs(one - fd) < 0.03 * Math.abs(fd) + 0.05, `IG at one point ${one} vs the path derivative ${fd}`);
  assert.deepEqual(topPositions([0, 5, -1, 3, -7], 2, 'pos', true), [1, 3]);
  assert.deepEqual(topPositions([9, 5, -1, 3, -7], 2, 'neg', true), [2, 4]);
});

test('integrated gradients from the mask-token baseline are complete on stories260K: the scores sum to f(e) − f(b)', async () => {
  const m = await loadModel(STORIES);
  const tok = m.tokenizer!;
  const data = loadConceptData(DATA);
  const { rows } = tokenizePairs({ model: m.model, tokenizer: tok, data: { ...data, examples: data.examples.slice(0, 2) }, name: 't' }, 'grains');
  const seq = rows[0]!.win;
  const T = seq.ids.length;
  const mask = tok.padTokenId ?? tok.eosTokenId ?? 0;
  const baseIds = seq.ids.map((t, i) => (i === 0 || tok.specialIds.has(t) ? t : mask));
  // f with the baseline's embeddings in place of the input's; the scored reply tokens stay the input's.
  const f = (embedIds: number[] | null) => noGrad(() => {
    let base: ReturnType<typeof fromStorage> | null = null;
    if (embedIds) {
      const grab = new Hooks();
      grab.add('embed', (h) => (base = h));
      m.model.forward(fromStorage(Int32Array.from(embedIds), [1, T], 'i32'), { hooks: grab });
    }
    const hooks = new Hooks();
    if (base) hooks.add('embed', () => base!);
    return replyLogProbs(m.model.forward(fromStorage(Int32Array.from(seq.ids), [1, T], 'i32'), { hooks }), [seq], new Int32Array(1), T).item();
  });
  const gap = f(null) - f(baseIds);
  const sum = integratedGradients(m.model, seq, 64, baseIds).reduce((s, x) => s + x, 0);
  console.log(`  IG from the mask baseline, 64 points: Σ scores ${sum.toFixed(3)}, f(e) − f(b) ${gap.toFixed(3)}`);
  assert.ok(Math.abs(sum - gap) < 0.01 * Math.abs(gap) + 0.05, `Σ IG ${sum} vs f(e) − f(b) ${gap}`);
});

test('add-renorm: h + s·v scaled back to ‖h‖ per token; BOS left alone', () => {
  const rng = new Rng(4);
  const d = 16;
  const v = fromStorage(Float32Array.from({ length: d }, () => rng.normal()), [d], 'f32');
  const h = fromStorage(Float32Array.from({ length: 3 * d }, () => 3 * rng.normal()), [1, 3, d], 'f32');
  const iv = new RenormAddIntervention('layers.0.resid_post', v, { strength: 5, excludeBos: true });
  const out = noGrad(() => iv.apply(h, { site: iv.site, layer: 0, offset: 0, phase: 'prefill', promptLength: null, padding: null })).toArray();
  const x = h.toArray();
  const vv = v.toArray();
  for (let t = 0; t < 3; t++) {
    const row = (a: number[]) => a.slice(t * d, (t + 1) * d);
    const n0 = Math.hypot(...row(x));
    assert.ok(Math.abs(Math.hypot(...row(out)) - n0) < 1e-4 * n0);
    if (t === 0) assert.deepEqual(row(out), row(x));
    else {
      const moved = row(x).map((y, j) => y + 5 * vv[j]!);
      const k = n0 / Math.hypot(...moved);
      row(out).forEach((y, j) => assert.ok(Math.abs(y - k * moved[j]!) < 1e-4));
    }
  }
});

test('stories260K: a GrAInS dog direction, calibrated, round-trips and steers with norms kept', async () => {
  const m = await loadModel(STORIES);
  const data = loadConceptData(DATA);
  const small = { ...data, examples: data.examples.filter((e) => e.pair! < 16) };
  const art = METHODS.grains!.fit({ model: m.model, tokenizer: m.tokenizer!, data: small, site: SITE, name: 'dog', options: { igSteps: 8, topK: 4 } });
  const rec = art.meta.interventions[0]!;
  const st = art.meta.stats!;
  console.log(`  grains dog: default ${rec.default_strength.toFixed(3)} (${(rec.default_strength / (st['token_norm'] as number)).toFixed(2)}ρ), range ±${rec.strength_range[1].toFixed(3)}, v+·v− ${(st['parts_cosine'] as number).toFixed(3)}`);
  assert.equal(rec.kind, 'add-renorm');
  assert.ok(rec.default_strength > 0 && rec.default_strength < rec.strength_range[1]);
  const u = art.tensors.get(`${SITE}.direction`)!.toArray();
  assert.ok(Math.abs(Math.hypot(...u) - 1) < 1e-5);

  const file = join(mkdtempSync(join(tmpdir(), 'steerling-grains-')), 'dog.steer.safetensors');
  saveArtifact(file, art);
  const back = loadArtifact(file);
  assert.equal(back.meta.method, 'grains');
  assert.deepEqual(back.meta.interventions, art.meta.interventions);
  assert.deepEqual(back.tensors.get(`${SITE}.direction`)!.toArray(), u);
  const [iv] = artifactInterventions(back, m.model, {});
  assert.ok(iv instanceof RenormAddIntervention && iv.strength === rec.default_strength);

  // The steered stream keeps each token's norm at the site, and the next-token distribution moves.
  const ids = m.tokenizer!.encode('Once upon a time, there was a little');
  const T = ids.length;
  let before: number[] = [];
  let after: number[] = [];
  const hooks = new Hooks();
  hooks.add(SITE, (h) => void (before = h.toArray()));
  hooks.add(SITE, (h) => iv!.apply(h, { site: SITE, layer: 2, offset: 0, phase: 'prefill', promptLength: null, padding: null }));
  hooks.add(SITE, (h) => void (after = h.toArray()));
  const run = (hk: Hooks | null) => noGrad(() => m.model.forward(fromStorage(Int32Array.from(ids), [1, T], 'i32'), hk ? { hooks: hk } : {}).toArray());
  const [plain, steered] = [run(null), run(hooks)];
  const d = m.model.arch.hidden;
  for (let t = 1; t < T; t++) {
    const n0 = Math.hypot(...before.slice(t * d, (t + 1) * d));
    assert.ok(Math.abs(Math.hypot(...after.slice(t * d, (t + 1) * d)) - n0) < 1e-4 * n0, `token ${t} keeps its norm`);
  }
  const V = plain.length / T;
  const last = (a: number[]) => a.slice((T - 1) * V);
  assert.ok(Math.max(...last(plain).map((x, j) => Math.abs(x - last(steered)[j]!))) > 0.1, 'the steer moves the logits');
});
