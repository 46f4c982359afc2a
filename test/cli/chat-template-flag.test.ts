// --chat-template FILE on generate, chat and serve: a model without a chat template says how to
// give one, the file's template is then what the prompt goes through, and a bad file fails in
// one line before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, STORIES, cli, json, oneLineError, tempDir } from './helpers.js';
import { loadModel } from '../../src/models/load.js';

const TEMPLATE = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}";

/** stories260K without its chat template, and a Jinja file with another one. */
function fixture(): { model: string; template: string; dir: string } {
  const dir = tempDir();
  const model = join(dir, 'plain');
  mkdirSync(model);
  for (const f of ['config.json', 'generation_config.json', 'tokenizer.json', 'special_tokens_map.json', 'model.safetensors']) copyFileSync(join(STORIES, f), join(model, f));
  const cfg = JSON.parse(readFileSync(join(STORIES, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  delete cfg['chat_template'];
  writeFileSync(join(model, 'tokenizer_config.json'), JSON.stringify(cfg));
  const template = join(dir, 'chat_template.jinja');
  writeFileSync(template, TEMPLATE);
  return { model, template, dir };
}

test('generate --chat without a chat template points at --chat-template; with it, the prompt goes through the file', async () => {
  const { model, template } = fixture();
  const none = await cli(['generate', '--model', model, '--chat', '--prompt', 'hi', '-n', '2']);
  assert.match(oneLineError(none), /has no chat template; give one with --chat-template FILE \(a Jinja file, as Hugging Face's chat_template\.jinja\)/);

  const m = await loadModel(model);
  const want = m.tokenizer!.applyChatTemplate([{ role: 'user', content: 'Once upon a time' }], { addGenerationPrompt: true, template: TEMPLATE }).ids;
  for (const extra of [['--chat'], []]) {
    const r = json<{ token_ids: number[]; prompt_tokens: number }>(await cli(['generate', '--model', model, ...extra, '--chat-template', template, '--prompt', 'Once upon a time', '-n', '4', '--json']));
    assert.equal(r.prompt_tokens, want.length, '--chat-template implies --chat');
    assert.deepEqual(r.token_ids.slice(0, want.length), want);
  }
  // The library takes the same template as a string.
  const lm = await loadModel(model, { chatTemplate: TEMPLATE });
  assert.equal(lm.tokenizer!.chatTemplate, TEMPLATE);
});

test('chat without a chat template points at --chat-template; with it, the session runs', async () => {
  const { model, template } = fixture();
  const none = await cli(['chat', '--model', model, '-n', '2'], { input: 'hi\n' });
  assert.match(oneLineError(none), /has no chat template \(tokenizer_config\.json "chat_template"\); give one with --chat-template FILE/);
  const r = await cli(['chat', '--model', model, '-n', '4', '--chat-template', template], { input: 'Once upon a time\n/exit\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^model> \S/);
});

test('--chat-template: a missing, folder, empty or unparsable file fails in one line', async () => {
  const { model, dir } = fixture();
  const empty = join(dir, 'empty.jinja');
  writeFileSync(empty, ' \n');
  const broken = join(dir, 'broken.jinja');
  writeFileSync(broken, '{% if %}');
  const cases: [string, RegExp][] = [
    [join(dir, 'nope.jinja'), /--chat-template .*nope\.jinja: no such file$/],
    [dir, /--chat-template .*: is a folder, not a Jinja file$/],
    [empty, /--chat-template .*empty\.jinja: the file is empty$/],
    [broken, /--chat-template .*broken\.jinja: chat template could not be parsed: /],
  ];
  for (const [file, re] of cases) {
    assert.match(oneLineError(await cli(['generate', '--model', model, '--chat-template', file, '--prompt', 'x'])), re);
    assert.match(oneLineError(await cli(['chat', '--model', model, '--chat-template', file], { input: '' })), re);
  }
});

test('serve --chat-template: chat completions on a model without a template', async () => {
  const { model, template } = fixture();
  const p = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--model', model, '--chat-template', template, '--no-playground'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => p.once('exit', resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`no address within 20 s: ${err}`)), 20000);
      p.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const hit = / on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(err);
        if (hit) {
          clearTimeout(timer);
          resolve(hit[1]!);
        }
      });
      p.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    const r = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ messages: [{ role: 'user', content: 'Once upon a time' }], max_tokens: 3 }) });
    assert.equal(r.status, 200, await r.clone().text());
    const body = (await r.json()) as { usage: { prompt_tokens: number } };
    const m = await loadModel(model);
    assert.equal(body.usage.prompt_tokens, m.tokenizer!.applyChatTemplate([{ role: 'user', content: 'Once upon a time' }], { addGenerationPrompt: true, template: TEMPLATE }).ids.length);
  } finally {
    p.kill('SIGTERM');
    await exited;
  }
});

test('train and trace take --chat-template too: without a template --chat points at the flag; with it, prompts go through the file', async () => {
  const { model, template, dir } = fixture();
  const data = join(ROOT, 'examples', 'stories260K', 'dog.jsonl');
  const pairs = join(ROOT, 'examples', 'stories260K', 'trace-dog.jsonl');
  const train = (out: string, ...extra: string[]) => cli(['train', 'diffmean', '--model', model, '--data', data, '--site', 'layers.2.resid_post', '--out', join(dir, out), '--json', ...extra]);
  const trace = (...extra: string[]) => cli(['trace', '--model', model, '--pairs', pairs, '--concept-words', 'dog', '--sites', 'resid', '--layers', '0', '--reply-tokens', '3', '--json', ...extra]);
  const [noTemplate, plain, templated, traceNone, tracePlain, traceTemplated] = await Promise.all([
    train('a', '--chat'), train('b'), train('c', '--chat-template', template),
    trace('--chat'), trace('--no-chat'), trace('--chat-template', template),
  ]);
  assert.match(oneLineError(noTemplate), /has no chat template; give one with --chat-template FILE/);
  assert.match(oneLineError(traceNone), /has no chat template; give one with --chat-template FILE, or run without --chat/);
  type Meta = { stats: { mu_pos: number } };
  assert.notEqual(json<Meta>(templated).stats.mu_pos, json<Meta>(plain).stats.mu_pos, 'the template changes what the method reads');
  type Trace = { chat: string; base: number };
  assert.equal(json<Trace>(tracePlain).chat, 'false');
  assert.equal(json<Trace>(traceTemplated).chat, 'true');
  assert.notEqual(json<Trace>(traceTemplated).base, json<Trace>(tracePlain).base, 'the template changes the traced runs');
});
