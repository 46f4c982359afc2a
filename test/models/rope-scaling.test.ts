// RoPE scaling in the models: the context yarn and dynamic NTK stretch to, config errors naming the
// file and field, and what dynamic NTK does at decode time (as transformers: a cached decode keeps
// each key's rotation, so it differs from re-running the sequence once past the original length).
// Token-level agreement with the PyTorch reference is in parity.test.ts (qwen3-yarn, llama-dynamic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseModelConfig } from '../../src/io/config.js';
import { llamaArch } from '../../src/models/llama.js';
import { gemmaArch } from '../../src/models/gemma.js';
import { loadModel } from '../../src/models/load.js';
import { fromStorage, noGrad, ops } from '../../src/index.js';

const ROOT = new URL('../../../test/fixtures/parity/', import.meta.url).pathname;
const llamaLike = { model_type: 'llama', hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 100, max_position_embeddings: 32768 };
const arch = (extra: Record<string, unknown>) => llamaArch(parseModelConfig({ ...llamaLike, ...extra }, 'm/config.json'));

test('yarn and dynamic stretch the context; yarn carries its attention factor on every layer', () => {
  // Qwen2.5's card: yarn ×4 over 32768 with max_position_embeddings left at 32768.
  const qwen = arch({ rope_scaling: { type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } });
  assert.equal(qwen.maxPositions, 131072);
  assert.equal(qwen.ropeAttentionFactor(0), 0.1 * Math.log(4) + 1);
  assert.equal(qwen.ropeAttentionFactor(1), qwen.ropeAttentionFactor(0));
  assert.equal(qwen.ropeStaticUpTo, Infinity);
  // Qwen3: max_position_embeddings 40960 already; yarn reaches 131072.
  assert.equal(arch({ max_position_embeddings: 40960, rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 } }).maxPositions, 131072);
  // DeepSeek style: max_position_embeddings is the stretched length.
  assert.equal(arch({ max_position_embeddings: 163840, rope_scaling: { rope_type: 'yarn', factor: 40, original_max_position_embeddings: 4096 } }).maxPositions, 163840);
  const dyn = arch({ max_position_embeddings: 2048, rope_scaling: { rope_type: 'dynamic', factor: 2 } });
  assert.equal(dyn.maxPositions, 4096);
  assert.equal(dyn.ropeStaticUpTo, 2048);
  assert.equal(dyn.ropeAttentionFactor(0), 1);
  assert.equal(dyn.ropeInvFreq(0, 2048), dyn.ropeInvFreq(0), 'unscaled up to the original length');
  assert.notDeepEqual(dyn.ropeInvFreq(0, 3000), dyn.ropeInvFreq(0));
  assert.deepEqual(dyn.ropeInvFreq(1, 3000), ops.ropeInvFreq({ headDim: 16, theta: 10000, maxPositions: 2048, seqLen: 3000, scaling: { rope_type: 'dynamic', factor: 2 } }));
  // Unscaled and linear/llama3 models keep max_position_embeddings.
  assert.equal(arch({}).maxPositions, 32768);
  assert.equal(arch({ rope_scaling: { rope_type: 'linear', factor: 4 } }).maxPositions, 32768);
  // Gemma 3: the global layers' scaling; local layers stay unscaled (factor 1).
  const g = gemmaArch(parseModelConfig({ ...llamaLike, model_type: 'gemma3_text', num_hidden_layers: 2, head_dim: 16, sliding_window: 8, layer_types: ['sliding_attention', 'full_attention'], max_position_embeddings: 1024, rope_scaling: { rope_type: 'yarn', factor: 8 } }, 'm/config.json'));
  assert.equal(g.maxPositions, 8192);
  assert.equal(g.ropeAttentionFactor(0), 1);
  assert.equal(g.ropeAttentionFactor(1), 0.1 * Math.log(8) + 1);
});

test('bad rope scaling in a config fails in one line naming the file and the field', () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ rope_scaling: { rope_type: 'yarn', original_max_position_embeddings: 4096 } }, /^m\/config\.json: field "rope_scaling" of type 'yarn' needs a numeric 'factor', got undefined$/],
    [{ rope_scaling: { rope_type: 'dynamic', factor: 0.5 } }, /^m\/config\.json: field "rope_scaling" of type 'dynamic' needs 'factor' ≥ 1, got 0\.5$/],
    [{ rope_scaling: { type: 'longrope', factor: 2 } }, /^m\/config\.json: field "rope_scaling": rope scaling type 'longrope' is not supported \(supported: default, linear, llama3, yarn, dynamic\)$/],
    [{ rope_parameters: { rope_type: 'yarn', factor: 'big', rope_theta: 1e6 } }, /^m\/config\.json: field "rope_parameters" of type 'yarn' needs a numeric 'factor', got "big"$/],
  ];
  for (const [extra, re] of cases) assert.throws(() => arch(extra), (e: Error) => re.test(e.message));
});

test('dynamic NTK at decode time: cached keys keep their rotation, as in transformers', async () => {
  // llama-dynamic: max_position_embeddings 8. Decode one token at a time with a KV cache and
  // compare each step's logits with a full re-run of the same tokens.
  const { model } = await loadModel(join(ROOT, 'llama-dynamic-f32'));
  const { model: yarn } = await loadModel(join(ROOT, 'qwen3-yarn-f32'));
  const tokens = [1, 33, 88, 63, 19, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const gap = (m: typeof model) =>
    noGrad(() => {
      const cache = m.newCache(1, 32);
      const out: number[] = [];
      for (let t = 0; t < tokens.length; t++) {
        const step = m.forward(fromStorage(Int32Array.from([tokens[t]!]), [1, 1], 'i32'), { cache }).f;
        const full = m.forward(fromStorage(Int32Array.from(tokens.slice(0, t + 1)), [1, t + 1], 'i32'), { lastOnly: true }).f;
        out.push(Math.max(...step.map((v, i) => Math.abs(v - full[i]!))));
      }
      return out;
    });
  const d = gap(model);
  // Up to 8 positions both use the unscaled frequencies; at 9 the new token's frequencies match a
  // re-run's but the 8 cached keys were rotated with the unscaled ones.
  for (let t = 0; t < 8; t++) assert.ok(d[t]! < 1e-4, `position ${t}: ${d[t]}`);
  for (let t = 8; t < tokens.length; t++) assert.ok(d[t]! > 1e-2, `position ${t}: cached decode should differ from a re-run, got ${d[t]}`);
  // YaRN's frequencies do not depend on the length: cached decode equals a re-run throughout.
  for (const [t, v] of gap(yarn).entries()) assert.ok(v < 1e-4, `yarn position ${t}: ${v}`);
});
