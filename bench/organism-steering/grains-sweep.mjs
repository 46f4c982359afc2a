// The README's GrAInS table: per organism topic, a GrAInS vector (48 contrastive pairs of the
// training half, seed 11, defaults: k = 10, 20 IG points, PCA) at layer 2, and the carried / parse
// rates of greedy replies to 16 neutral instructions of the evaluation half at multiples of its
// calibrated default (norm preserved), next to a DiffMean direction fitted on the same pairs at its
// own default. Run after `npm install`: node bench/organism-steering/grains-sweep.mjs
// (TOPICS=ocean,sports KS=0.5,1,1.5 SITE=layers.2.resid_post ATTRIBUTE=prompt|all PROMPT=concept|neutral BASELINE=mask|zero TOPK=k OUT=dir; artifacts are cached in OUT).
import { contrastivePairs, steeringInstructions } from '../../dist/src/organism/corpus/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { m, topics, cached, replies, rates } from './sweep-common.mjs';
const site = process.env.SITE ?? 'layers.2.resid_post';
const attribute = process.env.ATTRIBUTE ?? 'prompt';
const promptKind = process.env.PROMPT ?? 'concept';
const baseline = process.env.BASELINE ?? 'mask';
const topK = Number(process.env.TOPK ?? 10);
for (const t of topics) {
  const concept = `topic:${t}`;
  const rows = contrastivePairs(concept, { n: 48, seed: 11, split: 'train' });
  // GrAInS attributes the prompt's tokens, so its pairs ask for the topic in the prompt (the same
  // instruction with the eliciting clause) by default; DiffMean keeps the neutral prompts.
  const data = parseConceptData(rows.map((r) => ({ prompt: promptKind === 'concept' ? r.concept_prompt : r.prompt, positive: r.positive, negative: r.negative })), concept);
  const dmData = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
  const t0 = Date.now();
  const art = cached('grains-sweep', `${t}-${site}-${attribute}-${promptKind}-${baseline}-k${topK}`, () => METHODS.grains.fit({ model: m.model, tokenizer: m.tokenizer, data, site, chat: true, name: t, options: { attribute, baseline, topK } }));
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  const dm = cached('grains-sweep', `${t}-${site}-diffmean`, () => METHODS.diffmean.fit({ model: m.model, tokenizer: m.tokenizer, data: dmData, site, chat: true, name: t }));
  const iv = art.meta.interventions[0];
  const s = iv.default_strength;
  const rho = art.meta.stats.token_norm;
  const neutral = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((x) => x.prompt);
  const cells = (process.env.KS ?? '0.5,1,1.5').split(',').map(Number).map((k) => `×${k}: ${rates(replies(art, neutral, k * s), concept)}`);
  const sd = dm.meta.interventions[0].default_strength;
  console.log(`${t} grains default ${s.toFixed(2)} (${(s / rho).toFixed(2)}ρ) edge ${iv.strength_range[1].toFixed(2)} fit ${secs}s | unsteered ${rates(replies(art, neutral, 0), concept)} ${cells.join('  ')} | diffmean default ${sd.toFixed(2)}: ${rates(replies(dm, neutral, sd), concept)}`);
}
