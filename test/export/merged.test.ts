// Directional ablation folded into the weights: on stories260K (tied embeddings), the edited
// checkpoint written by `steerling export merged` loads through the normal path and gives the
// logits of the original model with the ablation hooks, and greedy text equal to the hooked one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadArtifact } from '../../src/artifact/io.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { loadModel } from '../../src/models/load.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { generate } from '../../src/generate/generate.js';
import { ablationDirection, orthogonaliseOutput, orthogonaliseRows } from '../../src/export/merged.js';
import { cli, DOG_DATA, STORIES } from '../cli/helpers.js';

test('orthogonalising leaves nothing along r̂ and everything else alone', () => {
  const u = Float32Array.from([0.6, 0.8, 0]);
  const w = Float32Array.from([1, 2, 3, 4, 5, 6]); // [3, 2]: writes 3 channels from 2 inputs
  const before = Float32Array.from(w);
  orthogonaliseOutput(w, 3, u);
  for (let j = 0; j < 2; j++) assert.ok(Math.abs(0.6 * w[j]! + 0.8 * w[2 + j]!) < 1e-6, 'uᵀW = 0');
  assert.equal(w[4], before[4], 'the channel orthogonal to r̂ is unchanged');
  const e = Float32Array.from([3, 4, 7]);
  orthogonaliseRows(e, 3, u);
  assert.deepEqual([...e].map((x) => Math.abs(x) < 1e-6 ? 0 : x), [0, 0, 7]);
});

test('stories260K: the orthogonalised checkpoint computes the ablation hooks (CLI end to end)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merged-'));
  const art = join(dir, 'dog-abl.steer.safetensors');
  const fit = await cli(['train', 'ablation', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.2.resid_post', '--out', art, '--json']);
  assert.equal(fit.code, 0, fit.stderr);
  const out = join(dir, 'edited');
  const r = await cli(['export', 'merged', '--model', STORIES, '--steer', art, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as { edited: string[]; untied: boolean; copied: string[] };
  assert.equal(rep.untied, true, 'stories260K ties its head');
  assert.equal(rep.edited.length, 1 + 2 * 5, 'the embedding and o_proj, down_proj of 5 layers');
  assert.ok(rep.copied.includes('tokenizer.json'));
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).tie_word_embeddings, false);
  assert.ok(!existsSync(join(out, 'reference-greedy.json')), 'files that describe the original model are not copied');

  const a = loadArtifact(art);
  const orig = await loadModel(STORIES);
  const edited = await loadModel(out);
  const hooks = hooksFor(artifactInterventions(a, orig.model), orig.model.arch.layers);
  const ids = fromStorage(Int32Array.from([1, 403, 407, 261, 378, 426, 300, 9]), [1, 8], 'i32');
  const want = orig.model.forward(ids, { hooks }).data as Float32Array;
  const got = edited.model.forward(ids).data as Float32Array;
  const plain = orig.model.forward(ids).data as Float32Array;
  let diff = 0;
  let moved = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(want[i]! - got[i]!));
    moved = Math.max(moved, Math.abs(want[i]! - plain[i]!));
  }
  assert.ok(diff < 1e-3, `edited vs hooked: max |Δlogit| ${diff}`);
  assert.ok(moved > 0.05, `the ablation changes the logits (${moved})`);
  const prompt = orig.tokenizer!.encode('Once upon a time');
  const g1 = generate(orig.model, [prompt], { maxTokens: 24, hooks })[0]!;
  const g2 = generate(edited.model, [prompt], { maxTokens: 24 })[0]!;
  assert.deepEqual(g2.tokens, g1.tokens, 'greedy continuations agree');
});

test('stories260K: additive steering folds into MLP biases with the hooks\' logits; partial ablations are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'merged-add-'));
  const art = join(dir, 'dog.steer.safetensors');
  assert.equal((await cli(['train', 'diffmean', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.2.resid_post', '--out', art])).code, 0);
  const out = join(dir, 'dog-model');
  const r = await cli(['export', 'merged', '--model', STORIES, '--steer', `${art}:x2`, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((JSON.parse(r.stdout) as { edited: string[] }).edited, ['model.layers.2.mlp.down_proj.bias']);
  assert.equal(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).mlp_bias, true);
  const a = loadArtifact(art);
  const orig = await loadModel(STORIES);
  const edited = await loadModel(out);
  const hooks = hooksFor(artifactInterventions(a, orig.model, { strength: 2 * a.meta.interventions[0]!.default_strength }), orig.model.arch.layers);
  const ids = fromStorage(Int32Array.from([1, 403, 407, 261, 378, 426]), [1, 6], 'i32');
  const want = orig.model.forward(ids, { hooks }).data as Float32Array;
  const got = edited.model.forward(ids).data as Float32Array;
  let diff = 0;
  for (let i = 0; i < want.length; i++) diff = Math.max(diff, Math.abs(want[i]! - got[i]!));
  assert.ok(diff < 1e-3, `bias fold vs hooks: max |Δlogit| ${diff}`);
  const again = await cli(['export', 'merged', '--model', STORIES, '--steer', art, '--out', out]);
  assert.match(again.stderr, /exists and is not empty/);

  const abl = join(dir, 'abl.steer.safetensors');
  assert.equal((await cli(['train', 'ablation', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.2.resid_post', '--out', abl])).code, 0);
  assert.throws(() => ablationDirection(loadArtifact(abl), 5, 0.5), /only a full ablation/);
  const half = await cli(['export', 'merged', '--model', STORIES, '--steer', `${abl}:0.5`, '--out', join(dir, 'y')]);
  assert.notEqual(half.code, 0);
  assert.match(half.stderr, /only a full ablation \(strength 1\)/);
});
