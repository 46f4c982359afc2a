// Steering efficacy by the AxBench protocol (evaluation.md), scored by the Judge it is given
// (judges/judge.ts): a judge model (local or behind an endpoint), or on the organism its exact
// judges. The concepts' instructions, clauses and descriptions come from the caller too (the
// organism's: src/organism/axbench.ts; your own: axbench-concepts.ts); nothing here knows the organism.
//
// Per concept: instructions unrelated to it, split by id; the selection half picks the strength
// factor (the best mean reply score over a sweep), the test half is scored at that factor only.
// Additive strength = factor × the largest projection seen on the concept's positive texts, applied
// as h + s·v̂ (AxBench's scale). Reply score = harmonic mean of the concept, instruction and
// fluency scores (0/1/2 each; 0 if any is 0); concept score = mean over test replies; method
// score = mean over concepts, with a bootstrap interval over test replies. Baselines on the same
// test instructions: unsteered, and prompting (the concept asked for in the instruction). The
// artifact's own derived default strength is reported too, with no sweep.
//
// Clamp artifacts (CDAS) sweep a multiplier of their derived strength instead, as the CDAS
// repository does for AxBench (methods.md §1.6): strength = factor × the default (1), i.e. the
// clamp to μ− + factor·(μ+ − μ−) (ClampIntervention; the repository clamps to factor·μ+, see
// methods/cdas/method.ts for why we scale from μ−). Their ×1 is the `derived` row.

import type { DecoderModel } from '../models/decoder.js';
import type { Tokenizer } from '../tokenizer/index.js';
import type { Artifact } from '../artifact/artifact.js';
import { artifactInterventions } from '../artifact/apply.js';
import { hooksFor } from '../intervene/index.js';
import { chatReplies } from '../generate/replies.js';
import { harmonicMean, type Aspect, type Judge, type JudgeStats } from './judges/judge.js';
import { maxProjectionScores, type ScoredText } from './concept-detection.js';
import { Rng } from '../util/rng.js';

/** AxBench's factors: multiples of the largest projection on the concept's data. */
export const AXBENCH_FACTORS = [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.5, 3, 4, 5] as const;

/** The CDAS repository's multipliers of the data-derived clamp for AxBench (gemma-2-2b; methods.md §1.6). */
export const CDAS_FACTORS = [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 12.0, 14.0] as const;

export interface ReplyScore {
  prompt: string;
  reply: string;
  concept: number;
  instruction: number;
  fluency: number;
  score: number;
  /** What the judge said for each score. */
  judge: Record<Aspect, string>;
  /** How many of the three ratings did not parse (each counted as 0). */
  unparsed: number;
}

export interface ConditionScore {
  /** Mean reply score (0–2). */
  score: number;
  concept: number;
  instruction: number;
  fluency: number;
  /** Ratings that did not parse over all replies. */
  unparsed: number;
  replies: ReplyScore[];
}

export interface ConceptResult {
  concept: string;
  /**
   * The unit of the factors: additive artifacts, the largest projection on the concept's positive
   * texts; clamps (CDAS), the derived strength (1: the factor multiplies the way from μ− to μ+).
   */
  scale: number;
  /** How a factor became a strength: additive (factor × scale / ‖v‖) or clamp (factor × scale). */
  sweep: 'additive' | 'clamp';
  /** The instructions that chose the factor (never scored) and those scored (never choosing). */
  selectionPrompts: string[];
  testPrompts: string[];
  /** Selection-half mean score per factor. */
  selection: { factor: number; score: number }[];
  factor: number;
  /** Scored at the chosen factor; strength: what the interventions were given. */
  steered: ConditionScore & { strength: number };
  derived: ConditionScore & { strength: number };
  unsteered: ConditionScore;
  prompting: ConditionScore;
}

export interface AxBenchResult {
  method: string;
  factors: readonly number[];
  concepts: ConceptResult[];
  /** Mean over concepts, with a 95% bootstrap interval over test replies. */
  summary: Record<'steered' | 'derived' | 'unsteered' | 'prompting', { score: number; lo: number; hi: number }>;
  /**
   * The chosen factor against the artifact's own derived strength on the same test instructions:
   * mean over concepts of steered − derived, with a paired 95% bootstrap interval. Above 0 with its
   * interval, the selection beat the default; an interval around 0 says the sweep bought nothing.
   */
  selectedMinusDerived: { score: number; lo: number; hi: number };
  /** The judge, the ratings it was asked for, read from its cache, and that did not parse. */
  judge: { id: string } & JudgeStats;
  settings: { instructions: number; maxTokens: number; temperature: number; seed: number; bootstrap: number };
}

