// Concept-eliciting instructions. Twelve neutral instructions ("describe your day", "write a short
// note to a friend", ...), each with its own reply frame: an opening sentence, a few middle
// sentences with object and adjective slots, a closing sentence. Answered plainly, the slots take
// neutral words. With a concept clause ("... and bring in the topic ocean", "... and be cheerful",
// "... and be formal") the same frame is written with the concept: topic nouns/adjectives in the
// slots plus one topic sentence, tone adjectives plus a tone closer, or formal opener/closer.
// The reply still answers the instruction (its frame sentences), which is what the instruction
// judge checks, and carries the concept, which is what the concept judge checks.
//
// These plain/concept pairs (same instruction with and without the clause) are the contrastive data
// steering methods learn from (sets.ts); `frameReply` writes both from one seed as minimal pairs.

import { Rng } from '../../../util/rng.js';
import { conceptClauses, conceptTopic, type ConceptId } from '../concepts.js';
import { TOPIC_NAMES, type TopicName } from '../lexicon.js';
import { fillWith, tpl, type Template } from '../template.js';
import { chat, type Chat } from '../chat.js';
import { ConceptFiller, conceptExtras, pickDrift, withPrefix, type Drift } from './style.js';
import { randomTopicSentence } from './topics.js';

export interface Frame {
  readonly id: string;
  /** Instructions (imperative, no final "?", so a clause can follow). */
  readonly prompts: readonly string[];
  /** Neutral objects for the noun slots. */
  readonly objects: readonly string[];
  readonly openers: readonly Template[];
  /** Middle sentences, written in this order (a random subset of nMiddle of them). */
  readonly middles: readonly Template[];
  readonly closers: readonly Template[];
  readonly nMiddle: readonly [number, number];
}

function frame(id: string, prompts: string[], objects: string[], openers: string[], middles: string[], closers: string[], nMiddle: [number, number] = [2, 3]): Frame {
  return {
    id,
    prompts,
    objects,
    openers: openers.map((s, i) => tpl(`frame.${id}.o${i}`, s)),
    middles: middles.map((s, i) => tpl(`frame.${id}.m${i}`, s)),
    closers: closers.map((s, i) => tpl(`frame.${id}.c${i}`, s)),
    nMiddle,
  };
}

