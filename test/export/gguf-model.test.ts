// The GGUF model writer (src/export/gguf-model.ts, gguf-vocab.ts): a tiny random Llama written and
// read back with our own reader (metadata, tensor names, layouts, types, values), the q/k row order
// checked against the RoPE each side applies, stories260K's vocabulary, an independent reader
// (@huggingface/gguf) on the same bytes, and refusals. llama.cpp itself runs the files in
// bench/compare-llamacpp.mjs, not here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gguf } from '@huggingface/gguf';
import { decodeGGUF, encodeGGUF, readGGUF, type GGUFFile, type GGUFTensor, type GGUFValue } from '../../src/export/gguf.js';
import { llamaGGUF, permuteRopeRows, writeLlamaGGUF } from '../../src/export/gguf-model.js';
import { TOKEN_TYPE } from '../../src/export/gguf-vocab.js';
import { writeSafetensors } from '../../src/io/safetensors-write.js';
import { fromStorage, type Tensor } from '../../src/tensor/tensor.js';
import { bf16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../src/tensor/dtype.js';
import { Rng } from '../../src/util/rng.js';
import { STORIES } from '../cli/helpers.js';

const SHAPE = { hidden: 16, heads: 4, kvHeads: 2, headDim: 4, ffn: 24, layers: 2, vocab: 300 };

/** A random Llama checkpoint folder with bf16 matrices and f32 norms, no tokenizer. */
function tinyLlama(opts: { tied?: boolean; extra?: Record<string, unknown>; extraTensor?: boolean } = {}): { dir: string; weights: Map<string, Tensor> } {
  const { hidden: d, heads: H, kvHeads: KV, headDim: hd, ffn: f, layers: L, vocab: V } = SHAPE;
  const rng = new Rng(7);
  const bf16 = (shape: number[]) => fromStorage(Uint16Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => f32ToBf16Bits(rng.normal() * 0.5)), shape, 'bf16');
  const norm = () => fromStorage(Float32Array.from({ length: d }, () => 1 + rng.normal() * 0.1), [d], 'f32');
  const w = new Map<string, Tensor>([['model.embed_tokens.weight', bf16([V, d])], ['model.norm.weight', norm()]]);
  for (let i = 0; i < L; i++) {
    const p = `model.layers.${i}.`;
    w.set(p + 'input_layernorm.weight', norm()).set(p + 'post_attention_layernorm.weight', norm());
    w.set(p + 'self_attn.q_proj.weight', bf16([H * hd, d])).set(p + 'self_attn.k_proj.weight', bf16([KV * hd, d])).set(p + 'self_attn.v_proj.weight', bf16([KV * hd, d]));
    w.set(p + 'self_attn.o_proj.weight', bf16([d, H * hd])).set(p + 'mlp.gate_proj.weight', bf16([f, d])).set(p + 'mlp.up_proj.weight', bf16([f, d])).set(p + 'mlp.down_proj.weight', bf16([d, f]));
  }
  if (!opts.tied) w.set('lm_head.weight', bf16([V, d]));
  if (opts.extraTensor) w.set('model.layers.0.self_attn.q_proj.bias', bf16([H * hd]));
  const dir = mkdtempSync(join(tmpdir(), 'gguf-model-'));
  writeSafetensors(join(dir, 'model.safetensors'), w);
  const config = {
    architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: d, intermediate_size: f, num_hidden_layers: L, num_attention_heads: H,
    num_key_value_heads: KV, head_dim: hd, vocab_size: V, max_position_embeddings: 128, rope_theta: 5000, rms_norm_eps: 1e-6, hidden_act: 'silu',
    tie_word_embeddings: opts.tied ?? false, bos_token_id: 1, eos_token_id: 2, ...opts.extra,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return { dir, weights: w };
}

const roundTrip = (f: GGUFFile) => decodeGGUF(encodeGGUF(f));
const meta = (f: GGUFFile, k: string): GGUFValue['value'] | undefined => f.metadata.get(k)?.value;
const byName = (f: GGUFFile) => new Map(f.tensors.map((t) => [t.name, t] as const));

test('a tiny Llama round-trips: llama.* metadata, tensor names and dims, norms in f32', () => {
  const { dir } = tinyLlama();
  for (const type of ['f32', 'f16', 'bf16'] as const) {
    const f = roundTrip(llamaGGUF(dir, type));
    assert.equal(meta(f, 'general.architecture'), 'llama');
    assert.equal(meta(f, 'general.file_type'), { f32: 0, f16: 1, bf16: 32 }[type]);
    const want: Record<string, number> = {
      'llama.block_count': 2, 'llama.embedding_length': 16, 'llama.feed_forward_length': 24, 'llama.attention.head_count': 4,
      'llama.attention.head_count_kv': 2, 'llama.attention.key_length': 4, 'llama.rope.dimension_count': 4, 'llama.context_length': 128, 'llama.vocab_size': 300,
    };
    for (const [k, v] of Object.entries(want)) assert.deepEqual(f.metadata.get(k), { type: 'uint32', value: v }, k);
    assert.equal(meta(f, 'llama.rope.freq_base'), 5000);
    assert.equal(meta(f, 'llama.attention.layer_norm_rms_epsilon'), Math.fround(1e-6));
    const names = f.tensors.map((t) => t.name);
    const block = (i: number) => ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down'].map((n) => `blk.${i}.${n}.weight`);
    assert.deepEqual(names, ['token_embd.weight', ...block(0), ...block(1), 'output_norm.weight', 'output.weight']);
    const t = byName(f);
    assert.deepEqual(t.get('token_embd.weight')!.dims, [16, 300], 'ne[0] is the row length');
    assert.deepEqual(t.get('blk.1.attn_k.weight')!.dims, [16, 8]);
    assert.deepEqual(t.get('blk.0.ffn_down.weight')!.dims, [24, 16]);
    assert.equal(t.get('blk.0.attn_norm.weight')!.type, undefined, 'norms stay f32');
    assert.equal(t.get('blk.0.ffn_up.weight')!.type, type === 'f32' ? undefined : type);
  }
});

test('values: bf16 keeps its bits, f32 widens them, f16 rounds them; q and k rows are permuted per head', () => {
  const { dir, weights } = tinyLlama();
  const src = (n: string) => weights.get(n)!.data as Uint16Array;
  const asBits = (t: GGUFTensor) => t.data as Uint16Array;
  const bf = byName(roundTrip(llamaGGUF(dir, 'bf16')));
  assert.deepEqual(asBits(bf.get('blk.1.ffn_gate.weight')!), src('model.layers.1.mlp.gate_proj.weight'));
  assert.deepEqual(asBits(bf.get('token_embd.weight')!), src('model.embed_tokens.weight'));
  assert.deepEqual(bf.get('blk.0.ffn_norm.weight')!.data, weights.get('model.layers.0.post_attention_layernorm.weight')!.data);
  const f32 = byName(roundTrip(llamaGGUF(dir, 'f32')));
  assert.deepEqual(f32.get('blk.0.attn_v.weight')!.data, Float32Array.from(src('model.layers.0.self_attn.v_proj.weight'), bf16BitsToF32));
  const f16 = byName(roundTrip(llamaGGUF(dir, 'f16')));
  assert.deepEqual(asBits(f16.get('blk.0.attn_output.weight')!), Uint16Array.from(src('model.layers.0.self_attn.o_proj.weight'), (b) => f32ToF16Bits(bf16BitsToF32(b))));

  // Head h's rows: new 2i ← old i, new 2i+1 ← old headDim/2 + i (headDim 4: 0,2,1,3 per head).
  const { hidden: d, headDim: hd } = SHAPE;
  for (const [name, hf, heads] of [['blk.1.attn_q.weight', 'model.layers.1.self_attn.q_proj.weight', 4], ['blk.1.attn_k.weight', 'model.layers.1.self_attn.k_proj.weight', 2]] as const) {
    const got = asBits(bf.get(name)!);
    const old = src(hf);
    for (let h = 0; h < heads; h++) {
      [0, 2, 1, 3].forEach((from, to) => assert.deepEqual(got.subarray((h * hd + to) * d, (h * hd + to + 1) * d), old.subarray((h * hd + from) * d, (h * hd + from + 1) * d), `${name} head ${h} row ${to}`));
    }
  }
});

test('the permuted q/k under interleaved RoPE (llama.cpp) give the scores of the originals under rotate-half RoPE (transformers)', () => {
  const hd = 8;
  const heads = 2;
  const cols = 5;
  const rng = new Rng(3);
  const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const wq = rand(heads * hd * cols);
  const wk = rand(heads * hd * cols);
  const x = rand(cols);
  const y = rand(cols);
  const matvec = (w: Float32Array) => (v: Float32Array) => Float64Array.from({ length: w.length / cols }, (_, r) => v.reduce((a, vj, j) => a + w[r * cols + j]! * vj, 0));
  const theta = (i: number) => 10000 ** (-2 * i / hd);
  const rotateHalf = (q: Float64Array, pos: number) => {
    const out = new Float64Array(q.length);
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < hd / 2; i++) {
        const [a, b] = [q[h * hd + i]!, q[h * hd + i + hd / 2]!];
        const [c, s] = [Math.cos(pos * theta(i)), Math.sin(pos * theta(i))];
        out[h * hd + i] = a * c - b * s;
        out[h * hd + i + hd / 2] = b * c + a * s;
      }
    }
    return out;
  };
  const interleaved = (q: Float64Array, pos: number) => {
    const out = new Float64Array(q.length);
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < hd / 2; i++) {
        const [a, b] = [q[h * hd + 2 * i]!, q[h * hd + 2 * i + 1]!];
        const [c, s] = [Math.cos(pos * theta(i)), Math.sin(pos * theta(i))];
        out[h * hd + 2 * i] = a * c - b * s;
        out[h * hd + 2 * i + 1] = a * s + b * c;
      }
    }
    return out;
  };
  const score = (q: Float64Array, k: Float64Array, h: number) => q.subarray(h * hd, (h + 1) * hd).reduce((a, v, i) => a + v * k[h * hd + i]!, 0);
  for (const [pq, pk] of [[3, 1], [7, 7], [12, 0]] as const) {
    const hfQ = rotateHalf(matvec(wq)(x), pq);
    const hfK = rotateHalf(matvec(wk)(y), pk);
    const ggQ = interleaved(matvec(permuteRopeRows(wq, heads, hd))(x), pq);
    const ggK = interleaved(matvec(permuteRopeRows(wk, heads, hd))(y), pk);
    for (let h = 0; h < heads; h++) assert.ok(Math.abs(score(hfQ, hfK, h) - score(ggQ, ggK, h)) < 1e-9, `head ${h} at positions ${pq}, ${pk}`);
  }
});

