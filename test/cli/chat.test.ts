// `steerling chat` through the real binary with piped input: turns keep the history, /steer and
// /unsteer change the steering between turns, --compare shows the unsteered reply with the same
// seed, a bad command ends its turn (not the session), and a long conversation drops its oldest
// exchanges to fit the context. Also the session class directly: each turn equals `generate` on
// the chat-template rendering of the whole history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cli, tempDir } from './helpers.js';
import { ChatSession } from '../../src/chat/session.js';
import { loadModel, stopIds } from '../../src/models/load.js';
import { generate } from '../../src/generate/generate.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;

test('chat: each turn is generate on the whole history rendered by the chat template', async () => {
  const s = await ChatSession.open(ORGANISM, { maxTokens: 40, seed: 0, temperature: 0, system: 'be brief' });
  const m = await loadModel(ORGANISM);
  const tok = m.tokenizer!;
  const first = s.say('describe your day');
  const second = s.say('tell me about a good friend');
  const ids = tok.applyChatTemplate([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'describe your day' }, { role: 'assistant', content: first.reply }, { role: 'user', content: 'tell me about a good friend' }], { addGenerationPrompt: true }).ids;
  const [want] = generate(m.model, [ids], { maxTokens: 40, eosTokenIds: stopIds(m), decode: (t) => tok.decode(t, { skipSpecialTokens: true }) });
  assert.equal(second.reply, want!.text);
  assert.equal(second.promptTokens, ids.length);
  assert.deepEqual(s.history.map((x) => x.role), ['system', 'user', 'assistant', 'user', 'assistant']);
  s.reset();
  assert.deepEqual(s.history.map((x) => x.role), ['system']);
});

test('chat: a conversation longer than the context drops its oldest exchanges, and one message too long is refused', async () => {
  const s = await ChatSession.open(ORGANISM, { maxTokens: 64, seed: 0, temperature: 0 });
  let dropped = 0;
  for (let i = 0; i < 8; i++) dropped += s.say('tell me a story about a good friend and a small desk').dropped;
  assert.ok(dropped > 0, 'something was dropped');
  assert.ok(s.history.length < 16 && s.history[0]!.role === 'user');
  assert.throws(() => s.say('tell me '.repeat(120)), /this message alone takes \d+ tokens; with --max-tokens 64 the model's context \(256\)/);
});

test('CLI chat: steering changes between turns, --compare shows both replies, bad commands do not end the session', async () => {
  const dir = tempDir();
  const demo = await cli(['demo', '--method', 'diffmean', '--out', dir, '--n', '1', '--quiet'], { timeoutMs: 60000 });
  assert.equal(demo.code, 0, demo.stderr);
  const art = join(dir, 'topic-ocean-diffmean.steer.safetensors');
  const input = ['describe your day', `/steer ${art}:x2`, '/compare on', 'tell me about a good friend', '/bogus', '/unsteer topic-ocean-diffmean', 'tell me about a good friend', '/exit', 'never read'].join('\n') + '\n';
  const r = await cli(['chat', '--max-tokens', '40'], { input, timeoutMs: 60000 });
  assert.equal(r.code, 1, 'a failed command sets a non-zero exit code for piped sessions');
  assert.match(r.stderr, /error: unknown command \/bogus \(\/help lists them\)/);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^model> /);
  assert.match(lines[1]!, /^steering: topic-ocean-diffmean \(diffmean\) at [\d.]+, range \[-[\d.]+, [\d.]+\] \(past the range: expect degenerate text\)$/);
  const unsteered = lines.find((l) => l.startsWith('unsteered> '))!.slice(11);
  const steered = lines.find((l) => l.startsWith('steered> '))!.slice(9);
  assert.notEqual(steered, unsteered, 'twice the default changes the reply');
  assert.match(steered, /\b(shell|shore|current|marine|seaweed|wave|waves|coral|ocean|tide|reef|fish)\b/, 'the steered reply carries ocean words');
  assert.ok(lines.includes('steering: none'));
  assert.equal(lines.at(-1), `model> ${unsteered}`, 'unsteered again, the model gives the same reply as the comparison did');
  assert.ok(!r.stdout.includes('never read'));
});

test('CLI chat: a model without a chat template is refused in one line', async () => {
  const r = await cli(['chat', '--model', new URL('../../../test/fixtures/parity/gpt2-f32/', import.meta.url).pathname], { input: 'hi\n' });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /no chat template|no tokenizer/);
});
