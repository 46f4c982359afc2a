// What `steerling train` prints about the artifact it saved: where it steers, its strength, and
// what the fit measured (from the artifact's settings and stats, whatever the method).
import type { Artifact } from '../artifact/artifact.js';
import type { PositionSpec } from '../intervene/positions.js';
import { candidateRows, formatCandidates } from './ablation-table.js';
import { readableNumber } from '../util/number-text.js';

/** Positions in the spelling --positions accepts. */
export function positionsText(p: PositionSpec): string {
  if (typeof p === 'string') return p;
  return 'last' in p ? `last:${p.last}` : p.indices.join(',');
}

// Three decimals, but a strength or range is read, not parsed: a large or tiny one keeps its
// significant digits without an exponent ("[-117.9, 117.9]", not "[-1.18e+2, 1.18e+2]").
const fmt = (x: number) => (Math.abs(x) >= 100 || (Math.abs(x) < 0.01 && x !== 0) ? readableNumber(x) : x.toFixed(3));

export function trainSummary(art: Artifact, path: string): string {
  const m = art.meta;
  const lines = [`saved ${path}`, `  method     ${m.method} (${m.training.examples} examples${m.training.steps ? `, ${m.training.steps} steps` : ''})`];

  const sites = [...new Set(m.interventions.map((iv) => iv.site))];
  const iv = m.interventions[0]!;
  const positions = [...new Set(m.interventions.map((x) => positionsText(x.positions)))].join(' ');
  lines.push(`  site       ${sites.join(', ')}   positions ${positions}${m.interventions.length > 1 ? `   (${m.interventions.length} interventions)` : ''}`);
  lines.push(`  strength   default ${fmt(iv.default_strength)}, range [${fmt(iv.strength_range[0])}, ${fmt(iv.strength_range[1])}]`);
  const s = m.stats ?? {};
  const num = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : undefined);
  if (num('mu_pos') !== undefined && num('mu_neg') !== undefined) lines.push(`  classes    μ+ ${fmt(num('mu_pos')!)}  μ− ${fmt(num('mu_neg')!)}  (projections onto the direction)`);
  if (num('separation') !== undefined) lines.push(`  separation ${fmt(num('separation')!)}  (|μ+ − μ−| over the pooled std; above ~2 the classes barely overlap)`);
  const moved = s['moved_scales'];
  if (Array.isArray(moved) && Array.isArray(s['moved_biases'])) lines.push(`  maps       coordinates off the identity per site: ω ${moved.join(' ')}, b ${(s['moved_biases'] as number[]).join(' ')} (of ${m.model.hidden_size}); λ interpolates h + λ·(map(h) − h)`);
  if (num('loss_start') !== undefined && num('loss_end') !== undefined) lines.push(`  loss       ${fmt(num('loss_start')!)} → ${fmt(num('loss_end')!)}  (first and last tenth of the steps)`);
  else if (m.training.final_loss !== null) lines.push(`  final loss ${fmt(m.training.final_loss)}`);
  // Selective Steering's plane and the layers it rotates.
  if (Array.isArray(s['selected_layers']) && Array.isArray(s['layer_angle_deg'])) {
    const layers = (s['selected_layers'] as number[]) ?? [];
    const angles = ((s['layer_angle_deg'] as number[]) ?? []).map((x) => `${x.toFixed(1)}°`);
    lines.push(`  plane      b1 read at ${String(m.settings['site'])}; layers ${layers.join(', ')} rotated (their class means on opposite sides of b1)`);
    lines.push(`  angle      class means ${angles.join(', ')} apart in the plane → ${fmt(iv.default_strength)}° per layer; --steer ${path}:x-1 turns away from the positive class`);
    if (iv.values?.['threshold'] !== undefined) lines.push(`  adaptive   only tokens with h·b1 > ${iv.values['threshold']} turn`);
  }
  const rows = candidateRows(m);
  if (rows) {
    const st = m.stats!;
    lines.push(`  direction  read at ${m.settings['site']}, position ${st['selected_position']} (chosen from ${rows.length} candidates)`);
    lines.push(formatCandidates(rows, { positive: st['baseline_refusal_positive'] as number, negative: st['baseline_refusal_negative'] as number }));
  }
  if (num('heads_edited') !== undefined) {
    const family = (k: string, what: string) => (num(`${k}_total`) ? `${num(`${k}_edited`)}/${num(`${k}_total`)} ${what}` : `${what} off`);
    lines.push(`  edits      ${family('heads', 'attention heads')}, ${family('neurons', 'MLP neurons')} (one rank-1 edit per edited o_proj / down_proj)`);
    if (num('kl_default') !== undefined) lines.push(`  at 1       the edit moves the negative texts' next-token distribution by ${fmt(num('kl_default')!)} nats/token (the range ends at 1.0)`);
    if (iv.strength_range[1] < 1) lines.push(`  note       the derived edit (strength 1) is past the range: the text is likely to break; use a smaller strength (e.g. :x${fmt(iv.strength_range[1] / 2)}) or larger --rho-attn / --rho-mlp`);
    lines.push(`  steer      --steer ${path}[:S] applies the edit × S as hooks; steerling export merged / peft writes it into weights`);
  }
  // CDAS's variant (where it reads the source, which positions it writes, its rank).
  if (m.settings['variant'] !== undefined) {
    const paper = m.settings['variant'] === 'paper';
    lines.push(`  variant    source ${String(m.settings['source_position'] ?? 'header')}, base ${String(m.settings['base_positions'] ?? 'all')}, rank ${String(m.settings['rank'] ?? 1)}${paper ? ' (the paper\'s)' : ' (ours, not the paper\'s setting)'}`);
  }
  if (iv.kind === 'clamp' && iv.values?.['mu_neg'] !== undefined) lines.push(`  steer      --steer ${path} clamps to μ+ (induce), --steer ${path}:neg to μ− (suppress); strength s clamps to μ− + s·(μ+ − μ−) (:neg swaps the means)`);
  return lines.join('\n');
}
