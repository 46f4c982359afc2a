// CDAS pieces without training (methods.md §1.9 a–c, e): the DII and clamp algebra, the JSD loss,
// data parsing, the source position, the response-alignment assertion, and clamp-target selection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/util/rng.js';
import { fromStorage, type Tensor } from '../../src/tensor/tensor.js';
import * as ops from '../../src/tensor/ops/index.js';
import { InterchangeIntervention, ClampIntervention } from '../../src/intervene/interventions.js';
import type { HookContext } from '../../src/models/hooks.js';
import { parseContrastRows, checkAligned, lastOccurrenceEnd, responseJsd, responseRows, gatherRows, type DiiExample } from '../../src/methods/cdas/index.js';
import { parseSteerText } from '../../src/artifact/steering.js';
import { clampTarget, artifactInterventions } from '../../src/artifact/apply.js';
import type { DecoderModel } from '../../src/models/decoder.js';
import type { Artifact, InterventionRecord } from '../../src/artifact/artifact.js';

const ctx: HookContext = { site: 'x', layer: 0, offset: 0, phase: 'prefill', promptLength: null, padding: null };
const dot = (a: ArrayLike<number>, b: ArrayLike<number>, ao = 0) => Array.from(b).reduce((s, x, i) => s + a[ao + i]! * x, 0);

function randn(rng: Rng, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromStorage(Float64Array.from({ length: n }, () => rng.normal()), shape, 'f64');
}

function unitVec(rng: Rng, d: number): Float64Array {
  const v = Float64Array.from({ length: d }, () => rng.normal());
  const n = Math.sqrt(dot(v, v));
  return v.map((x) => x / n);
}

test('DII (rank 1): v·b′ = v·s at every intervened position, the orthogonal complement is the base, s = b is the identity, BOS untouched', () => {
  const rng = new Rng(3);
  const [B, T, d] = [2, 5, 7];
  const v = unitVec(rng, d);
  const base = randn(rng, [B, T, d]);
  const src = randn(rng, [B, d]);
  const iv = new InterchangeIntervention('x', fromStorage(Float64Array.from(v), [1, d], 'f64'), { excludeBos: true });
  iv.source = src;
  const out = iv.apply(base, ctx).f;
  const b = base.f;
  for (let i = 0; i < B; i++) {
    const zs = dot(src.f, v, i * d);
    for (let t = 0; t < T; t++) {
      const o = (i * T + t) * d;
      if (t === 0) {
        for (let j = 0; j < d; j++) assert.equal(out[o + j], b[o + j], 'BOS must stay');
        continue;
      }
      assert.ok(Math.abs(dot(out, v, o) - zs) < 1e-12, 'projection comes from the source');
      const zb = dot(b, v, o);
      const zo = dot(out, v, o);
      for (let j = 0; j < d; j++) assert.ok(Math.abs(out[o + j]! - zo * v[j]! - (b[o + j]! - zb * v[j]!)) < 1e-12, 'complement comes from the base');
    }
  }
  // s = b: the base's own activation at each position as source → identity.
  const one = randn(rng, [1, 1, d]);
  iv.source = ops.reshape(one, [1, d]);
  iv.excludeBos = false;
  const same = iv.apply(one, ctx).f;
  one.f.forEach((x, j) => assert.ok(Math.abs(same[j]! - x) < 1e-12));
});

test('clamp: v̂·h′ equals the target at every non-BOS position, BOS is untouched, clamping twice = once; the origin form scales from the other mean', () => {
  const rng = new Rng(4);
  const [B, T, d] = [2, 4, 6];
  const v = unitVec(rng, d).map((x) => x * 3); // not unit: the clamp normalises
  const u = v.map((x) => x / 3);
  const h = randn(rng, [B, T, d]);
  const dir = fromStorage(Float64Array.from(v), [d], 'f64');
  const iv = new ClampIntervention('x', dir, 2.5, { excludeBos: true });
  const once = iv.apply(h, ctx);
  const twice = iv.apply(once, ctx);
  for (let i = 0; i < B * T; i++) {
    const t = i % T;
    if (t === 0) assert.ok(Math.abs(dot(once.f, u, i * d) - dot(h.f, u, i * d)) < 1e-12);
    else assert.ok(Math.abs(dot(once.f, u, i * d) - 2.5) < 1e-12);
  }
  once.f.forEach((x, j) => assert.ok(Math.abs(twice.f[j]! - x) < 1e-12, 'idempotent'));
  // origin o, value a, strength s → o + s(a − o): s = 1 gives a, s = 0 gives o, s = 2 goes past a.
  for (const [s, want] of [[1, 2.5], [0, -1], [2, 6]] as const) {
    const c = new ClampIntervention('x', dir, 2.5, { origin: -1, strength: s });
    const out = c.apply(h, ctx);
    assert.ok(Math.abs(dot(out.f, u, d) - want) < 1e-12, `strength ${s}`);
  }
});

