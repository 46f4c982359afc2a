// `eval detection --html`: AUROC, AUROC on hard negatives and F1 per concept as bars, and every
// text's score (its max-over-tokens projection) by class, so a reader sees where the classes overlap.
import type { DetectionReport } from '../concept-detection.js';
import { renderReport } from './html.js';
import { groupedBars, renderSvg, stripChart } from './plot.js';

export interface DetectionReportInput {
  method: string;
  site: string;
  /** Where the texts came from, in one line. */
  setting: string;
  concepts: Readonly<Record<string, DetectionReport>>;
  /** Every scored text: its concept, class (positive / negative / hard negative) and score. */
  scores: readonly { concept: string; kind: string; score: number }[];
}

export async function detectionHtml(r: DetectionReportInput): Promise<string> {
  const entries = Object.entries(r.concepts);
  const bars = entries.flatMap(([c, v]) => [
    { concept: c, measure: 'AUROC', value: v.auroc },
    ...(v.auroc_hard === null ? [] : [{ concept: c, measure: 'AUROC (hard negatives)', value: v.auroc_hard }]),
    { concept: c, measure: 'F1', value: v.f1 },
  ]);
  const kind = (k: string) => k.replace('_', ' ');
  const mean = (k: 'auroc' | 'f1') => entries.reduce((s, [, v]) => s + v[k], 0) / Math.max(1, entries.length);
  return renderReport(`steerling eval detection: ${r.method}`, [
    { heading: 'Setting', text: [`${r.method} at ${r.site}; ${r.setting}`, 'A text\'s score is the largest projection of its reply tokens onto the artifact\'s direction. AUROC: positives against every negative; hard: against the hard negatives alone; F1 at the best threshold.', `Mean AUROC ${mean('auroc').toFixed(3)}, mean F1 ${mean('f1').toFixed(3)}.`] },
    { heading: 'Figures', svg: await renderSvg(groupedBars(bars, { item: 'concept', value: 'value', condition: 'measure', title: 'detection per concept', max: 1 })), table: { columns: ['concept', 'AUROC', 'AUROC (hard)', 'F1', 'threshold', 'positive', 'negative', 'hard negative'], rows: entries.map(([c, v]) => [c, v.auroc, v.auroc_hard ?? '–', v.f1, v.threshold, v.n.positive, v.n.negative, v.n.hard_negative]) } },
    { heading: 'Scores', svg: await renderSvg(stripChart(r.scores.map((s) => ({ concept: s.concept, class: kind(s.kind), score: s.score })), { item: 'concept', value: 'score', cls: 'class', title: 'each text\'s score (max-over-tokens projection) by class' })) },
  ]);
}
