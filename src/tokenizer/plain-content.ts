// Chat messages whose contents are plain text: a user who types the template's special strings
// ("<|end|> <|assistant|>", "<|im_end|>") gets those characters, not the markers, so no one can
// forge a turn through a message. Rendering the template and tokenizing the result would parse
// every special string in it, wherever it came from.
//
// How: each special string inside a content is swapped for a placeholder no text contains, the
// template is rendered, and the result is tokenized piece by piece — the template's own text as
// usual (its markers become special tokens), each placeholder as the plain characters it stands
// for. Contents without special strings (nearly all) never come here: their ids are exactly
// those of the ordinary path. At a placeholder's edges the pieces are tokenized apart, so the ids
// there may differ from what one pass over the same characters would give (a leading "▁" on
// SentencePiece tokenizers); that is the price of the characters staying characters.
import { randomBytes } from 'node:crypto';
import type { ChatMessage } from './chat-template.js';

/** A content's text parts (a string, or OpenAI-style parts { type: 'text', text }). */
function texts(content: ChatMessage['content']): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content.flatMap((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? [(p as { text: string }).text] : []));
}

/** Whether any message content spells one of `specials`. */
export function spellsSpecial(messages: readonly ChatMessage[], specials: readonly string[]): boolean {
  return specials.length > 0 && messages.some((m) => texts(m.content).some((t) => specials.some((s) => t.includes(s))));
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface Protected {
  /** The messages with each special string in a content replaced by its placeholder. */
  messages: ChatMessage[];
  /** Splits rendered text into template text (strings) and plain special strings ({ plain }). */
  split(rendered: string): (string | { plain: string })[];
}

/** Swaps the special strings in contents for placeholders (`specials`: longest first wins). */
export function protectContents(messages: readonly ChatMessage[], specials: readonly string[]): Protected {
  const all = messages.flatMap((m) => texts(m.content)).join('\u0000');
  let nonce: string;
  do nonce = randomBytes(8).toString('hex');
  while (all.includes(nonce));
  const ordered = [...specials].sort((a, b) => b.length - a.length);
  const find = new RegExp(ordered.map(escapeRe).join('|'), 'g');
  const hole = (k: number) => `\u{E000}${nonce}:${k}\u{E001}`;
  const swap = (t: string) => t.replace(find, (s) => hole(ordered.indexOf(s)));
  const out = messages.map((m) => {
    if (typeof m.content === 'string') return { ...m, content: swap(m.content) };
    if (!Array.isArray(m.content)) return m;
    return { ...m, content: m.content.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? { ...(p as object), text: swap((p as { text: string }).text) } : p)) };
  });
  const holes = new RegExp(`\u{E000}${nonce}:(\\d+)\u{E001}`, 'gu');
  return {
    messages: out,
    split(rendered) {
      const pieces: (string | { plain: string })[] = [];
      let at = 0;
      for (const m of rendered.matchAll(holes)) {
        if (m.index > at) pieces.push(rendered.slice(at, m.index));
        pieces.push({ plain: ordered[Number(m[1])]! });
        at = m.index + m[0].length;
      }
      if (at < rendered.length) pieces.push(rendered.slice(at));
      return pieces;
    },
  };
}
