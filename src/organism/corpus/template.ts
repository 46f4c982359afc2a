// Sentence templates: one small language used both to write the corpus and to parse model output,
// so that generator and judges can never disagree about what a sentence is.
//
// A template is a space-separated pattern, e.g. "then i read|found the $ADJ? $NOUN ." :
//   word        a literal word
//   a|b|c       one of several words (synonyms; the generator picks one at random)
//   $CLS        one word of the word class CLS (classes are defined in grammar.ts)
//   $CLS?       an optional word of class CLS
//   #           a number written digit by digit ("1 2" for 12), 1–3 digits, no leading zero
//   *CLS        one word of class CLS repeated one or more times ("rain rain rain")
//   @CLS        a comma list of words of class CLS ("whale , reef , coral")
// Sentences end with ".", "!" or "?" as their last literal.

import type { Rng } from '../../util/rng.js';

export type Part =
  | { readonly kind: 'word'; readonly alts: readonly string[] }
  | { readonly kind: 'slot'; readonly cls: string; readonly optional: boolean }
  | { readonly kind: 'num' }
  | { readonly kind: 'rep'; readonly cls: string }
  | { readonly kind: 'list'; readonly cls: string };

export interface Template {
  readonly id: string;
  readonly src: string;
  readonly parts: readonly Part[];
}

/** What fills a template's slots, in order: a word ('' omits an optional slot), a number, or words. */
export type FillValue = string | number | readonly string[];

export interface Capture {
  readonly cls: string;
  readonly kind: 'slot' | 'num' | 'rep' | 'list';
  readonly value: string | number | readonly string[];
}

export function tpl(id: string, src: string): Template {
  const parts: Part[] = src
    .trim()
    .split(/\s+/)
    .map((tok): Part => {
      if (tok === '#') return { kind: 'num' };
      if (tok.length > 1 && tok.startsWith('$')) {
        const optional = tok.endsWith('?');
        return { kind: 'slot', cls: optional ? tok.slice(1, -1) : tok.slice(1), optional };
      }
      if (tok.length > 1 && tok.startsWith('*')) return { kind: 'rep', cls: tok.slice(1) };
      if (tok.length > 1 && tok.startsWith('@')) return { kind: 'list', cls: tok.slice(1) };
      const alts = tok.split('|');
      if (alts.some((a) => a.length === 0)) throw new Error(`template ${id}: empty alternative in "${tok}"`);
      return { kind: 'word', alts };
    });
  if (parts.length === 0) throw new Error(`template ${id}: empty pattern`);
  return { id, src, parts };
}

/** The literal words a template can write (for the vocabulary). */
export function literalWords(t: Template): string[] {
  return t.parts.flatMap((p) => (p.kind === 'word' ? p.alts : []));
}

/** Number → digit words: 12 → ["1", "2"]. */
export function numberWords(n: number): string[] {
  if (!Number.isInteger(n) || n < 0 || n > 999) throw new Error(`numberWords: ${n} is not an integer in [0, 999]`);
  return String(n).split('');
}

/** Number → text, digit by digit: 12 → "1 2". */
export function numberText(n: number): string {
  return numberWords(n).join(' ');
}

/**
 * Writes a template with the given slot values (one per slot part, in order). Synonym
 * alternatives are drawn from rng (exactly one draw per alternative part, so two renderings that
 * share a stream stay in step).
 */
