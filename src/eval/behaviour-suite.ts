// The specificity suite (specificity.ts) on a behaviour file's figures (behaviour-file.ts), on any
// model: every prompt is answered greedily unsteered and under each condition, each reply judged
// by its figure's judge (a script, or a judge model's yes/no), and the shares compared as for the
// organism's card. Replies are generated and judged first (a judge model is asynchronous), then
// the suite reads the outcomes back per condition.
import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { Hooks } from '../models/hooks.js';
import { chatReplies } from '../generate/replies.js';
import { checkContextFits } from '../activations/tokenize.js';
import { runSpecificityCurve, type SpecificityCurveRow } from './specificity.js';
import { BEHAVIOUR_GROUPS, needsModel, type BehaviourFigure, type BehaviourJudge } from './behaviour-file.js';
import { fluent, vocabularyOf } from './vocab-fluency.js';
import { askQuestion } from './judges/question.js';
import type { RubricJudge } from './judges/rubric-judge.js';

export interface BehaviourSuiteOptions {
  model: DecoderModel;
  tokenizer: Tokenizer;
  figures: readonly BehaviourFigure[];
  eosTokenIds: readonly number[];
  maxTokens: number;
  seed: number;
  /** Required when a figure's judge is a model. */
  judge: RubricJudge | null;
  bootstrap?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

/** One condition's replies and verdicts, per figure in file order. */
export interface BehaviourRun {
  replies: Record<string, string[]>;
  outcomes: Record<string, boolean[]>;
}

const wordsRegex = (words: readonly string[]) => new RegExp(`(?<![\\p{L}\\p{N}_])(?:${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
const plainQuotes = (s: string) => s.replace(/[\u2018\u2019]/g, "'");

/** Verdicts of one judge on one figure's replies (the vocabulary serves "fluent"). */
export async function verdicts(j: BehaviourJudge, items: readonly { prompt: string; reply: string }[], vocab: ReadonlySet<string>, judge: RubricJudge | null): Promise<boolean[]> {
  switch (j.kind) {
    case 'contains': {
      const re = wordsRegex(j.words);
      return items.map((x) => re.test(x.reply));
    }
    case 'regex':
      return items.map((x) => {
        j.pattern.lastIndex = 0;
        return j.pattern.test(x.reply);
      });
    case 'refusal': {
      const phrases = j.phrases.map((p) => plainQuotes(p).toLowerCase());
      return items.map((x) => {
        const r = plainQuotes(x.reply).toLowerCase();
        return phrases.some((p) => r.includes(p));
      });
    }
    case 'fluent':
      return items.map((x) => fluent(x.reply, vocab));
    case 'not':
      return (await verdicts(j.judge, items, vocab, judge)).map((b) => !b);
    case 'model':
      if (!judge) throw new Error('a figure judged by a model needs a judge model');
      return (await askQuestion(judge, j.question, items)).map((a) => a.yes);
  }
}

/** Refuses a figure judged by a model when no judge model is given, naming the figure's line. */
export function checkJudgeGiven(figures: readonly BehaviourFigure[], given: boolean): void {
  const needs = figures.find((f) => needsModel(f.judge));
  if (needs && !given) throw new Error(`${needs.where}: figure "${needs.figure}" is judged by a model: pass --judge local --judge-model PATH_OR_HUB_ID, or --judge-url URL --judge-model NAME`);
}

/** Refuses a figure whose judge needs a model when none is given, or a prompt past the context. */
export function checkBehaviourSuite(o: Pick<BehaviourSuiteOptions, 'figures' | 'judge' | 'tokenizer' | 'model'>): void {
  checkJudgeGiven(o.figures, o.judge !== null);
  for (const f of o.figures) checkContextFits(o.tokenizer, f.prompts.map((p) => ({ prompt: p, completion: '', label: 1 as const, pair: null, source: `${f.where} ("${p.length > 40 ? `${p.slice(0, 40)}…` : p}")` })), o.model.arch.maxPositions, { chat: true });
}

/** Every figure unsteered and under each condition; the curve rows and every run's replies. */
export async function runBehaviourSuite(conditions: readonly { label: string; hooks: Hooks }[], o: BehaviourSuiteOptions): Promise<{ rows: SpecificityCurveRow[]; unsteered: BehaviourRun; runs: BehaviourRun[] }> {
  checkBehaviourSuite(o);
  const prompts = o.figures.flatMap((f) => f.prompts);
  const generateAll = (label: string, hooks: Hooks | null) => {
    const flat = chatReplies(o.model, o.tokenizer, prompts, { maxTokens: o.maxTokens, temperature: 0, seed: o.seed, eosTokenIds: o.eosTokenIds, hooks, onProgress: (d, t) => o.onProgress?.(`${label}: replies`, d, t) });
    const byFigure: Record<string, string[]> = {};
    let k = 0;
    for (const f of o.figures) byFigure[f.figure] = flat.slice(k, (k += f.prompts.length));
    return byFigure;
  };
  const base = generateAll('unsteered', null);
  const steered = conditions.map((c) => generateAll(c.label, c.hooks));
  // "Normal English for this model": the prompts and the model's own unsteered replies to them.
  const vocab = vocabularyOf([...prompts, ...Object.values(base).flat()]);
  const judgeRun = async (replies: Record<string, string[]>): Promise<BehaviourRun> => {
    const outcomes: Record<string, boolean[]> = {};
    for (const f of o.figures) outcomes[f.figure] = await verdicts(f.judge, f.prompts.map((prompt, i) => ({ prompt, reply: replies[f.figure]![i]! })), vocab, o.judge);
    return { replies, outcomes };
  };
  const unsteered = await judgeRun(base);
  const runs: BehaviourRun[] = [];
  for (const r of steered) runs.push(await judgeRun(r));
  const byHooks = new Map<Hooks | null, BehaviourRun>([[null, unsteered], ...conditions.map((c, i) => [c.hooks, runs[i]!] as const)]);
  const groups: Record<string, string[]> = {};
  for (const g of BEHAVIOUR_GROUPS) {
    const keys = o.figures.filter((f) => f.group === g).map((f) => f.figure);
    if (keys.length) groups[g] = keys;
  }
  const rows = runSpecificityCurve(conditions, { measure: (hooks) => byHooks.get(hooks)!.outcomes, groups, seed: o.seed, bootstrap: o.bootstrap });
  return { rows, unsteered, runs };
}
