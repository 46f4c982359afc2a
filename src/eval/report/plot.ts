// Plots as SVG strings via vega-lite → vega, rendered headless (renderer 'none', no canvas).
// vega is imported on first use: it costs ~0.5 s, which every CLI start would otherwise pay.
import type * as vl from 'vega-lite';

export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** A line chart of one or more series over x. */
export function lineChart(rows: readonly Record<string, number | string>[], x: string, y: string, series: string, title: string): vl.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    width: 480,
    height: 260,
    data: { values: rows as Record<string, number | string>[] },
    mark: { type: 'line', point: false },
    encoding: {
      x: { field: x, type: 'quantitative', title: x },
      y: { field: y, type: 'quantitative', title: y, scale: { zero: false } },
      // labelLimit 0: a legend label is never cut short ("replies carrying t…"); the legend widens instead.
      color: { field: series, type: 'nominal', title: null, legend: { labelLimit: 0 } },
    },
  };
}

type Row = Record<string, number | string>;

/**
 * A curve per series over x with its interval as a band (y from `lo` to `hi`), one panel per value
 * of `panel` (in the order the rows name them), and the zero line: where a band leaves 0, the change is measured.
 */
export function bandChart(rows: readonly Row[], o: { x: string; y: string; lo: string; hi: string; series: string; panel: string; title: string }): vl.TopLevelSpec {
  const x = { field: o.x, type: 'quantitative' as const, title: o.x };
  // 20 colours: the organism's card has 16 figures, more than the default scheme's 10.
  const color = { field: o.series, type: 'nominal' as const, title: null, legend: { labelLimit: 0 }, scale: { scheme: 'tableau20' } };
  const panels = [...new Set(rows.map((r) => String(r[o.panel])))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: o.title,
    data: { values: rows as Row[] },
    facet: { field: o.panel, type: 'nominal', title: null, sort: panels },
    columns: 2,
    spec: {
      width: 300,
      height: 180,
      layer: [
        { mark: { type: 'area', opacity: 0.18 }, encoding: { x, y: { field: o.lo, type: 'quantitative', title: o.y }, y2: { field: o.hi }, color } },
        { mark: { type: 'line', point: true }, encoding: { x, y: { field: o.y, type: 'quantitative', title: o.y }, color } },
        { mark: { type: 'rule', strokeDash: [4, 3], color: '#888' }, encoding: { y: { datum: 0 } } },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  };
}

/** Bars of two or more conditions side by side per item (e.g. each figure unsteered and steered). */
export function groupedBars(rows: readonly Row[], o: { item: string; value: string; condition: string; title: string; max?: number }): vl.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: o.title,
    width: 420,
    data: { values: rows as Row[] },
    mark: { type: 'bar' },
    encoding: {
      y: { field: o.item, type: 'nominal', sort: null, title: null, axis: { labelLimit: 0 } },
      yOffset: { field: o.condition, sort: null },
      x: { field: o.value, type: 'quantitative', title: o.value, ...(o.max !== undefined ? { scale: { domain: [0, o.max] } } : {}) },
      color: { field: o.condition, type: 'nominal', sort: null, title: null, legend: { labelLimit: 0 } },
    },
  };
}

/** Each item's change as a point with its interval as a rule, beside the zero line. */
export function intervalDots(rows: readonly Row[], o: { item: string; value: string; lo: string; hi: string; title: string }): vl.TopLevelSpec {
  const y = { field: o.item, type: 'nominal' as const, sort: null, title: null, axis: { labelLimit: 0 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: o.title,
    width: 420,
    data: { values: rows as Row[] },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, x: { field: o.lo, type: 'quantitative', title: o.value }, x2: { field: o.hi } } },
      { mark: { type: 'point', filled: true, size: 50 }, encoding: { y, x: { field: o.value, type: 'quantitative' } } },
      { mark: { type: 'rule', strokeDash: [4, 3], color: '#888' }, encoding: { x: { datum: 0 } } },
    ],
  };
}

/** One tick per observation along x, a row per item, coloured by class (e.g. scores by label). */
export function stripChart(rows: readonly Row[], o: { item: string; value: string; cls: string; title: string }): vl.TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: o.title,
    width: 420,
    data: { values: rows as Row[] },
    mark: { type: 'tick', thickness: 2, opacity: 0.7 },
    encoding: {
      y: { field: o.item, type: 'nominal', sort: null, title: null, axis: { labelLimit: 0 } },
      yOffset: { field: o.cls, sort: null },
      x: { field: o.value, type: 'quantitative', title: o.value, scale: { zero: false } },
      color: { field: o.cls, type: 'nominal', sort: null, title: null, legend: { labelLimit: 0 } },
    },
  };
}
