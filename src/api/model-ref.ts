// What `--model` means: a local folder, a hub id found in the Hugging Face cache, or "organism"
// (the default), the model shipped in this package under models/organism/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ORGANISM_DIR = fileURLToPath(new URL('../../../models/organism/', import.meta.url));

export function modelRef(ref: string | undefined): string {
  if (ref === undefined || ref === 'organism') {
    if (!existsSync(ORGANISM_DIR + 'config.json')) {
      throw new Error(`the embedded model organism is not in this install yet (${ORGANISM_DIR}); pass --model PATH_OR_HUB_ID`);
    }
    return ORGANISM_DIR;
  }
  return ref;
}
