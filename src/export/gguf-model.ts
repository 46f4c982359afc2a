// A Hugging Face Llama checkpoint as a llama.cpp model file (GGUF, architecture "llama"), so that
// llama.cpp runs the same weights as steerling (bench/compare-llamacpp.mjs). What llama.cpp expects,
// as its convert_hf_to_gguf.py writes it:
//  - tensors named token_embd, blk.N.{attn_norm, attn_q, attn_k, attn_v, attn_output, ffn_norm,
//    ffn_gate, ffn_up, ffn_down}, output_norm and output (left out when the embedding is tied:
//    llama.cpp then reads the LM head from token_embd); dims ne[0] first, so a [out, in] matrix
//    keeps its bytes and is written as [in, out];
//  - q and k rows permuted per head from Hugging Face's rotate-half RoPE (pairs i, i + d/2) to the
//    interleaved pairs (2i, 2i + 1) that llama.cpp's llama architecture rotates;
//  - 1-D tensors (the norms) in f32 whatever the file type, matrices in the chosen type;
//  - llama.* hyperparameters and tokenizer.ggml.* (gguf-vocab.ts).

import { basename, resolve } from 'node:path';
import { Checkpoint } from '../io/checkpoint.js';
import { loadModelConfig, type ModelConfig } from '../io/config.js';
import type { Tensor } from '../tensor/tensor.js';
import { f32ToBf16Bits, f32ToF16Bits, toFloatArray } from '../tensor/dtype.js';
import { writeGGUF, type GGUFFile, type GGUFTensor, type GGUFTensorType, type GGUFValue } from './gguf.js';
import { llamaVocabMetadata } from './gguf-vocab.js';

/** llama_ftype of a file whose matrices are all of one type. */
const FILE_TYPE: Record<GGUFTensorType, number> = { f32: 0, f16: 1, bf16: 32 };

export const GGUF_MODEL_TYPES: readonly GGUFTensorType[] = ['f32', 'f16', 'bf16'];

/**
 * Rows of a [heads · headDim, cols] projection reordered per head from rotate-half to interleaved
 * RoPE pairs: new row 2i is old row i, new row 2i + 1 is old row headDim/2 + i.
 */
export function permuteRopeRows<T extends Float32Array | Uint16Array>(w: T, heads: number, headDim: number): T {
  const cols = w.length / (heads * headDim);
  if (!Number.isInteger(cols) || headDim % 2 !== 0) throw new Error(`gguf model: cannot permute ${w.length} values as ${heads} heads of ${headDim} rows`);
  const out = new (w.constructor as new (n: number) => T)(w.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (const j of [0, 1]) {
        const from = (h * headDim + j * half + i) * cols;
        out.set(w.subarray(from, from + cols), (h * headDim + 2 * i + j) * cols);
      }
    }
  }
  return out;
}

/** A weight in the file's type: half types keep their bits when the checkpoint has the same type. */
function convert(t: Tensor, type: GGUFTensorType): Float32Array | Uint16Array {
  if (type === t.dtype) return (t.data as Float32Array | Uint16Array).slice();
  const f = toFloatArray(t.data, t.dtype, 'f32') as Float32Array;
  if (type === 'f32') return f;
  const narrow = type === 'bf16' ? f32ToBf16Bits : f32ToF16Bits;
  const out = new Uint16Array(f.length);
  for (let i = 0; i < f.length; i++) out[i] = narrow(f[i]!);
  return out;
}

function tensorOf(name: string, shape: readonly number[], data: Float32Array | Uint16Array, type: GGUFTensorType): GGUFTensor {
  const dims = [...shape].reverse();
  return type === 'f32' ? { name, dims, data: data as Float32Array } : { name, dims, type, data: data as Uint16Array };
}

function checkSupported(cfg: ModelConfig): void {
  const why =
    cfg.modelType !== 'llama' ? `model_type "${cfg.modelType}"`
    : cfg.ropeScaling !== null ? `rope_scaling of type "${cfg.ropeType}"`
    : cfg.attentionBias || cfg.attentionOutBias ? 'attention biases'
    : cfg.mlpBias ? 'MLP biases'
    : cfg.hiddenAct !== 'silu' ? `activation "${cfg.hiddenAct}"`
    : cfg.qkNorm ? 'q/k norms'
    : null;
  if (why) throw new Error(`${cfg.source}: ${why} is not written by the GGUF model writer (plain Llama checkpoints only)`);
}

