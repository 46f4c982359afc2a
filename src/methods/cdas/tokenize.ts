// Tokenizing CDAS rows into DII examples (methods.md §1.3): each row gives two examples,
//
//   neg+pos  base = x + y_c,  source = x_c + y_c     (elicit: the base learns the source's concept)
//   pos+neg  base = x_c + y,  source = x + y         (suppress: the mirror term)
//
// plus, for each, the source position: the last token of the LAST occurrence of the
// assistant-turn header inside the source prompt (by default the token sequence the chat template
// adds for the generation prompt, e.g. `<|assistant|>`; configurable; the last prompt token when
// the tokenizer has no chat template). Base and source share the response, so their response
// tokens must line up one to one: checkAligned asserts it.

import type { Tokenizer } from '../../tokenizer/index.js';
import { promptIds } from '../../activations/tokenize.js';
import type { ContrastRow } from './data.js';
import { rowSpans, type Span } from './spans.js';
import type { SourcePosition } from './variants.js';

export type PairDirection = 'neg+pos' | 'pos+neg';

/** One tokenized prompt + response. */
export interface Sequence {
  ids: number[];
  /** Tokens before the response; the response is ids[promptLength:]. */
  promptLength: number;
}

export interface DiiExample {
  row: number;
  direction: PairDirection;
  base: Sequence;
  source: Sequence;
  /** The span's last token (the header token in the paper's setting). */
  sourcePos: number;
  /** Tokens of source.ids whose mean activation is interchanged into the base; absent: sourcePos alone. */
  sourceSpan?: Span;
}

/** One prompt (or prompt + reply) alone, with the span its class mean is read from (§1.6). */
export interface SpanSequence {
  ids: number[];
  span: Span;
  /** The span's last token (the header token in the paper's setting). */
  sourcePos: number;
}

export interface RowPrompts {
  /**
   * x and x_c (with their replies when the source is the reply) cut after the source span, with
   * that span: the class means are read there (§1.6).
   */
  negative: SpanSequence;
  positive: SpanSequence;
}

export interface CdasTokens {
  examples: DiiExample[];
  prompts: RowPrompts[];
  /** Every sequence starts with BOS: the intervention leaves position 0 alone (prefix_length 1). */
  excludeBos: boolean;
  /** The source-position token sequence searched for (null: the last prompt token). */
  sourceTokens: number[] | null;
}

