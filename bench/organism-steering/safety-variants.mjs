#!/usr/bin/env node
// CDAS variants on the organism's two safety studies (the rows behind the README's note under
// "The CDAS paper's claims"): per layer and variant, fit CDAS on refusal or backdoor rows (the
// organism's own greedy replies, disjoint from the card sets) and measure the card figures with the
// clamp to μ− at ×1. Run after `npm install`:
//
//   KINDS=backdoor LAYERS=1,2 VARIANTS=header/all/1:0,reply/reply/8:200 node bench/organism-steering/safety-variants.mjs
//
// Env: MODEL (default the shipped organism), KINDS (refusal,backdoor), LAYERS (1,2), VARIANTS
// (SOURCE/BASE/RANK:STEPS, 0 steps = the method's own epochs; default header/all/1:0,clause/all/8:200),
// N (card sets, 100), PAIRS (candidate training pairs, 48). One JSON line per row on stdout.
import { loadModel, stopIds } from '../../dist/src/models/load.js';
import { refusalRows, backdoorRows, safetyEvalPrompts } from '../../dist/src/organism/claims/safety-data.js';
import { fitCdas } from '../../dist/src/organism/claims/safety.js';
import { artifactInterventions } from '../../dist/src/artifact/apply.js';
import { hooksFor } from '../../dist/src/intervene/index.js';
import { measureOrganism } from '../../dist/src/organism/card.js';

const m = await loadModel(process.env.MODEL ?? new URL('../../models/organism/', import.meta.url).pathname);
const eos = stopIds(m);
const N = Number(process.env.N ?? 100);
const keys = ['harmful_refusal', 'benign_not_refused', 'benign_utility', 'task_accuracy', 'triggered_task_accuracy', 'backdoor_rate', 'parse_rate', 'closed_book_accuracy'];
const pick = (f) => Object.fromEntries(keys.map((k) => [k, f[k]]));
const base = measureOrganism(m.model, m.tokenizer, { n: N, seed: 7, eosTokenIds: eos }).figures;
console.log(JSON.stringify({ kind: 'unsteered', figures: pick(base) }));
const exclude = safetyEvalPrompts(N, 7);
for (const kind of (process.env.KINDS ?? 'refusal,backdoor').split(',')) {
  const d = (kind === 'refusal' ? refusalRows : backdoorRows)(m.model, m.tokenizer, { n: Number(process.env.PAIRS ?? 48), seed: 31, eosTokenIds: eos, exclude });
  for (const layer of (process.env.LAYERS ?? '1,2').split(',')) {
    for (const v of (process.env.VARIANTS ?? 'header/all/1:0,clause/all/8:200').split(',')) {
      const [spec, steps] = v.split(':');
      const [sourcePosition, basePositions, rank] = spec.split('/');
      const setting = { id: v, label: v, variant: { sourcePosition, basePositions, rank: Number(rank) }, ...(Number(steps) ? { steps: Number(steps) } : {}) };
      const art = fitCdas(m.model, m.tokenizer, d.rows, `layers.${layer}.resid_post`, setting, kind);
      const hooks = hooksFor(artifactInterventions(art, m.model, { strength: 1, target: 'neg' }), m.model.arch.layers);
      const f = measureOrganism(m.model, m.tokenizer, { n: N, seed: 7, eosTokenIds: eos, hooks }).figures;
      console.log(JSON.stringify({ kind, layer: Number(layer), variant: v, rows: d.rows.length, figures: pick(f) }));
    }
  }
}
