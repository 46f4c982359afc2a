// The token spans a CDAS source is read from (variants.ts): the header token (the paper), the
// instruction's concept clause, or the reply. A span is [start, end) in one tokenized sequence; the
// source activation is the mean over it (one token: that token's activation exactly).

import type { SourcePosition } from './variants.js';

export interface Span {
  start: number;
  end: number;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * The concept clause of a pair of prompts (ours, issue 19): the tokens between their longest common
 * prefix and longest common suffix. The organism's eliciting prompt is the plain one with a clause
 * inserted before the end of the user turn ("write a tiny story" → "write a tiny story and include
 * something about ocean"), so the asked prompt's span is exactly that clause. The plain prompt's
 * span is then empty; it reads the last shared token before the clause instead (the word the
 * clause would follow), so the mirror direction still has a source of the same role.
 */
export function clauseSpans(plain: readonly number[], asked: readonly number[]): { plain: Span; asked: Span } {
  const a = commonPrefix(plain, asked);
  let c = 0;
  const room = Math.min(plain.length, asked.length) - a;
  while (c < room && plain[plain.length - 1 - c] === asked[asked.length - 1 - c]) c++;
  if (a === plain.length && a === asked.length) throw new Error('the concept-eliciting prompt tokenizes exactly as the plain one: there is no clause to read');
  const span = (len: number): Span => (a < len - c ? { start: a, end: len - c } : { start: Math.max(0, a - 1), end: Math.max(1, a) });
  return { plain: span(plain.length), asked: span(asked.length) };
}

/** The span of a whole reply: every token after the prompt. */
export function replySpan(ids: readonly number[], promptLength: number): Span {
  return { start: promptLength, end: ids.length };
}

/**
 * The source span of each side of a row for one source-position choice. `header` gives the
 * header positions already found (the paper's), the others are computed from the token ids.
 */
export function rowSpans(
  choice: SourcePosition,
  plain: { ids: readonly number[]; promptLength: number; header: number },
  asked: { ids: readonly number[]; promptLength: number; header: number },
): { plain: Span; asked: Span } {
  if (choice === 'header') return { plain: { start: plain.header, end: plain.header + 1 }, asked: { start: asked.header, end: asked.header + 1 } };
  if (choice === 'reply') return { plain: replySpan(plain.ids, plain.promptLength), asked: replySpan(asked.ids, asked.promptLength) };
  return clauseSpans(plain.ids.slice(0, plain.promptLength), asked.ids.slice(0, asked.promptLength));
}
