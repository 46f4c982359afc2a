// Labelled refusal prompts for `steerling train ablation|selective` on the organism:
// {"prompt", "text": "", "label"} with label 1 for harmful requests, 0 for benign ones (N of each).
// Run after `npm install`: N=48 SEED=1 node bench/organism-steering/refusal-data.mjs refusal.jsonl
import { writeFileSync } from 'node:fs';
import { refusalSets } from '../../dist/src/organism/corpus/index.js';

const out = process.argv[2] ?? 'refusal.jsonl';
const t = refusalSets({ n: Number(process.env.N ?? 48), seed: Number(process.env.SEED ?? 1), split: 'train' });
const rows = [...t.harmful.map((r) => ({ prompt: r.prompt, text: '', label: 1 })), ...t.benign.map((r) => ({ prompt: r.prompt, text: '', label: 0 }))];
writeFileSync(out, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(`wrote ${out}: ${t.harmful.length} harmful, ${t.benign.length} benign`);
