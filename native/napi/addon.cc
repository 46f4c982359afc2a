// steerling native CPU backend: one N-API module; each binding file registers its own exports.
#include "bind.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  st_init_system(env, exports);
  st_init_matmul(env, exports);
  st_init_attention(env, exports);
  st_init_rowops(env, exports);
  st_init_eltwise(env, exports);
  st_init_decode(env, exports);
  return exports;
}

NODE_API_MODULE(steerling_native, Init)
