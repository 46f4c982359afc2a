// The fuzz properties of test/serve/fuzz.test.ts and test/artifact/fuzz.test.ts (1,000 cases each
// in every test run), run longer: generated requests through fastify's inject against the organism
// (a 2xx or a 4xx with an error body; never a 5xx, a crash or a hang) and generated artifact files
// through the loader (a valid artifact or one line naming the file). A failure prints fast-check's
// shrunk counterexample and its seed, and exits 1. Prints JSON: cases, seconds, outcomes.
// It imports the properties from dist/test/helpers (fast-check is a devDependency): build first.
// Usage: node bench/fuzz.mjs [--runs 100000] [--seed N] [--only requests|artifacts]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzRequests, fuzzServer } from '../dist/test/helpers/fuzz-requests.js';
import { fuzzArtifacts } from '../dist/test/helpers/fuzz-artifacts.js';

const { values: a } = parseArgs({ options: { runs: { type: 'string', default: '100000' }, seed: { type: 'string' }, only: { type: 'string' } } });
const runs = Number(a.runs);
if (!(Number.isSafeInteger(runs) && runs >= 1)) throw new Error(`--runs must be an integer ≥ 1, got "${a.runs}"`);
const seed = a.seed === undefined ? Date.now() % 2 ** 31 : Number(a.seed);
const work = mkdtempSync(join(tmpdir(), 'steerling-fuzz-'));
const out = { runs, seed, node: process.version };

if (a.only !== 'artifacts') {
  const app = await fuzzServer(work);
  const r = await fuzzRequests(app, runs, seed);
  await app.close();
  out.requests = { cases: r.runs, seconds: +(r.ms / 1000).toFixed(1), statuses: r.statuses, '5xx': 0, crashes: 0, hangs: 0 };
  console.error(`requests: ${r.runs} in ${(r.ms / 1000).toFixed(1)} s, ${JSON.stringify(r.statuses)}`);
}
if (a.only !== 'requests') {
  const r = fuzzArtifacts(join(work, 'fuzz.steer.safetensors'), runs, seed);
  out.artifacts = { cases: r.runs, seconds: +(r.ms / 1000).toFixed(1), loaded: r.loaded, refused_one_line: r.refused, crashes: 0, hangs: 0 };
  console.error(`artifacts: ${r.runs} in ${(r.ms / 1000).toFixed(1)} s, ${r.loaded} loaded, ${r.refused} refused`);
}
console.log(JSON.stringify(out));