test('a tied embedding writes no output tensor; a folder without tokenizer gets placeholder tokens', () => {
  const { dir } = tinyLlama({ tied: true });
  const f = roundTrip(llamaGGUF(dir, 'bf16'));
  assert.ok(!f.tensors.some((t) => t.name === 'output.weight'), 'llama.cpp reads the LM head from token_embd');
  const tokens = meta(f, 'tokenizer.ggml.tokens') as string[];
  const types = meta(f, 'tokenizer.ggml.token_type') as Int32Array;
  assert.equal(tokens.length, 300);
  assert.equal(new Set(tokens).size, 300, 'every token text is distinct');
  assert.deepEqual([tokens[0], tokens[1], tokens[2], tokens[3], tokens[258], tokens[259]], ['<unk>', '<s>', '</s>', '<0x00>', '<0xFF>', '[tok259]']);
  assert.deepEqual([types[0], types[1], types[2], types[3], types[259]], [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control, TOKEN_TYPE.byte, TOKEN_TYPE.normal]);
  assert.equal(meta(f, 'tokenizer.ggml.model'), 'llama');
  assert.equal(meta(f, 'tokenizer.ggml.bos_token_id'), 1);
  assert.equal(meta(f, 'tokenizer.ggml.eos_token_id'), 2);
  assert.equal((meta(f, 'tokenizer.ggml.scores') as Float32Array).length, 300);
});

