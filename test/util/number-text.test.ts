// Strengths and ranges print without exponents: "[-117.9, 117.9]", never "[-1.18e+2, 1.18e+2]".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readableNumber } from '../../src/util/number-text.js';

test('readable numbers: significant digits, no exponent', () => {
  assert.equal(readableNumber(117.91234), '117.9');
  assert.equal(readableNumber(-117.91234), '-117.9');
  assert.equal(readableNumber(1180.4), '1180');
  assert.equal(readableNumber(0.0012345), '0.001235');
  assert.equal(readableNumber(2.5), '2.5');
  assert.equal(readableNumber(0), '0');
  assert.equal(readableNumber(-0), '0');
  assert.equal(readableNumber(123456789), '123500000');
  assert.doesNotMatch(readableNumber(1e-7), /e/);
  assert.equal(readableNumber(NaN), 'NaN');
});
