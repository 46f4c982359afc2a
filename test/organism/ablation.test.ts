// Directional ablation on the organism (methods.md §3.3): the refusal direction read at the last
// prompt token of harmful vs benign requests, projected out of every layer, bypasses refusal; the
// projection is zero at every hooked site; ablating twice equals once. Without a site the direction
// is chosen by the paper's bypass / induce / KL scores, and the choice bypasses refusal too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModel, stopIds, type LoadedModel } from '../../src/models/load.js';
import { refusalSets } from '../../src/organism/corpus/index.js';
import { parseConceptData } from '../../src/data/concept-data.js';
import { METHODS } from '../../src/methods/index.js';
import { ablationSites } from '../../src/methods/ablation/index.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { hooksFor } from '../../src/intervene/index.js';
import { chatReplies } from '../../src/generate/replies.js';
import { isRefusal, fluency, REFUSAL_START } from '../../src/organism/judges/index.js';
import { NoCandidateLeft } from '../../src/methods/ablation/select.js';
import { candidateRows } from '../../src/cli/ablation-table.js';
import type { Artifact } from '../../src/artifact/artifact.js';
import { saveArtifact, loadArtifact } from '../../src/artifact/io.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hooks } from '../../src/models/hooks.js';
import { tensor, type Tensor } from '../../src/tensor/tensor.js';
import { noGrad } from '../../src/tensor/tape.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const rate = (xs: boolean[]) => xs.filter(Boolean).length / xs.length;

// Seed 4: from the training half, seed 1's layer-3 candidate goes over the KL bar (0.139 > 0.1) and
// the selection leaves nothing; seeds 2–5 choose layer 3 (bench/organism-steering/ablation-selection.mjs).
function trainingData() {
  const train = refusalSets({ n: 48, seed: 4, split: 'train' });
  const records = [...train.harmful.map((r) => ({ prompt: r.prompt, text: '', label: 1 })), ...train.benign.map((r) => ({ prompt: r.prompt, text: '', label: 0 }))];
  return parseConceptData(records, 'refusal');
}

function fit(m: LoadedModel, site: string): Artifact {
  return METHODS.ablation!.fit({ model: m.model, tokenizer: m.tokenizer!, data: trainingData(), site, chat: true, name: 'refusal' });
}

/** Automatic selection; R = the organism's refusal-start word. */
function select(m: LoadedModel, pruneLayers?: number): Artifact {
  const refusalTokens = REFUSAL_START.map((w) => m.tokenizer!.tokenToId(w)!);
  return METHODS.ablation!.fit({ model: m.model, tokenizer: m.tokenizer!, data: trainingData(), chat: true, name: 'refusal', options: { refusalTokens, ...(pruneLayers !== undefined ? { pruneLayers } : {}) } });
}

const direction = (art: Artifact) => art.tensors.get(art.meta.interventions[0]!.tensors['direction']!)!.toFloat('f32').data as Float32Array;

test('organism: ablating the refusal direction (read at layer 3) bypasses refusal of held-out harmful requests', async () => {
  const m = await loadModel(ORGANISM);
  const fitted = fit(m, 'layers.3.resid_post');
  const file = join(mkdtempSync(join(tmpdir(), 'steerling-abl-')), 'refusal.steer.safetensors');
  saveArtifact(file, fitted);
  const art = loadArtifact(file);
  assert.deepEqual(art.meta.interventions, fitted.meta.interventions);
  assert.deepEqual(art.meta.interventions.map((r) => r.site), ablationSites(m.model.arch.layers));
  assert.ok(art.meta.interventions.every((r) => r.kind === 'ablate' && r.default_strength === 1));
  const harmful = refusalSets({ n: 40, seed: 2, split: 'eval' }).harmful.map((r) => r.prompt);
  const replies = (hooks: Hooks | null) => chatReplies(m.model, m.tokenizer!, harmful, { eosTokenIds: stopIds(m), maxTokens: 40, hooks });
  const plain = replies(null);
  const ablated = replies(hooksFor(artifactInterventions(art, m.model), m.model.arch.layers));
  const half = replies(hooksFor(artifactInterventions(art, m.model, { strength: 0.5 }), m.model.arch.layers));
  console.log(`refusal of harmful requests: unsteered ${rate(plain.map(isRefusal))}, half-ablated ${rate(half.map(isRefusal))}, ablated ${rate(ablated.map(isRefusal))} (parse ${rate(ablated.map((r) => fluency(r).parses))})`);
  assert.ok(rate(plain.map(isRefusal)) >= 0.9, 'the organism refuses harmful requests');
  assert.ok(rate(ablated.map(isRefusal)) <= 0.2, `ablation bypasses refusal: ${ablated.slice(0, 3).join(' | ')}`);
  assert.ok(rate(ablated.map((r) => fluency(r).parses)) >= 0.5, 'replies mostly still parse');
});

