// The library API through the package name, as a user who ran `npm i steerling` sees it: this file
// imports nothing of ours but 'steerling' (Node resolves the package's own name through the
// "exports" of package.json). Load stories260K, fit DiffMean on the dog pairs, generate at strength
// 0 and at the default, detect; then run the README's "Use from TypeScript" example as it is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel, train, generate, generateDetailed, detect, steer, steeringSummary, loadArtifact, METHODS, artifactPath } from 'steerling';
import { readmeApiExample } from '../helpers/readme-example.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const STORIES = fileURLToPath(new URL('../../../models/stories260K/', import.meta.url));
const DOG = fileURLToPath(new URL('../../../examples/stories260K/dog.jsonl', import.meta.url));
const README = join(ROOT, 'README.md');

test("'steerling' resolves to the built package entry", () => {
  assert.equal(fileURLToPath(import.meta.resolve('steerling')), join(ROOT, 'dist', 'src', 'index.js'));
  assert.ok(Object.keys(METHODS).includes('diffmean'));
});

test('load stories260K → train diffmean → generate at 0 and at the default → detect', async () => {
  const model = await loadModel(STORIES);
  const dir = mkdtempSync(join(tmpdir(), 'steerling-api-'));
  const dog = train('diffmean', { model, data: DOG, site: 'layers.2.resid_post', out: join(dir, 'dog') });
  const path = artifactPath(join(dir, 'dog'));
  assert.ok(existsSync(path), 'out saves the artifact with the suffix');
  assert.equal(dog.meta.method, 'diffmean');
  assert.equal(dog.meta.name, 'dog');
  const iv = dog.meta.interventions[0]!;
  assert.equal(iv.site, 'layers.2.resid_post');
  assert.ok(iv.default_strength > 0);

  const prompt = 'Once upon a time,';
  const opts = { maxTokens: 40 };
  const plain = generate(model, prompt, opts);
  const zero = generate(model, prompt, { ...opts, steer: [{ artifact: dog, strength: 0 }] });
  const zeroSpec = generate(model, prompt, { ...opts, steer: [`${path}:0`] });
  const steered = generate(model, prompt, { ...opts, steer: [dog] });
  const fromFile = generate(model, prompt, { ...opts, steer: [loadArtifact(path)] });
  assert.equal(typeof plain, 'string');
  assert.ok(plain.length > 0);
  assert.equal(zero, plain, 'strength 0 is the unsteered text');
  assert.equal(zeroSpec, plain, "the CLI spelling A:0 too");
  assert.notEqual(steered, plain, 'the default strength changes the text');
  assert.doesNotMatch(plain, /\bdog/i);
  assert.match(steered, /\bdog/i, steered);
  assert.equal(fromFile, steered, 'the saved artifact steers as the one in memory');

  // The strengths in use, and the details generate() summarises.
  const s = steer(model, [{ artifact: dog, multiple: 2 }]);
  assert.deepEqual(steeringSummary(s)[0]!.strengths, [2 * iv.default_strength]);
  const [g] = generateDetailed(model, prompt, { ...opts, steer: [dog] });
  assert.equal(g!.text, steered);
  assert.ok(g!.tokens.length > 0 && g!.tokens.length <= 40);
  assert.equal(g!.promptIds[0], model.config.bosTokenId);
  let streamed = '';
  generate(model, prompt, { ...opts, steer: [dog], onText: (piece) => (streamed += piece) });
  assert.equal(streamed, steered, 'onText streams the same text');

  // Detection: one score per token of the text, the verdict from the class means.
  const text = 'The dog ran to the park.';
  const d = detect(model, dog, text);
  assert.equal(d.site, 'layers.2.resid_post');
  assert.equal(d.tokens.join(''), text);
  assert.equal(d.scores.length, d.tokens.length);
  assert.equal(d.ids.length, d.tokens.length);
  assert.ok(d.scores.every(Number.isFinite));
  assert.equal(d.max, Math.max(...d.scores));
  assert.equal(d.detected, true);
  assert.equal(detect(model, path, 'Tom went to the park with his mom.').detected, false);
});

function readmeExample(): string {
  return readmeApiExample(readFileSync(README, 'utf8'));
}

test("the README's 'Use from TypeScript' example runs as written and does what it says", async () => {
  const code = readmeExample();
  assert.match(code, /from 'steerling'/);
  // A project folder as a user would have it: steerling installed, a model folder, the pairs.
  const dir = mkdtempSync(join(tmpdir(), 'steerling-readme-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'steerling'), 'dir');
  symlinkSync(STORIES, join(dir, 'stories260K'), 'dir');
  copyFileSync(DOG, join(dir, 'dog.jsonl'));
  // The example's code exactly (it is plain JavaScript too), plus one line that reports its values.
  writeFileSync(join(dir, 'example.mjs'), `${code}\nconsole.log('\\n' + JSON.stringify({ plain, off, steered, tokens, scores }));\n`);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['example.mjs'], { cwd: dir, timeout: 120_000 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
  });
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { plain: string; off: string; steered: string; tokens: string[]; scores: number[] };
  assert.ok(existsSync(join(dir, 'dog.steer.safetensors')), 'the example saves the artifact');
  assert.equal(r.off, r.plain, 'strength 0 is the unsteered text');
  assert.notEqual(r.steered, r.plain);
  assert.match(r.steered, /\bdog/i);
  assert.equal(r.scores.length, r.tokens.length);
  assert.ok(r.tokens.length > 0);
});
