// The OpenAI-compatible HTTP server (fastify): routes, authentication, limits and error bodies.
//
//   const app = buildApp({ model, modelId: 'organism', registry, ... });
//   await app.listen({ host: '127.0.0.1', port: 8080 });
import { randomUUID, createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyError, type FastifyRequest } from 'fastify';
import type { LoadedModel } from '../models/load.js';
import { TokenizerThread, type Tokenizer } from '../tokenizer/index.js';
import { escapeControl } from '../util/escape.js';
import { detect } from '../eval/detect.js';
import { ArtifactRegistry, RequestError } from './registry.js';
import { WorkQueue, QueueFullError, QueueTimeoutError } from './queue.js';
import { registerPlayground } from './playground.js';
import { chatCompletionSchema, completionSchema, detectSchema, type ChatCompletionBody, type CompletionBody, type DetectBody, type SamplingBody } from './schemas.js';
import {
  chatMessages, CHAT_PROMPT, templateRefused, promptOrBos, checkPromptChars, checkContext, prepareSampling, runGeneration, finishReason, TextStreamer,
  GenerationTimeoutError, ClientGoneError, type Limits, type PreparedGeneration, type PreparedSampling,
} from './generation.js';
import { hostAllowed, type AllowedHosts } from './hosts.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface ServeOptions {
  model: LoadedModel;
  /** The id clients use in "model" (GET /v1/models lists it). */
  modelId: string;
  registry: ArtifactRegistry;
  /** Bearer key every /v1 request must carry; null = no key ('' is refused: an unset variable is not a choice). */
  apiKey?: string | null;
  maxTokensLimit?: number;
  defaultMaxTokens?: number;
  /** Requests that may wait while one runs (more are answered 429). */
  queue?: number;
  /** Seconds a request may take, waiting included. */
  timeoutSeconds?: number;
  /** Largest request body in bytes. */
  bodyLimit?: number;
  /** Serve the web playground at `/` (default true). */
  playground?: boolean;
  /**
   * Longest prompt in characters (a completion's prompt, all chat messages together, a detect
   * text), refused before it is tokenized. Default: 16 per position of the model's context.
   */
  maxPromptChars?: number;
  /** Host names requests may be addressed to besides the server's own addresses, or 'any' (hosts.ts). */
  allowedHosts?: AllowedHosts;
  /** Request logs (JSON lines, fastify's pino): 'silent' (the default) logs nothing. */
  logLevel?: LogLevel;
  /** Where logs go (default: stderr). */
  logStream?: { write(line: string): unknown };
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function errorBody(message: string, type: string, param: string | null = null, code: string | null = null): ErrorBody {
  return { error: { message, type, param, code } };
}

/** Ajv's instance path (/steering/0/strength) as an OpenAI param (steering[0].strength). */
function paramOf(instancePath: string, extra?: string): string | null {
  const parts = instancePath.split('/').filter(Boolean);
  if (extra) parts.push(extra);
  if (parts.length === 0) return null;
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');
}

