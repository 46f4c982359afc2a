// Numbers as a person reads them in a terminal line: a few significant digits and never an
// exponent ("117.9", "0.00123", not "1.18e+2"), since a strength or range is read, not parsed.

/** At most `digits` significant digits, no exponent, no grouping; -0 prints as 0. */
export function readableNumber(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  return x.toLocaleString('en-US', { maximumSignificantDigits: digits, useGrouping: false });
}
