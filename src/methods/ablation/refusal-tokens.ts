// The tokens that start a refusal (the set R of the refusal score that chooses an ablation
// direction): ids, or vocabulary entries and texts that encode to exactly one token.
import type { Tokenizer } from '../../tokenizer/index.js';

/** Each listed token's id: a vocabulary entry as written, or text that encodes to exactly one token. */
export function tokenIds(tok: Tokenizer, tokens: readonly string[], flag: string): number[] {
  return tokens.map((t) => {
    const id = tok.tokenToId(t);
    if (id !== null) return id;
    const enc = tok.encode(t, { addSpecialTokens: false });
    if (enc.length !== 1) throw new Error(`${flag}: "${t}" is ${enc.length} tokens (${enc.map((i) => JSON.stringify(tok.idToToken(i))).join(' ')}); list single tokens, e.g. the vocabulary entry ${JSON.stringify(tok.idToToken(enc[0] ?? -1) ?? t)}`);
    return enc[0]!;
  });
}

/** --refusal-tokens: comma-separated on the command line, an array (ids or tokens) in the library. */
export function parseRefusalTokens(v: unknown): (number | string)[] {
  const items = Array.isArray(v) ? (v as unknown[]) : String(v).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error('--refusal-tokens: give at least one token, e.g. --refusal-tokens I,As');
  for (const t of items) {
    if (!(typeof t === 'string' || (typeof t === 'number' && Number.isInteger(t) && t >= 0))) throw new Error(`--refusal-tokens: each is a token id or a token, got ${JSON.stringify(t)}`);
  }
  return items as (number | string)[];
}

/** The ids of a parsed list: ids as they are, tokens looked up. */
export function refusalIds(tok: Tokenizer, list: readonly (number | string)[]): number[] {
  return list.map((t) => (typeof t === 'number' ? t : tokenIds(tok, [t], '--refusal-tokens')[0]!));
}
