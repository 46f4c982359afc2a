// Per concept, the artifact a method fits on the organism's own pairs (as the demo does) and the
// concept's positive texts (the AxBench scale of additive directions): what `eval axbench` and
// `eval claims` sweep.

import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { Artifact } from '../artifact/artifact.js';
import type { CdasOptions } from '../methods/cdas/options.js';
import type { ScoredText } from '../eval/concept-detection.js';
import { contrastivePairs, conceptTopic, topicPairs, type ConceptId } from './corpus/index.js';
import { parseConceptData } from '../data/concept-data.js';
import { METHODS } from '../methods/index.js';
import { chatTexts } from '../eval/concept-detection.js';
import { parseContrastRows, contrastAsConceptData } from '../methods/cdas/data.js';

/** Methods trained on preference pairs: the concept reply (winner) against the plain reply. */
export const PREFERENCE_METHODS = ['reps', 'bipo', 'yapo'];

/** `options`: the method's own (e.g. the SAE file of `sae` and YaPO); CDAS takes `cdas`. */
export function fitOnOrganism(model: DecoderModel, tok: Tokenizer, method: string, site: string, cdas: CdasOptions = {}, options?: object): (concept: ConceptId) => { artifact: Artifact; positives: ScoredText[] } {
  return (concept) => {
    if (method === 'cdas') {
      // CDAS learns from rows that do and do not ask for the concept (x, y, x_c, y_c); a clamp needs no positives for its scale.
      const rows = parseContrastRows(contrastivePairs(concept, { n: 64, seed: 11, split: 'train' }), `${concept} contrastive pairs`);
      const artifact = METHODS.cdas!.fit({ model, tokenizer: tok, data: contrastAsConceptData(rows), contrast: rows, site, name: concept.replace(':', '-'), hubId: null, options: cdas });
      return { artifact, positives: [] };
    }
    const m = METHODS[method];
    if (!m) throw new Error(`unknown method "${method}"`);
    // RePS and BiPO learn from the concept reply vs the plain reply (winner and loser); the
    // mean-difference methods from topic pairs (a plain reply vs the same reply drifting into the topic).
    const rows = conceptTopic(concept) && !PREFERENCE_METHODS.includes(method) ? topicPairs(concept, { n: 64, seed: 11, split: 'train' }) : contrastivePairs(concept, { n: 64, seed: 11, split: 'train' });
    const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), `${concept} pairs`);
    const artifact = m.fit({ model, tokenizer: tok, data, site, chat: true, name: concept.replace(':', '-'), hubId: null, ...(options ? { options } : {}) });
    return { artifact, positives: chatTexts(tok, rows.map((r) => ({ prompt: r.prompt, text: r.positive }))) };
  };
}
