// `steerling serve` in-process on the organism, with a DiffMean artifact fitted here: OpenAI
// shapes, the same text as `steerling generate` / `detect` (run as the real binary), streaming,
// usage, steering, and the safety limits (400/401/404/413/429/504).
import { slowedModel } from '../helpers/slowed-model.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadModel, type LoadedModel } from '../../src/models/load.js';
import { topicPairs } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { saveArtifact } from '../../src/artifact/io.js';
import type { DecoderModel } from '../../src/models/decoder.js';
import { buildApp, type ServeOptions } from '../../src/serve/app.js';
import { ArtifactRegistry } from '../../src/serve/registry.js';
import { cli, json, tempDir } from '../cli/helpers.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const SITE = 'layers.2.resid_post';
const PROMPT = 'Describe the weather.';

let lm: LoadedModel;
let artPath = '';
let strength = 0;
let defaultStrength = 0;
let base = '';
const apps: FastifyInstance[] = [];

async function start(extra: Partial<ServeOptions> = {}, model: LoadedModel = lm): Promise<string> {
  const registry = new ArtifactRegistry(model.model);
  registry.addFolder(join(artPath, '..'));
  const app = buildApp({ model, modelId: 'organism', registry, maxTokensLimit: 64, ...extra });
  apps.push(app);
  return `${await app.listen({ host: '127.0.0.1', port: 0 })}/v1`;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

interface Chat {
  choices: { message: { content: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  steering?: { artifact: string; strengths: number[] }[];
}
interface Gen {
  text: string;
  prompt_tokens: number;
  generated_tokens: number;
}
interface Err {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Reads an SSE response into its data payloads (the last is "[DONE]"). */
async function events(r: Response): Promise<string[]> {
  const text = await r.text();
  return text.split('\n\n').filter((b) => b.startsWith('data: ')).map((b) => b.slice(6));
}

const slowed = (ms: number): LoadedModel => slowedModel(lm, ms);

before(async () => {
  lm = await loadModel(ORGANISM);
  const rows = topicPairs('topic:ocean', { n: 48, seed: 21, split: 'train' });
  const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), 'topic:ocean');
  const art = METHODS.diffmean!.fit({ model: lm.model, tokenizer: lm.tokenizer!, data, site: SITE, chat: true, name: 'topic:ocean' });
  artPath = join(tempDir(), 'ocean.steer.safetensors');
  saveArtifact(artPath, art);
  defaultStrength = art.meta.interventions[0]!.default_strength;
  strength = Number((art.meta.stats!['token_norm'] as number).toFixed(3));
  base = await start();
});

after(async () => {
  for (const a of apps) await a.close();
});

test('serve: /v1/models and /v1/steering list the model and the loaded artifacts', async () => {
  const models = (await (await fetch(`${base}/models`)).json()) as { object: string; data: { id: string; object: string }[] };
  assert.equal(models.object, 'list');
  assert.deepEqual(models.data.map((m) => [m.id, m.object]), [['organism', 'model']]);
  const steering = (await (await fetch(`${base}/steering`)).json()) as { data: { name: string; method: string; sites: string[]; default_strength: number; range: [number, number] }[] };
  assert.equal(steering.data.length, 1);
  const s = steering.data[0]!;
  assert.deepEqual([s.name, s.method, s.sites], ['ocean', 'diffmean', [SITE]]);
  assert.equal(s.default_strength, defaultStrength);
  assert.ok(s.range[0] < s.default_strength && s.default_strength < s.range[1]);
});

test('serve: greedy chat and text completions equal `steerling generate`, with steering (strength and multiple) and usage counts', async () => {
  const gen = ['generate', '-p', PROMPT, '-n', '24', '--json'];
  const [cPlain, cSteered, cTwice, cText] = await Promise.all([
    cli([...gen, '--chat']),
    cli([...gen, '--chat', '--steer', `${artPath}:${strength}`]),
    cli([...gen, '--chat', '--steer', `${artPath}:x2`]),
    cli(gen),
  ]).then((rs) => rs.map((r) => json<Gen>(r)));
  const chat = (extra: Record<string, unknown> = {}) => post(`${base}/chat/completions`, { model: 'organism', messages: [{ role: 'user', content: PROMPT }], temperature: 0, max_tokens: 24, ...extra });

  const plain = await chat();
  assert.equal(plain.status, 200, JSON.stringify(plain.body));
  const p = plain.body as unknown as Chat;
  assert.equal(p.choices[0]!.message.content, cPlain!.text);
  assert.deepEqual(p.usage, { prompt_tokens: cPlain!.prompt_tokens, completion_tokens: cPlain!.generated_tokens, total_tokens: cPlain!.prompt_tokens + cPlain!.generated_tokens });
  assert.equal(p.steering, undefined);

  const steered = (await chat({ steering: [{ artifact: 'ocean', strength }] })).body as unknown as Chat;
  assert.equal(steered.choices[0]!.message.content, cSteered!.text);
  assert.notEqual(steered.choices[0]!.message.content, p.choices[0]!.message.content, 'steering changes the reply');
  assert.deepEqual(steered.steering!.map((s) => [s.artifact, s.strengths]), [['ocean', [strength]]]);
  const twice = (await chat({ steering: [{ artifact: 'ocean', multiple: 2 }] })).body as unknown as Chat;
  assert.equal(twice.choices[0]!.message.content, cTwice!.text);
  assert.deepEqual(twice.steering![0]!.strengths, [2 * defaultStrength]);
  const zero = (await chat({ steering: [{ artifact: 'ocean', strength: 0 }] })).body as unknown as Chat;
  assert.equal(zero.choices[0]!.message.content, p.choices[0]!.message.content, 'strength 0 changes nothing');

  const text = await post(`${base}/completions`, { prompt: PROMPT, temperature: 0, max_tokens: 24 });
  assert.equal(text.status, 200, JSON.stringify(text.body));
  const t = text.body as { object: string; choices: { text: string }[]; usage: Chat['usage'] };
  assert.equal(t.object, 'text_completion');
  assert.equal(t.choices[0]!.text, cText!.text);
  assert.equal(t.usage.completion_tokens, cText!.generated_tokens);
});

test('serve: streamed chunks concatenate to the non-streamed text (with and without a stop string), then usage and [DONE]', async () => {
  for (const extra of [{}, { stop: ' is' }, { steering: [{ artifact: 'ocean', strength }], temperature: 0.8, seed: 7 }]) {
    const body = { messages: [{ role: 'user', content: PROMPT }], temperature: 0, max_tokens: 32, ...extra };
    const whole = (await post(`${base}/chat/completions`, body)).body as unknown as Chat;
    const r = await fetch(`${base}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }) });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/event-stream/);
    const ev = await events(r);
    assert.equal(ev.at(-1), '[DONE]');
    const chunks = ev.slice(0, -1).map((e) => JSON.parse(e) as { object: string; choices: { delta: { content?: string; role?: string }; finish_reason: string | null }[]; usage?: Chat['usage'] });
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
    assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
    const usage = chunks.at(-1)!;
    assert.deepEqual(usage.choices, []);
    assert.deepEqual(usage.usage, whole.usage);
    const last = chunks.at(-2)!.choices[0]!;
    assert.equal(last.finish_reason, whole.choices[0]!.finish_reason);
    const streamed = chunks.slice(0, -1).map((c) => c.choices[0]!.delta.content ?? '').join('');
    assert.equal(streamed, whole.choices[0]!.message.content, JSON.stringify(extra));
    assert.ok(chunks.length > 4, 'several content chunks');
    if ('stop' in extra) assert.ok(!streamed.includes(' is') && whole.choices[0]!.finish_reason === 'stop', streamed);
  }
  // Text completions stream too.
  const r = await fetch(`${base}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: PROMPT, temperature: 0, max_tokens: 16, stream: true }) });
  const ev = await events(r);
  const whole = (await post(`${base}/completions`, { prompt: PROMPT, temperature: 0, max_tokens: 16 })).body as { choices: { text: string }[] };
  assert.equal(ev.slice(0, -1).map((e) => (JSON.parse(e) as { choices: { text: string }[] }).choices[0]!.text).join(''), whole.choices[0]!.text);
});

