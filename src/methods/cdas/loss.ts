// The CDAS objective (methods.md §1.4): Jensen–Shannon divergence between the intervened base
// run's next-token distribution (student) and the frozen model's distribution on the source input
// (teacher), at every response token, pooled: the mean over all response tokens of the minibatch
// (the repository's choice, which produced the released numbers; the paper's per-sequence
// 1/|y| differs only when replies differ in length).
//
// Response token k of a sequence with prompt length P is predicted by the logits at P − 1 + k
// (the usual next-token shift), so the rows compared are base P_b − 1 + k and source P_s − 1 + k.

import { fromStorage, type Tensor } from '../../tensor/tensor.js';
import * as ops from '../../tensor/ops/index.js';
import type { Sequence } from './tokenize.js';

/** Flat row indices (into [B·T, V]) of the logits that predict each response token, for a left-padded batch. */
export function responseRows(seqs: readonly Sequence[], pad: Int32Array, T: number): Int32Array {
  const rows: number[] = [];
  seqs.forEach((s, b) => {
    const n = s.ids.length - s.promptLength;
    for (let k = 0; k < n; k++) rows.push(b * T + pad[b]! + s.promptLength - 1 + k);
  });
  return Int32Array.from(rows);
}

/** Copies the selected rows of a frozen [B·T, V] logits array (the teacher needs no gradient). */
export function gatherRows(logits: Float32Array, rows: Int32Array, vocab: number): Float32Array {
  const out = new Float32Array(rows.length * vocab);
  rows.forEach((r, i) => out.set(logits.subarray(r * vocab, (r + 1) * vocab), i * vocab));
  return out;
}

/**
 * Mean JSD over the response tokens. `student` is [B, T, V] logits (carries the gradient),
 * `studentRows` its response rows, `teacher` the teacher's response rows [n, V] in the same order.
 */
export function responseJsd(student: Tensor, studentRows: Int32Array, teacher: Float32Array): Tensor {
  const V = student.shape[student.rank - 1]!;
  const n = studentRows.length;
  if (teacher.length !== n * V) throw new Error(`CDAS loss: ${n} student response tokens but ${teacher.length / V} teacher tokens (misaligned batch)`);
  if (n === 0) throw new Error('CDAS loss: the batch has no response tokens');
  // embedding() is a row gather whose backward scatters into the table: exactly the gradient path needed.
  const picked = ops.embedding(ops.reshape(student, [student.size / V, V]), fromStorage(studentRows, [n], 'i32'));
  return ops.jsDiv(picked, fromStorage(teacher, [n, V], 'f32'), { reduction: 'mean' });
}
