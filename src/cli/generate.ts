// `steerling generate`: text from a prompt (or a chat turn), streamed to stdout or as one JSON object.
import type { Command } from 'commander';
import { loadModel } from '../models/load.js';
import { generateDetailed } from '../api/generate.js';
import { steer, steeringSummary } from '../api/steer.js';
import { intArg, collect, addSamplingOptions, type SamplingFlags } from './options.js';
import { modelRef } from './model-ref.js';
import { CHAT_TEMPLATE_HELP, CHAT_TEMPLATE_OPTION, chatTemplateOptions, noChatTemplate } from './chat-template-flag.js';

interface GenerateFlags extends SamplingFlags {
  model?: string;
  prompt: string;
  chat?: boolean;
  chatTemplate?: string;
  system?: string;
  maxTokens: number;
  seed: number;
  stop?: string[];
  json?: boolean;
  steer?: string[];
  controlVector?: string[];
  force?: boolean;
}

export function registerGenerate(program: Command): void {
  addSamplingOptions(program
    .command('generate')
    .description('generate text from a prompt with any supported model'))
    .option('-m, --model <path-or-id>', 'model folder, hub id in the HF cache, or "organism" (default)')
    .option('-p, --prompt <text>', 'prompt text ("" starts from BOS alone)', '')
    .option('--chat', 'wrap the prompt as a user turn with the model\'s chat template')
    .option(CHAT_TEMPLATE_OPTION, `${CHAT_TEMPLATE_HELP} (implies --chat)`)
    .option('--system <text>', 'system message (with --chat)')
    .option('-n, --max-tokens <n>', 'tokens to generate', intArg('--max-tokens'), 64)
    .option('--seed <s>', 'random seed', intArg('--seed'), 0)
    .option('--stop <text>', 'stop string (repeatable)', collect)
    .option('--json', 'print one JSON object instead of streaming text')
    .option('--steer <artifact[:strength]>', 'steer with an artifact: A (its default strength), A:4 (absolute), A:x2 (2 × default), A:neg[:S] (clamp artifacts: the negative class mean); repeatable, they compose', collect)
    .option('--control-vector <file[:scale]>', 'add a llama.cpp control vector (GGUF) as llama.cpp does, times scale (default 1); repeatable', collect)
    .option('--force', 'use --steer artifacts (and control vectors) even when they were made for another model')
    .action(async (f: GenerateFlags) => {
      const t0 = performance.now();
      const chat = (f.chat ?? false) || f.chatTemplate !== undefined;
      const m = await loadModel(modelRef(f.model), chatTemplateOptions(f.chatTemplate));
      if (!m.tokenizer) throw new Error(`${m.dir} has no tokenizer.json; steerling generate needs one`);
      if (chat && m.tokenizer.chatTemplate === null) throw noChatTemplate(m.dir);
      const steering = steer(m, f.steer ?? [], { force: f.force ?? false, controlVectors: f.controlVector ?? [] });
      const tLoad = performance.now();
      let firstTokenAt = 0;
      const [r] = generateDetailed(m, f.prompt, {
        chat,
        ...(f.system !== undefined ? { system: f.system } : {}),
        maxTokens: f.maxTokens,
        temperature: f.temperature,
        ...(f.topK !== undefined ? { topK: f.topK } : {}),
        ...(f.topP !== undefined ? { topP: f.topP } : {}),
        ...(f.repetitionPenalty !== undefined ? { repetitionPenalty: f.repetitionPenalty } : {}),
        seed: f.seed,
        ...(f.stop ? { stop: f.stop } : {}),
        steer: steering,
        onToken: () => {
          if (!firstTokenAt) firstTokenAt = performance.now();
        },
        ...(f.json ? {} : { onText: (piece: string) => process.stdout.write(piece) }),
      });
      const g = r!;
      const promptIds = g.promptIds;
      const tEnd = performance.now();
      if (f.json) {
        const decodeMs = firstTokenAt ? tEnd - firstTokenAt : 0;
        console.log(
          JSON.stringify({
            text: g.text,
            token_ids: [...promptIds, ...g.tokens],
            prompt_tokens: promptIds.length,
            generated_tokens: g.tokens.length,
            finish_reason: g.finishReason,
            load_ms: tLoad - t0,
            prefill_ms: firstTokenAt ? firstTokenAt - tLoad : null,
            decode_ms: decodeMs,
            decode_tok_s: g.tokens.length > 1 && decodeMs > 0 ? (g.tokens.length - 1) / (decodeMs / 1000) : null,
            total_ms: tEnd - t0,
            ...(steering.artifacts.length ? { steering: steeringSummary(steering) } : {}),
          }),
        );
      } else {
        process.stdout.write('\n');
      }
    });
}
