// Causal tracing on the organism (src/trace/trace.ts): topic:ocean over 8 frame pairs (the same
// neutral instruction without and with "and bring in the topic ocean"), as the README's picture.
//
// What was measured (organism v6; every topic gives the same picture, README "Causal tracing"):
// the topic word's state after block 0 carries the concept — substituted at the base's last
// instruction word it brings back 0.59 of the source − base gap in P(concept) over the reply, and
// block 0's MLP output alone 0.57 — while the same position after blocks 1–3 carries nothing, and
// so do the other clause words and the template tokens (<|end|> <|assistant|>) at every layer. The
// reply positions take the topic in through block 1's attention (all reply positions patched at
// attn.out 1: 0.44; at blocks 0, 2, 3: ~0), and block 3's MLP there writes the topic's words (0.38).
// So the concept goes word → block-0 MLP → block-1 attention at each reply position → block-3 MLP,
// never through the template positions.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadModel, stopIds, type LoadedModel } from '../../src/models/load.js';
import { causalTrace, type TraceResult } from '../../src/trace/trace.js';
import { conceptFromWords } from '../../src/trace/concept.js';
import { organismConceptWords, organismPairs } from '../../src/trace/pairs.js';

const ORGANISM = fileURLToPath(new URL('../../../models/organism/', import.meta.url));
let m: LoadedModel;
let r: TraceResult;

before(async () => {
  m = await loadModel(ORGANISM);
  const concept = conceptFromWords(m.tokenizer!, organismConceptWords('topic:ocean'));
  r = causalTrace(m.model, m.tokenizer!, organismPairs('topic:ocean', { n: 8, seed: 7, clause: 0 }), concept, { chat: true, eosTokenIds: stopIds(m) });
});

function cell(kind: string, key: string, layer: number): number {
  const i = r.rows.findIndex((x) => x.key === key);
  assert.ok(i >= 0, `row ${key}`);
  return r.effects[kind]!.fraction[i]![layer]!;
}

test('the rows: the shared prefix (exactly 0), the six clause words, the two template tokens, the reply', () => {
  assert.equal(r.pairs.length, 8);
  assert.deepEqual(r.rows.filter((x) => x.role !== 'reply').map((x) => x.label), ['…', 'and', 'bring', 'in', 'the', 'topic', 'ocean', '<|end|>', '<|assistant|>']);
  assert.ok(r.source > 10 * r.base, `the clause raises P(concept) over the reply (base ${r.base}, source ${r.source})`);
  for (const kind of r.sites) for (let l = 0; l < 4; l++) assert.ok(Math.abs(cell(kind, 'prefix', l)) < 1e-6, `prefix ${kind} ${l}`);
});

test('the topic word carries the concept after block 0 only, through its MLP; no other prompt position carries it', () => {
  assert.ok(cell('resid_post', 'source[-1]', 0) > 0.35 && cell('resid_post', 'source[-1]', 0) < 0.85, `word after block 0: ${cell('resid_post', 'source[-1]', 0)}`);
  assert.ok(cell('mlp.out', 'source[-1]', 0) > 0.35, `block 0 MLP at the word: ${cell('mlp.out', 'source[-1]', 0)}`);
  for (let l = 1; l < 4; l++) assert.ok(Math.abs(cell('resid_post', 'source[-1]', l)) < 0.05, `word after block ${l}`);
  for (const kind of r.sites) {
    for (const key of ['source[-6]', 'source[-5]', 'source[-4]', 'source[-3]', 'source[-2]', 'suffix[-2]', 'suffix[-1]']) {
      for (let l = 0; l < 4; l++) assert.ok(Math.abs(cell(kind, key, l)) < 0.05, `${kind} ${key} layer ${l}: ${cell(kind, key, l)}`);
    }
  }
});

test('the reply takes the topic in through block 1 attention and block 3 MLP writes it', () => {
  assert.ok(cell('attn.out', 'reply[all]', 1) > 0.25, `attn.out 1: ${cell('attn.out', 'reply[all]', 1)}`);
  for (const l of [0, 2, 3]) assert.ok(Math.abs(cell('attn.out', 'reply[all]', l)) < 0.05, `attn.out ${l}`);
  assert.ok(Math.abs(cell('resid_post', 'reply[all]', 0)) < 0.05);
  assert.ok(cell('mlp.out', 'reply[all]', 3) > 0.2, `mlp.out 3: ${cell('mlp.out', 'reply[all]', 3)}`);
  // After the last block every reply position is the source's: all but the first prediction (made
  // at <|assistant|>, where neither run expects the topic) come back.
  assert.ok(cell('resid_post', 'reply[all]', 3) > 0.95);
});
