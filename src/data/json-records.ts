// Records from a JSONL file (one object a line) or a JSON file (`.json`: an array of objects, or an
// object holding them under `listKey`), each with the file line it starts on, so that every error
// about a record can name `file:line` whichever form the user wrote.
import { readDataText, readJsonlLines } from './jsonl.js';

export function readRecords(path: string, listKey: string): { records: unknown[]; lines: number[] } {
  if (!path.toLowerCase().endsWith('.json')) return readJsonlLines(path);
  const text = readDataText(path, 'a JSON file');
  let top: unknown;
  try {
    top = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const at = errorOffset(msg, text);
    throw new Error(`${path}${at === null ? '' : `:${lineAt(text, at)}`}: not valid JSON (${msg.replace(/\s+/g, ' ')})`);
  }
  const list = Array.isArray(top) ? top : top && typeof top === 'object' ? (top as Record<string, unknown>)[listKey] : undefined;
  if (!Array.isArray(list)) throw new Error(`${path}:1: expected a JSON array of records, or an object with "${listKey}": [...]`);
  if (list.length === 0) throw new Error(`${path}: no records`);
  const starts = elementStarts(text, Array.isArray(top) ? 1 : 2);
  return { records: list, lines: list.map((_, i) => lineAt(text, starts[i] ?? 0)) };
}

/**
 * Where JSON.parse stopped: its "position N" where it says one, else found from the text it quotes
 * around the bad token (Node 20: `Unexpected token '}', ..."ure": }\n]" is not valid JSON`).
 */
function errorOffset(msg: string, text: string): number | null {
  const pos = /position (\d+)/.exec(msg);
  if (pos) return Number(pos[1]);
  const quoted = /"(?:\.\.\.)?([\s\S]*?)(?:\.\.\.)?" is not valid JSON$/.exec(msg);
  const token = /Unexpected token '([\s\S])'/.exec(msg);
  if (!quoted || !token) return null;
  const i = text.indexOf(quoted[1]!);
  return i < 0 ? null : i + Math.max(0, quoted[1]!.indexOf(token[1]!));
}

function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/**
 * Offsets where the elements of the first array at bracket depth `depth` start (depth 1: the top
 * array; 2: an array inside the top object). The text is valid JSON, so strings are the only thing
 * to step over.
 */
function elementStarts(text: string, depth: number): number[] {
  const out: number[] = [];
  let d = 0;
  let inString = false;
  let expecting = false;
  let arrayDepth = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (expecting && d === arrayDepth && c !== ']') {
      out.push(i);
      expecting = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      d++;
      if (c === '[' && d === depth && arrayDepth < 0) {
        arrayDepth = d;
        expecting = true;
      }
    } else if (c === ']' || c === '}') {
      if (d === arrayDepth && c === ']') return out;
      d--;
    } else if (c === ',' && d === arrayDepth) expecting = true;
  }
  return out;
}
