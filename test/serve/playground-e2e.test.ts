// The playground end to end: the real server (in-process, on a free port) with the organism and a
// DiffMean topic:ocean artifact fitted here, driven in headless Chromium (the system's, through
// playwright-core). A user types a prompt, pushes the strength slider to the top of its range and
// clicks Generate: both replies stream in, equal the server's own greedy replies, differ, and the
// exact judge finds the topic in the steered one only; each heatmap has one cell per token of its
// reply with `steerling detect`'s scores. Errors (400, 401, 429) show as one line in the page.
import { slowedModel } from '../helpers/slowed-model.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { FastifyInstance } from 'fastify';
import { loadModel, type LoadedModel } from '../../src/models/load.js';
import type { DecoderModel } from '../../src/models/decoder.js';
import { topicPairs } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { saveArtifact } from '../../src/artifact/io.js';
import type { Artifact } from '../../src/artifact/artifact.js';
import { detect } from '../../src/eval/detect.js';
import { conceptScore } from '../../src/organism/judges/index.js';
import { buildApp, type ServeOptions } from '../../src/serve/app.js';
import { ArtifactRegistry } from '../../src/serve/registry.js';
import { tempDir } from '../cli/helpers.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const CHROMIUM = process.env['STEERLING_CHROMIUM'] ?? '/usr/bin/chromium';
// An instruction whose greedy unsteered reply has no ocean word (the weather one already does).
const PROMPT = 'Tell me about your day.';
const MAX_TOKENS = 48;

let lm: LoadedModel;
let art: Artifact;
let dir = '';
let browser: Browser;
const apps: FastifyInstance[] = [];

async function start(extra: Partial<ServeOptions> = {}, model: LoadedModel = lm): Promise<string> {
  const registry = new ArtifactRegistry(model.model);
  registry.addFolder(dir);
  const app = buildApp({ model, modelId: 'organism', registry, maxTokensLimit: 64, ...extra });
  apps.push(app);
  return app.listen({ host: '127.0.0.1', port: 0 });
}

const slowed = (ms: number): LoadedModel => slowedModel(lm, ms);

/** A page that records its script errors (an uncaught one fails the test). */
async function open(url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${url}/`);
  return { page, errors };
}

async function errorLine(page: Page): Promise<string> {
  await page.locator('#error:not(:empty)').waitFor();
  return (await page.locator('#error').textContent()) ?? '';
}

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the playground test drives headless Chromium at ${CHROMIUM}, which is missing: install it (Debian/Ubuntu: apt-get install chromium), or set STEERLING_CHROMIUM to a Chromium binary`);
  }
  lm = await loadModel(ORGANISM);
  const rows = topicPairs('topic:ocean', { n: 48, seed: 21, split: 'train' });
  const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), 'topic:ocean');
  art = METHODS.diffmean!.fit({ model: lm.model, tokenizer: lm.tokenizer!, data, site: 'layers.2.resid_post', chat: true, name: 'topic:ocean' });
  dir = tempDir();
  saveArtifact(join(dir, 'ocean.steer.safetensors'), art);
  // No sandbox: it needs user namespaces that containers (and root) often lack, and this browser
  // only ever opens the test's own page on 127.0.0.1.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  for (const a of apps) await a.close();
});

