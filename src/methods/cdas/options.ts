// CDAS's options: training length and rate (training-options.ts), the assistant-turn header it
// reads the source after, and its variant (variants.ts: source position, base positions, rank).
import { readOptions, type MethodOption } from '../options.js';
import { trainingOptions, type TrainingOptions } from '../training-options.js';
import { CDAS_DEFAULTS } from './train.js';
import { SOURCE_POSITIONS, BASE_POSITIONS, PAPER_VARIANT, parseSourcePosition, parseBasePositions, type SourcePosition, type BasePositions } from './variants.js';

export interface CdasOptions extends TrainingOptions {
  /** Assistant-turn header whose last token is the source position (default: from the chat template). */
  sourceTokens?: string;
  /** Where the source is read (default header, the paper's). */
  sourcePosition?: SourcePosition;
  /** Which base positions training writes (default all, the paper's). */
  basePositions?: BasePositions;
  /** Rows of the interchanged subspace (default 1, the paper's). */
  rank?: number;
}

export const CDAS_OPTIONS: readonly MethodOption[] = [
  ...trainingOptions(CDAS_DEFAULTS),
  { key: 'sourceTokens', flag: '--source-tokens', value: '<text>', type: 'string', help: 'the assistant-turn header whose last token is the source position (default: from the chat template)' },
  {
    key: 'sourcePosition', flag: '--source-position', value: '<where>', type: 'string', default: PAPER_VARIANT.sourcePosition, parse: (v) => parseSourcePosition(String(v)),
    help: `where the source is read: ${SOURCE_POSITIONS.join(' | ')}; header is the paper's, clause (the mean over the instruction's concept clause) and reply (the mean over the source reply) are ours`,
  },
  {
    key: 'basePositions', flag: '--base-positions', value: '<where>', type: 'string', default: PAPER_VARIANT.basePositions, parse: (v) => parseBasePositions(String(v)),
    help: `which base positions training writes and the clamp acts on, unless --positions: ${BASE_POSITIONS.join(' | ')}; all is the paper's, prompt and reply are ours`,
  },
  { key: 'rank', flag: '--rank', value: '<r>', type: 'int', min: 1, default: PAPER_VARIANT.rank, help: 'rows of the interchanged subspace; 1 is the paper\'s, R > 1 (ours) clamps each coordinate to its class mean' },
];

export const parseCdasOptions = (given: object | undefined): CdasOptions => readOptions<CdasOptions>('cdas', CDAS_OPTIONS, given);
