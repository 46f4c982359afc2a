#!/usr/bin/env node
// Issue 19's scale study: the rows of two or more `eval claims --out` results side by side (e.g.
// the shipped 4 × 192 organism and a 6 × 256 one trained on the same corpus), as a Markdown table.
//
//   node bin/steerling.js eval claims --out models/local/claims-v6.json
//   node bin/steerling.js organism train --seed 1 --out models/local/organism-6x256 --steps 1600 \
//     --layers 6 --hidden 256 --heads 8 --kv-heads 2 --intermediate 704
//   node bin/steerling.js eval claims --model models/local/organism-6x256 --out models/local/claims-6x256.json
//   node bench/organism-steering/claims-side-by-side.mjs 4x192=models/local/claims-v6.json 6x256=models/local/claims-6x256.json
import { readFileSync } from 'node:fs';

const runs = process.argv.slice(2).map((a) => {
  const [name, path] = a.includes('=') ? a.split('=') : [a, a];
  return { name, res: JSON.parse(readFileSync(path, 'utf8')) };
});
if (runs.length < 2) {
  console.error('usage: claims-side-by-side.mjs NAME=claims.json NAME=claims.json ...');
  process.exit(2);
}
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const sg = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(2)}` : '–');
const cell = (r) => (r ? `${(r.unit === 'change' ? sg : f2)(r.value)} [${(r.unit === 'change' ? sg : f2)(r.lo)}, ${(r.unit === 'change' ? sg : f2)(r.hi)}]` : '–');
const out = [`| claim · measured | ${runs.map((r) => r.name).join(' | ')} |`, `|---|${runs.map(() => '---').join('|')}|`];
for (const s of runs[0].res.sections) {
  const others = runs.map((r) => r.res.sections.find((x) => x.id === s.id));
  out.push(`| **${s.title}** | ${others.map((x) => (x ? (x.met === null ? '·' : x.met ? 'met' : 'not met') : '–')).join(' | ')} |`);
  // Labels that carry a chosen strength (×K) or the figure that fell most ("(key)") match without
  // them; the cell then names its own.
  const key = (l) => l.replace(/×[0-9.]+/g, '×').replace(/ \([a-z_]+\)$/, '');
  const named = (y, row) => {
    const own = y.label.match(/ \(([a-z_]+)\)$/)?.[1];
    const strength = y.label.match(/×[0-9.]+/)?.[0];
    const tag = [strength !== row.label.match(/×[0-9.]+/)?.[0] ? strength : null, own && own !== row.label.match(/ \(([a-z_]+)\)$/)?.[1] ? own : null].filter(Boolean).join(', ');
    return `${tag ? `(${tag}) ` : ''}${cell(y)}`;
  };
  for (const row of s.rows) {
    const label = row.label.replace(/\|/g, '\\|');
    out.push(`| ${label} | ${others.map((x) => {
      const y = x?.rows.find((z) => key(z.label) === key(row.label));
      return y ? named(y, row) : '–';
    }).join(' | ')} |`);
  }
}
console.log(out.join('\n'));
