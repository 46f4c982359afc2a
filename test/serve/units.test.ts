// The server's parts on their own: the artifact registry (names, folders, model checks), the
// bounded queue, and the streaming text splitter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { copyFileSync, writeFileSync } from 'node:fs';
import { loadModel } from '../../src/models/load.js';
import { generate } from '../../src/generate/generate.js';
import { METHODS } from '../../src/methods/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { saveArtifact } from '../../src/artifact/io.js';
import { ArtifactRegistry, parseNamedPath, RequestError } from '../../src/serve/registry.js';
import { WorkQueue, QueueFullError, QueueTimeoutError } from '../../src/serve/queue.js';
import { TextStreamer, runGeneration, prepareGeneration, chatPromptIds, ClientGoneError, GenerationTimeoutError } from '../../src/serve/generation.js';
import { tempDir, STORIES } from '../cli/helpers.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;

test('registry: NAME=PATH and folders by file stem, one name each, fitted on this model, errors that say what is wrong', async () => {
  const org = await loadModel(ORGANISM);
  const stories = await loadModel(STORIES);
  const rows = [
    { prompt: 'Tell me about the sea.', positive: 'the sea is blue and the waves roll .', negative: 'the desk is brown and the chair is old .' },
    { prompt: 'Tell me about the beach.', positive: 'the waves come to the sand by the sea .', negative: 'the lamp is on the table by the door .' },
  ];
  const fitOn = (m: typeof org, site: string) => METHODS.diffmean!.fit({ model: m.model, tokenizer: m.tokenizer!, data: parseConceptData(rows, 'rows'), site, name: 'sea' });
  const dir = tempDir();
  saveArtifact(join(dir, 'sea.steer.safetensors'), fitOn(org, 'layers.1.resid_post'));
  copyFileSync(join(dir, 'sea.steer.safetensors'), join(dir, 'sea2.steer.safetensors'));
  writeFileSync(join(dir, 'notes.txt'), 'not an artifact');
  const other = tempDir();
  saveArtifact(join(other, 'stories.steer.safetensors'), fitOn(stories, 'layers.1.resid_post'));

  const reg = new ArtifactRegistry(org.model);
  assert.deepEqual(reg.addFolder(dir).map((r) => r.name), ['sea', 'sea2']);
  reg.add('calm', join(dir, 'sea.steer.safetensors'));
  assert.deepEqual(reg.names(), ['sea', 'sea2', 'calm']);
  assert.deepEqual(reg.list()[0]!.sites, ['layers.1.resid_post']);
  assert.throws(() => reg.add('sea', join(dir, 'sea2.steer.safetensors')), /two artifacts are named "sea"/);
  assert.throws(() => reg.add('../x', join(dir, 'sea.steer.safetensors')), /name "\.\.\/x" is not allowed/);
  assert.throws(() => reg.add('gone', join(dir, 'missing.steer.safetensors')), /does not exist/);
  assert.throws(() => reg.add('stories', join(other, 'stories.steer.safetensors')), /does not fit this model/);
  assert.throws(() => reg.addFolder(join(dir, 'notes.txt')), /is not a folder/);
  assert.throws(() => reg.addFolder(tempDir()), /no \*\.steer\.safetensors/);
  // --force skips the fingerprint check, but never the widths: a 64-wide direction cannot act on 192.
  assert.throws(() => new ArtifactRegistry(org.model, true).add('stories', join(other, 'stories.steer.safetensors')), /artifact sea: interventions\[0\]\.tensors\.direction \(layers\.1\.resid_post\.direction\) has shape \[64\]; a add at layers\.1\.resid_post needs \[192\]/);

  const { applied } = reg.interventions([{ artifact: 'sea', multiple: 2 }, { artifact: 'calm', strength: -1 }]);
  const def = reg.list()[0]!.default_strength;
  assert.deepEqual(applied.map((a) => a.strengths), [[2 * def], [-1]]);
  assert.throws(() => reg.interventions([{ artifact: 'sea', target: 'neg' }]), (e: unknown) => e instanceof RequestError && /clamp target/.test(e.message) && e.param === 'steering[0]');

  assert.deepEqual(parseNamedPath('formal=./a=b.steer.safetensors'), { name: 'formal', path: './a=b.steer.safetensors' });
  assert.throws(() => parseNamedPath('./formal.steer.safetensors'), /expected NAME=PATH/);
});

