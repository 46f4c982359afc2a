// Reading one .safetensors file.
//
//   const f = SafetensorsFile.open('model.safetensors');   // header read and validated, no data yet
//   f.info('lm_head.weight');                               // { dtype: 'BF16', shape: [...], ... }
//   const w = f.get('lm_head.weight');                      // Tensor bf16, a view (no copy, no widening)
//
// Memory: on the first get() the whole data section is read into ONE ArrayBuffer (its start is
// 8-byte aligned) and every tensor is a typed-array view into it, so peak memory is the data size.
// A tensor whose offset is not a multiple of its element size cannot be viewed; only that tensor is
// copied. With { lazy: true } each get() reads just that tensor into its own buffer (useful to pick
// a few tensors out of a big file); call close() when done.
// Weights are never widened: F32/F16/BF16/F64/I32 come back in their own dtype. I64 is narrowed to
// i32 (checked copy); U8 and BOOL only through bytes().

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { fromStorage, type Tensor } from '../tensor/tensor.js';
import type { Storage } from '../tensor/dtype.js';
import { parseHeader, parseHeaderLength, ST_DTYPE_SIZE, type SafetensorsHeader, type TensorInfo } from './safetensors-header.js';

export type { TensorInfo, SafetensorsDType } from './safetensors-header.js';

/** A set of named tensors: one safetensors file, or a sharded checkpoint. */
export interface TensorSource {
  keys(): string[];
  has(name: string): boolean;
  info(name: string): TensorInfo;
  get(name: string): Tensor;
  /** Raw little-endian bytes of one tensor (a view where possible). */
  bytes(name: string): Uint8Array;
  close(): void;
}

export interface OpenOptions {
  /** Read each tensor on demand into its own buffer instead of the whole file at once. */
  lazy?: boolean;
  /**
   * Called with the data section's fresh buffer before it is filled (not in lazy mode); the model
   * loader passes the native backend's huge-page advice here, which must come before the pages
   * are first touched.
   */
  prepare?: (data: ArrayBuffer) => void;
}

export function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('safetensors I/O needs a little-endian machine');
}

/** Reads exactly `length` bytes at `position` into `dest`, failing clearly if the file is short. */
function readFully(fd: number, dest: Uint8Array, position: number, file: string): void {
  const CHUNK = 1 << 30; // readSync caps one call near 2 GiB
  let done = 0;
  while (done < dest.length) {
    const n = readSync(fd, dest, done, Math.min(CHUNK, dest.length - done), position + done);
    if (n === 0) throw new Error(`${file}: unexpected end of file at byte ${position + done} (file changed while reading?)`);
    done += n;
  }
}

export class SafetensorsFile implements TensorSource {
  readonly path: string;
  readonly fileSize: number;
  readonly header: SafetensorsHeader;
  readonly lazy: boolean;
  private readonly prepare: ((data: ArrayBuffer) => void) | undefined;
  private fd: number | null;
  private data: Uint8Array | null = null;

  private constructor(path: string, fd: number, fileSize: number, header: SafetensorsHeader, opts: OpenOptions) {
    this.path = path;
    this.fd = fd;
    this.fileSize = fileSize;
    this.header = header;
    this.lazy = opts.lazy ?? false;
    this.prepare = opts.prepare;
  }

  /** Opens a file and validates its header; reads no tensor data. */
  static open(path: string, opts: OpenOptions = {}): SafetensorsFile {
    assertLittleEndian();
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new Error(code === 'EISDIR' ? `${path} is a folder, not a safetensors file` : code === 'ENOENT' ? `${path} does not exist` : `${path}: cannot open (${code ?? (e as Error).message})`);
    }
    try {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) throw new Error(`${path} is a folder, not a safetensors file`);
      if (!stat.isFile()) throw new Error(`${path} is not a regular file (a device, pipe or socket), not a safetensors file`);
      const size = stat.size;
      const first8 = new Uint8Array(8);
      if (size >= 8) readFully(fd, first8, 0, path);
      // A llama.cpp control vector (or any GGUF) given where safetensors is expected.
      if (size >= 4 && String.fromCharCode(...first8.subarray(0, 4)) === 'GGUF') throw new Error(`${path} is a GGUF file (a llama.cpp control vector or model), not safetensors: pass GGUF control vectors with --control-vector`);
      const n = parseHeaderLength(first8, size, path);
      const json = new Uint8Array(n);
      readFully(fd, json, 8, path);
      const header = parseHeader(json, size, path);
      return new SafetensorsFile(path, fd, size, header, opts);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  /** Tensor names, sorted. */
  keys(): string[] {
    return [...this.header.tensors.keys()].sort();
  }

