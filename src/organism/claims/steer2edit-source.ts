// "The steering it came from" for a Steer2Edit edit (methods.md §3.8): Steer2Edit turns, per layer,
// the class-mean difference v = post⁺ − post⁻ at the output of o_proj and down_proj into rank-1
// weight edits. Activation steering with the same vectors adds v itself at those outputs
// (layers.N.attn.out, layers.N.mlp.out); the paper compares its edits against that.

import type { DecoderModel } from '../../models/decoder.js';
import type { Tokenizer } from '../../tokenizer/index.js';
import type { ConceptData } from '../../data/concept-data.js';
import { tokenizeExamples } from '../../methods/tokenize.js';
import { collectPreMeans } from '../../methods/steer2edit/collect.js';
import { computeEdits } from '../../methods/steer2edit/edits.js';
import { resolveOptions } from '../../methods/steer2edit/options.js';
import type { Steer2EditOptions } from '../../methods/steer2edit/options.js';
import { AddIntervention, type Intervention } from '../../intervene/index.js';
import { fromStorage } from '../../tensor/tensor.js';

/** One AddIntervention per edited projection: v (= ‖v‖·v̂) at the projection's output, strength 1. */
export function steer2editSourceSteering(model: DecoderModel, tok: Tokenizer, data: ConceptData, opts: Steer2EditOptions | undefined, chat: boolean): Intervention[] {
  const o = resolveOptions(opts, model.arch.layers);
  const toks = tokenizeExamples(tok, data.examples, { chat });
  const pre = collectPreMeans(model, toks, data.examples.map((e) => e.label));
  return computeEdits(model, pre, o).map((e) => {
    const v = Float32Array.from(e.u, (x) => x * e.gap);
    const site = `layers.${e.layer}.${e.proj === 'o_proj' ? 'attn' : 'mlp'}.out`;
    return new AddIntervention(site, fromStorage(v, [v.length], 'f32'), { strength: 1 });
  });
}
