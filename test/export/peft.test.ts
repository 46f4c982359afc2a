// Weight edits (Steer2Edit) exported: the merged checkpoint (`steerling export merged` / `edit`)
// computes what the artifact's hooks compute, and the PEFT LoRA adapter (`steerling export peft`),
// read back with our own safetensors reader, rebuilds the merged weights as W + (lora_alpha/r)·B·A.
// stories260K is f32, so "equal" means float rounding; the parity fixtures cover Qwen2 naming and
// GPT-2's Conv1D layout, and Gemma is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadArtifact, saveArtifact } from '../../src/artifact/io.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { loadModel } from '../../src/models/load.js';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { SafetensorsFile } from '../../src/io/safetensors.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/tensor/tape.js';
import { generate } from '../../src/generate/generate.js';
import { buildArtifact } from '../../src/methods/build.js';
import { weightEditTerms, writeWeightEdited, matrixName } from '../../src/export/weight-edits.js';
import { peftAdapter, writePeftAdapter, ADAPTER_CONFIG, ADAPTER_WEIGHTS } from '../../src/export/peft.js';
import type { DecoderModel } from '../../src/models/decoder.js';
import type { Hooks } from '../../src/models/hooks.js';
import { cli, DOG_DATA, STORIES } from '../cli/helpers.js';
import { maxAbsDiff } from '../helpers/edited-model.js';

const PARITY = new URL('../../../test/fixtures/parity/', import.meta.url).pathname;
const LORA_KEY = /^base_model\.model\.(model\.layers\.\d+\.(self_attn\.o_proj|mlp\.down_proj)|transformer\.h\.\d+\.(attn|mlp)\.c_proj)\.lora_(A|B)\.weight$/;

const f32 = (t: { toFloat(d: 'f32'): { data: unknown } }) => t.toFloat('f32').data as Float32Array;

