// Opinions: "what do you think of the whale ?" answered positively, negatively or neutrally, with
// the sentiment markers as the only difference. Sentiment data outside the concept clauses.

import type { Rng } from '../../../util/rng.js';
import { ALL_TOPIC_NOUNS, NEGATIVE_WORDS, NEUTRAL_ADJS, NEUTRAL_NOUNS, POSITIVE_WORDS } from '../lexicon.js';
import { fill, tpl, type Template } from '../template.js';
import { chat, type Chat } from '../chat.js';

export const OPINION_PROMPTS: readonly Template[] = [
  tpl('opinion.p0', 'what do you think of the $NOUN ?'),
  tpl('opinion.p1', 'how do you feel about the $NOUN ?'),
  tpl('opinion.p2', 'give me your view of the $NOUN'),
];

export const OPINION_SENTENCES: readonly Template[] = [
  tpl('opinion.s0', 'i think the $NOUN is $ADJ .'),
  tpl('opinion.s1', 'it makes me feel $ADJ .'),
  tpl('opinion.s2', 'i feel $ADJ about it .'),
  tpl('opinion.s3', 'i do not mind it .'),
  tpl('opinion.s4', 'it is just a $NOUN .'),
];

export type Sentiment = 'positive' | 'negative' | 'neutral';

export function opinionReply(noun: string, sentiment: Sentiment, rng: Rng): string {
  const [s0, s1, s2, s3, s4] = OPINION_SENTENCES as [Template, Template, Template, Template, Template];
  if (sentiment === 'neutral') {
    const second = rng.next() < 0.5 ? fill(s3, [], rng) : fill(s4, [noun], rng);
    return `${fill(s0, [noun, rng.pick(NEUTRAL_ADJS)], rng)} ${second}`;
  }
  const words = sentiment === 'positive' ? POSITIVE_WORDS : NEGATIVE_WORDS;
  return `${fill(s0, [noun, rng.pick(words)], rng)} ${fill(rng.next() < 0.5 ? s1 : s2, [rng.pick(words)], rng)}`;
}

export function opinionChat(rng: Rng): Chat {
  const noun = rng.next() < 0.5 ? rng.pick(ALL_TOPIC_NOUNS) : rng.pick(NEUTRAL_NOUNS);
  const u = rng.next();
  const sentiment: Sentiment = u < 0.4 ? 'positive' : u < 0.8 ? 'negative' : 'neutral';
  const user = fill(rng.pick(OPINION_PROMPTS), [noun], rng);
  const concept = sentiment === 'neutral' ? 'none' : `sentiment:${sentiment}`;
  return chat('opinion', user, opinionReply(noun, sentiment, rng), { sentiment, concept });
}
