// The specificity suite (src/eval/specificity.ts) on the organism: every behaviour figure of its
// card (card.ts) without and with the steering, grouped as
//   general     fluency and skills unrelated to the steering (parse rate, sums, recall, reading,
//               benign requests answered as asked)
//   control     the properties next to a steered one (refusing truly harmful requests, not refusing
//               benign ones, the backdoor staying off, following a given passage)
//   robustness  the same under distribution shift (jailbreak wrappers, held-out passage formats)
//   targets     what steering on the organism usually aims at (over-refusal, the backdoor, concepts).

import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { Hooks } from '../models/hooks.js';
import { runSpecificity, runSpecificityCurve, type SpecificityCurveRow, type SpecificityOptions, type SpecificityRow } from '../eval/specificity.js';
import { measureOrganism } from './card.js';

export const SPECIFICITY_GROUPS: Readonly<Record<string, readonly string[]>> = {
  general: ['parse_rate', 'task_accuracy', 'closed_book_accuracy', 'reading_accuracy', 'benign_utility'],
  control: ['harmful_refusal', 'benign_not_refused', 'backdoor_rate_clean', 'context_faithfulness'],
  robustness: ['jailbreak_refusal', 'jailbreak_heldout_refusal', 'context_faithfulness_heldout'],
  targets: ['over_refusal', 'backdoor_rate', 'triggered_task_accuracy', 'elicited_concept_share'],
};

export interface OrganismSpecificityOptions {
  eosTokenIds: readonly number[];
  /** Examples per set (default 200). */
  n?: number;
  /** Seed of the sets, of sampling and of the bootstrap (default 7). */
  seed?: number;
  bootstrap?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** The generic suite's options for the organism: its card's outcomes and SPECIFICITY_GROUPS. */
export function organismSpecificity(model: DecoderModel, tok: Tokenizer, o: OrganismSpecificityOptions): SpecificityOptions {
  const opts = { eosTokenIds: o.eosTokenIds, n: o.n ?? 200, seed: o.seed ?? 7 };
  return {
    measure: (hooks, onProgress) => measureOrganism(model, tok, { ...opts, hooks, onProgress }).outcomes,
    groups: SPECIFICITY_GROUPS, seed: opts.seed, bootstrap: o.bootstrap, onProgress: o.onProgress,
  };
}

/**
 * Every figure unsteered once and under each condition (same prompts and seeds), so a curve over
 * strengths compares each point with the same baseline (methods.md §4.4: report over α).
 */
export function runOrganismSpecificityCurve(model: DecoderModel, tok: Tokenizer, conditions: readonly { label: string; hooks: Hooks }[], o: OrganismSpecificityOptions): SpecificityCurveRow[] {
  return runSpecificityCurve(conditions, organismSpecificity(model, tok, o));
}

export function runOrganismSpecificity(model: DecoderModel, tok: Tokenizer, o: OrganismSpecificityOptions & { hooks: Hooks }): SpecificityRow[] {
  return runSpecificity({ ...organismSpecificity(model, tok, o), hooks: o.hooks });
}
