// The binary under hostile input (issue 14, items 2 and 3): numbers past the float64 range, broken
// artifacts from strangers, names with control characters — always one line, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli, oneLineError, STORIES, tempDir } from './helpers.js';
import { validMeta, writeArtifactFile, type Json } from '../helpers/artifact-files.js';

const dir = tempDir();

test('--steer A:1e309 and A:x1e400 are refused like A:Infinity, and so are other numeric flags past their range', async () => {
  const gen = (...a: string[]) => ['generate', '--model', STORIES, '-p', 'Once', '-n', '2', ...a];
  const [inf, mult, huge, tokens, port] = await Promise.all([
    cli(gen('--steer', 'sea.steer.safetensors:1e309')),
    cli(gen('--steer', 'sea.steer.safetensors:x1e400')),
    cli(gen('--steer', 'sea.steer.safetensors:1e300')),
    cli(['generate', '--model', STORIES, '-p', 'Once', '-n', '1e300']),
    cli(['serve', '--port', ' ']),
  ]);
  assert.match(oneLineError(inf!), /--steer sea\.steer\.safetensors:1e309: strength must be a finite number, got Infinity/);
  assert.match(oneLineError(mult!), /--steer sea\.steer\.safetensors:x1e400: multiple must be a finite number, got Infinity/);
  assert.match(oneLineError(huge!), /strength is 1e\+300; a strength must lie within ±1e\+6/);
  assert.match(tokens!.stderr, /must be an integer ≥ \d+, got "1e300"/);
  assert.notEqual(tokens!.code, 0);
  assert.match(port!.stderr, /--port must be an integer ≥ 0, got " "/);
  assert.notEqual(port!.code, 0);
});

test('inspect and generate refuse a broken artifact with one line naming the file and field; control characters are escaped', async () => {
  const meta = validMeta() as Json & { interventions: Json[] };
  meta.interventions[0]!['strength_range'] = ['a', null];
  const bad = writeArtifactFile(join(dir, 'bad.steer.safetensors'), meta);
  const named = validMeta();
  named['name'] = 'sea\u001b]0;pwned\u0007\u001b[2J';
  const evil = writeArtifactFile(join(dir, 'evil.steer.safetensors'), named);
  const [inspected, generated, shown] = await Promise.all([
    cli(['inspect', bad]),
    cli(['generate', '--model', STORIES, '-p', 'Once', '-n', '2', '--steer', bad]),
    cli(['inspect', evil]),
  ]);
  const why = /bad\.steer\.safetensors: not a valid steering artifact: interventions\[0\]\.strength_range\[0\] must be a finite number, got "a"$/;
  assert.match(oneLineError(inspected!), why);
  assert.match(oneLineError(generated!), why);
  assert.equal(shown!.code, 0, shown!.stderr);
  assert.ok(!/[\u0000-\u0009\u000b-\u001f]/.test(shown!.stdout), JSON.stringify(shown!.stdout));
  assert.match(shown!.stdout, /name {7}sea\\x1b\]0;pwned\\x07\\x1b\[2J\n/);
  // The same artifact applied to a model it does not fit: the error names it escaped.
  const misfit = await cli(['generate', '--model', STORIES, '-p', 'Once', '-n', '2', '--steer', evil]);
  assert.match(oneLineError(misfit), /artifact "sea\\x1b\]0;pwned\\x07\\x1b\[2J" \(diffmean\) does not fit this model/);
});

test('eval axbench --factors with an empty entry is refused, not read as a factor of 0', async () => {
  const r = await cli(['eval', 'axbench', '--concepts', 'topic:ocean', '--factors', '1,,2']);
  assert.match(oneLineError(r!), /--factors: expected comma-separated numbers, got "1,,2"/);
});
