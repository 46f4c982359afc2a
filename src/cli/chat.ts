// `steerling chat`: an interactive multi-turn chat with steering that can be changed between turns.
// Lines from stdin are user messages; lines starting with "/" are commands (see HELP). With
// --compare every reply also comes unsteered, with the same seed, for a side-by-side reading.
// Piped input works the same way (no prompt is drawn), so a conversation can be scripted.
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { ChatSession } from '../chat/session.js';
import { intArg, collect, addSamplingOptions, type SamplingFlags } from './options.js';
import { modelRef } from './model-ref.js';
import { CHAT_TEMPLATE_HELP, CHAT_TEMPLATE_OPTION, chatTemplateOptions } from './chat-template-flag.js';
import { chatSteeringLine } from './specificity-text.js';

interface ChatFlags extends SamplingFlags {
  model?: string;
  system?: string;
  chatTemplate?: string;
  steer?: string[];
  maxTokens: number;
  seed: number;
  compare?: boolean;
  force?: boolean;
}

const HELP = `commands:
  /steer A[:s]     add a steering artifact (A, A:4, A:x2, A:neg, as --steer)
  /unsteer [NAME]  remove one artifact (by name or path), or all
  /steering        list the artifacts in use and their strengths
  /compare on|off  also show the unsteered reply to every message
  /reset           forget the conversation (the system message stays)
  /history         print the conversation so far
  /help            this list
  /exit            leave (so does end of input)`;

export function registerChat(program: Command): void {
  addSamplingOptions(program
    .command('chat')
    .description('chat with a model, with steering you can change between turns'))
    .option('-m, --model <path-or-id>', 'model folder, hub id in the HF cache, or "organism" (default)')
    .option('--system <text>', 'system message')
    .option(CHAT_TEMPLATE_OPTION, CHAT_TEMPLATE_HELP)
    .option('--steer <artifact[:strength]>', 'steer with an artifact (as in generate); repeatable', collect)
    .option('-n, --max-tokens <n>', 'tokens per reply', intArg('--max-tokens', 1), 128)
    .option('--seed <s>', 'random seed (turn k samples with seed + k)', intArg('--seed'), 0)
    .option('--compare', 'also show the unsteered reply to every message')
    .option('--force', 'use artifacts made for another model')
    .action(async (f: ChatFlags) => {
      const session = await ChatSession.open(modelRef(f.model), { maxTokens: f.maxTokens, temperature: f.temperature, topK: f.topK, topP: f.topP, repetitionPenalty: f.repetitionPenalty, seed: f.seed, system: f.system, force: f.force, ...chatTemplateOptions(f.chatTemplate) });
      if (f.steer?.length) session.steer(f.steer);
      let compare = f.compare ?? false;
      const tty = process.stdin.isTTY === true;
      const out = (s: string) => process.stdout.write(s);
      const steeringLine = () => chatSteeringLine(session.steered());
      if (tty) out(`steerling chat: ${session.loaded.dir}; steering: ${steeringLine()}. /help for commands, /exit to leave.\n`);
      const rl = createInterface({ input: process.stdin, terminal: tty, ...(tty ? { prompt: 'you> ' } : {}) });
      if (tty) rl.prompt();
      for await (const raw of rl) {
        const line = raw.trim();
        try {
          if (line === '') {
            // nothing to say
          } else if (line.startsWith('/')) {
            const [cmd, ...rest] = line.split(/\s+/);
            const arg = rest.join(' ');
            if (cmd === '/exit' || cmd === '/quit') break;
            else if (cmd === '/help') out(HELP + '\n');
            else if (cmd === '/steer') {
              if (!arg) throw new Error('/steer needs an artifact, e.g. /steer ocean.steer.safetensors:x2');
              session.steer(rest);
              out(`steering: ${steeringLine()}\n`);
            } else if (cmd === '/unsteer') {
              const n = session.unsteer(arg || undefined);
              if (arg && n === 0) throw new Error(`no artifact named ${arg} is in use (steering: ${steeringLine()})`);
              out(`steering: ${steeringLine()}\n`);
            } else if (cmd === '/steering') out(`steering: ${steeringLine()}\n`);
            else if (cmd === '/compare') {
              if (arg !== 'on' && arg !== 'off') throw new Error('/compare takes on or off');
              compare = arg === 'on';
            } else if (cmd === '/reset') {
              session.reset();
              out('(conversation cleared)\n');
            } else if (cmd === '/history') {
              for (const m of session.history) out(`${m.role}: ${m.content}\n`);
            } else throw new Error(`unknown command ${cmd} (/help lists them)`);
          } else {
            const steered = session.steering.length > 0;
            if (compare && steered) {
              out('unsteered> ');
              session.say(line, out, { steered: false, remember: false });
              out('\n');
            }
            out(steered ? 'steered> ' : 'model> ');
            const r = session.say(line, out);
            out('\n');
            if (r.dropped) out(`(the ${r.dropped} oldest exchange${r.dropped > 1 ? 's were' : ' was'} dropped to fit the model's context)\n`);
          }
        } catch (e) {
          // A bad command or message ends the turn, not the session.
          process.stderr.write(`error: ${(e as Error).message}\n`);
          if (!tty) process.exitCode = 1;
        }
        if (tty) rl.prompt();
      }
      rl.close();
    });
}
