// Sharded and single-file checkpoints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Checkpoint, writeSafetensors } from '../../src/io/index.js';
import { tensor } from '../../src/index.js';
import { stories260K, withTmp } from './helpers.js';

function shardedModel(dir: string, weightMap?: Record<string, unknown>): void {
  writeSafetensors(join(dir, 'model-00001-of-00002.safetensors'), { 'embed.weight': tensor([[1, 2], [3, 4]]), 'layers.0.w': tensor([5, 6], { dtype: 'bf16' }) });
  writeSafetensors(join(dir, 'model-00002-of-00002.safetensors'), { 'layers.1.w': tensor([7, 8], { dtype: 'bf16' }), 'norm.weight': tensor([9, 10]) });
  const wm = weightMap ?? {
    'embed.weight': 'model-00001-of-00002.safetensors',
    'layers.0.w': 'model-00001-of-00002.safetensors',
    'layers.1.w': 'model-00002-of-00002.safetensors',
    'norm.weight': 'model-00002-of-00002.safetensors',
  };
  writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 32 }, weight_map: wm }));
}

test('sharded folder: index, lazy per-shard loading, tensors from both shards', async () => {
  await withTmp((dir) => {
    shardedModel(dir);
    const c = Checkpoint.open(dir);
    assert.deepEqual(c.keys(), ['embed.weight', 'layers.0.w', 'layers.1.w', 'norm.weight']);
    assert.equal(c.files.length, 2);
    assert.deepEqual(c.metadata, { total_size: 32 });
    assert.deepEqual(c.get('embed.weight').toNested(), [[1, 2], [3, 4]]);
    assert.equal(c.get('layers.1.w').dtype, 'bf16');
    assert.deepEqual(c.get('layers.1.w').toArray(), [7, 8]);
    assert.match(c.fileOf('norm.weight'), /model-00002-of-00002\.safetensors$/);
    assert.equal(c.info('layers.0.w').dtype, 'BF16');
    // Tensors of one shard share its buffer; the two shards have different buffers.
    assert.equal(c.get('embed.weight').data.buffer, c.get('layers.0.w').data.buffer);
    assert.notEqual(c.get('embed.weight').data.buffer, c.get('norm.weight').data.buffer);
    assert.throws(() => c.get('layers.2.w'), /no tensor named "layers.2.w"/);
    // Opening the index file directly works too.
    assert.equal(Checkpoint.open(join(dir, 'model.safetensors.index.json')).keys().length, 4);
    c.close();
  });
});

test('index problems: missing shard, tensor not in its shard, path escapes, empty map, bad JSON', async () => {
  await withTmp((dir) => {
    shardedModel(dir, { 'embed.weight': 'model-00003-of-00003.safetensors' });
    assert.throws(() => Checkpoint.open(dir), /shard "model-00003-of-00003.safetensors" \(holding "embed.weight"\) is missing/);
    shardedModel(dir, { 'norm.weight': 'model-00001-of-00002.safetensors' });
    assert.throws(() => Checkpoint.open(dir), /puts "norm.weight" in model-00001-of-00002.safetensors, but that shard has no such tensor/);
    shardedModel(dir, { 'embed.weight': '../model-00001-of-00002.safetensors' });
    assert.throws(() => Checkpoint.open(dir), /must be a shard file name in the same folder/);
    shardedModel(dir, {});
    assert.throws(() => Checkpoint.open(dir), /weight_map is empty/);
    writeFileSync(join(dir, 'model.safetensors.index.json'), '{"weight_map": ');
    assert.throws(() => Checkpoint.open(dir), /model.safetensors.index.json: not valid JSON/);
    writeFileSync(join(dir, 'model.safetensors.index.json'), '{"metadata": {}}');
    assert.throws(() => Checkpoint.open(dir), /missing "weight_map"/);
  });
});

test('folders without safetensors weights are refused with the reason', async () => {
  await withTmp((dir) => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    assert.throws(() => Checkpoint.open(empty), /no model.safetensors or model.safetensors.index.json/);
    writeFileSync(join(empty, 'pytorch_model.bin'), 'x');
    assert.throws(() => Checkpoint.open(empty), /pytorch_model.bin: PyTorch pickle checkpoints are not supported/);
    assert.throws(() => Checkpoint.open(join(dir, 'nope')), /no such file or folder/);
  });
});

test('single-file folder: stories260K', () => {
  const c = Checkpoint.open(stories260K);
  assert.equal(c.keys().length, 47);
  assert.ok(c.has('model.layers.4.self_attn.q_proj.weight'));
  assert.deepEqual(c.info('model.layers.0.self_attn.k_proj.weight').shape, [32, 64]);
  assert.deepEqual(c.flagged(), []);
});
