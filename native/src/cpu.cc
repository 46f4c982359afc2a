// CPU feature detection, done once; kernels pick their path from these flags at run time.
#include "common.h"
#include "cpu.h"

namespace st {

static CpuFeatures detect() {
  CpuFeatures f{};
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  f.avx2 = __builtin_cpu_supports("avx2");
  f.fma = __builtin_cpu_supports("fma");
  f.f16c = __builtin_cpu_supports("f16c");
  f.avx512f = __builtin_cpu_supports("avx512f");
#endif
  if (const char* p = std::getenv("STEERLING_ISA")) {
    // Lets tests and benchmarks force the portable or AVX2 path on a machine that has more.
    std::string s(p);
    if (s == "generic") f.avx2 = f.fma = f.avx512f = false;
    if (s == "avx2") f.avx512f = false;
  }
  return f;
}

const CpuFeatures& cpu() {
  static CpuFeatures f = detect();
  return f;
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ffu, u;
  if (exp == 0) {
    if (mant == 0) {
      u = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do { e++; mant <<= 1; } while ((mant & 0x400u) == 0);
      u = sign | ((127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (mant << 13);
  } else {
    u = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace st

st_cpu_features st_cpu(void) {
  const auto& f = st::cpu();
  return {f.avx2, f.fma, f.f16c, f.avx512f};
}
