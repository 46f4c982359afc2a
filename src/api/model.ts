// Loading a model for the library API: a local folder, a hub id in the Hugging Face cache,
// "organism" (the default), the model organism shipped in this package, or "stories260K", the small
// pretrained checkpoint shipped beside it.
import { loadModel as loadResolved, stopIds, type LoadedModel, type LoadOptions } from '../models/load.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { modelRef, ORGANISM_DIR, STORIES_DIR, STORIES_DOG_PAIRS } from './model-ref.js';

export type { LoadedModel, LoadOptions };
export { stopIds, ORGANISM_DIR, STORIES_DIR, STORIES_DOG_PAIRS };

/**
 * Loads a model with its tokenizer and generation defaults: a local folder, a hub id found in the
 * Hugging Face cache (or downloaded when `opts` allows), `'organism'` (the default), the small
 * model shipped in this package, or `'stories260K'`, the pretrained checkpoint shipped beside it
 * (when no folder of that name is where the program runs). `opts.chatTemplate` replaces the
 * model's chat template (a Jinja string, as in chat_template.jinja).
 *
 * @example
 * ```ts
 * import { loadModel } from 'steerling';
 * const model = await loadModel('stories260K');
 * console.log(model.config.modelType, model.model.arch.layers); // llama 5
 * ```
 */
export async function loadModel(ref: string = 'organism', opts: LoadOptions = {}): Promise<LoadedModel> {
  return loadResolved(modelRef(ref), opts);
}

/**
 * The model's tokenizer, or an error naming what needed it when the folder has none.
 *
 * @example
 * ```ts
 * const tok = requireTokenizer(model, 'generate');
 * tok.encode('Once upon a time');
 * ```
 */
export function requireTokenizer(m: LoadedModel, what = 'steerling'): Tokenizer {
  if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer.json; ${what} needs one`);
  return m.tokenizer;
}

export interface PromptOptions {
  /** Wrap the prompt as a user turn with the model's chat template. */
  chat?: boolean;
  /** A system message (with `chat`). */
  system?: string;
}

/**
 * A prompt's token ids as `generate` feeds them: BOS + text, or a user turn through the chat
 * template; an empty prompt starts from BOS alone.
 *
 * @example
 * ```ts
 * const ids = encodePrompt(model, 'Once upon a time');        // [1, ...]
 * const chatIds = encodePrompt(model, 'hi', { chat: true });  // a chat model's user turn
 * ```
 */
export function encodePrompt(m: LoadedModel, prompt: string, opts: PromptOptions = {}): number[] {
  const tok = requireTokenizer(m, 'encodePrompt');
  let ids: number[];
  if (opts.chat) {
    const messages = [...(opts.system ? [{ role: 'system', content: opts.system }] : []), { role: 'user', content: prompt }];
    ids = tok.applyChatTemplate(messages, { addGenerationPrompt: true }).ids;
  } else {
    ids = tok.encode(prompt, { addSpecialTokens: true });
  }
  if (ids.length === 0) {
    const bos = m.config.bosTokenId ?? m.generationConfig?.bosTokenId;
    if (bos === null || bos === undefined) throw new Error('empty prompt and the model has no BOS token to start from');
    ids = [bos];
  }
  return ids;
}
