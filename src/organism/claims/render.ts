// The claims as terminal text and as the README's Markdown table.

import type { ClaimRow, ClaimsResult } from './types.js';

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : '–');

export function formatRow(r: ClaimRow): string {
  const v = r.unit === 'change' ? signed : f2;
  return `${v(r.value)} [${v(r.lo)}, ${v(r.hi)}]`;
}

const mark = (met: boolean | null) => (met === null ? '·' : met ? 'met' : 'NOT met');

export function renderClaims(r: ClaimsResult): string {
  const out = [`Claims on ${r.model} (${Math.round(r.seconds)} s); values with 95% intervals`];
  for (const s of r.sections) {
    out.push('', `## ${s.title}`, `claim:   ${s.claim}`, `setting: ${s.setting}`);
    const w = Math.max(...s.rows.map((x) => x.label.length));
    for (const row of s.rows) out.push(`  ${row.label.padEnd(w)}  ${formatRow(row)}`);
    out.push(`bar:     ${s.bar}`, `result:  ${mark(s.met)}: ${s.verdict}`);
  }
  return out.join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function claimsMarkdown(r: ClaimsResult): string {
  const out = ['| claim | bar | result |', '|---|---|---|'];
  for (const s of r.sections) out.push(`| ${cell(s.title)} | ${cell(s.bar)} | ${mark(s.met)}: ${cell(s.verdict)} |`);
  for (const s of r.sections) {
    out.push('', `**${s.title}.** ${s.claim}. Setting: ${s.setting}.`, '', '| measured | value [95% interval] |', '|---|---|');
    for (const row of s.rows) out.push(`| ${cell(row.label)} | ${formatRow(row)} |`);
  }
  return out.join('\n');
}
