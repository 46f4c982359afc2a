// The trace for scripts (JSON) and for people (an HTML page with one vega-lite heatmap per site
// kind, through the evaluation reports' renderer).
import type * as vl from 'vega-lite';
import { renderReport, type ReportSection } from '../eval/report/html.js';
import { renderSvg } from '../eval/report/plot.js';
import { rowLabel } from './heatmap.js';
import type { TraceResult } from './trace.js';

/** The result as plain JSON (snake_case, as the other commands' --json). */
export function traceJson(r: TraceResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...extra,
    measure: r.measure,
    concept: { words: r.concept.words, sequences: r.concept.sequences.map((s) => ({ tokens: s.tokens, ids: s.ids, words: s.words })) },
    sites: r.sites,
    layers: r.layers,
    base: r.base,
    source: r.source,
    rows: r.rows.map((x) => ({ key: x.key, role: x.role, label: x.label, base_label: x.baseLabel, pairs: x.pairs, base: x.base, source: x.source })),
    effects: r.effects,
    pairs: r.pairs.map((p) => ({
      source: p.source, base: p.base, reply: p.reply, base_measure: p.baseMeasure, source_measure: p.sourceMeasure,
      base_logp: p.baseScores, source_logp: p.sourceScores, rows: p.rows,
    })),
    runs: r.runs,
    seconds: r.seconds,
  };
}

/** Unique y labels for the heatmap (a token may occur twice in the source-only span). */
function yLabels(r: TraceResult): string[] {
  const labels = r.rows.map(rowLabel);
  return labels.map((l, i) => (labels.indexOf(l) !== i || labels.lastIndexOf(l) !== i ? `${l} [${r.rows[i]!.key}]` : l));
}

/** A vega-lite heatmap of one site kind: rows top to bottom as in the terminal, layers left to right. */
export function heatmapSpec(r: TraceResult, kind: string): vl.TopLevelSpec {
  const eff = r.effects[kind]!;
  const ys = yLabels(r);
  const values = r.rows.flatMap((_, i) => r.layers.map((layer, l) => ({ row: ys[i]!, layer, fraction: eff.fraction[i]![l], patched: eff.patched[i]![l] })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${kind}: fraction of the concept restored`,
    width: Math.max(160, 56 * r.layers.length),
    height: { step: 16 },
    data: { values },
    encoding: {
      x: { field: 'layer', type: 'ordinal', title: 'layer' },
      y: { field: 'row', type: 'ordinal', title: null, sort: ys, axis: { labelLimit: 320 } },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'fraction', type: 'quantitative', title: 'fraction', scale: { scheme: 'redblue', reverse: true, domain: [-1, 1], clamp: true } },
          tooltip: [{ field: 'row' }, { field: 'layer' }, { field: 'fraction', format: '.3f' }, { field: 'patched', format: '.4g' }],
        },
      },
      { mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'fraction', type: 'quantitative', format: '.2f' } } },
    ],
  } as vl.TopLevelSpec;
}

/** The HTML page: summary, one heatmap per site kind, the rows' raw measures, the pairs. */
export async function traceHtml(r: TraceResult, meta: Record<string, string>): Promise<string> {
  const fmt = (x: number) => (r.measure === 'prob' ? Number(x.toPrecision(4)) : Number(x.toFixed(4)));
  const sections: ReportSection[] = [
    {
      heading: 'Summary',
      text: [
        `Measure: the mean over reply positions of ${r.measure === 'prob' ? 'P(concept)' : 'log P(concept)'}; unpatched base ${fmt(r.base)}, source ${fmt(r.source)} (${r.pairs.length} pairs, ${r.runs} patched runs, ${r.seconds.toFixed(1)} s).`,
        'Each cell: the base run with the source run\'s activation at that site, layer and position; the fraction of the gap restored, (patched − base) / (source − base), pooled over the pairs that have the row. Rows: prefix = shared prompt start (must be 0); source = tokens only the source has ("A → B": substituted at the base token B, or paired 1:1 when both spans have the same length); suffix = shared prompt end; reply k = the k-th reply token (fed to both runs); reply all = every reply position at once.',
        `Concept token sequences: ${r.concept.sequences.map((s) => s.tokens.join(' ')).join(', ')}.`,
      ],
    },
  ];
  for (const kind of r.sites) sections.push({ heading: kind, svg: await renderSvg(heatmapSpec(r, kind)) });
  sections.push({
    heading: 'Rows',
    table: {
      columns: ['row', 'key', 'pairs', 'base', 'source', ...r.sites.flatMap((k) => r.layers.map((l) => `${k} L${l}`))],
      rows: r.rows.map((x, i) => [rowLabel(x), x.key, x.pairs, fmt(x.base), fmt(x.source), ...r.sites.flatMap((k) => r.effects[k]!.patched[i]!.map(fmt))]),
    },
  });
  sections.push({
    heading: 'Pairs',
    table: { columns: ['source', 'base', 'reply', 'base measure', 'source measure'], rows: r.pairs.map((p) => [p.source, p.base, p.reply, fmt(p.baseMeasure), fmt(p.sourceMeasure)]) },
  });
  return renderReport('steerling trace', sections, meta);
}