test('playground: steered and unsteered replies stream side by side; the steered one carries the topic; a heatmap cell per token', async () => {
  const url = await start();
  const { page, errors } = await open(url);
  const row = page.locator('.artifact[data-name="ocean"]');
  await row.waitFor();
  assert.equal(await page.locator('#model').textContent(), 'organism');

  // The slider is bounded by the range the server reports and starts at the default.
  const info = ((await (await fetch(`${url}/v1/steering`)).json()) as { data: { range: [number, number]; default_strength: number }[] }).data[0]!;
  assert.equal(Number(await row.locator('.slider').getAttribute('min')), info.range[0]);
  assert.equal(Number(await row.locator('.slider').getAttribute('max')), info.range[1]);
  assert.equal(Number(await row.locator('.strength').inputValue()), info.default_strength);
  assert.ok(await row.locator('.use').isChecked(), 'the first artifact is chosen');

  await page.fill('#prompt', PROMPT);
  await page.fill('#temperature', '0');
  await page.fill('#max-tokens', String(MAX_TOKENS));
  await row.locator('.slider').press('End');
  const strength = Number(await row.locator('.strength').inputValue());
  assert.ok(Math.abs(strength - info.range[1]) < 1e-6 * info.range[1], `End moves the slider to the top of the range: ${strength}`);

  await page.click('#generate');
  await page.locator('#unsteered .heatmap[data-state="done"]').waitFor();
  const [steered, plain] = await Promise.all(['steered', 'unsteered'].map(async (id) => (await page.locator(`#${id} .reply`).textContent()) ?? ''));
  for (const id of ['steered', 'unsteered']) assert.equal(await page.locator(`#${id}`).getAttribute('data-state'), 'done');
  assert.match((await page.locator('#steered .status').textContent()) ?? '', /tokens, finished · ocean at /);
  assert.doesNotMatch((await page.locator('#unsteered .status').textContent()) ?? '', /ocean/);
  assert.equal(await page.locator('#error').textContent(), '');
  // Streamed: the reply arrived as many pieces (one text node each), not set once at the end.
  const pieces = await page.locator('#steered .reply').evaluate((e) => e.childNodes.length);
  assert.ok(pieces > 4, `${pieces} pieces`);

  // The panes hold exactly what the server answers to the same requests without streaming.
  const reply = async (extra: Record<string, unknown>) => {
    const r = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: PROMPT }], temperature: 0, max_tokens: MAX_TOKENS, ...extra }) });
    return ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
  };
  assert.equal(steered, await reply({ steering: [{ artifact: 'ocean', strength }] }));
  assert.equal(plain, await reply({}));
  assert.notEqual(steered, plain);
  assert.equal(conceptScore(steered, 'topic:ocean'), 2, `the steered reply carries the topic: ${steered}`);
  assert.ok(conceptScore(plain, 'topic:ocean') < 2, `the unsteered reply does not: ${plain}`);

  // One cell per token of each reply, with the detector's own scores.
  for (const [id, text] of [['steered', steered], ['unsteered', plain]] as const) {
    const cells = await page.locator(`#${id} .heatmap .tok`).evaluateAll((els) => els.map((e) => [e.textContent ?? '', Number((e as HTMLElement).dataset['score'])] as const));
    const want = detect(lm.model, lm.tokenizer!, art, text, { force: true });
    assert.ok(cells.length >= 8, `${id}: ${cells.length} cells`);
    assert.deepEqual(cells.map((c) => c[0]), want.tokens, id);
    cells.forEach(([, s], i) => assert.ok(Number.isFinite(s) && Math.abs(s - want.scores[i]!) < 1e-4, `${id} token ${i}: ${s} vs ${want.scores[i]}`));
  }
  assert.deepEqual(errors, []);
  await page.close();
});

