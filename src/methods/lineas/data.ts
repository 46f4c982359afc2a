// LinEAS's data: unpaired source texts (label 0: what the model does now) and target texts
// (label 1: the behaviour wanted), as token ids with the range of tokens whose activations form the
// distributions (the completion: the reply of a chat-rendered pair, the text after BOS of a
// labelled text). One forward pass gives every site's activation and the flat rows of those tokens;
// pooling turns them into the samples the transport compares.

import type { ConceptData } from '../../data/concept-data.js';
import type { Tokenizer } from '../../tokenizer/index.js';
import type { DecoderModel } from '../../models/decoder.js';
import { fromStorage, type Tensor } from '../../tensor/tensor.js';
import * as ops from '../../tensor/ops/index.js';
import type { Hooks } from '../../models/hooks.js';
import type { TokenizedExample, Reduce } from '../../activations/collect.js';
import { tokenizeExamples } from '../../activations/tokenize.js';
import { padBatch } from '../cdas/batch.js';

export interface LineasTexts {
  source: TokenizedExample[];
  target: TokenizedExample[];
}

export function lineasTexts(data: ConceptData, tok: Tokenizer, o: { chat?: boolean; maxPositions: number }): LineasTexts {
  const split = (label: 0 | 1) => tokenizeExamples(tok, data.examples.filter((e) => e.label === label), { chat: o.chat ?? false });
  const source = split(0);
  const target = split(1);
  for (const e of [...source, ...target]) {
    if (e.ids.length > o.maxPositions) throw new Error(`lineas: a text has ${e.ids.length} tokens, more than the model's context (${o.maxPositions})`);
  }
  return { source, target };
}

export interface SiteActivations {
  /** Per site, the activation [B, T, d] as the forward left it (after that site's map, if any). */
  bySite: Map<string, Tensor>;
  /** Per text, the flat rows (b·T + t) of its distribution's tokens, for every site alike. */
  groups: number[][];
}

/**
 * How token activations become samples of the distributions (the --reduce of the other methods):
 * 'mean', one sample per text (the mean over its tokens); 'last', its last token; 'all', every
 * token a sample.
 */
export type Pooling = Reduce;

/** The samples [n, d] of one site's activation h [B, T, d] (differentiable in h). */
export function poolSamples(h: Tensor, groups: readonly number[][], pooling: Pooling): Tensor {
  const d = h.shape[h.rank - 1]!;
  const flat = ops.reshape(h, [h.size / d, d]);
  if (pooling !== 'mean') {
    const rows = pooling === 'all' ? groups.flat() : groups.map((g) => g[g.length - 1]!);
    return ops.embedding(flat, fromStorage(Int32Array.from(rows), [rows.length], 'i32'));
  }
  // Mean per text: an averaging matrix [texts, B·T] times the rows.
  const N = h.size / d;
  const avg = new Float32Array(groups.length * N);
  groups.forEach((g, i) => g.forEach((r) => (avg[i * N + r] = 1 / g.length)));
  return ops.matmul(fromStorage(avg, [groups.length, N], 'f32'), flat);
}

/**
 * Runs the texts as one padded batch through the blocks up to the deepest site, with `hooks` (the
 * maps, when training) installed first and a reader after them at every site.
 */
export function siteActivations(model: DecoderModel, texts: readonly TokenizedExample[], sites: readonly string[], hooks: Hooks, stopAfter: number, padId: number): SiteActivations {
  const p = padBatch(texts.map((e) => e.ids), padId);
  const bySite = new Map<string, Tensor>();
  const removers = sites.map((s) => hooks.add(s, (h) => void bySite.set(s, h)));
  try {
    model.forward(p.ids, { hooks, padding: p.padding, stopAfterLayer: stopAfter });
  } finally {
    removers.forEach((r) => r());
  }
  const groups = texts.map((e, b) => Array.from({ length: e.end - e.start }, (_, k) => b * p.T + p.pad[b]! + e.start + k));
  return { bySite, groups };
}
