// Learning-rate schedules as pure functions of the step: linear decay (CDAS) and warmup+cosine.

/** Linear decay from lr to 0 over total steps, after an optional linear warmup. */
export function linearSchedule(step: number, total: number, lr: number, warmup = 0): number {
  if (step < warmup) return (lr * (step + 1)) / warmup;
  return lr * Math.max(0, (total - step) / Math.max(1, total - warmup));
}

/** Linear warmup, then cosine decay from lr to minLr at total steps. */
export function cosineSchedule(step: number, total: number, lr: number, warmup = 0, minLr = 0): number {
  if (step < warmup) return (lr * (step + 1)) / warmup;
  const p = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * p));
}
