// Reference matmul: the plain triple loop, accumulating in the output's float type.
import type { Kernels } from '../kernels.js';
import { allocLike, reader } from './util.js';
import { binary, unary } from './elementwise.js';

export const matmul: Kernels['matmul'] = (a, b, { batch, m, n, k, transA, transB, aBatchStride, bBatchStride, bDtype }) => {
  const out = allocLike(a, batch * m * n);
  const rb = reader(b, bDtype);
  for (let bi = 0; bi < batch; bi++) {
    const ao = bi * aBatchStride;
    const bo = bi * bBatchStride;
    const oo = bi * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transA ? a[ao + p * m + i]! : a[ao + i * k + p]!;
          const bv = transB ? rb(bo + j * k + p) : rb(bo + p * n + j);
          s += av * bv;
        }
        out[oo + i * n + j] = s;
      }
    }
  }
  return out;
};

/** The specification of linearMany: one matmul with transposed B per weight. */
export const linearMany: Kernels['linearMany'] = (x, ws, { m, k, ns, bDtypes }) =>
  ws.map((w, i) => matmul(x, w, { batch: 1, m, n: ns[i]!, k, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0, bDtype: bDtypes[i]! }));

/** The specification of gatedLinear: two products, the activation, then the elementwise product. */
export const gatedLinear: Kernels['gatedLinear'] = (x, wg, wu, { m, k, n, gDtype, uDtype, act }) => {
  const base = { batch: 1, m, n, k, transA: false, transB: true, aBatchStride: 0, bBatchStride: 0 };
  const gate = unary(act, matmul(x, wg, { ...base, bDtype: gDtype }));
  const up = matmul(x, wu, { ...base, bDtype: uDtype });
  return binary('mul', gate, [m, n], up, [m, n], [m, n]);
};
