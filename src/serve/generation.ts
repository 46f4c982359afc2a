// Turning an OpenAI-style request into a generation: prompt ids (chat template or plain text),
// sampling options within the server's limits, steering hooks, and a stepped run that yields to
// the event loop after every token so that streams flush, timeouts fire and new requests are
// answered (429 when the queue is full) while the model works.
import { setImmediate as nextTick } from 'node:timers/promises';
import type { LoadedModel } from '../models/load.js';
import { stopIds } from '../models/load.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { generateSteps, type GenerateOptions, type GenerateResult } from '../generate/generate.js';
import { hooksFor } from '../intervene/apply.js';
import { RequestError, type AppliedSteering, type ArtifactRegistry } from './registry.js';
import type { ChatMessageBody, SamplingBody } from './schemas.js';

export interface Limits {
  /** Largest max_tokens a request may ask for. */
  maxTokensLimit: number;
  /** max_tokens when a request gives none. */
  defaultMaxTokens: number;
}

export interface PreparedGeneration {
  promptIds: number[];
  options: GenerateOptions;
  applied: AppliedSteering[];
  maxTokens: number;
  stop: string[];
}

export class GenerationTimeoutError extends Error {
  constructor(seconds: number) {
    super(`the request timed out: generation ran past the server's ${seconds} s limit (--timeout)`);
  }
}

export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection');
  }
}

/** The text of one chat message (OpenAI text parts are joined; other parts are refused). */
function messageText(m: ChatMessageBody, i: number): string {
  if (m.content === undefined || m.content === null) return '';
  if (typeof m.content === 'string') return m.content;
  return m.content
    .map((p, j) => {
      if (p.type !== 'text' || typeof p.text !== 'string') throw new RequestError(`messages[${i}].content[${j}]: only text parts ({"type": "text", "text": ...}) are supported, got type "${p.type}"`, `messages[${i}].content[${j}]`);
      return p.text;
    })
    .join('');
}

/** The messages as the chat template takes them (developer is system; text parts joined). */
export function chatMessages(messages: readonly ChatMessageBody[]): { role: string; content: string }[] {
  return messages.map((m, i) => ({ role: m.role === 'developer' ? 'system' : m.role, content: messageText(m, i) }));
}

/**
 * How every chat prompt is rendered: with the assistant's turn opened, and the contents as plain
 * text, so that a message typing the template's special strings cannot forge a turn.
 */
export const CHAT_PROMPT = { addGenerationPrompt: true, plainContent: true } as const;

/** A chat template's error as the client's (it refused the messages). */
export function templateRefused(e: unknown): RequestError {
  return e instanceof RequestError ? e : new RequestError(`messages: the model's chat template refused them: ${(e as Error).message}`, 'messages');
}

export function chatPromptIds(tok: Tokenizer, messages: readonly ChatMessageBody[]): number[] {
  const msgs = chatMessages(messages);
  try {
    return tok.applyChatTemplate(msgs, CHAT_PROMPT).ids;
  } catch (e) {
    throw templateRefused(e);
  }
}

/**
 * Refuses a prompt longer than `limit` characters before it is tokenized (tokenizing a megabyte
 * can take a slow tokenizer seconds, and no such prompt fits a context anyway).
 */
export function checkPromptChars(chars: number, limit: number, field: string): void {
  if (chars > limit) throw new RequestError(`the ${field === 'text' ? 'text' : 'prompt'} is ${chars} characters; this server takes at most ${limit} (--max-prompt-chars)`, field, 'prompt_too_long');
}

/** Plain-text prompt ids, as `steerling generate` makes them (BOS alone for an empty prompt). */
export function textPromptIds(lm: LoadedModel, tok: Tokenizer, prompt: string): number[] {
  return promptOrBos(lm, tok.encode(prompt, { addSpecialTokens: true }));
}

/** The encoded prompt, or BOS alone when it is empty. */
export function promptOrBos(lm: LoadedModel, ids: number[]): number[] {
  if (ids.length > 0) return ids;
  const bos = lm.config.bosTokenId ?? lm.generationConfig?.bosTokenId;
  if (bos === null || bos === undefined) throw new RequestError('prompt is empty and the model has no BOS token to start from', 'prompt');
  return [bos];
}

/** Everything about a generation but its prompt (checked before the request waits for the model). */
export type PreparedSampling = Omit<PreparedGeneration, 'promptIds'>;

/** Refuses a prompt that leaves no room to generate in the model's context. */
export function checkContext(lm: LoadedModel, promptIds: readonly number[], field: string): void {
  const ctx = lm.model.arch.maxPositions;
  if (promptIds.length >= ctx) throw new RequestError(`the prompt is ${promptIds.length} tokens; this model's context is ${ctx} tokens, which leaves no room to generate`, field, 'context_length_exceeded');
}

