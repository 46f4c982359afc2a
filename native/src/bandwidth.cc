// st_stream_read_gbs (streamReadGbs): the memory read bandwidth this process gets from all pool threads
// summing one buffer, best of `reps` passes, in GB/s. It is the yardstick of decode speed: a
// decode step must stream every weight once, so (this bandwidth) / (bytes per token) bounds
// tokens per second. The buffer should be at least as large as the weights, so that caches do
// not flatter the figure; it is allocated, touched and freed inside the call.
// GCC 12 warns inside its own avx512fintrin.h on _mm512_reduce_add_ps (a known false positive).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common.h"
#include "cpu.h"
#include "threadpool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ST_BW_X86 1
#endif

namespace st {
namespace {

// Sums n floats (n a multiple of 64) with four independent accumulators; the result only keeps
// the compiler from dropping the loads.
#ifdef ST_BW_X86
__attribute__((target("avx512f"))) float sum_avx512(const float* p, int64_t n) {
  __m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;
  for (int64_t i = 0; i < n; i += 64) {
    a = _mm512_add_ps(a, _mm512_load_ps(p + i));
    b = _mm512_add_ps(b, _mm512_load_ps(p + i + 16));
    c = _mm512_add_ps(c, _mm512_load_ps(p + i + 32));
    d = _mm512_add_ps(d, _mm512_load_ps(p + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)));
}
__attribute__((target("avx2"))) float sum_avx2(const float* p, int64_t n) {
  __m256 a = _mm256_setzero_ps(), b = a, c = a, d = a;
  for (int64_t i = 0; i < n; i += 32) {
    a = _mm256_add_ps(a, _mm256_load_ps(p + i));
    b = _mm256_add_ps(b, _mm256_load_ps(p + i + 8));
    c = _mm256_add_ps(c, _mm256_load_ps(p + i + 16));
    d = _mm256_add_ps(d, _mm256_load_ps(p + i + 24));
  }
  alignas(32) float t[8];
  _mm256_store_ps(t, _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d)));
  return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}
#endif
float sum_scalar(const float* p, int64_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t i = 0; i < n; i += 8)
    for (int j = 0; j < 8; j++) s[j] += p[i + j];
  return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

float sum(const float* p, int64_t n) {
#ifdef ST_BW_X86
  if (cpu().avx512f) return sum_avx512(p, n);
  if (cpu().avx2) return sum_avx2(p, n);
#endif
  return sum_scalar(p, n);
}

double stream_read_gbs(int64_t bytes, int reps) {
  constexpr int64_t kPiece = int64_t(1) << 20;  // floats per task: 4 MiB, many tasks per thread
  const int64_t n = std::max<int64_t>(kPiece, bytes / 4 / kPiece * kPiece);
  float* p = static_cast<float*>(std::aligned_alloc(64, size_t(n) * 4));
  if (!p) throw std::bad_alloc();
  // Huge pages, as the loaded weights get (hugepages.cc): the bound is the best read.
  st_advise_huge_pages(p, n * 4);
  // Touch every page from the pool, so the pages are mapped before timing.
  const int64_t tasks = n / kPiece;
  parallel_for(tasks, [&](int64_t t) { std::fill(p + t * kPiece, p + (t + 1) * kPiece, 1.0f); });
  std::vector<float> sink(static_cast<size_t>(tasks));
  double best = 0;
  for (int r = 0; r < reps; r++) {
    const auto t0 = std::chrono::steady_clock::now();
    parallel_for(tasks, [&](int64_t t) { sink[size_t(t)] = sum(p + t * kPiece, kPiece); });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, double(n) * 4 / s / 1e9);
  }
  volatile float keep = 0;
  for (float v : sink) keep = keep + v;
  std::free(p);
  return best;
}

}  // namespace
}  // namespace st

double st_stream_read_gbs(int64_t bytes, int reps) { return st::stream_read_gbs(bytes, reps); }
