// Sparse autoencoders: TopK selection, training that recovers a planted sparse code, unit-norm
// decoder rows, a checkpoint that resumes bit for bit, and on stories260K's real weights: FVU, L0,
// the spliced loss, the file round trip, and a feature as a steering artifact (round trip too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.js';
import { topkIndices, encode, reconstruct } from '../../src/sae/sae.js';
import { trainSae, type SaeState } from '../../src/sae/train.js';
import { tokenActivations } from '../../src/sae/tokens.js';
import { saeMetrics } from '../../src/sae/metrics.js';
import { saveSae, loadSae, saveSaeCheckpoint, loadSaeCheckpoint, saeMeta } from '../../src/sae/file.js';
import { inspectFeatures, featureText, featureHtml } from '../../src/sae/inspect.js';
import { loadModel } from '../../src/models/load.js';
import { METHODS } from '../../src/methods/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { saveArtifact, loadArtifact } from '../../src/artifact/io.js';

const STORIES = new URL('../../../models/stories260K/', import.meta.url).pathname;

test('topkIndices keeps exactly the k largest per row (ties by index)', () => {
  const a = Float32Array.from([0.1, 3, -1, 2, 2, 5, /* row 2 */ 1, 1, 1, 1, 1, 1]);
  assert.deepEqual([...topkIndices(a, 2, 6, 3)], [1, 5, 3, 0, 1, 2]);
  assert.deepEqual([...topkIndices(a, 2, 6, 6)].slice(0, 6).sort(), [0, 1, 2, 3, 4, 5]);
});

/** Rows made of 3 of 32 planted unit directions with positive weights: a code an SAE can find. */
function planted(n: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const dirs = Array.from({ length: 32 }, () => {
    const v = Array.from({ length: d }, () => rng.normal());
    const s = Math.hypot(...v);
    return v.map((x) => x / s);
  });
  const x = new Float32Array(n * d);
  for (let r = 0; r < n; r++) for (let j = 0; j < 3; j++) {
    const dir = dirs[rng.int(32)]!;
    const w = 1 + rng.next();
    for (let i = 0; i < d; i++) x[r * d + i] += w * dir[i]!;
  }
  return x;
}

test('TopK training recovers a planted sparse code; decoder rows stay unit norm; ReLU+L1 trains too', () => {
  const d = 16;
  const x = planted(4000, d, 1);
  const st = trainSae(x, 4000, d, { site: 'layers.0.resid_post', width: 64, k: 4, steps: 800, batch: 256, lr: 1e-2, seed: 2 });
  const last = st.history.slice(-20);
  const fvu = last.reduce((s, h) => s + h.fvu, 0) / last.length;
  console.log(`  planted code: FVU ${st.history[0]!.fvu.toFixed(3)} → ${fvu.toFixed(3)}, L0 ${last[0]!.l0}`);
  assert.ok(fvu < 0.12, `FVU ${fvu}`);
  assert.equal(last[0]!.l0, 4);
  for (let i = 0; i < 64; i++) assert.ok(Math.abs(Math.hypot(...st.sae.wDec.subarray(i * d, (i + 1) * d)) - 1) < 1e-4);
  const z = encode(st.sae, x.subarray(0, 10 * d), 10);
  for (let r = 0; r < 10; r++) assert.ok(z.subarray(r * 64, (r + 1) * 64).filter((v) => v > 0).length <= 4);
  const relu = trainSae(x, 4000, d, { site: 'layers.0.resid_post', width: 64, l1: 0.5, steps: 200, batch: 256, lr: 5e-3, seed: 2 });
  const h = relu.history[relu.history.length - 1]!;
  assert.equal(relu.sae.activation, 'relu');
  assert.ok(h.fvu < 0.5 && h.l0 < 64, `relu: FVU ${h.fvu}, L0 ${h.l0}`);
  assert.throws(() => trainSae(x, 4000, d, { site: 's', k: 4, l1: 1 }), /not both/);
});

test('a checkpoint resumes training bit for bit', () => {
  const d = 8;
  const x = planted(600, d, 3);
  const o = { site: 'layers.0.resid_post', width: 32, k: 2, steps: 12, batch: 64, seed: 5, deadWindow: 200 };
  const straight = trainSae(x, 600, d, o);
  let saved = null as SaeState | null;
  const dir = mkdtempSync(join(tmpdir(), 'sae-'));
  const path = join(dir, 'run.sae.safetensors.ckpt');
  trainSae(x, 600, d, { ...o, checkpointEvery: 5, checkpoint: (s) => (saved ??= structuredClone(s)) });
  assert.ok(saved);
  const meta = { format: 1, name: 'run', method: 'sae', settings: {}, model: {}, training: {}, stats: {}, sae: { site: o.site, activation: 'topk', k: 2, width: 32, d, input_scale: saved!.sae.inputScale }, created: '' };
  saveSaeCheckpoint(path, meta as never, saved!);
  const back = loadSaeCheckpoint(path);
  assert.equal(back.state.step, 5);
  const resumed = trainSae(x, 600, d, { ...o, resume: back.state });
  assert.deepEqual([...resumed.sae.wDec], [...straight.sae.wDec]);
  assert.deepEqual([...resumed.sae.bEnc], [...straight.sae.bEnc]);
  assert.deepEqual(resumed.history.map((h) => h.loss), straight.history.map((h) => h.loss));
  assert.throws(() => trainSae(x, 600, d, { ...o, width: 16, resume: loadSaeCheckpoint(path).state }), /checkpoint was trained with/);
});

