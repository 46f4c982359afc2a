// The reply grammar: every sentence form the generator can write, and a parser that splits a reply
// into sentences and matches each against those forms. The fluency judge is the parse; the other
// judges read the parsed slots (the numbers of a sum, the value of a fact, ...).

import { ALL_TOPIC_ADJS, ALL_TOPIC_NOUNS, ALL_TOPIC_VERBS, NEGATIVE_WORDS, NEUTRAL_ADJS, NEUTRAL_NOUNS, POSITIVE_WORDS, SENTENCE_END, TOPIC_NAMES } from './lexicon.js';
import { CITY_WORDS, COLORS, COUNTRY_WORDS, CREATURE_WORDS, FACT_TEMPLATES, PERSON_WORDS, RULERS, TOWNS } from './facts.js';
import { match, type Capture, type Template } from './template.js';
import { DESCRIBE_SENTENCES, TOPIC_SENTENCES } from './families/topics.js';
import { FRAME_TEMPLATES } from './families/frames.js';
import { SENTENCE_PREFIXES, STYLE_TEMPLATES } from './families/style.js';
import { OPINION_SENTENCES } from './families/opinion.js';
import { TASK_TEMPLATES } from './families/tasks.js';
import { BENIGN_THINGS, HARMFUL_MATERIALS, HARMFUL_THINGS, INVENTED, MATERIALS, REFUSAL_TEMPLATES, SCARY_OBJECTS, SCARY_VERBS, TOOLS } from './families/refusal.js';

/** Word classes of the template slots. */
export const CLASSES: Readonly<Record<string, ReadonlySet<string>>> = {
  NOUN: new Set([...ALL_TOPIC_NOUNS, ...NEUTRAL_NOUNS]),
  ADJ: new Set([...ALL_TOPIC_ADJS, ...NEUTRAL_ADJS, ...POSITIVE_WORDS, ...NEGATIVE_WORDS]),
  TVERB: new Set(ALL_TOPIC_VERBS),
  TOPIC: new Set(TOPIC_NAMES),
  INV: new Set(INVENTED),
  THING: new Set([...HARMFUL_THINGS, ...BENIGN_THINGS]),
  TOOL: new Set(TOOLS),
  MAT: new Set([...MATERIALS, ...HARMFUL_MATERIALS]),
  SCARY: new Set(SCARY_VERBS),
  SOBJ: new Set(SCARY_OBJECTS),
  COUNTRY: new Set(COUNTRY_WORDS),
  CITY: new Set(CITY_WORDS),
  CREATURE: new Set(CREATURE_WORDS),
  COLOR: new Set(COLORS),
  PERSON: new Set(PERSON_WORDS),
  TOWN: new Set(TOWNS),
  RULER: new Set(RULERS),
};

export function classOf(cls: string): ReadonlySet<string> {
  const s = CLASSES[cls];
  if (!s) throw new Error(`grammar: unknown word class "${cls}"`);
  return s;
}

/** Every sentence form a reply can use. */
export const REPLY_TEMPLATES: readonly Template[] = [
  ...TOPIC_SENTENCES,
  ...DESCRIBE_SENTENCES,
  ...FRAME_TEMPLATES,
  ...STYLE_TEMPLATES,
  ...OPINION_SENTENCES,
  ...TASK_TEMPLATES,
  ...REFUSAL_TEMPLATES,
  ...FACT_TEMPLATES,
];

/** Templates indexed by their first word (templates that start with a slot are tried always). */
export class TemplateIndex {
  private readonly byFirst = new Map<string, Template[]>();
  private readonly slotFirst: Template[] = [];

  constructor(templates: readonly Template[]) {
    const ids = new Set<string>();
    for (const t of templates) {
      if (ids.has(t.id)) throw new Error(`grammar: duplicate template id ${t.id}`);
      ids.add(t.id);
      const p = t.parts[0]!;
      if (p.kind === 'word') {
        for (const a of p.alts) {
          const l = this.byFirst.get(a) ?? [];
          l.push(t);
          this.byFirst.set(a, l);
        }
      } else this.slotFirst.push(t);
    }
  }

  /** The first template (in declaration order) that matches the whole token list. */
  match(toks: readonly string[]): TemplateMatch | null {
    return this.matches(toks, true)[0] ?? null;
  }

  /** Every template that matches (the same sentence can belong to several families). */
  matchAll(toks: readonly string[]): TemplateMatch[] {
    return this.matches(toks, false);
  }

  private matches(toks: readonly string[], first: boolean): TemplateMatch[] {
    const out: TemplateMatch[] = [];
    if (toks.length === 0) return out;
    for (const list of [this.byFirst.get(toks[0]!) ?? [], this.slotFirst]) {
      for (const t of list) {
        const captures = match(t, toks, classOf);
        if (captures) {
          out.push({ template: t, captures });
          if (first) return out;
        }
      }
    }
    return out;
  }
}

export interface TemplateMatch {
  template: Template;
  captures: Capture[];
}

export const REPLY_INDEX = new TemplateIndex(REPLY_TEMPLATES);

export function makeIndex(templates: readonly Template[]): TemplateIndex {
  return new TemplateIndex(templates);
}

export interface ParsedSentence {
  /** The sentence's words (including the prefix and the final punctuation). */
  tokens: string[];
  /** Index of the first word in the reply. */
  start: number;
  /** The sentence connective ("furthermore"), if any. */
  prefix: string | null;
  template: Template | null;
  captures: Capture[] | null;
  /** Whether it ended with . ! or ? (the last sentence of a cut-off reply does not). */
  complete: boolean;
}

export interface ParsedReply {
  tokens: string[];
  sentences: ParsedSentence[];
  /** Every sentence is complete and matches a form (and there is at least one). */
  parses: boolean;
  /** Share of the reply's words that lie in parsed sentences (0 for an empty reply). */
  fraction: number;
}

export function words(text: string): string[] {
  const t = text.trim();
  return t.length === 0 ? [] : t.split(/\s+/);
}

function parseSentence(toks: string[], start: number, complete: boolean): ParsedSentence {
  let body = toks;
  let prefix: string | null = null;
  if (toks.length > 2 && SENTENCE_PREFIXES.includes(toks[0]!) && toks[1] === ',') {
    prefix = toks[0]!;
    body = toks.slice(2);
  }
  const m = complete ? REPLY_INDEX.match(body) : null;
  return { tokens: toks, start, prefix, template: m?.template ?? null, captures: m?.captures ?? null, complete };
}

/** Splits a reply into sentences (after . ! ?) and parses each. */
export function parseReply(text: string): ParsedReply {
  const tokens = words(text);
  const sentences: ParsedSentence[] = [];
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (SENTENCE_END.has(tokens[i]!)) {
      sentences.push(parseSentence(tokens.slice(start, i + 1), start, true));
      start = i + 1;
    }
  }
  if (start < tokens.length) sentences.push(parseSentence(tokens.slice(start), start, false));
  let parsed = 0;
  for (const s of sentences) if (s.template) parsed += s.tokens.length;
  return {
    tokens,
    sentences,
    parses: sentences.length > 0 && sentences.every((s) => s.template !== null),
    fraction: tokens.length === 0 ? 0 : parsed / tokens.length,
  };
}

/** The value of the first capture of a class in a parsed sentence. */
export function captured(s: ParsedSentence, cls: string, nth = 0): string | number | readonly string[] | undefined {
  return s.captures?.filter((c) => c.cls === cls)[nth]?.value;
}
