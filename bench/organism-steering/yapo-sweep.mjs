// The README's YaPO comparison: per organism topic, YaPO (sparse λ in an SAE's latent space), BiPO
// (its dense counterpart) and DiffMean, all at layer 2 from the same 48 contrastive pairs (seed 11;
// DiffMean from the topic pairs, as eval axbench fits it), each at its own derived default:
// carried / parse of greedy replies to 16 neutral instructions of the evaluation half, and of 16
// that ask for the topic at −default. Training stability: the final loss and the cosine between
// vectors over SEEDS (default 0,1,2), and the steps until the loss (mean of 5) first comes within
// a tenth of its start-to-end drop of the end. Needs an SAE at the site:
//   node dist/src/cli/main.js sae train --site layers.2.resid_post --out models/local/organism-l2
//   SAE=models/local/organism-l2.sae.safetensors node bench/organism-steering/yapo-sweep.mjs
// (TOPICS=ocean,sports SEEDS=0 SITE=layers.2.resid_post METHODS=yapo REFERENCE=unsteered OUT=dir;
// artifacts are cached in OUT).
import { contrastivePairs, topicPairs, steeringInstructions } from '../../dist/src/organism/corpus/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { m, topics, cached, replies, rates, mean } from './sweep-common.mjs';

const site = process.env.SITE ?? 'layers.2.resid_post';
const sae = process.env.SAE ?? 'models/local/organism-l2.sae.safetensors';
const seeds = (process.env.SEEDS ?? '0,1,2').split(',').map(Number);
/** YaPO's reference: none (the paper, default) or unsteered (its released code); METHODS=yapo runs YaPO alone. */
const reference = process.env.REFERENCE ?? 'none';
const methods = (process.env.METHODS ?? 'yapo,bipo,diffmean').split(',');
const losses = {};
const data = (rows, concept) => parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);

function fit(method, t, seed) {
  const concept = `topic:${t}`;
  const tag = method === 'yapo' && reference !== 'none' ? `${method}-${reference}` : method;
  return cached('yapo-sweep', `${t}-${tag}-${seed}-${site}`, () => {
    const rows = method === 'diffmean' ? topicPairs(concept, { n: 64, seed: 11, split: 'train' }) : contrastivePairs(concept, { n: 48, seed: 11, split: 'train' });
    const trace = [];
    const options = method === 'yapo' ? { sae, reference } : {};
    const art = METHODS[method].fit({ model: m.model, tokenizer: m.tokenizer, data: data(rows, concept), site, chat: true, name: t, seed, options, onProgress: (_d, _n, phase, info) => phase === 'train' && info && trace.push(Number(info.split(' ')[1])) });
    art.meta.stats.loss_trace = trace;
    return art;
  });
}

/** Steps until the 5-step mean loss first lies within 10% of the start-to-end drop above the end. */
function converged(trace) {
  if (!trace?.length) return null;
  const sm = trace.map((_, i) => mean(trace.slice(Math.max(0, i - 4), i + 1)));
  const end = mean(trace.slice(-Math.max(1, Math.round(trace.length / 10))));
  const start = sm[0];
  const i = sm.findIndex((x) => x <= end + 0.1 * (start - end));
  return i + 1;
}

const vec = (art) => {
  const iv = art.meta.interventions[0];
  const name = iv.tensors.latent ?? iv.tensors.direction;
  return art.tensors.get(name).toFloat('f32').data;
};
const cos = (a, b) => a.reduce((s, x, i) => s + x * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b));

console.log('topic | method | default | neutral ×1 carried/parse | asked ×−1 | loss end (seeds) | steps to converge | cos across seeds | latents (λ)');
for (const t of topics) {
  const concept = `topic:${t}`;
  const neutral = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((x) => x.prompt);
  const asked = contrastivePairs(concept, { n: 16, seed: 5, split: 'eval' }).map((r) => r.concept_prompt);
  for (const method of methods) {
    const arts = (method === 'diffmean' ? [seeds[0]] : seeds).map((s) => fit(method, t, s));
    const art = arts[0];
    const s = art.meta.interventions[0].default_strength;
    const st = arts.map((a) => a.meta.stats);
    const vs = arts.map(vec);
    const cosines = vs.slice(1).map((v) => cos(vs[0], v).toFixed(3));
    const trained = method !== 'diffmean';
    console.log([
      t, method, s.toFixed(2), rates(replies(art, neutral, s), concept), rates(replies(art, asked, -s), concept),
      trained ? st.map((x) => x.loss_end.toFixed(3)).join(',') : '–',
      trained ? st.map((x) => converged(x.loss_trace) ?? '?').join(',') + ` of ${art.meta.training.steps}` : '–',
      trained ? cosines.join(',') || '–' : '–',
      method === 'yapo' ? `${st[0].latents_moved} moved, ${st[0].latents_90} hold 90%` : '–',
    ].join(' | '));
  }
}
