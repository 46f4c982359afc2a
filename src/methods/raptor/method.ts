// RAPTOR (Gao et al. 2026, "Ridge-Adaptive Logistic Probes"): an L2-regularised logistic probe
// whose ridge strength is chosen on a validation split; the concept vector is the normalised
// weight vector. The rest (orientation, strength, artifact) is the direction methods' (direction-fit.ts).
import { readActivations, directionArtifact } from '../direction-fit.js';
import { readOptions } from '../options.js';
import type { SteeringMethod } from '../types.js';
import { RAPTOR_OPTIONS, type RaptorOptions } from './options.js';
import { raptorDirection } from './select.js';

const parseOptions = (given: object | undefined) => readOptions<RaptorOptions>('raptor', RAPTOR_OPTIONS, given);

export const raptor: SteeringMethod<RaptorOptions> = {
  name: 'raptor',
  summary: 'ridge logistic probe, λ chosen on a validation split (RAPTOR)',
  needs: 'pairs-or-labelled',
  site: { use: 'required' },
  options: RAPTOR_OPTIONS,
  parseOptions,
  fit(ctx) {
    const o = parseOptions(ctx.options);
    const acts = readActivations(ctx, 'raptor');
    const r = raptorDirection(acts.data, acts.labels, acts.pairs, acts.width, { lambdas: o.lambdas, validation: o.validation, seed: ctx.seed ?? 0 });
    ctx.onProgress?.(1, 1, 'raptor', `λ ${r.lambda}`);
    const settings = { lambda: r.lambda, lambdas: r.grid.map((g) => g.lambda), validation: o.validation ?? r.valRows / (r.valRows + r.trainRows) };
    const stats = { lambda: r.lambda, grid_lambda: r.grid.map((g) => g.lambda), grid_val_accuracy: r.grid.map((g) => g.valAccuracy), grid_val_loss: r.grid.map((g) => g.valLoss), val_rows: r.valRows };
    return directionArtifact(ctx, 'raptor', acts, r.u, settings, { steps: r.iterations, finalLoss: r.loss, calibrate: o.strengthRule !== 'rho', stats });
  },
};
