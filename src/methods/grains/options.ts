// GrAInS's options: how many tokens each mask takes, the integrated-gradients points, and how the
// masked-token differences are summarised.
import { choice, type MethodOption } from '../options.js';
import type { Summary } from './vector.js';

export interface GrainsOptions {
  /** Tokens masked per sequence for each of the positive and negative masks (the reference's K = 10). */
  topK?: number;
  /** Integrated-gradients interpolation points (the reference's 20). */
  igSteps?: number;
  /** First principal component of the δs (the reference's scripts) or their mean. */
  summary?: Summary;
  /**
   * Which tokens are attributed and masked: the prompt's (the paper's: the input both replies
   * answer; special tokens left out), or every token of both sequences.
   */
  attribute?: 'prompt' | 'all';
  /** Integrated-gradients baseline: the zero embedding (the reference's) or the mask token's. */
  baseline?: 'zero' | 'mask';
}

export const GRAINS_DEFAULTS = { topK: 10, igSteps: 20, summary: 'pca' as Summary, attribute: 'prompt' as 'prompt' | 'all', baseline: 'mask' as 'zero' | 'mask' };

export const GRAINS_OPTIONS: readonly MethodOption[] = [
  { key: 'topK', flag: '--top-k', value: '<k>', type: 'int', min: 1, default: GRAINS_DEFAULTS.topK, help: 'tokens masked per sequence: the k highest-attributed (positive mask) and the k lowest (negative mask)' },
  { key: 'igSteps', flag: '--ig-steps', value: '<m>', type: 'int', min: 1, max: 256, default: GRAINS_DEFAULTS.igSteps, help: 'integrated-gradients points between the zero embedding and the input' },
  { key: 'summary', flag: '--summary', value: '<how>', type: 'string', default: GRAINS_DEFAULTS.summary, parse: choice('--summary', ['pca', 'mean'] as const), help: 'pca = first principal component of the masked-token differences (oriented to their mean), mean = their mean' },
  { key: 'attribute', flag: '--attribute', value: '<which>', type: 'string', default: GRAINS_DEFAULTS.attribute, parse: choice('--attribute', ['prompt', 'all'] as const), help: 'tokens attributed and masked: prompt (the input both replies answer, special tokens left out; δ at its last token) or all (every token of both sequences; δ at each one\'s last token)' },
  { key: 'baseline', flag: '--baseline', value: '<b>', type: 'string', default: GRAINS_DEFAULTS.baseline, parse: choice('--baseline', ['zero', 'mask'] as const), help: 'integrated-gradients baseline: mask (the mask token\'s embedding at every non-special position) or zero (the all-zero embedding, the reference\'s; degenerate under a pre-norm model)' },
];
