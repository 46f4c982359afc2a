// Detection for the library API: an artifact's direction read back as per-token concept scores.
import { existsSync } from 'node:fs';
import { detect as detectIds, type Detection, type DetectOptions } from '../eval/detect.js';
import { loadArtifact } from '../artifact/io.js';
import { parseSteerText } from '../artifact/steering.js';
import type { Artifact } from '../artifact/artifact.js';
import type { LoadedModel } from '../models/load.js';
import { requireTokenizer } from './model.js';

export type { Detection, DetectOptions };

/**
 * Scores every token of a text with an artifact's direction: the projection of each token's
 * activation at the artifact's site onto its unit direction, with the class-mean threshold the
 * method recorded and a verdict (`detected`: the mean score passes the threshold). The artifact
 * is a file (a `:strength` suffix is ignored) or an artifact in memory.
 *
 * @example
 * ```ts
 * import { loadModel, detect } from 'steerling';
 * const model = await loadModel('models/stories260K');
 * const d = detect(model, 'dog.steer.safetensors', 'The dog ran to the park.');
 * d.tokens.forEach((t, i) => console.log(JSON.stringify(t), d.scores[i]!.toFixed(3)));
 * console.log(d.detected); // true
 * ```
 */
export function detect(model: LoadedModel, artifact: Artifact | string, text: string, opts: DetectOptions = {}): Detection {
  let art: Artifact;
  if (typeof artifact === 'string') {
    const path = parseSteerText(artifact).artifact;
    if (!existsSync(path)) throw new Error(`artifact file ${path} does not exist`);
    art = loadArtifact(path);
  } else {
    art = artifact;
  }
  return detectIds(model.model, requireTokenizer(model, 'detect'), art, text, opts);
}
