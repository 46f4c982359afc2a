// What the organism sweeps of trained methods share (reps-, bipo-, lineas-sweep.mjs): the
// organism, the topics to run (TOPICS=ocean,sports), an artifact fitted once and cached under OUT,
// greedy replies under an artifact at a strength, and the carried (concept score 2) / parse rates.
import { loadModel, stopIds } from '../../dist/src/models/load.js';
import { artifactInterventions } from '../../dist/src/artifact/apply.js';
import { hooksFor } from '../../dist/src/intervene/index.js';
import { chatReplies } from '../../dist/src/generate/replies.js';
import { conceptScore, fluency } from '../../dist/src/organism/judges/index.js';
import { saveArtifact, loadArtifact } from '../../dist/src/artifact/io.js';
import { existsSync, mkdirSync } from 'node:fs';

/** The organism (MODEL=dir for another one, e.g. a candidate under models/local/). */
export const modelDir = process.env.MODEL ?? new URL('../../models/organism/', import.meta.url).pathname;
export const m = await loadModel(modelDir);
export const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
export const topics = (process.env.TOPICS ?? 'ocean,sports,weather,food,animals,music,space,travel').split(',');

/** The artifact cached at OUT/name (default models/local/<sweep>/), fitted by fit() when absent. */
export function cached(sweep, name, fit) {
  const dir = process.env.OUT ?? `models/local/${sweep}/`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${name}.steer.safetensors`;
  if (existsSync(file)) return loadArtifact(file);
  const art = fit();
  saveArtifact(file, art);
  return art;
}

/** Hooks of an artifact at a strength, or with use options ({ strength, target }); null: none. */
export const hooks = (art, use) => (use === null ? null : hooksFor(artifactInterventions(art, m.model, typeof use === 'number' ? { strength: use } : use), m.model.arch.layers));
/** Greedy replies (48 tokens) under hooks(art, use). */
export const replies = (art, prompts, use) => chatReplies(m.model, m.tokenizer, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks: hooks(art, use) });
export const carried = (rs, concept) => mean(rs.map((r) => (conceptScore(r, concept) === 2 ? 1 : 0)));
export const parse = (rs) => mean(rs.map((r) => (fluency(r).parses ? 1 : 0)));
/** "carried/parse" with two decimals. */
export const rates = (rs, concept) => `${carried(rs, concept).toFixed(2)}/${parse(rs).toFixed(2)}`;
