// The Tensor: a row-major, contiguous typed array with a shape and a dtype, optionally recording
// the op that made it so that reverse-mode autograd can walk back from a scalar loss.
//
//   const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
//   const y = ops.sum(ops.mul(x, x));
//   y.backward();            // x.grad is 2x
//
// Views: reshape and slices of the leading axis share storage (typed-array subarrays).
// Memory: storage is JS-owned; `dispose()` drops it at once and `tidy()` disposes every tensor
// created inside a scope except those returned or kept, so long loops run at flat memory.

import { type DType, type Storage, allocStorage, fromNumbers, storageMatches, toFloatArray, type FloatArray } from './dtype.js';
import { type Shape, checkShape, fmt, sizeOf } from './shape.js';
import { trackCreated, trackDisposed } from './scope.js';
import { retainStorage, releaseStorage } from './pool.js';

/** One recorded op on the tape: how to turn the output's gradient into its inputs' gradients. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Returns one gradient per input (null where that input needs none; `needs[i]` says which). */
  readonly backward: (gradOut: Tensor, needs: readonly boolean[]) => readonly (Tensor | null)[];
}

let nextId = 1;

export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly size: number;
  requiresGrad: boolean;
  grad: Tensor | null = null;
  /** The op that produced this tensor, when it was recorded. */
  node: GradNode | null = null;
  private storage: Storage | null;

  constructor(data: Storage, shape: Shape, dtype: DType, requiresGrad = false) {
    checkShape(shape);
    if (!storageMatches(dtype, data)) throw new Error(`tensor storage ${data.constructor.name} does not hold dtype ${dtype}`);
    const n = sizeOf(shape);
    if (data.length !== n) throw new Error(`tensor of shape ${fmt(shape)} needs ${n} elements, got ${data.length}`);
    this.storage = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = n;
    this.requiresGrad = requiresGrad;
    retainStorage(data);
    trackCreated(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this.storage === null;
  }

  /** The typed array behind this tensor (throws once disposed). */
  get data(): Storage {
    if (this.storage === null) throw new Error(`tensor #${this.id} ${fmt(this.shape)} was used after it was disposed (check tidy scopes)`);
    return this.storage;
  }

  /** The storage as a float array; throws for half and int dtypes (use toF32()). */
  get f(): FloatArray {
    const d = this.data;
    if (!(d instanceof Float32Array || d instanceof Float64Array)) throw new Error(`tensor dtype ${this.dtype} is not a compute float type`);
    return d;
  }

  dispose(): void {
    if (this.storage === null) return;
    releaseStorage(this.storage);
    this.storage = null;
    this.node = null;
    this.grad?.dispose();
    this.grad = null;
    trackDisposed(this);
  }

  /** Values as plain numbers (half types widened). */
  toArray(): number[] {
    return Array.from(this.dtype === 'bf16' || this.dtype === 'f16' ? toFloatArray(this.data, this.dtype) : this.data);
  }

  /** Values as nested arrays following the shape. */
  toNested(): unknown {
    const flat = this.toArray();
    const build = (dim: number, offset: number): unknown => {
      if (dim === this.rank) return flat[offset];
      const stride = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim]! }, (_, i) => build(dim + 1, offset + i * stride));
    };
    return build(0, 0);
  }

  item(): number {
    if (this.size !== 1) throw new Error(`item() needs a tensor with one element, got shape ${fmt(this.shape)}`);
    return this.toArray()[0]!;
  }

  /** A new tensor sharing this one's storage with another shape (no copy, no gradient link). */
  view(shape: Shape): Tensor {
    return new Tensor(this.data, shape, this.dtype);
  }

  /** Copy with new storage (no gradient link). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, this.dtype);
  }

  /** Widened (or same) f32/f64 copy-free when already a compute type. */
  toFloat(target: 'f32' | 'f64' = 'f32'): Tensor {
    if (this.dtype === target) return this;
    return new Tensor(toFloatArray(this.data, this.dtype, target), this.shape, target);
  }

  /** Storage converted to another dtype (copy), without gradient link. */
  cast(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    const values = this.dtype === 'bf16' || this.dtype === 'f16' ? toFloatArray(this.data, this.dtype, 'f64') : this.data;
    return new Tensor(fromNumbers(values, dtype), this.shape, dtype);
  }

  /** Reverse-mode autograd from this scalar (or with an explicit output gradient). */
  backward(gradOut?: Tensor): void {
    runBackward(this, gradOut);
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${fmt(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

// Set by tape.ts to avoid an import cycle.
let runBackward: (t: Tensor, g?: Tensor) => void = () => {
  throw new Error('autograd is not initialised');
};
export function setBackwardImpl(fn: (t: Tensor, g?: Tensor) => void): void {
  runBackward = fn;
}

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

function inferShape(x: unknown): number[] {
  const shape: number[] = [];
  let cur = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

/** Builds a tensor from a number, nested arrays or a typed array (with a shape). */
export function tensor(values: number | readonly unknown[] | ArrayLike<number>, shapeOrOpts?: Shape | TensorOptions, opts: TensorOptions = {}): Tensor {
  let shape: number[];
  let flat: ArrayLike<number>;
  if (Array.isArray(shapeOrOpts)) {
    shape = [...(shapeOrOpts as Shape)];
    flat = values as ArrayLike<number>;
  } else {
    if (shapeOrOpts) opts = shapeOrOpts as TensorOptions;
    if (typeof values === 'number') {
      shape = [];
      flat = [values];
    } else if (Array.isArray(values)) {
      shape = inferShape(values);
      flat = (values as unknown[]).flat(Infinity) as number[];
    } else {
      flat = values as ArrayLike<number>;
      shape = [flat.length];
    }
  }
  const dtype = opts.dtype ?? 'f32';
  if (flat.length !== sizeOf(shape)) throw new Error(`tensor(): ${flat.length} values do not fill shape ${fmt(shape)}`);
  return new Tensor(fromNumbers(flat, dtype), shape, dtype, opts.requiresGrad ?? false);
}

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  const dtype = opts.dtype ?? 'f32';
  return new Tensor(allocStorage(dtype, sizeOf(shape)), shape, dtype, opts.requiresGrad ?? false);
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  const t = zeros(shape, opts);
  if (t.dtype === 'bf16' || t.dtype === 'f16') t.data.fill(fromNumbers([value], t.dtype)[0]!);
  else t.data.fill(value);
  return t;
}

export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Wraps an existing typed array (no copy). */
export function fromStorage(data: Storage, shape: Shape, dtype: DType, requiresGrad = false): Tensor {
  return new Tensor(data, shape, dtype, requiresGrad);
}