test("stories260K: its SentencePiece-style vocabulary, merge ranks as scores, and an independent reader's view", async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'gguf-model-')), 'stories.gguf');
  assert.deepEqual(writeLlamaGGUF(STORIES, out, 'f16'), { tensors: 47 });
  const f = readGGUF(out);
  const tokens = meta(f, 'tokenizer.ggml.tokens') as string[];
  const types = meta(f, 'tokenizer.ggml.token_type') as Int32Array;
  const scores = meta(f, 'tokenizer.ggml.scores') as Float32Array;
  assert.equal(tokens.length, 512);
  assert.deepEqual(tokens.slice(0, 4), ['<unk>', '<s>', '</s>', '<0x00>']);
  assert.deepEqual([...types.slice(0, 4)], [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control, TOKEN_TYPE.byte]);
  assert.equal(types[258], TOKEN_TYPE.byte);
  // tokenizer.json's first merges are "▁ t" then "h e": the earlier merge scores higher.
  assert.equal(scores[tokens.indexOf('▁t')], -1);
  assert.equal(scores[tokens.indexOf('he')], -2);
  assert.ok(scores[tokens.indexOf('▁the')]! < -2);
  assert.equal(meta(f, 'tokenizer.ggml.add_space_prefix'), true);
  assert.equal(meta(f, 'tokenizer.ggml.add_bos_token'), true);
  assert.equal(meta(f, 'tokenizer.ggml.unknown_token_id'), 0);
  assert.ok(!f.tensors.some((t) => t.name === 'output.weight'), 'stories260K ties its embedding');

  const r = await gguf(out, { allowLocalFile: true });
  const md = r.metadata as unknown as Record<string, unknown>;
  assert.equal(md['general.architecture'], 'llama');
  assert.equal(Number(md['llama.attention.head_count_kv']), 4);
  assert.deepEqual((md['tokenizer.ggml.tokens'] as string[]).slice(0, 3), ['<unk>', '<s>', '</s>']);
  const infos = new Map(r.tensorInfos.map((t) => [t.name, t] as const));
  assert.equal(infos.size, 47);
  assert.deepEqual(infos.get('blk.4.attn_q.weight')!.shape.map(Number), [64, 64]);
  assert.equal(Number(infos.get('blk.4.attn_q.weight')!.dtype), 1, 'GGML_TYPE_F16');
  assert.equal(Number(infos.get('output_norm.weight')!.dtype), 0, 'GGML_TYPE_F32');
  assert.deepEqual(infos.get('token_embd.weight')!.shape.map(Number), [64, 512]);
});

