// Method options a model suggests where the command line leaves them out: on the organism, the first
// word of its one refusal form as the refusal-start tokens (ablation's automatic selection). Keyed
// by option key; a method takes a suggestion only where it needs one (OptionContext.suggested).
import { REFUSAL_START } from '../organism/judges/index.js';
import { isOrganism } from './judge-flags.js';

export function suggestedOptions(modelDir: string): Record<string, unknown> {
  return isOrganism(modelDir) ? { refusalTokens: REFUSAL_START } : {};
}
