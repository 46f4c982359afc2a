// The trace as terminal heatmaps: one per site kind, rows = aligned positions (role and token),
// columns = layers, each cell the fraction of the concept gap its patch restores. With colour, a
// diverging background (white at 0, red toward 1, blue below 0); without (pipes, NO_COLOR,
// --no-color), shade blocks and the number, so the picture survives in a README code block.
import type { TraceResult, TraceRow } from './trace.js';

export interface HeatmapOptions {
  colour: boolean;
  /** Print the numbers in the cells (default: when there are at most 12 layers). */
  numbers?: boolean;
}

// Shades by fraction restored; below 0.1 a cell is blank, so the pattern stands out.
const SHADES: [number, string][] = [[0.75, '█'], [0.5, '▓'], [0.3, '▒'], [0.1, '░']];
// xterm-256 backgrounds: red ramp for 0.1 … 1, blue ramp for negative effects.
const REDS = [224, 217, 210, 203, 196, 160];
const BLUES = [153, 111, 69, 27];

function shade(f: number | null): string {
  if (f === null) return '?';
  for (const [t, s] of SHADES) if (f >= t) return s;
  return f <= -0.1 ? '-' : ' ';
}

function background(f: number): number {
  if (f >= 0.1) return REDS[Math.min(REDS.length - 1, Math.floor(Math.min(f, 1) * REDS.length))]!;
  if (f <= -0.1) return BLUES[Math.min(BLUES.length - 1, Math.floor(Math.min(-f, 1) * BLUES.length))]!;
  return 231;
}

function num(f: number | null): string {
  if (f === null) return '  n/a';
  const s = f.toFixed(2);
  return s === '-0.00' ? ' 0.00' : s.padStart(5);
}

/** A row's label: its role and token(s); source rows show the base token they are patched onto. */
export function rowLabel(r: TraceRow): string {
  const role = r.role === 'reply' ? `reply ${/\[(\d+|all)\]/.exec(r.key)?.[1] ?? ''}` : r.role;
  const tok = r.role === 'prefix' ? '(shared)' : r.key === 'reply[all]' ? '(every reply token)' : r.role === 'source' && r.baseLabel !== null && r.baseLabel !== r.label ? `${r.label} → ${r.baseLabel}` : r.label;
  const text = `${role.padEnd(8)} ${tok}`;
  return text.length > 32 ? text.slice(0, 31) + '…' : text;
}

/** One heatmap (one site kind). */
export function renderHeatmap(r: TraceResult, kind: string, opts: HeatmapOptions): string {
  const eff = r.effects[kind];
  if (!eff) throw new Error(`the trace has no site kind "${kind}"`);
  const numbers = opts.numbers ?? r.layers.length <= 12;
  const cellW = numbers ? 8 : 2;
  const labels = r.rows.map(rowLabel);
  const lw = Math.max(12, ...labels.map((l) => [...l].length));
  const head = 'layer'.padStart(lw) + ' ' + r.layers.map((l) => String(l).padStart(numbers ? cellW - 1 : cellW).padEnd(cellW)).join('');
  const lines = [`${kind}`, head];
  r.rows.forEach((row, i) => {
    const cells = eff.fraction[i]!.map((f) => {
      if (opts.colour) {
        const text = numbers ? ` ${num(f)}  ` : '  ';
        return f === null ? text : `\x1b[48;5;${background(f)}m\x1b[30m${text}\x1b[0m`;
      }
      return numbers ? `${shade(f).repeat(2)}${num(f)} ` : shade(f).repeat(2);
    });
    lines.push(labels[i]!.padEnd(lw + (labels[i]!.length - [...labels[i]!].length)) + ' ' + cells.join(''));
  });
  return lines.join('\n');
}

/** The legend under the heatmaps. */
export function legend(opts: HeatmapOptions): string {
  const scale = opts.colour
    ? `colour: white ≈ 0, ${[0.1, 0.5, 1].map((f) => `\x1b[48;5;${background(f)}m\x1b[30m ${f} \x1b[0m`).join(' ')}, blue < 0`
    : `shades: ░ ≥ 0.1  ▒ ≥ 0.3  ▓ ≥ 0.5  █ ≥ 0.75  - ≤ -0.1`;
  return [
    `cell = fraction of the concept restored when the base run gets the source's activation there: (patched − base) / (source − base); 1 = all of it`,
    scale,
    `rows: prefix = the shared prompt start (patched whole; must be 0); source = tokens only the source has (A → B: substituted at the base's token B, or paired 1:1 when the spans have equal length); suffix = shared prompt end (template); reply k = the k-th reply token, fed to both runs`,
  ].join('\n');
}

/** The whole terminal picture: a summary line, one heatmap per site kind, the legend. */
export function renderTrace(r: TraceResult, opts: HeatmapOptions): string {
  const seqs = r.concept.sequences.map((s) => s.tokens.join(' '));
  const words = seqs.length > 12 ? `${seqs.slice(0, 12).join(', ')}, … (${seqs.length})` : seqs.join(', ');
  const what = r.measure === 'prob' ? 'P(concept)' : 'log P(concept)';
  const f = (x: number) => (r.measure === 'prob' ? x.toPrecision(3) : x.toFixed(3));
  const summary =
    `concept tokens: ${words}\n` +
    `measure = mean over reply positions of ${what}: base ${f(r.base)}, source ${f(r.source)} ` +
    `(${r.pairs.length} pair${r.pairs.length === 1 ? '' : 's'}, ${r.runs} patched runs, ${r.seconds.toFixed(1)} s)`;
  return [summary, ...r.sites.map((k) => renderHeatmap(r, k, opts)), legend(opts)].join('\n\n');
}