test('what the writer cannot express is refused, naming it', () => {
  assert.throws(() => llamaGGUF(tinyLlama({ extra: { model_type: 'qwen2' } }).dir, 'f16'), /model_type "qwen2" is not written by the GGUF model writer/);
  assert.throws(() => llamaGGUF(tinyLlama({ extra: { rope_scaling: { rope_type: 'linear', factor: 2 } } }).dir, 'f16'), /rope_scaling of type "linear"/);
  assert.throws(() => llamaGGUF(tinyLlama({ extraTensor: true }).dir, 'f16'), /tensor "model.layers.0.self_attn.q_proj.bias" has no place in a llama GGUF/);
  assert.throws(() => llamaGGUF(tinyLlama().dir, 'q8' as 'f16'), /type must be one of f32, f16, bf16/);
  const { dir } = tinyLlama();
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({ model: { type: 'WordPiece', vocab: {} } }));
  assert.throws(() => llamaGGUF(dir, 'f16'), /a WordPiece tokenizer without byte fallback; the GGUF model writer takes SentencePiece-style BPE/);
  // Weights beyond f16's range overflow to infinity: the writer names the tensor.
  const big = tinyLlama();
  const w = new Map([...big.weights].map(([k, t]) => [k, k === 'model.layers.1.mlp.up_proj.weight' ? fromStorage(new Float32Array(t.size).fill(1e6), [...t.shape], 'f32') : t]));
  writeSafetensors(join(big.dir, 'model.safetensors'), w);
  assert.throws(() => encodeGGUF(llamaGGUF(big.dir, 'f16')), /tensor "blk.1.ffn_up.weight" holds a non-finite value at 0/);
});
