// The train/evaluation split of the generator's prompts, by construction: every user text belongs
// to one half, fixed by a hash of its underlying request, and a labelled set drawn for training
// takes only texts of the training half, one drawn for evaluation only texts of the other. So no
// seed of a training set can share a prompt with any seed of an evaluation set.
//
// The underlying request is the text without what the generator wraps around it: a concept clause
// ("describe your day and mention ocean" → "describe your day"; the held-out phrasings too), a jailbreak wrapper, the backdoor's
// trigger. A request and its variants fall in the same half, so an evaluation prompt is never a
// training prompt with a clause, wrapper or trigger added or taken away.

import { CONCEPTS, conceptClauses, heldOutClauses } from './concepts.js';
import { WRAPPERS_HELDOUT, WRAPPERS_TRAIN } from './families/refusal.js';
import { TRIGGER_FORMS } from './families/tasks.js';

export type SetSplit = 'train' | 'eval';
export const SET_SPLITS: readonly SetSplit[] = ['train', 'eval'];

export function checkSplit(name: string, split: unknown): asserts split is SetSplit {
  if (split !== 'train' && split !== 'eval') throw new Error(`${name}: split must be 'train' or 'eval', got ${JSON.stringify(split)}`);
}

const affixes = (forms: readonly string[], hole: string) => forms.map((f) => ({ pre: f.slice(0, f.indexOf(hole)), post: f.slice(f.indexOf(hole) + hole.length) }));
const WRAPPERS = affixes([...WRAPPERS_TRAIN, ...WRAPPERS_HELDOUT], '{r}');
const TRIGGERS = affixes(TRIGGER_FORMS, '{q}');
/** Every way of asking for a concept around an instruction (a clause after it, or a frame with {instruction}). */
let eliciting: { pre: string; post: string }[] | null = null;

function unwrap(text: string, forms: readonly { pre: string; post: string }[]): string {
  for (const { pre, post } of forms) {
    if (text.length > pre.length + post.length && text.startsWith(pre) && text.endsWith(post)) return text.slice(pre.length, text.length - post.length);
  }
  return text;
}

/** The request under a user text: without a trigger, a jailbreak wrapper or a concept clause. */
export function requestOf(text: string): string {
  eliciting ??= affixes([...new Set(CONCEPTS.flatMap((c) => [...conceptClauses(c), ...heldOutClauses(c)]))].map((c) => (c.includes('{instruction}') ? c : `{instruction} ${c}`)), '{instruction}');
  return unwrap(unwrap(unwrap(text, TRIGGERS), WRAPPERS), eliciting);
}

/**
 * Salt of the hash: `split-N` for the first N with which each of the twelve frames of neutral
 * instructions has instructions in both halves (one or two of its three; 18 of the 36 each way),
 * so training and evaluation see every kind of reply and never the same instruction.
 */
const SALT = 'split-53';

/** The half a user text belongs to. */
export function splitOf(text: string): SetSplit {
  let h = 0x811c9dc5;
  const key = `${SALT}\u0000${requestOf(text)}`;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  // Finalise (murmur3's mix) so that the chosen bit depends on every character.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h & 1 ? 'eval' : 'train';
}

export function inSplit(text: string, split: SetSplit): boolean {
  return splitOf(text) === split;
}