test('serve: /v1/detect gives the numbers `steerling detect` gives', async () => {
  const text = 'the waves roll onto the sand by the sea .';
  const want = json<{ tokens: string[]; scores: number[]; mean: number; max: number; threshold: number }>(await cli(['detect', '--steer', artPath, '--text', text, '--json']));
  const got = await post(`${base}/detect`, { artifact: 'ocean', text });
  assert.equal(got.status, 200, JSON.stringify(got.body));
  const d = got.body as typeof want & { artifact: string };
  assert.equal(d.artifact, 'ocean');
  assert.deepEqual(d.tokens, want.tokens);
  assert.equal(d.scores.length, want.scores.length);
  d.scores.forEach((s, i) => assert.ok(Math.abs(s - want.scores[i]!) < 1e-5, `token ${i}: ${s} vs ${want.scores[i]}`));
  assert.ok(Math.abs(d.mean - want.mean) < 1e-5 && Math.abs(d.threshold - want.threshold) < 1e-9);
  const bad = await post(`${base}/detect`, { artifact: '/etc/passwd', text });
  assert.equal(bad.status, 400);
  assert.equal((bad.body as unknown as Err).error.code, 'unknown_artifact');
});

test('serve: bad bodies get OpenAI-style errors naming the field', async () => {
  const msgs = [{ role: 'user', content: 'hi' }];
  const cases: [unknown, number, string | null, RegExp][] = [
    [{ messages: msgs, temperature: 'hot' }, 400, 'temperature', /must be of type number/],
    [{ messages: msgs, max_tokens: -1 }, 400, 'max_tokens', /must be >= 1/],
    [{ messages: msgs, max_tokens: 2.5 }, 400, 'max_tokens', /integer/],
    [{ messages: msgs, max_tokens: 65 }, 400, 'max_tokens', /at most 64/],
    [{ messages: 'hi' }, 400, 'messages', /array/],
    [{}, 400, 'messages', /missing required/],
    [{ messages: [{ role: 'robot', content: 'x' }] }, 400, 'messages[0].role', /one of/],
    [{ messages: msgs, steering: [{ artifact: 'nope' }] }, 400, 'steering[0].artifact', /no artifact named "nope".*loaded: ocean/],
    [{ messages: msgs, steering: [{ artifact: 'ocean', strength: '4' }] }, 400, 'steering[0].strength', /number/],
    [{ messages: msgs, steering: [{ artifact: 'ocean', path: artPath }] }, 400, 'steering[0].path', /unknown field/],
    [{ messages: msgs, steering: [{ artifact: 'ocean', strength: 1, multiple: 2 }] }, 400, 'steering[0]', /not both/],
    [{ messages: msgs, n: 2 }, 400, 'n', /./],
    [{ messages: msgs, model: 'gpt-4o' }, 404, 'model', /does not exist/],
    ['{"messages": [', 400, null, /JSON/],
  ];
  for (const [body, status, param, msg] of cases) {
    const r = await post(`${base}/chat/completions`, body);
    const e = (r.body as unknown as Err).error;
    assert.equal(r.status, status, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
    assert.equal(e.param, param, JSON.stringify(e));
    assert.match(e.message, msg);
    assert.equal(typeof e.type, 'string');
    assert.ok('code' in e);
  }
  // Unknown top-level fields are ignored, as OpenAI does.
  const ok = await post(`${base}/chat/completions`, { messages: msgs, max_tokens: 2, frequency_penalty: 0, logit_bias: {}, something_new: [1] });
  assert.equal(ok.status, 200);
  // Too large a body.
  const small = await start({ bodyLimit: 2048 });
  const big = await post(`${small}/completions`, { prompt: 'x'.repeat(4096) });
  assert.equal(big.status, 413);
  assert.equal((big.body as unknown as Err).error.code, 'body_too_large');
});

test('serve: with an API key every route needs "Authorization: Bearer KEY"', async () => {
  const url = await start({ apiKey: 'sekrit' });
  for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: 'sekrit' }] as Record<string, string>[]) {
    const r = await fetch(`${url}/models`, { headers });
    assert.equal(r.status, 401);
    const e = ((await r.json()) as Err).error;
    assert.equal(e.code, 'invalid_api_key');
  }
  assert.equal((await fetch(`${url}/models`, { headers: { authorization: 'Bearer sekrit' } })).status, 200);
  const r = await post(`${url}/completions`, { prompt: 'x', max_tokens: 2 }, { authorization: 'Bearer sekrit' });
  assert.equal(r.status, 200);
});

