// LinEAS's pieces (methods.md §3.6): the 1-D W₂² against a brute-force optimal matching and its
// gradient, the proximal step (a large weight returns a map exactly to the identity), source =
// target (loss 0, training leaves the identity), and the artifact's coordinate-wise affine format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/models/load.js';
import { contrastivePairs } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { identityMaps, lineasLoss, lineasTexts, proxSparseGroup, sortColumns, targetActivations, trainLineas, w2Loss, w2Squared } from '../../src/methods/lineas/index.js';
import { saveArtifact, loadArtifact } from '../../src/artifact/io.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { ScaleShiftIntervention } from '../../src/intervene/index.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/tensor/tape.js';
import { Rng } from '../../src/util/rng.js';
import { gradcheck, randn } from '../helpers/gradcheck.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;

/** min over all matchings of the mean squared difference (n! of them: small n only). */
function bruteForceW2(a: number[], b: number[]): number {
  let best = Infinity;
  const perm = (rest: number[], acc: number[]) => {
    if (rest.length === 0) best = Math.min(best, acc.reduce((s, j, i) => s + (a[i]! - b[j]!) ** 2, 0) / a.length);
    rest.forEach((j, k) => perm([...rest.slice(0, k), ...rest.slice(k + 1)], [...acc, j]));
  };
  perm(b.map((_, j) => j), []);
  return best;
}

test('1-D W₂² of equal-size samples is the mean squared difference after sorting: the best of every matching', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 20; trial++) {
    const n = 1 + (trial % 6);
    const a = Array.from({ length: n }, () => rng.normal());
    const b = Array.from({ length: n }, () => 2 * rng.normal() + 1);
    assert.ok(Math.abs(w2Squared(a, b) - bruteForceW2(a, b)) < 1e-12, `n = ${n}`);
  }
  assert.equal(w2Squared([3, 1, 2], [1, 2, 3]), 0);
  assert.equal(w2Squared([0, 0], [1, 3]), 5);
  assert.throws(() => w2Squared([1], [1, 2]), /one non-zero size/);
});

test('the W₂ loss sums the per-coordinate W₂² of the chosen rows and its gradient is right (finite differences)', () => {
  const rng = new Rng(3);
  const h = randn(rng, [2, 3, 4], { requiresGrad: true });
  const rows = [0, 2, 3, 5];
  const target = Float32Array.from({ length: 16 }, () => rng.normal());
  const got = noGrad(() => w2Loss(h, rows, sortColumns(target, 4, 4)).item());
  const x = h.toArray();
  let want = 0;
  for (let j = 0; j < 4; j++) want += w2Squared(rows.map((r) => x[r * 4 + j]!), [0, 1, 2, 3].map((k) => target[k * 4 + j]!));
  assert.ok(Math.abs(got - want) < 1e-5, `${got} vs ${want}`);
  gradcheck((t) => w2Loss(t!, rows, sortColumns(target, 4, 4)), [h], { atol: 1e-5 });
});

test('proximal step: soft-thresholding then group shrinkage; large weights return exactly to the centre', () => {
  const x = Float32Array.from([1.5, 0.95, 1.02, 0.4]);
  proxSparseGroup(x, 1, 0.1, { l1: 0.5, group: 0 });
  // ω − 1 = [0.5, −0.05, 0.02, −0.6], thresholded by 0.05.
  [1.45, 1, 1, 0.45].forEach((w, j) => assert.ok(Math.abs(x[j]! - w) < 1e-6, `${j}: ${x[j]}`));
  const g = Float32Array.from([3, 4]);
  proxSparseGroup(g, 0, 1, { l1: 0, group: 2.5 });
  assert.deepEqual([...g], [1.5, 2]);
  const big = Float32Array.from([7, -3, 0.5]);
  proxSparseGroup(big, 1, 0.1, { l1: 1e4, group: 0 });
  assert.deepEqual([...big], [1, 1, 1]);
  const grp = Float32Array.from([7, -3, 0.5]);
  proxSparseGroup(grp, 0, 0.1, { l1: 0, group: 1e4 });
  assert.deepEqual([...grp], [0, 0, 0]);
});

function oceanTexts(n: number) {
  const rows = contrastivePairs('topic:ocean', { n, seed: 11, split: 'train' });
  return parseConceptData(rows.flatMap((r) => [{ prompt: r.prompt, text: r.negative, label: 0 }, { prompt: r.concept_prompt, text: r.positive, label: 1 }]), 'ocean texts');
}