test('JSD: within [0, ln 2] per token, symmetric, 0 when the logits agree; responseJsd pools over response tokens and flows only to the student', () => {
  const rng = new Rng(5);
  const p = randn(rng, [6, 9]);
  const q = randn(rng, [6, 9]);
  const pq = ops.jsDiv(p, q, { reduction: 'none' }).f;
  const qp = ops.jsDiv(q, p, { reduction: 'none' }).f;
  pq.forEach((x, i) => {
    assert.ok(x >= 0 && x <= Math.LN2 + 1e-12, `row ${i}: ${x}`);
    assert.ok(Math.abs(x - qp[i]!) < 1e-12, 'symmetric');
  });
  assert.ok(Math.abs(ops.jsDiv(p, p).item()) < 1e-12);
  // Near-disjoint distributions approach ln 2.
  const a = fromStorage(Float64Array.from([50, 0, 0]), [1, 3], 'f64');
  const b = fromStorage(Float64Array.from([0, 0, 50]), [1, 3], 'f64');
  assert.ok(Math.abs(ops.jsDiv(a, b).item() - Math.LN2) < 1e-9);

  // Batch of two left-padded sequences: prompt lengths 2 and 3, responses 2 and 1 tokens.
  const seqs = [{ ids: [1, 5, 6, 7], promptLength: 2 }, { ids: [1, 5, 6, 8], promptLength: 3 }];
  const pad = Int32Array.from([1, 1]);
  const T = 5;
  const rows = responseRows(seqs, pad, T);
  assert.deepEqual([...rows], [0 * T + 1 + 1, 0 * T + 1 + 2, 1 * T + 1 + 2]);
  const V = 4;
  const student = fromStorage(Float32Array.from({ length: 2 * T * V }, () => rng.normal()), [2, T, V], 'f32', true);
  const same = gatherRows(student.f as Float32Array, rows, V);
  assert.ok(Math.abs(responseJsd(student, rows, same).item()) < 1e-7, 'identical teacher → 0');
  const teacher = Float32Array.from({ length: rows.length * V }, () => rng.normal());
  const loss = responseJsd(student, rows, teacher);
  const want = ops.jsDiv(fromStorage(same, [3, V], 'f32'), fromStorage(teacher, [3, V], 'f32')).item();
  assert.ok(Math.abs(loss.item() - want) < 1e-6, 'mean over the pooled response tokens');
  loss.backward();
  const g = student.grad!.f;
  const selected = new Set(rows);
  for (let r = 0; r < 2 * T; r++) {
    const norm = Math.hypot(...Array.from(g.subarray(r * V, (r + 1) * V)));
    if (selected.has(r)) assert.ok(norm > 0, `row ${r} is a response row`);
    else assert.equal(norm, 0, `row ${r} is not a response row`);
  }
  assert.throws(() => responseJsd(student, rows, teacher.subarray(0, 2 * V)), /misaligned/);
});

test('alignment: base and source must select the same response tokens, else a clear error names the row', () => {
  const ex = (b: number[], bp: number, s: number[], sp: number): DiiExample => ({ row: 7, direction: 'neg+pos', base: { ids: b, promptLength: bp }, source: { ids: s, promptLength: sp }, sourcePos: sp - 1 });
  assert.doesNotThrow(() => checkAligned([ex([1, 2, 9, 9], 2, [1, 3, 4, 9, 9], 3)]));
  assert.throws(() => checkAligned([ex([1, 2, 9, 9], 2, [1, 3, 4, 9, 9, 9], 3)]), /CDAS row 7 \(neg\+pos\): the shared reply has 2 response tokens after the base prompt but 3 after the source prompt/);
  assert.throws(() => checkAligned([ex([1, 2, 9, 8], 2, [1, 3, 4, 9, 9], 3)]), /CDAS row 7 \(neg\+pos\): response token 1 differs/);
});

