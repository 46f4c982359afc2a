// Serving for the library API: the OpenAI-compatible fastify app with named steering artifacts.
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type ServeOptions } from '../serve/app.js';
import { ArtifactRegistry } from '../serve/registry.js';
import type { LoadedModel } from '../models/load.js';

export { buildApp, ArtifactRegistry, type ServeOptions };

export interface ServerOptions extends Omit<ServeOptions, 'model' | 'modelId' | 'registry'> {
  /** The id clients send as "model" (default: the hub id or folder name). */
  modelId?: string;
  /** Artifacts requests may use, by name: `{ dog: 'dog.steer.safetensors' }`. */
  artifacts?: Readonly<Record<string, string>>;
  /** Folders whose `*.steer.safetensors` files are loaded, named by file stem. */
  artifactDirs?: readonly string[];
  /** Load artifacts even when they were fitted on another model. */
  force?: boolean;
}

/**
 * Builds the OpenAI-compatible server (`/v1/chat/completions`, `/v1/completions`, `/v1/models`,
 * the playground at `/`) for a loaded model; requests steer with the named artifacts. Call
 * `listen` on the returned fastify app (or `inject` in tests).
 *
 * @example
 * ```ts
 * import { loadModel, createServer } from 'steerling';
 * const model = await loadModel('organism');
 * const app = createServer(model, { artifacts: { ocean: 'ocean.steer.safetensors' } });
 * console.log(await app.listen({ host: '127.0.0.1', port: 8080 }));
 * ```
 */
export function createServer(model: LoadedModel, o: ServerOptions = {}): FastifyInstance {
  const registry = new ArtifactRegistry(model.model, o.force ?? false);
  for (const [name, path] of Object.entries(o.artifacts ?? {})) registry.add(name, path);
  for (const dir of o.artifactDirs ?? []) registry.addFolder(dir);
  const { modelId, artifacts: _a, artifactDirs: _d, force: _f, ...rest } = o;
  return buildApp({ ...rest, model, registry, modelId: modelId ?? model.repoId ?? basename(model.dir.replace(/\/+$/, '')) });
}
