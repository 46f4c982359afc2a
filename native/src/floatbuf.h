// A growable 64-byte-aligned float buffer: scratch that kernels keep between calls (no
// allocation on the hot path once warm), aligned for the vector loads that read it.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <new>

namespace st {

struct FloatBuf {
  float* p = nullptr;
  size_t cap = 0;
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      cap = (n + 1023) & ~size_t(1023);
      p = static_cast<float*>(std::aligned_alloc(64, cap * sizeof(float)));
      if (!p) {
        cap = 0;
        throw std::bad_alloc();
      }
    }
    return p;
  }
  FloatBuf() = default;
  FloatBuf(const FloatBuf&) = delete;
  FloatBuf& operator=(const FloatBuf&) = delete;
  ~FloatBuf() { std::free(p); }
};

}  // namespace st
