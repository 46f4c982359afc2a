#!/usr/bin/env node
// The organism's topic-steering window for DiffMean fitted on the reply tokens of the contrastive
// pairs (the issue-6 setting): for each topic, concept share, the fraction of replies that clearly
// carry the topic (s2: conceptScore 2), of those that also parse (both), and the parse rate, at
// strengths given as fractions of ρ. Greedy unless TEMP is set. Run after `npm install`:
//
//   node bench/organism-steering/reply-diffmean.mjs
//
// Env: MODEL (default models/organism), SITE (layers.2.resid_post), TOPICS (comma list),
// MODE reply | asked (positive side rendered with the eliciting prompt) | prompt (last prompt
// token), POS (positions of the artifact: all | prompt | generated), FRACS, N (instructions per
// topic), TEMP (sampling temperature), SHOW=1 (print the replies).
import { loadModel, stopIds } from '../../dist/src/models/load.js';
import { contrastivePairs, steeringInstructions, CONCEPTS } from '../../dist/src/data/organism/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { artifactInterventions } from '../../dist/src/artifact/apply.js';
import { hooksFor } from '../../dist/src/intervene/index.js';
import { chatReplies } from '../../dist/src/organism/replies.js';
import { conceptShare, conceptScore, fluency } from '../../dist/src/eval/judges/index.js';

const model = process.env.MODEL ?? new URL('../../models/organism/', import.meta.url).pathname;
const m = await loadModel(model);
const site = process.env.SITE ?? 'layers.2.resid_post';
const topics = (process.env.TOPICS ?? 'topic:ocean,topic:food,topic:space').split(',');
const mode = process.env.MODE ?? 'reply'; // reply | prompt
const positions = process.env.POS ?? 'all';
const fracs = (process.env.FRACS ?? '0.3,0.5,0.7,1.0').split(',').map(Number);
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
for (const concept of topics) {
  const rows = contrastivePairs(concept, { n: 48, seed: 21 });
  let recs, reduce;
  if (mode === 'reply') { recs = rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })); reduce = 'mean'; }
  let data;
  if (mode === 'reply') data = parseConceptData(recs, concept);
  else if (mode === 'asked') data = { kind: 'labelled', examples: rows.flatMap((r, i) => [{ prompt: r.concept_prompt, completion: r.positive, label: 1, pair: i }, { prompt: r.prompt, completion: r.negative, label: 0, pair: i }]) };
  else data = { kind: 'labelled', examples: rows.flatMap((r, i) => [{ prompt: r.concept_prompt, completion: '', label: 1, pair: i }, { prompt: r.prompt, completion: '', label: 0, pair: i }]) };
  const art = METHODS.diffmean.fit({ model: m.model, tokenizer: m.tokenizer, data, site, chat: true, reduce: 'mean', name: concept, positions });
  const rho = art.meta.stats.token_norm;
  const st = art.meta.stats;
  const prompts = steeringInstructions(concept, { n: Number(process.env.N ?? 8), seed: 3 }).map((s) => s.prompt);
  const out = [];
  for (const f of fracs) {
    const hooks = hooksFor(artifactInterventions(art, m.model, { strength: f * rho }), m.model.arch.layers);
    const rs = chatReplies(m.model, m.tokenizer, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks, ...(process.env.TEMP ? { temperature: Number(process.env.TEMP), seed: 5 } : {}) });
    out.push(`${f}ρ: share ${mean(rs.map((r) => conceptShare(r, concept))).toFixed(2)} s2 ${mean(rs.map((r) => conceptScore(r, concept) === 2 ? 1 : 0)).toFixed(2)} both ${mean(rs.map((r) => conceptScore(r, concept) === 2 && fluency(r).parses ? 1 : 0)).toFixed(2)} parse ${mean(rs.map((r) => (fluency(r).parses ? 1 : 0))).toFixed(2)}`);
    if (process.env.SHOW) rs.forEach((r) => console.log("   ", f, fluency(r).parses ? "OK " : "BAD", r));
  }
  console.log(`${concept} ρ=${rho.toFixed(1)} gap=${st.gap.toFixed(1)} (${(st.gap/rho).toFixed(2)}ρ) | ${out.join(' | ')}`);
}
