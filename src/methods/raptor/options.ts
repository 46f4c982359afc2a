// RAPTOR's options: the λ grid and the validation share, besides the direction methods' strength rule.
import { DIRECTION_OPTIONS, type DirectionOptions } from '../direction-fit.js';
import type { MethodOption } from '../options.js';
import { DEFAULT_LAMBDAS, DEFAULT_VALIDATION } from './select.js';

export interface RaptorOptions extends DirectionOptions {
  /** Ridge strengths to choose from (on standardised activations). */
  lambdas?: number[];
  /** Share of the examples (whole pairs) held out to choose λ. */
  validation?: number;
}

function parseLambdas(v: unknown): number[] {
  const parts = Array.isArray(v) ? v : String(v).split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (parts.length === 0 || !parts.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) throw new Error(`--lambdas must be positive numbers separated by commas, e.g. 0.01,0.1,1, got "${String(v)}"`);
  return parts as number[];
}

export const RAPTOR_OPTIONS: readonly MethodOption[] = [
  ...DIRECTION_OPTIONS,
  { key: 'lambdas', flag: '--lambdas', value: '<l1,l2,...>', type: 'list', default: DEFAULT_LAMBDAS.join(','), parse: parseLambdas, help: 'ridge strengths λ to choose from on the validation split (activations centred and scaled to unit RMS norm)' },
  { key: 'validation', flag: '--validation', value: '<share>', type: 'number', min: 0.05, max: 0.5, default: DEFAULT_VALIDATION, help: 'share of the examples (whole pairs) held out to choose λ; the chosen λ is refitted on all of them' },
];
