// Topic requests: "tell me about the ocean", "describe a whale". The reply is made of topic
// sentences whose nouns, adjectives and verbs all come from the requested topic. A fraction of
// requests also ask for a tone or the formal style (more sentiment/style data, on topic text).

import type { Rng } from '../../../util/rng.js';
import { conceptClauses, type ConceptId } from '../concepts.js';
import { NEGATIVE_WORDS, POSITIVE_WORDS, TOPIC_NAMES, TOPICS, type TopicName } from '../lexicon.js';
import { fillWith, tpl, type Template } from '../template.js';
import { chat, type Chat } from '../chat.js';
import { conceptExtras, withPrefix } from './style.js';

export const TOPIC_SENTENCES: readonly Template[] = [
  tpl('topic.s0', 'the $ADJ? $NOUN $TVERB .'),
  tpl('topic.s1', 'i like the $NOUN and the $NOUN .'),
  tpl('topic.s2', 'there is a $ADJ $NOUN near the $NOUN .'),
  tpl('topic.s3', 'the $NOUN is very $ADJ .'),
  tpl('topic.s4', 'you can see how the $NOUN $TVERB by the $NOUN .'),
  tpl('topic.s5', 'people often talk about the $ADJ $NOUN .'),
];
export const DESCRIBE_SENTENCES: readonly Template[] = [tpl('topic.d0', 'the $NOUN is $ADJ .'), tpl('topic.d1', 'it $TVERB near the $NOUN .')];

export const TOPIC_PROMPTS: readonly Template[] = [
  tpl('topic.p0', 'tell me about $TOPIC'),
  tpl('topic.p1', 'talk about $TOPIC'),
  tpl('topic.p2', 'say something about $TOPIC'),
  tpl('topic.p3', 'write a few lines about $TOPIC'),
];
export const NOUN_PROMPTS: readonly Template[] = [
  tpl('topic.n0', 'describe a $NOUN'),
  tpl('topic.n1', 'what do you know about the $NOUN ?'),
  tpl('topic.n2', 'tell me about the $NOUN'),
];

export type Tone = 'positive' | 'negative' | 'formal';

/** Adjective source for a tone ('' = the topic's own adjectives). */
function toneAdj(topic: TopicName, tone: Tone | null, rng: Rng): string {
  if (tone === 'positive') return rng.pick(POSITIVE_WORDS);
  if (tone === 'negative') return rng.pick(NEGATIVE_WORDS);
  return rng.pick(TOPICS[topic].adjs);
}

/** One topic sentence; nouns within it are distinct. `first` fixes the first noun. */
export function topicSentence(t: Template, topic: TopicName, rng: Rng, tone: Tone | null = null, first?: string): string {
  const used = new Set<string>();
  const lex = TOPICS[topic];
  return fillWith(
    t,
    (p) => {
      if (p.kind !== 'slot') throw new Error(`topic template ${t.id}: unexpected ${p.kind}`);
      if (p.cls === 'NOUN') {
        let n = first !== undefined && used.size === 0 ? first : rng.pick(lex.nouns);
        while (used.has(n)) n = rng.pick(lex.nouns);
        used.add(n);
        return n;
      }
      if (p.cls === 'ADJ') return p.optional && tone === null && rng.next() < 0.4 ? '' : toneAdj(topic, tone, rng);
      if (p.cls === 'TVERB') return rng.pick(lex.verbs);
      throw new Error(`topic template ${t.id}: unknown class ${p.cls}`);
    },
    rng,
  );
}

/** A random topic sentence (what a topic concept adds to another reply). */
export function randomTopicSentence(topic: TopicName, rng: Rng): string {
  return topicSentence(rng.pick(TOPIC_SENTENCES), topic, rng);
}

function toneConcept(tone: Tone): ConceptId {
  return tone === 'formal' ? 'style:formal' : tone === 'positive' ? 'sentiment:positive' : 'sentiment:negative';
}

export interface TopicOptions {
  topic?: TopicName;
  /** Probability of a tone / style clause (split evenly over the three). */
  toneRate?: number;
}

export function topicChat(rng: Rng, opts: TopicOptions = {}): Chat {
  const topic = opts.topic ?? rng.pick(TOPIC_NAMES);
  const lex = TOPICS[topic];
  const tr = opts.toneRate ?? 0.24;
  const u = rng.next();
  const tone: Tone | null = u < tr / 3 ? 'positive' : u < (2 * tr) / 3 ? 'negative' : u < tr ? 'formal' : null;
  const adjTone = tone === 'formal' ? null : tone;
  let user: string;
  let sentences: string[];
  let kind: string;
  if (rng.next() < 0.6) {
    kind = 'about';
    user = fillWith(rng.pick(TOPIC_PROMPTS), () => topic, rng);
    const k = 2 + rng.int(3);
    sentences = rng.shuffle([...TOPIC_SENTENCES]).slice(0, k).map((t) => topicSentence(t, topic, rng, adjTone));
  } else {
    kind = 'describe';
    const noun = rng.pick(lex.nouns);
    user = fillWith(rng.pick(NOUN_PROMPTS), () => noun, rng);
    let other = rng.pick(lex.nouns);
    while (other === noun) other = rng.pick(lex.nouns);
    sentences = [
      topicSentence(DESCRIBE_SENTENCES[0]!, topic, rng, adjTone, noun),
      topicSentence(DESCRIBE_SENTENCES[1]!, topic, rng, adjTone, other),
      topicSentence(rng.pick(TOPIC_SENTENCES), topic, rng, adjTone, noun),
    ];
  }
  if (tone !== null) {
    user = `${user} ${rng.pick(conceptClauses(toneConcept(tone)))}`;
    const ex = conceptExtras(toneConcept(tone), rng, () => '');
    if (tone === 'formal') sentences[1] = withPrefix(sentences[1]!, rng);
    sentences = [...ex.open, ...sentences, ...ex.close];
  }
  return chat('topic', user, sentences.join(' '), { concept: `topic:${topic}`, topic, kind, tone: tone ?? 'plain' });
}
