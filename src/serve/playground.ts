// The playground: the static page in web/, served at `/` with its assets under /assets/. The files
// are a fixed list read once at startup, so a request path never reaches the file system (an
// unknown name, `..` included, is a 404). The page and its assets are public: they hold no data,
// and the /v1 routes the page calls still need the API key when the server has one.
import { readFileSync, existsSync } from 'node:fs';
import { join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { RequestError } from './registry.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Served without the API key (the playground's static files). */
    public?: boolean;
    /** Runs in the work queue: refused with 429 before its body is read when the queue is full. */
    queued?: boolean;
  }
}

/** web/ at the package root (this file runs as dist/src/serve/playground.js). */
export const WEB_DIR = fileURLToPath(new URL('../../../web/', import.meta.url));

/** Every file the page loads besides index.html; nothing else under web/ is served. */
export const PLAYGROUND_ASSETS = ['app.js', 'api.js', 'sse.js', 'artifacts.js', 'heatmap.js', 'style.css'] as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

// Same-origin only: the page runs its own scripts and talks to this server, nothing else; no
// inline script or markup could run even if some text were ever inserted unescaped.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface StaticFile {
  body: Buffer;
  type: string;
}

function readWebFile(dir: string, name: string): StaticFile {
  const path = join(dir, name);
  if (!existsSync(path)) throw new Error(`the playground file ${path} is missing (reinstall steerling, or start with --no-playground)`);
  return { body: readFileSync(path), type: TYPES[extname(name)]! };
}

function send(reply: FastifyReply, f: StaticFile): FastifyReply {
  return reply
    .code(200)
    .header('content-type', f.type)
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .send(f.body);
}

export function registerPlayground(app: FastifyInstance, dir: string = WEB_DIR): void {
  const index = readWebFile(dir, 'index.html');
  const assets = new Map<string, StaticFile>(PLAYGROUND_ASSETS.map((name) => [name, readWebFile(dir, name)]));
  app.get('/', { config: { public: true } }, async (_req, reply) => send(reply, index));
  app.get('/assets/:name', { config: { public: true } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const f = assets.get(name);
    if (!f) throw new RequestError(`no playground file "${name}"`, null, 'unknown_url', 404);
    return send(reply, f);
  });
}
