// YaPO: the sae-latent edit (λ = 0 is the identity, the reconstruction error is kept, ReLU stops
// −λ at zero), the loss's mirror symmetry, and on stories260K's real weights: training moves λ on
// a few latents only, and the artifact round-trips through its file and steers as it trained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/models/load.js';
import { Rng } from '../../src/util/rng.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/tensor/tape.js';
import { trainSae } from '../../src/sae/train.js';
import { tokenActivations } from '../../src/sae/tokens.js';
import { reconstruct } from '../../src/sae/sae.js';
import { saveSae, saeMeta } from '../../src/sae/file.js';
import { steerLatents, latentCode } from '../../src/intervene/sae-latent.js';
import { latentTensors, yapoLoss } from '../../src/methods/yapo/index.js';
import { METHODS } from '../../src/methods/index.js';
import { tokenizePairs } from '../../src/methods/preference/preference.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { saveArtifact, loadArtifact } from '../../src/artifact/io.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { rowLogProbs } from '../../src/methods/preference/preference.js';

const STORIES = new URL('../../../models/stories260K/', import.meta.url).pathname;
const SITE = 'layers.2.resid_post';

async function storiesSae() {
  const m = await loadModel(STORIES);
  const tok = m.tokenizer!;
  const rng = new Rng(7);
  const words = ['dog', 'cat', 'ball', 'park', 'mom', 'tree', 'sun', 'cake'];
  const texts = Array.from({ length: 120 }, () => tok.encode(`Once upon a time, ${rng.pick(['Lily', 'Tom'])} saw a ${rng.pick(words)} near the ${rng.pick(words)}. It was fun.`, { addSpecialTokens: true }));
  const A = tokenActivations(m.model, texts, SITE);
  const st = trainSae(A.x, A.rows, A.d, { site: SITE, width: 256, k: 8, steps: 120, batch: 512, seed: 1 });
  return { m, tok, sae: st.sae, A };
}

function dogPairs() {
  const rows = ['the park', 'the house', 'school', 'the garden', 'the shop', 'the beach'].map((where) => ({
    prompt: `Tom went to ${where}.`, positive: ' He saw a big dog. The dog was happy.', negative: ' He saw a big tree. The tree was tall.',
  }));
  return parseConceptData(rows, 'dog pairs');
}

test('sae-latent edit: λ = 0 is the identity, the reconstruction error is kept, −λ stops at zero', async () => {
  const { sae, A } = await storiesSae();
  const t = latentTensors(sae);
  const n = 6;
  const h = fromStorage(A.x.slice(0, n * A.d), [1, n, A.d], 'f32');
  noGrad(() => {
    const same = steerLatents(t, h, fromStorage(new Float32Array(sae.width), [sae.width], 'f32')).f;
    for (let i = 0; i < same.length; i++) assert.ok(Math.abs(same[i]! - h.f[i]!) < 1e-5);
    // A large negative λ switches every active latent off: h' = h − x̂(z) + x̂(0), the error kept.
    const off = steerLatents(t, h, fromStorage(new Float32Array(sae.width).fill(-1e4), [sae.width], 'f32')).f;
    const xh = reconstruct(sae, A.x.slice(0, n * A.d), n);
    for (let i = 0; i < off.length; i++) {
      const expected = h.f[i]! - xh[i]! + sae.bDec[i % A.d]! / sae.inputScale;
      assert.ok(Math.abs(off[i]! - expected) < 1e-3, `${off[i]} vs ${expected}`);
    }
    const z = latentCode(t, h).f;
    assert.ok(z.every((v) => v >= 0));
  });
});