export function prepareSampling(lm: LoadedModel, tok: Tokenizer, registry: ArtifactRegistry, limits: Limits, body: SamplingBody, maxTokensField: string): PreparedSampling {
  const asked = body.max_completion_tokens ?? body.max_tokens ?? null;
  if (asked !== null && asked > limits.maxTokensLimit) throw new RequestError(`${maxTokensField} is ${asked}; this server allows at most ${limits.maxTokensLimit} (--max-tokens-limit)`, maxTokensField, 'max_tokens_too_large');
  const maxTokens = asked ?? limits.defaultMaxTokens;
  const stop = body.stop === undefined || body.stop === null ? [] : typeof body.stop === 'string' ? [body.stop] : body.stop;
  const { interventions, applied } = registry.interventions(body.steering ?? []);
  const hooks = interventions.length ? hooksFor(interventions, lm.model.arch.layers) : null;
  const options: GenerateOptions = {
    maxTokens,
    temperature: body.temperature ?? 1,
    ...(body.top_p !== undefined && body.top_p !== null ? { topP: body.top_p } : {}),
    ...(body.top_k !== undefined && body.top_k !== null ? { topK: body.top_k } : {}),
    ...(body.repetition_penalty !== undefined && body.repetition_penalty !== null ? { repetitionPenalty: body.repetition_penalty } : {}),
    seed: body.seed ?? Math.floor(Math.random() * 2 ** 31),
    eosTokenIds: stopIds(lm),
    ...(stop.length ? { stop } : {}),
    hooks,
    decode: (ids) => tok.decode(ids, { skipSpecialTokens: true }),
  };
  return { options, applied, maxTokens, stop };
}

export function prepareGeneration(lm: LoadedModel, tok: Tokenizer, registry: ArtifactRegistry, limits: Limits, body: SamplingBody, promptIds: number[], fields: { prompt: string; maxTokens: string }): PreparedGeneration {
  checkContext(lm, promptIds, fields.prompt);
  return { promptIds, ...prepareSampling(lm, tok, registry, limits, body, fields.maxTokens) };
}

/**
 * Text deltas for streaming whose concatenation is exactly the final text: the decoded text is
 * re-read after every token, an incomplete character at its end is held back, and so is the
 * longest end of it that might still turn out to start a stop string.
 */
export class TextStreamer {
  private sent = '';

  constructor(private readonly decode: (ids: number[]) => string, private readonly stop: readonly string[]) {}

  /** Length of the longest end of `text` that is the start of a stop string (not all of it). */
  private pending(text: string): number {
    let k = 0;
    for (const s of this.stop) {
      for (let n = Math.min(s.length - 1, text.length); n > k; n--) {
        if (text.endsWith(s.slice(0, n))) {
          k = n;
          break;
        }
      }
    }
    return k;
  }

  /** The new text that is safe to send after `tokens` (possibly ''). */
  update(tokens: number[]): string {
    const full = this.decode(tokens);
    let end = full.length - this.pending(full);
    // The token that completes a stop string ends the generation; nothing from the stop is sent.
    for (const s of this.stop) {
      const at = full.indexOf(s);
      if (at >= 0) end = Math.min(end, at);
    }
    while (end > 0 && full[end - 1] === '\uFFFD') end--;
    if (end > 0 && /[\uD800-\uDBFF]/.test(full[end - 1]!)) end--;
    if (end <= this.sent.length || !full.startsWith(this.sent)) return '';
    const d = full.slice(this.sent.length, end);
    this.sent += d;
    return d;
  }

  /** What remains to send once the final text is known. */
  finish(text: string): string {
    if (!text.startsWith(this.sent)) return '';
    const d = text.slice(this.sent.length);
    this.sent = text;
    return d;
  }
}

export interface RunControl {
  /** Epoch ms after which the run stops with GenerationTimeoutError. */
  deadline: number;
  timeoutSeconds: number;
  /** True once the client has gone (the run stops with ClientGoneError). */
  gone: () => boolean;
  /** Called with the generated ids so far after every new token. */
  onTokens?: (tokens: number[]) => void;
}

/**
 * How long generation runs before it yields to the event loop. Yielding after every token starves
 * a small model under a flood of requests: each yield answers every pending request first, so a
 * 0.4 ms token waited behind hundreds of 429s. Steps shorter than this are batched; longer ones
 * (any real model's) still yield after every token.
 */
const YIELD_EVERY_MS = 10;

/** Runs a prepared generation step by step, yielding to the event loop at least every YIELD_EVERY_MS. */
export async function runGeneration(lm: LoadedModel, g: PreparedGeneration, ctl: RunControl): Promise<GenerateResult> {
  const tokens: number[] = [];
  const steps = generateSteps(lm.model, [g.promptIds], {
    ...g.options,
    onToken: (_row, id) => {
      tokens.push(id);
      ctl.onTokens?.(tokens);
    },
  });
  let slice = Date.now();
  try {
    for (;;) {
      const s = steps.next();
      if (s.done) return s.value[0]!;
      if (ctl.gone()) throw new ClientGoneError();
      const now = Date.now();
      if (now > ctl.deadline) throw new GenerationTimeoutError(ctl.timeoutSeconds);
      if (now - slice >= YIELD_EVERY_MS) {
        await nextTick();
        slice = Date.now();
      }
    }
  } finally {
    steps.return([]);
  }
}

export function finishReason(r: GenerateResult): 'stop' | 'length' {
  return r.finishReason === 'length' ? 'length' : 'stop';
}
