// The local judge model (our own runtime) and the exact judge behind the same interface. Neither
// the organism nor stories260K can judge, so these check the plumbing: the rubric goes in as one
// user turn of the model's chat template, the judge's text is exactly the greedy chat reply to it,
// a text without a rating is the unparsed 0, judgements are cached, and a prompt longer than the
// judge's context is one clear error. The exact judge gives what the organism's programs give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, stopIds } from '../../src/models/load.js';
import { chatReplies } from '../../src/generate/replies.js';
import { JudgementCache, LocalModelJudge, rubricPrompt, type JudgeItem } from '../../src/eval/judges/index.js';
import { ExactJudge, conceptScore, fluencyScore, instructionScore } from '../../src/organism/judges/index.js';

const ORGANISM = new URL('../../../models/organism/', import.meta.url).pathname;
const STORIES = new URL('../../../models/stories260K/', import.meta.url).pathname;
const ITEM: JudgeItem = { instruction: 'describe your day', reply: 'i woke up early today and the sea was calm .', concept: { id: 'topic:ocean', description: 'the topic ocean' } };

test('local judge (organism): the rubric is one user turn of the chat template, the text is the greedy reply, unparsed → 0, cached', async () => {
  const lm = await loadModel(ORGANISM);
  const cache = JudgementCache.open(join(mkdtempSync(join(tmpdir(), 'local-judge-')), 'j.jsonl'));
  const j = new LocalModelJudge(lm, { maxTokens: 12, batchSize: 2, cache });
  const prompt = rubricPrompt('concept', ITEM);
  const chat = j.chatPrompt(prompt);
  // The organism's template: BOS, " <|user|> ", the content, " <|end|>", then the assistant opener.
  assert.equal(chat.text, `<s> <|user|> ${prompt} <|end|> <|assistant|>`);
  assert.deepEqual(chat.ids, lm.tokenizer!.encode(chat.text, { addSpecialTokens: false }));

  const [r] = await j.judge([ITEM]);
  const want = chatReplies(lm.model, lm.tokenizer!, (['concept', 'instruction', 'fluency'] as const).map((a) => rubricPrompt(a, ITEM)), { eosTokenIds: stopIds(lm), maxTokens: 12, temperature: 0 });
  assert.deepEqual([r!.concept.text, r!.instruction.text, r!.fluency.text], want, 'the judge reads the greedy chat reply to each rubric');
  for (const a of [r!.concept, r!.instruction, r!.fluency]) assert.deepEqual([a.score, a.parsed], [0, false], 'the organism writes no "Rating:"');
  assert.deepEqual(j.stats(), { calls: 3, cached: 0, unparsed: 3 });
  assert.equal(cache.size, 3);

  const again = await new LocalModelJudge(lm, { maxTokens: 12, cache }).judge([ITEM]);
  assert.deepEqual(again, [r]);
  const other = new LocalModelJudge(lm, { maxTokens: 13, cache });
  await other.judge([ITEM]);
  assert.equal(other.stats().calls, 3, 'another generation length is another judge identity');
  assert.match(j.id, /^local .*organism/);
});

test('local judge (stories260K): its template renders the rubric; a prompt longer than its 512-token context is one clear error', async () => {
  const lm = await loadModel(STORIES);
  const j = new LocalModelJudge(lm, { maxTokens: 4 });
  const prompt = rubricPrompt('fluency', ITEM);
  assert.equal(j.chatPrompt(prompt).text, `<s>${prompt}`);
  const [r] = await j.judge([ITEM]);
  assert.equal(r!.fluency.parsed, false);
  const long = { ...ITEM, reply: 'the little dog ran to the park and played. '.repeat(20) };
  await assert.rejects(j.judge([long]), /judge model .*stories260K.*: a rubric prompt is \d+ tokens, more than its context of 512/);
});

test('local judge: a model without a chat template is refused when the judge is made', async () => {
  // stories260K with the chat template taken out of its tokenizer_config.json, as a base model has none.
  const dir = mkdtempSync(join(tmpdir(), 'no-template-'));
  for (const f of ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'special_tokens_map.json']) copyFileSync(join(STORIES, f), join(dir, f));
  const cfg = JSON.parse(readFileSync(join(STORIES, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  delete cfg['chat_template'];
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(cfg));
  await assert.rejects(LocalModelJudge.load(dir), /judge model .*no-template-.*no chat_template/);
});

test('exact judge: the organism\'s concept, instruction and fluency programs behind the same interface', async () => {
  const replies = ['the whale swam by the boat and the waves were big .', 'i woke up early today .', 'the the whale the'];
  const j = new ExactJudge();
  const rs = await j.judge(replies.map((reply) => ({ ...ITEM, reply })));
  rs.forEach((r, i) => {
    assert.equal(r.concept.score, conceptScore(replies[i]!, 'topic:ocean'));
    assert.equal(r.instruction.score, instructionScore(ITEM.instruction, replies[i]!));
    assert.equal(r.fluency.score, fluencyScore(replies[i]!));
    assert.ok(r.concept.parsed && r.instruction.parsed && r.fluency.parsed);
  });
  assert.match(rs[0]!.concept.text, /words of topic:ocean/);
  assert.match(rs[2]!.fluency.text, /does not parse/);
  assert.deepEqual(j.stats(), { calls: 0, cached: 0, unparsed: 0 });
  await assert.rejects(j.judge([{ ...ITEM, concept: { id: 'honesty', description: 'honesty' } }]), /exact judges know only the organism's concepts, not "honesty"/);
});
