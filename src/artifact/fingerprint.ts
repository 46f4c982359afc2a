// What an artifact records about the model it was fitted on, so loading it onto another model is
// refused with a reason: architecture numbers, a hash of the config's math-relevant fields, and a
// hash of the weights that produce the intervened activations (embeddings and blocks up to the
// deepest intervened layer).

import { createHash } from 'node:crypto';
import type { DecoderModel } from '../models/decoder.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Norm } from '../models/arch.js';

export interface ModelFingerprint {
  model_type: string;
  hidden_size: number;
  num_layers: number;
  vocab_size: number;
  config_hash: string;
  /** sha256 over the weights of embed and blocks 0..weights_through_layer. */
  weights_hash: string;
  weights_through_layer: number;
  hub_id: string | null;
}

function hashTensor(h: ReturnType<typeof createHash>, t: Tensor | null): void {
  if (!t) return;
  h.update(`${t.dtype}[${t.shape.join(',')}]`);
  const d = t.data;
  h.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
}

function hashNorm(h: ReturnType<typeof createHash>, n: Norm | null): void {
  if (n) {
    hashTensor(h, n.w);
    hashTensor(h, n.b);
  }
}

export function configHash(model: DecoderModel): string {
  const a = model.arch;
  const fields = {
    modelType: a.modelType, hidden: a.hidden, layers: a.layers, heads: a.heads, kvHeads: a.kvHeads, headDim: a.headDim,
    intermediate: a.intermediate, vocab: a.vocab, norm: a.norm, normEps: a.normEps, normOffset: a.normOffset,
    embedScale: a.embedScale, act: a.act, gatedMlp: a.gatedMlp, attnScale: a.attnScale, attnSoftcap: a.attnSoftcap,
    finalSoftcap: a.finalSoftcap,
  };
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
}

export function weightsHash(model: DecoderModel, throughLayer: number): string {
  const h = createHash('sha256');
  const w = model.weights;
  hashTensor(h, w.embed);
  hashTensor(h, w.posEmbed);
  for (let i = 0; i <= Math.min(throughLayer, w.layers.length - 1); i++) {
    const L = w.layers[i]!;
    for (const n of [L.inputNorm, L.qNorm, L.kNorm, L.postAttnNorm, L.mlpNorm, L.postMlpNorm]) hashNorm(h, n);
    for (const l of [L.q, L.k, L.v, L.o, L.gate, L.up, L.down]) {
      if (!l) continue;
      hashTensor(h, l.w);
      hashTensor(h, l.b);
    }
  }
  return h.digest('hex').slice(0, 16);
}

export function fingerprint(model: DecoderModel, throughLayer: number, hubId: string | null = null): ModelFingerprint {
  return {
    model_type: model.arch.modelType,
    hidden_size: model.arch.hidden,
    num_layers: model.arch.layers,
    vocab_size: model.arch.vocab,
    config_hash: configHash(model),
    weights_hash: weightsHash(model, throughLayer),
    weights_through_layer: throughLayer,
    hub_id: hubId,
  };
}

/** Why an artifact fitted on `fp` cannot be used on `model`, or null when it can. */
export function mismatch(fp: ModelFingerprint, model: DecoderModel): string | null {
  const a = model.arch;
  if (fp.model_type !== a.modelType) return `it was fitted on a ${fp.model_type} model, this is ${a.modelType}`;
  if (fp.hidden_size !== a.hidden) return `it was fitted on hidden size ${fp.hidden_size}, this model has ${a.hidden}`;
  if (fp.num_layers !== a.layers) return `it was fitted on a ${fp.num_layers}-layer model, this one has ${a.layers}`;
  if (fp.config_hash !== configHash(model)) return 'the model config differs from the one it was fitted on';
  if (fp.weights_hash !== weightsHash(model, fp.weights_through_layer)) return `the weights of layers 0..${fp.weights_through_layer} differ from the ones it was fitted on${fp.hub_id ? ` (${fp.hub_id})` : ''}`;
  return null;
}
