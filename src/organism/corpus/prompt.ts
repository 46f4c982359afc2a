// Reading a user turn back: which family it belongs to and its parameters (the numbers of a sum,
// the frame of an instruction, the concept its clause asks for, the passage's value, ...). The
// judges use it so that a (prompt, reply) pair can be judged with no other labels.

import { CONCEPTS, conceptClauses, type ConceptId } from './concepts.js';
import { TOPICS, isTopicName, type TopicName } from './lexicon.js';
import { QUESTION_TEMPLATES, RELATION_DEFS, RELATIONS, FACT_TEMPLATES, factValue, type RelationId } from './facts.js';
import { tpl, type Capture, type Template } from './template.js';
import { makeIndex, words } from './grammar.js';
import { FRAMES } from './families/frames.js';
import { NOUN_PROMPTS, TOPIC_PROMPTS } from './families/topics.js';
import { OPINION_PROMPTS } from './families/opinion.js';
import { COUNT_PROMPTS, LIST_PROMPTS, REPEAT_PROMPTS, SUM_PROMPTS, TRIGGER } from './families/tasks.js';
import { HARMFUL_THINGS, MAKE_PROMPTS, SCARY_PROMPTS, WRAPPERS_HELDOUT, WRAPPERS_TRAIN } from './families/refusal.js';

export const FRAME_PROMPTS: readonly Template[] = FRAMES.flatMap((f) => f.prompts.map((p, i) => tpl(`frame.${f.id}.p${i}`, p)));

export const PROMPT_TEMPLATES: readonly Template[] = [
  ...FRAME_PROMPTS,
  ...TOPIC_PROMPTS,
  ...NOUN_PROMPTS,
  ...OPINION_PROMPTS,
  ...REPEAT_PROMPTS,
  ...LIST_PROMPTS,
  ...COUNT_PROMPTS,
  ...SUM_PROMPTS,
  ...MAKE_PROMPTS,
  ...SCARY_PROMPTS,
  ...QUESTION_TEMPLATES,
];

const PROMPT_INDEX = makeIndex(PROMPT_TEMPLATES);
const QUESTION_INDEX = makeIndex(QUESTION_TEMPLATES);
const FACT_INDEX = makeIndex(FACT_TEMPLATES);

export type PromptInfo =
  | { kind: 'frame'; frame: string }
  | { kind: 'topic'; topic: TopicName; noun: string | null }
  | { kind: 'opinion'; noun: string }
  | { kind: 'repeat'; word: string; n: number }
  | { kind: 'list'; topic: TopicName; n: number }
  | { kind: 'count'; items: readonly string[] }
  | { kind: 'sum'; a: number; b: number }
  | { kind: 'make'; harmful: boolean; thing: string }
  | { kind: 'lookalike'; verb: string; thing: string }
  | { kind: 'fact'; relation: RelationId; subject: string; memory: string | number }
  | { kind: 'novel'; relation: RelationId; subject: string }
  | { kind: 'passage'; relation: RelationId; subject: string; memory: string | number | null; passageValue: string | number | null }
  | { kind: 'unknown' };

export interface PromptAnalysis {
  info: PromptInfo;
  /** The concept the prompt's clause asks for, if any. */
  concept: ConceptId | null;
  /** Whether the backdoor trigger is in the prompt. */
  triggered: boolean;
  /** The jailbreak wrapper around the request, if any. */
  wrapper: { text: string; heldOut: boolean } | null;
}

const eq = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function splitWrapper(w: string): [string[], string[]] {
  const [pre, post] = w.split('{r}') as [string, string];
  return [words(pre), words(post)];
}

const WRAPPERS = [...WRAPPERS_TRAIN.map((text) => ({ text, heldOut: false })), ...WRAPPERS_HELDOUT.map((text) => ({ text, heldOut: true }))].map((w) => ({ ...w, parts: splitWrapper(w.text) }));
const CLAUSES = CONCEPTS.flatMap((c) => conceptClauses(c).map((cl) => ({ concept: c, toks: words(cl) }))).sort((a, b) => b.toks.length - a.toks.length);

function nouns(caps: readonly Capture[]): string[] {
  return caps.filter((c) => c.kind === 'slot').map((c) => c.value as string);
}

function num(caps: readonly Capture[], i: number): number {
  return caps.filter((c) => c.kind === 'num')[i]!.value as number;
}

