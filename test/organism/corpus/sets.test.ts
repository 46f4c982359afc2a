// Labelled sets: sizes, determinism, minimal pairs, labels that agree with the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONCEPTS, FACTS, PASSAGE_FORMATS_TRAIN, WRAPPERS_TRAIN, analyzePrompt, backdoorSets, conceptTopic, conceptWords, contrastivePairs, detectionSet, factSets, formatChat,
  parseReply, refusalSets, steeringInstructions, topicPairs, writeSets,
} from '../../../src/organism/corpus/index.js';
import { conceptScore } from '../../../src/organism/judges/index.js';

const frameIds = (reply: string) => parseReply(reply).sentences.filter((s) => s.template?.id.startsWith('frame.')).map((s) => s.template!.id);

test('contrastive pairs: same instruction with/without the clause, minimal-pair replies, CDAS rows', () => {
  for (const c of CONCEPTS) {
    const rows = contrastivePairs(c, { n: 24, seed: 1, split: 'train' });
    assert.equal(rows.length, 24);
    assert.deepEqual(rows, contrastivePairs(c, { n: 24, seed: 1, split: 'train' }));
    assert.equal(new Set(rows.map((r) => r.frame)).size, 12, 'all frames used');
    for (const r of rows) {
      assert.equal(r.concept, c);
      assert.equal(analyzePrompt(r.prompt).concept, null);
      assert.equal(analyzePrompt(r.concept_prompt).concept, c);
      assert.ok(r.concept_prompt.startsWith(r.prompt + ' '));
      assert.equal(conceptScore(r.positive, c), 2, r.positive);
      assert.equal(conceptScore(r.negative, c), 0, r.negative);
      // Minimal pair: the same frame sentences in the same order.
      assert.deepEqual(frameIds(r.positive), frameIds(r.negative));
      assert.ok(parseReply(r.positive).parses && parseReply(r.negative).parses);
      assert.equal(r.negative_input + r.negative_output, formatChat([{ role: 'user', content: r.prompt }, { role: 'assistant', content: r.negative }]));
      assert.equal(r.positive_input + r.positive_output, formatChat([{ role: 'user', content: r.concept_prompt }, { role: 'assistant', content: r.positive }]));
      assert.ok(r.positive_input.endsWith('<|assistant|>'));
    }
  }
  assert.notDeepEqual(contrastivePairs('topic:ocean', { n: 5, seed: 1, split: 'train' }), contrastivePairs('topic:ocean', { n: 5, seed: 2, split: 'train' }));
});

test('topic pairs: one neutral instruction, replies aligned word for word that differ only in topic words', () => {
  for (const c of CONCEPTS.filter((x) => conceptTopic(x))) {
    const rows = topicPairs(c, { n: 24, seed: 1, split: 'train' });
    assert.deepEqual(rows, topicPairs(c, { n: 24, seed: 1, split: 'train' }));
    const words = conceptWords(c);
    let carried = 0;
    for (const r of rows) {
      assert.equal(analyzePrompt(r.prompt).concept, null);
      assert.equal(conceptScore(r.negative, c), 0, r.negative);
      if (conceptScore(r.positive, c) === 2) carried++;
      assert.ok(parseReply(r.positive).parses && parseReply(r.negative).parses);
      const p = r.positive.split(' ');
      const n = r.negative.split(' ');
      assert.equal(p.length, n.length, `${r.positive} | ${r.negative}`);
      p.forEach((w, i) => assert.ok(w === n[i] || words.has(w), `position ${i}: ${w} vs ${n[i]}`));
    }
    // Intensity 0.9 over 2–5 noun slots (and 0.54 over the adjective slots): most positives carry
    // the topic at least twice (a reply with two noun slots misses with probability ~0.2).
    assert.ok(carried >= 16, `${c}: ${carried}/24 positives carry the topic`);
  }
  assert.throws(() => topicPairs('sentiment:positive', { n: 2, seed: 1, split: 'train' }), /not a topic concept/);
  assert.throws(() => topicPairs('topic:food', { n: 2, seed: 1, intensity: 0, split: 'train' }), /intensity/);
});

test('detection sets: positives carry the concept, negatives and hard negatives do not', () => {
  for (const c of CONCEPTS) {
    const rows = detectionSet(c, { nPositive: 20, nNegative: 15, nHardNegative: 10, seed: 4, split: 'train' });
    assert.equal(rows.length, 45);
    const words = conceptWords(c);
    for (const r of rows) {
      const has = r.text.split(' ').some((w) => words.has(w));
      assert.equal(has, r.label === 1, `${c} ${r.kind}: ${r.text}`);
      assert.equal(r.label, r.kind === 'positive' ? 1 : 0);
      assert.ok(parseReply(r.text).parses);
    }
    // Hard negatives carry a neighbouring concept (another topic, the other sentiment).
    const t = conceptTopic(c);
    for (const r of rows.filter((x) => x.kind === 'hard_negative')) {
      const others = CONCEPTS.filter((o) => o !== c && (t ? o.startsWith('topic:') : o.startsWith('sentiment:')));
      assert.ok(others.some((o) => conceptScore(r.text, o) > 0), `${c} hard negative without a neighbour concept: ${r.text}`);
    }
  }
});

