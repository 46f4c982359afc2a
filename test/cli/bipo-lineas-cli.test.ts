// `steerling train bipo|lineas` end to end on the organism: the summary and --json metadata, the
// method flags reaching the fit, steering with the artifacts, and one-line errors for bad data and
// flags that belong to another method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json, oneLineError, tempDir, ROOT } from './helpers.js';
import { contrastivePairs } from '../../src/organism/corpus/index.js';

const ORGANISM = join(ROOT, 'models', 'organism');

interface Meta {
  method: string;
  settings: Record<string, unknown>;
  training: { steps: number; examples: number };
  interventions: { kind: string; site: string; excludeBos: boolean; default_strength: number; strength_range: [number, number]; tensors: Record<string, string> }[];
}

function files(dir: string) {
  const rows = contrastivePairs('topic:ocean', { n: 6, seed: 5, split: 'train' });
  const pairs = join(dir, 'pairs.jsonl');
  writeFileSync(pairs, rows.map((r) => JSON.stringify({ prompt: r.prompt, positive: r.positive, negative: r.negative })).join('\n') + '\n');
  const texts = join(dir, 'texts.jsonl');
  writeFileSync(texts, rows.flatMap((r) => [JSON.stringify({ prompt: r.prompt, text: r.negative, label: 0 }), JSON.stringify({ prompt: r.concept_prompt, text: r.positive, label: 1 })]).join('\n') + '\n');
  return { pairs, texts, rows };
}

test('train bipo and lineas: --json metadata, the summary, method flags, and steering with the artifacts', async () => {
  const dir = tempDir();
  const { pairs, texts, rows } = files(dir);
  const base = ['--model', ORGANISM, '--chat', '--seed', '3'];

  const bipo = json<Meta>(await cli(['train', 'bipo', '--data', pairs, '--site', 'layers.2.resid_post', '--out', join(dir, 'b'), ...base, '--steps', '4', '--batch', '3', '--beta', '0.2', '--json'], { timeoutMs: 60000 }));
  assert.equal(bipo.method, 'bipo');
  assert.equal(bipo.training.steps, 4);
  assert.equal(bipo.settings['beta'], 0.2);
  assert.equal(bipo.settings['batch_rows'], 3);
  assert.equal(bipo.interventions[0]!.kind, 'add');

  const lineas = json<Meta>(await cli(['train', 'lineas', '--data', texts, '--out', join(dir, 'l'), ...base, '--steps', '3', '--l1', '0.2', '--group', '0', '--json'], { timeoutMs: 60000 }));
  assert.equal(lineas.method, 'lineas');
  assert.equal(lineas.training.steps, 3);
  assert.equal(lineas.settings['l1'], 0.2);
  assert.deepEqual(lineas.interventions.map((r) => [r.site, r.kind, Object.keys(r.tensors), r.default_strength, r.strength_range]), [0, 1, 2, 3].map((l) => [`layers.${l}.resid_post`, 'affine', ['scale', 'bias'], 1, [0, 1]]));

  const human = await cli(['train', 'lineas', '--data', texts, '--site', 'layers.1.resid_post,layers.3.resid_post', '--out', join(dir, 'l2'), ...base, '--steps', '2'], { timeoutMs: 60000 });
  assert.equal(human.code, 0, human.stderr);
  for (const want of [/method\s+lineas \(12 examples, 2 steps\)/, /site\s+layers\.1\.resid_post, layers\.3\.resid_post .*\(2 interventions\)/, /strength\s+default 1\.000, range \[0\.000, 1\.000\]/, /maps\s+coordinates off the identity per site: ω \d+ \d+, b \d+ \d+ \(of 192\)/]) assert.match(human.stdout, want);

  const gen = ['generate', '--model', ORGANISM, '--chat', '-p', rows[0]!.prompt, '-n', '16', '--json'];
  const [b, l] = await Promise.all([cli([...gen, '--steer', `${join(dir, 'b.steer.safetensors')}:x2`]), cli([...gen, '--steer', `${join(dir, 'l.steer.safetensors')}:0.5`])]).then((rs) => rs.map((r) => json<{ steering: { strengths: number[]; method: string }[] }>(r)));
  assert.equal(b!.steering[0]!.method, 'bipo');
  assert.deepEqual(l!.steering[0]!.strengths, [0.5, 0.5, 0.5, 0.5]);
});

test('train bipo|lineas: bad data and misplaced flags fail in one line', async () => {
  const dir = tempDir();
  const { pairs, texts } = files(dir);
  const run = (args: string[]) => cli(['train', ...args, '--model', ORGANISM, '--out', join(dir, 'x')]);
  const cases: [string[], RegExp][] = [
    [['bipo', '--data', texts, '--site', 'layers.2.resid_post'], /texts\.jsonl: bipo needs contrastive pairs \{"positive", "negative"\}, this file has labelled texts/],
    [['bipo', '--data', pairs], /--site is required for bipo/],
    [['lineas', '--data', pairs, '--beta', '0.1'], /--beta applies to bipo, yapo only/],
    [['bipo', '--data', pairs, '--site', 'layers.2.resid_post', '--l1', '1'], /--l1 applies to lineas only/],
    [['lineas', '--data', pairs, '--site', 'layers.9.resid_post'], /layer 9 does not exist/],
    [['lineas', '--data', pairs, '--reduce', 'max'], /--reduce must be mean, last or all, got "max"/],
    [['lineas', '--data', pairs, '--steps', '2', '--l1', '10000'], /lineas: every map shrank back to the identity/],
  ];
  const one = join(dir, 'one.jsonl');
  writeFileSync(one, JSON.stringify({ text: 'the sea', label: 1 }) + '\n');
  cases.push([['lineas', '--data', one], /one\.jsonl: needs both positive and negative examples/]);
  for (const [args, want] of cases) assert.match(oneLineError(await run(args)), want, args.join(' '));
});
