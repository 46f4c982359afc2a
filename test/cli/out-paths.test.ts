// Files and output paths through the CLI (issue 14, item 5): every case gets one line naming the
// path and the problem, nothing half-written is left behind, and a missing output folder is created
// by every command that writes (train, export gguf, export merged, demo).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir, STORIES, DOG_DATA } from './helpers.js';

const train = (data: string, out: string, cwd?: string) => cli(['train', 'diffmean', '--model', STORIES, '--data', data, '--site', 'layers.2.resid_post', '--out', out, '--strength-rule', 'rho'], { cwd, timeoutMs: 60000 });
const oneLine = (s: string) => s.trim().split('\n').length === 1;

test('train: --out "" is refused (no hidden ./.steer.safetensors); a missing folder is created; folders and devices as --data are named', async () => {
  const dir = tempDir();
  const empty = await train(DOG_DATA, '', dir);
  assert.notEqual(empty.code, 0);
  assert.match(empty.stderr, /--out is empty/);
  assert.deepEqual(readdirSync(dir), []);
  const made = await train(DOG_DATA, join(dir, 'new', 'sub', 'dog'));
  assert.equal(made.code, 0, made.stderr);
  assert.ok(existsSync(join(dir, 'new', 'sub', 'dog.steer.safetensors')));
  for (const [data, want] of [[dir, /is a folder; give a JSONL file/], ['/dev/zero', /\/dev\/zero is not a regular file/]] as const) {
    const r = await train(data, join(dir, 'x'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, want);
    assert.ok(oneLine(r.stderr), r.stderr);
  }
});

test('train: a UTF-8 byte-order mark is skipped; invalid UTF-8 is refused with its line', async () => {
  const dir = tempDir();
  const lines = readFileSync(DOG_DATA, 'utf8').split('\n').filter(Boolean);
  writeFileSync(join(dir, 'bom.jsonl'), '\ufeff' + lines.join('\n') + '\n');
  const bom = await train(join(dir, 'bom.jsonl'), join(dir, 'bom'));
  assert.equal(bom.code, 0, bom.stderr);
  writeFileSync(join(dir, 'bad.jsonl'), Buffer.concat([Buffer.from(lines.slice(0, 2).join('\n') + '\n'), Buffer.from('{"prompt": "A'), Buffer.from([0xff, 0xfe]), Buffer.from('", "positive": " dog.", "negative": " box."}\n')]));
  const bad = await train(join(dir, 'bad.jsonl'), join(dir, 'bad'));
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /bad\.jsonl:3: not valid UTF-8/);
});

test('--steer with a folder or a GGUF file says what it is; export gguf into a folder path leaves nothing behind', async () => {
  const dir = tempDir();
  assert.equal((await train(DOG_DATA, join(dir, 'dog'))).code, 0);
  const art = join(dir, 'dog.steer.safetensors');
  const folder = await cli(['generate', '--model', STORIES, '-p', 'Once', '-n', '2', '--steer', dir]);
  assert.notEqual(folder.code, 0);
  assert.match(folder.stderr, /is a folder, not a safetensors file/);
  assert.doesNotMatch(folder.stderr, /EISDIR/);
  const gguf = join(dir, 'out', 'dog.gguf');
  const g = await cli(['export', 'gguf', '--steer', art, '--out', gguf]);
  assert.equal(g.code, 0, g.stderr);
  const asArtifact = await cli(['generate', '--model', STORIES, '-p', 'Once', '-n', '2', '--steer', gguf]);
  assert.notEqual(asArtifact.code, 0);
  assert.match(asArtifact.stderr, /is a GGUF file .*--control-vector/);
  mkdirSync(join(dir, 'taken'));
  const onFolder = await cli(['export', 'gguf', '--steer', art, '--out', join(dir, 'taken')]);
  assert.notEqual(onFolder.code, 0);
  assert.match(onFolder.stderr, /taken is a folder; give a file name/);
  assert.deepEqual(readdirSync(join(dir, 'taken')), []);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('train: a record longer than the model context is named with its file:line before any work', async () => {
  const dir = tempDir();
  const lines = readFileSync(DOG_DATA, 'utf8').split('\n').filter(Boolean);
  const long = JSON.stringify({ prompt: 'Once upon a time,', positive: ' dog'.repeat(2000), negative: ' box.' });
  writeFileSync(join(dir, 'long.jsonl'), [...lines.slice(0, 3), long, ...lines.slice(3, 6)].join('\n') + '\n');
  const r = await train(join(dir, 'long.jsonl'), join(dir, 'long'));
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /long\.jsonl:4: \d+ tokens, more than the model's context \(\d+\); shorten it/);
  assert.ok(oneLine(r.stderr), r.stderr);
});
