// Concept judge for the organism: the share of a reply's content words that belong to the
// concept's word list (a topic's vocabulary, the sentiment markers, the formal markers), and a
// 0/1/2 score on the AxBench scale.

import { FUNCTION_WORDS, PUNCTUATION, SENTENCE_END } from '../corpus/lexicon.js';
import { conceptWords, isConceptId, type ConceptId } from '../corpus/concepts.js';
import { words } from '../corpus/grammar.js';

const FUNCTION = new Set<string>(FUNCTION_WORDS);
const PUNCT = new Set<string>([...PUNCTUATION, ...SENTENCE_END]);

function isDigits(w: string): boolean {
  return /^[0-9]+$/.test(w);
}

/** Content words: everything but function words, digits and punctuation. */
export function contentWords(reply: string): string[] {
  return words(reply).filter((w) => !FUNCTION.has(w) && !PUNCT.has(w) && !isDigits(w));
}

function checkConcept(concept: string): ConceptId {
  if (!isConceptId(concept)) throw new Error(`organism concept judge: unknown concept "${concept}"`);
  return concept;
}

/** How many of the reply's words belong to the concept. */
export function conceptCount(reply: string, concept: ConceptId | string): number {
  const set = conceptWords(checkConcept(concept));
  return contentWords(reply).filter((w) => set.has(w)).length;
}

/** Share of content words that belong to the concept (0 when the reply has no content words). */
export function conceptShare(reply: string, concept: ConceptId | string): number {
  const set = conceptWords(checkConcept(concept));
  const cw = contentWords(reply);
  if (cw.length === 0) return 0;
  return cw.filter((w) => set.has(w)).length / cw.length;
}

/**
 * Thresholds of the 0/1/2 score: 2 needs at least FULL_MIN_COUNT concept words making up at least
 * FULL_MIN_SHARE of the content words (every concept-eliciting reply of the corpus does; see the
 * judge tests); any concept word at all gives 1; none gives 0.
 */
export const FULL_MIN_COUNT = 2;
export const FULL_MIN_SHARE = 0.08;

/** 0: concept absent; 1: present but marginal; 2: clearly present. */
export function conceptScore(reply: string, concept: ConceptId | string): 0 | 1 | 2 {
  const n = conceptCount(reply, concept);
  if (n === 0) return 0;
  return n >= FULL_MIN_COUNT && conceptShare(reply, concept) >= FULL_MIN_SHARE ? 2 : 1;
}
