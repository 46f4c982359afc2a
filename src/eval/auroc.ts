// Area under the ROC curve: the probability that a random positive scores higher than a random
// negative, ties counting one half (the Mann–Whitney U statistic over n⁺·n⁻). Computed from
// average ranks in O(n log n); invariant to any strictly increasing rescaling of the scores.

export function auroc(scores: readonly number[], labels: readonly (number | boolean)[]): number {
  if (scores.length !== labels.length) throw new Error(`auroc: ${scores.length} scores but ${labels.length} labels`);
  const y = labels.map((l, i) => {
    if (l === 1 || l === true) return 1;
    if (l === 0 || l === false) return 0;
    throw new Error(`auroc: label ${i} is ${JSON.stringify(l)}; expected 1/0 or true/false`);
  });
  scores.forEach((s, i) => {
    if (Number.isNaN(s)) throw new Error(`auroc: score ${i} is NaN`);
  });
  const nPos = y.reduce<number>((a, b) => a + b, 0);
  const nNeg = y.length - nPos;
  if (nPos === 0 || nNeg === 0) throw new Error(`auroc: needs both positive and negative examples (got ${nPos} positive of ${y.length})`);
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  // Sum of the (1-based, tie-averaged) ranks of the positives.
  let rankSumPos = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[order[k]!] === 1) rankSumPos += avgRank;
    i = j + 1;
  }
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
