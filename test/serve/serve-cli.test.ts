// `steerling serve` as the real binary: it starts on the organism by default, loads --steer
// NAME=PATH and --artifacts DIR, says where it listens (the API and the playground), answers, and
// exits cleanly on SIGTERM; --no-playground leaves `/` unserved; startup problems are one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { loadModel } from '../../src/models/load.js';
import { METHODS } from '../../src/methods/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { saveArtifact } from '../../src/artifact/io.js';
import { BIN, ROOT, cli, oneLineError, tempDir } from '../cli/helpers.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;

type Child = ChildProcessByStdio<null, Readable, Readable>;

interface Served {
  p: Child;
  /** The API's address (…/v1). */
  url: string;
  stderr: () => string;
}

/** Starts the binary and waits until stderr shows `until` (its first group is the API address). */
function serve(args: string[], until: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<Served> {
  const p = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  return new Promise<Served>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address within 20 s: ${stderr}`)), 20000);
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const hit = until.exec(stderr);
      if (hit) {
        clearTimeout(timer);
        resolve({ p, url: hit[1]!, stderr: () => stderr });
      }
    });
    p.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
}

/** SIGTERM; resolves to the exit code. */
async function stop(p: Child): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => p.once('exit', resolve));
  p.kill('SIGTERM');
  return exited;
}

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
  const { p, url, stderr } = await serve(['--artifacts', dir, '--steer', `calm=${path}`], /on (http:\/\/127\.0\.0\.1:\d+\/v1)[^]*playground at http:\/\/127\.0\.0\.1:\d+\/\n/, env);
  try {
    assert.match(stderr(), /organism on .*artifacts: calm, sea; API key required/);
    assert.match(stderr(), new RegExp(`playground at ${url.replace(/\/v1$/, '/')}\n`));
    assert.equal((await fetch(`${url}/models`)).status, 401);
    const auth = { authorization: 'Bearer k1' };
    const models = (await (await fetch(`${url}/models`, { headers: auth })).json()) as { data: { id: string }[] };
    assert.deepEqual(models.data.map((x) => x.id), ['organism']);
    const steering = (await (await fetch(`${url}/steering`, { headers: auth })).json()) as { data: { name: string }[] };
    assert.deepEqual(steering.data.map((x) => x.name), ['calm', 'sea']);
    const r = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'organism', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, steering: [{ artifact: 'sea' }] }) });
    assert.equal(r.status, 200);
    // The page itself is public (it holds no data; the routes it calls need the key).
    const page = await fetch(url.replace(/\/v1$/, '/'));
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  } finally {
    assert.equal(await stop(p), 0);
  }
});

test('steerling serve --no-playground: the API only', async () => {
  const { p, url, stderr } = await serve(['--no-playground'], /on (http:\/\/127\.0\.0\.1:\d+\/v1)/);
  try {
    assert.equal((await fetch(url.replace(/\/v1$/, '/'))).status, 404);
    assert.equal((await fetch(`${url}/models`)).status, 200);
    assert.doesNotMatch(stderr(), /playground/);
  } finally {
    assert.equal(await stop(p), 0);
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