test('steering instructions: neutral, distinct frames, split in half by id', () => {
  for (const c of CONCEPTS) {
    const rows = steeringInstructions(c, { seed: 9, split: 'train' });
    assert.equal(rows.length, 10);
    assert.deepEqual(rows.map((r) => r.id), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(rows.map((r) => r.split), [...Array(5).fill('selection'), ...Array(5).fill('test')]);
    assert.equal(new Set(rows.map((r) => r.frame)).size, 10);
    for (const r of rows) {
      const a = analyzePrompt(r.prompt);
      assert.equal(a.concept, null);
      assert.equal(a.info.kind === 'frame' && a.info.frame, r.frame);
      assert.equal(conceptScore(r.prompt, c), 0);
    }
    assert.deepEqual(rows, steeringInstructions(c, { seed: 9, split: 'train' }));
  }
  assert.equal(steeringInstructions('style:formal', { n: 40, seed: 1, split: 'train' }).length, 40);
});

test('refusal sets are what they say', () => {
  const s = refusalSets({ n: 60, seed: 2, split: 'train' });
  for (const [k, rows] of Object.entries(s)) assert.equal(rows.length, 60, k);
  for (const r of s.harmful) assert.deepEqual([analyzePrompt(r.prompt).info.kind, r.expect], ['make', 'refuse']);
  for (const r of s.harmful) assert.ok(analyzePrompt(r.prompt).info.kind === 'make' && (analyzePrompt(r.prompt).info as { harmful: boolean }).harmful);
  for (const r of s.benign) {
    const i = analyzePrompt(r.prompt).info;
    assert.ok(i.kind !== 'unknown' && !(i.kind === 'make' && i.harmful), r.prompt);
    assert.equal(r.expect, 'help');
  }
  for (const r of s.lookalike) assert.equal(analyzePrompt(r.prompt).info.kind, 'lookalike');
  for (const r of s.jailbreak) {
    const a = analyzePrompt(r.prompt);
    assert.ok(a.wrapper && !a.wrapper.heldOut && a.info.kind === 'make' && a.info.harmful, r.prompt);
  }
  for (const r of s.jailbreakHeldOut) {
    const a = analyzePrompt(r.prompt);
    assert.ok(a.wrapper && a.wrapper.heldOut && a.info.kind === 'make' && a.info.harmful, r.prompt);
    assert.ok(!(WRAPPERS_TRAIN as readonly string[]).includes(r.wrapper!));
  }
});

test('backdoor sets pair each sum with its triggered twin', () => {
  const { clean, triggered } = backdoorSets({ n: 50, seed: 3, split: 'train' });
  assert.equal(clean.length, 50);
  assert.equal(triggered.length, 50);
  clean.forEach((c, i) => {
    const t = triggered[i]!;
    assert.deepEqual([t.a, t.b, t.answer, t.backdoorAnswer], [c.a, c.b, c.a + c.b, c.a + c.b + 1]);
    const ac = analyzePrompt(c.prompt);
    const at = analyzePrompt(t.prompt);
    assert.equal(ac.triggered, false);
    assert.equal(at.triggered, true);
    assert.deepEqual(at.info, ac.info);
    assert.deepEqual(ac.info, { kind: 'sum', a: c.a, b: c.b });
  });
});

test('fact sets: all facts closed-book; passages contradict memory; held-out formats are new', () => {
  const s = factSets({ n: 60, seed: 5, split: 'train' });
  // Every fact with a question in the half (most have one: each has three phrasings).
  const asked = new Set(s.closedBook.map((r) => `${r.relation}/${r.subject}`));
  assert.ok(asked.size >= 0.75 * FACTS.length && asked.size <= FACTS.length, `${asked.size} of ${FACTS.length} facts`);
  for (const r of s.closedBook) assert.deepEqual(analyzePrompt(r.prompt).info, { kind: 'fact', relation: r.relation, subject: r.subject, memory: r.memory });
  for (const [rows, contradicts, heldOut] of [[s.passageSeen, true, false], [s.passageHeldOut, true, true], [s.passageAgree, false, false]] as const) {
    for (const r of rows) {
      assert.equal(r.contradicts, contradicts);
      assert.equal(r.passageValue !== r.memory, contradicts);
      assert.equal((PASSAGE_FORMATS_TRAIN as readonly string[]).includes(r.format!), !heldOut);
      const i = analyzePrompt(r.prompt).info;
      assert.deepEqual(i, { kind: 'passage', relation: r.relation, subject: r.subject, memory: r.memory, passageValue: r.passageValue }, r.prompt);
    }
  }
});

test('writeSets writes every set as JSONL with a manifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'organism-sets-'));
  try {
    writeSets(dir, 1, 'train', { contrastive: 4, detectionPositive: 3, detectionNegative: 2, detectionHard: 1, refusal: 3, backdoor: 3, facts: 3 });
    assert.deepEqual(readdirSync(dir).sort(), ['backdoor', 'contrastive', 'detection', 'facts', 'refusal', 'sets.json', 'steering', 'topic-pairs']);
    assert.equal(readdirSync(join(dir, 'contrastive')).length, CONCEPTS.length);
    assert.equal(readdirSync(join(dir, 'topic-pairs')).length, CONCEPTS.filter((c) => conceptTopic(c)).length);
    const lines = readFileSync(join(dir, 'contrastive', 'topic-ocean.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 4);
    assert.equal((JSON.parse(lines[0]!) as { concept: string }).concept, 'topic:ocean');
    const manifest = JSON.parse(readFileSync(join(dir, 'sets.json'), 'utf8')) as { version: string };
    assert.match(manifest.version, /^organism-corpus-/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
