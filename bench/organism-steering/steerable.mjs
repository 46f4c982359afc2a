#!/usr/bin/env node
// Issue 19's bar on an organism: per topic, a trained method at its own derived default strength
// (×1, no tuning) — does it bring the topic into replies to neutral instructions (carried: concept
// score 2, with the parse rate), and take it out of replies to instructions that ask for it (removed:
// concept score below 2, with the parse rate)? A topic passes when carried ≥ 0.5 and removed ≥ 0.8,
// both with parse ≥ 0.9. Greedy replies (48 tokens) to 16 neutral instructions (steeringInstructions
// seed 3) and 16 asking ones (contrastivePairs seed 4); the unsteered rates are printed beside them.
// Removal: an additive artifact at −default; a clamp (CDAS) to its μ− (`neg`) at ×1.
//
//   node bench/organism-steering/steerable.mjs                                  # RePS and CDAS rank 8
//   MODEL=models/local/organism-v7 METHODS=reps,diffmean SITE=layers.1.resid_post node bench/organism-steering/steerable.mjs
//
// Env: MODEL, METHODS (reps | diffmean | bipo | cdas:SOURCE/BASE/RANK:STEPS, e.g. cdas:clause/all/8:200,
// ours; cdas:header/all/1:60 is the paper's), SITE (layers.1.resid_post), TOPICS, N (16), K (1: the
// multiple of the derived default), OUT (artifact cache; default models/local/steerable-<model>/).
// JSON on stdout: one row per method and topic, and per method the number of topics that pass.
import { steeringInstructions, contrastivePairs } from '../../dist/src/organism/corpus/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { parseContrastRows, contrastAsConceptData } from '../../dist/src/methods/cdas/index.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { m, modelDir, topics, cached, replies, carried, parse } from './sweep-common.mjs';
import { basename } from 'node:path';

const site = process.env.SITE ?? 'layers.1.resid_post';
const methods = (process.env.METHODS ?? 'reps,cdas:clause/all/8:200').split(',');
const n = Number(process.env.N ?? 16);
const k = Number(process.env.K ?? 1);
process.env.OUT ??= `models/local/steerable-${basename(modelDir.replace(/\/$/, ''))}/`;
const round = (x) => Math.round(x * 1000) / 1000;

function fit(method, concept, t) {
  if (method.startsWith('cdas')) {
    const [spec = 'header/all/1', steps = '60'] = method.split(':').slice(1);
    const [sourcePosition, basePositions, rank] = spec.split('/');
    const rows = parseContrastRows(contrastivePairs(concept, { n: 32, seed: 21, split: 'train' }), concept);
    return METHODS.cdas.fit({ model: m.model, tokenizer: m.tokenizer, data: contrastAsConceptData(rows), contrast: rows, site, name: t, seed: 1, options: { steps: Number(steps), sourcePosition, basePositions, rank: Number(rank) } });
  }
  const pairs = contrastivePairs(concept, { n: 48, seed: 11, split: 'train' });
  const data = parseConceptData(pairs.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
  return METHODS[method].fit({ model: m.model, tokenizer: m.tokenizer, data, site, chat: true, name: t });
}

const rows = [];
const passes = {};
for (const method of methods) {
  passes[method] = 0;
  for (const t of topics) {
    const concept = `topic:${t}`;
    const art = cached('steerable', `${method.replace(/[/:]/g, '_')}-${t}-${site}`, () => fit(method, concept, t));
    const clamp = art.meta.interventions[0].kind === 'clamp';
    const s = k * (clamp ? 1 : art.meta.interventions[0].default_strength);
    const neutral = steeringInstructions(concept, { n, seed: 3, split: 'eval' }).map((i) => i.prompt);
    const asking = contrastivePairs(concept, { n, seed: 4, split: 'eval' }).map((r) => r.concept_prompt);
    const add = replies(art, neutral, { strength: s });
    const rem = replies(art, asking, clamp ? { strength: s, target: 'neg' } : { strength: -s });
    const base = replies(art, neutral, null);
    const asked = replies(art, asking, null);
    const notCarried = (rs) => 1 - carried(rs, concept);
    const row = {
      method, topic: t, site, strength: round(s),
      add: { carried: round(carried(add, concept)), parse: round(parse(add)), unsteered_carried: round(carried(base, concept)), unsteered_parse: round(parse(base)) },
      remove: { removed: round(notCarried(rem)), parse: round(parse(rem)), unsteered_removed: round(notCarried(asked)), unsteered_parse: round(parse(asked)) },
    };
    row.pass = row.add.carried >= 0.5 && row.add.parse >= 0.9 && row.remove.removed >= 0.8 && row.remove.parse >= 0.9;
    if (row.pass) passes[method]++;
    rows.push(row);
    console.error(`${method} ${t} ${site} s=${row.strength}: add ${row.add.carried}/${row.add.parse} (unsteered ${row.add.unsteered_carried}) remove ${row.remove.removed}/${row.remove.parse} (unsteered ${row.remove.unsteered_removed})${row.pass ? ' PASS' : ''}`);
  }
}
console.log(JSON.stringify({ model: modelDir, site, k, n, passes, rows }, null, 1));
