#include "threadpool.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "common.h"

namespace st {
namespace {

struct Pool {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable cv_start, cv_done;
  const std::function<void(int64_t)>* job = nullptr;
  int64_t n_tasks = 0;
  std::atomic<int64_t> next{0};
  uint64_t generation = 0;
  int active = 0;  // workers still running the current job
  bool stop = false;
  int size = 1;    // total threads including the caller

  void run_tasks() {
    for (;;) {
      int64_t t = next.fetch_add(1);
      if (t >= n_tasks) break;
      (*job)(t);
    }
  }

  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mu);
        cv_start.wait(lk, [&] { return stop || generation != seen; });
        if (stop) return;
        seen = generation;
      }
      run_tasks();
      {
        std::lock_guard<std::mutex> lk(mu);
        if (--active == 0) cv_done.notify_one();
      }
    }
  }

  void resize(int n) {
    if (n < 1) n = 1;
    shutdown();
    stop = false;
    size = n;
    for (int i = 0; i < n - 1; i++) workers.emplace_back([this] { worker_loop(); });
  }

  void shutdown() {
    {
      std::lock_guard<std::mutex> lk(mu);
      stop = true;
    }
    cv_start.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
  }

  ~Pool() { shutdown(); }
};

int default_threads() {
  if (const char* p = std::getenv("STEERLING_THREADS")) {
    int n = std::atoi(p);
    if (n > 0) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc > 0 ? static_cast<int>(hc) : 1;
}

Pool& pool() {
  static Pool* p = [] {
    auto* q = new Pool();
    q->resize(default_threads());
    return q;
  }();
  return *p;
}

}  // namespace

int num_threads() { return pool().size; }
void set_num_threads(int n) { pool().resize(n); }

void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn) {
  Pool& p = pool();
  if (n_tasks <= 0) return;
  if (p.size == 1 || n_tasks == 1) {
    for (int64_t t = 0; t < n_tasks; t++) fn(t);
    return;
  }
  {
    std::lock_guard<std::mutex> lk(p.mu);
    p.job = &fn;
    p.n_tasks = n_tasks;
    p.next.store(0);
    p.active = static_cast<int>(p.workers.size());
    p.generation++;
  }
  p.cv_start.notify_all();
  p.run_tasks();
  std::unique_lock<std::mutex> lk(p.mu);
  p.cv_done.wait(lk, [&] { return p.active == 0; });
  p.job = nullptr;
}

}  // namespace st

static Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), st::num_threads());
}
static Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  st::set_num_threads(static_cast<int>(st::i64(info[0])));
  return info.Env().Undefined();
}

void st_init_threadpool(Napi::Env env, Napi::Object exports) {
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
}
