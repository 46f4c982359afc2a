// A judge model behind any OpenAI-compatible /v1/chat/completions (OpenAI, vLLM, llama.cpp's
// llama-server, `steerling serve`, ...): each rubric prompt is one user message, temperature 0.
// Requests run a bounded number at a time, each with a timeout; 429, 5xx, timeouts and dropped
// connections are retried with exponential backoff (Retry-After honoured); anything else fails
// at once with one line naming the URL and the status. Texts that arrived before a failure are
// already cached, so a rerun resumes where it stopped.
//
//   const judge = new EndpointJudge({ url: 'http://127.0.0.1:8000/v1', model: 'Qwen/Qwen2.5-7B-Instruct', apiKey: process.env.OPENAI_API_KEY });

import type { JudgementCache } from './cache.js';
import { RubricJudge } from './rubric-judge.js';

export interface EndpointJudgeOptions {
  /** The server's base URL (…/v1) or the full …/chat/completions URL. */
  url: string;
  /** The model name the endpoint serves. */
  model: string;
  apiKey?: string | null;
  /** The environment variable the key came from, named in authentication errors. */
  keyEnv?: string;
  maxTokens?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  timeoutMs?: number;
  /** Further tries after a 429, 5xx, timeout or dropped connection. */
  retries?: number;
  /** First backoff; doubled per retry, with jitter, up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  cache?: JudgementCache | null;
}

/** http://host:8000 → …/v1/chat/completions; …/v1 → …/v1/chat/completions; a full URL stays. */
export function chatCompletionsUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--judge-url: not a URL: "${url}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`--judge-url: needs http:// or https://, got "${url}"`);
  const path = u.pathname.replace(/\/+$/, '');
  if (path.endsWith('/chat/completions')) u.pathname = path;
  else if (path.endsWith('/v1')) u.pathname = `${path}/chat/completions`;
  else u.pathname = `${path}/v1/chat/completions`;
  return u.toString();
}

/** A failure worth another try (rate limit, server error, timeout, dropped connection). */
class Transient extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}

function retryAfter(h: string | null): number | null {
  if (!h) return null;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(h);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : null;
}

/** The error message an OpenAI-style body carries, or the start of the body. */
function bodyMessage(body: string): string {
  try {
    const j = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message);
    if (typeof m === 'string' && m) return m;
  } catch {
    // not JSON: quote it
  }
  const s = body.trim().replace(/\s+/g, ' ');
  return s.length > 200 ? `${s.slice(0, 200)}…` : s || '(empty body)';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class EndpointJudge extends RubricJudge {
  readonly id: string;
  readonly url: string;
  private readonly o: Required<Omit<EndpointJudgeOptions, 'cache' | 'apiKey'>> & { apiKey: string | null };

  constructor(o: EndpointJudgeOptions) {
    super(o.cache ?? null);
    this.url = chatCompletionsUrl(o.url);
    if (!o.model) throw new Error('the endpoint judge needs a model name (--judge-model NAME)');
    this.o = {
      url: this.url, model: o.model, apiKey: o.apiKey || null, keyEnv: o.keyEnv ?? 'OPENAI_API_KEY',
      maxTokens: o.maxTokens ?? 512, concurrency: o.concurrency ?? 8, timeoutMs: o.timeoutMs ?? 120_000,
      retries: o.retries ?? 4, backoffMs: o.backoffMs ?? 1000, maxBackoffMs: o.maxBackoffMs ?? 30_000,
    };
    const int = (name: string, v: number, min: number) => {
      if (!(Number.isInteger(v) && v >= min)) throw new Error(`judge ${name} must be an integer ≥ ${min}, got ${v}`);
    };
    int('max tokens', this.o.maxTokens, 1);
    int('concurrency', this.o.concurrency, 1);
    int('retries', this.o.retries, 0);
    if (!(this.o.timeoutMs > 0)) throw new Error(`judge timeout must be > 0, got ${this.o.timeoutMs / 1000} s`);
    this.id = `endpoint ${o.model} at ${this.url}`;
  }

  protected identity(): string {
    // The key is not part of it: the same model answers whoever asks.
    return JSON.stringify({ kind: 'endpoint', url: this.url, model: this.o.model, maxTokens: this.o.maxTokens, temperature: 0 });
  }

  protected async complete(prompts: readonly string[], onText: (i: number, text: string) => void): Promise<string[]> {
    const out = new Array<string>(prompts.length);
    let next = 0;
    let failed: Error | null = null;
    // A fixed pool of workers pulling the next prompt: at most `concurrency` requests in flight.
    const worker = async () => {
      while (failed === null && next < prompts.length) {
        const i = next++;
        try {
          out[i] = await this.ask(prompts[i]!);
          onText(i, out[i]!);
        } catch (e) {
          failed ??= e as Error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, prompts.length) }, worker));
    if (failed) throw failed;
    return out;
  }

  /** One rating text, retried on transient failures. */
  private async ask(prompt: string): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(prompt);
      } catch (e) {
        if (!(e instanceof Transient)) throw e;
        if (attempt >= this.o.retries) throw new Error(`${e.message} (after ${attempt + 1} ${attempt ? 'tries' : 'try'})`);
        const backoff = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        await sleep(Math.min(this.o.maxBackoffMs, e.retryAfterMs ?? backoff));
      }
    }
  }

  private async once(prompt: string): Promise<string> {
    const where = `judge endpoint ${this.url}`;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.o.apiKey) headers['authorization'] = `Bearer ${this.o.apiKey}`;
    const body = JSON.stringify({ model: this.o.model, messages: [{ role: 'user', content: prompt }], temperature: 0, max_tokens: this.o.maxTokens });
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.o.timeoutMs) });
      text = await res.text();
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      if (err.name === 'TimeoutError' || err.name === 'AbortError') throw new Transient(`${where} did not answer within ${this.o.timeoutMs / 1000} s`);
      throw new Transient(`${where} could not be reached: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
    }
    const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status === 429 || res.status >= 500) throw new Transient(`${where} answered ${status}: ${bodyMessage(text)}`, retryAfter(res.headers.get('retry-after')));
    if (!res.ok) {
      const hint =
        res.status === 401 || res.status === 403
          ? ` (the key is read from $${this.o.keyEnv}${this.o.apiKey ? '' : ', which is not set'}; --judge-key-env names another variable)`
          : res.status === 404
            ? ` (is "${this.o.model}" a model this endpoint serves, and the URL its …/v1?)`
            : '';
      throw new Error(`${where} answered ${status}: ${bodyMessage(text)}${hint}`);
    }
    let message: { content?: unknown; refusal?: unknown } | undefined;
    try {
      message = (JSON.parse(text) as { choices?: { message?: { content?: unknown; refusal?: unknown } }[] }).choices?.[0]?.message;
    } catch {
      throw new Error(`${where} answered ${status} with a body that is not JSON: ${bodyMessage(text)}`);
    }
    if (typeof message?.content === 'string') return message.content;
    // A null content (a refusal, or a reasoning model cut off before answering) is a judgement
    // without a rating: it counts as unparsed rather than stopping the whole evaluation.
    if (message && message.content === null) return typeof message.refusal === 'string' ? message.refusal : '';
    throw new Error(`${where} answered ${status} without choices[0].message.content: ${bodyMessage(text)}`);
  }
}