test('queue: one runs, maxWaiting wait in order, more are refused, a wait can time out', async () => {
  const q = new WorkQueue(1);
  const order: string[] = [];
  let release!: () => void;
  const first = q.run(() => new Promise<void>((r) => (release = () => (order.push('a'), r()))));
  const second = q.run(async () => void order.push('b'));
  await assert.rejects(q.run(async () => undefined), QueueFullError);
  assert.equal(q.waitingCount, 1);
  release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['a', 'b']);
  assert.equal(q.busy, false);

  let release2!: () => void;
  const held = q.run(() => new Promise<void>((r) => (release2 = r)));
  await assert.rejects(q.run(async () => undefined, 20), QueueTimeoutError);
  assert.equal(q.waitingCount, 0, 'a timed-out waiter leaves the queue');
  release2();
  await held;
  assert.throws(() => new WorkQueue(-1), /non-negative integer/);
});

test('streaming text: deltas add up to the final text, hold back stop-string prefixes and split characters', () => {
  // A toy decoder: each id is one character; 9 is half of a two-token character (U+FFFD until 10 follows).
  const decode = (ids: number[]) => ids.map((id, i) => (id === 9 ? (ids[i + 1] === 10 ? '' : '\uFFFD') : id === 10 ? 'é' : String.fromCharCode(96 + id))).join('');
  const run = (ids: number[], stop: string[], final: string) => {
    const s = new TextStreamer(decode, stop);
    const parts: string[] = [];
    for (let i = 1; i <= ids.length; i++) parts.push(s.update(ids.slice(0, i)));
    parts.push(s.finish(final));
    return parts;
  };
  assert.deepEqual(run([1, 2, 9, 10, 3], [], 'abéc'), ['a', 'b', '', 'é', 'c', '']);
  // Stop "cd": "c" is held back until it is known not to start the stop.
  assert.deepEqual(run([1, 3, 5, 3, 4], ['cd'], 'ace'), ['a', '', 'ce', '', '', '']);
  assert.equal(run([1, 3, 5, 3, 4], ['cd'], 'ace').join(''), 'ace');
});

test('a run stops when the client has gone or the deadline has passed, and otherwise equals generate', async () => {
  const lm = await loadModel(ORGANISM);
  const reg = new ArtifactRegistry(lm.model);
  const g = prepareGeneration(lm, lm.tokenizer!, reg, { maxTokensLimit: 64, defaultMaxTokens: 16 }, { temperature: 0 }, chatPromptIds(lm.tokenizer!, [{ role: 'user', content: 'Describe the weather.' }]), { prompt: 'prompt', maxTokens: 'max_tokens' });
  let steps = 0;
  const far = Date.now() + 60_000;
  const full = await runGeneration(lm, g, { deadline: far, timeoutSeconds: 60, gone: () => false, onTokens: () => void steps++ });
  assert.equal(full.tokens.length, steps);
  assert.ok(steps > 8, `a reply of ${steps} tokens`);
  assert.deepEqual(full, generate(lm.model, [g.promptIds], g.options)[0]);
  let n = 0;
  await assert.rejects(runGeneration(lm, g, { deadline: far, timeoutSeconds: 60, gone: () => ++n > 2 }), ClientGoneError);
  assert.equal(n, 3, 'stops at the first step after the client went');
  await assert.rejects(runGeneration(lm, g, { deadline: Date.now() - 1, timeoutSeconds: 1, gone: () => false }), GenerationTimeoutError);
  assert.throws(() => prepareGeneration(lm, lm.tokenizer!, reg, { maxTokensLimit: 64, defaultMaxTokens: 16 }, {}, new Array<number>(lm.model.arch.maxPositions).fill(1), { prompt: 'prompt', maxTokens: 'max_tokens' }), (e: unknown) => e instanceof RequestError && e.code === 'context_length_exceeded' && e.param === 'prompt');
});
