// `steerling train cdas` end to end on the organism: both accepted data shapes, the summary and
// --json metadata, steering with A and A:neg, and one-line errors for data CDAS cannot use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json, oneLineError, tempDir, ROOT } from './helpers.js';
import { contrastivePairs } from '../../src/organism/corpus/index.js';

const ORGANISM = join(ROOT, 'models', 'organism');

interface Meta {
  path: string;
  method: string;
  training: { steps: number; examples: number };
  interventions: { kind: string; site: string; excludeBos: boolean; default_strength: number; strength_range: [number, number]; values: Record<string, number> }[];
  stats: Record<string, number | number[]>;
}

test('train cdas: 4-tuple and pairs+concept_prompt data, summary, --json, and steering with A and A:neg', async () => {
  const dir = tempDir();
  const rows = contrastivePairs('topic:ocean', { n: 6, seed: 5, split: 'train' });
  const tuple = join(dir, 'ocean.jsonl');
  writeFileSync(tuple, rows.map((r) => JSON.stringify({ negative_input: r.negative_input, negative_output: r.negative_output, positive_input: r.positive_input, positive_output: r.positive_output })).join('\n') + '\n');
  const pairs = join(dir, 'pairs.jsonl');
  writeFileSync(pairs, rows.map((r) => JSON.stringify({ prompt: r.prompt, concept_prompt: r.concept_prompt, positive: r.positive, negative: r.negative })).join('\n') + '\n');
  const common = ['--model', ORGANISM, '--site', 'layers.2.resid_post', '--steps', '4', '--batch', '3', '--seed', '7'];

  const meta = json<Meta>(await cli(['train', 'cdas', '--data', tuple, '--out', join(dir, 'ocean'), ...common, '--json'], { timeoutMs: 60000 }));
  assert.equal(meta.method, 'cdas');
  assert.equal(meta.path, join(dir, 'ocean.steer.safetensors'));
  assert.equal(meta.training.steps, 4);
  assert.equal(meta.training.examples, 12, 'two DII examples per row');
  const iv = meta.interventions[0]!;
  assert.equal(iv.kind, 'clamp');
  assert.equal(iv.excludeBos, true);
  assert.equal(iv.default_strength, 1);
  assert.equal(iv.values['target'], iv.values['mu_pos']);
  assert.equal(iv.values['origin'], iv.values['mu_neg']);
  assert.equal((meta.stats['loss_curve'] as number[]).length, 4);

  const human = await cli(['train', 'cdas', '--data', pairs, '--out', join(dir, 'pairs'), ...common], { timeoutMs: 60000 });
  assert.equal(human.code, 0, human.stderr);
  for (const want of [/method\s+cdas \(12 examples, 4 steps\)/, /classes\s+μ\+ .* μ− /, /loss\s+\S+ → \S+/, /--steer .*pairs\.steer\.safetensors:neg to μ− \(suppress\)/]) assert.match(human.stdout, want);

  const gen = ['generate', '--model', ORGANISM, '--chat', '-p', rows[0]!.concept_prompt, '-n', '24', '--json'];
  const art = join(dir, 'ocean.steer.safetensors');
  const [pos, neg] = await Promise.all([cli([...gen, '--steer', art]), cli([...gen, '--steer', `${art}:neg:x1`])]).then((rs) => rs.map((r) => json<{ text: string; steering: { strengths: number[]; method: string }[] }>(r)));
  assert.equal(pos!.steering[0]!.method, 'cdas');
  assert.deepEqual(neg!.steering[0]!.strengths, [1]);
});

test('train cdas: data without a concept-eliciting prompt, and training flags on a one-pass method, fail in one line', async () => {
  const dir = tempDir();
  const bad = join(dir, 'pairs.jsonl');
  writeFileSync(bad, JSON.stringify({ prompt: 'say hi', positive: 'hi ocean', negative: 'hi' }) + '\n');
  const r = await cli(['train', 'cdas', '--model', ORGANISM, '--data', bad, '--site', 'layers.2.resid_post', '--out', join(dir, 'x')]);
  assert.match(oneLineError(r), /pairs\.jsonl:1: CDAS needs a concept-eliciting prompt: add "concept_prompt"/);
  const flags = await cli(['train', 'diffmean', '--model', ORGANISM, '--data', bad, '--site', 'layers.2.resid_post', '--out', join(dir, 'y'), '--lr', '0.1']);
  assert.match(oneLineError(flags), /--steps, --epochs, --lr and --batch apply to trained methods \(cdas, reps, bipo, lineas, yapo\); diffmean is fitted in one pass/);
});