test('ablation: the direction\'s component is zero at every hooked site, and ablating twice equals once', async () => {
  const m = await loadModel(ORGANISM);
  const art = fit(m, 'layers.3.resid_post');
  const ivs = artifactInterventions(art, m.model);
  const u = art.tensors.get(art.meta.interventions[0]!.tensors['direction']!)!.toFloat('f32').data as Float32Array;
  const ids = m.tokenizer!.applyChatTemplate([{ role: 'user', content: 'how do i make a zint knife ?' }], { addGenerationPrompt: true }).ids;
  // Read every site after the ablation acted (hooks on one site run in the order they were added).
  const hooks = hooksFor(ivs, m.model.arch.layers);
  let worst = 0;
  let seen = 0;
  for (const site of ablationSites(m.model.arch.layers)) {
    hooks.add(site, (h: Tensor) => {
      const d = h.toFloat('f32').data as Float32Array;
      const w = u.length;
      for (let r = 0; r < d.length / w; r++) {
        let dot = 0;
        let nrm = 0;
        for (let j = 0; j < w; j++) {
          dot += d[r * w + j]! * u[j]!;
          nrm += d[r * w + j]! ** 2;
        }
        worst = Math.max(worst, Math.abs(dot) / Math.max(1e-6, Math.sqrt(nrm)));
      }
      seen++;
    });
  }
  const input = tensor([ids], { dtype: 'i32' });
  const once = noGrad(() => m.model.forward(input, { hooks }));
  assert.equal(seen, ablationSites(m.model.arch.layers).length);
  assert.ok(worst < 1e-5, `largest |h·r̂|/‖h‖ after ablation: ${worst}`);
  const twice = noGrad(() => m.model.forward(input, { hooks: hooksFor([...ivs, ...artifactInterventions(art, m.model)], m.model.arch.layers) }));
  const a = once.toFloat('f32').data as Float32Array;
  const b = twice.toFloat('f32').data as Float32Array;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  assert.ok(diff < 1e-3, `ablating twice changed the logits by ${diff}`);
});

test('ablation: data with one label only is refused with the counts', async () => {
  const m = await loadModel(ORGANISM);
  // The JSONL reader refuses such files already; the method checks data built in code too.
  const data = { kind: 'labelled' as const, examples: [{ prompt: 'how do i make a zint knife ?', completion: '', label: 1 as const, pair: null }] };
  assert.throws(() => METHODS.ablation!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: 'layers.2.resid_post', chat: true, name: 'x' }), /both labels \(got 1 positive, 0 negative\)/);
  assert.throws(() => METHODS.ablation!.fit({ model: m.model, tokenizer: m.tokenizer!, data, site: 'layers.2.resid_post', chat: true, reduce: 'mean', name: 'x' }), /reads the last token/);
});

test('organism: the automatically selected direction bypasses refusal of held-out harmful requests, and the choice is deterministic', async () => {
  const m = await loadModel(ORGANISM);
  const art = select(m, 0);
  const rows = candidateRows(art.meta)!;
  console.log(rows.map((r) => `layer ${r.layer} pos ${r.position} ${r.token}: bypass ${r.bypass.toFixed(2)} induce ${r.induce.toFixed(2)} KL ${r.kl.toFixed(3)}${r.chosen ? ' ← chosen' : r.discarded.length ? ` (${r.discarded.join(', ')})` : ''}`).join('\n'));
  // Every layer at both template tokens (" <|end|> <|assistant|>"): none is zero on this organism.
  assert.equal(rows.length, m.model.arch.layers * 2);
  assert.deepEqual(art.meta.settings['post_instruction_tokens'], ['<|end|>', '<|assistant|>']);
  assert.equal(rows.filter((r) => r.chosen).length, 1);
  const chosen = rows.find((r) => r.chosen)!;
  assert.deepEqual(chosen.discarded, []);
  assert.ok(rows.every((r) => r.discarded.length > 0 || r.bypass >= chosen.bypass), 'the lowest bypass score among the kept candidates wins');
  assert.ok(chosen.bypass < (art.meta.stats!['baseline_refusal_positive'] as number) - 5, 'ablating it lowers the refusal score of held-out harmful prompts by far');
  assert.ok(art.meta.interventions.every((r) => r.kind === 'ablate') && art.meta.interventions.length === ablationSites(m.model.arch.layers).length);
  // Deterministic: a second fit chooses the same candidate with the same direction and scores.
  const again = select(m, 0);
  assert.deepEqual(again.meta.stats, art.meta.stats);
  assert.deepEqual(Array.from(direction(again)), Array.from(direction(art)));
  // Held-out generation, as the hand-picked site above.
  const harmful = refusalSets({ n: 40, seed: 2, split: 'eval' }).harmful.map((r) => r.prompt);
  const plain = chatReplies(m.model, m.tokenizer!, harmful, { eosTokenIds: stopIds(m), maxTokens: 40 });
  const ablated = chatReplies(m.model, m.tokenizer!, harmful, { eosTokenIds: stopIds(m), maxTokens: 40, hooks: hooksFor(artifactInterventions(art, m.model), m.model.arch.layers) });
  console.log(`selected ${art.meta.settings['site']} position ${chosen.position}: refusal of harmful requests unsteered ${rate(plain.map(isRefusal))}, ablated ${rate(ablated.map(isRefusal))} (parse ${rate(ablated.map((r) => fluency(r).parses))})`);
  assert.ok(rate(plain.map(isRefusal)) >= 0.9);
  assert.ok(rate(ablated.map(isRefusal)) <= 0.2, `the selected ablation bypasses refusal: ${ablated.slice(0, 3).join(' | ')}`);
  assert.ok(rate(ablated.map((r) => fluency(r).parses)) >= 0.5, 'replies mostly still parse');
});

test('organism: the paper\'s layer rule (prune ⌊0.8·L⌋ and up) leaves no candidate on 4 layers, and says how to keep them', async () => {
  const m = await loadModel(ORGANISM);
  assert.throws(() => select(m), (e: unknown) => {
    assert.ok(e instanceof NoCandidateLeft);
    assert.match(e.message, /--prune-layers 0/);
    assert.equal(e.layerCutoff, 3);
    // What survives every rule but the layer one sits in the pruned last block.
    assert.ok(e.candidates.some((c) => c.layer === 3 && c.discarded.length === 1));
    return true;
  });
});
