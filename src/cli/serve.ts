// `steerling serve`: an OpenAI-compatible HTTP server that steers per request with the artifacts
// loaded at startup (see src/serve/ and the Server section of the README).
import type { Command } from 'commander';
import { basename } from 'node:path';
import { isIP } from 'node:net';
import { loadModel } from '../models/load.js';
import { buildApp, LOG_LEVELS, type LogLevel } from '../serve/app.js';
import { parseAllowedHosts } from '../serve/hosts.js';
import { ArtifactRegistry, parseNamedPath } from '../serve/registry.js';
import { intArg, numArg, collect } from './options.js';
import { modelRef } from './model-ref.js';
import { CHAT_TEMPLATE_HELP, CHAT_TEMPLATE_OPTION, chatTemplateOptions } from './chat-template-flag.js';

interface ServeFlags {
  model?: string;
  modelName?: string;
  steer?: string[];
  artifacts?: string[];
  force?: boolean;
  chatTemplate?: string;
  host: string;
  port: number;
  apiKey?: string;
  maxTokensLimit: number;
  defaultMaxTokens: number;
  queue: number;
  timeout: number;
  bodyLimit: number;
  playground: boolean;
  maxPromptChars?: number;
  allowedHosts?: string[];
  logLevel: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('an OpenAI-compatible HTTP server that applies steering artifacts per request')
    .option('-m, --model <path-or-id>', 'model folder, hub id in the HF cache, or "organism" (default)')
    .option('--model-name <id>', 'the model id clients send and /v1/models lists (default: the hub id or folder name)')
    .option('--steer <name=path>', 'load an artifact under a name requests use (repeatable)', collect)
    .option('--artifacts <dir>', 'load every *.steer.safetensors in a folder, named by file stem (repeatable)', collect)
    .option('--force', 'load artifacts even when they were fitted on another model')
    .option(CHAT_TEMPLATE_OPTION, `${CHAT_TEMPLATE_HELP} (for /v1/chat/completions)`)
    .option('--host <host>', 'address to bind (127.0.0.1 = this machine only)', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', intArg('--port'), 8080)
    .option('--api-key <key>', 'require "Authorization: Bearer KEY" (default: $STEERLING_API_KEY; none when unset)')
    .option('--max-tokens-limit <n>', 'the largest max_tokens a request may ask for', intArg('--max-tokens-limit', 1), 1024)
    .option('--default-max-tokens <n>', 'max_tokens when a request gives none', intArg('--default-max-tokens', 1), 256)
    .option('--queue <n>', 'requests that may wait while one runs; more get 429', intArg('--queue'), 8)
    .option('--timeout <seconds>', 'longest a request may take, waiting included', numArg('--timeout', 1), 300)
    .option('--body-limit <bytes>', 'largest request body', intArg('--body-limit', 1024), 1024 * 1024)
    .option('--no-playground', 'do not serve the web playground at /')
    .option('--max-prompt-chars <n>', 'longest prompt in characters, refused before tokenizing (default: 16 per position of the model\'s context)', intArg('--max-prompt-chars', 1))
    .option('--allowed-hosts <names>', 'host names requests may be addressed to besides the server\'s own address (comma-separated, repeatable; "any" turns the DNS-rebinding check off)', collect)
    .option('--log-level <level>', `request logs on stderr, JSON lines (${LOG_LEVELS.join(', ')})`, 'info')
    .action(async (f: ServeFlags) => {
      if (!(LOG_LEVELS as readonly string[]).includes(f.logLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${f.logLevel}"`);
      // An empty key (an unset variable: --api-key "$KEY") would silently serve without one.
      if (f.apiKey !== undefined && f.apiKey.trim() === '') throw new Error('--api-key is empty (an unset variable?): give a key, or leave the flag out to serve without one');
      const envKey = process.env['STEERLING_API_KEY'];
      if (f.apiKey === undefined && envKey !== undefined && envKey.trim() === '') throw new Error('STEERLING_API_KEY is set but empty: give a key, or unset it to serve without one');
      // A name given to --host is one the server answers to, as its address is.
      const allowedHosts = parseAllowedHosts([...(f.allowedHosts ?? []), ...(isIP(f.host) ? [] : [f.host])]);
      const ref = modelRef(f.model);
      const lm = await loadModel(ref, chatTemplateOptions(f.chatTemplate));
      const registry = new ArtifactRegistry(lm.model, f.force ?? false);
      for (const spec of f.steer ?? []) {
        const { name, path } = parseNamedPath(spec);
        registry.add(name, path);
      }
      for (const dir of f.artifacts ?? []) registry.addFolder(dir);
      const modelId = f.modelName ?? (f.model === undefined || f.model === 'organism' ? 'organism' : lm.repoId ?? basename(lm.dir.replace(/\/+$/, '')));
      const apiKey = f.apiKey ?? envKey ?? null;
      const app = buildApp({
        model: lm, modelId, registry, apiKey,
        maxTokensLimit: f.maxTokensLimit, defaultMaxTokens: f.defaultMaxTokens,
        queue: f.queue, timeoutSeconds: f.timeout, bodyLimit: f.bodyLimit, playground: f.playground,
        allowedHosts, logLevel: f.logLevel as LogLevel, ...(f.maxPromptChars !== undefined ? { maxPromptChars: f.maxPromptChars } : {}),
      });
      const address = await app.listen({ host: f.host, port: f.port });
      if (!LOOPBACK.has(f.host) && !apiKey) console.error(`steerling serve: warning: listening on ${f.host} without an API key; anyone who can reach it can use the model (set --api-key or STEERLING_API_KEY)`);
      console.error(`steerling serve: ${modelId} on ${address}/v1 (artifacts: ${registry.size ? registry.names().join(', ') : 'none'}${apiKey ? '; API key required' : ''})`);
      if (f.playground) console.error(`steerling serve: playground at ${address}/`);
      const stop = () => {
        void app.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
