// Concepts of one's own for `eval detection --concept-file`: one JSON object a line (or a .json
// array, or {"concepts": [...]}), as `eval axbench --concept-file` reads them — other keys are
// ignored, so one file serves both:
//
//   {"id": "dog", "data": "dog.jsonl", "test": "dog-test.jsonl"}
//
// `data` (pairs or labelled texts as for `steerling train`, a path relative to the concept file)
// fits the direction; `test` (same shapes) is scored. Without `test`, the data's records alternate:
// the first, third, ... fit, the second, fourth, ... are scored (a pair stays whole).
import { dirname, resolve } from 'node:path';
import { readRecords } from '../data/json-records.js';
import { loadConceptData, type ConceptData, type ConceptExample } from '../data/concept-data.js';

export interface DetectionConcept {
  id: string;
  train: ConceptData;
  /** Held-out texts, each with its class. */
  test: { prompt: string; text: string; label: number; kind: string; source: string }[];
  where: string;
}

const held = (e: ConceptExample) => ({ prompt: e.prompt, text: e.completion, label: e.label, kind: e.label === 1 ? 'positive' : 'negative', source: e.source ?? '' });

function bothClasses(xs: readonly { label: number }[], where: string, what: string): void {
  if (!xs.some((x) => x.label === 1) || !xs.some((x) => x.label === 0)) throw new Error(`${where}: ${what} needs texts with and without the concept`);
}

export function loadDetectionConcepts(path: string): DetectionConcept[] {
  const { records, lines } = readRecords(path, 'concepts');
  const out: DetectionConcept[] = [];
  records.forEach((rec, i) => {
    const where = `${path}:${lines[i]}`;
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) throw new Error(`${where}: expected a JSON object {"id", "data"[, "test"]}`);
    const r = rec as Record<string, unknown>;
    for (const k of ['id', 'data']) if (typeof r[k] !== 'string' || (r[k] as string).trim() === '') throw new Error(`${where}: "${k}" must be a non-empty string`);
    if (r['test'] !== undefined && (typeof r['test'] !== 'string' || r['test'].trim() === '')) throw new Error(`${where}: "test" must be a non-empty string when present`);
    const id = r['id'] as string;
    if (out.some((c) => c.id === id)) throw new Error(`${where}: concept "${id}" appears twice`);
    const data = loadConceptData(resolve(dirname(path), r['data'] as string));
    let train = data;
    let test: DetectionConcept['test'];
    if (typeof r['test'] === 'string') test = loadConceptData(resolve(dirname(path), r['test'])).examples.map(held);
    else {
      // Alternate records: a pair's two texts share its index, so a pair stays on one side.
      const side = (e: ConceptExample, j: number) => (e.pair ?? j) % 2;
      train = { kind: data.kind, examples: data.examples.filter((e, j) => side(e, j) === 0) };
      test = data.examples.filter((e, j) => side(e, j) === 1).map(held);
      bothClasses(train.examples, where, `the fitting half of "data" (its first, third, ... records)`);
      bothClasses(test, where, `the scored half of "data" (its second, fourth, ... records; or give "test")`);
    }
    bothClasses(test, where, '"test"');
    out.push({ id, train, test, where });
  });
  return out;
}
