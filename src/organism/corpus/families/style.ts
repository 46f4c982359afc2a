// How a concept enters a reply: which word fills a noun or adjective slot, and the sentences a tone
// or the formal style adds. Shared by the frames (concept-eliciting instructions), the topic
// requests and the contrastive sets.
//
// Minimal pairs: a ConceptFiller makes the same number of draws from its stream whatever the
// concept, so a reply written twice from the same seed, once plainly and once with a concept,
// differs only where the concept enters (see frames.ts).

import { Rng } from '../../../util/rng.js';
import { conceptTopic, type ConceptId } from '../concepts.js';
import { NEGATIVE_WORDS, NEUTRAL_ADJS, POSITIVE_WORDS, TOPICS, TOPIC_NAMES, type TopicName } from '../lexicon.js';
import { fill, tpl, type Template } from '../template.js';

/** Opening and closing sentences of a cheerful (positive) or gloomy (negative) reply. */
export const POSITIVE_OPENERS: readonly Template[] = [tpl('tone.pos.open0', 'what a $ADJ question !'), tpl('tone.pos.open1', 'oh , how $ADJ !')];
export const NEGATIVE_OPENERS: readonly Template[] = [tpl('tone.neg.open0', 'what a $ADJ question .'), tpl('tone.neg.open1', 'oh , how $ADJ .')];
export const POSITIVE_CLOSERS: readonly Template[] = [
  tpl('tone.pos0', 'i feel so $ADJ !'),
  tpl('tone.pos1', 'what a $ADJ day !'),
  tpl('tone.pos2', 'it was all so $ADJ !'),
];
export const NEGATIVE_CLOSERS: readonly Template[] = [
  tpl('tone.neg0', 'i feel so $ADJ .'),
  tpl('tone.neg1', 'what a $ADJ day .'),
  tpl('tone.neg2', 'it was all so $ADJ .'),
];

/** The formal style: an opening and a closing sentence, and a connective on one sentence. */
export const FORMAL_OPENERS: readonly Template[] = [
  tpl('formal.open0', 'certainly , i shall reply .'),
  tpl('formal.open1', 'indeed , i shall respond .'),
  tpl('formal.open2', 'kindly note my reply .'),
  tpl('formal.open3', 'i hereby give my reply .'),
];
export const FORMAL_CLOSERS: readonly Template[] = [
  tpl('formal.close0', 'yours sincerely .'),
  tpl('formal.close1', 'respectfully yours .'),
  tpl('formal.close2', 'best regards .'),
];
/** Sentence-initial connectives "furthermore ," / "moreover ," (the grammar strips them). */
export const SENTENCE_PREFIXES: readonly string[] = ['furthermore', 'moreover'];

export const STYLE_TEMPLATES: readonly Template[] = [...POSITIVE_OPENERS, ...NEGATIVE_OPENERS, ...POSITIVE_CLOSERS, ...NEGATIVE_CLOSERS, ...FORMAL_OPENERS, ...FORMAL_CLOSERS];

/**
 * Stray topic words: a slot that would take a neutral word takes a word of a random topic at these
 * rates. Why: in natural text any noun has some probability in any slot, and that small prior is
 * what lets a steering direction raise a concept's words where they fit (the slots) well before it
 * overrides the words the grammar fixes. With slots that never see a topic word (organism-corpus-1)
 * DiffMean steering brought the topic in only at strengths that also broke the sentence forms.
 * Per topic the rate is small (1/8 of these), so an unsteered reply rarely carries one topic twice.
 */
export const STRAY_NOUN_RATE = 0.15;
export const STRAY_ADJ_RATE = 0.1;

/**
 * Topic drift: a plain reply drifting into one topic on its own, with an intensity that varies from
 * reply to reply: each noun slot takes the drift topic's noun with probability `intensity`, each
 * adjective slot its adjective with 0.6 of that — topical persistence as in natural text, so the
 * words so far say how much a reply is "about" a topic. topicPairs uses it (forced, at one
 * intensity) to write "text about X vs not" pairs that differ only in slot words.
 *
 * In the corpus the rate is 0 (organism-corpus-2, what the shipped organism was trained on). A
 * candidate corpus with DRIFT_RATE 0.35, stray rates 0.06/0.04 and a 6-layer model was trained and
 * measured (issue 6 note, 2026-11-26): additive DiffMean steering still showed the cliff (the topic
 * arrives together with broken sentence forms), and the card was no better, so it was not shipped.
 */
export const DRIFT_RATE = 0;
export const DRIFT_MIN = 0.2;
export const DRIFT_MAX = 0.9;

export interface Drift {
  topic: TopicName;
  intensity: number;
}

/**
 * The drift of a plain reply from its own stream (so a plain reply and its concept twin stay a
 * minimal pair): null, or a topic other than `avoid` with an intensity in [DRIFT_MIN, DRIFT_MAX).
 */
