#!/usr/bin/env node
// Steer2Edit on the organism, the numbers behind the README and test/methods/steer2edit-organism.test.ts.
// Greedy replies, exact judges. Run after `npm install` (or `npx tsc -p .`):
//
//   node bench/organism-steering/steer2edit.mjs
//
// topic rows: fitted on topicPairs (a plain reply vs the same reply drifting into the topic, 32
// pairs, seed 11); per strength, the share of replies that clearly carry the topic (conceptScore 2)
// and that parse, for prompts that ask for the topic ("asked", 16) and neutral instructions (16).
// refusal rows: fitted on the organism's own greedy replies (positives: its refusals of 32 harmful
// requests; negatives: its replies to 32 benign ones, each under its own prompt); per strength, the
// refusal and parse rates of 40 held-out harmful requests and of 40 benign ones.
//
// Env: CONFIGS (JSON list of {rhoAttn, rhoMlp, alpha}; default: the paper's defaults and MLP-only
// ρ 0.5, α 0.5), TOPICS (comma list, default ocean,sports,weather), STRENGTHS (comma list),
// REFUSAL=0 to skip the refusal rows.
import { loadModel, stopIds } from '../../dist/src/models/load.js';
import { contrastivePairs, refusalSets, steeringInstructions, topicPairs } from '../../dist/src/organism/corpus/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { artifactInterventions } from '../../dist/src/artifact/apply.js';
import { hooksFor } from '../../dist/src/intervene/index.js';
import { chatReplies } from '../../dist/src/generate/replies.js';
import { conceptScore, fluency, isRefusal } from '../../dist/src/organism/judges/index.js';

const m = await loadModel(new URL('../../models/organism/', import.meta.url).pathname);
const tok = m.tokenizer;
const configs = JSON.parse(process.env.CONFIGS ?? '[{"rhoAttn":0.18,"rhoMlp":0.55,"alpha":0.8},{"rhoAttn":-1,"rhoMlp":0.5,"alpha":0.5}]');
const topics = (process.env.TOPICS ?? 'ocean,sports,weather').split(',').map((t) => `topic:${t}`);
const strengths = (process.env.STRENGTHS ?? '-3,-2,-1,-0.5,-0.25,0.25,0.5,1,2').split(',').map(Number);
const share = (xs) => (xs.filter(Boolean).length / xs.length).toFixed(2);
const gen = (prompts, hooks, maxTokens = 48) => chatReplies(m.model, tok, prompts, { eosTokenIds: stopIds(m), maxTokens, hooks });
const hooksAt = (art, s) => (s === 0 ? null : hooksFor(artifactInterventions(art, m.model, { strength: s }), m.model.arch.layers));
const describe = (art) => {
  const st = art.meta.stats;
  const r = art.meta.interventions[0].strength_range;
  return `heads ${st.heads_edited}/${st.heads_total}, neurons ${st.neurons_edited}/${st.neurons_total}, range [${r.map((x) => x.toFixed(2)).join(', ')}], KL at 1 ${st.kl_default === undefined ? '> 1 (past the range)' : st.kl_default.toFixed(3)}`;
};
const fit = (data, o) => {
  try {
    return METHODS.steer2edit.fit({ model: m.model, tokenizer: tok, data, site: '', chat: true, name: 'x', options: o });
  } catch (e) {
    console.log(`  ${e.message}`);
    return null;
  }
};

for (const o of configs) {
  console.log(`\n== rho_attn ${o.rhoAttn}, rho_mlp ${o.rhoMlp}, alpha ${o.alpha}`);
  for (const concept of topics) {
    const rows = topicPairs(concept, { n: 32, seed: 11, split: 'train' });
    const art = fit(parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept), o);
    if (!art) continue;
    console.log(`${concept}: ${describe(art)}`);
    const asked = contrastivePairs(concept, { n: 16, seed: 5, split: 'eval' }).map((r) => r.concept_prompt);
    const neutral = steeringInstructions(concept, { n: 16, seed: 3, split: 'eval' }).map((s) => s.prompt);
    console.log('  strength  asked: carried parse   neutral: carried parse');
    for (const s of [0, ...strengths]) {
      const a = gen(asked, hooksAt(art, s));
      const b = gen(neutral, hooksAt(art, s));
      const c = (rs) => share(rs.map((r) => conceptScore(r, concept) === 2));
      const p = (rs) => share(rs.map((r) => fluency(r).parses));
      console.log(`  ${String(s).padStart(6)}    ${c(a)}   ${p(a)}          ${c(b)}   ${p(b)}`);
    }
  }
  if (process.env.REFUSAL === '0') continue;
  const train = refusalSets({ n: 32, seed: 1, split: 'train' });
  const hr = gen(train.harmful.map((r) => r.prompt), null, 40);
  const br = gen(train.benign.map((r) => r.prompt), null, 40);
  const records = [...train.harmful.map((r, i) => ({ prompt: r.prompt, text: hr[i], label: 1 })), ...train.benign.map((r, i) => ({ prompt: r.prompt, text: br[i], label: 0 }))];
  const art = fit(parseConceptData(records, 'refusal'), o);
  if (!art) continue;
  console.log(`refusal: ${describe(art)}`);
  const test = refusalSets({ n: 40, seed: 2, split: 'eval' });
  console.log('  strength  harmful: refused parse   benign: refused parse');
  for (const s of [0, ...strengths]) {
    const a = gen(test.harmful.map((r) => r.prompt), hooksAt(art, s), 40);
    const b = gen(test.benign.map((r) => r.prompt), hooksAt(art, s), 40);
    console.log(`  ${String(s).padStart(6)}    ${share(a.map(isRefusal))}   ${share(a.map((r) => fluency(r).parses))}          ${share(b.map(isRefusal))}   ${share(b.map((r) => fluency(r).parses))}`);
  }
}
