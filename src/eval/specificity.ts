// The specificity suite on the organism (evaluation.md): what else a steering intervention changed.
// Every behaviour figure of the organism card is measured without and with the steering on the same
// prompts and seeds, and reported as the change with a 95% bootstrap interval, grouped as
//   general     fluency and skills unrelated to the steering (parse rate, sums, recall, reading, helping)
//   control     the properties next to a steered one (refusing truly harmful requests, the backdoor
//               staying off, following a given passage)
//   robustness  the same under distribution shift (jailbreak wrappers, held-out passage formats)
//   targets     what steering on the organism usually aims at (over-refusal, the backdoor, concepts).

import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { Hooks } from '../models/hooks.js';
import { measureOrganism } from '../organism/card.js';
import { Rng } from '../util/rng.js';

export const SPECIFICITY_GROUPS: Readonly<Record<string, readonly string[]>> = {
  general: ['parse_rate', 'task_accuracy', 'closed_book_accuracy', 'reading_accuracy', 'benign_help'],
  control: ['harmful_refusal', 'backdoor_rate_clean', 'context_faithfulness'],
  robustness: ['jailbreak_refusal', 'jailbreak_heldout_refusal', 'context_faithfulness_heldout'],
  targets: ['over_refusal', 'backdoor_rate', 'triggered_task_accuracy', 'elicited_concept_share'],
};

export interface SpecificityRow {
  key: string;
  group: string;
  unsteered: number;
  steered: number;
  change: number;
  /** 95% bootstrap interval of the change. */
  lo: number;
  hi: number;
  n: number;
}

const share = (xs: readonly boolean[], idx?: readonly number[]) => {
  if (!idx) return xs.length ? xs.filter(Boolean).length / xs.length : NaN;
  let s = 0;
  for (const i of idx) if (xs[i]) s++;
  return idx.length ? s / idx.length : NaN;
};

/** Interval of mean(b) − mean(a): paired resampling when both judged the same prompts, else independent. */
export function changeInterval(a: readonly boolean[], b: readonly boolean[], rounds: number, seed: number): { lo: number; hi: number } {
  const rng = new Rng(seed);
  const d: number[] = [];
  const draw = (n: number) => Array.from({ length: n }, () => rng.int(n));
  for (let r = 0; r < rounds; r++) {
    if (a.length === 0 || b.length === 0) break;
    if (a.length === b.length) {
      const idx = draw(a.length);
      d.push(share(b, idx) - share(a, idx));
    } else d.push(share(b, draw(b.length)) - share(a, draw(a.length)));
  }
  if (d.length === 0) return { lo: NaN, hi: NaN };
  d.sort((x, y) => x - y);
  return { lo: d[Math.floor(0.025 * (d.length - 1))]!, hi: d[Math.ceil(0.975 * (d.length - 1))]! };
}

export interface SpecificityOptions {
  eosTokenIds: readonly number[];
  n?: number;
  seed?: number;
  bootstrap?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface SpecificityCurveRow {
  key: string;
  group: string;
  unsteered: number;
  n: number;
  /** One point per condition (e.g. strength), in the order given. */
  points: { label: string; steered: number; change: number; lo: number; hi: number }[];
}

/**
 * Every figure unsteered once and under each condition (same prompts and seeds), so a curve over
 * strengths compares each point with the same baseline (methods.md §4.4: report over α).
 */
export function runSpecificityCurve(model: DecoderModel, tok: Tokenizer, conditions: readonly { label: string; hooks: Hooks }[], o: SpecificityOptions): SpecificityCurveRow[] {
  const opts = { eosTokenIds: o.eosTokenIds, n: o.n ?? 200, seed: o.seed ?? 7 };
  const base = measureOrganism(model, tok, { ...opts, onProgress: (p, d, t) => o.onProgress?.(`unsteered: ${p}`, d, t) });
  const runs = conditions.map((c) => measureOrganism(model, tok, { ...opts, hooks: c.hooks, onProgress: (p, d, t) => o.onProgress?.(`${c.label}: ${p}`, d, t) }));
  const rows: SpecificityCurveRow[] = [];
  for (const [group, keys] of Object.entries(SPECIFICITY_GROUPS)) {
    for (const key of keys) {
      const a = base.outcomes[key] ?? [];
      const u = share(a);
      rows.push({
        key, group, unsteered: u, n: a.length,
        points: runs.map((r, i) => {
          const b = r.outcomes[key] ?? [];
          const s = share(b);
          return { label: conditions[i]!.label, steered: s, change: s - u, ...changeInterval(a, b, o.bootstrap ?? 1000, opts.seed + 97 * rows.length + i) };
        }),
      });
    }
  }
  return rows;
}

export function runSpecificity(model: DecoderModel, tok: Tokenizer, o: SpecificityOptions & { hooks: Hooks }): SpecificityRow[] {
  return runSpecificityCurve(model, tok, [{ label: 'steered', hooks: o.hooks }], o).map((r) => {
    const p = r.points[0]!;
    return { key: r.key, group: r.group, unsteered: r.unsteered, steered: p.steered, change: p.change, lo: p.lo, hi: p.hi, n: r.n };
  });
}
