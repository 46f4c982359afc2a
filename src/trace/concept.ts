// The concept a trace measures: a set of words, each turned into the token sequences that spell it,
// and the per-position measure log Σ_w P(w | context) computed from logits.
//
// A word may take several tokens (stories260K's 512-token vocabulary spells "dog" as ▁do g), so a
// sequence's probability is the product of its tokens' conditional probabilities; patch.ts computes
// the later factors on branches of the KV cache. Only a prefix-free set of sequences is kept (a
// sequence that extends another, "dogs" = ▁do g s after "dog" = ▁do g, is already counted in it),
// so the events summed are disjoint and the sum is a probability.
import type { Tokenizer } from '../tokenizer/index.js';

/** One token sequence of the concept and the words it spells. */
export interface ConceptSequence {
  ids: number[];
  tokens: string[];
  words: string[];
}

export interface Concept {
  words: string[];
  /** Prefix-free: no sequence is a prefix of another. */
  sequences: ConceptSequence[];
}

/** Longest token sequence accepted for one word (each extra token costs a decode step per scored position). */
export const MAX_WORD_TOKENS = 6;

function sameStart(a: readonly number[], b: readonly number[]): boolean {
  return a.length <= b.length && a.every((x, i) => x === b[i]);
}

/**
 * The spellings of a word: alone (as at the start of a text), after a space in running text (the
 * form replies use with byte-level BPE: "Ġdog"), and the vocabulary entry of that exact name (so
 * "▁Lily" names a SentencePiece token directly). Forms that contain the unknown token are dropped.
 */
function spellings(tok: Tokenizer, word: string): number[][] {
  const unk = tok.specialTokenStrings.unk;
  const unkId = unk === null ? null : tok.tokenToId(unk);
  const forms: number[][] = [];
  const add = (ids: number[]) => {
    if (ids.length === 0 || ids.some((i) => i === unkId)) return;
    if (!forms.some((f) => f.length === ids.length && f.every((x, i) => x === ids[i]))) forms.push(ids);
  };
  const w = word.trim();
  add(tok.encode(w, { addSpecialTokens: false }));
  // In running text: the ids of "a w" after those of "a" (a shared first word keeps merges apart).
  const lead = tok.encode('a', { addSpecialTokens: false });
  const withLead = tok.encode(`a ${w}`, { addSpecialTokens: false });
  if (sameStart(lead, withLead)) add(withLead.slice(lead.length));
  const exact = tok.tokenToId(word);
  if (exact !== null) add([exact]);
  return forms;
}

/**
 * Builds the concept from words (validated against the vocabulary). Throws naming the word when
 * it cannot be spelled without the unknown token or needs more than MAX_WORD_TOKENS tokens.
 */
export function conceptFromWords(tok: Tokenizer, words: readonly string[]): Concept {
  const list = [...new Set(words.map((w) => w.trim()).filter((w) => w !== ''))];
  if (list.length === 0) throw new Error('no concept words given (--concept-words w1,w2 or --concept CONCEPT)');
  const all: ConceptSequence[] = [];
  for (const w of list) {
    const forms = spellings(tok, w);
    if (forms.length === 0) throw new Error(`concept word "${w}" is not in the model's vocabulary (it tokenizes to the unknown token)`);
    for (const ids of forms) {
      if (ids.length > MAX_WORD_TOKENS) throw new Error(`concept word "${w}" takes ${ids.length} tokens; at most ${MAX_WORD_TOKENS} are measured (name a shorter word or one of its tokens)`);
      const hit = all.find((s) => s.ids.length === ids.length && s.ids.every((x, i) => x === ids[i]));
      if (hit) hit.words.push(w);
      else all.push({ ids, tokens: ids.map((i) => tok.idToToken(i) ?? `#${i}`), words: [w] });
    }
  }
  // Keep the shortest: drop every sequence that extends another one (its mass is inside the shorter's).
  const sequences = all.filter((s) => !all.some((o) => o !== s && o.ids.length < s.ids.length && sameStart(o.ids, s.ids)));
  for (const s of all) {
    if (sequences.includes(s)) continue;
    const keeper = sequences.find((o) => sameStart(o.ids, s.ids))!;
    for (const w of s.words) if (!keeper.words.includes(w)) keeper.words.push(w);
  }
  return { words: list, sequences };
}

/** log Σ exp(x) of the given values, stable; -Infinity for none. */
export function logSumExp(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > m) m = xs[i]!;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += Math.exp(xs[i]! - m);
  return m + Math.log(s);
}

/** log-normaliser of one row of logits (log Σ_v exp(logit_v)). */
export function logNormaliser(logits: Float32Array, off: number, vocab: number): number {
  let m = -Infinity;
  for (let v = 0; v < vocab; v++) if (logits[off + v]! > m) m = logits[off + v]!;
  let s = 0;
  for (let v = 0; v < vocab; v++) s += Math.exp(logits[off + v]! - m);
  return m + Math.log(s);
}