test('source position: the last token of the last occurrence of the header inside the prompt', () => {
  assert.equal(lastOccurrenceEnd([1, 7, 8, 3, 7, 8, 4], [7, 8]), 5);
  assert.equal(lastOccurrenceEnd([1, 7, 8, 3, 7, 8, 4], [7, 8], 5), 2, 'only inside the prompt');
  assert.equal(lastOccurrenceEnd([1, 2, 3], [9]), -1);
  assert.equal(lastOccurrenceEnd([1, 2, 3], [3]), 2);
});

test('data: the 4-tuple and pairs + concept_prompt are accepted; anything else fails naming the line and field', () => {
  const tuple = { negative_input: 'x', negative_output: 'y', positive_input: 'xc', positive_output: 'yc', id: 3 };
  assert.deepEqual(parseContrastRows([tuple], 'f.jsonl'), [{ negativePrompt: 'x', negativeOutput: 'y', positivePrompt: 'xc', positiveOutput: 'yc', format: 'rendered' }]);
  assert.deepEqual(parseContrastRows([{ prompt: 'x', concept_prompt: 'xc', positive: 'yc', negative: 'y' }], 'f.jsonl'), [{ negativePrompt: 'x', negativeOutput: 'y', positivePrompt: 'xc', positiveOutput: 'yc', format: 'chat' }]);
  assert.throws(() => parseContrastRows([tuple, { prompt: 'x', positive: 'a', negative: 'b' }], 'f.jsonl', [1, 4]), /f\.jsonl:4: CDAS needs a concept-eliciting prompt: add "concept_prompt"/);
  assert.throws(() => parseContrastRows([{ ...tuple, positive_output: 3 }], 'f.jsonl'), /f\.jsonl:1: "positive_output" must be a string, got 3/);
  assert.throws(() => parseContrastRows([{ negative_input: 'x' }], 'f.jsonl'), /"negative_output" must be a string \(missing\)/);
  assert.throws(() => parseContrastRows([{ text: 'a', label: 1 }], 'f.jsonl'), /expected \{"negative_input"/);
  assert.throws(() => parseContrastRows([[1, 2]], 'f.jsonl'), /expected a JSON object/);
  assert.throws(() => parseContrastRows([], 'f.jsonl'), /no records/);
});

test('--steer A:neg selects the negative class mean; clamp targets come from the record', () => {
  assert.deepEqual(parseSteerText('o.steer.safetensors:neg'), { artifact: 'o.steer.safetensors', target: 'neg' });
  assert.deepEqual(parseSteerText('o.steer.safetensors:NEG:x2'), { artifact: 'o.steer.safetensors', target: 'neg', multiple: 2 });
  assert.deepEqual(parseSteerText('o.steer.safetensors:pos:1.5'), { artifact: 'o.steer.safetensors', target: 'pos', strength: 1.5 });
  assert.deepEqual(parseSteerText('o.steer.safetensors:3'), { artifact: 'o.steer.safetensors', strength: 3 });
  assert.throws(() => parseSteerText('o.steer.safetensors:neutral'), /"neutral" is not a strength/);
  const art = { meta: { name: 'ocean' } } as unknown as Artifact;
  const rec = { site: 'layers.1.resid_post', values: { target: 2, origin: -1, mu_pos: 2, mu_neg: -1 } } as unknown as InterventionRecord;
  assert.deepEqual(clampTarget(art, rec), { value: 2, origin: -1 });
  assert.deepEqual(clampTarget(art, rec, 'neg'), { value: -1, origin: 2 });
  assert.deepEqual(clampTarget(art, rec, 'mu_pos'), { value: 2, origin: -1 });
  assert.throws(() => clampTarget(art, rec, 'mu_mid'), /has no value "mu_mid" \(it has target, origin, mu_pos, mu_neg\)/);
  // A record written before origins existed keeps its meaning: strength × target.
  assert.deepEqual(clampTarget(art, { site: 's', values: { target: 4 } } as unknown as InterventionRecord), { value: 4, origin: 0 });
});

test('a clamp target on an artifact without clamps is refused by name', () => {
  const add = { meta: { name: 'dog', method: 'diffmean', interventions: [{ site: 'layers.0.resid_post', kind: 'add', positions: 'all', tensors: {}, default_strength: 1, strength_range: [-1, 1] }] }, tensors: new Map() } as unknown as Artifact;
  const model = { arch: { layers: 2 } } as unknown as DecoderModel;
  assert.throws(() => artifactInterventions(add, model, { force: true, target: 'neg' }), /artifact dog: a clamp target \("neg"\) only applies to clamp interventions; this diffmean artifact has add/);
});

test('tokenization on the organism: the header is <|assistant|>, both data shapes give the same prompts, bad headers and misaligned replies fail by row', async () => {
  const { loadTokenizer } = await import('../../src/tokenizer/index.js');
  const { contrastivePairs } = await import('../../src/organism/corpus/index.js');
  const { tokenizeContrast, sourceTokenIds } = await import('../../src/methods/cdas/index.js');
  const tok = loadTokenizer(new URL('../../../models/organism/', import.meta.url).pathname);
  const asst = tok.tokenToId('<|assistant|>')!;
  assert.deepEqual(sourceTokenIds(tok), [asst]);
  const rows = contrastivePairs('topic:ocean', { n: 3, seed: 2, split: 'train' });
  const tuple = tokenizeContrast(tok, parseContrastRows(rows.map((r) => ({ negative_input: r.negative_input, negative_output: r.negative_output, positive_input: r.positive_input, positive_output: r.positive_output })), 't'));
  const pairs = tokenizeContrast(tok, parseContrastRows(rows.map((r) => ({ prompt: r.prompt, concept_prompt: r.concept_prompt, positive: r.positive, negative: r.negative })), 'p'));
  assert.equal(tuple.examples.length, 6);
  assert.deepEqual(tuple.examples.map((e) => e.direction), ['neg+pos', 'pos+neg', 'neg+pos', 'pos+neg', 'neg+pos', 'pos+neg']);
  assert.equal(tuple.excludeBos, true);
  for (const [i, e] of tuple.examples.entries()) {
    assert.equal(e.source.ids[e.sourcePos], asst, 'the source position is the header token');
    assert.equal(e.sourcePos, e.source.promptLength - 1, 'which ends the prompt');
    assert.equal(e.source.ids[0], tok.bosTokenId);
    // The tuple's rendered prompt and the pairs' chat-rendered prompt are the same tokens.
    assert.deepEqual(e.base.ids.slice(0, e.base.promptLength), pairs.examples[i]!.base.ids.slice(0, pairs.examples[i]!.base.promptLength));
    // The tuple's reply ends the turn with <|end|>; the pairs' reply is the bare text.
    assert.equal(e.base.ids.length, pairs.examples[i]!.base.ids.length + 1);
  }
  // neg+pos: base x + y_c, source x_c + y_c; pos+neg mirrors it.
  const [np, pn] = tuple.examples;
  assert.deepEqual(tok.decode(np!.base.ids.slice(np!.base.promptLength)), tok.decode(np!.source.ids.slice(np!.source.promptLength)));
  assert.notDeepEqual(np!.base.ids.slice(0, np!.base.promptLength), np!.source.ids.slice(0, np!.source.promptLength));
  assert.deepEqual(pn!.base.ids.slice(0, pn!.base.promptLength), np!.source.ids.slice(0, np!.source.promptLength));
  assert.deepEqual(tuple.prompts[0]!.positive.ids, np!.source.ids.slice(0, np!.sourcePos + 1));

  assert.throws(() => tokenizeContrast(tok, parseContrastRows([{ prompt: 'say hi', concept_prompt: 'say hi about ocean', positive: 'hi ocean', negative: 'hi' }], 'x'), { sourceTokens: '<|system|>' }), /CDAS row 0 \(positive prompt\): the assistant-turn header "<\|system\|>" does not occur in the prompt/);
  // A rendered prompt that ends inside a word: the reply's first word merges with it after one
  // prompt but not the other, so the response tokens differ.
  const r0 = rows[0]!;
  const bad = { negative_input: r0.negative_input + ' the', negative_output: 'good friend', positive_input: r0.positive_input, positive_output: 'good friend' };
  assert.throws(() => tokenizeContrast(tok, parseContrastRows([bad], 'bad.jsonl')), /CDAS row 0 \(neg\+pos\): response token 0 differs between base/);
});