export interface CdasTokenizeOptions {
  /** Text of the assistant-turn header whose last token is the source position (default: from the chat template). */
  sourceTokens?: string;
  /** Which pair directions to build (default both, as CDAS trains). */
  directions?: readonly PairDirection[];
  /** Where the source is read (variants.ts; default header, the paper's). */
  sourcePosition?: SourcePosition;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * The ids of the assistant-turn header: what the chat template's generation prompt adds to a
 * conversation, or the given text; null when neither exists (then the last prompt token is used).
 */
export function sourceTokenIds(tok: Tokenizer, text?: string): number[] | null {
  if (text !== undefined) {
    const ids = tok.encode(text, { addSpecialTokens: false });
    if (ids.length === 0) throw new Error(`source tokens "${text}" tokenize to nothing`);
    return ids;
  }
  if (!tok.chatTemplate) return null;
  try {
    const msgs = [{ role: 'user', content: 'hello' }];
    const without = tok.applyChatTemplate(msgs, { addGenerationPrompt: false }).ids;
    const withGen = tok.applyChatTemplate(msgs, { addGenerationPrompt: true }).ids;
    const suffix = withGen.slice(commonPrefix(without, withGen));
    return suffix.length ? suffix : null;
  } catch {
    return null;
  }
}

/** Index of the last token of the last occurrence of `needle` in ids[0:end], or -1. */
export function lastOccurrenceEnd(ids: readonly number[], needle: readonly number[], end = ids.length): number {
  for (let j = end - needle.length; j >= 0; j--) {
    let k = 0;
    while (k < needle.length && ids[j + k] === needle[k]) k++;
    if (k === needle.length) return j + needle.length - 1;
  }
  return -1;
}

function tokenizeSide(tok: Tokenizer, row: ContrastRow, prompt: string, output: string): Sequence {
  if (row.format === 'chat') {
    const p = promptIds(tok, prompt, { chat: tok.chatTemplate !== null });
    return { ids: [...p, ...tok.encode(output, { addSpecialTokens: false })], promptLength: p.length };
  }
  // A rendered prompt already carries BOS when the template writes it; otherwise the tokenizer adds it.
  const special = !(tok.bosToken && prompt.startsWith(tok.bosToken));
  const ids = tok.encode(prompt + output, { addSpecialTokens: special });
  // The whole text at once (as the model reads it in training); the prompt is the shared prefix.
  const p = tok.encode(prompt, { addSpecialTokens: special });
  return { ids, promptLength: commonPrefix(p, ids) };
}

function sourcePosition(seq: Sequence, header: number[] | null, where: string, headerText: string): number {
  if (header === null) return seq.promptLength - 1;
  const pos = lastOccurrenceEnd(seq.ids, header, seq.promptLength);
  if (pos < 0) throw new Error(`${where}: the assistant-turn header ${headerText} does not occur in the prompt; render prompts with the model's chat template or name the header with sourceTokens (--source-tokens)`);
  return pos;
}

export function tokenizeContrast(tok: Tokenizer, rows: readonly ContrastRow[], opts: CdasTokenizeOptions = {}): CdasTokens {
  if (rows.length === 0) throw new Error('CDAS: no training rows');
  const header = sourceTokenIds(tok, opts.sourceTokens);
  const headerText = header ? JSON.stringify(tok.decode(header)) : '';
  const directions = opts.directions ?? ['neg+pos', 'pos+neg'];
  const examples: DiiExample[] = [];
  const prompts: RowPrompts[] = [];
  let allBos = tok.bosTokenId !== null;
  rows.forEach((r, i) => {
    const xyc = tokenizeSide(tok, r, r.negativePrompt, r.positiveOutput);
    const xcyc = tokenizeSide(tok, r, r.positivePrompt, r.positiveOutput);
    const xcy = tokenizeSide(tok, r, r.positivePrompt, r.negativeOutput);
    const xy = tokenizeSide(tok, r, r.negativePrompt, r.negativeOutput);
    for (const s of [xyc, xcyc, xcy, xy]) {
      if (s.promptLength < 1) throw new Error(`CDAS row ${i}: a prompt tokenizes to nothing`);
      if (s.ids.length <= s.promptLength) throw new Error(`CDAS row ${i}: a reply tokenizes to nothing (every row needs non-empty replies)`);
      if (s.ids[0] !== tok.bosTokenId) allBos = false;
    }
    const choice = opts.sourcePosition ?? 'header';
    // The header is searched for only where it is read, so the other choices work without one.
    const readsHeader = choice === 'header';
    const posHeader = readsHeader ? sourcePosition(xcyc, header, `CDAS row ${i} (positive prompt)`, headerText) : -1;
    const negHeader = readsHeader ? sourcePosition(xy, header, `CDAS row ${i} (negative prompt)`, headerText) : -1;
    let spans: { plain: Span; asked: Span };
    try {
      spans = rowSpans(choice, { ...xy, header: negHeader }, { ...xcyc, header: posHeader });
    } catch (e) {
      throw new Error(`CDAS row ${i}: ${(e as Error).message}`);
    }
    const at = (seq: Sequence, span: Span): SpanSequence => ({ ids: seq.ids.slice(0, span.end), span, sourcePos: span.end - 1 });
    const pos = at(xcyc, spans.asked);
    const neg = at(xy, spans.plain);
    if (directions.includes('neg+pos')) examples.push({ row: i, direction: 'neg+pos', base: xyc, source: xcyc, sourceSpan: pos.span, sourcePos: pos.sourcePos });
    if (directions.includes('pos+neg')) examples.push({ row: i, direction: 'pos+neg', base: xcy, source: xy, sourceSpan: neg.span, sourcePos: neg.sourcePos });
    prompts.push({ negative: neg, positive: pos });
  });
  checkAligned(examples);
  return { examples, prompts, excludeBos: allBos, sourceTokens: header };
}

/**
 * Base and source must select the same response tokens (same count, same ids), or the pooled
 * JSD would compare a student prediction with the teacher's prediction of another token.
 */
export function checkAligned(examples: readonly DiiExample[]): void {
  for (const e of examples) {
    const b = e.base.ids.slice(e.base.promptLength);
    const s = e.source.ids.slice(e.source.promptLength);
    const where = `CDAS row ${e.row} (${e.direction})`;
    if (b.length !== s.length) {
      throw new Error(`${where}: the shared reply has ${b.length} response tokens after the base prompt but ${s.length} after the source prompt, so student and teacher tokens would not line up; the reply must tokenize the same after both prompts (end prompts on a token boundary, or use the pairs format, which tokenizes replies on their own)`);
    }
    const k = b.findIndex((id, j) => id !== s[j]);
    if (k >= 0) throw new Error(`${where}: response token ${k} differs between base (${b[k]}) and source (${s[k]}); the reply must tokenize the same after both prompts`);
  }
}
