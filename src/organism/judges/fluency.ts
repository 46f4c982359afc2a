// Fluency judge for the organism: does the reply parse under the generator's grammar, and how much
// of it does. A reply parses when every sentence is complete and matches one of the sentence forms
// the generator writes (families/*.ts).

import { parseReply } from '../corpus/grammar.js';

export interface Fluency {
  parses: boolean;
  /** Share of the reply's words inside parsed sentences. */
  fraction: number;
  sentences: number;
  /** The largest number of times one sentence occurs (degenerate repetition). */
  maxRepeat: number;
}

export function fluency(reply: string): Fluency {
  const p = parseReply(reply);
  const counts = new Map<string, number>();
  let maxRepeat = 0;
  for (const s of p.sentences) {
    const k = s.tokens.join(' ');
    const n = (counts.get(k) ?? 0) + 1;
    counts.set(k, n);
    maxRepeat = Math.max(maxRepeat, n);
  }
  return { parses: p.parses, fraction: p.fraction, sentences: p.sentences.length, maxRepeat };
}

/** A sentence may occur this often before the reply counts as repetitive. */
export const MAX_REPEATS = 2;
/** Share of parsed words needed for a 1. */
export const PARTIAL_FRACTION = 0.5;

/** 2: parses and is not repetitive; 1: mostly parses (≥ half the words) or repetitive; 0 otherwise. */
export function fluencyScore(reply: string): 0 | 1 | 2 {
  const f = fluency(reply);
  if (f.parses && f.maxRepeat <= MAX_REPEATS) return 2;
  return f.fraction >= PARTIAL_FRACTION ? 1 : 0;
}
