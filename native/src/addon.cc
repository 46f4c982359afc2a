// steerling native CPU backend: one N-API module; each kernel file registers its own exports.
#include "common.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  st_init_cpu(env, exports);
  st_init_threadpool(env, exports);
  st_init_gemm(env, exports);
  st_init_attention(env, exports);
  st_init_rowops(env, exports);
  st_init_bandwidth(env, exports);
  st_init_decode(env, exports);
  return exports;
}

NODE_API_MODULE(steerling_native, Init)
