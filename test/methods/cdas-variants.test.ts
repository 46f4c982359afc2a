// CDAS's variants (ours beside the paper's header/all/1; src/methods/cdas/variants.ts): which
// tokens each source position reads on a tokenized organism row, which base positions the
// training mask writes, option errors in one line, and rank > 1 training whose rows stay
// orthonormal and whose clamps set every coordinate to its class mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Rng } from '../../src/util/rng.js';
import { fromStorage } from '../../src/tensor/tensor.js';
import type { HookContext } from '../../src/models/hooks.js';
import { loadTokenizer } from '../../src/tokenizer/index.js';
import { loadModel } from '../../src/models/load.js';
import { contrastivePairs } from '../../src/organism/corpus/index.js';
import { METHODS } from '../../src/methods/index.js';
import {
  parseContrastRows, contrastAsConceptData, tokenizeContrast, clauseSpans, baseMask, MaskedInterchange,
  parseSourcePosition, parseBasePositions, checkRank, resolveVariant, usePositions,
} from '../../src/methods/cdas/index.js';
import { artifactInterventions } from '../../src/artifact/apply.js';
import { cli, json, oneLineError, tempDir, ROOT } from '../cli/helpers.js';

const ORGANISM = join(ROOT, 'models', 'organism');
const ctx: HookContext = { site: 'x', layer: 0, offset: 0, phase: 'prefill', promptLength: null, padding: null };

test('clause spans: the tokens between the common prefix and suffix; the plain prompt reads the word the clause follows', () => {
  // plain: BOS user a b END ASST; asked: BOS user a b c1 c2 c3 END ASST
  const plain = [1, 5, 10, 11, 3, 4];
  const asked = [1, 5, 10, 11, 20, 21, 22, 3, 4];
  assert.deepEqual(clauseSpans(plain, asked), { asked: { start: 4, end: 7 }, plain: { start: 3, end: 4 } });
  // A clause that replaces a word: both sides have their own span.
  assert.deepEqual(clauseSpans([1, 10, 12, 3], [1, 10, 30, 31, 3]), { plain: { start: 2, end: 3 }, asked: { start: 2, end: 4 } });
  assert.throws(() => clauseSpans([1, 2, 3], [1, 2, 3]), /tokenizes exactly as the plain one: there is no clause to read/);
});

test('organism row: header reads <|assistant|>, clause reads "and talk about ocean too" (plain: "friend"), reply reads the source reply', () => {
  const tok = loadTokenizer(ORGANISM);
  const rows = parseContrastRows(contrastivePairs('topic:ocean', { n: 1, seed: 21, split: 'train' }), 'ocean');
  assert.match(rows[0]!.positivePrompt, /<\|user\|> write about a good friend and talk about ocean too <\|end\|>/, 'the row this test reads');
  const text = (ids: number[], s: { start: number; end: number }) => tok.decode(ids.slice(s.start, s.end)).trim();
  const header = tokenizeContrast(tok, rows);
  const [np, pn] = header.examples;
  assert.deepEqual(np!.sourceSpan, { start: np!.sourcePos, end: np!.sourcePos + 1 });
  assert.equal(text(np!.source.ids, np!.sourceSpan!), '<|assistant|>');
  assert.equal(text(pn!.source.ids, pn!.sourceSpan!), '<|assistant|>');

  const clause = tokenizeContrast(tok, rows, { sourcePosition: 'clause' });
  const [cnp, cpn] = clause.examples;
  assert.equal(cnp!.direction, 'neg+pos');
  assert.equal(text(cnp!.source.ids, cnp!.sourceSpan!), 'and talk about ocean too', 'neg+pos reads the clause of x_c');
  assert.equal(text(cpn!.source.ids, cpn!.sourceSpan!), 'friend', 'pos+neg reads the word of x the clause would follow');
  assert.equal(cnp!.sourcePos, cnp!.sourceSpan!.end - 1);
  // The class means read the same spans, on the prompts alone.
  assert.equal(text(clause.prompts[0]!.positive.ids, clause.prompts[0]!.positive.span), 'and talk about ocean too');
  assert.equal(clause.prompts[0]!.positive.ids.length, clause.prompts[0]!.positive.span.end);
  assert.equal(text(clause.prompts[0]!.negative.ids, clause.prompts[0]!.negative.span), 'friend');

  const reply = tokenizeContrast(tok, rows, { sourcePosition: 'reply' });
  const [rnp, rpn] = reply.examples;
  assert.deepEqual(rnp!.sourceSpan, { start: rnp!.source.promptLength, end: rnp!.source.ids.length });
  assert.equal(text(rnp!.source.ids, rnp!.sourceSpan!), tok.decode(rnp!.source.ids.slice(rnp!.source.promptLength)).trim());
  assert.match(text(rnp!.source.ids, rnp!.sourceSpan!), /^a good friend listens \. my friend has a briny seaweed/, 'neg+pos reads y_c');
  assert.match(text(rpn!.source.ids, rpn!.sourceSpan!), /^a good friend listens \. my friend has a lesson/, 'pos+neg reads y');
  assert.deepEqual(reply.prompts[0]!.positive.ids, rnp!.source.ids, 'the class mean reads x_c + y_c whole');
});

