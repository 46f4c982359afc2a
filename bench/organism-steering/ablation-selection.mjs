// How directional ablation's automatic selection fares on the organism across training samples:
// for N harmful + N benign requests drawn with each seed, the chosen candidate (or why none was
// left) under --prune-layers PRUNE (default 0; 0.2 is the paper's rule, which leaves nothing on 4 layers).
// Run after `npm install`: node bench/organism-steering/ablation-selection.mjs (NS=24,48,96 SEEDS=1,2,3)
import { loadModel } from '../../dist/src/models/load.js';
import { refusalSets } from '../../dist/src/organism/corpus/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { NoCandidateLeft } from '../../dist/src/methods/ablation/select.js';
import { REFUSAL_START } from '../../dist/src/organism/judges/index.js';

const m = await loadModel(new URL('../../models/organism/', import.meta.url).pathname);
const refusalTokens = REFUSAL_START.map((w) => m.tokenizer.tokenToId(w));
const pruneLayers = Number(process.env.PRUNE ?? 0);
for (const n of (process.env.NS ?? '24,48,96').split(',').map(Number)) {
  for (const seed of (process.env.SEEDS ?? '1,2,3').split(',').map(Number)) {
    const t = refusalSets({ n, seed, split: 'train' });
    const records = [...t.harmful.map((r) => ({ prompt: r.prompt, text: '', label: 1 })), ...t.benign.map((r) => ({ prompt: r.prompt, text: '', label: 0 }))];
    try {
      const art = METHODS.ablation.fit({ model: m.model, tokenizer: m.tokenizer, data: parseConceptData(records, 'refusal'), chat: true, name: 'r', options: { refusalTokens, pruneLayers } });
      const s = art.meta.stats;
      const k = s.candidate_layer.findIndex((l, i) => l === s.selected_layer && s.candidate_position[i] === s.selected_position);
      console.log(`n=${n} seed=${seed}: ${art.meta.settings.site} position ${s.selected_position} (bypass ${s.candidate_bypass[k].toFixed(2)}, induce ${s.candidate_induce[k].toFixed(2)}, KL ${s.candidate_kl[k].toFixed(3)})`);
    } catch (e) {
      if (!(e instanceof NoCandidateLeft)) throw e;
      const best = e.candidates.reduce((a, c) => (c.bypass < a.bypass ? c : a));
      console.log(`n=${n} seed=${seed}: none left; the lowest bypass, layer ${best.layer} position ${best.position} (bypass ${best.bypass.toFixed(2)}, induce ${best.induce.toFixed(2)}, KL ${best.kl.toFixed(3)}), went for ${best.discarded.join(', ')}`);
    }
  }
}
