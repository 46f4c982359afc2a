"""PyTorch's GEMM throughput on this CPU, the peer of bench/compare-gemm.mjs.

    /usr/bin/python3 bench/torch/gemm.py M N K [THREADS] [f32|bf16]

Times a @ b (torch.mm, Debian's OpenBLAS) with A [M, K] and B [K, N] in f32, or B kept in bf16 and
widened on each call (what a bf16-weight GEMM has to beat); prints GFLOP/s, best of 5 timed batches.
Needs Debian's python3-torch and libopenblas0-pthread (without it torch uses the reference BLAS).
"""
import sys
import time

import torch


def main() -> None:
    m, n, k = (int(x) for x in sys.argv[1:4])
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    dtype = sys.argv[5] if len(sys.argv) > 5 else 'f32'
    if dtype not in ('f32', 'bf16'):
        raise SystemExit(f'dtype must be f32 or bf16, got {dtype}')
    torch.set_num_threads(threads)
    a = torch.randn(m, k)
    b = torch.randn(k, n)
    if dtype == 'bf16':
        b_bf16 = b.to(torch.bfloat16)
        product = lambda: a @ b_bf16.float()
    else:
        product = lambda: a @ b
    flops = 2 * m * n * k
    reps = max(1, int(2e9 / flops))  # about 2 GFLOP per timed batch
    for _ in range(3):
        product()
    best = float('inf')
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(reps):
            product()
        best = min(best, (time.perf_counter() - start) / reps)
    print(f'{flops / best / 1e9:.1f}')


if __name__ == '__main__':
    main()
