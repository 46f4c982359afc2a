// --chat-template FILE (generate, chat, serve): a Jinja chat template, as Hugging Face's
// chat_template.jinja, used instead of the model's own — the way to chat with a model that ships none.
import { readFileSync, statSync } from 'node:fs';
import { checkChatTemplate } from '../tokenizer/chat-template.js';

export const CHAT_TEMPLATE_OPTION = '--chat-template <file>';
export const CHAT_TEMPLATE_HELP = "a Jinja chat template file (as Hugging Face's chat_template.jinja) to use instead of the model's";

/** The template in `file`, checked to parse; a missing, empty or unparsable file fails in one line. */
export function readChatTemplate(file: string): string {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new Error(`--chat-template ${file}: is a folder, not a Jinja file`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new Error(`--chat-template ${file}: no such file`);
    if (err.code) throw new Error(`--chat-template ${file}: cannot read it (${err.code})`);
    throw err;
  }
  if (text.trim() === '') throw new Error(`--chat-template ${file}: the file is empty`);
  checkChatTemplate(text, `--chat-template ${file}`);
  return text;
}

/** loadModel options for the flag's value (none when the flag is absent). */
export function chatTemplateOptions(file: string | undefined): { chatTemplate?: string } {
  return file === undefined ? {} : { chatTemplate: readChatTemplate(file) };
}

/** The error for a chat command on a model without a template. */
export function noChatTemplate(dir: string): Error {
  return new Error(`${dir} has no chat template; give one with --chat-template FILE (a Jinja file, as Hugging Face's chat_template.jinja)`);
}
