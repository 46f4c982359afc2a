// A persistent cache of judge-model texts, so a rerun asks nothing twice and a crash loses only
// the rating in flight: one JSON line per judgement, appended (synchronously) the moment it
// arrives. The key hashes the judge's identity (kind, model, URL, settings, rubric version) with
// the exact prompt. Texts are stored raw and parsed on every read, so a change to the parsing
// rules applies to cached judgements too. A torn last line (a crash mid-write) is skipped.
//
//   const cache = JudgementCache.open('.steerling-cache/judgements.jsonl');

import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createHash } from 'node:crypto';

export const DEFAULT_JUDGE_CACHE = '.steerling-cache/judgements.jsonl';

export function judgementKey(identity: string, prompt: string): string {
  return createHash('sha256').update(identity).update('\u0000').update(prompt).digest('hex');
}

interface Line {
  key: string;
  judge: string;
  text: string;
}

export class JudgementCache {
  private readonly texts = new Map<string, string>();
  /** Lines that could not be read (a torn write), skipped. */
  readonly skipped: number = 0;
  /** The file ends inside a line (a crash mid-write): the next append starts a new line. */
  private torn = false;

  private constructor(readonly path: string) {
    if (!existsSync(path)) return;
    let skipped = 0;
    const all = readFileSync(path, 'utf8');
    this.torn = all.length > 0 && !all.endsWith('\n');
    for (const raw of all.split('\n')) {
      if (!raw.trim()) continue;
      try {
        const l = JSON.parse(raw) as Partial<Line>;
        if (typeof l.key === 'string' && typeof l.text === 'string') this.texts.set(l.key, l.text);
        else skipped++;
      } catch {
        skipped++;
      }
    }
    this.skipped = skipped;
  }

  static open(path: string): JudgementCache {
    return new JudgementCache(path);
  }

  get size(): number {
    return this.texts.size;
  }

  get(key: string): string | undefined {
    return this.texts.get(key);
  }

  /** Records a judgement and appends it to the file at once. */
  put(key: string, judge: string, text: string): void {
    if (this.texts.get(key) === text) return;
    this.texts.set(key, text);
    mkdirSync(dirname(this.path), { recursive: true });
    // A torn last line must not swallow this one: start on a fresh line after a crash.
    appendFileSync(this.path, (this.torn ? '\n' : '') + JSON.stringify({ key, judge, text } satisfies Line) + '\n');
    this.torn = false;
  }
}
