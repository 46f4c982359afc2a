// Real pretrained weights (stories260K, a Llama trained on TinyStories) loaded through the same
// path as any checkpoint: greedy decoding must equal an independent numpy reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadModelConfig } from '../../src/io/config.js';
import { Checkpoint } from '../../src/io/checkpoint.js';
import { buildModel } from '../../src/models/registry.js';
import { generate } from '../../src/generate/generate.js';
import { Hooks } from '../../src/models/hooks.js';
import { tensor, noGrad, ops, fromStorage } from '../../src/index.js';
import { maxRelDiff } from '../helpers/gradcheck.js';

export const STORIES = new URL('../../../models/stories260K/', import.meta.url).pathname;

function model() {
  return buildModel(loadModelConfig(STORIES), Checkpoint.open(STORIES));
}

test('stories260K: greedy tokens from BOS equal the reference up to the first stop token', () => {
  const ref = JSON.parse(readFileSync(STORIES + 'reference-greedy.json', 'utf8')) as { token_ids: number[] };
  const want = ref.token_ids.slice(1);
  const stop = want.findIndex((t) => t === 1 || t === 2);
  const expected = stop >= 0 ? want.slice(0, stop) : want;
  const [out] = generate(model(), [[1]], { maxTokens: want.length, eosTokenIds: [1, 2] });
  assert.deepEqual(out!.tokens, expected);
  assert.equal(out!.finishReason, stop >= 0 ? 'eos' : 'length');
});

test('KV-cache decoding equals a full forward pass at every position', () => {
  const m = model();
  const ids = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376];
  noGrad(() => {
    const full = m.forward(tensor([ids], { dtype: 'i32' }));
    const cache = m.newCache(1);
    const V = m.arch.vocab;
    m.forward(tensor([ids.slice(0, 4)], { dtype: 'i32' }), { cache });
    for (let t = 4; t < ids.length; t++) {
      const step = m.forward(tensor([[ids[t]!]], { dtype: 'i32' }), { cache });
      const want = full.f.subarray(t * V, (t + 1) * V);
      assert.ok(maxRelDiff(step.f, want) < 1e-4, `position ${t}`);
    }
  });
});

test('left-padded batches give the same continuations as single prompts', () => {
  const m = model();
  const prompts = [[1, 403, 407, 261], [1, 378], [1, 432, 383, 286, 261, 376]];
  const single = prompts.map((p) => generate(m, [p], { maxTokens: 12 })[0]!.tokens);
  const batched = generate(m, prompts, { maxTokens: 12 }).map((r) => r.tokens);
  assert.deepEqual(batched, single);
});

test('hook sites: reading every site, and a write at one site changes the output', () => {
  const m = model();
  const hooks = new Hooks();
  const seen: string[] = [];
  const sites = ['embed', 'final_norm', ...[0, 4].flatMap((i) => ['resid_pre', 'attn.z', 'attn.out', 'resid_mid', 'mlp.act', 'mlp.out', 'resid_post'].map((s) => `layers.${i}.${s}`))];
  for (const s of sites) hooks.add(s, (h) => void seen.push(`${s}:${h.shape.join('x')}`));
  const ids = tensor([[1, 403, 407]], { dtype: 'i32' });
  const base = noGrad(() => m.forward(ids, { hooks }));
  assert.ok(seen.includes('layers.0.attn.z:1x3x8x8'));
  assert.ok(seen.includes('layers.4.mlp.act:1x3x172'));
  assert.ok(seen.includes('final_norm:1x3x64'));
  assert.equal(seen.length, sites.length);
  // resid_post of block 4 and final_norm's input agree: final_norm(resid_post.4) is what we saw.
  const write = new Hooks();
  write.add('layers.2.resid_post', (h) => ops.add(h, fromStorage(new Float32Array(64).fill(0.5), [64], 'f32')));
  const steered = noGrad(() => m.forward(ids, { hooks: write }));
  assert.ok(maxRelDiff(steered.f, base.f) > 1e-3, 'a write must change the logits');
  assert.throws(() => {
    const bad = new Hooks();
    bad.add('layers.0.resid_post', () => tensor([1, 2]));
    noGrad(() => m.forward(ids, { hooks: bad }));
  }, /returned shape/);
});

test('gradients flow from the logits to a residual-stream intervention with weights frozen', () => {
  const m = model();
  const v = tensor(new Array(64).fill(0), [64], { requiresGrad: true });
  const hooks = new Hooks();
  hooks.add('layers.2.resid_post', (h) => ops.add(h, v));
  const logits = m.forward(tensor([[1, 403, 407]], { dtype: 'i32' }), { hooks });
  const loss = ops.crossEntropy(ops.reshape(logits, [3, -1]), tensor([403, 407, 261], { dtype: 'i32' }));
  loss.backward();
  assert.ok(v.grad, 'the intervention got a gradient');
  assert.ok(v.grad!.toArray().some((x) => Math.abs(x) > 1e-6));
  assert.equal(m.weights.embed.grad, null, 'frozen weights get no gradient');
});
