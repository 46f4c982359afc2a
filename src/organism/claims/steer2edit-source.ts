// "The steering it came from" for a Steer2Edit edit (methods.md §3.8): Steer2Edit turns, per layer,
// the class-mean difference v = post⁺ − post⁻ at the output of o_proj and down_proj into rank-1
// weight edits. Activation steering with the same vectors adds v itself at those outputs
// (layers.N.attn.out, layers.N.mlp.out); the paper compares its edits against that.

import type { DecoderModel } from '../../models/decoder.js';
import type { Tokenizer } from '../../tokenizer/index.js';
import type { ConceptData } from '../../data/concept-data.js';
import { tokenizeExamples } from '../../activations/tokenize.js';
import { collectPreMeans } from '../../methods/steer2edit/collect.js';
import { computeEdits } from '../../methods/steer2edit/edits.js';
import { resolveOptions } from '../../methods/steer2edit/options.js';
import type { Steer2EditOptions } from '../../methods/steer2edit/options.js';
import { AddIntervention, type Intervention } from '../../intervene/index.js';
import { fromStorage } from '../../tensor/tensor.js';

export interface SourceVector {
  site: string;
  /** v = post⁺ − post⁻ at the site. */
  v: Float32Array;
}

/** Per layer and edited projection family, v at the projection's output site. */
export function steer2editSourceVectors(model: DecoderModel, tok: Tokenizer, data: ConceptData, opts: Steer2EditOptions | undefined, chat: boolean): SourceVector[] {
  const o = resolveOptions(opts, model.arch.layers);
  const toks = tokenizeExamples(tok, data.examples, { chat });
  const pre = collectPreMeans(model, toks, data.examples.map((e) => e.label));
  return computeEdits(model, pre, o).map((e) => ({ site: `layers.${e.layer}.${e.proj === 'o_proj' ? 'attn' : 'mlp'}.out`, v: Float32Array.from(e.u, (x) => x * e.gap) }));
}

/** The source steering at a strength: v added at every site, times s. */
export function sourceSteering(vs: readonly SourceVector[], s: number): Intervention[] {
  return vs.map((x) => new AddIntervention(x.site, fromStorage(Float32Array.from(x.v), [x.v.length], 'f32'), { strength: s }));
}
