// JSONL reading with errors that name the file and line. The file must be a regular file of at
// most MAX_JSONL_BYTES in UTF-8 (a leading byte-order mark is skipped, as editors on Windows write
// one); invalid UTF-8 is refused with its line rather than read as replacement characters.
import { readFileSync, statSync } from 'node:fs';

export const MAX_JSONL_BYTES = 1 << 30;

export function readJsonl(path: string): unknown[] {
  return readJsonlLines(path).records;
}

/** The records and the 1-based file line of each (blank lines are skipped, so they differ). */
export function readJsonlLines(path: string): { records: unknown[]; lines: number[] } {
  const text = readDataText(path, 'a JSONL file');
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

/** A data file's text: a regular file of at most MAX_JSONL_BYTES, UTF-8 (`what` names the kind expected). */
export function readDataText(path: string, what: string): string {
  let bytes: Buffer;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new Error(`${path} is a folder; give ${what}`);
    if (!st.isFile()) throw new Error(`${path} is not a regular file (a device, pipe or socket); give ${what}`);
    if (st.size > MAX_JSONL_BYTES) throw new Error(`${path} has ${st.size} bytes, more than the ${MAX_JSONL_BYTES}-byte limit for a data file`);
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw code ? new Error(`${path}: cannot read (${code})`) : e;
  }
  return decodeUtf8(bytes, path);
}

/** UTF-8 without a leading byte-order mark; invalid bytes are an error naming their line. */
function decodeUtf8(bytes: Buffer, path: string): string {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    // Find the first bad line for the message.
    let start = 0;
    for (let line = 1; start <= body.length; line++) {
      let end = body.indexOf(0x0a, start);
      if (end < 0) end = body.length;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(start, end));
      } catch {
        throw new Error(`${path}:${line}: not valid UTF-8 (save the file as UTF-8)`);
      }
      start = end + 1;
    }
    throw new Error(`${path}: not valid UTF-8 (save the file as UTF-8)`);
  }
}