test('yapo loss: log 2 at λ = 0 with the unsteered reference; swapped replies with −d and −λ give the same loss', async () => {
  const { m, tok, sae } = await storiesSae();
  const ctx = { model: m.model, tokenizer: tok, data: dogPairs(), site: SITE, name: 't' };
  const { rows: pairs, excludeBos } = tokenizePairs(ctx, 'yapo');
  const lp = rowLogProbs(m.model, pairs, 0);
  const rows = pairs.map((r, k) => ({ ...r, refWin: lp.win[k]!, refLose: lp.lose[k]! }));
  const t = latentTensors(sae);
  const o = { beta: 0.1, excludeBos, padId: 0 };
  const loss = (rs: typeof rows, lam: Float32Array, signs: number[]) => noGrad(() => yapoLoss(m.model, SITE, t, rs, fromStorage(lam, [lam.length], 'f32'), signs, o).item());
  const signs = rows.map((_, i) => (i % 2 ? 1 : -1));
  assert.ok(Math.abs(loss(rows, new Float32Array(sae.width), signs) - Math.LN2) < 1e-5);
  const rng = new Rng(3);
  const lam = Float32Array.from({ length: sae.width }, () => Math.abs(rng.normal()));
  const base = loss(rows, lam, signs);
  const swapped = rows.map((r) => ({ win: r.lose, lose: r.win, refWin: r.refLose, refLose: r.refWin }));
  // Replies swapped with −d and −λ: the same steered model (ReLU(z + dλ)) and the same preference, so the same loss.
  const mirror = loss(swapped, lam.map((x) => -x), signs.map((d) => -d));
  console.log(`  yapo loss: λ = 0 → log 2; random λ: ${base.toFixed(6)}, mirrored ${mirror.toFixed(6)}`);
  assert.ok(Math.abs(mirror - base) < 1e-5);
  assert.ok(Math.abs(base - Math.LN2) > 1e-4, 'λ moves the loss');
  assert.throws(() => loss(rows, lam, signs.map(() => 0)), /one direction ±1 per row/);
});

test('stories260K: YaPO concentrates λ on a few latents, the artifact round-trips and steers as trained', async () => {
  const { m, tok, sae, A } = await storiesSae();
  const dir = mkdtempSync(join(tmpdir(), 'yapo-'));
  const saePath = join(dir, 'stories.sae.safetensors');
  saveSae(saePath, { sae, meta: saeMeta(m.model, sae, { name: 'stories', settings: {}, training: { corpus: 'test', tokens: A.rows, steps: 120, seed: 1, final_loss: null }, stats: {} }) });
  const data = dogPairs();
  const art = METHODS.yapo!.fit({ model: m.model, tokenizer: tok, data, site: SITE, name: 'dog', options: { sae: saePath, epochs: 8 } });
  const st = art.meta.stats!;
  console.log(`  yapo on stories260K: loss ${(st['loss_start'] as number).toFixed(3)} → ${(st['loss_end'] as number).toFixed(3)}, ${st['latents_moved']} of ${sae.width} latents moved, ${st['latents_90']} hold 90% of ‖λ‖², default ×${art.meta.interventions[0]!.default_strength.toFixed(2)}`);
  assert.ok((st['loss_end'] as number) < (st['loss_start'] as number), 'the loss falls');
  assert.ok((st['latents_90'] as number) > 0 && (st['latents_90'] as number) < sae.width / 2, 'λ is concentrated on a few latents');
  const path = join(dir, 'dog.steer.safetensors');
  saveArtifact(path, art);
  const back = loadArtifact(path);
  assert.equal(back.meta.interventions[0]!.kind, 'sae-latent');
  // The loaded intervention edits activations exactly as the fitted one.
  const run = (a: typeof art) => {
    const hooks = hooksFor(artifactInterventions(a, m.model, { strength: 1.5 }), m.model.arch.layers);
    return rowLogProbs(m.model, tokenizePairs({ model: m.model, tokenizer: tok, data, site: SITE, name: 'x' }, 'yapo').rows, 0, hooks);
  };
  const [a, b] = [run(art), run(back)];
  for (let i = 0; i < a.win.length; i++) assert.ok(Math.abs(a.win[i]! - b.win[i]!) < 1e-3);
  // +λ prefers the dog replies more than the unsteered model does.
  const pairs = tokenizePairs({ model: m.model, tokenizer: tok, data, site: SITE, name: 'x' }, 'yapo').rows;
  const base = rowLogProbs(m.model, pairs, 0);
  const marg = (x: { win: Float64Array; lose: Float64Array }) => x.win.reduce((s, w, i) => s + w - x.lose[i]!, 0);
  assert.ok(marg(a) > marg(base), `margin ${marg(a)} vs unsteered ${marg(base)}`);
  assert.throws(() => METHODS.yapo!.fit({ model: m.model, tokenizer: tok, data, site: SITE, name: 'x', options: { sae: saePath, reference: 'both' } }), /--reference must be none or unsteered/);
});
