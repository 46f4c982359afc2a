export { grains } from './method.js';
export type { GrainsOptions } from './options.js';
export { integratedGradients, contrastiveScores } from './attribution.js';
export { grainsVector, topPositions } from './vector.js';
