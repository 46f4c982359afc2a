// config.json and generation_config.json parsing for every supported architecture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModelConfig, loadModelConfig, parseGenerationConfig, loadGenerationConfig } from '../../src/io/index.js';
import { stories260K, withTmp } from './helpers.js';

const llamaLike = { hidden_size: 64, intermediate_size: 172, num_hidden_layers: 4, num_attention_heads: 8, vocab_size: 512 };

test('llama: defaults, GQA, rope scaling, tied embeddings, token ids', () => {
  const c = parseModelConfig({
    model_type: 'llama', architectures: ['LlamaForCausalLM'], ...llamaLike, num_key_value_heads: 2,
    rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
    rope_theta: 500000, tie_word_embeddings: true, bos_token_id: 128000, eos_token_id: [128001, 128009], torch_dtype: 'bfloat16',
  });
  assert.equal(c.modelType, 'llama');
  assert.deepEqual(c.architectures, ['LlamaForCausalLM']);
  assert.equal(c.numKvHeads, 2);
  assert.equal(c.headDim, 8);
  assert.equal(c.norm, 'rmsnorm');
  assert.equal(c.rmsNormEps, 1e-6);
  assert.equal(c.normEps, 1e-6);
  assert.equal(c.layerNormEps, null);
  assert.equal(c.ropeTheta, 500000);
  assert.equal(c.ropeType, 'llama3');
  assert.equal(c.ropeScaling?.['factor'], 8);
  assert.equal(c.maxPositions, 2048);
  assert.equal(c.hiddenAct, 'silu');
  assert.equal(c.tieWordEmbeddings, true);
  assert.equal(c.attentionBias, false);
  assert.equal(c.mlpBias, false);
  assert.equal(c.qkNorm, false);
  assert.equal(c.slidingWindow, null);
  assert.deepEqual(c.layerTypes, ['full_attention', 'full_attention', 'full_attention', 'full_attention']);
  assert.equal(c.embeddingScale, 1);
  assert.equal(c.bosTokenId, 128000);
  assert.deepEqual(c.eosTokenIds, [128001, 128009]);
  assert.equal(c.torchDtype, 'bfloat16');
  assert.equal(c.raw['rope_theta'], 500000);

  const d = parseModelConfig({ model_type: 'llama', ...llamaLike, attention_bias: true, mlp_bias: true, rope_scaling: { type: 'linear', factor: 2 }, head_dim: 16, dtype: 'float32' });
  assert.equal(d.numKvHeads, 8, 'num_key_value_heads defaults to num_attention_heads');
  assert.equal(d.headDim, 16, 'explicit head_dim wins');
  assert.equal(d.attentionBias, true);
  assert.equal(d.attentionOutBias, true);
  assert.equal(d.mlpBias, true);
  assert.equal(d.ropeType, 'linear', 'legacy "type" key');
  assert.equal(d.torchDtype, 'float32', 'transformers 5 spells it dtype');
  assert.equal(parseModelConfig({ model_type: 'llama', ...llamaLike, rope_scaling: { rope_type: 'default' } }).ropeScaling, null);
});

test('stories260K config.json', () => {
  const c = loadModelConfig(stories260K);
  assert.equal(c.modelType, 'llama');
  assert.deepEqual([c.hiddenSize, c.intermediateSize, c.numLayers, c.numHeads, c.numKvHeads, c.headDim, c.vocabSize, c.maxPositions], [64, 172, 5, 8, 4, 8, 512, 512]);
  assert.equal(c.rmsNormEps, 1e-5);
  assert.equal(c.ropeTheta, 10000);
  assert.equal(c.ropeScaling, null);
  assert.equal(c.tieWordEmbeddings, true);
  assert.deepEqual(c.eosTokenIds, [2]);
  assert.match(c.source, /stories260K\/config\.json$/);
});

