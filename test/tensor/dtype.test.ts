// bf16/f16 conversions against known bit patterns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { f32ToBf16Bits, bf16BitsToF32, f32ToF16Bits, f16BitsToF32, tensor } from '../../src/index.js';

test('bf16 known bit patterns and round-to-nearest-even', () => {
  const cases: [number, number][] = [
    [1, 0x3f80], [-2, 0xc000], [0, 0x0000], [-0, 0x8000], [0.5, 0x3f00],
    [3.140625, 0x4049], [Infinity, 0x7f80], [-Infinity, 0xff80],
    [65280, 0x477f], [2 ** -133, 0x0001], // the smallest subnormal
  ];
  for (const [x, bits] of cases) {
    assert.equal(f32ToBf16Bits(x), bits, `f32→bf16 of ${x}`);
    assert.equal(bf16BitsToF32(bits), x, `bf16→f32 of ${bits.toString(16)}`);
  }
  // 1 + 2^-8 is halfway between bf16 1 (0x3f80) and 1+2^-7 (0x3f81): ties go to even (0x3f80).
  assert.equal(f32ToBf16Bits(1 + 2 ** -8), 0x3f80);
  // 1 + 3·2^-8 is halfway between 0x3f81 and 0x3f82: ties go to even (0x3f82).
  assert.equal(f32ToBf16Bits(1 + 3 * 2 ** -8), 0x3f82);
  assert.equal(f32ToBf16Bits(1 + 2 ** -8 + 2 ** -16), 0x3f81);
  assert.ok(Number.isNaN(bf16BitsToF32(f32ToBf16Bits(NaN))));
  // Every bf16 bit pattern (non-NaN) round-trips exactly.
  for (let h = 0; h < 0x10000; h++) {
    const f = bf16BitsToF32(h);
    if (!Number.isNaN(f)) assert.equal(f32ToBf16Bits(f), h);
  }
});

test('f16 known bit patterns, subnormals, overflow and round-to-nearest-even', () => {
  const cases: [number, number][] = [
    [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [65504, 0x7bff], [2 ** -14, 0x0400],
    [2 ** -24, 0x0001], [Infinity, 0x7c00], [-0, 0x8000], [0.333251953125, 0x3555],
  ];
  for (const [x, bits] of cases) {
    assert.equal(f32ToF16Bits(x), bits, `f32→f16 of ${x}`);
    assert.equal(f16BitsToF32(bits), x);
  }
  assert.equal(f32ToF16Bits(65520), 0x7c00, 'rounds to Inf past the max');
  assert.equal(f32ToF16Bits(1 + 2 ** -11), 0x3c00, 'tie to even');
  assert.equal(f32ToF16Bits(1 + 3 * 2 ** -11), 0x3c02, 'tie to even');
  assert.equal(f32ToF16Bits(2 ** -25), 0x0000, 'half of the smallest subnormal ties to 0');
  for (let h = 0; h < 0x10000; h++) {
    const f = f16BitsToF32(h);
    if (!Number.isNaN(f)) assert.equal(f32ToF16Bits(f), h);
  }
});

test('tensors store half types as bits and widen on read', () => {
  const t = tensor([1, -2.5, 0.1], { dtype: 'bf16' });
  assert.ok(t.data instanceof Uint16Array);
  assert.deepEqual(Array.from(t.data), [0x3f80, 0xc020, 0x3dcd]);
  assert.deepEqual(t.toArray(), [1, -2.5, bf16BitsToF32(0x3dcd)]);
  assert.throws(() => tensor([1.5], { dtype: 'i32' }), /not an integer/);
});
