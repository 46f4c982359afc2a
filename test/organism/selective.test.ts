// Selective Steering on the organism (methods.md §3.7): fitted on harmful vs benign requests (the
// data of the ablation test), rotating by −θ turns held-out harmful requests away from refusal with
// replies that still parse, +θ turns benign ones toward it, the adaptive gate leaves benign prompts
// alone while bypassing, and the rotation keeps ‖h‖ on the real model's activations.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, stopIds, type LoadedModel } from '../../src/models/load.js';
import { refusalSets } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { selectiveSites, rotationSite } from '../../src/methods/selective/method.js';
import { discriminativeLayers } from '../../src/methods/selective/plane.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { saveArtifact, loadArtifact } from '../../src/artifact/io.js';
import { hooksFor, RotateIntervention } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/generate/replies.js';
import { isRefusal, fluency } from '../../src/organism/judges/index.js';
import type { Artifact } from '../../src/artifact/artifact.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/tensor/tape.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const rate = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;

let m: LoadedModel;
let art: Artifact;
let adaptive: Artifact;

function fit(threshold?: number): Artifact {
  const train = refusalSets({ n: 48, seed: 1, split: 'train' });
  const records = [...train.harmful.map((r) => ({ prompt: r.prompt, text: '', label: 1 })), ...train.benign.map((r) => ({ prompt: r.prompt, text: '', label: 0 }))];
  return METHODS.selective!.fit({ model: m.model, tokenizer: m.tokenizer!, data: parseConceptData(records, 'refusal'), chat: true, name: 'refusal', ...(threshold !== undefined ? { options: { threshold } } : {}) });
}

before(async () => {
  m = await loadModel(ORGANISM);
  art = fit();
  adaptive = fit(0);
});

test('organism: selective artifact — rotate interventions with b1 and b2 at the discriminative layers, saved and loaded', () => {
  const meta = art.meta;
  const s = meta.stats!;
  const layers = s['selected_layers'] as number[];
  console.log(`b1 read at ${meta.settings['site']}; layers ${layers.join(', ')}; in-plane angle between the class means ${(s['layer_angle_deg'] as number[]).map((x) => x.toFixed(1)).join('°, ')}°; θ = ${meta.interventions[0]!.default_strength.toFixed(1)}°, range ±${meta.interventions[0]!.strength_range[1].toFixed(1)}°`);
  // The recorded projections reproduce the selection (both sites of a layer must have opposite signs).
  const proj = selectiveSites(m.model.arch.layers).map((_, l) => ['resid_pre', 'resid_mid'].map((k) => ({ pos: (s[`proj_pos_${k}`] as number[])[l]!, neg: (s[`proj_neg_${k}`] as number[])[l]! })));
  assert.deepEqual(discriminativeLayers(proj).flatMap((ok, l) => (ok ? [l] : [])), layers);
  assert.ok(layers.length > 0 && layers.length < m.model.arch.layers, 'some layers are steered and some are not');
  assert.deepEqual(meta.interventions.map((r) => r.site), layers.map(rotationSite));
  assert.ok(meta.interventions.every((r) => r.kind === 'rotate' && r.tensors['direction'] && r.tensors['plane']));
  const theta = meta.interventions[0]!.default_strength;
  assert.ok(theta > 0 && theta <= 180 / layers.length, `θ ${theta}`);
  const file = join(mkdtempSync(join(tmpdir(), 'steerling-sel-')), 'refusal.steer.safetensors');
  saveArtifact(file, adaptive);
  const back = loadArtifact(file);
  assert.deepEqual(back.meta.interventions, adaptive.meta.interventions);
  const ivs = artifactInterventions(back, m.model) as RotateIntervention[];
  assert.ok(ivs.every((iv) => iv.plane !== null && iv.threshold === 0));
});

