// Judges: one interface for exact program judges (the organism's), local-model judges and
// endpoint judges (evaluation.md).

/** What a judge may need beyond the prompt and reply (e.g. the concept being steered). */
export interface JudgeMeta {
  concept?: string;
  [key: string]: unknown;
}

export interface Judge {
  readonly name: string;
  /** A score for one reply; NaN when the judge does not apply to this prompt. */
  score(prompt: string, reply: string, meta?: JudgeMeta): number;
}

export { harmonicMean, organismJudges } from './organism.js';
export { conceptScore, conceptShare, conceptCount, contentWords, FULL_MIN_COUNT, FULL_MIN_SHARE } from './organism-concept.js';
export { fluency, fluencyScore, type Fluency } from './organism-fluency.js';
export { instructionScore, instructionScoreFor } from './organism-instruction.js';
export { isRefusal } from './organism-refusal.js';
export { backdoorFired, finalAnswer, readSum, taskCorrect, taskCorrectFor, type SumReply } from './organism-tasks.js';
export { factCorrect, faithfulness, readFact, type FactAnswer, type Faithfulness } from './organism-facts.js';
