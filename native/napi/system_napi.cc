// N-API side of the machine-wide settings: CPU features, the thread pool, the instruction-set
// choices (row-wise/elementwise/attention kernels, GEMM kits), the bandwidth probe and huge-page advice.
#include "bind.h"

namespace {

using namespace st_napi;

Napi::Value CpuInfo(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const st_cpu_features f = st_cpu();
  Napi::Object o = Napi::Object::New(env);
  o.Set("avx2", f.avx2);
  o.Set("fma", f.fma);
  o.Set("f16c", f.f16c);
  o.Set("avx512f", f.avx512f);
  o.Set("isa", f.avx512f && f.fma ? "avx512" : (f.avx2 && f.fma ? "avx2" : "generic"));
  return o;
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), st_num_threads()); }

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  st_set_num_threads(static_cast<int>(i64(info[0])));
  return info.Env().Undefined();
}

// rowopsIsa(name?): forces 'generic' | 'avx2' | 'avx512' (or 'auto') for the row-wise,
// elementwise and attention kernels; returns the active set.
Napi::Value RowopsIsa(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (info.Length() > 0 && info[0].IsString()) {
    const std::string s = info[0].As<Napi::String>().Utf8Value();
    const int r = st_force_isa(s.c_str());
    if (r == -1) throw Napi::Error::New(env, "rowopsIsa: unknown instruction set '" + s + "' (generic, avx2, avx512, auto)");
    if (r == -2) throw Napi::Error::New(env, "rowopsIsa: '" + s + "' is not supported on this CPU");
  }
  return Napi::String::New(env, st_isa());
}

// attentionIsa(): the instruction set the attention kernels run (the same choice as rowopsIsa).
Napi::Value AttentionIsa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), st_isa()); }

// rowopsParallelWork(units?): sets the threading threshold (st_parallel_work); returns it.
Napi::Value RowopsParallelWork(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsNumber()) st_set_parallel_work(f64(info[0]));
  return Napi::Number::New(info.Env(), st_parallel_work());
}

// gemmIsa() → the kit in use; gemmIsa(name) forces 'generic' | 'avx2' | 'avx512' (or 'auto' for
// the best the CPU has).
Napi::Value GemmIsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() > 0 && info[0].IsString()) {
    const std::string name = info[0].As<Napi::String>().Utf8Value();
    const int r = st_force_gemm_isa(name.c_str());
    if (r == -1) throw Napi::RangeError::New(env, "gemmIsa: unknown path '" + name + "' (expected auto, generic, avx2 or avx512)");
    if (r == -2) throw Napi::Error::New(env, "gemmIsa: this CPU (or STEERLING_ISA) does not allow the " + name + " path");
  }
  return Napi::String::New(env, st_gemm_isa());
}

// streamReadGbs(bytes, reps = 5)
Napi::Value StreamReadGbs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t bytes = i64(info[0]), reps = info.Length() > 1 ? i64(info[1]) : 5;
  if (bytes <= 0 || bytes > (int64_t(1) << 36)) throw Napi::RangeError::New(env, "streamReadGbs: bytes must be in (0, 64 GiB]");
  if (reps < 1 || reps > 1000) throw Napi::RangeError::New(env, "streamReadGbs: reps must be in [1, 1000]");
  return Napi::Number::New(env, st_stream_read_gbs(bytes, int(reps)));
}

// adviseHugePages(buffer: ArrayBuffer) → bytes advised (see st_advise_huge_pages)
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) throw Napi::TypeError::New(env, "adviseHugePages: expected an ArrayBuffer");
  Napi::ArrayBuffer b = info[0].As<Napi::ArrayBuffer>();
  return Napi::Number::New(env, double(st_advise_huge_pages(b.Data(), int64_t(b.ByteLength()))));
}

}  // namespace

void st_init_system(Napi::Env env, Napi::Object exports) {
  exports.Set("cpuInfo", Napi::Function::New(env, CpuInfo));
  exports.Set("adviseHugePages", Napi::Function::New(env, AdviseHugePages));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("rowopsIsa", Napi::Function::New(env, RowopsIsa));
  exports.Set("attentionIsa", Napi::Function::New(env, AttentionIsa));
  exports.Set("rowopsParallelWork", Napi::Function::New(env, RowopsParallelWork));
  exports.Set("gemmIsa", Napi::Function::New(env, GemmIsa));
  exports.Set("streamReadGbs", Napi::Function::New(env, StreamReadGbs));
}
