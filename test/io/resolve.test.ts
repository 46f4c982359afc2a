// Model resolution: local folders, a fake Hugging Face cache (refs, snapshots, symlinked blobs),
// revisions, and the errors. Never touches the network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { resolveModel, resolveModelSync, findInCache, hubCacheDir, isRepoId, openModelFiles } from '../../src/io/index.js';
import { stories260K, withTmp } from './helpers.js';

const C1 = 'a'.repeat(40);
const C2 = '0123456789abcdef0123456789abcdef01234567';

/** A cache holding org/tiny with two snapshots; refs/main → C1, refs/v2 → C2. Files are blob symlinks. */
function fakeCache(root: string): string {
  const repo = join(root, 'models--org--tiny');
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(join(repo, 'refs'), { recursive: true });
  const blob = (name: string, text: string): string => {
    writeFileSync(join(repo, 'blobs', name), text);
    return name;
  };
  const b1 = blob('b1', JSON.stringify({ model_type: 'llama', hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, vocab_size: 10 }));
  const b2 = blob('b2', JSON.stringify({ model_type: 'gpt2', n_embd: 8, n_layer: 1, n_head: 2, vocab_size: 10 }));
  for (const [commit, b] of [[C1, b1], [C2, b2]] as const) {
    const snap = join(repo, 'snapshots', commit);
    mkdirSync(snap, { recursive: true });
    symlinkSync(join('..', '..', 'blobs', b), join(snap, 'config.json'));
  }
  writeFileSync(join(repo, 'refs', 'main'), C1);
  writeFileSync(join(repo, 'refs', 'v2'), `${C2}\n`);
  return repo;
}

test('hub cache location: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub', () => {
  assert.equal(hubCacheDir({ HF_HUB_CACHE: '/x/hub', HF_HOME: '/y' }), '/x/hub');
  assert.equal(hubCacheDir({ HF_HOME: '/y' }), '/y/hub');
  assert.equal(hubCacheDir({}), join(homedir(), '.cache', 'huggingface', 'hub'));
  assert.equal(hubCacheDir({ HF_HOME: '~/hf' }), join(homedir(), 'hf', 'hub'));
});

test('repo ids', () => {
  for (const ok of ['HuggingFaceTB/SmolLM2-135M-Instruct', 'gpt2', 'org/name.v1', 'a_b/c-d']) assert.ok(isRepoId(ok), ok);
  for (const bad of ['a/b/c', '../x', 'org/..', '/abs', 'org/', '', 'a b/c']) assert.ok(!isRepoId(bad), bad);
});

test('a local folder resolves to itself', async () => {
  const r = await resolveModel(stories260K);
  assert.deepEqual(r, { dir: stories260K, source: 'local', repoId: null, revision: null, commit: null });
  await withTmp((dir) => {
    assert.throws(() => resolveModelSync(dir), /has no config.json/);
    writeFileSync(join(dir, 'f'), 'x');
    assert.throws(() => resolveModelSync(join(dir, 'f')), /is a file/);
    assert.throws(() => resolveModelSync(join(dir, 'missing')), /not found: .*missing does not exist/);
  });
});

test('cache: refs/main, named refs, commit hashes, symlinked blobs', async () => {
  await withTmp(async (root) => {
    const repo = fakeCache(root);
    const env = { HF_HUB_CACHE: root };
    const main = await resolveModel('org/tiny', { env });
    assert.equal(main.source, 'cache');
    assert.equal(main.dir, join(repo, 'snapshots', C1));
    assert.equal(main.commit, C1);
    assert.equal(main.repoId, 'org/tiny');
    const v2 = resolveModelSync('org/tiny', { env, revision: 'v2' });
    assert.equal(v2.commit, C2, 'ref file contents are trimmed');
    const byHash = resolveModelSync('org/tiny', { env, revision: C2 });
    assert.equal(byHash.dir, join(repo, 'snapshots', C2));
    // The symlinked config reads through to its blob.
    const files = await openModelFiles('org/tiny', { env, revision: 'v2' }).catch((e: Error) => e);
    assert.ok(files instanceof Error && /no model.safetensors/.test(files.message), 'config loads; weights are missing');
  });
});

