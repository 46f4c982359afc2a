// Arguments the eval commands share: the organism's concept lists, factor lists, additive methods.
import { CONCEPTS, isConceptId, type ConceptId } from '../organism/corpus/index.js';

export const ADDITIVE = ['diffmean', 'pca', 'probe', 'reps', 'bipo'];

export function parseConcepts(s: string): ConceptId[] {
  if (s === 'topics') return CONCEPTS.filter((c) => c.startsWith('topic:'));
  if (s === 'all') return [...CONCEPTS];
  return s.split(',').map((c) => {
    if (!isConceptId(c)) throw new Error(`--concepts: unknown concept "${c}" (choose from ${CONCEPTS.join(', ')}, or topics, all)`);
    return c;
  });
}

export function parseFactors(s: string, flag = '--factors'): number[] {
  const xs = s.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x))) throw new Error(`${flag}: expected comma-separated numbers, got "${s}"`);
  return xs;
}