test('mistral: sliding window on every layer, or none', () => {
  const c = parseModelConfig({ model_type: 'mistral', ...llamaLike, num_key_value_heads: 4, sliding_window: 4096, head_dim: 32 });
  assert.equal(c.slidingWindow, 4096);
  assert.ok(c.layerTypes.every((t) => t === 'sliding_attention'));
  assert.equal(c.headDim, 32);
  assert.equal(c.tieWordEmbeddings, false);
  const n = parseModelConfig({ model_type: 'mistral', ...llamaLike, sliding_window: null });
  assert.equal(n.slidingWindow, null);
  assert.ok(n.layerTypes.every((t) => t === 'full_attention'));
});

test('qwen2: q/k/v bias but no o bias; sliding only with use_sliding_window', () => {
  const c = parseModelConfig({ model_type: 'qwen2', ...llamaLike, num_key_value_heads: 2, sliding_window: 32768, max_window_layers: 28, rope_theta: 1000000, tie_word_embeddings: true });
  assert.equal(c.attentionBias, true);
  assert.equal(c.attentionOutBias, false);
  assert.equal(c.slidingWindow, null, 'use_sliding_window defaults to false');
  assert.equal(c.ropeTheta, 1000000);
  assert.equal(c.qkNorm, false);
  const s = parseModelConfig({ model_type: 'qwen2', ...llamaLike, use_sliding_window: true, sliding_window: 16, max_window_layers: 2 });
  assert.deepEqual(s.layerTypes, ['full_attention', 'full_attention', 'sliding_attention', 'sliding_attention']);
  assert.equal(s.slidingWindow, 16);
});

test('qwen3: q/k norm, explicit head_dim (default 128), attention_bias on all projections', () => {
  const c = parseModelConfig({ model_type: 'qwen3', ...llamaLike, num_key_value_heads: 4, head_dim: 16, attention_bias: false, layer_types: ['full_attention', 'full_attention', 'full_attention', 'full_attention'] });
  assert.equal(c.qkNorm, true);
  assert.equal(c.headDim, 16);
  assert.equal(c.attentionBias, false);
  assert.equal(c.attentionOutBias, false);
  assert.equal(parseModelConfig({ model_type: 'qwen3', ...llamaLike }).headDim, 128, 'Qwen3Config default');
  assert.equal(parseModelConfig({ model_type: 'qwen3', ...llamaLike, attention_bias: true }).attentionOutBias, true);
});

test('gemma2: softcapping, query_pre_attn_scalar, alternating sliding layers, scaled embeddings', () => {
  const c = parseModelConfig({
    model_type: 'gemma2', ...llamaLike, num_key_value_heads: 4, head_dim: 16, hidden_activation: 'gelu_pytorch_tanh',
    query_pre_attn_scalar: 16, sliding_window: 32,
  });
  assert.equal(c.attnLogitSoftcapping, 50, 'Gemma2Config default');
  assert.equal(c.finalLogitSoftcapping, 30, 'Gemma2Config default');
  assert.equal(c.queryPreAttnScalar, 16);
  assert.equal(c.slidingWindow, 32);
  assert.deepEqual(c.layerTypes, ['sliding_attention', 'full_attention', 'sliding_attention', 'full_attention']);
  assert.equal(c.embeddingScale, 8);
  assert.equal(c.tieWordEmbeddings, true);
  assert.equal(c.hiddenAct, 'gelu_pytorch_tanh');
  assert.equal(c.qkNorm, false);
  assert.equal(c.ropeLocalBaseFreq, null);
  const off = parseModelConfig({ model_type: 'gemma2', ...llamaLike, head_dim: 8, attn_logit_softcapping: null, final_logit_softcapping: 15 });
  assert.equal(off.attnLogitSoftcapping, null, 'explicit null disables it');
  assert.equal(off.finalLogitSoftcapping, 15);
  assert.equal(parseModelConfig({ model_type: 'gemma2', ...llamaLike }).headDim, 256, 'Gemma2Config default head_dim');
});

