// Text from strangers (an artifact's name, a file name, a Host header) printed to a terminal or a
// log: control characters could move the cursor, recolour or rewrite the screen, and bidirectional
// overrides could show text in another order than it is (Trojan Source), so each is shown escaped.

// C0 controls (tab and newline too: every escaped text stays on one line), DEL and C1 controls,
// the line and paragraph separators, and the bidirectional marks, embeddings, overrides and isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `s` with every control or bidirectional-override character written as \xNN or \u{NNNN}. */
export function escapeControl(s: string): string {
  return s.replace(UNSAFE, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
  });
}

/** A value for a one-line message: JSON (or its type, when it has none), cut at `max` characters, escaped. */
export function shownValue(v: unknown, max = 40): string {
  let s: string;
  try {
    // JSON writes Infinity and NaN as null; a message should say what they are.
    s = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = typeof v;
  }
  return escapeControl(s.length > max ? `${s.slice(0, max)}…` : s);
}
