#pragma once
#include <cstdlib>
#include <string>

namespace st {
struct CpuFeatures {
  bool avx2, fma, f16c, avx512f;
};
const CpuFeatures& cpu();
}  // namespace st