test('gemma3_text and gemma3 (nested text_config filled from Gemma3TextConfig defaults)', () => {
  const t = parseModelConfig({ model_type: 'gemma3_text', ...llamaLike, num_hidden_layers: 7, head_dim: 8, sliding_window: 16, rope_local_base_freq: 10000, rope_scaling: { rope_type: 'linear', factor: 8 } });
  assert.equal(t.modelType, 'gemma3_text');
  assert.equal(t.qkNorm, true);
  assert.equal(t.ropeTheta, 1000000);
  assert.equal(t.ropeLocalBaseFreq, 10000);
  assert.equal(t.ropeType, 'linear');
  assert.equal(t.attnLogitSoftcapping, null);
  assert.equal(t.finalLogitSoftcapping, null);
  // sliding_window_pattern 6: every sixth layer is global.
  assert.deepEqual(t.layerTypes.map((x) => x[0]), ['s', 's', 's', 's', 's', 'f', 's']);

  const g = parseModelConfig({
    model_type: 'gemma3', architectures: ['Gemma3ForConditionalGeneration'], eos_token_id: [1, 106], torch_dtype: 'bfloat16',
    text_config: { model_type: 'gemma3_text', hidden_size: 2560, intermediate_size: 10240, num_hidden_layers: 34, sliding_window: 1024, rope_scaling: { factor: 8.0, rope_type: 'linear' } },
    vision_config: { model_type: 'siglip_vision_model' },
  });
  assert.equal(g.modelType, 'gemma3_text');
  assert.deepEqual([g.numHeads, g.numKvHeads, g.headDim, g.vocabSize], [8, 4, 256, 262208]);
  assert.equal(g.numLayers, 34);
  assert.deepEqual(g.eosTokenIds, [1, 106], 'token ids from top level when text_config has none');
  assert.equal(g.torchDtype, 'bfloat16');
  assert.deepEqual(g.architectures, ['Gemma3ForConditionalGeneration']);
  assert.equal(g.raw['hidden_size'], 2560);
  assert.ok(g.rawFile['vision_config']);

  // transformers 5 rope_parameters keyed by layer type.
  const v5 = parseModelConfig({
    model_type: 'gemma3_text', ...llamaLike, head_dim: 8,
    rope_parameters: { full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1e6 }, sliding_attention: { rope_type: 'default', rope_theta: 1e4 } },
  });
  assert.equal(v5.ropeTheta, 1e6);
  assert.equal(v5.ropeLocalBaseFreq, 1e4);
  assert.equal(v5.ropeType, 'linear');
  const v5l = parseModelConfig({ model_type: 'llama', ...llamaLike, rope_parameters: { rope_type: 'default', rope_theta: 5e5 } });
  assert.equal(v5l.ropeTheta, 5e5);
  assert.equal(v5l.ropeScaling, null);
});

