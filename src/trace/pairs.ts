// Trace pairs: a source prompt that asks for the concept and a base prompt that does not, with an
// optional fixed reply to score over. Read from JSONL, or built from the organism's own data.
import { existsSync } from 'node:fs';
import { readJsonlLines } from '../data/jsonl.js';
import { conceptClauses, conceptWords, isConceptId, steeringInstructions, CONCEPTS, type ConceptId } from '../organism/corpus/index.js';

/** One trace pair (the JSONL record): `{"source": "...", "base": "...", "reply": "..."}`. */
export interface TracePair {
  source: string;
  base: string;
  /** Reply text both runs are fed; when absent, the base model's own greedy reply to `base`. */
  reply?: string;
}

/** Reads a pair file; errors name the file and line. */
export function readPairFile(path: string): TracePair[] {
  if (!existsSync(path)) throw new Error(`pair file ${path} does not exist`);
  let read: { records: unknown[]; lines: number[] };
  try {
    read = readJsonlLines(path);
  } catch (e) {
    // An empty file: say what is missing rather than the reader's "no records".
    if (/: no records$/.test((e as Error).message)) throw new Error(`${path}: no pairs (one JSON object a line: {"source": ..., "base": ..., "reply"?: ...})`);
    throw e;
  }
  const { records, lines } = read;
  return records.map((r, i) => {
    const where = `${path}:${lines[i]}`;
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${where}: expected an object {"source": ..., "base": ..., "reply"?: ...}`);
    const o = r as Record<string, unknown>;
    for (const k of ['source', 'base'] as const) {
      if (typeof o[k] !== 'string' || (o[k] as string).trim() === '') throw new Error(`${where}: "${k}" must be a non-empty string`);
    }
    if (o['reply'] !== undefined && (typeof o['reply'] !== 'string' || o['reply'].trim() === '')) throw new Error(`${where}: "reply" must be a non-empty string when given`);
    if (o['source'] === o['base']) throw new Error(`${where}: "source" and "base" are the same text`);
    return { source: o['source'] as string, base: o['base'] as string, ...(o['reply'] !== undefined ? { reply: o['reply'] as string } : {}) };
  });
}

export interface OrganismPairOptions {
  /** Number of pairs (distinct neutral instructions, distinct frames first). */
  n: number;
  seed: number;
  /** Which of the concept's eliciting clauses to append (conceptClauses order). */
  clause: number;
}

/** Parses an organism concept id ("topic:ocean"), with the list of known ones in the error. */
export function organismConcept(id: string): ConceptId {
  if (!isConceptId(id)) throw new Error(`unknown concept "${id}"; the organism's concepts are ${CONCEPTS.join(', ')}`);
  return id;
}

/**
 * The organism's frame pairs for a concept: the same neutral instruction without (base) and with
 * (source) one eliciting clause, as its training data asks for concepts. One clause for every pair,
 * so the source-only rows line up token for token across pairs.
 */
export function organismPairs(concept: ConceptId, opts: OrganismPairOptions): TracePair[] {
  const clauses = conceptClauses(concept);
  if (!(Number.isInteger(opts.clause) && opts.clause >= 0 && opts.clause < clauses.length)) {
    throw new Error(`clause ${opts.clause} does not exist; ${concept} has clauses 0..${clauses.length - 1}: ${clauses.map((c, i) => `${i} "${c}"`).join(', ')}`);
  }
  if (!(Number.isInteger(opts.n) && opts.n >= 1)) throw new Error(`the number of pairs must be a positive integer, got ${opts.n}`);
  // The training half: the trace chooses the site steering learns at, so it must not see the
  // instructions steering is measured on.
  const prompts = [...new Set(steeringInstructions(concept, { n: opts.n * 4, seed: opts.seed, split: 'train' }).map((r) => r.prompt))].slice(0, opts.n);
  return prompts.map((p) => ({ source: `${p} ${clauses[opts.clause]}`, base: p }));
}

/** The concept's words as the organism's exact judge counts them. */
export function organismConceptWords(concept: ConceptId): string[] {
  return [...conceptWords(concept)];
}
