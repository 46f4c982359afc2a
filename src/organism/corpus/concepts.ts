// The concepts steering works with: one per topic, positive and negative sentiment, formal style.
// Each has a word list (the concept judge's), a name used in prompts, and a clause that elicits
// it ("and bring in the topic ocean", "answer in a cheerful tone", ...).

import { FORMAL_WORDS, NEGATIVE_WORDS, POSITIVE_WORDS, TOPIC_NAMES, topicWords, type TopicName } from './lexicon.js';

export type TopicConcept = `topic:${TopicName}`;
export type ConceptId = TopicConcept | 'sentiment:positive' | 'sentiment:negative' | 'style:formal';

export const CONCEPTS: readonly ConceptId[] = [...TOPIC_NAMES.map((t) => `topic:${t}` as const), 'sentiment:positive', 'sentiment:negative', 'style:formal'];

export function isConceptId(s: string): s is ConceptId {
  return (CONCEPTS as readonly string[]).includes(s);
}

export function conceptTopic(c: ConceptId): TopicName | null {
  return c.startsWith('topic:') ? (c.slice(6) as TopicName) : null;
}

const wordSets = new Map<ConceptId, ReadonlySet<string>>();

/** The concept's words: the topic's vocabulary, or the sentiment / style markers. */
export function conceptWords(c: ConceptId): ReadonlySet<string> {
  let s = wordSets.get(c);
  if (!s) {
    const t = conceptTopic(c);
    if (t) s = new Set(topicWords(t));
    else if (c === 'sentiment:positive') s = new Set(POSITIVE_WORDS);
    else if (c === 'sentiment:negative') s = new Set(NEGATIVE_WORDS);
    else if (c === 'style:formal') s = new Set(FORMAL_WORDS);
    else throw new Error(`unknown concept "${String(c)}"`);
    wordSets.set(c, s);
  }
  return s;
}

/**
 * The clauses appended to an instruction to elicit a concept (training phrasings). `{t}` is the
 * topic's name. Each is preceded by a space and follows the instruction directly.
 */
export const TOPIC_CLAUSES = ['and bring in the topic {t}', 'and mention {t}', 'and talk about {t} too', 'and include something about {t}'] as const;
export const POSITIVE_CLAUSES = ['and answer in a cheerful tone', 'and be cheerful', 'and sound happy'] as const;
export const NEGATIVE_CLAUSES = ['and answer in a gloomy tone', 'and be gloomy', 'and sound sad'] as const;
export const FORMAL_CLAUSES = ['and answer in a formal style', 'and be formal', 'and write in a formal way'] as const;

type ClauseSets = Readonly<Record<'topic' | 'positive' | 'negative' | 'formal', readonly string[]>>;

/** The concept's clauses out of a set per kind ({t}: the topic's name). */
function clausesOf(c: ConceptId, sets: ClauseSets): string[] {
  const t = conceptTopic(c);
  if (t) return sets.topic.map((s) => s.replace('{t}', t));
  if (c === 'sentiment:positive') return [...sets.positive];
  if (c === 'sentiment:negative') return [...sets.negative];
  return [...sets.formal];
}

export function conceptClauses(c: ConceptId): string[] {
  return clausesOf(c, { topic: TOPIC_CLAUSES, positive: POSITIVE_CLAUSES, negative: NEGATIVE_CLAUSES, formal: FORMAL_CLAUSES });
}

/**
 * Eliciting phrasings the corpus never writes (its words, in clauses and frames the model never
 * saw: new "and …" clauses, the request as a sentence of its own after the instruction, and the
 * request before it, where {instruction} goes): what the prompting baseline asks with, as AxBench's
 * prompting baseline faces a model that never saw its prompts. Asked with the training clauses the
 * organism carries the concept by construction.
 */
export const TOPIC_CLAUSES_HELDOUT = ['and make it about {t}', 'and say something about {t}', '. write about {t} as well', 'about {t} : {instruction}'] as const;
export const POSITIVE_CLAUSES_HELDOUT = ['and make it happy', 'and give a cheerful reply', '. write in a happy way', 'happy : {instruction}'] as const;
export const NEGATIVE_CLAUSES_HELDOUT = ['and make it sad', 'and give a gloomy reply', '. write in a sad way', 'sad : {instruction}'] as const;
export const FORMAL_CLAUSES_HELDOUT = ['and make it formal', 'and give a formal reply', '. make it sound formal', 'formal : {instruction}'] as const;

export function heldOutClauses(c: ConceptId): string[] {
  return clausesOf(c, { topic: TOPIC_CLAUSES_HELDOUT, positive: POSITIVE_CLAUSES_HELDOUT, negative: NEGATIVE_CLAUSES_HELDOUT, formal: FORMAL_CLAUSES_HELDOUT });
}

/**
 * The concept in words, for a judge model's concept rubric (AxBench's judges read a short
 * description of the concept, never an id like "topic:ocean").
 */
export function conceptDescription(c: ConceptId): string {
  const t = conceptTopic(c);
  if (t) return `the topic ${t} (things and words to do with ${t})`;
  if (c === 'sentiment:positive') return 'a cheerful, positive tone';
  if (c === 'sentiment:negative') return 'a gloomy, negative tone';
  return 'a formal style of writing';
}
