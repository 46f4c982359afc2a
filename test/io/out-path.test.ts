// Output paths under one rule (src/io/out-path.ts): a file appears whole or not at all, missing
// parent folders are created, a folder output that fails part-way leaves nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutFile, intoNewFolder, writeFileAtomic } from '../../src/io/out-path.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'steerling-out-'));

test('writeFileAtomic: creates missing folders; a write that fails part-way leaves neither the file nor a temporary', () => {
  const dir = fresh();
  writeFileAtomic(join(dir, 'a', 'b', 'x.txt'), 'hello');
  assert.equal(readFileSync(join(dir, 'a', 'b', 'x.txt'), 'utf8'), 'hello');
  function* failing(): Generator<Uint8Array> {
    yield new Uint8Array([1, 2, 3]);
    throw new Error('ENOSPC: no space left on device');
  }
  assert.throws(() => writeFileAtomic(join(dir, 'y.bin'), failing()), /^Error: cannot write .*y\.bin \(ENOSPC: no space left on device\)$/);
  assert.deepEqual(readdirSync(dir), ['a'], 'no y.bin and no temporary file');
});

test('checkOutFile: empty, folder and trailing-separator paths are refused with one line', () => {
  const dir = fresh();
  assert.throws(() => checkOutFile(''), /^Error: --out is empty: give the file to write$/);
  assert.throws(() => checkOutFile('  ', '--html'), /^Error: --html is empty/);
  assert.throws(() => checkOutFile(dir), /is a folder; give a file name/);
  assert.throws(() => checkOutFile('out/'), /names a folder; give a file name/);
  checkOutFile(join(dir, 'new', 'x.json'));
});

test('intoNewFolder: a failed fill removes the folder it created, empties one that was empty, refuses one with files', () => {
  const dir = fresh();
  const out = join(dir, 'new', 'export');
  assert.throws(() => intoNewFolder(out, () => {
    writeFileAtomic(join(out, 'model.safetensors'), 'partial');
    throw new Error('disk full');
  }), /disk full/);
  assert.equal(existsSync(out), false);
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  assert.throws(() => intoNewFolder(empty, () => {
    writeFileAtomic(join(empty, 'config.json'), '{}');
    throw new Error('disk full');
  }), /disk full/);
  assert.deepEqual(readdirSync(empty), []);
  writeFileAtomic(join(empty, 'keep.txt'), 'x');
  assert.throws(() => intoNewFolder(empty, () => 1), /exists and is not empty; choose a new folder/);
  assert.equal(intoNewFolder(join(dir, 'ok'), () => 7), 7);
});
