// Hostile and corrupt safetensors headers: each gives a clear error naming the file (and the
// tensor where there is one) — no crash, no hang, no huge allocation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile, writeSafetensors } from '../../src/io/index.js';
import { tensor } from '../../src/index.js';
import { Rng } from '../../src/util/rng.js';
import { withTmp } from './helpers.js';

function withLength(n: bigint, rest: Uint8Array): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(n);
  return Buffer.concat([len, rest]);
}

function fileOf(header: unknown, dataBytes: number): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  return withLength(BigInt(json.length), Buffer.concat([json, Buffer.alloc(dataBytes)]));
}

/** Writes `bytes` and expects opening (and reading every tensor) to fail matching `re`. */
function expectError(dir: string, bytes: Uint8Array, re: RegExp): void {
  const p = join(dir, 'bad.safetensors');
  writeFileSync(p, bytes);
  assert.throws(() => {
    const f = SafetensorsFile.open(p);
    for (const k of f.keys()) f.get(k);
  }, (e: unknown) => {
    assert.ok(e instanceof Error);
    assert.match(e.message, re);
    assert.ok(e.message.includes(p), `message names the file: ${e.message}`);
    return true;
  });
}

const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };

test('header length: shorter than 8 bytes, too big, past the end, too small', async () => {
  await withTmp((dir) => {
    expectError(dir, new Uint8Array(5), /shorter than the 8-byte header length/);
    expectError(dir, withLength(1n << 63n, new Uint8Array(16)), /exceeds the 100000000-byte limit/);
    expectError(dir, withLength(100_000_001n, new Uint8Array(16)), /exceeds/);
    expectError(dir, withLength(64n, Buffer.from('{"a":1}')), /runs past the end of the file/);
    expectError(dir, withLength(0n, new Uint8Array(0)), /too short/);
  });
});

test('header content: truncated, bad JSON, bad UTF-8, not an object', async () => {
  await withTmp((dir) => {
    const good = fileOf({ w: ok }, 8);
    expectError(dir, good.subarray(0, 20), /runs past the end of the file/); // truncated inside the header
    expectError(dir, fileOf('{"w": {"dtype": "F32",', 0), /not valid JSON/);
    expectError(dir, withLength(4n, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), /not valid UTF-8/);
    expectError(dir, fileOf('[1, 2]', 0), /must be a JSON object/);
    expectError(dir, fileOf('null', 0), /must be a JSON object/);
    expectError(dir, fileOf('{"w": 5}', 0), /tensor "w": expected an object/);
  });
});

test('data ranges: past EOF, overlapping, reversed, truncated data section', async () => {
  await withTmp((dir) => {
    expectError(dir, fileOf({ w: ok }, 4), /tensor "w": data_offsets \[0, 8\] run past the end of the data section \(4 bytes\)/);
    expectError(dir, fileOf({ a: ok, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12), /"a" \[0, 8\) and "b" \[4, 12\) overlap/);
    expectError(dir, fileOf({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, 12), /end before they begin/);
    expectError(dir, fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4), /data_offsets must be \[begin, end\]/);
    expectError(dir, fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [0.5, 4.5] } }, 8), /data_offsets must be/);
    expectError(dir, fileOf({ a: { dtype: 'F32', shape: [1], data_offsets: [-4, 0] } }, 8), /data_offsets must be/);
    expectError(dir, fileOf({ a: { dtype: 'F32', shape: [1] } }, 8), /data_offsets must be/);
    // Same offsets for two tensors.
    expectError(dir, fileOf({ a: ok, b: ok }, 8), /overlap/);
  });
});