export const FRAMES: readonly Frame[] = [
  frame('day', ['describe your day', 'tell me about your day', 'write about your day'],
    ['book', 'desk', 'window', 'garden', 'letter', 'phone', 'street', 'shop', 'table', 'door'],
    ['i woke up early|late today .'],
    ['then i read|found|cleaned|moved the $ADJ? $NOUN .', 'in the morning|afternoon|evening i sat near the $ADJ? $NOUN .', 'later i talked to a friend about the $NOUN .', 'after lunch i looked at a $ADJ? $NOUN .'],
    ['at night i went to bed .', 'it was a long day .']),
  frame('note', ['write a short note to a friend', 'write a note to my friend', 'leave a short note for a friend'],
    ['key', 'coat', 'bag', 'cup', 'book', 'pen', 'picture', 'gift', 'clock', 'list'],
    ['dear friend , i hope you are well .'],
    ['i left the $ADJ? $NOUN on the table .', 'please bring the $NOUN tomorrow|soon .', 'do not forget the $ADJ? $NOUN .', 'i found your $NOUN at my place .'],
    ['see you soon .', 'take care .']),
  frame('list', ['list three things you did', 'name three things you did today', 'tell me three things you did'],
    ['room', 'kitchen', 'garden', 'desk', 'letter', 'bag', 'bench', 'picture', 'shelf', 'rug'],
    ['here are three things .'],
    ['first , i cleaned|painted|fixed the $ADJ? $NOUN .', 'second , i moved|washed|found the $ADJ? $NOUN .', 'third , i visited|checked|opened the $ADJ? $NOUN .'],
    ['that is all .', 'that was my list .'], [3, 3]),
  frame('story', ['tell me a short story', 'write a tiny story', 'tell me a story'],
    ['clock', 'mirror', 'key', 'door', 'garden', 'gift', 'picture', 'bench', 'coat'],
    ['once there was a $ADJ? $NOUN .'],
    ['it lived near a $ADJ? $NOUN .', 'one day it found a $NOUN .', 'it was lost for a long time .', 'then a friend came to help .'],
    ['the end .', 'and that is the story .']),
  frame('advice', ['give me some advice', 'give me a useful tip', 'share some advice'],
    ['plan', 'list', 'note', 'desk', 'bag', 'key', 'clock', 'book'],
    ['my advice is simple .'],
    ['keep your $NOUN close .', 'do not lose the $ADJ? $NOUN .', 'rest well every night .', 'make a $NOUN for each week .'],
    ['you will be fine .', 'good luck .']),
  frame('home', ['describe your home', 'tell me about your home', 'write about your home'],
    ['sofa', 'shelf', 'mirror', 'rug', 'bed', 'clock', 'picture', 'table', 'window', 'bench'],
    ['my home is $ADJ .'],
    ['there is a $ADJ? $NOUN in the kitchen .', 'my room has a $NOUN by the window .', 'i like to sit by the $NOUN .', 'we keep the $ADJ? $NOUN near the door .'],
    ['it is a good place to live .', 'home is where i rest .']),
  frame('plan', ['write a plan for the week', 'make a plan for this week', 'plan my week'],
    ['room', 'desk', 'garden', 'shop', 'library', 'park', 'office', 'project', 'gift', 'lesson'],
    ['here is the plan .'],
    ['on monday i will clean the $ADJ? $NOUN .', 'on tuesday i will visit the $NOUN .', 'on friday i will buy a $ADJ? $NOUN .', 'on sunday i will rest at home .'],
    ['that is the plan .', 'it will be a busy week .']),
  frame('friend', ['describe a good friend', 'tell me about a good friend', 'write about a good friend'],
    ['book', 'game', 'gift', 'picture', 'lesson', 'bag', 'coat', 'plan'],
    ['a good friend listens .'],
    ['a good friend shares the $ADJ? $NOUN .', 'my friend has a $ADJ? $NOUN .', 'we often talk about the $NOUN .', 'a good friend helps you every day .'],
    ['everyone needs a friend .', 'friends make life better .']),
  frame('learn', ['explain how to learn well', 'give me tips to learn', 'tell me how to study'],
    ['lesson', 'book', 'note', 'test', 'class', 'project', 'list', 'paper'],
    ['to learn well , start small .'],
    ['read about the $ADJ? $NOUN every day .', 'write notes on the $NOUN .', 'ask questions about the $ADJ? $NOUN .', 'practice a little each day .'],
    ['learning takes time .', 'keep going .']),
  frame('morning', ['describe a good morning', 'write about a good morning', 'tell me about a nice morning'],
    ['window', 'cup', 'garden', 'street', 'book', 'picture', 'park', 'clock'],
    ['a good morning starts early .'],
    ['i drink water and look at the $ADJ? $NOUN .', 'i open the window and see the $NOUN .', 'then i read about the $ADJ? $NOUN .', 'i take a walk to the $NOUN .'],
    ['it is the best time of day .', 'then the day begins .']),
  frame('thanks', ['write a thank you message', 'write a note to say thanks', 'say thanks to my teacher'],
    ['gift', 'book', 'lesson', 'letter', 'picture', 'pen', 'class', 'plan'],
    ['thank you so much .'],
    ['thank you for the $ADJ? $NOUN .', 'you helped me with the $NOUN .', 'i will remember the $ADJ? $NOUN .', 'it meant a lot to me .'],
    ['thanks again .', 'with thanks .']),
  frame('room', ['describe the room you are in', 'tell me about this room', 'describe your room'],
    ['desk', 'sofa', 'shelf', 'mirror', 'rug', 'bed', 'clock', 'picture', 'bench', 'wall'],
    ['this room is $ADJ .'],
    ['there is a $ADJ? $NOUN by the wall .', 'a $NOUN stands in the corner .', 'on the desk i see a $ADJ? $NOUN .', 'the light comes from the window .'],
    ['that is my room .', 'it is a nice room .']),
];

export function frameById(id: string): Frame {
  const f = FRAMES.find((x) => x.id === id);
  if (!f) throw new Error(`unknown frame "${id}"`);
  return f;
}