test('serve: one request runs at a time, --queue more wait, the rest get 429; past the timeout 504', async () => {
  // The greedy chat reply to PROMPT is 13 tokens; 12 at 120 ms a forward pass hold the model for
  // 12 event-loop turns. A client's request takes about 3 turns to be answered (the sleep blocks the
  // loop as a real forward pass does), so each window below sends at most two.
  const slow = slowed(120);
  const body = { messages: [{ role: 'user', content: PROMPT }], temperature: 0, max_tokens: 12, stream: true };
  const streamOpen = async (url: string) => {
    const r = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const reader = r.body!.getReader();
    await reader.read(); // the first event: this request now holds the model
    return { r, rest: (async () => { while (!(await reader.read()).done); })() };
  };

  // --queue 0: while one runs, any other is refused.
  const q0 = await start({ queue: 0 }, slow);
  const a = await streamOpen(q0);
  // The refusal says when to come back, and comes before the body is read: a malformed body (which
  // would be a 400 on a free server) is refused as busy too.
  const busy = await fetch(`${q0}/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt": ' });
  assert.equal(busy.status, 429);
  const retryAfter = Number(busy.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `retry-after ${busy.headers.get('retry-after')}`);
  assert.equal(((await busy.json()) as Err).error.code, 'queue_full');
  const refused = await post(`${q0}/completions`, { prompt: 'x', max_tokens: 2 });
  assert.equal(refused.status, 429);
  assert.equal((refused.body as unknown as Err).error.code, 'queue_full');
  await a.rest;
  const a2 = await streamOpen(q0);
  assert.equal((await post(`${q0}/detect`, { artifact: 'ocean', text: 'the sea' })).status, 429);
  await a2.rest;
  assert.equal((await post(`${q0}/completions`, { max_tokens: 2 })).status, 400, 'malformed when free: 400');
  assert.equal((await post(`${q0}/completions`, { prompt: 'x', max_tokens: 2 })).status, 200, 'free again');

  // --queue 1: one waits (and is served), the next is refused.
  const q1 = await start({ queue: 1 }, slow);
  const b = await streamOpen(q1);
  const waiting = post(`${q1}/completions`, { prompt: 'x', max_tokens: 2 });
  await new Promise((r) => setTimeout(r, 200)); // the server has taken it in and it waits
  const third = await post(`${q1}/completions`, { prompt: 'x', max_tokens: 2 });
  assert.equal(third.status, 429);
  assert.equal((await waiting).status, 200);
  await b.rest;

  // A request that runs past --timeout is stopped with 504.
  const t = await start({ timeoutSeconds: 0.1 }, slow);
  const late = await post(`${t}/chat/completions`, { ...body, stream: false });
  assert.equal(late.status, 504);
  assert.equal((late.body as unknown as Err).error.code, 'timeout');
});
