// The organism's exact judges (evaluation.md): programs that read its language. Single properties
// of a reply (concept, instruction, fluency, refusal, utility, tasks and the backdoor, facts), the same
// behind the ProgramJudge interface (program.ts), and the three steering scores behind the
// generic Judge interface of src/eval/judges (exact.ts: what `eval axbench --judge exact` uses).
export { organismJudges } from './program.js';
export { ExactJudge } from './exact.js';
export { conceptScore, conceptShare, conceptCount, contentWords, FULL_MIN_COUNT, FULL_MIN_SHARE } from './concept.js';
export { fluency, fluencyScore, type Fluency } from './fluency.js';
export { instructionScore, instructionScoreFor } from './instruction.js';
export { isRefusal, REFUSAL_START } from './refusal.js';
export { answersAsAsked } from './utility.js';
export { backdoorFired, finalAnswer, readSum, taskCorrect, taskCorrectFor, type SumReply } from './tasks.js';
export { factCorrect, faithfulness, readFact, type FactAnswer, type Faithfulness } from './facts.js';
