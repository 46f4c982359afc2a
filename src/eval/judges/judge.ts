// The steering judge interface (evaluation.md, "Judges (one interface)"): per reply three scores
// on AxBench's 0/1/2 scale — concept, instruction, fluency — each with the judge's own words kept
// for reports. Exact program judges, a local model and an OpenAI-compatible endpoint all implement
// it, so `runAxBench` never knows which one it talks to.
//
//   const [j] = await judge.judge([{ instruction: 'describe your day', reply, concept: { id: 'topic:ocean', description: 'the ocean' } }]);
//   j.concept.score   // 0 | 1 | 2 (a judge model may give a decimal in [0, 2], as AxBench accepts)

export const ASPECTS = ['concept', 'instruction', 'fluency'] as const;
export type Aspect = (typeof ASPECTS)[number];

/** One reply to judge. */
export interface JudgeItem {
  /** The instruction the reply answers (the plain one, also for the prompting baseline). */
  instruction: string;
  reply: string;
  /** The concept steered toward: its id (what exact judges read) and words a judge model reads. */
  concept: { id: string; description: string };
}

export interface Judgement {
  /** The rating; 0 when a judge model's text held no rating in range. */
  score: number;
  /** False when the rating was missing or out of range (the score is then 0). */
  parsed: boolean;
  /** What the judge said: a judge model's whole text, or an exact judge's reading. */
  text: string;
}

export type ReplyJudgement = Record<Aspect, Judgement>;

export interface JudgeStats {
  /** Ratings asked of the judge model (cache misses); 0 for exact judges. */
  calls: number;
  /** Ratings read back from the cache. */
  cached: number;
  /** Ratings that did not parse (counted as 0). */
  unparsed: number;
}

export interface Judge {
  /** Names the judge in reports ("exact (organism)", "endpoint gpt-4o-mini at URL", ...). */
  readonly id: string;
  /** The three judgements of every item, in order. */
  judge(items: readonly JudgeItem[]): Promise<ReplyJudgement[]>;
  stats(): JudgeStats;
}

/** The AxBench reply score: harmonic mean of three 0/1/2 scores, 0 if any is 0. */
export function harmonicMean(scores: readonly number[]): number {
  if (scores.length === 0) throw new Error('harmonicMean: no scores');
  let inv = 0;
  for (const s of scores) {
    if (!(s > 0)) return 0;
    inv += 1 / s;
  }
  return scores.length / inv;
}
