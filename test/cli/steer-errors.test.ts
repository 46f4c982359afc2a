// Errors of the steering commands: each exits non-zero with one clear line (no stack trace) that
// names the problem — a bad site, a missing or malformed data file, a wrong output name, an
// artifact used on a model it was not fitted on, a file that is not an artifact. A few go through
// the binary (exit code and the one-line contract); the rest run the command in-process.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { cli, json, oneLineError, perturbedStories, tempDir, STORIES, DOG_DATA } from './helpers.js';
import { registerTrain } from '../../src/cli/train.js';

let dir = '';
let art = '';

before(async () => {
  dir = tempDir();
  art = join(dir, 'dog.steer.safetensors');
  json(await cli(['train', 'diffmean', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.1.resid_post', '--out', art, '--json']));
});

test('train through the binary: a bad site and a bad JSONL line fail with one line naming the problem', async () => {
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"positive": " dog", "negative": " cat"}\n{"positive": " dog", "negative": \n');
  const train = (...a: string[]) => ['train', 'diffmean', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.1.resid_post', '--out', join(dir, 'x'), ...a];
  const [site, line] = await Promise.all([cli(train('--site', 'layers.9.resid_post')), cli(train('--data', bad))]);
  assert.match(oneLineError(site), /hook site "layers\.9\.resid_post": layer 9 does not exist \(the model has layers 0\.\.4\)/);
  assert.match(oneLineError(line), /bad\.jsonl:2: not valid JSON/);
});

/** Runs one command in-process (no spawn) and returns the error it fails with. */
async function failure(register: (p: Command) => void, args: string[]): Promise<string> {
  const program = new Command().exitOverride().option('--quiet').option('--verbose');
  register(program);
  try {
    await program.parseAsync(['node', 'steerling', ...args]);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`steerling ${args.join(' ')} did not fail`);
}

test('train validation: data files (with their line), output names, positions, reduce, method, site names', async () => {
  const shape = join(dir, 'shape.jsonl');
  writeFileSync(shape, '{"positive": " dog", "negative": " cat"}\n\n{"positive": 3, "negative": " cat"}\n');
  const labelled = join(dir, 'labelled.jsonl');
  writeFileSync(labelled, '{"text": "a dog", "label": 1}\n{"text": "a box", "label": 0}\n');
  const train = (...a: string[]) => ['train', 'diffmean', '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.1.resid_post', '--out', join(dir, 'x'), ...a];
  const cases: [string[], RegExp][] = [
    [train('--site', 'layers.1.residual'), /unknown hook site "layers\.1\.residual"/],
    [train('--data', join(dir, 'missing.jsonl')), /missing\.jsonl: cannot read \(ENOENT\)/],
    [train('--data', shape), /shape\.jsonl:3: "positive" must be a string/],
    [train('--out', join(dir, 'x.safetensors')), /steering artifacts are named NAME\.steer\.safetensors/],
    [train('--positions', 'middle'), /invalid positions "middle"/],
    [train('--reduce', 'max'), /--reduce must be mean or last/],
    [['train', 'magic', '--data', DOG_DATA, '--site', 'layers.1.resid_post', '--out', 'x'], /unknown method "magic" \(available: diffmean, pca, probe, actadd, cdas, ablation, reps, bipo, lineas, steer2edit, selective, raptor, grains, sae, yapo\)/],
    [['train', 'actadd', '--model', STORIES, '--data', labelled, '--site', 'layers.1.resid_post', '--out', 'x'], /actadd needs contrastive pairs/],
  ];
  for (const [args, want] of cases) assert.match(await failure(registerTrain, args), want);
});

test('an artifact on a model it was not fitted on is refused (generate, detect, sweep) unless --force', async () => {
  const other = perturbedStories(tempDir());
  const why = /artifact "dog" \(diffmean\) does not fit this model: the weights of layers 0\.\.1 differ from the ones it was fitted on\. Refit it on this model, or pass --force/;
  const [gen, det, sw, forced] = await Promise.all([
    cli(['generate', '--model', other, '-p', 'Once upon a time,', '-n', '4', '--steer', art]),
    cli(['detect', '--model', other, '--steer', art, '--text', 'a dog']),
    cli(['sweep', '--model', other, '--steer', art, '-p', 'Once', '-n', '4']),
    cli(['generate', '--model', other, '-p', 'Once upon a time,', '-n', '4', '--steer', art, '--force', '--json']),
  ]);
  for (const r of [gen, det, sw]) assert.match(oneLineError(r!), why);
  assert.equal(json<{ generated_tokens: number }>(forced!).generated_tokens, 4);
});

test('--steer: a missing file, a checkpoint that is not an artifact, a bad strength; --verbose adds the stack', async () => {
  const [missing, notArt, badStrength, verbose] = await Promise.all([
    cli(['generate', '--model', STORIES, '-p', 'Once', '-n', '2', '--steer', join(dir, 'nope.steer.safetensors')]),
    cli(['inspect', join(STORIES, 'model.safetensors')]),
    cli(['generate', '--model', STORIES, '-p', 'Once', '-n', '2', '--steer', `${art}:lots`]),
    cli(['--verbose', 'inspect', join(STORIES, 'model.safetensors')]),
  ]);
  assert.match(oneLineError(missing!), /artifact file .*nope\.steer\.safetensors does not exist/);
  assert.match(oneLineError(notArt!), /model\.safetensors: not a valid steering artifact: no "steerling" metadata entry/);
  assert.match(oneLineError(badStrength!), /"lots" is not a strength; use ARTIFACT, ARTIFACT:STRENGTH/);
  assert.notEqual(verbose!.code, 0);
  assert.match(verbose!.stderr, /\n\s+at /, '--verbose prints the stack');
});

test('train --strength-rule: rho skips calibration (0.35ρ), kl is the default, and misuse fails with one line', async () => {
  const train = (method: string, ...a: string[]) => ['train', method, '--model', STORIES, '--data', DOG_DATA, '--site', 'layers.1.resid_post', '--out', join(dir, `rule-${method}`), ...a];
  const rho = json<{ settings: Record<string, unknown>; stats: Record<string, number>; interventions: { default_strength: number }[] }>(await cli(train('diffmean', '--strength-rule', 'rho', '--json')));
  assert.equal(rho.settings['strength_rule'], 'rho');
  assert.ok(Math.abs(rho.interventions[0]!.default_strength - 0.35 * rho.stats['token_norm']!) < 1e-6 * rho.stats['token_norm']!);
  const kl = json<{ settings: Record<string, unknown> }>(await cli(train('diffmean', '--json')));
  assert.equal(kl.settings['strength_rule'], 'kl');
  assert.match(oneLineError(await cli(train('diffmean', '--strength-rule', 'max'))), /--strength-rule must be kl or rho, got "max"/);
  assert.match(oneLineError(await cli(train('actadd', '--strength-rule', 'rho'))), /--strength-rule applies to diffmean, pca, probe, raptor, sae; actadd/);
});
