// Steering methods: known-answer checks on synthetic activations, and fit → save → load → steer on
// real weights (stories260K), including the refusal to load onto another model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.js';
import { firstPrincipalComponent, meanRows, normalize } from '../../src/methods/linalg.js';
import { projectionStats, derivedStrength } from '../../src/methods/strength.js';
import { METHODS, method } from '../../src/methods/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { loadModel } from '../../src/models/load.js';
import { saveArtifact, loadArtifact } from '../../src/artifact/io.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { generate } from '../../src/generate/generate.js';
import { initLlamaWeights, MapWeights } from '../../src/train/init.js';
import { buildModel } from '../../src/models/registry.js';

const STORIES = new URL('../../../models/stories260K/', import.meta.url).pathname;

test('DiffMean on two Gaussians recovers the normalised mean difference', () => {
  const rng = new Rng(1);
  const d = 8;
  const shift = [3, -1, 0, 0, 2, 0, 0, 1];
  const n = 4000;
  const x = new Float64Array(2 * n * d);
  const labels: number[] = [];
  for (let i = 0; i < 2 * n; i++) {
    const pos = i < n;
    labels.push(pos ? 1 : 0);
    for (let j = 0; j < d; j++) x[i * d + j] = rng.normal() + (pos ? shift[j]! : 0);
  }
  const idx = (l: number) => labels.flatMap((v, i) => (v === l ? [i] : []));
  const mp = meanRows(x, idx(1), d);
  const mn = meanRows(x, idx(0), d);
  const u = normalize(mp.map((v, j) => v - mn[j]!));
  const want = normalize(Float64Array.from(shift));
  const cos = u.reduce((s, v, j) => s + v * want[j]!, 0);
  assert.ok(cos > 0.999, `cosine ${cos}`);
  const st = projectionStats(x, d, labels, u);
  assert.ok(Math.abs(st.gap - Math.hypot(...shift)) < 0.1, `gap ${st.gap}`);
  const s = derivedStrength(st);
  assert.equal(s.default, st.gap);
  assert.ok(s.range[1] >= 2 * st.gap && s.range[0] === -s.range[1]);
});

test('PCA finds the axis of largest variance', () => {
  const rng = new Rng(2);
  const n = 2000;
  const d = 5;
  const axis = normalize(Float64Array.from([1, 2, 0, -1, 0]));
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = rng.normal() * 5;
    for (let j = 0; j < d; j++) x[i * d + j] = a * axis[j]! + rng.normal() * 0.3;
  }
  const v = firstPrincipalComponent(x, n, d);
  assert.ok(Math.abs(v.reduce((s, t, j) => s + t * axis[j]!, 0)) > 0.999);
});

function storyPairs() {
  const recs = [];
  for (const s of ['Lily', 'Tom', 'Sue', 'Max', 'Ben', 'Anna']) for (const a of ['saw a', 'had a', 'found a', 'wanted a']) recs.push({ prompt: `Once upon a time, ${s} ${a}`, positive: ' dog', negative: ' cat' });
  return parseConceptData(recs, 'stories pairs');
}

test('every method fits on real weights, separates its classes, and round-trips through the artifact file', async () => {
  const m = await loadModel(STORIES);
  const data = storyPairs();
  const dir = mkdtempSync(join(tmpdir(), 'steerling-art-'));
  // Methods that learn from CDAS rows (needs 'contrast') have their own tests (cdas-*.test.ts), and
  // so does directional ablation, which acts on every layer rather than at the fitted site
  // (test/organism/ablation.test.ts), RePS and BiPO, trained by preference losses rather than
  // fitted to class means (reps.test.ts, bipo.test.ts), LinEAS, affine maps at every layer
  // (lineas.test.ts), Steer2Edit, which edits the weights of every layer (steer2edit*.test.ts), and
  // Selective Steering, which chooses its own layers and rotates rather than adds
  // (test/organism/selective.test.ts), the SAE methods, which need a trained SAE (sae, yapo:
  // test/sae/sae.test.ts, yapo.test.ts), and GrAInS, whose direction comes from masked-token
  // differences rather than class means, applied norm-preserving (grains.test.ts).
  for (const name of Object.keys(METHODS).filter((n) => METHODS[n]!.needs !== 'contrast' && !['ablation', 'reps', 'bipo', 'lineas', 'steer2edit', 'selective', 'sae', 'yapo', 'grains'].includes(n))) {
    const art = method(name).fit({ model: m.model, tokenizer: m.tokenizer!, data, site: 'layers.2.resid_post', name: `dog-${name}` });
    const iv = art.meta.interventions[0]!;
    assert.equal(iv.site, 'layers.2.resid_post');
    assert.ok(iv.strength_range[0] < iv.strength_range[1]);
    if (name !== 'actadd') {
      assert.ok((art.meta.stats!['gap'] as number) > 0, `${name}: positives project higher`);
      assert.ok((art.meta.stats!['separation'] as number) > 2, `${name}: separation ${art.meta.stats!['separation']}`);
    }
    const file = join(dir, `${name}.steer.safetensors`);
    saveArtifact(file, art);
    const back = loadArtifact(file);
    assert.deepEqual(back.meta.interventions, art.meta.interventions);
    assert.equal(back.meta.model.weights_hash, art.meta.model.weights_hash);
    const prompt = m.tokenizer!.encode('Once upon a time, Lily saw a');
    const plain = generate(m.model, [prompt], { maxTokens: 12 })[0]!.tokens;
    const steered = generate(m.model, [prompt], { maxTokens: 12, hooks: hooksFor(artifactInterventions(back, m.model, { strength: 2 * iv.default_strength }), m.model.arch.layers) })[0]!.tokens;
    assert.notDeepEqual(steered, plain, `${name}: steering changes the continuation`);
  }
});

test('an artifact refuses a model it was not fitted for, and says why', async () => {
  const m = await loadModel(STORIES);
  const art = METHODS.diffmean!.fit({ model: m.model, tokenizer: m.tokenizer!, data: storyPairs(), site: 'layers.1.resid_post', name: 'dog' });
  const cfg = {
    model_type: 'llama', hidden_size: 64, intermediate_size: 172, num_hidden_layers: 5, num_attention_heads: 8, num_key_value_heads: 4,
    vocab_size: 512, max_position_embeddings: 512, rms_norm_eps: 1e-5, tie_word_embeddings: true,
  };
  const other = buildModel(initLlamaWeights(cfg, 9).config, new MapWeights(initLlamaWeights(cfg, 9).weights));
  assert.throws(() => artifactInterventions(art, other), /does not fit this model: the weights of layers 0\.\.1 differ/);
  assert.doesNotThrow(() => artifactInterventions(art, other, { force: true }));
  const small = buildModel(initLlamaWeights({ ...cfg, num_hidden_layers: 2 }, 1).config, new MapWeights(initLlamaWeights({ ...cfg, num_hidden_layers: 2 }, 1).weights));
  assert.throws(() => artifactInterventions(art, small), /2-layer model|5-layer/);
});
