// Batched generation with a KV cache: left-padded prompts, per-row stopping on EOS ids or stop
// strings, streaming callbacks and seeded sampling.
//
//   const [out] = generate(model, [promptIds], { maxTokens: 32, eosTokenIds: [2] });

import { fromStorage } from '../tensor/tensor.js';
import { noGrad } from '../tensor/tape.js';
import { tidy } from '../tensor/scope.js';
import { Rng } from '../util/rng.js';
import type { DecoderModel } from '../models/decoder.js';
import type { Hooks } from '../models/hooks.js';
import { sampleToken, validateSampling, type SamplingOptions } from './sampler.js';

export interface GenerateOptions extends SamplingOptions {
  maxTokens?: number;
  seed?: number;
  eosTokenIds?: readonly number[];
  /** Stop when the decoded continuation contains one of these (the stop string is cut off). */
  stop?: readonly string[];
  /** Needed for stop strings and text output. */
  decode?: (ids: number[]) => string;
  hooks?: Hooks | null;
  /** Token used to left-pad shorter prompts (masked out, never attended to). */
  padTokenId?: number;
  /** Called for every generated token of every row. */
  onToken?: (row: number, id: number) => void;
}

export type FinishReason = 'eos' | 'stop' | 'length';

export interface GenerateResult {
  /** Generated ids only (the prompt is not repeated; EOS is not included). */
  tokens: number[];
  text: string | null;
  finishReason: FinishReason;
}

export function generate(model: DecoderModel, prompts: readonly (readonly number[])[], opts: GenerateOptions = {}): GenerateResult[] {
  const steps = generateSteps(model, prompts, opts);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * The same generation one decoding step at a time: the generator yields after every forward
 * pass (prefill, then each decoded token) and returns the results. A caller that awaits between
 * steps (the server) keeps its event loop running, can stream, and can stop early by not
 * resuming. Arguments are validated on the first `next()`.
 */
export function* generateSteps(model: DecoderModel, prompts: readonly (readonly number[])[], opts: GenerateOptions = {}): Generator<void, GenerateResult[], void> {
  validateSampling(opts);
  if (prompts.length === 0) return [];
  for (const [i, p] of prompts.entries()) if (p.length === 0) throw new Error(`generate: prompt ${i} is empty (start from a BOS token)`);
  const maxTokens = opts.maxTokens ?? 64;
  if (!(Number.isInteger(maxTokens) && maxTokens >= 0)) throw new Error(`max tokens must be a non-negative integer, got ${maxTokens}`);
  if (opts.stop?.length && !opts.decode) throw new Error('generate: stop strings need a decode function (a tokenizer)');
  const B = prompts.length;
  const maxLen = Math.max(...prompts.map((p) => p.length));
  const limit = Math.min(maxTokens, model.arch.maxPositions - maxLen);
  const padding = Int32Array.from(prompts, (p) => maxLen - p.length);
  const ids = new Int32Array(B * maxLen).fill(opts.padTokenId ?? 0);
  prompts.forEach((p, b) => ids.set(p, b * maxLen + padding[b]!));
  const rng = new Rng(opts.seed ?? 0);
  const eos = new Set(opts.eosTokenIds ?? []);
  const results: GenerateResult[] = prompts.map(() => ({ tokens: [], text: null, finishReason: 'length' as FinishReason }));
  const done = new Array<boolean>(B).fill(false);
  const cache = model.newCache(B, maxLen + Math.max(1, limit));
  const hasPad = padding.some((p) => p > 0);

  let input = fromStorage(ids, [B, maxLen], 'i32');
  for (let step = 0; step < limit; step++) {
    const next = noGrad(() =>
      tidy(() => {
        const logits = model.forward(input, {
          cache,
          hooks: opts.hooks ?? null,
          padding: hasPad ? padding : null,
          phase: step === 0 ? 'prefill' : 'decode',
          promptLength: maxLen,
          lastOnly: true,
        });
        const V = logits.shape[2]!;
        const lf = logits.f;
        return Array.from({ length: B }, (_, b) => (done[b] ? (opts.padTokenId ?? 0) : sampleToken(lf.subarray(b * V, (b + 1) * V), opts, rng, opts.repetitionPenalty ? [...prompts[b]!, ...results[b]!.tokens] : undefined)));
      }),
    );
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;
      const id = next[b]!;
      if (eos.has(id)) {
        done[b] = true;
        results[b]!.finishReason = 'eos';
        continue;
      }
      results[b]!.tokens.push(id);
      opts.onToken?.(b, id);
      if (opts.stop?.length) {
        const text = opts.decode!(results[b]!.tokens);
        if (opts.stop.some((s) => text.includes(s))) {
          done[b] = true;
          results[b]!.finishReason = 'stop';
        }
      }
    }
    if (done.every(Boolean)) break;
    input = fromStorage(Int32Array.from(next), [B, 1], 'i32');
    yield;
  }
  if (opts.decode) {
    for (const r of results) {
      let text = opts.decode(r.tokens);
      if (r.finishReason === 'stop') {
        const cut = Math.min(...opts.stop!.map((s) => text.indexOf(s)).filter((i) => i >= 0));
        text = text.slice(0, cut);
      }
      r.text = text;
    }
  }
  return results;
}
