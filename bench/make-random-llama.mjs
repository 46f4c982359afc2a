#!/usr/bin/env node
// Random-weight bf16 Llama checkpoints of chosen sizes (config.json, model.safetensors; no
// tokenizer: the decode benchmarks feed token ids), for finding where the fused decode step should
// share its work between threads (bench/fused-threads.mjs). Run after `npm install`:
//
//   node bench/make-random-llama.mjs OUT_DIR PRESET      presets: s2 (2.3M weights/token), s4 (3.7M), s8 (7.8M), s20 (20M),
//                                                        smollm2-135m (SmolLM2-135M's shape, for bench/compare-forward.mjs)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { writeSafetensors } = await import(path.join(root, 'dist/src/io/safetensors-write.js'));
const { fromStorage } = await import(path.join(root, 'dist/src/tensor/tensor.js'));
const { f32ToBf16Bits } = await import(path.join(root, 'dist/src/tensor/dtype.js'));
const { Rng } = await import(path.join(root, 'dist/src/util/rng.js'));

const PRESETS = {
  s2: { hidden_size: 256, intermediate_size: 640, num_hidden_layers: 3, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 1000 },
  s4: { hidden_size: 256, intermediate_size: 768, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 2000 },
  s8: { hidden_size: 384, intermediate_size: 1024, num_hidden_layers: 4, num_attention_heads: 6, num_key_value_heads: 2, vocab_size: 4000 },
  s20: { hidden_size: 512, intermediate_size: 1536, num_hidden_layers: 6, num_attention_heads: 8, num_key_value_heads: 2, vocab_size: 4000 },
  'smollm2-135m': { hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3, vocab_size: 49152 },
};
const [out, preset] = process.argv.slice(2);
const c = PRESETS[preset];
if (!out || !c) throw new Error(`usage: make-random-llama.mjs OUT_DIR ${Object.keys(PRESETS).join('|')}`);
const config = { ...c, architectures: ['LlamaForCausalLM'], model_type: 'llama', max_position_embeddings: 512, rope_theta: 10000, rms_norm_eps: 1e-5, hidden_act: 'silu', tie_word_embeddings: true, attention_bias: false, mlp_bias: false, bos_token_id: 1, eos_token_id: 2, torch_dtype: 'bfloat16' };
const { hidden_size: d, intermediate_size: f, num_hidden_layers: L, num_attention_heads: H, num_key_value_heads: KV, vocab_size: V } = c;
const hd = d / H;
const rng = new Rng(0);
const bf16 = (shape, norm) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const bits = new Uint16Array(n);
  for (let i = 0; i < n; i++) bits[i] = f32ToBf16Bits(norm ? 1 : rng.normal() * 0.02);
  return fromStorage(bits, shape, 'bf16');
};
const t = { 'model.embed_tokens.weight': bf16([V, d]), 'model.norm.weight': bf16([d], true) };
for (let i = 0; i < L; i++) {
  const p = `model.layers.${i}.`;
  Object.assign(t, {
    [p + 'input_layernorm.weight']: bf16([d], true), [p + 'post_attention_layernorm.weight']: bf16([d], true),
    [p + 'self_attn.q_proj.weight']: bf16([H * hd, d]), [p + 'self_attn.k_proj.weight']: bf16([KV * hd, d]), [p + 'self_attn.v_proj.weight']: bf16([KV * hd, d]),
    [p + 'self_attn.o_proj.weight']: bf16([d, H * hd]), [p + 'mlp.gate_proj.weight']: bf16([f, d]), [p + 'mlp.up_proj.weight']: bf16([f, d]), [p + 'mlp.down_proj.weight']: bf16([d, f]),
  });
}
mkdirSync(out, { recursive: true });
writeSafetensors(path.join(out, 'model.safetensors'), t);
writeFileSync(path.join(out, 'config.json'), JSON.stringify(config, null, 1));
writeFileSync(path.join(out, 'generation_config.json'), JSON.stringify({ bos_token_id: 1, eos_token_id: 2 }));
console.log(`${out}: ${preset}`);