test('cache under $HF_HOME/hub', async () => {
  await withTmp((root) => {
    fakeCache(join(root, 'hub'));
    assert.equal(resolveModelSync('org/tiny', { env: { HF_HOME: root } }).commit, C1);
    assert.throws(() => resolveModelSync('org/tiny', { env: { HF_HUB_CACHE: join(root, 'elsewhere'), HF_HOME: root } }), /not found locally/);
  });
});

test('cache: one snapshot and no refs/main is accepted; several are ambiguous', async () => {
  await withTmp((root) => {
    const repo = fakeCache(root);
    rmSync(join(repo, 'refs', 'main'));
    assert.match(findInCache('org/tiny', { cacheDir: root }) as string, /holds 2 snapshots \(pass a revision\)/);
    rmSync(join(repo, 'snapshots', C2), { recursive: true });
    const hit = findInCache('org/tiny', { cacheDir: root });
    assert.ok(typeof hit !== 'string');
    assert.equal(hit.commit, C1);
  });
});

test('cache errors: unknown revision, dangling ref, broken blob symlink, traversal', async () => {
  await withTmp((root) => {
    const repo = fakeCache(root);
    assert.match(findInCache('org/tiny', { cacheDir: root, revision: 'nope' }) as string, /refs\/nope does not exist \(revision "nope" was never downloaded\)/);
    assert.match(findInCache('org/tiny', { cacheDir: root, revision: 'b'.repeat(40) }) as string, /snapshots\/b{40} does not exist/);
    assert.match(findInCache('org/tiny', { cacheDir: root, revision: '../../x' }) as string, /invalid revision/);
    writeFileSync(join(repo, 'refs', 'bad'), 'not-a-hash');
    assert.match(findInCache('org/tiny', { cacheDir: root, revision: 'bad' }) as string, /does not hold a commit hash/);
    rmSync(join(repo, 'blobs', 'b1'));
    assert.match(findInCache('org/tiny', { cacheDir: root }) as string, /config.json is missing \(incomplete download, or its blob was deleted\)/);
  });
});

test('not found: the error says where it looked and how to get the model; no download unless allowed', async () => {
  await withTmp(async (root) => {
    const env = { HF_HUB_CACHE: root };
    await assert.rejects(resolveModel('someorg/absent-model', { env }), (e: Error) => {
      assert.match(e.message, /model "someorg\/absent-model" not found locally; looked in: .*someorg\/absent-model \(local path\), /);
      assert.ok(e.message.includes(join(root, 'models--someorg--absent-model')), e.message);
      assert.match(e.message, /\$HF_HUB_CACHE, else \$HF_HOME\/hub, else ~\/.cache\/huggingface\/hub/);
      assert.match(e.message, /huggingface-cli download someorg\/absent-model/);
      assert.match(e.message, /allow downloads/);
      return true;
    });
    assert.throws(() => resolveModelSync('org/tiny', { env, revision: 'v9' }), /at revision v9 not found locally.*--revision v9/);
    assert.throws(() => resolveModelSync('./not/here', { env }), /not found: .*not\/here does not exist$/);
    assert.throws(() => resolveModelSync('a/b/c', { env }), /does not exist \(and it is not a Hub repo id like org\/name\)/);
  });
});

test('openModelFiles on stories260K: config, generation stop ids, checkpoint, tokenizer', async () => {
  const m = await openModelFiles(stories260K);
  assert.equal(m.dir, stories260K);
  assert.equal(m.config.numLayers, 5);
  assert.deepEqual(m.eosTokenIds, [2, 1], 'generation_config wins over config.json');
  assert.equal(m.checkpoint.keys().length, 47);
  assert.ok(m.tokenizer);
  assert.deepEqual(m.tokenizer.encode('Once upon a time'), [1, 403, 407, 261, 378]);
});
