#!/usr/bin/env node
// Issue 19's bar on an organism: per topic, a trained method at its own derived default strength
// (×1, no tuning) — does it bring the topic into replies to neutral instructions (carried: concept
// score 2, with the parse rate), and take it out of replies to instructions that ask for it (removed:
// concept score below 2 at −default, with the parse rate)? A topic passes when carried ≥ 0.5 and
// removed ≥ 0.8, both with parse ≥ 0.9. Greedy replies, 16 neutral instructions (steeringInstructions
// seed 3) and the same 16 with the topic's clause; the unsteered rates are printed beside them.
//
//   node bench/organism-steering/steerable.mjs                     # models/organism, RePS and DiffMean
//   MODEL=models/local/organism-v7 METHODS=reps SITE=layers.1.resid_post node bench/organism-steering/steerable.mjs
//
// Env: MODEL, METHODS (reps,diffmean,bipo), SITE (layers.2.resid_post), TOPICS, N (16), K (1: the
// multiple of the derived default), OUT (artifact cache; default models/local/steerable-<model>/).
// JSON on stdout: one row per method and topic, and per method the number of topics that pass.
import { steeringInstructions, framePrompt, frameById } from '../../dist/src/data/organism/index.js';
import { contrastivePairs } from '../../dist/src/data/organism/index.js';
import { parseConceptData } from '../../dist/src/data/concept-data.js';
import { METHODS } from '../../dist/src/methods/index.js';
import { Rng } from '../../dist/src/util/rng.js';
import { m, modelDir, topics, cached, replies, carried, parse } from './sweep-common.mjs';
import { basename } from 'node:path';

const site = process.env.SITE ?? 'layers.2.resid_post';
const methods = (process.env.METHODS ?? 'reps,diffmean').split(',');
const n = Number(process.env.N ?? 16);
const k = Number(process.env.K ?? 1);
process.env.OUT ??= `models/local/steerable-${basename(modelDir.replace(/\/$/, ''))}/`;
const round = (x) => Math.round(x * 1000) / 1000;

const rows = [];
const passes = {};
for (const method of methods) {
  passes[method] = 0;
  for (const t of topics) {
    const concept = `topic:${t}`;
    const art = cached('steerable', `${method}-${t}-${site}`, () => {
      const pairs = contrastivePairs(concept, { n: 48, seed: 11 });
      const data = parseConceptData(pairs.map((r) => ({ prompt: r.prompt, positive: r.positive, negative: r.negative })), concept);
      return METHODS[method].fit({ model: m.model, tokenizer: m.tokenizer, data, site, chat: true, name: t });
    });
    const s = k * art.meta.interventions[0].default_strength;
    const inst = steeringInstructions(concept, { n, seed: 3 });
    const neutral = inst.map((i) => i.prompt);
    const rng = new Rng(5);
    const asking = inst.map((i) => framePrompt(frameById(i.frame), frameById(i.frame).prompts.indexOf(i.prompt), concept, rng));
    const add = replies(art, neutral, s);
    const base = replies(art, neutral, 0);
    const rem = replies(art, asking, -s);
    const asked = replies(art, asking, 0);
    const notCarried = (rs) => 1 - carried(rs, concept);
    const row = {
      method, topic: t, site, strength: round(s),
      add: { carried: round(carried(add, concept)), parse: round(parse(add)), unsteered_carried: round(carried(base, concept)), unsteered_parse: round(parse(base)) },
      remove: { removed: round(notCarried(rem)), parse: round(parse(rem)), unsteered_removed: round(notCarried(asked)), unsteered_parse: round(parse(asked)) },
    };
    row.pass = row.add.carried >= 0.5 && row.add.parse >= 0.9 && row.remove.removed >= 0.8 && row.remove.parse >= 0.9;
    if (row.pass) passes[method]++;
    rows.push(row);
    console.error(`${method} ${t} s=${row.strength}: add ${row.add.carried}/${row.add.parse} (unsteered ${row.add.unsteered_carried}) remove ${row.remove.removed}/${row.remove.parse} (unsteered ${row.remove.unsteered_removed})${row.pass ? ' PASS' : ''}`);
  }
}
console.log(JSON.stringify({ model: modelDir, site, k, n, passes, rows }, null, 1));
