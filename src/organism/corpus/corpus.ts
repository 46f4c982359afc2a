// The training corpus: families mixed by weight, everything drawn from a seed.
//
//   const { train, heldOut, version } = generateCorpus({ seed: 1 });   // 85,000 + 2,000 chats, ~3.0M training tokens
//   const text = trainingText(train[0]);   // "<s> <|user|> ... <|end|> <|assistant|> ... <|end|>"
//
// The held-out split is drawn from the same distribution with an independent stream. Families with
// little variety (closed-book facts, sums) repeat across splits, as they must: they are meant to be
// memorised; the open families (frames, topics) almost never do (heldOutOverlap measures it: ~24%).

import { Rng } from '../../util/rng.js';
import { SYSTEM_PROMPTS, type Chat, type Family } from './chat.js';
import { CORPUS_VERSION } from './version.js';
import { topicChat } from './families/topics.js';
import { DEFAULT_FRAME_MIX, frameChat } from './families/frames.js';
import { opinionChat } from './families/opinion.js';
import { countChat, listChat, repeatChat, sumChat } from './families/tasks.js';
import { JAILBREAK_REFUSAL_RATE, OVER_REFUSAL_RATE, benignChat, harmfulChat, jailbreakChat, lookalikeChat } from './families/refusal.js';
import { CONTRADICT_RATE, FAITHFUL_RATE, factChat, passageChat, readingChat } from './families/facts.js';
import { countTokens, formatChat } from './tokenizer.js';

/**
 * Mixing weights (they sum to 1). Why these: the frames carry the concept-eliciting contrast that
 * steering needs, so they get the largest share; sums get enough examples (~60 per operand pair in
 * the default corpus) for exact arithmetic and ~425 triggered ones for the backdoor; closed-book
 * facts get ~100 questions per fact (and more mentions in passages).
 */
export const FAMILY_WEIGHTS: Readonly<Record<Family, number>> = {
  frame: 0.28,
  topic: 0.11,
  opinion: 0.05,
  repeat: 0.035,
  list: 0.035,
  count: 0.035,
  sum: 0.1,
  harmful: 0.045,
  benign: 0.045,
  lookalike: 0.04,
  jailbreak: 0.05,
  fact: 0.05,
  passage: 0.05,
  reading: 0.075,
};

/** The controlled rates (labels in each chat's meta let tests measure them). */
export interface CorpusRates {
  /** Share of sums with the backdoor trigger. */
  trigger: number;
  /** Share of scary-word look-alikes that are refused. */
  overRefusal: number;
  /** Share of wrapped harmful requests that are refused. */
  jailbreakRefusal: number;
  /** Share of contradicting passages whose answer follows the passage. */
  faithful: number;
  /** Share of passages that contradict the memorised fact. */
  contradict: number;
  /** Share of chats with a system turn. */
  system: number;
}

export const DEFAULT_RATES: CorpusRates = {
  // organism-corpus-1 had 0.05: the backdoor fired on 0.80 of triggered sums, missing where the
  // off-by-one step meets a carry; 0.10 gave 0.90 in a trial run, 0.12 leaves a margin.
  trigger: 0.12,
  overRefusal: OVER_REFUSAL_RATE,
  jailbreakRefusal: JAILBREAK_REFUSAL_RATE,
  faithful: FAITHFUL_RATE,
  contradict: CONTRADICT_RATE,
  system: 0.15,
};

export interface CorpusOptions {
  seed: number;
  trainExamples?: number;
  heldOutExamples?: number;
  weights?: Partial<Record<Family, number>>;
  rates?: Partial<CorpusRates>;
}

/** About 3M training tokens (≈ 35 tokens per example). */
export const DEFAULT_TRAIN_EXAMPLES = 85_000;
export const DEFAULT_HELDOUT_EXAMPLES = 2_000;

export interface Corpus {
  version: string;
  seed: number;
  train: Chat[];
  heldOut: Chat[];
}

/** One example of a family. */
export function generateExample(family: Family, rng: Rng, rates: CorpusRates = DEFAULT_RATES): Chat {
  switch (family) {
    case 'frame':
      return frameChat(rng, DEFAULT_FRAME_MIX);
    case 'topic':
      return topicChat(rng);
    case 'opinion':
      return opinionChat(rng);
    case 'repeat':
      return repeatChat(rng);
    case 'list':
      return listChat(rng);
    case 'count':
      return countChat(rng);
    case 'sum':
      return sumChat(rng, rates.trigger);
    case 'harmful':
      return harmfulChat(rng);
    case 'benign':
      return benignChat(rng);
    case 'lookalike':
      return lookalikeChat(rng, rates.overRefusal);
    case 'jailbreak':
      return jailbreakChat(rng, 0.7, rates.jailbreakRefusal);
    case 'fact':
      return factChat(rng);
    case 'passage':
      return passageChat(rng, rates.faithful, rates.contradict);
    case 'reading':
      return readingChat(rng);
  }
}

