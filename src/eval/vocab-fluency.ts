// A fluency check for a model without a grammar judge (stories260K): a continuation is fluent when
// at least 80% of its letters are in words of normal English for this model — the words of its own
// unsteered greedy continuations of neutral openings, plus the words of the training data — and no
// word repeats more than 3 times in a row. Words are weighted by their length, so one long run of
// junk ("playgggggggggggg") counts as much as the letters it spends.

const MAX_RUN = 3;
const KNOWN_SHARE = 0.8;

export const words = (t: string): string[] => t.toLowerCase().match(/[a-z']+/g) ?? [];

/** The vocabulary of normal text: every word of the given texts. */
export function vocabularyOf(texts: readonly string[]): Set<string> {
  return new Set(texts.flatMap(words));
}

export function fluent(text: string, vocab: ReadonlySet<string>): boolean {
  const ws = words(text);
  if (ws.length < 5) return false;
  const letters = (a: string[]) => a.reduce((n, w) => n + w.length, 0);
  const known = letters(ws.filter((w) => vocab.has(w))) / letters(ws);
  let run = 1;
  for (let i = 1; i < ws.length; i++) {
    run = ws[i] === ws[i - 1] ? run + 1 : 1;
    if (run > MAX_RUN) return false;
  }
  return known >= KNOWN_SHARE;
}
