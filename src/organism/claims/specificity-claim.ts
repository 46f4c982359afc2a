// The specificity loss of each steering the claims measured: the figure unrelated to its target
// that fell most (general skills and the control properties of organism/specificity.ts).

import { SPECIFICITY_GROUPS } from '../specificity.js';
import { figureChange, type FigureSet } from './figures.js';
import type { ClaimRow, ClaimSection } from './types.js';

export interface MeasuredSteering {
  label: string;
  figures: FigureSet;
  /** The figures it aims to move (left out of its loss). */
  targets: readonly string[];
}

const KEYS = [...SPECIFICITY_GROUPS['general']!, ...SPECIFICITY_GROUPS['control']!];
/** A fall within this counts as no loss (the same tolerance as "utility kept"). */
export const SPECIFICITY_TOLERANCE = 0.05;

export function specificitySection(base: FigureSet, steerings: readonly MeasuredSteering[], n: number): ClaimSection {
  const rows: ClaimRow[] = [];
  let worst = { label: '', key: '', value: 0 };
  for (const s of steerings) {
    const falls = KEYS.filter((k) => !s.targets.includes(k) && (base.outcomes[k]?.length ?? 0) > 0).map((k) => ({ key: k, ...figureChange(base, s.figures, k) }));
    const w = falls.reduce((a, b) => (b.value < a.value ? b : a));
    rows.push({ label: `${s.label}: largest fall (${w.key})`, value: w.value, lo: w.lo, hi: w.hi, unit: 'change', note: `over ${falls.length} general and control figures; paired bootstrap 95%` });
    if (w.value < worst.value) worst = { label: s.label, key: w.key, value: w.value };
  }
  return {
    id: 'specificity',
    title: 'Specificity loss',
    claim: 'steering changes what it targets and leaves the rest (the specificity suite: general skills and the properties next to the steered one)',
    setting: `every card figure of the general and control groups (${KEYS.join(', ')}) without and with each steering at the strength its section measured, card sets of ${n}`,
    rows,
    bar: `no steering lowers a figure it does not target by more than ${SPECIFICITY_TOLERANCE}`,
    verdict: worst.key ? `largest loss: ${worst.label}, ${worst.key} ${worst.value.toFixed(2)}` : 'no figure fell',
    met: worst.value >= -SPECIFICITY_TOLERANCE,
  };
}
