// From text pairs to token sequences: prompts rendered (chat template or plain text with BOS), the
// reply both runs are fed (given, or the base model's own greedy reply), and the alignment.
import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { generate } from '../generate/generate.js';
import { alignPair, type PairAlignment } from './align.js';
import type { TracePair } from './pairs.js';

export interface PrepareOptions {
  /** Render prompts as a user turn with the chat template. */
  chat: boolean;
  system?: string;
  /** Reply length cap in tokens (given replies are cut to it too). */
  replyTokens: number;
  /** Ids that end a generated reply. */
  eosTokenIds: readonly number[];
  /** Reply tokens traced one by one (default all; the rest only as part of reply[all]). */
  replyRows?: number;
  /** Longest concept word in tokens: its branches extend past the reply. */
  maxWordTokens: number;
}

/** A pair as token ids: each run is its prompt then the reply's first R−1 tokens (teacher forcing). */
export interface PreparedPair {
  pair: TracePair;
  sourceIds: number[];
  baseIds: number[];
  sourcePromptLength: number;
  basePromptLength: number;
  /** The R reply tokens; the measure is scored at the R positions that predict them. */
  reply: number[];
  /** The reply's text (the generated one when the pair gave none). */
  replyText: string;
  alignment: PairAlignment;
}

function promptIds(tok: Tokenizer, text: string, opts: PrepareOptions): number[] {
  if (opts.chat) {
    const messages = [...(opts.system ? [{ role: 'system', content: opts.system }] : []), { role: 'user', content: text }];
    return tok.applyChatTemplate(messages, { addGenerationPrompt: true }).ids;
  }
  return tok.encode(text, { addSpecialTokens: true });
}

function alignOrThrow(i: number, s: number[], b: number[], input: number[], replyRows: number | undefined): PairAlignment {
  try {
    return alignPair(s, b, input, { replyRows });
  } catch (e) {
    throw new Error(`pair ${i + 1}: ${(e as Error).message}`);
  }
}

/** Tokenizes the pairs, generates the missing replies (greedy, in one batch) and aligns each pair. */
export function preparePairs(model: DecoderModel, tok: Tokenizer, pairs: readonly TracePair[], opts: PrepareOptions): PreparedPair[] {
  if (pairs.length === 0) throw new Error('no trace pairs');
  if (!(Number.isInteger(opts.replyTokens) && opts.replyTokens >= 1)) throw new Error(`the reply length must be a positive integer, got ${opts.replyTokens}`);
  const ctx = model.arch.maxPositions;
  const prompts = pairs.map((p, i) => {
    const s = promptIds(tok, p.source, opts);
    const b = promptIds(tok, p.base, opts);
    for (const [name, ids] of [['source', s], ['base', b]] as const) {
      if (ids.length === 0) throw new Error(`pair ${i + 1}: the ${name} prompt tokenizes to nothing`);
      if (ids.length >= ctx) throw new Error(`pair ${i + 1}: the ${name} prompt is ${ids.length} tokens, the model's context is ${ctx}`);
    }
    return { s, b };
  });
  const missing = pairs.map((p, i) => (p.reply === undefined ? i : -1)).filter((i) => i >= 0);
  const generated = new Map<number, number[]>();
  if (missing.length) {
    const out = generate(model, missing.map((i) => prompts[i]!.b), { maxTokens: opts.replyTokens, temperature: 0, eosTokenIds: opts.eosTokenIds });
    missing.forEach((i, k) => generated.set(i, out[k]!.tokens));
  }
  return pairs.map((pair, i) => {
    const { s, b } = prompts[i]!;
    const reply = (pair.reply !== undefined ? tok.encode(pair.reply, { addSpecialTokens: false }) : generated.get(i)!).slice(0, opts.replyTokens);
    if (reply.length === 0) throw new Error(`pair ${i + 1}: the reply is empty (the base model ends its reply at once; give a "reply")`);
    const need = Math.max(s.length, b.length) + reply.length - 1 + opts.maxWordTokens - 1;
    if (need > ctx) throw new Error(`pair ${i + 1}: prompt and reply need ${need} positions, more than the model's context (${ctx}); shorten them or lower --reply-tokens`);
    const input = reply.slice(0, -1);
    return {
      pair,
      sourceIds: [...s, ...input],
      baseIds: [...b, ...input],
      sourcePromptLength: s.length,
      basePromptLength: b.length,
      reply,
      replyText: tok.decode(reply, { skipSpecialTokens: true }),
      alignment: alignOrThrow(i, s, b, input, opts.replyRows),
    };
  });
}
