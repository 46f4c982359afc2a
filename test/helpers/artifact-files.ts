// Artifact files written by hand, valid or not, for the loader's tests and its fuzzing: a small
// valid one (one `add` at layers.1.resid_post of a 2-layer, 8-wide model) and a writer that
// stores any metadata and tensors as they are.
import { writeSafetensors } from '../../src/io/safetensors-write.js';
import { fromStorage, type Tensor } from '../../src/tensor/tensor.js';

export const HIDDEN = 8;

export type Json = Record<string, unknown>;

/** Valid metadata for one `add` intervention whose direction is the tensor "d". */
export function validMeta(): Json {
  return {
    format: 1,
    name: 'sea',
    method: 'diffmean',
    settings: { site: 'layers.1.resid_post', reduce: 'mean' },
    model: { model_type: 'llama', hidden_size: HIDDEN, num_layers: 2, vocab_size: 32, config_hash: '0123456789abcdef', weights_hash: 'fedcba9876543210', weights_through_layer: 1, hub_id: null },
    interventions: [{ site: 'layers.1.resid_post', kind: 'add', positions: 'all', excludeBos: false, tensors: { direction: 'd' }, default_strength: 2, strength_range: [-4, 4], values: { mu_pos: 1, mu_neg: -1 } }],
    training: { data_hash: 'abcdabcdabcdabcd', examples: 8, steps: 0, seed: null, final_loss: null },
    stats: { token_norm: 3.5, auroc: [0.9, null] },
    created: '2026-01-01T00:00:00.000Z',
  };
}

export function validTensors(): Map<string, Tensor> {
  return new Map([['d', fromStorage(Float32Array.from({ length: HIDDEN }, (_, i) => (i % 3) - 1), [HIDDEN], 'f32')]]);
}

/** Writes `meta` (JSON-encoded as it is) and `tensors` as a safetensors file. */
export function writeArtifactFile(path: string, meta: unknown, tensors: Map<string, Tensor> = validTensors()): string {
  writeSafetensors(path, tensors, { steerling: JSON.stringify(meta) });
  return path;
}
