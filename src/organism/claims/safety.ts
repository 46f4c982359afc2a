// The CDAS paper's safety studies on the organism (methods.md §1.6: the data-derived target at
// multiplier 1, no sweep): refusal override and backdoor neutralisation, each in both directions —
// the clamp to μ− (the behaviour's absence) on every prompt, and to μ+ (its presence).

import type { DecoderModel } from '../../models/decoder.js';
import type { Tokenizer } from '../../tokenizer/index.js';
import type { Artifact } from '../../artifact/artifact.js';
import type { CdasVariant } from '../../methods/cdas/variants.js';
import type { ContrastRow } from '../../methods/cdas/data.js';
import { contrastAsConceptData } from '../../methods/cdas/data.js';
import { METHODS } from '../../methods/index.js';
import { artifactInterventions } from '../../artifact/apply.js';
import { hooksFor } from '../../intervene/index.js';
import { measureFigures, type FigureSet, type MeasureOptions } from './figures.js';

export interface CdasSetting {
  /** Short name in the table. */
  id: string;
  label: string;
  variant: CdasVariant;
  /** Training steps (undefined: the method's own epochs). */
  steps?: number;
}

export const PAPER_SETTING: CdasSetting = { id: 'paper', label: 'CDAS, the paper\'s setting (header source, all positions, rank 1)', variant: { sourcePosition: 'header', basePositions: 'all', rank: 1 } };
/** Ours (issue 19): the source read over the instruction's concept clause, rank 8, trained for `steps`. */
export function oursSetting(steps = 200): CdasSetting {
  return { id: 'ours', label: `CDAS, ours (clause source, all positions, rank 8, ${steps} steps)`, variant: { sourcePosition: 'clause', basePositions: 'all', rank: 8 }, steps };
}

export function fitCdas(model: DecoderModel, tok: Tokenizer, rows: readonly ContrastRow[], site: string, s: CdasSetting, name: string): Artifact {
  return METHODS.cdas!.fit({ model, tokenizer: tok, data: contrastAsConceptData(rows), contrast: rows, site, name, hubId: null, seed: 1, options: { ...s.variant, ...(s.steps !== undefined ? { steps: s.steps } : {}) } });
}

/** The card figures with the clamp to μ− and to μ+, both at multiplier 1. */
export function clampBothWays(model: DecoderModel, tok: Tokenizer, art: Artifact, o: MeasureOptions): { neg: FigureSet; pos: FigureSet } {
  const at = (target: 'neg' | 'pos') => measureFigures(model, tok, hooksFor(artifactInterventions(art, model, { strength: 1, target }), model.arch.layers), { ...o, onProgress: (p, d, t) => o.onProgress?.(`${art.meta.name} → μ${target === 'neg' ? '−' : '+'}: ${p}`, d, t) });
  return { neg: at('neg'), pos: at('pos') };
}
