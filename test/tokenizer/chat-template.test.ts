// Chat templates rendered with @huggingface/jinja against renderings made by Python's jinja2 the
// way transformers configures it (test/fixtures/gen/chat_templates.py), plus BOS handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizer, Tokenizer, type ChatMessage } from '../../src/tokenizer/index.js';
import { fixtures, stories260K } from '../io/helpers.js';

interface Expected {
  conversations: Record<string, ChatMessage[]>;
  cases: { config: string; conversation: string; add_generation_prompt: boolean; variables: Record<string, unknown>; text: string }[];
}
const expected = JSON.parse(readFileSync(join(fixtures, 'chat', 'expected.json'), 'utf8')) as Expected;
const storiesJson = JSON.parse(readFileSync(join(stories260K, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;

const MARKERS = ['<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>', '<|im_start|>', '<|im_end|>', '<|endoftext|>'];

/**
 * The stories260K vocabulary with chat markers added as special tokens (ids 512...), and without
 * SentencePiece's dummy-prefix "▁" (which would put a space after every marker, as legacy Llama
 * tokenizers do), so that decode(ids) gives back the rendered text exactly.
 */
function withMarkers(configName: string): Tokenizer {
  const added = [
    ...(storiesJson['added_tokens'] as unknown[]),
    ...MARKERS.map((content, i) => ({ id: 512 + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
  ];
  const tokenizerConfig = JSON.parse(readFileSync(join(fixtures, 'chat', configName, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const normalizer = { type: 'Replace', pattern: { String: ' ' }, content: '▁' };
  const decoder = { type: 'Sequence', decoders: [{ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, { type: 'ByteFallback' }, { type: 'Fuse' }] };
  return new Tokenizer({ tokenizerJson: { ...storiesJson, added_tokens: added, normalizer, decoder }, tokenizerConfig, source: `${configName}/tokenizer_config.json` });
}

const tokenizers: Record<string, Tokenizer> = {
  llama3: withMarkers('llama3'),
  chatml: withMarkers('chatml'),
  stories260K: loadTokenizer(stories260K),
};

test('renderings match Python jinja2 for Llama-3-style, ChatML-style and stories260K templates', () => {
  assert.equal(expected.cases.length, 16);
  for (const c of expected.cases) {
    const tok = tokenizers[c.config]!;
    const r = tok.applyChatTemplate(expected.conversations[c.conversation]!, { addGenerationPrompt: c.add_generation_prompt, variables: c.variables });
    const what = `${c.config}/${c.conversation}/agp=${c.add_generation_prompt}/${JSON.stringify(c.variables)}`;
    assert.equal(r.text, c.text, what);
    // ids are the text tokenized without extra special tokens: they decode back to it exactly.
    assert.deepEqual(r.ids, tok.encode(c.text, { addSpecialTokens: false }), what);
    if (c.config !== 'stories260K') assert.equal(tok.decode(r.ids), c.text, what);
  }
});

test('Llama-3 style: one BOS (from the template), markers are single special tokens', () => {
  const tok = tokenizers['llama3']!;
  assert.equal(tok.bosTokenId, 512);
  assert.equal(tok.eosTokenId, 515);
  const { ids, text } = tok.applyChatTemplate(expected.conversations['full']!, { addGenerationPrompt: true });
  assert.equal(ids.filter((id) => id === 512).length, 1);
  assert.equal(ids[0], 512);
  assert.deepEqual(ids.slice(1, 2), [513], '<|start_header_id|> is one token');
  assert.equal(ids.filter((id) => id === 515).length, 4, 'one <|eot_id|> per message');
  assert.ok(text.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n'));
  assert.deepEqual(ids.slice(-3, -2), [514]);
  assert.equal(tok.decode(ids, { skipSpecialTokens: true }).includes('<|'), false);
});

test('ChatML style: no BOS at all, generation prompt opens an assistant turn', () => {
  const tok = tokenizers['chatml']!;
  assert.equal(tok.bosTokenId, null);
  assert.equal(tok.eosTokenId, 517);
  assert.equal(tok.padTokenId, 518);
  const { ids } = tok.applyChatTemplate(expected.conversations['user-only']!, { addGenerationPrompt: true });
  assert.notEqual(ids[0], 1, 'the <s> of the underlying vocabulary is not added');
  assert.equal(ids[0], 516);
  assert.equal(ids.filter((id) => id === 516).length, 3);
});

test('stories260K: the template renders BOS and the tokenizer does not add a second one', () => {
  const tok = tokenizers['stories260K']!;
  assert.equal(tok.addsBos, true, 'encode() would add BOS...');
  const { ids, text } = tok.applyChatTemplate([{ role: 'user', content: 'Once upon a time' }]);
  assert.equal(text, '<s>Once upon a time');
  assert.deepEqual(ids, [1, 403, 407, 261, 378], '...but the chat ids hold exactly one');
});

test('raise_exception, strftime_now, tools, named templates, missing template', () => {
  const tok = tokenizers['stories260K']!;
  const strict = "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversations must start with a user message') }}{% endif %}ok";
  assert.throws(() => tok.applyChatTemplate([{ role: 'system', content: 'x' }], { template: strict }), /chat template failed: .*Conversations must start with a user message/);
  assert.equal(tok.applyChatTemplate([{ role: 'user', content: 'x' }], { template: strict }).text, 'ok');
  assert.equal(tok.applyChatTemplate([], { template: "{{ strftime_now('%Y') }}" }).text, String(new Date().getFullYear()));
  const toolT = '{% if tools %}{{ tools | length }} tools: {{ tools[0].name }}{% endif %}';
  assert.equal(tok.applyChatTemplate([], { template: toolT, tools: [{ name: 'search' }] }).text, '1 tools: search');
  assert.throws(() => tok.applyChatTemplate([], { template: '{% for %}' }), /chat template could not be parsed/);
  assert.throws(() => tok.applyChatTemplate([{ content: 'x' } as unknown as ChatMessage]), /message 0 has no string "role"/);

  const named = new Tokenizer({ tokenizerJson: storiesJson, tokenizerConfig: { chat_template: [{ name: 'default', template: 'D' }, { name: 'tool_use', template: 'T' }] } });
  assert.equal(named.applyChatTemplate([]).text, 'D');
  assert.equal(named.applyChatTemplate([], { tools: [] }).text, 'T');
  assert.equal(named.applyChatTemplate([], { templateName: 'tool_use' }).text, 'T');
  assert.throws(() => named.applyChatTemplate([], { templateName: 'rag' }), /no chat template named "rag" \(available: default, tool_use\)/);
  assert.equal(named.chatTemplate, 'D');

  const none = new Tokenizer({ tokenizerJson: storiesJson, tokenizerConfig: {} });
  assert.equal(none.chatTemplate, null);
  assert.throws(() => none.applyChatTemplate([{ role: 'user', content: 'x' }]), /has no chat_template/);
});
