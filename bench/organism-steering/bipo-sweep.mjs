// The README's BiPO table: per organism topic, a BiPO vector (48 contrastive pairs, seed 11, the
// default 10 epochs) and the carried / parse rates of greedy replies to 16 neutral instructions at
// multiples of its derived default, and of 16 replies that ask for the topic, unsteered and at
// −default. Run after `npm install`: node bench/organism-steering/bipo-sweep.mjs
// (TOPICS=ocean,sports KS=0.75,1 SITE=layers.2.resid_post OUT=dir; artifacts are cached in OUT).
import { contrastivePairs, steeringInstructions } from '../../dist/src/organism/corpus/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { m, topics, cached, replies, rates } from './sweep-common.mjs';
const site = process.env.SITE ?? 'layers.2.resid_post';
for (const t of topics) {
  const concept = `topic:${t}`;
  const art = cached('bipo-sweep', `${t}-${site}`, () => {
    const rows = contrastivePairs(concept, { n: 48, seed: 11, split: 'train' });
    const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
    return METHODS.bipo.fit({ model: m.model, tokenizer: m.tokenizer, data, site, chat: true, name: t });
  });
  const s = art.meta.interventions[0].default_strength;
  const neutral = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((x) => x.prompt);
  const asked = contrastivePairs(concept, { n: 16, seed: 5, split: 'eval' }).map((r) => r.concept_prompt);
  const cells = (process.env.KS ?? '0.5,0.75,1').split(',').map(Number).map((k) => `×${k}: ${rates(replies(art, neutral, k * s), concept)}`);
  const st = art.meta.stats;
  console.log(`${t} default ${s.toFixed(2)} edge ${art.meta.interventions[0].strength_range[1].toFixed(2)} loss ${st.loss_start.toFixed(3)}→${st.loss_end.toFixed(3)} | ${cells.join('  ')} | asked ×0: ${rates(replies(art, asked, 0), concept)} ×−1: ${rates(replies(art, asked, -s), concept)}`);
}