/** The value at an Ajv instance path (/steering/0/strength) of a parsed body. */
function valueAt(body: unknown, instancePath: string): unknown {
  let v: unknown = body;
  for (const p of instancePath.split('/').filter(Boolean)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[p.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

function validationError(err: FastifyError, body: unknown): ErrorBody {
  const v = err.validation![0]!;
  const params = v.params as Record<string, unknown>;
  if (v.keyword === 'required') {
    const param = paramOf(v.instancePath, String(params['missingProperty']));
    return errorBody(`missing required field "${param}"`, 'invalid_request_error', param, 'missing_required_parameter');
  }
  if (v.keyword === 'additionalProperties') {
    const param = paramOf(v.instancePath, String(params['additionalProperty']));
    return errorBody(`unknown field "${param}" (a steering entry takes artifact, strength, multiple and target; artifacts are named, never given as paths)`, 'invalid_request_error', param, 'unknown_parameter');
  }
  const param = paramOf(v.instancePath);
  let what = v.message ?? 'is invalid';
  if (v.keyword === 'type') what = `must be of type ${String(params['type']).split(',').filter((t) => t !== 'null').join(' or ')}`;
  // JSON numbers past the float64 range (1e309) parse to ±Infinity; Ajv (strictNumbers) refuses them as a wrong type.
  const value = valueAt(body, v.instancePath);
  if (v.keyword === 'type' && typeof value === 'number' && !Number.isFinite(value)) what = `must be a finite number (got ${value}: a number past the float64 range)`;
  if (v.keyword === 'enum') what = `must be one of ${(params['allowedValues'] as unknown[]).map((x) => JSON.stringify(x)).join(', ')}`;
  return errorBody(`${param ?? 'the request body'} ${what}`, 'invalid_request_error', param, 'invalid_value');
}

function sendError(reply: FastifyReply, status: number, body: ErrorBody): void {
  // Messages may quote names and text from strangers; JSON escapes C0 controls but not C1 or bidi overrides.
  body.error.message = escapeControl(body.error.message);
  void reply.code(status).header('content-type', 'application/json; charset=utf-8').send(body);
}

function refuseBusy(reply: FastifyReply, err: QueueFullError): void {
  reply.header('retry-after', String(err.retryAfterSeconds));
  sendError(reply, 429, errorBody(err.message, 'rate_limit_error', null, 'queue_full'));
}

/** Compares keys in constant time (on their digests, so lengths do not leak either). */
function sameKey(given: string, want: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(want));
}

export function buildApp(o: ServeOptions): FastifyInstance {
  const lm = o.model;
  if (!lm.tokenizer) throw new Error(`${lm.dir} has no tokenizer.json; steerling serve needs one`);
  const tok: Tokenizer = lm.tokenizer;
  const limits: Limits = { maxTokensLimit: o.maxTokensLimit ?? 1024, defaultMaxTokens: Math.min(o.defaultMaxTokens ?? 256, o.maxTokensLimit ?? 1024) };
  if (!(Number.isInteger(limits.maxTokensLimit) && limits.maxTokensLimit >= 1)) throw new Error(`--max-tokens-limit must be an integer ≥ 1, got ${limits.maxTokensLimit}`);
  const queue = new WorkQueue(o.queue ?? 8);
  const timeoutSeconds = o.timeoutSeconds ?? 300;
  // Timers past 2^31 ms fire at once in Node, so the limit stops at ~23 days.
  if (!(timeoutSeconds > 0 && timeoutSeconds <= 2_000_000)) throw new Error(`--timeout must be > 0 and at most 2000000 seconds, got ${timeoutSeconds}`);
  if (o.apiKey !== undefined && o.apiKey !== null && o.apiKey.trim() === '') throw new Error('the API key is empty (an unset variable?): give a key, or none to serve without one');
  const apiKey = o.apiKey ?? null;
  const maxPromptChars = o.maxPromptChars ?? 16 * lm.model.arch.maxPositions;
  if (!(Number.isSafeInteger(maxPromptChars) && maxPromptChars >= 1)) throw new Error(`--max-prompt-chars must be an integer ≥ 1, got ${maxPromptChars}`);
  const allowedHosts = o.allowedHosts ?? [];
  const logLevel = o.logLevel ?? 'silent';
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const created = Math.floor(Date.now() / 1000);
  // Prompts are tokenized in a worker thread: a long one must not stall every other client.
  const encoder = new TokenizerThread(tok);
  encoder.warm();

  const app = Fastify({
    logger: logLevel === 'silent' ? false : { level: logLevel, stream: o.logStream ?? process.stderr },
    bodyLimit: o.bodyLimit ?? 1024 * 1024,
    // Slow or stalled uploads are cut off; responses (streams) are not limited by this.
    requestTimeout: 30_000,
    // strictNumbers: Infinity and NaN are not numbers here (JSON 1e309 parses to Infinity).
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, strict: false, strictNumbers: true } },
  });

  app.addHook('onClose', async () => encoder.close());

  app.addHook('onRequest', async (req, reply) => {
    if (!hostAllowed(req.headers.host, req.socket.localAddress, allowedHosts)) {
      const host = escapeControl(String(req.headers.host ?? '(none)').slice(0, 100));
      sendError(reply, 403, errorBody(`this server does not answer to the Host "${host}" (a defence against DNS rebinding); name it with --allowed-hosts, or use the address the server listens on`, 'invalid_request_error', null, 'host_not_allowed'));
      return reply;
    }
    if (apiKey && !req.routeOptions.config.public) {
      const h = req.headers.authorization ?? '';
      const m = /^Bearer\s+(.+)$/i.exec(h);
      if (!m || !sameKey(m[1]!.trim(), apiKey)) {
        sendError(reply, 401, errorBody(m ? 'Incorrect API key provided.' : 'No API key provided: send the header "Authorization: Bearer KEY".', 'invalid_request_error', null, 'invalid_api_key'));
        return reply;
      }
    }
    // A full queue refuses before the body is read and parsed: under overload the refusals must cost
    // next to nothing, or clients retrying at once take the cores the running generation needs.
    if (req.routeOptions.config.queued && queue.full) {
      refuseBusy(reply, queue.fullError());
      return reply;
    }
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof RequestError) return sendError(reply, err.status, errorBody(err.message, err.status === 404 ? 'not_found_error' : 'invalid_request_error', err.param, err.code));
    if (err instanceof QueueFullError) return refuseBusy(reply, err);
    if (err instanceof QueueTimeoutError || err instanceof GenerationTimeoutError) return sendError(reply, 504, errorBody(err.message, 'timeout_error', null, 'timeout'));
    if (err.validation) return sendError(reply, 400, validationError(err, req.body));
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendError(reply, 413, errorBody(`the request body is larger than this server's limit of ${app.initialConfig.bodyLimit} bytes`, 'invalid_request_error', null, 'body_too_large'));
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendError(reply, 415, errorBody('send the body as JSON (Content-Type: application/json)', 'invalid_request_error', null, 'unsupported_media_type'));
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return sendError(reply, status, errorBody(err.message, 'invalid_request_error', null, err.code ?? null));
    req.log.error({ err }, 'request failed');
    return sendError(reply, 500, errorBody(`the server failed: ${err.message}`, 'server_error'));
  });

  app.setNotFoundHandler((req, reply) => sendError(reply, 404, errorBody(`no route ${req.method} ${req.url.split('?')[0]}`, 'not_found_error', null, 'unknown_url')));

  function checkModel(body: { model?: string }): void {
    if (body.model !== undefined && body.model !== o.modelId) throw new RequestError(`The model "${body.model}" does not exist: this server serves "${o.modelId}"`, 'model', 'model_not_found', 404);
  }

  function checkN(body: SamplingBody): void {
    if (body.n !== undefined && body.n !== null && body.n !== 1) throw new RequestError('n must be 1: one choice per request', 'n');
  }

  /** Whether the client hung up before the response was finished. */
  function watchGone(reply: FastifyReply): () => boolean {
    let gone = false;
    reply.raw.on('close', () => {
      if (!reply.raw.writableEnded) gone = true;
    });
    return () => gone;
  }

  /** Tokenizing off the event loop, within the request's time (`started`: when it arrived). */
  async function tokenized<T>(started: number, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GenerationTimeoutError(timeoutSeconds)), Math.max(0, started + timeoutSeconds * 1000 - Date.now()));
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs a generation when the model is free. The prompt is tokenized then, inside the queue (so a
   * full queue is a 429 at once, before any work) and off the event loop (`prompt`).
   */
  async function complete(req: FastifyRequest, reply: FastifyReply, kind: 'chat' | 'text', s: PreparedSampling, prompt: { field: string; ids: () => Promise<number[]> }, body: SamplingBody, started: number): Promise<unknown> {
    const deadline = started + timeoutSeconds * 1000;
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`;
    const createdAt = Math.floor(started / 1000);
    const object = kind === 'chat' ? 'chat.completion' : 'text_completion';
    const gone = watchGone(reply);
    const withPrompt = async (): Promise<PreparedGeneration> => {
      const promptIds = await prompt.ids();
      checkContext(lm, promptIds, prompt.field);
      return { ...s, promptIds };
    };
    const usage = (g: PreparedGeneration, n: number) => ({ prompt_tokens: g.promptIds.length, completion_tokens: n, total_tokens: g.promptIds.length + n });
    const extra = s.applied.length ? { steering: s.applied } : {};

    if (!body.stream) {
      const [g, r] = await queue.run(async () => {
        const g = await withPrompt();
        return [g, await runGeneration(lm, g, { deadline, timeoutSeconds, gone })] as const;
      }, deadline - Date.now());
      const text = r.text ?? '';
      const choice = kind === 'chat'
        ? { index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: finishReason(r) }
        : { index: 0, text, logprobs: null, finish_reason: finishReason(r) };
      return { id, object, created: createdAt, model: o.modelId, choices: [choice], usage: usage(g, r.tokens.length), ...extra };
    }

    // Streaming: wait for the model first (so a full queue is still a plain 429), then send events.
    const includeUsage = body.stream_options?.include_usage === true;
    await queue.run(async () => {
      const g = await withPrompt();
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      const chunkObject = kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
      const send = (data: unknown) => {
        if (!res.writableEnded && !res.destroyed) res.write(`data: ${JSON.stringify(data)}\n\n`);
      };
      const chunk = (piece: string | null, finish: string | null, first = false) => {
        const choice = kind === 'chat'
          ? { index: 0, delta: first ? { role: 'assistant', content: '' } : piece === null ? {} : { content: piece }, logprobs: null, finish_reason: finish }
          : { index: 0, text: piece ?? '', logprobs: null, finish_reason: finish };
        send({ id, object: chunkObject, created: createdAt, model: o.modelId, choices: [choice], ...(first ? extra : {}) });
      };
      if (kind === 'chat') chunk(null, null, true);
      const streamer = new TextStreamer(g.options.decode!, g.stop);
      try {
        const r = await runGeneration(lm, g, {
          deadline, timeoutSeconds, gone,
          onTokens: (tokens) => {
            const d = streamer.update(tokens);
            if (d) chunk(d, null);
          },
        });
        const rest = streamer.finish(r.text ?? '');
        if (rest) chunk(rest, null);
        chunk(null, finishReason(r));
        if (includeUsage) send({ id, object: chunkObject, created: createdAt, model: o.modelId, choices: [], usage: usage(g, r.tokens.length) });
      } catch (e) {
        if (!(e instanceof ClientGoneError)) {
          const err = e as Error;
          if (!(e instanceof GenerationTimeoutError)) req.log.error({ err }, 'stream failed');
          send(e instanceof GenerationTimeoutError ? errorBody(err.message, 'timeout_error', null, 'timeout') : errorBody(`the server failed: ${err.message}`, 'server_error'));
        }
      }
      if (!res.writableEnded && !res.destroyed) res.end('data: [DONE]\n\n');
    }, deadline - Date.now());
    return reply;
  }

  if (o.playground ?? true) registerPlayground(app);

  app.get('/v1/models', async () => ({
    object: 'list',
    data: [{ id: o.modelId, object: 'model', created, owned_by: 'steerling' }],
  }));

  app.get('/v1/models/:id', async (req) => {
    const { id } = req.params as { id: string };
    if (id !== o.modelId) throw new RequestError(`The model "${id}" does not exist: this server serves "${o.modelId}"`, 'model', 'model_not_found', 404);
    return { id: o.modelId, object: 'model', created, owned_by: 'steerling' };
  });

  app.get('/v1/steering', async () => ({ object: 'list', data: o.registry.list() }));

  app.post('/v1/chat/completions', { schema: { body: chatCompletionSchema }, config: { queued: true } }, async (req, reply) => {
    const started = Date.now();
    const body = req.body as ChatCompletionBody;
    checkModel(body);
    checkN(body);
    const messages = chatMessages(body.messages);
    checkPromptChars(messages.reduce((n, m) => n + m.content.length, 0), maxPromptChars, 'messages');
    const field = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
    const ids = async () => (await tokenized(started, encoder.applyChatTemplate(messages, CHAT_PROMPT).catch((e: unknown) => Promise.reject(templateRefused(e))))).ids;
    return complete(req, reply, 'chat', prepareSampling(lm, tok, o.registry, limits, body, field), { field: 'messages', ids }, body, started);
  });

  app.post('/v1/completions', { schema: { body: completionSchema }, config: { queued: true } }, async (req, reply) => {
    const started = Date.now();
    const body = req.body as CompletionBody;
    checkModel(body);
    checkN(body);
    if (body.echo) throw new RequestError('echo is not supported', 'echo');
    const prompt = typeof body.prompt === 'string' ? body.prompt : body.prompt[0]!;
    checkPromptChars(prompt.length, maxPromptChars, 'prompt');
    const ids = async () => promptOrBos(lm, await tokenized(started, encoder.encode(prompt, { addSpecialTokens: true })));
    // max_completion_tokens is chat's; here it is a field we do not know, ignored unchecked.
    const { max_completion_tokens: _, ...sampling } = body;
    return complete(req, reply, 'text', prepareSampling(lm, tok, o.registry, limits, sampling, 'max_tokens'), { field: 'prompt', ids }, body, started);
  });

  app.post('/v1/detect', { schema: { body: detectSchema }, config: { queued: true } }, async (req) => {
    const started = Date.now();
    const body = req.body as DetectBody;
    checkModel(body);
    checkPromptChars(body.text.length, maxPromptChars, 'text');
    const reg = o.registry.get(body.artifact);
    if (!reg) {
      const known = o.registry.names();
      throw new RequestError(`no artifact named "${body.artifact}" is loaded (${known.length ? `loaded: ${known.join(', ')}` : 'this server has none'})`, 'artifact', 'unknown_artifact');
    }
    const d = await queue.run(async () => {
      const ids = await tokenized(started, encoder.encode(body.text, { addSpecialTokens: true }));
      const ctx = lm.model.arch.maxPositions;
      if (ids.length > ctx) throw new RequestError(`the text is ${ids.length} tokens; this model reads at most ${ctx}`, 'text', 'context_length_exceeded');
      try {
        return detect(lm.model, tok, reg.artifact, body.text, { force: true, ids });
      } catch (e) {
        throw new RequestError(`detect: ${(e as Error).message}`, 'artifact');
      }
    }, started + timeoutSeconds * 1000 - Date.now());
    return { object: 'detection', artifact: reg.name, name: escapeControl(reg.artifact.meta.name), model: o.modelId, ...d };
  });

  return app;
}
