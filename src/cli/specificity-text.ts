// `eval specificity`'s terminal tables: every figure's change with its 95% interval (also on a
// curve over multiples, one line a multiple), and the steering named by what it does — a clamp's
// target, one strength where every intervention has the same (also `chat`'s steering line).

import type { LoadedSteer } from '../artifact/steering.js';
import { describeSteering } from '../artifact/steering.js';
import { readableNumber } from '../util/number-text.js';
import type { SpecificityCurveRow, SpecificityRow } from '../eval/specificity.js';

const p = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '  –  ');
const sg = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(3)}` : '  –  ');
/** A strength as a person reads it: 3 decimals, no exponent. */
const num = (x: number) => String(+x.toFixed(3));
const interval = (lo: number, hi: number) => `[${sg(lo)}, ${sg(hi)}]${lo > 0 || hi < 0 ? ' *' : ''}`;

/** What a clamp clamps to (" clamped to μ− (neg)", " clamped to μ+"); nothing for other kinds. */
function clampTarget(s: LoadedSteer): string {
  return s.request.target === 'neg' ? ' clamped to μ− (neg)' : s.artifact.meta.interventions.some((r) => r.kind === 'clamp') ? ' clamped to μ+' : '';
}

/** "refusal (diffmean) at -10", "ocean (cdas) clamped to μ− (neg) at 1", "r (ablation) at 1 on 12 sites". */
export function steeringLabel(s: LoadedSteer): string {
  const d = describeSteering(s);
  const strengths = [...new Set(d.strengths.map(num))];
  const at = strengths.length === 1 ? `at ${strengths[0]}` : `at ${strengths.join('/')}`;
  const target = clampTarget(s);
  const sites = d.sites.length > 1 ? ` on ${d.sites.length} sites` : ` at ${d.sites[0]}`;
  return `${d.name} (${d.method})${target} ${at}${sites}`;
}

/** `chat`'s steering line: each artifact's name, method, clamp target, strength and range (flagged when past it). */
export function chatSteeringLine(steering: readonly LoadedSteer[]): string {
  if (steering.length === 0) return 'none';
  return steering.map((s) => {
    const d = describeSteering(s);
    const past = d.strengths.some((x) => x < d.range[0] || x > d.range[1]);
    return `${d.name} (${d.method})${clampTarget(s)} at ${readableNumber(d.strengths[0]!)}, range [${d.range.map((x) => readableNumber(x)).join(', ')}]${past ? ' (past the range: expect degenerate text)' : ''}`;
  }).join('; ');
}

const HEAD = 'group       figure                        unsteered  ';

export function specificityTable(rows: readonly SpecificityRow[]): string[] {
  return [
    HEAD + 'steered  change   95% interval',
    ...rows.map((r) => `${r.group.padEnd(12)}${r.key.padEnd(30)}${p(r.unsteered).padEnd(11)}${p(r.steered).padEnd(9)}${sg(r.change).padEnd(9)}${interval(r.lo, r.hi)}`),
    '* the interval excludes 0',
  ];
}

/** One line per figure and multiple, each with its interval. */
export function specificityCurveTable(rows: readonly SpecificityCurveRow[]): string[] {
  const lines = [HEAD + 'multiple  steered  change   95% interval'];
  for (const r of rows) {
    r.points.forEach((pt, i) => {
      const lead = i === 0 ? `${r.group.padEnd(12)}${r.key.padEnd(30)}${p(r.unsteered).padEnd(11)}` : ' '.repeat(53);
      lines.push(`${lead}${pt.label.padEnd(10)}${p(pt.steered).padEnd(9)}${sg(pt.change).padEnd(9)}${interval(pt.lo, pt.hi)}`);
    });
  }
  lines.push('* the interval excludes 0');
  return lines;
}
