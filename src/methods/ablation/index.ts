// Directional ablation (methods.md §3.3): the method, its automatic choice of direction and where it acts.
export { ablation, selectionStats, VALIDATION_FRACTION } from './method.js';
export { ABLATION_OPTIONS, parseAblationOptions, type AblationOptions } from './options.js';
export { selectAblationDirection, discardReasons, candidateSite, NoCandidateLeft, KL_MAX, PRUNE_LAYERS, type AblationCandidate, type AblationSelection, type SelectionInput } from './select.js';
export { ablationSites } from './sites.js';
export { postInstructionCount } from './template-positions.js';
export { tokenIds, parseRefusalTokens, refusalIds } from './refusal-tokens.js';
