// What `eval claims` reports: per claim of a paper, the rows measured on the organism (each a value
// with its 95% interval) and a verdict against a stated bar.

export interface ClaimRow {
  label: string;
  value: number;
  lo: number;
  hi: number;
  /** score: AxBench 0–2; rate: a share; change: steered − unsteered. */
  unit: 'score' | 'rate' | 'change';
  /** What was measured on how many examples, and with which interval. */
  note?: string;
}

export interface ClaimSection {
  id: string;
  title: string;
  /** The paper's words (or the issue's), and where. */
  claim: string;
  /** The setting measured: model, site, data, strengths. */
  setting: string;
  rows: ClaimRow[];
  /** The bar this run checks, the outcome, and whether it was met (null: descriptive, no bar). */
  bar: string;
  verdict: string;
  met: boolean | null;
}

export interface ClaimsResult {
  model: string;
  sections: ClaimSection[];
  settings: Record<string, unknown>;
  seconds: number;
}
