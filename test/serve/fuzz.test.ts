// Fuzzing the request schemas (issue 14): 1,000 generated requests a run through fastify's inject
// — any JSON value, near-valid bodies with wrong types, numbers past the float64 range, odd strings,
// content types and Host headers — each answered with a 2xx or a 4xx error body, never a 5xx or a
// hang. `node bench/fuzz.mjs --runs 100000` runs the same property longer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { tempDir } from '../cli/helpers.js';
import { fuzzRequests, fuzzServer } from '../helpers/fuzz-requests.js';

let app: FastifyInstance | null = null;
after(async () => app?.close());

test('fuzz: 1,000 generated requests get a 2xx or a 4xx with an error body, never a 5xx or a hang', async (t) => {
  app = await fuzzServer(tempDir());
  const r = await fuzzRequests(app, 1000);
  const ok = Object.entries(r.statuses).filter(([s]) => Number(s) < 300).reduce((n, [, c]) => n + c, 0);
  assert.ok(ok > 0, 'some requests are valid and answered');
  assert.ok(Object.keys(r.statuses).every((s) => Number(s) < 500));
  t.diagnostic(`${r.runs} requests in ${r.ms.toFixed(0)} ms: ${JSON.stringify(r.statuses)}`);
});
