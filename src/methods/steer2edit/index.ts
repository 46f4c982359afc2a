// Steer2Edit: steering vectors as component-level rank-1 weight edits (methods.md §3.8).
export { steer2edit } from './method.js';
export { STEER2EDIT_DEFAULTS, STEER2EDIT_OPTIONS, resolveOptions, parseSteer2EditOptions, type Steer2EditOptions, type ResolvedOptions } from './options.js';
export { elasticNetLambda } from './lambda.js';
export { collectPreMeans, responseWindow, type PreMeans, type ClassMeans } from './collect.js';
export { siteDirection, headScores, neuronScores, cosine, type SiteDirection } from './scores.js';
export { computeEdits, addRankOne, type ProjectionEdit } from './edits.js';
export { editRange, editInterventions, EDIT_GRID, type EditRange } from './range.js';
