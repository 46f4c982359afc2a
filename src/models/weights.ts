// Looking up checkpoint tensors by name with shape checks and errors that say which is missing.
import type { Tensor } from '../tensor/tensor.js';
import { fmt } from '../tensor/shape.js';

export interface WeightSource {
  has(name: string): boolean;
  get(name: string): Tensor;
  keys(): string[];
}

/** Name-prefixed access to a weight source; tries alternative prefixes (e.g. "model." or none). */
export class WeightReader {
  constructor(private readonly src: WeightSource, private readonly prefixes: readonly string[] = ['']) {}

  private resolve(name: string): string | null {
    for (const p of this.prefixes) if (this.src.has(p + name)) return p + name;
    return null;
  }

  has(name: string): boolean {
    return this.resolve(name) !== null;
  }

  /** A required tensor, checked against the shape the config implies. */
  get(name: string, shape?: readonly number[]): Tensor {
    const full = this.resolve(name);
    if (!full) {
      const near = this.src.keys().filter((k) => k.endsWith(name.split('.').slice(-2).join('.'))).slice(0, 3);
      throw new Error(`checkpoint is missing tensor "${this.prefixes[0]}${name}"${near.length ? ` (similar: ${near.join(', ')})` : ''}`);
    }
    const t = this.src.get(full);
    if (shape && (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
      throw new Error(`tensor "${full}" has shape ${fmt(t.shape)}, but the config implies ${fmt(shape)}`);
    }
    if (t.dtype !== 'f32' && t.dtype !== 'bf16' && t.dtype !== 'f16') throw new Error(`tensor "${full}" has dtype ${t.dtype}; weights must be F32, BF16 or F16`);
    return t;
  }

  /** An optional tensor (e.g. a bias). */
  maybe(name: string, shape?: readonly number[]): Tensor | null {
    return this.has(name) ? this.get(name, shape) : null;
  }
}
