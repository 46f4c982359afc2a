// `steerling serve` as the real binary: it starts on the organism by default, loads --steer
// NAME=PATH and --artifacts DIR, says where it listens, answers, and exits cleanly on SIGTERM;
// startup problems are one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadModel } from '../../src/models/load.js';
import { METHODS } from '../../src/methods/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { saveArtifact } from '../../src/artifact/io.js';
import { BIN, ROOT, cli, oneLineError, tempDir } from '../cli/helpers.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;

test('steerling serve: starts, lists the model and artifacts, requires the key from the environment, stops on SIGTERM', async () => {
  const m = await loadModel(ORGANISM);
  const rows = [
    { prompt: 'Tell me about the sea.', positive: 'the sea is blue and the waves roll .', negative: 'the desk is brown and the chair is old .' },
    { prompt: 'Tell me about the beach.', positive: 'the waves come to the sand by the sea .', negative: 'the lamp is on the table by the door .' },
  ];
  const dir = tempDir();
  const path = join(dir, 'sea.steer.safetensors');
  saveArtifact(path, METHODS.diffmean!.fit({ model: m.model, tokenizer: m.tokenizer!, data: parseConceptData(rows, 'rows'), site: 'layers.1.resid_post', name: 'sea' }));

  const env: NodeJS.ProcessEnv = { ...process.env, STEERLING_API_KEY: 'k1' };
  const p = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--artifacts', dir, '--steer', `calm=${path}`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 20 s: ${stderr}`)), 20000);
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const hit = /on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(stderr);
      if (hit) {
        clearTimeout(timer);
        resolve(hit[1]!);
      }
    });
    p.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  try {
    assert.match(stderr, /organism on .*artifacts: calm, sea; API key required/);
    assert.equal((await fetch(`${url}/models`)).status, 401);
    const auth = { authorization: 'Bearer k1' };
    const models = (await (await fetch(`${url}/models`, { headers: auth })).json()) as { data: { id: string }[] };
    assert.deepEqual(models.data.map((x) => x.id), ['organism']);
    const steering = (await (await fetch(`${url}/steering`, { headers: auth })).json()) as { data: { name: string }[] };
    assert.deepEqual(steering.data.map((x) => x.name), ['calm', 'sea']);
    const r = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'organism', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, steering: [{ artifact: 'sea' }] }) });
    assert.equal(r.status, 200);
  } finally {
    const exited = new Promise<number | null>((resolve) => p.once('exit', resolve));
    p.kill('SIGTERM');
    assert.equal(await exited, 0);
  }
});

test('steerling serve: startup problems are one line', async () => {
  const dir = tempDir();
  for (const [args, want] of [
    [['--steer', `x=${join(dir, 'missing.steer.safetensors')}`], /artifact file .*missing\.steer\.safetensors \(for "x"\) does not exist/],
    [['--steer', 'just-a-path.steer.safetensors'], /expected NAME=PATH/],
    [['--artifacts', dir], /has no \*\.steer\.safetensors files/],
  ] as [string[], RegExp][]) {
    const r = await cli(['serve', '--port', '0', ...args]);
    assert.match(oneLineError(r), want);
  }
  // Flag values are checked by the option parser (commander's usual two-line message).
  const bad = await cli(['serve', '--queue', '-1']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--queue must be an integer ≥ 0, got "-1"/);
});
