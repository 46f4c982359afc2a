// The README's LinEAS table: per organism topic, LinEAS maps at every block's output (32 source
// texts: a neutral instruction and its plain reply; 32 target texts: the instruction asking for
// the topic and its topic reply; contrastive pairs, seed 11; the default 60 steps), then the
// held-out margin (mean per-token log-probability of the topic reply minus the plain reply, 16
// pairs of seed 5) and the carried / parse rates of greedy replies to 16 neutral instructions, at
// strengths λ. Run after `npm install`: node bench/organism-steering/lineas-sweep.mjs
// (TOPICS=ocean,sports LAMBDAS=0,1,2 OUT=dir; artifacts are cached in OUT).
import { contrastivePairs, steeringInstructions } from '../../dist/src/organism/corpus/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { rowLogProbs, replyLength, tokenizePairs } from '../../dist/src/methods/preference/preference.js';
import { m, mean, topics, cached, hooks, replies, rates } from './sweep-common.mjs';
for (const t of topics) {
  const concept = `topic:${t}`;
  const art = cached('lineas-sweep', t, () => {
    const rows = contrastivePairs(concept, { n: 32, seed: 11, split: 'train' });
    const data = parseConceptData(rows.flatMap((r) => [{ prompt: r.prompt, text: r.negative, label: 0 }, { prompt: r.concept_prompt, text: r.positive, label: 1 }]), concept);
    return METHODS.lineas.fit({ model: m.model, tokenizer: m.tokenizer, data, site: 'all', chat: true, name: t });
  });
  const held = parseConceptData(contrastivePairs(concept, { n: 16, seed: 5, split: 'eval' }).map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), 'held out');
  const pairs = tokenizePairs({ model: m.model, tokenizer: m.tokenizer, data: held, site: 'all', chat: true, name: t }, 'sweep').rows;
  const margin = (s) => {
    const lp = rowLogProbs(m.model, pairs, 0, hooks(art, s));
    return mean(pairs.map((r, k) => lp.win[k] / replyLength(r.win) - lp.lose[k] / replyLength(r.lose)));
  };
  const neutral = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((s) => s.prompt);
  const cells = (process.env.LAMBDAS ?? '0,1,1.5,2').split(',').map(Number).map((s) => `λ=${s}: ${margin(s).toFixed(2)} ${rates(replies(art, neutral, s), concept)}`);
  const st = art.meta.stats;
  console.log(`${t} loss ${st.loss_start.toFixed(1)}→${st.loss_end.toFixed(1)} moved ω ${st.moved_scales.join(',')} b ${st.moved_biases.join(',')} | ${cells.join('  ')}`);
}
