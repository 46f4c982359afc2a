// What a feature responds to: over a set of token activations, each feature's top-activating
// tokens with a window of context, for the terminal (the token in [[ ]]) or an HTML page (tokens
// shaded by the feature's activation).

import type { Tokenizer } from '../tokenizer/index.js';
import type { Sae } from './sae.js';
import type { TokenRows } from './tokens.js';
import { forEachCode } from './metrics.js';

export interface FeatureContext {
  activation: number;
  /** Context tokens (decoded pieces) and each one's activation of the feature (0 where it did not fire or was not measured). */
  tokens: string[];
  acts: number[];
  /** Index in `tokens` of the top-activating token. */
  at: number;
}

export interface FeatureReport {
  feature: number;
  /** Share of tokens it fired on, and its largest activation. */
  frequency: number;
  max: number;
  top: FeatureContext[];
}

/** Top `n` contexts of each feature (`features`: which; default the `count` most frequent live ones). */
export function inspectFeatures(sae: Sae, rows: TokenRows, tok: Tokenizer, o: { features?: readonly number[]; count?: number; top?: number; before?: number; after?: number } = {}): FeatureReport[] {
  const W = sae.width;
  for (const f of o.features ?? []) if (!Number.isInteger(f) || f < 0 || f >= W) throw new Error(`--feature ${f}: the SAE has features 0 to ${W - 1}`);
  const topN = o.top ?? 8;
  const fires = new Float64Array(W);
  const maxAct = new Float32Array(W);
  // Per feature its best rows so far (small sorted lists); the codes are streamed in chunks.
  const best: { row: number; a: number }[][] = Array.from({ length: W }, () => []);
  // Activation of every (row, feature) pair that made some top list, for shading the context.
  const actAt = new Map<number, Map<number, number>>();
  forEachCode(sae, rows.x, rows.rows, (z, r0, n) => {
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < W; i++) {
        const a = z[r * W + i]!;
        if (!(a > 0)) continue;
        fires[i]++;
        if (a > maxAct[i]!) maxAct[i] = a;
        const b = best[i]!;
        if (b.length < topN || a > b[b.length - 1]!.a) {
          b.push({ row: r0 + r, a });
          b.sort((x, y) => y.a - x.a);
          if (b.length > topN) b.pop();
        }
      }
    }
  });
  const chosen = o.features ? [...o.features] : [...Array(W).keys()].filter((i) => fires[i]! > 0).sort((a, b) => fires[b]! - fires[a]!).slice(0, o.count ?? 16);
  // Second pass for the context windows' activations of the chosen features.
  const want = new Set(chosen);
  const before = o.before ?? 10;
  const after = o.after ?? 3;
  const need = new Set<number>();
  for (const f of chosen) for (const { row } of best[f]!) for (let r = Math.max(0, row - before); r <= Math.min(rows.rows - 1, row + after); r++) need.add(r);
  forEachCode(sae, rows.x, rows.rows, (z, r0, n) => {
    for (let r = 0; r < n; r++) {
      if (!need.has(r0 + r)) continue;
      const m = new Map<number, number>();
      for (const f of want) if (z[r * W + f]! > 0) m.set(f, z[r * W + f]!);
      actAt.set(r0 + r, m);
    }
  });
  const piece = (id: number) => tok.decode([id], { skipSpecialTokens: false });
  return chosen.map((f) => ({
    feature: f,
    frequency: fires[f]! / rows.rows,
    max: maxAct[f]!,
    top: best[f]!.map(({ row, a }) => {
      const text = rows.texts[rows.text[row]!]!;
      const pos = rows.pos[row]!;
      const lo = Math.max(0, pos - before);
      const hi = Math.min(text.length, pos + after + 1);
      const tokens: string[] = [];
      const acts: number[] = [];
      for (let t = lo; t < hi; t++) {
        tokens.push(piece(text[t]!));
        // Rows of one text are consecutive: the row of position t is row + (t − pos); position 0 (BOS) has none.
        acts.push(t === 0 ? 0 : (actAt.get(row + t - pos)?.get(f) ?? 0));
      }
      return { activation: a, tokens, acts, at: pos - lo };
    }),
  }));
}

export function featureText(reports: readonly FeatureReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    lines.push(`feature ${r.feature}: fires on ${(100 * r.frequency).toFixed(2)}% of tokens, max ${r.max.toFixed(2)}`);
    for (const c of r.top) lines.push(`  ${c.activation.toFixed(2).padStart(7)}  ${c.tokens.map((t, i) => (i === c.at ? `[[${t}]]` : t)).join(' ')}`);
  }
  return lines.join('\n');
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function featureHtml(reports: readonly FeatureReport[], title: string): string {
  const body = reports.map((r) => {
    const rowsHtml = r.top.map((c) => {
      const cells = c.tokens.map((t, i) => {
        const a = r.max > 0 ? Math.min(1, c.acts[i]! / r.max) : 0;
        return `<span title="${c.acts[i]!.toFixed(3)}" style="background: rgba(255,120,0,${a.toFixed(3)});${i === c.at ? ' outline: 1px solid #333;' : ''}">${esc(t)}</span>`;
      });
      return `<tr><td>${c.activation.toFixed(2)}</td><td>${cells.join(' ')}</td></tr>`;
    }).join('');
    return `<h2>feature ${r.feature}</h2><p>fires on ${(100 * r.frequency).toFixed(2)}% of tokens, max ${r.max.toFixed(2)}</p><table>${rowsHtml}</table>`;
  }).join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title><style>body{font-family:sans-serif;margin:2em}td{padding:2px 8px;font-family:monospace;vertical-align:top}</style></head><body><h1>${esc(title)}</h1>${body}</body></html>\n`;
}
