// CDAS training data: rows of a prompt that does not ask for the concept (x) and one that does
// (x_c), each with its reply (y, y_c) — methods.md §1.3. Two JSONL shapes are accepted:
//
//   4-tuple (already rendered)  {"negative_input": x, "negative_output": y,
//                                "positive_input": x_c, "positive_output": y_c}
//     The inputs are the exact prompt texts the model sees (chat template applied, ending with the
//     assistant-turn header); outputs are appended to them verbatim. BOS is added by the tokenizer
//     unless the input already starts with the BOS token's text.
//
//   pairs + eliciting prompt    {"prompt": x, "concept_prompt": x_c, "positive": y_c, "negative": y}
//     Plain user messages: they are rendered as a user turn with the tokenizer's chat template
//     (plain text with BOS when it has none); replies are tokenized on their own and appended.
//     "concept_prompt" is required: without a prompt that elicits the concept there is no teacher
//     distribution to match (the source run would be the base run), so CDAS cannot learn.
//
// Extra fields (id, concept, frame, ...) are ignored; the organism's contrastive sets carry both
// shapes, and the 4-tuple wins when a record has its fields.

import { readJsonlLines } from '../../data/jsonl.js';
import type { ConceptData, ConceptExample } from '../../data/concept-data.js';

export interface ContrastRow {
  /** x: the prompt without the concept. */
  negativePrompt: string;
  /** y: its reply. */
  negativeOutput: string;
  /** x_c: the concept-eliciting prompt. */
  positivePrompt: string;
  /** y_c: its reply (carries the concept). */
  positiveOutput: string;
  /** 'rendered': prompts are final texts (4-tuple); 'chat': plain user messages to render. */
  format: 'rendered' | 'chat';
}

const TUPLE = ['negative_input', 'negative_output', 'positive_input', 'positive_output'] as const;
const PAIRS = ['prompt', 'concept_prompt', 'positive', 'negative'] as const;

function fields(rec: Record<string, unknown>, keys: readonly string[], where: string): string[] {
  return keys.map((k) => {
    const v = rec[k];
    if (typeof v !== 'string') throw new Error(`${where}: "${k}" must be a string${v === undefined ? ' (missing)' : `, got ${JSON.stringify(v)}`}`);
    return v;
  });
}

/** `lines[i]` is record i's line in the source file, for messages (default: i + 1). */
export function parseContrastRows(records: readonly unknown[], source: string, lines?: readonly number[]): ContrastRow[] {
  if (records.length === 0) throw new Error(`${source}: no records`);
  return records.map((r, i) => {
    const where = `${source}:${lines?.[i] ?? i + 1}`;
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${where}: expected a JSON object`);
    const rec = r as Record<string, unknown>;
    if (TUPLE.some((k) => k in rec)) {
      const [ni, no, pi, po] = fields(rec, TUPLE, where);
      return { negativePrompt: ni!, negativeOutput: no!, positivePrompt: pi!, positiveOutput: po!, format: 'rendered' };
    }
    if ('positive' in rec || 'negative' in rec) {
      if (!('concept_prompt' in rec)) {
        throw new Error(`${where}: CDAS needs a concept-eliciting prompt: add "concept_prompt" (the prompt that asks for the concept) next to "prompt", "positive", "negative", or give the 4-tuple {"negative_input", "negative_output", "positive_input", "positive_output"}`);
      }
      const [x, xc, yc, y] = fields(rec, PAIRS, where);
      return { negativePrompt: x!, negativeOutput: y!, positivePrompt: xc!, positiveOutput: yc!, format: 'chat' };
    }
    throw new Error(`${where}: expected {"negative_input", "negative_output", "positive_input", "positive_output"} or {"prompt", "concept_prompt", "positive", "negative"}`);
  });
}

export function loadContrastRows(path: string): ContrastRow[] {
  const { records, lines } = readJsonlLines(path);
  return parseContrastRows(records, path, lines);
}

/**
 * The rows as labelled pairs (x_c + y_c positive, x + y negative), so the generic pieces (data
 * hash, example counts, the CLI's checks) see CDAS data like any other pairs file.
 */
export function contrastAsConceptData(rows: readonly ContrastRow[]): ConceptData {
  const examples: ConceptExample[] = [];
  rows.forEach((r, i) => {
    examples.push({ prompt: r.positivePrompt, completion: r.positiveOutput, label: 1, pair: i });
    examples.push({ prompt: r.negativePrompt, completion: r.negativeOutput, label: 0, pair: i });
  });
  return { kind: 'pairs', examples };
}
