// Ridge (L2) logistic regression solved to its optimum, in float64:
//   minimise (1/n) Σ log(1 + exp(−y_i (w·x_i + b))) + (λ/2)‖w‖²,  y_i = ±1, b unpenalised.
// Newton's method with the step from conjugate gradients on Hessian-vector products
// (Xᵀ D X v / n + λv costs one pass over the data), so it never forms the d×d Hessian and runs at
// a 4096-wide residual stream as well as at 64. The objective is strictly convex for λ > 0, so
// the optimum is unique: the fitted direction depends on the data and λ only, not on a learning
// rate, a step count or an initialisation (what the plain AdamW probe's direction depends on).

export interface RidgeFit {
  w: Float64Array;
  b: number;
  /** The objective at the optimum. */
  loss: number;
  /** Newton iterations taken. */
  iterations: number;
}

const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));
const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** x: n rows of width d (row-major); labels 0/1. */
export function fitRidgeLogistic(x: Float64Array, n: number, d: number, labels: readonly number[], lambda: number, opts: { maxIter?: number; tol?: number } = {}): RidgeFit {
  if (!(lambda > 0)) throw new Error(`ridge logistic: λ must be > 0, got ${lambda}`);
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-9;
  const y = labels.map((l) => (l === 1 ? 1 : -1));
  // θ = (w, b): the intercept is the last coordinate.
  const theta = new Float64Array(d + 1);
  const z = new Float64Array(n);
  const margins = (t: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++) {
      let s = t[d]!;
      for (let j = 0; j < d; j++) s += t[j]! * x[i * d + j]!;
      out[i] = s;
    }
  };
  const objective = (zs: Float64Array, t: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += softplus(-y[i]! * zs[i]!);
    let r = 0;
    for (let j = 0; j < d; j++) r += t[j]! ** 2;
    return s / n + 0.5 * lambda * r;
  };
  margins(theta, z);
  let loss = objective(z, theta);
  let it = 0;
  const g = new Float64Array(d + 1);
  const curv = new Float64Array(n);
  // H v = Xᵀ D X v / n + λ v (b's row and column unpenalised; a hair of damping keeps CG safe).
  const hv = (v: Float64Array, out: Float64Array) => {
    out.fill(0);
    for (let i = 0; i < n; i++) {
      let s = v[d]!;
      for (let j = 0; j < d; j++) s += v[j]! * x[i * d + j]!;
      const c = (curv[i]! * s) / n;
      for (let j = 0; j < d; j++) out[j] = out[j]! + c * x[i * d + j]!;
      out[d] = out[d]! + c;
    }
    for (let j = 0; j < d; j++) out[j] = out[j]! + lambda * v[j]!;
    out[d] = out[d]! + 1e-12 * v[d]!;
  };
  for (; it < maxIter; it++) {
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(-y[i]! * z[i]!);
      const c = (-y[i]! * p) / n;
      for (let j = 0; j < d; j++) g[j] = g[j]! + c * x[i * d + j]!;
      g[d] = g[d]! + c;
      const s = sigmoid(z[i]!);
      curv[i] = s * (1 - s);
    }
    for (let j = 0; j < d; j++) g[j] = g[j]! + lambda * theta[j]!;
    const gn = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
    if (gn < tol) break;
    const step = conjugateGradient(hv, g, d + 1, Math.min(2 * (d + 1), 500), Math.min(0.5, Math.sqrt(gn)) * gn);
    // Backtracking (Armijo) along the Newton direction −step.
    let slope = 0;
    for (let j = 0; j <= d; j++) slope -= g[j]! * step[j]!;
    let a = 1;
    const cand = new Float64Array(d + 1);
    const zc = new Float64Array(n);
    let next = loss;
    for (let k = 0; k < 40; k++) {
      for (let j = 0; j <= d; j++) cand[j] = theta[j]! - a * step[j]!;
      margins(cand, zc);
      next = objective(zc, cand);
      if (next <= loss + 1e-4 * a * slope) break;
      a /= 2;
    }
    if (!(next < loss)) break; // no further decrease to rounding: at the optimum
    theta.set(cand);
    z.set(zc);
    const done = loss - next < 1e-15 * Math.max(1, loss);
    loss = next;
    if (done) break;
  }
  return { w: theta.slice(0, d), b: theta[d]!, loss, iterations: it };
}

/** Solves H p = g approximately (H symmetric positive definite, given as a product). */
function conjugateGradient(hv: (v: Float64Array, out: Float64Array) => void, g: Float64Array, m: number, maxIter: number, tol: number): Float64Array {
  const p = new Float64Array(m);
  const r = Float64Array.from(g);
  const dir = Float64Array.from(g);
  const hd = new Float64Array(m);
  let rr = r.reduce((s, v) => s + v * v, 0);
  for (let k = 0; k < maxIter && Math.sqrt(rr) > tol; k++) {
    hv(dir, hd);
    let dhd = 0;
    for (let j = 0; j < m; j++) dhd += dir[j]! * hd[j]!;
    if (!(dhd > 0)) break;
    const a = rr / dhd;
    for (let j = 0; j < m; j++) {
      p[j] = p[j]! + a * dir[j]!;
      r[j] = r[j]! - a * hd[j]!;
    }
    const rr2 = r.reduce((s, v) => s + v * v, 0);
    const beta = rr2 / rr;
    rr = rr2;
    for (let j = 0; j < m; j++) dir[j] = r[j]! + beta * dir[j]!;
  }
  return p;
}

/** Share of rows whose sign of w·x + b matches the label. */
export function accuracy(x: Float64Array, n: number, d: number, labels: readonly number[], w: ArrayLike<number>, b: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let s = b;
    for (let j = 0; j < d; j++) s += w[j]! * x[i * d + j]!;
    if ((s > 0 ? 1 : 0) === labels[i]) ok++;
  }
  return ok / Math.max(1, n);
}

/** Mean log-loss of rows under (w, b). */
export function logLoss(x: Float64Array, n: number, d: number, labels: readonly number[], w: ArrayLike<number>, b: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) {
    let z = b;
    for (let j = 0; j < d; j++) z += w[j]! * x[i * d + j]!;
    s += softplus(labels[i] === 1 ? -z : z);
  }
  return s / Math.max(1, n);
}