test('playground: server errors are one line in the page (400 max_tokens, 401 without the key, 429 queue full); the key is sent once given; Stop stops', async () => {
  // 400: the server refuses max_tokens above its limit.
  const { page, errors } = await open(await start());
  await page.locator('.artifact').first().waitFor();
  await page.fill('#prompt', PROMPT);
  await page.fill('#max-tokens', '65');
  await page.click('#generate');
  assert.equal(await errorLine(page), 'HTTP 400: max_tokens is 65; this server allows at most 64 (--max-tokens-limit)');
  assert.equal(await page.locator('#steered').getAttribute('data-state'), 'error');
  // A strength that is not a number is caught before anything is sent.
  await page.fill('#max-tokens', '4');
  await page.fill('.artifact .strength', '');
  await page.click('#generate');
  assert.equal(await errorLine(page), 'the strength of ocean is not a number');
  await page.close();

  // 401 until the key is given; then artifacts load and both replies (and heatmaps) come back.
  const url = await start({ apiKey: 'sekrit', queue: 0 }, slowed(30));
  const keyed = await open(url);
  const p = keyed.page;
  assert.match(await errorLine(p), /^HTTP 401: No API key provided.*enter the server's API key above/);
  assert.equal(await p.locator('.artifact').count(), 0);
  await p.fill('#key', 'sekrit');
  await p.click('#key-form button');
  await p.locator('.artifact[data-name="ocean"]').waitFor();
  assert.equal(await p.locator('#error').textContent(), '');
  await p.fill('#prompt', PROMPT);
  await p.fill('#max-tokens', '4');
  await p.click('#generate');
  await p.locator('#unsteered .heatmap[data-state="done"]').waitFor();
  assert.ok(((await p.locator('#steered .reply').textContent()) ?? '').length > 0);
  assert.equal(await p.locator('#error').textContent(), '');

  // 429: another client holds the model and this server lets no request wait (--queue 0). Its
  // greedy reply at ρ repeats "shore" up to max_tokens, so it holds the model for 64 slow steps.
  const rho = art.meta.stats!['token_norm'] as number;
  const hold = { messages: [{ role: 'user', content: PROMPT }], temperature: 0, max_tokens: 64, stream: true, steering: [{ artifact: 'ocean', strength: rho }] };
  const holder = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sekrit' }, body: JSON.stringify(hold) });
  const reader = holder.body!.getReader();
  await reader.read(); // the first event: the holder now has the model
  await p.click('#generate');
  const busy = await errorLine(p);
  assert.match(busy, /^HTTP 429: the server is busy: one request is running and 0 are waiting \(--queue 0\); retry later$/);
  await reader.cancel(); // the server stops that generation when its client hangs up

  // Stop ends the generation in progress (the page hangs up; the server stops at the next token).
  // The page's own server must be free before the next generation starts.
  const free = async () => (await fetch(`${url}/v1/detect`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sekrit' }, body: JSON.stringify({ artifact: 'ocean', text: 'the sea' }) })).status === 200;
  for (let i = 0; !(await free()); i++) {
    assert.ok(i < 100, 'the server frees the model once the holder has gone');
    await new Promise((r) => setTimeout(r, 20));
  }
  await p.close();
  // Stop needs a generation that is surely still running when the click lands, however busy the
  // machine: a server 100 ms per token, and the steered reply at ρ, which repeats "shore" up to
  // max_tokens (64 tokens, over 6 s). Stop is clicked after the first streamed piece has arrived.
  const stopper = await open(await start({}, slowed(100)));
  const s = stopper.page;
  await s.locator('.artifact[data-name="ocean"]').waitFor();
  await s.fill('#prompt', PROMPT);
  await s.fill('#temperature', '0');
  await s.fill('#max-tokens', '64');
  await s.fill('.artifact .strength', String(rho));
  await s.click('#generate');
  await s.locator('#steered[data-state="streaming"] .reply:not(:empty)').waitFor().catch(async (e: Error) => {
    const states = await Promise.all(['steered', 'unsteered'].map((id) => s.locator(`#${id}`).getAttribute('data-state')));
    throw new Error(`the steered pane did not stream: states ${states.join(', ')}, error line "${await s.locator('#error').textContent()}": ${e.message}`);
  });
  await s.click('#stop');
  assert.equal(await errorLine(s), 'stopped');
  assert.equal(await s.locator('#steered').getAttribute('data-state'), 'stopped');
  assert.equal(await s.locator('#generate').isEnabled(), true);
  assert.deepEqual([...errors, ...keyed.errors, ...stopper.errors], []);
  await s.close();
});
