// A judge model run by our own runtime: loaded with loadModel (a folder or a hub id in the cache),
// each rubric prompt rendered as one user turn through the model's chat template, answered
// greedily (the judgement must be reproducible, and cacheable), in batches.
//
//   const judge = await LocalModelJudge.load('Qwen/Qwen2.5-1.5B-Instruct', { cache });

import { statSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadModel, stopIds, type LoadedModel } from '../../models/load.js';
import type { ChatTemplateResult, Tokenizer } from '../../tokenizer/index.js';
import { generate } from '../../generate/generate.js';
import { configHash } from '../../artifact/fingerprint.js';
import type { JudgementCache } from './cache.js';
import { RubricJudge } from './rubric-judge.js';

export interface LocalModelJudgeOptions {
  /** Tokens the judge may write (explanation and rating); clipped to the model's context. */
  maxTokens?: number;
  batchSize?: number;
  cache?: JudgementCache | null;
}

export class LocalModelJudge extends RubricJudge {
  readonly id: string;
  private readonly tok: Tokenizer;
  private readonly maxTokens: number;
  private readonly batchSize: number;

  constructor(
    readonly lm: LoadedModel,
    o: LocalModelJudgeOptions = {},
  ) {
    super(o.cache ?? null);
    if (!lm.tokenizer) throw new Error(`judge model ${lm.dir} has no tokenizer.json`);
    this.tok = lm.tokenizer;
    this.maxTokens = o.maxTokens ?? 512;
    this.batchSize = o.batchSize ?? 8;
    if (!(Number.isInteger(this.maxTokens) && this.maxTokens >= 1)) throw new Error(`judge max tokens must be an integer ≥ 1, got ${this.maxTokens}`);
    if (!(Number.isInteger(this.batchSize) && this.batchSize >= 1)) throw new Error(`judge batch size must be an integer ≥ 1, got ${this.batchSize}`);
    this.id = `local ${lm.repoId ?? lm.dir}`;
    // Fail now, not after the first replies were generated, when there is no chat template.
    try {
      this.chatPrompt('test');
    } catch (e) {
      throw new Error(`judge model ${lm.dir}: ${(e as Error).message}`);
    }
  }

  static async load(ref: string, o: LocalModelJudgeOptions = {}): Promise<LocalModelJudge> {
    return new LocalModelJudge(await loadModel(ref), o);
  }

  /** The rubric prompt as the judge model reads it: one user turn of its chat template. */
  chatPrompt(prompt: string): ChatTemplateResult {
    return this.tok.applyChatTemplate([{ role: 'user', content: prompt }], { addGenerationPrompt: true });
  }

  protected identity(): string {
    // The weights file sizes and times stand in for a weight hash (hashing GBs per run is too slow):
    // replacing the weights in place makes every cached judgement a miss.
    const dir = resolve(this.lm.dir);
    const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort().map((f) => {
      const s = statSync(join(dir, f));
      return `${f}:${s.size}:${Math.floor(s.mtimeMs)}`;
    });
    return JSON.stringify({ kind: 'local', model: this.lm.repoId ?? dir, config: configHash(this.lm.model), files, maxTokens: this.maxTokens, decoding: 'greedy' });
  }

  protected async complete(prompts: readonly string[], onText: (i: number, text: string) => void): Promise<string[]> {
    const ctx = this.lm.model.arch.maxPositions;
    const rendered = prompts.map((p) => this.chatPrompt(p).ids);
    for (const ids of rendered) {
      if (ids.length >= ctx) throw new Error(`judge model ${this.lm.dir}: a rubric prompt is ${ids.length} tokens, more than its context of ${ctx}; use a judge model with a longer context or shorter replies`);
    }
    const out: string[] = [];
    for (let i = 0; i < rendered.length; i += this.batchSize) {
      const res = generate(this.lm.model, rendered.slice(i, i + this.batchSize), {
        maxTokens: this.maxTokens,
        temperature: 0,
        eosTokenIds: stopIds(this.lm),
        padTokenId: this.tok.padTokenId ?? 0,
      });
      res.forEach((r, k) => {
        const text = this.tok.decode(r.tokens, { skipSpecialTokens: true }).trim();
        out.push(text);
        onText(i + k, text);
      });
      // Let timers and I/O run between batches (generation itself is synchronous).
      await new Promise((r) => setImmediate(r));
    }
    return out;
  }
}
