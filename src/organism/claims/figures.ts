// The organism's card figures under a steering, against one unsteered measurement on the same
// prompts and seeds: each figure's rate with a Wilson 95% interval, and its change from unsteered
// with a paired bootstrap interval (eval/specificity.ts's changeInterval).

import type { DecoderModel } from '../../models/decoder.js';
import type { Tokenizer } from '../../tokenizer/index.js';
import type { Hooks } from '../../models/hooks.js';
import { measureOrganism } from '../card.js';
import { changeInterval } from '../../eval/specificity.js';

export interface Interval {
  value: number;
  lo: number;
  hi: number;
  /** Outcomes the value is the share of. */
  n: number;
}

/** Wilson score interval (95%) of a share: honest near 0 and 1, where the normal one is not. */
export function wilson(k: number, n: number, z = 1.96): Interval {
  if (n === 0) return { value: NaN, lo: NaN, hi: NaN, n };
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { value: p, lo: Math.max(0, c - h), hi: Math.min(1, c + h), n };
}

export type Outcomes = Record<string, boolean[]>;

export interface FigureSet {
  outcomes: Outcomes;
  rate(key: string): Interval;
}

export interface MeasureOptions {
  eosTokenIds: readonly number[];
  n: number;
  seed: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export function measureFigures(model: DecoderModel, tok: Tokenizer, hooks: Hooks | null, o: MeasureOptions): FigureSet {
  const { outcomes } = measureOrganism(model, tok, { eosTokenIds: o.eosTokenIds, n: o.n, seed: o.seed, hooks, onProgress: o.onProgress });
  return {
    outcomes,
    rate(key) {
      const xs = outcomes[key];
      if (!xs) throw new Error(`claims: the card has no figure "${key}"`);
      return wilson(xs.filter(Boolean).length, xs.length);
    },
  };
}

/** steered − unsteered for one figure, with its 95% bootstrap interval. */
export function figureChange(base: FigureSet, steered: FigureSet, key: string, seed = 97): Interval {
  const a = base.outcomes[key] ?? [];
  const b = steered.outcomes[key] ?? [];
  const share = (xs: readonly boolean[]) => xs.filter(Boolean).length / Math.max(1, xs.length);
  return { value: share(b) - share(a), ...changeInterval(a, b, 1000, seed), n: b.length };
}
