// LinEAS's proximal step (methods.md §3.6; the paper's Algorithm 1): after each gradient step, the
// sparse-group-lasso prox on each layer's departure from the identity, u = ω − 1 and u = b
// separately:
//
//   soft-thresholding   u_j ← sign(u_j)·max(|u_j| − γλ₁, 0)          (ℓ1: selects coordinates)
//   group shrinkage     u ← u·max(0, 1 − γλ_G/‖u‖₂)                  (group lasso: selects layers)
//
// with γ the step's learning rate. Both set values exactly to zero, so a map the data does not
// need returns exactly to the identity and can be left out of the artifact.

export interface Sparsity {
  /** λ₁: weight of the ℓ1 penalty on ω − 1 and on b. */
  l1: number;
  /** λ_G: weight of the group-lasso penalty on each layer's ω − 1 and on its b. */
  group: number;
}

/** Proximal operator of γ(λ₁‖u‖₁ + λ_G‖u‖₂) on u = x − centre, applied to x in place. */
export function proxSparseGroup(x: Float32Array, centre: number, gamma: number, s: Sparsity): void {
  const t1 = gamma * s.l1;
  let sq = 0;
  for (let j = 0; j < x.length; j++) {
    const u = x[j]! - centre;
    const shrunk = Math.sign(u) * Math.max(Math.abs(u) - t1, 0);
    x[j] = shrunk;
    sq += shrunk * shrunk;
  }
  const norm = Math.sqrt(sq);
  const keep = norm > 0 ? Math.max(0, 1 - (gamma * s.group) / norm) : 0;
  for (let j = 0; j < x.length; j++) x[j] = centre + keep * x[j]!;
}

export function checkSparsity(s: Sparsity): void {
  for (const [k, v] of Object.entries(s)) if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`lineas: the ${k === 'l1' ? 'l1' : 'group-lasso'} weight must be a number ≥ 0, got ${v}`);
}
