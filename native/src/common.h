// Shared helpers for the native backend: typed-array access and the kernel registration hook.
// Every kernel file defines `void st_init_<file>(Napi::Env, Napi::Object)` and addon.cc calls it.
// Conventions: all buffers are JS typed arrays owned by JS (no native allocation escapes a call);
// shapes are passed explicitly as numbers; dtype codes: 0 = f32, 1 = bf16, 2 = f16.
#pragma once
#include <napi.h>
#include <cstdint>
#include <cstring>

namespace st {

enum DType : int { F32 = 0, BF16 = 1, F16 = 2 };

template <typename T>
inline T* ptr(const Napi::Value& v) {
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  return reinterpret_cast<T*>(static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
}
inline size_t length(const Napi::Value& v) { return v.As<Napi::TypedArray>().ElementLength(); }
inline int64_t i64(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
inline double f64(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }
inline bool flag(const Napi::Value& v) { return v.ToBoolean().Value(); }

inline float bf16_to_f32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
float f16_to_f32(uint16_t h);

}  // namespace st

void st_init_threadpool(Napi::Env env, Napi::Object exports);
void st_init_cpu(Napi::Env env, Napi::Object exports);
void st_init_gemm(Napi::Env env, Napi::Object exports);
void st_init_attention(Napi::Env env, Napi::Object exports);
void st_init_rowops(Napi::Env env, Napi::Object exports);
void st_init_bandwidth(Napi::Env env, Napi::Object exports);
void st_init_decode(Napi::Env env, Napi::Object exports);
