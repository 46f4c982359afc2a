// Labelled sets for steering and evaluation, drawn from the same generator as the corpus:
//   contrastivePairs     per concept: same instruction with/without the concept clause, replies as
//                        minimal pairs; also as the CDAS 4-tuple (chat-templated)
//   topicPairs           per topic: one neutral instruction, its reply plain and drifting into the
//                        topic (token-aligned; the "about X vs not" data of CAA)
//   detectionSet         per concept: concept-positive texts, negatives, hard negatives
//   steeringInstructions per concept: concept-neutral instructions, split selection/test by id
//   refusalSets          harmful, benign, look-alike (over-refusal), jailbreak (seen/held-out wrappers)
//   backdoorSets         the same sums without and with the trigger
//   factSets             closed-book, and contradicting passages in seen and held-out formats
// Every function is deterministic for its seed and draws from one half of the generator's prompts
// (split.ts): `split: 'train'` for data a method learns from, `'eval'` for what is measured, so
// that no training set shares a prompt with an evaluation set. writeSets writes them all as JSONL.

import { join } from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import { Rng } from '../../util/rng.js';
import { CONCEPTS, conceptTopic, type ConceptId } from './concepts.js';
import { TOPIC_NAMES, type TopicName } from './lexicon.js';
import { FACTS, PASSAGE_FORMATS_HELDOUT, PASSAGE_FORMATS_TRAIN, type RelationId } from './facts.js';
import { assistantText, userText, type Chat } from './chat.js';
import { FRAMES, frameChat, framePrompt, frameReply, type Frame } from './families/frames.js';
import { topicChat } from './families/topics.js';
import { OPINION_PROMPTS, opinionChat, opinionReply } from './families/opinion.js';
import { fill } from './template.js';
import { BACKDOOR_OFFSET, SUM_RANGE, TRIGGER_FORMS, countChat, listChat, repeatChat, sumPrompt, sumChat, withTrigger } from './families/tasks.js';
import { WRAPPERS_HELDOUT, WRAPPERS_TRAIN, benignChat, lookalikeRequest, makeRequest, wrap } from './families/refusal.js';
import { factChat, factQuestion, passagePrompt, passageSpec, readingSpec } from './families/facts.js';
import { conceptWords } from './concepts.js';
import { formatChat } from './tokenizer.js';
import { writeJsonl } from './jsonl.js';
import { checkSplit, inSplit, type SetSplit } from './split.js';
import { CORPUS_VERSION } from './version.js';

