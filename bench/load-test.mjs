// Load test of `steerling serve` on loopback: a real server process (the organism by default, with a
// DiffMean topic:ocean artifact fitted here), then autocannon against it, one scenario at a time —
// greedy chat completions, steered ones, steered and streamed ones with as many connections as the
// server admits (one running, the rest in its queue of 8), then an overload (greedy, 4× as many
// connections) where the excess gets 429 at once — each for a bounded time. Prints JSON: completed
// requests/s (2xx), all responses/s, latency p50 / p99, status counts (2xx, 429, other), tokens per
// reply, and the server's RSS before and after each scenario.
// Usage: node bench/load-test.mjs [--seconds 10] [--connections 8] [--max-tokens 16] [--model DIR]
import autocannon from 'autocannon';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { topicPairs } from '../dist/src/organism/corpus/index.js';
import { backendName } from '../dist/src/index.js';

const { values: a } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, connections: { type: 'string', default: '8' }, 'max-tokens': { type: 'string', default: '16' }, model: { type: 'string' } } });
const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'steerling.js');
const work = mkdtempSync(join(tmpdir(), 'steerling-load-'));
const seconds = Number(a.seconds);
const connections = Number(a.connections);
const maxTokens = Number(a['max-tokens']);

// The artifact: DiffMean on the organism's topic pairs (or the dog pairs on another model).
const data = join(work, 'pairs.jsonl');
const model = a.model ?? 'organism';
if (a.model) writeFileSync(data, readFileSync(join(root, 'examples', 'stories260K', 'dog.jsonl')));
else writeFileSync(data, topicPairs('topic:ocean', { n: 48, seed: 21, split: 'train' }).map((r) => JSON.stringify({ prompt: r.prompt, positive: r.positive, negative: r.negative })).join('\n') + '\n');
execFileSync(process.execPath, [bin, 'train', 'diffmean', '--model', model, '--data', data, '--site', 'layers.2.resid_post', ...(a.model ? [] : ['--chat']), '--out', join(work, 'a'), '--strength-rule', 'rho'], { stdio: 'ignore' });

const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const server = spawn(process.execPath, [bin, 'serve', '--model', model, '--steer', `a=${join(work, 'a.steer.safetensors')}`, '--port', String(port)], { stdio: ['ignore', 'ignore', 'ignore'] });
const url = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`${url}/v1/models`)).ok) break;
  } catch {
    if (i > 300) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;

const prompt = 'Tell me about your day.';
const scenarios = {
  greedy: { path: '/v1/chat/completions', body: { messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens, temperature: 0 } },
  steered: { path: '/v1/chat/completions', body: { messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens, temperature: 0, steering: [{ artifact: 'a' }] } },
  streaming: { path: '/v1/chat/completions', body: { messages: [{ role: 'user', content: prompt }], max_tokens: maxTokens, temperature: 0, stream: true, steering: [{ artifact: 'a' }] } },
};
scenarios.overload = { ...scenarios.greedy, connections: 4 * connections };
const post = (path, body) => fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
// Warm up (the first requests compile and allocate), then measure.
await autocannon({ url: url + scenarios.greedy.path, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(scenarios.greedy.body), connections: 2, duration: 2 });
const results = {};
for (const [name, s] of Object.entries(scenarios)) {
  // One request alone, for the reply's length (a steered reply may end sooner or later).
  const one = await (await post(s.path, { ...s.body, stream: false })).json();
  const before = rss();
  const r = await autocannon({ url: url + s.path, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(s.body), connections: s.connections ?? connections, duration: seconds });
  const after = rss();
  results[name] = {
    connections: s.connections ?? connections,
    tokens_per_reply: one.usage?.completion_tokens,
    completed_per_s: Number((r['2xx'] / seconds).toFixed(2)),
    responses_per_s: Number(r.requests.average.toFixed(2)),
    latency_ms: { p50: r.latency.p50, p99: r.latency.p99 },
    status: { '2xx': r['2xx'], '429': r.statusCodeStats?.['429']?.count ?? 0, other: r.non2xx - (r.statusCodeStats?.['429']?.count ?? 0) },
    errors: r.errors,
    timeouts: r.timeouts,
    rss_mb: { before: Number(before.toFixed(1)), after: Number(after.toFixed(1)) },
  };
}
server.kill('SIGTERM');
const isa = JSON.parse(execFileSync(process.execPath, [bin, 'bench', 'gemm', '--m', '8', '--n', '8', '--k', '8', '--dtype', 'f32', '--json']).toString()).isa ?? 'unknown';
console.log(JSON.stringify({ model, backend: backendName(), isa, cpu: cpus()[0]?.model, cores: cpus().length, seconds, connections, queue: 8, max_tokens: maxTokens, scenarios: results }, null, 2));
