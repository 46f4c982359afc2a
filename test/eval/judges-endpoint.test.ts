// The endpoint judge against a scripted OpenAI-compatible server on 127.0.0.1 (no real network):
// the request it sends (one user message, temperature 0, the model name, the key as a bearer
// token), a 429 retried after backoff, a persistent 500 and a 401 reported in one line naming the
// URL and the status, a hang cut by the timeout, the concurrency bound; then against our own
// `steerling serve` in-process on the organism, which never writes a rating: every score is the
// unparsed 0, end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel } from '../../src/models/load.js';
import { buildApp } from '../../src/serve/app.js';
import { ArtifactRegistry } from '../../src/serve/registry.js';
import { EndpointJudge, chatCompletionsUrl, type JudgeItem } from '../../src/eval/judges/index.js';
import { aspectOf, chat, fakeOpenAI } from '../helpers/fake-openai.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const ITEM: JudgeItem = { instruction: 'describe your day', reply: 'the sea was calm today .', concept: { id: 'topic:ocean', description: 'the topic ocean' } };
const RATING = { concept: 2, instruction: 1, fluency: 2 } as const;
const rated = (prompt: string) => chat(`Some explanation. Rating: [[${RATING[aspectOf(prompt)]}]]`);
const fast = { backoffMs: 5, maxBackoffMs: 20 };

test('chatCompletionsUrl: a base URL, …/v1 or the full path all reach …/v1/chat/completions; a bad one is one line', () => {
  assert.equal(chatCompletionsUrl('http://127.0.0.1:8000'), 'http://127.0.0.1:8000/v1/chat/completions');
  assert.equal(chatCompletionsUrl('http://127.0.0.1:8000/v1/'), 'http://127.0.0.1:8000/v1/chat/completions');
  assert.equal(chatCompletionsUrl('https://api.example.com/v1/chat/completions'), 'https://api.example.com/v1/chat/completions');
  assert.throws(() => chatCompletionsUrl('localhost:8000'), /--judge-url: needs http/);
  assert.throws(() => chatCompletionsUrl('not a url'), /--judge-url: not a URL/);
});

test('endpoint judge: one user message at temperature 0 with the model name and the key; three ratings per reply', async () => {
  const s = await fakeOpenAI((r) => ({ body: rated(r.body.messages![0]!.content) }));
  try {
    const j = new EndpointJudge({ url: s.url, model: 'judge-7b', apiKey: 'sk-test', maxTokens: 300 });
    const [r] = await j.judge([ITEM]);
    assert.deepEqual([r!.concept.score, r!.instruction.score, r!.fluency.score], [2, 1, 2]);
    assert.ok(r!.concept.parsed && r!.concept.text.startsWith('Some explanation.'), 'the raw text is kept');
    assert.equal(s.requests.length, 3);
    for (const q of s.requests) {
      assert.equal(q.path, '/v1/chat/completions');
      assert.equal(q.headers.authorization, 'Bearer sk-test');
      assert.equal(q.body.model, 'judge-7b');
      assert.equal(q.body.temperature, 0);
      assert.equal(q.body.max_tokens, 300);
      assert.equal(q.body.messages!.length, 1);
      assert.equal(q.body.messages![0]!.role, 'user');
    }
    assert.deepEqual(s.requests.map((q) => aspectOf(q.body.messages![0]!.content)).sort(), ['concept', 'fluency', 'instruction']);
    assert.equal(j.id, `endpoint judge-7b at ${s.url}/chat/completions`);
  } finally {
    await s.close();
  }
});

test('endpoint judge: a 429 is retried (Retry-After honoured) and then succeeds', async () => {
  const s = await fakeOpenAI((r, n) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: { error: { message: 'slow down' } } } : { body: rated(r.body.messages![0]!.content) }));
  try {
    // The backoff alone would wait ≤ 5 ms; the server asked for a second.
    const j = new EndpointJudge({ url: s.url, model: 'm', concurrency: 1, backoffMs: 5, maxBackoffMs: 5000 });
    const t0 = Date.now();
    const [r] = await j.judge([ITEM]);
    assert.ok(Date.now() - t0 >= 950, `waited ${Date.now() - t0} ms`);
    assert.deepEqual([r!.concept.score, r!.instruction.score, r!.fluency.score], [2, 1, 2]);
    assert.equal(s.requests.length, 4, 'three ratings plus the one retried');
    assert.deepEqual(j.stats(), { calls: 3, cached: 0, unparsed: 0 });
  } finally {
    await s.close();
  }
});

