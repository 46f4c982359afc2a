// The safetensors header: an 8-byte little-endian length N, then N bytes of UTF-8 JSON mapping
// tensor names to {dtype, shape, data_offsets} (offsets relative to the data section that follows)
// plus an optional "__metadata__" string→string map.
//
// Everything here runs before a single data byte is read, and is written for hostile input: every
// number is bounded before it is used to size anything, so a lying header costs an error message,
// never a crash, a hang or a huge allocation.

import type { DType } from '../tensor/dtype.js';

/** The format's dtypes this reader accepts. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U8' | 'BOOL';

/** Bytes per element of each accepted dtype. */
export const ST_DTYPE_SIZE: Readonly<Record<SafetensorsDType, number>> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1,
};

/**
 * The engine dtype a safetensors dtype becomes on `get()`. F32/F16/BF16/F64/I32 are kept as
 * stored (a view); I64 is narrowed to i32 (a checked copy); U8 and BOOL have no engine dtype
 * (read them with `bytes()`).
 */
export const ENGINE_DTYPE: Readonly<Record<SafetensorsDType, DType | null>> = {
  F64: 'f64', F32: 'f32', F16: 'f16', BF16: 'bf16', I64: 'i32', I32: 'i32', U8: null, BOOL: null,
};

/** Dtypes of the format that exist but that this reader refuses (named in the error). */
const KNOWN_UNSUPPORTED = new Set(['I8', 'I16', 'U16', 'U32', 'U64', 'F8_E4M3', 'F8_E5M2', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

/** Largest header accepted (the reference implementation's bound). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Byte range in the data section, [begin, end). */
  readonly begin: number;
  readonly end: number;
  /** What `get()` returns, or null when only `bytes()` can read it. */
  readonly engineDType: DType | null;
}

export interface SafetensorsHeader {
  /** N, the JSON length in bytes. */
  readonly headerBytes: number;
  /** File offset of the data section (8 + N). */
  readonly dataStart: number;
  /** Length of the data section (file size − 8 − N). */
  readonly dataBytes: number;
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Reads and bounds N from the first 8 bytes. */
export function parseHeaderLength(first8: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8 || first8.length < 8) {
    throw new Error(`${file}: not a safetensors file: ${fileSize} bytes is shorter than the 8-byte header length`);
  }
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new Error(`${file}: safetensors header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`);
  }
  const len = Number(n);
  if (len > fileSize - 8) {
    throw new Error(`${file}: safetensors header length ${len} runs past the end of the file (${fileSize} bytes): the file is truncated or corrupt`);
  }
  if (len < 2) throw new Error(`${file}: safetensors header length ${len} is too short to hold a JSON object`);
  return len;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isSafeNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function describe(x: unknown): string {
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Parses and fully validates the JSON header bytes (the N bytes after the length). */
export function parseHeader(json: Uint8Array, fileSize: number, file: string): SafetensorsHeader {
  const headerBytes = json.length;
  const dataStart = 8 + headerBytes;
  const dataBytes = fileSize - dataStart;
  if (dataBytes < 0) throw new Error(`${file}: header of ${headerBytes} bytes does not fit in a file of ${fileSize} bytes`);

  let text: string;
  try {
    text = utf8.decode(json);
  } catch {
    throw new Error(`${file}: safetensors header is not valid UTF-8`);
  }
  if (text.trimStart()[0] !== '{') throw new Error(`${file}: safetensors header must be a JSON object, got ${describe(text.slice(0, 20))}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: safetensors header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${file}: safetensors header must be a JSON object`);
  }

  let metadata: Record<string, string> = {};
  const tensors = new Map<string, TensorInfo>();
  for (const [name, entry] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(entry, file);
      continue;
    }
    tensors.set(name, parseEntry(name, entry, dataBytes, file));
  }
  checkNoOverlap([...tensors.values()], file);
  return { headerBytes, dataStart, dataBytes, tensors, metadata };
}

function parseMetadata(entry: unknown, file: string): Record<string, string> {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new Error(`${file}: "__metadata__" must be an object of strings, got ${describe(entry)}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new Error(`${file}: "__metadata__.${k}" must be a string, got ${describe(v)}`);
    out[k] = v;
  }
  return out;
}

function parseEntry(name: string, entry: unknown, dataBytes: number, file: string): TensorInfo {
  const where = `${file}: tensor "${name}"`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new Error(`${where}: expected an object with dtype, shape and data_offsets, got ${describe(entry)}`);
  }
  const e = entry as Record<string, unknown>;

  const dtype = e['dtype'];
  if (typeof dtype !== 'string') throw new Error(`${where}: dtype must be a string, got ${describe(dtype)}`);
  if (!Object.hasOwn(ST_DTYPE_SIZE, dtype)) {
    const why = KNOWN_UNSUPPORTED.has(dtype) ? 'is not supported' : 'is unknown';
    throw new Error(`${where}: dtype ${describe(dtype)} ${why} (expected one of ${Object.keys(ST_DTYPE_SIZE).join(', ')})`);
  }
  const st = dtype as SafetensorsDType;

  const shape = e['shape'];
  if (!Array.isArray(shape)) throw new Error(`${where}: shape must be an array of non-negative integers, got ${describe(shape)}`);
  if (shape.length > 64) throw new Error(`${where}: shape has ${shape.length} dimensions (at most 64 accepted)`);
  let elements = 1;
  for (const d of shape as unknown[]) {
    if (!isSafeNonNegInt(d)) throw new Error(`${where}: shape ${describe(shape)} has an invalid dimension ${describe(d)} (expected a non-negative integer)`);
    elements *= d;
    // Once the product passes 2^53 it is no longer exact; no file can hold that many bytes anyway.
    if (elements > Number.MAX_SAFE_INTEGER) throw new Error(`${where}: shape ${describe(shape)} claims more elements than any file can hold`);
  }

  const offsets = e['data_offsets'];
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isSafeNonNegInt(offsets[0]) || !isSafeNonNegInt(offsets[1])) {
    throw new Error(`${where}: data_offsets must be [begin, end] with non-negative integers, got ${describe(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new Error(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
  const expected = elements * ST_DTYPE_SIZE[st];
  if (end - begin !== expected) {
    throw new Error(`${where}: shape [${shape.join(', ')}] × ${st} needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`);
  }
  if (end > dataBytes) {
    throw new Error(`${where}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataBytes} bytes): the file is truncated or corrupt`);
  }
  return { name, dtype: st, shape: Object.freeze([...(shape as number[])]), begin, end, engineDType: ENGINE_DTYPE[st] };
}

function checkNoOverlap(infos: TensorInfo[], file: string): void {
  // Empty tensors occupy no bytes and cannot overlap anything.
  const ranges = infos.filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    const cur = ranges[i]!;
    if (cur.begin < prev.end) {
      throw new Error(`${file}: tensors "${prev.name}" [${prev.begin}, ${prev.end}) and "${cur.name}" [${cur.begin}, ${cur.end}) overlap`);
    }
  }
}
