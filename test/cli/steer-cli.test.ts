// The steering commands end to end through the real binary on stories260K:
// train → inspect → generate --steer → detect → sweep, checking what each prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli, json, tempDir, STORIES, DOG_DATA } from './helpers.js';

interface Meta {
  path: string;
  method: string;
  name: string;
  interventions: { site: string; default_strength: number; strength_range: [number, number]; positions: unknown }[];
  stats: Record<string, number>;
}
interface Gen {
  text: string;
  steering?: { strengths: number[]; default_strength: number }[];
}

test('train → inspect → generate --steer → detect → sweep on stories260K', async () => {
  const dir = tempDir();
  const base = join(dir, 'dog');

  // train: the suffix is added, --json prints the metadata.
  const meta = json<Meta>(await cli(['train', 'diffmean', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.2.resid_post', '--out', base, '--json']));
  const art = `${base}.steer.safetensors`;
  assert.equal(meta.path, art);
  assert.ok(existsSync(art));
  assert.equal(meta.method, 'diffmean');
  assert.equal(meta.name, 'dog');
  const iv = meta.interventions[0]!;
  assert.equal(iv.site, 'layers.2.resid_post');
  const def = iv.default_strength;
  const [lo, hi] = iv.strength_range;
  assert.ok(lo < def && def < hi);

  // The human summary names the site, strength, range, separation and class means.
  const human = await cli(['train', 'diffmean', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.2.resid_post', '--out', join(dir, 'again.steer.safetensors')]);
  assert.equal(human.code, 0, human.stderr);
  for (const want of [/layers\.2\.resid_post/, /default 2\.\d+, range \[-3\.\d+, 3\.\d+\]/, /separation \d/, /μ\+ \d.*μ− \d/]) assert.match(human.stdout, want);
  assert.equal(human.stderr, '', 'no progress bar when stderr is not a terminal');

  // inspect, both ways.
  const ins = json<{ meta: Meta; tensors: { name: string; shape: number[]; norm: number }[] }>(await cli(['inspect', art, '--json']));
  assert.deepEqual(ins.meta.interventions, meta.interventions);
  assert.deepEqual(ins.tensors.map((t) => [t.name, t.shape]), [['layers.2.resid_post.direction', [64]]]);
  assert.ok(Math.abs(ins.tensors[0]!.norm - 1) < 1e-5);
  const insText = await cli(['inspect', art]);
  for (const want of [/method\s+diffmean/, /add at layers\.2\.resid_post/, /f32\[64\]\s+norm 1\.0000/, /model\s+llama, hidden 64, 5 layers/, /training\s+96 examples/, /separation=/]) assert.match(insText.stdout, want);

  // generate: unsteered has no dog, the default strength brings one, :0 is the unsteered text,
  // :xK multiplies the default, and two artifacts on one site add up.
  const prompt = ['generate', '--model', STORIES, '-p', 'Once upon a time,', '-n', '40', '--json'];
  const [plain, steered, zero, twice, composed] = await Promise.all([
    cli(prompt),
    cli([...prompt, '--steer', art]),
    cli([...prompt, '--steer', `${art}:0`]),
    cli([...prompt, '--steer', `${art}:x2`]),
    cli([...prompt, '--steer', `${art}:1`, '--steer', `${art}:${def - 1}`]),
  ]).then((rs) => rs.map((r) => json<Gen>(r)));
  assert.doesNotMatch(plain!.text, /\bdog/i);
  assert.match(steered!.text, /\bdog/i, steered!.text);
  assert.equal(zero!.text, plain!.text);
  assert.deepEqual(steered!.steering![0]!.strengths, [def]);
  assert.ok(Math.abs(twice!.steering![0]!.strengths[0]! - 2 * def) < 1e-12);
  assert.equal(composed!.steering!.length, 2);
  assert.equal(composed!.text, steered!.text, 'strengths 1 and def−1 compose to def');

  // detect: numbers with --json, a verdict line without.
  const yes = json<{ tokens: string[]; scores: number[]; max: number; mean: number; threshold: number; detected: boolean }>(
    await cli(['detect', '--model', STORIES, '--steer', art, '--text', 'The dog ran to the park.', '--json']),
  );
  assert.equal(yes.tokens.join(''), 'The dog ran to the park.');
  assert.equal(yes.scores.length, yes.tokens.length);
  assert.equal(yes.max, Math.max(...yes.scores));
  assert.equal(yes.detected, true);
  const no = await cli(['detect', '--model', STORIES, '--steer', art, '--text', 'Tom went to the park with his mom.']);
  assert.equal(no.code, 0, no.stderr);
  assert.doesNotMatch(no.stdout, /\x1b\[/, 'no colour when stdout is a pipe');
  assert.match(no.stdout, /^" mom"\s+-?\d\.\d{3}$/m);
  assert.match(no.stdout, /threshold \d.*concept absent/);

  // sweep: the default multiples, in-range marks, and rows that match generate.
  const sw = json<{ range: [number, number]; rows: { strength: number; multiple: number; in_range: boolean; outputs: string[] }[] }>(
    await cli(['sweep', '--model', STORIES, '--steer', art, '-p', 'Once upon a time,', '-p', 'The sun was shining.', '-n', '40', '--json']),
  );
  assert.deepEqual(sw.rows.map((r) => r.multiple), [-1, 0, 0.5, 1, 2, 4]);
  assert.deepEqual(sw.rows.map((r) => r.in_range), [true, true, true, true, false, false]);
  const at = (k: number) => sw.rows.find((r) => r.multiple === k)!;
  assert.equal(at(0).outputs[0], plain!.text);
  assert.equal(at(1).outputs[0], steered!.text);
  assert.ok(at(1).outputs.every((t) => /\bdog/i.test(t)), 'inside the range: dogs');
  // Far past the range: some word repeats more than three times in a row.
  assert.ok(at(4).outputs.every((t) => /\b(\w+)\b(?:\W+\1\b){3}/.test(t)), `far past the range the text degenerates: ${at(4).outputs.join(' | ')}`);
});
