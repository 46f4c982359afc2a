// The AxBench protocol (src/eval/axbench.ts) on the organism: its concepts' steering instructions
// (the evaluation half), eliciting clauses and descriptions, and its exact judges unless another
// judge is given. The prompting baseline asks with held-out phrasings (heldOutClauses): the organism
// was trained on its own clauses, so asking with those would score 2 by construction.
import { runAxBench, type AxBenchConceptSpec, type AxBenchOptions, type AxBenchResult } from '../eval/axbench.js';
import type { Judge } from '../eval/judges/judge.js';
import { conceptDescription, heldOutClauses, steeringInstructions, type ConceptId } from './corpus/index.js';
import { ExactJudge } from './judges/exact.js';

/** The organism's concepts: its steering instructions, held-out eliciting clauses and description. */
export function organismConceptSpec(concept: ConceptId, instructions: number, seed: number): AxBenchConceptSpec {
  return { description: conceptDescription(concept), instructions: steeringInstructions(concept, { n: instructions, seed, split: 'eval' }), clauses: heldOutClauses(concept) };
}

export type OrganismAxBenchOptions = Omit<AxBenchOptions<ConceptId>, 'spec' | 'judge'> & {
  /** Scores every reply (default: the organism's exact judges). */
  judge?: Judge;
};

/** runAxBench on the organism's concepts (organismConceptSpec), judged by its exact judges by default. */
export function runOrganismAxBench(o: OrganismAxBenchOptions): Promise<AxBenchResult> {
  return runAxBench<ConceptId>({ ...o, spec: organismConceptSpec, judge: o.judge ?? new ExactJudge() });
}
