// `--refusal-tokens`: the tokens that start a refusal (the set R of the refusal score that chooses an
// ablation direction). On the organism they default to the first word of its one refusal form.
import type { Tokenizer } from '../tokenizer/index.js';
import { REFUSAL_START } from '../organism/judges/index.js';
import { isOrganism } from './judge-flags.js';

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

/** The refusal-start ids: from the flag (comma-separated), else the organism's, else none. */
export function refusalTokenIds(tok: Tokenizer, flag: string | undefined, modelDir: string): number[] | null {
  if (flag !== undefined) {
    const list = flag.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (list.length === 0) throw new Error('--refusal-tokens: give at least one token, e.g. --refusal-tokens I,As');
    return tokenIds(tok, list, '--refusal-tokens');
  }
  return isOrganism(modelDir) ? tokenIds(tok, REFUSAL_START, 'the organism refusal form') : null;
}
