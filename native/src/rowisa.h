// Run-time choice of the instruction set for the kernels expanded by isa_expand.inc (row-wise,
// elementwise and attention: rowops.cc, eltwise.cc, attention.cc), and the threading rule of the
// row-wise and elementwise ones.
#pragma once
#include <cstdint>
#include <functional>

#include "simd.h"
#include "threadpool.h"

namespace st {

enum RowIsa : int { ISA_GENERIC = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };

// The best supported set (honouring STEERLING_ISA), unless st_force_isa (rowopsIsa()) forced another.
RowIsa row_isa();
const char* isa_name(int isa);  // "generic", "avx2" or "avx512"

// Below this much work a kernel runs on the calling thread. Units are "simple f32 operations per
// element" (a multiply = 1, an exp ≈ 12), and 1 unit ≈ 0.06–0.1 ns on one AVX-512 core, so the
// threshold is ≈ 20 µs of single-thread work: waking and joining the pool costs 5–10 µs when the
// other cores are idle and much more when they are busy, so decode-sized rows (one token's
// norm, softmax or activation) stay on the calling thread.
// Tests lower it (rowopsParallelWork) to run the threaded paths on small inputs.
double parallel_work();
void set_parallel_work(double units);

// Runs fn(i0, i1) over [0, n): one call on this thread for small work, else blocks on the pool.
inline void for_blocks(int64_t n, double work, const std::function<void(int64_t, int64_t)>& fn) {
  const int nt = num_threads();
  if (nt <= 1 || n < 2 || work < parallel_work()) {
    if (n > 0) fn(0, n);
    return;
  }
  // A few blocks per thread so a core slowed by other work takes fewer.
  const int64_t blocks = n < 4 * nt ? n : 4 * nt;
  parallel_for(blocks, [&](int64_t b) { fn(n * b / blocks, n * (b + 1) / blocks); });
}

}  // namespace st

// Calls ns::fn(args...) for the active instruction set's namespace (see isa_expand.inc).
#ifdef ST_X86
#define ST_ISA_CALL(fn, ...)                                               \
  do {                                                                     \
    switch (::st::row_isa()) {                                             \
      case ::st::ISA_AVX512: isa_avx512::fn(__VA_ARGS__); break;           \
      case ::st::ISA_AVX2: isa_avx2::fn(__VA_ARGS__); break;               \
      default: isa_generic::fn(__VA_ARGS__);                               \
    }                                                                      \
  } while (0)
#else
#define ST_ISA_CALL(fn, ...) isa_generic::fn(__VA_ARGS__)
#endif
