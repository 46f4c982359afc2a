// The two data shapes steering methods learn from, as JSONL records:
//
//   contrastive pairs   {"prompt": "...", "positive": "...", "negative": "..."}   (prompt optional)
//   labelled texts      {"text": "...", "label": 1}                               (label 1/0 or true/false)
//
// Both become a list of examples: the text split into a prompt part and a completion part, and a
// label. Pairs keep their pairing (PCA of differences needs it).

import { readJsonlLines } from './jsonl.js';

export interface ConceptExample {
  prompt: string;
  completion: string;
  label: 0 | 1;
  /** Index of the pair this example belongs to (pairs only). */
  pair: number | null;
  /** Where the record came from (`file:line`), for messages. */
  source?: string;
}

export interface ConceptData {
  kind: 'pairs' | 'labelled';
  examples: ConceptExample[];
}

function str(rec: Record<string, unknown>, key: string, where: string, optional = false): string {
  const v = rec[key];
  if (v === undefined && optional) return '';
  if (typeof v !== 'string') throw new Error(`${where}: "${key}" must be a string${optional ? ' when present' : ''}`);
  return v;
}

/** `lines[i]` is record i's line in the source file, for messages (default: i + 1). */
export function parseConceptData(records: readonly unknown[], source: string, lines?: readonly number[]): ConceptData {
  const at = (i: number) => `${source}:${lines?.[i] ?? i + 1}`;
  const first = records[0] as Record<string, unknown> | null;
  if (!first || typeof first !== 'object') throw new Error(`${at(0)}: expected a JSON object`);
  const kind = 'positive' in first ? 'pairs' : 'text' in first ? 'labelled' : null;
  if (!kind) throw new Error(`${at(0)}: expected {"positive","negative"[,"prompt"]} pairs or {"text","label"} records`);
  const examples: ConceptExample[] = [];
  records.forEach((r, i) => {
    const where = at(i);
    if (!r || typeof r !== 'object' || Array.isArray(r)) throw new Error(`${where}: expected a JSON object`);
    const rec = r as Record<string, unknown>;
    if (kind === 'pairs') {
      const prompt = str(rec, 'prompt', where, true);
      examples.push({ prompt, completion: str(rec, 'positive', where), label: 1, pair: i, source: where });
      examples.push({ prompt, completion: str(rec, 'negative', where), label: 0, pair: i, source: where });
    } else {
      const label = rec['label'];
      const l = label === 1 || label === true ? 1 : label === 0 || label === false ? 0 : null;
      if (l === null) throw new Error(`${where}: "label" must be 1/0 or true/false, got ${JSON.stringify(label)}`);
      examples.push({ prompt: str(rec, 'prompt', where, true), completion: str(rec, 'text', where), label: l, pair: null, source: where });
    }
  });
  const pos = examples.filter((e) => e.label === 1).length;
  if (pos === 0 || pos === examples.length) throw new Error(`${source}: needs both positive and negative examples (got ${pos} positive of ${examples.length})`);
  return { kind, examples };
}

export function loadConceptData(path: string): ConceptData {
  const { records, lines } = readJsonlLines(path);
  return parseConceptData(records, path, lines);
}