/** The merged tensors equal W + (lora_alpha / r)·B·A for every adapted module, and every other tensor is untouched. */
function checkAdapterRebuildsMerged(base: string, merged: string, adapter: string): { modules: string[]; worst: number } {
  const cfg = JSON.parse(readFileSync(join(adapter, ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>;
  const scale = (cfg['lora_alpha'] as number) / (cfg['r'] as number);
  const convLayout = cfg['fan_in_fan_out'] === true;
  const ad = SafetensorsFile.open(join(adapter, ADAPTER_WEIGHTS));
  for (const k of ad.keys()) assert.match(k, LORA_KEY, `PEFT tensor name ${k}`);
  const b = Checkpoint.open(base);
  const m = Checkpoint.open(merged);
  const modules = cfg['target_modules'] as string[];
  let worst = 0;
  try {
    assert.deepEqual(m.keys().sort(), b.keys().sort(), 'the merged checkpoint has the same tensors');
    for (const name of b.keys()) {
      const mod = name.endsWith('.weight') ? name.slice(0, -7) : null;
      if (!mod || !modules.includes(mod)) {
        assert.deepEqual(f32(m.get(name)), f32(b.get(name)), `${name} is not edited`);
        continue;
      }
      const A = ad.get(`base_model.model.${mod}.lora_A.weight`);
      const B = ad.get(`base_model.model.${mod}.lora_B.weight`);
      const W = b.get(name);
      const [out, inDim] = convLayout ? [W.shape[1]!, W.shape[0]!] : [W.shape[0]!, W.shape[1]!];
      const r = cfg['r'] as number;
      assert.deepEqual([...A.shape], [r, inDim], `${mod}.lora_A is [r, in]`);
      assert.deepEqual([...B.shape], [out, r], `${mod}.lora_B is [out, r]`);
      const [a, bb, w, got] = [f32(A), f32(B), f32(W), f32(m.get(name))];
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < inDim; i++) {
          let d = 0;
          for (let j = 0; j < r; j++) d += bb[o * r + j]! * a[j * inDim + i]!;
          const at = convLayout ? i * out + o : o * inDim + i; // PEFT: delta = transpose(B·A) when fan_in_fan_out
          worst = Math.max(worst, Math.abs(w[at]! + scale * d - got[at]!));
        }
      }
    }
  } finally {
    b.close();
    m.close();
  }
  return { modules, worst };
}

function logits(model: DecoderModel, ids: readonly number[], hooks: Hooks | null = null): Float32Array {
  return noGrad(() => model.forward(fromStorage(Int32Array.from(ids), [1, ids.length], 'i32'), hooks ? { hooks } : {})).data as Float32Array;
}

test('stories260K: export merged, edit and export peft of a Steer2Edit artifact agree with its hooks (CLI end to end)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'peft-'));
  const art = join(dir, 'dog-edit.steer.safetensors');
  const fit = await cli(['train', 'steer2edit', '--model', STORIES, '--data', DOG_DATA, '--out', art, '--rho-attn', '0.5', '--rho-mlp', '0.4', '--alpha', '0.5', '--json']);
  assert.equal(fit.code, 0, fit.stderr);
  const a = loadArtifact(art);
  const range = a.meta.interventions[0]!.strength_range;
  const s = +(range[1] / 2).toFixed(4); // inside the measured range
  console.log(`dog edit: range [${range.map((x) => x.toFixed(3)).join(', ')}], exporting at strength ${s}`);
  const merged = join(dir, 'merged');
  const r1 = await cli(['export', 'merged', '--model', STORIES, '--steer', `${art}:${s}`, '--out', merged, '--json']);
  assert.equal(r1.code, 0, r1.stderr);
  const rep = JSON.parse(r1.stdout) as { edited: string[]; copied: string[] };
  assert.equal(rep.edited.length, a.meta.interventions.length, 'one matrix per weight-edit intervention');
  assert.ok(rep.copied.includes('tokenizer.json'));
  const adapter = join(dir, 'adapter');
  const r2 = await cli(['export', 'peft', '--model', STORIES, '--steer', `${art}:${s}`, '--out', adapter, '--json']);
  assert.equal(r2.code, 0, r2.stderr);

  const cfg = JSON.parse(readFileSync(join(adapter, ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg['peft_type'], 'LORA');
  assert.equal(cfg['task_type'], 'CAUSAL_LM');
  assert.equal(cfg['r'], 1);
  assert.equal(cfg['lora_alpha'], 1);
  assert.equal(cfg['use_rslora'], false);
  assert.equal(cfg['fan_in_fan_out'], false);
  assert.equal(cfg['base_model_name_or_path'], resolve(STORIES), 'no hub id: the folder it was exported from');
  assert.deepEqual([...(cfg['target_modules'] as string[])].sort(), rep.edited.map((n) => n.slice(0, -'.weight'.length)).sort());
  const { worst } = checkAdapterRebuildsMerged(STORIES, merged, adapter);
  assert.ok(worst < 1e-6, `W + scale·B·A vs the merged weights: ${worst}`);

  // The merged checkpoint generates what the artifact's hooks generate.
  const orig = await loadModel(STORIES);
  const ed = await loadModel(merged);
  const hooks = hooksFor(artifactInterventions(a, orig.model, { strength: s }), orig.model.arch.layers);
  const prompt = orig.tokenizer!.encode('Once upon a time');
  const g1 = generate(orig.model, [prompt], { maxTokens: 32, hooks })[0]!;
  const g2 = generate(ed.model, [prompt], { maxTokens: 32 })[0]!;
  const g0 = generate(orig.model, [prompt], { maxTokens: 32 })[0]!;
  assert.deepEqual(g2.tokens, g1.tokens, 'greedy continuations agree');
  assert.notDeepEqual(g1.tokens, g0.tokens, 'the edit changes the continuation');
  const seq = [...prompt, ...g1.tokens];
  const hooked = logits(orig.model, seq, hooks);
  const diff = maxAbsDiff(logits(ed.model, seq), hooked);
  // Relative to the logit scale: W + ΔW rounded to f32 and then multiplied is not W·x + ΔW·x, and the
  // kernels' summation order differs per ISA (AVX2 gave 1.3e-5 where AVX-512 stayed under 1e-5).
  const scale = hooked.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  console.log(`merged vs hooks over ${seq.length} tokens: max |Δlogit| ${diff.toExponential(2)} (logit scale ${scale.toFixed(1)}); continuation "${orig.tokenizer!.decode(g1.tokens)}"`);
  assert.ok(diff < 1e-5 * Math.max(1, scale), `merged vs hooks: ${diff} at logit scale ${scale}`);

  // `steerling edit` is export merged under the design's command name.
  const viaEdit = join(dir, 'edited');
  const r3 = await cli(['edit', '--model', STORIES, '--steer', `${art}:${s}`, '--out', viaEdit, '--json']);
  assert.equal(r3.code, 0, r3.stderr);
  const x = Checkpoint.open(viaEdit);
  const y = Checkpoint.open(merged);
  for (const n of y.keys()) assert.deepEqual(f32(x.get(n)), f32(y.get(n)), n);
  x.close();
  y.close();
});

test('two weight-edit artifacts compose: merged = hooks of both, and the adapter has rank 2 with lora_alpha 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'peft2-'));
  const [p, q] = [join(dir, 'p.steer.safetensors'), join(dir, 'q.steer.safetensors')];
  assert.equal((await cli(['train', 'steer2edit', '--model', STORIES, '--data', DOG_DATA, '--out', p, '--rho-attn', '0.5', '--rho-mlp', '0.4', '--alpha', '0.5'])).code, 0);
  assert.equal((await cli(['train', 'steer2edit', '--model', STORIES, '--data', DOG_DATA, '--out', q, '--rho-attn', '0.3', '--rho-mlp', '-1', '--alpha', '0.5', '--layers', '1,2'])).code, 0);
  const orig = await loadModel(STORIES);
  const [ap, aq] = [loadArtifact(p), loadArtifact(q)];
  const edits = weightEditTerms([{ artifact: ap, strength: 0.1 }, { artifact: aq, strength: -0.15 }]);
  const out = writeWeightEdited(orig.dir, 'llama', edits, join(dir, 'merged'), {});
  const ad = peftAdapter(orig.dir, 'llama', edits, null);
  assert.equal(ad.r, 2, 'o_proj of layers 1–2 carry both edits');
  writePeftAdapter(join(dir, 'adapter'), ad, {});
  const cfg = JSON.parse(readFileSync(join(dir, 'adapter', ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>;
  assert.deepEqual([cfg['r'], cfg['lora_alpha']], [2, 2]);
  const { worst, modules } = checkAdapterRebuildsMerged(orig.dir, out.out, join(dir, 'adapter'));
  assert.equal(modules.length, out.edited.length);
  assert.ok(worst < 1e-6, `W + B·A vs merged: ${worst}`);
  const hooks = hooksFor([...artifactInterventions(ap, orig.model, { strength: 0.1 }), ...artifactInterventions(aq, orig.model, { strength: -0.15 })], orig.model.arch.layers);
  const ed = await loadModel(out.out);
  const ids = [1, 403, 407, 261, 378, 426, 300, 9];
  assert.ok(maxAbsDiff(logits(ed.model, ids), logits(orig.model, ids, hooks)) < 1e-5);
});

/** A weight-edit artifact with random factors on layer 0's o_proj and layer 1's down_proj of a fixture model. */
function randomEdit(model: DecoderModel, seed: number) {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const a = model.arch;
  const vec = (n: number, scale: number) => Float32Array.from({ length: n }, () => scale * rnd());
  return buildArtifact({
    name: 'random-edit',
    method: 'steer2edit',
    settings: {},
    model,
    interventions: [
      { site: 'layers.0.attn.out', kind: 'weight-edit', positions: 'all', tensorPrefix: 'layers.0.attn.o_proj', tensors: { delta_u: { data: vec(a.hidden, 0.3) }, delta_k: { data: vec(a.heads * a.headDim, 0.5) } }, defaultStrength: 1, range: [-1, 1] },
      { site: 'layers.1.mlp.out', kind: 'weight-edit', positions: 'all', tensorPrefix: 'layers.1.mlp.down_proj', tensors: { delta_u: { data: vec(a.hidden, 0.3) }, delta_k: { data: vec(a.intermediate, 0.5) } }, defaultStrength: 1, range: [-1, 1] },
    ],
    training: { data_hash: null, examples: 0, steps: 0, seed: null, final_loss: null },
  });
}

for (const [fixture, modules] of [
  ['qwen2-f32', ['model.layers.0.self_attn.o_proj', 'model.layers.1.mlp.down_proj']],
  ['gpt2-f32', ['transformer.h.0.attn.c_proj', 'transformer.h.1.mlp.c_proj']],
] as const) {
  test(`${fixture}: merged weights equal the hooks and the adapter rebuilds them (${fixture.startsWith('gpt2') ? "Conv1D [in, out], fan_in_fan_out" : 'nn.Linear [out, in]'})`, async () => {
    const base = join(PARITY, fixture);
    const m = await loadModel(base);
    const dir = mkdtempSync(join(tmpdir(), `peft-${fixture}-`));
    const file = join(dir, 'e.steer.safetensors');
    saveArtifact(file, randomEdit(m.model, 7));
    const art = loadArtifact(file);
    const edits = weightEditTerms([{ artifact: art, strength: 0.8 }]);
    const out = writeWeightEdited(base, m.config.modelType, edits, join(dir, 'merged'), {});
    const ad = peftAdapter(base, m.config.modelType, edits, 'org/base');
    assert.deepEqual(ad.modules, modules);
    assert.equal(ad.config['fan_in_fan_out'], fixture.startsWith('gpt2'));
    assert.equal(ad.config['base_model_name_or_path'], 'org/base');
    writePeftAdapter(join(dir, 'adapter'), ad, {});
    const { worst } = checkAdapterRebuildsMerged(base, out.out, join(dir, 'adapter'));
    assert.ok(worst < 1e-6, `W + B·A vs merged: ${worst}`);
    const ed = await loadModel(out.out);
    const ids = [1, 5, 9, 30, 2, 17, 44];
    const hooks = hooksFor(artifactInterventions(art, m.model, { strength: 0.8 }), m.model.arch.layers);
    const want = logits(m.model, ids, hooks);
    assert.ok(maxAbsDiff(want, logits(m.model, ids)) > 1e-3, 'the edit moves the logits');
    const diff = maxAbsDiff(logits(ed.model, ids), want);
    assert.ok(diff < 1e-5, `merged vs hooks: ${diff}`);
  });
}

test('exports refuse what is not a weight edit, mixtures, Gemma, and folders that exist', async () => {
  assert.throws(() => matrixName(['model.layers.0.self_attn.o_proj.weight'], 'gemma2', 0, 'o_proj'), /weight edits export for llama, mistral, qwen2, qwen3, gpt2/);
  assert.throws(() => matrixName(['model.layers.0.self_attn.o_proj.weight'], 'llama', 1, 'o_proj'), /no tensors matching .* for the o_proj of layer 1/);
  const dir = mkdtempSync(join(tmpdir(), 'peft-bad-'));
  const [edit, abl] = [join(dir, 'e.steer.safetensors'), join(dir, 'a.steer.safetensors')];
  assert.equal((await cli(['train', 'steer2edit', '--model', STORIES, '--data', DOG_DATA, '--out', edit, '--rho-attn', '0.5', '--rho-mlp', '-1', '--alpha', '0.5'])).code, 0);
  assert.equal((await cli(['train', 'ablation', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.2.resid_post', '--out', abl])).code, 0);
  const mixed = await cli(['export', 'merged', '--model', STORIES, '--steer', edit, '--steer', abl, '--out', join(dir, 'x')]);
  assert.notEqual(mixed.code, 0);
  assert.match(mixed.stderr, /its ablate intervention at layers\.0\.resid_pre is not a weight edit/);
  const peftAbl = await cli(['export', 'peft', '--model', STORIES, '--steer', abl, '--out', join(dir, 'y')]);
  assert.match(peftAbl.stderr, /is not a weight edit/);
  const gguf = await cli(['export', 'gguf', '--steer', edit, '--out', join(dir, 'e.gguf')]);
  assert.match(gguf.stderr, /write it with steerling export merged .* or steerling export peft/);
  const ok = await cli(['export', 'peft', '--model', STORIES, '--steer', edit, '--out', join(dir, 'z')]);
  assert.equal(ok.code, 0, ok.stderr);
  const again = await cli(['export', 'peft', '--model', STORIES, '--steer', edit, '--out', join(dir, 'z')]);
  assert.match(again.stderr, /exists and is not empty/);
});
