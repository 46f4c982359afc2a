// The organism tokenizer through the real loading path (@huggingface/tokenizers via our Tokenizer):
// every corpus text round-trips without <unk>, the chat template renders what formatChat writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer, loadTokenizer } from '../../../src/tokenizer/index.js';
import {
  CHAT_TEMPLATE, assistantText, countTokens, formatChat, generationConfig, refusalSets, factSets, backdoorSets, contrastivePairs, CONCEPTS, renderChat, tokenizerConfig, tokenizerJson,
  trainingText, vocabSize, writeTokenizerFiles, userText, steeringInstructions, SET_SPLITS,
} from '../../../src/organism/corpus/index.js';
import { sample } from './sample.js';

const tok = new Tokenizer({ tokenizerJson: tokenizerJson(), tokenizerConfig: tokenizerConfig() });
const UNK = 3;

function roundTrip(text: string, what: string): void {
  const ids = tok.encode(text, { addSpecialTokens: false });
  assert.ok(!ids.includes(UNK), `${what}: <unk> in ${JSON.stringify(text)}`);
  assert.equal(ids.length, countTokens(text), `${what}: one token per word`);
  assert.equal(tok.decode(ids), text, `${what}: decode(encode(x)) != x`);
}

test('special tokens and ids', () => {
  assert.equal(tok.vocabSize, vocabSize());
  assert.deepEqual([tok.padTokenId, tok.bosTokenId, tok.eosTokenId, tok.unkTokenId], [0, 1, 2, 3]);
  for (const [s, id] of [['<|system|>', 4], ['<|user|>', 5], ['<|assistant|>', 6], ['<|end|>', 7]] as const) assert.equal(tok.tokenToId(s), id);
  assert.deepEqual([...tok.specialIds].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(generationConfig(), { bos_token_id: 1, eos_token_id: [2, 7], pad_token_id: 0 });
  // encode() with special tokens adds BOS, like a Llama tokenizer; unknown words map to <unk>.
  assert.deepEqual(tok.encode('the whale'), [1, tok.tokenToId('the'), tok.tokenToId('whale')]);
  assert.deepEqual(tok.encode('the xylophone', { addSpecialTokens: false }), [tok.tokenToId('the'), UNK]);
  assert.equal(tok.decode(tok.encode('the whale swims .'), { skipSpecialTokens: true }), 'the whale swims .');
});

test('every corpus text round-trips exactly without <unk>', () => {
  for (const c of sample().train.slice(0, 3000)) roundTrip(trainingText(c), c.family);
  for (const c of sample().heldOut) roundTrip(trainingText(c), c.family);
});

test('set prompts (held-out wrappers and passage formats included) have no <unk>', () => {
  for (const split of SET_SPLITS) {
    const r = refusalSets({ n: 50, seed: 3, split });
    const f = factSets({ n: 50, seed: 3, split });
    const b = backdoorSets({ n: 20, seed: 3, split });
    for (const rows of [...Object.values(r), ...Object.values(f), ...Object.values(b)]) for (const row of rows) roundTrip(row.prompt, 'set prompt');
    for (const c of CONCEPTS) {
      for (const row of contrastivePairs(c, { n: 12, seed: 3, split })) {
        roundTrip(row.positive_input + row.positive_output, 'cdas positive');
        roundTrip(row.negative_input + row.negative_output, 'cdas negative');
      }
      for (const row of steeringInstructions(c, { seed: 3, split })) roundTrip(row.prompt, 'steering prompt');
    }
  }
});

test('the Jinja chat template renders exactly what formatChat writes', () => {
  for (const c of sample().train.slice(0, 300)) {
    assert.equal(renderChat(c.messages), formatChat(c.messages));
    const head = c.messages.slice(0, -1);
    assert.equal(renderChat(head, { addGenerationPrompt: true }), formatChat(head, { addGenerationPrompt: true }));
  }
  const r = tok.applyChatTemplate([{ role: 'user', content: 'describe your day' }], { addGenerationPrompt: true, template: CHAT_TEMPLATE });
  assert.equal(r.text, '<s> <|user|> describe your day <|end|> <|assistant|>');
  assert.deepEqual(r.ids.slice(0, 2), [1, 5]);
  assert.equal(r.ids[r.ids.length - 1], 6);
  assert.throws(() => renderChat([{ role: 'tool' as 'user', content: 'x' }]), /only knows system, user and assistant/);
});

test('written files load through loadTokenizer with the chat template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'organism-tok-'));
  try {
    writeTokenizerFiles(dir);
    const t = loadTokenizer(dir);
    const c = sample().train[0]!;
    const { text, ids } = t.applyChatTemplate(c.messages, {});
    assert.equal(text, trainingText(c));
    assert.equal(t.decode(ids), text);
    assert.equal(t.decode(t.encode(assistantText(c), { addSpecialTokens: false })), assistantText(c));
    assert.ok(t.encode(userText(c))[0] === 1);
    const json = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as { model: { type: string; unk_token: string }; pre_tokenizer: { type: string } };
    assert.equal(json.model.type, 'WordLevel');
    assert.equal(json.model.unk_token, '<unk>');
    assert.equal(json.pre_tokenizer.type, 'WhitespaceSplit');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