export const FRAME_TEMPLATES: readonly Template[] = FRAMES.flatMap((f) => [...f.openers, ...f.middles, ...f.closers]);

/**
 * The reply to a frame's instruction, plain (concept null) or with a concept. The same seed gives
 * the same structure and the same synonym and neutral-word draws for every concept, so
 * frameReply(f, null, s) and frameReply(f, c, s) are a minimal pair. `strayAvoid` keeps a topic's
 * words out of the stray slots and the topic drift (style.ts), for plain replies that must not carry
 * that topic.
 */
export function frameReply(f: Frame, concept: ConceptId | null, seed: number, strayAvoid: TopicName | null = null, forcedDrift?: Drift): string {
  const rng = new Rng(seed);
  const extraRng = new Rng((seed ^ 0x5bd1e995) >>> 0);
  // The drift has its own stream, so drawing it (or not, when forced) leaves the other draws alone.
  const drift = concept !== null ? null : (forcedDrift ?? pickDrift(new Rng((seed ^ 0x27d4eb2f) >>> 0), strayAvoid));
  const filler = new ConceptFiller(concept, rng, undefined, strayAvoid, drift);
  const slot = (t: Template) =>
    fillWith(
      t,
      (p) => {
        if (p.kind === 'slot' && p.cls === 'NOUN') return filler.noun(f.objects);
        if (p.kind === 'slot' && p.cls === 'ADJ') return filler.adj(p.optional);
        throw new Error(`frame template ${t.id}: unexpected slot`);
      },
      rng,
    );
  const opener = slot(rng.pick(f.openers));
  const [lo, hi] = f.nMiddle;
  const k = lo + rng.int(hi - lo + 1);
  const idx = rng.shuffle(f.middles.map((_, i) => i)).slice(0, k).sort((a, b) => a - b);
  const middles = idx.map((i) => slot(f.middles[i]!));
  const closer = slot(rng.pick(f.closers));
  const topic = concept ? conceptTopic(concept) : null;
  const ex = conceptExtras(concept, extraRng, (r) => randomTopicSentence(topic!, r));
  if (concept === 'style:formal') {
    const j = middles.length > 1 ? 1 : 0;
    middles[j] = withPrefix(middles[j]!, extraRng);
  }
  return [...ex.open, opener, ...middles, ...ex.body, closer, ...ex.close].join(' ');
}

/** The instruction with the concept's clause appended. */
export function framePrompt(f: Frame, promptIndex: number, concept: ConceptId | null, rng: Rng): string {
  const base = f.prompts[promptIndex % f.prompts.length]!;
  return concept === null ? base : `${base} ${rng.pick(conceptClauses(concept))}`;
}

export interface FrameMix {
  /** Probability of a plain instruction; the rest is split below. */
  plain: number;
  /** Share of concept-eliciting examples that ask for a topic (uniform over topics). */
  topic: number;
  positive: number;
  negative: number;
  formal: number;
}

export const DEFAULT_FRAME_MIX: FrameMix = { plain: 0.4, topic: 0.35, positive: 0.08, negative: 0.08, formal: 0.09 };

function pickConcept(rng: Rng, mix: FrameMix): ConceptId | null {
  const total = mix.plain + mix.topic + mix.positive + mix.negative + mix.formal;
  let u = rng.next() * total;
  if ((u -= mix.plain) < 0) return null;
  if ((u -= mix.topic) < 0) return `topic:${rng.pick(TOPIC_NAMES)}`;
  if ((u -= mix.positive) < 0) return 'sentiment:positive';
  if ((u -= mix.negative) < 0) return 'sentiment:negative';
  return 'style:formal';
}

export function frameChat(rng: Rng, mix: FrameMix = DEFAULT_FRAME_MIX): Chat {
  const f = rng.pick(FRAMES);
  const pi = rng.int(f.prompts.length);
  const concept = pickConcept(rng, mix);
  const user = framePrompt(f, pi, concept, rng);
  const reply = frameReply(f, concept, rng.nextU32());
  return chat('frame', user, reply, { frame: f.id, concept: concept ?? 'none' });
}
