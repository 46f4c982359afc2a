// Steer2Edit (methods.md §3.8): the Elastic-Net magnitudes, the scores, the edits, the artifact and
// the hooks that apply it. The spec's tests: ρ so large that |g| ≤ ρα everywhere changes no weight;
// the edited model equals the unedited one plus the stored rank-1 factors; λ is odd in g; a head
// whose output never aligns with v̂ gets λ = 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, type LoadedModel } from '../../src/models/load.js';
import { loadConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { tokenizeExamples } from '../../src/activations/tokenize.js';
import {
  elasticNetLambda, siteDirection, headScores, neuronScores, collectPreMeans, computeEdits, resolveOptions, addRankOne, responseWindow,
} from '../../src/methods/steer2edit/index.js';
import { saveArtifact, loadArtifact } from '../../src/artifact/io.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor, AddIntervention } from '../../src/intervene/index.js';
import { weightEditTerms } from '../../src/export/weight-edits.js';
import { fromStorage, tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/tensor/tape.js';
import type { Artifact } from '../../src/artifact/artifact.js';
import { editedModel, maxAbsDiff } from '../helpers/edited-model.js';
import { cli, DOG_DATA, STORIES } from '../cli/helpers.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const PARITY = new URL('../../../test/fixtures/parity/', import.meta.url).pathname;

test('elastic net: λ = sign(g)·max(|g| − ρα, 0)/(ρ(1 − α)), odd in g, 0 under the threshold and for ρ ≤ 0', () => {
  assert.equal(elasticNetLambda(0.5, 0.2, 0.5), (0.5 - 0.1) / 0.1);
  for (const [rho, alpha] of [[0.18, 0.8], [0.5, 0.5], [1, 0], [0.3, 0.95]] as const) {
    for (const g of [-1, -0.7, -0.31, -0.05, 0, 0.05, 0.31, 0.7, 1]) {
      const l = elasticNetLambda(g, rho, alpha);
      assert.equal(elasticNetLambda(-g, rho, alpha), -l || 0, `odd at g=${g}, ρ=${rho}, α=${alpha}`);
      if (Math.abs(g) <= rho * alpha) assert.equal(l, 0, `under the threshold at g=${g}`);
      else assert.ok(Math.sign(l) === Math.sign(g) && Math.abs(l) > 0);
    }
  }
  assert.equal(elasticNetLambda(0.9, 0, 0.5), 0);
  assert.equal(elasticNetLambda(0.9, -1, 0.5), 0);
  assert.throws(() => elasticNetLambda(0.9, 0.5, 1), /alpha must be in \[0, 1\)/);
});

test('scores: a head that writes only outside v̂ gets g = 0 and λ = 0, however much it writes', () => {
  // W [4 out, 2 heads × 2]: head 0 writes channels 0–1, head 1 channels 2–3.
  const w = Float32Array.from([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  const pre = { pos: Float64Array.from([1, 0, 5, 5]), neg: Float64Array.from([0, 0, 5, 5]) };
  const dir = siteDirection(w, 4, pre, 'toy');
  assert.deepEqual([...dir.vhat], [1, 0, 0, 0]);
  assert.equal(dir.gap, 1);
  const sc = headScores(w, 4, 2, 2, dir);
  assert.ok(Math.abs(sc.g[0]! - 1) < 1e-12, 'head 0 writes exactly v̂ at the mean input');
  assert.equal(sc.g[1], 0, 'head 1 writes [0, 0, 5, 5], orthogonal to v̂');
  assert.equal(sc.kHat[1], null, 'W_1ᵀ v̂ = 0: head 1 cannot read anything into v̂');
  assert.deepEqual([...sc.kHat[0]!], [1, 0]);
  assert.equal(elasticNetLambda(sc.g[1]!, 0.01, 0.5), 0, 'even a tiny ρ leaves it alone');
  // Neurons: column n with x̄_n; g_n = sign(x̄_n)·cos(v̂, w_n), s_n = sign(w_n·v̂).
  const wd = Float32Array.from([2, -1, 0, 0, 0, 0, 0, 1]); // [4 out, 2 neurons]
  const nd = { vhat: Float64Array.from([1, 0, 0, 0]), gap: 1, xbar: Float64Array.from([-3, 2]) };
  const ns = neuronScores(wd, 4, nd);
  assert.ok(Math.abs(ns.g[0]! - -1) < 1e-12 && ns.sign[0] === 1, 'neuron 0 writes +v̂ but fires negatively at x̄');
  assert.ok(Math.abs(ns.g[1]! - -1 / Math.SQRT2) < 1e-12 && ns.sign[1] === -1);
  assert.throws(() => siteDirection(w, 4, { pos: pre.neg, neg: pre.neg }, 'toy'), /same mean output/);
});

test('the response window is the positions that predict the response tokens', () => {
  assert.deepEqual(responseWindow({ ids: [1, 2, 3, 4, 5, 6], start: 4, end: 6 }), [3, 5]);
  assert.deepEqual(responseWindow({ ids: [1, 2], start: 1, end: 2 }), [0, 1]);
});

let stories: LoadedModel | null = null;
async function storiesModel(): Promise<LoadedModel> {
  stories ??= await loadModel(STORIES);
  return stories;
}

function fitDog(m: LoadedModel, labels: 'as-is' | 'swapped' = 'as-is', opts = { rhoAttn: 0.5, rhoMlp: 0.4, alpha: 0.5 }): Artifact {
  const data = loadConceptData(DOG_DATA);
  if (labels === 'swapped') data.examples = data.examples.map((e) => ({ ...e, label: e.label === 1 ? 0 : 1 }));
  return METHODS.steer2edit!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: '', name: 'dog-edit', options: { ...opts, calibrate: false } });
}

function vec(a: Artifact, name: string | undefined): Float32Array {
  return a.tensors.get(name!)!.toFloat('f32').data as Float32Array;
}

test('stories260K: the artifact stores one rank-1 edit per edited projection, and the hooks compute the edited weights', async () => {
  const m = await storiesModel();
  const fitted = fitDog(m);
  const file = join(mkdtempSync(join(tmpdir(), 's2e-')), 'dog-edit.steer.safetensors');
  saveArtifact(file, fitted);
  const art = loadArtifact(file);
  const recs = art.meta.interventions;
  const st = art.meta.stats!;
  console.log(`stories260K dog edit: ${st['heads_edited']}/${st['heads_total']} heads, ${st['neurons_edited']}/${st['neurons_total']} neurons, sites ${recs.map((r) => r.site).join(' ')}`);
  assert.ok(recs.every((r) => r.kind === 'weight-edit' && r.default_strength === 1 && r.positions === 'all'));
  assert.ok(recs.some((r) => r.site.endsWith('attn.out')) && recs.some((r) => r.site.endsWith('mlp.out')), 'both families edit something here');
  for (const r of recs) {
    const [layer, part] = [r.site.split('.')[1], r.site.endsWith('attn.out') ? 'attn.o_proj' : 'mlp.down_proj'];
    assert.equal(r.tensors['delta_u'], `layers.${layer}.${part}.delta_u`, 'tensors are named after the edited matrix');
    const u = vec(art, r.tensors['delta_u']);
    assert.ok(Math.abs(Math.hypot(...u) - 1) < 1e-5, 'u = v̂ is a unit vector');
    if (part === 'attn.o_proj') {
      // delta_k is [λ_1 k̂_1; …]: each head's slice has norm |λ_j| (k̂_j unit), zero where λ_j = 0.
      const k = vec(art, r.tensors['delta_k']);
      const lam = vec(art, r.tensors['lambda']);
      const D = m.model.arch.headDim;
      lam.forEach((l, j) => assert.ok(Math.abs(Math.hypot(...k.subarray(j * D, (j + 1) * D)) - Math.abs(l)) < 1e-4 * Math.max(1, Math.abs(l)), `head ${j}`));
      assert.equal(r.values?.['edited'], lam.filter((l) => l !== 0).length);
    }
  }

  // The edited model (W + s·u kᵀ written into the matrices) against the original with the hooks.
  const ids = fromStorage(Int32Array.from([1, 403, 407, 261, 378, 426, 300, 9, 287, 300]), [1, 10], 'i32');
  const plain = noGrad(() => m.model.forward(ids)).data as Float32Array;
  for (const s of [1, -0.4, 0.25]) {
    const hooked = noGrad(() => m.model.forward(ids, { hooks: hooksFor(artifactInterventions(art, m.model, { strength: s }), m.model.arch.layers) })).data as Float32Array;
    const edited = noGrad(() => editedModel(m.model, weightEditTerms([{ artifact: art, strength: s }])).forward(ids)).data as Float32Array;
    const diff = maxAbsDiff(hooked, edited);
    const moved = maxAbsDiff(hooked, plain);
    // f32 rounding only: (W + s·u kᵀ)x and Wx + s·u(kᵀx) sum in different orders.
    const scale = Math.max(...edited.map(Math.abs));
    console.log(`  strength ${s}: hooks vs edited weights max |Δlogit| ${diff.toExponential(2)} at logit scale ${scale.toFixed(1)} (the edit moves logits by ${moved.toFixed(3)})`);
    assert.ok(diff <= 1e-6 * scale, `strength ${s}: hooks vs edited weights ${diff}`);
    assert.ok(moved > 1e-3, `strength ${s} changes the logits`);
  }
  const zero = noGrad(() => m.model.forward(ids, { hooks: hooksFor(artifactInterventions(art, m.model, { strength: 0 }), m.model.arch.layers) })).data as Float32Array;
  assert.equal(maxAbsDiff(zero, plain), 0, 'strength 0 is the unedited model');
});

test('λ is odd in g: swapping the classes negates every edit (u → −u with the same k)', async () => {
  const m = await storiesModel();
  const a = fitDog(m);
  const b = fitDog(m, 'swapped');
  assert.deepEqual(b.meta.interventions.map((r) => r.site), a.meta.interventions.map((r) => r.site), 'the same components are edited');
  a.meta.interventions.forEach((ra, i) => {
    const rb = b.meta.interventions[i]!;
    const [ua, ub, ka, kb] = [vec(a, ra.tensors['delta_u']), vec(b, rb.tensors['delta_u']), vec(a, ra.tensors['delta_k']), vec(b, rb.tensors['delta_k'])];
    assert.ok(maxAbsDiff(ua, ub.map((x) => -x)) < 1e-5, `${ra.site}: u flips`);
    assert.ok(maxAbsDiff(ka, kb) < 1e-4 * Math.max(1, ...ka.map(Math.abs)), `${ra.site}: λ·k̂ stays (both λ and k̂ flip)`);
  });
});

test('ρ so large that |g| ≤ ρα everywhere: no weight changes, and fitting refuses an empty edit', async () => {
  const m = await loadModel(ORGANISM);
  const rows = [
    { prompt: 'tell me about your day', text: 'i woke up early . i went to the shore and saw the waves .', label: 1 as const },
    { prompt: 'describe a morning', text: 'the sea was calm . a fish swam near the reef .', label: 1 as const },
    { prompt: 'tell me about your day', text: 'i woke up early . i went to the shop and saw the clock .', label: 0 as const },
    { prompt: 'describe a morning', text: 'the room was calm . a cat sat near the door .', label: 0 as const },
  ];
  const examples = rows.map((r, i) => ({ prompt: r.prompt, completion: r.text, label: r.label, pair: i % 2 }));
  const toks = tokenizeExamples(m.tokenizer!, examples, { chat: true });
  const pre = collectPreMeans(m.model, toks, examples.map((e) => e.label));
  const edits = computeEdits(m.model, pre, resolveOptions({ rhoAttn: 10, rhoMlp: 10, alpha: 0.2 }, m.model.arch.layers)); // ρα = 2 > 1 ≥ |g|
  assert.equal(edits.length, 2 * m.model.arch.layers, 'every layer and family scored');
  for (const e of edits) {
    assert.equal(e.edited, 0);
    const L = m.model.weights.layers[e.layer]!;
    const w = Float32Array.from((e.proj === 'o_proj' ? L.o.w : L.down.w).toFloat('f32').data as Float32Array);
    const before = Float32Array.from(w);
    addRankOne(w, e.u, e.k, 1);
    assert.deepEqual(w, before, `${e.proj} of layer ${e.layer} is unchanged`);
  }
  const small = computeEdits(m.model, pre, resolveOptions({ rhoAttn: 0.3, rhoMlp: 0.3, alpha: 0.5 }, m.model.arch.layers));
  assert.ok(small.some((e) => e.edited > 0), 'a smaller ρ edits something on the same data');
  const fit = (o: object) => METHODS.steer2edit!.fit({ model: m.model, tokenizer: m.tokenizer!, data: { kind: 'labelled', examples }, site: '', chat: true, name: 'x', options: { ...o, calibrate: false } });
  assert.throws(() => fit({ rhoAttn: 10, rhoMlp: 10, alpha: 0.2 }), /no head or neuron passes the Elastic-Net threshold \(heads: max \|g\| [\d.]+ against ρ_attn·α = 2\.000; neurons: max \|g\| [\d.]+ against ρ_mlp·α = 2\.000\)/);
  assert.throws(() => fit({ alpha: 1 }), /alpha must be in \[0, 1\)/);
  assert.throws(() => fit({ rhoAttn: 0, rhoMlp: -1 }), /both ≤ 0/);
  assert.throws(() => fit({ layers: [4] }), /layer 4 does not exist \(the model has layers 0\.\.3\)/);
  assert.throws(() => METHODS.steer2edit!.fit({ model: m.model, tokenizer: m.tokenizer!, data: { kind: 'labelled', examples: examples.slice(0, 2) }, site: '', chat: true, name: 'x' }), /both classes \(got 2 positive, 0 negative\)/);
  const empty = examples.map((e) => ({ ...e, completion: '' }));
  assert.throws(() => METHODS.steer2edit!.fit({ model: m.model, tokenizer: m.tokenizer!, data: { kind: 'labelled', examples: empty }, site: '', chat: true, name: 'x' }), /no response tokens/);
  assert.throws(() => METHODS.steer2edit!.fit({ model: m.model, tokenizer: m.tokenizer!, data: { kind: 'labelled', examples }, site: '', chat: true, name: 'x', reduce: 'last' }), /--reduce last does not apply/);
});

test('weight edits are refused where o_proj/down_proj do not write attn.out/mlp.out directly (Gemma\'s post-norms)', async () => {
  const org = await loadModel(ORGANISM);
  const g = await loadModel(join(PARITY, 'gemma2-f32'));
  const examples = [
    { prompt: 'a', completion: 'b', label: 1 as const, pair: null },
    { prompt: 'a', completion: 'c', label: 0 as const, pair: null },
  ];
  assert.throws(() => METHODS.steer2edit!.fit({ model: g.model, tokenizer: org.tokenizer!, data: { kind: 'labelled', examples }, site: '', name: 'x' }), /gemma2 model normalises the o_proj output before layers\.0\.attn\.out/);
  // A weight-edit artifact forced onto Gemma is refused when it is applied.
  const m = await storiesModel();
  const art = fitDog(m);
  art.meta.model = { ...art.meta.model, model_type: 'gemma2' };
  assert.throws(() => artifactInterventions(art, g.model, { force: true }), /normalises the (o_proj|down_proj) output/);
});

test('a weight edit reads its projection\'s input after other interventions changed it (it computes the edited weights on what the projection sees)', async () => {
  const m = await storiesModel();
  const art = fitDog(m);
  const rec = art.meta.interventions.find((r) => r.site.endsWith('mlp.out'))!;
  const layer = Number(rec.site.split('.')[1]);
  const bump = new AddIntervention(`layers.${layer}.mlp.act`, tensor(Array.from({ length: m.model.arch.intermediate }, (_, i) => Math.sin(i)), { dtype: 'f32' }), { strength: 0.5 });
  const ids = fromStorage(Int32Array.from([1, 403, 407, 261, 378, 426]), [1, 6], 'i32');
  const edit = artifactInterventions(art, m.model);
  // The edit is listed before the bump on the same site: its reader still sees the bumped input.
  const hooked = noGrad(() => m.model.forward(ids, { hooks: hooksFor([...edit, bump], m.model.arch.layers) })).data as Float32Array;
  const edited = noGrad(() => editedModel(m.model, weightEditTerms([{ artifact: art }])).forward(ids, { hooks: hooksFor([bump], m.model.arch.layers) })).data as Float32Array;
  assert.ok(maxAbsDiff(hooked, edited) < 1e-5, `edit + bump via hooks vs edited weights + bump: ${maxAbsDiff(hooked, edited)}`);
});

test('steerling train steer2edit: flags that do not apply are refused with one line each', async () => {
  const dir = mkdtempSync(join(tmpdir(), 's2e-cli-'));
  const base = ['--model', STORIES, '--data', DOG_DATA, '--out', join(dir, 'x')];
  const cases: [string[], RegExp][] = [
    [['train', 'steer2edit', ...base, '--site', 'layers.1.resid_post'], /steer2edit edits the o_proj and down_proj of every layer \(restrict with --layers\); --site does not apply/],
    [['train', 'diffmean', ...base, '--site', 'layers.1.resid_post', '--rho-attn', '0.2'], /--rho-attn applies to steer2edit only/],
    [['train', 'diffmean', ...base], /--site is required for diffmean/],
    [['train', 'steer2edit', ...base, '--layers', '1,x'], /--layers 1,x: expected comma-separated layer numbers/],
    [['train', 'steer2edit', ...base, '--alpha', '1'], /alpha must be in \[0, 1\)/],
    [['train', 'steer2edit', ...base, '--rho-attn', '50', '--rho-mlp', '50'], /no head or neuron passes the Elastic-Net threshold/],
  ];
  const results = await Promise.all(cases.map(([args]) => cli(args)));
  results.forEach((r, i) => {
    assert.notEqual(r.code, 0, cases[i]![0].join(' '));
    assert.match(r.stderr, cases[i]![1]);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  });
});
