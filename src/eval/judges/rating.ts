// Reading a judge model's rating (evaluation.md): the number after the LAST "Rating:" — judges often
// quote the format ("Rating: [[score]]") while explaining, and only the final one is the verdict.
// "[[n]]", "[n]" and a bare n are accepted (with markdown emphasis or quotes around them, as
// AxBench strips); a decimal in range counts as AxBench's parser lets it. Missing, not a number, or
// outside [0, max] gives 0 and parsed = false, so the report can say how many did not parse.

export interface Rating {
  score: number;
  parsed: boolean;
}

const AFTER = /^[\s*_"'`]*\[{0,2}\s*(-?\d+(?:\.\d+)?)/;

export function parseRating(text: string, max = 2): Rating {
  const at = text.lastIndexOf('Rating:');
  if (at < 0) return { score: 0, parsed: false };
  // The verdict sits on the line after the marker (or the next one when the marker ends its line).
  const rest = text.slice(at + 'Rating:'.length).trimStart();
  const m = AFTER.exec(rest.split('\n', 1)[0]!);
  if (!m) return { score: 0, parsed: false };
  const score = Number(m[1]);
  if (!(score >= 0 && score <= max)) return { score: 0, parsed: false };
  return { score, parsed: true };
}
