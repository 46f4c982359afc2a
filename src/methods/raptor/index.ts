export { raptor } from './method.js';
export type { RaptorOptions } from './options.js';
export { raptorDirection, validationSplit, DEFAULT_LAMBDAS } from './select.js';
export { fitRidgeLogistic } from './ridge-logistic.js';
export { directionalStability, directionAccuracy, resample, type Rows, type DirectionFinder, type Stability } from './stability.js';