test('base mask: prompt or reply positions of each left-padded row; all leaves it to the intervention', () => {
  const seqs = [{ ids: [1, 2, 3, 4, 5], promptLength: 3 }, { ids: [1, 2, 3], promptLength: 2 }];
  const pad = Int32Array.of(0, 2);
  assert.equal(baseMask(seqs, pad, 5, 'all', true), null);
  assert.deepEqual([...baseMask(seqs, pad, 5, 'prompt', true)!], [0, 1, 1, 0, 0, /**/ 0, 0, 0, 1, 0]);
  assert.deepEqual([...baseMask(seqs, pad, 5, 'prompt', false)!], [1, 1, 1, 0, 0, /**/ 0, 0, 1, 1, 0]);
  assert.deepEqual([...baseMask(seqs, pad, 5, 'reply', true)!], [0, 0, 0, 1, 1, /**/ 0, 0, 0, 0, 1]);
  // The masked interchange writes the source's coordinate only where the mask is 1.
  const rng = new Rng(5);
  const [B, T, d] = [2, 5, 4];
  const h = fromStorage(Float32Array.from({ length: B * T * d }, () => rng.normal()), [B, T, d], 'f32');
  const iv = new MaskedInterchange('x', fromStorage(Float32Array.of(1, 0, 0, 0), [1, d], 'f32'));
  iv.source = fromStorage(Float32Array.of(9, 0, 0, 0, -9, 0, 0, 0), [B, d], 'f32');
  iv.mask = baseMask(seqs, pad, T, 'reply', true);
  const out = iv.apply(h, ctx).f;
  for (let i = 0; i < B * T; i++) {
    const want = iv.mask![i] ? (i < T ? 9 : -9) : h.f[i * d]!;
    assert.ok(Math.abs(out[i * d]! - want) < 1e-5, `position ${i}`);
    for (let c = 1; c < d; c++) assert.ok(Math.abs(out[i * d + c]! - h.f[i * d + c]!) < 1e-6);
  }
});

