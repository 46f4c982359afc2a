// Batched chat replies for evaluation: render user prompts with the model's chat template,
// generate in batches (greedy unless a temperature is given), decode without special tokens.
import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { Hooks } from '../models/hooks.js';
import { generate } from './generate.js';

export interface ReplyOptions {
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  batchSize?: number;
  eosTokenIds: readonly number[];
  hooks?: Hooks | null;
  system?: string;
  onProgress?: (done: number, total: number) => void;
}

export function chatReplies(model: DecoderModel, tok: Tokenizer, prompts: readonly string[], o: ReplyOptions): string[] {
  const bs = o.batchSize ?? 16;
  const out: string[] = [];
  for (let i = 0; i < prompts.length; i += bs) {
    const batch = prompts.slice(i, i + bs).map((p) => tok.applyChatTemplate([...(o.system ? [{ role: 'system', content: o.system }] : []), { role: 'user', content: p }], { addGenerationPrompt: true }).ids);
    const res = generate(model, batch, {
      maxTokens: o.maxTokens ?? 48,
      temperature: o.temperature ?? 0,
      seed: (o.seed ?? 0) + i,
      eosTokenIds: o.eosTokenIds,
      padTokenId: tok.padTokenId ?? 0,
      hooks: o.hooks ?? null,
    });
    for (const r of res) out.push(tok.decode(r.tokens, { skipSpecialTokens: true }).trim());
    o.onProgress?.(Math.min(i + bs, prompts.length), prompts.length);
  }
  return out;
}
