// `eval specificity --html`: the suite's result as a page a person reads. One strength: every
// figure's share unsteered and steered as bars, and the change with its 95% interval; a curve over
// multiples: the change per figure over strength with its interval as a band, a panel per group.
// The table under each plot holds the same numbers; sample replies (a behaviour file's) close it.
import type { SpecificityCurveRow, SpecificityRow } from '../specificity.js';
import { renderReport, type ReportSection } from './html.js';
import { bandChart, groupedBars, intervalDots, renderSvg } from './plot.js';

export interface SpecificityReplyRow {
  figure: string;
  prompt: string;
  unsteered: string;
  steered: string;
  /** The judge's verdicts (true: the figure counts the reply). */
  unsteeredVerdict: boolean;
  steeredVerdict: boolean;
}

export interface SpecificityReportInput {
  /** The steering in words, e.g. "dog (diffmean) at 4.2 at layers.2.resid_post". */
  steering: string;
  /** One line on the sets and judges (examples per set, seed, judge). */
  setting: string;
  rows?: readonly SpecificityRow[];
  curve?: { rows: readonly SpecificityCurveRow[]; multiples: readonly number[] };
  replies?: readonly SpecificityReplyRow[];
  /** The condition the replies' steered column shows (default "steered"). */
  repliesSteered?: string;
}

const excludes0 = (lo: number, hi: number) => (lo > 0 || hi < 0 ? 'yes' : '');

export async function specificityHtml(r: SpecificityReportInput): Promise<string> {
  const sections: ReportSection[] = [{ heading: 'Setting', text: [`Steering: ${r.steering}.`, r.setting, 'Every figure is the share of replies its judge counts, measured without and with the steering on the same prompts and seeds; the change carries a 95% bootstrap interval (paired over prompts).'] }];
  if (r.rows) {
    const rows = r.rows;
    const bars = rows.flatMap((x) => [
      { figure: `${x.group}: ${x.key}`, condition: 'unsteered', share: x.unsteered },
      { figure: `${x.group}: ${x.key}`, condition: 'steered', share: x.steered },
    ]);
    sections.push({ heading: 'Before and after', svg: await renderSvg(groupedBars(bars, { item: 'figure', value: 'share', condition: 'condition', title: 'each figure unsteered and steered', max: 1 })) });
    sections.push({
      heading: 'Change with its 95% interval',
      svg: await renderSvg(intervalDots(rows.map((x) => ({ figure: `${x.group}: ${x.key}`, change: x.change, lo: x.lo, hi: x.hi })), { item: 'figure', value: 'change', lo: 'lo', hi: 'hi', title: 'steered − unsteered; an interval clear of 0 is a measured change' })),
      table: { columns: ['group', 'figure', 'n', 'unsteered', 'steered', 'change', 'low', 'high', 'excludes 0'], rows: rows.map((x) => [x.group, x.key, x.n, x.unsteered, x.steered, x.change, x.lo, x.hi, excludes0(x.lo, x.hi)]) },
    });
  }
  if (r.curve) {
    const { rows, multiples } = r.curve;
    const points = rows.flatMap((x) => x.points.map((p, i) => ({ group: x.group, figure: x.key, multiple: multiples[i]!, change: p.change, lo: p.lo, hi: p.hi })));
    // The unsteered point: change 0 by definition, so every curve starts from the same baseline.
    const base = multiples.includes(0) ? [] : rows.map((x) => ({ group: x.group, figure: x.key, multiple: 0, change: 0, lo: 0, hi: 0 }));
    sections.push({
      heading: 'Change over strength',
      svg: await renderSvg(bandChart([...base, ...points], { x: 'multiple', y: 'change', lo: 'lo', hi: 'hi', series: 'figure', panel: 'group', title: 'change per figure over multiples of the given strength (band: 95% interval)' })),
      table: { columns: ['group', 'figure', 'unsteered', 'multiple', 'steered', 'change', 'low', 'high', 'excludes 0'], rows: rows.flatMap((x) => x.points.map((p, i) => [x.group, x.key, x.unsteered, multiples[i]!, p.steered, p.change, p.lo, p.hi, excludes0(p.lo, p.hi)])) },
    });
  }
  if (r.replies?.length) {
    const v = (b: boolean) => (b ? 'counted' : '—');
    sections.push({ heading: 'Replies', table: { columns: ['figure', 'prompt', 'unsteered', 'judge', r.repliesSteered ?? 'steered', 'judge'], rows: r.replies.map((x) => [x.figure, x.prompt, x.unsteered, v(x.unsteeredVerdict), x.steered, v(x.steeredVerdict)]) } });
  }
  return renderReport('steerling eval specificity', sections);
}
