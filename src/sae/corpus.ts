// A text corpus for SAE training from a file: JSONL with a "text" field per line (or "prompt" and
// "completion", joined; or a pair's prompt with each of its replies), or plain text with one text per non-empty line. The last tenth of the
// texts (at least one) is held out for measurement when no separate evaluation corpus is given.
import { readFileSync } from 'node:fs';
import { escapeControl } from '../util/escape.js';

export function readCorpusTexts(path: string): string[] {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${escapeControl(path)}: cannot read the corpus (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lines = raw.split(/\r?\n/);
  const out: string[] = [];
  const jsonl = /\.jsonl$/i.test(path);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    if (!jsonl) return void out.push(line);
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`${escapeControl(path)}:${i + 1}: not JSON`);
    }
    const o = v as Record<string, unknown>;
    if (o && typeof o === 'object' && typeof o['text'] === 'string') out.push(o['text']);
    else if (o && typeof o === 'object' && typeof o['prompt'] === 'string' && typeof o['completion'] === 'string') out.push(`${o['prompt']}${o['completion']}`);
    else if (o && typeof o === 'object' && typeof o['positive'] === 'string' && typeof o['negative'] === 'string') out.push(`${o['prompt'] ?? ''}${o['positive']}`, `${o['prompt'] ?? ''}${o['negative']}`);
    else throw new Error(`${escapeControl(path)}:${i + 1}: needs a "text" string (or "prompt" and "completion", or a pair's "positive" and "negative")`);
  });
  if (out.length < 2) throw new Error(`${escapeControl(path)}: needs at least 2 texts, found ${out.length}`);
  return out;
}

/** Train and held-out texts of one corpus: the last tenth held out. */
export function holdOut<T>(texts: readonly T[]): { train: T[]; held: T[] } {
  const h = Math.max(1, Math.floor(texts.length / 10));
  return { train: texts.slice(0, texts.length - h), held: texts.slice(texts.length - h) };
}
