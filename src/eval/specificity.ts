// The specificity suite (evaluation.md): what else a steering intervention changed. Every figure
// the given measure reports (a share of true outcomes, e.g. replies that parse) is measured without
// and with the steering on the same prompts and seeds, and reported as the change with a 95%
// bootstrap interval, in the groups the caller names. The organism's figures (its card) and groups
// (general, control, robustness, targets): src/organism/specificity.ts; nothing here knows the organism.

import type { Hooks } from '../models/hooks.js';
import { Rng } from '../util/rng.js';

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
  /**
   * Every figure's outcomes (one boolean per judged reply) under the hooks (null: unsteered), on the
   * same prompts and seeds at every call.
   */
  measure: (hooks: Hooks | null, onProgress: (phase: string, done: number, total: number) => void) => Readonly<Record<string, readonly boolean[]>>;
  /** The figures reported, by group, in this order. */
  groups: Readonly<Record<string, readonly string[]>>;
  /** Seeds the bootstrap. */
  seed: number;
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
export function runSpecificityCurve(conditions: readonly { label: string; hooks: Hooks }[], o: SpecificityOptions): SpecificityCurveRow[] {
  const progress = (label: string) => (p: string, d: number, t: number) => o.onProgress?.(`${label}: ${p}`, d, t);
  const base = o.measure(null, progress('unsteered'));
  const runs = conditions.map((c) => o.measure(c.hooks, progress(c.label)));
  const rows: SpecificityCurveRow[] = [];
  for (const [group, keys] of Object.entries(o.groups)) {
    for (const key of keys) {
      const a = base[key] ?? [];
      const u = share(a);
      rows.push({
        key, group, unsteered: u, n: a.length,
        points: runs.map((r, i) => {
          const b = r[key] ?? [];
          const s = share(b);
          return { label: conditions[i]!.label, steered: s, change: s - u, ...changeInterval(a, b, o.bootstrap ?? 1000, o.seed + 97 * rows.length + i) };
        }),
      });
    }
  }
  return rows;
}

export function runSpecificity(o: SpecificityOptions & { hooks: Hooks }): SpecificityRow[] {
  return singleConditionRows(runSpecificityCurve([{ label: 'steered', hooks: o.hooks }], o));
}

/** A curve of one condition as the rows of one steering. */
export function singleConditionRows(rows: readonly SpecificityCurveRow[]): SpecificityRow[] {
  return rows.map((r) => {
    const p = r.points[0]!;
    return { key: r.key, group: r.group, unsteered: r.unsteered, steered: p.steered, change: p.change, lo: p.lo, hi: p.hi, n: r.n };
  });
}
