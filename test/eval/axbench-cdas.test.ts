// eval axbench --method cdas: the AxBench sweep applied to CDAS's clamp, as the CDAS repository
// does (a multiplier of the data-derived target), with ×1 reported beside it as `derived`. The judge
// here rates a reply 2 on every aspect when it differs from the unsteered greedy reply to the same
// instruction, and 0 otherwise: the selection half can then only prefer the larger factor if its
// clamp was really applied (×14 changes every reply, ×1 fewer), so the test fails if the sweep
// falls back to ×1 or never reaches the interventions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModel, stopIds } from '../../src/models/load.js';
import { contrastivePairs, steeringInstructions } from '../../src/organism/corpus/index.js';
import { METHODS } from '../../src/methods/index.js';
import { parseContrastRows, contrastAsConceptData } from '../../src/methods/cdas/index.js';
import { CDAS_FACTORS } from '../../src/eval/axbench.js';
import { runOrganismAxBench as runAxBench } from '../../src/organism/axbench.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/generate/replies.js';
import type { Judge, JudgeItem, ReplyJudgement } from '../../src/eval/judges/judge.js';
import type { ConceptId } from '../../src/organism/corpus/index.js';
import { cli, json, oneLineError, ROOT } from '../cli/helpers.js';

const ORGANISM = join(ROOT, 'models', 'organism');
const CONCEPT: ConceptId = 'topic:ocean';
const MAX_TOKENS = 24;

/** 2/2/2 for a reply that differs from the unsteered one to its instruction, else 0/0/0. */
class ChangedJudge implements Judge {
  readonly id = 'changed-from-unsteered';
  constructor(private readonly unsteered: ReadonlyMap<string, string>) {}
  async judge(items: readonly JudgeItem[]): Promise<ReplyJudgement[]> {
    return items.map((it) => {
      const score = this.unsteered.get(it.instruction) !== it.reply ? 2 : 0;
      const j = { score, parsed: true, text: score ? 'changed' : 'as unsteered' };
      return { concept: j, instruction: j, fluency: j };
    });
  }
  stats() {
    return { calls: 0, cached: 0, unparsed: 0 };
  }
}

test('organism: axbench sweeps the CDAS clamp multiplier on the selection half and scores the test half at it, ×1 beside it', async () => {
  const m = await loadModel(ORGANISM);
  const tok = m.tokenizer!;
  const rows = parseContrastRows(contrastivePairs(CONCEPT, { n: 16, seed: 11, split: 'train' }), CONCEPT);
  const art = METHODS.cdas!.fit({ model: m.model, tokenizer: tok, data: contrastAsConceptData(rows), contrast: rows, site: 'layers.2.resid_post', name: 'ocean', seed: 1, options: { steps: 10 } });
  const instructions = 6;
  const seed = 0;
  // The instructions runAxBench draws (organismConceptSpec: seed + 3), and their unsteered greedy replies.
  const all = steeringInstructions(CONCEPT, { n: instructions, seed: seed + 3, split: 'eval' }).map((x) => x.prompt);
  const gen = (prompts: readonly string[], strength: number | null) =>
    chatReplies(m.model, tok, prompts, { eosTokenIds: stopIds(m), maxTokens: MAX_TOKENS, hooks: strength === null ? null : hooksFor(artifactInterventions(art, m.model, { strength }), m.model.arch.layers) });
  const plain = gen(all, null);
  const r = await runAxBench({
    model: m.model, tokenizer: tok, eosTokenIds: stopIds(m), method: 'cdas', concepts: [CONCEPT],
    instructions, factors: [1, 14], maxTokens: MAX_TOKENS, temperature: 0, seed, bootstrap: 50,
    judge: new ChangedJudge(new Map(all.map((p, i) => [p, plain[i]!]))),
    fit: () => ({ artifact: art, positives: [] }),
  });
  const c = r.concepts[0]!;
  assert.equal(c.sweep, 'clamp');
  assert.equal(c.scale, 1, 'the factor multiplies the derived strength (1)');
  assert.deepEqual(c.selection.map((x) => x.factor), [1, 14]);
  console.log(`selection half, share of replies changed (×2): ${c.selection.map((x) => `×${x.factor} ${x.score.toFixed(2)}`).join(', ')}`);
  assert.ok(c.selection[1]!.score > c.selection[0]!.score, '×14 changes more replies than ×1');
  assert.equal(c.factor, 14, 'the selection half chose the multiplier that steers');
  assert.equal(c.steered.strength, 14, 'the clamp was given the chosen multiplier');
  assert.equal(c.derived.strength, 1, '×1 is reported beside it');
  // The test half was generated under exactly that clamp, and differs from ×1.
  const at14 = gen(c.testPrompts, 14);
  assert.deepEqual(c.steered.replies.map((x) => x.reply), at14);
  assert.deepEqual(c.derived.replies.map((x) => x.reply), gen(c.testPrompts, 1));
  assert.notDeepEqual(at14, c.derived.replies.map((x) => x.reply));
});

test('CLI: eval axbench --method cdas sweeps the CDAS multipliers by default', async () => {
  const res = json<{ method: string; factors: number[]; concepts: { sweep: string; factor: number; selection: unknown[]; steered: { strength: number }; derived: { strength: number } }[] }>(
    await cli(['eval', 'axbench', '--method', 'cdas', '--concepts', 'topic:sports', '--layer', '2', '--instructions', '2', '--max-tokens', '8', '--json'], { timeoutMs: 120000 }),
  );
  assert.match(res.method, /^cdas at layers\.2\.resid_post$/);
  assert.deepEqual(res.factors, [...CDAS_FACTORS]);
  const c = res.concepts[0]!;
  assert.equal(c.sweep, 'clamp');
  assert.equal(c.selection.length, CDAS_FACTORS.length);
  assert.equal(c.steered.strength, c.factor);
  assert.equal(c.derived.strength, 1);
});

test('CLI: eval axbench runs CDAS variants (--source-position, --rank, --steps), and refuses them for other methods in one line', async () => {
  const res = json<{ concepts: { concept: string }[] }>(
    await cli(['eval', 'axbench', '--method', 'cdas', '--source-position', 'clause', '--rank', '2', '--steps', '4', '--concepts', 'topic:sports', '--instructions', '2', '--factors', '1', '--max-tokens', '4', '--json'], { timeoutMs: 120000 }),
  );
  assert.equal(res.concepts[0]!.concept, 'topic:sports');
  for (const [args, msg] of [
    [['--method', 'diffmean', '--rank', '2'], /--rank and --steps apply to --method cdas/],
    [['--method', 'cdas', '--source-position', 'middle'], /--source-position must be header, clause or reply/],
    [['--method', 'cdas', '--base-positions', 'nowhere'], /--base-positions must be/],
  ] as const) {
    const r = await cli(['eval', 'axbench', ...args]);
    assert.notEqual(r.code, 0);
    assert.match(oneLineError(r), msg);
  }
});
