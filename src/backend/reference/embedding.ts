// Reference embedding gather (rows of a table picked by id, widened from any float storage) and
// its gradient, a scatter-add of output rows into a zero table.
import type { Kernels } from '../kernels.js';
import { allocLike, reader } from './util.js';

function checkId(id: number, rows: number, i: number): void {
  if (!(id >= 0 && id < rows)) throw new Error(`gather: id ${id} at position ${i} is out of range for a table of ${rows} rows`);
}

export const gather: Kernels['gather'] = (table, tableDtype, rows, cols, ids, out) => {
  const res = out === 'f64' ? new Float64Array(ids.length * cols) : new Float32Array(ids.length * cols);
  const rd = reader(table, tableDtype);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    checkId(id, rows, i);
    const src = id * cols;
    const dst = i * cols;
    for (let c = 0; c < cols; c++) res[dst + c] = rd(src + c);
  }
  return res;
};

export const scatterAdd: Kernels['scatterAdd'] = (g, ids, rows, cols) => {
  const out = allocLike(g, rows * cols);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    checkId(id, rows, i);
    const dst = id * cols;
    const src = i * cols;
    for (let c = 0; c < cols; c++) out[dst + c] = out[dst + c]! + g[src + c]!;
  }
  return out;
};

export const embeddingKernels: Partial<Kernels> = { gather, scatterAdd };