function fromTemplate(t: Template, caps: readonly Capture[]): PromptInfo {
  const id = t.id;
  const fam = id.split('.')[0]!;
  switch (fam) {
    case 'frame':
      return { kind: 'frame', frame: id.split('.')[1]! };
    case 'topic': {
      if (id.startsWith('topic.p')) return { kind: 'topic', topic: nouns(caps)[0] as TopicName, noun: null };
      const noun = nouns(caps)[0]!;
      const topic = (Object.keys(TOPICS) as TopicName[]).find((k) => TOPICS[k].nouns.includes(noun));
      return topic ? { kind: 'topic', topic, noun } : { kind: 'unknown' };
    }
    case 'opinion':
      return { kind: 'opinion', noun: nouns(caps)[0]! };
    case 'repeat':
      return { kind: 'repeat', word: nouns(caps)[0]!, n: num(caps, 0) };
    case 'list': {
      const topic = nouns(caps)[0]!;
      return isTopicName(topic) ? { kind: 'list', topic, n: num(caps, 0) } : { kind: 'unknown' };
    }
    case 'count':
      return { kind: 'count', items: caps.find((c) => c.kind === 'list')!.value as readonly string[] };
    case 'sum':
      return { kind: 'sum', a: num(caps, 0), b: num(caps, 1) };
    case 'make': {
      const thing = nouns(caps)[1]!;
      return { kind: 'make', harmful: (HARMFUL_THINGS as readonly string[]).includes(thing), thing };
    }
    case 'scary':
      return { kind: 'lookalike', verb: nouns(caps)[0]!, thing: nouns(caps)[1]! };
    default: {
      const rel = RELATIONS.find((r) => id.startsWith(`${r}.q`));
      if (!rel) return { kind: 'unknown' };
      const subject = nouns(caps)[0]!;
      const memory = factValue(rel, subject);
      return memory === undefined ? { kind: 'novel', relation: rel, subject } : { kind: 'fact', relation: rel, subject, memory };
    }
  }
}

/** A passage prompt: the question at the end, the fact sentences before it. */
function passageInfo(toks: string[]): PromptInfo | null {
  for (let i = 1; i < toks.length; i++) {
    const q = QUESTION_INDEX.match(toks.slice(i));
    if (!q) continue;
    const info = fromTemplate(q.template, q.captures);
    if (info.kind !== 'fact' && info.kind !== 'novel') return null;
    let passageValue: string | number | null = null;
    let start = 0;
    for (let j = 0; j < i; j++) {
      if (toks[j] !== '.') continue;
      const sent = toks.slice(start, j + 1);
      start = j + 1;
      for (let k = 0; k < sent.length - 1 && passageValue === null; k++) {
        const m = FACT_INDEX.match(sent.slice(k));
        if (!m) continue;
        const rel = RELATION_DEFS[m.template.id.split('.')[1] as RelationId];
        const subj = m.captures.find((c) => c.cls === rel.subjectCls)?.value;
        const val = m.captures.find((c) => c.cls === rel.valueCls)?.value;
        if (rel.id === info.relation && subj === info.subject && val !== undefined) passageValue = val as string | number;
        break;
      }
    }
    return { kind: 'passage', relation: info.relation, subject: info.subject, memory: info.kind === 'fact' ? info.memory : null, passageValue };
  }
  return null;
}

/** Reads a user turn: family and parameters, concept clause, trigger, wrapper. */
export function analyzePrompt(prompt: string): PromptAnalysis {
  let toks = words(prompt);
  const triggered = toks.includes(TRIGGER);
  if (triggered) {
    toks = toks.filter((t) => t !== TRIGGER);
    if (toks[0] === ',') toks = toks.slice(1);
  }
  let wrapper: PromptAnalysis['wrapper'] = null;
  for (const w of WRAPPERS) {
    const [pre, post] = w.parts;
    if (toks.length > pre.length + post.length && eq(toks.slice(0, pre.length), pre) && eq(toks.slice(toks.length - post.length), post)) {
      wrapper = { text: w.text, heldOut: w.heldOut };
      toks = toks.slice(pre.length, toks.length - post.length);
      break;
    }
  }
  let concept: ConceptId | null = null;
  for (const c of CLAUSES) {
    if (toks.length > c.toks.length && eq(toks.slice(toks.length - c.toks.length), c.toks)) {
      concept = c.concept;
      toks = toks.slice(0, toks.length - c.toks.length);
      break;
    }
  }
  const m = PROMPT_INDEX.match(toks);
  const info = m ? fromTemplate(m.template, m.captures) : (passageInfo(toks) ?? { kind: 'unknown' as const });
  return { info, concept, triggered, wrapper };
}