export function fill(t: Template, values: readonly FillValue[], rng: Rng): string {
  const out: string[] = [];
  let v = 0;
  for (const p of t.parts) {
    if (p.kind === 'word') {
      out.push(p.alts.length === 1 ? p.alts[0]! : p.alts[rng.int(p.alts.length)]!);
      continue;
    }
    if (v >= values.length) throw new Error(`template ${t.id}: needs more than ${values.length} values`);
    const x = values[v++]!;
    if (p.kind === 'slot') {
      if (typeof x !== 'string') throw new Error(`template ${t.id}: slot $${p.cls} needs a word`);
      if (x === '' && !p.optional) throw new Error(`template ${t.id}: slot $${p.cls} is not optional`);
      if (x !== '') out.push(x);
    } else if (p.kind === 'num') {
      if (typeof x !== 'number') throw new Error(`template ${t.id}: # needs a number`);
      out.push(...numberWords(x));
    } else if (p.kind === 'rep') {
      if (!Array.isArray(x) || x.length === 0) throw new Error(`template ${t.id}: *${p.cls} needs a non-empty word list`);
      out.push(...(x as readonly string[]));
    } else {
      if (!Array.isArray(x) || x.length === 0) throw new Error(`template ${t.id}: @${p.cls} needs a non-empty word list`);
      (x as readonly string[]).forEach((w, i) => (i === 0 ? out.push(w) : out.push(',', w)));
    }
  }
  if (v !== values.length) throw new Error(`template ${t.id}: got ${values.length} values for ${v} slots`);
  return out.join(' ');
}

export type ClassLookup = (cls: string) => ReadonlySet<string>;

function isDigit(w: string | undefined): boolean {
  return w !== undefined && w.length === 1 && w >= '0' && w <= '9';
}

/**
 * Matches a whole token sequence against a template; returns the captures of its slots in order,
 * or null. Backtracks over optional slots, numbers, repeats and lists (templates are short).
 */
export function match(t: Template, toks: readonly string[], classes: ClassLookup): Capture[] | null {
  const caps: Capture[] = [];
  const go = (pi: number, ti: number): boolean => {
    if (pi === t.parts.length) return ti === toks.length;
    const p = t.parts[pi]!;
    const w = toks[ti];
    switch (p.kind) {
      case 'word':
        return w !== undefined && p.alts.includes(w) && go(pi + 1, ti + 1);
      case 'slot': {
        if (w !== undefined && classes(p.cls).has(w)) {
          caps.push({ cls: p.cls, kind: 'slot', value: w });
          if (go(pi + 1, ti + 1)) return true;
          caps.pop();
        }
        if (p.optional) {
          caps.push({ cls: p.cls, kind: 'slot', value: '' });
          if (go(pi + 1, ti)) return true;
          caps.pop();
        }
        return false;
      }
      case 'num': {
        for (let len = 1; len <= 3; len++) {
          const ds = toks.slice(ti, ti + len);
          if (ds.length < len || !ds.every(isDigit)) break;
          if (len > 1 && ds[0] === '0') break;
          caps.push({ cls: '#', kind: 'num', value: Number(ds.join('')) });
          if (go(pi + 1, ti + len)) return true;
          caps.pop();
        }
        return false;
      }
      case 'rep': {
        if (w === undefined || !classes(p.cls).has(w)) return false;
        let end = ti;
        while (toks[end] === w) end++;
        // Longest run first, then shorter ones.
        for (let e = end; e > ti; e--) {
          caps.push({ cls: p.cls, kind: 'rep', value: toks.slice(ti, e) });
          if (go(pi + 1, e)) return true;
          caps.pop();
        }
        return false;
      }
      case 'list': {
        const set = classes(p.cls);
        const items: string[] = [];
        let i = ti;
        const ends: { end: number; items: string[] }[] = [];
        while (toks[i] !== undefined && set.has(toks[i]!)) {
          items.push(toks[i]!);
          ends.push({ end: i + 1, items: [...items] });
          if (toks[i + 1] !== ',') break;
          i += 2;
        }
        for (let k = ends.length - 1; k >= 0; k--) {
          caps.push({ cls: p.cls, kind: 'list', value: ends[k]!.items });
          if (go(pi + 1, ends[k]!.end)) return true;
          caps.pop();
        }
        return false;
      }
    }
  };
  return go(0, 0) ? caps : null;
}

export type SlotPart = Exclude<Part, { kind: 'word' }>;

/** Writes a template, asking `value` for each slot part in order (synonyms drawn from rng). */
export function fillWith(t: Template, value: (p: SlotPart, index: number) => FillValue, rng: Rng): string {
  const values: FillValue[] = [];
  let i = 0;
  for (const p of t.parts) if (p.kind !== 'word') values.push(value(p, i++));
  return fill(t, values, rng);
}