test('organism: −θ bypasses refusal of held-out harmful requests (replies parse), +θ induces it on benign ones', () => {
  const held = refusalSets({ n: 40, seed: 2, split: 'eval' });
  const harmful = held.harmful.map((r) => r.prompt);
  const benign = held.benign.map((r) => r.prompt);
  const theta = art.meta.interventions[0]!.default_strength;
  const replies = (prompts: string[], a: Artifact | null, strength?: number) =>
    chatReplies(m.model, m.tokenizer!, prompts, { eosTokenIds: stopIds(m), maxTokens: 40, hooks: a ? hooksFor(artifactInterventions(a, m.model, strength !== undefined ? { strength } : {}), m.model.arch.layers) : null });
  const plainH = replies(harmful, null);
  const plainB = replies(benign, null);
  const away = replies(harmful, art, -theta);
  const toward = replies(benign, art, theta);
  const awayB = replies(benign, art, -theta);
  const gatedH = replies(harmful, adaptive, -theta);
  const gatedB = replies(benign, adaptive, -theta);
  const parse = (xs: string[]) => rate(xs.map((r) => fluency(r).parses));
  console.log(`harmful refused: unsteered ${rate(plainH.map(isRefusal))}, θ=${(-theta).toFixed(1)}° ${rate(away.map(isRefusal))} (parse ${parse(away)}), adaptive ${rate(gatedH.map(isRefusal))} (parse ${parse(gatedH)})`);
  console.log(`benign refused: unsteered ${rate(plainB.map(isRefusal))}, θ=+${theta.toFixed(1)}° ${rate(toward.map(isRefusal))} (parse ${parse(toward)}), θ=${(-theta).toFixed(1)}° ${rate(awayB.map(isRefusal))}, adaptive at ${(-theta).toFixed(1)}° ${rate(gatedB.map(isRefusal))} (parse ${parse(gatedB)})`);
  console.log(`e.g. ${away[0]} | ${toward.find(isRefusal)}`);
  assert.ok(rate(plainH.map(isRefusal)) >= 0.9 && rate(plainB.map(isRefusal)) <= 0.05, 'the organism refuses harmful requests only');
  // Measured (n = 48 training prompts, seeds 1–4): 0.00–0.05 refused, parse 0.97–1.00.
  assert.ok(rate(away.map(isRefusal)) <= 0.2, `−θ bypasses refusal: ${away.slice(0, 3).join(' | ')}`);
  assert.ok(parse(away) >= 0.8, 'bypassed replies parse');
  // Measured 0.45–0.53: the make-a-thing requests in the benign set (20 of 23 at seed 1), no ordinary chat.
  assert.ok(rate(toward.map(isRefusal)) >= 0.3, `+θ induces refusal: ${toward.slice(0, 3).join(' | ')}`);
  // The adaptive gate (h·b1 > 0) bypasses as well and leaves benign prompts unrefused.
  assert.ok(rate(gatedH.map(isRefusal)) <= 0.2 && parse(gatedH) >= 0.8);
  assert.ok(rate(gatedB.map(isRefusal)) <= 0.05 && parse(gatedB) >= 0.9);
});

test('organism: the rotation keeps ‖h‖ and the off-plane part of every hooked activation (f32)', () => {
  const ivs = artifactInterventions(art, m.model, { strength: 137 }) as RotateIntervention[];
  const b1 = ivs[0]!.direction.toFloat('f32').data as Float32Array;
  const hooks = hooksFor([], m.model.arch.layers);
  const before = new Map<string, Float32Array>();
  let worstNorm = 0;
  let worstOff = 0;
  let rows = 0;
  for (const iv of ivs) {
    const b2 = iv.plane!.toFloat('f32').data as Float32Array;
    const off = (h: Float32Array, r: number, w: number) => {
      let c1 = 0;
      let c2 = 0;
      for (let j = 0; j < w; j++) [c1, c2] = [c1 + h[r * w + j]! * b1[j]!, c2 + h[r * w + j]! * b2[j]!];
      return Array.from({ length: w }, (_, j) => h[r * w + j]! - c1 * b1[j]! - c2 * b2[j]!);
    };
    // Read the site, rotate it, read it again (hooks on one site run in the order added).
    hooks.add(iv.site, (h: Tensor) => void before.set(iv.site, Float32Array.from(h.toFloat('f32').data as Float32Array)));
    hooks.add(iv.site, (h: Tensor, ctx) => iv.apply(h, ctx));
    hooks.add(iv.site, (h: Tensor) => {
      const a = before.get(iv.site)!;
      const b = h.toFloat('f32').data as Float32Array;
      const w = b1.length;
      for (let r = 0; r < b.length / w; r++) {
        let na = 0;
        let nb = 0;
        for (let j = 0; j < w; j++) [na, nb] = [na + a[r * w + j]! ** 2, nb + b[r * w + j]! ** 2];
        worstNorm = Math.max(worstNorm, Math.abs(Math.sqrt(nb) - Math.sqrt(na)) / Math.sqrt(na));
        const [oa, ob] = [off(a, r, w), off(b, r, w)];
        worstOff = Math.max(worstOff, Math.max(...oa.map((x, j) => Math.abs(x - ob[j]!))) / Math.sqrt(na));
        rows++;
      }
    });
  }
  const ids = refusalSets({ n: 4, seed: 9, split: 'eval' }).harmful.map((r) => m.tokenizer!.applyChatTemplate([{ role: 'user', content: r.prompt }], { addGenerationPrompt: true }).ids);
  for (const x of ids) noGrad(() => m.model.forward(tensor([x], { dtype: 'i32' }), { hooks }));
  console.log(`${rows} hooked rows: largest relative change of ‖h‖ ${worstNorm.toExponential(2)}, of the off-plane part ${worstOff.toExponential(2)}`);
  assert.ok(rows > 0);
  assert.ok(worstNorm < 1e-5, `‖h'‖ differs from ‖h‖ by ${worstNorm} relative`);
  assert.ok(worstOff < 1e-5, `the off-plane part moved by ${worstOff} relative`);
});
