// safetensors reading and writing: round trips, golden bytes, views (no copies), a real file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile, writeSafetensors } from '../../src/io/index.js';
import { tensor, fromStorage } from '../../src/index.js';
import { stories260K, withTmp } from './helpers.js';

/** Builds a safetensors file from a header object and raw data bytes. */
function rawFile(header: unknown, data: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

test('golden bytes of a tiny file (computed independently with Python struct)', async () => {
  const expected =
    '90000000000000007b225f5f6d657461646174615f5f223a7b22666f726d6174223a227074227d2c2261223a7b226474797065223a22463332222c227368617065223a5b325d2c22646174615f6f666673657473223a5b302c385d7d2c2262223a7b226474797065223a2242463136222c227368617065223a5b315d2c22646174615f6f666673657473223a5b382c31305d7d7d202020200000803f000000c0803f';
  await withTmp((dir) => {
    const p = join(dir, 'g.safetensors');
    // Inserted out of order: the writer sorts by name.
    writeSafetensors(p, { b: tensor([1], { dtype: 'bf16' }), a: tensor([1, -2]) }, { format: 'pt' });
    assert.equal(readFileSync(p).toString('hex'), expected);
    assert.deepEqual(readdirSync(dir), ['g.safetensors'], 'no temporary file left behind');
    // And the reader reads the golden bytes back.
    const f = SafetensorsFile.open(p);
    assert.deepEqual(f.metadata, { format: 'pt' });
    assert.deepEqual(f.keys(), ['a', 'b']);
    assert.deepEqual(f.get('a').toArray(), [1, -2]);
    assert.equal(f.get('b').dtype, 'bf16');
    assert.deepEqual([...f.get('b').data], [0x3f80]);
  });
});

test('prepare sees the data section\'s buffer before it is filled, and the tensors view that buffer', async () => {
  await withTmp((dir) => {
    const p = join(dir, 'p.safetensors');
    writeSafetensors(p, { a: tensor([1, -2, 3]) });
    const seen: { buf: ArrayBuffer; zero: boolean }[] = [];
    const f = SafetensorsFile.open(p, { prepare: (buf) => seen.push({ buf, zero: new Uint8Array(buf).every((b) => b === 0) }) });
    const a = f.get('a');
    assert.deepEqual(a.toArray(), [1, -2, 3]);
    assert.equal(seen.length, 1);
    assert.ok(seen[0]!.zero, 'called before the read');
    assert.equal((a.data as Float32Array).buffer, seen[0]!.buf);
    f.get('a');
    assert.equal(seen.length, 1, 'once per file');
  });
});

test('round trip keeps every dtype, shape and bit (no widening)', async () => {
  await withTmp((dir) => {
    const p = join(dir, 'rt.safetensors');
    const bits = new Uint16Array([0x0001, 0x7f80, 0xffff, 0x3c00, 0x8000]); // incl. NaN and -0
    const src = {
      'f32.odd': tensor([0.1, -0, Infinity, 3.5e-39, NaN], [5]),
      'bf16.w': fromStorage(bits.slice(), [5], 'bf16'),
      'f16.w': fromStorage(bits.slice(), [1, 5], 'f16'),
      'i32.ids': tensor([-2147483648, 0, 2147483647], { dtype: 'i32' }),
      'scalar': tensor(7),
      'empty': tensor([], [0, 3]),
      'mat': tensor([[1, 2, 3], [4, 5, 6]]),
    };
    writeSafetensors(p, src);
    // The data section starts 8-byte aligned.
    const n = Number(readFileSync(p).readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0);
    const f = SafetensorsFile.open(p);
    assert.deepEqual(f.keys(), Object.keys(src).sort());
    for (const [name, t] of Object.entries(src)) {
      const g = f.get(name);
      assert.equal(g.dtype, t.dtype, name);
      assert.deepEqual(g.shape, t.shape, name);
      assert.deepEqual(new Uint8Array(g.data.buffer, g.data.byteOffset, g.data.byteLength), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), name);
    }
    assert.deepEqual(f.info('bf16.w'), { name: 'bf16.w', dtype: 'BF16', shape: [5], begin: f.info('bf16.w').begin, end: f.info('bf16.w').begin + 10, engineDType: 'bf16' });
    assert.deepEqual(f.flagged(), ['i32.ids']);
  });
});

test('tensors are views into one buffer per file; the data is read once, on first use', async () => {
  await withTmp((dir) => {
    const p = join(dir, 'v.safetensors');
    writeSafetensors(p, { a: tensor([1, 2, 3, 4]), b: tensor([5, 6], { dtype: 'f16' }), c: tensor([[7]]) });
    const f = SafetensorsFile.open(p);
    const a = f.get('a');
    const b = f.get('b');
    const c = f.get('c');
    assert.equal(a.data.buffer, b.data.buffer);
    assert.equal(a.data.buffer, c.data.buffer);
    assert.equal(a.data.buffer.byteLength, readFileSync(p).length - 8 - Number(readFileSync(p).readBigUInt64LE(0)), 'one buffer of exactly the data size');
    // Same tensor twice: same storage, no copy.
    assert.equal(f.get('a').data.buffer, a.data.buffer);
  });
});

