// The README's RePS table: per organism topic, a RePS vector (48 contrastive pairs, seed 11, 18
// epochs) and the carried / parse rates of greedy replies to 16 neutral instructions at multiples of
// its derived default. Run after `npm install`: node bench/organism-steering/reps-sweep.mjs
// (TOPICS=ocean,sports KS=1,1.15 SITE=layers.2.resid_post OUT=dir; artifacts are cached in OUT).
import { contrastivePairs, steeringInstructions } from '../../dist/src/organism/corpus/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { m, topics, cached, replies, rates } from './sweep-common.mjs';
const site = process.env.SITE ?? 'layers.2.resid_post';
for (const t of topics) {
  const concept = `topic:${t}`;
  const art = cached('reps-sweep', `${t}-${site}`, () => {
    const rows = contrastivePairs(concept, { n: 48, seed: 11, split: 'train' });
    const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
    return METHODS.reps.fit({ model: m.model, tokenizer: m.tokenizer, data, site, chat: true, name: t });
  });
  const rec = art.meta.interventions[0];
  const neutral = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((s) => s.prompt);
  const out = (process.env.KS ?? '1,1.15,1.3,1.5').split(',').map(Number).map((k) => `×${k}: ${rates(replies(art, neutral, k * rec.default_strength), concept)}`);
  console.log(`${t} default ${rec.default_strength.toFixed(2)} edge ${rec.strength_range[1].toFixed(2)} | ${out.join('  ')}`);
}
