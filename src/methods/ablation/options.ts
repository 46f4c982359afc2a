// Directional ablation's options: whether and how it chooses its direction itself (without a site):
// the refusal-start tokens its scores read and the share of last layers it prunes.
import { readOptions, optionName, type MethodOption, type OptionContext } from '../options.js';
import { PRUNE_LAYERS } from './select.js';
import { parseRefusalTokens } from './refusal-tokens.js';

export interface AblationOptions {
  /** Choose the layer and position by the refusal scores (what it does without a site anyway). */
  select?: boolean;
  /** Tokens that start a refusal, the refusal score's set R: ids, vocabulary entries or single-token texts. */
  refusalTokens?: readonly (number | string)[];
  /** Share of the last layers whose candidates are discarded (the paper: 0.2, i.e. ℓ ≥ ⌊0.8·L⌋). */
  pruneLayers?: number;
}

const onlySelecting = (o: MethodOption) => `${optionName(o)} applies to ablation's automatic selection (ablation without --site)`;

const REFUSAL_TOKENS: MethodOption = {
  key: 'refusalTokens', flag: '--refusal-tokens', value: '<list>', type: 'list', parse: parseRefusalTokens,
  help: 'with --select: comma-separated tokens that start a refusal, e.g. I,As (default on the organism: its refusal form\'s first word)',
  elsewhere: () => onlySelecting(REFUSAL_TOKENS),
};
const PRUNE: MethodOption = {
  key: 'pruneLayers', flag: '--prune-layers', value: '<p>', type: 'number', min: 0, max: 0.99, default: PRUNE_LAYERS,
  help: 'with --select: discard candidates from the last share p of the layers; 0.2 is the paper\'s, 0 suits a model of few layers',
  elsewhere: () => onlySelecting(PRUNE),
};

export const ABLATION_OPTIONS: readonly MethodOption[] = [
  {
    key: 'select', flag: '--select', type: 'boolean',
    help: 'choose the layer and template position by bypass/induce/KL scores on a held-out quarter of the data (the default without --site)',
    elsewhere: (m, owners) => `--select applies to ${owners.join(', ')}; ${m.name} ${m.site.use === 'required' ? 'needs --site' : 'chooses its layers without it'}`,
  },
  REFUSAL_TOKENS,
  PRUNE,
];

/** The options checked against each other and the site; without a site, the model's suggested refusal tokens fill in. */
export function parseAblationOptions(given: object | undefined, context: OptionContext = {}): AblationOptions {
  const o = readOptions<AblationOptions>('ablation', ABLATION_OPTIONS, given);
  const site = context.site === '' ? undefined : context.site;
  if (site !== undefined) {
    if (o.select) throw new Error('--select chooses the site itself: drop --site (or drop --select to read at that site)');
    for (const opt of [REFUSAL_TOKENS, PRUNE]) if (o[opt.key as keyof AblationOptions] !== undefined) throw new Error(onlySelecting(opt));
    return o;
  }
  const suggested = context.suggested?.['refusalTokens'];
  return o.refusalTokens === undefined && suggested !== undefined ? { ...o, refusalTokens: parseRefusalTokens(suggested) } : o;
}
