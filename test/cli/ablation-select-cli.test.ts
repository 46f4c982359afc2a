// `steerling train ablation` without --site on the organism: the candidate table in the summary and
// in --json, the one-line failure when the paper's layer rule leaves nothing, and the flags that
// only go with the selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json, oneLineError, tempDir, ROOT } from './helpers.js';
import { refusalSets } from '../../src/organism/corpus/index.js';

const ORGANISM = join(ROOT, 'models', 'organism');

function refusalData(dir: string): string {
  const t = refusalSets({ n: 48, seed: 4, split: 'train' }); // the organism ablation test's data (seed 4: see there)
  const rows = [...t.harmful.map((r) => ({ prompt: r.prompt, text: '', label: 1 })), ...t.benign.map((r) => ({ prompt: r.prompt, text: '', label: 0 }))];
  const file = join(dir, 'refusal.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
}

interface Candidate {
  layer: number;
  position: number;
  token: string | null;
  discarded: string[];
  chosen: boolean;
}

test('train ablation without --site: the candidate table, --json, the layer rule failing in one line, flag checks', async () => {
  const dir = tempDir();
  const data = refusalData(dir);
  const base = ['train', 'ablation', '--model', ORGANISM, '--data', data, '--chat'];
  const [human, meta, strict, flags, site] = await Promise.all([
    cli([...base, '--prune-layers', '0', '--out', join(dir, 'a')]),
    cli([...base, '--prune-layers', '0', '--out', join(dir, 'b'), '--json']),
    cli([...base, '--out', join(dir, 'c')]),
    cli([...base, '--refusal-tokens', 'can not', '--out', join(dir, 'd')]),
    cli([...base, '--site', 'layers.3.resid_post', '--prune-layers', '0', '--out', join(dir, 'e')]),
  ]);
  assert.equal(human.code, 0, human.stderr);
  for (const want of [/direction\s+read at layers\.3\.resid_post, position -1 \(chosen from 8 candidates\)/, /layer\s+position\s+bypass\s+induce\s+KL/, /3\s+-1 <\|assistant\|>.*← chosen/, /discarded: induce ≤ 0/, /unsteered: positives \d/]) assert.match(human.stdout, want);
  const m = json<{ settings: Record<string, unknown>; candidates: Candidate[] }>(meta);
  assert.equal(m.settings['site'], 'layers.3.resid_post');
  assert.deepEqual(m.settings['refusal_tokens'], ['i'], 'the organism default: the first word of its refusal');
  assert.equal(m.candidates.length, 8);
  assert.deepEqual(m.candidates.filter((c) => c.chosen).map((c) => [c.layer, c.position, c.token]), [[3, -1, '<|assistant|>']]);
  // The paper's rule prunes layer 3 of 4: the table still goes to stdout, the reason to stderr.
  assert.match(oneLineError(strict), /every ablation candidate was discarded .*--prune-layers 0 keeps them/);
  assert.match(strict.stdout, /discarded: layer ≥ 3/);
  assert.match(oneLineError(flags), /--refusal-tokens: "can not" is 2 tokens/);
  assert.match(oneLineError(site), /--prune-layers applies to ablation's automatic selection/);
});