test('shapes and dtypes: size mismatch, unknown dtype, bad dims, huge shapes', async () => {
  await withTmp((dir) => {
    expectError(dir, fileOf({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8), /tensor "w": shape \[3\] × F32 needs 12 bytes but data_offsets \[0, 8\] span 8/);
    expectError(dir, fileOf({ w: { dtype: 'BF16', shape: [2, 2], data_offsets: [0, 4] } }, 8), /needs 8 bytes .* span 4/);
    expectError(dir, fileOf({ w: { dtype: 'Q4_K', shape: [2], data_offsets: [0, 8] } }, 8), /dtype "Q4_K" is unknown \(expected one of F64, F32, F16, BF16, I64, I32, U8, BOOL\)/);
    expectError(dir, fileOf({ w: { dtype: 'F8_E4M3', shape: [8], data_offsets: [0, 8] } }, 8), /dtype "F8_E4M3" is not supported/);
    expectError(dir, fileOf({ w: { dtype: 7, shape: [2], data_offsets: [0, 8] } }, 8), /dtype must be a string/);
    expectError(dir, fileOf({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, 8), /invalid dimension -2/);
    expectError(dir, fileOf({ w: { dtype: 'F32', shape: [1.5], data_offsets: [0, 8] } }, 8), /invalid dimension 1.5/);
    expectError(dir, fileOf({ w: { dtype: 'F32', shape: ['2'], data_offsets: [0, 8] } }, 8), /invalid dimension "2"/);
    expectError(dir, fileOf({ w: { dtype: 'F32', shape: 2, data_offsets: [0, 8] } }, 8), /shape must be an array/);
    expectError(dir, fileOf({ w: { dtype: 'F32', shape: [1e9, 1e9, 1e9], data_offsets: [0, 8] } }, 8), /claims more elements than any file can hold/);
    expectError(dir, fileOf({ w: { dtype: 'F32', shape: [1e300], data_offsets: [0, 8] } }, 8), /invalid dimension/);
    // Self-consistent but enormous: refused because the bytes are not in the file, before any allocation.
    expectError(dir, fileOf({ w: { dtype: 'F32', shape: [1e6, 1e6], data_offsets: [0, 4e12] } }, 8), /run past the end of the data section/);
    expectError(dir, fileOf({ w: { dtype: 'F32', shape: new Array(65).fill(1), data_offsets: [0, 4] } }, 8), /65 dimensions/);
  });
});

test('__metadata__ must be a string→string map', async () => {
  await withTmp((dir) => {
    expectError(dir, fileOf({ __metadata__: { format: 'pt', step: 3 }, w: ok }, 8), /"__metadata__.step" must be a string, got 3/);
    expectError(dir, fileOf({ __metadata__: ['a'], w: ok }, 8), /"__metadata__" must be an object of strings/);
  });
});

test('random corruption of a valid header never crashes: it opens or throws a clear Error', async () => {
  await withTmp((dir) => {
    const p = join(dir, 'src.safetensors');
    writeSafetensors(p, { alpha: tensor([1, 2, 3]), beta: tensor([[1, 2], [3, 4]], { dtype: 'bf16' }), gamma: tensor([5], { dtype: 'i32' }) }, { k: 'v' });
    const good = readFileSync(p);
    const headerEnd = 8 + Number(good.readBigUInt64LE(0));
    const rng = new Rng(1234);
    const q = join(dir, 'fuzz.safetensors');
    let opened = 0;
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const bad = Buffer.from(good);
      const flips = 1 + Math.floor(rng.next() * 3);
      for (let j = 0; j < flips; j++) {
        const at = Math.floor(rng.next() * headerEnd);
        bad[at] = Math.floor(rng.next() * 256);
      }
      // Sometimes also cut the file short.
      const cut = rng.next() < 0.2 ? bad.subarray(0, Math.floor(rng.next() * bad.length)) : bad;
      writeFileSync(q, cut);
      try {
        const f = SafetensorsFile.open(q);
        for (const k of f.keys()) if (f.info(k).engineDType) f.get(k);
        opened++;
      } catch (e) {
        assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
        assert.ok(e.message.includes(q), `message names the file: ${e.message}`);
        refused++;
      }
    }
    assert.ok(refused > 100, `most corruptions are refused (${refused} refused, ${opened} opened)`);
  });
});
