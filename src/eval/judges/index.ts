// Judges (evaluation.md). The steering Judge (judge.ts) gives every reply its concept,
// instruction and fluency scores; here are the generic implementations, a local model
// (local-model.ts) and an OpenAI-compatible endpoint (endpoint.ts), both reading the rubric
// (rubric.ts) and caching their texts (cache.ts). The organism brings its own exact judges
// (src/organism/judges/: ExactJudge behind this interface, and its single-property checks as
// ProgramJudges); nothing here knows the organism.

/** What a program judge may need beyond the prompt and reply (e.g. the concept being steered). */
export interface JudgeMeta {
  concept?: string;
  [key: string]: unknown;
}

/** One exact property of one reply (e.g. the organism's checks, src/organism/judges/program.ts). */
export interface ProgramJudge {
  readonly name: string;
  /** A score for one reply; NaN when the judge does not apply to this prompt. */
  score(prompt: string, reply: string, meta?: JudgeMeta): number;
}

export { ASPECTS, harmonicMean, type Aspect, type Judge, type JudgeItem, type Judgement, type JudgeStats, type ReplyJudgement } from './judge.js';
export { parseRating, type Rating } from './rating.js';
export { rubricPrompt, RUBRIC_VERSION } from './rubric.js';
export { JudgementCache, judgementKey, DEFAULT_JUDGE_CACHE } from './cache.js';
export { RubricJudge } from './rubric-judge.js';
export { askQuestion, questionPrompt, QUESTION_VERSION } from './question.js';
export { LocalModelJudge, type LocalModelJudgeOptions } from './local-model.js';
export { EndpointJudge, chatCompletionsUrl, type EndpointJudgeOptions } from './endpoint.js';