  has(name: string): boolean {
    return this.header.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const t = this.header.tensors.get(name);
    if (!t) throw new Error(`${this.path}: no tensor named "${name}" (the file has ${this.header.tensors.size} tensors${this.nearby(name)})`);
    return t;
  }

  /** Names of tensors stored in a dtype other than F32/F16/BF16 (flagged: unusual for weights). */
  flagged(): string[] {
    return this.keys().filter((k) => !['F32', 'F16', 'BF16'].includes(this.header.tensors.get(k)!.dtype));
  }

  bytes(name: string): Uint8Array {
    const t = this.info(name);
    if (this.lazy) return this.readRange(t.begin, t.end - t.begin);
    const data = this.load();
    return data.subarray(t.begin, t.end);
  }

  get(name: string): Tensor {
    const t = this.info(name);
    if (t.engineDType === null) throw new Error(`${this.path}: tensor "${name}" has dtype ${t.dtype}, which has no engine dtype; read it with bytes()`);
    const elements = (t.end - t.begin) / ST_DTYPE_SIZE[t.dtype];
    let buf: ArrayBuffer;
    let off: number;
    if (this.lazy) {
      const b = this.readRange(t.begin, t.end - t.begin);
      buf = b.buffer as ArrayBuffer;
      off = b.byteOffset;
    } else {
      const data = this.load();
      buf = data.buffer as ArrayBuffer;
      off = data.byteOffset + t.begin;
      if (off % ST_DTYPE_SIZE[t.dtype] !== 0) {
        // A misaligned tensor cannot be viewed as a typed array: copy just this one.
        const copy = data.slice(t.begin, t.end);
        buf = copy.buffer;
        off = 0;
      }
    }
    return fromStorage(makeStorage(t, buf, off, elements, this.path), t.shape, t.engineDType);
  }

  /** Reads the data section into memory now (get() does it on first use). */
  load(): Uint8Array {
    if (this.data) return this.data;
    if (this.lazy) throw new Error(`${this.path}: opened lazily; load() is not available`);
    // A fresh ArrayBuffer starts at an 8-byte aligned address, and offset 0 is the data section.
    const data = new Uint8Array(new ArrayBuffer(this.header.dataBytes));
    this.prepare?.(data.buffer);
    readFully(this.requireFd(), data, this.header.dataStart, this.path);
    this.data = data;
    // Everything is in memory now: the descriptor is no longer needed.
    this.closeFd();
    return data;
  }

  /** Releases the file descriptor (the loaded data stays alive while tensors reference it). */
  close(): void {
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  private requireFd(): number {
    if (this.fd === null) throw new Error(`${this.path}: file is closed`);
    return this.fd;
  }

  private readRange(begin: number, length: number): Uint8Array {
    const out = new Uint8Array(new ArrayBuffer(length));
    readFully(this.requireFd(), out, this.header.dataStart + begin, this.path);
    return out;
  }

  private nearby(name: string): string {
    const tail = name.split('.').slice(-2).join('.');
    const similar = this.keys().filter((k) => k.endsWith(tail)).slice(0, 3);
    return similar.length ? `; similar: ${similar.join(', ')}` : '';
  }
}

function makeStorage(t: TensorInfo, buf: ArrayBuffer, off: number, n: number, file: string): Storage {
  switch (t.dtype) {
    case 'F32':
      return new Float32Array(buf, off, n);
    case 'F64':
      return new Float64Array(buf, off, n);
    case 'F16':
    case 'BF16':
      return new Uint16Array(buf, off, n);
    case 'I32':
      return new Int32Array(buf, off, n);
    case 'I64': {
      const src = new DataView(buf, off, n * 8);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = src.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) throw new Error(`${file}: tensor "${t.name}" (I64) value ${v} at index ${i} does not fit in i32`);
        out[i] = Number(v);
      }
      return out;
    }
    case 'U8':
    case 'BOOL':
      throw new Error(`${file}: tensor "${t.name}" has dtype ${t.dtype}, which has no engine dtype`);
  }
}
