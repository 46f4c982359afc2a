// A model's weights: one `model.safetensors`, or shards listed by `model.safetensors.index.json`
// (`weight_map`: tensor name → shard file name).
//
//   const ckpt = Checkpoint.open(dir);          // every shard's header validated, no data read
//   const w = ckpt.get('model.embed_tokens.weight');
//
// A shard's data is read on the first get() that needs it (one buffer per shard, see
// SafetensorsFile), so loading a model holds at most the sum of its shards in memory.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Tensor } from '../tensor/tensor.js';
import { SafetensorsFile, type OpenOptions, type TensorInfo, type TensorSource } from './safetensors.js';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

export class Checkpoint implements TensorSource {
  /** Shard paths, in the order first named by the index. */
  readonly files: readonly string[];
  /** The index's "metadata" (e.g. total_size), or a single file's string metadata. */
  readonly metadata: Readonly<Record<string, unknown>>;
  private readonly shards: ReadonlyMap<string, SafetensorsFile>;
  private readonly owner: ReadonlyMap<string, SafetensorsFile>;

  private constructor(shards: Map<string, SafetensorsFile>, owner: Map<string, SafetensorsFile>, metadata: Record<string, unknown>) {
    this.shards = shards;
    this.owner = owner;
    this.files = [...shards.keys()];
    this.metadata = metadata;
  }

  /**
   * Opens a folder (model.safetensors, or model.safetensors.index.json and its shards), a single
   * .safetensors file, or an index file.
   */
  static open(path: string, opts: OpenOptions = {}): Checkpoint {
    if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
    if (statSync(path).isDirectory()) {
      const index = join(path, INDEX_FILE);
      if (existsSync(index)) return Checkpoint.openIndex(index, opts);
      const single = join(path, SINGLE_FILE);
      if (existsSync(single)) return Checkpoint.openSingle(single, opts);
      const hint = ['pytorch_model.bin', 'pytorch_model.bin.index.json', 'model.pt'].filter((f) => existsSync(join(path, f)));
      throw new Error(
        `${path}: no ${SINGLE_FILE} or ${INDEX_FILE}` +
          (hint.length ? ` (found ${hint.join(', ')}: PyTorch pickle checkpoints are not supported; convert to safetensors)` : ''),
      );
    }
    if (path.endsWith('.json')) return Checkpoint.openIndex(path, opts);
    return Checkpoint.openSingle(path, opts);
  }

  private static openSingle(file: string, opts: OpenOptions): Checkpoint {
    const f = SafetensorsFile.open(file, opts);
    const owner = new Map(f.keys().map((k) => [k, f] as const));
    return new Checkpoint(new Map([[file, f]]), owner, { ...f.metadata });
  }

  private static openIndex(indexPath: string, opts: OpenOptions): Checkpoint {
    const { weightMap, metadata } = readIndex(indexPath);
    const dir = indexPath.slice(0, indexPath.length - basename(indexPath).length) || '.';
    const shards = new Map<string, SafetensorsFile>();
    const owner = new Map<string, SafetensorsFile>();
    try {
      for (const [name, shardName] of Object.entries(weightMap)) {
        const shardPath = join(dir, shardName);
        let shard = shards.get(shardPath);
        if (!shard) {
          if (!existsSync(shardPath)) throw new Error(`${indexPath}: shard "${shardName}" (holding "${name}") is missing from ${dir}`);
          shard = SafetensorsFile.open(shardPath, opts);
          shards.set(shardPath, shard);
        }
        if (!shard.has(name)) throw new Error(`${indexPath}: weight_map puts "${name}" in ${shardName}, but that shard has no such tensor`);
        owner.set(name, shard);
      }
    } catch (e) {
      for (const s of shards.values()) s.close();
      throw e;
    }
    return new Checkpoint(shards, owner, metadata);
  }

  /** Tensor names, sorted. */
  keys(): string[] {
    return [...this.owner.keys()].sort();
  }

  has(name: string): boolean {
    return this.owner.has(name);
  }

  /** The shard path holding a tensor. */
  fileOf(name: string): string {
    return this.shardOf(name).path;
  }

  info(name: string): TensorInfo {
    return this.shardOf(name).info(name);
  }

  get(name: string): Tensor {
    return this.shardOf(name).get(name);
  }

  bytes(name: string): Uint8Array {
    return this.shardOf(name).bytes(name);
  }

  /** Tensors in a dtype other than F32/F16/BF16. */
  flagged(): string[] {
    return [...this.shards.values()].flatMap((s) => s.flagged().filter((k) => this.owner.get(k) === s)).sort();
  }

  close(): void {
    for (const s of this.shards.values()) s.close();
  }

  private shardOf(name: string): SafetensorsFile {
    const s = this.owner.get(name);
    if (!s) throw new Error(`checkpoint (${this.files.length} file${this.files.length === 1 ? '' : 's'}) has no tensor named "${name}"`);
    return s;
  }
}

function readIndex(indexPath: string): { weightMap: Record<string, string>; metadata: Record<string, unknown> } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(indexPath, 'utf8'));
  } catch (e) {
    throw new Error(`${indexPath}: not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${indexPath}: expected a JSON object`);
  const obj = parsed as Record<string, unknown>;
  const wm = obj['weight_map'];
  if (wm === null || typeof wm !== 'object' || Array.isArray(wm)) throw new Error(`${indexPath}: missing "weight_map" object (tensor name → shard file)`);
  const weightMap: Record<string, string> = {};
  for (const [name, file] of Object.entries(wm as Record<string, unknown>)) {
    // Shards live beside the index: a path that leaves the folder is refused.
    if (typeof file !== 'string' || file.length === 0 || file.includes('/') || file.includes('\\') || file === '.' || file === '..') {
      throw new Error(`${indexPath}: weight_map["${name}"] must be a shard file name in the same folder, got ${JSON.stringify(file)}`);
    }
    weightMap[name] = file;
  }
  if (Object.keys(weightMap).length === 0) throw new Error(`${indexPath}: weight_map is empty`);
  const md = obj['metadata'];
  const metadata = md !== null && typeof md === 'object' && !Array.isArray(md) ? (md as Record<string, unknown>) : {};
  return { weightMap, metadata };
}
