// Chat templates: the Jinja template a model ships in tokenizer_config.json (or chat_template.jinja),
// rendered with @huggingface/jinja exactly as transformers' apply_chat_template does.
//
// Variables given to the template: messages, add_generation_prompt, bos_token, eos_token,
// pad_token, unk_token, tools and documents when passed, and any extra `variables`
// (e.g. { enable_thinking: false }). `raise_exception` and `strftime_now` are built in.

import { Template } from '@huggingface/jinja';

export interface ChatMessage {
  role: string;
  content: string | null | readonly unknown[];
  [key: string]: unknown;
}

export interface ChatTemplateOptions {
  /** End with the opening of an assistant turn (default false). */
  addGenerationPrompt?: boolean;
  tools?: readonly unknown[];
  documents?: readonly unknown[];
  /** Extra template variables. */
  variables?: Readonly<Record<string, unknown>>;
  /** Use this template instead of the tokenizer's. */
  template?: string;
  /** For tokenizers with several named templates (default: "tool_use" when tools are passed, else "default"). */
  templateName?: string;
}

/** chat_template may be one string or a list of { name, template }. */
export type TemplateSpec = string | ReadonlyMap<string, string>;

export function parseTemplateSpec(value: unknown, source: string): TemplateSpec | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const named = new Map<string, string>();
    for (const item of value as unknown[]) {
      const o = item as { name?: unknown; template?: unknown } | null;
      if (!o || typeof o.name !== 'string' || typeof o.template !== 'string') {
        throw new Error(`${source}: chat_template list entries must be { name, template } strings`);
      }
      named.set(o.name, o.template);
    }
    return named;
  }
  throw new Error(`${source}: chat_template must be a string or a list of { name, template }`);
}

export function pickTemplate(spec: TemplateSpec | null, opts: ChatTemplateOptions, source: string): string {
  if (opts.template !== undefined) return opts.template;
  if (spec === null) throw new Error(`${source}: this tokenizer has no chat_template (give one with --chat-template FILE on the command line, or { template } / loadModel's chatTemplate in the library)`);
  if (typeof spec === 'string') return spec;
  const name = opts.templateName ?? (opts.tools && spec.has('tool_use') ? 'tool_use' : 'default');
  const t = spec.get(name);
  if (t === undefined) throw new Error(`${source}: no chat template named "${name}" (available: ${[...spec.keys()].join(', ')})`);
  return t;
}

const compiled = new Map<string, Template>();

/** Parses a template (throwing `source: chat template could not be parsed: ...`), so a bad one fails before any work. */
export function checkChatTemplate(template: string, source: string): void {
  compile(template, source);
}

function compile(template: string, source: string): Template {
  let t = compiled.get(template);
  if (!t) {
    try {
      t = new Template(template);
    } catch (e) {
      throw new Error(`${source}: chat template could not be parsed: ${(e as Error).message}`);
    }
    if (compiled.size > 32) compiled.clear();
    compiled.set(template, t);
  }
  return t;
}

export interface SpecialTokenStrings {
  bos: string | null;
  eos: string | null;
  pad: string | null;
  unk: string | null;
}

/** Renders a chat template to text. */
export function renderChatTemplate(template: string, messages: readonly ChatMessage[], specials: SpecialTokenStrings, opts: ChatTemplateOptions, source: string): string {
  if (!Array.isArray(messages)) throw new Error('applyChatTemplate: messages must be an array of { role, content }');
  messages.forEach((m, i) => {
    if (!m || typeof m.role !== 'string') throw new Error(`applyChatTemplate: message ${i} has no string "role"`);
  });
  const vars: Record<string, unknown> = {
    messages,
    add_generation_prompt: opts.addGenerationPrompt ?? false,
    bos_token: specials.bos ?? '',
    eos_token: specials.eos ?? '',
    pad_token: specials.pad ?? '',
    unk_token: specials.unk ?? '',
  };
  if (opts.tools !== undefined) vars['tools'] = opts.tools;
  if (opts.documents !== undefined) vars['documents'] = opts.documents;
  Object.assign(vars, opts.variables ?? {});
  try {
    return compile(template, source).render(vars);
  } catch (e) {
    throw new Error(`${source}: chat template failed: ${(e as Error).message}`);
  }
}
