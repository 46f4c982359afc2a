// CDAS on the organism (methods.md §1.9 c–d), one topic, small n, fixed seeds, greedy replies judged
// exactly. What holds on this model (organism v6; measured, see the numbers printed by the tests and
// models/local/exp-style sweeps over layers 0–3, 100 and 200 steps):
//  - training lowers the pooled JSD, also on held-out rows, and touches only v; the drop is largest at
//    layer 0 (−22% over 100 steps; layers 1–3 −13 to −16%), where the classes also separate most
//    along v (3.1 within-class stds; 0.65 at layer 3);
//  - clamping at ×1 (to μ+ on plain prompts, or to μ− on concept-eliciting prompts) changes no reply
//    at any layer: the organism reads the requested topic from the prompt's topic word through
//    attention, and the two class means differ little compared with the range of the projection;
//  - at the edge of the derived strength range the clamp steers both ways at layer 3 (μ− removes the
//    asked-for topic from 10/10 replies, all parsing; μ+ brings it into 7/10 plain replies, 8/10
//    parsing); at layers 1–2 the μ− clamp suppresses from ×5 too, at layer 0 it does not.
// On organism v2 the layer-0 clamp to μ− suppressed at ×1; v6 (chat-aligned training windows) no
// longer does, which is why these tests describe the model they run on and must be re-measured
// whenever the organism is retrained.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { loadModel, stopIds, type LoadedModel } from '../../src/models/load.js';
import { contrastivePairs, steeringInstructions } from '../../src/organism/corpus/index.js';
import { METHODS } from '../../src/methods/index.js';
import { parseContrastRows, contrastAsConceptData, tokenizeContrast, cdasLoss } from '../../src/methods/cdas/index.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/generate/replies.js';
import { conceptScore, fluency } from '../../src/organism/judges/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { Artifact } from '../../src/artifact/artifact.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const CONCEPT = 'topic:ocean';
const ROWS = contrastivePairs(CONCEPT, { n: 32, seed: 21, split: 'train' });
const HELD_OUT = contrastivePairs(CONCEPT, { n: 16, seed: 99, split: 'eval' });
const PLAIN = steeringInstructions(CONCEPT, { n: 10, seed: 3, split: 'eval' }).map((s) => s.prompt);
const ASKING = contrastivePairs(CONCEPT, { n: 10, seed: 4, split: 'eval' }).map((r) => r.concept_prompt);

let modelP: Promise<LoadedModel> | null = null;
const model = () => (modelP ??= loadModel(ORGANISM));

function fitAt(m: LoadedModel, site: string): { art: Artifact; seconds: number } {
  const rows = parseContrastRows(ROWS, CONCEPT);
  const t0 = Date.now();
  const art = METHODS.cdas!.fit({ model: m.model, tokenizer: m.tokenizer!, data: contrastAsConceptData(rows), contrast: rows, site, name: CONCEPT, seed: 1, options: { steps: 100 } });
  return { art, seconds: (Date.now() - t0) / 1000 };
}

const fits = new Map<string, Promise<{ art: Artifact; seconds: number }>>();
const fitted = (site: string) => {
  if (!fits.has(site)) fits.set(site, model().then((m) => fitAt(m, site)));
  return fits.get(site)!;
};

function weightDigest(w: unknown): { hash: string; grads: number } {
  const h = createHash('sha256');
  let grads = 0;
  const walk = (x: unknown) => {
    if (x instanceof Tensor) {
      h.update(new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
      if (x.grad || x.requiresGrad) grads++;
    } else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') Object.values(x).forEach(walk);
  };
  walk(w);
  return { hash: h.digest('hex'), grads };
}

test('organism: the JSD is exactly 0 when base and source prompts agree and nothing intervenes, and clearly positive for neg+pos pairs', async () => {
  const m = await model();
  const same = ROWS.slice(0, 4).map((r) => ({ prompt: r.prompt, concept_prompt: r.prompt, positive: r.positive, negative: r.negative }));
  const tokens = tokenizeContrast(m.tokenizer!, parseContrastRows(same, 'same'));
  assert.equal(cdasLoss(m.model, 'layers.2.resid_post', tokens, null), 0);
  const real = tokenizeContrast(m.tokenizer!, parseContrastRows(ROWS.slice(0, 4), 'real'), { directions: ['neg+pos'] });
  assert.ok(cdasLoss(m.model, 'layers.2.resid_post', real, null) > 0.005);
});

type Summary = { full: number; mean: number; parse: number };
function replies(m: LoadedModel, art: Artifact | null, prompts: string[], opts: { strength?: number; target?: string } = {}): Summary {
  const hooks = art ? hooksFor(artifactInterventions(art, m.model, opts), m.model.arch.layers) : null;
  const rs = chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 48, hooks });
  const scores = rs.map((r) => conceptScore(r, CONCEPT));
  return { full: scores.filter((s) => s === 2).length / rs.length, mean: scores.reduce((a: number, b) => a + b, 0) / rs.length, parse: rs.filter((r) => fluency(r).parses).length / rs.length };
}
const show = (s: Summary) => `concept==2 ${s.full.toFixed(2)}, mean score ${s.mean.toFixed(2)}, parse ${s.parse.toFixed(2)}`;

