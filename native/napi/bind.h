// The N-API binding layer: each napi/*_napi.cc file turns kernels of native/include/steerling.h
// into JS functions, checking argument types and lengths so a bad call gets a one-line error
// instead of an out-of-bounds read. Typed arrays are JS-owned; the kernels only write into them.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "steerling.h"

namespace st_napi {

template <typename T>
inline T* ptr(const Napi::Value& v) {
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  return reinterpret_cast<T*>(static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
}
inline size_t length(const Napi::Value& v) { return v.As<Napi::TypedArray>().ElementLength(); }
inline int64_t i64(const Napi::Value& v) { return v.As<Napi::Number>().Int64Value(); }
inline double f64(const Napi::Value& v) { return v.As<Napi::Number>().DoubleValue(); }
inline bool flag(const Napi::Value& v) { return v.ToBoolean().Value(); }
inline bool is_null(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }
inline bool is_typed(const Napi::Value& v, napi_typedarray_type t) { return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == t; }

// The data of an optional typed array (null or undefined: nullptr).
inline const void* opt_ptr(const Napi::Value& v) {
  if (is_null(v)) return nullptr;
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  return static_cast<const uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
}

// The typed array type that holds a dtype's elements: Float32Array (f32) or Uint16Array of bits.
inline napi_typedarray_type array_type(int64_t dtype) { return dtype == ST_F32 ? napi_float32_array : napi_uint16_array; }

// A weight or parameter: its data as f32 or 16-bit elements, by dtype.
inline const void* data_of(const Napi::Value& v, int64_t dtype) {
  return dtype == ST_F32 ? static_cast<const void*>(ptr<float>(v)) : static_cast<const void*>(ptr<uint16_t>(v));
}

}  // namespace st_napi

// One registration function per binding file; addon.cc calls them all.
void st_init_system(Napi::Env env, Napi::Object exports);
void st_init_matmul(Napi::Env env, Napi::Object exports);
void st_init_attention(Napi::Env env, Napi::Object exports);
void st_init_rowops(Napi::Env env, Napi::Object exports);
void st_init_eltwise(Napi::Env env, Napi::Object exports);
void st_init_decode(Napi::Env env, Napi::Object exports);
