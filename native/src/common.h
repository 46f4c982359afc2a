// Shared helpers for the kernels: the storage type codes and half-precision widening.
// Conventions (see native/include/steerling.h): buffers are caller-owned typed arrays, shapes are
// passed explicitly; dtype codes: 0 = f32, 1 = bf16, 2 = f16.
#pragma once
#include <cstdint>
#include <cstring>

#include "steerling.h"

namespace st {

enum DType : int { F32 = ST_F32, BF16 = ST_BF16, F16 = ST_F16 };

inline float bf16_to_f32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
float f16_to_f32(uint16_t h);

}  // namespace st
