// `eval claims --html`: every claim as a section — the claim, its setting, bar and verdict, its
// measured rows as points with their 95% intervals, and the same numbers as a table.
import { renderReport, type ReportSection } from '../../eval/report/html.js';
import { intervalDots, renderSvg } from '../../eval/report/plot.js';
import { formatRow } from './render.js';
import type { ClaimsResult } from './types.js';

const mark = (met: boolean | null) => (met === null ? 'descriptive (no bar)' : met ? 'met' : 'NOT met');

export async function claimsHtml(r: ClaimsResult): Promise<string> {
  const sections: ReportSection[] = [{ heading: 'Summary', text: [`Claims on ${r.model} (${Math.round(r.seconds)} s); values with 95% intervals.`], table: { columns: ['claim', 'bar', 'result'], rows: r.sections.map((s) => [s.title, s.bar, `${mark(s.met)}: ${s.verdict}`]) } }];
  for (const s of r.sections) {
    const rows = s.rows.filter((x) => Number.isFinite(x.value));
    sections.push({
      heading: s.title,
      text: [`Claim: ${s.claim}.`, `Setting: ${s.setting}.`, `Bar: ${s.bar}. Result: ${mark(s.met)}: ${s.verdict}.`],
      ...(rows.length ? { svg: await renderSvg(intervalDots(rows.map((x) => ({ measured: x.label, value: x.value, lo: Number.isFinite(x.lo) ? x.lo : x.value, hi: Number.isFinite(x.hi) ? x.hi : x.value })), { item: 'measured', value: 'value', lo: 'lo', hi: 'hi', title: `${s.title}: value with its 95% interval` })) } : {}),
      table: { columns: ['measured', 'unit', 'value [95% interval]'], rows: s.rows.map((x) => [x.label, x.unit, formatRow(x)]) },
    });
  }
  return renderReport('steerling eval claims', sections);
}