test('endpoint judge: a 500 that persists fails with the URL, the status and the server\'s message, after the retries', async () => {
  const s = await fakeOpenAI(() => ({ status: 500, body: { error: { message: 'the GPU caught fire', type: 'server_error' } } }));
  try {
    const j = new EndpointJudge({ url: s.url, model: 'm', concurrency: 1, retries: 2, ...fast });
    await assert.rejects(j.judge([ITEM]), (e: Error) => {
      assert.equal(e.message, `judge endpoint ${s.url}/chat/completions answered 500 Internal Server Error: the GPU caught fire (after 3 tries)`);
      return true;
    });
    assert.equal(s.requests.length, 3, 'one try and two retries, then no further requests');
  } finally {
    await s.close();
  }
});

test('endpoint judge: a 401 fails at once and names the key\'s variable; a 404 hints at the model name', async () => {
  const s = await fakeOpenAI((r) => (r.body.model === 'nope' ? { status: 404, body: { error: { message: 'model not found' } } } : { status: 401, body: { error: { message: 'Incorrect API key provided.' } } }));
  try {
    await assert.rejects(new EndpointJudge({ url: s.url, model: 'm', keyEnv: 'MY_JUDGE_KEY', ...fast }).judge([ITEM]), /answered 401 Unauthorized: Incorrect API key provided\. \(the key is read from \$MY_JUDGE_KEY, which is not set;/);
    assert.equal(s.requests.length <= 3, true, 'no retries of a 401 (at most the three requests started together)');
    const before = s.requests.length;
    await assert.rejects(new EndpointJudge({ url: s.url, model: 'nope', concurrency: 1, ...fast }).judge([ITEM]), /answered 404 Not Found: model not found \(is "nope" a model this endpoint serves/);
    assert.equal(s.requests.length - before, 1);
  } finally {
    await s.close();
  }
});

test('endpoint judge: a hang is cut by the timeout; an unreachable server is named', async () => {
  const s = await fakeOpenAI(() => ({ hang: true }));
  try {
    await assert.rejects(new EndpointJudge({ url: s.url, model: 'm', timeoutMs: 150, retries: 1, concurrency: 1, ...fast }).judge([ITEM]), new RegExp(`judge endpoint ${s.url}/chat/completions did not answer within 0.15 s \\(after 2 tries\\)`));
  } finally {
    await s.close();
  }
  // The port just closed: nothing listens there now.
  await assert.rejects(new EndpointJudge({ url: s.url, model: 'm', retries: 0 }).judge([ITEM]), /could not be reached: ECONNREFUSED/);
});

test('endpoint judge: never more requests in flight than the concurrency; a null content is unparsed, not fatal', async () => {
  const s = await fakeOpenAI((r) => ({ delayMs: 30, body: r.body.messages![0]!.content.includes('refuse me') ? chat(null) : rated(r.body.messages![0]!.content) }));
  try {
    const items = Array.from({ length: 6 }, (_, i) => ({ ...ITEM, reply: `reply ${i} .` }));
    const j = new EndpointJudge({ url: s.url, model: 'm', concurrency: 3 });
    const rs = await j.judge([...items, { ...ITEM, reply: 'refuse me' }]);
    assert.equal(s.requests.length, 21);
    assert.equal(s.maxInFlight, 3);
    assert.deepEqual(rs.slice(0, 6).map((r) => r.instruction.score), [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(rs[6], { concept: { score: 0, parsed: false, text: '' }, instruction: { score: 0, parsed: false, text: '' }, fluency: { score: 0, parsed: false, text: '' } });
    assert.equal(j.stats().unparsed, 3);
  } finally {
    await s.close();
  }
});

test('endpoint judge against `steerling serve` in-process (the organism): answers come back, none holds a rating, all count 0', async () => {
  const lm = await loadModel(ORGANISM);
  const app = buildApp({ model: lm, modelId: 'organism', registry: new ArtifactRegistry(lm.model), apiKey: 'k1' });
  const base = `${await app.listen({ host: '127.0.0.1', port: 0 })}/v1`;
  try {
    const j = new EndpointJudge({ url: base, model: 'organism', apiKey: 'k1', maxTokens: 16 });
    const rs = await j.judge([ITEM, { ...ITEM, reply: 'i can not help with that .' }]);
    for (const r of rs) {
      for (const a of [r.concept, r.instruction, r.fluency]) {
        assert.deepEqual([a.score, a.parsed], [0, false]);
        assert.ok(a.text.length > 0, 'the organism did answer');
      }
    }
    assert.deepEqual(j.stats(), { calls: 6, cached: 0, unparsed: 6 });
    // Without the key our server answers 401, and the judge says which variable to set.
    await assert.rejects(new EndpointJudge({ url: base, model: 'organism', keyEnv: 'STEERLING_API_KEY' }).judge([ITEM]), /answered 401 Unauthorized: No API key provided.* \$STEERLING_API_KEY, which is not set/);
  } finally {
    await app.close();
  }
});
