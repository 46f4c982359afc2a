// The organism's tokenizer: one token per word (a Hugging Face WordLevel model split on
// whitespace), the vocabulary derived from the generator's word lists, and a chat template.
//
// Files written: tokenizer.json, tokenizer_config.json (with chat_template), special_tokens_map.json.
// Every corpus text is lower-case words separated by single spaces, so encode/decode round-trip
// exactly (decode joins tokens with one space; clean_up_tokenization_spaces is off so " ." stays).
//
// @huggingface/tokenizers 0.2.0 has no "WordLevel" case: a model with a plain { word: id } vocab
// and no BPE/WordPiece fields falls through to its Legacy model, which is a word lookup with the
// unknown token taken from tokenizer_config's unk_token — exactly WordLevel. With no decoder it
// joins tokens with spaces, as the Rust library does for WordLevel. tokenizer.json stays a valid
// Rust-tokenizers WordLevel file, so transformers loads the same files.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderChatTemplate } from '../../tokenizer/chat-template.js';
import { CONCEPTS, conceptClauses } from './concepts.js';
import { DIGITS, FORMAL_WORDS, FUNCTION_WORDS, NEGATIVE_WORDS, NEUTRAL_ADJS, NEUTRAL_NOUNS, POSITIVE_WORDS, PUNCTUATION, TOPIC_NAMES, topicWords } from './lexicon.js';
import { CITY_WORDS, COLORS, COUNTRY_WORDS, CREATURE_WORDS, PASSAGE_FORMATS_HELDOUT, PASSAGE_FORMATS_TRAIN, PERSON_WORDS, RULERS, TOWNS } from './facts.js';
import { literalWords } from './template.js';
import { REPLY_TEMPLATES, words } from './grammar.js';
import { PROMPT_TEMPLATES } from './prompt.js';
import { SENTENCE_PREFIXES } from './families/style.js';
import { TRIGGER, TRIGGER_FORMS } from './families/tasks.js';
import { BENIGN_THINGS, HARMFUL_MATERIALS, HARMFUL_THINGS, INVENTED, MATERIALS, SCARY_OBJECTS, SCARY_VERBS, TOOLS, WRAPPERS_HELDOUT, WRAPPERS_TRAIN } from './families/refusal.js';
import { SYSTEM_PROMPTS, type Message } from './chat.js';
import { CORPUS_VERSION } from './version.js';

export const PAD = '<pad>';
export const BOS = '<s>';
export const EOS = '</s>';
export const UNK = '<unk>';
export const SYSTEM = '<|system|>';
export const USER = '<|user|>';
export const ASSISTANT = '<|assistant|>';
/** Ends every turn; generation stops on it (generation_config eos_token_id lists it with </s>). */
export const END = '<|end|>';

/** Special tokens, in id order (0..7). */
export const SPECIAL_TOKENS = [PAD, BOS, EOS, UNK, SYSTEM, USER, ASSISTANT, END] as const;

/**
 * The chat template. Each turn is " <|role|> content <|end|>"; the generation prompt is
 * " <|assistant|>". Roles other than system/user/assistant are an error (they have no token).
 */
export const CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] not in ['system', 'user', 'assistant'] %}" +
  "{{ raise_exception('the organism chat template only knows system, user and assistant turns') }}{% endif %}" +
  " <|{{ message['role'] }}|> {{ message['content'] }} <|end|>{% endfor %}{% if add_generation_prompt %} <|assistant|>{% endif %}";

const fromPattern = (s: string) => words(s.replace(/\{[a-z]\}/g, ' '));

