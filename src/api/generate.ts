// Text generation for the library API: prompts in, text out, optionally steered.
import { generate as generateIds, type FinishReason } from '../generate/generate.js';
import type { SamplingOptions } from '../generate/sampler.js';
import { stopIds, type LoadedModel } from '../models/load.js';
import { encodePrompt, requireTokenizer, type PromptOptions } from './model.js';
import { steer, type SteerInput, type Steering } from './steer.js';

export interface GenerateTextOptions extends SamplingOptions, PromptOptions {
  /** Tokens to generate (default 64). */
  maxTokens?: number;
  /** Sampling seed (default 0; temperature 0, the default, is greedy). */
  seed?: number;
  /** Stop strings (cut off the text). */
  stop?: readonly string[];
  /** Artifacts to steer with (see `steer`), or a steering already resolved with `steer()`. */
  steer?: readonly SteerInput[] | Steering;
  /** llama.cpp control vectors, `FILE[:SCALE]` (ignored when `steer` is a resolved Steering). */
  controlVectors?: readonly string[];
  /** Use artifacts even when they were fitted on another model. */
  force?: boolean;
  /** Every generated token id as it comes (row = the prompt's index). */
  onToken?: (id: number, row: number) => void;
  /** Text as it streams: the new piece of row `row` after each token, and a last flush per row. */
  onText?: (piece: string, row: number) => void;
}

/** One prompt's generation in full. */
export interface Generation {
  prompt: string;
  /** The prompt's ids as fed to the model (BOS or chat template included). */
  promptIds: number[];
  /** The generated text (special tokens skipped, stop string cut). */
  text: string;
  /** Generated ids (EOS not included). */
  tokens: number[];
  finishReason: FinishReason;
}

function resolveSteering(m: LoadedModel, opts: GenerateTextOptions): Steering | null {
  if (opts.steer && !Array.isArray(opts.steer)) return opts.steer as Steering;
  const inputs = (opts.steer ?? []) as readonly SteerInput[];
  if (inputs.length === 0 && !opts.controlVectors?.length) return null;
  return steer(m, inputs, { force: opts.force ?? false, controlVectors: opts.controlVectors ?? [] });
}

/**
 * Generates from one or several prompts and returns every detail: prompt ids, generated ids,
 * text and why each stopped. Several prompts run as one batch.
 *
 * @example
 * ```ts
 * const [g] = generateDetailed(model, 'Once upon a time', { maxTokens: 16 });
 * console.log(g!.text, g!.tokens.length, g!.finishReason);
 * ```
 */
export function generateDetailed(model: LoadedModel, prompts: string | readonly string[], opts: GenerateTextOptions = {}): Generation[] {
  const tok = requireTokenizer(model, 'generate');
  const steering = resolveSteering(model, opts);
  const list = typeof prompts === 'string' ? [prompts] : prompts;
  const ids = list.map((p) => encodePrompt(model, p, opts));
  const dts = opts.onText ? list.map(() => tok.detokenizer({ skipSpecialTokens: true })) : null;
  const res = generateIds(model.model, ids, {
    maxTokens: opts.maxTokens ?? 64,
    ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
    ...(opts.topK !== undefined ? { topK: opts.topK } : {}),
    ...(opts.topP !== undefined ? { topP: opts.topP } : {}),
    ...(opts.repetitionPenalty !== undefined ? { repetitionPenalty: opts.repetitionPenalty } : {}),
    seed: opts.seed ?? 0,
    eosTokenIds: stopIds(model),
    ...(opts.stop ? { stop: opts.stop } : {}),
    hooks: steering?.hooks ?? null,
    decode: (x) => tok.decode(x, { skipSpecialTokens: true }),
    onToken: (row, id) => {
      opts.onToken?.(id, row);
      if (dts) opts.onText!(dts[row]!.push(id), row);
    },
  });
  if (dts) dts.forEach((dt, row) => opts.onText!(dt.flush(), row));
  return res.map((r, i) => ({ prompt: list[i]!, promptIds: ids[i]!, text: r.text ?? '', tokens: r.tokens, finishReason: r.finishReason }));
}

/**
 * Generates text from a prompt (or a batch of prompts) with a loaded model, optionally steered:
 * `steer` takes artifact files or specs (`'dog.steer.safetensors:4'`, `':x2'`), artifacts in
 * memory, or `{ artifact, strength }`. Greedy unless `temperature` > 0.
 *
 * @example
 * ```ts
 * import { loadModel, generate } from 'steerling';
 * const model = await loadModel('models/stories260K');
 * const plain = generate(model, 'Once upon a time', { maxTokens: 32 });
 * const dog = generate(model, 'Once upon a time', { maxTokens: 32, steer: ['dog.steer.safetensors'] });
 * const both = generate(model, ['Once upon a time', 'The sun was shining.'], { temperature: 0.8, seed: 1 });
 * ```
 */
export function generate(model: LoadedModel, prompt: string, opts?: GenerateTextOptions): string;
export function generate(model: LoadedModel, prompts: readonly string[], opts?: GenerateTextOptions): string[];
export function generate(model: LoadedModel, prompts: string | readonly string[], opts: GenerateTextOptions = {}): string | string[] {
  const out = generateDetailed(model, prompts, opts).map((g) => g.text);
  return typeof prompts === 'string' ? out[0]! : out;
}