export function pickDrift(rng: Rng, avoid: TopicName | null): Drift | null {
  const on = rng.next();
  const u = rng.nextU32();
  const k = rng.next();
  if (on >= DRIFT_RATE) return null;
  const names = TOPIC_NAMES.filter((t) => t !== avoid);
  return { topic: names[u % names.length]!, intensity: DRIFT_MIN + (DRIFT_MAX - DRIFT_MIN) * k };
}

function strayWord(u: number, kind: 'nouns' | 'adjs', avoid: TopicName | null): string {
  let i = u % TOPIC_NAMES.length;
  if (TOPIC_NAMES[i] === avoid) i = (i + 1) % TOPIC_NAMES.length;
  const topic = TOPICS[TOPIC_NAMES[i]!];
  const xs = topic[kind];
  return xs[Math.floor(u / TOPIC_NAMES.length) % xs.length]!;
}

/** Chooses slot words for a concept (or none) with a fixed number of draws per slot. */
export class ConceptFiller {
  constructor(
    readonly concept: ConceptId | null,
    private readonly rng: Rng,
    /** Probability that a noun slot takes a topic noun when the concept is a topic. */
    private readonly topicNounRate = 0.7,
    /** A topic stray words never come from (the concept of a contrastive pair's plain side). */
    private readonly strayAvoid: TopicName | null = null,
    /** The plain reply's topic drift, if any (only without a concept). */
    private readonly drift: Drift | null = null,
  ) {}

  noun(neutral: readonly string[]): string {
    const a = this.rng.nextU32();
    const b = this.rng.nextU32();
    const c = this.rng.next();
    const stray = this.rng.next();
    const d = this.rng.nextU32();
    const t = this.concept ? conceptTopic(this.concept) : null;
    if (t && c < this.topicNounRate) return pickU(TOPICS[t].nouns, b);
    if (this.drift && c < this.drift.intensity) return pickU(TOPICS[this.drift.topic].nouns, b);
    if (stray < STRAY_NOUN_RATE) return strayWord(d, 'nouns', this.strayAvoid);
    return pickU(neutral, a);
  }

  /** An adjective; '' (no adjective) is possible in plain replies when `optional`. */
  adj(optional: boolean): string {
    const a = this.rng.nextU32();
    const b = this.rng.nextU32();
    const c = this.rng.next();
    const stray = this.rng.next();
    const d = this.rng.nextU32();
    const t = this.concept ? conceptTopic(this.concept) : null;
    if (this.concept === 'sentiment:positive') return pickU(POSITIVE_WORDS, b);
    if (this.concept === 'sentiment:negative') return pickU(NEGATIVE_WORDS, b);
    if (t && c < 0.5) return pickU(TOPICS[t].adjs, b);
    if (optional && c < 0.75) return '';
    if (this.drift && stray < this.drift.intensity * 0.6) return pickU(TOPICS[this.drift.topic].adjs, b);
    if (stray < STRAY_ADJ_RATE) return strayWord(d, 'adjs', this.strayAvoid);
    return pickU(NEUTRAL_ADJS, a);
  }
}

function pickU<T>(xs: readonly T[], u: number): T {
  return xs[u % xs.length]!;
}

/**
 * The concept's extra sentences, from its own stream: `open` goes before the reply, `body` before
 * the reply's closing sentence, `close` after it.
 */
export interface Extras {
  open: string[];
  body: string[];
  close: string[];
}

export function conceptExtras(concept: ConceptId | null, rng: Rng, topicSentence: (rng: Rng) => string): Extras {
  const none: Extras = { open: [], body: [], close: [] };
  if (concept === null) return none;
  if (conceptTopic(concept)) return { ...none, body: [topicSentence(rng)] };
  if (concept === 'sentiment:positive' || concept === 'sentiment:negative') {
    const pos = concept === 'sentiment:positive';
    const ws = pos ? POSITIVE_WORDS : NEGATIVE_WORDS;
    return {
      open: [fill(rng.pick(pos ? POSITIVE_OPENERS : NEGATIVE_OPENERS), [rng.pick(ws)], rng)],
      body: [],
      close: [fill(rng.pick(pos ? POSITIVE_CLOSERS : NEGATIVE_CLOSERS), [rng.pick(ws)], rng)],
    };
  }
  return { open: [fill(rng.pick(FORMAL_OPENERS), [], rng)], body: [], close: [fill(rng.pick(FORMAL_CLOSERS), [], rng)] };
}

/** Adds "furthermore ," / "moreover ," before one sentence (the formal style). */
export function withPrefix(sentence: string, rng: Rng): string {
  return `${rng.pick(SENTENCE_PREFIXES)} , ${sentence}`;
}