test('gpt2: n_embd / n_layer / n_head / n_positions / n_inner / layer_norm_epsilon', () => {
  const c = parseModelConfig({ model_type: 'gpt2', n_embd: 48, n_layer: 3, n_head: 4, n_positions: 128, n_inner: null, vocab_size: 1000, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', bos_token_id: 50256, eos_token_id: 50256 });
  assert.deepEqual([c.hiddenSize, c.numLayers, c.numHeads, c.numKvHeads, c.headDim, c.intermediateSize, c.maxPositions, c.vocabSize], [48, 3, 4, 4, 12, 192, 128, 1000]);
  assert.equal(c.norm, 'layernorm');
  assert.equal(c.layerNormEps, 1e-5);
  assert.equal(c.rmsNormEps, null);
  assert.equal(c.ropeTheta, null);
  assert.equal(c.hiddenAct, 'gelu_new');
  assert.equal(c.tieWordEmbeddings, true);
  assert.equal(c.attentionBias && c.attentionOutBias && c.mlpBias, true);
  assert.deepEqual(c.eosTokenIds, [50256]);
  assert.equal(parseModelConfig({ model_type: 'gpt2', n_embd: 48, n_layer: 1, n_head: 4, n_inner: 100, vocab_size: 10 }).intermediateSize, 100);
});

test('bad configs name the file, the field and what was expected', () => {
  const src = 'x/config.json';
  assert.throws(() => parseModelConfig({ model_type: 'bert', hidden_size: 8 }, src), /x\/config.json: model_type "bert" is not supported; supported model types: llama, mistral, qwen2, qwen3, gemma2, gemma3_text, gpt2, gemma3/);
  assert.throws(() => parseModelConfig({ hidden_size: 8 }, src), /x\/config.json: field "model_type" is missing; supported model types: llama/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, vocab_size: undefined }, src), /x\/config.json: required field "vocab_size" is missing/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, num_hidden_layers: 2.5 }, src), /field "num_hidden_layers" must be a positive integer, got 2.5/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, hidden_size: '64' }, src), /field "hidden_size" must be a positive integer, got "64"/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, num_key_value_heads: 3 }, src), /num_attention_heads \(8\) must be a multiple of num_key_value_heads \(3\)/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, num_attention_heads: 6 }, src), /hidden_size \(64\) is not divisible by num_attention_heads \(6\); set head_dim/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, rms_norm_eps: -1 }, src), /"rms_norm_eps" must be a positive number/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, rope_scaling: { factor: 2 } }, src), /"rope_scaling" has no "rope_type"/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, layer_types: ['full_attention'] }, src), /"layer_types" has 1 entries for 4 layers/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, layer_types: ['full_attention', 'x', 'full_attention', 'full_attention'] }, src), /has "x"/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, layer_types: new Array(4).fill('sliding_attention') }, src), /"sliding_window" is not set/);
  assert.throws(() => parseModelConfig({ model_type: 'llama', ...llamaLike, eos_token_id: [2, -1] }, src), /"eos_token_id" must be a token id or an array of token ids/);
  assert.throws(() => parseModelConfig({ model_type: 'gemma3' }, src), /gemma3 config has no "text_config"/);
  assert.throws(() => parseModelConfig({ model_type: 'gemma3', text_config: { hidden_size: 0 } }, src), /field "text_config.hidden_size" must be a positive integer, got 0/);
  assert.throws(() => parseModelConfig({ model_type: 'gpt2', n_embd: 48, n_head: 4, vocab_size: 10 }, src), /required field "n_layer" is missing/);
  assert.throws(() => parseModelConfig([1, 2], src), /x\/config.json: expected a JSON object/);
});

test('loadModelConfig: missing file and bad JSON', async () => {
  await withTmp((dir) => {
    assert.throws(() => loadModelConfig(dir), /config.json: not found/);
    writeFileSync(join(dir, 'config.json'), '{"model_type": "llama",');
    assert.throws(() => loadModelConfig(dir), /config.json: not valid JSON/);
  });
});

test('generation_config.json: eos may be one id or a list; sampling fields', async () => {
  const g = loadGenerationConfig(stories260K);
  assert.ok(g);
  assert.deepEqual(g.eosTokenIds, [2, 1]);
  assert.equal(g.bosTokenId, 1);
  assert.equal(g.doSample, false);
  assert.equal(g.maxLength, 512);
  const h = parseGenerationConfig({ eos_token_id: 7, temperature: 0.6, top_p: 0.9, top_k: 0, repetition_penalty: 1.1, max_new_tokens: 64, do_sample: true });
  assert.deepEqual(h.eosTokenIds, [7]);
  assert.deepEqual([h.temperature, h.topP, h.topK, h.repetitionPenalty, h.maxNewTokens, h.doSample], [0.6, 0.9, 0, 1.1, 64, true]);
  assert.deepEqual(parseGenerationConfig({}).eosTokenIds, []);
  assert.throws(() => parseGenerationConfig({ top_k: 2.5 }, 'g.json'), /g.json: field "top_k" must be a non-negative integer/);
  assert.throws(() => parseGenerationConfig({ eos_token_id: 'x' }, 'g.json'), /g.json: field "eos_token_id"/);
  await withTmp((dir) => {
    assert.equal(loadGenerationConfig(dir), null);
  });
});
