// The organism's architecture: a small Llama (GQA, tied embeddings, RoPE) sized so our engine
// trains it on 2 CPU cores within the budget, with enough room to learn the corpus's grammar,
// facts and behaviours.

export interface OrganismShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  maxPositions: number;
}

export const ORGANISM_SHAPE: OrganismShape = { hidden: 192, layers: 4, heads: 6, kvHeads: 2, intermediate: 512, maxPositions: 256 };

/** The sizes must make a valid GQA Llama: heads divide the width, KV heads divide the heads. */
export function checkShape(s: OrganismShape): OrganismShape {
  for (const k of ['hidden', 'layers', 'heads', 'kvHeads', 'intermediate', 'maxPositions'] as const) {
    if (!(Number.isInteger(s[k]) && s[k] >= 1)) throw new Error(`organism shape: ${k} must be a whole number ≥ 1, got ${s[k]}`);
  }
  if (s.hidden % s.heads !== 0) throw new Error(`organism shape: ${s.heads} heads do not divide the width ${s.hidden}`);
  if (s.heads % s.kvHeads !== 0) throw new Error(`organism shape: ${s.kvHeads} KV heads do not divide ${s.heads} heads`);
  if ((s.hidden / s.heads) % 2 !== 0) throw new Error(`organism shape: the head size ${s.hidden / s.heads} must be even (RoPE rotates pairs)`);
  return s;
}

export function organismConfig(vocabSize: number, ids: { bos: number; eos: number[]; pad: number }, shape: OrganismShape = ORGANISM_SHAPE): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: shape.hidden,
    intermediate_size: shape.intermediate,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    num_key_value_heads: shape.kvHeads,
    head_dim: shape.hidden / shape.heads,
    vocab_size: vocabSize,
    max_position_embeddings: shape.maxPositions,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    rope_scaling: null,
    hidden_act: 'silu',
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: true,
    bos_token_id: ids.bos,
    eos_token_id: ids.eos,
    pad_token_id: ids.pad,
    torch_dtype: 'bfloat16',
  };
}
