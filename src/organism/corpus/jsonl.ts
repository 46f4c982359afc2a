// JSONL writers for the corpus and the labelled sets.

import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Chat } from './chat.js';
import { corpusStats, trainingText, type Corpus } from './corpus.js';

/** One JSON value per line. */
export function toJsonl(rows: readonly unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

export function writeJsonl(path: string, rows: readonly unknown[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, toJsonl(rows));
}

/** A corpus line: the chat, its labels and its rendered training text. */
export function chatRow(c: Chat): { family: string; messages: Chat['messages']; meta: Chat['meta']; text: string } {
  return { family: c.family, messages: c.messages, meta: c.meta, text: trainingText(c) };
}

/**
 * Writes train.jsonl, heldout.jsonl and corpus.json (version, seed, sizes in tokens) into dir.
 * Streams the lines, so a large corpus does not need one big string.
 */
export async function writeCorpus(dir: string, corpus: Corpus): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [name, chats] of [['train.jsonl', corpus.train], ['heldout.jsonl', corpus.heldOut]] as const) {
    const out = createWriteStream(join(dir, name));
    for (const c of chats) {
      if (!out.write(JSON.stringify(chatRow(c)) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
  const info = { version: corpus.version, seed: corpus.seed, train: corpusStats(corpus.train), heldOut: corpusStats(corpus.heldOut) };
  writeFileSync(join(dir, 'corpus.json'), JSON.stringify(info, null, 2) + '\n');
}
