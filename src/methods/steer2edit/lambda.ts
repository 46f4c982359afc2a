// The closed-form Elastic-Net magnitude of one component's edit (methods.md §3.8, step 4):
//
//   λ = sign(g) · max(|g| − ρα, 0) / (ρ(1 − α))
//
// the minimiser of −g·λ + ρ(α|λ| + ½(1 − α)λ²): reward the edit for its alignment g ∈ [−1, 1]
// (how well the component already writes the steering direction) and charge it an Elastic-Net
// penalty (setting the derivative −g + ρα·sign(λ) + ρ(1 − α)λ to zero gives the form above).
// |g| ≤ ρα gives exactly 0 (the L1 part makes edits sparse); λ is odd in g; ρ ≤ 0 switches the
// family off (the reference code's convention).

export function elasticNetLambda(g: number, rho: number, alpha: number): number {
  if (!(rho > 0)) return 0;
  if (!(alpha >= 0 && alpha < 1)) throw new Error(`elastic net: alpha must be in [0, 1), got ${alpha}`);
  const over = Math.abs(g) - rho * alpha;
  if (!(over > 0)) return 0;
  return (Math.sign(g) * over) / (rho * (1 - alpha));
}