test('stories260K: an SAE at layers.2.resid_post, its figures, the file round trip, inspection, and a feature as an artifact', async () => {
  const m = await loadModel(STORIES);
  const tok = m.tokenizer!;
  const words = ['dog', 'cat', 'ball', 'park', 'mom', 'tree', 'sun', 'cake'];
  const rng = new Rng(7);
  const texts = Array.from({ length: 160 }, () => tok.encode(`Once upon a time, ${rng.pick(['Lily', 'Tom', 'Ben'])} saw a ${rng.pick(words)} near the ${rng.pick(words)}. It was happy.`, { addSpecialTokens: true }));
  const site = 'layers.2.resid_post';
  const A = tokenActivations(m.model, texts.slice(0, 140), site);
  const H = tokenActivations(m.model, texts.slice(140), site);
  assert.equal(A.d, m.model.arch.hidden);
  const st = trainSae(A.x, A.rows, A.d, { site, width: 256, k: 8, steps: 150, batch: 512, seed: 1 });
  const r = saeMetrics(m.model, st.sae, H);
  console.log(`  stories260K SAE (256 latents, k 8, ${A.rows} tokens): held-out FVU ${r.fvu.toFixed(3)}, L0 ${r.l0}, dead ${(100 * r.dead).toFixed(1)}%, loss ${r.loss.clean.toFixed(3)} → ${r.loss.spliced.toFixed(3)}`);
  assert.ok(r.fvu < 0.5, `FVU ${r.fvu}`);
  assert.ok(r.l0 <= 8);
  assert.ok(Number.isFinite(r.loss.delta) && r.loss.delta < 1.5, `Δloss ${r.loss.delta}`);
  const dir = mkdtempSync(join(tmpdir(), 'sae-'));
  const path = join(dir, 'stories.sae.safetensors');
  saveSae(path, { sae: st.sae, meta: saeMeta(m.model, st.sae, { name: 'stories', settings: {}, training: { corpus: 'test', tokens: A.rows, steps: 150, seed: 1, final_loss: null }, stats: { fvu: r.fvu } }) });
  const back = loadSae(path);
  assert.equal(back.meta.sae.site, site);
  assert.deepEqual([...back.sae.wEnc], [...st.sae.wEnc]);
  assert.deepEqual([...reconstruct(back.sae, H.x.subarray(0, 5 * A.d), 5)], [...reconstruct(st.sae, H.x.subarray(0, 5 * A.d), 5)]);
  const reports = inspectFeatures(back.sae, H, tok, { count: 3, top: 2 });
  assert.equal(reports.length, 3);
  assert.ok(reports[0]!.top[0]!.tokens.length > 0 && reports[0]!.top[0]!.activation > 0);
  assert.match(featureText(reports), /\[\[.+\]\]/);
  assert.match(featureHtml(reports, 'x <y>'), /x &#60;y&#62;/);
  // A feature as a steering artifact: picked on labelled texts about dogs vs cakes.
  const data = parseConceptData([
    ...['dog', 'dog', 'dog', 'dog', 'dog', 'dog'].map((w, i) => ({ text: `Tom saw a big ${w} in the park ${i}.`, label: 1 })),
    ...['cake', 'tree', 'sun', 'ball', 'mom', 'cake'].map((w, i) => ({ text: `Tom saw a big ${w} in the park ${i}.`, label: 0 })),
  ], 'dogs');
  const art = METHODS.sae!.fit({ model: m.model, tokenizer: tok, data, site, name: 'dog-feature', options: { sae: path, strengthRule: 'rho' } });
  const feature = art.meta.settings['feature'] as number;
  assert.ok(Number.isInteger(feature) && feature >= 0 && feature < 256);
  const artPath = join(dir, 'dog.steer.safetensors');
  saveArtifact(artPath, art);
  const again = loadArtifact(artPath);
  assert.equal(again.meta.method, 'sae');
  const v = again.tensors.get(again.meta.interventions[0]!.tensors['direction']!)!.toFloat('f32').data as Float32Array;
  const row = st.sae.wDec.subarray(feature * A.d, (feature + 1) * A.d);
  const cos = v.reduce((s, x, j) => s + x * row[j]!, 0) / Math.hypot(...v);
  assert.ok(Math.abs(Math.abs(cos) - 1) < 1e-5, `the artifact's direction is the feature's decoder row (cos ${cos})`);
  assert.throws(() => METHODS.sae!.fit({ model: m.model, tokenizer: tok, data, site: 'layers.1.resid_post', name: 'x', options: { sae: path } }), /trained at layers.2.resid_post/);
  assert.throws(() => METHODS.sae!.fit({ model: m.model, tokenizer: tok, data, site, name: 'x', options: {} }), /needs an SAE: --sae FILE/);
});