test('source = target: the identity has loss 0 and training leaves it; a large l1 weight returns every map exactly to the identity', async () => {
  const m = await loadModel(ORGANISM);
  const sites = ['layers.0.resid_post', 'layers.1.resid_post', 'layers.2.resid_post', 'layers.3.resid_post'];
  const same = oceanTexts(6).examples.filter((e) => e.label === 1);
  const data = { kind: 'labelled' as const, examples: [...same.map((e) => ({ ...e, label: 0 as const })), ...same] };
  const texts = lineasTexts(data, m.tokenizer!, { chat: true, maxPositions: 256 });
  const target = targetActivations(m.model, texts.target, sites, { batchSize: 8, padId: 0, pooling: 'mean' });
  const at0 = noGrad(() => lineasLoss(m.model, identityMaps(m.model, sites, true), texts.source, target, { rng: new Rng(1), padId: 0, pooling: 'mean' }).item());
  assert.equal(at0, 0);
  const res = trainLineas(m.model, sites, { source: texts.source, target }, true, { steps: 5, batchSize: 8, pooling: 'mean' });
  const off = Math.max(...res.scale.flatMap((w) => [...w].map((x) => Math.abs(x - 1))), ...res.bias.flatMap((b) => [...b].map(Math.abs)));
  console.log(`  source = target: loss at the identity ${at0}, losses ${res.losses.map((l) => l.toExponential(1)).join(' ')}, largest departure from the identity after 5 steps ${off}`);
  assert.equal(off, 0);

  // Different source and target, penalised hard: nothing moves.
  const fit = oceanTexts(6);
  const differ = lineasTexts(fit, m.tokenizer!, { chat: true, maxPositions: 256 });
  const differTarget = targetActivations(m.model, differ.target, sites, { batchSize: 8, padId: 0, pooling: 'mean' });
  const trainOn = (l1: number) => trainLineas(m.model, sites, { source: differ.source, target: differTarget }, true, { steps: 3, batchSize: 8, l1, group: 0 });
  const free = trainOn(0);
  assert.ok(free.bias.some((b) => b.some((x) => x !== 0)), 'without the penalty the maps move');
  const pinned = trainOn(1e4);
  assert.ok(pinned.scale.every((w) => w.every((x) => x === 1)) && pinned.bias.every((b) => b.every((x) => x === 0)));
  assert.throws(() => METHODS.lineas!.fit({ model: m.model, tokenizer: m.tokenizer!, data: fit, site: 'all', chat: true, name: 'x', options: { steps: 2, l1: 1e4 } }), /every map shrank back to the identity/);
});

test('LinEAS artifact: one coordinate-wise affine intervention per moved site (scale, bias), round-trips and applies h + λ(ω⊙h + b − h)', async () => {
  const m = await loadModel(ORGANISM);
  const art = METHODS.lineas!.fit({ model: m.model, tokenizer: m.tokenizer!, data: oceanTexts(4), site: 'layers.1.resid_post,layers.2.resid_post', chat: true, name: 'ocean', options: { steps: 3 } });
  const file = join(mkdtempSync(join(tmpdir(), 'steerling-lineas-')), 'ocean.steer.safetensors');
  saveArtifact(file, art);
  const back = loadArtifact(file);
  assert.equal(back.meta.method, 'lineas');
  assert.deepEqual(back.meta.interventions.map((r) => [r.site, r.kind, r.tensors, r.default_strength, r.strength_range, r.excludeBos]), [1, 2].map((l) => [
    `layers.${l}.resid_post`, 'affine', { scale: `layers.${l}.resid_post.scale`, bias: `layers.${l}.resid_post.bias` }, 1, [0, 1], true,
  ]));
  for (const name of back.tensors.keys()) assert.deepEqual(back.tensors.get(name)!.shape, [m.model.arch.hidden]);
  const ivs = artifactInterventions(back, m.model, { strength: 0.5 });
  assert.ok(ivs.every((iv) => iv instanceof ScaleShiftIntervention && iv.strength === 0.5));
  const iv = ivs[0] as ScaleShiftIntervention;
  const d = m.model.arch.hidden;
  const rng = new Rng(2);
  const h = fromStorage(Float32Array.from({ length: 2 * d }, () => rng.normal()), [1, 2, d], 'f32');
  const ctx = { site: iv.site, layer: 1, offset: 0, phase: 'prefill' as const, promptLength: null, padding: null };
  const out = noGrad(() => iv.apply(h, ctx)).toArray();
  const w = iv.scale.toArray();
  const b = iv.bias.toArray();
  const x = h.toArray();
  // Position 0 is BOS, left alone; position 1 moves halfway to the map.
  for (let j = 0; j < d; j++) {
    assert.equal(out[j], x[j]);
    assert.ok(Math.abs(out[d + j]! - (x[d + j]! + 0.5 * (w[j]! * x[d + j]! + b[j]! - x[d + j]!))) < 1e-5);
  }
});
