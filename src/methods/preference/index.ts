// Preference-trained steering vectors: RePS and BiPO, and what they share (preference.ts, fit.ts).
export { reps, trainReps, ALPHAS, REPS_DEFAULTS, REPS_OPTIONS, type RepsOptions, type RepsRow, type RepsResult } from './reps.js';
export { bipo, trainBipo, bipoLoss, withReference, BIPO_DEFAULTS, BIPO_OPTIONS, type BipoOptions, type BipoRow, type BipoResult } from './bipo.js';
export { replyLogProbs, logSigmoid, siteHooks, checkResidualSite, tokenizePairs, pairBatch, rowLogProbs, replyLength, splitPairs, preferenceMargin, marginStrength, MARGIN_ROWS, type PreferenceRow, type Seq, type MarginStrength, type SteerAt } from './preference.js';
export { fitPreference, preferenceArtifact, type PreferenceRecipe, type PreferenceFit, type TrainedVector } from './fit.js';