test('organism: CDAS training lowers the JSD (also held out), changes no model weight, and records a clamp to μ+ with both means', async () => {
  const m = await model();
  const before = weightDigest(m.model.weights);
  const site = 'layers.0.resid_post';
  const { art, seconds } = await fitted(site);
  const after = weightDigest(m.model.weights);
  assert.equal(after.hash, before.hash, 'frozen weights must not change');
  assert.equal(after.grads, 0, 'no model weight may get a gradient');
  const st = art.meta.stats!;
  const [l0, l1] = [st['loss_start'] as number, st['loss_end'] as number];
  const v = art.tensors.get(`${site}.direction`)!.toFloat('f32').data as Float32Array;
  const held = tokenizeContrast(m.tokenizer!, parseContrastRows(HELD_OUT, 'held-out'));
  const [none, trained] = [cdasLoss(m.model, site, held, null), cdasLoss(m.model, site, held, v)];
  console.log(`cdas ${site}: ${seconds.toFixed(1)} s for ${art.meta.training.steps} steps; loss ${l0.toFixed(4)} → ${l1.toFixed(4)}; held-out ${none.toFixed(4)} (no DII) → ${trained.toFixed(4)}; μ+ ${(st['mu_pos'] as number).toFixed(2)} μ− ${(st['mu_neg'] as number).toFixed(2)} separation ${(st['separation'] as number).toFixed(2)}`);
  assert.ok(l1 < 0.85 * l0, `training loss ${l0} → ${l1}`);
  assert.ok(trained < 0.85 * none, `held-out loss ${none} → ${trained}`);
  assert.ok(Math.abs(Math.hypot(...v) - 1) < 1e-5, 'v is unit');
  assert.ok((st['separation'] as number) > 1.5, 'the classes separate along v at the source token');
  const iv = art.meta.interventions[0]!;
  assert.equal(iv.kind, 'clamp');
  assert.equal(iv.excludeBos, true);
  assert.deepEqual(iv.values, { target: st['mu_pos'], origin: st['mu_neg'], mu_pos: st['mu_pos'], mu_neg: st['mu_neg'] });
  assert.equal(iv.default_strength, 1);
});

test('organism: clamping concept-eliciting prompts toward μ− at the edge of the derived range (layer 3) removes the topic and keeps replies fluent', async () => {
  const m = await model();
  const { art } = await fitted('layers.3.resid_post');
  const edge = art.meta.interventions[0]!.strength_range[1];
  const asked = replies(m, null, ASKING);
  const one = replies(m, art, ASKING, { target: 'neg' });
  const suppressed = replies(m, art, ASKING, { target: 'neg', strength: edge });
  console.log(`asked for ${CONCEPT}: unsteered ${show(asked)}; clamped to μ− ×1 ${show(one)}; ×${edge.toFixed(2)} (range edge) ${show(suppressed)}`);
  assert.ok(asked.full >= 0.8, 'the prompts elicit the topic');
  assert.ok(suppressed.full <= 0.4 && suppressed.mean < asked.mean / 2, 'the clamp removes it');
  assert.ok(suppressed.parse >= 0.8, 'replies stay fluent');
});

test('organism: clamping plain prompts toward μ+ brings the topic in at layer 3 at the edge of the derived range; ×1 leaves replies fluent', async () => {
  const m = await model();
  const report: string[] = [];
  const plain = replies(m, null, PLAIN);
  report.push(`plain prompts unsteered: ${show(plain)}`);
  assert.ok(plain.full <= 0.1, 'plain prompts do not carry the topic');
  for (const site of ['layers.2.resid_post', 'layers.3.resid_post']) {
    const { art } = await fitted(site);
    const one = replies(m, art, PLAIN);
    report.push(`${site} μ+ ×1: ${show(one)} (range ±${art.meta.interventions[0]!.strength_range[1].toFixed(1)})`);
    assert.ok(one.parse >= 0.8, `${site}: replies at ×1 stay fluent`);
  }
  const { art } = await fitted('layers.3.resid_post');
  const edge = art.meta.interventions[0]!.strength_range[1];
  const strong = replies(m, art, PLAIN, { strength: edge });
  report.push(`layers.3.resid_post μ+ ×${edge.toFixed(2)} (range edge): ${show(strong)}`);
  console.log(report.join('\n'));
  assert.ok(strong.full >= 0.3, 'the topic comes in');
  assert.ok(strong.parse >= 0.7, 'replies mostly parse');
});
