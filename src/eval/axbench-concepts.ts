// Concepts of one's own for `eval axbench --concept-file`: the protocol on any model, judged by a
// model (local or behind an endpoint). One JSON object per line:
//
//   {"id": "formal", "description": "a formal, polite register",
//    "instructions": ["describe your weekend", "explain how to boil an egg", ...],   (≥ 2; alternate
//                                                    ones go to the selection and the test half)
//    "clauses": ["and write it in a formal register"],   (appended to a test instruction, or
//                                                         around it where a clause holds
//                                                         {instruction}: the prompting baseline)
//    "data": "formal.jsonl"}   (the artifact's training data, pairs or labelled texts as for
//                               `steerling train`; a path relative to the concept file)
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConceptData, type ConceptData } from '../data/concept-data.js';
import type { AxBenchConceptSpec } from './axbench.js';

export interface FileConcept {
  id: string;
  spec: AxBenchConceptSpec;
  data: ConceptData;
  /** The data file, resolved. */
  dataPath: string;
}

function strings(v: unknown, key: string, where: string, min: number): string[] {
  if (!Array.isArray(v) || v.length < min || v.some((x) => typeof x !== 'string' || x.trim() === '')) throw new Error(`${where}: "${key}" must be a list of at least ${min} non-empty strings`);
  return v as string[];
}

export function loadConceptFile(path: string): FileConcept[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`--concept-file ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const out: FileConcept[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${path}:${i + 1}`;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new Error(`${where}: not JSON (${(e as Error).message})`);
    }
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) throw new Error(`${where}: expected a JSON object`);
    const r = rec as Record<string, unknown>;
    for (const k of ['id', 'description', 'data']) if (typeof r[k] !== 'string' || (r[k] as string).trim() === '') throw new Error(`${where}: "${k}" must be a non-empty string`);
    const id = r['id'] as string;
    if (out.some((c) => c.id === id)) throw new Error(`${where}: concept "${id}" appears twice`);
    const instructions = strings(r['instructions'], 'instructions', where, 2);
    const clauses = strings(r['clauses'], 'clauses', where, 1);
    const dataPath = resolve(dirname(path), r['data'] as string);
    const data = loadConceptData(dataPath);
    if (!data.examples.some((e) => e.label === 1) || !data.examples.some((e) => e.label === 0)) throw new Error(`${where}: ${dataPath} needs examples with and without the concept`);
    out.push({ id, dataPath, data, spec: { description: r['description'] as string, clauses, instructions: instructions.map((prompt, j) => ({ prompt, split: j % 2 === 0 ? 'selection' : 'test' })) } });
  });
  if (out.length === 0) throw new Error(`--concept-file ${path}: no concepts in it`);
  return out;
}
