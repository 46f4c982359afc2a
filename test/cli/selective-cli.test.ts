// `steerling train selective` on the organism end to end: the summary, --json, steering a harmful
// request away from refusal with A:x-1, and the flags that belong to other methods.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json, oneLineError, tempDir, ROOT } from './helpers.js';
import { refusalSets } from '../../src/organism/corpus/index.js';

const ORGANISM = join(ROOT, 'models', 'organism');

interface Meta {
  method: string;
  interventions: { site: string; kind: string; tensors: Record<string, string>; default_strength: number; strength_range: [number, number]; values?: Record<string, number> }[];
  stats: Record<string, number | number[]>;
}

test('train selective: summary, --json with rotate interventions, A:x-1 answers a harmful request, flag checks', async () => {
  const dir = tempDir();
  const t = refusalSets({ n: 48, seed: 1, split: 'train' });
  const data = join(dir, 'refusal.jsonl');
  writeFileSync(data, [...t.harmful.map((r) => ({ prompt: r.prompt, text: '', label: 1 })), ...t.benign.map((r) => ({ prompt: r.prompt, text: '', label: 0 }))].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const base = ['train', 'selective', '--model', ORGANISM, '--data', data, '--chat'];
  const [human, meta, notHere, noSite] = await Promise.all([
    cli([...base, '--out', join(dir, 'a')]),
    cli([...base, '--threshold', '0', '--out', join(dir, 'b'), '--json']),
    cli([...base, '--prune-layers', '0', '--out', join(dir, 'c')]),
    cli(['train', 'diffmean', '--model', ORGANISM, '--data', data, '--threshold', '0', '--site', 'layers.2.resid_post', '--out', join(dir, 'd')]),
  ]);
  assert.equal(human.code, 0, human.stderr);
  for (const want of [/method\s+selective \(96 examples\)/, /plane\s+b1 read at layers\.\d\.resid_(pre|mid|post); layers [\d, ]+ rotated/, /angle\s+class means [\d.°, ]+ apart in the plane → [\d.]+° per layer/]) assert.match(human.stdout, want);
  const m = json<Meta>(meta);
  assert.equal(m.method, 'selective');
  assert.ok(m.interventions.length > 0 && m.interventions.every((iv) => iv.kind === 'rotate' && iv.tensors['plane'] && iv.values?.['threshold'] === 0));
  assert.deepEqual(m.interventions.map((iv) => iv.site), (m.stats['selected_layers'] as number[]).map((l) => `layers.${l}.resid_pre`));
  assert.match(oneLineError(notHere), /--prune-layers applies to ablation's automatic selection/);
  assert.match(oneLineError(noSite), /--threshold applies to selective; diffmean has no adaptive gate/);
  const ask = ['generate', '--model', ORGANISM, '--chat', '-p', refusalSets({ n: 1, seed: 2, split: 'eval' }).harmful[0]!.prompt, '-n', '30', '--json'];
  const [plain, away] = await Promise.all([cli(ask), cli([...ask, '--steer', `${join(dir, 'b.steer.safetensors')}:x-1`])]);
  const text = (r: typeof plain) => json<{ text: string }>(r).text;
  assert.match(text(plain), /^i can not help with that/);
  assert.doesNotMatch(text(away), /can not help/, `steered away from refusal: ${text(away)}`);
});
