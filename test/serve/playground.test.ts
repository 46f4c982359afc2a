// The playground's files as the server sends them (fastify inject): the page at `/` and every
// asset it loads, with their content types and a same-origin CSP; nothing from the network;
// anything else (unknown names, `..` in any spelling) is a 404; the page is public while /v1
// still needs the key; --no-playground serves none of it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { loadModel, type LoadedModel } from '../../src/models/load.js';
import { buildApp, type ServeOptions } from '../../src/serve/app.js';
import { ArtifactRegistry } from '../../src/serve/registry.js';
import { PLAYGROUND_ASSETS } from '../../src/serve/playground.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
let lm: LoadedModel;

function app(extra: Partial<ServeOptions> = {}): FastifyInstance {
  return buildApp({ model: lm, modelId: 'organism', registry: new ArtifactRegistry(lm.model), ...extra });
}

const TYPES: Record<string, RegExp> = { js: /^text\/javascript; charset=utf-8$/, css: /^text\/css; charset=utf-8$/ };

before(async () => {
  lm = await loadModel(ORGANISM);
});

test('playground: / is the page; every file it loads (and every module those import) is served with its type', async () => {
  const a = app();
  const page = await a.inject({ method: 'GET', url: '/' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html; charset=utf-8$/);
  assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'.*connect-src 'self'/);
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
  assert.match(page.body, /<title>steerling playground<\/title>/);

  // Follow the page's references and the modules' imports: each must resolve to a served file.
  const seen = new Set<string>();
  const queue = [...page.body.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(queue.includes('app.js') && queue.includes('style.css'), queue.join(', '));
  const bodies = [page.body];
  while (queue.length) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const r = await a.inject({ method: 'GET', url: `/assets/${name}` });
    assert.equal(r.statusCode, 200, name);
    assert.match(String(r.headers['content-type']), TYPES[name.split('.').pop()!]!, name);
    bodies.push(r.body);
    for (const m of r.body.matchAll(/(?:import|from)\s+'\.\/([^']+)'/g)) queue.push(m[1]!);
  }
  assert.deepEqual([...seen].sort(), [...PLAYGROUND_ASSETS].sort(), 'the fixed list is exactly what the page uses');
  // Nothing is fetched from elsewhere at run time, and model text is never parsed as HTML.
  for (const b of bodies) {
    assert.doesNotMatch(b, /https?:\/\/|(?:src|href)="\/\//);
    assert.doesNotMatch(b, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  }
  await a.close();
});

test('playground: unknown names and path traversal are 404, never a file', async () => {
  const a = app();
  for (const url of [
    '/assets/nope.js', '/assets/', '/assets/index.html', '/index.html', '/app.js', '/web/app.js',
    '/assets/../package.json', '/assets/..%2Fpackage.json', '/assets/%2e%2e%2fpackage.json', '/assets/%2E%2E/package.json',
    '/assets/..%5c..%5cpackage.json', '/../package.json', '/%2e%2e/package.json', '/assets/app.js%00.css', '/assets/app.js/..',
  ]) {
    const r = await a.inject({ method: 'GET', url });
    assert.equal(r.statusCode, 404, `${url} → ${r.statusCode}`);
    assert.match(String(r.headers['content-type']), /^application\/json/, url);
    assert.doesNotMatch(r.body, /"name":\s*"steerling"|dependencies/, url);
  }
  await a.close();
});

test('playground: public with an API key (the /v1 routes are not); --no-playground serves nothing at /', async () => {
  const keyed = app({ apiKey: 'sekrit' });
  assert.equal((await keyed.inject({ method: 'GET', url: '/' })).statusCode, 200);
  assert.equal((await keyed.inject({ method: 'GET', url: '/assets/app.js' })).statusCode, 200);
  assert.equal((await keyed.inject({ method: 'GET', url: '/assets/nope.js' })).statusCode, 404);
  assert.equal((await keyed.inject({ method: 'GET', url: '/v1/steering' })).statusCode, 401);
  assert.equal((await keyed.inject({ method: 'GET', url: '/nope' })).statusCode, 401, 'only the playground\'s routes are public');
  assert.equal((await keyed.inject({ method: 'GET', url: '/v1/steering', headers: { authorization: 'Bearer sekrit' } })).statusCode, 200);
  await keyed.close();

  const off = app({ playground: false });
  for (const url of ['/', '/assets/app.js', '/assets/style.css']) assert.equal((await off.inject({ method: 'GET', url })).statusCode, 404, url);
  assert.equal((await off.inject({ method: 'GET', url: '/v1/models' })).statusCode, 200);
  await off.close();
});
