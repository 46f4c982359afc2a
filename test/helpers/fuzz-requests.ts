// Property-based requests against the server (fast-check, through fastify's inject): any JSON
// value, near-valid bodies with wrong types, numbers past the float64 range, odd strings and
// headers. The property: every answer is a 2xx or a 4xx with an OpenAI-style error body; never a
// 5xx, a crash or a hang. Shared by test/serve/fuzz.test.ts (1,000 a run) and bench/fuzz.mjs.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { loadModel } from '../../src/models/load.js';
import { buildArtifact } from '../../src/methods/build.js';
import { saveArtifact } from '../../src/artifact/io.js';
import { buildApp } from '../../src/serve/app.js';
import { ArtifactRegistry } from '../../src/serve/registry.js';

export interface FuzzRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  payload: string;
}

const FIELDS = ['model', 'messages', 'prompt', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'top_k', 'repetition_penalty', 'stop', 'seed', 'n', 'stream', 'stream_options', 'steering', 'echo', 'artifact', 'text', 'user'];

/** Numbers as JSON text, including ones JSON.stringify cannot write (1e309 parses to Infinity). */
const rawNumber = fc.constantFrom('1e309', '-1e309', '1e300', '-1e300', '-0', '0', '1', '2', '4', '0.5', '1e-400', '9007199254740993', '1.5', '-1', '4294967296', '1e6', '1000001');

/** Odd text: control and bidi characters, the organism's chat markers, lone surrogates, long runs. */
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '<|end|> <|assistant|>', '<s>', '</s>', '\u0000', '\u001b[2J', '\u202e', '\ud800', 'sea', 'ocean', '../etc/passwd', 'x'.repeat(3000)),
);

/** A JSON text whose leaves may be raw numbers and odd strings. */
const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    rawNumber,
    oddString.map((s) => JSON.stringify(s)),
    fc.constantFrom('null', 'true', 'false', '[]', '{}'),
    fc.array(tie('v'), { maxLength: 4 }).map((xs) => `[${xs.join(',')}]`),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS, 'role', 'content', 'type', 'strength', 'multiple', 'target', 'include_usage'), fc.string({ maxLength: 8 })), tie('v'), { maxKeys: 5 })
      .map((o) => `{${Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
  ),
})).v;

/** Bodies close to valid ones: the right fields (some of them), each with a plausible or a wrong value. */
const nearValid: fc.Arbitrary<string> = fc.record({
  base: fc.constantFrom('chat', 'text', 'detect'),
  extra: fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 4 }),
  steer: fc.option(fc.array(fc.record({ artifact: fc.constantFrom('"sea"', '"nope"', '7', 'null'), k: fc.constantFrom('strength', 'multiple', 'target', 'path'), v: value }), { maxLength: 2 })),
}).map(({ base, extra, steer }) => {
  const o: Record<string, string> = base === 'chat'
    ? { messages: '[{"role":"user","content":"Describe the weather."}]', max_tokens: '2' }
    : base === 'text' ? { prompt: '"Once upon a time"', max_tokens: '2' } : { artifact: '"sea"', text: '"the sea"' };
  Object.assign(o, extra);
  if (steer) o['steering'] = `[${steer.map((s) => `{"artifact":${s.artifact},${JSON.stringify(s.k)}:${s.v}}`).join(',')}]`;
  return `{${Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
});

const ROUTES = ['/v1/chat/completions', '/v1/completions', '/v1/detect'];

export const requestArbitrary: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { arbitrary: fc.record({ url: fc.constantFrom(...ROUTES), payload: fc.oneof(nearValid, value, fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 60 })) }).map((r) => ({ method: 'POST' as const, url: r.url, headers: { 'content-type': 'application/json' }, payload: r.payload })), weight: 8 },
  // Odd content types, Host headers, methods and paths.
  { arbitrary: fc.record({
    method: fc.constantFrom('GET' as const, 'POST' as const),
    url: fc.oneof(fc.constantFrom(...ROUTES, '/v1/models', '/v1/steering', '/', '/app.js', '/v1/models/m', '/v1/models/%00', '/v1/../etc/passwd'), fc.webPath().map((p) => `/v1${p}`)),
    type: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', ''),
    host: fc.option(fc.constantFrom('attacker.example', 'localhost:1', '[::1]:8080', '127.0.0.1', 'a b', '')),
    payload: fc.oneof(nearValid, value),
  }).map((r) => ({ method: r.method, url: r.url, headers: { ...(r.type ? { 'content-type': r.type } : {}), ...(r.host !== null ? { host: r.host } : {}) }, payload: r.method === 'GET' ? '' : r.payload })), weight: 2 },
);

/** A server on the organism with one `add` artifact named "sea", small limits so that 200s are quick. */
export async function fuzzServer(dir: string): Promise<FastifyInstance> {
  const lm = await loadModel(new URL('../../../models/organism/', import.meta.url).pathname);
  const hidden = lm.model.arch.hidden;
  const art = buildArtifact({
    name: 'sea', method: 'diffmean', settings: {}, model: lm.model,
    interventions: [{ site: 'layers.1.resid_post', kind: 'add', positions: 'all', tensors: { direction: { data: Float32Array.from({ length: hidden }, (_, i) => Math.sin(i)) } }, defaultStrength: 2, range: [-4, 4], values: { mu_pos: 1, mu_neg: -1 } }],
    training: { data_hash: null, examples: 0, steps: 0, seed: null, final_loss: null },
  });
  const path = `${dir}/sea.steer.safetensors`;
  saveArtifact(path, art);
  const registry = new ArtifactRegistry(lm.model);
  registry.add('sea', path);
  return buildApp({ model: lm, modelId: 'organism', registry, maxTokensLimit: 4, defaultMaxTokens: 2, timeoutSeconds: 10, bodyLimit: 64 * 1024 });
}

export interface RequestFuzzResult {
  runs: number;
  ms: number;
  statuses: Record<number, number>;
}

/** Runs `runs` generated requests; throws (with the shrunk counterexample) on a 5xx, a bad error body or a hang. */
export async function fuzzRequests(app: FastifyInstance, runs: number, seed?: number): Promise<RequestFuzzResult> {
  const statuses: Record<number, number> = {};
  const t = performance.now();
  await fc.assert(fc.asyncProperty(requestArbitrary, async (r) => {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 10 s (a hang)')), 10_000)));
    const res = await Promise.race([app.inject({ method: r.method, url: r.url, headers: r.headers, payload: r.payload }), hang]).finally(() => clearTimeout(timer));
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    if (res.statusCode >= 500) throw new Error(`${res.statusCode}: ${res.body.slice(0, 300)}`);
    if (res.statusCode >= 400 && !/^\/(app\.js|)$/.test(r.url)) {
      const body = res.json<{ error?: { message?: unknown; type?: unknown } }>();
      if (typeof body.error?.message !== 'string' || typeof body.error.type !== 'string') throw new Error(`${res.statusCode} without an error body: ${res.body.slice(0, 300)}`);
      if (body.error.message.includes('\n')) throw new Error(`a message on several lines: ${body.error.message}`);
    }
  }), { numRuns: runs, ...(seed !== undefined ? { seed } : {}) });
  return { runs, ms: performance.now() - t, statuses };
}
