#!/usr/bin/env node
// The organism's topic-steering window for DiffMean fitted on reply tokens (the issue-6 setting):
// for each topic, concept share, the fraction of replies that clearly carry the topic (s2:
// conceptScore 2), of those that also parse (both), and the parse rate, at the artifact's derived
// default strength (d) and at fractions of ρ. Greedy unless TEMP is set. Run after `npm install`:
//
//   node bench/organism-steering/reply-diffmean.mjs
//
// Env: MODEL (default models/organism), SITE (layers.2.resid_post), TOPICS (comma list),
// MODE topic (default; topicPairs: a plain reply vs the same reply drifting into the topic) |
// reply (contrastivePairs' replies, both under the neutral prompt) | asked (positive side rendered
// with the eliciting prompt) | prompt (last prompt token), POS (positions of the artifact: all | prompt | generated), FRACS, N (instructions per
// topic), TEMP (sampling temperature), SHOW=1 (print the replies).
import { loadModel, stopIds } from '../../dist/src/models/load.js';
import { contrastivePairs, steeringInstructions, topicPairs, CONCEPTS } from '../../dist/src/organism/corpus/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { artifactInterventions } from '../../dist/src/artifact/apply.js';
import { hooksFor } from '../../dist/src/intervene/index.js';
import { chatReplies } from '../../dist/src/generate/replies.js';
import { conceptShare, conceptScore, fluency } from '../../dist/src/organism/judges/index.js';

const model = process.env.MODEL ?? new URL('../../models/organism/', import.meta.url).pathname;
const m = await loadModel(model);
const site = process.env.SITE ?? 'layers.2.resid_post';
const topics = (process.env.TOPICS ?? 'topic:ocean,topic:food,topic:space').split(',');
const mode = process.env.MODE ?? 'topic';
const positions = process.env.POS ?? 'all';
// 'd' stands for the artifact's derived default strength.
const fracs = (process.env.FRACS ?? 'd,0.3,0.5,0.7,1.0').split(',').map((x) => (x === 'd' ? x : Number(x)));
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
for (const concept of topics) {
  const rows = contrastivePairs(concept, { n: 48, seed: 21, split: 'train' });
  let recs;
  if (mode === 'reply') recs = rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative }));
  let data;
  if (mode === 'topic') {
    // topicPairs: the plain reply and the same reply drifting into the topic, one neutral prompt.
    recs = topicPairs(concept, { n: 48, seed: 21, split: 'train' }).map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative }));
  }
  let reduce = 'mean';
  if (mode === 'slot') {
    // CAA's position: the last token before a slot where the pair differs (the same current token on
    // both sides), with the reply so far as context; one labelled prefix pair per such slot.
    const examples = [];
    topicPairs(concept, { n: 48, seed: 21, split: 'train' }).forEach((r, i) => {
      const p = r.positive.split(' '), n = r.negative.split(' ');
      for (let k = 1; k < p.length; k++) {
        if (p[k] === n[k] || p[k - 1] !== n[k - 1]) continue;
        examples.push({ prompt: r.prompt, completion: ' ' + p.slice(0, k).join(' '), label: 1, pair: examples.length });
        examples.push({ prompt: r.prompt, completion: ' ' + n.slice(0, k).join(' '), label: 0, pair: examples.length - 1 });
      }
    });
    data = { kind: 'labelled', examples };
    reduce = 'last';
  }
  if (mode === 'reply' || mode === 'topic') data = parseConceptData(recs, concept);
  else if (mode === 'slot') {}
  else if (mode === 'asked') data = { kind: 'labelled', examples: rows.flatMap((r, i) => [{ prompt: r.concept_prompt, completion: r.positive, label: 1, pair: i }, { prompt: r.prompt, completion: r.negative, label: 0, pair: i }]) };
  else data = { kind: 'labelled', examples: rows.flatMap((r, i) => [{ prompt: r.concept_prompt, completion: '', label: 1, pair: i }, { prompt: r.prompt, completion: '', label: 0, pair: i }]) };
  const art = METHODS.diffmean.fit({ model: m.model, tokenizer: m.tokenizer, data, site, chat: true, reduce, name: concept, positions });
  const rho = art.meta.stats.token_norm;
  const st = art.meta.stats;
  const prompts = steeringInstructions(concept, { n: Number(process.env.N ?? 8), seed: 3, split: 'eval' }).map((s) => s.prompt);
  const out = [];
  for (const f of fracs) {
    const strength = f === 'd' ? art.meta.interventions[0].default_strength : f * rho;
    const hooks = hooksFor(artifactInterventions(art, m.model, { strength }), m.model.arch.layers);
    const rs = chatReplies(m.model, m.tokenizer, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks, ...(process.env.TEMP ? { temperature: Number(process.env.TEMP), seed: 5 } : {}) });
    out.push(`${f === 'd' ? `default ${(strength / rho).toFixed(2)}` : f}ρ: share ${mean(rs.map((r) => conceptShare(r, concept))).toFixed(2)} s2 ${mean(rs.map((r) => conceptScore(r, concept) === 2 ? 1 : 0)).toFixed(2)} both ${mean(rs.map((r) => conceptScore(r, concept) === 2 && fluency(r).parses ? 1 : 0)).toFixed(2)} parse ${mean(rs.map((r) => (fluency(r).parses ? 1 : 0))).toFixed(2)}`);
    if (process.env.SHOW) rs.forEach((r) => console.log("   ", f, fluency(r).parses ? "OK " : "BAD", r));
  }
  console.log(`${concept} ρ=${rho.toFixed(1)} gap=${st.gap.toFixed(1)} (${(st.gap/rho).toFixed(2)}ρ) | ${out.join(' | ')}`);
}
