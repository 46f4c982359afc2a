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
