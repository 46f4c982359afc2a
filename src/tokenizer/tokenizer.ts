// A model's tokenizer: tokenizer.json + tokenizer_config.json, run by @huggingface/tokenizers.
//
//   const tok = loadTokenizer(dir);
//   tok.encode('Once upon a time');                       // [bos, ...] as transformers would
//   tok.decode(ids, { skipSpecialTokens: true });
//   const { text, ids } = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
//
// BOS/EOS and add_bos_token: tokenizer.json's post-processor decides what encode() adds. Like
// transformers' Llama/Gemma tokenizers, an explicit `add_bos_token` / `add_eos_token` in
// tokenizer_config.json overrides it (adds the token when the post-processor does not, removes it
// when the post-processor adds it but the config says false).
// Chat templates: applyChatTemplate never adds special tokens itself: its ids are
// encode(text, { addSpecialTokens: false }), as in transformers. A template that renders
// {{ bos_token }} therefore yields exactly one BOS, and one that does not yields none — never two.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HFTokenizer } from '@huggingface/tokenizers';
import { IncrementalDetokenizer } from './detokenizer.js';
import { parseTemplateSpec, pickTemplate, renderChatTemplate, type ChatMessage, type ChatTemplateOptions, type SpecialTokenStrings, type TemplateSpec } from './chat-template.js';
import { protectContents, spellsSpecial } from './plain-content.js';

export interface EncodeOptions {
  /** Add BOS/EOS as the tokenizer is configured to (default true). */
  addSpecialTokens?: boolean;
  /**
   * Read special-token strings in the text as special tokens (default true, as transformers
   * does). false: text that spells "<|end|>" is encoded as those characters (see encodePlain).
   */
  parseSpecialTokens?: boolean;
}

export interface ApplyChatTemplateOptions extends ChatTemplateOptions {
  /**
   * Encode message contents as plain text: special-token strings typed in a message stay
   * characters, so a message cannot forge a turn (plain-content.ts). Default false.
   */
  plainContent?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (BOS, EOS, chat markers) from the text (default false). */
  skipSpecialTokens?: boolean;
}

export interface ChatTemplateResult {
  text: string;
  ids: number[];
}

type Json = Record<string, unknown>;

