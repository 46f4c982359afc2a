#!/usr/bin/env node
// Prompt-side DiffMean on the organism: the mean residual at the topic word of the concept-eliciting
// prompt minus that at the plain prompt's last word (chat-rendered), added at the prompt positions
// (ActAdd-like), at strengths given as multiples of that gap. Prints, per topic, the fraction of
// greedy replies that clearly carry the topic (s2) and the parse rate. Run after `npm install`:
//
//   SITE=layers.0.resid_post node bench/organism-steering/prompt-diffmean.mjs
//
// Env: MODEL (default models/organism), SITE (layers.1.resid_post), POS (prompt | all | last:K),
// FRACS, TOPICS (comma list), SHOW=1 (print replies).
import { loadModel, stopIds } from '../../dist/src/models/load.js';
import { contrastivePairs, steeringInstructions } from '../../dist/src/organism/corpus/index.js';
import { collectActivations } from '../../dist/src/activations/collect.js';
import { AddIntervention, hooksFor } from '../../dist/src/intervene/index.js';
import { tensor } from '../../dist/src/tensor/index.js';
import { chatReplies } from '../../dist/src/generate/replies.js';
import { conceptScore, fluency } from '../../dist/src/organism/judges/index.js';
const m = await loadModel(process.env.MODEL ?? new URL('../../models/organism/', import.meta.url).pathname);
const site = process.env.SITE ?? 'layers.1.resid_post';
const pos = process.env.POS ?? 'prompt';
const positions = pos.startsWith('last:') ? { last: Number(pos.slice(5)) } : pos;
const fracs = (process.env.FRACS ?? '0.5,1,1.5,2').split(',').map(Number);
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const tok = m.tokenizer;
for (const concept of (process.env.TOPICS ?? 'topic:ocean,topic:space').split(',')) {
  const t = concept.split(':')[1];
  const tid = tok.encode(t, { addSpecialTokens: false })[0];
  const rows = contrastivePairs(concept, { n: 48, seed: 21, split: 'train' });
  const ids = (p) => tok.applyChatTemplate([{ role: 'user', content: p }], { addGenerationPrompt: true }).ids;
  const pos = rows.map((r) => { const x = ids(r.concept_prompt); const i = x.lastIndexOf(tid); return { ids: x, start: i, end: i + 1 }; });
  const neg = rows.map((r) => { const x = ids(r.prompt); const i = x.length - 3; return { ids: x, start: i, end: i + 1 }; });
  const a = collectActivations(m.model, pos, site, { reduce: 'mean' });
  const b = collectActivations(m.model, neg, site, { reduce: 'mean' });
  const d = a.width;
  const u = new Float32Array(d);
  for (let i = 0; i < rows.length; i++) for (let j = 0; j < d; j++) u[j] += (a.data[i * d + j] - b.data[i * d + j]) / rows.length;
  const gap = Math.hypot(...u);
  const dir = tensor(u.map((x) => x / gap), [d]);
  const prompts = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((s) => s.prompt);
  const out = [];
  for (const f of fracs) {
    const iv = new AddIntervention(site, dir, { strength: f * gap, positions, excludeBos: true });
    const rs = chatReplies(m.model, tok, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks: hooksFor([iv], m.model.arch.layers) });
    out.push(`${f}×gap: s2 ${mean(rs.map((r) => (conceptScore(r, concept) === 2 ? 1 : 0))).toFixed(2)} parse ${mean(rs.map((r) => (fluency(r).parses ? 1 : 0))).toFixed(2)}`);
    if (process.env.SHOW) rs.slice(0, 3).forEach((r) => console.log('   ', f, r));
  }
  console.log(`${concept} gap=${gap.toFixed(1)} ρ=${a.tokenNorm.toFixed(1)} | ${out.join(' | ')}`);
}
