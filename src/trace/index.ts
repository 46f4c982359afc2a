// Causal tracing: where a concept named in the prompt flows to the reply (see trace.ts).
export { causalTrace, runMeasure, MEASURES, type Measure, type TraceOptions, type TraceResult, type TraceRow, type SiteEffects, type PairSummary } from './trace.js';
export { conceptFromWords, type Concept, type ConceptSequence, MAX_WORD_TOKENS } from './concept.js';
export { alignPair, fullPatch, type AlignedRow, type PairAlignment, type Role } from './align.js';
export { readPairFile, organismPairs, organismConcept, organismConceptWords, type TracePair, type OrganismPairOptions } from './pairs.js';
export { preparePairs, type PreparedPair, type PrepareOptions } from './prepare.js';
export { scoreRuns, type Patch, type Run, type Activations, type SiteActivations } from './patch.js';
export { parseSiteKinds, parseLayers, DEFAULT_SITE_KINDS } from './sites.js';
export { renderTrace, renderHeatmap, legend, rowLabel, type HeatmapOptions } from './heatmap.js';
export { traceJson, traceHtml, heatmapSpec } from './report.js';