function hyperparameters(cfg: ModelConfig, name: string, type: GGUFTensorType): Map<string, GGUFValue> {
  const u32 = (value: number): GGUFValue => ({ type: 'uint32', value });
  const f32 = (value: number): GGUFValue => ({ type: 'float32', value });
  return new Map<string, GGUFValue>([
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: name }],
    ['general.file_type', u32(FILE_TYPE[type])],
    ['llama.vocab_size', u32(cfg.vocabSize)],
    ['llama.context_length', u32(cfg.maxPositions)],
    ['llama.embedding_length', u32(cfg.hiddenSize)],
    ['llama.block_count', u32(cfg.numLayers)],
    ['llama.feed_forward_length', u32(cfg.intermediateSize)],
    ['llama.attention.head_count', u32(cfg.numHeads)],
    ['llama.attention.head_count_kv', u32(cfg.numKvHeads)],
    ['llama.attention.key_length', u32(cfg.headDim)],
    ['llama.attention.value_length', u32(cfg.headDim)],
    ['llama.rope.dimension_count', u32(cfg.headDim)],
    ['llama.rope.freq_base', f32(cfg.ropeTheta ?? 10000)],
    ['llama.attention.layer_norm_rms_epsilon', f32(cfg.normEps)],
  ]);
}

/** The GGUF model of a Llama checkpoint folder, its matrices in `type`. */
export function llamaGGUF(dir: string, type: GGUFTensorType): GGUFFile {
  if (!GGUF_MODEL_TYPES.includes(type)) throw new Error(`gguf model: type must be one of ${GGUF_MODEL_TYPES.join(', ')}, got "${type}"`);
  const cfg = loadModelConfig(dir);
  checkSupported(cfg);
  const ckpt = Checkpoint.open(dir);
  try {
    const left = new Set(ckpt.keys().filter((k) => !k.endsWith('.rotary_emb.inv_freq')));
    const take = (hf: string, name: string, permuteHeads?: number): GGUFTensor => {
      if (!left.delete(hf)) throw new Error(`${dir}: the checkpoint has no tensor "${hf}"`);
      const t = ckpt.get(hf);
      const own = t.shape.length === 1 ? 'f32' : type;
      let data = convert(t, own);
      if (permuteHeads !== undefined) data = permuteRopeRows(data, permuteHeads, cfg.headDim);
      return tensorOf(name, t.shape, data, own);
    };
    const tensors: GGUFTensor[] = [take('model.embed_tokens.weight', 'token_embd.weight')];
    for (let i = 0; i < cfg.numLayers; i++) {
      const p = `model.layers.${i}.`;
      const b = `blk.${i}.`;
      tensors.push(
        take(p + 'input_layernorm.weight', b + 'attn_norm.weight'),
        take(p + 'self_attn.q_proj.weight', b + 'attn_q.weight', cfg.numHeads),
        take(p + 'self_attn.k_proj.weight', b + 'attn_k.weight', cfg.numKvHeads),
        take(p + 'self_attn.v_proj.weight', b + 'attn_v.weight'),
        take(p + 'self_attn.o_proj.weight', b + 'attn_output.weight'),
        take(p + 'post_attention_layernorm.weight', b + 'ffn_norm.weight'),
        take(p + 'mlp.gate_proj.weight', b + 'ffn_gate.weight'),
        take(p + 'mlp.up_proj.weight', b + 'ffn_up.weight'),
        take(p + 'mlp.down_proj.weight', b + 'ffn_down.weight'),
      );
    }
    tensors.push(take('model.norm.weight', 'output_norm.weight'));
    if (ckpt.has('lm_head.weight')) tensors.push(take('lm_head.weight', 'output.weight'));
    else if (!cfg.tieWordEmbeddings) throw new Error(`${dir}: no lm_head.weight and tie_word_embeddings is false`);
    if (left.size) throw new Error(`${dir}: tensor "${[...left][0]}" has no place in a llama GGUF (${left.size} left over)`);
    const metadata = hyperparameters(cfg, basename(resolve(dir)), type);
    for (const [k, v] of llamaVocabMetadata(dir, cfg)) metadata.set(k, v);
    return { metadata, tensors };
  } finally {
    ckpt.close();
  }
}

/** Writes the GGUF model of a Llama checkpoint folder; returns the tensor count. */
export function writeLlamaGGUF(dir: string, out: string, type: GGUFTensorType): { tensors: number } {
  const file = llamaGGUF(dir, type);
  writeGGUF(out, file);
  return { tensors: file.tensors.length };
}
