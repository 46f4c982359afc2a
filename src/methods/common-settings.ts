// The settings every method shares, checked the same way for each from what the method declares:
// the hook site (its `site`) and the reduction (its `reduces`).
import { parseSite } from '../models/hooks.js';
import type { Reduce } from '../activations/collect.js';
import type { SteeringMethod } from './types.js';

/** What a method reads activations with unless it says otherwise. */
export const DEFAULT_REDUCES: readonly Reduce[] = ['mean', 'last'];

/** The reductions a method reads activations with. */
export const reducesOf = (m: SteeringMethod): readonly Reduce[] => m.reduces ?? DEFAULT_REDUCES;

/** Fails unless the method reads activations with this reduction. */
export function checkReduce(m: SteeringMethod, reduce: string | undefined): Reduce | undefined {
  const ok = reducesOf(m);
  if (reduce !== undefined && !(ok as readonly string[]).includes(reduce)) throw new Error(`--reduce must be ${ok.join(', ').replace(/, (\w+)$/, ' or $1')}, got "${reduce}"`);
  return reduce as Reduce | undefined;
}

/**
 * The site a fit gets: the one given (an empty one counts as none), else the method's default;
 * fails where the method needs a site and has none, or takes none and got one.
 */
export function siteFor(m: SteeringMethod, site: string | undefined): string | undefined {
  const given = site === '' ? undefined : site;
  if (given !== undefined && m.site.use === 'none') throw new Error(`${m.name} ${m.site.note ?? 'acts everywhere'}; --site does not apply`);
  if (given === undefined && m.site.use === 'required') throw new Error(`--site is required for ${m.name} (the hook site to read and steer, e.g. --site layers.2.resid_post)`);
  return given ?? m.site.default;
}

/** siteFor, then the site checked against the model's layers. */
export function checkedSite(m: SteeringMethod, site: string | undefined, layers: number): string | undefined {
  const s = siteFor(m, site);
  if (s !== undefined) (m.site.check ?? ((x: string, l: number) => void parseSite(x, l)))(s, layers);
  return s;
}