test('variant options: the paper is the default; bad values fail with one line naming the choices', () => {
  assert.deepEqual(resolveVariant(), { sourcePosition: 'header', basePositions: 'all', rank: 1 });
  assert.deepEqual(resolveVariant({ rank: 3, basePositions: 'reply' }), { sourcePosition: 'header', basePositions: 'reply', rank: 3 });
  assert.throws(() => parseSourcePosition('middle'), /^Error: --source-position must be header, clause or reply \(header is the paper's\), got "middle"$/);
  assert.throws(() => parseBasePositions('generated'), /^Error: --base-positions must be all, prompt or reply \(all is the paper's\), got "generated"$/);
  assert.throws(() => checkRank(0), /--rank must be a whole number ≥ 1, got 0/);
  assert.throws(() => checkRank(1.5), /--rank must be a whole number ≥ 1, got 1.5/);
  assert.deepEqual([usePositions('all'), usePositions('prompt'), usePositions('reply')], ['all', 'prompt', 'generated']);
});

test('organism: rank 3 trains, its rows stay orthonormal, and its clamps set each coordinate to its own class mean', async () => {
  const m = await loadModel(ORGANISM);
  const rows = parseContrastRows(contrastivePairs('topic:ocean', { n: 8, seed: 21, split: 'train' }), 'ocean');
  const site = 'layers.1.resid_post';
  const art = METHODS.cdas!.fit({ model: m.model, tokenizer: m.tokenizer!, data: contrastAsConceptData(rows), contrast: rows, site, name: 'ocean', seed: 2, options: { steps: 6, batchSize: 4, rank: 3, sourcePosition: 'clause' } });
  assert.equal(art.meta.settings['rank'], 3);
  assert.equal(art.meta.settings['source_position'], 'clause');
  assert.equal(art.meta.settings['base_positions'], 'all');
  assert.equal(art.meta.settings['variant'], 'ours');
  assert.equal(art.meta.interventions.length, 3);
  const vs = art.meta.interventions.map((r) => art.tensors.get(r.tensors['direction']!)!.toFloat('f32').data as Float32Array);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j <= i; j++) {
      const dot = vs[i]!.reduce((s, x, k) => s + x * vs[j]![k]!, 0);
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-5, `row ${i}·row ${j} = ${dot}`);
    }
  }
  const st = art.meta.stats!;
  assert.deepEqual(art.meta.interventions.map((r) => r.values!['mu_pos']), st['mu_pos_rows']);
  assert.deepEqual(art.meta.interventions.map((r) => r.values!['mu_neg']), st['mu_neg_rows']);
  assert.ok((st['loss_curve'] as number[]).every(Number.isFinite));
  // The R clamps in sequence put every coordinate at its class mean (μ+; with :neg, μ−).
  for (const target of [undefined, 'neg'] as const) {
    const ivs = artifactInterventions(art, m.model, target ? { target } : {});
    const rng = new Rng(9);
    const d = vs[0]!.length;
    let h = fromStorage(Float32Array.from({ length: 2 * 3 * d }, () => rng.normal()), [2, 3, d], 'f32');
    for (const iv of ivs) h = iv.apply(h, ctx);
    art.meta.interventions.forEach((r, i) => {
      const want = r.values![target ? 'mu_neg' : 'mu_pos']!;
      for (let p = 1; p < 6; p++) {
        if (p === 3) continue; // BOS of the second row
        const got = vs[i]!.reduce((s, x, k) => s + x * h.f[p * d + k]!, 0);
        assert.ok(Math.abs(got - want) < 1e-3, `row ${i} position ${p}: ${got} vs ${want}`);
      }
    });
  }
});

test('CLI: train cdas --source-position/--base-positions/--rank are recorded; bad values and other methods fail in one line', async () => {
  const dir = tempDir();
  const data = join(dir, 'ocean.jsonl');
  writeFileSync(data, contrastivePairs('topic:ocean', { n: 4, seed: 5, split: 'train' }).map((r) => JSON.stringify({ prompt: r.prompt, concept_prompt: r.concept_prompt, positive: r.positive, negative: r.negative })).join('\n') + '\n');
  const common = ['--model', ORGANISM, '--data', data, '--site', 'layers.2.resid_post', '--steps', '2', '--batch', '2'];
  const meta = json<{ settings: Record<string, unknown>; interventions: { positions: unknown }[] }>(await cli(['train', 'cdas', ...common, '--out', join(dir, 'v'), '--source-position', 'reply', '--base-positions', 'reply', '--rank', '2', '--json'], { timeoutMs: 60000 }));
  assert.deepEqual([meta.settings['source_position'], meta.settings['base_positions'], meta.settings['rank'], meta.settings['variant']], ['reply', 'reply', 2, 'ours']);
  assert.deepEqual(meta.interventions.map((x) => x.positions), ['generated', 'generated'], 'the clamp acts where training wrote');
  const explicit = json<{ interventions: { positions: unknown }[] }>(await cli(['train', 'cdas', ...common, '--out', join(dir, 'w'), '--base-positions', 'prompt', '--positions', 'all', '--json'], { timeoutMs: 60000 }));
  assert.deepEqual(explicit.interventions.map((x) => x.positions), ['all'], '--positions wins');
  const human = await cli(['train', 'cdas', ...common, '--out', join(dir, 'p')], { timeoutMs: 60000 });
  assert.match(human.stdout, /variant\s+source header, base all, rank 1 \(the paper's\)/);
  assert.match(oneLineError(await cli(['train', 'cdas', ...common, '--out', join(dir, 'x'), '--source-position', 'middle'])), /--source-position must be header, clause or reply/);
  assert.match(oneLineError(await cli(['train', 'cdas', ...common, '--out', join(dir, 'x'), '--base-positions', 'generated'])), /--base-positions must be all, prompt or reply/);
  // Commander reports a bad number itself: its one error line, then its pointer to --help.
  const rank0 = await cli(['train', 'cdas', ...common, '--out', join(dir, 'x'), '--rank', '0']);
  assert.notEqual(rank0.code, 0);
  assert.match(rank0.stderr.split('\n')[0]!, /--rank must be an integer ≥ 1, got "0"/);
  assert.match(oneLineError(await cli(['train', 'diffmean', '--model', ORGANISM, '--data', data, '--site', 'layers.2.resid_post', '--out', join(dir, 'y'), '--rank', '2'])), /--rank applies to cdas only/);
});
