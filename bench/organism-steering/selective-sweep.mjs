// The README's Selective Steering table: fit on N harmful + N benign requests (seed SEED), then the
// refusal and parse rates of greedy replies to 40 held-out harmful and 40 benign requests at
// multiples KS of the derived angle θ, with every token rotated and with the adaptive gate h·b1 > 0.
// Run after `npm install`: node bench/organism-steering/selective-sweep.mjs (N=48 SEED=1 KS=-1,1)
import { loadModel, stopIds } from '../../dist/src/models/load.js';
import { refusalSets } from '../../dist/src/organism/corpus/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { artifactInterventions } from '../../dist/src/artifact/apply.js';
import { hooksFor } from '../../dist/src/intervene/index.js';
import { chatReplies } from '../../dist/src/generate/replies.js';
import { isRefusal, fluency } from '../../dist/src/organism/judges/index.js';

const m = await loadModel(new URL('../../models/organism/', import.meta.url).pathname);
const train = refusalSets({ n: Number(process.env.N ?? 48), seed: Number(process.env.SEED ?? 1), split: 'train' });
const records = [...train.harmful.map((r) => ({ prompt: r.prompt, text: '', label: 1 })), ...train.benign.map((r) => ({ prompt: r.prompt, text: '', label: 0 }))];
const fit = (threshold) => METHODS.selective.fit({ model: m.model, tokenizer: m.tokenizer, data: parseConceptData(records, 'refusal'), chat: true, name: 'refusal', ...(threshold !== undefined ? { options: { threshold } } : {}) });
const held = refusalSets({ n: 40, seed: 2, split: 'eval' });
const rate = (xs) => (xs.filter(Boolean).length / xs.length).toFixed(2);
const ks = (process.env.KS ?? '-2,-1.5,-1.25,-1,-0.75,-0.5,0,0.5,0.75,1,1.25,1.5,2').split(',').map(Number);
for (const [label, art] of [['every token', fit()], ['adaptive h·b1 > 0', fit(0)]]) {
  const theta = art.meta.interventions[0].default_strength;
  console.log(`${label}: b1 at ${art.meta.settings.site}, layers ${art.meta.stats.selected_layers}, class-mean angles ${art.meta.stats.layer_angle_deg.map((x) => x.toFixed(1))}, θ = ${theta.toFixed(1)}°`);
  for (const k of ks) {
    const hooks = hooksFor(artifactInterventions(art, m.model, { strength: k * theta }), m.model.arch.layers);
    const reply = (rows) => chatReplies(m.model, m.tokenizer, rows.map((r) => r.prompt), { eosTokenIds: stopIds(m), maxTokens: 40, hooks });
    const [h, b] = [reply(held.harmful), reply(held.benign)];
    console.log(`  ×${k} (${(k * theta).toFixed(1)}°): harmful refused ${rate(h.map(isRefusal))}, parse ${rate(h.map((r) => fluency(r).parses))} | benign refused ${rate(b.map(isRefusal))}, parse ${rate(b.map((r) => fluency(r).parses))}`);
  }
}