test('a misaligned tensor is copied (only that one), aligned ones stay views', async () => {
  await withTmp((dir) => {
    const p = join(dir, 'm.safetensors');
    // u8 flag (1 byte) first, so the F32 after it starts at data offset 1.
    const data = new Uint8Array(1 + 8 + 3 + 4);
    data[0] = 1;
    new DataView(data.buffer).setFloat32(1, 1.5, true);
    new DataView(data.buffer).setFloat32(5, -2.25, true);
    new DataView(data.buffer).setFloat32(12, 9, true);
    writeFileSync(p, rawFile({
      flag: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
      odd: { dtype: 'F32', shape: [2], data_offsets: [1, 9] },
      even: { dtype: 'F32', shape: [1], data_offsets: [12, 16] },
    }, data));
    const f = SafetensorsFile.open(p);
    const odd = f.get('odd');
    const even = f.get('even');
    assert.deepEqual(odd.toArray(), [1.5, -2.25]);
    assert.deepEqual(even.toArray(), [9]);
    assert.notEqual(odd.data.buffer, f.load().buffer);
    assert.equal(odd.data.buffer.byteLength, 8, 'only the misaligned tensor was copied');
    assert.equal(even.data.buffer, f.load().buffer);
    assert.deepEqual([...f.bytes('flag')], [1]);
    assert.throws(() => f.get('flag'), /U8.*bytes\(\)/);
    assert.deepEqual(f.flagged(), ['flag']);
  });
});

test('I64 is narrowed to i32 with a range check; F64 reads as f64', async () => {
  await withTmp((dir) => {
    const p = join(dir, 'i.safetensors');
    const data = new Uint8Array(16 + 8 + 8);
    const dv = new DataView(data.buffer);
    dv.setBigInt64(0, -5n, true);
    dv.setBigInt64(8, 123456789n, true);
    dv.setFloat64(16, Math.PI, true);
    dv.setBigInt64(24, 1n << 40n, true);
    writeFileSync(p, rawFile({
      pos: { dtype: 'I64', shape: [2], data_offsets: [0, 16] },
      pi: { dtype: 'F64', shape: [], data_offsets: [16, 24] },
      big: { dtype: 'I64', shape: [1], data_offsets: [24, 32] },
    }, data));
    for (const lazy of [false, true]) {
      const f = SafetensorsFile.open(p, { lazy });
      const pos = f.get('pos');
      assert.equal(pos.dtype, 'i32');
      assert.deepEqual(pos.toArray(), [-5, 123456789]);
      assert.equal(f.get('pi').dtype, 'f64');
      assert.equal(f.get('pi').item(), Math.PI);
      assert.throws(() => f.get('big'), /"big".*1099511627776.*does not fit in i32/);
      f.close();
    }
  });
});

test('writer refuses f64 unless asked to narrow, and bad names', async () => {
  await withTmp((dir) => {
    const p = join(dir, 'w.safetensors');
    const x = tensor([1 / 3, 2], { dtype: 'f64' });
    assert.throws(() => writeSafetensors(p, { x }), /"x" is f64.*narrowF64/);
    assert.equal(existsSync(p), false);
    writeSafetensors(p, { x }, undefined, { narrowF64: true });
    const g = SafetensorsFile.open(p).get('x');
    assert.equal(g.dtype, 'f32');
    assert.deepEqual(g.toArray(), [Math.fround(1 / 3), 2]);
    assert.throws(() => writeSafetensors(p, { __metadata__: tensor([1]) }), /invalid tensor name/);
    assert.throws(() => writeSafetensors(p, { a: tensor([1]) }, { n: 3 as unknown as string }), /metadata "n" must be a string/);
    // A Map works too.
    writeSafetensors(p, new Map([['m', tensor([4])]]));
    assert.deepEqual(SafetensorsFile.open(p).keys(), ['m']);
  });
});

test('lazy mode reads single tensors into their own buffers', async () => {
  await withTmp((dir) => {
    const p = join(dir, 'l.safetensors');
    writeSafetensors(p, { a: tensor([1, 2]), b: tensor([3, 4, 5]) });
    const f = SafetensorsFile.open(p, { lazy: true });
    const b = f.get('b');
    assert.deepEqual(b.toArray(), [3, 4, 5]);
    assert.equal(b.data.buffer.byteLength, 12);
    assert.throws(() => f.load(), /lazily/);
    f.close();
    assert.throws(() => f.get('a'), /closed/);
  });
});

test('unknown tensor names give a helpful error', async () => {
  await withTmp((dir) => {
    const p = join(dir, 'n.safetensors');
    writeSafetensors(p, { 'model.layers.0.mlp.up_proj.weight': tensor([1]) });
    const f = SafetensorsFile.open(p);
    assert.throws(() => f.get('model.layers.1.mlp.up_proj.weight'), /no tensor named "model.layers.1.mlp.up_proj.weight".*similar: model.layers.0.mlp.up_proj.weight/);
  });
});

test('reads the real stories260K checkpoint (written by another tool)', () => {
  const f = SafetensorsFile.open(join(stories260K, 'model.safetensors'));
  assert.equal(f.keys().length, 47);
  const emb = f.get('model.embed_tokens.weight');
  assert.equal(emb.dtype, 'f32');
  assert.deepEqual(emb.shape, [512, 64]);
  // Values read with Python's struct module from the same file.
  assert.deepEqual([...emb.data.subarray(0, 4)], [-0.29474878311157227, 0.5618956089019775, 0.1754225343465805, 0.34057360887527466]);
  assert.equal(emb.data[emb.size - 1], -0.424032598733902);
  const down = f.get('model.layers.4.mlp.down_proj.weight');
  assert.deepEqual(down.shape, [64, 172]);
  assert.equal(down.data[0], -0.04791264981031418);
  assert.equal(down.data[down.size - 1], -0.0035068716388195753);
  assert.equal(f.get('model.norm.weight').data[0], 2.4583089351654053);
  assert.equal(down.data.buffer, emb.data.buffer);
});
