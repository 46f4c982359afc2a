#include "threadpool.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "steerling.h"

namespace st {
namespace {

// Waking a sleeping thread (futex + inter-processor interrupt) costs 5–50 µs on a VM, about what
// a decode-sized matrix–vector product takes, and decode makes a few hundred pool calls per
// token with only a little JS work between them. So each side spins before sleeping: a worker
// polls for the next job after finishing one, and the caller polls for the workers to finish.
// The spin budget adapts per waiting site: it doubles (up to max_spin_us()) when a spin ends in
// success and halves (down to kMinSpinUs) when it times out. Decode's back-to-back jobs keep it
// high; long gaps between jobs (training, or a machine whose other cores are busy, where a
// spinning thread only takes time from the thread it waits for) shrink it to almost nothing.
// Sleeping is the fallback, and the wake-ups are skipped when nobody sleeps.
constexpr int64_t kMinSpinUs = 2;

int64_t max_spin_us() {
  static const int64_t us = [] {
    const char* p = std::getenv("STEERLING_SPIN_US");  // 0 turns spinning off (benchmarks)
    return p ? std::max<int64_t>(0, std::atoll(p)) : int64_t(200);
  }();
  return us;
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// CPU time of the calling thread, in microseconds.
int64_t thread_cpu_us() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return int64_t(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

// Calls done() until it returns true or about `budget` microseconds have passed; returns done()
// and adapts the budget for the next wait at the same site. A spin during which this thread got
// much less CPU time than wall time means the cores are oversubscribed (other processes, or the
// thread we wait for shares our core): spinning then only slows that thread, so the budget
// drops to the minimum at once.
template <class F>
bool spin_until(F done, int64_t& budget) {
  const int64_t max = max_spin_us();
  if (max == 0) return done();
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto until = start + std::chrono::microseconds(budget);
  const int64_t cpu0 = budget > 4 * kMinSpinUs ? thread_cpu_us() : -1;
  bool ok = false;
  for (int i = 1;; i++) {
    if (done()) {
      ok = true;
      break;
    }
    cpu_relax();
    if ((i & 31) == 0 && clock::now() > until) {
      ok = done();
      break;
    }
  }
  const int64_t wall = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start).count();
  const bool starved = cpu0 >= 0 && wall > 20 && 10 * (thread_cpu_us() - cpu0) < 7 * wall;
  if (starved) budget = std::min(max, kMinSpinUs);
  else if (ok) budget = std::min(max, 2 * budget);
  else budget = std::max(std::min(max, kMinSpinUs), budget / 2);
  return ok;
}

struct Pool {
  std::vector<std::thread> workers;
  std::mutex mu;
  std::condition_variable cv_start, cv_done;
  const std::function<void(int64_t)>* job = nullptr;
  int64_t n_tasks = 0;
  std::atomic<int64_t> next{0};
  // Sequentially consistent, like the sleeper counts: a side that is about to sleep registers
  // itself and then re-checks the condition, while the other side changes the condition and
  // then looks for sleepers, so one of the two always sees the other (no lost wake-up).
  std::atomic<uint64_t> generation{0};
  std::atomic<int> active{0};          // workers still running the current job
  std::atomic<int> sleeping_workers{0};
  std::atomic<bool> caller_sleeping{false};
  std::atomic<bool> stop{false};
  int size = 1;    // total threads including the caller
  int64_t caller_budget = max_spin_us();  // spin budget of run_job's wait (one caller at a time)

  void run_tasks() {
    for (;;) {
      int64_t t = next.fetch_add(1);
      if (t >= n_tasks) break;
      (*job)(t);
    }
  }

  void worker_loop(uint64_t seen) {
    int64_t budget = max_spin_us();
    for (;;) {
      auto ready = [&] { return stop.load() || generation.load() != seen; };
      if (!spin_until(ready, budget)) {
        std::unique_lock<std::mutex> lk(mu);
        sleeping_workers.fetch_add(1);
        cv_start.wait(lk, ready);
        sleeping_workers.fetch_sub(1);
      }
      if (stop.load()) return;
      seen = generation.load();
      run_tasks();
      if (active.fetch_sub(1) == 1 && caller_sleeping.load()) {
        std::lock_guard<std::mutex> lk(mu);
        cv_done.notify_one();
      }
    }
  }

  // Starts the current job on the workers, runs tasks here too, returns when all are done.
  void run_job() {
    active.store(static_cast<int>(workers.size()));
    generation.fetch_add(1);  // publishes job, n_tasks and next to the workers
    if (sleeping_workers.load() > 0) {
      std::lock_guard<std::mutex> lk(mu);
      cv_start.notify_all();
    }
    run_tasks();
    auto finished = [&] { return active.load() == 0; };
    if (!spin_until(finished, caller_budget)) {
      std::unique_lock<std::mutex> lk(mu);
      caller_sleeping.store(true);
      cv_done.wait(lk, finished);
      caller_sleeping.store(false);
    }
  }

  void resize(int n) {
    if (n < 1) n = 1;
    shutdown();
    stop.store(false);
    size = n;
    const uint64_t now = generation.load();  // jobs before this one are not the new workers' business
    for (int i = 0; i < n - 1; i++) workers.emplace_back([this, now] { worker_loop(now); });
  }

  void shutdown() {
    {
      std::lock_guard<std::mutex> lk(mu);
      stop.store(true);
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
  p.job = &fn;
  p.n_tasks = n_tasks;
  p.next.store(0);
  p.run_job();
  p.job = nullptr;
}

}  // namespace st

int st_num_threads(void) { return st::num_threads(); }
void st_set_num_threads(int n) { st::set_num_threads(n); }
