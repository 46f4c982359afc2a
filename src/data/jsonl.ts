// JSONL reading with errors that name the file and line.
import { readFileSync } from 'node:fs';

export function readJsonl(path: string): unknown[] {
  return readJsonlLines(path).records;
}

/** The records and the 1-based file line of each (blank lines are skipped, so they differ). */
export function readJsonlLines(path: string): { records: unknown[]; lines: number[] } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const out: unknown[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(JSON.parse(line));
      lines.push(i + 1);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
  });
  if (out.length === 0) throw new Error(`${path}: no records`);
  return { records: out, lines };
}
