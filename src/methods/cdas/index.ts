// CDAS — Concept Distributed Alignment Search (methods.md §1): data, tokenization, training,
// class means and the steering method.
export { cdas, cdasStrengthRange, RANGE_FRACTION } from './method.js';
export { CDAS_OPTIONS, parseCdasOptions, type CdasOptions } from './options.js';
export { parseContrastRows, loadContrastRows, contrastAsConceptData, type ContrastRow } from './data.js';
export { tokenizeContrast, checkAligned, sourceTokenIds, lastOccurrenceEnd, type CdasTokens, type DiiExample, type SpanSequence, type RowPrompts, type Sequence, type PairDirection } from './tokenize.js';
export { trainCdas, cdasLoss, CDAS_DEFAULTS, type CdasTrainOptions, type CdasTrainResult } from './train.js';
export { responseJsd, responseRows, gatherRows } from './loss.js';
export { classMeans, classMeansRows } from './factor.js';
export { SOURCE_POSITIONS, BASE_POSITIONS, PAPER_VARIANT, parseSourcePosition, parseBasePositions, checkRank, resolveVariant, usePositions, type CdasVariant, type SourcePosition, type BasePositions } from './variants.js';
export { clauseSpans, replySpan, rowSpans, type Span } from './spans.js';
export { baseMask, MaskedInterchange } from './base-mask.js';
