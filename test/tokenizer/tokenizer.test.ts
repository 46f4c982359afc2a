// The stories260K tokenizer against independent references: ids from a separate SentencePiece-
// style BPE (test/fixtures/gen/stories260k_encodings.py) and the reference greedy decode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizer, Tokenizer } from '../../src/tokenizer/index.js';
import { fixtures, stories260K, withTmp } from '../io/helpers.js';

interface Case { text: string; ids: number[] }
const encodings = JSON.parse(readFileSync(join(fixtures, 'stories260k-encodings.json'), 'utf8')) as { cases: Case[] };
const reference = JSON.parse(readFileSync(join(stories260K, 'reference-greedy.json'), 'utf8')) as { token_ids: number[]; text: string };
const tok = loadTokenizer(stories260K);
const tokenizerJson = JSON.parse(readFileSync(join(stories260K, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;

test('"Once upon a time" encodes as the reference tokenizer does', () => {
  assert.deepEqual(tok.encode('Once upon a time'), [1, 403, 407, 261, 378]);
  assert.deepEqual(tok.encode('Once upon a time', { addSpecialTokens: false }), [403, 407, 261, 378]);
  assert.deepEqual(['▁Once', '▁upon', '▁a', '▁time'], [403, 407, 261, 378].map((id) => tok.idToToken(id)));
  // The reference generation is BOS followed by the canonical encoding of its own text.
  assert.deepEqual(tok.encode(reference.text.slice(1)), reference.token_ids);
});

test('encodings match the independent SentencePiece-style BPE (byte fallback, spaces, unicode)', () => {
  assert.ok(encodings.cases.length >= 8);
  for (const c of encodings.cases) {
    assert.deepEqual(tok.encode(c.text, { addSpecialTokens: false }), c.ids, JSON.stringify(c.text));
    assert.deepEqual(tok.encode(c.text), [1, ...c.ids]);
    // decode inverts encode exactly, through byte fallback and the leading-space strip.
    assert.equal(tok.decode(c.ids), c.text, JSON.stringify(c.text));
  }
  assert.deepEqual(tok.encode(''), [1]);
  assert.deepEqual(tok.encode('', { addSpecialTokens: false }), []);
});

test('decode of the reference greedy tokens gives the reference text', () => {
  // reference-greedy.json concatenates token pieces (llama2.c style), which keeps the space of the
  // first "▁Once"; SentencePiece / transformers strip that one leading space when decoding.
  assert.equal(reference.text[0], ' ');
  assert.equal(tok.decode(reference.token_ids, { skipSpecialTokens: true }), reference.text.slice(1));
  assert.equal(tok.decode(reference.token_ids), `<s>${reference.text}`);
  assert.ok(reference.text.includes('\n'), 'covers the <0x0A> byte token');
});

test('special tokens and vocabulary', () => {
  assert.equal(tok.vocabSize, 512);
  assert.deepEqual([tok.bosTokenId, tok.eosTokenId, tok.unkTokenId, tok.padTokenId], [1, 2, 0, null]);
  assert.deepEqual([tok.bosToken, tok.eosToken, tok.unkToken], ['<s>', '</s>', '<unk>']);
  assert.deepEqual([...tok.specialIds].sort(), [0, 1, 2]);
  assert.equal(tok.addBosToken, true);
  assert.equal(tok.addsBos, true);
  assert.equal(tok.tokenToId('▁the'), 265);
  assert.equal(tok.tokenToId('not-a-token'), null);
  assert.equal(tok.idToToken(9999), null);
  // Literal special-token text is parsed as the special token.
  assert.deepEqual(tok.encode('<s>Once', { addSpecialTokens: false }), [1, 403]);
});

test('special tokens missing from the configs fall back to given ids (config.json)', () => {
  const t = new Tokenizer({ tokenizerJson, tokenizerConfig: {}, fallbackIds: { bos: 1, eos: 2, pad: null } });
  assert.deepEqual([t.bosToken, t.bosTokenId, t.eosToken, t.eosTokenId, t.padTokenId], ['<s>', 1, '</s>', 2, null]);
  const none = new Tokenizer({ tokenizerJson, tokenizerConfig: {} });
  assert.deepEqual([none.bosTokenId, none.eosTokenId], [null, null]);
  assert.equal(none.unkTokenId, 0, 'unk comes from the model section of tokenizer.json');
});

test('decode: unknown ids decode to nothing, bad ids throw, empty is empty', () => {
  assert.equal(tok.decode([]), '');
  assert.equal(tok.decode([403, 600, 407]), 'Once upon');
  assert.equal(tok.decode(new Int32Array([403, 407])), 'Once upon');
  assert.throws(() => tok.decode([403, -1]), /token id -1 at position 1/);
  assert.throws(() => tok.decode([1.5]), /token id 1.5 at position 0/);
});

test('add_bos_token / add_eos_token in tokenizer_config override the post-processor', () => {
  const config = JSON.parse(readFileSync(join(stories260K, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const noBos = new Tokenizer({ tokenizerJson, tokenizerConfig: { ...config, add_bos_token: false } });
  assert.deepEqual(noBos.encode('Once upon a time'), [403, 407, 261, 378]);
  assert.equal(noBos.addsBos, false);
  const withEos = new Tokenizer({ tokenizerJson, tokenizerConfig: { ...config, add_eos_token: true } });
  assert.deepEqual(withEos.encode('Once upon a time'), [1, 403, 407, 261, 378, 2]);
  // A tokenizer.json without a post-processor: add_bos_token true adds BOS, as LlamaTokenizerFast does.
  const bare = { ...tokenizerJson, post_processor: null };
  assert.deepEqual(new Tokenizer({ tokenizerJson: bare, tokenizerConfig: config }).encode('Once upon a time'), [1, 403, 407, 261, 378]);
  assert.deepEqual(new Tokenizer({ tokenizerJson: bare, tokenizerConfig: { ...config, add_bos_token: undefined } }).encode('Once upon a time'), [403, 407, 261, 378]);
});

test('streaming detokenizer: pieces concatenate to the full decode; multi-byte characters wait', () => {
  for (const skip of [false, true]) {
    const dt = tok.detokenizer({ skipSpecialTokens: skip });
    const pieces = reference.token_ids.map((id) => dt.push(id));
    pieces.push(dt.flush());
    assert.equal(pieces.join(''), tok.decode(reference.token_ids, { skipSpecialTokens: skip }));
    assert.equal(dt.text, pieces.join(''));
    assert.ok(pieces.filter((p) => p.length > 0).length > 100, 'text streams token by token');
  }
  // "héllo 😀\n\nx": the emoji is four byte tokens; nothing is emitted until the last one.
  const c = encodings.cases.find((x) => x.text.startsWith('héllo'))!;
  const dt = tok.detokenizer();
  const pieces = c.ids.map((id) => dt.push(id));
  const emoji = c.ids.indexOf(243); // <0xF0>
  assert.deepEqual(pieces.slice(emoji, emoji + 3), ['', '', '']);
  assert.equal(pieces[emoji + 3], '😀');
  assert.ok(pieces.every((p) => !p.includes('\uFFFD')));
  assert.equal(pieces.join('') + dt.flush(), c.text);
  assert.equal(pieces[0], 'h', 'the leading space of the first word is stripped as in a full decode');
  assert.equal(pieces[c.ids.indexOf(410)], ' ');
});

test('flush emits a held-back incomplete character as U+FFFD', () => {
  const dt = tok.detokenizer();
  assert.equal(dt.push(403), 'Once');
  assert.equal(dt.push([243, 162]), '');
  assert.equal(dt.flush(), '\uFFFD');
  assert.equal(dt.flush(), '');
});

test('loadTokenizer errors', async () => {
  await withTmp((dir) => {
    assert.throws(() => loadTokenizer(dir), /tokenizer.json: not found/);
  });
});