/** What the protocol needs to know of a concept besides its artifact. */
export interface AxBenchConceptSpec {
  /** For a judge model: what the concept is. */
  description: string;
  /** Instructions unrelated to the concept, each in the selection or the test half. */
  instructions: { prompt: string; split: 'selection' | 'test' }[];
  /**
   * Clauses that ask for the concept: the prompting baseline appends one to a test instruction, or,
   * where a clause holds {instruction}, puts the instruction there (a request before it, say).
   */
  clauses: string[];
}

export interface AxBenchOptions<C extends string = string> {
  model: DecoderModel;
  tokenizer: Tokenizer;
  eosTokenIds: readonly number[];
  /** The artifact for a concept, and the concept's positive texts (for the scale). */
  fit: (concept: C) => { artifact: Artifact; positives: ScoredText[] };
  concepts: readonly C[];
  /** A concept's instructions, clauses and description (the organism's: organismConceptSpec in src/organism/axbench.ts). */
  spec: (concept: C, instructions: number, seed: number) => AxBenchConceptSpec;
  method: string;
  /** Instructions per concept (half select, half test). AxBench: 10. */
  instructions?: number;
  /** The sweep (default AXBENCH_FACTORS; for clamp artifacts the CLI passes CDAS_FACTORS). */
  factors?: readonly number[];
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  bootstrap?: number;
  /** Scores every reply (a judge model, or the organism's exact judges: ExactJudge in src/organism/judges). */
  judge: Judge;
  onProgress?: (what: string, done: number, total: number) => void;
}

async function scoreReplies(judge: Judge, prompts: readonly string[], replies: readonly string[], concept: { id: string; description: string }, judgedPrompts?: readonly string[]): Promise<ConditionScore> {
  // The prompting baseline is judged against the plain instruction, as the steered replies are.
  const judged = judgedPrompts ?? prompts;
  const js = await judge.judge(replies.map((reply, i) => ({ instruction: judged[i]!, reply, concept })));
  const rs = replies.map((reply, i): ReplyScore => {
    const j = js[i]!;
    return {
      prompt: judged[i]!, reply,
      concept: j.concept.score, instruction: j.instruction.score, fluency: j.fluency.score,
      score: harmonicMean([j.concept.score, j.instruction.score, j.fluency.score]),
      judge: { concept: j.concept.text, instruction: j.instruction.text, fluency: j.fluency.text },
      unparsed: [j.concept, j.instruction, j.fluency].filter((x) => !x.parsed).length,
    };
  });
  const m = (k: 'score' | 'concept' | 'instruction' | 'fluency') => rs.reduce((s, r) => s + r[k], 0) / Math.max(1, rs.length);
  return { score: m('score'), concept: m('concept'), instruction: m('instruction'), fluency: m('fluency'), unparsed: rs.reduce((s, r) => s + r.unparsed, 0), replies: rs };
}

/**
 * How the sweep turns a factor into a strength for this artifact. Additive directions: factor ×
 * the largest projection on the positive texts, divided by ‖v‖ so the added vector has that length
 * (AxBench). Clamps (CDAS): factor × the derived strength, the repository's multiplier on the
 * data-derived target. Anything else has no sweep.
 */
export function sweepUnit(model: DecoderModel, art: Artifact, positives: readonly ScoredText[]): { sweep: 'additive' | 'clamp'; scale: number; strength: (factor: number) => number } {
  const recs = art.meta.interventions;
  if (recs.length > 0 && recs.every((r) => r.kind === 'clamp')) {
    const scale = recs[0]!.default_strength;
    return { sweep: 'clamp', scale, strength: (f) => f * scale };
  }
  const rec = recs[0]!;
  const t = art.tensors.get(rec.tensors['direction'] ?? '');
  if (!t || rec.kind !== 'add') throw new Error(`axbench: artifact ${art.meta.name} (${art.meta.method}) is neither an additive direction nor a clamp; the strength sweep applies to those`);
  let n = 0;
  for (const x of t.toFloat('f32').data as Float32Array) n += x * x;
  const norm = Math.sqrt(n);
  const scale = Math.max(...maxProjectionScores(model, art, positives));
  if (!(scale > 0)) throw new Error(`axbench: ${art.meta.name}: the largest projection on its positive texts is ${scale}; the factors need a positive scale`);
  return { sweep: 'additive', scale, strength: (f) => (f * scale) / norm };
}

/** A test instruction with a clause that asks for the concept: at {instruction} if it has one, else after it. */
export function askWith(instruction: string, clause: string): string {
  return clause.includes('{instruction}') ? clause.replace('{instruction}', instruction) : `${instruction} ${clause}`;
}

/** 95% interval of the mean over concepts of each concept's mean reply score, resampling replies. */
function bootstrap(perConcept: readonly number[][], n: number, seed: number): { score: number; lo: number; hi: number } {
  const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const score = mean(perConcept.map(mean));
  const rng = new Rng(seed);
  const stats: number[] = [];
  for (let b = 0; b < n; b++) {
    let tot = 0;
    for (const xs of perConcept) {
      let s = 0;
      for (let i = 0; i < xs.length; i++) s += xs[rng.int(xs.length)]!;
      tot += xs.length ? s / xs.length : 0;
    }
    stats.push(tot / perConcept.length);
  }
  stats.sort((a, b) => a - b);
  return { score, lo: stats[Math.floor(0.025 * (n - 1))] ?? score, hi: stats[Math.ceil(0.975 * (n - 1))] ?? score };
}

