// Writing a .safetensors file.
//
//   writeSafetensors('out.safetensors', { 'w': tensor([[1, 2]]) }, { format: 'pt' });
//
// Layout: 8-byte little-endian header length, the JSON header padded with spaces so the data
// section starts on an 8-byte boundary, then the tensors' bytes in name order, back to back.
// Tensors keep their dtype (f32→F32, bf16→BF16, f16→F16, i32→I32). f64 is refused unless
// `narrowF64` asks to store it as F32: a silent 2× file or a silent precision loss are both
// surprising. The file is written under a temporary name and renamed, so a crash never leaves a
// half-written file behind under the real name.

import { writeFileAtomic } from './out-path.js';
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import { assertLittleEndian } from './safetensors.js';
import type { SafetensorsDType } from './safetensors-header.js';

export interface WriteOptions {
  /** Store f64 tensors as F32 (a narrowing copy) instead of refusing them. */
  narrowF64?: boolean;
}

const DTYPE_OUT: Readonly<Record<Exclude<DType, 'f64'>, SafetensorsDType>> = {
  f32: 'F32', bf16: 'BF16', f16: 'F16', i32: 'I32',
};

interface Entry {
  name: string;
  dtype: SafetensorsDType;
  shape: readonly number[];
  bytes: Uint8Array;
}

function entryOf(name: string, t: Tensor, opts: WriteOptions): Entry {
  if (name === '__metadata__' || name.length === 0) throw new Error(`writeSafetensors: invalid tensor name ${JSON.stringify(name)}`);
  let data = t.data;
  let dtype: SafetensorsDType;
  if (t.dtype === 'f64') {
    if (!opts.narrowF64) throw new Error(`writeSafetensors: tensor "${name}" is f64; cast it first or pass { narrowF64: true } to store it as F32`);
    data = Float32Array.from(data as Float64Array);
    dtype = 'F32';
  } else {
    dtype = DTYPE_OUT[t.dtype];
  }
  return { name, dtype, shape: t.shape, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** The header bytes (length prefix + padded JSON) for entries laid out in order. */
export function encodeHeader(entries: readonly Entry[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`writeSafetensors: metadata "${k}" must be a string, got ${typeof v}`);
    }
    header['__metadata__'] = metadata;
  }
  let offset = 0;
  for (const e of entries) {
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.bytes.length] };
    offset += e.bytes.length;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = new Uint8Array(8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

/** Writes tensors (sorted by name) and optional string metadata to `path`. */
export function writeSafetensors(
  path: string,
  tensors: Readonly<Record<string, Tensor>> | ReadonlyMap<string, Tensor>,
  metadata?: Readonly<Record<string, string>>,
  opts: WriteOptions = {},
): void {
  assertLittleEndian();
  const pairs = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, Tensor>);
  pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const entries = pairs.map(([name, t]) => entryOf(name, t, opts));
  const head = encodeHeader(entries, metadata);

  writeFileAtomic(path, [head, ...entries.map((e) => e.bytes)]);
}