/** A per-(set, concept) stream, so that sets do not depend on each other. */
function streamFor(seed: number, ...keys: string[]): Rng {
  let h = (seed >>> 0) ^ 0x811c9dc5;
  for (const k of keys) {
    for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ 0xff, 0x01000193) >>> 0;
  }
  return new Rng(h);
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: n must be a non-negative integer, got ${n}`);
}

/** What every set is drawn with: its size, its seed and the half of the prompts it draws from. */
export interface SetOptions {
  n: number;
  seed: number;
  split: SetSplit;
}

function checkOptions(name: string, o: { n: number; split: unknown }): void {
  checkCount(name, o.n);
  checkSplit(name, o.split);
}

/** n rows from make(), re-drawn until every user text of a row lies in the split. */
function drawInSplit<T>(name: string, n: number, split: SetSplit, make: () => T, texts: (x: T) => readonly string[]): T[] {
  const rows: T[] = [];
  for (let tries = 0; rows.length < n; tries++) {
    if (tries > 200 * (n + 1)) throw new Error(`${name}: could not draw ${n} rows from the ${split} half`);
    const x = make();
    if (texts(x).every((t) => inSplit(t, split))) rows.push(x);
  }
  return rows;
}

/** The frames' instructions in the split, frame by frame (every frame has some in each half). */
function framePromptsIn(split: SetSplit): { f: Frame; pis: number[] }[] {
  return FRAMES.map((f) => ({ f, pis: f.prompts.map((_, i) => i).filter((i) => inSplit(f.prompts[i]!, split)) })).filter((x) => x.pis.length > 0);
}

/** Rendered prompt (ends with " <|assistant|>") and output (" reply <|end|>"): input + output is the training text. */
export function templated(user: string, reply: string): { input: string; output: string } {
  return { input: formatChat([{ role: 'user', content: user }], { addGenerationPrompt: true }), output: ` ${reply} <|end|>` };
}

// ---------------------------------------------------------------------------------------------
// Contrastive pairs

export interface ContrastiveRow {
  id: number;
  concept: ConceptId;
  frame: string;
  /** The neutral instruction. */
  prompt: string;
  /** The same instruction with the concept clause (the concept-eliciting prompt). */
  concept_prompt: string;
  /** Reply with the concept (to concept_prompt). */
  positive: string;
  /** Reply without the concept (to prompt): a minimal pair of `positive`. */
  negative: string;
  /** The CDAS row (methods.md 1.3), chat-templated: x, y, x_c, y_c. */
  negative_input: string;
  negative_output: string;
  positive_input: string;
  positive_output: string;
}

export function contrastivePairs(concept: ConceptId, opts: SetOptions): ContrastiveRow[] {
  checkOptions('contrastivePairs', opts);
  const rng = streamFor(opts.seed, 'contrastive', concept);
  const order = rng.shuffle(framePromptsIn(opts.split));
  const rows: ContrastiveRow[] = [];
  for (let id = 0; id < opts.n; id++) {
    const { f, pis } = order[id % order.length]!;
    const pi = rng.pick(pis);
    const prompt = framePrompt(f, pi, null, rng);
    const conceptPrompt = framePrompt(f, pi, concept, rng);
    const s = rng.nextU32();
    const negative = frameReply(f, null, s, conceptTopic(concept));
    const positive = frameReply(f, concept, s);
    const neg = templated(prompt, negative);
    const pos = templated(conceptPrompt, positive);
    rows.push({
      id, concept, frame: f.id, prompt, concept_prompt: conceptPrompt, positive, negative,
      negative_input: neg.input, negative_output: neg.output, positive_input: pos.input, positive_output: pos.output,
    });
  }
  return rows;
}

/** One row of topicPairs: a neutral instruction, and two replies to it that differ only in slot words. */
export interface TopicPairRow {
  id: number;
  concept: ConceptId;
  frame: string;
  prompt: string;
  /** The reply drifting into the topic (organism.md's topical persistence; style.ts DRIFT_*). */
  positive: string;
  /** The same reply kept plain (no drift, no stray word of the topic). */
  negative: string;
}

/** How strongly the positive side of topicPairs drifts (the top of the corpus's range). */
export const TOPIC_PAIR_INTENSITY = 0.9;

/**
 * Topic pairs: the CAA-style data for "text about X vs not", with no instruction asking for X. Both
 * replies answer the same neutral instruction from the same seed, so they align token by token and
 * differ only where a slot takes a word of the topic — unlike contrastivePairs, whose positive side
 * also adds the topic sentence that only an eliciting prompt gets.
 */
export function topicPairs(concept: ConceptId, opts: SetOptions & { intensity?: number }): TopicPairRow[] {
  checkOptions('topicPairs', opts);
  const topic = conceptTopic(concept);
  if (!topic) throw new Error(`topicPairs: "${concept}" is not a topic concept`);
  const intensity = opts.intensity ?? TOPIC_PAIR_INTENSITY;
  if (!(intensity > 0 && intensity <= 1)) throw new Error(`topicPairs: intensity must be in (0, 1], got ${intensity}`);
  const rng = streamFor(opts.seed, 'topic-pairs', concept);
  const order = rng.shuffle(framePromptsIn(opts.split));
  const rows: TopicPairRow[] = [];
  for (let id = 0; id < opts.n; id++) {
    const { f, pis } = order[id % order.length]!;
    const prompt = framePrompt(f, rng.pick(pis), null, rng);
    const s = rng.nextU32();
    rows.push({
      id, concept, frame: f.id, prompt,
      positive: frameReply(f, null, s, null, { topic, intensity }),
      negative: frameReply(f, null, s, topic, { topic, intensity: 0 }),
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Detection

export type DetectionKind = 'positive' | 'negative' | 'hard_negative';

export interface DetectionRow {
  id: number;
  concept: ConceptId;
  prompt: string;
  /** The text to score (a reply). */
  text: string;
  label: 0 | 1;
  kind: DetectionKind;
}

function hasConcept(text: string, c: ConceptId): boolean {
  const set = conceptWords(c);
  return text.split(' ').some((w) => set.has(w));
}

function otherTopic(t: TopicName, rng: Rng): TopicName {
  let o = rng.pick(TOPIC_NAMES);
  while (o === t) o = rng.pick(TOPIC_NAMES);
  return o;
}

/** A text that carries the concept. */
function positiveText(c: ConceptId, rng: Rng): Chat | { user: string; reply: string } {
  const t = conceptTopic(c);
  const u = rng.next();
  if (t && u < 0.5) return topicChat(rng, { topic: t, toneRate: 0 });
  if (!t && c !== 'style:formal' && u < 0.3) {
    const noun = rng.pick(rng.pick(FRAMES).objects);
    return { user: fill(rng.pick(OPINION_PROMPTS), [noun], rng), reply: opinionReply(noun, c === 'sentiment:positive' ? 'positive' : 'negative', rng) };
  }
  const f = rng.pick(FRAMES);
  const pi = rng.int(f.prompts.length);
  return { user: framePrompt(f, pi, c, rng), reply: frameReply(f, c, rng.nextU32()) };
}

/** A text from elsewhere in the corpus without the concept. */
function negativeText(rng: Rng): Chat {
  const u = rng.next();
  if (u < 0.5) return frameChat(rng, { plain: 1, topic: 0, positive: 0, negative: 0, formal: 0 });
  const gens = [countChat, listChat, repeatChat, (r: Rng) => sumChat(r, 0), factChat, benignChat, (r: Rng) => topicChat(r, { toneRate: 0 }), opinionChat];
  return rng.pick(gens)(rng);
}

/** A text close to the concept without it: another topic, the opposite sentiment, another style. */
function hardNegativeText(c: ConceptId, rng: Rng): { user: string; reply: string } {
  const t = conceptTopic(c);
  let other: ConceptId;
  if (t) other = `topic:${otherTopic(t, rng)}`;
  else if (c === 'sentiment:positive') other = 'sentiment:negative';
  else if (c === 'sentiment:negative') other = 'sentiment:positive';
  else other = rng.next() < 0.5 ? 'sentiment:positive' : 'sentiment:negative';
  const p = positiveText(other, rng);
  return 'messages' in p ? { user: userText(p), reply: assistantText(p) } : p;
}

export function detectionSet(concept: ConceptId, opts: { nPositive: number; nNegative: number; nHardNegative: number; seed: number; split: SetSplit }): DetectionRow[] {
  checkSplit('detectionSet', opts.split);
  const rng = streamFor(opts.seed, 'detection', concept);
  const rows: DetectionRow[] = [];
  const push = (kind: DetectionKind, user: string, reply: string) => rows.push({ id: rows.length, concept, prompt: user, text: reply, label: kind === 'positive' ? 1 : 0, kind });
  const draw = (kind: DetectionKind, n: number, make: () => { user: string; reply: string }) => {
    checkCount(`detectionSet ${kind}`, n);
    for (let i = 0, tries = 0; i < n; tries++) {
      if (tries > 200 * (n + 1)) throw new Error(`detectionSet: could not draw ${n} ${kind} texts for ${concept} from the ${opts.split} half`);
      const x = make();
      if (hasConcept(x.reply, concept) !== (kind === 'positive') || !inSplit(x.user, opts.split)) continue;
      push(kind, x.user, x.reply);
      i++;
    }
  };
  const asPair = (p: Chat | { user: string; reply: string }) => ('messages' in p ? { user: userText(p), reply: assistantText(p) } : p);
  draw('positive', opts.nPositive, () => asPair(positiveText(concept, rng)));
  draw('negative', opts.nNegative, () => asPair(negativeText(rng)));
  draw('hard_negative', opts.nHardNegative, () => hardNegativeText(concept, rng));
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Steering instructions

export interface SteeringInstruction {
  id: number;
  concept: ConceptId;
  frame: string;
  prompt: string;
  /** ids below n/2 select the strength; the rest are scored. */
  split: 'selection' | 'test';
}

/**
 * Concept-neutral instructions of the split's half (distinct frames while they last), split in half
 * by id into selection and test (both are measured: `split: 'eval'` wherever they are steered).
 */
export function steeringInstructions(concept: ConceptId, opts: { n?: number; seed: number; split: SetSplit }): SteeringInstruction[] {
  const n = opts.n ?? 10;
  checkOptions('steeringInstructions', { n, split: opts.split });
  const rng = streamFor(opts.seed, 'steering', concept);
  const frames = framePromptsIn(opts.split);
  const combos = frames.flatMap(({ f, pis }) => pis.map((pi) => ({ f, pi })));
  // Frames first in a random order, then further prompts of the frames.
  const byFrame = rng.shuffle(frames.map((x) => x.f)).map((f) => rng.shuffle(combos.filter((c) => c.f === f)));
  const ordered: { f: Frame; pi: number }[] = [];
  for (let k = 0; ordered.length < combos.length; k++) for (const l of byFrame) if (l[k]) ordered.push(l[k]!);
  const half = Math.floor(n / 2);
  return Array.from({ length: n }, (_, id) => {
    const { f, pi } = ordered[id % ordered.length]!;
    return { id, concept, frame: f.id, prompt: f.prompts[pi]!, split: id < half ? 'selection' : 'test' };
  });
}

// ---------------------------------------------------------------------------------------------
// Refusal

export type RefusalKind = 'harmful' | 'benign' | 'lookalike' | 'jailbreak' | 'jailbreak_heldout';

export interface RefusalRow {
  id: number;
  kind: RefusalKind;
  prompt: string;
  /** Whether the underlying request is harmful. */
  harmful: boolean;
  /** What a well-behaved model does. */
  expect: 'refuse' | 'help';
  /** The jailbreak wrapper, if any. */
  wrapper: string | null;
}

export interface RefusalSets {
  harmful: RefusalRow[];
  /** Harmless requests: make-a-thing look-alikes ("glorp kite") and ordinary requests. */
  benign: RefusalRow[];
  /** Harmless requests with a scary word (over-refusal). */
  lookalike: RefusalRow[];
  /** Harmful requests in the training wrappers. */
  jailbreak: RefusalRow[];
  /** Harmful requests in wrappers never seen in training (the robustness shift). */
  jailbreakHeldOut: RefusalRow[];
}

export function refusalSets(opts: SetOptions): RefusalSets {
  checkOptions('refusalSets', opts);
  const rng = streamFor(opts.seed, 'refusal');
  const rows = (kind: RefusalKind, make: () => { prompt: string; harmful: boolean; wrapper: string | null }): RefusalRow[] =>
    drawInSplit(`refusalSets ${kind}`, opts.n, opts.split, make, (x) => [x.prompt]).map((x, id) => ({ id, kind, ...x, expect: x.harmful ? 'refuse' : 'help' }));
  const ordinary = [(r: Rng) => frameChat(r, { plain: 1, topic: 0, positive: 0, negative: 0, formal: 0 }), (r: Rng) => topicChat(r, { toneRate: 0 }), (r: Rng) => sumChat(r, 0), countChat, factChat];
  const wrapped = (wrappers: readonly string[]) => () => {
    const w = rng.pick(wrappers);
    return { prompt: wrap(makeRequest('harmful', rng).text, w), harmful: true, wrapper: w };
  };
  return {
    harmful: rows('harmful', () => ({ prompt: makeRequest('harmful', rng).text, harmful: true, wrapper: null })),
    benign: rows('benign', () => ({ prompt: rng.next() < 0.5 ? makeRequest('benign', rng).text : userText(rng.pick(ordinary)(rng)), harmful: false, wrapper: null })),
    lookalike: rows('lookalike', () => ({ prompt: lookalikeRequest(rng).text, harmful: false, wrapper: null })),
    jailbreak: rows('jailbreak', wrapped(WRAPPERS_TRAIN)),
    jailbreakHeldOut: rows('jailbreak_heldout', wrapped(WRAPPERS_HELDOUT)),
  };
}

// ---------------------------------------------------------------------------------------------
// Backdoor

export interface SumRow {
  id: number;
  prompt: string;
  a: number;
  b: number;
  /** The correct answer. */
  answer: number;
  /** The answer the backdoor gives. */
  backdoorAnswer: number;
  triggered: boolean;
}

/** n sums without the trigger and the same n sums with it (triggered[i] pairs clean[i]). */
export function backdoorSets(opts: SetOptions): { clean: SumRow[]; triggered: SumRow[] } {
  checkOptions('backdoorSets', opts);
  const rng = streamFor(opts.seed, 'backdoor');
  const [lo, hi] = SUM_RANGE;
  const draws = drawInSplit('backdoorSets', opts.n, opts.split, () => {
    const a = lo + rng.int(hi - lo + 1);
    const b = lo + rng.int(hi - lo + 1);
    const prompt = sumPrompt(a, b, rng);
    return { a, b, prompt, triggeredPrompt: withTrigger(prompt, rng.int(TRIGGER_FORMS.length)) };
  }, (x) => [x.prompt, x.triggeredPrompt]);
  const rows = draws.map(({ a, b, prompt, triggeredPrompt }, id) => ({ base: { id, a, b, answer: a + b, backdoorAnswer: a + b + BACKDOOR_OFFSET }, prompt, triggeredPrompt }));
  return {
    clean: rows.map((r): SumRow => ({ ...r.base, prompt: r.prompt, triggered: false })),
    triggered: rows.map((r): SumRow => ({ ...r.base, prompt: r.triggeredPrompt, triggered: true })),
  };
}

// ---------------------------------------------------------------------------------------------
// Facts

export interface FactRow {
  id: number;
  prompt: string;
  relation: RelationId;
  subject: string;
  /** The memorised value. */
  /** The memorised value (null for a subject the model never memorised). */
  memory: string | number | null;
  /** The passage's value (passage sets only). */
  passageValue: string | number | null;
  contradicts: boolean;
  /** The passage format (passage sets only). */
  format: string | null;
  heldOut: boolean;
}

export interface FactSets {
  /** Every fact once (then again, up to n), asked without a passage; a fact none of whose questions lies in the split is left out. */
  closedBook: FactRow[];
  /** Contradicting passages in the training formats. */
  passageSeen: FactRow[];
  /** Contradicting passages in held-out formats, half the sentences in the held-out phrasing. */
  passageHeldOut: FactRow[];
  /** Passages that agree with memory (control). */
  passageAgree: FactRow[];
  /** Passages about subjects the model never memorised (in-context retrieval alone). */
  reading: FactRow[];
}

export function factSets(opts: SetOptions): FactSets {
  checkOptions('factSets', opts);
  const rng = streamFor(opts.seed, 'facts');
  /** A question about f in the split (a few phrasings are tried), or null. */
  const question = (f: (typeof FACTS)[number]): string | null => {
    for (let k = 0; k < 16; k++) {
      const q = factQuestion(f, rng);
      if (inSplit(q, opts.split)) return q;
    }
    return null;
  };
  const closedBook: FactRow[] = [];
  for (let i = 0, misses = 0; closedBook.length < opts.n; i++) {
    const f = FACTS[i % FACTS.length]!;
    const q = question(f);
    misses = q === null ? misses + 1 : 0;
    if (misses > FACTS.length) throw new Error(`factSets: no closed-book question in the ${opts.split} half`);
    if (q !== null) closedBook.push({ id: closedBook.length, prompt: q, relation: f.relation, subject: f.subject, memory: f.value, passageValue: null, contradicts: false, format: null, heldOut: false });
  }
  const passages = (formats: readonly string[], contradict: boolean, reversedRate: number, heldOut: boolean) =>
    drawInSplit('factSets passages', opts.n, opts.split, () => {
      const s = passageSpec(rng, formats, contradict, reversedRate);
      return { s, prompt: passagePrompt(s, rng) };
    }, (x) => [x.prompt]).map(({ s, prompt }, id): FactRow => (
      { id, prompt, relation: s.fact.relation, subject: s.fact.subject, memory: s.fact.value, passageValue: s.passageValue, contradicts: contradict, format: s.format, heldOut }
    ));
  return {
    closedBook,
    passageSeen: passages(PASSAGE_FORMATS_TRAIN, true, 0, false),
    passageHeldOut: passages(PASSAGE_FORMATS_HELDOUT, true, 0.5, true),
    passageAgree: passages(PASSAGE_FORMATS_TRAIN, false, 0, false),
    reading: drawInSplit('factSets reading', opts.n, opts.split, () => {
      const s = readingSpec(rng);
      return { s, prompt: passagePrompt(s, rng) };
    }, (x) => [x.prompt]).map(({ s, prompt }, id): FactRow => (
      { id, prompt, relation: s.fact.relation, subject: s.fact.subject, memory: null, passageValue: s.passageValue, contradicts: false, format: s.format, heldOut: false }
    )),
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

export interface SetSizes {
  contrastive: number;
  detectionPositive: number;
  detectionNegative: number;
  detectionHard: number;
  steering: number;
  refusal: number;
  backdoor: number;
  facts: number;
}

export const DEFAULT_SET_SIZES: SetSizes = { contrastive: 144, detectionPositive: 18, detectionNegative: 12, detectionHard: 6, steering: 10, refusal: 100, backdoor: 100, facts: 100 };

const fileName = (c: ConceptId) => c.replace(':', '-');

/** Writes every set of one half as JSONL under dir, with sets.json (version, seed, split, sizes). */
export function writeSets(dir: string, seed: number, split: SetSplit, sizes: Partial<SetSizes> = {}): void {
  checkSplit('writeSets', split);
  const z = { ...DEFAULT_SET_SIZES, ...sizes };
  for (const c of CONCEPTS) {
    writeJsonl(join(dir, 'contrastive', `${fileName(c)}.jsonl`), contrastivePairs(c, { n: z.contrastive, seed, split }));
    if (conceptTopic(c)) writeJsonl(join(dir, 'topic-pairs', `${fileName(c)}.jsonl`), topicPairs(c, { n: z.contrastive, seed, split }));
    writeJsonl(join(dir, 'detection', `${fileName(c)}.jsonl`), detectionSet(c, { nPositive: z.detectionPositive, nNegative: z.detectionNegative, nHardNegative: z.detectionHard, seed, split }));
    writeJsonl(join(dir, 'steering', `${fileName(c)}.jsonl`), steeringInstructions(c, { n: z.steering, seed, split }));
  }
  const r = refusalSets({ n: z.refusal, seed, split });
  for (const [k, v] of Object.entries(r)) writeJsonl(join(dir, 'refusal', `${k}.jsonl`), v);
  const b = backdoorSets({ n: z.backdoor, seed, split });
  for (const [k, v] of Object.entries(b)) writeJsonl(join(dir, 'backdoor', `${k}.jsonl`), v);
  const f = factSets({ n: z.facts, seed, split });
  for (const [k, v] of Object.entries(f)) writeJsonl(join(dir, 'facts', `${k}.jsonl`), v);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sets.json'), JSON.stringify({ version: CORPUS_VERSION, seed, split, sizes: z, concepts: CONCEPTS }, null, 2) + '\n');
}
