// Judges (evaluation.md). The steering Judge (judge.ts) gives every reply its concept,
// instruction and fluency scores and is implemented by the organism's exact programs (exact.ts),
// a local model (local-model.ts) and an OpenAI-compatible endpoint (endpoint.ts). The organism's
// single-property checks (refusal form, task answers, facts, ...) stay ProgramJudges.

/** What a program judge may need beyond the prompt and reply (e.g. the concept being steered). */
export interface JudgeMeta {
  concept?: string;
  [key: string]: unknown;
}

/** One exact property of one reply (the organism's checks). */
export interface ProgramJudge {
  readonly name: string;
  /** A score for one reply; NaN when the judge does not apply to this prompt. */
  score(prompt: string, reply: string, meta?: JudgeMeta): number;
}

export { ASPECTS, type Aspect, type Judge, type JudgeItem, type Judgement, type JudgeStats, type ReplyJudgement } from './judge.js';
export { parseRating, type Rating } from './rating.js';
export { rubricPrompt, RUBRIC_VERSION } from './rubric.js';
export { JudgementCache, judgementKey, DEFAULT_JUDGE_CACHE } from './cache.js';
export { RubricJudge } from './rubric-judge.js';
export { ExactJudge } from './exact.js';
export { LocalModelJudge, type LocalModelJudgeOptions } from './local-model.js';
export { EndpointJudge, chatCompletionsUrl, type EndpointJudgeOptions } from './endpoint.js';

export { harmonicMean, organismJudges } from './organism.js';
export { conceptScore, conceptShare, conceptCount, contentWords, FULL_MIN_COUNT, FULL_MIN_SHARE } from './organism-concept.js';
export { fluency, fluencyScore, type Fluency } from './organism-fluency.js';
export { instructionScore, instructionScoreFor } from './organism-instruction.js';
export { isRefusal, REFUSAL_START } from './organism-refusal.js';
export { backdoorFired, finalAnswer, readSum, taskCorrect, taskCorrectFor, type SumReply } from './organism-tasks.js';
export { factCorrect, faithfulness, readFact, type FactAnswer, type Faithfulness } from './organism-facts.js';
