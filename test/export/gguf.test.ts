// GGUF control vectors: the byte layout against the design note's worked example, parsing by an
// independent reader (@huggingface/gguf), corrupt files, and a stories260K artifact exported through
// the CLI whose control vector, applied as llama.cpp applies it, steers exactly as the artifact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gguf } from '@huggingface/gguf';
import { encodeGGUF, decodeGGUF, readGGUF, type GGUFFile } from '../../src/export/gguf.js';
import { controlVectorLayer, controlVectorSites, toControlVector } from '../../src/export/control-vector.js';
import { loadArtifact } from '../../src/artifact/io.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { AddIntervention } from '../../src/intervene/interventions.js';
import { hooksFor } from '../../src/intervene/index.js';
import { loadModel } from '../../src/models/load.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { cli, DOG_DATA, STORIES } from '../cli/helpers.js';

function worked(): GGUFFile {
  return {
    metadata: new Map([
      ['general.architecture', { type: 'string', value: 'controlvector' }],
      ['controlvector.model_hint', { type: 'string', value: 'llama' }],
      ['controlvector.layer_count', { type: 'int32', value: 2 }],
    ]),
    tensors: [
      { name: 'direction.1', dims: [4], data: Float32Array.from([1, 2, 3, 4]) },
      { name: 'direction.2', dims: [4], data: Float32Array.from([-1, 0.5, 0, 8]) },
    ],
  };
}

test('the worked example of the design note: 320 bytes, tensor data at 256 and 288', () => {
  const b = encodeGGUF(worked());
  assert.equal(b.length, 320);
  assert.deepEqual([...b.subarray(0, 8)], [0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0]);
  const dv = new DataView(b.buffer, b.byteOffset);
  assert.equal(dv.getFloat32(256, true), 1);
  assert.equal(dv.getFloat32(288, true), -1);
  assert.ok(b.subarray(253, 256).every((x) => x === 0) && b.subarray(304, 320).every((x) => x === 0), 'zero padding, the last block included');
  const back = decodeGGUF(b);
  assert.deepEqual([...back.tensors[1]!.data], [-1, 0.5, 0, 8]);
  assert.deepEqual(back.metadata.get('controlvector.layer_count'), { type: 'int32', value: 2 });
});

test('@huggingface/gguf reads what we write', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gguf-'));
  const p = join(dir, 'cv.gguf');
  writeFileSync(p, encodeGGUF(worked()));
  const r = await gguf(p, { allowLocalFile: true });
  const md = r.metadata as unknown as Record<string, unknown>;
  assert.equal(md['general.architecture'], 'controlvector');
  assert.equal(md['controlvector.model_hint'], 'llama');
  assert.equal(Number(md['controlvector.layer_count']), 2);
  assert.equal(Number(md['version']), 3);
  assert.deepEqual(r.tensorInfos.map((t) => [t.name, t.shape.map(Number), Number(t.dtype), Number(t.offset)]), [
    ['direction.1', [4], 0, 0],
    ['direction.2', [4], 0, 32],
  ]);
  assert.equal(Number(r.tensorDataOffset), 256);
});

test('corrupt files get errors that name the problem', () => {
  const good = encodeGGUF(worked());
  const bad = (mutate: (b: Uint8Array) => Uint8Array, want: RegExp) => assert.throws(() => decodeGGUF(mutate(Uint8Array.from(good)), 'x.gguf'), want);
  bad((b) => ((b[0] = 0), b), /not a GGUF file/);
  bad((b) => b.subarray(0, 300), /tensor "direction.2" runs past the end/);
  bad((b) => b.subarray(0, 100), /truncated/);
  bad((b) => (new DataView(b.buffer).setBigUint64(8, 1n << 40n, true), b), /exceed what the file can hold/);
  // direction.2's offset (last 8 bytes of the tensor infos, which end at byte 253)
  bad((b) => (new DataView(b.buffer).setBigUint64(245, 64n, true), b), /offset 64, expected 32/);
  assert.throws(() => encodeGGUF({ metadata: new Map(), tensors: [{ name: 'direction.1', dims: [2], data: Float32Array.from([1, NaN]) }] }), /non-finite/);
  assert.throws(() => encodeGGUF({ metadata: new Map(), tensors: [{ name: 'x'.repeat(64), dims: [1], data: new Float32Array(1) }] }), /1–63 bytes/);
});

test('sites map to llama.cpp block outputs; block 0 and other sites are refused', () => {
  assert.equal(controlVectorLayer('layers.3.resid_post'), 3);
  assert.equal(controlVectorLayer('layers.3.resid_pre'), 2);
  assert.throws(() => controlVectorLayer('layers.0.resid_post'), /cannot steer the output of block 0/);
  assert.throws(() => controlVectorLayer('layers.1.resid_pre'), /cannot steer the input of blocks 0 and 1/);
  assert.throws(() => controlVectorLayer('layers.2.mlp_out'), /between blocks only/);
});

