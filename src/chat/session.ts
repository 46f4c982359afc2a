// A multi-turn chat with a model and a changing set of steering artifacts: the state behind
// `steerling chat`. Each turn renders the whole history through the model's chat template,
// generates the reply (streamed through onText), and keeps it in the history. When the history no
// longer fits the model's context with room for the reply, the oldest exchanges are dropped (the
// system message stays) and the caller is told how many.
import { loadModel, stopIds, type LoadedModel } from '../models/load.js';
import { generate } from '../generate/generate.js';
import { hooksFor } from '../intervene/apply.js';
import { loadSteering, describeSteering, type LoadedSteer } from '../artifact/steering.js';
import type { SamplingOptions } from '../generate/sampler.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  [key: string]: unknown;
}

export interface ChatOptions extends SamplingOptions {
  maxTokens: number;
  seed: number;
  system?: string;
  force?: boolean;
  /** A Jinja chat template to use instead of the model's. */
  chatTemplate?: string;
}

export interface TurnResult {
  reply: string;
  /** Exchanges (user + assistant) dropped from the front to make the prompt fit. */
  dropped: number;
  promptTokens: number;
  generatedTokens: number;
  finishReason: string;
}

export class ChatSession {
  readonly history: ChatMessage[] = [];
  steering: LoadedSteer[] = [];
  private turns = 0;

  private constructor(readonly loaded: LoadedModel, readonly opts: ChatOptions) {
    if (!loaded.tokenizer) throw new Error(`${loaded.dir} has no tokenizer.json; steerling chat needs one`);
    if (loaded.tokenizer.chatTemplate === null) {
      throw new Error(`${loaded.dir} has no chat template (tokenizer_config.json "chat_template"); give one with --chat-template FILE (a Jinja file, as Hugging Face's chat_template.jinja), or use steerling generate for plain text`);
    }
    if (opts.system) this.history.push({ role: 'system', content: opts.system });
  }

  static async open(modelPath: string, opts: ChatOptions): Promise<ChatSession> {
    return new ChatSession(await loadModel(modelPath, opts.chatTemplate !== undefined ? { chatTemplate: opts.chatTemplate } : {}), opts);
  }

  /** Adds artifacts (the --steer syntax: A, A:4, A:x2, A:neg). */
  steer(specs: readonly string[]): LoadedSteer[] {
    const added = loadSteering(specs, this.loaded.model, this.opts.force ?? false);
    this.steering.push(...added);
    return added;
  }

  /** Removes artifacts by name or path; no argument removes all. Returns how many went. */
  unsteer(which?: string): number {
    const before = this.steering.length;
    this.steering = which === undefined ? [] : this.steering.filter((s) => s.artifact.meta.name !== which && s.request.artifact !== which);
    return before - this.steering.length;
  }

  /** The artifacts in use, with their requests (strength, clamp target). */
  steered(): readonly LoadedSteer[] {
    return this.steering;
  }

  describe(): ReturnType<typeof describeSteering>[] {
    return this.steering.map(describeSteering);
  }

  reset(): void {
    this.history.splice(this.history[0]?.role === 'system' ? 1 : 0);
  }

  /** One user turn: the reply, streamed through onText as it is generated. */
  say(text: string, onText: (piece: string) => void = () => {}, opts: { steered?: boolean; remember?: boolean } = {}): TurnResult {
    const tok = this.loaded.tokenizer!;
    const model = this.loaded.model;
    const messages: ChatMessage[] = [...this.history, { role: 'user', content: text }];
    const room = model.arch.maxPositions - this.opts.maxTokens;
    let dropped = 0;
    let ids = tok.applyChatTemplate(messages, { addGenerationPrompt: true }).ids;
    const first = messages[0]?.role === 'system' ? 1 : 0;
    while (ids.length > room && messages.length - first > 1) {
      messages.splice(first, 2);
      dropped++;
      ids = tok.applyChatTemplate(messages, { addGenerationPrompt: true }).ids;
    }
    if (ids.length > room) throw new Error(`this message alone takes ${ids.length} tokens; with --max-tokens ${this.opts.maxTokens} the model's context (${model.arch.maxPositions}) leaves room for ${Math.max(0, room)}`);
    const interventions = opts.steered === false ? [] : this.steering.flatMap((s) => s.interventions);
    const dt = tok.detokenizer({ skipSpecialTokens: true });
    const [res] = generate(model, [ids], {
      maxTokens: this.opts.maxTokens,
      temperature: this.opts.temperature,
      topK: this.opts.topK,
      topP: this.opts.topP,
      repetitionPenalty: this.opts.repetitionPenalty,
      // A fresh seed per turn, reproducible from --seed; a steered/unsteered pair shares it.
      seed: this.opts.seed + this.turns,
      eosTokenIds: stopIds(this.loaded),
      hooks: interventions.length ? hooksFor(interventions, model.arch.layers) : null,
      decode: (t) => tok.decode(t, { skipSpecialTokens: true }),
      onToken: (_row, id) => onText(dt.push(id)),
    });
    onText(dt.flush());
    const reply = res!.text ?? '';
    if (opts.remember !== false) {
      this.history.splice(0, this.history.length, ...messages, { role: 'assistant', content: reply });
      this.turns++;
    }
    return { reply, dropped, promptTokens: ids.length, generatedTokens: res!.tokens.length, finishReason: res!.finishReason };
  }
}
