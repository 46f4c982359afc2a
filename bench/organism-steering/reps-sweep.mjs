// The README's RePS table: per organism topic, a RePS vector (48 contrastive pairs, seed 11, 18
// epochs) and the carried / parse rates of greedy replies to 16 neutral instructions at multiples of
// its derived default. Run after `npm install`: node bench/organism-steering/reps-sweep.mjs
// (TOPICS=ocean,sports KS=1,1.15 SITE=layers.2.resid_post OUT=dir; artifacts are cached in OUT).
import { loadModel, stopIds } from '../../dist/src/models/load.js';
import { contrastivePairs, steeringInstructions } from '../../dist/src/data/organism/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { artifactInterventions } from '../../dist/src/artifact/apply.js';
import { hooksFor } from '../../dist/src/intervene/index.js';
import { chatReplies } from '../../dist/src/organism/replies.js';
import { conceptScore, fluency } from '../../dist/src/eval/judges/index.js';
import { saveArtifact, loadArtifact } from '../../dist/src/artifact/io.js';
import { existsSync, mkdirSync } from 'node:fs';
const m = await loadModel(new URL('../../models/organism/', import.meta.url).pathname);
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const dir = process.env.OUT ?? 'models/local/reps-sweep/'; mkdirSync(dir, { recursive: true });
const site = process.env.SITE ?? 'layers.2.resid_post';
for (const t of (process.env.TOPICS ?? 'ocean,sports,weather,food,animals,music,space,travel').split(',')) {
  const concept = `topic:${t}`;
  const file = `${dir}/${t}-${site}.steer.safetensors`;
  let art;
  if (existsSync(file)) art = loadArtifact(file);
  else {
    const rows = contrastivePairs(concept, { n: 48, seed: 11 });
    const data = parseConceptData(rows.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
    art = METHODS.reps.fit({ model: m.model, tokenizer: m.tokenizer, data, site, chat: true, name: t });
    saveArtifact(file, art);
  }
  const rec = art.meta.interventions[0];
  const neutral = steeringInstructions(concept, { n: 16, seed: 3 }).map((s) => s.prompt);
  const out = [];
  for (const k of (process.env.KS ?? '1,1.15,1.3,1.5').split(',').map(Number)) {
    const rs = chatReplies(m.model, m.tokenizer, neutral, { eosTokenIds: stopIds(m), maxTokens: 48, hooks: hooksFor(artifactInterventions(art, m.model, { strength: k * rec.default_strength }), m.model.arch.layers) });
    out.push(`×${k}: ${mean(rs.map((r) => (conceptScore(r, concept) === 2 ? 1 : 0))).toFixed(2)}/${mean(rs.map((r) => (fluency(r).parses ? 1 : 0))).toFixed(2)}`);
  }
  console.log(`${t} default ${rec.default_strength.toFixed(2)} edge ${rec.strength_range[1].toFixed(2)} | ${out.join('  ')}`);
}
