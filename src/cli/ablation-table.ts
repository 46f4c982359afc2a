// The candidate table of directional ablation's automatic selection, rebuilt from an artifact's
// stats (or taken from the error when every candidate was discarded) and printed by `train`.
import type { ArtifactMeta } from '../artifact/artifact.js';
import { discardReasons, type AblationCandidate } from '../methods/ablation/select.js';

export interface CandidateRow {
  layer: number;
  position: number;
  /** The template token at that position, when known. */
  token: string | null;
  bypass: number;
  induce: number;
  kl: number;
  discarded: string[];
  chosen: boolean;
}

const num = (s: ArtifactMeta['stats'], k: string): number[] | null => {
  const v = s?.[k];
  return Array.isArray(v) ? v : null;
};

const tokenAt = (tokens: unknown, position: number): string | null => (Array.isArray(tokens) ? (tokens[tokens.length + position] as string | undefined) ?? null : null);

/** The table recorded by `ablation` without a site; null for any other artifact. */
export function candidateRows(meta: ArtifactMeta): CandidateRow[] | null {
  const s = meta.stats;
  const [layer, position, bypass, induce, kl] = ['candidate_layer', 'candidate_position', 'candidate_bypass', 'candidate_induce', 'candidate_kl'].map((k) => num(s, k));
  const cutoff = s?.['layer_cutoff'];
  if (!layer || !position || !bypass || !induce || !kl || typeof cutoff !== 'number') return null;
  const tokens = meta.settings['post_instruction_tokens'];
  return layer.map((l, i) => ({
    layer: l,
    position: position[i]!,
    token: tokenAt(tokens, position[i]!),
    bypass: bypass[i]!,
    induce: induce[i]!,
    kl: kl[i]!,
    discarded: discardReasons({ layer: l, induce: induce[i]!, kl: kl[i]! }, cutoff),
    chosen: l === s?.['selected_layer'] && position[i] === s?.['selected_position'],
  }));
}

/** Rows from the candidates themselves (when every one was discarded, none is chosen). */
export function rowsOf(candidates: readonly AblationCandidate[], tokens: readonly string[] | null): CandidateRow[] {
  return candidates.map((c) => ({ layer: c.layer, position: c.position, token: tokenAt(tokens, c.position), bypass: c.bypass, induce: c.induce, kl: c.kl, discarded: c.discarded, chosen: false }));
}

const f = (x: number, w: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : String(x)).padStart(w);

export function formatCandidates(rows: readonly CandidateRow[], baseline: { positive: number; negative: number } | null): string {
  const lines = ['  candidates (refusal scores log p(R) − log p(not R) of the next token, validation split; lowest bypass wins)', '    layer  position           bypass  induce      KL'];
  for (const r of rows) {
    const pos = `${r.position}${r.token ? ` ${r.token}` : ''}`.padEnd(16);
    const note = r.chosen ? '  ← chosen' : r.discarded.length ? `  discarded: ${r.discarded.join(', ')}` : '';
    lines.push(`    ${String(r.layer).padStart(5)}  ${pos}${f(r.bypass, 8, 2)}${f(r.induce, 8, 2)}${f(r.kl, 8, 3)}${note}`);
  }
  if (baseline) lines.push(`    unsteered: positives ${baseline.positive.toFixed(2)}, negatives ${baseline.negative.toFixed(2)}`);
  return lines.join('\n');
}
