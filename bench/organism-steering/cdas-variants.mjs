// CDAS where the trace points (issue 19): per organism topic, layer and variant (source position /
// base positions / rank; src/methods/cdas/variants.ts — everything but header/all/1 is ours), train
// CDAS on 32 contrastive rows and measure whether its data-derived ×1 clamp steers, greedy, judged
// by the organism's exact concept judge:
//   add     clamp to μ+ on 16 held-out neutral instructions: share carrying the topic (concept
//           score 2) / share that parse
//   remove  clamp to μ− on 16 instructions that ask for the topic: share still carrying it / parse
// next to the unsteered rates. One JSON object on stdout. Run after `npx tsc -p tsconfig.json`:
//
//   node bench/organism-steering/cdas-variants.mjs [--model DIR] [--topics ocean,sports,weather,food]
//     [--layers 1,2,3] [--variants header/all/1,clause/all/1,...,clause/all/8:200] [--steps 60]
//     [--rows 32] [--n 16] [--strength 1]
// A variant is source/base/rank, optionally :steps (default --steps). The default list is the
// README's table: ten variants at 60 steps, then the paper's and rank 8 at 200 (about 35 minutes on
// one thread).
import { parseArgs } from 'node:util';
import { loadModel, stopIds } from '../../dist/src/models/load.js';
import { contrastivePairs, steeringInstructions } from '../../dist/src/organism/corpus/index.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { parseContrastRows, contrastAsConceptData } from '../../dist/src/methods/cdas/index.js';
import { artifactInterventions } from '../../dist/src/artifact/apply.js';
import { hooksFor } from '../../dist/src/intervene/index.js';
import { chatReplies } from '../../dist/src/generate/replies.js';
import { conceptScore, fluency } from '../../dist/src/organism/judges/index.js';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string', default: new URL('../../models/organism/', import.meta.url).pathname },
    topics: { type: 'string', default: 'ocean,sports,weather,food' },
    layers: { type: 'string', default: '1,2,3' },
    variants: { type: 'string', default: 'header/all/1,clause/all/1,reply/all/1,header/reply/1,clause/prompt/1,clause/reply/1,reply/reply/1,header/all/4,clause/all/4,reply/all/4,header/all/1:200,header/all/8:200,clause/all/8:200' },
    steps: { type: 'string', default: '60' },
    rows: { type: 'string', default: '32' },
    n: { type: 'string', default: '16' },
    strength: { type: 'string', default: '1' },
    'max-tokens': { type: 'string', default: '48' },
  },
});
const m = await loadModel(a.model);
const [steps, nRows, n, strength, maxTokens] = [a.steps, a.rows, a.n, a.strength, a['max-tokens']].map(Number);
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const r2 = (x) => Math.round(x * 100) / 100;

function rates(concept, prompts, art, opts) {
  const hooks = art ? hooksFor(artifactInterventions(art, m.model, opts), m.model.arch.layers) : null;
  const rs = chatReplies(m.model, m.tokenizer, prompts, { eosTokenIds: stopIds(m), maxTokens, hooks });
  return { carried: r2(mean(rs.map((r) => (conceptScore(r, concept) === 2 ? 1 : 0)))), parse: r2(mean(rs.map((r) => (fluency(r).parses ? 1 : 0)))) };
}

const variants = a.variants.split(',').map((v) => {
  const [spec, at] = v.split(':');
  const [sourcePosition, basePositions, rank] = spec.split('/');
  return { name: v, sourcePosition, basePositions, rank: Number(rank ?? 1), steps: at === undefined ? steps : Number(at) };
});
const out = { model: a.model, steps, rows: nRows, n, strength, maxTokens, data: 'contrastivePairs(seed 21, train); neutral steeringInstructions(seed 3, eval); asking contrastivePairs(seed 4, eval).concept_prompt', results: [] };
const t0 = Date.now();
for (const t of a.topics.split(',')) {
  const concept = `topic:${t}`;
  const rows = parseContrastRows(contrastivePairs(concept, { n: nRows, seed: 21, split: 'train' }), concept);
  const neutral = steeringInstructions(concept, { n, seed: 3, split: 'eval' }).map((s) => s.prompt);
  const asking = contrastivePairs(concept, { n, seed: 4, split: 'eval' }).map((r) => r.concept_prompt);
  const unsteered = { neutral: rates(concept, neutral, null), asking: rates(concept, asking, null) };
  for (const layer of a.layers.split(',').map(Number)) {
    const site = `layers.${layer}.resid_post`;
    for (const v of variants) {
      const art = METHODS.cdas.fit({ model: m.model, tokenizer: m.tokenizer, data: contrastAsConceptData(rows), contrast: rows, site, name: t, seed: 1, options: { steps: v.steps, sourcePosition: v.sourcePosition, basePositions: v.basePositions, rank: v.rank } });
      const st = art.meta.stats;
      const row = {
        topic: t, layer, variant: v.name, steps: v.steps, ours: art.meta.settings.variant === 'ours',
        loss: [+st.loss_start.toFixed(4), +st.loss_end.toFixed(4)], separation: r2(st.separation), edge: r2(art.meta.interventions[0].strength_range[1]),
        add: rates(concept, neutral, art, { strength }), remove: rates(concept, asking, art, { strength, target: 'neg' }), unsteered,
      };
      out.results.push(row);
      process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(0)}s ${t} L${layer} ${v.name}: loss ${row.loss.join('→')} add ${row.add.carried}/${row.add.parse} (unsteered ${unsteered.neutral.carried}/${unsteered.neutral.parse}) remove ${row.remove.carried}/${row.remove.parse} (unsteered ${unsteered.asking.carried}/${unsteered.asking.parse})\n`);
    }
  }
}
out.seconds = Math.round((Date.now() - t0) / 1000);
console.log(JSON.stringify(out));
