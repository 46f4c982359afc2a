// What `--model` means: a local folder, a hub id found in the Hugging Face cache, "organism" (the
// default: the model organism shipped under models/organism/) or "stories260K" (the small real
// pretrained checkpoint shipped under models/stories260K/, used when no folder of that name exists
// where the command runs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ORGANISM_DIR = fileURLToPath(new URL('../../../models/organism/', import.meta.url));
export const STORIES_DIR = fileURLToPath(new URL('../../../models/stories260K/', import.meta.url));
/** The concept data shipped for stories260K (a dog vs other nouns, contrastive pairs). */
export const STORIES_DOG_PAIRS = fileURLToPath(new URL('../../../examples/stories260K/dog.jsonl', import.meta.url));

function shipped(dir: string, what: string): string {
  if (!existsSync(dir + 'config.json')) throw new Error(`${what} is not in this install (${dir}); pass --model PATH_OR_HUB_ID`);
  return dir;
}

export function modelRef(ref: string | undefined): string {
  if (ref === undefined || ref === 'organism') return shipped(ORGANISM_DIR, 'the embedded model organism');
  if (ref === 'stories260K' && !existsSync(ref)) return shipped(STORIES_DIR, 'the shipped stories260K checkpoint');
  return ref;
}