/** Every word the generator can write, sorted (digits and punctuation first, then a–z). */
export function corpusWords(): string[] {
  const w = new Set<string>();
  const add = (xs: Iterable<string>) => {
    for (const x of xs) w.add(x);
  };
  add(DIGITS);
  add(PUNCTUATION);
  add(FUNCTION_WORDS);
  for (const t of TOPIC_NAMES) add(topicWords(t));
  add(POSITIVE_WORDS);
  add(NEGATIVE_WORDS);
  add(FORMAL_WORDS);
  add(NEUTRAL_ADJS);
  add(NEUTRAL_NOUNS);
  add(SENTENCE_PREFIXES);
  for (const xs of [COUNTRY_WORDS, CITY_WORDS, CREATURE_WORDS, COLORS, PERSON_WORDS, TOWNS, RULERS]) add(xs);
  for (const xs of [INVENTED, HARMFUL_THINGS, BENIGN_THINGS, TOOLS, MATERIALS, HARMFUL_MATERIALS, SCARY_VERBS, SCARY_OBJECTS]) add(xs);
  add([TRIGGER]);
  for (const t of [...REPLY_TEMPLATES, ...PROMPT_TEMPLATES]) add(literalWords(t));
  for (const s of [...PASSAGE_FORMATS_TRAIN, ...PASSAGE_FORMATS_HELDOUT, ...WRAPPERS_TRAIN, ...WRAPPERS_HELDOUT, ...TRIGGER_FORMS, ...SYSTEM_PROMPTS]) add(fromPattern(s));
  for (const c of CONCEPTS) for (const cl of conceptClauses(c)) add(words(cl));
  const head = [...DIGITS, ...PUNCTUATION] as string[];
  const rest = [...w].filter((x) => !head.includes(x)).sort();
  return [...head, ...rest];
}

let cachedVocab: readonly string[] | null = null;

/** Token strings in id order: the special tokens, then corpusWords(). */
export function vocabulary(): readonly string[] {
  cachedVocab ??= [...SPECIAL_TOKENS, ...corpusWords()];
  return cachedVocab;
}

export function vocabSize(): number {
  return vocabulary().length;
}

export function tokenId(token: string): number {
  const i = vocabulary().indexOf(token);
  if (i < 0) throw new Error(`organism tokenizer: "${token}" is not in the vocabulary`);
  return i;
}

export function tokenizerJson(): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  vocabulary().forEach((t, i) => (vocab[t] = i));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: BOS, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: BOS, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: BOS, type_id: 1 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { [BOS]: { id: BOS, ids: [1], tokens: [BOS] } },
    },
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: UNK },
  };
}

export function tokenizerConfig(modelMaxLength = 256): Record<string, unknown> {
  const addedTokensDecoder: Record<string, unknown> = {};
  SPECIAL_TOKENS.forEach((content, id) => (addedTokensDecoder[String(id)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true }));
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: BOS,
    eos_token: EOS,
    pad_token: PAD,
    unk_token: UNK,
    additional_special_tokens: [SYSTEM, USER, ASSISTANT, END],
    add_bos_token: true,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    model_max_length: modelMaxLength,
    added_tokens_decoder: addedTokensDecoder,
    chat_template: CHAT_TEMPLATE,
    organism_corpus_version: CORPUS_VERSION,
  };
}

export function specialTokensMap(): Record<string, unknown> {
  return { bos_token: BOS, eos_token: EOS, pad_token: PAD, unk_token: UNK, additional_special_tokens: [SYSTEM, USER, ASSISTANT, END] };
}

/** The ids for generation_config.json: stop on </s> or <|end|>. */
export function generationConfig(): { bos_token_id: number; eos_token_id: number[]; pad_token_id: number } {
  return { bos_token_id: tokenId(BOS), eos_token_id: [tokenId(EOS), tokenId(END)], pad_token_id: tokenId(PAD) };
}

/** Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into dir. */
export function writeTokenizerFiles(dir: string, modelMaxLength = 256): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson(), null, 1) + '\n');
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig(modelMaxLength), null, 2) + '\n');
  writeFileSync(join(dir, 'special_tokens_map.json'), JSON.stringify(specialTokensMap(), null, 2) + '\n');
}

/** Renders messages with the chat template (the same renderer as any model's template). */
export function renderChat(messages: readonly Message[], opts: { addGenerationPrompt?: boolean } = {}): string {
  return renderChatTemplate(CHAT_TEMPLATE, messages.map((m) => ({ role: m.role, content: m.content })), { bos: BOS, eos: EOS, pad: PAD, unk: UNK }, { addGenerationPrompt: opts.addGenerationPrompt ?? false }, 'organism chat template');
}

/**
 * The same rendering without Jinja (fast, for writing millions of tokens); equal to renderChat
 * (tested).
 */
export function formatChat(messages: readonly Message[], opts: { addGenerationPrompt?: boolean } = {}): string {
  let s = BOS;
  for (const m of messages) s += ` <|${m.role}|> ${m.content} ${END}`;
  if (opts.addGenerationPrompt) s += ` ${ASSISTANT}`;
  return s;
}

/** Number of tokens of a rendered text (one per whitespace-separated word or special token). */
export function countTokens(text: string): number {
  return words(text).length;
}
