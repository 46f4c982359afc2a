// GGUF v3 files (the format llama.cpp loads): a writer for metadata (scalars and string, int32
// and float32 arrays) and f32, f16 and bf16 tensors, and a reader for what the writer writes
// (control vectors for import; model files, gguf-model.ts, for round trips). Layout and the reader
// rules a writer must satisfy are in design/delivery.md §4: little-endian; header, key/values,
// tensor infos, zero padding to the alignment, then the tensor data in info order, each block
// padded to the alignment, the last block's padding included.

import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/out-path.js';

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** llama.cpp rejects names of GGML_MAX_NAME (64) bytes or more. */
export const GGUF_MAX_NAME_BYTES = 63;

/** gguf_type values. */
export const GGUFType = { UINT8: 0, INT8: 1, UINT16: 2, INT16: 3, UINT32: 4, INT32: 5, FLOAT32: 6, BOOL: 7, STRING: 8, ARRAY: 9, UINT64: 10, INT64: 11, FLOAT64: 12 } as const;
/** ggml_type values of the tensor types written and read here. */
const GGML_TYPE = { f32: 0, f16: 1, bf16: 30 } as const;
export type GGUFTensorType = keyof typeof GGML_TYPE;

export type GGUFValue =
  | { type: 'string'; value: string }
  | { type: 'int32'; value: number }
  | { type: 'uint32'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string[]'; value: string[] }
  | { type: 'int32[]'; value: Int32Array }
  | { type: 'float32[]'; value: Float32Array };

interface GGUFTensorBase {
  name: string;
  /** ne[0] first (fastest-varying), as GGUF stores dimensions. */
  dims: number[];
}
/** f32 values, or the raw bits of f16/bf16 values. `type` absent means f32. */
export type GGUFTensor =
  | (GGUFTensorBase & { type?: 'f32'; data: Float32Array })
  | (GGUFTensorBase & { type: 'f16' | 'bf16'; data: Uint16Array });

export function tensorType(t: GGUFTensor): GGUFTensorType {
  return t.type ?? 'f32';
}

/** Index of the first non-finite value (NaN or ±Inf), or -1. */
function firstNonFinite(t: GGUFTensor): number {
  const d = t.data;
  if (t.type === 'f16' || t.type === 'bf16') {
    const expMask = t.type === 'f16' ? 0x7c00 : 0x7f80;
    for (let i = 0; i < d.length; i++) if ((d[i]! & expMask) === expMask) return i;
    return -1;
  }
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return i;
  return -1;
}

export interface GGUFFile {
  metadata: Map<string, GGUFValue>;
  tensors: GGUFTensor[];
}

const enc = new TextEncoder();
const pad = (x: number, a: number) => x + ((a - (x % a)) % a);

function checkValue(key: string, v: GGUFValue): void {
  if (v.type === 'int32' && !(Number.isInteger(v.value) && v.value >= -(2 ** 31) && v.value < 2 ** 31)) throw new Error(`gguf: ${key} is not an int32: ${v.value}`);
  if (v.type === 'uint32' && !(Number.isInteger(v.value) && v.value >= 0 && v.value < 2 ** 32)) throw new Error(`gguf: ${key} is not a uint32: ${v.value}`);
  if (v.type === 'float32' && !Number.isFinite(v.value)) throw new Error(`gguf: ${key} is not a finite number: ${v.value}`);
  if (v.type === 'float32[]') for (const x of v.value) if (!Number.isFinite(x)) throw new Error(`gguf: ${key} holds a non-finite number: ${x}`);
}

function alignmentOf(meta: Map<string, GGUFValue>): number {
  const a = meta.get('general.alignment');
  if (!a) return GGUF_DEFAULT_ALIGNMENT;
  if (a.type !== 'uint32' || a.value === 0 || (a.value & (a.value - 1)) !== 0 || a.value % 8 !== 0) {
    throw new Error('gguf: general.alignment must be a uint32 power of two, a multiple of 8');
  }
  return a.value;
}

/** The file's bytes. Refuses what llama.cpp's reader would refuse. */
export function encodeGGUF(file: GGUFFile): Uint8Array {
  const align = alignmentOf(file.metadata);
  const names = new Set<string>();
  for (const t of file.tensors) {
    const nb = enc.encode(t.name).length;
    if (nb === 0 || nb > GGUF_MAX_NAME_BYTES) throw new Error(`gguf: tensor name "${t.name}" must be 1–${GGUF_MAX_NAME_BYTES} bytes`);
    if (names.has(t.name)) throw new Error(`gguf: duplicate tensor name "${t.name}"`);
    names.add(t.name);
    if (t.dims.length < 1 || t.dims.length > 4 || t.dims.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`gguf: tensor "${t.name}" has bad dimensions [${t.dims.join(', ')}]`);
    if (t.dims.reduce((a, b) => a * b, 1) !== t.data.length) throw new Error(`gguf: tensor "${t.name}" has ${t.data.length} values for dimensions [${t.dims.join(', ')}]`);
    if (!(tensorType(t) in GGML_TYPE)) throw new Error(`gguf: tensor "${t.name}" has type ${String(t.type)}; f32, f16 or bf16 are written`);
    const half = t.type === 'f16' || t.type === 'bf16';
    if (half ? !(t.data instanceof Uint16Array) : !(t.data instanceof Float32Array)) throw new Error(`gguf: tensor "${t.name}" of type ${tensorType(t)} needs a ${half ? 'Uint16Array of bits' : 'Float32Array'}`);
    const bad = firstNonFinite(t);
    if (bad >= 0) throw new Error(`gguf: tensor "${t.name}" holds a non-finite value at ${bad}`);
  }
  for (const [k, v] of file.metadata) {
    if (enc.encode(k).length === 0 || enc.encode(k).length > 65535) throw new Error(`gguf: bad key "${k}"`);
    checkValue(k, v);
  }

  // Sizes first (two passes), then the bytes.
  const str = (s: string) => 8 + enc.encode(s).length;
  const valueSize = (v: GGUFValue) => {
    switch (v.type) {
      case 'string': return str(v.value);
      case 'bool': return 1;
      case 'string[]': return 12 + v.value.reduce((a, s) => a + str(s), 0);
      case 'int32[]': case 'float32[]': return 12 + 4 * v.value.length;
      default: return 4;
    }
  };
  let metaEnd = 24;
  for (const [k, v] of file.metadata) metaEnd += str(k) + 4 + valueSize(v);
  for (const t of file.tensors) metaEnd += str(t.name) + 4 + 8 * t.dims.length + 4 + 8;
  const dataStart = pad(metaEnd, align);
  const offsets: number[] = [];
  let dataLen = 0;
  for (const t of file.tensors) {
    offsets.push(dataLen);
    dataLen += pad(t.data.length * t.data.BYTES_PER_ELEMENT, align);
  }
  const buf = new ArrayBuffer(dataStart + dataLen);
  const dv = new DataView(buf);
  const bytes = new Uint8Array(buf);
  let o = 0;
  const u32 = (x: number) => { dv.setUint32(o, x, true); o += 4; };
  const u64 = (x: number) => { dv.setBigUint64(o, BigInt(x), true); o += 8; };
  const wstr = (s: string) => { const b = enc.encode(s); u64(b.length); bytes.set(b, o); o += b.length; };
  u32(GGUF_MAGIC);
  u32(GGUF_VERSION);
  u64(file.tensors.length);
  u64(file.metadata.size);
  for (const [k, v] of file.metadata) {
    wstr(k);
    switch (v.type) {
      case 'string': u32(GGUFType.STRING); wstr(v.value); break;
      case 'int32': u32(GGUFType.INT32); dv.setInt32(o, v.value, true); o += 4; break;
      case 'uint32': u32(GGUFType.UINT32); u32(v.value); break;
      case 'float32': u32(GGUFType.FLOAT32); dv.setFloat32(o, v.value, true); o += 4; break;
      case 'bool': u32(GGUFType.BOOL); dv.setUint8(o, v.value ? 1 : 0); o += 1; break;
      case 'string[]': u32(GGUFType.ARRAY); u32(GGUFType.STRING); u64(v.value.length); for (const s of v.value) wstr(s); break;
      case 'int32[]': u32(GGUFType.ARRAY); u32(GGUFType.INT32); u64(v.value.length); for (const x of v.value) { dv.setInt32(o, x, true); o += 4; } break;
      case 'float32[]': u32(GGUFType.ARRAY); u32(GGUFType.FLOAT32); u64(v.value.length); for (const x of v.value) { dv.setFloat32(o, x, true); o += 4; } break;
    }
  }
  file.tensors.forEach((t, i) => {
    wstr(t.name);
    u32(t.dims.length);
    for (const d of t.dims) u64(d);
    u32(GGML_TYPE[tensorType(t)]);
    u64(offsets[i]!);
  });
  file.tensors.forEach((t, i) => {
    let p = dataStart + offsets[i]!;
    if (t.type === 'f16' || t.type === 'bf16') for (let j = 0; j < t.data.length; j++, p += 2) dv.setUint16(p, t.data[j]!, true);
    else for (let j = 0; j < t.data.length; j++, p += 4) dv.setFloat32(p, t.data[j]!, true);
  });
  return bytes;
}

/** Writes atomically (a temporary file renamed into place), so a failed write loses nothing. */
export function writeGGUF(path: string, file: GGUFFile): void {
  writeFileAtomic(path, encodeGGUF(file));
}

/**
 * Reads a GGUF file of f32, f16 and bf16 tensors with scalar, string and array metadata (arrays
 * of strings, int32 and float32 are kept, other arrays skipped).
 * Every length and offset is checked against the file size first, so a corrupt or hostile file
 * gets an error naming the problem, never a huge allocation or a read past the end.
 */
export function decodeGGUF(bytes: Uint8Array, what = 'gguf file'): GGUFFile {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dec = new TextDecoder('utf-8', { fatal: true });
  let o = 0;
  const need = (n: number, of: string) => {
    if (o + n > bytes.length) throw new Error(`${what}: truncated (${of} at byte ${o} needs ${n} bytes, the file has ${bytes.length})`);
  };
  const u32 = (of: string) => { need(4, of); const x = dv.getUint32(o, true); o += 4; return x; };
  const u64 = (of: string) => {
    need(8, of);
    const x = dv.getBigUint64(o, true);
    o += 8;
    if (x > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${what}: ${of} ${x} is too large`);
    return Number(x);
  };
  const rstr = (of: string) => {
    const n = u64(`${of} length`);
    need(n, of);
    const s = dec.decode(bytes.subarray(o, o + n));
    o += n;
    return s;
  };
  if (u32('magic') !== GGUF_MAGIC) throw new Error(`${what}: not a GGUF file (bad magic)`);
  const version = u32('version');
  if (version !== 2 && version !== 3) throw new Error(`${what}: GGUF version ${version} is not supported (2 or 3)`);
  const nTensors = u64('tensor count');
  const nKv = u64('metadata count');
  // Each entry takes at least 12 bytes: counts beyond the file size are corrupt.
  if (nTensors > bytes.length / 12 || nKv > bytes.length / 12) throw new Error(`${what}: counts (${nTensors} tensors, ${nKv} keys) exceed what the file can hold`);
  const metadata = new Map<string, GGUFValue>();
  const skip = (type: number, of: string, depth: number): GGUFValue | null => {
    const fixed: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
    switch (type) {
      case GGUFType.STRING: return { type: 'string', value: rstr(of) };
      case GGUFType.INT32: { need(4, of); const v = dv.getInt32(o, true); o += 4; return { type: 'int32', value: v }; }
      case GGUFType.UINT32: return { type: 'uint32', value: u32(of) };
      case GGUFType.FLOAT32: { need(4, of); const v = dv.getFloat32(o, true); o += 4; return { type: 'float32', value: v }; }
      case GGUFType.BOOL: { need(1, of); const v = dv.getUint8(o); o += 1; if (v > 1) throw new Error(`${what}: ${of} is a bool of value ${v}`); return { type: 'bool', value: v === 1 }; }
      case GGUFType.ARRAY: {
        if (depth > 4) throw new Error(`${what}: ${of} nests arrays too deeply`);
        const et = u32(`${of} element type`);
        const n = u64(`${of} length`);
        if (et === GGUFType.INT32 || et === GGUFType.FLOAT32) {
          need(n * 4, of);
          const out = et === GGUFType.INT32 ? new Int32Array(n) : new Float32Array(n);
          for (let i = 0; i < n; i++, o += 4) out[i] = et === GGUFType.INT32 ? dv.getInt32(o, true) : dv.getFloat32(o, true);
          return out instanceof Int32Array ? { type: 'int32[]', value: out } : { type: 'float32[]', value: out };
        }
        if (et !== GGUFType.STRING && et !== GGUFType.ARRAY) {
          const size = fixed[et];
          if (size === undefined) throw new Error(`${what}: ${of} has unknown element type ${et}`);
          need(n * size, of);
          o += n * size;
          return null;
        }
        // Each string takes at least its 8-byte length: counts beyond the rest of the file are corrupt.
        if (n > (bytes.length - o) / 8) throw new Error(`${what}: ${of} claims ${n} elements`);
        if (et === GGUFType.STRING) return { type: 'string[]', value: Array.from({ length: n }, () => rstr(of)) };
        for (let i = 0; i < n; i++) skip(et, of, depth + 1);
        return null;
      }
      default: {
        const size = fixed[type];
        if (size === undefined) throw new Error(`${what}: ${of} has unknown value type ${type}`);
        need(size, of);
        o += size;
        return null;
      }
    }
  };
  for (let i = 0; i < nKv; i++) {
    const key = rstr('key');
    if (metadata.has(key)) throw new Error(`${what}: duplicate key "${key}"`);
    const v = skip(u32(`type of ${key}`), key, 0);
    if (v) metadata.set(key, v);
  }
  const align = alignmentOf(metadata);
  const infos: { name: string; dims: number[]; type: number; offset: number }[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = rstr('tensor name');
    if (seen.has(name)) throw new Error(`${what}: duplicate tensor "${name}"`);
    seen.add(name);
    const nd = u32(`dimension count of ${name}`);
    if (nd < 1 || nd > 4) throw new Error(`${what}: tensor "${name}" has ${nd} dimensions`);
    const dims: number[] = [];
    for (let d = 0; d < nd; d++) dims.push(u64(`dimension of ${name}`));
    infos.push({ name, dims, type: u32(`type of ${name}`), offset: u64(`offset of ${name}`) });
  }
  const dataStart = pad(o, align);
  const tensors: GGUFTensor[] = [];
  let expected = 0;
  const typeNames = new Map<number, GGUFTensorType>(Object.entries(GGML_TYPE).map(([k, v]) => [v, k as GGUFTensorType]));
  for (const t of infos) {
    const type = typeNames.get(t.type);
    if (type === undefined) throw new Error(`${what}: tensor "${t.name}" has ggml type ${t.type}; only F32 (0), F16 (1) and BF16 (30) are read here`);
    const n = t.dims.reduce((a, b) => a * b, 1);
    const size = type === 'f32' ? 4 : 2;
    if (t.offset !== expected) throw new Error(`${what}: tensor "${t.name}" has offset ${t.offset}, expected ${expected}`);
    const start = dataStart + t.offset;
    if (start + n * size > bytes.length) throw new Error(`${what}: tensor "${t.name}" runs past the end of the file`);
    if (type === 'f32') {
      const data = new Float32Array(n);
      for (let j = 0; j < n; j++) data[j] = dv.getFloat32(start + 4 * j, true);
      tensors.push({ name: t.name, dims: t.dims, data });
    } else {
      const data = new Uint16Array(n);
      for (let j = 0; j < n; j++) data[j] = dv.getUint16(start + 2 * j, true);
      tensors.push({ name: t.name, dims: t.dims, type, data });
    }
    expected += pad(n * size, align);
  }
  return { metadata, tensors };
}

export function readGGUF(path: string): GGUFFile {
  return decodeGGUF(readFileSync(path), path);
}
