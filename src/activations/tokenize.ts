// Turning concept examples into token ids with the range of completion tokens to read.
import type { Tokenizer } from '../tokenizer/index.js';
import type { ConceptExample } from '../data/concept-data.js';
import type { TokenizedExample } from './collect.js';

export interface TokenizeOptions {
  /** Render the prompt as a user turn with the chat template (the completion is the reply). */
  chat?: boolean;
  system?: string;
}

/** Prompt ids as the model sees them before the completion (chat template or plain text with BOS). */
export function promptIds(tok: Tokenizer, prompt: string, opts: TokenizeOptions = {}): number[] {
  if (opts.chat) {
    const messages = [...(opts.system ? [{ role: 'system', content: opts.system }] : []), { role: 'user', content: prompt }];
    return tok.applyChatTemplate(messages, { addGenerationPrompt: true }).ids;
  }
  return tok.encode(prompt, { addSpecialTokens: true });
}

export function tokenizeExample(tok: Tokenizer, e: ConceptExample, opts: TokenizeOptions = {}): TokenizedExample {
  let ids: number[];
  let start: number;
  if (opts.chat) {
    const p = promptIds(tok, e.prompt, opts);
    ids = [...p, ...tok.encode(e.completion, { addSpecialTokens: false })];
    start = p.length;
  } else {
    // Tokenize the whole text at once (merges may cross the boundary), then find where the prompt ends.
    ids = tok.encode(e.prompt + e.completion, { addSpecialTokens: true });
    const p = e.prompt ? tok.encode(e.prompt, { addSpecialTokens: true }) : tok.encode('', { addSpecialTokens: true });
    start = 0;
    while (start < p.length && start < ids.length && p[start] === ids[start]) start++;
  }
  if (start >= ids.length) start = Math.max(0, ids.length - 1);
  if (ids.length === 0) throw new Error(`example "${e.prompt}${e.completion}" tokenizes to nothing`);
  return { ids, start, end: ids.length };
}

export function tokenizeExamples(tok: Tokenizer, examples: readonly ConceptExample[], opts: TokenizeOptions = {}): TokenizedExample[] {
  return examples.map((e) => tokenizeExample(tok, e, opts));
}

/**
 * Refuses an example longer than the model's context before any work starts, naming its record
 * (`file:line`) — methods would otherwise fail later, or silently read a truncated example.
 */
export function checkContextFits(tok: Tokenizer, examples: readonly ConceptExample[], maxPositions: number, opts: TokenizeOptions = {}): void {
  examples.forEach((e, i) => {
    const n = tokenizeExample(tok, e, opts).ids.length;
    if (n > maxPositions) throw new Error(`${e.source ?? `example ${i + 1}`}: ${n} tokens${opts.chat ? ' with the chat template' : ''}, more than the model's context (${maxPositions}); shorten it`);
  });
}
