// What a local judge model and an endpoint share: three rubric prompts per reply, the cache in
// front of the model (a prompt seen before costs nothing; repeats within a batch are asked once),
// each new text cached the moment it arrives, and the rating parsed from the text.
// Subclasses say only how to turn prompts into texts.

import { ASPECTS, type Judge, type JudgeItem, type JudgeStats, type ReplyJudgement } from './judge.js';
import { rubricPrompt, RUBRIC_VERSION } from './rubric.js';
import { parseRating } from './rating.js';
import { judgementKey, type JudgementCache } from './cache.js';

export abstract class RubricJudge implements Judge {
  abstract readonly id: string;
  private readonly counts: JudgeStats = { calls: 0, cached: 0, unparsed: 0 };

  constructor(protected readonly cache: JudgementCache | null) {}

  /**
   * What makes two judges' texts interchangeable (kind, model, endpoint, settings): it keys the
   * cache together with the rubric version and the prompt.
   */
  protected abstract identity(): string;

  /** The judge model's text for each prompt; `onText` is called as each one arrives. */
  protected abstract complete(prompts: readonly string[], onText: (i: number, text: string) => void): Promise<string[]>;

  stats(): JudgeStats {
    return { ...this.counts };
  }

  async judge(items: readonly JudgeItem[]): Promise<ReplyJudgement[]> {
    const prompts = items.flatMap((it) => ASPECTS.map((a) => rubricPrompt(a, it)));
    const texts = await this.askAll(prompts, `rubric ${RUBRIC_VERSION}`);
    return items.map((_, i) => {
      const out = {} as ReplyJudgement;
      ASPECTS.forEach((a, k) => {
        const text = texts[i * 3 + k]!;
        const r = parseRating(text);
        if (!r.parsed) this.counts.unparsed++;
        out[a] = { score: r.score, parsed: r.parsed, text };
      });
      return out;
    });
  }

  /**
   * The judge model's text for every prompt, through the cache: a prompt seen before (under this
   * judge and `template`, the version of the prompts' wording) costs nothing, repeats are asked once.
   */
  async askAll(prompts: readonly string[], template: string): Promise<string[]> {
    const identity = `${this.identity()}|${template}`;
    const keys = prompts.map((p) => judgementKey(identity, p));
    const texts = new Map<string, string>();
    const ask: { key: string; prompt: string }[] = [];
    const asked = new Set<string>();
    for (const [i, key] of keys.entries()) {
      if (texts.has(key) || asked.has(key)) continue;
      const hit = this.cache?.get(key);
      if (hit !== undefined) {
        texts.set(key, hit);
        this.counts.cached++;
      } else {
        asked.add(key);
        ask.push({ key, prompt: prompts[i]! });
      }
    }
    if (ask.length) {
      this.counts.calls += ask.length;
      await this.complete(
        ask.map((x) => x.prompt),
        (i, text) => {
          texts.set(ask[i]!.key, text);
          this.cache?.put(ask[i]!.key, this.id, text);
        },
      );
    }
    return keys.map((key) => {
      const text = texts.get(key);
      if (text === undefined) throw new Error(`${this.id}: no text came back for a rating`);
      return text;
    });
  }

  /** Counts ratings that did not parse, for judgements read outside `judge` (e.g. yes/no questions). */
  noteUnparsed(n: number): void {
    this.counts.unparsed += n;
  }
}