function readJson(file: string): Json {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${file}: expected a JSON object`);
  return v as Json;
}

/** tokenizer_config writes special tokens as a string or as { content, ... } (AddedToken). */
function tokenString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return null;
}

export interface TokenizerSources {
  tokenizerJson: Json;
  tokenizerConfig?: Json;
  /** special_tokens_map.json, consulted for special tokens the config does not name. */
  specialTokensMap?: Json;
  /** A chat template that overrides tokenizer_config's (chat_template.jinja). */
  chatTemplate?: string;
  /**
   * Special-token ids to use when neither tokenizer_config nor special_tokens_map names the token
   * (e.g. bos/eos/pad ids from config.json or generation_config.json).
   */
  fallbackIds?: { bos?: number | null; eos?: number | null; pad?: number | null };
  /** For messages. */
  source?: string;
}

export class Tokenizer {
  readonly source: string;
  readonly vocabSize: number;
  readonly bosToken: string | null;
  readonly eosToken: string | null;
  readonly padToken: string | null;
  readonly unkToken: string | null;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly padTokenId: number | null;
  readonly unkTokenId: number | null;
  /** Ids of all special added tokens (skipped by skipSpecialTokens). */
  readonly specialIds: ReadonlySet<number>;
  /** tokenizer_config's add_bos_token / add_eos_token when set, else null. */
  readonly addBosToken: boolean | null;
  readonly addEosToken: boolean | null;
  readonly config: Readonly<Json>;
  /** What the tokenizer was built from (a worker thread builds its copy from these). */
  readonly sources: TokenizerSources;
  /** The strings of the special added tokens (chat markers, BOS, ...). */
  readonly specialStrings: readonly string[];
  private readonly tk: HFTokenizer;
  /** The same tokenizer without its special added tokens (built on first use). */
  private plainTk: HFTokenizer | null = null;
  private readonly templates: TemplateSpec | null;
  private readonly postAddsBos: boolean;
  private readonly postAddsEos: boolean;

  constructor(src: TokenizerSources) {
    this.sources = src;
    this.source = src.source ?? 'tokenizer.json';
    const config = src.tokenizerConfig ?? {};
    this.config = config;
    try {
      this.tk = new HFTokenizer(src.tokenizerJson, config);
    } catch (e) {
      throw new Error(`${this.source}: cannot build the tokenizer: ${(e as Error).message}`);
    }
    let maxId = -1;
    for (const id of this.tk.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const map = src.specialTokensMap ?? {};
    const fallback = src.fallbackIds ?? {};
    const named = (key: string, id?: number | null): string | null =>
      tokenString(config[key]) ?? tokenString(map[key]) ?? (id != null ? (this.tk.id_to_token(id) ?? null) : null);
    const model = src.tokenizerJson['model'] as Json | undefined;
    this.bosToken = named('bos_token', fallback.bos);
    this.eosToken = named('eos_token', fallback.eos);
    this.padToken = named('pad_token', fallback.pad);
    this.unkToken = named('unk_token') ?? tokenString(model?.['unk_token']);
    this.bosTokenId = this.idOf(this.bosToken);
    this.eosTokenId = this.idOf(this.eosToken);
    this.padTokenId = this.idOf(this.padToken);
    this.unkTokenId = this.idOf(this.unkToken);
    const specials = [...this.tk.get_added_tokens_decoder()].filter(([, t]) => t.special);
    this.specialIds = new Set(specials.map(([id]) => id));
    this.specialStrings = specials.map(([, t]) => t.content).filter((c) => c.length > 0);
    this.addBosToken = typeof config['add_bos_token'] === 'boolean' ? config['add_bos_token'] : null;
    this.addEosToken = typeof config['add_eos_token'] === 'boolean' ? config['add_eos_token'] : null;

    // What the post-processor adds around a plain text.
    const plain = this.tk.encode('a', { add_special_tokens: false }).ids;
    const full = this.tk.encode('a', { add_special_tokens: true }).ids;
    this.postAddsBos = this.bosTokenId !== null && full[0] === this.bosTokenId && plain[0] !== this.bosTokenId;
    this.postAddsEos = this.eosTokenId !== null && full[full.length - 1] === this.eosTokenId && plain[plain.length - 1] !== this.eosTokenId;

    this.templates = src.chatTemplate !== undefined ? src.chatTemplate : parseTemplateSpec(config['chat_template'], this.source);
  }

  private idOf(token: string | null): number | null {
    if (token === null) return null;
    return this.tk.token_to_id(token) ?? null;
  }

  /** Whether encode() with special tokens starts with BOS. */
  get addsBos(): boolean {
    return this.addBosToken ?? this.postAddsBos;
  }

  /** The chat template (the default one when the tokenizer has several), or null. */
  get chatTemplate(): string | null {
    if (this.templates === null) return null;
    return typeof this.templates === 'string' ? this.templates : (this.templates.get('default') ?? null);
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new Error(`encode: expected a string, got ${typeof text}`);
    const add = opts.addSpecialTokens ?? true;
    if (opts.parseSpecialTokens === false) {
      // BOS/EOS around plain text are the ones the tokenizer puts around an empty one.
      const frame = add ? this.encode('') : [];
      const bos = frame.length > 0 && frame[0] === this.bosTokenId ? [frame[0]] : [];
      const eos = frame.length > bos.length && frame[frame.length - 1] === this.eosTokenId ? [frame[frame.length - 1]!] : [];
      return [...bos, ...this.encodePlain(text), ...eos];
    }
    const ids = this.tk.encode(text, { add_special_tokens: add }).ids;
    if (!add) return ids;
    const bos = this.bosTokenId;
    const eos = this.eosTokenId;
    if (bos !== null) {
      if (this.addBosToken === false && this.postAddsBos && ids[0] === bos) ids.shift();
      else if (this.addBosToken === true && !this.postAddsBos) ids.unshift(bos);
    }
    if (eos !== null) {
      if (this.addEosToken === false && this.postAddsEos && ids[ids.length - 1] === eos) ids.pop();
      else if (this.addEosToken === true && !this.postAddsEos) ids.push(eos);
    }
    return ids;
  }

  /**
   * Ids → text. Ids the tokenizer does not know (a model's padded vocabulary rows) decode to
   * nothing, as in the Rust tokenizers library; non-integers and negatives are errors.
   */
  decode(ids: readonly number[] | Int32Array, opts: DecodeOptions = {}): string {
    const list: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!Number.isInteger(id) || id < 0) throw new Error(`decode: token id ${id} at position ${i} is not a non-negative integer`);
      if (id < this.vocabSize && this.tk.id_to_token(id) !== undefined) list.push(id);
    }
    if (list.length === 0) return '';
    return this.tk.decode(list, { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  tokenToId(token: string): number | null {
    return this.tk.token_to_id(token) ?? null;
  }

  idToToken(id: number): string | null {
    return this.tk.id_to_token(id) ?? null;
  }

  /** A streaming decoder (see detokenizer.ts). */
  detokenizer(opts: DecodeOptions = {}): IncrementalDetokenizer {
    return new IncrementalDetokenizer((ids) => this.decode(ids, opts));
  }

  get specialTokenStrings(): SpecialTokenStrings {
    return { bos: this.bosToken, eos: this.eosToken, pad: this.padToken, unk: this.unkToken };
  }

  /**
   * Text → ids with special-token strings read as plain characters (no BOS/EOS added). Where the
   * vocabulary itself spells a marker as one token (word-level vocabularies), the text goes one
   * character at a time, and a character that is still a marker becomes the unknown token.
   */
  encodePlain(text: string): number[] {
    if (this.plainTk === null) {
      const added = (this.sources.tokenizerJson['added_tokens'] ?? []) as { special?: boolean }[];
      this.plainTk = new HFTokenizer({ ...this.sources.tokenizerJson, added_tokens: added.filter((t) => !t.special) }, this.config);
    }
    const plain = this.plainTk;
    const markers = this.specialIds;
    const unk = this.unkTokenId;
    const ids = plain.encode(text, { add_special_tokens: false }).ids;
    if (!ids.some((id: number) => markers.has(id) && id !== unk)) return ids;
    return [...text].flatMap((ch) => plain.encode(ch, { add_special_tokens: false }).ids.map((id: number) => {
      if (!markers.has(id) || id === unk) return id;
      if (unk !== null) return unk;
      throw new Error(`cannot encode ${JSON.stringify(ch)} as plain text: this vocabulary has it only as a special token`);
    }));
  }

  /** Renders the chat template and tokenizes it without adding special tokens (see top). */
  applyChatTemplate(messages: readonly ChatMessage[], opts: ApplyChatTemplateOptions = {}): ChatTemplateResult {
    const template = pickTemplate(this.templates, opts, this.source);
    if (!opts.plainContent || !spellsSpecial(messages, this.specialStrings)) {
      const text = renderChatTemplate(template, messages, this.specialTokenStrings, opts, this.source);
      return { text, ids: this.encode(text, { addSpecialTokens: false }) };
    }
    const p = protectContents(messages, this.specialStrings);
    const pieces = p.split(renderChatTemplate(template, p.messages, this.specialTokenStrings, opts, this.source));
    return {
      text: pieces.map((x) => (typeof x === 'string' ? x : x.plain)).join(''),
      ids: pieces.flatMap((x) => (typeof x === 'string' ? this.encode(x, { addSpecialTokens: false }) : this.encodePlain(x.plain))),
    };
  }
}

/**
 * Loads a tokenizer from a model folder: tokenizer.json (required), tokenizer_config.json,
 * special_tokens_map.json and chat_template.jinja / chat_template.json (optional). `fallbackIds`
 * name special tokens these files leave out (openModelFiles passes config.json's ids).
 * A chat_template.jinja file takes precedence over tokenizer_config's chat_template, as in
 * transformers; `opts.chatTemplate` (a template given by the caller) over both.
 */
export function loadTokenizer(dir: string, opts: { fallbackIds?: TokenizerSources['fallbackIds']; chatTemplate?: string } = {}): Tokenizer {
  const tj = join(dir, 'tokenizer.json');
  if (!existsSync(tj)) {
    const sp = existsSync(join(dir, 'tokenizer.model')) ? ' (only a SentencePiece tokenizer.model is present: convert it to tokenizer.json with transformers)' : '';
    throw new Error(`${tj}: not found${sp}`);
  }
  const opt = (name: string): Json | undefined => (existsSync(join(dir, name)) ? readJson(join(dir, name)) : undefined);
  const tokenizerConfig = opt('tokenizer_config.json');
  const specialTokensMap = opt('special_tokens_map.json');
  let chatTemplate = opts.chatTemplate;
  const jinja = join(dir, 'chat_template.jinja');
  if (chatTemplate !== undefined) {
    // the caller's template wins
  } else if (existsSync(jinja)) chatTemplate = readFileSync(jinja, 'utf8');
  else if (tokenizerConfig?.['chat_template'] === undefined) {
    const ct = opt('chat_template.json')?.['chat_template'];
    if (typeof ct === 'string') chatTemplate = ct;
  }
  return new Tokenizer({
    tokenizerJson: readJson(tj),
    ...(tokenizerConfig ? { tokenizerConfig } : {}),
    ...(specialTokensMap ? { specialTokensMap } : {}),
    ...(chatTemplate !== undefined ? { chatTemplate } : {}),
    ...(opts.fallbackIds ? { fallbackIds: opts.fallbackIds } : {}),
    source: tj,
  });
}
