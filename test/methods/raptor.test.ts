// RAPTOR: the ridge logistic solver reaches the optimum (zero gradient; λ shrinks ‖w‖; a very
// strong ridge gives the class-mean direction), λ is chosen on whole held-out pairs, and on
// stories260K's real weights its direction is at least as stable under bootstrap resampling as the
// plain AdamW probe's, classifies held-out pairs as well, and round-trips through the artifact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/models/load.js';
import { loadConceptData, type ConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { readActivations, classMeanDifference } from '../../src/methods/direction-fit.js';
import { normalize, dot } from '../../src/methods/linalg.js';
import { probeDirection, standardise } from '../../src/methods/probe.js';
import { fitRidgeLogistic, raptorDirection, validationSplit, directionalStability, directionAccuracy, type Rows } from '../../src/methods/raptor/index.js';
import { saveArtifact, loadArtifact } from '../../src/artifact/io.js';
import { Rng } from '../../src/util/rng.js';

const STORIES = fileURLToPath(new URL('../../../models/stories260K/', import.meta.url));
const DATA = fileURLToPath(new URL('../../../examples/stories260K/dog.jsonl', import.meta.url));
const SITE = 'layers.2.resid_post';

function blobs(n: number, d: number, seed: number) {
  const rng = new Rng(seed);
  const labels = Array.from({ length: n }, (_, i) => i % 2);
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = rng.normal() + (labels[i] ? 1.2 : 0) * (j < 3 ? 1 : 0);
  return { x, labels };
}

test('ridge logistic: zero gradient at the fit, ‖w‖ falls with λ, and a huge λ gives the class-mean direction', () => {
  const [n, d] = [80, 12];
  const { x, labels } = blobs(n, d, 1);
  const norms: number[] = [];
  for (const lambda of [1e-3, 1e-1, 10]) {
    const f = fitRidgeLogistic(x, n, d, labels, lambda);
    const g = new Float64Array(d + 1);
    for (let i = 0; i < n; i++) {
      let z = f.b;
      for (let j = 0; j < d; j++) z += f.w[j]! * x[i * d + j]!;
      const r = 1 / (1 + Math.exp(-z)) - labels[i]!;
      for (let j = 0; j < d; j++) g[j] = g[j]! + (r * x[i * d + j]!) / n;
      g[d] = g[d]! + r / n;
    }
    for (let j = 0; j < d; j++) g[j] = g[j]! + lambda * f.w[j]!;
    assert.ok(Math.hypot(...g) < 1e-7, `λ ${lambda}: gradient ${Math.hypot(...g)} after ${f.iterations} Newton steps`);
    norms.push(Math.hypot(...f.w));
  }
  assert.ok(norms[0]! > norms[1]! && norms[1]! > norms[2]!, `‖w‖ falls with λ: ${norms}`);
  const strong = normalize(fitRidgeLogistic(x, n, d, labels, 1e5).w);
  const mp = new Float64Array(d);
  labels.forEach((l, i) => { for (let j = 0; j < d; j++) mp[j] = mp[j]! + (l ? 1 : -1) * x[i * d + j]!; });
  assert.ok(dot(strong, normalize(mp)) > 0.9999, `λ → ∞ gives the mean difference: cos ${dot(strong, normalize(mp))}`);
  assert.throws(() => fitRidgeLogistic(x, n, d, labels, 0), /λ must be > 0/);
});

test('raptor validation split: whole pairs, both classes on each side, seeded; options are checked', () => {
  const labels = Array.from({ length: 40 }, (_, i) => i % 2);
  const pairs = labels.map((_, i) => Math.floor(i / 2));
  const s = validationSplit(labels, pairs, 0.25, 3);
  assert.equal(s.val.length, 10);
  for (const r of s.val) assert.ok(s.val.includes(r ^ 1), 'a pair stays together');
  assert.deepEqual(validationSplit(labels, pairs, 0.25, 3), s);
  assert.throws(() => validationSplit([1, 1, 0], [null, null, null], 0.25, 0), /leaves a class out/);
  const m = METHODS.raptor!;
  assert.deepEqual(m.parseOptions({ lambdas: '0.1, 1', validation: 0.2 }), { lambdas: [0.1, 1], validation: 0.2 });
  assert.throws(() => m.parseOptions({ lambdas: '0.1,-1' }), /--lambdas must be positive numbers/);
  assert.throws(() => m.parseOptions({ validation: 0.9 }), /--validation must be a number in \[0.05, 0.5\]/);
});

function subset(data: ConceptData, keep: (pair: number) => boolean): ConceptData {
  return { ...data, examples: data.examples.filter((e) => keep(e.pair!)) };
}

test('stories260K: RAPTOR\'s dog direction is at least as stable as the plain probe\'s, classifies held-out pairs, and round-trips', async () => {
  const m = await loadModel(STORIES);
  const data = loadConceptData(DATA);
  const ctx = (d: ConceptData) => ({ model: m.model, tokenizer: m.tokenizer!, data: d, site: SITE, name: 'dog' });
  // Fit on 36 pairs, classify the other 12.
  const train = readActivations(ctx(subset(data, (p) => p % 4 !== 3)), 'raptor');
  const held = readActivations(ctx(subset(data, (p) => p % 4 === 3)), 'raptor');
  const rows = (a: typeof train): Rows => ({ data: a.data, labels: a.labels, pairs: a.pairs, width: a.width });
  const finders = {
    raptor: (r: Rows, seed: number) => raptorDirection(r.data, r.labels, r.pairs, r.width, { seed }).u,
    probe: (r: Rows) => probeDirection(r.data, r.labels, r.width).u,
    diffmean: (r: Rows) => normalize(classMeanDifference({ ...r, tokens: [], tokenNorm: undefined } as never)),
  };
  const out: Record<string, { acc: number; st: ReturnType<typeof directionalStability> }> = {};
  for (const [name, find] of Object.entries(finders)) {
    const u = find(rows(train), 0);
    out[name] = { acc: directionAccuracy(rows(train), rows(held), u), st: directionalStability(rows(train), find, { resamples: 20, seed: 1 }) };
    console.log(`  ${name}: held-out accuracy ${out[name]!.acc.toFixed(3)}, stability ${out[name]!.st.mean.toFixed(4)} [${out[name]!.st.lo.toFixed(4)}, ${out[name]!.st.hi.toFixed(4)}]`);
  }
  const fit = raptorDirection(train.data, train.labels, train.pairs, train.width);
  console.log(`  raptor λ ${fit.lambda} (validation accuracy by λ: ${fit.grid.map((g) => `${g.lambda}: ${g.valAccuracy.toFixed(2)}`).join(', ')})`);
  assert.ok(out['raptor']!.st.mean >= out['probe']!.st.mean, `RAPTOR ${out['raptor']!.st.mean} vs probe ${out['probe']!.st.mean}`);
  assert.ok(out['raptor']!.acc >= 0.9, `held-out accuracy ${out['raptor']!.acc}`);

  const art = METHODS.raptor!.fit({ ...ctx(data), options: { strengthRule: 'rho' } });
  const file = join(mkdtempSync(join(tmpdir(), 'steerling-raptor-')), 'dog.steer.safetensors');
  saveArtifact(file, art);
  const back = loadArtifact(file);
  assert.equal(back.meta.method, 'raptor');
  assert.deepEqual(back.meta.interventions, art.meta.interventions);
  assert.equal(back.meta.stats!['lambda'], art.meta.stats!['lambda']);
  assert.deepEqual(back.tensors.get(`${SITE}.direction`)!.toArray(), art.tensors.get(`${SITE}.direction`)!.toArray());
  void standardise;
});