test('stories260K: the exported control vector steers exactly as the artifact (CLI end to end)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gguf-stories-'));
  const art = join(dir, 'dog.steer.safetensors');
  const fit = await cli(['train', 'diffmean', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.2.resid_post', '--out', art, '--json']);
  assert.equal(fit.code, 0, fit.stderr);
  const out = join(dir, 'dog.gguf');
  const r = await cli(['export', 'gguf', '--steer', `${art}:x2`, '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as { model_hint: string; layers: { layer: number; from: { strength: number }[] }[] };
  assert.equal(rep.model_hint, 'llama');
  const a = loadArtifact(art);
  const s = 2 * a.meta.interventions[0]!.default_strength;
  assert.deepEqual(rep.layers.map((l) => l.layer), [2]);
  assert.ok(Math.abs(rep.layers[0]!.from[0]!.strength - s) < 1e-9);

  const file = readGGUF(out);
  assert.equal(file.metadata.get('controlvector.layer_count')?.value, 4);
  const dirv = a.tensors.get(a.meta.interventions[0]!.tensors['direction']!)!.toFloat('f32').data as Float32Array;
  file.tensors[0]!.data.forEach((x, j) => assert.ok(Math.abs(x - Math.fround(s * dirv[j]!)) < 1e-6));

  const m = await loadModel(STORIES);
  const ids = fromStorage(Int32Array.from([1, 403, 407, 261, 378, 426]), [1, 6], 'i32');
  const viaArtifact = m.model.forward(ids, { hooks: hooksFor(artifactInterventions(a, m.model, { strength: s }), m.model.arch.layers) }).data as Float32Array;
  const sites = controlVectorSites(file, m.model.arch.hidden, m.model.arch.layers);
  const viaCv = m.model.forward(ids, { hooks: hooksFor(sites.map((x) => new AddIntervention(x.site, fromStorage(x.vector, [x.vector.length], 'f32'), { strength: 1 })), m.model.arch.layers) }).data as Float32Array;
  const plain = m.model.forward(ids).data as Float32Array;
  let maxDiff = 0;
  let moved = 0;
  for (let i = 0; i < plain.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(viaArtifact[i]! - viaCv[i]!));
    moved = Math.max(moved, Math.abs(viaArtifact[i]! - plain[i]!));
  }
  assert.ok(maxDiff < 1e-4, `control vector vs artifact: max |Δlogit| ${maxDiff}`);
  assert.ok(moved > 0.1, `the steering moves the logits (${moved})`);

  // generate --control-vector applies the file as llama.cpp would: the same greedy text as --steer.
  const gen = async (...extra: string[]) => JSON.parse((await cli(['generate', '--model', STORIES, '-p', 'Once upon a time,', '-n', '24', '--json', ...extra])).stdout) as { token_ids: number[] };
  const bySteer = await gen('--steer', `${art}:x2`);
  assert.deepEqual((await gen('--control-vector', out)).token_ids, bySteer.token_ids);
  assert.deepEqual((await gen('--control-vector', `${out}:0.5`)).token_ids, (await gen('--steer', art)).token_ids, 'scale 0.5 of a 2× file is the default strength');
  assert.notDeepEqual(bySteer.token_ids, (await gen()).token_ids);
});

test('export refuses what llama.cpp cannot reproduce, naming why', () => {
  const base = {
    format: 1, name: 'x', method: 'diffmean', settings: {}, training: { data_hash: null, examples: 0, steps: 0, seed: null, final_loss: null }, created: '',
    model: { model_type: 'llama', hidden_size: 2, num_layers: 4, vocab_size: 10, config_hash: 'c', weights_hash: 'w', weights_through_layer: 1, hub_id: null },
  };
  const tensors = new Map([['layers.1.resid_post.direction', fromStorage(Float32Array.from([1, 0]), [2], 'f32')]]);
  const rec = { site: 'layers.1.resid_post', kind: 'add' as const, positions: 'all' as const, tensors: { direction: 'layers.1.resid_post.direction' }, default_strength: 3, strength_range: [-4, 4] as [number, number] };
  const ok = toControlVector([{ artifact: { meta: { ...base, interventions: [rec] }, tensors } }]);
  assert.deepEqual([...ok.file.tensors[0]!.data], [3, 0]);
  assert.throws(() => toControlVector([{ artifact: { meta: { ...base, interventions: [{ ...rec, kind: 'ablate' }] }, tensors } }]), /ablate intervention at layers.1.resid_post is not additive/);
  assert.throws(() => toControlVector([{ artifact: { meta: { ...base, interventions: [{ ...rec, positions: 'generated' }] }, tensors } }]), /acts at every position/);
  assert.throws(() => toControlVector([{ artifact: { meta: { ...base, model: { ...base.model, model_type: 'bert' }, interventions: [rec] }, tensors } }]), /model_type "bert" is not known/);
  const two = toControlVector([{ artifact: { meta: { ...base, interventions: [rec] }, tensors } }, { artifact: { meta: { ...base, interventions: [rec] }, tensors }, multiple: -0.5 }]);
  assert.deepEqual([...two.file.tensors[0]!.data], [1.5, 0], 'several artifacts sum per layer, each with its strength');
});