function judgeCounts(judge: Judge, before: JudgeStats): AxBenchResult['judge'] {
  const now = judge.stats();
  return { id: judge.id, calls: now.calls - before.calls, cached: now.cached - before.cached, unparsed: now.unparsed - before.unparsed };
}

export async function runAxBench<C extends string = string>(o: AxBenchOptions<C>): Promise<AxBenchResult> {
  const judge = o.judge;
  // The judge may have judged before this run: report this run's share of its counts.
  const before = judge.stats();
  const factors = o.factors ?? AXBENCH_FACTORS;
  const nInstr = o.instructions ?? 10;
  if (!(Number.isInteger(nInstr) && nInstr >= 2)) throw new Error(`axbench: instructions per concept must be an integer ≥ 2 (half select, half test), got ${nInstr}`);
  if (factors.length === 0 || factors.some((f) => !Number.isFinite(f))) throw new Error('axbench: the factors must be finite numbers');
  const settings = { instructions: nInstr, maxTokens: o.maxTokens ?? 128, temperature: o.temperature ?? 1, seed: o.seed ?? 0, bootstrap: o.bootstrap ?? 1000 };
  const gen = { eosTokenIds: o.eosTokenIds, maxTokens: settings.maxTokens, temperature: settings.temperature, seed: settings.seed };
  const results: ConceptResult[] = [];
  for (const [ci, concept] of o.concepts.entries()) {
    const { artifact, positives } = o.fit(concept);
    const unit = sweepUnit(o.model, artifact, positives);
    const spec = o.spec(concept, nInstr, settings.seed + 3);
    if (spec.clauses.length === 0) throw new Error(`axbench: ${concept} has no clause that asks for it (the prompting baseline needs one)`);
    const instr = spec.instructions;
    if (!instr.some((x) => x.split === 'selection') || !instr.some((x) => x.split === 'test')) throw new Error(`axbench: ${concept} needs instructions in both the selection and the test half`);
    const who = { id: concept, description: spec.description };
    const sel = instr.filter((x) => x.split === 'selection').map((x) => x.prompt);
    const test = instr.filter((x) => x.split === 'test').map((x) => x.prompt);
    const run = (prompts: readonly string[], strength: number | null) =>
      chatReplies(o.model, o.tokenizer, prompts, { ...gen, hooks: strength === null ? null : hooksFor(artifactInterventions(artifact, o.model, { strength }), o.model.arch.layers) });
    const selection: { factor: number; score: number }[] = [];
    for (const [fi, factor] of factors.entries()) {
      o.onProgress?.(`${concept} selection`, fi + 1, factors.length);
      selection.push({ factor, score: (await scoreReplies(judge, sel, run(sel, unit.strength(factor)), who)).score });
    }
    // Ties go to the smaller factor (the gentler edit).
    const best = selection.reduce((a, b) => (b.score > a.score ? b : a));
    o.onProgress?.(`${concept} test`, ci + 1, o.concepts.length);
    const clauses = spec.clauses;
    const asked = test.map((p, i) => askWith(p, clauses[i % clauses.length]!));
    const strength = artifact.meta.interventions[0]!.default_strength;
    const chosen = unit.strength(best.factor);
    results.push({
      concept,
      scale: unit.scale,
      sweep: unit.sweep,
      selectionPrompts: sel,
      testPrompts: test,
      selection,
      factor: best.factor,
      steered: { ...(await scoreReplies(judge, test, run(test, chosen), who)), strength: chosen },
      derived: { ...(await scoreReplies(judge, test, run(test, strength), who)), strength },
      unsteered: await scoreReplies(judge, test, run(test, null), who),
      prompting: await scoreReplies(judge, asked, run(asked, null), who, test),
    });
  }
  const sum = (k: 'steered' | 'derived' | 'unsteered' | 'prompting') => bootstrap(results.map((r) => r[k].replies.map((x) => x.score)), settings.bootstrap, settings.seed + 17);
  // Paired: both conditions replied to the same test instructions, in the same order.
  const selectedMinusDerived = bootstrap(results.map((r) => r.steered.replies.map((x, i) => x.score - r.derived.replies[i]!.score)), settings.bootstrap, settings.seed + 19);
  return { method: o.method, factors, concepts: results, summary: { steered: sum('steered'), derived: sum('derived'), unsteered: sum('unsteered'), prompting: sum('prompting') }, selectedMinusDerived, judge: judgeCounts(judge, before), settings };
}
