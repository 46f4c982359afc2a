// Arguments the eval commands share: the organism's concept lists, factor lists, additive methods.
import { CONCEPTS, isConceptId, type ConceptId } from '../organism/corpus/index.js';
import { loadSae } from '../sae/file.js';

export const ADDITIVE = ['diffmean', 'pca', 'probe', 'reps', 'bipo', 'sae'];
/** Methods that work in an SAE's latent space: they need --sae, and read and steer at its site. */
export const SAE_METHODS = ['sae'];

/** The site eval reads and steers: the SAE's for SAE methods (a --layer must agree), else the given or middle block's output. */
export function evalSite(f: { method: string; layer?: number; sae?: string }, layers: number): string {
  if (SAE_METHODS.includes(f.method)) {
    if (f.sae === undefined) throw new Error(`--method ${f.method} needs --sae FILE (train one with steerling sae train)`);
    const site = loadSae(f.sae).sae.site;
    if (f.layer !== undefined && site !== `layers.${f.layer}.resid_post`) throw new Error(`--layer ${f.layer}: the SAE ${f.sae} reads ${site}`);
    return site;
  }
  if (f.sae !== undefined) throw new Error(`--sae applies to ${SAE_METHODS.join(', ')}`);
  return `layers.${f.layer ?? Math.floor(layers / 2)}.resid_post`;
}

export function parseConcepts(s: string): ConceptId[] {
  if (s === 'topics') return CONCEPTS.filter((c) => c.startsWith('topic:'));
  if (s === 'all') return [...CONCEPTS];
  return s.split(',').map((c) => {
    if (!isConceptId(c)) throw new Error(`--concepts: unknown concept "${c}" (choose from ${CONCEPTS.join(', ')}, or topics, all)`);
    return c;
  });
}

export function parseFactors(s: string, flag = '--factors'): number[] {
  const xs = s.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x))) throw new Error(`${flag}: expected comma-separated numbers, got "${s}"`);
  return xs;
}