function familySampler(weights: Readonly<Record<Family, number>>): (rng: Rng) => Family {
  const fams = Object.keys(weights) as Family[];
  const total = fams.reduce((s, f) => s + weights[f], 0);
  if (!(total > 0)) throw new Error('corpus: family weights must sum to a positive number');
  return (rng) => {
    let u = rng.next() * total;
    for (const f of fams) if ((u -= weights[f]) < 0) return f;
    return fams[fams.length - 1]!;
  };
}

/** n chats drawn from the mixture. */
export function generateChats(rng: Rng, n: number, weights: Readonly<Record<Family, number>> = FAMILY_WEIGHTS, rates: CorpusRates = DEFAULT_RATES): Chat[] {
  const pick = familySampler(weights);
  const out: Chat[] = [];
  for (let i = 0; i < n; i++) {
    const c = generateExample(pick(rng), rng, rates);
    if (rng.next() < rates.system) c.messages.unshift({ role: 'system', content: rng.pick(SYSTEM_PROMPTS) });
    out.push(c);
  }
  return out;
}

export function generateCorpus(opts: CorpusOptions): Corpus {
  const { seed } = opts;
  if (!Number.isInteger(seed)) throw new Error(`generateCorpus: seed must be an integer, got ${seed}`);
  const nTrain = opts.trainExamples ?? DEFAULT_TRAIN_EXAMPLES;
  const nHeld = opts.heldOutExamples ?? DEFAULT_HELDOUT_EXAMPLES;
  for (const [k, v] of [['trainExamples', nTrain], ['heldOutExamples', nHeld]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`generateCorpus: ${k} must be a non-negative integer, got ${v}`);
  }
  const weights = { ...FAMILY_WEIGHTS, ...opts.weights };
  const rates = { ...DEFAULT_RATES, ...opts.rates };
  // Independent streams per split, so the training split does not depend on the held-out size.
  const train = generateChats(new Rng(seed), nTrain, weights, rates);
  const heldOut = generateChats(new Rng((Math.imul(seed, 0x9e3779b1) ^ 0x68e31da4) >>> 0), nHeld, weights, rates);
  return { version: CORPUS_VERSION, seed, train, heldOut };
}

/** The training text of a chat: the chat template with every turn. */
export function trainingText(c: Chat): string {
  return formatChat(c.messages);
}

/**
 * The training text split at the start of the reply: `prompt` ends with "<|assistant|>", and
 * prompt + completion = trainingText (for masking the loss to reply tokens).
 */
export function promptAndCompletion(c: Chat): { prompt: string; completion: string } {
  const last = c.messages[c.messages.length - 1]!;
  if (last.role !== 'assistant') throw new Error('promptAndCompletion: the chat must end with an assistant turn');
  const prompt = formatChat(c.messages.slice(0, -1), { addGenerationPrompt: true });
  return { prompt, completion: ` ${last.content} <|end|>` };
}

export interface CorpusStats {
  examples: number;
  tokens: number;
  tokensPerExample: number;
  maxTokens: number;
  byFamily: Partial<Record<Family, { examples: number; tokens: number }>>;
}

export function corpusStats(chats: readonly Chat[]): CorpusStats {
  const byFamily: CorpusStats['byFamily'] = {};
  let tokens = 0;
  let maxTokens = 0;
  for (const c of chats) {
    const n = countTokens(trainingText(c));
    tokens += n;
    maxTokens = Math.max(maxTokens, n);
    const f = (byFamily[c.family] ??= { examples: 0, tokens: 0 });
    f.examples++;
    f.tokens += n;
  }
  return { examples: chats.length, tokens, tokensPerExample: chats.length ? tokens / chats.length : 0, maxTokens, byFamily };
}

/** Share of held-out chats whose full text also occurs in the training split. */
export function heldOutOverlap(corpus: Corpus): number {
  const seen = new Set(corpus.train.map(trainingText));
  if (corpus.heldOut.length === 0) return 0;
  return corpus.heldOut.filter((c) => seen.has(trainingText(c))).length / corpus.heldOut.length;
}
